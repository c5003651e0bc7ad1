/*
 * The dev accounts' ed25519 keys (see devkeys.h).
 */
#include "chain/devkeys.h"

#include <sodium.h>
#include <string.h>

#include "util/hash.h"

_Static_assert(crypto_sign_SEEDBYTES == GB_DEVKEY_SEED_LEN, "seed size");
_Static_assert(crypto_sign_PUBLICKEYBYTES == GB_DEVKEY_PUBLIC_LEN, "pk size");
_Static_assert(crypto_sign_SECRETKEYBYTES == GB_DEVKEY_SECRET_LEN, "sk size");
_Static_assert(GB_DEVKEY_PUBLIC_LEN == GB_ID_LEN, "account id size");

void gb_dev_seed(uint32_t index, uint8_t out_seed[GB_DEVKEY_SEED_LEN])
{
    uint8_t buf[12 + 4];
    memcpy(buf, "gearbox/dev/", 12);
    for (int i = 0; i < 4; i++)
        buf[12 + i] = (uint8_t)(index >> (8 * i));
    gb_blake2b256(buf, sizeof buf, out_seed);
}

void gb_dev_keypair(uint32_t index, uint8_t out_pk[GB_DEVKEY_PUBLIC_LEN],
                    uint8_t out_sk[GB_DEVKEY_SECRET_LEN])
{
    uint8_t seed[GB_DEVKEY_SEED_LEN];
    gb_dev_seed(index, seed);
    if (sodium_init() < 0) {
        /* no randomness source: a seeded keypair needs none */
    }
    crypto_sign_seed_keypair(out_pk, out_sk, seed);
    sodium_memzero(seed, sizeof seed);
}

gb_id gb_dev_account_id(uint32_t index)
{
    gb_id id;
    uint8_t sk[GB_DEVKEY_SECRET_LEN];
    gb_dev_keypair(index, id.b, sk);
    sodium_memzero(sk, sizeof sk);
    return id;
}
