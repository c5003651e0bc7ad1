/*
 * Large arrays on the kernel's huge pages (Linux's transparent huge pages
 * in "madvise" mode; elsewhere plain allocations, the hints do nothing).
 *
 * Why: an array of megabytes touched for the first time costs one page
 * fault per 4 KiB page (in the 2-core VM of bench/README.md about 12 us
 * each, clearing included; a few hundred nanoseconds on bare metal) and,
 * when read at random, a TLB miss per access; on 2 MiB pages both are one
 * per 2 MiB.  The price: a huge page is cleared whole on its first touch,
 * so the hints are for arrays that will be filled (or read at random) over
 * most of their length — small ones stay on 4 KiB pages.
 */
#ifndef GB_UTIL_HUGE_H
#define GB_UTIL_HUGE_H

#include <stddef.h>

/* The huge page size the hints align to. */
#define GB_HUGE_PAGE ((size_t)2 << 20)

/* A block of at least *bytes, rounded up to a multiple of GB_HUGE_PAGE
 * (the size is written back), GB_HUGE_PAGE-aligned, with the huge-page
 * hint; its contents are undefined.  Released with free().  NULL: out of
 * memory, or no aligned allocation here: the caller allocates as usual
 * (through util/mem.h, whose fault-injection hook this one does not go
 * through: only the fallback's failure is a failure). */
void *gb_huge_alloc(size_t *bytes);

/* The huge-page hint for the whole GB_HUGE_PAGE-aligned pages inside
 * [p, p + bytes) of an allocation made otherwise: from now on, a first
 * touch of one of them that has no 4 KiB page yet fills it with one huge
 * page.  Changes no byte of it; a hint (nothing happens where the kernel
 * does not have them). */
void gb_huge_hint(void *p, size_t bytes);

#endif
