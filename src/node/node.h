/*
 * The node: a chain in a data directory, the JSON-RPC server in front of
 * it, and the block producer, all on the caller's one thread (the chain is
 * not thread-safe): gb_node_run alternates between serving requests
 * (gb_http_poll, waiting at most until the next block is due) and
 * producing blocks.
 *
 * Blocks come every cfg.block_time_ms, and in dev mode also as soon as a
 * transaction waits.  Their timestamps are the wall clock (milliseconds
 * since the epoch), kept strictly increasing.  A restart on the same data
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
    unsigned max_connections; /* 0: 64 */
    unsigned threads;         /* gb_chain_cfg.threads: threads running
                                 dispatches (docs/parallel.md); 0: one
                                 per core */
    uint64_t code_cache_bytes; /* gb_chain_cfg.code_cache_bytes: prepared
                                  code kept in memory between blocks
                                  (0: 256 MiB) */
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
 * sets it); the block under way is finished first.  on_block (may be
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
