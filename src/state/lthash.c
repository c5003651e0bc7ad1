/*
 * LtHash16 over BLAKE2b + ChaCha20 (the construction is in lthash.h).
 *
 * The lane arithmetic is written as plain loops over uint16_t, which
 * compilers vectorise (16 lanes per AVX2 add); wrap-around of unsigned
 * 16-bit arithmetic is exactly the mod 2^16 the construction needs.  The
 * keystream bytes are read as little-endian lanes explicitly, so a
 * big-endian machine computes the same L.
 */
#include "state/lthash.h"

#include <sodium.h>
#include <string.h>

#include "util/hash.h"

static const char domain[16] = {'g', 'e', 'a', 'r', 'b', 'o', 'x', '.',
                                's', 't', 'a', 't', 'e', '.', 'v', '1'};

_Static_assert(crypto_stream_chacha20_KEYBYTES == 32, "chacha20 key");
_Static_assert(crypto_stream_chacha20_NONCEBYTES == 8, "chacha20 nonce");

void gb_lthash_zero(gb_lthash *h) { memset(h, 0, sizeof *h); }

static _Thread_local uint64_t digests;

uint64_t gb_lthash_digests(void) { return digests; }

void gb_lthash_digest(uint8_t table, const void *key, size_t key_len,
                      const void *value, size_t value_len, uint8_t out[32])
{
    gb_blake2b_state st;
    digests++;
    uint8_t hdr[5] = {table, (uint8_t)key_len, (uint8_t)(key_len >> 8),
                      (uint8_t)(key_len >> 16), (uint8_t)(key_len >> 24)};
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, domain, sizeof domain);
    gb_blake2b_update(&st, hdr, sizeof hdr);
    gb_blake2b_update(&st, key, key_len);
    gb_blake2b_update(&st, value, value_len);
    gb_blake2b_final(&st, out);
}

static _Thread_local uint64_t expansions;

uint64_t gb_lthash_expansions(void) { return expansions; }

void gb_lthash_expand(const uint8_t digest[32], uint16_t e[GB_LTHASH_LANES])
{
    static const uint8_t nonce[8] = {0};
    expansions++;
    _Static_assert(sizeof(uint16_t) * GB_LTHASH_LANES == GB_LTHASH_BYTES,
                   "lanes");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* the keystream's bytes are the little-endian lanes as they are (the
     * byte-by-byte assembly below was a fifth of an expansion's cost) */
    crypto_stream_chacha20((uint8_t *)e, GB_LTHASH_BYTES, nonce, digest);
#else
    uint8_t buf[GB_LTHASH_BYTES];
    crypto_stream_chacha20(buf, sizeof buf, nonce, digest);
    for (int i = 0; i < GB_LTHASH_LANES; i++)
        e[i] = (uint16_t)(buf[2 * i] | buf[2 * i + 1] << 8);
#endif
}

void gb_lthash_add_e(gb_lthash *restrict h,
                     const uint16_t e[restrict GB_LTHASH_LANES])
{
    for (int i = 0; i < GB_LTHASH_LANES; i++)
        h->lane[i] = (uint16_t)(h->lane[i] + e[i]);
}

void gb_lthash_sub_e(gb_lthash *restrict h,
                     const uint16_t e[restrict GB_LTHASH_LANES])
{
    for (int i = 0; i < GB_LTHASH_LANES; i++)
        h->lane[i] = (uint16_t)(h->lane[i] - e[i]);
}

void gb_lthash_add(gb_lthash *h, const uint8_t digest[32])
{
    uint16_t e[GB_LTHASH_LANES];
    gb_lthash_expand(digest, e);
    gb_lthash_add_e(h, e);
}

void gb_lthash_sub(gb_lthash *h, const uint8_t digest[32])
{
    uint16_t e[GB_LTHASH_LANES];
    gb_lthash_expand(digest, e);
    gb_lthash_sub_e(h, e);
}

void gb_lthash_merge(gb_lthash *h, const gb_lthash *o)
{
    gb_lthash_add_e(h, o->lane);
}

void gb_lthash_encode(const gb_lthash *h, uint8_t out[GB_LTHASH_BYTES])
{
    for (int i = 0; i < GB_LTHASH_LANES; i++) {
        out[2 * i] = (uint8_t)h->lane[i];
        out[2 * i + 1] = (uint8_t)(h->lane[i] >> 8);
    }
}

void gb_lthash_decode(gb_lthash *h, const uint8_t in[GB_LTHASH_BYTES])
{
    for (int i = 0; i < GB_LTHASH_LANES; i++)
        h->lane[i] = (uint16_t)(in[2 * i] | in[2 * i + 1] << 8);
}

void gb_lthash_root(const gb_lthash *h, uint8_t out[32])
{
    uint8_t buf[GB_LTHASH_BYTES];
    gb_lthash_encode(h, buf);
    gb_blake2b256(buf, sizeof buf, out);
}
