/*
 * BLAKE2b-256 over libsodium's crypto_generichash (see hash.h).
 *
 * The one piece of process-wide state is libsodium's own "initialised"
 * flag.  We remember that we called sodium_init() in an atomic so that the
 * common path is one acquire load; two threads racing here both call
 * sodium_init(), which libsodium makes safe.  Initialisation only selects a
 * faster BLAKE2b implementation; every implementation gives the same bytes.
 */
#include "util/hash.h"

#include <sodium.h>
#include <stdatomic.h>

_Static_assert(sizeof(crypto_generichash_state) <= sizeof(gb_blake2b_state),
               "gb_blake2b_state too small for crypto_generichash_state");
_Static_assert(_Alignof(crypto_generichash_state) <=
                   _Alignof(gb_blake2b_state),
               "gb_blake2b_state under-aligned for crypto_generichash_state");
_Static_assert(crypto_generichash_BYTES_MIN <= GB_BLAKE2B256_LEN &&
                   GB_BLAKE2B256_LEN <= crypto_generichash_BYTES_MAX,
               "libsodium cannot produce a 32-byte BLAKE2b digest");

static atomic_int sodium_ready;

static void ensure_sodium(void)
{
    if (atomic_load_explicit(&sodium_ready, memory_order_acquire))
        return;
    /* Returns 0, or 1 if already initialised; -1 only if libsodium could
     * not set up its randomness source, which the hash does not use: the
     * portable BLAKE2b stays selected and gives the same bytes. */
    if (sodium_init() < 0) {
        /* nothing to do */
    }
    atomic_store_explicit(&sodium_ready, 1, memory_order_release);
}

static crypto_generichash_state *state_of(gb_blake2b_state *st)
{
    return (crypto_generichash_state *)(void *)st->opaque_;
}

void gb_blake2b256(const void *data, size_t len, uint8_t out[32])
{
    static const unsigned char empty[1];

    ensure_sodium();
    /* With valid lengths and no key crypto_generichash cannot fail. */
    (void)crypto_generichash(out, GB_BLAKE2B256_LEN,
                             data ? data : empty, (unsigned long long)len,
                             NULL, 0);
}

void gb_blake2b_init(gb_blake2b_state *st)
{
    ensure_sodium();
    (void)crypto_generichash_init(state_of(st), NULL, 0, GB_BLAKE2B256_LEN);
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
