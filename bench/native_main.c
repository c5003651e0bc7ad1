/*
 * native_main — the native baseline driver.  Linked with one workload
 * (built with the same clang and -O2, vectorisation off), it calls run()
 * once, timing only the call with CLOCK_MONOTONIC, and prints
 *
 *     ms=<milliseconds> result=<checksum as unsigned 32-bit>
 *
 * run.sh runs it several times and keeps the best time.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <time.h>

int run(void);

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(void) {
    double t0 = now_ms();
    int r = run();
    double t1 = now_ms();
    printf("ms=%.3f result=%u\n", t1 - t0, (unsigned)(uint32_t)r);
    return 0;
}
