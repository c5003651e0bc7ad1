/*
 * The signed transaction codec (src/node/tx.c) and account keys
 * (src/node/keys.c): round trips of every kind, every single-byte change,
 * truncation and extension rejected, wrong chain, limits, the golden
 * vector of docs/transactions.md, dev keys and key files.
 */
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#include "node/keys.h"
#include "node/tx.h"
#include "util/hash.h"
#include "util/hex.h"

static uint8_t chain_dev[32];

static void hex_of(const uint8_t *p, size_t n, char *out) /* 2n+1 */
{
    gb_hex_encode(p, n, out);
}

static gb_id id_fill(uint8_t v)
{
    gb_id id;
    memset(id.b, v, sizeof id.b);
    return id;
}

static const uint8_t code_bytes[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00,
                                     0x00, 0x00};
static const uint8_t salt_bytes[] = {'s', 'a', 'l', 't'};
static const uint8_t pay_bytes[] = {'P', 'I', 'N', 'G'};

/* A body of each kind with every field it carries set. */
static gb_tx_body body_of(gb_tx_wire_kind k)
{
    gb_tx_body b = {.kind = k};
    switch (k) {
    case GB_TXW_UPLOAD_PROGRAM:
        b.salt = salt_bytes;
        b.salt_len = sizeof salt_bytes;
        /* fall through */
    case GB_TXW_UPLOAD_CODE:
        b.code = code_bytes;
        b.code_len = sizeof code_bytes;
        break;
    case GB_TXW_CREATE_PROGRAM:
        b.code_id = id_fill(0xc0);
        b.salt = salt_bytes;
        b.salt_len = sizeof salt_bytes;
        break;
    case GB_TXW_SEND_MESSAGE:
    case GB_TXW_SEND_REPLY:
    case GB_TXW_CLAIM_VALUE:
        b.target = id_fill((uint8_t)(0x10 + k));
        break;
    }
    if (k != GB_TXW_UPLOAD_CODE && k != GB_TXW_CLAIM_VALUE) {
        b.payload = pay_bytes;
        b.payload_len = sizeof pay_bytes;
        b.gas_limit = 0x0102030405060708ull;
        b.value = (gb_u128){0x1112131415161718ull, 0x2122232425262728ull};
    }
    return b;
}

static bool same_bytes(const uint8_t *a, uint32_t an, const uint8_t *b,
                       uint32_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static bool body_eq(const gb_tx_body *a, const gb_tx_body *b)
{
    return a->kind == b->kind &&
           same_bytes(a->code, a->code_len, b->code, b->code_len) &&
           gb_id_eq(a->code_id, b->code_id) &&
           same_bytes(a->salt, a->salt_len, b->salt, b->salt_len) &&
           gb_id_eq(a->target, b->target) &&
           same_bytes(a->payload, a->payload_len, b->payload,
                      b->payload_len) &&
           a->gas_limit == b->gas_limit &&
           gb_u128_cmp(a->value, b->value) == 0;
}

static uint8_t *encode(gb_tx_wire_kind k, uint32_t dev, uint64_t nonce,
                       size_t *len)
{
    uint8_t pk[32], sk[64];
    gb_dev_keypair(dev, pk, sk);
    gb_tx_body b = body_of(k);
    uint8_t *buf = NULL;
    char detail[256] = "";
    gb_err e = gb_tx_encode(chain_dev, &b, nonce, sk, &buf, len, detail,
                            sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    return buf;
}

static void test_round_trip_every_kind(void)
{
    for (int k = GB_TXW_UPLOAD_CODE; k <= GB_TXW_CLAIM_VALUE; k++) {
        size_t len;
        uint8_t *buf = encode((gb_tx_wire_kind)k, 1, 42 + (uint64_t)k, &len);
        if (!buf)
            continue;
        gb_tx_decoded d;
        char detail[256] = "";
        GB_EXPECT_ERR(GB_OK, gb_tx_decode_verify(chain_dev, buf, len, NULL, &d,
                                                 detail, sizeof detail));
        gb_tx_body want = body_of((gb_tx_wire_kind)k);
        GB_EXPECT(body_eq(&want, &d.body));
        GB_EXPECT(gb_id_eq(gb_dev_account_id(1), d.signer));
        GB_EXPECT_U64(42 + (uint64_t)k, d.nonce);
        uint8_t h[32];
        gb_blake2b256(buf, len, h);
        GB_EXPECT(memcmp(h, d.hash, 32) == 0);
        /* the chain's view */
        GB_EXPECT_U64(k == GB_TXW_UPLOAD_PROGRAM ? 2 : 1, d.ntxs);
        const gb_tx *t = &d.txs[d.ntxs - 1];
        for (uint32_t i = 0; i < d.ntxs; i++)
            GB_EXPECT(gb_id_eq(d.signer, d.txs[i].sender));
        switch (k) {
        case GB_TXW_UPLOAD_CODE:
            GB_EXPECT_U64(GB_TX_UPLOAD_CODE, t->kind);
            GB_EXPECT(same_bytes(t->code, t->code_len, code_bytes,
                                 sizeof code_bytes));
            break;
        case GB_TXW_UPLOAD_PROGRAM:
            GB_EXPECT_U64(GB_TX_UPLOAD_CODE, d.txs[0].kind);
            GB_EXPECT(same_bytes(d.txs[0].code, d.txs[0].code_len,
                                 code_bytes, sizeof code_bytes));
            GB_EXPECT_U64(GB_TX_CREATE_PROGRAM, t->kind);
            GB_EXPECT(gb_id_eq(gb_code_id(code_bytes, sizeof code_bytes),
                               t->code_id));
            GB_EXPECT(same_bytes(t->salt, t->salt_len, salt_bytes,
                                 sizeof salt_bytes));
            break;
        case GB_TXW_CREATE_PROGRAM:
            GB_EXPECT_U64(GB_TX_CREATE_PROGRAM, t->kind);
            GB_EXPECT(gb_id_eq(want.code_id, t->code_id));
            break;
        case GB_TXW_SEND_MESSAGE:
        case GB_TXW_SEND_REPLY:
        case GB_TXW_CLAIM_VALUE:
            GB_EXPECT_U64(k == GB_TXW_SEND_MESSAGE ? GB_TX_SEND_MESSAGE
                          : k == GB_TXW_SEND_REPLY ? GB_TX_SEND_REPLY
                                                   : GB_TX_CLAIM_VALUE,
                          t->kind);
            GB_EXPECT(gb_id_eq(want.target, t->destination));
            break;
        }
        if (k != GB_TXW_UPLOAD_CODE && k != GB_TXW_CLAIM_VALUE) {
            GB_EXPECT(same_bytes(t->payload, t->payload_len, pay_bytes,
                                 sizeof pay_bytes));
            GB_EXPECT_U64(want.gas_limit, t->gas_limit);
            GB_EXPECT(gb_u128_cmp(want.value, t->value) == 0);
        }
        /* deterministic signatures: encoding twice gives the same bytes */
        size_t len2;
        uint8_t *again = encode((gb_tx_wire_kind)k, 1, 42 + (uint64_t)k, &len2);
        GB_EXPECT(again && len2 == len && memcmp(again, buf, len) == 0);
        free(again);
        free(buf);
    }
}

/* Empty byte strings encode as a zero length and decode as (NULL, 0). */
static void test_empty_fields(void)
{
    uint8_t pk[32], sk[64];
    gb_dev_keypair(0, pk, sk);
    gb_tx_body b = {.kind = GB_TXW_SEND_MESSAGE, .target = id_fill(7)};
    uint8_t *buf;
    size_t len;
    GB_EXPECT_ERR(GB_OK, gb_tx_encode(chain_dev, &b, 0, sk, &buf, &len, NULL, 0));
    GB_EXPECT_U64(GB_TX_HEADER_LEN + 32 + 4 + 8 + 16 + 64, len);
    gb_tx_decoded d;
    GB_EXPECT_ERR(GB_OK, gb_tx_decode_verify(chain_dev, buf, len, NULL, &d,
                                             NULL, 0));
    GB_EXPECT(d.body.payload == NULL && d.body.payload_len == 0);
    free(buf);

    /* a NULL pointer with a length is the caller's mistake */
    b.payload_len = 3;
    char detail[128] = "";
    GB_EXPECT_ERR(GB_INVAL, gb_tx_encode(chain_dev, &b, 0, sk, &buf, &len,
                                         detail, sizeof detail));
    b.payload_len = 0;
    b.kind = (gb_tx_wire_kind)9;
    GB_EXPECT_ERR(GB_INVAL, gb_tx_encode(chain_dev, &b, 0, sk, &buf, &len,
                                         detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "unknown transaction kind");
}

static bool rejected(gb_err e)
{
    return e == GB_MALFORMED || e == GB_INVALID || e == GB_LIMIT;
}

/* Every byte of every kind, changed in three ways: never accepted. */
static void test_every_byte_flipped(void)
{
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    for (int k = GB_TXW_UPLOAD_CODE; k <= GB_TXW_CLAIM_VALUE; k++) {
        size_t len;
        uint8_t *buf = encode((gb_tx_wire_kind)k, 2, 7, &len);
        if (!buf)
            continue;
        int accepted = 0;
        for (size_t i = 0; i < len; i++)
            for (size_t m = 0; m < sizeof masks; m++) {
                buf[i] ^= masks[m];
                gb_tx_decoded d;
                char detail[256] = "";
                gb_err e = gb_tx_decode_verify(chain_dev, buf, len, NULL, &d,
                                               detail, sizeof detail);
                if (!rejected(e)) {
                    accepted++;
                    GB_FAIL_("kind %d: byte %zu ^ 0x%02x gave %s", k, i,
                             masks[m], gb_err_name(e));
                }
                if (!detail[0])
                    GB_FAIL_("kind %d: byte %zu: no detail", k, i);
                buf[i] ^= masks[m];
            }
        GB_EXPECT_U64(0, accepted);
        free(buf);
    }
}

static void test_truncated_and_extended(void)
{
    for (int k = GB_TXW_UPLOAD_CODE; k <= GB_TXW_CLAIM_VALUE; k++) {
        size_t len;
        uint8_t *buf = encode((gb_tx_wire_kind)k, 3, 1, &len);
        if (!buf)
            continue;
        gb_tx_decoded d;
        char detail[256];
        for (size_t n = 0; n < len; n++) {
            gb_err e = gb_tx_decode_verify(chain_dev, n ? buf : NULL, n, NULL,
                                           &d, detail, sizeof detail);
            if (!rejected(e))
                GB_FAIL_("kind %d truncated to %zu: %s", k, n, gb_err_name(e));
        }
        uint8_t *ext = malloc(len + 8);
        memcpy(ext, buf, len);
        for (size_t extra = 1; extra <= 8; extra++) {
            memset(ext + len, 0, extra);
            gb_err e = gb_tx_decode_verify(chain_dev, ext, len + extra, NULL,
                                           &d, detail, sizeof detail);
            if (!rejected(e))
                GB_FAIL_("kind %d with %zu extra bytes: %s", k, extra,
                         gb_err_name(e));
        }
        free(ext);
        free(buf);
    }
}

/* A body with one byte more than it says, re-signed: the signature is
 * fine, the encoding is not. */
static void test_trailing_bytes_signed(void)
{
    size_t len;
    uint8_t *buf = encode(GB_TXW_CLAIM_VALUE, 0, 5, &len);
    uint8_t pk[32], sk[64];
    gb_dev_keypair(0, pk, sk);
    size_t ulen = len - 64;
    uint8_t *evil = malloc(ulen + 1 + 64);
    memcpy(evil, buf, ulen);
    evil[ulen] = 0xaa;
    gb_blake2b_state st;
    uint8_t digest[32];
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, GB_TX_SIGNING_DOMAIN, 13);
    gb_blake2b_update(&st, evil, ulen + 1);
    gb_blake2b_final(&st, digest);
    crypto_sign_detached(evil + ulen + 1, NULL, digest, 32, sk);
    gb_tx_decoded d;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_MALFORMED, gb_tx_decode_verify(chain_dev, evil, ulen + 65,
                                                    NULL, &d, detail,
                                                    sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "1 unexpected bytes at byte 106");
    free(evil);
    free(buf);
}

static void test_wrong_chain_and_signer(void)
{
    size_t len;
    uint8_t *buf = encode(GB_TXW_SEND_MESSAGE, 0, 3, &len);
    uint8_t other[32];
    gb_tx_chain_id_from_name("testnet", other);
    gb_tx_decoded d;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_INVALID, gb_tx_decode_verify(other, buf, len, NULL, &d,
                                                  detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "another chain");

    /* bob's key in the sender field of alice's transaction */
    gb_id bob = gb_dev_account_id(1);
    memcpy(buf + 34, bob.b, 32);
    GB_EXPECT_ERR(GB_INVALID, gb_tx_decode_verify(chain_dev, buf, len, NULL, &d,
                                                  detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "bad signature");

    /* version and kind */
    buf[0] = 2;
    GB_EXPECT_ERR(GB_MALFORMED, gb_tx_decode_verify(chain_dev, buf, len, NULL,
                                                    &d, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "version 2 at byte 0");
    buf[0] = 1;
    buf[33] = 0;
    GB_EXPECT_ERR(GB_MALFORMED, gb_tx_decode_verify(chain_dev, buf, len, NULL,
                                                    &d, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "unknown kind 0 at byte 33");
    free(buf);
}

static void test_limits(void)
{
    gb_tx_limits lim;
    gb_tx_limits_default(&lim);
    GB_EXPECT_U64(524288, lim.max_code_len);
    GB_EXPECT_U64(8u << 20, lim.max_payload_len);

    size_t len;
    uint8_t *buf = encode(GB_TXW_UPLOAD_PROGRAM, 0, 0, &len);
    gb_tx_decoded d;
    char detail[256] = "";
    lim.max_code_len = sizeof code_bytes;
    lim.max_salt_len = sizeof salt_bytes;
    lim.max_payload_len = sizeof pay_bytes;
    GB_EXPECT_ERR(GB_OK, gb_tx_decode_verify(chain_dev, buf, len, &lim, &d,
                                             detail, sizeof detail));
    lim.max_code_len--;
    GB_EXPECT_ERR(GB_LIMIT, gb_tx_decode_verify(chain_dev, buf, len, &lim, &d,
                                                detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "the code at byte 74 is 8 bytes, over the "
                                   "limit of 7");
    lim.max_code_len++;
    lim.max_salt_len--;
    GB_EXPECT_ERR(GB_LIMIT, gb_tx_decode_verify(chain_dev, buf, len, &lim, &d,
                                                detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "salt");
    lim.max_salt_len++;
    lim.max_payload_len--;
    GB_EXPECT_ERR(GB_LIMIT, gb_tx_decode_verify(chain_dev, buf, len, &lim, &d,
                                                detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "init payload");
    free(buf);

    /* a length far beyond the buffer, under the limit: truncated */
    buf = encode(GB_TXW_UPLOAD_CODE, 0, 0, &len);
    buf[74] = 0xff;
    buf[75] = 0xff;
    GB_EXPECT_ERR(GB_MALFORMED, gb_tx_decode_verify(chain_dev, buf, len, NULL,
                                                    &d, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "truncated at byte 78: code needs 65535");
    free(buf);
}

/*
 * The worked example of docs/transactions.md: alice (dev account 0) sends
 * "PING" with gas 1,000,000,000 and value 1,000 to the program whose id is
 * 32 bytes of 0x42, nonce 0, on the chain "dev".  ed25519 signatures are
 * deterministic, so these bytes never change.  They were checked against
 * an independent implementation (Python: hashlib.blake2b and the
 * cryptography package's Ed25519, i.e. OpenSSL), see the doc.
 */
static const char golden_hex[] =
    "01"                                                /* version */
    "e85a0b936285853f2ffd06dfcb9b25e6af1a2f248731210e3f55bdc6951bdb94" /* chain */
    "04"                                                /* SEND_MESSAGE */
    "a8c7a3332391dc1e6683dd39b674b96441e19161fc15d5608855b6615b5b5ed2" /* alice */
    "0000000000000000"                                  /* nonce 0 */
    "4242424242424242424242424242424242424242424242424242424242424242" /* to */
    "04000000" "50494e47"                               /* payload "PING" */
    "00ca9a3b00000000"                                  /* gas 10^9 */
    "e8030000000000000000000000000000"                  /* value 1000 */
    "c1204a09873bd17f6114e66724f11a59bb60d53537f878a97964f246db85798d"
    "9c0019589a161bb797df45d2c599f41dd21669b426292830695ae54519464308"; /* sig */
static const char golden_hash[] =
    "9e91a41fdce25985e80dde4a66b7e5adffe20fb67c58bc2c4b6078d7404ed3f2";

static void test_golden_vector(void)
{
    uint8_t pk[32], sk[64];
    gb_dev_keypair(0, pk, sk);
    gb_tx_body b = {.kind = GB_TXW_SEND_MESSAGE, .target = id_fill(0x42),
                    .payload = (const uint8_t *)"PING", .payload_len = 4,
                    .gas_limit = 1000000000, .value = gb_u128_from(1000)};
    uint8_t *buf;
    size_t len;
    GB_EXPECT_ERR(GB_OK, gb_tx_encode(chain_dev, &b, 0, sk, &buf, &len, NULL, 0));
    char *hex = malloc(2 * len + 1);
    hex_of(buf, len, hex);
    if (strcmp(hex, golden_hex) != 0)
        GB_FAIL_("golden vector changed:\n  want %s\n  got  %s", golden_hex,
                 hex);
    gb_tx_decoded d;
    GB_EXPECT_ERR(GB_OK, gb_tx_decode_verify(chain_dev, buf, len, NULL, &d,
                                             NULL, 0));
    char h[65];
    hex_of(d.hash, 32, h);
    GB_EXPECT_STR_CONTAINS(h, golden_hash);
    free(hex);
    free(buf);
}

static void test_chain_id(void)
{
    char h[65];
    hex_of(chain_dev, 32, h);
    GB_EXPECT_STR_CONTAINS(
        h, "e85a0b936285853f2ffd06dfcb9b25e6af1a2f248731210e3f55bdc6951bdb94");
    uint8_t want[32];
    gb_blake2b256("gearbox/chain/dev", 17, want);
    GB_EXPECT(memcmp(want, chain_dev, 32) == 0);
}

static void test_dev_keys(void)
{
    static const char *names[] = {"alice", "bob", "charlie", "dave",
                                  "eve", "ferdie", "george", "harry"};
    gb_id ids[GB_DEV_ACCOUNTS];
    for (uint32_t i = 0; i < GB_DEV_ACCOUNTS; i++) {
        GB_EXPECT_STR_CONTAINS(gb_dev_name(i), names[i]);
        uint32_t j = 99;
        GB_EXPECT(gb_dev_lookup(names[i], &j) && j == i);
        /* seed = BLAKE2b-256("gearbox/dev/" || i u32 LE) */
        uint8_t in[16], want[32], seed[32];
        memcpy(in, "gearbox/dev/", 12);
        in[12] = (uint8_t)i;
        in[13] = in[14] = in[15] = 0;
        gb_blake2b256(in, 16, want);
        gb_dev_seed(i, seed);
        GB_EXPECT(memcmp(want, seed, 32) == 0);
        uint8_t pk1[32], sk1[64], pk2[32], sk2[64];
        gb_dev_keypair(i, pk1, sk1);
        gb_key_from_seed(seed, pk2, sk2);
        GB_EXPECT(memcmp(pk1, pk2, 32) == 0 && memcmp(sk1, sk2, 64) == 0);
        GB_EXPECT(memcmp(sk1, seed, 32) == 0 && memcmp(sk1 + 32, pk1, 32) == 0);
        ids[i] = gb_dev_account_id(i);
        GB_EXPECT(memcmp(ids[i].b, pk1, 32) == 0);
        for (uint32_t k = 0; k < i; k++)
            GB_EXPECT(!gb_id_eq(ids[k], ids[i]));
    }
    GB_EXPECT(gb_dev_name(8) == NULL);
    uint32_t j;
    GB_EXPECT(gb_dev_lookup("Alice", &j) && j == 0);
    GB_EXPECT(gb_dev_lookup("//bob", &j) && j == 1);
    GB_EXPECT(!gb_dev_lookup("mallory", &j));
    GB_EXPECT(!gb_dev_lookup("", &j));
    char h[67];
    gb_id_to_hex(ids[0], h);
    GB_EXPECT_STR_CONTAINS(h, "0xa8c7a3332391dc1e6683dd39b674b96441e19161fc15d5608855b6615b5b5ed2");
}

static void test_key_files(void)
{
    char dir[] = "/tmp/gb_test_keys_XXXXXX";
    if (!mkdtemp(dir)) {
        GB_FAIL_("mkdtemp failed");
        return;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/key", dir);
    uint8_t seed[32], back[32];
    GB_EXPECT_ERR(GB_OK, gb_key_random_seed(seed));
    char detail[512] = "";
    GB_EXPECT_ERR(GB_OK, gb_key_file_write(path, seed, false, detail,
                                           sizeof detail));
    struct stat st;
    GB_EXPECT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    GB_EXPECT_ERR(GB_OK, gb_key_file_read(path, back, detail, sizeof detail));
    GB_EXPECT(memcmp(seed, back, 32) == 0);
    uint32_t idx = 0;
    GB_EXPECT_ERR(GB_OK, gb_key_resolve(path, back, &idx, detail, sizeof detail));
    GB_EXPECT_U64(UINT32_MAX, idx);
    GB_EXPECT_ERR(GB_OK, gb_key_resolve("eve", back, &idx, detail, sizeof detail));
    GB_EXPECT_U64(4, idx);

    /* no silent overwrite */
    GB_EXPECT_ERR(GB_IO, gb_key_file_write(path, seed, false, detail,
                                           sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "already exists");
    GB_EXPECT_ERR(GB_OK, gb_key_file_write(path, seed, true, detail,
                                           sizeof detail));

    /* readable by others: refused, with the fix */
    chmod(path, 0644);
    GB_EXPECT_ERR(GB_INVALID, gb_key_file_read(path, back, detail,
                                               sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "chmod 600");
    /* overwrite makes it private again */
    GB_EXPECT_ERR(GB_OK, gb_key_file_write(path, seed, true, detail,
                                           sizeof detail));
    GB_EXPECT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

    /* not a key */
    FILE *f = fopen(path, "w");
    fputs("hello\n", f);
    fclose(f);
    chmod(path, 0600);
    GB_EXPECT_ERR(GB_MALFORMED, gb_key_file_read(path, back, detail,
                                                 sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "not a gearbox key file");
    /* hand-written: no 0x, upper case, spaces */
    f = fopen(path, "w");
    fputs("  ", f);
    for (int i = 0; i < 32; i++)
        fprintf(f, "%02X", seed[i]);
    fputs("\r\n\n", f);
    fclose(f);
    GB_EXPECT_ERR(GB_OK, gb_key_file_read(path, back, detail, sizeof detail));
    GB_EXPECT(memcmp(seed, back, 32) == 0);
    unlink(path);
    GB_EXPECT_ERR(GB_IO, gb_key_file_read(path, back, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "gearbox key new");
    rmdir(dir);
}

/* gb_tx_decode_own (the dev node's own signatures): the same decoding as
 * gb_tx_decode_verify, every kind; the signature alone is not checked,
 * everything else still is. */
static void test_decode_own(void)
{
    for (int k = GB_TXW_UPLOAD_CODE; k <= GB_TXW_CLAIM_VALUE; k++) {
        size_t len;
        uint8_t *buf = encode((gb_tx_wire_kind)k, 3, 9, &len);
        if (!buf)
            continue;
        gb_tx_decoded a, b;
        char detail[256] = "";
        GB_EXPECT_ERR(GB_OK, gb_tx_decode_verify(chain_dev, buf, len, NULL, &a,
                                                 detail, sizeof detail));
        GB_EXPECT_ERR(GB_OK, gb_tx_decode_own(chain_dev, buf, len, NULL, &b,
                                              detail, sizeof detail));
        GB_EXPECT(memcmp(a.hash, b.hash, 32) == 0);
        GB_EXPECT(gb_id_eq(a.signer, b.signer));
        GB_EXPECT_U64(a.nonce, b.nonce);
        GB_EXPECT(body_eq(&a.body, &b.body));
        GB_EXPECT_U64(a.ntxs, b.ntxs);
        /* a changed signature: only gb_tx_decode_verify sees it */
        buf[len - 1] ^= 1;
        GB_EXPECT_ERR(GB_INVALID, gb_tx_decode_verify(chain_dev, buf, len,
                                                      NULL, &a, detail,
                                                      sizeof detail));
        GB_EXPECT_ERR(GB_OK, gb_tx_decode_own(chain_dev, buf, len, NULL, &b,
                                              detail, sizeof detail));
        /* the rest is checked as before */
        uint8_t other[32];
        gb_tx_chain_id_from_name("testnet", other);
        GB_EXPECT_ERR(GB_INVALID, gb_tx_decode_own(other, buf, len, NULL, &b,
                                                   detail, sizeof detail));
        GB_EXPECT_STR_CONTAINS(detail, "another chain");
        GB_EXPECT_ERR(GB_MALFORMED, gb_tx_decode_own(chain_dev, buf, len - 1,
                                                     NULL, &b, detail,
                                                     sizeof detail));
        buf[0] = 2;
        GB_EXPECT_ERR(GB_MALFORMED, gb_tx_decode_own(chain_dev, buf, len, NULL,
                                                     &b, detail,
                                                     sizeof detail));
        free(buf);
    }
}

int main(void)
{
    gb_tx_chain_id_from_name("dev", chain_dev);
    GB_RUN(test_chain_id);
    GB_RUN(test_round_trip_every_kind);
    GB_RUN(test_empty_fields);
    GB_RUN(test_every_byte_flipped);
    GB_RUN(test_truncated_and_extended);
    GB_RUN(test_trailing_bytes_signed);
    GB_RUN(test_wrong_chain_and_signer);
    GB_RUN(test_limits);
    GB_RUN(test_decode_own);
    GB_RUN(test_golden_vector);
    GB_RUN(test_dev_keys);
    GB_RUN(test_key_files);
    return gb_test_summary();
}
