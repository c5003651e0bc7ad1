/*
 * Substrate v4 extrinsics (node/sxt.h): the worked example of
 * shared/GEAR-RPC.md §3 — Balances.transfer_keep_alive(//Bob, 10000)
 * signed by //Alice (141 bytes after the length prefix), era period 128 phase 1, born at block 1 — decoded,
 * its hash, birth and sr25519 signature over the 115-byte payload
 * checked; a changed spec version, birth hash or signature byte fails.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "node/sxt.h"
#include "util/hex.h"

#define ALICE "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
#define BOB "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"
#define SIG                                                                 \
    "38fc749df238087fa129d90fd6e6ad7c5442b268e51dc9fd9c3905a97fdc3f289e7a2e"  \
    "361e734d7ac94a4b7904d0a472fe1fe48763e227c1493c5f9d25f2f18c"
#define GENESIS "1412075e3a6f3101da01f1973403b0836536f4694c22d83fed84f0ef6a49f3bd"
#define BIRTH "8deebdaa91a6488cb203fa071026dce80737c6ea9b0283aa058d243725f976bc"

static const char example[] = "3502" "84" "00" ALICE "01" SIG "1600" "00" "00"
                              "00" "0503" "00" BOB "419c";

static void unhex(const char *h, uint8_t *out, size_t n)
{
    size_t got;
    GB_EXPECT_ERR(GB_OK, gb_hex_decode(h, out, n, &got));
    GB_EXPECT_U64(n, got);
}

static void test_sxt_worked_example(void)
{
    uint8_t xt[143], genesis[32], birth[32];
    unhex(example, xt, sizeof xt);
    unhex(GENESIS, genesis, 32);
    unhex(BIRTH, birth, 32);
    gb_sxt x;
    char why[128] = "";
    GB_EXPECT_ERR(GB_OK, gb_sxt_decode(xt, sizeof xt, &x, why, sizeof why));
    GB_EXPECT_U64(1, x.sig_kind);
    GB_EXPECT(x.mortal);
    GB_EXPECT_U64(128, x.period);
    GB_EXPECT_U64(1, x.phase);
    GB_EXPECT_U64(0, x.nonce);
    GB_EXPECT_U64(0, x.mode);
    GB_EXPECT_U64(37, x.call_len); /* 05 03 00 <bob> 419c */
    GB_EXPECT_U64(5, x.call[0]);
    GB_EXPECT_U64(1, gb_sxt_birth(&x, 1));
    GB_EXPECT_U64(1, gb_sxt_birth(&x, 2));
    GB_EXPECT_U64(129, gb_sxt_birth(&x, 130));
    char h[65];
    gb_hex_encode(x.hash, 32, h);
    GB_EXPECT(!strncmp(h, "c9fec526", 8));
    GB_EXPECT(!strcmp(h + 58, "71d5d4"));

    GB_EXPECT_ERR(GB_OK, gb_sxt_verify(&x, 20000, 1, genesis, birth));
    GB_EXPECT_ERR(GB_INVALID, gb_sxt_verify(&x, 1990, 1, genesis, birth));
    GB_EXPECT_ERR(GB_INVALID, gb_sxt_verify(&x, 20000, 1, genesis, genesis));
    x.sig[5] ^= 1;
    GB_EXPECT_ERR(GB_INVALID, gb_sxt_verify(&x, 20000, 1, genesis, birth));
}

static void test_sxt_rejections(void)
{
    uint8_t xt[143];
    unhex(example, xt, sizeof xt);
    gb_sxt x;
    char why[128];
    GB_EXPECT_ERR(GB_DECODE, gb_sxt_decode(xt, 142, &x, why, sizeof why));
    uint8_t bad[143];
    memcpy(bad, xt, sizeof bad);
    bad[2] = 0x04; /* unsigned */
    GB_EXPECT_ERR(GB_DECODE, gb_sxt_decode(bad, 143, &x, why, sizeof why));
    memcpy(bad, xt, sizeof bad);
    bad[36] = 2; /* ECDSA */
    GB_EXPECT_ERR(GB_DECODE, gb_sxt_decode(bad, 143, &x, why, sizeof why));
}

int main(void)
{
    GB_RUN(test_sxt_worked_example);
    GB_RUN(test_sxt_rejections);
    return gb_test_summary();
}
