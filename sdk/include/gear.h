/*
 * gear.h — the gearbox C SDK: write Gear-protocol actor programs in C.
 *
 * A program is a WebAssembly module that imports its memory and the Gear
 * syscalls from module "env" and exports some of the entry points
 *
 *     init          runs once, for the message that creates the program
 *     handle        runs for every ordinary message
 *     handle_reply  runs for every reply to a message the program sent
 *     handle_signal runs for system signals (rarely needed)
 *     state         read-only query: reply with (a view of) the state
 *
 * each of type void(void): mark them with GEAR_EXPORT(name).  The input
 * message is read with gr_read / gear_msg_read_all, output goes out with
 * gr_reply* / gr_send* / the helpers below.
 *
 * Only memory persists between messages: C globals and static variables
 * (.data/.bss) and everything malloc'ed keep their values, wasm globals
 * (the stack pointer) and the stack do not.  A run that traps or panics
 * changes nothing.
 *
 * Build (see sdk/bin/gear-cc and docs/sdk.md):
 *     sdk/bin/gear-cc -o prog.wasm prog.c
 * which is clang --target=wasm32 -O2 -ffreestanding -nostdlib, wasm-ld with
 * --import-memory --no-entry --stack-first -z stack-size=65536, then the
 * __stack_pointer export is renamed __gear_stack_end.
 *
 * The syscall declarations follow ../../../shared/GEAR-ABI.md §3 (the
 * current Gear ABI, gear-tech/gear sdk/gsys/src/lib.rs) exactly: every
 * pointer/length/count is an i32 and every gas amount an i64.  No floating
 * point anywhere: Gear rejects modules that use it.
 */
#ifndef GEAR_H
#define GEAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(__wasm32__)
#error "gear.h is for programs compiled with clang --target=wasm32"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Attributes
 * ------------------------------------------------------------------------- */

/* Declares a function imported from module "env" under NAME. */
#define GEAR_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

/* Marks an entry point: GEAR_EXPORT(handle) void handle(void) { ... } */
#define GEAR_EXPORT(name) __attribute__((export_name(#name), used))

#define GEAR_NORETURN _Noreturn

/* ---------------------------------------------------------------------------
 * Types passed through memory (GEAR-ABI.md §4; gsys #[repr(C)] structs).
 * All little-endian.  Sizes are checked by the static_asserts below.
 * ------------------------------------------------------------------------- */

/* A 32-byte id: ActorId, MessageId, CodeId, ReservationId (gsys Hash). */
typedef struct gear_hash {
    uint8_t bytes[32];
} gear_hash_t;

typedef gear_hash_t gear_actor_id_t;       /* program or user */
typedef gear_hash_t gear_message_id_t;
typedef gear_hash_t gear_code_id_t;
typedef gear_hash_t gear_reservation_id_t;

/* A u128 token amount (gsys Value), as two little-endian u64 halves. */
typedef struct gear_u128 {
    uint64_t lo;
    uint64_t hi;
} gear_u128_t;

/* gsys HashWithValue: destination / code id / reservation id + value. */
typedef struct gear_hash_with_value {
    gear_hash_t hash; /* @0 */
    gear_u128_t value; /* @32 */
} gear_hash_with_value_t;

/* gsys TwoHashesWithValue: (reservation id, destination, value). */
typedef struct gear_two_hashes_with_value {
    gear_hash_t hash1; /* @0  reservation id */
    gear_hash_t hash2; /* @32 destination */
    gear_u128_t value; /* @64 */
} gear_two_hashes_with_value_t;

/* gsys TwoHashes. */
typedef struct gear_two_hashes {
    gear_hash_t hash1;
    gear_hash_t hash2;
} gear_two_hashes_t;

/*
 * Error structs of the fallible syscalls.  The host always writes the whole
 * struct: error_code == 0 and the payload on success; a GEAR_ERR_* code and
 * zeroes on failure.
 */
typedef uint32_t gear_error_code_t; /* plain `err*` (gsys ErrorBytes) */

typedef struct gear_error_with_hash { /* gsys ErrorWithHash */
    uint32_t error_code; /* @0 */
    gear_hash_t hash;    /* @4: message id / reservation id */
} gear_error_with_hash_t;

typedef struct gear_error_with_two_hashes { /* gsys ErrorWithTwoHashes */
    uint32_t error_code; /* @0 */
    gear_hash_t hash1;   /* @4:  message id (the init message) */
    gear_hash_t hash2;   /* @36: program id */
} gear_error_with_two_hashes_t;

typedef struct gear_error_with_reply_code { /* gsys ErrorWithReplyCode */
    uint32_t error_code;  /* @0 */
    uint8_t reply_code[4]; /* @4: see GEAR_REPLY_* below */
} gear_error_with_reply_code_t;

typedef struct gear_error_with_signal_code { /* gsys ErrorWithSignalCode */
    uint32_t error_code;  /* @0 */
    uint32_t signal_code; /* @4: GEAR_SIGNAL_* */
} gear_error_with_signal_code_t;

typedef struct __attribute__((packed)) gear_error_with_gas { /* gsys ErrorWithGas, packed */
    uint32_t error_code; /* @0 */
    uint64_t gas;        /* @4 */
} gear_error_with_gas_t;

typedef struct gear_error_with_handle { /* gsys ErrorWithHandle */
    uint32_t error_code; /* @0 */
    uint32_t handle;     /* @4: gr_send_init handle */
} gear_error_with_handle_t;

typedef struct gear_block_number_with_hash { /* gsys BlockNumberWithHash */
    uint32_t bn;      /* @0 */
    gear_hash_t hash; /* @4 */
} gear_block_number_with_hash_t;

/* gsys EnvVars, version 1, packed (gr_env_vars(1, &vars)). */
typedef struct __attribute__((packed)) gear_env_vars_v1 {
    uint32_t performance_multiplier; /* @0  percent */
    gear_u128_t existential_deposit; /* @4 */
    uint64_t mailbox_threshold;      /* @20 */
    uint64_t gas_per_value;          /* @28 gas_multiplier.gas_per_value */
    gear_u128_t value_per_gas;       /* @36 gas_multiplier.value_per_gas */
} gear_env_vars_v1_t;

_Static_assert(sizeof(gear_hash_t) == 32, "Hash");
_Static_assert(sizeof(gear_u128_t) == 16, "Value");
_Static_assert(sizeof(gear_hash_with_value_t) == 48, "HashWithValue");
_Static_assert(offsetof(gear_hash_with_value_t, value) == 32, "HashWithValue.value");
_Static_assert(sizeof(gear_two_hashes_with_value_t) == 80, "TwoHashesWithValue");
_Static_assert(offsetof(gear_two_hashes_with_value_t, value) == 64, "TwoHashesWithValue.value");
_Static_assert(sizeof(gear_two_hashes_t) == 64, "TwoHashes");
_Static_assert(sizeof(gear_error_with_hash_t) == 36, "ErrorWithHash");
_Static_assert(offsetof(gear_error_with_hash_t, hash) == 4, "ErrorWithHash.hash");
_Static_assert(sizeof(gear_error_with_two_hashes_t) == 68, "ErrorWithTwoHashes");
_Static_assert(offsetof(gear_error_with_two_hashes_t, hash2) == 36, "ErrorWithTwoHashes.hash2");
_Static_assert(sizeof(gear_error_with_reply_code_t) == 8, "ErrorWithReplyCode");
_Static_assert(sizeof(gear_error_with_signal_code_t) == 8, "ErrorWithSignalCode");
_Static_assert(sizeof(gear_error_with_gas_t) == 12, "ErrorWithGas");
_Static_assert(offsetof(gear_error_with_gas_t, gas) == 4, "ErrorWithGas.gas");
_Static_assert(sizeof(gear_error_with_handle_t) == 8, "ErrorWithHandle");
_Static_assert(sizeof(gear_block_number_with_hash_t) == 36, "BlockNumberWithHash");
_Static_assert(sizeof(gear_env_vars_v1_t) == 52, "EnvVars v1");
_Static_assert(offsetof(gear_env_vars_v1_t, mailbox_threshold) == 20, "EnvVars.mailbox_threshold");
_Static_assert(offsetof(gear_env_vars_v1_t, gas_per_value) == 28, "EnvVars.gas_per_value");
_Static_assert(offsetof(gear_env_vars_v1_t, value_per_gas) == 36, "EnvVars.value_per_gas");

/* ---------------------------------------------------------------------------
 * Constants
 * ------------------------------------------------------------------------- */

#define GEAR_WASM_PAGE_SIZE 65536u /* alloc/free count these */
#define GEAR_PAGE_SIZE 16384u      /* persistence granularity */

/* Returned by `alloc` when no pages can be allocated. */
#define GEAR_ALLOC_FAILED 0xFFFFFFFFu

/*
 * The `value*` argument of gr_reply, gr_reply_wgas, gr_reply_commit(_wgas),
 * gr_reply_input(_wgas) may be this sentinel: value 0, memory not read.
 * (Send/create syscalls have no sentinel: they always read 48/80 bytes.)
 */
#define GEAR_NO_VALUE ((const gear_u128_t *)(uintptr_t)0xFFFFFFFFu)

/* The most a program may send in one message (payload_len limit). */
#define GEAR_MAX_PAYLOAD 8388608u

/* Error codes written into error structs (GEAR-ABI.md §5, ExtError::to_u32). */
enum {
    GEAR_OK = 0,
    GEAR_ERR_NOT_ENOUGH_GAS = 100,
    GEAR_ERR_NOT_ENOUGH_VALUE = 101,
    GEAR_ERR_TOO_BIG_READ_LEN = 103,
    GEAR_ERR_READ_WRONG_RANGE = 104,
    GEAR_ERR_NO_REPLY_CONTEXT = 105,
    GEAR_ERR_NO_SIGNAL_CONTEXT = 106,
    GEAR_ERR_NO_STATUS_CODE_CONTEXT = 107,
    GEAR_ERR_INCORRECT_ENTRY_FOR_REPLY = 108,
    GEAR_ERR_RUNTIME_ALLOC_OUT_OF_BOUNDS = 200,
    GEAR_ERR_ACCESS_OUT_OF_BOUNDS = 201,
    GEAR_ERR_MAX_MESSAGE_SIZE_EXCEED = 300,
    GEAR_ERR_OUTGOING_MESSAGES_AMOUNT_LIMIT_EXCEEDED = 301,
    GEAR_ERR_DUPLICATE_REPLY = 302,
    GEAR_ERR_DUPLICATE_WAKING = 303,
    GEAR_ERR_LATE_ACCESS = 304,
    GEAR_ERR_OUT_OF_BOUNDS = 305,
    GEAR_ERR_DUPLICATE_INIT = 306,
    GEAR_ERR_INSUFFICIENT_VALUE = 307,
    GEAR_ERR_INSUFFICIENT_GAS_LIMIT = 308,
    GEAR_ERR_DUPLICATE_REPLY_DEPOSIT = 309,
    GEAR_ERR_INCORRECT_MESSAGE_FOR_REPLY_DEPOSIT = 310,
    GEAR_ERR_OUTGOING_MESSAGES_BYTES_LIMIT_EXCEEDED = 311,
    GEAR_ERR_OUT_OF_BOUNDS_INPUT_SLICE_OFFSET = 312,
    GEAR_ERR_OUT_OF_BOUNDS_INPUT_SLICE_LENGTH = 313,
    GEAR_ERR_INSUFFICIENT_GAS_FOR_DELAYED_SENDING = 399,
    GEAR_ERR_INVALID_RESERVATION_ID = 500,
    GEAR_ERR_RESERVATIONS_LIMIT_REACHED = 501,
    GEAR_ERR_ZERO_RESERVATION_DURATION = 502,
    GEAR_ERR_ZERO_RESERVATION_AMOUNT = 503,
    GEAR_ERR_RESERVATION_BELOW_MAILBOX_THRESHOLD = 504,
};
#define GEAR_ERR_UNSUPPORTED 0xFFFFFFFFu

/*
 * Reply codes (4 bytes, gr_reply_code in handle_reply; GEAR-ABI.md §6),
 * packed little-endian into a uint32_t: byte 0 is the low byte.
 */
#define GEAR_REPLY_CODE(b0, b1, b2, b3) \
    ((uint32_t)(b0) | (uint32_t)(b1) << 8 | (uint32_t)(b2) << 16 | (uint32_t)(b3) << 24)
#define GEAR_REPLY_SUCCESS_AUTO GEAR_REPLY_CODE(0, 0, 0, 0)
#define GEAR_REPLY_SUCCESS_MANUAL GEAR_REPLY_CODE(0, 1, 0, 0)
#define GEAR_REPLY_ERR_RAN_OUT_OF_GAS GEAR_REPLY_CODE(1, 0, 0, 0)
#define GEAR_REPLY_ERR_MEMORY_OVERFLOW GEAR_REPLY_CODE(1, 0, 1, 0)
#define GEAR_REPLY_ERR_BACKEND_ERROR GEAR_REPLY_CODE(1, 0, 2, 0)
#define GEAR_REPLY_ERR_USERSPACE_PANIC GEAR_REPLY_CODE(1, 0, 3, 0)
#define GEAR_REPLY_ERR_UNREACHABLE GEAR_REPLY_CODE(1, 0, 4, 0)
#define GEAR_REPLY_ERR_STACK_LIMIT_EXCEEDED GEAR_REPLY_CODE(1, 0, 5, 0)
#define GEAR_REPLY_ERR_PROGRAM_EXITED GEAR_REPLY_CODE(1, 2, 0, 0)
#define GEAR_REPLY_ERR_INITIALIZATION_FAILURE GEAR_REPLY_CODE(1, 2, 1, 0)
#define GEAR_REPLY_ERR_UNINITIALIZED GEAR_REPLY_CODE(1, 2, 2, 0)
#define GEAR_REPLY_ERR_PROGRAM_NOT_CREATED GEAR_REPLY_CODE(1, 2, 3, 0)
#define GEAR_REPLY_ERR_REINSTRUMENTATION_FAILURE GEAR_REPLY_CODE(1, 2, 4, 0)
#define GEAR_REPLY_ERR_REMOVED_FROM_WAITLIST GEAR_REPLY_CODE(1, 3, 0, 0)

/* Signal codes (gr_signal_code in handle_signal). */
enum {
    GEAR_SIGNAL_USERSPACE_PANIC = 100,
    GEAR_SIGNAL_RAN_OUT_OF_GAS = 101,
    GEAR_SIGNAL_BACKEND_ERROR = 102,
    GEAR_SIGNAL_MEMORY_OVERFLOW = 103,
    GEAR_SIGNAL_UNREACHABLE_INSTRUCTION = 104,
    GEAR_SIGNAL_STACK_LIMIT_EXCEEDED = 105,
    GEAR_SIGNAL_REMOVED_FROM_WAITLIST = 200,
};

/* ---------------------------------------------------------------------------
 * The syscalls (GEAR-ABI.md §3), in the order of the table.
 *
 * The three memory syscalls are imported as "alloc", "free", "free_range"
 * but named gear_sys_* in C, so that free() can be the C allocator's.
 * ------------------------------------------------------------------------- */

/* Allocate `pages` consecutive 64 KiB pages; the first page number, or
 * GEAR_ALLOC_FAILED. */
GEAR_IMPORT(alloc) uint32_t gear_sys_alloc(uint32_t pages);
/* Free one page: 0 ok, 1 error. */
GEAR_IMPORT(free) int32_t gear_sys_free(uint32_t page);
/* Free the INCLUSIVE page range start..=end: 0 ok, 1 error. */
GEAR_IMPORT(free_range) int32_t gear_sys_free_range(uint32_t start_page, uint32_t end_page);

/* Only version 1 exists; anything else traps. */
GEAR_IMPORT(gr_env_vars) void gr_env_vars(uint32_t version, gear_env_vars_v1_t *vars);
GEAR_IMPORT(gr_block_height) void gr_block_height(uint32_t *height);
GEAR_IMPORT(gr_block_timestamp) void gr_block_timestamp(uint64_t *timestamp);

/* Create a program from code id cid_value->hash, sending it value
 * cid_value->value and an init message with `payload`; err_mid_pid gets
 * (init message id, new program id). */
GEAR_IMPORT(gr_create_program)
void gr_create_program(const gear_hash_with_value_t *cid_value, const void *salt,
                       uint32_t salt_len, const void *payload, uint32_t payload_len,
                       uint32_t delay, gear_error_with_two_hashes_t *err_mid_pid);
GEAR_IMPORT(gr_create_program_wgas)
void gr_create_program_wgas(const gear_hash_with_value_t *cid_value, const void *salt,
                            uint32_t salt_len, const void *payload, uint32_t payload_len,
                            uint64_t gas_limit, uint32_t delay,
                            gear_error_with_two_hashes_t *err_mid_pid);

GEAR_IMPORT(gr_reply_deposit)
void gr_reply_deposit(const gear_message_id_t *message_id, uint64_t gas, gear_error_code_t *err);

/* Debug output; the bytes must be valid UTF-8. */
GEAR_IMPORT(gr_debug) void gr_debug(const void *ptr, uint32_t len);
/* Fail the run; the bytes become the error reply's payload. */
GEAR_IMPORT(gr_panic) GEAR_NORETURN void gr_panic(const void *ptr, uint32_t len);
/* Fail the run with reason MemoryOverflow. */
GEAR_IMPORT(gr_oom_panic) GEAR_NORETURN void gr_oom_panic(void);

/* Only in handle_reply / handle_signal (else error 105 / 106). */
GEAR_IMPORT(gr_reply_code) void gr_reply_code(gear_error_with_reply_code_t *err_code);
GEAR_IMPORT(gr_signal_code) void gr_signal_code(gear_error_with_signal_code_t *err_code);

/* Remove the program; its balance goes to `inheritor_id`. */
GEAR_IMPORT(gr_exit) GEAR_NORETURN void gr_exit(const gear_actor_id_t *inheritor_id);
GEAR_IMPORT(gr_gas_available) void gr_gas_available(uint64_t *gas);
/* End this run successfully, right now. */
GEAR_IMPORT(gr_leave) GEAR_NORETURN void gr_leave(void);
GEAR_IMPORT(gr_message_id) void gr_message_id(gear_message_id_t *mid);
GEAR_IMPORT(gr_program_id) void gr_program_id(gear_actor_id_t *pid);
GEAR_IMPORT(gr_random)
void gr_random(const gear_hash_t *subject, gear_block_number_with_hash_t *out);

/* Copy payload bytes [at, at+len) to buf. */
GEAR_IMPORT(gr_read)
void gr_read(uint32_t at, uint32_t len, void *buf, gear_error_code_t *err);

GEAR_IMPORT(gr_reply_commit_wgas)
void gr_reply_commit_wgas(uint64_t gas_limit, const gear_u128_t *value,
                          gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_reply_commit)
void gr_reply_commit(const gear_u128_t *value, gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_reply_push) void gr_reply_push(const void *ptr, uint32_t len, gear_error_code_t *err);
GEAR_IMPORT(gr_reply_push_input)
void gr_reply_push_input(uint32_t offset, uint32_t len, gear_error_code_t *err);
/* In handle_reply: the id of the message this is a reply to. */
GEAR_IMPORT(gr_reply_to) void gr_reply_to(gear_error_with_hash_t *err_mid);
/* In handle_signal: the id of the message the signal is about. */
GEAR_IMPORT(gr_signal_from) void gr_signal_from(gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_reply_input_wgas)
void gr_reply_input_wgas(uint32_t offset, uint32_t len, uint64_t gas_limit,
                         const gear_u128_t *value, gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_reply_wgas)
void gr_reply_wgas(const void *ptr, uint32_t len, uint64_t gas_limit, const gear_u128_t *value,
                   gear_error_with_hash_t *err_mid);
/* Reply to the current message (init/handle only).  value may be
 * GEAR_NO_VALUE. */
GEAR_IMPORT(gr_reply)
void gr_reply(const void *ptr, uint32_t len, const gear_u128_t *value,
              gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_reply_input)
void gr_reply_input(uint32_t offset, uint32_t len, const gear_u128_t *value,
                    gear_error_with_hash_t *err_mid);

GEAR_IMPORT(gr_reservation_reply_commit)
void gr_reservation_reply_commit(const gear_hash_with_value_t *rid_value,
                                 gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_reservation_reply)
void gr_reservation_reply(const gear_hash_with_value_t *rid_value, const void *ptr, uint32_t len,
                          gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_reservation_send_commit)
void gr_reservation_send_commit(uint32_t handle, const gear_two_hashes_with_value_t *rid_pid_value,
                                uint32_t delay, gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_reservation_send)
void gr_reservation_send(const gear_two_hashes_with_value_t *rid_pid_value, const void *ptr,
                         uint32_t len, uint32_t delay, gear_error_with_hash_t *err_mid);
/* err_rid->hash = the reservation id. */
GEAR_IMPORT(gr_reserve_gas)
void gr_reserve_gas(uint64_t gas, uint32_t duration, gear_error_with_hash_t *err_rid);

GEAR_IMPORT(gr_send_commit_wgas)
void gr_send_commit_wgas(uint32_t handle, const gear_hash_with_value_t *pid_value,
                         uint64_t gas_limit, uint32_t delay, gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_send_commit)
void gr_send_commit(uint32_t handle, const gear_hash_with_value_t *pid_value, uint32_t delay,
                    gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_send_init) void gr_send_init(gear_error_with_handle_t *err_handle);
GEAR_IMPORT(gr_send_push)
void gr_send_push(uint32_t handle, const void *ptr, uint32_t len, gear_error_code_t *err);
GEAR_IMPORT(gr_send_push_input)
void gr_send_push_input(uint32_t handle, uint32_t offset, uint32_t len, gear_error_code_t *err);
GEAR_IMPORT(gr_send_input_wgas)
void gr_send_input_wgas(const gear_hash_with_value_t *pid_value, uint32_t offset, uint32_t len,
                        uint64_t gas_limit, uint32_t delay, gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_send_wgas)
void gr_send_wgas(const gear_hash_with_value_t *pid_value, const void *ptr, uint32_t len,
                  uint64_t gas_limit, uint32_t delay, gear_error_with_hash_t *err_mid);
/* Send `len` bytes to pid_value->hash with value pid_value->value, `delay`
 * blocks from now (0 = now). */
GEAR_IMPORT(gr_send)
void gr_send(const gear_hash_with_value_t *pid_value, const void *ptr, uint32_t len,
             uint32_t delay, gear_error_with_hash_t *err_mid);
GEAR_IMPORT(gr_send_input)
void gr_send_input(const gear_hash_with_value_t *pid_value, uint32_t offset, uint32_t len,
                   uint32_t delay, gear_error_with_hash_t *err_mid);

/* The payload length of the current message. */
GEAR_IMPORT(gr_size) void gr_size(uint32_t *len);
/* The sender of the current message (not in handle_signal). */
GEAR_IMPORT(gr_source) void gr_source(gear_actor_id_t *pid);
GEAR_IMPORT(gr_system_reserve_gas) void gr_system_reserve_gas(uint64_t gas, gear_error_code_t *err);
GEAR_IMPORT(gr_unreserve_gas)
void gr_unreserve_gas(const gear_reservation_id_t *reservation_id,
                      gear_error_with_gas_t *err_unreserved);
GEAR_IMPORT(gr_value_available) void gr_value_available(gear_u128_t *value);
/* The value attached to the current message. */
GEAR_IMPORT(gr_value) void gr_value(gear_u128_t *value);

/* Park the current message in the waitlist; the run ends (successfully)
 * here.  gr_wake re-runs its entry point from the start.  Not allowed after
 * the message was replied to.  gr_wait_for(0) traps. */
GEAR_IMPORT(gr_wait_for) GEAR_NORETURN void gr_wait_for(uint32_t duration);
GEAR_IMPORT(gr_wait_up_to) GEAR_NORETURN void gr_wait_up_to(uint32_t duration);
GEAR_IMPORT(gr_wait) GEAR_NORETURN void gr_wait(void);
/* Wake a waiting message `delay` blocks from now. */
GEAR_IMPORT(gr_wake)
void gr_wake(const gear_message_id_t *message_id, uint32_t delay, gear_error_code_t *err);

/* ---------------------------------------------------------------------------
 * Values and ids
 * ------------------------------------------------------------------------- */

static inline gear_u128_t gear_u128(uint64_t lo)
{
    gear_u128_t v = {lo, 0};
    return v;
}
static inline bool gear_u128_is_zero(gear_u128_t v) { return (v.lo | v.hi) == 0; }
static inline bool gear_u128_eq(gear_u128_t a, gear_u128_t b) { return a.lo == b.lo && a.hi == b.hi; }
static inline bool gear_u128_lt(gear_u128_t a, gear_u128_t b)
{
    return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}
/* a + b; sets *overflow when the sum does not fit (wraps). */
static inline gear_u128_t gear_u128_add(gear_u128_t a, gear_u128_t b, bool *overflow)
{
    gear_u128_t r;
    r.lo = a.lo + b.lo;
    uint64_t carry = r.lo < a.lo;
    r.hi = a.hi + b.hi + carry;
    if (overflow)
        *overflow = gear_u128_lt(r, a); /* unsigned sum wraps iff r < a */
    return r;
}
/* a - b; sets *underflow when b > a (wraps). */
static inline gear_u128_t gear_u128_sub(gear_u128_t a, gear_u128_t b, bool *underflow)
{
    gear_u128_t r;
    r.lo = a.lo - b.lo;
    r.hi = a.hi - b.hi - (a.lo < b.lo);
    if (underflow)
        *underflow = gear_u128_lt(a, b);
    return r;
}

bool gear_hash_eq(const gear_hash_t *a, const gear_hash_t *b);
bool gear_hash_is_zero(const gear_hash_t *h);

/* ---------------------------------------------------------------------------
 * The current message
 * ------------------------------------------------------------------------- */

uint32_t gear_msg_size(void);
/* Copy payload bytes [at, at+len) into buf; 0 or a GEAR_ERR_* code. */
uint32_t gear_msg_read(uint32_t at, uint32_t len, void *buf);
/*
 * The whole payload in a fresh malloc'ed buffer, NUL-terminated (so a text
 * command can be used as a C string; the payload itself may contain NULs).
 * *len (if not NULL) gets the payload length.  Calls gr_oom_panic when out
 * of memory.  free() it when done (or don't: see "memory" in docs/sdk.md).
 */
uint8_t *gear_msg_read_all(uint32_t *len);
/* Copy at most cap bytes of the payload into buf; returns the number of
 * bytes copied (the payload may be longer: compare with gear_msg_size()). */
uint32_t gear_msg_read_into(void *buf, uint32_t cap);

gear_actor_id_t gear_msg_source(void);   /* gr_source */
gear_u128_t gear_msg_value(void);        /* gr_value */
gear_message_id_t gear_msg_id(void);     /* gr_message_id */
gear_actor_id_t gear_program_id(void);   /* gr_program_id: this program */
uint32_t gear_block_height(void);
uint64_t gear_block_timestamp(void);
uint64_t gear_gas_available(void);

/* In handle_reply: the id of the message replied to (0 or GEAR_ERR_*). */
uint32_t gear_reply_to(gear_message_id_t *mid);
/* In handle_reply: the 4-byte reply code as GEAR_REPLY_CODE(b0..b3); sets
 * *err (if not NULL) to 0 or GEAR_ERR_NO_REPLY_CONTEXT. */
uint32_t gear_reply_code(uint32_t *err);
/* True iff a reply code means success (first byte 0). */
static inline bool gear_reply_code_is_success(uint32_t code) { return (code & 0xFF) == 0; }

/* ---------------------------------------------------------------------------
 * Replying and sending.  Each returns 0 or a GEAR_ERR_* code; mid (if not
 * NULL) gets the id of the message sent.
 * ------------------------------------------------------------------------- */

uint32_t gear_reply_bytes(const void *data, uint32_t len);
uint32_t gear_reply_str(const char *s);
/* Reply with a value attached, and get the reply's message id. */
uint32_t gear_reply_value(const void *data, uint32_t len, gear_u128_t value,
                          gear_message_id_t *mid);
/* Reply with the decimal text of n. */
uint32_t gear_reply_u64(uint64_t n);

uint32_t gear_send_bytes(const gear_actor_id_t *dest, const void *data, uint32_t len,
                         uint32_t delay, gear_message_id_t *mid);
uint32_t gear_send_str(const gear_actor_id_t *dest, const char *s, uint32_t delay,
                       gear_message_id_t *mid);
uint32_t gear_send_bytes_wgas(const gear_actor_id_t *dest, const void *data, uint32_t len,
                              uint64_t gas_limit, uint32_t delay, gear_message_id_t *mid);
/* With a value attached (send syscalls always read the 48-byte
 * HashWithValue, so the helpers above pass value 0). */
uint32_t gear_send_value(const gear_actor_id_t *dest, const void *data, uint32_t len,
                         gear_u128_t value, uint32_t delay, gear_message_id_t *mid);

/* Fail the run; the text becomes the error reply's payload. */
GEAR_NORETURN void gear_panic_str(const char *msg);
GEAR_NORETURN void gear_panic_bytes(const void *data, uint32_t len);
/* Print a debug line (must be UTF-8). */
void gear_debug_str(const char *msg);
void gear_debug_bytes(const void *data, uint32_t len);
/* Print `msg` followed by the decimal n, e.g. gear_debug_u64("count=", c). */
void gear_debug_u64(const char *msg, uint64_t n);

/* ---------------------------------------------------------------------------
 * Text helpers (commands are often text)
 * ------------------------------------------------------------------------- */

/* Write n in decimal to buf (at least 21 bytes), NUL-terminated; returns the
 * number of digits. */
uint32_t gear_u64_to_dec(uint64_t n, char *buf);
/* Parse a decimal u64 from s[0..len): digits only, no sign, no overflow.
 * Returns false on anything else (including len == 0). */
bool gear_parse_u64(const char *s, uint32_t len, uint64_t *out);
/* Hex of a 32-byte id: 64 lowercase digits + NUL into buf[65]. */
void gear_hash_to_hex(const gear_hash_t *h, char buf[65]);
/* Parse exactly 64 hex digits (an optional "0x" prefix is skipped) into h. */
bool gear_hash_from_hex(const char *s, uint32_t len, gear_hash_t *h);
/* True iff payload[0..len) starts with the NUL-terminated prefix. */
bool gear_starts_with(const void *payload, uint32_t len, const char *prefix);

/* ---------------------------------------------------------------------------
 * Memory: a small deterministic allocator on top of `alloc`.
 *
 * First-fit over an address-ordered free list with coalescing; blocks are
 * 8-byte aligned with an 8-byte header.  When no free block fits it asks
 * `alloc` for enough 64 KiB pages (contiguous page runs merge).  Pages are
 * never given back.  Its state lives in .bss, so it persists with the rest
 * of the program's memory.  malloc returns NULL when `alloc` fails.
 * ------------------------------------------------------------------------- */

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
/* Like malloc but calls gr_oom_panic instead of returning NULL. */
void *gear_xmalloc(size_t size);

/* The C library subset clang may emit calls to. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* ---------------------------------------------------------------------------
 * Async: send a request, wait, resume when the reply arrives.
 *
 * Gear's native async works like this:
 *   1. handle() sends a request (gr_send) and waits (gear_async_wait():
 *      gr_wait_up_to(100), as gstd's runtime does): the run ends
 *      successfully, memory changes are kept, the message goes to the
 *      waitlist.
 *   2. The reply arrives later as a separate message: handle_reply() runs.
 *      It cannot reply to the original sender (error 108), but it can store
 *      the reply in memory and gr_wake() the waiting message.
 *   3. The woken message runs handle() again FROM THE START (same payload,
 *      same source, same message id).  handle() finds the state it saved in
 *      step 1, sees the reply is there, and finishes: replies, etc.
 *
 * The table below, in the program's persistent memory, links the steps: a
 * slot per outstanding request, keyed by the request's message id (what
 * gr_reply_to returns in step 2) and by the waiting message's id (what
 * gr_message_id returns in step 3).  The idiom, in handle():
 *
 *     gear_message_id_t me = gear_msg_id();
 *     gear_async_slot_t *s = gear_async_find_origin(&me);
 *     if (!s) {                                 // first run: ask, then wait
 *         gear_message_id_t req;
 *         if (gear_send_bytes(&target, data, len, 0, &req))
 *             gear_panic_str("send failed");
 *         s = gear_async_begin(&req);           // origin = current message
 *         if (!s) gear_panic_str("too many pending requests");
 *         s->tag = ...;                         // any continuation state
 *         gear_async_wait();
 *     }
 *     if (s->state != GEAR_ASYNC_DONE)          // woken by the timeout
 *         gear_async_wait();
 *     gear_reply_bytes(s->reply, s->reply_len); // resume with the reply
 *     gear_async_release(s);
 *
 * and handle_reply() is just:   gear_async_on_reply();
 *
 * gear_async_call() packages exactly this for the common one-request case.
 * A program that sends several requests per message can keep one slot per
 * request (gear_async_find_origin returns the first; iterate with
 * gear_async_slot(i) for the rest) or keep its own state keyed by origin.
 *
 * Caveats: each wait up to 100 blocks that ends without the reply costs
 * the message another run (so it waits as long as its gas lasts); gr_wait
 * after the
 * message was replied to traps; a reply that is an error (reply_code with
 * first byte 1) is still delivered to handle_reply: check s->reply_code.
 * ------------------------------------------------------------------------- */

/* The table size is fixed when the SDK runtime is compiled. */
#define GEAR_ASYNC_SLOTS 32

/* Gas gear_async_begin sets aside, as gstd's async runtime does
 * (sdk/gstd/src/async_runtime/futures.rs, config.rs): the first request of
 * a message reserves GEAR_ASYNC_SYSTEM_RESERVE gas for the program's
 * handle_signal (gr_system_reserve_gas: it comes back when the message is
 * done), and every request deposits GEAR_ASYNC_REPLY_DEPOSIT gas for its
 * reply (gr_reply_deposit: an automatic reply carries no gas of its own,
 * so without a deposit handle_reply would not run for it).  Both are taken
 * from the message's gas when it has enough (else skipped); define either
 * as 0 before compiling the runtime to turn it off. */
#ifndef GEAR_ASYNC_SYSTEM_RESERVE
#define GEAR_ASYNC_SYSTEM_RESERVE 10000000000ull
#endif
#ifndef GEAR_ASYNC_REPLY_DEPOSIT
#define GEAR_ASYNC_REPLY_DEPOSIT 2000000000ull
#endif

/* How a message waits for a reply: gr_wait_up_to(GEAR_ASYNC_WAIT_UP_TO),
 * as gstd's async runtime does (config.rs: wait_up_to 100 blocks), and
 * again when woken before the reply came.  Not a plain gr_wait(): Gear
 * locks the waitlist's rent for as long as the message's gas pays for up
 * front, out of the gas the message draws on, so a request sent without
 * a gas limit — which draws on the same gas — would have none left to
 * run on. */
#ifndef GEAR_ASYNC_WAIT_UP_TO
#define GEAR_ASYNC_WAIT_UP_TO 100u
#endif
static inline GEAR_NORETURN void gear_async_wait(void)
{
    gr_wait_up_to(GEAR_ASYNC_WAIT_UP_TO);
}

enum {
    GEAR_ASYNC_FREE = 0,    /* slot unused */
    GEAR_ASYNC_PENDING = 1, /* request sent, reply not yet here */
    GEAR_ASYNC_DONE = 2,    /* reply stored in the slot */
};

typedef struct gear_async_slot {
    uint32_t state;           /* GEAR_ASYNC_* */
    uint32_t tag;             /* free for the program: continuation state */
    gear_message_id_t sent;   /* the request's message id */
    gear_message_id_t origin; /* the message waiting for the reply */
    uint8_t *reply;           /* malloc'ed reply payload (NUL-terminated), when DONE */
    uint32_t reply_len;
    uint32_t reply_code;      /* GEAR_REPLY_CODE(...) of the reply, when DONE */
    void *user;               /* free for the program */
} gear_async_slot_t;

/* Register a request just sent (id `sent`) on behalf of the current
 * message.  NULL if the table is full. */
gear_async_slot_t *gear_async_begin(const gear_message_id_t *sent);
/* The first slot whose origin is `origin` (the woken message), or NULL. */
gear_async_slot_t *gear_async_find_origin(const gear_message_id_t *origin);
/* The slot waiting for a reply to `sent`, or NULL. */
gear_async_slot_t *gear_async_find_sent(const gear_message_id_t *sent);
/* Slot i (0 <= i < GEAR_ASYNC_SLOTS), to iterate. */
gear_async_slot_t *gear_async_slot(uint32_t i);
/*
 * For handle_reply: look up gr_reply_to, store the reply payload and code in
 * the slot, mark it DONE and gr_wake its origin.  Returns the slot, or NULL
 * if the reply is not for a pending request (then nothing happens).
 */
gear_async_slot_t *gear_async_on_reply(void);
/* Free the slot and its reply buffer. */
void gear_async_release(gear_async_slot_t *s);
/*
 * The whole idiom for one request per message: on the first run send
 * `data` to `dest` and wait (does not return); on the run after the reply,
 * return the slot with the reply.  The caller gear_async_release()s it.
 * Panics if the send fails or the table is full.
 */
gear_async_slot_t *gear_async_call(const gear_actor_id_t *dest, const void *data, uint32_t len);

#ifdef __cplusplus
}
#endif

#endif /* GEAR_H */
