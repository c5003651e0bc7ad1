/*
 * Vouchers (chain.h "vouchers", Vara's GearVoucher): an owner issues a
 * voucher to a spender with no balance of its own, whose prepaid message
 * then runs with the fee and the gas paid by the voucher's account (the
 * gas left over back to it, the value conserved by the audit after every
 * block); a program the voucher does not list, a value the spender cannot
 * pay, a code upload the voucher does not allow, an expired voucher are
 * refused with Gear's error names; update (top-up, prolong, owner checks),
 * revoke only once expired (the balance back to the owner), decline
 * (prepaid by the voucher) and the replay of the whole chain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/devkeys.h"
#include "chain/chain_fixture.h"
#include "test.h"

#define GAS 5000000000ull
#define VARA 1000000000000ull

static gb_id alice(void) { return gb_dev_account_id(0); }
static gb_id bob(void) { return gb_dev_account_id(1); }

static gb_chain *open_chain(void)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.threads = 2;
    return fx_open_chain(&cfg);
}

/* A block, conservation checked; its result kept when out. */
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

static const gb_event *find_ev(const gb_block_result *r, gb_event_kind k)
{
    for (uint32_t i = 0; i < r->nevents; i++)
        if (r->events[i].kind == k)
            return &r->events[i];
    return NULL;
}

static gb_err submit(gb_chain *c, gb_tx tx, char *d, size_t len)
{
    d[0] = 0;
    return gb_chain_submit(c, &tx, NULL, d, len);
}

static gb_tx issue_tx(gb_id owner, gb_id spender, uint64_t vara,
                      const gb_id *programs, uint32_t n, bool code,
                      uint32_t duration, uint8_t *buf)
{
    size_t len = gb_chain_voucher_issue_args(programs, n, code, duration, buf);
    return (gb_tx){.kind = GB_TX_VOUCHER_ISSUE, .sender = owner,
                   .destination = spender,
                   .value = gb_u128_mul64(vara, VARA), .payload = buf,
                   .payload_len = (uint32_t)len};
}

static gb_tx prepaid_send(gb_id spender, gb_id voucher, gb_id dest)
{
    return (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = spender,
                   .destination = dest,
                   .payload = (const uint8_t *)"PING", .payload_len = 4,
                   .gas_limit = GAS, .voucher = voucher,
                   .fee_payer = voucher};
}

static bool eq128(gb_u128 a, gb_u128 b) { return !gb_u128_cmp(a, b); }

static void test_issue_call_update_revoke(void)
{
    gb_chain *c = open_chain();
    gb_id carol = {{0xca, 0x01}}; /* no balance at all */
    gb_id pid = fx_create_example(c, alice(), "ping", GAS);
    uint32_t len;
    uint8_t *code = fx_read_example("ping", &len);
    gb_id other = fx_submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                       .sender = alice(),
                                       .code_id = gb_code_id(code, len),
                                       .salt = (const uint8_t *)"2",
                                       .salt_len = 1, .gas_limit = GAS});
    block(c, NULL);
    char d[256];
    uint8_t args[GB_CHAIN_VOUCHER_ARGS_MAX];

    /* issue: 100 VARA for carol, only for pid */
    gb_u128 a0 = gb_chain_balance(c, alice());
    gb_tx is = issue_tx(alice(), carol, 100, &pid, 1, false, 20, args);
    gb_u128 issue_fee = gb_chain_tx_fee(gb_chain_config(c), &is);
    fx_submit(c, is);
    gb_block_result r;
    block(c, &r);
    uint32_t h_issue = r.height;
    const gb_event *ev = find_ev(&r, GB_EV_VOUCHER_ISSUED);
    gb_id vid = gb_chain_voucher_id(1);
    GB_EXPECT(ev != NULL);
    if (ev) {
        GB_EXPECT(gb_id_eq(ev->id, vid));
        GB_EXPECT(gb_id_eq(ev->source, alice()));
        GB_EXPECT(gb_id_eq(ev->destination, carol));
    }
    gb_block_result_free(&r);
    GB_EXPECT_U64(1, gb_chain_vouchers_issued(c));
    gb_chain_voucher v;
    GB_EXPECT_ERR(GB_OK, gb_chain_voucher_get(c, carol, vid, &v));
    GB_EXPECT(gb_id_eq(v.owner, alice()));
    GB_EXPECT_U64(h_issue + 20 + 1, v.expiry);
    GB_EXPECT(!v.any_program && v.nprograms == 1 &&
              gb_id_eq(v.programs[0], pid));
    GB_EXPECT(!v.code_uploading);
    GB_EXPECT(eq128(gb_u128_mul64(100, VARA), v.balance));
    GB_EXPECT(eq128(gb_chain_balance(c, alice()),
                    gb_u128_sub(gb_u128_sub(a0, gb_u128_mul64(100, VARA)),
                                issue_fee)));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_voucher_get(c, bob(), vid, &v));

    /* a prepaid PING from carol, who has nothing: the voucher pays */
    gb_id mid;
    gb_tx call = prepaid_send(carol, vid, pid);
    GB_EXPECT_ERR(GB_OK, gb_chain_submit(c, &call, &mid, d, sizeof d));
    block(c, &r);
    uint64_t burned = 0;
    bool pong = false;
    for (uint32_t i = 0; i < r.nevents; i++) {
        const gb_event *e = &r.events[i];
        if (e->kind == GB_EV_DISPATCHED && gb_id_eq(e->id, mid)) {
            GB_EXPECT_U64(GB_OUTCOME_SUCCESS, e->outcome);
            burned = e->gas_burned;
        }
        if (e->kind == GB_EV_USER_MESSAGE && gb_id_eq(e->destination, carol) &&
            e->payload_len == 4 && !memcmp(e->payload, "PONG", 4))
            pong = true;
        if (e->kind == GB_EV_MESSAGE_QUEUED && gb_id_eq(e->id, mid))
            GB_EXPECT(gb_id_eq(e->source, carol)); /* the spender sends */
    }
    gb_block_result_free(&r);
    GB_EXPECT(pong);
    GB_EXPECT(burned > 0);
    GB_EXPECT(gb_u128_is_zero(gb_chain_balance(c, carol)));
    GB_EXPECT_U64(1, gb_chain_nonce(c, carol));
    /* the voucher paid the fee and the gas burned, nothing more: what was
     * left of the gas limit came back to it */
    gb_u128 want = gb_u128_sub(gb_u128_mul64(100, VARA),
                               gb_chain_tx_fee(gb_chain_config(c), &call));
    want = gb_u128_sub(want, gb_chain_gas_value(burned));
    GB_EXPECT(eq128(want, gb_chain_balance(c, vid)));

    /* Gear's refusals */
    GB_EXPECT_ERR(GB_INVALID, submit(c, prepaid_send(carol, vid, other), d,
                                     sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "InappropriateDestination");
    gb_tx valued = prepaid_send(carol, vid, pid);
    valued.value = gb_u128_from(1); /* the value is the spender's */
    GB_EXPECT_ERR(GB_INVALID, submit(c, valued, d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "not enough balance for the value");
    uint32_t clen;
    uint8_t *ccode = fx_read_example("counter", &clen);
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_UPLOAD_CODE,
                                    .sender = carol, .code = ccode,
                                    .code_len = clen, .voucher = vid,
                                    .fee_payer = vid},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "CodeUploadingDisabled");
    free(ccode);
    gb_tx plain = prepaid_send(carol, vid, pid); /* no voucher: nothing */
    plain.voucher = plain.fee_payer = (gb_id){{0}};
    GB_EXPECT_ERR(GB_INVALID, submit(c, plain, d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "no balance");
    GB_EXPECT_ERR(GB_INVALID, submit(c, prepaid_send(bob(), vid, pid), d,
                                     sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "InexistentVoucher");
    gb_tx rv = {.kind = GB_TX_VOUCHER_REVOKE, .sender = alice(),
                .destination = carol, .voucher = vid};
    GB_EXPECT_ERR(GB_INVALID, submit(c, rv, d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "IrrevocableYet");
    rv.sender = bob();
    GB_EXPECT_ERR(GB_INVALID, submit(c, rv, d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "BadOrigin");
    rv.sender = alice();

    /* update: top up 1 VARA, prolong by 10 blocks */
    size_t ul = gb_chain_voucher_update_args(NULL, false, NULL, 0, -1, 10,
                                             args);
    gb_tx up = {.kind = GB_TX_VOUCHER_UPDATE, .sender = bob(),
                .destination = carol, .voucher = vid,
                .value = gb_u128_from(VARA), .payload = args,
                .payload_len = (uint32_t)ul};
    GB_EXPECT_ERR(GB_INVALID, submit(c, up, d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "BadOrigin");
    up.sender = alice();
    gb_u128 vb = gb_chain_balance(c, vid);
    fx_submit(c, up);
    block(c, &r);
    ev = find_ev(&r, GB_EV_VOUCHER_UPDATED);
    GB_EXPECT(ev && gb_id_eq(ev->id, vid) && gb_id_is_zero(ev->source));
    gb_block_result_free(&r);
    GB_EXPECT_ERR(GB_OK, gb_chain_voucher_get(c, carol, vid, &v));
    GB_EXPECT_U64(h_issue + 31, v.expiry);
    GB_EXPECT(eq128(gb_u128_add(vb, gb_u128_from(VARA), NULL), v.balance));
    ul = gb_chain_voucher_update_args(NULL, false, NULL, 0, -1,
                                      GB_CHAIN_VOUCHER_MAX_DURATION, args);
    up.payload_len = (uint32_t)ul;
    up.value = gb_u128_from(0);
    GB_EXPECT_ERR(GB_INVALID, submit(c, up, d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "DurationOutOfBounds");
    ul = gb_chain_voucher_update_args(NULL, false, NULL, 0, 0, 0, args);
    up.payload_len = (uint32_t)ul; /* code uploading cannot be taken back */
    GB_EXPECT_ERR(GB_OK, submit(c, up, d, sizeof d)); /* false == false */
    block(c, &r);
    GB_EXPECT(find_ev(&r, GB_EV_VOUCHER_UPDATED) == NULL); /* a no-op */
    gb_block_result_free(&r);

    /* expired: the call and a decline are refused, revoke works */
    while (gb_chain_height(c) + 1 < v.expiry)
        block(c, NULL);
    GB_EXPECT_ERR(GB_INVALID, submit(c, prepaid_send(carol, vid, pid), d,
                                     sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "VoucherExpired");
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_VOUCHER_DECLINE,
                                    .sender = carol, .voucher = vid,
                                    .fee_payer = vid},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "VoucherExpired");
    gb_u128 left = gb_chain_balance(c, vid), a1 = gb_chain_balance(c, alice());
    GB_EXPECT(!gb_u128_is_zero(left));
    fx_submit(c, rv);
    block(c, &r);
    GB_EXPECT(find_ev(&r, GB_EV_VOUCHER_REVOKED) != NULL);
    gb_block_result_free(&r);
    GB_EXPECT(gb_u128_is_zero(gb_chain_balance(c, vid)));
    GB_EXPECT(eq128(gb_chain_balance(c, alice()),
                    gb_u128_sub(gb_u128_add(a1, left, NULL),
                                gb_chain_tx_fee(gb_chain_config(c), &rv))));
    /* the voucher stays (Gear keeps it), empty */
    GB_EXPECT_ERR(GB_OK, gb_chain_voucher_get(c, carol, vid, &v));

    /* the whole chain replays to the same blocks and events */
    gb_chain_replay_opts o = {0};
    gb_chain_replay_report rep;
    GB_EXPECT_ERR(GB_OK, gb_chain_replay(c, &o, &rep));
    GB_EXPECT_U64(0, rep.bad);
    if (rep.bad)
        fprintf(stderr, "  replay: block %u: %s\n", rep.bad, rep.why);
    GB_EXPECT_U64(gb_chain_height(c), rep.replayed);
    free(code);
    gb_chain_close(c);
}

static void test_decline_and_limits(void)
{
    gb_chain *c = open_chain();
    char d[256];
    uint8_t args[GB_CHAIN_VOUCHER_ARGS_MAX];
    /* out of bounds */
    GB_EXPECT_ERR(GB_INVALID, submit(c, issue_tx(alice(), bob(), 1, NULL, 0,
                                                 false, 19, args),
                                     d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "DurationOutOfBounds");
    static uint8_t many[1 + 1 + 33 * 32 + 1 + 4];
    many[0] = 1;
    many[1] = 33 << 2;
    for (int i = 0; i < 33; i++)
        many[2 + 32 * i] = (uint8_t)i;
    many[sizeof many - 4] = 20; /* duration 20 (LE) */
    gb_tx big = {.kind = GB_TX_VOUCHER_ISSUE, .sender = alice(),
                 .destination = bob(), .value = gb_u128_from(VARA),
                 .payload = many, .payload_len = sizeof many};
    GB_EXPECT_ERR(GB_INVALID, submit(c, big, d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "MaxProgramsLimitExceeded");
    big.payload_len = 1; /* Some, and then nothing */
    GB_EXPECT_ERR(GB_INVALID, submit(c, big, d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "malformed");

    /* any program, 100 blocks; bob declines it, the voucher paying */
    fx_submit(c, issue_tx(alice(), bob(), 5, NULL, 0, true, 100, args));
    block(c, NULL);
    gb_id vid = gb_chain_voucher_id(1);
    gb_u128 b0 = gb_chain_balance(c, bob()), v0 = gb_chain_balance(c, vid);
    /* a code upload the voucher pays for (code_uploading) */
    uint32_t clen;
    uint8_t *ccode = fx_read_example("counter", &clen);
    gb_tx upl = {.kind = GB_TX_UPLOAD_CODE, .sender = bob(), .code = ccode,
                 .code_len = clen, .voucher = vid, .fee_payer = vid};
    fx_submit(c, upl);
    block(c, NULL);
    GB_EXPECT(gb_chain_code_exists(c, gb_code_id(ccode, clen)));
    GB_EXPECT(eq128(b0, gb_chain_balance(c, bob())));
    v0 = gb_u128_sub(v0, gb_chain_tx_fee(gb_chain_config(c), &upl));
    GB_EXPECT(eq128(v0, gb_chain_balance(c, vid)));
    free(ccode);
    gb_tx dec = {.kind = GB_TX_VOUCHER_DECLINE, .sender = bob(),
                 .voucher = vid, .fee_payer = vid};
    fx_submit(c, dec);
    gb_block_result r;
    block(c, &r);
    const gb_event *ev = find_ev(&r, GB_EV_VOUCHER_DECLINED);
    GB_EXPECT(ev && gb_id_eq(ev->id, vid) && gb_id_eq(ev->destination, bob()));
    uint32_t h = r.height;
    gb_block_result_free(&r);
    GB_EXPECT(eq128(b0, gb_chain_balance(c, bob())));
    GB_EXPECT(eq128(gb_u128_sub(v0, gb_chain_tx_fee(gb_chain_config(c), &dec)),
                    gb_chain_balance(c, vid)));
    gb_chain_voucher v;
    GB_EXPECT_ERR(GB_OK, gb_chain_voucher_get(c, bob(), vid, &v));
    GB_EXPECT_U64(h, v.expiry);
    /* declined: revocable at once */
    fx_submit(c, (gb_tx){.kind = GB_TX_VOUCHER_REVOKE, .sender = alice(),
                         .destination = bob(), .voucher = vid});
    block(c, &r);
    GB_EXPECT(find_ev(&r, GB_EV_VOUCHER_REVOKED) != NULL);
    gb_block_result_free(&r);
    /* listing: two vouchers of different spenders */
    fx_submit(c, issue_tx(alice(), alice(), 1, NULL, 0, false, 20, args));
    block(c, NULL);
    gb_chain_voucher_key *keys;
    uint32_t n;
    GB_EXPECT_ERR(GB_OK, gb_chain_voucher_list(c, NULL, NULL, NULL, 10,
                                               &keys, &n));
    GB_EXPECT_U64(2, n);
    free(keys);
    gb_id spender = bob();
    GB_EXPECT_ERR(GB_OK, gb_chain_voucher_list(c, &spender, NULL, NULL, 10,
                                               &keys, &n));
    GB_EXPECT_U64(1, n);
    if (n)
        GB_EXPECT(gb_id_eq(keys[0].id, vid));
    free(keys);
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_issue_call_update_revoke);
    GB_RUN(test_decline_and_limits);
    return gb_test_summary();
}
