/*
 * The SCALE codec (see scale.h): appends to a growing buffer, reads from a
 * borrowed range.  Compact integers are the only part with logic: the
 * writer picks the shortest of the four modes, the reader refuses every
 * longer one, so that a value has exactly one encoding (what Substrate
 * nodes and polkadot.js expect on the wire).
 */
#include "util/scale.h"

#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

/* ---- writing ----------------------------------------------------------- */

void gb_scale_buf_init(gb_scale_buf *b) { memset(b, 0, sizeof *b); }

void gb_scale_buf_free(gb_scale_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

gb_err gb_scale_buf_status(const gb_scale_buf *b)
{
    return b->oom ? GB_NOMEM : GB_OK;
}

gb_err gb_scale_buf_take(gb_scale_buf *b, uint8_t **out, size_t *out_len)
{
    if (b->oom) {
        gb_scale_buf_free(b);
        return GB_NOMEM;
    }
    if (!b->data && !(b->data = malloc(1))) {
        gb_scale_buf_free(b);
        return GB_NOMEM;
    }
    *out = b->data;
    *out_len = b->len;
    memset(b, 0, sizeof *b);
    return GB_OK;
}

/* Room for n more bytes: a pointer to them, or NULL (then b->oom). */
static uint8_t *room(gb_scale_buf *b, size_t n)
{
    if (b->oom)
        return NULL;
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len < n) {
            if (cap > SIZE_MAX / 2) {
                b->oom = true;
                return NULL;
            }
            cap *= 2;
        }
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            b->oom = true;
            return NULL;
        }
        b->data = p;
        b->cap = cap;
    }
    uint8_t *at = b->data + b->len;
    b->len += n;
    return at;
}

void gb_scale_put_raw(gb_scale_buf *b, const void *data, size_t len)
{
    uint8_t *p = room(b, len);
    if (p)
        gb_copy(p, data, len);
}

static void put_le(gb_scale_buf *b, uint64_t v, int n)
{
    uint8_t *p = room(b, (size_t)n);
    if (p)
        gb_le_put(p, v, n);
}

void gb_scale_put_u8(gb_scale_buf *b, uint8_t v) { put_le(b, v, 1); }
void gb_scale_put_u16(gb_scale_buf *b, uint16_t v) { put_le(b, v, 2); }
void gb_scale_put_u32(gb_scale_buf *b, uint32_t v) { put_le(b, v, 4); }
void gb_scale_put_u64(gb_scale_buf *b, uint64_t v) { put_le(b, v, 8); }

void gb_scale_put_u128(gb_scale_buf *b, gb_u128 v)
{
    uint8_t *p = room(b, 16);
    if (p)
        gb_u128_to_le(v, p);
}

void gb_scale_put_bool(gb_scale_buf *b, bool v) { put_le(b, v ? 1 : 0, 1); }

void gb_scale_put_compact_u128(gb_scale_buf *b, gb_u128 v)
{
    if (!v.hi && v.lo < (1ull << 6)) {
        put_le(b, v.lo << 2, 1);
    } else if (!v.hi && v.lo < (1ull << 14)) {
        put_le(b, v.lo << 2 | 1, 2);
    } else if (!v.hi && v.lo < (1ull << 30)) {
        put_le(b, v.lo << 2 | 2, 4);
    } else {
        uint8_t le[16];
        gb_u128_to_le(v, le);
        int k = 16;
        while (k > 4 && le[k - 1] == 0)
            k--;
        uint8_t *p = room(b, 1 + (size_t)k);
        if (p) {
            p[0] = (uint8_t)((k - 4) << 2 | 3);
            memcpy(p + 1, le, (size_t)k);
        }
    }
}

void gb_scale_put_compact(gb_scale_buf *b, uint64_t v)
{
    gb_scale_put_compact_u128(b, gb_u128_from(v));
}

void gb_scale_put_bytes(gb_scale_buf *b, const void *data, size_t len)
{
    gb_scale_put_compact(b, len);
    gb_scale_put_raw(b, data, len);
}

void gb_scale_put_str(gb_scale_buf *b, const char *s)
{
    gb_scale_put_bytes(b, s, strlen(s));
}

void gb_scale_put_option(gb_scale_buf *b, bool some)
{
    put_le(b, some ? 1 : 0, 1);
}

/* ---- reading ----------------------------------------------------------- */

void gb_scale_reader_init(gb_scale_reader *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
}

size_t gb_scale_left(const gb_scale_reader *r) { return r->len - r->pos; }

static gb_err get_le(gb_scale_reader *r, int n, uint64_t *out)
{
    if (gb_scale_left(r) < (size_t)n)
        return GB_DECODE;
    *out = gb_le_get(r->p + r->pos, n);
    r->pos += (size_t)n;
    return GB_OK;
}

gb_err gb_scale_get_u8(gb_scale_reader *r, uint8_t *out)
{
    uint64_t v;
    gb_err e = get_le(r, 1, &v);
    if (!e)
        *out = (uint8_t)v;
    return e;
}

gb_err gb_scale_get_u16(gb_scale_reader *r, uint16_t *out)
{
    uint64_t v;
    gb_err e = get_le(r, 2, &v);
    if (!e)
        *out = (uint16_t)v;
    return e;
}

gb_err gb_scale_get_u32(gb_scale_reader *r, uint32_t *out)
{
    uint64_t v;
    gb_err e = get_le(r, 4, &v);
    if (!e)
        *out = (uint32_t)v;
    return e;
}

gb_err gb_scale_get_u64(gb_scale_reader *r, uint64_t *out)
{
    return get_le(r, 8, out);
}

gb_err gb_scale_get_u128(gb_scale_reader *r, gb_u128 *out)
{
    if (gb_scale_left(r) < 16)
        return GB_DECODE;
    *out = gb_u128_from_le(r->p + r->pos);
    r->pos += 16;
    return GB_OK;
}

/* A 0/1 byte (bool, Option tag). */
static gb_err get_flag(gb_scale_reader *r, bool *out)
{
    if (gb_scale_left(r) < 1 || r->p[r->pos] > 1)
        return GB_DECODE;
    *out = r->p[r->pos++] == 1;
    return GB_OK;
}

gb_err gb_scale_get_bool(gb_scale_reader *r, bool *out)
{
    return get_flag(r, out);
}

gb_err gb_scale_get_option(gb_scale_reader *r, bool *out_some)
{
    return get_flag(r, out_some);
}

gb_err gb_scale_get_compact_u128(gb_scale_reader *r, gb_u128 *out)
{
    size_t left = gb_scale_left(r);
    const uint8_t *p = r->p + r->pos;
    if (left < 1)
        return GB_DECODE;
    gb_u128 v = {0, 0};
    size_t used;
    switch (p[0] & 3) {
    case 0:
        v.lo = p[0] >> 2;
        used = 1;
        break;
    case 1:
        if (left < 2)
            return GB_DECODE;
        v.lo = gb_le_get(p, 2) >> 2;
        if (v.lo < (1u << 6))
            return GB_DECODE; /* fits the one-byte form */
        used = 2;
        break;
    case 2:
        if (left < 4)
            return GB_DECODE;
        v.lo = gb_le_get(p, 4) >> 2;
        if (v.lo < (1u << 14))
            return GB_DECODE;
        used = 4;
        break;
    default: {
        size_t k = (size_t)(p[0] >> 2) + 4;
        if (k > 16 || left < 1 + k)
            return GB_DECODE;
        uint8_t le[16] = {0};
        memcpy(le, p + 1, k);
        if (le[k - 1] == 0)
            return GB_DECODE; /* fewer bytes would do */
        v = gb_u128_from_le(le);
        if (k == 4 && v.lo < (1u << 30))
            return GB_DECODE; /* fits the four-byte form */
        used = 1 + k;
        break;
    }
    }
    r->pos += used;
    *out = v;
    return GB_OK;
}

gb_err gb_scale_get_compact(gb_scale_reader *r, uint64_t max, uint64_t *out)
{
    size_t pos = r->pos;
    gb_u128 v;
    gb_err e = gb_scale_get_compact_u128(r, &v);
    if (e)
        return e;
    if (v.hi || v.lo > max) {
        r->pos = pos;
        return GB_DECODE;
    }
    *out = v.lo;
    return GB_OK;
}

gb_err gb_scale_get_raw(gb_scale_reader *r, size_t n, const uint8_t **out)
{
    if (gb_scale_left(r) < n)
        return GB_DECODE;
    *out = r->p + r->pos;
    r->pos += n;
    return GB_OK;
}

gb_err gb_scale_get_bytes(gb_scale_reader *r, size_t max,
                          const uint8_t **out, size_t *out_len)
{
    size_t pos = r->pos;
    uint64_t n;
    gb_err e = gb_scale_get_compact(r, UINT64_MAX, &n);
    if (e)
        return e;
    if (n > max || n > gb_scale_left(r)) {
        r->pos = pos;
        return GB_DECODE;
    }
    *out = r->p + r->pos;
    *out_len = (size_t)n;
    r->pos += (size_t)n;
    return GB_OK;
}
