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

#endif
