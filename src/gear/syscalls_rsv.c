/*
 * The Gear syscalls of gas reservations and reply deposits: gr_reserve_gas,
 * gr_unreserve_gas, gr_system_reserve_gas, gr_reservation_send* and
 * gr_reservation_reply* (a message or reply paid from a reservation), and
 * gr_reply_deposit; and the run's view of its reservations, which the
 * sends and replies of syscalls_send.c also check.  How pointers, gas and
 * errors are treated: the top of syscalls.c; the helpers are in
 * syscalls_int.h.
 */
#include <stdlib.h>

#include "gear/syscalls_int.h"
#include "util/hash.h"
#include "util/mem.h"

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

rsv_state gb_syscall_rsv_find(const gb_run *r, gb_id id)
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
bool gb_syscall_rsv_live(const rsv_state *st)
{
    return st->where != RSV_NONE && !st->removed;
}

/* GasReserver::check_not_used: 500 unless live and unused. */
uint32_t gb_syscall_rsv_check_not_used(const rsv_state *st)
{
    return gb_syscall_rsv_live(st) && !st->used ? 0
                                                : GB_EXT_INVALID_RESERVATION_ID;
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

gb_err gb_syscall_rsv_note_unreserved(gb_run *r, gb_id id, uint64_t amount,
                                      bool used)
{
    gb_journal *j = r->j;
    TRY_RET(grow_one((void **)&j->unreserved, &r->caps_unreserved, j->nunreserved,
                 sizeof *j->unreserved));
    j->unreserved[j->nunreserved++] =
        (gb_unreservation){.id = id, .amount = amount, .used = used};
    return GB_OK;
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
 * the syscall.  A reservation also sets aside its rent up front
 * (cost_for_reservation: reservation rent x (reserve_for + duration)
 * blocks, the sum saturating at 2^32 - 1), which leaves with it too
 * (gb_reservation.lock) and comes back with the amount when the run
 * unreserves it. */

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
HOST(gb_sys_reserve_gas)
{
    RUN();
    r->sc = GB_SYS_GR_RESERVE_GAS;
    UNUSED_ARGS;
    uint64_t amount = a[0];
    uint32_t duration = (uint32_t)a[1], err = (uint32_t)a[2];
    TRY_RET(charge(ctx, r, 0));
    uint64_t fee = r->costs->reservation_fee;
    TRY_RET(fee_check(ctx, r, fee));
    uint64_t blocks = r->costs->reserve_for + (uint64_t)duration;
    uint64_t lock = r->costs->reservation_rent *
                    (blocks > UINT32_MAX ? UINT32_MAX : blocks);
    uint64_t need = amount > UINT64_MAX - lock ? UINT64_MAX : amount + lock;
    uint32_t code = 0;
    if (duration == 0)
        code = GB_EXT_ZERO_RESERVATION_DURATION;
    else if (amount < r->blk->mailbox_threshold)
        code = GB_EXT_RESERVATION_BELOW_MAILBOX_THRESHOLD;
    else if (need > gb_store_gas_left(gb_host_store(ctx)) - fee)
        code = GB_EXT_NOT_ENOUGH_GAS;
    else if (rsv_count(r) > r->cfg->max_reservations)
        code = GB_EXT_RESERVATIONS_LIMIT_REACHED;
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    gb_journal *j = r->j;
    TRY_RET(grow_one((void **)&j->reserved, &r->caps_reserved, j->nreserved,
                 sizeof *j->reserved));
    TRY_RET(gb_host_charge(ctx, fee + need)); /* the fee burned, the amount
                                               and its rent leave with
                                               the journal */
    NOTE(r, FEE, fee);
    NOTE(r, GIVEN, need);
    gb_id id = gb_reservation_id(r->d->id, r->ctx.reservation_nonce);
    if (r->ctx.reservation_nonce != UINT64_MAX)
        r->ctx.reservation_nonce++;
    uint32_t h = r->blk->height;
    j->reserved[j->nreserved++] = (gb_reservation){
        .id = id, .amount = amount,
        .expires_at = duration > UINT32_MAX - h ? UINT32_MAX : h + duration,
        .lock = lock};
    return put_err_hash(ctx, r, err, 0, &id);
}

/* Ext::unreserve_gas / GasReserver::unreserve: unknown, already
 * unreserved or used (500); one made in this run gives its gas back to
 * the run, one of an earlier run leaves in j->unreserved.  ErrorWithGas:
 * packed, the amount at offset 4. */
HOST(gb_sys_unreserve_gas)
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
    rsv_state st = gb_syscall_rsv_find(r, id);
    if ((code = gb_syscall_rsv_check_not_used(&st)))
        return put_err(ctx, r, err, 12, code, NULL);
    gb_journal *j = r->j;
    if (st.where == RSV_NEW) {
        /* its amount and its rent back (Ext::unreserve_gas) */
        uint64_t back = st.amount + j->reserved[st.index].lock;
        memmove(j->reserved + st.index, j->reserved + st.index + 1,
                (j->nreserved - st.index - 1) * sizeof *j->reserved);
        j->nreserved--;
        gb_host_refund(ctx, back);
        NOTE(r, GIVEN, -(int64_t)back);
    } else {
        TRY_RET(gb_syscall_rsv_note_unreserved(r, id, st.amount, false));
    }
    uint8_t b[8];
    put64(b, st.amount);
    return put_err(ctx, r, err, 12, 0, b);
}

/* Ext::system_reserve_gas: forbidden in handle_signal, zero (503), not
 * enough gas (100); adds up across calls and gr_wait. */
HOST(gb_sys_system_reserve_gas)
{
    RUN();
    r->sc = GB_SYS_GR_SYSTEM_RESERVE_GAS;
    UNUSED_ARGS;
    uint64_t amount = a[0];
    uint32_t err = (uint32_t)a[1];
    TRY_RET(gb_syscall_forbidden_in_signal(ctx, r, "gr_system_reserve_gas"));
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
HOST(gb_sys_reservation_send)
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
        TRY_RET(gb_syscall_take_nonce(r, true, &h, &code));
    if (code)
        return put_err_hash(ctx, r, err, code, NULL);
    gb_id rid, dest;
    gb_u128 value;
    read_two_hashes_value(r, rpv, &rid, &dest, &value);
    return gb_syscall_commit(ctx, r, h, dest, value, at(r, ptr, len), len,
                             false, 0, delay, &rid, err);
}

HOST(gb_sys_reservation_send_commit)
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
    return gb_syscall_commit(ctx, r, h, dest, value, NULL, 0, false, 0, delay,
                             &rid, err);
}

/* gr_reservation_reply(_commit): forbidden in handle_signal; the value
 * (101), the reservation (500), then the reply's own checks (108, 302,
 * 300).  The HashWithValue pointer has no sentinel. */
static gb_err reservation_reply(gb_host_ctx *ctx, gb_run *r, const char *name,
                                uint32_t rv, uint32_t ptr, uint32_t len,
                                uint32_t err)
{
    TRY_RET(gb_syscall_forbidden_in_signal(ctx, r, name));
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
    return gb_syscall_reply_commit(ctx, r, at(r, ptr, len), len, value, false,
                                   0, &rid, err);
}

HOST(gb_sys_reservation_reply)
{
    RUN();
    r->sc = GB_SYS_GR_RESERVATION_REPLY;
    UNUSED_ARGS;
    return reservation_reply(ctx, r, "gr_reservation_reply", (uint32_t)a[0],
                             (uint32_t)a[1], (uint32_t)a[2], (uint32_t)a[3]);
}

HOST(gb_sys_reservation_reply_commit)
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
HOST(gb_sys_reply_deposit)
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

