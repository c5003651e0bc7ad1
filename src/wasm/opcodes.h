/*
 * The instructions of WebAssembly 2.0 (without SIMD), written once.
 *
 * Every opcode has one row, in the group whose columns fit it:
 *
 *   GB_OPS        X(opcode, NAME, immediates, feature, class): control,
 *                 parametric, variable, table, memory-size, constant and
 *                 reference instructions, and the 0xFC prefix;
 *   GB_FC_OPS     the same for the 0xFC-prefixed bulk memory and table
 *                 instructions, by sub-opcode;
 *   GB_UNOPS, GB_BINOPS, GB_FC_UNOPS
 *                 X(opcode, NAME, operand type, result type, C expression):
 *                 the numeric instructions (class numeric; their feature
 *                 is "floats" when a type is f32/f64, else none);
 *   GB_LOADS, GB_STORES
 *                 X(opcode, NAME, IR op, value type, access bytes, natural
 *                 alignment log2): the memory accesses (immediate: memarg;
 *                 class memory).
 *
 * From the rows come the named opcodes below (GB_OP_NAME = its byte, or
 * its sub-opcode for 0xFC ones) that the decoder, validator, compiler and
 * inspection use instead of hex literals, and the per-opcode facts of
 * ops.c (gb_op_info: name, immediates, features, class).  The gas
 * schedule (gas_schedule.c) prices opcodes by these names.
 *
 * The numeric expressions: the compiler reads the opcode and the types
 * (validation, IR op choice); the interpreter and the compiled tier's
 * helpers expand the expression into a handler (interp.c, jit_x64.c).  In
 * the expressions `a` and `b` are the operand cells (uint64_t); the
 * accessors below pick the typed view.  Everything that is not a plain C
 * operator on unsigned integers goes through src/wasm/numeric.h, which
 * holds the exact (and host-independent) semantics.  Trapping operations
 * use TRY_TRAP(...), which each expander defines to end the instruction
 * with the trap.
 */
#ifndef GB_WASM_OPCODES_H
#define GB_WASM_OPCODES_H

#include <stdint.h>

#include "gearbox/wasm_inspect.h"

#define A32 ((uint32_t)a)
#define B32 ((uint32_t)b)
#define AS32 ((int32_t)(uint32_t)a)
#define BS32 ((int32_t)(uint32_t)b)
#define AS64 ((int64_t)a)
#define BS64 ((int64_t)b)

#define GB_TRY32(call) ({ uint32_t r_; TRY_TRAP(call(A32, B32, &r_)); r_; })
#define GB_TRY64(call) ({ uint64_t r_; TRY_TRAP(call(a, b, &r_)); r_; })
#define GB_TRYU32(call, x) ({ uint32_t r_; TRY_TRAP(call(x, &r_)); r_; })
#define GB_TRYU64(call, x) ({ uint64_t r_; TRY_TRAP(call(x, &r_)); r_; })

/* Immediates (what follows the opcode), features (a bit of
 * gb_module_features, gearbox/wasm.h; 0 for the MVP) and classes. */
typedef enum gb_imm {
    GB_IMM_NONE,
    GB_IMM_BLOCKTYPE,  /* s33: empty, a value type or a type index */
    GB_IMM_LABEL,      /* u32 label depth */
    GB_IMM_LABELS,     /* br_table: u32 n, then n+1 label depths */
    GB_IMM_FUNC,       /* u32 function index */
    GB_IMM_TYPE_TABLE, /* call_indirect: u32 type index, u32 table index */
    GB_IMM_TYPES,      /* select t*: u32 n, then n value types */
    GB_IMM_LOCAL,      /* u32 local index */
    GB_IMM_GLOBAL,     /* u32 global index */
    GB_IMM_TABLE,      /* u32 table index */
    GB_IMM_TABLE2,     /* table.copy: u32 destination, u32 source table */
    GB_IMM_ELEM_TABLE, /* table.init: u32 element segment, u32 table */
    GB_IMM_ELEM,       /* u32 element segment */
    GB_IMM_DATA_MEM,   /* memory.init: u32 data segment, memory byte 0 */
    GB_IMM_DATA,       /* u32 data segment */
    GB_IMM_MEM,        /* memory byte 0 */
    GB_IMM_MEM2,       /* memory.copy: two memory bytes 0 */
    GB_IMM_MEMARG,     /* u32 alignment log2, u32 offset */
    GB_IMM_I32,        /* s32 */
    GB_IMM_I64,        /* s64 */
    GB_IMM_F32,        /* 4 bytes */
    GB_IMM_F64,        /* 8 bytes */
    GB_IMM_REFTYPE,    /* a reference type byte */
    GB_IMM_SUBOP,      /* 0xFC: u32 sub-opcode (GB_FC_OPS, GB_FC_UNOPS) */
} gb_imm;

#define GB_FEAT_MVP 0
#define GB_FEAT_FLOATS GB_FEATURE_FLOATS
#define GB_FEAT_BULK GB_FEATURE_BULK_MEMORY
#define GB_FEAT_REF GB_FEATURE_REF_TYPES

typedef enum gb_opclass {
    GB_CLASS_NONE, /* no such opcode */
    GB_CLASS_CONTROL,
    GB_CLASS_PARAMETRIC,
    GB_CLASS_VARIABLE,
    GB_CLASS_TABLE,
    GB_CLASS_MEMORY,
    GB_CLASS_NUMERIC,
    GB_CLASS_REFERENCE,
    GB_CLASS_BULK,
    GB_CLASS_PREFIX,
} gb_opclass;

#define GB_OPS(X)                                                           \
    X(0x00, UNREACHABLE, NONE, MVP, CONTROL)                                \
    X(0x01, NOP, NONE, MVP, CONTROL)                                        \
    X(0x02, BLOCK, BLOCKTYPE, MVP, CONTROL)                                 \
    X(0x03, LOOP, BLOCKTYPE, MVP, CONTROL)                                  \
    X(0x04, IF, BLOCKTYPE, MVP, CONTROL)                                    \
    X(0x05, ELSE, NONE, MVP, CONTROL)                                       \
    X(0x0B, END, NONE, MVP, CONTROL)                                        \
    X(0x0C, BR, LABEL, MVP, CONTROL)                                        \
    X(0x0D, BR_IF, LABEL, MVP, CONTROL)                                     \
    X(0x0E, BR_TABLE, LABELS, MVP, CONTROL)                                 \
    X(0x0F, RETURN, NONE, MVP, CONTROL)                                     \
    X(0x10, CALL, FUNC, MVP, CONTROL)                                       \
    X(0x11, CALL_INDIRECT, TYPE_TABLE, MVP, CONTROL)                        \
    X(0x1A, DROP, NONE, MVP, PARAMETRIC)                                    \
    X(0x1B, SELECT, NONE, MVP, PARAMETRIC)                                  \
    X(0x1C, SELECT_T, TYPES, REF, PARAMETRIC)                               \
    X(0x20, LOCAL_GET, LOCAL, MVP, VARIABLE)                                \
    X(0x21, LOCAL_SET, LOCAL, MVP, VARIABLE)                                \
    X(0x22, LOCAL_TEE, LOCAL, MVP, VARIABLE)                                \
    X(0x23, GLOBAL_GET, GLOBAL, MVP, VARIABLE)                              \
    X(0x24, GLOBAL_SET, GLOBAL, MVP, VARIABLE)                              \
    X(0x25, TABLE_GET, TABLE, REF, TABLE)                                   \
    X(0x26, TABLE_SET, TABLE, REF, TABLE)                                   \
    X(0x3F, MEMORY_SIZE, MEM, MVP, MEMORY)                                  \
    X(0x40, MEMORY_GROW, MEM, MVP, MEMORY)                                  \
    X(0x41, I32_CONST, I32, MVP, NUMERIC)                                   \
    X(0x42, I64_CONST, I64, MVP, NUMERIC)                                   \
    X(0x43, F32_CONST, F32, FLOATS, NUMERIC)                                \
    X(0x44, F64_CONST, F64, FLOATS, NUMERIC)                                \
    X(0xD0, REF_NULL, REFTYPE, REF, REFERENCE)                              \
    X(0xD1, REF_IS_NULL, NONE, REF, REFERENCE)                              \
    X(0xD2, REF_FUNC, FUNC, REF, REFERENCE)                                 \
    X(0xFC, PREFIX_FC, SUBOP, MVP, PREFIX)

#define GB_FC_OPS(X)                                                        \
    X(8, MEMORY_INIT, DATA_MEM, BULK, BULK)                                 \
    X(9, DATA_DROP, DATA, BULK, BULK)                                       \
    X(10, MEMORY_COPY, MEM2, BULK, BULK)                                    \
    X(11, MEMORY_FILL, MEM, BULK, BULK)                                     \
    X(12, TABLE_INIT, ELEM_TABLE, BULK, BULK)                               \
    X(13, ELEM_DROP, ELEM, BULK, BULK)                                      \
    X(14, TABLE_COPY, TABLE2, BULK, BULK)                                   \
    X(15, TABLE_GROW, TABLE, REF, TABLE)                                    \
    X(16, TABLE_SIZE, TABLE, REF, TABLE)                                    \
    X(17, TABLE_FILL, TABLE, REF, TABLE)

#define GB_UNOPS(X)                                                         \
    X(0x45, I32_EQZ, I32, I32, A32 == 0)                                    \
    X(0x50, I64_EQZ, I64, I32, a == 0)                                      \
    X(0x67, I32_CLZ, I32, I32, gb_i32_clz(A32))                             \
    X(0x68, I32_CTZ, I32, I32, gb_i32_ctz(A32))                             \
    X(0x69, I32_POPCNT, I32, I32, gb_i32_popcnt(A32))                       \
    X(0x79, I64_CLZ, I64, I64, gb_i64_clz(a))                               \
    X(0x7A, I64_CTZ, I64, I64, gb_i64_ctz(a))                               \
    X(0x7B, I64_POPCNT, I64, I64, gb_i64_popcnt(a))                         \
    X(0x8B, F32_ABS, F32, F32, gb_f32_abs(A32))                             \
    X(0x8C, F32_NEG, F32, F32, gb_f32_neg(A32))                             \
    X(0x8D, F32_CEIL, F32, F32, gb_f32_ceil(A32))                           \
    X(0x8E, F32_FLOOR, F32, F32, gb_f32_floor(A32))                         \
    X(0x8F, F32_TRUNC, F32, F32, gb_f32_trunc(A32))                         \
    X(0x90, F32_NEAREST, F32, F32, gb_f32_nearest(A32))                     \
    X(0x91, F32_SQRT, F32, F32, gb_f32_sqrt(A32))                           \
    X(0x99, F64_ABS, F64, F64, gb_f64_abs(a))                               \
    X(0x9A, F64_NEG, F64, F64, gb_f64_neg(a))                               \
    X(0x9B, F64_CEIL, F64, F64, gb_f64_ceil(a))                             \
    X(0x9C, F64_FLOOR, F64, F64, gb_f64_floor(a))                           \
    X(0x9D, F64_TRUNC, F64, F64, gb_f64_trunc(a))                           \
    X(0x9E, F64_NEAREST, F64, F64, gb_f64_nearest(a))                       \
    X(0x9F, F64_SQRT, F64, F64, gb_f64_sqrt(a))                             \
    X(0xA7, I32_WRAP_I64, I64, I32, A32)                                    \
    X(0xA8, I32_TRUNC_F32_S, F32, I32, GB_TRYU32(gb_i32_trunc_f32_s, A32))  \
    X(0xA9, I32_TRUNC_F32_U, F32, I32, GB_TRYU32(gb_i32_trunc_f32_u, A32))  \
    X(0xAA, I32_TRUNC_F64_S, F64, I32, GB_TRYU32(gb_i32_trunc_f64_s, a))    \
    X(0xAB, I32_TRUNC_F64_U, F64, I32, GB_TRYU32(gb_i32_trunc_f64_u, a))    \
    X(0xAC, I64_EXTEND_I32_S, I32, I64, (uint64_t)(int64_t)AS32)            \
    X(0xAD, I64_EXTEND_I32_U, I32, I64, (uint64_t)A32)                      \
    X(0xAE, I64_TRUNC_F32_S, F32, I64, GB_TRYU64(gb_i64_trunc_f32_s, A32))  \
    X(0xAF, I64_TRUNC_F32_U, F32, I64, GB_TRYU64(gb_i64_trunc_f32_u, A32))  \
    X(0xB0, I64_TRUNC_F64_S, F64, I64, GB_TRYU64(gb_i64_trunc_f64_s, a))    \
    X(0xB1, I64_TRUNC_F64_U, F64, I64, GB_TRYU64(gb_i64_trunc_f64_u, a))    \
    X(0xB2, F32_CONVERT_I32_S, I32, F32, gb_f32_convert_i32_s(A32))         \
    X(0xB3, F32_CONVERT_I32_U, I32, F32, gb_f32_convert_i32_u(A32))         \
    X(0xB4, F32_CONVERT_I64_S, I64, F32, gb_f32_convert_i64_s(a))           \
    X(0xB5, F32_CONVERT_I64_U, I64, F32, gb_f32_convert_i64_u(a))           \
    X(0xB6, F32_DEMOTE_F64, F64, F32, gb_f32_demote_f64(a))                 \
    X(0xB7, F64_CONVERT_I32_S, I32, F64, gb_f64_convert_i32_s(A32))         \
    X(0xB8, F64_CONVERT_I32_U, I32, F64, gb_f64_convert_i32_u(A32))         \
    X(0xB9, F64_CONVERT_I64_S, I64, F64, gb_f64_convert_i64_s(a))           \
    X(0xBA, F64_CONVERT_I64_U, I64, F64, gb_f64_convert_i64_u(a))           \
    X(0xBB, F64_PROMOTE_F32, F32, F64, gb_f64_promote_f32(A32))             \
    X(0xBC, I32_REINTERPRET_F32, F32, I32, A32)                             \
    X(0xBD, I64_REINTERPRET_F64, F64, I64, a)                               \
    X(0xBE, F32_REINTERPRET_I32, I32, F32, A32)                             \
    X(0xBF, F64_REINTERPRET_I64, I64, F64, a)                               \
    X(0xC0, I32_EXTEND8_S, I32, I32, gb_i32_extend8_s(A32))                 \
    X(0xC1, I32_EXTEND16_S, I32, I32, gb_i32_extend16_s(A32))               \
    X(0xC2, I64_EXTEND8_S, I64, I64, gb_i64_extend8_s(a))                   \
    X(0xC3, I64_EXTEND16_S, I64, I64, gb_i64_extend16_s(a))                 \
    X(0xC4, I64_EXTEND32_S, I64, I64, gb_i64_extend32_s(a))

#define GB_FC_UNOPS(X)                                                      \
    X(0x00, I32_TRUNC_SAT_F32_S, F32, I32, gb_i32_trunc_sat_f32_s(A32))     \
    X(0x01, I32_TRUNC_SAT_F32_U, F32, I32, gb_i32_trunc_sat_f32_u(A32))     \
    X(0x02, I32_TRUNC_SAT_F64_S, F64, I32, gb_i32_trunc_sat_f64_s(a))       \
    X(0x03, I32_TRUNC_SAT_F64_U, F64, I32, gb_i32_trunc_sat_f64_u(a))       \
    X(0x04, I64_TRUNC_SAT_F32_S, F32, I64, gb_i64_trunc_sat_f32_s(A32))     \
    X(0x05, I64_TRUNC_SAT_F32_U, F32, I64, gb_i64_trunc_sat_f32_u(A32))     \
    X(0x06, I64_TRUNC_SAT_F64_S, F64, I64, gb_i64_trunc_sat_f64_s(a))       \
    X(0x07, I64_TRUNC_SAT_F64_U, F64, I64, gb_i64_trunc_sat_f64_u(a))

#define GB_BINOPS(X)                                                        \
    X(0x46, I32_EQ, I32, I32, A32 == B32)                                   \
    X(0x47, I32_NE, I32, I32, A32 != B32)                                   \
    X(0x48, I32_LT_S, I32, I32, AS32 < BS32)                                \
    X(0x49, I32_LT_U, I32, I32, A32 < B32)                                  \
    X(0x4A, I32_GT_S, I32, I32, AS32 > BS32)                                \
    X(0x4B, I32_GT_U, I32, I32, A32 > B32)                                  \
    X(0x4C, I32_LE_S, I32, I32, AS32 <= BS32)                               \
    X(0x4D, I32_LE_U, I32, I32, A32 <= B32)                                 \
    X(0x4E, I32_GE_S, I32, I32, AS32 >= BS32)                               \
    X(0x4F, I32_GE_U, I32, I32, A32 >= B32)                                 \
    X(0x51, I64_EQ, I64, I32, a == b)                                       \
    X(0x52, I64_NE, I64, I32, a != b)                                       \
    X(0x53, I64_LT_S, I64, I32, AS64 < BS64)                                \
    X(0x54, I64_LT_U, I64, I32, a < b)                                      \
    X(0x55, I64_GT_S, I64, I32, AS64 > BS64)                                \
    X(0x56, I64_GT_U, I64, I32, a > b)                                      \
    X(0x57, I64_LE_S, I64, I32, AS64 <= BS64)                               \
    X(0x58, I64_LE_U, I64, I32, a <= b)                                     \
    X(0x59, I64_GE_S, I64, I32, AS64 >= BS64)                               \
    X(0x5A, I64_GE_U, I64, I32, a >= b)                                     \
    X(0x5B, F32_EQ, F32, I32, gb_f32_eq(A32, B32))                          \
    X(0x5C, F32_NE, F32, I32, gb_f32_ne(A32, B32))                          \
    X(0x5D, F32_LT, F32, I32, gb_f32_lt(A32, B32))                          \
    X(0x5E, F32_GT, F32, I32, gb_f32_gt(A32, B32))                          \
    X(0x5F, F32_LE, F32, I32, gb_f32_le(A32, B32))                          \
    X(0x60, F32_GE, F32, I32, gb_f32_ge(A32, B32))                          \
    X(0x61, F64_EQ, F64, I32, gb_f64_eq(a, b))                              \
    X(0x62, F64_NE, F64, I32, gb_f64_ne(a, b))                              \
    X(0x63, F64_LT, F64, I32, gb_f64_lt(a, b))                              \
    X(0x64, F64_GT, F64, I32, gb_f64_gt(a, b))                              \
    X(0x65, F64_LE, F64, I32, gb_f64_le(a, b))                              \
    X(0x66, F64_GE, F64, I32, gb_f64_ge(a, b))                              \
    X(0x6A, I32_ADD, I32, I32, A32 + B32)                                   \
    X(0x6B, I32_SUB, I32, I32, A32 - B32)                                   \
    X(0x6C, I32_MUL, I32, I32, A32 * B32)                                   \
    X(0x6D, I32_DIV_S, I32, I32, GB_TRY32(gb_i32_div_s))                    \
    X(0x6E, I32_DIV_U, I32, I32, GB_TRY32(gb_i32_div_u))                    \
    X(0x6F, I32_REM_S, I32, I32, GB_TRY32(gb_i32_rem_s))                    \
    X(0x70, I32_REM_U, I32, I32, GB_TRY32(gb_i32_rem_u))                    \
    X(0x71, I32_AND, I32, I32, A32 & B32)                                   \
    X(0x72, I32_OR, I32, I32, A32 | B32)                                    \
    X(0x73, I32_XOR, I32, I32, A32 ^ B32)                                   \
    X(0x74, I32_SHL, I32, I32, A32 << (B32 & 31))                           \
    X(0x75, I32_SHR_S, I32, I32, gb_i32_shr_s(A32, B32))                    \
    X(0x76, I32_SHR_U, I32, I32, A32 >> (B32 & 31))                         \
    X(0x77, I32_ROTL, I32, I32, gb_i32_rotl(A32, B32))                      \
    X(0x78, I32_ROTR, I32, I32, gb_i32_rotr(A32, B32))                      \
    X(0x7C, I64_ADD, I64, I64, a + b)                                       \
    X(0x7D, I64_SUB, I64, I64, a - b)                                       \
    X(0x7E, I64_MUL, I64, I64, a * b)                                       \
    X(0x7F, I64_DIV_S, I64, I64, GB_TRY64(gb_i64_div_s))                    \
    X(0x80, I64_DIV_U, I64, I64, GB_TRY64(gb_i64_div_u))                    \
    X(0x81, I64_REM_S, I64, I64, GB_TRY64(gb_i64_rem_s))                    \
    X(0x82, I64_REM_U, I64, I64, GB_TRY64(gb_i64_rem_u))                    \
    X(0x83, I64_AND, I64, I64, a & b)                                       \
    X(0x84, I64_OR, I64, I64, a | b)                                        \
    X(0x85, I64_XOR, I64, I64, a ^ b)                                       \
    X(0x86, I64_SHL, I64, I64, a << (b & 63))                               \
    X(0x87, I64_SHR_S, I64, I64, gb_i64_shr_s(a, b))                        \
    X(0x88, I64_SHR_U, I64, I64, a >> (b & 63))                             \
    X(0x89, I64_ROTL, I64, I64, gb_i64_rotl(a, b))                          \
    X(0x8A, I64_ROTR, I64, I64, gb_i64_rotr(a, b))                          \
    X(0x92, F32_ADD, F32, F32, gb_f32_add(A32, B32))                        \
    X(0x93, F32_SUB, F32, F32, gb_f32_sub(A32, B32))                        \
    X(0x94, F32_MUL, F32, F32, gb_f32_mul(A32, B32))                        \
    X(0x95, F32_DIV, F32, F32, gb_f32_div(A32, B32))                        \
    X(0x96, F32_MIN, F32, F32, gb_f32_min(A32, B32))                        \
    X(0x97, F32_MAX, F32, F32, gb_f32_max(A32, B32))                        \
    X(0x98, F32_COPYSIGN, F32, F32, gb_f32_copysign(A32, B32))              \
    X(0xA0, F64_ADD, F64, F64, gb_f64_add(a, b))                            \
    X(0xA1, F64_SUB, F64, F64, gb_f64_sub(a, b))                            \
    X(0xA2, F64_MUL, F64, F64, gb_f64_mul(a, b))                            \
    X(0xA3, F64_DIV, F64, F64, gb_f64_div(a, b))                            \
    X(0xA4, F64_MIN, F64, F64, gb_f64_min(a, b))                            \
    X(0xA5, F64_MAX, F64, F64, gb_f64_max(a, b))                            \
    X(0xA6, F64_COPYSIGN, F64, F64, gb_f64_copysign(a, b))

/* The memory instructions: X(opcode, NAME, IR op, value type, access
 * bytes, natural alignment log2).  Loads first, then stores. */
#define GB_LOADS(X)                                                         \
    X(0x28, I32_LOAD, LD32, I32, 4, 2)                                      \
    X(0x29, I64_LOAD, LD64, I64, 8, 3)                                      \
    X(0x2A, F32_LOAD, LD32, F32, 4, 2)                                      \
    X(0x2B, F64_LOAD, LD64, F64, 8, 3)                                      \
    X(0x2C, I32_LOAD8_S, LD8S_32, I32, 1, 0)                                \
    X(0x2D, I32_LOAD8_U, LD8U, I32, 1, 0)                                   \
    X(0x2E, I32_LOAD16_S, LD16S_32, I32, 2, 1)                              \
    X(0x2F, I32_LOAD16_U, LD16U, I32, 2, 1)                                 \
    X(0x30, I64_LOAD8_S, LD8S_64, I64, 1, 0)                                \
    X(0x31, I64_LOAD8_U, LD8U, I64, 1, 0)                                   \
    X(0x32, I64_LOAD16_S, LD16S_64, I64, 2, 1)                              \
    X(0x33, I64_LOAD16_U, LD16U, I64, 2, 1)                                 \
    X(0x34, I64_LOAD32_S, LD32S_64, I64, 4, 2)                              \
    X(0x35, I64_LOAD32_U, LD32, I64, 4, 2)

#define GB_STORES(X)                                                        \
    X(0x36, I32_STORE, ST32, I32, 4, 2)                                     \
    X(0x37, I64_STORE, ST64, I64, 8, 3)                                     \
    X(0x38, F32_STORE, ST32, F32, 4, 2)                                     \
    X(0x39, F64_STORE, ST64, F64, 8, 3)                                     \
    X(0x3A, I32_STORE8, ST8, I32, 1, 0)                                     \
    X(0x3B, I32_STORE16, ST16, I32, 2, 1)                                   \
    X(0x3C, I64_STORE8, ST8, I64, 1, 0)                                     \
    X(0x3D, I64_STORE16, ST16, I64, 2, 1)                                   \
    X(0x3E, I64_STORE32, ST32, I64, 4, 2)

/* The named opcodes: GB_OP_NAME is the opcode byte, or the sub-opcode
 * of a 0xFC-prefixed instruction. */
enum {
#define GB_OP_ROW_(opc, name, ...) GB_OP_##name = opc,
    GB_OPS(GB_OP_ROW_) GB_FC_OPS(GB_OP_ROW_)
    GB_UNOPS(GB_OP_ROW_) GB_BINOPS(GB_OP_ROW_) GB_FC_UNOPS(GB_OP_ROW_)
    GB_LOADS(GB_OP_ROW_) GB_STORES(GB_OP_ROW_)
#undef GB_OP_ROW_
};

/* What the rows say about one opcode (ops.c). */
typedef struct gb_opinfo {
    const char *name;   /* the row's NAME, "I32_ADD"; NULL: no such opcode */
    uint8_t imm;        /* gb_imm */
    uint8_t cls;        /* gb_opclass */
    uint32_t features;  /* GB_FEATURE_* bits it implies by itself */
} gb_opinfo;

/* The row of single-byte opcode b, and of 0xFC sub-opcode sub (an entry
 * with a NULL name when there is none). */
const gb_opinfo *gb_op_info(uint8_t b);
const gb_opinfo *gb_op_fc_info(uint32_t sub);

#endif
