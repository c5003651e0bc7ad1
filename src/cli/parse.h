/*
 * Strict parsing of numbers written by people: command-line options, the
 * arguments of `gearbox wasm run`, values in the spec suite's JSON.
 *
 * Every function takes a NUL-terminated string, requires the whole of it to
 * be the number (no leading or trailing spaces, no trailing junk, not
 * empty), and on success writes the result through the out-pointer and
 * returns GB_OK.  On failure it returns GB_INVAL and leaves *out unchanged.
 *
 * Integers are decimal, or hexadecimal after "0x"/"0X"; where a sign is
 * allowed, '-' and '+' may come first ("-0x10" is -16).
 *
 * Floats are what C's strtod accepts in the "C" locale (decimal, with an
 * optional exponent, or hexadecimal "0x1.8p3"), plus "nan", "inf",
 * "infinity" in any case with an optional sign, and "nan:0xPAYLOAD" (a NaN
 * with that mantissa, as in the WebAssembly text format).  A finite literal
 * too large for the type is an error, not infinity; one too small rounds to
 * a subnormal or zero.  Results are IEEE-754 bit patterns, so that NaN
 * signs and payloads survive.  These functions call strtof/strtod: the
 * process must use the "C" locale for LC_NUMERIC (the default, unless the
 * program calls setlocale).
 */
#ifndef GB_CLI_PARSE_H
#define GB_CLI_PARSE_H

#include <stdint.h>

#include "gearbox/err.h"

/* An unsigned integer, 0 .. UINT64_MAX.  No sign allowed. */
gb_err gb_parse_u64(const char *s, uint64_t *out);

/* A signed integer, INT64_MIN .. INT64_MAX. */
gb_err gb_parse_i64(const char *s, int64_t *out);

/*
 * An integer of a given width, as WebAssembly treats i32 and i64: any value
 * from -2^(bits-1) to 2^bits - 1 is accepted (so both "-1" and
 * "4294967295" give 0xffffffff for bits = 32), and the result is its two's
 * complement bit pattern, zero-extended to 64 bits.  bits is 1..64.
 */
gb_err gb_parse_int_bits(const char *s, unsigned bits, uint64_t *out);

/* A float, as its bit pattern (f32 in a uint32_t, f64 in a uint64_t). */
gb_err gb_parse_f32_bits(const char *s, uint32_t *out);
gb_err gb_parse_f64_bits(const char *s, uint64_t *out);

#endif
