/*
 * The processor, dispatch by dispatch: replies (manual, auto, error), gas,
 * memory that persists through the page lookup, hostile programs, sends.
 * The programs are tests/data/gear/NAME.wat, built to $GB_TEST_WASM.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gear/codes.h"
#include "gear/gas.h"
#include "gear/process.h"
#include "test.h"

/* name's module compiled as tier says (with explicit bounds checks or
 * guard pages), metered with Vara's weights as code checks do. */
static gb_module *load_way(const char *name, uint8_t tier,
                           bool explicit_bounds)
{
    char path[512];
    const char *dir = getenv("GB_TEST_WASM");
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : "testwasm", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    gb_module *m = NULL;
    char detail[256];
    gb_wasm_config wc;
    gb_wasm_config_default(&wc);
    wc.schedule = &gb_gear_costs_get()->engine;
    wc.tier = tier;
    wc.jit_explicit_bounds = explicit_bounds;
    gb_err e = gb_module_load(&wc, buf, n, &m, detail, sizeof detail);
    if (e)
        fprintf(stderr, "load %s: %s\n", name, detail);
    return m;
}

static gb_module *load(const char *name)
{
    return load_way(name, GB_TIER_DEFAULT, false);
}

/* Persisted pages for the page lookup: what earlier journals wrote. */
typedef struct pages {
    gb_page_out *p;
    uint32_t n;
} pages;

static const uint8_t *lookup(void *user, uint32_t page, uint32_t *len)
{
    pages *ps = user;
    for (uint32_t i = 0; i < ps->n; i++)
        if (ps->p[i].page == page) {
            *len = ps->p[i].len;
            return ps->p[i].data;
        }
    return NULL;
}

static void pages_free(pages *ps)
{
    for (uint32_t i = 0; i < ps->n; i++)
        free(ps->p[i].data);
    free(ps->p);
}

/* Takes the journal's pages (their data move to ps). */
static void keep_pages(pages *ps, gb_journal *j)
{
    for (uint32_t i = 0; i < j->npages; i++) {
        gb_page_out *slot = NULL;
        for (uint32_t k = 0; k < ps->n; k++)
            if (ps->p[k].page == j->pages[i].page)
                slot = &ps->p[k];
        if (!slot) {
            ps->p = realloc(ps->p, (ps->n + 1) * sizeof *ps->p);
            slot = &ps->p[ps->n++];
        } else {
            free(slot->data);
        }
        *slot = j->pages[i];
        j->pages[i].data = NULL;
    }
}

/* Vara-sized: the precharge alone is ~50M, a send's fee 200M */
#define GAS 10000000000ull

static gb_dispatch msg(const char *payload, uint64_t gas, uint32_t nonce)
{
    gb_dispatch d = {.kind = GB_DISPATCH_HANDLE, .payload = (const uint8_t *)payload,
                     .payload_len = (uint32_t)strlen(payload), .gas_limit = gas};
    memset(d.source.b, 0xaa, 32);
    memset(d.destination.b, 0xbb, 32);
    d.id = gb_message_id_external(1, d.source, nonce, 0);
    return d;
}

static gb_reply_code reply_code(const gb_journal *j)
{
    return gb_reply_code_from_bytes(j->reply.reply_code);
}

static void test_ping_pong(void)
{
    gb_module *m = load("ping");
    GB_EXPECT(m != NULL);
    if (!m)
        return;
    gb_processor *p;
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &p));
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    gb_program_view v = {.module = m, .static_pages = 1, .page = lookup};
    pages ps = {0};
    v.page_user = &ps;
    gb_dispatch d = msg("PING", GAS, 0);
    gb_journal j;
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &v, &d, &j));
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT(j.has_reply);
    GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL, reply_code(&j));
    GB_EXPECT_U64(4, j.reply.payload_len);
    GB_EXPECT(j.reply.payload && !memcmp(j.reply.payload, "PONG", 4));
    gb_id rid = gb_message_id_reply(d.id);
    GB_EXPECT(gb_id_eq(rid, j.reply.id));
    GB_EXPECT(gb_id_eq(d.source, j.reply.destination));
    GB_EXPECT(j.gas_burned > 0 && j.gas_burned < 1000000000);
    uint64_t gas1 = j.gas_burned;
    gb_journal_free(&j);

    /* the same message costs the same gas: determinism */
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &v, &d, &j));
    GB_EXPECT_U64(gas1, j.gas_burned);
    gb_journal_free(&j);

    /* anything else: a panic, Gear's error reply with the message */
    d = msg("XX", GAS, 1);
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &v, &d, &j));
    GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
    GB_EXPECT_U64(GB_REPLY_EXEC_USERSPACE_PANIC, reply_code(&j));
    GB_EXPECT_U64(3, j.reply.payload_len);
    GB_EXPECT(j.reply.payload && !memcmp(j.reply.payload, "bad", 3));
    GB_EXPECT_U64(0, j.npages); /* a failed run changes no memory */
    gb_journal_free(&j);

    /* too little gas for the precharge's first step (reading the
     * program, 25M): ran out of gas, nothing burned (Gear charges a
     * precharge step only when the gas covers it, precharge.rs) */
    d = msg("PING", 50, 2);
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &v, &d, &j));
    GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
    GB_EXPECT_U64(GB_REPLY_EXEC_RAN_OUT_OF_GAS, reply_code(&j));
    GB_EXPECT_U64(0, j.gas_burned);
    gb_journal_free(&j);

    /* enough for the precharge, too little for the run: all of it burned */
    d = msg("PING", gas1 - 1, 3);
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &v, &d, &j));
    GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
    GB_EXPECT_U64(GB_REPLY_EXEC_RAN_OUT_OF_GAS, reply_code(&j));
    GB_EXPECT_U64(gas1 - 1, j.gas_burned);
    gb_journal_free(&j);
    gb_processor_free(p);
    gb_module_free(m);
}

static void test_counter_memory_persists(void)
{
    gb_module *m = load("counter");
    GB_EXPECT(m != NULL);
    if (!m)
        return;
    gb_processor *p;
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &p));
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    pages ps = {0};
    gb_program_view v = {.module = m, .static_pages = 2, .stack_end = 65536,
                         .page = lookup, .page_user = &ps};
    for (uint32_t i = 1; i <= 3; i++) {
        gb_dispatch d = msg("inc", GAS, i);
        gb_journal j;
        GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &v, &d, &j));
        GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
        uint32_t got = 0;
        if (j.reply.payload_len == 4)
            memcpy(&got, j.reply.payload, 4);
        GB_EXPECT_U64(i, got);
        /* only the page holding the counter changed (the stack, below
         * 64 KiB, is not kept) */
        GB_EXPECT_U64(1, j.npages);
        if (j.npages)
            GB_EXPECT_U64(70000 / 16384, j.pages[0].page);
        keep_pages(&ps, &j);
        gb_journal_free(&j);
    }
    /* the state query sees the persisted counter and writes nothing */
    gb_dispatch q = msg("", GAS, 9);
    q.kind = GB_DISPATCH_STATE;
    gb_journal j;
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &v, &q, &j));
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    uint32_t got = 0;
    if (j.reply.payload_len == 4)
        memcpy(&got, j.reply.payload, 4);
    GB_EXPECT_U64(3, got);
    GB_EXPECT_U64(0, j.npages);
    gb_journal_free(&j);
    pages_free(&ps);
    gb_processor_free(p);
    gb_module_free(m);
}

/* Runs a dispatch of kind with payload on v: the counter it replies
 * (UINT32_MAX: no 4-byte reply) and the outcome. */
static uint32_t run_kind(gb_processor *p, const gb_program_view *v,
                         gb_dispatch_kind kind, const char *payload,
                         uint32_t nonce, pages *keep, gb_outcome *outcome)
{
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    gb_dispatch d = msg(payload, GAS, nonce);
    d.kind = kind;
    gb_journal j;
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, v, &d, &j));
    uint32_t got = UINT32_MAX;
    if (j.has_reply && j.reply.payload_len == 4)
        memcpy(&got, j.reply.payload, 4);
    *outcome = j.outcome;
    if (keep)
        keep_pages(keep, &j);
    gb_journal_free(&j);
    return got;
}

/* One processor, two modules in turn: each run calls its own module's
 * entry point for the kind (the processor finds where they are when it
 * links a module, not per run). */
static void test_modules_in_turn(void)
{
    gb_module *ping = load("ping"), *ctr = load("counter");
    gb_processor *p = NULL;
    GB_EXPECT(ping && ctr);
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &p));
    if (!ping || !ctr || !p)
        goto out;
    pages none = {0}, ps = {0};
    gb_program_view vp = {.module = ping, .static_pages = 1, .page = lookup,
                          .page_user = &none};
    gb_program_view vc = {.module = ctr, .static_pages = 2,
                          .stack_end = 65536, .page = lookup,
                          .page_user = &ps};
    gb_outcome o;
    for (uint32_t round = 0; round < 3; round++) {
        run_kind(p, &vp, GB_DISPATCH_HANDLE, "PING", 10 * round, NULL, &o);
        GB_EXPECT_U64(GB_OUTCOME_SUCCESS, o);
        /* the counter's state export (ping has none) */
        GB_EXPECT_U64(round, run_kind(p, &vc, GB_DISPATCH_STATE, "",
                                      10 * round + 1, NULL, &o));
        GB_EXPECT_U64(GB_OUTCOME_SUCCESS, o);
        run_kind(p, &vp, GB_DISPATCH_STATE, "", 10 * round + 2, NULL, &o);
        GB_EXPECT_U64(GB_OUTCOME_SKIPPED, o);
        GB_EXPECT_U64(round + 1, run_kind(p, &vc, GB_DISPATCH_HANDLE, "inc",
                                          10 * round + 3, &ps, &o));
        GB_EXPECT_U64(GB_OUTCOME_SUCCESS, o);
    }
    pages_free(&ps);
out:
    gb_processor_free(p);
    gb_module_free(ping);
    gb_module_free(ctr);
}

static gb_journal run_hostile(gb_processor *p, gb_module *m, const char *op,
                              uint64_t gas)
{
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    pages ps = {0};
    gb_program_view v = {.module = m, .static_pages = 1, .page = lookup,
                         .page_user = &ps};
    gb_dispatch d = msg(op, gas, 7);
    gb_journal j;
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &v, &d, &j));
    return j;
}

static void test_hostile_programs(void)
{
    gb_module *m = load("hostile");
    GB_EXPECT(m != NULL);
    if (!m)
        return;
    gb_processor *p;
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &p));
    gb_journal j = run_hostile(p, m, "L", 1000000000);
    GB_EXPECT_U64(GB_REPLY_EXEC_RAN_OUT_OF_GAS, reply_code(&j));
    GB_EXPECT_U64(1000000000, j.gas_burned);
    gb_journal_free(&j);

    j = run_hostile(p, m, "R", GAS);
    GB_EXPECT_U64(GB_REPLY_EXEC_STACK_LIMIT_EXCEEDED, reply_code(&j));
    gb_journal_free(&j);

    /* a wild payload pointer: Gear answers AccessOutOfBounds (201) in the
     * error struct and the program goes on (here: to the auto reply) */
    j = run_hostile(p, m, "W", GAS);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, reply_code(&j));
    GB_EXPECT_U64(0, j.nmsgs);
    gb_journal_free(&j);

    /* allocation bomb: alloc fails cleanly at the page limit, the program
     * goes on and writes its last page */
    j = run_hostile(p, m, "A", GAS);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, reply_code(&j));
    /* page 0 (the message it read) and the first gear page of the last
     * 64 KiB page it could allocate */
    GB_EXPECT_U64(2, j.npages);
    if (j.npages == 2) {
        GB_EXPECT_U64(0, j.pages[0].page);
        GB_EXPECT_U64(511 * 4, j.pages[1].page);
    }
    gb_journal_free(&j);

    /* a send, then the automatic empty reply */
    j = run_hostile(p, m, "S", GAS);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(1, j.nmsgs);
    if (j.nmsgs) {
        GB_EXPECT_U64(2, j.msgs[0].payload_len);
        GB_EXPECT(!memcmp(j.msgs[0].payload, "hi", 2));
        gb_dispatch d = msg("S", 0, 7);
        GB_EXPECT(gb_id_eq(gb_message_id_outgoing(d.id, 0), j.msgs[0].id));
        GB_EXPECT(gb_id_eq(d.source, j.msgs[0].destination));
    }
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, reply_code(&j));
    GB_EXPECT_U64(0, j.reply.payload_len);
    gb_journal_free(&j);

    /* after all that the processor still works */
    j = run_hostile(p, m, "N", GAS);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    gb_journal_free(&j);
    gb_processor_free(p);
    gb_module_free(m);
}

/* A store to a page lazy pages has not loaded yet, then 8 bytes
 * straddling the end of memory (its last page not loaded yet either): a
 * trap, interpreted and compiled (guard pages, explicit checks) alike —
 * the same reply, the same gas burned, no page kept. */
static void test_out_of_bounds_tiers(void)
{
    static const struct {
        uint8_t tier;
        bool explicit_bounds;
    } way[] = {{GB_TIER_INTERP, false},
               {GB_TIER_COMPILED, false},
               {GB_TIER_COMPILED, true}};
    gb_processor *p;
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &p));
    uint64_t gas0 = 0;
    for (int w = 0; w < 3; w++) {
        gb_module *m = load_way("hostile", way[w].tier,
                                way[w].explicit_bounds);
        GB_EXPECT(m != NULL);
        if (!m)
            continue;
        gb_journal j = run_hostile(p, m, "O", GAS);
        GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
        GB_EXPECT_U64(GB_REPLY_EXEC_UNREACHABLE_INSTRUCTION, reply_code(&j));
        GB_EXPECT(strstr(j.trap_msg, "out of bounds") != NULL);
        GB_EXPECT_U64(0, j.npages);
        if (w == 0)
            gas0 = j.gas_burned;
        GB_EXPECT_U64(gas0, j.gas_burned);
        gb_journal_free(&j);
        /* the processor goes on with the next message */
        j = run_hostile(p, m, "N", GAS);
        GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
        gb_journal_free(&j);
        gb_module_free(m);
    }
    gb_processor_free(p);
}

/* Two threads, each with its own processor, run the counter program at
 * the same time: every run's journal is what one thread alone produces. */
typedef struct worker {
    gb_module *m;
    uint64_t gas_total;
    uint32_t last;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    gb_processor *p;
    if (gb_processor_new(NULL, &p)) {
        w->failures++;
        return NULL;
    }
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    pages ps = {0};
    gb_program_view v = {.module = w->m, .static_pages = 2, .stack_end = 65536,
                         .page = lookup, .page_user = &ps};
    for (uint32_t i = 1; i <= 300; i++) {
        gb_dispatch d = msg("inc", GAS, i);
        gb_journal j;
        if (gb_process(p, &blk, &v, &d, &j) || j.outcome != GB_OUTCOME_SUCCESS)
            w->failures++;
        w->gas_total += j.gas_burned;
        if (j.reply.payload_len == 4)
            memcpy(&w->last, j.reply.payload, 4);
        keep_pages(&ps, &j);
        gb_journal_free(&j);
    }
    pages_free(&ps);
    gb_processor_free(p);
    return NULL;
}

static void test_threads_independent(void)
{
    gb_module *m = load("counter");
    GB_EXPECT(m != NULL);
    if (!m)
        return;
    worker a = {.m = m}, b = {.m = m}, alone = {.m = m};
    work(&alone);
    pthread_t ta, tb;
    pthread_create(&ta, NULL, work, &a);
    pthread_create(&tb, NULL, work, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    GB_EXPECT_U64(0, a.failures + b.failures + alone.failures);
    GB_EXPECT_U64(300, a.last);
    GB_EXPECT_U64(300, b.last);
    GB_EXPECT_U64(alone.gas_total, a.gas_total);
    GB_EXPECT_U64(alone.gas_total, b.gas_total);
    gb_module_free(m);
}

int main(void)
{
    GB_RUN(test_ping_pong);
    GB_RUN(test_counter_memory_persists);
    GB_RUN(test_modules_in_turn);
    GB_RUN(test_hostile_programs);
    GB_RUN(test_out_of_bounds_tiers);
    GB_RUN(test_threads_independent);
    return gb_test_summary();
}
