/*
 * Transaction fees and the code cache's bound (issue #19.4): an account
 * with no balance cannot submit anything, a message or program creation
 * with gas limit 0 is refused, every applied transaction pays
 * gb_chain_tx_fee (base + per byte) from its payer, burned and counted
 * in the audit (issuance == accounts + programs + held + burned + fees),
 * a code upload's fee may be paid by another account (the node's
 * upload_program), and the code cache stays within its limit between
 * blocks while programs whose code it dropped keep running (their code
 * prepared again from the store).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "gear/codes.h"
#include "test.h"

#define GAS 5000000000ull

static gb_id alice(void) { return gb_dev_account_id(0); }
static gb_id bob(void) { return gb_dev_account_id(1); }

static gb_chain *open_chain(uint64_t cache_bytes)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.threads = 2;
    if (cache_bytes)
        cfg.code_cache_bytes = cache_bytes;
    gb_chain *c = NULL;
    char detail[256] = "";
    gb_err e = gb_chain_open(&cfg, &c, detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e) {
        fprintf(stderr, "open: %s\n", detail);
        exit(1);
    }
    return c;
}

static void block(gb_chain *c, gb_block_result *out)
{
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
    fx_check_conservation(c);
    if (out)
        *out = r;
    else
        gb_block_result_free(&r);
}

static gb_u128 add(gb_u128 a, gb_u128 b) { return gb_u128_add(a, b, NULL); }

static gb_err submit(gb_chain *c, gb_tx tx, char *detail, size_t len)
{
    detail[0] = 0;
    return gb_chain_submit(c, &tx, NULL, detail, len);
}

static void test_refused(void)
{
    gb_chain *c = open_chain(0);
    uint32_t len;
    uint8_t *code = fx_read_example("ping", &len);
    gb_id poor = {{0x90, 0x02}}; /* no account at all */
    char d[256];
    /* an empty account can do nothing: each is refused at submit */
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_UPLOAD_CODE, .sender = poor,
                                    .code = code, .code_len = len},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "no balance to pay the transaction fee");
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_TRANSFER, .sender = poor,
                                    .destination = bob()},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "no balance");
    /* the zero account (the node's upload_program code part) without a
     * payer likewise */
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_UPLOAD_CODE,
                                    .code = code, .code_len = len},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "no balance");
    /* a payer only for code uploads */
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_TRANSFER, .sender = poor,
                                    .fee_payer = alice(),
                                    .destination = bob(),
                                    .value = gb_u128_from(1)},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "only a code upload");
    /* gas limit 0 to a program: refused (it could not run) */
    gb_id cid = gb_code_id(code, len);
    GB_EXPECT_ERR(GB_OK, submit(c, (gb_tx){.kind = GB_TX_UPLOAD_CODE,
                                           .sender = alice(), .code = code,
                                           .code_len = len},
                                d, sizeof d));
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                    .sender = alice(), .code_id = cid},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "gas limit 0");
    gb_id pid;
    gb_tx cr = {.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                .code_id = cid, .gas_limit = GAS};
    GB_EXPECT_ERR(GB_OK, gb_chain_submit(c, &cr, &pid, d, sizeof d));
    block(c, NULL);
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE,
                                    .sender = alice(), .destination = pid,
                                    .payload = (const uint8_t *)"PING",
                                    .payload_len = 4},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "gas limit 0");
    /* an account holding less than the fee */
    gb_u128 F = fx_fee(c, 0);
    fx_submit(c, (gb_tx){.kind = GB_TX_TRANSFER, .sender = alice(),
                         .destination = poor,
                         .value = gb_u128_sub(F, gb_u128_from(1))});
    block(c, NULL);
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_TRANSFER, .sender = poor,
                                    .destination = bob()},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "not enough balance for the transaction fee");
    free(code);
    gb_chain_close(c);
}

static void test_charged(void)
{
    gb_chain *c = open_chain(0);
    const gb_chain_cfg *cfg = gb_chain_config(c);
    GB_EXPECT_U64(GB_CHAIN_TX_BASE_FEE, cfg->tx_base_fee);
    GB_EXPECT_U64(GB_CHAIN_TX_BYTE_FEE, cfg->tx_byte_fee);
    uint32_t len;
    uint8_t *code = fx_read_example("ping", &len);
    gb_tx up = {.kind = GB_TX_UPLOAD_CODE, .sender = alice(), .code = code,
                .code_len = len};
    gb_u128 fee_up = gb_chain_tx_fee(cfg, &up);
    /* the model: base + per byte of code, salt and payload */
    GB_EXPECT(!gb_u128_cmp(fee_up,
                           add(gb_u128_from(GB_CHAIN_TX_BASE_FEE),
                               gb_u128_mul64(GB_CHAIN_TX_BYTE_FEE, len))));
    gb_u128 a0 = gb_chain_balance(c, alice());
    fx_submit(c, up);
    block(c, NULL);
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, alice()),
                           gb_u128_sub(a0, fee_up)));
    gb_chain_totals t;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &t));
    GB_EXPECT(!gb_u128_cmp(t.fees, fee_up));
    /* a message: its fee + the gas it burned */
    gb_id pid;
    char d[256];
    gb_tx cr = {.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                .code_id = gb_code_id(code, len),
                .salt = (const uint8_t *)"s", .salt_len = 1,
                .gas_limit = GAS};
    GB_EXPECT_ERR(GB_OK, gb_chain_submit(c, &cr, &pid, d, sizeof d));
    block(c, NULL);
    gb_u128 b0 = gb_chain_balance(c, bob());
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &t));
    gb_u128 fees0 = t.fees, burned0 = t.burned;
    fx_submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = bob(),
                         .destination = pid,
                         .payload = (const uint8_t *)"PING", .payload_len = 4,
                         .gas_limit = GAS});
    block(c, NULL);
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &t));
    gb_u128 burned = gb_u128_sub(t.burned, burned0);
    GB_EXPECT(!gb_u128_is_zero(burned));
    GB_EXPECT(!gb_u128_cmp(gb_u128_sub(t.fees, fees0), fx_fee(c, 4)));
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, bob()),
                           gb_u128_sub(b0, add(burned, fx_fee(c, 4)))));
    /* a code upload paid for by another account: the zero account
     * uploads, bob pays the fee */
    code[len] = 0, code[len + 1] = 2, code[len + 2] = 1, code[len + 3] = 'x';
    gb_tx up2 = {.kind = GB_TX_UPLOAD_CODE, .fee_payer = bob(),
                 .code = code, .code_len = len + 4};
    gb_u128 fee2 = gb_chain_tx_fee(cfg, &up2);
    b0 = gb_chain_balance(c, bob());
    fx_submit(c, up2);
    block(c, NULL);
    GB_EXPECT(gb_chain_code_exists(c, gb_code_id(code, len + 4)));
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, bob()),
                           gb_u128_sub(b0, fee2)));
    GB_EXPECT(gb_u128_is_zero(gb_chain_balance(c, (gb_id){{0}})));
    free(code);
    gb_chain_close(c);
}

#define NCODES 8

static void test_cache_bounded(void)
{
    uint32_t len;
    uint8_t *base = fx_read_example("ping", &len);
    /* the footprint of one prepared ping, from a chain with the default
     * limit */
    gb_chain *c = open_chain(0);
    fx_submit(c, (gb_tx){.kind = GB_TX_UPLOAD_CODE, .sender = alice(),
                         .code = base, .code_len = len});
    gb_chain_cache_stats st;
    gb_chain_code_cache_stats(c, &st);
    GB_EXPECT_U64(1, st.codes);
    GB_EXPECT_U64(GB_CHAIN_CODE_CACHE_BYTES, st.limit);
    uint64_t one = st.bytes;
    gb_chain_close(c);

    /* room for about 3: 8 programs of 8 codes still all answer */
    c = open_chain(3 * one + one / 2);
    gb_id pid[NCODES];
    char d[256];
    for (int i = 0; i < NCODES; i++) {
        uint8_t *v = malloc(len + 5);
        memcpy(v, base, len);
        const uint8_t sec[5] = {0, 3, 1, 'n', (uint8_t)i};
        memcpy(v + len, sec, 5);
        fx_submit(c, (gb_tx){.kind = GB_TX_UPLOAD_CODE, .sender = alice(),
                             .code = v, .code_len = len + 5});
        gb_tx cr = {.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                    .code_id = gb_code_id(v, len + 5), .gas_limit = GAS};
        GB_EXPECT_ERR(GB_OK, gb_chain_submit(c, &cr, &pid[i], d, sizeof d));
        free(v);
        gb_chain_code_cache_stats(c, &st);
        GB_EXPECT(st.bytes <= st.limit);
    }
    block(c, NULL);
    gb_chain_code_cache_stats(c, &st);
    GB_EXPECT(st.bytes <= st.limit && st.codes <= 3);
    for (int round = 0; round < 2; round++) {
        uint64_t prepared = st.prepared;
        for (int i = 0; i < NCODES; i++)
            fx_submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE,
                                 .sender = bob(), .destination = pid[i],
                                 .payload = (const uint8_t *)"PING",
                                 .payload_len = 4, .gas_limit = GAS});
        gb_block_result r;
        block(c, &r);
        uint32_t pongs = 0;
        for (uint32_t i = 0; i < r.nevents; i++)
            if (r.events[i].kind == GB_EV_USER_MESSAGE &&
                r.events[i].is_reply && r.events[i].payload_len == 4 &&
                !memcmp(r.events[i].payload, "PONG", 4))
                pongs++;
        GB_EXPECT_U64(NCODES, pongs);
        gb_block_result_free(&r);
        gb_chain_code_cache_stats(c, &st);
        GB_EXPECT(st.bytes <= st.limit && st.codes <= 3);
        /* the codes dropped were prepared again from the store */
        GB_EXPECT(st.prepared >= prepared + NCODES - 3);
    }
    free(base);
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_refused);
    GB_RUN(test_charged);
    GB_RUN(test_cache_bounded);
    return gb_test_summary();
}
