/*
 * Gear's holds: what a message kept in the mailbox or the waitlist locks
 * for its rent, and pays when it leaves (Gear's HoldBound and
 * charge_for_hold, vara/pallets/gear/src/internal.rs:43-171 and 321-378,
 * at the commit docs/gas.md names).  Heights are blocks; a hold of a
 * storage costing `cost` gas a block that starts at `start` and is
 * expected to end at `expected` (its task's block) is paid until its
 * deadline, expected + ReserveFor (GB_CHAIN_RESERVE_FOR, a task may run
 * that late).
 *
 *   mailbox   a message to a user (not a reply) given at least the
 *             mailbox threshold of gas (a gasless one takes the threshold
 *             from its holder) is held for as long as its gas pays
 *             (maximum_for), the whole gas locked (send_user_message,
 *             internal.rs:910-1127); otherwise it is not stored.  Read,
 *             claimed, replied to or out of rent, it pays the rent of its
 *             stay and the rest goes back (read_message_requirements,
 *             558-614).  Its record keeps the start in d.signal_code, and
 *             the sender's reply deposit for it.  The sender gets an
 *             automatic reply from the user when the message is not
 *             stored, claimed or out of rent (gb_chain_mail_auto_reply:
 *             internal.rs:1088-1111, lib.rs:1574-1606,
 *             manager/task.rs:55-93), paid by that deposit, else 0 gas.
 *   reservations  a reservation locks (end + ReserveFor - start) x cost
 *             with its amount (the ReserveGas note, journal.rs:503-577)
 *             and pays the blocks it was held when it ends
 *             (remove_gas_reservation_slot, manager/mod.rs:199-213).
 *   waitlist  a waiting message locks (expected + ReserveFor - start) x
 *             cost of its holder's gas up front: for gr_wait the most its
 *             gas pays (maximum_for_message), for gr_wait_for and
 *             gr_wait_up_to the duration asked for when that is less
 *             (wait_dispatch, 381-514); leaving, it pays the blocks it
 *             stayed out of the lock and the rest of the lock returns to
 *             the holder (wake_dispatch, charge_for_hold).  The lock is
 *             not stored: the record's start (d.signal_code) and end
 *             (expires_at) give it (gb_chain_wait_lock).
 */
#include <stdlib.h>
#include <string.h>

#include "chain/effects.h"
#include "chain/holds.h"
#include "chain/queue.h"
#include "util/mem.h"

uint32_t gb_hold_maximum_for(uint32_t now, uint64_t gas, uint64_t cost)
{
    uint64_t deadline = (uint64_t)now + gas / (cost ? cost : 1);
    if (deadline > UINT32_MAX)
        deadline = UINT32_MAX;
    return deadline > GB_CHAIN_RESERVE_FOR
               ? (uint32_t)(deadline - GB_CHAIN_RESERVE_FOR)
               : 0;
}

/* expected + ReserveFor, saturating at the last block number (Gear's
 * HoldBound::deadline) */
static uint64_t deadline_of(uint32_t expected)
{
    uint64_t d = (uint64_t)expected + GB_CHAIN_RESERVE_FOR;
    return d > UINT32_MAX ? UINT32_MAX : d;
}

uint64_t gb_hold_lock(uint32_t start, uint32_t expected, uint64_t cost)
{
    uint64_t deadline = deadline_of(expected);
    return deadline > start ? (deadline - start) * cost : 0;
}

uint64_t gb_hold_charge(uint32_t start, uint32_t expected, uint32_t now,
                        uint64_t cost, uint64_t prepaid)
{
    uint64_t deadline = deadline_of(expected);
    uint64_t until = now < deadline ? now : deadline;
    uint64_t due = until > start ? (until - start) * cost : 0;
    return due < prepaid ? due : prepaid;
}

/* ---- the mailbox ---------------------------------------------------------- */

gb_err gb_chain_to_user(gb_blk *b, const gb_db_dispatch *x)
{
    bool is_reply = x->d.kind == GB_DISPATCH_REPLY;
    uint64_t gas = x->d.gas_limit;
    uint32_t exp = 0;
    if (!is_reply && gas >= b->bctx.mailbox_threshold) {
        exp = gb_hold_maximum_for(b->height, gas, GB_CHAIN_MAILBOX_RENT);
        if (exp <= b->height) /* (Gear: unreachable for its threshold) */
            exp = 0;
    }
    bool hold = exp != 0;
    gb_event ev = {.kind = GB_EV_USER_MESSAGE, .id = x->d.id,
                   .source = x->d.source, .destination = x->d.destination,
                   .is_reply = is_reply, .reply_to = x->d.reply_to,
                   .value = x->d.value, .expires_at = exp};
    memcpy(ev.reply_code, x->d.reply_code, 4);
    gb_err e = gb_chain_event(b, ev, x->d.payload, x->d.payload_len, NULL);
    /* a reply deposit stays for the reply to a message (the user's, or
     * the automatic one); a reply gets none */
    uint64_t back = x->d.ctx.system_reservation +
                    (is_reply ? x->reply_deposit : 0);
    if (!e)
        e = gb_chain_refund_gas(b, x->origin, (hold ? 0 : gas) + back);
    if (e)
        return e;
    if (!hold) {
        e = gb_chain_account_add(b, x->d.destination, x->d.value);
        /* not stored: the program gets its automatic reply at once */
        return e || is_reply ? e : gb_chain_mail_auto_reply(b, x, x->origin);
    }
    gb_db_dispatch y = *x;
    y.d.ctx.system_reservation = 0;
    y.gas_node = (gb_id){{0}}; /* (Gear's cut node: detached) */
    y.flags &= ~(uint32_t)(GB_CHAIN_F_GASLESS | GB_CHAIN_F_POOLED);
    y.d.signal_code = b->height; /* when its hold began (for the rent) */
    y.expires_at = exp;
    e = gb_db_mailbox_put(b->txn, y.d.destination, y.d.id, &y);
    if (e)
        return e;
    gb_db_task t = {.kind = GB_TASK_REMOVE_FROM_MAILBOX,
                    .a = y.d.destination, .b = y.d.id};
    return gb_db_task_add(b->txn, y.expires_at, &t, NULL);
}

gb_err gb_chain_mail_auto_reply(gb_blk *b, const gb_db_dispatch *x,
                                gb_id payer)
{
    gb_db_dispatch y = {
        .d = {.kind = GB_DISPATCH_REPLY,
              .id = gb_message_id_reply(x->d.id),
              .source = x->d.destination,
              .destination = x->d.source,
              .gas_limit = x->reply_deposit,
              .reply_to = x->d.id},
        .origin = x->reply_deposit ? x->origin : payer};
    gb_reply_code_bytes(GB_REPLY_SUCCESS_AUTO, y.d.reply_code);
    return gb_chain_queue_push(b, &y);
}

gb_err gb_chain_mail_claimed(gb_blk *b, const gb_db_dispatch *x, gb_id user)
{
    gb_db_program p;
    gb_err e = gb_db_program_get(b->txn, x->d.source, &p);
    if (e && e != GB_NOT_FOUND)
        return e;
    if (!e && (p.status == GB_PROGRAM_ACTIVE ||
               p.status == GB_PROGRAM_INITIALIZING))
        return gb_chain_mail_auto_reply(b, x, user);
    /* (Gear leaves the deposit's node behind; it goes back here) */
    return gb_chain_refund_gas(b, x->origin, x->reply_deposit);
}

gb_err gb_chain_mailbox_release(gb_blk *b, const gb_db_dispatch *x)
{
    uint64_t rent = gb_hold_charge(x->d.signal_code, x->expires_at,
                                   b->height, GB_CHAIN_MAILBOX_RENT,
                                   x->d.gas_limit);
    gb_err e = gb_chain_burn(b, rent);
    return e ? e : gb_chain_refund_gas(b, x->origin, x->d.gas_limit - rent);
}

/* ---- reservations --------------------------------------------------------- */

uint64_t gb_chain_rsv_lock(const gb_db_reservation *r)
{
    return gb_hold_lock(r->start, r->expires_at, GB_CHAIN_RESERVATION_RENT);
}

gb_err gb_chain_rsv_end(gb_blk *b, const gb_db_reservation *r,
                        uint64_t *left)
{
    uint64_t lock = gb_chain_rsv_lock(r);
    uint64_t rent = gb_hold_charge(r->start, r->expires_at, b->height,
                                   GB_CHAIN_RESERVATION_RENT, lock);
    *left = r->amount + (lock - rent);
    return gb_chain_burn(b, rent);
}

gb_err gb_chain_rsv_clear(gb_blk *b, gb_id pid)
{
    /* the ids first: the table changes under a cursor */
    gb_id *ids = NULL;
    uint32_t n = 0, cap = 0;
    gb_db_cursor *cur;
    gb_err e = gb_db_cursor_open(b->txn, GB_TABLE_RESERVATIONS, pid.b, 32,
                                 NULL, 0, &cur);
    if (e)
        return e;
    gb_db_val k, v;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id owner, rid;
        if ((e = gb_db_key2_decode(k, &owner, &rid)))
            break;
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            gb_id *m = gb_realloc(ids, (size_t)cap * sizeof *m);
            if (!m) {
                e = GB_NOMEM;
                break;
            }
            ids = m;
        }
        ids[n++] = rid;
    }
    gb_db_cursor_close(cur);
    if (e == GB_NOT_FOUND)
        e = GB_OK;
    for (uint32_t i = 0; !e && i < n; i++) {
        gb_db_reservation r;
        uint64_t left;
        if (!(e = gb_db_reservation_get(b->txn, pid, ids[i], &r)) &&
            !(e = gb_db_reservation_del(b->txn, pid, ids[i])) &&
            !(e = gb_chain_rsv_end(b, &r, &left)))
            e = gb_chain_refund_gas(b, r.origin, left);
    }
    free(ids);
    return e;
}

/* ---- the waitlist --------------------------------------------------------- */

uint32_t gb_chain_wait_until(uint32_t now, const gb_journal *j, uint64_t gas)
{
    uint32_t most = gb_hold_maximum_for(now, gas, GB_CHAIN_WAITLIST_RENT);
    uint32_t until = most;
    if (j->wait == GB_WAIT_FOR || j->wait == GB_WAIT_UP_TO) {
        uint64_t want = (uint64_t)now + (j->wait_duration ? j->wait_duration
                                                          : 1);
        if (want < until)
            until = (uint32_t)want;
    }
    /* (the run set aside reserve_for + 1 blocks of rent, so Gear never
     * sees a shorter hold; kept at one block all the same) */
    return until > now ? until : now + 1;
}

bool gb_chain_wait_wakes(const gb_journal *j)
{
    return j->wait == GB_WAIT_FOR ||
           (j->wait == GB_WAIT_UP_TO && j->wait_full);
}

uint64_t gb_chain_wait_lock(const gb_db_dispatch *w)
{
    return gb_hold_lock(w->d.signal_code, w->expires_at,
                        GB_CHAIN_WAITLIST_RENT);
}
