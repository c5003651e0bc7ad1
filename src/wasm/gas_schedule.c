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
 * gb_wasm_config.
 */
#include "gearbox/wasm.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const gb_gas_schedule schedule = {
    .op = {
        [0 ... 255] = 1,
        [0x01] = 0,              /* nop */
        [0x0B] = 0,              /* end */
        [0x1A] = 0,              /* drop */
        [0x20] = 0,              /* local.get: folded into its consumer */
        [0x28 ... 0x3E] = 2,     /* loads, stores */
        [0x40] = 10,             /* memory.grow (plus per page) */
        [0x6D ... 0x70] = 4,     /* i32 div/rem */
        [0x7F ... 0x82] = 4,     /* i64 div/rem */
        [0x95] = 4, [0xA3] = 4,  /* float div */
        [0x91] = 4, [0x9F] = 4,  /* sqrt */
        [0x10] = 2,              /* call (plus .call) */
        [0x11] = 3,              /* call_indirect (plus .call) */
        [0x0E] = 2,              /* br_table */
    },
    .op_fc = {
        [0 ... 31] = 1,
        [8] = 5, [10] = 5, [11] = 5,  /* memory.init/copy/fill */
        [12] = 5, [14] = 5, [17] = 5, /* table.init/copy/fill */
        [15] = 10,                    /* table.grow */
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
