/*
 * The dev accounts: GB_DEV_ACCOUNTS well-known ed25519 keys for dev
 * chains, derived from fixed seeds so that every node and tool agrees on
 * them.  The chain funds them at genesis (chain.h), the node signs for
 * them and names them alice ... harry (node/keys.h), the testkit hands
 * them to tests (gearbox/testkit.h, GB_TK_DEV_ACCOUNTS = GB_DEV_ACCOUNTS).
 *
 * Dev account i's seed is BLAKE2b-256("gearbox/dev/" (12 ASCII bytes) ||
 * i as u32 little-endian); its keypair is libsodium's
 * crypto_sign_seed_keypair of that seed, and its account id (what the chain
 * funds at genesis) the 32-byte public key.  Anyone can sign for these
 * accounts: they are for dev chains only.  Any index works; the chain
 * funds, and the node names, 0 .. GB_DEV_ACCOUNTS - 1.
 *
 * This is the one place the derivation is written.  Nothing here keeps
 * state or can fail; any thread may call these.
 */
#ifndef GB_CHAIN_DEVKEYS_H
#define GB_CHAIN_DEVKEYS_H

#include <stdint.h>

#include "gear/types.h"

#define GB_DEV_ACCOUNTS 8 /* funded at genesis; alice ... harry */

#define GB_DEVKEY_SEED_LEN 32
#define GB_DEVKEY_PUBLIC_LEN 32
#define GB_DEVKEY_SECRET_LEN 64 /* libsodium's: seed || public key */

/* Dev account index's seed. */
void gb_dev_seed(uint32_t index, uint8_t out_seed[GB_DEVKEY_SEED_LEN]);

/* Dev account index's keypair (deterministic). */
void gb_dev_keypair(uint32_t index, uint8_t out_pk[GB_DEVKEY_PUBLIC_LEN],
                    uint8_t out_sk[GB_DEVKEY_SECRET_LEN]);

/* Dev account index's account id: its public key. */
gb_id gb_dev_account_id(uint32_t index);

#endif
