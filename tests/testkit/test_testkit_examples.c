/*
 * Scenario tests of every example program ($GB_EXAMPLES_WASM) through the
 * test harness (include/gearbox/testkit.h), as a program's author would
 * write them: ping, counter, token (errors, a funded fresh account), proxy
 * (async across programs), factory (creates children), timer (delays over
 * blocks, run_to_height, time), pingpong (many hops through the queue),
 * and the hostile programs (loop, recurse, alloc_bomb, wild_pointer), each
 * answered with its error reply while a ping in the same block succeeds.
 * Plus the harness itself: errors with details, mailbox, claim and reply,
 * events, gas, a named data directory.
 *
 * Only the public header: no internal one is included here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gearbox/testkit.h"
#include "test.h"

#define ALICE gb_tk_dev_account(0)
#define BOB gb_tk_dev_account(1)
#define GAS 100000000000ull /* Vara-sized: a hop costs ~4e8 (precharge, sending fee) */
#define MAX_BLOCKS 100

static const char *wasm(const char *name)
{
    static char path[4][1024];
    static int k;
    const char *dir = getenv("GB_EXAMPLES_WASM");
    char *p = path[k++ & 3];
    snprintf(p, sizeof path[0], "%s/%s.wasm", dir ? dir : ".", name);
    return p;
}

static gb_tk *sys(void)
{
    gb_tk *tk = NULL;
    char detail[256] = "";
    gb_err e = gb_tk_new(NULL, &tk, detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e) {
        fprintf(stderr, "gb_tk_new: %s\n", detail);
        exit(1);
    }
    return tk;
}

/* Upload and create name with an init payload; stop the test run if it
 * cannot (nothing else would make sense). */
static gb_tk_id program(gb_tk *tk, const char *name, const void *init,
                        size_t len)
{
    gb_tk_id pid = {{0}};
    gb_err e = gb_tk_upload_program(tk, wasm(name), init, len, &pid);
    GB_EXPECT_ERR(GB_OK, e);
    if (e) {
        fprintf(stderr, "upload %s: %s\n", name, gb_tk_detail(tk));
        exit(1);
    }
    return pid;
}

static gb_tk_id send(gb_tk *tk, gb_tk_id from, gb_tk_id to, const char *text)
{
    gb_tk_id m = {{0}};
    gb_err e = gb_tk_send_str(tk, from, to, text, &m);
    GB_EXPECT_ERR(GB_OK, e);
    if (e)
        fprintf(stderr, "  send '%s': %s\n", text, gb_tk_detail(tk));
    return m;
}

static void idle(gb_tk *tk)
{
    gb_err e = gb_tk_run_until_idle(tk, MAX_BLOCKS, NULL);
    GB_EXPECT_ERR(GB_OK, e);
    if (e)
        fprintf(stderr, "  run_until_idle: %s\n", gb_tk_detail(tk));
}

/* The reply to m has this code and (text != NULL) this payload. */
#define EXPECT_REPLY(tk, m, want, text)                                     \
    do {                                                                    \
        gb_tk_reply r_ = gb_tk_reply_of((tk), (m));                         \
        const char *t_ = (text);                                            \
        gb_test_checks_++;                                                  \
        if (!gb_tk_reply_is(&r_, (want), t_))                               \
            GB_FAIL_("reply: expected %06x '%s', got %s %06x (%s) '%.*s'",  \
                     (unsigned)(want), t_ ? t_ : "(any)",                   \
                     r_.found ? "" : "none", (unsigned)r_.code,             \
                     gb_tk_reply_code_str(r_.code), (int)r_.payload_len,    \
                     r_.payload ? (const char *)r_.payload : "");           \
    } while (0)

static int u128_cmp(gb_tk_u128 a, gb_tk_u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

/* ---- the examples ------------------------------------------------------ */

static void test_ping(void)
{
    gb_tk *tk = sys();
    gb_tk_id ping = program(tk, "ping", NULL, 0);
    GB_EXPECT_U64(0, gb_tk_height(tk));
    gb_tk_block b;
    GB_EXPECT_ERR(GB_OK, gb_tk_run_next_block(tk, &b));
    GB_EXPECT_U64(1, b.height);
    GB_EXPECT_U64(1, b.dispatched); /* the init message */
    /* the init message (no init export: success) got its auto reply */
    gb_tk_id init = gb_tk_init_message(tk, ping);
    EXPECT_REPLY(tk, init, GB_TK_REPLY_SUCCESS_AUTO, "");

    gb_tk_u128 before = gb_tk_balance(tk, ALICE);
    gb_tk_id m = send(tk, ALICE, ping, "PING");
    GB_EXPECT(!gb_tk_reply_of(tk, m).found); /* nothing runs before a block */
    uint64_t gas;
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_tk_gas_burned(tk, m, &gas));
    GB_EXPECT_ERR(GB_OK, gb_tk_run_next_block(tk, &b));
    EXPECT_REPLY(tk, m, GB_TK_REPLY_SUCCESS_MANUAL, "PONG");
    gb_tk_reply r = gb_tk_reply_of(tk, m);
    GB_EXPECT(gb_tk_id_eq(r.source, ping) && gb_tk_id_eq(r.destination, ALICE));
    GB_EXPECT_U64(b.height, r.height);
    GB_EXPECT(r.code_bytes[0] == 0 && r.code_bytes[1] == 1);
    GB_EXPECT_ERR(GB_OK, gb_tk_gas_burned(tk, m, &gas));
    GB_EXPECT(gas > 0 && gas < GAS);
    /* alice paid exactly the gas burned (1 gas = GB_TK_VALUE_PER_GAS
     * units) and the fee of a transaction with 4 bytes of payload */
    gb_tk_u128 after = gb_tk_balance(tk, ALICE);
    gb_tk_u128 fee = gb_tk_tx_fee(tk, 4);
    GB_EXPECT(fee.lo > 0 && !fee.hi);
    GB_EXPECT_U64(before.lo - gas * GB_TK_VALUE_PER_GAS - fee.lo, after.lo);

    gb_tk_id other = send(tk, ALICE, ping, "hello");
    idle(tk);
    EXPECT_REPLY(tk, other, GB_TK_REPLY_SUCCESS_AUTO, "");
    GB_EXPECT_U64(0, gb_tk_pending(tk));

    /* the events of all three blocks, once */
    gb_tk_event *ev;
    size_t n;
    GB_EXPECT_ERR(GB_OK, gb_tk_take_events(tk, &ev, &n));
    int created = 0, dispatched = 0, replies = 0;
    for (size_t i = 0; i < n; i++) {
        created += ev[i].kind == GB_TK_EV_PROGRAM_CREATED;
        dispatched += ev[i].kind == GB_TK_EV_DISPATCHED;
        if (ev[i].kind == GB_TK_EV_USER_MESSAGE && ev[i].is_reply &&
            gb_tk_id_eq(ev[i].reply_to, m)) {
            replies++;
            GB_EXPECT(ev[i].payload_len == 4 && !memcmp(ev[i].payload, "PONG", 4));
            GB_EXPECT_U64(2, ev[i].height);
        }
    }
    GB_EXPECT_I64(1, created);
    GB_EXPECT_I64(3, dispatched);
    GB_EXPECT_I64(1, replies);
    gb_tk_events_free(ev, n);
    GB_EXPECT_ERR(GB_OK, gb_tk_take_events(tk, &ev, &n));
    GB_EXPECT(n == 0 && ev == NULL);
    gb_tk_free(tk);
}

static void test_counter(void)
{
    gb_tk *tk = sys();
    gb_tk_id ctr = program(tk, "counter", NULL, 0);
    gb_tk_id m1 = send(tk, ALICE, ctr, "inc"); /* waits for the init */
    gb_tk_id m2 = send(tk, BOB, ctr, "add 41");
    idle(tk);
    EXPECT_REPLY(tk, m1, GB_TK_REPLY_SUCCESS_MANUAL, "1");
    EXPECT_REPLY(tk, m2, GB_TK_REPLY_SUCCESS_MANUAL, "42");
    gb_tk_id bad = send(tk, ALICE, ctr, "bogus");
    gb_tk_id get = send(tk, ALICE, ctr, "get");
    GB_EXPECT_ERR(GB_OK, gb_tk_run_next_block(tk, NULL));
    EXPECT_REPLY(tk, bad, GB_TK_REPLY_USERSPACE_PANIC,
                 "counter: unknown command (inc, add N, get)");
    EXPECT_REPLY(tk, get, GB_TK_REPLY_SUCCESS_MANUAL, "42"); /* undone */

    /* the state query: no block, no change */
    gb_tk_reply st;
    uint32_t h = gb_tk_height(tk);
    GB_EXPECT_ERR(GB_OK, gb_tk_read_state(tk, ctr, NULL, 0, &st));
    GB_EXPECT(gb_tk_reply_is(&st, GB_TK_REPLY_SUCCESS_MANUAL, "42"));
    GB_EXPECT_U64(h, gb_tk_height(tk));
    GB_EXPECT_U64(0, gb_tk_pending(tk));
    /* a program without a `state` export: Gear's error */
    gb_tk_id png = program(tk, "ping", NULL, 0);
    idle(tk);
    GB_EXPECT_ERR(GB_INVALID, gb_tk_read_state(tk, png, NULL, 0, &st));
    GB_EXPECT(!st.found);
    GB_EXPECT_STR_CONTAINS(gb_tk_detail(tk), "state");
    gb_tk_free(tk);
}

static void test_token(void)
{
    gb_tk *tk = sys();
    gb_tk_id tok = program(tk, "token", "1000", 4); /* alice owns 1000 */
    idle(tk);
    char cmd[160], hex[67];
    gb_tk_id_to_hex(BOB, hex);
    snprintf(cmd, sizeof cmd, "transfer %s 300", hex);
    gb_tk_id t1 = send(tk, ALICE, tok, cmd);
    gb_tk_id b1 = send(tk, BOB, tok, "balance");
    gb_tk_id b2 = send(tk, ALICE, tok, "balance");
    idle(tk);
    EXPECT_REPLY(tk, t1, GB_TK_REPLY_SUCCESS_MANUAL, "ok");
    EXPECT_REPLY(tk, b1, GB_TK_REPLY_SUCCESS_MANUAL, "300");
    EXPECT_REPLY(tk, b2, GB_TK_REPLY_SUCCESS_MANUAL, "700");

    /* errors: each panics with its text and changes nothing */
    snprintf(cmd, sizeof cmd, "transfer %s 5000", hex);
    gb_tk_id e1 = send(tk, ALICE, tok, cmd);
    gb_tk_id e2 = send(tk, BOB, tok, "mint 5");
    gb_tk_id e3 = send(tk, ALICE, tok, "fly");
    gb_tk_id e4 = send(tk, gb_tk_dev_account(2), tok, "balance");
    idle(tk);
    EXPECT_REPLY(tk, e1, GB_TK_REPLY_USERSPACE_PANIC, "insufficient balance");
    EXPECT_REPLY(tk, e2, GB_TK_REPLY_USERSPACE_PANIC, "not the owner");
    EXPECT_REPLY(tk, e3, GB_TK_REPLY_USERSPACE_PANIC, "bad command");
    EXPECT_REPLY(tk, e4, GB_TK_REPLY_USERSPACE_PANIC, "unknown account");

    /* a fresh account has nothing: it cannot send until funded */
    gb_tk_id carol;
    memset(carol.b, 0xca, 32);
    gb_tk_id m;
    GB_EXPECT_ERR(GB_INVALID, gb_tk_send_str(tk, carol, tok, "balance", &m));
    GB_EXPECT_STR_CONTAINS(gb_tk_detail(tk), "balance");
    gb_tk_u128 amount = gb_tk_u128_from(50000000000000ull); /* 50 VARA */
    gb_err e = gb_tk_fund(tk, carol, amount);
    GB_EXPECT_ERR(GB_OK, e);
    if (e)
        fprintf(stderr, "  fund: %s\n", gb_tk_detail(tk));
    GB_EXPECT(u128_cmp(amount, gb_tk_balance(tk, carol)) == 0);
    m = send(tk, carol, tok, "balance");
    idle(tk);
    EXPECT_REPLY(tk, m, GB_TK_REPLY_USERSPACE_PANIC, "unknown account");
    GB_EXPECT(u128_cmp(gb_tk_balance(tk, carol), amount) < 0); /* gas */
    /* a program can be funded too: its balance */
    gb_tk_u128 tb = gb_tk_balance(tk, tok);
    GB_EXPECT_ERR(GB_OK, gb_tk_fund(tk, tok, amount));
    GB_EXPECT_U64(tb.lo + amount.lo, gb_tk_balance(tk, tok).lo);
    gb_tk_free(tk);
}

static void test_proxy(void)
{
    gb_tk *tk = sys();
    gb_tk_id ping = program(tk, "ping", NULL, 0);
    gb_tk_id proxy = program(tk, "proxy", ping.b, 32);
    idle(tk);
    gb_tk_id m[4];
    for (int i = 0; i < 3; i++)
        m[i] = send(tk, i ? BOB : ALICE, proxy, "PING");
    m[3] = send(tk, ALICE, proxy, "other"); /* ping's auto reply, relayed */
    gb_tk_block b;
    GB_EXPECT_ERR(GB_OK, gb_tk_run_next_block(tk, &b));
    uint32_t h = b.height;
    idle(tk);
    for (int i = 0; i < 3; i++) {
        EXPECT_REPLY(tk, m[i], GB_TK_REPLY_SUCCESS_MANUAL, "PONG");
        gb_tk_reply r = gb_tk_reply_of(tk, m[i]);
        GB_EXPECT(r.found && gb_tk_id_eq(r.source, proxy));
        GB_EXPECT(r.height >= h); /* async: not necessarily the first block */
        uint64_t gas;
        GB_EXPECT_ERR(GB_OK, gb_tk_gas_burned(tk, m[i], &gas));
    }
    EXPECT_REPLY(tk, m[3], GB_TK_REPLY_SUCCESS_MANUAL, "");
    /* the proxy waited and was woken once per request */
    gb_tk_event *ev;
    size_t n;
    GB_EXPECT_ERR(GB_OK, gb_tk_take_events(tk, &ev, &n));
    int waited = 0, woken = 0;
    for (size_t i = 0; i < n; i++) {
        waited += ev[i].kind == GB_TK_EV_WAITED;
        woken += ev[i].kind == GB_TK_EV_WOKEN;
    }
    GB_EXPECT_I64(4, waited);
    GB_EXPECT_I64(4, woken);
    gb_tk_events_free(ev, n);
    gb_tk_free(tk);
}

static void test_factory(void)
{
    gb_tk *tk = sys();
    gb_tk_id ping_code;
    GB_EXPECT_ERR(GB_OK, gb_tk_upload_code_file(tk, wasm("ping"), &ping_code));
    /* the same code again: the same id, no error */
    gb_tk_id again;
    GB_EXPECT_ERR(GB_OK, gb_tk_upload_code_file(tk, wasm("ping"), &again));
    GB_EXPECT(gb_tk_id_eq(ping_code, again));
    gb_tk_id fac = program(tk, "factory", ping_code.b, 32);
    idle(tk);
    gb_tk_event *ev;
    size_t n;
    GB_EXPECT_ERR(GB_OK, gb_tk_take_events(tk, &ev, &n)); /* discard */
    GB_EXPECT(n > 0);
    gb_tk_events_free(ev, n);
    GB_EXPECT_ERR(GB_OK, gb_tk_take_events(tk, &ev, &n));
    GB_EXPECT_U64(0, n);

    /* the child's existential deposit (1 VARA) comes with the message */
    gb_tk_id spawn;
    GB_EXPECT_ERR(GB_OK, gb_tk_send(tk, ALICE, fac, "spawn", 5, GAS,
                                    gb_tk_u128_from(1000000000000ull), &spawn));
    idle(tk);
    gb_tk_reply r = gb_tk_reply_of(tk, spawn);
    GB_EXPECT(r.found && r.code == GB_TK_REPLY_SUCCESS_MANUAL && r.payload_len == 32);
    gb_tk_id child = {{0}};
    if (r.payload_len == 32)
        memcpy(child.b, r.payload, 32);
    GB_EXPECT_U64(1000000000000ull, gb_tk_balance(tk, child).lo);
    GB_EXPECT_ERR(GB_OK, gb_tk_take_events(tk, &ev, &n));
    bool created = false;
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == GB_TK_EV_PROGRAM_CREATED && gb_tk_id_eq(ev[i].id, child))
            created = true;
    GB_EXPECT(created);
    gb_tk_events_free(ev, n);

    /* users can talk to the child directly too */
    gb_tk_id direct = send(tk, BOB, child, "PING");
    gb_tk_id call = send(tk, ALICE, fac, "call");
    gb_tk_id count = send(tk, ALICE, fac, "count");
    idle(tk);
    EXPECT_REPLY(tk, direct, GB_TK_REPLY_SUCCESS_MANUAL, "PONG");
    EXPECT_REPLY(tk, call, GB_TK_REPLY_SUCCESS_MANUAL, "PONG");
    EXPECT_REPLY(tk, count, GB_TK_REPLY_SUCCESS_MANUAL, "1");
    /* a program created by a program can be funded */
    gb_tk_u128 cb = gb_tk_balance(tk, child);
    GB_EXPECT_ERR(GB_OK, gb_tk_fund(tk, child, gb_tk_u128_from(1)));
    GB_EXPECT_U64(cb.lo + 1, gb_tk_balance(tk, child).lo);
    /* without the deposit the creation fails, and so does the message */
    gb_tk_id bad = send(tk, ALICE, fac, "spawn");
    idle(tk);
    EXPECT_REPLY(tk, bad, GB_TK_REPLY_USERSPACE_PANIC, "factory: gr_create_program failed");
    gb_tk_free(tk);
}

static void test_timer(void)
{
    gb_tk *tk = sys();
    gb_tk_id tm = program(tk, "timer", NULL, 0);
    idle(tk);
    gb_tk_id start = send(tk, ALICE, tm, "start 3 2");
    gb_tk_block b;
    GB_EXPECT_ERR(GB_OK, gb_tk_run_next_block(tk, &b));
    uint32_t s = b.height;
    EXPECT_REPLY(tk, start, GB_TK_REPLY_SUCCESS_MANUAL, "ok");
    GB_EXPECT(gb_tk_pending(tk) > 0); /* the tick, held for later */
    /* the first tick arrives in block s + 3, the second in s + 6 */
    GB_EXPECT_ERR(GB_OK, gb_tk_run_to_height(tk, s + 3));
    GB_EXPECT_U64(s + 3, gb_tk_height(tk));
    gb_tk_id g1 = send(tk, ALICE, tm, "get");
    GB_EXPECT_ERR(GB_OK, gb_tk_run_next_block(tk, NULL));
    EXPECT_REPLY(tk, g1, GB_TK_REPLY_SUCCESS_MANUAL, "1");
    GB_EXPECT_ERR(GB_OK, gb_tk_run_to_height(tk, s + 6));
    gb_tk_id g2 = send(tk, ALICE, tm, "get");
    GB_EXPECT_ERR(GB_OK, gb_tk_run_next_block(tk, NULL));
    EXPECT_REPLY(tk, g2, GB_TK_REPLY_SUCCESS_MANUAL, "2");
    GB_EXPECT_U64(0, gb_tk_pending(tk));
    /* run_to_height never goes back */
    GB_EXPECT_ERR(GB_OK, gb_tk_run_to_height(tk, 1));
    GB_EXPECT_U64(s + 7, gb_tk_height(tk));

    /* time: block h is at h * 3000 ms */
    GB_EXPECT_U64((uint64_t)(s + 7) * 3000, gb_tk_timestamp(tk));
    GB_EXPECT_ERR(GB_OK, gb_tk_advance_time(tk, 9000));
    GB_EXPECT_U64(s + 10, gb_tk_height(tk));
    GB_EXPECT_ERR(GB_OK, gb_tk_run_to_timestamp(tk, (uint64_t)(s + 12) * 3000 - 1));
    GB_EXPECT_U64(s + 12, gb_tk_height(tk));
    GB_EXPECT_ERR(GB_INVALID, gb_tk_set_timestamp(tk, 1));
    GB_EXPECT_STR_CONTAINS(gb_tk_detail(tk), "timestamp");
    GB_EXPECT_ERR(GB_INVALID, gb_tk_set_timestamp(tk, gb_tk_timestamp(tk)));
    GB_EXPECT_U64(s + 12, gb_tk_height(tk));
    /* a jump: one block at exactly that timestamp */
    GB_EXPECT_ERR(GB_OK, gb_tk_set_timestamp(tk, (uint64_t)(s + 20) * 3000 + 1));
    GB_EXPECT_U64(s + 13, gb_tk_height(tk));
    GB_EXPECT_U64((uint64_t)(s + 20) * 3000 + 1, gb_tk_timestamp(tk));
    /* then ordinary blocks go on from it; advance_time lands exactly */
    GB_EXPECT_ERR(GB_OK, gb_tk_run_next_block(tk, NULL));
    GB_EXPECT_U64((uint64_t)(s + 21) * 3000 + 1, gb_tk_timestamp(tk));
    GB_EXPECT_ERR(GB_OK, gb_tk_advance_time(tk, 7000));
    GB_EXPECT_U64(s + 17, gb_tk_height(tk));
    GB_EXPECT_U64((uint64_t)(s + 21) * 3000 + 7001, gb_tk_timestamp(tk));

    /* a delayed chain in flight keeps run_until_idle going */
    gb_tk_id again = send(tk, ALICE, tm, "start 5 1");
    uint32_t blocks = 0;
    GB_EXPECT_ERR(GB_OK, gb_tk_run_until_idle(tk, MAX_BLOCKS, &blocks));
    GB_EXPECT_U64(6, blocks);
    EXPECT_REPLY(tk, again, GB_TK_REPLY_SUCCESS_MANUAL, "ok");
    /* and too few blocks is an error that says why */
    send(tk, ALICE, tm, "start 50 1");
    GB_EXPECT_ERR(GB_LIMIT, gb_tk_run_until_idle(tk, 10, &blocks));
    GB_EXPECT_U64(10, blocks);
    GB_EXPECT_STR_CONTAINS(gb_tk_detail(tk), "pending");
    gb_tk_id bad = send(tk, ALICE, tm, "tick");
    idle(tk);
    EXPECT_REPLY(tk, bad, GB_TK_REPLY_USERSPACE_PANIC, "timer: tick from someone else");
    gb_tk_id g3 = send(tk, ALICE, tm, "get");
    idle(tk);
    EXPECT_REPLY(tk, g3, GB_TK_REPLY_SUCCESS_MANUAL, "4");
    gb_tk_free(tk);
}

static void put_u64(uint8_t *p, uint64_t n)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(n >> (8 * i));
}

static void test_pingpong(void)
{
    gb_tk *tk = sys();
    gb_tk_id a = program(tk, "pingpong", NULL, 0);
    gb_tk_id b = program(tk, "pingpong", a.b, 32);
    GB_EXPECT(!gb_tk_id_eq(a, b)); /* one file, two programs */
    uint8_t peer[36];
    memcpy(peer, "peer", 4);
    memcpy(peer + 4, b.b, 32);
    gb_tk_id set;
    GB_EXPECT_ERR(GB_OK, gb_tk_send(tk, ALICE, a, peer, sizeof peer, GAS,
                                    gb_tk_u128_from(0), &set));
    idle(tk);
    EXPECT_REPLY(tk, set, GB_TK_REPLY_SUCCESS_AUTO, "");
    gb_tk_event *ev;
    size_t n;
    gb_tk_take_events(tk, &ev, &n);
    gb_tk_events_free(ev, n);

    uint8_t kick[8];
    put_u64(kick, 100);
    gb_tk_id k;
    GB_EXPECT_ERR(GB_OK, gb_tk_send(tk, BOB, a, kick, 8, GAS,
                                    gb_tk_u128_from(0), &k));
    idle(tk);
    EXPECT_REPLY(tk, k, GB_TK_REPLY_SUCCESS_AUTO, "");
    GB_EXPECT_ERR(GB_OK, gb_tk_take_events(tk, &ev, &n));
    int ok = 0, failed = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == GB_TK_EV_DISPATCHED) {
            ok += ev[i].outcome == GB_TK_OUTCOME_SUCCESS;
            failed += ev[i].outcome == GB_TK_OUTCOME_FAILED;
        }
    /* the kick-off, 101 hops (100 .. 0); the final auto reply carries
     * no gas (Gear's ReplyPacket::auto) and fails its precharge */
    GB_EXPECT_I64(102, ok);
    GB_EXPECT_I64(1, failed);
    gb_tk_events_free(ev, n);
    gb_tk_free(tk);
}

/* A hostile program's message and a ping, in the same block: the hostile
 * one gets its error reply, the ping its PONG. */
static void hostile(const char *name, const char *payload, uint64_t gas,
                    uint32_t want_code)
{
    gb_tk *tk = sys();
    gb_tk_id h = program(tk, name, NULL, 0);
    gb_tk_id ping = program(tk, "ping", NULL, 0);
    idle(tk);
    gb_tk_id m, p;
    GB_EXPECT_ERR(GB_OK, gb_tk_send(tk, ALICE, h, payload, strlen(payload), gas,
                                    gb_tk_u128_from(0), &m));
    GB_EXPECT_ERR(GB_OK, gb_tk_send(tk, BOB, ping, "PING", 4, 1000000000ull,
                                    gb_tk_u128_from(0), &p));
    gb_tk_block b;
    GB_EXPECT_ERR(GB_OK, gb_tk_run_next_block(tk, &b));
    GB_EXPECT_U64(2, b.dispatched);
    gb_tk_reply r = gb_tk_reply_of(tk, m);
    GB_EXPECT(r.found && !gb_tk_reply_code_is_success(r.code));
    if (want_code != (uint32_t)-1)
        EXPECT_REPLY(tk, m, want_code, NULL);
    if (r.found && getenv("GB_TK_TRACE"))
        fprintf(stderr, "  %s: %06x %s\n", name, (unsigned)r.code,
                gb_tk_reply_code_str(r.code));
    EXPECT_REPLY(tk, p, GB_TK_REPLY_SUCCESS_MANUAL, "PONG");
    GB_EXPECT_U64(b.height, gb_tk_reply_of(tk, p).height);
    GB_EXPECT_U64(b.height, r.height);
    uint64_t burned;
    GB_EXPECT_ERR(GB_OK, gb_tk_gas_burned(tk, m, &burned));
    GB_EXPECT(burned > 0 && burned <= gas);
    /* the program is still there and answers the next message the same */
    gb_tk_id m2;
    GB_EXPECT_ERR(GB_OK, gb_tk_send(tk, ALICE, h, payload, strlen(payload), gas,
                                    gb_tk_u128_from(0), &m2));
    idle(tk);
    gb_tk_reply r2 = gb_tk_reply_of(tk, m2);
    GB_EXPECT(r2.found && r2.code == r.code);
    /* the events say which run failed */
    gb_tk_event *ev;
    size_t n;
    GB_EXPECT_ERR(GB_OK, gb_tk_take_events(tk, &ev, &n));
    bool failed = false;
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == GB_TK_EV_DISPATCHED && gb_tk_id_eq(ev[i].id, m))
            failed = ev[i].outcome == GB_TK_OUTCOME_FAILED;
    GB_EXPECT(failed);
    gb_tk_events_free(ev, n);
    gb_tk_free(tk);
}

static void test_hostile_loop(void)
{
    hostile("loop", "go", 1000000000ull, GB_TK_REPLY_RAN_OUT_OF_GAS);
}

static void test_hostile_recurse(void)
{
    hostile("recurse", "go", 1000000000ull, (uint32_t)-1);
}

static void test_hostile_alloc_bomb(void)
{
    hostile("alloc_bomb", "go", 1000000000ull, (uint32_t)-1);
}

static void test_hostile_wild_pointer(void)
{
    hostile("wild_pointer", "err", 1000000000ull, GB_TK_REPLY_BACKEND_ERROR);
    /* a bad argument of a fallible syscall is an error code, not a trap */
    gb_tk *tk = sys();
    gb_tk_id wp = program(tk, "wild_pointer", NULL, 0);
    gb_tk_id m[3];
    m[0] = send(tk, ALICE, wp, "send");
    m[1] = send(tk, ALICE, wp, "read");
    m[2] = send(tk, ALICE, wp, "payload");
    idle(tk);
    for (int i = 0; i < 3; i++)
        EXPECT_REPLY(tk, m[i], GB_TK_REPLY_SUCCESS_MANUAL, "rejected: 201");
    gb_tk_free(tk);
}

/* ---- the harness itself ------------------------------------------------ */

static void test_errors(void)
{
    gb_tk *tk = sys();
    gb_tk_id id;
    /* a missing file, not wasm, wasm Gear rejects */
    GB_EXPECT_ERR(GB_IO, gb_tk_upload_code_file(tk, "/nonexistent/x.wasm", &id));
    GB_EXPECT_STR_CONTAINS(gb_tk_detail(tk), "/nonexistent/x.wasm");
    GB_EXPECT_ERR(GB_INVALID, gb_tk_upload_code(tk, (const uint8_t *)"nope", 4, &id));
    GB_EXPECT(gb_tk_detail(tk)[0] != 0);
    static const uint8_t no_memory[] = {0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0};
    GB_EXPECT_ERR(GB_INVALID, gb_tk_upload_code(tk, no_memory, sizeof no_memory, &id));
    fprintf(stderr, "  (empty module: %s)\n", gb_tk_detail(tk));
    /* create from unknown code */
    gb_tk_id nocode;
    memset(nocode.b, 0x42, 32);
    GB_EXPECT_ERR(GB_INVALID, gb_tk_create_program(tk, nocode, "s", 1, NULL, 0,
                                                   GAS, gb_tk_u128_from(0), &id));
    GB_EXPECT_STR_CONTAINS(gb_tk_detail(tk), "unknown code");
    /* send to a non-program, more gas than a block has */
    GB_EXPECT_ERR(GB_INVALID, gb_tk_send_str(tk, ALICE, nocode, "x", &id));
    GB_EXPECT_STR_CONTAINS(gb_tk_detail(tk), "unknown program");
    gb_tk_id ping = program(tk, "ping", NULL, 0);
    GB_EXPECT_ERR(GB_INVALID, gb_tk_send(tk, ALICE, ping, "x", 1, 1ull << 62,
                                         gb_tk_u128_from(0), &id));
    GB_EXPECT_STR_CONTAINS(gb_tk_detail(tk), "gas");
    /* replies and claims of mail that is not there */
    GB_EXPECT_ERR(GB_INVALID, gb_tk_claim_value(tk, ALICE, nocode));
    GB_EXPECT_STR_CONTAINS(gb_tk_detail(tk), "mailbox");
    GB_EXPECT_ERR(GB_INVALID, gb_tk_send_reply(tk, ALICE, nocode, "r", 1, GAS,
                                               gb_tk_u128_from(0), &id));
    /* a success clears the detail */
    GB_EXPECT_ERR(GB_OK, gb_tk_run_next_block(tk, NULL));
    GB_EXPECT_STR_CONTAINS(gb_tk_detail(tk), "");
    GB_EXPECT(gb_tk_detail(tk)[0] == 0);
    /* hex round trip */
    char hex[67];
    gb_tk_id_to_hex(ping, hex);
    gb_tk_id back;
    GB_EXPECT_ERR(GB_OK, gb_tk_id_from_hex(hex, &back));
    GB_EXPECT(gb_tk_id_eq(back, ping));
    GB_EXPECT_ERR(GB_INVAL, gb_tk_id_from_hex("0x12", &back));
    GB_EXPECT_STR_CONTAINS(gb_tk_reply_code_str(GB_TK_REPLY_USERSPACE_PANIC),
                           "userspace panic");
    gb_tk_free(tk);
    gb_tk_free(NULL);
}

/* The mailbox (the chain's): funding leaves it empty; a program's
 * messages to a user stay there until replied to or claimed. */
static void test_mailbox(void)
{
    gb_tk *tk = sys();
    gb_tk_id carol;
    memset(carol.b, 0xc0, 32);
    /* fund twice: two transfers, nothing in the mailbox */
    GB_EXPECT_ERR(GB_OK, gb_tk_fund(tk, carol, gb_tk_u128_from(7000000000ull)));
    GB_EXPECT_ERR(GB_OK, gb_tk_fund(tk, carol, gb_tk_u128_from(3000000000ull)));
    GB_EXPECT_U64(10000000000ull, gb_tk_balance(tk, carol).lo);
    gb_tk_mail *mail;
    size_t n;
    GB_EXPECT_ERR(GB_OK, gb_tk_mailbox(tk, carol, &mail, &n));
    GB_EXPECT_U64(0, n);
    gb_tk_mail_free(mail, n);

    /* a program's message with value to a user stays in the mailbox until
     * claimed or replied to: the pingpong program sends its peer (a user
     * here) the counter */
    gb_tk_id pp = program(tk, "pingpong", ALICE.b, 32);
    idle(tk);
    uint8_t kick[8];
    put_u64(kick, 5);
    gb_tk_id k;
    GB_EXPECT_ERR(GB_OK, gb_tk_send(tk, BOB, pp, kick, 8, GAS,
                                    gb_tk_u128_from(0), &k));
    idle(tk);
    GB_EXPECT_ERR(GB_OK, gb_tk_mailbox(tk, ALICE, &mail, &n));
    GB_EXPECT_U64(1, n);
    gb_tk_id mid = {{0}};
    if (n == 1) {
        GB_EXPECT(gb_tk_id_eq(mail[0].source, pp));
        GB_EXPECT(mail[0].payload_len == 8 && mail[0].payload[0] == 5);
        GB_EXPECT(!mail[0].is_reply);
        mid = mail[0].id;
    }
    gb_tk_mail_free(mail, n);
    /* alice answers as a peer would, with a reply of 4: pingpong's
     * handle_reply sends 3 to its peer, alice, as a new message */
    uint8_t four[8];
    put_u64(four, 4);
    gb_tk_id rep;
    GB_EXPECT_ERR(GB_OK, gb_tk_send_reply(tk, ALICE, mid, four, 8, GAS,
                                          gb_tk_u128_from(0), &rep));
    GB_EXPECT_ERR(GB_INVALID, gb_tk_claim_value(tk, ALICE, mid)); /* gone */
    idle(tk);
    GB_EXPECT_ERR(GB_OK, gb_tk_mailbox(tk, ALICE, &mail, &n));
    GB_EXPECT_U64(1, n); /* the next hop: 3 */
    if (n == 1) {
        GB_EXPECT(mail[0].payload_len == 8 && mail[0].payload[0] == 3);
        GB_EXPECT(!gb_tk_id_eq(mail[0].id, mid));
        GB_EXPECT_ERR(GB_OK, gb_tk_claim_value(tk, ALICE, mail[0].id));
    }
    gb_tk_mail_free(mail, n);
    idle(tk);
    GB_EXPECT_ERR(GB_OK, gb_tk_mailbox(tk, ALICE, &mail, &n));
    GB_EXPECT_U64(0, n);
    gb_tk_mail_free(mail, n);
    gb_tk_free(tk);
}

/* A named data directory: the chain is there after gb_tk_free, and a new
 * system goes on from it. */
static void test_data_dir(void)
{
    char dir[] = "/tmp/gb-testkit-XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    gb_tk_cfg cfg;
    gb_tk_cfg_default(&cfg);
    cfg.data_dir = dir;
    cfg.block_time_ms = 1000;
    gb_tk *tk;
    GB_EXPECT_ERR(GB_OK, gb_tk_new(&cfg, &tk, NULL, 0));
    gb_tk_id ctr = program(tk, "counter", NULL, 0);
    send(tk, ALICE, ctr, "add 7");
    idle(tk);
    uint32_t h = gb_tk_height(tk);
    gb_tk_free(tk);
    GB_EXPECT_ERR(GB_OK, gb_tk_new(&cfg, &tk, NULL, 0));
    GB_EXPECT_U64(h, gb_tk_height(tk));
    GB_EXPECT_U64((uint64_t)h * 1000, gb_tk_timestamp(tk));
    gb_tk_id m = send(tk, ALICE, ctr, "inc");
    idle(tk);
    EXPECT_REPLY(tk, m, GB_TK_REPLY_SUCCESS_MANUAL, "8");
    gb_tk_free(tk);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    GB_EXPECT(system(cmd) == 0);
}

int main(void)
{
    GB_RUN(test_ping);
    GB_RUN(test_counter);
    GB_RUN(test_token);
    GB_RUN(test_proxy);
    GB_RUN(test_factory);
    GB_RUN(test_timer);
    GB_RUN(test_pingpong);
    GB_RUN(test_hostile_loop);
    GB_RUN(test_hostile_recurse);
    GB_RUN(test_hostile_alloc_bomb);
    GB_RUN(test_hostile_wild_pointer);
    GB_RUN(test_errors);
    GB_RUN(test_mailbox);
    GB_RUN(test_data_dir);
    return gb_test_summary();
}
