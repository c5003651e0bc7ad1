/*
 * The SCALE codec: compact integers against known encodings (those of
 * parity-scale-codec's own tests and the Substrate docs), fixed integers
 * little-endian, round trips through the reader, and the reader's
 * refusals: truncated input, non-canonical compacts, bad bool/Option tags,
 * lengths beyond the input.
 */
#include <stdlib.h>

#include "test.h"

#include "util/hex.h"
#include "util/scale.h"

static void expect_buf(const char *want_hex, const gb_scale_buf *b)
{
    char got[2 * 64 + 1];
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_status(b));
    GB_EXPECT_U64(strlen(want_hex) / 2, b->len);
    if (b->len > 64)
        return;
    gb_hex_encode(b->data, b->len, got);
    GB_EXPECT_STR_CONTAINS(got, want_hex);
}

static const struct {
    uint64_t hi, lo;
    const char *hex;
} compacts[] = {
    {0, 0, "00"},
    {0, 1, "04"},
    {0, 63, "fc"},
    {0, 64, "0101"},
    {0, 16383, "fdff"},
    {0, 16384, "02000100"},
    {0, (1ull << 30) - 1, "feffffff"},
    {0, 1ull << 30, "0300000040"},
    {0, 1ull << 32, "070000000001"},
    {0, UINT64_MAX, "13ffffffffffffffff"},
    {1, 0, "17000000000000000001"},
    {UINT64_MAX, UINT64_MAX, "33ffffffffffffffffffffffffffffffff"},
};

static void test_compact_known_vectors(void)
{
    for (size_t i = 0; i < sizeof compacts / sizeof *compacts; i++) {
        gb_scale_buf b;
        gb_scale_buf_init(&b);
        gb_u128 v = {compacts[i].lo, compacts[i].hi};
        gb_scale_put_compact_u128(&b, v);
        expect_buf(compacts[i].hex, &b);
        if (!v.hi) { /* the u64 entry point writes the same */
            gb_scale_buf c;
            gb_scale_buf_init(&c);
            gb_scale_put_compact(&c, v.lo);
            expect_buf(compacts[i].hex, &c);
            gb_scale_buf_free(&c);
        }
        gb_scale_reader r;
        gb_scale_reader_init(&r, b.data, b.len);
        gb_u128 back = {7, 7};
        GB_EXPECT_ERR(GB_OK, gb_scale_get_compact_u128(&r, &back));
        GB_EXPECT_U64(v.lo, back.lo);
        GB_EXPECT_U64(v.hi, back.hi);
        GB_EXPECT_U64(0, gb_scale_left(&r));
        /* every proper prefix is truncated */
        for (size_t n = 0; n < b.len; n++) {
            gb_scale_reader_init(&r, b.data, n);
            GB_EXPECT_ERR(GB_DECODE, gb_scale_get_compact_u128(&r, &back));
            GB_EXPECT_U64(0, r.pos);
        }
        gb_scale_buf_free(&b);
    }
}

static void test_compact_refusals(void)
{
    static const char *const bad[] = {
        "0100",       /* 0 in the two-byte form */
        "fd00",       /* 63 in the two-byte form */
        "02000000",   /* 0 in the four-byte form */
        "feff0000",   /* 16383 in the four-byte form */
        "03ffffff3f", /* 2^30 - 1 in the big form */
        "0700000000", /* 0 with a zero top byte */
        "130100000000000000", /* 1 in eight bytes */
        "37ffffffffffffffffffffffffffffffffff", /* 17 bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        uint8_t in[32];
        size_t n;
        GB_EXPECT_ERR(GB_OK, gb_hex_decode(bad[i], in, sizeof in, &n));
        gb_scale_reader r;
        gb_scale_reader_init(&r, in, n);
        gb_u128 v;
        GB_EXPECT_ERR(GB_DECODE, gb_scale_get_compact_u128(&r, &v));
        GB_EXPECT_U64(0, r.pos);
    }
    /* too large for the asked type */
    uint8_t big[] = {0x03, 0, 0, 0, 0x40}; /* 2^30 */
    gb_scale_reader r;
    gb_scale_reader_init(&r, big, sizeof big);
    uint64_t v = 5;
    GB_EXPECT_ERR(GB_DECODE, gb_scale_get_compact(&r, (1u << 30) - 1, &v));
    GB_EXPECT_U64(5, v);
    GB_EXPECT_U64(0, r.pos);
    GB_EXPECT_ERR(GB_OK, gb_scale_get_compact(&r, UINT32_MAX, &v));
    GB_EXPECT_U64(1u << 30, v);
    uint8_t u64max_plus[] = {0x17, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    gb_scale_reader_init(&r, u64max_plus, sizeof u64max_plus);
    GB_EXPECT_ERR(GB_DECODE, gb_scale_get_compact(&r, UINT64_MAX, &v));
}

static void test_fixed_and_round_trip(void)
{
    gb_scale_buf b;
    gb_scale_buf_init(&b);
    gb_scale_put_u8(&b, 0xab);
    gb_scale_put_u16(&b, 0x1234);
    gb_scale_put_u32(&b, 0xdeadbeef);
    gb_scale_put_u64(&b, 0x0102030405060708ull);
    gb_scale_put_u128(&b, (gb_u128){0x1122334455667788ull, 0x99aabbccddeeff00ull});
    gb_scale_put_bool(&b, true);
    gb_scale_put_bool(&b, false);
    gb_scale_put_option(&b, false);
    gb_scale_put_option(&b, true);
    gb_scale_put_u32(&b, 14);
    gb_scale_put_str(&b, "meta");
    gb_scale_put_bytes(&b, NULL, 0);
    expect_buf("ab3412efbeadde0807060504030201"
               "887766554433221100ffeeddccbbaa99"
               "01000001" "0e000000" "106d657461" "00",
               &b);

    gb_scale_reader r;
    gb_scale_reader_init(&r, b.data, b.len);
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    gb_u128 u128;
    bool t, f, none, some;
    const uint8_t *s, *empty;
    size_t slen, elen;
    GB_EXPECT_ERR(GB_OK, gb_scale_get_u8(&r, &u8));
    GB_EXPECT_ERR(GB_OK, gb_scale_get_u16(&r, &u16));
    GB_EXPECT_ERR(GB_OK, gb_scale_get_u32(&r, &u32));
    GB_EXPECT_ERR(GB_OK, gb_scale_get_u64(&r, &u64));
    GB_EXPECT_ERR(GB_OK, gb_scale_get_u128(&r, &u128));
    GB_EXPECT_ERR(GB_OK, gb_scale_get_bool(&r, &t));
    GB_EXPECT_ERR(GB_OK, gb_scale_get_bool(&r, &f));
    GB_EXPECT_ERR(GB_OK, gb_scale_get_option(&r, &none));
    GB_EXPECT_ERR(GB_OK, gb_scale_get_option(&r, &some));
    GB_EXPECT_ERR(GB_OK, gb_scale_get_u32(&r, &u32));
    GB_EXPECT_U64(14, u32);
    GB_EXPECT_ERR(GB_OK, gb_scale_get_bytes(&r, 64, &s, &slen));
    GB_EXPECT_ERR(GB_OK, gb_scale_get_bytes(&r, 64, &empty, &elen));
    GB_EXPECT_U64(0, gb_scale_left(&r));
    GB_EXPECT_U64(0xab, u8);
    GB_EXPECT_U64(0x1234, u16);
    GB_EXPECT_U64(0x0102030405060708ull, u64);
    GB_EXPECT_U64(0x1122334455667788ull, u128.lo);
    GB_EXPECT_U64(0x99aabbccddeeff00ull, u128.hi);
    GB_EXPECT(t && !f && !none && some);
    GB_EXPECT_U64(4, slen);
    GB_EXPECT(memcmp(s, "meta", 4) == 0);
    GB_EXPECT_U64(0, elen);

    /* nothing left: every get refuses and does not move */
    GB_EXPECT_ERR(GB_DECODE, gb_scale_get_u8(&r, &u8));
    GB_EXPECT_ERR(GB_DECODE, gb_scale_get_u128(&r, &u128));
    GB_EXPECT_ERR(GB_DECODE, gb_scale_get_bool(&r, &t));
    GB_EXPECT_ERR(GB_DECODE, gb_scale_get_raw(&r, 1, &s));
    GB_EXPECT_U64(b.len, r.pos);

    uint8_t *out;
    size_t out_len;
    size_t len = b.len;
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_take(&b, &out, &out_len));
    GB_EXPECT_U64(len, out_len);
    GB_EXPECT(b.data == NULL && b.len == 0);
    free(out);
    gb_scale_buf_free(&b);
}

static void test_reader_refusals(void)
{
    gb_scale_reader r;
    bool v;
    uint8_t two = 2;
    gb_scale_reader_init(&r, &two, 1);
    GB_EXPECT_ERR(GB_DECODE, gb_scale_get_bool(&r, &v));
    GB_EXPECT_ERR(GB_DECODE, gb_scale_get_option(&r, &v));
    GB_EXPECT_U64(0, r.pos);

    uint8_t trunc[] = {0x00, 0x01, 0x02}; /* a u32 cut short */
    uint32_t u32;
    gb_scale_reader_init(&r, trunc, sizeof trunc);
    GB_EXPECT_ERR(GB_DECODE, gb_scale_get_u32(&r, &u32));
    GB_EXPECT_U64(0, r.pos);

    /* a byte string longer than the input, and longer than max */
    uint8_t vec[] = {0x10, 'a', 'b', 'c'}; /* says 4, has 3 */
    const uint8_t *p;
    size_t n;
    gb_scale_reader_init(&r, vec, sizeof vec);
    GB_EXPECT_ERR(GB_DECODE, gb_scale_get_bytes(&r, 100, &p, &n));
    GB_EXPECT_U64(0, r.pos);
    uint8_t vec2[] = {0x0c, 'a', 'b', 'c'};
    gb_scale_reader_init(&r, vec2, sizeof vec2);
    GB_EXPECT_ERR(GB_DECODE, gb_scale_get_bytes(&r, 2, &p, &n));
    GB_EXPECT_ERR(GB_OK, gb_scale_get_bytes(&r, 3, &p, &n));
    GB_EXPECT_U64(3, n);
}

/* Many appends: the buffer grows past its first capacity intact. */
static void test_buffer_growth(void)
{
    gb_scale_buf b = {0};
    for (uint32_t i = 0; i < 10000; i++)
        gb_scale_put_u32(&b, i);
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_status(&b));
    GB_EXPECT_U64(40000, b.len);
    gb_scale_reader r;
    gb_scale_reader_init(&r, b.data, b.len);
    uint32_t v = 0, bad = 0;
    for (uint32_t i = 0; i < 10000; i++)
        if (gb_scale_get_u32(&r, &v) || v != i)
            bad++;
    GB_EXPECT_U64(0, bad);
    gb_scale_buf_free(&b);
    gb_scale_buf_free(&b); /* a freed buffer is zeroed: free again is a no-op */
    uint8_t *out;
    size_t n;
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_take(&b, &out, &n)); /* empty */
    GB_EXPECT_U64(0, n);
    free(out);
}

int main(void)
{
    GB_RUN(test_compact_known_vectors);
    GB_RUN(test_compact_refusals);
    GB_RUN(test_fixed_and_round_trip);
    GB_RUN(test_reader_refusals);
    GB_RUN(test_buffer_growth);
    return gb_test_summary();
}
