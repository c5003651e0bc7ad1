/*
 * The chain: genesis, transactions, and the block loop over the store.
 *
 * Transactions are checked by gb_chain_submit against the last committed
 * state and the transactions already pending, and kept in memory (a
 * mempool: pending transactions do not survive gb_chain_close).  Nothing
 * changes in the state until a block applies them: gb_chain_produce_block
 * opens one write transaction of the store and, in order,
 *
 *   1. applies the pending transactions in submission order: each pays
 *      its fee (gb_chain_tx_fee, burned), the value and the gas limit of a
 *      message are reserved from the sender's account (gas at
 *      GB_CHAIN_VALUE_PER_GAS), its dispatch is queued;
 *   2. runs the tasks due at this height (delayed dispatches, wake-ups,
 *      waitlist and mailbox expiry) in (block, sequence) order;
 *   3. processes the queue in sequence order while the block's gas
 *      allowance lasts.  A dispatch whose gas limit does not fit what is
 *      left of the allowance is skipped, not waited for: the block goes on
 *      with the next one, so a big message never stalls messages to other
 *      programs.  To keep the order of the messages from one sender to one
 *      destination, once a dispatch is skipped every later dispatch of the
 *      same (source, destination) pair is skipped in this block too; and
 *      handle messages to a program whose init has not finished are
 *      skipped the same way (they stay queued, in order, until it has).
 *      A skipped dispatch keeps its place; as every block processes the
 *      queue's head first and a gas limit never exceeds the block
 *      allowance (submit checks it; a program's messages get part of its
 *      own), every dispatch is processed eventually;
 *   4. seals the block header with the state root and commits.
 *
 * A block is a function of the parent state and its inputs (height, the
 * timestamp — the caller's (gb_chain_produce_block_at) or the parent's +
 * block_time_ms — recorded in the header, the seed derived from the parent hash,
 * the ordered transactions); the header's input hash commits to the
 * transactions.
 *
 * This file: the configuration, opening and closing, genesis, the block
 * loop (step 2's tasks here; step 1 in chain_tx.c, step 3 in sched.c)
 * and blocks from inputs.  The queries are in chain_query.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_apply.h"
#include "chain/chain_tx.h"
#include "chain/effects.h"
#include "chain/replay.h"
#include "chain/sched.h"
#include "chain/pool_log.h"
#include "util/bytes.h"
#include "chain/devkeys.h"
#include "chain/holds.h"
#include "util/sr25519.h"
#include "util/grow.h"
#include "util/hash.h"
#include "util/mem.h"
#include "util/try.h"

void gb_chain_cfg_default(gb_chain_cfg *cfg)
{
    *cfg = (gb_chain_cfg){
        .data_dir = NULL,
        .block_gas_limit = 750000000000ull, /* Vara's BlockGasLimit */
        .block_time_ms = 3000,
        .initial_balance = gb_u128_from(1000000000000000000ull), /* 1M VARA */
        .tx_base_fee = GB_CHAIN_TX_BASE_FEE,
        .tx_byte_fee = GB_CHAIN_TX_BYTE_FEE,
        .code_cache_bytes = GB_CHAIN_CODE_CACHE_BYTES,
    };
}

const gb_chain_cfg *gb_chain_config(const gb_chain *c) { return &c->cfg; }

/* The fee model (chain.h): the one place it is computed. */
gb_u128 gb_chain_tx_fee(const gb_chain_cfg *cfg, const gb_tx *tx)
{
    uint64_t bytes = (uint64_t)(tx->code ? tx->code_len : 0) +
                     (tx->salt ? tx->salt_len : 0) +
                     (tx->payload ? tx->payload_len : 0);
    gb_u128 fee = gb_u128_mul64(cfg->tx_byte_fee, bytes);
    gb_u128_add_to(&fee, gb_u128_from(cfg->tx_base_fee)); /* < 2^128 */
    return fee;
}

/* ---- opening ---------------------------------------------------------- */

/* The store's format: what the chain's records mean, marked in the
 * inputs table (history, outside the state root, copied by snapshots and
 * forks) under a key no height has, u32 LE.  2: Gear's holds — a
 * waitlist entry's rent lock and a mailbox entry's hold (their start in
 * d.signal_code, holds.c), a reservation's rent lock (its start and end).
 * A store without the mark was made before them: format 1. */
#define STORE_FORMAT 2u
static const char k_format[] = "_store_format";

static gb_err format_mark(gb_db_txn *txn)
{
    uint8_t v[4];
    gb_le_put(v, STORE_FORMAT, 4);
    return gb_db_put_history(txn, k_format, sizeof k_format - 1, v, 4);
}

/* An existing store's format checked: this one's; an older one holding
 * nothing whose meaning changed (waitlist, mailbox and reservation
 * entries) is marked as this one's; any other is refused
 * (GB_UNSUPPORTED, with what and why in detail). */
static gb_err format_check(gb_chain *c, char *detail, size_t len)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_val v;
    uint32_t fmt = 1;
    e = gb_db_get(r, GB_TABLE_INPUTS, k_format, sizeof k_format - 1, &v);
    if (!e)
        fmt = v.len == 4 ? (uint32_t)gb_le_get(v.data, 4) : UINT32_MAX;
    uint64_t nw = 0, nm = 0, nr = 0;
    if ((!e || e == GB_NOT_FOUND) && fmt < STORE_FORMAT &&
        !(e = gb_db_count(r, GB_TABLE_WAITLIST, &nw)) &&
        !(e = gb_db_count(r, GB_TABLE_MAILBOX, &nm)))
        e = gb_db_count(r, GB_TABLE_RESERVATIONS, &nr);
    gb_db_read_end(r);
    if (e && e != GB_NOT_FOUND)
        return e;
    const char *dir = c->cfg.data_dir ? c->cfg.data_dir : "the store";
    if (fmt > STORE_FORMAT) {
        if (detail && len)
            snprintf(detail, len,
                     "%s: written by a newer gearbox (store format %u; "
                     "this gearbox reads format %u)",
                     dir, fmt, STORE_FORMAT);
        return GB_UNSUPPORTED;
    }
    if (fmt == STORE_FORMAT)
        return GB_OK;
    if (nw || nm || nr) {
        if (detail && len)
            snprintf(
            detail, len,
            "%s: store format %u, written by a gearbox from before Gear's "
            "gas holds; its %llu waitlist, %llu mailbox and %llu "
            "reservation entries hold gas without the rent locks this "
            "gearbox (store format %u) accounts for.  Open it with the "
            "gearbox that wrote it, or start a new data directory",
            dir, fmt, (unsigned long long)nw, (unsigned long long)nm,
            (unsigned long long)nr, STORE_FORMAT);
        return GB_UNSUPPORTED;
    }
    /* nothing held: its records mean the same in this format */
    gb_db_txn *t;
    if ((e = gb_db_begin(c->db, &t)))
        return e;
    if ((e = format_mark(t))) {
        gb_db_abort(t);
        return e;
    }
    return gb_db_commit(t);
}

static gb_err genesis(gb_chain *c)
{
    gb_db_txn *txn;
    gb_err e = gb_db_begin(c->db, &txn);
    if (e)
        return e;
    gb_u128 issuance = gb_u128_from(0);
    for (uint32_t i = 0; i < GB_DEV_ACCOUNTS; i++) {
        gb_db_account a = {.balance = c->cfg.initial_balance};
        TRY_OUT(gb_db_account_put(txn, gb_dev_account_id(i), &a));
        if (!gb_u128_add_to(&issuance, c->cfg.initial_balance))
            TRY_OUT(GB_OVERFLOW); /* the dev accounts' balances sum too high */
    }
    for (uint32_t i = 0;
         c->cfg.substrate_dev_accounts && i < GB_SR25519_DEV_ACCOUNTS; i++) {
        gb_id id;
        TRY_OUT(gb_sr25519_dev_keypair(i, NULL, id.b, NULL));
        gb_db_account a = {.balance = c->cfg.initial_balance};
        TRY_OUT(gb_db_account_put(txn, id, &a));
        if (!gb_u128_add_to(&issuance, c->cfg.initial_balance))
            TRY_OUT(GB_OVERFLOW);
    }
    uint8_t buf[16];
    gb_u128_to_le(issuance, buf);
    TRY_OUT(gb_db_meta_put(txn, "issuance", buf, 16));
    gb_u128_to_le(gb_u128_from(0), buf);
    TRY_OUT(gb_db_meta_put(txn, "burned", buf, 16));
    /* what made this genesis, for a replay (replay.c) */
    uint8_t g[GB_CHAIN_GENESIS_REC];
    gb_chain_genesis_encode(&c->cfg, g);
    TRY_OUT(gb_db_inputs_put(txn, 0, g, sizeof g));
    TRY_OUT(format_mark(txn));
    gb_block_header h = {.height = 0};
    TRY_OUT(gb_db_seal_block(txn, &h, c->head_hash));
    c->height = 0;
    return gb_db_commit(txn);
out:
    gb_db_abort(txn);
    return e;
}

gb_err gb_chain_open(const gb_chain_cfg *cfg, gb_chain **out, char *detail,
                     size_t detail_len)
{
    *out = NULL;
    gb_chain *c = gb_calloc(1, sizeof *c);
    if (!c)
        return GB_NOMEM;
    c->cfg = *cfg;
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->call_mu, NULL);
    gb_db_opts opts = {.flags = cfg->nosync ? GB_DB_NOSYNC : 0,
                       .temp_parent = cfg->temp_parent};
    gb_err e = gb_db_open(cfg->data_dir, &opts, &c->db, detail, detail_len);
    gb_gear_code_config ccfg;
    gb_gear_code_config_default(&ccfg);
    ccfg.tier = cfg->wasm_tier;
    if (!e)
        e = gb_code_cache_new(&ccfg, &c->codes);
    if (!e)
        gb_code_cache_set_limit(c->codes, cfg->code_cache_bytes
                                              ? cfg->code_cache_bytes
                                              : GB_CHAIN_CODE_CACHE_BYTES);
    if (!e)
        e = gb_chain_sched_open(c);
    if (!e)
        e = gb_processor_new(NULL, &c->call_proc);
    if (e)
        goto fail;
    gb_db_txn *r;
    if ((e = gb_db_read_begin(c->db, &r)))
        goto fail;
    uint32_t height = 0;
    e = gb_db_head(r, &height, c->head_hash);
    c->height = height;
    if (!e) {
        gb_block_header h;
        e = gb_db_block_get(r, height, &h);
        c->head_ts = e ? 0 : h.timestamp;
        if (e == GB_NOT_FOUND)
            e = GB_MALFORMED; /* a head without its header */
    }
    gb_db_read_end(r);
    if (e == GB_NOT_FOUND)
        e = genesis(c);
    else if (!e && (e = format_check(c, detail, detail_len)) ==
                       GB_UNSUPPORTED)
        goto fail;
    if (e) {
        gb_chain_set_detail(detail, detail_len,
                            "cannot read or write the chain head");
        goto fail;
    }
    if (cfg->persist_pool && cfg->data_dir &&
        (e = gb_chain_pool_recover(c, detail, detail_len)))
        goto fail;
    *out = c;
    return GB_OK;
fail:
    gb_chain_close(c);
    return e;
}


void gb_chain_close(gb_chain *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->npending; i++)
        gb_chain_ptx_free(&c->pending[i]);
    free(c->pending);
    gb_idmap_free(&c->pend_senders);
    gb_idmap_free(&c->pend_ids);
    free(c->pend_sums);
    gb_chain_dev_free(c);
    gb_chain_sched_close(c);
    gb_processor_free(c->call_proc);
    gb_pool_log_close(c->plog);
    gb_code_cache_free(c->codes);
    gb_db_close(c->db);
    free(c->ev_spare);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->call_mu);
    free(c);
}


static void hash_tx(gb_blake2b_state *st, const gb_ptx *p)
{
    const gb_tx *tx = &p->tx;
    uint8_t fixed[GB_POOL_TX_FIXED];
    gb_pool_tx_fixed(tx, fixed);
    gb_blake2b_update(st, fixed, sizeof fixed);
    gb_blake2b_update(st, tx->code, tx->code_len);
    gb_blake2b_update(st, tx->salt, tx->salt_len);
    gb_blake2b_update(st, tx->payload, tx->payload_len);
    /* the fee payer, when not the sender (so a block without such a
     * transaction hashes as before the field existed) */
    if (!gb_id_is_zero(tx->fee_payer)) {
        gb_blake2b_update(st, "payer", 5);
        gb_blake2b_update(st, tx->fee_payer.b, 32);
    }
    if (p->has_mid) { /* (likewise) */
        gb_blake2b_update(st, "mid", 3);
        gb_blake2b_update(st, p->mid.b, 32);
    }
}

/* ---- tasks --------------------------------------------------------------- */

static gb_err run_task(gb_blk *b, uint32_t block, const gb_db_task *t)
{
    gb_err e;
    switch (t->kind) {
    case GB_TASK_WAKE_MESSAGE:
        return gb_chain_waitlist_leave(b, t->a, t->b, t->arg, true, 0);
    case GB_TASK_REMOVE_FROM_WAITLIST:
        return gb_chain_waitlist_leave(b, t->a, t->b, t->arg, false,
                                       GB_REPLY_REMOVED_FROM_WAITLIST);
    case GB_TASK_SEND_DISPATCH:
    case GB_TASK_SEND_USER_MESSAGE: {
        gb_db_dispatch x;
        if ((e = gb_db_stash_get(b->txn, t->b, &x)))
            return e == GB_NOT_FOUND ? GB_OK : e;
        gb_held h;
        if ((e = gb_chain_held_copy(&x, &h)))
            return e;
        e = gb_db_stash_del(b->txn, t->b);
        h.x.expires_at = 0;
        if (!e && t->kind == GB_TASK_SEND_DISPATCH)
            e = gb_db_queue_push(b->txn, &h.x, NULL);
        else if (!e)
            e = gb_chain_to_user(b, &h.x);
        gb_chain_held_free(&h);
        return e;
    }
    case GB_TASK_REMOVE_FROM_MAILBOX: {
        gb_db_dispatch x;
        if ((e = gb_db_mailbox_get(b->txn, t->a, t->b, &x)))
            return e == GB_NOT_FOUND ? GB_OK : e;
        if (x.expires_at != block)
            return GB_OK;
        gb_id src = x.d.source;
        gb_u128 val = x.d.value;
        if ((e = gb_db_mailbox_del(b->txn, t->a, t->b)) ||
            (e = gb_chain_mailbox_release(b, &x)) ||
            (e = gb_chain_event(b,
                                (gb_event){.kind = GB_EV_MAILBOX_READ,
                                           .id = t->b, .source = t->a,
                                           .destination = src, .value = val,
                                           .read_reason = GB_READ_EXPIRED},
                                NULL, 0, NULL)))
            return e;
        /* the value to the user, whatever the reason (Gear's
         * read_message_requirements, internal.rs:584-599) */
        if ((e = gb_chain_account_add(b, t->a, val)))
            return e;
        /* the sender's automatic reply, whether it is active or not
         * (remove_from_mailbox, manager/task.rs:55-93) */
        return gb_chain_mail_auto_reply(b, &x, t->a);
    }
    case GB_TASK_REMOVE_RESERVATION: {
        /* a reservation that expired: its gas back to who paid for it */
        gb_db_reservation r;
        if ((e = gb_db_reservation_get(b->txn, t->a, t->b, &r)))
            return e == GB_NOT_FOUND ? GB_OK : e; /* used or unreserved */
        if (r.expires_at != block)
            return GB_OK;
        uint64_t left;
        if ((e = gb_db_reservation_del(b->txn, t->a, t->b)) ||
            (e = gb_chain_rsv_end(b, &r, &left)))
            return e;
        return gb_chain_refund_gas(b, r.origin, left);
    }
    default:
        return GB_OK;
    }
}

/* ---- the queue ------------------------------------------------------------ */

/* ---- blocks --------------------------------------------------------------- */

/* The parts events own. */
static void events_parts_free(gb_block_result *r)
{
    for (uint32_t i = 0; i < r->nevents; i++) { /* (most have none:
                                                   free(NULL) is a call) */
        const gb_event *ev = &r->events[i];
        if (ev->payload)
            free(ev->payload);
        if (ev->debug)
            free(ev->debug);
        if (ev->sent)
            free(ev->sent);
    }
    r->nevents = 0;
}

void gb_chain_result_recycle(gb_chain *c, gb_block_result *r)
{
    if (!r)
        return;
    events_parts_free(r);
    pthread_mutex_lock(&c->mu);
    if (r->events && r->events == c->ev_out && !c->ev_spare) {
        c->ev_spare = r->events;
        c->ev_spare_cap = c->ev_out_cap;
        c->ev_out = NULL;
        r->events = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    gb_block_result_free(r);
}

void gb_block_result_free(gb_block_result *r)
{
    if (!r)
        return;
    events_parts_free(r);
    free(r->events);
    free(r->tx_ev_end);
    free(r->tx_ids);
    memset(r, 0, sizeof *r);
}

bool gb_block_drains(const gb_block_result *b, uint32_t queued_before)
{
    return b->queued_left && b->dispatched &&
           (b->ntx || b->queued_left < queued_before);
}

/* ts 0: the parent's + block_time_ms; else after the parent's.  replay:
 * the inputs of a block replayed (ts unused), the pending pool left
 * alone. */
static gb_err produce(gb_chain *c, uint64_t ts, const gb_blk_inputs *replay,
                      gb_block_result *out)
{
    uint32_t *tx_end = NULL;
    gb_id *tx_ids = NULL;
    uint8_t *rec = NULL;
    gb_ptx *taken = NULL;
    uint32_t k = 0;
    if (replay)
        ts = replay->timestamp;
    /* take the head and the pending transactions */
    pthread_mutex_lock(&c->mu);
    if (c->producing || (ts && ts <= c->head_ts)) {
        pthread_mutex_unlock(&c->mu);
        return GB_INVALID; /* one block at a time; time never goes back */
    }
    if (!ts)
        ts = c->head_ts + c->cfg.block_time_ms;
    if (replay) {
        taken = replay->tx;
        k = replay->ntx;
    } else {
        k = c->npending;
        taken = gb_malloc((k ? k : 1) * sizeof *taken);
        if (!taken) {
            pthread_mutex_unlock(&c->mu);
            return GB_NOMEM;
        }
        /* shallow copies: submit may move the array, never the buffers */
        gb_copy(taken, c->pending, k * sizeof *taken);
        c->ntaken = k;
    }
    c->producing = true;
    gb_blk b = {.c = c, .height = c->height + 1,
                .gas_left = replay ? replay->gas_limit
                                   : c->cfg.block_gas_limit,
                .max_waves = replay ? replay->waves : 0,
                .ev = c->ev_spare, .cap_ev = c->ev_spare_cap};
    c->ev_spare = NULL; /* (the block's now: given back by a recycle) */
    c->ev_spare_cap = 0;
    gb_blk_inputs in = {.timestamp = ts, .gas_limit = b.gas_left,
                        .tx = taken, .ntx = k};
    uint8_t parent[32];
    memcpy(parent, c->head_hash, 32);
    pthread_mutex_unlock(&c->mu);
    if (c->cfg.block_budget_ms && !replay)
        b.stop_ns = gb_monotonic_ns() + c->cfg.block_budget_ms * 1000000u;

    gb_blake2b_state evd;
    gb_chain_events_digest_begin(&evd);
    b.ev_digest = &evd;
    gb_block_ctx_default(&b.bctx, b.height, ts);
    /* the seed: BLAKE2b("gearbox/seed" || parent hash) */
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, "gearbox/seed", 12);
    gb_blake2b_update(&st, parent, 32);
    gb_blake2b_final(&st, b.bctx.random_seed);

    gb_err e = gb_db_begin(c->db, &b.txn);
    if (e)
        goto out;
    gb_block_header hdr = {.height = b.height, .timestamp = ts};
    memcpy(hdr.parent_hash, parent, 32);
    gb_blake2b_init(&st);
    for (uint32_t i = 0; i < k; i++)
        hash_tx(&st, &taken[i]);
    gb_blake2b_final(&st, hdr.input_hash);

    tx_end = malloc((k ? k : 1) * sizeof *tx_end);
    tx_ids = malloc((k ? k : 1) * sizeof *tx_ids);
    if (!tx_end || !tx_ids)
        TRY_OUT(GB_NOMEM);
    for (uint32_t i = 0; i < k; i++) {
        TRY_OUT(gb_chain_apply_tx(&b, &taken[i]));
        tx_end[i] = b.nev;
        tx_ids[i] = taken[i].id;
    }

    uint32_t block;
    uint64_t tseq;
    gb_db_task t;
    while (!(e = gb_db_task_first(b.txn, b.height, &block, &tseq, &t))) {
        TRY_OUT(gb_db_task_del(b.txn, block, tseq));
        TRY_OUT(run_task(&b, block, &t));
    }
    if (e != GB_NOT_FOUND)
        goto out;
    TRY_OUT(gb_chain_process_queue(&b));

    uint64_t left;
    TRY_OUT(gb_db_count(b.txn, GB_TABLE_QUEUE, &left));
    hdr.gas_used = b.gas_used;
    hdr.dispatches = b.dispatched;
    /* the inputs, for a replay (replay.c) */
    in.waves = b.out_of_time ? b.waves : 0;
    if (b.nev > b.ev_digested) /* (b.ev is NULL without events) */
        gb_chain_events_digest_add(&evd, b.ev + b.ev_digested,
                                   b.nev - b.ev_digested);
    gb_chain_events_digest_end(&evd, in.events);
    size_t rlen;
    if (!(rec = gb_blk_inputs_encode(&in, &rlen)))
        TRY_OUT(GB_NOMEM);
    TRY_OUT(gb_db_inputs_put(b.txn, b.height, rec, rlen));
    uint8_t hash[32];
    TRY_OUT(gb_db_seal_block(b.txn, &hdr, hash));
    /* the commit, the pool and the head change together for submit */
    pthread_mutex_lock(&c->mu);
    e = gb_db_commit(b.txn);
    b.txn = NULL;
    if (!e) {
        if (!replay)
            gb_chain_pend_drop(c, k);
        else
            gb_chain_pend_drop_ids(c, replay);
        /* what is left pending is all the log keeps (should this fail,
         * the old log stays: its applied records are skipped by nonce) */
        if (c->plog)
            gb_pool_log_rewrite(c->plog, c->pending, c->npending);
        c->height = b.height;
        c->head_ts = ts;
        memcpy(c->head_hash, hash, 32);
        c->ev_out = b.ev; /* (handed out below) */
        c->ev_out_cap = b.cap_ev;
    }
    c->ntaken = 0;
    c->producing = false;
    pthread_mutex_unlock(&c->mu);
    if (e)
        goto out;
    if (!replay)
        free(taken);
    free(rec);
    out->height = b.height;
    out->timestamp = ts;
    memcpy(out->hash, hash, 32);
    memcpy(out->state_root, hdr.state_root, 32);
    out->dispatched = b.dispatched;
    out->gas_used = b.gas_used;
    out->queued_left = (uint32_t)left;
    out->out_of_time = b.out_of_time;
    out->events = b.ev;
    out->nevents = b.nev;
    out->ntx = k;
    out->tx_ev_end = tx_end;
    out->tx_ids = tx_ids;
    return GB_OK;
out:
    if (b.txn)
        gb_db_abort(b.txn);
    pthread_mutex_lock(&c->mu);
    c->ntaken = 0;
    c->producing = false;
    pthread_mutex_unlock(&c->mu);
    if (!replay)
        free(taken);
    free(rec);
    free(tx_end);
    free(tx_ids);
    gb_block_result r = {.events = b.ev, .nevents = b.nev};
    gb_block_result_free(&r);
    return e;
}

/* A block, then the code cache trimmed to its limit: between blocks no
 * run, preparation or per-program cache (sched.c) holds a code, so the
 * least recently used can go; a program whose code went gets it prepared
 * again from the stored original (gb_chain_code) when next needed. */
static gb_err produce_trim(gb_chain *c, uint64_t ts, gb_block_result *out)
{
    gb_err e = produce(c, ts, NULL, out);
    gb_chain_trim_codes(c);
    return e;
}

gb_err gb_chain_produce_inputs(gb_chain *c, const gb_blk_inputs *in,
                               gb_block_result *out)
{
    memset(out, 0, sizeof *out);
    gb_err e = produce(c, 0, in, out);
    gb_chain_trim_codes(c);
    return e;
}

void gb_chain_trim_codes(gb_chain *c)
{
    /* a read-only call or estimate holds its code: trim another time */
    if (pthread_mutex_trylock(&c->call_mu))
        return;
    pthread_mutex_lock(&c->mu);
    if (!c->producing) /* a block under way holds its codes */
        gb_code_cache_trim(c->codes);
    pthread_mutex_unlock(&c->mu);
    pthread_mutex_unlock(&c->call_mu);
}

gb_err gb_chain_produce_block(gb_chain *c, gb_block_result *out)
{
    memset(out, 0, sizeof *out);
    return produce_trim(c, 0, out);
}

gb_err gb_chain_produce_block_at(gb_chain *c, uint64_t timestamp_ms,
                                 gb_block_result *out)
{
    memset(out, 0, sizeof *out);
    if (!timestamp_ms)
        return GB_INVALID;
    return produce_trim(c, timestamp_ms, out);
}

void gb_chain_code_cache_stats(gb_chain *c, gb_chain_cache_stats *out)
{
    *out = (gb_chain_cache_stats){
        .codes = gb_code_cache_count(c->codes),
        .bytes = gb_code_cache_bytes(c->codes),
        .limit = c->cfg.code_cache_bytes ? c->cfg.code_cache_bytes
                                         : GB_CHAIN_CODE_CACHE_BYTES,
        .prepared = gb_code_cache_prepared(c->codes)};
}

uint64_t gb_chain_timestamp(gb_chain *c) { return c->head_ts; }

/* ---- blocks from inputs (a cluster's replicas) --------------------------- */

gb_err gb_chain_next_inputs(gb_chain *c, uint32_t max_tx, uint64_t ts,
                            uint8_t **rec, size_t *len, uint32_t *ntx)
{
    *rec = NULL;
    pthread_mutex_lock(&c->mu);
    uint32_t k = c->npending < max_tx ? c->npending : max_tx;
    if (ts <= c->head_ts)
        ts = c->head_ts + c->cfg.block_time_ms;
    gb_blk_inputs in = {.timestamp = ts,
                        .gas_limit = c->cfg.block_gas_limit,
                        .tx = c->pending, .ntx = k};
    *rec = gb_blk_inputs_encode(&in, len);
    pthread_mutex_unlock(&c->mu);
    if (ntx)
        *ntx = k;
    return *rec ? GB_OK : GB_NOMEM;
}

gb_err gb_chain_apply_inputs(gb_chain *c, const uint8_t *rec, size_t len,
                             gb_block_result *out)
{
    memset(out, 0, sizeof *out);
    gb_blk_inputs in;
    gb_err e = gb_blk_inputs_decode(rec, len, &in);
    if (e)
        return e;
    e = gb_chain_produce_inputs(c, &in, out);
    free(in.tx);
    return e;
}
