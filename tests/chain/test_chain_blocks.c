/*
 * The chain over the store, block by block, with the SDK example programs
 * ($GB_EXAMPLES_WASM): ping, counter, proxy (async across programs),
 * factory (program creation), timer (delays), a hostile loop beside a ping
 * (and a block too small for everything: no head-of-line blocking).
 * After every block: value is conserved (balances + held + burned ==
 * issuance).  The same scenario in two fresh chains gives the same roots,
 * and so does one interrupted by closing and reopening its directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <errno.h>

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "chain/chain_int.h" /* the store, to make a commit fail */
#include "chain/replay.h" /* the stored inputs, to tamper with */
#include "gear/codes.h"
#include "test.h"

#define GAS 5000000000ull

/* ---- harness ---------------------------------------------------------- */

typedef struct umsg { /* a USER_MESSAGE event kept by the test */
    gb_id id, to, from, reply_to;
    bool is_reply;
    uint8_t code[4];
    uint8_t *payload;
    uint32_t len;
    uint32_t height;
    gb_u128 value;
} umsg;

typedef struct env {
    gb_chain *c;
    umsg *msgs;
    uint32_t nmsgs;
    uint32_t failed_runs, exited, init_failed;
    uint8_t roots[64][32];
    uint32_t nroots;
    uint64_t gas; /* gas limit of creations and plain sends */
    bool recycle; /* blocks() gives the events back (gb_chain_result_recycle) */
} env;

static gb_id alice(void) { return gb_dev_account_id(0); }

static void env_open_tier(env *t, const char *dir, uint64_t block_gas,
                          uint8_t tier)
{
    memset(t, 0, sizeof *t);
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.wasm_tier = tier;
    cfg.data_dir = dir;
    cfg.nosync = true;
    t->gas = GAS;
    if (block_gas) {
        cfg.block_gas_limit = block_gas;
        t->gas = block_gas / 4;
    }
    char detail[256] = "";
    gb_err e = gb_chain_open(&cfg, &t->c, detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e) {
        fprintf(stderr, "open: %s\n", detail);
        exit(1);
    }
}

static void env_open(env *t, const char *dir, uint64_t block_gas)
{
    env_open_tier(t, dir, block_gas, GB_TIER_DEFAULT);
}

static void env_close(env *t)
{
    for (uint32_t i = 0; i < t->nmsgs; i++)
        free(t->msgs[i].payload);
    free(t->msgs);
    gb_chain_close(t->c);
    t->c = NULL;
}

static void check_conservation(env *t) { fx_check_conservation(t->c); }

static gb_block_result block(env *t)
{
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(t->c, &r));
    for (uint32_t i = 0; i < r.nevents; i++) {
        const gb_event *ev = &r.events[i];
        if (getenv("GB_CHAIN_TRACE"))
            fprintf(stderr, "  #%u ev %d id %02x%02x outcome %d gas %llu %s\n",
                    r.height, ev->kind, ev->id.b[0], ev->id.b[1], ev->outcome,
                    (unsigned long long)ev->gas_burned, ev->debug ? ev->debug : "");
        if (ev->kind == GB_EV_DISPATCHED && ev->outcome == GB_OUTCOME_FAILED)
            t->failed_runs++;
        if (ev->kind == GB_EV_PROGRAM_EXITED)
            t->exited++;
        if (ev->kind == GB_EV_INIT_FAILED)
            t->init_failed++;
        if (ev->kind != GB_EV_USER_MESSAGE)
            continue;
        t->msgs = realloc(t->msgs, (t->nmsgs + 1) * sizeof *t->msgs);
        umsg *m = &t->msgs[t->nmsgs++];
        *m = (umsg){.id = ev->id, .to = ev->destination, .from = ev->source,
                    .reply_to = ev->reply_to, .is_reply = ev->is_reply,
                    .len = ev->payload_len, .height = r.height,
                    .value = ev->value};
        memcpy(m->code, ev->reply_code, 4);
        m->payload = malloc(m->len ? m->len : 1);
        if (m->len)
            memcpy(m->payload, ev->payload, m->len);
    }
    if (t->nroots < 64)
        memcpy(t->roots[t->nroots++], r.state_root, 32);
    check_conservation(t);
    return r;
}

static void blocks(env *t, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        gb_block_result r = block(t);
        if (t->recycle)
            gb_chain_result_recycle(t->c, &r);
        else
            gb_block_result_free(&r);
    }
}

static const umsg *reply_of(env *t, gb_id mid)
{
    for (uint32_t i = 0; i < t->nmsgs; i++)
        if (t->msgs[i].is_reply && gb_id_eq(t->msgs[i].reply_to, mid))
            return &t->msgs[i];
    return NULL;
}

static bool reply_is(env *t, gb_id mid, gb_reply_code code, const char *payload)
{
    const umsg *m = reply_of(t, mid);
    if (!m) {
        fprintf(stderr, "  no reply\n");
        return false;
    }
    bool ok = gb_reply_code_from_bytes(m->code) == code &&
              (!payload || (m->len == strlen(payload) &&
                            !memcmp(m->payload, payload, m->len)));
    if (!ok)
        fprintf(stderr, "  reply %02x%02x%02x%02x '%.*s', want '%s'\n",
                m->code[0], m->code[1], m->code[2], m->code[3], (int)m->len,
                (const char *)m->payload, payload ? payload : "(any)");
    return ok;
}

static uint8_t *read_wasm(const char *name, uint32_t *len)
{
    char path[1024];
    const char *dir = getenv("GB_EXAMPLES_WASM");
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    uint8_t *buf = malloc(1 << 20);
    *len = (uint32_t)fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static gb_id submit(env *t, gb_tx tx)
{
    gb_id id = {{0}};
    char detail[256] = "";
    gb_err e = gb_chain_submit(t->c, &tx, &id, detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e)
        fprintf(stderr, "  submit: %s\n", detail);
    return id;
}

static gb_id upload(env *t, const char *name)
{
    uint32_t len;
    uint8_t *code = read_wasm(name, &len);
    gb_id id = gb_code_id(code, len);
    gb_tx tx = {.kind = GB_TX_UPLOAD_CODE, .sender = alice(), .code = code,
                .code_len = len};
    char detail[256];
    gb_err e = gb_chain_submit(t->c, &tx, &id, detail, sizeof detail);
    free(code);
    GB_EXPECT(e == GB_OK || e == GB_INVALID); /* maybe already there */
    return id;
}

/* Upload name, create a program with init payload (no block produced). */
static gb_id create_nb(env *t, const char *name, const void *init, uint32_t len)
{
    gb_id code = upload(t, name);
    return submit(t, (gb_tx){.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                             .code_id = code, .salt = (const uint8_t *)name,
                             .salt_len = (uint32_t)strlen(name),
                             .payload = init, .payload_len = len,
                             .gas_limit = t->gas});
}

static gb_id create(env *t, const char *name, const void *init, uint32_t len)
{
    gb_id pid = create_nb(t, name, init, len);
    blocks(t, 1);
    return pid;
}

static gb_id send_v(env *t, gb_id to, const char *s, uint64_t gas, gb_u128 value)
{
    return submit(t, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                             .destination = to, .payload = (const uint8_t *)s,
                             .payload_len = (uint32_t)strlen(s),
                             .gas_limit = gas, .value = value});
}

static gb_id send(env *t, gb_id to, const char *s)
{
    return send_v(t, to, s, t->gas, gb_u128_from(0));
}

/* Produce blocks until nothing is pending (at most max). */
static void settle(env *t, uint32_t max)
{
    for (uint32_t i = 0; i < max && gb_chain_pending(t->c); i++)
        blocks(t, 1);
}

static gb_id actor(env *t, const char *init, const char *salt);

/* ---- tests ------------------------------------------------------------ */

static void test_ping(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id ping = create(&t, "ping", "", 0);
    gb_u128 before = gb_chain_balance(t.c, alice());
    gb_id m = send(&t, ping, "PING");
    gb_block_result r = block(&t);
    GB_EXPECT(reply_is(&t, m, GB_REPLY_SUCCESS_MANUAL, "PONG"));
    const umsg *u = reply_of(&t, m);
    GB_EXPECT(u && u->height == r.height && gb_id_eq(u->to, alice()) &&
              gb_id_eq(u->from, ping));
    GB_EXPECT(r.dispatched == 1 && r.gas_used > 0);
    gb_block_result_free(&r);
    /* the unused gas came back: alice paid exactly the gas burned and
     * the transaction's fee */
    gb_u128 after = gb_chain_balance(t.c, alice());
    GB_EXPECT(gb_u128_cmp(after, before) < 0);
    gb_u128 paid = gb_u128_sub(gb_u128_sub(before, after), fx_fee(t.c, 4));
    GB_EXPECT(paid.lo > 0 &&
              paid.lo < 1000000000ull * GB_CHAIN_VALUE_PER_GAS &&
              !paid.hi); /* ~3e8 gas */
    m = send(&t, ping, "PONG");
    blocks(&t, 1);
    GB_EXPECT(reply_is(&t, m, GB_REPLY_SUCCESS_AUTO, ""));
    GB_EXPECT_U64(0, gb_chain_pending(t.c));
    env_close(&t);
}

/* gb_chain_result_recycle: the next block writes its events into the
 * array given back, and they are its own; an array given back after a
 * later block was made is freed, not kept (only the last block's is). */
static void test_recycle(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id ping = create(&t, "ping", "", 0);
    gb_id m = send(&t, ping, "PING");
    gb_block_result r = block(&t);
    GB_EXPECT(reply_is(&t, m, GB_REPLY_SUCCESS_MANUAL, "PONG"));
    const gb_event *was = r.events;
    GB_EXPECT(was != NULL);
    gb_chain_result_recycle(t.c, &r);
    GB_EXPECT(r.events == NULL && r.nevents == 0);
    m = send(&t, ping, "PONG");
    r = block(&t);
    GB_EXPECT(r.events == was); /* (the same memory, written again) */
    GB_EXPECT(reply_is(&t, m, GB_REPLY_SUCCESS_AUTO, ""));
    uint32_t ndisp = 0;
    for (uint32_t i = 0; i < r.nevents; i++)
        ndisp += r.events[i].kind == GB_EV_DISPATCHED;
    GB_EXPECT_U64(1, ndisp);
    gb_id m3 = send(&t, ping, "PING");
    gb_block_result r3 = block(&t); /* (a fresh array: r still has it) */
    GB_EXPECT(r3.events != NULL && r3.events != was);
    GB_EXPECT(reply_is(&t, m3, GB_REPLY_SUCCESS_MANUAL, "PONG"));
    gb_chain_result_recycle(t.c, &r); /* not the last block's: freed */
    m = send(&t, ping, "PING");
    gb_block_result r4 = block(&t);
    GB_EXPECT(reply_is(&t, m, GB_REPLY_SUCCESS_MANUAL, "PONG"));
    gb_chain_result_recycle(t.c, &r3);
    gb_chain_result_recycle(t.c, &r4); /* (kept until the close) */
    env_close(&t);
}

static void test_counter(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id ctr = create(&t, "counter", "", 0);
    gb_id m1 = send(&t, ctr, "inc");
    blocks(&t, 1);
    gb_id m2 = send(&t, ctr, "add 41");
    blocks(&t, 1);
    gb_id m3 = send(&t, ctr, "bogus");
    gb_id m4 = send(&t, ctr, "get");
    blocks(&t, 2);
    GB_EXPECT(reply_is(&t, m1, GB_REPLY_SUCCESS_MANUAL, "1"));
    GB_EXPECT(reply_is(&t, m2, GB_REPLY_SUCCESS_MANUAL, "42"));
    GB_EXPECT(reply_is(&t, m3, GB_REPLY_EXEC_USERSPACE_PANIC,
                       "counter: unknown command (inc, add N, get)"));
    GB_EXPECT(reply_is(&t, m4, GB_REPLY_SUCCESS_MANUAL, "42"));
    /* many in one block, processed in order */
    for (int i = 0; i < 50; i++)
        send(&t, ctr, "inc");
    gb_id m5 = send(&t, ctr, "get");
    blocks(&t, 1);
    GB_EXPECT(reply_is(&t, m5, GB_REPLY_SUCCESS_MANUAL, "92"));
    env_close(&t);
}

static void test_proxy(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id ping = create(&t, "ping", "", 0);
    gb_id proxy = create(&t, "proxy", ping.b, 32);
    gb_id m = send(&t, proxy, "PING");
    settle(&t, 10);
    GB_EXPECT(reply_is(&t, m, GB_REPLY_SUCCESS_MANUAL, "PONG"));
    gb_id ms[5];
    for (int i = 0; i < 5; i++)
        ms[i] = send(&t, proxy, "PING");
    settle(&t, 10);
    for (int i = 0; i < 5; i++)
        GB_EXPECT(reply_is(&t, ms[i], GB_REPLY_SUCCESS_MANUAL, "PONG"));
    GB_EXPECT_U64(0, gb_chain_pending(t.c));
    env_close(&t);
}

static void test_factory(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id ping_code = upload(&t, "ping");
    gb_id fac = create(&t, "factory", ping_code.b, 32);
    /* the child's existential deposit comes with the message */
    gb_id m = send_v(&t, fac, "spawn", GAS, gb_u128_from(1000000000000ull));
    settle(&t, 10);
    const umsg *r = reply_of(&t, m);
    GB_EXPECT(r && r->len == 32);
    if (r && r->len == 32) {
        uint8_t salt[4] = {0};
        gb_id want = gb_program_id_from_program(m, ping_code, salt, 4);
        GB_EXPECT(!memcmp(r->payload, want.b, 32));
        GB_EXPECT_U64(1000000000000ull, gb_chain_balance(t.c, want).lo);
    }
    gb_id c = send(&t, fac, "call");
    settle(&t, 10);
    GB_EXPECT(reply_is(&t, c, GB_REPLY_SUCCESS_MANUAL, "PONG"));
    gb_id n = send(&t, fac, "count");
    settle(&t, 10);
    GB_EXPECT(reply_is(&t, n, GB_REPLY_SUCCESS_MANUAL, "1"));
    /* without the deposit, creation fails and so does the message */
    gb_id bad = send(&t, fac, "spawn");
    settle(&t, 10);
    GB_EXPECT(reply_is(&t, bad, GB_REPLY_EXEC_USERSPACE_PANIC, NULL));
    env_close(&t);
}

static void test_timer(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id tm = create(&t, "timer", "", 0);
    uint32_t h0 = gb_chain_height(t.c);
    gb_id m = send(&t, tm, "start 3 2");
    settle(&t, 20);
    GB_EXPECT(reply_is(&t, m, GB_REPLY_SUCCESS_MANUAL, "ok"));
    GB_EXPECT(gb_chain_height(t.c) >= h0 + 7); /* 1 + two ticks 3 apart */
    gb_id g = send(&t, tm, "get");
    blocks(&t, 1);
    GB_EXPECT(reply_is(&t, g, GB_REPLY_SUCCESS_MANUAL, "2"));
    gb_id bad = send(&t, tm, "tick");
    blocks(&t, 1);
    GB_EXPECT(reply_is(&t, bad, GB_REPLY_EXEC_USERSPACE_PANIC,
                       "timer: tick from someone else"));
    env_close(&t);
}

static void test_hostile_beside_ping(void)
{
    env t;
    /* room for one loop message and a ping, not for two loops */
    env_open(&t, NULL, 15000000000ull);
    gb_id loop = create_nb(&t, "loop", "", 0);
    gb_id ping = create_nb(&t, "ping", "", 0);
    settle(&t, 5);
    uint64_t lg = 10000000000ull;
    gb_id l1 = send_v(&t, loop, "go", lg, gb_u128_from(0));
    gb_id l2 = send_v(&t, loop, "go", lg, gb_u128_from(0));
    gb_id p = send_v(&t, ping, "PING", 1000000000ull, gb_u128_from(0));
    gb_block_result r = block(&t);
    uint32_t h = r.height;
    GB_EXPECT_U64(2, r.dispatched);
    GB_EXPECT_U64(1, r.queued_left);
    gb_block_result_free(&r);
    GB_EXPECT(reply_is(&t, p, GB_REPLY_SUCCESS_MANUAL, "PONG"));
    GB_EXPECT(reply_is(&t, l1, GB_REPLY_EXEC_RAN_OUT_OF_GAS, ""));
    GB_EXPECT(reply_of(&t, l1) && reply_of(&t, l1)->height == h);
    GB_EXPECT(reply_of(&t, l2) == NULL);
    blocks(&t, 1);
    GB_EXPECT(reply_is(&t, l2, GB_REPLY_EXEC_RAN_OUT_OF_GAS, ""));
    GB_EXPECT_U64(0, gb_chain_pending(t.c));

    /* once a message of a (source, destination) pair is skipped, the later
     * ones of the pair wait too, even when they fit; others go on */
    gb_id a = actor(&t, "", "a");
    blocks(&t, 1);
    gb_id l3 = send_v(&t, loop, "go", lg, gb_u128_from(0));
    gb_id a1 = send_v(&t, a, "hi", lg, gb_u128_from(0));    /* too big now */
    gb_id a2 = send_v(&t, a, "F", 1000000000ull, gb_u128_from(0)); /* fits */
    gb_id p2 = send_v(&t, ping, "PING", 1000000000ull, gb_u128_from(0));
    blocks(&t, 1);
    GB_EXPECT(reply_of(&t, l3) && reply_of(&t, p2));
    GB_EXPECT(!reply_of(&t, a1) && !reply_of(&t, a2));
    settle(&t, 10);
    GB_EXPECT(reply_is(&t, a1, GB_REPLY_SUCCESS_MANUAL, "hi"));
    GB_EXPECT(reply_is(&t, a2, GB_REPLY_SUCCESS_MANUAL, "woke"));
    env_close(&t);
}

/* Errors: unknown destination is refused; too much gas or value too. */
static void test_submit_errors(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id nowhere;
    memset(nowhere.b, 0x77, 32);
    char detail[128];
    gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                .destination = nowhere, .gas_limit = 1000};
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(t.c, &tx, NULL, detail,
                                              sizeof detail));
    gb_id ping = create(&t, "ping", "", 0);
    tx.destination = ping;
    tx.gas_limit = 1ull << 62;
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(t.c, &tx, NULL, detail,
                                              sizeof detail));
    tx.gas_limit = 1000;
    tx.sender = nowhere; /* no money */
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(t.c, &tx, NULL, detail,
                                              sizeof detail));
    /* pending: a second upload of the same code, a second creation of
     * the same program, are refused; a send to the pending program and a
     * creation from the pending code are not; after the block, the store
     * refuses them as well */
    uint32_t len;
    uint8_t *code = fx_actor_wasm(&len);
    gb_tx up = {.kind = GB_TX_UPLOAD_CODE, .sender = alice(), .code = code,
                .code_len = len};
    GB_EXPECT_ERR(GB_OK, gb_chain_submit(t.c, &up, NULL, detail, sizeof detail));
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(t.c, &up, NULL, detail,
                                              sizeof detail));
    GB_EXPECT(strstr(detail, "already uploaded") != NULL);
    gb_tx mk = {.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                .code_id = gb_code_id(code, len),
                .salt = (const uint8_t *)"dup", .salt_len = 3,
                .gas_limit = t.gas};
    GB_EXPECT_ERR(GB_OK, gb_chain_submit(t.c, &mk, NULL, detail, sizeof detail));
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(t.c, &mk, NULL, detail,
                                              sizeof detail));
    GB_EXPECT(strstr(detail, "already exists") != NULL);
    mk.salt = (const uint8_t *)"dup2"; /* (another program, same code) */
    mk.salt_len = 4;
    GB_EXPECT_ERR(GB_OK, gb_chain_submit(t.c, &mk, NULL, detail, sizeof detail));
    gb_tx hi = {.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                .destination = gb_program_id_from_user(mk.code_id,
                                                        (const uint8_t *)"dup", 3),
                .gas_limit = 1000000000ull};
    GB_EXPECT_ERR(GB_OK, gb_chain_submit(t.c, &hi, NULL, detail, sizeof detail));
    GB_EXPECT_U64(4, gb_chain_pending(t.c));
    blocks(&t, 1);
    GB_EXPECT_U64(0, gb_chain_pending(t.c));
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(t.c, &up, NULL, detail,
                                              sizeof detail));
    mk.salt = (const uint8_t *)"dup";
    mk.salt_len = 3;
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(t.c, &mk, NULL, detail,
                                              sizeof detail));
    mk.salt = (const uint8_t *)"dup3"; /* (the pool is empty: a new one) */
    mk.salt_len = 4;
    GB_EXPECT_ERR(GB_OK, gb_chain_submit(t.c, &mk, NULL, detail, sizeof detail));
    free(code);
    env_close(&t);
}

/* ---- the test actor (tests/chain/actor.wat, via wat2wasm) ------------- */

/* An actor program with this init payload and salt (no block produced). */
static gb_id actor(env *t, const char *init, const char *salt)
{
    uint32_t len;
    uint8_t *code = fx_actor_wasm(&len);
    gb_id cid = gb_code_id(code, len);
    gb_tx tx = {.kind = GB_TX_UPLOAD_CODE, .sender = alice(), .code = code,
                .code_len = len};
    gb_chain_submit(t->c, &tx, NULL, NULL, 0); /* maybe already there */
    free(code);
    return submit(t, (gb_tx){.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                             .code_id = cid, .salt = (const uint8_t *)salt,
                             .salt_len = (uint32_t)strlen(salt),
                             .payload = (const uint8_t *)init,
                             .payload_len = (uint32_t)strlen(init),
                             .gas_limit = t->gas});
}

static void test_exit(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id a = actor(&t, "", "a");
    blocks(&t, 1);
    gb_u128 before = gb_chain_balance(t.c, alice());
    gb_id x = send_v(&t, a, "X", 1000000000ull, gb_u128_from(777));
    blocks(&t, 1);
    GB_EXPECT(reply_is(&t, x, GB_REPLY_SUCCESS_AUTO, ""));
    GB_EXPECT_U64(1, t.exited);
    GB_EXPECT(gb_u128_is_zero(gb_chain_balance(t.c, a)));
    /* the 777 came back to alice as the inheritor, and the existential
     * deposit she locked on the program when she created it: she paid
     * only gas and the transaction's fee */
    gb_u128 after = gb_chain_balance(t.c, alice());
    gb_u128 paid = gb_u128_sub(
        gb_u128_sub(gb_u128_add(before,
                                gb_u128_from(GB_GEAR_EXISTENTIAL_DEPOSIT),
                                NULL),
                    after),
        fx_fee(t.c, 1));
    GB_EXPECT(paid.lo < 1000000000ull * GB_CHAIN_VALUE_PER_GAS &&
              !paid.hi); /* ~3e8 gas */
    gb_id h = send_v(&t, a, "hi", 1000000000ull, gb_u128_from(5));
    blocks(&t, 1);
    const umsg *r = reply_of(&t, h);
    GB_EXPECT(reply_is(&t, h, GB_REPLY_UNAVAILABLE_PROGRAM_EXITED, NULL));
    GB_EXPECT(r && r->len == 32 && !memcmp(r->payload, alice().b, 32));
    GB_EXPECT(r && r->value.lo == 5); /* the value comes back with it */
    env_close(&t);
}

/* The store's memo of program records (state/db_memo.c) across blocks:
 * an exit made in a dry block (always thrown away) or in a block whose
 * commit failed is not seen by what comes next; the same exit committed
 * is. */
static void test_exit_rolled_back(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id a = actor(&t, "", "a");
    blocks(&t, 1);
    gb_id h0 = send(&t, a, "hi");
    blocks(&t, 1); /* (a's record read in a block: the memo has it) */
    const umsg *m0 = reply_of(&t, h0);
    GB_EXPECT(m0 != NULL);
    uint8_t code0[4] = {0};
    if (m0)
        memcpy(code0, m0->code, 4);
    GB_EXPECT(gb_reply_code_from_bytes(code0) !=
              GB_REPLY_UNAVAILABLE_PROGRAM_EXITED);
    gb_chain_reply_info ri;
    char detail[256] = "";
    gb_tx exit_tx = {.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                     .destination = a, .payload = (const uint8_t *)"X",
                     .payload_len = 1, .gas_limit = t.gas};
    gb_tx hi_tx = exit_tx;
    hi_tx.payload = (const uint8_t *)"hi";
    hi_tx.payload_len = 2;
    /* the exit in a dry block, then "hi" in another and in a real one */
    GB_EXPECT_ERR(GB_OK, gb_chain_calculate_reply(t.c, &exit_tx, &ri, detail,
                                                  sizeof detail));
    free(ri.payload);
    GB_EXPECT_ERR(GB_OK, gb_chain_calculate_reply(t.c, &hi_tx, &ri, detail,
                                                  sizeof detail));
    GB_EXPECT(!memcmp(ri.code, code0, 4));
    free(ri.payload);
    gb_id h1 = send(&t, a, "hi");
    blocks(&t, 1);
    const umsg *m1 = reply_of(&t, h1);
    GB_EXPECT(m1 && !memcmp(m1->code, code0, 4));
    GB_EXPECT_U64(0, t.exited);
    /* the exit in a block whose commit fails (a full disk): rolled back */
    (void)send_v(&t, a, "X", t.gas, gb_u128_from(0));
    gb_db_inject_commit_fault(t.c->db, 1, ENOSPC);
    gb_block_result r;
    GB_EXPECT_ERR(GB_NOSPACE, gb_chain_produce_block(t.c, &r));
    GB_EXPECT_ERR(GB_OK, gb_chain_calculate_reply(t.c, &hi_tx, &ri, detail,
                                                  sizeof detail));
    GB_EXPECT(!memcmp(ri.code, code0, 4));
    free(ri.payload);
    /* the block again (its transaction still pending), committed: the
     * next block sees the program exited */
    blocks(&t, 1);
    GB_EXPECT_U64(1, t.exited);
    gb_id h2 = send(&t, a, "hi");
    blocks(&t, 1);
    GB_EXPECT(reply_is(&t, h2, GB_REPLY_UNAVAILABLE_PROGRAM_EXITED, NULL));
    check_conservation(&t);
    env_close(&t);
}

static void test_init_failure_and_slow_init(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id bad = actor(&t, "P", "bad");
    gb_id slow = actor(&t, "S", "slow");
    gb_id early = send_v(&t, bad, "hi", t.gas, gb_u128_from(99)); /* same block */
    gb_id s0 = send(&t, slow, "hi");
    blocks(&t, 1);
    GB_EXPECT_U64(1, t.init_failed);
    GB_EXPECT(reply_is(&t, early, GB_REPLY_UNAVAILABLE_INITIALIZATION_FAILURE, ""));
    GB_EXPECT(reply_of(&t, early) && reply_of(&t, early)->value.lo == 99);
    GB_EXPECT(reply_of(&t, s0) == NULL);
    gb_id m = send(&t, bad, "hi");
    gb_id s1 = send(&t, slow, "hi");
    gb_id s2 = send(&t, slow, "F");
    gb_id s3 = send(&t, slow, "hi");
    gb_block_result r = block(&t);
    uint32_t h = r.height;
    gb_block_result_free(&r);
    GB_EXPECT(reply_is(&t, m, GB_REPLY_UNAVAILABLE_INITIALIZATION_FAILURE, ""));
    GB_EXPECT(reply_of(&t, s1) == NULL); /* init still waiting */
    settle(&t, 10);
    GB_EXPECT(reply_is(&t, s0, GB_REPLY_SUCCESS_MANUAL, "hi"));
    GB_EXPECT(reply_is(&t, s1, GB_REPLY_SUCCESS_MANUAL, "hi"));
    GB_EXPECT(reply_of(&t, s0) < reply_of(&t, s1));
    GB_EXPECT(reply_is(&t, s2, GB_REPLY_SUCCESS_MANUAL, "woke"));
    GB_EXPECT(reply_is(&t, s3, GB_REPLY_SUCCESS_MANUAL, "hi"));
    const umsg *a = reply_of(&t, s1), *b = reply_of(&t, s3);
    GB_EXPECT(a && b && a->height > h && a->height == b->height);
    GB_EXPECT(a && b && a < b); /* in order */
    env_close(&t);
}

static void test_waitlist_expiry(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id a = actor(&t, "", "a");
    blocks(&t, 1);
    /* enough for the run (what a dry run burns: the precharge and the
     * waiting fee are most of it) and 3000 blocks of waitlist rent */
    gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                .destination = a, .payload = (const uint8_t *)"W",
                .payload_len = 1};
    gb_chain_gas_info gi;
    GB_EXPECT_ERR(GB_OK, gb_chain_calculate_gas(t.c, &tx, &gi, NULL, 0));
    uint64_t gas = gi.burned + 300000;
    gb_id w = send_v(&t, a, "W", gas, gb_u128_from(0));
    gb_block_result r = block(&t);
    uint32_t h = r.height;
    uint64_t burned = 0;
    for (uint32_t i = 0; i < r.nevents; i++)
        if (r.events[i].kind == GB_EV_DISPATCHED)
            burned = r.events[i].gas_burned;
    gb_block_result_free(&r);
    GB_EXPECT(burned > 0 && burned < gas);
    GB_EXPECT_U64(1, gb_chain_pending(t.c));
    for (int i = 0; i < 5000 && !reply_of(&t, w); i++)
        blocks(&t, 1);
    GB_EXPECT(reply_is(&t, w, GB_REPLY_REMOVED_FROM_WAITLIST, ""));
    const umsg *m = reply_of(&t, w);
    if (m)
        /* Gear's HoldBound::maximum_for: the gas left pays (gas - burned)
         * / 100 blocks, the last ReserveFor (1) of them past the removal */
        GB_EXPECT_U64(h + (gas - burned) / 100 - 1, m->height);
    GB_EXPECT_U64(0, gb_chain_pending(t.c));
    env_close(&t);
}

static void test_mailbox(void)
{
    env t;
    env_open(&t, NULL, 0);
    gb_id a = actor(&t, "", "a");
    blocks(&t, 1);
    gb_id m1 = send_v(&t, a, "M", 1000000000ull, gb_u128_from(5000));
    gb_id m2 = send_v(&t, a, "M", 1000000000ull, gb_u128_from(6000));
    blocks(&t, 1);
    GB_EXPECT(reply_is(&t, m1, GB_REPLY_SUCCESS_AUTO, ""));
    GB_EXPECT(reply_is(&t, m2, GB_REPLY_SUCCESS_AUTO, ""));
    const umsg *mail[2] = {NULL, NULL};
    for (uint32_t i = 0, k = 0; i < t.nmsgs && k < 2; i++)
        if (!t.msgs[i].is_reply)
            mail[k++] = &t.msgs[i];
    GB_EXPECT(mail[0] && mail[1]);
    if (!mail[0] || !mail[1]) {
        env_close(&t);
        return;
    }
    GB_EXPECT(mail[0]->len == 4 && !memcmp(mail[0]->payload, "mail", 4));
    GB_EXPECT_U64(5000, mail[0]->value.lo);
    gb_id id0 = mail[0]->id, id1 = mail[1]->id;
    gb_u128 before = gb_chain_balance(t.c, alice());
    submit(&t, (gb_tx){.kind = GB_TX_CLAIM_VALUE, .sender = alice(),
                       .destination = id0});
    /* a second claim of the same message is refused */
    gb_tx again = {.kind = GB_TX_CLAIM_VALUE, .sender = alice(),
                   .destination = id0};
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(t.c, &again, NULL, NULL, 0));
    gb_block_result rc = block(&t);
    bool read = false; /* the claim: UserMessageRead, claimed */
    for (uint32_t i = 0; i < rc.nevents; i++)
        if (rc.events[i].kind == GB_EV_MAILBOX_READ)
            read = gb_id_eq(rc.events[i].id, id0) &&
                   gb_id_eq(rc.events[i].source, alice()) &&
                   gb_id_eq(rc.events[i].destination, a) &&
                   rc.events[i].read_reason == GB_READ_CLAIMED &&
                   rc.events[i].value.lo == 5000;
    gb_block_result_free(&rc);
    GB_EXPECT(read);
    /* the 5000 claimed, less the claim's fee; and, as alice paid for
     * the message that sent it, the gas it held (the mailbox threshold,
     * 3000) less one block of rent (100) */
    gb_u128 after = gb_chain_balance(t.c, alice());
    gb_u128 back = gb_u128_from(5000);
    gb_u128_add_to(&back, gb_chain_gas_value(2900));
    GB_EXPECT(!gb_u128_cmp(gb_u128_add(after, fx_fee(t.c, 0), &(bool){0}),
                           gb_u128_add(before, back, &(bool){0})));
    GB_EXPECT_ERR(GB_INVALID, gb_chain_submit(t.c, &again, NULL, NULL, 0));
    gb_id rid = submit(&t, (gb_tx){.kind = GB_TX_SEND_REPLY, .sender = alice(),
                                   .destination = id1,
                                   .payload = (const uint8_t *)"ok",
                                   .payload_len = 2,
                                   .gas_limit = 1000000000ull});
    gb_block_result r = block(&t);
    bool ran = false, replied = false;
    for (uint32_t i = 0; i < r.nevents; i++) {
        if (r.events[i].kind == GB_EV_DISPATCHED &&
            gb_id_eq(r.events[i].id, rid))
            ran = r.events[i].outcome == GB_OUTCOME_SUCCESS;
        if (r.events[i].kind == GB_EV_MAILBOX_READ &&
            gb_id_eq(r.events[i].id, id1))
            replied = r.events[i].read_reason == GB_READ_REPLIED;
    }
    GB_EXPECT(replied);
    gb_block_result_free(&r);
    GB_EXPECT(ran);
    GB_EXPECT(gb_id_eq(rid, gb_message_id_reply(id1)));
    GB_EXPECT_U64(0, gb_chain_pending(t.c));
    env_close(&t);
}

/* A fixed scenario, step by step: each step submits then makes a block. */
static void scenario_step(env *t, int step, gb_id *ids)
{
    switch (step) {
    case 0:
        ids[0] = create_nb(t, "ping", "", 0);
        ids[1] = create_nb(t, "counter", "", 0);
        break;
    case 1:
        ids[2] = create_nb(t, "proxy", ids[0].b, 32);
        send(t, ids[1], "inc");
        break;
    case 2:
        send(t, ids[2], "PING");
        send(t, ids[1], "add 5");
        break;
    case 3:
        ids[3] = create_nb(t, "timer", "", 0);
        break;
    case 4:
        send(t, ids[3], "start 2 2");
        send_v(t, ids[0], "PING", GAS, gb_u128_from(12345));
        break;
    default:
        if (step % 3 == 0)
            send(t, ids[1], "inc");
        break;
    }
    blocks(t, 1);
}

#define STEPS 12

static void run_scenario(env *t, const char *dir, int from, int to, gb_id *ids)
{
    for (int s = from; s < to; s++)
        scenario_step(t, s, ids);
    (void)dir;
}

static void test_determinism(void)
{
    env a, b;
    gb_id ia[8], ib[8];
    env_open(&a, NULL, 0);
    run_scenario(&a, NULL, 0, STEPS, ia);
    env_open(&b, NULL, 0);
    b.recycle = true; /* (the same roots and messages either way) */
    run_scenario(&b, NULL, 0, STEPS, ib);
    GB_EXPECT_U64(a.nroots, b.nroots);
    for (uint32_t i = 0; i < a.nroots && i < b.nroots; i++)
        if (memcmp(a.roots[i], b.roots[i], 32))
            GB_FAIL_("state roots differ at block %u", i + 1);
    GB_EXPECT_U64(a.nmsgs, b.nmsgs);
    env_close(&a);
    env_close(&b);
}

/* The same scenario with programs interpreted and compiled (where this
 * machine has the compiled tier): the same roots, block by block. */
static void test_determinism_tiers(void)
{
    env a, b;
    gb_id ia[8], ib[8];
    env_open_tier(&a, NULL, 0, GB_TIER_INTERP);
    run_scenario(&a, NULL, 0, STEPS, ia);
    env_open_tier(&b, NULL, 0, GB_TIER_COMPILED);
    run_scenario(&b, NULL, 0, STEPS, ib);
    GB_EXPECT_U64(a.nroots, b.nroots);
    GB_EXPECT(a.nroots > 0);
    for (uint32_t i = 0; i < a.nroots && i < b.nroots; i++)
        if (memcmp(a.roots[i], b.roots[i], 32))
            GB_FAIL_("state roots differ at block %u", i + 1);
    GB_EXPECT_U64(a.nmsgs, b.nmsgs);
    env_close(&a);
    env_close(&b);
}

static void rm_dir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void test_restart(void)
{
    env a, b;
    gb_id ia[8], ib[8];
    env_open(&a, NULL, 0);
    run_scenario(&a, NULL, 0, STEPS, ia);

    char dir[] = "/tmp/gb-chain-restart-XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    env_open(&b, dir, 0);
    run_scenario(&b, dir, 0, 5, ib);
    uint8_t saved[64][32];
    uint32_t n = b.nroots;
    memcpy(saved, b.roots, sizeof saved);
    uint32_t h = gb_chain_height(b.c);
    env_close(&b);
    env_open(&b, dir, 0);
    GB_EXPECT_U64(h, gb_chain_height(b.c));
    memcpy(b.roots, saved, sizeof saved);
    b.nroots = n;
    run_scenario(&b, dir, 5, STEPS, ib);
    GB_EXPECT_U64(a.nroots, b.nroots);
    for (uint32_t i = 0; i < a.nroots && i < b.nroots; i++)
        if (memcmp(a.roots[i], b.roots[i], 32))
            GB_FAIL_("state roots differ at block %u", i + 1);
    env_close(&a);
    env_close(&b);
    rm_dir(dir);
}

/* Vara's BlockGasLimit is the chain's default, and a user's gas limit
 * above it is refused at submit (Gear: GasLimitTooHigh). */
static void test_gas_limit_cap(void)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    GB_EXPECT_U64(750000000000ull, cfg.block_gas_limit);
    env t;
    env_open(&t, NULL, 0);
    gb_id ping = create(&t, "ping", "", 0);
    gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                .destination = ping, .payload = (const uint8_t *)"PING",
                .payload_len = 4, .gas_limit = 750000000001ull};
    char detail[256] = "";
    GB_EXPECT_ERR(GB_INVALID,
                  gb_chain_submit(t.c, &tx, NULL, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "above the block gas limit");
    tx.gas_limit = 750000000000ull; /* the limit itself is fine */
    gb_id m;
    GB_EXPECT_ERR(GB_OK, gb_chain_submit(t.c, &tx, &m, NULL, 0));
    blocks(&t, 1);
    env_close(&t);
}


/* Blocks replay from their stored inputs (chain.h, "replaying blocks"):
 * the scenario's chain, replayed from genesis with 1 thread and with
 * several, gives the same blocks; with one block's stored inputs changed
 * (a payload byte), the replay names that block. */
static void test_replay(void)
{
    env t;
    gb_id ids[8];
    env_open(&t, NULL, 0);
    run_scenario(&t, NULL, 0, STEPS, ids);
    uint32_t h = gb_chain_height(t.c);
    GB_EXPECT(h > 5);
    gb_chain_replay_report r;
    for (unsigned threads = 1; threads <= 3; threads += 2) {
        gb_chain_replay_opts o = {.threads = threads};
        GB_EXPECT_ERR(GB_OK, gb_chain_replay(t.c, &o, &r));
        GB_EXPECT_U64(0, r.bad);
        GB_EXPECT_U64(h, r.replayed);
        if (r.bad)
            fprintf(stderr, "  block %u: %s\n", r.bad, r.why);
    }
    /* --from/--to: only those compared, replayed up to --to */
    gb_chain_replay_opts part = {.from = 3, .to = 4};
    GB_EXPECT_ERR(GB_OK, gb_chain_replay(t.c, &part, &r));
    GB_EXPECT_U64(4, r.replayed);
    GB_EXPECT_U64(0, r.bad);

    /* tamper: the first block with a transaction that carries a payload */
    uint32_t k = 0;
    for (uint32_t i = 1; i <= h && !k; i++) {
        gb_db_txn *w;
        GB_EXPECT_ERR(GB_OK, gb_db_begin(t.c->db, &w));
        gb_db_val v;
        gb_blk_inputs in;
        if (!gb_db_inputs_get(w, i, &v) &&
            !gb_blk_inputs_decode(v.data, v.len, &in)) {
            for (uint32_t j = 0; j < in.ntx && !k; j++) {
                gb_ptx *p = &in.tx[j];
                if (p->tx.kind != GB_TX_SEND_MESSAGE || !p->tx.payload_len)
                    continue;
                uint8_t *pl = malloc(p->tx.payload_len);
                memcpy(pl, p->tx.payload, p->tx.payload_len);
                pl[0] ^= 0x20; /* "PING" -> "pING" */
                p->tx.payload = pl;
                size_t len;
                uint8_t *rec = gb_blk_inputs_encode(&in, &len);
                GB_EXPECT_ERR(GB_OK, gb_db_inputs_put(w, i, rec, len));
                free(rec);
                free(pl);
                k = i;
            }
            free(in.tx);
        }
        GB_EXPECT_ERR(GB_OK, k ? gb_db_commit(w) : (gb_db_abort(w), GB_OK));
    }
    GB_EXPECT(k > 0);
    GB_EXPECT_ERR(GB_OK, gb_chain_replay(t.c, NULL, &r));
    GB_EXPECT_U64(k, r.bad);
    GB_EXPECT(r.why[0] != 0);
    env_close(&t);
}

/* A block cut short by its time budget (cfg.block_budget_ms) stores how
 * many waves it ran, so its replay stops at the same place. */
static void test_replay_time_cut(void)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.block_budget_ms = 1;
    gb_chain *c = fx_open_chain(&cfg);
    gb_id a = alice();
    gb_id ping = fx_create_example(c, a, "ping", GAS);
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
    gb_block_result_free(&r);
    /* pingpong-free pile: many senders' PINGs (one per destination a
     * wave), so the queue needs many waves */
    uint32_t cut = 0;
    for (int round = 0; round < 6; round++) {
        for (uint32_t i = 0; i < 200; i++)
            fx_submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = a,
                                 .destination = ping,
                                 .payload = (const uint8_t *)"PING",
                                 .payload_len = 4, .gas_limit = GAS});
        for (int b = 0; b < 3; b++) {
            GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
            cut += r.out_of_time;
            gb_block_result_free(&r);
        }
    }
    gb_chain_replay_report rep;
    GB_EXPECT_ERR(GB_OK, gb_chain_replay(c, NULL, &rep));
    GB_EXPECT_U64(0, rep.bad);
    GB_EXPECT_U64(gb_chain_height(c), rep.replayed);
    if (!cut)
        fprintf(stderr, "  (no block was cut by time on this machine)\n");
    gb_chain_close(c);
}

/* gb_block_drains: a backlog that drains (the dev node's and the
 * cluster's next block at once) against a queue that only keeps its size
 * (a program sending itself messages) and an emptied one. */
static void test_block_drains(void)
{
    gb_block_result b = {.dispatched = 1182, .queued_left = 2914, .ntx = 4096};
    GB_EXPECT(gb_block_drains(&b, 0));      /* grown by its transactions */
    b.ntx = 0;
    GB_EXPECT(gb_block_drains(&b, 4096));   /* shrinking */
    GB_EXPECT(!gb_block_drains(&b, 2914));  /* kept its size: a loop */
    GB_EXPECT(!gb_block_drains(&b, 1000));  /* grew without transactions */
    b.queued_left = 0;
    GB_EXPECT(!gb_block_drains(&b, 4096));  /* emptied */
    b.queued_left = 10;
    b.dispatched = 0;
    b.ntx = 5;
    GB_EXPECT(!gb_block_drains(&b, 20));    /* nothing dispatched */
}

int main(void)
{
    GB_RUN(test_block_drains);
    GB_RUN(test_ping);
    GB_RUN(test_recycle);
    GB_RUN(test_gas_limit_cap);
    GB_RUN(test_counter);
    GB_RUN(test_proxy);
    GB_RUN(test_factory);
    GB_RUN(test_timer);
    GB_RUN(test_hostile_beside_ping);
    GB_RUN(test_submit_errors);
    GB_RUN(test_exit);
    GB_RUN(test_exit_rolled_back);
    GB_RUN(test_init_failure_and_slow_init);
    GB_RUN(test_waitlist_expiry);
    GB_RUN(test_mailbox);
    GB_RUN(test_determinism);
    GB_RUN(test_determinism_tiers);
    GB_RUN(test_restart);
    GB_RUN(test_replay);
    GB_RUN(test_replay_time_cut);
    return gb_test_summary();
}
