/*
 * The message queue of a block, in waves, run on a pool of threads.
 *
 * The rule (docs/parallel.md says it for users):
 *
 *   The block takes the queue in waves.  A wave holds at most one dispatch
 *   per destination program: for each program, the first of its queued
 *   dispatches (in queue order) that may run; the programs are taken in
 *   the order of those dispatches' queue positions.  Every dispatch of a
 *   wave is prepared (its program read) before any of them runs, the runs
 *   happen on any threads in any order, and their journals are applied in
 *   wave order.  Messages a journal queues get the next sequence numbers
 *   in that order, and are seen by the waves that follow.
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
 *     wave has not reserved yet waits for the next wave.  The gas a run
 *     did not burn returns to the block when its journal is applied.
 *   - init: handle messages to a program whose init has not ended are
 *     skipped for the rest of the block, in order.
 *   - at most GB_CHAIN_MAX_DISPATCHES per block, GB_SCHED_WAVE per wave.
 * Skipped dispatches stay in the queue for a later block.
 *
 * Memory: the queue is read into a window of at most GB_SCHED_WINDOW
 * dispatches, kept per destination in queue order; each wave takes the
 * heads, and the window is topped up from the queue before the next one.
 * So a queue of a million messages to one program costs the same per
 * message as a short one, and the window (not the queue) bounds memory.
 *
 * Threads: the pool (util/pool.h) runs a wave's dispatches; the block's
 * thread takes part, and applies journal i as soon as run i is done while
 * the others go on.  During a wave the write transaction is touched by the
 * block's thread (applying, under c->dblock) and by the runs' page
 * lookups (under c->dblock, copying the page out); nothing else.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/chain_int.h"
#include "util/grow.h"

#define GB_SCHED_WINDOW 65536u /* dispatches read ahead from the queue */
#define GB_SCHED_WAVE 4096u    /* dispatches in one wave */

#define NONE UINT32_MAX

/* ---- a map from (id, id) to an index ------------------------------------
 * Open addressing, linear probing, power-of-two size.  Only looked up by
 * key: its order is never used. */

typedef struct slot {
    gb_id a, b;
    uint32_t val; /* NONE: empty */
} slot;

typedef struct idmap {
    slot *s;
    uint32_t cap, n;
} idmap;

static uint64_t key_hash(const gb_id *a, const gb_id *b)
{
    uint64_t x, y;
    memcpy(&x, a->b, 8);
    memcpy(&y, b->b + 8, 8);
    x ^= y * 0x9e3779b97f4a7c15ull;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    return x ^ (x >> 29);
}

static uint32_t map_get(const idmap *m, const gb_id *a, const gb_id *b)
{
    if (!m->cap)
        return NONE;
    for (uint64_t i = key_hash(a, b);; i++) {
        const slot *s = &m->s[i & (m->cap - 1)];
        if (s->val == NONE)
            return NONE;
        if (gb_id_eq(s->a, *a) && gb_id_eq(s->b, *b))
            return s->val;
    }
}

static gb_err map_put(idmap *m, const gb_id *a, const gb_id *b, uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 64;
        slot *ns = malloc((size_t)cap * sizeof *ns);
        if (!ns)
            return GB_NOMEM;
        for (uint32_t i = 0; i < cap; i++)
            ns[i].val = NONE;
        for (uint32_t i = 0; i < m->cap; i++) {
            if (m->s[i].val == NONE)
                continue;
            uint64_t h = key_hash(&m->s[i].a, &m->s[i].b);
            while (ns[h & (cap - 1)].val != NONE)
                h++;
            ns[h & (cap - 1)] = m->s[i];
        }
        free(m->s);
        m->s = ns;
        m->cap = cap;
    }
    for (uint64_t i = key_hash(a, b);; i++) {
        slot *s = &m->s[i & (m->cap - 1)];
        if (s->val == NONE) {
            *s = (slot){*a, *b, val};
            m->n++;
            return GB_OK;
        }
        if (gb_id_eq(s->a, *a) && gb_id_eq(s->b, *b)) {
            s->val = val;
            return GB_OK;
        }
    }
}

/* ---- the window ------------------------------------------------------- */

typedef struct entry {
    uint64_t seq;
    gb_held h;
    uint32_t next; /* the destination's next entry, NONE */
} entry;

typedef struct dest {
    gb_id id;
    uint32_t head, tail; /* entries, NONE when empty */
    bool uninit;         /* its handle messages wait for init (block) */
    bool settled;        /* seen past init (active, exited, failed):
                            that never changes back */
    bool active;         /* in the active list */
} dest;

/* A destination ready for a wave, by its head's queue position. */
typedef struct head {
    uint64_t seq;
    uint32_t di;
} head;

typedef struct sched {
    gb_blk *b;
    entry *e;
    uint32_t ne, cap_e;
    uint32_t free_e; /* free list through entry.next */
    dest *d;
    uint32_t nd, cap_d;
    idmap dests;   /* (id, 0) -> dest index */
    idmap skipped; /* (source, destination) -> 1 */
    uint32_t *active; /* dests with entries */
    uint32_t nactive, cap_active;
    head *order;      /* the wave's candidates */
    uint32_t cap_order;
    uint32_t inwin;   /* entries in the window */
    uint64_t loaded;  /* next queue sequence to read */
    bool drained;     /* the queue has nothing at or after loaded */
    /* the wave */
    gb_run *runs;
    uint32_t nruns, cap_runs;
} sched;

static const gb_id zero_id;

static void seq_key(uint64_t seq, uint8_t out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(seq >> (56 - 8 * i));
}

static gb_err dest_of(sched *s, gb_id id, uint32_t *out)
{
    uint32_t i = map_get(&s->dests, &id, &zero_id);
    if (i == NONE) {
        if (!gb_grow((void **)&s->d, &s->cap_d, (uint64_t)s->nd + 1,
                     sizeof *s->d, 64))
            return GB_NOMEM;
        i = s->nd++;
        s->d[i] = (dest){.id = id, .head = NONE, .tail = NONE};
        gb_err e = map_put(&s->dests, &id, &zero_id, i);
        if (e)
            return e;
    }
    *out = i;
    return GB_OK;
}

static gb_err activate(sched *s, uint32_t di)
{
    if (s->d[di].active)
        return GB_OK;
    if (!gb_grow((void **)&s->active, &s->cap_active,
                 (uint64_t)s->nactive + 1, sizeof *s->active, 64))
        return GB_NOMEM;
    s->active[s->nactive++] = di;
    s->d[di].active = true;
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

/* Unlink the head of dest di (its entry's dispatch goes with *out when
 * out != NULL, else is freed). */
static void pop_head(sched *s, uint32_t di, gb_held *out)
{
    dest *d = &s->d[di];
    uint32_t ei = d->head;
    entry *en = &s->e[ei];
    d->head = en->next;
    if (d->head == NONE)
        d->tail = NONE;
    if (out)
        *out = en->h;
    else
        gb_chain_held_free(&en->h);
    en->h = (gb_held){0};
    en->next = s->free_e;
    s->free_e = ei;
    s->inwin--;
}

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
        uint32_t ei, di;
        if ((e = gb_db_dispatch_decode(val.data, val.len, &x)) ||
            (e = entry_new(s, &ei)))
            break;
        entry *en = &s->e[ei];
        en->seq = seq;
        en->next = NONE;
        if ((e = gb_chain_held_copy(&x, &en->h))) {
            en->next = s->free_e;
            s->free_e = ei;
            break;
        }
        s->loaded = seq + 1;
        s->inwin++;
        if ((e = dest_of(s, x.d.destination, &di)))
            break;
        dest *d = &s->d[di];
        if (d->tail == NONE)
            d->head = ei;
        else
            s->e[d->tail].next = ei;
        d->tail = ei;
        if ((e = activate(s, di)))
            break;
    }
    gb_db_cursor_close(cur);
    return e;
}

/* ---- choosing a wave ------------------------------------------------------ */

static int cmp_head(const void *pa, const void *pb)
{
    const head *a = pa, *b = pb;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Drop a destination's heads that may not run in this block; true when it
 * has one left that may. */
static gb_err settle_head(sched *s, uint32_t di, bool *ok)
{
    gb_blk *b = s->b;
    *ok = false;
    for (;;) {
        dest *d = &s->d[di];
        if (d->head == NONE)
            return GB_OK;
        const gb_dispatch *x = &s->e[d->head].h.x.d;
        bool drop = map_get(&s->skipped, &x->source, &x->destination) != NONE;
        if (!drop && x->gas_limit > b->gas_left) {
            gb_err e = map_put(&s->skipped, &x->source, &x->destination, 1);
            if (e)
                return e;
            drop = true;
        }
        if (!drop && x->kind == GB_DISPATCH_HANDLE && !d->settled) {
            gb_db_program p;
            if (!d->uninit && !gb_db_program_get(b->txn, x->destination, &p)) {
                if (p.status == GB_PROGRAM_INITIALIZING)
                    d->uninit = true;
                else
                    d->settled = true;
            }
            drop = d->uninit;
        }
        if (!drop) {
            *ok = true;
            return GB_OK;
        }
        pop_head(s, di, NULL); /* stays queued for a later block */
    }
}

/* Pick the wave into s->runs (taking the dispatches out of the queue and
 * preparing them).  None picked: the queue is done for this block. */
static gb_err pick_wave(sched *s)
{
    gb_blk *b = s->b;
    gb_err e;
    s->nruns = 0;
    /* the active destinations, by their heads' queue order */
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->nactive; i++) {
        uint32_t di = s->active[i];
        bool ok;
        if ((e = settle_head(s, di, &ok)))
            return e;
        if (ok)
            s->active[n++] = di;
        else
            s->d[di].active = false;
    }
    s->nactive = n;
    if (!gb_grow((void **)&s->order, &s->cap_order, n, sizeof *s->order, 64))
        return GB_NOMEM;
    for (uint32_t i = 0; i < n; i++)
        s->order[i] = (head){s->e[s->d[s->active[i]].head].seq, s->active[i]};
    if (n)
        qsort(s->order, n, sizeof *s->order, cmp_head);

    uint64_t budget = b->gas_left;
    uint32_t room = GB_CHAIN_MAX_DISPATCHES - b->dispatched;
    if (room > GB_SCHED_WAVE)
        room = GB_SCHED_WAVE;
    if (!gb_grow((void **)&s->runs, &s->cap_runs, n < room ? n : room,
                 sizeof *s->runs, 16))
        return GB_NOMEM;
    for (uint32_t i = 0; i < n && s->nruns < room; i++) {
        uint32_t di = s->order[i].di;
        entry *en = &s->e[s->d[di].head];
        uint64_t gas = en->h.x.d.gas_limit;
        if (gas > budget)
            continue; /* the next wave */
        budget -= gas;
        if ((e = gb_db_queue_del(b->txn, en->seq)))
            return e;
        gb_run *r = &s->runs[s->nruns++];
        memset(r, 0, sizeof *r);
        pop_head(s, di, &r->h);
        if ((e = gb_chain_prepare(b, r)))
            return e;
    }
    return GB_OK;
}

/* ---- running a wave ------------------------------------------------------- */

static void run_job(void *ctx, uint32_t i, unsigned worker)
{
    sched *s = ctx;
    gb_chain *c = s->b->c;
    gb_chain_run(&s->runs[i], c->procs[worker], &s->b->bctx,
                 c->nthreads > 1 ? &c->dblock : NULL, c->bufs[worker]);
}

static gb_err run_wave(sched *s)
{
    gb_chain *c = s->b->c;
    gb_err e = gb_pool_start(c->pool, s->nruns, run_job, s);
    if (e)
        return e;
    for (uint32_t i = 0; i < s->nruns; i++) {
        gb_pool_wait(c->pool, i);
        if (e)
            continue; /* the block is lost: let the others end */
        if (c->nthreads > 1)
            pthread_mutex_lock(&c->dblock);
        e = gb_chain_finish(s->b, &s->runs[i]);
        if (c->nthreads > 1)
            pthread_mutex_unlock(&c->dblock);
    }
    gb_pool_finish(c->pool);
    return e;
}

static void sched_free(sched *s)
{
    for (uint32_t i = 0; i < s->nruns; i++)
        gb_run_free(&s->runs[i]);
    for (uint32_t i = 0; i < s->nd; i++)
        while (s->d[i].head != NONE)
            pop_head(s, i, NULL);
    free(s->runs);
    free(s->e);
    free(s->d);
    free(s->active);
    free(s->order);
    free(s->dests.s);
    free(s->skipped.s);
}

gb_err gb_chain_process_queue(gb_blk *b)
{
    sched s = {.b = b, .free_e = NONE};
    gb_err e = GB_OK;
    while (b->gas_left > 0 && b->dispatched < GB_CHAIN_MAX_DISPATCHES) {
        if ((e = refill(&s)) || (e = pick_wave(&s)))
            break;
        if (!s.nruns)
            break;
        e = run_wave(&s);
        s.drained = false; /* the wave may have queued more */
        for (uint32_t i = 0; i < s.nruns; i++)
            gb_run_free(&s.runs[i]);
        s.nruns = 0;
        if (e)
            break;
    }
    sched_free(&s);
    return e;
}

/* ---- the executor's resources --------------------------------------------- */

gb_err gb_chain_sched_open(gb_chain *c)
{
    unsigned n = c->cfg.threads ? c->cfg.threads : gb_pool_cores();
    if (n > 256)
        n = 256;
    c->procs = calloc(n, sizeof *c->procs);
    c->bufs = calloc(n, sizeof *c->bufs);
    if (!c->procs || !c->bufs)
        return GB_NOMEM;
    c->nthreads = n;
    pthread_mutex_init(&c->dblock, NULL);
    for (unsigned i = 0; i < n; i++) {
        gb_err e = gb_processor_new(NULL, &c->procs[i]);
        if (e)
            return e;
        if (!(c->bufs[i] = malloc(GB_GEAR_PAGE_SIZE)))
            return GB_NOMEM;
    }
    return gb_pool_new(n, &c->pool);
}

void gb_chain_sched_close(gb_chain *c)
{
    gb_pool_free(c->pool);
    c->pool = NULL;
    if (c->procs)
        for (unsigned i = 0; i < c->nthreads; i++)
            gb_processor_free(c->procs[i]);
    if (c->bufs)
        for (unsigned i = 0; i < c->nthreads; i++)
            free(c->bufs[i]);
    if (c->nthreads)
        pthread_mutex_destroy(&c->dblock);
    free(c->procs);
    free(c->bufs);
    c->procs = NULL;
    c->bufs = NULL;
    c->nthreads = 0;
}
