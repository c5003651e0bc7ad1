/*
 * SCALE, the byte encoding of Substrate and Gear (parity-scale-codec):
 * fixed-width integers little-endian, bool as one byte 0/1, "compact"
 * integers with a 2-bit mode in the low bits of the first byte, sequences
 * and strings as a compact length then the elements, Option as a byte
 * 0 (None) or 1 (Some) then the value.  Struct fields and enum payloads
 * are simply concatenated; an enum is its variant's index as a byte.
 *
 * Compact integers (the value n, its bytes little-endian):
 *   n < 2^6     1 byte   n << 2
 *   n < 2^14    2 bytes  n << 2 | 1
 *   n < 2^30    4 bytes  n << 2 | 2
 *   otherwise   1 byte   (k - 4) << 2 | 3, then n in k bytes, k the
 *               fewest that hold it (4 <= k <= 16 for a u128)
 * The decoder accepts only this shortest form, as parity-scale-codec does:
 * one value, one encoding.
 *
 * Writing: a gb_scale_buf grows as values are appended.  A failed
 * allocation does not stop the writer: the buffer remembers it (sticky),
 * later appends do nothing, and gb_scale_buf_status() or gb_scale_buf_take()
 * reports GB_NOMEM once at the end, so a long run of appends needs one
 * check.
 *
 * Reading: a gb_scale_reader walks a borrowed byte range.  Every get
 * returns GB_OK, or GB_DECODE when the input ends early or holds a value
 * that is not canonical SCALE (a bool other than 0/1, an Option tag other
 * than 0/1, a compact in a longer form than needed or too large for the
 * asked type, a length beyond what is left); on error the reader does not
 * move and the out-pointers are left unchanged.
 */
#ifndef GB_UTIL_SCALE_H
#define GB_UTIL_SCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"
#include "util/u128.h"

/* ---- writing ----------------------------------------------------------- */

/* Zero-initialise ({0} or gb_scale_buf_init) before use.  data is owned by
 * the buffer until gb_scale_buf_take; len bytes of it are written. */
typedef struct gb_scale_buf {
    uint8_t *data;
    size_t len, cap;
    bool oom; /* an append failed: the contents are incomplete */
} gb_scale_buf;

void gb_scale_buf_init(gb_scale_buf *b);
/* Frees the contents and zeroes b (a no-op on a zeroed buffer). */
void gb_scale_buf_free(gb_scale_buf *b);
/* GB_NOMEM when an append has failed since init, else GB_OK. */
gb_err gb_scale_buf_status(const gb_scale_buf *b);
/*
 * Hands the contents over: *out (malloc'd, the caller frees; never NULL on
 * success, even when empty) and *out_len.  The buffer is then empty and
 * reusable.  GB_NOMEM when an append had failed (the contents are freed,
 * *out untouched).
 */
gb_err gb_scale_buf_take(gb_scale_buf *b, uint8_t **out, size_t *out_len);

/* Raw bytes, no length prefix (data may be NULL when len is 0). */
void gb_scale_put_raw(gb_scale_buf *b, const void *data, size_t len);
void gb_scale_put_u8(gb_scale_buf *b, uint8_t v);
void gb_scale_put_u16(gb_scale_buf *b, uint16_t v);
void gb_scale_put_u32(gb_scale_buf *b, uint32_t v);
void gb_scale_put_u64(gb_scale_buf *b, uint64_t v);
void gb_scale_put_u128(gb_scale_buf *b, gb_u128 v);
void gb_scale_put_bool(gb_scale_buf *b, bool v);
void gb_scale_put_compact(gb_scale_buf *b, uint64_t v);
void gb_scale_put_compact_u128(gb_scale_buf *b, gb_u128 v);
/* Vec<u8> / Bytes: compact length, then the bytes. */
void gb_scale_put_bytes(gb_scale_buf *b, const void *data, size_t len);
/* String: as bytes, the NUL-terminated s without its NUL (UTF-8 is the
 * caller's business). */
void gb_scale_put_str(gb_scale_buf *b, const char *s);
/* Option: the tag alone (0 or 1); a Some's value follows. */
void gb_scale_put_option(gb_scale_buf *b, bool some);

/* ---- reading ----------------------------------------------------------- */

/* p[0, len) is borrowed: it must stay valid while the reader is used. */
typedef struct gb_scale_reader {
    const uint8_t *p;
    size_t len, pos;
} gb_scale_reader;

void gb_scale_reader_init(gb_scale_reader *r, const void *p, size_t len);
/* Bytes not yet read. */
size_t gb_scale_left(const gb_scale_reader *r);

gb_err gb_scale_get_u8(gb_scale_reader *r, uint8_t *out);
gb_err gb_scale_get_u16(gb_scale_reader *r, uint16_t *out);
gb_err gb_scale_get_u32(gb_scale_reader *r, uint32_t *out);
gb_err gb_scale_get_u64(gb_scale_reader *r, uint64_t *out);
gb_err gb_scale_get_u128(gb_scale_reader *r, gb_u128 *out);
gb_err gb_scale_get_bool(gb_scale_reader *r, bool *out);
/* A compact that must fit in max (e.g. UINT32_MAX for a Compact<u32>). */
gb_err gb_scale_get_compact(gb_scale_reader *r, uint64_t max, uint64_t *out);
gb_err gb_scale_get_compact_u128(gb_scale_reader *r, gb_u128 *out);
/* n raw bytes: *out points into the input (borrowed). */
gb_err gb_scale_get_raw(gb_scale_reader *r, size_t n, const uint8_t **out);
/* Vec<u8> / String: *out points into the input (borrowed, not
 * NUL-terminated), *out_len its length, at most max bytes (else
 * GB_DECODE). */
gb_err gb_scale_get_bytes(gb_scale_reader *r, size_t max,
                          const uint8_t **out, size_t *out_len);
/* An Option's tag: *out_some. */
gb_err gb_scale_get_option(gb_scale_reader *r, bool *out_some);

#endif
