/*
 * rt.h — the whole "runtime" of a benchmark workload.
 *
 * The workloads are built twice from the same source: to wasm32 with no
 * libc (-nostdlib, so the module imports nothing) and natively against
 * bench/native_main.c.  Both builds use -fno-builtin, so a copy loop
 * written in C stays a loop instead of becoming a call to libc's
 * vectorised memcpy; the comparison is then like for like.
 *
 * The compiler may still emit calls to memset/memcpy/memmove for aggregate
 * copies or zero-initialisation.  On wasm32 there is no libc, so the
 * definitions below provide them (simple byte loops; the workloads avoid
 * relying on them in hot paths).  Natively, libc's own are used.
 *
 * Every workload defines `int run(void)`: no arguments, no imports, all
 * data in static buffers, and a 32-bit checksum as the result, so every
 * engine's answer can be checked against the native one.  run() sets up
 * its own state, so calling it twice gives the same answer.
 */
#ifndef GB_BENCH_RT_H
#define GB_BENCH_RT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__wasm__)
#define BENCH_EXPORT __attribute__((visibility("default"), export_name("run")))

__attribute__((no_builtin)) void *memset(void *d, int c, size_t n) {
    unsigned char *p = d;
    while (n--) *p++ = (unsigned char)c;
    return d;
}

__attribute__((no_builtin)) void *memcpy(void *restrict d,
                                         const void *restrict s, size_t n) {
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--) *p++ = *q++;
    return d;
}

__attribute__((no_builtin)) void *memmove(void *d, const void *s, size_t n) {
    unsigned char *p = d;
    const unsigned char *q = s;
    if (p < q) {
        while (n--) *p++ = *q++;
    } else {
        p += n;
        q += n;
        while (n--) *--p = *--q;
    }
    return d;
}
#else
#define BENCH_EXPORT
#endif

/*
 * A parameter the optimiser cannot see through, so that run() is not
 * folded to a constant at compile time.  Reading a volatile costs one load.
 */
#define BENCH_PARAM(name, value) static volatile uint32_t name = (value)

/* A 32-bit LCG (Numerical Recipes constants) and a 64-bit xorshift:
 * deterministic input data without a libc rand(). */
static inline uint32_t bench_lcg(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static inline uint64_t bench_xorshift64(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

#endif
