/*
 * The LZ77 compressor (lz.h).
 */
#include "util/lz.h"

#include <stdlib.h>
#include <string.h>

#define HASH_BITS 14

static uint32_t hash8(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return (uint32_t)((x * 0x9E3779B97F4A7C15ull) >> (64 - HASH_BITS));
}

/* Append v as LEB128 at out[*at] (false: past cap). */
static int put_uleb(uint8_t *out, size_t cap, size_t *at, uint64_t v)
{
    do {
        if (*at >= cap)
            return 0;
        uint8_t b = v & 0x7f;
        v >>= 7;
        out[(*at)++] = b | (v ? 0x80 : 0);
    } while (v);
    return 1;
}

static int put_literals(uint8_t *out, size_t cap, size_t *at,
                        const uint8_t *p, size_t n)
{
    if (!n)
        return 1;
    if (!put_uleb(out, cap, at, (uint64_t)n << 1) || cap - *at < n)
        return 0;
    memcpy(out + *at, p, n);
    *at += n;
    return 1;
}

size_t gb_lz_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    /* last[h]: 1 + the last position whose 8 bytes hash to h (0: none) */
    uint32_t *last = calloc((size_t)1 << HASH_BITS, sizeof *last);
    if (!last || n > UINT32_MAX - 1) {
        free(last);
        return 0;
    }
    size_t at = 0, lit = 0, i = 0;
    int ok = 1;
    while (ok && n >= GB_LZ_MIN_MATCH && i <= n - GB_LZ_MIN_MATCH) {
        uint32_t h = hash8(in + i);
        size_t cand = last[h];
        last[h] = (uint32_t)i + 1;
        if (!cand || memcmp(in + cand - 1, in + i, GB_LZ_MIN_MATCH)) {
            i++;
            continue;
        }
        size_t from = cand - 1, len = GB_LZ_MIN_MATCH;
        while (i + len < n && in[from + len] == in[i + len])
            len++;
        ok = put_literals(out, cap, &at, in + lit, i - lit) &&
             put_uleb(out, cap, &at,
                      ((uint64_t)(len - GB_LZ_MIN_MATCH) << 1) | 1) &&
             put_uleb(out, cap, &at, i - from);
        for (size_t j = i + 1; j < i + len && j <= n - GB_LZ_MIN_MATCH; j++)
            last[hash8(in + j)] = (uint32_t)j + 1;
        i += len;
        lit = i;
    }
    ok = ok && put_literals(out, cap, &at, in + lit, n - lit);
    free(last);
    return ok ? at : 0;
}

/* Read a LEB128 number of at most 63 bits from in[*at, n). */
static int get_uleb(const uint8_t *in, size_t n, size_t *at, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 63; shift += 7) {
        if (*at >= n)
            return 0;
        uint8_t b = in[(*at)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 1;
    }
    return 0;
}

gb_err gb_lz_decompress(const uint8_t *in, size_t n, uint8_t *out,
                        size_t out_len)
{
    size_t at = 0, o = 0;
    while (at < n) {
        uint64_t v, d;
        if (!get_uleb(in, n, &at, &v))
            return GB_MALFORMED;
        if (!(v & 1)) {
            uint64_t len = v >> 1;
            if (!len || len > n - at || len > out_len - o)
                return GB_MALFORMED;
            memcpy(out + o, in + at, (size_t)len);
            at += (size_t)len;
            o += (size_t)len;
            continue;
        }
        uint64_t len = (v >> 1) + GB_LZ_MIN_MATCH;
        if (!get_uleb(in, n, &at, &d) || !d || d > o || len > out_len - o)
            return GB_MALFORMED;
        const uint8_t *src = out + o - d;
        if (d >= len)
            memcpy(out + o, src, (size_t)len);
        else
            for (uint64_t k = 0; k < len; k++) /* overlapping: a repeat */
                out[o + k] = src[k];
        o += (size_t)len;
    }
    return o == out_len ? GB_OK : GB_MALFORMED;
}
