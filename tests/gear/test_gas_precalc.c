/*
 * The precalculated-gas test (the idea of Gear's own, in its pallet's
 * tests: a program whose gas is summed by hand from the schedule must burn
 * exactly that).  tests/data/gear/gas_precalc.wat is small enough to sum:
 * this file adds up Vara's weights (gas_vara.h, generated from gear's
 * schedule.rs) for the precharge, the entry's stack-limiter thunk, each
 * metered block with its gas_charge call, and the one syscall — written
 * out from Gear's sources (named beside each sum), not from gearbox's
 * metering code — and runs the program through the processor: the gas it
 * burns must equal the sum, to the unit.  gas_pages.wat adds Gear's
 * lazy-page charges (LazyPagesCosts) for the pages it reads and writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gear/codes.h"
#include "gear/gas_vara.h"
#include "gear/process.h"
#include "gear/gas.h"
#include "test.h"

static uint8_t wasm[1 << 16];
static size_t wasm_len;

static bool read_wasm(const char *name)
{
    char path[512];
    const char *dir = getenv("GB_TEST_WASM");
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : "testwasm", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return false;
    }
    wasm_len = fread(wasm, 1, sizeof wasm, f);
    fclose(f);
    return wasm_len > 8;
}

static uint32_t leb(const uint8_t *p, size_t *i)
{
    uint32_t v = 0;
    for (int s = 0;; s += 7) {
        uint8_t b = p[(*i)++];
        v |= (uint32_t)(b & 0x7F) << s;
        if (!(b & 0x80))
            return v;
    }
}

/* The payload size of each section of the module, by id (0 = custom,
 * summed). */
static void section_sizes(uint64_t size[13])
{
    memset(size, 0, 13 * sizeof *size);
    size_t i = 8;
    while (i < wasm_len) {
        uint8_t id = wasm[i++];
        uint32_t n = leb(wasm, &i);
        if (id <= 12)
            size[id] += n;
        i += n;
    }
}

static const uint8_t *no_pages(void *user, uint32_t page, uint32_t *len)
{
    (void)user, (void)page, (void)len;
    return NULL;
}

/* Stored data for page 1 only. */
static const uint8_t *page1_only(void *user, uint32_t page, uint32_t *len)
{
    static const uint8_t data[4] = {1, 2, 3, 4};
    (void)user;
    *len = sizeof data;
    return page == 1 ? data : NULL;
}

/* The gas_charge call of a metered block (below). */
static uint64_t gas_charge_cost(void);

/* What the precharge and the entry's thunk cost for the module read last:
 * every run of its handle pays these before its first instruction. */
static uint64_t module_costs(void)
{
    const gb_vara_schedule *v = &gb_vara_schedule_default;
    const __typeof__(v->instr) *w = &v->instr;

    /* protocol/processor/src/precharge.rs: the program (one DB read), the
     * code metadata (one read), the code (a read + per byte; gearbox
     * stands the original's length, 8 + its sections, for the
     * instrumented code's: docs/gas.md), no allocations (none yet), and
     * the instantiation per byte of the code, data, global, table, element
     * and type sections (InstantiationWeights) */
    uint64_t sec[13];
    section_sizes(sec);
    uint64_t code_len = 8;
    for (int id = 0; id <= 12; id++)
        code_len += sec[id];
    uint64_t precharge =
        v->db.read + v->db.read + (v->db.read + v->db.read_per_byte * code_len) +
        v->inst.code_section_per_byte * sec[10] +
        v->inst.data_section_per_byte * sec[11] +
        v->inst.global_section_per_byte * sec[6] +
        v->inst.table_section_per_byte * sec[4] +
        v->inst.element_section_per_byte * sec[9] +
        v->inst.type_section_per_byte * sec[1];

    uint64_t gas_charge = gas_charge_cost();

    /* stack_limiter (thunk.rs, instrument_call): the export is a thunk
     * calling handle between the stack-height preamble (global.get,
     * i32.const, i32.add, global.set, global.get, i32.const, i32.gt_u, if;
     * the if's body runs only on overflow) and postamble (global.get,
     * i32.const, i32.sub, global.set): one metered block */
    uint64_t thunk = w->global_get + w->i64const + w->i32add + w->global_set +
                     w->global_get + w->i64const + w->i32gtu + w->if_ +
                     w->call + w->global_get + w->i64const + w->i32sub +
                     w->global_set + gas_charge;
    return precharge + thunk;
}

static uint64_t gas_charge_cost(void)
{
    const __typeof__(gb_vara_schedule_default.instr) *w =
        &gb_vara_schedule_default.instr;
    /* protocol/wasm-instrument/src/lib.rs, inject_gas_limiter: a call of
     * gas_charge costs its body outside the `if` (global.get, local.get,
     * i64.extend_i32_u, i64.const, i64.add, local.tee, i64.lt_u, if,
     * global.get, local.get, i64.sub, global.set), the i32.const of its
     * argument, the call, and call_per_local for its one local */
    return w->global_get + w->local_get + w->i64extendui32 + w->i64const +
           w->i64add + w->local_tee + w->i64ltu + w->if_ + w->global_get +
           w->local_get + w->i64sub + w->global_set + w->i64const + w->call +
           w->call_per_local;
}

/* What gas_precalc's run must burn, from the schedule alone. */
static uint64_t expected_gas(void)
{
    const gb_vara_schedule *v = &gb_vara_schedule_default;
    const __typeof__(v->instr) *w = &v->instr;
    uint64_t gas_charge = gas_charge_cost();

    /* the .wat's blocks (rules.rs: loop and end cost 0) */
    uint64_t b0 = w->i64const + w->local_set + 0 /* loop */ + w->i64const +
                  w->i64const + w->call + gas_charge;
    uint64_t b1 = w->local_get + w->i64const + w->i32sub + w->local_tee +
                  w->br_if + gas_charge;

    /* gr_debug of 0 bytes: its base weight */
    uint64_t debug = v->syscall.gr_debug + 0 * v->syscall.gr_debug_per_byte;

    return module_costs() + b0 + 5 * b1 + debug;
}

static void test_precalculated(void)
{
    GB_EXPECT(read_wasm("gas_precalc"));
    gb_wasm_config wc; /* metered as the code check meters */
    gb_wasm_config_default(&wc);
    wc.schedule = &gb_gear_costs_get()->engine;
    gb_module *m = NULL;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_module_load(&wc, wasm, wasm_len, &m, detail,
                                        sizeof detail));
    if (!m)
        return;
    gb_processor *p;
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &p));
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    gb_program_view view = {.module = m, .static_pages = 1, .page = no_pages};
    gb_dispatch d = {.kind = GB_DISPATCH_HANDLE, .gas_limit = 10000000000ull};
    memset(d.source.b, 0xaa, 32);
    memset(d.destination.b, 0xbb, 32);
    d.id = gb_message_id_external(1, d.source, 0, 0);
    gb_journal j;
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &view, &d, &j));
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    uint64_t want = expected_gas();
    GB_EXPECT_U64(want, j.gas_burned);
    printf("     gas_precalc: burned %llu, summed from the schedule %llu\n",
           (unsigned long long)j.gas_burned, (unsigned long long)want);
    gb_journal_free(&j);

    /* one unit less than that: out of gas, all of it burned */
    d.gas_limit = want - 1;
    d.id = gb_message_id_external(1, d.source, 1, 0);
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &view, &d, &j));
    GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
    GB_EXPECT_U64(GB_REPLY_EXEC_RAN_OUT_OF_GAS,
                  gb_reply_code_from_bytes(j.reply.reply_code));
    GB_EXPECT_U64(want - 1, j.gas_burned);
    gb_journal_free(&j);
    gb_processor_free(p);
    gb_module_free(m);
}

/* Gear's lazy-page charges (protocol/lazy-pages/src/process.rs; the costs:
 * From<MemoryWeights> for LazyPagesCosts in schedule.rs): first access to
 * a page: read lazy_pages_signal_read; write lazy_pages_signal_write +
 * upload_page_data; a write to a page read before:
 * lazy_pages_signal_write_after_read + upload_page_data; a page with
 * stored data: + load_page_data (+ parachain_read_heuristic); pages below
 * the stack's end: nothing. */
static void test_lazy_pages(void)
{
    GB_EXPECT(read_wasm("gas_pages"));
    const gb_vara_schedule *v = &gb_vara_schedule_default;
    const __typeof__(v->instr) *w = &v->instr;
    const __typeof__(v->memory) *mw = &v->memory;
    uint64_t block = 8 * w->i64const + 3 * w->i32store + 2 * w->i32load +
                     w->i32add + 0 /* drop */ + gas_charge_cost();
    uint64_t read = mw->lazy_pages_signal_read;
    uint64_t write = mw->lazy_pages_signal_write + mw->upload_page_data;
    uint64_t write_after_read =
        mw->lazy_pages_signal_write_after_read + mw->upload_page_data;
    uint64_t load = mw->load_page_data + mw->parachain_read_heuristic;
    uint64_t pages = (read + load) /* page 1 */ + write /* page 2 */ +
                     read + write_after_read /* page 3 */;
    uint64_t want = module_costs() + block + pages;

    gb_wasm_config wc;
    gb_wasm_config_default(&wc);
    wc.schedule = &gb_gear_costs_get()->engine;
    gb_module *m = NULL;
    GB_EXPECT_ERR(GB_OK, gb_module_load(&wc, wasm, wasm_len, &m, NULL, 0));
    if (!m)
        return;
    gb_processor *p;
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &p));
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    gb_program_view view = {.module = m, .static_pages = 1,
                            .stack_end = 16384, .page = page1_only};
    /* lazily (faults), then eagerly loaded (every stored page known up
     * front): the same charges */
    static const uint32_t hot[] = {1};
    for (int eager = 0; eager < 2; eager++) {
        view.hot_pages = eager ? hot : NULL;
        view.nhot = eager ? 1 : 0;
        view.hot_complete = eager;
        gb_dispatch d = {.kind = GB_DISPATCH_HANDLE,
                         .gas_limit = 10000000000ull};
        memset(d.source.b, 0xaa, 32);
        d.id = gb_message_id_external(1, d.source, (uint64_t)eager, 0);
        gb_journal j;
        GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &view, &d, &j));
        GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
        GB_EXPECT_U64(want, j.gas_burned);
        GB_EXPECT_U64(2, j.npages); /* pages 2 and 3 (page 0 is stack) */
        printf("     gas_pages (%s): burned %llu, summed %llu (pages %llu)\n",
               eager ? "eager" : "lazy", (unsigned long long)j.gas_burned,
               (unsigned long long)want, (unsigned long long)pages);
        gb_journal_free(&j);

        /* enough for the instructions, not for the pages: out of gas,
         * all of it burned, nothing written */
        d.gas_limit = want - 1;
        d.id = gb_message_id_external(1, d.source, 10 + (uint64_t)eager, 0);
        GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &view, &d, &j));
        GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
        GB_EXPECT_U64(GB_REPLY_EXEC_RAN_OUT_OF_GAS,
                      gb_reply_code_from_bytes(j.reply.reply_code));
        GB_EXPECT_U64(want - 1, j.gas_burned);
        GB_EXPECT_U64(0, j.npages);
        gb_journal_free(&j);
    }
    gb_processor_free(p);
    gb_module_free(m);
}

/* The lazy-page charges for pages touched apart (gas_pages_far: pages 2
 * and 7 written, 5 read, of 8): with the stack ending at each page in
 * turn, a run burns what one with no page above its stack burns plus the
 * charges of the touched pages from there on — none left out or counted
 * twice as the untouched ones are passed. */
static void test_lazy_pages_far(void)
{
    GB_EXPECT(read_wasm("gas_pages_far"));
    const gb_vara_schedule *v = &gb_vara_schedule_default;
    const __typeof__(v->memory) *mw = &v->memory;
    uint64_t read = mw->lazy_pages_signal_read;
    uint64_t write = mw->lazy_pages_signal_write + mw->upload_page_data;
    gb_wasm_config wc;
    gb_wasm_config_default(&wc);
    wc.schedule = &gb_gear_costs_get()->engine;
    gb_module *m = NULL;
    GB_EXPECT_ERR(GB_OK, gb_module_load(&wc, wasm, wasm_len, &m, NULL, 0));
    gb_processor *p = NULL;
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &p));
    if (!m || !p)
        goto out;
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    uint64_t burned[9];
    for (uint32_t stack = 0; stack <= 8; stack++) {
        gb_program_view view = {.module = m, .static_pages = 2,
                                .stack_end = stack * GB_GEAR_PAGE_SIZE,
                                .page = page1_only, .hot_complete = true};
        gb_dispatch d = {.kind = GB_DISPATCH_HANDLE,
                         .gas_limit = 10000000000ull};
        memset(d.source.b, 0xaa, 32);
        d.id = gb_message_id_external(1, d.source, stack, 0);
        gb_journal j;
        GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &view, &d, &j));
        GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
        burned[stack] = j.gas_burned;
        gb_journal_free(&j);
    }
    for (uint32_t stack = 0; stack <= 8; stack++) {
        uint64_t want = (stack <= 2 ? write : 0) + (stack <= 5 ? read : 0) +
                        (stack <= 7 ? write : 0);
        GB_EXPECT_U64(want, burned[stack] - burned[8]);
    }
out:
    gb_processor_free(p);
    gb_module_free(m);
}

int main(void)
{
    GB_RUN(test_precalculated);
    GB_RUN(test_lazy_pages);
    GB_RUN(test_lazy_pages_far);
    return gb_test_summary();
}
