/*
 * bench_wasm — time one call into the gearbox engine.
 *
 *     bench_wasm [--no-metering | --gear] [--interp | --jit] [--explicit-bounds]
 *                [--func NAME] FILE.wasm
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
 * the same shape as native_main.c and node_runner.js, and exits 0; on any
 * failure (load, link, trap) it prints the error code and detail to stderr
 * and exits 1.  bench/run.sh builds it against BUILD_DIR/libgearbox.a.
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
    fprintf(stderr, "usage: bench_wasm [--no-metering | --gear] [--interp | --jit] [--explicit-bounds] [--func NAME] FILE.wasm\n");
}

int main(int argc, char **argv) {
    int metering = 1, gear = 0, tier = GB_TIER_DEFAULT, explicit_bounds = 0;
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
        } else if (argv[i][0] == '-' || path) {
            usage();
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        usage();
        return 2;
    }

    int rc = 1;
    char detail[256] = "";
    gb_module *m = NULL;
    gb_store *s = NULL;
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

    double l0 = now_ms(CLOCK_MONOTONIC);
    gb_err e = gb_module_load(&cfg, bytes, len, &m, detail, sizeof detail);
    double l1 = now_ms(CLOCK_MONOTONIC);
    if (e) {
        fprintf(stderr, "bench_wasm: load %s: %s: %s\n", path, gb_err_name(e), detail);
        goto done;
    }
    if (gb_module_import_count(m) != 0) {
        fprintf(stderr, "bench_wasm: %s has %u imports; the benchmarks take none\n",
                path, gb_module_import_count(m));
        goto done;
    }
    e = gb_store_new(&cfg, &s);
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
    printf("ms=%.3f cpu_ms=%.3f result=%" PRIu32 " gas=%" PRIu64
           " load_ms=%.3f\n", t1 - t0, c1 - c0, (uint32_t)result,
           gb_store_gas_used(s), l1 - l0);
    rc = 0;
done:
    if (s) gb_store_free(s);
    if (m) gb_module_free(m);
    free(bytes);
    return rc;
}
