/*
 * demo.c — a small program for the gearbox WebAssembly engine.
 *
 * No libc and no imports: just functions the engine can call directly.
 * scripts/demo.sh (what `make run` runs) builds it with
 *
 *   clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry \
 *         -Wl,--export=fib -Wl,--export=checksum -Wl,--export=collatz \
 *         -o demo.wasm examples/wasm/demo.c
 *
 * and runs it with `gearbox wasm run demo.wasm FUNC ARGS...`.
 */
#include <stdint.h>

/* fib(n): the n-th Fibonacci number, modulo 2^64 (fib(0) = 0). */
uint64_t fib(uint32_t n)
{
    uint64_t a = 0, b = 1;
    while (n--) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    return a;
}

/* A buffer in linear memory, so the demo touches memory too. */
static uint8_t buf[65536];

/*
 * checksum(n): fill the first n bytes of buf with a simple pseudo-random
 * sequence (a 32-bit LCG seeded with n) and return their Adler-32.
 * n is clamped to the buffer size.
 */
uint32_t checksum(uint32_t n)
{
    if (n > sizeof buf)
        n = sizeof buf;
    uint32_t x = n;
    for (uint32_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        buf[i] = (uint8_t)(x >> 24);
    }
    uint32_t a = 1, b = 0;
    for (uint32_t i = 0; i < n; i++) {
        a = (a + buf[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return (b << 16) | a;
}

/* collatz(n): the number of steps the Collatz sequence from n takes to
 * reach 1 (0 for n <= 1). */
uint32_t collatz(uint64_t n)
{
    uint32_t steps = 0;
    while (n > 1) {
        n = (n & 1) ? 3 * n + 1 : n / 2;
        steps++;
    }
    return steps;
}
