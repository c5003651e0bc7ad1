/*
 * BLAKE2b-256 against published vectors, one-shot against incremental, and
 * hex encoding/decoding with its rejections.
 */
#include "test.h"

#include "util/hash.h"
#include "util/hex.h"

#include "gearbox/err.h"

static void expect_hex(const char *want, const uint8_t *got, size_t len)
{
    char buf[2 * 64 + 1];
    gb_hex_encode(got, len, buf);
    GB_EXPECT_STR_CONTAINS(buf, want);
    GB_EXPECT_U64(strlen(want), strlen(buf));
}

/* BLAKE2b-256 (unkeyed, 32-byte digest) of "" and "abc", as published with
 * the BLAKE2 reference and reproduced by Python's hashlib.blake2b. */
static void test_blake2b_published_vectors(void)
{
    uint8_t d[32];
    gb_blake2b256("", 0, d);
    expect_hex("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
               d, 32);
    gb_blake2b256(NULL, 0, d);
    expect_hex("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
               d, 32);
    gb_blake2b256("abc", 3, d);
    expect_hex("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
               d, 32);
}

/* 1024 bytes (0..255 four times), hashed whole and in uneven pieces; the
 * value is Python hashlib.blake2b(digest_size=32). */
static void test_blake2b_incremental(void)
{
    static const char want[] =
        "f1551feeb252c7e60bb362205bd1ac2f70b145260a91d41e8c5d0a187549a5f2";
    uint8_t data[1024], d[32];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;

    gb_blake2b256(data, sizeof data, d);
    expect_hex(want, d, 32);

    static const size_t cuts[] = {0, 1, 127, 128, 129, 300, 1000, 1024};
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    for (size_t i = 1; i < sizeof cuts / sizeof cuts[0]; i++)
        gb_blake2b_update(&st, data + cuts[i - 1], cuts[i] - cuts[i - 1]);
    gb_blake2b_update(&st, NULL, 0);
    gb_blake2b_final(&st, d);
    expect_hex(want, d, 32);

    /* A state can be reused after init. */
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, "a", 1);
    gb_blake2b_update(&st, "bc", 2);
    gb_blake2b_final(&st, d);
    expect_hex("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
               d, 32);

    gb_blake2b_init(&st);
    gb_blake2b_final(&st, d);
    expect_hex("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
               d, 32);
}

static void test_hex_encode(void)
{
    char buf[16];
    memset(buf, 'x', sizeof buf);
    gb_hex_encode(NULL, 0, buf);
    GB_EXPECT_U64(0, strlen(buf));

    const uint8_t b[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    gb_hex_encode(b, sizeof b, buf);
    GB_EXPECT(strcmp(buf, "00017f80abff") == 0);
}

static void test_hex_decode_ok(void)
{
    uint8_t out[8];
    size_t n = 99;

    GB_EXPECT_ERR(GB_OK, gb_hex_decode("00017f80abff", out, sizeof out, &n));
    GB_EXPECT_U64(6, n);
    GB_EXPECT(memcmp(out, "\x00\x01\x7f\x80\xab\xff", 6) == 0);

    GB_EXPECT_ERR(GB_OK, gb_hex_decode("0xDEADbeef", out, sizeof out, &n));
    GB_EXPECT_U64(4, n);
    GB_EXPECT(memcmp(out, "\xde\xad\xbe\xef", 4) == 0);

    GB_EXPECT_ERR(GB_OK, gb_hex_decode("0X0a", out, sizeof out, &n));
    GB_EXPECT_U64(1, n);
    GB_EXPECT_U64(0x0a, out[0]);

    n = 99;
    GB_EXPECT_ERR(GB_OK, gb_hex_decode("", out, sizeof out, &n));
    GB_EXPECT_U64(0, n);
    n = 99;
    GB_EXPECT_ERR(GB_OK, gb_hex_decode("0x", NULL, 0, &n));
    GB_EXPECT_U64(0, n);

    /* Exactly filling the buffer; out_len may be NULL. */
    GB_EXPECT_ERR(GB_OK, gb_hex_decode("0102030405060708", out, 8, NULL));
    GB_EXPECT_U64(8, out[7]);
}

static void test_hex_decode_rejects(void)
{
    uint8_t out[8];
    size_t n = 77;

    GB_EXPECT_ERR(GB_INVAL, gb_hex_decode(NULL, out, sizeof out, &n));
    GB_EXPECT_ERR(GB_INVAL, gb_hex_decode("abc", out, sizeof out, &n));
    GB_EXPECT_ERR(GB_INVAL, gb_hex_decode("0x0", out, sizeof out, &n));
    GB_EXPECT_ERR(GB_INVAL, gb_hex_decode("0g", out, sizeof out, &n));
    GB_EXPECT_ERR(GB_INVAL, gb_hex_decode("zz", out, sizeof out, &n));
    GB_EXPECT_ERR(GB_INVAL, gb_hex_decode("0x 1", out, sizeof out, &n));
    GB_EXPECT_ERR(GB_INVAL, gb_hex_decode("12 ", out, sizeof out, &n));
    GB_EXPECT_ERR(GB_INVAL, gb_hex_decode("0x0x12", out, sizeof out, &n));
    GB_EXPECT_ERR(GB_INVAL, gb_hex_decode("x12", out, sizeof out, &n));
    GB_EXPECT_ERR(GB_INVAL, gb_hex_decode("-1", out, sizeof out, &n));
    /* Too long for the buffer. */
    GB_EXPECT_ERR(GB_LIMIT, gb_hex_decode("010203040506070809", out, 8, &n));
    GB_EXPECT_ERR(GB_LIMIT, gb_hex_decode("00", NULL, 0, &n));
    /* Not hex at all is INVAL whatever the buffer. */
    GB_EXPECT_ERR(GB_INVAL, gb_hex_decode("0102030405060708zz", out, 8, &n));
    GB_EXPECT_U64(77, n);
}

static void test_hex_round_trip(void)
{
    uint8_t all[256], back[256];
    char text[2 * 256 + 3] = "0x";
    for (size_t i = 0; i < 256; i++)
        all[i] = (uint8_t)(255 - i);
    for (size_t len = 0; len <= 256; len += 37) {
        gb_hex_encode(all, len, text + 2);
        size_t n = 0;
        GB_EXPECT_ERR(GB_OK, gb_hex_decode(text, back, sizeof back, &n));
        GB_EXPECT_U64(len, n);
        GB_EXPECT(memcmp(all, back, len) == 0);
        GB_EXPECT_ERR(GB_OK, gb_hex_decode(text + 2, back, len, &n));
        GB_EXPECT_U64(len, n);
    }
}

int main(void)
{
    GB_RUN(test_blake2b_published_vectors);
    GB_RUN(test_blake2b_incremental);
    GB_RUN(test_hex_encode);
    GB_RUN(test_hex_decode_ok);
    GB_RUN(test_hex_decode_rejects);
    GB_RUN(test_hex_round_trip);
    return gb_test_summary();
}
