/*
 * A bounds-checked byte reader for the WebAssembly binary format, shared by
 * the decoder (decode.c) and the compiler (compile.c).  Internal to
 * src/wasm/.
 *
 * A gb_reader is a window [p, end) over borrowed bytes; every read advances
 * p past what it consumed and never looks at end or beyond.  Each function
 * returns true on success and writes its result through the out-pointer;
 * false means the encoding is malformed or truncated (the value would run
 * past end, a LEB128 is longer than its type allows, or its unused bits are
 * not zero / not a sign extension).  On failure *out is unspecified and p
 * may have advanced: callers report the error and stop reading.
 *
 * LEB128 rules (spec 5.2.2): an N-bit integer takes at most ceil(N/7)
 * bytes; in the last possible byte the bits beyond N must be zero for
 * unsigned numbers and copies of the sign bit for signed ones.
 */
#ifndef GB_WASM_READER_H
#define GB_WASM_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gb_reader {
    const uint8_t *p, *end;
} gb_reader;

/* A reader over n bytes at p (borrowed). */
static inline gb_reader gb_reader_make(const uint8_t *p, size_t n)
{
    gb_reader r = { p, n ? p + n : p };
    return r;
}

/* Bytes left to read. */
static inline size_t gb_reader_left(const gb_reader *r)
{
    return (size_t)(r->end - r->p);
}

static inline bool gb_reader_eof(const gb_reader *r) { return r->p >= r->end; }

static inline bool gb_read_u8(gb_reader *r, uint8_t *out)
{
    if (r->p >= r->end)
        return false;
    *out = *r->p++;
    return true;
}

/* Skip n bytes, handing back where they start (borrowed). */
static inline bool gb_read_bytes(gb_reader *r, size_t n, const uint8_t **out)
{
    if (n > gb_reader_left(r))
        return false;
    *out = r->p;
    r->p += n;
    return true;
}

/* Unsigned LEB128, at most 5 bytes, the top 3 bits of the 5th zero. */
static inline bool gb_read_u32(gb_reader *r, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 5; i++) {
        if (r->p >= r->end)
            return false;
        uint8_t b = *r->p++;
        if (i == 4) {
            if (b & 0xF0) /* continuation or bits beyond 32 */
                return false;
            v |= (uint32_t)b << 28;
            *out = v;
            return true;
        }
        v |= (uint32_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false; /* not reached */
}

/*
 * Signed LEB128 of `bits` bits (<= 64), at most ceil(bits/7) bytes.  In the
 * last possible byte, the bits from the sign bit up must all be equal.
 * Shared by the typed readers below.
 */
static inline bool gb_read_sleb_(gb_reader *r, unsigned bits, int64_t *out)
{
    unsigned maxb = (bits + 6) / 7;
    uint64_t v = 0;
    for (unsigned i = 0; i < maxb; i++) {
        if (r->p >= r->end)
            return false;
        uint8_t b = *r->p++;
        unsigned shift = 7 * i;
        if (i == maxb - 1) {
            if (b & 0x80)
                return false;
            /* value bits in this byte: bits - shift (1..7); the top one is
             * the sign; the bits above it up to bit 6 must equal it. */
            unsigned used = bits - shift;
            uint8_t ext = (uint8_t)(0x7F & ~((1u << (used - 1)) - 1));
            uint8_t top = b & ext;
            if (top != 0 && top != ext)
                return false;
            v |= (uint64_t)(b & 0x7F) << shift;
            if (b & 0x40 && shift + 7 < 64)
                v |= ~(uint64_t)0 << (shift + 7);
            *out = (int64_t)v;
            return true;
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            if ((b & 0x40) && shift + 7 < 64)
                v |= ~(uint64_t)0 << (shift + 7);
            *out = (int64_t)v;
            return true;
        }
    }
    return false; /* not reached */
}

/* Signed LEB128, 32 bits (i32.const), at most 5 bytes. */
static inline bool gb_read_s32(gb_reader *r, int32_t *out)
{
    int64_t v;
    if (!gb_read_sleb_(r, 32, &v))
        return false;
    *out = (int32_t)v;
    return true;
}

/* Signed LEB128, 33 bits (block types), at most 5 bytes.  A block type is a
 * negative value (one byte: 0x40 empty or a value type) or a type index
 * (>= 0). */
static inline bool gb_read_s33(gb_reader *r, int64_t *out)
{
    return gb_read_sleb_(r, 33, out);
}

/* Signed LEB128, 64 bits (i64.const), at most 10 bytes. */
static inline bool gb_read_s64(gb_reader *r, int64_t *out)
{
    return gb_read_sleb_(r, 64, out);
}

/* 4 raw little-endian bytes (f32.const bit pattern). */
static inline bool gb_read_u32_fixed(gb_reader *r, uint32_t *out)
{
    if (gb_reader_left(r) < 4)
        return false;
    const uint8_t *p = r->p;
    *out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
    r->p += 4;
    return true;
}

/* 8 raw little-endian bytes (f64.const bit pattern). */
static inline bool gb_read_u64_fixed(gb_reader *r, uint64_t *out)
{
    if (gb_reader_left(r) < 8)
        return false;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | r->p[i];
    r->p += 8;
    *out = v;
    return true;
}

#endif
