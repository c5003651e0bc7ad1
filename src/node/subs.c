/*
 * Subscriptions (see subs.h): sessions in a list in the order they were
 * opened, each with a small array of subscriptions.  A block's JSON is
 * serialised once (the head, and each event when some subscription wants
 * it) and each notification is that text wrapped in the notification
 * envelope, written into one scratch buffer reused for the whole block.
 */
#include "node/subs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define DEFAULT_MAX_SUBS 16u

typedef struct sub {
    uint64_t id;
    gb_sub_kind kind;
    gb_sub_filter filter;
    void *data;
    void (*data_free)(void *);
} sub;

struct gb_subs_session {
    gb_subs *owner;
    gb_subs_session *prev, *next;
    gb_subs_sink sink;
    void *ctx;
    sub *subs;
    uint32_t n, max;
};

struct gb_subs {
    gb_subs_session *first, *last;
    uint64_t next_id;
    uint32_t total;
    char *scratch;
    size_t scratch_cap;
};

gb_err gb_subs_new(gb_subs **out)
{
    gb_subs *s = gb_calloc(1, sizeof *s);
    if (!s)
        return GB_NOMEM;
    s->next_id = 1;
    *out = s;
    return GB_OK;
}

void gb_subs_free(gb_subs *s)
{
    if (!s)
        return;
    while (s->first) /* a transport that forgot: do not leak */
        gb_subs_session_close(s->first);
    free(s->scratch);
    free(s);
}

gb_err gb_subs_session_open(gb_subs *s, uint32_t max_subs, gb_subs_sink sink,
                            void *ctx, gb_subs_session **out)
{
    gb_subs_session *ss = gb_calloc(1, sizeof *ss);
    if (!ss)
        return GB_NOMEM;
    ss->max = max_subs ? max_subs : DEFAULT_MAX_SUBS;
    ss->subs = gb_calloc(ss->max, sizeof *ss->subs);
    if (!ss->subs) {
        free(ss);
        return GB_NOMEM;
    }
    ss->owner = s;
    ss->sink = sink;
    ss->ctx = ctx;
    ss->prev = s->last;
    if (s->last)
        s->last->next = ss;
    else
        s->first = ss;
    s->last = ss;
    *out = ss;
    return GB_OK;
}

void gb_subs_session_close(gb_subs_session *ss)
{
    if (!ss)
        return;
    gb_subs *s = ss->owner;
    if (ss->prev)
        ss->prev->next = ss->next;
    else
        s->first = ss->next;
    if (ss->next)
        ss->next->prev = ss->prev;
    else
        s->last = ss->prev;
    s->total -= ss->n;
    for (uint32_t i = 0; i < ss->n; i++)
        if (ss->subs[i].data_free)
            ss->subs[i].data_free(ss->subs[i].data);
    free(ss->subs);
    free(ss);
}

gb_err gb_subs_add(gb_subs_session *ss, gb_sub_kind kind,
                   const gb_sub_filter *f, uint64_t *out_id)
{
    if (ss->n == ss->max)
        return GB_LIMIT;
    sub *x = &ss->subs[ss->n++];
    memset(x, 0, sizeof *x);
    x->id = ss->owner->next_id++;
    x->kind = kind;
    if (kind == GB_SUB_EVENTS && f)
        x->filter = *f;
    ss->owner->total++;
    *out_id = x->id;
    return GB_OK;
}

gb_err gb_subs_add_data(gb_subs_session *ss, gb_sub_kind kind, void *data,
                        void (*free_fn)(void *), uint64_t *out_id)
{
    gb_err e = gb_subs_add(ss, kind, NULL, out_id);
    if (e) {
        if (free_fn)
            free_fn(data);
        return e;
    }
    ss->subs[ss->n - 1].data = data;
    ss->subs[ss->n - 1].data_free = free_fn;
    return GB_OK;
}

void gb_subs_each(gb_subs *s, gb_sub_kind kind,
                  void (*fn)(void *ctx, gb_subs_session *ss, uint64_t id,
                             void *data),
                  void *ctx)
{
    for (gb_subs_session *ss = s->first; ss; ss = ss->next)
        for (uint32_t i = 0; i < ss->n; i++)
            if (ss->subs[i].kind == kind)
                fn(ctx, ss, ss->subs[i].id, ss->subs[i].data);
}

gb_err gb_subs_remove(gb_subs_session *ss, gb_sub_kind kind, uint64_t id)
{
    for (uint32_t i = 0; i < ss->n; i++) {
        if (ss->subs[i].id != id || ss->subs[i].kind != kind)
            continue;
        if (ss->subs[i].data_free)
            ss->subs[i].data_free(ss->subs[i].data);
        /* keep the order: notifications follow it */
        memmove(&ss->subs[i], &ss->subs[i + 1],
                (ss->n - i - 1) * sizeof *ss->subs);
        ss->n--;
        ss->owner->total--;
        return GB_OK;
    }
    return GB_NOT_FOUND;
}

uint32_t gb_subs_count(const gb_subs *s) { return s->total; }

static bool concerns(const gb_event *ev, gb_id who)
{
    return !memcmp(ev->source.b, who.b, GB_ID_LEN) ||
           !memcmp(ev->destination.b, who.b, GB_ID_LEN) ||
           !memcmp(ev->id.b, who.b, GB_ID_LEN);
}

static bool passes(const gb_sub_filter *f, const gb_event *ev)
{
    return (!f->has_program || concerns(ev, f->program)) &&
           (!f->has_account || concerns(ev, f->account));
}

/* Wrap result (its JSON text) for subscription id and send it. */
static gb_err notify(gb_subs *s, gb_subs_session *ss, const char *method,
                     uint64_t id, const char *result, bool *sink_failed)
{
    static const char fmt[] =
        "{\"jsonrpc\":\"2.0\",\"method\":\"%s\",\"params\":{"
        "\"subscription\":%" PRIu64 ",\"result\":%s}}";
    size_t need = sizeof fmt + strlen(method) + 20 + strlen(result);
    if (need > s->scratch_cap) {
        char *p = gb_realloc(s->scratch, need);
        if (!p)
            return GB_NOMEM;
        s->scratch = p;
        s->scratch_cap = need;
    }
    int n = snprintf(s->scratch, s->scratch_cap, fmt, method, id, result);
    if (n < 0)
        return GB_NOMEM;
    if (ss->sink(ss->ctx, s->scratch, (size_t)n))
        *sink_failed = true;
    return GB_OK;
}

gb_err gb_subs_notify(gb_subs_session *ss, const char *method, uint64_t id,
                      const char *result)
{
    bool failed = false;
    gb_err e = notify(ss->owner, ss, method, id, result, &failed);
    return e ? e : failed ? GB_IO : GB_OK;
}

gb_err gb_subs_note_block(gb_subs *s, const gb_block_result *b, json_t *head,
                          json_t *events)
{
    if (!s->total)
        return GB_OK;
    gb_err e = GB_OK;
    char *head_text = NULL;
    uint32_t nev = b->nevents;
    if (json_array_size(events) < nev) /* cannot happen; stay in bounds */
        nev = (uint32_t)json_array_size(events);
    char **ev_text = nev ? gb_calloc(nev, sizeof *ev_text) : NULL;
    if (nev && !ev_text)
        return GB_NOMEM;
    for (gb_subs_session *ss = s->first; ss && !e; ss = ss->next) {
        bool failed = false;
        for (uint32_t i = 0; i < ss->n && !failed && !e; i++) {
            const sub *x = &ss->subs[i];
            if (x->kind != GB_SUB_NEW_HEADS && x->kind != GB_SUB_EVENTS)
                continue;
            if (x->kind == GB_SUB_NEW_HEADS) {
                if (!head_text &&
                    !(head_text = json_dumps(head, JSON_COMPACT))) {
                    e = GB_NOMEM;
                    break;
                }
                e = notify(s, ss, "gearbox_newHead", x->id, head_text, &failed);
                continue;
            }
            for (uint32_t k = 0; k < nev && !failed && !e; k++) {
                if (!passes(&x->filter, &b->events[k]))
                    continue;
                if (!ev_text[k] &&
                    !(ev_text[k] = json_dumps(json_array_get(events, k),
                                              JSON_COMPACT))) {
                    e = GB_NOMEM;
                    break;
                }
                e = notify(s, ss, "gear_event", x->id, ev_text[k], &failed);
            }
        }
    }
    free(head_text);
    for (uint32_t k = 0; k < nev; k++)
        free(ev_text[k]);
    free(ev_text);
    /* a big block's scratch is not kept */
    if (s->scratch_cap > (256u << 10)) {
        free(s->scratch);
        s->scratch = NULL;
        s->scratch_cap = 0;
    }
    return e;
}
