/*
 * The JSON-RPC 2.0 dispatcher (see rpc.h): parse a request with jansson,
 * check its shape, find the method in one table, check its params, call
 * the chain, and write the answer.
 *
 * Every transaction, whether it came signed (gear_submitTransaction) or
 * was signed here for a dev account (dev_*), goes through one path,
 * submit_encoded: strict decoding and signature check (node/tx.h), the
 * nonce check against gb_chain_nonce, then gb_chain_submit_ids.  A refusal at
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
 *
 * Blocks and their events are kept in a ring of the last cfg.event_blocks
 * blocks (as JSON, built once), for gearbox_getBlock and chain_getEvents,
 * and the same JSON goes to the subscriptions (node/subs.h) of the
 * sessions that transports keep open (WebSocket).
 */
#include "node/rpc.h"
#include "util/hash.h"

#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/jsonv.h"
#include "gear/codes.h"
#include "gear/ids.h"
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

typedef struct kept_block {
    uint32_t height;
    uint64_t timestamp;
    uint8_t hash[32];
    uint8_t state_root[32];
    uint32_t dispatched;
    uint64_t gas_used;
    uint32_t queued_left;
    json_t *events; /* array, each event with its "height" */
} kept_block;

struct gb_rpc {
    gb_chain *chain;
    gb_rpc_cfg cfg;
    kept_block *ring; /* cfg.event_blocks slots */
    uint32_t first, count;
    uint32_t waiting;
    gb_subs *subs;
    gb_sblocks *sblocks;
    gb_subs_session *session; /* of the request being handled, or NULL */
    const uint8_t *submit_key; /* the signed transaction being submitted
                                  (cfg.submit's key), or NULL */
    uint32_t submit_nth;       /* its transactions submitted so far */
    gb_id submit_signer;
    uint64_t submit_nonce;
    uint32_t estimates;       /* gas estimates in the request so far */
    uint64_t req_start_ns;    /* when the request began (its time budget) */
    char stopped[256];        /* gb_rpc_stop's reason, "" while serving */
    gb_metrics *metrics;      /* counters (node/metrics.h) */
    gb_explore *explore;      /* recent blocks for the explorer */
};

/* A method's failure: a JSON-RPC code and a message (rpc_int.h). */
typedef gb_rpc_err rpc_err;

static json_t *fail(rpc_err *err, int code, const char *fmt, ...)
{
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return NULL;
}

static json_t *nomem(rpc_err *err)
{
    return fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
}

/* The store could not answer (GB_IO, GB_NOMEM): an internal error, never
 * an answer ("not found", a zero balance) standing in for the read. */
static json_t *store_fail(rpc_err *err, const char *what, gb_err e)
{
    if (e == GB_NOMEM)
        return nomem(err);
    return fail(err, GB_RPC_INTERNAL_ERROR, "%s: %s", what, gb_err_str(e));
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
    gb_err e = GB_NOMEM;
    if (!r->ring || gb_subs_new(&r->subs) || gb_metrics_new(&r->metrics) ||
        gb_explore_new(r->cfg.event_blocks, 0, &r->explore) ||
        (e = gb_sblocks_new(chain, r->cfg.event_blocks, &r->sblocks))) {
        gb_metrics_free(r->metrics);
        gb_explore_free(r->explore);
        gb_subs_free(r->subs);
        free(r->ring);
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
        json_decref(r->ring[(r->first + i) % r->cfg.event_blocks].events);
    free(r->ring);
    gb_subs_free(r->subs);
    gb_metrics_free(r->metrics);
    gb_explore_free(r->explore);
    gb_sblocks_free(r->sblocks);
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

/* ---- JSON values ------------------------------------------------------- */





static const char *event_kind_name(gb_event_kind k)
{
    switch (k) {
    case GB_EV_CODE_UPLOADED: return "CodeUploaded";
    case GB_EV_PROGRAM_CREATED: return "ProgramCreated";
    case GB_EV_MESSAGE_QUEUED: return "MessageQueued";
    case GB_EV_DISPATCHED: return "Dispatched";
    case GB_EV_USER_MESSAGE: return "UserMessageSent";
    case GB_EV_PROGRAM_EXITED: return "ProgramExited";
    case GB_EV_INIT_FAILED: return "InitFailed";
    case GB_EV_WAITED: return "Waited";
    case GB_EV_WOKEN: return "Woken";
    case GB_EV_TRANSFER: return "Transfer";
    case GB_EV_MAILBOX_READ: return "UserMessageRead";
    case GB_EV_VOUCHER_ISSUED: return "VoucherIssued";
    case GB_EV_VOUCHER_UPDATED: return "VoucherUpdated";
    case GB_EV_VOUCHER_REVOKED: return "VoucherRevoked";
    case GB_EV_VOUCHER_DECLINED: return "VoucherDeclined";
    }
    return "Unknown";
}

static const char *outcome_name(gb_outcome o)
{
    switch (o) {
    case GB_OUTCOME_SUCCESS: return "success";
    case GB_OUTCOME_SKIPPED: return "skipped";
    case GB_OUTCOME_FAILED: return "failed";
    case GB_OUTCOME_WAIT: return "wait";
    case GB_OUTCOME_EXIT: return "exit";
    }
    return "unknown";
}

static json_t *event_json(uint32_t height, const gb_event *ev)
{
    json_t *o = json_object();
    bool bad = !o;
    if (bad)
        return NULL;
    gb_json_put(o, "height", json_integer(height), &bad);
    gb_json_put(o, "kind", json_string(event_kind_name(ev->kind)), &bad);
    gb_json_put(o, "id", gb_json_id(ev->id), &bad);
    gb_json_put(o, "source", gb_json_id(ev->source), &bad);
    gb_json_put(o, "destination", gb_json_id(ev->destination), &bad);
    if (ev->kind == GB_EV_DISPATCHED) {
        gb_json_put(o, "outcome", json_string(outcome_name(ev->outcome)), &bad);
        gb_json_put(o, "gasBurned", json_integer((json_int_t)ev->gas_burned), &bad);
        if (ev->debug)
            gb_json_put(o, "debug", json_string(ev->debug), &bad);
    }
    if (ev->kind == GB_EV_USER_MESSAGE) {
        gb_json_put(o, "isReply", json_boolean(ev->is_reply), &bad);
        if (ev->is_reply) {
            gb_json_put(o, "replyTo", gb_json_id(ev->reply_to), &bad);
            gb_json_put(o, "replyCode", gb_json_hex(ev->reply_code, 4), &bad);
            gb_json_put(o, "replyCodeText",
                json_string(gb_reply_code_str(
                    gb_reply_code_from_bytes(ev->reply_code))),
                &bad);
        }
        gb_json_put(o, "payload", gb_json_hex(ev->payload, ev->payload_len), &bad);
    }
    if (ev->kind == GB_EV_MAILBOX_READ)
        gb_json_put(o, "reason",
            json_string(ev->read_reason == GB_READ_CLAIMED ? "claimed"
                        : ev->read_reason == GB_READ_REPLIED ? "replied"
                                                             : "expired"),
            &bad);
    gb_json_put(o, "value", gb_json_u128(ev->value), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *block_json(const kept_block *b)
{
    json_t *o = json_object();
    bool bad = !o;
    if (bad)
        return NULL;
    gb_json_put(o, "height", json_integer(b->height), &bad);
    gb_json_put(o, "hash", gb_json_hex(b->hash, 32), &bad);
    gb_json_put(o, "timestamp", json_integer((json_int_t)b->timestamp), &bad);
    gb_json_put(o, "stateRoot", gb_json_hex(b->state_root, 32), &bad);
    gb_json_put(o, "dispatched", json_integer(b->dispatched), &bad);
    gb_json_put(o, "gasUsed", json_integer((json_int_t)b->gas_used), &bad);
    gb_json_put(o, "queuedLeft", json_integer(b->queued_left), &bad);
    gb_json_put(o, "events", json_integer((json_int_t)json_array_size(b->events)),
        &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const kept_block *kept(const gb_rpc *r, uint32_t i);
static gb_err note_block(gb_rpc *r, const gb_block_result *b);

/* The chain_newHead notification of kept block k, parent hash and all. */
static gb_err notify_subs(gb_rpc *r, const gb_block_result *b,
                          const kept_block *k, const uint8_t *parent)
{
    if (!gb_subs_count(r->subs))
        return GB_OK;
    gb_block_header hd; /* the parent not kept: the stored header has it */
    if (!parent && !gb_chain_block_header(r->chain, b->height, &hd, NULL))
        parent = hd.parent_hash;
    json_t *head = block_json(k);
    bool bad = !head;
    if (head)
        gb_json_put(head, "parentHash", parent ? gb_json_hex(parent, 32) : json_null(),
            &bad);
    gb_err e = bad ? GB_NOMEM
                   : gb_subs_note_block(r->subs, b, head, k->events);
    json_decref(head);
    return e;
}

gb_err gb_rpc_note_block(gb_rpc *r, const gb_block_result *b)
{
    r->waiting = 0;
    gb_metrics_note_block(r->metrics, b);
    gb_err xe = gb_explore_note_block(r->explore, b);
    gb_err ne = note_block(r, b);
    return ne ? ne : xe;
}

static gb_err note_block(gb_rpc *r, const gb_block_result *b)
{
    /* the parent's hash, if this node kept it (before the ring moves) */
    uint8_t parent[32];
    bool has_parent = false;
    if (r->count) {
        const kept_block *p = kept(r, r->count - 1);
        if (p->height + 1 == b->height) {
            memcpy(parent, p->hash, 32);
            has_parent = true;
        }
    }
    json_t *evs = json_array();
    if (!evs)
        return GB_NOMEM;
    for (uint32_t i = 0; i < b->nevents; i++) {
        json_t *e = event_json(b->height, &b->events[i]);
        if (!e || json_array_append_new(evs, e)) {
            json_decref(evs);
            return GB_NOMEM;
        }
    }
    uint32_t cap = r->cfg.event_blocks;
    if (r->count == cap) {
        json_decref(r->ring[r->first].events);
        r->first = (r->first + 1) % cap;
        r->count--;
    }
    kept_block *k = &r->ring[(r->first + r->count) % cap];
    *k = (kept_block){.height = b->height,
                      .timestamp = b->timestamp,
                      .dispatched = b->dispatched,
                      .gas_used = b->gas_used,
                      .queued_left = b->queued_left,
                      .events = evs};
    memcpy(k->hash, b->hash, 32);
    memcpy(k->state_root, b->state_root, 32);
    r->count++;
    gb_err e = notify_subs(r, b, k, has_parent ? parent : NULL);
    gb_err e2 = gb_rpc_chain_note_block(r, b);
    return e ? e : e2;
}

static const kept_block *kept(const gb_rpc *r, uint32_t i)
{
    return &r->ring[(r->first + i) % r->cfg.event_blocks];
}

/* ---- params ------------------------------------------------------------ */

/* params[name] for an object, params[idx] for an array; NULL when absent
 * (a JSON null counts as absent). */
static json_t *param(json_t *params, const char *name, size_t idx)
{
    json_t *v = NULL;
    if (json_is_object(params))
        v = json_object_get(params, name);
    else if (json_is_array(params))
        v = json_array_get(params, idx);
    return json_is_null(v) ? NULL : v;
}

static bool p_id(json_t *params, const char *name, size_t idx, gb_id *out,
                 rpc_err *err)
{
    json_t *v = param(params, name, idx);
    if (!v) {
        fail(err, GB_RPC_INVALID_PARAMS, "missing param %s", name);
        return false;
    }
    if (!json_is_string(v) || gb_id_from_hex(json_string_value(v), out)) {
        fail(err, GB_RPC_INVALID_PARAMS,
             "param %s: expected 0x and 64 hex digits", name);
        return false;
    }
    return true;
}

/* An account: hex, or a dev account name. */
static bool p_account(json_t *params, const char *name, size_t idx,
                      gb_id *out, rpc_err *err)
{
    json_t *v = param(params, name, idx);
    uint32_t dev;
    if (json_is_string(v) && gb_dev_lookup(json_string_value(v), &dev)) {
        *out = gb_dev_account_id(dev);
        return true;
    }
    if (v && (!json_is_string(v) || gb_id_from_hex(json_string_value(v), out))) {
        fail(err, GB_RPC_INVALID_PARAMS,
             "param %s: expected an account id (0x and 64 hex digits) or "
             "a dev account name",
             name);
        return false;
    }
    return p_id(params, name, idx, out, err);
}

/* Hex bytes; absent = empty unless required.  Longer than max decoded
 * bytes: GB_RPC_TOO_LARGE.  *out malloc'd (NULL when empty). */
static bool p_bytes(json_t *params, const char *name, size_t idx,
                    bool required, size_t max, uint8_t **out, size_t *len,
                    rpc_err *err)
{
    *out = NULL;
    *len = 0;
    json_t *v = param(params, name, idx);
    if (!v) {
        if (required)
            fail(err, GB_RPC_INVALID_PARAMS, "missing param %s", name);
        return !required;
    }
    if (!json_is_string(v)) {
        fail(err, GB_RPC_INVALID_PARAMS, "param %s: expected 0x hex", name);
        return false;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        n -= 2;
    if (n / 2 > max) {
        fail(err, GB_RPC_TOO_LARGE, "param %s: %zu bytes, the limit is %zu",
             name, n / 2, max);
        return false;
    }
    if (n == 0)
        return true;
    uint8_t *b = gb_malloc(n / 2 + 1);
    if (!b) {
        nomem(err);
        return false;
    }
    if (gb_hex_decode(s, b, n / 2 + 1, len)) {
        free(b);
        fail(err, GB_RPC_INVALID_PARAMS,
             "param %s: expected 0x and an even number of hex digits", name);
        return false;
    }
    *out = b;
    return true;
}

/* A non-negative integer, as a JSON number or a decimal string. */
static bool p_u64(json_t *params, const char *name, size_t idx,
                  uint64_t dflt, uint64_t *out, rpc_err *err)
{
    json_t *v = param(params, name, idx);
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
    fail(err, GB_RPC_INVALID_PARAMS,
         "param %s: expected a non-negative integer", name);
    return false;
}

static bool p_u128(json_t *params, const char *name, size_t idx,
                   gb_u128 *out, rpc_err *err)
{
    json_t *v = param(params, name, idx);
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
    fail(err, GB_RPC_INVALID_PARAMS,
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

json_t *gb_rpc_param(json_t *params, const char *name, size_t idx)
{
    return param(params, name, idx);
}

bool gb_rpc_p_id(json_t *params, const char *name, size_t idx, gb_id *out,
                 gb_rpc_err *err)
{
    return p_id(params, name, idx, out, err);
}

bool gb_rpc_p_account(json_t *params, const char *name, size_t idx,
                      gb_id *out, gb_rpc_err *err)
{
    return p_account(params, name, idx, out, err);
}

bool gb_rpc_p_bytes(json_t *params, const char *name, size_t idx,
                    bool required, size_t max, uint8_t **out, size_t *len,
                    gb_rpc_err *err)
{
    return p_bytes(params, name, idx, required, max, out, len, err);
}

bool gb_rpc_p_u128(json_t *params, const char *name, size_t idx,
                   gb_u128 *out, gb_rpc_err *err)
{
    return p_u128(params, name, idx, out, err);
}

bool gb_rpc_p_u64(json_t *params, const char *name, size_t idx,
                  uint64_t dflt, uint64_t *out, gb_rpc_err *err)
{
    return p_u64(params, name, idx, dflt, out, err);
}

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
static gb_err nonce_want(gb_rpc *r, gb_id signer, uint64_t *out)
{
    gb_err e = gb_chain_nonce_get(r->chain, signer, out);
    if (!e && r->cfg.nonce_floor) {
        uint64_t f = r->cfg.nonce_floor(r->cfg.submit_ctx, signer);
        if (f > *out)
            *out = f;
    }
    return e;
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
            return fail(err, GB_RPC_TX_REFUSED,
                        "transaction refused: program already exists");
        if (e != GB_NOT_FOUND)
            return store_fail(err, "program", e);
        /* the signer pays the fees of both parts (chain.h
         * gb_chain_tx_fee), the code's only when it is uploaded now */
        bool have_code;
        if ((e = gb_chain_code_lookup(r->chain, cr.code_id, &have_code)))
            return store_fail(err, "code", e);
        bool upload = !have_code;
        const gb_chain_cfg *ccfg = gb_chain_config(r->chain);
        gb_u128 cost = gb_chain_gas_value(cr.gas_limit), bal;
        if ((e = gb_chain_balance_get(r->chain, signer, &bal)))
            return store_fail(err, "balance", e);
        if (gb_u128_is_zero(bal))
            return fail(err, GB_RPC_TX_REFUSED,
                        "transaction refused: no balance to pay the "
                        "transaction fee (the account is empty or unknown)");
        if (!gb_u128_add_to(&cost, cr.value) ||
            !gb_u128_add_to(&cost, gb_chain_tx_fee(ccfg, &cr)) ||
            (upload && !gb_u128_add_to(&cost, gb_chain_tx_fee(ccfg, &up))) ||
            gb_u128_cmp(cost, bal) > 0)
            return fail(err, GB_RPC_TX_REFUSED,
                        "transaction refused: not enough balance for value, "
                        "gas and the transaction fees");
        if (!cr.gas_limit)
            return fail(err, GB_RPC_TX_REFUSED,
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
                return store_fail(err, "submit", e);
            if (e && !strstr(det, "already uploaded"))
                return fail(err, GB_RPC_TX_REFUSED,
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
        return store_fail(err, "submit", e);
    if (e)
        return fail(err, GB_RPC_TX_REFUSED, "transaction refused: %s",
                    det[0] ? det : gb_err_str(e));
    out_ids[(*out_n)++] = id;
    *out_id = id;
    *out_msg = msg_id;
    r->waiting++;
    return true;
}

static json_t *submit_encoded(gb_rpc *r, const uint8_t *buf, size_t len,
                              rpc_err *err)
{
    gb_tx_decoded d;
    char det[256] = "";
    gb_err e = gb_tx_decode_verify(r->cfg.chain_id, buf, len,
                                   &r->cfg.tx_limits, &d, det, sizeof det);
    if (e == GB_LIMIT)
        return fail(err, GB_RPC_TOO_LARGE, "transaction too large: %s", det);
    if (e == GB_NOMEM)
        return nomem(err);
    if (e)
        return fail(err, GB_RPC_TX_INVALID, "invalid transaction: %s", det);

    uint64_t want;
    if ((e = nonce_want(r, d.signer, &want)))
        return store_fail(err, "nonce", e);
    if (d.nonce != want)
        return fail(err, GB_RPC_BAD_NONCE, "nonce %llu: expected %llu (%s)",
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
        return fail(err, GB_RPC_INTERNAL_ERROR, "%s", accepted_nomem);
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
        return fail(err, GB_RPC_INTERNAL_ERROR, "%s", accepted_nomem);
    }
    return o;
}

static json_t *m_submit(gb_rpc *r, json_t *params, rpc_err *err)
{
    uint8_t *buf;
    size_t len;
    /* the largest transaction: code + salt + payload and the fixed parts */
    size_t max = (size_t)r->cfg.tx_limits.max_code_len +
                 r->cfg.tx_limits.max_salt_len +
                 r->cfg.tx_limits.max_payload_len + 4096;
    if (!p_bytes(params, "tx", 0, true, max, &buf, &len, err))
        return NULL;
    json_t *res = submit_encoded(r, buf, len, err);
    free(buf);
    return res;
}

/* Sign body for dev account `from` with its next nonce and submit. */
static json_t *dev_submit(gb_rpc *r, json_t *params, gb_tx_body *body,
                          rpc_err *err)
{
    if (!r->cfg.dev)
        return fail(err, GB_RPC_DEV_ONLY,
                    "dev_* methods need a node started with --dev");
    json_t *v = param(params, "from", 0);
    uint32_t idx;
    gb_id as;
    if (json_is_string(v) && !gb_dev_lookup(json_string_value(v), &idx) &&
        !gb_id_from_hex(json_string_value(v), &as)) /* (rpc_dev.c) */
        return gb_rpc_dev_submit_as(r, as, body, err);
    if (!json_is_string(v) || !gb_dev_lookup(json_string_value(v), &idx))
        return fail(err, GB_RPC_INVALID_PARAMS,
                    "param from: expected a dev account name (alice, bob, "
                    "charlie, dave, eve, ferdie, george, harry)");
    uint8_t pk[GB_KEY_PUBLIC_LEN], sk[GB_KEY_SECRET_LEN];
    gb_dev_keypair(idx, pk, sk);
    uint64_t nonce; /* as submit_encoded checks it (a replica: past what
                       it sent to the log, which its chain has not yet) */
    gb_err e = nonce_want(r, gb_key_account_id(pk), &nonce);
    if (e) {
        sodium_memzero(sk, sizeof sk);
        return store_fail(err, "nonce", e);
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    char det[256] = "";
    e = gb_tx_encode(r->cfg.chain_id, body, nonce, sk, &buf, &len, det,
                            sizeof det);
    sodium_memzero(sk, sizeof sk);
    if (e == GB_NOMEM)
        return nomem(err);
    if (e)
        return fail(err, GB_RPC_INVALID_PARAMS, "%s", det);
    json_t *res = submit_encoded(r, buf, len, err);
    free(buf);
    return res;
}

static json_t *m_dev_send(gb_rpc *r, json_t *params, rpc_err *err)
{
    gb_tx_body body = {.kind = GB_TXW_SEND_MESSAGE};
    uint8_t *payload = NULL;
    size_t plen;
    json_t *res = NULL;
    if (!p_id(params, "destination", 1, &body.target, err) ||
        !p_bytes(params, "payload", 2, false,
                 r->cfg.tx_limits.max_payload_len, &payload, &plen, err) ||
        !p_u64(params, "gasLimit", 3, r->cfg.default_gas, &body.gas_limit,
               err) ||
        !p_u128(params, "value", 4, &body.value, err))
        goto out;
    body.payload = payload;
    body.payload_len = (uint32_t)plen;
    res = dev_submit(r, params, &body, err);
out:
    free(payload);
    return res;
}

static json_t *m_dev_upload(gb_rpc *r, json_t *params, rpc_err *err)
{
    gb_tx_body body = {.kind = GB_TXW_UPLOAD_PROGRAM};
    uint8_t *code = NULL, *salt = NULL, *payload = NULL;
    size_t clen, slen, plen;
    json_t *res = NULL;
    if (!p_bytes(params, "code", 1, true, r->cfg.tx_limits.max_code_len,
                 &code, &clen, err) ||
        !p_bytes(params, "salt", 2, false, r->cfg.tx_limits.max_salt_len,
                 &salt, &slen, err) ||
        !p_bytes(params, "initPayload", 3, false,
                 r->cfg.tx_limits.max_payload_len, &payload, &plen, err) ||
        !p_u64(params, "gasLimit", 4, r->cfg.default_gas, &body.gas_limit,
               err) ||
        !p_u128(params, "value", 5, &body.value, err))
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

/* ---- queries ----------------------------------------------------------- */

static json_t *m_read_state(gb_rpc *r, json_t *params, rpc_err *err)
{
    gb_id pid;
    uint8_t *payload = NULL, *out = NULL;
    size_t plen;
    uint32_t olen = 0;
    uint64_t gas;
    uint8_t code[4];
    char det[256] = "";
    if (!p_id(params, "programId", 0, &pid, err) ||
        !p_bytes(params, "payload", 1, false,
                 r->cfg.tx_limits.max_payload_len, &payload, &plen, err) ||
        !p_u64(params, "gasLimit", 2, 0, &gas, err) ||
        !gb_rpc_estimate_allowed(r, err)) {
        free(payload);
        return NULL;
    }
    gb_err e = gb_chain_read_state(r->chain, pid, payload, (uint32_t)plen,
                                   gas, code, &out, &olen, det, sizeof det);
    free(payload);
    if (e == GB_NOT_FOUND)
        return fail(err, GB_RPC_NOT_FOUND, "%s is not a program",
                    json_string_value(param(params, "programId", 0)));
    if (e == GB_NOMEM || e == GB_IO)
        return store_fail(err, "read state", e);
    if (e == GB_LIMIT)
        return fail(err, GB_RPC_TOO_LARGE, "cannot read state: %s", det);
    if (e)
        return fail(err, GB_RPC_STATE_FAILED, "cannot read state: %s",
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
        return nomem(err);
    }
    return o;
}

/* Gear's gear_readState [program_id, payload, at?]: the reply payload as
 * Bytes; a failed run is error 8000 "Runtime error" (GEAR-RPC.md §6). */
static json_t *m_gear_read_state(gb_rpc *r, json_t *params, rpc_err *err)
{
    gb_id pid;
    uint8_t *payload = NULL, *out = NULL;
    size_t plen;
    uint32_t olen = 0;
    uint8_t code[4];
    char det[256] = "";
    if (!p_id(params, "programId", 0, &pid, err) ||
        !p_bytes(params, "payload", 1, false,
                 r->cfg.tx_limits.max_payload_len, &payload, &plen, err) ||
        !gb_rpc_estimate_allowed(r, err)) {
        free(payload);
        return NULL;
    }
    gb_err e = gb_chain_read_state(r->chain, pid, payload, (uint32_t)plen, 0,
                                   code, &out, &olen, det, sizeof det);
    free(payload);
    if (e == GB_NOMEM)
        return nomem(err);
    if (e == GB_NOT_FOUND)
        return fail(err, GB_RPC_GEAR_RUNTIME_ERROR,
                    "Runtime error: Program not found");
    if (e)
        return fail(err, GB_RPC_GEAR_RUNTIME_ERROR, "Runtime error: %s",
                    det[0] ? det : gb_err_str(e));
    if (!gb_reply_code_is_success(gb_reply_code_from_bytes(code))) {
        free(out);
        return fail(err, GB_RPC_GEAR_RUNTIME_ERROR, "Runtime error: %s",
                    det[0] ? det : "the state function failed");
    }
    json_t *o = gb_json_hex(out, olen);
    free(out);
    return o ? o : nomem(err);
}

static json_t *m_program_info(gb_rpc *r, json_t *params, rpc_err *err)
{
    static const char *const status[] = {"initializing", "active", "exited",
                                         "terminated"};
    gb_id pid;
    if (!p_id(params, "programId", 0, &pid, err))
        return NULL;
    gb_chain_prog_info in;
    gb_err e = gb_chain_program_info(r->chain, pid, &in);
    if (e == GB_NOT_FOUND)
        return fail(err, GB_RPC_NOT_FOUND, "%s is not a program",
                    json_string_value(param(params, "programId", 0)));
    if (e)
        return store_fail(err, "program", e);
    json_t *o = json_object();
    bool bad = !o;
    if (bad)
        return nomem(err);
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
        return nomem(err);
    }
    return o;
}

static json_t *m_code_info(gb_rpc *r, json_t *params, rpc_err *err)
{
    gb_id cid;
    if (!p_id(params, "codeId", 0, &cid, err))
        return NULL;
    bool yes;
    gb_err e = gb_chain_code_lookup(r->chain, cid, &yes);
    if (e)
        return store_fail(err, "code", e);
    json_t *o = json_pack("{s:o,s:b}", "codeId", gb_json_id(cid), "exists",
                          yes);
    return o ? o : nomem(err);
}

static json_t *m_mailbox(gb_rpc *r, json_t *params, rpc_err *err)
{
    gb_id who;
    if (!p_account(params, "account", 0, &who, err))
        return NULL;
    gb_chain_mail *m = NULL;
    uint32_t n = 0;
    gb_err e = gb_chain_mailbox(r->chain, who, &m, &n);
    if (e)
        return e == GB_NOMEM ? nomem(err)
                             : fail(err, GB_RPC_INTERNAL_ERROR, "mailbox: %s",
                                    gb_err_str(e));
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
        return nomem(err);
    }
    return a;
}

static json_t *m_balance(gb_rpc *r, json_t *params, rpc_err *err)
{
    gb_id who;
    if (!p_account(params, "account", 0, &who, err))
        return NULL;
    gb_u128 bal;
    gb_err e = gb_chain_balance_get(r->chain, who, &bal);
    if (e)
        return store_fail(err, "balance", e);
    json_t *o = json_pack("{s:o}", "balance", gb_json_u128(bal));
    return o ? o : nomem(err);
}

static json_t *m_nonce(gb_rpc *r, json_t *params, rpc_err *err)
{
    gb_id who;
    if (!p_account(params, "account", 0, &who, err))
        return NULL;
    uint64_t n;
    gb_err e = nonce_want(r, who, &n);
    if (e)
        return store_fail(err, "nonce", e);
    json_t *o = json_integer((json_int_t)n);
    return o ? o : nomem(err);
}

static json_t *m_head(gb_rpc *r, json_t *params, rpc_err *err)
{
    uint8_t root[32];
    gb_err e = gb_chain_state_root(r->chain, root);
    if (e) /* (not a zero root) */
        return fail(err, GB_RPC_INTERNAL_ERROR, "state root: %s",
                    gb_err_str(e));
    uint32_t h = gb_chain_height(r->chain);
    /* the hash: of the block kept, or of the stored header */
    const kept_block *last = r->count ? kept(r, r->count - 1) : NULL;
    gb_block_header hd;
    uint8_t hash[32];
    bool have_hash = last && last->height == h;
    if (have_hash)
        memcpy(hash, last->hash, 32);
    else if (!(e = gb_chain_block_header(r->chain, h, &hd, hash)))
        have_hash = true;
    else if (e != GB_NOT_FOUND)
        return fail(err, GB_RPC_INTERNAL_ERROR, "block header: %s",
                    gb_err_str(e));
    json_t *o = json_object();
    bool bad = !o;
    if (bad)
        return nomem(err);
    gb_json_put(o, "height", json_integer(h), &bad);
    gb_json_put(o, "hash", have_hash ? gb_json_hex(hash, 32) : json_null(), &bad);
    gb_json_put(o, "timestamp", json_integer((json_int_t)gb_chain_timestamp(r->chain)),
        &bad);
    gb_json_put(o, "stateRoot", gb_json_hex(root, 32), &bad);
    if (bad) {
        json_decref(o);
        return nomem(err);
    }
    return o;
}

/* A block no longer kept, from its stored header: no events. */
static json_t *stored_block_json(const gb_block_header *h,
                                 const uint8_t hash[32], rpc_err *err)
{
    json_t *o = json_object();
    bool bad = !o;
    if (bad)
        return nomem(err);
    gb_json_put(o, "height", json_integer(h->height), &bad);
    gb_json_put(o, "hash", gb_json_hex(hash, 32), &bad);
    gb_json_put(o, "parentHash", gb_json_hex(h->parent_hash, 32), &bad);
    gb_json_put(o, "timestamp", json_integer((json_int_t)h->timestamp), &bad);
    gb_json_put(o, "stateRoot", gb_json_hex(h->state_root, 32), &bad);
    gb_json_put(o, "dispatched", json_integer(h->dispatches), &bad);
    gb_json_put(o, "gasUsed", json_integer((json_int_t)h->gas_used), &bad);
    gb_json_put(o, "eventsKept", json_false(), &bad);
    if (bad) {
        json_decref(o);
        return nomem(err);
    }
    return o;
}

static json_t *m_block(gb_rpc *r, json_t *params, rpc_err *err)
{
    json_t *hv = json_is_object(params) ? json_object_get(params, "hash")
                                        : NULL;
    const kept_block *found = NULL;
    gb_block_header hd;
    uint8_t hash[32];
    if (hv) {
        uint8_t hash[32];
        size_t n = 0;
        if (!json_is_string(hv) ||
            gb_hex_decode(json_string_value(hv), hash, 32, &n) || n != 32)
            return fail(err, GB_RPC_INVALID_PARAMS,
                        "param hash: expected 0x and 64 hex digits");
        for (uint32_t i = 0; i < r->count && !found; i++)
            if (!memcmp(kept(r, i)->hash, hash, 32))
                found = kept(r, i);
        if (!found && !gb_chain_block_by_hash(r->chain, hash, &hd))
            return stored_block_json(&hd, hash, err);
        if (!found)
            return fail(err, GB_RPC_NOT_FOUND, "no block with that hash");
    } else {
        uint64_t h;
        if (!param(params, "height", 0))
            return fail(err, GB_RPC_INVALID_PARAMS,
                        "missing param height (or hash)");
        if (!p_u64(params, "height", 0, 0, &h, err))
            return NULL;
        for (uint32_t i = 0; i < r->count && !found; i++)
            if (kept(r, i)->height == h)
                found = kept(r, i);
        if (!found && h <= UINT32_MAX &&
            !gb_chain_block_header(r->chain, (uint32_t)h, &hd, hash))
            return stored_block_json(&hd, hash, err);
        if (!found)
            return fail(err, GB_RPC_NOT_FOUND,
                        h > gb_chain_height(r->chain)
                            ? "block %llu: beyond the head"
                            : "block %llu: not in the store",
                        (unsigned long long)h);
    }
    json_t *o = block_json(found);
    if (o && json_object_set_new(o, "eventsKept", json_true())) {
        json_decref(o);
        o = NULL;
    }
    return o ? o : nomem(err);
}

static json_t *m_events(gb_rpc *r, json_t *params, rpc_err *err)
{
    uint64_t from, limit;
    if (!p_u64(params, "fromHeight", 0, 0, &from, err) ||
        !p_u64(params, "limit", 1, r->cfg.max_events, &limit, err))
        return NULL;
    if (limit == 0 || limit > r->cfg.max_events)
        limit = r->cfg.max_events;
    json_t *evs = json_array();
    if (!evs)
        return nomem(err);
    uint64_t next = from;
    uint32_t oldest = r->count ? kept(r, 0)->height : 0;
    for (uint32_t i = 0; i < r->count; i++) {
        const kept_block *b = kept(r, i);
        if (b->height < from)
            continue;
        size_t n = json_array_size(b->events);
        /* whole blocks only, so `next` never splits one */
        if (json_array_size(evs) && json_array_size(evs) + n > limit)
            break;
        if (json_array_extend(evs, b->events)) {
            json_decref(evs);
            return nomem(err);
        }
        next = (uint64_t)b->height + 1;
    }
    json_t *o = json_pack("{s:o,s:I,s:I,s:I,s:b}", "events", evs, "next",
                          (json_int_t)next, "head",
                          (json_int_t)gb_chain_height(r->chain), "oldest",
                          (json_int_t)oldest, "missed",
                          /* (block 0, the genesis, has no events) */
                          r->count && from < oldest && oldest > 1);
    return o ? o : nomem(err);
}

/* ---- subscriptions (node/subs.h): on sessions only, i.e. WebSocket ------ */

static json_t *subscribe(gb_rpc *r, json_t *params, gb_sub_kind kind,
                         rpc_err *err)
{
    if (!r->session)
        return fail(err, GB_RPC_METHOD_NOT_FOUND,
                    "subscriptions need a WebSocket connection (GET / with "
                    "Upgrade: websocket on this port); over HTTP, poll "
                    "chain_getEvents");
    gb_sub_filter f = {0};
    if (kind == GB_SUB_EVENTS) {
        if (param(params, "program", 0)) {
            if (!p_id(params, "program", 0, &f.program, err))
                return NULL;
            f.has_program = true;
        }
        if (param(params, "account", 1)) {
            if (!p_account(params, "account", 1, &f.account, err))
                return NULL;
            f.has_account = true;
        }
    }
    uint64_t id;
    gb_err e = gb_subs_add(r->session, kind, &f, &id);
    if (e == GB_LIMIT)
        return fail(err, GB_RPC_TOO_LARGE,
                    "too many subscriptions on this connection: "
                    "unsubscribe one first");
    if (e)
        return nomem(err);
    json_t *o = json_integer((json_int_t)id);
    return o ? o : nomem(err);
}

static json_t *unsubscribe(gb_rpc *r, json_t *params, gb_sub_kind kind,
                           rpc_err *err)
{
    uint64_t id;
    if (!param(params, "subscription", 0))
        return fail(err, GB_RPC_INVALID_PARAMS, "missing param subscription");
    if (!p_u64(params, "subscription", 0, 0, &id, err))
        return NULL;
    /* as Substrate: false for a subscription this connection does not
     * have */
    bool ok = r->session && !gb_subs_remove(r->session, kind, id);
    json_t *o = json_boolean(ok);
    return o ? o : nomem(err);
}

static json_t *m_sub_heads(gb_rpc *r, json_t *params, rpc_err *err)
{
    return subscribe(r, params, GB_SUB_NEW_HEADS, err);
}

static json_t *m_unsub_heads(gb_rpc *r, json_t *params, rpc_err *err)
{
    return unsubscribe(r, params, GB_SUB_NEW_HEADS, err);
}

static json_t *m_sub_events(gb_rpc *r, json_t *params, rpc_err *err)
{
    return subscribe(r, params, GB_SUB_EVENTS, err);
}

static json_t *m_unsub_events(gb_rpc *r, json_t *params, rpc_err *err)
{
    return unsubscribe(r, params, GB_SUB_EVENTS, err);
}

/* ---- dispatch ---------------------------------------------------------- */

typedef json_t *(*method_fn)(gb_rpc *r, json_t *params, rpc_err *err);

static const struct {
    const char *name;
    method_fn fn;
} methods[] = {
    {"gear_submitTransaction", m_submit},
    {"dev_sendMessage", m_dev_send},
    {"dev_uploadProgram", m_dev_upload},
    {"gearbox_readState", m_read_state},
    {"gear_programInfo", m_program_info},
    {"gear_codeInfo", m_code_info},
    {"gear_mailbox", m_mailbox},
    {"gear_balance", m_balance},
    {"system_accountNonce", m_nonce},
    {"chain_getHead", m_head},
    {"gearbox_chainInfo", gb_rpc_m_chain_info},
    {"gearbox_traceMessage", gb_rpc_m_trace_message},
    {"gearbox_getBlock", m_block},
    {"chain_getEvents", m_events},
    {"gearbox_calculateInitUploadGas", gb_rpc_m_gas_upload},
    {"gearbox_calculateInitCreateGas", gb_rpc_m_gas_create},
    {"gearbox_calculateHandleGas", gb_rpc_m_gas_handle},
    {"gearbox_calculateReplyGas", gb_rpc_m_gas_reply},
    {"gear_calculateGasForUpload", gb_rpc_m_gear_gas_upload},
    {"gear_calculateGasForCreate", gb_rpc_m_gear_gas_create},
    {"gear_calculateGasForHandle", gb_rpc_m_gear_gas_handle},
    {"gear_calculateGasForReply", gb_rpc_m_gear_gas_reply},
    {"gear_calculateInitUploadGas", gb_rpc_m_gear_gas_upload},
    {"gear_calculateInitCreateGas", gb_rpc_m_gear_gas_create},
    {"gear_calculateHandleGas", gb_rpc_m_gear_gas_handle},
    {"gear_calculateReplyGas", gb_rpc_m_gear_gas_reply},
    {"gear_readState", m_gear_read_state},
    {"gear_calculateReplyForHandle", gb_rpc_m_gear_reply_for_handle},
    {"gear_readStateBatch", gb_rpc_m_gear_read_state_batch},
    {"gear_readMetahash", gb_rpc_m_gear_read_metahash},
    {"gearbox_subscribeNewHeads", m_sub_heads},
    {"gearbox_unsubscribeNewHeads", m_unsub_heads},
    {"gear_subscribeEvents", m_sub_events},
    {"gear_unsubscribeEvents", m_unsub_events},
    /* the Substrate-shaped face (rpc_substrate.c) */
    {"state_getMetadata", gb_rpc_m_state_get_metadata},
    {"state_call", gb_rpc_m_state_call},
    {"state_getRuntimeVersion", gb_rpc_m_state_runtime_version},
    {"state_subscribeRuntimeVersion", gb_rpc_m_state_sub_runtime_version},
    {"state_unsubscribeRuntimeVersion", gb_rpc_m_state_unsub_runtime_version},
    {"system_chain", gb_rpc_m_system_chain},
    {"system_name", gb_rpc_m_system_name},
    {"system_version", gb_rpc_m_system_version},
    {"system_properties", gb_rpc_m_system_properties},
    {"system_health", gb_rpc_m_system_health},
    {"rpc_methods", gb_rpc_m_rpc_methods},
    {"chain_getBlockHash", gb_rpc_m_chain_block_hash},
    {"chain_getHeader", gb_rpc_m_chain_header},
    {"author_submitExtrinsic", gb_rpc_m_author_submit},
    {"author_submitAndWatchExtrinsic", gb_rpc_m_author_submit_watch},
    {"author_unwatchExtrinsic", gb_rpc_m_author_unwatch},
    {"system_accountNextIndex", gb_rpc_m_account_next_index},
    {"state_getStorage", gb_rpc_m_state_get_storage},
    {"state_queryStorageAt", gb_rpc_m_state_query_storage_at},
    {"state_subscribeStorage", gb_rpc_m_state_sub_storage},
    {"state_unsubscribeStorage", gb_rpc_m_state_unsub_storage},
    {"state_getKeysPaged", gb_rpc_m_state_keys_paged},
    {"chain_getBlock", gb_rpc_m_chain_block},
    {"chain_getFinalizedHead", gb_rpc_m_chain_finalized_head},
    {"chain_getFinalisedHead", gb_rpc_m_chain_finalized_head},
    {"chain_subscribeNewHeads", gb_rpc_m_chain_sub_heads},
    {"chain_subscribeNewHead", gb_rpc_m_chain_sub_heads},
    {"chain_unsubscribeNewHeads", gb_rpc_m_chain_unsub_heads},
    {"chain_unsubscribeNewHead", gb_rpc_m_chain_unsub_heads},
    {"chain_subscribeFinalizedHeads", gb_rpc_m_chain_sub_finalized},
    {"chain_subscribeFinalisedHeads", gb_rpc_m_chain_sub_finalized},
    {"chain_unsubscribeFinalizedHeads", gb_rpc_m_chain_unsub_finalized},
    {"chain_unsubscribeFinalisedHeads", gb_rpc_m_chain_unsub_finalized},
};

const char *gb_rpc_method_name(size_t i)
{
    size_t n = sizeof methods / sizeof *methods;
    return i < n ? methods[i].name : gb_rpc_dev_method_name(i - n);
}

json_t *gb_rpc_dev_submit(gb_rpc *r, json_t *params, gb_tx_body *body,
                          gb_rpc_err *err)
{
    return dev_submit(r, params, body, err);
}

void gb_rpc_reverted(gb_rpc *r)
{
    uint32_t head = gb_chain_height(r->chain);
    while (r->count && kept(r, r->count - 1)->height > head) {
        r->count--;
        kept_block *k = &r->ring[(r->first + r->count) % r->cfg.event_blocks];
        json_decref(k->events);
        k->events = NULL;
    }
    /* rebuilt from the stored headers (the extrinsics and events of the
     * blocks before the snapshot are then not kept: they are served with
     * their inherents only) */
    gb_sblocks *sb;
    if (!gb_sblocks_new(r->chain, r->cfg.event_blocks, &sb)) {
        gb_sblocks_free(r->sblocks);
        r->sblocks = sb;
    }
    gb_explore *x;
    if (!gb_explore_new(r->cfg.event_blocks, 0, &x)) {
        gb_explore_free(r->explore);
        r->explore = x;
    }
    r->waiting = gb_chain_waiting(r->chain) ? 1 : 0;
    /* the new head to gearbox_subscribeNewHeads and chain_subscribe* */
    gb_block_header h;
    gb_block_result b = {.height = head};
    if (gb_subs_count(r->subs) &&
        !gb_chain_block_header(r->chain, head, &h, b.hash)) {
        b.timestamp = h.timestamp;
        memcpy(b.state_root, h.state_root, 32);
        kept_block k = {.height = head, .timestamp = h.timestamp,
                        .dispatched = h.dispatches, .gas_used = h.gas_used,
                        .events = json_array()};
        memcpy(k.hash, b.hash, 32);
        memcpy(k.state_root, h.state_root, 32);
        json_t *o = k.events ? block_json(&k) : NULL;
        bool bad = !o;
        if (o)
            gb_json_put(o, "parentHash", gb_json_hex(h.parent_hash, 32),
                        &bad);
        if (!bad)
            gb_subs_note_block(r->subs, &b, o, k.events);
        json_decref(o);
        json_decref(k.events);
    }
    gb_rpc_chain_notify_best(r);
    gb_rpc_storage_note_block(r); /* the watched keys' values as reverted */
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
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (!strcmp(methods[i].name, name)) {
            fn = methods[i].fn;
            known = methods[i].name;
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
    rpc_err err = {0};
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

gb_err gb_rpc_handle_session(gb_rpc *r, gb_subs_session *session,
                             const char *req, size_t len, char **out_resp)
{
    r->session = session;
    r->estimates = 0;
    r->req_start_ns = gb_monotonic_ns();
    uint32_t before = r->waiting;
    gb_err e = handle(r, req, len, out_resp);
    /* what this request submitted is durable before it is answered (one
     * sync for a whole batch) */
    if (!e && r->waiting != before && gb_chain_pool_sync(r->chain)) {
        free(*out_resp);
        *out_resp = gb_rpc_error_response(
            GB_RPC_INTERNAL_ERROR,
            "the transaction was accepted but could not be made durable "
            "(pool.log: is the disk full?)");
        e = *out_resp ? GB_OK : GB_NOMEM;
    }
    char det[200] = "";
    if (!e && r->waiting != before && r->cfg.submit_sync &&
        r->cfg.submit_sync(r->cfg.submit_ctx, det, sizeof det)) {
        free(*out_resp);
        char msg[320];
        snprintf(msg, sizeof msg,
                 "the transaction was accepted but the cluster's log did "
                 "not confirm it (%s): it may be lost; sending the same "
                 "signed transaction again is safe (it is taken once)",
                 det);
        *out_resp = gb_rpc_error_response(GB_RPC_INTERNAL_ERROR, msg);
        e = *out_resp ? GB_OK : GB_NOMEM;
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
