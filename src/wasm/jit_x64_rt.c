/*
 * The compiling tier for x86-64: the helpers compiled code calls
 * (jit_x64.c says when) — numeric ops without a native form (floats with
 * numeric.h's NaN rules, division, bit counts; generated from the same
 * opcodes.h expressions as the interpreter's handlers), bulk memory,
 * memory.grow, tables and references, and calls through imports and
 * tables, each doing what the interpreter's handler does, with the
 * counter and the memory in the run's context (jit_x64_int.h).
 */
#define _GNU_SOURCE /* REG_RIP, SA_ONSTACK with -std=c11 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "util/sigchain.h"
#include "wasm/jit.h"
#include "wasm/jit_x64_int.h"
#include "wasm/numeric.h"

#if defined(__x86_64__)

/* ---- guard pages --------------------------------
 *
 * Compiled code built with guard pages (gb_jit.guard) makes no bounds
 * check: its memory reserves the address space of every address an
 * access can form, (uint32)addr + offset + size - 1 < 2^33 + 6, all of it
 * PROT_NONE beyond the memory's size (runtime.c), so an access that
 * reaches past the end faults before it reads or writes anything (x86
 * checks every byte of an access before it commits; a store straddling
 * the end writes nothing).  The handler below turns that fault into the
 * instruction's MEM_OOB trap: it resumes the code at l_oob, the trap's
 * exit, which stores the counter (r13, what it was at the access: the
 * block's gas already taken, as the interpreter has) and unwinds the
 * compiled frames as a checked access's jump there does.
 *
 * What is ours: a SIGSEGV on this thread while a compiled run is active
 * (`running`, the thread's innermost run: chain waves run programs on
 * several threads), its instruction in that run's code (r12 is the run's
 * context, as everywhere in compiled code), its address in the guard
 * region of the run's memory, [size, span).  Everything else — a fault in
 * C code, and in particular one on a page of the memory that lazy pages
 * has not loaded yet (gear/lazy_pages.c, which claims only pages below
 * the size) — goes to the action installed before ours (util/sigchain.h),
 * so the two handlers stack in either order.  A fault beyond the size is
 * never a lazy load: lazy pages does not claim it, this handler does.
 * The address reported for an access straddling the end is the first
 * byte of the inaccessible page (the size, a multiple of 64 KiB): in the
 * guard region.
 *
 * Async-signal-safe: it reads the thread-local pointer (initial-exec
 * TLS, a fixed offset from the thread pointer) and the run's context, and
 * writes the saved instruction pointer; no malloc, no locks.  Signal
 * dispositions are process-wide: installed once, the replaced action
 * kept to chain to. */

#define GUARD_SPAN (((size_t)1 << 33) + 65536)

/* the compiled run of this thread the handler looks at (gb_jitx_run) */
static _Thread_local jctx *running __attribute__((tls_model("initial-exec")));

static pthread_once_t guard_once = PTHREAD_ONCE_INIT;
static bool guard_installed;
static struct sigaction prev_segv;

static void on_fault(int sig, siginfo_t *si, void *uctx)
{
    int saved_errno = errno;
    const jctx *c = running;
    ucontext_t *uc = uctx;
    if (c && si->si_code > 0 && c->jit && c->jit->guard && c->mem) {
        uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
        uintptr_t code = (uintptr_t)c->jit->code;
        uintptr_t off = (uintptr_t)si->si_addr - (uintptr_t)c->mem;
        if (pc - code < c->jit->size &&
            (uintptr_t)uc->uc_mcontext.gregs[REG_R12] == (uintptr_t)c &&
            off >= c->memsize && off < GUARD_SPAN) {
            uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(code + c->jit->l_oob);
            errno = saved_errno;
            return;
        }
    }
    gb_sig_chain(&prev_segv, sig, si, uctx);
    errno = saved_errno;
}

static void install(void)
{
    guard_installed = gb_sig_install(SIGSEGV, on_fault, &prev_segv) == 0;
}

static bool installed(void)
{
    return pthread_once(&guard_once, install) == 0 && guard_installed;
}

size_t gb_jit_guard_span(const gb_wasm_config *cfg)
{
    if (cfg->tier == GB_TIER_INTERP || cfg->jit_explicit_bounds ||
        !installed())
        return 0;
    return GUARD_SPAN;
}

bool gb_jitx_guard_usable(void)
{
    if (!installed())
        return false;
    void *p = mmap(NULL, GUARD_SPAN, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return false;
    munmap(p, GUARD_SPAN);
    return true;
}

bool gb_jitx_runnable(const gb_jit *j, const gb_instance *inst)
{
    return !j->guard || !inst->mem || inst->mem->guarded;
}

gb_err gb_jitx_run(jctx *c, const gb_jit *j, uint64_t *fp, const void *code)
{
    jctx *outer = running;
    running = c;
    atomic_signal_fence(memory_order_seq_cst);
    gb_err e = j->enter(c, fp, code);
    atomic_signal_fence(memory_order_seq_cst);
    running = outer;
    return e;
}

/* ---- the helpers ------------------------------ */

void gb_jitx_load_mem(jctx *c, const gb_instance *inst)
{
    const gb_memory *M = inst->mem;
    c->mem = M ? M->data : NULL;
    c->memsize = M ? M->size : 0;
    c->dirty = M ? M->dirty : NULL;
    c->rdm = M ? M->read : NULL;
}

/* The counter went negative (a block's cost already taken). */
int64_t gb_jitx_refill(jctx *c, int64_t gas)
{
    return gb_store_refill(c->s, gas, 0);
}

/* Helpers for single instructions: (context, fp, the instruction's
 * cells); they return GB_OK or the trap. */
#define S(i) fp[pc[i].u]
#define TRY_TRAP(call)                                                      \
    do {                                                                    \
        gb_err e_ = (call);                                                 \
        if (e_)                                                             \
            return e_;                                                      \
    } while (0)
#define R_I32(x) ((uint64_t)(uint32_t)(x))
#define R_I64(x) ((uint64_t)(x))
#define R_F32(x) ((uint64_t)(uint32_t)(x))
#define R_F64(x) ((uint64_t)(x))
/* As interp.c's CHARGE, with the counter in the context. */
#define CHARGE(amount)                                                      \
    do {                                                                    \
        if (c->inst->gs) {                                                  \
            uint64_t c_ = (amount);                                         \
            if ((uint64_t)c->gas < c_) {                                    \
                int64_t g_ = gb_store_refill(c->s, c->gas, c_);             \
                if (g_ < 0) {                                               \
                    c->gas = 0;                                             \
                    return GB_TRAP_OUT_OF_GAS;                              \
                }                                                           \
                c->gas = g_;                                                \
            }                                                               \
            c->gas -= (int64_t)c_;                                          \
        }                                                                   \
    } while (0)

#define U_(opc, name, ti, to, expr)                                         \
    static gb_err h_##name(jctx *c, uint64_t *fp, const gb_cell *pc)       \
    {                                                                       \
        uint64_t a = S(2);                                                  \
        S(1) = R_##to(expr);                                                \
        return GB_OK;                                                       \
    }
GB_UNOPS(U_)
GB_FC_UNOPS(U_)
#undef U_
#define B_(opc, name, ti, to, expr)                                         \
    static gb_err h_##name(jctx *c, uint64_t *fp, const gb_cell *pc)       \
    {                                                                       \
        uint64_t a = S(2), b = S(3);                                        \
        S(1) = R_##to(expr);                                                \
        return GB_OK;                                                       \
    }                                                                       \
    static gb_err h_##name##_I(jctx *c, uint64_t *fp, const gb_cell *pc)   \
    {                                                                       \
        uint64_t a = S(2), b = pc[3].u;                                     \
        S(1) = R_##to(expr);                                                \
        return GB_OK;                                                       \
    }
GB_BINOPS(B_)
#undef B_

/* the granules of [d, d+n) written (d + n <= memsize, checked) */
static void mark(uint8_t *dirty, uint64_t d, uint64_t n)
{
    for (uint64_t g = d >> GB_DIRTY_SHIFT; n && g <= (d + n - 1) >> GB_DIRTY_SHIFT;
         g++)
        dirty[g] = 1;
}

static gb_err h_MEMORY_GROW(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    gb_instance *inst = c->inst;
    uint32_t delta = (uint32_t)S(2), old;
    CHARGE((uint64_t)inst->gs->grow_per_page * delta);
    gb_err e = gb_memory_grow_(inst->mem, delta, &old);
    if (e == GB_NOMEM)
        return e; /* as the interpreter: the host is out of memory */
    S(1) = e ? 0xffffffffu : old;
    gb_jitx_load_mem(c, inst);
    return GB_OK;
}

static gb_err h_MEMORY_FILL(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    uint64_t d = (uint32_t)S(1), n = (uint32_t)S(3);
    CHARGE(n * c->inst->gs->bulk_per_byte);
    if (d + n > c->memsize)
        return GB_TRAP_MEM_OOB;
    memset(c->mem + d, (int)(uint8_t)S(2), n);
    mark(c->dirty, d, n);
    return GB_OK;
}

static gb_err h_MEMORY_COPY(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    uint64_t d = (uint32_t)S(1), sr = (uint32_t)S(2), n = (uint32_t)S(3);
    CHARGE(n * c->inst->gs->bulk_per_byte);
    if (d + n > c->memsize || sr + n > c->memsize)
        return GB_TRAP_MEM_OOB;
    memmove(c->mem + d, c->mem + sr, n);
    mark(c->dirty, d, n);
    return GB_OK;
}

static gb_err h_MEMORY_INIT(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    gb_instance *inst = c->inst;
    uint32_t seg = (uint32_t)pc[1].u;
    uint64_t d = (uint32_t)S(2), sr = (uint32_t)S(3), n = (uint32_t)S(4);
    const gb_data_seg *ds = &inst->mod->datas[seg];
    uint64_t len = inst->data_dropped[seg] ? 0 : ds->len;
    CHARGE(n * inst->gs->bulk_per_byte);
    if (sr + n > len || d + n > c->memsize)
        return GB_TRAP_MEM_OOB;
    if (n)
        memcpy(c->mem + d, ds->bytes + sr, n);
    mark(c->dirty, d, n);
    return GB_OK;
}

static gb_err h_DATA_DROP(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    c->inst->data_dropped[pc[1].u] = 1;
    return GB_OK;
}

static gb_err h_TABLE_GET(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    gb_table *t = c->inst->tables[pc[2].u];
    uint32_t i = (uint32_t)S(3);
    if (i >= t->size)
        return GB_TRAP_TABLE_OOB;
    S(1) = t->elems[i];
    return GB_OK;
}

static gb_err h_TABLE_SET(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    gb_table *t = c->inst->tables[pc[1].u];
    uint32_t i = (uint32_t)S(2);
    if (i >= t->size)
        return GB_TRAP_TABLE_OOB;
    t->elems[i] = S(3);
    return GB_OK;
}

static gb_err h_TABLE_SIZE(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    S(1) = c->inst->tables[pc[2].u]->size;
    return GB_OK;
}

static gb_err h_TABLE_GROW(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    gb_table *t = c->inst->tables[pc[2].u];
    uint32_t delta = (uint32_t)S(4), old;
    CHARGE((uint64_t)c->inst->gs->table_per_elem * delta);
    gb_err e = gb_table_grow_(t, delta, S(3), &old);
    S(1) = e ? 0xffffffffu : old;
    return GB_OK;
}

static gb_err h_TABLE_FILL(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    gb_table *t = c->inst->tables[pc[1].u];
    uint64_t i = (uint32_t)S(2), n = (uint32_t)S(4);
    gb_val v = S(3);
    CHARGE(n * c->inst->gs->table_per_elem);
    if (i + n > t->size)
        return GB_TRAP_TABLE_OOB;
    for (uint64_t k = 0; k < n; k++)
        t->elems[i + k] = v;
    return GB_OK;
}

static gb_err h_TABLE_COPY(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    gb_instance *inst = c->inst;
    gb_table *td = inst->tables[pc[1].u], *ts = inst->tables[pc[2].u];
    uint64_t d = (uint32_t)S(3), sr = (uint32_t)S(4), n = (uint32_t)S(5);
    CHARGE(n * inst->gs->table_per_elem);
    if (d + n > td->size || sr + n > ts->size)
        return GB_TRAP_TABLE_OOB;
    if (n)
        memmove(td->elems + d, ts->elems + sr, n * sizeof(gb_val));
    return GB_OK;
}

static gb_err h_TABLE_INIT(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    gb_instance *inst = c->inst;
    gb_table *t = inst->tables[pc[1].u];
    uint32_t seg = (uint32_t)pc[2].u;
    uint64_t d = (uint32_t)S(3), sr = (uint32_t)S(4), n = (uint32_t)S(5);
    CHARGE(n * inst->gs->table_per_elem);
    if (sr + n > inst->elem_len[seg] || d + n > t->size)
        return GB_TRAP_TABLE_OOB;
    if (n)
        memcpy(t->elems + d, inst->elem_vals[seg] + sr, n * sizeof(gb_val));
    return GB_OK;
}

static gb_err h_ELEM_DROP(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    c->inst->elem_len[pc[1].u] = 0;
    return GB_OK;
}

static gb_err h_REF_FUNC(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    S(1) = (uint64_t)(uintptr_t)c->inst->funcs[pc[2].u];
    return GB_OK;
}

static gb_err h_REF_IS_NULL(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    S(1) = S(2) == 0;
    return GB_OK;
}

/* f run by the interpreter with its frame at nfp, the caller (compiled)
 * at depth c->depth - 1: the store's stack and limits narrowed to what is
 * left above, so every check the interpreter makes comes out as if the
 * whole run were interpreted. */
static gb_err interp_at(jctx *c, gb_func *f, uint64_t *nfp)
{
    gb_store *s = c->s;
    uint64_t *stack = s->stack;
    uint32_t slots = s->cfg.max_stack_slots, depth = s->cfg.max_call_depth;
    s->stack = nfp;
    s->cfg.max_stack_slots = (uint32_t)(c->stack_end - nfp);
    s->cfg.max_call_depth = c->max_depth - c->depth;
    s->gas_left = c->gas;
    gb_err e = gb_interp_call(s, f);
    c->gas = s->gas_left;
    s->stack = stack;
    s->cfg.max_stack_slots = slots;
    s->cfg.max_call_depth = depth;
    return e;
}

void gb_jitx_fast_depth(jctx *c, const gb_jit *j, const uint64_t *fp)
{
    /* the depth limit: a caller at depth max_depth - 1 may not call */
    uint64_t t = c->max_depth ? c->max_depth - 1 : 0;
    /* the value stack: at caller depth d the frame is at most
     * (d - depth) * bmax slots above fp, and a call needs at most fmax
     * above that; from the first depth where that may pass stack_end the
     * exact checks are made */
    uint64_t room = (uint64_t)(c->stack_end - fp);
    uint64_t safe = room < j->fmax ? c->depth
                    : j->bmax ? c->depth + (room - j->fmax) / j->bmax + 1
                              : UINT64_MAX;
    c->fast_depth = (uint32_t)(safe < t ? safe : t);
}

/* A call through an import or a table: returns the compiled entry to call
 * natively (the depth already counted), (void *)1 when the call was made
 * here (a host function, another instance), NULL on a trap (c->err). */
static const void *call_func(jctx *c, gb_func *f, uint64_t *nfp)
{
    gb_instance *inst = c->inst;
    gb_store *s = c->s;
    gb_err e;
    if (f->host) {
        gb_host_ctx hc = {.store = s, .inst = inst};
        s->gas_left = c->gas;
        e = f->host(&hc, f->user, nfp, nfp);
        c->gas = s->gas_left;
        if (e)
            goto trap;
        gb_jitx_load_mem(c, inst);
        return (const void *)1;
    }
    const gb_code *code = f->code;
    if (c->depth + 1 >= c->max_depth || nfp + code->frame_slots > c->stack_end) {
        e = GB_TRAP_STACK_EXHAUSTED;
        goto trap;
    }
    gb_jit *j = f->inst->mod->jit;
    c->depth++;
    if (f->inst == inst && j == c->jit)
        return j->code + j->fn_off[code->funcidx - j->nfunc_imports];
    if (j && gb_jitx_runnable(j, f->inst)) {
        gb_jit *cj = c->jit;
        c->inst = f->inst;
        c->jit = j;
        gb_jitx_load_mem(c, f->inst);
        gb_jitx_fast_depth(c, j, nfp);
        e = j->enter(c, nfp,
                     j->code + j->fn_off[code->funcidx - j->nfunc_imports]);
        c->inst = inst;
        c->jit = cj;
    } else {
        e = interp_at(c, f, nfp);
    }
    gb_jitx_load_mem(c, inst);
    c->depth--;
    if (e)
        goto trap;
    return (const void *)1;
trap:
    c->err = (int32_t)e;
    return NULL;
}

const void *gb_jitx_call_import(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    return call_func(c, c->inst->funcs[pc[1].u], fp + pc[2].u);
}

const void *gb_jitx_call_indirect(jctx *c, uint64_t *fp, const gb_cell *pc)
{
    gb_instance *inst = c->inst;
    gb_table *t = inst->tables[pc[1].u];
    uint32_t i = (uint32_t)S(4);
    gb_err e;
    if (i >= t->size) {
        snprintf(c->s->trap_msg, sizeof c->s->trap_msg,
                 "undefined element: call_indirect index %u, table size %u",
                 i, t->size);
        e = GB_TRAP_TABLE_OOB;
        goto trap;
    }
    gb_func *f = (gb_func *)(uintptr_t)t->elems[i];
    if (!f) {
        e = GB_TRAP_UNINIT_ELEM;
        goto trap;
    }
    if (f->sig != inst->sigs[pc[2].u]) {
        e = GB_TRAP_INDIRECT_MISMATCH;
        goto trap;
    }
    return call_func(c, f, fp + pc[3].u);
trap:
    c->err = (int32_t)e;
    return NULL;
}

/* the helper of a numeric op (generated from opcodes.h) */
op_fn gb_jitx_num_helper(gb_irop o)
{
    switch (o) {
#define U_(opc, name, ti, to, expr) case GB_IR_##name: return h_##name;
        GB_UNOPS(U_) GB_FC_UNOPS(U_)
#undef U_
#define B_(opc, name, ti, to, expr)                                         \
    case GB_IR_##name: return h_##name;                                     \
    case GB_IR_##name##_I: return h_##name##_I;
        GB_BINOPS(B_)
#undef B_
    default:
        return NULL;
    }
}

op_fn gb_jitx_op_helper(gb_irop o, bool *sync)
{
    switch (o) {
    case GB_IR_MEMORY_GROW: *sync = true; return h_MEMORY_GROW;
    case GB_IR_MEMORY_FILL: *sync = true; return h_MEMORY_FILL;
    case GB_IR_MEMORY_COPY: *sync = true; return h_MEMORY_COPY;
    case GB_IR_MEMORY_INIT: *sync = true; return h_MEMORY_INIT;
    case GB_IR_DATA_DROP: *sync = false; return h_DATA_DROP;
    case GB_IR_TABLE_GET: *sync = false; return h_TABLE_GET;
    case GB_IR_TABLE_SET: *sync = false; return h_TABLE_SET;
    case GB_IR_TABLE_SIZE: *sync = false; return h_TABLE_SIZE;
    case GB_IR_TABLE_GROW: *sync = true; return h_TABLE_GROW;
    case GB_IR_TABLE_FILL: *sync = true; return h_TABLE_FILL;
    case GB_IR_TABLE_COPY: *sync = true; return h_TABLE_COPY;
    case GB_IR_TABLE_INIT: *sync = true; return h_TABLE_INIT;
    case GB_IR_ELEM_DROP: *sync = false; return h_ELEM_DROP;
    case GB_IR_REF_FUNC: *sync = false; return h_REF_FUNC;
    case GB_IR_REF_IS_NULL: *sync = false; return h_REF_IS_NULL;
    default:
        *sync = false;
        return NULL;
    }
}

#undef S
#undef TRY_TRAP
#undef CHARGE

#else /* not x86-64: no compiled code, no guard pages */

size_t gb_jit_guard_span(const gb_wasm_config *cfg)
{
    (void)cfg;
    return 0;
}

#endif /* __x86_64__ */
