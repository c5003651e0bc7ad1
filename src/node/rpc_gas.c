/*
 * The gas estimates of the JSON-RPC (rpc.h): gearbox's
 * gearbox_calculateInitUploadGas, gearbox_calculateInitCreateGas,
 * gearbox_calculateHandleGas and gearbox_calculateReplyGas, and Gear's
 * gear_calculateGasFor{Upload,Create,Handle,Reply} (alias
 * gear_calculate{InitUpload,InitCreate,Handle,Reply}Gas), over
 * gb_chain_calculate_gas_ex (chain.h), which runs the message in a block
 * that is thrown away.  Params as Gear's, by position or by name:
 *
 *   source, code | codeId | destination | messageId, payload, value,
 *   allowOtherPanics (default true), salt (init only)
 *
 * The answer: {minLimit, reserved, burned, mayBeReturned, waited,
 * dispatches}, numbers (gas fits 64 bits) and a boolean.  A message whose
 * own run fails is an error (GB_RPC_EXEC_FAILED) saying why, as Gear's
 * "Program terminated with a trap"; so is a failure of a message it causes
 * when allowOtherPanics is false.
 *
 * Gear's shapes (shared/GEAR-RPC.md §6): params [source, code | codeId |
 * destination | messageId, payload, value, allow_other_panics, at?] (at
 * ignored: estimates run on the best block; no salt: a random one), the
 * answer GasInfo {min_limit, reserved, burned, may_be_returned, waited},
 * and a failure error 8000 "Runtime error" with the reason as data.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "node/rpc_int.h"

/* without a salt, init estimates use a random one: any free program id
 * costs the same */
#define RANDOM_SALT_LEN 16

static bool p_bool(json_t *params, const char *name, size_t idx, bool dflt,
                   bool *out, gb_rpc_err *err)
{
    json_t *v = gb_rpc_param(params, name, idx);
    *out = dflt;
    if (!v)
        return true;
    if (!json_is_boolean(v)) {
        gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                    "param %s: expected true or false", name);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

/* Estimate tx; the answer or NULL with err. */
static json_t *estimate(gb_rpc *r, const gb_tx *tx, bool allow_other_panics,
                        bool gear, gb_rpc_err *err)
{
    if (!gb_rpc_estimate_allowed(r, err))
        return NULL;
    gb_chain_gas_info g;
    char det[512] = "";
    gb_err e = gb_chain_calculate_gas_ex(gb_rpc_chain(r), tx,
                                         allow_other_panics, &g, det,
                                         sizeof det);
    if (e == GB_NOMEM)
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
    if (e && gear)
        return gb_rpc_fail(err, GB_RPC_GEAR_RUNTIME_ERROR,
                           "Runtime error: %s", det[0] ? det : gb_err_str(e));
    if (gear) {
        json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:b}", "min_limit",
                              (json_int_t)g.min_limit, "reserved",
                              (json_int_t)g.reserved, "burned",
                              (json_int_t)g.burned, "may_be_returned",
                              (json_int_t)g.may_be_returned, "waited",
                              g.waited);
        return o ? o : gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR,
                                   "out of memory");
    }
    if (e == GB_NOT_FOUND)
        return gb_rpc_fail(err, GB_RPC_NOT_FOUND, "%s", det);
    if (e == GB_LIMIT && det[0])
        return gb_rpc_fail(err, GB_RPC_TOO_LARGE, "cannot estimate: %s", det);
    if (e == GB_INVALID && !strncmp(det, "trapped: ", 9))
        return gb_rpc_fail(err, GB_RPC_EXEC_FAILED,
                           "the message's run failed (program terminated "
                           "with a trap): %s",
                           det + 9);
    if (e == GB_INVALID)
        return gb_rpc_fail(err, GB_RPC_TX_REFUSED, "cannot estimate: %s",
                           det);
    if (e)
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR,
                           "cannot estimate: %s", gb_err_str(e));
    json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:b,s:I}", "minLimit",
                          (json_int_t)g.min_limit, "reserved",
                          (json_int_t)g.reserved, "burned",
                          (json_int_t)g.burned, "mayBeReturned",
                          (json_int_t)g.may_be_returned, "waited", g.waited,
                          "dispatches", (json_int_t)g.dispatches);
    return o ? o : gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
}

/* The params every estimate has: source, payload (idx 2), value (3),
 * allowOtherPanics (4).  tx->payload malloc'd (the caller frees). */
static bool common(gb_rpc *r, json_t *params, gb_tx *tx, bool *allow,
                   gb_rpc_err *err)
{
    const gb_rpc_cfg *cfg = gb_rpc_config(r);
    uint8_t *payload = NULL;
    size_t plen = 0;
    if (!gb_rpc_p_account(params, "source", 0, &tx->sender, err) ||
        !gb_rpc_p_bytes(params, "payload", 2, false,
                        cfg->tx_limits.max_payload_len, &payload, &plen,
                        err))
        return false;
    tx->payload = payload;
    tx->payload_len = (uint32_t)plen;
    return gb_rpc_p_u128(params, "value", 3, &tx->value, err) &&
           p_bool(params, "allowOtherPanics", 4, true, allow, err);
}

/* init from code (upload) or a code id (create) */
static json_t *init_gas(gb_rpc *r, json_t *params, bool upload, bool gear,
                        gb_rpc_err *err)
{
    const gb_rpc_cfg *cfg = gb_rpc_config(r);
    gb_tx tx = {.kind = GB_TX_CREATE_PROGRAM};
    uint8_t *code = NULL, *salt = NULL;
    size_t clen = 0, slen = 0;
    uint8_t rnd[RANDOM_SALT_LEN];
    bool allow;
    json_t *res = NULL;
    if (!common(r, params, &tx, &allow, err))
        goto out;
    if (upload) {
        if (!gb_rpc_p_bytes(params, "code", 1, true, cfg->tx_limits.max_code_len,
                            &code, &clen, err))
            goto out;
        if (!clen) {
            gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                        "param code: empty, expected a .wasm module in hex");
            goto out;
        }
        tx.code = code;
        tx.code_len = (uint32_t)clen;
    } else if (!gb_rpc_p_id(params, "codeId", 1, &tx.code_id, err)) {
        goto out;
    }
    if (!gear && !gb_rpc_p_bytes(params, "salt", 5, false,
                                 cfg->tx_limits.max_salt_len, &salt, &slen,
                                 err))
        goto out;
    if (!gear && gb_rpc_param(params, "salt", 5)) {
        tx.salt = salt;
        tx.salt_len = (uint32_t)slen;
    } else {
        randombytes_buf(rnd, sizeof rnd);
        tx.salt = rnd;
        tx.salt_len = sizeof rnd;
    }
    res = estimate(r, &tx, allow, gear, err);
out:
    free((void *)tx.payload);
    free(code);
    free(salt);
    return res;
}

json_t *gb_rpc_m_gas_upload(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return init_gas(r, params, true, false, err);
}

json_t *gb_rpc_m_gas_create(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return init_gas(r, params, false, false, err);
}

json_t *gb_rpc_m_gear_gas_upload(gb_rpc *r, json_t *params,
                                 gb_rpc_err *err)
{
    return init_gas(r, params, true, true, err);
}

json_t *gb_rpc_m_gear_gas_create(gb_rpc *r, json_t *params,
                                 gb_rpc_err *err)
{
    return init_gas(r, params, false, true, err);
}

/* handle (to destination) or reply (to messageId in source's mailbox) */
static json_t *msg_gas(gb_rpc *r, json_t *params, bool reply, bool gear,
                       gb_rpc_err *err)
{
    gb_tx tx = {.kind = reply ? GB_TX_SEND_REPLY : GB_TX_SEND_MESSAGE};
    bool allow;
    json_t *res = NULL;
    if (common(r, params, &tx, &allow, err) &&
        gb_rpc_p_id(params, reply ? "messageId" : "destination", 1,
                    &tx.destination, err))
        res = estimate(r, &tx, allow, gear, err);
    free((void *)tx.payload);
    return res;
}

json_t *gb_rpc_m_gas_handle(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return msg_gas(r, params, false, false, err);
}

json_t *gb_rpc_m_gear_gas_handle(gb_rpc *r, json_t *params,
                                 gb_rpc_err *err)
{
    return msg_gas(r, params, false, true, err);
}

json_t *gb_rpc_m_gas_reply(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return msg_gas(r, params, true, false, err);
}

json_t *gb_rpc_m_gear_gas_reply(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return msg_gas(r, params, true, true, err);
}
