/*
 * The cost schedule: what every instruction costs, in one table.
 *
 * Units are abstract gas.  The numbers follow the shape of a measured
 * schedule: simple integer operations cost 1, loads and stores 2,
 * division and remainder 4 (they are the slow integer ops on every CPU),
 * calls pay an extra fixed cost for frame set-up, and bulk memory work is
 * charged per byte so that its price follows the work done.  Floating point
 * is priced for completeness; Gear programs may not use it at all.
 *
 * Changing a number changes consensus for whoever embeds the engine with
 * the default schedule: embedders with their own prices pass a schedule in
 * gb_wasm_config.  Opcodes are named by opcodes.h (GB_OP_NAME is the byte,
 * or the 0xFC sub-opcode); the ranges are ranges of consecutive opcodes
 * there (loads then stores; div_s div_u rem_s rem_u).
 */
#include "gearbox/wasm.h"
#include "wasm/opcodes.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const gb_gas_schedule schedule = {
    .op = {
        [0 ... 255] = 1,
        [GB_OP_NOP] = 0,
        [GB_OP_END] = 0,
        [GB_OP_DROP] = 0,
        [GB_OP_LOCAL_GET] = 0, /* folded into its consumer */
        [GB_OP_I32_LOAD ... GB_OP_I64_STORE32] = 2, /* loads, stores */
        [GB_OP_MEMORY_GROW] = 10, /* plus per page */
        [GB_OP_I32_DIV_S ... GB_OP_I32_REM_U] = 4,
        [GB_OP_I64_DIV_S ... GB_OP_I64_REM_U] = 4,
        [GB_OP_F32_DIV] = 4, [GB_OP_F64_DIV] = 4,
        [GB_OP_F32_SQRT] = 4, [GB_OP_F64_SQRT] = 4,
        [GB_OP_CALL] = 2,          /* plus .call */
        [GB_OP_CALL_INDIRECT] = 3, /* plus .call */
        [GB_OP_BR_TABLE] = 2,
    },
    .op_fc = {
        [0 ... 31] = 1,
        [GB_OP_MEMORY_INIT] = 5, [GB_OP_MEMORY_COPY] = 5,
        [GB_OP_MEMORY_FILL] = 5, [GB_OP_TABLE_INIT] = 5,
        [GB_OP_TABLE_COPY] = 5, [GB_OP_TABLE_FILL] = 5,
        [GB_OP_TABLE_GROW] = 10,
    },
    .call = 8,
    .per_local = 1,
    .bulk_per_byte = 1,
    .table_per_elem = 1,
    .grow_per_page = 1000,
};
#pragma GCC diagnostic pop

const gb_gas_schedule *gb_gas_schedule_default(void)
{
    return &schedule;
}
