/*
 * Value is never made from nothing (issue #19, item 1).
 *
 * The attack that worked: a message with value 2^128-1 and some gas.  Its
 * cost (value + gas) wrapped to less than the gas, the sender paid that,
 * the program was credited 2^128-1 and paid it out (the test actor's 'M'
 * sends the message's value back to the source).  The audit did not see
 * it: its own sums wrapped the same way, so they still met the issuance.
 *
 * Here: the attack is refused at submit for every kind that carries
 * value; a transaction that got past submit with such an amount (a patched
 * pending entry standing for a bug there, or a block from elsewhere) is
 * dropped when applied; the audit's checked sums catch a state whose true
 * total is above the issuance even when the wrapped sum equals it; and a
 * property test throws extreme amounts at submit and apply for many
 * blocks, checking after each that value is conserved and no balance
 * exceeds the issuance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "chain/chain_int.h" /* the pending pool and the store, to tamper */
#include "test.h"
#include "util/hex.h"

#define GAS 5000000000ull

static const gb_u128 MAX = {UINT64_MAX, UINT64_MAX};

static gb_id dev(uint32_t i) { return gb_dev_account_id(i); }

static gb_chain *open_chain(void) { return fx_open_chain(NULL); }

static void block(gb_chain *c)
{
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
    gb_block_result_free(&r);
    fx_check_conservation(c);
}

/* The test actor, created by dev 0 with this salt; one block produced. */
static gb_id actor(gb_chain *c, const char *salt)
{
    uint32_t len;
    uint8_t *code = fx_actor_wasm(&len);
    gb_id cid = gb_code_id(code, len);
    gb_tx up = {.kind = GB_TX_UPLOAD_CODE, .sender = dev(0), .code = code,
                .code_len = len};
    gb_chain_submit(c, &up, NULL, NULL, 0); /* maybe already there */
    free(code);
    gb_id pid = fx_submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                     .sender = dev(0), .code_id = cid,
                                     .salt = (const uint8_t *)salt,
                                     .salt_len = (uint32_t)strlen(salt),
                                     .gas_limit = GAS});
    block(c);
    return pid;
}

static gb_err submit(gb_chain *c, gb_tx tx, char *detail, size_t n)
{
    detail[0] = 0;
    return gb_chain_submit(c, &tx, NULL, detail, n);
}

static gb_u128 u128(uint64_t hi, uint64_t lo) { return (gb_u128){lo, hi}; }

/* ---- arithmetic ---------------------------------------------------------- */

static void test_u128_checked(void)
{
    gb_u128 a = MAX;
    GB_EXPECT(!gb_u128_add_to(&a, gb_u128_from(1)));
    GB_EXPECT(!gb_u128_cmp(a, MAX)); /* unchanged when it would wrap */
    a = u128(0, UINT64_MAX);
    GB_EXPECT(gb_u128_add_to(&a, gb_u128_from(1)));
    GB_EXPECT(!gb_u128_cmp(a, u128(1, 0)));
    a = u128(1ull << 63, 0);
    GB_EXPECT(!gb_u128_add_to(&a, u128(1ull << 63, 0)));
    gb_u128 p = gb_u128_mul64(UINT64_MAX, UINT64_MAX); /* 2^128 - 2^65 + 1 */
    GB_EXPECT_U64(UINT64_MAX - 1, p.hi);
    GB_EXPECT_U64(1, p.lo);
    p = gb_u128_mul64(1ull << 40, 1ull << 40);
    GB_EXPECT_U64(1ull << 16, p.hi);
    GB_EXPECT_U64(0, p.lo);
    p = gb_u128_mul64(0xfedcba9876543210ull, 100);
    /* the same as adding the multiplicand 100 times */
    gb_u128 q = gb_u128_from(0);
    for (int i = 0; i < 100; i++)
        GB_EXPECT(gb_u128_add_to(&q, gb_u128_from(0xfedcba9876543210ull)));
    GB_EXPECT(!gb_u128_cmp(p, q));
    GB_EXPECT(!gb_u128_cmp(gb_chain_gas_value(7),
                           gb_u128_from(7 * GB_CHAIN_VALUE_PER_GAS)));
}

/* ---- the attack, at submit ------------------------------------------------ */

static void test_attack_refused_at_submit(void)
{
    gb_chain *c = open_chain();
    gb_id a = actor(c, "a");
    gb_u128 before = gb_chain_balance(c, dev(1));
    char d[256];
    /* value 2^128-1: cost wrapped to GAS-1 */
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE,
                                    .sender = dev(1), .destination = a,
                                    .payload = (const uint8_t *)"M",
                                    .payload_len = 1, .gas_limit = GAS,
                                    .value = MAX},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "2^128-1");
    /* value + gas exactly 2^128: cost wrapped to 0 */
    gb_u128 v = gb_u128_sub(MAX, gb_chain_gas_value(GAS));
    v = gb_u128_add(v, gb_u128_from(1), NULL);
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE,
                                    .sender = dev(1), .destination = a,
                                    .payload = (const uint8_t *)"M",
                                    .payload_len = 1, .gas_limit = GAS,
                                    .value = v},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "2^128-1");
    /* value + gas = 2^128-1 exactly: no wrap, but far above the balance */
    v = gb_u128_sub(MAX, gb_chain_gas_value(GAS));
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE,
                                    .sender = dev(1), .destination = a,
                                    .gas_limit = GAS, .value = v},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "not enough balance");
    /* the other kinds that carry value */
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_TRANSFER, .sender = dev(1),
                                    .destination = dev(2), .value = MAX},
                         d, sizeof d));
    uint32_t len;
    uint8_t *code = fx_actor_wasm(&len);
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                    .sender = dev(1),
                                    .code_id = gb_code_id(code, len),
                                    .salt = (const uint8_t *)"b",
                                    .salt_len = 1, .gas_limit = GAS,
                                    .value = MAX},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "2^128-1");
    free(code);
    /* a second transaction whose cost fits alone but not with the first
     * one's reserved: the running sum is checked too */
    gb_u128 half = gb_u128_sub(gb_u128_sub(gb_chain_balance(c, dev(1)),
                                           gb_chain_gas_value(GAS)),
                               fx_fee(c, 0)); /* all it has, with the fee */
    GB_EXPECT_ERR(GB_OK, submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE,
                                          .sender = dev(1), .destination = a,
                                          .gas_limit = GAS, .value = half},
                                d, sizeof d));
    GB_EXPECT_ERR(GB_INVALID,
                  submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE,
                                    .sender = dev(1), .destination = a,
                                    .gas_limit = GAS,
                                    .value = gb_u128_sub(
                                        MAX, gb_chain_gas_value(GAS))},
                         d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "not enough balance");
    block(c);
    block(c);
    /* dev 1 paid the value it sent and some gas; nobody holds more than
     * the issuance */
    gb_chain_totals t;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &t));
    GB_EXPECT(gb_u128_cmp(gb_chain_balance(c, dev(1)), before) < 0);
    GB_EXPECT(gb_u128_cmp(gb_chain_balance(c, a), t.issuance) <= 0);
    gb_chain_close(c);
}

/* ---- the attack, past submit ---------------------------------------------- */

/* Submits tx (which must be accepted), then rewrites the pending copy's
 * value and gas limit: what a submit bug or a foreign block would let
 * through. */
static void submit_patched(gb_chain *c, gb_tx tx, gb_u128 value,
                           uint64_t gas)
{
    fx_submit(c, tx);
    gb_ptx *p = &c->pending[c->npending - 1];
    p->tx.value = value;
    p->tx.gas_limit = gas;
}

static void test_attack_dropped_at_apply(void)
{
    gb_chain *c = open_chain();
    gb_id a = actor(c, "a");
    gb_u128 before = gb_chain_balance(c, dev(1));
    gb_tx m = {.kind = GB_TX_SEND_MESSAGE, .sender = dev(1), .destination = a,
               .payload = (const uint8_t *)"M", .payload_len = 1,
               .gas_limit = GAS, .value = gb_u128_from(1)};
    submit_patched(c, m, MAX, GAS);
    gb_u128 v = gb_u128_sub(MAX, gb_chain_gas_value(GAS));
    submit_patched(c, m, gb_u128_add(v, gb_u128_from(1), NULL), GAS);
    submit_patched(c, m, gb_u128_from(1), UINT64_MAX); /* above the block */
    gb_tx t = {.kind = GB_TX_TRANSFER, .sender = dev(1),
               .destination = dev(2), .value = gb_u128_from(1)};
    submit_patched(c, t, MAX, 0);
    block(c);
    block(c);
    /* all four dropped: dev 1 paid nothing, the actor got nothing (it
     * holds only its existential deposit), dev 2 got nothing */
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, dev(1)), before));
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, a),
                           gb_u128_from(GB_GEAR_EXISTENTIAL_DEPOSIT)));
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, dev(2)), before));
    gb_chain_mail *mail = NULL;
    uint32_t n = 0;
    GB_EXPECT_ERR(GB_OK, gb_chain_mailbox(c, dev(1), &mail, &n));
    GB_EXPECT_U64(0, n);
    gb_chain_mail_free(mail, n);
    /* the nonces moved on: the next transaction is still accepted */
    fx_submit(c, (gb_tx){.kind = GB_TX_TRANSFER, .sender = dev(1),
                         .destination = dev(2), .value = gb_u128_from(5)});
    block(c);
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, dev(2)),
                           gb_u128_add(before, gb_u128_from(5), NULL)));
    gb_chain_close(c);
}

/* ---- the audit -------------------------------------------------------------- */

static void put_account(gb_chain *c, gb_id id, gb_u128 bal)
{
    gb_db_txn *txn;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(c->db, &txn));
    gb_db_account acct = {0};
    gb_db_account_get(txn, id, &acct);
    acct.balance = bal;
    GB_EXPECT_ERR(GB_OK, gb_db_account_put(txn, id, &acct));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(txn));
}

static void test_audit_checked(void)
{
    gb_chain *c = open_chain();
    gb_chain_totals t;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &t));
    GB_EXPECT(gb_chain_totals_conserved(&t, NULL));
    /* 2^128 minted across two accounts: the wrapped sum meets the
     * issuance, the checked one overflows */
    gb_u128 half = u128(1ull << 63, 0);
    put_account(c, dev(6),
                gb_u128_add(gb_chain_balance(c, dev(6)), half, NULL));
    put_account(c, dev(7),
                gb_u128_add(gb_chain_balance(c, dev(7)), half, NULL));
    GB_EXPECT_ERR(GB_OVERFLOW, gb_chain_audit(c, &t));
    /* the totals' own sum is checked as well */
    gb_chain_totals w = {.issuance = gb_u128_from(10),
                         .accounts = u128(1ull << 63, 5),
                         .programs = u128(1ull << 63, 5)};
    gb_u128 sum;
    GB_EXPECT(!gb_chain_totals_conserved(&w, &sum));
    GB_EXPECT(!gb_u128_cmp(sum, MAX));
    w.programs = gb_u128_from(5);
    w.accounts = gb_u128_from(5);
    GB_EXPECT(gb_chain_totals_conserved(&w, &sum));
    gb_chain_close(c);
}

/* ---- property: extreme amounts, many blocks ------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void) /* xorshift64*: fixed seed, same run every time */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static gb_u128 extreme_value(gb_chain *c, gb_id who)
{
    gb_u128 bal = gb_chain_balance(c, who);
    switch (rnd() % 12) {
    case 0: return gb_u128_from(0);
    case 1: return gb_u128_from(1);
    case 2: return bal;
    case 3: return gb_u128_add(bal, gb_u128_from(1), NULL);
    case 4: return gb_u128_is_zero(bal) ? bal
                                        : gb_u128_sub(bal, gb_u128_from(1));
    case 5: return gb_u128_from(UINT64_MAX);
    case 6: return u128(1, 0);
    case 7: return u128(1ull << 63, 0);
    case 8: return MAX;
    case 9: return gb_u128_sub(MAX, gb_chain_gas_value(rnd() % GAS));
    case 10: return u128(rnd(), rnd());
    default: return gb_u128_from(rnd() % 1000000);
    }
}

static uint64_t extreme_gas(void)
{
    static const uint64_t g[] = {0, 1, 3000, GAS, 750000000000ull,
                                 750000000001ull, UINT64_MAX};
    return g[rnd() % (sizeof g / sizeof g[0])];
}

static void test_extreme_amounts(void)
{
    gb_chain *c = open_chain();
    gb_id progs[2] = {actor(c, "p0"), actor(c, "p1")};
    gb_chain_totals t;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &t));
    uint32_t accepted = 0, refused = 0, patched = 0;
    for (uint32_t i = 0; i < 600; i++) {
        gb_id from = dev((uint32_t)(rnd() % 4));
        gb_tx tx = {.sender = from, .value = extreme_value(c, from),
                    .gas_limit = extreme_gas()};
        switch (rnd() % 3) {
        case 0:
            tx.kind = GB_TX_TRANSFER;
            tx.destination = dev((uint32_t)(rnd() % 8));
            tx.gas_limit = 0;
            break;
        default:
            tx.kind = GB_TX_SEND_MESSAGE;
            tx.destination = progs[rnd() % 2];
            tx.payload = (const uint8_t *)(rnd() % 2 ? "M" : "hi");
            tx.payload_len = 1;
            break;
        }
        char d[256];
        gb_err e = submit(c, tx, d, sizeof d);
        if (e) {
            GB_EXPECT_ERR(GB_INVALID, e);
            refused++;
        } else {
            accepted++;
            /* accepted: what it costs fits in what the sender has */
            gb_u128 cost = gb_chain_gas_value(tx.gas_limit);
            GB_EXPECT(gb_u128_add_to(&cost, tx.value));
            GB_EXPECT(gb_u128_cmp(cost, gb_chain_balance(c, from)) <= 0);
            if (rnd() % 4 == 0) { /* and a tampered one, for apply */
                gb_ptx *p = &c->pending[c->npending - 1];
                p->tx.value = extreme_value(c, from);
                if (p->tx.kind != GB_TX_TRANSFER)
                    p->tx.gas_limit = extreme_gas();
                patched++;
            }
        }
        if (i % 20 == 19) {
            block(c);
            gb_chain_totals now;
            GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &now));
            GB_EXPECT(!gb_u128_cmp(now.issuance, t.issuance));
            for (uint32_t k = 0; k < 8; k++)
                GB_EXPECT(gb_u128_cmp(gb_chain_balance(c, dev(k)),
                                      t.issuance) <= 0);
            for (uint32_t k = 0; k < 2; k++)
                GB_EXPECT(gb_u128_cmp(gb_chain_balance(c, progs[k]),
                                      t.issuance) <= 0);
        }
    }
    for (int i = 0; i < 3; i++)
        block(c);
    printf("     %u accepted, %u refused, %u tampered\n", accepted, refused,
           patched);
    GB_EXPECT(accepted > 50 && refused > 50 && patched > 10);
    gb_chain_close(c);
}

/* Substrate's dev accounts funded at genesis (cfg.substrate_dev_accounts):
 * //Alice's sr25519 key (GEAR-RPC.md §4) holds initial_balance, the
 * issuance counts all fourteen accounts, and the audit balances. */
static void test_substrate_dev_accounts(void)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.substrate_dev_accounts = true;
    gb_chain *c = fx_open_chain(&cfg);
    gb_id alice;
    size_t n;
    GB_EXPECT_ERR(GB_OK, gb_hex_decode("d43593c715fdd31c61141abd04a99fd6822c"
                                       "8558854ccde39a5684e7a56da27d",
                                       alice.b, 32, &n));
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, alice), cfg.initial_balance));
    gb_chain_totals t;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &t));
    GB_EXPECT(!gb_u128_cmp(t.issuance,
                           gb_u128_mul64(1000000000000000000ull, /* each */
                                         GB_DEV_ACCOUNTS + 6)));
    fx_check_conservation(c);
    block(c);
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_substrate_dev_accounts);
    GB_RUN(test_u128_checked);
    GB_RUN(test_attack_refused_at_submit);
    GB_RUN(test_attack_dropped_at_apply);
    GB_RUN(test_audit_checked);
    GB_RUN(test_extreme_amounts);
    return gb_test_summary();
}
