/*
 * sieve — byte loads and stores in tight loops: the sieve of Eratosthenes
 * over a 16 Mi-entry byte array, run a few times.
 *
 * Stresses memory access (bounds checks on every load and store) and short
 * loop bodies (branch cost, and gas checks at branches).
 */
#include "rt.h"

#define SIEVE_N (16u << 20)

BENCH_PARAM(sieve_reps, 2);

static unsigned char composite[SIEVE_N];

static uint32_t sieve(uint32_t n) {
    for (uint32_t i = 0; i < n; i++) composite[i] = 0;
    uint32_t count = 0;
    for (uint32_t i = 2; i < n; i++) {
        if (composite[i]) continue;
        count++;
        if ((uint64_t)i * i >= n) continue;
        for (uint32_t j = i * i; j < n; j += i) composite[j] = 1;
    }
    return count;
}

BENCH_EXPORT int run(void) {
    uint32_t h = 0;
    uint32_t reps = sieve_reps;
    for (uint32_t r = 0; r < reps; r++) {
        uint32_t n = SIEVE_N - r * 4099u;
        uint32_t c = sieve(n);
        h = h * 0x9e3779b1u + c;
        /* Mix in a sample of the sieve itself, not just the count. */
        for (uint32_t i = 0; i < n; i += 65537u) h = (h ^ composite[i]) * 16777619u;
    }
    return (int)h;
}
