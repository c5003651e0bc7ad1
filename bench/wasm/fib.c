/*
 * fib — call-heavy: naive doubly recursive Fibonacci.
 *
 * Measures the cost of a call and return (frame setup, argument passing,
 * the call-depth and gas checks at call boundaries).  Work per call is a
 * compare, two subtractions and an add.  The optimiser may turn one of the
 * two recursive calls into a loop; it does so identically for wasm32 and
 * native, so the comparison stays fair.
 */
#include "rt.h"

BENCH_PARAM(fib_n, 36);

static uint32_t fib(uint32_t n) {
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}

BENCH_EXPORT int run(void) {
    uint32_t n = fib_n;
    uint32_t sum = 0;
    /* fib(n) + fib(n-1) + fib(n-2): about 2 * fib(n) calls in all. */
    for (uint32_t i = 0; i < 3; i++) sum = sum * 31u + fib(n - i);
    return (int)sum;
}
