/*
 * The Gear syscalls that make messages: gr_send* (a message in one call,
 * or a handle opened, pushed to and committed), gr_reply* (the reply,
 * pushed to and committed the same way), and gr_create_program* (a
 * program created with its init message).  Each records its message in
 * the run's journal; how pointers, gas and errors are treated: the top of
 * syscalls.c.  The helpers are in syscalls_int.h; the reservations that
 * gr_reservation_send / _reply use are in syscalls_rsv.c, which calls
 * back into the commits here.
 */
#include <stdlib.h>

#include "gear/syscalls_int.h"
#include "util/hash.h"
#include "util/mem.h"

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
    /* (a first buffer by malloc: jemalloc's realloc of NULL takes its
     * slower path, twice the instructions) */
    uint8_t *p = *buf ? gb_realloc(*buf, c) : gb_malloc(c);
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
gb_err gb_syscall_take_nonce(gb_run *r, bool open, uint32_t *h, uint32_t *code)
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
gb_err gb_syscall_commit(gb_host_ctx *ctx, gb_run *r, uint32_t h, gb_id dest,
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
        st = gb_syscall_rsv_find(r, *rsv);
        if (delay && !gb_syscall_rsv_live(&st))
            code = GB_EXT_INVALID_RESERVATION_ID;
        else if (delay && st.amount < r->blk->mailbox_threshold)
            code = GB_EXT_INSUFFICIENT_GAS_FOR_DELAYED_SENDING;
        else if (gb_u128_cmp(value, value_available(r)) > 0)
            code = GB_EXT_NOT_ENOUGH_VALUE;
        else
            code = gb_syscall_rsv_check_not_used(&st);
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
    if (j->nmsgs == j->msgs_room) {
        /* the first: a released journal's array (gb_journal_release_to),
         * or room for two */
        uint32_t cap = j->msgs_room * 2;
        gb_out_msg *m =
            j->msgs ? gb_realloc(j->msgs, cap * sizeof *m)
                    : gb_journal_room(&r->p->spare_msgs, 1, 2, sizeof *m,
                                      &cap);
        if (!m)
            return GB_NOMEM;
        j->msgs = m;
        j->msgs_room = cap;
    }
    TRY_RET(grow_buf(&b->buf, &b->cap, (uint64_t)b->len + len + 1));
    if (len)
        memcpy(b->buf + b->len, extra, len);
    if (rsv)
        TRY_RET(gb_syscall_rsv_note_unreserved(r, *rsv, st.amount, true));
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
        TRY_RET(gb_syscall_take_nonce(r, true, &h, &code));
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    gb_id dest;
    gb_u128 value;
    read_hash_value(r, pid_value, &dest, &value);
    return gb_syscall_commit(ctx, r, h, dest, value, at(r, ptr, len), len, wgas,
                             gas_limit, delay, NULL, err);
}

HOST(gb_sys_send)
{
    RUN();
    r->sc = GB_SYS_GR_SEND;
    UNUSED_ARGS;
    return send_now(ctx, r, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2],
                    false, 0, (uint32_t)a[3], (uint32_t)a[4]);
}

HOST(gb_sys_send_wgas)
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
        TRY_RET(gb_syscall_take_nonce(r, true, &h, &code));
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
    return gb_syscall_commit(ctx, r, h, dest, value, NULL, 0, wgas, gas_limit,
                             delay, NULL, err);
}

HOST(gb_sys_send_input)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_INPUT;
    UNUSED_ARGS;
    return send_input(ctx, r, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2],
                      false, 0, (uint32_t)a[3], (uint32_t)a[4]);
}

HOST(gb_sys_send_input_wgas)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_INPUT_WGAS;
    UNUSED_ARGS;
    return send_input(ctx, r, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2],
                      true, a[3], (uint32_t)a[4], (uint32_t)a[5]);
}

HOST(gb_sys_send_init)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_INIT;
    UNUSED_ARGS;
    TRY_RET(charge(ctx, r, 0));
    uint32_t h = 0, code;
    TRY_RET(gb_syscall_take_nonce(r, true, &h, &code));
    uint8_t b[4];
    put32(b, h);
    return put_err(ctx, r, (uint32_t)a[0], 8, code, b);
}

HOST(gb_sys_send_push)
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

HOST(gb_sys_send_push_input)
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
    return gb_syscall_commit(ctx, r, h, dest, value, NULL, 0, wgas, gas_limit,
                             delay, NULL, err);
}

HOST(gb_sys_send_commit)
{
    RUN();
    r->sc = GB_SYS_GR_SEND_COMMIT;
    UNUSED_ARGS;
    return send_commit(ctx, r, (uint32_t)a[0], (uint32_t)a[1], false, 0,
                       (uint32_t)a[2], (uint32_t)a[3]);
}

HOST(gb_sys_send_commit_wgas)
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

gb_err gb_syscall_forbidden_in_signal(gb_host_ctx *ctx, gb_run *r,
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
gb_err gb_syscall_reply_commit(gb_host_ctx *ctx, gb_run *r,
                               const uint8_t *extra, uint32_t len,
                               gb_u128 value, bool wgas, uint64_t gas_limit,
                               const gb_id *rsv, uint32_t err)
{
    uint32_t code = 0;
    uint64_t total = (uint64_t)r->reply_len + len;
    rsv_state st = {.where = RSV_NONE};
    if (rsv)
        st = gb_syscall_rsv_find(r, *rsv);
    if (wgas && gas_limit > gb_store_gas_left(gb_host_store(ctx)))
        code = GB_EXT_NOT_ENOUGH_GAS;
    else if (gb_u128_cmp(value, value_available(r)) > 0)
        code = GB_EXT_NOT_ENOUGH_VALUE;
    else if (rsv && (code = gb_syscall_rsv_check_not_used(&st)))
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
        TRY_RET(gb_syscall_rsv_note_unreserved(r, *rsv, st.amount, true));
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
    if (r->sc != GB_SYS_GR_REPLY_WGAS) /* (set by each caller) */
        TRY_RET(gb_syscall_forbidden_in_signal(ctx, r, name));
    bool big = len > r->cfg->max_payload; /* not even read */
    TRY_RET(charge(ctx, r, big ? 0 : len));
    uint32_t code = value_oob(r, value_ptr);
    if (!code && !big)
        code = oob(r, ptr, len);
    if (!code && big)
        code = GB_EXT_MAX_MESSAGE_SIZE_EXCEED;
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    return gb_syscall_reply_commit(ctx, r, at(r, ptr, len), len,
                                   read_value(r, value_ptr), wgas, gas_limit,
                                   NULL, err);
}

HOST(gb_sys_reply)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY;
    UNUSED_ARGS;
    return reply_now(ctx, r, "gr_reply", (uint32_t)a[0], (uint32_t)a[1],
                     (uint32_t)a[2], false, 0, (uint32_t)a[3]);
}

HOST(gb_sys_reply_wgas)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_WGAS;
    UNUSED_ARGS;
    return reply_now(ctx, r, "gr_reply_wgas", (uint32_t)a[0], (uint32_t)a[1],
                     (uint32_t)a[3], true, a[2], (uint32_t)a[4]);
}

HOST(gb_sys_reply_commit)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_COMMIT;
    UNUSED_ARGS;
    return reply_now(ctx, r, "gr_reply_commit", 0, 0, (uint32_t)a[0], false,
                     0, (uint32_t)a[1]);
}

HOST(gb_sys_reply_commit_wgas)
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
    TRY_RET(gb_syscall_forbidden_in_signal(ctx, r, name));
    TRY_RET(charge(ctx, r, 0));
    uint32_t code = value_oob(r, value_ptr);
    if (!code)
        TRY_RET(push_input(ctx, r, off, len, &code));
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    return gb_syscall_reply_commit(ctx, r, NULL, 0, read_value(r, value_ptr),
                                   wgas, gas_limit, NULL, err);
}

HOST(gb_sys_reply_input)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_INPUT;
    UNUSED_ARGS;
    return reply_input(ctx, r, "gr_reply_input", (uint32_t)a[0],
                       (uint32_t)a[1], (uint32_t)a[2], false, 0,
                       (uint32_t)a[3]);
}

HOST(gb_sys_reply_input_wgas)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_INPUT_WGAS;
    UNUSED_ARGS;
    return reply_input(ctx, r, "gr_reply_input_wgas", (uint32_t)a[0],
                       (uint32_t)a[1], (uint32_t)a[3], true, a[2],
                       (uint32_t)a[4]);
}

HOST(gb_sys_reply_push)
{
    RUN();
    r->sc = GB_SYS_GR_REPLY_PUSH;
    UNUSED_ARGS;
    uint32_t ptr = (uint32_t)a[0], len = (uint32_t)a[1];
    TRY_RET(gb_syscall_forbidden_in_signal(ctx, r, "gr_reply_push"));
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
HOST(gb_sys_reply_push_input)
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
    e = gb_syscall_take_nonce(r, false, &h, &code);
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

HOST(gb_sys_create_program)
{
    RUN();
    r->sc = GB_SYS_GR_CREATE_PROGRAM;
    (void)res;
    return create_program(ctx, r, a, false);
}

HOST(gb_sys_create_program_wgas)
{
    RUN();
    r->sc = GB_SYS_GR_CREATE_PROGRAM_WGAS;
    (void)res;
    return create_program(ctx, r, a, true);
}

