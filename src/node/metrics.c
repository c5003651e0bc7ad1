/*
 * The node's metrics (see metrics.h): plain counters updated on the
 * serving thread, and a writer of Prometheus' text format.  RPC calls are
 * counted per (method, code) pair in a small table; method names come
 * from the dispatcher's static tables (so the label set is bounded by the
 * methods that exist: an unknown name counts as "unknown"), and codes are
 * the few JSON-RPC ones, so the table stays small; past RPC_PAIRS pairs
 * the rest go into method "other".
 */
#include "node/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RPC_PAIRS 256u

/* upper bounds of the block time histogram, in seconds */
static const double block_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                       0.05,  0.1,    0.25,  0.5,  1,
                                       2.5,   5,      10};
#define NBUCKETS (sizeof block_buckets / sizeof *block_buckets)

/* gb_outcome order (gear/process.h) */
static const char *const outcome_names[] = {"success", "skipped", "failed",
                                            "wait", "exit"};
#define NOUTCOMES (sizeof outcome_names / sizeof *outcome_names)

typedef struct rpc_pair {
    const char *method;
    int code;
    uint64_t n;
} rpc_pair;

struct gb_metrics {
    uint64_t blocks, height, events, gas_burned;
    uint64_t dispatched[NOUTCOMES + 1]; /* the last: an unknown outcome */
    uint64_t bt_count, bt_buckets[NBUCKETS];
    double bt_sum;
    rpc_pair rpc[RPC_PAIRS];
    uint32_t nrpc;
    uint64_t rpc_other;
};

gb_err gb_metrics_new(gb_metrics **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? GB_OK : GB_NOMEM;
}

void gb_metrics_free(gb_metrics *m) { free(m); }

void gb_metrics_note_block(gb_metrics *m, const gb_block_result *b)
{
    m->blocks++;
    m->height = b->height;
    m->events += b->nevents;
    m->gas_burned += b->gas_used;
    for (uint32_t i = 0; i < b->nevents; i++) {
        const gb_event *ev = &b->events[i];
        if (ev->kind != GB_EV_DISPATCHED)
            continue;
        unsigned o = (unsigned)ev->outcome;
        m->dispatched[o < NOUTCOMES ? o : NOUTCOMES]++;
    }
}

void gb_metrics_note_block_time(gb_metrics *m, uint64_t ns)
{
    double s = (double)ns / 1e9;
    m->bt_count++;
    m->bt_sum += s;
    for (size_t i = 0; i < NBUCKETS; i++)
        if (s <= block_buckets[i])
            m->bt_buckets[i]++;
}

void gb_metrics_note_rpc(gb_metrics *m, const char *method, int code)
{
    if (!method)
        method = "unknown";
    for (uint32_t i = 0; i < m->nrpc; i++)
        if (m->rpc[i].code == code && !strcmp(m->rpc[i].method, method)) {
            m->rpc[i].n++;
            return;
        }
    if (m->nrpc == RPC_PAIRS) {
        m->rpc_other++;
        return;
    }
    m->rpc[m->nrpc++] = (rpc_pair){.method = method, .code = code, .n = 1};
}

/* ---- the text format ---------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
    bool oom;
} buf;

static void bprintf(buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void bprintf(buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n + 1;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

static void head(buf *b, const char *name, const char *type,
                 const char *help)
{
    bprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(buf *b, const char *name, const char *type,
                const char *help, uint64_t v)
{
    head(b, name, type, help);
    bprintf(b, "%s %llu\n", name, (unsigned long long)v);
}

gb_err gb_metrics_render(const gb_metrics *m, const gb_metrics_gauges *g,
                         char **out, size_t *len)
{
    buf b = {.cap = 8192};
    if (!(b.p = malloc(b.cap)))
        return GB_NOMEM;
    b.p[0] = 0;

    one(&b, "gearbox_blocks_total", "counter",
        "Blocks produced by this node since it started.", m->blocks);
    one(&b, "gearbox_block_height", "gauge",
        "Height of the last block produced.", m->height);
    head(&b, "gearbox_block_production_seconds", "histogram",
         "Wall-clock time to produce a block (its queue, commit and all).");
    for (size_t i = 0; i < NBUCKETS; i++)
        bprintf(&b, "gearbox_block_production_seconds_bucket{le=\"%g\"} "
                    "%llu\n",
                block_buckets[i], (unsigned long long)m->bt_buckets[i]);
    bprintf(&b,
            "gearbox_block_production_seconds_bucket{le=\"+Inf\"} %llu\n"
            "gearbox_block_production_seconds_sum %.6f\n"
            "gearbox_block_production_seconds_count %llu\n",
            (unsigned long long)m->bt_count, m->bt_sum,
            (unsigned long long)m->bt_count);
    head(&b, "gearbox_messages_dispatched_total", "counter",
         "Runs of messages, by outcome.");
    for (size_t i = 0; i < NOUTCOMES; i++)
        bprintf(&b, "gearbox_messages_dispatched_total{outcome=\"%s\"} %llu\n",
                outcome_names[i], (unsigned long long)m->dispatched[i]);
    if (m->dispatched[NOUTCOMES])
        bprintf(&b,
                "gearbox_messages_dispatched_total{outcome=\"unknown\"} "
                "%llu\n",
                (unsigned long long)m->dispatched[NOUTCOMES]);
    one(&b, "gearbox_gas_burned_total", "counter",
        "Gas burned by the runs of produced blocks.", m->gas_burned);
    one(&b, "gearbox_events_total", "counter",
        "Events of produced blocks.", m->events);
    head(&b, "gearbox_rpc_requests_total", "counter",
         "JSON-RPC calls, by method and status (ok, or the error code).");
    for (uint32_t i = 0; i < m->nrpc; i++) {
        char st[16];
        if (m->rpc[i].code)
            snprintf(st, sizeof st, "%d", m->rpc[i].code);
        else
            strcpy(st, "ok");
        /* method names are the dispatcher's own: letters, digits, '_' */
        bprintf(&b,
                "gearbox_rpc_requests_total{method=\"%s\",status=\"%s\"} "
                "%llu\n",
                m->rpc[i].method, st, (unsigned long long)m->rpc[i].n);
    }
    if (m->rpc_other)
        bprintf(&b,
                "gearbox_rpc_requests_total{method=\"other\",status=\"any\"} "
                "%llu\n",
                (unsigned long long)m->rpc_other);

    if (g->chain_ok) {
        const gb_chain_stats *c = &g->chain;
        one(&b, "gearbox_queue_length", "gauge",
            "Messages in the queue.", c->queue);
        one(&b, "gearbox_waitlist_size", "gauge",
            "Messages in programs' waitlists.", c->waitlist);
        one(&b, "gearbox_mailbox_size", "gauge",
            "Messages in users' mailboxes.", c->mailbox);
        one(&b, "gearbox_stash_size", "gauge",
            "Delayed messages waiting for their block.", c->stash);
        one(&b, "gearbox_tasks", "gauge",
            "Scheduled tasks (expiries, wakes, delayed sends).", c->tasks);
        one(&b, "gearbox_programs", "gauge", "Programs on chain.",
            c->programs);
        one(&b, "gearbox_codes", "gauge", "Codes uploaded.", c->codes);
        one(&b, "gearbox_accounts", "gauge", "Accounts with a balance.",
            c->accounts);
        one(&b, "gearbox_lmdb_bytes", "gauge",
            "Disk space of the store's data file (data.mdb).", c->db_bytes);
        one(&b, "gearbox_threads", "gauge",
            "Threads that run a block's dispatches.", c->threads);
    }
    one(&b, "gearbox_threads_busy", "gauge",
        "Threads running a block's dispatches now.", g->threads_busy);
    one(&b, "gearbox_tx_pool_size", "gauge",
        "Transactions accepted and waiting for a block.", g->tx_pool);
    one(&b, "gearbox_websocket_clients", "gauge", "WebSockets open.",
        g->ws_clients);
    one(&b, "gearbox_http_connections", "gauge",
        "HTTP connections open (WebSockets included).", g->http_connections);
    if (b.oom) {
        free(b.p);
        return GB_NOMEM;
    }
    *out = b.p;
    *len = b.len;
    return GB_OK;
}
