/*
 * Traces (gear/trace.h) of runs through gb_process: the syscalls they
 * list, gas that adds up exactly to the journal's gas_burned, traced and
 * untraced runs that give the same journal, several runs of one message
 * (gr_wait, then a wake-up), and the outputs: text, JSON (parsed by
 * python3's json), folded stacks (their sum) and the SVG flame graph
 * (parsed by python3's xml.etree).
 *
 * Programs: the SDK examples ping and proxy ($GB_EXAMPLES_WASM, with a
 * name section) and tests/data/gear/trace_nested.wat ($GB_TEST_WASM,
 * without one).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gear/code.h"
#include "gear/codes.h"
#include "gear/gas.h"
#include "gear/process.h"
#include "gear/trace.h"
#include "test.h"

#define GAS 10000000000ull

static uint8_t *slurp(const char *env, const char *name, size_t *len)
{
    char path[512];
    const char *dir = getenv(env);
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    uint8_t *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* A program: its checked code and the pages its runs wrote. */
typedef struct prog {
    gb_gear_code *code;
    gb_page_out *p;
    uint32_t n;
    uint8_t *alloc;
    uint32_t alloc_pages;
    gb_program_view v;
} prog;

static const uint8_t *lookup(void *user, uint32_t page, uint32_t *len)
{
    prog *ps = user;
    for (uint32_t i = 0; i < ps->n; i++)
        if (ps->p[i].page == page) {
            *len = ps->p[i].len;
            return ps->p[i].data;
        }
    const gb_gear_page *gp = gb_gear_code_page(ps->code, page);
    if (!gp)
        return NULL;
    *len = GB_GEAR_PAGE_SIZE;
    return gp->data;
}

static bool prog_load(prog *ps, const char *env, const char *name)
{
    memset(ps, 0, sizeof *ps);
    size_t len = 0;
    uint8_t *bytes = slurp(env, name, &len);
    if (!bytes)
        return false;
    char detail[256];
    gb_err e = gb_gear_code_check(NULL, bytes, len, &ps->code, detail,
                                  sizeof detail);
    free(bytes);
    if (e) {
        fprintf(stderr, "%s: %s\n", name, detail);
        return false;
    }
    ps->v = (gb_program_view){.module = ps->code->module,
                              .static_pages = ps->code->static_pages,
                              .stack_end = ps->code->stack_end,
                              .page = lookup, .page_user = ps};
    return true;
}

/* Keep what a journal wrote (its pages' data move here). */
static void prog_keep(prog *ps, gb_journal *j)
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
    if (j->allocations) {
        free(ps->alloc);
        ps->alloc = j->allocations;
        ps->alloc_pages = j->alloc_pages;
        j->allocations = NULL;
        ps->v.allocations = ps->alloc;
        ps->v.alloc_pages = ps->alloc_pages;
    }
}

static void prog_free(prog *ps)
{
    for (uint32_t i = 0; i < ps->n; i++)
        free(ps->p[i].data);
    free(ps->p);
    free(ps->alloc);
    gb_gear_code_free(ps->code);
}

static gb_dispatch msg(gb_dispatch_kind kind, const char *payload,
                       uint32_t nonce)
{
    gb_dispatch d = {.kind = kind, .payload = (const uint8_t *)payload,
                     .payload_len = (uint32_t)strlen(payload),
                     .gas_limit = GAS};
    memset(d.source.b, 0xaa, 32);
    memset(d.destination.b, 0xbb, 32);
    d.id = gb_message_id_external(1, d.source, nonce, 0);
    return d;
}

static bool same_msg(const gb_out_msg *a, const gb_out_msg *b)
{
    return gb_id_eq(a->id, b->id) && gb_id_eq(a->destination, b->destination) &&
           a->payload_len == b->payload_len &&
           (!a->payload_len || !memcmp(a->payload, b->payload, a->payload_len)) &&
           a->has_gas_limit == b->has_gas_limit && a->gas_limit == b->gas_limit &&
           !memcmp(a->reply_code, b->reply_code, 4);
}

/* Whether two journals say the same. */
static bool same_journal(const gb_journal *a, const gb_journal *b)
{
    if (a->outcome != b->outcome || a->gas_burned != b->gas_burned ||
        a->trap != b->trap || a->npages != b->npages || a->nmsgs != b->nmsgs ||
        a->has_reply != b->has_reply || a->nreserved != b->nreserved ||
        a->nwakes != b->nwakes || a->alloc_pages != b->alloc_pages ||
        strcmp(a->trap_msg, b->trap_msg))
        return false;
    if (a->has_reply && !same_msg(&a->reply, &b->reply))
        return false;
    for (uint32_t i = 0; i < a->nmsgs; i++)
        if (!same_msg(&a->msgs[i], &b->msgs[i]))
            return false;
    for (uint32_t i = 0; i < a->npages; i++)
        if (a->pages[i].page != b->pages[i].page ||
            a->pages[i].len != b->pages[i].len ||
            (a->pages[i].len &&
             memcmp(a->pages[i].data, b->pages[i].data, a->pages[i].len)))
            return false;
    if (a->allocations &&
        memcmp(a->allocations, b->allocations, (a->alloc_pages + 7) / 8))
        return false;
    return true;
}

/* The parts of exec x add up to its journal's gas, written out here as
 * well as by gb_trace_check. */
static void expect_adds_up(const gb_trace *t, const gb_trace_exec *x,
                           const gb_journal *j)
{
    uint64_t burned = j->gas_burned;
    char why[512];
    bool ok = gb_trace_check(t, why, sizeof why);
    if (!ok)
        fprintf(stderr, "gb_trace_check: %s\n", why);
    GB_EXPECT(ok);
    GB_EXPECT(x->done);
    GB_EXPECT_U64(burned, x->gas_burned);
    uint64_t self = 0, steps = 0;
    for (uint32_t i = 0; i < x->nfuncs; i++)
        self += x->funcs[i].self;
    for (uint32_t i = 0; i < x->nsteps; i++)
        steps += x->steps[i].gas;
    int64_t sys = 0, given = 0;
    for (uint32_t i = 0; i < x->nsys; i++) {
        int64_t parts = 0;
        for (int k = 0; k < GB_TRACE_PART_COUNT; k++)
            parts += x->sys[i].part[k];
        GB_EXPECT_I64(x->sys[i].gas, parts);
        sys += x->sys[i].gas;
        given += x->sys[i].part[GB_TRACE_GIVEN];
    }
    GB_EXPECT_U64(0, x->sys_dropped);
    GB_EXPECT_U64(x->instructions, self);
    GB_EXPECT_U64(x->precharge, steps);
    GB_EXPECT_I64(x->syscalls, sys);
    if (x->outcome == GB_OUTCOME_FAILED) /* only the system reservation */
        given = (int64_t)j->system_reserved;
    GB_EXPECT_I64(x->given, given);
    uint64_t pages = 0;
    for (uint32_t i = 0; i < x->npages; i++)
        pages += x->page_list[i].gas;
    if (!x->pages_short)
        GB_EXPECT_U64(x->pages, pages);
    GB_EXPECT_I64((int64_t)burned,
                  (int64_t)(steps + self + (uint64_t)x->pages) + sys - given);
}

static const gb_trace_syscall *find_sys(const gb_trace_exec *x,
                                        const char *name, uint32_t nth)
{
    for (uint32_t i = 0; i < x->nsys; i++)
        if (!strcmp(x->sys[i].name, name) && nth-- == 0)
            return &x->sys[i];
    return NULL;
}

static const gb_trace_func *find_func(const gb_trace_exec *x,
                                      const char *name)
{
    for (uint32_t i = 0; i < x->nfuncs; i++)
        if (!strcmp(x->funcs[i].name, name))
            return &x->funcs[i];
    return NULL;
}

/* out's text, written by fn. */
static char *render(gb_err (*fn)(const gb_trace *, FILE *), const gb_trace *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    GB_EXPECT_ERR(GB_OK, fn(t, f));
    fclose(f);
    return buf;
}

/* A temporary file holding text; its name into path (24 bytes). */
static bool temp_file(const char *text, char path[24])
{
    strcpy(path, "/tmp/gb_trace_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return true;
}

/* The outputs: JSON parses and agrees, the SVG is XML with the names
 * (python3, once: its start is slow on a loaded machine), the folded
 * stacks add up. */
static void expect_outputs(const gb_trace *t, const char *must_name)
{
    const char *keep = getenv("GB_TRACE_OUT"); /* a directory: the outputs
                                                  are written there too */
    if (keep) {
        static const char *const ext[] = {"txt", "json", "svg", "folded"};
        gb_err (*const fn[])(const gb_trace *, FILE *) = {
            gb_trace_print, gb_trace_json, gb_trace_flamegraph_svg,
            gb_trace_folded};
        for (int i = 0; i < 4; i++) {
            char path[512];
            snprintf(path, sizeof path, "%s/%s.%s", keep, must_name, ext[i]);
            FILE *f = fopen(path, "w");
            if (f) {
                fn[i](t, f);
                fclose(f);
            }
        }
    }
    char *text = render(gb_trace_print, t);
    GB_EXPECT(text && strstr(text, must_name));
    GB_EXPECT(text && strstr(text, "precharge"));
    free(text);

    char *json = render(gb_trace_json, t), *svg = render(gb_trace_flamegraph_svg, t);
    char jpath[24], spath[24];
    GB_EXPECT(json && svg && temp_file(json, jpath) && temp_file(svg, spath));
    free(json);
    free(svg);
    char cmd[3000];
    snprintf(cmd, sizeof cmd,
             "python3 -c '"
             "import json,sys,xml.etree.ElementTree as E\n"
             "d=json.load(open(sys.argv[1]))\n"
             "assert d[\"gas_burned\"]==%llu, d[\"gas_burned\"]\n"
             "for x in d[\"executions\"]:\n"
             "  g=x[\"gas\"]\n"
             "  s=g[\"precharge\"]+g[\"instructions\"]+g[\"syscalls\"]-g[\"given\"]+g[\"pages\"]\n"
             "  assert s==x[\"gas_burned\"], (s, x[\"gas_burned\"])\n"
             "  assert sum(k[\"gas\"] for k in x[\"stacks\"])==x[\"gas_burned\"]\n"
             "assert any(\"%s\" in (c[\"name\"], c.get(\"caller\")) for x in d[\"executions\"] for c in x[\"syscalls\"]+x[\"functions\"])\n"
             "r=E.parse(sys.argv[2]).getroot()\n"
             "assert r.tag.endswith(\"svg\")\n"
             "t=\" \".join(e.text or \"\" for e in r.iter() if e.tag.endswith(\"title\"))\n"
             "assert \"%s\" in t, t[:300]\n"
             "assert len([e for e in r.iter() if e.tag.endswith(\"rect\")])>3\n"
             "' %s %s",
             (unsigned long long)gb_trace_gas_burned(t), must_name, must_name,
             jpath, spath);
    int rc = system(cmd);
    if (rc) {
        fprintf(stderr, "JSON or SVG check failed (%d): %s %s\n", rc, jpath,
                spath);
    } else {
        unlink(jpath);
        unlink(spath);
    }
    GB_EXPECT(rc == 0);

    /* folded stacks: "a;b;c N" lines whose numbers add up */
    char *folded = render(gb_trace_folded, t);
    uint64_t sum = 0;
    bool named = false;
    for (char *line = folded, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = 0;
        char *sp = strrchr(line, ' ');
        GB_EXPECT(sp != NULL);
        if (!sp)
            break;
        sum += strtoull(sp + 1, NULL, 10);
        named |= strstr(line, must_name) != NULL;
    }
    GB_EXPECT(named);
    GB_EXPECT_U64(gb_trace_gas_burned(t), sum);
    free(folded);
}

/* ping: PING gets PONG; the trace lists gr_size, gr_read, gr_reply,
 * names handle from the name section, and adds up; a run not targeted
 * is not recorded; traced and untraced journals are the same. */
static void test_ping_example(void)
{
    prog ps;
    GB_EXPECT(prog_load(&ps, "GB_EXAMPLES_WASM", "ping"));
    if (!ps.code)
        return;
    gb_processor *p;
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &p));
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    gb_dispatch d = msg(GB_DISPATCH_HANDLE, "PING", 0);

    gb_journal plain, traced;
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &ps.v, &d, &plain));
    gb_trace *t;
    GB_EXPECT_ERR(GB_OK, gb_trace_new(&d.id, &t));
    gb_processor_set_trace(p, t);
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &ps.v, &d, &traced));
    GB_EXPECT(same_journal(&plain, &traced));
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, traced.outcome);
    GB_EXPECT(traced.has_reply && traced.reply.payload_len == 4 &&
              !memcmp(traced.reply.payload, "PONG", 4));

    /* another message: not recorded */
    gb_dispatch other = msg(GB_DISPATCH_HANDLE, "PING", 1);
    gb_journal j;
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &ps.v, &other, &j));
    gb_journal_free(&j);
    GB_EXPECT_U64(1, gb_trace_exec_count(t));

    const gb_trace_exec *x = gb_trace_exec_get(t, 0);
    GB_EXPECT(x != NULL && gb_trace_exec_get(t, 1) == NULL);
    if (x) {
        GB_EXPECT(gb_id_eq(d.id, x->message));
        GB_EXPECT(gb_id_eq(d.destination, x->program));
        GB_EXPECT_U64(GB_DISPATCH_HANDLE, x->kind);
        GB_EXPECT_U64(GB_OUTCOME_SUCCESS, x->outcome);
        expect_adds_up(t, x, &traced);
        GB_EXPECT(x->nsteps >= 4); /* data, metadata, code, inst., thunk */
        GB_EXPECT(x->instructions > 0);
        const gb_trace_syscall *sz = find_sys(x, "gr_size", 0);
        const gb_trace_syscall *rd = find_sys(x, "gr_read", 0);
        const gb_trace_syscall *rp = find_sys(x, "gr_reply", 0);
        GB_EXPECT(sz && rd && rp);
        if (sz && rd && rp) {
            GB_EXPECT(sz < rd && rd < rp); /* in the order called */
            const gb_gear_costs *k = gb_gear_costs_get();
            GB_EXPECT_U64(4, rd->args[1]); /* len */
            GB_EXPECT(rd->has_code);
            GB_EXPECT_U64(0, rd->code);
            GB_EXPECT_I64((int64_t)k->sys[GB_SYS_GR_READ],
                          rd->part[GB_TRACE_BASE]);
            GB_EXPECT_I64((int64_t)(4 * k->sys_per_byte[GB_SYS_GR_READ]),
                          rd->part[GB_TRACE_PER_BYTE]);
            GB_EXPECT_I64(0, rd->part[GB_TRACE_OTHER]);
            GB_EXPECT_I64((int64_t)k->sending_fee, rp->part[GB_TRACE_FEE]);
            GB_EXPECT(rp->has_code && rp->code == 0);
            GB_EXPECT_U64(4, rp->args[1]);
        }
        const gb_trace_func *h = find_func(x, "handle");
        GB_EXPECT(h != NULL); /* from the name section */
        if (h) {
            GB_EXPECT_U64(1, h->calls);
            /* the entry point's total is all the program ran */
            GB_EXPECT_U64(x->instructions + (uint64_t)x->syscalls -
                              (uint64_t)x->part[GB_TRACE_GIVEN],
                          h->total);
        }
        GB_EXPECT(x->npages > 0);
    }
    expect_outputs(t, "gear_msg_read"); /* a name-section name */
    gb_journal_free(&plain);
    gb_journal_free(&traced);

    /* a panic (tests/data/gear/ping.wat panics on anything but PING):
     * failed, gr_panic ended the run, still adds up */
    prog pw;
    GB_EXPECT(prog_load(&pw, "GB_TEST_WASM", "ping"));
    gb_trace *t2;
    gb_dispatch bad = msg(GB_DISPATCH_HANDLE, "XX", 2);
    GB_EXPECT_ERR(GB_OK, gb_trace_new(&bad.id, &t2));
    gb_processor_set_trace(p, t2);
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &pw.v, &bad, &j));
    GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
    x = gb_trace_exec_get(t2, 0);
    GB_EXPECT(x != NULL);
    if (x) {
        expect_adds_up(t2, x, &j);
        const gb_trace_syscall *pn = find_sys(x, "gr_panic", 0);
        GB_EXPECT(pn && pn->stop && !strcmp(pn->stop, "panic"));
        GB_EXPECT(pn && pn == &x->sys[x->nsys - 1]);
    }
    gb_journal_free(&j);

    /* out of gas in the middle: still adds up */
    gb_trace *t3;
    gb_dispatch poor = msg(GB_DISPATCH_HANDLE, "PING", 3);
    GB_EXPECT_ERR(GB_OK, gb_trace_new(&poor.id, &t3));
    gb_processor_set_trace(p, t3);
    gb_journal full;
    poor.gas_limit = GAS;
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &ps.v, &poor, &full));
    for (uint64_t cut = 1; cut <= 7; cut++) {
        poor.gas_limit = full.gas_burned - full.gas_burned * cut / 8;
        GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &ps.v, &poor, &j));
        gb_journal_free(&j);
    }
    GB_EXPECT_U64(8, gb_trace_exec_count(t3));
    bool some_failed = false;
    for (uint32_t i = 0; i < gb_trace_exec_count(t3); i++)
        some_failed |= gb_trace_exec_get(t3, i)->outcome == GB_OUTCOME_FAILED;
    GB_EXPECT(some_failed);
    char why[512];
    bool ok = gb_trace_check(t3, why, sizeof why);
    if (!ok)
        fprintf(stderr, "%s\n", why);
    GB_EXPECT(ok);
    gb_journal_free(&full);

    gb_processor_set_trace(p, NULL);
    gb_trace_free(t);
    gb_trace_free(t2);
    gb_trace_free(t3);
    gb_processor_free(p);
    prog_free(&ps);
    prog_free(&pw);
}

/* Nested calls, every part of a syscall's gas, func[N] names. */
static void test_nested_calls(void)
{
    prog ps;
    GB_EXPECT(prog_load(&ps, "GB_TEST_WASM", "trace_nested"));
    if (!ps.code)
        return;
    gb_processor *p;
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &p));
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    const gb_gear_costs *k = gb_gear_costs_get();

    for (int fail = 0; fail < 2; fail++) {
        gb_dispatch d = msg(GB_DISPATCH_HANDLE, fail ? "Fx" : "hi",
                            10 + (uint32_t)fail);
        gb_journal plain, traced;
        GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &ps.v, &d, &plain));
        gb_trace *t;
        GB_EXPECT_ERR(GB_OK, gb_trace_new(NULL, &t)); /* every run */
        gb_processor_set_trace(p, t);
        GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &ps.v, &d, &traced));
        gb_processor_set_trace(p, NULL);
        GB_EXPECT(same_journal(&plain, &traced));
        GB_EXPECT_U64(fail ? GB_OUTCOME_FAILED : GB_OUTCOME_SUCCESS,
                      traced.outcome);
        GB_EXPECT_U64(fail ? 0 : 1, traced.nmsgs);
        const gb_trace_exec *x = gb_trace_exec_get(t, 0);
        GB_EXPECT(x != NULL);
        if (!x) {
            gb_trace_free(t);
            continue;
        }
        expect_adds_up(t, x, &traced);
        static const char *const order[] = {
            "gr_size", "gr_read", "gr_debug", "gr_send_wgas",
            "gr_reserve_gas", "gr_unreserve_gas", "gr_system_reserve_gas",
            "alloc", "gr_reply"};
        uint32_t want = fail ? 8 : 9;
        GB_EXPECT_U64(want, x->nsys);
        for (uint32_t i = 0; i < want && i < x->nsys; i++)
            GB_EXPECT_STR_CONTAINS(x->sys[i].name, order[i]);
        if (x->nsys >= 8) {
            GB_EXPECT_STR_CONTAINS(x->sys[0].caller_name, "func[10]");
            GB_EXPECT_U64(10, x->sys[0].caller);
            GB_EXPECT_STR_CONTAINS(x->sys[3].caller_name, "func[11]");
            const gb_trace_syscall *s = &x->sys[3]; /* gr_send_wgas */
            GB_EXPECT_I64(1000000, s->part[GB_TRACE_GIVEN]);
            GB_EXPECT_I64((int64_t)k->sending_fee, s->part[GB_TRACE_FEE]);
            GB_EXPECT_I64((int64_t)(2 * k->sys_per_byte[GB_SYS_GR_SEND_WGAS]),
                          s->part[GB_TRACE_PER_BYTE]);
            GB_EXPECT_U64(1000000, s->args[3]);
            s = &x->sys[4]; /* gr_reserve_gas */
            /* the amount and its rent, 100 x (ReserveFor + 10 blocks) */
            GB_EXPECT_I64(500000 + 1100, s->part[GB_TRACE_GIVEN]);
            GB_EXPECT_I64((int64_t)k->reservation_fee, s->part[GB_TRACE_FEE]);
            s = &x->sys[5]; /* gr_unreserve_gas: given back */
            GB_EXPECT_I64(-(500000 + 1100), s->part[GB_TRACE_GIVEN]);
            GB_EXPECT_I64(s->part[GB_TRACE_BASE] - (500000 + 1100), s->gas);
            GB_EXPECT(s->has_code && s->code == 0);
            s = &x->sys[6]; /* gr_system_reserve_gas */
            GB_EXPECT_I64(700000, s->part[GB_TRACE_GIVEN]);
            GB_EXPECT(s->has_code && s->code == 0);
            GB_EXPECT_U64(700000, traced.system_reserved);
            s = &x->sys[7]; /* alloc: page 2, memory grown */
            GB_EXPECT_U64(1, s->nresults);
            GB_EXPECT_U64(2, s->results[0]);
            GB_EXPECT(s->part[GB_TRACE_MEMORY] > 0);
            GB_EXPECT_I64(1700000, x->part[GB_TRACE_GIVEN]);
            /* a failed run keeps only the system reservation */
            GB_EXPECT_I64(fail ? 700000 : 1700000, x->given);
        }
        const gb_trace_func *leaf = find_func(x, "func[12]");
        const gb_trace_func *work = find_func(x, "func[11]");
        const gb_trace_func *handle = find_func(x, "func[9]");
        GB_EXPECT(leaf && work && handle);
        if (leaf && work && handle) {
            GB_EXPECT_U64(3, leaf->calls);
            GB_EXPECT(leaf->self > 0 && leaf->total == leaf->self);
            GB_EXPECT(work->total > work->self + leaf->total);
            GB_EXPECT(handle->total >= work->total);
            GB_EXPECT_U64(x->instructions + (uint64_t)(x->syscalls -
                                                       x->part[GB_TRACE_GIVEN]),
                          handle->total);
            GB_EXPECT(x->funcs[0].index == 9); /* the largest total first */
        }
        expect_outputs(t, "func[12]");
        gb_journal_free(&plain);
        gb_journal_free(&traced);
        gb_trace_free(t);
    }
    gb_processor_free(p);
    prog_free(&ps);
}

/* proxy: one message runs twice (gr_wait_up_to, then woken by the target's
 * reply); the trace holds both runs, other messages are not in it. */
static void test_proxy_wait_wake(void)
{
    prog ps;
    GB_EXPECT(prog_load(&ps, "GB_EXAMPLES_WASM", "proxy"));
    if (!ps.code)
        return;
    gb_processor *p;
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &p));
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    gb_id target;
    memset(target.b, 0x77, 32);

    gb_dispatch h = msg(GB_DISPATCH_HANDLE, "ask", 21);
    gb_trace *t;
    GB_EXPECT_ERR(GB_OK, gb_trace_new(&h.id, &t));
    gb_processor_set_trace(p, t);

    gb_dispatch init = msg(GB_DISPATCH_INIT, "", 20);
    init.payload = target.b;
    init.payload_len = 32;
    gb_journal j;
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &ps.v, &init, &j));
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    prog_keep(&ps, &j);
    gb_journal_free(&j);

    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &ps.v, &h, &j));
    GB_EXPECT_U64(GB_OUTCOME_WAIT, j.outcome);
    GB_EXPECT_U64(1, j.nmsgs);
    uint64_t burned = j.gas_burned;
    gb_journal wait_j = {.gas_burned = j.gas_burned,
                         .system_reserved = j.system_reserved};
    gb_id sent = j.nmsgs ? j.msgs[0].id : h.id;
    h.ctx = j.ctx;
    prog_keep(&ps, &j);
    gb_journal_free(&j);

    gb_dispatch rep = msg(GB_DISPATCH_REPLY, "answer", 22);
    rep.source = target;
    rep.id = gb_message_id_reply(sent);
    rep.reply_to = sent;
    gb_reply_code_bytes(GB_REPLY_SUCCESS_MANUAL, rep.reply_code);
    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &ps.v, &rep, &j));
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(1, j.nwakes);
    prog_keep(&ps, &j);
    gb_journal_free(&j);

    GB_EXPECT_ERR(GB_OK, gb_process(p, &blk, &ps.v, &h, &j));
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT(j.has_reply && j.reply.payload_len == 6 &&
              !memcmp(j.reply.payload, "answer", 6));
    burned += j.gas_burned;

    GB_EXPECT_U64(2, gb_trace_exec_count(t));
    GB_EXPECT_U64(burned, gb_trace_gas_burned(t));
    const gb_trace_exec *a = gb_trace_exec_get(t, 0),
                        *b = gb_trace_exec_get(t, 1);
    GB_EXPECT(a && b);
    if (a && b) {
        GB_EXPECT_U64(GB_OUTCOME_WAIT, a->outcome);
        GB_EXPECT_U64(GB_OUTCOME_SUCCESS, b->outcome);
        expect_adds_up(t, a, &wait_j);
        expect_adds_up(t, b, &j);
        const gb_trace_syscall *w = find_sys(a, "gr_wait_up_to", 0);
        GB_EXPECT(w && w->stop && !strcmp(w->stop, "wait"));
        GB_EXPECT(w && w->part[GB_TRACE_FEE] ==
                           (int64_t)gb_gear_costs_get()->waiting_fee);
        GB_EXPECT(find_sys(a, "gr_send", 0) || find_sys(a, "gr_send_commit", 0));
        GB_EXPECT(find_sys(b, "gr_reply", 0) || find_sys(b, "gr_reply_commit", 0));
        GB_EXPECT(find_func(a, "handle") && find_func(b, "handle"));
    }
    expect_outputs(t, "gr_wait_up_to");
    gb_journal_free(&j);
    gb_processor_set_trace(p, NULL);
    gb_trace_free(t);
    gb_processor_free(p);
    prog_free(&ps);
}

int main(void)
{
    GB_RUN(test_ping_example);
    GB_RUN(test_nested_calls);
    GB_RUN(test_proxy_wait_wake);
    return gb_test_summary();
}
