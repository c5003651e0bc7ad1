/*
 * The state root's accumulator (state/lthash.h) on its own: known digests,
 * lanes and roots (computed independently with Python's hashlib.blake2b
 * and the cryptography package's ChaCha20, as tests/state/golden_root.py
 * does), add/sub commutativity and inverse, merge, encode/decode, and the
 * expansion counter.
 */
#include "test.h"

#include <string.h>

#include "state/lthash.h"
#include "util/hex.h"

static void expect_hex32(const char *want, const uint8_t got[32])
{
    char hex[65];
    gb_hex_encode(got, 32, hex);
    gb_test_checks_++;
    if (strcmp(want, hex))
        GB_FAIL_("want %s, got %s", want, hex);
}

/* d(3, "key", "value") and d(7, "", ""), and the root of each sum. */
static void test_known_values(void)
{
    uint8_t d1[32], d2[32], root[32];
    gb_lthash_digest(3, "key", 3, "value", 5, d1);
    expect_hex32("a4a17b0c2fc4a086accd627c276a08357ff63d881e4b43384ad086459d176c7c", d1);
    gb_lthash_digest(7, NULL, 0, NULL, 0, d2);
    expect_hex32("65a46e5f9677200020ba6a1e12e55f5770f6f9a50b9a486d291f6dc22ec052f8", d2);

    gb_lthash h;
    gb_lthash_zero(&h);
    gb_lthash_add(&h, d1);
    GB_EXPECT_U64(30113, h.lane[0]);
    GB_EXPECT_U64(31463, h.lane[1]);
    GB_EXPECT_U64(2432, h.lane[2]);
    GB_EXPECT_U64(947, h.lane[3]);
    GB_EXPECT_U64(12130, h.lane[GB_LTHASH_LANES - 1]);
    gb_lthash_root(&h, root);
    expect_hex32("8a7cfcd47d0e95bb432dc1d5f2d543324806f689937869908c16b34fff10349a", root);
    gb_lthash_add(&h, d2);
    gb_lthash_root(&h, root);
    expect_hex32("88d29f53150af51947e14b943ce6fc25ca985e2430fe116376901230e22d7bc8", root);
}

/* Any order of adds gives the same L; a sub undoes its add in any
 * order; the empty state comes back to L = 0. */
static void test_commutative_and_inverse(void)
{
    enum { N = 6 };
    uint8_t d[N][32];
    for (int i = 0; i < N; i++) {
        char k[8];
        int n = snprintf(k, sizeof k, "k%d", i);
        gb_lthash_digest((uint8_t)i, k, (size_t)n, "v", 1, d[i]);
    }
    gb_lthash fwd, rev, z;
    gb_lthash_zero(&fwd);
    gb_lthash_zero(&rev);
    gb_lthash_zero(&z);
    for (int i = 0; i < N; i++)
        gb_lthash_add(&fwd, d[i]);
    for (int i = N - 1; i >= 0; i--)
        gb_lthash_add(&rev, d[i]);
    GB_EXPECT(!memcmp(&fwd, &rev, sizeof fwd));
    GB_EXPECT(memcmp(&fwd, &z, sizeof fwd) != 0);

    /* remove in an interleaved order: 1, 4, 0, 5, 2, 3 */
    static const int order[N] = {1, 4, 0, 5, 2, 3};
    gb_lthash part;
    gb_lthash_zero(&part);
    for (int i = 0; i < N; i++) {
        gb_lthash_sub(&fwd, d[order[i]]);
        if (i == 2) { /* what is left: 2, 3, 5 */
            gb_lthash_add(&part, d[5]);
            gb_lthash_add(&part, d[3]);
            gb_lthash_add(&part, d[2]);
            GB_EXPECT(!memcmp(&fwd, &part, sizeof fwd));
        }
    }
    GB_EXPECT(!memcmp(&fwd, &z, sizeof fwd));

    /* a sub before its add (a lane wraps below zero) still cancels */
    gb_lthash w;
    gb_lthash_zero(&w);
    gb_lthash_sub(&w, d[0]);
    GB_EXPECT(memcmp(&w, &z, sizeof w) != 0);
    gb_lthash_add(&w, d[0]);
    GB_EXPECT(!memcmp(&w, &z, sizeof w));

    /* the same entry twice is not the same as once (a multiset) */
    gb_lthash once, twice;
    gb_lthash_zero(&once);
    gb_lthash_add(&once, d[0]);
    twice = once;
    gb_lthash_add(&twice, d[0]);
    GB_EXPECT(memcmp(&once, &twice, sizeof once) != 0);
}

/* merge(a, b) = the sum of both sets; the root of the empty state is
 * the root of L = 0 (not of nothing). */
static void test_merge_and_encoding(void)
{
    uint8_t d1[32], d2[32], d3[32];
    gb_lthash_digest(1, "a", 1, "1", 1, d1);
    gb_lthash_digest(1, "b", 1, "2", 1, d2);
    gb_lthash_digest(2, "a", 1, "1", 1, d3);
    GB_EXPECT(memcmp(d1, d3, 32) != 0); /* the table separates */

    gb_lthash a, b, all;
    gb_lthash_zero(&a);
    gb_lthash_zero(&b);
    gb_lthash_zero(&all);
    gb_lthash_add(&a, d1);
    gb_lthash_add(&b, d2);
    gb_lthash_add(&b, d3);
    gb_lthash_add(&all, d3);
    gb_lthash_add(&all, d1);
    gb_lthash_add(&all, d2);
    gb_lthash_merge(&a, &b);
    GB_EXPECT(!memcmp(&a, &all, sizeof a));

    uint8_t enc[GB_LTHASH_BYTES];
    gb_lthash_encode(&all, enc);
    GB_EXPECT_U64(all.lane[0] & 0xff, enc[0]); /* little-endian lanes */
    GB_EXPECT_U64(all.lane[0] >> 8, enc[1]);
    GB_EXPECT_U64(all.lane[GB_LTHASH_LANES - 1] >> 8,
                  enc[GB_LTHASH_BYTES - 1]);
    gb_lthash back;
    gb_lthash_decode(&back, enc);
    GB_EXPECT(!memcmp(&back, &all, sizeof back));

    uint8_t r1[32], r2[32];
    gb_lthash_root(&back, r1);
    gb_lthash_root(&all, r2);
    GB_EXPECT(!memcmp(r1, r2, 32));
}

/* Each add or sub is one expansion, digests and merges none. */
static void test_expansion_count(void)
{
    uint8_t d[32];
    uint64_t n0 = gb_lthash_expansions();
    gb_lthash_digest(0, "x", 1, "y", 1, d);
    GB_EXPECT_U64(n0, gb_lthash_expansions());
    gb_lthash h, o;
    gb_lthash_zero(&h);
    gb_lthash_zero(&o);
    gb_lthash_add(&h, d);
    gb_lthash_sub(&h, d);
    gb_lthash_add(&h, d);
    gb_lthash_merge(&h, &o);
    GB_EXPECT_U64(n0 + 3, gb_lthash_expansions());
}

int main(void)
{
    GB_RUN(test_known_values);
    GB_RUN(test_commutative_and_inverse);
    GB_RUN(test_merge_and_encoding);
    GB_RUN(test_expansion_count);
    return gb_test_summary();
}
