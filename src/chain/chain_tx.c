/*
 * Transactions (chain_tx.h): the pending pool — gb_chain_submit's checks
 * against the committed state and what is already pending, the senders'
 * nonces and pending sums, the pool log's recovery at open, the pool
 * emptied of what a block took — and a transaction applied at the start
 * of a block (gb_chain_apply_tx: its fee, its reservation, its dispatch
 * queued).  chain.c's block loop takes from the pool and applies; the
 * dry runs (chain_dryrun.c) apply too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_tx.h"
#include "chain/effects.h"
#include "chain/pool_log.h"
#include "chain/queue.h"
#include "chain/voucher.h"
#include "chain/holds.h"
#include "util/bytes.h"
#include "util/grow.h"
#include "util/hash.h"
#include "util/mem.h"
#include "util/try.h"

/* A lookup's answer: true when found, false when absent; any other error
 * (GB_IO, GB_NOMEM) is kept in *fail (the first one) — it is no answer, and
 * the caller must not take it for "absent". */
static bool exists(gb_err e, gb_err *fail)
{
    if (e && e != GB_NOT_FOUND && !*fail)
        *fail = e;
    return e == GB_OK;
}

static gb_err submit_locked(gb_chain *c, const gb_tx *tx, const gb_id *mid,
                            gb_id *out_id, gb_id *out_msg_id, char *detail,
                            size_t detail_len);

/* One record of the pool log: submitted again unless a committed block
 * already applied it (its nonce is below the sender's next).  One the
 * state no longer accepts is dropped, as a block would drop it. */
static gb_err recover_one(void *ctx, const gb_tx *tx, uint64_t nonce)
{
    gb_chain *c = ctx;
    if (nonce < gb_chain_nonce(c, tx->sender))
        return GB_OK;
    gb_err e = submit_locked(c, tx, NULL, NULL, NULL, NULL, 0);
    return e == GB_NOMEM || e == GB_IO ? e : GB_OK;
}

/* cfg.persist_pool: the transactions pending when the last run ended,
 * pending again; the log rewritten with them. */
gb_err gb_chain_pool_recover(gb_chain *c, char *detail, size_t detail_len)
{
    gb_err e = gb_pool_log_open(c->cfg.data_dir, c->cfg.nosync, &c->plog,
                                detail, detail_len);
    if (e)
        return e;
    c->recovering = true;
    e = gb_pool_log_read(c->plog, recover_one, c);
    c->recovering = false;
    if (!e)
        e = gb_pool_log_rewrite(c->plog, c->pending, c->npending);
    if (e)
        gb_chain_set_detail(detail, detail_len,
                   "cannot recover the pending transactions (pool.log)");
    return e;
}

gb_err gb_chain_pool_sync(gb_chain *c)
{
    if (!c->plog)
        return GB_OK;
    pthread_mutex_lock(&c->mu);
    gb_err e = gb_pool_log_sync(c->plog);
    pthread_mutex_unlock(&c->mu);
    return e;
}

void gb_chain_ptx_free(gb_ptx *p)
{
    free(p->code);
    free(p->salt);
    free(p->payload);
}

/* ---- transactions ----------------------------------------------------- */

/* Value + gas (+ a new program's existential deposit) a transaction
 * reserves, into *out; false when that sum
 * exceeds 2^128-1 (such a transaction is refused at submit and dropped at
 * apply: a wrapped cost once let value = 2^128-1 through for the price of
 * its gas). */
static bool tx_cost(const gb_tx *tx, gb_u128 *out)
{
    *out = gb_u128_from(0);
    if (tx->kind == GB_TX_TRANSFER || tx->kind == GB_TX_VOUCHER_ISSUE ||
        tx->kind == GB_TX_VOUCHER_UPDATE) {
        *out = tx->value;
        return true;
    }
    if (tx->kind != GB_TX_CREATE_PROGRAM && tx->kind != GB_TX_SEND_MESSAGE &&
        tx->kind != GB_TX_SEND_REPLY)
        return true;
    *out = gb_chain_gas_value(tx->gas_limit);
    /* a new program gets the existential deposit from its creator, locked
     * on it (Gear's upload_program / create_program) */
    if (tx->kind == GB_TX_CREATE_PROGRAM &&
        !gb_u128_add_to(out, gb_u128_from(GB_GEAR_EXISTENTIAL_DEPOSIT)))
        return false;
    return gb_u128_add_to(out, tx->value);
}

/* What tx takes from its payer (*pay: the fee, and its cost when the
 * payer is the sender) and, with another payer, from its sender (*snd: a
 * prepaid message's value; the payer then pays its gas).  False as
 * tx_cost. */
static bool tx_shares(const gb_chain_cfg *cfg, const gb_tx *tx, gb_u128 *pay,
                      gb_u128 *snd)
{
    gb_u128 cost;
    *pay = gb_chain_tx_fee(cfg, tx);
    *snd = gb_u128_from(0);
    if (!tx_cost(tx, &cost))
        return false;
    if (gb_id_eq(gb_chain_tx_payer(tx), tx->sender))
        return gb_u128_add_to(pay, cost);
    if (tx->kind == GB_TX_SEND_MESSAGE || tx->kind == GB_TX_SEND_REPLY) {
        *snd = tx->value;
        return gb_u128_add_to(pay, gb_chain_gas_value(tx->gas_limit));
    }
    return gb_u128_add_to(pay, cost); /* (zero: code uploads, declines) */
}

uint8_t *gb_chain_dup_bytes(const uint8_t *p, uint32_t n)
{
    uint8_t *q = gb_malloc(n ? n : 1);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

/* The second key of kind's entries in c->pend_ids. */
static gb_id pend_kind_key(gb_tx_kind kind)
{
    gb_id k = {{0}};
    k.b[0] = (uint8_t)(kind + 1);
    return k;
}

/* Whether a transaction of kind (an upload, a creation, a reply or a
 * claim: the kinds pend_note indexes) with id is pending.  Under mu. */
static bool pending_has(gb_chain *c, gb_tx_kind kind, gb_id id)
{
    gb_id k = pend_kind_key(kind);
    return gb_idmap_get(&c->pend_ids, &id, &k) != GB_IDMAP_NONE;
}

gb_err gb_chain_submit(gb_chain *c, const gb_tx *tx, gb_id *out_id,
                       char *detail, size_t detail_len)
{
    return gb_chain_submit_ids(c, tx, out_id, NULL, detail, detail_len);
}

gb_err gb_chain_nonce_get(gb_chain *c, gb_id account, uint64_t *out)
{
    gb_db_account acct = {0};
    gb_db_txn *r;
    pthread_mutex_lock(&c->mu);
    gb_err e = gb_db_read_begin(c->db, &r);
    if (!e) {
        e = gb_db_account_get(r, account, &acct);
        gb_db_read_end(r);
    }
    if (e == GB_NOT_FOUND)
        e = GB_OK;
    uint64_t nonce = e ? 0 : acct.nonce;
    static const gb_id none;
    uint32_t si = gb_idmap_get(&c->pend_senders, &account, &none);
    if (si != GB_IDMAP_NONE)
        nonce += c->pend_sums[si].n;
    pthread_mutex_unlock(&c->mu);
    *out = nonce;
    return e;
}

uint64_t gb_chain_nonce(gb_chain *c, gb_id account)
{
    uint64_t n;
    gb_chain_nonce_get(c, account, &n);
    return n;
}

/* The account's slot in the pending sums (created when new), or
 * GB_IDMAP_NONE when out of memory.  Under mu. */
static uint32_t pend_slot(gb_chain *c, gb_id who)
{
    static const gb_id none;
    uint32_t si = gb_idmap_get(&c->pend_senders, &who, &none);
    if (si != GB_IDMAP_NONE)
        return si;
    if (!gb_grow((void **)&c->pend_sums, &c->cap_pend_sums,
                 (uint64_t)c->npend_sums + 1, sizeof *c->pend_sums, 16) ||
        gb_idmap_put(&c->pend_senders, &who, &none, c->npend_sums))
        return GB_IDMAP_NONE;
    c->pend_sums[c->npend_sums] = (struct gb_pend_sum){0};
    return c->npend_sums++;
}

/* Count p in the pending sums: one more for its sender's nonce, its
 * cost and fee reserved from its payer; and an upload, a creation, a
 * reply or a claim in pend_ids.  Under mu. */
static gb_err pend_note(gb_chain *c, const gb_ptx *p)
{
    const gb_tx *tx = &p->tx;
    if (tx->kind == GB_TX_UPLOAD_CODE || tx->kind == GB_TX_CREATE_PROGRAM ||
        tx->kind == GB_TX_SEND_REPLY || tx->kind == GB_TX_CLAIM_VALUE) {
        gb_id k = pend_kind_key(tx->kind);
        if (gb_idmap_put(&c->pend_ids, &p->id, &k, 0))
            return GB_NOMEM;
    }
    uint32_t si = pend_slot(c, tx->sender);
    gb_id payer = gb_chain_tx_payer(tx);
    uint32_t pi = si == GB_IDMAP_NONE ? si : pend_slot(c, payer);
    if (pi == GB_IDMAP_NONE)
        return GB_NOMEM;
    c->pend_sums[si].n++;
    /* submit checked that reserved + each share fits the balance */
    gb_u128 pay, snd;
    tx_shares(&c->cfg, tx, &pay, &snd);
    gb_u128_add_to(&c->pend_sums[pi].reserved, pay);
    gb_u128_add_to(&c->pend_sums[si].reserved, snd);
    return GB_OK;
}

static gb_err submit_locked(gb_chain *c, const gb_tx *tx, const gb_id *mid,
                            gb_id *out_id, gb_id *out_msg_id, char *detail,
                            size_t detail_len);

gb_err gb_chain_submit_ids(gb_chain *c, const gb_tx *tx, gb_id *out_id,
                           gb_id *out_msg_id, char *detail,
                           size_t detail_len)
{
    pthread_mutex_lock(&c->mu);
    gb_err e = submit_locked(c, tx, NULL, out_id, out_msg_id, detail,
                             detail_len);
    pthread_mutex_unlock(&c->mu);
    /* a code upload prepared its code (kept for its block, unless the
     * cache is over its limit) */
    gb_chain_trim_codes(c);
    return e;
}

gb_err gb_chain_submit_as(gb_chain *c, const gb_tx *tx, const gb_id *mid,
                          gb_id *out_id, gb_id *out_msg_id, char *detail,
                          size_t detail_len)
{
    pthread_mutex_lock(&c->mu);
    gb_err e = submit_locked(c, tx, mid, out_id, out_msg_id, detail,
                             detail_len);
    pthread_mutex_unlock(&c->mu);
    gb_chain_trim_codes(c);
    return e;
}

void gb_chain_tx_ids(const gb_tx *tx, gb_id mid, gb_id *id, gb_id *msg)
{
    static const gb_id none;
    *msg = none;
    switch (tx->kind) {
    case GB_TX_UPLOAD_CODE:
        *id = gb_code_id(tx->code, tx->code_len);
        break;
    case GB_TX_CREATE_PROGRAM:
        *id = gb_program_id_from_user(tx->code_id, tx->salt, tx->salt_len);
        *msg = mid;
        break;
    case GB_TX_SEND_REPLY:
        *id = *msg = gb_message_id_reply(tx->destination);
        break;
    case GB_TX_CLAIM_VALUE:
        *id = tx->destination;
        break;
    case GB_TX_SEND_MESSAGE:
        *id = *msg = mid;
        break;
    default: /* a transfer, the voucher kinds */
        *id = mid;
    }
}

static gb_err submit_locked(gb_chain *c, const gb_tx *tx, const gb_id *mid,
                            gb_id *out_id, gb_id *out_msg_id, char *detail,
                            size_t detail_len)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    const char *why = NULL;
    gb_id id = {{0}}, msg_id = {{0}};
    gb_db_account acct, pacct;
    gb_err le = gb_db_account_get(r, tx->sender, &acct);
    if (le && le != GB_NOT_FOUND) { /* GB_IO: no answer, not a refusal */
        gb_db_read_end(r);
        return le;
    }
    le = GB_OK; /* the first lookup below that failed (see exists()) */
    uint64_t nonce = acct.nonce;
    static const gb_id none;
    uint32_t si = gb_idmap_get(&c->pend_senders, &tx->sender, &none);
    if (si != GB_IDMAP_NONE)
        nonce += c->pend_sums[si].n;
    /* what the payer of the fee holds and owes already */
    gb_id payer = gb_chain_tx_payer(tx);
    gb_u128 reserved = gb_u128_from(0), sreserved = gb_u128_from(0);
    uint32_t pi = gb_idmap_get(&c->pend_senders, &payer, &none);
    if (pi != GB_IDMAP_NONE)
        reserved = c->pend_sums[pi].reserved;
    if (si != GB_IDMAP_NONE)
        sreserved = c->pend_sums[si].reserved;
    pacct = acct;
    if (!gb_id_eq(payer, tx->sender))
        gb_db_account_get(r, payer, &pacct);
    /* the block it will be in: the next, or the one after the block under
     * way */
    uint32_t height = c->height + (c->producing ? 2 : 1);
    bool msg = tx->kind == GB_TX_CREATE_PROGRAM ||
               tx->kind == GB_TX_SEND_MESSAGE || tx->kind == GB_TX_SEND_REPLY;
    gb_u128 cost = gb_u128_from(0), pay = cost, snd = cost;
    bool prepaid = gb_chain_tx_prepaid(tx);
    if (!gb_id_eq(payer, tx->sender) && tx->kind != GB_TX_UPLOAD_CODE &&
        !prepaid)
        why = "only a code upload may have its fee paid by another account";
    else if (prepaid && tx->kind != GB_TX_UPLOAD_CODE &&
             tx->kind != GB_TX_SEND_MESSAGE &&
             tx->kind != GB_TX_SEND_REPLY &&
             tx->kind != GB_TX_VOUCHER_DECLINE)
        why = "a voucher pays only for messages, replies, code uploads and "
              "declining it";
    else if (msg && tx->gas_limit > c->cfg.block_gas_limit)
        why = "gas limit above the block gas limit (Vara's "
              "BlockGasLimit, 750,000,000,000 by default: GasLimitTooHigh)";
    else if ((tx->kind == GB_TX_CREATE_PROGRAM ||
              tx->kind == GB_TX_SEND_MESSAGE) && !tx->gas_limit)
        why = "gas limit 0: a message to a program needs gas to run (it "
              "would only fail and leave an error reply)";
    else if (tx->kind == GB_TX_TRANSFER && tx->gas_limit)
        why = "a transfer carries no gas (gas limit must be 0)";
    else if (tx->kind >= GB_TX_VOUCHER_ISSUE && tx->gas_limit)
        why = "a voucher transaction carries no gas (gas limit must be 0)";
    else if (!tx_cost(tx, &cost))
        why = "value + gas exceeds 2^128-1";
    else if (gb_u128_is_zero(pacct.balance))
        why = prepaid ? "the voucher has no balance left to pay for the call"
                      : "no balance to pay the transaction fee (the account "
                        "is empty or unknown)";
    else {
        gb_u128 need = reserved, sneed = sreserved;
        if (!tx_shares(&c->cfg, tx, &pay, &snd) || /* cost + fee wraps */
            !gb_u128_add_to(&need, pay) ||
            gb_u128_cmp(need, pacct.balance) > 0)
            why = prepaid ? "not enough balance on the voucher for the gas "
                            "and the transaction fee"
                  : gb_u128_is_zero(cost)
                      ? "not enough balance for the transaction fee"
                      : "not enough balance for value, gas and the "
                        "transaction fee";
        else if (!gb_u128_add_to(&sneed, snd) ||
                 gb_u128_cmp(sneed, acct.balance) > 0)
            why = "not enough balance for the value";
    }
    if (!why && tx->payload_len > 8u * 1024 * 1024)
        why = "payload too large";
    gb_db_val v;
    gb_db_dispatch mb;
    gb_db_program prog;
    /* a prepaid call's voucher first, as Gear checks it before the call */
    if (!why && prepaid && tx->kind != GB_TX_VOUCHER_DECLINE)
        why = gb_chain_voucher_check(r, tx, height, &le);
    if (!why && !le) {
        switch (tx->kind) {
        case GB_TX_UPLOAD_CODE: {
            const gb_gear_code *code;
            id = gb_code_id(tx->code, tx->code_len);
            if (exists(gb_db_code_get(r, id, &v), &le) ||
                pending_has(c, GB_TX_UPLOAD_CODE, id))
                why = "code already uploaded";
            else if (le)
                break;
            else if ((e = gb_code_cache_add(c->codes, tx->code, tx->code_len,
                                            &code, detail, detail_len))) {
                gb_db_read_end(r);
                return e == GB_NOMEM ? e : GB_INVALID;
            }
            break;
        }
        case GB_TX_CREATE_PROGRAM:
            id = gb_program_id_from_user(tx->code_id, tx->salt, tx->salt_len);
            if (!exists(gb_db_code_get(r, tx->code_id, &v), &le) &&
                !pending_has(c, GB_TX_UPLOAD_CODE, tx->code_id))
                why = "unknown code id";
            else if (exists(gb_db_program_get(r, id, &prog), &le) ||
                     pending_has(c, GB_TX_CREATE_PROGRAM, id))
                why = "program already exists";
            msg_id = gb_message_id_external(height, tx->sender, nonce, 0);
            break;
        case GB_TX_SEND_MESSAGE:
            id = gb_message_id_external(height, tx->sender, nonce, 0);
            if (!exists(gb_db_program_get(r, tx->destination, &prog), &le) &&
                !pending_has(c, GB_TX_CREATE_PROGRAM, tx->destination))
                why = "unknown program";
            msg_id = id;
            break;
        case GB_TX_TRANSFER:
            id = gb_message_id_external(height, tx->sender, nonce, 0);
            break;
        case GB_TX_VOUCHER_ISSUE:
        case GB_TX_VOUCHER_UPDATE:
        case GB_TX_VOUCHER_REVOKE:
        case GB_TX_VOUCHER_DECLINE:
            /* the transaction's id, as a transfer's (the voucher's is in
             * its event: an issue's comes from the count of issues when
             * its block applies it) */
            id = gb_message_id_external(height, tx->sender, nonce, 0);
            why = gb_chain_voucher_check(r, tx, height, &le);
            break;
        case GB_TX_SEND_REPLY:
        case GB_TX_CLAIM_VALUE:
            id = tx->kind == GB_TX_SEND_REPLY
                     ? gb_message_id_reply(tx->destination)
                     : tx->destination;
            if (!exists(gb_db_mailbox_get(r, tx->sender, tx->destination,
                                          &mb), &le))
                why = "no such message in the sender's mailbox";
            else if (pending_has(c, GB_TX_SEND_REPLY, gb_message_id_reply(
                                                          tx->destination)) ||
                     pending_has(c, GB_TX_CLAIM_VALUE, tx->destination))
                why = "mailbox message already being read";
            if (tx->kind == GB_TX_SEND_REPLY)
                msg_id = id;
            break;
        default:
            why = "unknown transaction kind";
        }
    }
    gb_db_read_end(r);
    if (le) /* the store could not say: an error, not a refusal */
        return le;
    if (why) {
        gb_chain_set_detail(detail, detail_len, why);
        return GB_INVALID;
    }
    if (c->npending == c->cap_pending) {
        uint32_t cap = c->cap_pending ? c->cap_pending * 2 : 16;
        gb_ptx *n = gb_realloc(c->pending, cap * sizeof *n);
        if (!n)
            return GB_NOMEM;
        c->pending = n;
        c->cap_pending = cap;
    }
    if (mid) /* ids from the caller's message id (chain.h) */
        gb_chain_tx_ids(tx, *mid, &id, &msg_id);
    gb_ptx p = {.tx = *tx, .id = id, .nonce = nonce,
                .has_mid = mid != NULL, .mid = mid ? *mid : id};
    p.code = gb_chain_dup_bytes(tx->code, tx->code ? tx->code_len : 0);
    p.salt = gb_chain_dup_bytes(tx->salt, tx->salt ? tx->salt_len : 0);
    p.payload =
        gb_chain_dup_bytes(tx->payload, tx->payload ? tx->payload_len : 0);
    if (!p.code || !p.salt || !p.payload) {
        gb_chain_ptx_free(&p);
        return GB_NOMEM;
    }
    p.tx.code = p.code;
    p.tx.code_len = tx->code ? tx->code_len : 0;
    p.tx.salt = p.salt;
    p.tx.salt_len = tx->salt ? tx->salt_len : 0;
    p.tx.payload = p.payload;
    p.tx.payload_len = tx->payload ? tx->payload_len : 0;
    if (c->plog && !c->recovering &&
        (e = gb_pool_log_append(c->plog, &p.tx, p.nonce))) {
        gb_chain_ptx_free(&p);
        gb_chain_set_detail(detail, detail_len,
                   "cannot write the pool log (is the disk full?)");
        return e;
    }
    if ((e = pend_note(c, &p))) {
        gb_chain_ptx_free(&p);
        return e;
    }
    c->pending[c->npending++] = p;
    if (out_id)
        *out_id = id;
    if (out_msg_id)
        *out_msg_id = msg_id;
    return GB_OK;
}

/* ---- applying transactions ------------------------------------------- */

gb_err gb_chain_apply_tx(gb_blk *b, const gb_ptx *p)
{
    const gb_tx *tx = &p->tx;
    gb_db_txn *txn = b->txn;
    gb_db_account acct, pacct;
    gb_err e = gb_db_account_get(txn, tx->sender, &acct);
    if (e && e != GB_NOT_FOUND)
        return e;
    uint64_t nonce = acct.nonce++;
    /* the payer of the fee: the sender, or (code uploads only, checked
     * at submit) another account, which then pays only the fee */
    gb_id payer = gb_chain_tx_payer(tx);
    bool other = !gb_id_eq(payer, tx->sender);
    if (other && (e = gb_db_account_get(txn, payer, &pacct)) &&
        e != GB_NOT_FOUND)
        return e;
    gb_db_account *pay = other ? &pacct : &acct;
    gb_u128 cost, snd, fee = gb_chain_tx_fee(&b->c->cfg, tx);
    bool prepaid = gb_chain_tx_prepaid(tx);
    /* cost: what the payer pays (value + gas + fee, or for a prepaid call
     * gas + fee, its value from the sender: snd) */
    bool can_pay = (!other || tx->kind == GB_TX_UPLOAD_CODE || prepaid) &&
                   tx_shares(&b->c->cfg, tx, &cost, &snd) &&
                   gb_u128_cmp(cost, pay->balance) <= 0 &&
                   (!other || gb_u128_cmp(snd, acct.balance) <= 0) &&
                   tx->gas_limit <= b->c->cfg.block_gas_limit;
    /* a voucher's checks, again */
    if (can_pay && (prepaid || tx->kind >= GB_TX_VOUCHER_ISSUE)) {
        gb_err ve = GB_OK;
        can_pay = !gb_chain_voucher_check(txn, tx, b->height, &ve);
        if (ve)
            return ve;
    }
    gb_db_val v;
    gb_db_program prog;
    gb_db_dispatch mb;
    bool ok = false;
    gb_err le = GB_OK; /* the last lookup's: only GB_NOT_FOUND is an answer,
                          anything else (GB_IO, GB_NOMEM) fails the block
                          — it must not drop the transaction */
    /* checks again: the state may have changed since submit */
    switch (tx->kind) {
    case GB_TX_UPLOAD_CODE:
        le = gb_db_code_get(txn, p->id, &v);
        ok = can_pay && le == GB_NOT_FOUND;
        break;
    case GB_TX_CREATE_PROGRAM:
        if (!can_pay || (le = gb_db_code_get(txn, tx->code_id, &v)))
            break;
        le = gb_db_program_get(txn, p->id, &prog);
        ok = le == GB_NOT_FOUND;
        break;
    case GB_TX_SEND_MESSAGE:
        if (can_pay)
            ok = !(le = gb_db_program_get(txn, tx->destination, &prog));
        break;
    case GB_TX_SEND_REPLY:
    case GB_TX_CLAIM_VALUE:
        if (can_pay)
            ok = !(le = gb_db_mailbox_get(txn, tx->sender, tx->destination,
                                          &mb));
        break;
    case GB_TX_TRANSFER:
    case GB_TX_VOUCHER_ISSUE:
    case GB_TX_VOUCHER_UPDATE:
    case GB_TX_VOUCHER_REVOKE:
    case GB_TX_VOUCHER_DECLINE:
        ok = can_pay;
        break;
    }
    if (le && le != GB_NOT_FOUND)
        return le;
    if (ok) { /* the payer's share, and the sender's when another pays */
        pay->balance = gb_u128_sub(pay->balance, cost);
        if (other)
            acct.balance = gb_u128_sub(acct.balance, snd);
    }
    /* the nonce advances even for a transaction dropped here, so the ids
     * submit returned stay right; a dropped one pays no fee */
    if ((e = gb_db_account_put(txn, tx->sender, &acct)) ||
        (other && ok && (e = gb_db_account_put(txn, payer, &pacct))))
        return e;
    if (!ok)
        return GB_OK;
    if ((e = gb_chain_pay_fee(b, fee)))
        return e;

    gb_id mid = p->has_mid ? p->mid
                           : gb_message_id_external(b->height, tx->sender,
                                                    nonce, 0);
    gb_db_dispatch x = {.d = {.kind = GB_DISPATCH_HANDLE, .id = mid,
                              .source = tx->sender,
                              .destination = tx->destination,
                              .payload = tx->payload,
                              .payload_len = tx->payload_len,
                              .value = tx->value,
                              .gas_limit = tx->gas_limit},
                        /* who pays the gas, and gets back what is left:
                         * the sender, or a prepaid call's voucher */
                        .origin = prepaid ? tx->voucher : tx->sender};
    switch (tx->kind) {
    case GB_TX_VOUCHER_ISSUE:
    case GB_TX_VOUCHER_UPDATE:
    case GB_TX_VOUCHER_REVOKE:
    case GB_TX_VOUCHER_DECLINE:
        return gb_chain_voucher_apply(b, p);
    case GB_TX_TRANSFER:
        if ((e = gb_chain_credit(b, tx->destination, tx->value)))
            return e;
        return gb_chain_event(b, (gb_event){.kind = GB_EV_TRANSFER, .id = mid,
                                            .source = tx->sender,
                                            .destination = tx->destination,
                                            .value = tx->value},
                              NULL, 0, NULL);
    case GB_TX_UPLOAD_CODE: {
        const gb_gear_code *code;
        e = gb_code_cache_add(b->c->codes, tx->code, tx->code_len, &code,
                              NULL, 0);
        if (e)
            return e == GB_NOMEM ? e : GB_OK; /* checked at submit */
        gb_db_code_meta m = {.has_stack_end = code->has_stack_end,
                             .code_len = tx->code_len,
                             .static_pages = code->static_pages,
                             .stack_end = code->stack_end,
                             .entries = code->entries,
                             .schedule_version = 1,
                             .uploaded_at = b->height};
        if ((e = gb_db_code_put(txn, p->id, tx->code, tx->code_len)) ||
            (e = gb_db_code_meta_put(txn, p->id, &m)))
            return e;
        return gb_chain_event(b, (gb_event){.kind = GB_EV_CODE_UPLOADED,
                                            .id = p->id, .source = tx->sender},
                              NULL, 0, NULL);
    }
    case GB_TX_CREATE_PROGRAM: {
        const gb_gear_code *code;
        if ((e = gb_chain_code(b->c, txn, tx->code_id, &code)))
            return e;
        gb_db_program pr = {.status = GB_PROGRAM_INITIALIZING,
                            .code_id = tx->code_id,
                            .init_message = mid,
                            .balance = gb_u128_from(
                                GB_GEAR_EXISTENTIAL_DEPOSIT),
                            .static_pages = code->static_pages,
                            .stack_end = code->stack_end,
                            .created_at = b->height};
        if ((e = gb_db_program_put(txn, p->id, &pr)))
            return e;
        for (uint32_t i = 0; i < code->npages; i++)
            if ((e = gb_db_page_put(txn, p->id, code->pages[i].index,
                                    code->pages[i].data, GB_GEAR_PAGE_SIZE)))
                return e;
        x.d.kind = GB_DISPATCH_INIT;
        x.d.destination = p->id;
        if ((e = gb_chain_event(b, (gb_event){.kind = GB_EV_PROGRAM_CREATED,
                                              .id = p->id,
                                              .source = tx->sender},
                                NULL, 0, NULL)))
            return e;
        break;
    }
    case GB_TX_SEND_MESSAGE:
        break;
    case GB_TX_SEND_REPLY:
    case GB_TX_CLAIM_VALUE: {
        gb_id src = mb.d.source;
        gb_u128 val = mb.d.value;
        if ((e = gb_db_mailbox_del(txn, tx->sender, tx->destination)) ||
            (e = gb_chain_mailbox_release(b, &mb)) ||
            (e = gb_chain_account_add(b, tx->sender, val)) ||
            (e = gb_chain_event(
                 b,
                 (gb_event){.kind = GB_EV_MAILBOX_READ, .id = tx->destination,
                            .source = tx->sender, .destination = src,
                            .value = val,
                            .read_reason = tx->kind == GB_TX_CLAIM_VALUE
                                               ? GB_READ_CLAIMED
                                               : GB_READ_REPLIED},
                 NULL, 0, NULL)))
            return e;
        if (tx->kind == GB_TX_CLAIM_VALUE) /* (claim_value, lib.rs:1574) */
            return gb_chain_mail_claimed(b, &mb, tx->sender);
        if (mb.reply_deposit) {
            /* the sender's reply deposit pays for the reply, and the
             * user's gas limit is not taken (send_reply_impl, lib.rs:
             * 1935-1946: gas limit 0, the deposit's node) */
            if ((e = gb_chain_refund_gas(b, x.origin, tx->gas_limit)))
                return e;
            x.d.gas_limit = mb.reply_deposit;
            x.origin = mb.origin;
        }
        x.d.kind = GB_DISPATCH_REPLY;
        x.d.id = p->id;
        x.d.destination = src;
        x.d.reply_to = tx->destination;
        gb_reply_code_bytes(GB_REPLY_SUCCESS_MANUAL, x.d.reply_code);
        break;
    }
    }
    if ((e = gb_db_queue_push(txn, &x, NULL)))
        return e;
    return gb_chain_event(b, (gb_event){.kind = GB_EV_MESSAGE_QUEUED,
                                        .id = x.d.id, .source = tx->sender,
                                        .destination = x.d.destination,
                                        .reply_to = x.d.reply_to,
                                        .dispatch_kind = x.d.kind,
                                        .value = x.d.value},
                          x.d.payload, x.d.payload_len, NULL);
}

/* After a block committed (under mu): its k transactions leave the pool
 * and the senders' sums are counted again from what is left. */
void gb_chain_pend_drop(gb_chain *c, uint32_t k)
{
    if (k) {
        for (uint32_t i = 0; i < k; i++)
            gb_chain_ptx_free(&c->pending[i]);
        memmove(c->pending, c->pending + k,
                (c->npending - k) * sizeof *c->pending);
        c->npending -= k;
    }
    gb_idmap_free(&c->pend_senders);
    gb_idmap_free(&c->pend_ids);
    c->npend_sums = 0;
    for (uint32_t i = 0; i < c->npending; i++)
        if (pend_note(c, &c->pending[i]))
            break; /* out of memory: the sums undercount, and apply
                      checks every balance again */
}

/* A block from inputs (a replica's, chain.h "blocks from inputs"): the
 * pending transactions it applied leave the pool.  Under mu. */
void gb_chain_pend_drop_ids(gb_chain *c, const gb_blk_inputs *in)
{
    /* the block's ids in a map (a block and a pool of thousands each:
     * not every pair compared); without memory for it, compared */
    static const gb_id none;
    gb_idmap ids = {0};
    bool mapped = true;
    for (uint32_t j = 0; j < in->ntx && mapped; j++)
        mapped = !gb_idmap_put(&ids, &in->tx[j].id, &none, 0);
    uint32_t w = 0;
    for (uint32_t i = 0; i < c->npending; i++) {
        bool applied = false;
        if (mapped)
            applied = gb_idmap_get(&ids, &c->pending[i].id, &none) !=
                      GB_IDMAP_NONE;
        else
            for (uint32_t j = 0; j < in->ntx && !applied; j++)
                applied = gb_id_eq(c->pending[i].id, in->tx[j].id);
        if (applied)
            gb_chain_ptx_free(&c->pending[i]);
        else
            c->pending[w++] = c->pending[i];
    }
    gb_idmap_free(&ids);
    if (w == c->npending)
        return;
    c->npending = w;
    gb_idmap_free(&c->pend_senders);
    gb_idmap_free(&c->pend_ids);
    c->npend_sums = 0;
    for (uint32_t i = 0; i < c->npending; i++)
        if (pend_note(c, &c->pending[i]))
            break; /* (as drop_taken; the caller rewrites the pool log) */
}

void gb_chain_pend_recount(gb_chain *c) { gb_chain_pend_drop(c, 0); }

void gb_chain_pending_clear(gb_chain *c)
{
    pthread_mutex_lock(&c->mu);
    if (!c->producing) {
        for (uint32_t i = 0; i < c->npending; i++)
            gb_chain_ptx_free(&c->pending[i]);
        c->npending = 0;
        gb_idmap_free(&c->pend_senders);
        gb_idmap_free(&c->pend_ids);
        c->npend_sums = 0;
        if (c->plog)
            gb_pool_log_rewrite(c->plog, c->pending, 0);
    }
    pthread_mutex_unlock(&c->mu);
}
