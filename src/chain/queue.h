/*
 * The queue as the block's code sees it: a message queued for a
 * program, the per-destination caches, what is known of an id.  While
 * the scheduler runs the queue (gb_chain_process_queue) it installs its
 * operations in b->queue (sched.c: the window in memory, its maps); at
 * any other time (tasks, transactions, dry runs) there are none — a
 * message goes to the queue table and nothing is cached or known.
 *
 * This is how the pipeline, the journal and the effects reach the
 * running scheduler without calling sched.c: the scheduler calls the
 * pipeline (pipeline.h), the pipeline reaches the queue only through
 * this table, and the dependency is one-way.  Included by effects.c,
 * chain_apply.c, pipeline.c, chain_tx.c and sched.c (which implements
 * it).
 */
#ifndef GB_CHAIN_QUEUE_H
#define GB_CHAIN_QUEUE_H

#include "chain/chain_int.h"
#include "chain/idmap.h"
#include "chain/overlay.h"

#define GB_CHAIN_HOT_PAGES 8
/* What a block learned of a program the first time it prepared one of
 * its dispatches, so that the next ones read less (sched.c keeps one per
 * destination while the queue runs).  Kept true by the journals applied
 * since — which are the only writers of a program's pages and
 * reservations while the queue runs: its own, or its creation or
 * clearing (gb_chain_pages_clear) — so using it gives what reading again
 * would. */
typedef struct gb_prog_cache {
    bool pages_ok;                 /* pages lists every persisted page */
    uint32_t npages, pages[GB_CHAIN_HOT_PAGES];
    bool no_resv;                  /* the program has no reservations */
    const gb_gear_code *code;      /* its prepared code, NULL: not yet */
    gb_id code_id;
    gb_ov_kept ov;                 /* its pages in the block's overlay */
    /* where its last message went (a program talks to the same peers):
     * the destination in the scheduler (GB_IDMAP_NONE: not known then)
     * and whether it is known to be a program */
    bool has_last;
    gb_id last_to;
    uint32_t last_di;
    bool last_prog;
    /* the source of its last dispatch, when it was a program with a
     * destination index (the same peers write back: its next dispatch's
     * source is known without a lookup) */
    bool has_from;
    gb_id from;
    uint32_t from_di;
} gb_prog_cache;

/* What is known of a journal before it is applied: the allocations'
 * length, from the thread that ran the dispatch (sched.c gb_chain_hint),
 * and where its messages go, filled in by the block's thread from the
 * dispatch's source or the program's last destination when they are the
 * same id, else looked up (pipeline.c complete_hints).  Each is only ever
 * a shortcut to the same answer: the scheduler's destinations and the
 * known programs only grow during a block, so a hit stays true; a miss
 * is looked up again. */
#define GB_HINT_MSGS 4
typedef struct gb_hints {
    bool valid;
    uint32_t alloc_bits;          /* of the journal's allocations */
    uint32_t dest[GB_HINT_MSGS];  /* msgs[i]'s destination in the
                                     scheduler, or GB_IDMAP_NONE */
    bool program[GB_HINT_MSGS];   /* msgs[i]'s destination is a program */
    uint32_t reply_dest;
    bool reply_program;
    /* the ids the run sent, for its DISPATCHED event (gb_chain_sent_ids,
     * made on the run's thread; owned until the journal's event takes
     * them, NULL: none made — the journal makes them) */
    gb_id *sent;
    uint32_t nsent;
} gb_hints;

/* The running queue's operations (sched.c fills one; the functions below
 * call them while b->queue is set).  Each takes the block whose queue it
 * is; which thread may call which is said at the wrappers. */
typedef struct gb_queue_ops {
    gb_err (*push)(gb_blk *b, const gb_db_dispatch *x, uint32_t dest,
                   uint8_t **own);
    gb_prog_cache *(*prog_cache)(gb_blk *b, uint32_t di);
    gb_prog_cache *(*prog_cache_of)(gb_blk *b, gb_id pid);
    void (*lookup)(gb_blk *b, gb_id id, uint32_t *di, bool *prog);
    bool (*known_program)(gb_blk *b, gb_id id);
    void (*note_program)(gb_blk *b, gb_id id);
} gb_queue_ops;

/* Queue x for a program: to the running queue's memory when it can take
 * it (the message may run later in this block; what is left is written
 * back at the end), else to the queue table.  With the scheduler's index
 * of x's destination when known (gb_hints.dest; GB_IDMAP_NONE: look it
 * up).  The block's thread. */
static inline gb_err gb_chain_queue_push_hint(gb_blk *b,
                                              const gb_db_dispatch *x,
                                              uint32_t dest)
{
    return b->queue ? b->queue->push(b, x, dest, NULL)
                    : gb_db_queue_push(b->txn, x, NULL);
}
static inline gb_err gb_chain_queue_push(gb_blk *b, const gb_db_dispatch *x)
{
    return gb_chain_queue_push_hint(b, x, GB_IDMAP_NONE);
}
/* The same, the caller keeping x's payload in *own (malloc'd; own NULL:
 * none): the running queue takes it rather than copy it when the message
 * stays in memory (gb_chain_held_take: *own becomes NULL), else it is
 * left to the caller. */
static inline gb_err gb_chain_queue_push_own(gb_blk *b,
                                             const gb_db_dispatch *x,
                                             uint32_t dest, uint8_t **own)
{
    return b->queue ? b->queue->push(b, x, dest, own)
                    : gb_db_queue_push(b->txn, x, NULL);
}
/* Destination di's cache (GB_IDMAP_NONE, or no queue running: NULL).
 * While the queue runs; a wave's preparation may use its own
 * destination's on any thread, anything else only the block's thread. */
static inline gb_prog_cache *gb_chain_prog_cache(gb_blk *b, uint32_t di)
{
    return b->queue ? b->queue->prog_cache(b, di) : NULL;
}
/* The same by program id, on the block's thread (NULL: none). */
static inline gb_prog_cache *gb_chain_prog_cache_of(gb_blk *b, gb_id pid)
{
    return b->queue ? b->queue->prog_cache_of(b, pid) : NULL;
}
/* What the scheduler knows of id: its destination index (GB_IDMAP_NONE:
 * none yet) and whether it is known to be a program.  While nothing
 * writes the maps (a wave's preparation), or on the block's thread. */
static inline void gb_chain_lookup(gb_blk *b, gb_id id, uint32_t *di,
                                   bool *prog)
{
    if (b->queue) {
        b->queue->lookup(b, id, di, prog);
    } else {
        *di = GB_IDMAP_NONE;
        *prog = false;
    }
}
/* Ids known to be programs while the queue runs (false: not known). */
static inline bool gb_chain_known_program(gb_blk *b, gb_id id)
{
    return b->queue && b->queue->known_program(b, id);
}
static inline void gb_chain_note_program(gb_blk *b, gb_id id) /* best effort */
{
    if (b->queue)
        b->queue->note_program(b, id);
}

#endif
