/*
 * The node loop (see node.h): the RPC server on the caller's thread, the
 * block producer on a thread of its own.
 *
 * The producer waits until a block is due (the block time, or in dev mode
 * a transaction waiting), produces it, and hands the result over in a
 * list; the serving thread takes each from the list between polls and
 * tells the dispatcher (subscriptions, kept blocks) and the caller's
 * on_block, in height order.  So requests are answered while a block runs:
 * queries read the last committed block, submits go into the next block
 * (chain.h, "threads").  While a block is under way the serving thread
 * polls with a short wait, so that the block's notifications go out as
 * soon as it is done.
 *
 * Stopping: the serving thread sees *stop, asks the producer to stop and
 * waits for it; the producer first makes a block of the transactions still
 * waiting (each was answered with its hash: it must not be lost), then
 * ends.
 */
#include "node/node.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "chain/browse.h"
#include "node/assets.h"
#include "node/cluster.h"
#include "node/devctl.h"
#include "node/http.h"
#include "node/metrics.h"
#include "node/rpc.h"
#include "state/db.h"
#include "util/mem.h"
#include "util/pool.h"

/* The longest a poll waits, so that a stop request is seen quickly even
 * if its signal arrived just before the wait began. */
#define MAX_WAIT_MS 100u
/* ... and while a block is under way (its notifications wait on it) */
#define BUSY_WAIT_MS 2u
/* How much of the block time a block's queue may run in wall-clock time
 * before what is left waits for the next block (gb_chain_cfg
 * block_budget_ms), in percent. */
#define BLOCK_BUDGET_PCT 50u
/* Wall-clock limit of a read-only call or gas estimate, when the
 * configuration gives none. */
#define DEFAULT_CALL_MS 2000u
/* A replica's block work's nice, when the configuration gives none
 * (gb_node_cfg.block_nice): measured with bench/cluster_bench.py, three
 * replicas and three NATS servers on two cores (docs/cluster.md). */
#define REPLICA_NICE 10

typedef struct done_block { /* a produced block not yet told to the RPC */
    gb_block_result r;
    uint64_t took_ns;          /* wall-clock time to produce it */
    struct done_block *next;
} done_block;

struct gb_node {
    gb_node_cfg cfg;
    gb_chain *chain;
    gb_cluster *cluster;  /* a replica's (NULL: a node alone) */
    gb_rpc *rpc;
    gb_http *http;
    /* the producer; mu guards everything below */
    pthread_t producer;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;            /* the producer is to finish */
    bool nudged;          /* a transaction may be waiting (dev) */
    bool draining;        /* the last block left a backlog that drains
                             (gb_block_drains): dev makes the next at once */
    uint32_t queued;      /* the messages the last block left queued */
    bool busy;            /* a block is under way */
    done_block *first, *last;
    gb_err err;           /* the producer failed: why */
    char err_detail[256];
    /* dev: the controls (node/devctl.h); held > 0: the producer starts no
     * block (a control runs); the serving loop's on_block, for blocks the
     * controls mine */
    gb_devctl *dev;
    unsigned held;
    void (*on_block)(void *ctx, const gb_block_result *b);
    void *on_block_ctx;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the node's own pages (gb_http_cfg.get), on the serving thread ---- */

/* GET /metrics: the counters, and the gauges read now. */
static unsigned serve_metrics(gb_node *n, const char **type, char **body,
                              size_t *len)
{
    gb_metrics_gauges g = {0};
    g.chain_ok = !gb_chain_stats_get(n->chain, &g.chain);
    g.tx_pool = gb_chain_waiting(n->chain);
    g.ws_clients = n->http ? gb_http_ws_count(n->http) : 0;
    g.http_connections = n->http ? gb_http_conn_count(n->http) : 0;
    pthread_mutex_lock(&n->mu);
    bool busy = n->busy;
    pthread_mutex_unlock(&n->mu);
    g.threads_busy = busy ? (g.chain.threads ? g.chain.threads : 1) : 0;
    if (gb_metrics_render(gb_rpc_metrics(n->rpc), &g, body, len))
        return 500;
    *type = "text/plain; version=0.0.4; charset=utf-8";
    return 200;
}

static unsigned serve_get(void *ctx, const char *path, const char **type,
                          char **body, size_t *len)
{
    gb_node *n = ctx;
    if (!strcmp(path, "/metrics"))
        return serve_metrics(n, type, body, len);
    const gb_asset *a = gb_asset_find(path);
    if (!a)
        return 0;
    if (!(*body = malloc(a->len ? a->len : 1)))
        return 500;
    memcpy(*body, a->data, a->len);
    *len = a->len;
    *type = a->type;
    return 200;
}

/* ---- a replica's (node/cluster.h) ------------------------------------ */

static gb_err cluster_submit(void *ctx, const gb_tx *tx,
                             const gb_rpc_signed *sig, gb_id *id,
                             gb_id *msg_id, char *detail, size_t len)
{
    return gb_cluster_submit(ctx, tx, sig ? sig->key : NULL,
                             sig ? &sig->signer : NULL, sig ? sig->nonce : 0,
                             id, msg_id, detail, len);
}

static gb_err cluster_sync(void *ctx, char *detail, size_t len)
{
    return gb_cluster_sync(ctx, detail, len);
}

static uint64_t cluster_nonce_floor(void *ctx, gb_id signer)
{
    return gb_cluster_nonce_floor(ctx, signer);
}

static bool cluster_nonce_settle(void *ctx, const gb_id *signer)
{
    return gb_cluster_settle_for(ctx, signer);
}

static void cluster_begin(void *ctx, bool again)
{
    gb_cluster_begin(ctx, again);
}


static json_t *cluster_info(void *ctx)
{
    gb_cluster_status st;
    gb_cluster_health(ctx, &st);
    return json_pack("{s:b,s:b,s:b,s:i,s:I,s:s,s:I,s:I}", "connected",
                     st.connected, "sequencer", st.sequencer, "diverged",
                     st.diverged, "divergedAt", (json_int_t)st.diverged_at,
                     "txTaken", (json_int_t)st.tx_taken, "sequencerName",
                     st.holder, "unsettledRequests",
                     (json_int_t)st.unsettled, "handledAgain",
                     (json_int_t)st.again);
}
static gb_err dev_mine(void *ctx, uint32_t count, uint64_t interval_ms,
                       uint8_t (*hashes)[32], uint32_t *out_done,
                       char *detail, size_t detail_len);
static gb_err dev_exclusive(void *ctx, gb_err (*fn)(void *arg), void *arg);
static void dev_wake(void *ctx);
static void dev_log(void *ctx, const char *line);

gb_err gb_node_open(const gb_node_cfg *cfg, gb_node **out, char *detail,
                    size_t detail_len)
{
    gb_node *n = gb_calloc(1, sizeof *n);
    if (!n)
        return GB_NOMEM;
    n->cfg = *cfg;
    pthread_mutex_init(&n->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&n->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!n->cfg.block_time_ms)
        n->cfg.block_time_ms = 1000;
    /* a data directory this call creates goes again if the node cannot
     * start (the port in use): a failed start leaves nothing behind */
    struct stat st;
    bool existed = !cfg->data_dir || stat(cfg->data_dir, &st) == 0;
    gb_chain_cfg cc;
    gb_chain_cfg_default(&cc);
    cc.data_dir = cfg->data_dir;
    cc.block_time_ms = n->cfg.block_time_ms;
    cc.substrate_dev_accounts = n->cfg.dev; /* as `gear --dev` funds them */
    cc.threads = cfg->threads;
    cc.wasm_tier = cfg->wasm_tier;
    /* an answered transaction survives a crash (a replica's: in the
     * cluster's log, which a new sequencer takes it from again; a pool
     * log would cost each replica a second fdatasync per block and
     * bring back, after a restart, transactions the log decides on) */
    cc.persist_pool = !cfg->cluster_urls;
    cc.call_time_ms = cfg->call_time_ms ? cfg->call_time_ms : DEFAULT_CALL_MS;
    cc.block_budget_ms = n->cfg.block_time_ms * BLOCK_BUDGET_PCT / 100;
    if (!cc.block_budget_ms)
        cc.block_budget_ms = 1;
    if (cfg->code_cache_bytes)
        cc.code_cache_bytes = cfg->code_cache_bytes;
    gb_err e = gb_chain_open(&cc, &n->chain, detail, detail_len);
    if (e)
        goto fail;
    if (cfg->dev) {
        gb_devctl_node ops = {.ctx = n,
                              .mine = dev_mine,
                              .exclusive = dev_exclusive,
                              .wake = dev_wake,
                              .log = dev_log};
        uint64_t iv = cfg->mining_interval_ms ? cfg->mining_interval_ms
                                              : n->cfg.block_time_ms;
        if ((e = gb_devctl_new(n->chain, &ops, (gb_mining)cfg->mining, iv,
                               &n->dev)))
            goto fail;
    }
    gb_rpc_cfg rc;
    gb_rpc_cfg_default(&rc);
    rc.dev = cfg->dev;
    gb_chain_fork fk; /* a fork signs with a chain id of its own */
    if (!gb_chain_fork_info(n->chain, &fk) && fk.forked)
        memcpy(rc.chain_id, fk.chain_id, sizeof rc.chain_id);
    rc.devctl = n->dev;
    rc.call_time_ms = cc.call_time_ms;
    if (cfg->cluster_urls) {
        gb_cluster_cfg kc = {.urls = cfg->cluster_urls,
                             .name = cfg->cluster_name,
                             .replica = cfg->cluster_replica,
                             .replicas = cfg->cluster_replicas,
                             .block_time_ms = n->cfg.block_time_ms,
                             .dev = cfg->dev};
        if ((e = gb_cluster_open(&kc, n->chain, &n->cluster, detail,
                                 detail_len)))
            goto fail;
        rc.submit = cluster_submit;
        rc.submit_ctx = n->cluster;
        rc.cluster_info = cluster_info;
        rc.nonce_floor = cluster_nonce_floor;
        rc.nonce_settle = cluster_nonce_settle;
        rc.submit_begin = cluster_begin;
        rc.submit_sync = cluster_sync;
    }
    if (cfg->max_body)
        rc.max_request = cfg->max_body;
    rc.max_batch = cfg->max_batch;
    rc.max_values = cfg->max_values;
    rc.max_response = cfg->max_response;
    if ((e = gb_rpc_new(n->chain, &rc, &n->rpc)))
        goto fail;
    gb_http_cfg hc = {.host = cfg->rpc_host,
                      .port = cfg->rpc_port,
                      .max_body = cfg->max_body,
                      .max_connections = cfg->max_connections,
                      .max_per_ip = cfg->max_per_ip,
                      .header_timeout_s = cfg->header_timeout_s,
                      .request_timeout_s = cfg->request_timeout_s,
                      .max_buffered = cfg->max_buffered,
                      .cors = cfg->cors,
                      .get = serve_get, /* /metrics, the explorer */
                      .get_ctx = n};
    if ((e = gb_http_start(&hc, n->rpc, &n->http, detail, detail_len)))
        goto fail;
    *out = n;
    return GB_OK;
fail:
    if (!n->chain)
        existed = true; /* not opened: maybe another node's (GB_BUSY) */
    gb_node_close(n);
    if (!existed)
        gb_db_remove(cfg->data_dir);
    return e;
}

uint16_t gb_node_rpc_port(const gb_node *n) { return gb_http_port(n->http); }

gb_chain *gb_node_chain(gb_node *n) { return n->chain; }

/* ---- the producer's thread ------------------------------------------------- */

/* One block, its result queued for the serving thread; step_ms > 0 (dev):
 * its timestamp the parent's + step_ms.  *out_hash (may be NULL): its
 * hash.  Without mu. */
static gb_err produce_ex(gb_node *n, uint64_t step_ms, uint8_t *out_hash)
{
    uint64_t ts = now_ms(CLOCK_REALTIME);
    uint64_t parent = gb_chain_timestamp(n->chain);
    if (n->dev) /* the dev controls' clock (node/devctl.h) */
        ts = gb_devctl_block_ts(n->dev, ts, parent, step_ms);
    if (ts <= parent) /* the clock went back, or two blocks in 1 ms */
        ts = parent + 1;
    done_block *d = gb_calloc(1, sizeof *d);
    if (!d)
        return GB_NOMEM;
    uint64_t t0 = now_ns();
    gb_err e = gb_chain_produce_block_at(n->chain, ts, &d->r);
    d->took_ns = now_ns() - t0;
    pthread_mutex_lock(&n->mu);
    if (e) {
        uint32_t ht = gb_chain_height(n->chain);
        const char *dir = n->cfg.data_dir ? n->cfg.data_dir : "(temporary)";
        if (e == GB_NOSPACE)
            snprintf(n->err_detail, sizeof n->err_detail,
                     "block %u: disk full: no space left for the data "
                     "directory %s; the chain stays at height %u (free "
                     "space and start the node again)",
                     ht + 1, dir, ht);
        else if (e == GB_STORE_FULL)
            snprintf(n->err_detail, sizeof n->err_detail,
                     "block %u: store full: the data directory %s reached "
                     "its map size (64 GiB); the chain stays at height %u",
                     ht + 1, dir, ht);
        else
            snprintf(n->err_detail, sizeof n->err_detail,
                     "block %u: %s (data directory %s); the chain stays at "
                     "height %u",
                     ht + 1, gb_err_str(e), dir, ht);
        free(d);
    } else {
        n->draining = gb_block_drains(&d->r, n->queued);
        n->queued = d->r.queued_left;
        if (out_hash)
            memcpy(out_hash, d->r.hash, 32);
        if (n->last)
            n->last->next = d;
        else
            n->first = d;
        n->last = d;
    }
    pthread_mutex_unlock(&n->mu);
    return e;
}

/* A replica's block thread: blocks come from the cluster's log
 * (node/cluster.h), each queued for the serving thread as produce()
 * does. */
static void *replica_main(gb_node *n)
{
    gb_err e = GB_OK;
    /* Every replica applies every block; on a machine that also runs
     * the servers of the log (or other replicas), the block work would
     * otherwise take the cores from what a client waits for: a request's
     * signing and checks, the log's acknowledgement.  A block waits in
     * the log meanwhile, durable. */
    int step = n->cfg.block_nice ? n->cfg.block_nice : REPLICA_NICE;
    int base = gb_pool_nice_now(), nice = base + step > 19 ? 19 : base + step;
    if (step > 0 && nice > base) {
        gb_err ne = gb_chain_set_nice(n->chain, nice);
        if (ne)
            fprintf(stderr,
                    "cluster: the block work's priority (nice %d) not set: "
                    "%s\n",
                    nice, gb_err_str(ne));
        else
            fprintf(stderr,
                    "cluster: the block work at nice %d, below the "
                    "requests\n",
                    nice);
    }
    pthread_mutex_lock(&n->mu);
    while (!n->stop) {
        pthread_mutex_unlock(&n->mu);
        done_block *d = gb_calloc(1, sizeof *d);
        bool applied = false;
        uint64_t t0 = now_ns();
        e = d ? gb_cluster_step(n->cluster, &d->r, &applied) : GB_NOMEM;
        pthread_mutex_lock(&n->mu);
        if (e) {
            snprintf(n->err_detail, sizeof n->err_detail,
                     "replica: block %u: %s", gb_chain_height(n->chain) + 1,
                     gb_err_str(e));
            free(d);
            break;
        }
        if (applied) {
            d->took_ns = now_ns() - t0;
            if (n->last)
                n->last->next = d;
            else
                n->first = d;
            n->last = d;
            continue;
        }
        free(d);
        /* the log is polled (every few ms while it moves; the sequencer
         * woken by its next transaction); a stop is seen within 10 ms */
        pthread_mutex_unlock(&n->mu);
        gb_cluster_wait(n->cluster, gb_cluster_wait_ms(n->cluster));
        pthread_mutex_lock(&n->mu);
    }
    n->err = e;
    pthread_mutex_unlock(&n->mu);
    return NULL;
}
static gb_err produce(gb_node *n) { return produce_ex(n, 0, NULL); }

static void *producer_main(void *arg)
{
    gb_node *n = arg;
    if (n->cluster)
        return replica_main(n);
    uint64_t next = now_ms(CLOCK_MONOTONIC) + n->cfg.block_time_ms;
    gb_err e = GB_OK;
    pthread_mutex_lock(&n->mu);
    while (!n->stop) {
        uint64_t now = now_ms(CLOCK_MONOTONIC);
        /* dev: the mining mode (node/devctl.h) */
        gb_mining mode = GB_MINING_AUTO;
        uint64_t period = n->cfg.block_time_ms;
        if (n->dev) {
            uint64_t iv;
            mode = gb_devctl_mining(n->dev, &iv);
            if (mode == GB_MINING_INTERVAL)
                period = iv;
        }
        if (mode == GB_MINING_MANUAL || n->held) {
            /* no block of its own; the timer starts again afterwards */
            n->nudged = false;
            next = now + period;
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_nsec += (long)MAX_WAIT_MS * 1000000;
            until.tv_sec += until.tv_nsec / 1000000000;
            until.tv_nsec %= 1000000000;
            pthread_cond_timedwait(&n->cv, &n->mu, &until);
            continue;
        }
        if (next > now + period) /* the period was shortened */
            next = now + period;
        bool due = now >= next;
        /* dev: a block's backlog goes on at once, not a block time later
         * (a block of many transactions queues more than its gas
         * allowance dispatches) */
        if (!due && n->cfg.dev && mode == GB_MINING_AUTO && n->draining)
            due = true;
        if (!due && n->cfg.dev && mode == GB_MINING_AUTO && n->nudged) {
            n->nudged = false;
            pthread_mutex_unlock(&n->mu);
            due = gb_chain_waiting(n->chain) > 0;
            pthread_mutex_lock(&n->mu);
        }
        if (due && !n->held) { /* (held while mu was let go above) */
            n->busy = true;
            pthread_mutex_unlock(&n->mu);
            e = produce(n);
            pthread_mutex_lock(&n->mu);
            n->busy = false;
            pthread_cond_broadcast(&n->cv); /* a control may wait for it */
            if (e)
                break;
            next = now_ms(CLOCK_MONOTONIC) + period;
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        uint64_t wait = next - now < MAX_WAIT_MS ? next - now : MAX_WAIT_MS;
        until.tv_nsec += (long)(wait * 1000000);
        until.tv_sec += until.tv_nsec / 1000000000;
        until.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&n->cv, &n->mu, &until);
    }
    pthread_mutex_unlock(&n->mu);
    /* stopping: what was accepted and waits gets its block */
    if (!e && gb_chain_waiting(n->chain))
        e = produce(n);
    pthread_mutex_lock(&n->mu);
    n->err = e;
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

/* ---- the serving thread ----------------------------------------------------- */

/* Tell the dispatcher and the caller of the blocks done so far. */
static void deliver(gb_node *n,
                    void (*on_block)(void *, const gb_block_result *),
                    void *ctx)
{
    for (;;) {
        pthread_mutex_lock(&n->mu);
        done_block *d = n->first;
        if (d) {
            n->first = d->next;
            if (!n->first)
                n->last = NULL;
        }
        pthread_mutex_unlock(&n->mu);
        if (!d)
            return;
        gb_metrics_note_block_time(gb_rpc_metrics(n->rpc), d->took_ns);
        if (on_block)
            on_block(ctx, &d->r);
        uint32_t h = d->r.height;
        if (gb_rpc_note_block_take(n->rpc, &d->r)) /* (d->r taken) */
            fprintf(stderr, "block %u: not kept for RPC (out of memory)\n",
                    h);
        free(d);
    }
}

static gb_err stop_producer(gb_node *n)
{
    if (!n->started)
        return GB_OK;
    pthread_mutex_lock(&n->mu);
    n->stop = true;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
    pthread_join(n->producer, NULL);
    n->started = false;
    return n->err;
}

/* A block failed (the disk full...): nothing more reaches the chain, and
 * for a moment more the server answers what is waiting or arrives — each
 * request with an error that says why the node stops — before it does. */
#define DRAIN_MS 2000u

static void drain(gb_node *n, const char *reason)
{
    gb_rpc_stop(n->rpc, reason);
    uint64_t end = now_ms(CLOCK_MONOTONIC) + DRAIN_MS;
    for (uint64_t now; (now = now_ms(CLOCK_MONOTONIC)) < end;)
        if (gb_http_poll(n->http, end - now))
            break;
}

gb_err gb_node_run(gb_node *n, volatile sig_atomic_t *stop,
                   void (*on_block)(void *ctx, const gb_block_result *b),
                   void *ctx, char *detail, size_t detail_len)
{
    n->stop = false;
    n->err = GB_OK;
    n->on_block = on_block;
    n->on_block_ctx = ctx;
    if (pthread_create(&n->producer, NULL, producer_main, n)) {
        if (detail && detail_len)
            snprintf(detail, detail_len, "cannot start the block producer");
        return GB_NOMEM;
    }
    n->started = true;
    gb_err e = GB_OK;
    while (!*stop) {
        pthread_mutex_lock(&n->mu);
        bool busy = n->busy, failed = n->err || n->err_detail[0];
        if (n->cfg.dev && gb_rpc_waiting(n->rpc)) {
            n->nudged = true; /* a transaction came: a block at once */
            pthread_cond_signal(&n->cv);
        }
        pthread_mutex_unlock(&n->mu);
        deliver(n, on_block, ctx);
        if (failed)
            break;
        if ((e = gb_http_poll(n->http, busy ? BUSY_WAIT_MS : MAX_WAIT_MS))) {
            if (detail && detail_len)
                snprintf(detail, detail_len, "the RPC server failed");
            break;
        }
    }
    gb_err pe = stop_producer(n);
    deliver(n, on_block, ctx);
    if (!e && pe) {
        e = pe;
        if (detail && detail_len)
            snprintf(detail, detail_len, "%s", n->err_detail);
        /* a block failed (disk full...): say so to whoever asks, a while,
         * then stop */
        drain(n, n->err_detail);
    }
    return e;
}

/* ---- the dev controls' side (node/devctl.h), on the serving thread ---- */

/* Hold the producer: wait for the block under way, if any; none starts
 * until release. */
static void hold(gb_node *n)
{
    pthread_mutex_lock(&n->mu);
    n->held++;
    while (n->busy)
        pthread_cond_wait(&n->cv, &n->mu);
    pthread_mutex_unlock(&n->mu);
}

static void release(gb_node *n)
{
    pthread_mutex_lock(&n->mu);
    n->held--;
    pthread_cond_broadcast(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

static gb_err dev_exclusive(void *ctx, gb_err (*fn)(void *arg), void *arg)
{
    gb_node *n = ctx;
    hold(n);
    /* blocks made before are told first: the dispatcher's view of the
     * chain is the chain's when fn runs */
    deliver(n, n->on_block, n->on_block_ctx);
    gb_err e = fn(arg);
    release(n);
    return e;
}

static gb_err dev_mine(void *ctx, uint32_t count, uint64_t interval_ms,
                       uint8_t (*hashes)[32], uint32_t *out_done,
                       char *detail, size_t detail_len)
{
    gb_node *n = ctx;
    gb_err e = GB_OK;
    uint32_t i = 0;
    hold(n);
    bool lazy = false;
    for (; i < count; i++) {
        /* the blocks after the first (which takes the pending
         * transactions; none can come meanwhile: this thread serves
         * them) commit without waiting for the disk, flushed at the end */
        if (i == 1 && count > 2)
            lazy = !gb_chain_dev_lazy_blocks(n->chain, true);
        pthread_mutex_lock(&n->mu);
        bool failed = n->err || n->err_detail[0];
        pthread_mutex_unlock(&n->mu);
        if (failed) {
            e = GB_IO;
            break;
        }
        if ((e = produce_ex(n, interval_ms, hashes ? hashes[i] : NULL)))
            break;
    }
    if (lazy) {
        gb_err le = gb_chain_dev_lazy_blocks(n->chain, false);
        if (!e)
            e = le;
    }
    release(n);
    /* the dispatcher learns of them before the answer goes out */
    deliver(n, n->on_block, n->on_block_ctx);
    *out_done = i;
    if (e && detail && detail_len) {
        pthread_mutex_lock(&n->mu);
        snprintf(detail, detail_len, "%s",
                 n->err_detail[0] ? n->err_detail : gb_err_str(e));
        pthread_mutex_unlock(&n->mu);
    }
    return e;
}

/* The controls' log: one line each on stderr, where the node's own
 * messages go. */
static void dev_log(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "dev: %s\n", line);
}

static void dev_wake(void *ctx)
{
    gb_node *n = ctx;
    pthread_mutex_lock(&n->mu);
    pthread_cond_broadcast(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

void gb_node_close(gb_node *n)
{
    if (!n)
        return;
    stop_producer(n);
    gb_http_stop(n->http);
    gb_rpc_free(n->rpc);
    gb_cluster_close(n->cluster);
    gb_devctl_free(n->dev);
    gb_chain_close(n->chain);
    for (done_block *d = n->first, *nx; d; d = nx) {
        nx = d->next;
        gb_block_result_free(&d->r);
        free(d);
    }
    pthread_cond_destroy(&n->cv);
    pthread_mutex_destroy(&n->mu);
    free(n);
}
