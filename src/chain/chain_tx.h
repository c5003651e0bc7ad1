/*
 * Transactions (chain_tx.c): the pending pool behind gb_chain_submit (an
 * owned copy of each transaction: gb_ptx in chain_int.h; the senders'
 * nonces and pending sums; the pool log recovered at open) and one
 * transaction applied at the start of a block.  Called by chain.c (open,
 * close, the block loop), chain_dev.c (the pool replaced), the dry runs
 * (chain_dryrun.c) and chain_query.c.  Threads: the functions on the pool
 * are called under c->mu unless said otherwise.
 */
#ifndef GB_CHAIN_CHAIN_TX_H
#define GB_CHAIN_CHAIN_TX_H

#include "chain/chain_int.h"
#include "chain/replay.h"

/* The payer of tx's fee: tx->fee_payer, or the sender when that is zero. */
static inline gb_id gb_chain_tx_payer(const gb_tx *tx)
{
    return gb_id_is_zero(tx->fee_payer) ? tx->sender : tx->fee_payer;
}

/* A prepaid call (chain.h, gb_tx.voucher): its voucher pays. */
static inline bool gb_chain_tx_prepaid(const gb_tx *tx)
{
    return !gb_id_is_zero(tx->voucher) && gb_id_eq(tx->voucher, tx->fee_payer);
}

/* The pending transactions recorded by the pool log (cfg.persist_pool),
 * pending again, the log rewritten with them (at open; detail gets why
 * when it fails). */
gb_err gb_chain_pool_recover(gb_chain *c, char *detail, size_t detail_len);

/* p's owned buffers freed (p itself is the caller's). */
void gb_chain_ptx_free(gb_ptx *p);

/* n bytes of p copied (malloc'ed, at least 1 byte; NULL: out of
 * memory). */
uint8_t *gb_chain_dup_bytes(const uint8_t *p, uint32_t n);

/* After a block committed (under mu): its k transactions leave the pool
 * and the senders' sums are counted again from what is left. */
void gb_chain_pend_drop(gb_chain *c, uint32_t k);
/* A block from inputs: the pending transactions it applied leave the
 * pool.  Under mu. */
void gb_chain_pend_drop_ids(gb_chain *c, const gb_blk_inputs *in);
/* The pending sums counted again from the pending pool (after
 * chain_dev.c replaced it).  Under mu. */
void gb_chain_pend_recount(gb_chain *c);
/* Pending transaction p applied to the block (as at its start: charge,
 * reserve, queue); p->tx points into p's own buffers. */
gb_err gb_chain_apply_tx(gb_blk *b, const gb_ptx *p);

#endif
