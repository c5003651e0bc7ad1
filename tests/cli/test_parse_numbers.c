/*
 * Unit tests for the strict number parsing used by the CLI (src/cli/parse.c):
 * option values, `gearbox wasm run` arguments and spec-suite JSON values.
 */
#include <math.h>

#include "test.h"
#include "cli/parse.h"

static void test_parse_u64(void)
{
    uint64_t v = 7;
    GB_EXPECT_ERR(GB_OK, gb_parse_u64("0", &v));
    GB_EXPECT_U64(0, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_u64("18446744073709551615", &v));
    GB_EXPECT_U64(UINT64_MAX, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_u64("0xFFffFFffFFffFFff", &v));
    GB_EXPECT_U64(UINT64_MAX, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_u64("0X1f", &v));
    GB_EXPECT_U64(31, v);
    v = 7;
    GB_EXPECT_ERR(GB_INVAL, gb_parse_u64("18446744073709551616", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_u64("0x10000000000000000", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_u64("-1", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_u64("+1", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_u64("", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_u64(" 1", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_u64("1 ", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_u64("12a", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_u64("0x", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_u64("0xg", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_u64(NULL, &v));
    GB_EXPECT_U64(7, v); /* unchanged on failure */
}

static void test_parse_i64(void)
{
    int64_t v = 0;
    GB_EXPECT_ERR(GB_OK, gb_parse_i64("-9223372036854775808", &v));
    GB_EXPECT_I64(INT64_MIN, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_i64("9223372036854775807", &v));
    GB_EXPECT_I64(INT64_MAX, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_i64("-0x10", &v));
    GB_EXPECT_I64(-16, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_i64("+42", &v));
    GB_EXPECT_I64(42, v);
    GB_EXPECT_ERR(GB_INVAL, gb_parse_i64("9223372036854775808", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_i64("-9223372036854775809", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_i64("-", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_i64("--1", &v));
}

static void test_parse_int_bits(void)
{
    uint64_t v = 0;
    GB_EXPECT_ERR(GB_OK, gb_parse_int_bits("-1", 32, &v));
    GB_EXPECT_U64(0xffffffffu, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_int_bits("4294967295", 32, &v));
    GB_EXPECT_U64(0xffffffffu, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_int_bits("-2147483648", 32, &v));
    GB_EXPECT_U64(0x80000000u, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_int_bits("0x80000000", 32, &v));
    GB_EXPECT_U64(0x80000000u, v);
    GB_EXPECT_ERR(GB_INVAL, gb_parse_int_bits("4294967296", 32, &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_int_bits("-2147483649", 32, &v));
    GB_EXPECT_ERR(GB_OK, gb_parse_int_bits("-1", 64, &v));
    GB_EXPECT_U64(UINT64_MAX, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_int_bits("-9223372036854775808", 64, &v));
    GB_EXPECT_U64((uint64_t)1 << 63, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_int_bits("18446744073709551615", 64, &v));
    GB_EXPECT_U64(UINT64_MAX, v);
    GB_EXPECT_ERR(GB_INVAL, gb_parse_int_bits("-9223372036854775809", 64, &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_int_bits("1", 0, &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_int_bits("1", 65, &v));
}

static void test_parse_f32(void)
{
    uint32_t v = 0;
    GB_EXPECT_ERR(GB_OK, gb_parse_f32_bits("1.5", &v));
    GB_EXPECT_U64(0x3fc00000u, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f32_bits("-0", &v));
    GB_EXPECT_U64(0x80000000u, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f32_bits("666", &v));
    GB_EXPECT_U64(0x44268000u, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f32_bits("0x1p-149", &v));
    GB_EXPECT_U64(1, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f32_bits("1e-50", &v)); /* underflow */
    GB_EXPECT_U64(0, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f32_bits("0.1", &v)); /* no double rounding */
    GB_EXPECT_U64(0x3dcccccdu, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f32_bits("nan", &v));
    GB_EXPECT_U64(0x7fc00000u, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f32_bits("-NaN", &v));
    GB_EXPECT_U64(0xffc00000u, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f32_bits("nan:0x1", &v));
    GB_EXPECT_U64(0x7f800001u, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f32_bits("inf", &v));
    GB_EXPECT_U64(0x7f800000u, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f32_bits("-Infinity", &v));
    GB_EXPECT_U64(0xff800000u, v);
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f32_bits("1e39", &v)); /* overflow */
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f32_bits("nan:0x800000", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f32_bits("nan:0x0", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f32_bits("nan(1)", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f32_bits(" 1", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f32_bits("1.0x", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f32_bits("", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f32_bits("-", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f32_bits("1-2", &v));
}

static void test_parse_f64(void)
{
    uint64_t v = 0;
    GB_EXPECT_ERR(GB_OK, gb_parse_f64_bits("666.0", &v));
    GB_EXPECT_U64(0x4084d00000000000u, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f64_bits("-2.5e-3", &v));
    double d;
    memcpy(&d, &v, sizeof d);
    GB_EXPECT(d == -2.5e-3);
    GB_EXPECT_ERR(GB_OK, gb_parse_f64_bits("0x1.8p1", &v));
    GB_EXPECT_U64(0x4008000000000000u, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f64_bits("4.9e-324", &v));
    GB_EXPECT_U64(1, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f64_bits("-nan", &v));
    GB_EXPECT_U64(0xfff8000000000000u, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f64_bits("nan:0xfffffffffffff", &v));
    GB_EXPECT_U64(0x7fffffffffffffffu, v);
    GB_EXPECT_ERR(GB_OK, gb_parse_f64_bits("+inf", &v));
    GB_EXPECT_U64(0x7ff0000000000000u, v);
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f64_bits("1e309", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f64_bits("nan:0x10000000000000", &v));
    GB_EXPECT_ERR(GB_INVAL, gb_parse_f64_bits("infx", &v));
}

int main(void)
{
    GB_RUN(test_parse_u64);
    GB_RUN(test_parse_i64);
    GB_RUN(test_parse_int_bits);
    GB_RUN(test_parse_f32);
    GB_RUN(test_parse_f64);
    return gb_test_summary();
}
