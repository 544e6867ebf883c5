/*
 * alloc.c — the allocation wrapper. The only file that knows which allocator
 * is underneath: with VTG_WITH_JEMALLOC the process links jemalloc, whose
 * malloc replaces libc's, so plain malloc here already is jemalloc; sanitizer
 * builds leave it out so ASan sees every allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static _Thread_local uint64_t alloc_calls;

void *vtg__malloc(size_t n)
{
	alloc_calls++;
	return malloc(n ? n : 1);
}

void *vtg__calloc(size_t n, size_t size)
{
	alloc_calls++;
	return calloc(n ? n : 1, size ? size : 1);
}

void *vtg__realloc(void *p, size_t n)
{
	alloc_calls++;
	return realloc(p, n ? n : 1);
}

void vtg__free(void *p)
{
	free(p);
}

char *vtg__strndup(const char *s, size_t n)
{
	char *d = vtg__malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

uint64_t vtg__alloc_count(void)
{
	return alloc_calls;
}
