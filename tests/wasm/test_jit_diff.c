/*
 * The compiled tier (src/wasm/jit_x64.c) against the interpreter: every
 * module below runs under both tiers (tests/wasm/jit_diff.h) with a range
 * of gas limits — from none at all to enough to finish — so that running
 * out of gas happens at many different points; the results, traps and
 * their messages, gas left, memory bytes, write and read marks and
 * exported globals must be equal.
 *
 * Modules: the engine benchmark's workloads (the C files of bench/wasm, built for
 * wasm32 into $GB_BENCH_WASM by CMake when clang is there), the test
 * programs of tests/data ($GB_TEST_WASM) and the Gear examples
 * ($GB_EXAMPLES_WASM; their syscalls answered with zeros here — the chain's
 * own test of both tiers is test_chain_blocks's test_determinism_tiers).
 *
 * On x86-64 the compiled tier must take every one of these modules (else
 * the comparison would be of the interpreter with itself).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "wasm/jit_diff.h" /* tests/wasm/ */

static uint8_t *read_all(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *out_len = b ? (size_t)n : 0;
    return b;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .wasm in $env, sorted, under both tiers at each gas limit.
 * Returns how many modules ran (0 when the directory is missing). */
static unsigned diff_dir(const char *env, const uint64_t *gas, int ngas)
{
    const char *dir = getenv(env);
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d)
        return 0;
    char *names[256];
    unsigned n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 256) {
        size_t l = strlen(de->d_name);
        if (l > 5 && !strcmp(de->d_name + l - 5, ".wasm"))
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    static jd_record a, b;
    for (unsigned i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t len;
        uint8_t *bytes = read_all(path, &len);
        GB_EXPECT(bytes != NULL);
        for (int g = 0; bytes && g < ngas; g++) {
            jd_run(bytes, len, GB_TIER_INTERP, gas[g], &a);
            jd_run(bytes, len, GB_TIER_COMPILED, gas[g], &b);
            const char *why = jd_compare(&a, &b);
            if (why)
                GB_FAIL_("%s, gas %llu: %s", names[i],
                         (unsigned long long)gas[g], why);
            GB_EXPECT(!a.compiled);
#if defined(__x86_64__)
            if (!a.load_err && !b.compiled)
                GB_FAIL_("%s: the compiled tier did not take it", names[i]);
#endif
        }
        free(bytes);
        free(names[i]);
    }
    return n;
}

static void test_bench_workloads(void)
{
    /* each workload needs 0.4-3e9 gas to finish: these stop it early, at
     * different points, and one runs a fair way */
    static const uint64_t gas[] = {0, 7, 1000, 123457, 30000000};
    if (!diff_dir("GB_BENCH_WASM", gas, 5))
        GB_SKIP_TEST("no $GB_BENCH_WASM (clang for wasm32 missing)");
}

static void test_test_programs(void)
{
    static const uint64_t gas[] = {0, 1, 10, 100, 1000, 10000, 1000000,
                                   100000000};
    GB_EXPECT(diff_dir("GB_TEST_WASM", gas, 8) > 0);
}

static void test_gear_examples(void)
{
    static const uint64_t gas[] = {0, 50, 5000, 500000, 50000000};
    if (!diff_dir("GB_EXAMPLES_WASM", gas, 5))
        GB_SKIP_TEST("no $GB_EXAMPLES_WASM (examples not built)");
}

int main(void)
{
    GB_RUN(test_bench_workloads);
    GB_RUN(test_test_programs);
    GB_RUN(test_gear_examples);
    return gb_test_summary();
}
