/*
 * Recording a trace (trace.h): the profiler's events become a call tree
 * with gas per node, a list of syscalls and, at the end of the run, the
 * per-function figures.  trace_write.c turns a trace into text, JSON,
 * folded stacks and SVG.
 *
 * Attribution.  The engine reports the gas used at every call, return and
 * host call; the difference from one event to the next belongs to the
 * node on top of the trace's own stack (a wasm function, or a syscall
 * during its host call).  Nodes are children of their caller's node, one
 * per (caller path, function): the tree is what flame graphs draw, and
 * its size grows with the distinct call paths, not with the calls.  A
 * node is created after its parent, so parents have smaller indices; the
 * sums over subtrees are one backwards pass.
 *
 * Failure to allocate while recording marks the execution incomplete
 * (the run itself goes on unchanged): gb_trace_check then says so.
 */
#include "gear/trace.h"

#include <stdlib.h>
#include <string.h>

#include "gear/run.h"
#include "gear/trace_int.h"
#include "gearbox/wasm_inspect.h"
#include "util/grow.h"
#include "util/mem.h"

#define NONE UINT32_MAX

const char *gb_trace_part_name(gb_trace_part part)
{
    static const char *const names[GB_TRACE_PART_COUNT] = {
        "base", "per_byte", "fee", "memory", "given", "other"};
    return part < GB_TRACE_PART_COUNT ? names[part] : "?";
}

const char *gb_trace_page_kind_name(gb_trace_page_kind k)
{
    switch (k) {
    case GB_TRACE_PAGE_READ:
        return "read";
    case GB_TRACE_PAGE_WRITE:
        return "write";
    default:
        return "write after read";
    }
}

gb_err gb_trace_new(const gb_id *target, gb_trace **out)
{
    *out = NULL;
    gb_trace *t = gb_calloc(1, sizeof *t);
    if (!t)
        return GB_NOMEM;
    if (target) {
        t->has_target = true;
        t->target = *target;
    }
    *out = t;
    return GB_OK;
}

static void exec_free(gb_trace_rec *x)
{
    for (uint32_t i = 0; i < x->nnames; i++)
        free(x->names[i]);
    free(x->names);
    free(x->sysname);
    free(x->steps);
    free(x->sys);
    free(x->pages);
    free(x->funcs);
    free(x->nodes);
    free(x->stack);
}

void gb_trace_free(gb_trace *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->nexecs; i++)
        exec_free(&t->execs[i]);
    free(t->execs);
    free(t);
}

uint32_t gb_trace_exec_count(const gb_trace *t) { return t->nexecs; }

const gb_trace_exec *gb_trace_exec_get(const gb_trace *t, uint32_t i)
{
    return i < t->nexecs ? &t->execs[i].pub : NULL;
}

uint64_t gb_trace_gas_burned(const gb_trace *t)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < t->nexecs; i++)
        sum += t->execs[i].pub.gas_burned;
    return sum;
}

bool gb_trace_wants(const gb_trace *t, const gb_dispatch *d)
{
    return !t->has_target || gb_id_eq(t->target, d->id);
}

/* ---- names ------------------------------------------------------------- */

/* A copy of name fit for every output: printable ASCII, no ';' (the
 * folded format's separator), at most 256 bytes. */
static char *clean_name(const char *name, uint32_t len)
{
    if (len > 256)
        len = 256;
    char *s = gb_malloc(len + 1);
    if (!s)
        return NULL;
    for (uint32_t i = 0; i < len; i++) {
        char c = name[i];
        s[i] = c < 0x20 || c > 0x7e || c == ';' ? '?' : c;
    }
    s[len] = 0;
    return s;
}

static void take_name(void *user, uint32_t idx, const char *name,
                      uint32_t len)
{
    gb_trace_rec *x = user;
    if (idx >= x->nnames || x->names[idx] || !len)
        return;
    if (!(x->names[idx] = clean_name(name, len)))
        x->incomplete = true;
}

/* Every function of m gets a name: a syscall's own, the name section's,
 * else func[N]. */
static gb_err name_functions(gb_trace_rec *x, const gb_module *m)
{
    uint32_t n = gb_module_func_count(m), ni = gb_module_func_import_count(m);
    x->names = gb_calloc(n ? n : 1, sizeof *x->names);
    x->sysname = gb_calloc(ni ? ni : 1, sizeof *x->sysname);
    if (!x->names || !x->sysname)
        return GB_NOMEM;
    x->nnames = n;
    x->nimports = ni;
    /* imported functions, in import order among the imports */
    uint32_t fi = 0;
    for (uint32_t i = 0; i < gb_module_import_count(m) && fi < ni; i++) {
        gb_import_desc im;
        gb_module_import(m, i, &im);
        if (im.kind != GB_EXTERN_FUNC)
            continue;
        const gb_gear_syscall *sc = gb_gear_syscall_find(im.name, im.name_len);
        x->sysname[fi] = sc ? sc->name : "?";
        if (!(x->names[fi] = clean_name(im.name, im.name_len)))
            return GB_NOMEM;
        fi++;
    }
    gb_module_func_names(m, take_name, x);
    for (uint32_t i = 0; i < n; i++) {
        if (x->names[i])
            continue;
        char b[24];
        snprintf(b, sizeof b, "func[%u]", i);
        if (!(x->names[i] = clean_name(b, (uint32_t)strlen(b))))
            return GB_NOMEM;
    }
    return GB_OK;
}

/* ---- the call tree ------------------------------------------------------- */

/* The child of node parent for function func, made if need be; NONE when
 * out of memory. */
static uint32_t child(gb_trace_rec *x, uint32_t parent, uint32_t func)
{
    for (uint32_t c = x->nodes[parent].child; c != NONE;
         c = x->nodes[c].sibling)
        if (x->nodes[c].func == func)
            return c;
    if (!gb_grow((void **)&x->nodes, &x->capnodes, (uint64_t)x->nnodes + 1,
                 sizeof *x->nodes, 64))
        return NONE;
    uint32_t c = x->nnodes++;
    x->nodes[c] = (gb_trace_node){.func = func, .parent = parent,
                                  .child = NONE, .sibling = NONE};
    /* appended, so siblings keep the order of first calls */
    uint32_t *link = &x->nodes[parent].child;
    while (*link != NONE)
        link = &x->nodes[*link].sibling;
    *link = c;
    return c;
}

static bool push(gb_trace_rec *x, uint32_t func)
{
    uint32_t c = child(x, x->stack[x->depth - 1], func);
    if (c == NONE || !gb_grow((void **)&x->stack, &x->capstack,
                              (uint64_t)x->depth + 1, sizeof *x->stack, 64))
        return false;
    x->stack[x->depth++] = c;
    x->nodes[c].calls++;
    return true;
}

static const char *stop_name(const gb_run *r, gb_err trap)
{
    switch (r ? r->stop : GB_STOP_NONE) {
    case GB_STOP_EXIT:
        return "exit";
    case GB_STOP_LEAVE:
        return "leave";
    case GB_STOP_WAIT:
        return "wait";
    case GB_STOP_PANIC:
        return "panic";
    case GB_STOP_OOM:
        return "out of memory";
    case GB_STOP_BACKEND:
        return "backend error";
    case GB_STOP_TRAP:
        return "trap";
    default:
        return trap == GB_TRAP_OUT_OF_GAS ? "out of gas" : gb_err_name(trap);
    }
}

static void host_return(gb_trace *t, gb_trace_rec *x, const gb_prof_event *ev,
                        int64_t gas)
{
    gb_trace_syscall *c = &x->cur;
    c->gas = gas;
    int64_t noted = 0;
    for (int i = 0; i < GB_TRACE_OTHER; i++)
        noted += c->part[i];
    c->part[GB_TRACE_OTHER] = gas - noted;
    if (ev->err == GB_OK) {
        for (uint32_t i = 0; i < c->nresults; i++)
            c->results[i] = ev->vals[i];
    } else {
        c->trap = ev->err;
        c->stop = stop_name(t->p->run, ev->err);
    }
    for (int i = 0; i < GB_TRACE_PART_COUNT; i++)
        x->pub.part[i] += c->part[i];
    x->nodes[x->stack[x->depth - 1]].given += c->part[GB_TRACE_GIVEN];
    x->in_host = false;
    if (x->nsys >= GB_TRACE_MAX_SYSCALLS) {
        x->pub.sys_dropped++;
        return;
    }
    if (!gb_grow((void **)&x->sys, &x->capsys, (uint64_t)x->nsys + 1,
                 sizeof *x->sys, 16)) {
        x->incomplete = true;
        x->pub.sys_dropped++;
        return;
    }
    x->sys[x->nsys++] = *c;
}

static void on_event(void *user, const gb_prof_event *ev)
{
    gb_trace *t = user;
    gb_trace_rec *x = t->cur;
    if (!x)
        return;
    int64_t gas = (int64_t)(ev->gas_used - x->last_gas);
    x->last_gas = ev->gas_used;
    x->nodes[x->stack[x->depth - 1]].self += gas;
    switch (ev->kind) {
    case GB_PROF_ENTER:
        if (!push(x, ev->func))
            goto oom;
        break;
    case GB_PROF_LEAVE:
        if (x->depth > 1)
            x->depth--;
        break;
    case GB_PROF_HOST_CALL: {
        uint32_t caller = x->nodes[x->stack[x->depth - 1]].func;
        if (!push(x, ev->func))
            goto oom;
        gb_trace_syscall *c = &x->cur;
        *c = (gb_trace_syscall){.caller = caller};
        c->caller_name = caller < x->nnames ? x->names[caller] : "?";
        c->name = ev->func < x->nimports ? x->sysname[ev->func] : "?";
        const gb_gear_syscall *sc = gb_gear_syscall_find(c->name,
                                                         strlen(c->name));
        if (sc) {
            c->nargs = sc->type.nparams < GB_TRACE_MAX_ARGS
                           ? sc->type.nparams : GB_TRACE_MAX_ARGS;
            c->nresults = sc->type.nresults ? 1 : 0;
            for (uint32_t i = 0; i < c->nargs; i++)
                c->args[i] = sc->type.params[i] == GB_I32
                                 ? (uint32_t)ev->vals[i] : ev->vals[i];
        }
        x->in_host = true;
        break;
    }
    case GB_PROF_HOST_RETURN:
        /* the gas since HOST_CALL is the syscall's (on its node) */
        if (x->in_host)
            host_return(t, x, ev, gas);
        if (x->depth > 1)
            x->depth--;
        break;
    }
    return;
oom:
    /* the tree stops growing; gas goes on to the deepest node there is */
    x->incomplete = true;
}

/* ---- hooks --------------------------------------------------------------- */

gb_err gb_trace_begin(gb_trace *t, gb_processor *p,
                      const gb_program_view *prog, const gb_dispatch *d)
{
    t->cur = NULL;
    if (!gb_grow((void **)&t->execs, &t->capexecs, (uint64_t)t->nexecs + 1,
                 sizeof *t->execs, 2))
        return GB_NOMEM;
    gb_trace_rec *x = &t->execs[t->nexecs];
    *x = (gb_trace_rec){0};
    x->pub = (gb_trace_exec){.message = d->id, .program = d->destination,
                             .kind = d->kind, .gas_limit = d->gas_limit};
    gb_err e = name_functions(x, prog->module);
    if (!e) {
        x->nodes = gb_calloc(64, sizeof *x->nodes);
        x->stack = gb_calloc(64, sizeof *x->stack);
        if (!x->nodes || !x->stack)
            e = GB_NOMEM;
    }
    if (e) {
        exec_free(x);
        return e;
    }
    x->capnodes = x->capstack = 64;
    x->nodes[0] = (gb_trace_node){.func = NONE, .parent = NONE,
                                  .child = NONE, .sibling = NONE};
    x->nnodes = 1;
    x->stack[0] = 0;
    x->depth = 1;
    t->nexecs++;
    t->cur = x;
    t->p = p;
    return GB_OK;
}

/* Called once the run is set up: the gas counts from here. */
void gb_trace_attach(gb_trace *t, gb_store *s)
{
    if (!t->cur)
        return;
    t->cur->last_gas = gb_store_gas_used(s);
    gb_store_set_profiler(s, on_event, t);
}

void gb_trace_note_step(gb_trace *t, const char *name, uint64_t gas)
{
    gb_trace_rec *x = t->cur;
    if (!x)
        return;
    if (!gb_grow((void **)&x->steps, &x->capsteps, (uint64_t)x->nsteps + 1,
                 sizeof *x->steps, 8)) {
        x->incomplete = true;
        return;
    }
    x->steps[x->nsteps++] = (gb_trace_step){.name = name, .gas = gas};
    x->pub.precharge += gas;
}

void gb_trace_note_charge(gb_trace *t, gb_trace_part part, int64_t gas)
{
    gb_trace_rec *x = t->cur;
    if (x && x->in_host && part < GB_TRACE_OTHER)
        x->cur.part[part] += gas;
}

void gb_trace_note_code(gb_trace *t, uint32_t code)
{
    gb_trace_rec *x = t->cur;
    if (x && x->in_host) {
        x->cur.has_code = true;
        x->cur.code = code;
    }
}

void gb_trace_note_page(gb_trace *t, uint32_t page, gb_trace_page_kind kind,
                   uint64_t access_gas, uint64_t load_gas)
{
    gb_trace_rec *x = t->cur;
    if (!x)
        return;
    x->pub.pages += access_gas + load_gas;
    if (!gb_grow((void **)&x->pages, &x->cappages, (uint64_t)x->npages + 1,
                 sizeof *x->pages, 16)) {
        x->incomplete = true;
        return;
    }
    x->pages[x->npages++] = (gb_trace_page){
        .page = page, .kind = kind, .load = load_gas != 0,
        .gas = access_gas + load_gas, .load_gas = load_gas};
}

void gb_trace_note_pages_short(gb_trace *t, uint64_t gas)
{
    gb_trace_rec *x = t->cur;
    if (!x)
        return;
    x->pub.pages = gas;
    x->pub.pages_short = true;
}

static int by_total(const void *a, const void *b)
{
    const gb_trace_func *x = a, *y = b;
    if (x->total != y->total)
        return x->total < y->total ? 1 : -1;
    return (x->index > y->index) - (x->index < y->index);
}

/* The per-function figures from the tree (wasm functions only). */
static void summarise(gb_trace_rec *x)
{
    uint32_t n = x->nnodes;
    int64_t *sub = gb_calloc(n, sizeof *sub);
    uint32_t *slot = gb_malloc((x->nnames ? x->nnames : 1) * sizeof *slot);
    if (!sub || !slot) {
        free(sub);
        free(slot);
        x->incomplete = true;
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        sub[i] = x->nodes[i].self - x->nodes[i].given;
    for (uint32_t i = n; i-- > 1;)
        sub[x->nodes[i].parent] += sub[i];
    for (uint32_t i = 0; i < x->nnames; i++)
        slot[i] = NONE;
    x->nfuncs = 0;
    for (uint32_t i = 1; i < n; i++) {
        const gb_trace_node *nd = &x->nodes[i];
        if (nd->func < x->nimports || nd->func >= x->nnames)
            continue; /* a syscall: its gas is in the syscall list */
        if (slot[nd->func] == NONE) {
            if (!gb_grow((void **)&x->funcs, &x->capfuncs,
                         (uint64_t)x->nfuncs + 1, sizeof *x->funcs, 16)) {
                x->incomplete = true;
                break;
            }
            slot[nd->func] = x->nfuncs;
            x->funcs[x->nfuncs++] = (gb_trace_func){
                .index = nd->func, .name = x->names[nd->func]};
        }
        gb_trace_func *f = &x->funcs[slot[nd->func]];
        f->calls += nd->calls;
        f->self += (uint64_t)nd->self;
        x->pub.instructions += (uint64_t)nd->self;
        bool outer = true; /* no caller above is the same function */
        for (uint32_t a = nd->parent; a != NONE && outer; a = x->nodes[a].parent)
            outer = x->nodes[a].func != nd->func;
        if (outer)
            f->total += (uint64_t)sub[i];
    }
    free(sub);
    free(slot);
    if (x->nfuncs)
        qsort(x->funcs, x->nfuncs, sizeof *x->funcs, by_total);
}

void gb_trace_end(gb_trace *t, gb_store *s, gb_err e, const gb_journal *j)
{
    gb_store_set_profiler(s, NULL, NULL);
    gb_trace_rec *x = t->cur;
    t->cur = NULL;
    t->p = NULL;
    if (!x)
        return;
    /* what the run used after the last event: the top node's (a trap
     * ends the run with its frames open) */
    uint64_t used = gb_store_gas_used(s);
    if (x->nodes && x->depth)
        x->nodes[x->stack[x->depth - 1]].self += (int64_t)(used - x->last_gas);
    x->last_gas = used;
    int64_t sys = 0;
    for (uint32_t i = 1; i < x->nnodes; i++)
        if (x->nodes[i].func < x->nimports)
            sys += x->nodes[i].self;
    x->pub.syscalls = sys;
    summarise(x);
    if (e == GB_OK && j) {
        x->pub.done = true;
        x->pub.outcome = j->outcome;
        x->pub.gas_burned = j->gas_burned;
        memcpy(x->pub.trap_msg, j->trap_msg, sizeof x->pub.trap_msg);
        x->pub.trap_msg[sizeof x->pub.trap_msg - 1] = 0;
    }
    /* what the journal does not count as burned: all the gas given, or
     * for a failed run only its system reservation (process.c keeps it
     * to pay for the signal; the rest it gave is burned) */
    x->pub.given = x->pub.outcome != GB_OUTCOME_FAILED
                       ? x->pub.part[GB_TRACE_GIVEN]
                   : j ? (int64_t)j->system_reserved : 0;
    x->pub.steps = x->steps;
    x->pub.nsteps = x->nsteps;
    x->pub.funcs = x->funcs;
    x->pub.nfuncs = x->nfuncs;
    x->pub.sys = x->sys;
    x->pub.nsys = x->nsys;
    x->pub.page_list = x->pages;
    x->pub.npages = x->npages;
    x->pub.incomplete = x->incomplete;
}

bool gb_trace_check(const gb_trace *t, char *detail, size_t detail_len)
{
    char dummy[1];
    if (!detail || !detail_len) {
        detail = dummy;
        detail_len = sizeof dummy;
    }
    detail[0] = 0;
    for (uint32_t i = 0; i < t->nexecs; i++) {
        const gb_trace_rec *x = &t->execs[i];
        const gb_trace_exec *p = &x->pub;
        if (!p->done)
            continue;
        if (p->incomplete) {
            snprintf(detail, detail_len, "run %u: incomplete (out of memory)",
                     i + 1);
            return false;
        }
        int64_t parts = 0;
        for (int k = 0; k < GB_TRACE_PART_COUNT; k++)
            parts += p->part[k];
        if (parts != p->syscalls) {
            snprintf(detail, detail_len,
                     "run %u: syscall parts %lld != syscalls %lld", i + 1,
                     (long long)parts, (long long)p->syscalls);
            return false;
        }
        int64_t sum = (int64_t)p->precharge + (int64_t)p->instructions +
                      p->syscalls - p->given + (int64_t)p->pages;
        if (sum != (int64_t)p->gas_burned) {
            snprintf(detail, detail_len,
                     "run %u: precharge %llu + instructions %llu + syscalls "
                     "%lld - given %lld + pages %llu = %lld, burned %llu",
                     i + 1, (unsigned long long)p->precharge,
                     (unsigned long long)p->instructions,
                     (long long)p->syscalls, (long long)p->given,
                     (unsigned long long)p->pages, (long long)sum,
                     (unsigned long long)p->gas_burned);
            return false;
        }
    }
    return true;
}
