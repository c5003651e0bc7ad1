/*
 * Chain benchmark (make bench runs it after bench_gear): messages through
 * the queue of a real chain, block by block, each block committed to LMDB
 * with the default full sync (durable when the commit returns).
 *
 *  (a) one pair of pingpong programs (examples/pingpong) passing a counter
 *      back and forth N times (GB_BENCH_PP_N, default 20,000 hops), three
 *      times over;
 *  (b) 1,000 independent pairs (GB_BENCH_PAIRS), M hops each
 *      (GB_BENCH_PAIR_N, default 20), all kicked off in the same block;
 *  (c) the same as (b) with a block gas limit sized from (b)'s measured gas
 *      per message so that a block holds about 1,000 messages: many
 *      blocks, so many synced commits.
 *
 * A "message" is one dispatch the chain processed (a message or a reply to
 * a program: pingpong alternates them), counted from the blocks' results;
 * the few dispatches of the kick-offs are included.  Times are wall-clock
 * (CLOCK_MONOTONIC) over the block loop only (program creation is set up
 * before); the process's CPU time is printed beside it (the chain is one
 * thread: CPU/wall near 1 means one core did the work).  RSS comes from
 * /proc/self/statm, at the start, after each part and at the end: it must
 * not grow with the number of messages processed, so (a) runs three times
 * and the RSS after each run is printed, with the part of it that is not
 * file-backed (LMDB's map of the data file counts in RSS).
 *
 * usage: bench_chain PINGPONG.wasm [DATA_PARENT_DIR]
 * The chain lives in a fresh directory under DATA_PARENT_DIR (default
 * $TMPDIR or /tmp; pick a real disk: on tmpfs a sync costs nothing),
 * removed at the end.  Everything printed is measured on this run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/chain.h"

#define GAS_SETUP 5000000000ull
/* At Vara's prices a pingpong hop costs ~3 x 10^8 gas: (a)'s 20,000 hops
 * need ~6 x 10^12, more than Vara's block gas limit (750e9).  Parts (a)
 * and (b) raise it so that their blocks stay as large as before; (c) sizes
 * it from the measured gas per message. */
#define BENCH_BLOCK_GAS 10000000000000000ull
#define GAS_KICK 100000000000000ull
#define TARGET_MSGS_PER_S 50000.0

static double now_s(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Resident set from /proc/self/statm, MiB: all of it, and the part not
 * backed by files (*anon: the heap, stacks; the rest is mostly LMDB's
 * map of data.mdb, pages the kernel can drop). */
static double rss_mib(double *anon)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0, shared = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%lu %lu %lu", &size, &res, &shared) != 3)
        res = shared = 0;
    fclose(f);
    double page = (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
    if (anon)
        *anon = (double)(res - shared) * page;
    return (double)res * page;
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
    fprintf(stderr, "bench_chain: %s: %s %s\n", what, gb_err_name(e),
            detail ? detail : "");
    exit(1);
}

static void submit(gb_chain *c, gb_tx tx)
{
    char detail[256] = "";
    gb_err e = gb_chain_submit(c, &tx, NULL, detail, sizeof detail);
    if (e)
        die("submit", e, detail);
}

static void send(gb_chain *c, gb_id to, const void *p, uint32_t len,
                 uint64_t gas)
{
    submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                      .destination = to, .payload = p, .payload_len = len,
                      .gas_limit = gas});
}

typedef struct totals {
    uint64_t dispatched, gas, blocks, failed;
} totals;

/* Produces blocks until nothing is pending; adds to *t. */
static void drain(gb_chain *c, totals *t)
{
    do {
        gb_block_result r;
        gb_err e = gb_chain_produce_block(c, &r);
        if (e)
            die("produce block", e, NULL);
        t->dispatched += r.dispatched;
        t->gas += r.gas_used;
        t->blocks++;
        for (uint32_t i = 0; i < r.nevents; i++)
            /* (an automatic reply carries no gas, as on Vara: the one
             * at the end of an exchange fails its precharge, burning
             * nothing — not a failure of the workload) */
            t->failed += r.events[i].kind == GB_EV_DISPATCHED &&
                         r.events[i].outcome == GB_OUTCOME_FAILED &&
                         !(r.events[i].dispatch_kind == GB_DISPATCH_REPLY &&
                           !r.events[i].gas_burned);
        gb_chain_result_recycle(c, &r);
    } while (gb_chain_pending(c));
}

typedef struct pairs {
    gb_id *a;
    uint32_t n;
} pairs;

/* Creates n pairs (a_i, b_i) and introduces a_i to b_i. */
static pairs make_pairs(gb_chain *c, gb_id code, uint32_t n, uint32_t tag)
{
    pairs p = {.a = malloc(n * sizeof(gb_id)), .n = n};
    for (uint32_t i = 0; i < n; i++) {
        char sa[32], sb[32];
        snprintf(sa, sizeof sa, "a/%u/%u", tag, i);
        snprintf(sb, sizeof sb, "b/%u/%u", tag, i);
        gb_id a = gb_program_id_from_user(code, sa, strlen(sa));
        gb_id b = gb_program_id_from_user(code, sb, strlen(sb));
        submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                          .code_id = code, .salt = (const uint8_t *)sa,
                          .salt_len = (uint32_t)strlen(sa),
                          .gas_limit = GAS_SETUP});
        submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                          .code_id = code, .salt = (const uint8_t *)sb,
                          .salt_len = (uint32_t)strlen(sb), .payload = a.b,
                          .payload_len = 32, .gas_limit = GAS_SETUP});
        uint8_t peer[36];
        memcpy(peer, "peer", 4);
        memcpy(peer + 4, b.b, 32);
        send(c, a, peer, 36, GAS_SETUP);
        p.a[i] = a;
    }
    totals t = {0};
    drain(c, &t);
    if (t.failed)
        die("setup: a program run failed", GB_OK, NULL);
    return p;
}

/* Kicks every pair off with hops, runs to the end, prints a line. */
static totals run_pairs(gb_chain *c, const pairs *p, uint64_t hops,
                        uint64_t gas_per_pair, const char *label)
{
    uint8_t buf[8];
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)(hops >> (8 * i));
    totals t = {0};
    double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    for (uint32_t i = 0; i < p->n; i++)
        send(c, p->a[i], buf, 8, gas_per_pair);
    drain(c, &t);
    double wall = now_s(CLOCK_MONOTONIC) - w0;
    double cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    /* kick-off + hops+1 ping-pong dispatches + the final automatic reply */
    uint64_t want = (uint64_t)p->n * (hops + 3);
    if (t.failed || t.dispatched != want) {
        fprintf(stderr, "bench_chain: %s: %llu dispatches (%llu failed), "
                "expected %llu\n", label, (unsigned long long)t.dispatched,
                (unsigned long long)t.failed, (unsigned long long)want);
        exit(1);
    }
    double rate = t.dispatched / wall;
    printf("   %-34s %8llu msgs %6llu blocks %8.3f s  %9.0f msgs/s  "
           "cpu/wall %.2f  %5.0f gas/msg  %s\n",
           label, (unsigned long long)t.dispatched,
           (unsigned long long)t.blocks, wall, rate, cpu / wall,
           (double)t.gas / t.dispatched,
           rate >= TARGET_MSGS_PER_S ? "ok" : "BELOW TARGET");
    return t;
}

static gb_chain *open_chain(const char *dir, uint64_t block_gas)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    if (getenv("GB_THREADS"))
        cfg.threads = (unsigned)atoi(getenv("GB_THREADS"));
    cfg.data_dir = dir;
    /* durable commits: the point of the benchmark (GB_BENCH_NOSYNC=1 for
     * measuring CPU work alone) */
    cfg.nosync = getenv("GB_BENCH_NOSYNC") != NULL;
    if (block_gas)
        cfg.block_gas_limit = block_gas;
    gb_chain *c;
    char detail[256] = "";
    gb_err e = gb_chain_open(&cfg, &c, detail, sizeof detail);
    if (e)
        die("open", e, detail);
    return c;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 10) : dflt;
}

static void rm_dir(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_chain: could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_chain PINGPONG.wasm [DATA_PARENT_DIR]\n");
        return 2;
    }
    double rss_start = rss_mib(NULL);
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "bench_chain: cannot open %s\n", argv[1]);
        return 1;
    }
    uint8_t *code = malloc(1 << 20);
    uint32_t code_len = (uint32_t)fread(code, 1, 1 << 20, f);
    fclose(f);

    const char *parent = argc > 2 ? argv[2] : getenv("TMPDIR");
    if (!parent || !*parent)
        parent = "/tmp";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/gb-bench-chain-XXXXXX", parent);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_chain: mkdtemp %s: %s\n", dir, strerror(errno));
        return 1;
    }
    uint64_t pp_n = env_u64("GB_BENCH_PP_N", 20000);
    uint32_t npairs = (uint32_t)env_u64("GB_BENCH_PAIRS", 1000);
    uint64_t pair_n = env_u64("GB_BENCH_PAIR_N", 20);

    printf("\n== chain: pingpong through the queue, a durable (synced) LMDB "
           "commit per block\n");
    printf("   target: at least 50,000 messages/s on one core\n");
    printf("   cores online: %ld; data in %s\n", sysconf(_SC_NPROCESSORS_ONLN),
           dir);
    printf("   RSS at start: %.1f MiB\n", rss_start);

    gb_chain *c = open_chain(dir, BENCH_BLOCK_GAS);
    gb_id cid = gb_code_id(code, code_len);
    submit(c, (gb_tx){.kind = GB_TX_UPLOAD_CODE, .sender = alice(),
                      .code = code, .code_len = code_len});
    totals t0 = {0};
    drain(c, &t0);

    /* (a) one pair, twice: the RSS after each must be the same */
    pairs one = make_pairs(c, cid, 1, 0);
    uint64_t gas_a = GAS_KICK; /* pays every hop */
    char label[64];
    snprintf(label, sizeof label, "(a) 1 pair, %llu hops",
             (unsigned long long)pp_n);
    for (int round = 0; round < 3; round++) {
        run_pairs(c, &one, pp_n, gas_a, round ? "(a) again" : label);
        double anon, rss = rss_mib(&anon);
        printf("   RSS after (a) #%d: %.1f MiB (not file-backed: %.1f MiB)\n",
               round + 1, rss, anon);
    }

    /* (b) many pairs at once */
    pairs many = make_pairs(c, cid, npairs, 1);
    snprintf(label, sizeof label, "(b) %u pairs x %llu hops", npairs,
             (unsigned long long)pair_n);
    uint64_t gas_b = GAS_KICK / npairs;
    totals tb = run_pairs(c, &many, pair_n, gas_b, label);
    double anon, rss = rss_mib(&anon);
    printf("   RSS after (b): %.1f MiB (not file-backed: %.1f MiB)\n", rss,
           anon);
    gb_chain_close(c);

    /* (c) as (b), with blocks of about 1,000 messages each */
    uint64_t per_msg = tb.gas / tb.dispatched + 1;
    uint64_t block_gas = per_msg * 1000;
    uint64_t gas_c = per_msg * (pair_n + 3) * 2; /* room to spare */
    if (gas_c > block_gas)
        block_gas = gas_c;
    c = open_chain(dir, block_gas);
    snprintf(label, sizeof label, "(c) as (b), ~1,000 msgs/block");
    run_pairs(c, &many, pair_n, gas_c, label);
    gb_chain_close(c);
    rss = rss_mib(&anon);
    printf("   RSS at end, chain closed: %.1f MiB (not file-backed: %.1f "
           "MiB; at start %.1f MiB)\n", rss, anon, rss_start);

    free(one.a);
    free(many.a);
    free(code);
    rm_dir(dir);
    return 0;
}
