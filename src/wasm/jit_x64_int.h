/*
 * The compiling tier for x86-64, internal: what the translator
 * (jit_x64.c) and the helpers its code calls (jit_x64_rt.c) share — the
 * run's context compiled code reads by offset, the compiled module, and
 * the helpers' entry points.  Nothing outside these two files includes
 * it.  x86-64 only.
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

#endif /* __x86_64__ */
#endif
