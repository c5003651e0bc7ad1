/*
 * The node loop (see node.h): one thread, serving JSON-RPC between blocks.
 */
#include "node/node.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "node/http.h"
#include "node/rpc.h"
#include "util/mem.h"

/* The longest a poll waits, so that a stop request is seen quickly even
 * if its signal arrived just before the wait began. */
#define MAX_WAIT_MS 100u

struct gb_node {
    gb_node_cfg cfg;
    gb_chain *chain;
    gb_rpc *rpc;
    gb_http *http;
};

static uint64_t now_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

gb_err gb_node_open(const gb_node_cfg *cfg, gb_node **out, char *detail,
                    size_t detail_len)
{
    gb_node *n = gb_calloc(1, sizeof *n);
    if (!n)
        return GB_NOMEM;
    n->cfg = *cfg;
    if (!n->cfg.block_time_ms)
        n->cfg.block_time_ms = 1000;
    gb_chain_cfg cc;
    gb_chain_cfg_default(&cc);
    cc.data_dir = cfg->data_dir;
    cc.block_time_ms = n->cfg.block_time_ms;
    cc.threads = cfg->threads;
    gb_err e = gb_chain_open(&cc, &n->chain, detail, detail_len);
    if (e)
        goto fail;
    gb_rpc_cfg rc;
    gb_rpc_cfg_default(&rc);
    rc.dev = cfg->dev;
    if (cfg->max_body)
        rc.max_request = cfg->max_body;
    if ((e = gb_rpc_new(n->chain, &rc, &n->rpc)))
        goto fail;
    gb_http_cfg hc = {.host = cfg->rpc_host,
                      .port = cfg->rpc_port,
                      .max_body = cfg->max_body,
                      .max_connections = cfg->max_connections};
    if ((e = gb_http_start(&hc, n->rpc, &n->http, detail, detail_len)))
        goto fail;
    *out = n;
    return GB_OK;
fail:
    gb_node_close(n);
    return e;
}

uint16_t gb_node_rpc_port(const gb_node *n) { return gb_http_port(n->http); }

gb_chain *gb_node_chain(gb_node *n) { return n->chain; }

static gb_err produce(gb_node *n,
                      void (*on_block)(void *, const gb_block_result *),
                      void *ctx, char *detail, size_t detail_len)
{
    uint64_t ts = now_ms(CLOCK_REALTIME);
    uint64_t parent = gb_chain_timestamp(n->chain);
    if (ts <= parent) /* the clock went back, or two blocks in 1 ms */
        ts = parent + 1;
    gb_block_result b;
    gb_err e = gb_chain_produce_block_at(n->chain, ts, &b);
    if (e) {
        if (detail && detail_len)
            snprintf(detail, detail_len, "block %u: %s",
                     gb_chain_height(n->chain) + 1, gb_err_str(e));
        return e;
    }
    if (gb_rpc_note_block(n->rpc, &b) && detail && detail_len)
        snprintf(detail, detail_len, "block %u: not kept for RPC (out of "
                 "memory)", b.height);
    if (on_block)
        on_block(ctx, &b);
    gb_block_result_free(&b);
    return GB_OK;
}

gb_err gb_node_run(gb_node *n, volatile sig_atomic_t *stop,
                   void (*on_block)(void *ctx, const gb_block_result *b),
                   void *ctx, char *detail, size_t detail_len)
{
    uint64_t next = now_ms(CLOCK_MONOTONIC) + n->cfg.block_time_ms;
    while (!*stop) {
        uint64_t now = now_ms(CLOCK_MONOTONIC);
        bool due = now >= next || (n->cfg.dev && gb_rpc_waiting(n->rpc));
        if (due) {
            gb_err e = produce(n, on_block, ctx, detail, detail_len);
            if (e)
                return e;
            next = now_ms(CLOCK_MONOTONIC) + n->cfg.block_time_ms;
            continue;
        }
        uint64_t wait = next - now;
        if (wait > MAX_WAIT_MS)
            wait = MAX_WAIT_MS;
        gb_err e = gb_http_poll(n->http, wait);
        if (e) {
            if (detail && detail_len)
                snprintf(detail, detail_len, "the RPC server failed");
            return e;
        }
    }
    return GB_OK;
}

void gb_node_close(gb_node *n)
{
    if (!n)
        return;
    gb_http_stop(n->http);
    gb_rpc_free(n->rpc);
    gb_chain_close(n->chain);
    free(n);
}
