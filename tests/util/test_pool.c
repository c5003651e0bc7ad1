/*
 * The worker pool (util/pool.h): every job of a batch runs exactly once,
 * gb_pool_wait(i) returns only when job i is done and its writes are
 * visible (jobs claimed one or several at a time), batches follow each
 * other, a pool of one thread runs
 * everything in the caller, and thread indices stay in range;
 * gb_pool_await returns once its flag is set (what was written before
 * it visible), sleeps instead of spinning through a long wait, and
 * misses no notify; gb_pool_set_nice reaches every worker, those starting
 * meanwhile too, and not the caller.
 */
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* A long wait (50 ms): every job awaits the caller's flag, sees what the
 * caller wrote before it, and the workers sleep through it: a thread that
 * spun would use about as much CPU as the wait lasted (less only when the
 * machine is busier than its cores). */
typedef struct await_ctx {
    gb_pool *p;
    atomic_uchar go;
    uint64_t payload; /* written before go */
    uint64_t seen[3];
    int64_t cpu_ns[3], wall_ns[3];
} await_ctx;

static int64_t ns(clockid_t clk)
{
    struct timespec t;
    clock_gettime(clk, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static bool go_set(const void *p)
{
    return atomic_load_explicit(&((await_ctx *)p)->go, memory_order_acquire);
}

static void await_job(void *p, uint32_t i, unsigned worker)
{
    await_ctx *c = p;
    (void)worker;
    int64_t c0 = ns(CLOCK_THREAD_CPUTIME_ID), w0 = ns(CLOCK_MONOTONIC);
    gb_pool_await(c->p, go_set, c);
    c->cpu_ns[i] = ns(CLOCK_THREAD_CPUTIME_ID) - c0;
    c->wall_ns[i] = ns(CLOCK_MONOTONIC) - w0;
    c->seen[i] = c->payload;
}

/* Workers asleep in gb_pool_await wake on notify (a notify that missed
 * them would hang gb_pool_finish). */
static void await_sleeps(void (*notify)(gb_pool *))
{
    await_ctx *c = calloc(1, sizeof *c);
    GB_EXPECT_ERR(GB_OK, gb_pool_new(3, &c->p));
    GB_EXPECT_ERR(GB_OK, gb_pool_start(c->p, 3, await_job, c));
    struct timespec w = {0, 50 * 1000000};
    nanosleep(&w, NULL); /* (the workers claim their jobs and wait) */
    c->payload = 0x5eed;
    atomic_store_explicit(&c->go, 1, memory_order_release);
    notify(c->p);
    gb_pool_finish(c->p); /* (runs what is left: the flag is set) */
    for (int i = 0; i < 3; i++) {
        GB_EXPECT_U64(0x5eed, c->seen[i]);
        if (c->wall_ns[i] >= 20 * 1000000) /* (a worker that waited) */
            GB_EXPECT(c->cpu_ns[i] < c->wall_ns[i] / 4);
    }
    gb_pool_free(c->p);
    free(c);
}

static void test_await_sleeps(void) { await_sleeps(gb_pool_notify); }

/* gb_pool_notify_seen, without the fence, wakes threads long asleep. */
static void test_notify_seen(void) { await_sleeps(gb_pool_notify_seen); }

/* Two jobs passing a turn back and forth through await and notify, many
 * times: a notify lost between a waiter's look and its sleep would hang
 * here. */
typedef struct turn_ctx {
    gb_pool *p;
    atomic_uint turn;
    atomic_uint bad;
} turn_ctx;

typedef struct turn_want {
    turn_ctx *c;
    unsigned want;
} turn_want;

static bool turn_is(const void *p)
{
    const turn_want *t = p;
    return atomic_load_explicit(&t->c->turn, memory_order_acquire) ==
           t->want;
}

#define TURNS 5000

static void turn_job(void *p, uint32_t i, unsigned worker)
{
    turn_ctx *c = p;
    (void)worker;
    if (i > 1)
        return;
    for (unsigned r = 0; r < TURNS; r++) {
        turn_want t = {c, 2 * r + i};
        gb_pool_await(c->p, turn_is, &t);
        if (atomic_load(&c->turn) != 2 * r + i)
            atomic_fetch_add(&c->bad, 1);
        atomic_store_explicit(&c->turn, 2 * r + i + 1, memory_order_release);
        gb_pool_notify(c->p);
    }
}

static void test_await_turns(void)
{
    turn_ctx *c = calloc(1, sizeof *c);
    GB_EXPECT_ERR(GB_OK, gb_pool_new(3, &c->p));
    GB_EXPECT_ERR(GB_OK, gb_pool_start(c->p, 3, turn_job, c));
    gb_pool_finish(c->p);
    GB_EXPECT_U64(2 * TURNS, atomic_load(&c->turn));
    GB_EXPECT_U64(0, atomic_load(&c->bad));
    gb_pool_free(c->p);
    free(c);
}

/* How many of this process's threads are at nice n (Linux: -1 elsewhere). */
static int threads_at_nice(int n)
{
#if defined(__linux__)
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int k = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        buf[len] = 0;
        /* after the name's ')': state, then 15 fields, then nice */
        char *q = strrchr(buf, ')');
        int field = 0, v = 0;
        for (char *t = q ? strtok(q + 1, " ") : NULL; t; t = strtok(NULL, " "))
            if (++field == 17) {
                v = atoi(t);
                break;
            }
        k += field == 17 && v == n;
    }
    closedir(d);
    return k;
#else
    (void)n;
    return -1;
#endif
}

/* Waits (a second at most) until `want` threads are at nice n. */
static int settle_at_nice(int n, int want)
{
    int k = threads_at_nice(n);
    for (int i = 0; i < 100 && k != want; i++) {
        struct timespec w = {0, 10 * 1000000};
        nanosleep(&w, NULL);
        k = threads_at_nice(n);
    }
    return k;
}

static void test_nice(void)
{
    gb_pool *p;
    GB_EXPECT_ERR(GB_INVAL, gb_pool_nice_self(20));
    GB_EXPECT_ERR(GB_OK, gb_pool_new(4, &p));
    GB_EXPECT_ERR(GB_INVAL, gb_pool_set_nice(p, 20));
    GB_EXPECT_ERR(GB_INVAL, gb_pool_set_nice(p, -21));
#if defined(__linux__)
    /* at once: the workers may not have started yet */
    GB_EXPECT_ERR(GB_OK, gb_pool_set_nice(p, 7));
    GB_EXPECT_I64(3, settle_at_nice(7, 3));
    /* again (lowering a nice needs a right: up only), after a batch */
    small_ctx *c = calloc(1, sizeof *c);
    GB_EXPECT_ERR(GB_OK, gb_pool_start(p, 8, small_job, c));
    gb_pool_finish(p);
    free(c);
    GB_EXPECT_ERR(GB_OK, gb_pool_set_nice(p, 9));
    GB_EXPECT_I64(3, settle_at_nice(9, 3));
    GB_EXPECT_I64(0, threads_at_nice(7));
    GB_EXPECT_I64(0, threads_at_nice(9) - 3); /* (the caller not) */
#else
    GB_EXPECT_ERR(GB_UNSUPPORTED, gb_pool_set_nice(p, 7));
#endif
    gb_pool_free(p);
}

int main(void)
{
    GB_RUN(test_one_thread);
    GB_RUN(test_two_threads);
    GB_RUN(test_many_threads);
    GB_RUN(test_empty_batch);
    GB_RUN(test_late_workers);
    GB_RUN(test_await_sleeps);
    GB_RUN(test_notify_seen);
    GB_RUN(test_await_turns);
    GB_RUN(test_nice); /* last: it leaves the process's threads lower */
    return gb_test_summary();
}
