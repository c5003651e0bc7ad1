/*
 * The dispatcher's recent blocks: what gb_rpc_note_block keeps of each
 * block, the methods that read it (chain_getHead, gearbox_getBlock,
 * chain_getEvents), the new-head and event notifications, and the ring
 * rebuilt after a revert (gb_rpc_reverted).
 *
 * Blocks and their events are kept in a ring of the last cfg.event_blocks
 * blocks (the events copied; their JSON built once, when first asked
 * for: most blocks' never are, and a cluster's replicas each keep every
 * block), for gearbox_getBlock and chain_getEvents, and the same JSON
 * goes to the subscriptions (node/subs.h) of the sessions that transports
 * keep open (WebSocket).  A block no longer in
 * the ring is served from its stored header, without events.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "gear/codes.h"
#include "node/explore.h"
#include "node/jsonv.h"
#include "node/metrics.h"
#include "node/rpc_int.h"
#include "node/sblocks.h"
#include "node/subs.h"
#include "util/hex.h"

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
    gb_json_put(o, "events", json_integer((json_int_t)b->nev), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const kept_block *kept(const gb_rpc *r, uint32_t i);
static gb_err note_block(gb_rpc *r, const gb_block_result *b);

void gb_rpc_kept_free(kept_block *k)
{
    for (uint32_t i = 0; i < k->nev; i++) {
        free(k->ev[i].payload);
        free(k->ev[i].debug);
    }
    free(k->ev);
    json_decref(k->events);
    k->ev = NULL;
    k->nev = 0;
    k->events = NULL;
}

/* The events of b copied into k (what event_json reads). */
static gb_err kept_copy(kept_block *k, const gb_block_result *b)
{
    k->nev = 0;
    k->ev = b->nevents ? malloc(b->nevents * sizeof *k->ev) : NULL;
    if (b->nevents && !k->ev)
        return GB_NOMEM;
    for (uint32_t i = 0; i < b->nevents; i++, k->nev++) {
        gb_event *e = &k->ev[i];
        *e = b->events[i];
        e->sent = NULL;
        e->nsent = 0;
        e->payload = NULL;
        e->debug = NULL;
        if (b->events[i].payload_len &&
            !(e->payload = malloc(b->events[i].payload_len)))
            return GB_NOMEM;
        if (e->payload)
            memcpy(e->payload, b->events[i].payload,
                   b->events[i].payload_len);
        if (b->events[i].debug && !(e->debug = strdup(b->events[i].debug))) {
            free(e->payload);
            return GB_NOMEM;
        }
    }
    return GB_OK;
}

/* Kept block k's events as JSON, built the first time (NULL: out of
 * memory). */
static json_t *kept_events(const kept_block *kc)
{
    kept_block *k = (kept_block *)kc; /* (the cache only) */
    if (k->events)
        return k->events;
    json_t *evs = json_array();
    for (uint32_t i = 0; evs && i < k->nev; i++) {
        json_t *e = event_json(k->height, &k->ev[i]);
        if (!e || json_array_append_new(evs, e)) {
            json_decref(evs);
            evs = NULL;
        }
    }
    return k->events = evs;
}

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
    json_t *evs = kept_events(k);
    bool bad = !head || !evs;
    if (head)
        gb_json_put(head, "parentHash", parent ? gb_json_hex(parent, 32) : json_null(),
            &bad);
    gb_err e = bad ? GB_NOMEM : gb_subs_note_block(r->subs, b, head, evs);
    json_decref(head);
    return e;
}

/* Block b into the ring, the explorer's and the Substrate blocks, its
 * notifications sent. */
static gb_err keep_block(gb_rpc *r, const gb_block_result *b)
{
    gb_err xe = gb_explore_note_block(r->explore, b);
    gb_err ne = note_block(r, b);
    return ne ? ne : xe;
}

gb_err gb_rpc_note_block(gb_rpc *r, const gb_block_result *b)
{
    gb_err le = gb_rpc_keep_later(r); /* (in height order) */
    r->waiting = 0;
    gb_metrics_note_block(r->metrics, b);
    gb_err e = keep_block(r, b);
    return e ? e : le;
}

gb_err gb_rpc_note_block_take(gb_rpc *r, gb_block_result *b)
{
    if (gb_subs_count(r->subs)) { /* notifications go out now */
        gb_err e = gb_rpc_note_block(r, b);
        gb_chain_result_recycle(r->chain, b);
        memset(b, 0, sizeof *b);
        return e;
    }
    r->waiting = 0;
    gb_metrics_note_block(r->metrics, b);
    uint32_t cap = r->cfg.event_blocks;
    if (r->nlater == cap) {
        /* the oldest would leave every ring (each holds at most cap
         * blocks) before anyone could read it: not kept at all */
        gb_block_result *o = &r->later[r->later_first];
        gb_sblocks_pass(r->sblocks, o);
        gb_block_result_free(o);
        r->later_first = (r->later_first + 1) % cap;
        r->nlater--;
    }
    r->later[(r->later_first + r->nlater++) % cap] = *b;
    memset(b, 0, sizeof *b);
    return GB_OK;
}

gb_err gb_rpc_keep_later(gb_rpc *r)
{
    gb_err e = GB_OK;
    for (; r->nlater; r->nlater--) {
        gb_block_result *o = &r->later[r->later_first];
        gb_err ke = keep_block(r, o);
        e = e ? e : ke;
        gb_block_result_free(o);
        r->later_first = (r->later_first + 1) % r->cfg.event_blocks;
    }
    return e;
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
    kept_block nk = {.height = b->height,
                     .timestamp = b->timestamp,
                     .dispatched = b->dispatched,
                     .gas_used = b->gas_used,
                     .queued_left = b->queued_left};
    if (kept_copy(&nk, b)) {
        gb_rpc_kept_free(&nk);
        return GB_NOMEM;
    }
    uint32_t cap = r->cfg.event_blocks;
    if (r->count == cap) {
        gb_rpc_kept_free(&r->ring[r->first]);
        r->first = (r->first + 1) % cap;
        r->count--;
    }
    kept_block *k = &r->ring[(r->first + r->count) % cap];
    *k = nk;
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

json_t *gb_rpc_m_head(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    uint8_t root[32];
    gb_err e = gb_chain_state_root(r->chain, root);
    if (e) /* (not a zero root) */
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "state root: %s",
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
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "block header: %s",
                           gb_err_str(e));
    json_t *o = json_object();
    bool bad = !o;
    if (bad)
        return gb_rpc_nomem(err);
    gb_json_put(o, "height", json_integer(h), &bad);
    gb_json_put(o, "hash", have_hash ? gb_json_hex(hash, 32) : json_null(), &bad);
    gb_json_put(o, "timestamp", json_integer((json_int_t)gb_chain_timestamp(r->chain)),
        &bad);
    gb_json_put(o, "stateRoot", gb_json_hex(root, 32), &bad);
    if (bad) {
        json_decref(o);
        return gb_rpc_nomem(err);
    }
    return o;
}

/* A block no longer kept, from its stored header: no events. */
static json_t *stored_block_json(const gb_block_header *h,
                                 const uint8_t hash[32], gb_rpc_err *err)
{
    json_t *o = json_object();
    bool bad = !o;
    if (bad)
        return gb_rpc_nomem(err);
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
        return gb_rpc_nomem(err);
    }
    return o;
}

json_t *gb_rpc_m_block(gb_rpc *r, json_t *params, gb_rpc_err *err)
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
            return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                               "param hash: expected 0x and 64 hex digits");
        for (uint32_t i = 0; i < r->count && !found; i++)
            if (!memcmp(kept(r, i)->hash, hash, 32))
                found = kept(r, i);
        if (!found && !gb_chain_block_by_hash(r->chain, hash, &hd))
            return stored_block_json(&hd, hash, err);
        if (!found)
            return gb_rpc_fail(err, GB_RPC_NOT_FOUND,
                               "no block with that hash");
    } else {
        uint64_t h;
        if (!gb_rpc_param(params, "height", 0))
            return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                               "missing param height (or hash)");
        if (!gb_rpc_p_u64(params, "height", 0, 0, &h, err))
            return NULL;
        for (uint32_t i = 0; i < r->count && !found; i++)
            if (kept(r, i)->height == h)
                found = kept(r, i);
        if (!found && h <= UINT32_MAX &&
            !gb_chain_block_header(r->chain, (uint32_t)h, &hd, hash))
            return stored_block_json(&hd, hash, err);
        if (!found)
            return gb_rpc_fail(err, GB_RPC_NOT_FOUND,
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
    return o ? o : gb_rpc_nomem(err);
}

json_t *gb_rpc_m_events(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    uint64_t from, limit;
    if (!gb_rpc_p_u64(params, "fromHeight", 0, 0, &from, err) ||
        !gb_rpc_p_u64(params, "limit", 1, r->cfg.max_events, &limit, err))
        return NULL;
    if (limit == 0 || limit > r->cfg.max_events)
        limit = r->cfg.max_events;
    json_t *evs = json_array();
    if (!evs)
        return gb_rpc_nomem(err);
    uint64_t next = from;
    uint32_t oldest = r->count ? kept(r, 0)->height : 0;
    for (uint32_t i = 0; i < r->count; i++) {
        const kept_block *b = kept(r, i);
        if (b->height < from)
            continue;
        size_t n = b->nev;
        /* whole blocks only, so `next` never splits one */
        if (json_array_size(evs) && json_array_size(evs) + n > limit)
            break;
        json_t *bev = kept_events(b);
        if (!bev || json_array_extend(evs, bev)) {
            json_decref(evs);
            return gb_rpc_nomem(err);
        }
        next = (uint64_t)b->height + 1;
    }
    json_t *o = json_pack("{s:o,s:I,s:I,s:I,s:b}", "events", evs, "next",
                          (json_int_t)next, "head",
                          (json_int_t)gb_chain_height(r->chain), "oldest",
                          (json_int_t)oldest, "missed",
                          /* (block 0, the genesis, has no events) */
                          r->count && from < oldest && oldest > 1);
    return o ? o : gb_rpc_nomem(err);
}


void gb_rpc_reverted(gb_rpc *r)
{
    /* (kept first, as gb_rpc_note_block would have: then dropped below) */
    if (gb_rpc_keep_later(r))
        fprintf(stderr, "blocks not kept for RPC (out of memory)\n");
    uint32_t head = gb_chain_height(r->chain);
    while (r->count && kept(r, r->count - 1)->height > head) {
        r->count--;
        kept_block *k = &r->ring[(r->first + r->count) % r->cfg.event_blocks];
        gb_rpc_kept_free(k);
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
                        .events = json_array()}; /* (no events) */
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
