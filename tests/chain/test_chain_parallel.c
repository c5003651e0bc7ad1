/*
 * The parallel executor (src/chain/sched.c, docs/parallel.md): the same
 * mixed scenario with 1, 2 and 4 threads gives the same state root after
 * every block, and the same events in the same order.
 *
 * The scenario: pings, counters, proxies waiting for replies (async), a
 * factory creating and calling children, timers (delayed messages),
 * a token, pingpong pairs (long cascades within a block), hostile programs
 * (endless loop, deep recursion, memory bomb, wild pointer), and "wide"
 * programs that write more pages than the chain loads up front (the
 * page-protection path; the others take the eager one), one of which
 * exits in favour of a proxy that runs in the same block (a credit to a
 * program between its preparation and its journal).  Messages come from
 * three accounts, some with value, under a block gas limit small enough
 * that waves are cut by gas and some dispatches wait for the next block.
 * Value is conserved after every block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/idmap.h"  /* the ids sent so far (sent_before) */
#include "chain/replay.h" /* the events' digest in the stored inputs */
#include "gear/codes.h"
#include "chain/chain_fixture.h"
#include "test.h"
#include "util/hash.h"

#define GAS 10000000000ull /* Vara-sized: "wide" writes 12 pages, ~1.4e8 each */
#define BLOCK_GAS 300000000000ull
#define STEPS 24
#define MAXB 64

typedef struct run {
    gb_chain *c;
    uint8_t roots[MAXB][32];
    uint32_t nroots;
    uint8_t trace[MAXB][32]; /* per block: a hash of its events */
    uint32_t dispatched, failed, exited, user_msgs;
    uint32_t max_events; /* in one block */
    gb_id ids[64];
    /* every id on a DISPATCHED event's sent list so far, and every
     * program a dispatch reached (sent_before) */
    gb_idmap sent, progs;
    uint32_t checked_sent; /* dispatches from programs found there */
} run;

static gb_id acct(uint32_t i) { return gb_dev_account_id(i); }

static gb_id submit(run *r, gb_tx tx) { return fx_submit(r->c, tx); }

static gb_id upload(run *r, const char *env, const char *name)
{
    uint32_t len;
    uint8_t *code = fx_read_wasm(env, name, &len);
    gb_id id = gb_code_id(code, len);
    gb_tx tx = {.kind = GB_TX_UPLOAD_CODE, .sender = acct(0), .code = code,
                .code_len = len};
    gb_chain_submit(r->c, &tx, NULL, NULL, 0); /* maybe there already */
    free(code);
    return id;
}

static gb_id create(run *r, gb_id code, const char *salt, const void *init,
                    uint32_t len)
{
    return submit(r, (gb_tx){.kind = GB_TX_CREATE_PROGRAM, .sender = acct(0),
                             .code_id = code, .salt = (const uint8_t *)salt,
                             .salt_len = (uint32_t)strlen(salt),
                             .payload = init, .payload_len = len,
                             .gas_limit = GAS});
}

static void send_b(run *r, uint32_t from, gb_id to, const void *p,
                   uint32_t len, uint64_t value)
{
    submit(r, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = acct(from),
                      .destination = to, .payload = p, .payload_len = len,
                      .gas_limit = GAS, .value = gb_u128_from(value)});
}

static void send(run *r, uint32_t from, gb_id to, const char *s)
{
    send_b(r, from, to, s, (uint32_t)strlen(s), 0);
}

/* For the hostile ones: what they burn is their gas limit. */
static void send_little(run *r, uint32_t from, gb_id to, const char *s)
{
    submit(r, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = acct(from),
                      .destination = to, .payload = (const uint8_t *)s,
                      .payload_len = (uint32_t)strlen(s),
                      .gas_limit = 50000000});
}

static const gb_id zero_id;

/* The sent lists of a block's DISPATCHED events (made on the run's
 * thread, taken by the event): each message or init a program sent is on
 * the list of the dispatch that sent it, in an earlier event, and the
 * lists hold no zero id. */
static void sent_before(run *r, const gb_block_result *b)
{
    for (uint32_t i = 0; i < b->nevents; i++) {
        const gb_event *ev = &b->events[i];
        if (ev->kind != GB_EV_DISPATCHED)
            continue;
        if ((ev->dispatch_kind == GB_DISPATCH_HANDLE ||
             ev->dispatch_kind == GB_DISPATCH_INIT) &&
            gb_idmap_get(&r->progs, &ev->source, &zero_id) != GB_IDMAP_NONE) {
            r->checked_sent++;
            if (gb_idmap_get(&r->sent, &ev->id, &zero_id) == GB_IDMAP_NONE)
                GB_FAIL_("block %u: a program's message is on no sent list",
                         b->height);
        }
        GB_EXPECT_ERR(GB_OK, gb_idmap_put(&r->progs, &ev->destination,
                                          &zero_id, 1));
        for (uint32_t k = 0; k < ev->nsent; k++) {
            if (gb_id_eq(ev->sent[k], zero_id))
                GB_FAIL_("block %u: a zero id sent", b->height);
            GB_EXPECT_ERR(GB_OK,
                          gb_idmap_put(&r->sent, &ev->sent[k], &zero_id, 1));
        }
    }
}

static void block(run *r)
{
    gb_block_result b;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(r->c, &b));
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    for (uint32_t i = 0; i < b.nevents; i++) {
        const gb_event *ev = &b.events[i];
        uint8_t k[8] = {(uint8_t)ev->kind, (uint8_t)ev->outcome,
                        (uint8_t)ev->is_reply};
        gb_blake2b_update(&st, k, sizeof k);
        gb_blake2b_update(&st, ev->id.b, 32);
        gb_blake2b_update(&st, ev->destination.b, 32);
        gb_blake2b_update(&st, &ev->gas_burned, sizeof ev->gas_burned);
        if (ev->payload_len)
            gb_blake2b_update(&st, ev->payload, ev->payload_len);
        r->dispatched += ev->kind == GB_EV_DISPATCHED;
        r->failed += ev->kind == GB_EV_DISPATCHED &&
                     ev->outcome == GB_OUTCOME_FAILED;
        r->exited += ev->kind == GB_EV_PROGRAM_EXITED;
        r->user_msgs += ev->kind == GB_EV_USER_MESSAGE;
    }
    /* the events' digest stored with the block's inputs (made while the
     * block ran, partly on a worker: sched.c) is the digest of its events
     * in order */
    uint8_t want[32];
    gb_chain_events_digest(b.events, b.nevents, want);
    gb_db_txn *t;
    gb_db_val v;
    gb_blk_inputs in;
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(r->c->db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_inputs_get(t, b.height, &v));
    GB_EXPECT_ERR(GB_OK, gb_blk_inputs_decode(v.data, v.len, &in));
    if (memcmp(in.events, want, 32))
        GB_FAIL_("block %u: the stored events digest is not the events'",
                 b.height);
    free(in.tx);
    gb_db_abort(t);
    sent_before(r, &b);
    r->max_events = b.nevents > r->max_events ? b.nevents : r->max_events;
    if (r->nroots < MAXB) {
        gb_blake2b_final(&st, r->trace[r->nroots]);
        memcpy(r->roots[r->nroots++], b.state_root, 32);
    }
    gb_block_result_free(&b);
    fx_check_conservation(r->c);
}

static void hex64(gb_id id, char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", id.b[i]);
}

/* ids: 0-3 ping, 4-6 counter, 7-9 proxy (7, 8 -> ping; 9 -> wide 0),
 * 10 factory, 11-12 timer, 13 token, 14-21 pingpong pairs, 22 loop,
 * 23 recurse, 24 alloc_bomb, 25 wild_pointer, 26-28 wide */
enum { PING = 0, COUNTER = 4, PROXY = 7, FACTORY = 10, TIMER = 11,
       TOKEN = 13, PP = 14, LOOP = 22, RECURSE, BOMB, WILD, WIDE = 26 };

static void setup(run *r)
{
    const char *ex = "GB_EXAMPLES_WASM";
    gb_id ping = upload(r, ex, "ping"), counter = upload(r, ex, "counter"),
          proxy = upload(r, ex, "proxy"), factory = upload(r, ex, "factory"),
          timer = upload(r, ex, "timer"), token = upload(r, ex, "token"),
          pp = upload(r, ex, "pingpong"), loop = upload(r, ex, "loop"),
          rec = upload(r, ex, "recurse"), bomb = upload(r, ex, "alloc_bomb"),
          wild = upload(r, ex, "wild_pointer"),
          wide = upload(r, "GB_TEST_WASM", "wide");
    char salt[16];
    gb_id *ids = r->ids;
    for (int i = 0; i < 4; i++) {
        snprintf(salt, sizeof salt, "ping%d", i);
        ids[PING + i] = create(r, ping, salt, "", 0);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(salt, sizeof salt, "counter%d", i);
        ids[COUNTER + i] = create(r, counter, salt, "", 0);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(salt, sizeof salt, "wide%d", i);
        ids[WIDE + i] = create(r, wide, salt, "", 0);
    }
    ids[PROXY] = create(r, proxy, "proxy0", ids[PING].b, 32);
    ids[PROXY + 1] = create(r, proxy, "proxy1", ids[PING + 1].b, 32);
    ids[PROXY + 2] = create(r, proxy, "proxy2", ids[WIDE].b, 32);
    ids[FACTORY] = create(r, factory, "factory", ping.b, 32);
    ids[TIMER] = create(r, timer, "timer0", "", 0);
    ids[TIMER + 1] = create(r, timer, "timer1", "", 0);
    ids[TOKEN] = create(r, token, "token", "1000000", 7);
    for (int i = 0; i < 4; i++) {
        snprintf(salt, sizeof salt, "ppa%d", i);
        ids[PP + 2 * i] = create(r, pp, salt, "", 0);
        snprintf(salt, sizeof salt, "ppb%d", i);
        ids[PP + 2 * i + 1] = create(r, pp, salt, ids[PP + 2 * i].b, 32);
    }
    ids[LOOP] = create(r, loop, "loop", "", 0);
    ids[RECURSE] = create(r, rec, "recurse", "", 0);
    ids[BOMB] = create(r, bomb, "bomb", "", 0);
    ids[WILD] = create(r, wild, "wild", "", 0);
    block(r);
    for (int i = 0; i < 4; i++) {
        uint8_t peer[36] = "peer";
        memcpy(peer + 4, ids[PP + 2 * i + 1].b, 32);
        send_b(r, 0, ids[PP + 2 * i], peer, 36, 0);
    }
    block(r);
}

static void step(run *r, int s)
{
    gb_id *ids = r->ids;
    char buf[160], bob[65];
    hex64(acct(1), bob);
    for (int i = 0; i < 4; i++)
        send(r, (uint32_t)(s + i) % 3, ids[PING + i], "PING");
    for (int i = 0; i < 3; i++) {
        snprintf(buf, sizeof buf, "add %d", s * 7 + i);
        send(r, (uint32_t)i, ids[COUNTER + i], s % 2 ? buf : "inc");
    }
    send(r, 1, ids[PROXY], "PING");
    send(r, 2, ids[PROXY + 1], "PING");
    uint8_t w[2] = {'W', (uint8_t)(1 + (s * 5) % 15)};
    for (int i = 0; i < 3; i++)
        send_b(r, (uint32_t)i, ids[WIDE + i], w, 2, 1000 + (uint64_t)s);
    if (s % 4 == 0)
        send(r, 0, ids[FACTORY], "spawn");
    if (s % 4 == 2)
        send(r, 0, ids[FACTORY], "call");
    if (s % 6 == 1) {
        send(r, 0, ids[TIMER], "start 1 3");
        send(r, 1, ids[TIMER + 1], "start 2 2");
    }
    snprintf(buf, sizeof buf, "transfer %s %d", bob, 5 + s);
    send(r, 0, ids[TOKEN], buf);
    send(r, 1, ids[TOKEN], s % 5 ? "balance" : "transfer 00 1"); /* bad */
    if (s % 3 == 0)
        for (int i = 0; i < 4; i++) {
            uint8_t n[8] = {(uint8_t)(10 + 3 * i + s)};
            send_b(r, 2, ids[PP + 2 * i], n, 8, 0);
        }
    if (s == 3)
        send_little(r, 0, ids[LOOP], "spin");
    if (s == 5)
        send_little(r, 1, ids[RECURSE], "deep");
    if (s == 7)
        send_little(r, 2, ids[BOMB], "boom");
    if (s == 9) {
        send(r, 0, ids[WILD], "err");
        send(r, 0, ids[WILD], "x");
    }
    if (s == 11) /* wide 0 exits; its balance goes to proxy 2 */
        send(r, 2, ids[PROXY + 2], "X");
    if (s >= 12)
        send(r, 1, ids[PROXY + 2], "after"); /* ProgramExited, relayed */
    block(r);
}

static void scenario(run *r, unsigned threads)
{
    memset(r, 0, sizeof *r);
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.threads = threads;
    cfg.block_gas_limit = BLOCK_GAS;
    char detail[256] = "";
    gb_err e = gb_chain_open(&cfg, &r->c, detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e) {
        fprintf(stderr, "open: %s\n", detail);
        exit(1);
    }
    setup(r);
    for (int s = 0; s < STEPS; s++)
        step(r, s);
    for (int i = 0; i < 6 && gb_chain_pending(r->c); i++)
        block(r);
    gb_chain_close(r->c);
    r->c = NULL;
    gb_idmap_free(&r->sent);
    gb_idmap_free(&r->progs);
}

/* Runs two and four end as run one did: the same blocks, state roots
 * and events. */
static void expect_agree(const run *one, const run *two, const run *four)
{
    const run *other[] = {two, four};
    for (int k = 0; k < 2; k++) {
        const run *o = other[k];
        GB_EXPECT_U64(one->nroots, o->nroots);
        GB_EXPECT_U64(one->dispatched, o->dispatched);
        GB_EXPECT_U64(one->user_msgs, o->user_msgs);
        for (uint32_t i = 0; i < one->nroots && i < o->nroots; i++) {
            if (memcmp(one->roots[i], o->roots[i], 32))
                GB_FAIL_("%s threads: state root differs at block %u",
                         k ? "4" : "2", i + 1);
            if (memcmp(one->trace[i], o->trace[i], 32))
                GB_FAIL_("%s threads: events differ at block %u",
                         k ? "4" : "2", i + 1);
        }
    }
}

static void test_threads_agree(void)
{
    static run one, two, four;
    scenario(&one, 1);
    scenario(&two, 2);
    scenario(&four, 4);
    printf("  %u blocks, %u dispatches (%u failed), %u to users\n",
           one.nroots, one.dispatched, one.failed, one.user_msgs);
    /* the scenario did what it is for */
    GB_EXPECT(one.dispatched > 400);
    GB_EXPECT(one.failed >= 4);  /* loop, recurse, bomb, bad token */
    GB_EXPECT(one.exited == 1);  /* wide 0 */
    GB_EXPECT(one.user_msgs > 100);
    printf("  at most %u events in a block\n", two.max_events);
    GB_EXPECT(two.max_events > 128); /* (a worker digests some: sched.c) */
    printf("  %u dispatches from programs found on sent lists\n",
           one.checked_sent);
    GB_EXPECT(one.checked_sent > 100);
    expect_agree(&one, &two, &four);
}

/* The page overlay (src/chain/overlay.h): a wide program (12 written
 * pages: the lazy path) runs five times in one block, each run reading
 * what the run before it wrote, which is still only in the overlay; then
 * once more in the next block, reading it from the table.  Its replies
 * are the sums of its counters: 12, 24, ..., 72.  A program created,
 * written to and exited in one block leaves no page behind. */
static void test_overlay_reads(unsigned threads)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.threads = threads;
    gb_chain *c;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_chain_open(&cfg, &c, detail, sizeof detail));
    run r = {.c = c};
    gb_id wide = upload(&r, "GB_TEST_WASM", "wide");
    gb_id w = create(&r, wide, "overlay", "", 0);
    gb_block_result b;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &b));
    gb_block_result_free(&b);
    const uint8_t op[2] = {'W', 12};
    uint32_t want = 0, got_replies = 0;
    for (int blk = 0; blk < 2; blk++) {
        for (int i = 0; i < (blk ? 1 : 5); i++)
            send_b(&r, 0, w, op, 2, 0);
        GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &b));
        for (uint32_t i = 0; i < b.nevents; i++) {
            const gb_event *ev = &b.events[i];
            if (ev->kind != GB_EV_USER_MESSAGE || ev->payload_len != 4)
                continue;
            uint32_t sum;
            memcpy(&sum, ev->payload, 4);
            want += 12;
            GB_EXPECT_U64(want, sum);
            got_replies++;
        }
        gb_block_result_free(&b);
    }
    GB_EXPECT_U64(6, got_replies);

    /* created, written and exited in one block: no page stays */
    gb_id x = create(&r, wide, "overlay-exit", "", 0);
    send_b(&r, 0, x, op, 2, 0);
    send_b(&r, 0, x, "X", 1, 0);
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &b));
    uint32_t exited = 0;
    for (uint32_t i = 0; i < b.nevents; i++)
        exited += b.events[i].kind == GB_EV_PROGRAM_EXITED;
    GB_EXPECT_U64(1, exited);
    gb_block_result_free(&b);
    /* what the table has: the live one page 0 (its data and scratch)
     * and its 12 counter pages, trimmed (a counter page: a u32 at offset
     * 64, 68 bytes); the exited one nothing */
    gb_chain_prog_info in;
    GB_EXPECT_ERR(GB_OK, gb_chain_program_info(c, w, &in));
    GB_EXPECT_U64(13, in.stored_pages);
    GB_EXPECT(in.stored_bytes > 12 * 68 && in.stored_bytes < 12 * 68 + 1024);
    GB_EXPECT_ERR(GB_OK, gb_chain_program_info(c, x, &in));
    GB_EXPECT_U64(2, in.status); /* exited */
    GB_EXPECT_U64(0, in.stored_pages);
    gb_chain_close(c);
}

static void test_overlay(void)
{
    test_overlay_reads(1);
    test_overlay_reads(2);
}

/* Waves of hundreds of small programs (pingpong pairs): a worker with
 * no run left digests the events of the journals applied so far while
 * the block's thread applies the rest (sched.c, tail_digest), and the
 * events array moves meanwhile (its first doublings); every block's
 * stored digest is still its events' (block() checks it).  Alone, the
 * block's thread applies such a wave's journals a step of runs at a time
 * (run_wave_alone); in some of the waves, wide programs (pages loaded on
 * first touch, from the transaction) run among the pairs, and the blocks
 * end the same at 1, 2 and 4 threads. */
static void tail_scenario(run *r, unsigned threads)
{
    enum { PAIRS = 200, HOPS = 12, NWIDE = 6 };
    memset(r, 0, sizeof *r);
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.threads = threads;
    cfg.block_gas_limit = 10000000000000000ull; /* (waves cut by size) */
    char detail[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_chain_open(&cfg, &r->c, detail, sizeof detail));
    gb_id pp = upload(r, "GB_EXAMPLES_WASM", "pingpong");
    gb_id wide = upload(r, "GB_TEST_WASM", "wide");
    static gb_id a[PAIRS], bb[PAIRS], w[NWIDE];
    char salt[16];
    for (int i = 0; i < PAIRS; i++) {
        snprintf(salt, sizeof salt, "ta%d", i);
        a[i] = create(r, pp, salt, "", 0);
        snprintf(salt, sizeof salt, "tb%d", i);
        bb[i] = create(r, pp, salt, a[i].b, 32);
    }
    for (int i = 0; i < NWIDE; i++) {
        snprintf(salt, sizeof salt, "tw%d", i);
        w[i] = create(r, wide, salt, "", 0);
    }
    block(r);
    for (int i = 0; i < PAIRS; i++) {
        uint8_t peer[36] = "peer";
        memcpy(peer + 4, bb[i].b, 32);
        send_b(r, 0, a[i], peer, 36, 0);
    }
    block(r);
    const uint8_t op[2] = {'W', 12};
    for (int i = 0; i < PAIRS; i++) {
        uint8_t n[8] = {HOPS};
        send_b(r, (uint32_t)i % 3, a[i], n, 8, 0);
        if (i % 40 == 0) /* (each twice: a wave of its own too) */
            for (int k = 0; k < 2; k++)
                send_b(r, 1, w[(i / 40) % NWIDE], op, 2, 0);
    }
    for (int i = 0; i < 4 && gb_chain_pending(r->c); i++)
        block(r);
    gb_chain_close(r->c);
    r->c = NULL;
    gb_idmap_free(&r->sent);
    gb_idmap_free(&r->progs);
}

static void test_tail(void)
{
    static run one, two, four;
    tail_scenario(&one, 1);
    tail_scenario(&two, 2);
    tail_scenario(&four, 4);
    printf("  %u blocks, %u dispatches (%u failed), %u to users\n",
           one.nroots, one.dispatched, one.failed, one.user_msgs);
    /* every hop ran (a message and its reply each), in blocks of
     * thousands of events */
    GB_EXPECT(two.dispatched > 200 * 12);
    GB_EXPECT(two.max_events > 200 * 12);
    expect_agree(&one, &two, &four);
}

int main(void)
{
    GB_RUN(test_threads_agree);
    GB_RUN(test_overlay);
    GB_RUN(test_tail);
    return gb_test_summary();
}
