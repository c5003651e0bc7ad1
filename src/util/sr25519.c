/*
 * sr25519 (schnorrkel, Substrate's configuration): keys, signatures, hard
 * derivation and the dev accounts (see sr25519.h).
 *
 * The group is libsodium's ristretto255; scalars are 32-byte little-endian
 * numbers mod l = 2^252 + 27742317777372353535851937790883648493.  Wide
 * (64-byte) challenge and witness outputs are reduced with
 * crypto_core_ristretto255_scalar_reduce, as schnorrkel's
 * Scalar::from_bytes_mod_order_wide.  libsodium's scalar multiplications
 * return -1 when the product is the identity (and then write its
 * encoding, 32 zero bytes); for a secret that only happens with negligible
 * probability, and verification handles it explicitly.
 */
#include "util/sr25519.h"

#include <nettle/pbkdf2.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/hash.h"
#include "util/merlin.h"

_Static_assert(crypto_core_ristretto255_BYTES == GB_SR25519_PUBLIC_LEN,
               "point size");
_Static_assert(crypto_core_ristretto255_SCALARBYTES == 32, "scalar size");
_Static_assert(crypto_core_ristretto255_NONREDUCEDSCALARBYTES == 64,
               "wide scalar size");

#define SIGNING_CTX "substrate"

/* l, little-endian. */
static const uint8_t ell[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
    0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

/*
 * The BIP39 entropy of Substrate's DEV_PHRASE (sp_core::crypto::DEV_PHRASE,
 * "bottom drive obey lake curtain smoke basket hold race lonely fit
 * walk").  The words' indexes in BIP39's English list (bitcoin/bips
 * bip-0039/english.txt) are 210 538 1215 997 433 1638 153 868 1411 1053
 * 702 1972; their 132 bits are these 128 bits of entropy and the 4-bit
 * checksum 0100, the first four bits of SHA-256(entropy), which checks.
 */
static const uint8_t dev_phrase_entropy[16] = {
    0x1a, 0x48, 0x6a, 0x5f, 0xbe, 0x53, 0x63, 0x99,
    0x84, 0xcb, 0x64, 0xb0, 0x70, 0x75, 0x5f, 0x7b,
};

/* Lowercase names and the junctions Substrate's Keyring derives. */
static const char *const dev_names[GB_SR25519_DEV_ACCOUNTS] = {
    "alice", "bob", "charlie", "dave", "eve", "ferdie",
};
static const char *const dev_paths[GB_SR25519_DEV_ACCOUNTS] = {
    "//Alice", "//Bob", "//Charlie", "//Dave", "//Eve", "//Ferdie",
};

static void sodium_ready(void)
{
    if (sodium_init() < 0) {
        /* no randomness source: only gb_sr25519_sign needs one, and it
         * checks again */
    }
}

/* 1 if s < l, without branching on s (s may be a secret key). */
static int scalar_is_canonical(const uint8_t s[32])
{
    unsigned borrow = 0;
    for (int i = 0; i < 32; i++)
        borrow = ((unsigned)s[i] - ell[i] - borrow) >> 8 & 1;
    return (int)borrow;
}

/* The transcript of a message to sign or verify, up to "sign:pk". */
static void sign_transcript(gb_merlin *t, const uint8_t pk[32],
                            const void *msg, size_t len)
{
    gb_merlin_init(t, "SigningContext");
    gb_merlin_append(t, "", SIGNING_CTX, sizeof SIGNING_CTX - 1);
    gb_merlin_append(t, "sign-bytes", msg, len);
    gb_merlin_append(t, "proto-name", "Schnorr-sig", 11);
    gb_merlin_append(t, "sign:pk", pk, 32);
}

/* k = challenge("sign:c", 64) mod l, after "sign:R". */
static void sign_challenge(gb_merlin *t, const uint8_t R[32], uint8_t k[32])
{
    uint8_t wide[64];
    gb_merlin_append(t, "sign:R", R, 32);
    gb_merlin_challenge(t, "sign:c", wide, sizeof wide);
    crypto_core_ristretto255_scalar_reduce(k, wide);
}

void gb_sr25519_keypair_from_mini(const uint8_t mini[GB_SR25519_MINI_LEN],
                                  uint8_t out_pk[GB_SR25519_PUBLIC_LEN],
                                  uint8_t out_sk[GB_SR25519_SECRET_LEN])
{
    uint8_t h[64];
    sodium_ready();
    crypto_hash_sha512(h, mini, GB_SR25519_MINI_LEN);
    /* clamp as ed25519 does, then divide by the cofactor 8: the result is
     * below 2^251 < l, so already reduced */
    h[0] &= 248;
    h[31] &= 63;
    h[31] |= 64;
    for (int i = 0; i < 31; i++)
        out_sk[i] = (uint8_t)(h[i] >> 3 | h[i + 1] << 5);
    out_sk[31] = (uint8_t)(h[31] >> 3);
    memcpy(out_sk + 32, h + 32, 32);
    crypto_scalarmult_ristretto255_base(out_pk, out_sk);
    sodium_memzero(h, sizeof h);
}

gb_err gb_sr25519_public_from_secret(const uint8_t sk[GB_SR25519_SECRET_LEN],
                                     uint8_t out_pk[GB_SR25519_PUBLIC_LEN])
{
    uint8_t pk[32];
    sodium_ready();
    if (!scalar_is_canonical(sk) ||
        crypto_scalarmult_ristretto255_base(pk, sk) != 0)
        return GB_INVAL;
    memcpy(out_pk, pk, 32);
    return GB_OK;
}

gb_err gb_sr25519_sign_with(const uint8_t sk[GB_SR25519_SECRET_LEN],
                            const uint8_t pk[GB_SR25519_PUBLIC_LEN],
                            const void *msg, size_t len,
                            const uint8_t random[32],
                            uint8_t out_sig[GB_SR25519_SIG_LEN])
{
    if ((uint64_t)len > UINT32_MAX)
        return GB_LIMIT;
    if (!scalar_is_canonical(sk))
        return GB_INVAL;
    sodium_ready();
    gb_merlin t, rng;
    uint8_t wide[64], r[32], R[32], k[32], s[32];
    sign_transcript(&t, pk, msg, len);
    /* the witness: the transcript so far, the key's nonce, randomness */
    rng = t;
    gb_merlin_rng_rekey(&rng, "signing", sk + 32, 32);
    gb_merlin_rng_finalize(&rng, random);
    gb_merlin_rng_fill(&rng, wide, sizeof wide);
    crypto_core_ristretto255_scalar_reduce(r, wide);
    /* r = 0 has probability 2^-252; its R is then the identity (zeros),
     * still a valid encoding */
    (void)crypto_scalarmult_ristretto255_base(R, r);
    sign_challenge(&t, R, k);
    crypto_core_ristretto255_scalar_mul(s, k, sk);
    crypto_core_ristretto255_scalar_add(s, s, r);
    memcpy(out_sig, R, 32);
    memcpy(out_sig + 32, s, 32);
    out_sig[63] |= 0x80;
    gb_merlin_wipe(&t);
    gb_merlin_wipe(&rng);
    sodium_memzero(wide, sizeof wide);
    sodium_memzero(r, sizeof r);
    sodium_memzero(s, sizeof s);
    return GB_OK;
}

gb_err gb_sr25519_sign(const uint8_t sk[GB_SR25519_SECRET_LEN],
                       const uint8_t pk[GB_SR25519_PUBLIC_LEN],
                       const void *msg, size_t len,
                       uint8_t out_sig[GB_SR25519_SIG_LEN])
{
    uint8_t random[32];
    if (sodium_init() < 0)
        return GB_IO;
    randombytes_buf(random, sizeof random);
    gb_err e = gb_sr25519_sign_with(sk, pk, msg, len, random, out_sig);
    sodium_memzero(random, sizeof random);
    return e;
}

gb_err gb_sr25519_verify(const uint8_t pk[GB_SR25519_PUBLIC_LEN],
                         const void *msg, size_t len,
                         const uint8_t sig[GB_SR25519_SIG_LEN])
{
    if ((uint64_t)len > UINT32_MAX)
        return GB_LIMIT;
    sodium_ready();
    uint8_t s[32], k[32], nk[32], sB[32], kA[32], R[32];
    if (!(sig[63] & 0x80))
        return GB_MALFORMED; /* not marked as a schnorrkel signature */
    memcpy(s, sig + 32, 32);
    s[31] &= 0x7f;
    if (!scalar_is_canonical(s))
        return GB_MALFORMED;
    /* libsodium 1.0.18 ignores bit 255 of an encoding; curve25519-dalek
     * (schnorrkel) refuses it as non-canonical, and so do we */
    static const uint8_t zero[32];
    if ((pk[31] & 0x80) || !crypto_core_ristretto255_is_valid_point(pk) ||
        !sodium_memcmp(pk, zero, 32))
        return GB_MALFORMED;
    gb_merlin t;
    sign_transcript(&t, pk, msg, len);
    sign_challenge(&t, sig, k);
    /* R' = s*B + (-k)*A; a product that is the identity comes back as -1
     * with zeros, the identity's encoding */
    crypto_core_ristretto255_scalar_negate(nk, k);
    int s_zero = crypto_scalarmult_ristretto255_base(sB, s) != 0;
    int k_zero = crypto_scalarmult_ristretto255(kA, nk, pk) != 0;
    if (s_zero)
        memcpy(R, kA, 32);
    else if (k_zero)
        memcpy(R, sB, 32);
    else if (crypto_core_ristretto255_add(R, sB, kA) != 0)
        return GB_INVALID;
    return sodium_memcmp(R, sig, 32) == 0 ? GB_OK : GB_INVALID;
}

gb_err gb_sr25519_chain_code(const char *j, size_t len,
                             uint8_t out_cc[GB_SR25519_CHAIN_CODE_LEN])
{
    if (!j || len == 0)
        return GB_INVAL;
    if (len >= (size_t)1 << 30)
        return GB_LIMIT;
    memset(out_cc, 0, GB_SR25519_CHAIN_CODE_LEN);
    /* a u64 in decimal (Rust's str::parse::<u64>: digits only here) */
    uint64_t v = 0;
    size_t i = 0;
    for (; i < len && j[i] >= '0' && j[i] <= '9'; i++) {
        unsigned d = (unsigned)(j[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            break;
        v = v * 10 + d;
    }
    if (i == len) {
        for (int b = 0; b < 8; b++)
            out_cc[b] = (uint8_t)(v >> (8 * b));
        return GB_OK;
    }
    /* SCALE string: compact length, then the bytes */
    uint8_t head[4];
    size_t hl;
    if (len < 64) {
        head[0] = (uint8_t)(len << 2);
        hl = 1;
    } else if (len < 1u << 14) {
        uint32_t c = (uint32_t)(len << 2 | 1);
        head[0] = (uint8_t)c;
        head[1] = (uint8_t)(c >> 8);
        hl = 2;
    } else {
        uint32_t c = (uint32_t)(len << 2 | 2);
        for (int b = 0; b < 4; b++)
            head[b] = (uint8_t)(c >> (8 * b));
        hl = 4;
    }
    if (hl + len <= GB_SR25519_CHAIN_CODE_LEN) {
        memcpy(out_cc, head, hl);
        memcpy(out_cc + hl, j, len);
    } else {
        gb_blake2b_state st;
        gb_blake2b_init(&st);
        gb_blake2b_update(&st, head, hl);
        gb_blake2b_update(&st, j, len);
        gb_blake2b_final(&st, out_cc);
    }
    return GB_OK;
}

void gb_sr25519_derive_hard(const uint8_t sk[GB_SR25519_SECRET_LEN],
                            const uint8_t cc[GB_SR25519_CHAIN_CODE_LEN],
                            uint8_t out_mini[GB_SR25519_MINI_LEN])
{
    gb_merlin t;
    gb_merlin_init(&t, "SchnorrRistrettoHDKD");
    gb_merlin_append(&t, "sign-bytes", NULL, 0);
    gb_merlin_append(&t, "chain-code", cc, GB_SR25519_CHAIN_CODE_LEN);
    gb_merlin_append(&t, "secret-key", sk, 32);
    gb_merlin_challenge(&t, "HDKD-hard", out_mini, GB_SR25519_MINI_LEN);
    gb_merlin_wipe(&t);
}

gb_err gb_sr25519_derive_path(const uint8_t mini[GB_SR25519_MINI_LEN],
                              const char *path,
                              uint8_t out_mini[GB_SR25519_MINI_LEN])
{
    if (!path)
        return GB_INVAL;
    uint8_t cur[32], pk[32], sk[64], cc[32];
    gb_err e = GB_OK;
    memcpy(cur, mini, 32);
    const char *p = path;
    while (*p) {
        if (p[0] != '/') {
            e = GB_INVAL;
            goto out;
        }
        if (p[1] != '/' || p[2] == '/') {
            e = GB_UNSUPPORTED; /* soft junction or password */
            goto out;
        }
        p += 2;
        size_t n = strcspn(p, "/");
        if ((e = gb_sr25519_chain_code(p, n, cc)) != GB_OK)
            goto out;
        gb_sr25519_keypair_from_mini(cur, pk, sk);
        gb_sr25519_derive_hard(sk, cc, cur);
        p += n;
    }
    memcpy(out_mini, cur, 32);
out:
    sodium_memzero(cur, sizeof cur);
    sodium_memzero(sk, sizeof sk);
    return e;
}

gb_err gb_sr25519_mini_from_entropy(const uint8_t *entropy, size_t len,
                                    const char *password,
                                    uint8_t out_mini[GB_SR25519_MINI_LEN])
{
    if (!entropy || len < 16 || len > 32 || len % 4)
        return GB_INVAL;
    size_t pl = password ? strlen(password) : 0;
    uint8_t *salt = malloc(8 + pl);
    if (!salt)
        return GB_NOMEM;
    memcpy(salt, "mnemonic", 8);
    if (pl)
        memcpy(salt + 8, password, pl);
    uint8_t seed[64];
    nettle_pbkdf2_hmac_sha512(len, entropy, 2048, 8 + pl, salt, sizeof seed,
                              seed);
    memcpy(out_mini, seed, GB_SR25519_MINI_LEN);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(salt, 8 + pl);
    free(salt);
    return GB_OK;
}

void gb_sr25519_dev_root(uint8_t out_mini[GB_SR25519_MINI_LEN])
{
    /* gb_sr25519_mini_from_entropy without a password, so without the
     * allocation that could fail */
    uint8_t seed[64];
    nettle_pbkdf2_hmac_sha512(sizeof dev_phrase_entropy, dev_phrase_entropy,
                              2048, 8, (const uint8_t *)"mnemonic",
                              sizeof seed, seed);
    memcpy(out_mini, seed, GB_SR25519_MINI_LEN);
    sodium_memzero(seed, sizeof seed);
}

const char *gb_sr25519_dev_name(uint32_t index)
{
    return index < GB_SR25519_DEV_ACCOUNTS ? dev_names[index] : NULL;
}

bool gb_sr25519_dev_lookup(const char *name, uint32_t *out_index)
{
    if (!name)
        return false;
    if (name[0] == '/' && name[1] == '/')
        name += 2;
    for (uint32_t i = 0; i < GB_SR25519_DEV_ACCOUNTS; i++)
        if (!strcasecmp(name, dev_names[i])) {
            *out_index = i;
            return true;
        }
    return false;
}

gb_err gb_sr25519_dev_keypair(uint32_t index,
                              uint8_t out_mini[GB_SR25519_MINI_LEN],
                              uint8_t out_pk[GB_SR25519_PUBLIC_LEN],
                              uint8_t out_sk[GB_SR25519_SECRET_LEN])
{
    if (index >= GB_SR25519_DEV_ACCOUNTS)
        return GB_NOT_FOUND;
    uint8_t mini[32], pk[32], sk[64];
    gb_sr25519_dev_root(mini);
    gb_err e = gb_sr25519_derive_path(mini, dev_paths[index], mini);
    if (e == GB_OK) {
        gb_sr25519_keypair_from_mini(mini, pk, sk);
        if (out_mini)
            memcpy(out_mini, mini, 32);
        if (out_pk)
            memcpy(out_pk, pk, 32);
        if (out_sk)
            memcpy(out_sk, sk, 64);
    }
    sodium_memzero(mini, sizeof mini);
    sodium_memzero(sk, sizeof sk);
    return e;
}
