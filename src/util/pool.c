/*
 * The worker pool (pool.h).  One mutex guards the batch's setup and the
 * sleeping; jobs are claimed lock-free with an atomic counter and marked
 * done with a release store the caller reads with acquire.
 *
 * A worker sleeps on `work` until the generation changes, joins the batch
 * (active++ under the mutex, reading fn/ctx/njobs there), claims jobs
 * until none is left, then leaves (active--).  gb_pool_finish waits for
 * every job and for active == 0.  A worker may still join a batch after
 * the caller has finished it (it woke late) and find the next batch
 * already set up: so jobs are claimed from one counter that only grows,
 * each batch owning the tickets [base, base + njobs), and a claim is a
 * compare-and-swap that succeeds only inside the claimer's own batch — a
 * late worker claims nothing and takes no ticket from the next batch.
 */
#include "util/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__linux__)
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#endif

#include "util/grow.h"
#include "util/mem.h"

typedef struct worker {
    gb_pool *pool;
    unsigned index;
    pthread_t t;
    atomic_int tid; /* its kernel thread id once started, else 0 */
} worker;

struct gb_pool {
    unsigned threads;
    worker *w; /* threads - 1 */
    unsigned started;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    atomic_uint_fast64_t gen; /* written under mu; read without it to spin */
    bool quit;        /* under mu */
    atomic_bool waiting; /* the caller sleeps on done (set under mu; a
                            worker reads it after marking a job done,
                            fenced: one of the two sees the other) */
    atomic_uint active; /* workers inside the batch (changed under mu) */
    /* the batch (written under mu, before the generation changes) */
    gb_pool_fn fn;
    void *ctx;
    uint32_t njobs;
    uint32_t grain;          /* tickets taken per claim */
    uint64_t base;           /* the batch's first ticket */
    atomic_uint_fast64_t next; /* the next ticket; never goes back */
    atomic_uchar *state; /* per job: 1 when done */
    uint32_t cap;
    /* gb_pool_await's sleepers: one mutex and condition of their own (a
     * notify must not wait for a batch being set up) */
    pthread_mutex_t amu;
    pthread_cond_t acv;
    atomic_uint asleep; /* threads asleep or about to be (changed under
                           amu; a notifier reads it after its store,
                           fenced: one of the two sees the other) */
    atomic_int nice; /* gb_pool_set_nice's, NICE_NONE before (stored
                        before the workers' tids are read, a worker's tid
                        before it reads this: one of the two applies it) */
};

#define NICE_NONE (-100)

#if defined(__linux__)
static int my_tid(void) { return (int)syscall(SYS_gettid); }

/* (Linux: a thread's own priority, by its id) */
static gb_err nice_tid(int tid, int nice)
{
    return setpriority(PRIO_PROCESS, (id_t)tid, nice) ? GB_IO : GB_OK;
}
#else
static int my_tid(void) { return 0; }
static gb_err nice_tid(int tid, int nice)
{
    (void)tid, (void)nice;
    return GB_UNSUPPORTED;
}
#endif

int gb_pool_nice_now(void)
{
#if defined(__linux__)
    errno = 0;
    int v = getpriority(PRIO_PROCESS, (id_t)my_tid());
    return errno ? 0 : v;
#else
    return 0;
#endif
}

gb_err gb_pool_nice_self(int nice)
{
    if (nice < -20 || nice > 19)
        return GB_INVAL;
    return nice_tid(my_tid(), nice);
}

gb_err gb_pool_set_nice(gb_pool *p, int nice)
{
    if (nice < -20 || nice > 19)
        return GB_INVAL;
    atomic_store(&p->nice, nice);
    gb_err e = GB_OK;
#if !defined(__linux__)
    e = GB_UNSUPPORTED;
#endif
    for (unsigned i = 0; !e && i < p->started; i++) {
        int tid = atomic_load(&p->w[i].tid);
        if (tid)
            e = nice_tid(tid, nice);
    }
    return e;
}

unsigned gb_pool_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

static void mark_done(gb_pool *p, uint32_t job)
{
    atomic_store_explicit(&p->state[job], 1, memory_order_release);
}

static bool is_done(gb_pool *p, uint32_t job)
{
    return atomic_load_explicit(&p->state[job], memory_order_acquire);
}

/* Claim and run one job as thread `self`; false when none is left. */
static bool run_one(gb_pool *p, gb_pool_fn fn, void *ctx, uint64_t base,
                    uint32_t njobs, uint32_t grain, unsigned self)
{
    uint64_t t = atomic_load_explicit(&p->next, memory_order_relaxed), g;
    do {
        if (t < base || t >= base + njobs)
            return false; /* not (or no longer) this batch's */
        g = base + njobs - t < grain ? base + njobs - t : grain;
    } while (!atomic_compare_exchange_weak_explicit(
        &p->next, &t, t + g, memory_order_relaxed, memory_order_relaxed));
    for (uint64_t k = 0; k < g; k++) {
        uint32_t j = (uint32_t)(t + k - base);
        fn(ctx, j, self);
        mark_done(p, j);
    }
    return true;
}

/* Spinning a little before sleeping: a batch often follows the last one
 * within microseconds (the caller applies results between them), and a
 * sleeping thread takes tens of microseconds to wake. */
#define SPINS 4000

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    gb_pool *p = w->pool;
    uint64_t seen = 0;
    atomic_store(&w->tid, my_tid());
    int nice = atomic_load(&p->nice);
    if (nice != NICE_NONE)
        nice_tid(atomic_load(&w->tid), nice);
    for (int i = 0; i < SPINS && atomic_load(&p->gen) == seen; i++)
        relax();
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && atomic_load(&p->gen) == seen)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->quit)
            break;
        seen = atomic_load(&p->gen);
        gb_pool_fn fn = p->fn;
        void *ctx = p->ctx;
        uint32_t njobs = p->njobs, grain = p->grain;
        uint64_t base = p->base;
        atomic_fetch_add(&p->active, 1);
        pthread_mutex_unlock(&p->mu);
        while (run_one(p, fn, ctx, base, njobs, grain, w->index)) {
            /* (the caller may be asleep waiting for one of those) */
            atomic_thread_fence(memory_order_seq_cst);
            if (atomic_load_explicit(&p->waiting, memory_order_relaxed)) {
                pthread_mutex_lock(&p->mu);
                pthread_cond_broadcast(&p->done);
                pthread_mutex_unlock(&p->mu);
            }
        }
        pthread_mutex_lock(&p->mu);
        if (atomic_fetch_sub(&p->active, 1) == 1 && atomic_load(&p->waiting))
            pthread_cond_broadcast(&p->done);
        pthread_mutex_unlock(&p->mu);
        for (int i = 0; i < SPINS && atomic_load(&p->gen) == seen; i++)
            relax();
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

gb_err gb_pool_new(unsigned threads, gb_pool **out)
{
    *out = NULL;
    if (threads < 1)
        threads = 1;
    gb_pool *p = gb_calloc(1, sizeof *p);
    if (!p)
        return GB_NOMEM;
    p->threads = threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    pthread_mutex_init(&p->amu, NULL);
    pthread_cond_init(&p->acv, NULL);
    atomic_init(&p->asleep, 0);
    atomic_init(&p->next, 0);
    atomic_init(&p->gen, 0);
    atomic_init(&p->active, 0);
    atomic_init(&p->waiting, false);
    atomic_init(&p->nice, NICE_NONE);
    if (threads > 1) {
        p->w = gb_calloc(threads - 1, sizeof *p->w);
        if (!p->w) {
            gb_pool_free(p);
            return GB_NOMEM;
        }
        for (unsigned i = 0; i < threads - 1; i++) {
            p->w[i] = (worker){.pool = p, .index = i + 1};
            if (pthread_create(&p->w[i].t, NULL, worker_main, &p->w[i])) {
                gb_pool_free(p);
                return GB_IO;
            }
            p->started++;
        }
    }
    *out = p;
    return GB_OK;
}

void gb_pool_free(gb_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->w[i].t, NULL);
    free(p->w);
    free(p->state);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->acv);
    pthread_mutex_destroy(&p->amu);
    free(p);
}

unsigned gb_pool_threads(const gb_pool *p) { return p->threads; }

gb_err gb_pool_start(gb_pool *p, uint32_t n, gb_pool_fn fn, void *ctx)
{
    return gb_pool_start_grain(p, n, 1, fn, ctx);
}

gb_err gb_pool_start_grain(gb_pool *p, uint32_t n, uint32_t grain,
                           gb_pool_fn fn, void *ctx)
{
    pthread_mutex_lock(&p->mu);
    if (!gb_grow((void **)&p->state, &p->cap, n, sizeof *p->state, 64)) {
        pthread_mutex_unlock(&p->mu);
        return GB_NOMEM;
    }
    for (uint32_t i = 0; i < n; i++)
        atomic_init(&p->state[i], 0);
    p->fn = fn;
    p->ctx = ctx;
    p->njobs = n;
    p->grain = grain ? grain : 1;
    p->base = atomic_load_explicit(&p->next, memory_order_relaxed);
    if (n >= GB_POOL_MIN_SHARED && p->threads > 1) {
        atomic_fetch_add(&p->gen, 1);
        pthread_cond_broadcast(&p->work);
    }
    pthread_mutex_unlock(&p->mu);
    return GB_OK;
}

void gb_pool_wait(gb_pool *p, uint32_t job)
{
    if (job >= p->njobs)
        return;
    while (!is_done(p, job)) {
        if (run_one(p, p->fn, p->ctx, p->base, p->njobs, p->grain, 0))
            continue;
        /* every job is claimed: job is running on a worker */
        for (int i = 0; i < SPINS && !is_done(p, job); i++)
            relax();
        if (is_done(p, job))
            break;
        pthread_mutex_lock(&p->mu);
        atomic_store(&p->waiting, true);
        atomic_thread_fence(memory_order_seq_cst);
        while (!is_done(p, job))
            pthread_cond_wait(&p->done, &p->mu);
        atomic_store(&p->waiting, false);
        pthread_mutex_unlock(&p->mu);
    }
}

void gb_pool_finish(gb_pool *p)
{
    for (uint32_t i = 0; i < p->njobs; i++)
        gb_pool_wait(p, i);
    for (int i = 0; i < SPINS && atomic_load(&p->active); i++)
        relax();
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->waiting, true);
    while (atomic_load(&p->active))
        pthread_cond_wait(&p->done, &p->mu);
    atomic_store(&p->waiting, false);
    pthread_mutex_unlock(&p->mu);
}

void gb_pool_await(gb_pool *p, gb_pool_ready ready, const void *arg)
{
    for (int i = 0; i < SPINS; i++) {
        if (ready(arg))
            return;
        relax();
    }
    pthread_mutex_lock(&p->amu);
    atomic_fetch_add(&p->asleep, 1);
    atomic_thread_fence(memory_order_seq_cst);
    /* (a notifier that stored before this look is seen here; one that
     * stores after it sees asleep and broadcasts under amu, which it
     * gets only once this thread waits) */
    while (!ready(arg))
        pthread_cond_wait(&p->acv, &p->amu);
    atomic_fetch_sub(&p->asleep, 1);
    pthread_mutex_unlock(&p->amu);
}

void gb_pool_notify_seen(gb_pool *p)
{
    if (!atomic_load_explicit(&p->asleep, memory_order_relaxed))
        return;
    pthread_mutex_lock(&p->amu);
    pthread_cond_broadcast(&p->acv);
    pthread_mutex_unlock(&p->amu);
}

void gb_pool_notify(gb_pool *p)
{
    atomic_thread_fence(memory_order_seq_cst);
    gb_pool_notify_seen(p);
}
