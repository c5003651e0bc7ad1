/*
 * Byte helpers that accept (NULL, 0): memcpy and memcmp do not, and a
 * zero-length type list or section is common in modules.  And integers as
 * n little-endian bytes (gb_le_put / gb_le_get), the byte order of every
 * value gearbox stores or hashes.
 */
#ifndef GB_UTIL_BYTES_H
#define GB_UTIL_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static inline void gb_copy(void *dst, const void *src, size_t n)
{
    if (n)
        memcpy(dst, src, n);
}

static inline bool gb_same(const void *a, const void *b, size_t n)
{
    return n == 0 || memcmp(a, b, n) == 0;
}

/* n zeroed bytes (NULL: out of memory), for what every run allocates:
 * glibc's calloc always takes its arena's lock, malloc of a small size
 * is served from the thread's cache — and with several threads the lock
 * is contended. */
static inline void *gb_zalloc(size_t n)
{
    void *p = gb_malloc(n ? n : 1);
    if (p)
        memset(p, 0, n);
    return p;
}

/* n minus the zero bytes at the end of p[0, n): the length of p with its
 * trailing zeros trimmed (0 when all zero).  Stored memory pages are kept in
 * this form (state/tables.h): a page of a small program is mostly zeros. */
static inline size_t gb_trimmed_len(const unsigned char *p, size_t n)
{
    while (n >= 32) {
        unsigned long long w[4];
        memcpy(w, p + n - 32, sizeof w);
        if (w[0] | w[1] | w[2] | w[3])
            break;
        n -= 32;
    }
    while (n && p[n - 1] == 0)
        n--;
    return n;
}

/* v as n (1..8) little-endian bytes at p. */
static inline void gb_le_put(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* n (1..8) little-endian bytes at p. */
static inline uint64_t gb_le_get(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

#endif
