/*
 * Fault-injection helpers the fault tests share (tests/<layer>/
 * test_*_faults.c, header-only): which N to try, and the environment knobs.
 *
 * For N = 1, 2, 3, ... the Nth allocation (or store call) of the code under
 * test fails (src/util/fault.h); the walk ends at the first N past the
 * number of calls the code makes (nothing fired).  In `make test` a sample
 * of N is tried: every N up to FX_DENSE, then about FX_SPREAD more spread
 * evenly over the rest; with GB_FAULT_ALL=1 (`make test-long`) every N.
 */
#ifndef GB_TESTS_FAULT_FIXTURE_H
#define GB_TESTS_FAULT_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/fault.h"

#define FX_DENSE 32
#define FX_SPREAD 32

static inline bool fx_fault_all(void)
{
    const char *s = getenv("GB_FAULT_ALL");
    return s && *s && *s != '0';
}

/* GB_FAULT_TRACE=1: a backtrace where each fault fires (gb_fault_trace),
 * for every test that includes this fixture. */
__attribute__((constructor)) static void fx_fault_trace_from_env(void)
{
    const char *s = getenv("GB_FAULT_TRACE");
    gb_fault_trace(s && *s == '1');
}

/* The N after n, given that the fault-free run made `total` calls. */
static inline uint64_t fx_fault_next(uint64_t n, uint64_t total)
{
    if (fx_fault_all() || n < FX_DENSE || total <= FX_DENSE + FX_SPREAD)
        return n + 1;
    uint64_t step = (total - FX_DENSE) / FX_SPREAD;
    if (n < total && n + step > total)
        return total; /* the last call too */
    return n + (step ? step : 1);
}

/* How many calls of kinds `run` makes (counted, none failed). */
#define FX_COUNT_CALLS(kinds, run)                                            \
    ({                                                                        \
        gb_fault_arm((kinds), UINT64_MAX, false);                             \
        run;                                                                  \
        gb_fault_disarm();                                                    \
        gb_fault_calls();                                                     \
    })

#endif
