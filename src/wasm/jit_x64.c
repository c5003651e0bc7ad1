/*
 * The compiling tier for x86-64: the internal code (engine.h) of every
 * function of a module translated, one IR instruction at a time, into
 * machine code of our own making (a baseline, single-pass translation; no
 * code generation library).
 *
 * Execution model.  The interpreter's frame layout is kept as it is: every
 * value has a 64-bit slot fp[i] of the value stack in the store.  The
 * caller-saved registers rdx, rsi, rdi, r8-r11 cache slots (write-back,
 * within a straight line, or pinned through a loop of one straight line;
 * see "the slot cache"), rax and rcx are scratch.  While compiled code
 * runs, the callee-saved registers hold the hot state:
 *
 *   rbx  fp, the current frame           r13  the gas counter
 *   r12  the run's context (jctx below)   r14  the memory's base
 *   rbp  the memory's read marks          r15  the memory's write marks
 *
 * A direct call is a native `call`: the caller checks the depth and the
 * value stack exactly as the interpreter does (the same limits, the same
 * STACK_EXHAUSTED), moves rbx up by the call's argument base, calls, and
 * moves it back.  A frame costs 16 bytes of native stack (the return
 * address and padding that keeps the stack 16-byte aligned for calls into
 * C), so the deepest run the default limits allow (20,000 frames) needs
 * about 320 KiB.
 *
 * Gas is charged where the interpreter charges it and by the same amounts:
 * a GAS instruction subtracts the block's cost from r13, a taken branch the
 * cost in its gas cell; when the counter goes negative a shared routine
 * calls gb_store_refill (the deadline's held-back gas) or ends the run
 * with OUT_OF_GAS and a counter of 0 — what the interpreter's REFILL does.
 *
 * What is native: moves, constants, select, globals, memory.size, every
 * i32/i64 operation but division, remainder and the bit counts, all
 * compare-and-branch forms, br_table, loads and stores (the bounds checked
 * explicitly against the context's memory size, then the read or write
 * marks set as interp.c sets them: the first byte's granule inline, the
 * last byte's out of line when it is another), direct calls and returns.
 * Everything else (float arithmetic and conversions, with numeric.h's NaN
 * rules; integer division; bulk memory; memory.grow; tables; calls to
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

/* ---- the assembler -------------------------------------------------- */

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13,
       R14, R15 };
#define FP RBX
#define CTX R12
#define GAS R13
#define MEM R14
#define DIRTY R15
#define RDM RBP
/* The cache registers (caller-saved, all of them but the scratch rax and
 * rcx) */
#define NCR 7
static const int creg[NCR] = {RDX, RSI, RDI, R8, R9, R10, R11};
#define CO(f) ((int32_t)offsetof(jctx, f))

typedef struct fixup {
    uint32_t at;     /* the rel32's position */
    uint32_t target; /* IR cell index, or function index for calls */
} fixup;

typedef struct asm_ {
    uint8_t *b;
    size_t n, cap;
    bool fail;           /* out of memory or an unknown instruction */
    gb_err err;
    /* per function */
    uint32_t *off;       /* native offset of each IR cell, UINT32_MAX if
                            not an instruction start */
    fixup *fx;
    size_t nfx, capfx;
    /* the accesses whose bytes may span two granules: at the jnz's rel32,
     * target = (where to go back) << 8 | size << 4 | the marks' register */
    fixup *cold;
    size_t ncold, capcold;
    /* per module */
    fixup *calls;
    size_t ncalls, capcalls;
    uint32_t l_exit, l_refill, l_err_ctx, l_oob, l_stack, l_unreach;
    /* The slot cache (see "the slot cache" below): which frame slot each
     * cache register holds (-1: none), whether it is pinned for the
     * block (a loop's), its last use, and the registers the instruction
     * being emitted reads (never evicted by it). */
    int64_t rs[NCR];
    uint8_t pin[NCR];
    uint8_t dirty[NCR]; /* newer than its slot */
    int64_t head;       /* the cell starting the pinned loop, or -1 */
    uint32_t use[NCR];
    uint32_t tick, lock;
} asm_;

static void grow(asm_ *a, size_t more)
{
    if (a->n + more <= a->cap)
        return;
    size_t cap = a->cap ? a->cap * 2 : 4096;
    while (cap < a->n + more)
        cap *= 2;
    uint8_t *nb = gb_realloc(a->b, cap);
    if (!nb) {
        a->fail = true;
        a->err = GB_NOMEM;
        a->n = 0; /* keep writing into what there is */
        return;
    }
    a->b = nb;
    a->cap = cap;
}

static void b1(asm_ *a, uint8_t x)
{
    grow(a, 1);
    if (a->cap)
        a->b[a->n++] = x;
}

static void b4(asm_ *a, uint32_t x)
{
    for (int i = 0; i < 4; i++)
        b1(a, (uint8_t)(x >> (8 * i)));
}

static void b8(asm_ *a, uint64_t x)
{
    b4(a, (uint32_t)x);
    b4(a, (uint32_t)(x >> 32));
}

static void patch4(asm_ *a, uint32_t at, uint32_t x)
{
    if (at + 4 <= a->n)
        for (int i = 0; i < 4; i++)
            a->b[at + i] = (uint8_t)(x >> (8 * i));
}

/* Opcode bytes (up to three, first in the low byte) */
static void ops(asm_ *a, uint32_t op, int len)
{
    for (int i = 0; i < len; i++)
        b1(a, (uint8_t)(op >> (8 * i)));
}

static int oplen(uint32_t op) { return op > 0xffff ? 3 : op > 0xff ? 2 : 1; }

/* reg, [base + index*scale + disp]; index -1 for none.  w: REX.W;
 * pfx: 0x66 or 0; byte: reg is a byte register (a REX for sil/dil). */
static void insm(asm_ *a, int pfx, int w, uint32_t op, int reg, int base,
                 int index, int scale, int32_t disp)
{
    if (pfx)
        b1(a, (uint8_t)pfx);
    int rex = (w ? 8 : 0) | (reg & 8 ? 4 : 0) | (index >= 0 && (index & 8) ? 2 : 0) |
              (base & 8 ? 1 : 0);
    if (rex)
        b1(a, (uint8_t)(0x40 | rex));
    ops(a, op, oplen(op));
    int mod = disp == 0 && (base & 7) != 5 ? 0
              : disp >= -128 && disp <= 127 ? 1 : 2;
    if (index >= 0 || (base & 7) == 4) {
        int ss = scale == 8 ? 3 : scale == 4 ? 2 : scale == 2 ? 1 : 0;
        b1(a, (uint8_t)((mod << 6) | ((reg & 7) << 3) | 4));
        b1(a, (uint8_t)((ss << 6) | ((index >= 0 ? index : 4) & 7) << 3 |
                        (base & 7)));
    } else {
        b1(a, (uint8_t)((mod << 6) | ((reg & 7) << 3) | (base & 7)));
    }
    if (mod == 1)
        b1(a, (uint8_t)disp);
    else if (mod == 2)
        b4(a, (uint32_t)disp);
}

/* reg, rm (register direct) */
static void insr(asm_ *a, int w, uint32_t op, int reg, int rm)
{
    int rex = (w ? 8 : 0) | (reg & 8 ? 4 : 0) | (rm & 8 ? 1 : 0);
    if (rex)
        b1(a, (uint8_t)(0x40 | rex));
    ops(a, op, oplen(op));
    b1(a, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

/* slot i of the frame */
static int32_t sd(uint64_t slot) { return (int32_t)(slot * 8); }

static void ld64(asm_ *a, int r, uint64_t slot) { insm(a, 0, 1, 0x8b, r, FP, -1, 1, sd(slot)); }
static void st64(asm_ *a, uint64_t slot, int r) { insm(a, 0, 1, 0x89, r, FP, -1, 1, sd(slot)); }

static void mov64(asm_ *a, int dst, int src)
{
    if (dst != src)
        insr(a, 1, 0x89, src, dst);
}

/* mov dst32, src32: also zero-extends */
static void mov32(asm_ *a, int dst, int src) { insr(a, 0, 0x89, src, dst); }

/* ---- the slot cache -------------------------------------------------- */

/* A register holds the slot it was last loaded from or stored to, and a
 * result goes to a register only (write-back): the slot is written when
 * the register is evicted, and every register newer than its slot is
 * written back (spill_all) before anything that reads the frame or leaves
 * the straight line: a branch, a call, a helper, a return, the next
 * branch target.  A trap needs nothing: its frames are dropped unread.
 *
 * Within a straight line (from a branch target to the next) slots are
 * evicted least recently used first; at a branch target the cache starts
 * empty, except in a loop made of one straight line (every branch to its
 * head comes from inside it): there its most used slots are pinned,
 * loaded into their registers on the way in (the fall-through; the
 * branches back find them there), and a branch back to the head leaves
 * them in their registers unwritten; any other way out writes them back,
 * and a call into C or a callee (which may clobber them) is followed by
 * reloading them.  Everything that writes a slot goes through set_slot;
 * calls and helpers through spill_all and clobber. */

static void cache_reset(asm_ *a)
{
    for (int i = 0; i < NCR; i++) {
        a->rs[i] = -1;
        a->pin[i] = 0;
        a->dirty[i] = 0;
    }
    a->head = -1;
}

static int cfind(const asm_ *a, uint64_t slot)
{
    for (int i = 0; i < NCR; i++)
        if (a->rs[i] >= 0 && (uint64_t)a->rs[i] == slot)
            return i;
    return -1;
}

static void touch(asm_ *a, int i)
{
    a->use[i] = ++a->tick;
    a->lock |= 1u << i;
}

static void writeback(asm_ *a, int i)
{
    if (a->dirty[i])
        st64(a, (uint64_t)a->rs[i], creg[i]);
    a->dirty[i] = 0;
}

/* Every register newer than its slot written back (keep_pinned: but the
 * pinned ones, for a branch back to the loop's head). */
static void spill_all(asm_ *a, bool keep_pinned)
{
    for (int i = 0; i < NCR; i++)
        if (!(keep_pinned && a->pin[i]))
            writeback(a, i);
}

/* a cache register to (re)use, emptied (written back): a free one, else
 * the least recently used one not pinned nor read by this instruction;
 * -1 if none */
static int cget(asm_ *a)
{
    int best = -1;
    for (int i = 0; i < NCR; i++) {
        if (a->pin[i] || (a->lock & (1u << i)))
            continue;
        if (a->rs[i] < 0)
            return i;
        if (best < 0 || a->use[i] < a->use[best])
            best = i;
    }
    if (best >= 0) {
        writeback(a, best);
        a->rs[best] = -1;
    }
    return best;
}

/* A register holding the 64 bits of `slot`: its cache register, or one
 * loaded now, or (none to spare) `scratch` loaded now. */
static int src(asm_ *a, uint64_t slot, int scratch)
{
    int i = cfind(a, slot);
    if (i < 0) {
        i = cget(a);
        if (i < 0) {
            ld64(a, scratch, slot);
            return scratch;
        }
        ld64(a, creg[i], slot);
        a->rs[i] = (int64_t)slot;
    }
    touch(a, i);
    return creg[i];
}

/* `slot` = reg: kept in the cache (written back later), or stored now
 * when no register is to spare */
static void set_slot(asm_ *a, uint64_t slot, int reg)
{
    int i = cfind(a, slot);
    if (i < 0) {
        i = cget(a);
        if (i < 0) {
            st64(a, slot, reg);
            return;
        }
        a->rs[i] = (int64_t)slot;
    }
    mov64(a, creg[i], reg);
    a->dirty[i] = 1;
    touch(a, i);
}

/* After a call into C or a callee (spill_all before it): the registers
 * are gone; the pinned ones are loaded again. */
static void clobber(asm_ *a)
{
    for (int i = 0; i < NCR; i++) {
        if (a->pin[i])
            ld64(a, creg[i], (uint64_t)a->rs[i]);
        else
            a->rs[i] = -1;
    }
}

/* slot (w: 64 bits; else zero-extended from 32) into rax */
static void to_rax(asm_ *a, int w, uint64_t slot)
{
    int r = src(a, slot, RAX);
    if (w)
        mov64(a, RAX, r);
    else
        mov32(a, RAX, r);
}

static void movimm(asm_ *a, int r, uint64_t v)
{
    if (v <= 0xffffffffu) { /* mov r32, imm32 (zero-extends) */
        if (r & 8)
            b1(a, 0x41);
        b1(a, (uint8_t)(0xb8 + (r & 7)));
        b4(a, (uint32_t)v);
    } else {
        b1(a, (uint8_t)(0x48 | (r & 8 ? 1 : 0)));
        b1(a, (uint8_t)(0xb8 + (r & 7)));
        b8(a, v);
    }
}

/* ALU r/m, imm32: /digit */
static void aluimm(asm_ *a, int w, int digit, int r, uint32_t imm)
{
    insr(a, w, 0x81, digit, r);
    b4(a, imm);
}

static void call_abs(asm_ *a, const void *fn)
{
    movimm(a, RAX, (uint64_t)(uintptr_t)fn);
    insr(a, 0, 0xff, 2, RAX); /* call rax */
}

/* jcc/jmp rel32 to a module label (already placed) */
static void jcc_to(asm_ *a, int cc, uint32_t label)
{
    b1(a, 0x0f);
    b1(a, (uint8_t)(0x80 + cc));
    b4(a, (uint32_t)(label - (a->n + 4)));
}

static void jmp_to(asm_ *a, uint32_t label)
{
    b1(a, 0xe9);
    b4(a, (uint32_t)(label - (a->n + 4)));
}

static void call_to(asm_ *a, uint32_t label)
{
    b1(a, 0xe8);
    b4(a, (uint32_t)(label - (a->n + 4)));
}

static void add_fx(asm_ *a, fixup **v, size_t *n, size_t *cap, uint32_t at,
                   uint32_t target)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        fixup *nv = gb_realloc(*v, nc * sizeof *nv);
        if (!nv) {
            a->fail = true;
            a->err = GB_NOMEM;
            return;
        }
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = (fixup){at, target};
}

/* jcc (or jmp with cc < 0) to IR cell `target` of this function */
static void j_ir(asm_ *a, int cc, uint32_t target)
{
    if (cc < 0) {
        b1(a, 0xe9);
    } else {
        b1(a, 0x0f);
        b1(a, (uint8_t)(0x80 + cc));
    }
    add_fx(a, &a->fx, &a->nfx, &a->capfx, (uint32_t)a->n, target);
    b4(a, 0);
}

/* Charge `gas` (a block's cost): the counter down, the refill routine
 * when it goes negative. */
static void charge(asm_ *a, int64_t gas)
{
    if (gas == 0)
        return;
    if (gas > 0 && gas <= INT32_MAX) {
        aluimm(a, 1, 5, GAS, (uint32_t)gas); /* sub r13, imm32 */
    } else {
        movimm(a, RAX, (uint64_t)gas);
        insr(a, 1, 0x29, RAX, GAS); /* sub r13, rax */
    }
    b1(a, 0x79); /* jns +5 */
    b1(a, 5);
    call_to(a, a->l_refill);
}

/* Before a branch whose target is cell k: the registers written back,
 * but the pinned ones when it goes back to the loop's head. */
static void spill_branch(asm_ *a, const gb_code *code, const gb_cell *pc,
                         int k)
{
    int64_t t = (const gb_cell *)pc[k].p - code->cells;
    spill_all(a, a->head >= 0 && t == a->head);
}

/* Take the branch whose target and gas are cells k and k+1. */
static void take(asm_ *a, const gb_code *code, const gb_cell *pc, int k)
{
    charge(a, pc[k + 1].i);
    j_ir(a, -1, (uint32_t)((const gb_cell *)pc[k].p - code->cells));
}

/* Branch when cc holds (flags already set). */
static void branch(asm_ *a, const gb_code *code, const gb_cell *pc, int k,
                   int cc)
{
    if (pc[k + 1].i == 0) {
        j_ir(a, cc, (uint32_t)((const gb_cell *)pc[k].p - code->cells));
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
    spill_all(a, false);
    if (sync)
        insm(a, 0, 1, 0x89, GAS, CTX, -1, 1, CO(gas));
    insr(a, 1, 0x89, CTX, RDI); /* mov rdi, r12 */
    insr(a, 1, 0x89, FP, RSI);  /* mov rsi, rbx */
    movimm(a, RDX, (uint64_t)(uintptr_t)pc);
    call_abs(a, (const void *)fn);
    if (sync) {
        insm(a, 0, 1, 0x8b, GAS, CTX, -1, 1, CO(gas));
        reload_mem(a);
    }
    insr(a, 0, 0x85, RAX, RAX); /* test eax, eax */
    jcc_to(a, CC_NE, a->l_exit);
    clobber(a);
}

/* A call through an import or a table (h_CALL_IMPORT, h_CALL_INDIRECT). */
static void dyn_call(asm_ *a, const void *fn, const gb_cell *pc,
                     uint64_t argbase)
{
    spill_all(a, false);
    insm(a, 0, 1, 0x89, GAS, CTX, -1, 1, CO(gas));
    insr(a, 1, 0x89, CTX, RDI);
    insr(a, 1, 0x89, FP, RSI);
    movimm(a, RDX, (uint64_t)(uintptr_t)pc);
    call_abs(a, fn);
    insm(a, 0, 1, 0x8b, GAS, CTX, -1, 1, CO(gas));
    aluimm(a, 1, 7, RAX, 1); /* cmp rax, 1 */
    jcc_to(a, CC_B, a->l_err_ctx);
    b1(a, 0x74); /* je reload */
    uint32_t at = (uint32_t)a->n;
    b1(a, 0);
    insm(a, 0, 1, 0x8d, FP, FP, -1, 1, sd(argbase));   /* lea rbx, [rbx+d] */
    insr(a, 0, 0xff, 2, RAX);                          /* call rax */
    insm(a, 0, 1, 0x8d, FP, FP, -1, 1, -sd(argbase));  /* lea rbx, [rbx-d] */
    insm(a, 0, 0, 0xff, 1, CTX, -1, 1, CO(depth));     /* dec depth */
    if (a->n - (at + 1) <= 127 && at < a->n)
        a->b[at] = (uint8_t)(a->n - (at + 1));
    reload_mem(a);
    clobber(a);
}

/* ---- loads and stores ------------------------------------------------ */

/* ea of an access into rax: (uint32)(a [+ b]) + off; `wb` the local that
 * gets the 32-bit sum first (the _W forms), or -1 */
static void ea(asm_ *a, uint64_t aslot, int bform, uint64_t b, uint64_t off,
               int64_t wb)
{
    int ra = src(a, aslot, RAX);
    if (bform == 1) {
        int rb = src(a, b, RCX);
        insm(a, 0, 0, 0x8d, RAX, ra, rb, 1, 0); /* lea eax, [ra+rb] */
    } else if (bform == 2 && (uint32_t)b) {
        insm(a, 0, 0, 0x8d, RAX, ra, -1, 1, (int32_t)(uint32_t)b);
    } else {
        mov32(a, RAX, ra);
    }
    if (wb >= 0)
        set_slot(a, (uint64_t)wb, RAX);
    if (off) {
        if (off <= INT32_MAX) {
            insm(a, 0, 1, 0x8d, RAX, RAX, -1, 1, (int32_t)off);
        } else {
            movimm(a, RCX, off);
            insr(a, 1, 0x01, RCX, RAX); /* add rax, rcx */
        }
    }
}

/* mark the granule of rcx (rcx is shifted) in `marks` */
static void mark_rcx(asm_ *a, int marks)
{
    insr(a, 1, 0xc1, 5, RCX); /* shr rcx, 12 */
    b1(a, GB_DIRTY_SHIFT);
    insm(a, 0, 0, 0xc6, 0, marks, RCX, 1, 0); /* mov byte [m+rcx], 1 */
    b1(a, 1);
}

/* bounds check for `size` bytes at rax, then the marks of its first and
 * last byte in `marks` (a register holding the mark array); rcx used.
 * The last byte's granule is marked out of line (see cold_marks), only
 * when it is not the first's. */
static void check_mark(asm_ *a, int size, int marks)
{
    if (size > 1) {
        insm(a, 0, 1, 0x8d, RCX, RAX, -1, 1, size - 1); /* lea rcx, [rax+size-1] */
        insm(a, 0, 1, 0x3b, RCX, CTX, -1, 1, CO(memsize));
        jcc_to(a, CC_AE, a->l_oob);
        insr(a, 1, 0x31, RAX, RCX); /* xor rcx, rax */
        insr(a, 1, 0xf7, 0, RCX);   /* test rcx, -4096: another granule? */
        b4(a, (uint32_t)-(1 << GB_DIRTY_SHIFT));
        b1(a, 0x0f);
        b1(a, 0x85); /* jnz (to the cold marking, which comes back) */
        uint32_t at = (uint32_t)a->n;
        b4(a, 0);
        if (a->n >> 24) { /* (the offset's 24 bits: more code than that is
                             left to the interpreter) */
            a->fail = true;
            a->err = GB_UNSUPPORTED;
        }
        add_fx(a, &a->cold, &a->ncold, &a->capcold, at,
               (uint32_t)a->n << 8 | (uint32_t)size << 4 | (uint32_t)marks);
    } else {
        insm(a, 0, 1, 0x3b, RAX, CTX, -1, 1, CO(memsize));
        jcc_to(a, CC_AE, a->l_oob);
    }
    mov64(a, RCX, RAX);
    mark_rcx(a, marks);
}

/* bform: 0 [dst][addr][off], 1 [dst][a][b][off] (b a slot), 2 (b an
 * immediate); w: the _W forms ([local] after off) */
static void emit_load(asm_ *a, gb_irop base, const gb_cell *pc, int bform,
                      bool w)
{
    gb_jitx_memop m = gb_jitx_mem_kind(base);
    if (bform == 0)
        ea(a, pc[2].u, 0, 0, pc[3].u, -1);
    else
        ea(a, pc[2].u, bform, pc[3].u, pc[4].u, w ? (int64_t)pc[5].u : -1);
    check_mark(a, m.size, RDM);
    insm(a, m.pfx, m.w, m.op, RCX, MEM, RAX, 1, 0);
    set_slot(a, pc[1].u, RCX);
}

/* bform: 0 [addr][value][off], 1 [a][b][value][off], 2 b immediate */
static void emit_store(asm_ *a, gb_irop base, const gb_cell *pc, int bform)
{
    gb_jitx_memop m = gb_jitx_mem_kind(base);
    uint64_t val;
    if (bform == 0) {
        ea(a, pc[1].u, 0, 0, pc[3].u, -1);
        val = pc[2].u;
    } else {
        ea(a, pc[1].u, bform, pc[2].u, pc[4].u, -1);
        val = pc[3].u;
    }
    check_mark(a, m.size, DIRTY);
    int rv = src(a, val, RCX);
    if (m.size == 1 && (rv == RSI || rv == RDI)) {
        mov32(a, RCX, rv); /* (sil and dil would need a REX prefix) */
        rv = RCX;
    }
    insm(a, m.pfx, m.w, m.op, rv, MEM, RAX, 1, 0);
}

/* ---- numeric ------------------------------------------------------- */

static void setcc_store(asm_ *a, int cc, uint64_t dst)
{
    b1(a, 0x0f); /* setcc al */
    b1(a, (uint8_t)(0x90 + cc));
    b1(a, 0xc0);
    insr(a, 0, 0xb60f, RAX, RAX); /* movzx eax, al */
    set_slot(a, dst, RAX);
}

static void emit_binop(asm_ *a, gb_irop o, const gb_jitx_natop *n, const gb_cell *pc)
{
    bool imm = gb_jitx_imm_form(o);
    uint64_t iv = n->w ? pc[3].u : (uint32_t)pc[3].u;
    /* an immediate an instruction takes (imm32, sign-extended for 64) */
    bool i32 = imm && (!n->w || (int64_t)iv == (int32_t)(uint32_t)iv);
    int rb = -1;
    if (!imm) {
        rb = src(a, pc[3].u, RCX);
    } else if (!i32) {
        movimm(a, RCX, iv);
        rb = RCX;
    }
    if (n->cc >= 0) {
        int ra = src(a, pc[2].u, RAX);
        if (rb >= 0)
            insr(a, n->w, 0x39, rb, ra); /* cmp ra, rb */
        else
            aluimm(a, n->w, 7, ra, (uint32_t)iv);
        setcc_store(a, n->cc, pc[1].u);
        return;
    }
    if (n->sh >= 0) {
        to_rax(a, 1, pc[2].u);
        if (rb < 0) {
            insr(a, n->w, 0xc1, n->sh, RAX); /* shift rax, imm8 */
            b1(a, (uint8_t)(iv & (n->w ? 63 : 31)));
        } else {
            if (rb != RCX)
                mov32(a, RCX, rb);
            insr(a, n->w, 0xd3, n->sh, RAX); /* shift rax, cl */
        }
    } else if (n->op == 0xaf0f) {
        if (rb < 0) { /* imul eax, ra, imm32 */
            int ra = src(a, pc[2].u, RAX);
            insr(a, n->w, 0x69, RAX, ra);
            b4(a, (uint32_t)iv);
        } else {
            to_rax(a, 1, pc[2].u);
            insr(a, n->w, 0xaf0f, RAX, rb); /* imul rax, rb */
        }
    } else {
        to_rax(a, 1, pc[2].u);
        if (rb < 0)
            aluimm(a, n->w, (int)(n->op >> 3), RAX, (uint32_t)iv);
        else
            insr(a, n->w, n->op, rb, RAX); /* op rax, rb */
    }
    set_slot(a, pc[1].u, RAX);
}

/* native unary operators; false when a helper does it */
static bool emit_unop(asm_ *a, gb_irop o, const gb_cell *pc)
{
    uint32_t op;
    int w = 0, r;
    switch (o) {
    case GB_IR_I32_EQZ:
    case GB_IR_I64_EQZ:
        r = src(a, pc[2].u, RAX);
        insr(a, o == GB_IR_I64_EQZ, 0x85, r, r);
        setcc_store(a, CC_E, pc[1].u);
        return true;
    case GB_IR_I32_WRAP_I64:
    case GB_IR_I64_EXTEND_I32_U:
    case GB_IR_I32_REINTERPRET_F32:
    case GB_IR_F32_REINTERPRET_I32:
        to_rax(a, 0, pc[2].u);
        set_slot(a, pc[1].u, RAX);
        return true;
    case GB_IR_I64_REINTERPRET_F64:
    case GB_IR_F64_REINTERPRET_I64:
        set_slot(a, pc[1].u, src(a, pc[2].u, RAX));
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
    to_rax(a, 1, pc[2].u);
    insr(a, w, op, RAX, RAX);
    set_slot(a, pc[1].u, RAX);
    return true;
}

/* ---- functions --------------------------------------------------------- */

static void compile_func(asm_ *a, const gb_jitx_hmap *hm, const gb_module *m,
                         const gb_code *code)
{
    uint32_t n = code->ncells;
    uint32_t *off = gb_malloc((n ? n : 1) * sizeof *off);
    if (!off) {
        a->fail = true;
        a->err = GB_NOMEM;
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        off[i] = UINT32_MAX;
    a->off = off;
    a->nfx = 0;
    /* the branch targets, where the slot cache starts again: the first
     * and last instruction branching to each cell */
    uint32_t *lo = gb_malloc((n ? n : 1) * sizeof *lo);
    uint32_t *hi = gb_calloc(n ? n : 1, sizeof *hi);
    if (!lo || !hi) {
        free(lo);
        free(hi);
        free(off);
        a->fail = true;
        a->err = GB_NOMEM;
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        lo[i] = UINT32_MAX;
#define TARGET_(t)                                                          \
    do {                                                                    \
        size_t t_ = (t);                                                    \
        if (t_ < n) {                                                       \
            lo[t_] = lo[t_] < i ? lo[t_] : i;                               \
            hi[t_] = hi[t_] > i ? hi[t_] : i;                               \
        }                                                                   \
    } while (0)
    for (uint32_t i = 0; i < n;) {
        const gb_cell *pc = &code->cells[i];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        if (oi < 0)
            break; /* reported by the pass below */
        gb_irop o = (gb_irop)oi;
        int nops = gb_ir_operands(o, pc);
        bool imm;
        int k = -1;
        if (o == GB_IR_JMP)
            k = 1;
        else if (o == GB_IR_BR_IF || o == GB_IR_BR_UNLESS ||
                 o == GB_IR_BR_EQZ_I32 || o == GB_IR_BR_NEZ_I32)
            k = 2;
        else if (gb_jitx_brcmp_cc(o, &imm) >= 0)
            k = 3;
        if (o == GB_IR_BR_TABLE) {
            for (uint64_t j = 0; j <= pc[2].u; j++)
                TARGET_((size_t)((const gb_cell *)pc[3 + 2 * j].p - code->cells));
        } else if (k > 0) {
            TARGET_((size_t)((const gb_cell *)pc[k].p - code->cells));
        }
        i += (uint32_t)nops + 1;
    }
#undef TARGET_
    cache_reset(a);

    /* prologue: align the stack, zero the declared locals */
    aluimm(a, 1, 5, RSP, 8); /* sub rsp, 8 */
    if (code->nlocals) {
        insr(a, 0, 0x31, RAX, RAX); /* xor eax, eax */
        if (code->nlocals <= 16) {
            for (uint32_t k = 0; k < code->nlocals; k++)
                st64(a, code->nparams + k, RAX);
        } else {
            insm(a, 0, 1, 0x8d, RDI, FP, -1, 1, sd(code->nparams));
            movimm(a, RCX, code->nlocals);
            b1(a, 0xf3); /* rep stosq */
            b1(a, 0x48);
            b1(a, 0xab);
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
        a->lock = 0;
        if (lo[i] != UINT32_MAX) {
            uint64_t pins[NCR];
            int np = gb_jitx_plan_pins(hm, code, i, lo, hi, NCR, pins);
            spill_all(a, false); /* (falling through) */
            cache_reset(a);
            for (int k = 0; k < np; k++) { /* on the way in */
                a->rs[k] = (int64_t)pins[k];
                a->pin[k] = 1;
                /* taken as newer than their slots: so they are when the
                 * branches back come in */
                a->dirty[k] = 1;
                ld64(a, creg[k], pins[k]);
            }
            if (np)
                a->head = i;
        }
        off[i] = (uint32_t)a->n;
        gb_jitx_natop nat;
        gb_irop mbase;
        int bform;
        bool w, store, imm;
        int cc;
        switch (o) {
        case GB_IR_UNREACHABLE:
            jmp_to(a, a->l_unreach);
            break;
        case GB_IR_NOP:
            break;
        case GB_IR_GAS: /* (the refill routine keeps every register) */
            charge(a, pc[1].i);
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
            cc = src(a, pc[1].u, RAX);
            insr(a, 0, 0x85, cc, cc);
            branch(a, code, pc, 2,
                   o == GB_IR_BR_IF || o == GB_IR_BR_NEZ_I32 ? CC_NE : CC_E);
            break;
        case GB_IR_BR_TABLE: {
            uint32_t cnt = (uint32_t)pc[2].u;
            spill_all(a, false);
            to_rax(a, 0, pc[1].u);
            movimm(a, RCX, cnt);
            insr(a, 0, 0x39, RCX, RAX);    /* cmp eax, ecx */
            insr(a, 0, 0x470f, RAX, RCX);  /* cmova eax, ecx */
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
                take(a, code, pc, 3 + 2 * (int)k);
            }
            break;
        }
        case GB_IR_RETURN:
            spill_all(a, false);
            aluimm(a, 1, 0, RSP, 8); /* add rsp, 8 */
            b1(a, 0xc3);
            break;
        case GB_IR_CALL: {
            const gb_code *callee = pc[1].p;
            uint64_t base = pc[2].u;
            spill_all(a, false);
            insm(a, 0, 0, 0x8b, RAX, CTX, -1, 1, CO(depth));
            insr(a, 0, 0xff, 0, RAX); /* inc eax */
            insm(a, 0, 0, 0x3b, RAX, CTX, -1, 1, CO(max_depth));
            jcc_to(a, CC_AE, a->l_stack);
            insm(a, 0, 1, 0x8d, RCX, FP, -1, 1,
                 sd(base + callee->frame_slots));
            insm(a, 0, 1, 0x3b, RCX, CTX, -1, 1, CO(stack_end));
            jcc_to(a, CC_A, a->l_stack);
            insm(a, 0, 0, 0x89, RAX, CTX, -1, 1, CO(depth));
            insm(a, 0, 1, 0x8d, FP, FP, -1, 1, sd(base));
            b1(a, 0xe8);
            add_fx(a, &a->calls, &a->ncalls, &a->capcalls, (uint32_t)a->n,
                   callee->funcidx - m->nfunc_imports);
            b4(a, 0);
            insm(a, 0, 1, 0x8d, FP, FP, -1, 1, -sd(base));
            insm(a, 0, 0, 0xff, 1, CTX, -1, 1, CO(depth)); /* dec depth */
            clobber(a);
            break;
        }
        case GB_IR_CALL_IMPORT:
            dyn_call(a, (const void *)gb_jitx_call_import, pc, pc[2].u);
            break;
        case GB_IR_CALL_INDIRECT:
            dyn_call(a, (const void *)gb_jitx_call_indirect, pc, pc[3].u);
            break;
        case GB_IR_COPY:
            set_slot(a, pc[1].u, src(a, pc[2].u, RAX));
            break;
        case GB_IR_CONST:
            movimm(a, RAX, pc[2].u);
            set_slot(a, pc[1].u, RAX);
            break;
        case GB_IR_SELECT: {
            int rb = src(a, pc[3].u, RCX);
            to_rax(a, 1, pc[2].u);
            int rc = cfind(a, pc[4].u);
            if (rc >= 0)
                insr(a, 0, 0x85, creg[rc], creg[rc]);
            else { /* cmp dword [cond], 0 */
                insm(a, 0, 0, 0x83, 7, FP, -1, 1, sd(pc[4].u));
                b1(a, 0);
            }
            insr(a, 1, 0x440f, RAX, rb); /* cmove rax, rb */
            set_slot(a, pc[1].u, RAX);
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
                set_slot(a, pc[1].u, RCX);
            } else {
                int rv = src(a, pc[2].u, RCX);
                insm(a, 0, 1, 0x89, rv, RAX, -1, 1, 0);
            }
            break;
        }
        case GB_IR_LD32: case GB_IR_LD64: case GB_IR_LD8S_32:
        case GB_IR_LD8S_64: case GB_IR_LD8U: case GB_IR_LD16S_32:
        case GB_IR_LD16S_64: case GB_IR_LD16U: case GB_IR_LD32S_64:
            emit_load(a, o, pc, 0, false);
            break;
        case GB_IR_ST8: case GB_IR_ST16: case GB_IR_ST32: case GB_IR_ST64:
            emit_store(a, o, pc, 0);
            break;
        case GB_IR_MEMORY_SIZE:
            insm(a, 0, 1, 0x8b, RAX, CTX, -1, 1, CO(memsize));
            insr(a, 1, 0xc1, 5, RAX);   /* shr rax, 16 */
            b1(a, 16);
            set_slot(a, pc[1].u, RAX);
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
            int rb = src(a, pc[4].u, RCX);
            to_rax(a, 1, pc[3].u);
            insr(a, w64, 0xaf0f, RAX, rb); /* imul rax, rb */
            insr(a, w64, 0x03, RAX, src(a, pc[2].u, RCX)); /* add rax, rx */
            set_slot(a, pc[1].u, RAX);
            break;
        }
        default:
            if ((cc = gb_jitx_brcmp_cc(o, &imm)) >= 0) {
                spill_branch(a, code, pc, 3);
                int ra = src(a, pc[1].u, RAX);
                if (imm)
                    aluimm(a, 0, 7, ra, (uint32_t)pc[2].u);
                else
                    insr(a, 0, 0x39, src(a, pc[2].u, RCX), ra);
                branch(a, code, pc, 3, cc);
            } else if (gb_jitx_fused_mem(o, &mbase, &bform, &w, &store)) {
                if (store)
                    emit_store(a, mbase, pc, bform);
                else
                    emit_load(a, mbase, pc, bform, w);
            } else if (gb_jitx_native_binop(o, &nat)) {
                emit_binop(a, o, &nat, pc);
            } else if (emit_unop(a, o, pc)) {
                /* done */
            } else if (gb_jitx_num_helper(o)) {
                helper(a, gb_jitx_num_helper(o), pc, false);
            } else {
                a->fail = true;
                a->err = GB_UNSUPPORTED;
            }
        }
        i += (uint32_t)nops + 1;
    }
    /* the accesses' marks of a second granule, out of line */
    for (size_t k = 0; k < a->ncold && !a->fail; k++) {
        uint32_t t = a->cold[k].target;
        patch4(a, a->cold[k].at, (uint32_t)a->n - (a->cold[k].at + 4));
        insm(a, 0, 1, 0x8d, RCX, RAX, -1, 1, (int32_t)((t >> 4) & 15) - 1);
        mark_rcx(a, (int)(t & 15));
        jmp_to(a, t >> 8);
    }
    a->ncold = 0;
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
    free(off);
    free(lo);
    free(hi);
    a->off = NULL;
}

/* The module's shared code: the entry trampoline, the exit, the refill
 * routine and the trap stubs. */
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
    insm(a, 0, 1, 0x89, RSP, RDI, -1, 1, CO(entry_rsp));
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
    insm(a, 0, 0, 0x8f, 0, CTX, -1, 1, CO(entry_rsp)); /* pop [r12+e] */
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
    jmp_to(a, a->l_exit);
    a->l_oob = (uint32_t)a->n;
    movimm(a, RAX, GB_TRAP_MEM_OOB);
    jmp_to(a, a->l_exit);
    a->l_stack = (uint32_t)a->n;
    movimm(a, RAX, GB_TRAP_STACK_EXHAUSTED);
    jmp_to(a, a->l_exit);
    a->l_unreach = (uint32_t)a->n;
    movimm(a, RAX, GB_TRAP_UNREACHABLE);
    jmp_to(a, a->l_exit);
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
    call_abs(a, (const void *)gb_jitx_refill);
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
    movimm(a, RAX, GB_TRAP_OUT_OF_GAS);
    jmp_to(a, a->l_exit);
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
    emit_runtime(&a);
    for (uint32_t i = 0; i < ndefs && !a.fail; i++) {
        while (a.n % 16) /* function entries aligned */
            b1(&a, 0x90);
        j->fn_off[i] = (uint32_t)a.n;
        compile_func(&a, hm, m, m->code[i]);
    }
    for (size_t k = 0; k < a.ncalls && !a.fail; k++)
        patch4(&a, a.calls[k].at,
               j->fn_off[a.calls[k].target] - (a.calls[k].at + 4));
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
    free(a.b);
    free(a.fx);
    free(a.calls);
    free(a.cold);
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
    gb_err e = j->enter(&c, s->stack,
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
