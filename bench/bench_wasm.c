/*
 * bench_wasm — time one call into the gearbox engine.
 *
 *     bench_wasm [--no-metering | --gear] [--interp | --jit] [--explicit-bounds]
 *                [--func NAME] FILE.wasm
 *     bench_wasm --pair ROUNDS [--interp | --jit] [--func NAME] FILE.wasm
 *
 * Loads FILE.wasm (decode, validate, compile), instantiates it with no
 * imports in a fresh store, sets the gas limit to UINT64_MAX so metering
 * (when on) is charged but never runs out, and calls the export NAME
 * (default "run"), which must take no parameters and return one i32.
 * Only gb_func_call is timed, by the wall clock (CLOCK_MONOTONIC) and by
 * CPU time (CLOCK_PROCESS_CPUTIME_ID).  Prints one line,
 *
 *     ms=<wall ms> cpu_ms=<CPU ms> result=<i32 result as unsigned> gas=<gas used> load_ms=<ms>
 *
 * --interp runs in the interpreter, --jit compiled to machine code (the
 * compiled tier, the default where there is one); load_ms is the wall time
 * of gb_module_load (decode, validate, compile, and with --jit the machine
 * code too).  --explicit-bounds makes the compiled tier check every
 * access's bounds by instruction instead of leaving them to guard pages
 * (gb_wasm_config.jit_explicit_bounds).
 *
 * --pair ROUNDS measures what metering with Vara's schedule costs: FILE is
 * loaded twice, unmetered and as --gear, and the two are run alternately,
 * ROUNDS times each, in a fresh store each run, the order swapped every
 * round (unmetered first, then gear first, ...) so that a change in the
 * machine's load falls on both alike.  Prints one line,
 *
 *     unm_ms=<best wall> unm_cpu_ms=<best CPU> gear_ms=<best wall>
 *     gear_cpu_ms=<best CPU> ratio_med=<median> ratio_min=<lowest>
 *     ratio_max=<highest> result=<r> gas=<gear's gas used> rounds=<ROUNDS>
 *
 * (best: the lowest of the ROUNDS runs; the ratios: each round's gear CPU
 * time over its unmetered CPU time, the two runs next to each other in
 * time); the two results must agree.
 *
 * The single run's line is the same shape as native_main.c's and
 * node_runner.js's.  bench_wasm exits 0; on any failure (load, link,
 * trap, a pair's results differing) it prints the error code and detail
 * to stderr and exits 1.  bench/run.sh builds it against BUILD_DIR/libgearbox.a.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gear/gas.h" /* Gear's schedule (src/gear: -I src) */
#include "gearbox/wasm.h"

/* The workloads keep up to ~34 MiB in static buffers; make sure the
 * engine's configured ceiling is not what a benchmark measures. */
#define BENCH_MIN_PAGES 1024u /* 64 MiB */

static double now_ms(clockid_t clk) {
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint8_t *read_file(const char *path, size_t *out_len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *out_len = len;
    return buf;
}

static void usage(void) {
    fprintf(stderr, "usage: bench_wasm [--no-metering | --gear] [--interp | --jit] [--explicit-bounds] [--func NAME] FILE.wasm\n"
                    "       bench_wasm --pair ROUNDS [--interp | --jit] [--func NAME] FILE.wasm\n");
}

/* What one timed call gave. */
typedef struct bench_run {
    double ms, cpu_ms; /* wall and CPU time of gb_func_call */
    uint32_t result;
    uint64_t gas; /* used */
} bench_run;

/* One run of m's export func: a fresh store (cfg), instantiated with no
 * imports, the gas limit UINT64_MAX, only gb_func_call timed.  0 on
 * success; on failure prints why (path names the file) and returns 1. */
static int run_once(const gb_wasm_config *cfg, gb_module *m, const char *path,
                    const char *func, bench_run *out) {
    int rc = 1;
    char detail[256] = "";
    gb_store *s = NULL;
    gb_err e = gb_store_new(cfg, &s);
    if (e) {
        fprintf(stderr, "bench_wasm: store: %s\n", gb_err_name(e));
        goto done;
    }
    gb_instance *inst = NULL;
    e = gb_instantiate(s, m, NULL, 0, &inst, detail, sizeof detail);
    if (e) {
        fprintf(stderr, "bench_wasm: instantiate %s: %s: %s\n", path, gb_err_name(e),
                detail);
        goto done;
    }
    gb_extern ex;
    e = gb_instance_export(inst, func, strlen(func), &ex);
    if (e || ex.kind != GB_EXTERN_FUNC) {
        fprintf(stderr, "bench_wasm: %s exports no function \"%s\"\n", path, func);
        goto done;
    }
    const gb_functype *ft = gb_func_type(ex.u.func);
    if (ft->nparams != 0 || ft->nresults != 1 || ft->results[0] != GB_I32) {
        fprintf(stderr, "bench_wasm: \"%s\" must be [] -> [i32]\n", func);
        goto done;
    }

    gb_store_set_gas(s, UINT64_MAX);
    gb_val result = 0;
    double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ms(CLOCK_MONOTONIC);
    e = gb_func_call(s, ex.u.func, NULL, &result);
    double t1 = now_ms(CLOCK_MONOTONIC), c1 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    if (e) {
        fprintf(stderr, "bench_wasm: %s: trap %s: %s\n", path, gb_err_name(e),
                gb_store_trap_message(s));
        goto done;
    }
    *out = (bench_run){.ms = t1 - t0, .cpu_ms = c1 - c0,
                       .result = (uint32_t)result, .gas = gb_store_gas_used(s)};
    rc = 0;
done:
    if (s) gb_store_free(s);
    return rc;
}

/* Load bytes with cfg into *m; l_ms gets the wall time it took. */
static int load(const gb_wasm_config *cfg, const uint8_t *bytes, size_t len,
                const char *path, gb_module **m, double *l_ms) {
    char detail[256] = "";
    double l0 = now_ms(CLOCK_MONOTONIC);
    gb_err e = gb_module_load(cfg, bytes, len, m, detail, sizeof detail);
    *l_ms = now_ms(CLOCK_MONOTONIC) - l0;
    if (e) {
        fprintf(stderr, "bench_wasm: load %s: %s: %s\n", path, gb_err_name(e), detail);
        return 1;
    }
    if (gb_module_import_count(*m) != 0) {
        fprintf(stderr, "bench_wasm: %s has %u imports; the benchmarks take none\n",
                path, gb_module_import_count(*m));
        return 1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* --pair: unmetered and Vara-metered runs alternated (see the top). */
static int run_pair(const gb_wasm_config *base, const uint8_t *bytes, size_t len,
                    const char *path, const char *func, unsigned rounds) {
    gb_wasm_config cfg[2] = {*base, *base}; /* 0 unmetered, 1 gear */
    cfg[0].metering = false;
    cfg[1].metering = true;
    cfg[1].schedule = &gb_gear_costs_get()->engine;
    gb_module *m[2] = {NULL, NULL};
    double *ratio = calloc(rounds, sizeof *ratio), l_ms;
    bench_run best[2] = {{0}}, r[2] = {{0}};
    int rc = 1;
    if (!ratio || load(&cfg[0], bytes, len, path, &m[0], &l_ms) ||
        load(&cfg[1], bytes, len, path, &m[1], &l_ms))
        goto done;
    for (unsigned i = 0; i < rounds; i++) {
        for (unsigned k = 0; k < 2; k++) {
            unsigned w = k ^ (i & 1); /* unmetered first, then gear first */
            if (run_once(&cfg[w], m[w], path, func, &r[w])) goto done;
        }
        if (r[0].result != r[1].result) {
            fprintf(stderr, "bench_wasm: %s: unmetered returned %" PRIu32
                    ", gear %" PRIu32 "\n", path, r[0].result, r[1].result);
            goto done;
        }
        for (unsigned w = 0; w < 2; w++) {
            if (i == 0 || r[w].ms < best[w].ms) best[w].ms = r[w].ms;
            if (i == 0 || r[w].cpu_ms < best[w].cpu_ms) best[w].cpu_ms = r[w].cpu_ms;
            best[w].result = r[w].result;
            best[w].gas = r[w].gas;
        }
        ratio[i] = r[0].cpu_ms > 0 ? r[1].cpu_ms / r[0].cpu_ms : 1;
    }
    qsort(ratio, rounds, sizeof *ratio, cmp_double);
    double med = rounds % 2 ? ratio[rounds / 2]
                            : (ratio[rounds / 2 - 1] + ratio[rounds / 2]) / 2;
    printf("unm_ms=%.3f unm_cpu_ms=%.3f gear_ms=%.3f gear_cpu_ms=%.3f "
           "ratio_med=%.4f ratio_min=%.4f ratio_max=%.4f result=%" PRIu32
           " gas=%" PRIu64 " rounds=%u\n",
           best[0].ms, best[0].cpu_ms, best[1].ms, best[1].cpu_ms, med,
           ratio[0], ratio[rounds - 1], best[1].result, best[1].gas, rounds);
    rc = 0;
done:
    for (unsigned w = 0; w < 2; w++)
        if (m[w]) gb_module_free(m[w]);
    free(ratio);
    return rc;
}

int main(int argc, char **argv) {
    int metering = 1, gear = 0, tier = GB_TIER_DEFAULT, explicit_bounds = 0;
    unsigned pair = 0;
    const char *func = "run", *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-metering") == 0) {
            metering = 0;
        } else if (strcmp(argv[i], "--gear") == 0) {
            gear = 1; /* metered with Vara's weights, as the chain meters */
        } else if (strcmp(argv[i], "--interp") == 0) {
            tier = GB_TIER_INTERP;
        } else if (strcmp(argv[i], "--jit") == 0) {
            tier = GB_TIER_COMPILED;
        } else if (strcmp(argv[i], "--explicit-bounds") == 0) {
            explicit_bounds = 1;
        } else if (strcmp(argv[i], "--func") == 0 && i + 1 < argc) {
            func = argv[++i];
        } else if (strcmp(argv[i], "--pair") == 0 && i + 1 < argc) {
            pair = (unsigned)strtoul(argv[++i], NULL, 10);
            if (pair == 0) {
                usage();
                return 2;
            }
        } else if (argv[i][0] == '-' || path) {
            usage();
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (!path || (pair && (gear || !metering || explicit_bounds))) {
        usage();
        return 2;
    }

    int rc = 1;
    gb_module *m = NULL;
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "bench_wasm: cannot read %s\n", path);
        goto done;
    }

    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    cfg.metering = metering != 0;
    cfg.tier = (uint8_t)tier;
    cfg.jit_explicit_bounds = explicit_bounds != 0;
    if (gear)
        cfg.schedule = &gb_gear_costs_get()->engine;
    if (cfg.max_memory_pages < BENCH_MIN_PAGES) cfg.max_memory_pages = BENCH_MIN_PAGES;

    if (pair) {
        rc = run_pair(&cfg, bytes, len, path, func, pair);
        goto done;
    }
    double l_ms;
    bench_run r;
    if (load(&cfg, bytes, len, path, &m, &l_ms) || run_once(&cfg, m, path, func, &r))
        goto done;
    printf("ms=%.3f cpu_ms=%.3f result=%" PRIu32 " gas=%" PRIu64
           " load_ms=%.3f\n", r.ms, r.cpu_ms, r.result, r.gas, l_ms);
    rc = 0;
done:
    if (m) gb_module_free(m);
    free(bytes);
    return rc;
}
