/*
 * Large arrays on huge pages (huge.h).
 */
#define _GNU_SOURCE /* MADV_HUGEPAGE, posix_memalign with -std=c11 */
#include "util/huge.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

void *gb_huge_alloc(size_t *bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    size_t n = (*bytes + GB_HUGE_PAGE - 1) & ~(GB_HUGE_PAGE - 1);
    void *p = NULL;
    if (n < *bytes || posix_memalign(&p, GB_HUGE_PAGE, n) != 0)
        return NULL;
    (void)madvise(p, n, MADV_HUGEPAGE); /* (a hint) */
    *bytes = n;
    return p;
#else
    (void)bytes;
    return NULL;
#endif
}

void gb_huge_hint(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t lo = ((uintptr_t)p + GB_HUGE_PAGE - 1) & ~(GB_HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + bytes) & ~(GB_HUGE_PAGE - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}
