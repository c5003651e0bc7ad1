/*
 * Engine internals shared by the compiler (compile.c), the interpreter
 * (interp.c) and the runtime (runtime.c).  Never included outside
 * src/wasm/.
 *
 * The internal code form.  Each function is compiled once into an array of
 * 8-byte cells: a cell holding the address of the instruction's handler
 * (direct threading), followed by its operands, one cell each.  Operands are
 * either slot numbers — indexes into the function's frame of 64-bit value
 * cells, fp[0..] = params, then locals, then one slot per operand-stack
 * height — or immediates, or absolute jump targets (cell pointers).  So the
 * hot loop never decodes LEB128, never tracks a stack pointer, and an
 * instruction like i32.add reads two slots and writes one.  See interp.c
 * for the loop and compile.c for how the stack machine maps onto slots.
 */
#ifndef GB_WASM_ENGINE_H
#define GB_WASM_ENGINE_H

#include <stdio.h>

#include "wasm/module.h"
#include "wasm/opcodes.h"

typedef union gb_cell {
    const void *h; /* handler address */
    uint64_t u;
    int64_t i;
    void *p;
} gb_cell;

/* The IR instructions that are not generated from opcodes.h.  Operand
 * layout in brackets, after the handler cell. */
#define GB_IR_FIXED(X)                                                      \
    X(UNREACHABLE, 0)      /* */                                               \
    X(NOP, 0)              /* */                                               \
    X(GAS, 1)              /* [cost] */                                        \
    X(JMP, 2)              /* [target][gas] */                                 \
    X(BR_IF, 3)            /* [cond][target][gas] */                           \
    X(BR_UNLESS, 3)        /* [cond][target][gas] */                           \
    X(BR_TABLE, -1)   /* [index][n]([target][gas])*(n+1) (last: default) */    \
    X(RETURN, 0)           /* results already in fp[0..) */                    \
    X(CALL, 2)             /* [gb_code*][argbase] same instance */             \
    X(CALL_IMPORT, 2)      /* [funcidx][argbase] */                            \
    X(CALL_INDIRECT, 4)    /* [table][typeidx][argbase][index] */              \
    X(COPY, 2)             /* [dst][src] */                                    \
    X(CONST, 2)            /* [dst][imm] */                                    \
    X(SELECT, 4)           /* [dst][a][b][cond] */                             \
    X(GLOBAL_GET, 2)       /* [dst][globalidx] */                              \
    X(GLOBAL_SET, 2)       /* [globalidx][src] */                              \
    X(LD32, 3) X(LD64, 3) X(LD8S_32, 3) X(LD8S_64, 3) X(LD8U, 3) X(LD16S_32, 3) X(LD16S_64, 3)   \
    X(LD16U, 3) X(LD32S_64, 3) /* [dst][addr][offset] */                          \
    X(ST8, 3) X(ST16, 3) X(ST32, 3) X(ST64, 3) /* [addr][value][offset] */              \
    X(MEMORY_SIZE, 1)      /* [dst] */                                         \
    X(MEMORY_GROW, 2)      /* [dst][delta] */                                  \
    X(MEMORY_FILL, 3)      /* [d][val][n] */                                   \
    X(MEMORY_COPY, 3)      /* [d][s][n] */                                     \
    X(MEMORY_INIT, 4)      /* [seg][d][s][n] */                                \
    X(DATA_DROP, 1)        /* [seg] */                                         \
    X(TABLE_GET, 3)        /* [dst][table][index] */                           \
    X(TABLE_SET, 3)        /* [table][index][value] */                         \
    X(TABLE_SIZE, 2)       /* [dst][table] */                                  \
    X(TABLE_GROW, 4)       /* [dst][table][init][delta] */                     \
    X(TABLE_FILL, 4)       /* [table][i][value][n] */                          \
    X(TABLE_COPY, 5)       /* [dsttable][srctable][d][s][n] */                 \
    X(TABLE_INIT, 5)       /* [table][seg][d][s][n] */                         \
    X(ELEM_DROP, 1)        /* [seg] */                                         \
    X(REF_FUNC, 2)         /* [dst][funcidx] */                                \
    X(REF_IS_NULL, 2)      /* [dst][src] */                                    \
    X(BR_EQZ_I32, 3)       /* [a][target][gas]: jump if a == 0 (fused) */      \
    X(BR_NEZ_I32, 3)       /* [a][target][gas] */                              \
    X(I32_MADD, 4)         /* [dst][x][a][b]: x + a*b (fused mul, add) */      \
    X(I64_MADD, 4)         /* [dst][x][a][b] */

/* Compare-and-branch superinstructions: an i32 comparison whose result
 * only feeds br_if or if becomes one instruction [a][b][target] (b an
 * immediate in the _I form), plus the gas cell every branch has (see
 * below).  X(compare, C condition, inverse compare).
 *
 * Every branch carries, after its target, a gas cell: the cost of the
 * metered block it jumps into, charged when the branch is taken, with the
 * target moved past that block's GAS instruction (compile.c fills them in
 * once all costs are known; 0 when metering is off). */
#define GB_IR_BRCMP(X)                                                      \
    X(I32_EQ, A32 == B32, I32_NE)                                           \
    X(I32_NE, A32 != B32, I32_EQ)                                           \
    X(I32_LT_S, AS32 < BS32, I32_GE_S)                                      \
    X(I32_LT_U, A32 < B32, I32_GE_U)                                        \
    X(I32_GT_S, AS32 > BS32, I32_LE_S)                                      \
    X(I32_GT_U, A32 > B32, I32_LE_U)                                        \
    X(I32_LE_S, AS32 <= BS32, I32_GT_S)                                     \
    X(I32_LE_U, A32 <= B32, I32_GT_U)                                       \
    X(I32_GE_S, AS32 >= BS32, I32_LT_S)                                     \
    X(I32_GE_U, A32 >= B32, I32_LT_U)

/* Memory accesses whose address is an i32.add: the add and the access
 * become one instruction reading at (uint32)(a + b) + offset — the wrap
 * of the add is kept — with b a slot (_ADD) or an immediate (_ADDI).
 * Loads: [dst][a][b][offset]; the _W forms also write the sum to a local,
 * [dst][a][b][offset][local] (for `local.tee x; i32.load`).  Stores:
 * [a][b][value][offset]. */
#define GB_IR_LDADD(X)                                                      \
    X(LD32) X(LD64) X(LD8S_32) X(LD8S_64) X(LD8U) X(LD16S_32) X(LD16S_64)   \
    X(LD16U) X(LD32S_64)
#define GB_IR_STADD(X) X(ST8) X(ST16) X(ST32) X(ST64)

typedef enum gb_irop {
#define GB_IR_ENUM_(name, nops) GB_IR_##name,
    GB_IR_FIXED(GB_IR_ENUM_)
#undef GB_IR_ENUM_
#define GB_IR_ENUM_UN_(opc, name, ti, to, expr) GB_IR_##name,
    GB_UNOPS(GB_IR_ENUM_UN_)
    GB_FC_UNOPS(GB_IR_ENUM_UN_)
#undef GB_IR_ENUM_UN_
#define GB_IR_ENUM_BIN_(opc, name, ti, to, expr) GB_IR_##name, GB_IR_##name##_I,
    GB_BINOPS(GB_IR_ENUM_BIN_)
#undef GB_IR_ENUM_BIN_
#define GB_IR_ENUM_BR_(name, cond, inv) GB_IR_BR_##name, GB_IR_BR_##name##_I,
    GB_IR_BRCMP(GB_IR_ENUM_BR_)
#undef GB_IR_ENUM_BR_
#define GB_IR_ENUM_LA_(name) GB_IR_##name##_ADD, GB_IR_##name##_ADDI,       \
                             GB_IR_##name##_ADDW, GB_IR_##name##_ADDIW,
    GB_IR_LDADD(GB_IR_ENUM_LA_)
#undef GB_IR_ENUM_LA_
#define GB_IR_ENUM_SA_(name) GB_IR_##name##_ADD, GB_IR_##name##_ADDI,
    GB_IR_STADD(GB_IR_ENUM_SA_)
#undef GB_IR_ENUM_SA_
    GB_IR_COUNT_
} gb_irop;

/* A compiled function. */
struct gb_code {
    gb_cell *cells;
    uint32_t ncells;
    uint32_t funcidx;
    uint32_t nparams, nresults;
    uint32_t nlocals;     /* declared locals, zeroed on entry */
    uint32_t frame_slots; /* params + locals + max operand height */
};

/* ---- runtime objects ---------------------------------------------- */

struct gb_func {
    const gb_functype *type;
    uint32_t sig;         /* interned type id in the store */
    gb_instance *inst;    /* NULL for host functions */
    const gb_code *code;  /* wasm functions */
    gb_host_fn host;
    void *user;
    gb_functype own_type; /* host functions: a copy of the type */
    gb_func *next;
};

struct gb_memory {
    uint8_t *data;    /* reserved for max pages up front; never moves */
    uint64_t size;    /* bytes */
    uint32_t pages, max;
    bool has_max;
    size_t reserved;  /* bytes mapped */
    bool keep;        /* GB_MEM_KEEP: survives gb_store_reset */
    uint8_t *dirty;   /* a byte per 2^GB_DIRTY_SHIFT granule of reserved */
    uint8_t *read;    /* the same, set by the program's loads */
    uint32_t rw_pages;/* [0, rw_pages) known readable and writable */
    gb_memory *next;
};

struct gb_table {
    gb_tabletype type;
    gb_val *elems;
    uint32_t size, max; /* max: effective (type and config) */
    gb_table *next;
};

struct gb_global {
    gb_globaltype type;
    gb_val val;
    gb_global *next;
};

struct gb_instance {
    const gb_module *mod;
    gb_store *store;
    gb_func **funcs;     /* nfuncs */
    gb_table **tables;   /* ntables */
    gb_memory *mem;      /* NULL when the module has no memory */
    const gb_gas_schedule *gs; /* NULL when metering is off */
    gb_global **globals; /* nglobals */
    gb_val **gvals;      /* &globals[i]->val, for the interpreter */
    uint32_t *sigs;      /* interned id of each module type */
    gb_val **elem_vals;  /* evaluated element segments */
    uint32_t *elem_len;  /* 0 once dropped */
    uint8_t *data_dropped;
    gb_instance *next;
};

typedef struct gb_frame {
    gb_cell *pc;
    uint64_t *fp;
    gb_instance *inst;
    gb_cell *ret;      /* with a profiler: the return pc (pc is the
                          interpreter's trampoline, see interp.c) */
} gb_frame;

struct gb_host_ctx {
    gb_store *store;
    gb_instance *inst;
};

struct gb_store {
    gb_wasm_config cfg;
    uint64_t *stack;       /* cfg.max_stack_slots cells */
    gb_frame *frames;      /* cfg.max_call_depth */
    int64_t gas_left;
    int64_t gas_start;     /* gas_left when the limit was set */
    uint64_t gas_limit;
    /* a deadline (gb_store_set_deadline): the gas beyond gas_left held
     * back, handed out slice at a time by gb_store_refill */
    int64_t gas_reserve;
    int64_t gas_slice;
    uint64_t deadline_ns;
    bool interrupted;
    bool running;
    bool freeing;          /* gb_store_free: reset frees kept memories too */
    char trap_msg[256];
    gb_functype *sigs;     /* interned function types */
    uint32_t nsigs, capsigs;
    uint32_t *sig_hint;    /* cap_hint entries: the interned id module
                              type i had in the last instantiation, tried
                              first in the next (compared in full) */
    uint32_t cap_hint;
    gb_func *funcs;
    gb_memory *mems;
    gb_table *tables;
    gb_global *globals;
    gb_instance *instances;
    gb_prof_fn prof;       /* gb_store_set_profiler: NULL when off */
    void *prof_user;
};

/* compile.c: validate and compile every function body of m into m->code;
 * each instruction's handler address is taken from the interpreter's table
 * (gb_interp_handlers(), fetched by the compiler itself).  On failure
 * (GB_INVALID, GB_MALFORMED, GB_LIMIT, GB_NOMEM) a message goes into
 * detail[0, detail_len) when detail is not NULL. */
gb_err gb_compile_module(gb_module *m, char *detail, size_t detail_len);
void gb_code_free(gb_code *c);

/* runtime.c: the interpreter's slow path when gas (its local counter)
 * is below need (gas may be negative: a block's cost already taken).
 * Hands out held-back gas (a deadline is set) unless the deadline has
 * passed.  Returns the new counter, >= need, or -1 when the gas is truly
 * gone or the deadline passed (s->interrupted). */
int64_t gb_store_refill(gb_store *s, int64_t gas, uint64_t need);

/* interp.c */
const void *const *gb_interp_handlers(void);
/* Emit a profiler event (s->prof set; gas: the interpreter's counter). */
void gb_prof_emit(gb_store *s, const gb_instance *inst, gb_prof_kind kind,
                  uint32_t func, int64_t gas, const gb_val *vals, gb_err err);
/* Run wasm function f; its args are at s->stack[0..], results land there. */
gb_err gb_interp_call(gb_store *s, gb_func *f);

/* compile.c: print a compiled function's internal code, one instruction
 * a line (behind gb_module_dump_code). */
void gb_code_dump(const gb_code *c, FILE *out);
/* compile.c: how many operand cells follow instruction o at `at` (the
 * compiled tier walks the code with it, see jit.h). */
int gb_ir_operands(gb_irop o, const gb_cell *at);

/* runtime.c */
uint32_t gb_store_intern(gb_store *s, const gb_functype *t, gb_err *err);
gb_err gb_trapf(gb_store *s, gb_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Table and memory operations shared by the interpreter and instantiation;
 * each returns GB_OK or the trap. */
gb_err gb_table_grow_(gb_table *t, uint32_t delta, gb_val init,
                      uint32_t *out_old);
gb_err gb_memory_grow_(gb_memory *m, uint32_t delta, uint32_t *out_old);

#endif
