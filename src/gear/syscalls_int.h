/*
 * Internals of the Gear syscalls shared by their files, not for other
 * files of src/gear/:
 *
 *   syscalls.c       memory, reading the message, the environment, ending
 *                    the run, and the registration of all 55 functions
 *   syscalls_send.c  sending, replying, creating programs
 *   syscalls_rsv.c   gas reservations and reply deposits
 *
 * It holds the helpers every syscall uses (reading and writing the
 * program's memory, the charges, the error structs: static inline, so
 * each call stays as cheap as it was in one file), the value counter, the
 * run's view of its reservations, the few functions one file defines for
 * another, and the declarations of the host functions that syscalls.c
 * registers.  How the syscalls treat pointers, gas and errors: the top of
 * syscalls.c.
 */
#ifndef GB_GEAR_SYSCALLS_INT_H
#define GB_GEAR_SYSCALLS_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gear/codes.h"
#include "gear/run.h"
#include "gear/trace.h"
#include "util/try.h"

#define NO_PTR 0xFFFFFFFFu /* the value-pointer sentinel: value 0 */

static inline gb_err stop(gb_host_ctx *ctx, gb_run *r, gb_stop why,
                          const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static inline gb_err stop(gb_host_ctx *ctx, gb_run *r, gb_stop why,
                          const char *fmt, ...)
{
    r->stop = why;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    return gb_host_trap(ctx, GB_TRAP_HOST, "%s", r->why);
}

#define AOOB GB_EXT_ACCESS_OUT_OF_BOUNDS /* 201 */

static uint8_t empty_[1];

/* The program's memory at [ptr, ptr+len), or a stop with BackendError
 * (an infallible syscall's pointer, or an error-struct pointer). */
static inline gb_err guest(gb_host_ctx *ctx, gb_run *r, uint32_t ptr,
                           uint64_t len, bool write, uint8_t **out)
{
    *out = empty_;
    if (!len)
        return GB_OK;
    if ((uint64_t)ptr + len > gb_memory_size(r->mem))
        return stop(ctx, r, GB_STOP_BACKEND,
                    "syscall argument out of bounds: %llu bytes at 0x%x",
                    (unsigned long long)len, ptr);
    *out = r->mem_data + ptr;
    /* tracked like the program's own accesses (wasm.h): the lazy-page
     * charges count the pages (process.c) */
    if (write)
        gb_memory_mark(r->mem, ptr, len);
    else
        gb_memory_mark_read(r->mem, ptr, len);
    return GB_OK;
}

/* For a fallible syscall's argument: 0 if [ptr, ptr+len) is inside the
 * program's memory (or empty), else AccessOutOfBounds (201). */
static inline uint32_t oob(const gb_run *r, uint32_t ptr, uint64_t len)
{
    return len && (uint64_t)ptr + len > gb_memory_size(r->mem) ? AOOB : 0;
}

/* Guest address ptr, after oob() said [ptr, ptr+len) is fine; the range
 * is marked read (the lazy-page charges, process.c).  len 0: a target the
 * caller writes and marks itself. */
static inline uint8_t *at(const gb_run *r, uint32_t ptr, uint64_t len)
{
    gb_memory_mark_read(r->mem, ptr, len);
    return ptr <= gb_memory_size(r->mem) ? r->mem_data + ptr
                                         : empty_;
}

/* Tell a trace recording the run (trace.h) what the gas just charged was
 * for (gb_trace_part without the GB_TRACE_ prefix). */
#define NOTE(r, part, gas)                                                  \
    do {                                                                    \
        if ((r)->p->rec)                                                    \
            gb_trace_note_charge((r)->p->rec, GB_TRACE_##part, (int64_t)(gas));  \
    } while (0)

/* The syscall's CostToken: its base cost plus its per-byte cost for bytes
 * (Vara's SyscallWeights, gas.c). */
static inline gb_err charge(gb_host_ctx *ctx, gb_run *r, uint64_t bytes)
{
    const gb_gear_costs *k = r->costs;
    gb_err e =
        gb_host_charge(ctx, k->sys[r->sc] + bytes * k->sys_per_byte[r->sc]);
    if (!e) {
        NOTE(r, BASE, k->sys[r->sc]);
        NOTE(r, PER_BYTE, bytes * k->sys_per_byte[r->sc]);
    }
    return e;
}

/* A fee Gear charges with charge_gas_if_enough inside with_changes
 * (Ext::wait*, wake, reserve_gas): running short traps (RanOutOfGas)
 * whatever follows; if the syscall then fails, the charge is undone.  So
 * a fee is first checked (fee_check), and burned (gb_host_charge) only
 * once the syscall is sure to succeed. */
static inline gb_err fee_check(gb_host_ctx *ctx, gb_run *r, uint64_t fee)
{
    gb_store *s = gb_host_store(ctx);
    if (gb_store_gas_left(s) < fee)
        return gb_host_charge(ctx, fee); /* runs out of gas */
    if (gb_store_gas_used(s) + fee > r->need) /* (journal.gas_needed) */
        r->need = gb_store_gas_used(s) + fee;
    return GB_OK;
}

static inline uint64_t per_byte(const gb_run *r)
{
    return r->costs->sys_per_byte[r->sc];
}

/* (written out, not as loops: -O2 does not unroll those, and each of a
 * run's syscalls writes an error code; these become one store) */
static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Write an error struct of size bytes: code, then body (or zeros). */
static inline gb_err put_err(gb_host_ctx *ctx, gb_run *r, uint32_t ptr,
                      uint32_t size, uint32_t code, const void *body)
{
    uint8_t *p;
    TRY_RET(guest(ctx, r, ptr, size, true, &p));
    if (r->p->rec)
        gb_trace_note_code(r->p->rec, code);
    put32(p, code);
    if (code || !body)
        memset(p + 4, 0, size - 4);
    else
        memcpy(p + 4, body, size - 4);
    return GB_OK;
}

static inline gb_err put_err_hash(gb_host_ctx *ctx, gb_run *r, uint32_t ptr,
                           uint32_t code, const gb_id *id)
{
    return put_err(ctx, r, ptr, 36, code, id ? id->b : NULL);
}

static inline gb_err put_out(gb_host_ctx *ctx, gb_run *r, uint32_t ptr,
                      const void *data, uint32_t len)
{
    uint8_t *p;
    TRY_RET(guest(ctx, r, ptr, len, true, &p));
    memcpy(p, data, len);
    return GB_OK;
}

/* A u128 value at ptr, or 0 for the sentinel u32::MAX (ReadAsOption): the
 * caller checked the range with value_oob(). */
static inline gb_u128 read_value(const gb_run *r, uint32_t ptr)
{
    return ptr == NO_PTR ? gb_u128_from(0) : gb_u128_from_le(at(r, ptr, 16));
}

static inline uint32_t value_oob(const gb_run *r, uint32_t ptr)
{
    return ptr == NO_PTR ? 0 : oob(r, ptr, 16);
}

/* A 32-byte id followed by a u128 value (gsys HashWithValue), after
 * oob(ptr, 48). */
static inline void read_hash_value(const gb_run *r, uint32_t ptr, gb_id *id,
                            gb_u128 *value)
{
    const uint8_t *p = at(r, ptr, 48);
    memcpy(id->b, p, 32);
    *value = gb_u128_from_le(p + 32);
}

#define RUN() gb_run *r = ((gb_processor *)user)->run
#define HOST(name)                                                          \
    gb_err name(gb_host_ctx *ctx, void *user, const gb_val *a,       \
                       gb_val *res)
#define UNUSED_ARGS (void)a, (void)res

static inline bool in_signal(const gb_run *r)
{
    return r->d->kind == GB_DISPATCH_SIGNAL;
}

/* What the program may still send (Gear's value counter): its balance
 * less the locked existential deposit, plus the message's value on its
 * first execution, less what it already sent or paid in this run. */
static inline gb_u128 value_available(const gb_run *r)
{
    const gb_program_view *v = r->prog;
    gb_u128 have = gb_u128_cmp(v->balance, v->locked) > 0
                       ? gb_u128_sub(v->balance, v->locked)
                       : gb_u128_from(0);
    if (!v->value_received && !gb_u128_add_to(&have, r->d->value))
        return gb_u128_from(0); /* cannot happen while value is conserved;
                                   if it did, nothing may be sent */
    return gb_u128_cmp(have, r->value_sent) > 0
               ? gb_u128_sub(have, r->value_sent)
               : gb_u128_from(0);
}

/* ValueCounter::reduce: take v from what is available, or 101. */
static inline uint32_t take_value(gb_run *r, gb_u128 v)
{
    if (gb_u128_cmp(v, value_available(r)) > 0)
        return GB_EXT_NOT_ENOUGH_VALUE;
    gb_u128_add_to(&r->value_sent, v); /* v <= have - value_sent */
    return 0;
}

typedef enum { RSV_NONE, RSV_VIEW, RSV_NEW } rsv_where;

typedef struct rsv_state {
    rsv_where where;   /* NONE: unknown, or made here and unreserved */
    uint32_t index;    /* in prog->reservations or j->reserved */
    uint64_t amount;
    bool removed;      /* a view reservation unreserved in this run */
    bool used;         /* used for a message in this run */
} rsv_state;

/* ---- defined in one file for the others -------------------------------- */

/* syscalls_rsv.c (what the run knows of its reservations); used by
 * syscalls_send.c for gr_reservation_* messages and replies. */
rsv_state gb_syscall_rsv_find(const gb_run *r, gb_id id);
/* GasReserver::limit_of: Exists or Created (used or not). */
bool gb_syscall_rsv_live(const rsv_state *st);
/* GasReserver::check_not_used: 500 unless live and unused. */
uint32_t gb_syscall_rsv_check_not_used(const rsv_state *st);
/* A reservation unreserved (used false) or used for a message (true). */
gb_err gb_syscall_rsv_note_unreserved(gb_run *r, gb_id id, uint64_t amount,
                                      bool used);

/* syscalls_send.c; used by syscalls_rsv.c for gr_reservation_send* and
 * gr_reservation_reply*. */
/* The next nonce as a handle (MessageContext::send_init). */
gb_err gb_syscall_take_nonce(gb_run *r, bool open, uint32_t *h,
                             uint32_t *code);
/* Ext::send_commit of handle h (rsv: from that reservation, else NULL),
 * the error struct written at err. */
gb_err gb_syscall_commit(gb_host_ctx *ctx, gb_run *r, uint32_t h,
                         gb_id dest, gb_u128 value, const uint8_t *extra,
                         uint32_t len, bool wgas, uint64_t gas_limit,
                         uint32_t delay, const gb_id *rsv, uint32_t err);
/* A stop with BackendError when the run is handle_signal. */
gb_err gb_syscall_forbidden_in_signal(gb_host_ctx *ctx, gb_run *r,
                                      const char *name);
/* Ext::reply_commit (rsv: from that reservation, else NULL), the error
 * struct written at err. */
gb_err gb_syscall_reply_commit(gb_host_ctx *ctx, gb_run *r,
                               const uint8_t *extra, uint32_t len,
                               gb_u128 value, bool wgas, uint64_t gas_limit,
                               const gb_id *rsv, uint32_t err);

/* ---- the host functions, registered by syscalls.c ---------------------- */

/* syscalls_send.c */
HOST(gb_sys_send);
HOST(gb_sys_send_wgas);
HOST(gb_sys_send_input);
HOST(gb_sys_send_input_wgas);
HOST(gb_sys_send_init);
HOST(gb_sys_send_push);
HOST(gb_sys_send_push_input);
HOST(gb_sys_send_commit);
HOST(gb_sys_send_commit_wgas);
HOST(gb_sys_reply);
HOST(gb_sys_reply_wgas);
HOST(gb_sys_reply_commit);
HOST(gb_sys_reply_commit_wgas);
HOST(gb_sys_reply_input);
HOST(gb_sys_reply_input_wgas);
HOST(gb_sys_reply_push);
HOST(gb_sys_reply_push_input);
HOST(gb_sys_create_program);
HOST(gb_sys_create_program_wgas);

/* syscalls_rsv.c */
HOST(gb_sys_reserve_gas);
HOST(gb_sys_unreserve_gas);
HOST(gb_sys_system_reserve_gas);
HOST(gb_sys_reservation_send);
HOST(gb_sys_reservation_send_commit);
HOST(gb_sys_reservation_reply);
HOST(gb_sys_reservation_reply_commit);
HOST(gb_sys_reply_deposit);
#endif
