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
#if defined(__GNUC__) || defined(__clang__)
/* 16 bytes at any address (a vector type: SSE2 on x86-64, NEON on arm64) */
typedef unsigned long long gb_v2u_
    __attribute__((vector_size(16), aligned(1), may_alias));

/* whether the 256 bytes at p are all zero (sixteen vectors or-ed) */
static inline int gb_zero256_(const unsigned char *p)
{
    const gb_v2u_ *q = (const gb_v2u_ *)(const void *)p;
    gb_v2u_ o = ((q[0] | q[1]) | (q[2] | q[3])) |
                ((q[4] | q[5]) | (q[6] | q[7]));
    o |= ((q[8] | q[9]) | (q[10] | q[11])) |
         ((q[12] | q[13]) | (q[14] | q[15]));
    return !(o[0] | o[1]);
}
#endif

static inline size_t gb_trimmed_len(const unsigned char *p, size_t n)
{
#if defined(__GNUC__) || defined(__clang__)
    /* 256 bytes a step while they are zero: the page a run wrote a few
     * bytes of is scanned from the end of its 4 KiB granule, once per run */
    while (n >= 256 && gb_zero256_(p + n - 256))
        n -= 256;
#endif
    while (n >= 32) {
        unsigned long long w[4];
        memcpy(w, p + n - 32, sizeof w);
        if (w[0] | w[1] | w[2] | w[3])
            break;
        n -= 32;
    }
    while (n >= 8) {
        unsigned long long w;
        memcpy(&w, p + n - 8, sizeof w);
        if (w) {
#if (defined(__GNUC__) || defined(__clang__)) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return n - (size_t)__builtin_clzll(w) / 8; /* (last byte: high) */
#else
            break;
#endif
        }
        n -= 8;
    }
    while (n && p[n - 1] == 0)
        n--;
    return n;
}

/* How many of the bytes at the start of p[0, n) are zero (n when all
 * are): 256 bytes a step while they are zero — the engine's marks of the
 * granules a run wrote are mostly zero, and are looked through after
 * every run. */
static inline size_t gb_zero_len(const unsigned char *p, size_t n)
{
    size_t i = 0;
#if defined(__GNUC__) || defined(__clang__)
    while (n - i >= 256 && gb_zero256_(p + i))
        i += 256;
#endif
    while (n - i >= 32) {
        unsigned long long w[4];
        memcpy(w, p + i, sizeof w);
        if (w[0] | w[1] | w[2] | w[3])
            break;
        i += 32;
    }
    while (n - i >= 8) {
        unsigned long long w;
        memcpy(&w, p + i, sizeof w);
        if (w) {
#if (defined(__GNUC__) || defined(__clang__)) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (size_t)__builtin_ctzll(w) / 8; /* (first byte: low) */
#else
            break;
#endif
        }
        i += 8;
    }
    while (i < n && p[i] == 0)
        i++;
    return i;
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
