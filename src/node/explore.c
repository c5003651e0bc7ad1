/*
 * The explorer's memory of recent blocks (see explore.h).
 *
 * Events are kept as they came, block by block, in a ring; nothing is
 * merged as blocks arrive, so noting a block costs a copy of its events
 * and no lookups.  A request builds a view: one record per message id
 * found in the kept events (its queueing, runs, waits, arrival at a user),
 * through a hash table made for the request, then the links: each
 * DISPATCHED event's sent ids are children of the message that ran, a
 * user's reply names the message it answers, and any other reply is found
 * by hashing each message's id into its reply id (one BLAKE2b per
 * message).  A view costs O(events kept), a few milliseconds at the
 * bounds, and only when a page asks.
 */
#include "node/explore.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "node/jsonv.h"
#include "gear/codes.h"
#include "gear/ids.h"
#include "util/hex.h"

#define DEFAULT_BLOCKS 256u
#define DEFAULT_EVENTS 50000u

typedef struct ex_ev {
    gb_event_kind kind;
    gb_outcome outcome;
    bool is_reply;
    uint8_t reply_code[4];
    gb_id id, source, destination, reply_to;
    uint64_t gas;
    gb_u128 value;
    uint8_t *payload; /* the first GB_EXPLORE_PAYLOAD bytes, owned */
    uint32_t payload_len, full_len;
    gb_id *sent;      /* owned */
    uint32_t nsent;
} ex_ev;

typedef struct ex_block {
    uint32_t height;
    uint64_t timestamp;
    uint8_t hash[32];
    uint32_t dispatched;
    uint64_t gas_used;
    uint32_t queued_left;
    uint32_t nevents_all; /* the block's events, kept or not */
    ex_ev *ev;
    uint32_t nev;
} ex_block;

struct gb_explore {
    ex_block *ring;
    uint32_t cap, first, count;
    uint64_t nev, max_events; /* events kept in all blocks, and the bound */
};

gb_err gb_explore_new(uint32_t max_blocks, uint32_t max_events,
                      gb_explore **out)
{
    gb_explore *x = calloc(1, sizeof *x);
    if (!x)
        return GB_NOMEM;
    x->cap = max_blocks ? max_blocks : DEFAULT_BLOCKS;
    x->max_events = max_events ? max_events : DEFAULT_EVENTS;
    if (!(x->ring = calloc(x->cap, sizeof *x->ring))) {
        free(x);
        return GB_NOMEM;
    }
    *out = x;
    return GB_OK;
}

static void block_clear(ex_block *b)
{
    for (uint32_t i = 0; i < b->nev; i++) {
        free(b->ev[i].payload);
        free(b->ev[i].sent);
    }
    free(b->ev);
    memset(b, 0, sizeof *b);
}

static ex_block *kept(const gb_explore *x, uint32_t i)
{
    return &x->ring[(x->first + i) % x->cap];
}

static void drop_oldest(gb_explore *x)
{
    ex_block *b = kept(x, 0);
    x->nev -= b->nev;
    block_clear(b);
    x->first = (x->first + 1) % x->cap;
    x->count--;
}

void gb_explore_free(gb_explore *x)
{
    if (!x)
        return;
    while (x->count)
        drop_oldest(x);
    free(x->ring);
    free(x);
}

uint32_t gb_explore_oldest(const gb_explore *x)
{
    return x->count ? kept(x, 0)->height : 0;
}

gb_err gb_explore_note_block(gb_explore *x, const gb_block_result *b)
{
    uint32_t n = b->nevents;
    if (n > x->max_events)
        n = (uint32_t)x->max_events;
    ex_block nb = {.height = b->height,
                   .timestamp = b->timestamp,
                   .dispatched = b->dispatched,
                   .gas_used = b->gas_used,
                   .queued_left = b->queued_left,
                   .nevents_all = b->nevents};
    memcpy(nb.hash, b->hash, 32);
    if (n && !(nb.ev = calloc(n, sizeof *nb.ev)))
        return GB_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const gb_event *e = &b->events[i];
        ex_ev *v = &nb.ev[nb.nev++];
        *v = (ex_ev){.kind = e->kind,
                     .outcome = e->outcome,
                     .is_reply = e->is_reply,
                     .id = e->id,
                     .source = e->source,
                     .destination = e->destination,
                     .reply_to = e->reply_to,
                     .gas = e->gas_burned,
                     .value = e->value,
                     .full_len = e->payload_len};
        memcpy(v->reply_code, e->reply_code, 4);
        uint32_t len = e->payload_len < GB_EXPLORE_PAYLOAD ? e->payload_len
                                                           : GB_EXPLORE_PAYLOAD;
        if (len) {
            if (!(v->payload = malloc(len)))
                goto oom;
            memcpy(v->payload, e->payload, len);
            v->payload_len = len;
        }
        if (e->nsent) {
            if (!(v->sent = malloc((size_t)e->nsent * sizeof *v->sent)))
                goto oom;
            memcpy(v->sent, e->sent, (size_t)e->nsent * sizeof *v->sent);
            v->nsent = e->nsent;
        }
    }
    while (x->count && (x->count == x->cap || x->nev + n > x->max_events))
        drop_oldest(x);
    *kept(x, x->count) = nb;
    x->count++;
    x->nev += n;
    return GB_OK;
oom:
    block_clear(&nb);
    return GB_NOMEM;
}

/* ---- views: one record per message -------------------------------------- */

typedef struct msg {
    gb_id id, source, destination, reply_to;
    uint32_t height, last_height;
    int32_t parent;     /* index, or -1 */
    bool from_user;     /* queued by a transaction */
    bool to_user, is_reply, has_code, waited, woken;
    gb_outcome outcome; /* of the last run */
    uint32_t runs;
    uint64_t gas;
    gb_u128 value;
    uint8_t code[4];
    const uint8_t *payload; /* borrowed from the ring */
    uint32_t payload_len, full_len;
    bool has_payload;
} msg;

typedef struct view {
    msg *m;
    uint32_t n;
    int32_t *tab; /* open addressing: index into m, -1 empty */
    uint32_t mask;
} view;

static uint32_t id_hash(const gb_id *id)
{
    uint32_t h;
    memcpy(&h, id->b, 4); /* ids are hashes: any four bytes will do */
    return h;
}

static int32_t find(const view *v, const gb_id *id)
{
    for (uint32_t i = id_hash(id) & v->mask;; i = (i + 1) & v->mask) {
        int32_t k = v->tab[i];
        if (k < 0)
            return -1;
        if (!memcmp(v->m[k].id.b, id->b, GB_ID_LEN))
            return k;
    }
}

static msg *get(view *v, const gb_id *id, uint32_t height)
{
    uint32_t i = id_hash(id) & v->mask;
    for (;; i = (i + 1) & v->mask) {
        int32_t k = v->tab[i];
        if (k < 0)
            break;
        if (!memcmp(v->m[k].id.b, id->b, GB_ID_LEN)) {
            v->m[k].last_height = height;
            return &v->m[k];
        }
    }
    msg *m = &v->m[v->n];
    memset(m, 0, sizeof *m);
    m->id = *id;
    m->parent = -1;
    m->height = m->last_height = height;
    v->tab[i] = (int32_t)v->n++;
    return m;
}

static void view_free(view *v)
{
    free(v->m);
    free(v->tab);
}

static bool is_msg_event(gb_event_kind k)
{
    return k == GB_EV_MESSAGE_QUEUED || k == GB_EV_DISPATCHED ||
           k == GB_EV_USER_MESSAGE || k == GB_EV_WAITED || k == GB_EV_WOKEN;
}

static void set_payload(msg *m, const ex_ev *e)
{
    m->payload = e->payload;
    m->payload_len = e->payload_len;
    m->full_len = e->full_len;
    m->has_payload = true;
}

static gb_err view_build(const gb_explore *x, view *v)
{
    memset(v, 0, sizeof *v);
    uint64_t nev = 0;
    for (uint32_t i = 0; i < x->count; i++)
        nev += kept(x, i)->nev;
    uint32_t cap = 16;
    while (cap < 2 * nev + 2)
        cap *= 2;
    v->mask = cap - 1;
    v->tab = malloc((size_t)cap * sizeof *v->tab);
    v->m = malloc((size_t)(nev ? nev : 1) * sizeof *v->m);
    if (!v->tab || !v->m) {
        view_free(v);
        return GB_NOMEM;
    }
    memset(v->tab, 0xff, (size_t)cap * sizeof *v->tab);
    for (uint32_t bi = 0; bi < x->count; bi++) {
        const ex_block *b = kept(x, bi);
        for (uint32_t i = 0; i < b->nev; i++) {
            const ex_ev *e = &b->ev[i];
            if (!is_msg_event(e->kind))
                continue;
            msg *m = get(v, &e->id, b->height);
            if (gb_id_is_zero(m->source) && gb_id_is_zero(m->destination)) {
                m->source = e->source;
                m->destination = e->destination;
            }
            switch (e->kind) {
            case GB_EV_MESSAGE_QUEUED:
                m->from_user = true;
                m->value = e->value;
                set_payload(m, e);
                break;
            case GB_EV_DISPATCHED:
                m->runs++;
                m->outcome = e->outcome;
                m->gas += e->gas;
                break;
            case GB_EV_USER_MESSAGE:
                m->to_user = true;
                m->is_reply = e->is_reply;
                m->value = e->value;
                if (e->is_reply) {
                    m->reply_to = e->reply_to;
                    m->has_code = true;
                    memcpy(m->code, e->reply_code, 4);
                }
                set_payload(m, e);
                break;
            case GB_EV_WAITED:
                m->waited = true;
                break;
            case GB_EV_WOKEN:
                m->woken = true;
                break;
            default:
                break;
            }
        }
    }
    /* links: what each run sent, then replies */
    for (uint32_t bi = 0; bi < x->count; bi++) {
        const ex_block *b = kept(x, bi);
        for (uint32_t i = 0; i < b->nev; i++) {
            const ex_ev *e = &b->ev[i];
            if (e->kind != GB_EV_DISPATCHED || !e->nsent)
                continue;
            int32_t p = find(v, &e->id);
            for (uint32_t k = 0; k < e->nsent; k++) {
                int32_t c = find(v, &e->sent[k]);
                if (c >= 0 && c != p)
                    v->m[c].parent = p;
            }
        }
    }
    for (uint32_t i = 0; i < v->n; i++) {
        msg *m = &v->m[i];
        if (m->to_user && m->is_reply) {
            m->parent = find(v, &m->reply_to);
            continue;
        }
        gb_id r = gb_message_id_reply(m->id);
        int32_t c = find(v, &r);
        if (c >= 0 && v->m[c].parent < 0) {
            v->m[c].parent = (int32_t)i;
            v->m[c].is_reply = true;
            v->m[c].reply_to = m->id;
        }
    }
    return GB_OK;
}

/* ---- JSON ---------------------------------------------------------------- */




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

static json_t *msg_json(const view *v, const msg *m)
{
    json_t *o = json_object();
    bool bad = !o;
    if (bad)
        return NULL;
    gb_json_put(o, "id", gb_json_id(m->id), &bad);
    gb_json_put(o, "parent", m->parent >= 0 ? gb_json_id(v->m[m->parent].id)
                                    : json_null(), &bad);
    gb_json_put(o, "source", gb_json_id(m->source), &bad);
    gb_json_put(o, "destination", gb_json_id(m->destination), &bad);
    gb_json_put(o, "kind", json_string(m->is_reply ? "reply" : "message"), &bad);
    gb_json_put(o, "fromUser", json_boolean(m->from_user), &bad);
    gb_json_put(o, "toUser", json_boolean(m->to_user), &bad);
    gb_json_put(o, "height", json_integer(m->height), &bad);
    gb_json_put(o, "lastHeight", json_integer(m->last_height), &bad);
    gb_json_put(o, "runs", json_integer(m->runs), &bad);
    gb_json_put(o, "outcome", m->runs ? json_string(outcome_name(m->outcome))
                              : json_null(), &bad);
    gb_json_put(o, "gasBurned", json_integer((json_int_t)m->gas), &bad);
    gb_json_put(o, "waited", json_boolean(m->waited), &bad);
    gb_json_put(o, "woken", json_boolean(m->woken), &bad);
    char val[40];
    gb_u128_to_dec(m->value, val);
    gb_json_put(o, "value", json_string(val), &bad);
    if (m->is_reply)
        gb_json_put(o, "replyTo", gb_json_id(m->reply_to), &bad);
    if (m->has_code) {
        gb_json_put(o, "replyCode", gb_json_hex(m->code, 4), &bad);
        gb_json_put(o, "replyCodeText",
            json_string(gb_reply_code_str(gb_reply_code_from_bytes(m->code))),
            &bad);
    }
    if (m->has_payload) {
        gb_json_put(o, "payload", gb_json_hex(m->payload, m->payload_len), &bad);
        gb_json_put(o, "payloadLen", json_integer(m->full_len), &bad);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *gb_explore_blocks(const gb_explore *x, uint32_t limit)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    for (uint32_t i = x->count; i-- > 0 && json_array_size(a) < limit;) {
        const ex_block *b = kept(x, i);
        json_t *o = json_object();
        bool bad = !o || json_array_append_new(a, o);
        if (bad) {
            json_decref(a);
            return NULL;
        }
        gb_json_put(o, "height", json_integer(b->height), &bad);
        gb_json_put(o, "hash", gb_json_hex(b->hash, 32), &bad);
        gb_json_put(o, "timestamp", json_integer((json_int_t)b->timestamp), &bad);
        gb_json_put(o, "dispatched", json_integer(b->dispatched), &bad);
        gb_json_put(o, "gasUsed", json_integer((json_int_t)b->gas_used), &bad);
        gb_json_put(o, "queuedLeft", json_integer(b->queued_left), &bad);
        gb_json_put(o, "events", json_integer(b->nevents_all), &bad);
        gb_json_put(o, "truncated", json_boolean(b->nev < b->nevents_all), &bad);
        if (bad) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *gb_explore_messages_of(const gb_explore *x, gb_id id, uint32_t limit)
{
    view v;
    if (view_build(x, &v))
        return NULL;
    json_t *a = json_array();
    bool bad = !a;
    for (uint32_t i = v.n; !bad && i-- > 0 && json_array_size(a) < limit;) {
        const msg *m = &v.m[i];
        if (!gb_id_eq(m->source, id) && !gb_id_eq(m->destination, id))
            continue;
        json_t *o = msg_json(&v, m);
        bad = !o || json_array_append_new(a, o);
    }
    view_free(&v);
    json_t *o = bad ? NULL
                    : json_pack("{s:o,s:I}", "messages", a, "oldest",
                                (json_int_t)gb_explore_oldest(x));
    if (!o && !bad)
        return NULL; /* json_pack took a */
    if (!o)
        json_decref(a);
    return o;
}

json_t *gb_explore_tree(const gb_explore *x, gb_id id, uint32_t max_nodes)
{
    view v;
    if (view_build(x, &v))
        return NULL;
    json_t *nodes = json_array(), *res = NULL;
    int32_t *state = NULL, *child = NULL, *next = NULL, *queue = NULL;
    bool bad = !nodes, truncated = false;
    int32_t at = bad ? -1 : find(&v, &id), root = at;
    /* the root: up the parents (at most n steps: no cycles anyway) */
    for (uint32_t steps = 0; root >= 0 && v.m[root].parent >= 0 &&
                             steps < v.n;
         steps++)
        root = v.m[root].parent;
    if (!bad && root >= 0) {
        size_t n = v.n;
        state = calloc(n, sizeof *state); /* 0 unknown, 1 in, 2 out */
        child = malloc(n * sizeof *child);
        next = malloc(n * sizeof *next);
        queue = malloc(n * sizeof *queue);
        bad = !state || !child || !next || !queue;
    }
    if (!bad && root >= 0) {
        state[root] = 1;
        for (uint32_t i = 0; i < v.n; i++) {
            /* walk up to something known, then mark the path */
            int32_t k = (int32_t)i;
            uint32_t steps = 0;
            while (!state[k] && v.m[k].parent >= 0 && steps++ < v.n)
                k = v.m[k].parent;
            int32_t mark = state[k] == 1 ? 1 : 2;
            for (k = (int32_t)i; !state[k]; k = v.m[k].parent) {
                state[k] = mark;
                if (v.m[k].parent < 0)
                    break;
            }
        }
        /* children lists, in the order the messages appeared */
        for (uint32_t i = 0; i < v.n; i++)
            child[i] = next[i] = -1;
        int32_t *tail = queue; /* borrowed as scratch: the last child */
        for (uint32_t i = 0; i < v.n; i++)
            tail[i] = -1;
        for (uint32_t i = 0; i < v.n; i++) {
            int32_t p = v.m[i].parent;
            if (state[i] != 1 || (int32_t)i == root || p < 0)
                continue;
            if (tail[p] < 0)
                child[p] = (int32_t)i;
            else
                next[tail[p]] = (int32_t)i;
            tail[p] = (int32_t)i;
        }
        /* breadth first from the root */
        uint32_t qh = 0, qt = 0;
        queue[qt++] = root;
        while (qh < qt && !bad) {
            int32_t k = queue[qh++];
            if (json_array_size(nodes) >= max_nodes) {
                truncated = true;
                break;
            }
            json_t *o = msg_json(&v, &v.m[k]);
            bad = !o || json_array_append_new(nodes, o);
            for (int32_t c = child[k]; c >= 0; c = next[c])
                queue[qt++] = c;
        }
    }
    if (!bad) {
        res = json_pack("{s:o,s:b,s:I,s:b,s:o}", "root",
                        root >= 0 ? gb_json_id(v.m[root].id) : json_null(),
                        "found", at >= 0, "oldest",
                        (json_int_t)gb_explore_oldest(x), "truncated",
                        truncated, "nodes", nodes);
        nodes = NULL; /* taken by json_pack, even when it fails */
    }
    json_decref(nodes);
    free(state);
    free(child);
    free(next);
    free(queue);
    view_free(&v);
    return res;
}
