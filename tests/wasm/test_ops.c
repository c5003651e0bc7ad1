/*
 * The opcode and IR tables (src/wasm/opcodes.h, ops.c, ir.h, ir.c) say
 * what the spec says: the named opcodes have their spec bytes, the
 * float instructions are exactly the spec's (a hand-written list here,
 * independent of the rows), immediates and features are those of the
 * proposals that brought each instruction, and every IR instruction's
 * length agrees between the enum constants, the operand table and the
 * disassembler's walk.  The default gas schedule prices the opcodes it
 * names.
 */
#include "gearbox/wasm.h"
#include "test.h"
#include "wasm/engine.h"

/* WebAssembly 2.0, section 5.4: the single-byte opcodes that take, make,
 * load or store an f32/f64. */
static bool spec_float(unsigned b)
{
    return b == 0x2A || b == 0x2B || b == 0x38 || b == 0x39 || b == 0x43 ||
           b == 0x44 || (b >= 0x5B && b <= 0x66) ||
           (b >= 0x8B && b <= 0xA6) || (b >= 0xA8 && b <= 0xAB) ||
           (b >= 0xAE && b <= 0xBF);
}

static void test_named_bytes(void)
{
    GB_EXPECT_U64(0x00, GB_OP_UNREACHABLE);
    GB_EXPECT_U64(0x0B, GB_OP_END);
    GB_EXPECT_U64(0x11, GB_OP_CALL_INDIRECT);
    GB_EXPECT_U64(0x1C, GB_OP_SELECT_T);
    GB_EXPECT_U64(0x22, GB_OP_LOCAL_TEE);
    GB_EXPECT_U64(0x28, GB_OP_I32_LOAD);
    GB_EXPECT_U64(0x3E, GB_OP_I64_STORE32);
    GB_EXPECT_U64(0x40, GB_OP_MEMORY_GROW);
    GB_EXPECT_U64(0x6A, GB_OP_I32_ADD);
    GB_EXPECT_U64(0xC4, GB_OP_I64_EXTEND32_S);
    GB_EXPECT_U64(0xD2, GB_OP_REF_FUNC);
    GB_EXPECT_U64(0xFC, GB_OP_PREFIX_FC);
    GB_EXPECT_U64(7, GB_OP_I64_TRUNC_SAT_F64_U);
    GB_EXPECT_U64(10, GB_OP_MEMORY_COPY);
    GB_EXPECT_U64(17, GB_OP_TABLE_FILL);
    GB_EXPECT(strcmp(gb_op_info(GB_OP_I32_ADD)->name, "I32_ADD") == 0);
    GB_EXPECT(strcmp(gb_op_fc_info(GB_OP_TABLE_GROW)->name, "TABLE_GROW") == 0);
}

static void test_every_opcode_once(void)
{
    /* 2.0 without SIMD: 0x00-0x05, 0x0B-0x11, 0x1A-0x1C, 0x20-0x26,
     * 0x28-0xC4, 0xD0-0xD2, 0xFC; sub-opcodes 0-17 */
    unsigned n = 0, nfc = 0;
    for (unsigned b = 0; b < 256; b++)
        if (gb_op_info((uint8_t)b)->name) {
            n++;
            GB_EXPECT(gb_op_info((uint8_t)b)->cls != GB_CLASS_NONE);
        }
    GB_EXPECT_U64(6 + 7 + 3 + 7 + (0xC4 - 0x28 + 1) + 3 + 1, n);
    for (unsigned s = 0; s < 40; s++)
        nfc += gb_op_fc_info(s)->name != NULL;
    GB_EXPECT_U64(18, nfc);
    GB_EXPECT(gb_op_info(0x06)->name == NULL);
    GB_EXPECT(gb_op_info(0x27)->name == NULL);
    GB_EXPECT(gb_op_fc_info(18)->name == NULL);
    GB_EXPECT(gb_op_fc_info(UINT32_MAX)->name == NULL);
}

static void test_floats(void)
{
    for (unsigned b = 0; b < 256; b++) {
        bool f = (gb_op_info((uint8_t)b)->features & GB_FEATURE_FLOATS) != 0;
        if (f != spec_float(b))
            GB_FAIL_("opcode 0x%02x: float %d, spec says %d", b, f,
                     spec_float(b));
        gb_test_checks_++;
    }
    for (unsigned s = 0; s < 32; s++)
        GB_EXPECT_U64(s <= 7,
                      (gb_op_fc_info(s)->features & GB_FEATURE_FLOATS) != 0);
}

static void test_immediates_and_features(void)
{
    GB_EXPECT_U64(GB_IMM_BLOCKTYPE, gb_op_info(GB_OP_IF)->imm);
    GB_EXPECT_U64(GB_IMM_LABELS, gb_op_info(GB_OP_BR_TABLE)->imm);
    GB_EXPECT_U64(GB_IMM_MEMARG, gb_op_info(GB_OP_F64_STORE)->imm);
    GB_EXPECT_U64(GB_IMM_NONE, gb_op_info(GB_OP_I64_ROTR)->imm);
    GB_EXPECT_U64(GB_IMM_SUBOP, gb_op_info(GB_OP_PREFIX_FC)->imm);
    GB_EXPECT_U64(GB_IMM_MEM2, gb_op_fc_info(GB_OP_MEMORY_COPY)->imm);
    GB_EXPECT_U64(GB_FEATURE_REF_TYPES, gb_op_info(GB_OP_TABLE_GET)->features);
    GB_EXPECT_U64(GB_FEATURE_REF_TYPES, gb_op_info(GB_OP_REF_IS_NULL)->features);
    GB_EXPECT_U64(0, gb_op_info(GB_OP_CALL_INDIRECT)->features);
    GB_EXPECT_U64(GB_FEATURE_BULK_MEMORY,
                  gb_op_fc_info(GB_OP_ELEM_DROP)->features);
    GB_EXPECT_U64(GB_FEATURE_REF_TYPES,
                  gb_op_fc_info(GB_OP_TABLE_SIZE)->features);
    GB_EXPECT_U64(GB_CLASS_CONTROL, gb_op_info(GB_OP_LOOP)->cls);
    GB_EXPECT_U64(GB_CLASS_NUMERIC, gb_op_info(GB_OP_F32_CONST)->cls);
    GB_EXPECT_U64(GB_CLASS_MEMORY, gb_op_info(GB_OP_I32_LOAD8_U)->cls);
}

static void test_ir_lengths(void)
{
    GB_EXPECT_U64(GB_IR_I32_ADD + 1, GB_IR_I32_ADD_I);
    GB_EXPECT_U64(1, GB_IR_LEN_NOP);
    GB_EXPECT_U64(2, GB_IR_LEN_GAS);
    GB_EXPECT_U64(4, GB_IR_LEN_LD32);
    GB_EXPECT_U64(6, GB_IR_LEN_LD32_ADDIW);
    GB_EXPECT_U64(5, GB_IR_LEN_BR_I32_LT_U_I);
    GB_EXPECT_U64(3, GB_IR_LEN_I64_POPCNT);
    GB_EXPECT_U64(4, GB_IR_LEN_F64_MUL_I);
    GB_EXPECT_U64(6, GB_IR_LEN_TABLE_COPY);
    static const uint8_t lens[GB_IR_COUNT_] = {
#define GB_IR_ROW(name, nops) [GB_IR_##name] = GB_IR_LEN_##name,
        GB_IR_ALL
#undef GB_IR_ROW
    };
    gb_cell cells[8] = {{0}};
    cells[2].u = 1; /* a BR_TABLE with two targets */
    for (int o = 0; o < GB_IR_COUNT_; o++) {
        int k = gb_ir_operands((gb_irop)o, cells);
        if (o == GB_IR_BR_TABLE) {
            GB_EXPECT_I64(2 + 2 * 2, k);
            continue;
        }
        if (k + 1 != lens[o] || k != gb_ir_nops[o])
            GB_FAIL_("%s: %d operands, length %u", gb_ir_name((gb_irop)o), k,
                     lens[o]);
        gb_test_checks_++;
    }
    GB_EXPECT(strcmp(gb_ir_name(GB_IR_BR_I32_GE_S_I), "BR_I32_GE_S_I") == 0);
    GB_EXPECT(strcmp(gb_ir_name(GB_IR_ST16_ADDI), "ST16_ADDI") == 0);
}

static void test_schedule_by_name(void)
{
    const gb_gas_schedule *s = gb_gas_schedule_default();
    GB_EXPECT_U64(0, s->op[GB_OP_LOCAL_GET]);
    GB_EXPECT_U64(1, s->op[GB_OP_LOCAL_SET]);
    GB_EXPECT_U64(2, s->op[GB_OP_F32_LOAD]);
    GB_EXPECT_U64(2, s->op[GB_OP_I64_STORE32]);
    GB_EXPECT_U64(1, s->op[GB_OP_MEMORY_SIZE]);
    GB_EXPECT_U64(4, s->op[GB_OP_I64_REM_U]);
    GB_EXPECT_U64(1, s->op[GB_OP_I64_AND]);
    GB_EXPECT_U64(4, s->op[GB_OP_F64_SQRT]);
    GB_EXPECT_U64(5, s->op_fc[GB_OP_TABLE_FILL]);
    GB_EXPECT_U64(1, s->op_fc[GB_OP_TABLE_SIZE]);
    GB_EXPECT_U64(10, s->op_fc[GB_OP_TABLE_GROW]);
}

int main(void)
{
    GB_RUN(test_named_bytes);
    GB_RUN(test_every_opcode_once);
    GB_RUN(test_floats);
    GB_RUN(test_immediates_and_features);
    GB_RUN(test_ir_lengths);
    GB_RUN(test_schedule_by_name);
    return gb_test_summary();
}
