/*
 * What a Gear run is charged, derived from Vara's schedule (gas_vara.c,
 * generated from gear's schedule.rs; docs/gas.md says what is charged when).
 *
 * gb_gear_costs_get() returns one immutable table, built on first use from
 * gb_vara_schedule_default: the engine's per-instruction schedule (with
 * Gear's metered blocks, compile.c), the syscalls' base and per-byte costs,
 * the lazy-page costs, the precharge costs and the fees.  The pointer is
 * valid for the life of the process and may be shared by any threads.
 */
#ifndef GB_GEAR_GAS_H
#define GB_GEAR_GAS_H

#include <stdint.h>

#include "gear/gas_vara.h"
#include "gear/syscalls_table.h"
#include "gearbox/wasm.h"

/* Vara's BlockGasLimit: 75% of 3000/3 ms of ref_time, in picoseconds. */
#define GB_GEAR_BLOCK_GAS_LIMIT 750000000000ull

/* Vara's GasMultiplier::ValuePerGas: one gas costs 100 units of value
 * (vara/runtime/common/src/lib.rs:66, VALUE_PER_GAS). */
#define GB_GEAR_VALUE_PER_GAS 100u

typedef struct gb_gear_costs {
    gb_gas_schedule engine;        /* instruction weights, gas_charge */
    uint64_t gas_charge;           /* the overhead of one gas_charge call */
    uint64_t entry_thunk;          /* the stack limiter's thunk around an
                                      entry export: one metered block */
    uint64_t sys[GB_SYS_COUNT];    /* base cost of each syscall */
    uint64_t sys_per_byte[GB_SYS_COUNT];
    uint64_t create_salt_per_byte, create_wgas_salt_per_byte;
    uint64_t free_range_per_page;
    uint64_t mem_grow, mem_grow_per_page;
    /* lazy pages, per 16 KiB page on first access (LazyPagesCosts) */
    uint64_t signal_read, signal_write, signal_write_after_read;
    uint64_t host_read, host_write, host_write_after_read;
    uint64_t load_page_data;
    /* precharge (protocol/processor/src/precharge.rs) */
    uint64_t db_read, db_read_per_byte, db_write, db_write_per_byte;
    uint64_t load_allocations_per_interval;
    uint64_t inst_code, inst_data, inst_global, inst_table, inst_element,
        inst_type;                 /* instantiation, per section byte */
    /* fees (protocol/processor/src/processing.rs) */
    uint64_t sending_fee, delayed_sending_fee, waiting_fee, waking_fee,
        reservation_fee;
    /* rent: gas per block in the waitlist (RentWeights), and the blocks a
     * hold is paid beyond its expected end (Vara's ReserveThreshold,
     * vara/runtime/vara/src/lib.rs; GB_GEAR_RESERVE_FOR) */
    uint64_t waitlist_rent, reserve_for;
    uint64_t reservation_rent;     /* gas per block a reservation is held */
} gb_gear_costs;

/* Vara's ReserveThreshold (CostsPerBlock::reserve_for): a hold's task
 * may run this many blocks late, and is paid for them. */
#define GB_GEAR_RESERVE_FOR 1u

const gb_gear_costs *gb_gear_costs_get(void);

#endif
