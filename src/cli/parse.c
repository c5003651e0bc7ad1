/*
 * Strict number parsing (see parse.h).  Integers are parsed by hand rather
 * than with strtoull, which skips leading spaces, accepts a '-' on unsigned
 * input and wraps around; floats go through strtof/strtod after the text
 * has been checked to contain nothing those functions would be lenient
 * about (spaces, "nan(...)").
 */
#include "cli/parse.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

/* Sign (if allowed) and magnitude of an integer literal; the magnitude must
 * fit in 64 bits. */
static gb_err parse_magnitude(const char *s, bool allow_sign, bool *out_neg,
                              uint64_t *out_mag)
{
    bool neg = false;
    if (!s)
        return GB_INVAL;
    if (*s == '-' || *s == '+') {
        if (!allow_sign)
            return GB_INVAL;
        neg = *s == '-';
        s++;
    }
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return GB_INVAL;
    uint64_t v = 0;
    for (; *s; s++) {
        int d = digit_value(*s);
        if (d >= (int)base)
            return GB_INVAL;
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            return GB_INVAL; /* overflow */
        v = v * base + (uint64_t)d;
    }
    *out_neg = neg;
    *out_mag = v;
    return GB_OK;
}

gb_err gb_parse_u64(const char *s, uint64_t *out)
{
    bool neg;
    uint64_t mag;
    if (parse_magnitude(s, false, &neg, &mag) != GB_OK)
        return GB_INVAL;
    *out = mag;
    return GB_OK;
}

gb_err gb_parse_i64(const char *s, int64_t *out)
{
    bool neg;
    uint64_t mag;
    if (parse_magnitude(s, true, &neg, &mag) != GB_OK)
        return GB_INVAL;
    if (neg) {
        if (mag > (uint64_t)1 << 63)
            return GB_INVAL;
        *out = (int64_t)(0 - mag); /* two's complement, defined for 2^63 */
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return GB_INVAL;
        *out = (int64_t)mag;
    }
    return GB_OK;
}

gb_err gb_parse_int_bits(const char *s, unsigned bits, uint64_t *out)
{
    bool neg;
    uint64_t mag;
    if (bits < 1 || bits > 64)
        return GB_INVAL;
    if (parse_magnitude(s, true, &neg, &mag) != GB_OK)
        return GB_INVAL;
    uint64_t mask = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    if (neg) {
        if (mag > ((uint64_t)1 << (bits - 1)))
            return GB_INVAL;
        *out = (0 - mag) & mask;
    } else {
        if (mag > mask)
            return GB_INVAL;
        *out = mag;
    }
    return GB_OK;
}

/* Case-insensitive equality with a lower-case word. */
static bool word_is(const char *s, const char *lower)
{
    for (; *s && *lower; s++, lower++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != *lower)
            return false;
    }
    return *s == *lower;
}

enum float_kind { FK_NUMBER, FK_INF, FK_NAN, FK_NAN_PAYLOAD };

/*
 * The special forms, shared by both widths.  Sets *neg and, for a NaN with
 * a payload, *payload; for FK_NUMBER leaves the text to strtod after
 * checking it holds only characters of a numeric literal.
 */
static gb_err classify_float(const char *s, bool *neg, enum float_kind *kind,
                             uint64_t *payload)
{
    if (!s || !*s)
        return GB_INVAL;
    const char *p = s;
    *neg = false;
    if (*p == '-' || *p == '+') {
        *neg = *p == '-';
        p++;
    }
    if (word_is(p, "inf") || word_is(p, "infinity")) {
        *kind = FK_INF;
        return GB_OK;
    }
    if (word_is(p, "nan")) {
        *kind = FK_NAN;
        return GB_OK;
    }
    if (strncmp(p, "nan:", 4) == 0 || strncmp(p, "NaN:", 4) == 0) {
        const char *h = p + 4;
        if (!(h[0] == '0' && (h[1] == 'x' || h[1] == 'X')))
            return GB_INVAL;
        if (gb_parse_u64(h, payload) != GB_OK || *payload == 0)
            return GB_INVAL;
        *kind = FK_NAN_PAYLOAD;
        return GB_OK;
    }
    /* A numeric literal: digits, at most one sign at the start and one
     * after each exponent letter; strtod then checks the grammar. */
    if (!*p)
        return GB_INVAL;
    for (const char *q = p; *q; q++) {
        char c = *q;
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                  (c >= 'A' && c <= 'F') || c == 'x' || c == 'X' ||
                  c == 'p' || c == 'P' || c == '.' ||
                  ((c == '-' || c == '+') &&
                   (q[-1] == 'e' || q[-1] == 'E' || q[-1] == 'p' ||
                    q[-1] == 'P'));
        if (!ok)
            return GB_INVAL;
    }
    *kind = FK_NUMBER;
    return GB_OK;
}

gb_err gb_parse_f32_bits(const char *s, uint32_t *out)
{
    bool neg;
    enum float_kind kind;
    uint64_t payload = 0;
    if (classify_float(s, &neg, &kind, &payload) != GB_OK)
        return GB_INVAL;
    uint32_t sign = neg ? 0x80000000u : 0;
    switch (kind) {
    case FK_INF:
        *out = sign | 0x7f800000u;
        return GB_OK;
    case FK_NAN:
        *out = sign | 0x7fc00000u;
        return GB_OK;
    case FK_NAN_PAYLOAD:
        if (payload > 0x7fffffu)
            return GB_INVAL;
        *out = sign | 0x7f800000u | (uint32_t)payload;
        return GB_OK;
    case FK_NUMBER:
        break;
    }
    char *end;
    errno = 0;
    float f = strtof(s, &end);
    if (end == s || *end)
        return GB_INVAL;
    if (errno == ERANGE && isinf(f))
        return GB_INVAL;
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    *out = bits;
    return GB_OK;
}

gb_err gb_parse_f64_bits(const char *s, uint64_t *out)
{
    bool neg;
    enum float_kind kind;
    uint64_t payload = 0;
    if (classify_float(s, &neg, &kind, &payload) != GB_OK)
        return GB_INVAL;
    uint64_t sign = neg ? (uint64_t)1 << 63 : 0;
    switch (kind) {
    case FK_INF:
        *out = sign | 0x7ff0000000000000u;
        return GB_OK;
    case FK_NAN:
        *out = sign | 0x7ff8000000000000u;
        return GB_OK;
    case FK_NAN_PAYLOAD:
        if (payload > 0xfffffffffffffu)
            return GB_INVAL;
        *out = sign | 0x7ff0000000000000u | payload;
        return GB_OK;
    case FK_NUMBER:
        break;
    }
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end)
        return GB_INVAL;
    if (errno == ERANGE && isinf(d))
        return GB_INVAL;
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    *out = bits;
    return GB_OK;
}
