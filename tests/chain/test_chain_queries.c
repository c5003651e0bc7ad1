/*
 * The chain's queries and explicit block inputs, with the SDK example
 * programs ($GB_EXAMPLES_WASM): read_state (counter's `state` export)
 * leaves the state root alone; value transfers keep issuance conserved
 * (gb_chain_audit) and credit programs; produce_block_at orders
 * timestamps; a user's mailbox (proxy forwarding to a user); nonces with
 * pending transactions; program info; gb_chain_submit_ids's message ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "gear/codes.h"
#include "state/tables.h"
#include "chain/chain_fixture.h"
#include "test.h"

#define GAS 5000000000ull

static gb_id alice(void) { return gb_dev_account_id(0); }
static gb_id bob(void) { return gb_dev_account_id(1); }

static gb_chain *open_chain(void) { return fx_open_chain(NULL); }

static void conserved(gb_chain *c)
{
    gb_chain_totals s;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &s));
    GB_EXPECT(gb_chain_totals_conserved(&s, NULL));
}

static gb_block_result block(gb_chain *c)
{
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
    conserved(c);
    return r;
}

static void blocks(gb_chain *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        gb_block_result r = block(c);
        gb_block_result_free(&r);
    }
}

static gb_id upload(gb_chain *c, const char *name)
{
    uint32_t len;
    uint8_t *code = fx_read_example(name, &len);
    gb_id id = gb_code_id(code, len);
    gb_tx tx = {.kind = GB_TX_UPLOAD_CODE, .sender = alice(), .code = code,
                .code_len = len};
    char detail[256];
    gb_err e = gb_chain_submit(c, &tx, &id, detail, sizeof detail);
    free(code);
    GB_EXPECT(e == GB_OK || e == GB_INVALID); /* maybe already there */
    return id;
}

/* Create a program from example name (uploading it); *init_mid = its init
 * message id (from gb_chain_submit_ids).  No block produced. */
static gb_id create(gb_chain *c, const char *name, const void *init,
                    uint32_t len, gb_id *init_mid)
{
    gb_id code = upload(c, name);
    gb_tx tx = {.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                .code_id = code, .salt = (const uint8_t *)name,
                .salt_len = (uint32_t)strlen(name), .payload = init,
                .payload_len = len, .gas_limit = GAS};
    gb_id pid = {{0}}, mid = {{0}};
    char detail[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_chain_submit_ids(c, &tx, &pid, &mid, detail,
                                             sizeof detail));
    if (init_mid)
        *init_mid = mid;
    return pid;
}

static gb_id send(gb_chain *c, gb_id from, gb_id to, const char *s,
                  gb_u128 value)
{
    return fx_submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = from,
                             .destination = to, .payload = (const uint8_t *)s,
                             .payload_len = (uint32_t)strlen(s),
                             .gas_limit = GAS, .value = value});
}

/* The reply to mid among r's events. */
static const gb_event *reply_in(const gb_block_result *r, gb_id mid)
{
    for (uint32_t i = 0; i < r->nevents; i++)
        if (r->events[i].kind == GB_EV_USER_MESSAGE && r->events[i].is_reply &&
            gb_id_eq(r->events[i].reply_to, mid))
            return &r->events[i];
    return NULL;
}

static bool state_is(gb_chain *c, gb_id pid, const char *want)
{
    uint8_t code[4], *out = NULL;
    uint32_t n = 0;
    char detail[256] = "";
    gb_err e = gb_chain_read_state(c, pid, NULL, 0, 0, code, &out, &n,
                                   detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e)
        fprintf(stderr, "  read_state: %s\n", detail);
    bool ok = !e && gb_reply_code_from_bytes(code) == GB_REPLY_SUCCESS_MANUAL &&
              n == strlen(want) && !memcmp(out, want, n);
    if (!e && !ok)
        fprintf(stderr, "  state '%.*s', want '%s'\n", (int)n, (char *)out,
                want);
    free(out);
    return ok;
}

/* ---- tests ------------------------------------------------------------ */

static void test_read_state(void)
{
    gb_chain *c = open_chain();
    uint8_t code[4], *out = NULL;
    uint32_t n = 0;
    char detail[256] = "";
    gb_id init_mid;
    gb_id ctr = create(c, "counter", NULL, 0, &init_mid);
    gb_id ping = create(c, "ping", NULL, 0, NULL);

    /* not a program yet (pending) */
    GB_EXPECT_ERR(GB_NOT_FOUND,
                  gb_chain_read_state(c, ctr, NULL, 0, 0, code, &out, &n,
                                      detail, sizeof detail));
    gb_block_result r = block(c);
    /* init ran in that block: the counter reports 0 */
    GB_EXPECT(reply_in(&r, init_mid) != NULL);
    gb_block_result_free(&r);
    GB_EXPECT(state_is(c, ctr, "0"));

    gb_id m = send(c, alice(), ctr, "add 41", gb_u128_from(0));
    (void)m;
    blocks(c, 1);
    uint8_t before[32], after[32];
    gb_chain_state_root(c, before);
    uint32_t h = gb_chain_height(c);
    GB_EXPECT(state_is(c, ctr, "41"));
    GB_EXPECT(state_is(c, ctr, "41")); /* and again: nothing was kept */
    gb_chain_state_root(c, after);
    GB_EXPECT(!memcmp(before, after, 32));
    GB_EXPECT_U64(h, gb_chain_height(c));

    /* no state export: Gear's error */
    detail[0] = 0;
    GB_EXPECT_ERR(GB_INVALID,
                  gb_chain_read_state(c, ping, NULL, 0, 0, code, &out, &n,
                                      detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "state");
    /* unknown */
    gb_id nobody = {{7}};
    GB_EXPECT_ERR(GB_NOT_FOUND,
                  gb_chain_read_state(c, nobody, NULL, 0, 0, code, &out, &n,
                                      detail, sizeof detail));
    /* a state query's result does not change what later blocks do: the
     * counter goes on from 41 */
    gb_id inc = send(c, alice(), ctr, "inc", gb_u128_from(0));
    r = block(c);
    const gb_event *rep = reply_in(&r, inc);
    GB_EXPECT(rep && rep->payload_len == 2 && !memcmp(rep->payload, "42", 2));
    gb_block_result_free(&r);
    GB_EXPECT(state_is(c, ctr, "42"));
    gb_chain_close(c);
}

static gb_u128 add(gb_u128 a, gb_u128 b) { return gb_u128_add(a, b, NULL); }

static void test_transfer(void)
{
    gb_chain *c = open_chain();
    gb_id carol = {{0xca, 0x20}}; /* a fresh account */
    /* every transfer pays the fee F (no payload); carol gets enough for
     * two of her own */
    gb_u128 F = fx_fee(c, 0), F2 = add(F, F);
    gb_u128 sent = add(gb_u128_from(12345), F2);
    gb_u128 a0 = gb_chain_balance(c, alice());
    gb_id tid = fx_submit(c, (gb_tx){.kind = GB_TX_TRANSFER, .sender = alice(),
                                  .destination = carol, .value = sent});
    /* not before the block */
    GB_EXPECT(gb_u128_is_zero(gb_chain_balance(c, carol)));
    gb_block_result r = block(c);
    bool seen = false;
    for (uint32_t i = 0; i < r.nevents; i++)
        if (r.events[i].kind == GB_EV_TRANSFER && gb_id_eq(r.events[i].id, tid))
            seen = !gb_u128_cmp(r.events[i].value, sent);
    GB_EXPECT(seen);
    gb_block_result_free(&r);
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, carol), sent));
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, alice()),
                           gb_u128_sub(a0, add(sent, F))));
    /* the new account can spend it */
    fx_submit(c, (gb_tx){.kind = GB_TX_TRANSFER, .sender = carol,
                      .destination = bob(), .value = gb_u128_from(345)});
    blocks(c, 1);
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, carol),
                           add(gb_u128_from(12000), F)));

    /* refused: more than the balance with the fee (pending ones count),
     * gas */
    char detail[256] = "";
    gb_tx big = {.kind = GB_TX_TRANSFER, .sender = carol,
                 .destination = bob(), .value = gb_u128_from(12001)};
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(c, &big, NULL, detail,
                                              sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "balance");
    big.value = gb_u128_from(7000);
    GB_EXPECT_ERR(GB_OK, gb_chain_submit(c, &big, NULL, detail, sizeof detail));
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(c, &big, NULL, detail,
                                              sizeof detail));
    gb_tx gas = {.kind = GB_TX_TRANSFER, .sender = alice(),
                 .destination = bob(), .value = gb_u128_from(1),
                 .gas_limit = 10};
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(c, &gas, NULL, detail,
                                              sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "gas");
    blocks(c, 1);
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, carol), gb_u128_from(5000)));
    /* 5000 left, less than value + fee: refused; the fee alone is too */
    big.value = gb_u128_from(1);
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(c, &big, NULL, detail,
                                              sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "fee");
    conserved(c);

    /* to a program: its balance */
    gb_id ctr = create(c, "counter", NULL, 0, NULL);
    blocks(c, 1);
    gb_chain_prog_info pi;
    GB_EXPECT_ERR(GB_OK, gb_chain_program_info(c, ctr, &pi));
    gb_u128 p0 = pi.balance;
    fx_submit(c, (gb_tx){.kind = GB_TX_TRANSFER, .sender = bob(),
                      .destination = ctr, .value = gb_u128_from(777)});
    blocks(c, 1);
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, ctr),
                           gb_u128_add(p0, gb_u128_from(777), NULL)));
    GB_EXPECT_ERR(GB_OK, gb_chain_program_info(c, ctr, &pi));
    GB_EXPECT(!gb_u128_cmp(pi.balance, gb_u128_add(p0, gb_u128_from(777),
                                                   NULL)));
    gb_chain_close(c);
}

static void test_produce_block_at(void)
{
    gb_chain *c = open_chain();
    gb_block_result r;
    GB_EXPECT_U64(0, gb_chain_timestamp(c));
    GB_EXPECT_ERR(GB_INVALID, gb_chain_produce_block_at(c, 0, &r));
    GB_EXPECT_U64(0, gb_chain_height(c));
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block_at(c, 1, &r));
    GB_EXPECT_U64(1, r.timestamp);
    gb_block_result_free(&r);
    /* a pending transaction survives a refused block */
    gb_id ctr = create(c, "counter", NULL, 0, NULL);
    GB_EXPECT_ERR(GB_INVALID, gb_chain_produce_block_at(c, 1, &r));
    GB_EXPECT_U64(1, gb_chain_height(c));
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block_at(c, 1000000, &r));
    GB_EXPECT_U64(2, r.height);
    GB_EXPECT_U64(1000000, r.timestamp);
    gb_block_result_free(&r);
    gb_chain_prog_info pi;
    GB_EXPECT_ERR(GB_OK, gb_chain_program_info(c, ctr, &pi));
    GB_EXPECT_U64(GB_PROGRAM_ACTIVE, pi.status);
    GB_EXPECT_U64(1000000, gb_chain_timestamp(c));
    /* produce_block goes on from the parent's timestamp */
    r = block(c);
    GB_EXPECT_U64(1003000, r.timestamp);
    gb_block_result_free(&r);
    GB_EXPECT_ERR(GB_INVALID, gb_chain_produce_block_at(c, 1003000, &r));
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block_at(c, 1003001, &r));
    gb_block_result_free(&r);
    GB_EXPECT_U64(4, gb_chain_height(c));

    /* the timestamp is an input: the same inputs give the same roots,
     * another timestamp another block hash */
    gb_chain *c2 = open_chain(), *c3 = open_chain();
    gb_block_result r2, r3;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block_at(c2, 5, &r2));
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block_at(c3, 6, &r3));
    GB_EXPECT(memcmp(r2.hash, r3.hash, 32) != 0);
    gb_block_result_free(&r2);
    gb_block_result_free(&r3);
    gb_chain_close(c2);
    gb_chain_close(c3);
    gb_chain_close(c);
}

static void test_mailbox(void)
{
    gb_chain *c = open_chain();
    gb_id target = bob(); /* the proxy forwards to bob: his mailbox */
    gb_id px = create(c, "proxy", target.b, 32, NULL);
    blocks(c, 1);
    gb_chain_mail *mail;
    uint32_t n = 99;
    GB_EXPECT_ERR(GB_OK, gb_chain_mailbox(c, bob(), &mail, &n));
    GB_EXPECT_U64(0, n);
    GB_EXPECT(mail == NULL);

    send(c, alice(), px, "hello", gb_u128_from(0));
    send(c, alice(), px, "world!", gb_u128_from(0));
    gb_block_result r = block(c);
    uint32_t h = r.height;
    gb_block_result_free(&r);
    GB_EXPECT_ERR(GB_OK, gb_chain_mailbox(c, bob(), &mail, &n));
    GB_EXPECT_U64(2, n);
    bool hello = false, world = false;
    for (uint32_t i = 0; i < n; i++) {
        GB_EXPECT(gb_id_eq(mail[i].source, px));
        GB_EXPECT_U64(h + GB_CHAIN_MAILBOX_BLOCKS, mail[i].expires_at);
        GB_EXPECT(!mail[i].is_reply);
        hello |= mail[i].payload_len == 5 && !memcmp(mail[i].payload, "hello", 5);
        world |= mail[i].payload_len == 6 && !memcmp(mail[i].payload, "world!", 6);
        if (i)
            GB_EXPECT(memcmp(mail[i - 1].id.b, mail[i].id.b, 32) < 0);
    }
    GB_EXPECT(hello && world);
    /* alice's mailbox is empty */
    gb_chain_mail *am;
    uint32_t an;
    GB_EXPECT_ERR(GB_OK, gb_chain_mailbox(c, alice(), &am, &an));
    GB_EXPECT_U64(0, an);
    /* bob claims one: it leaves the mailbox */
    gb_id first = mail[0].id;
    gb_chain_mail_free(mail, n);
    fx_submit(c, (gb_tx){.kind = GB_TX_CLAIM_VALUE, .sender = bob(),
                      .destination = first});
    blocks(c, 1);
    GB_EXPECT_ERR(GB_OK, gb_chain_mailbox(c, bob(), &mail, &n));
    GB_EXPECT_U64(1, n);
    if (n)
        GB_EXPECT(!gb_id_eq(mail[0].id, first));
    gb_chain_mail_free(mail, n);
    gb_chain_close(c);
}

static void test_nonce(void)
{
    gb_chain *c = open_chain();
    gb_id carol = {{0xca, 0x30}};
    GB_EXPECT_U64(0, gb_chain_nonce(c, alice()));
    GB_EXPECT_U64(0, gb_chain_nonce(c, carol));
    gb_id ctr = create(c, "counter", NULL, 0, NULL); /* upload + create */
    GB_EXPECT_U64(2, gb_chain_nonce(c, alice()));
    blocks(c, 1);
    GB_EXPECT_U64(2, gb_chain_nonce(c, alice()));
    /* the message id follows from the nonce */
    uint64_t nonce = gb_chain_nonce(c, alice());
    gb_id want = gb_message_id_external(gb_chain_height(c) + 1, alice(),
                                        nonce, 0);
    gb_id m = send(c, alice(), ctr, "inc", gb_u128_from(0));
    GB_EXPECT(gb_id_eq(want, m));
    GB_EXPECT_U64(3, gb_chain_nonce(c, alice()));
    /* a refused transaction does not count */
    gb_tx bad = {.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                 .destination = carol, .gas_limit = GAS};
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(c, &bad, NULL, NULL, 0));
    GB_EXPECT_U64(3, gb_chain_nonce(c, alice()));
    /* other senders are apart */
    fx_submit(c, (gb_tx){.kind = GB_TX_TRANSFER, .sender = bob(),
                      .destination = carol, .value = gb_u128_from(10)});
    GB_EXPECT_U64(1, gb_chain_nonce(c, bob()));
    GB_EXPECT_U64(0, gb_chain_nonce(c, carol));
    blocks(c, 1);
    GB_EXPECT_U64(3, gb_chain_nonce(c, alice()));
    GB_EXPECT_U64(1, gb_chain_nonce(c, bob()));
    gb_chain_close(c);
}

static void test_program_info(void)
{
    gb_chain *c = open_chain();
    gb_id init_mid;
    gb_id ctr = create(c, "counter", NULL, 0, &init_mid);
    uint32_t len;
    uint8_t *code = fx_read_example("counter", &len);
    gb_id cid = gb_code_id(code, len);
    free(code);
    gb_chain_prog_info pi;
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_program_info(c, ctr, &pi));
    GB_EXPECT(!gb_chain_code_exists(c, cid)); /* pending only */
    gb_block_result r = block(c);
    /* gb_chain_submit_ids's init message id is the one the block ran */
    GB_EXPECT(reply_in(&r, init_mid) != NULL);
    gb_block_result_free(&r);
    GB_EXPECT(gb_chain_code_exists(c, cid));
    GB_EXPECT_ERR(GB_OK, gb_chain_program_info(c, ctr, &pi));
    GB_EXPECT_U64(GB_PROGRAM_ACTIVE, pi.status);
    GB_EXPECT(gb_id_eq(pi.code_id, cid));
    GB_EXPECT(gb_id_eq(pi.init_message, init_mid));
    GB_EXPECT(pi.static_pages > 0);
    GB_EXPECT_U64(1, pi.created_at);
    GB_EXPECT(!gb_u128_cmp(pi.balance, gb_chain_balance(c, ctr)));
    gb_id none = {{1, 2, 3}};
    GB_EXPECT(!gb_chain_code_exists(c, none));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_program_info(c, alice(), &pi));

    /* gb_chain_submit_ids's message ids: a send's is its id, an upload's zero */
    gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                .destination = ctr, .payload = (const uint8_t *)"inc",
                .payload_len = 3, .gas_limit = GAS};
    gb_id id, mid;
    GB_EXPECT_ERR(GB_OK, gb_chain_submit_ids(c, &tx, &id, &mid, NULL, 0));
    GB_EXPECT(gb_id_eq(id, mid));
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_read_state);
    GB_RUN(test_transfer);
    GB_RUN(test_produce_block_at);
    GB_RUN(test_mailbox);
    GB_RUN(test_nonce);
    GB_RUN(test_program_info);
    return gb_test_summary();
}
