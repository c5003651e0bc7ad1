/*
 * BLAKE2b-256: the one hash of the Gear protocol.
 *
 * Gear derives every identifier (code, program, message, reservation ids)
 * from an unkeyed BLAKE2b with a 32-byte digest (protocol/core/src/ids.rs),
 * so the bytes these functions produce are part of consensus.  They are a
 * thin layer over libsodium's crypto_generichash; callers never see
 * libsodium's headers.
 *
 * libsodium is initialised lazily, on first use, by whichever thread gets
 * there first; sodium_init() is itself idempotent and thread-safe, and the
 * hash needs nothing from it that a second caller could observe.
 */
#ifndef GB_UTIL_HASH_H
#define GB_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define GB_BLAKE2B256_LEN 32

/*
 * Incremental state.  Opaque: it holds a crypto_generichash_state (384
 * bytes, 64-byte aligned in libsodium >= 1.0.13; hash.c checks this at
 * compile time).  Lives wherever the caller puts it; no heap, nothing to
 * free.  Copying a state forks the hash.
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
