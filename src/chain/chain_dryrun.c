/*
 * Gas estimation by dry runs (chain.h, "gas estimation"): Gear's
 * calculate_gas_info over this chain's flat gas model.
 *
 * One dry run opens the store's write transaction, builds the next block
 * as produce() in chain.c does (height, timestamp, seed), tops the
 * sender's balance up so that value + gas are affordable, applies the
 * transaction with gb_chain_apply_tx (so it is charged and queued exactly
 * as in a block), then runs, with gb_chain_execute, the dispatch it queued
 * and every dispatch queued after it in this block — the messages the run
 * caused — in queue order; and always aborts.  It observes:
 *
 *   low       the least the message's gas node held after any journal
 *             (gb_est_watch: apply_journal tells it; Gear's get_limit of
 *             the main message after every journal note), and whether a
 *             message of its tree waited with a plain gr_wait once the
 *             message's own node was gone;
 *   burned    what the runs of the messages of the tree burned (Gear's
 *             main chain: gb_est_watch.burned);
 *   reserved  0: Gear counts the gas of a main-chain message put in a
 *             mailbox (runtime_api.rs:341-369), but such a message's node
 *             is a Cut node, a root of its own (get_origin_key gives its
 *             own id: vara/common/src/gas_provider/internal.rs:464,
 *             node.rs:424-438), so none ever counts;
 *   waited    the message is in the waitlist at the end;
 *   failures  a failed run's error reply (a UserMessageSent event, or a
 *             REPLY dispatch met in the queue) gives the reason reported.
 *
 * The estimate is Gear's (get_*_gas_spent, vara/pallets/gear/rpc/src/
 * lib.rs:469-499, and calculate_gas_info_impl, runtime_api.rs:157-405):
 * a first dry run with the block gas limit G gives min_limit = G - low
 * (G itself after such a plain gr_wait); a second dry run with min_limit
 * as the gas gives the answer: its own min_limit (min_limit - its low),
 * burned, reserved and waited; may_be_returned is 0 (Gear never sets
 * it).  A failure of the message in either run (or of any other run of
 * the tree, unless allowed) is an error, as in Gear.
 *
 * The processor's trap message (journal.trap_msg) is not visible through
 * gb_chain_execute, so a failure is described by its error reply: the
 * reply code's words and, for a userspace panic, the panic text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_int.h"
#include "chain/chain_tx.h"
#include "chain/effects.h"
#include "chain/pipeline.h"
#include "chain/holds.h"
#include "gear/codes.h"
#include "util/hash.h"

/* runs of one dry block at most (a ping-pong of programs ends when its
 * gas does; this bounds one that lives on reservations) */
#define DRY_MAX_DISPATCHES 10000u
#define MAX_PAYLOAD (8u * 1024 * 1024)

static void say(char *detail, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *detail, size_t len, const char *fmt, ...)
{
    if (!detail || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, len, fmt, ap);
    va_end(ap);
}

/* What one dry run saw. */
typedef struct dry {
    uint64_t burned, reserved;
    gb_est_watch est;
    uint64_t fingerprint; /* FNV-1a of the outcomes in order */
    uint32_t dispatches;
    bool queued;          /* the transaction queued its dispatch */
    bool ran;             /* the dispatch itself ran */
    bool waited;
    bool failed;          /* its own run failed */
    bool other_failed;    /* a run of the tree failed */
    gb_id root, other;    /* the message; the first other failed one */
    char why[300];        /* the root's failure */
    char other_why[300];  /* the other's */
    /* gb_chain_calculate_reply: the first reply to the root message that
     * reached a user (reply malloc'd; the caller frees) */
    bool want_reply, replied, reply_oom;
    uint8_t reply_code[4];
    uint8_t *reply;
    uint32_t reply_len;
    gb_u128 reply_value;
} dry;

static void fp_add(uint64_t *h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        *h ^= (v >> (8 * i)) & 0xff;
        *h *= 0x100000001b3ull;
    }
}

/* "error: execution: userspace panic: 'text'" into out. */
static void describe(const uint8_t code[4], const uint8_t *payload,
                     uint32_t len, char *out, size_t outlen)
{
    gb_reply_code rc = gb_reply_code_from_bytes(code);
    int n = snprintf(out, outlen, "%s", gb_reply_code_str(rc));
    if (n < 0 || (size_t)n >= outlen || !len)
        return;
    bool text = true;
    for (uint32_t i = 0; i < len; i++)
        if (payload[i] < 0x20 || payload[i] > 0x7e)
            text = false;
    if (text) {
        snprintf(out + n, outlen - (size_t)n, ": '%.*s'",
                 (int)(len > 200 ? 200 : len), (const char *)payload);
        return;
    }
    size_t at = (size_t)n;
    at += (size_t)snprintf(out + at, outlen - at, ": 0x");
    for (uint32_t i = 0; i < len && i < 64 && at + 3 < outlen; i++)
        at += (size_t)snprintf(out + at, outlen - at, "%02x", payload[i]);
}

/* An error reply to message to: the reason of its failure. */
static void note_error_reply(dry *d, gb_id to, const uint8_t code[4],
                             const uint8_t *payload, uint32_t len)
{
    if (gb_reply_code_is_success(gb_reply_code_from_bytes(code)))
        return;
    if (gb_id_eq(to, d->root) && d->failed && !d->why[0])
        describe(code, payload, len, d->why, sizeof d->why);
    else if (d->other_failed && gb_id_eq(to, d->other) && !d->other_why[0])
        describe(code, payload, len, d->other_why, sizeof d->other_why);
}

/* Read the events from *seen on. */
static void scan_events(gb_blk *b, uint32_t *seen, dry *d)
{
    for (; *seen < b->nev; (*seen)++) {
        const gb_event *ev = &b->ev[*seen];
        switch (ev->kind) {
        case GB_EV_DISPATCHED:
            fp_add(&d->fingerprint, (uint64_t)ev->outcome);
            if (gb_id_eq(ev->id, d->root)) {
                d->ran = true;
                if (ev->outcome == GB_OUTCOME_FAILED)
                    d->failed = true;
            } else if (ev->outcome == GB_OUTCOME_FAILED && !d->other_failed) {
                d->other_failed = true;
                d->other = ev->id;
            }
            break;
        case GB_EV_USER_MESSAGE:
            /* (held in the mailbox or not, Gear's reserved stays 0:
             * the top of this file) */
            if (ev->is_reply)
                note_error_reply(d, ev->reply_to, ev->reply_code, ev->payload,
                                 ev->payload_len);
            if (ev->is_reply && d->want_reply && !d->replied &&
                gb_id_eq(ev->reply_to, d->root)) {
                d->replied = true;
                memcpy(d->reply_code, ev->reply_code, 4);
                d->reply_value = ev->value;
                d->reply_len = ev->payload_len;
                d->reply = malloc(ev->payload_len ? ev->payload_len : 1);
                if (!d->reply)
                    d->reply_oom = true;
                else if (ev->payload_len)
                    memcpy(d->reply, ev->payload, ev->payload_len);
            }
            break;
        default:
            break;
        }
    }
}

static void seq_key(uint64_t seq, uint8_t out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(seq >> (56 - 8 * i));
}

/* The first queue entry at or after sequence from (GB_NOT_FOUND: none);
 * *out owned by the caller. */
static gb_err queue_at(gb_db_txn *txn, uint64_t from, uint64_t *seq,
                       gb_held *out)
{
    uint8_t k[8];
    seq_key(from, k);
    gb_db_cursor *cur;
    gb_err e = gb_db_cursor_open(txn, GB_TABLE_QUEUE, k, 0, k, 8, &cur);
    if (e)
        return e;
    gb_db_val key, val;
    e = gb_db_cursor_next(cur, &key, &val);
    if (!e && key.len != 8)
        e = GB_MALFORMED;
    if (!e) {
        *seq = 0;
        for (int i = 0; i < 8; i++)
            *seq = *seq << 8 | key.data[i];
        gb_db_dispatch x;
        e = gb_db_dispatch_decode(val.data, val.len, &x);
        if (!e)
            e = gb_chain_held_copy(&x, out);
    }
    gb_db_cursor_close(cur);
    return e;
}

/* A lookup that found nothing (GB_NOT_FOUND) is an answer; any other
 * error is none and ends the estimate with it. */
static bool no_answer(gb_err e) { return e && e != GB_NOT_FOUND; }

/* The transactions of one estimate (an upload and the creation, or one),
 * with the ids submit would give them. */
typedef struct plan {
    gb_ptx p[2];
    uint32_t n;
    uint64_t deadline_ns; /* of the whole estimate (0: none) */
    bool want_reply;      /* keep the reply (dry.reply) */
} plan;

/* One dry run of plan with gas limit gas for its message. */
static gb_err dry_run(gb_chain *c, plan *pl, uint64_t gas, dry *d)
{
    memset(d, 0, sizeof *d);
    d->fingerprint = 0xcbf29ce484222325ull;
    d->want_reply = pl->want_reply;
    gb_blk b = {.c = c, .gas_left = c->cfg.block_gas_limit,
                .proc = c->call_proc};
    gb_ptx *msg = &pl->p[pl->n - 1];
    msg->tx.gas_limit = gas;
    gb_id sender = msg->tx.sender;
    gb_err e = gb_db_begin(c->db, &b.txn);
    if (e)
        return e;
    /* the next block after the head this transaction sees */
    uint8_t head_hash[32];
    gb_block_header head;
    if ((e = gb_db_head(b.txn, &b.height, head_hash)) ||
        (e = gb_db_block_get(b.txn, b.height, &head))) {
        gb_db_abort(b.txn);
        return e;
    }
    b.height++;
    gb_block_ctx_default(&b.bctx, b.height,
                         head.timestamp + c->cfg.block_time_ms);
    b.bctx.deadline_ns = pl->deadline_ns;
    b.bctx.estimating = true;
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, "gearbox/seed", 12);
    gb_blake2b_update(&st, head_hash, 32);
    gb_blake2b_final(&st, b.bctx.random_seed);
    uint32_t seen = 0;
    uint64_t seq0, from, seq;
    gb_db_account a = {0};
    e = gb_db_account_get(b.txn, sender, &a);
    if (e && e != GB_NOT_FOUND)
        goto out;
    /* the top-up: value + gas + the fees affordable whatever the
     * balance */
    gb_u128 need = gb_chain_gas_value(gas);
    bool over = !gb_u128_add_to(&need, msg->tx.value);
    for (uint32_t i = 0; i < pl->n; i++)
        over = over ||
               !gb_u128_add_to(&need, gb_chain_tx_fee(&c->cfg, &pl->p[i].tx));
    if (over) {
        e = GB_INVAL;
        goto out;
    }
    if (gb_u128_cmp(a.balance, need) < 0) {
        a.balance = need;
        if ((e = gb_db_account_put(b.txn, sender, &a)))
            goto out;
    }
    if ((e = gb_db_meta_get_u64(b.txn, "queue_seq", 0, &seq0)))
        goto out;
    for (uint32_t i = 0; i < pl->n; i++)
        if ((e = gb_chain_apply_tx(&b, &pl->p[i])))
            goto out;

    gb_held h;
    e = queue_at(b.txn, seq0, &seq, &h);
    if (e == GB_NOT_FOUND) { /* dropped by apply: nothing queued */
        e = GB_OK;
        goto out;
    }
    if (e)
        goto out;
    d->queued = true;
    d->root = h.x.d.id;
    d->est.root = d->root;
    b.est = &d->est;
    gb_id dest = h.x.d.destination;
    gb_chain_held_free(&h);

    for (from = seq0; d->dispatches < DRY_MAX_DISPATCHES; from = seq + 1) {
        e = queue_at(b.txn, from, &seq, &h);
        if (e == GB_NOT_FOUND) {
            e = GB_OK;
            break;
        }
        if (e)
            goto out;
        gb_db_program p;
        const gb_dispatch *x = &h.x.d;
        gb_err pe = x->kind == GB_DISPATCH_HANDLE
                        ? gb_db_program_get(b.txn, x->destination, &p)
                        : GB_NOT_FOUND;
        if (no_answer(pe)) {
            gb_chain_held_free(&h);
            e = pe;
            goto out;
        }
        if (!pe && p.status == GB_PROGRAM_INITIALIZING) {
            /* waits for the init, as in a block */
            gb_chain_held_free(&h);
            continue;
        }
        if (x->kind == GB_DISPATCH_REPLY)
            note_error_reply(d, x->reply_to, x->reply_code, x->payload,
                             x->payload_len);
        e = gb_db_queue_del(b.txn, seq);
        if (!e)
            e = gb_chain_execute(&b, &h);
        gb_chain_held_free(&h);
        if (e)
            goto out;
        d->dispatches++;
        scan_events(&b, &seen, d);
    }
    d->burned = d->est.burned;
    if (d->est.oom) {
        e = GB_NOMEM;
        goto out;
    }
    gb_db_dispatch w;
    e = gb_db_waitlist_get(b.txn, dest, d->root, &w);
    d->waited = !e;
    if (e == GB_NOT_FOUND)
        e = GB_OK;
out:
    gb_idmap_free(&d->est.tree);
    gb_db_abort(b.txn);
    gb_block_result ev = {.events = b.ev, .nevents = b.nev};
    gb_block_result_free(&ev);
    return e;
}

/* Checks and the transactions to apply; GB_OK or an error with detail. */
static gb_err make_plan(gb_chain *c, const gb_tx *tx, plan *pl, char *detail,
                        size_t len)
{
    memset(pl, 0, sizeof *pl);
    if (tx->kind != GB_TX_CREATE_PROGRAM && tx->kind != GB_TX_SEND_MESSAGE &&
        tx->kind != GB_TX_SEND_REPLY) {
        say(detail, len,
            "only init, handle and reply messages use gas (upload a program, "
            "send a message or a reply)");
        return GB_INVALID;
    }
    if (tx->payload_len > MAX_PAYLOAD) {
        say(detail, len, "payload too large: %u bytes, the limit is 8 MiB",
            tx->payload_len);
        return GB_INVALID;
    }
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_program p;
    gb_db_dispatch mb;
    gb_db_val v;
    gb_tx t = *tx;
    t.gas_limit = 0;
    char idhex[67];
    switch (tx->kind) {
    case GB_TX_CREATE_PROGRAM:
        if (tx->code) {
            const gb_gear_code *code;
            t.code_id = gb_code_id(tx->code, tx->code_len);
            gb_err ce = gb_db_code_get(r, t.code_id, &v);
            if (no_answer(ce)) {
                e = ce;
                break;
            }
            if (ce == GB_NOT_FOUND) {
                char why[256] = "";
                e = gb_code_cache_add(c->codes, tx->code, tx->code_len, &code,
                                      why, sizeof why);
                if (e == GB_NOMEM)
                    break;
                if (e) {
                    say(detail, len, "code rejected: %s",
                        why[0] ? why : gb_err_str(e));
                    e = GB_INVALID;
                    break;
                }
                pl->p[pl->n++] = (gb_ptx){
                    .tx = {.kind = GB_TX_UPLOAD_CODE, .sender = tx->sender,
                           .code = tx->code, .code_len = tx->code_len},
                    .id = t.code_id};
            }
        } else if (no_answer(e = gb_db_code_get(r, t.code_id, &v))) {
            break;
        } else if (e == GB_NOT_FOUND) {
            gb_id_to_hex(t.code_id, idhex);
            say(detail, len,
                "unknown code id %s: upload the code first (or give the "
                ".wasm file)", idhex);
            e = GB_NOT_FOUND;
            break;
        }
        t.code = NULL;
        t.code_len = 0;
        pl->p[pl->n] = (gb_ptx){
            .tx = t,
            .id = gb_program_id_from_user(t.code_id, t.salt, t.salt_len)};
        if (no_answer(e = gb_db_program_get(r, pl->p[pl->n].id, &p)))
            break;
        if (!e) {
            gb_id_to_hex(pl->p[pl->n].id, idhex);
            say(detail, len,
                "program %s exists already: choose another salt", idhex);
            e = GB_INVALID;
            break;
        }
        e = GB_OK;
        pl->n++;
        break;
    case GB_TX_SEND_MESSAGE:
        gb_id_to_hex(tx->destination, idhex);
        if (no_answer(e = gb_db_program_get(r, tx->destination, &p))) {
            ; /* (the error) */
        } else if (e) {
            say(detail, len, "unknown program %s: no program has this id",
                idhex);
            e = GB_NOT_FOUND;
        } else if (p.status != GB_PROGRAM_ACTIVE) {
            say(detail, len, "program %s %s", idhex,
                p.status == GB_PROGRAM_INITIALIZING
                    ? "is not initialised yet: its init runs in the next "
                      "block; estimate again after it"
                : p.status == GB_PROGRAM_EXITED
                    ? "has exited: messages to it only get an error reply"
                    : "failed its init: messages to it only get an error "
                      "reply");
            e = GB_INVALID;
        } else {
            pl->p[pl->n++] = (gb_ptx){.tx = t};
        }
        break;
    default: /* GB_TX_SEND_REPLY */
        gb_id_to_hex(tx->destination, idhex);
        if (no_answer(e = gb_db_mailbox_get(r, tx->sender, tx->destination,
                                            &mb))) {
            ; /* (the error) */
        } else if (e) {
            say(detail, len,
                "no message %s in the sender's mailbox (see its mailbox for "
                "the ids)", idhex);
            e = GB_NOT_FOUND;
        } else {
            pl->p[pl->n++] = (gb_ptx){
                .tx = t, .id = gb_message_id_reply(tx->destination)};
        }
        break;
    }
    gb_db_read_end(r);
    return e;
}

gb_err gb_chain_calculate_gas(gb_chain *c, const gb_tx *tx,
                              gb_chain_gas_info *out, char *detail,
                              size_t len)
{
    return gb_chain_calculate_gas_ex(c, tx, true, out, detail, len);
}

static gb_err estimate(gb_chain *c, const gb_tx *tx, bool allow_other_panics,
                       gb_chain_gas_info *out, char *detail, size_t len);
static gb_err estimate_plan(gb_chain *c, plan *pl, bool allow_other_panics,
                            gb_chain_gas_info *out, char *detail,
                            size_t len);

gb_err gb_chain_calculate_gas_ex(gb_chain *c, const gb_tx *tx,
                                 bool allow_other_panics,
                                 gb_chain_gas_info *out, char *detail,
                                 size_t len)
{
    /* code that is not on chain, checked for this estimate only, leaves
     * the cache again (else estimates of ever new code would fill it) */
    bool transient = false;
    gb_id code_id = {{0}};
    if (tx->kind == GB_TX_CREATE_PROGRAM && tx->code) {
        code_id = gb_code_id(tx->code, tx->code_len);
        transient = !gb_chain_code_exists(c, code_id) &&
                    !gb_code_cache_get(c->codes, code_id);
    }
    /* one estimate at a time, on the processor for calls */
    pthread_mutex_lock(&c->call_mu);
    gb_err e = estimate(c, tx, allow_other_panics, out, detail, len);
    pthread_mutex_unlock(&c->call_mu);
    if (transient && !gb_chain_code_exists(c, code_id))
        gb_code_cache_remove(c->codes, code_id);
    gb_chain_trim_codes(c); /* nothing of the dry runs is in use */
    return e;
}

static gb_err estimate(gb_chain *c, const gb_tx *tx, bool allow_other_panics,
                       gb_chain_gas_info *out, char *detail, size_t len)
{
    memset(out, 0, sizeof *out);
    if (detail && len)
        detail[0] = 0;
    plan pl;
    gb_err e = make_plan(c, tx, &pl, detail, len);
    if (e)
        return e;
    pl.deadline_ns = c->cfg.call_time_ms
                         ? gb_monotonic_ns() + c->cfg.call_time_ms * 1000000u
                         : 0;
    e = estimate_plan(c, &pl, allow_other_panics, out, detail, len);
    if (e == GB_LIMIT && pl.deadline_ns &&
        gb_monotonic_ns() >= pl.deadline_ns)
        say(detail, len,
            "the estimate stopped after %llu ms, the node's limit for a "
            "read-only call or estimate (the message runs too long: give "
            "a gas limit yourself)",
            (unsigned long long)c->cfg.call_time_ms);
    return e;
}

/* Whether node id is of the estimated message's tree. */
static bool of_tree(const gb_est_watch *w, const gb_id *id)
{
    static const gb_id none = {{0}};
    return gb_id_eq(*id, w->root) ||
           gb_idmap_get(&w->tree, id, &none) != GB_IDMAP_NONE;
}

void gb_chain_est_note(gb_blk *b, const gb_db_dispatch *x,
                       const gb_journal *j, gb_id hold_id, uint64_t value,
                       uint64_t burned)
{
    static const gb_id none = {{0}};
    gb_est_watch *w = b->est;
    /* x is of the tree when its own node is (the message, or a message
     * woken again) or the node it was made under is (gas_node: its
     * holder, or its parent); the nodes it makes children under then are
     * too (runtime_api.rs:371-380: GasBurned of main-chain messages) */
    if (of_tree(w, &x->d.id) ||
        (!gb_id_is_zero(x->gas_node) && of_tree(w, &x->gas_node))) {
        w->burned += burned;
        if (gb_idmap_put(&w->tree, &x->d.id, &none, 1) ||
            gb_idmap_put(&w->tree, &hold_id, &none, 1))
            w->oom = true;
    }
    if (gb_id_eq(hold_id, w->root)) {
        if (!w->seen || value < w->low)
            w->low = value;
        w->seen = true;
    } else if (w->root_done && j->outcome == GB_OUTCOME_WAIT &&
               j->wait == GB_WAIT) {
        w->plain_wait = true;
    }
    if (gb_id_eq(x->d.id, w->root) && j->outcome != GB_OUTCOME_WAIT)
        w->root_done = true;
}

/* Gear's min_limit of a dry run with `initial` gas. */
static uint64_t min_limit_of(const dry *d, uint64_t initial)
{
    if (d->est.plain_wait || !d->est.seen)
        return initial;
    return initial - (d->est.low < initial ? d->est.low : initial);
}

/* A failure in dry run d (of the message, or of another run when not
 * allowed): GB_INVALID with its reason. */
static gb_err failed(const gb_chain *c, const dry *d, uint64_t gas,
                     bool allow_other_panics, char *detail, size_t len)
{
    if (!d->queued || !d->ran) {
        say(detail, len,
            "the message would not run: its destination cannot take it");
        return GB_INVALID;
    }
    if (d->failed) {
        bool capped = gas < c->cfg.block_gas_limit && d->burned >= gas;
        say(detail, len, "trapped: %s%s",
            d->why[0] ? d->why : "the run failed",
            capped ? " (with the estimate's gas cap; it may need more: "
                     "give a gas limit yourself)"
                   : "");
        return GB_INVALID;
    }
    if (d->other_failed && !allow_other_panics) {
        char id[67];
        gb_id_to_hex(d->other, id);
        say(detail, len, "trapped: message %s it caused failed: %s", id,
            d->other_why[0] ? d->other_why : "the run failed");
        return GB_INVALID;
    }
    return GB_OK;
}

static gb_err estimate_plan(gb_chain *c, plan *ppl, bool allow_other_panics,
                            gb_chain_gas_info *out, char *detail, size_t len)
{
    plan pl = *ppl;
    gb_err e;
    uint64_t G = c->cfg.block_gas_limit, cap = c->cfg.estimate_gas_limit;
    if (!cap)
        cap = G; /* Gear's: the block gas limit */
    if (G > cap)
        G = cap;
    /* Gear's two passes (rpc/src/lib.rs:469-499): the block gas limit,
     * then the min_limit it gave */
    dry d;
    if ((e = dry_run(c, &pl, G, &d)))
        return e;
    out->dispatches = d.dispatches;
    out->burned = d.burned; /* (said with a failure too) */
    out->reserved = d.reserved;
    out->waited = d.waited;
    if ((e = failed(c, &d, G, allow_other_panics, detail, len)))
        return e;
    uint64_t first = min_limit_of(&d, G);
    if ((e = dry_run(c, &pl, first, &d)))
        return e;
    if ((e = failed(c, &d, first, allow_other_panics, detail, len)))
        return e;
    out->min_limit = min_limit_of(&d, first);
    out->burned = d.burned;
    out->reserved = d.reserved;
    out->waited = d.waited;
    out->may_be_returned = 0;
    out->dispatches = d.dispatches;
    return GB_OK;
}

/* ---- gb_chain_calculate_reply (Gear's calculate_reply_for_handle) ----- */

gb_err gb_chain_calculate_reply(gb_chain *c, const gb_tx *tx,
                                gb_chain_reply_info *out, char *detail,
                                size_t len)
{
    memset(out, 0, sizeof *out);
    if (detail && len)
        detail[0] = 0;
    if (tx->kind != GB_TX_SEND_MESSAGE) {
        say(detail, len, "only a handle message has a reply to compute");
        return GB_INVALID;
    }
    plan pl;
    gb_err e = make_plan(c, tx, &pl, detail, len);
    if (e)
        return e;
    pl.want_reply = true;
    pl.deadline_ns = c->cfg.call_time_ms
                         ? gb_monotonic_ns() + c->cfg.call_time_ms * 1000000u
                         : 0;
    uint64_t gas = tx->gas_limit;
    if (gas > c->cfg.block_gas_limit)
        gas = c->cfg.block_gas_limit;
    dry d;
    pthread_mutex_lock(&c->call_mu);
    e = dry_run(c, &pl, gas, &d);
    pthread_mutex_unlock(&c->call_mu);
    gb_chain_trim_codes(c);
    if (!e && d.reply_oom)
        e = GB_NOMEM;
    if (!e && (!d.queued || !d.ran)) {
        say(detail, len,
            "the message would not run: its destination cannot take it");
        e = GB_INVALID;
    }
    if (!e && !d.replied) {
        if (pl.deadline_ns && gb_monotonic_ns() >= pl.deadline_ns) {
            say(detail, len,
                "stopped after %llu ms, the node's limit for a read-only "
                "call, before a reply came",
                (unsigned long long)c->cfg.call_time_ms);
            e = GB_LIMIT;
        } else {
            say(detail, len,
                "no reply to the message in its block (it %s)",
                d.waited ? "waits for something that did not come"
                         : "sent none");
            e = GB_NOT_FOUND;
        }
    }
    if (e) {
        free(d.reply);
        return e;
    }
    memcpy(out->code, d.reply_code, 4);
    out->payload = d.reply;
    out->payload_len = d.reply_len;
    out->value = d.reply_value;
    out->burned = d.burned;
    return GB_OK;
}
