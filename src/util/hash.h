/*
 * BLAKE2b-256: the one hash of the Gear protocol.
 *
 * Gear derives every identifier (code, program, message, reservation ids)
 * from an unkeyed BLAKE2b with a 32-byte digest (protocol/core/src/ids.rs),
 * so the bytes these functions produce are part of consensus.  hash.c
 * implements it (RFC 7693; faster here than libsodium's
 * crypto_generichash for the one-block inputs of ids and events, with the
 * same bytes); callers never see libsodium's headers.
 *
 * The first use initialises libsodium for the rest of the process
 * (sodium_init(), idempotent and thread-safe), as it always did.
 */
#ifndef GB_UTIL_HASH_H
#define GB_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define GB_BLAKE2B256_LEN 32

/*
 * Incremental state.  Opaque: hash.c keeps the chaining value, the
 * count and the pending block in it (and checks at compile time that they
 * fit).  Lives wherever the caller puts it; no heap, nothing to free.
 * Copying a state forks the hash.
 */
typedef struct gb_blake2b_state {
    _Alignas(64) unsigned char opaque_[384];
} gb_blake2b_state;

/* out = BLAKE2b-256(data[0..len)).  data may be NULL when len is 0. */
void gb_blake2b256(const void *data, size_t len, uint8_t out[32]);

/* Starts an unkeyed BLAKE2b-256. */
void gb_blake2b_init(gb_blake2b_state *st);
/* Feeds len bytes (data may be NULL when len is 0); call any number of times. */
void gb_blake2b_update(gb_blake2b_state *st, const void *data, size_t len);
/* Writes the 32-byte digest.  The state is spent afterwards: init it again
 * before reuse. */
void gb_blake2b_final(gb_blake2b_state *st, uint8_t out[32]);

#endif
