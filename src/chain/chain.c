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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_int.h"
#include "chain/pool_log.h"
#include "util/bytes.h"
#include "chain/devkeys.h"
#include "util/sr25519.h"
#include "util/grow.h"
#include "util/hash.h"
#include "util/mem.h"
#include "util/try.h"

static void set_detail(char *detail, size_t len, const char *msg)
{
    if (detail && len)
        snprintf(detail, len, "%s", msg);
}

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
    gb_block_header h = {.height = 0};
    TRY_OUT(gb_db_seal_block(txn, &h, c->head_hash));
    c->height = 0;
    return gb_db_commit(txn);
out:
    gb_db_abort(txn);
    return e;
}

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
static gb_err recover_pool(gb_chain *c, char *detail, size_t detail_len)
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
        set_detail(detail, detail_len,
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
    if (e) {
        set_detail(detail, detail_len, "cannot read or write the chain head");
        goto fail;
    }
    if (cfg->persist_pool && cfg->data_dir &&
        (e = recover_pool(c, detail, detail_len)))
        goto fail;
    *out = c;
    return GB_OK;
fail:
    gb_chain_close(c);
    return e;
}

static void ptx_free(gb_ptx *p)
{
    free(p->code);
    free(p->salt);
    free(p->payload);
}

void gb_chain_close(gb_chain *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->npending; i++)
        ptx_free(&c->pending[i]);
    free(c->pending);
    gb_idmap_free(&c->pend_senders);
    free(c->pend_sums);
    gb_chain_dev_free(c);
    gb_chain_sched_close(c);
    gb_processor_free(c->call_proc);
    gb_pool_log_close(c->plog);
    gb_code_cache_free(c->codes);
    gb_db_close(c->db);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->call_mu);
    free(c);
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

static uint8_t *dup_bytes(const uint8_t *p, uint32_t n)
{
    uint8_t *q = gb_malloc(n ? n : 1);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

static bool pending_has(gb_chain *c, gb_tx_kind kind, gb_id id)
{
    for (uint32_t i = 0; i < c->npending; i++)
        if (c->pending[i].tx.kind == kind && gb_id_eq(c->pending[i].id, id))
            return true;
    return false;
}

gb_err gb_chain_submit(gb_chain *c, const gb_tx *tx, gb_id *out_id,
                       char *detail, size_t detail_len)
{
    return gb_chain_submit2(c, tx, out_id, NULL, detail, detail_len);
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

/* Count tx in the pending sums: one more for its sender's nonce, its
 * cost and fee reserved from its payer.  Under mu. */
static gb_err pend_note(gb_chain *c, const gb_tx *tx)
{
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

gb_err gb_chain_submit2(gb_chain *c, const gb_tx *tx, gb_id *out_id,
                        gb_id *out_msg_id, char *detail, size_t detail_len)
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
        set_detail(detail, detail_len, why);
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
    p.code = dup_bytes(tx->code, tx->code ? tx->code_len : 0);
    p.salt = dup_bytes(tx->salt, tx->salt ? tx->salt_len : 0);
    p.payload = dup_bytes(tx->payload, tx->payload ? tx->payload_len : 0);
    if (!p.code || !p.salt || !p.payload) {
        ptx_free(&p);
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
        ptx_free(&p);
        set_detail(detail, detail_len,
                   "cannot write the pool log (is the disk full?)");
        return e;
    }
    if ((e = pend_note(c, &p.tx))) {
        ptx_free(&p);
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
        if (tx->kind == GB_TX_CLAIM_VALUE)
            return GB_OK;
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
        return gb_chain_account_add(b, t->a, val);
    }
    case GB_TASK_REMOVE_RESERVATION: {
        /* a reservation that expired: its gas back to who paid for it */
        gb_db_reservation r;
        if ((e = gb_db_reservation_get(b->txn, t->a, t->b, &r)))
            return e == GB_NOT_FOUND ? GB_OK : e; /* used or unreserved */
        if (r.expires_at != block)
            return GB_OK;
        if ((e = gb_db_reservation_del(b->txn, t->a, t->b)))
            return e;
        return gb_chain_refund_gas(b, r.origin, r.amount);
    }
    default:
        return GB_OK;
    }
}

/* ---- the queue ------------------------------------------------------------ */

/* ---- blocks --------------------------------------------------------------- */

void gb_block_result_free(gb_block_result *r)
{
    if (!r)
        return;
    for (uint32_t i = 0; i < r->nevents; i++) {
        free(r->events[i].payload);
        free(r->events[i].debug);
        free(r->events[i].sent);
    }
    free(r->events);
    free(r->tx_ev_end);
    free(r->tx_ids);
    memset(r, 0, sizeof *r);
}

/* After a block committed (under mu): its k transactions leave the pool
 * and the senders' sums are counted again from what is left. */
static void drop_taken(gb_chain *c, uint32_t k)
{
    if (k) {
        for (uint32_t i = 0; i < k; i++)
            ptx_free(&c->pending[i]);
        memmove(c->pending, c->pending + k,
                (c->npending - k) * sizeof *c->pending);
        c->npending -= k;
    }
    gb_idmap_free(&c->pend_senders);
    c->npend_sums = 0;
    for (uint32_t i = 0; i < c->npending; i++)
        if (pend_note(c, &c->pending[i].tx))
            break; /* out of memory: the sums undercount, and apply
                      checks every balance again */
}

/* A block from inputs (a replica's, chain.h "blocks from inputs"): the
 * pending transactions it applied leave the pool.  Under mu. */
static void drop_ids(gb_chain *c, const gb_blk_inputs *in)
{
    uint32_t w = 0;
    for (uint32_t i = 0; i < c->npending; i++) {
        bool applied = false;
        for (uint32_t j = 0; j < in->ntx && !applied; j++)
            applied = gb_id_eq(c->pending[i].id, in->tx[j].id);
        if (applied)
            ptx_free(&c->pending[i]);
        else
            c->pending[w++] = c->pending[i];
    }
    if (w == c->npending)
        return;
    c->npending = w;
    gb_idmap_free(&c->pend_senders);
    c->npend_sums = 0;
    for (uint32_t i = 0; i < c->npending; i++)
        if (pend_note(c, &c->pending[i].tx))
            break; /* (as drop_taken) */
    if (c->plog)
        gb_pool_log_rewrite(c->plog, c->pending, c->npending);
}

void gb_chain_pend_recount(gb_chain *c) { drop_taken(c, 0); }

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
                .max_waves = replay ? replay->waves : 0};
    gb_blk_inputs in = {.timestamp = ts, .gas_limit = b.gas_left,
                        .tx = taken, .ntx = k};
    uint8_t parent[32];
    memcpy(parent, c->head_hash, 32);
    pthread_mutex_unlock(&c->mu);
    if (c->cfg.block_budget_ms && !replay)
        b.stop_ns = gb_monotonic_ns() + c->cfg.block_budget_ms * 1000000u;

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
    gb_chain_events_digest(b.ev, b.nev, in.events);
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
            drop_taken(c, k);
        else
            drop_ids(c, replay);
        /* what is left pending is all the log keeps (should this fail,
         * the old log stays: its applied records are skipped by nonce) */
        if (c->plog)
            gb_pool_log_rewrite(c->plog, c->pending, c->npending);
        c->height = b.height;
        c->head_ts = ts;
        memcpy(c->head_hash, hash, 32);
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

/* ---- queries ---------------------------------------------------------------- */

/* The number of pending transactions not yet in a block under way. */
static uint64_t waiting(gb_chain *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t n = c->npending - c->ntaken;
    pthread_mutex_unlock(&c->mu);
    return n;
}

uint64_t gb_chain_waiting(gb_chain *c) { return waiting(c); }

uint64_t gb_chain_pending(gb_chain *c)
{
    gb_db_txn *r;
    uint64_t n = waiting(c), k;
    if (gb_db_read_begin(c->db, &r))
        return n;
    gb_db_table ts[] = {GB_TABLE_QUEUE, GB_TABLE_WAITLIST, GB_TABLE_STASH};
    for (int i = 0; i < 3; i++)
        if (!gb_db_count(r, ts[i], &k))
            n += k;
    gb_db_read_end(r);
    return n;
}

uint32_t gb_chain_height(gb_chain *c) { return c->height; }

gb_err gb_chain_balance_get(gb_chain *c, gb_id id, gb_u128 *out)
{
    *out = gb_u128_from(0);
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_program p;
    gb_db_account a;
    if (!(e = gb_db_program_get(r, id, &p)))
        *out = p.balance;
    else if (e == GB_NOT_FOUND && !(e = gb_db_account_get(r, id, &a)))
        *out = a.balance;
    gb_db_read_end(r);
    return e == GB_NOT_FOUND ? GB_OK : e;
}

gb_u128 gb_chain_balance(gb_chain *c, gb_id id)
{
    gb_u128 v;
    return gb_chain_balance_get(c, id, &v) ? gb_u128_from(0) : v;
}

gb_err gb_chain_state_root(gb_chain *c, uint8_t out[32])
{
    gb_db_txn *r;
    memset(out, 0, 32);
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    e = gb_db_state_root(r, out);
    gb_db_read_end(r);
    return e;
}

static gb_err sum_dispatches(gb_db_txn *r, gb_db_table t, gb_chain_totals *o)
{
    gb_db_cursor *cur;
    gb_err e = gb_db_cursor_open(r, t, NULL, 0, NULL, 0, &cur);
    if (e)
        return e;
    gb_db_val k, v;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_db_dispatch x;
        if ((e = gb_db_dispatch_decode(v.data, v.len, &x)))
            break;
        if (!(x.flags & GB_CHAIN_F_VALUE_CREDITED) &&
            !gb_u128_add_to(&o->held_value, x.d.value)) {
            e = GB_OVERFLOW;
            break;
        }
        uint64_t lock = t == GB_TABLE_WAITLIST ? gb_chain_wait_lock(&x) : 0;
        if (!gb_u128_add_to(&o->held_gas, gb_chain_gas_value(x.d.gas_limit)) ||
            !gb_u128_add_to(&o->held_gas, gb_chain_gas_value(lock)) ||
            !gb_u128_add_to(&o->held_gas, gb_chain_gas_value(x.reply_deposit)) ||
            !gb_u128_add_to(&o->held_gas,
                            gb_chain_gas_value(x.d.ctx.system_reservation))) {
            e = GB_OVERFLOW;
            break;
        }
    }
    gb_db_cursor_close(cur);
    return e == GB_NOT_FOUND ? GB_OK : e;
}

gb_err gb_chain_audit(gb_chain *c, gb_chain_totals *o)
{
    memset(o, 0, sizeof *o);
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_val v;
    if (!gb_db_meta_get(r, "issuance", &v) && v.len == 16)
        o->issuance = gb_u128_from_le(v.data);
    if (!gb_db_meta_get(r, "burned", &v) && v.len == 16)
        o->burned = gb_u128_from_le(v.data);
    if (!gb_db_meta_get(r, "fees", &v) && v.len == 16)
        o->fees = gb_u128_from_le(v.data);
    gb_db_cursor *cur;
    gb_db_val k;
    if ((e = gb_db_cursor_open(r, GB_TABLE_ACCOUNTS, NULL, 0, NULL, 0, &cur)))
        goto out;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id id;
        gb_db_account a;
        memcpy(id.b, k.data, 32);
        if ((e = gb_db_account_get(r, id, &a)))
            break;
        if (!gb_u128_add_to(&o->accounts, a.balance)) {
            e = GB_OVERFLOW;
            break;
        }
    }
    gb_db_cursor_close(cur);
    if (e != GB_NOT_FOUND)
        goto out;
    if ((e = gb_db_cursor_open(r, GB_TABLE_PROGRAMS, NULL, 0, NULL, 0, &cur)))
        goto out;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id id;
        gb_db_program p;
        memcpy(id.b, k.data, 32);
        if ((e = gb_db_program_get(r, id, &p)))
            break;
        if (!gb_u128_add_to(&o->programs, p.balance)) {
            e = GB_OVERFLOW;
            break;
        }
    }
    gb_db_cursor_close(cur);
    if (e != GB_NOT_FOUND)
        goto out;
    e = GB_OK;
    gb_db_table ts[] = {GB_TABLE_QUEUE, GB_TABLE_WAITLIST, GB_TABLE_MAILBOX,
                        GB_TABLE_STASH};
    for (int i = 0; !e && i < 4; i++)
        e = sum_dispatches(r, ts[i], o);
    if (e)
        goto out;
    /* the gas tree's nodes (chain/gas_tree.c) */
    if ((e = gb_db_cursor_open(r, GB_TABLE_GAS, NULL, 0, NULL, 0, &cur)))
        goto out;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id nid;
        gb_db_gas_node gn;
        if (k.len != 32) {
            e = GB_MALFORMED;
            break;
        }
        memcpy(nid.b, k.data, 32);
        if ((e = gb_db_gas_node_get(r, nid, &gn)))
            break;
        if (!gb_u128_add_to(&o->held_gas, gb_chain_gas_value(gn.value))) {
            e = GB_OVERFLOW;
            break;
        }
    }
    gb_db_cursor_close(cur);
    if (e != GB_NOT_FOUND)
        goto out;
    e = GB_OK;
    if ((e = gb_db_cursor_open(r, GB_TABLE_RESERVATIONS, NULL, 0, NULL, 0,
                               &cur)))
        goto out;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id pid, rid;
        gb_db_reservation rv;
        if ((e = gb_db_key2_decode(k, &pid, &rid)) ||
            (e = gb_db_reservation_get(r, pid, rid, &rv)))
            break;
        gb_u128 g = gb_chain_gas_value(rv.amount);
        if (!gb_u128_add_to(&o->reserved_gas, g) ||
            !gb_u128_add_to(&o->held_gas, g)) {
            e = GB_OVERFLOW;
            break;
        }
    }
    gb_db_cursor_close(cur);
    if (e == GB_NOT_FOUND)
        e = GB_OK;
out:
    gb_db_read_end(r);
    return e;
}

bool gb_chain_totals_conserved(const gb_chain_totals *t, gb_u128 *out_sum)
{
    gb_u128 sum = t->accounts;
    bool ok = gb_u128_add_to(&sum, t->programs) &&
              gb_u128_add_to(&sum, t->held_value) &&
              gb_u128_add_to(&sum, t->held_gas) &&
              gb_u128_add_to(&sum, t->burned) &&
              gb_u128_add_to(&sum, t->fees);
    if (out_sum)
        *out_sum = ok ? sum : (gb_u128){UINT64_MAX, UINT64_MAX};
    return ok && gb_u128_cmp(sum, t->issuance) == 0;
}

/* ---- more queries ------------------------------------------------------- */

void gb_chain_mail_free(gb_chain_mail *m, uint32_t n)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < n; i++)
        free(m[i].payload);
    free(m);
}

gb_err gb_chain_mailbox(gb_chain *c, gb_id user, gb_chain_mail **out,
                        uint32_t *n)
{
    *out = NULL;
    *n = 0;
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_cursor *cur;
    if ((e = gb_db_cursor_open(r, GB_TABLE_MAILBOX, user.b, 32, NULL, 0,
                               &cur))) {
        gb_db_read_end(r);
        return e;
    }
    gb_chain_mail *v = NULL;
    uint32_t k = 0, cap = 0;
    gb_db_val key, val;
    while (!(e = gb_db_cursor_next(cur, &key, &val))) {
        gb_id owner, mid;
        gb_db_dispatch x;
        if ((e = gb_db_key2_decode(key, &owner, &mid)) ||
            (e = gb_db_dispatch_decode(val.data, val.len, &x)))
            break;
        if (k == cap) {
            cap = cap ? cap * 2 : 8;
            gb_chain_mail *nv = gb_realloc(v, cap * sizeof *nv);
            if (!nv) {
                e = GB_NOMEM;
                break;
            }
            v = nv;
        }
        gb_chain_mail m = {.id = mid, .source = x.d.source,
                           .payload_len = x.d.payload_len,
                           .value = x.d.value, .expires_at = x.expires_at,
                           .start = x.d.signal_code, .gas = x.d.gas_limit,
                           .is_reply = x.d.kind == GB_DISPATCH_REPLY,
                           .reply_to = x.d.reply_to};
        memcpy(m.reply_code, x.d.reply_code, 4);
        if (!(m.payload = dup_bytes(x.d.payload, x.d.payload_len))) {
            e = GB_NOMEM;
            break;
        }
        v[k++] = m;
    }
    gb_db_cursor_close(cur);
    gb_db_read_end(r);
    if (e != GB_NOT_FOUND) {
        gb_chain_mail_free(v, k);
        return e;
    }
    if (!k) {
        free(v);
        v = NULL;
    }
    *out = v;
    *n = k;
    return GB_OK;
}

void gb_chain_prog_info_from(const gb_db_program *p, gb_chain_prog_info *out)
{
    uint32_t alloc = 0; /* allocated pages beyond the static ones */
    for (uint32_t pg = 0; p->allocations && pg < p->alloc_pages; pg++)
        if (pg >= p->static_pages &&
            (p->allocations[pg / 8] & (1u << (pg % 8))))
            alloc++;
    *out = (gb_chain_prog_info){.status = (uint32_t)p->status,
                                .code_id = p->code_id,
                                .init_message = p->init_message,
                                .inheritor = p->inheritor,
                                .balance = p->balance,
                                .static_pages = p->static_pages,
                                .allocated_pages = alloc,
                                .created_at = p->created_at};
}

gb_err gb_chain_program_info(gb_chain *c, gb_id id,
                             gb_chain_prog_info *out)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_program p;
    if (!(e = gb_db_program_get(r, id, &p))) {
        gb_chain_prog_info_from(&p, out);
        gb_db_cursor *cur;
        if (!(e = gb_db_cursor_open(r, GB_TABLE_PAGES, id.b, 32, NULL, 0,
                                    &cur))) {
            gb_db_val k, v;
            while (!(e = gb_db_cursor_next(cur, &k, &v))) {
                out->stored_pages++;
                out->stored_bytes += v.len;
            }
            gb_db_cursor_close(cur);
            if (e == GB_NOT_FOUND)
                e = GB_OK;
        }
    }
    gb_db_read_end(r);
    return e;
}

gb_err gb_chain_code_lookup(gb_chain *c, gb_id code_id, bool *out)
{
    *out = false;
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_val v;
    e = gb_db_code_get(r, code_id, &v);
    gb_db_read_end(r);
    *out = e == GB_OK;
    return e == GB_NOT_FOUND ? GB_OK : e;
}

gb_err gb_chain_code_info_get(gb_chain *c, gb_id code_id,
                              gb_chain_code_info *out)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_code_meta m;
    e = gb_db_code_meta_get(r, code_id, &m);
    gb_db_read_end(r);
    if (e)
        return e;
    *out = (gb_chain_code_info){.code_len = m.code_len,
                                .static_pages = m.static_pages,
                                .has_stack_end = m.has_stack_end,
                                .stack_end = m.stack_end,
                                .entries = m.entries};
    return GB_OK;
}

bool gb_chain_code_exists(gb_chain *c, gb_id code_id)
{
    bool yes;
    return !gb_chain_code_lookup(c, code_id, &yes) && yes;
}

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

void gb_chain_pending_clear(gb_chain *c)
{
    pthread_mutex_lock(&c->mu);
    if (!c->producing) {
        for (uint32_t i = 0; i < c->npending; i++)
            ptx_free(&c->pending[i]);
        c->npending = 0;
        gb_idmap_free(&c->pend_senders);
        c->npend_sums = 0;
        if (c->plog)
            gb_pool_log_rewrite(c->plog, c->pending, 0);
    }
    pthread_mutex_unlock(&c->mu);
}
