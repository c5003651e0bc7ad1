/*
 * The LZ77 compressor (util/lz.h): round trips of empty, short, random,
 * repeating and record-shaped inputs; the same input gives the same
 * bytes; a form that does not fit is refused; truncated, extended and
 * corrupted forms never read or write out of bounds and, when they no
 * longer make exactly the expected length, are refused.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "util/lz.h"

/* A deterministic byte stream (xorshift). */
static uint64_t rnd_state = 0x1234567887654321ull;
static uint8_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (uint8_t)rnd_state;
}

/* Compress in and back; the compressed length (0: did not fit). */
static size_t round_trip(const uint8_t *in, size_t n)
{
    size_t cap = n + n / 2 + 64;
    uint8_t *z = malloc(cap), *z2 = malloc(cap), *back = malloc(n + 1);
    size_t zn = gb_lz_compress(in, n, z, cap);
    if (n)
        GB_EXPECT(zn > 0);
    GB_EXPECT_ERR(GB_OK, gb_lz_decompress(z, zn, back, n));
    GB_EXPECT(!n || memcmp(in, back, n) == 0);
    /* deterministic */
    GB_EXPECT_U64(zn, gb_lz_compress(in, n, z2, cap));
    GB_EXPECT(!zn || memcmp(z, z2, zn) == 0);
    /* the length is checked */
    if (n)
        GB_EXPECT_ERR(GB_MALFORMED, gb_lz_decompress(z, zn, back, n - 1));
    GB_EXPECT_ERR(GB_MALFORMED, gb_lz_decompress(z, zn, back, n + 1));
    free(z);
    free(z2);
    free(back);
    return zn;
}

static void test_round_trips(void)
{
    static uint8_t buf[70000];
    GB_EXPECT_U64(0, round_trip(buf, 0));
    memcpy(buf, "abc", 3);
    round_trip(buf, 3);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = rnd();
    round_trip(buf, sizeof buf);
    round_trip(buf, 9);
    memset(buf, 7, sizeof buf); /* overlapping copies */
    GB_EXPECT(round_trip(buf, sizeof buf) < 100);
    for (size_t i = 0; i < sizeof buf; i++) /* a short period */
        buf[i] = (uint8_t)(i % 5);
    GB_EXPECT(round_trip(buf, sizeof buf) < 100);
}

/* Records like a cluster's TX batch: 64 of 213 bytes, each the previous
 * one with a nonce one up and 32 new bytes (a hash): at least 4 times
 * smaller. */
static void test_records(void)
{
    uint8_t rec[213], buf[64 * 213];
    for (size_t i = 0; i < sizeof rec; i++)
        rec[i] = rnd();
    for (int k = 0; k < 64; k++) {
        rec[41] = (uint8_t)k;
        for (int j = 0; j < 32; j++)
            rec[45 + j] = rnd();
        memcpy(buf + 213 * k, rec, sizeof rec);
    }
    size_t zn = round_trip(buf, sizeof buf);
    GB_EXPECT(zn > 0 && zn < sizeof buf / 4);
}

/* Too little room: 0, never a partial form. */
static void test_no_room(void)
{
    uint8_t in[1000], out[1000];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = rnd();
    GB_EXPECT_U64(0, gb_lz_compress(in, sizeof in, out, 500));
    GB_EXPECT_U64(0, gb_lz_compress(in, sizeof in, out, 0));
}

/* Every truncation, one byte more, and every byte changed three ways:
 * decoding stays in bounds (ASan checks it in .ci/run) and whatever is
 * not exactly the expected length is refused. */
static void test_damaged_forms(void)
{
    uint8_t in[4000], z[6000], back[4000];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = i % 300 < 150 ? (uint8_t)(i % 17) : rnd();
    size_t zn = gb_lz_compress(in, sizeof in, z, sizeof z);
    GB_EXPECT(zn > 0 && zn < sizeof in);
    for (size_t t = 0; t < zn; t++)
        GB_EXPECT_ERR(GB_MALFORMED, gb_lz_decompress(z, t, back, sizeof in));
    z[zn] = 0; /* a zero-length literal run after the end */
    GB_EXPECT_ERR(GB_MALFORMED, gb_lz_decompress(z, zn + 1, back, sizeof in));
    static const uint8_t masks[] = {0x01, 0x40, 0xff};
    for (size_t i = 0; i < zn; i++)
        for (size_t m = 0; m < sizeof masks; m++) {
            z[i] ^= masks[m];
            gb_err e = gb_lz_decompress(z, zn, back, sizeof in);
            GB_EXPECT(e == GB_OK || e == GB_MALFORMED);
            z[i] ^= masks[m];
        }
    /* a distance past the start */
    uint8_t bad[] = {2 << 1, 'a', 'b', 1, 3};
    GB_EXPECT_ERR(GB_MALFORMED, gb_lz_decompress(bad, sizeof bad, back, 10));
    bad[4] = 2; /* back to the start: fine */
    GB_EXPECT_ERR(GB_OK, gb_lz_decompress(bad, sizeof bad, back, 10));
    GB_EXPECT(memcmp(back, "ababababab", 10) == 0);
}

int main(void)
{
    GB_RUN(test_round_trips);
    GB_RUN(test_records);
    GB_RUN(test_no_room);
    GB_RUN(test_damaged_forms);
    return gb_test_summary();
}
