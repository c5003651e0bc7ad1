/*
 * The node's metrics, in Prometheus' text exposition format (version
 * 0.0.4), served at GET /metrics on the RPC port.
 *
 * Counters live in a gb_metrics owned by the dispatcher (gb_rpc_metrics):
 * no globals, so two nodes in one process count apart.  Like the
 * dispatcher, a gb_metrics is used on the serving thread only: the block
 * producer measures a block's time on its own thread and hands it over
 * with the block (node.c), and the serving thread counts it.
 *
 * What is counted (names as exposed; the HELP lines say the same):
 *
 *   gearbox_blocks_total                       blocks produced
 *   gearbox_block_production_seconds           histogram: wall-clock time
 *                                              to produce a block
 *   gearbox_block_height                       the last block told
 *   gearbox_messages_dispatched_total{outcome} runs, by outcome (success,
 *                                              failed, wait, exit,
 *                                              skipped)
 *   gearbox_gas_burned_total                   gas burned by runs
 *   gearbox_events_total                       events of produced blocks
 *   gearbox_rpc_requests_total{method,status}  JSON-RPC calls, by method
 *                                              ("unknown" for a name that
 *                                              is not one) and status
 *                                              ("ok", or the error code)
 *
 * and gauges read when scraped (gb_metrics_gauges): queue, waitlist,
 * mailbox, stash, programs, codes, accounts, transaction pool, WebSocket
 * clients, HTTP connections, the store's size, threads and threads busy.
 */
#ifndef GB_NODE_METRICS_H
#define GB_NODE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/browse.h"
#include "chain/chain.h"
#include "gearbox/err.h"

typedef struct gb_metrics gb_metrics;

gb_err gb_metrics_new(gb_metrics **out); /* GB_NOMEM */
void gb_metrics_free(gb_metrics *m);     /* NULL is a no-op */

/* A block was produced (b is only read). */
void gb_metrics_note_block(gb_metrics *m, const gb_block_result *b);
/* ... and took this long to produce (nanoseconds of wall-clock time). */
void gb_metrics_note_block_time(gb_metrics *m, uint64_t ns);

/* A JSON-RPC call to method (a string that outlives m, e.g. from a static
 * table; NULL: no such method) answered with code (0: a result). */
void gb_metrics_note_rpc(gb_metrics *m, const char *method, int code);

/* What is read when scraped. */
typedef struct gb_metrics_gauges {
    gb_chain_stats chain;     /* chain/browse.h */
    bool chain_ok;            /* chain holds figures (else left out) */
    uint64_t tx_pool;         /* transactions waiting for a block */
    unsigned ws_clients;      /* WebSockets open */
    unsigned http_connections;
    unsigned threads_busy;    /* threads running a block's dispatches */
} gb_metrics_gauges;

/* The exposition: *out malloc'd (the caller frees), *len bytes, NUL
 * terminated.  GB_NOMEM. */
gb_err gb_metrics_render(const gb_metrics *m, const gb_metrics_gauges *g,
                         char **out, size_t *len);

#endif
