/*
 * Savina actor benchmarks on the chain (make bench runs it after
 * bench_chain): classic actor workloads written as Gear programs in C with
 * the SDK (the .c files in bench/savina/), run through real blocks, each block committed
 * to LMDB with the default full sync (durable when the commit returns).
 *
 *   pingpong  two actors pass a counter back and forth, N round trips
 *             (GB_SAVINA_PINGPONG_N, default 50,000: 100,000 hops)
 *   ring      thread ring: GB_SAVINA_RING_ACTORS (100) actors pass a token
 *             around, GB_SAVINA_RING_HOPS (100,000) hops in all
 *   fanout    one coordinator sends a request to each of
 *             GB_SAVINA_FANOUT_WORKERS (1,000) workers, waits (gr_wait) and
 *             gathers their replies in handle_reply, the last one waking
 *             it; GB_SAVINA_FANOUT_ROUNDS (10) rounds, each its own
 *             message (a message may send at most 1,024 over all its runs)
 *   create    one actor creates GB_SAVINA_CREATE_N (10,000) children,
 *             GB_SAVINA_CREATE_BATCH (500) per run, each child's init
 *             replies once
 *   count     a producer program sends GB_SAVINA_COUNT_N (1,000,000)
 *             messages to a counter, GB_SAVINA_COUNT_BATCH (1,000) per run
 *             (a run may send at most 1,024), re-triggering itself
 *   pairs     GB_SAVINA_PAIRS (1,000) independent ping-pong pairs,
 *             GB_SAVINA_PAIR_N (50) round trips each, all kicked off in the
 *             same block: the case a parallel executor can scale
 *
 * GB_SAVINA_SCALE (a factor, default 1) scales every size above that is
 * not set explicitly: message counts and actor counts (the latter at least
 * 10); rounds, batches and round trips per pair are not scaled.
 * GB_SAVINA_ONLY=ring,count runs only those; GB_SAVINA_THREADS sets the
 * thread count of the second column (default: the cores online).
 *
 * What is measured: each workload runs twice, on a fresh chain each time,
 * with gb_chain_cfg.threads = 1 and = the number of cores.  Uploading the
 * code and creating the actors is set up before and not timed; the time is
 * wall-clock (CLOCK_MONOTONIC) from submitting the kick-off to the block
 * after which nothing is pending, every block synced to disk.  A "message"
 * is one dispatch the chain processed (a message, a reply — automatic
 * ones included — or an init), counted from the blocks' results, as
 * bench_chain counts them; Gear answers every message, so workloads whose
 * actors send plain messages (ring, count) process about two dispatches
 * per logical message.  The process CPU time is printed beside the wall
 * time (cpu/wall > 1: more than one core worked).
 *
 * Repeats: each workload runs GB_SAVINA_REPEAT times (default 1; 5 for
 * pairs, whose speed-up is a target) at each thread count, 1 and N
 * alternating, and the table takes each count's fastest run: on a shared
 * or virtual machine a run is sometimes slowed by a neighbour, never sped
 * up by one.  Every run is printed.
 *
 * Every run checks its result and exits 1 when it is wrong: the exact
 * number of dispatches the workload implies, no failed dispatch, and the
 * programs' own counters read back with gb_chain_read_state (hops, sums of
 * what was sent, order of arrival, the coordinator's final message in the
 * block events).
 *
 * usage: bench_savina SAVINA_WASM_DIR [DATA_PARENT_DIR]
 * SAVINA_WASM_DIR holds the programs (build/savina/NAME.wasm).  The chains
 * live in a fresh directory under DATA_PARENT_DIR (default $TMPDIR or
 * /tmp; pick a real disk: on tmpfs a sync costs nothing), removed at the
 * end.  Everything printed is measured on this run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/chain.h"

/* Gas of one kick-off, paying for every hop of a long exchange (the pairs
 * share it).  At Vara's prices a hop costs ~3-4 x 10^8 with what it hands
 * on, so 10^5 hops or 10^6 counted messages need ~10^15: more than Vara's
 * block gas limit (750e9, ~2,000 such messages).  The benchmark raises the
 * block gas limit (BENCH_BLOCK_GAS) so that its workloads stay as they
 * were: one long exchange from one kick-off, blocks as large as before. */
#define GAS_KICK 4000000000000000ull
#define BENCH_BLOCK_GAS 10000000000000000ull
#define GAS_SETUP 5000000000ull
/* Each new program gets the existential deposit (1 VARA = 10^12 units,
 * src/gear/process.c) from its creator. */
#define EXISTENTIAL_DEPOSIT 1000000000000ull

#define TARGET_PINGPONG_RATE 50000.0 /* msgs/s, 1 thread, durable commits */
#define TARGET_PAIRS_SPEEDUP 1.8     /* on 2 cores */

/* ---- small helpers ------------------------------------------------------ */

static double now_s(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The sender of every message (derived once: deriving a dev key is an
 * ed25519 key generation, which the timed part should not measure). */
static gb_id alice(void)
{
    static gb_id id;
    static bool have;
    if (!have) {
        id = gb_dev_account_id(0);
        have = true;
    }
    return id;
}

static void die(const char *what, gb_err e, const char *detail)
{
    fprintf(stderr, "bench_savina: %s: %s %s\n", what, gb_err_name(e),
            detail ? detail : "");
    exit(1);
}

/* A wrong result: the benchmark measured the wrong work. */
static void wrong(const char *workload, const char *what,
                  unsigned long long got, unsigned long long want)
{
    fprintf(stderr, "bench_savina: %s: WRONG RESULT: %s = %llu, expected "
            "%llu\n", workload, what, got, want);
    exit(1);
}

static void check(const char *workload, const char *what, uint64_t got,
                  uint64_t want)
{
    if (got != want)
        wrong(workload, what, got, want);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 10) : dflt;
}

static double scale = 1.0;

/* A size: $name if set, else dflt * GB_SAVINA_SCALE, at least min. */
static uint64_t size_env(const char *name, uint64_t dflt, uint64_t min)
{
    const char *s = getenv(name);
    if (s && *s)
        return strtoull(s, NULL, 10);
    uint64_t n = (uint64_t)(dflt * scale + 0.5);
    return n < min ? min : n;
}

static void put_u32(uint8_t *p, uint32_t n)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(n >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t n)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(n >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | p[i];
    return n;
}

static void rm_dir(const char *dir)
{
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_savina: could not remove %s\n", dir);
}

/* The run's data directory: removed at exit, also when a check fails. */
static char data_dir[1024];

static void rm_data_dir(void)
{
    if (data_dir[0])
        rm_dir(data_dir);
}

/* ---- the chain ---------------------------------------------------------- */

static const char *wasm_dir;

typedef struct bench {
    gb_chain *c;
    const char *name; /* the workload, for messages */
    /* filled by drain() */
    uint64_t dispatched, blocks, failed, gas;
    /* drain() copies the payload of a message (or reply) from result_from
     * to alice */
    gb_id result_from;
    uint8_t result[64];
    uint32_t result_len;
    bool got_result;
} bench;

static void submit(bench *b, gb_tx tx)
{
    char detail[256] = "";
    gb_err e = gb_chain_submit(b->c, &tx, NULL, detail, sizeof detail);
    if (e)
        die("submit", e, detail);
}

static void send(bench *b, gb_id to, const void *p, uint32_t len,
                 uint64_t gas, uint64_t value)
{
    submit(b, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                      .destination = to, .payload = p, .payload_len = len,
                      .gas_limit = gas, .value = gb_u128_from(value)});
}

/* Uploads bench/savina/<name>.wasm; returns its code id. */
static gb_id upload(bench *b, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.wasm", wasm_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_savina: cannot open %s: %s\n", path,
                strerror(errno));
        exit(1);
    }
    static uint8_t code[1 << 20];
    uint32_t len = (uint32_t)fread(code, 1, sizeof code, f);
    fclose(f);
    submit(b, (gb_tx){.kind = GB_TX_UPLOAD_CODE, .sender = alice(),
                      .code = code, .code_len = len});
    return gb_code_id(code, len);
}

/* Submits the creation of a program from code with salt "<tag>/<i>" and
 * init payload; returns its id. */
static gb_id create(bench *b, gb_id code, const char *tag, uint32_t i,
                    const void *payload, uint32_t len)
{
    char salt[64];
    int n = snprintf(salt, sizeof salt, "%s/%u", tag, i);
    submit(b, (gb_tx){.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                      .code_id = code, .salt = (const uint8_t *)salt,
                      .salt_len = (uint32_t)n, .payload = payload,
                      .payload_len = len, .gas_limit = GAS_SETUP});
    return gb_program_id_from_user(code, salt, (size_t)n);
}

/* Produces blocks until nothing is pending; adds up what they did. */
static void drain(bench *b)
{
    gb_id me = alice();
    do {
        gb_block_result r;
        gb_err e = gb_chain_produce_block(b->c, &r);
        if (e)
            die("produce block", e, NULL);
        b->dispatched += r.dispatched;
        b->gas += r.gas_used;
        b->blocks++;
        for (uint32_t i = 0; i < r.nevents; i++) {
            const gb_event *ev = &r.events[i];
            /* (an automatic reply carries no gas, as on Vara: one to a
             * program fails its precharge, burning nothing — not the
             * workload's failure) */
            if (ev->kind == GB_EV_DISPATCHED &&
                ev->outcome == GB_OUTCOME_FAILED &&
                !(ev->dispatch_kind == GB_DISPATCH_REPLY && !ev->gas_burned)) {
                if (!b->failed)
                    fprintf(stderr, "bench_savina: %s: a dispatch failed "
                            "(block %u, event %u, %llu gas burned) %s\n",
                            b->name, r.height, i,
                            (unsigned long long)ev->gas_burned,
                            ev->debug ? ev->debug : "");
                b->failed++;
            }
            if (ev->kind == GB_EV_USER_MESSAGE &&
                gb_id_eq(ev->source, b->result_from) &&
                gb_id_eq(ev->destination, me) &&
                ev->payload_len <= sizeof b->result) {
                if (ev->payload_len)
                    memcpy(b->result, ev->payload, ev->payload_len);
                b->result_len = ev->payload_len;
                b->got_result = true;
            }
        }
        gb_chain_result_recycle(b->c, &r);
    } while (gb_chain_pending(b->c));
}

/* Setup done: drains and checks that nothing failed, then zeroes the
 * counters for the measured part. */
static void setup_done(bench *b)
{
    drain(b);
    if (b->failed)
        die("setup: a program run failed", GB_OK, b->name);
    b->dispatched = b->blocks = b->failed = b->gas = 0;
}

/* Reads n u64s from program's `state` export. */
static void read_state(bench *b, gb_id program, uint64_t *out, uint32_t n)
{
    uint8_t code[4], *p = NULL;
    uint32_t len = 0;
    char detail[256] = "";
    gb_err e = gb_chain_read_state(b->c, program, NULL, 0, 0, code, &p, &len,
                                   detail, sizeof detail);
    if (e)
        die("read state", e, detail);
    if (code[0] != 0 || len != 8 * n) {
        fprintf(stderr, "bench_savina: %s: state query: reply code %02x, "
                "%u bytes (%s)\n", b->name, code[0], len, detail);
        exit(1);
    }
    for (uint32_t i = 0; i < n; i++)
        out[i] = get_u64(p + 8 * i);
    free(p);
}

/* ---- workloads ---------------------------------------------------------- */

/* One measured run. */
typedef struct run {
    uint64_t dispatched, blocks, gas;
    double wall, cpu;
    double main; /* the block's thread's CPU time: the wall time without
                    what other processes took (it waits by spinning) */
} run;

typedef struct sizes {
    uint64_t pp_n;                      /* round trips */
    uint64_t ring_actors, ring_hops;
    uint64_t fan_workers, fan_rounds;
    uint64_t create_n, create_batch;
    uint64_t count_n, count_batch;
    uint64_t pairs, pair_n;             /* round trips per pair */
} sizes;

static double t_wall0, t_cpu0, t_main0;

static void clock_start(void)
{
    t_wall0 = now_s(CLOCK_MONOTONIC);
    t_cpu0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    t_main0 = now_s(CLOCK_THREAD_CPUTIME_ID);
}

/* Stops the clock after drain(); checks the dispatch count. */
static run clock_stop(bench *b, uint64_t want_dispatched)
{
    run r = {.dispatched = b->dispatched, .blocks = b->blocks, .gas = b->gas,
             .wall = now_s(CLOCK_MONOTONIC) - t_wall0,
             .cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - t_cpu0,
             .main = now_s(CLOCK_THREAD_CPUTIME_ID) - t_main0};
    check(b->name, "failed dispatches", b->failed, 0);
    check(b->name, "dispatches", b->dispatched, want_dispatched);
    return r;
}

/* Creates pairs (a_i, b_i) of pingpong programs, each knowing the other;
 * a[i] gets a_i. */
static void make_pairs(bench *b, gb_id code, uint64_t n, gb_id *a, gb_id *bb)
{
    gb_id *tmp = malloc(n * sizeof *tmp);
    for (uint64_t i = 0; i < n; i++) {
        char sa[32], sb[32];
        snprintf(sa, sizeof sa, "a/%llu", (unsigned long long)i);
        snprintf(sb, sizeof sb, "b/%llu", (unsigned long long)i);
        a[i] = gb_program_id_from_user(code, sa, strlen(sa));
        tmp[i] = gb_program_id_from_user(code, sb, strlen(sb));
        gb_id got_a = create(b, code, "a", (uint32_t)i, tmp[i].b, 32);
        gb_id got_b = create(b, code, "b", (uint32_t)i, a[i].b, 32);
        if (!gb_id_eq(got_a, a[i]) || !gb_id_eq(got_b, tmp[i]))
            die("pair ids", GB_INVALID, NULL);
    }
    if (bb)
        memcpy(bb, tmp, n * sizeof *tmp);
    free(tmp);
}

/* Dispatches of one pingpong exchange of h hops (pingpong.c). */
static uint64_t pingpong_dispatches(uint64_t h)
{
    return 1 + (h + 1) + (h % 2 == 0);
}

/* Checks one pair after an exchange of h hops. */
static void check_pair(bench *b, gb_id a, gb_id bb, uint64_t h)
{
    uint64_t sa[2], sb[2];
    read_state(b, a, sa, 2);
    read_state(b, bb, sb, 2);
    check(b->name, "hops of the pair", sa[0] + sb[0], h + 1);
    check(b->name, "finished", sa[1] + sb[1], 1);
}

static run w_pingpong(bench *b, const sizes *s)
{
    gb_id code = upload(b, "pingpong");
    setup_done(b);
    gb_id a, bb;
    make_pairs(b, code, 1, &a, &bb);
    setup_done(b);
    uint64_t hops = 2 * s->pp_n;
    uint8_t kick[8];
    put_u64(kick, hops);
    clock_start();
    send(b, a, kick, 8, GAS_KICK, 0);
    drain(b);
    run r = clock_stop(b, pingpong_dispatches(hops));
    check_pair(b, a, bb, hops);
    return r;
}

static run w_pairs(bench *b, const sizes *s)
{
    gb_id code = upload(b, "pingpong");
    setup_done(b);
    gb_id *a = malloc(s->pairs * sizeof *a), *bb = malloc(s->pairs * sizeof *bb);
    make_pairs(b, code, s->pairs, a, bb);
    setup_done(b);
    uint64_t hops = 2 * s->pair_n;
    uint8_t kick[8];
    put_u64(kick, hops);
    clock_start();
    for (uint64_t i = 0; i < s->pairs; i++)
        send(b, a[i], kick, 8, GAS_KICK / s->pairs, 0);
    drain(b);
    run r = clock_stop(b, s->pairs * pingpong_dispatches(hops));
    for (uint64_t i = 0; i < s->pairs; i++)
        check_pair(b, a[i], bb[i], hops);
    free(a);
    free(bb);
    return r;
}

static run w_ring(bench *b, const sizes *s)
{
    gb_id code = upload(b, "ring");
    setup_done(b);
    uint64_t n = s->ring_actors, h = s->ring_hops;
    gb_id *id = malloc(n * sizeof *id);
    for (uint64_t i = 0; i < n; i++) {
        char salt[32];
        snprintf(salt, sizeof salt, "ring/%llu", (unsigned long long)i);
        id[i] = gb_program_id_from_user(code, salt, strlen(salt));
    }
    for (uint64_t i = 0; i < n; i++)
        create(b, code, "ring", (uint32_t)i, id[(i + 1) % n].b, 32);
    setup_done(b);
    uint8_t kick[8];
    put_u64(kick, h);
    clock_start();
    send(b, id[0], kick, 8, GAS_KICK, 0);
    drain(b);
    /* H+1 token dispatches, H automatic replies (ring.c) */
    run r = clock_stop(b, 2 * h + 1);
    uint64_t hops = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t st[2];
        read_state(b, id[i], st, 2);
        hops += st[0];
        check(b->name, "finished at the actor the token stops at", st[1],
              i == h % n);
    }
    check(b->name, "hops", hops, h + 1);
    free(id);
    return r;
}

static run w_fanout(bench *b, const sizes *s)
{
    gb_id wcode = upload(b, "worker"), fcode = upload(b, "fanout");
    setup_done(b);
    uint64_t n = s->fan_workers, rounds = s->fan_rounds;
    uint8_t *ids = malloc(n * 32);
    gb_id *w = malloc(n * sizeof *w);
    for (uint64_t i = 0; i < n; i++) {
        w[i] = create(b, wcode, "worker", (uint32_t)i, NULL, 0);
        memcpy(ids + 32 * i, w[i].b, 32);
    }
    setup_done(b);
    gb_id coord = create(b, fcode, "fanout", 0, ids, (uint32_t)(n * 32));
    setup_done(b);
    uint8_t kick[4];
    put_u32(kick, (uint32_t)rounds);
    b->result_from = coord;
    clock_start();
    send(b, coord, kick, 4, GAS_KICK, 0);
    drain(b);
    run r = clock_stop(b, 1 + rounds * (2 * n + 3));
    /* request x = round*n + i, reply x*x + 1 */
    uint64_t total = rounds * n, want_sum = 0;
    for (uint64_t x = 0; x < total; x++)
        want_sum += x * x + 1;
    if (!b->got_result || b->result_len != 16) {
        fprintf(stderr, "bench_savina: fanout: WRONG RESULT: no final "
                "message from the coordinator\n");
        exit(1);
    }
    check(b->name, "gathered (final message)", get_u64(b->result), total);
    check(b->name, "sum (final message)", get_u64(b->result + 8), want_sum);
    uint64_t st[4];
    read_state(b, coord, st, 4);
    check(b->name, "gathered", st[0], total);
    check(b->name, "sum", st[1], want_sum);
    check(b->name, "rounds done", st[2], rounds);
    check(b->name, "stray replies", st[3], 0);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t served;
        read_state(b, w[i], &served, 1);
        check(b->name, "requests a worker served", served, rounds);
    }
    free(ids);
    free(w);
    return r;
}

static uint64_t batches(uint64_t n, uint64_t k) { return (n + k - 1) / k; }

static run w_create(bench *b, const sizes *s)
{
    gb_id ccode = upload(b, "child"), pcode = upload(b, "creator");
    setup_done(b);
    gb_id creator = create(b, pcode, "creator", 0, ccode.b, 32);
    setup_done(b);
    uint64_t n = s->create_n, k = s->create_batch;
    uint8_t kick[8];
    put_u32(kick, (uint32_t)n);
    put_u32(kick + 4, (uint32_t)k);
    clock_start();
    send(b, creator, kick, 8, GAS_KICK, n * EXISTENTIAL_DEPOSIT);
    drain(b);
    run r = clock_stop(b, 2 * n + 2 * batches(n, k) - 1);
    uint64_t st[3];
    read_state(b, creator, st, 3);
    check(b->name, "children created", st[0], n);
    check(b->name, "children's replies", st[1], n);
    check(b->name, "sum of the children's indexes", st[2], n * (n - 1) / 2);
    return r;
}

static run w_count(bench *b, const sizes *s)
{
    gb_id ccode = upload(b, "counter"), pcode = upload(b, "producer");
    setup_done(b);
    gb_id counter = create(b, ccode, "counter", 0, NULL, 0);
    gb_id producer = create(b, pcode, "producer", 0, counter.b, 32);
    setup_done(b);
    uint64_t m = s->count_n, k = s->count_batch;
    uint8_t kick[8];
    put_u32(kick, (uint32_t)m);
    put_u32(kick + 4, (uint32_t)k);
    clock_start();
    send(b, producer, kick, 8, GAS_KICK, 0);
    drain(b);
    run r = clock_stop(b, 2 * m + 2 * batches(m, k) - 1);
    uint64_t st[3], ps[2];
    read_state(b, counter, st, 3);
    check(b->name, "messages counted", st[0], m);
    check(b->name, "sum of sequence numbers", st[1], m * (m - 1) / 2);
    check(b->name, "messages out of order", st[2], 0);
    read_state(b, producer, ps, 2);
    check(b->name, "messages sent", ps[0], m);
    check(b->name, "replies back at the producer", ps[1], m);
    return r;
}

/* ---- main --------------------------------------------------------------- */

typedef struct workload {
    const char *name;
    run (*fn)(bench *b, const sizes *s);
    char size[96]; /* what it ran, for the table */
} workload;

static bool selected(const char *name)
{
    const char *only = getenv("GB_SAVINA_ONLY");
    if (!only || !*only)
        return true;
    size_t n = strlen(name);
    for (const char *p = only; (p = strstr(p, name)); p += n)
        if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
            return true;
    return false;
}

static run run_one(workload *w, const sizes *s, const char *parent,
                   unsigned threads)
{
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/%s-t%u", parent, w->name, threads);
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.data_dir = dir;
    cfg.nosync = false; /* durable commits: the point of the benchmark */
    cfg.threads = threads;
    cfg.block_gas_limit = BENCH_BLOCK_GAS;
    bench b = {.name = w->name};
    char detail[256] = "";
    gb_err e = gb_chain_open(&cfg, &b.c, detail, sizeof detail);
    if (e)
        die("open", e, detail);
    run r = w->fn(&b, s);
    gb_chain_close(b.c);
    rm_dir(dir);
    printf("   %-9s %2u thread%s %9llu msgs %5llu blocks %8.3f s %9.0f "
           "msgs/s  cpu/wall %.2f  %5.0f gas/msg  main cpu %.3f s\n",
           w->name, threads, threads == 1 ? " " : "s",
           (unsigned long long)r.dispatched, (unsigned long long)r.blocks,
           r.wall, r.dispatched / r.wall, r.cpu / r.wall,
           (double)r.gas / r.dispatched, r.main);
    fflush(stdout);
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_savina SAVINA_WASM_DIR "
                "[DATA_PARENT_DIR]\n");
        return 2;
    }
    wasm_dir = argv[1];
    const char *s_scale = getenv("GB_SAVINA_SCALE");
    if (s_scale && *s_scale)
        scale = strtod(s_scale, NULL);
    if (!(scale > 0)) {
        fprintf(stderr, "bench_savina: GB_SAVINA_SCALE must be > 0\n");
        return 2;
    }
    sizes s = {
        .pp_n = size_env("GB_SAVINA_PINGPONG_N", 50000, 1),
        .ring_actors = size_env("GB_SAVINA_RING_ACTORS", 100, 10),
        .ring_hops = size_env("GB_SAVINA_RING_HOPS", 100000, 1),
        .fan_workers = size_env("GB_SAVINA_FANOUT_WORKERS", 1000, 10),
        .fan_rounds = env_u64("GB_SAVINA_FANOUT_ROUNDS", 10),
        .create_n = size_env("GB_SAVINA_CREATE_N", 10000, 10),
        .create_batch = env_u64("GB_SAVINA_CREATE_BATCH", 500),
        .count_n = size_env("GB_SAVINA_COUNT_N", 1000000, 1),
        .count_batch = env_u64("GB_SAVINA_COUNT_BATCH", 1000),
        .pairs = size_env("GB_SAVINA_PAIRS", 1000, 10),
        .pair_n = env_u64("GB_SAVINA_PAIR_N", 50),
    };
    if (s.fan_workers > 1000 || s.fan_rounds == 0 || s.create_batch == 0 ||
        s.create_batch > 1000 || s.count_batch == 0 || s.count_batch > 1000 ||
        s.pp_n == 0 || s.pair_n == 0 || s.ring_actors < 1 ||
        s.count_n > UINT32_MAX || s.create_n > UINT32_MAX) {
        fprintf(stderr, "bench_savina: sizes out of range (fan-out workers "
                "and batches at most 1,000: the per-run message limit is "
                "1,024)\n");
        return 2;
    }
    long ncores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned nthreads = (unsigned)env_u64("GB_SAVINA_THREADS",
                                          ncores > 0 ? (uint64_t)ncores : 1);
    if (nthreads == 0)
        nthreads = 1;

    const char *parent = argc > 2 ? argv[2] : getenv("TMPDIR");
    if (!parent || !*parent)
        parent = "/tmp";
    char *dir = data_dir;
    snprintf(dir, sizeof data_dir, "%s/gb-bench-savina-XXXXXX", parent);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_savina: mkdtemp %s: %s\n", dir,
                strerror(errno));
        return 1;
    }
    atexit(rm_data_dir);

    workload ws[] = {
        {"pingpong", w_pingpong, ""}, {"ring", w_ring, ""},
        {"fanout", w_fanout, ""},     {"create", w_create, ""},
        {"count", w_count, ""},       {"pairs", w_pairs, ""},
    };
    enum { NW = sizeof ws / sizeof ws[0] };
#define SZ(i, ...) snprintf(ws[i].size, sizeof ws[i].size, __VA_ARGS__)
    typedef unsigned long long ull;
    SZ(0, "%llu round trips", (ull)s.pp_n);
    SZ(1, "%llu actors, %llu hops", (ull)s.ring_actors, (ull)s.ring_hops);
    SZ(2, "%llu workers x %llu rounds", (ull)s.fan_workers,
       (ull)s.fan_rounds);
    SZ(3, "%llu children, %llu per run", (ull)s.create_n,
       (ull)s.create_batch);
    SZ(4, "%llu msgs, %llu per run", (ull)s.count_n, (ull)s.count_batch);
    SZ(5, "%llu pairs x %llu round trips", (ull)s.pairs, (ull)s.pair_n);
#undef SZ

    printf("\n== savina: actor workloads through the queue, a durable "
           "(synced) LMDB commit per block\n");
    printf("   cores online: %ld; threads compared: 1 and %u; data in %s\n",
           ncores, nthreads, dir);
    printf("   a msg is one dispatch (message, reply or init); sizes: "
           "GB_SAVINA_SCALE=%g\n", scale);
    for (int i = 0; i < NW; i++)
        if (selected(ws[i].name))
            printf("     %-9s %s\n", ws[i].name, ws[i].size);

    run r1[NW], rn[NW];
    bool ran[NW] = {0};
    uint64_t repeat_env = env_u64("GB_SAVINA_REPEAT", 0);
    bool skip1 = env_u64("GB_SAVINA_SKIP1", 0) != 0;
    for (int i = 0; i < NW; i++) {
        if (!selected(ws[i].name))
            continue;
        uint64_t reps = repeat_env ? repeat_env
                        : strcmp(ws[i].name, "pairs") == 0 ? 5 : 1;
        for (uint64_t k = 0; k < reps; k++) {
            /* (GB_SAVINA_SKIP1=1: the N-thread runs alone, to profile) */
            run a = skip1 ? (run){0} : run_one(&ws[i], &s, dir, 1);
            run n = run_one(&ws[i], &s, dir, nthreads);
            if (skip1)
                a = n;
            if (!k || a.wall < r1[i].wall)
                r1[i] = a;
            if (!k || n.wall < rn[i].wall)
                rn[i] = n;
        }
        ran[i] = true;
    }

    printf("\n   %-9s %-32s %10s %9s %11s %11s %8s  %s\n", "workload", "size",
           "msgs", "time@1", "msgs/s@1", "msgs/s@N", "speed-up", "target");
    for (int i = 0; i < NW; i++) {
        if (!ran[i])
            continue;
        double rate1 = r1[i].dispatched / r1[i].wall;
        double raten = rn[i].dispatched / rn[i].wall;
        double up = raten / rate1;
        char target[96] = "";
        if (strcmp(ws[i].name, "pingpong") == 0)
            snprintf(target, sizeof target, ">= %.0f msgs/s @1: %s",
                     TARGET_PINGPONG_RATE,
                     rate1 >= TARGET_PINGPONG_RATE ? "ok" : "BELOW TARGET");
        else if (strcmp(ws[i].name, "pairs") == 0)
            snprintf(target, sizeof target, ">= %.1fx on 2 cores: %s",
                     TARGET_PAIRS_SPEEDUP,
                     nthreads < 2 ? "n/a (1 thread)"
                     : up >= TARGET_PAIRS_SPEEDUP ? "ok"
                                                  : "BELOW TARGET");
        printf("   %-9s %-32s %10llu %8.2fs %11.0f %11.0f %7.2fx  %s\n",
               ws[i].name, ws[i].size, (unsigned long long)r1[i].dispatched,
               r1[i].wall, rate1, raten, up, target);
    }
    printf("   (N = %u threads; %ld cores online; every result checked; the "
           "fastest of the runs above at each count)\n", nthreads, ncores);
    return 0;
}
