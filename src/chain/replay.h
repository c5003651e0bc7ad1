/*
 * A block's inputs (replay.c): what its producer chose, stored with the
 * block so that it can be replayed (and sent to a cluster's replicas);
 * the genesis record and the dev balance keys that are inputs too.
 * Called by chain.c (storing them, blocks from inputs), chain_dev.c and
 * the block tests; replay.c calls back gb_chain_produce_inputs.
 */
#ifndef GB_CHAIN_REPLAY_H
#define GB_CHAIN_REPLAY_H

#include "chain/chain_int.h"
#include "util/hash.h"

/* A block's inputs: everything its producer chose (replay.c stores them
 * with the block and reads them back to replay it). */
typedef struct gb_blk_inputs {
    uint64_t timestamp;
    uint64_t gas_limit;   /* the block's gas allowance */
    uint32_t waves;       /* the queue stopped for time after this many
                             waves (0: it did not) */
    uint8_t events[32];   /* digest of the block's events (replay.c) */
    gb_ptx *tx;           /* the transactions, in order */
    uint32_t ntx;
} gb_blk_inputs;

/* chain.c: produce the next block from in (a replay: the pending pool is
 * left alone); the block's stored inputs are in->... again. */
gb_err gb_chain_produce_inputs(gb_chain *c, const gb_blk_inputs *in,
                               gb_block_result *out);

/* replay.c: the record of a block's inputs, malloc'ed (*len its length);
 * NULL when out of memory. */
uint8_t *gb_blk_inputs_encode(const gb_blk_inputs *in, size_t *len);
/* Decode rec; in->tx is malloc'ed (free it), its buffers point into rec.
 * GB_MALFORMED, GB_NOMEM. */
gb_err gb_blk_inputs_decode(const uint8_t *rec, size_t len,
                            gb_blk_inputs *in);
/* The genesis's inputs (stored as block 0's): the parts of the
 * configuration genesis depends on (replay.c).  gb_chain_genesis_apply
 * sets them in cfg from a stored record (GB_MALFORMED when it is not
 * one). */
#define GB_CHAIN_GENESIS_REC (1 + 16 + 1)
void gb_chain_genesis_encode(const gb_chain_cfg *cfg,
                             uint8_t out[GB_CHAIN_GENESIS_REC]);
gb_err gb_chain_genesis_apply(const uint8_t *rec, size_t len,
                              gb_chain_cfg *cfg);
/* A dev balance set (chain_dev.c) is an input of the next block: kept in
 * the inputs table under "dev" || head height (u32 BE) || the account,
 * its value the amount (u128 LE); replay.c sets them again before that
 * block. */
#define GB_CHAIN_DEV_KEY (3 + 4 + 32)
void gb_chain_dev_key(uint32_t height, gb_id id,
                      uint8_t out[GB_CHAIN_DEV_KEY]);
/* The digest of a block's events, in order. */
void gb_chain_events_digest(const gb_event *ev, uint32_t n, uint8_t out[32]);
/* The same in steps, over the events as they come (begin, then add the
 * events in order, as many at a time as wanted, then end): the same
 * digest whatever the steps. */
void gb_chain_events_digest_begin(gb_blake2b_state *st);
void gb_chain_events_digest_add(gb_blake2b_state *st, const gb_event *ev,
                                uint32_t n);
void gb_chain_events_digest_end(gb_blake2b_state *st, uint8_t out[32]);

#endif
