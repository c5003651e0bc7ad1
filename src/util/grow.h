/*
 * Growing arrays: make room for `need` elements in *arr (capacity *cap,
 * doubling from `first`).  false when out of memory (*arr unchanged).
 */
#ifndef GB_UTIL_GROW_H
#define GB_UTIL_GROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/mem.h"

static inline bool gb_grow(void **arr, uint32_t *cap, uint64_t need,
                           size_t elem, uint32_t first)
{
    if (need <= *cap)
        return true;
    uint64_t c = *cap ? *cap : first;
    while (c < need)
        c *= 2;
    if (c > UINT32_MAX)
        return false;
    void *p = gb_realloc(*arr, (size_t)c * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = (uint32_t)c;
    return true;
}

#endif
