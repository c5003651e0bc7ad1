/*
 * The fault-injection countdown (fault.h): the documented test-only global.
 */
#include "util/fault.h"

#include <execinfo.h>

atomic_uint gb_fault_armed_;
static _Atomic uint64_t nth_, calls_, fired_;
static atomic_bool persist_, trace_;

void gb_fault_arm(unsigned kinds, uint64_t nth, bool persist)
{
    atomic_store(&gb_fault_armed_, 0);
    atomic_store(&calls_, 0);
    atomic_store(&fired_, 0);
    atomic_store(&nth_, nth);
    atomic_store(&persist_, persist);
    if (nth && kinds)
        atomic_store(&gb_fault_armed_, kinds);
}

void gb_fault_disarm(void) { atomic_store(&gb_fault_armed_, 0); }

void gb_fault_trace(bool on) { atomic_store(&trace_, on); }

uint64_t gb_fault_calls(void) { return atomic_load(&calls_); }
uint64_t gb_fault_fired(void) { return atomic_load(&fired_); }

bool gb_fault_hit_(gb_fault_kind k)
{
    uint64_t n = atomic_fetch_add(&calls_, 1) + 1;
    uint64_t nth = atomic_load(&nth_);
    if (n == nth || (n > nth && atomic_load(&persist_))) {
        atomic_fetch_add(&fired_, 1);
        if (atomic_load(&trace_)) { /* gb_fault_trace */
            void *bt[16];
            backtrace_symbols_fd(bt, backtrace(bt, 16), 2);
        }
        return true;
    }
    return false;
}
