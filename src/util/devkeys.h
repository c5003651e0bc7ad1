/*
 * The dev accounts' keys: eight (or more) well-known ed25519 keys for local
 * chains, derived from fixed seeds, so every node and tool agrees on them.
 *
 * Dev account i's seed is BLAKE2b-256("gearbox/dev/" (12 ASCII bytes) ||
 * i as u32 little-endian); its keypair is libsodium's
 * crypto_sign_seed_keypair of that seed, and its account id (what the chain
 * funds at genesis) the 32-byte public key.  Anyone can sign for these
 * accounts: they are for dev chains only.
 *
 * This lives in util/ so that the chain (genesis) and the node (signing,
 * names, key files: node/keys.h) derive them the same way, without the
 * chain depending on the node.  Nothing here keeps state.
 */
#ifndef GB_UTIL_DEVKEYS_H
#define GB_UTIL_DEVKEYS_H

#include <stdint.h>

#define GB_DEVKEY_SEED_LEN 32
#define GB_DEVKEY_PUBLIC_LEN 32
#define GB_DEVKEY_SECRET_LEN 64 /* libsodium's: seed || public key */

/* Dev account index's seed. */
void gb_devkey_seed(uint32_t index, uint8_t out_seed[GB_DEVKEY_SEED_LEN]);

/* Dev account index's keypair (deterministic). */
void gb_devkey_keypair(uint32_t index, uint8_t out_pk[GB_DEVKEY_PUBLIC_LEN],
                       uint8_t out_sk[GB_DEVKEY_SECRET_LEN]);

/* Dev account index's public key, which is its account id. */
void gb_devkey_public(uint32_t index, uint8_t out_pk[GB_DEVKEY_PUBLIC_LEN]);

#endif
