/*
 * gearbox's allocation helpers: the C library's, with the fault-injection
 * hook (util/fault.h) in front, so that tests can make the Nth allocation
 * fail.  Library code allocates through these, never malloc directly;
 * memory from them is released with plain free().
 */
#ifndef GB_UTIL_MEM_H
#define GB_UTIL_MEM_H

#include <stdlib.h>
#include <string.h>

#include "util/fault.h"

static inline void *gb_malloc(size_t n)
{
    return gb_fault_hit(GB_FAULT_ALLOC) ? NULL : malloc(n);
}

static inline void *gb_calloc(size_t n, size_t size)
{
    return gb_fault_hit(GB_FAULT_ALLOC) ? NULL : calloc(n, size);
}

/* As realloc: NULL leaves p allocated. */
static inline void *gb_realloc(void *p, size_t n)
{
    return gb_fault_hit(GB_FAULT_ALLOC) ? NULL : realloc(p, n);
}

static inline char *gb_strdup(const char *s)
{
    return gb_fault_hit(GB_FAULT_ALLOC) ? NULL : strdup(s);
}

#endif
