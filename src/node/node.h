/*
 * The node: a chain in a data directory, the JSON-RPC server in front of
 * it on the caller's thread, and the block producer on a thread of its
 * own (gb_node_run starts and stops it), so that requests are answered
 * while a block is produced: queries from the last committed block,
 * transactions for the next one (chain.h, "threads").  A block's queue
 * runs for at most half the block time (what is left waits for the next
 * block); read-only calls and gas estimates stop at cfg.call_time_ms.
 *
 * Blocks come every cfg.block_time_ms, and in dev mode also as soon as a
 * transaction waits — or, in dev mode, as cfg.mining says (interval,
 * manual; node/devctl.h: the dev controls switch it, mine blocks at once,
 * move time, hold the producer while they change the chain).  Their
 * timestamps are the wall clock (milliseconds since the epoch; in dev mode
 * plus the controls' offset), kept strictly increasing.  A restart on the same data
 * directory continues from the last committed block.
 */
#ifndef GB_NODE_NODE_H
#define GB_NODE_NODE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "gearbox/err.h"

typedef struct gb_node_cfg {
    const char *data_dir;     /* created if missing */
    bool dev;                 /* dev_* methods, blocks at once when
                                 transactions wait */
    const char *rpc_host;     /* NULL: 127.0.0.1 */
    uint16_t rpc_port;        /* 0: a free port */
    uint64_t block_time_ms;   /* 0: 1000 */
    size_t max_body;          /* HTTP request body limit (0: 24 MiB) */
    unsigned max_connections; /* 0: 128 */
    /* the front door's other limits (node/http.h, node/rpc.h; 0: their
     * defaults) and the origins allowed beside localhost */
    unsigned max_per_ip;      /* gb_http_cfg */
    unsigned header_timeout_s;
    unsigned request_timeout_s;
    size_t max_buffered;
    const char *cors;
    uint32_t max_batch;       /* gb_rpc_cfg */
    uint32_t max_values;
    size_t max_response;
    unsigned threads;         /* gb_chain_cfg.threads: threads running
                                 dispatches (docs/parallel.md); 0: one
                                 per core */
    uint8_t wasm_tier;        /* gb_chain_cfg.wasm_tier (gb_wasm_tier) */
    uint64_t call_time_ms;    /* wall-clock limit of a read-only call or
                                 gas estimate, and of those of one
                                 request together; 0: 2000 */
    uint64_t code_cache_bytes; /* gb_chain_cfg.code_cache_bytes: prepared
                                  code kept in memory between blocks
                                  (0: 256 MiB) */
    /* Replicas (node/cluster.h, docs/cluster.md): with cluster_urls, the
     * node is one replica of the chain named cluster_name (NULL "dev") on
     * those NATS JetStream servers; cluster_replica names it (NULL: host
     * and pid), cluster_replicas is the streams' copies (0: 1). */
    const char *cluster_urls;
    const char *cluster_name;
    const char *cluster_replica;
    unsigned cluster_replicas;
    /* a replica's block work (its block thread and the executor's
     * workers: gb_chain_set_nice) this many steps of nice below the
     * process's (1 to 19; 19 at most), below its requests and the log's
     * traffic: 0 is the default, 10; -1 leaves it at the process's */
    int block_nice;
    /* dev only: how blocks are mined (node/devctl.h; the dev_* controls
     * switch it at run time).  GB_MINING_AUTO (0) is the default;
     * mining_interval_ms: INTERVAL's period (0: block_time_ms) */
    int mining;               /* a gb_mining */
    uint64_t mining_interval_ms;
} gb_node_cfg;

typedef struct gb_node gb_node;

/* Open the chain and start listening.  Errors (detail says why): those of
 * gb_chain_open — GB_BUSY when another process has the data directory
 * open (its lock, state/db.h), checked before the port is bound — and of
 * gb_http_start (GB_IO: the port in use), after which a data directory
 * that this call created is removed again. */
gb_err gb_node_open(const gb_node_cfg *cfg, gb_node **out, char *detail,
                    size_t detail_len);

uint16_t gb_node_rpc_port(const gb_node *n);
gb_chain *gb_node_chain(gb_node *n);

/*
 * Serve and produce blocks until *stop becomes nonzero (a signal handler
 * sets it); the block under way is finished first, then one more is made
 * for the transactions still waiting (accepted ones are never dropped).
 * on_block runs on the caller's thread.  on_block (may be
 * NULL) is called after each block, with ctx.  Errors: a block that could
 * not be produced, or the server failing (detail says which); the node
 * then stops.  A block that fails — GB_NOSPACE (disk full), GB_STORE_FULL
 * (the map size reached), GB_IO — changes nothing in the store (the chain
 * stays at the last committed block, a restart continues from it); for
 * half a second more every request is answered with GB_RPC_NODE_STOPPED
 * and detail's reason (which names the data directory), then it returns.
 */
gb_err gb_node_run(gb_node *n, volatile sig_atomic_t *stop,
                   void (*on_block)(void *ctx, const gb_block_result *b),
                   void *ctx, char *detail, size_t detail_len);

/* Stop listening and close the chain.  NULL is a no-op. */
void gb_node_close(gb_node *n);

#endif
