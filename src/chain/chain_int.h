/*
 * The chain layer's shared internal types: the gb_chain structure, a
 * pending transaction (gb_ptx), a dispatch record held with its payload
 * (gb_held), the block being produced (gb_blk), the dispatch-record
 * flags and the consensus tunables, and the few functions of chain.c and
 * chain_dev.c that other files of the layer call.  Every file of
 * src/chain includes it, directly or through a per-concern header:
 *
 *   effects.h      a block's effects outside runs (events, balances,
 *                  burning, fees, messages routed, error replies)
 *   chain_apply.h  a run's journal applied; the waitlist
 *   pipeline.h     one dispatch prepared, run and finished (gb_job)
 *   queue.h        the queue as the pipeline sees it (the scheduler's
 *                  when it runs)
 *   sched.h        the queue in waves on the pool
 *   chain_tx.h     transactions: the pending pool, one applied
 *   gas_tree.h, voucher.h, replay.h, pool_log.h, browse.h, overlay.h,
 *   idmap.h        their modules'
 *
 * The calls go one way: chain.c -> chain_tx / sched -> pipeline ->
 * chain_apply -> effects -> queue.h (the scheduler's operations, set
 * while it runs) -> the store; the gas tree and the effects use each
 * other (gas_tree.h).  A few tests
 * include this header to look inside.  Not for other layers (the build
 * keeps them out: docs/architecture.md).
 */
#ifndef GB_CHAIN_CHAIN_INT_H
#define GB_CHAIN_CHAIN_INT_H

#include <pthread.h>
#include <stdio.h>

#include "chain/chain.h"
#include "chain/idmap.h"
#include "chain/overlay.h"
#include "gear/code_cache.h"
#include "gear/codes.h"
#include "gear/gas.h"
#include "state/tables.h"
#include "util/pool.h"

/* Tunables (consensus: part of what a block computes). */
#define GB_CHAIN_WAITLIST_RENT 100u      /* gas per block spent in the waitlist */
#define GB_CHAIN_MAILBOX_RENT 100u       /* gas per block a mailbox message
                                            pays (Vara's MailboxCost) */
#define GB_CHAIN_RESERVATION_RENT 100u   /* gas per block a reservation pays
                                            (Vara's ReservationCost) */
#define GB_CHAIN_RESERVE_FOR GB_GEAR_RESERVE_FOR /* blocks a hold's task
                                            may run late, paid for */
#define GB_CHAIN_MAX_DISPATCHES 100000u  /* per block, a safety valve */

/* gb_db_dispatch.flags bits */
enum {
    /* (waitlist records keep the block their wait began in the unused
     * signal_code field: signals are not produced yet) */
    /* the message's value was already credited to the destination (the
     * message ran once and waited) */
    GB_CHAIN_F_VALUE_CREDITED = 1u << 0,
    /* the gas tree (gas_tree.c): the message holds no gas of its own and
     * draws on node gas_node (Gear's UnspecifiedLocal); its gas_limit is
     * 0 when stored */
    GB_CHAIN_F_GASLESS = 1u << 1,
    /* its own gas is in the gas table under its id (it has children
     * drawing on it); its gas_limit is 0 when stored */
    GB_CHAIN_F_POOLED = 1u << 2,
};

/* A pending transaction: an owned copy of what was submitted. */
typedef struct gb_ptx {
    gb_tx tx;        /* pointers into the owned buffers below */
    uint8_t *code, *salt, *payload;
    gb_id id;        /* what submit returned */
    uint64_t nonce;  /* the sender's nonce it got */
    bool has_mid;    /* its message id was given (gb_chain_submit_as),
                        not derived from the block's height */
    gb_id mid;
} gb_ptx;

struct gb_chain {
    gb_chain_cfg cfg;
    gb_db *db;
    gb_code_cache *codes;
    /* the parallel executor (sched.c): nthreads processors, one per
     * thread of the pool (index 0: the block's thread) */
    unsigned nthreads;
    gb_pool *pool;
    gb_processor **procs;
    /* the scheduler's two wave buffers, kept from block to block (all
     * zero between blocks: sched.c) */
    struct gb_job *run_buf[2];
    uint32_t run_cap[2];
    /* Threads (chain.h, "threads"): mu guards the head fields and the
     * pending pool below; a block takes the first ntaken pending
     * transactions under it, runs without it, and commits, drops what it
     * took and moves the head under it again, so that a submit sees the
     * committed nonces and the pending ones as one. */
    pthread_mutex_t mu;
    uint32_t ntaken;   /* pending[0, ntaken) are in the block under way */
    bool producing;    /* a block is under way (its height is height + 1) */
    /* read-only calls and dry runs: their own processor, one at a time */
    pthread_mutex_t call_mu;
    gb_processor *call_proc;
    /* cfg.persist_pool: the pending transactions on disk (pool_log.h);
     * under mu */
    struct gb_pool_log *plog;
    bool recovering;   /* submits replayed from the log are not logged */
    /* written under mu, read without it by queries (which must not wait
     * for a block's commit) */
    _Atomic uint32_t height;
    _Atomic uint64_t head_ts; /* the last block's timestamp */
    uint8_t head_hash[32];
    gb_ptx *pending;
    uint32_t npending, cap_pending;
    /* per sender of pending transactions: how many, and what they hold
     * (so that a submit costs the same with a thousand pending) */
    gb_idmap pend_senders;  /* (sender, 0) -> index in pend_sums */
    struct gb_pend_sum {
        uint64_t n;
        gb_u128 reserved;
    } *pend_sums;
    uint32_t npend_sums, cap_pend_sums;
    /* (id, kind) of the pending uploads, creations, replies and claims,
     * so that a submit finds one pending in O(1) (chain_tx.c pending_has);
     * rebuilt with pend_senders */
    gb_idmap pend_ids;
    struct gb_chain_snaps *snaps; /* dev snapshots (chain_dev.c), or NULL */
    /* gb_chain_result_recycle, under mu: the events array the last block
     * handed out (ev_out, its room), and one given back for the next
     * block to write into (pages already mapped) */
    gb_event *ev_out, *ev_spare;
    uint32_t ev_out_cap, ev_spare_cap;
};

/* A dispatch record with its payload owned (x.d.payload == payload). */
typedef struct gb_held {
    gb_db_dispatch x;
    uint8_t *payload;
} gb_held;

/* One block being produced. */
typedef struct gb_blk {
    gb_chain *c;
    gb_db_txn *txn;
    uint32_t height;
    gb_block_ctx bctx;
    gb_event *ev;
    uint32_t nev, cap_ev;
    struct gb_blake2b_state *ev_digest; /* the events' digest (replay.h)
                                           over ev[0, ev_digested), when
                                           the block keeps one, else NULL:
                                           sched.c adds to it on a worker
                                           while no event is made */
    uint32_t ev_digested;
    pthread_mutex_t *ev_mu; /* held while ev moves (events_grow) when a
                               worker may be reading the events made so
                               far for the digest (sched.c sets it while
                               the queue runs with workers), else NULL */
    uint64_t gas_left, gas_used;
    uint32_t dispatched;
    struct gb_sched *sched; /* while the queue runs (sched.c), else NULL */
    const struct gb_queue_ops *queue; /* the running queue's operations
                                         (queue.h): set with sched, by
                                         sched.c, else NULL */
    uint64_t program_credits; /* programs' balances credited so far */
    gb_u128 burn_pending;     /* burned while the queue runs, not yet in
                                 META "burned" (gb_chain_burn_flush) */
    gb_overlay *ov;           /* while the queue runs: the pages it wrote
                                 (overlay.h), else NULL */
    gb_processor *proc;       /* runs off the queue (gb_chain_execute):
                                 NULL for the block's own, procs[0] */
    uint64_t stop_ns;         /* CLOCK_MONOTONIC ns after which the queue
                                 starts no more dispatches (0: none) */
    bool out_of_time;         /* the queue stopped at stop_ns (or at
                                 max_waves) */
    uint32_t waves;           /* waves the queue ran (sched.c) */
    uint32_t max_waves;       /* a replay: stop after this many, as the
                                 block replayed did (0: no limit) */
    struct gb_gas_cache *gas; /* while the queue runs: the gas tree's
                                 nodes read and written (gas_tree.c),
                                 else NULL */
    struct gb_est_watch *est; /* a gas estimate's dry block: what its
                                 message's node holds (chain_dryrun.c,
                                 holds.h), else NULL */
} gb_blk;

/* detail (may be NULL) gets msg, cut to len bytes. */
static inline void gb_chain_set_detail(char *detail, size_t len,
                                       const char *msg)
{
    if (detail && len)
        snprintf(detail, len, "%s", msg);
}

/* chain_query.c: a program's record as gb_chain_program_info reports
 * it (the stored-page counts left zero). */
void gb_chain_prog_info_from(const gb_db_program *p, gb_chain_prog_info *out);

/* chain.c: drop least recently used prepared codes beyond the cache's
 * limit, when nothing can be holding one: no block under way, no
 * read-only call or estimate running (else later: it is called again
 * after each of those). */
void gb_chain_trim_codes(gb_chain *c);

/* chain_dev.c: the snapshots dropped, their files deleted (close). */
void gb_chain_dev_free(gb_chain *c);

#endif
