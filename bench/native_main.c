/*
 * native_main — the native baseline driver.  Linked with one workload
 * (built with the same clang and -O2, vectorisation off), it calls run()
 * once, timing only the call, and prints
 *
 *     ms=<wall ms> cpu_ms=<CPU ms> result=<checksum as unsigned 32-bit>
 *
 * (wall: CLOCK_MONOTONIC; CPU: CLOCK_PROCESS_CPUTIME_ID, which is less
 * disturbed by other load on a shared machine).
 * run.sh runs it several times and keeps the best time.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <time.h>

int run(void);

static double now_ms(clockid_t clk) {
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(void) {
    double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ms(CLOCK_MONOTONIC);
    int r = run();
    double t1 = now_ms(CLOCK_MONOTONIC), c1 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    printf("ms=%.3f cpu_ms=%.3f result=%u\n", t1 - t0, c1 - c0, (unsigned)(uint32_t)r);
    return 0;
}
