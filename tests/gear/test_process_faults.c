/*
 * The processor under injected allocation faults (src/util/fault.h): for
 * N = 1, 2, 3, ... the Nth allocation fails while a module is loaded, a
 * processor made, or a Gear program's message run (gb_process).  Every
 * failure must be a clean GB_NOMEM; a call that succeeds although a fault
 * fired must give exactly the fault-free result (an out-of-memory never
 * shows as a trap or a failed message: the chain would record it).  Leaks
 * are ASan's to find (make test-asan).  The programs: the SDK examples
 * ($GB_EXAMPLES_WASM) ping, counter and proxy (it sends and waits), and
 * alloc_bomb (it allocates until it cannot).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault_fixture.h"
#include "gear/codes.h"
#include "gear/process.h"
#include "test.h"

static uint8_t *read_example(const char *name, size_t *len)
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
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static const uint8_t *no_page(void *user, uint32_t page, uint32_t *len)
{
    (void)user, (void)page;
    *len = 0;
    return NULL;
}

/* What a run gave, to compare. */
typedef struct result {
    gb_outcome outcome;
    uint64_t gas;
    uint8_t code[4];
    uint32_t len, npages, nmsgs;
    uint8_t payload[64];
} result;

static result summarise(const gb_journal *j)
{
    result r = {.outcome = j->outcome, .gas = j->gas_burned,
                .npages = j->npages, .nmsgs = j->nmsgs};
    if (j->has_reply) {
        memcpy(r.code, j->reply.reply_code, 4);
        r.len = j->reply.payload_len;
        if (r.len)
            memcpy(r.payload, j->reply.payload,
                   r.len < sizeof r.payload ? r.len : sizeof r.payload);
    }
    return r;
}

static gb_err run(const char *name, gb_dispatch_kind kind, const char *payload,
                  result *out)
{
    size_t len;
    uint8_t *wasm = read_example(name, &len);
    gb_module *m = NULL;
    gb_processor *p = NULL;
    char detail[256];
    gb_err e = gb_module_load(NULL, wasm, len, &m, detail, sizeof detail);
    if (!e)
        e = gb_processor_new(NULL, &p);
    if (!e) {
        gb_block_ctx blk;
        gb_block_ctx_default(&blk, 3, 18000);
        gb_program_view v = {.module = m, .static_pages = 16,
                             .page = no_page};
        uint8_t target[32];
        memset(target, 0x11, 32);
        gb_dispatch d = {.kind = kind, .gas_limit = 50000000ull,
                         .payload = (const uint8_t *)payload,
                         .payload_len = (uint32_t)strlen(payload)};
        if (kind == GB_DISPATCH_INIT && !strcmp(name, "proxy")) {
            d.payload = target;
            d.payload_len = 32;
        }
        memset(d.source.b, 0xaa, 32);
        memset(d.destination.b, 0xbb, 32);
        d.id = gb_message_id_external(3, d.source, 1, 0);
        gb_journal j;
        e = gb_process(p, &blk, &v, &d, &j);
        if (!e) {
            *out = summarise(&j);
            gb_journal_free(&j);
        } else {
            /* nothing to free, and nothing in it */
            GB_EXPECT_U64(0, j.npages + j.nmsgs + j.has_reply);
        }
    }
    gb_processor_free(p);
    gb_module_free(m);
    free(wasm);
    return e;
}

static void sweep(const char *name, gb_dispatch_kind kind, const char *payload)
{
    result want = {0}, got;
    gb_err e;
    uint64_t total = FX_COUNT_CALLS(GB_FAULT_ALLOC,
                                    e = run(name, kind, payload, &want));
    GB_EXPECT_ERR(GB_OK, e);
    unsigned tried = 0, failed = 0;
    for (uint64_t n = 1;; n = fx_fault_next(n, total)) {
        tried++;
        memset(&got, 0, sizeof got);
        gb_fault_arm(GB_FAULT_ALLOC, n, false);
        e = run(name, kind, payload, &got);
        bool fired = gb_fault_fired() > 0;
        gb_fault_disarm();
        if (e) {
            failed++;
            if (e != GB_NOMEM)
                GB_FAIL_("%s alloc fault %" PRIu64 ": %s, not GB_NOMEM", name,
                         n, gb_err_name(e));
        } else if (memcmp(&got, &want, sizeof got)) {
            GB_FAIL_("%s alloc fault %" PRIu64 ": a run that succeeded gave "
                     "another result (outcome %d, gas %" PRIu64 "; fault-free "
                     "%d, %" PRIu64 ")",
                     name, n, got.outcome, got.gas, want.outcome, want.gas);
        }
        if (!fired || (gb_test_cur_failed_ && !fx_fault_all()))
            break;
    }
    printf("  %s: outcome %d, reply %02x%02x%02x%02x; %" PRIu64
           " allocations, %u N tried, %u failed cleanly\n",
           name, want.outcome, want.code[0], want.code[1], want.code[2],
           want.code[3], total, tried, failed);
    GB_EXPECT(failed > 0);
}

static void test_ping_faults(void)
{
    sweep("ping", GB_DISPATCH_HANDLE, "PING");
    sweep("ping", GB_DISPATCH_HANDLE, "bad"); /* a panic: a failed run */
}
static void test_counter_faults(void)
{
    sweep("counter", GB_DISPATCH_HANDLE, "add 5");
}
static void test_proxy_faults(void)
{
    sweep("proxy", GB_DISPATCH_INIT, "");
    sweep("proxy", GB_DISPATCH_HANDLE, "PING"); /* sends, then waits */
}
static void test_alloc_bomb_faults(void)
{
    sweep("alloc_bomb", GB_DISPATCH_HANDLE, "");
}

int main(void)
{
    GB_RUN(test_ping_faults);
    GB_RUN(test_counter_faults);
    GB_RUN(test_proxy_faults);
    GB_RUN(test_alloc_bomb_faults);
    return gb_test_summary();
}
