/*
 * The queue of a block, in waves on the chain's pool of threads
 * (sched.c; docs/parallel.md).  The block loop (chain.c) opens the
 * executor with the chain, runs the queue once per block and closes it
 * with the chain.  The scheduler calls the pipeline (pipeline.h) and
 * installs its queue operations (queue.h) while it runs; nothing below
 * calls it.
 */
#ifndef GB_CHAIN_SCHED_H
#define GB_CHAIN_SCHED_H

#include "chain/chain_int.h"
#include "chain/pipeline.h"

/* Run the queue of block b while its gas and time last (chain.h's block
 * loop, step 3). */
gb_err gb_chain_process_queue(gb_blk *b);
/* The executor's resources: one processor per thread of the pool. */
gb_err gb_chain_sched_open(gb_chain *c);
void gb_chain_sched_close(gb_chain *c);
/* Fill r->hints from r's journal (any thread: it looks nothing up in
 * the scheduler's maps, which journals applied meanwhile may change;
 * gb_chain_finish looks up what the dispatch's source or the program's
 * last destination does not tell, on the block's thread). */
void gb_chain_hint(gb_blk *b, gb_job *r);

#endif
