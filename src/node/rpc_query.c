/*
 * gearbox's state queries over JSON-RPC: gearbox_readState and
 * gear_readState (a program's state function run on the head's state),
 * gear_programInfo, gear_codeInfo, gear_mailbox, gear_balance and
 * system_accountNonce.  Each reads the chain (chain.h) and answers; a
 * store that cannot answer is an internal error, never "not found".
 */
#include <jansson.h>
#include <stdlib.h>

#include "gear/codes.h"
#include "node/jsonv.h"
#include "node/rpc_int.h"

/* ---- queries ----------------------------------------------------------- */

json_t *gb_rpc_m_read_state(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_id pid;
    uint8_t *payload = NULL, *out = NULL;
    size_t plen;
    uint32_t olen = 0;
    uint64_t gas;
    uint8_t code[4];
    char det[256] = "";
    if (!gb_rpc_p_id(params, "programId", 0, &pid, err) ||
        !gb_rpc_p_bytes(params, "payload", 1, false,
                        r->cfg.tx_limits.max_payload_len, &payload, &plen,
                        err) ||
        !gb_rpc_p_u64(params, "gasLimit", 2, 0, &gas, err) ||
        !gb_rpc_estimate_allowed(r, err)) {
        free(payload);
        return NULL;
    }
    gb_err e = gb_chain_read_state(r->chain, pid, payload, (uint32_t)plen,
                                   gas, code, &out, &olen, det, sizeof det);
    free(payload);
    if (e == GB_NOT_FOUND)
        return gb_rpc_fail(
            err, GB_RPC_NOT_FOUND, "%s is not a program",
            json_string_value(gb_rpc_param(params, "programId", 0)));
    if (e == GB_NOMEM || e == GB_IO)
        return gb_rpc_store_fail(err, "read state", e);
    if (e == GB_LIMIT)
        return gb_rpc_fail(err, GB_RPC_TOO_LARGE, "cannot read state: %s", det);
    if (e)
        return gb_rpc_fail(err, GB_RPC_STATE_FAILED, "cannot read state: %s",
                           det[0] ? det : gb_err_str(e));
    json_t *o = json_object();
    bool bad = !o;
    if (o) {
        gb_reply_code rc = gb_reply_code_from_bytes(code);
        gb_json_put(o, "replyCode", gb_json_hex(code, 4), &bad);
        gb_json_put(o, "replyCodeText", json_string(gb_reply_code_str(rc)), &bad);
        gb_json_put(o, "payload", gb_json_hex(out, olen), &bad);
        if (!gb_reply_code_is_success(rc) && det[0])
            gb_json_put(o, "error", json_string(det), &bad);
    }
    free(out);
    if (bad) {
        json_decref(o);
        return gb_rpc_nomem(err);
    }
    return o;
}

/* Gear's gear_readState [program_id, payload, at?]: the reply payload as
 * Bytes; a failed run is error 8000 "Runtime error" (GEAR-RPC.md §6). */
json_t *gb_rpc_m_gear_read_state(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_id pid;
    uint8_t *payload = NULL, *out = NULL;
    size_t plen;
    uint32_t olen = 0;
    uint8_t code[4];
    char det[256] = "";
    if (!gb_rpc_p_id(params, "programId", 0, &pid, err) ||
        !gb_rpc_p_bytes(params, "payload", 1, false,
                        r->cfg.tx_limits.max_payload_len, &payload, &plen,
                        err) ||
        !gb_rpc_estimate_allowed(r, err)) {
        free(payload);
        return NULL;
    }
    gb_err e = gb_chain_read_state(r->chain, pid, payload, (uint32_t)plen, 0,
                                   code, &out, &olen, det, sizeof det);
    free(payload);
    if (e == GB_NOMEM)
        return gb_rpc_nomem(err);
    if (e == GB_NOT_FOUND)
        return gb_rpc_fail(err, GB_RPC_GEAR_RUNTIME_ERROR,
                           "Runtime error: Program not found");
    if (e)
        return gb_rpc_fail(err, GB_RPC_GEAR_RUNTIME_ERROR, "Runtime error: %s",
                           det[0] ? det : gb_err_str(e));
    if (!gb_reply_code_is_success(gb_reply_code_from_bytes(code))) {
        free(out);
        return gb_rpc_fail(err, GB_RPC_GEAR_RUNTIME_ERROR, "Runtime error: %s",
                           det[0] ? det : "the state function failed");
    }
    json_t *o = gb_json_hex(out, olen);
    free(out);
    return o ? o : gb_rpc_nomem(err);
}

json_t *gb_rpc_m_program_info(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    static const char *const status[] = {"initializing", "active", "exited",
                                         "terminated"};
    gb_id pid;
    if (!gb_rpc_p_id(params, "programId", 0, &pid, err))
        return NULL;
    gb_chain_prog_info in;
    gb_err e = gb_chain_program_info(r->chain, pid, &in);
    if (e == GB_NOT_FOUND)
        return gb_rpc_fail(
            err, GB_RPC_NOT_FOUND, "%s is not a program",
            json_string_value(gb_rpc_param(params, "programId", 0)));
    if (e)
        return gb_rpc_store_fail(err, "program", e);
    json_t *o = json_object();
    bool bad = !o;
    if (bad)
        return gb_rpc_nomem(err);
    gb_json_put(o, "programId", gb_json_id(pid), &bad);
    gb_json_put(o, "status",
        json_string(in.status < 4 ? status[in.status] : "unknown"), &bad);
    gb_json_put(o, "codeId", gb_json_id(in.code_id), &bad);
    gb_json_put(o, "initMessage", gb_json_id(in.init_message), &bad);
    if (in.status >= 2)
        gb_json_put(o, "inheritor", gb_json_id(in.inheritor), &bad);
    gb_json_put(o, "balance", gb_json_u128(in.balance), &bad);
    gb_json_put(o, "staticPages", json_integer(in.static_pages), &bad);
    gb_json_put(o, "allocatedPages", json_integer(in.allocated_pages), &bad);
    gb_json_put(o, "createdAt", json_integer(in.created_at), &bad);
    gb_json_put(o, "storedPages", json_integer(in.stored_pages), &bad);
    gb_json_put(o, "storedBytes", json_integer((json_int_t)in.stored_bytes), &bad);
    if (bad) {
        json_decref(o);
        return gb_rpc_nomem(err);
    }
    return o;
}

json_t *gb_rpc_m_code_info(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_id cid;
    if (!gb_rpc_p_id(params, "codeId", 0, &cid, err))
        return NULL;
    bool yes;
    gb_err e = gb_chain_code_lookup(r->chain, cid, &yes);
    if (e)
        return gb_rpc_store_fail(err, "code", e);
    json_t *o = json_pack("{s:o,s:b}", "codeId", gb_json_id(cid), "exists",
                          yes);
    return o ? o : gb_rpc_nomem(err);
}

json_t *gb_rpc_m_mailbox(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_id who;
    if (!gb_rpc_p_account(params, "account", 0, &who, err))
        return NULL;
    gb_chain_mail *m = NULL;
    uint32_t n = 0;
    gb_err e = gb_chain_mailbox(r->chain, who, &m, &n);
    if (e)
        return e == GB_NOMEM ? gb_rpc_nomem(err)
                             : gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR,
                                           "mailbox: %s", gb_err_str(e));
    json_t *a = json_array();
    bool bad = !a;
    for (uint32_t i = 0; i < n && !bad; i++) {
        json_t *o = json_object();
        if (!o || json_array_append_new(a, o)) {
            bad = true;
            break;
        }
        gb_json_put(o, "id", gb_json_id(m[i].id), &bad);
        gb_json_put(o, "source", gb_json_id(m[i].source), &bad);
        gb_json_put(o, "payload", gb_json_hex(m[i].payload, m[i].payload_len), &bad);
        gb_json_put(o, "value", gb_json_u128(m[i].value), &bad);
        gb_json_put(o, "expiresAt", json_integer(m[i].expires_at), &bad);
        gb_json_put(o, "isReply", json_boolean(m[i].is_reply), &bad);
        if (m[i].is_reply) {
            gb_json_put(o, "replyTo", gb_json_id(m[i].reply_to), &bad);
            gb_json_put(o, "replyCode", gb_json_hex(m[i].reply_code, 4), &bad);
        }
    }
    gb_chain_mail_free(m, n);
    if (bad) {
        json_decref(a);
        return gb_rpc_nomem(err);
    }
    return a;
}

json_t *gb_rpc_m_balance(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_id who;
    if (!gb_rpc_p_account(params, "account", 0, &who, err))
        return NULL;
    gb_u128 bal;
    gb_err e = gb_chain_balance_get(r->chain, who, &bal);
    if (e)
        return gb_rpc_store_fail(err, "balance", e);
    json_t *o = json_pack("{s:o}", "balance", gb_json_u128(bal));
    return o ? o : gb_rpc_nomem(err);
}

json_t *gb_rpc_m_nonce(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_id who;
    if (!gb_rpc_p_account(params, "account", 0, &who, err))
        return NULL;
    uint64_t n;
    gb_err e = gb_rpc_nonce_told(r, who, &n);
    if (e)
        return gb_rpc_store_fail(err, "nonce", e);
    json_t *o = json_integer((json_int_t)n);
    return o ? o : gb_rpc_nomem(err);
}

