/*
 * Fault injection, SQLite's habit: a test arms a countdown and the Nth
 * allocation (or store I/O call) made by gearbox's own code fails as if
 * the machine had run out of memory (or the disk had failed), so that every
 * error path can be walked for N = 1, 2, 3, ... and checked for a clean
 * error return, no leak and no partial state.
 *
 * Where it is consulted: the allocation helpers of util/mem.h (gb_malloc,
 * gb_calloc, gb_realloc, gb_strdup, gb_zalloc, gb_grow), which all library
 * code (src/{util,wasm,gear,state,chain,node,testkit}) allocates through,
 * and the mmap of a linear memory's reservation (GB_FAULT_ALLOC); and
 * src/state/db*.c around each mdb_* call that can fail (GB_FAULT_IO: the
 * call is not made — or, for a commit, the LMDB transaction is aborted —
 * and EIO comes back, which the store reports as GB_IO).  Allocations by
 * the libraries gearbox links (LMDB, jansson, libmicrohttpd, libsodium) are
 * not counted: a test may route jansson's through gb_fault_hit with
 * json_set_alloc_funcs.
 *
 * The one global.  The house rule is "no hidden global state", and this is
 * the documented exception: a process-wide switch, off unless a test arms
 * it, that no production path ever sets.  It is process-wide, not per
 * context, because a block's runs allocate on the chain's worker threads
 * and deep inside modules (the decoder, the interpreter) that take no
 * context at all; threading a context through every allocation would
 * touch every signature for a test-only need.  Disarmed, a hook costs one
 * relaxed atomic load.  Tests that want the same call to fail on every
 * run use one thread (gb_chain_cfg.threads = 1): with several, which call
 * is the Nth is not determined (still a valid fault, not a reproducible
 * one).
 */
#ifndef GB_UTIL_FAULT_H
#define GB_UTIL_FAULT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum gb_fault_kind {
    GB_FAULT_ALLOC = 1u << 0, /* an allocation returns NULL */
    GB_FAULT_IO = 1u << 1,    /* a store (LMDB) call fails with EIO */
} gb_fault_kind;

/*
 * Arm: from now on calls of the kinds in `kinds` (a mask of gb_fault_kind)
 * are counted, and the nth of them (1-based) fails; with `persist`, every
 * later one fails too (SQLite's "persistent" mode: nothing recovers by
 * retrying).  Re-arming resets the counts.  nth = 0 or kinds = 0 disarms.
 */
void gb_fault_arm(unsigned kinds, uint64_t nth, bool persist);
/* Stop injecting (the counts stay readable). */
void gb_fault_disarm(void);
/* Calls of the armed kinds seen since gb_fault_arm (including the failed
 * ones), and how many of them were made to fail. */
uint64_t gb_fault_calls(void);
uint64_t gb_fault_fired(void);
/* on: print a backtrace to stderr where each fault fires (for addr2line,
 * or gdb's "info symbol"), to find the call behind a failing N.  Off at
 * start; the tests' fixture (tests/fault_fixture.h) turns it on with
 * GB_FAULT_TRACE=1 (the library reads no environment). */
void gb_fault_trace(bool on);

/* The hook: true when this call of kind k must fail. */
extern atomic_uint gb_fault_armed_; /* the armed kinds, 0 when off */
bool gb_fault_hit_(gb_fault_kind k);
static inline bool gb_fault_hit(gb_fault_kind k)
{
    if (__builtin_expect(!(atomic_load_explicit(&gb_fault_armed_,
                                                memory_order_relaxed) &
                           (unsigned)k),
                         1))
        return false;
    return gb_fault_hit_(k);
}

#endif
