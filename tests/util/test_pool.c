/*
 * The worker pool (util/pool.h): every job of a batch runs exactly once,
 * gb_pool_wait(i) returns only when job i is done and its writes are
 * visible (jobs claimed one or several at a time), batches follow each
 * other, a pool of one thread runs
 * everything in the caller, and thread indices stay in range.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/pool.h"

#define N 5000

typedef struct ctx {
    atomic_uint runs[N];
    uint64_t out[N];
    unsigned threads;
    atomic_uint bad_worker;
    atomic_uint by_caller;
} ctx;

static void job(void *p, uint32_t i, unsigned worker)
{
    ctx *c = p;
    atomic_fetch_add(&c->runs[i], 1);
    if (worker >= c->threads)
        atomic_fetch_add(&c->bad_worker, 1);
    if (worker == 0)
        atomic_fetch_add(&c->by_caller, 1);
    uint64_t x = i + 1;
    for (int k = 0; k < 200; k++) /* a little work */
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    c->out[i] = x;
}

static uint64_t expect(uint32_t i)
{
    uint64_t x = i + 1;
    for (int k = 0; k < 200; k++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    return x;
}

static void check_pool(unsigned threads, uint32_t batches)
{
    gb_pool *p;
    GB_EXPECT_ERR(GB_OK, gb_pool_new(threads, &p));
    GB_EXPECT_U64(threads, gb_pool_threads(p));
    ctx *c = calloc(1, sizeof *c);
    c->threads = threads;
    for (uint32_t b = 0; b < batches; b++) {
        uint32_t n = b % 3 == 2 ? 1 : N - b; /* single jobs too */
        for (uint32_t i = 0; i < N; i++)
            atomic_store(&c->runs[i], 0);
        memset(c->out, 0, sizeof c->out);
        /* every other batch claims jobs a few at a time (odd grains: a
         * last claim shorter than the grain) */
        uint32_t grain = b % 2 ? 1 + b % 7 : 1;
        GB_EXPECT_ERR(GB_OK, gb_pool_start_grain(p, n, grain, job, c));
        uint32_t wrong = 0;
        for (uint32_t i = 0; i < n; i++) {
            gb_pool_wait(p, i);
            wrong += c->out[i] != expect(i); /* visible once waited */
        }
        gb_pool_finish(p);
        GB_EXPECT_U64(0, wrong);
        uint32_t not_once = 0;
        for (uint32_t i = 0; i < N; i++)
            not_once += atomic_load(&c->runs[i]) != (i < n ? 1u : 0u);
        GB_EXPECT_U64(0, not_once);
    }
    GB_EXPECT_U64(0, atomic_load(&c->bad_worker));
    if (threads == 1)
        GB_EXPECT(atomic_load(&c->by_caller) > 0);
    free(c);
    gb_pool_free(p);
}

static void test_one_thread(void) { check_pool(1, 4); }
static void test_two_threads(void) { check_pool(2, 12); }
static void test_many_threads(void) { check_pool(8, 12); }

/* Many small batches back to back, some too small to wake the workers: a
 * worker that wakes late for one batch may find the next already set up;
 * it must not take (or run) any of its jobs with the old batch's view.
 * Every job of every batch runs exactly once, and nothing hangs. */
typedef struct small_ctx {
    atomic_uint runs[8];
    uint32_t batch;
    atomic_uint wrong_batch;
} small_ctx;

static void small_job(void *p, uint32_t i, unsigned worker)
{
    small_ctx *c = p;
    (void)worker;
    atomic_fetch_add(&c->runs[i], 1);
}

static void test_late_workers(void)
{
    gb_pool *p;
    GB_EXPECT_ERR(GB_OK, gb_pool_new(3, &p));
    static const uint32_t sizes[] = {5, 2, 1, 7, 3, 2, 8, 1};
    uint32_t bad = 0;
    for (uint32_t b = 0; b < 20000; b++) {
        small_ctx *c = calloc(1, sizeof *c); /* fresh: a stale run would
                                                touch freed memory (ASan) */
        uint32_t n = sizes[b % 8];
        GB_EXPECT_ERR(GB_OK, gb_pool_start(p, n, small_job, c));
        gb_pool_finish(p);
        for (uint32_t i = 0; i < 8; i++)
            bad += atomic_load(&c->runs[i]) != (i < n ? 1u : 0u);
        free(c);
    }
    GB_EXPECT_U64(0, bad);
    gb_pool_free(p);
}

static void test_empty_batch(void)
{
    gb_pool *p;
    GB_EXPECT_ERR(GB_OK, gb_pool_new(3, &p));
    GB_EXPECT_ERR(GB_OK, gb_pool_start(p, 0, job, NULL));
    gb_pool_finish(p);
    gb_pool_free(p);
    GB_EXPECT(gb_pool_cores() >= 1);
}

int main(void)
{
    GB_RUN(test_one_thread);
    GB_RUN(test_two_threads);
    GB_RUN(test_many_threads);
    GB_RUN(test_empty_batch);
    GB_RUN(test_late_workers);
    return gb_test_summary();
}
