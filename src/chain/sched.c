/*
 * The message queue of a block, in waves, run on a pool of threads.
 *
 * The rule (docs/parallel.md says it for users):
 *
 *   The block takes the queue in waves.  A wave holds at most one dispatch
 *   per destination program: for each program, the first of its queued
 *   dispatches (in queue order) that may run.  The programs are taken in
 *   the order of those dispatches' queue positions, as long as the gas
 *   limits of the wave's dispatches fit in what the block has left; the
 *   first that does not fit ends the wave and heads the next.  Every
 *   dispatch of a wave is prepared (its program read) and run on any
 *   thread in any order while nothing writes, and when all have ended
 *   their journals are applied in wave order.  Messages a journal queues get the next
 *   sequence numbers in that order, and are seen by the waves that follow.
 *
 * Why the result cannot depend on the threads: a run reads only its own
 * program (record, pages, allocations, reservations — prepared before the
 * wave, pages read during it) and its dispatch.  Within a wave nothing
 * else writes that program: it has no other dispatch in the wave, and
 * what another journal can do to it — credit its balance (an exit naming
 * it inheritor), queue messages for it, wake its waiting messages — is
 * applied as such (a balance change is added to the record as it is when
 * the journal is applied; queued and woken messages run in later waves).
 * So each journal is a function of the state at the start of the wave,
 * and applying them in a fixed order makes the state after the wave a
 * function of the state before it.  Thread count changes only who runs
 * what when.
 *
 * Which dispatches may run — the same rules as one at a time:
 *   - gas: a wave reserves the gas limits of its dispatches out of the gas
 *     the block has left when the wave starts.  A dispatch whose limit
 *     exceeds what the block has left is skipped, and so is every later
 *     dispatch of the same (source, destination) pair in this block (their
 *     order holds; other pairs go on).  One that only exceeds what this
 *     wave has not reserved yet ends the wave.  The gas a run did not burn
 *     returns to the block when its journal is applied.
 *   - init: handle messages to a program whose init has not ended are
 *     skipped for the rest of the block, in order.
 *   - at most GB_CHAIN_MAX_DISPATCHES per block, GB_SCHED_WAVE per wave.
 * Skipped dispatches stay in the queue for a later block.
 *
 * Memory: the queue is read into a window of at most GB_SCHED_WINDOW
 * dispatches, kept per destination in queue order, the destinations
 * among the candidates on their first dispatch's position (a FIFO for
 * those that arrive in order, a heap for the rest); each wave takes the
 * heads, and the window is topped up from the queue before the next one.
 * So a queue of a million messages to one program costs the same per
 * message as a short one, and the window (not the queue) bounds memory.
 *
 * Threads: the pool (util/pool.h), the block's thread taking part, first
 * prepares a wave's dispatches (reads their programs: while it does, the
 * write transaction is only read — by gets and cursors, which several
 * threads may use at once after gb_db_share_reads, done at the start of
 * the queue), in chunks, then runs them, each thread its own chunks
 * first (see "a wave with workers" below).  When every run has what it
 * reads in hand (runs_apart: small programs, their pages resolved when
 * prepared), the block's thread applies journal i as soon as run i has
 * ended while the later runs go on — the runs then read nothing it
 * writes; otherwise it applies them after the last run.  Runs of a wave
 * are freed by the next wave's run jobs.  (Applying journals during runs that read pages from
 * the transaction was tried: they then need a lock the applying thread
 * holds most of the time, slower than one thread.)  After a wave the
 * workers took part in, the next wave's batch starts before the wave is
 * picked: the workers wake while the block's thread picks, and one of
 * them adds the events made so far to the block's events digest
 * (gb_blk.ev_digest) — no event is made from the batch's start until
 * every preparation is done, and the block's thread makes none before
 * that worker is done.  At the wave's end, a worker with no run left
 * digests the events of the journals applied so far while the block's
 * thread applies the rest (tail_digest).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_apply.h"
#include "chain/effects.h"
#include "chain/gas_tree.h"
#include "chain/idmap.h"
#include "chain/queue.h"
#include "chain/replay.h"
#include "chain/sched.h"
#include "util/grow.h"
#include "util/mem.h"

#define GB_SCHED_WINDOW 65536u /* dispatches read ahead from the queue */
#define GB_SCHED_WAVE 4096u    /* dispatches in one wave */
#define GB_SCHED_ALONE_STEP 64u /* runs, then their journals, at a time
                                   on one thread (run_wave_alone) */
#define GB_SCHED_OV_BYTES (256u << 20) /* page bytes the overlay holds
                                          before a flush between waves */

#define NONE GB_IDMAP_NONE
#define DIGEST_MIN 64  /* events worth a worker's digest (below: the end
                          of the block digests them) */
#define DIGEST_STEP 64 /* events a worker digests between looks at
                          whether the wave is picked */
#define NOTIFY_RUNS 4  /* a worker's runs between notifies (run_chunk) */

/* ---- the window ------------------------------------------------------- */

typedef struct entry {
    uint64_t seq;
    gb_held h;
    uint32_t next; /* the destination's next entry, NONE */
    bool in_db;    /* stored in the queue table (else only here) */
} entry;

typedef struct dest {
    gb_id id;
    uint32_t head, tail; /* entries, NONE when empty */
    bool uninit;         /* its handle messages wait for init (block) */
    bool settled;        /* seen past init (active, exited, failed):
                            that never changes back */
    bool active;         /* in the active list */
    bool prog;           /* known to be a program (as in programs) */
    gb_gas_ticket gas_t; /* the gas node its last dispatch drew on (its
                            next one usually draws on the same: looked
                            at first) */
    gb_prog_cache cache; /* what preparing its dispatches learned */
} dest;

/* A destination ready for a wave, by its head's queue position. */
typedef struct head {
    uint64_t seq;
    uint32_t di;
} head;

typedef struct gb_sched {
    gb_blk *b;
    uint64_t next_seq; /* the queue's next sequence number (META
                          "queue_seq" is written back at the end) */
    entry *e;
    uint32_t ne, cap_e;
    uint32_t free_e; /* free list through entry.next */
    dest *d;
    uint32_t nd, cap_d;
    gb_idmap dests;   /* (id, 0) -> dest index */
    gb_idmap skipped; /* (source, destination) -> 1 */
    gb_idmap programs; /* (id, 0) -> 1: ids known to be programs (a
                          destination's dest.prog says it too: one
                          lookup for both) */
    /* the candidates: dests with entries (dest.active), by their head's
     * sequence — those activated in increasing order (the usual case: a
     * message just queued has the newest sequence) in a FIFO, the others
     * in a min-heap; the next is the smaller of the two fronts */
    head *heap;
    uint32_t nheap, cap_heap;
    head *fifo;
    uint32_t fifo_lo, fifo_hi, cap_fifo;
    uint32_t *taken;  /* dests of the wave being picked */
    uint32_t *taken_e; /* their entries, unlinked, until the runs hold
                          them (prep_job / pick_wave alone) */
    gb_gas_ticket *taken_gt; /* their gas tickets, for the runs (kept
                                here: with workers, the block's thread
                                does not touch a run's cache lines while
                                it picks) */
    uint32_t cap_taken, cap_taken_e, cap_taken_gt;
    uint32_t inwin;   /* entries in the window */
    uint64_t loaded;  /* next queue sequence to read */
    bool drained;     /* the queue has nothing at or after loaded */
    /* the wave */
    gb_job *runs;
    uint32_t nruns, cap_runs;
    gb_job *old;  /* the wave before's, freed by this wave's run jobs */
    uint32_t nold, cap_old;
    uint32_t old_lo;  /* old runs below it are freed already (alone: a
                         wave frees its runs as it goes) */
    uint32_t runs_lo; /* the same for this wave's runs */
    /* with workers (run_wave_shared): the wave in chunks of `grain`
     * runs, each prepared and run as a whole, by the thread that prepared
     * it when it can (the run is then in its cache) */
    uint32_t grain, nprep, nchunk; /* chunks to prepare (runs), to run
                                      (runs, and old runs to free) */
    atomic_uint preps_left; /* chunks not prepared yet */
    atomic_uchar *done;     /* per run: 1 once run */
    bool *apart;            /* per run: it reads nothing shared (set
                               when prepared: the run writes the run) */
    atomic_uchar *owner;    /* per chunk: who prepared it (NO_OWNER) */
    atomic_uchar *claimed;  /* per chunk: 1 once a thread runs it */
    atomic_uchar *prepped;  /* per chunk: 1 once prepared */
    atomic_uchar *pclaim;   /* per chunk: 1 once a thread prepares it */
    /* the batch of the wave can start before the wave is picked (early:
     * the workers wake meanwhile, and digest events): */
    atomic_uchar ready;  /* 0: being picked; 1: picked, the arrays above
                            set; 2: no wave (the workers return) */
    atomic_uchar dclaim; /* the events' digest: 1 once a worker took it,
                            or the block's thread closed it */
    atomic_uchar ddone;  /* 1 once the worker that took it is done */
    uint32_t dig_to;     /* it digests b->ev up to here */
    /* the tail digest: a worker with no run left adds the events of the
     * journals applied so far to the digest, while the block's thread
     * applies the rest (tail_digest) */
    atomic_uint ev_pub;  /* b->ev[0, ev_pub) are whole (0: not open yet:
                            until the journals start) */
    atomic_uchar jdone;  /* 1 once no journal of the wave is applied
                            alongside the runs any more */
    atomic_uchar tclaim; /* 1 once a worker took the tail digest */
    pthread_mutex_t ev_mu; /* b->ev read by it, or moved (b->ev_mu) */
    bool wide;           /* the wave before had workers (nchunk >= 2) */
    uint32_t cap_done, cap_apart, cap_owner, cap_claimed, cap_prepped,
        cap_pclaim;
} sched;

static const gb_id zero_id;

static void seq_key(uint64_t seq, uint8_t out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(seq >> (56 - 8 * i));
}

static gb_err dest_of(sched *s, gb_id id, uint32_t *out)
{
    uint32_t i = gb_idmap_get(&s->dests, &id, &zero_id);
    if (i == NONE) {
        if (!gb_grow((void **)&s->d, &s->cap_d, (uint64_t)s->nd + 1,
                     sizeof *s->d, 64))
            return GB_NOMEM;
        i = s->nd++;
        s->d[i] = (dest){.id = id, .head = NONE, .tail = NONE,
                         .prog = gb_idmap_get(&s->programs, &id, &zero_id) !=
                                 NONE};
        gb_err e = gb_idmap_put(&s->dests, &id, &zero_id, i);
        if (e)
            return e;
    }
    *out = i;
    return GB_OK;
}

static void heap_down(sched *s, uint32_t i)
{
    head *h = s->heap;
    for (;;) {
        uint32_t l = 2 * i + 1, m = i;
        if (l < s->nheap && h[l].seq < h[m].seq)
            m = l;
        if (l + 1 < s->nheap && h[l + 1].seq < h[m].seq)
            m = l + 1;
        if (m == i)
            return;
        head t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static uint32_t cand_count(const sched *s)
{
    return s->nheap + (s->fifo_hi - s->fifo_lo);
}

/* The next candidate (cand_count > 0). */
static head cand_top(const sched *s)
{
    if (s->fifo_lo == s->fifo_hi)
        return s->heap[0];
    if (!s->nheap || s->fifo[s->fifo_lo].seq < s->heap[0].seq)
        return s->fifo[s->fifo_lo];
    return s->heap[0];
}

static void cand_pop(sched *s)
{
    if (s->fifo_lo != s->fifo_hi &&
        (!s->nheap || s->fifo[s->fifo_lo].seq < s->heap[0].seq)) {
        if (++s->fifo_lo == s->fifo_hi)
            s->fifo_lo = s->fifo_hi = 0;
        return;
    }
    s->heap[0] = s->heap[--s->nheap];
    heap_down(s, 0);
}

/* Put dest di (with entries) among the candidates, keyed by its head. */
static gb_err activate(sched *s, uint32_t di)
{
    dest *d = &s->d[di];
    if (d->active || d->head == NONE)
        return GB_OK;
    head x = {s->e[d->head].seq, di};
    if (s->fifo_lo == s->fifo_hi || s->fifo[s->fifo_hi - 1].seq < x.seq) {
        if (s->fifo_hi == s->cap_fifo && s->fifo_lo) { /* compact */
            memmove(s->fifo, s->fifo + s->fifo_lo,
                    (s->fifo_hi - s->fifo_lo) * sizeof *s->fifo);
            s->fifo_hi -= s->fifo_lo;
            s->fifo_lo = 0;
        }
        if (!gb_grow((void **)&s->fifo, &s->cap_fifo,
                     (uint64_t)s->fifo_hi + 1, sizeof *s->fifo, 64))
            return GB_NOMEM;
        s->fifo[s->fifo_hi++] = x;
        d->active = true;
        return GB_OK;
    }
    if (!gb_grow((void **)&s->heap, &s->cap_heap, (uint64_t)s->nheap + 1,
                 sizeof *s->heap, 64))
        return GB_NOMEM;
    uint32_t i = s->nheap++;
    while (i && s->heap[(i - 1) / 2].seq > x.seq) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = x;
    d->active = true;
    return GB_OK;
}

static gb_err entry_new(sched *s, uint32_t *out)
{
    if (s->free_e != NONE) {
        *out = s->free_e;
        s->free_e = s->e[*out].next;
        return GB_OK;
    }
    if (!gb_grow((void **)&s->e, &s->cap_e, (uint64_t)s->ne + 1,
                 sizeof *s->e, 256))
        return GB_NOMEM;
    *out = s->ne++;
    return GB_OK;
}

/* Take the head of dest di out of its list, keeping the entry (and its
 * dispatch) for the run that takes it: release_entry, after. */
static uint32_t unlink_head(sched *s, uint32_t di)
{
    dest *d = &s->d[di];
    uint32_t ei = d->head;
    d->head = s->e[ei].next;
    if (d->head == NONE)
        d->tail = NONE;
    return ei;
}

/* Entry ei back to the free list; its dispatch went to a run (moved, not
 * freed) when moved, else it is freed. */
static void release_entry(sched *s, uint32_t ei, bool moved)
{
    entry *en = &s->e[ei];
    if (!moved) {
        gb_chain_held_free(&en->h);
        en->h = (gb_held){0};
    } /* (else take_run left nothing in it) */
    en->next = s->free_e;
    s->free_e = ei;
    s->inwin--;
}

/* Drop the head of dest di from the window: it stays queued for a later
 * block (written to the queue table if it was only here). */
static gb_err pop_head(sched *s, uint32_t di)
{
    uint32_t ei = unlink_head(s, di);
    entry *en = &s->e[ei];
    gb_err e = GB_OK;
    if (!en->in_db) {
        /* (a pool left with this message alone goes into it: gas_tree.h) */
        e = gb_chain_gas_pass_on(s->b, &en->h.x);
        if (!e)
            e = gb_db_queue_put_at(s->b->txn, en->seq, &en->h.x);
    }
    release_entry(s, ei, false);
    return e;
}

/* Entry ei (filled in) joins the window at its destination's tail; di:
 * the destination's index when known, else NONE. */
static gb_err append(sched *s, uint32_t ei, uint32_t di)
{
    s->inwin++;
    gb_err e = di != NONE && di < s->nd ? GB_OK
                                        : dest_of(s, s->e[ei].h.x.d.destination,
                                                  &di);
    if (e)
        return e;
    dest *d = &s->d[di];
    if (d->tail == NONE)
        d->head = ei;
    else
        s->e[d->tail].next = ei;
    d->tail = ei;
    return activate(s, di);
}

/* The running queue's operations (queue.h): installed in b->queue with
 * b->sched while the queue runs. */
static gb_err q_push(gb_blk *b, const gb_db_dispatch *x, uint32_t dest,
                     uint8_t **own)
{
    sched *s = b->sched;
    if (!s)
        return gb_db_queue_push(b->txn, x, NULL);
    uint64_t seq = s->next_seq++;
    /* only here when everything queued before it is in the window too
     * (drained), so that each destination's entries stay in order */
    if (!s->drained || s->inwin >= GB_SCHED_WINDOW) {
        s->drained = false;
        return gb_db_queue_put_at(b->txn, seq, x);
    }
    uint32_t ei;
    gb_err e = entry_new(s, &ei);
    if (e)
        return e;
    entry *en = &s->e[ei];
    en->seq = seq;
    en->next = NONE;
    en->in_db = false;
    if ((e = gb_chain_held_take(x, own, &en->h))) {
        en->next = s->free_e;
        s->free_e = ei;
        return e;
    }
    if ((dest == NONE || dest >= s->nd) &&
        (e = dest_of(s, x->d.destination, &dest))) {
        gb_chain_held_free(&en->h); /* (not linked: nobody else would) */
        en->next = s->free_e;
        s->free_e = ei;
        return e;
    }
    s->loaded = seq + 1;
    return append(s, ei, dest); /* (linked: freed with the queue) */
}

static gb_prog_cache *q_prog_cache(gb_blk *b, uint32_t di)
{
    sched *s = b->sched;
    return s && di < s->nd ? &s->d[di].cache : NULL;
}

static void q_lookup(gb_blk *b, gb_id id, uint32_t *di, bool *prog)
{
    sched *s = b->sched;
    *di = s ? gb_idmap_get(&s->dests, &id, &zero_id) : NONE;
    *prog = *di != NONE ? s->d[*di].prog
            : s && gb_idmap_get(&s->programs, &id, &zero_id) != NONE;
}

static gb_prog_cache *q_prog_cache_of(gb_blk *b, gb_id pid)
{
    sched *s = b->sched;
    return s ? q_prog_cache(b, gb_idmap_get(&s->dests, &pid, &zero_id))
             : NULL;
}

void gb_chain_hint(gb_blk *b, gb_job *r)
{
    sched *s = b->sched;
    const gb_journal *j = &r->j;
    gb_hints *h = &r->hints;
    if (!s || !r->runs || r->err)
        return;
    h->alloc_bits = j->allocations ? gb_chain_alloc_bits(j) : 0;
    /* (a failed allocation leaves it to the journal, on the block's
     * thread) */
    if (gb_chain_sent_ids(j, &h->sent, &h->nsent))
        h->sent = NULL;
    h->valid = true;
    for (uint32_t i = 0; i < GB_HINT_MSGS; i++)
        h->dest[i] = NONE;
    h->reply_dest = NONE;
}

static bool q_known_program(gb_blk *b, gb_id id)
{
    uint32_t di;
    bool prog;
    q_lookup(b, id, &di, &prog);
    return prog;
}

static void q_note_program(gb_blk *b, gb_id id)
{
    sched *s = b->sched;
    if (!s || gb_idmap_put(&s->programs, &id, &zero_id, 1))
        return;
    uint32_t di = gb_idmap_get(&s->dests, &id, &zero_id);
    if (di != NONE)
        s->d[di].prog = true;
}

static const gb_queue_ops queue_ops = {
    .push = q_push,
    .prog_cache = q_prog_cache,
    .prog_cache_of = q_prog_cache_of,
    .lookup = q_lookup,
    .known_program = q_known_program,
    .note_program = q_note_program,
};

/* Top the window up from the queue, in sequence order. */
static gb_err refill(sched *s)
{
    if (s->drained || s->inwin >= GB_SCHED_WINDOW)
        return GB_OK;
    uint8_t k[8];
    seq_key(s->loaded, k);
    gb_db_cursor *cur;
    gb_err e = gb_db_cursor_open(s->b->txn, GB_TABLE_QUEUE, k, 0, k, 8, &cur);
    /* (prefix k of length 0, not NULL: db.c memcmp()s it with start) */
    if (e)
        return e;
    gb_db_val key, val;
    while (s->inwin < GB_SCHED_WINDOW) {
        e = gb_db_cursor_next(cur, &key, &val);
        if (e == GB_NOT_FOUND) {
            s->drained = true;
            e = GB_OK;
            break;
        }
        if (e)
            break;
        if (key.len != 8) {
            e = GB_MALFORMED;
            break;
        }
        uint64_t seq = 0;
        for (int i = 0; i < 8; i++)
            seq = seq << 8 | key.data[i];
        gb_db_dispatch x;
        uint32_t ei;
        if ((e = gb_db_dispatch_decode(val.data, val.len, &x)) ||
            (e = entry_new(s, &ei)))
            break;
        entry *en = &s->e[ei];
        en->seq = seq;
        en->next = NONE;
        en->in_db = true;
        if ((e = gb_chain_held_copy(&x, &en->h))) {
            en->next = s->free_e;
            s->free_e = ei;
            break;
        }
        uint32_t di;
        if ((e = dest_of(s, en->h.x.d.destination, &di))) {
            gb_chain_held_free(&en->h); /* (not linked: nobody else would) */
            en->next = s->free_e;
            s->free_e = ei;
            break;
        }
        s->loaded = seq + 1;
        if ((e = append(s, ei, di))) /* (linked: freed with the queue) */
            break;
    }
    gb_db_cursor_close(cur);
    return e;
}

/* ---- choosing a wave ------------------------------------------------------ */

/* Drop a destination's heads that may not run in this block; true when it
 * has one left that may (*gas: its gas limit, gb_chain_gas_limit_t, and
 * *t the node it was read from). */
static gb_err settle_head(sched *s, uint32_t di, bool *ok, uint64_t *gas_out,
                          gb_gas_ticket *t)
{
    gb_blk *b = s->b;
    *ok = false;
    for (;;) {
        dest *d = &s->d[di];
        if (d->head == NONE)
            return GB_OK;
        const gb_dispatch *x = &s->e[d->head].h.x.d;
        bool drop = gb_idmap_get(&s->skipped, &x->source, &x->destination) != NONE;
        uint64_t gas = 0;
        if (!drop) {
            gb_chain_gas_look_first(b, d->gas_t);
            gb_err e = gb_chain_gas_limit_t(b, &s->e[d->head].h.x, &gas, t);
            if (e)
                return e;
            d->gas_t = *t;
        }
        if (!drop && gas > b->gas_left) {
            gb_err e = gb_idmap_put(&s->skipped, &x->source, &x->destination, 1);
            if (e)
                return e;
            drop = true;
        }
        if (!drop && x->kind == GB_DISPATCH_HANDLE && !d->settled) {
            gb_db_program p;
            gb_err e = d->uninit ? GB_NOT_FOUND
                                 : gb_db_program_get(b->txn, x->destination,
                                                     &p);
            if (e && e != GB_NOT_FOUND)
                return e; /* (not "active": it may be initialising) */
            if (!e) {
                if (p.status == GB_PROGRAM_INITIALIZING)
                    d->uninit = true;
                else
                    d->settled = true;
            }
            drop = d->uninit;
        }
        if (!drop) {
            *ok = true;
            *gas_out = gas;
            return GB_OK;
        }
        gb_err e = pop_head(s, di); /* queued for a later block */
        if (e)
            return e;
    }
}

/* Run i of the wave gets its destination, its gas ticket and its
 * dispatch (moved from its entry, which is released). */
static void take_run(sched *s, uint32_t i)
{
    gb_job *r = &s->runs[i]; /* (zero: pick_wave) */
    r->di = s->taken[i];
    r->gas_t = s->taken_gt[i];
    r->h = s->e[s->taken_e[i]].h;
    s->e[s->taken_e[i]].h.payload = NULL; /* (moved; the rest is
                                              written when it is reused) */
}

/* Pick the wave into s->runs (taking the dispatches out of the queue and
 * preparing them): the heads in queue order until one does not fit the
 * gas the wave has left (it heads the next wave).  None picked: the queue
 * is done for this block. */
static gb_err pick_wave(sched *s)
{
    gb_blk *b = s->b;
    gb_err e = GB_OK;
    s->nruns = 0;
    uint64_t budget = b->gas_left;
    uint32_t room = GB_CHAIN_MAX_DISPATCHES - b->dispatched;
    if (room > GB_SCHED_WAVE)
        room = GB_SCHED_WAVE;
    /* the whole wave's room at once: a prepared run points into itself.
     * Every run here is zero: new room is zeroed now, and a used run was
     * zeroed when freed (gb_job_free) */
    uint32_t had = s->cap_runs;
    if (room > cand_count(s)) /* (at most one per destination waiting) */
        room = cand_count(s);
    if (!had && room) { /* the first room (gb_calloc_warm: a fresh
                           chain's runs array is megabytes, its blocks
                           freed by the chain before) */
        if (!(s->runs = gb_calloc_warm(room, sizeof *s->runs)))
            return GB_NOMEM;
        s->cap_runs = room;
    } else if (room > had) {
        if (!gb_grow((void **)&s->runs, &s->cap_runs, room, sizeof *s->runs,
                     16))
            return GB_NOMEM;
        memset(&s->runs[had], 0,
               (size_t)(s->cap_runs - had) * sizeof *s->runs);
    }
    while (s->nruns < room && cand_count(s)) {
        head top = cand_top(s);
        uint32_t di = top.di;
        bool ok;
        uint64_t gas;
        gb_gas_ticket gt = {0, 0};
        if ((e = settle_head(s, di, &ok, &gas, &gt)))
            break;
        dest *d = &s->d[di];
        if (!ok || s->e[d->head].seq != top.seq) {
            /* dropped heads: out, or back in under its new head */
            cand_pop(s);
            d->active = false;
            if (ok && (e = activate(s, di)))
                break;
            continue;
        }
        entry *en = &s->e[d->head];
        /* a gasless message runs with its pool's gas as it is now (the
         * journal is checked against the pool when it is applied:
         * gb_chain_finish): gas, from settle_head just now */
        if (gas > budget)
            break; /* the next wave */
        budget -= gas;
        en->h.x.d.gas_limit = gas; /* (the entry leaves the queue now) */
        cand_pop(s);
        d->active = false;
        if (!gb_grow((void **)&s->taken, &s->cap_taken,
                     (uint64_t)s->nruns + 1, sizeof *s->taken, 16) ||
            !gb_grow((void **)&s->taken_e, &s->cap_taken_e,
                     (uint64_t)s->nruns + 1, sizeof *s->taken_e, 16) ||
            !gb_grow((void **)&s->taken_gt, &s->cap_taken_gt,
                     (uint64_t)s->nruns + 1, sizeof *s->taken_gt, 16)) {
            e = GB_NOMEM;
            break;
        }
        if (en->in_db && (e = gb_db_queue_del(b->txn, en->seq)))
            break;
        s->taken[s->nruns] = di;
        s->taken_e[s->nruns] = unlink_head(s, di);
        uint32_t i = s->nruns++;
        s->taken_gt[i] = gt;
        /* alone, read the programs here, in a row (warmer caches than
         * between runs); with workers, in the jobs (and the dispatch
         * moves into its run there too) */
        if (b->c->nthreads == 1) {
            take_run(s, i);
            if ((e = gb_chain_prepare(b, &s->runs[i])))
                break;
        }
    }
    if (e && b->c->nthreads > 1) /* (a run holds none of them yet) */
        for (uint32_t i = 0; i < s->nruns; i++)
            take_run(s, i);
    /* the wave's destinations are candidates again for the next one */
    for (uint32_t i = 0; !e && i < s->nruns; i++)
        e = activate(s, s->taken[i]);
    return e;
}

/* ---- running a wave ------------------------------------------------------- */

/* Reading one dispatch's program, on any thread (with workers). */
static void prep_job(void *ctx, uint32_t i, unsigned worker)
{
    (void)worker;
    sched *s = ctx;
    take_run(s, i);
    gb_job *r = &s->runs[i];
    gb_err e = gb_chain_prepare(s->b, r);
    if (e)
        r->err = e; /* gb_chain_finish returns it */
}

/* Running one dispatch, alone (run_wave_alone); first freeing the run of
 * the wave before with the same index.  With workers, wave_job does this
 * (freeing on the pool, spread among the runs: the journals were made on
 * many threads, and freeing is not nothing). */
static void run_job(void *ctx, uint32_t i, unsigned worker)
{
    sched *s = ctx;
    if (i >= s->old_lo && i < s->nold) /* (its arrays for this thread's
                                           next run) */
        gb_job_free_for(&s->old[i], s->b->c->procs[worker]);
    if (i >= s->nruns)
        return;
    gb_job *r = &s->runs[i];
    if (r->err)
        return;
    gb_chain_run(r, s->b->c->procs[worker], &s->b->bctx);
    gb_chain_hint(s->b, r);
}

/* Whether run r, just prepared, will read nothing the block's thread
 * writes while it applies journals: a program that runs had its pages
 * resolved when prepared (a small one: gb_page_src.resolved), or it does
 * not run. */
static bool run_apart(const gb_job *r)
{
    return !r->err && (!r->runs || r->src.resolved);
}

/* Whether every run of the wave is apart (their flags, set when each was
 * prepared). */
static bool runs_apart(const sched *s)
{
    for (uint32_t i = 0; i < s->nruns; i++)
        if (!s->apart[i])
            return false;
    return true;
}

/* ---- a wave with workers --------------------------------------------------
 *
 * The wave is cut in chunks of s->grain runs.  Each thread has a home: a
 * fixed range of the chunks, the same in every wave — the block's thread
 * has the first 1/(2 x threads) of them, as it also applies every
 * journal, and the workers share the rest.  (The block's thread's home
 * first: it runs those chunks while the first journals wait for their
 * runs, and applies their journals right after, from its own cache; with
 * its home last, their journals were the wave's last ones, applied while
 * the workers had nothing left to run.)  A thread first prepares the
 * chunks of its home, in order, then takes any chunk left to prepare from
 * the end (noting itself as the owner of what it prepared); then it runs
 * its own chunks, in order, and then takes what is left, from the end.
 * The block's thread applies the journals, in wave order, once every
 * chunk is prepared (all reads before any write); while a journal waits
 * for its run it runs its own chunks, then what is left from the end, so
 * that the workers' runs keep their order (the journals wait for them in
 * that order).  The homes keep a program on the same core from wave to
 * wave when the waves look alike (its record, its pages, the job of its
 * index, which the next wave but one uses again, and the memory its run
 * allocated, which the next wave frees, stay in that core's cache: moving
 * a cache line between the cores costs as much as a few hundred
 * instructions here); the block's thread has the least, as the journals
 * are its work alone.  A chunk is claimed once for preparing (pclaim[c])
 * and once for running (claimed[c]), and a run whose chunk another thread
 * prepared waits for that preparation (prepped[c]).  Chunks past the
 * wave's runs only free the wave before's (a longer one). */
#define NO_OWNER 0xffu

static uint32_t chunk_end(const sched *s, uint32_t c, uint32_t n)
{
    uint64_t e = (uint64_t)(c + 1) * s->grain;
    return e < n ? (uint32_t)e : n;
}

/* Jobs a thread claims at a time in a wave of n: big enough that claims
 * are rare and a thread's runs are neighbours (a claim is a contended
 * atomic; neighbouring runs share cache lines; a run prepared on another
 * core is read from there), small enough that every thread gets several
 * (the journals wait for them in order). */
static uint32_t wave_grain(uint32_t n, unsigned threads)
{
    uint32_t g = n / (8u * threads);
    return g < 2 ? 2 : g > 64 ? 64 : g;
}

static void prep_chunk(sched *s, uint32_t c, unsigned self)
{
    uint32_t end = chunk_end(s, c, s->nruns);
    for (uint32_t i = c * s->grain; i < end; i++) {
        prep_job(s, i, self);
        s->apart[i] = run_apart(&s->runs[i]);
    }
    atomic_store_explicit(&s->owner[c], (unsigned char)self,
                          memory_order_relaxed);
    atomic_store_explicit(&s->prepped[c], 1, memory_order_release);
    atomic_fetch_sub_explicit(&s->preps_left, 1, memory_order_release);
    gb_pool_notify(s->b->c->pool);
}

/* Thread t's home: chunks [*lo, *hi) of the s->nprep to prepare. */
static void home(const sched *s, unsigned t, uint32_t *lo, uint32_t *hi)
{
    unsigned nt = s->b->c->nthreads;
    uint32_t m = s->nprep / (2 * nt), k = s->nprep - m; /* (the workers'
                                                           part: k) */
    if (t == 0) {
        *lo = 0;
        *hi = m;
    } else {
        *lo = m + (uint32_t)((uint64_t)k * (t - 1) / (nt - 1));
        *hi = m + (uint32_t)((uint64_t)k * t / (nt - 1));
    }
}

static bool claim_flag(atomic_uchar *f)
{
    return !atomic_load_explicit(f, memory_order_relaxed) &&
           !atomic_exchange_explicit(f, 1, memory_order_relaxed);
}

/* Preparing the chunks of self's home, then any left, from the end. */
static void prep_chunks(sched *s, unsigned self)
{
    uint32_t lo, hi;
    home(s, self, &lo, &hi);
    for (uint32_t c = lo; c < hi; c++)
        if (claim_flag(&s->pclaim[c]))
            prep_chunk(s, c, self);
    for (uint32_t c = s->nprep; c-- > 0;)
        if (claim_flag(&s->pclaim[c]))
            prep_chunk(s, c, self);
}

/* What a thread of the wave waits for (gb_pool_await: a short spin, then
 * asleep until the thread it waits for notifies; on a machine busier than
 * its cores, spinning on would take the CPU from that very thread). */
static bool flag_set(const void *f)
{
    return atomic_load_explicit((atomic_uchar *)f, memory_order_acquire);
}

static bool all_prepped(const void *ctx)
{
    return !atomic_load_explicit(&((sched *)ctx)->preps_left,
                                 memory_order_acquire);
}

static void await_flag(sched *s, atomic_uchar *f)
{
    gb_pool_await(s->b->c->pool, flag_set, f);
}

static bool claim(sched *s, uint32_t c)
{
    return claim_flag(&s->claimed[c]);
}

/* Running chunk c (claimed): freeing the wave before's runs of its
 * indices, then running its runs, each marked done. */
static void run_chunk(sched *s, uint32_t c, unsigned self)
{
    uint32_t n = s->nruns, lo = c * s->grain;
    uint32_t hi = chunk_end(s, c, n > s->nold ? n : s->nold);
    if (c < s->nprep) /* (stolen: its preparation is ending) */
        await_flag(s, &s->prepped[c]);
    for (uint32_t i = lo; i < hi; i++) {
        if (i >= s->old_lo && i < s->nold) /* (its arrays for this
                                               thread's next run) */
            gb_job_free_for(&s->old[i], s->b->c->procs[self]);
        if (i >= n)
            continue;
        gb_job *r = &s->runs[i];
        if (!r->err) {
            gb_chain_run(r, s->b->c->procs[self], &s->b->bctx);
            gb_chain_hint(s->b, r);
        }
        atomic_store_explicit(&s->done[i], 1, memory_order_release);
        /* the journal may wait for it, asleep.  Only the block's thread
         * waits for a run: not when it ran it.  A notify is a full fence,
         * which waits for the run's stores: a worker wakes the block's
         * thread it sees asleep after each run, and notifies in full
         * after every NOTIFY_RUNS runs and its chunk's last (one falling
         * asleep just then wakes up to that many runs late: a few
         * microseconds, against the tens a wake takes) */
        if (self && ((i - lo) % NOTIFY_RUNS == NOTIFY_RUNS - 1 ||
                     i + 1 == hi || i + 1 == n))
            gb_pool_notify(s->b->c->pool);
        else if (self)
            gb_pool_notify_seen(s->b->c->pool);
    }
}

static bool mine(const sched *s, uint32_t c, unsigned self)
{
    return atomic_load_explicit(&s->owner[c], memory_order_relaxed) == self;
}

/* Digests events of the block (b->ev from b->ev_digested on) up to to. */
static void digest_to(sched *s, uint32_t to)
{
    gb_blk *b = s->b;
    gb_chain_events_digest_add(b->ev_digest, b->ev + b->ev_digested,
                               to - b->ev_digested);
    b->ev_digested = to;
}

/* Whether a step of events is whole for the tail digest (ev_digested is
 * read only once ev_pub is open: the wave's start digest, maybe on
 * another worker, is done then). */
static bool tail_step(const sched *s)
{
    uint32_t pub = atomic_load_explicit(&s->ev_pub, memory_order_acquire);
    return pub && pub >= s->b->ev_digested + DIGEST_STEP;
}

/* What the tail digest waits for: the journals done, or a step. */
static bool tail_ready(const void *ctx)
{
    const sched *s = ctx;
    return atomic_load_explicit(&s->jdone, memory_order_acquire) ||
           tail_step(s);
}

/* A worker that has no run of the wave left (the block's thread applies
 * the journals of the last ones: the worker would wait for the next wave
 * meanwhile) digests the events made so far, in steps, as the journals
 * publish them (ev_pub) — so that the next wave's start has less to
 * digest, and the worker prepares and runs its share of it sooner.  One
 * worker a wave (tclaim); it stops when the journals are done, leaving
 * the rest to the next wave's start (offer_digest) or the block's end.
 * The events it reads are whole (made by journals already applied), and
 * b->ev does not move under it (ev_mu: events_grow). */
static void tail_digest(sched *s)
{
    if (!claim_flag(&s->tclaim))
        return;
    gb_blk *b = s->b;
    while (!atomic_load_explicit(&s->jdone, memory_order_acquire)) {
        if (!tail_step(s)) {
            gb_pool_await(b->c->pool, tail_ready, s);
            continue;
        }
        pthread_mutex_lock(&s->ev_mu);
        digest_to(s, b->ev_digested + DIGEST_STEP);
        pthread_mutex_unlock(&s->ev_mu);
    }
}

/* A worker's part of the wave (any number of these jobs may run: the
 * chunks are taken once).  The events' digest, when this worker takes
 * it: while the wave is being picked, then after its preparations —
 * nothing makes events until every preparation is done and the block's
 * thread has seen the digest done (run_wave_shared). */
static void wave_job(void *ctx, uint32_t j, unsigned worker)
{
    (void)j;
    sched *s = ctx;
    bool dig = worker != 0 && claim_flag(&s->dclaim);
    unsigned r;
    while ((r = atomic_load_explicit(&s->ready, memory_order_acquire)) == 0) {
        uint32_t at = dig ? s->b->ev_digested : s->dig_to;
        if (at < s->dig_to)
            digest_to(s, s->dig_to - at > DIGEST_STEP ? at + DIGEST_STEP
                                                      : s->dig_to);
        else /* (a long pick: the queue's window refilled) */
            await_flag(s, &s->ready);
    }
    if (r == 1)
        prep_chunks(s, worker);
    if (dig) {
        digest_to(s, s->dig_to);
        atomic_store_explicit(&s->ddone, 1, memory_order_release);
        gb_pool_notify(s->b->c->pool);
    }
    if (r != 1)
        return;
    for (uint32_t c = 0; c < s->nchunk; c++)
        if (mine(s, c, worker) && claim(s, c))
            run_chunk(s, c, worker);
    for (uint32_t c = s->nchunk; c-- > 0;)
        if (claim(s, c))
            run_chunk(s, c, worker);
    tail_digest(s);
}

/* The block's thread: runs its lowest chunk not taken, from *from on,
 * or else (steal) the highest chunk not taken; false when it ran none
 * (every chunk is taken, or it has none of its own left and may not
 * steal). */
static bool main_runs_one(sched *s, uint32_t *from, bool steal)
{
    while (*from < s->nchunk &&
           atomic_load_explicit(&s->claimed[*from], memory_order_relaxed))
        (*from)++;
    for (uint32_t c = *from; c < s->nchunk; c++)
        if (mine(s, c, 0) && claim(s, c)) {
            run_chunk(s, c, 0);
            return true;
        }
    for (uint32_t c = s->nchunk; steal && c-- > *from;)
        if (claim(s, c)) {
            run_chunk(s, c, 0);
            return true;
        }
    return false;
}

/* Waits until run i is done, running chunks meanwhile. */
static void main_wait_run(sched *s, uint32_t i, uint32_t *from)
{
    while (!atomic_load_explicit(&s->done[i], memory_order_acquire))
        if (!main_runs_one(s, from, true)) /* (every chunk taken) */
            await_flag(s, &s->done[i]);
}

/* The events' digest offered to the workers up to the events made so far,
 * when there are enough of them: dclaim, ddone and dig_to for a batch. */
static void offer_digest(sched *s)
{
    gb_blk *b = s->b;
    bool worth = b->ev_digest && b->nev - b->ev_digested >= DIGEST_MIN;
    s->dig_to = b->nev;
    atomic_store_explicit(&s->dclaim, worth ? 0 : 1, memory_order_relaxed);
    atomic_store_explicit(&s->ddone, worth ? 0 : 1, memory_order_relaxed);
}

/* The batch of the next wave, started before it is picked (the wave
 * before had workers: they wake while the block's thread picks, and one
 * digests the events meanwhile). */
static gb_err wave_begin(sched *s)
{
    gb_chain *c = s->b->c;
    atomic_store_explicit(&s->ready, 0, memory_order_relaxed);
    offer_digest(s);
    return gb_pool_start(c->pool,
                         c->nthreads > GB_POOL_MIN_SHARED ? c->nthreads
                                                          : GB_POOL_MIN_SHARED,
                         wave_job, s);
}

/* No wave after wave_begin: the workers return (after the digest, if one
 * took it). */
static void wave_cancel(sched *s)
{
    atomic_store_explicit(&s->ready, 2, memory_order_release);
    gb_pool_notify(s->b->c->pool);
    gb_pool_finish(s->b->c->pool);
}

/* Waits until no worker digests events any more (closing the digest to
 * the workers if none took it), running the block's thread's own chunks
 * meanwhile. */
static void digest_wait(sched *s, uint32_t *from)
{
    if (claim_flag(&s->dclaim))
        return; /* (closed: the end of the block digests them) */
    while (!atomic_load_explicit(&s->ddone, memory_order_acquire))
        if (!main_runs_one(s, from, false)) /* (none of its own left) */
            await_flag(s, &s->ddone);
}

static gb_err run_wave_shared(sched *s, bool early)
{
    gb_chain *c = s->b->c;
    uint32_t n = s->nruns, m = n > s->nold ? n : s->nold;
    uint32_t g = wave_grain(n, c->nthreads);
    uint32_t nprep = (n + g - 1) / g, nchunk = (m + g - 1) / g;
    if (!gb_grow((void **)&s->done, &s->cap_done, n + 1, sizeof *s->done,
                 64) ||
        !gb_grow((void **)&s->apart, &s->cap_apart, n + 1, sizeof *s->apart,
                 64) ||
        !gb_grow((void **)&s->owner, &s->cap_owner, nchunk + 1,
                 sizeof *s->owner, 64) ||
        !gb_grow((void **)&s->claimed, &s->cap_claimed, nchunk + 1,
                 sizeof *s->claimed, 64) ||
        !gb_grow((void **)&s->prepped, &s->cap_prepped, nchunk + 1,
                 sizeof *s->prepped, 64) ||
        !gb_grow((void **)&s->pclaim, &s->cap_pclaim, nchunk + 1,
                 sizeof *s->pclaim, 64)) {
        if (early)
            wave_cancel(s);
        return GB_NOMEM;
    }
    s->grain = g;
    s->nprep = nprep;
    s->nchunk = nchunk;
    for (uint32_t i = 0; i < n; i++)
        atomic_init(&s->done[i], 0);
    for (uint32_t k = 0; k < nchunk; k++) {
        atomic_init(&s->owner[k], NO_OWNER);
        atomic_init(&s->claimed[k], 0);
        atomic_init(&s->prepped[k], 0);
        atomic_init(&s->pclaim[k], 0);
    }
    atomic_init(&s->preps_left, nprep);
    atomic_init(&s->ev_pub, 0);
    atomic_init(&s->jdone, 0);
    atomic_init(&s->tclaim, s->b->ev_digest ? 0 : 1);
    s->wide = nchunk >= 2;
    gb_err e = GB_OK;
    /* nothing writes until every preparation is done: the memo's lookups
     * need no lock meanwhile (ready's release store and gb_pool_start
     * publish this; preps_left's acquire load below ends it) */
    gb_db_memo_freeze(s->b->txn, true);
    if (early) { /* (the workers wait for this) */
        atomic_store_explicit(&s->ready, 1, memory_order_release);
        gb_pool_notify(c->pool);
    } else {
        /* enough jobs to wake the workers (a late one finds nothing
         * left) — unless the wave is one chunk: the block's thread runs
         * it alone, as waking a thread takes longer than a run or two */
        uint32_t jobs = nchunk < 2 ? 1
                        : c->nthreads > GB_POOL_MIN_SHARED ? c->nthreads
                                                           : GB_POOL_MIN_SHARED;
        offer_digest(s);
        atomic_store_explicit(&s->ready, 1, memory_order_relaxed);
        if ((e = gb_pool_start(c->pool, jobs, wave_job, s))) {
            gb_db_memo_freeze(s->b->txn, false);
            return e;
        }
    }
    /* every program read before anything is written (running its own
     * meanwhile: the workers are preparing theirs) */
    uint32_t from = 0;
    prep_chunks(s, 0);
    while (atomic_load_explicit(&s->preps_left, memory_order_acquire))
        if (!main_runs_one(s, &from, false)) /* (none of its own left) */
            gb_pool_await(c->pool, all_prepped, s);
    gb_db_memo_freeze(s->b->txn, false);
    digest_wait(s, &from); /* (the journals make events) */
    for (uint32_t i = 0; i < n; i++) /* (their dispatches moved) */
        release_entry(s, s->taken_e[i], true);
    /* Runs never write; the journals are applied in wave order.  When the
     * runs read nothing shared (runs_apart), journal i is applied as soon
     * as run i has ended, while later runs go on on the other threads;
     * otherwise after the last run. */
    bool overlap = runs_apart(s);
    gb_blk *b = s->b;
    uint32_t pub = b->nev; /* (the digest is whole up to here: digest_wait) */
    if (overlap)
        atomic_store_explicit(&s->ev_pub, pub, memory_order_release);
    for (uint32_t i = 0; overlap && i < n && !e; i++) {
        main_wait_run(s, i, &from);
        e = gb_chain_finish(b, &s->runs[i]);
        if (b->nev - pub >= DIGEST_STEP) { /* (a step for the tail digest) */
            pub = b->nev;
            atomic_store_explicit(&s->ev_pub, pub, memory_order_release);
            gb_pool_notify(c->pool);
        }
    }
    atomic_store_explicit(&s->jdone, 1, memory_order_release);
    gb_pool_notify(c->pool);
    while (main_runs_one(s, &from, true))
        ; /* (what is left: freeing, or all when not apart) */
    gb_pool_finish(c->pool); /* (every chunk taken: the workers end) */
    for (uint32_t i = 0; i < n; i++) /* (their last chunks) */
        main_wait_run(s, i, &from);
    s->nold = 0; /* (freed) */
    for (uint32_t i = 0; !overlap && i < n && !e; i++)
        e = gb_chain_finish(s->b, &s->runs[i]);
    return e;
}

/* The wave alone (pick_wave prepared it): GB_SCHED_ALONE_STEP runs,
 * then their journals, and so on — the jobs, their journals and the pages
 * they wrote are still in the cache when the journals are applied (a wave
 * of a thousand runs is megabytes: after the last run, the first
 * journal's lines are long gone).  Not one journal after each run: the
 * code of a run and of a journal do not fit in the instruction cache
 * together (callgrind, pairs: 2.7x the misses).  With one thread this
 * holds for every run, apart (run_apart) or not: a journal is applied
 * when no run is under way, so a run that loads pages from the
 * transaction reads it whole, and journals of other programs change
 * nothing it reads (the rule at the top).  And the runs of a step are
 * freed during the next step's, each just before a run (its journal's
 * arrays go to that run, gb_job_free_for), while they are still in the
 * cache; the last step's are freed by the next wave's run jobs
 * (runs_lo). */
static gb_err run_wave_alone(sched *s)
{
    for (uint32_t i = 0; i < s->nruns; i++) /* (their dispatches moved) */
        release_entry(s, s->taken_e[i], true);
    /* (one thread: not through the pool, which would run them here, in
     * order, with a lock and its counters per wave — a wave of pingpong
     * is one dispatch) */
    uint32_t m = s->nruns > s->nold ? s->nruns : s->nold;
    uint32_t done = 0; /* runs [0, done) freed */
    gb_processor *proc = s->b->c->procs[0];
    gb_err e = GB_OK;
    for (uint32_t lo = 0; lo < m; lo += GB_SCHED_ALONE_STEP) {
        uint32_t hi = m - lo > GB_SCHED_ALONE_STEP ? lo + GB_SCHED_ALONE_STEP
                                                   : m;
        for (uint32_t i = lo; i < hi; i++) {
            if (done < lo && done < s->nruns) /* (the step before's) */
                gb_job_free_for(&s->runs[done++], proc);
            run_job(s, i, 0);
        }
        while (done < lo && done < s->nruns) /* (after a short step) */
            gb_job_free_for(&s->runs[done++], proc);
        for (uint32_t i = lo; i < hi && i < s->nruns && !e; i++)
            e = gb_chain_finish(s->b, &s->runs[i]);
    }
    s->nold = 0; /* (freed) */
    s->runs_lo = done;
    return e;
}

/* A wave of one chunk with workers (one or two dispatches, after a wave
 * as small): on the block's thread alone, as run_wave_alone does, but
 * preparing here (pick_wave leaves that to the chunks when there are
 * workers) — waking a worker, or the chunks' atomics, would cost more
 * than the runs. */
static gb_err run_wave_small(sched *s)
{
    gb_err e = GB_OK;
    uint32_t m = s->nruns > s->nold ? s->nruns : s->nold;
    for (uint32_t i = 0; i < s->nruns; i++)
        prep_job(s, i, 0);
    for (uint32_t i = 0; i < s->nruns; i++) /* (their dispatches moved) */
        release_entry(s, s->taken_e[i], true);
    for (uint32_t i = 0; i < m; i++)
        run_job(s, i, 0);
    s->nold = 0; /* (freed) */
    for (uint32_t i = 0; i < s->nruns && !e; i++)
        e = gb_chain_finish(s->b, &s->runs[i]);
    s->wide = false;
    return e;
}

static gb_err run_wave(sched *s, bool early)
{
    unsigned nt = s->b->c->nthreads;
    uint32_t m = s->nruns > s->nold ? s->nruns : s->nold,
             g = wave_grain(s->nruns, nt);
    gb_err e = nt == 1                     ? run_wave_alone(s)
               : !early && (m + g - 1) / g < 2 ? run_wave_small(s)
                                               : run_wave_shared(s, early);
    /* this wave's runs are freed by the next one's jobs */
    gb_job *t = s->old;
    uint32_t cap = s->cap_old;
    s->old = s->runs;
    s->cap_old = s->cap_runs;
    s->nold = s->nruns;
    s->old_lo = s->runs_lo;
    s->runs_lo = 0;
    s->runs = t;
    s->cap_runs = cap;
    s->nruns = 0;
    return e;
}

static void sched_free(sched *s)
{
    for (uint32_t i = 0; i < s->nruns; i++)
        gb_job_free(&s->runs[i]);
    for (uint32_t i = s->old_lo; i < s->nold; i++)
        gb_job_free(&s->old[i]);
    /* (both buffers back to the chain, every run in them zero) */
    gb_chain *c = s->b->c;
    c->run_buf[0] = s->runs;
    c->run_cap[0] = s->cap_runs;
    c->run_buf[1] = s->old;
    c->run_cap[1] = s->cap_old;
    for (uint32_t i = 0; i < s->nd; i++)
        while (s->d[i].head != NONE) {
            s->e[s->d[i].head].in_db = true; /* (freeing only) */
            (void)pop_head(s, i);
        }
    free(s->e);
    free(s->d);
    free(s->heap);
    free(s->fifo);
    free(s->taken);
    free(s->taken_e);
    free(s->taken_gt);
    free(s->done);
    free(s->apart);
    free(s->owner);
    free(s->claimed);
    free(s->prepped);
    free(s->pclaim);
    gb_idmap_free(&s->dests);
    gb_idmap_free(&s->skipped);
    gb_idmap_free(&s->programs);
    pthread_mutex_destroy(&s->ev_mu);
}

/* What is left in the window only, back to the queue table; the
 * sequence counter back to META. */
static gb_err write_back(sched *s)
{
    gb_err e = GB_OK;
    for (uint32_t i = 0; i < s->nd && !e; i++)
        while (!e && s->d[i].head != NONE)
            e = pop_head(s, i);
    if (!e)
        e = gb_db_meta_put_u64(s->b->txn, "queue_seq", s->next_seq);
    return e;
}

gb_err gb_chain_process_queue(gb_blk *b)
{
    gb_chain *c = b->c;
    sched s = {.b = b, .free_e = NONE,
               .runs = c->run_buf[0], .cap_runs = c->run_cap[0],
               .old = c->run_buf[1], .cap_old = c->run_cap[1]};
    c->run_buf[0] = c->run_buf[1] = NULL;
    c->run_cap[0] = c->run_cap[1] = 0;
    gb_overlay ov = {0};
    pthread_mutex_init(&s.ev_mu, NULL);
    if (c->nthreads > 1)
        b->ev_mu = &s.ev_mu;
    gb_err e = gb_db_meta_get_u64(b->txn, "queue_seq", 0, &s.next_seq);
    if (!e)
        e = gb_db_share_reads(b->txn);
    if (!e)
        e = gb_chain_gas_cache_begin(b);
    b->sched = &s;
    b->queue = &queue_ops;
    b->ov = &ov;
    s.wide = true;
    while (!e && b->gas_left > 0 &&
           b->dispatched < GB_CHAIN_MAX_DISPATCHES) {
        /* with workers, after a wave they took part in, the next one's
         * batch starts now: they wake (and digest events) while it is
         * picked */
        bool early = c->nthreads > 1 && s.wide;
        if (early && (e = wave_begin(&s)))
            break;
        if ((e = refill(&s)) || (e = pick_wave(&s)) || !s.nruns) {
            if (early)
                wave_cancel(&s);
            break;
        }
        e = run_wave(&s, early);
        if (!e && ov.bytes > GB_SCHED_OV_BYTES)
            e = gb_overlay_flush(&ov, b->txn); /* (bounded memory) */
        if (e)
            break;
        /* the block's time is up: what is left waits for the next block,
         * as when the gas allowance is (one wave at least, so the queue
         * always moves) */
        b->waves++;
        if (b->max_waves ? b->waves >= b->max_waves
                         : b->stop_ns && gb_monotonic_ns() >= b->stop_ns) {
            b->out_of_time = true;
            break;
        }
    }
    b->sched = NULL;
    b->queue = NULL;
    b->ov = NULL;
    b->ev_mu = NULL;
    if (!e) /* (before the gas tree's flush: it may pass pools on) */
        e = write_back(&s);
    if (!e)
        e = gb_chain_gas_cache_flush(b);
    gb_chain_gas_cache_end(b);
    if (!e)
        e = gb_overlay_flush(&ov, b->txn);
    gb_overlay_free(&ov);
    if (!e)
        e = gb_chain_burn_flush(b);
    sched_free(&s);
    return e;
}

/* ---- the executor's resources --------------------------------------------- */

gb_err gb_chain_sched_open(gb_chain *c)
{
    unsigned n = c->cfg.threads ? c->cfg.threads : gb_pool_cores();
    if (n > 256)
        n = 256;
    c->procs = gb_calloc(n, sizeof *c->procs);
    if (!c->procs)
        return GB_NOMEM;
    c->nthreads = n;
    for (unsigned i = 0; i < n; i++) {
        gb_err e = gb_processor_new(NULL, &c->procs[i]);
        if (e)
            return e;
    }
    gb_err e = gb_pool_new(n, &c->pool);
    if (!e)
        gb_db_set_pool(c->db, c->pool); /* the state root, in parallel */
    return e;
}

void gb_chain_sched_close(gb_chain *c)
{
    for (int i = 0; i < 2; i++) {
        free(c->run_buf[i]);
        c->run_buf[i] = NULL;
        c->run_cap[i] = 0;
    }
    if (c->db)
        gb_db_set_pool(c->db, NULL);
    gb_pool_free(c->pool);
    c->pool = NULL;
    if (c->procs)
        for (unsigned i = 0; i < c->nthreads; i++)
            gb_processor_free(c->procs[i]);
    free(c->procs);
    c->procs = NULL;
    c->nthreads = 0;
}
