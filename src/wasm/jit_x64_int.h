/*
 * The compiling tier for x86-64, internal: what the translator
 * (jit_x64.c), the helpers its code calls (jit_x64_rt.c) and its view of
 * the IR (jit_x64_ir.c) share — the run's context compiled code reads by
 * offset, the compiled module, the helpers' entry points, and what the
 * translator knows of each IR instruction.  Nothing outside these three
 * files includes it.  x86-64 only.
 */
#ifndef GB_WASM_JIT_X64_INT_H
#define GB_WASM_JIT_X64_INT_H

#if defined(__x86_64__)
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/jit.h"

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
} jctx;

typedef gb_err (*enter_fn)(jctx *c, uint64_t *fp, const void *code);

struct gb_jit {
    uint8_t *code;       /* mapped read-execute */
    size_t size;
    uint32_t nfunc_imports;
    uint32_t ndefs;
    uint32_t *fn_off;    /* ndefs: each function's entry */
    enter_fn enter;
};

/* A helper for one instruction: (context, fp, the instruction's cells);
 * it returns GB_OK or the trap. */
typedef gb_err (*op_fn)(jctx *c, uint64_t *fp, const gb_cell *pc);

/* The memory of inst (its base, size, write and read marks) into c. */
void gb_jitx_load_mem(jctx *c, const gb_instance *inst);

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

/* ---- what the translator knows of the IR (jit_x64_ir.c) ---- */

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
 * each cell (lo UINT32_MAX: none). */
int gb_jitx_plan_pins(const gb_jitx_hmap *hm, const gb_code *code,
                      uint32_t i, const uint32_t *lo, const uint32_t *hi,
                      int maxpins, uint64_t *pins);

#endif /* __x86_64__ */
#endif
