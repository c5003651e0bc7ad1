/*
 * Hexadecimal text <-> bytes, as ids and payloads are written in Gear's
 * tools (gear-js, the node's JSON-RPC): lowercase, usually with "0x".
 */
#ifndef GB_UTIL_HEX_H
#define GB_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"

/*
 * Writes 2*len lowercase hex digits and a terminating NUL to out, which
 * must hold 2*len + 1 chars.  No "0x" prefix.  data may be NULL when len
 * is 0 (out then becomes "").
 */
void gb_hex_encode(const uint8_t *data, size_t len, char *out);

/*
 * Decodes the NUL-terminated hex string `hex` into out[0..max).  An optional
 * "0x" or "0X" prefix is skipped; digits may be upper or lower case; ""
 * and "0x" decode to zero bytes.  On success *out_len (if out_len is not
 * NULL) gets the number of bytes written.
 *
 * Errors: GB_INVAL if hex is NULL, has an odd number of digits or a
 * character that is not a hex digit (whitespace included); GB_LIMIT if the
 * decoded bytes would not fit in max.  On error nothing is promised about
 * out and *out_len is left unchanged.  out may be NULL when max is 0.
 */
gb_err gb_hex_decode(const char *hex, uint8_t *out, size_t max,
                     size_t *out_len);

#endif
