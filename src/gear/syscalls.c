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
 *
 * This file holds the syscalls of memory, of reading the message, of the
 * environment and of ending the run, and registers all of them; sending,
 * replying and creating programs are in syscalls_send.c, gas
 * reservations and reply deposits in syscalls_rsv.c, the helpers they
 * share in syscalls_int.h.
 */
#include <stdlib.h>

#include "gear/syscalls_int.h"
#include "util/hash.h"
#include "util/mem.h"

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
    r->alloc_set = true;
    if (on)
        r->alloc[pg / 8] |= (uint8_t)(1u << (pg % 8));
    else
        r->alloc[pg / 8] &= (uint8_t)~(1u << (pg % 8));
}

/* AllocationsContext::alloc: first fit in the heap [static, max_pages);
 * alloc(0) is the heap start; no heap at all fails even for 0. */
HOST(gb_sys_alloc)
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

HOST(gb_sys_free)
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
HOST(gb_sys_free_range)
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
HOST(gb_sys_read)
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

HOST(gb_sys_size)
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

HOST(gb_sys_source)
{
    RUN();
    r->sc = GB_SYS_GR_SOURCE;
    UNUSED_ARGS;
    if (in_signal(r))
        return stop(ctx, r, GB_STOP_BACKEND, "gr_source is forbidden in handle_signal");
    return out_id(ctx, r, (uint32_t)a[0], r->d->source);
}

HOST(gb_sys_message_id)
{
    RUN();
    r->sc = GB_SYS_GR_MESSAGE_ID;
    UNUSED_ARGS;
    return out_id(ctx, r, (uint32_t)a[0], r->d->id);
}

HOST(gb_sys_program_id)
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

HOST(gb_sys_value)
{
    RUN();
    r->sc = GB_SYS_GR_VALUE;
    UNUSED_ARGS;
    return out_value(ctx, r, (uint32_t)a[0], r->d->value);
}


HOST(gb_sys_value_available)
{
    RUN();
    r->sc = GB_SYS_GR_VALUE_AVAILABLE;
    UNUSED_ARGS;
    return out_value(ctx, r, (uint32_t)a[0], value_available(r));
}

HOST(gb_sys_reply_to)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_TO;
    UNUSED_ARGS;
    TRY_RET(charge(ctx, r, 0));
    if (r->d->kind != GB_DISPATCH_REPLY)
        return put_err_hash(ctx, r, (uint32_t)a[0], GB_EXT_NO_REPLY_CONTEXT, NULL);
    return put_err_hash(ctx, r, (uint32_t)a[0], 0, &r->d->reply_to);
}

HOST(gb_sys_reply_code)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_CODE;
    UNUSED_ARGS;
    TRY_RET(charge(ctx, r, 0));
    if (r->d->kind != GB_DISPATCH_REPLY)
        return put_err(ctx, r, (uint32_t)a[0], 8, GB_EXT_NO_REPLY_CONTEXT, NULL);
    return put_err(ctx, r, (uint32_t)a[0], 8, 0, r->d->reply_code);
}

HOST(gb_sys_signal_from)
{
    RUN();
    r->sc = GB_SYS_GR_SIGNAL_FROM;
    UNUSED_ARGS;
    TRY_RET(charge(ctx, r, 0));
    if (!in_signal(r))
        return put_err_hash(ctx, r, (uint32_t)a[0], GB_EXT_NO_SIGNAL_CONTEXT, NULL);
    return put_err_hash(ctx, r, (uint32_t)a[0], 0, &r->d->signal_from);
}

HOST(gb_sys_signal_code)
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

HOST(gb_sys_block_height)
{
    RUN();
    r->sc = GB_SYS_GR_BLOCK_HEIGHT;
    UNUSED_ARGS;
    return out_uint(ctx, r, (uint32_t)a[0], r->blk->height, 4);
}

HOST(gb_sys_block_timestamp)
{
    RUN();
    r->sc = GB_SYS_GR_BLOCK_TIMESTAMP;
    UNUSED_ARGS;
    return out_uint(ctx, r, (uint32_t)a[0], r->blk->timestamp, 8);
}

HOST(gb_sys_gas_available)
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

HOST(gb_sys_env_vars)
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

HOST(gb_sys_random)
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

HOST(gb_sys_debug)
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

HOST(gb_sys_panic)
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

HOST(gb_sys_oom_panic)
{
    RUN();
    r->sc = GB_SYS_GR_OOM_PANIC;
    UNUSED_ARGS;
    return stop(ctx, r, GB_STOP_OOM, "out of memory (gr_oom_panic)");
}

HOST(gb_sys_exit)
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

HOST(gb_sys_leave)
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

HOST(gb_sys_wait)
{
    RUN();
    r->sc = GB_SYS_GR_WAIT;
    UNUSED_ARGS;
    return wait_common(ctx, r, GB_WAIT, 0);
}

HOST(gb_sys_wait_for)
{
    RUN();
    r->sc = GB_SYS_GR_WAIT_FOR;
    UNUSED_ARGS;
    return wait_common(ctx, r, GB_WAIT_FOR, (uint32_t)a[0]);
}

HOST(gb_sys_wait_up_to)
{
    RUN();
    r->sc = GB_SYS_GR_WAIT_UP_TO;
    UNUSED_ARGS;
    return wait_common(ctx, r, GB_WAIT_UP_TO, (uint32_t)a[0]);
}

HOST(gb_sys_wake)
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


/* ---- registration -------------------------------------------------------- */

gb_err gb_syscalls_register(gb_processor *p)
{
    static const gb_host_fn fns[GB_SYS_COUNT] = {
        [GB_SYS_ALLOC] = gb_sys_alloc,
        [GB_SYS_FREE] = gb_sys_free,
        [GB_SYS_FREE_RANGE] = gb_sys_free_range,
        [GB_SYS_GR_ENV_VARS] = gb_sys_env_vars,
        [GB_SYS_GR_BLOCK_HEIGHT] = gb_sys_block_height,
        [GB_SYS_GR_BLOCK_TIMESTAMP] = gb_sys_block_timestamp,
        [GB_SYS_GR_CREATE_PROGRAM] = gb_sys_create_program,
        [GB_SYS_GR_CREATE_PROGRAM_WGAS] = gb_sys_create_program_wgas,
        [GB_SYS_GR_REPLY_DEPOSIT] = gb_sys_reply_deposit,
        [GB_SYS_GR_DEBUG] = gb_sys_debug,
        [GB_SYS_GR_PANIC] = gb_sys_panic,
        [GB_SYS_GR_OOM_PANIC] = gb_sys_oom_panic,
        [GB_SYS_GR_REPLY_CODE] = gb_sys_reply_code,
        [GB_SYS_GR_SIGNAL_CODE] = gb_sys_signal_code,
        [GB_SYS_GR_EXIT] = gb_sys_exit,
        [GB_SYS_GR_GAS_AVAILABLE] = gb_sys_gas_available,
        [GB_SYS_GR_LEAVE] = gb_sys_leave,
        [GB_SYS_GR_MESSAGE_ID] = gb_sys_message_id,
        [GB_SYS_GR_PROGRAM_ID] = gb_sys_program_id,
        [GB_SYS_GR_RANDOM] = gb_sys_random,
        [GB_SYS_GR_READ] = gb_sys_read,
        [GB_SYS_GR_REPLY_COMMIT_WGAS] = gb_sys_reply_commit_wgas,
        [GB_SYS_GR_REPLY_COMMIT] = gb_sys_reply_commit,
        [GB_SYS_GR_REPLY_PUSH] = gb_sys_reply_push,
        [GB_SYS_GR_REPLY_PUSH_INPUT] = gb_sys_reply_push_input,
        [GB_SYS_GR_REPLY_TO] = gb_sys_reply_to,
        [GB_SYS_GR_SIGNAL_FROM] = gb_sys_signal_from,
        [GB_SYS_GR_REPLY_INPUT_WGAS] = gb_sys_reply_input_wgas,
        [GB_SYS_GR_REPLY_WGAS] = gb_sys_reply_wgas,
        [GB_SYS_GR_REPLY] = gb_sys_reply,
        [GB_SYS_GR_REPLY_INPUT] = gb_sys_reply_input,
        [GB_SYS_GR_RESERVATION_REPLY_COMMIT] = gb_sys_reservation_reply_commit,
        [GB_SYS_GR_RESERVATION_REPLY] = gb_sys_reservation_reply,
        [GB_SYS_GR_RESERVATION_SEND_COMMIT] = gb_sys_reservation_send_commit,
        [GB_SYS_GR_RESERVATION_SEND] = gb_sys_reservation_send,
        [GB_SYS_GR_RESERVE_GAS] = gb_sys_reserve_gas,
        [GB_SYS_GR_SEND_COMMIT_WGAS] = gb_sys_send_commit_wgas,
        [GB_SYS_GR_SEND_COMMIT] = gb_sys_send_commit,
        [GB_SYS_GR_SEND_INIT] = gb_sys_send_init,
        [GB_SYS_GR_SEND_PUSH] = gb_sys_send_push,
        [GB_SYS_GR_SEND_PUSH_INPUT] = gb_sys_send_push_input,
        [GB_SYS_GR_SEND_INPUT_WGAS] = gb_sys_send_input_wgas,
        [GB_SYS_GR_SEND_WGAS] = gb_sys_send_wgas,
        [GB_SYS_GR_SEND] = gb_sys_send,
        [GB_SYS_GR_SEND_INPUT] = gb_sys_send_input,
        [GB_SYS_GR_SIZE] = gb_sys_size,
        [GB_SYS_GR_SOURCE] = gb_sys_source,
        [GB_SYS_GR_SYSTEM_RESERVE_GAS] = gb_sys_system_reserve_gas,
        [GB_SYS_GR_UNRESERVE_GAS] = gb_sys_unreserve_gas,
        [GB_SYS_GR_VALUE_AVAILABLE] = gb_sys_value_available,
        [GB_SYS_GR_VALUE] = gb_sys_value,
        [GB_SYS_GR_WAIT_FOR] = gb_sys_wait_for,
        [GB_SYS_GR_WAIT_UP_TO] = gb_sys_wait_up_to,
        [GB_SYS_GR_WAIT] = gb_sys_wait,
        [GB_SYS_GR_WAKE] = gb_sys_wake,
    };
    for (uint32_t i = 0; i < GB_SYS_COUNT; i++) {
        const gb_gear_syscall *sc = gb_gear_syscall_get((gb_gear_syscall_id)i);
        TRY_RET(gb_func_new_host(p->store, &sc->type, fns[i], p, &p->sys[i]));
    }
    (void)get32;
    return GB_OK;
}
