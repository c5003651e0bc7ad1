/*
 * The per-opcode facts, from the rows of opcodes.h: a static table per
 * opcode space, filled in by the compiler (no code runs to build them).
 *
 * A numeric instruction's features are "floats" when its operand or
 * result type is f32/f64; a load's or store's when its value type is.
 * This is the one place that derives what is a float instruction: the
 * validator (gb_module's uses_floats) and gb_module_features both ask here.
 */
#include "wasm/opcodes.h"

#define IS_FLOAT_(t) (GB_##t == GB_F32 || GB_##t == GB_F64)
#define FLOATS_(yes) ((yes) ? GB_FEATURE_FLOATS : 0u)

#define OP_(opc, name, imm, feat, cls)                                      \
    [opc] = {#name, GB_IMM_##imm, GB_CLASS_##cls, GB_FEAT_##feat},
#define NUM_(opc, name, ti, to, expr)                                       \
    [opc] = {#name, GB_IMM_NONE, GB_CLASS_NUMERIC,                          \
             FLOATS_(IS_FLOAT_(ti) || IS_FLOAT_(to))},
#define MEM_(opc, name, ir, t, bytes, align)                                \
    [opc] = {#name, GB_IMM_MEMARG, GB_CLASS_MEMORY, FLOATS_(IS_FLOAT_(t))},

static const gb_opinfo ops[256] = {
    GB_OPS(OP_) GB_UNOPS(NUM_) GB_BINOPS(NUM_) GB_LOADS(MEM_) GB_STORES(MEM_)
};

static const gb_opinfo ops_fc[32] = {
    GB_FC_OPS(OP_) GB_FC_UNOPS(NUM_)
};

const gb_opinfo *gb_op_info(uint8_t b) { return &ops[b]; }

const gb_opinfo *gb_op_fc_info(uint32_t sub)
{
    static const gb_opinfo none = {0};
    return sub < sizeof ops_fc / sizeof ops_fc[0] ? &ops_fc[sub] : &none;
}
