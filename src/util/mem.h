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

/* As gb_calloc, by malloc and memset: for arrays of megabytes filled
 * soon after.  jemalloc's calloc of a large block it had freed hands back
 * fresh zero pages (it purges the block), each faulting again when first
 * touched — in the 2-core VM of bench/README.md ~12 us a 4 KiB page, with
 * a fresh chain's first big block taking a thousand of them in its wave
 * and record arrays — where a memset of pages still resident costs a
 * fraction of that.  (On fresh memory the memset takes the faults that
 * the first touches would have.) */
static inline void *gb_calloc_warm(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        return NULL;
    void *p = gb_malloc(n * size);
    if (!p)
        return NULL;
#if defined(__GNUC__)
    /* (else GCC makes the pair a calloc again) */
    __asm__ __volatile__("" : : "r"(p) : "memory");
#endif
    memset(p, 0, n * size);
    return p;
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
