/*
 * sr25519 (src/util/sr25519.c): verification against signatures made by
 * schnorrkel and polkadot.js (GEAR-RPC.md §4, §3), each refused when its
 * signature, key or message is tampered with; sign-then-verify round
 * trips; key expansion, hard derivation and the dev phrase giving exactly
 * the public keys of Substrate's //Alice ... //Ferdie; chain codes and
 * derivation paths with their rejections.
 */
#include <stdlib.h>

#include "test.h"

#include "util/hash.h"
#include "util/hex.h"
#include "util/sr25519.h"

#include "gearbox/err.h"

static void unhex(const char *h, uint8_t *out, size_t len)
{
    size_t got = 0;
    GB_EXPECT_ERR(GB_OK, gb_hex_decode(h, out, len, &got));
    GB_EXPECT_U64(len, got);
}

static void expect_hex(const char *want, const uint8_t *got, size_t len)
{
    char buf[2 * 64 + 1];
    gb_hex_encode(got, len, buf);
    GB_EXPECT_STR_CONTAINS(buf, want);
    GB_EXPECT_U64(strlen(want), strlen(buf));
}

static const char *const dev_pk[GB_SR25519_DEV_ACCOUNTS] = {
    "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",
    "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48",
    "90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22",
    "306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20",
    "e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e",
    "1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c",
};

/* A valid (pk, msg, sig) and every single tampering refused. */
static void check_vector(const char *pkh, const uint8_t *msg, size_t len,
                         const char *sigh)
{
    uint8_t pk[32], sig[64], t[64], other[32];
    unhex(pkh, pk, 32);
    unhex(sigh, sig, 64);
    GB_EXPECT_ERR(GB_OK, gb_sr25519_verify(pk, msg, len, sig));

    memcpy(t, sig, 64);
    t[5] ^= 0x10; /* R */
    GB_EXPECT_ERR(GB_INVALID, gb_sr25519_verify(pk, msg, len, t));
    memcpy(t, sig, 64);
    t[40] ^= 0x01; /* s */
    GB_EXPECT(gb_sr25519_verify(pk, msg, len, t) != GB_OK);
    memcpy(t, sig, 64);
    t[63] &= 0x7f; /* schnorrkel's marker */
    GB_EXPECT_ERR(GB_MALFORMED, gb_sr25519_verify(pk, msg, len, t));

    uint8_t *m = malloc(len + 1);
    memcpy(m, msg, len);
    m[len / 2] ^= 0x20;
    GB_EXPECT_ERR(GB_INVALID, gb_sr25519_verify(pk, m, len, sig));
    GB_EXPECT_ERR(GB_INVALID, gb_sr25519_verify(pk, msg, len - 1, sig));
    memcpy(m, msg, len);
    m[len] = 0;
    GB_EXPECT_ERR(GB_INVALID, gb_sr25519_verify(pk, m, len + 1, sig));
    free(m);

    /* another account's key (a valid point) */
    unhex(strcmp(pkh, dev_pk[1]) ? dev_pk[1] : dev_pk[2], other, 32);
    GB_EXPECT_ERR(GB_INVALID, gb_sr25519_verify(other, msg, len, sig));
    /* a key that is not a Ristretto encoding */
    memcpy(other, pk, 32);
    other[31] ^= 0x80;
    GB_EXPECT_ERR(GB_MALFORMED, gb_sr25519_verify(other, msg, len, sig));
    memset(other, 0xff, 31); /* >= p */
    other[31] = 0x7f;
    GB_EXPECT_ERR(GB_MALFORMED, gb_sr25519_verify(other, msg, len, sig));
}

/* polkadot-js/wasm `can_verify_known_message` (schnorrkel-made). */
static void test_sr25519_verify_wasm_vector(void)
{
    static const char msg[] = "I hereby verify that I control "
                              "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    check_vector(dev_pk[0], (const uint8_t *)msg, sizeof msg - 1,
                 "1037eb7e51613d0dcf5930ae518819c87d655056605764840d9280984e1b7063"
                 "c4566b55bf292fcab07b369d01095879b50517beca4d26e6a65866e25fec0d83");
}

/* polkadot-js/common util-crypto signature/verify.spec.ts. */
static void test_sr25519_verify_polkadot_js_vector(void)
{
    check_vector("4ccb70b12eb845976ed0d08b391b1b9681e9b5858bf46b826bb85caa5395d525",
                 (const uint8_t *)"hello world", 11,
                 "ca01419b5a17219f7b78335658cab3b126db523a5df7be4bfc2bef76c2eb3b1d"
                 "cf4ca86eb877d0a6cf6df12db5995c51d13b00e005d053b892bd09c594434288");
}

/* Alice's Balances.transfer_keep_alive(//Bob, 10000) signing payload, as
 * @polkadot/api signed it for Vara (GEAR-RPC.md §3). */
static void test_sr25519_verify_extrinsic_payload(void)
{
    static const char payload[] =
        "0503008eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"
        "419c" "1600" "00" "00" "00" "204e0000" "01000000"
        "1412075e3a6f3101da01f1973403b0836536f4694c22d83fed84f0ef6a49f3bd"
        "8deebdaa91a6488cb203fa071026dce80737c6ea9b0283aa058d243725f976bc" "00";
    uint8_t p[115];
    unhex(payload, p, sizeof p);
    check_vector(dev_pk[0], p, sizeof p,
                 "38fc749df238087fa129d90fd6e6ad7c5442b268e51dc9fd9c3905a97fdc3f28"
                 "9e7a2e361e734d7ac94a4b7904d0a472fe1fe48763e227c1493c5f9d25f2f18c");
}

/* s >= l is refused before any group arithmetic. */
static void test_sr25519_verify_noncanonical_s(void)
{
    uint8_t pk[32], sig[64];
    unhex(dev_pk[0], pk, 32);
    memset(sig, 0, 64);
    memset(sig + 32, 0xff, 32); /* s = 2^255 - 1 after the marker */
    GB_EXPECT_ERR(GB_MALFORMED, gb_sr25519_verify(pk, "x", 1, sig));
    /* s = l exactly */
    unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010",
          sig + 32, 32);
    sig[63] |= 0x80;
    GB_EXPECT_ERR(GB_MALFORMED, gb_sr25519_verify(pk, "x", 1, sig));
    /* the identity as a public key */
    uint8_t zero[32] = {0};
    sig[32] = 1;
    GB_EXPECT_ERR(GB_MALFORMED, gb_sr25519_verify(zero, "x", 1, sig));
}

static void test_sr25519_dev_accounts(void)
{
    uint8_t mini[32], pk[32], sk[64], pk2[32];
    gb_sr25519_dev_root(mini);
    /* `subkey inspect "<DEV_PHRASE>"`: the root's secret seed */
    expect_hex("fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e",
               mini, 32);
    for (uint32_t i = 0; i < GB_SR25519_DEV_ACCOUNTS; i++) {
        GB_EXPECT_ERR(GB_OK, gb_sr25519_dev_keypair(i, mini, pk, sk));
        expect_hex(dev_pk[i], pk, 32);
        GB_EXPECT_ERR(GB_OK, gb_sr25519_public_from_secret(sk, pk2));
        GB_EXPECT(memcmp(pk, pk2, 32) == 0);
        GB_EXPECT_ERR(GB_OK, gb_sr25519_dev_keypair(i, NULL, pk2, NULL));
        GB_EXPECT(memcmp(pk, pk2, 32) == 0);
    }
    /* `subkey inspect //Alice`: Alice's secret seed */
    GB_EXPECT_ERR(GB_OK, gb_sr25519_dev_keypair(0, mini, NULL, NULL));
    expect_hex("e5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a",
               mini, 32);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_sr25519_dev_keypair(6, mini, pk, sk));

    uint32_t j = 99;
    GB_EXPECT(gb_sr25519_dev_lookup("alice", &j) && j == 0);
    GB_EXPECT(gb_sr25519_dev_lookup("//Ferdie", &j) && j == 5);
    GB_EXPECT(gb_sr25519_dev_lookup("CHARLIE", &j) && j == 2);
    GB_EXPECT(!gb_sr25519_dev_lookup("george", &j));
    GB_EXPECT(!gb_sr25519_dev_lookup("", &j));
    GB_EXPECT(!gb_sr25519_dev_lookup(NULL, &j));
    GB_EXPECT(!strcmp(gb_sr25519_dev_name(3), "dave"));
    GB_EXPECT(gb_sr25519_dev_name(6) == NULL);
}

/* The same result through the public pieces: entropy -> mini -> path. */
static void test_sr25519_phrase_and_path(void)
{
    static const uint8_t entropy[16] = {
        0x1a, 0x48, 0x6a, 0x5f, 0xbe, 0x53, 0x63, 0x99,
        0x84, 0xcb, 0x64, 0xb0, 0x70, 0x75, 0x5f, 0x7b,
    };
    uint8_t root[32], mini[32], again[32], pk[32], sk[64];
    GB_EXPECT_ERR(GB_OK, gb_sr25519_mini_from_entropy(entropy, 16, "", root));
    gb_sr25519_dev_root(mini);
    GB_EXPECT(memcmp(root, mini, 32) == 0);
    GB_EXPECT_ERR(GB_OK, gb_sr25519_mini_from_entropy(entropy, 16, NULL, mini));
    GB_EXPECT(memcmp(root, mini, 32) == 0);
    GB_EXPECT_ERR(GB_OK, gb_sr25519_mini_from_entropy(entropy, 16, "pw", mini));
    GB_EXPECT(memcmp(root, mini, 32) != 0);
    GB_EXPECT_ERR(GB_INVAL, gb_sr25519_mini_from_entropy(entropy, 12, "", mini));
    GB_EXPECT_ERR(GB_INVAL, gb_sr25519_mini_from_entropy(entropy, 15, "", mini));

    GB_EXPECT_ERR(GB_OK, gb_sr25519_derive_path(root, "//Bob", mini));
    gb_sr25519_keypair_from_mini(mini, pk, sk);
    expect_hex(dev_pk[1], pk, 32);
    /* in place, and two junctions = one after the other */
    memcpy(again, root, 32);
    GB_EXPECT_ERR(GB_OK, gb_sr25519_derive_path(again, "//Bob//stash", again));
    GB_EXPECT_ERR(GB_OK, gb_sr25519_derive_path(mini, "//stash", mini));
    GB_EXPECT(memcmp(again, mini, 32) == 0);
    GB_EXPECT_ERR(GB_OK, gb_sr25519_derive_path(root, "", mini));
    GB_EXPECT(memcmp(root, mini, 32) == 0);
    /* case matters in a junction: //alice is not //Alice */
    GB_EXPECT_ERR(GB_OK, gb_sr25519_derive_path(root, "//alice", mini));
    gb_sr25519_keypair_from_mini(mini, pk, sk);
    GB_EXPECT(memcmp(pk, (uint8_t[32]){0xd4, 0x35}, 2) != 0);

    memcpy(again, root, 32);
    GB_EXPECT_ERR(GB_UNSUPPORTED, gb_sr25519_derive_path(root, "/soft", again));
    GB_EXPECT_ERR(GB_UNSUPPORTED, gb_sr25519_derive_path(root, "//a/b", again));
    GB_EXPECT_ERR(GB_UNSUPPORTED, gb_sr25519_derive_path(root, "///pw", again));
    GB_EXPECT_ERR(GB_INVAL, gb_sr25519_derive_path(root, "//", again));
    GB_EXPECT_ERR(GB_INVAL, gb_sr25519_derive_path(root, "//a//", again));
    GB_EXPECT_ERR(GB_INVAL, gb_sr25519_derive_path(root, "Alice", again));
    GB_EXPECT_ERR(GB_INVAL, gb_sr25519_derive_path(root, NULL, again));
    GB_EXPECT(memcmp(again, root, 32) == 0); /* untouched on error */
}

static void test_sr25519_chain_codes(void)
{
    uint8_t cc[32];
    GB_EXPECT_ERR(GB_OK, gb_sr25519_chain_code("Alice", 5, cc));
    expect_hex("14416c696365000000000000000000000000000000000000000000000000"
               "0000", cc, 32);
    GB_EXPECT_ERR(GB_OK, gb_sr25519_chain_code("42", 2, cc));
    expect_hex("2a00000000000000000000000000000000000000000000000000000000000000",
               cc, 32);
    GB_EXPECT_ERR(GB_OK, gb_sr25519_chain_code("18446744073709551615", 20, cc));
    expect_hex("ffffffffffffffff000000000000000000000000000000000000000000000000",
               cc, 32);
    /* u64::MAX + 1 does not fit: a string of 20 bytes */
    GB_EXPECT_ERR(GB_OK, gb_sr25519_chain_code("18446744073709551616", 20, cc));
    GB_EXPECT_U64(0x50, cc[0]);
    GB_EXPECT_U64('1', cc[1]);
    /* 31 bytes + 1 length byte fit exactly; 32 bytes are hashed */
    static const char s31[] = "abcdefghijklmnopqrstuvwxyz01234";
    GB_EXPECT_ERR(GB_OK, gb_sr25519_chain_code(s31, 31, cc));
    GB_EXPECT_U64(31 << 2, cc[0]);
    GB_EXPECT_U64('4', cc[31]);
    uint8_t enc[33], h[32];
    enc[0] = 32 << 2;
    memcpy(enc + 1, "abcdefghijklmnopqrstuvwxyz012345", 32);
    gb_blake2b256(enc, sizeof enc, h);
    GB_EXPECT_ERR(GB_OK, gb_sr25519_chain_code((char *)enc + 1, 32, cc));
    GB_EXPECT(memcmp(cc, h, 32) == 0);
    GB_EXPECT_ERR(GB_INVAL, gb_sr25519_chain_code("", 0, cc));
}

static void test_sr25519_sign_round_trip(void)
{
    uint8_t pk[32], sk[64], sig[64], sig2[64], bob[32];
    uint8_t msg[1000];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 31 + 7);
    GB_EXPECT_ERR(GB_OK, gb_sr25519_dev_keypair(0, NULL, pk, sk));
    GB_EXPECT_ERR(GB_OK, gb_sr25519_dev_keypair(1, NULL, bob, NULL));
    static const size_t lens[] = {0, 1, 115, 166, 167, 256, 1000};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        size_t n = lens[i];
        GB_EXPECT_ERR(GB_OK, gb_sr25519_sign(sk, pk, n ? msg : NULL, n, sig));
        GB_EXPECT(sig[63] & 0x80);
        GB_EXPECT_ERR(GB_OK, gb_sr25519_verify(pk, msg, n, sig));
        GB_EXPECT_ERR(GB_INVALID, gb_sr25519_verify(bob, msg, n, sig));
        if (n) {
            msg[n - 1] ^= 1;
            GB_EXPECT_ERR(GB_INVALID, gb_sr25519_verify(pk, msg, n, sig));
            msg[n - 1] ^= 1;
        }
        /* fresh randomness: another signature, also valid */
        GB_EXPECT_ERR(GB_OK, gb_sr25519_sign(sk, pk, msg, n, sig2));
        GB_EXPECT(memcmp(sig, sig2, 64) != 0);
        GB_EXPECT_ERR(GB_OK, gb_sr25519_verify(pk, msg, n, sig2));
    }
    /* a random key */
    uint8_t mini[32];
    for (int i = 0; i < 32; i++)
        mini[i] = (uint8_t)(i * 13 + 1);
    gb_sr25519_keypair_from_mini(mini, pk, sk);
    GB_EXPECT_ERR(GB_OK, gb_sr25519_sign(sk, pk, "hello", 5, sig));
    GB_EXPECT_ERR(GB_OK, gb_sr25519_verify(pk, "hello", 5, sig));
    /* signing with the wrong public key gives a signature that fails */
    GB_EXPECT_ERR(GB_OK, gb_sr25519_sign(sk, bob, "hello", 5, sig));
    GB_EXPECT(gb_sr25519_verify(pk, "hello", 5, sig) != GB_OK);
    GB_EXPECT(gb_sr25519_verify(bob, "hello", 5, sig) != GB_OK);
}

static void test_sr25519_sign_with_is_deterministic(void)
{
    uint8_t pk[32], sk[64], a[64], b[64];
    uint8_t rnd[32] = {7};
    GB_EXPECT_ERR(GB_OK, gb_sr25519_dev_keypair(2, NULL, pk, sk));
    GB_EXPECT_ERR(GB_OK, gb_sr25519_sign_with(sk, pk, "m", 1, rnd, a));
    GB_EXPECT_ERR(GB_OK, gb_sr25519_sign_with(sk, pk, "m", 1, rnd, b));
    GB_EXPECT(memcmp(a, b, 64) == 0);
    rnd[0] = 8;
    GB_EXPECT_ERR(GB_OK, gb_sr25519_sign_with(sk, pk, "m", 1, rnd, b));
    GB_EXPECT(memcmp(a, b, 32) != 0); /* another nonce, another R */
    GB_EXPECT_ERR(GB_OK, gb_sr25519_verify(pk, "m", 1, a));
    GB_EXPECT_ERR(GB_OK, gb_sr25519_verify(pk, "m", 1, b));
    /* a secret key whose scalar is not canonical is refused */
    uint8_t bad[64];
    memcpy(bad, sk, 64);
    memset(bad, 0xff, 32);
    GB_EXPECT_ERR(GB_INVAL, gb_sr25519_sign_with(bad, pk, "m", 1, rnd, b));
    GB_EXPECT_ERR(GB_INVAL, gb_sr25519_public_from_secret(bad, pk));
    memset(bad, 0, 32);
    GB_EXPECT_ERR(GB_INVAL, gb_sr25519_public_from_secret(bad, pk));
}

int main(void)
{
    GB_RUN(test_sr25519_verify_wasm_vector);
    GB_RUN(test_sr25519_verify_polkadot_js_vector);
    GB_RUN(test_sr25519_verify_extrinsic_payload);
    GB_RUN(test_sr25519_verify_noncanonical_s);
    GB_RUN(test_sr25519_dev_accounts);
    GB_RUN(test_sr25519_phrase_and_path);
    GB_RUN(test_sr25519_chain_codes);
    GB_RUN(test_sr25519_sign_round_trip);
    GB_RUN(test_sr25519_sign_with_is_deterministic);
    return gb_test_summary();
}
