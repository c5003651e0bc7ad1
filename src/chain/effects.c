/*
 * A block's effects outside any program's run (effects.h): held copies of
 * dispatch records, the block's events, balances credited and debited,
 * gas burned and transaction fees, and messages routed — to a user (an
 * event, the mailbox), to a program (the queue), or back as an error
 * reply; and a code prepared through the chain's code cache.  The
 * journal (chain_apply.c), the pipeline (pipeline.c), the transactions
 * (chain_tx.c), the tasks (chain.c), vouchers and the gas tree use
 * these; they call the queue (through queue.h), the gas tree (which
 * calls back gb_chain_refund_gas) and the store.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/effects.h"
#include "chain/gas_tree.h"
#include "chain/queue.h"
#include "util/bytes.h"
#include "util/huge.h"
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

gb_err gb_chain_held_take(const gb_db_dispatch *src, uint8_t **own,
                          gb_held *out)
{
    if (!own || !*own || *own != src->d.payload || !src->d.payload_len)
        return gb_chain_held_copy(src, out);
    out->x = *src;
    out->payload = *own;
    *own = NULL;
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
 * used), on huge pages (util/huge.h) — filling it then takes one page
 * fault per 2 MiB instead of one per 4 KiB, and nothing is copied again,
 * on the block's thread.  The jump comes early (a few thousand events):
 * each doubling before it is a fresh array, touched as it is filled and
 * copied into (with the jump at 4 MiB, a fresh chain's first big block
 * took ~1,700 page faults and 8 MB of copies in the doublings alone); a
 * block below it keeps a small array. */
#define EV_HUGE (256u << 10)
static gb_err events_move(gb_blk *b)
{
    uint32_t cap = b->cap_ev ? b->cap_ev * 2 : 16;
    gb_event *n = NULL;
    if ((size_t)cap * sizeof *b->ev >= EV_HUGE) {
        size_t bytes = (size_t)(cap > 2 * GB_CHAIN_MAX_DISPATCHES
                                    ? cap
                                    : 2 * GB_CHAIN_MAX_DISPATCHES) *
                       sizeof *b->ev;
        if ((n = gb_huge_alloc(&bytes))) {
            cap = (uint32_t)(bytes / sizeof *b->ev);
            gb_copy(n, b->ev, (size_t)b->nev * sizeof *n);
            free(b->ev);
        }
    }
    if (!n && !(n = gb_realloc(b->ev, (size_t)cap * sizeof *n)))
        return GB_NOMEM;
    b->ev = n;
    b->cap_ev = cap;
    return GB_OK;
}

/* events_move, out of the way of a worker reading the events for the
 * block's digest meanwhile (b->ev_mu: sched.c's tail digest). */
static gb_err events_grow(gb_blk *b)
{
    if (!b->ev_mu)
        return events_move(b);
    pthread_mutex_lock(b->ev_mu);
    gb_err e = events_move(b);
    pthread_mutex_unlock(b->ev_mu);
    return e;
}

gb_err gb_chain_event_dispatched(gb_blk *b, const gb_db_dispatch *x,
                                 gb_outcome outcome, uint64_t burned,
                                 const char *debug, gb_event **out)
{
    gb_err e;
    if (b->nev == b->cap_ev && (e = events_grow(b)))
        return e;
    /* (in place: the event is a quarter of a kilobyte, and one is made
     * per dispatch — built and copied twice through gb_chain_event's
     * argument, it cost as much as the rest of making it) */
    gb_event *ev = &b->ev[b->nev];
    memset(ev, 0, sizeof *ev);
    ev->kind = GB_EV_DISPATCHED;
    ev->id = x->d.id;
    ev->source = x->d.source;
    ev->destination = x->d.destination;
    ev->dispatch_kind = x->d.kind;
    ev->outcome = outcome;
    ev->gas_burned = burned;
    if (debug && *debug && !(ev->debug = gb_strdup(debug)))
        return GB_NOMEM;
    b->nev++;
    *out = ev;
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
gb_err gb_chain_sent_ids(const gb_journal *j, gb_id **out, uint32_t *n)
{
    uint32_t k = j->ncreates + j->nmsgs;
    *out = NULL;
    *n = 0;
    if (!k)
        return GB_OK;
    gb_id *ids = malloc((size_t)k * sizeof *ids);
    if (!ids)
        return GB_NOMEM;
    for (uint32_t i = 0; i < j->ncreates; i++)
        ids[i] = j->creates[i].init.id;
    for (uint32_t i = 0; i < j->nmsgs; i++)
        ids[j->ncreates + i] = j->msgs[i].id;
    *out = ids;
    *n = k;
    return GB_OK;
}

gb_err gb_chain_note_sent(gb_event *ev, const gb_journal *j)
{
    return gb_chain_sent_ids(j, &ev->sent, &ev->nsent);
}

/* A program record with its allocation bitmap copied (*alloc owned). */
gb_err gb_chain_prog_load(gb_db_txn *txn, gb_id pid, gb_db_program *p,
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
gb_err gb_chain_is_program(gb_blk *b, gb_id id, bool *out)
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
    gb_err e = gb_chain_prog_load(b->txn, id, &p, &alloc);
    if (e == GB_NOT_FOUND)
        return gb_chain_account_add(b, id, v);
    if (!e && p.status == GB_PROGRAM_EXITED &&
        !gb_id_eq(p.inheritor, id)) {
        /* value reaching an exited program goes on to its inheritor (one
         * step: an inheritor that exited too keeps it) */
        gb_id to = p.inheritor;
        free(alloc);
        if (!gb_db_program_get(b->txn, to, &p)) {
            if ((e = gb_chain_prog_load(b->txn, to, &p, &alloc)))
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
    if (!gas) /* (most dispatches refund no deposit and no system
                 reservation: a 128-bit product and a call saved) */
        return GB_OK;
    return gb_chain_account_add(b, origin, gb_chain_gas_value(gas));
}

/* The gas a stored dispatch holds besides its gas limit: its reply
 * deposit and its system reservation. */
uint64_t gb_chain_extra_gas(const gb_db_dispatch *x)
{
    return x->reply_deposit + x->d.ctx.system_reservation;
}

/* ---- routing ------------------------------------------------------------ */

/* A dispatch for a program (to_program) or a user, now or after delay
 * blocks. */
gb_err gb_chain_route(gb_blk *b, gb_db_dispatch *y, bool to_program,
                      uint32_t delay, uint32_t dest_hint, uint8_t **own)
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
        return gb_chain_queue_push_own(b, y, dest_hint, own);
    return gb_chain_to_user(b, y);
}

/* x's error reply (Gear's system reply: gasless, drawing on x's holder h,
 * unless a reply deposit pays for it); x's system reservation goes back.
 * x itself is not consumed here. */
gb_err gb_chain_error_reply_h(gb_blk *b, const gb_db_dispatch *x,
                              gb_gnode *h, gb_reply_code code,
                              const uint8_t *payload, uint32_t len)
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
    e = gb_chain_is_program(b, y.d.destination, &prog);
    if (e)
        return e;
    if (prog && !x->reply_deposit) {
        y.flags = GB_CHAIN_F_GASLESS;
        y.gas_node = h->id;
        h->n.unspec_refs++;
    }
    return gb_chain_route(b, &y, prog, 0, GB_IDMAP_NONE, NULL);
}

gb_err gb_chain_error_reply(gb_blk *b, const gb_db_dispatch *x,
                            gb_reply_code code, const uint8_t *payload,
                            uint32_t len)
{
    gb_gnode h;
    gb_err e = gb_chain_gas_holder(b, x, &h);
    if (!e)
        e = gb_chain_error_reply_h(b, x, &h, code, payload, len);
    return e ? e : gb_chain_gas_done(b, x, &h);
}

/* A dispatch that cannot reach its destination, and may not be replied to
 * (a reply or signal): its value goes back, its gas to the payer. */
gb_err gb_chain_drop(gb_blk *b, const gb_db_dispatch *x)
{
    gb_err e = GB_OK;
    if (!(x->flags & GB_CHAIN_F_VALUE_CREDITED))
        e = gb_chain_credit(b, x->d.source, x->d.value);
    if (!e)
        e = gb_chain_refund_gas(b, x->origin, gb_chain_extra_gas(x));
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
