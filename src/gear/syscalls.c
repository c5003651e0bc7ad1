/*
 * The Gear syscalls, as host functions of the engine.
 *
 * Each function reads its arguments (pointers into the program's memory),
 * checks them the way Gear does, records effects in the run's journal and
 * writes Gear's result structs back (GEAR-ABI.md §4: a fallible call
 * always writes its whole struct, the error code first).  The order of the
 * checks, and so which error a call with several problems gets, follows
 * gear-tech/gear protocol/backend/src/funcs.rs, protocol/processor/src/
 * ext.rs and protocol/core/src/message/context.rs.
 *
 * Pointers, as Gear's backend treats them (MemoryAccessError):
 *  - an argument range of a fallible syscall (gr_send's payload, gr_read's
 *    buffer, a value or id pointer) that leaves memory makes the call fail
 *    with AccessOutOfBounds (201) in its error struct -- the run goes on;
 *  - the error-struct pointer itself, or any pointer of an infallible
 *    syscall (gr_debug, gr_exit, gr_source, ...), out of memory stops the
 *    run with BackendError (UnrecoverableMemoryError::AccessOutOfBounds);
 *  - a zero-length range is never checked.
 * A syscall used where Gear forbids it (DispatchKind::forbids) stops the
 * run with BackendError; the host never crashes.  Syscalls that end the
 * run (gr_exit, gr_wait*, gr_panic, ...) record why and return
 * GB_TRAP_HOST; process.c turns that into the outcome.
 *
 * Gas: every call costs its base weight (gas.c), plus its per-byte weight for each
 * byte it copies (process.h, gb_process_cfg); the per-byte part of the
 * *_input calls and gr_read is charged after their range checks, as in
 * Gear.  Gas given to a message (the *_wgas calls) is charged too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gear/codes.h"
#include "gear/run.h"
#include "gear/trace.h"
#include "util/hash.h"
#include "util/mem.h"
#include "util/try.h"

#define NO_PTR 0xFFFFFFFFu /* the value-pointer sentinel: value 0 */

static gb_err stop(gb_host_ctx *ctx, gb_run *r, gb_stop why, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static gb_err stop(gb_host_ctx *ctx, gb_run *r, gb_stop why, const char *fmt,
                   ...)
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
static gb_err guest(gb_host_ctx *ctx, gb_run *r, uint32_t ptr, uint64_t len,
                    bool write, uint8_t **out)
{
    *out = empty_;
    if (!len)
        return GB_OK;
    if ((uint64_t)ptr + len > gb_memory_size(r->mem))
        return stop(ctx, r, GB_STOP_BACKEND,
                    "syscall argument out of bounds: %llu bytes at 0x%x",
                    (unsigned long long)len, ptr);
    *out = gb_memory_data(r->mem) + ptr;
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
static uint32_t oob(const gb_run *r, uint32_t ptr, uint64_t len)
{
    return len && (uint64_t)ptr + len > gb_memory_size(r->mem) ? AOOB : 0;
}

/* Guest address ptr, after oob() said [ptr, ptr+len) is fine; the range
 * is marked read (the lazy-page charges, process.c).  len 0: a target the
 * caller writes and marks itself. */
static uint8_t *at(const gb_run *r, uint32_t ptr, uint64_t len)
{
    gb_memory_mark_read(r->mem, ptr, len);
    return ptr <= gb_memory_size(r->mem) ? gb_memory_data(r->mem) + ptr
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
static gb_err charge(gb_host_ctx *ctx, gb_run *r, uint64_t bytes)
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
static gb_err fee_check(gb_host_ctx *ctx, gb_run *r, uint64_t fee)
{
    gb_store *s = gb_host_store(ctx);
    if (gb_store_gas_left(s) < fee)
        return gb_host_charge(ctx, fee); /* runs out of gas */
    if (gb_store_gas_used(s) + fee > r->need) /* (journal.gas_needed) */
        r->need = gb_store_gas_used(s) + fee;
    return GB_OK;
}

static uint64_t per_byte(const gb_run *r)
{
    return r->costs->sys_per_byte[r->sc];
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Write an error struct of size bytes: code, then body (or zeros). */
static gb_err put_err(gb_host_ctx *ctx, gb_run *r, uint32_t ptr,
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

static gb_err put_err_hash(gb_host_ctx *ctx, gb_run *r, uint32_t ptr,
                           uint32_t code, const gb_id *id)
{
    return put_err(ctx, r, ptr, 36, code, id ? id->b : NULL);
}

static gb_err put_out(gb_host_ctx *ctx, gb_run *r, uint32_t ptr,
                      const void *data, uint32_t len)
{
    uint8_t *p;
    TRY_RET(guest(ctx, r, ptr, len, true, &p));
    memcpy(p, data, len);
    return GB_OK;
}

/* A u128 value at ptr, or 0 for the sentinel u32::MAX (ReadAsOption): the
 * caller checked the range with value_oob(). */
static gb_u128 read_value(const gb_run *r, uint32_t ptr)
{
    return ptr == NO_PTR ? gb_u128_from(0) : gb_u128_from_le(at(r, ptr, 16));
}

static uint32_t value_oob(const gb_run *r, uint32_t ptr)
{
    return ptr == NO_PTR ? 0 : oob(r, ptr, 16);
}

/* A 32-byte id followed by a u128 value (gsys HashWithValue), after
 * oob(ptr, 48). */
static void read_hash_value(const gb_run *r, uint32_t ptr, gb_id *id,
                            gb_u128 *value)
{
    const uint8_t *p = at(r, ptr, 48);
    memcpy(id->b, p, 32);
    *value = gb_u128_from_le(p + 32);
}

#define RUN() gb_run *r = ((gb_processor *)user)->run
#define HOST(name)                                                          \
    static gb_err name(gb_host_ctx *ctx, void *user, const gb_val *a,       \
                       gb_val *res)
#define UNUSED_ARGS (void)a, (void)res

static bool in_signal(const gb_run *r)
{
    return r->d->kind == GB_DISPATCH_SIGNAL;
}

/* ---- memory: alloc, free, free_range ----------------------------------- */

/* WasmPage::try_from: a page number must be below 65536 (4 GiB / 64 KiB);
 * free and free_range trap (TrapExplanation::Unknown) on anything else. */
#define WASM_PAGES_MAX 65536u

static bool allocated(const gb_run *r, uint32_t pg)
{
    return r->alloc[pg / 8] & (1u << (pg % 8));
}

static void set_alloc(gb_run *r, uint32_t pg, bool on)
{
    if (on)
        r->alloc[pg / 8] |= (uint8_t)(1u << (pg % 8));
    else
        r->alloc[pg / 8] &= (uint8_t)~(1u << (pg % 8));
}

/* AllocationsContext::alloc: first fit in the heap [static, max_pages);
 * alloc(0) is the heap start; no heap at all fails even for 0. */
HOST(sys_alloc)
{
    RUN();
    r->sc = GB_SYS_ALLOC;
    uint32_t n = (uint32_t)a[0];
    TRY_RET(charge(ctx, r, 0));
    uint32_t max = r->cfg->max_pages, start = r->heap_start;
    if (start >= max) {
        res[0] = 0xFFFFFFFFu;
        return GB_OK;
    }
    if (n == 0) {
        res[0] = start;
        return GB_OK;
    }
    for (uint32_t pg = start; (uint64_t)pg + n <= max; pg++) {
        uint32_t k = 0;
        while (k < n && !allocated(r, pg + k))
            k++;
        if (k < n) {
            pg += k;
            continue;
        }
        uint32_t have = (uint32_t)(gb_memory_size(r->mem) >> 16), old;
        if (pg + n > have) {
            TRY_RET(gb_host_charge(ctx, r->costs->mem_grow +
                                         (uint64_t)(pg + n - have) *
                                             r->costs->mem_grow_per_page));
            NOTE(r, MEMORY, r->costs->mem_grow + (uint64_t)(pg + n - have) *
                                                     r->costs->mem_grow_per_page);
            gb_err ge = gb_memory_grow(r->mem, pg + n - have, &old);
            if (ge == GB_NOMEM)
                return ge; /* the host's, not the program's: no result */
            if (ge)
                break;
        }
        for (uint32_t i = 0; i < n; i++)
            set_alloc(r, pg + i, true);
        res[0] = pg;
        return GB_OK;
    }
    res[0] = 0xFFFFFFFFu;
    return GB_OK;
}

HOST(sys_free)
{
    RUN();
    r->sc = GB_SYS_FREE;
    uint32_t pg = (uint32_t)a[0];
    TRY_RET(charge(ctx, r, 0));
    if (pg >= WASM_PAGES_MAX)
        return stop(ctx, r, GB_STOP_TRAP, "free: %u is not a page number", pg);
    if (pg < r->heap_start || pg >= r->cfg->max_pages || !allocated(r, pg)) {
        res[0] = 1;
        return GB_OK;
    }
    set_alloc(r, pg, false);
    res[0] = 0;
    return GB_OK;
}

/* Frees start..=end; the pages need not be allocated. */
HOST(sys_free_range)
{
    RUN();
    r->sc = GB_SYS_FREE_RANGE;
    uint32_t from = (uint32_t)a[0], to = (uint32_t)a[1];
    TRY_RET(charge(ctx, r, 0));
    if (from >= WASM_PAGES_MAX || to >= WASM_PAGES_MAX)
        return stop(ctx, r, GB_STOP_TRAP,
                    "free_range: %u..=%u are not page numbers", from, to);
    if (from > to || from < r->heap_start || to >= r->cfg->max_pages) {
        res[0] = 1;
        return GB_OK;
    }
    TRY_RET(gb_host_charge(ctx, (uint64_t)(to - from + 1) *
                                r->costs->free_range_per_page));
    NOTE(r, MEMORY, (uint64_t)(to - from + 1) * r->costs->free_range_per_page);
    for (uint32_t pg = from; pg <= to; pg++)
        set_alloc(r, pg, false);
    res[0] = 0;
    return GB_OK;
}

/* ---- reading the message ------------------------------------------------ */

/* Ext::payload_slice: overflow (103) before the per-byte charge, the range
 * (104) after it, then the buffer (201). */
HOST(sys_read)
{
    RUN();
    r->sc = GB_SYS_GR_READ;
    UNUSED_ARGS;
    uint32_t off = (uint32_t)a[0], len = (uint32_t)a[1];
    uint32_t buf = (uint32_t)a[2], err = (uint32_t)a[3];
    TRY_RET(charge(ctx, r, 0));
    uint32_t code = 0;
    if ((uint64_t)off + len > UINT32_MAX) {
        code = GB_EXT_TOO_BIG_READ_LEN;
    } else {
        TRY_RET(gb_host_charge(ctx, (uint64_t)len * per_byte(r)));
        NOTE(r, PER_BYTE, (uint64_t)len * per_byte(r));
        if (off + len > r->d->payload_len)
            code = GB_EXT_READ_WRONG_RANGE;
        else if (!(code = oob(r, buf, len)) && len) {
            memcpy(at(r, buf, 0), r->d->payload + off, len);
            gb_memory_mark(r->mem, buf, len);
        }
    }
    return put_err(ctx, r, err, 4, code, NULL);
}

/* The infallible getters of a little-endian integer (size 4 or 8). */
static gb_err out_uint(gb_host_ctx *ctx, gb_run *r, uint32_t ptr, uint64_t v,
                       uint32_t size)
{
    uint8_t b[8];
    TRY_RET(charge(ctx, r, 0));
    put64(b, v);
    return put_out(ctx, r, ptr, b, size);
}

HOST(sys_size)
{
    RUN();
    r->sc = GB_SYS_GR_SIZE;
    UNUSED_ARGS;
    return out_uint(ctx, r, (uint32_t)a[0], r->d->payload_len, 4);
}

static gb_err out_id(gb_host_ctx *ctx, gb_run *r, uint32_t ptr, gb_id id)
{
    TRY_RET(charge(ctx, r, 0));
    return put_out(ctx, r, ptr, id.b, 32);
}

HOST(sys_source)
{
    RUN();
    r->sc = GB_SYS_GR_SOURCE;
    UNUSED_ARGS;
    if (in_signal(r))
        return stop(ctx, r, GB_STOP_BACKEND, "gr_source is forbidden in handle_signal");
    return out_id(ctx, r, (uint32_t)a[0], r->d->source);
}

HOST(sys_message_id)
{
    RUN();
    r->sc = GB_SYS_GR_MESSAGE_ID;
    UNUSED_ARGS;
    return out_id(ctx, r, (uint32_t)a[0], r->d->id);
}

HOST(sys_program_id)
{
    RUN();
    r->sc = GB_SYS_GR_PROGRAM_ID;
    UNUSED_ARGS;
    return out_id(ctx, r, (uint32_t)a[0], r->d->destination);
}

static gb_err out_value(gb_host_ctx *ctx, gb_run *r, uint32_t ptr, gb_u128 v)
{
    uint8_t b[16];
    TRY_RET(charge(ctx, r, 0));
    gb_u128_to_le(v, b);
    return put_out(ctx, r, ptr, b, 16);
}

HOST(sys_value)
{
    RUN();
    r->sc = GB_SYS_GR_VALUE;
    UNUSED_ARGS;
    return out_value(ctx, r, (uint32_t)a[0], r->d->value);
}

/* What the program may still send (Gear's value counter): its balance
 * less the locked existential deposit, plus the message's value on its
 * first execution, less what it already sent or paid in this run. */
static gb_u128 value_available(const gb_run *r)
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
static uint32_t take_value(gb_run *r, gb_u128 v)
{
    if (gb_u128_cmp(v, value_available(r)) > 0)
        return GB_EXT_NOT_ENOUGH_VALUE;
    gb_u128_add_to(&r->value_sent, v); /* v <= have - value_sent */
    return 0;
}

HOST(sys_value_available)
{
    RUN();
    r->sc = GB_SYS_GR_VALUE_AVAILABLE;
    UNUSED_ARGS;
    return out_value(ctx, r, (uint32_t)a[0], value_available(r));
}

HOST(sys_reply_to)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_TO;
    UNUSED_ARGS;
    TRY_RET(charge(ctx, r, 0));
    if (r->d->kind != GB_DISPATCH_REPLY)
        return put_err_hash(ctx, r, (uint32_t)a[0], GB_EXT_NO_REPLY_CONTEXT, NULL);
    return put_err_hash(ctx, r, (uint32_t)a[0], 0, &r->d->reply_to);
}

HOST(sys_reply_code)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_CODE;
    UNUSED_ARGS;
    TRY_RET(charge(ctx, r, 0));
    if (r->d->kind != GB_DISPATCH_REPLY)
        return put_err(ctx, r, (uint32_t)a[0], 8, GB_EXT_NO_REPLY_CONTEXT, NULL);
    return put_err(ctx, r, (uint32_t)a[0], 8, 0, r->d->reply_code);
}

HOST(sys_signal_from)
{
    RUN();
    r->sc = GB_SYS_GR_SIGNAL_FROM;
    UNUSED_ARGS;
    TRY_RET(charge(ctx, r, 0));
    if (!in_signal(r))
        return put_err_hash(ctx, r, (uint32_t)a[0], GB_EXT_NO_SIGNAL_CONTEXT, NULL);
    return put_err_hash(ctx, r, (uint32_t)a[0], 0, &r->d->signal_from);
}

HOST(sys_signal_code)
{
    RUN();
    r->sc = GB_SYS_GR_SIGNAL_CODE;
    UNUSED_ARGS;
    TRY_RET(charge(ctx, r, 0));
    if (!in_signal(r))
        return put_err(ctx, r, (uint32_t)a[0], 8, GB_EXT_NO_SIGNAL_CONTEXT, NULL);
    uint8_t b[4];
    put32(b, r->d->signal_code);
    return put_err(ctx, r, (uint32_t)a[0], 8, 0, b);
}

/* ---- environment ------------------------------------------------------- */

HOST(sys_block_height)
{
    RUN();
    r->sc = GB_SYS_GR_BLOCK_HEIGHT;
    UNUSED_ARGS;
    return out_uint(ctx, r, (uint32_t)a[0], r->blk->height, 4);
}

HOST(sys_block_timestamp)
{
    RUN();
    r->sc = GB_SYS_GR_BLOCK_TIMESTAMP;
    UNUSED_ARGS;
    return out_uint(ctx, r, (uint32_t)a[0], r->blk->timestamp, 8);
}

HOST(sys_gas_available)
{
    RUN();
    r->sc = GB_SYS_GR_GAS_AVAILABLE;
    UNUSED_ARGS;
    if (r->blk->estimating) /* Gear: ForbiddenFunction */
        return stop(ctx, r, GB_STOP_BACKEND,
                    "gr_gas_available is forbidden while gas is estimated");
    r->observed = true; /* (journal.gas_observed) */
    return out_uint(ctx, r, (uint32_t)a[0],
                    gb_store_gas_left(gb_host_store(ctx)), 8);
}

HOST(sys_env_vars)
{
    RUN();
    r->sc = GB_SYS_GR_ENV_VARS;
    UNUSED_ARGS;
    TRY_RET(charge(ctx, r, 0));
    if ((uint32_t)a[0] != 1)
        return stop(ctx, r, GB_STOP_BACKEND, "gr_env_vars: unsupported version %u",
                    (uint32_t)a[0]);
    /* EnvVars v1, packed: performance multiplier u32, existential deposit
     * u128, mailbox threshold u64, gas per value u64, value per gas u128 */
    uint8_t b[52];
    const gb_block_ctx *k = r->blk;
    put32(b, k->performance_multiplier);
    gb_u128_to_le(k->existential_deposit, b + 4);
    put64(b + 20, k->mailbox_threshold);
    put64(b + 28, k->gas_per_value);
    gb_u128_to_le(k->value_per_gas, b + 36);
    return put_out(ctx, r, (uint32_t)a[1], b, 52);
}

HOST(sys_random)
{
    RUN();
    r->sc = GB_SYS_GR_RANDOM;
    UNUSED_ARGS;
    uint8_t *subject, out[36];
    TRY_RET(charge(ctx, r, 0));
    TRY_RET(guest(ctx, r, (uint32_t)a[0], 32, false, &subject));
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, subject, 32);
    gb_blake2b_update(&st, r->blk->random_seed, 32);
    gb_blake2b_final(&st, out + 4);
    put32(out, r->blk->random_bn);
    return put_out(ctx, r, (uint32_t)a[1], out, 36);
}

static bool valid_utf8(const uint8_t *s, uint32_t n)
{
    for (uint32_t i = 0; i < n;) {
        uint8_t c = s[i];
        uint32_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                   : (c >> 3) == 30 ? 4 : 0;
        if (!k || i + k > n)
            return false;
        uint32_t cp = k == 1 ? c : c & (0x7F >> k);
        for (uint32_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k;
    }
    return true;
}

HOST(sys_debug)
{
    RUN();
    r->sc = GB_SYS_GR_DEBUG;
    UNUSED_ARGS;
    uint32_t len = (uint32_t)a[1];
    uint8_t *p;
    TRY_RET(charge(ctx, r, len));
    TRY_RET(guest(ctx, r, (uint32_t)a[0], len, false, &p));
    if (!valid_utf8(p, len))
        return stop(ctx, r, GB_STOP_BACKEND, "gr_debug: string is not UTF-8");
    gb_journal *j = r->j;
    char *d = gb_realloc(j->debug, (size_t)j->debug_len + len + 2);
    if (!d)
        return GB_NOMEM;
    memcpy(d + j->debug_len, p, len);
    j->debug_len += len;
    d[j->debug_len++] = '\n';
    d[j->debug_len] = 0;
    j->debug = d;
    return GB_OK;
}

/* ---- ending the run ------------------------------------------------------ */

HOST(sys_panic)
{
    RUN();
    r->sc = GB_SYS_GR_PANIC;
    UNUSED_ARGS;
    uint32_t len = (uint32_t)a[1];
    uint8_t *p;
    if (len > r->cfg->max_payload) /* PanicBufferIsTooBig */
        return stop(ctx, r, GB_STOP_BACKEND, "gr_panic: %u bytes is too big", len);
    TRY_RET(charge(ctx, r, len));
    TRY_RET(guest(ctx, r, (uint32_t)a[0], len, false, &p));
    free(r->panic);
    r->panic = gb_malloc(len ? len : 1);
    if (!r->panic)
        return GB_NOMEM;
    memcpy(r->panic, p, len);
    r->panic_len = len;
    return stop(ctx, r, GB_STOP_PANIC, "panicked: %.*s", (int)(len > 150 ? 150 : len),
                (const char *)p);
}

HOST(sys_oom_panic)
{
    RUN();
    r->sc = GB_SYS_GR_OOM_PANIC;
    UNUSED_ARGS;
    return stop(ctx, r, GB_STOP_OOM, "out of memory (gr_oom_panic)");
}

HOST(sys_exit)
{
    RUN();
    r->sc = GB_SYS_GR_EXIT;
    UNUSED_ARGS;
    uint8_t *p;
    TRY_RET(charge(ctx, r, 0));
    TRY_RET(guest(ctx, r, (uint32_t)a[0], 32, false, &p));
    memcpy(r->j->inheritor.b, p, 32);
    return stop(ctx, r, GB_STOP_EXIT, "exited");
}

HOST(sys_leave)
{
    RUN();
    r->sc = GB_SYS_GR_LEAVE;
    UNUSED_ARGS;
    return stop(ctx, r, GB_STOP_LEAVE, "left");
}

static gb_err wait_common(gb_host_ctx *ctx, gb_run *r, gb_wait_kind k,
                          uint32_t duration)
{
    TRY_RET(charge(ctx, r, 0));
    TRY_RET(fee_check(ctx, r, r->costs->waiting_fee));
    if (r->ctx.replied)
        return stop(ctx, r, GB_STOP_BACKEND, "wait after reply");
    if (k != GB_WAIT && duration == 0)
        return stop(ctx, r, GB_STOP_BACKEND, "wait with zero duration");
    /* the waitlist's rent set aside (Ext::wait*, ext.rs:1277-1361): for
     * reserve_for + 1 blocks (wait, wait_up_to) or + duration (wait_for);
     * running short is the unrecoverable NotEnoughGas (a BackendError
     * trap, the fee undone with the rest).  wait_up_to then sets aside
     * the rest of its duration if it can: Gear's WaitUpToCalledFull */
    const gb_gear_costs *c = r->costs;
    uint64_t fee = c->waiting_fee,
             left = gb_store_gas_left(gb_host_store(ctx)) - fee,
             reserve = c->waitlist_rent *
                       (c->reserve_for + (k == GB_WAIT_FOR ? duration : 1));
    if (left < reserve)
        return stop(ctx, r, GB_STOP_BACKEND,
                    "not enough gas for the waitlist: %llu left, %llu needed",
                    (unsigned long long)left, (unsigned long long)reserve);
    bool full = false;
    if (k == GB_WAIT_UP_TO) {
        uint64_t all = c->waitlist_rent * (c->reserve_for + duration);
        full = all <= left;
        if (full)
            reserve = all;
    }
    TRY_RET(gb_host_charge(ctx, fee + reserve)); /* the fee burned, the
                                                   reserve stays with the
                                                   message (process.c) */
    NOTE(r, FEE, fee);
    NOTE(r, GIVEN, reserve);
    r->j->wait = k;
    r->j->wait_duration = duration;
    r->j->wait_full = full;
    r->j->wait_reserved = reserve;
    return stop(ctx, r, GB_STOP_WAIT, "waiting");
}

HOST(sys_wait)
{
    RUN();
    r->sc = GB_SYS_GR_WAIT;
    UNUSED_ARGS;
    return wait_common(ctx, r, GB_WAIT, 0);
}

HOST(sys_wait_for)
{
    RUN();
    r->sc = GB_SYS_GR_WAIT_FOR;
    UNUSED_ARGS;
    return wait_common(ctx, r, GB_WAIT_FOR, (uint32_t)a[0]);
}

HOST(sys_wait_up_to)
{
    RUN();
    r->sc = GB_SYS_GR_WAIT_UP_TO;
    UNUSED_ARGS;
    return wait_common(ctx, r, GB_WAIT_UP_TO, (uint32_t)a[0]);
}

HOST(sys_wake)
{
    RUN();
    r->sc = GB_SYS_GR_WAKE;
    UNUSED_ARGS;
    uint32_t err = (uint32_t)a[2];
    TRY_RET(charge(ctx, r, 0));
    uint32_t code = oob(r, (uint32_t)a[0], 32);
    if (code)
        return put_err(ctx, r, err, 4, code, NULL);
    TRY_RET(fee_check(ctx, r, r->costs->waking_fee)); /* after reading the id */
    gb_id id;
    memcpy(id.b, at(r, (uint32_t)a[0], 32), 32);
    gb_journal *j = r->j;
    for (uint32_t i = 0; i < j->nwakes; i++)
        if (gb_id_eq(j->wakes[i].message_id, id))
            return put_err(ctx, r, err, 4, GB_EXT_DUPLICATE_WAKING, NULL);
    if (j->nwakes == r->caps_wakes) {
        uint32_t cap = r->caps_wakes ? r->caps_wakes * 2 : 4;
        gb_wake_req *w = gb_realloc(j->wakes, cap * sizeof *w);
        if (!w)
            return GB_NOMEM;
        j->wakes = w;
        r->caps_wakes = cap;
    }
    TRY_RET(gb_host_charge(ctx, r->costs->waking_fee));
    NOTE(r, FEE, r->costs->waking_fee);
    j->wakes[j->nwakes++] = (gb_wake_req){.message_id = id,
                                          .delay = (uint32_t)a[1]};
    return put_err(ctx, r, err, 4, 0, NULL);
}

/* ---- gas reservations: what the run knows of them ------------------------
 *
 * Gear's GasReserver (protocol/core/src/reservation.rs), kept in the
 * journal: the program's reservations before the run are the view's
 * (state Exists); those the run makes are j->reserved (Created); a view
 * reservation the run unreserves goes to j->unreserved with used false
 * (Removed); one used by gr_reservation_send / _reply goes there with used
 * true (both kinds: a Created one stays in j->reserved too, so the chain
 * creates it and hands it to the message).  Unreserving a Created one
 * drops it from j->reserved (Gear removes it from its states). */

typedef enum { RSV_NONE, RSV_VIEW, RSV_NEW } rsv_where;

typedef struct rsv_state {
    rsv_where where;   /* NONE: unknown, or made here and unreserved */
    uint32_t index;    /* in prog->reservations or j->reserved */
    uint64_t amount;
    bool removed;      /* a view reservation unreserved in this run */
    bool used;         /* used for a message in this run */
} rsv_state;

static rsv_state rsv_find(const gb_run *r, gb_id id)
{
    rsv_state st = {.where = RSV_NONE};
    const gb_journal *j = r->j;
    for (uint32_t i = 0; i < j->nreserved; i++)
        if (gb_id_eq(j->reserved[i].id, id)) {
            st = (rsv_state){.where = RSV_NEW, .index = i,
                             .amount = j->reserved[i].amount};
            break;
        }
    for (uint32_t i = 0; st.where == RSV_NONE && i < r->prog->nreservations; i++)
        if (gb_id_eq(r->prog->reservations[i].id, id))
            st = (rsv_state){.where = RSV_VIEW, .index = i,
                             .amount = r->prog->reservations[i].amount};
    if (st.where == RSV_NONE)
        return st;
    for (uint32_t i = 0; i < j->nunreserved; i++)
        if (gb_id_eq(j->unreserved[i].id, id)) {
            if (j->unreserved[i].used)
                st.used = true;
            else
                st.removed = true;
        }
    return st;
}

/* GasReserver::limit_of: Exists or Created (used or not). */
static bool rsv_live(const rsv_state *st)
{
    return st->where != RSV_NONE && !st->removed;
}

/* GasReserver::check_not_used: 500 unless live and unused. */
static uint32_t rsv_check_not_used(const rsv_state *st)
{
    return rsv_live(st) && !st->used ? 0 : GB_EXT_INVALID_RESERVATION_ID;
}

/* Grow an array of n elements of size sz to hold one more. */
static gb_err grow_one(void **arr, uint32_t *cap, uint32_t n, size_t sz)
{
    if (n < *cap)
        return GB_OK;
    uint32_t c = *cap ? *cap * 2 : 4;
    void *p = gb_realloc(*arr, (size_t)c * sz);
    if (!p)
        return GB_NOMEM;
    *arr = p;
    *cap = c;
    return GB_OK;
}

static gb_err rsv_note_unreserved(gb_run *r, gb_id id, uint64_t amount,
                                  bool used)
{
    gb_journal *j = r->j;
    TRY_RET(grow_one((void **)&j->unreserved, &r->caps_unreserved, j->nunreserved,
                 sizeof *j->unreserved));
    j->unreserved[j->nunreserved++] =
        (gb_unreservation){.id = id, .amount = amount, .used = used};
    return GB_OK;
}

/* ---- sending -------------------------------------------------------------
 *
 * As Gear's MessageContext: every gr_send_init and gr_create_program*
 * takes the next local nonce (kept across gr_wait in gb_msg_context); a
 * handle is that nonce.  The handles of this run are the nonces from the
 * dispatch's ctx.outgoing_nonce up to the current one: r->sends is indexed
 * by handle - base.  A handle of this run that is not open (committed, or
 * a program creation's nonce) is LateAccess (304), any other OutOfBounds
 * (305).  gr_send* is send_init + send_commit: a failed gr_send still uses
 * up its nonce and leaves its handle open.  The bytes limit counts pushed
 * bytes and the payloads of gr_send*, not replies or init messages. */

static gb_err grow_buf(uint8_t **buf, uint32_t *cap, uint64_t need)
{
    if (need <= *cap)
        return GB_OK;
    uint64_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    uint8_t *p = gb_realloc(*buf, c);
    if (!p)
        return GB_NOMEM;
    *buf = p;
    *cap = (uint32_t)c;
    return GB_OK;
}

static uint32_t handle_base(const gb_run *r)
{
    return r->d->ctx.outgoing_nonce;
}

/* Take the next nonce as a handle (MessageContext::send_init); open it
 * when open is set (a send), not for a program creation. */
static gb_err take_nonce(gb_run *r, bool open, uint32_t *h, uint32_t *code)
{
    *code = 0;
    if (r->ctx.outgoing_nonce >= r->cfg->max_outgoing) {
        *code = GB_EXT_OUTGOING_MESSAGES_AMOUNT_LIMIT_EXCEEDED;
        return GB_OK;
    }
    uint32_t i = r->ctx.outgoing_nonce - handle_base(r);
    if (i >= r->capsends) {
        uint32_t cap = r->capsends ? r->capsends * 2 : 8;
        while (cap <= i)
            cap *= 2;
        gb_send_buf *s = gb_realloc(r->sends, cap * sizeof *s);
        if (!s)
            return GB_NOMEM;
        memset(s + r->capsends, 0, (cap - r->capsends) * sizeof *s);
        r->sends = s;
        r->capsends = cap;
    }
    if (i >= r->nsends)
        r->nsends = i + 1;
    r->sends[i].open = open;
    *h = r->ctx.outgoing_nonce++;
    r->out_count++;
    return GB_OK;
}

/* The open send buffer of handle h, or NULL with 304 or 305 in *code. */
static gb_send_buf *open_handle(gb_run *r, uint32_t h, uint32_t *code)
{
    uint32_t base = handle_base(r);
    *code = 0;
    if (h < base || h >= r->ctx.outgoing_nonce) {
        *code = GB_EXT_OUT_OF_BOUNDS;
        return NULL;
    }
    if (!r->sends[h - base].open) {
        *code = GB_EXT_LATE_ACCESS;
        return NULL;
    }
    return &r->sends[h - base];
}

/* OutgoingPayloads::bytes_counter: 311 when n more bytes would pass the
 * limit. */
static uint32_t count_bytes(gb_run *r, uint64_t n, bool commit)
{
    if (r->out_bytes + n > r->cfg->max_outgoing_bytes)
        return GB_EXT_OUTGOING_MESSAGES_BYTES_LIMIT_EXCEEDED;
    if (commit)
        r->out_bytes += n;
    return 0;
}

/* MessageContext::send_push(_input), after the handle was resolved. */
static gb_err push_bytes(gb_run *r, gb_send_buf *b, const uint8_t *p,
                         uint32_t len, uint32_t *code)
{
    if ((*code = count_bytes(r, len, false)))
        return GB_OK;
    if ((uint64_t)b->len + len > r->cfg->max_payload) {
        *code = GB_EXT_MAX_MESSAGE_SIZE_EXCEED;
        return GB_OK;
    }
    TRY_RET(grow_buf(&b->buf, &b->cap, (uint64_t)b->len + len));
    if (len)
        memcpy(b->buf + b->len, p, len);
    b->len += len;
    count_bytes(r, len, true);
    return GB_OK;
}

/* MessageContext::check_input_range: 312, 313. */
static uint32_t input_range(const gb_run *r, uint32_t off, uint32_t len)
{
    if (off >= r->d->payload_len)
        return GB_EXT_OUT_OF_BOUNDS_INPUT_SLICE_OFFSET;
    if (len > r->d->payload_len - off)
        return GB_EXT_OUT_OF_BOUNDS_INPUT_SLICE_LENGTH;
    return 0;
}

/* Ext::send_commit for handle h with extra payload bytes (gr_send's):
 * the destination (SYSTEM stops the run), then the gas limit (308, 100),
 * the value (101), the handle (305, 304), the bytes limit (311) and the
 * message size (300).  A failure leaves the handle as it was. */
static gb_err commit(gb_host_ctx *ctx, gb_run *r, uint32_t h, gb_id dest,
                     gb_u128 value, const uint8_t *extra, uint32_t len,
                     bool wgas, uint64_t gas_limit, uint32_t delay,
                     const gb_id *rsv, uint32_t err)
{
    if (gb_actor_id_is_system(dest))
        return stop(ctx, r, GB_STOP_BACKEND, "sending to the system actor is forbidden");
    uint32_t code = 0;
    rsv_state st = {.where = RSV_NONE};
    if (rsv) {
        /* Ext::reservation_send_commit: the delayed-sending check (no
         * dispatch-stash rent here: the mailbox threshold only), the
         * value, then the reservation (500) */
        st = rsv_find(r, *rsv);
        if (delay && !rsv_live(&st))
            code = GB_EXT_INVALID_RESERVATION_ID;
        else if (delay && st.amount < r->blk->mailbox_threshold)
            code = GB_EXT_INSUFFICIENT_GAS_FOR_DELAYED_SENDING;
        else if (gb_u128_cmp(value, value_available(r)) > 0)
            code = GB_EXT_NOT_ENOUGH_VALUE;
        else
            code = rsv_check_not_used(&st);
    } else if (wgas && gas_limit && gas_limit < r->blk->mailbox_threshold)
        code = GB_EXT_INSUFFICIENT_GAS_LIMIT;
    else if (wgas && gas_limit > gb_store_gas_left(gb_host_store(ctx)))
        code = GB_EXT_NOT_ENOUGH_GAS;
    else if (gb_u128_cmp(value, value_available(r)) > 0)
        code = GB_EXT_NOT_ENOUGH_VALUE;
    gb_send_buf *b = code ? NULL : open_handle(r, h, &code);
    if (!code)
        code = count_bytes(r, len, false);
    if (!code && (uint64_t)b->len + len > r->cfg->max_payload)
        code = GB_EXT_MAX_MESSAGE_SIZE_EXCEED;
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);

    gb_journal *j = r->j;
    if (j->nmsgs == r->caps_msgs) {
        uint32_t cap = r->caps_msgs ? r->caps_msgs * 2 : 8;
        gb_out_msg *m = gb_realloc(j->msgs, cap * sizeof *m);
        if (!m)
            return GB_NOMEM;
        j->msgs = m;
        r->caps_msgs = cap;
    }
    TRY_RET(grow_buf(&b->buf, &b->cap, (uint64_t)b->len + len + 1));
    if (len)
        memcpy(b->buf + b->len, extra, len);
    if (rsv)
        TRY_RET(rsv_note_unreserved(r, *rsv, st.amount, true));
    else if (wgas)
        TRY_RET(gb_host_charge(ctx, gas_limit)); /* the gas goes with it */
    if (wgas && !rsv)
        NOTE(r, GIVEN, gas_limit);
    /* Ext::charge_sending_fee: burned; running short traps */
    TRY_RET(gb_host_charge(ctx, delay ? r->costs->delayed_sending_fee
                                  : r->costs->sending_fee));
    NOTE(r, FEE, delay ? r->costs->delayed_sending_fee : r->costs->sending_fee);
    take_value(r, value);
    count_bytes(r, len, true);
    gb_id id = gb_message_id_outgoing(r->d->id, h);
    j->msgs[j->nmsgs++] = (gb_out_msg){.id = id, .destination = dest,
                                       .payload = b->buf,
                                       .payload_len = b->len + len,
                                       .value = value,
                                       .has_gas_limit = wgas || rsv,
                                       .gas_limit = rsv ? st.amount : gas_limit,
                                       .delay = delay,
                                       .from_reservation = rsv != NULL,
                                       .reservation = rsv ? *rsv : (gb_id){{0}}};
    *b = (gb_send_buf){.open = false};
    return put_err_hash(ctx, r, err, 0, &id);
}

/* gr_send, gr_send_wgas: send_init, then commit with the payload. */
static gb_err send_now(gb_host_ctx *ctx, gb_run *r, uint32_t pid_value,
                       uint32_t ptr, uint32_t len, bool wgas,
                       uint64_t gas_limit, uint32_t delay, uint32_t err)
{
    bool big = len > r->cfg->max_payload; /* not even read */
    TRY_RET(charge(ctx, r, big ? 0 : len));
    uint32_t code = oob(r, pid_value, 48);
    if (!code && !big)
        code = oob(r, ptr, len);
    if (!code && big)
        code = GB_EXT_MAX_MESSAGE_SIZE_EXCEED;
    uint32_t h;
    if (!code)
        TRY_RET(take_nonce(r, true, &h, &code));
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    gb_id dest;
    gb_u128 value;
    read_hash_value(r, pid_value, &dest, &value);
    return commit(ctx, r, h, dest, value, at(r, ptr, len), len, wgas, gas_limit,
                  delay, NULL, err);
}

HOST(sys_send)
{
    RUN();
    r->sc = GB_SYS_GR_SEND;
    UNUSED_ARGS;
    return send_now(ctx, r, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2],
                    false, 0, (uint32_t)a[3], (uint32_t)a[4]);
}

HOST(sys_send_wgas)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_WGAS;
    UNUSED_ARGS;
    return send_now(ctx, r, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2],
                    true, a[3], (uint32_t)a[4], (uint32_t)a[5]);
}

/* gr_send_input(_wgas): send_init, send_push_input, commit. */
static gb_err send_input(gb_host_ctx *ctx, gb_run *r, uint32_t pid_value,
                         uint32_t off, uint32_t len, bool wgas,
                         uint64_t gas_limit, uint32_t delay, uint32_t err)
{
    TRY_RET(charge(ctx, r, 0));
    uint32_t code = oob(r, pid_value, 48), h = 0;
    if (!code)
        TRY_RET(take_nonce(r, true, &h, &code));
    if (!code)
        code = input_range(r, off, len);
    if (!code) {
        TRY_RET(gb_host_charge(ctx, (uint64_t)len * per_byte(r)));
        NOTE(r, PER_BYTE, (uint64_t)len * per_byte(r));
        gb_send_buf *b = open_handle(r, h, &code);
        TRY_RET(push_bytes(r, b, r->d->payload + off, len, &code));
    }
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    gb_id dest;
    gb_u128 value;
    read_hash_value(r, pid_value, &dest, &value);
    return commit(ctx, r, h, dest, value, NULL, 0, wgas, gas_limit, delay,
                  NULL, err);
}

HOST(sys_send_input)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_INPUT;
    UNUSED_ARGS;
    return send_input(ctx, r, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2],
                      false, 0, (uint32_t)a[3], (uint32_t)a[4]);
}

HOST(sys_send_input_wgas)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_INPUT_WGAS;
    UNUSED_ARGS;
    return send_input(ctx, r, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2],
                      true, a[3], (uint32_t)a[4], (uint32_t)a[5]);
}

HOST(sys_send_init)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_INIT;
    UNUSED_ARGS;
    TRY_RET(charge(ctx, r, 0));
    uint32_t h = 0, code;
    TRY_RET(take_nonce(r, true, &h, &code));
    uint8_t b[4];
    put32(b, h);
    return put_err(ctx, r, (uint32_t)a[0], 8, code, b);
}

HOST(sys_send_push)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_PUSH;
    UNUSED_ARGS;
    uint32_t ptr = (uint32_t)a[1], len = (uint32_t)a[2], err = (uint32_t)a[3];
    TRY_RET(charge(ctx, r, len));
    uint32_t code = oob(r, ptr, len);
    gb_send_buf *b = code ? NULL : open_handle(r, (uint32_t)a[0], &code);
    if (!code)
        TRY_RET(push_bytes(r, b, at(r, ptr, len), len, &code));
    return put_err(ctx, r, err, 4, code, NULL);
}

HOST(sys_send_push_input)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_PUSH_INPUT;
    UNUSED_ARGS;
    uint32_t off = (uint32_t)a[1], len = (uint32_t)a[2], err = (uint32_t)a[3];
    TRY_RET(charge(ctx, r, 0));
    uint32_t code = input_range(r, off, len);
    if (!code) {
        TRY_RET(gb_host_charge(ctx, (uint64_t)len * per_byte(r)));
        NOTE(r, PER_BYTE, (uint64_t)len * per_byte(r));
        gb_send_buf *b = open_handle(r, (uint32_t)a[0], &code);
        if (!code)
            TRY_RET(push_bytes(r, b, r->d->payload + off, len, &code));
    }
    return put_err(ctx, r, err, 4, code, NULL);
}

static gb_err send_commit(gb_host_ctx *ctx, gb_run *r, uint32_t h,
                          uint32_t pid_value, bool wgas, uint64_t gas_limit,
                          uint32_t delay, uint32_t err)
{
    TRY_RET(charge(ctx, r, 0));
    uint32_t code = oob(r, pid_value, 48);
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    gb_id dest;
    gb_u128 value;
    read_hash_value(r, pid_value, &dest, &value);
    return commit(ctx, r, h, dest, value, NULL, 0, wgas, gas_limit, delay,
                  NULL, err);
}

HOST(sys_send_commit)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_COMMIT;
    UNUSED_ARGS;
    return send_commit(ctx, r, (uint32_t)a[0], (uint32_t)a[1], false, 0,
                       (uint32_t)a[2], (uint32_t)a[3]);
}

HOST(sys_send_commit_wgas)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_COMMIT_WGAS;
    UNUSED_ARGS;
    return send_commit(ctx, r, (uint32_t)a[0], (uint32_t)a[1], true, a[2],
                       (uint32_t)a[3], (uint32_t)a[4]);
}

/* ---- replying ------------------------------------------------------------
 *
 * Gear's order: the syscalls DispatchKind::forbids stop the run in
 * handle_signal (gr_reply_push_input and gr_reply_wgas are not among
 * them: they fail there with 108); then the gas
 * limit (100) and value (101) of the reply; then
 * MessageContext::check_reply_availability (108 outside init/handle),
 * a reply already sent (302 for a commit, 304 for a push), the size
 * (300).  gr_reply_input(_wgas) is reply_push_input then reply_commit: the
 * pushed bytes stay pushed if the commit fails. */

static gb_err forbidden_in_signal(gb_host_ctx *ctx, gb_run *r,
                                  const char *name)
{
    if (in_signal(r))
        return stop(ctx, r, GB_STOP_BACKEND, "%s is forbidden in handle_signal", name);
    return GB_OK;
}

static uint32_t reply_context(const gb_run *r, bool push)
{
    /* a state query runs as a handle (the runtime API's read_state) */
    if (r->d->kind != GB_DISPATCH_INIT && r->d->kind != GB_DISPATCH_HANDLE &&
        r->d->kind != GB_DISPATCH_STATE)
        return GB_EXT_INCORRECT_ENTRY_FOR_REPLY;
    if (r->ctx.replied)
        return push ? GB_EXT_LATE_ACCESS : GB_EXT_DUPLICATE_REPLY;
    return 0;
}

/* Ext::reply_commit: the pushed bytes followed by extra. */
static gb_err reply_commit(gb_host_ctx *ctx, gb_run *r, const uint8_t *extra,
                           uint32_t len, gb_u128 value, bool wgas,
                           uint64_t gas_limit, const gb_id *rsv, uint32_t err)
{
    uint32_t code = 0;
    uint64_t total = (uint64_t)r->reply_len + len;
    rsv_state st = {.where = RSV_NONE};
    if (rsv)
        st = rsv_find(r, *rsv);
    if (wgas && gas_limit > gb_store_gas_left(gb_host_store(ctx)))
        code = GB_EXT_NOT_ENOUGH_GAS;
    else if (gb_u128_cmp(value, value_available(r)) > 0)
        code = GB_EXT_NOT_ENOUGH_VALUE;
    else if (rsv && (code = rsv_check_not_used(&st)))
        ; /* Ext::reservation_reply_commit: mark_reservation_used */
    else if ((code = reply_context(r, false)))
        ;
    else if (total > r->cfg->max_payload)
        code = GB_EXT_MAX_MESSAGE_SIZE_EXCEED;
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    TRY_RET(grow_buf(&r->reply_buf, &r->reply_cap, total + 1));
    if (len)
        memcpy(r->reply_buf + r->reply_len, extra, len);
    if (rsv)
        TRY_RET(rsv_note_unreserved(r, *rsv, st.amount, true));
    else if (wgas)
        TRY_RET(gb_host_charge(ctx, gas_limit));
    if (wgas && !rsv)
        NOTE(r, GIVEN, gas_limit);
    TRY_RET(gb_host_charge(ctx, r->costs->sending_fee)); /* Ext::reply_commit */
    NOTE(r, FEE, r->costs->sending_fee);
    take_value(r, value);
    gb_journal *j = r->j;
    j->has_reply = true;
    j->reply = (gb_out_msg){.id = gb_message_id_reply(r->d->id),
                            .destination = r->d->source,
                            .payload = r->reply_buf,
                            .payload_len = (uint32_t)total,
                            .value = value,
                            .has_gas_limit = wgas || rsv,
                            .gas_limit = rsv ? st.amount : gas_limit,
                            .from_reservation = rsv != NULL,
                            .reservation = rsv ? *rsv : (gb_id){{0}}};
    gb_reply_code_bytes(GB_REPLY_SUCCESS_MANUAL, j->reply.reply_code);
    r->reply_buf = NULL;
    r->reply_len = r->reply_cap = 0;
    r->ctx.replied = true;
    return put_err_hash(ctx, r, err, 0, &j->reply.id);
}

/* gr_reply, gr_reply_wgas, gr_reply_commit(_wgas) (len 0, ptr unused). */
static gb_err reply_now(gb_host_ctx *ctx, gb_run *r, const char *name,
                        uint32_t ptr, uint32_t len, uint32_t value_ptr,
                        bool wgas, uint64_t gas_limit, uint32_t err)
{
    /* DispatchKind::forbids lists gr_reply_wgas's siblings but not it:
     * in handle_signal it fails with 108 */
    if (strcmp(name, "gr_reply_wgas"))
        TRY_RET(forbidden_in_signal(ctx, r, name));
    bool big = len > r->cfg->max_payload; /* not even read */
    TRY_RET(charge(ctx, r, big ? 0 : len));
    uint32_t code = value_oob(r, value_ptr);
    if (!code && !big)
        code = oob(r, ptr, len);
    if (!code && big)
        code = GB_EXT_MAX_MESSAGE_SIZE_EXCEED;
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    return reply_commit(ctx, r, at(r, ptr, len), len, read_value(r, value_ptr),
                        wgas, gas_limit, NULL, err);
}

HOST(sys_reply)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY;
    UNUSED_ARGS;
    return reply_now(ctx, r, "gr_reply", (uint32_t)a[0], (uint32_t)a[1],
                     (uint32_t)a[2], false, 0, (uint32_t)a[3]);
}

HOST(sys_reply_wgas)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_WGAS;
    UNUSED_ARGS;
    return reply_now(ctx, r, "gr_reply_wgas", (uint32_t)a[0], (uint32_t)a[1],
                     (uint32_t)a[3], true, a[2], (uint32_t)a[4]);
}

HOST(sys_reply_commit)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_COMMIT;
    UNUSED_ARGS;
    return reply_now(ctx, r, "gr_reply_commit", 0, 0, (uint32_t)a[0], false,
                     0, (uint32_t)a[1]);
}

HOST(sys_reply_commit_wgas)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_COMMIT_WGAS;
    UNUSED_ARGS;
    return reply_now(ctx, r, "gr_reply_commit_wgas", 0, 0, (uint32_t)a[1],
                     true, a[0], (uint32_t)a[2]);
}

/* Ext::reply_push_input: 312/313, the per-byte charge, 108, 304, 300. */
static gb_err push_input(gb_host_ctx *ctx, gb_run *r, uint32_t off,
                         uint32_t len, uint32_t *code)
{
    if ((*code = input_range(r, off, len)))
        return GB_OK;
    TRY_RET(gb_host_charge(ctx, (uint64_t)len * per_byte(r)));
    NOTE(r, PER_BYTE, (uint64_t)len * per_byte(r));
    if ((*code = reply_context(r, true)))
        return GB_OK;
    if ((uint64_t)r->reply_len + len > r->cfg->max_payload) {
        *code = GB_EXT_MAX_MESSAGE_SIZE_EXCEED;
        return GB_OK;
    }
    TRY_RET(grow_buf(&r->reply_buf, &r->reply_cap, (uint64_t)r->reply_len + len));
    memcpy(r->reply_buf + r->reply_len, r->d->payload + off, len);
    r->reply_len += len;
    return GB_OK;
}

static gb_err reply_input(gb_host_ctx *ctx, gb_run *r, const char *name,
                          uint32_t off, uint32_t len, uint32_t value_ptr,
                          bool wgas, uint64_t gas_limit, uint32_t err)
{
    TRY_RET(forbidden_in_signal(ctx, r, name));
    TRY_RET(charge(ctx, r, 0));
    uint32_t code = value_oob(r, value_ptr);
    if (!code)
        TRY_RET(push_input(ctx, r, off, len, &code));
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    return reply_commit(ctx, r, NULL, 0, read_value(r, value_ptr), wgas,
                        gas_limit, NULL, err);
}

HOST(sys_reply_input)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_INPUT;
    UNUSED_ARGS;
    return reply_input(ctx, r, "gr_reply_input", (uint32_t)a[0],
                       (uint32_t)a[1], (uint32_t)a[2], false, 0,
                       (uint32_t)a[3]);
}

HOST(sys_reply_input_wgas)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_INPUT_WGAS;
    UNUSED_ARGS;
    return reply_input(ctx, r, "gr_reply_input_wgas", (uint32_t)a[0],
                       (uint32_t)a[1], (uint32_t)a[3], true, a[2],
                       (uint32_t)a[4]);
}

HOST(sys_reply_push)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_PUSH;
    UNUSED_ARGS;
    uint32_t ptr = (uint32_t)a[0], len = (uint32_t)a[1];
    TRY_RET(forbidden_in_signal(ctx, r, "gr_reply_push"));
    TRY_RET(charge(ctx, r, len));
    uint32_t code = oob(r, ptr, len);
    if (!code)
        code = reply_context(r, true);
    if (!code && (uint64_t)r->reply_len + len > r->cfg->max_payload)
        code = GB_EXT_MAX_MESSAGE_SIZE_EXCEED;
    if (!code && len) {
        TRY_RET(grow_buf(&r->reply_buf, &r->reply_cap, (uint64_t)r->reply_len + len));
        memcpy(r->reply_buf + r->reply_len, at(r, ptr, len), len);
        r->reply_len += len;
    }
    return put_err(ctx, r, (uint32_t)a[2], 4, code, NULL);
}

/* Not forbidden in handle_signal: there it fails with 312/313 or 108. */
HOST(sys_reply_push_input)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_PUSH_INPUT;
    UNUSED_ARGS;
    TRY_RET(charge(ctx, r, 0));
    uint32_t code;
    TRY_RET(push_input(ctx, r, (uint32_t)a[0], (uint32_t)a[1], &code));
    return put_err(ctx, r, (uint32_t)a[2], 4, code, NULL);
}

/* ---- creating programs ---------------------------------------------------
 *
 * Ext::create_program: the gas limit (100; no mailbox-threshold check for
 * init messages), the value (101), then the existential deposit the new
 * program's account gets, also taken from the value available (101), then
 * MessageContext::init_program: the same program twice (306), the nonce
 * limit (301).  The init message takes a nonce, like gr_send_init. */

static gb_err create_program(gb_host_ctx *ctx, gb_run *r, const gb_val *a,
                             bool wgas)
{
    uint32_t cid = (uint32_t)a[0], salt_ptr = (uint32_t)a[1];
    uint32_t salt_len = (uint32_t)a[2], ptr = (uint32_t)a[3];
    uint32_t len = (uint32_t)a[4];
    uint64_t gas_limit = wgas ? a[5] : 0;
    uint32_t delay = (uint32_t)a[wgas ? 6 : 5], err = (uint32_t)a[wgas ? 7 : 6];
    uint32_t max = r->cfg->max_payload;
    bool big_salt = salt_len > max, big = len > max;
    TRY_RET(charge(ctx, r, big ? 0 : len));
    TRY_RET(gb_host_charge(ctx, (big_salt ? 0 : (uint64_t)salt_len) *
                                (r->sc == GB_SYS_GR_CREATE_PROGRAM_WGAS
                                     ? r->costs->create_wgas_salt_per_byte
                                     : r->costs->create_salt_per_byte)));
    NOTE(r, PER_BYTE, (big_salt ? 0 : (uint64_t)salt_len) *
                          (r->sc == GB_SYS_GR_CREATE_PROGRAM_WGAS
                               ? r->costs->create_wgas_salt_per_byte
                               : r->costs->create_salt_per_byte));
    uint32_t code = oob(r, cid, 48);
    if (!code && !big_salt)
        code = oob(r, salt_ptr, salt_len);
    if (!code && !big)
        code = oob(r, ptr, len);
    if (!code && (big_salt || big))
        code = GB_EXT_MAX_MESSAGE_SIZE_EXCEED;
    if (code)
        return put_err(ctx, r, err, 68, code, NULL);
    gb_id code_id;
    gb_u128 value;
    read_hash_value(r, cid, &code_id, &value);
    const uint8_t *salt = at(r, salt_ptr, salt_len), *payload = at(r, ptr, len);
    gb_id pid = gb_program_id_from_program(r->d->id, code_id, salt, salt_len);

    bool ovf = false;
    gb_u128 with_ed = gb_u128_add(value, r->blk->existential_deposit, &ovf);
    gb_journal *j = r->j;
    if (wgas && gas_limit > gb_store_gas_left(gb_host_store(ctx)))
        code = GB_EXT_NOT_ENOUGH_GAS;
    else if (ovf || gb_u128_cmp(with_ed, value_available(r)) > 0)
        code = GB_EXT_NOT_ENOUGH_VALUE;
    for (uint32_t i = 0; !code && i < j->ncreates; i++)
        if (gb_id_eq(j->creates[i].program_id, pid))
            code = GB_EXT_DUPLICATE_INIT;
    if (!code && r->ctx.outgoing_nonce >= r->cfg->max_outgoing)
        code = GB_EXT_OUTGOING_MESSAGES_AMOUNT_LIMIT_EXCEEDED;
    if (code)
        return put_err(ctx, r, err, 68, code, NULL);

    if (j->ncreates == r->caps_creates) {
        uint32_t cap = r->caps_creates ? r->caps_creates * 2 : 4;
        gb_create_req *c = gb_realloc(j->creates, cap * sizeof *c);
        if (!c)
            return GB_NOMEM;
        j->creates = c;
        r->caps_creates = cap;
    }
    uint8_t *copy = gb_malloc(len ? len : 1);
    if (!copy)
        return GB_NOMEM;
    if (len)
        memcpy(copy, payload, len);
    /* the gas limit goes with the init message; then
     * Ext::charge_sending_fee, burned (running short traps) */
    gb_err e = gb_host_charge(ctx, wgas ? gas_limit : 0);
    if (!e)
        NOTE(r, GIVEN, wgas ? gas_limit : 0);
    if (!e)
        e = gb_host_charge(ctx, delay ? r->costs->delayed_sending_fee
                                      : r->costs->sending_fee);
    if (!e)
        NOTE(r, FEE, delay ? r->costs->delayed_sending_fee
                           : r->costs->sending_fee);
    if (e) {
        free(copy);
        return e;
    }
    uint32_t h;
    e = take_nonce(r, false, &h, &code);
    if (e) {
        free(copy);
        return e;
    }
    take_value(r, with_ed);
    gb_id mid = gb_message_id_outgoing(r->d->id, h);
    j->creates[j->ncreates++] = (gb_create_req){
        .code_id = code_id,
        .program_id = pid,
        .init = {.id = mid, .destination = pid, .payload = copy,
                 .payload_len = len, .value = value, .has_gas_limit = wgas,
                 .gas_limit = gas_limit, .delay = delay},
    };
    uint8_t body[64];
    memcpy(body, mid.b, 32);
    memcpy(body + 32, pid.b, 32);
    return put_err(ctx, r, err, 68, 0, body);
}

HOST(sys_create_program)
{
    RUN();
    r->sc = GB_SYS_GR_CREATE_PROGRAM;
    (void)res;
    return create_program(ctx, r, a, false);
}

HOST(sys_create_program_wgas)
{
    RUN();
    r->sc = GB_SYS_GR_CREATE_PROGRAM_WGAS;
    (void)res;
    return create_program(ctx, r, a, true);
}

/* ---- gas reservations and reply deposits ---------------------------------
 *
 * Gear: protocol/processor/src/ext.rs (reserve_gas, unreserve_gas,
 * system_reserve_gas, reservation_send_commit, reservation_reply_commit,
 * reply_deposit), protocol/core/src/reservation.rs (GasReserver),
 * protocol/core/src/message/context.rs (reply_deposit).  The gas a
 * reservation, a reply deposit or the system reservation takes is charged
 * to the run and leaves with the journal (not burned); a message sent from
 * a reservation gets the reservation's whole amount and costs the run only
 * the syscall.  Gearbox charges no reservation rent (Gear's
 * cost_for_reservation adds rent for reserve_for + duration blocks). */

/* GasReserver::check_execution_limit: Exists and Created reservations
 * (used ones too, not Removed) against max_reservations -- checked before
 * adding, with `>`, so max + 1 may exist. */
static uint64_t rsv_count(const gb_run *r)
{
    uint64_t n = r->prog->nreservations + (uint64_t)r->j->nreserved;
    for (uint32_t i = 0; i < r->j->nunreserved; i++)
        if (!r->j->unreserved[i].used)
            n--;
    return n;
}

/* Ext::reserve_gas: zero duration (502), below the mailbox threshold
 * (504), not enough gas (100), the limit (501); the id is
 * reservation(message id, nonce), the nonce kept across gr_wait. */
HOST(sys_reserve_gas)
{
    RUN();
    r->sc = GB_SYS_GR_RESERVE_GAS;
    UNUSED_ARGS;
    uint64_t amount = a[0];
    uint32_t duration = (uint32_t)a[1], err = (uint32_t)a[2];
    TRY_RET(charge(ctx, r, 0));
    uint64_t fee = r->costs->reservation_fee;
    TRY_RET(fee_check(ctx, r, fee));
    uint32_t code = 0;
    if (duration == 0)
        code = GB_EXT_ZERO_RESERVATION_DURATION;
    else if (amount < r->blk->mailbox_threshold)
        code = GB_EXT_RESERVATION_BELOW_MAILBOX_THRESHOLD;
    else if (amount > gb_store_gas_left(gb_host_store(ctx)) - fee)
        code = GB_EXT_NOT_ENOUGH_GAS;
    else if (rsv_count(r) > r->cfg->max_reservations)
        code = GB_EXT_RESERVATIONS_LIMIT_REACHED;
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    gb_journal *j = r->j;
    TRY_RET(grow_one((void **)&j->reserved, &r->caps_reserved, j->nreserved,
                 sizeof *j->reserved));
    TRY_RET(gb_host_charge(ctx, fee + amount)); /* the fee burned, the amount
                                               leaves with the journal */
    NOTE(r, FEE, fee);
    NOTE(r, GIVEN, amount);
    gb_id id = gb_reservation_id(r->d->id, r->ctx.reservation_nonce);
    if (r->ctx.reservation_nonce != UINT64_MAX)
        r->ctx.reservation_nonce++;
    uint32_t h = r->blk->height;
    j->reserved[j->nreserved++] = (gb_reservation){
        .id = id, .amount = amount,
        .expires_at = duration > UINT32_MAX - h ? UINT32_MAX : h + duration};
    return put_err_hash(ctx, r, err, 0, &id);
}

/* Ext::unreserve_gas / GasReserver::unreserve: unknown, already
 * unreserved or used (500); one made in this run gives its gas back to
 * the run, one of an earlier run leaves in j->unreserved.  ErrorWithGas:
 * packed, the amount at offset 4. */
HOST(sys_unreserve_gas)
{
    RUN();
    r->sc = GB_SYS_GR_UNRESERVE_GAS;
    UNUSED_ARGS;
    uint32_t rid = (uint32_t)a[0], err = (uint32_t)a[1];
    TRY_RET(charge(ctx, r, 0));
    uint32_t code = oob(r, rid, 32);
    if (code)
        return put_err(ctx, r, err, 12, code, NULL);
    gb_id id;
    memcpy(id.b, at(r, rid, 32), 32);
    rsv_state st = rsv_find(r, id);
    if ((code = rsv_check_not_used(&st)))
        return put_err(ctx, r, err, 12, code, NULL);
    gb_journal *j = r->j;
    if (st.where == RSV_NEW) {
        memmove(j->reserved + st.index, j->reserved + st.index + 1,
                (j->nreserved - st.index - 1) * sizeof *j->reserved);
        j->nreserved--;
        gb_host_refund(ctx, st.amount);
        NOTE(r, GIVEN, -(int64_t)st.amount);
    } else {
        TRY_RET(rsv_note_unreserved(r, id, st.amount, false));
    }
    uint8_t b[8];
    put64(b, st.amount);
    return put_err(ctx, r, err, 12, 0, b);
}

/* Ext::system_reserve_gas: forbidden in handle_signal, zero (503), not
 * enough gas (100); adds up across calls and gr_wait. */
HOST(sys_system_reserve_gas)
{
    RUN();
    r->sc = GB_SYS_GR_SYSTEM_RESERVE_GAS;
    UNUSED_ARGS;
    uint64_t amount = a[0];
    uint32_t err = (uint32_t)a[1];
    TRY_RET(forbidden_in_signal(ctx, r, "gr_system_reserve_gas"));
    TRY_RET(charge(ctx, r, 0));
    uint32_t code = 0;
    if (amount == 0)
        code = GB_EXT_ZERO_RESERVATION_AMOUNT;
    else if (amount > gb_store_gas_left(gb_host_store(ctx)))
        code = GB_EXT_NOT_ENOUGH_GAS;
    if (!code) {
        TRY_RET(gb_host_charge(ctx, amount));
        NOTE(r, GIVEN, amount);
        uint64_t *t = &r->j->system_reserved, *c = &r->ctx.system_reservation;
        *t = *t > UINT64_MAX - amount ? UINT64_MAX : *t + amount;
        *c = *c > UINT64_MAX - amount ? UINT64_MAX : *c + amount;
    }
    return put_err(ctx, r, err, 4, code, NULL);
}

/* A TwoHashesWithValue (reservation id, destination, value), after
 * oob(ptr, 80). */
static void read_two_hashes_value(const gb_run *r, uint32_t ptr, gb_id *rid,
                                  gb_id *dest, gb_u128 *value)
{
    const uint8_t *p = at(r, ptr, 80);
    memcpy(rid->b, p, 32);
    memcpy(dest->b, p + 32, 32);
    *value = gb_u128_from_le(p + 64);
}

/* gr_reservation_send: send_init, then Ext::reservation_send_commit. */
HOST(sys_reservation_send)
{
    RUN();
    r->sc = GB_SYS_GR_RESERVATION_SEND;
    UNUSED_ARGS;
    uint32_t rpv = (uint32_t)a[0], ptr = (uint32_t)a[1], len = (uint32_t)a[2];
    uint32_t delay = (uint32_t)a[3], err = (uint32_t)a[4];
    bool big = len > r->cfg->max_payload; /* not even read */
    TRY_RET(charge(ctx, r, big ? 0 : len));
    uint32_t code = oob(r, rpv, 80);
    if (!code && !big)
        code = oob(r, ptr, len);
    if (!code && big)
        code = GB_EXT_MAX_MESSAGE_SIZE_EXCEED;
    uint32_t h;
    if (!code)
        TRY_RET(take_nonce(r, true, &h, &code));
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    gb_id rid, dest;
    gb_u128 value;
    read_two_hashes_value(r, rpv, &rid, &dest, &value);
    return commit(ctx, r, h, dest, value, at(r, ptr, len), len, false, 0, delay,
                  &rid, err);
}

HOST(sys_reservation_send_commit)
{
    RUN();
    r->sc = GB_SYS_GR_RESERVATION_SEND_COMMIT;
    UNUSED_ARGS;
    uint32_t h = (uint32_t)a[0], rpv = (uint32_t)a[1];
    uint32_t delay = (uint32_t)a[2], err = (uint32_t)a[3];
    TRY_RET(charge(ctx, r, 0));
    uint32_t code = oob(r, rpv, 80);
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    gb_id rid, dest;
    gb_u128 value;
    read_two_hashes_value(r, rpv, &rid, &dest, &value);
    return commit(ctx, r, h, dest, value, NULL, 0, false, 0, delay, &rid, err);
}

/* gr_reservation_reply(_commit): forbidden in handle_signal; the value
 * (101), the reservation (500), then the reply's own checks (108, 302,
 * 300).  The HashWithValue pointer has no sentinel. */
static gb_err reservation_reply(gb_host_ctx *ctx, gb_run *r, const char *name,
                                uint32_t rv, uint32_t ptr, uint32_t len,
                                uint32_t err)
{
    TRY_RET(forbidden_in_signal(ctx, r, name));
    bool big = len > r->cfg->max_payload;
    TRY_RET(charge(ctx, r, big ? 0 : len));
    uint32_t code = oob(r, rv, 48);
    if (!code && !big)
        code = oob(r, ptr, len);
    if (!code && big)
        code = GB_EXT_MAX_MESSAGE_SIZE_EXCEED;
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    gb_id rid;
    gb_u128 value;
    read_hash_value(r, rv, &rid, &value);
    return reply_commit(ctx, r, at(r, ptr, len), len, value, false, 0, &rid, err);
}

HOST(sys_reservation_reply)
{
    RUN();
    r->sc = GB_SYS_GR_RESERVATION_REPLY;
    UNUSED_ARGS;
    return reservation_reply(ctx, r, "gr_reservation_reply", (uint32_t)a[0],
                             (uint32_t)a[1], (uint32_t)a[2], (uint32_t)a[3]);
}

HOST(sys_reservation_reply_commit)
{
    RUN();
    r->sc = GB_SYS_GR_RESERVATION_REPLY_COMMIT;
    UNUSED_ARGS;
    return reservation_reply(ctx, r, "gr_reservation_reply_commit",
                             (uint32_t)a[0], 0, 0, (uint32_t)a[1]);
}

/* Ext::reply_deposit: not enough gas (100), then
 * MessageContext::reply_deposit: a deposit for that message already
 * (309), a message this run did not send (310; handle and init messages,
 * not the reply). */
HOST(sys_reply_deposit)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_DEPOSIT;
    UNUSED_ARGS;
    uint32_t mp = (uint32_t)a[0], err = (uint32_t)a[2];
    uint64_t gas = a[1];
    TRY_RET(charge(ctx, r, 0));
    uint32_t code = oob(r, mp, 32);
    gb_id mid;
    gb_journal *j = r->j;
    if (!code) {
        memcpy(mid.b, at(r, mp, 32), 32);
        if (gas > gb_store_gas_left(gb_host_store(ctx)))
            code = GB_EXT_NOT_ENOUGH_GAS;
        for (uint32_t i = 0; !code && i < j->ndeposits; i++)
            if (gb_id_eq(j->deposits[i].message_id, mid))
                code = GB_EXT_DUPLICATE_REPLY_DEPOSIT;
    }
    if (!code) {
        bool sent = false;
        for (uint32_t i = 0; !sent && i < j->nmsgs; i++)
            sent = gb_id_eq(j->msgs[i].id, mid);
        for (uint32_t i = 0; !sent && i < j->ncreates; i++)
            sent = gb_id_eq(j->creates[i].init.id, mid);
        if (!sent)
            code = GB_EXT_INCORRECT_MESSAGE_FOR_REPLY_DEPOSIT;
    }
    if (code)
        return put_err(ctx, r, err, 4, code, NULL);
    TRY_RET(grow_one((void **)&j->deposits, &r->caps_deposits, j->ndeposits,
                 sizeof *j->deposits));
    TRY_RET(gb_host_charge(ctx, gas));
    NOTE(r, GIVEN, gas);
    j->deposits[j->ndeposits++] = (gb_reply_deposit){.message_id = mid,
                                                     .gas = gas};
    return put_err(ctx, r, err, 4, 0, NULL);
}

/* ---- registration -------------------------------------------------------- */

gb_err gb_syscalls_register(gb_processor *p)
{
    static const gb_host_fn fns[GB_SYS_COUNT] = {
        [GB_SYS_ALLOC] = sys_alloc,
        [GB_SYS_FREE] = sys_free,
        [GB_SYS_FREE_RANGE] = sys_free_range,
        [GB_SYS_GR_ENV_VARS] = sys_env_vars,
        [GB_SYS_GR_BLOCK_HEIGHT] = sys_block_height,
        [GB_SYS_GR_BLOCK_TIMESTAMP] = sys_block_timestamp,
        [GB_SYS_GR_CREATE_PROGRAM] = sys_create_program,
        [GB_SYS_GR_CREATE_PROGRAM_WGAS] = sys_create_program_wgas,
        [GB_SYS_GR_REPLY_DEPOSIT] = sys_reply_deposit,
        [GB_SYS_GR_DEBUG] = sys_debug,
        [GB_SYS_GR_PANIC] = sys_panic,
        [GB_SYS_GR_OOM_PANIC] = sys_oom_panic,
        [GB_SYS_GR_REPLY_CODE] = sys_reply_code,
        [GB_SYS_GR_SIGNAL_CODE] = sys_signal_code,
        [GB_SYS_GR_EXIT] = sys_exit,
        [GB_SYS_GR_GAS_AVAILABLE] = sys_gas_available,
        [GB_SYS_GR_LEAVE] = sys_leave,
        [GB_SYS_GR_MESSAGE_ID] = sys_message_id,
        [GB_SYS_GR_PROGRAM_ID] = sys_program_id,
        [GB_SYS_GR_RANDOM] = sys_random,
        [GB_SYS_GR_READ] = sys_read,
        [GB_SYS_GR_REPLY_COMMIT_WGAS] = sys_reply_commit_wgas,
        [GB_SYS_GR_REPLY_COMMIT] = sys_reply_commit,
        [GB_SYS_GR_REPLY_PUSH] = sys_reply_push,
        [GB_SYS_GR_REPLY_PUSH_INPUT] = sys_reply_push_input,
        [GB_SYS_GR_REPLY_TO] = sys_reply_to,
        [GB_SYS_GR_SIGNAL_FROM] = sys_signal_from,
        [GB_SYS_GR_REPLY_INPUT_WGAS] = sys_reply_input_wgas,
        [GB_SYS_GR_REPLY_WGAS] = sys_reply_wgas,
        [GB_SYS_GR_REPLY] = sys_reply,
        [GB_SYS_GR_REPLY_INPUT] = sys_reply_input,
        [GB_SYS_GR_RESERVATION_REPLY_COMMIT] = sys_reservation_reply_commit,
        [GB_SYS_GR_RESERVATION_REPLY] = sys_reservation_reply,
        [GB_SYS_GR_RESERVATION_SEND_COMMIT] = sys_reservation_send_commit,
        [GB_SYS_GR_RESERVATION_SEND] = sys_reservation_send,
        [GB_SYS_GR_RESERVE_GAS] = sys_reserve_gas,
        [GB_SYS_GR_SEND_COMMIT_WGAS] = sys_send_commit_wgas,
        [GB_SYS_GR_SEND_COMMIT] = sys_send_commit,
        [GB_SYS_GR_SEND_INIT] = sys_send_init,
        [GB_SYS_GR_SEND_PUSH] = sys_send_push,
        [GB_SYS_GR_SEND_PUSH_INPUT] = sys_send_push_input,
        [GB_SYS_GR_SEND_INPUT_WGAS] = sys_send_input_wgas,
        [GB_SYS_GR_SEND_WGAS] = sys_send_wgas,
        [GB_SYS_GR_SEND] = sys_send,
        [GB_SYS_GR_SEND_INPUT] = sys_send_input,
        [GB_SYS_GR_SIZE] = sys_size,
        [GB_SYS_GR_SOURCE] = sys_source,
        [GB_SYS_GR_SYSTEM_RESERVE_GAS] = sys_system_reserve_gas,
        [GB_SYS_GR_UNRESERVE_GAS] = sys_unreserve_gas,
        [GB_SYS_GR_VALUE_AVAILABLE] = sys_value_available,
        [GB_SYS_GR_VALUE] = sys_value,
        [GB_SYS_GR_WAIT_FOR] = sys_wait_for,
        [GB_SYS_GR_WAIT_UP_TO] = sys_wait_up_to,
        [GB_SYS_GR_WAIT] = sys_wait,
        [GB_SYS_GR_WAKE] = sys_wake,
    };
    for (uint32_t i = 0; i < GB_SYS_COUNT; i++) {
        const gb_gear_syscall *sc = gb_gear_syscall_get((gb_gear_syscall_id)i);
        TRY_RET(gb_func_new_host(p->store, &sc->type, fns[i], p, &p->sys[i]));
    }
    (void)get32;
    return GB_OK;
}
