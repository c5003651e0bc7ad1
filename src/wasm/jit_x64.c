/*
 * The compiling tier for x86-64: the internal code (engine.h) of every
 * function of a module translated, one IR instruction at a time, into
 * machine code of our own making (a baseline, single-pass translation; no
 * code generation library).  Here: the translation of each instruction,
 * the module's shared code and the entry points (jit.h); loads and stores
 * are jit_x64_mem.c, the encoders and the slot cache it emits with are
 * jit_x64_asm.c and jit_x64_int.h.
 *
 * Execution model.  The interpreter's frame layout is kept as it is: every
 * value has a 64-bit slot fp[i] of the value stack in the store.  The
 * caller-saved registers rdx, rsi, rdi, r8-r11 cache slots (write-back,
 * within a straight line, or pinned through a loop of one straight line;
 * see "the slot cache" in jit_x64_asm.c), rax and rcx are scratch.  While
 * compiled code runs, the callee-saved registers hold the hot state:
 *
 *   rbx  fp, the current frame           r13  the gas counter
 *   r12  the run's context (jctx)         r14  the memory's base
 *   rbp  the memory's read marks          r15  the memory's write marks
 *
 * A direct call is a native `call`: the caller checks the depth and the
 * value stack as the interpreter does (the same limits, the same
 * STACK_EXHAUSTED), moves rbx up by the call's argument base, calls, and
 * moves it back.  A frame costs 16 bytes of native stack (the return
 * address and padding that keeps the stack 16-byte aligned for calls into
 * C), so the deepest run the default limits allow (20,000 frames) needs
 * about 320 KiB, and the depth is the distance from the entry's
 * rsp_base: one compare of rsp with rsp_limit says neither limit can be
 * reached by this call (the exact checks, l_callchk, only from
 * c->fast_depth on).
 *
 * Gas is charged where the interpreter charges it and by the same amounts:
 * a GAS instruction subtracts the block's cost from r13, a taken branch the
 * cost in its gas cell; when the counter goes negative a shared routine
 * calls gb_store_refill (the deadline's held-back gas) or ends the run
 * with OUT_OF_GAS and a counter of 0 — what the interpreter's REFILL does.
 *
 * What is native: moves, constants, select, globals, memory.size, every
 * i32/i64 operation but the bit counts (division: jit_x64_num.c), all
 * compare-and-branch forms, br_table, loads and stores (the bounds left
 * to the memory's guard pages, or checked against the context's memory
 * size; the read or write marks set as interp.c sets them, after the
 * access: jit_x64_mem.c), direct calls and returns.
 * Everything else (float arithmetic and conversions, with numeric.h's NaN
 * rules; bulk memory; memory.grow; tables; calls to
 * imports and call_indirect) calls a C helper (jit_x64_rt.c) that does
 * what the interpreter's handler does, written from the same opcodes.h
 * expressions; the registers are written back to the frame before.
 *
 * Traps are returned values.  A trap in compiled code jumps to the exit
 * stub, which stores the counter, puts the stack pointer back where the
 * entry trampoline left it and returns the code: only frames of compiled
 * code are discarded, never a C frame.  A helper that calls back into
 * compiled code (a call into another instance) enters through the
 * trampoline again, which saves and restores the previous exit point.
 *
 * Mixed mode.  A module is compiled whole or not at all (an instruction
 * the translator does not know makes gb_jit_compile return
 * GB_UNSUPPORTED, and that module runs in the interpreter).  Compiled code
 * calling a function of an interpreted module runs it with gb_interp_call
 * on the same value stack above the caller's frame, with the limits
 * narrowed to what is left; the interpreter calling into a compiled module
 * just interprets that module's internal code, which is always there.
 *
 * Executable memory is written while mapped read-write and then made
 * read-execute (W^X); it is freed with the module.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "wasm/jit.h"
#include "wasm/numeric.h"

#if defined(__x86_64__)
#include <sys/mman.h>

#include "wasm/jit_x64_int.h"

bool gb_jit_available(void) { return true; }

/* The cache registers whose slots are dead at cell t (need no writing
 * back on the way there). */
static uint32_t dead_mask(const asm_ *a, uint32_t t)
{
    uint32_t m = 0;
    for (int i = 0; i < NCR; i++)
        if (a->rs[i] >= 0 && a->dirty[i] &&
            gb_jitx_dead_at(a->live, t, (uint64_t)a->rs[i]))
            m |= 1u << i;
    return m;
}

/* Cell t is inside the loop whose slots are pinned (a branch there
 * keeps them in their registers). */
static bool in_loop(const asm_ *a, uint32_t t)
{
    return a->head >= 0 && t >= (uint64_t)a->head && t < a->rend;
}

/* Before a branch whose target is cell k: the registers written back,
 * but the pinned ones when it stays inside the pinned loop, and those
 * dead at the target. */
static void spill_branch(asm_ *a, const gb_code *code, const gb_cell *pc,
                         int k)
{
    uint32_t t = (uint32_t)((const gb_cell *)pc[k].p - code->cells);
    gb_jitx_spill_keep(a, in_loop(a, t), dead_mask(a, t));
}

/* Take the branch whose target and gas are cells k and k+1. */
static void take(asm_ *a, const gb_code *code, const gb_cell *pc, int k)
{
    uint32_t t = (uint32_t)((const gb_cell *)pc[k].p - code->cells);
    int64_t g = pc[k + 1].i;
    if (g > 0 && g <= INT32_MAX) { /* sub r13, g; jns target; refill */
        gb_jitx_aluimm(a, 1, 5, GAS, (uint32_t)g);
        gb_jitx_j_ir(a, CC_NS, t);
        gb_jitx_call_to(a, a->l_refill);
    } else {
        gb_jitx_charge(a, g);
    }
    gb_jitx_j_ir(a, -1, t);
}

/* Branch when cc holds (flags already set). */
static void branch(asm_ *a, const gb_code *code, const gb_cell *pc, int k,
                   int cc)
{
    if (pc[k + 1].i == 0) {
        gb_jitx_j_ir(a, cc, (uint32_t)((const gb_cell *)pc[k].p - code->cells));
        return;
    }
    b1(a, 0x0f); /* j!cc over the taken path */
    b1(a, (uint8_t)(0x80 + (cc ^ 1)));
    uint32_t at = (uint32_t)a->n;
    b4(a, 0);
    take(a, code, pc, k);
    patch4(a, at, (uint32_t)(a->n - (at + 4)));
}

/* A helper of the op_fn kind; sync: the counter and the memory may
 * change (stored before, reloaded after). */
static void reload_mem(asm_ *a)
{
    insm(a, 0, 1, 0x8b, MEM, CTX, -1, 1, CO(mem));
    insm(a, 0, 1, 0x8b, DIRTY, CTX, -1, 1, CO(dirty));
    insm(a, 0, 1, 0x8b, RDM, CTX, -1, 1, CO(rdm));
}

static void helper(asm_ *a, op_fn fn, const gb_cell *pc, bool sync)
{
    gb_jitx_spill_all(a, false);
    if (sync)
        insm(a, 0, 1, 0x89, GAS, CTX, -1, 1, CO(gas));
    insr(a, 1, 0x89, CTX, RDI); /* mov rdi, r12 */
    insr(a, 1, 0x89, FP, RSI);  /* mov rsi, rbx */
    gb_jitx_movimm(a, RDX, (uint64_t)(uintptr_t)pc);
    gb_jitx_call_abs(a, (const void *)fn);
    if (sync) {
        insm(a, 0, 1, 0x8b, GAS, CTX, -1, 1, CO(gas));
        reload_mem(a);
    }
    insr(a, 0, 0x85, RAX, RAX); /* test eax, eax */
    gb_jitx_jcc_to(a, CC_NE, a->l_exit);
    gb_jitx_clobber(a);
}

/* A call through an import or a table (h_CALL_IMPORT, h_CALL_INDIRECT). */
static void dyn_call(asm_ *a, const void *fn, const gb_cell *pc,
                     uint64_t argbase)
{
    if (argbase > a->bmax)
        a->bmax = argbase;
    gb_jitx_spill_all(a, false);
    insm(a, 0, 1, 0x89, GAS, CTX, -1, 1, CO(gas));
    /* this frame's depth into the context: (rsp_base - rsp) / 16 */
    insm(a, 0, 1, 0x8b, RAX, CTX, -1, 1, CO(rsp_base));
    insr(a, 1, 0x29, RSP, RAX);         /* sub rax, rsp */
    insr(a, 1, 0xc1, 5, RAX);           /* shr rax, 4 */
    b1(a, 4);
    insm(a, 0, 0, 0x89, RAX, CTX, -1, 1, CO(depth));
    insr(a, 1, 0x89, CTX, RDI);
    insr(a, 1, 0x89, FP, RSI);
    gb_jitx_movimm(a, RDX, (uint64_t)(uintptr_t)pc);
    gb_jitx_call_abs(a, fn);
    insm(a, 0, 1, 0x8b, GAS, CTX, -1, 1, CO(gas));
    gb_jitx_aluimm(a, 1, 7, RAX, 1); /* cmp rax, 1 */
    gb_jitx_jcc_to(a, CC_B, a->l_err_ctx);
    b1(a, 0x74); /* je reload */
    uint32_t at = (uint32_t)a->n;
    b1(a, 0);
    insm(a, 0, 1, 0x8d, FP, FP, -1, 1, sd(argbase));   /* lea rbx, [rbx+d] */
    insr(a, 0, 0xff, 2, RAX);                          /* call rax */
    insm(a, 0, 1, 0x8d, FP, FP, -1, 1, -sd(argbase));  /* lea rbx, [rbx-d] */
    if (a->n - (at + 1) <= 127 && at < a->n)
        a->b[at] = (uint8_t)(a->n - (at + 1));
    reload_mem(a);
    gb_jitx_clobber(a);
}

/* ---- numeric ------------------------------------------------------- */

/* The cache register of `slot`, if any, holds a 32-bit result just
 * computed (zero above bit 31). */
static void mark32(asm_ *a, uint64_t slot)
{
    int i = gb_jitx_cfind(a, slot);
    if (i >= 0)
        gb_jitx_z32(a, creg[i]);
}

static void emit_binop(asm_ *a, gb_irop o, const gb_jitx_natop *n, const gb_cell *pc)
{
    bool imm = gb_jitx_imm_form(o);
    uint64_t iv = n->w ? pc[3].u : (uint32_t)pc[3].u;
    /* an immediate an instruction takes (imm32, sign-extended for 64) */
    bool i32 = imm && (!n->w || (int64_t)iv == (int32_t)(uint32_t)iv);
    int rb = -1;
    if (!imm) {
        rb = gb_jitx_src(a, pc[3].u, RCX);
    } else if (!i32) {
        gb_jitx_movimm(a, RCX, iv);
        rb = RCX;
    }
    if (n->cc >= 0) {
        if (gb_jitx_cmp_by_shift(a, o, pc))
            return; /* (the shift after it gives the condition) */
        int ra = gb_jitx_src(a, pc[2].u, RAX);
        if (rb >= 0)
            insr(a, n->w, 0x39, rb, ra); /* cmp ra, rb */
        else
            gb_jitx_aluimm(a, n->w, 7, ra, (uint32_t)iv);
        gb_jitx_cond_result(a, n->cc, pc[1].u);
        return;
    }
    /* the result computed in its own register when it has one (and b is
     * not in it), else in rax */
    int ra = gb_jitx_src(a, pc[2].u, RAX);
    int rd = -1;
    if (pc[2].u != pc[3].u || imm) /* a's register, when a dies here */
        rd = gb_jitx_take_dead(a, pc[2].u, pc[1].u);
    if (rd < 0)
        rd = gb_jitx_dst(a, pc[1].u);
    if (rd >= 0 && rd == rb && ra != rb &&
        (n->op == 0x01 || n->op == 0x21 || n->op == 0x09 || n->op == 0x31 ||
         n->op == 0xaf0f)) { /* commutative: into b's register */
        rb = ra;
        ra = rd;
    }
    if (rd < 0 || rd == rb)
        rd = RAX;
    if (n->sh >= 0) {
        if (rb >= 0 && rb != RCX)
            mov32(a, RCX, rb);
        mov64(a, rd, ra);
        if (rb < 0) {
            insr(a, n->w, 0xc1, n->sh, rd); /* shift rd, imm8 */
            b1(a, (uint8_t)(iv & (n->w ? 63 : 31)));
            gb_jitx_shift_flags(a, (uint32_t)(pc - a->code->cells));
        } else {
            insr(a, n->w, 0xd3, n->sh, rd); /* shift rd, cl */
        }
    } else if (n->op == 0xaf0f && rb < 0) {
        insr(a, n->w, 0x69, rd, ra); /* imul rd, ra, imm32 */
        b4(a, (uint32_t)iv);
    } else if (n->op == 0x01 && rd != ra) { /* lea rd, [ra + rb / imm] */
        insm(a, 0, n->w, 0x8d, rd, ra, rb, 1, rb < 0 ? (int32_t)iv : 0);
    } else {
        mov64(a, rd, ra);
        if (rb < 0)
            gb_jitx_aluimm(a, n->w, (int)(n->op >> 3), rd, (uint32_t)iv);
        else if (n->op == 0xaf0f)
            insr(a, n->w, 0xaf0f, rd, rb); /* imul rd, rb */
        else
            insr(a, n->w, n->op, rb, rd); /* op rd, rb */
        /* add, sub, and, or, xor of 32 bits: the zero flag says whether
         * the result is 0, for a br_if or select reading it next (the
         * moves and stores that may follow keep the flags) */
        if (!n->w && n->op != 0xaf0f) {
            a->fl_slot = pc[1].u;
            a->fl_cc = CC_NE;
            a->fl_at = a->next;
        }
    }
    if (rd == RAX)
        gb_jitx_set_slot(a, pc[1].u, RAX);
    if (!n->w) /* a 32-bit result */
        mark32(a, pc[1].u);
}

/* native unary operators; false when a helper does it */
static bool emit_unop(asm_ *a, gb_irop o, const gb_cell *pc)
{
    uint32_t op;
    int w = 0, r;
    switch (o) {
    case GB_IR_I32_EQZ:
    case GB_IR_I64_EQZ:
        r = gb_jitx_src(a, pc[2].u, RAX);
        insr(a, o == GB_IR_I64_EQZ, 0x85, r, r);
        gb_jitx_cond_result(a, CC_E, pc[1].u);
        return true;
    case GB_IR_I32_WRAP_I64:
    case GB_IR_I64_EXTEND_I32_U:
    case GB_IR_I32_REINTERPRET_F32:
    case GB_IR_F32_REINTERPRET_I32:
        op = 0x8b; /* mov r32, r/m32 (zero-extends) */
        break;
    case GB_IR_I64_REINTERPRET_F64:
    case GB_IR_F64_REINTERPRET_I64:
        gb_jitx_set_slot(a, pc[1].u, gb_jitx_src(a, pc[2].u, RAX));
        return true;
    case GB_IR_I64_EXTEND_I32_S: op = 0x63; w = 1; break;
    case GB_IR_I64_EXTEND32_S: op = 0x63; w = 1; break;
    case GB_IR_I32_EXTEND8_S: op = 0xbe0f; break;
    case GB_IR_I32_EXTEND16_S: op = 0xbf0f; break;
    case GB_IR_I64_EXTEND8_S: op = 0xbe0f; w = 1; break;
    case GB_IR_I64_EXTEND16_S: op = 0xbf0f; w = 1; break;
    default:
        return false;
    }
    /* straight from the operand's register into the result's */
    r = gb_jitx_src(a, pc[2].u, RAX);
    int rd = gb_jitx_dst(a, pc[1].u), x = rd >= 0 ? rd : RAX;
    if (op == 0xbe0f && !w && !(x & 8) && r >= RSP && r <= RDI)
        b1(a, 0x40); /* (a REX: sil, dil, not dh, bh) */
    insr(a, w, op, x, r);
    if (rd < 0)
        st64(a, pc[1].u, RAX);
    else if (!w)
        gb_jitx_z32(a, rd); /* (a 32-bit result) */
    return true;
}

/* ---- gas --------------------------------------------------------------- */

/* The GAS instruction at cell i.  When another follows on the same
 * straight line with only pure instructions (pure_op) between, both are
 * charged here as one: `sub r13, c1 + c2; js slow`; the slow path (out
 * of line) puts c2 back and makes the two charges one after the other,
 * with the refill routine where either goes negative — what the two
 * would have done, as nothing between them can see the counter or leave
 * the line (a trap, a helper, a branch).  The second then emits nothing. */
static void charge_block(asm_ *a, const gb_jitx_hmap *hm, const gb_code *code,
                         uint32_t i)
{
    int64_t c1 = code->cells[i + 1].i;
    uint32_t e = a->next;
    for (int steps = 0; steps < 16 && e < code->ncells &&
                        a->lo[e] == UINT32_MAX; steps++) {
        const gb_cell *pc = &code->cells[e];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        if (oi == GB_IR_GAS) {
            int64_t c2 = pc[1].i;
            if (c1 <= 0 || c2 <= 0 || c1 + c2 > INT32_MAX)
                break;
            gb_jitx_aluimm(a, 1, 5, GAS, (uint32_t)(c1 + c2));
            b1(a, 0x0f); /* js slow */
            b1(a, 0x80 + CC_S);
            gb_jitx_add_fx(a, &a->gas2, &a->ngas2, &a->capgas2,
                           (uint32_t)a->n, (uint32_t)a->n + 4);
            b4(a, 0);
            if (a->ngas2 && !a->fail)
                a->gas2[a->ngas2 - 1].aux = (uint32_t)c2;
            a->gas_merged = e;
            return;
        }
        if (oi < 0 || !gb_jitx_pure_op((gb_irop)oi))
            break;
        e += (uint32_t)gb_ir_operands((gb_irop)oi, pc) + 1;
    }
    gb_jitx_charge(a, c1);
}

/* ---- functions --------------------------------------------------------- */

static void compile_func(asm_ *a, const gb_jitx_hmap *hm, const gb_module *m,
                         const gb_code *code)
{
    uint32_t n = code->ncells;
    uint32_t *off = gb_malloc((n ? n : 1) * sizeof *off);
    /* the branch targets, where the slot cache starts again: the first
     * and last instruction branching to each cell */
    uint32_t *lo = gb_malloc((n ? n : 1) * sizeof *lo);
    uint32_t *hi = gb_calloc(n ? n : 1, sizeof *hi);
    gb_jitx_live *live = NULL;
    if (!off || !lo || !hi)
        goto nomem;
    for (uint32_t i = 0; i < n; i++)
        off[i] = UINT32_MAX;
    a->off = off;
    a->nfx = 0;
    for (uint32_t i = 0; i < n; i++)
        lo[i] = UINT32_MAX;
    for (uint32_t i = 0; i < n;) {
        const gb_cell *pc = &code->cells[i];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        if (oi < 0)
            break; /* reported by the pass below */
        gb_irop o = (gb_irop)oi;
        for (uint32_t k = 0; k < gb_jitx_ntargets(o, pc); k++) {
            uint32_t t = gb_jitx_target(o, pc, code, k);
            if (t < n) {
                lo[t] = lo[t] < i ? lo[t] : i;
                hi[t] = hi[t] > i ? hi[t] : i;
            }
        }
        i += (uint32_t)gb_ir_operands(o, pc) + 1;
    }
    live = gb_jitx_live_new(hm, code);
    if (!live)
        goto nomem;
    a->live = live;
    gb_jitx_align_plan(a, hm, code);
    gb_jitx_cache_reset(a);
    a->lo = lo;
    a->fl_at = UINT32_MAX;
    a->gas_merged = UINT32_MAX;
    a->sc_at = UINT32_MAX;
    a->rmw_st = UINT32_MAX;
    a->sh_at = UINT32_MAX;

    /* prologue: align the stack, zero the declared locals (those read
     * before they are written: the others are dead at the entry) */
    gb_jitx_aluimm(a, 1, 5, RSP, 8); /* sub rsp, 8 */
    uint32_t nz = 0;
    for (uint32_t k = 0; k < code->nlocals; k++)
        nz += !gb_jitx_dead_at(live, 0, code->nparams + k);
    if (nz > 16) {
        insm(a, 0, 1, 0x8d, RDI, FP, -1, 1, sd(code->nparams));
        gb_jitx_movimm(a, RCX, code->nlocals);
        insr(a, 0, 0x31, RAX, RAX); /* xor eax, eax */
        b1(a, 0xf3); /* rep stosq */
        b1(a, 0x48);
        b1(a, 0xab);
    } else if (nz) {
        if (nz > 3)
            insr(a, 0, 0x31, RAX, RAX); /* xor eax, eax */
        for (uint32_t k = 0; k < code->nlocals; k++) {
            uint64_t slot = code->nparams + k;
            if (gb_jitx_dead_at(live, 0, slot))
                continue;
            if (nz > 3) {
                st64(a, slot, RAX);
            } else { /* mov qword [slot], 0 */
                insm(a, 0, 1, 0xc7, 0, FP, -1, 1, sd(slot));
                b4(a, 0);
            }
        }
    }

    for (uint32_t i = 0; i < n && !a->fail;) {
        const gb_cell *pc = &code->cells[i];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        if (oi < 0) {
            a->fail = true;
            a->err = GB_UNSUPPORTED;
            break;
        }
        gb_irop o = (gb_irop)oi;
        int nops = gb_ir_operands(o, pc);
        /* (a read-modify-write's address stays in its register) */
        a->lock = a->rmw_st != UINT32_MAX ? 1u << a->rmw_x : 0;
        a->code = code;
        a->hm = hm;
        a->next = i + (uint32_t)nops + 1;
        a->pc = pc;
        a->op = o;
        if (lo[i] != UINT32_MAX && in_loop(a, i) && i != a->head) {
            /* a line of the pinned loop: its pins stay */
            gb_jitx_spill_keep(a, true, dead_mask(a, i));
            gb_jitx_cache_keep_pins(a);
        } else if (lo[i] != UINT32_MAX) {
            uint64_t pins[NCR];
            uint32_t rend = 0;
            int np = gb_jitx_plan_pins(hm, code, a->live, i, lo, hi, NCR,
                                       pins, &rend);
            bool line = np > 0;
            if (!np)
                np = gb_jitx_plan_region(hm, code, i, lo, hi, NCR, pins,
                                         &rend);
            /* (falling through) the pins on the way in */
            uint32_t live = 0;
            for (int k = 0; k < np; k++)
                if (!gb_jitx_dead_at(a->live, i, pins[k]))
                    live |= 1u << k;
            gb_jitx_cache_enter_loop(a, pins, np, live,
                                     dead_mask(a, i));
            /* a pin dead at the head whose only value in the loop is a
             * constant: given it here, its constants then emit nothing */
            uint64_t c;
            for (int k = 0; line && k < np; k++) {
                int r = gb_jitx_cfind(a, pins[k]);
                if (r >= 0 && !(live & (1u << k)) &&
                    gb_jitx_loop_const(hm, code, i, rend, pins[k], &c)) {
                    gb_jitx_movimm(a, creg[r], c);
                    a->kc[r] = 1;
                    a->kv[r] = c;
                }
            }
            if (np) {
                a->head = i;
                a->rend = rend;
            }
            if (line)
                gb_jitx_ind_plan(a, hm, code, i, rend);
        }
        /* A loop's head, aligned: but not a loop that calls a function,
         * whose runs are the callee's code more than its own, and which
         * is entered about as often as it runs (fib: one call in each,
         * two runs an entry) — the padding's jump, run on each entry,
         * cost fib 15 %. */
        if (lo[i] != UINT32_MAX && hi[i] >= i &&
            !gb_jitx_loop_calls(hm, code, i, hi[i]))
            gb_jitx_align_code(a, 32);
        off[i] = (uint32_t)a->n;
        gb_jitx_natop nat;
        gb_irop mbase;
        int bform;
        bool w, store, imm;
        int cc;
        gb_jitx_ind_head(a, i);
        /* (a loop's window of accesses ends before anything that may trap
         * or leave the line but an access) */
        if (!gb_jitx_pure_op(o) && !gb_jitx_mem_kind(o).size &&
            !gb_jitx_fused_mem(o, &mbase, &bform, &w, &store))
            gb_jitx_win_close(a);
        switch (o) {
        case GB_IR_UNREACHABLE:
            gb_jitx_jmp_to(a, a->l_unreach);
            break;
        case GB_IR_NOP:
            break;
        case GB_IR_GAS: /* (the refill routine keeps every register) */
            if (i != a->gas_merged)
                charge_block(a, hm, code, i);
            break;
        case GB_IR_JMP:
            spill_branch(a, code, pc, 1);
            take(a, code, pc, 1);
            break;
        case GB_IR_BR_IF:
        case GB_IR_BR_UNLESS:
        case GB_IR_BR_EQZ_I32:
        case GB_IR_BR_NEZ_I32:
            spill_branch(a, code, pc, 2);
            /* (the flags of the comparison just before, if it was) */
            if ((cc = gb_jitx_cond_flags(a, i, pc[1].u)) < 0) {
                cc = gb_jitx_src(a, pc[1].u, RAX);
                insr(a, 0, 0x85, cc, cc);
                cc = CC_NE;
            }
            branch(a, code, pc, 2,
                   o == GB_IR_BR_IF || o == GB_IR_BR_NEZ_I32 ? cc : cc ^ 1);
            break;
        case GB_IR_BR_TABLE: {
            uint32_t cnt = (uint32_t)pc[2].u;
            /* the registers but the pinned ones written back, unless dead
             * at every target; the pinned ones on the way to a target
             * outside the pinned loop */
            uint32_t dead = (1u << NCR) - 1;
            for (uint32_t k = 0; k <= cnt; k++)
                dead &= dead_mask(a,
                                  (uint32_t)((const gb_cell *)pc[3 + 2 * k].p -
                                             code->cells));
            gb_jitx_spill_keep(a, true, dead);
            int rv = gb_jitx_src(a, pc[1].u, RAX);
            if (rv == RAX) {
                gb_jitx_movimm(a, RCX, cnt);
                insr(a, 0, 0x39, RCX, RAX);   /* cmp eax, ecx */
                insr(a, 0, 0x470f, RAX, RCX); /* cmova eax, ecx */
            } else { /* (a 32-bit cmov zero-extends, taken or not) */
                gb_jitx_movimm(a, RAX, cnt);
                insr(a, 0, 0x39, RAX, rv);    /* cmp rv32, eax */
                insr(a, 0, 0x460f, RAX, rv);  /* cmovbe eax, rv32 */
            }
            b1(a, 0x48); b1(a, 0x8d); b1(a, 0x0d); /* lea rcx, [rip+d] */
            b4(a, 0); /* patched below: the table's distance */
            uint32_t lea_end = (uint32_t)a->n;
            b1(a, 0x48); b1(a, 0x63); b1(a, 0x04); b1(a, 0x81); /* movsxd rax,[rcx+rax*4] */
            b1(a, 0x48); b1(a, 0x01); b1(a, 0xc8); /* add rax, rcx */
            b1(a, 0xff); b1(a, 0xe0);             /* jmp rax */
            uint32_t table = (uint32_t)a->n;
            patch4(a, lea_end - 4, table - lea_end);
            for (uint32_t k = 0; k <= cnt; k++)
                b4(a, 0);
            for (uint32_t k = 0; k <= cnt; k++) {
                patch4(a, table + 4 * k, (uint32_t)(a->n - table));
                uint32_t t = (uint32_t)((const gb_cell *)pc[3 + 2 * k].p -
                                        code->cells);
                for (int r = 0; r < NCR && !in_loop(a, t); r++)
                    if (a->pin[r] && a->dirty[r] &&
                        !gb_jitx_dead_at(a->live, t, (uint64_t)a->rs[r]))
                        st64(a, (uint64_t)a->rs[r], creg[r]);
                take(a, code, pc, 3 + 2 * (int)k);
            }
            break;
        }
        case GB_IR_RETURN: /* (only the results are read) */
            gb_jitx_spill_keep(a, false, dead_mask(a, i));
            gb_jitx_aluimm(a, 1, 0, RSP, 8); /* add rsp, 8 */
            b1(a, 0xc3);
            break;
        case GB_IR_CALL: {
            const gb_code *callee = pc[1].p;
            uint64_t base = pc[2].u;
            /* (the callee reads its arguments; the rest, unless read
             * after the call) */
            gb_jitx_spill_keep(a, false, dead_mask(a, i));
            /* The checks: this frame's stack pointer above rsp_limit
             * (every compiled frame takes 16 bytes: see emit_runtime) says
             * neither the depth nor the value stack can run out here;
             * else the exact checks, out of line. */
            insm(a, 0, 1, 0x3b, RSP, CTX, -1, 1, CO(rsp_limit));
            b1(a, 0x0f);
            b1(a, 0x80 + CC_BE);
            gb_jitx_add_fx(a, &a->slow, &a->nslow, &a->capslow,
                           (uint32_t)a->n, (uint32_t)a->n + 4);
            b4(a, 0);
            if (a->nslow && !a->fail)
                a->slow[a->nslow - 1].aux =
                    (uint32_t)(base + callee->frame_slots);
            if (base > a->bmax)
                a->bmax = base;
            insm(a, 0, 1, 0x8d, FP, FP, -1, 1, sd(base));
            b1(a, 0xe8);
            gb_jitx_add_fx(a, &a->calls, &a->ncalls, &a->capcalls,
                           (uint32_t)a->n, callee->funcidx - m->nfunc_imports);
            b4(a, 0);
            insm(a, 0, 1, 0x8d, FP, FP, -1, 1, -sd(base));
            gb_jitx_clobber(a);
            break;
        }
        case GB_IR_CALL_IMPORT:
            dyn_call(a, (const void *)gb_jitx_call_import, pc, pc[2].u);
            break;
        case GB_IR_CALL_INDIRECT:
            dyn_call(a, (const void *)gb_jitx_call_indirect, pc, pc[3].u);
            break;
        case GB_IR_COPY:
            gb_jitx_set_slot(a, pc[1].u, gb_jitx_src(a, pc[2].u, RAX));
            break;
        case GB_IR_CONST:
        {
            int rd = gb_jitx_dst(a, pc[1].u); /* straight into it */
            /* (in the loop, a register given its only constant holds it;
             * after the loop it is written like any other) */
            int ix = rd >= 0 && in_loop(a, i) ? gb_jitx_cfind(a, pc[1].u)
                                              : -1;
            if (ix < 0 || !a->kc[ix] || a->kv[ix] != pc[2].u)
                gb_jitx_movimm(a, rd >= 0 ? rd : RAX, pc[2].u);
            if (rd < 0)
                st64(a, pc[1].u, RAX);
            else if (pc[2].u <= 0xffffffffu)
                gb_jitx_z32(a, rd);
            /* (a mov: the flags of a comparison before go on) */
            if (a->fl_at == i && lo[i] == UINT32_MAX && pc[1].u != a->fl_slot)
                a->fl_at = a->next;
        }
            break;
        case GB_IR_SELECT: {
            int rb = gb_jitx_src(a, pc[3].u, RCX);
            int ra = gb_jitx_src(a, pc[2].u, RAX);
            /* (the flags of the comparison just before, if it was) */
            int fcc = gb_jitx_cond_flags(a, i, pc[4].u), rc;
            if (fcc < 0) {
                fcc = CC_NE;
                if ((rc = gb_jitx_cfind(a, pc[4].u)) >= 0)
                    insr(a, 0, 0x85, creg[rc], creg[rc]);
                else { /* cmp dword [cond], 0 */
                    insm(a, 0, 0, 0x83, 7, FP, -1, 1, sd(pc[4].u));
                    b1(a, 0);
                }
            }
            /* rd = a; cmov!cc rd, rb: b when the condition is 0 (in rax
             * when the result's register is b's) */
            int rd = gb_jitx_dst(a, pc[1].u), rx = rd < 0 || rd == rb ? RAX : rd;
            mov64(a, rx, ra);
            insr(a, 1, 0x0f | (uint32_t)(0x40 + (fcc ^ 1)) << 8, rx, rb);
            if (rd < 0)
                st64(a, pc[1].u, RAX);
            else
                mov64(a, rd, rx);
            break;
        }
        case GB_IR_GLOBAL_GET:
        case GB_IR_GLOBAL_SET: {
            bool get = o == GB_IR_GLOBAL_GET;
            insm(a, 0, 1, 0x8b, RAX, CTX, -1, 1, CO(inst));
            insm(a, 0, 1, 0x8b, RAX, RAX, -1, 1,
                 (int32_t)offsetof(gb_instance, gvals));
            insm(a, 0, 1, 0x8b, RAX, RAX, -1, 1,
                 (int32_t)(pc[get ? 2 : 1].u * 8));
            if (get) {
                insm(a, 0, 1, 0x8b, RCX, RAX, -1, 1, 0);
                gb_jitx_set_slot(a, pc[1].u, RCX);
            } else {
                int rv = gb_jitx_src(a, pc[2].u, RCX);
                insm(a, 0, 1, 0x89, rv, RAX, -1, 1, 0);
            }
            break;
        }
        case GB_IR_LD32: case GB_IR_LD64: case GB_IR_LD8S_32:
        case GB_IR_LD8S_64: case GB_IR_LD8U: case GB_IR_LD16S_32:
        case GB_IR_LD16S_64: case GB_IR_LD16U: case GB_IR_LD32S_64:
            gb_jitx_emit_load(a, o, pc, 0, false);
            break;
        case GB_IR_ST8: case GB_IR_ST16: case GB_IR_ST32: case GB_IR_ST64:
            gb_jitx_emit_store(a, o, pc, 0);
            break;
        case GB_IR_MEMORY_SIZE:
            insm(a, 0, 1, 0x8b, RAX, CTX, -1, 1, CO(memsize));
            insr(a, 1, 0xc1, 5, RAX);   /* shr rax, 16 */
            b1(a, 16);
            gb_jitx_set_slot(a, pc[1].u, RAX);
            break;
        case GB_IR_MEMORY_GROW:
        case GB_IR_MEMORY_FILL:
        case GB_IR_MEMORY_COPY:
        case GB_IR_MEMORY_INIT:
        case GB_IR_DATA_DROP:
        case GB_IR_TABLE_GET:
        case GB_IR_TABLE_SET:
        case GB_IR_TABLE_SIZE:
        case GB_IR_TABLE_GROW:
        case GB_IR_TABLE_FILL:
        case GB_IR_TABLE_COPY:
        case GB_IR_TABLE_INIT:
        case GB_IR_ELEM_DROP:
        case GB_IR_REF_FUNC:
        case GB_IR_REF_IS_NULL: {
            bool sync; /* (these may change the counter or the memory) */
            op_fn fn = gb_jitx_op_helper(o, &sync);
            helper(a, fn, pc, sync);
            break;
        }
        case GB_IR_I32_MADD:
        case GB_IR_I64_MADD: {
            int w64 = o == GB_IR_I64_MADD;
            int rb = gb_jitx_src(a, pc[4].u, RCX);
            int rp = RAX; /* the product: in a's register when a dies */
            int ra = gb_jitx_src(a, pc[3].u, RAX);
            if (ra != RAX && pc[3].u != pc[4].u && pc[3].u != pc[2].u &&
                pc[3].u != pc[1].u &&
                gb_jitx_dead_at(a->live, a->next, pc[3].u)) {
                int ia = gb_jitx_cfind(a, pc[3].u);
                rp = ra; /* (read by this instruction: no source or
                            result is given its register) */
                a->z32[ia] = 0;
                a->kc[ia] = 0;
                if (!a->pin[ia]) {
                    a->rs[ia] = -1; /* (dead: nothing to write back) */
                    a->dirty[ia] = 0;
                } /* (pinned: it keeps the slot, dead until written) */
            }
            if (rp == RAX)
                mov64(a, RAX, ra);
            insr(a, w64, 0xaf0f, rp, rb); /* imul rp, rb */
            if (a->rmw_st == a->next) { /* (the store adds it to memory) */
                a->rmw_prod = rp;
                break;
            }
            int rx = gb_jitx_src(a, pc[2].u, RCX);
            int rd = gb_jitx_dst(a, pc[1].u);
            if (rd >= 0 && rd == rx) {
                insr(a, w64, 0x01, rp, rd); /* add rd, rp */
            } else {
                insr(a, w64, 0x03, rp, rx); /* add rp, rx */
                if (rd >= 0)
                    mov64(a, rd, rp);
                else
                    st64(a, pc[1].u, rp);
            }
            if (!w64)
                mark32(a, pc[1].u);
            break;
        }
        default:
            if ((cc = gb_jitx_brcmp_cc(o, &imm)) >= 0) {
                spill_branch(a, code, pc, 3);
                int ra = gb_jitx_src(a, pc[1].u, RAX);
                if (imm)
                    gb_jitx_aluimm(a, 0, 7, ra, (uint32_t)pc[2].u);
                else
                    insr(a, 0, 0x39, gb_jitx_src(a, pc[2].u, RCX), ra);
                branch(a, code, pc, 3, cc);
            } else if (gb_jitx_fused_mem(o, &mbase, &bform, &w, &store)) {
                if (store)
                    gb_jitx_emit_store(a, mbase, pc, bform);
                else
                    gb_jitx_emit_load(a, mbase, pc, bform, w);
            } else if (gb_jitx_native_binop(o, &nat)) {
                emit_binop(a, o, &nat, pc);
            } else if (emit_unop(a, o, pc)) {
                /* done */
            } else if (gb_jitx_emit_divrem(a, o, pc)) {
                /* done */
            } else if (gb_jitx_num_helper(o)) {
                helper(a, gb_jitx_num_helper(o), pc, false);
            } else {
                a->fail = true;
                a->err = GB_UNSUPPORTED;
            }
        }
        gb_jitx_chk_forget(a, o, pc);
        if (gb_jitx_fused_mem(o, &mbase, &bform, &w, &store) && w &&
            pc[5].u != pc[1].u)
            /* the local now holds the access's 32-bit base (unless the
             * value loaded went there too): its bounds are known as far
             * as the access reached */
            gb_jitx_chk_add(a, 0, pc[5].u, 0,
                    pc[4].u + (uint64_t)gb_jitx_mem_kind(mbase).size);
        i += (uint32_t)nops + 1;
    }
    gb_jitx_emit_cold_marks(a);
    gb_jitx_emit_ind_marks(a);
    /* the calls' exact checks, out of line: rcx the callee frame's end */
    for (size_t k = 0; k < a->nslow && !a->fail; k++) {
        patch4(a, a->slow[k].at, (uint32_t)a->n - (a->slow[k].at + 4));
        insm(a, 0, 1, 0x8d, RCX, FP, -1, 1, sd(a->slow[k].aux));
        gb_jitx_call_to(a, a->l_callchk);
        gb_jitx_jmp_to(a, a->slow[k].target);
    }
    a->nslow = 0;
    /* the slow paths of two charges made as one: the second put back,
     * then each charged in turn */
    for (size_t k = 0; k < a->ngas2 && !a->fail; k++) {
        patch4(a, a->gas2[k].at, (uint32_t)a->n - (a->gas2[k].at + 4));
        gb_jitx_aluimm(a, 1, 0, GAS, a->gas2[k].aux); /* add r13, c2 */
        b1(a, 0x79); /* jns +5 */
        b1(a, 5);
        gb_jitx_call_to(a, a->l_refill);
        gb_jitx_aluimm(a, 1, 5, GAS, a->gas2[k].aux); /* sub r13, c2 */
        gb_jitx_jcc_to(a, CC_NS, a->gas2[k].target);
        gb_jitx_call_to(a, a->l_refill);
        gb_jitx_jmp_to(a, a->gas2[k].target);
    }
    a->ngas2 = 0;
    /* the branches of this function */
    for (size_t k = 0; k < a->nfx && !a->fail; k++) {
        uint32_t t = a->fx[k].target;
        if (t >= n || off[t] == UINT32_MAX) {
            a->fail = true;
            a->err = GB_UNSUPPORTED;
            break;
        }
        patch4(a, a->fx[k].at, off[t] - (a->fx[k].at + 4));
    }
    gb_jitx_align_free(a);
    gb_jitx_live_free(live);
    a->live = NULL;
out:
    free(off);
    free(lo);
    free(hi);
    a->off = NULL;
    a->lo = NULL;
    return;
nomem:
    a->fail = true;
    a->err = GB_NOMEM;
    goto out;
}

/* The shared code a trap of one kind jumps to (placed after the exit):
 * eax = trap, then a jump to the exit, which ends the run with it.
 * Returns its label. */
static uint32_t emit_trap_exit(asm_ *a, int trap)
{
    uint32_t at = (uint32_t)a->n;
    gb_jitx_movimm(a, RAX, (uint64_t)trap);
    gb_jitx_jmp_to(a, a->l_exit);
    return at;
}

/* The module's shared code: the entry trampoline, the exit, the refill
 * routine and the code each kind of trap jumps to. */
static void emit_runtime(asm_ *a)
{
    /* enter(ctx rdi, fp rsi, code rdx) */
    b1(a, 0x55);             /* push rbp */
    b1(a, 0x53);             /* push rbx */
    b1(a, 0x41); b1(a, 0x54); /* push r12 */
    b1(a, 0x41); b1(a, 0x55); /* push r13 */
    b1(a, 0x41); b1(a, 0x56); /* push r14 */
    b1(a, 0x41); b1(a, 0x57); /* push r15 */
    insm(a, 0, 0, 0xff, 6, RDI, -1, 1, CO(entry_rsp)); /* push [rdi+e] */
    insm(a, 0, 0, 0xff, 6, RDI, -1, 1, CO(rsp_base));
    insm(a, 0, 0, 0xff, 6, RDI, -1, 1, CO(rsp_limit));
    insm(a, 0, 1, 0x89, RSP, RDI, -1, 1, CO(entry_rsp));
    /* The function entered runs at depth c->depth with its stack pointer
     * at rsp - 16 (the call, its alignment); each frame deeper is 16
     * bytes lower: rsp_base = rsp - 16 + 16 * depth.  A caller at depth
     * d below c->fast_depth (gb_jitx_fast_depth) can call without
     * exceeding the depth or the value stack: while its stack pointer is
     * above rsp_limit = rsp_base - 16 * fast_depth (else l_callchk). */
    insm(a, 0, 0, 0x8b, RAX, RDI, -1, 1, CO(depth)); /* (zero-extends) */
    insr(a, 1, 0xc1, 4, RAX);                        /* shl rax, 4 */
    b1(a, 4);
    insm(a, 0, 1, 0x8d, RCX, RSP, RAX, 1, -16);      /* lea rcx, [rsp+rax-16] */
    insm(a, 0, 1, 0x89, RCX, RDI, -1, 1, CO(rsp_base));
    insm(a, 0, 0, 0x8b, RAX, RDI, -1, 1, CO(fast_depth));
    insr(a, 1, 0xc1, 4, RAX);
    b1(a, 4);
    insr(a, 1, 0x29, RAX, RCX);                      /* sub rcx, rax */
    insm(a, 0, 1, 0x89, RCX, RDI, -1, 1, CO(rsp_limit));
    insr(a, 1, 0x89, RDI, CTX);
    insr(a, 1, 0x89, RSI, FP);
    insm(a, 0, 1, 0x8b, GAS, CTX, -1, 1, CO(gas));
    reload_mem(a);
    insr(a, 0, 0xff, 2, RDX); /* call rdx */
    insr(a, 0, 0x31, RAX, RAX);
    /* exit: eax = the result */
    a->l_exit = (uint32_t)a->n;
    insm(a, 0, 1, 0x89, GAS, CTX, -1, 1, CO(gas));
    insm(a, 0, 1, 0x8b, RSP, CTX, -1, 1, CO(entry_rsp));
    insm(a, 0, 0, 0x8f, 0, CTX, -1, 1, CO(rsp_limit)); /* pop [r12+l] */
    insm(a, 0, 0, 0x8f, 0, CTX, -1, 1, CO(rsp_base));
    insm(a, 0, 0, 0x8f, 0, CTX, -1, 1, CO(entry_rsp));
    b1(a, 0x41); b1(a, 0x5f);
    b1(a, 0x41); b1(a, 0x5e);
    b1(a, 0x41); b1(a, 0x5d);
    b1(a, 0x41); b1(a, 0x5c);
    b1(a, 0x5b);
    b1(a, 0x5d);
    b1(a, 0xc3);
    /* the trap left in the context by a call helper */
    a->l_err_ctx = (uint32_t)a->n;
    insm(a, 0, 0, 0x8b, RAX, CTX, -1, 1, CO(err));
    gb_jitx_jmp_to(a, a->l_exit);
    a->l_oob = emit_trap_exit(a, GB_TRAP_MEM_OOB);
    a->l_stack = emit_trap_exit(a, GB_TRAP_STACK_EXHAUSTED);
    a->l_unreach = emit_trap_exit(a, GB_TRAP_UNREACHABLE);
    a->l_divz = emit_trap_exit(a, GB_TRAP_DIV_ZERO);
    a->l_ovf = emit_trap_exit(a, GB_TRAP_INT_OVERFLOW);
    /* A call's exact checks (the interpreter's), called by the slow path
     * of a call at depth d, rsp 8 below that frame's, rcx the end of the
     * callee's frame: d + 1 < max_depth and rcx <= stack_end, or
     * STACK_EXHAUSTED. */
    a->l_callchk = (uint32_t)a->n;
    insm(a, 0, 1, 0x8b, RAX, CTX, -1, 1, CO(rsp_base));
    insr(a, 1, 0x29, RSP, RAX);         /* sub rax, rsp: 16 d + 8 */
    insr(a, 1, 0xc1, 5, RAX);           /* shr rax, 4 */
    b1(a, 4);
    insr(a, 1, 0xff, 0, RAX);           /* inc rax */
    insm(a, 0, 0, 0x3b, RAX, CTX, -1, 1, CO(max_depth));
    gb_jitx_jcc_to(a, CC_AE, a->l_stack);
    insm(a, 0, 1, 0x3b, RCX, CTX, -1, 1, CO(stack_end));
    gb_jitx_jcc_to(a, CC_A, a->l_stack);
    b1(a, 0xc3);
    /* refill: called with the counter negative; returns with it >= 0 or
     * ends the run out of gas with a counter of 0 */
    a->l_refill = (uint32_t)a->n;
    /* every caller-saved register kept (the slot cache; nine pushes
     * align the stack) */
    static const int saved[9] = {RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11};
    for (int k = 0; k < 9; k++) {
        if (saved[k] & 8)
            b1(a, 0x41);
        b1(a, (uint8_t)(0x50 + (saved[k] & 7))); /* push */
    }
    insr(a, 1, 0x89, CTX, RDI);
    insr(a, 1, 0x89, GAS, RSI);
    gb_jitx_call_abs(a, (const void *)gb_jitx_refill);
    insr(a, 1, 0x85, RAX, RAX);
    b1(a, 0x78); /* js oog */
    uint32_t js = (uint32_t)a->n;
    b1(a, 0);
    insr(a, 1, 0x89, RAX, GAS); /* mov r13, rax */
    for (int k = 8; k >= 0; k--) {
        if (saved[k] & 8)
            b1(a, 0x41);
        b1(a, (uint8_t)(0x58 + (saved[k] & 7))); /* pop */
    }
    b1(a, 0xc3);
    if (js < a->n)
        a->b[js] = (uint8_t)(a->n - (js + 1));
    insr(a, 0, 0x31, GAS, GAS); /* xor r13d, r13d */
    gb_jitx_movimm(a, RAX, GB_TRAP_OUT_OF_GAS);
    gb_jitx_jmp_to(a, a->l_exit);
}

/* Whether m's memory may grow to 4 GiB, where an address wrapping past
 * 2^32 can be in bounds (its pages bounded by its maximum, and a memory
 * of its own by the configuration's too). */
static bool mem_may_be_4g(const gb_module *m)
{
    if (!m->nmems)
        return false;
    uint64_t max = m->mems[0].has_max ? m->mems[0].max : 65536;
    if (!m->nmem_imports && m->cfg.max_memory_pages < max)
        max = m->cfg.max_memory_pages;
    if (m->mems[0].min > max)
        max = m->mems[0].min;
    return max >= 65536;
}

gb_err gb_jit_compile(const gb_module *m, gb_jit **out)
{
    *out = NULL;
    gb_jitx_hmap *hm = gb_malloc(sizeof *hm);
    if (!hm)
        return GB_NOMEM;
    if (!gb_jitx_hmap_build(hm)) {
        free(hm);
        return GB_UNSUPPORTED;
    }
    uint32_t ndefs = m->nfuncs - m->nfunc_imports;
    gb_jit *j = gb_calloc(1, sizeof *j);
    asm_ a = {0};
    if (!j || !(j->fn_off = gb_calloc(ndefs ? ndefs : 1, sizeof *j->fn_off))) {
        a.fail = true;
        a.err = GB_NOMEM;
        goto out;
    }
    j->nfunc_imports = m->nfunc_imports;
    j->ndefs = ndefs;
    j->guard = a.guard = !m->cfg.jit_explicit_bounds && gb_jitx_guard_usable();
    a.mem4g = mem_may_be_4g(m);
    emit_runtime(&a);
    j->l_oob = a.l_oob;
    gb_jitx_globals_plan(&a, hm, m);
    for (uint32_t i = 0; i < ndefs && !a.fail; i++) {
        while (a.n % 16) /* function entries aligned */
            b1(&a, 0x90);
        j->fn_off[i] = (uint32_t)a.n;
        compile_func(&a, hm, m, m->code[i]);
    }
    for (size_t k = 0; k < a.ncalls && !a.fail; k++)
        patch4(&a, a.calls[k].at,
               j->fn_off[a.calls[k].target] - (a.calls[k].at + 4));
    /* (for gb_jitx_fast_depth) */
    j->bmax = a.bmax;
    j->fmax = a.bmax;
    for (uint32_t i = 0; i < ndefs; i++)
        if (a.bmax + m->code[i]->frame_slots > j->fmax)
            j->fmax = a.bmax + m->code[i]->frame_slots;
    if (a.fail)
        goto out;
    /* W^X: written while read-write, then read-execute */
    size_t sz = (a.n + 4095) & ~(size_t)4095;
    void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        a.fail = true;
        a.err = GB_NOMEM;
        goto out;
    }
    memcpy(p, a.b, a.n);
    if (mprotect(p, sz, PROT_READ | PROT_EXEC) != 0) {
        munmap(p, sz);
        a.fail = true;
        a.err = GB_NOMEM;
        goto out;
    }
    j->code = p;
    j->size = sz;
    /* the trampoline is at offset 0; converting the object pointer to a
     * function pointer is what POSIX dlsym needs too */
    {
        void *entry = p;
        memcpy(&j->enter, &entry, sizeof entry);
    }
out:
    gb_jitx_globals_free(&a);
    free(a.b);
    free(a.fx);
    free(a.calls);
    free(a.cold);
    free(a.icold);
    free(a.slow);
    free(a.gas2);
    free(hm);
    if (a.fail) {
        gb_jit_free(j);
        return a.err ? a.err : GB_UNSUPPORTED;
    }
    *out = j;
    return GB_OK;
}

void gb_jit_free(gb_jit *j)
{
    if (!j)
        return;
    if (j->code)
        munmap(j->code, j->size);
    free(j->fn_off);
    free(j);
}

size_t gb_jit_footprint(const gb_jit *j)
{
    return j ? j->size + sizeof *j + j->ndefs * sizeof *j->fn_off : 0;
}

gb_err gb_jit_call(gb_store *s, gb_func *f)
{
    const gb_code *code = f->code;
    gb_jit *j = f->inst->mod->jit;
    if (!gb_jitx_runnable(j, f->inst)) /* (no guard pages for its code) */
        return gb_interp_call(s, f);
    if (code->frame_slots > s->cfg.max_stack_slots)
        return GB_TRAP_STACK_EXHAUSTED;
    jctx c = {.gas = s->gas_left,
              .depth = 0,
              .max_depth = s->cfg.max_call_depth,
              .stack_end = s->stack + s->cfg.max_stack_slots,
              .s = s,
              .inst = f->inst,
              .jit = j};
    gb_jitx_load_mem(&c, f->inst);
    gb_jitx_fast_depth(&c, j, s->stack);
    gb_err e = gb_jitx_run(&c, j, s->stack,
                           j->code + j->fn_off[code->funcidx - j->nfunc_imports]);
    s->gas_left = c.gas;
    return e;
}

#else /* not x86-64: the interpreter only */

struct gb_jit {
    int unused;
};

bool gb_jit_available(void) { return false; }

gb_err gb_jit_compile(const gb_module *m, gb_jit **out)
{
    (void)m;
    *out = NULL;
    return GB_UNSUPPORTED;
}

void gb_jit_free(gb_jit *j) { (void)j; }
size_t gb_jit_footprint(const gb_jit *j) { (void)j; return 0; }

gb_err gb_jit_call(gb_store *s, gb_func *f) { return gb_interp_call(s, f); }

#endif
