/*
 * arena.h — bump allocator for batch lifetimes (docs/architecture.md
 * section 3, "Threads and memory"): blocks are kept across resets, so after
 * warm-up a reset-and-refill cycle never touches the heap. Allocations are
 * 16-byte aligned and die together.
 */
#ifndef VTG_COMMON_ARENA_H
#define VTG_COMMON_ARENA_H

#include <stddef.h>

struct vtg_arena_block;

struct vtg_arena {
	struct vtg_arena_block *head; /* block being filled */
	struct vtg_arena_block *first;
	size_t block_size;
};

void vtg__arena_init(struct vtg_arena *a, size_t block_size);
void vtg__arena_deinit(struct vtg_arena *a);
/* NULL only when the heap is exhausted. */
void *vtg__arena_alloc(struct vtg_arena *a, size_t n);
void *vtg__arena_memdup(struct vtg_arena *a, const void *p, size_t n);
/* Forget every allocation, keep the blocks. */
void vtg__arena_reset(struct vtg_arena *a);

#endif
