/*
 * SS58 addresses (src/util/ss58.c): the dev accounts' addresses under
 * Vara's prefix 137 and Substrate's 42 (GEAR-RPC.md §4) both ways,
 * polkadot.js's Kusama-format vector, round trips over every one-byte
 * prefix and a spread of two-byte ones, and the rejections: a mistyped
 * character (bad checksum), characters outside base58, wrong lengths, a
 * prefix out of range.
 */
#include "test.h"

#include "util/hex.h"
#include "util/ss58.h"

#include "gearbox/err.h"

static const struct {
    const char *hex, *ss42, *ss137;
} dev[] = {
    {"d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",
     "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
     "kGkLEU3e3XXkJp2WK4eNpVmSab5xUNL9QtmLPh8QfCL2EgotW"},
    {"8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48",
     "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
     "kGim5ByTuPokQf21odiQskRXcVEwaunk5PwC4dmGz8M6zuwkq"},
    {"90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22",
     "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y",
     "kGiojG9bwioe3HdRUAW1Ck5yuKNcxu6cvpiTQAma6QkHXDD8X"},
    {"306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20",
     "5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy",
     "kGgdTLL8uvpgiaiGVQyRB3TuLTYGTEADrFkcN2DSqJooJETwB"},
    {"e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e",
     "5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw",
     "kGkk23e43fCTvJL84ACPuAaJ2Sxn82GcVSoSUjJQV88tfFZQ5"},
    {"1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c",
     "5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL",
     "kGgBfwM4KpmRKYfkXUt8CQvjuNfJKVkcvJkYuMBaw9pCDoCjH"},
};

static void account_of(const char *hex, uint8_t out[32])
{
    size_t got = 0;
    GB_EXPECT_ERR(GB_OK, gb_hex_decode(hex, out, 32, &got));
    GB_EXPECT_U64(32, got);
}

static void test_ss58_dev_accounts(void)
{
    for (size_t i = 0; i < sizeof dev / sizeof *dev; i++) {
        uint8_t acc[32], back[32];
        char s[GB_SS58_MAX_LEN + 1];
        uint16_t prefix = 0;
        account_of(dev[i].hex, acc);
        GB_EXPECT_ERR(GB_OK, gb_ss58_encode(GB_SS58_SUBSTRATE, acc, s));
        GB_EXPECT(!strcmp(s, dev[i].ss42));
        GB_EXPECT_ERR(GB_OK, gb_ss58_encode(GB_SS58_VARA, acc, s));
        GB_EXPECT(!strcmp(s, dev[i].ss137));

        GB_EXPECT_ERR(GB_OK, gb_ss58_decode(dev[i].ss42, &prefix, back, NULL, 0));
        GB_EXPECT_U64(42, prefix);
        GB_EXPECT(!memcmp(acc, back, 32));
        memset(back, 0, 32);
        GB_EXPECT_ERR(GB_OK, gb_ss58_decode(dev[i].ss137, &prefix, back, NULL, 0));
        GB_EXPECT_U64(137, prefix);
        GB_EXPECT(!memcmp(acc, back, 32));
    }
}

/* polkadot-js/common signature/verify.spec.ts: a Kusama (prefix 2)
 * address and its public key. */
static void test_ss58_polkadot_js_vector(void)
{
    uint8_t acc[32], want[32];
    uint16_t prefix = 0;
    char s[GB_SS58_MAX_LEN + 1];
    account_of("4ccb70b12eb845976ed0d08b391b1b9681e9b5858bf46b826bb85caa5395d525",
               want);
    GB_EXPECT_ERR(GB_OK, gb_ss58_decode(
        "EK1bFgKm2FsghcttHT7TB7rNyXApFgs9fCbijMGQNyFGBQm", &prefix, acc, NULL, 0));
    GB_EXPECT_U64(2, prefix);
    GB_EXPECT(!memcmp(acc, want, 32));
    GB_EXPECT_ERR(GB_OK, gb_ss58_encode(2, want, s));
    GB_EXPECT(!strcmp(s, "EK1bFgKm2FsghcttHT7TB7rNyXApFgs9fCbijMGQNyFGBQm"));
}

static void test_ss58_round_trips(void)
{
    uint8_t acc[32], back[32];
    char s[GB_SS58_MAX_LEN + 1];
    uint16_t prefix;
    static const uint16_t two[] = {64, 65, 127, 128, 137, 255, 256, 1000,
                                   4095, 8191, 16383};
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 32; i++) /* all zeros, all 0xff, a mix */
            acc[i] = k == 0 ? 0 : k == 1 ? 0xff : (uint8_t)(i * 37 + 11);
        for (uint16_t p = 0; p < 64 + sizeof two / sizeof *two; p++) {
            uint16_t pre = p < 64 ? p : two[p - 64];
            GB_EXPECT_ERR(GB_OK, gb_ss58_encode(pre, acc, s));
            GB_EXPECT(strlen(s) <= GB_SS58_MAX_LEN);
            prefix = 0xffff;
            GB_EXPECT_ERR(GB_OK, gb_ss58_decode(s, &prefix, back, NULL, 0));
            GB_EXPECT_U64(pre, prefix);
            GB_EXPECT(!memcmp(acc, back, 32));
        }
    }
    GB_EXPECT_ERR(GB_INVAL, gb_ss58_encode(16384, acc, s));
    GB_EXPECT(s[0] == 0);
}

static void test_ss58_rejections(void)
{
    uint8_t acc[32] = {0}, keep[32] = {0};
    uint16_t prefix = 7;
    char detail[256], s[64];

    /* one character changed: the checksum catches it */
    strcpy(s, dev[0].ss137);
    s[10] = s[10] == 'a' ? 'b' : 'a';
    detail[0] = 0;
    GB_EXPECT_ERR(GB_INVALID, gb_ss58_decode(s, &prefix, acc, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "checksum");
    strcpy(s, dev[1].ss42);
    s[strlen(s) - 1] = s[strlen(s) - 1] == 'z' ? 'y' : 'z';
    GB_EXPECT_ERR(GB_INVALID, gb_ss58_decode(s, &prefix, acc, detail, sizeof detail));

    /* not base58 */
    strcpy(s, dev[0].ss42);
    s[3] = '0';
    GB_EXPECT_ERR(GB_MALFORMED, gb_ss58_decode(s, &prefix, acc, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "'0' is not a base58");
    GB_EXPECT_ERR(GB_MALFORMED, gb_ss58_decode("0xd43593c7", &prefix, acc, NULL, 0));
    GB_EXPECT_ERR(GB_MALFORMED, gb_ss58_decode("alice", &prefix, acc, NULL, 0));

    /* wrong lengths */
    strcpy(s, dev[0].ss42);
    s[strlen(s) - 2] = 0;
    GB_EXPECT_ERR(GB_MALFORMED, gb_ss58_decode(s, &prefix, acc, detail, sizeof detail));
    GB_EXPECT_ERR(GB_MALFORMED, gb_ss58_decode("", &prefix, acc, detail, sizeof detail));
    strcpy(s, dev[0].ss42);
    strcat(s, "11");
    GB_EXPECT_ERR(GB_MALFORMED, gb_ss58_decode(s, &prefix, acc, NULL, 0));
    GB_EXPECT_ERR(GB_MALFORMED, gb_ss58_decode(
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        &prefix, acc, NULL, 0));
    GB_EXPECT_ERR(GB_INVAL, gb_ss58_decode(NULL, &prefix, acc, NULL, 0));

    GB_EXPECT_U64(7, prefix); /* nothing written on failure */
    GB_EXPECT(!memcmp(acc, keep, 32));
}

int main(void)
{
    GB_RUN(test_ss58_dev_accounts);
    GB_RUN(test_ss58_polkadot_js_vector);
    GB_RUN(test_ss58_round_trips);
    GB_RUN(test_ss58_rejections);
    return gb_test_summary();
}
