/*
 * The processor: one dispatch, one program, one journal.
 *
 * A run: reset the processor's store (it keeps its stacks and the host
 * functions of the syscalls), make the program's memory at its current
 * size, instantiate the prepared code against it without data segments
 * (memory is the program's state, loaded page by page by lazy_pages.c;
 * the last run's instance of the same module is made again rather than
 * a new one allocated and linked: GB_INST_REUSE, and the imports are
 * linked once per module, which the processor holds a reference to),
 * call the entry point for the dispatch kind, and turn what happened into
 * a journal: Gear's reply for the outcome (auto, manual or error), the
 * pages that changed, the messages and programs the run created.
 * Nothing here touches storage: a journal is all there is.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gear/codes.h"
#include "gearbox/wasm_inspect.h"
#include "gear/run.h"
#include "gear/trace.h"
#include "util/bytes.h"
#include "util/mem.h"

_Static_assert(GB_SYS_COUNT < 256, "gb_processor.import_sys holds an id");

void gb_process_cfg_default(gb_process_cfg *cfg)
{
    *cfg = (gb_process_cfg){
        .max_pages = 512,
        .max_payload = 8u << 20,
        .max_outgoing = 1024,
        .max_outgoing_bytes = 64u << 20,
        .max_reservations = 256,
    };
}

void gb_block_ctx_default(gb_block_ctx *ctx, uint32_t height, uint64_t ts)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->height = height;
    ctx->timestamp = ts;
    ctx->random_bn = height;
    ctx->existential_deposit = gb_u128_from(GB_GEAR_EXISTENTIAL_DEPOSIT);
    ctx->mailbox_threshold = 3000;
    ctx->gas_per_value = 1; /* ValuePerGas(v) reads as {1, v} */
    ctx->value_per_gas = gb_u128_from(GB_GEAR_VALUE_PER_GAS);
    ctx->performance_multiplier = 100;
}

gb_err gb_processor_new(const gb_process_cfg *cfg, gb_processor **out)
{
    *out = NULL;
    gb_processor *p = gb_calloc(1, sizeof *p);
    if (!p)
        return GB_NOMEM;
    if (cfg)
        p->cfg = *cfg;
    else
        gb_process_cfg_default(&p->cfg);
    if (!(p->alloc_scratch = gb_calloc(p->cfg.max_pages / 8 + 1, 1))) {
        free(p);
        return GB_NOMEM;
    }
    p->marks_hi = ((uint64_t)p->cfg.max_pages << 16 >> GB_DIRTY_SHIFT) + 1;
    gb_wasm_config wc;
    gb_wasm_config_default(&wc);
    wc.max_memory_pages = p->cfg.max_pages;
    wc.max_call_depth = 4096;
    wc.max_stack_slots = 1u << 18;
    gb_err e = gb_store_new(&wc, &p->store);
    if (!e)
        e = gb_syscalls_register(p);
    /* one memory for every run: no map and unmap per message */
    gb_limits lim = {.min = 0, .max = p->cfg.max_pages, .has_max = true};
    if (!e)
        e = gb_memory_new_ex(p->store, lim, GB_MEM_KEEP, &p->mem);
    if (e) {
        gb_processor_free(p);
        return e;
    }
    *out = p;
    return GB_OK;
}

static void room_list_free(gb_room_list *l)
{
    for (gb_room_node *a = l->head, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    *l = (gb_room_list){0};
}

void gb_processor_free(gb_processor *p)
{
    if (!p)
        return;
    gb_store_free(p->store);
    free(p->alloc_scratch);
    free(p->sends);
    free(p->lz_spare);
    room_list_free(&p->spare_pages);
    room_list_free(&p->spare_msgs);
    free(p->imports);
    free(p->import_sys);
    gb_module_free((gb_module *)p->linked);
    free(p);
}

/* free() of a pointer that is usually NULL: most journals and runs own
 * few of their arrays, and a call per empty one adds up per message */
#define FREE_SET(p)                                                        \
    do {                                                                   \
        if (p)                                                             \
            free(p);                                                       \
    } while (0)

/* j empty (process.h, gb_journal_free): every field zero but trap_msg,
 * whose first byte only (its 256 bytes are a third of the journal, which
 * is made empty before every run). */
static void journal_empty(gb_journal *j)
{
    memset(j, 0, offsetof(gb_journal, trap_msg));
    j->trap_msg[0] = 0;
}

/* What j's arrays of pages and messages own (not the arrays). */
static void release_entries(gb_journal *j)
{
    for (uint32_t i = 0; i < j->npages; i++)
        FREE_SET(j->pages[i].data);
    for (uint32_t i = 0; i < j->nmsgs; i++)
        FREE_SET(j->msgs[i].payload);
}

/* What j owns but its arrays of pages and messages and their entries. */
static void release_rest(gb_journal *j)
{
    FREE_SET(j->allocations);
    FREE_SET(j->reply.payload);
    for (uint32_t i = 0; i < j->ncreates; i++)
        FREE_SET(j->creates[i].init.payload);
    FREE_SET(j->creates);
    FREE_SET(j->wakes);
    FREE_SET(j->reserved);
    FREE_SET(j->unreserved);
    FREE_SET(j->deposits);
    FREE_SET(j->debug);
}

void gb_journal_release(gb_journal *j)
{
    if (!j)
        return;
    release_entries(j);
    FREE_SET(j->pages);
    FREE_SET(j->msgs);
    release_rest(j);
}

/* Array a of room entries kept in l, or freed when l is full or a is
 * larger than it keeps. */
_Static_assert(sizeof(gb_page_out) >= sizeof(gb_room_node) &&
                   sizeof(gb_out_msg) >= sizeof(gb_room_node),
               "a kept array holds its node in its first entry");
static void keep_room(gb_room_list *l, void *a, uint32_t room)
{
    if (!a)
        return;
    if (l->n >= GB_ROOM_KEPT || room > GB_ROOM_KEPT_MAX) {
        free(a);
        return;
    }
    gb_room_node *node = a;
    *node = (gb_room_node){.next = l->head, .room = room};
    l->head = node;
    l->n++;
}

void gb_journal_release_to(gb_journal *j, gb_processor *p)
{
    if (!j)
        return;
    release_entries(j);
    keep_room(&p->spare_pages, j->pages, j->pages_room);
    keep_room(&p->spare_msgs, j->msgs, j->msgs_room);
    release_rest(j);
}

void gb_journal_free(gb_journal *j)
{
    if (!j)
        return;
    gb_journal_release(j);
    journal_empty(j);
}

/* The kinds of dispatch, as an index of gb_processor.entry_at: signal
 * for any kind it does not know (entry_name's). */
static unsigned entry_slot(gb_dispatch_kind k)
{
    return k <= GB_DISPATCH_STATE ? (unsigned)k : GB_DISPATCH_SIGNAL;
}

static const char *entry_name(gb_dispatch_kind k)
{
    switch (k) {
    case GB_DISPATCH_INIT:
        return "init";
    case GB_DISPATCH_HANDLE:
        return "handle";
    case GB_DISPATCH_REPLY:
        return "handle_reply";
    case GB_DISPATCH_STATE:
        return "state";
    default:
        return "handle_signal";
    }
}

/* Whether the run's bitmap r->alloc (max_pages bits) is the view's: when
 * no syscall changed it, whether the view's fitted in it. */
static bool same_allocations(const gb_processor *p, const gb_program_view *v,
                             const gb_run *r)
{
    const uint8_t *alloc = r->alloc;
    uint32_t n = p->cfg.max_pages / 8 + 1, have = (v->alloc_pages + 7) / 8;
    if (v->alloc_pages > p->cfg.max_pages || (have && !v->allocations))
        return false;
    if (!r->alloc_set)
        return true; /* (the view's bits, then zeros: process) */
    if (have && memcmp(alloc, v->allocations, have))
        return false;
    uint32_t i = have;
    for (; i + 8 <= n; i += 8) { /* (eight bytes at a time) */
        uint64_t w;
        memcpy(&w, alloc + i, 8);
        if (w)
            return false;
    }
    for (; i < n; i++)
        if (alloc[i])
            return false;
    return true;
}

/* The pages the program's memory spans: static memory and every
 * allocated page. */
static uint32_t memory_pages(const gb_program_view *prog)
{
    uint32_t n = prog->static_pages;
    for (uint32_t pg = prog->alloc_pages; pg-- > n;)
        if (prog->allocations[pg / 8] & (1u << (pg % 8)))
            return pg + 1;
    return n;
}

/* Map the engine's trap (or the syscall's stop reason) to Gear's reply
 * reason (ActorExecutionErrorReplyReason::as_simple). */
static gb_reply_code error_code_for(const gb_run *r, gb_err trap)
{
    switch (r->stop) {
    case GB_STOP_PANIC:
        return GB_REPLY_EXEC_USERSPACE_PANIC;
    case GB_STOP_OOM:
        return GB_REPLY_EXEC_MEMORY_OVERFLOW;
    case GB_STOP_BACKEND:
        return GB_REPLY_EXEC_BACKEND_ERROR;
    default:
        break;
    }
    switch (trap) {
    case GB_TRAP_OUT_OF_GAS:
        return GB_REPLY_EXEC_RAN_OUT_OF_GAS;
    case GB_TRAP_STACK_EXHAUSTED:
        return GB_REPLY_EXEC_STACK_LIMIT_EXCEEDED;
    case GB_TRAP_MEM_LIMIT:
        return GB_REPLY_EXEC_MEMORY_OVERFLOW;
    default:
        return GB_REPLY_EXEC_UNREACHABLE_INSTRUCTION;
    }
}

/* The SignalCode (u32) Gear pairs with an execution error reply code. */
static uint32_t signal_for(gb_reply_code code)
{
    gb_signal_code s;
    return gb_signal_code_for_reply(code, &s) ? gb_signal_code_u32(s)
                                               : UINT32_MAX;
}

static void set_reply(gb_run *r, gb_reply_code code, uint8_t *payload,
                      uint32_t len, gb_u128 value)
{
    gb_journal *j = r->j;
    FREE_SET(j->reply.payload);
    j->has_reply = true;
    j->reply = (gb_out_msg){.id = gb_message_id_reply(r->d->id),
                            .destination = r->d->source,
                            .payload = payload,
                            .payload_len = len,
                            .value = value};
    gb_reply_code_bytes(code, j->reply.reply_code);
}

/* A failed run keeps only the gas it burned, its system reservation
 * (Gear's process_error keeps SystemReserveGas: it pays for the signal)
 * and its error reply. */
static void discard_effects(gb_journal *j)
{
    uint64_t sys = j->system_reserved;
    gb_journal keep = {.outcome = j->outcome, .trap = j->trap,
                       .signal_code = j->signal_code,
                       .interrupted = j->interrupted,
                       .gas_burned = j->gas_burned > sys ? j->gas_burned - sys
                                                         : 0,
                       .system_reserved = sys,
                       .debug = j->debug, .debug_len = j->debug_len};
    memcpy(keep.trap_msg, j->trap_msg, sizeof keep.trap_msg);
    j->debug = NULL;
    gb_journal_free(j);
    *j = keep;
}

static void run_free(gb_run *r)
{
    for (uint32_t i = 0; i < r->nsends; i++)
        FREE_SET(r->sends[i].buf);
    /* the array (grown or not) goes back to the processor, zero again */
    if (r->nsends)
        memset(r->sends, 0, r->nsends * sizeof *r->sends);
    r->p->sends = r->sends;
    r->p->cap_sends = r->capsends;
    FREE_SET(r->reply_buf);
    FREE_SET(r->panic);
    if (r->alloc != r->p->alloc_scratch)
        FREE_SET(r->alloc);
}

/* The end of every run: the memory back to zero (gb_lazy_free_keep), the
 * run's buffers freed or kept empty for the next run, the instance reset
 * (kept as the store's spare, with a reference to its module, so that a
 * module evicted from the code cache meanwhile stays alive until then). */
static void finish(gb_processor *p, gb_run *r, gb_lazy *lz)
{
    gb_lazy_free_keep(lz, &p->lz_spare);
    run_free(r);
    gb_store_reset(p->store);
}

/* Runs of allocated 64 KiB pages: the intervals of Gear's allocation tree. */
static uint64_t alloc_intervals(const gb_program_view *prog)
{
    uint64_t n = 0;
    bool prev = false;
    for (uint32_t pg = 0; prog->allocations && pg < prog->alloc_pages; pg++) {
        bool on = prog->allocations[pg / 8] & (1u << (pg % 8));
        n += on && !prev;
        prev = on;
    }
    return n;
}

/*
 * Gear's precharge (protocol/processor/src/precharge.rs), in its order:
 * the program's data and the code's metadata (one DB read each); then,
 * for a program that has the entry point, the instrumented code (a read
 * plus per byte: gearbox has no instrumented binary, so the original's
 * sections stand for it), the allocations (a read plus per interval, when
 * there are any) and the instantiation (per byte of each section).
 * Stops at the first step that does not fit in limit: *out_ok false, and
 * *out_gas is what the steps before it charged (burned).
 */
static void precharge(const gb_gear_costs *k, const gb_processor *p,
                      const gb_program_view *prog, bool has_entry,
                      uint64_t limit, gb_trace *rec, uint64_t *out_gas,
                      bool *out_ok)
{
    uint64_t step[5] = {k->db_read, k->db_read, 0, 0, 0};
    const char *name[5] = {"program data", "code metadata"}; /* (traces) */
    unsigned nstep = 2;
    if (has_entry) {
        name[nstep] = "instrumented code";
        step[nstep++] = p->code_gas;
        uint64_t iv = alloc_intervals(prog);
        if (iv) {
            name[nstep] = "allocations";
            step[nstep++] = k->db_read + k->load_allocations_per_interval * iv;
        }
        name[nstep] = "instantiation";
        step[nstep++] = p->inst_gas;
    }
    uint64_t used = 0;
    *out_ok = true;
    for (unsigned i = 0; i < nstep; i++) {
        if (limit - used < step[i]) {
            *out_ok = false;
            break;
        }
        used += step[i];
        if (rec)
            gb_trace_note_step(rec, name[i], step[i]);
    }
    *out_gas = used;
}

/*
 * Gear's lazy-page charges (protocol/lazy-pages/src/process.rs, common.rs;
 * the costs: LazyPagesCosts, gas.c), for the gear pages at or above the
 * stack's end the run touched: a page only read costs a read; one written
 * and not read a write; one read and written a read then a write after
 * read; and one with stored data the load of it besides.
 *
 * Gear charges a page at its first access, with the host-function figures
 * when a syscall touches it first.  Here the pages come from the engine's
 * read and write marks (wasm.h; syscalls mark what they read and write),
 * after the run: the same for lazily and eagerly loaded programs, and the
 * same total as Gear's for a run that does not look at its gas on the way
 * (gr_gas_available sees the charges later than Gear's would).  Where the
 * order is not known, a page read and written counts as read first (Gear
 * charges 3.8M less when the write came first), and the signal figures
 * stand for the host-function ones (1.2-1.4M less a page): docs/gas.md.
 */
/* Whether any of the page's n granules (a multiple of 32) has a read mark
 * (*r) or a write mark (*w); false when neither has: one pass over both,
 * 32 marks of each at a glance (most pages above the stack are touched by
 * neither). */
static inline bool page_marks(const uint8_t *rd, const uint8_t *wr,
                              uint32_t n, bool *r, bool *w)
{
    uint64_t a = 0, b = 0;
    for (uint32_t i = 0; i < n; i += 32) {
        uint64_t x[4], y[4];
        memcpy(x, rd + i, sizeof x);
        memcpy(y, wr + i, sizeof y);
        a |= x[0] | x[1] | x[2] | x[3];
        b |= y[0] | y[1] | y[2] | y[3];
    }
    *r = a != 0;
    *w = b != 0;
    return a | b;
}

static uint64_t page_charges(const gb_gear_costs *k, gb_memory *mem,
                             const gb_program_view *prog, gb_trace *rec)
{
    const uint8_t *wr = gb_memory_dirty(mem), *rd = gb_memory_read_marks(mem);
    const uint32_t sub = GB_GEAR_PAGE_SIZE >> GB_DIRTY_SHIFT;
    _Static_assert((GB_GEAR_PAGE_SIZE >> GB_DIRTY_SHIFT) % 32 == 0,
                   "a page's marks are whole 32-byte words");
    uint32_t end = (uint32_t)(gb_memory_size(mem) / GB_GEAR_PAGE_SIZE);
    uint64_t sum = 0;
    for (uint32_t pg = prog->stack_end / GB_GEAR_PAGE_SIZE; pg < end; pg++) {
        bool r, w;
        if (!page_marks(rd + (size_t)pg * sub, wr + (size_t)pg * sub, sub, &r,
                        &w))
            continue;
        uint64_t access = !w ? k->signal_read
                          : r ? k->signal_read + k->signal_write_after_read
                              : k->signal_write;
        uint32_t len = 0;
        bool load = prog->page && prog->page(prog->page_user, pg, &len);
        sum += access + (load ? k->load_page_data : 0);
        if (rec)
            gb_trace_note_page(rec, pg,
                          !w ? GB_TRACE_PAGE_READ
                          : r ? GB_TRACE_PAGE_WRITE_AFTER_READ
                              : GB_TRACE_PAGE_WRITE,
                          access, load ? k->load_page_data : 0);
    }
    return sum;
}

/* The precharge's steps that depend on the code alone (precharge), for
 * module m with costs k: its instrumented code and its instantiation. */
static void code_gas(const gb_gear_costs *k, const gb_module *m,
                     uint64_t *code, uint64_t *inst)
{
    uint64_t sec[13], len = 8;
    for (uint8_t id = 0; id <= 12; id++)
        len += sec[id] = gb_module_section_size(m, id);
    *code = k->db_read + k->db_read_per_byte * len;
    *inst = k->inst_code * sec[10] + k->inst_data * sec[11] +
            k->inst_global * sec[6] + k->inst_table * sec[4] +
            k->inst_element * sec[9] + k->inst_type * sec[1];
}

/* Where m's exports have each kind's entry point (p->entry_at). */
static void find_entries(gb_processor *p, const gb_module *m)
{
    uint32_t n = gb_module_export_count(m);
    for (unsigned k = 0; k <= GB_DISPATCH_STATE; k++) {
        const char *name = entry_name((gb_dispatch_kind)k);
        size_t len = strlen(name);
        p->entry_at[k] = UINT32_MAX;
        for (uint32_t i = 0; i < n; i++) {
            gb_export_desc ex;
            gb_module_export(m, i, &ex);
            if (ex.name_len == len && !memcmp(ex.name, name, len)) {
                p->entry_at[k] = i; /* (the first, as gb_instance_export) */
                break;
            }
        }
    }
}

/* p->imports for module m (nimp imports): the syscalls' host functions by
 * name, and the processor's memory; kept for the next run of the same
 * module (programs of one code run one after another), with m's
 * precharge steps (code_gas) and where its entry points are
 * (find_entries).  GB_LINK, GB_NOMEM. */
static gb_err link_imports(gb_processor *p, const gb_module *m, uint32_t nimp)
{
    if (m == p->linked)
        return GB_OK;
    gb_module_free((gb_module *)p->linked);
    p->linked = NULL;
    /* (into the processor's array: no allocation per run) */
    if (nimp + 1 > p->cap_imports) {
        gb_extern *ni = gb_realloc(p->imports, (nimp + 1) * sizeof *ni);
        if (ni)
            p->imports = ni;
        uint8_t *ns = ni ? gb_realloc(p->import_sys, nimp + 1) : NULL;
        if (!ns)
            return GB_NOMEM;
        memset(ns + p->cap_imports, GB_SYS_COUNT, nimp + 1 - p->cap_imports);
        p->import_sys = ns;
        p->cap_imports = nimp + 1;
    }
    for (uint32_t i = 0; i < nimp; i++) {
        gb_import_desc im;
        gb_module_import(m, i, &im);
        if (im.kind == GB_EXTERN_MEMORY) {
            p->imports[i] = (gb_extern){.kind = GB_EXTERN_MEMORY,
                                        .u.memory = p->mem};
            continue;
        }
        /* the last module's syscall at this position, if the name is the
         * same (one toolchain's programs import alike) */
        const gb_gear_syscall *sc =
            gb_gear_syscall_get((gb_gear_syscall_id)p->import_sys[i]);
        if (!sc || sc->name_len != im.name_len ||
            memcmp(sc->name, im.name, im.name_len) != 0)
            sc = gb_gear_syscall_find(im.name, im.name_len);
        if (im.kind != GB_EXTERN_FUNC || !sc)
            return GB_LINK; /* code checks make this unreachable */
        p->import_sys[i] = (uint8_t)sc->id;
        p->imports[i] = (gb_extern){.kind = GB_EXTERN_FUNC,
                                    .u.func = p->sys[sc->id]};
    }
    code_gas(p->cfg.costs ? p->cfg.costs : gb_gear_costs_get(), m,
             &p->code_gas, &p->inst_gas);
    find_entries(p, m);
    p->linked = gb_module_retain(m);
    return GB_OK;
}

static gb_err process(gb_processor *p, const gb_block_ctx *blk,
                      const gb_program_view *prog, const gb_dispatch *d,
                      gb_journal *out)
{
    journal_empty(out);
    gb_run r; /* (zero but for why's bytes after its NUL: gb_run) */
    memset(&r, 0, offsetof(gb_run, why));
    r.why[0] = 0;
    r.p = p;
    r.cfg = &p->cfg;
    r.blk = blk;
    r.prog = prog;
    r.d = d;
    r.j = out;
    r.ctx = d->ctx;
    r.heap_start = prog->static_pages;
    r.costs = p->cfg.costs ? p->cfg.costs : gb_gear_costs_get();
    gb_store *s = p->store;
    gb_store_set_gas(s, d->gas_limit);
    gb_store_set_deadline(s, blk->deadline_ns, 0);

    const gb_module *m = prog->module;
    gb_err e = GB_OK;
    gb_instance *inst = NULL;
    gb_lazy *lz = NULL;
    gb_extern *imports = NULL;
    uint32_t nimp = gb_module_import_count(m);

    r.sends = p->sends; /* (zero: run_free leaves it so) */
    r.capsends = p->cap_sends;
    r.alloc = p->alloc_scratch;
    memset(r.alloc, 0, p->cfg.max_pages / 8 + 1);
    uint32_t bits = prog->alloc_pages < p->cfg.max_pages ? prog->alloc_pages
                                                         : p->cfg.max_pages;
    if (prog->allocations)
        memcpy(r.alloc, prog->allocations, (bits + 7) / 8);

    gb_memory *mem = p->mem;
    e = gb_memory_resize(mem, memory_pages(prog));
    if (e)
        goto fail;
    r.mem = mem;
    r.mem_data = gb_memory_data(mem);
    e = link_imports(p, m, nimp);
    if (e)
        goto fail;
    imports = p->imports;
    char detail[256];
    /* (p->imports change only with the module linked: a spare instance
     * of m was made with these) */
    e = gb_instantiate_ex(s, m, imports, nimp,
                          GB_INST_NO_DATA | GB_INST_REUSE |
                              GB_INST_SAME_IMPORTS,
                          &inst, detail, sizeof detail);
    if (e)
        goto fail;
    gb_extern entry;
    uint32_t at = p->entry_at[entry_slot(d->kind)];
    bool has_entry = at != UINT32_MAX &&
                     gb_instance_export_at(inst, at, &entry) == GB_OK &&
                     entry.kind == GB_EXTERN_FUNC;

    /* the precharge, then the entry export's stack-limiter thunk (one
     * metered block of Gear's instrumented code); both burn gas before
     * the program runs, and running short is RanOutOfGas */
    uint64_t pre = 0;
    bool pre_ok = true;
    precharge(r.costs, p, prog, has_entry, d->gas_limit, p->rec, &pre,
              &pre_ok);
    if (pre_ok && has_entry) {
        if (d->gas_limit - pre < r.costs->entry_thunk)
            pre_ok = false;
        else
            pre += r.costs->entry_thunk;
        if (pre_ok && p->rec)
            gb_trace_note_step(p->rec, "entry thunk", r.costs->entry_thunk);
    }
    gb_store_set_gas(s, d->gas_limit - pre);
    if (!pre_ok) {
        out->gas_burned = pre;
        out->gas_needed = pre;
        out->outcome = GB_OUTCOME_FAILED;
        out->trap = GB_TRAP_OUT_OF_GAS;
        out->signal_code = signal_for(GB_REPLY_EXEC_RAN_OUT_OF_GAS);
        snprintf(out->trap_msg, sizeof out->trap_msg,
                 "not enough gas for the precharge");
        if (d->kind == GB_DISPATCH_INIT || d->kind == GB_DISPATCH_HANDLE ||
            d->kind == GB_DISPATCH_STATE)
            set_reply(&r, GB_REPLY_EXEC_RAN_OUT_OF_GAS, NULL, 0,
                      prog->value_received ? gb_u128_from(0) : d->value);
        finish(p, &r, lz);
        return GB_OK;
    }

    gb_err trap = GB_OK;
    uint64_t page_gas = 0; /* the lazy-page charges */
    bool pages_short = false;
    if (has_entry) {
        /* the engine's read and write marks start clear: they count the
         * pages this run touches (page_charges); the write marks already
         * are (every lazy session leaves them clear: lazy_pages.h) */
        memset(gb_memory_read_marks(mem), 0, p->marks_hi);
        if (prog->hot_complete)
            e = gb_lazy_begin_eager_kept(&p->lz_spare, mem,
                                         prog->stack_end / GB_GEAR_PAGE_SIZE,
                                         prog->page, prog->page_user,
                                         prog->hot_pages, prog->nhot, &lz);
        else
            e = gb_lazy_begin(mem, prog->stack_end / GB_GEAR_PAGE_SIZE,
                              prog->page, prog->page_user, &lz);
        if (e)
            goto fail;
        for (uint32_t i = 0; !prog->hot_complete && i < prog->nhot; i++) {
            uint64_t off = (uint64_t)prog->hot_pages[i] * GB_GEAR_PAGE_SIZE;
            if (off + GB_GEAR_PAGE_SIZE <= gb_memory_size(mem))
                (void)gb_lazy_touch(lz, off, GB_GEAR_PAGE_SIZE);
        }
        p->run = &r;
        if (p->rec)
            gb_trace_attach(p->rec, s);
        trap = gb_func_call(s, entry.u.func, NULL, NULL);
        p->run = NULL;
        if (trap && !gb_err_is_trap(trap)) {
            /* the host could not go on (GB_NOMEM from a syscall or from
             * growing memory): not the program's doing, so not an outcome
             * the chain may record — the run was not attempted */
            e = trap;
            goto fail;
        }
        uint64_t size = gb_memory_size(mem);
        p->marks_hi = (size >> GB_DIRTY_SHIFT) + 1;
        /* the pages it touched, charged as Gear's lazy pages charge
         * them: running short of gas for them is running out of gas */
        page_gas = page_charges(r.costs, mem, prog, p->rec);
        if (page_gas > gb_store_gas_left(s) && !gb_store_interrupted(s)) {
            trap = GB_TRAP_OUT_OF_GAS;
            r.stop = GB_STOP_NONE;
            r.why[0] = 0;
            page_gas = gb_store_gas_left(s); /* all of it burned */
            pages_short = true;
            if (p->rec)
                gb_trace_note_pages_short(p->rec, page_gas);
        }
        if (trap) {
            snprintf(out->trap_msg, sizeof out->trap_msg, "%s",
                     r.why[0]      ? r.why
                     : pages_short ? "out of gas (for the memory pages it "
                                     "touched)"
                                   : gb_store_trap_message(s));
        }
    }
    out->gas_burned = gb_store_gas_used(s) + pre + page_gas;
    out->gas_needed = pre + r.need > out->gas_burned ? pre + r.need
                                                    : out->gas_burned;
    out->gas_observed = r.observed;
    out->interrupted = gb_store_interrupted(s);
    out->ctx = r.ctx;
    bool can_reply = d->kind == GB_DISPATCH_INIT ||
                     d->kind == GB_DISPATCH_HANDLE ||
                     d->kind == GB_DISPATCH_STATE;

    if (!has_entry) {
        out->outcome = GB_OUTCOME_SKIPPED;
    } else if (!trap || r.stop == GB_STOP_LEAVE) {
        out->outcome = GB_OUTCOME_SUCCESS;
    } else if (r.stop == GB_STOP_EXIT) {
        out->outcome = GB_OUTCOME_EXIT;
    } else if (r.stop == GB_STOP_WAIT) {
        out->outcome = GB_OUTCOME_WAIT;
    } else {
        out->outcome = GB_OUTCOME_FAILED;
        out->trap = trap;
        out->signal_code = signal_for(error_code_for(&r, trap));
        discard_effects(out);
        if (can_reply) {
            gb_reply_code code = error_code_for(&r, trap);
            uint8_t *payload = NULL;
            uint32_t len = 0;
            if (code == GB_REPLY_EXEC_USERSPACE_PANIC) {
                payload = r.panic;
                len = r.panic_len;
                r.panic = NULL;
            }
            set_reply(&r, code, payload, len,
                      prog->value_received ? gb_u128_from(0) : d->value);
        }
        finish(p, &r, lz);
        return GB_OK;
    }

    /* success, skipped, wait or exit: the run's effects stand */
    if (lz) {
        const gb_page_write *w;
        uint32_t n;
        e = gb_lazy_end(lz, &w, &n);
        if (e)
            goto fail;
        if (n) {
            /* (each entry written: a calloc takes jemalloc's slower path;
             * room for a few: the array may serve later runs) */
            out->pages = gb_journal_room(&p->spare_pages, n, 4,
                                         sizeof *out->pages, &out->pages_room);
            if (!out->pages) {
                e = GB_NOMEM;
                goto fail;
            }
            for (uint32_t i = 0; i < n; i++) {
                gb_page_out *o = &out->pages[i];
                *o = (gb_page_out){.page = w[i].page, .len = w[i].len};
                out->npages = i + 1;
                if (o->len && !(o->data = gb_malloc(o->len))) {
                    e = GB_NOMEM;
                    goto fail;
                }
                gb_copy(o->data, w[i].data, o->len);
            }
        }
    }
    /* the gas limits given to messages, the new reservations, the reply
     * deposits and the system reservation were charged to the run; they
     * move with the journal, they are not burned.  A message sent from a
     * reservation has the reservation's gas, not the run's. */
    uint64_t given = 0;
    for (uint32_t i = 0; i < out->nmsgs; i++)
        given += out->msgs[i].has_gas_limit && !out->msgs[i].from_reservation
                     ? out->msgs[i].gas_limit : 0;
    for (uint32_t i = 0; i < out->ncreates; i++)
        given += out->creates[i].init.has_gas_limit ? out->creates[i].init.gas_limit : 0;
    if (out->has_reply && out->reply.has_gas_limit && !out->reply.from_reservation)
        given += out->reply.gas_limit;
    for (uint32_t i = 0; i < out->nreserved; i++)
        given += out->reserved[i].amount + out->reserved[i].lock;
    for (uint32_t i = 0; i < out->ndeposits; i++)
        given += out->deposits[i].gas;
    given += out->system_reserved;
    if (out->outcome == GB_OUTCOME_WAIT)
        given += out->wait_reserved;
    out->gas_burned = given <= out->gas_burned ? out->gas_burned - given : 0;
    if (!same_allocations(p, prog, &r)) { /* else the journal says
                                                  nothing */
        size_t n = p->cfg.max_pages / 8 + 1;
        if (!(out->allocations = gb_malloc(n))) {
            e = GB_NOMEM;
            goto fail;
        }
        memcpy(out->allocations, r.alloc, n);
        out->alloc_pages = p->cfg.max_pages;
    }
    if (can_reply && !out->has_reply && out->outcome != GB_OUTCOME_WAIT)
        set_reply(&r, GB_REPLY_SUCCESS_AUTO, NULL, 0, gb_u128_from(0));
    finish(p, &r, lz);
    return GB_OK;

fail:
    p->run = NULL;
    finish(p, &r, lz);
    gb_journal_free(out);
    return e;
}

void gb_processor_set_trace(gb_processor *p, gb_trace *t) { p->trace = t; }

/* A run, recorded when a trace wants it (trace.h): the trace's hooks
 * above and in syscalls.c see p->rec. */
gb_err gb_process(gb_processor *p, const gb_block_ctx *blk,
                  const gb_program_view *prog, const gb_dispatch *d,
                  gb_journal *out)
{
    if (!p->trace || !gb_trace_wants(p->trace, d))
        return process(p, blk, prog, d, out);
    gb_err e = gb_trace_begin(p->trace, p, prog, d);
    if (e) {
        journal_empty(out);
        return e;
    }
    p->rec = p->trace;
    e = process(p, blk, prog, d, out);
    p->rec = NULL;
    gb_trace_end(p->trace, p->store, e, e ? NULL : out);
    return e;
}
