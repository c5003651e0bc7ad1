/*
 * Gear-layer benchmarks (make bench runs it after the engine table):
 *
 *  1. The cost of one PING against the size of the program's memory: the
 *     same program with 1 persisted 16 KiB page and with 2000, every page
 *     written and available to the run.  Lazy pages must make the two cost
 *     the same; the target is a ratio of at most 1.2.
 *  2. The time to check and prepare (decode, validate, compile) a module
 *     of about 300 KB, generated here: many functions of integer code.
 *
 * usage: bench_gear PING.wasm   (tests/data/gear/ping.wat, built by CMake)
 * Everything printed is measured on this run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gear/process.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct mem_image {
    uint8_t *data; /* npages * 16 KiB */
    uint32_t npages;
} mem_image;

static const uint8_t *lookup(void *user, uint32_t page, uint32_t *len)
{
    mem_image *img = user;
    *len = GB_GEAR_PAGE_SIZE;
    return page < img->npages ? img->data + (size_t)page * GB_GEAR_PAGE_SIZE
                              : NULL;
}

/* Microseconds per PING with a memory of gear_pages written pages. */
static double ping_cost(gb_processor *p, const gb_module *m,
                        uint32_t gear_pages, int iters, uint64_t *gas)
{
    mem_image img = {.npages = gear_pages};
    img.data = malloc((size_t)gear_pages * GB_GEAR_PAGE_SIZE);
    for (size_t i = 0; i < (size_t)gear_pages * GB_GEAR_PAGE_SIZE; i++)
        img.data[i] = (uint8_t)(i * 131 + 7);
    uint32_t wasm_pages = (gear_pages + 3) / 4;
    uint8_t alloc[512 / 8 + 1] = {0};
    for (uint32_t pg = 1; pg < wasm_pages; pg++)
        alloc[pg / 8] |= (uint8_t)(1u << (pg % 8));
    gb_program_view v = {.module = m, .static_pages = 1, .allocations = alloc,
                         .alloc_pages = 512, .page = lookup, .page_user = &img};
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, 1, 6000);
    gb_dispatch d = {.kind = GB_DISPATCH_HANDLE, .payload = (const uint8_t *)"PING",
                     .payload_len = 4,
                     /* a PING burns ~3.4e8 at Vara's schedule */
                     .gas_limit = 10000000000ull};
    double best = 1e30;
    for (int round = 0; round < 3; round++) {
        double t0 = now_ms();
        for (int i = 0; i < iters; i++) {
            gb_journal j;
            d.id.b[0] = (uint8_t)i;
            gb_err e = gb_process(p, &blk, &v, &d, &j);
            if (e || j.outcome != GB_OUTCOME_SUCCESS) {
                fprintf(stderr, "bench_gear: PING failed (%s, outcome %d)\n",
                        e ? gb_err_str(e) : "processed", e ? -1 : (int)j.outcome);
                exit(1);
            }
            *gas = j.gas_burned;
            gb_journal_free(&j);
        }
        double us = (now_ms() - t0) * 1e3 / iters;
        if (us < best)
            best = us;
    }
    free(img.data);
    return best;
}

/* ---- a generated ~300 KB module ---------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *data, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void put_byte(buf *b, uint8_t v) { put(b, &v, 1); }

static void put_u32(buf *b, uint32_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        put_byte(b, c | (v ? 0x80 : 0));
    } while (v);
}

static void put_section(buf *out, uint8_t id, const buf *body)
{
    put_byte(out, id);
    put_u32(out, (uint32_t)body->n);
    put(out, body->p, body->n);
}

/* nfuncs functions (i32, i32) -> i32, each a loop of integer arithmetic
 * and memory traffic, plus an exported `handle` calling the first. */
static buf big_module(uint32_t nfuncs)
{
    buf m = {0}, s = {0};
    put(&m, "\0asm\1\0\0\0", 8);
    /* types: 0 = (i32 i32) -> i32, 1 = () -> () */
    put_u32(&s, 2);
    put(&s, "\x60\x02\x7f\x7f\x01\x7f", 6);
    put(&s, "\x60\x00\x00", 3);
    put_section(&m, 1, &s);
    s.n = 0;
    /* import env.memory, 1 page */
    put_u32(&s, 1);
    put(&s, "\x03" "env" "\x06" "memory" "\x02\x00\x01", 14);
    put_section(&m, 2, &s);
    s.n = 0;
    put_u32(&s, nfuncs + 1);
    for (uint32_t i = 0; i < nfuncs; i++)
        put_byte(&s, 0);
    put_byte(&s, 1);
    put_section(&m, 3, &s);
    s.n = 0;
    put_u32(&s, 1);
    put(&s, "\x06" "handle" "\x00", 8);
    put_u32(&s, nfuncs);
    put_section(&m, 7, &s);
    s.n = 0;
    put_u32(&s, nfuncs + 1);
    for (uint32_t i = 0; i < nfuncs; i++) {
        buf f = {0};
        put(&f, "\x01\x02\x7f", 3); /* 2 locals i32 */
        put(&f, "\x02\x40\x03\x40", 4); /* block loop */
        for (int k = 0; k < 8; k++) {
            /* local2 = (local0 * 31 + local1) ^ load(local0 & 0xfffc) */
            put(&f, "\x20\x00\x41\x1f\x6c\x20\x01\x6a", 8);
            put(&f, "\x20\x00\x41\xfc\xff\x03\x71\x28\x02\x00\x73\x21\x02", 13);
            /* store(local1 & 0xfffc, local2) */
            put(&f, "\x20\x01\x41\xfc\xff\x03\x71\x20\x02\x36\x02\x00", 12);
            /* local1 = local1 + local2 >> 3 */
            put(&f, "\x20\x01\x20\x02\x41\x03\x76\x6a\x21\x01", 10);
        }
        /* local0 = local0 - 1; br_if loop (local0 != 0) */
        put(&f, "\x20\x00\x41\x01\x6b\x22\x00\x0d\x00\x0b\x0b", 11);
        put(&f, "\x20\x01\x0b", 3);
        put_u32(&s, (uint32_t)f.n);
        put(&s, f.p, f.n);
        free(f.p);
    }
    /* handle: drop(call 0 (3, 5)) */
    put(&s, "\x09\x00\x41\x03\x41\x05\x10\x00\x1a\x0b", 10);
    put_section(&m, 10, &s);
    free(s.p);
    return m;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_gear PING.wasm\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "bench_gear: cannot open %s\n", argv[1]);
        return 1;
    }
    static uint8_t code[1 << 16];
    size_t n = fread(code, 1, sizeof code, f);
    fclose(f);
    gb_module *m;
    char detail[256];
    if (gb_module_load(NULL, code, n, &m, detail, sizeof detail)) {
        fprintf(stderr, "bench_gear: %s\n", detail);
        return 1;
    }
    gb_processor *p;
    if (gb_processor_new(NULL, &p))
        return 1;
    uint64_t gas1 = 0, gas2 = 0;
    int iters = 2000;
    ping_cost(p, m, 1, 200, &gas1); /* warm up */
    double small = ping_cost(p, m, 1, iters, &gas1);
    double large = ping_cost(p, m, 2000, iters, &gas2);
    printf("\n== gear: one PING vs the size of program memory (best of 3 x %d)\n",
           iters);
    printf("   1 page (16 KiB)        %8.2f us/message  gas %llu\n", small,
           (unsigned long long)gas1);
    printf("   2000 pages (31 MiB)    %8.2f us/message  gas %llu\n", large,
           (unsigned long long)gas2);
    printf("   ratio                  %8.2f   (target: at most 1.2) %s\n",
           large / small, large / small <= 1.2 ? "met" : "NOT met");
    gb_processor_free(p);
    gb_module_free(m);

    uint32_t nf = 840;
    buf big = big_module(nf);
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        double t0 = now_ms();
        gb_module *bm;
        gb_err e = gb_module_load(NULL, big.p, big.n, &bm, detail, sizeof detail);
        double t = now_ms() - t0;
        if (e) {
            fprintf(stderr, "bench_gear: generated module: %s\n", detail);
            return 1;
        }
        gb_module_free(bm);
        if (t < best)
            best = t;
    }
    printf("\n== gear: check and prepare a %zu KB module (%u functions)\n",
           big.n / 1024, nf + 1);
    printf("   decode + validate + compile   %8.2f ms (best of 5)\n", best);
    free(big.p);
    return 0;
}
