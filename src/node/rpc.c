/*
 * The JSON-RPC 2.0 dispatcher (see rpc.h): parse a request with jansson,
 * check its shape and size, find the method in one table, check its
 * params, call it, and write the answer (a batch within its response
 * limit).
 *
 * The methods live by area, each file listed in rpc_int.h: gearbox's
 * transactions (gear_submitTransaction, dev_sendMessage, ...) in
 * rpc_tx.c, its state queries in rpc_query.c, the ring of recent blocks
 * and the methods that read it in rpc_blocks.c, Gear's and Substrate's
 * shapes in the other rpc_*.c.  This file holds what they share: the
 * dispatcher's state (made and freed here; its fields in rpc_int.h), the
 * param readers, and the subscriptions of gearbox_subscribeNewHeads and
 * gear_subscribeEvents.
 */
#include "node/rpc.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/jsonv.h"
#include "node/explore.h"
#include "node/keys.h"
#include "node/metrics.h"
#include "node/rpc_int.h"
#include "node/sblocks.h"
#include "node/subs.h"
#include "util/hex.h"
#include "util/mem.h"

/* the largest transaction in hex (code 512 KiB + payload 8 MiB, doubled)
 * fits */
#define DEFAULT_MAX_REQUEST (24u * 1024 * 1024)
#define DEFAULT_MAX_BATCH 64u
#define DEFAULT_MAX_VALUES 65536u
#define DEFAULT_MAX_RESPONSE (32u * 1024 * 1024)
#define DEFAULT_EVENT_BLOCKS 256u
#define DEFAULT_MAX_EVENTS 1000u
#define DEFAULT_GAS 10000000000ull

json_t *gb_rpc_nomem(gb_rpc_err *err)
{
    return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
}

/* The store could not answer (GB_IO, GB_NOMEM): an internal error, never
 * an answer ("not found", a zero balance) standing in for the read. */
json_t *gb_rpc_store_fail(gb_rpc_err *err, const char *what, gb_err e)
{
    if (e == GB_NOMEM)
        return gb_rpc_nomem(err);
    return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "%s: %s", what,
                       gb_err_str(e));
}

void gb_rpc_cfg_default(gb_rpc_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    gb_tx_chain_id_from_name("dev", cfg->chain_id);
    gb_tx_limits_default(&cfg->tx_limits);
}

gb_err gb_rpc_new(gb_chain *chain, const gb_rpc_cfg *cfg, gb_rpc **out)
{
    gb_rpc *r = gb_calloc(1, sizeof *r);
    if (!r)
        return GB_NOMEM;
    r->chain = chain;
    r->cfg = *cfg;
    if (!r->cfg.max_request)
        r->cfg.max_request = DEFAULT_MAX_REQUEST;
    if (!r->cfg.max_batch)
        r->cfg.max_batch = DEFAULT_MAX_BATCH;
    if (!r->cfg.max_values)
        r->cfg.max_values = DEFAULT_MAX_VALUES;
    if (!r->cfg.max_response)
        r->cfg.max_response = DEFAULT_MAX_RESPONSE;
    if (!r->cfg.event_blocks)
        r->cfg.event_blocks = DEFAULT_EVENT_BLOCKS;
    if (!r->cfg.max_events)
        r->cfg.max_events = DEFAULT_MAX_EVENTS;
    if (!r->cfg.default_gas)
        r->cfg.default_gas = DEFAULT_GAS;
    r->ring = gb_calloc(r->cfg.event_blocks, sizeof *r->ring);
    r->later = gb_calloc(r->cfg.event_blocks, sizeof *r->later);
    gb_err e = GB_NOMEM;
    if (!r->ring || !r->later || gb_subs_new(&r->subs) ||
        gb_metrics_new(&r->metrics) ||
        gb_explore_new(r->cfg.event_blocks, 0, &r->explore) ||
        (e = gb_sblocks_new(chain, r->cfg.event_blocks, &r->sblocks))) {
        gb_metrics_free(r->metrics);
        gb_explore_free(r->explore);
        gb_subs_free(r->subs);
        free(r->ring);
        free(r->later);
        free(r);
        return e;
    }
    *out = r;
    return GB_OK;
}

void gb_rpc_free(gb_rpc *r)
{
    if (!r)
        return;
    for (uint32_t i = 0; i < r->count; i++)
        gb_rpc_kept_free(&r->ring[(r->first + i) % r->cfg.event_blocks]);
    free(r->ring);
    for (uint32_t i = 0; i < r->nlater; i++)
        gb_block_result_free(
            &r->later[(r->later_first + i) % r->cfg.event_blocks]);
    free(r->later);
    gb_subs_free(r->subs);
    gb_metrics_free(r->metrics);
    gb_explore_free(r->explore);
    gb_sblocks_free(r->sblocks);
    gb_rpc_dev_keys_wipe(r);
    free(r);
}

gb_subs *gb_rpc_subs(gb_rpc *r) { return r->subs; }
gb_metrics *gb_rpc_metrics(gb_rpc *r) { return r->metrics; }
gb_explore *gb_rpc_explore(gb_rpc *r) { return r->explore; }

gb_sblocks *gb_rpc_sblocks(gb_rpc *r) { return r->sblocks; }

void gb_rpc_nudge(gb_rpc *r) { r->waiting++; }

uint32_t gb_rpc_waiting(const gb_rpc *r) { return r->waiting; }

void gb_rpc_stop(gb_rpc *r, const char *reason)
{
    snprintf(r->stopped, sizeof r->stopped, "node stopped: %s",
             reason && *reason ? reason : "a fatal error");
}


/* ---- params ------------------------------------------------------------ */

/* params[name] for an object, params[idx] for an array; NULL when absent
 * (a JSON null counts as absent). */
json_t *gb_rpc_param(json_t *params, const char *name, size_t idx)
{
    json_t *v = NULL;
    if (json_is_object(params))
        v = json_object_get(params, name);
    else if (json_is_array(params))
        v = json_array_get(params, idx);
    return json_is_null(v) ? NULL : v;
}

bool gb_rpc_p_id(json_t *params, const char *name, size_t idx, gb_id *out,
                 gb_rpc_err *err)
{
    json_t *v = gb_rpc_param(params, name, idx);
    if (!v) {
        gb_rpc_fail(err, GB_RPC_INVALID_PARAMS, "missing param %s", name);
        return false;
    }
    if (!json_is_string(v) || gb_id_from_hex(json_string_value(v), out)) {
        gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                    "param %s: expected 0x and 64 hex digits", name);
        return false;
    }
    return true;
}

/* An account: hex, or a dev account name. */
bool gb_rpc_p_account(json_t *params, const char *name, size_t idx, gb_id *out,
                      gb_rpc_err *err)
{
    json_t *v = gb_rpc_param(params, name, idx);
    uint32_t dev;
    if (json_is_string(v) && gb_dev_lookup(json_string_value(v), &dev)) {
        *out = gb_dev_account_id(dev);
        return true;
    }
    if (v && (!json_is_string(v) || gb_id_from_hex(json_string_value(v), out))) {
        gb_rpc_fail(
            err, GB_RPC_INVALID_PARAMS,
            "param %s: expected an account id (0x and 64 hex digits) or "
            "a dev account name",
            name);
        return false;
    }
    return gb_rpc_p_id(params, name, idx, out, err);
}

/* Hex bytes; absent = empty unless required.  Longer than max decoded
 * bytes: GB_RPC_TOO_LARGE.  *out malloc'd (NULL when empty). */
bool gb_rpc_p_bytes(json_t *params, const char *name, size_t idx, bool required,
                    size_t max, uint8_t **out, size_t *len, gb_rpc_err *err)
{
    *out = NULL;
    *len = 0;
    json_t *v = gb_rpc_param(params, name, idx);
    if (!v) {
        if (required)
            gb_rpc_fail(err, GB_RPC_INVALID_PARAMS, "missing param %s", name);
        return !required;
    }
    if (!json_is_string(v)) {
        gb_rpc_fail(err, GB_RPC_INVALID_PARAMS, "param %s: expected 0x hex",
                    name);
        return false;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        n -= 2;
    if (n / 2 > max) {
        gb_rpc_fail(err, GB_RPC_TOO_LARGE,
                    "param %s: %zu bytes, the limit is %zu", name, n / 2, max);
        return false;
    }
    if (n == 0)
        return true;
    uint8_t *b = gb_malloc(n / 2 + 1);
    if (!b) {
        gb_rpc_nomem(err);
        return false;
    }
    if (gb_hex_decode(s, b, n / 2 + 1, len)) {
        free(b);
        gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                    "param %s: expected 0x and an even number of hex digits",
                    name);
        return false;
    }
    *out = b;
    return true;
}

/* A non-negative integer, as a JSON number or a decimal string. */
bool gb_rpc_p_u64(json_t *params, const char *name, size_t idx, uint64_t dflt,
                  uint64_t *out, gb_rpc_err *err)
{
    json_t *v = gb_rpc_param(params, name, idx);
    if (!v) {
        *out = dflt;
        return true;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    if (json_is_string(v)) {
        gb_u128 x;
        if (gb_u128_parse(json_string_value(v), &x) && x.hi == 0) {
            *out = x.lo;
            return true;
        }
    }
    gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                "param %s: expected a non-negative integer", name);
    return false;
}

bool gb_rpc_p_u128(json_t *params, const char *name, size_t idx, gb_u128 *out,
                   gb_rpc_err *err)
{
    json_t *v = gb_rpc_param(params, name, idx);
    *out = gb_u128_from(0);
    if (!v)
        return true;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = gb_u128_from((uint64_t)json_integer_value(v));
        return true;
    }
    const char *t = json_is_string(v) ? json_string_value(v) : NULL;
    if (t && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
        /* big-endian hex, as polkadot.js sends a u128 >= 2^53 */
        size_t n = strlen(t + 2);
        gb_u128 x = gb_u128_from(0);
        bool ok = n > 0 && n <= 32;
        for (size_t i = 0; ok && i < n; i++) {
            char ch = t[2 + i];
            int d = ch >= '0' && ch <= '9'   ? ch - '0'
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                             : -1;
            ok = d >= 0;
            x.hi = x.hi << 4 | x.lo >> 60;
            x.lo = x.lo << 4 | (uint64_t)(d & 15);
        }
        if (ok) {
            *out = x;
            return true;
        }
    }
    if (t && gb_u128_parse(t, out))
        return true;
    gb_rpc_fail(
        err, GB_RPC_INVALID_PARAMS,
        "param %s: expected a non-negative integer (a decimal string for "
        "large values)",
        name);
    return false;
}


/* ---- for the methods in other files (rpc_int.h) ------------------------ */

bool gb_rpc_estimate_allowed(gb_rpc *r, gb_rpc_err *err)
{
    if (r->estimates >= GB_RPC_MAX_ESTIMATES) {
        gb_rpc_fail(err, GB_RPC_TOO_LARGE,
                    "at most %u gas estimates and state reads per request "
                    "(a batch included): each runs programs while the "
                    "request waits; send the others in later requests",
                    GB_RPC_MAX_ESTIMATES);
        return false;
    }
    uint64_t used_ms = (gb_monotonic_ns() - r->req_start_ns) / 1000000u;
    if (r->cfg.call_time_ms && used_ms >= r->cfg.call_time_ms) {
        gb_rpc_fail(err, GB_RPC_TOO_LARGE,
                    "this request used its time budget (%llu ms) for gas "
                    "estimates and state reads; send the others in later "
                    "requests",
                    (unsigned long long)r->cfg.call_time_ms);
        return false;
    }
    r->estimates++;
    return true;
}

gb_chain *gb_rpc_chain(gb_rpc *r) { return r->chain; }
gb_subs_session *gb_rpc_session(gb_rpc *r) { return r->session; }
const gb_rpc_cfg *gb_rpc_config(const gb_rpc *r) { return &r->cfg; }

json_t *gb_rpc_fail(gb_rpc_err *err, int code, const char *fmt, ...)
{
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return NULL;
}

/* ---- subscriptions (node/subs.h): on sessions only, i.e. WebSocket ------ */

static json_t *subscribe(gb_rpc *r, json_t *params, gb_sub_kind kind,
                         gb_rpc_err *err)
{
    if (!r->session)
        return gb_rpc_fail(
            err, GB_RPC_METHOD_NOT_FOUND,
            "subscriptions need a WebSocket connection (GET / with "
            "Upgrade: websocket on this port); over HTTP, poll "
            "chain_getEvents");
    gb_sub_filter f = {0};
    if (kind == GB_SUB_EVENTS) {
        if (gb_rpc_param(params, "program", 0)) {
            if (!gb_rpc_p_id(params, "program", 0, &f.program, err))
                return NULL;
            f.has_program = true;
        }
        if (gb_rpc_param(params, "account", 1)) {
            if (!gb_rpc_p_account(params, "account", 1, &f.account, err))
                return NULL;
            f.has_account = true;
        }
    }
    uint64_t id;
    gb_err e = gb_subs_add(r->session, kind, &f, &id);
    if (e == GB_LIMIT)
        return gb_rpc_fail(err, GB_RPC_TOO_LARGE,
                           "too many subscriptions on this connection: "
                           "unsubscribe one first");
    if (e)
        return gb_rpc_nomem(err);
    json_t *o = json_integer((json_int_t)id);
    return o ? o : gb_rpc_nomem(err);
}

static json_t *unsubscribe(gb_rpc *r, json_t *params, gb_sub_kind kind,
                           gb_rpc_err *err)
{
    uint64_t id;
    if (!gb_rpc_param(params, "subscription", 0))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "missing param subscription");
    if (!gb_rpc_p_u64(params, "subscription", 0, 0, &id, err))
        return NULL;
    /* as Substrate: false for a subscription this connection does not
     * have */
    bool ok = r->session && !gb_subs_remove(r->session, kind, id);
    json_t *o = json_boolean(ok);
    return o ? o : gb_rpc_nomem(err);
}

static json_t *m_sub_heads(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return subscribe(r, params, GB_SUB_NEW_HEADS, err);
}

static json_t *m_unsub_heads(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return unsubscribe(r, params, GB_SUB_NEW_HEADS, err);
}

static json_t *m_sub_events(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return subscribe(r, params, GB_SUB_EVENTS, err);
}

static json_t *m_unsub_events(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return unsubscribe(r, params, GB_SUB_EVENTS, err);
}

/* ---- dispatch ---------------------------------------------------------- */

typedef json_t *(*method_fn)(gb_rpc *r, json_t *params, gb_rpc_err *err);

/* A method marked KEEPS_NONE neither reads nor changes the kept blocks
 * (the ring, the explorer's, the Substrate blocks and their pending
 * extrinsics): it runs with blocks taken and not kept yet
 * (gb_rpc_note_block_take) left so; every other method, the explorer's
 * and the dev ones included, keeps them first.  Marked: what a writer
 * calls over and over (chain_getHead answers the same hash from the kept
 * block or the stored header). */
#define KEEPS_NONE true
#define KEEPS false

static const struct {
    const char *name;
    method_fn fn;
    bool keeps_none;
} methods[] = {
    {"gear_submitTransaction", gb_rpc_m_submit, KEEPS_NONE},
    {"dev_sendMessage", gb_rpc_m_dev_send, KEEPS_NONE},
    {"dev_uploadProgram", gb_rpc_m_dev_upload, KEEPS_NONE},
    {"gearbox_readState", gb_rpc_m_read_state, KEEPS_NONE},
    {"gear_programInfo", gb_rpc_m_program_info, KEEPS_NONE},
    {"gear_codeInfo", gb_rpc_m_code_info, KEEPS},
    {"gear_mailbox", gb_rpc_m_mailbox, KEEPS},
    {"gear_balance", gb_rpc_m_balance, KEEPS_NONE},
    {"system_accountNonce", gb_rpc_m_nonce, KEEPS_NONE},
    {"chain_getHead", gb_rpc_m_head, KEEPS_NONE},
    {"gearbox_chainInfo", gb_rpc_m_chain_info, KEEPS_NONE},
    {"gearbox_traceMessage", gb_rpc_m_trace_message, KEEPS},
    {"gearbox_getBlock", gb_rpc_m_block, KEEPS},
    {"chain_getEvents", gb_rpc_m_events, KEEPS},
    {"gearbox_calculateInitUploadGas", gb_rpc_m_gas_upload, KEEPS},
    {"gearbox_calculateInitCreateGas", gb_rpc_m_gas_create, KEEPS},
    {"gearbox_calculateHandleGas", gb_rpc_m_gas_handle, KEEPS},
    {"gearbox_calculateReplyGas", gb_rpc_m_gas_reply, KEEPS},
    {"gear_calculateGasForUpload", gb_rpc_m_gear_gas_upload, KEEPS},
    {"gear_calculateGasForCreate", gb_rpc_m_gear_gas_create, KEEPS},
    {"gear_calculateGasForHandle", gb_rpc_m_gear_gas_handle, KEEPS},
    {"gear_calculateGasForReply", gb_rpc_m_gear_gas_reply, KEEPS},
    {"gear_calculateInitUploadGas", gb_rpc_m_gear_gas_upload, KEEPS},
    {"gear_calculateInitCreateGas", gb_rpc_m_gear_gas_create, KEEPS},
    {"gear_calculateHandleGas", gb_rpc_m_gear_gas_handle, KEEPS},
    {"gear_calculateReplyGas", gb_rpc_m_gear_gas_reply, KEEPS},
    {"gear_readState", gb_rpc_m_gear_read_state, KEEPS},
    {"gear_calculateReplyForHandle", gb_rpc_m_gear_reply_for_handle, KEEPS},
    {"gear_readStateBatch", gb_rpc_m_gear_read_state_batch, KEEPS},
    {"gear_readMetahash", gb_rpc_m_gear_read_metahash, KEEPS},
    {"gearbox_subscribeNewHeads", m_sub_heads, KEEPS},
    {"gearbox_unsubscribeNewHeads", m_unsub_heads, KEEPS},
    {"gear_subscribeEvents", m_sub_events, KEEPS},
    {"gear_unsubscribeEvents", m_unsub_events, KEEPS},
    /* the Substrate-shaped face (rpc_substrate.c) */
    {"state_getMetadata", gb_rpc_m_state_get_metadata, KEEPS},
    {"state_call", gb_rpc_m_state_call, KEEPS},
    {"state_getRuntimeVersion", gb_rpc_m_state_runtime_version, KEEPS},
    {"state_subscribeRuntimeVersion", gb_rpc_m_state_sub_runtime_version,
     KEEPS},
    {"state_unsubscribeRuntimeVersion", gb_rpc_m_state_unsub_runtime_version,
     KEEPS},
    {"system_chain", gb_rpc_m_system_chain, KEEPS},
    {"system_name", gb_rpc_m_system_name, KEEPS},
    {"system_version", gb_rpc_m_system_version, KEEPS},
    {"system_properties", gb_rpc_m_system_properties, KEEPS},
    {"system_health", gb_rpc_m_system_health, KEEPS},
    {"rpc_methods", gb_rpc_m_rpc_methods, KEEPS},
    {"chain_getBlockHash", gb_rpc_m_chain_block_hash, KEEPS},
    {"chain_getHeader", gb_rpc_m_chain_header, KEEPS},
    {"author_submitExtrinsic", gb_rpc_m_author_submit, KEEPS},
    {"author_submitAndWatchExtrinsic", gb_rpc_m_author_submit_watch, KEEPS},
    {"author_unwatchExtrinsic", gb_rpc_m_author_unwatch, KEEPS},
    {"system_accountNextIndex", gb_rpc_m_account_next_index, KEEPS},
    {"state_getStorage", gb_rpc_m_state_get_storage, KEEPS},
    {"state_queryStorageAt", gb_rpc_m_state_query_storage_at, KEEPS},
    {"state_subscribeStorage", gb_rpc_m_state_sub_storage, KEEPS},
    {"state_unsubscribeStorage", gb_rpc_m_state_unsub_storage, KEEPS},
    {"state_getKeysPaged", gb_rpc_m_state_keys_paged, KEEPS},
    {"chain_getBlock", gb_rpc_m_chain_block, KEEPS},
    {"chain_getFinalizedHead", gb_rpc_m_chain_finalized_head, KEEPS},
    {"chain_getFinalisedHead", gb_rpc_m_chain_finalized_head, KEEPS},
    {"chain_subscribeNewHeads", gb_rpc_m_chain_sub_heads, KEEPS},
    {"chain_subscribeNewHead", gb_rpc_m_chain_sub_heads, KEEPS},
    {"chain_unsubscribeNewHeads", gb_rpc_m_chain_unsub_heads, KEEPS},
    {"chain_unsubscribeNewHead", gb_rpc_m_chain_unsub_heads, KEEPS},
    {"chain_subscribeFinalizedHeads", gb_rpc_m_chain_sub_finalized, KEEPS},
    {"chain_subscribeFinalisedHeads", gb_rpc_m_chain_sub_finalized, KEEPS},
    {"chain_unsubscribeFinalizedHeads", gb_rpc_m_chain_unsub_finalized, KEEPS},
    {"chain_unsubscribeFinalisedHeads", gb_rpc_m_chain_unsub_finalized, KEEPS},
};

const char *gb_rpc_method_name(size_t i)
{
    size_t n = sizeof methods / sizeof *methods;
    return i < n ? methods[i].name : gb_rpc_dev_method_name(i - n);
}


static gb_err handle(gb_rpc *r, const char *req, size_t len,
                     char **out_resp);

static json_t *error_obj(json_t *id, int code, const char *message)
{
    return json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
                     id ? id : json_null(), "error", "code", code, "message",
                     message);
}

char *gb_rpc_error_response(int code, const char *message)
{
    json_t *o = error_obj(NULL, code, message);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

/* One request object: its response, or NULL for a notification.  *oom
 * when out of memory. */
static json_t *handle_one(gb_rpc *r, json_t *req, bool *oom)
{
    json_t *res;
    if (!json_is_object(req))
        goto invalid_noid;
    json_t *id = json_object_get(req, "id");
    if (id && !json_is_string(id) && !json_is_integer(id) &&
        !json_is_real(id) && !json_is_null(id))
        goto invalid_noid;
    json_t *ver = json_object_get(req, "jsonrpc");
    json_t *method = json_object_get(req, "method");
    json_t *params = json_object_get(req, "params");
    if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") ||
        !json_is_string(method) ||
        (params && !json_is_object(params) && !json_is_array(params))) {
        res = error_obj(id, GB_RPC_INVALID_REQUEST,
                        "invalid request: expected {\"jsonrpc\": \"2.0\", "
                        "\"method\": string, \"params\": object or array, "
                        "\"id\"}");
        goto out;
    }
    const char *name = json_string_value(method), *known = NULL;
    method_fn fn = NULL;
    bool keeps = true;
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (!strcmp(methods[i].name, name)) {
            fn = methods[i].fn;
            known = methods[i].name;
            keeps = !methods[i].keeps_none;
            break;
        }
    if (!fn)
        fn = gb_rpc_explore_method(name, &known);
    if (!fn)
        fn = gb_rpc_dev_method(name, &known);
    if (!fn) {
        char msg[160];
        snprintf(msg, sizeof msg, "method not found: %.100s", name);
        gb_metrics_note_rpc(r->metrics, NULL, GB_RPC_METHOD_NOT_FOUND);
        res = error_obj(id, GB_RPC_METHOD_NOT_FOUND, msg);
        goto out;
    }
    if (r->stopped[0]) { /* nothing reaches the chain any more */
        res = id ? error_obj(id, GB_RPC_NODE_STOPPED, r->stopped) : NULL;
        if (!id)
            return NULL;
        goto out;
    }
    gb_rpc_err err = {0};
    if (keeps && gb_rpc_keep_later(r))
        fprintf(stderr, "blocks not kept for RPC (out of memory)\n");
    json_t *result = fn(r, params, &err);
    gb_metrics_note_rpc(r->metrics, known, result ? 0 : err.code);
    if (!id) { /* a notification: run, answer nothing */
        json_decref(result);
        return NULL;
    }
    if (!result)
        res = error_obj(id, err.code, err.msg);
    else
        res = json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id,
                        "result", result);
out:
    if (!res)
        *oom = true;
    return res;
invalid_noid:
    res = error_obj(NULL, GB_RPC_INVALID_REQUEST,
                    "invalid request: expected a JSON-RPC 2.0 request object");
    goto out;
}

gb_err gb_rpc_handle(gb_rpc *r, const char *req, size_t len, char **out_resp)
{
    return gb_rpc_handle_session(r, NULL, req, len, out_resp);
}

/* The request's answer once handled (e, *out_resp): what it submitted is
 * made durable (the pool's sync, or the cluster's log: cfg.submit_sync),
 * or an error replaces it.  *again: the log answered GB_AGAIN (a
 * replica's dev transactions signed without settling their nonces,
 * another replica having sent one of the same account meanwhile: nothing
 * went) and the request is to be handled again, unless last. */
static gb_err finish(gb_rpc *r, gb_err e, uint32_t before, bool last,
                     bool *again, char **out_resp)
{
    *again = false;
    if (e || r->waiting == before)
        return e;
    /* (one sync for a whole batch) */
    if (gb_chain_pool_sync(r->chain)) {
        free(*out_resp);
        *out_resp = gb_rpc_error_response(
            GB_RPC_INTERNAL_ERROR,
            "the transaction was accepted but could not be made durable "
            "(pool.log: is the disk full?)");
        return *out_resp ? GB_OK : GB_NOMEM;
    }
    char det[200] = "";
    gb_err se = r->cfg.submit_sync
                    ? r->cfg.submit_sync(r->cfg.submit_ctx, det, sizeof det)
                    : GB_OK;
    if (se == GB_AGAIN && !last) {
        *again = true;
        return GB_OK;
    }
    if (se) {
        free(*out_resp);
        char msg[320];
        snprintf(msg, sizeof msg,
                 "the transaction was accepted but the cluster's log did "
                 "not confirm it (%s): it may be lost; sending the same "
                 "signed transaction again is safe (it is taken once)",
                 det);
        *out_resp = gb_rpc_error_response(GB_RPC_INTERNAL_ERROR, msg);
        return *out_resp ? GB_OK : GB_NOMEM;
    }
    return e;
}

gb_err gb_rpc_handle_session(gb_rpc *r, gb_subs_session *session,
                             const char *req, size_t len, char **out_resp)
{
    r->session = session;
    r->req_start_ns = gb_monotonic_ns();
    gb_err e;
    /* handled again at most twice (finish): a third time would be a race
     * lost twice running, which the error tells of */
    for (int n = 0;; n++) {
        r->estimates = 0;
        r->settled = false;
        if (r->cfg.submit_begin)
            r->cfg.submit_begin(r->cfg.submit_ctx, n > 0);
        uint32_t before = r->waiting;
        bool again;
        e = finish(r, handle(r, req, len, out_resp), before, n == 2, &again,
                   out_resp);
        if (!again)
            break;
        free(*out_resp);
        *out_resp = NULL;
    }
    r->session = NULL;
    return e;
}

/*
 * Count, without parsing, the JSON values in req (an upper bound: every
 * '{' and '[' opens one, every ',' separates two) and, when it is an
 * array, its elements (the commas at depth 1, plus one).  Strings are
 * skipped, escapes and all; the JSON need not be valid (the parser
 * judges that).  Linear, no allocation.
 */
static void prescan(const char *req, size_t len, size_t *out_values,
                    size_t *out_batch)
{
    size_t values = 1, batch = 0, depth = 0;
    bool array = false, empty = true, seen = false;
    for (size_t i = 0; i < len; i++) {
        char c = req[i];
        if (c == '"') {
            for (i++; i < len && req[i] != '"'; i++)
                if (req[i] == '\\')
                    i++;
            if (depth == 1)
                empty = false;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (!seen) {
            seen = true;
            array = c == '[';
        }
        if (c == '{' || c == '[') {
            if (depth == 1)
                empty = false;
            depth++;
            values++;
        } else if (c == '}' || c == ']') {
            if (depth)
                depth--;
        } else if (c == ',') {
            values++;
            if (depth == 1)
                batch++;
        } else if (depth == 1) {
            empty = false;
        }
    }
    *out_values = values;
    *out_batch = array ? (empty && !batch ? 0 : batch + 1) : 0;
}

/* The error that stands for a call's response when the batch's responses
 * are over the limit: with the call's id (NULL: none). */
static json_t *too_large_obj(json_t *id, size_t limit, bool ran)
{
    char msg[160];
    snprintf(msg, sizeof msg,
             ran ? "response too large: the limit is %zu bytes (ask for less)"
                 : "not run: the batch's responses passed their limit of %zu "
                   "bytes",
             limit);
    return error_obj(id, GB_RPC_TOO_LARGE, msg);
}

static gb_err handle(gb_rpc *r, const char *req, size_t len, char **out_resp)
{
    *out_resp = NULL;
    json_t *resp = NULL, *in = NULL;
    bool oom = false;
    char msg[160];
    if (len > r->cfg.max_request) {
        snprintf(msg, sizeof msg, "request too large: %zu bytes, the limit is %zu",
                 len, r->cfg.max_request);
        resp = error_obj(NULL, GB_RPC_TOO_LARGE, msg);
        oom = !resp;
        goto dump;
    }
    size_t nvalues, nbatch;
    prescan(req, len, &nvalues, &nbatch);
    if (nbatch > r->cfg.max_batch) {
        snprintf(msg, sizeof msg,
                 "invalid request: a batch of %zu, the limit is %u", nbatch,
                 r->cfg.max_batch);
        resp = error_obj(NULL, GB_RPC_INVALID_REQUEST, msg);
        oom = !resp;
        goto dump;
    }
    if (nvalues > r->cfg.max_values) {
        snprintf(msg, sizeof msg,
                 "request too large: %zu JSON values, the limit is %u",
                 nvalues, r->cfg.max_values);
        resp = error_obj(NULL, GB_RPC_TOO_LARGE, msg);
        oom = !resp;
        goto dump;
    }
    json_error_t jerr;
    in = json_loadb(req, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!in && (json_error_code(&jerr) == json_error_out_of_memory ||
                !jerr.text[0])) {
        /* the parser ran out of memory (jansson leaves the text empty
         * when it cannot even start): not the request's fault */
        oom = true;
        goto dump;
    }
    if (!in) {
        char pmsg[256];
        snprintf(pmsg, sizeof pmsg, "parse error: %s (line %d, column %d)",
                 jerr.text, jerr.line, jerr.column);
        resp = error_obj(NULL, GB_RPC_PARSE_ERROR, pmsg);
        oom = !resp;
        goto dump;
    }
    size_t limit = r->cfg.max_response, total = 2; /* "[]" */
    if (json_is_array(in)) {
        size_t n = json_array_size(in);
        if (n == 0 || n > r->cfg.max_batch) {
            snprintf(msg, sizeof msg,
                     n ? "invalid request: a batch of %zu, the limit is %u"
                       : "invalid request: an empty batch",
                     n, r->cfg.max_batch);
            resp = error_obj(NULL, GB_RPC_INVALID_REQUEST, msg);
            oom = !resp;
        } else {
            resp = json_array();
            oom = !resp;
            bool over = false;
            for (size_t i = 0; i < n && !oom; i++) {
                json_t *call = json_array_get(in, i), *one;
                if (over) { /* not run; notifications get no answer */
                    json_t *id = json_is_object(call)
                                     ? json_object_get(call, "id")
                                     : NULL;
                    if (json_is_object(call) && !id)
                        continue;
                    one = too_large_obj(id, limit, false);
                    oom = !one;
                } else {
                    one = handle_one(r, call, &oom);
                }
                if (!one)
                    continue;
                size_t sz = json_dumpb(one, NULL, 0, JSON_COMPACT) + 1;
                if (!over && sz > limit - total) {
                    json_t *e = too_large_obj(json_object_get(one, "id"),
                                              limit, true);
                    json_decref(one);
                    one = e;
                    over = true;
                    oom = oom || !one;
                    sz = one ? json_dumpb(one, NULL, 0, JSON_COMPACT) + 1 : 0;
                }
                total += sz;
                if (one && json_array_append_new(resp, one))
                    oom = true;
            }
            if (!oom && json_array_size(resp) == 0) {
                json_decref(resp);
                resp = NULL;
            }
        }
    } else {
        resp = handle_one(r, in, &oom);
        if (resp && json_dumpb(resp, NULL, 0, JSON_COMPACT) > limit) {
            json_t *e = too_large_obj(json_object_get(resp, "id"), limit,
                                      true);
            json_decref(resp);
            resp = e;
            oom = oom || !resp;
        }
    }
    json_decref(in);
dump:
    if (oom) {
        json_decref(resp);
        return GB_NOMEM;
    }
    if (!resp)
        return GB_OK;
    *out_resp = json_dumps(resp, JSON_COMPACT);
    json_decref(resp);
    return *out_resp ? GB_OK : GB_NOMEM;
}
