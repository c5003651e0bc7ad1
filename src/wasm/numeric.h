/*
 * WebAssembly 2.0 numeric semantics, exactly, as static inline functions.
 * Internal to src/wasm/: the interpreter inlines these into its hot loop.
 *
 * gearbox runs WebAssembly as part of a replicated state machine, so every
 * node must compute the same bits from the same inputs, whatever its CPU or
 * compiler.  Plain C gets most of the way there and this header covers the
 * rest:
 *
 *  - NaN canonicalisation.  The spec lets an arithmetic float operation
 *    return any NaN with the "arithmetic" payload, and real hardware
 *    differs (x86 returns a negative "default NaN" or propagates one of the
 *    operands' payloads, ARM returns a positive one).  We pin the choice:
 *    every float operation that computes a value (add, sub, mul, div, sqrt,
 *    min, max, ceil, floor, trunc, nearest, demote, promote) returns the
 *    canonical NaN -- f32 0x7fc00000, f64 0x7ff8000000000000, positive --
 *    whenever its result is a NaN.  The pure bit operations (abs, neg,
 *    copysign, and reinterpretation, which is just passing bits along) are
 *    NOT canonicalised: the spec defines them on the bits, payload included.
 *
 *  - Traps instead of undefined behaviour.  Converting an out-of-range
 *    float to an integer, dividing by zero, INT_MIN / -1, shifting by the
 *    width or more are all undefined in C and trap or wrap in WebAssembly.
 *    Range checks are float comparisons against exactly representable
 *    bounds, made before any C conversion, so no cast here is ever UB.
 *
 *  - Correct rounding of integer -> float conversions, including u64 -> f32
 *    and u64 -> f64 where a naive (float)(double)x would round twice.
 *
 * Values travel as raw bits: f32 as uint32_t, f64 as uint64_t, i32 as
 * uint32_t, i64 as uint64_t.  Functions that can trap return a gb_err and
 * write the result through `out`, which is left untouched on a trap.
 *
 * Assumptions about the build, checked where they can be: IEEE 754 binary32
 * and binary64 floats evaluated at their own precision (FLT_EVAL_METHOD 0,
 * i.e. SSE2 on x86-64, never x87), no contraction of a*b+c into an FMA
 * (-ffp-contract=off), no -ffast-math, the default rounding mode
 * (round to nearest, ties to even) and no flush-to-zero / denormals-are-zero
 * mode.  The embedder must not change the floating-point environment.
 * ceilf/floorf/truncf/sqrtf and their double twins come from libm; IEEE 754
 * and C Annex F define their results exactly, so every conforming libm
 * agrees.
 */
#ifndef GB_WASM_NUMERIC_H
#define GB_WASM_NUMERIC_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "gearbox/err.h"

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "gearbox needs FLT_EVAL_METHOD == 0 (on x86 build with SSE2, not x87)"
#endif
#ifdef __FAST_MATH__
#error "gearbox must not be built with -ffast-math"
#endif

#define GB_F32_CANON_NAN UINT32_C(0x7fc00000)
#define GB_F64_CANON_NAN UINT64_C(0x7ff8000000000000)
#define GB_F32_SIGN UINT32_C(0x80000000)
#define GB_F64_SIGN UINT64_C(0x8000000000000000)

/* ---- bit casts ------------------------------------------------------- */

static inline float gb_f32_of(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline uint32_t gb_f32_bits(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

static inline double gb_f64_of(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static inline uint64_t gb_f64_bits(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

/* The bits of f, or the canonical NaN if f is any NaN. */
static inline uint32_t gb_f32_canon(float f)
{
    return f != f ? GB_F32_CANON_NAN : gb_f32_bits(f);
}

static inline uint64_t gb_f64_canon(double d)
{
    return d != d ? GB_F64_CANON_NAN : gb_f64_bits(d);
}

/* Two's-complement reinterpretation without the implementation-defined
 * unsigned -> signed conversion of C11 6.3.1.3p3; compiles to nothing. */
static inline int32_t gb_num_s32_(uint32_t x)
{
    return x <= INT32_MAX ? (int32_t)x : -(int32_t)~x - 1;
}

static inline int64_t gb_num_s64_(uint64_t x)
{
    return x <= INT64_MAX ? (int64_t)x : -(int64_t)~x - 1;
}

/* ---- f32 arithmetic ---------------------------------------------------- */

static inline uint32_t gb_f32_add(uint32_t a, uint32_t b)
{
    return gb_f32_canon(gb_f32_of(a) + gb_f32_of(b));
}

static inline uint32_t gb_f32_sub(uint32_t a, uint32_t b)
{
    return gb_f32_canon(gb_f32_of(a) - gb_f32_of(b));
}

static inline uint32_t gb_f32_mul(uint32_t a, uint32_t b)
{
    return gb_f32_canon(gb_f32_of(a) * gb_f32_of(b));
}

static inline uint32_t gb_f32_div(uint32_t a, uint32_t b)
{
    return gb_f32_canon(gb_f32_of(a) / gb_f32_of(b));
}

/* min/max: a NaN operand gives the canonical NaN; -0 < +0.  When x == y
 * the operands are equal numbers and differ at most in the sign of zero, so
 * OR-ing the bits picks -0 for min and AND-ing picks +0 for max. */
static inline uint32_t gb_f32_min(uint32_t a, uint32_t b)
{
    float x = gb_f32_of(a), y = gb_f32_of(b);
    if (x != x || y != y)
        return GB_F32_CANON_NAN;
    if (x == y)
        return a | b;
    return x < y ? a : b;
}

static inline uint32_t gb_f32_max(uint32_t a, uint32_t b)
{
    float x = gb_f32_of(a), y = gb_f32_of(b);
    if (x != x || y != y)
        return GB_F32_CANON_NAN;
    if (x == y)
        return a & b;
    return x > y ? a : b;
}

static inline uint32_t gb_f32_sqrt(uint32_t a)
{
    return gb_f32_canon(sqrtf(gb_f32_of(a)));
}

static inline uint32_t gb_f32_ceil(uint32_t a)
{
    return gb_f32_canon(ceilf(gb_f32_of(a)));
}

static inline uint32_t gb_f32_floor(uint32_t a)
{
    return gb_f32_canon(floorf(gb_f32_of(a)));
}

static inline uint32_t gb_f32_trunc(uint32_t a)
{
    return gb_f32_canon(truncf(gb_f32_of(a)));
}

/* Round to nearest integer, ties to even, sign of zero kept (-0.5 -> -0).
 * For |x| < 2^23, |x| + 2^23 lands in [2^23, 2^24) where the spacing is
 * exactly 1, so the addition itself rounds |x| to an integer, ties to even;
 * subtracting 2^23 again is exact.  Larger magnitudes, infinities and NaNs
 * are already integral (or NaN).  Needs no libm call, and relies on nothing
 * beyond IEEE addition in the default rounding mode. */
static inline uint32_t gb_f32_nearest(uint32_t a)
{
    float ax = gb_f32_of(a & ~GB_F32_SIGN);
    if (ax < 0x1p23f) {
        ax = (ax + 0x1p23f) - 0x1p23f;
        return gb_f32_bits(ax) | (a & GB_F32_SIGN);
    }
    return gb_f32_canon(gb_f32_of(a));
}

static inline uint32_t gb_f32_abs(uint32_t a) { return a & ~GB_F32_SIGN; }
static inline uint32_t gb_f32_neg(uint32_t a) { return a ^ GB_F32_SIGN; }

static inline uint32_t gb_f32_copysign(uint32_t a, uint32_t b)
{
    return (a & ~GB_F32_SIGN) | (b & GB_F32_SIGN);
}

/* ---- f64 arithmetic ---------------------------------------------------- */

static inline uint64_t gb_f64_add(uint64_t a, uint64_t b)
{
    return gb_f64_canon(gb_f64_of(a) + gb_f64_of(b));
}

static inline uint64_t gb_f64_sub(uint64_t a, uint64_t b)
{
    return gb_f64_canon(gb_f64_of(a) - gb_f64_of(b));
}

static inline uint64_t gb_f64_mul(uint64_t a, uint64_t b)
{
    return gb_f64_canon(gb_f64_of(a) * gb_f64_of(b));
}

static inline uint64_t gb_f64_div(uint64_t a, uint64_t b)
{
    return gb_f64_canon(gb_f64_of(a) / gb_f64_of(b));
}

static inline uint64_t gb_f64_min(uint64_t a, uint64_t b)
{
    double x = gb_f64_of(a), y = gb_f64_of(b);
    if (x != x || y != y)
        return GB_F64_CANON_NAN;
    if (x == y)
        return a | b;
    return x < y ? a : b;
}

static inline uint64_t gb_f64_max(uint64_t a, uint64_t b)
{
    double x = gb_f64_of(a), y = gb_f64_of(b);
    if (x != x || y != y)
        return GB_F64_CANON_NAN;
    if (x == y)
        return a & b;
    return x > y ? a : b;
}

static inline uint64_t gb_f64_sqrt(uint64_t a)
{
    return gb_f64_canon(sqrt(gb_f64_of(a)));
}

static inline uint64_t gb_f64_ceil(uint64_t a)
{
    return gb_f64_canon(ceil(gb_f64_of(a)));
}

static inline uint64_t gb_f64_floor(uint64_t a)
{
    return gb_f64_canon(floor(gb_f64_of(a)));
}

static inline uint64_t gb_f64_trunc(uint64_t a)
{
    return gb_f64_canon(trunc(gb_f64_of(a)));
}

/* As gb_f32_nearest, with 2^52: spacing in [2^52, 2^53) is exactly 1. */
static inline uint64_t gb_f64_nearest(uint64_t a)
{
    double ax = gb_f64_of(a & ~GB_F64_SIGN);
    if (ax < 0x1p52) {
        ax = (ax + 0x1p52) - 0x1p52;
        return gb_f64_bits(ax) | (a & GB_F64_SIGN);
    }
    return gb_f64_canon(gb_f64_of(a));
}

static inline uint64_t gb_f64_abs(uint64_t a) { return a & ~GB_F64_SIGN; }
static inline uint64_t gb_f64_neg(uint64_t a) { return a ^ GB_F64_SIGN; }

static inline uint64_t gb_f64_copysign(uint64_t a, uint64_t b)
{
    return (a & ~GB_F64_SIGN) | (b & GB_F64_SIGN);
}

/* ---- comparisons: 1 or 0; any NaN makes all but ne false --------------- */

static inline uint32_t gb_f32_eq(uint32_t a, uint32_t b) { return gb_f32_of(a) == gb_f32_of(b); }
static inline uint32_t gb_f32_ne(uint32_t a, uint32_t b) { return gb_f32_of(a) != gb_f32_of(b); }
static inline uint32_t gb_f32_lt(uint32_t a, uint32_t b) { return gb_f32_of(a) < gb_f32_of(b); }
static inline uint32_t gb_f32_gt(uint32_t a, uint32_t b) { return gb_f32_of(a) > gb_f32_of(b); }
static inline uint32_t gb_f32_le(uint32_t a, uint32_t b) { return gb_f32_of(a) <= gb_f32_of(b); }
static inline uint32_t gb_f32_ge(uint32_t a, uint32_t b) { return gb_f32_of(a) >= gb_f32_of(b); }

static inline uint32_t gb_f64_eq(uint64_t a, uint64_t b) { return gb_f64_of(a) == gb_f64_of(b); }
static inline uint32_t gb_f64_ne(uint64_t a, uint64_t b) { return gb_f64_of(a) != gb_f64_of(b); }
static inline uint32_t gb_f64_lt(uint64_t a, uint64_t b) { return gb_f64_of(a) < gb_f64_of(b); }
static inline uint32_t gb_f64_gt(uint64_t a, uint64_t b) { return gb_f64_of(a) > gb_f64_of(b); }
static inline uint32_t gb_f64_le(uint64_t a, uint64_t b) { return gb_f64_of(a) <= gb_f64_of(b); }
static inline uint32_t gb_f64_ge(uint64_t a, uint64_t b) { return gb_f64_of(a) >= gb_f64_of(b); }

/* ---- float -> int, trapping -------------------------------------------
 *
 * NaN traps with GB_TRAP_INVALID_CONV; a value whose truncation does not
 * fit traps with GB_TRAP_INT_OVERFLOW.  The accepted range is written as
 * `lo_ok` (a comparison against an exactly representable bound) and `hi`
 * (an exclusive upper bound, a power of two): for example f64 -> s32 accepts
 * x > -2147483649.0 && x < 2147483648.0, so -2147483648.9 and 2147483647.9
 * pass, and f32 -> u32 accepts x > -1.0f, so -0.9 truncates to 0.  Inside
 * that range the C conversion truncates toward zero and is defined. */
#define GB_NUM_TRUNC_(name, FT, BITS, of, lo_ok, hi, IT, UT)                  \
    static inline gb_err name(BITS a, UT *out)                               \
    {                                                                         \
        FT x = of(a);                                                         \
        if (x != x)                                                           \
            return GB_TRAP_INVALID_CONV;                                      \
        if (!((lo_ok) && x < (hi)))                                           \
            return GB_TRAP_INT_OVERFLOW;                                      \
        *out = (UT)(IT)x;                                                     \
        return GB_OK;                                                         \
    }

GB_NUM_TRUNC_(gb_i32_trunc_f32_s, float, uint32_t, gb_f32_of,
              x >= -0x1p31f, 0x1p31f, int32_t, uint32_t)
GB_NUM_TRUNC_(gb_i32_trunc_f32_u, float, uint32_t, gb_f32_of,
              x > -1.0f, 0x1p32f, uint32_t, uint32_t)
GB_NUM_TRUNC_(gb_i32_trunc_f64_s, double, uint64_t, gb_f64_of,
              x > -0x1p31 - 1.0, 0x1p31, int32_t, uint32_t)
GB_NUM_TRUNC_(gb_i32_trunc_f64_u, double, uint64_t, gb_f64_of,
              x > -1.0, 0x1p32, uint32_t, uint32_t)
GB_NUM_TRUNC_(gb_i64_trunc_f32_s, float, uint32_t, gb_f32_of,
              x >= -0x1p63f, 0x1p63f, int64_t, uint64_t)
GB_NUM_TRUNC_(gb_i64_trunc_f32_u, float, uint32_t, gb_f32_of,
              x > -1.0f, 0x1p64f, uint64_t, uint64_t)
GB_NUM_TRUNC_(gb_i64_trunc_f64_s, double, uint64_t, gb_f64_of,
              x >= -0x1p63, 0x1p63, int64_t, uint64_t)
GB_NUM_TRUNC_(gb_i64_trunc_f64_u, double, uint64_t, gb_f64_of,
              x > -1.0, 0x1p64, uint64_t, uint64_t)
#undef GB_NUM_TRUNC_

/* ---- float -> int, saturating ------------------------------------------
 *
 * NaN -> 0; below `lo` -> the minimum; at or above `hi` -> the maximum.
 * Values in (lo - 1, lo) would truncate to the minimum anyway, so one
 * exclusive-lower-bound test at the power of two `lo` (0 for unsigned) is
 * exact for both f32 and f64. */
#define GB_NUM_TRUNC_SAT_(name, FT, BITS, of, lo, hi, IT, UT, MIN, MAX)      \
    static inline UT name(BITS a)                                            \
    {                                                                         \
        FT x = of(a);                                                         \
        if (x != x)                                                           \
            return 0;                                                         \
        if (x < (lo))                                                         \
            return (MIN);                                                     \
        if (x >= (hi))                                                        \
            return (MAX);                                                     \
        return (UT)(IT)x;                                                     \
    }

GB_NUM_TRUNC_SAT_(gb_i32_trunc_sat_f32_s, float, uint32_t, gb_f32_of,
                  -0x1p31f, 0x1p31f, int32_t, uint32_t,
                  UINT32_C(0x80000000), UINT32_C(0x7fffffff))
GB_NUM_TRUNC_SAT_(gb_i32_trunc_sat_f32_u, float, uint32_t, gb_f32_of,
                  0.0f, 0x1p32f, uint32_t, uint32_t, 0, UINT32_MAX)
GB_NUM_TRUNC_SAT_(gb_i32_trunc_sat_f64_s, double, uint64_t, gb_f64_of,
                  -0x1p31, 0x1p31, int32_t, uint32_t,
                  UINT32_C(0x80000000), UINT32_C(0x7fffffff))
GB_NUM_TRUNC_SAT_(gb_i32_trunc_sat_f64_u, double, uint64_t, gb_f64_of,
                  0.0, 0x1p32, uint32_t, uint32_t, 0, UINT32_MAX)
GB_NUM_TRUNC_SAT_(gb_i64_trunc_sat_f32_s, float, uint32_t, gb_f32_of,
                  -0x1p63f, 0x1p63f, int64_t, uint64_t,
                  UINT64_C(0x8000000000000000), UINT64_C(0x7fffffffffffffff))
GB_NUM_TRUNC_SAT_(gb_i64_trunc_sat_f32_u, float, uint32_t, gb_f32_of,
                  0.0f, 0x1p64f, uint64_t, uint64_t, 0, UINT64_MAX)
GB_NUM_TRUNC_SAT_(gb_i64_trunc_sat_f64_s, double, uint64_t, gb_f64_of,
                  -0x1p63, 0x1p63, int64_t, uint64_t,
                  UINT64_C(0x8000000000000000), UINT64_C(0x7fffffffffffffff))
GB_NUM_TRUNC_SAT_(gb_i64_trunc_sat_f64_u, double, uint64_t, gb_f64_of,
                  0.0, 0x1p64, uint64_t, uint64_t, 0, UINT64_MAX)
#undef GB_NUM_TRUNC_SAT_

/* ---- int -> float, round to nearest even -------------------------------
 *
 * Each conversion is a single C conversion from a signed integer, which
 * IEEE 754 / C Annex F rounds once, correctly (cvtsi2ss/sd on x86-64,
 * scvtf on AArch64).  u32 goes through int64_t, which holds it exactly.
 * u64 with the top bit set does not fit int64_t: halve it first, OR-ing the
 * shifted-out bit back in as a sticky bit.  The halved value has 63
 * significant bits and the conversion keeps at most 53 of them, so bit 0
 * lies strictly below the rounding position: it can only break a tie, which
 * is exactly what the dropped bit would have done.  Doubling is exact.
 * (The tempting (float)(double)x rounds twice and gets
 * 0x8000008000000001 wrong.) */
static inline uint32_t gb_f32_convert_i32_s(uint32_t a)
{
    return gb_f32_bits((float)gb_num_s32_(a));
}

static inline uint32_t gb_f32_convert_i32_u(uint32_t a)
{
    return gb_f32_bits((float)(int64_t)a);
}

static inline uint32_t gb_f32_convert_i64_s(uint64_t a)
{
    return gb_f32_bits((float)gb_num_s64_(a));
}

static inline uint32_t gb_f32_convert_i64_u(uint64_t a)
{
    if (a <= INT64_MAX)
        return gb_f32_bits((float)(int64_t)a);
    return gb_f32_bits(2.0f * (float)(int64_t)((a >> 1) | (a & 1)));
}

static inline uint64_t gb_f64_convert_i32_s(uint32_t a)
{
    return gb_f64_bits((double)gb_num_s32_(a)); /* exact */
}

static inline uint64_t gb_f64_convert_i32_u(uint32_t a)
{
    return gb_f64_bits((double)a); /* exact */
}

static inline uint64_t gb_f64_convert_i64_s(uint64_t a)
{
    return gb_f64_bits((double)gb_num_s64_(a));
}

static inline uint64_t gb_f64_convert_i64_u(uint64_t a)
{
    if (a <= INT64_MAX)
        return gb_f64_bits((double)(int64_t)a);
    return gb_f64_bits(2.0 * (double)(int64_t)((a >> 1) | (a & 1)));
}

/* ---- float <-> float ---------------------------------------------------- */

/* Correctly rounded; overflow gives infinity; NaN -> canonical. */
static inline uint32_t gb_f32_demote_f64(uint64_t a)
{
    return gb_f32_canon((float)gb_f64_of(a));
}

/* Exact; NaN -> canonical. */
static inline uint64_t gb_f64_promote_f32(uint32_t a)
{
    return gb_f64_canon((double)gb_f32_of(a));
}

/* ---- integer bit counting: defined for 0 --------------------------------- */

#if defined(__GNUC__) || defined(__clang__)
static inline uint32_t gb_i32_clz(uint32_t a) { return a ? (uint32_t)__builtin_clz(a) : 32; }
static inline uint32_t gb_i32_ctz(uint32_t a) { return a ? (uint32_t)__builtin_ctz(a) : 32; }
static inline uint32_t gb_i32_popcnt(uint32_t a) { return (uint32_t)__builtin_popcount(a); }
static inline uint64_t gb_i64_clz(uint64_t a) { return a ? (uint64_t)__builtin_clzll(a) : 64; }
static inline uint64_t gb_i64_ctz(uint64_t a) { return a ? (uint64_t)__builtin_ctzll(a) : 64; }
static inline uint64_t gb_i64_popcnt(uint64_t a) { return (uint64_t)__builtin_popcountll(a); }
#else
static inline uint64_t gb_i64_clz(uint64_t a)
{
    uint64_t n = 0;
    if (!a)
        return 64;
    while (!(a & GB_F64_SIGN)) {
        a <<= 1;
        n++;
    }
    return n;
}

static inline uint64_t gb_i64_ctz(uint64_t a)
{
    uint64_t n = 0;
    if (!a)
        return 64;
    while (!(a & 1)) {
        a >>= 1;
        n++;
    }
    return n;
}

static inline uint64_t gb_i64_popcnt(uint64_t a)
{
    a = a - ((a >> 1) & UINT64_C(0x5555555555555555));
    a = (a & UINT64_C(0x3333333333333333)) + ((a >> 2) & UINT64_C(0x3333333333333333));
    a = (a + (a >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    return (a * UINT64_C(0x0101010101010101)) >> 56;
}

static inline uint32_t gb_i32_clz(uint32_t a) { return (uint32_t)gb_i64_clz(a) - 32; }
static inline uint32_t gb_i32_ctz(uint32_t a) { return a ? (uint32_t)gb_i64_ctz(a) : 32; }
static inline uint32_t gb_i32_popcnt(uint32_t a) { return (uint32_t)gb_i64_popcnt(a); }
#endif

/* ---- shifts and rotations: the count is taken mod the width ------------- */

static inline uint32_t gb_i32_shl(uint32_t a, uint32_t n) { return a << (n & 31); }
static inline uint32_t gb_i32_shr_u(uint32_t a, uint32_t n) { return a >> (n & 31); }

/* Arithmetic shift.  >> of a negative int is implementation-defined in C;
 * GNU C defines it as sign-extending (GCC manual, "Integers
 * implementation"), and there it is one sar.  Elsewhere, shift unsigned
 * bits: flip a negative value to its complement, shift in zeros, flip back
 * (the zeros become ones) -- correct everywhere, but neither GCC 12 nor
 * Clang 14 folds it back into sar. */
#if defined(__GNUC__) || defined(__clang__)
static inline uint32_t gb_i32_shr_s(uint32_t a, uint32_t n)
{
    return (uint32_t)(gb_num_s32_(a) >> (n & 31));
}
#else
static inline uint32_t gb_i32_shr_s(uint32_t a, uint32_t n)
{
    uint32_t m = 0u - (a >> 31);
    return ((a ^ m) >> (n & 31)) ^ m;
}
#endif

static inline uint32_t gb_i32_rotl(uint32_t a, uint32_t n)
{
    return (a << (n & 31)) | (a >> ((32 - n) & 31));
}

static inline uint32_t gb_i32_rotr(uint32_t a, uint32_t n)
{
    return (a >> (n & 31)) | (a << ((32 - n) & 31));
}

static inline uint64_t gb_i64_shl(uint64_t a, uint64_t n) { return a << (n & 63); }
static inline uint64_t gb_i64_shr_u(uint64_t a, uint64_t n) { return a >> (n & 63); }

#if defined(__GNUC__) || defined(__clang__)
static inline uint64_t gb_i64_shr_s(uint64_t a, uint64_t n)
{
    return (uint64_t)(gb_num_s64_(a) >> (n & 63));
}
#else
static inline uint64_t gb_i64_shr_s(uint64_t a, uint64_t n)
{
    uint64_t m = 0u - (a >> 63);
    return ((a ^ m) >> (n & 63)) ^ m;
}
#endif

static inline uint64_t gb_i64_rotl(uint64_t a, uint64_t n)
{
    return (a << (n & 63)) | (a >> ((64 - n) & 63));
}

static inline uint64_t gb_i64_rotr(uint64_t a, uint64_t n)
{
    return (a >> (n & 63)) | (a << ((64 - n) & 63));
}

/* ---- division: traps on zero and on MIN / -1 ---------------------------- */

static inline gb_err gb_i32_div_s(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return GB_TRAP_DIV_ZERO;
    if (a == UINT32_C(0x80000000) && b == UINT32_MAX)
        return GB_TRAP_INT_OVERFLOW;
    *out = (uint32_t)(gb_num_s32_(a) / gb_num_s32_(b));
    return GB_OK;
}

static inline gb_err gb_i32_div_u(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return GB_TRAP_DIV_ZERO;
    *out = a / b;
    return GB_OK;
}

/* The remainder takes the dividend's sign.  x % -1 is 0 for every x; it is
 * answered directly because INT_MIN % -1 is UB in C (and faults on x86). */
static inline gb_err gb_i32_rem_s(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return GB_TRAP_DIV_ZERO;
    *out = b == UINT32_MAX ? 0 : (uint32_t)(gb_num_s32_(a) % gb_num_s32_(b));
    return GB_OK;
}

static inline gb_err gb_i32_rem_u(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return GB_TRAP_DIV_ZERO;
    *out = a % b;
    return GB_OK;
}

static inline gb_err gb_i64_div_s(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return GB_TRAP_DIV_ZERO;
    if (a == GB_F64_SIGN && b == UINT64_MAX)
        return GB_TRAP_INT_OVERFLOW;
    *out = (uint64_t)(gb_num_s64_(a) / gb_num_s64_(b));
    return GB_OK;
}

static inline gb_err gb_i64_div_u(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return GB_TRAP_DIV_ZERO;
    *out = a / b;
    return GB_OK;
}

static inline gb_err gb_i64_rem_s(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return GB_TRAP_DIV_ZERO;
    *out = b == UINT64_MAX ? 0 : (uint64_t)(gb_num_s64_(a) % gb_num_s64_(b));
    return GB_OK;
}

static inline gb_err gb_i64_rem_u(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return GB_TRAP_DIV_ZERO;
    *out = a % b;
    return GB_OK;
}

/* ---- sign extension: (v ^ signbit) - signbit, in unsigned arithmetic ---- */

static inline uint32_t gb_i32_extend8_s(uint32_t a) { return ((a & 0xffu) ^ 0x80u) - 0x80u; }
static inline uint32_t gb_i32_extend16_s(uint32_t a) { return ((a & 0xffffu) ^ 0x8000u) - 0x8000u; }

static inline uint64_t gb_i64_extend8_s(uint64_t a) { return ((a & 0xffu) ^ 0x80u) - 0x80u; }
static inline uint64_t gb_i64_extend16_s(uint64_t a) { return ((a & 0xffffu) ^ 0x8000u) - 0x8000u; }

static inline uint64_t gb_i64_extend32_s(uint64_t a)
{
    return ((a & UINT64_C(0xffffffff)) ^ UINT64_C(0x80000000)) - UINT64_C(0x80000000);
}

#endif
