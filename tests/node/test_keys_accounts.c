/*
 * Accounts written as text and sr25519 key files (src/node/keys.c): every
 * form gb_account_parse accepts (gearbox's dev names, "sr:" Substrate dev
 * names, hex, SS58 with prefix 137 or 42, key files of both schemes) and
 * what it refuses (another network's SS58, a bad checksum, unknown names);
 * sr25519 key files written and read back, and refused where an ed25519
 * key must sign.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#include "node/keys.h"
#include "util/hex.h"
#include "util/sr25519.h"
#include "util/ss58.h"

#include "gearbox/err.h"

static const char alice_sr[] =
    "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

static void expect_id(const char *want_hex, const uint8_t id[32])
{
    char h[65];
    gb_hex_encode(id, 32, h);
    GB_EXPECT_STR_CONTAINS(h, want_hex);
}

static void test_account_parse_forms(void)
{
    uint8_t id[32], want[32];
    char detail[512] = "";

    /* gearbox's ed25519 dev names are unchanged */
    GB_EXPECT_ERR(GB_OK, gb_account_parse("alice", id, detail, sizeof detail));
    gb_id ed = gb_dev_account_id(0);
    GB_EXPECT(!memcmp(id, ed.b, 32));
    GB_EXPECT_ERR(GB_OK, gb_account_parse("//Harry", id, detail, sizeof detail));
    ed = gb_dev_account_id(7);
    GB_EXPECT(!memcmp(id, ed.b, 32));

    /* Substrate's, with "sr:" */
    GB_EXPECT_ERR(GB_OK, gb_account_parse("sr:alice", id, detail, sizeof detail));
    expect_id(alice_sr, id);
    GB_EXPECT_ERR(GB_OK, gb_account_parse("SR://Alice", id, detail, sizeof detail));
    expect_id(alice_sr, id);
    GB_EXPECT_ERR(GB_OK, gb_account_parse("sr:Ferdie", id, detail, sizeof detail));
    expect_id("1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c", id);

    /* hex and SS58 (Vara's 137 and Substrate's 42) */
    GB_EXPECT_ERR(GB_OK, gb_account_parse(
        "0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48",
        want, detail, sizeof detail));
    GB_EXPECT_ERR(GB_OK, gb_account_parse(
        "kGim5ByTuPokQf21odiQskRXcVEwaunk5PwC4dmGz8M6zuwkq", id, detail,
        sizeof detail));
    GB_EXPECT(!memcmp(id, want, 32));
    memset(id, 0, 32);
    GB_EXPECT_ERR(GB_OK, gb_account_parse(
        "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty", id, detail,
        sizeof detail));
    GB_EXPECT(!memcmp(id, want, 32));
}

static void test_account_parse_refusals(void)
{
    uint8_t id[32] = {0}, zero[32] = {0};
    char detail[512] = "";
    /* Kusama (prefix 2): a real address, of another network */
    GB_EXPECT_ERR(GB_UNSUPPORTED, gb_account_parse(
        "EK1bFgKm2FsghcttHT7TB7rNyXApFgs9fCbijMGQNyFGBQm", id, detail,
        sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "network 2");
    /* a mistyped Vara address */
    GB_EXPECT_ERR(GB_INVALID, gb_account_parse(
        "kGim5ByTuPokQf21odiQskRXcVEwaunk5PwC4dmGz8M6zuwkQ", id, detail,
        sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "checksum");
    /* neither a name, nor hex, nor an address, nor a file */
    GB_EXPECT_ERR(GB_IO, gb_account_parse("mallory", id, detail, sizeof detail));
    GB_EXPECT_ERR(GB_IO, gb_account_parse("sr:george", id, detail, sizeof detail));
    GB_EXPECT_ERR(GB_IO, gb_account_parse("0x1234", id, detail, sizeof detail));
    GB_EXPECT_ERR(GB_INVAL, gb_account_parse("", id, detail, sizeof detail));
    GB_EXPECT_ERR(GB_INVAL, gb_account_parse(NULL, id, detail, sizeof detail));
    GB_EXPECT(!memcmp(id, zero, 32));
}

static void test_sr25519_key_files(void)
{
    char dir[] = "/tmp/gb_test_srkeys_XXXXXX";
    if (!mkdtemp(dir)) {
        GB_FAIL_("mkdtemp failed");
        return;
    }
    char path[128], detail[512] = "";
    snprintf(path, sizeof path, "%s/key", dir);
    uint8_t seed[32], back[32], pk[32], id[32];
    gb_key_scheme scheme = GB_KEY_ED25519;
    GB_EXPECT_ERR(GB_OK, gb_key_random_seed(seed));
    GB_EXPECT_ERR(GB_OK, gb_key_file_write_scheme(path, GB_KEY_SR25519, seed,
                                                  false, detail, sizeof detail));
    struct stat st;
    GB_EXPECT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    char text[128] = "";
    FILE *f = fopen(path, "r");
    GB_EXPECT(f && fgets(text, sizeof text, f));
    if (f)
        fclose(f);
    GB_EXPECT(!strncmp(text, "sr25519:0x", 10));
    GB_EXPECT_U64(10 + 64 + 1, strlen(text));

    GB_EXPECT_ERR(GB_OK, gb_key_file_read_scheme(path, &scheme, back, detail,
                                                 sizeof detail));
    GB_EXPECT_U64(GB_KEY_SR25519, scheme);
    GB_EXPECT(!memcmp(seed, back, 32));
    /* its account: the sr25519 public key of the seed (mini secret) */
    GB_EXPECT_ERR(GB_OK, gb_key_public(GB_KEY_SR25519, seed, pk));
    GB_EXPECT_ERR(GB_OK, gb_account_parse(path, id, detail, sizeof detail));
    GB_EXPECT(!memcmp(pk, id, 32));
    /* it cannot sign gearbox transactions: refused where ed25519 must */
    GB_EXPECT_ERR(GB_UNSUPPORTED, gb_key_file_read(path, back, detail,
                                                   sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "sr25519");
    GB_EXPECT_ERR(GB_UNSUPPORTED, gb_key_resolve(path, back, NULL, detail,
                                                 sizeof detail));
    GB_EXPECT_ERR(GB_UNSUPPORTED, gb_key_resolve("sr:bob", back, NULL, detail,
                                                 sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "use bob");

    /* an ed25519 file, with or without its tag, reads as ed25519 */
    GB_EXPECT_ERR(GB_OK, gb_key_file_write_scheme(path, GB_KEY_ED25519, seed,
                                                  true, detail, sizeof detail));
    GB_EXPECT_ERR(GB_OK, gb_key_file_read_scheme(path, &scheme, back, detail,
                                                 sizeof detail));
    GB_EXPECT_U64(GB_KEY_ED25519, scheme);
    f = fopen(path, "w");
    fputs("ed25519:", f);
    for (int i = 0; i < 32; i++)
        fprintf(f, "%02x", seed[i]);
    fclose(f);
    chmod(path, 0600);
    GB_EXPECT_ERR(GB_OK, gb_key_file_read(path, back, detail, sizeof detail));
    GB_EXPECT(!memcmp(seed, back, 32));
    f = fopen(path, "w");
    fputs("sr25519:zz\n", f);
    fclose(f);
    GB_EXPECT_ERR(GB_MALFORMED, gb_key_file_read_scheme(path, &scheme, back,
                                                        detail, sizeof detail));
    GB_EXPECT_ERR(GB_INVAL, gb_key_file_write_scheme(path, (gb_key_scheme)7,
                                                     seed, true, detail,
                                                     sizeof detail));
    unlink(path);
    rmdir(dir);
}

static void test_resolve_scheme_dev_names(void)
{
    uint8_t seed[32], mini[32], pk[32];
    gb_key_scheme scheme;
    uint32_t idx = 0;
    char detail[256];
    GB_EXPECT_ERR(GB_OK, gb_key_resolve_scheme("sr:charlie", &scheme, seed,
                                               &idx, detail, sizeof detail));
    GB_EXPECT_U64(GB_KEY_SR25519, scheme);
    GB_EXPECT_U64(2, idx);
    GB_EXPECT_ERR(GB_OK, gb_sr25519_dev_keypair(2, mini, NULL, NULL));
    GB_EXPECT(!memcmp(seed, mini, 32));
    GB_EXPECT_ERR(GB_OK, gb_key_public(scheme, seed, pk));
    expect_id("90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22",
              pk);
    GB_EXPECT_ERR(GB_OK, gb_key_resolve_scheme("charlie", &scheme, seed, &idx,
                                               detail, sizeof detail));
    GB_EXPECT_U64(GB_KEY_ED25519, scheme);
    GB_EXPECT_U64(2, idx);
    GB_EXPECT(!strcmp(gb_key_scheme_name(GB_KEY_SR25519), "sr25519"));
    GB_EXPECT(!strcmp(gb_key_scheme_name((gb_key_scheme)9), "unknown"));
    uint32_t j;
    GB_EXPECT(gb_sr_dev_lookup("sr:EVE", &j) && j == 4);
    GB_EXPECT(!gb_sr_dev_lookup("eve", &j));
    GB_EXPECT(!gb_sr_dev_lookup("sr:", &j));
}

int main(void)
{
    GB_RUN(test_account_parse_forms);
    GB_RUN(test_account_parse_refusals);
    GB_RUN(test_sr25519_key_files);
    GB_RUN(test_resolve_scheme_dev_names);
    return gb_test_summary();
}
