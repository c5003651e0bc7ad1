/*
 * The dev node's controls over JSON-RPC (docs/devnode.md, issue #21):
 *
 *   dev_mine              [blocks?, intervalMs?]  -> {blocks: [{height,
 *                         hash, substrateHash}], head}
 *   dev_setMining         [mode, intervalMs?]     -> {mode, intervalMs}
 *   dev_getMining         []                      -> {mode, intervalMs}
 *   dev_setTime           [timestamp]             -> {nextTimestamp}
 *   dev_advanceTime       [ms]                    -> {nextTimestamp}
 *   dev_setBalance        [account, amount]       -> {account, balance,
 *                                                     previous}
 *   dev_impersonate       [account]               -> true
 *   dev_stopImpersonating [account]               -> whether it was
 *   dev_snapshot          []                      -> an id (a number)
 *   dev_revert            [id]                    -> {height, hash,
 *                                                     stateRoot}
 *   dev_sendReply         [from, messageId, payload?, gasLimit?, value?]
 *   dev_claimValue        [from, messageId]
 *
 * (dev_sendMessage and dev_uploadProgram are in rpc.c; with the last two
 * they take as `from` a dev account name — signed with its key — or an
 * impersonated account, submitted without a signature.)
 *
 * Each is refused without --dev (GB_RPC_DEV_ONLY), and each that changes
 * something is logged through the node (gb_devctl_node.log).  Accounts are
 * 0x hex, SS58 or a dev account name.  The controls that touch the chain
 * run while no block is under way (gb_devctl_node.exclusive).
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gearbox/wasm.h" /* gb_monotonic_ns */
#include "node/devctl.h"
#include "node/jsonv.h"
#include "node/keys.h"
#include "node/rpc_int.h"
#include "node/sblocks.h"
#include "util/hex.h"
#include "util/ss58.h"

/* The controls, or NULL with err filled (not a dev node). */
static gb_devctl *devctl(gb_rpc *r, gb_rpc_err *err)
{
    const gb_rpc_cfg *cfg = gb_rpc_config(r);
    if (!cfg->dev)
        return gb_rpc_fail(err, GB_RPC_DEV_ONLY,
                           "dev_* methods need a node started with --dev"),
               NULL;
    if (!cfg->devctl)
        return gb_rpc_fail(err, GB_RPC_DEV_ONLY,
                           "this server has no dev controls (not a node)"),
               NULL;
    return cfg->devctl;
}

static void dev_log(gb_devctl *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void dev_log(gb_devctl *d, const char *fmt, ...)
{
    const gb_devctl_node *ops = gb_devctl_node_ops(d);
    if (!ops->log)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ops->log(ops->ctx, line);
}

static json_t *nomem(gb_rpc_err *err)
{
    return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
}

/* An account: hex, a dev account name, or SS58. */
static bool p_account(json_t *params, const char *name, size_t idx,
                      gb_id *out, gb_rpc_err *err)
{
    json_t *v = gb_rpc_param(params, name, idx);
    if (json_is_string(v)) {
        uint16_t prefix;
        if (!gb_ss58_decode(json_string_value(v), &prefix, out->b, NULL, 0))
            return true;
    }
    return gb_rpc_p_account(params, name, idx, out, err);
}

/* An account as 0x hex. */
static void id_hex(gb_id id, char out[67])
{
    out[0] = '0';
    out[1] = 'x';
    gb_hex_encode(id.b, 32, out + 2);
}

/* ---- mining ---------------------------------------------------------------- */

static json_t *m_mine(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_devctl *d = devctl(r, err);
    uint64_t n, iv;
    if (!d || !gb_rpc_p_u64(params, "blocks", 0, 1, &n, err) ||
        !gb_rpc_p_u64(params, "intervalMs", 1, 0, &iv, err))
        return NULL;
    if (n < 1 || n > GB_DEVCTL_MAX_MINE)
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param blocks: 1 to %u blocks per call",
                           GB_DEVCTL_MAX_MINE);
    if (iv > (1ull << 40))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param intervalMs: at most 2^40");
    uint8_t(*hashes)[32] = malloc(n * 32);
    if (!hashes)
        return nomem(err);
    uint32_t from = gb_chain_height(gb_devctl_chain(d)) + 1, done = 0;
    char det[256] = "";
    const gb_devctl_node *ops = gb_devctl_node_ops(d);
    gb_err e = ops->mine(ops->ctx, (uint32_t)n, iv, hashes, &done, det,
                         sizeof det);
    dev_log(d, "dev_mine: %u block%s (%u to %u)%s%s", done,
            done == 1 ? "" : "s", from, from + done - 1, e ? ": " : "",
            e ? det : "");
    json_t *blocks = json_array(), *o = NULL;
    /* (the blocks just made, taken: kept now, for their Substrate hashes) */
    bool bad = !blocks || gb_rpc_keep_later(r);
    gb_sblocks *sb = gb_rpc_sblocks(r);
    for (uint32_t i = 0; !bad && i < done; i++) {
        json_t *b = json_object();
        uint8_t sh[32];
        bad = !b;
        gb_json_put(b, "height", json_integer(from + i), &bad);
        gb_json_put(b, "hash", gb_json_hex(hashes[i], 32), &bad);
        if (gb_sblocks_hash(sb, from + i, sh))
            gb_json_put(b, "substrateHash", gb_json_hex(sh, 32), &bad);
        if (b && json_array_append_new(blocks, b))
            bad = true;
    }
    free(hashes);
    if (e) {
        json_decref(blocks);
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR,
                           "%u of %llu blocks made: %s", done,
                           (unsigned long long)n, det);
    }
    if (!bad)
        o = json_pack("{s:o,s:i}", "blocks", blocks, "head",
                      (json_int_t)gb_chain_height(gb_devctl_chain(d)));
    else
        json_decref(blocks);
    return o ? o : nomem(err);
}

static json_t *mining_json(gb_devctl *d)
{
    uint64_t iv;
    gb_mining m = gb_devctl_mining(d, &iv);
    return json_pack("{s:s,s:I}", "mode", gb_mining_name(m), "intervalMs",
                     (json_int_t)iv);
}

static json_t *m_set_mining(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_devctl *d = devctl(r, err);
    uint64_t iv;
    if (!d || !gb_rpc_p_u64(params, "intervalMs", 1, 0, &iv, err))
        return NULL;
    json_t *v = gb_rpc_param(params, "mode", 0);
    gb_mining m;
    if (!json_is_string(v) || !gb_mining_parse(json_string_value(v), &m))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param mode: expected \"auto\", \"interval\" or "
                           "\"manual\"");
    if (iv > 3600000)
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param intervalMs: 1 to 3600000");
    gb_devctl_set_mining(d, m, iv);
    uint64_t now;
    gb_devctl_mining(d, &now);
    dev_log(d, "dev_setMining: %s (interval %llu ms)", gb_mining_name(m),
            (unsigned long long)now);
    json_t *o = mining_json(d);
    return o ? o : nomem(err);
}

static json_t *m_get_mining(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    (void)params;
    gb_devctl *d = devctl(r, err);
    if (!d)
        return NULL;
    json_t *o = mining_json(d);
    return o ? o : nomem(err);
}

/* ---- time ------------------------------------------------------------------ */

static json_t *next_ts_json(gb_devctl *d)
{
    gb_chain *c = gb_devctl_chain(d);
    uint64_t ts = gb_devctl_peek_ts(d, gb_devctl_wall_ms(),
                                    gb_chain_timestamp(c));
    return json_pack("{s:I,s:I}", "nextTimestamp", (json_int_t)ts,
                     "headTimestamp", (json_int_t)gb_chain_timestamp(c));
}

static json_t *m_set_time(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_devctl *d = devctl(r, err);
    uint64_t ts;
    if (!d || !gb_rpc_p_u64(params, "timestamp", 0, 0, &ts, err))
        return NULL;
    uint64_t head = gb_chain_timestamp(gb_devctl_chain(d));
    if (gb_devctl_set_time(d, ts))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param timestamp: %llu is not after the head "
                           "block's %llu (ms since the epoch): time never "
                           "goes back",
                           (unsigned long long)ts, (unsigned long long)head);
    dev_log(d, "dev_setTime: the next block at %llu ms",
            (unsigned long long)ts);
    json_t *o = next_ts_json(d);
    return o ? o : nomem(err);
}

static json_t *m_advance_time(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_devctl *d = devctl(r, err);
    uint64_t ms;
    if (!d)
        return NULL;
    json_t *v = gb_rpc_param(params, "ms", 0);
    if (json_is_integer(v) && json_integer_value(v) < 0)
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param ms: time never goes back (a negative "
                           "amount)");
    if (!v)
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS, "missing param ms");
    if (!gb_rpc_p_u64(params, "ms", 0, 0, &ms, err))
        return NULL;
    if (gb_devctl_advance(d, ms))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param ms: too far (past 2^62 ms)");
    dev_log(d, "dev_advanceTime: +%llu ms", (unsigned long long)ms);
    json_t *o = next_ts_json(d);
    return o ? o : nomem(err);
}

/* ---- balances -------------------------------------------------------------- */

typedef struct set_balance_op {
    gb_chain *c;
    gb_id who;
    gb_u128 amount, old;
    char det[256];
} set_balance_op;

static gb_err do_set_balance(void *arg)
{
    set_balance_op *op = arg;
    return gb_chain_dev_set_balance(op->c, op->who, op->amount, &op->old,
                                    op->det, sizeof op->det);
}

static json_t *m_set_balance(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_devctl *d = devctl(r, err);
    set_balance_op op = {.c = gb_rpc_chain(r)};
    if (!d || !p_account(params, "account", 0, &op.who, err))
        return NULL;
    if (!gb_rpc_param(params, "amount", 1))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS, "missing param amount");
    if (!gb_rpc_p_u128(params, "amount", 1, &op.amount, err))
        return NULL;
    const gb_devctl_node *ops = gb_devctl_node_ops(d);
    gb_err e = ops->exclusive(ops->ctx, do_set_balance, &op);
    if (e == GB_OVERFLOW)
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param amount: %s", op.det);
    if (e)
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "set balance: %s",
                           op.det[0] ? op.det : gb_err_str(e));
    char hex[67], a[40], b[40];
    id_hex(op.who, hex);
    gb_u128_to_dec(op.amount, a);
    gb_u128_to_dec(op.old, b);
    /* the value audit, after (O(state): a dev chain's is small) */
    gb_chain_totals t;
    bool holds = !gb_chain_audit(op.c, &t) &&
                 gb_chain_totals_conserved(&t, NULL);
    char iss[40];
    gb_u128_to_dec(t.issuance, iss);
    dev_log(d, "dev_setBalance: %s = %s (was %s; issuance %s)", hex, a, b,
            iss);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b}", "account", hex, "balance",
                          a, "previous", b, "issuance", iss, "auditHolds",
                          holds);
    return o ? o : nomem(err);
}

/* ---- impersonation --------------------------------------------------------- */

static json_t *m_impersonate(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_devctl *d = devctl(r, err);
    gb_id who;
    if (!d || !p_account(params, "account", 0, &who, err))
        return NULL;
    gb_err e = gb_devctl_impersonate(d, who);
    if (e == GB_LIMIT)
        return gb_rpc_fail(err, GB_RPC_TOO_LARGE,
                           "too many impersonated accounts (1024): stop "
                           "some first");
    if (e)
        return nomem(err);
    char hex[67];
    id_hex(who, hex);
    dev_log(d, "dev_impersonate: %s", hex);
    return json_true();
}

static json_t *m_stop_impersonating(gb_rpc *r, json_t *params,
                                    gb_rpc_err *err)
{
    gb_devctl *d = devctl(r, err);
    gb_id who;
    if (!d || !p_account(params, "account", 0, &who, err))
        return NULL;
    bool was = gb_devctl_stop_impersonating(d, who);
    char hex[67];
    id_hex(who, hex);
    dev_log(d, "dev_stopImpersonating: %s%s", hex,
            was ? "" : " (was not impersonated)");
    return json_boolean(was);
}

bool gb_rpc_impersonated(gb_rpc *r, gb_id account)
{
    const gb_rpc_cfg *cfg = gb_rpc_config(r);
    return cfg->dev && gb_devctl_impersonated(cfg->devctl, account);
}

json_t *gb_rpc_dev_submit_as(gb_rpc *r, gb_id from, const gb_tx_body *body,
                             gb_rpc_err *err)
{
    gb_devctl *d = devctl(r, err);
    if (!d)
        return NULL;
    char hex[67];
    id_hex(from, hex);
    if (!gb_devctl_impersonated(d, from))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param from: %s is neither a dev account name "
                           "(alice ... harry) nor impersonated "
                           "(dev_impersonate)",
                           hex);
    gb_tx txs[2];
    uint32_t n, nq;
    gb_tx_body_to_chain(body, from, txs, &n);
    gb_id ids[2], id, msg;
    if (!gb_rpc_submit_txs(r, from, txs, n, ids, &nq, &id, &msg, err))
        return NULL;
    dev_log(d, "%s as %s (impersonated)", gb_tx_wire_kind_name(body->kind),
            hex);
    json_t *o = json_object();
    bool bad = !o;
    gb_json_put(o, "kind", json_string(gb_tx_wire_kind_name(body->kind)),
                &bad);
    gb_json_put(o, "from", json_string(hex), &bad);
    gb_json_put(o, "impersonated", json_true(), &bad);
    if (body->kind == GB_TXW_UPLOAD_PROGRAM ||
        body->kind == GB_TXW_CREATE_PROGRAM) {
        gb_json_put(o, "programId", gb_json_id(id), &bad);
        gb_json_put(o, "messageId", gb_json_id(msg), &bad);
    } else if (body->kind == GB_TXW_UPLOAD_CODE) {
        gb_json_put(o, "codeId", gb_json_id(id), &bad);
    } else if (body->kind != GB_TXW_CLAIM_VALUE) {
        gb_json_put(o, "messageId", gb_json_id(msg), &bad);
    }
    if (bad) {
        json_decref(o);
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR,
                           "transaction accepted, but the response could "
                           "not be built: out of memory");
    }
    return o;
}

static json_t *m_send_reply(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_tx_body body = {.kind = GB_TXW_SEND_REPLY};
    uint8_t *payload = NULL;
    size_t plen;
    json_t *res = NULL;
    const gb_rpc_cfg *cfg = gb_rpc_config(r);
    if (!devctl(r, err) ||
        !gb_rpc_p_id(params, "messageId", 1, &body.target, err) ||
        !gb_rpc_p_bytes(params, "payload", 2, false,
                        cfg->tx_limits.max_payload_len, &payload, &plen,
                        err) ||
        !gb_rpc_p_u64(params, "gasLimit", 3, cfg->default_gas,
                      &body.gas_limit, err) ||
        !gb_rpc_p_u128(params, "value", 4, &body.value, err))
        goto out;
    body.payload = payload;
    body.payload_len = (uint32_t)plen;
    res = gb_rpc_dev_submit(r, params, &body, err);
out:
    free(payload);
    return res;
}

static json_t *m_claim_value(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_tx_body body = {.kind = GB_TXW_CLAIM_VALUE};
    if (!devctl(r, err) ||
        !gb_rpc_p_id(params, "messageId", 1, &body.target, err))
        return NULL;
    return gb_rpc_dev_submit(r, params, &body, err);
}

/* ---- snapshots ------------------------------------------------------------- */

typedef struct snap_op {
    gb_chain *c;
    uint32_t id;
    char det[256];
} snap_op;

static gb_err do_snapshot(void *arg)
{
    snap_op *op = arg;
    return gb_chain_dev_snapshot(op->c, &op->id);
}

static gb_err do_revert(void *arg)
{
    snap_op *op = arg;
    return gb_chain_dev_revert(op->c, op->id, op->det, sizeof op->det);
}

static json_t *m_snapshot(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    (void)params;
    gb_devctl *d = devctl(r, err);
    if (!d)
        return NULL;
    snap_op op = {.c = gb_rpc_chain(r)};
    const gb_devctl_node *ops = gb_devctl_node_ops(d);
    uint64_t t0 = gb_monotonic_ns();
    gb_err e = ops->exclusive(ops->ctx, do_snapshot, &op);
    if (e)
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "snapshot: %s",
                           gb_err_str(e));
    dev_log(d, "dev_snapshot: %u at height %u (%.1f ms)", op.id,
            gb_chain_height(op.c),
            (double)(gb_monotonic_ns() - t0) / 1e6);
    return json_integer(op.id);
}

static json_t *m_revert(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_devctl *d = devctl(r, err);
    uint64_t id;
    if (!d)
        return NULL;
    json_t *v = gb_rpc_param(params, "id", 0);
    if (!v)
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS, "missing param id");
    /* anvil's ids are hex strings: "0x1" is taken too */
    if (json_is_string(v) && !strncmp(json_string_value(v), "0x", 2)) {
        char *end;
        id = strtoull(json_string_value(v) + 2, &end, 16);
        if (*end || end == json_string_value(v) + 2)
            return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                               "param id: expected a snapshot id");
    } else if (!gb_rpc_p_u64(params, "id", 0, 0, &id, err)) {
        return NULL;
    }
    if (id == 0 || id > UINT32_MAX)
        return gb_rpc_fail(err, GB_RPC_NOT_FOUND, "no snapshot %llu",
                           (unsigned long long)id);
    snap_op op = {.c = gb_rpc_chain(r), .id = (uint32_t)id};
    const gb_devctl_node *ops = gb_devctl_node_ops(d);
    uint64_t t0 = gb_monotonic_ns();
    gb_err e = ops->exclusive(ops->ctx, do_revert, &op);
    double ms = (double)(gb_monotonic_ns() - t0) / 1e6;
    if (e == GB_NOT_FOUND)
        return gb_rpc_fail(err, GB_RPC_NOT_FOUND, "no snapshot %u: %s",
                           op.id, op.det);
    if (e)
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "revert: %s",
                           op.det[0] ? op.det : gb_err_str(e));
    /* what the dispatcher kept of the blocks after it goes; the
     * subscriptions hear of the new head */
    gb_rpc_reverted(r);
    gb_block_header h;
    uint8_t hash[32], root[32];
    uint32_t height = gb_chain_height(op.c);
    if (gb_chain_block_header(op.c, height, &h, hash) ||
        gb_chain_state_root(op.c, root))
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR,
                           "reverted, but the head cannot be read");
    dev_log(d, "dev_revert: %u, back at height %u (%.1f ms)", op.id, height,
            ms);
    json_t *o = json_pack("{s:i,s:o,s:o,s:I}", "height", (json_int_t)height,
                          "hash", gb_json_hex(hash, 32), "stateRoot",
                          gb_json_hex(root, 32), "timestamp",
                          (json_int_t)h.timestamp);
    return o ? o : nomem(err);
}

/* ---- the table --------------------------------------------------------------- */

static const struct {
    const char *name;
    gb_rpc_method_fn fn;
} dev_methods[] = {
    {"dev_mine", m_mine},
    {"dev_setMining", m_set_mining},
    {"dev_getMining", m_get_mining},
    {"dev_setTime", m_set_time},
    {"dev_advanceTime", m_advance_time},
    {"dev_setBalance", m_set_balance},
    {"dev_impersonate", m_impersonate},
    {"dev_stopImpersonating", m_stop_impersonating},
    {"dev_snapshot", m_snapshot},
    {"dev_revert", m_revert},
    {"dev_sendReply", m_send_reply},
    {"dev_claimValue", m_claim_value},
};

gb_rpc_method_fn gb_rpc_dev_method(const char *name, const char **out_name)
{
    for (size_t i = 0; i < sizeof dev_methods / sizeof *dev_methods; i++)
        if (!strcmp(dev_methods[i].name, name)) {
            *out_name = dev_methods[i].name;
            return dev_methods[i].fn;
        }
    return NULL;
}

const char *gb_rpc_dev_method_name(size_t i)
{
    return i < sizeof dev_methods / sizeof *dev_methods ? dev_methods[i].name
                                                         : NULL;
}
