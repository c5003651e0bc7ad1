/*
 * The compiling tier for x86-64, internal: what the translator
 * (jit_x64.c), its loads and stores (jit_x64_mem.c), its assembler and
 * slot cache (jit_x64_asm.c), the helpers its code calls (jit_x64_rt.c),
 * its view of the IR (jit_x64_ir.c) and its division and conditions
 * (jit_x64_num.c) share — the run's context
 * compiled code reads by offset, the compiled module, the helpers' entry
 * points, what the translator knows of each IR instruction, and the
 * assembler: the registers, the code buffer, the encoders (the hot ones
 * static inline here) and the slot cache.  Nothing outside these six
 * files includes it.  x86-64 only.
 */
#ifndef GB_WASM_JIT_X64_INT_H
#define GB_WASM_JIT_X64_INT_H

#if defined(__x86_64__)
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/mem.h"
#include "wasm/jit.h"

/* accesses of one loop whose marks are made once per granule (jctx's
 * ind) */
#define GB_JITX_NIND 8

/* The run's context; r12 points at it.  Compiled code reads the fields by
 * their offsets. */
typedef struct jctx {
    uint8_t *mem;
    uint64_t memsize;
    uint8_t *dirty;
    uint8_t *rdm;
    int64_t gas;
    uint32_t depth, max_depth;
    uint64_t *stack_end;
    void *entry_rsp;
    gb_store *s;
    gb_instance *inst;
    gb_jit *jit;
    int32_t err;
    /* The native stack pointer of a compiled frame at depth 0 (every
     * compiled frame takes 16 bytes below it) and the deepest a caller's
     * stack pointer may be for its call to stay within max_depth: set by
     * the entry trampoline for each entry (jit_x64.c, "calls"). */
    uint64_t rsp_base, rsp_limit;
    /* (input to the trampoline) the depth from which a caller takes the
     * slow path of its call's checks (gb_jitx_fast_depth) */
    uint32_t fast_depth;
    /* The window of a loop whose accesses are marked on the way into a
     * run that may enter new granules (jit_x64_mem.c, "marks by
     * windows"): a run whose counter is below wlim needs no marks (0,
     * set on the way into the loop: every run marks until the first has
     * worked it out); wj, scratch of the marking: the runs to come that
     * stay in the granules marked. */
    uint32_t wlim, wj;
    /* The marks made once per granule in a loop (jit_x64_mem.c,
     * gb_jitx_ind_plan): per access, the low bits of its address that,
     * all zero, say it entered a new granule; 0 (set on the way into the
     * loop) until the access first marked. */
    uint32_t ind[GB_JITX_NIND];
} jctx;

typedef gb_err (*enter_fn)(jctx *c, uint64_t *fp, const void *code);

struct gb_jit {
    uint8_t *code;       /* mapped read-execute */
    size_t size;
    uint32_t nfunc_imports;
    uint32_t ndefs;
    uint32_t *fn_off;    /* ndefs: each function's entry */
    enter_fn enter;
    /* the largest argument base of a call (slots), and of a call's base
     * plus the frame of any function it may call */
    uint64_t bmax, fmax;
    /* Accesses leave their bounds to the memory's guard pages (no
     * instruction checks them): run only on a guarded memory, a fault in
     * its guard region resumes at l_oob, the MEM_OOB trap's exit (an
     * offset in code). */
    bool guard;
    uint32_t l_oob;
};

/* A helper for one instruction: (context, fp, the instruction's cells);
 * it returns GB_OK or the trap. */
typedef gb_err (*op_fn)(jctx *c, uint64_t *fp, const gb_cell *pc);

/* The memory of inst (its base, size, write and read marks) into c. */
void gb_jitx_load_mem(jctx *c, const gb_instance *inst);

/* Whether j's code can run on inst's memory: code that leaves its bounds
 * to guard pages needs a guarded memory (or none). */
bool gb_jitx_runnable(const gb_jit *j, const gb_instance *inst);

/* Enter j's code at `code` with frame fp for a run with context c (the
 * trampoline, j->enter), c being the run the fault handler looks at on
 * this thread meanwhile (the previous one back after). */
gb_err gb_jitx_run(jctx *c, const gb_jit *j, uint64_t *fp, const void *code);

/* Whether guard pages can be used (the fault handler installed and the
 * address space of a guarded memory reservable now). */
bool gb_jitx_guard_usable(void);

/* The counter went negative (a block's cost already taken): what the
 * interpreter's REFILL does (gb_store_refill); negative: out of gas. */
int64_t gb_jitx_refill(jctx *c, int64_t gas);

/* The helper of a numeric op (generated from opcodes.h), or NULL when the
 * op has none. */
op_fn gb_jitx_num_helper(gb_irop o);

/* The helper of a memory, table or reference op (memory.grow, bulk memory,
 * table.*, elem.drop, data.drop, ref.func, ref.is_null), or NULL; *sync
 * true when it may change the counter or the memory (the compiled code
 * then stores and reloads them around the call). */
op_fn gb_jitx_op_helper(gb_irop o, bool *sync);

/* A call through an import or a table: the compiled entry to call
 * natively (the depth already counted), (void *)1 when the call was made
 * here (a host function, another instance), NULL on a trap (c->err). */
const void *gb_jitx_call_import(jctx *c, uint64_t *fp, const gb_cell *pc);
const void *gb_jitx_call_indirect(jctx *c, uint64_t *fp, const gb_cell *pc);

/* c->fast_depth for an entry into j's code with its frame at fp, at depth
 * c->depth: the depth from which a call may exceed the depth limit or the
 * value stack (below it, neither can: every call moves the frame up by at
 * most j->bmax slots and needs at most j->fmax above the caller's). */
void gb_jitx_fast_depth(jctx *c, const gb_jit *j, const uint64_t *fp);

/* ---- what the translator knows of the IR (jit_x64_ir.c) ---- */

/* the liveness of a function's frame slots (gb_jitx_live_new below) */
typedef struct gb_jitx_live gb_jitx_live;

/* x86 condition codes */
enum { CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A, CC_S, CC_NS,
       CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G };

/* A load or store: its x86 opcode bytes (first in the low byte), REX.W,
 * a 0x66 prefix or 0, and its size in bytes; all 0 for another op. */
typedef struct gb_jitx_memop {
    uint32_t op;
    int w, pfx;
    int size;
} gb_jitx_memop;
gb_jitx_memop gb_jitx_mem_kind(gb_irop o);

/* A native integer binary operator (and its _I form): the x86 opcode
 * (reg, reg form), or a shift's digit, or a comparison's condition. */
typedef struct gb_jitx_natop {
    int w;       /* 64-bit */
    uint32_t op; /* 0x01 add ... ; 0xd3 shift (digit in sh) */
    int sh;      /* shift digit, -1 otherwise */
    int cc;      /* comparison: condition, -1 otherwise */
} gb_jitx_natop;
bool gb_jitx_native_binop(gb_irop o, gb_jitx_natop *n);

/* Instruction o can neither trap nor touch anything but registers and
 * its slots (what may run between two charges made as one, or before a
 * loop's window of accesses ends). */
bool gb_jitx_pure_op(gb_irop o);

/* o is a binary op's _I form (its second operand an immediate) */
bool gb_jitx_imm_form(gb_irop o);

/* A compare-and-branch's condition (*imm: the _I form), or -1. */
int gb_jitx_brcmp_cc(gb_irop o, bool *imm);

/* A fused access (ir.h's GB_IR_LDADD, GB_IR_STADD): its base op, the form
 * of b (1 a slot, 2 an immediate), *w for the _W loads, *store; false for
 * another op. */
bool gb_jitx_fused_mem(gb_irop o, gb_irop *base, int *bform, bool *w,
                       bool *store);

/* Handler address -> IR op: built from the interpreter's handler table
 * (false when two ops share a handler). */
typedef struct gb_jitx_hmap {
    const void *h[1024];
    uint16_t op[1024];
} gb_jitx_hmap;
bool gb_jitx_hmap_build(gb_jitx_hmap *m);
int gb_jitx_hmap_get(const gb_jitx_hmap *m, const void *h); /* -1: none */

/* When cell i of code starts a loop of one straight line — every branch
 * to it comes from [i, the next branch target) — the slots to keep in
 * registers there (at most maxpins), most used first, into pins[]; their
 * count (0: none).  lo and hi: the first and last instruction branching to
 * each cell (lo UINT32_MAX: none); lv the function's liveness. */
int gb_jitx_plan_pins(const gb_jitx_hmap *hm, const gb_code *code,
                      const gb_jitx_live *lv, uint32_t i,
                      const uint32_t *lo, const uint32_t *hi, int maxpins,
                      uint64_t *pins, uint32_t *rend);
/* The load at cell i hands its value to the next instruction only: a
 * multiply-add (no branch target between) reading it as its first factor
 * and none of its other operands, the value dead after it.  The load then
 * goes to the scratch rax, multiplied there (gb_jitx_emit_load): no cache
 * register for it, and a loop pins none for it. */
bool gb_jitx_load_feeds_madd(const gb_jitx_hmap *hm, const gb_code *code,
                             const gb_jitx_live *lv,
                             const uint32_t *lo, uint32_t i);
/* The loop whose head is cell i and whose last branch back is at cell
 * `last` calls a function (call, call_indirect, an import) on its way. */
bool gb_jitx_loop_calls(const gb_jitx_hmap *hm, const gb_code *code,
                        uint32_t i, uint32_t last);
/* The load at cell i starts a read-modify-write: a plain i32 or i64 load
 * (or a _W form) of t from [p + off], then maybe another load (writing
 * neither t nor p, its address not reading t), the multiply-add
 * t = t + a*b (a, b not t) and the store of t to [p + off], of the same
 * width, t dead after it, none of them a branch target.  The cell of the
 * store, 0 for none.  With guard pages, when neither load needs marks of
 * its own, the load then makes no access and the store is
 * `add [r14 + p + off], product` (jit_x64_mem.c, gb_jitx_emit_load).
 * *wfold: the load is an _ADDIW form (p = a + b, b an immediate, a not
 * t) whose p is read by nothing but the store and dead after it, a
 * written by neither the other load nor read as p by it or the
 * multiply-add: p then need not be made, the add going to [r14 + a + b
 * + off] (when a + b cannot wrap). */
uint32_t gb_jitx_rmw_plan(const gb_jitx_hmap *hm, const gb_code *code,
                          const gb_jitx_live *lv, const uint32_t *lo,
                          uint32_t i, bool *wfold);
/* In the loop of one straight line [i, rend), `slot` is written only by
 * constants of one value (*c; at least one), and the loop has nothing
 * but moves, constants, native integer operations but the multiply-add
 * and division, loads, stores and branches (nothing writes a pinned
 * register but with its slot's value, nothing reloads one): its pinned
 * register can be given the value on the way in and keep it. */
bool gb_jitx_loop_const(const gb_jitx_hmap *hm, const gb_code *code,
                        uint32_t i, uint32_t rend, uint64_t slot,
                        uint64_t *c);
/* When cell i starts a loop of several straight lines that is entered
 * only at i, with no loop nested in it: the slots to pin through it (the
 * values carried from one of its lines to another first), their count
 * (0: none), and *rend the end of the loop (of its last branch to i). */
int gb_jitx_plan_region(const gb_jitx_hmap *hm, const gb_code *code,
                        uint32_t i, const uint32_t *lo, const uint32_t *hi,
                        int maxpins, uint64_t *pins, uint32_t *rend);

/* What o reads and writes of the frame (r[], w[]: at most 3 each); 0: it
 * falls through, reading no other slot; 1: it may go elsewhere or read
 * other slots (a branch's reads are given); 2: it ends the run. */
int gb_jitx_slot_rw(gb_irop o, const gb_cell *pc, uint64_t *r, int *nr,
                    uint64_t *w, int *nw);
/* A branch's targets: how many (0: not a branch; BR_TABLE's count with
 * its default), and the cell of the k-th. */
uint32_t gb_jitx_ntargets(gb_irop o, const gb_cell *pc);
uint32_t gb_jitx_target(gb_irop o, const gb_cell *pc, const gb_code *code,
                        uint32_t k);
/* The liveness of code's frame slots (a backward analysis over its
 * blocks, before its translation): made by live_new (NULL: out of
 * memory; hm and code must outlive it), freed by live_free. */
gb_jitx_live *gb_jitx_live_new(const gb_jitx_hmap *hm, const gb_code *code);
void gb_jitx_live_free(gb_jitx_live *lv);
/* `slot` is dead at cell t: on every way from t it is written before it
 * is read (a call reads its arguments and writes its results, a return
 * reads the results, a helper or a call through an import or a table
 * may read any slot; false: not known). */
bool gb_jitx_dead_at(const gb_jitx_live *lv, uint32_t t, uint64_t slot);

/* ---- the assembler (jit_x64_asm.c) ---- */

/* The registers, the ones holding the hot state (jit_x64.c says which),
 * the code buffer being written with its fixups and the slot cache; the
 * encoders every instruction goes through are static inline here (they
 * run once per byte or per instruction emitted), the rest of the
 * assembler and the slot cache are in jit_x64_asm.c. */

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
    uint32_t aux;    /* (the calls' slow paths: the callee frame's end) */
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
    /* the accesses whose bytes may span two granules: at the jz's rel32,
     * target = (where to go back) << 8 | size << 4 | the marks' register */
    fixup *cold;
    size_t ncold, capcold;
    /* the accesses marked once per granule (gb_jitx_ind_plan): at the
     * jz's rel32, target: where to go back, aux: what the out-of-line
     * marking needs (jit_x64_mem.c's ind_mark) */
    fixup *icold;
    size_t nicold, capicold;
    /* the memory may be 4 GiB: an address may wrap past 2^32 and stay
     * in bounds */
    bool mem4g;
    /* per module */
    fixup *calls;
    size_t ncalls, capcalls;
    bool guard;             /* the module's gb_jit guard */
    uint32_t l_exit, l_refill, l_err_ctx, l_oob, l_stack, l_unreach;
    uint32_t l_divz, l_ovf; /* the division's traps */
    uint32_t l_callchk;     /* a call's exact checks (the slow path) */
    /* per function: the calls' slow paths, out of line (at: the jbe's
     * rel32, target: where to go back, aux: the callee frame's end in
     * slots from fp); per module: the largest argument base */
    fixup *slow;
    size_t nslow, capslow;
    uint64_t bmax;
    /* per function: two charges made as one (jit_x64.c, "gas"), their
     * slow paths out of line (at: the js's rel32, target: where to go
     * back, aux: the second charge); the cell of the second (UINT32_MAX:
     * none) */
    fixup *gas2;
    size_t ngas2, capgas2;
    uint32_t gas_merged;
    /* The slot cache (see "the slot cache" below): which frame slot each
     * cache register holds (-1: none), whether it is pinned for the
     * block (a loop's), its last use, and the registers the instruction
     * being emitted reads (never evicted by it). */
    int64_t rs[NCR];
    uint8_t pin[NCR];
    uint8_t dirty[NCR]; /* newer than its slot */
    int64_t head;       /* the cell starting the pinned loop, or -1 */
    uint32_t rend;      /* and the cell after its end */
    uint8_t z32[NCR];   /* its upper 32 bits known to be zero */
    /* a pinned register holding its loop's only constant for its slot
     * (gb_jitx_loop_const), kv: the value */
    uint8_t kc[NCR];
    uint64_t kv[NCR];
    /* Bounds already checked on this straight line: an access at
     * (uint32)(slot a [+ b]) + offset (bform as in jit_x64.c's ea) whose
     * bytes end at most `end` past that base is in bounds (the memory
     * never shrinks).  Forgotten when a or b is written, at a branch
     * target and after a call or a helper. */
    struct {
        int bform;
        uint64_t a, b, end;
    } chk[8];
    int nchk;
    /* The values of the slots on this straight line and the granules
     * its accesses marked (jit_x64_mem.c; NULL: none known). */
    struct gb_jitx_line *line;
    struct gb_jitx_glob *glob; /* (the module's globals) */
    uint32_t use[NCR];
    uint32_t tick, lock;
    /* rax holds slot sc_slot (loaded, not in the slot cache) for the
     * instruction at cell sc_at only (gb_jitx_load_feeds_madd; UINT32_MAX:
     * none): gb_jitx_src gives rax for it there */
    uint64_t sc_slot;
    uint32_t sc_at;
    /* A read-modify-write under way (gb_jitx_rmw_plan): its load made no
     * access; the store at cell rmw_st adds the product (in register
     * rmw_prod, left there by the multiply-add) to memory at [r14 +
     * creg[rmw_x] + rmw_disp], rmw_x holding the address slot and locked
     * until then; rmw_t the load's slot (no register), rmw_w64 an i64.
     * rmw_st UINT32_MAX: none. */
    uint32_t rmw_st;
    int rmw_x, rmw_prod;
    int32_t rmw_disp;
    uint64_t rmw_t;
    bool rmw_w64;
    /* (an _ADDIW load's local not made, wfold: the slot, UINT64_MAX for
     * none, and b; its register holds a) */
    uint64_t rmw_wb;
    uint32_t rmw_b;
    /* the instruction being translated: its code, the cell after it and
     * the handler map (for what is dead after it) */
    const gb_code *code;
    uint32_t next;
    const gb_jitx_hmap *hm;
    const gb_jitx_live *live; /* (this function's) */
    const gb_cell *pc;
    gb_irop op;
    /* the first instruction branching to each cell (UINT32_MAX: none) */
    const uint32_t *lo;
    /* The flags hold slot fl_slot's comparison (condition fl_cc) for the
     * instruction at cell fl_at, when it is the next one (jit_x64_num.c);
     * fl_at UINT32_MAX: nothing known. */
    uint64_t fl_slot;
    int fl_cc;
    uint32_t fl_at;
    /* a comparison left out for the shift at cell sh_at, whose zero
     * flag gives slot sh_slot (gb_jitx_cmp_by_shift; UINT32_MAX: none) */
    uint64_t sh_slot;
    uint32_t sh_at;
} asm_;

static inline void grow(asm_ *a, size_t more)
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

static inline void b1(asm_ *a, uint8_t x)
{
    grow(a, 1);
    if (a->cap)
        a->b[a->n++] = x;
}

static inline void b4(asm_ *a, uint32_t x)
{
    for (int i = 0; i < 4; i++)
        b1(a, (uint8_t)(x >> (8 * i)));
}

static inline void b8(asm_ *a, uint64_t x)
{
    b4(a, (uint32_t)x);
    b4(a, (uint32_t)(x >> 32));
}

static inline void patch4(asm_ *a, uint32_t at, uint32_t x)
{
    if (at + 4 <= a->n)
        for (int i = 0; i < 4; i++)
            a->b[at + i] = (uint8_t)(x >> (8 * i));
}

/* Opcode bytes (up to three, first in the low byte) */
static inline void ops(asm_ *a, uint32_t op, int len)
{
    for (int i = 0; i < len; i++)
        b1(a, (uint8_t)(op >> (8 * i)));
}

static inline int oplen(uint32_t op) { return op > 0xffff ? 3 : op > 0xff ? 2 : 1; }

/* reg, [base + index*scale + disp]; index -1 for none.  w: REX.W;
 * pfx: 0x66 or 0; byte: reg is a byte register (a REX for sil/dil). */
static inline void insm(asm_ *a, int pfx, int w, uint32_t op, int reg, int base,
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
static inline void insr(asm_ *a, int w, uint32_t op, int reg, int rm)
{
    int rex = (w ? 8 : 0) | (reg & 8 ? 4 : 0) | (rm & 8 ? 1 : 0);
    if (rex)
        b1(a, (uint8_t)(0x40 | rex));
    ops(a, op, oplen(op));
    b1(a, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

/* slot i of the frame */
static inline int32_t sd(uint64_t slot) { return (int32_t)(slot * 8); }

static inline void ld64(asm_ *a, int r, uint64_t slot) { insm(a, 0, 1, 0x8b, r, FP, -1, 1, sd(slot)); }
static inline void st64(asm_ *a, uint64_t slot, int r) { insm(a, 0, 1, 0x89, r, FP, -1, 1, sd(slot)); }

static inline void mov64(asm_ *a, int dst, int src)
{
    if (dst != src)
        insr(a, 1, 0x89, src, dst);
}

/* mov dst32, src32: also zero-extends */
static inline void mov32(asm_ *a, int dst, int src) { insr(a, 0, 0x89, src, dst); }

/* ---- the slot cache (jit_x64_asm.c says how it works) ---- */

/* The cache emptied, nothing pinned (at a branch target). */
void gb_jitx_cache_reset(asm_ *a);
/* The cache register holding `slot` when it is not pinned and the slot
 * is dead after the instruction being translated (which reads it): it is
 * handed over to `dst` (newer than its slot), which is in no register;
 * -1 otherwise. */
int gb_jitx_take_dead(asm_ *a, uint64_t slot, uint64_t dst);
/* At a branch target inside the pinned loop: the pinned registers kept
 * (taken as newer than their slots), the others emptied. */
void gb_jitx_cache_keep_pins(asm_ *a);
/* At the head of a loop whose slots pins[0..np) are pinned (entered from
 * outside only by falling through): those already in registers stay
 * there, the others are loaded (unless their bit in `live` is clear: dead
 * at the head); every other register newer than its slot is written back
 * but those in the mask `keep`. */
void gb_jitx_cache_enter_loop(asm_ *a, const uint64_t *pins, int np,
                              uint32_t live, uint32_t keep);
/* The cache register holding `slot`, or -1. */
int gb_jitx_cfind(const asm_ *a, uint64_t slot);
/* Every register newer than its slot written back (keep_pinned: but the
 * pinned ones, for a branch back to the loop's head). */
void gb_jitx_spill_all(asm_ *a, bool keep_pinned);
/* spill_all but the registers in the mask `keep` (dead where the code
 * goes: left unwritten, still newer than their slots). */
void gb_jitx_spill_keep(asm_ *a, bool keep_pinned, uint32_t keep);
/* A register holding the 64 bits of `slot`: its cache register, or one
 * loaded now, or (none to spare) `scratch` loaded now. */
int gb_jitx_src(asm_ *a, uint64_t slot, int scratch);
/* `slot` = reg: kept in the cache (written back later), or stored now
 * when no register is to spare. */
void gb_jitx_set_slot(asm_ *a, uint64_t slot, int reg);
/* A cache register to receive `slot` (newer than the slot from then on),
 * or -1: none to spare (the caller stores the value itself).  After the
 * sources are read. */
int gb_jitx_dst(asm_ *a, uint64_t slot);
/* After a call into C or a callee (spill_all before it): the registers
 * are gone; the pinned ones are loaded again. */
void gb_jitx_clobber(asm_ *a);
/* Register r holds a 32-bit result (zero above bit 31; ignored unless r
 * is a cache register); whether it is known to. */
void gb_jitx_z32(asm_ *a, int r);
bool gb_jitx_is_z32(const asm_ *a, int r);

/* ---- loads and stores (jit_x64_mem.c) ---- */

/* A load (base op, its cells, bform: 0 [dst][addr][off], 1 [dst][a][b]
 * [off] with b a slot, 2 b an immediate; w: the _W forms, [local] after
 * off) or a store ([addr][value][off], [a][b][value][off]). */
void gb_jitx_emit_load(asm_ *a, gb_irop base, const gb_cell *pc, int bform,
                       bool w);
void gb_jitx_emit_store(asm_ *a, gb_irop base, const gb_cell *pc,
                        int bform);
/* The bounds known on this straight line (asm_'s chk): bytes up to `end`
 * past the base (bform, slot a, b) are in bounds; after instruction o,
 * what it wrote forgotten (all of it after anything but a plain one). */
void gb_jitx_chk_add(asm_ *a, int bform, uint64_t as, uint64_t b,
                     uint64_t end);
void gb_jitx_chk_forget(asm_ *a, gb_irop o, const gb_cell *pc);
/* Forget everything known on this straight line (a branch target, after
 * a call or a helper). */
void gb_jitx_chk_reset(asm_ *a);
/* The alignment of code's slots (for the marks; asm_'s tz), before its
 * translation; and freed after it. */
void gb_jitx_align_plan(asm_ *a, const gb_jitx_hmap *hm, const gb_code *code);
void gb_jitx_align_free(asm_ *a);
/* The known low bits of the module's globals (asm_'s glob), before its
 * functions are translated; and freed after them. */
void gb_jitx_globals_plan(asm_ *a, const gb_jitx_hmap *hm,
                          const gb_module *m);
void gb_jitx_globals_free(asm_ *a);
/* Pad the code to a multiple of `to` bytes (a power of 2): one no-op, or
 * a jump over the padding. */
void gb_jitx_align_code(asm_ *a, unsigned to);
/* The out-of-line marks of the function's accesses whose bytes may be in
 * two granules (the first byte's granule; asm_'s cold), after its code. */
void gb_jitx_emit_cold_marks(asm_ *a);
/* At the head of a loop of one straight line [head, rend), on the way
 * in (before its alignment): when its code has no call or helper and
 * some slot advances by a constant each time round, the accesses whose
 * address moves by 1 to 256 bytes each time mark only when they enter a
 * new granule (or first run after the way in: their flags in jctx's ind,
 * zeroed here); see docs/engine.md, "Marks once per granule". */
void gb_jitx_ind_plan(asm_ *a, const gb_jitx_hmap *hm, const gb_code *code,
                      uint32_t head, uint32_t rend);
/* The out-of-line marks of those accesses (asm_'s icold), after the
 * function's code. */
void gb_jitx_emit_ind_marks(asm_ *a);
/* At cell i, the loop's head, once it is placed: the compare of its
 * window (gb_jitx_ind_plan's loops whose accesses are marked on the way
 * into a run that may enter new granules; docs/engine.md, "Marks by
 * windows"), when it has one. */
void gb_jitx_ind_head(asm_ *a, uint32_t i);
/* Before an instruction that may trap or leave the line, other than a
 * load or store: the window's accesses end there. */
void gb_jitx_win_close(asm_ *a);

/* ---- more encoders, jumps and labels (jit_x64_asm.c) ---- */

/* mov r, imm (the 32-bit form when v fits, it zero-extends) */
void gb_jitx_movimm(asm_ *a, int r, uint64_t v);
/* ALU r/m, imm32: /digit */
void gb_jitx_aluimm(asm_ *a, int w, int digit, int r, uint32_t imm);
/* call fn (through rax) */
void gb_jitx_call_abs(asm_ *a, const void *fn);
/* jcc/jmp/call rel32 to a module label (already placed) */
void gb_jitx_jcc_to(asm_ *a, int cc, uint32_t label);
void gb_jitx_jmp_to(asm_ *a, uint32_t label);
void gb_jitx_call_to(asm_ *a, uint32_t label);
/* A fixup (at, target) appended to *v (a->fail when out of memory). */
void gb_jitx_add_fx(asm_ *a, fixup **v, size_t *n, size_t *cap, uint32_t at,
                    uint32_t target);
/* jcc (or jmp with cc < 0) to IR cell `target` of this function */
void gb_jitx_j_ir(asm_ *a, int cc, uint32_t target);
/* Charge `gas` (a block's cost): the counter down, the refill routine
 * when it goes negative. */
void gb_jitx_charge(asm_ *a, int64_t gas);

/* ---- division and conditions (jit_x64_num.c) ---- */

/* An integer division or remainder (and its _I form) translated natively,
 * with the interpreter's traps (division by zero, INT_MIN / -1); false
 * for another op. */
bool gb_jitx_emit_divrem(asm_ *a, gb_irop o, const gb_cell *pc);
/* After a comparison (its cmp or test emitted, the flags holding
 * condition cc) whose result goes to slot dst: when the next instruction
 * (after constants, which keep the flags) reads dst only as its condition (a br_if or a select), is no branch
 * target and dst is dead after it, nothing more is emitted and the flags
 * are left for it; else the result is stored as a 0/1 value (setcc), the
 * flags still known.  Returns whether the value was left out. */
bool gb_jitx_cond_result(asm_ *a, int cc, uint64_t dst);
/* The condition the flags hold for slot `slot` at cell i (the comparison
 * writing it, or a 32-bit add, sub, and, or, xor whose zero flag says
 * whether it is 0 (CC_NE: not 0), was the instruction just before, or
 * before constants only, and i is no branch target), or -1. */
int gb_jitx_cond_flags(const asm_ *a, uint32_t i, uint64_t slot);
/* A comparison c = x >u 2^n - 1 (the _I form) followed by x' = x >>u n
 * of the same width (no branch target between, neither writing what the
 * other reads but x) and then a branch or select reading c only as its
 * condition, dead after it: x >u 2^n - 1 is (x >> n) != 0, so nothing is
 * emitted for the comparison and the shift's zero flag is the condition
 * (gb_jitx_shift_flags).  Clang's rotated `while (v) { ...; v >>= n; }`
 * (nbody's square root).  Returns whether the comparison was left out. */
bool gb_jitx_cmp_by_shift(asm_ *a, gb_irop o, const gb_cell *pc);
/* After a shift by an immediate (not 0 mod its width) at cell i: the
 * flags it left hold the comparison gb_jitx_cmp_by_shift left out, if
 * that was the one before it. */
void gb_jitx_shift_flags(asm_ *a, uint32_t i);

#endif /* __x86_64__ */
#endif
