/*
 * BLAKE2b-256 (see hash.h), written from RFC 7693: unkeyed, 32-byte
 * digest, sequential mode.
 *
 * Why not libsodium's crypto_generichash, which this used to wrap: every
 * message the chain processes hashes twice (its id, and its event into
 * the block's events digest), each a single 128-byte block, and there
 * libsodium's vectorised compression (picked at sodium_init) ran at about
 * half the speed of the plain 64-bit one below with its rounds unrolled —
 * BLAKE2b's four column (then diagonal) mixings are independent, which a
 * superscalar core overlaps as well as vector lanes do, without the
 * shuffles between the column and diagonal steps.  The bytes are the
 * same: tests/util/test_hash_hex.c checks them against the published
 * vectors and against libsodium for every length up to a few blocks, one
 * shot and incremental.
 *
 * No state outside the caller's gb_blake2b_state; no allocation.  The
 * first hash still calls sodium_init(), as the wrapper did, for the rest
 * of the process: libsodium picks its fast ChaCha20 (the state root's
 * LtHash) there, and some callers reach libsodium with nothing else
 * having initialised it.  sodium_init() is idempotent and thread-safe; an
 * atomic flag makes every later call one acquire load.
 */
#include "util/hash.h"

#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

static atomic_int sodium_ready;

static void ensure_sodium(void)
{
    if (atomic_load_explicit(&sodium_ready, memory_order_acquire))
        return;
    if (sodium_init() < 0) {
        /* (no randomness source: nothing the hash or ChaCha20 needs) */
    }
    atomic_store_explicit(&sodium_ready, 1, memory_order_release);
}

typedef struct b2_state {
    uint64_t h[8];
    uint64_t t;        /* bytes compressed so far (< 2^64: the high word of
                          RFC 7693's 128-bit counter is always 0 here) */
    uint32_t n;        /* bytes in buf, 0..128 */
    uint8_t buf[128];  /* the last block seen, kept until more comes or
                          final: the last block is compressed differently */
} b2_state;

_Static_assert(sizeof(b2_state) <= sizeof(gb_blake2b_state),
               "gb_blake2b_state too small");

static const uint64_t iv[8] = {
    0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull,
    0xa54ff53a5f1d36f1ull, 0x510e527fade682d1ull, 0x9b05688c2b3e6c1full,
    0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};

/* The message schedule: rounds 10 and 11 repeat rounds 0 and 1. */
static const uint8_t sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};

static inline uint64_t ror64(uint64_t x, unsigned n)
{
    return (x >> n) | (x << (64 - n));
}

static inline uint64_t load64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
#endif
}

#define G(a, b, c, d, x, y)                                                    \
    do {                                                                       \
        a = a + b + (x);                                                       \
        d = ror64(d ^ a, 32);                                                  \
        c = c + d;                                                             \
        b = ror64(b ^ c, 24);                                                  \
        a = a + b + (y);                                                       \
        d = ror64(d ^ a, 16);                                                  \
        c = c + d;                                                             \
        b = ror64(b ^ c, 63);                                                  \
    } while (0)

/* The compression function F over one 128-byte block; t: the bytes hashed
 * up to the end of this block; last: the final block. */
static void compress(uint64_t h[8], const uint8_t *block, uint64_t t,
                     int last)
{
    uint64_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = load64(block + 8 * i);
    uint64_t v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4],
             v5 = h[5], v6 = h[6], v7 = h[7], v8 = iv[0], v9 = iv[1],
             v10 = iv[2], v11 = iv[3], v12 = iv[4] ^ t, v13 = iv[5],
             v14 = last ? ~iv[6] : iv[6], v15 = iv[7];
    /* unrolled: the schedule's indices become constants */
#if defined(__clang__)
#pragma clang loop unroll(full)
#elif defined(__GNUC__)
#pragma GCC unroll 12
#endif
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = sigma[r];
        G(v0, v4, v8, v12, m[s[0]], m[s[1]]);
        G(v1, v5, v9, v13, m[s[2]], m[s[3]]);
        G(v2, v6, v10, v14, m[s[4]], m[s[5]]);
        G(v3, v7, v11, v15, m[s[6]], m[s[7]]);
        G(v0, v5, v10, v15, m[s[8]], m[s[9]]);
        G(v1, v6, v11, v12, m[s[10]], m[s[11]]);
        G(v2, v7, v8, v13, m[s[12]], m[s[13]]);
        G(v3, v4, v9, v14, m[s[14]], m[s[15]]);
    }
    h[0] ^= v0 ^ v8;
    h[1] ^= v1 ^ v9;
    h[2] ^= v2 ^ v10;
    h[3] ^= v3 ^ v11;
    h[4] ^= v4 ^ v12;
    h[5] ^= v5 ^ v13;
    h[6] ^= v6 ^ v14;
    h[7] ^= v7 ^ v15;
}

static b2_state *state_of(gb_blake2b_state *st)
{
    return (b2_state *)(void *)st->opaque_;
}

void gb_blake2b_init(gb_blake2b_state *st)
{
    b2_state *s = state_of(st);
    ensure_sodium();
    memcpy(s->h, iv, sizeof s->h);
    /* the parameter block: digest length 32, no key, fanout 1, depth 1 */
    s->h[0] ^= 0x01010000ull | GB_BLAKE2B256_LEN;
    s->t = 0;
    s->n = 0;
}

void gb_blake2b_update(gb_blake2b_state *st, const void *data, size_t len)
{
    b2_state *s = state_of(st);
    const uint8_t *p = data;
    if (len == 0)
        return;
    if (s->n + len <= 128) { /* (it may be the last block: kept) */
        memcpy(s->buf + s->n, p, len);
        s->n += (uint32_t)len;
        return;
    }
    if (s->n) { /* the buffer filled up, and more follows */
        size_t k = 128 - s->n;
        memcpy(s->buf + s->n, p, k);
        p += k;
        len -= k;
        s->t += 128;
        compress(s->h, s->buf, s->t, 0);
        s->n = 0;
    }
    while (len > 128) { /* whole blocks with more after them */
        s->t += 128;
        compress(s->h, p, s->t, 0);
        p += 128;
        len -= 128;
    }
    memcpy(s->buf, p, len);
    s->n = (uint32_t)len;
}

void gb_blake2b_final(gb_blake2b_state *st, uint8_t out[32])
{
    b2_state *s = state_of(st);
    memset(s->buf + s->n, 0, 128 - s->n);
    s->t += s->n;
    compress(s->h, s->buf, s->t, 1);
    for (int i = 0; i < GB_BLAKE2B256_LEN; i++)
        out[i] = (uint8_t)(s->h[i / 8] >> (8 * (i % 8)));
}

void gb_blake2b256(const void *data, size_t len, uint8_t out[32])
{
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, data, len);
    gb_blake2b_final(&st, out);
}
