/*
 * Running one dispatch and applying its journal to the block's write
 * transaction.
 *
 * gb_chain_execute() takes a dispatch out of the queue (already deleted
 * there), checks its destination (not created, init failed, exited: Gear's
 * error replies without running anything), runs it in the processor with a
 * view of the program whose pages are read straight from the transaction
 * (nothing is written during a run, so those pointers stay valid), then
 * applies the journal:
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
 *           table: amount, expires_at, origin = the account that paid for
 *           the message that made it) with a GB_TASK_REMOVE_RESERVATION
 *           task at expires_at, which deletes it and refunds its gas to
 *           that origin (Gear returns it to the gas node's origin).
 *           journal.unreserved: used → deleted, its gas now travels with
 *           the message sent from it (from_reservation, gas limit = the
 *           amount; that message's origin is the reservation's); not used
 *           (gr_unreserve_gas) → deleted and refunded to its origin.  The
 *           program's reservations are passed to every run in the view.
 *   reply deposits  journal.deposits: kept with the message they were made
 *           for (the dispatch record's reply_deposit), wherever it is
 *           stored (queue, stash, waitlist).  The reply to that message —
 *           the one its run sends, or an error reply (unavailable
 *           program, removed from the waitlist) — gets the deposit as its
 *           gas (added to an explicit gas limit; such a reply is a root
 *           of the gas tree, drawing on nothing else).  Without a reply (a message to a
 *           user, which goes to the mailbox holding no gas; a run that
 *           ended without replying) the deposit is refunded to the
 *           message's origin.
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
#define _GNU_SOURCE /* MADV_HUGEPAGE, posix_memalign with -std=c11 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "chain/chain_int.h"
#include "util/bytes.h"
#include "util/hash.h"
#include "util/mem.h"
#include "util/try.h"

/* ---- small helpers ------------------------------------------------------ */

gb_err gb_chain_held_copy(const gb_db_dispatch *src, gb_held *out)
{
    out->x = *src;
    out->payload = gb_malloc(src->d.payload_len ? src->d.payload_len : 1);
    if (!out->payload)
        return GB_NOMEM;
    if (src->d.payload_len)
        memcpy(out->payload, src->d.payload, src->d.payload_len);
    out->x.d.payload = out->payload;
    return GB_OK;
}

void gb_chain_held_free(gb_held *h)
{
    free(h->payload);
    h->payload = NULL;
}

/* Room for more events.  A block of many dispatches has megabytes of
 * them: past EV_HUGE bytes the array jumps to room for two events per
 * dispatch a block may have (address space only: pages are filled as
 * used), 2 MiB-aligned with a huge-page hint where the kernel has them
 * (Linux's transparent huge pages in "madvise" mode) — filling it then
 * takes one page fault per 2 MiB instead of one per 4 KiB, and nothing is
 * copied again, on the block's thread. */
#define EV_HUGE (4u << 20)
static gb_err events_grow(gb_blk *b)
{
    uint32_t cap = b->cap_ev ? b->cap_ev * 2 : 16;
    gb_event *n = NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if ((size_t)cap * sizeof *b->ev >= EV_HUGE) {
        if (cap < 2 * GB_CHAIN_MAX_DISPATCHES)
            cap = 2 * GB_CHAIN_MAX_DISPATCHES;
        size_t bytes = ((size_t)cap * sizeof *b->ev + (2u << 20) - 1) &
                       ~(size_t)((2u << 20) - 1);
        cap = (uint32_t)(bytes / sizeof *b->ev);
        void *p = NULL;
        if (posix_memalign(&p, 2u << 20, bytes) == 0) {
            (void)madvise(p, bytes, MADV_HUGEPAGE); /* (a hint) */
            n = p;
            gb_copy(n, b->ev, (size_t)b->nev * sizeof *n);
            free(b->ev);
        }
    }
#endif
    if (!n && !(n = gb_realloc(b->ev, (size_t)cap * sizeof *n)))
        return GB_NOMEM;
    b->ev = n;
    b->cap_ev = cap;
    return GB_OK;
}

gb_err gb_chain_event(gb_blk *b, gb_event ev, const void *payload,
                      uint32_t len, const char *debug)
{
    gb_err e;
    if (b->nev == b->cap_ev && (e = events_grow(b)))
        return e;
    ev.payload = NULL;
    ev.payload_len = 0;
    ev.debug = NULL;
    ev.sent = NULL;
    ev.nsent = 0;
    if (payload && len) {
        ev.payload = gb_malloc(len);
        if (!ev.payload)
            return GB_NOMEM;
        memcpy(ev.payload, payload, len);
        ev.payload_len = len;
    }
    if (debug && *debug) {
        ev.debug = gb_strdup(debug);
        if (!ev.debug) {
            free(ev.payload);
            return GB_NOMEM;
        }
    }
    b->ev[b->nev++] = ev;
    return GB_OK;
}

/* The ids of what a run sent, on its DISPATCHED event (chain.h), so that
 * who caused which message can be told from the events alone (the node's
 * explorer draws it). */
static gb_err note_sent(gb_event *ev, const gb_journal *j)
{
    uint32_t n = j->ncreates + j->nmsgs;
    if (!n)
        return GB_OK;
    ev->sent = malloc((size_t)n * sizeof *ev->sent);
    if (!ev->sent)
        return GB_NOMEM;
    for (uint32_t i = 0; i < j->ncreates; i++)
        ev->sent[ev->nsent++] = j->creates[i].init.id;
    for (uint32_t i = 0; i < j->nmsgs; i++)
        ev->sent[ev->nsent++] = j->msgs[i].id;
    return GB_OK;
}

/* A program record with its allocation bitmap copied (*alloc owned). */
static gb_err prog_load(gb_db_txn *txn, gb_id pid, gb_db_program *p,
                        uint8_t **alloc)
{
    *alloc = NULL;
    gb_err e = gb_db_program_get(txn, pid, p);
    if (e)
        return e;
    uint32_t n = (p->alloc_pages + 7) / 8;
    if (n && p->allocations) {
        *alloc = gb_malloc(n);
        if (!*alloc)
            return GB_NOMEM;
        memcpy(*alloc, p->allocations, n);
    }
    p->allocations = *alloc;
    return GB_OK;
}

/* Whether id is a program (exited and failed ones included: a record is
 * never removed, so a yes is remembered while the queue runs). */
static gb_err is_program(gb_blk *b, gb_id id, bool *out)
{
    *out = true;
    if (gb_chain_known_program(b, id))
        return GB_OK;
    gb_db_program p;
    gb_err e = gb_db_program_get(b->txn, id, &p);
    *out = e == GB_OK;
    if (e == GB_NOT_FOUND)
        return GB_OK;
    if (e) /* (GB_IO: no answer — not "a user", which would route the
              message to a mailbox) */
        return e;
    gb_chain_note_program(b, id);
    return GB_OK;
}

gb_err gb_chain_account_add(gb_blk *b, gb_id id, gb_u128 v)
{
    if (gb_u128_is_zero(v))
        return GB_OK;
    gb_db_account a;
    gb_err e = gb_db_account_get(b->txn, id, &a);
    if (e && e != GB_NOT_FOUND)
        return e;
    /* balances sum to at most the issuance: a credit that wraps means
     * value came from nowhere, and the block fails rather than mint */
    if (!gb_u128_add_to(&a.balance, v))
        return GB_OVERFLOW;
    return gb_db_account_put(b->txn, id, &a);
}

gb_err gb_chain_credit(gb_blk *b, gb_id id, gb_u128 v)
{
    if (gb_u128_is_zero(v))
        return GB_OK;
    gb_db_program p;
    uint8_t *alloc;
    gb_err e = prog_load(b->txn, id, &p, &alloc);
    if (e == GB_NOT_FOUND)
        return gb_chain_account_add(b, id, v);
    if (!e && p.status == GB_PROGRAM_EXITED &&
        !gb_id_eq(p.inheritor, id)) {
        /* value reaching an exited program goes on to its inheritor (one
         * step: an inheritor that exited too keeps it) */
        gb_id to = p.inheritor;
        free(alloc);
        if (!gb_db_program_get(b->txn, to, &p)) {
            if ((e = prog_load(b->txn, to, &p, &alloc)))
                return e;
            e = gb_u128_add_to(&p.balance, v)
                    ? gb_db_program_put(b->txn, to, &p)
                    : GB_OVERFLOW;
            b->program_credits++;
            free(alloc);
            return e;
        }
        return gb_chain_account_add(b, to, v);
    }
    if (!e) {
        e = gb_u128_add_to(&p.balance, v) ? gb_db_program_put(b->txn, id, &p)
                                          : GB_OVERFLOW;
        b->program_credits++;
    }
    free(alloc);
    return e;
}

static gb_err meta_u128_add(gb_db_txn *txn, const char *name, gb_u128 v)
{
    gb_db_val val;
    gb_u128 cur = gb_u128_from(0);
    gb_err e = gb_db_meta_get(txn, name, &val);
    if (!e && val.len == 16)
        cur = gb_u128_from_le(val.data);
    else if (e && e != GB_NOT_FOUND)
        return e;
    uint8_t buf[16];
    if (!gb_u128_add_to(&cur, v))
        return GB_OVERFLOW;
    gb_u128_to_le(cur, buf);
    return gb_db_meta_put(txn, name, buf, 16);
}

gb_err gb_chain_burn(gb_blk *b, uint64_t gas)
{
    if (!gas)
        return GB_OK;
    if (b->sched) { /* summed while the queue runs, written at its end */
        return gb_u128_add_to(&b->burn_pending, gb_chain_gas_value(gas))
                   ? GB_OK
                   : GB_OVERFLOW;
    }
    return meta_u128_add(b->txn, "burned", gb_chain_gas_value(gas));
}

gb_err gb_chain_burn_flush(gb_blk *b)
{
    gb_u128 v = b->burn_pending;
    b->burn_pending = gb_u128_from(0);
    return gb_u128_is_zero(v) ? GB_OK : meta_u128_add(b->txn, "burned", v);
}

gb_err gb_chain_pay_fee(gb_blk *b, gb_u128 fee)
{
    /* META "fees" is written the first time a fee is paid: a chain that
     * never charged one (fees configured 0) keeps the roots it had */
    return gb_u128_is_zero(fee) ? GB_OK : meta_u128_add(b->txn, "fees", fee);
}

gb_err gb_chain_refund_gas(gb_blk *b, gb_id origin, uint64_t gas)
{
    return gb_chain_account_add(b, origin, gb_chain_gas_value(gas));
}

/* The gas a stored dispatch holds besides its gas limit: its reply
 * deposit and its system reservation. */
static uint64_t extra_gas(const gb_db_dispatch *x)
{
    return x->reply_deposit + x->d.ctx.system_reservation;
}

/* ---- routing ------------------------------------------------------------ */

/* A dispatch for a program (to_program) or a user, now or after delay
 * blocks. */
static gb_err route(gb_blk *b, gb_db_dispatch *y, bool to_program,
                    uint32_t delay, uint32_t dest_hint)
{
    if (delay) {
        y->expires_at = b->height + delay;
        gb_err e = gb_db_stash_put(b->txn, y->d.id, y);
        if (e)
            return e;
        gb_db_task t = {.kind = to_program ? GB_TASK_SEND_DISPATCH
                                           : GB_TASK_SEND_USER_MESSAGE,
                        .a = y->d.destination, .b = y->d.id,
                        .arg = to_program ? 0 : 1};
        return gb_db_task_add(b->txn, y->expires_at, &t, NULL);
    }
    y->expires_at = 0;
    if (to_program)
        return gb_chain_queue_push_hint(b, y, dest_hint);
    return gb_chain_to_user(b, y);
}

/* x's error reply (Gear's system reply: gasless, drawing on x's holder h,
 * unless a reply deposit pays for it); x's system reservation goes back.
 * x itself is not consumed here. */
static gb_err error_reply_h(gb_blk *b, const gb_db_dispatch *x, gb_gnode *h,
                            gb_reply_code code, const uint8_t *payload,
                            uint32_t len)
{
    gb_err e = gb_chain_refund_gas(b, x->origin, x->d.ctx.system_reservation);
    if (e)
        return e;
    gb_db_dispatch y = {
        .d = {.kind = GB_DISPATCH_REPLY,
              .id = gb_message_id_reply(x->d.id),
              .source = x->d.destination,
              .destination = x->d.source,
              .payload = payload,
              .payload_len = len,
              .value = (x->flags & GB_CHAIN_F_VALUE_CREDITED)
                           ? gb_u128_from(0) : x->d.value,
              .gas_limit = x->reply_deposit,
              .reply_to = x->d.id},
        .origin = x->origin,
    };
    gb_reply_code_bytes(code, y.d.reply_code);
    bool prog;
    e = is_program(b, y.d.destination, &prog);
    if (e)
        return e;
    if (prog && !x->reply_deposit) {
        y.flags = GB_CHAIN_F_GASLESS;
        y.gas_node = h->id;
        h->n.unspec_refs++;
    }
    return route(b, &y, prog, 0, GB_IDMAP_NONE);
}

gb_err gb_chain_error_reply(gb_blk *b, const gb_db_dispatch *x,
                            gb_reply_code code, const uint8_t *payload,
                            uint32_t len)
{
    gb_gnode h;
    gb_err e = gb_chain_gas_holder(b, x, &h);
    if (!e)
        e = error_reply_h(b, x, &h, code, payload, len);
    return e ? e : gb_chain_gas_done(b, x, &h);
}

/* A dispatch that cannot reach its destination, and may not be replied to
 * (a reply or signal): its value goes back, its gas to the payer. */
static gb_err drop(gb_blk *b, const gb_db_dispatch *x)
{
    gb_err e = GB_OK;
    if (!(x->flags & GB_CHAIN_F_VALUE_CREDITED))
        e = gb_chain_credit(b, x->d.source, x->d.value);
    if (!e)
        e = gb_chain_refund_gas(b, x->origin, extra_gas(x));
    gb_gnode h;
    if (!e)
        e = gb_chain_gas_holder(b, x, &h);
    return e ? e : gb_chain_gas_done(b, x, &h);
}

/* ---- code ---------------------------------------------------------------- */

gb_err gb_chain_code(gb_chain *c, gb_db_txn *txn, gb_id code_id,
                     const gb_gear_code **out)
{
    *out = gb_code_cache_get(c->codes, code_id);
    if (*out)
        return GB_OK;
    gb_db_val v;
    gb_err e = gb_db_code_get(txn, code_id, &v);
    if (e)
        return e;
    return gb_code_cache_add(c->codes, v.data, v.len, out, NULL, 0);
}

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
        TRY_OUT(error_reply_h(b, x, &g, code, inh, len));
        TRY_OUT(gb_chain_gas_done(b, x, &g));
        if (x->d.kind == GB_DISPATCH_INIT) {
            gb_db_program p;
            uint8_t *alloc;
            TRY_OUT(prog_load(b->txn, pid, &p, &alloc));
            if (p.status == GB_PROGRAM_INITIALIZING) {
                p.status = GB_PROGRAM_TERMINATED;
                e = gb_db_program_put(b->txn, pid, &p);
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
        TRY_OUT(gb_chain_refund_gas(b, x->origin, extra_gas(x)));
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

/* ---- running a dispatch ----------------------------------------------- */

/* Called from the lazy-pages fault handler of the thread running the
 * dispatch: only reads the transaction (LMDB's mdb_get allocates nothing;
 * several threads may do it at once, see gb_db_share_reads), and nothing
 * writes to it while runs are under way, so the pointer stays valid. */
static const uint8_t *page_lookup(void *user, uint32_t page, uint32_t *len)
{
    gb_page_src *s = user;
    if (s->resolved) {
        for (uint32_t k = 0; k < s->n; k++)
            if (s->page[k] == page) {
                *len = s->len[k];
                return s->data[k];
            }
        return NULL; /* (every persisted page is listed) */
    }
    const gb_ov_page *o = gb_overlay_find(s->ov, page);
    if (o) {
        *len = o->len;
        return o->data; /* NULL: written all zero */
    }
    const uint8_t *data;
    gb_err e = gb_db_page_get(s->txn, s->pid, page, &data, len);
    if (e && e != GB_NOT_FOUND && !s->err)
        s->err = e; /* (seen by the caller after the run: no zero page
                       may stand in for one the store could not read) */
    return e ? NULL : data;
}

gb_err gb_chain_page_put(gb_blk *b, gb_id pid, uint32_t page, uint8_t **data,
                         uint32_t len)
{
    if (!b->ov)
        return gb_db_page_put(b->txn, pid, page, *data, len);
    uint8_t *d = *data;
    return gb_overlay_put(b->ov, pid, page, d, len, data);
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

/* Whether x's destination cannot take it (Gear's unavailable-program
 * cases), and with which reply code. */
static bool unavailable(const gb_db_dispatch *x, bool found,
                        const gb_db_program *p, gb_reply_code *code)
{
    if (!found || (x->d.kind == GB_DISPATCH_INIT &&
                   !gb_id_eq(p->init_message, x->d.id)))
        *code = GB_REPLY_UNAVAILABLE_PROGRAM_NOT_CREATED;
    else if (p->status == GB_PROGRAM_TERMINATED)
        *code = GB_REPLY_UNAVAILABLE_INITIALIZATION_FAILURE;
    else if (p->status == GB_PROGRAM_EXITED)
        *code = GB_REPLY_UNAVAILABLE_PROGRAM_EXITED;
    else
        return false;
    return true;
}

/* An unavailable destination: the error reply (init and handle) or the
 * dispatch dropped (replies, signals). */
static gb_err refuse(gb_blk *b, const gb_db_dispatch *x,
                     const gb_db_program *p, gb_reply_code code)
{
    if (x->d.kind != GB_DISPATCH_INIT && x->d.kind != GB_DISPATCH_HANDLE)
        return drop(b, x);
    uint8_t buf[32];
    uint32_t len = 0;
    if (code == GB_REPLY_UNAVAILABLE_PROGRAM_EXITED) {
        memcpy(buf, p->inheritor.b, 32);
        len = 32;
    }
    return gb_chain_error_reply(b, x, code, buf, len);
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
    gb_err e = is_program(b, cr->program_id, &taken);
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

/* Who paid for reservation rid of program pid (kept in *origin when the
 * reservation is unknown). */
static gb_err reservation_origin(gb_blk *b, gb_id pid, gb_id rid,
                                 gb_id *origin)
{
    gb_db_reservation r;
    gb_err e = gb_db_reservation_get(b->txn, pid, rid, &r);
    if (e == GB_NOT_FOUND)
        return GB_OK;
    if (!e)
        *origin = r.origin;
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
static gb_err apply_journal(gb_blk *b, const gb_db_dispatch *x,
                            gb_db_program *p, gb_u128 prep_balance,
                            gb_u128 view_balance, gb_journal *j,
                            const gb_hints *h, gb_prog_cache *pc)
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
        given += j->reserved[i].amount;
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

    TRY_OUT(gb_chain_event(b, (gb_event){.kind = GB_EV_DISPATCHED, .id = x->d.id,
                                     .source = x->d.source,
                                     .destination = pid,
                                     .dispatch_kind = x->d.kind,
                                     .outcome = j->outcome,
                                     .gas_burned = burned},
                       NULL, 0, j->debug));
    TRY_OUT(note_sent(&b->ev[b->nev - 1], j));

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
                                  &j->pages[i].data, j->pages[i].len));
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
        if (!isp && (e = is_program(b, j->msgs[i].destination, &isp)))
            goto out;
        msg_prog[i] = isp;
    }
    bool reply_prog = j->has_reply && h && h->reply_program;
    if (j->has_reply && !reply_prog &&
        (e = is_program(b, j->reply.destination, &reply_prog)))
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
        const gb_out_msg *m = &j->creates[i].init;
        gb_db_dispatch y = {
            .d = {.kind = GB_DISPATCH_INIT, .id = m->id, .source = pid,
                  .destination = m->destination, .payload = m->payload,
                  .payload_len = m->payload_len, .value = m->value,
                  .gas_limit = m->has_gas_limit ? m->gas_limit : 0},
            .origin = x->origin,
            .reply_deposit = deposit_for(j, m->id),
            .gas_node = hold.id};
        child_of(&hold, &y, m->has_gas_limit);
        e = route(b, &y, true, m->delay, GB_IDMAP_NONE);
    }
    for (uint32_t i = 0; !e && i < j->nmsgs; i++) {
        const gb_out_msg *m = &j->msgs[i];
        gb_db_dispatch y = {
            .d = {.kind = GB_DISPATCH_HANDLE, .id = m->id, .source = pid,
                  .destination = m->destination, .payload = m->payload,
                  .payload_len = m->payload_len, .value = m->value,
                  .gas_limit = m->has_gas_limit ? m->gas_limit : 0},
            .origin = x->origin,
            .reply_deposit = deposit_for(j, m->id)};
        if (m->from_reservation) { /* a root: the reservation's gas */
            e = reservation_origin(b, pid, m->reservation, &y.origin);
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
            e = route(b, &y, msg_prog[i], m->delay,
                      h && i < GB_HINT_MSGS ? h->dest[i] : GB_IDMAP_NONE);
    }
    if (msg_prog != few)
        free(msg_prog);
    if (e)
        goto out;
    if (j->has_reply) {
        const gb_out_msg *m = &j->reply;
        gb_db_dispatch y = {
            .d = {.kind = GB_DISPATCH_REPLY, .id = m->id, .source = pid,
                  .destination = m->destination, .payload = m->payload,
                  .payload_len = m->payload_len, .value = m->value,
                  .gas_limit = m->has_gas_limit ? m->gas_limit : 0,
                  .reply_to = x->d.id},
            .origin = x->origin};
        memcpy(y.d.reply_code, m->reply_code, 4);
        if (m->from_reservation) {
            y.d.gas_limit += x->reply_deposit;
            TRY_OUT(reservation_origin(b, pid, m->reservation, &y.origin));
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
        TRY_OUT(route(b, &y, reply_prog, m->delay,
                  h ? h->reply_dest : GB_IDMAP_NONE));
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
        /* used: the gas is with the message sent from it */
        if (!u->used)
            TRY_OUT(gb_chain_refund_gas(b, r.origin, r.amount));
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
        gb_chain_est_note(b, x, j, hold.id, hold.n.value);
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

/* The program's persisted pages — stored, as the overlay ov (may be NULL)
 * has them now — when it has at most GB_CHAIN_HOT_PAGES of them (true: *n
 * is all of them); none otherwise (then every page loads on first
 * touch). */
static bool hot_pages(gb_db_txn *txn, gb_id pid, const gb_ov_prog *ov,
                      uint32_t *out, uint32_t *n)
{
    gb_db_cursor *cur;
    *n = 0;
    if (gb_db_cursor_open(txn, GB_TABLE_PAGES, pid.b, 32, NULL, 0, &cur))
        return false;
    gb_db_val key, val;
    bool all = true;
    gb_err e;
    while ((e = gb_db_cursor_next(cur, &key, &val)) == GB_OK) {
        gb_id owner;
        uint32_t page;
        if (*n == GB_CHAIN_HOT_PAGES ||
            gb_db_page_key_decode(key, &owner, &page)) {
            all = false;
            break;
        }
        const gb_ov_page *o = gb_overlay_find(ov, page);
        if (!o || o->len) /* (written all zero: not persisted any more) */
            out[(*n)++] = page;
    }
    gb_db_cursor_close(cur);
    all = all && e == GB_NOT_FOUND;
    /* the overlay's pages the table does not have yet */
    for (uint32_t i = 0; all && ov && i < ov->n; i++) {
        const gb_ov_page *o = &ov->pg[i];
        const uint8_t *data;
        uint32_t len;
        if (!o->len || gb_db_page_get(txn, pid, o->page, &data, &len) == GB_OK)
            continue; /* (listed above already, or gone) */
        if (*n == GB_CHAIN_HOT_PAGES)
            all = false;
        else
            out[(*n)++] = o->page;
    }
    if (!all)
        *n = 0;
    return all;
}

/* The program's reservations, for the view (*out malloc'ed). */
static gb_err load_reservations(gb_db_txn *txn, gb_id pid,
                                gb_reservation **out, uint32_t *n)
{
    uint32_t cap = 0;
    *out = NULL;
    *n = 0;
    gb_db_cursor *cur;
    gb_err e = gb_db_cursor_open(txn, GB_TABLE_RESERVATIONS, pid.b, 32, NULL,
                                 0, &cur);
    if (e)
        return e;
    gb_db_val k, v;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id owner, rid;
        gb_db_reservation r;
        if ((e = gb_db_key2_decode(k, &owner, &rid)) ||
            (e = gb_db_reservation_get(txn, pid, rid, &r)))
            break;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            gb_reservation *nn = gb_realloc(*out, cap * sizeof *nn);
            if (!nn) {
                e = GB_NOMEM;
                break;
            }
            *out = nn;
        }
        (*out)[(*n)++] = (gb_reservation){.id = rid, .amount = r.amount,
                                          .expires_at = r.expires_at};
    }
    gb_db_cursor_close(cur);
    return e == GB_NOT_FOUND ? GB_OK : e;
}

/* src's pages (every persisted one: hot, n of them) looked up now, those
 * from the table copied (an LMDB pointer is not promised to stay put
 * while the block's thread writes), so that the run reads nothing shared
 * (sched.c then applies journals while later runs go on). */
static gb_err resolve_pages(gb_page_src *s, const uint32_t *hot, uint32_t n)
{
    const uint8_t *from_db[GB_CHAIN_HOT_PAGES];
    size_t copy_len = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t len = 0;
        const uint8_t *d = page_lookup(s, hot[k], &len);
        from_db[k] = d && !gb_overlay_find(s->ov, hot[k]) ? d : NULL;
        s->page[k] = hot[k];
        s->len[k] = d ? len : 0;
        s->data[k] = d;
        if (from_db[k])
            copy_len += len;
    }
    if (s->err)
        return s->err;
    s->copy = copy_len <= sizeof s->small ? s->small : gb_malloc(copy_len);
    if (!s->copy)
        return GB_NOMEM;
    size_t at = 0;
    for (uint32_t k = 0; k < n; k++)
        if (from_db[k]) {
            memcpy(s->copy + at, from_db[k], s->len[k]);
            s->data[k] = s->copy + at;
            at += s->len[k];
        }
    s->n = n;
    s->resolved = true;
    return GB_OK;
}

void gb_run_free(gb_run *r)
{
    gb_journal_free(&r->j);
    if (r->src.copy != r->src.small)
        free(r->src.copy);
    free(r->resv);
    if (r->alloc != r->alloc_small)
        free(r->alloc);
    gb_chain_held_free(&r->h);
    memset(r, 0, sizeof *r);
}

gb_err gb_chain_prepare(gb_blk *b, gb_run *r)
{
    const gb_db_dispatch *x = &r->h.x;
    gb_id pid = x->d.destination;
    memset(&r->j, 0, sizeof r->j);
    r->runs = false;
    r->err = GB_OK;
    r->credits = b->program_credits;
    gb_chain_lookup(b, x->d.source, &r->src_di, &r->src_prog);
    gb_err e = gb_db_program_get(b->txn, pid, &r->p);
    if (e && e != GB_NOT_FOUND)
        return e;
    if (!e && r->p.allocations) { /* a copy: the record may be rewritten */
        size_t n = (r->p.alloc_pages + 7) / 8;
        r->alloc = n <= sizeof r->alloc_small ? r->alloc_small : gb_malloc(n);
        if (!r->alloc)
            return GB_NOMEM;
        memcpy(r->alloc, r->p.allocations, n);
        r->p.allocations = r->alloc;
    }
    if (unavailable(x, e == GB_OK, &r->p, &r->refusal))
        return GB_OK;
    r->runs = true;
    gb_prog_cache *pc = gb_chain_prog_cache(b, r->di);
    if (pc && pc->code && gb_id_eq(pc->code_id, r->p.code_id)) {
        r->code = pc->code;
    } else {
        if ((e = gb_chain_code(b->c, b->txn, r->p.code_id, &r->code)))
            return e;
        if (pc) {
            pc->code = r->code;
            pc->code_id = r->p.code_id;
        }
    }
    r->bal = r->p.balance;
    r->src = (gb_page_src){.txn = b->txn, .pid = pid,
                           .ov = gb_overlay_prog(b->ov, pid)};
    /* a small program's persisted pages are loaded up front: a fault each
     * saved (bounded, so the cost never grows with memory size) */
    if (pc && pc->pages_ok) {
        r->nhot = pc->npages;
        memcpy(r->hot, pc->pages, r->nhot * sizeof *r->hot);
        r->hot_complete = true;
    } else {
        r->hot_complete = hot_pages(b->txn, pid, r->src.ov, r->hot, &r->nhot);
        if (pc && r->hot_complete) {
            pc->pages_ok = true;
            pc->npages = r->nhot;
            memcpy(pc->pages, r->hot, r->nhot * sizeof *r->hot);
        }
    }
    if (r->hot_complete && (e = resolve_pages(&r->src, r->hot, r->nhot)))
        return e;
    if (pc && pc->no_resv)
        return GB_OK;
    e = load_reservations(b->txn, pid, &r->resv, &r->nresv);
    if (!e && pc)
        pc->no_resv = r->nresv == 0;
    return e;
}

void gb_chain_run(gb_run *r, gb_processor *proc, const gb_block_ctx *bctx)
{
    if (!r->runs)
        return;
    gb_program_view view = {.module = r->code->module,
                            .hot_pages = r->hot,
                            .nhot = r->nhot,
                            .hot_complete = r->hot_complete,
                            .static_pages = r->p.static_pages,
                            .stack_end = r->p.stack_end,
                            .allocations = r->p.allocations,
                            .alloc_pages = r->p.alloc_pages,
                            .page = page_lookup,
                            .page_user = &r->src,
                            .balance = r->bal,
                            .locked = bctx->existential_deposit,
                            .value_received = (r->h.x.flags &
                                               GB_CHAIN_F_VALUE_CREDITED) != 0,
                            .reservations = r->resv,
                            .nreservations = r->nresv};
    gb_dispatch d = r->h.x.d;
    d.signal_code = d.kind == GB_DISPATCH_SIGNAL ? d.signal_code : 0;
    r->err = gb_process(proc, bctx, &view, &d, &r->j);
    if (!r->err && r->src.err) { /* a page the run read could not be */
        gb_journal_free(&r->j);
        r->err = r->src.err;
    }
}

/* What is known of to for the journal of r: from the hints the run's
 * thread found, the dispatch's source (looked up when prepared), or the
 * program's last destination; else looked up now and remembered as that. */
static void hint_for(gb_blk *b, const gb_run *r, gb_prog_cache *pc, gb_id to,
                     uint32_t *di, bool *prog)
{
    if (*di != GB_IDMAP_NONE && *prog)
        return;
    if (gb_id_eq(to, r->h.x.d.source)) {
        *di = r->src_di;
        *prog = r->src_prog;
    } else if (pc && pc->has_last && gb_id_eq(to, pc->last_to)) {
        *di = pc->last_di;
        *prog = pc->last_prog;
    } else {
        gb_chain_lookup(b, to, di, prog);
        if (pc) {
            pc->has_last = true;
            pc->last_to = to;
            pc->last_di = *di;
            pc->last_prog = *prog;
        }
    }
}

/* Fill in the hints the run's thread could not look up (the maps change
 * while journals are applied during the runs). */
static void complete_hints(gb_blk *b, gb_run *r)
{
    gb_hints *h = &r->hints;
    if (!h->valid || !b->sched)
        return;
    gb_prog_cache *pc = gb_chain_prog_cache(b, r->di);
    const gb_journal *j = &r->j;
    for (uint32_t i = 0; i < j->nmsgs && i < GB_HINT_MSGS; i++)
        hint_for(b, r, pc, j->msgs[i].destination, &h->dest[i],
                 &h->program[i]);
    if (j->has_reply)
        hint_for(b, r, pc, j->reply.destination, &h->reply_dest,
                 &h->reply_program);
}

/* Whether run r's journal is what a run with gas limit L would give
 * (process.h, gas_needed). */
static bool journal_stands(const gb_journal *j, uint64_t L)
{
    return !j->gas_observed && L >= j->gas_needed &&
           !(j->outcome == GB_OUTCOME_FAILED && j->trap == GB_TRAP_OUT_OF_GAS);
}

/* Run r again, now, on this thread, with gas limit L (its pool changed
 * since it ran, in a way its journal depends on). */
static gb_err rerun(gb_blk *b, gb_run *r, uint64_t L)
{
    gb_held h = r->h;
    uint32_t di = r->di;
    r->h = (gb_held){0};
    gb_run_free(r);
    r->h = h;
    r->di = di;
    r->h.x.d.gas_limit = L;
    gb_err e = gb_chain_prepare(b, r);
    if (e)
        return e;
    gb_chain_run(r, b->proc ? b->proc : b->c->procs[0], &b->bctx);
    if (r->err)
        return r->err;
    return r->j.interrupted ? GB_LIMIT : GB_OK;
}

gb_err gb_chain_finish(gb_blk *b, gb_run *r)
{
    if (r->err)
        return r->err;
    /* A gasless message ran with its pool's gas as it was when the run
     * began.  Journals of the same wave applied before this one may have
     * drawn on the pool since (or given it gas back): the message gets
     * the pool as it is now, as if the runs had come one after the other
     * — the journal stands when it does not depend on the difference,
     * else the message runs again. */
    if (r->runs &&
        (r->h.x.flags & (GB_CHAIN_F_GASLESS | GB_CHAIN_F_POOLED))) {
        uint64_t L;
        gb_err e = gb_chain_gas_limit_b(b, &r->h.x, &L);
        if (e)
            return e;
        if (L != r->h.x.d.gas_limit) {
            if (journal_stands(&r->j, L))
                r->h.x.d.gas_limit = L;
            else if ((e = rerun(b, r, L)))
                return e;
        }
    }
    if (!r->runs)
        return refuse(b, &r->h.x, &r->p, r->refusal);
    /* the record now: others' journals of the same wave may have credited
     * the program (an exit naming it inheritor) since it was prepared;
     * nothing else of it changes but through its own dispatches.  No
     * program was credited since: the prepared record is the record. */
    complete_hints(b, r);
    if (b->program_credits == r->credits) {
        gb_db_program now = r->p;
        return apply_journal(b, &r->h.x, &now, r->p.balance, r->bal, &r->j,
                             r->hints.valid ? &r->hints : NULL,
                             gb_chain_prog_cache(b, r->di));
    }
    gb_db_program now;
    uint8_t *alloc;
    gb_err e = prog_load(b->txn, r->h.x.d.destination, &now, &alloc);
    if (e)
        return e;
    e = apply_journal(b, &r->h.x, &now, r->p.balance, r->bal, &r->j,
                      r->hints.valid ? &r->hints : NULL,
                      gb_chain_prog_cache(b, r->di));
    free(alloc);
    return e;
}

gb_err gb_chain_execute(gb_blk *b, const gb_held *h)
{
    gb_run r;
    memset(&r, 0, sizeof r);
    r.di = GB_IDMAP_NONE;
    gb_err e = gb_chain_held_copy(&h->x, &r.h);
    if (!e)
        e = gb_chain_gas_limit_b(b, &r.h.x, &r.h.x.d.gas_limit);
    if (!e)
        e = gb_chain_prepare(b, &r);
    if (!e) {
        gb_chain_run(&r, b->proc ? b->proc : b->c->procs[0], &b->bctx);
        e = r.j.interrupted ? GB_LIMIT : gb_chain_finish(b, &r);
    }
    gb_run_free(&r);
    return e;
}

/* ---- the state query ----------------------------------------------------- */

static void say(char *detail, size_t len, const char *msg)
{
    if (detail && len) {
        strncpy(detail, msg, len - 1);
        detail[len - 1] = 0;
    }
}

static gb_err read_state(gb_chain *c, gb_id pid, const uint8_t *payload,
                         uint32_t len, uint64_t gas_limit,
                         uint8_t out_code[4], uint8_t **out_payload,
                         uint32_t *out_len, char *detail, size_t detail_len);

gb_err gb_chain_read_state(gb_chain *c, gb_id pid, const uint8_t *payload,
                           uint32_t len, uint64_t gas_limit,
                           uint8_t out_code[4], uint8_t **out_payload,
                           uint32_t *out_len, char *detail,
                           size_t detail_len)
{
    gb_err e = read_state(c, pid, payload, len, gas_limit, out_code,
                          out_payload, out_len, detail, detail_len);
    gb_chain_trim_codes(c); /* the run is over: its code is not in use */
    return e;
}

static gb_err read_state(gb_chain *c, gb_id pid, const uint8_t *payload,
                         uint32_t len, uint64_t gas_limit,
                         uint8_t out_code[4], uint8_t **out_payload,
                         uint32_t *out_len, char *detail, size_t detail_len)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_program p;
    uint8_t *alloc = NULL;
    gb_reservation *resv = NULL;
    uint32_t nresv = 0;
    gb_journal j;
    memset(&j, 0, sizeof j);
    e = prog_load(r, pid, &p, &alloc);
    if (e == GB_NOT_FOUND) {
        say(detail, detail_len, "read_state: not a program");
        goto out;
    }
    if (e)
        goto out;
    if (p.status != GB_PROGRAM_ACTIVE) {
        say(detail, detail_len,
            p.status == GB_PROGRAM_INITIALIZING
                ? "read_state: the program is not initialised yet"
            : p.status == GB_PROGRAM_EXITED
                ? "read_state: the program has exited"
                : "read_state: the program's initialisation failed");
        e = GB_INVALID;
        goto out;
    }
    const gb_gear_code *code;
    if ((e = gb_chain_code(c, r, p.code_id, &code)))
        goto out;
    if (!(code->entries & GB_GEAR_ENTRY_STATE)) {
        /* Gear: "Program doesn't have `state` export" */
        say(detail, detail_len,
            "read_state: the program has no `state` export");
        e = GB_INVALID;
        goto out;
    }
    /* the context of the last committed block (the snapshot's head) */
    gb_block_header h;
    uint32_t height;
    uint8_t head_hash[32];
    if ((e = gb_db_head(r, &height, head_hash)) ||
        (e = gb_db_block_get(r, height, &h)))
        goto out;
    gb_block_ctx bctx;
    gb_block_ctx_default(&bctx, height, h.timestamp);
    if (c->cfg.call_time_ms)
        bctx.deadline_ns = gb_monotonic_ns() + c->cfg.call_time_ms * 1000000u;
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, "gearbox/seed", 12);
    gb_blake2b_update(&st, h.parent_hash, 32);
    gb_blake2b_final(&st, bctx.random_seed);

    gb_page_src src = {.txn = r, .pid = pid};
    uint32_t hot[GB_CHAIN_HOT_PAGES], nhot = 0;
    hot_pages(r, pid, NULL, hot, &nhot);
    if ((e = load_reservations(r, pid, &resv, &nresv)))
        goto out;
    gb_program_view view = {.module = code->module,
                            .hot_pages = hot,
                            .nhot = nhot,
                            .static_pages = p.static_pages,
                            .stack_end = p.stack_end,
                            .allocations = p.allocations,
                            .alloc_pages = p.alloc_pages,
                            .page = page_lookup,
                            .page_user = &src,
                            .balance = p.balance,
                            .locked = bctx.existential_deposit,
                            .reservations = resv,
                            .nreservations = nresv};
    gb_dispatch d = {.kind = GB_DISPATCH_STATE,
                     .destination = pid,
                     .payload = payload,
                     .payload_len = len,
                     /* at most a block's worth (Gear's allowance) */
                     .gas_limit = gas_limit && gas_limit <
                                                   c->cfg.block_gas_limit
                                      ? gas_limit
                                      : c->cfg.block_gas_limit};
    pthread_mutex_lock(&c->call_mu);
    e = gb_process(c->call_proc, &bctx, &view, &d, &j);
    pthread_mutex_unlock(&c->call_mu);
    if (e || (e = src.err))
        goto out;
    if (j.interrupted) {
        char why[160];
        snprintf(why, sizeof why,
                 "read_state: stopped after %llu ms, the node's limit for a "
                 "read-only call (the `state` export runs too long)",
                 (unsigned long long)c->cfg.call_time_ms);
        say(detail, detail_len, why);
        e = GB_LIMIT;
        goto out;
    }
    if (j.outcome == GB_OUTCOME_WAIT || j.outcome == GB_OUTCOME_EXIT) {
        say(detail, detail_len, j.outcome == GB_OUTCOME_WAIT
                                    ? "read_state: the state query waited"
                                    : "read_state: the state query exited");
        e = GB_INVALID;
        goto out;
    }
    if (j.outcome == GB_OUTCOME_SKIPPED) {
        say(detail, detail_len,
            "read_state: the program has no `state` export");
        e = GB_INVALID;
        goto out;
    }
    uint8_t *pl = NULL;
    uint32_t pn = j.has_reply ? j.reply.payload_len : 0;
    if (pn) {
        if (!(pl = gb_malloc(pn))) {
            e = GB_NOMEM;
            goto out;
        }
        memcpy(pl, j.reply.payload, pn);
    }
    if (j.has_reply)
        memcpy(out_code, j.reply.reply_code, 4);
    else
        gb_reply_code_bytes(GB_REPLY_SUCCESS_AUTO, out_code);
    if (j.outcome == GB_OUTCOME_FAILED)
        say(detail, detail_len, j.trap_msg);
    *out_payload = pl;
    *out_len = pn;
out:
    gb_journal_free(&j);
    free(resv);
    free(alloc);
    gb_db_read_end(r);
    return e;
}
