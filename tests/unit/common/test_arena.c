/*
 * test_arena.c — the batch arena: alignment, oversized requests, and reuse
 * of blocks after reset without touching the heap (the steady-state rule).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "common/alloc.h"
#include "common/arena.h"

Test(arena, aligned_and_distinct)
{
	struct vtg_arena a;
	vtg__arena_init(&a, 1024);
	char *p = vtg__arena_alloc(&a, 3);
	char *q = vtg__arena_alloc(&a, 5);
	cr_assert_not_null(p);
	cr_assert_eq((uintptr_t)p % 16, 0);
	cr_assert_eq((uintptr_t)q % 16, 0);
	cr_assert_neq(p, q);
	vtg__arena_deinit(&a);
}

Test(arena, oversized_request_gets_own_block)
{
	struct vtg_arena a;
	vtg__arena_init(&a, 256);
	char *p = vtg__arena_alloc(&a, 10000);
	cr_assert_not_null(p);
	memset(p, 1, 10000);
	vtg__arena_deinit(&a);
}

Test(arena, reset_reuses_blocks_without_malloc)
{
	struct vtg_arena a;
	vtg__arena_init(&a, 4096);
	for (int i = 0; i < 100; i++)
		cr_assert_not_null(vtg__arena_alloc(&a, 200));
	vtg__arena_reset(&a);
	uint64_t before = vtg__alloc_count();
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 100; i++)
			cr_assert_not_null(vtg__arena_alloc(&a, 200));
		vtg__arena_reset(&a);
	}
	cr_assert_eq(vtg__alloc_count(), before, "steady state allocated");
	vtg__arena_deinit(&a);
}

Test(arena, memdup_copies)
{
	struct vtg_arena a;
	vtg__arena_init(&a, 0);
	const char s[] = "vantage";
	char *d = vtg__arena_memdup(&a, s, sizeof(s));
	cr_assert_str_eq(d, s);
	vtg__arena_deinit(&a);
}
