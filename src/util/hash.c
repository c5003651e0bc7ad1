/*
 * BLAKE2b-256 over libsodium's crypto_generichash (see hash.h).
 *
 * The process-wide state is libsodium's own "initialised" flag and one
 * constant: the state crypto_generichash_init makes for an unkeyed 32-byte
 * digest, made once (pthread_once, after sodium_init) and copied to start
 * every hash — copying a state forks the hash (hash.h), and the copy costs
 * less than making the parameter block again for every id (a message id is
 * one short hash).  Initialisation only selects a faster BLAKE2b
 * implementation; every implementation gives the same bytes.
 */
#include "util/hash.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

_Static_assert(sizeof(crypto_generichash_state) <= sizeof(gb_blake2b_state),
               "gb_blake2b_state too small for crypto_generichash_state");
_Static_assert(_Alignof(crypto_generichash_state) <=
                   _Alignof(gb_blake2b_state),
               "gb_blake2b_state under-aligned for crypto_generichash_state");
_Static_assert(crypto_generichash_BYTES_MIN <= GB_BLAKE2B256_LEN &&
                   GB_BLAKE2B256_LEN <= crypto_generichash_BYTES_MAX,
               "libsodium cannot produce a 32-byte BLAKE2b digest");

static pthread_once_t once = PTHREAD_ONCE_INIT;
static gb_blake2b_state fresh; /* written once, by init_once */

static crypto_generichash_state *state_of(gb_blake2b_state *st)
{
    return (crypto_generichash_state *)(void *)st->opaque_;
}

static void init_once(void)
{
    /* Returns 0, or 1 if already initialised; -1 only if libsodium could
     * not set up its randomness source, which the hash does not use: the
     * portable BLAKE2b stays selected and gives the same bytes. */
    if (sodium_init() < 0) {
        /* nothing to do */
    }
    /* With valid lengths and no key this cannot fail. */
    (void)crypto_generichash_init(state_of(&fresh), NULL, 0,
                                  GB_BLAKE2B256_LEN);
}

void gb_blake2b_init(gb_blake2b_state *st)
{
    (void)pthread_once(&once, init_once);
    memcpy(st, &fresh, sizeof(crypto_generichash_state));
}

void gb_blake2b_update(gb_blake2b_state *st, const void *data, size_t len)
{
    if (len == 0)
        return;
    (void)crypto_generichash_update(state_of(st), data,
                                    (unsigned long long)len);
}

void gb_blake2b_final(gb_blake2b_state *st, uint8_t out[32])
{
    (void)crypto_generichash_final(state_of(st), out, GB_BLAKE2B256_LEN);
}

void gb_blake2b256(const void *data, size_t len, uint8_t out[32])
{
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, data, len);
    gb_blake2b_final(&st, out);
}
