/*
 * Merlin transcripts over STROBE-128 (src/util/merlin.c): the published
 * test vector of dalek-cryptography/merlin (reproduced in GEAR-RPC.md §4),
 * transcripts that differ in one label or byte giving different
 * challenges, long inputs crossing the 166-byte STROBE block, and the
 * witness generator being a fork that leaves its transcript alone.
 */
#include "test.h"

#include "util/hex.h"
#include "util/merlin.h"

#include "gearbox/err.h"

static void expect_hex(const char *want, const uint8_t *got, size_t len)
{
    char buf[2 * 64 + 1];
    gb_hex_encode(got, len, buf);
    GB_EXPECT_STR_CONTAINS(buf, want);
    GB_EXPECT_U64(strlen(want), strlen(buf));
}

/* merlin's transcript::tests::equivalence_simple. */
static void test_merlin_published_vector(void)
{
    gb_merlin t;
    uint8_t c[32];
    gb_merlin_init(&t, "test protocol");
    gb_merlin_append(&t, "some label", "some data", 9);
    gb_merlin_challenge(&t, "challenge", c, sizeof c);
    expect_hex("d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615",
               c, 32);
}

static void challenge_of(const char *proto, const char *label,
                         const void *msg, size_t len, uint8_t out[32])
{
    gb_merlin t;
    gb_merlin_init(&t, proto);
    gb_merlin_append(&t, label, msg, len);
    gb_merlin_challenge(&t, "challenge", out, 32);
}

static void test_merlin_inputs_matter(void)
{
    uint8_t a[32], b[32];
    challenge_of("test protocol", "some label", "some data", 9, a);
    challenge_of("test protocol", "some label", "some datb", 9, b);
    GB_EXPECT(memcmp(a, b, 32) != 0);
    challenge_of("test protocol", "some labem", "some data", 9, b);
    GB_EXPECT(memcmp(a, b, 32) != 0);
    challenge_of("test protocoL", "some label", "some data", 9, b);
    GB_EXPECT(memcmp(a, b, 32) != 0);
    /* the length is framed: "some dat" + "a" under one label is not
     * "some data" */
    challenge_of("test protocol", "some label", "some dat", 8, b);
    GB_EXPECT(memcmp(a, b, 32) != 0);
    challenge_of("test protocol", "some label", "some data", 9, b);
    GB_EXPECT(memcmp(a, b, 32) == 0);
}

/* Inputs and outputs longer than a STROBE block (166 bytes) go through
 * the permutation mid-operation; the results are deterministic and a
 * change in the last byte shows. */
static void test_merlin_long_inputs(void)
{
    uint8_t msg[1000], a[500], b[500];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7);
    gb_merlin t, u;
    gb_merlin_init(&t, "long");
    gb_merlin_append(&t, "m", msg, sizeof msg);
    u = t;
    gb_merlin_challenge(&t, "c", a, sizeof a);
    gb_merlin_challenge(&u, "c", b, sizeof b);
    GB_EXPECT(memcmp(a, b, sizeof a) == 0);
    msg[999] ^= 1;
    gb_merlin_init(&t, "long");
    gb_merlin_append(&t, "m", msg, sizeof msg);
    gb_merlin_challenge(&t, "c", b, sizeof b);
    GB_EXPECT(memcmp(a, b, sizeof a) != 0);
    GB_EXPECT(memcmp(a + 400, b + 400, 100) != 0);
}

/* The witness generator: a copy, keyed by the witness and the random
 * bytes; the transcript it came from is unchanged. */
static void test_merlin_witness_rng(void)
{
    gb_merlin t, r1, r2;
    uint8_t before[32], after[32], w1[64], w2[64];
    uint8_t rnd[32] = {1, 2, 3};
    gb_merlin_init(&t, "witness");
    gb_merlin_append(&t, "m", "x", 1);
    gb_merlin u = t;
    gb_merlin_challenge(&u, "c", before, 32);

    r1 = t;
    gb_merlin_rng_rekey(&r1, "signing", "secret", 6);
    gb_merlin_rng_finalize(&r1, rnd);
    gb_merlin_rng_fill(&r1, w1, sizeof w1);
    r2 = t;
    gb_merlin_rng_rekey(&r2, "signing", "secret", 6);
    gb_merlin_rng_finalize(&r2, rnd);
    gb_merlin_rng_fill(&r2, w2, sizeof w2);
    GB_EXPECT(memcmp(w1, w2, 64) == 0);
    rnd[31] = 9;
    r2 = t;
    gb_merlin_rng_rekey(&r2, "signing", "secret", 6);
    gb_merlin_rng_finalize(&r2, rnd);
    gb_merlin_rng_fill(&r2, w2, sizeof w2);
    GB_EXPECT(memcmp(w1, w2, 64) != 0);
    r2 = t;
    gb_merlin_rng_rekey(&r2, "signing", "secreT", 6);
    gb_merlin_rng_finalize(&r2, (uint8_t[32]){1, 2, 3});
    gb_merlin_rng_fill(&r2, w2, sizeof w2);
    GB_EXPECT(memcmp(w1, w2, 64) != 0);

    gb_merlin_challenge(&t, "c", after, 32);
    GB_EXPECT(memcmp(before, after, 32) == 0);
    gb_merlin_wipe(&r1);
    static const gb_merlin zero;
    GB_EXPECT(memcmp(&r1, &zero, sizeof zero) == 0);
}

int main(void)
{
    GB_RUN(test_merlin_published_vector);
    GB_RUN(test_merlin_inputs_matter);
    GB_RUN(test_merlin_long_inputs);
    GB_RUN(test_merlin_witness_rng);
    return gb_test_summary();
}
