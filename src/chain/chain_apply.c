/*
 * A run's journal applied to the block's write transaction
 * (chain_apply.h), and the waitlist.
 *
 * The pipeline (pipeline.c) takes a dispatch out of the queue (already
 * deleted there), checks its destination (not created, init failed,
 * exited: Gear's error replies without running anything), runs it in the
 * processor with a view of the program whose pages are read straight
 * from the transaction (nothing is written during a run, so those
 * pointers stay valid); gb_chain_apply_journal then applies the journal:
 *
 *   gas     the run's gas limit G is the gas of the node it draws on (its
 *           own, or its holder's: gas_tree.c, Gear's gas tree).  The
 *           processor's gas_burned leaves out the gas it handed to
 *           messages sent with an explicit gas limit, reservations, reply
 *           deposits and the system reservation; the node pays both.  The
 *           messages it sends to programs become the node's children:
 *           with gas of their own (an explicit gas limit) or gasless,
 *           drawing on the node; when the message is done its node is
 *           consumed (gb_chain_gas_done: what is left moves to the nearest
 *           ancestor still in use, or back to the account at the root).
 *           Messages to users hold no gas: an explicit gas limit on one
 *           goes back to the node at once.
 *   value   a run that did not fail credits the message's value to the
 *           program and debits what it sent (messages, reply, created
 *           programs and their existential deposit); a failed init/handle
 *           returns the value with its error reply.  A message that waited
 *           was credited on its first run (GB_CHAIN_F_VALUE_CREDITED) and
 *           is not credited again.
 *   state   pages, allocations, status (init: active / terminated),
 *           exit (balance to the inheritor, pages dropped, the waitlist
 *           drained with error replies), creations (record, initial pages,
 *           the init message queued first), messages (programs: queue or
 *           stash + task for a delay; users: mailbox + event), the reply
 *           (program: a REPLY dispatch; user: an event, and the mailbox
 *           only when it carries value), wakes, and the wait itself.
 *
 * Waiting costs rent: GB_CHAIN_WAITLIST_RENT gas per block, locked up
 * front from the gas the message draws on for the wait's whole length
 * (holds.c), paid for the blocks it stayed when it leaves the waitlist;
 * a gr_wait lasts as long as that gas pays for, after which the message
 * is removed with Gear's RemovedFromWaitlist error reply.
 *
 * Gas set aside by a run (it is not in the journal's gas_burned; the run's
 * node pays it):
 *
 *   reservations  journal.reserved: stored under the program (reservations
 *           table: amount, start, expires_at, origin = the account that
 *           paid for the message that made it), with its rent locked up
 *           front (the run set aside amount + lock: Gear's reserve_gas;
 *           gb_chain_rsv_lock), and a GB_TASK_REMOVE_RESERVATION task at
 *           expires_at, which deletes it, burns the rent of its blocks
 *           and refunds the rest to that origin (gb_chain_rsv_end; Gear
 *           returns it to the gas node's origin).  journal.unreserved:
 *           used → deleted, its gas (the amount and what the rent left of
 *           the lock) now travels with the message sent from it
 *           (from_reservation; that message's origin is the
 *           reservation's); not used (gr_unreserve_gas) → deleted, its
 *           rent paid, the rest refunded to its origin.  The program's
 *           reservations are passed to every run in the view.
 *   reply deposits  journal.deposits: kept with the message they were made
 *           for (the dispatch record's reply_deposit), wherever it is
 *           stored (queue, stash, waitlist).  The reply to that message —
 *           the one its run sends, or an error reply (unavailable
 *           program, removed from the waitlist) — gets the deposit as its
 *           gas (added to an explicit gas limit; such a reply is a root
 *           of the gas tree, drawing on nothing else).  A message to a
 *           user keeps its deposit for the user's reply or the automatic
 *           one (holds.c, Gear's send_user_message, claim_value,
 *           remove_from_mailbox).  Without a reply (a run that ended
 *           without replying, a reply to a user) the deposit is refunded
 *           to the message's origin.
 *   system reservation  journal.system_reserved (kept by a failed run
 *           too): held with the message (ctx.system_reservation of its
 *           waitlist / queue record) while it waits.  When a handle or
 *           reply (not an error reply) fails, it becomes the gas of the
 *           signal sent to the program (a SIGNAL dispatch, id
 *           gb_message_id_signal, signal_from = the message, the failure's
 *           SignalCode: Gear's process_error and send_signal), and so
 *           when a waiting one runs out of rent (RemovedFromWaitlist, 200);
 *           otherwise it is refunded to the message's origin when the
 *           message is done.
 *
 *   automatic replies  carry no gas of their own (Gear's ReplyPacket::auto
 *           has gas Some(0)): only a reply deposit pays for one, so an
 *           automatic reply to a program without one fails its precharge
 *           (RanOutOfGas, nothing burned), as on Vara.  Error replies and
 *           gasless manual replies are gasless children, like gasless
 *           messages.
 *
 *   value   the value counter of a run (process.h: balance, locked,
 *           value_received) is the program's balance less the existential
 *           deposit locked on it, plus the message's value on its first
 *           run only: a woken message's value is in the balance already.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/chain_apply.h"
#include "chain/effects.h"
#include "chain/gas_tree.h"
#include "chain/queue.h"
#include "chain/holds.h"
#include "util/bytes.h"
#include "util/hash.h"
#include "util/mem.h"
#include "util/try.h"

/* ---- the waitlist -------------------------------------------------------- */

static bool signal_due(const gb_db_dispatch *x);
static gb_err send_signal(gb_blk *b, const gb_db_dispatch *x, uint32_t code,
                          uint64_t gas, gb_gnode *h);

uint64_t gb_chain_wait_tag(const gb_db_dispatch *w)
{
    return (uint64_t)w->d.signal_code << 32 | w->expires_at;
}

gb_err gb_chain_waitlist_leave(gb_blk *b, gb_id pid, gb_id mid,
                               uint64_t guard, bool wake, gb_reply_code code)
{
    gb_db_dispatch w;
    gb_err e = gb_db_waitlist_get(b->txn, pid, mid, &w);
    if (e == GB_NOT_FOUND)
        return GB_OK;
    if (e)
        return e;
    if (guard && gb_chain_wait_tag(&w) != guard)
        return GB_OK;
    gb_held h;
    e = gb_chain_held_copy(&w, &h);
    if (e)
        return e;
    TRY_OUT(gb_db_waitlist_del(b->txn, pid, mid));
    gb_db_dispatch *x = &h.x;
    /* the rent of its stay, out of the lock its wait took (holds.c); the
     * rest of the lock back to the gas x draws on (its own or its
     * holder's) */
    gb_gnode g;
    TRY_OUT(gb_chain_gas_holder(b, x, &g));
    uint64_t lock = gb_chain_wait_lock(x);
    uint64_t rent = gb_hold_charge(x->d.signal_code, x->expires_at,
                                   b->height, GB_CHAIN_WAITLIST_RENT, lock);
    TRY_OUT(gb_chain_burn(b, rent));
    g.n.value += lock - rent;
    if (!g.stored)
        x->d.gas_limit = g.n.value;
    x->d.signal_code = 0;
    x->expires_at = 0;
    /* out of rent with a system reservation: the program's signal
     * (Gear's remove_from_waitlist task; not for init messages, whose
     * reservation goes back) */
    if (!wake && code == GB_REPLY_REMOVED_FROM_WAITLIST &&
        x->d.ctx.system_reservation && signal_due(x)) {
        gb_signal_code sc;
        (void)gb_signal_code_for_reply(code, &sc);
        TRY_OUT(send_signal(b, x, gb_signal_code_u32(sc),
                        x->d.ctx.system_reservation, &g));
        x->d.ctx.system_reservation = 0;
    }
    if (wake) {
        if (g.stored)
            TRY_OUT(gb_chain_gas_put(b, &g));
        TRY_OUT(gb_chain_queue_push(b, x));
        TRY_OUT(gb_chain_event(b, (gb_event){.kind = GB_EV_WOKEN, .id = mid,
                                         .destination = pid},
                           NULL, 0, NULL));
        goto out;
    }
    if (x->d.kind == GB_DISPATCH_INIT || x->d.kind == GB_DISPATCH_HANDLE) {
        uint8_t inh[32];
        uint32_t len = 0;
        if (code == GB_REPLY_UNAVAILABLE_PROGRAM_EXITED) {
            gb_db_program p;
            if (!gb_db_program_get(b->txn, pid, &p)) {
                memcpy(inh, p.inheritor.b, 32);
                len = 32;
            }
        }
        TRY_OUT(gb_chain_error_reply_h(b, x, &g, code, inh, len));
        TRY_OUT(gb_chain_gas_done(b, x, &g));
        if (x->d.kind == GB_DISPATCH_INIT) {
            gb_db_program p;
            uint8_t *alloc;
            TRY_OUT(gb_chain_prog_load(b->txn, pid, &p, &alloc));
            if (p.status == GB_PROGRAM_INITIALIZING) {
                p.status = GB_PROGRAM_TERMINATED;
                e = gb_db_program_put(b->txn, pid, &p);
                if (!e) /* (process_failed_init) */
                    e = gb_chain_rsv_clear(b, pid);
                if (!e)
                    e = gb_chain_pages_clear(b, pid);
                if (!e)
                    e = gb_chain_event(b, (gb_event){.kind = GB_EV_INIT_FAILED,
                                                     .id = pid},
                                       NULL, 0, NULL);
            }
            free(alloc);
        }
    } else {
        /* a credited value stays with the program */
        TRY_OUT(gb_chain_refund_gas(b, x->origin, gb_chain_extra_gas(x)));
        TRY_OUT(gb_chain_gas_done(b, x, &g));
    }
out:
    gb_chain_held_free(&h);
    return e;
}

/* Every message waiting in pid's waitlist leaves with an error reply. */
static gb_err drain_waitlist(gb_blk *b, gb_id pid, gb_reply_code code)
{
    gb_id *ids = NULL;
    uint32_t n = 0, cap = 0;
    gb_db_cursor *cur;
    gb_err e = gb_db_cursor_open(b->txn, GB_TABLE_WAITLIST, pid.b, 32, NULL,
                                 0, &cur);
    if (e)
        return e;
    gb_db_val k, v;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id owner, mid;
        if ((e = gb_db_key2_decode(k, &owner, &mid)))
            break;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            gb_id *nn = gb_realloc(ids, cap * sizeof *nn);
            if (!nn) {
                e = GB_NOMEM;
                break;
            }
            ids = nn;
        }
        ids[n++] = mid;
    }
    gb_db_cursor_close(cur);
    if (e == GB_NOT_FOUND)
        e = GB_OK;
    for (uint32_t i = 0; !e && i < n; i++)
        e = gb_chain_waitlist_leave(b, pid, ids[i], 0, false, code);
    free(ids);
    return e;
}

gb_err gb_chain_page_put(gb_blk *b, gb_id pid, uint32_t page, uint8_t **data,
                         uint32_t len, gb_prog_cache *pc)
{
    if (!b->ov)
        return gb_db_page_put(b->txn, pid, page, *data, len);
    uint8_t *d = *data;
    return gb_overlay_put_kept(b->ov, pid, page, d, len, data,
                               pc ? &pc->ov : NULL);
}

gb_err gb_chain_pages_clear(gb_blk *b, gb_id pid)
{
    gb_prog_cache *pc = gb_chain_prog_cache_of(b, pid);
    if (pc) {
        pc->pages_ok = true;
        pc->npages = 0;
    }
    gb_overlay_drop(b->ov, pid);
    return gb_db_pages_clear(b->txn, pid, NULL);
}

/* x waits until block `until`, its rent locked (holds.c); gas: what it
 * holds besides, when its gas is its own (not pooled, not gasless). */
static gb_err apply_wait(gb_blk *b, const gb_db_dispatch *x,
                         const gb_journal *j, uint64_t gas, uint64_t sysres,
                         bool pooled, uint32_t until)
{
    gb_db_dispatch w = *x; /* keeps its reply deposit, its gas form */
    if (pooled)
        w.flags |= GB_CHAIN_F_POOLED;
    w.d.ctx = j->ctx;
    w.d.ctx.system_reservation = sysres;
    w.d.gas_limit = w.flags & (GB_CHAIN_F_GASLESS | GB_CHAIN_F_POOLED)
                        ? 0
                        : gas;
    w.flags |= GB_CHAIN_F_VALUE_CREDITED;
    w.d.signal_code = b->height; /* when the wait began (for rent) */
    uint8_t kind = gb_chain_wait_wakes(j) ? GB_TASK_WAKE_MESSAGE
                                          : GB_TASK_REMOVE_FROM_WAITLIST;
    w.expires_at = until;
    gb_err e = gb_db_waitlist_put(b->txn, w.d.destination, w.d.id, &w);
    if (e)
        return e;
    gb_db_task t = {.kind = kind, .a = w.d.destination, .b = w.d.id,
                    .arg = gb_chain_wait_tag(&w)};
    e = gb_db_task_add(b->txn, w.expires_at, &t, NULL);
    if (e)
        return e;
    return gb_chain_event(b, (gb_event){.kind = GB_EV_WAITED, .id = w.d.id,
                                        .destination = w.d.destination},
                          NULL, 0, NULL);
}

static gb_err apply_wake(gb_blk *b, gb_id pid, const gb_wake_req *wk)
{
    if (!wk->delay)
        return gb_chain_waitlist_leave(b, pid, wk->message_id, 0, true, 0);
    gb_db_dispatch w;
    gb_err e = gb_db_waitlist_get(b->txn, pid, wk->message_id, &w);
    if (e == GB_NOT_FOUND)
        return GB_OK;
    if (e)
        return e;
    gb_db_task t = {.kind = GB_TASK_WAKE_MESSAGE, .a = pid,
                    .b = wk->message_id, .arg = gb_chain_wait_tag(&w)};
    return gb_db_task_add(b->txn, b->height + wk->delay, &t, NULL);
}

/* A program created by program creator; when it cannot be (the id is
 * taken, the code unknown) the existential deposit goes back to the
 * creator and the init message, which is still queued, fails with
 * ProgramNotCreated when it is dispatched. */
static gb_err create_program(gb_blk *b, gb_id creator, const gb_create_req *cr)
{
    bool taken;
    gb_err e = gb_chain_is_program(b, cr->program_id, &taken);
    if (e)
        return e;
    if (taken)
        return gb_chain_credit(b, creator, b->bctx.existential_deposit);
    const gb_gear_code *code;
    e = gb_chain_code(b->c, b->txn, cr->code_id, &code);
    if (e == GB_NOT_FOUND)
        return gb_chain_credit(b, creator, b->bctx.existential_deposit);
    if (e)
        return e;
    gb_db_program p = {.status = GB_PROGRAM_INITIALIZING,
                       .code_id = cr->code_id,
                       .init_message = cr->init.id,
                       .balance = b->bctx.existential_deposit,
                       .static_pages = code->static_pages,
                       .stack_end = code->stack_end,
                       .created_at = b->height};
    e = gb_db_program_put(b->txn, cr->program_id, &p);
    /* (a new id: nothing known of it; messages may wait for it) */
    gb_overlay_drop(b->ov, cr->program_id);
    gb_prog_cache *pc = gb_chain_prog_cache_of(b, cr->program_id);
    if (pc)
        *pc = (gb_prog_cache){0};
    for (uint32_t i = 0; !e && i < code->npages; i++)
        e = gb_db_page_put(b->txn, cr->program_id, code->pages[i].index,
                           code->pages[i].data, GB_GEAR_PAGE_SIZE);
    if (!e)
        e = gb_chain_event(b, (gb_event){.kind = GB_EV_PROGRAM_CREATED,
                                         .id = cr->program_id},
                           NULL, 0, NULL);
    return e;
}

/* The allocation bitmap trimmed to its highest page. */
uint32_t gb_chain_alloc_bits(const gb_journal *j)
{
    /* a byte at a time: the bitmap spans the memory limit, mostly zero */
    for (uint32_t byte = (j->alloc_pages + 7) / 8; byte-- > 0;) {
        uint8_t v = j->allocations[byte];
        if (byte * 8 + 8 > j->alloc_pages) /* bits past the end */
            v &= (uint8_t)((1u << (j->alloc_pages - byte * 8)) - 1);
        for (int bit = 7; v && bit >= 0; bit--)
            if (v & (1u << bit))
                return byte * 8 + (uint32_t)bit + 1;
    }
    return 0;
}

/* Whether a program record is unchanged (most runs change only pages):
 * then it is not written again. */
static bool same_record(const gb_db_program *a, const gb_db_program *b)
{
    uint32_t n = (a->alloc_pages + 7) / 8;
    return !gb_u128_cmp(a->balance, b->balance) && a->status == b->status &&
           gb_id_eq(a->inheritor, b->inheritor) &&
           a->alloc_pages == b->alloc_pages &&
           (!n || (a->allocations && b->allocations &&
                   !memcmp(a->allocations, b->allocations, n)));
}

/* The reply deposit the run made for its message mid (0: none). */
static uint64_t deposit_for(const gb_journal *j, gb_id mid)
{
    uint64_t g = 0;
    for (uint32_t i = 0; i < j->ndeposits; i++)
        if (gb_id_eq(j->deposits[i].message_id, mid))
            g += j->deposits[i].gas;
    return g;
}

/* A message sent from reservation rid of program pid: who paid for it
 * (*origin) and its gas (*gas: the amount and what the rent of the blocks
 * it was held left of its lock, gb_chain_rsv_end; the record goes with
 * the run's unreserved list).  Both kept when the reservation is
 * unknown. */
static gb_err reservation_take(gb_blk *b, gb_id pid, gb_id rid,
                               gb_id *origin, uint64_t *gas)
{
    gb_db_reservation r;
    gb_err e = gb_db_reservation_get(b->txn, pid, rid, &r);
    if (e == GB_NOT_FOUND)
        return GB_OK;
    if (!e) {
        *origin = r.origin;
        e = gb_chain_rsv_end(b, &r, gas);
    }
    return e;
}

/* pc's page list after page was written (len 0: all zero, not stored). */
static void cache_page(gb_prog_cache *pc, uint32_t page, uint32_t len)
{
    if (!pc || !pc->pages_ok)
        return;
    for (uint32_t k = 0; k < pc->npages; k++)
        if (pc->pages[k] == page) {
            if (!len) /* gone */
                pc->pages[k] = pc->pages[--pc->npages];
            return;
        }
    if (!len)
        return;
    if (pc->npages == GB_CHAIN_HOT_PAGES)
        pc->pages_ok = false; /* too many to list: read them again */
    else
        pc->pages[pc->npages++] = page;
}

/* Whether a failure of x sends its program a signal when x holds a system
 * reservation (Gear's process_error: not for init messages, signals or
 * error replies). */
static bool signal_due(const gb_db_dispatch *x)
{
    return x->d.kind == GB_DISPATCH_HANDLE ||
           (x->d.kind == GB_DISPATCH_REPLY && x->d.reply_code[0] == 0);
}

/* The signal x's failure sends its program (Gear's send_signal,
 * manager/mod.rs: the system reservation becomes the signal's gas):
 * handle_signal runs with signal_from = x and code. */
static gb_err send_signal(gb_blk *b, const gb_db_dispatch *x, uint32_t code,
                          uint64_t gas, gb_gnode *h)
{
    h->n.spec_refs++; /* (split_with_value from x's node) */
    gb_db_dispatch y = {
        .d = {.kind = GB_DISPATCH_SIGNAL,
              .id = gb_message_id_signal(x->d.id),
              .source = gb_actor_id_system(),
              .destination = x->d.destination,
              .gas_limit = gas,
              .signal_from = x->d.id,
              .signal_code = code},
        .origin = x->origin,
        .gas_node = h->id};
    return gb_chain_queue_push(b, &y);
}

/* y becomes a child of the holder h: with gas of its own (Gear's
 * split_with_value) or gasless, drawing on h (split). */
static void child_of(gb_gnode *h, gb_db_dispatch *y, bool with_gas)
{
    y->gas_node = h->id;
    if (with_gas) {
        h->n.spec_refs++;
    } else {
        y->flags |= GB_CHAIN_F_GASLESS;
        y->d.gas_limit = 0;
        h->n.unspec_refs++;
    }
}

/* p: the program's record now; prep_balance: its balance when the run
 * was prepared, view_balance: the balance the run was shown; h: hints
 * (NULL: none); pc: the program's cache while the queue runs (NULL:
 * none). */
gb_err gb_chain_apply_journal(gb_blk *b, const gb_db_dispatch *x,
                              gb_db_program *p, gb_u128 prep_balance,
                              gb_u128 view_balance, gb_journal *j,
                              gb_hints *h, gb_prog_cache *pc)
{
    gb_id pid = x->d.destination;
    gb_err e = GB_OK;
    uint64_t G = x->d.gas_limit;
    bool failed = j->outcome == GB_OUTCOME_FAILED;

    /* gas the run set aside (not in gas_burned): explicit gas limits (not
     * from a reservation: that gas is the reservation's), new
     * reservations, reply deposits, the system reservation */
    uint64_t given = 0;
    for (uint32_t i = 0; i < j->nmsgs; i++)
        if (j->msgs[i].has_gas_limit && !j->msgs[i].from_reservation)
            given += j->msgs[i].gas_limit;
    for (uint32_t i = 0; i < j->ncreates; i++)
        if (j->creates[i].init.has_gas_limit)
            given += j->creates[i].init.gas_limit;
    if (j->has_reply && j->reply.has_gas_limit && !j->reply.from_reservation)
        given += j->reply.gas_limit;
    for (uint32_t i = 0; i < j->nreserved; i++)
        given += j->reserved[i].amount + j->reserved[i].lock;
    for (uint32_t i = 0; i < j->ndeposits; i++)
        given += j->deposits[i].gas;
    given += j->system_reserved;
    if (given > G)
        return GB_INVAL; /* the processor never gives more than it had */
    uint64_t burned = j->gas_burned < G - given ? j->gas_burned : G - given;
    b->gas_used += burned;
    b->gas_left -= burned < b->gas_left ? burned : b->gas_left;
    b->dispatched++;
    TRY_OUT(gb_chain_burn(b, burned));
    /* the run's holder (its own node, or the one it draws on) pays what
     * it burned and gave (Gear's spend, and the splits below) */
    gb_gnode hold;
    TRY_OUT(gb_chain_gas_holder(b, x, &hold));
    if (hold.n.value < burned + given)
        return GB_MALFORMED; /* (its limit was the holder's value) */
    hold.n.value -= burned + given;
    bool pooled = false; /* a waiting message with its own node stored */
    /* the system reservation held for the message after this run */
    uint64_t sysres = x->d.ctx.system_reservation + j->system_reserved;

    gb_event *dev;
    TRY_OUT(gb_chain_event_dispatched(b, x, j->outcome, burned, j->debug,
                                      &dev));
    if (h && h->sent) { /* (made on the run's thread) */
        dev->sent = h->sent;
        dev->nsent = h->nsent;
        h->sent = NULL;
    } else {
        TRY_OUT(gb_chain_note_sent(dev, j));
    }

    /* value */
    gb_u128 bal = view_balance;
    /* the message's value, on its first run (a woken message's is in the
     * balance already); a failed run's error reply takes it back */
    if (!(x->flags & GB_CHAIN_F_VALUE_CREDITED) &&
        (!failed || !j->has_reply) && !gb_u128_add_to(&bal, x->d.value))
        return GB_OVERFLOW;
    if (!failed) {
        /* each part was taken from the run's value counter, so the sum
         * fits; checked all the same, as every sum of amounts is */
        gb_u128 sent = gb_u128_from(0);
        bool ok = true;
        for (uint32_t i = 0; i < j->nmsgs; i++)
            ok = ok && gb_u128_add_to(&sent, j->msgs[i].value);
        for (uint32_t i = 0; i < j->ncreates; i++)
            ok = ok && gb_u128_add_to(&sent, j->creates[i].init.value) &&
                 gb_u128_add_to(&sent, b->bctx.existential_deposit);
        if (j->has_reply)
            ok = ok && gb_u128_add_to(&sent, j->reply.value);
        if (!ok)
            return GB_OVERFLOW;
        bal = gb_u128_cmp(sent, bal) <= 0 ? gb_u128_sub(bal, sent)
                                          : gb_u128_from(0);
    }
    const gb_db_program before = *p; /* to skip writing it unchanged */
    /* what the run changed, on top of what others credited meanwhile */
    if (gb_u128_cmp(bal, prep_balance) >= 0) {
        if (!gb_u128_add_to(&p->balance, gb_u128_sub(bal, prep_balance)))
            return GB_OVERFLOW;
    } else {
        gb_u128 less = gb_u128_sub(prep_balance, bal);
        p->balance = gb_u128_cmp(p->balance, less) >= 0
                         ? gb_u128_sub(p->balance, less)
                         : gb_u128_from(0);
    }

    /* program state */
    if (!failed) {
        for (uint32_t i = 0; i < j->npages; i++) {
            cache_page(pc, j->pages[i].page, j->pages[i].len);
            TRY_OUT(gb_chain_page_put(b, pid, j->pages[i].page,
                                      &j->pages[i].data, j->pages[i].len,
                                      pc));
        }
        if (j->allocations) {
            p->alloc_pages = h ? h->alloc_bits : gb_chain_alloc_bits(j);
            p->allocations = j->allocations;
        }
    }
    bool init = x->d.kind == GB_DISPATCH_INIT;
    gb_u128 to_inheritor = gb_u128_from(0);
    if (j->outcome == GB_OUTCOME_EXIT) {
        p->status = GB_PROGRAM_EXITED;
        p->inheritor = j->inheritor;
        to_inheritor = p->balance;
        p->balance = gb_u128_from(0);
    } else if (init && failed) {
        p->status = GB_PROGRAM_TERMINATED;
    } else if (init && j->outcome != GB_OUTCOME_WAIT) {
        p->status = GB_PROGRAM_ACTIVE;
    }
    if (!same_record(&before, p))
        TRY_OUT(gb_db_program_put(b->txn, pid, p));
    if (p->status == GB_PROGRAM_TERMINATED && init && failed) {
        TRY_OUT(gb_chain_rsv_clear(b, pid));
        TRY_OUT(gb_chain_pages_clear(b, pid));
        TRY_OUT(gb_chain_event(b, (gb_event){.kind = GB_EV_INIT_FAILED, .id = pid},
                           NULL, 0, NULL));
    }

    /* creations first: their init messages precede anything sent to them */
    for (uint32_t i = 0; i < j->ncreates; i++)
        TRY_OUT(create_program(b, pid, &j->creates[i]));

    /* new reservations (before the messages: one may be sent from) */
    if (j->nreserved && pc)
        pc->no_resv = false;
    for (uint32_t i = 0; i < j->nreserved; i++) {
        const gb_reservation *rv = &j->reserved[i];
        gb_db_reservation r = {.amount = rv->amount, .start = b->height,
                               .expires_at = rv->expires_at > b->height
                                                 ? rv->expires_at
                                                 : b->height + 1,
                               .origin = x->origin};
        /* its rent locked up front: what the run set aside (Gear's
         * reserve(amount + lock_amount) then lock) — all of it but where
         * the end saturates at the last block number, the rest staying
         * with the holder as in Gear */
        uint64_t lock = gb_chain_rsv_lock(&r);
        if (lock > rv->lock)
            return GB_MALFORMED;
        hold.n.value += rv->lock - lock;
        TRY_OUT(gb_db_reservation_put(b->txn, pid, rv->id, &r));
        gb_db_task t = {.kind = GB_TASK_REMOVE_RESERVATION, .a = pid,
                        .b = rv->id};
        TRY_OUT(gb_db_task_add(b->txn, r.expires_at, &t, NULL));
    }

    /* the children: each a node of the tree under the run's holder (the
     * message's own node, or the one it draws on) — with gas of its own
     * (an explicit gas limit: Gear's split_with_value), gasless (split:
     * it draws on the holder), or a root of its own (a reply deposit, a
     * reservation) */
    bool few[8], *msg_prog = few;
    if (j->nmsgs > 8) {
        msg_prog = gb_calloc(j->nmsgs, sizeof *msg_prog);
        if (!msg_prog) {
            e = GB_NOMEM;
            goto out;
        }
    }
    for (uint32_t i = 0; i < j->nmsgs; i++) {
        bool isp = h && i < GB_HINT_MSGS && h->program[i];
        if (!isp &&
            (e = gb_chain_is_program(b, j->msgs[i].destination, &isp)))
            goto out;
        msg_prog[i] = isp;
    }
    bool reply_prog = j->has_reply && h && h->reply_program;
    if (j->has_reply && !reply_prog &&
        (e = gb_chain_is_program(b, j->reply.destination, &reply_prog)))
        goto out;
    /* Gear's ReplyPacket::auto has gas Some(0): an automatic reply draws
     * on nothing (only a reply deposit pays for it) */
    bool auto_reply = false;
    if (j->has_reply) {
        uint8_t ac[4];
        gb_reply_code_bytes(GB_REPLY_SUCCESS_AUTO, ac);
        auto_reply = !memcmp(j->reply.reply_code, ac, 4);
    }

    for (uint32_t i = 0; !e && i < j->ncreates; i++) {
        gb_out_msg *m = &j->creates[i].init;
        gb_db_dispatch y = {
            .d = {.kind = GB_DISPATCH_INIT, .id = m->id, .source = pid,
                  .destination = m->destination, .payload = m->payload,
                  .payload_len = m->payload_len, .value = m->value,
                  .gas_limit = m->has_gas_limit ? m->gas_limit : 0},
            .origin = x->origin,
            .reply_deposit = deposit_for(j, m->id),
            .gas_node = hold.id};
        child_of(&hold, &y, m->has_gas_limit);
        e = gb_chain_route(b, &y, true, m->delay, GB_IDMAP_NONE,
                           &m->payload);
    }
    for (uint32_t i = 0; !e && i < j->nmsgs; i++) {
        gb_out_msg *m = &j->msgs[i];
        gb_db_dispatch y = {
            .d = {.kind = GB_DISPATCH_HANDLE, .id = m->id, .source = pid,
                  .destination = m->destination, .payload = m->payload,
                  .payload_len = m->payload_len, .value = m->value,
                  .gas_limit = m->has_gas_limit ? m->gas_limit : 0},
            .origin = x->origin,
            .reply_deposit = deposit_for(j, m->id)};
        if (m->from_reservation) { /* a root: the reservation's gas */
            e = reservation_take(b, pid, m->reservation, &y.origin,
                                 &y.d.gas_limit);
            /* to a user: the mailbox threshold of it, the rest back
             * (send_user_message: a gasless message, get_limit of the
             * reservation, then remove_gas_reservation_with_task) */
            uint64_t th = b->bctx.mailbox_threshold;
            if (!e && !msg_prog[i] && y.d.gas_limit > th) {
                e = gb_chain_refund_gas(b, y.origin, y.d.gas_limit - th);
                y.d.gas_limit = th;
            }
        } else if (!msg_prog[i]) {
            /* to a user: the gas given, or the mailbox threshold from
             * the holder when it has that much (Gear's send_user_message:
             * a cut node, detached, held in the mailbox) */
            if (!m->has_gas_limit &&
                hold.n.value >= b->bctx.mailbox_threshold) {
                y.d.gas_limit = b->bctx.mailbox_threshold;
                hold.n.value -= y.d.gas_limit;
            }
        } else {
            y.gas_node = hold.id;
            child_of(&hold, &y, m->has_gas_limit);
        }
        if (!e)
            e = gb_chain_route(
                b, &y, msg_prog[i], m->delay,
                h && i < GB_HINT_MSGS ? h->dest[i] : GB_IDMAP_NONE,
                &m->payload);
    }
    if (msg_prog != few)
        free(msg_prog);
    if (e)
        goto out;
    if (j->has_reply) {
        gb_out_msg *m = &j->reply;
        gb_db_dispatch y = {
            .d = {.kind = GB_DISPATCH_REPLY, .id = m->id, .source = pid,
                  .destination = m->destination, .payload = m->payload,
                  .payload_len = m->payload_len, .value = m->value,
                  .gas_limit = m->has_gas_limit ? m->gas_limit : 0,
                  .reply_to = x->d.id},
            .origin = x->origin};
        memcpy(y.d.reply_code, m->reply_code, 4);
        if (m->from_reservation) {
            TRY_OUT(reservation_take(b, pid, m->reservation, &y.origin,
                                     &y.d.gas_limit));
            y.d.gas_limit += x->reply_deposit;
        } else if (x->reply_deposit) {
            /* the deposit pays for the reply: a root of its own (Gear's
             * create_deposit node), with any gas given besides */
            y.d.gas_limit += x->reply_deposit;
        } else if (!reply_prog) {
            hold.n.value += y.d.gas_limit;
            y.d.gas_limit = 0;
        } else if (!auto_reply || m->has_gas_limit) {
            y.gas_node = hold.id;
            child_of(&hold, &y, m->has_gas_limit);
        }
        TRY_OUT(gb_chain_route(b, &y, reply_prog, m->delay,
                               h ? h->reply_dest : GB_IDMAP_NONE,
                               &m->payload));
    } else if (j->outcome != GB_OUTCOME_WAIT) {
        /* no reply will come from this message: its deposit goes back */
        TRY_OUT(gb_chain_refund_gas(b, x->origin, x->reply_deposit));
    }
    /* reservations the run ended */
    for (uint32_t i = 0; i < j->nunreserved; i++) {
        const gb_unreservation *u = &j->unreserved[i];
        gb_db_reservation r;
        e = gb_db_reservation_get(b->txn, pid, u->id, &r);
        if (e == GB_NOT_FOUND) {
            e = GB_OK; /* (the processor only ends ones it was shown) */
            continue;
        }
        if (e)
            goto out;
        TRY_OUT(gb_db_reservation_del(b->txn, pid, u->id));
        /* used: the gas is with the message sent from it; unreserved: its
         * rent so far paid, the rest back (Gear's remove_gas_reservation) */
        uint64_t left;
        if (!u->used && !(e = gb_chain_rsv_end(b, &r, &left)))
            e = gb_chain_refund_gas(b, r.origin, left);
        if (e)
            goto out;
    }
    if (failed && sysres && signal_due(x))
        TRY_OUT(send_signal(b, x, j->signal_code, sysres, &hold));
    else if (j->outcome != GB_OUTCOME_WAIT)
        TRY_OUT(gb_chain_refund_gas(b, x->origin, sysres));
    /* the holder back to the tree before anything else reads it (wakes
     * and an exit's waitlist may hold messages drawing on it) */
    uint32_t wait_until = 0;
    if (j->outcome == GB_OUTCOME_WAIT) {
        /* the waitlist's rent locked up front (Gear's wait_dispatch) */
        wait_until = gb_chain_wait_until(b->height, j, hold.n.value);
        uint64_t lock = gb_hold_lock(b->height, wait_until,
                                     GB_CHAIN_WAITLIST_RENT);
        if (lock > hold.n.value)
            return GB_MALFORMED; /* (the run set aside at least this) */
        hold.n.value -= lock;
    }
    if (b->est)
        gb_chain_est_note(b, x, j, hold.id, hold.n.value, burned);
    uint64_t wait_gas = hold.n.value;
    if (j->outcome != GB_OUTCOME_WAIT) {
        TRY_OUT(gb_chain_gas_done(b, x, &hold));
    } else if (hold.stored || hold.n.spec_refs || hold.n.unspec_refs) {
        TRY_OUT(gb_chain_gas_put(b, &hold));
        pooled = !(x->flags & GB_CHAIN_F_GASLESS);
    }
    for (uint32_t i = 0; i < j->nwakes; i++)
        TRY_OUT(apply_wake(b, pid, &j->wakes[i]));
    if (j->outcome == GB_OUTCOME_WAIT)
        TRY_OUT(apply_wait(b, x, j, wait_gas, sysres, pooled, wait_until));
    if (j->outcome == GB_OUTCOME_EXIT) {
        TRY_OUT(gb_chain_credit(b, j->inheritor, to_inheritor));
        TRY_OUT(gb_chain_rsv_clear(b, pid));
        TRY_OUT(gb_chain_pages_clear(b, pid));
        TRY_OUT(drain_waitlist(b, pid, GB_REPLY_UNAVAILABLE_PROGRAM_EXITED));
        TRY_OUT(gb_chain_event(b, (gb_event){.kind = GB_EV_PROGRAM_EXITED,
                                         .id = pid,
                                         .destination = j->inheritor},
                           NULL, 0, NULL));
    }
out:
    return e;
}
