/*
 * Byte helpers that accept (NULL, 0): memcpy and memcmp do not, and a
 * zero-length type list or section is common in modules.
 */
#ifndef GB_UTIL_BYTES_H
#define GB_UTIL_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static inline void gb_copy(void *dst, const void *src, size_t n)
{
    if (n)
        memcpy(dst, src, n);
}

static inline bool gb_same(const void *a, const void *b, size_t n)
{
    return n == 0 || memcmp(a, b, n) == 0;
}

#endif
