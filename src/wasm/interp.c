/*
 * The interpreter loop.
 *
 * Execution model.  compile.c has turned each function into direct-threaded
 * code: an array of cells where each instruction is the address of its
 * handler followed by its operands (see engine.h).  Dispatch is one
 * indirect jump per instruction (`goto *pc->h`), from the end of every
 * handler, so the CPU's branch predictor sees one jump site per handler
 * rather than a single shared switch.
 *
 * Values live in 64-bit cells.  Each call has a frame `fp`: params, locals,
 * then one cell per operand-stack height; operands name their cells by
 * index, so there is no stack pointer to maintain.  A call places its
 * arguments in the caller's top cells and the callee's frame starts right
 * there: arguments become parameters without copying, and results come
 * back in the same cells.  The value stack and the call-frame stack are
 * arrays in the store with sizes from the configuration; both are checked
 * on every call, so deep recursion is a GB_TRAP_STACK_EXHAUSTED, never a
 * native stack overflow.
 *
 * Hot state is kept in locals (pc, fp, the instance, its memory's base and
 * size, the gas counter) and written back to the store only around host
 * calls and when the run ends.
 *
 * Gas: each basic block starts with a GAS instruction carrying the block's
 * total cost (compile.c); bulk memory and table operations and
 * memory.grow also charge per byte, element or page before they act.
 * The GAS is dispatched only when code falls into it from an instruction
 * that has no charging form: a taken branch charges the block it enters
 * (TAKE), a conditional branch's _G form the block its fall-through opens
 * (FALL_G), CALL_G the callee's first block (ir.h, GB_IR_GPAIRS).
 *
 * Traps are returned values: a handler that traps jumps to `trap`, which
 * records the message and returns the code.  Nothing here longjmps.
 *
 * Memory is little-endian, as on every host we build for (x86-64, arm64);
 * loads and stores use memcpy so alignment never matters.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wasm/engine.h"
#include "wasm/numeric.h"

#define R_I32(x) ((uint64_t)(uint32_t)(x))
#define R_I64(x) ((uint64_t)(x))
#define R_F32(x) ((uint64_t)(uint32_t)(x))
#define R_F64(x) ((uint64_t)(x))

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

static const gb_memory no_memory; /* for instances without memory */

/* Profiling (wasm.h), at no cost to calls and returns when no profiler
 * is set: with one, the run's depth limit is 0, so every call fails the
 * stack check it makes anyway and takes the slow path (`slow_call`),
 * which checks for real, emits ENTER and saves as the caller's return pc
 * a trampoline cell (`L_PROF_RET`, the real pc kept in the frame), so
 * L_RETURN lands there and LEAVE is emitted without a test in L_RETURN.
 * Host calls, slow anyway, go through prof_host when max_depth is 0; the
 * entry function's ENTER and LEAVE are emitted by gb_interp_call.
 * (bench/run.sh and the code GCC 12 makes: a test of the profiler at each
 * call and return, or an event call before the loop starts, made GCC keep
 * the memory's base, size or read marks on the stack instead of in
 * registers in every load and store handler: memops and sort 5-9% slower.
 * This way the handlers are what they were.) */
__attribute__((noinline, cold)) void
gb_prof_emit(gb_store *s, const gb_instance *inst, gb_prof_kind kind,
             uint32_t func, int64_t gas, const gb_val *vals, gb_err err)
{
    s->gas_left = gas; /* the interpreter's counter, as the store's */
    gb_prof_event ev = {.kind = kind, .func = func, .inst = inst,
                        .gas_used = gb_store_gas_used(s), .vals = vals,
                        .err = err};
    s->prof(s->prof_user, &ev);
}

/* f's index among inst's imported functions, for a host event. */
static uint32_t host_index(const gb_instance *inst, const gb_func *f)
{
    for (uint32_t i = 0; i < inst->mod->nfunc_imports; i++)
        if (inst->funcs[i] == f)
            return i;
    return UINT32_MAX;
}

/* A host call with a profiler: HOST_CALL, the call, HOST_RETURN. */
__attribute__((noinline, cold)) static gb_err
prof_host(gb_host_ctx *ctx, gb_func *f, gb_val *args)
{
    gb_store *s = ctx->store;
    uint32_t idx = host_index(ctx->inst, f);
    gb_prof_emit(s, ctx->inst, GB_PROF_HOST_CALL, idx, s->gas_left, args,
                 GB_OK);
    gb_err err = f->host(ctx, f->user, args, args);
    gb_prof_emit(s, ctx->inst, GB_PROF_HOST_RETURN, idx, s->gas_left, args,
                 err);
    return err;
}

static gb_err run(gb_store *s, gb_func *entry, const void *const **out_table)
{
    static const void *const table[GB_IR_COUNT_] = {
#define GB_IR_ROW(name, nops) [GB_IR_##name] = &&L_##name,
        GB_IR_ALL
#undef GB_IR_ROW
    };
    if (out_table) {
        *out_table = table;
        return GB_OK;
    }

    gb_frame *const frames = s->frames;
    /* 0 with a profiler: every call takes slow_call (see above) */
    const uint32_t max_depth = s->prof ? 0 : s->cfg.max_call_depth;
    uint64_t *const stack_end = s->stack + s->cfg.max_stack_slots;
    gb_instance *inst = entry->inst;
    const gb_memory *M = inst->mem ? inst->mem : &no_memory;
    uint8_t *mem = M->data;
    uint8_t *dirty = M->dirty; /* write tracking, see wasm.h */
    uint8_t *rdm = M->read;    /* read tracking, the same */
    uint64_t memsize = M->size;
    int64_t gas = s->gas_left;
    uint64_t *fp = s->stack;
    uint32_t depth = 0;
    gb_err err = GB_OK;
    gb_cell *pc;
    gb_func *f;
    uint64_t *nfp;
    gb_cell *ret_pc;
    const gb_code *ccode;   /* slow_call: the callee, */
    gb_instance *cinst;     /* its instance */
    static const gb_cell prof_ret = {.h = &&L_PROF_RET}; /* trampoline */

#define NEXT() goto *pc->h
#define S(i) fp[pc[i].u]
#define TRAP(code)                                                          \
    do {                                                                    \
        err = (code);                                                       \
        goto trap;                                                          \
    } while (0)
#define TRY_TRAP(call)                                                      \
    do {                                                                    \
        gb_err e_ = (call);                                                 \
        if (UNLIKELY(e_))                                                   \
            TRAP(e_);                                                       \
    } while (0)
/* Take the branch whose target is in cell k: charge the gas in cell k+1
 * (the metered block it enters, see engine.h) and jump. */
#define TAKE(k)                                                             \
    do {                                                                    \
        gas -= pc[(k) + 1].i;                                               \
        if (UNLIKELY(gas < 0))                                              \
            REFILL(0);                                                      \
        pc = pc[k].p;                                                       \
    } while (0)
/* Gas ran short (below need): held-back gas if a deadline lets it (see
 * gb_store_set_deadline), else the trap.  Only ever on the slow path. */
#define REFILL(need)                                                        \
    do {                                                                    \
        gas = gb_store_refill(s, gas, (need));                              \
        if (gas < 0) {                                                      \
            gas = 0;                                                        \
            TRAP(GB_TRAP_OUT_OF_GAS);                                       \
        }                                                                   \
    } while (0)
#define RELOAD_MEM()                                                        \
    do {                                                                    \
        M = inst->mem ? inst->mem : &no_memory;                             \
        mem = M->data;                                                      \
        dirty = M->dirty;                                                   \
        rdm = M->read;                                                      \
        memsize = M->size;                                                  \
    } while (0)
/* Most functions have a handful of locals: a loop beats a call to memset.
 * (The empty asm hides the index from GCC, which would otherwise turn the
 * loop back into that call: 12 instructions and a call per call made,
 * -8 % of fib's instructions without it.) */
#define ZERO_LOCALS(p, n)                                                   \
    do {                                                                    \
        uint64_t *z_ = (p);                                                 \
        for (uint32_t k_ = 0, n_ = (n); k_ < n_; k_++) {                    \
            z_[k_] = 0;                                                     \
            __asm__("" : "+r"(k_));                                         \
        }                                                                   \
    } while (0)
#define CHARGE(amount)                                                      \
    do {                                                                    \
        if (inst->gs) {                                                     \
            uint64_t c_ = (amount);                                         \
            if (UNLIKELY((uint64_t)gas < c_))                               \
                REFILL(c_);                                                 \
            gas -= (int64_t)c_;                                             \
        }                                                                   \
    } while (0)

    {
        const gb_code *code = entry->code;
        if (code->frame_slots > s->cfg.max_stack_slots)
            TRAP(GB_TRAP_STACK_EXHAUSTED);
        memset(fp + code->nparams, 0, code->nlocals * sizeof *fp);
        pc = code->cells;
        NEXT();
    }

    /* ---- control ---- */
L_UNREACHABLE:
    TRAP(GB_TRAP_UNREACHABLE);
L_NOP:
    pc += GB_IR_LEN_NOP;
    NEXT();
L_GAS:
    gas -= pc[1].i;
    if (UNLIKELY(gas < 0))
        REFILL(0);
    pc += GB_IR_LEN_GAS;
    NEXT();
L_JMP:
    TAKE(1);
    NEXT();
/* A conditional branch, the target in cell k: taken, TAKE(k); not taken,
 * on to the next instruction (FALL) or, in the _G form, charging the GAS
 * that follows and on past it (FALL_G: that GAS's own handler, inlined). */
#define FALL(len) pc += (len)
#define FALL_G(len)                                                         \
    do {                                                                    \
        gas -= pc[(len) + 1].i;                                             \
        if (UNLIKELY(gas < 0))                                              \
            REFILL(0);                                                      \
        pc += (len) + GB_IR_LEN_GAS;                                        \
    } while (0)
#define COND_BR(name, test, k)                                              \
    L_##name:                                                               \
        if (test)                                                           \
            TAKE(k);                                                        \
        else                                                                \
            FALL(GB_IR_LEN_##name);                                         \
        NEXT();                                                             \
    L_##name##_G:                                                           \
        if (test)                                                           \
            TAKE(k);                                                        \
        else                                                                \
            FALL_G(GB_IR_LEN_##name);                                       \
        NEXT();
    COND_BR(BR_IF, (uint32_t)S(1), 2)
    COND_BR(BR_UNLESS, !(uint32_t)S(1), 2)
    COND_BR(BR_EQZ_I32, (uint32_t)S(1) == 0, 2)
    COND_BR(BR_NEZ_I32, (uint32_t)S(1) != 0, 2)
L_I32_MADD:
    S(1) = (uint32_t)((uint32_t)S(2) + (uint32_t)S(3) * (uint32_t)S(4));
    pc += GB_IR_LEN_I32_MADD;
    NEXT();
L_I64_MADD:
    S(1) = S(2) + S(3) * S(4);
    pc += GB_IR_LEN_I64_MADD;
    NEXT();
L_BR_TABLE: {
    uint32_t i = (uint32_t)S(1), n = (uint32_t)pc[2].u;
    if (i > n)
        i = n;
    TAKE(3 + 2 * i);
    NEXT();
}
L_RETURN:
    if (UNLIKELY(depth == 0))
        goto done;
    depth--;
    pc = frames[depth].pc;
    fp = frames[depth].fp;
    if (UNLIKELY(frames[depth].inst != inst)) {
        inst = frames[depth].inst;
        RELOAD_MEM();
    } else {
        memsize = M->size; /* the callee may have grown it */
    }
    NEXT();
/* A same-instance call; CALL_G also charges the GAS the callee opens
 * with, once its frame is pushed (a GAS's handler, inlined), and starts
 * after it.  The slow path runs that GAS as an instruction. */
#define CALL_SAME(label, enter)                                             \
    label: {                                                                \
        const gb_code *code = pc[1].p;                                      \
        nfp = fp + pc[2].u;                                                 \
        if (UNLIKELY(depth + 1 >= max_depth ||                              \
                     nfp + code->frame_slots > stack_end)) {                \
            ccode = code;                                                   \
            cinst = inst;                                                   \
            ret_pc = pc + GB_IR_LEN_CALL;                                   \
            goto slow_call;                                                 \
        }                                                                   \
        frames[depth].pc = pc + GB_IR_LEN_CALL;                             \
        frames[depth].fp = fp;                                              \
        frames[depth].inst = inst;                                          \
        depth++;                                                            \
        fp = nfp;                                                           \
        ZERO_LOCALS(fp + code->nparams, code->nlocals);                     \
        pc = code->cells;                                                   \
        enter;                                                              \
        NEXT();                                                             \
    }
    CALL_SAME(L_CALL, (void)0)
    CALL_SAME(L_CALL_G, FALL_G(0))
#undef CALL_SAME
L_CALL_IMPORT:
    f = inst->funcs[pc[1].u];
    nfp = fp + pc[2].u;
    ret_pc = pc + GB_IR_LEN_CALL_IMPORT;
    goto call_func;
L_CALL_INDIRECT: {
    gb_table *t = inst->tables[pc[1].u];
    uint32_t i = (uint32_t)S(4);
    if (UNLIKELY(i >= t->size)) {
        snprintf(s->trap_msg, sizeof s->trap_msg,
                 "undefined element: call_indirect index %u, table size %u",
                 i, t->size);
        TRAP(GB_TRAP_TABLE_OOB);
    }
    f = (gb_func *)(uintptr_t)t->elems[i];
    if (UNLIKELY(!f))
        TRAP(GB_TRAP_UNINIT_ELEM);
    if (UNLIKELY(f->sig != inst->sigs[pc[2].u]))
        TRAP(GB_TRAP_INDIRECT_MISMATCH);
    nfp = fp + pc[3].u;
    ret_pc = pc + GB_IR_LEN_CALL_INDIRECT;
    goto call_func;
}
call_func:
    if (f->host) {
        gb_host_ctx ctx = {.store = s, .inst = inst};
        s->gas_left = gas;
        err = UNLIKELY(max_depth == 0) ? prof_host(&ctx, f, nfp)
                                       : f->host(&ctx, f->user, nfp, nfp);
        gas = s->gas_left;
        if (UNLIKELY(err))
            goto trap;
        RELOAD_MEM();
        pc = ret_pc;
        NEXT();
    } else {
        ccode = f->code;
        cinst = f->inst;
        if (UNLIKELY(depth + 1 >= max_depth ||
                     nfp + ccode->frame_slots > stack_end))
            goto slow_call;
    push_frame:
        frames[depth].pc = ret_pc;
        frames[depth].fp = fp;
        frames[depth].inst = inst;
        depth++;
        fp = nfp;
        ZERO_LOCALS(fp + ccode->nparams, ccode->nlocals);
        if (cinst != inst) {
            inst = cinst;
            RELOAD_MEM();
        }
        pc = ccode->cells;
        NEXT();
    }
/* A call that failed the fast checks: the stacks are full, or a profiler
 * is set (max_depth 0): the same call, with ENTER, returning through the
 * trampoline (the real return pc kept in the frame). */
slow_call:
    if (max_depth != 0 || depth + 1 >= s->cfg.max_call_depth ||
        nfp + ccode->frame_slots > stack_end)
        TRAP(GB_TRAP_STACK_EXHAUSTED);
    frames[depth].ret = ret_pc;
    ret_pc = (gb_cell *)&prof_ret;
    gb_prof_emit(s, cinst, GB_PROF_ENTER, ccode->funcidx, gas, NULL, GB_OK);
    goto push_frame;
/* L_RETURN came back to a frame slow_call made: the callee has left. */
L_PROF_RET:
    pc = frames[depth].ret;
    gb_prof_emit(s, inst, GB_PROF_LEAVE, UINT32_MAX, gas, NULL, GB_OK);
    NEXT();

    /* ---- moves ---- */
L_COPY:
    S(1) = S(2);
    pc += GB_IR_LEN_COPY;
    NEXT();
L_CONST:
    S(1) = pc[2].u;
    pc += GB_IR_LEN_CONST;
    NEXT();
L_SELECT:
    S(1) = (uint32_t)S(4) ? S(2) : S(3);
    pc += GB_IR_LEN_SELECT;
    NEXT();
L_GLOBAL_GET:
    S(1) = *inst->gvals[pc[2].u];
    pc += GB_IR_LEN_GLOBAL_GET;
    NEXT();
L_GLOBAL_SET:
    *inst->gvals[pc[1].u] = S(2);
    pc += GB_IR_LEN_GLOBAL_SET;
    NEXT();

    /* ---- memory ---- */
#define LOAD_AT(label, T, conv, addr, off, ncells, wb)                       \
    label: {                                                                \
        uint32_t a32 = (uint32_t)(addr);                                    \
        wb;                                                                 \
        uint64_t ea = (uint64_t)a32 + (off);                                \
        if (UNLIKELY(ea + sizeof(T) > memsize))                             \
            TRAP(GB_TRAP_MEM_OOB);                                          \
        T v;                                                                \
        memcpy(&v, mem + ea, sizeof v);                                     \
        rdm[ea >> GB_DIRTY_SHIFT] = 1;                                      \
        rdm[(ea + sizeof(T) - 1) >> GB_DIRTY_SHIFT] = 1;                    \
        S(1) = (conv);                                                      \
        pc += ncells;                                                       \
        NEXT();                                                             \
    }
#define LOAD(name, T, conv)                                                 \
    LOAD_AT(L_##name, T, conv, S(2), pc[3].u, GB_IR_LEN_##name, (void)0)    \
    LOAD_AT(L_##name##_ADD, T, conv, S(2) + S(3), pc[4].u,                  \
            GB_IR_LEN_##name##_ADD, (void)0)                                \
    LOAD_AT(L_##name##_ADDI, T, conv, S(2) + pc[3].u, pc[4].u,              \
            GB_IR_LEN_##name##_ADDI, (void)0)                               \
    LOAD_AT(L_##name##_ADDW, T, conv, S(2) + S(3), pc[4].u,                 \
            GB_IR_LEN_##name##_ADDW, S(5) = a32)                            \
    LOAD_AT(L_##name##_ADDIW, T, conv, S(2) + pc[3].u, pc[4].u,             \
            GB_IR_LEN_##name##_ADDIW, S(5) = a32)
    LOAD(LD32, uint32_t, (uint64_t)v)
    LOAD(LD64, uint64_t, v)
    LOAD(LD8S_32, int8_t, (uint64_t)(uint32_t)(int32_t)v)
    LOAD(LD8S_64, int8_t, (uint64_t)(int64_t)v)
    LOAD(LD8U, uint8_t, (uint64_t)v)
    LOAD(LD16S_32, int16_t, (uint64_t)(uint32_t)(int32_t)v)
    LOAD(LD16S_64, int16_t, (uint64_t)(int64_t)v)
    LOAD(LD16U, uint16_t, (uint64_t)v)
    LOAD(LD32S_64, int32_t, (uint64_t)(int64_t)v)
#undef LOAD
#undef LOAD_AT
#define STORE_AT(label, T, addr, val, off, ncells)                          \
    label: {                                                                \
        uint64_t ea = (uint64_t)(uint32_t)(addr) + (off);                   \
        if (UNLIKELY(ea + sizeof(T) > memsize))                             \
            TRAP(GB_TRAP_MEM_OOB);                                          \
        T v = (T)(val);                                                     \
        memcpy(mem + ea, &v, sizeof v);                                     \
        dirty[ea >> GB_DIRTY_SHIFT] = 1;                                    \
        dirty[(ea + sizeof(T) - 1) >> GB_DIRTY_SHIFT] = 1;                  \
        pc += ncells;                                                       \
        NEXT();                                                             \
    }
#define STORE(name, T)                                                      \
    STORE_AT(L_##name, T, S(1), S(2), pc[3].u, GB_IR_LEN_##name)            \
    STORE_AT(L_##name##_ADD, T, S(1) + S(2), S(3), pc[4].u,                 \
             GB_IR_LEN_##name##_ADD)                                        \
    STORE_AT(L_##name##_ADDI, T, S(1) + pc[2].u, S(3), pc[4].u,             \
             GB_IR_LEN_##name##_ADDI)
    STORE(ST8, uint8_t)
    STORE(ST16, uint16_t)
    STORE(ST32, uint32_t)
    STORE(ST64, uint64_t)
#undef STORE
#undef STORE_AT
L_MEMORY_SIZE:
    S(1) = memsize >> 16;
    pc += GB_IR_LEN_MEMORY_SIZE;
    NEXT();
L_MEMORY_GROW: {
    uint32_t delta = (uint32_t)S(2), old;
    CHARGE((uint64_t)inst->gs->grow_per_page * delta);
    gb_err e = gb_memory_grow_(inst->mem, delta, &old);
    if (UNLIKELY(e == GB_NOMEM))
        TRAP(e); /* the host is out of memory: not a -1 the program sees
                    (it would differ from machine to machine); the run
                    ends with the error (gb_process: no outcome) */
    S(1) = e ? 0xffffffffu : old;
    RELOAD_MEM();
    pc += GB_IR_LEN_MEMORY_GROW;
    NEXT();
}
/* the granules of [d, d+n) written (d + n <= memsize, checked) */
#define MARK(d, n)                                                          \
    for (uint64_t g_ = (d) >> GB_DIRTY_SHIFT;                               \
         (n) && g_ <= ((d) + (n) - 1) >> GB_DIRTY_SHIFT; g_++)              \
        dirty[g_] = 1
L_MEMORY_FILL: {
    uint64_t d = (uint32_t)S(1), n = (uint32_t)S(3);
    CHARGE(n * inst->gs->bulk_per_byte);
    if (UNLIKELY(d + n > memsize))
        TRAP(GB_TRAP_MEM_OOB);
    memset(mem + d, (int)(uint8_t)S(2), n);
    MARK(d, n);
    pc += GB_IR_LEN_MEMORY_FILL;
    NEXT();
}
L_MEMORY_COPY: {
    uint64_t d = (uint32_t)S(1), sr = (uint32_t)S(2), n = (uint32_t)S(3);
    CHARGE(n * inst->gs->bulk_per_byte);
    if (UNLIKELY(d + n > memsize || sr + n > memsize))
        TRAP(GB_TRAP_MEM_OOB);
    memmove(mem + d, mem + sr, n);
    MARK(d, n);
    pc += GB_IR_LEN_MEMORY_COPY;
    NEXT();
}
L_MEMORY_INIT: {
    uint32_t seg = (uint32_t)pc[1].u;
    uint64_t d = (uint32_t)S(2), sr = (uint32_t)S(3), n = (uint32_t)S(4);
    const gb_data_seg *ds = &inst->mod->datas[seg];
    uint64_t len = inst->data_dropped[seg] ? 0 : ds->len;
    CHARGE(n * inst->gs->bulk_per_byte);
    if (UNLIKELY(sr + n > len || d + n > memsize))
        TRAP(GB_TRAP_MEM_OOB);
    if (n)
        memcpy(mem + d, ds->bytes + sr, n);
    MARK(d, n);
    pc += GB_IR_LEN_MEMORY_INIT;
    NEXT();
}
#undef MARK
L_DATA_DROP:
    inst->data_dropped[pc[1].u] = 1;
    pc += GB_IR_LEN_DATA_DROP;
    NEXT();

    /* ---- tables and references ---- */
L_TABLE_GET: {
    gb_table *t = inst->tables[pc[2].u];
    uint32_t i = (uint32_t)S(3);
    if (UNLIKELY(i >= t->size))
        TRAP(GB_TRAP_TABLE_OOB);
    S(1) = t->elems[i];
    pc += GB_IR_LEN_TABLE_GET;
    NEXT();
}
L_TABLE_SET: {
    gb_table *t = inst->tables[pc[1].u];
    uint32_t i = (uint32_t)S(2);
    if (UNLIKELY(i >= t->size))
        TRAP(GB_TRAP_TABLE_OOB);
    t->elems[i] = S(3);
    pc += GB_IR_LEN_TABLE_SET;
    NEXT();
}
L_TABLE_SIZE:
    S(1) = inst->tables[pc[2].u]->size;
    pc += GB_IR_LEN_TABLE_SIZE;
    NEXT();
L_TABLE_GROW: {
    gb_table *t = inst->tables[pc[2].u];
    uint32_t delta = (uint32_t)S(4), old;
    CHARGE((uint64_t)inst->gs->table_per_elem * delta);
    gb_err e = gb_table_grow_(t, delta, S(3), &old);
    S(1) = e ? 0xffffffffu : old;
    pc += GB_IR_LEN_TABLE_GROW;
    NEXT();
}
L_TABLE_FILL: {
    gb_table *t = inst->tables[pc[1].u];
    uint64_t i = (uint32_t)S(2), n = (uint32_t)S(4);
    gb_val v = S(3);
    CHARGE(n * inst->gs->table_per_elem);
    if (UNLIKELY(i + n > t->size))
        TRAP(GB_TRAP_TABLE_OOB);
    for (uint64_t k = 0; k < n; k++)
        t->elems[i + k] = v;
    pc += GB_IR_LEN_TABLE_FILL;
    NEXT();
}
L_TABLE_COPY: {
    gb_table *td = inst->tables[pc[1].u], *ts = inst->tables[pc[2].u];
    uint64_t d = (uint32_t)S(3), sr = (uint32_t)S(4), n = (uint32_t)S(5);
    CHARGE(n * inst->gs->table_per_elem);
    if (UNLIKELY(d + n > td->size || sr + n > ts->size))
        TRAP(GB_TRAP_TABLE_OOB);
    if (n)
        memmove(td->elems + d, ts->elems + sr, n * sizeof(gb_val));
    pc += GB_IR_LEN_TABLE_COPY;
    NEXT();
}
L_TABLE_INIT: {
    gb_table *t = inst->tables[pc[1].u];
    uint32_t seg = (uint32_t)pc[2].u;
    uint64_t d = (uint32_t)S(3), sr = (uint32_t)S(4), n = (uint32_t)S(5);
    CHARGE(n * inst->gs->table_per_elem);
    if (UNLIKELY(sr + n > inst->elem_len[seg] || d + n > t->size))
        TRAP(GB_TRAP_TABLE_OOB);
    if (n)
        memcpy(t->elems + d, inst->elem_vals[seg] + sr, n * sizeof(gb_val));
    pc += GB_IR_LEN_TABLE_INIT;
    NEXT();
}
L_ELEM_DROP:
    inst->elem_len[pc[1].u] = 0;
    pc += GB_IR_LEN_ELEM_DROP;
    NEXT();
L_REF_FUNC:
    S(1) = (uint64_t)(uintptr_t)inst->funcs[pc[2].u];
    pc += GB_IR_LEN_REF_FUNC;
    NEXT();
L_REF_IS_NULL:
    S(1) = S(2) == 0;
    pc += GB_IR_LEN_REF_IS_NULL;
    NEXT();

    /* ---- numeric, generated from opcodes.h ---- */
#define U_(opc, name, ti, to, expr)                                         \
    L_##name: {                                                             \
        uint64_t a = S(2);                                                  \
        S(1) = R_##to(expr);                                                \
        pc += GB_IR_LEN_##name;                                             \
        NEXT();                                                             \
    }
    GB_UNOPS(U_)
    GB_FC_UNOPS(U_)
#undef U_
#define B_(opc, name, ti, to, expr)                                         \
    L_##name: {                                                             \
        uint64_t a = S(2), b = S(3);                                        \
        S(1) = R_##to(expr);                                                \
        pc += GB_IR_LEN_##name;                                             \
        NEXT();                                                             \
    }                                                                       \
    L_##name##_I: {                                                         \
        uint64_t a = S(2), b = pc[3].u;                                     \
        S(1) = R_##to(expr);                                                \
        pc += GB_IR_LEN_##name##_I;                                         \
        NEXT();                                                             \
    }
    GB_BINOPS(B_)
#undef B_
#define C_AT(label, bv, cond, fall)                                         \
    label: {                                                                \
        uint64_t a = S(1), b = (bv);                                        \
        if (cond)                                                           \
            TAKE(3);                                                        \
        else                                                                \
            fall;                                                           \
        NEXT();                                                             \
    }
#define C_(name, cond, inv)                                                 \
    C_AT(L_BR_##name, S(2), cond, FALL(GB_IR_LEN_BR_##name))                \
    C_AT(L_BR_##name##_I, pc[2].u, cond, FALL(GB_IR_LEN_BR_##name##_I))     \
    C_AT(L_BR_##name##_G, S(2), cond, FALL_G(GB_IR_LEN_BR_##name))          \
    C_AT(L_BR_##name##_I_G, pc[2].u, cond, FALL_G(GB_IR_LEN_BR_##name##_I))
    GB_IR_BRCMP(C_)
#undef C_
#undef C_AT

done:
    s->gas_left = gas;
    return GB_OK;

trap:
    s->gas_left = gas;
    if (!s->trap_msg[0])
        snprintf(s->trap_msg, sizeof s->trap_msg, "%s", gb_err_str(err));
    return err;

#undef NEXT
#undef S
#undef TRAP
#undef TRY_TRAP
#undef RELOAD_MEM
#undef CHARGE
#undef TAKE
#undef FALL
#undef FALL_G
#undef COND_BR
}

const void *const *gb_interp_handlers(void)
{
    const void *const *t = NULL;
    run(NULL, NULL, &t);
    return t;
}

gb_err gb_interp_call(gb_store *s, gb_func *f)
{
    if (!s->prof)
        return run(s, f, NULL);
    /* the entry function's events, here: in run() a call before the
     * loop costs the loop registers (see gb_prof_emit) */
    gb_prof_emit(s, f->inst, GB_PROF_ENTER, f->code->funcidx, s->gas_left,
                 NULL, GB_OK);
    gb_err e = run(s, f, NULL);
    if (!e)
        gb_prof_emit(s, f->inst, GB_PROF_LEAVE, UINT32_MAX, s->gas_left,
                     NULL, GB_OK);
    return e;
}
