/*
 * The dev node's controls (docs/devnode.md, issue #21): how blocks are
 * mined, the time the next block gets, the accounts being impersonated —
 * the state behind the dev_* control methods (rpc_dev.c), shared by the
 * dispatcher's thread (which changes it) and the block producer's
 * (node.c, which reads it), under a mutex of its own.
 *
 * Mining modes:
 *   AUTO      a block as soon as a transaction waits, and every block
 *             time (the dev node's default);
 *   INTERVAL  a block every interval_ms, whether or not anything waits;
 *   MANUAL    blocks only when asked (dev_mine).
 *
 * Time.  A block's timestamp is the wall clock plus an offset, and always
 * after its parent's.  gb_devctl_set_time makes the next block's timestamp
 * exactly the one given (the offset becomes that minus the wall clock when
 * it is made, so later blocks go on from there); gb_devctl_advance adds to
 * the offset.  Neither goes back: a time at or before the head's is
 * refused.
 *
 * The node's side (gb_devctl_node): what only the node can do — produce
 * blocks now, and run something while no block is under way.  The node
 * fills it when it creates the gb_devctl.
 */
#ifndef GB_NODE_DEVCTL_H
#define GB_NODE_DEVCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "gearbox/err.h"

typedef enum gb_mining {
    GB_MINING_AUTO,
    GB_MINING_INTERVAL,
    GB_MINING_MANUAL,
} gb_mining;

/* "auto", "interval", "manual"; NULL for other values. */
const char *gb_mining_name(gb_mining m);
/* The mode named s; false when none. */
bool gb_mining_parse(const char *s, gb_mining *out);

/* The most blocks one gb_devctl_node.mine may make (dev_mine's limit). */
#define GB_DEVCTL_MAX_MINE 10000u

typedef struct gb_devctl_node {
    void *ctx;
    /*
     * Produce n blocks now, one after the other, on the caller's thread
     * (the producer held meanwhile), each with the timestamp
     * gb_devctl_block_ts gives (or, interval_ms > 0, the parent's +
     * interval_ms), and hand them to the dispatcher before returning (its
     * kept blocks, subscriptions).  hashes[i]: block i's hash (may be
     * NULL); *out_done: how many were made (they stay when a later one
     * fails).  Errors: a block's (detail says which).
     */
    gb_err (*mine)(void *ctx, uint32_t n, uint64_t interval_ms,
                   uint8_t (*hashes)[32], uint32_t *out_done, char *detail,
                   size_t detail_len);
    /* Run fn(arg) while no block is under way and none starts; its
     * result. */
    gb_err (*exclusive)(void *ctx, gb_err (*fn)(void *arg), void *arg);
    /* The mining mode changed: the producer looks at it again. */
    void (*wake)(void *ctx);
    /* A control was used: one line saying what (may be NULL). */
    void (*log)(void *ctx, const char *line);
} gb_devctl_node;

typedef struct gb_devctl gb_devctl;

/* A gb_devctl over chain (borrowed), with node's side (copied), mining
 * in mode (interval_ms: INTERVAL's period, and AUTO's block time).
 * GB_NOMEM. */
gb_err gb_devctl_new(gb_chain *chain, const gb_devctl_node *node,
                     gb_mining mode, uint64_t interval_ms, gb_devctl **out);
void gb_devctl_free(gb_devctl *d); /* NULL: no-op */

const gb_devctl_node *gb_devctl_node_ops(const gb_devctl *d);
gb_chain *gb_devctl_chain(const gb_devctl *d);

/* The mining mode, and its period in *out_interval_ms (may be NULL). */
gb_mining gb_devctl_mining(gb_devctl *d, uint64_t *out_interval_ms);
/* Switch modes (interval_ms 0: keep the period).  Then node->wake. */
void gb_devctl_set_mining(gb_devctl *d, gb_mining mode, uint64_t interval_ms);

/*
 * The timestamp of a block made now: the time set by gb_devctl_set_time
 * (once: it is used up), or else parent_ts + step_ms when step_ms > 0, or
 * else wall_ms (the wall clock, ms since the epoch) plus the offset; at
 * least parent_ts + 1.  The offset then becomes that minus wall_ms, so
 * later blocks go on from it.  Only the producer of that block calls it.
 */
uint64_t gb_devctl_block_ts(gb_devctl *d, uint64_t wall_ms,
                            uint64_t parent_ts, uint64_t step_ms);
/* What the next block's timestamp would be if made at wall_ms. */
uint64_t gb_devctl_peek_ts(gb_devctl *d, uint64_t wall_ms,
                           uint64_t parent_ts);
/* The next block's timestamp is ts: GB_INVALID when ts is not after the
 * head's (time never goes back). */
gb_err gb_devctl_set_time(gb_devctl *d, uint64_t ts);
/* Later blocks' timestamps move ms forward (GB_OVERFLOW past 2^62). */
gb_err gb_devctl_advance(gb_devctl *d, uint64_t ms);

/* Impersonation: transactions from account need no signature (dev
 * only).  add: GB_NOMEM, GB_LIMIT past 1024 accounts; remove: false when
 * it was not impersonated. */
gb_err gb_devctl_impersonate(gb_devctl *d, gb_id account);
bool gb_devctl_stop_impersonating(gb_devctl *d, gb_id account);
bool gb_devctl_impersonated(gb_devctl *d, gb_id account);
uint32_t gb_devctl_impersonated_count(gb_devctl *d);

/* The wall clock, ms since the epoch. */
uint64_t gb_devctl_wall_ms(void);

#endif
