/*
 * Gear's read-only gear_* methods in Gear's shapes (shared/GEAR-RPC.md
 * §6), beside gear_readState (rpc.c) and the gas estimates (rpc_gas.c):
 *
 *   gear_calculateReplyForHandle [origin, destination, payload, gas_limit,
 *       value, at?]   the reply a handle message would get, by a dry run
 *       (gb_chain_calculate_reply): {payload, value, code} (LegacyReplyInfo;
 *       what sails-js queries call)
 *   gear_readStateBatch [[[program_id, payload], ...], at?]   each
 *       program's `state` export run with its payload: [reply payload...]
 *   gear_readMetahash [program_id, at?]   Gear runs a program's `metahash`
 *       export; gearbox does not (it has no such entry point): an unknown
 *       program is "Program not found", any other is an error saying so
 *
 * `at` is accepted and ignored: they run on the best block.  Failures are
 * error 8000 "Runtime error" with the reason, as Gear's.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gear/codes.h"
#include "node/jsonv.h"
#include "node/rpc_int.h"

/* Gear's ReplyCode as serde writes it (externally tagged: a unit variant
 * is its name, the others {"Name": inner}); NULL when out of memory. */
static json_t *reply_code_json(const uint8_t c[4])
{
    static const char *const success[] = {"Auto", "Manual"};
    static const char *const exec[] = {
        "RanOutOfGas",    "MemoryOverflow",         "BackendError",
        "UserspacePanic", "UnreachableInstruction", "StackLimitExceeded"};
    static const char *const unavailable[] = {
        "ProgramExited", "InitializationFailure", "Uninitialized",
        "ProgramNotCreated", "ReinstrumentationFailure"};
    if (c[0] == 0)
        return json_pack("{s:s}", "Success",
                         c[1] < 2 ? success[c[1]] : "Unsupported");
    if (c[0] != 1)
        return json_string("Unsupported");
    switch (c[1]) {
    case 0:
        return json_pack("{s:{s:s}}", "Error", "Execution",
                         c[2] < 6 ? exec[c[2]] : "Unsupported");
    case 2:
        return json_pack("{s:{s:s}}", "Error", "UnavailableActor",
                         c[2] < 5 ? unavailable[c[2]] : "Unsupported");
    case 3:
        return json_pack("{s:s}", "Error", "RemovedFromWaitlist");
    default:
        return json_pack("{s:s}", "Error", "Unsupported");
    }
}

/* A u128 as polkadot.js sends one: a number below 2^53, else big-endian
 * hex, full width. */
static json_t *u128_json(gb_u128 v)
{
    if (!v.hi && v.lo < (1ull << 53))
        return json_integer((json_int_t)v.lo);
    char t[35];
    snprintf(t, sizeof t, "0x%016llx%016llx", (unsigned long long)v.hi,
             (unsigned long long)v.lo);
    return json_string(t);
}

/* Gear's gear_calculateReplyForHandle [origin, destination, payload,
 * gas_limit, value, at?] (at: only the best block): the reply the message
 * would get, {payload, value, code} (LegacyReplyInfo, GEAR-RPC.md §6);
 * a message that gets no reply in its block, or cannot run, is error 8000
 * "Runtime error" with the reason. */
json_t *gb_rpc_m_gear_reply_for_handle(gb_rpc *r, json_t *params,
                                       gb_rpc_err *err)
{
    const gb_rpc_cfg *cfg = gb_rpc_config(r);
    gb_tx tx = {.kind = GB_TX_SEND_MESSAGE};
    uint8_t *payload = NULL;
    size_t plen = 0;
    gb_u128 gas;
    json_t *res = NULL;
    if (!gb_rpc_p_account(params, "origin", 0, &tx.sender, err) ||
        !gb_rpc_p_id(params, "destination", 1, &tx.destination, err) ||
        !gb_rpc_p_bytes(params, "payload", 2, false,
                        cfg->tx_limits.max_payload_len, &payload, &plen,
                        err) ||
        !gb_rpc_p_u128(params, "gasLimit", 3, &gas, err) ||
        !gb_rpc_p_u128(params, "value", 4, &tx.value, err))
        goto out;
    if (gas.hi) {
        gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                    "param gasLimit: expected a u64");
        goto out;
    }
    if (!gb_rpc_param(params, "gasLimit", 3))
        gas.lo = UINT64_MAX; /* capped at the block gas limit */
    tx.gas_limit = gas.lo;
    tx.payload = payload;
    tx.payload_len = (uint32_t)plen;
    if (!gb_rpc_estimate_allowed(r, err))
        goto out;
    gb_chain_reply_info ri;
    char det[512] = "";
    gb_err e = gb_chain_calculate_reply(gb_rpc_chain(r), &tx, &ri, det,
                                        sizeof det);
    if (e == GB_NOMEM) {
        gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
        goto out;
    }
    if (e) {
        gb_rpc_fail(err, GB_RPC_GEAR_RUNTIME_ERROR, "Runtime error: %s",
                    det[0] ? det : gb_err_str(e));
        goto out;
    }
    res = json_pack("{s:o,s:o,s:o}", "payload",
                    gb_json_hex(ri.payload, ri.payload_len), "value",
                    u128_json(ri.value), "code", reply_code_json(ri.code));
    free(ri.payload);
    if (!res)
        gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
out:
    free(payload);
    return res;
}

/* gear_readStateBatch: one gear_readState per pair, answers in order (a
 * request runs at most GB_RPC_MAX_ESTIMATES programs). */
json_t *gb_rpc_m_gear_read_state_batch(gb_rpc *r, json_t *params,
                                       gb_rpc_err *err)
{
    const gb_rpc_cfg *cfg = gb_rpc_config(r);
    json_t *a = gb_rpc_param(params, "batchIdPayload", 0);
    if (!json_is_array(a))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param batchIdPayload: expected an array of "
                           "[program id, payload] pairs");
    json_t *out = json_array();
    if (!out)
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *pair = json_array_get(a, i);
        gb_id pid;
        uint8_t *payload = NULL, *reply = NULL;
        size_t plen = 0;
        uint32_t rlen = 0;
        uint8_t code[4];
        char det[256] = "";
        if (!json_is_array(pair) || json_array_size(pair) != 2) {
            gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                        "param batchIdPayload[%zu]: expected [program id, "
                        "payload]",
                        i);
            goto fail;
        }
        if (!gb_rpc_p_id(pair, "programId", 0, &pid, err) ||
            !gb_rpc_p_bytes(pair, "payload", 1, false,
                            cfg->tx_limits.max_payload_len, &payload, &plen,
                            err) ||
            !gb_rpc_estimate_allowed(r, err)) {
            free(payload);
            goto fail;
        }
        gb_err e = gb_chain_read_state(gb_rpc_chain(r), pid, payload,
                                       (uint32_t)plen, 0, code, &reply,
                                       &rlen, det, sizeof det);
        free(payload);
        if (e == GB_NOMEM) {
            gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
            goto fail;
        }
        if (e || !gb_reply_code_is_success(gb_reply_code_from_bytes(code))) {
            free(reply);
            gb_rpc_fail(err, GB_RPC_GEAR_RUNTIME_ERROR, "Runtime error: %s",
                        e == GB_NOT_FOUND ? "Program not found"
                        : det[0]          ? det
                        : e               ? gb_err_str(e)
                                          : "the state function failed");
            goto fail;
        }
        json_t *h = gb_json_hex(reply, rlen);
        free(reply);
        if (!h || json_array_append_new(out, h)) {
            gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
            goto fail;
        }
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

json_t *gb_rpc_m_gear_read_metahash(gb_rpc *r, json_t *params,
                                    gb_rpc_err *err)
{
    gb_id pid;
    if (!gb_rpc_p_id(params, "programId", 0, &pid, err))
        return NULL;
    gb_chain_prog_info pi;
    gb_err e = gb_chain_program_info(gb_rpc_chain(r), pid, &pi);
    if (e == GB_NOT_FOUND)
        return gb_rpc_fail(err, GB_RPC_GEAR_RUNTIME_ERROR,
                           "Runtime error: Program not found");
    if (e)
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "cannot read the "
                           "program: %s", gb_err_str(e));
    return gb_rpc_fail(err, GB_RPC_GEAR_RUNTIME_ERROR,
                       "Runtime error: gearbox does not run a program's "
                       "metahash export (read the metadata from the .wasm "
                       "or its .meta.txt)");
}
