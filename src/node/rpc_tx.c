/*
 * gearbox's transactions over JSON-RPC: gear_submitTransaction (signed by
 * the client), dev_sendMessage and dev_uploadProgram (signed here for a
 * dev account), and gb_rpc_submit_txs, which the Substrate-shaped
 * author_submitExtrinsic (rpc_author.c) shares.
 *
 * Every transaction, whether it came signed (gear_submitTransaction) or
 * was signed here for a dev account (dev_*), goes through one path,
 * submit_encoded: strict decoding and signature check (node/tx.h; a
 * signature made here is not checked again: gb_tx_decode_own), the
 * nonce check against gb_chain_nonce, then gb_chain_submit_ids.  The dev
 * accounts' keys are derived once per gb_rpc (dev_key).  A refusal at
 * any step leaves the chain as it was.
 *
 * UPLOAD_PROGRAM is one signed transaction, one nonce, but two chain
 * transactions (upload the code, create the program).  The chain counts a
 * nonce per chain transaction, so the code part is submitted on behalf of
 * the zero account (nobody's key: the zero point is refused by ed25519
 * verification), which keeps the signer's nonce one per signed
 * transaction, as docs/transactions.md promises, and its fee is paid by
 * the signer (gb_tx.fee_payer); it is skipped when the
 * code is already on chain or waiting in this block.  Before the code part
 * is queued, what could make the creation fail (the program exists, too
 * little balance) is checked, so a refused UPLOAD_PROGRAM queues nothing.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "gear/ids.h"
#include "node/jsonv.h"
#include "node/keys.h"
#include "node/rpc_int.h"
#include "util/hash.h"

/* ---- transactions ------------------------------------------------------ */

static gb_id zero_id(void)
{
    gb_id z;
    memset(&z, 0, sizeof z);
    return z;
}

/* The chain transactions of one signed transaction (rpc_int.h). */
/* The nonce the signer's next transaction must carry: the chain's (its
 * pending ones counted), or past what a cluster replica sent on. */
gb_err gb_rpc_nonce_want(gb_rpc *r, gb_id signer, uint64_t *out)
{
    gb_err e = gb_chain_nonce_get(r->chain, signer, out);
    if (!e && r->cfg.nonce_floor) {
        uint64_t f = r->cfg.nonce_floor(r->cfg.submit_ctx, signer);
        if (f == UINT64_MAX) /* (not known yet: rpc.h) */
            return GB_IO;
        if (f > *out)
            *out = f;
    }
    return e;
}

gb_err gb_rpc_nonce_told(gb_rpc *r, gb_id signer, uint64_t *out)
{
    if (r->cfg.nonce_settle && !r->settled)
        r->settled = r->cfg.nonce_settle(r->cfg.submit_ctx, NULL);
    return gb_rpc_nonce_want(r, signer, out);
}

gb_err gb_rpc_nonce_sign(gb_rpc *r, gb_id signer, uint64_t *out)
{
    if (r->cfg.nonce_settle && !r->settled)
        r->settled = r->cfg.nonce_settle(r->cfg.submit_ctx, &signer);
    return gb_rpc_nonce_want(r, signer, out);
}

/* Into the pending pool, or the cluster's log (cfg.submit). */
static gb_err chain_submit(gb_rpc *r, const gb_tx *tx, gb_id *id,
                           gb_id *msg_id, char *det, size_t len)
{
    if (r->cfg.submit) {
        /* one key per transaction of a signed one (an upload_program is
         * two) */
        gb_rpc_signed sig;
        if (r->submit_key) {
            uint8_t in[33];
            memcpy(in, r->submit_key, 32);
            in[32] = (uint8_t)r->submit_nth++;
            gb_blake2b256(in, sizeof in, sig.key);
            sig.signer = r->submit_signer;
            sig.nonce = r->submit_nonce;
        }
        return r->cfg.submit(r->cfg.submit_ctx, tx,
                             r->submit_key ? &sig : NULL, id, msg_id, det,
                             len);
    }
    return gb_chain_submit_ids(r->chain, tx, id, msg_id, det, len);
}

bool gb_rpc_submit_txs(gb_rpc *r, gb_id signer, const gb_tx *txs, uint32_t n,
                       gb_id out_ids[2], uint32_t *out_n, gb_id *out_id,
                       gb_id *out_msg, gb_rpc_err *err)
{
    char det[256] = "";
    gb_err e;
    gb_id id = zero_id(), msg_id = zero_id();
    *out_n = 0;
    if (n == 2) {
        gb_tx up = txs[0], cr = txs[1];
        gb_id pid = gb_program_id_from_user(cr.code_id, cr.salt, cr.salt_len);
        gb_chain_prog_info info;
        if (!(e = gb_chain_program_info(r->chain, pid, &info)))
            return gb_rpc_fail(err, GB_RPC_TX_REFUSED,
                               "transaction refused: program already exists");
        if (e != GB_NOT_FOUND)
            return gb_rpc_store_fail(err, "program", e);
        /* the signer pays the fees of both parts (chain.h
         * gb_chain_tx_fee), the code's only when it is uploaded now */
        bool have_code;
        if ((e = gb_chain_code_lookup(r->chain, cr.code_id, &have_code)))
            return gb_rpc_store_fail(err, "code", e);
        bool upload = !have_code;
        const gb_chain_cfg *ccfg = gb_chain_config(r->chain);
        gb_u128 cost = gb_chain_gas_value(cr.gas_limit), bal;
        if ((e = gb_chain_balance_get(r->chain, signer, &bal)))
            return gb_rpc_store_fail(err, "balance", e);
        if (gb_u128_is_zero(bal))
            return gb_rpc_fail(
                err, GB_RPC_TX_REFUSED,
                "transaction refused: no balance to pay the "
                "transaction fee (the account is empty or unknown)");
        if (!gb_u128_add_to(&cost, cr.value) ||
            !gb_u128_add_to(&cost, gb_chain_tx_fee(ccfg, &cr)) ||
            (upload && !gb_u128_add_to(&cost, gb_chain_tx_fee(ccfg, &up))) ||
            gb_u128_cmp(cost, bal) > 0)
            return gb_rpc_fail(
                err, GB_RPC_TX_REFUSED,
                "transaction refused: not enough balance for value, "
                "gas and the transaction fees");
        if (!cr.gas_limit)
            return gb_rpc_fail(
                err, GB_RPC_TX_REFUSED,
                "transaction refused: gas limit 0: a message to a "
                "program needs gas to run (it would only fail and "
                "leave an error reply)");
        if (upload) {
            up.sender = zero_id();
            up.fee_payer = signer;
            gb_id cid;
            e = chain_submit(r, &up, &cid, NULL, det, sizeof det);
            /* "already uploaded": waiting in this block, which will do */
            if (e == GB_NOMEM || e == GB_IO)
                return gb_rpc_store_fail(err, "submit", e);
            if (e && !strstr(det, "already uploaded"))
                return gb_rpc_fail(err, GB_RPC_TX_REFUSED,
                                   "transaction refused: %s", det);
            if (!e)
                out_ids[(*out_n)++] = cid;
        }
        det[0] = 0;
        e = chain_submit(r, &cr, &id, &msg_id, det, sizeof det);
    } else {
        e = chain_submit(r, &txs[0], &id, &msg_id, det, sizeof det);
    }
    if (e == GB_NOMEM || e == GB_IO)
        return gb_rpc_store_fail(err, "submit", e);
    if (e)
        return gb_rpc_fail(err, GB_RPC_TX_REFUSED, "transaction refused: %s",
                           det[0] ? det : gb_err_str(e));
    out_ids[(*out_n)++] = id;
    *out_id = id;
    *out_msg = msg_id;
    r->waiting++;
    return true;
}

/* own: buf was signed here (dev_submit), its signature not checked again
 * (node/tx.h gb_tx_decode_own); everything else is checked as a client's
 * transaction's. */
static json_t *submit_encoded(gb_rpc *r, const uint8_t *buf, size_t len,
                              bool own, gb_rpc_err *err)
{
    gb_tx_decoded d;
    char det[256] = "";
    gb_err e = (own ? gb_tx_decode_own : gb_tx_decode_verify)(
        r->cfg.chain_id, buf, len, &r->cfg.tx_limits, &d, det, sizeof det);
    if (e == GB_LIMIT)
        return gb_rpc_fail(err, GB_RPC_TOO_LARGE, "transaction too large: %s",
                           det);
    if (e == GB_NOMEM)
        return gb_rpc_nomem(err);
    if (e)
        return gb_rpc_fail(err, GB_RPC_TX_INVALID, "invalid transaction: %s",
                           det);

    uint64_t want;
    if ((e = gb_rpc_nonce_want(r, d.signer, &want)))
        return gb_rpc_store_fail(err, "nonce", e);
    /* (one signed here with a nonce a replica took without settling, the
     * log having moved on since: the log refuses it, cfg.submit_sync
     * answering GB_AGAIN, and the request is handled again, settled) */
    bool unsettled = own && d.nonce < want && r->cfg.nonce_settle &&
                     !r->settled;
    if (d.nonce != want && !unsettled)
        return gb_rpc_fail(
            err, GB_RPC_BAD_NONCE, "nonce %llu: expected %llu (%s)",
            (unsigned long long)d.nonce, (unsigned long long)want,
            d.nonce < want ? "already used: a replay"
                           : "a gap: earlier nonces are missing");

    gb_id id = zero_id(), msg_id = zero_id();
    gb_id queued[2];
    uint32_t nq;
    r->submit_key = d.hash;
    r->submit_nth = 0;
    r->submit_signer = d.signer;
    r->submit_nonce = d.nonce;
    bool sent = gb_rpc_submit_txs(r, d.signer, d.txs,
                                  d.body.kind == GB_TXW_UPLOAD_PROGRAM ? 2
                                                                       : 1,
                                  queued, &nq, &id, &msg_id, err);
    r->submit_key = NULL;
    if (!sent)
        return NULL;

    /* Accepted: from here a failure must not read as a refusal (the
     * nonce is used; a client that retried would send twice). */
    static const char accepted_nomem[] =
        "transaction accepted (its nonce is used), but the response could "
        "not be built: out of memory";
    json_t *o = json_object();
    bool bad = !o;
    if (bad)
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "%s", accepted_nomem);
    gb_json_put(o, "txHash", gb_json_hex(d.hash, 32), &bad);
    gb_json_put(o, "kind", json_string(gb_tx_wire_kind_name(d.body.kind)), &bad);
    gb_json_put(o, "sender", gb_json_id(d.signer), &bad);
    gb_json_put(o, "nonce", json_integer((json_int_t)d.nonce), &bad);
    switch (d.body.kind) {
    case GB_TXW_UPLOAD_CODE:
        gb_json_put(o, "codeId", gb_json_id(id), &bad);
        break;
    case GB_TXW_UPLOAD_PROGRAM:
    case GB_TXW_CREATE_PROGRAM:
        gb_json_put(o, "codeId", gb_json_id(d.txs[d.ntxs - 1].code_id), &bad);
        gb_json_put(o, "programId", gb_json_id(id), &bad);
        gb_json_put(o, "messageId", gb_json_id(msg_id), &bad);
        break;
    case GB_TXW_SEND_MESSAGE:
    case GB_TXW_SEND_REPLY:
        gb_json_put(o, "messageId", gb_json_id(msg_id), &bad);
        break;
    case GB_TXW_CLAIM_VALUE:
        gb_json_put(o, "messageId", gb_json_id(d.body.target), &bad);
        break;
    }
    if (bad) {
        json_decref(o);
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "%s", accepted_nomem);
    }
    return o;
}

json_t *gb_rpc_m_submit(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    uint8_t *buf;
    size_t len;
    /* the largest transaction: code + salt + payload and the fixed parts */
    size_t max = (size_t)r->cfg.tx_limits.max_code_len +
                 r->cfg.tx_limits.max_salt_len +
                 r->cfg.tx_limits.max_payload_len + 4096;
    if (!gb_rpc_p_bytes(params, "tx", 0, true, max, &buf, &len, err))
        return NULL;
    json_t *res = submit_encoded(r, buf, len, false, err);
    free(buf);
    return res;
}

/* Dev account idx's secret key (libsodium's: seed || public key), derived
 * on its first use and kept in r (deriving it is a scalar multiplication,
 * as costly as the signature itself). */
static const uint8_t *dev_key(gb_rpc *r, uint32_t idx)
{
    if (!(r->dev_have & (1u << idx))) {
        uint8_t pk[GB_DEVKEY_PUBLIC_LEN];
        gb_dev_keypair(idx, pk, r->dev_sk[idx]);
        r->dev_have |= 1u << idx;
    }
    return r->dev_sk[idx];
}

void gb_rpc_dev_keys_wipe(gb_rpc *r)
{
    sodium_memzero(r->dev_sk, sizeof r->dev_sk);
    r->dev_have = 0;
}

/* Sign body for dev account `from` with its next nonce and submit. */
static json_t *dev_submit(gb_rpc *r, json_t *params, gb_tx_body *body,
                          gb_rpc_err *err)
{
    if (!r->cfg.dev)
        return gb_rpc_fail(err, GB_RPC_DEV_ONLY,
                           "dev_* methods need a node started with --dev");
    json_t *v = gb_rpc_param(params, "from", 0);
    uint32_t idx;
    gb_id as;
    if (json_is_string(v) && !gb_dev_lookup(json_string_value(v), &idx) &&
        !gb_id_from_hex(json_string_value(v), &as)) /* (rpc_dev.c) */
        return gb_rpc_dev_submit_as(r, as, body, err);
    if (!json_is_string(v) || !gb_dev_lookup(json_string_value(v), &idx))
        return gb_rpc_fail(
            err, GB_RPC_INVALID_PARAMS,
            "param from: expected a dev account name (alice, bob, "
            "charlie, dave, eve, ferdie, george, harry)");
    const uint8_t *sk = dev_key(r, idx);
    uint64_t nonce; /* as submit_encoded checks it (a replica: past what
                       it or another sent to the log, which its chain has
                       not applied yet) */
    gb_err e = gb_rpc_nonce_sign(
        r, gb_key_account_id(sk + GB_DEVKEY_SEED_LEN), &nonce);
    if (e)
        return gb_rpc_store_fail(err, "nonce", e);
    uint8_t *buf = NULL;
    size_t len = 0;
    char det[256] = "";
    e = gb_tx_encode(r->cfg.chain_id, body, nonce, sk, &buf, &len, det,
                            sizeof det);
    if (e == GB_NOMEM)
        return gb_rpc_nomem(err);
    if (e)
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS, "%s", det);
    json_t *res = submit_encoded(r, buf, len, true, err);
    free(buf);
    return res;
}

json_t *gb_rpc_m_dev_send(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_tx_body body = {.kind = GB_TXW_SEND_MESSAGE};
    uint8_t *payload = NULL;
    size_t plen;
    json_t *res = NULL;
    if (!gb_rpc_p_id(params, "destination", 1, &body.target, err) ||
        !gb_rpc_p_bytes(params, "payload", 2, false,
                        r->cfg.tx_limits.max_payload_len, &payload, &plen,
                        err) ||
        !gb_rpc_p_u64(params, "gasLimit", 3, r->cfg.default_gas,
                      &body.gas_limit, err) ||
        !gb_rpc_p_u128(params, "value", 4, &body.value, err))
        goto out;
    body.payload = payload;
    body.payload_len = (uint32_t)plen;
    res = dev_submit(r, params, &body, err);
out:
    free(payload);
    return res;
}

json_t *gb_rpc_m_dev_upload(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_tx_body body = {.kind = GB_TXW_UPLOAD_PROGRAM};
    uint8_t *code = NULL, *salt = NULL, *payload = NULL;
    size_t clen, slen, plen;
    json_t *res = NULL;
    if (!gb_rpc_p_bytes(params, "code", 1, true, r->cfg.tx_limits.max_code_len,
                        &code, &clen, err) ||
        !gb_rpc_p_bytes(params, "salt", 2, false, r->cfg.tx_limits.max_salt_len,
                        &salt, &slen, err) ||
        !gb_rpc_p_bytes(params, "initPayload", 3, false,
                        r->cfg.tx_limits.max_payload_len, &payload, &plen,
                        err) ||
        !gb_rpc_p_u64(params, "gasLimit", 4, r->cfg.default_gas,
                      &body.gas_limit, err) ||
        !gb_rpc_p_u128(params, "value", 5, &body.value, err))
        goto out;
    body.code = code;
    body.code_len = (uint32_t)clen;
    body.salt = salt;
    body.salt_len = (uint32_t)slen;
    body.payload = payload;
    body.payload_len = (uint32_t)plen;
    res = dev_submit(r, params, &body, err);
out:
    free(code);
    free(salt);
    free(payload);
    return res;
}


json_t *gb_rpc_dev_submit(gb_rpc *r, json_t *params, gb_tx_body *body,
                          gb_rpc_err *err)
{
    return dev_submit(r, params, body, err);
}
