/*
 * A small LZ77 byte compressor for messages whose records repeat one
 * another (a cluster's TX and BLK messages, node/cluster.c: 64 sends of
 * one account to one program differ in a nonce and a hash each).  Fast
 * rather than tight: one pass, one candidate per position (the last
 * place the same 8 bytes were seen), no entropy coding.
 *
 * The compressed form is a sequence of tokens, each starting with an
 * unsigned LEB128 number v:
 *   v even: v/2 (>= 1) literal bytes follow;
 *   v odd:  a copy of (v-1)/2 + GB_LZ_MIN_MATCH bytes from an unsigned
 *           LEB128 distance d (>= 1) back in the output (it may overlap
 *           what it writes: d = 1 repeats a byte).
 * The output's length is not in it: the caller keeps it (and gives it to
 * gb_lz_decompress, which refuses anything that does not make exactly
 * that many bytes).  The same input always compresses to the same bytes.
 * Nothing here keeps state; any thread may call these.
 */
#ifndef GB_UTIL_LZ_H
#define GB_UTIL_LZ_H

#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"

#define GB_LZ_MIN_MATCH 8

/* Compress in[0, n) into out[0, cap): the compressed length, or 0 when it
 * would not fit in cap (incompressible input: send it as it is) or the
 * working memory (64 KiB) cannot be had. */
size_t gb_lz_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap);

/* Decompress in[0, n) into out, which receives exactly out_len bytes.
 * GB_MALFORMED when in is not a compressed form of out_len bytes (a
 * truncated or corrupted token, a distance past the start, too many or
 * too few bytes); out is then unspecified. */
gb_err gb_lz_decompress(const uint8_t *in, size_t n, uint8_t *out,
                        size_t out_len);

#endif
