/*
 * alloc.h — every heap call in vantage goes through these wrappers (Redis's
 * zmalloc idea): jemalloc underneath in normal builds (linked as the process
 * allocator), libc malloc under sanitizers. A per-thread counter of calls lets
 * tests prove that a steady-state path does not allocate.
 */
#ifndef VTG_COMMON_ALLOC_H
#define VTG_COMMON_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *vtg__malloc(size_t n);
void *vtg__calloc(size_t n, size_t size);
void *vtg__realloc(void *p, size_t n);
void vtg__free(void *p);
char *vtg__strndup(const char *s, size_t n);

/* Heap calls (malloc, calloc, realloc) made by this thread so far. */
uint64_t vtg__alloc_count(void);

#endif
