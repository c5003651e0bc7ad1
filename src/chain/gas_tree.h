/*
 * The gas tree (gas_tree.c, Gear's gas provider): the nodes messages draw
 * their gas on, kept in the GAS table and in dispatch records, cached in
 * memory while the queue runs.  Called by the journal (chain_apply.c),
 * the pipeline, the effects (error replies), the scheduler (the cache
 * around the queue), browse.c and the dry runs; it calls back the
 * effects' gb_chain_refund_gas (a root's gas back to its payer).
 */
#ifndef GB_CHAIN_GAS_TREE_H
#define GB_CHAIN_GAS_TREE_H

#include "chain/chain_int.h"

/* gas_tree.c: a node of the gas tree being worked on — one from the gas
 * table (stored), or the one a dispatch record holds itself (value =
 * its gas_limit, parent = its gas_node). */
typedef struct gb_gnode {
    gb_id id;
    gb_db_gas_node n;
    bool stored;
} gb_gnode;

/* The gas a stored dispatch may use: its own, or its node's (as the
 * committed tree has it: for readers outside a block). */
gb_err gb_chain_gas_limit(gb_db_txn *txn, const gb_db_dispatch *x,
                          uint64_t *out);
/* The same in block b (through its cache while the queue runs). */
gb_err gb_chain_gas_limit_b(struct gb_blk *b, const gb_db_dispatch *x,
                            uint64_t *out);
/* What gb_chain_gas_limit_t read a gas limit from: a node of the block's
 * cache and how often it had been written then (zero: nothing to tell —
 * the dispatch has its own gas, or there is no cache). */
typedef struct gb_gas_ticket {
    uint32_t ent, ver;
} gb_gas_ticket;
/* gb_chain_gas_limit_b, and *t for the node it read. */
gb_err gb_chain_gas_limit_t(struct gb_blk *b, const gb_db_dispatch *x,
                            uint64_t *out, gb_gas_ticket *t);
/* Whether the node t was taken from is unwritten since (false: no
 * ticket): the limit read with t is then still the node's (the
 * scheduler's picked gas, checked when the journal is applied, without
 * a lookup in the cache). */
bool gb_chain_gas_same(const struct gb_blk *b, gb_gas_ticket t);
/* The node t was taken from (no ticket: nothing) is the one the cache
 * looks at first in its next lookup: a journal applied draws on the node
 * its dispatch's gas was read from (its holder, then settling it), and
 * in a wave of many pools the node looked at last is another's. */
void gb_chain_gas_look_first(struct gb_blk *b, gb_gas_ticket t);
/* h back to the tree as it is (not settled). */
gb_err gb_chain_gas_put(struct gb_blk *b, const gb_gnode *h);
/* While the queue runs the tree's nodes are kept in memory (a node is
 * read and written at every hop of a message): begin before, flush (to
 * the GAS table) and end after. */
gb_err gb_chain_gas_cache_begin(struct gb_blk *b);
gb_err gb_chain_gas_cache_flush(struct gb_blk *b);
void gb_chain_gas_cache_end(struct gb_blk *b);
/* x, a message queued in this block and not stored yet, takes its
 * holder's place when the holder is a consumed node whose only child is
 * x (Gear's pool of a finished message, drawn on by the one gasless
 * message it left): x gets the holder's gas as its own and its parent,
 * and the holder goes.  Nothing a run sees or pays changes (x's limit,
 * where its gas goes when it is done, the ancestors' counts are the
 * same), but a pool passed along a chain of messages (ping-pong) stays
 * in their records instead of being written to the GAS table in every
 * block.  Called by the scheduler when it writes a message made in the
 * block to the queue table (left for a later block), which it does
 * before gb_chain_gas_cache_flush; does nothing without the cache, or in
 * a gas estimate's dry block (it watches its root by node id). */
gb_err gb_chain_gas_pass_on(struct gb_blk *b, gb_db_dispatch *x);
/* The node x's run draws on (its holder); x->d.gas_limit is taken as the
 * value of a node the record holds itself. */
gb_err gb_chain_gas_holder(struct gb_blk *b, const gb_db_dispatch *x,
                           gb_gnode *out);
/* x is done: its node consumed (gasless: its holder loses a child), the
 * gas left moving to the nearest ancestor still in use, or back to the
 * payer (Gear's consume).  h: x's holder, as changed since it was read. */
gb_err gb_chain_gas_done(struct gb_blk *b, const gb_db_dispatch *x,
                         gb_gnode *h);
/* h goes back to the gas table as it is (it has children or is drawn
 * on), or, when it is consumed and no longer drawn on, settles (its gas
 * moves up or back, and it goes when it has no children). */
gb_err gb_chain_gas_settle(struct gb_blk *b, gb_gnode *h);

#endif
