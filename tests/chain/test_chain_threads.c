/*
 * The chain used from several threads, and its time limits (issue #19,
 * items 2 and 3):
 *
 *   - a read-only call to a `state` export that never returns, with all
 *     the gas in the world, stops at cfg.call_time_ms with GB_LIMIT and a
 *     detail that says so; without a time limit its gas is capped at the
 *     block's (the loop runs out of gas instead of forever);
 *   - a gas estimate of a message that never returns stops the same way,
 *     and changes nothing;
 *   - transactions submitted from another thread while blocks are being
 *     produced all land, each with the message id submit returned, and
 *     value is conserved;
 *   - cfg.block_budget_ms ends a block's queue early: what is left waits
 *     for the next block, and every message is processed in the end.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "gear/codes.h"
#include "test.h"

#define GAS 5000000000ull

static gb_id dev(uint32_t i) { return gb_dev_account_id(i); }

static gb_chain *open_chain(uint64_t call_ms, uint64_t budget_ms)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.call_time_ms = call_ms;
    cfg.block_budget_ms = budget_ms;
    /* an estimate may burn a whole block's gas (Gear's RPC starts from
     * BlockGasLimit): the endless loop below then meets the time limit,
     * not the default cap (5e10: ~0.05 s of it at Vara's weights) */
    cfg.estimate_gas_limit = cfg.block_gas_limit;
    return fx_open_chain(&cfg);
}

static gb_block_result block(gb_chain *c)
{
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
    fx_check_conservation(c);
    return r;
}

static void blocks(gb_chain *c, int n)
{
    for (int i = 0; i < n; i++) {
        gb_block_result r = block(c);
        gb_block_result_free(&r);
    }
}

/* ---- read-only calls ------------------------------------------------------ */

static void test_read_state_time_limit(void)
{
    gb_chain *c = open_chain(20, 0); /* before a block's gas is burned */
    gb_id loop = fx_create_example(c, dev(0), "loop", GAS);
    blocks(c, 1);
    uint8_t root0[32], root1[32], code[4], *out = NULL;
    uint32_t n = 0;
    char detail[256] = "";
    gb_chain_state_root(c, root0);
    uint64_t t0 = gb_monotonic_ns();
    GB_EXPECT_ERR(GB_LIMIT,
                  gb_chain_read_state(c, loop, NULL, 0, UINT64_MAX, code,
                                      &out, &n, detail, sizeof detail));
    uint64_t ms = (gb_monotonic_ns() - t0) / 1000000;
    GB_EXPECT(ms >= 20 && ms < 3000);
    GB_EXPECT_STR_CONTAINS(detail, "stopped after 20 ms");
    GB_EXPECT(out == NULL);
    gb_chain_state_root(c, root1);
    GB_EXPECT(!memcmp(root0, root1, 32));
    printf("     read_state of an endless loop: GB_LIMIT after %llu ms\n",
           (unsigned long long)ms);
    gb_chain_close(c);

    /* no time limit: a small gas limit still ends it (RanOutOfGas) */
    c = open_chain(0, 0);
    loop = fx_create_example(c, dev(0), "loop", GAS);
    blocks(c, 1);
    GB_EXPECT_ERR(GB_OK, gb_chain_read_state(c, loop, NULL, 0, 1000000000, code,
                                             &out, &n, detail,
                                             sizeof detail));
    GB_EXPECT_U64(GB_REPLY_EXEC_RAN_OUT_OF_GAS,
                  gb_reply_code_from_bytes(code));
    free(out);
    gb_chain_close(c);
}

static void test_estimate_time_limit(void)
{
    gb_chain *c = open_chain(20, 0); /* before a block's gas is burned */
    gb_id loop = fx_create_example(c, dev(0), "loop", GAS);
    blocks(c, 1);
    uint8_t root0[32], root1[32];
    gb_chain_state_root(c, root0);
    gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = dev(1),
                .destination = loop, .payload = (const uint8_t *)"go",
                .payload_len = 2};
    gb_chain_gas_info g;
    char detail[256] = "";
    uint64_t t0 = gb_monotonic_ns();
    GB_EXPECT_ERR(GB_LIMIT,
                  gb_chain_calculate_gas(c, &tx, &g, detail, sizeof detail));
    uint64_t ms = (gb_monotonic_ns() - t0) / 1000000;
    GB_EXPECT(ms >= 20 && ms < 3000);
    GB_EXPECT_STR_CONTAINS(detail, "stopped after 20 ms");
    gb_chain_state_root(c, root1);
    GB_EXPECT(!memcmp(root0, root1, 32));
    /* the chain goes on */
    blocks(c, 1);
    gb_chain_close(c);
}

/* ---- submits while blocks are produced ------------------------------------ */

#define NSUBMIT 400

typedef struct submitter {
    gb_chain *c;
    gb_id ping;
    gb_id mids[NSUBMIT]; /* read after the join */
    uint32_t n;
    gb_err err;
    _Atomic bool done;   /* the submitter has finished */
} submitter;

static void *submit_many(void *arg)
{
    submitter *s = arg;
    for (uint32_t i = 0; i < NSUBMIT; i++) {
        gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = dev(1 + i % 3),
                    .destination = s->ping, .payload = (const uint8_t *)"PING",
                    .payload_len = 4, .gas_limit = 1000000000ull};
        gb_id id;
        gb_err e = gb_chain_submit_ids(s->c, &tx, NULL, &id, NULL, 0);
        if (e) {
            s->err = e;
            break;
        }
        s->mids[s->n++] = id;
    }
    s->done = true;
    return NULL;
}

static void test_submit_while_producing(void)
{
    gb_chain *c = open_chain(0, 0);
    submitter s = {.c = c};
    s.ping = fx_create_example(c, dev(0), "ping", GAS);
    blocks(c, 1);
    pthread_t th;
    GB_EXPECT(!pthread_create(&th, NULL, submit_many, &s));
    /* blocks go on meanwhile; every Dispatched event is collected */
    gb_id *seen = NULL;
    uint32_t nseen = 0, cap = 0, nblocks = 0;
    bool joined = false;
    /* blocks while the submitter runs, then until nothing is pending (a
     * loaded machine may starve either thread: bounded by rounds only
     * once the submitter is done) */
    for (int rounds = 0; !joined || rounds < 4000; rounds++) {
        gb_block_result r = block(c);
        nblocks++;
        for (uint32_t i = 0; i < r.nevents; i++) {
            if (r.events[i].kind != GB_EV_DISPATCHED)
                continue;
            if (nseen == cap) {
                cap = cap ? cap * 2 : 256;
                seen = realloc(seen, cap * sizeof *seen);
            }
            seen[nseen++] = r.events[i].id;
        }
        gb_block_result_free(&r);
        if (!joined && s.done) {
            pthread_join(th, NULL);
            joined = true;
            rounds = 0;
        }
        if (joined && !gb_chain_pending(c))
            break;
    }
    GB_EXPECT_ERR(GB_OK, s.err);
    GB_EXPECT_U64(NSUBMIT, s.n);
    uint32_t found = 0;
    for (uint32_t i = 0; i < s.n; i++)
        for (uint32_t k = 0; k < nseen; k++)
            if (gb_id_eq(seen[k], s.mids[i])) {
                found++;
                break;
            }
    GB_EXPECT_U64(NSUBMIT, found); /* every id submit gave was dispatched */
    printf("     %u messages submitted during %u blocks, all dispatched\n",
           s.n, nblocks);
    free(seen);
    gb_chain_close(c);
}

/* ---- the block's time budget ------------------------------------------------ */

static void test_block_budget(void)
{
    gb_chain *c = open_chain(0, 1); /* 1 ms: one wave a block */
    gb_id loop = fx_create_example(c, dev(0), "loop", GAS);
    blocks(c, 1);
    for (int i = 0; i < 3; i++)
        fx_submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = dev(1),
                             .destination = loop,
                             .payload = (const uint8_t *)"go",
                             .payload_len = 2, .gas_limit = 100000000000ull});
    gb_block_result r = block(c);
    GB_EXPECT(r.out_of_time);
    GB_EXPECT_U64(1, r.dispatched); /* one message to one program: a wave */
    GB_EXPECT_U64(2, r.queued_left);
    gb_block_result_free(&r);
    uint32_t total = 1;
    for (int i = 0; i < 10 && gb_chain_pending(c); i++) {
        r = block(c);
        total += r.dispatched;
        gb_block_result_free(&r);
    }
    GB_EXPECT_U64(3, total);
    GB_EXPECT_U64(0, gb_chain_pending(c));
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_read_state_time_limit);
    GB_RUN(test_estimate_time_limit);
    GB_RUN(test_submit_while_producing);
    GB_RUN(test_block_budget);
    return gb_test_summary();
}
