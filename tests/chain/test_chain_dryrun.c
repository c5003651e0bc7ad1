/*
 * Gas estimation by dry runs (gb_chain_calculate_gas) and stored block
 * headers (gb_chain_block_header), with the SDK example programs
 * ($GB_EXAMPLES_WASM): ping's handle — burned > 0, min_limit >= burned, a
 * message sent with min_limit gets PONG and one with far less runs out of
 * gas —; the state (root, height, nonces, mailbox, pending) unchanged by
 * estimates; proxy waiting for a program (the whole tree in one dry block)
 * and for a user (a wait still pending: its rent); init from a code id and
 * from code not uploaded (which stays not uploaded); a reply to a mailbox
 * message; the errors (unknown program, code, mailbox message, code
 * rejected, payload too large, a trap with its panic text, a failure
 * further down the tree with allow_other_panics false); headers by height
 * and hash, also after the chain is reopened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/chain.h"
#include "gear/codes.h"
#include "chain/chain_fixture.h"
#include "test.h"

#define GAS 5000000000ull

static gb_id alice(void) { return gb_dev_account_id(0); }
static gb_id bob(void) { return gb_dev_account_id(1); }

static gb_chain *open_capped(const char *dir, uint64_t estimate_cap)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.data_dir = dir;
    cfg.estimate_gas_limit = estimate_cap;
    return fx_open_chain(&cfg);
}

static gb_chain *open_dir(const char *dir) { return open_capped(dir, 0); }
static gb_chain *open_chain(void) { return open_dir(NULL); }

static gb_block_result block(gb_chain *c)
{
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
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

static gb_id create(gb_chain *c, const char *name, const void *init,
                    uint32_t len)
{
    gb_id code = upload(c, name);
    return fx_submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                             .code_id = code, .salt = (const uint8_t *)name,
                             .salt_len = (uint32_t)strlen(name),
                             .payload = init, .payload_len = len,
                             .gas_limit = GAS});
}

static gb_tx handle_tx(gb_id from, gb_id to, const char *s, uint64_t gas)
{
    return (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = from,
                   .destination = to, .payload = (const uint8_t *)s,
                   .payload_len = (uint32_t)strlen(s), .gas_limit = gas};
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

static gb_err estimate(gb_chain *c, gb_tx tx, gb_chain_gas_info *g,
                       char *detail, size_t len)
{
    gb_err e = gb_chain_calculate_gas(c, &tx, g, detail, len);
    if (e)
        fprintf(stderr, "  (estimate: %s: %s)\n", gb_err_name(e), detail);
    return e;
}

/* Everything an estimate must leave as it was. */
typedef struct snap {
    uint8_t root[32];
    uint32_t height;
    uint64_t nonce_alice, nonce_bob, pending;
    gb_u128 bal_alice, bal_bob;
} snap;

static snap take(gb_chain *c)
{
    snap s;
    gb_chain_state_root(c, s.root);
    s.height = gb_chain_height(c);
    s.nonce_alice = gb_chain_nonce(c, alice());
    s.nonce_bob = gb_chain_nonce(c, bob());
    s.pending = gb_chain_pending(c);
    s.bal_alice = gb_chain_balance(c, alice());
    s.bal_bob = gb_chain_balance(c, bob());
    return s;
}

static void same(const snap *a, const snap *b)
{
    GB_EXPECT(!memcmp(a->root, b->root, 32));
    GB_EXPECT_U64(a->height, b->height);
    GB_EXPECT_U64(a->nonce_alice, b->nonce_alice);
    GB_EXPECT_U64(a->nonce_bob, b->nonce_bob);
    GB_EXPECT_U64(a->pending, b->pending);
    GB_EXPECT(!gb_u128_cmp(a->bal_alice, b->bal_alice));
    GB_EXPECT(!gb_u128_cmp(a->bal_bob, b->bal_bob));
}

/* ---- tests ------------------------------------------------------------ */

static void test_ping_handle(void)
{
    gb_chain *c = open_chain();
    gb_id ping = create(c, "ping", NULL, 0);
    blocks(c, 1);
    snap before = take(c);
    gb_chain_gas_info g;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_OK, estimate(c, handle_tx(bob(), ping, "PING", 0), &g,
                                  detail, sizeof detail));
    GB_EXPECT(g.burned > 0);
    GB_EXPECT(g.min_limit >= g.burned);
    GB_EXPECT(g.min_limit < GAS);
    GB_EXPECT(!g.waited);
    GB_EXPECT_U64(0, g.reserved);
    GB_EXPECT_U64(1, g.dispatches);
    GB_EXPECT_U64(g.min_limit - g.burned, g.may_be_returned);
    snap after = take(c);
    same(&before, &after);
    /* the same answer again: nothing of the first run was kept */
    gb_chain_gas_info g2;
    GB_EXPECT_ERR(GB_OK, estimate(c, handle_tx(bob(), ping, "PING", 0), &g2,
                                  detail, sizeof detail));
    GB_EXPECT_U64(g.min_limit, g2.min_limit);
    GB_EXPECT_U64(g.burned, g2.burned);

    /* min_limit is enough; a tenth of it is not */
    gb_id ok = fx_submit(c, handle_tx(bob(), ping, "PING", g.min_limit));
    gb_id low = fx_submit(c, handle_tx(alice(), ping, "PING", g.min_limit / 10));
    gb_block_result r = block(c);
    const gb_event *ev = reply_in(&r, ok);
    GB_EXPECT(ev != NULL);
    if (ev) {
        GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL,
                      gb_reply_code_from_bytes(ev->reply_code));
        GB_EXPECT(ev->payload_len == 4 && !memcmp(ev->payload, "PONG", 4));
    }
    ev = reply_in(&r, low);
    GB_EXPECT(ev != NULL);
    if (ev)
        GB_EXPECT_U64(GB_REPLY_EXEC_RAN_OUT_OF_GAS,
                      gb_reply_code_from_bytes(ev->reply_code));
    gb_block_result_free(&r);
    gb_chain_close(c);
}

static void test_proxy_waits(void)
{
    gb_chain *c = open_chain();
    gb_id ping = create(c, "ping", NULL, 0);
    blocks(c, 1);
    gb_id px = create(c, "proxy", ping.b, 32);
    gb_id pu = fx_submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                 .sender = alice(),
                                 .code_id = upload(c, "proxy"),
                                 .salt = (const uint8_t *)"to bob",
                                 .salt_len = 6, .payload = bob().b,
                                 .payload_len = 32, .gas_limit = GAS});
    blocks(c, 1);
    snap before = take(c);
    char detail[256] = "";

    /* proxy -> ping: waits, and is woken by ping's reply in the block */
    gb_chain_gas_info g;
    GB_EXPECT_ERR(GB_OK, estimate(c, handle_tx(alice(), px, "PING", 0), &g,
                                  detail, sizeof detail));
    /* woken in the dry block: not in the waitlist at its end (Gear's
     * waited, runtime_api.rs:401) */
    GB_EXPECT(!g.waited);
    GB_EXPECT(g.dispatches >= 4); /* proxy, ping, handle_reply, proxy again */
    /* Gear's min_limit: the most the proxy's node gave out at once — the
     * runs drawing on it (proxy twice, ping), and the C SDK's async
     * system reservation (10^10) and reply deposit (2 x 10^9), which
     * leave the node (the reply paid by the deposit is not on it) */
    GB_EXPECT(g.min_limit >= 12000000000ull);
    /* burned is Gear's main chain (runtime_api.rs:371-380): the runs
     * drawing on the proxy's node — exactly what it gave out besides the
     * reservation and the deposit; not the reply paid by the deposit */
    GB_EXPECT_U64(g.burned + 12000000000ull, g.min_limit);
    gb_id m = fx_submit(c, handle_tx(alice(), px, "PING", g.min_limit));
    const gb_event *ev = NULL;
    for (int i = 0; i < 3 && !ev; i++) {
        gb_block_result r = block(c);
        ev = reply_in(&r, m);
        if (ev) {
            GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL,
                          gb_reply_code_from_bytes(ev->reply_code));
            GB_EXPECT(ev->payload_len == 4 && !memcmp(ev->payload, "PONG", 4));
        }
        gb_block_result_free(&r);
    }
    GB_EXPECT(ev != NULL);

    /* proxy -> bob: the wait is still pending after the block: its rent */
    before = take(c);
    gb_chain_gas_info w;
    GB_EXPECT_ERR(GB_OK, estimate(c, handle_tx(alice(), pu, "hi", 0), &w,
                                  detail, sizeof detail));
    GB_EXPECT(w.waited);
    /* the message to bob holds the mailbox threshold (3000); the wait up
     * to 100 blocks locks its rent, (100 + ReserveFor) x 100 */
    GB_EXPECT(w.min_limit >= w.burned + 3000 + 101 * 100);
    if (getenv("GB_CHAIN_TRACE"))
        fprintf(stderr, "  proxy->bob: min_limit %llu burned %llu\n",
                (unsigned long long)w.min_limit,
                (unsigned long long)w.burned);
    snap after = take(c);
    same(&before, &after);
    gb_chain_close(c);
}

static void test_init_and_reply(void)
{
    gb_chain *c = open_chain();
    char detail[256] = "";
    gb_chain_gas_info g;
    uint32_t len;
    uint8_t *code = fx_read_example("proxy", &len);
    gb_id cid = gb_code_id(code, len);
    snap before = take(c);
    /* from code not on chain: uploaded in the dry run only */
    gb_tx tx = {.kind = GB_TX_CREATE_PROGRAM, .sender = alice(), .code = code,
                .code_len = len, .salt = (const uint8_t *)"s", .salt_len = 1,
                .payload = bob().b, .payload_len = 32};
    GB_EXPECT_ERR(GB_OK, estimate(c, tx, &g, detail, sizeof detail));
    GB_EXPECT(g.burned > 0);
    GB_EXPECT(g.min_limit >= g.burned);
    GB_EXPECT(!gb_chain_code_exists(c, cid));
    snap after = take(c);
    same(&before, &after);

    /* a trap: proxy's init wants a 32-byte id */
    tx.payload_len = 3;
    detail[0] = 0;
    GB_EXPECT_ERR(GB_INVALID,
                  gb_chain_calculate_gas(c, &tx, &g, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "trapped: ");
    GB_EXPECT_STR_CONTAINS(detail, "userspace panic");
    GB_EXPECT_STR_CONTAINS(detail, "proxy: init payload must be");
    GB_EXPECT(g.burned > 0);
    free(code);

    /* from the code id, once uploaded */
    gb_id px = create(c, "proxy", bob().b, 32);
    blocks(c, 1);
    gb_tx cr = {.kind = GB_TX_CREATE_PROGRAM, .sender = bob(), .code_id = cid,
                .salt = (const uint8_t *)"other", .salt_len = 5,
                .payload = alice().b, .payload_len = 32};
    GB_EXPECT_ERR(GB_OK, estimate(c, cr, &g, detail, sizeof detail));
    GB_EXPECT(g.burned > 0);
    /* the same salt as an existing program */
    cr.salt = (const uint8_t *)"proxy";
    GB_EXPECT_ERR(GB_INVALID,
                  gb_chain_calculate_gas(c, &cr, &g, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "exists already");

    /* a reply to proxy's message in bob's mailbox: handle_reply, the
     * woken handle, its reply to alice */
    gb_id m = fx_submit(c, handle_tx(alice(), px, "ask bob", GAS));
    (void)m;
    blocks(c, 1);
    gb_chain_mail *mail;
    uint32_t n;
    GB_EXPECT_ERR(GB_OK, gb_chain_mailbox(c, bob(), &mail, &n));
    GB_EXPECT_U64(1, n);
    if (n == 1) {
        before = take(c);
        gb_tx rp = {.kind = GB_TX_SEND_REPLY, .sender = bob(),
                    .destination = mail[0].id,
                    .payload = (const uint8_t *)"yes", .payload_len = 3};
        GB_EXPECT_ERR(GB_OK, estimate(c, rp, &g, detail, sizeof detail));
        GB_EXPECT(g.burned > 0);
        GB_EXPECT(g.dispatches >= 2);
        GB_EXPECT(!g.waited);
        after = take(c);
        same(&before, &after);
        gb_chain_mail *m2;
        uint32_t n2;
        GB_EXPECT_ERR(GB_OK, gb_chain_mailbox(c, bob(), &m2, &n2));
        GB_EXPECT_U64(1, n2);
        gb_chain_mail_free(m2, n2);
        /* not in alice's mailbox */
        rp.sender = alice();
        GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_calculate_gas(
                                        c, &rp, &g, detail, sizeof detail));
        GB_EXPECT_STR_CONTAINS(detail, "mailbox");
    }
    gb_chain_mail_free(mail, n);
    gb_chain_close(c);
}

static void test_errors(void)
{
    gb_chain *c = open_chain();
    char detail[256];
    gb_chain_gas_info g;
    gb_id nobody;
    memset(&nobody, 0x42, sizeof nobody);

    GB_EXPECT_ERR(GB_NOT_FOUND,
                  gb_chain_calculate_gas(c, &(gb_tx){.kind = GB_TX_SEND_MESSAGE,
                                                     .sender = alice(),
                                                     .destination = nobody},
                                         &g, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "unknown program");
    GB_EXPECT_ERR(GB_NOT_FOUND,
                  gb_chain_calculate_gas(
                      c, &(gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                  .sender = alice(), .code_id = nobody},
                      &g, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "unknown code id");
    GB_EXPECT_ERR(GB_NOT_FOUND,
                  gb_chain_calculate_gas(c, &(gb_tx){.kind = GB_TX_SEND_REPLY,
                                                     .sender = alice(),
                                                     .destination = nobody},
                                         &g, detail, sizeof detail));
    uint8_t junk[16] = "\0asm junk";
    GB_EXPECT_ERR(GB_INVALID,
                  gb_chain_calculate_gas(
                      c, &(gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                  .sender = alice(), .code = junk,
                                  .code_len = sizeof junk},
                      &g, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "code rejected");
    GB_EXPECT_ERR(GB_INVALID,
                  gb_chain_calculate_gas(c, &(gb_tx){.kind = GB_TX_TRANSFER,
                                                     .sender = alice()},
                                         &g, detail, sizeof detail));

    gb_id ping = create(c, "ping", NULL, 0);
    /* pending, not a program yet */
    GB_EXPECT_ERR(GB_NOT_FOUND,
                  gb_chain_calculate_gas(c, &(gb_tx){.kind = GB_TX_SEND_MESSAGE,
                                                     .sender = alice(),
                                                     .destination = ping},
                                         &g, detail, sizeof detail));
    blocks(c, 1);
    gb_tx big = handle_tx(alice(), ping, "", 0);
    big.payload_len = 8u * 1024 * 1024 + 1;
    GB_EXPECT_ERR(GB_INVALID,
                  gb_chain_calculate_gas(c, &big, &g, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "payload too large");
    gb_chain_close(c);
}

static void test_other_panics(void)
{
    /* proxy -> wild_pointer "err": the target's run stops (a bad error
     * struct pointer), the proxy answers "proxy: target failed" */
    gb_chain *c = open_chain();
    gb_id wild = create(c, "wild_pointer", NULL, 0);
    blocks(c, 1);
    gb_id px = create(c, "proxy", wild.b, 32);
    blocks(c, 1);
    char detail[256] = "";
    gb_chain_gas_info g;
    gb_tx tx = handle_tx(alice(), px, "err", 0);
    GB_EXPECT_ERR(GB_OK, gb_chain_calculate_gas(c, &tx, &g, detail,
                                                sizeof detail));
    GB_EXPECT(!g.waited); /* woken by the error reply in the dry block */
    detail[0] = 0;
    GB_EXPECT_ERR(GB_INVALID, gb_chain_calculate_gas_ex(c, &tx, false, &g,
                                                        detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "it caused failed");
    GB_EXPECT_STR_CONTAINS(detail, "backend error");
    gb_chain_close(c);
}

/* An endless loop is estimated under the estimate's gas cap, not the
 * block's: a clear error, quickly, and nothing changes. */
static void test_hostile_capped(void)
{
    gb_chain *c = open_capped(NULL, 2000000000ull);
    gb_id loop = create(c, "loop", NULL, 0);
    blocks(c, 1);
    snap before = take(c);
    gb_chain_gas_info g;
    char detail[256] = "";
    gb_tx tx = handle_tx(bob(), loop, "spin", 0);
    GB_EXPECT_ERR(GB_INVALID,
                  gb_chain_calculate_gas(c, &tx, &g, detail, sizeof detail));
    GB_EXPECT(!strncmp(detail, "trapped: ", 9));
    GB_EXPECT(strstr(detail, "estimate's gas cap") != NULL);
    GB_EXPECT(g.burned <= 2000000000ull);
    snap after = take(c);
    same(&before, &after);
    gb_chain_close(c);
}

static void test_block_header(void)
{
    char dir[] = "/tmp/gb_test_blocks_XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    gb_chain *c = open_dir(dir);
    gb_id ping = create(c, "ping", NULL, 0);
    uint8_t hashes[4][32];
    uint64_t gas[4];
    for (int i = 0; i < 4; i++) {
        if (i == 2)
            fx_submit(c, handle_tx(alice(), ping, "PING", GAS));
        gb_block_result r = block(c);
        memcpy(hashes[i], r.hash, 32);
        gas[i] = r.gas_used;
        gb_block_result_free(&r);
    }
    gb_chain_close(c);
    c = open_dir(dir); /* the headers outlive the run */
    gb_block_header h, prev = {0};
    uint8_t hash[32];
    for (uint32_t i = 0; i < 4; i++) {
        GB_EXPECT_ERR(GB_OK, gb_chain_block_header(c, i + 1, &h, hash));
        GB_EXPECT_U64(i + 1, h.height);
        GB_EXPECT(!memcmp(hash, hashes[i], 32));
        GB_EXPECT_U64(gas[i], h.gas_used);
        if (i) {
            GB_EXPECT(!memcmp(h.parent_hash, hashes[i - 1], 32));
            GB_EXPECT(h.timestamp > prev.timestamp);
        }
        prev = h;
        gb_block_header byhash;
        GB_EXPECT_ERR(GB_OK, gb_chain_block_by_hash(c, hashes[i], &byhash));
        GB_EXPECT_U64(i + 1, byhash.height);
    }
    GB_EXPECT(gas[2] > 0);
    GB_EXPECT_ERR(GB_OK, gb_chain_block_header(c, 0, &h, NULL)); /* genesis */
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_block_header(c, 5, &h, hash));
    uint8_t nohash[32];
    memset(nohash, 7, 32);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_block_by_hash(c, nohash, &h));
    gb_chain_close(c);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    GB_EXPECT(system(cmd) == 0);
}

int main(void)
{
    GB_RUN(test_ping_handle);
    GB_RUN(test_proxy_waits);
    GB_RUN(test_init_and_reply);
    GB_RUN(test_errors);
    GB_RUN(test_other_panics);
    GB_RUN(test_hostile_capped);
    GB_RUN(test_block_header);
    return gb_test_summary();
}
