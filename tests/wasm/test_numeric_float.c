/*
 * Unit tests for src/wasm/numeric.h: the exact WebAssembly 2.0 numeric
 * semantics -- NaN canonicalisation, sign of zero, round-half-even, trapping
 * and saturating float -> int conversions at both sides of every bound,
 * correctly rounded int -> float conversions, and the integer corner cases
 * (division traps, shift and rotate counts mod the width, clz/ctz of 0).
 *
 * Vectors follow the spec semantics; many mirror assertions in the spec
 * suite (conversions.wast, f32.wast, f64.wast, float_misc.wast), which the
 * interpreter also runs in full.  Int -> float rounding is further checked
 * against an integer-only reference on a deterministic pseudo-random
 * sample, and nearest against rintf/rint on a strided sweep.
 */
#include <math.h>
#include <stdint.h>

#include "test.h"
#include "wasm/numeric.h"

#define F32_NAN 0x7fc00000u
#define F64_NAN UINT64_C(0x7ff8000000000000)

static uint64_t xorshift_(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

static uint32_t f32(float f) { return gb_f32_bits(f); }
static uint64_t f64(double d) { return gb_f64_bits(d); }

/* ---- NaN canonicalisation -------------------------------------------- */

static void test_nan_canonical_arith(void)
{
    /* NaN inputs with payloads and either sign; NaN-producing operations. */
    const uint32_t n1 = 0xffc00000u, n2 = 0x7fa00001u, n3 = 0xff812345u;
    GB_EXPECT_U64(F32_NAN, gb_f32_add(n1, f32(1.0f)));
    GB_EXPECT_U64(F32_NAN, gb_f32_add(f32(1.0f), n2));
    GB_EXPECT_U64(F32_NAN, gb_f32_add(n3, n2));
    GB_EXPECT_U64(F32_NAN, gb_f32_sub(f32(INFINITY), f32(INFINITY)));
    GB_EXPECT_U64(F32_NAN, gb_f32_add(f32(-INFINITY), f32(INFINITY)));
    GB_EXPECT_U64(F32_NAN, gb_f32_mul(f32(0.0f), f32(-INFINITY)));
    GB_EXPECT_U64(F32_NAN, gb_f32_div(f32(0.0f), f32(-0.0f)));
    GB_EXPECT_U64(F32_NAN, gb_f32_div(f32(INFINITY), f32(INFINITY)));
    GB_EXPECT_U64(F32_NAN, gb_f32_sqrt(f32(-1.0f)));
    GB_EXPECT_U64(F32_NAN, gb_f32_sqrt(n3));
    GB_EXPECT_U64(F32_NAN, gb_f32_sqrt(f32(-INFINITY)));
    GB_EXPECT_U64(0x80000000u, gb_f32_sqrt(0x80000000u)); /* sqrt(-0) = -0 */
    GB_EXPECT_U64(F32_NAN, gb_f32_ceil(n1));
    GB_EXPECT_U64(F32_NAN, gb_f32_floor(n2));
    GB_EXPECT_U64(F32_NAN, gb_f32_trunc(n3));
    GB_EXPECT_U64(F32_NAN, gb_f32_nearest(n1));
    GB_EXPECT_U64(F32_NAN, gb_f32_nearest(n2));

    const uint64_t m1 = UINT64_C(0xfff8000000000000),
                   m2 = UINT64_C(0x7ff4000000000001),
                   m3 = UINT64_C(0xfff0000000000abc);
    GB_EXPECT_U64(F64_NAN, gb_f64_add(m1, f64(1.0)));
    GB_EXPECT_U64(F64_NAN, gb_f64_add(f64(1.0), m2));
    GB_EXPECT_U64(F64_NAN, gb_f64_sub(m3, m2));
    GB_EXPECT_U64(F64_NAN, gb_f64_sub(f64(INFINITY), f64(INFINITY)));
    GB_EXPECT_U64(F64_NAN, gb_f64_mul(f64(-0.0), f64(INFINITY)));
    GB_EXPECT_U64(F64_NAN, gb_f64_div(f64(0.0), f64(0.0)));
    GB_EXPECT_U64(F64_NAN, gb_f64_sqrt(f64(-0x1p-1074)));
    GB_EXPECT_U64(F64_NAN, gb_f64_sqrt(m1));
    GB_EXPECT_U64(UINT64_C(0x8000000000000000), gb_f64_sqrt(f64(-0.0)));
    GB_EXPECT_U64(F64_NAN, gb_f64_ceil(m1));
    GB_EXPECT_U64(F64_NAN, gb_f64_floor(m2));
    GB_EXPECT_U64(F64_NAN, gb_f64_trunc(m3));
    GB_EXPECT_U64(F64_NAN, gb_f64_nearest(m3));
    GB_EXPECT_U64(F64_NAN, gb_f64_nearest(m2));

    GB_EXPECT_U64(F32_NAN, gb_f32_canon(gb_f32_of(n3)));
    GB_EXPECT_U64(f32(1.5f), gb_f32_canon(1.5f));
    GB_EXPECT_U64(F64_NAN, gb_f64_canon(gb_f64_of(m3)));
}

static void test_nan_canonical_min_max(void)
{
    GB_EXPECT_U64(F32_NAN, gb_f32_min(0xffc00000u, f32(1.0f)));
    GB_EXPECT_U64(F32_NAN, gb_f32_min(f32(-INFINITY), 0x7fa00000u));
    GB_EXPECT_U64(F32_NAN, gb_f32_max(0x7f800001u, f32(INFINITY)));
    GB_EXPECT_U64(F32_NAN, gb_f32_max(f32(0.0f), 0xffffffffu));
    GB_EXPECT_U64(F64_NAN, gb_f64_min(UINT64_C(0xfff8000000000000), f64(0)));
    GB_EXPECT_U64(F64_NAN, gb_f64_min(f64(0), UINT64_C(0x7ff0000000000001)));
    GB_EXPECT_U64(F64_NAN, gb_f64_max(UINT64_C(0x7ff4000000000000), f64(1)));
    GB_EXPECT_U64(F64_NAN, gb_f64_max(f64(-1), UINT64_C(0xffffffffffffffff)));
}

static void test_nan_canonical_demote_promote(void)
{
    GB_EXPECT_U64(F32_NAN, gb_f32_demote_f64(UINT64_C(0xfff8000000000000)));
    GB_EXPECT_U64(F32_NAN, gb_f32_demote_f64(UINT64_C(0x7ff4000000000000)));
    GB_EXPECT_U64(F32_NAN, gb_f32_demote_f64(UINT64_C(0x7ff0000000000001)));
    GB_EXPECT_U64(F64_NAN, gb_f64_promote_f32(0xffc00000u));
    GB_EXPECT_U64(F64_NAN, gb_f64_promote_f32(0x7fa00000u));
    GB_EXPECT_U64(F64_NAN, gb_f64_promote_f32(0x7f800001u));

    /* Rounding of demote: ties to even, overflow, subnormals. */
    GB_EXPECT_U64(f32(1.0f), gb_f32_demote_f64(f64(1.0 + 0x1p-24)));
    GB_EXPECT_U64(f32(1.0f + 0x1p-22f),
                  gb_f32_demote_f64(f64(1.0 + 0x1p-23 + 0x1p-24)));
    GB_EXPECT_U64(f32(1.0f + 0x1p-23f),
                  gb_f32_demote_f64(f64(1.0 + 0x1p-24 + 0x1p-52)));
    GB_EXPECT_U64(0x7f7fffffu, gb_f32_demote_f64(f64(0x1.fffffefffffffp127)));
    GB_EXPECT_U64(0x7f800000u, gb_f32_demote_f64(f64(0x1.ffffffp127)));
    GB_EXPECT_U64(0xff800000u, gb_f32_demote_f64(f64(-0x1p200)));
    GB_EXPECT_U64(0x00000000u, gb_f32_demote_f64(f64(0x1p-150)));
    GB_EXPECT_U64(0x00000001u, gb_f32_demote_f64(f64(0x1.0000000000001p-150)));
    GB_EXPECT_U64(0x80000000u, gb_f32_demote_f64(f64(-0x1p-1074)));
    GB_EXPECT_U64(0x00000002u, gb_f32_demote_f64(f64(0x1.4p-148))); /* 2.5 ulp */
    GB_EXPECT_U64(0x7f800000u, gb_f32_demote_f64(f64(INFINITY)));
    GB_EXPECT_U64(f64(0x1p-149), gb_f64_promote_f32(0x00000001u));
    GB_EXPECT_U64(f64(-0x1.fffffep127), gb_f64_promote_f32(0xff7fffffu));
    GB_EXPECT_U64(UINT64_C(0x8000000000000000), gb_f64_promote_f32(0x80000000u));
}

static void test_arith_rounding_and_subnormals(void)
{
    /* Round to nearest even, no flush-to-zero. */
    GB_EXPECT_U64(f32(1.0f), gb_f32_add(f32(1.0f), f32(0x1p-24f)));
    GB_EXPECT_U64(f32(1.0f + 0x1p-22f),
                  gb_f32_add(f32(1.0f + 0x1p-23f), f32(0x1p-24f)));
    GB_EXPECT_U64(0x00000001u, gb_f32_sub(f32(0x1p-126f), f32(0x1.fffffcp-127f)));
    GB_EXPECT_U64(0x00000000u, gb_f32_mul(0x00000001u, f32(0.5f)));
    GB_EXPECT_U64(0x00000002u, gb_f32_mul(0x00000003u, f32(0.5f)));
    GB_EXPECT_U64(0x80000000u, gb_f32_mul(0x80000001u, f32(0.25f)));
    GB_EXPECT_U64(0x7f800000u, gb_f32_mul(f32(0x1p127f), f32(2.0f)));
    GB_EXPECT_U64(0xff800000u, gb_f32_div(f32(-1.0f), f32(0.0f)));
    GB_EXPECT_U64(f32(0x1.555556p-2f), gb_f32_div(f32(1.0f), f32(3.0f)));
    GB_EXPECT_U64(0x00000000u, gb_f32_add(f32(-0.0f), f32(0.0f)));
    GB_EXPECT_U64(0x80000000u, gb_f32_add(f32(-0.0f), f32(-0.0f)));
    GB_EXPECT_U64(0x00000000u, gb_f32_sub(f32(1.0f), f32(1.0f)));
    GB_EXPECT_U64(f32(0x1.6a09e6p+0f), gb_f32_sqrt(f32(2.0f)));

    GB_EXPECT_U64(f64(1.0), gb_f64_add(f64(1.0), f64(0x1p-53)));
    GB_EXPECT_U64(UINT64_C(1), gb_f64_sub(f64(0x1p-1022), f64(0x1.ffffffffffffep-1023)));
    GB_EXPECT_U64(UINT64_C(0), gb_f64_mul(UINT64_C(1), f64(0.5)));
    GB_EXPECT_U64(UINT64_C(2), gb_f64_mul(UINT64_C(3), f64(0.5)));
    GB_EXPECT_U64(f64(0x1.5555555555555p-2), gb_f64_div(f64(1.0), f64(3.0)));
    GB_EXPECT_U64(f64(0x1.6a09e667f3bcdp+0), gb_f64_sqrt(f64(2.0)));
    /* a*a rounds to 1 + 2^-51 before the subtraction; a fused multiply-add
     * (which -ffp-contract=off forbids) would leave 2^-104 instead of 0. */
    const uint64_t a = f64(1.0 + 0x1p-52);
    GB_EXPECT_U64(0, gb_f64_sub(gb_f64_mul(a, a), f64(1.0 + 0x1p-51)));
    const uint32_t b = f32(1.0f + 0x1p-23f);
    GB_EXPECT_U64(0, gb_f32_sub(gb_f32_mul(b, b), f32(1.0f + 0x1p-22f)));
}

/* ---- sign of zero ------------------------------------------------------ */

static void test_min_max_zero_sign(void)
{
    const uint32_t p = 0x00000000u, n = 0x80000000u;
    GB_EXPECT_U64(n, gb_f32_min(n, p));
    GB_EXPECT_U64(n, gb_f32_min(p, n));
    GB_EXPECT_U64(p, gb_f32_max(n, p));
    GB_EXPECT_U64(p, gb_f32_max(p, n));
    GB_EXPECT_U64(n, gb_f32_min(n, n));
    GB_EXPECT_U64(p, gb_f32_max(p, p));
    GB_EXPECT_U64(f32(-1.0f), gb_f32_min(f32(-1.0f), f32(1.0f)));
    GB_EXPECT_U64(f32(1.0f), gb_f32_max(f32(-1.0f), f32(1.0f)));
    GB_EXPECT_U64(f32(-INFINITY), gb_f32_min(f32(INFINITY), f32(-INFINITY)));
    GB_EXPECT_U64(f32(INFINITY), gb_f32_max(f32(INFINITY), f32(-INFINITY)));
    GB_EXPECT_U64(0x80000001u, gb_f32_min(0x80000001u, n));
    GB_EXPECT_U64(0x00000001u, gb_f32_max(0x00000001u, p));

    const uint64_t P = 0, N = UINT64_C(0x8000000000000000);
    GB_EXPECT_U64(N, gb_f64_min(N, P));
    GB_EXPECT_U64(N, gb_f64_min(P, N));
    GB_EXPECT_U64(P, gb_f64_max(N, P));
    GB_EXPECT_U64(P, gb_f64_max(P, N));
    GB_EXPECT_U64(f64(-2.0), gb_f64_min(f64(3.0), f64(-2.0)));
    GB_EXPECT_U64(f64(3.0), gb_f64_max(f64(3.0), f64(-2.0)));
}

static void test_ceil_floor_trunc(void)
{
    GB_EXPECT_U64(0x80000000u, gb_f32_ceil(f32(-0.5f)));
    GB_EXPECT_U64(f32(1.0f), gb_f32_ceil(f32(0x1p-149f)));
    GB_EXPECT_U64(f32(-1.0f), gb_f32_floor(f32(-0x1p-149f)));
    GB_EXPECT_U64(0x00000000u, gb_f32_floor(f32(0.999f)));
    GB_EXPECT_U64(0x80000000u, gb_f32_trunc(f32(-0.999f)));
    GB_EXPECT_U64(f32(-2.0f), gb_f32_trunc(f32(-2.5f)));
    GB_EXPECT_U64(f32(INFINITY), gb_f32_floor(f32(INFINITY)));
    GB_EXPECT_U64(UINT64_C(0x8000000000000000), gb_f64_ceil(f64(-0.5)));
    GB_EXPECT_U64(f64(-1.0), gb_f64_floor(f64(-0x1p-1074)));
    GB_EXPECT_U64(f64(2251799813685249.0), gb_f64_ceil(f64(2251799813685248.5)));
    GB_EXPECT_U64(f64(-2.0), gb_f64_trunc(f64(-2.9)));
}

/* ---- nearest ------------------------------------------------------------ */

static void test_nearest_f32(void)
{
    GB_EXPECT_U64(f32(2.0f), gb_f32_nearest(f32(2.5f)));
    GB_EXPECT_U64(f32(-4.0f), gb_f32_nearest(f32(-3.5f)));
    GB_EXPECT_U64(f32(2.0f), gb_f32_nearest(f32(1.5f)));
    GB_EXPECT_U64(f32(4.0f), gb_f32_nearest(f32(4.5f)));
    GB_EXPECT_U64(f32(5.0f), gb_f32_nearest(f32(4.5000005f)));
    GB_EXPECT_U64(0x00000000u, gb_f32_nearest(f32(0.5f)));
    GB_EXPECT_U64(0x80000000u, gb_f32_nearest(f32(-0.5f)));
    GB_EXPECT_U64(0x80000000u, gb_f32_nearest(f32(-0.0f)));
    GB_EXPECT_U64(0x00000000u, gb_f32_nearest(f32(0.0f)));
    GB_EXPECT_U64(0x80000000u, gb_f32_nearest(0x80000001u));
    GB_EXPECT_U64(f32(-1.0f), gb_f32_nearest(f32(-0.50000006f)));
    /* Around 2^23, where f32 stops having a fraction. */
    GB_EXPECT_U64(f32(8388608.0f), gb_f32_nearest(f32(8388607.5f)));
    GB_EXPECT_U64(f32(-8388608.0f), gb_f32_nearest(f32(-8388607.5f)));
    GB_EXPECT_U64(f32(4194304.0f), gb_f32_nearest(f32(4194303.5f)));
    GB_EXPECT_U64(f32(4194304.0f), gb_f32_nearest(f32(4194304.5f)));
    GB_EXPECT_U64(f32(8388608.0f), gb_f32_nearest(f32(0x1p23f)));
    GB_EXPECT_U64(f32(8388609.0f), gb_f32_nearest(f32(0x1p23f + 1.0f)));
    GB_EXPECT_U64(f32(16777216.0f), gb_f32_nearest(f32(0x1p24f)));
    GB_EXPECT_U64(f32(0x1.fffffep127f), gb_f32_nearest(f32(0x1.fffffep127f)));
    GB_EXPECT_U64(f32(-INFINITY), gb_f32_nearest(f32(-INFINITY)));
}

static void test_nearest_f64(void)
{
    GB_EXPECT_U64(f64(2.0), gb_f64_nearest(f64(2.5)));
    GB_EXPECT_U64(f64(-4.0), gb_f64_nearest(f64(-3.5)));
    GB_EXPECT_U64(UINT64_C(0), gb_f64_nearest(f64(0.5)));
    GB_EXPECT_U64(UINT64_C(0x8000000000000000), gb_f64_nearest(f64(-0.5)));
    GB_EXPECT_U64(UINT64_C(0x8000000000000000), gb_f64_nearest(f64(-0.0)));
    GB_EXPECT_U64(UINT64_C(0x8000000000000000), gb_f64_nearest(f64(-0x1p-1074)));
    GB_EXPECT_U64(f64(4503599627370496.0), gb_f64_nearest(f64(4503599627370495.5)));
    GB_EXPECT_U64(f64(-4503599627370496.0), gb_f64_nearest(f64(-4503599627370495.5)));
    GB_EXPECT_U64(f64(2251799813685248.0), gb_f64_nearest(f64(2251799813685247.5)));
    GB_EXPECT_U64(f64(2251799813685248.0), gb_f64_nearest(f64(2251799813685248.5)));
    GB_EXPECT_U64(f64(0x1p52), gb_f64_nearest(f64(0x1p52)));
    GB_EXPECT_U64(f64(0x1p52 + 1), gb_f64_nearest(f64(0x1p52 + 1)));
    GB_EXPECT_U64(f64(0x1.fffffffffffffp1023), gb_f64_nearest(f64(0x1.fffffffffffffp1023)));
    GB_EXPECT_U64(f64(INFINITY), gb_f64_nearest(f64(INFINITY)));
}

/* nearest agrees with rintf/rint (default rounding mode) on a sweep. */
static void test_nearest_sweep(void)
{
    int bad = 0;
    uint64_t swept = 0;
    for (uint64_t i = 0; i <= UINT32_MAX && bad < 5; i += 997) {
        uint32_t a = (uint32_t)i;
        uint32_t want = gb_f32_canon(rintf(gb_f32_of(a)));
        if (gb_f32_nearest(a) != want) {
            GB_EXPECT_U64(want, gb_f32_nearest(a));
            bad++;
        }
        swept++;
    }
    uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
    for (int i = 0; i < 1000000 && bad < 10; i++) {
        xorshift_(&x);
        /* Bias toward exponents near the integer range. */
        uint64_t a = (x & UINT64_C(0x800fffffffffffff)) |
                     ((uint64_t)(1000 + (x >> 52) % 85) << 52);
        if (i & 1)
            a = x;
        uint64_t want = gb_f64_canon(rint(gb_f64_of(a)));
        if (gb_f64_nearest(a) != want) {
            GB_EXPECT_U64(want, gb_f64_nearest(a));
            bad++;
        }
        swept++;
    }
    /* the sweep ran in full and every input agreed with rint */
    GB_EXPECT_I64(0, bad);
    GB_EXPECT_U64(4307891 + 1000000, swept); /* 2^32 / 997 rounded up */
}

/* ---- bit operations keep NaN payloads ----------------------------------- */

static void test_bitops_preserve_payload(void)
{
    GB_EXPECT_U64(0xffa00001u, gb_f32_neg(0x7fa00001u));
    GB_EXPECT_U64(0x7fa00001u, gb_f32_neg(0xffa00001u));
    GB_EXPECT_U64(0x7f812345u, gb_f32_abs(0xff812345u));
    GB_EXPECT_U64(0x7fc00000u, gb_f32_abs(0x7fc00000u));
    GB_EXPECT_U64(0xff812345u, gb_f32_copysign(0x7f812345u, f32(-1.0f)));
    GB_EXPECT_U64(0x7f812345u, gb_f32_copysign(0xff812345u, 0x7fc00000u));
    GB_EXPECT_U64(0xbf800000u, gb_f32_copysign(f32(1.0f), 0xffc00000u));
    GB_EXPECT_U64(0x80000000u, gb_f32_neg(0x00000000u));
    GB_EXPECT_U64(0x00000000u, gb_f32_abs(0x80000000u));

    GB_EXPECT_U64(UINT64_C(0xfff4000000000001), gb_f64_neg(UINT64_C(0x7ff4000000000001)));
    GB_EXPECT_U64(UINT64_C(0x7ff0000000000abc), gb_f64_abs(UINT64_C(0xfff0000000000abc)));
    GB_EXPECT_U64(UINT64_C(0xfff0000000000abc),
                  gb_f64_copysign(UINT64_C(0x7ff0000000000abc), f64(-0.0)));
    GB_EXPECT_U64(UINT64_C(0x7ff0000000000abc),
                  gb_f64_copysign(UINT64_C(0xfff0000000000abc), UINT64_C(0x7ff8000000000000)));
    GB_EXPECT_U64(f64(-2.0), gb_f64_copysign(f64(2.0), UINT64_C(0xfff8000000000000)));
}

/* ---- comparisons -------------------------------------------------------- */

static void test_compare(void)
{
    const uint32_t nan = 0x7fc00000u, one = f32(1.0f);
    GB_EXPECT_U64(0, gb_f32_eq(nan, nan));
    GB_EXPECT_U64(1, gb_f32_ne(nan, nan));
    GB_EXPECT_U64(0, gb_f32_lt(nan, one));
    GB_EXPECT_U64(0, gb_f32_gt(one, nan));
    GB_EXPECT_U64(0, gb_f32_le(nan, one));
    GB_EXPECT_U64(0, gb_f32_ge(0xffc00000u, one));
    GB_EXPECT_U64(1, gb_f32_eq(0x80000000u, 0x00000000u));
    GB_EXPECT_U64(0, gb_f32_lt(0x80000000u, 0x00000000u));
    GB_EXPECT_U64(1, gb_f32_le(0x80000000u, 0x00000000u));
    GB_EXPECT_U64(1, gb_f32_lt(f32(-INFINITY), one));
    GB_EXPECT_U64(1, gb_f32_gt(one, 0x00000001u));
    GB_EXPECT_U64(1, gb_f32_ge(one, one));
    GB_EXPECT_U64(0, gb_f32_ne(one, one));

    const uint64_t dnan = UINT64_C(0x7ff0000000000001), d1 = f64(1.0);
    GB_EXPECT_U64(0, gb_f64_eq(dnan, dnan));
    GB_EXPECT_U64(1, gb_f64_ne(dnan, d1));
    GB_EXPECT_U64(0, gb_f64_lt(d1, dnan));
    GB_EXPECT_U64(0, gb_f64_gt(dnan, d1));
    GB_EXPECT_U64(0, gb_f64_le(dnan, dnan));
    GB_EXPECT_U64(0, gb_f64_ge(d1, dnan));
    GB_EXPECT_U64(1, gb_f64_eq(UINT64_C(0x8000000000000000), 0));
    GB_EXPECT_U64(1, gb_f64_ge(UINT64_C(0x8000000000000000), 0));
    GB_EXPECT_U64(1, gb_f64_lt(f64(-1.0), d1));
    GB_EXPECT_U64(1, gb_f64_gt(d1, UINT64_C(1)));
}

/* ---- float -> int, trapping ------------------------------------------- */

#define T32(fn, in, want)                                                   \
    do {                                                                    \
        uint32_t o_ = 0xdeadbeefu;                                          \
        GB_EXPECT_ERR(GB_OK, fn(in, &o_));                                  \
        GB_EXPECT_U64((uint32_t)(want), o_);                                \
    } while (0)
#define T64(fn, in, want)                                                   \
    do {                                                                    \
        uint64_t o_ = 0xdeadbeefu;                                          \
        GB_EXPECT_ERR(GB_OK, fn(in, &o_));                                  \
        GB_EXPECT_U64((uint64_t)(want), o_);                                \
    } while (0)
/* A trap leaves *out untouched. */
#define TRAP32(fn, in, err)                                                 \
    do {                                                                    \
        uint32_t o_ = 0xdeadbeefu;                                          \
        GB_EXPECT_ERR(err, fn(in, &o_));                                    \
        GB_EXPECT_U64(0xdeadbeefu, o_);                                     \
    } while (0)
#define TRAP64(fn, in, err)                                                 \
    do {                                                                    \
        uint64_t o_ = 0xdeadbeefu;                                          \
        GB_EXPECT_ERR(err, fn(in, &o_));                                    \
        GB_EXPECT_U64(0xdeadbeefu, o_);                                     \
    } while (0)
#define OVF GB_TRAP_INT_OVERFLOW
#define INV GB_TRAP_INVALID_CONV

static void test_trunc_i32_f32(void)
{
    T32(gb_i32_trunc_f32_s, f32(-2147483648.0f), 0x80000000u);
    TRAP32(gb_i32_trunc_f32_s, f32(-2147483904.0f), OVF); /* next below */
    T32(gb_i32_trunc_f32_s, f32(2147483520.0f), 2147483520u); /* next below 2^31 */
    TRAP32(gb_i32_trunc_f32_s, f32(2147483648.0f), OVF);
    T32(gb_i32_trunc_f32_s, f32(-1.9f), (uint32_t)-1);
    T32(gb_i32_trunc_f32_s, f32(-0.9f), 0);
    T32(gb_i32_trunc_f32_s, 0x80000000u, 0);
    T32(gb_i32_trunc_f32_s, 0x00000001u, 0);
    TRAP32(gb_i32_trunc_f32_s, f32(INFINITY), OVF);
    TRAP32(gb_i32_trunc_f32_s, f32(-INFINITY), OVF);
    TRAP32(gb_i32_trunc_f32_s, 0x7fc00000u, INV);
    TRAP32(gb_i32_trunc_f32_s, 0xffa00000u, INV);

    T32(gb_i32_trunc_f32_u, f32(-0.9f), 0);
    T32(gb_i32_trunc_f32_u, f32(-0x1.fffffep-1f), 0); /* largest f32 > -1 */
    TRAP32(gb_i32_trunc_f32_u, f32(-1.0f), OVF);
    T32(gb_i32_trunc_f32_u, f32(4294967040.0f), 4294967040u); /* below 2^32 */
    TRAP32(gb_i32_trunc_f32_u, f32(4294967296.0f), OVF);
    T32(gb_i32_trunc_f32_u, f32(2147483648.0f), 0x80000000u);
    T32(gb_i32_trunc_f32_u, f32(1.9f), 1);
    TRAP32(gb_i32_trunc_f32_u, f32(INFINITY), OVF);
    TRAP32(gb_i32_trunc_f32_u, f32(-INFINITY), OVF);
    TRAP32(gb_i32_trunc_f32_u, 0x7f800001u, INV);
}

static void test_trunc_i32_f64(void)
{
    T32(gb_i32_trunc_f64_s, f64(-2147483648.9), 0x80000000u);
    T32(gb_i32_trunc_f64_s, f64(-2147483648.0), 0x80000000u);
    TRAP32(gb_i32_trunc_f64_s, f64(-2147483649.0), OVF);
    T32(gb_i32_trunc_f64_s, f64(2147483647.9), 0x7fffffffu);
    T32(gb_i32_trunc_f64_s, f64(2147483647.0), 0x7fffffffu);
    TRAP32(gb_i32_trunc_f64_s, f64(2147483648.0), OVF);
    T32(gb_i32_trunc_f64_s, f64(-0x1.fffffffffffffp-1), 0);
    T32(gb_i32_trunc_f64_s, f64(-1.5), (uint32_t)-1);
    TRAP32(gb_i32_trunc_f64_s, f64(INFINITY), OVF);
    TRAP32(gb_i32_trunc_f64_s, f64(-0x1p1000), OVF);
    TRAP32(gb_i32_trunc_f64_s, UINT64_C(0xfff8000000000000), INV);

    T32(gb_i32_trunc_f64_u, f64(-0.9), 0);
    T32(gb_i32_trunc_f64_u, f64(-0x1.fffffffffffffp-1), 0);
    TRAP32(gb_i32_trunc_f64_u, f64(-1.0), OVF);
    T32(gb_i32_trunc_f64_u, f64(4294967295.9), 0xffffffffu);
    TRAP32(gb_i32_trunc_f64_u, f64(4294967296.0), OVF);
    T32(gb_i32_trunc_f64_u, f64(1e9), 1000000000u);
    TRAP32(gb_i32_trunc_f64_u, f64(-INFINITY), OVF);
    TRAP32(gb_i32_trunc_f64_u, UINT64_C(0x7ff0000000000001), INV);
}

static void test_trunc_i64_f32(void)
{
    T64(gb_i64_trunc_f32_s, f32(-0x1p63f), UINT64_C(0x8000000000000000));
    TRAP64(gb_i64_trunc_f32_s, f32(-0x1.000002p63f), OVF);
    T64(gb_i64_trunc_f32_s, f32(0x1.fffffep62f), UINT64_C(0x7fffff8000000000));
    TRAP64(gb_i64_trunc_f32_s, f32(0x1p63f), OVF);
    T64(gb_i64_trunc_f32_s, f32(-1.9f), UINT64_MAX);
    T64(gb_i64_trunc_f32_s, f32(-0.9f), 0);
    TRAP64(gb_i64_trunc_f32_s, f32(INFINITY), OVF);
    TRAP64(gb_i64_trunc_f32_s, 0xffc00000u, INV);

    T64(gb_i64_trunc_f32_u, f32(-0.9f), 0);
    TRAP64(gb_i64_trunc_f32_u, f32(-1.0f), OVF);
    T64(gb_i64_trunc_f32_u, f32(0x1.fffffep63f), UINT64_C(0xffffff0000000000));
    TRAP64(gb_i64_trunc_f32_u, f32(0x1p64f), OVF);
    T64(gb_i64_trunc_f32_u, f32(0x1p63f), UINT64_C(0x8000000000000000));
    TRAP64(gb_i64_trunc_f32_u, f32(-INFINITY), OVF);
    TRAP64(gb_i64_trunc_f32_u, 0x7fa00000u, INV);
}

static void test_trunc_i64_f64(void)
{
    T64(gb_i64_trunc_f64_s, f64(-0x1p63), UINT64_C(0x8000000000000000));
    TRAP64(gb_i64_trunc_f64_s, f64(-0x1.0000000000001p63), OVF);
    T64(gb_i64_trunc_f64_s, f64(0x1.fffffffffffffp62), UINT64_C(0x7ffffffffffffc00));
    TRAP64(gb_i64_trunc_f64_s, f64(0x1p63), OVF);
    T64(gb_i64_trunc_f64_s, f64(-1.9), UINT64_MAX);
    T64(gb_i64_trunc_f64_s, f64(-0.9), 0);
    TRAP64(gb_i64_trunc_f64_s, f64(-INFINITY), OVF);
    TRAP64(gb_i64_trunc_f64_s, UINT64_C(0x7ff8000000000000), INV);

    T64(gb_i64_trunc_f64_u, f64(-0.9), 0);
    T64(gb_i64_trunc_f64_u, f64(-0x1.fffffffffffffp-1), 0);
    TRAP64(gb_i64_trunc_f64_u, f64(-1.0), OVF);
    T64(gb_i64_trunc_f64_u, f64(0x1.fffffffffffffp63), UINT64_C(0xfffffffffffff800));
    TRAP64(gb_i64_trunc_f64_u, f64(0x1p64), OVF);
    T64(gb_i64_trunc_f64_u, f64(1e19), UINT64_C(10000000000000000000));
    TRAP64(gb_i64_trunc_f64_u, f64(INFINITY), OVF);
    TRAP64(gb_i64_trunc_f64_u, UINT64_C(0xfff0000000000001), INV);
}

/* ---- float -> int, saturating --------------------------------------------- */

static void test_trunc_sat(void)
{
    const uint32_t nan32 = 0xffc00000u;
    const uint64_t nan64 = UINT64_C(0x7ff4000000000000);

    GB_EXPECT_U64(0, gb_i32_trunc_sat_f32_s(nan32));
    GB_EXPECT_U64(0x80000000u, gb_i32_trunc_sat_f32_s(f32(-INFINITY)));
    GB_EXPECT_U64(0x80000000u, gb_i32_trunc_sat_f32_s(f32(-2147483904.0f)));
    GB_EXPECT_U64(0x80000000u, gb_i32_trunc_sat_f32_s(f32(-2147483648.0f)));
    GB_EXPECT_U64(2147483520u, gb_i32_trunc_sat_f32_s(f32(2147483520.0f)));
    GB_EXPECT_U64(0x7fffffffu, gb_i32_trunc_sat_f32_s(f32(2147483648.0f)));
    GB_EXPECT_U64(0x7fffffffu, gb_i32_trunc_sat_f32_s(f32(INFINITY)));
    GB_EXPECT_U64((uint32_t)-1, gb_i32_trunc_sat_f32_s(f32(-1.5f)));

    GB_EXPECT_U64(0, gb_i32_trunc_sat_f32_u(nan32));
    GB_EXPECT_U64(0, gb_i32_trunc_sat_f32_u(f32(-INFINITY)));
    GB_EXPECT_U64(0, gb_i32_trunc_sat_f32_u(f32(-1.0f)));
    GB_EXPECT_U64(0, gb_i32_trunc_sat_f32_u(f32(-0.9f)));
    GB_EXPECT_U64(4294967040u, gb_i32_trunc_sat_f32_u(f32(4294967040.0f)));
    GB_EXPECT_U64(0xffffffffu, gb_i32_trunc_sat_f32_u(f32(4294967296.0f)));
    GB_EXPECT_U64(0xffffffffu, gb_i32_trunc_sat_f32_u(f32(INFINITY)));

    GB_EXPECT_U64(0, gb_i32_trunc_sat_f64_s(nan64));
    GB_EXPECT_U64(0x80000000u, gb_i32_trunc_sat_f64_s(f64(-2147483649.0)));
    GB_EXPECT_U64(0x80000000u, gb_i32_trunc_sat_f64_s(f64(-2147483648.9)));
    GB_EXPECT_U64(0x7fffffffu, gb_i32_trunc_sat_f64_s(f64(2147483647.9)));
    GB_EXPECT_U64(0x7fffffffu, gb_i32_trunc_sat_f64_s(f64(2147483648.0)));
    GB_EXPECT_U64(0x7fffffffu, gb_i32_trunc_sat_f64_s(f64(INFINITY)));
    GB_EXPECT_U64(0x80000000u, gb_i32_trunc_sat_f64_s(f64(-INFINITY)));
    GB_EXPECT_U64(0xfffffc18u, gb_i32_trunc_sat_f64_s(f64(-1000.9)));

    GB_EXPECT_U64(0, gb_i32_trunc_sat_f64_u(nan64));
    GB_EXPECT_U64(0, gb_i32_trunc_sat_f64_u(f64(-1.0)));
    GB_EXPECT_U64(0, gb_i32_trunc_sat_f64_u(f64(-0.9)));
    GB_EXPECT_U64(0xffffffffu, gb_i32_trunc_sat_f64_u(f64(4294967295.9)));
    GB_EXPECT_U64(0xffffffffu, gb_i32_trunc_sat_f64_u(f64(4294967296.0)));
    GB_EXPECT_U64(0xffffffffu, gb_i32_trunc_sat_f64_u(f64(1e300)));

    GB_EXPECT_U64(0, gb_i64_trunc_sat_f32_s(nan32));
    GB_EXPECT_U64(UINT64_C(0x8000000000000000), gb_i64_trunc_sat_f32_s(f32(-0x1p63f)));
    GB_EXPECT_U64(UINT64_C(0x8000000000000000), gb_i64_trunc_sat_f32_s(f32(-0x1.000002p63f)));
    GB_EXPECT_U64(UINT64_C(0x7fffff8000000000), gb_i64_trunc_sat_f32_s(f32(0x1.fffffep62f)));
    GB_EXPECT_U64(UINT64_C(0x7fffffffffffffff), gb_i64_trunc_sat_f32_s(f32(0x1p63f)));
    GB_EXPECT_U64(UINT64_C(0x7fffffffffffffff), gb_i64_trunc_sat_f32_s(f32(INFINITY)));

    GB_EXPECT_U64(0, gb_i64_trunc_sat_f32_u(nan32));
    GB_EXPECT_U64(0, gb_i64_trunc_sat_f32_u(f32(-1.0f)));
    GB_EXPECT_U64(0, gb_i64_trunc_sat_f32_u(f32(-INFINITY)));
    GB_EXPECT_U64(UINT64_C(0xffffff0000000000), gb_i64_trunc_sat_f32_u(f32(0x1.fffffep63f)));
    GB_EXPECT_U64(UINT64_MAX, gb_i64_trunc_sat_f32_u(f32(0x1p64f)));

    GB_EXPECT_U64(0, gb_i64_trunc_sat_f64_s(nan64));
    GB_EXPECT_U64(UINT64_C(0x8000000000000000), gb_i64_trunc_sat_f64_s(f64(-0x1p63)));
    GB_EXPECT_U64(UINT64_C(0x8000000000000000), gb_i64_trunc_sat_f64_s(f64(-0x1.0000000000001p63)));
    GB_EXPECT_U64(UINT64_C(0x7ffffffffffffc00), gb_i64_trunc_sat_f64_s(f64(0x1.fffffffffffffp62)));
    GB_EXPECT_U64(UINT64_C(0x7fffffffffffffff), gb_i64_trunc_sat_f64_s(f64(0x1p63)));
    GB_EXPECT_U64(UINT64_MAX, gb_i64_trunc_sat_f64_s(f64(-1.5)));

    GB_EXPECT_U64(0, gb_i64_trunc_sat_f64_u(nan64));
    GB_EXPECT_U64(0, gb_i64_trunc_sat_f64_u(f64(-0.9)));
    GB_EXPECT_U64(0, gb_i64_trunc_sat_f64_u(f64(-1e300)));
    GB_EXPECT_U64(UINT64_C(0xfffffffffffff800), gb_i64_trunc_sat_f64_u(f64(0x1.fffffffffffffp63)));
    GB_EXPECT_U64(UINT64_MAX, gb_i64_trunc_sat_f64_u(f64(0x1p64)));
    GB_EXPECT_U64(UINT64_MAX, gb_i64_trunc_sat_f64_u(f64(INFINITY)));
}

/* ---- int -> float ---------------------------------------------------------- */

/* Integer-only reference: round the magnitude m to `mbits` significant bits,
 * ties to even, and assemble an IEEE binary32 (mbits 24) or binary64
 * (mbits 53).  Shares no code or hardware path with numeric.h. */
static uint64_t ref_int_to_float(int neg, uint64_t m, int mbits)
{
    int ebits = mbits == 24 ? 8 : 11, width = mbits == 24 ? 32 : 64;
    uint64_t sign = (uint64_t)neg << (width - 1);
    if (m == 0)
        return 0;
    int n = 64;
    while (!(m >> (n - 1)))
        n--;                        /* n = number of significant bits */
    uint64_t mant = m;
    if (n > mbits) {
        int sh = n - mbits;
        uint64_t rem = m & ((UINT64_C(1) << sh) - 1);
        uint64_t half = UINT64_C(1) << (sh - 1);
        mant = m >> sh;
        if (rem > half || (rem == half && (mant & 1)))
            mant++;
        if (mant >> mbits) {        /* carried into a new bit */
            mant >>= 1;
            n++;
        }
    } else {
        mant <<= mbits - n;
    }
    uint64_t bias = (UINT64_C(1) << (ebits - 1)) - 1;
    uint64_t exp = (uint64_t)(n - 1) + bias;
    return sign | (exp << (mbits - 1)) | (mant & ((UINT64_C(1) << (mbits - 1)) - 1));
}

static void test_convert_vectors(void)
{
    /* The double-rounding traps: through f64 these come out one ulp off. */
    GB_EXPECT_U64(0x5f000001u, gb_f32_convert_i64_u(UINT64_C(0x8000008000000001)));
    GB_EXPECT_U64(0x5f7fffffu, gb_f32_convert_i64_u(UINT64_C(0xfffffe8000000001)));
    GB_EXPECT_U64(0x5a000001u, gb_f32_convert_i64_u(UINT64_C(0x0020000020000001)));
    GB_EXPECT_U64(0x5effffffu, gb_f32_convert_i64_u(UINT64_C(0x7fffffbfffffffff)));
    GB_EXPECT_U64(0x5f000000u, gb_f32_convert_i64_u(UINT64_C(0x8000008000000000)));
    GB_EXPECT_U64(0x5f000002u, gb_f32_convert_i64_u(UINT64_C(0x8000018000000000)));
    GB_EXPECT_U64(0x5f800000u, gb_f32_convert_i64_u(UINT64_MAX));
    GB_EXPECT_U64(0x5f000000u, gb_f32_convert_i64_u(UINT64_C(0x8000000000000000)));
    GB_EXPECT_U64(0, gb_f32_convert_i64_u(0));
    GB_EXPECT_U64(f32(1.0f), gb_f32_convert_i64_u(1));

    GB_EXPECT_U64(0x5a000001u, gb_f32_convert_i64_s(UINT64_C(0x0020000020000001)));
    GB_EXPECT_U64(0xda000001u, gb_f32_convert_i64_s((uint64_t)-INT64_C(0x0020000020000001)));
    GB_EXPECT_U64(0x5effffffu, gb_f32_convert_i64_s(UINT64_C(0x7fffffbfffffffff)));
    GB_EXPECT_U64(0xdf000000u, gb_f32_convert_i64_s(UINT64_C(0x8000000000000000)));
    GB_EXPECT_U64(0x5f000000u, gb_f32_convert_i64_s(UINT64_C(0x7fffffffffffffff)));
    GB_EXPECT_U64(f32(-1.0f), gb_f32_convert_i64_s(UINT64_MAX));
    GB_EXPECT_U64(f32(9007199791611905.0f), gb_f32_convert_i64_s(UINT64_C(9007199791611905)));

    GB_EXPECT_U64(f32(-2147483648.0f), gb_f32_convert_i32_s(0x80000000u));
    GB_EXPECT_U64(f32(2147483648.0f), gb_f32_convert_i32_s(0x7fffffffu));
    GB_EXPECT_U64(f32(16777216.0f), gb_f32_convert_i32_s(16777217u)); /* tie, even */
    GB_EXPECT_U64(f32(16777220.0f), gb_f32_convert_i32_s(16777219u)); /* tie, even */
    GB_EXPECT_U64(f32(-1.0f), gb_f32_convert_i32_s(0xffffffffu));
    GB_EXPECT_U64(f32(4294967296.0f), gb_f32_convert_i32_u(0xffffffffu));
    GB_EXPECT_U64(f32(2147483648.0f), gb_f32_convert_i32_u(0x80000000u));
    GB_EXPECT_U64(0x4f000001u, gb_f32_convert_i32_u(0x80000080u + 1));
    GB_EXPECT_U64(0x4f000000u, gb_f32_convert_i32_u(0x80000080u));

    GB_EXPECT_U64(f64(-2147483648.0), gb_f64_convert_i32_s(0x80000000u));
    GB_EXPECT_U64(f64(-1.0), gb_f64_convert_i32_s(0xffffffffu));
    GB_EXPECT_U64(f64(4294967295.0), gb_f64_convert_i32_u(0xffffffffu));
    GB_EXPECT_U64(f64(-0x1p63), gb_f64_convert_i64_s(UINT64_C(0x8000000000000000)));
    GB_EXPECT_U64(f64(0x1p63), gb_f64_convert_i64_s(UINT64_C(0x7fffffffffffffff)));
    GB_EXPECT_U64(f64(9007199254740992.0), gb_f64_convert_i64_s(UINT64_C(9007199254740993)));
    GB_EXPECT_U64(f64(9007199254740996.0), gb_f64_convert_i64_s(UINT64_C(9007199254740995)));
    GB_EXPECT_U64(f64(-9007199254740992.0), gb_f64_convert_i64_s((uint64_t)-INT64_C(9007199254740993)));
    GB_EXPECT_U64(f64(0x1p64), gb_f64_convert_i64_u(UINT64_MAX));
    GB_EXPECT_U64(f64(0x1p63), gb_f64_convert_i64_u(UINT64_C(0x8000000000000400)));
    GB_EXPECT_U64(UINT64_C(0x43e0000000000001), gb_f64_convert_i64_u(UINT64_C(0x8000000000000401)));
    GB_EXPECT_U64(UINT64_C(0x43e0000000000002), gb_f64_convert_i64_u(UINT64_C(0x8000000000000c00)));
    GB_EXPECT_U64(UINT64_C(0x43efffffffffffff), gb_f64_convert_i64_u(UINT64_C(0xfffffffffffffbff)));
    GB_EXPECT_U64(UINT64_C(0x43f0000000000000), gb_f64_convert_i64_u(UINT64_C(0xfffffffffffffc00)));
}

/* Every int -> float conversion against ref_int_to_float on a pseudo-random
 * sample skewed toward rounding ties: a random bit length, then the bits
 * below the f32 or f64 rounding position set to exactly half, half + 1,
 * half - 1, or half plus noise confined below the f64 rounding position --
 * the pattern that a conversion through f64 would round twice. */
static void test_convert_reference(void)
{
    uint64_t x = UINT64_C(0x243f6a8885a308d3);
    int bad = 0;
    uint64_t compared = 0;
    for (int i = 0; i < 400000 && bad < 10; i++) {
        int k = 1 + (int)(xorshift_(&x) % 64); /* bit length */
        uint64_t v = (xorshift_(&x) | UINT64_C(0x8000000000000000)) >> (64 - k);
        int cut = k - ((i & 1) ? 24 : 53);     /* bits dropped by rounding */
        if (cut > 0) {
            uint64_t half = UINT64_C(1) << (cut - 1), low = 0;
            uint64_t below64 = k > 53 ? (UINT64_C(1) << (k - 53)) - 1 : 0;
            switch ((i >> 1) % 5) {
            case 0: low = half; break;
            case 1: low = half + 1; break;
            case 2: low = half - 1; break;
            case 3: low = half | ((xorshift_(&x) & below64) | (below64 & 1)); break;
            case 4: low = (half - 1) & ~below64; break;
            }
            v = (v & ~(2 * half - 1)) | low;
        }
        if (i & 2)
            v = 0 - v; /* the signed conversions see negatives */
        uint32_t v32 = (uint32_t)(v ^ (v >> 32));
        int neg64 = (int)(v >> 63), neg32 = (int)(v32 >> 31);
        uint64_t mag64 = neg64 ? 0 - v : v;
        uint32_t mag32 = neg32 ? 0u - v32 : v32;
        uint64_t want, got;

#define CHECK_(want_, got_)                                                 \
        do {                                                                \
            want = (want_), got = (got_);                                   \
            if (want != got) {                                              \
                GB_EXPECT_U64(want, got);                                   \
                fprintf(stderr, "  input 0x%016" PRIx64 "\n", v);           \
                bad++;                                                      \
            }                                                               \
        } while (0)
        CHECK_(ref_int_to_float(0, v, 24), gb_f32_convert_i64_u(v));
        CHECK_(ref_int_to_float(neg64, mag64, 24), gb_f32_convert_i64_s(v));
        CHECK_(ref_int_to_float(0, v, 53), gb_f64_convert_i64_u(v));
        CHECK_(ref_int_to_float(neg64, mag64, 53), gb_f64_convert_i64_s(v));
        CHECK_(ref_int_to_float(0, v32, 24), gb_f32_convert_i32_u(v32));
        CHECK_(ref_int_to_float(neg32, mag32, 24), gb_f32_convert_i32_s(v32));
        CHECK_(ref_int_to_float(0, v32, 53), gb_f64_convert_i32_u(v32));
        CHECK_(ref_int_to_float(neg32, mag32, 53), gb_f64_convert_i32_s(v32));
#undef CHECK_
        compared += 8;
    }
    /* all 400000 rounds ran and every conversion matched the reference */
    GB_EXPECT_I64(0, bad);
    GB_EXPECT_U64(8 * 400000, compared);
}

/* ---- integers ---------------------------------------------------------------- */

static void test_div_rem(void)
{
    uint32_t o = 7;
    GB_EXPECT_ERR(GB_TRAP_DIV_ZERO, gb_i32_div_s(1, 0, &o));
    GB_EXPECT_ERR(GB_TRAP_DIV_ZERO, gb_i32_div_u(1, 0, &o));
    GB_EXPECT_ERR(GB_TRAP_DIV_ZERO, gb_i32_rem_s(0x80000000u, 0, &o));
    GB_EXPECT_ERR(GB_TRAP_DIV_ZERO, gb_i32_rem_u(0, 0, &o));
    GB_EXPECT_ERR(GB_TRAP_INT_OVERFLOW, gb_i32_div_s(0x80000000u, 0xffffffffu, &o));
    GB_EXPECT_U64(7, o);
    GB_EXPECT_ERR(GB_OK, gb_i32_rem_s(0x80000000u, 0xffffffffu, &o));
    GB_EXPECT_U64(0, o);
    GB_EXPECT_ERR(GB_OK, gb_i32_rem_s(5, 0xffffffffu, &o));
    GB_EXPECT_U64(0, o);
    GB_EXPECT_ERR(GB_OK, gb_i32_div_s(0x80000000u, 2, &o));
    GB_EXPECT_U64(0xc0000000u, o);
    GB_EXPECT_ERR(GB_OK, gb_i32_div_s((uint32_t)-7, 2, &o));
    GB_EXPECT_U64((uint32_t)-3, o); /* truncates toward zero */
    GB_EXPECT_ERR(GB_OK, gb_i32_rem_s((uint32_t)-7, 2, &o));
    GB_EXPECT_U64((uint32_t)-1, o); /* sign of the dividend */
    GB_EXPECT_ERR(GB_OK, gb_i32_rem_s(7, (uint32_t)-2, &o));
    GB_EXPECT_U64(1, o);
    GB_EXPECT_ERR(GB_OK, gb_i32_div_u(0x80000000u, 0xffffffffu, &o));
    GB_EXPECT_U64(0, o);
    GB_EXPECT_ERR(GB_OK, gb_i32_div_u((uint32_t)-7, 2, &o));
    GB_EXPECT_U64(0x7ffffffcu, o);
    GB_EXPECT_ERR(GB_OK, gb_i32_rem_u((uint32_t)-7, 2, &o));
    GB_EXPECT_U64(1, o);

    uint64_t p = 7;
    const uint64_t MIN = UINT64_C(0x8000000000000000);
    GB_EXPECT_ERR(GB_TRAP_DIV_ZERO, gb_i64_div_s(1, 0, &p));
    GB_EXPECT_ERR(GB_TRAP_DIV_ZERO, gb_i64_div_u(1, 0, &p));
    GB_EXPECT_ERR(GB_TRAP_DIV_ZERO, gb_i64_rem_s(MIN, 0, &p));
    GB_EXPECT_ERR(GB_TRAP_DIV_ZERO, gb_i64_rem_u(0, 0, &p));
    GB_EXPECT_ERR(GB_TRAP_INT_OVERFLOW, gb_i64_div_s(MIN, UINT64_MAX, &p));
    GB_EXPECT_U64(7, p);
    GB_EXPECT_ERR(GB_OK, gb_i64_rem_s(MIN, UINT64_MAX, &p));
    GB_EXPECT_U64(0, p);
    GB_EXPECT_ERR(GB_OK, gb_i64_div_s(MIN, 2, &p));
    GB_EXPECT_U64(UINT64_C(0xc000000000000000), p);
    GB_EXPECT_ERR(GB_OK, gb_i64_div_s((uint64_t)-7, 2, &p));
    GB_EXPECT_U64((uint64_t)-3, p);
    GB_EXPECT_ERR(GB_OK, gb_i64_rem_s((uint64_t)-7, 2, &p));
    GB_EXPECT_U64((uint64_t)-1, p);
    GB_EXPECT_ERR(GB_OK, gb_i64_div_u(MIN, UINT64_MAX, &p));
    GB_EXPECT_U64(0, p);
    GB_EXPECT_ERR(GB_OK, gb_i64_rem_u((uint64_t)-7, 2, &p));
    GB_EXPECT_U64(1, p);
}

static void test_shift_rotate(void)
{
    GB_EXPECT_U64(0x12345678u, gb_i32_rotl(0x12345678u, 0));
    GB_EXPECT_U64(0x12345678u, gb_i32_rotl(0x12345678u, 32));
    GB_EXPECT_U64(0x2468acf0u, gb_i32_rotl(0x12345678u, 33));
    GB_EXPECT_U64(0x12345678u, gb_i32_rotr(0x12345678u, 0));
    GB_EXPECT_U64(0x12345678u, gb_i32_rotr(0x12345678u, 32));
    GB_EXPECT_U64(0x091a2b3cu, gb_i32_rotr(0x12345678u, 33));
    GB_EXPECT_U64(0x80000000u, gb_i32_rotr(1, 0xffffffe1u)); /* 0xffffffe1 % 32 == 1 */
    GB_EXPECT_U64(0x23456781u, gb_i32_rotl(0x12345678u, 4));

    const uint64_t v = UINT64_C(0x0123456789abcdef);
    GB_EXPECT_U64(v, gb_i64_rotl(v, 0));
    GB_EXPECT_U64(v, gb_i64_rotl(v, 64));
    GB_EXPECT_U64(UINT64_C(0x02468acf13579bde), gb_i64_rotl(v, 65));
    GB_EXPECT_U64(v, gb_i64_rotr(v, 64));
    GB_EXPECT_U64(UINT64_C(0x8091a2b3c4d5e6f7), gb_i64_rotr(v, 65));
    GB_EXPECT_U64(UINT64_C(0x89abcdef01234567), gb_i64_rotl(v, 32));
    GB_EXPECT_U64(UINT64_C(0x89abcdef01234567), gb_i64_rotr(v, 32));

    GB_EXPECT_U64(2, gb_i32_shl(1, 33));
    GB_EXPECT_U64(1, gb_i32_shl(1, 32));
    GB_EXPECT_U64(0x80000000u, gb_i32_shl(1, 31));
    GB_EXPECT_U64(0x40000000u, gb_i32_shr_u(0x80000000u, 33));
    GB_EXPECT_U64(0x80000000u, gb_i32_shr_u(0x80000000u, 32));
    GB_EXPECT_U64(0xc0000000u, gb_i32_shr_s(0x80000000u, 33));
    GB_EXPECT_U64(0xffffffffu, gb_i32_shr_s(0x80000000u, 31));
    GB_EXPECT_U64(0x80000000u, gb_i32_shr_s(0x80000000u, 32));
    GB_EXPECT_U64(0x3fffffffu, gb_i32_shr_s(0x7fffffffu, 1));
    GB_EXPECT_U64(0xffffffffu, gb_i32_shr_s(0xffffffffu, 0xffffffffu));

    GB_EXPECT_U64(2, gb_i64_shl(1, 65));
    GB_EXPECT_U64(1, gb_i64_shl(1, 64));
    GB_EXPECT_U64(UINT64_C(0x4000000000000000), gb_i64_shr_u(UINT64_C(0x8000000000000000), 65));
    GB_EXPECT_U64(UINT64_C(0xc000000000000000), gb_i64_shr_s(UINT64_C(0x8000000000000000), 65));
    GB_EXPECT_U64(UINT64_MAX, gb_i64_shr_s(UINT64_C(0x8000000000000000), 63));
    GB_EXPECT_U64(UINT64_C(0x8000000000000000), gb_i64_shr_s(UINT64_C(0x8000000000000000), 64));
    GB_EXPECT_U64(1, gb_i64_shr_s(UINT64_C(0x7fffffffffffffff), 62));
}

static void test_bit_count(void)
{
    GB_EXPECT_U64(32, gb_i32_clz(0));
    GB_EXPECT_U64(32, gb_i32_ctz(0));
    GB_EXPECT_U64(0, gb_i32_popcnt(0));
    GB_EXPECT_U64(0, gb_i32_clz(0x80000000u));
    GB_EXPECT_U64(31, gb_i32_clz(1));
    GB_EXPECT_U64(31, gb_i32_ctz(0x80000000u));
    GB_EXPECT_U64(0, gb_i32_ctz(1));
    GB_EXPECT_U64(32, gb_i32_popcnt(0xffffffffu));
    GB_EXPECT_U64(16, gb_i32_popcnt(0xaaaaaaaau));

    GB_EXPECT_U64(64, gb_i64_clz(0));
    GB_EXPECT_U64(64, gb_i64_ctz(0));
    GB_EXPECT_U64(0, gb_i64_popcnt(0));
    GB_EXPECT_U64(0, gb_i64_clz(UINT64_C(0x8000000000000000)));
    GB_EXPECT_U64(63, gb_i64_clz(1));
    GB_EXPECT_U64(32, gb_i64_clz(0xffffffffu));
    GB_EXPECT_U64(63, gb_i64_ctz(UINT64_C(0x8000000000000000)));
    GB_EXPECT_U64(32, gb_i64_ctz(UINT64_C(0x100000000)));
    GB_EXPECT_U64(64, gb_i64_popcnt(UINT64_MAX));
    GB_EXPECT_U64(32, gb_i64_popcnt(UINT64_C(0xaaaaaaaaaaaaaaaa)));
}

static void test_sign_extend(void)
{
    GB_EXPECT_U64(0x7fu, gb_i32_extend8_s(0x7fu));
    GB_EXPECT_U64(0xffffff80u, gb_i32_extend8_s(0x80u));
    GB_EXPECT_U64(0xffffffffu, gb_i32_extend8_s(0x123456ffu));
    GB_EXPECT_U64(0x00000000u, gb_i32_extend8_s(0xfedcba00u));
    GB_EXPECT_U64(0x7fffu, gb_i32_extend16_s(0x7fffu));
    GB_EXPECT_U64(0xffff8000u, gb_i32_extend16_s(0x8000u));
    GB_EXPECT_U64(0x00001234u, gb_i32_extend16_s(0xabcd1234u));

    GB_EXPECT_U64(UINT64_C(0xffffffffffffff80), gb_i64_extend8_s(0x80u));
    GB_EXPECT_U64(0x7fu, gb_i64_extend8_s(UINT64_C(0x012345678912347f)));
    GB_EXPECT_U64(UINT64_C(0xffffffffffff8000), gb_i64_extend16_s(0x8000u));
    GB_EXPECT_U64(0x7fffu, gb_i64_extend16_s(UINT64_C(0xffffffffffff7fff)));
    GB_EXPECT_U64(UINT64_C(0xffffffff80000000), gb_i64_extend32_s(0x80000000u));
    GB_EXPECT_U64(UINT64_C(0x7fffffff), gb_i64_extend32_s(UINT64_C(0xffffffff7fffffff)));
    GB_EXPECT_U64(0, gb_i64_extend32_s(UINT64_C(0x1234567800000000)));
}

static void test_bit_casts(void)
{
    GB_EXPECT_U64(0x3f800000u, gb_f32_bits(1.0f));
    GB_EXPECT_U64(0x7fa12345u, gb_f32_bits(gb_f32_of(0x7fa12345u)));
    GB_EXPECT_U64(UINT64_C(0x3ff0000000000000), gb_f64_bits(1.0));
    GB_EXPECT_U64(UINT64_C(0xfff0000000000001),
                  gb_f64_bits(gb_f64_of(UINT64_C(0xfff0000000000001))));
}

int main(void)
{
    GB_RUN(test_nan_canonical_arith);
    GB_RUN(test_nan_canonical_min_max);
    GB_RUN(test_nan_canonical_demote_promote);
    GB_RUN(test_arith_rounding_and_subnormals);
    GB_RUN(test_min_max_zero_sign);
    GB_RUN(test_ceil_floor_trunc);
    GB_RUN(test_nearest_f32);
    GB_RUN(test_nearest_f64);
    GB_RUN(test_nearest_sweep);
    GB_RUN(test_bitops_preserve_payload);
    GB_RUN(test_compare);
    GB_RUN(test_trunc_i32_f32);
    GB_RUN(test_trunc_i32_f64);
    GB_RUN(test_trunc_i64_f32);
    GB_RUN(test_trunc_i64_f64);
    GB_RUN(test_trunc_sat);
    GB_RUN(test_convert_vectors);
    GB_RUN(test_convert_reference);
    GB_RUN(test_div_rem);
    GB_RUN(test_shift_rotate);
    GB_RUN(test_bit_count);
    GB_RUN(test_sign_extend);
    GB_RUN(test_bit_casts);
    return gb_test_summary();
}
