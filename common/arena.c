/*
 * arena.c — see arena.h. Blocks form a list; reset rewinds to the first block
 * and reuses the chain in order, so a steady workload stops allocating once
 * the chain is long enough. Oversized requests get a block of their own size.
 */
#include <stdint.h>
#include <string.h>

#include "common/alloc.h"
#include "common/arena.h"

#define ARENA_ALIGN 16 /* max_align_t on x86_64 */

struct vtg_arena_block {
	struct vtg_arena_block *next;
	size_t size;
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

void vtg__arena_init(struct vtg_arena *a, size_t block_size)
{
	a->head = a->first = NULL;
	a->block_size = block_size ? block_size : 64 * 1024;
}

void vtg__arena_deinit(struct vtg_arena *a)
{
	struct vtg_arena_block *b = a->first;
	while (b) {
		struct vtg_arena_block *n = b->next;
		vtg__free(b);
		b = n;
	}
	a->head = a->first = NULL;
}

void *vtg__arena_alloc(struct vtg_arena *a, size_t n)
{
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct vtg_arena_block *b = a->head;
	while (b && b->size - b->used < n) {
		/* move on to the next kept block, if any */
		if (b->next) {
			b = b->next;
			b->used = 0;
			a->head = b;
		} else {
			b = NULL;
		}
	}
	if (!b) {
		size_t size = n > a->block_size ? n : a->block_size;
		b = vtg__malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->next = NULL;
		b->size = size;
		b->used = 0;
		if (a->head) {
			/* insert after head, keep the rest of the chain */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			a->first = b;
		}
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

void *vtg__arena_memdup(struct vtg_arena *a, const void *p, size_t n)
{
	void *d = vtg__arena_alloc(a, n);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

void vtg__arena_reset(struct vtg_arena *a)
{
	a->head = a->first;
	if (a->head)
		a->head->used = 0;
}
