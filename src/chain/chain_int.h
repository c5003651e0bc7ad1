/*
 * Internals shared by the files of the chain layer behind chain.h: the
 * gb_chain structure, pending transactions, the block's job and the
 * helpers they pass between them.  Included by chain.c (opening,
 * transactions, the block loop), chain_apply.c (running a dispatch and
 * applying its journal), sched.c (the queue in waves), chain_blocks.c,
 * chain_dev.c, chain_dryrun.c, chain_query.c, browse.c, fork.c,
 * replay.c, trace_msg.c and pool_log.h.  Not for other layers (the build
 * keeps them out: docs/architecture.md).
 */
#ifndef GB_CHAIN_CHAIN_INT_H
#define GB_CHAIN_CHAIN_INT_H

#include <pthread.h>

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
#define GB_CHAIN_RESERVE_FOR GB_GEAR_RESERVE_FOR /* blocks a hold's task
                                            may run late, paid for */
#define GB_CHAIN_MAX_DISPATCHES 100000u  /* per block, a safety valve */

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

/* voucher.c: Gear's checks of tx — a VOUCHER_* kind, or a prepaid call's
 * voucher — against txn's state, for the block at height: NULL when they
 * pass, else why (Gear's error name first).  A lookup that failed (not
 * an answer) sets *le and returns NULL. */
const char *gb_chain_voucher_check(gb_db_txn *txn, const gb_tx *tx,
                                   uint32_t height, gb_err *le);

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
struct gb_blk;
gb_err gb_chain_gas_limit_b(struct gb_blk *b, const gb_db_dispatch *x,
                            uint64_t *out);
/* h back to the tree as it is (not settled). */
gb_err gb_chain_gas_put(struct gb_blk *b, const gb_gnode *h);
/* While the queue runs the tree's nodes are kept in memory (a node is
 * read and written at every hop of a message): begin before, flush (to
 * the GAS table) and end after. */
gb_err gb_chain_gas_cache_begin(struct gb_blk *b);
gb_err gb_chain_gas_cache_flush(struct gb_blk *b);
void gb_chain_gas_cache_end(struct gb_blk *b);
/* The node x's run draws on (its holder); x->d.gas_limit is taken as the
 * value of a node the record holds itself. */
struct gb_blk;
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
    struct gb_run *run_buf[2];
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
    struct gb_chain_snaps *snaps; /* dev snapshots (chain_dev.c), or NULL */
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
    uint64_t gas_left, gas_used;
    uint32_t dispatched;
    struct gb_sched *sched; /* while the queue runs (sched.c), else NULL */
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
                                 message's node holds (chain_dryrun.c),
                                 else NULL */
} gb_blk;

/* A gas estimate's watch on its message (Gear's calculate_gas_info,
 * runtime_api.rs:259-336): after every journal applied, what the
 * message's node holds (get_limit) — its own, or as the holder of the
 * gasless messages that draw on it. */
typedef struct gb_est_watch {
    gb_id root;        /* the estimated message */
    uint64_t low;      /* the least its node held after a journal */
    bool seen;         /* low was set */
    bool root_done;    /* the message's run ended (not waiting) */
    bool plain_wait;   /* a message of its tree that holds gas of its own
                          waited with gr_wait once the message was done
                          (Gear: min_limit = the initial gas) */
} gb_est_watch;
/* Called by apply_journal while b->est is set: x's journal j left
 * `value` in the node hold_id it draws on. */
void gb_chain_est_note(gb_blk *b, const gb_db_dispatch *x,
                       const gb_journal *j, gb_id hold_id, uint64_t value);

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

/* chain.c: a program's record as gb_chain_program_info reports it (the
 * stored-page counts left zero). */
void gb_chain_prog_info_from(const gb_db_program *p, gb_chain_prog_info *out);

/* chain.c: drop least recently used prepared codes beyond the cache's
 * limit, when nothing can be holding one: no block under way, no
 * read-only call or estimate running (else later: it is called again
 * after each of those). */
void gb_chain_trim_codes(gb_chain *c);

/* chain.c: apply one pending transaction to the block (as at its start:
 * charge, reserve, queue); p->tx points into p's own buffers. */
gb_err gb_chain_apply_tx(gb_blk *b, const gb_ptx *p);

/* chain.c: the pending sums counted again from the pending pool (after
 * chain_dev.c replaced it).  Under mu. */
void gb_chain_pend_recount(gb_chain *c);
/* chain_dev.c: the snapshots dropped, their files deleted (close). */
void gb_chain_dev_free(gb_chain *c);

/* voucher.c: apply a VOUCHER_* transaction p (checked, its fee and value
 * taken) to the block: the voucher stored, value moved, its event. */
gb_err gb_chain_voucher_apply(gb_blk *b, const gb_ptx *p);

/* chain_apply.c */
gb_err gb_chain_held_copy(const gb_db_dispatch *src, gb_held *out);
void gb_chain_held_free(gb_held *h);
gb_err gb_chain_event(gb_blk *b, gb_event ev, const void *payload,
                      uint32_t len, const char *debug);
gb_err gb_chain_credit(gb_blk *b, gb_id id, gb_u128 v);
gb_err gb_chain_account_add(gb_blk *b, gb_id id, gb_u128 v);
gb_err gb_chain_burn(gb_blk *b, uint64_t gas);
gb_err gb_chain_burn_flush(gb_blk *b);
/* A transaction fee, paid (already taken from the payer): burned, added
 * to META "fees" (gb_chain_totals.fees). */
gb_err gb_chain_pay_fee(gb_blk *b, gb_u128 fee);
gb_err gb_chain_refund_gas(gb_blk *b, gb_id origin, uint64_t gas);
/* ---- holds (holds.c: Gear's HoldBound and charge_for_hold) ---- */
/* The block a hold of gas at cost a block, begun at now, is expected to
 * end at: now + gas / cost - ReserveFor (saturating; maximum_for). */
uint32_t gb_hold_maximum_for(uint32_t now, uint64_t gas, uint64_t cost);
/* What a hold from start to expected locks up front: (expected +
 * ReserveFor - start) x cost (lock_amount). */
uint64_t gb_hold_lock(uint32_t start, uint32_t expected, uint64_t cost);
/* What it pays leaving at now: (min(now, expected + ReserveFor) - start)
 * x cost, at most prepaid (charge_for_hold). */
uint64_t gb_hold_charge(uint32_t start, uint32_t expected, uint32_t now,
                        uint64_t cost, uint64_t prepaid);
/* A message or reply reaching a user: held in the mailbox (with a task
 * for its end) when it is a message with at least the mailbox threshold
 * of gas, else its value to the user at once and its gas back; an event
 * either way (holds.c has the rules). */
gb_err gb_chain_to_user(gb_blk *b, const gb_db_dispatch *x);
/* Mailbox message x leaves the mailbox (read or expired): its gas pays
 * the rent of its stay, the rest goes back to its payer (Gear's
 * charge_for_hold). */
gb_err gb_chain_mailbox_release(gb_blk *b, const gb_db_dispatch *x);
/* x's error reply (gasless, drawing on x's holder, or paid by x's reply
 * deposit), then x is done (gb_chain_gas_done). */
gb_err gb_chain_error_reply(gb_blk *b, const gb_db_dispatch *x,
                            gb_reply_code code, const uint8_t *payload,
                            uint32_t len);
gb_err gb_chain_code(gb_chain *c, gb_db_txn *txn, gb_id code_id,
                     const gb_gear_code **out);
/* Run one dispatch and apply its journal, at once (h is borrowed). */
gb_err gb_chain_execute(gb_blk *b, const gb_held *h);
/* Page page of program pid is now data[0, len) (then zeros): through the
 * overlay while the queue runs (*data, malloc'ed, is then taken over, and
 * *data becomes the content it replaced, or NULL, for the caller to
 * free), else to the transaction. */
gb_err gb_chain_page_put(gb_blk *b, gb_id pid, uint32_t page, uint8_t **data,
                         uint32_t len);
/* Every page of program pid goes (overlay and stored). */
gb_err gb_chain_pages_clear(gb_blk *b, gb_id pid);

#define GB_CHAIN_HOT_PAGES 8

/* Where a run reads its program's persisted pages (the fault handler's
 * lookup): the program's pages in the block's overlay (NULL: none there),
 * then the block's transaction — or, resolved at preparation (a small
 * program, all of whose pages are known: gb_run.hot_complete), only the
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
    /* where its last message went (a program talks to the same peers):
     * the destination in the scheduler (GB_IDMAP_NONE: not known then)
     * and whether it is known to be a program */
    bool has_last;
    gb_id last_to;
    uint32_t last_di;
    bool last_prog;
} gb_prog_cache;

/* What the thread that ran a dispatch looked up for its journal, so that
 * the block's thread, applying it, need not (sched.c gb_chain_hint, read
 * while nothing writes).  Each is only ever a shortcut to the same
 * answer: the scheduler's destinations and the known programs only grow
 * during a block, so a hit stays true; a miss is looked up again. */
#define GB_HINT_MSGS 4
typedef struct gb_hints {
    bool valid;
    uint32_t alloc_bits;          /* of the journal's allocations */
    uint32_t dest[GB_HINT_MSGS];  /* msgs[i]'s destination in the
                                     scheduler, or GB_IDMAP_NONE */
    bool program[GB_HINT_MSGS];   /* msgs[i]'s destination is a program */
    uint32_t reply_dest;
    bool reply_program;
} gb_hints;

/* A dispatch in three steps, so that runs can happen on other threads:
 *   gb_chain_prepare   any thread, while nothing writes (after
 *                      gb_db_share_reads): reads the program (record,
 *                      code, reservations, hot pages) or decides it is
 *                      unavailable;
 *   gb_chain_run       any thread, with that thread's processor: only
 *                      reads (pages, through src) and fills j;
 *   gb_chain_finish    the block's thread: applies the journal (or the
 *                      unavailable-program reply) to the block.
 * h is owned (gb_run_free frees it with the rest). */
typedef struct gb_run {
    gb_held h;
    gb_db_program p; /* the record when prepared (allocations: alloc) */
    uint8_t *alloc;  /* alloc_small, or malloc'ed (owned) */
    uint8_t alloc_small[72];
    bool runs;                 /* false: unavailable, with refusal */
    gb_reply_code refusal;
    const gb_gear_code *code;
    gb_u128 bal;               /* the balance the run is shown */
    uint32_t hot[GB_CHAIN_HOT_PAGES], nhot;
    bool hot_complete;         /* hot lists every persisted page */
    gb_reservation *resv;
    uint32_t nresv;
    gb_page_src src;
    gb_journal j;
    gb_err err;                /* of the run */
    uint64_t credits;          /* b->program_credits when prepared */
    gb_hints hints;            /* filled after the run, on its thread */
    uint32_t di;               /* the destination in the scheduler, or
                                  GB_IDMAP_NONE (its gb_prog_cache) */
    uint32_t src_di;           /* the same for the dispatch's source */
    bool src_prog;             /* the source is known to be a program */
} gb_run;

gb_err gb_chain_prepare(gb_blk *b, gb_run *r);
void gb_chain_run(gb_run *r, gb_processor *proc, const gb_block_ctx *bctx);
gb_err gb_chain_finish(gb_blk *b, gb_run *r);
void gb_run_free(gb_run *r);

/* sched.c: the queue, in waves (see there and docs/parallel.md) */
/* Queue x for a program: to the running queue's memory when it can take
 * it (the message may run later in this block; what is left is written
 * back at the end), else to the queue table. */
gb_err gb_chain_queue_push(gb_blk *b, const gb_db_dispatch *x);
/* The same, with the scheduler's index of x's destination when known
 * (gb_hints.dest; GB_IDMAP_NONE: look it up). */
gb_err gb_chain_queue_push_hint(gb_blk *b, const gb_db_dispatch *x,
                                uint32_t dest);
/* Destination di's cache (GB_IDMAP_NONE, or no queue running: NULL).
 * While the queue runs; a wave's preparation may use its own
 * destination's on any thread, anything else only the block's thread. */
gb_prog_cache *gb_chain_prog_cache(gb_blk *b, uint32_t di);
/* What the scheduler knows of id: its destination index (GB_IDMAP_NONE:
 * none yet) and whether it is known to be a program.  While nothing
 * writes the maps (a wave's preparation), or on the block's thread. */
void gb_chain_lookup(gb_blk *b, gb_id id, uint32_t *di, bool *prog);
/* The same by program id, on the block's thread (NULL: none). */
gb_prog_cache *gb_chain_prog_cache_of(gb_blk *b, gb_id pid);
/* Fill r->hints from r's journal (any thread); maps: also what the
 * scheduler's maps say (only while nothing writes them). */
void gb_chain_hint(gb_blk *b, gb_run *r, bool maps);
/* alloc_bits of a journal: one past its highest allocated page. */
uint32_t gb_chain_alloc_bits(const gb_journal *j);
/* Ids known to be programs while the queue runs (false: not known). */
bool gb_chain_known_program(gb_blk *b, gb_id id);
void gb_chain_note_program(gb_blk *b, gb_id id); /* best effort */
gb_err gb_chain_process_queue(gb_blk *b);
gb_err gb_chain_sched_open(gb_chain *c);
void gb_chain_sched_close(gb_chain *c);
/* Take message mid out of program pid's waitlist, charging its rent: to
 * the queue (wake) or with an error reply of code (removal).  guard != 0:
 * only when it is gb_chain_wait_tag() of the entry (a stale task of an
 * earlier wait of the same message otherwise).
 * Absent: GB_OK, nothing done. */
gb_err gb_chain_waitlist_leave(gb_blk *b, gb_id pid, gb_id mid,
                               uint64_t guard, bool wake, gb_reply_code code);
/* What tasks of a wait carry to recognise it: start << 32 | expires_at. */
uint64_t gb_chain_wait_tag(const gb_db_dispatch *w);
/* The block the wait journal j asks for ends at, its holder having gas
 * left after the run (the duration asked, at most what the gas pays). */
uint32_t gb_chain_wait_until(uint32_t now, const gb_journal *j, uint64_t gas);
/* Whether that wait ends with a wake-up (gr_wait_for, a gr_wait_up_to
 * whose gas covered it) rather than a removal. */
bool gb_chain_wait_wakes(const gb_journal *j);
/* The rent waiting message w locked when its wait began. */
uint64_t gb_chain_wait_lock(const gb_db_dispatch *w);

#endif
