/*
 * A pool of worker threads for batches of independent jobs, with the
 * calling thread taking part and consuming results in order.
 *
 *   gb_pool_start(p, n, fn, ctx)   jobs 0..n-1 become claimable; the
 *                                  workers start claiming them
 *   gb_pool_wait(p, i)             the caller waits until job i is done,
 *                                  running unclaimed jobs itself meanwhile
 *   gb_pool_finish(p)              waits for every job of the batch
 *
 * Jobs are claimed in index order (an atomic counter), so with the caller
 * consuming results 0, 1, 2, ... the results it needs first are the first
 * to be computed.  Which thread runs a job, and when, is not determined —
 * a job must depend only on its inputs (that is the caller's contract).
 * fn(ctx, i, worker) gets the index of the thread running it: 0 for the
 * caller, 1..threads-1 for the workers, so per-thread resources can be
 * kept in arrays.  fn must not call back into the pool.
 *
 * gb_pool_wait(i) returning is a happens-before edge from everything job i
 * did to the caller.  A pool of 1 thread has no workers: everything runs in
 * the caller, inside gb_pool_wait / gb_pool_finish.
 *
 * One batch at a time; a pool is used by one calling thread.
 */
#ifndef GB_UTIL_POOL_H
#define GB_UTIL_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "gearbox/err.h"

typedef struct gb_pool gb_pool;

typedef void (*gb_pool_fn)(void *ctx, uint32_t job, unsigned worker);

/* threads >= 1 (the caller counts as one).  GB_NOMEM, GB_IO (a thread
 * could not be started). */
gb_err gb_pool_new(unsigned threads, gb_pool **out);
/* Joins the workers.  No batch may be running.  NULL is a no-op. */
void gb_pool_free(gb_pool *p);
unsigned gb_pool_threads(const gb_pool *p);

/* Start a batch of n jobs (n may be 0).  Wakes the workers only when the
 * batch has at least GB_POOL_MIN_SHARED jobs: smaller ones run in the
 * caller (handing two short jobs to another thread costs more than it
 * saves). */
#define GB_POOL_MIN_SHARED 3
gb_err gb_pool_start(gb_pool *p, uint32_t n, gb_pool_fn fn, void *ctx);
/* The same, a thread claiming grain jobs at a time (consecutive; at least
 * 1): for short jobs, where claiming one by one would cost as much as
 * the job (the counter's cache line going from core to core). */
gb_err gb_pool_start_grain(gb_pool *p, uint32_t n, uint32_t grain,
                           gb_pool_fn fn, void *ctx);
void gb_pool_wait(gb_pool *p, uint32_t job);
void gb_pool_finish(gb_pool *p);

/* Waiting inside a batch for another of its threads (the caller for a
 * worker, a worker for the caller) to change something jobs share — a
 * flag set with a release store:
 *
 *   gb_pool_await(p, ready, arg)   returns once ready(arg) is true:
 *                                  looks a few thousand times (~0.1 ms),
 *                                  then sleeps until a gb_pool_notify
 *   gb_pool_notify(p)              wakes every thread asleep in
 *                                  gb_pool_await (to call after each
 *                                  store that may make a ready true:
 *                                  costs a fence and a load when none
 *                                  sleeps)
 *   gb_pool_notify_seen(p)         the same without the fence: wakes
 *                                  the threads it sees asleep, and may
 *                                  miss one falling asleep at this very
 *                                  moment — for stores followed within
 *                                  a short while by a gb_pool_notify,
 *                                  which the fence waits for the
 *                                  stores before it to drain
 *
 * ready(arg) is called again after each notify and must only read
 * (acquire loads); it becoming true happens-before gb_pool_await
 * returns.  Spinning without end would keep a core from the other
 * processes of a busy machine, and from the very thread being waited
 * for when it has been preempted. */
typedef bool (*gb_pool_ready)(const void *arg);
void gb_pool_await(gb_pool *p, gb_pool_ready ready, const void *arg);
void gb_pool_notify(gb_pool *p);
void gb_pool_notify_seen(gb_pool *p);

/* The scheduling priority of the pool's workers, as setpriority's nice
 * (-20..19; higher yields more): the workers of a pool whose batches
 * should give way to the process's other threads (a replica's block
 * work to its requests).  A worker starting meanwhile takes it too.
 * GB_INVAL out of range; GB_UNSUPPORTED where threads have no priority
 * of their own (not Linux); GB_IO when the system refused (a lower nice
 * than now needs the right to it). */
gb_err gb_pool_set_nice(gb_pool *p, int nice);
/* The calling thread's alone, the same way. */
gb_err gb_pool_nice_self(int nice);
/* The calling thread's nice now (0 where threads have none of their own). */
int gb_pool_nice_now(void);

/* The number of online cores (at least 1). */
unsigned gb_pool_cores(void);

#endif
