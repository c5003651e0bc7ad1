/*
 * One dispatch prepared, run and finished (pipeline.c), so that runs can
 * happen on other threads: the job (gb_job) and where a run reads its
 * pages (gb_page_src).  The scheduler (sched.c) calls these for each
 * wave; gb_chain_execute runs one dispatch at once off the scheduler
 * (tasks in chain.c, the dry runs in chain_dryrun.c);
 * state_query.c reads pages as a run does.  The pipeline calls down: the
 * journal (chain_apply.h), the effects, the gas tree, and the running
 * queue only through queue.h — never sched.c.
 */
#ifndef GB_CHAIN_PIPELINE_H
#define GB_CHAIN_PIPELINE_H

#include "chain/chain_int.h"
#include "chain/gas_tree.h"
#include "chain/queue.h"

/* Where a run reads its program's persisted pages (the fault handler's
 * lookup): the program's pages in the block's overlay (NULL: none there),
 * then the block's transaction — or, resolved at preparation (a small
 * program, all of whose pages are known: gb_job.hot_complete), only the
 * pages listed here, so that the run reads nothing shared at all. */
typedef struct gb_page_src {
    gb_db_txn *txn;
    gb_id pid;
    const gb_ov_prog *ov;
    bool resolved;
    uint32_t n;
    uint32_t page[GB_CHAIN_HOT_PAGES], len[GB_CHAIN_HOT_PAGES];
    const uint8_t *data[GB_CHAIN_HOT_PAGES]; /* the overlay's, or in copy */
    uint8_t *copy; /* the bytes of the pages read from the table: in
                      small, or malloc'ed (owned) */
    uint8_t small[256];
    gb_err err; /* a lookup that failed (GB_IO, GB_NOMEM) — not a page
                   that is absent: the run that read it must not stand */
} gb_page_src;

/* A dispatch in three steps, so that runs can happen on other threads:
 *   gb_chain_prepare   any thread, while nothing writes (after
 *                      gb_db_share_reads): reads the program (record,
 *                      code, reservations, hot pages) or decides it is
 *                      unavailable;
 *   gb_chain_run       any thread, with that thread's processor: only
 *                      reads (pages, through src) and fills j;
 *   gb_chain_finish    the block's thread: applies the journal (or the
 *                      unavailable-program reply) to the block.
 * h is owned (gb_job_free frees it with the rest).  A job is prepared
 * zero but for h, di and gas_t, up to j (as gb_job_free leaves it, but
 * for h: its payload NULL, its other bytes left, as whoever takes the job
 * writes it whole; see the end of the struct for the rest). */
typedef struct gb_job {
    gb_held h;
    gb_db_program p; /* the record when prepared (allocations: alloc) */
    uint8_t *alloc;  /* alloc_small, or malloc'ed (owned) */
    bool runs;                 /* false: unavailable, with refusal */
    gb_reply_code refusal;
    const gb_gear_code *code;
    gb_u128 bal;               /* the balance the run is shown */
    uint32_t hot[GB_CHAIN_HOT_PAGES], nhot;
    bool hot_complete;         /* hot lists every persisted page */
    gb_reservation *resv;
    uint32_t nresv;
    gb_err err;                /* of the run */
    uint64_t credits;          /* b->program_credits when prepared */
    gb_hints hints;            /* begun after the run, on its thread;
                                  completed by gb_chain_finish */
    uint32_t di;               /* the destination in the scheduler, or
                                  GB_IDMAP_NONE (its gb_prog_cache) */
    uint32_t src_di;           /* the same for the dispatch's source */
    bool src_prog;             /* the source is known to be a program */
    gb_gas_ticket gas_t;       /* the node h.x.d.gas_limit was read from
                                  when the wave was picked (gas_tree.h) */
    bool ran;                  /* j is a journal gb_process made (it ran,
                                  with no error): j owns what it points
                                  to.  Else j's bytes mean nothing (left
                                  from an earlier use: gb_job_free
                                  releases it without making it empty) */
    /* Past this point, what gb_job_free does not zero (two thirds of the
     * job's bytes; zeroing them all was a tenth of a ping-pong dispatch's
     * chain work, and cache lines the next wave's preparation, on another
     * core maybe, takes back): the journal is read only when ran says
     * it holds one (gb_process fills it whatever it held), the page
     * source is set by gb_chain_prepare before anything reads it
     * (src.copy is NULL), and the allocations' copy is written before
     * it is used. */
    gb_journal j;
    gb_page_src src;
    uint8_t alloc_small[72];
} gb_job;

gb_err gb_chain_prepare(gb_blk *b, gb_job *r);
void gb_chain_run(gb_job *r, gb_processor *proc, const gb_block_ctx *bctx);
gb_err gb_chain_finish(gb_blk *b, gb_job *r);
void gb_job_free(gb_job *r);
/* gb_job_free, the journal's arrays kept by proc for its next runs
 * (gb_journal_release_to): on the thread that runs with proc, before it
 * runs (NULL: gb_job_free). */
void gb_job_free_for(gb_job *r, gb_processor *proc);

/* Run one dispatch and apply its journal, at once (h is borrowed). */
gb_err gb_chain_execute(gb_blk *b, const gb_held *h);
/* The lazy-pages fault handler's lookup of page in user, a gb_page_src
 * (NULL: not persisted, or a lookup failed: then s->err). */
const uint8_t *gb_chain_page_lookup(void *user, uint32_t page, uint32_t *len);
/* The program's persisted pages — stored, as the overlay ov (may be
 * NULL) has them now — when it has at most GB_CHAIN_HOT_PAGES of them
 * (true: *n is all of them); none otherwise. */
bool gb_chain_hot_pages(gb_db_txn *txn, gb_id pid, const gb_ov_prog *ov,
                        uint32_t *out, uint32_t *n);
/* The program's reservations (*out malloc'ed, *n of them). */
gb_err gb_chain_load_reservations(gb_db_txn *txn, gb_id pid,
                                  gb_reservation **out, uint32_t *n);

#endif
