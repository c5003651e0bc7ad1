/*
 * SS58: how Substrate chains write account ids as text.
 *
 * An SS58 address is base58 (Bitcoin's alphabet) of
 *
 *     prefix || account id (32 bytes) || checksum (2 bytes)
 *
 * where the checksum is the first two bytes of
 * BLAKE2b-512("SS58PRE" || prefix || account id).  The prefix names the
 * network: 0..63 is one byte; 64..16383 is two bytes (the 14 bits spread
 * as sp_core's Ss58Codec writes them: byte 0 = 0x40 | bits 2..7, byte 1 =
 * bits 0..1 in its top two bits | bits 8..13).  Vara uses 137 (addresses
 * start with "kG"), generic Substrate 42 ("5..."), Polkadot 0.
 *
 * Only 32-byte account ids are handled (no 1-, 2-, 4-, 8-byte account
 * indices, which use other checksum lengths).  Nothing here keeps state
 * or allocates; the caller owns every buffer.
 */
#ifndef GB_UTIL_SS58_H
#define GB_UTIL_SS58_H

#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"

#define GB_SS58_VARA 137
#define GB_SS58_SUBSTRATE 42
#define GB_SS58_PREFIX_MAX 16383
#define GB_SS58_ACCOUNT_LEN 32
/* The longest address, without its NUL: 36 bytes in base58. */
#define GB_SS58_MAX_LEN 50

/*
 * Writes the address of account under prefix, NUL-terminated, to out
 * (GB_SS58_MAX_LEN + 1 chars).  Errors: GB_INVAL (prefix above
 * GB_SS58_PREFIX_MAX); out is then "".
 */
gb_err gb_ss58_encode(uint16_t prefix,
                      const uint8_t account[GB_SS58_ACCOUNT_LEN],
                      char out[GB_SS58_MAX_LEN + 1]);

/*
 * Parses the NUL-terminated address text into its prefix and account id.
 * Errors, with a sentence in detail (optional, detail_len bytes):
 *   GB_INVAL      text is NULL;
 *   GB_MALFORMED  not base58 (a character outside the alphabet: 0, O, I
 *                 and l are not in it), or not the length of a 32-byte
 *                 account's address, or a reserved prefix form;
 *   GB_INVALID    the checksum does not match (a mistyped address).
 * *out_prefix and out_account are written only on success.
 */
gb_err gb_ss58_decode(const char *text, uint16_t *out_prefix,
                      uint8_t out_account[GB_SS58_ACCOUNT_LEN], char *detail,
                      size_t detail_len);

#endif
