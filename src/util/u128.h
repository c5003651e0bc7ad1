/*
 * Unsigned 128-bit amounts (balances, values), as two 64-bit halves, with
 * the few operations gearbox needs.  Byte form: 16 bytes little-endian, as
 * Gear's u128.
 */
#ifndef GB_UTIL_U128_H
#define GB_UTIL_U128_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct gb_u128 {
    uint64_t lo, hi;
} gb_u128;

static inline gb_u128 gb_u128_from(uint64_t v) { return (gb_u128){v, 0}; }

static inline bool gb_u128_is_zero(gb_u128 a) { return !a.lo && !a.hi; }

static inline int gb_u128_cmp(gb_u128 a, gb_u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

/* a + b; *overflow set when it wraps (may be NULL). */
static inline gb_u128 gb_u128_add(gb_u128 a, gb_u128 b, bool *overflow)
{
    gb_u128 r = {a.lo + b.lo, a.hi + b.hi};
    r.hi += r.lo < a.lo;
    if (overflow)
        *overflow = r.hi < a.hi || (r.hi == a.hi && r.lo < a.lo);
    return r;
}

/* *acc += v unless that wraps: returns false and leaves *acc unchanged
 * when it would.  Every sum of amounts on a consensus path goes through
 * this (or gb_u128_add with its overflow flag checked): a wrapped sum
 * mints value from nothing. */
static inline bool gb_u128_add_to(gb_u128 *acc, gb_u128 v)
{
    bool ovf;
    gb_u128 r = gb_u128_add(*acc, v, &ovf);
    if (ovf)
        return false;
    *acc = r;
    return true;
}

/* a * b exactly (a 64 x 64-bit product always fits in 128 bits). */
static inline gb_u128 gb_u128_mul64(uint64_t a, uint64_t b)
{
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    /* the middle column: never wraps (each part < 2^32) */
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    gb_u128 r;
    r.lo = (mid << 32) | (uint32_t)p00;
    r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    return r;
}

/* a - b, for a >= b. */
static inline gb_u128 gb_u128_sub(gb_u128 a, gb_u128 b)
{
    gb_u128 r = {a.lo - b.lo, a.hi - b.hi};
    r.hi -= a.lo < b.lo;
    return r;
}

static inline void gb_u128_to_le(gb_u128 a, uint8_t out[16])
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(a.lo >> (8 * i));
        out[8 + i] = (uint8_t)(a.hi >> (8 * i));
    }
}

static inline gb_u128 gb_u128_from_le(const uint8_t in[16])
{
    gb_u128 r = {0, 0};
    for (int i = 7; i >= 0; i--) {
        r.lo = r.lo << 8 | in[i];
        r.hi = r.hi << 8 | in[8 + i];
    }
    return r;
}

/* Decimal text to u128: false on an empty string, a non-digit, or
 * overflow. */
static inline bool gb_u128_parse(const char *s, gb_u128 *out)
{
    gb_u128 r = {0, 0};
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        /* r = r * 10 + digit, checking each step */
        bool o1, o2, o3, o4, o5;
        gb_u128 x2 = gb_u128_add(r, r, &o1);
        gb_u128 x4 = gb_u128_add(x2, x2, &o2);
        gb_u128 x8 = gb_u128_add(x4, x4, &o3);
        r = gb_u128_add(x8, x2, &o4);
        r = gb_u128_add(r, gb_u128_from((uint64_t)(*s - '0')), &o5);
        if (o1 || o2 || o3 || o4 || o5)
            return false;
    }
    *out = r;
    return true;
}

/* u128 as decimal text into out (at least 40 bytes). */
static inline void gb_u128_to_dec(gb_u128 a, char out[40])
{
    char tmp[40];
    int n = 0;
    do {
        /* divide the 128-bit value by 10, 32 bits at a time */
        uint64_t parts[4] = {a.hi >> 32, a.hi & 0xffffffffu, a.lo >> 32,
                             a.lo & 0xffffffffu};
        uint64_t rem = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t cur = rem << 32 | parts[i];
            parts[i] = cur / 10;
            rem = cur % 10;
        }
        a.hi = parts[0] << 32 | parts[1];
        a.lo = parts[2] << 32 | parts[3];
        tmp[n++] = (char)('0' + rem);
    } while (a.hi || a.lo);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
}

#endif
