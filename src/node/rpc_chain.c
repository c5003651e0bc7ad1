/*
 * Substrate's chain_* methods over the node's Substrate-shaped blocks
 * (node/sblocks.h; shapes in shared/GEAR-RPC.md §1): chain_getBlockHash,
 * chain_getHeader, chain_getBlock, chain_getFinalizedHead and the new /
 * finalized heads subscriptions (wire names chain_subscribeNewHead,
 * notification chain_newHead; chain_subscribeFinalizedHeads, notification
 * chain_finalizedHead).  A dev node finalizes every block at once, so
 * finalized = best.  A subscription gets the current best header at once,
 * then one per block.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "node/rpc_int.h"
#include "node/sblocks.h"
#include "node/subs.h"
#include "node/jsonv.h"
#include "util/hex.h"

static json_t *nomem(gb_rpc_err *err)
{
    return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
}


static json_t *header_json(const gb_sblock *b)
{
    char num[16];
    snprintf(num, sizeof num, "0x%x", b->number);
    return json_pack("{s:o,s:s,s:o,s:o,s:{s:[]}}", "parentHash",
                     gb_json_hex(b->parent, 32), "number", num, "stateRoot",
                     gb_json_hex(b->state_root, 32), "extrinsicsRoot",
                     gb_json_hex(b->extrinsics_root, 32), "digest", "logs");
}

/* The block a [hash?] param names (the best without one); false with err
 * filled on a malformed hash, *found false for an unknown one. */
static bool block_param(gb_rpc *r, json_t *params, uint32_t *out,
                        bool *found, gb_rpc_err *err)
{
    gb_sblocks *s = gb_rpc_sblocks(r);
    json_t *v = gb_rpc_param(params, "hash", 0);
    *found = true;
    if (!v) {
        *out = gb_sblocks_best(s);
        return true;
    }
    uint8_t h[32];
    size_t n;
    const char *t = json_is_string(v) ? json_string_value(v) : NULL;
    if (t && t[0] == '0' && t[1] == 'x')
        t += 2;
    if (!t || strlen(t) != 64 || gb_hex_decode(t, h, 32, &n) || n != 32) {
        gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                    "param hash: expected a 32-byte block hash");
        return false;
    }
    *found = gb_sblocks_find(s, h, out);
    return true;
}

json_t *gb_rpc_m_chain_block_hash(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_sblocks *s = gb_rpc_sblocks(r);
    json_t *v = gb_rpc_param(params, "height", 0);
    uint32_t height = gb_sblocks_best(s);
    if (v) {
        /* a number, or hex as polkadot.js sends a BlockNumber > 2^53 */
        if (json_is_integer(v) && json_integer_value(v) >= 0 &&
            json_integer_value(v) <= UINT32_MAX) {
            height = (uint32_t)json_integer_value(v);
        } else if (json_is_string(v)) {
            char *end = NULL;
            unsigned long long h = strtoull(json_string_value(v), &end, 0);
            if (!end || *end || h > UINT32_MAX)
                return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                                   "param height: expected a block number");
            height = (uint32_t)h;
        } else {
            return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                               "param height: expected a block number");
        }
    }
    uint8_t hash[32];
    if (!gb_sblocks_hash(s, height, hash))
        return json_null(); /* not produced yet */
    json_t *o = gb_json_hex(hash, 32);
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_chain_finalized_head(gb_rpc *r, json_t *params,
                                      gb_rpc_err *err)
{
    gb_sblocks *s = gb_rpc_sblocks(r);
    uint8_t hash[32];
    gb_sblocks_hash(s, gb_sblocks_best(s), hash);
    json_t *o = gb_json_hex(hash, 32);
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_chain_header(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    uint32_t n;
    bool found;
    if (!block_param(r, params, &n, &found, err))
        return NULL;
    if (!found)
        return json_null();
    gb_sblock tmp;
    const gb_sblock *b;
    gb_err e = gb_sblocks_get(gb_rpc_sblocks(r), n, &tmp, &b);
    if (e == GB_NOT_FOUND)
        return json_null();
    if (e)
        return nomem(err);
    json_t *o = header_json(b);
    gb_sblock_clear(&tmp);
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_chain_block(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    uint32_t n;
    bool found;
    if (!block_param(r, params, &n, &found, err))
        return NULL;
    if (!found)
        return json_null();
    gb_sblock tmp;
    const gb_sblock *b;
    gb_err e = gb_sblocks_get(gb_rpc_sblocks(r), n, &tmp, &b);
    if (e == GB_NOT_FOUND)
        return json_null();
    if (e)
        return nomem(err);
    json_t *xts = json_array();
    bool bad = !xts;
    for (uint32_t i = 0; !bad && i < b->nxt; i++)
        bad = json_array_append_new(xts, gb_json_hex(b->xt[i], b->xt_len[i]));
    json_t *o = bad ? NULL
                    : json_pack("{s:{s:o,s:o},s:n}", "block", "header",
                                header_json(b), "extrinsics", xts,
                                "justifications");
    if (bad)
        json_decref(xts);
    gb_sblock_clear(&tmp);
    return o ? o : nomem(err);
}

static json_t *sub_heads(gb_rpc *r, gb_sub_kind kind, const char *method,
                         gb_rpc_err *err)
{
    gb_subs_session *ss = gb_rpc_session(r);
    if (!ss)
        return gb_rpc_fail(err, GB_RPC_METHOD_NOT_FOUND,
                           "subscriptions need a WebSocket connection");
    uint64_t id;
    gb_err e = gb_subs_add(ss, kind, NULL, &id);
    if (e == GB_LIMIT)
        return gb_rpc_fail(err, GB_RPC_TOO_LARGE,
                           "too many subscriptions on this connection: "
                           "unsubscribe one first");
    if (e)
        return nomem(err);
    /* the best header at once, as Substrate does */
    gb_sblocks *s = gb_rpc_sblocks(r);
    gb_sblock tmp;
    const gb_sblock *b;
    if (!gb_sblocks_get(s, gb_sblocks_best(s), &tmp, &b)) {
        json_t *h = header_json(b);
        char *text = h ? json_dumps(h, JSON_COMPACT) : NULL;
        if (text)
            gb_subs_notify(ss, method, id, text);
        free(text);
        json_decref(h);
        gb_sblock_clear(&tmp);
    }
    json_t *o = json_integer((json_int_t)id);
    return o ? o : nomem(err);
}

static json_t *unsub(gb_rpc *r, json_t *params, gb_sub_kind kind,
                     gb_rpc_err *err)
{
    gb_subs_session *ss = gb_rpc_session(r);
    json_t *v = gb_rpc_param(params, "subscription", 0);
    if (!json_is_integer(v) && !json_is_string(v))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param subscription: expected the id");
    uint64_t id = json_is_integer(v)
                      ? (uint64_t)json_integer_value(v)
                      : strtoull(json_string_value(v), NULL, 0);
    bool ok = ss && !gb_subs_remove(ss, kind, id);
    return ok ? json_true() : json_false();
}

json_t *gb_rpc_m_chain_sub_heads(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return sub_heads(r, GB_SUB_CHAIN_HEADS, "chain_newHead", err);
}

json_t *gb_rpc_m_chain_unsub_heads(gb_rpc *r, json_t *params,
                                   gb_rpc_err *err)
{
    return unsub(r, params, GB_SUB_CHAIN_HEADS, err);
}

json_t *gb_rpc_m_chain_sub_finalized(gb_rpc *r, json_t *params,
                                     gb_rpc_err *err)
{
    return sub_heads(r, GB_SUB_FINALIZED_HEADS, "chain_finalizedHead", err);
}

json_t *gb_rpc_m_chain_unsub_finalized(gb_rpc *r, json_t *params,
                                       gb_rpc_err *err)
{
    return unsub(r, params, GB_SUB_FINALIZED_HEADS, err);
}

typedef struct head_note {
    const char *method;
    const char *text;
} head_note;

static void send_head(void *ctx, gb_subs_session *ss, uint64_t id,
                      void *data)
{
    const head_note *h = ctx;
    gb_subs_notify(ss, h->method, id, h->text);
}

void gb_rpc_chain_notify_best(gb_rpc *r)
{
    gb_sblocks *s = gb_rpc_sblocks(r);
    gb_subs *subs = gb_rpc_subs(r);
    gb_sblock tmp;
    const gb_sblock *k;
    if (!gb_subs_count(subs) ||
        gb_sblocks_get(s, gb_sblocks_best(s), &tmp, &k))
        return;
    json_t *h = header_json(k);
    char *text = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    gb_sblock_clear(&tmp);
    if (!text)
        return;
    head_note n = {"chain_newHead", text};
    gb_subs_each(subs, GB_SUB_CHAIN_HEADS, send_head, &n);
    n.method = "chain_finalizedHead";
    gb_subs_each(subs, GB_SUB_FINALIZED_HEADS, send_head, &n);
    free(text);
}

gb_err gb_rpc_chain_note_block(gb_rpc *r, const gb_block_result *b)
{
    gb_sblocks *s = gb_rpc_sblocks(r);
    gb_err e = gb_sblocks_note(s, b);
    gb_subs *subs = gb_rpc_subs(r);
    if (!gb_subs_count(subs))
        return e;
    gb_sblock tmp;
    const gb_sblock *k;
    if (gb_sblocks_get(s, b->height, &tmp, &k))
        return GB_NOMEM;
    json_t *h = header_json(k);
    char *text = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    gb_sblock_clear(&tmp);
    if (!text)
        return GB_NOMEM;
    head_note n = {"chain_newHead", text};
    gb_subs_each(subs, GB_SUB_CHAIN_HEADS, send_head, &n);
    n.method = "chain_finalizedHead";
    gb_subs_each(subs, GB_SUB_FINALIZED_HEADS, send_head, &n);
    free(text);
    gb_rpc_storage_note_block(r);
    gb_rpc_author_note_block(r);
    return e;
}
