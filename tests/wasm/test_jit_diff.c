/*
 * The compiled tier (src/wasm/jit_x64.c) against the interpreter: every
 * module below runs interpreted and compiled, with its memory's bounds
 * left to guard pages and checked by instruction (tests/wasm/jit_diff.h,
 * jd_diff), with a range
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
            const char *why = jd_diff(bytes, len, gas[g], &a, &b);
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

/* Loads and stores of 2, 4 and 8 bytes at the last bytes of a granule
 * (4096 - k for k = 0, 1, 2, so some span two granules and some do not),
 * in a loop, and an 8-byte load over the granule 12 boundary: the read
 * and write marks of both granules must be set in both tiers (the
 * compiled tier marks the second granule out of line).  The module:
 *   (memory 1)
 *   (func (export "run") (result i64) (local $k i32) (local $acc i64)
 *     (loop $l
 *       (i64.store (4096 - k) (i64 k))
 *       (i32.store offset=8192 (4096 - k) k)
 *       (i32.store16 offset=16384 (4096 - k) k)
 *       (i64.store32 offset=20480 (4096 - k) acc)
 *       acc += i64.load offset=24576 (4096 - k)
 *       acc += i64.load32_u offset=32768 (4096 - k)
 *       acc += i32.load16_s offset=40960 (4096 - k)
 *       acc += i64.load (k + 49150)
 *       (br_if $l ((k = k + 1) < 3)))
 *     acc) */
static void test_granule_spans(void)
{
    static const uint8_t mod[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
        0x00, 0x01, 0x7e, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01,
        0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x00, 0x0a, 0x8c, 0x01,
        0x01, 0x89, 0x01, 0x02, 0x01, 0x7f, 0x01, 0x7e, 0x03, 0x40, 0x41, 0x80,
        0x20, 0x20, 0x00, 0x6b, 0x20, 0x00, 0xad, 0x37, 0x03, 0x00, 0x41, 0x80,
        0x20, 0x20, 0x00, 0x6b, 0x20, 0x00, 0x36, 0x02, 0x80, 0x40, 0x41, 0x80,
        0x20, 0x20, 0x00, 0x6b, 0x20, 0x00, 0x3b, 0x01, 0x80, 0x80, 0x01, 0x41,
        0x80, 0x20, 0x20, 0x00, 0x6b, 0x20, 0x01, 0x3e, 0x02, 0x80, 0xa0, 0x01,
        0x20, 0x01, 0x41, 0x80, 0x20, 0x20, 0x00, 0x6b, 0x29, 0x03, 0x80, 0xc0,
        0x01, 0x7c, 0x21, 0x01, 0x20, 0x01, 0x41, 0x80, 0x20, 0x20, 0x00, 0x6b,
        0x35, 0x02, 0x80, 0x80, 0x02, 0x7c, 0x21, 0x01, 0x20, 0x01, 0x41, 0x80,
        0x20, 0x20, 0x00, 0x6b, 0x2e, 0x01, 0x80, 0xc0, 0x02, 0xac, 0x7c, 0x21,
        0x01, 0x20, 0x01, 0x20, 0x00, 0x41, 0xfe, 0xff, 0x02, 0x6a, 0x29, 0x03,
        0x00, 0x7c, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x22, 0x00, 0x41,
        0x03, 0x49, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b};
    static jd_record a, b;
    static const uint64_t gas[] = {0, 60, 100000};
    for (int g = 0; g < 3; g++) {
        const char *why = jd_diff(mod, sizeof mod, gas[g], &a, &b);
        if (why)
            GB_FAIL_("gas %llu: %s", (unsigned long long)gas[g], why);
        GB_EXPECT(a.load_err == GB_OK && a.ncalls == 1);
    }
    GB_EXPECT(a.calls[0].err == GB_OK);
}

/* What the compiled tier's optimisations may get wrong, against the
 * interpreter over a ladder of gas limits (out of gas at many points):
 *
 * - "elide", "elide_w": accesses whose bounds check is left out because
 *   an earlier access on the straight line covered them (a store after a
 *   load of the same address, a shorter access at the same base, the
 *   local a fused `local.tee; i32.load` wrote), then a longer access that
 *   is checked and goes out of bounds after the stores before it:
 *     loop: x = 65504 + 8i; [x] = [x] + i; [x+2]:16 = i;
 *           s += [x+8]; [x+4] = s; g = i; while ++i < 100
 *     loop: s += [y = x + 65520]; [y] = s; [y]:64 = s; while (x += 4) < 64
 * - "region_trap", "region_gas": a loop of several straight lines (an
 *   if/else, a br_table with a target outside the loop, a helper call:
 *   i32.rem_u) with i32 and i64 values carried between its lines, storing
 *   at p += 4100 (unbounded: out of bounds after 16 turns; or masked
 *   with 0xfff0: leaves by the br_table at i = 700, or runs out of gas). */
static void test_optimised_paths(void)
{
    static const uint8_t mod[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60,
        0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x06, 0x05, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01,
        0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x32, 0x05, 0x01, 0x67, 0x03, 0x00,
        0x05, 0x65, 0x6c, 0x69, 0x64, 0x65, 0x00, 0x00, 0x07, 0x65, 0x6c, 0x69,
        0x64, 0x65, 0x5f, 0x77, 0x00, 0x01, 0x0b, 0x72, 0x65, 0x67, 0x69, 0x6f,
        0x6e, 0x5f, 0x74, 0x72, 0x61, 0x70, 0x00, 0x03, 0x0a, 0x72, 0x65, 0x67,
        0x69, 0x6f, 0x6e, 0x5f, 0x67, 0x61, 0x73, 0x00, 0x04, 0x0a, 0x8c, 0x02,
        0x05, 0x4d, 0x01, 0x03, 0x7f, 0x03, 0x40, 0x41, 0xe0, 0xff, 0x03, 0x20,
        0x02, 0x41, 0x03, 0x74, 0x6a, 0x21, 0x00, 0x20, 0x00, 0x20, 0x00, 0x28,
        0x02, 0x00, 0x20, 0x02, 0x6a, 0x36, 0x02, 0x00, 0x20, 0x00, 0x20, 0x02,
        0x3b, 0x01, 0x02, 0x20, 0x01, 0x20, 0x00, 0x28, 0x02, 0x08, 0x6a, 0x21,
        0x01, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x04, 0x20, 0x02, 0x24, 0x00,
        0x20, 0x02, 0x41, 0x01, 0x6a, 0x21, 0x02, 0x20, 0x02, 0x41, 0xe4, 0x00,
        0x49, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x38, 0x01, 0x03, 0x7f, 0x03,
        0x40, 0x20, 0x02, 0x20, 0x00, 0x41, 0xf0, 0xff, 0x03, 0x6a, 0x22, 0x01,
        0x28, 0x02, 0x00, 0x6a, 0x21, 0x02, 0x20, 0x01, 0x20, 0x02, 0x36, 0x02,
        0x00, 0x20, 0x01, 0x20, 0x02, 0xad, 0x37, 0x03, 0x00, 0x20, 0x00, 0x41,
        0x04, 0x6a, 0x21, 0x00, 0x20, 0x00, 0x41, 0xc0, 0x00, 0x49, 0x0d, 0x00,
        0x0b, 0x20, 0x02, 0x0b, 0x73, 0x03, 0x02, 0x7f, 0x01, 0x7e, 0x01, 0x7f,
        0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x71, 0x04, 0x40, 0x20,
        0x02, 0x20, 0x01, 0x6a, 0x21, 0x02, 0x05, 0x20, 0x03, 0x20, 0x02, 0xad,
        0x7c, 0x21, 0x03, 0x0b, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x41, 0x03,
        0x20, 0x01, 0x41, 0x03, 0x70, 0x20, 0x01, 0x41, 0xbc, 0x05, 0x46, 0x1b,
        0x0e, 0x03, 0x00, 0x01, 0x02, 0x04, 0x0b, 0x20, 0x04, 0x20, 0x02, 0x36,
        0x02, 0x00, 0x0c, 0x01, 0x0b, 0x20, 0x04, 0x20, 0x03, 0x37, 0x03, 0x08,
        0x0b, 0x20, 0x04, 0x41, 0x84, 0x20, 0x6a, 0x20, 0x00, 0x71, 0x21, 0x04,
        0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x01, 0x41, 0xe8, 0x07,
        0x49, 0x0d, 0x00, 0x0b, 0x0b, 0x20, 0x02, 0x20, 0x03, 0xa7, 0x6a, 0x0b,
        0x06, 0x00, 0x41, 0x7f, 0x10, 0x02, 0x0b, 0x08, 0x00, 0x41, 0xf0, 0xff,
        0x03, 0x10, 0x02, 0x0b,

    };
    static const uint64_t gas[] = {0,    1,    10,    40,     100,    170,
                                   300,  777,  1500,  4000,   9000,   20000,
                                   50000, 123457, 10000000};
    static jd_record a, b;
    for (size_t g = 0; g < sizeof gas / sizeof gas[0]; g++) {
        const char *why = jd_diff(mod, sizeof mod, gas[g], &a, &b);
        if (why)
            GB_FAIL_("gas %llu: %s", (unsigned long long)gas[g], why);
        GB_EXPECT(b.compiled && a.load_err == GB_OK && a.ncalls == 4);
    }
    /* with gas enough, the traps and the result the module is made for */
    GB_EXPECT(a.calls[0].err == GB_TRAP_MEM_OOB);
    GB_EXPECT(a.calls[1].err == GB_TRAP_MEM_OOB);
    GB_EXPECT(a.calls[2].err == GB_TRAP_MEM_OOB);
    GB_EXPECT(a.calls[3].err == GB_OK);
}

/* Register pressure: ten values on one straight line for seven cache
 * registers, so that reading the address of the store
 *   p = 64; [0] = [100] + 5; a = p + 1; b = a + 2; ... g = f + 7;
 *   [p] = g * 3; return a + b + ... + g + [p]
 * evicts a register: never the one holding the value it stores, which is
 * dead after the store but not read yet. */
static void test_register_pressure(void)
{
    static const uint8_t mod[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
        0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01,
        0x07, 0x0c, 0x01, 0x08, 0x70, 0x72, 0x65, 0x73, 0x73, 0x75, 0x72, 0x65,
        0x00, 0x00, 0x0a, 0x6e, 0x01, 0x6c, 0x01, 0x08, 0x7f, 0x41, 0xc0, 0x00,
        0x21, 0x00, 0x41, 0x00, 0x41, 0xe4, 0x00, 0x28, 0x02, 0x00, 0x41, 0x05,
        0x6a, 0x36, 0x02, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20,
        0x01, 0x41, 0x02, 0x6a, 0x21, 0x02, 0x20, 0x02, 0x41, 0x03, 0x6a, 0x21,
        0x03, 0x20, 0x03, 0x41, 0x04, 0x6a, 0x21, 0x04, 0x20, 0x04, 0x41, 0x05,
        0x6a, 0x21, 0x05, 0x20, 0x05, 0x41, 0x06, 0x6a, 0x21, 0x06, 0x20, 0x06,
        0x41, 0x07, 0x6a, 0x21, 0x07, 0x20, 0x00, 0x20, 0x07, 0x41, 0x03, 0x6c,
        0x36, 0x02, 0x00, 0x20, 0x01, 0x20, 0x02, 0x6a, 0x20, 0x03, 0x20, 0x04,
        0x6a, 0x6a, 0x20, 0x05, 0x20, 0x06, 0x6a, 0x20, 0x07, 0x20, 0x00, 0x28,
        0x02, 0x00, 0x6a, 0x6a, 0x6a, 0x0b,

    };
    static jd_record a, b;
    const char *why = jd_diff(mod, sizeof mod, 100000, &a, &b);
    if (why)
        GB_FAIL_("%s", why);
    GB_EXPECT(b.compiled && a.ncalls == 1 && a.calls[0].err == GB_OK);
    /* 65 + 67 + 70 + 74 + 79 + 85 + 92 + 276 */
    GB_EXPECT_U64(808, (uint32_t)b.calls[0].results[0]);
}

/* Marks left out by the compiled tier (an earlier access on the straight
 * line marked the same granule, proven from the alignment of the
 * addresses), against the interpreter's marks over a ladder of gas
 * limits.  Each export touches its own granules, and where an access
 * spans or starts a granule only it marks, the proof must fail:
 * - pairs8: p 8-aligned, [p] and [p+4] (one granule); pairs4: p = 4 mod
 *   8, so [p+4] starts a new granule every 64 turns;
 * - merge: p = 4096 + 520i, + 4 when i is odd (the meet of an aligned and
 *   an unaligned way in): at i = 63 [p+4] starts granule 72;
 * - reuse: x loaded from memory (nothing known) at 508 in its granule,
 *   then a constant; calls: an argument and a call's result at 508;
 * - wrap: (uint32)(p + 8) with p = -8, the sum wrapping to 0;
 * - consts: constant addresses at 508 and at 0 in their granule;
 * - masks: p = 50144 + ((516i) & -4) (4-aligned only), loads and stores
 *   of 4 and 8 bytes at p, p+4, p+8: at i = 7 [p+4] starts granule 105;
 * - resid: p = 55789 + 516i (1 mod 4), + 1 when i is odd (2 mod 4: the
 *   low bits known on one way in, other bits on the other), bytes stored
 *   at p+3 .. p+6: at i = 3 the last one starts granule 112;
 * - gl_a, gl_b: a global 59392 (512-aligned) when initialised, set by
 *   gl_a to 508 in its granule; gl_b's [q+4] starts granule 118.
 * (the module: tests/wasm/test_jit_diff.c's align.wat, in the comment
 * below) */
/*
(module
  (memory 2)
  (global $g (mut i32) (i32.const 0))
  (func $acc (param $p i32) (result i32)
    (i32.add (i32.load (local.get $p)) (i32.load offset=4 (local.get $p))))
  (func $ret (result i32) (i32.const 46588))
  (func (export "pairs8") (local $p i32)
    (loop $l
      (i32.store offset=8192 (local.get $p) (i32.load (local.get $p)))
      (i32.store offset=8196 (local.get $p) (i32.load offset=4 (local.get $p)))
      (br_if $l (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 8)))
                          (i32.const 1024)))))
  (func (export "pairs4") (local $p i32)
    (local.set $p (i32.const 2052))
    (loop $l
      (i32.store offset=10240 (local.get $p) (i32.load (local.get $p)))
      (i32.store offset=10244 (local.get $p) (i32.load offset=4 (local.get $p)))
      (br_if $l (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 8)))
                          (i32.const 3072)))))
  (func (export "merge") (local $i i32) (local $p i32)
    (loop $l
      (if (i32.and (local.get $i) (i32.const 1))
        (then (local.set $p (i32.add (i32.const 4100)
                                     (i32.mul (local.get $i) (i32.const 520)))))
        (else (local.set $p (i32.add (i32.const 4096)
                                     (i32.mul (local.get $i) (i32.const 520))))))
      (global.set $g (i32.add (i32.load (local.get $p))
                              (i32.load offset=4 (local.get $p))))
      (i32.store offset=16384 (local.get $p) (local.get $i))
      (i32.store offset=16388 (local.get $p) (local.get $i))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (i32.const 64)))))
  (func (export "reuse") (result i32) (local $x i32) (local $s i32)
    (i32.store (i32.const 0) (i32.const 40956))
    (local.set $x (i32.load (i32.const 0)))
    (local.set $s (i32.add (i32.load (local.get $x))
                           (i32.load offset=4 (local.get $x))))
    (i32.store8 (local.get $x) (i32.const 1))
    (i32.store16 offset=3 (local.get $x) (i32.const 2))
    (local.set $x (i32.const 41984))
    (i32.add (local.get $s)
             (i32.add (i32.load (local.get $x))
                      (i32.load offset=4 (local.get $x)))))
  (func (export "calls") (result i32) (local $p i32)
    (local.set $p (call $ret))
    (i32.add (call $acc (i32.const 45052))
             (i32.add (i32.load (local.get $p))
                      (i32.load offset=4 (local.get $p)))))
  (func (export "wrap") (local $p i32)
    (local.set $p (i32.const -8))
    (i32.store offset=47104 (i32.add (local.get $p) (i32.const 8)) (i32.const 1))
    (i32.store offset=47104 (i32.add (local.get $p) (i32.const 12)) (i32.const 2))
    (i32.store offset=47104 (i32.add (local.get $p) (i32.const 516)) (i32.const 3))
    (i32.store offset=47104 (i32.add (local.get $p) (i32.const 520)) (i32.const 4)))
  (func (export "consts") (result i32)
    (i32.add (i32.add (i32.load (i32.const 48636))
                      (i32.load offset=4 (i32.const 48636)))
             (i32.add (i32.load (i32.const 49152))
                      (i32.wrap_i64 (i64.load32_u offset=4 (i32.const 49152))))))
  (func (export "masks") (local $i i32) (local $p i32)
    (loop $l
      (local.set $p (i32.add (i32.const 50144)
                             (i32.and (i32.mul (local.get $i) (i32.const 516))
                                      (i32.const -4))))
      (i32.store offset=4 (local.get $p) (i32.load (local.get $p)))
      (i64.store offset=8 (local.get $p) (i64.load32_u offset=4 (local.get $p)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (i32.const 10)))))
  (func (export "resid") (local $i i32) (local $p i32)
    (loop $l
      (local.set $p (i32.add (i32.const 55789) (i32.mul (local.get $i) (i32.const 516))))
      (if (i32.and (local.get $i) (i32.const 1))
        (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
      (i32.store8 offset=3 (local.get $p) (i32.const 1))
      (i32.store8 offset=4 (local.get $p) (i32.const 2))
      (i32.store8 offset=5 (local.get $p) (i32.const 3))
      (i32.store8 offset=6 (local.get $p) (i32.const 4))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (i32.const 6)))))
  (global $q (mut i32) (i32.const 59392))
  (func (export "gl_a") (global.set $q (i32.const 59900)))
  (func (export "gl_b") (result i32)
    (i32.add (i32.load (global.get $q)) (i32.load offset=4 (global.get $q)))))
*/
static void test_mark_alignment(void)
{
    static const uint8_t mod[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60,
        0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x03,
        0x0e, 0x0d, 0x00, 0x01, 0x02, 0x02, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02,
        0x02, 0x02, 0x01, 0x05, 0x03, 0x01, 0x00, 0x02, 0x06, 0x0d, 0x02, 0x7f,
        0x01, 0x41, 0x00, 0x0b, 0x7f, 0x01, 0x41, 0x80, 0xd0, 0x03, 0x0b, 0x07,
        0x59, 0x0b, 0x06, 0x70, 0x61, 0x69, 0x72, 0x73, 0x38, 0x00, 0x02, 0x06,
        0x70, 0x61, 0x69, 0x72, 0x73, 0x34, 0x00, 0x03, 0x05, 0x6d, 0x65, 0x72,
        0x67, 0x65, 0x00, 0x04, 0x05, 0x72, 0x65, 0x75, 0x73, 0x65, 0x00, 0x05,
        0x05, 0x63, 0x61, 0x6c, 0x6c, 0x73, 0x00, 0x06, 0x04, 0x77, 0x72, 0x61,
        0x70, 0x00, 0x07, 0x06, 0x63, 0x6f, 0x6e, 0x73, 0x74, 0x73, 0x00, 0x08,
        0x05, 0x6d, 0x61, 0x73, 0x6b, 0x73, 0x00, 0x09, 0x05, 0x72, 0x65, 0x73,
        0x69, 0x64, 0x00, 0x0a, 0x04, 0x67, 0x6c, 0x5f, 0x61, 0x00, 0x0b, 0x04,
        0x67, 0x6c, 0x5f, 0x62, 0x00, 0x0c, 0x0a, 0x9e, 0x04, 0x0d, 0x0d, 0x00,
        0x20, 0x00, 0x28, 0x02, 0x00, 0x20, 0x00, 0x28, 0x02, 0x04, 0x6a, 0x0b,
        0x06, 0x00, 0x41, 0xfc, 0xeb, 0x02, 0x0b, 0x2a, 0x01, 0x01, 0x7f, 0x03,
        0x40, 0x20, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x36, 0x02, 0x80, 0x40,
        0x20, 0x00, 0x20, 0x00, 0x28, 0x02, 0x04, 0x36, 0x02, 0x84, 0x40, 0x20,
        0x00, 0x41, 0x08, 0x6a, 0x22, 0x00, 0x41, 0x80, 0x08, 0x49, 0x0d, 0x00,
        0x0b, 0x0b, 0x2f, 0x01, 0x01, 0x7f, 0x41, 0x84, 0x10, 0x21, 0x00, 0x03,
        0x40, 0x20, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x36, 0x02, 0x80, 0x50,
        0x20, 0x00, 0x20, 0x00, 0x28, 0x02, 0x04, 0x36, 0x02, 0x84, 0x50, 0x20,
        0x00, 0x41, 0x08, 0x6a, 0x22, 0x00, 0x41, 0x80, 0x18, 0x49, 0x0d, 0x00,
        0x0b, 0x0b, 0x54, 0x01, 0x02, 0x7f, 0x03, 0x40, 0x20, 0x00, 0x41, 0x01,
        0x71, 0x04, 0x40, 0x41, 0x84, 0x20, 0x20, 0x00, 0x41, 0x88, 0x04, 0x6c,
        0x6a, 0x21, 0x01, 0x05, 0x41, 0x80, 0x20, 0x20, 0x00, 0x41, 0x88, 0x04,
        0x6c, 0x6a, 0x21, 0x01, 0x0b, 0x20, 0x01, 0x28, 0x02, 0x00, 0x20, 0x01,
        0x28, 0x02, 0x04, 0x6a, 0x24, 0x00, 0x20, 0x01, 0x20, 0x00, 0x36, 0x02,
        0x80, 0x80, 0x01, 0x20, 0x01, 0x20, 0x00, 0x36, 0x02, 0x84, 0x80, 0x01,
        0x20, 0x00, 0x41, 0x01, 0x6a, 0x22, 0x00, 0x41, 0xc0, 0x00, 0x49, 0x0d,
        0x00, 0x0b, 0x0b, 0x43, 0x01, 0x02, 0x7f, 0x41, 0x00, 0x41, 0xfc, 0xbf,
        0x02, 0x36, 0x02, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x21, 0x00, 0x20,
        0x00, 0x28, 0x02, 0x00, 0x20, 0x00, 0x28, 0x02, 0x04, 0x6a, 0x21, 0x01,
        0x20, 0x00, 0x41, 0x01, 0x3a, 0x00, 0x00, 0x20, 0x00, 0x41, 0x02, 0x3b,
        0x01, 0x03, 0x41, 0x80, 0xc8, 0x02, 0x21, 0x00, 0x20, 0x01, 0x20, 0x00,
        0x28, 0x02, 0x00, 0x20, 0x00, 0x28, 0x02, 0x04, 0x6a, 0x6a, 0x0b, 0x1a,
        0x01, 0x01, 0x7f, 0x10, 0x01, 0x21, 0x00, 0x41, 0xfc, 0xdf, 0x02, 0x10,
        0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x20, 0x00, 0x28, 0x02, 0x04, 0x6a,
        0x6a, 0x0b, 0x3a, 0x01, 0x01, 0x7f, 0x41, 0x78, 0x21, 0x00, 0x20, 0x00,
        0x41, 0x08, 0x6a, 0x41, 0x01, 0x36, 0x02, 0x80, 0xf0, 0x02, 0x20, 0x00,
        0x41, 0x0c, 0x6a, 0x41, 0x02, 0x36, 0x02, 0x80, 0xf0, 0x02, 0x20, 0x00,
        0x41, 0x84, 0x04, 0x6a, 0x41, 0x03, 0x36, 0x02, 0x80, 0xf0, 0x02, 0x20,
        0x00, 0x41, 0x88, 0x04, 0x6a, 0x41, 0x04, 0x36, 0x02, 0x80, 0xf0, 0x02,
        0x0b, 0x22, 0x00, 0x41, 0xfc, 0xfb, 0x02, 0x28, 0x02, 0x00, 0x41, 0xfc,
        0xfb, 0x02, 0x28, 0x02, 0x04, 0x6a, 0x41, 0x80, 0x80, 0x03, 0x28, 0x02,
        0x00, 0x41, 0x80, 0x80, 0x03, 0x35, 0x02, 0x04, 0xa7, 0x6a, 0x6a, 0x0b,
        0x37, 0x01, 0x02, 0x7f, 0x03, 0x40, 0x41, 0xe0, 0x87, 0x03, 0x20, 0x00,
        0x41, 0x84, 0x04, 0x6c, 0x41, 0x7c, 0x71, 0x6a, 0x21, 0x01, 0x20, 0x01,
        0x20, 0x01, 0x28, 0x02, 0x00, 0x36, 0x02, 0x04, 0x20, 0x01, 0x20, 0x01,
        0x35, 0x02, 0x04, 0x37, 0x03, 0x08, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x22,
        0x00, 0x41, 0x0a, 0x49, 0x0d, 0x00, 0x0b, 0x0b, 0x4b, 0x01, 0x02, 0x7f,
        0x03, 0x40, 0x41, 0xed, 0xb3, 0x03, 0x20, 0x00, 0x41, 0x84, 0x04, 0x6c,
        0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x71, 0x04, 0x40, 0x20, 0x01,
        0x41, 0x01, 0x6a, 0x21, 0x01, 0x0b, 0x20, 0x01, 0x41, 0x01, 0x3a, 0x00,
        0x03, 0x20, 0x01, 0x41, 0x02, 0x3a, 0x00, 0x04, 0x20, 0x01, 0x41, 0x03,
        0x3a, 0x00, 0x05, 0x20, 0x01, 0x41, 0x04, 0x3a, 0x00, 0x06, 0x20, 0x00,
        0x41, 0x01, 0x6a, 0x22, 0x00, 0x41, 0x06, 0x49, 0x0d, 0x00, 0x0b, 0x0b,
        0x08, 0x00, 0x41, 0xfc, 0xd3, 0x03, 0x24, 0x01, 0x0b, 0x0d, 0x00, 0x23,
        0x01, 0x28, 0x02, 0x00, 0x23, 0x01, 0x28, 0x02, 0x04, 0x6a, 0x0b,

    };
    static const uint64_t gas[] = {0, 25, 300, 2000, 9000, 10000000};
    static jd_record a, b;
    for (size_t g = 0; g < sizeof gas / sizeof gas[0]; g++) {
        const char *why = jd_diff(mod, sizeof mod, gas[g], &a, &b);
        if (why)
            GB_FAIL_("gas %llu: %s", (unsigned long long)gas[g], why);
        GB_EXPECT(b.compiled && a.load_err == GB_OK && a.ncalls == 11);
    }
    for (int k = 0; k < 11; k++)
        GB_EXPECT(a.calls[k].err == GB_OK);
}

/* tests/data/wasm/<name>.wasm (built from its .wat), or NULL (a failure
 * reported); the caller frees it. */
static uint8_t *read_test_wasm(const char *name, size_t *len)
{
    const char *dir = getenv("GB_TEST_WASM");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : ".", name);
    uint8_t *mod = read_all(path, len);
    if (!mod)
        GB_FAIL_("%s not found", path);
    return mod;
}

/* tests/data/wasm/jit_calls.wat (also run over the gas ladder of
 * test_test_programs): recursion with values in registers across calls
 * to the depth limit, through call_indirect and host calls too, to the
 * value stack's limit with big frames, exactly 1000 frames and one more;
 * divisions of every kind (native in the compiled tier) to each trap; and
 * comparisons read by br_if and select.  Both tiers agree, and each
 * export ends as it is made to. */
/* tests/data/wasm/<name>.wasm run the three ways (jd_diff) over the gas
 * ladder gas[0..ngas), the records of the last limit left in *a
 * (interpreter) and *b (compiled with guard pages); false when the module
 * is not there. */
static bool ladder(const char *name, const uint64_t *gas, size_t ngas,
                   jd_record *a, jd_record *b)
{
    size_t len;
    uint8_t *mod = read_test_wasm(name, &len);
    if (!mod)
        return false;
    for (size_t g = 0; g < ngas; g++) {
        const char *why = jd_diff(mod, len, gas[g], a, b);
        if (why)
            GB_FAIL_("%s, gas %llu: %s", name, (unsigned long long)gas[g],
                     why);
    }
    free(mod);
    return true;
}

static void test_calls_divs(void)
{
    static const gb_err want[] = {
        GB_OK,                   /* rec_500 */
        GB_TRAP_STACK_EXHAUSTED, /* rec_deep */
        GB_OK,                   /* ind_300 */
        GB_TRAP_STACK_EXHAUSTED, /* ind_deep */
        GB_TRAP_STACK_EXHAUSTED, /* big_deep: the value stack */
        GB_OK,                   /* depth_999 */
        GB_TRAP_STACK_EXHAUSTED, /* depth_1000 */
        GB_TRAP_INT_OVERFLOW,    /* div_loop */
        GB_TRAP_DIV_ZERO,        /* div_zero */
        GB_TRAP_INT_OVERFLOW,    /* div_min64 */
        GB_OK,                   /* div_const */
        GB_TRAP_DIV_ZERO,        /* div_const_zero */
        GB_OK,                   /* conds */
    };
    static const uint64_t gas[] = {777, 5000, 31337, 200000, 1000000000};
    static jd_record a, b;
    if (!ladder("jit_calls", gas, sizeof gas / sizeof gas[0], &a, &b))
        return;
    GB_EXPECT(b.compiled && a.load_err == GB_OK && a.inst_err == GB_OK);
    GB_EXPECT_U64(sizeof want / sizeof want[0], a.ncalls);
    for (uint32_t i = 0; i < a.ncalls && i < sizeof want / sizeof want[0];
         i++)
        GB_EXPECT_ERR(want[i], b.calls[i].err);
    /* 1000 frames: 999 calls of $chain returning 1 + 1 + ... */
    GB_EXPECT_U64(999, (uint32_t)b.calls[5].results[0]);
}

/* tests/data/wasm/<name>.wasm over the gas ladder of the
 * liveness and flags tests: both tiers agree, and with all the gas each
 * export ends without a trap, with the i32 result want[] says. */
static void expect_results(const char *name, const uint64_t *want,
                           uint32_t nwant)
{
    static const uint64_t gas[] = {0, 3, 40, 170, 1000000};
    static jd_record a, b;
    if (!ladder(name, gas, sizeof gas / sizeof gas[0], &a, &b))
        return;
    GB_EXPECT(b.compiled && a.load_err == GB_OK && a.inst_err == GB_OK);
    GB_EXPECT_U64(nwant, b.ncalls);
    for (uint32_t i = 0; i < b.ncalls && i < nwant; i++) {
        GB_EXPECT_ERR(GB_OK, b.calls[i].err);
        GB_EXPECT_U64(want[i], (uint32_t)b.calls[i].results[0]);
    }
}

/* tests/data/wasm/jit_live.wat: what the liveness of frame slots leaves
 * unwritten or unzeroed next to what it must not (a dead register kept
 * over a call, locals read before written on one way, a value read after
 * a loop's exit, by a helper or call_indirect after a join, at one target
 * of a br_table, a multiply-add's dying pinned operand, a loop's only
 * constant for a slot given on the way in, and not when the slot is live
 * at the head or gets two, two results). */
static void test_liveness(void)
{
    static const uint64_t want[] = {
        988,        /* dead_at_call */
        9,          /* zero_live_locals */
        478,        /* loop_exit */
        0x5a5a5a5e, /* helper_after_join */
        46,         /* indirect_after_join */
        1236,       /* table_live */
        14466,      /* madd_pinned */
        0x01000012, /* loop_const: 10 + 5 + 1 + 1, bytes 403..406 = 1, 0,
                       0, 1 */
        445,        /* loop_const_live: 2 + 107, then 3 * (5 + 107) */
        2,          /* two_results */
    };
    expect_results("jit_live", want, sizeof want / sizeof want[0]);
}

/* tests/data/wasm/jit_flags.wat: branches and selects on the zero flag
 * an add, sub or and left, and on values whose flags must not be used
 * (a shift by 0 mod 32, an add made with lea, a multiply); on the zero
 * flag of v >> n for v > 2^n - 1, next to bounds and counts where the
 * comparison must be made. */
static void test_flags(void)
{
    static const uint64_t want[] = {
        8,   /* count_up */
        220, /* select_sub: b 0, a & 2 0 */
        2,   /* shift_keeps_flags */
        14,  /* lea_sets_none */
        4,   /* mul_after_zero */
        9745, /* shift_loop: 17 + 16 * 32 + 9 * 1024 rounds */
        311,  /* shift_loop_not: 11 + 3 * 100 */
    };
    expect_results("jit_flags", want, sizeof want / sizeof want[0]);
}

/* tests/data/wasm/jit_regs.wat: loads handed straight to a multiply-add
 * in the scratch register (matmul's inner loop, in i32 and i64) next to
 * loads that must not be: one read again after the multiply-add, one
 * whose bytes span two granules (the out-of-line mark uses that
 * register); and a load whose value goes to rax, its address a sum made
 * there too (the mark made from rax only when the value is elsewhere). */
static void test_regs(void)
{
    static const uint64_t want[] = {
        2277607888u, /* madd_rows */
        15636257,    /* madd_live */
        1181772380,  /* madd_span */
        280,         /* madd_rows64 */
        8554280,     /* mark_in_rax */
    };
    expect_results("jit_regs", want, sizeof want / sizeof want[0]);
}

/* tests/data/wasm/jit_ind.wat: loops whose accesses mark once per
 * granule (an address advancing by a constant, in a memory below 4 GiB:
 * offsets, bytes spanning two granules (the first access too), steps of 1
 * to 256, a loop entered
 * again mid-granule) next to loops that must mark every time (two
 * branches back with different steps, a step of 257, down, doubling) and
 * stores running off the end of memory.  The three ways agree (results,
 * traps, gas left, memory and both kinds of marks) at every gas limit of
 * a ladder through all of it, and with all the gas each export ends as
 * it is made to. */
static void test_induction(void)
{
    static const uint64_t want[] = {
        1998686976u, /* stride4 */
        3565405026u, /* stride3 */
        116950307,   /* span_first */
        2601051958u, /* stride8_i64 */
        3938740344u, /* stride256 */
        3075831662u, /* two_backs */
        3645216496u, /* rows */
    };
    /* then off_end traps; then on the second page */
    static const uint64_t want2[] = {
        2093964580u, /* wrap_up */
        1941154119u, /* wrap_down */
    };
    const uint32_t nwant = sizeof want / sizeof want[0];
    const uint32_t nwant2 = sizeof want2 / sizeof want2[0];
    uint64_t gas[160];
    size_t ngas = 0;
    for (uint64_t g = 0; g < 560000 && ngas < 159; g = g + g / 8 + 13)
        gas[ngas++] = g;
    gas[ngas++] = 1000000;
    static jd_record a, b;
    if (!ladder("jit_ind", gas, ngas, &a, &b))
        return;
    GB_EXPECT(b.compiled && a.load_err == GB_OK && a.inst_err == GB_OK);
    GB_EXPECT_U64(nwant + nwant2 + 2, b.ncalls);
    if (b.ncalls != nwant + nwant2 + 2)
        return;
    for (uint32_t i = 0; i < nwant; i++) {
        GB_EXPECT_ERR(GB_OK, b.calls[i].err);
        GB_EXPECT_U64(want[i], (uint32_t)b.calls[i].results[0]);
    }
    GB_EXPECT_ERR(GB_TRAP_MEM_OOB, b.calls[nwant].err);
    for (uint32_t i = 0; i < nwant2; i++) {
        GB_EXPECT_ERR(GB_OK, b.calls[nwant + 1 + i].err);
        GB_EXPECT_U64(want2[i], (uint32_t)b.calls[nwant + 1 + i].results[0]);
    }
    GB_EXPECT_ERR(GB_TRAP_MEM_OOB, b.calls[nwant + nwant2 + 1].err);
}

/* Run tests/data/wasm/NAME.wat's nexports exports under both tiers at
 * every gas limit from 0 to max, with gas handed out all at once and, for
 * the first nslices - 1 of 1, 2, 3, 5, 9, that many units at a time: the
 * tiers agree on every trap, the gas left (which counts the gas held back)
 * and the memory, and both ends of the range are reached (some limit runs
 * out, some finishes). */
static void sliced_ladder(const char *name, uint64_t max, uint32_t nexports,
                          size_t nslices)
{
    size_t len;
    uint8_t *mod = read_test_wasm(name, &len);
    if (!mod)
        return;
    static const uint64_t slices[] = {0, 1, 2, 3, 5, 9};
    static jd_record a, b;
    unsigned oog = 0, ok = 0;
    if (nslices > sizeof slices / sizeof slices[0])
        nslices = sizeof slices / sizeof slices[0];
    for (size_t k = 0; k < nslices; k++)
        for (uint64_t gas = 0; gas <= max; gas++) {
            jd_run_sliced(mod, len, GB_TIER_INTERP, gas, slices[k], &a);
            jd_run_sliced(mod, len, GB_TIER_COMPILED, gas, slices[k], &b);
            const char *why = jd_compare(&a, &b);
            if (why) {
                GB_FAIL_("%s: slice %llu, gas %llu: %s", name,
                         (unsigned long long)slices[k],
                         (unsigned long long)gas, why);
                k = nslices - 1;
                break;
            }
            GB_EXPECT(b.compiled && b.ncalls == nexports);
            oog += b.calls[nexports - 1].err == GB_TRAP_OUT_OF_GAS;
            ok += b.calls[nexports - 1].err == GB_OK;
        }
    GB_EXPECT(oog > 0 && ok > 0);
    free(mod);
}

/* tests/data/wasm/jit_gas.wat: two charges made as one, the counter
 * running out or refilled at either, in calls at many depths (it needs
 * 1536). */
static void test_merged_gas(void) { sliced_ladder("jit_gas", 1700, 1, 6); }

/* tests/data/wasm/charging.wat: the interpreter's charging forms (ir.h,
 * GB_IR_GPAIRS: each kind of conditional branch charging the block its
 * fall-through opens, calls charging the callee's first block), which the
 * compiled tier compiles as the plain forms and the GAS after them (the
 * two exports need 972 and 903 with the default schedule; gas handed out
 * all at once, 1 or 2 units at a time, to keep the run short under the
 * sanitizers). */
static void test_charging_gas(void) { sliced_ladder("charging", 1100, 2, 3); }

/* tests/data/wasm/jit_loophead.wat: loop heads reached by falling into
 * them (their GAS dispatched as an instruction, or charged with the one
 * before it) from each kind of instruction — the function's entry, pure
 * instructions, a load, a store, a call, global.set, another loop, a
 * block's end branched to, an if's arms and end, a br_if's and a
 * br_table's fall-through, a select — and two loops opening together:
 * both tiers charge the same and run out at the same point at every gas
 * limit to 130 (the dearest export needs 102), also handed out 1 to 9
 * units at a time. */
static void test_loop_heads(void) { sliced_ladder("jit_loophead", 130, 14, 6); }

/* tests/data/wasm/jit_bounds.wat and jit_bounds0.wat (also run over the
 * gas ladder of test_test_programs): every load and store scanning to the
 * end of memory until it traps, accesses straddling the end that trap
 * without writing, offsets and addresses up to the largest a wasm32 access
 * forms, after memory.grow, a memory of no pages.  The three ways agree
 * (the compiled tier with guard pages and with explicit checks), and each
 * export ends as it is made to. */
typedef struct bounds_want {
    gb_err err;
    uint64_t result; /* when GB_OK */
    bool any;        /* GB_OK, the result not checked (the tiers agree) */
} bounds_want;

#define B_OOB {GB_TRAP_MEM_OOB, 0, false}
#define B_OK(v) {GB_OK, (v), false}
#define B_ANY {GB_OK, 0, true}

/* The export ends as wanted (the records of the last gas limit). */
static void bounds_check(const char *name, const bounds_want *want,
                         uint32_t nwant, const jd_record *a,
                         const jd_record *b)
{
    GB_EXPECT(a->load_err == GB_OK && a->inst_err == GB_OK);
#if defined(__x86_64__)
    GB_EXPECT(b->compiled && b->guarded == jd_want_guards());
#endif
    GB_EXPECT_U64(nwant, a->ncalls);
    for (uint32_t i = 0; i < b->ncalls && i < nwant; i++) {
        if (b->calls[i].err != want[i].err)
            GB_FAIL_("%s: export %u: %s, not %s", name, i,
                     gb_err_name(b->calls[i].err), gb_err_name(want[i].err));
        else if (!want[i].err && !want[i].any &&
                 b->calls[i].results[0] != want[i].result)
            GB_FAIL_("%s: export %u: 0x%llx, not 0x%llx", name, i,
                     (unsigned long long)b->calls[i].results[0],
                     (unsigned long long)want[i].result);
    }
}

static void bounds_case(const char *name, const bounds_want *want,
                        uint32_t nwant)
{
    static const uint64_t gas[] = {300, 2000, 9000, 40000, 1000000000};
    static jd_record a, b;
    if (!ladder(name, gas, sizeof gas / sizeof gas[0], &a, &b))
        return;
    bounds_check(name, want, nwant, &a, &b);
}

static void test_bounds(void)
{
    static const bounds_want want[] = {
        /* ld_*: 14 loads, st_*: 9 stores */
        B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, B_OOB,
        B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, B_OOB,
        B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, B_OOB,
        B_OOB, B_OOB,
        B_OK(0), /* fill_tail */
        /* straddle_*: 9 stores, a load */
        B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, B_OOB,
        B_OOB, B_OOB, B_OOB,
        B_OK(0x8877665544332211ull), /* tail: nothing written */
        B_OK(0x1122334455667788ull), /* tail2 */
        /* off_max_ld, off_max_st, off_max_ld8, off_max_st16, off_4g,
         * off_2g, addr_top, addr_top_st16 */
        B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, B_OOB,
        B_OOB,
        B_OK(42), /* wrap_add */
        B_OOB,    /* wrap_add_oob */
        /* grow_one, grow_fail, grow_max, ld_after_grow */
        B_OOB, B_OOB, B_OOB, B_OOB,
    };
    bounds_case("jit_bounds", want, sizeof want / sizeof want[0]);
    static const bounds_want want0[] = {
        B_OOB, B_OOB, B_OK(7), B_OOB};
    bounds_case("jit_bounds0", want0, sizeof want0 / sizeof want0[0]);
}

/* tests/data/wasm/jit_fold.wat: accesses at a sum plus a constant whose
 * constant goes to the access's displacement when the sum's known low
 * bits show it cannot wrap past 2^32, next to sums that wrap into the
 * memory's first bytes (in bounds: they must not be folded) and folded
 * accesses past the end that trap; over a ladder of gas limits through
 * the loops, the three ways agree and each export ends as it is made
 * to. */
static void test_fold(void)
{
    static const bounds_want want[] = {
        B_OK(3470629803u), /* wrap_in */
        B_OOB,             /* wrap_oob */
        B_OK(1676357051u), /* fold_in */
        B_OOB,             /* fold_end */
    };
    static const uint64_t gas[] = {200, 1100, 1500, 3100, 3200, 3400,
                                   1000000000};
    static jd_record a, b;
    if (!ladder("jit_fold", gas, sizeof gas / sizeof gas[0], &a, &b))
        return;
    bounds_check("jit_fold", want, sizeof want / sizeof want[0], &a, &b);
}

/* tests/data/wasm/jit_rmw.wat: z[j] += a * y[j] made as one add to
 * memory (the load left to the store), in i32 and i64, next to z or y
 * running off the end of memory, a y whose load marks by itself (z's
 * load then made before it; z running off the end there too) and a
 * line whose store marks at an offset in another granule, z at zp + 4
 * whose local zp is not made (and is, when y's load marks or reads it),
 * and a value read again after its store (no add to memory); over a
 * ladder of gas limits through the loops, the three ways agree
 * (results, traps, gas left, memory and marks) and each export ends as
 * it is made to. */
static void test_rmw(void)
{
    static const bounds_want want[] = {
        B_OK(3168282624u), /* rows */
        B_OOB,             /* z_off_end */
        B_OOB,             /* y_off_end */
        B_OK(664348160u),  /* rows64 */
        B_OOB,             /* rows64_off_end */
        B_OK(1767818624u), /* gather */
        B_OOB,             /* gather_off_end */
        B_OK(8652422u),    /* line */
        B_OK(954632064u),  /* gather4 */
        B_OK(3996989440u), /* y_reads_zp */
        B_OK(22348312u),   /* live_after */
    };
    static const uint64_t gas[] = {0,     20000, 37680, 37700, 38000,
                                   38200, 38300, 38600, 39000, 39500,
                                   40000, 58000, 72000, 1000000000};
    static jd_record a, b;
    if (!ladder("jit_rmw", gas, sizeof gas / sizeof gas[0], &a, &b))
        return;
    bounds_check("jit_rmw", want, sizeof want / sizeof want[0], &a, &b);
}

/* tests/data/wasm/jit_bounds4g.wat in a memory grown to the largest
 * size, 65,536 pages (4 GiB: the configuration's bound at 65,536 too, so
 * the compiled code is made for a memory that may be that big): addresses
 * wrapping past 2^32 in bounds again, offsets near 2^32 with small
 * addresses, 0xffffffff with an offset, accesses straddling the end,
 * scans to the end, loops wrapping to 0 (their marks), memory.fill and
 * memory.copy to the end and one byte past.  The three ways agree at each
 * gas limit (the grow alone needs 65.5 million), and each export ends as
 * it is made to.  Where 4 GiB of address space cannot be had (ulimit -v:
 * $GB_JIT_NO_GUARDS) instantiation fails alike in all three ways. */
static void test_bounds_4g(void)
{
    static const bounds_want want[] = {
        B_OOB, B_OOB,             /* ind_small, ind_small_off */
        B_OK(1), B_OK(0xffffffff), B_OK(65536), /* grow_max, grow_more, size */
        B_OK(0),                /* fill_top */
        B_OK(0x88), B_OOB,        /* ld8_top, ld8_top_off1 */
        B_OK(0x88776655), B_OOB,  /* ld32_top, ld32_top3 */
        B_OK(0x8877665544332211ull), B_OOB, /* ld64_top, ld64_top_off1 */
        B_OK(0x88), B_OOB, B_OOB,   /* ld8_off_max, ld16_off_max, ld8_off_max_1 */
        B_OK(0x88776655), B_OOB,  /* ld32_off_fc, ld32_off_fc_1 */
        B_OK(0x8877665544332211ull), B_OOB, /* ld64_off_2g, ld64_off_2g_1 */
        B_OK(0x8877665544332211ull), B_OOB, /* ld64_off_7f, ld64_off_7f_1 */
        B_OOB, B_OOB,             /* ld8_ff_off, st8_ff_off */
        B_OK(0), B_OK(0),         /* st8_top, st64_off_max */
        B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, B_OOB, /* straddle_* */
        B_OK(0x1122334455667788ull + 0x0102030405060708ull), /* tail */
        B_OOB, B_OOB, B_OOB, B_ANY,   /* scan_ld_*, scan_ld8_plain */
        B_OOB, B_OOB, B_OOB,        /* scan_st_* */
        B_OK(0), B_OK(0), B_OK(0), B_OOB, B_OK(0), B_OK(0), /* wrap_st* */
        B_ANY, B_ANY, B_ANY,        /* wrap_ld8, wrap_ld64, wrap_ld32_off */
        B_OK(0), B_ANY, B_OOB,      /* line_st, line_ld, line_ld_oob */
        B_ANY, B_ANY, B_OOB,  /* sum_wrap, sum_top, sum_top_oob */
        B_OK(0), B_OOB, B_OK(0), B_OOB, /* bulk_* */
    };
    static const uint64_t gas[] = {300, 9000, 70000000, 1000000000};
    static jd_record a, b;
    size_t len;
    uint8_t *mod = read_test_wasm("jit_bounds4g", &len);
    if (!mod)
        return;
    for (size_t g = 0; g < sizeof gas / sizeof gas[0]; g++) {
        const char *why = jd_diff_pages(mod, len, gas[g], 65536, &a, &b);
        if (why)
            GB_FAIL_("jit_bounds4g, gas %llu: %s",
                     (unsigned long long)gas[g], why);
    }
    free(mod);
    if (!jd_want_guards() && a.inst_err == GB_NOMEM) {
        GB_EXPECT(b.inst_err == GB_NOMEM); /* (the three ways alike) */
        return;
    }
    bounds_check("jit_bounds4g", want, sizeof want / sizeof want[0], &a, &b);
    GB_EXPECT_U64((uint64_t)1 << 32, b.mem_size);
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
    GB_RUN(test_granule_spans);
    GB_RUN(test_optimised_paths);
    GB_RUN(test_register_pressure);
    GB_RUN(test_mark_alignment);
    GB_RUN(test_calls_divs);
    GB_RUN(test_bounds);
    GB_RUN(test_bounds_4g);
    GB_RUN(test_fold);
    GB_RUN(test_rmw);
    GB_RUN(test_liveness);
    GB_RUN(test_flags);
    GB_RUN(test_regs);
    GB_RUN(test_induction);
    GB_RUN(test_merged_gas);
    GB_RUN(test_charging_gas);
    GB_RUN(test_loop_heads);
    GB_RUN(test_bench_workloads);
    GB_RUN(test_test_programs);
    GB_RUN(test_gear_examples);
    return gb_test_summary();
}
