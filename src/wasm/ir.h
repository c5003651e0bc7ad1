/*
 * The internal code: its cells, and every IR instruction, written once.
 *
 * Each function is compiled (compile.c) into an array of 8-byte cells: a
 * cell holding the address of the instruction's handler (direct
 * threading), followed by its operands, one cell each.  Operands are
 * either slot numbers — indexes into the function's frame of 64-bit value
 * cells, fp[0..] = params, then locals, then one slot per operand-stack
 * height — or immediates, or absolute jump targets (cell pointers).
 *
 * The instruction set is GB_IR_ALL, one row per instruction (name,
 * operand cells).  From it come the enum gb_irop, the lengths
 * GB_IR_LEN_NAME the interpreter steps by, the interpreter's handler table
 * (interp.c), and the names and operand counts of ir.c (the disassembler,
 * the compiled tier's walk).  Most rows are generated from groups: the
 * numeric ops of opcodes.h, and the fused forms below.
 *
 * Internal to src/wasm/, included through engine.h.
 */
#ifndef GB_WASM_IR_H
#define GB_WASM_IR_H

#include <stdint.h>
#include <stdio.h>

#include "wasm/opcodes.h"

typedef struct gb_code gb_code;

typedef union gb_cell {
    const void *h; /* handler address */
    uint64_t u;
    int64_t i;
    void *p;
} gb_cell;

/* The IR instructions that are not generated from opcodes.h.  Operand
 * layout in brackets, after the handler cell. */
#define GB_IR_FIXED(X)                                                      \
    X(UNREACHABLE, 0)      /* */                                            \
    X(NOP, 0)              /* */                                            \
    X(GAS, 1)              /* [cost] */                                     \
    X(JMP, 2)              /* [target][gas] */                              \
    X(BR_IF, 3)            /* [cond][target][gas] */                        \
    X(BR_UNLESS, 3)        /* [cond][target][gas] */                        \
    X(BR_TABLE, -1)   /* [index][n]([target][gas])*(n+1) (last: default) */ \
    X(RETURN, 0)           /* results already in fp[0..) */                 \
    X(CALL, 2)             /* [gb_code*][argbase] same instance */          \
    X(CALL_IMPORT, 2)      /* [funcidx][argbase] */                         \
    X(CALL_INDIRECT, 4)    /* [table][typeidx][argbase][index] */           \
    X(COPY, 2)             /* [dst][src] */                                 \
    X(CONST, 2)            /* [dst][imm] */                                 \
    X(SELECT, 4)           /* [dst][a][b][cond] */                          \
    X(GLOBAL_GET, 2)       /* [dst][globalidx] */                           \
    X(GLOBAL_SET, 2)       /* [globalidx][src] */                           \
    X(LD32, 3)             /* [dst][addr][offset] */                        \
    X(LD64, 3)             /* [dst][addr][offset] */                        \
    X(LD8S_32, 3)          /* [dst][addr][offset] */                        \
    X(LD8S_64, 3)          /* [dst][addr][offset] */                        \
    X(LD8U, 3)             /* [dst][addr][offset] */                        \
    X(LD16S_32, 3)         /* [dst][addr][offset] */                        \
    X(LD16S_64, 3)         /* [dst][addr][offset] */                        \
    X(LD16U, 3)            /* [dst][addr][offset] */                        \
    X(LD32S_64, 3)         /* [dst][addr][offset] */                        \
    X(ST8, 3)              /* [addr][value][offset] */                      \
    X(ST16, 3)             /* [addr][value][offset] */                      \
    X(ST32, 3)             /* [addr][value][offset] */                      \
    X(ST64, 3)             /* [addr][value][offset] */                      \
    X(MEMORY_SIZE, 1)      /* [dst] */                                      \
    X(MEMORY_GROW, 2)      /* [dst][delta] */                               \
    X(MEMORY_FILL, 3)      /* [d][val][n] */                                \
    X(MEMORY_COPY, 3)      /* [d][s][n] */                                  \
    X(MEMORY_INIT, 4)      /* [seg][d][s][n] */                             \
    X(DATA_DROP, 1)        /* [seg] */                                      \
    X(TABLE_GET, 3)        /* [dst][table][index] */                        \
    X(TABLE_SET, 3)        /* [table][index][value] */                      \
    X(TABLE_SIZE, 2)       /* [dst][table] */                               \
    X(TABLE_GROW, 4)       /* [dst][table][init][delta] */                  \
    X(TABLE_FILL, 4)       /* [table][i][value][n] */                       \
    X(TABLE_COPY, 5)       /* [dsttable][srctable][d][s][n] */              \
    X(TABLE_INIT, 5)       /* [table][seg][d][s][n] */                      \
    X(ELEM_DROP, 1)        /* [seg] */                                      \
    X(REF_FUNC, 2)         /* [dst][funcidx] */                             \
    X(REF_IS_NULL, 2)      /* [dst][src] */                                 \
    X(BR_EQZ_I32, 3)       /* [a][target][gas]: jump if a == 0 (fused) */   \
    X(BR_NEZ_I32, 3)       /* [a][target][gas] */                           \
    X(I32_MADD, 4)         /* [dst][x][a][b]: x + a*b (fused mul, add) */   \
    X(I64_MADD, 4)         /* [dst][x][a][b] */                             \
    X(BR_IF_G, 3)          /* the _G forms: see GB_IR_GPAIRS */             \
    X(BR_UNLESS_G, 3)                                                       \
    X(BR_EQZ_I32_G, 3)                                                      \
    X(BR_NEZ_I32_G, 3)                                                      \
    X(CALL_G, 2)

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

/* Every IR instruction, one row each: GB_IR_ROW(name, operand cells), -1
 * for a variable count (BR_TABLE).  GB_IR_FIXED's rows as written, then
 * the rows the groups above generate: a numeric op's (2 operands for a
 * unary one, [dst][a]; 3 for a binary one and its _I form, [dst][a][b]),
 * a compare-and-branch's (4, and its _I form) and a fused memory access's
 * (4; the _W loads 5).  Define GB_IR_ROW, expand GB_IR_ALL, #undef it. */
#define GB_IR_ALL                                                           \
    GB_IR_FIXED(GB_IR_ROW)                                                  \
    GB_UNOPS(GB_IR_UN_) GB_FC_UNOPS(GB_IR_UN_)                              \
    GB_BINOPS(GB_IR_BIN_)                                                   \
    GB_IR_BRCMP(GB_IR_BR_)                                                  \
    GB_IR_LDADD(GB_IR_LA_)                                                  \
    GB_IR_STADD(GB_IR_SA_)
#define GB_IR_UN_(opc, name, ti, to, expr) GB_IR_ROW(name, 2)
#define GB_IR_BIN_(opc, name, ti, to, expr)                                 \
    GB_IR_ROW(name, 3) GB_IR_ROW(name##_I, 3)
#define GB_IR_BR_(name, cond, inv)                                          \
    GB_IR_ROW(BR_##name, 4) GB_IR_ROW(BR_##name##_I, 4)                     \
    GB_IR_ROW(BR_##name##_G, 4) GB_IR_ROW(BR_##name##_I_G, 4)
#define GB_IR_LA_(name)                                                     \
    GB_IR_ROW(name##_ADD, 4) GB_IR_ROW(name##_ADDI, 4)                      \
    GB_IR_ROW(name##_ADDW, 5) GB_IR_ROW(name##_ADDIW, 5)
#define GB_IR_SA_(name)                                                     \
    GB_IR_ROW(name##_ADD, 4) GB_IR_ROW(name##_ADDI, 4)

/* The charging forms (_G): an instruction whose next step is the GAS of a
 * metered block, which it charges itself, stepping past that GAS: one
 * dispatch less, the same gas charged at the same point.  Same cells as
 * the plain form.
 *   - a conditional branch followed directly by the GAS of the block its
 *     fall-through opens (after every br_if and if): not taken, it charges
 *     the cost in that GAS's cell and goes on after it; taken, as the
 *     plain form (the target's block, its gas cell);
 *   - CALL_G, a same-instance call when metering is on, where every
 *     function opens with a GAS: once the callee's frame is pushed it
 *     charges that GAS's cost and starts after it.
 * compile_emit.c picks them; the GAS stays in the code (a branch may
 * target it), so a reader treating a _G form as its plain one (the
 * compiled tier, gb_ir_plain) charges the same.  Pairs (plain, _G):
 * define GB_IR_GPAIR(plain, charging), expand GB_IR_GPAIRS, #undef it. */
#define GB_IR_GPAIRS                                                        \
    GB_IR_GPAIR(BR_IF, BR_IF_G)                                             \
    GB_IR_GPAIR(BR_UNLESS, BR_UNLESS_G)                                     \
    GB_IR_GPAIR(BR_EQZ_I32, BR_EQZ_I32_G)                                   \
    GB_IR_GPAIR(BR_NEZ_I32, BR_NEZ_I32_G)                                   \
    GB_IR_GPAIR(CALL, CALL_G)                                               \
    GB_IR_BRCMP(GB_IR_GP_)
#define GB_IR_GP_(name, cond, inv)                                          \
    GB_IR_GPAIR(BR_##name, BR_##name##_G)                                   \
    GB_IR_GPAIR(BR_##name##_I, BR_##name##_I_G)

/* GB_IR_NAME: the instruction's number (a binary op's _I form is always
 * the next one: the compiler relies on it). */
typedef enum gb_irop {
#define GB_IR_ROW(name, nops) GB_IR_##name,
    GB_IR_ALL
#undef GB_IR_ROW
    GB_IR_COUNT_
} gb_irop;

/* GB_IR_LEN_NAME: the instruction's length in cells, handler included
 * (the interpreter's step to the next instruction; 0 for BR_TABLE). */
enum {
#define GB_IR_ROW(name, nops) GB_IR_LEN_##name = (nops) < 0 ? 0 : 1 + (nops),
    GB_IR_ALL
#undef GB_IR_ROW
};

/* ir.c: the instruction's name ("I32_ADD"), and how many operand cells
 * follow instruction o at `at` (BR_TABLE's count is read from its cells;
 * the compiled tier walks the code with it, see jit.h). */
const char *gb_ir_name(gb_irop o);
/* ir.c: each instruction's operand cells, as its row says (-1: BR_TABLE,
 * whose count is in its cells). */
extern const int8_t gb_ir_nops[GB_IR_COUNT_];
int gb_ir_operands(gb_irop o, const gb_cell *at);
/* ir.c: the plain form of a charging (_G) form (GB_IR_GPAIRS), o itself
 * for any other; and the charging form of a plain one, 0 (UNREACHABLE)
 * when it has none. */
gb_irop gb_ir_plain(gb_irop o);
gb_irop gb_ir_charging(gb_irop o);

/* ir.c: print a compiled function's internal code, one instruction a line
 * (behind gb_module_dump_code). */
void gb_code_dump(const gb_code *c, FILE *out);

#endif
