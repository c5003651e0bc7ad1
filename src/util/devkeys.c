/*
 * The dev accounts' ed25519 keys (see devkeys.h).
 */
#include "util/devkeys.h"

#include <sodium.h>
#include <string.h>

#include "util/hash.h"

_Static_assert(crypto_sign_SEEDBYTES == GB_DEVKEY_SEED_LEN, "seed size");
_Static_assert(crypto_sign_PUBLICKEYBYTES == GB_DEVKEY_PUBLIC_LEN, "pk size");
_Static_assert(crypto_sign_SECRETKEYBYTES == GB_DEVKEY_SECRET_LEN, "sk size");

void gb_devkey_seed(uint32_t index, uint8_t out_seed[GB_DEVKEY_SEED_LEN])
{
    uint8_t buf[12 + 4];
    memcpy(buf, "gearbox/dev/", 12);
    for (int i = 0; i < 4; i++)
        buf[12 + i] = (uint8_t)(index >> (8 * i));
    gb_blake2b256(buf, sizeof buf, out_seed);
}

void gb_devkey_keypair(uint32_t index, uint8_t out_pk[GB_DEVKEY_PUBLIC_LEN],
                       uint8_t out_sk[GB_DEVKEY_SECRET_LEN])
{
    uint8_t seed[GB_DEVKEY_SEED_LEN];
    gb_devkey_seed(index, seed);
    if (sodium_init() < 0) {
        /* no randomness source: a seeded keypair needs none */
    }
    crypto_sign_seed_keypair(out_pk, out_sk, seed);
    sodium_memzero(seed, sizeof seed);
}

void gb_devkey_public(uint32_t index, uint8_t out_pk[GB_DEVKEY_PUBLIC_LEN])
{
    uint8_t sk[GB_DEVKEY_SECRET_LEN];
    gb_devkey_keypair(index, out_pk, sk);
    sodium_memzero(sk, sizeof sk);
}
