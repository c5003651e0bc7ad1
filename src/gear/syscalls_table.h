/*
 * The Gear syscalls: the 55 functions a program may import from module
 * "env", with their WebAssembly signatures.
 *
 * Source: gear-tech/gear protocol/wasm-instrument/src/syscalls.rs
 * (SyscallName::{to_str, signature}) and sdk/gsys/src/lib.rs, as gathered in
 * ../shared/GEAR-ABI.md §3 and ../shared/gear-syscalls.json (this list was
 * generated from the JSON and cross-checked against the §3 table: same 55
 * names, same order, same signatures).  Every pointer, length, handle and
 * page number is i32; gas is i64; only alloc, free and free_range return a
 * value.  gr_system_break (injected by Gear's instrumentation) is not here:
 * programs may not import it.
 *
 * The list is written once, as an X-macro, and yields the enum
 * (GB_SYS_ALLOC ... GB_SYS_GR_WAKE, GB_SYS_COUNT) and the table behind
 * gb_gear_syscall_get().  Signatures are strings of binary type codes
 * ("\x7f" = i32, "\x7e" = i64), so the table is built at compile time.
 *
 * Used by the code check (src/gear/code.c) and by the processor, which
 * registers one host function per syscall.
 */
#ifndef GB_GEAR_SYSCALLS_TABLE_H
#define GB_GEAR_SYSCALLS_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "gearbox/wasm.h"

#define GB_SYS_I "\x7f" /* i32 (GB_I32) */
#define GB_SYS_L "\x7e" /* i64 (GB_I64) */

/* X(ID, "name", params, results), in the order of GEAR-ABI.md §3. */
#define GB_GEAR_SYSCALLS(X) \
    X(ALLOC, "alloc", GB_SYS_I, GB_SYS_I) \
    X(FREE, "free", GB_SYS_I, GB_SYS_I) \
    X(FREE_RANGE, "free_range", GB_SYS_I GB_SYS_I, GB_SYS_I) \
    X(GR_ENV_VARS, "gr_env_vars", GB_SYS_I GB_SYS_I, "") \
    X(GR_BLOCK_HEIGHT, "gr_block_height", GB_SYS_I, "") \
    X(GR_BLOCK_TIMESTAMP, "gr_block_timestamp", GB_SYS_I, "") \
    X(GR_CREATE_PROGRAM, "gr_create_program", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_CREATE_PROGRAM_WGAS, "gr_create_program_wgas", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_L GB_SYS_I GB_SYS_I, "") \
    X(GR_REPLY_DEPOSIT, "gr_reply_deposit", GB_SYS_I GB_SYS_L GB_SYS_I, "") \
    X(GR_DEBUG, "gr_debug", GB_SYS_I GB_SYS_I, "") \
    X(GR_PANIC, "gr_panic", GB_SYS_I GB_SYS_I, "") \
    X(GR_OOM_PANIC, "gr_oom_panic", "", "") \
    X(GR_REPLY_CODE, "gr_reply_code", GB_SYS_I, "") \
    X(GR_SIGNAL_CODE, "gr_signal_code", GB_SYS_I, "") \
    X(GR_EXIT, "gr_exit", GB_SYS_I, "") \
    X(GR_GAS_AVAILABLE, "gr_gas_available", GB_SYS_I, "") \
    X(GR_LEAVE, "gr_leave", "", "") \
    X(GR_MESSAGE_ID, "gr_message_id", GB_SYS_I, "") \
    X(GR_PROGRAM_ID, "gr_program_id", GB_SYS_I, "") \
    X(GR_RANDOM, "gr_random", GB_SYS_I GB_SYS_I, "") \
    X(GR_READ, "gr_read", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_REPLY_COMMIT_WGAS, "gr_reply_commit_wgas", GB_SYS_L GB_SYS_I GB_SYS_I, "") \
    X(GR_REPLY_COMMIT, "gr_reply_commit", GB_SYS_I GB_SYS_I, "") \
    X(GR_REPLY_PUSH, "gr_reply_push", GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_REPLY_PUSH_INPUT, "gr_reply_push_input", GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_REPLY_TO, "gr_reply_to", GB_SYS_I, "") \
    X(GR_SIGNAL_FROM, "gr_signal_from", GB_SYS_I, "") \
    X(GR_REPLY_INPUT_WGAS, "gr_reply_input_wgas", GB_SYS_I GB_SYS_I GB_SYS_L GB_SYS_I GB_SYS_I, "") \
    X(GR_REPLY_WGAS, "gr_reply_wgas", GB_SYS_I GB_SYS_I GB_SYS_L GB_SYS_I GB_SYS_I, "") \
    X(GR_REPLY, "gr_reply", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_REPLY_INPUT, "gr_reply_input", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_RESERVATION_REPLY_COMMIT, "gr_reservation_reply_commit", GB_SYS_I GB_SYS_I, "") \
    X(GR_RESERVATION_REPLY, "gr_reservation_reply", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_RESERVATION_SEND_COMMIT, "gr_reservation_send_commit", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_RESERVATION_SEND, "gr_reservation_send", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_RESERVE_GAS, "gr_reserve_gas", GB_SYS_L GB_SYS_I GB_SYS_I, "") \
    X(GR_SEND_COMMIT_WGAS, "gr_send_commit_wgas", GB_SYS_I GB_SYS_I GB_SYS_L GB_SYS_I GB_SYS_I, "") \
    X(GR_SEND_COMMIT, "gr_send_commit", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_SEND_INIT, "gr_send_init", GB_SYS_I, "") \
    X(GR_SEND_PUSH, "gr_send_push", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_SEND_PUSH_INPUT, "gr_send_push_input", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_SEND_INPUT_WGAS, "gr_send_input_wgas", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_L GB_SYS_I GB_SYS_I, "") \
    X(GR_SEND_WGAS, "gr_send_wgas", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_L GB_SYS_I GB_SYS_I, "") \
    X(GR_SEND, "gr_send", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_SEND_INPUT, "gr_send_input", GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I GB_SYS_I, "") \
    X(GR_SIZE, "gr_size", GB_SYS_I, "") \
    X(GR_SOURCE, "gr_source", GB_SYS_I, "") \
    X(GR_SYSTEM_RESERVE_GAS, "gr_system_reserve_gas", GB_SYS_L GB_SYS_I, "") \
    X(GR_UNRESERVE_GAS, "gr_unreserve_gas", GB_SYS_I GB_SYS_I, "") \
    X(GR_VALUE_AVAILABLE, "gr_value_available", GB_SYS_I, "") \
    X(GR_VALUE, "gr_value", GB_SYS_I, "") \
    X(GR_WAIT_FOR, "gr_wait_for", GB_SYS_I, "") \
    X(GR_WAIT_UP_TO, "gr_wait_up_to", GB_SYS_I, "") \
    X(GR_WAIT, "gr_wait", "", "") \
    X(GR_WAKE, "gr_wake", GB_SYS_I GB_SYS_I GB_SYS_I, "")

typedef enum gb_gear_syscall_id {
#define GB_SYS_ENUM_(id, name, params, results) GB_SYS_##id,
    GB_GEAR_SYSCALLS(GB_SYS_ENUM_)
#undef GB_SYS_ENUM_
    GB_SYS_COUNT
} gb_gear_syscall_id;

typedef struct gb_gear_syscall {
    gb_gear_syscall_id id;
    const char *name;  /* NUL-terminated, static */
    uint32_t name_len;
    gb_functype type;  /* params/results point to static storage */
} gb_gear_syscall;

/* The syscall with this id; NULL if id >= GB_SYS_COUNT.  Static storage. */
const gb_gear_syscall *gb_gear_syscall_get(gb_gear_syscall_id id);

/* The syscall named name (len bytes, not necessarily NUL-terminated), or
 * NULL if there is none.  Static storage. */
const gb_gear_syscall *gb_gear_syscall_find(const char *name, size_t len);

/* Whether t is exactly the signature of syscall s. */
int gb_gear_syscall_type_eq(const gb_gear_syscall *s, const gb_functype *t);

#endif
