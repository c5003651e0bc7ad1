/*
 * The Substrate-shaped methods of the node's Vara face: what polkadot.js
 * (and so @gear-js/api) calls while connecting (shared/GEAR-RPC.md §1):
 * the runtime metadata (state_getMetadata, and state_call of the Metadata
 * runtime API), the runtime version and its subscription, the system_*
 * identity methods and rpc_methods (the chain_* methods: rpc_chain.c).  Shapes follow
 * the Substrate node's JSON, not gearbox's own conventions: hashes and
 * SCALE bytes are "0x" hex, numbers are JSON numbers.
 *
 * The runtime never changes, so state_subscribeRuntimeVersion sends its
 * one notification at once (polkadot.js buffers a notification that comes
 * before the subscribe response) and nothing after.  The `at` block hash
 * that Substrate methods take is accepted and ignored: every block has
 * the same runtime.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "node/metadata.h"
#include "node/rpc_int.h"
#include "node/subs.h"
#include "util/hex.h"

/* The node's identity, as Vara's dev node answers (GEAR-RPC.md §1). */
#define CHAIN_NAME "Development"
#define NODE_NAME "Gear Node"
#define NODE_VERSION "gearbox-0.1.0-dev"

static json_t *nomem(gb_rpc_err *err)
{
    return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
}

/* "0x" + hex of p[0, n), as a JSON string. */
static json_t *hex_string(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 3);
    if (!s)
        return NULL;
    s[0] = '0';
    s[1] = 'x';
    gb_hex_encode(p, n, s + 2);
    json_t *o = json_string(s);
    free(s);
    return o;
}

/* SCALE bytes from a gb_metadata_* call, as the hex result. */
static json_t *bytes_result(gb_err e, uint8_t *p, size_t n, gb_rpc_err *err)
{
    if (e)
        return nomem(err);
    json_t *o = hex_string(p, n);
    free(p);
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_state_get_metadata(gb_rpc *r, json_t *params,
                                    gb_rpc_err *err)
{
    /* V14, as a Substrate node's state_getMetadata; V15 through
     * state_call Metadata_metadata_at_version */
    uint8_t *md;
    size_t n;
    gb_err e = gb_metadata_encode(14, &md, &n);
    return bytes_result(e, md, n, err);
}

json_t *gb_rpc_m_state_call(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    json_t *m = gb_rpc_param(params, "name", 0);
    if (!json_is_string(m))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param name: expected the runtime API method, "
                           "e.g. \"Metadata_metadata_versions\"");
    const char *name = json_string_value(m);
    uint8_t *data = NULL;
    size_t len = 0;
    if (!gb_rpc_p_bytes(params, "bytes", 1, false, 1u << 20, &data, &len,
                        err))
        return NULL;
    uint8_t *out = NULL;
    size_t n = 0;
    gb_err e;
    if (!strcmp(name, "Metadata_metadata_versions")) {
        e = gb_metadata_versions(&out, &n);
    } else if (!strcmp(name, "Metadata_metadata_at_version")) {
        if (len != 4) {
            free(data);
            return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                               "Metadata_metadata_at_version: expected a "
                               "SCALE u32 (4 bytes), got %zu bytes",
                               len);
        }
        uint32_t v = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
                     (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
        e = gb_metadata_at_version(v, &out, &n);
    } else if (!strcmp(name, "Metadata_metadata")) {
        /* OpaqueMetadata: Bytes of the V14 metadata */
        e = gb_metadata_at_version(14, &out, &n);
        if (!e) { /* drop the Option's tag */
            memmove(out, out + 1, n - 1);
            n--;
        }
    } else if (!strcmp(name, "TransactionPaymentApi_query_info")) {
        json_t *o = gb_rpc_payment_query_info(r, data, len, err);
        free(data);
        return o;
    } else {
        free(data);
        /* what a Substrate node answers for a call it does not export */
        return gb_rpc_fail(err, 4003,
                           "Client error: Execution failed: Other: Exported "
                           "method %.100s is not found",
                           name);
    }
    free(data);
    return bytes_result(e, out, n, err);
}

/* blake2b with an 8-byte digest: how an API's name becomes its id. */
static void blake2_64(const char *s, uint8_t out[8])
{
    crypto_generichash(out, 8, (const unsigned char *)s, strlen(s), NULL, 0);
}

static json_t *runtime_version_json(void)
{
    const gb_runtime_version *v = gb_metadata_runtime_version();
    json_t *apis = json_array();
    if (!apis)
        return NULL;
    for (size_t i = 0; i < v->n_apis; i++) {
        uint8_t id[8];
        blake2_64(v->apis[i].name, id);
        json_t *pair = json_pack("[o,i]", hex_string(id, 8),
                                 (json_int_t)v->apis[i].version);
        if (!pair || json_array_append_new(apis, pair)) {
            json_decref(apis);
            return NULL;
        }
    }
    return json_pack("{s:s,s:s,s:i,s:i,s:i,s:o,s:i,s:i}", "specName",
                     v->spec_name, "implName", v->impl_name,
                     "authoringVersion", (json_int_t)v->authoring_version,
                     "specVersion", (json_int_t)v->spec_version,
                     "implVersion", (json_int_t)v->impl_version, "apis",
                     apis, "transactionVersion",
                     (json_int_t)v->transaction_version, "stateVersion",
                     (json_int_t)v->state_version);
}

json_t *gb_rpc_m_state_runtime_version(gb_rpc *r, json_t *params,
                                       gb_rpc_err *err)
{
    json_t *o = runtime_version_json();
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_state_sub_runtime_version(gb_rpc *r, json_t *params,
                                           gb_rpc_err *err)
{
    gb_subs_session *ss = gb_rpc_session(r);
    if (!ss)
        return gb_rpc_fail(err, GB_RPC_METHOD_NOT_FOUND,
                           "subscriptions need a WebSocket connection");
    uint64_t id;
    gb_err e = gb_subs_add(ss, GB_SUB_RUNTIME_VERSION, NULL, &id);
    if (e == GB_LIMIT)
        return gb_rpc_fail(err, GB_RPC_TOO_LARGE,
                           "too many subscriptions on this connection: "
                           "unsubscribe one first");
    if (e)
        return nomem(err);
    json_t *v = runtime_version_json();
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    /* a failed notification is the sink's (connection's) problem; only
     * out of memory is answered */
    e = text ? gb_subs_notify(ss, "state_runtimeVersion", id, text)
             : GB_NOMEM;
    free(text);
    if (e == GB_NOMEM) {
        gb_subs_remove(ss, GB_SUB_RUNTIME_VERSION, id);
        return nomem(err);
    }
    json_t *o = json_integer((json_int_t)id);
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_state_unsub_runtime_version(gb_rpc *r, json_t *params,
                                             gb_rpc_err *err)
{
    gb_subs_session *ss = gb_rpc_session(r);
    json_t *v = gb_rpc_param(params, "subscription", 0);
    if (!json_is_integer(v) && !json_is_string(v))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param subscription: expected the id");
    uint64_t id = json_is_integer(v)
                      ? (uint64_t)json_integer_value(v)
                      : strtoull(json_string_value(v), NULL, 10);
    bool ok = ss && !gb_subs_remove(ss, GB_SUB_RUNTIME_VERSION, id);
    return ok ? json_true() : json_false();
}

static json_t *string_result(const char *s, gb_rpc_err *err)
{
    json_t *o = json_string(s);
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_system_chain(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return string_result(CHAIN_NAME, err);
}

json_t *gb_rpc_m_system_name(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return string_result(NODE_NAME, err);
}

json_t *gb_rpc_m_system_version(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return string_result(NODE_VERSION, err);
}

json_t *gb_rpc_m_system_properties(gb_rpc *r, json_t *params,
                                   gb_rpc_err *err)
{
    /* Vara's dev chain spec, with the key polkadot.js reads
     * ("ss58Format"; the node's own "ss58format" is ignored by it) */
    json_t *o = json_pack("{s:i,s:i,s:s}", "ss58Format", 137, "tokenDecimals",
                          12, "tokenSymbol", "TVARA");
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_system_health(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    json_t *o = json_pack("{s:i,s:b,s:b}", "peers", 0, "isSyncing", 0,
                          "shouldHavePeers", 0);
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_rpc_methods(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    json_t *names = json_array();
    if (!names)
        return nomem(err);
    const char *name;
    for (size_t i = 0; (name = gb_rpc_method_name(i)); i++)
        if (json_array_append_new(names, json_string(name))) {
            json_decref(names);
            return nomem(err);
        }
    json_t *o = json_pack("{s:i,s:o}", "version", 1, "methods", names);
    return o ? o : nomem(err);
}
