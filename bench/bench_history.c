/*
 * History benchmark (make bench): how fast a chain replays from its stored
 * inputs, and how long a snapshot of it takes to save and load.
 *
 * A chain of GB_BENCH_HIST_BLOCKS blocks (default 3,000) with ping
 * (examples/ping) and counter programs and, in each block, a few messages
 * (a PING, an "inc"), produced without fsync in a directory under
 * DATA_PARENT_DIR; then gb_chain_replay from genesis (blocks/s, and the
 * check that every block is equal), gb_snapshot_save and gb_snapshot_load
 * (ms, bytes).  Everything printed is measured on this run.
 *
 * usage: bench_history EXAMPLES_DIR [DATA_PARENT_DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/chain.h"
#include "state/snapshot.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static uint8_t *read_file(const char *dir, const char *name, uint32_t *len)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s.wasm", dir, name);
    FILE *f = fopen(p, "rb");
    if (!f) {
        fprintf(stderr, "bench_history: cannot open %s\n", p);
        exit(1);
    }
    uint8_t *b = malloc(1 << 20);
    *len = (uint32_t)fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static gb_id create(gb_chain *c, gb_id who, const char *dir, const char *name)
{
    uint32_t len;
    uint8_t *code = read_file(dir, name, &len);
    gb_id cid = gb_code_id(code, len), pid;
    gb_tx up = {.kind = GB_TX_UPLOAD_CODE, .sender = who, .code = code,
                .code_len = len};
    gb_chain_submit(c, &up, NULL, NULL, 0);
    gb_tx cr = {.kind = GB_TX_CREATE_PROGRAM, .sender = who, .code_id = cid,
                .salt = (const uint8_t *)name,
                .salt_len = (uint32_t)strlen(name),
                .gas_limit = 10000000000ull};
    char d[256] = "";
    if (gb_chain_submit(c, &cr, &pid, d, sizeof d)) {
        fprintf(stderr, "bench_history: create %s: %s\n", name, d);
        exit(1);
    }
    free(code);
    return pid;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_history EXAMPLES_DIR [DATA_PARENT]\n");
        return 2;
    }
    const char *ev = getenv("GB_BENCH_HIST_BLOCKS");
    uint32_t nblocks = ev ? (uint32_t)strtoul(ev, NULL, 10) : 3000;
    char dir[4096], snap[4200], loaded[4200];
    snprintf(dir, sizeof dir, "%s/gb-bench-hist-XXXXXX",
             argc > 2 ? argv[2] : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(snap, sizeof snap, "%s.snap", dir);
    snprintf(loaded, sizeof loaded, "%s.loaded", dir);
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.data_dir = dir;
    cfg.nosync = true;
    gb_chain *c;
    char d[512] = "";
    if (gb_chain_open(&cfg, &c, d, sizeof d)) {
        fprintf(stderr, "bench_history: %s\n", d);
        return 1;
    }
    gb_id a = gb_dev_account_id(0), b = gb_dev_account_id(1);
    gb_id ping = create(c, a, argv[1], "ping");
    gb_id ctr = create(c, a, argv[1], "counter");
    double t0 = now_ms();
    uint64_t msgs = 0;
    for (uint32_t h = 0; h < nblocks; h++) {
        gb_tx m = {.kind = GB_TX_SEND_MESSAGE, .sender = h & 1 ? a : b,
                   .destination = ping, .payload = (const uint8_t *)"PING",
                   .payload_len = 4, .gas_limit = 1000000000};
        gb_tx i = {.kind = GB_TX_SEND_MESSAGE, .sender = h & 1 ? b : a,
                   .destination = ctr, .payload = (const uint8_t *)"inc",
                   .payload_len = 3, .gas_limit = 1000000000};
        if (h) {
            gb_chain_submit(c, &m, NULL, NULL, 0);
            gb_chain_submit(c, &i, NULL, NULL, 0);
        }
        gb_block_result r;
        if (gb_chain_produce_block(c, &r)) {
            fprintf(stderr, "bench_history: block failed\n");
            return 1;
        }
        msgs += r.dispatched;
        gb_block_result_free(&r);
    }
    double t1 = now_ms();
    printf("history: a chain of %u blocks, %llu dispatches, produced in "
           "%.0f ms (no fsync)\n", nblocks, (unsigned long long)msgs,
           t1 - t0);
    gb_chain_replay_report rep;
    gb_err e = gb_chain_replay(c, NULL, &rep);
    printf("  replay from genesis: %u blocks in %.0f ms = %.0f blocks/s, "
           "%s\n", rep.replayed, rep.ms, rep.replayed / (rep.ms / 1e3),
           e ? gb_err_str(e) : rep.bad ? rep.why : "every block equal");
    gb_chain_close(c); /* (save opens the directory: not twice in one
                          process, LMDB says) */
    gb_snapshot_info si;
    double s0 = now_ms();
    gb_err se = gb_snapshot_save(NULL, dir, snap, &si, d, sizeof d);
    double s1 = now_ms();
    gb_err le = se ? se : gb_snapshot_load(snap, loaded, NULL, d, sizeof d);
    double s2 = now_ms();
    if (se || le)
        printf("  snapshot: %s\n", d);
    else
        printf("  snapshot save %.1f ms, load (checked) %.1f ms, %llu bytes "
               "of store\n", s1 - s0, s2 - s1,
               (unsigned long long)si.store_bytes);
    gb_db_remove(dir);
    gb_db_remove(loaded);
    unlink(snap);
    return e || rep.bad || se || le ? 1 : 0;
}
