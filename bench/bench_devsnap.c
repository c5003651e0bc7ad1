/*
 * The dev node's snapshot and revert (src/chain/chain_dev.c, issue #21):
 * how long each takes on a chain of a few thousand blocks.
 *
 * usage: bench_devsnap [BLOCKS] [ROUNDS] [PING.wasm]
 *
 * Builds a chain of BLOCKS blocks (default 3000) in a data directory —
 * each with a transfer, and with PING.wasm (build/examples/ping.wasm)
 * some programs and a message to one of them every tenth block — then
 * ROUNDS times (default 50): snapshot, 10 more blocks and a balance set,
 * revert; and prints the median and worst times of snapshot and revert,
 * against the target of 50 ms for a revert.  Method: a snapshot copies
 * the data file (mdb_env_copyfd2), a revert renames the copy back and
 * reopens the store — so a revert does not grow with the chain, and a
 * snapshot costs one sequential copy of the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chain/chain.h"
#include "gear/ids.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void block(gb_chain *c)
{
    gb_block_result r;
    gb_err e = gb_chain_produce_block(c, &r);
    if (e) {
        fprintf(stderr, "block: %s\n", gb_err_str(e));
        exit(1);
    }
    gb_block_result_free(&r);
}

static uint8_t *read_file(const char *path, uint32_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(1 << 20);
    *len = (uint32_t)fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    uint32_t nblocks = argc > 1 ? (uint32_t)atoi(argv[1]) : 3000;
    int rounds = argc > 2 ? atoi(argv[2]) : 50;
    const char *ping = argc > 3 ? argv[3] : "build/examples/ping.wasm";
    if (rounds < 1)
        rounds = 1;
    char dir[] = "/tmp/gb-bench-devsnap-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char data[64];
    snprintf(data, sizeof data, "%s/chain", dir);
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.data_dir = data;
    cfg.nosync = true; /* building the chain; neither measure commits */
    cfg.threads = 1;
    gb_chain *c;
    char detail[256] = "";
    if (gb_chain_open(&cfg, &c, detail, sizeof detail)) {
        fprintf(stderr, "open: %s\n", detail);
        return 1;
    }
    gb_id alice = gb_dev_account_id(0), bob = gb_dev_account_id(1);
    uint32_t len = 0;
    uint8_t *code = read_file(ping, &len);
    gb_id progs[8];
    uint32_t nprogs = 0;
    if (code) {
        gb_tx up = {.kind = GB_TX_UPLOAD_CODE, .sender = alice, .code = code,
                    .code_len = len};
        gb_chain_submit(c, &up, NULL, NULL, 0);
        block(c);
        gb_id cid = gb_code_id(code, len);
        for (uint32_t i = 0; i < 8; i++) {
            uint8_t salt = (uint8_t)i;
            gb_tx cr = {.kind = GB_TX_CREATE_PROGRAM, .sender = alice,
                        .code_id = cid, .salt = &salt, .salt_len = 1,
                        .gas_limit = 5000000000ull};
            if (!gb_chain_submit(c, &cr, &progs[nprogs], NULL, 0))
                nprogs++;
        }
        block(c);
    } else {
        fprintf(stderr, "(no %s: transfers only)\n", ping);
    }
    double t0 = now_ms();
    while (gb_chain_height(c) < nblocks) {
        uint32_t h = gb_chain_height(c);
        gb_tx tr = {.kind = GB_TX_TRANSFER, .sender = alice,
                    .destination = bob, .value = gb_u128_from(1000 + h)};
        gb_chain_submit(c, &tr, NULL, NULL, 0);
        if (nprogs && h % 10 == 0) {
            gb_tx m = {.kind = GB_TX_SEND_MESSAGE, .sender = bob,
                       .destination = progs[h % nprogs],
                       .payload = (const uint8_t *)"PING", .payload_len = 4,
                       .gas_limit = 5000000000ull};
            gb_chain_submit(c, &m, NULL, NULL, 0);
        }
        block(c);
    }
    char file[96];
    snprintf(file, sizeof file, "%s/data.mdb", data);
    struct stat st;
    stat(file, &st);
    printf("chain: %u blocks (%s) in %.0f ms; data.mdb %.1f MiB\n",
           gb_chain_height(c), nprogs ? "transfers and PING messages"
                                      : "transfers",
           now_ms() - t0, (double)st.st_size / (1 << 20));

    double *snap = calloc((size_t)rounds, sizeof *snap);
    double *rev = calloc((size_t)rounds, sizeof *rev);
    uint8_t root0[32], root1[32];
    gb_chain_state_root(c, root0);
    int bad = 0;
    for (int i = 0; i < rounds; i++) {
        uint32_t id;
        double a = now_ms();
        if (gb_chain_dev_snapshot(c, &id)) {
            fprintf(stderr, "snapshot failed\n");
            return 1;
        }
        snap[i] = now_ms() - a;
        for (int k = 0; k < 10; k++) {
            gb_tx tr = {.kind = GB_TX_TRANSFER, .sender = bob,
                        .destination = alice, .value = gb_u128_from(7)};
            gb_chain_submit(c, &tr, NULL, NULL, 0);
            block(c);
        }
        gb_chain_dev_set_balance(c, bob, gb_u128_from((uint64_t)i), NULL,
                                 NULL, 0);
        a = now_ms();
        if (gb_chain_dev_revert(c, id, detail, sizeof detail)) {
            fprintf(stderr, "revert: %s\n", detail);
            return 1;
        }
        rev[i] = now_ms() - a;
        gb_chain_state_root(c, root1);
        bad += memcmp(root0, root1, 32) != 0;
    }
    qsort(snap, (size_t)rounds, sizeof *snap, cmp);
    qsort(rev, (size_t)rounds, sizeof *rev, cmp);
    printf("snapshot: median %.2f ms, worst %.2f ms (%d rounds)\n",
           snap[rounds / 2], snap[rounds - 1], rounds);
    printf("revert:   median %.2f ms, worst %.2f ms (target: under 50 ms)%s\n",
           rev[rounds / 2], rev[rounds - 1],
           rev[rounds / 2] < 50 ? "" : "  MISSED");
    if (bad)
        printf("ERROR: %d rounds ended at another state root\n", bad);
    free(snap);
    free(rev);
    free(code);
    gb_chain_close(c);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return bad ? 1 : 0;
}
