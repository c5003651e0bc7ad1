/*
 * The two ways a function hands an error on, one name each:
 *
 *   TRY_RET(x)  evaluate x (a gb_err); if it failed, return it.  For a
 *               function with nothing to clean up.
 *   TRY_OUT(x)  evaluate x into the function's local `gb_err e`; if it
 *               failed, goto out (the one cleanup path, which returns e).
 *
 * A third meaning has its own name, TRY_TRAP(x): in the trapping
 * expressions of src/wasm/opcodes.h, each expander defines it to end the
 * instruction with the trap (the interpreter: the run ends with it;
 * the compiled tier's helpers: they return it to the code that traps).
 */
#ifndef GB_UTIL_TRY_H
#define GB_UTIL_TRY_H

#include "gearbox/err.h"

#define TRY_RET(x)                                                           \
    do {                                                                     \
        gb_err try_e_ = (x);                                                 \
        if (try_e_)                                                          \
            return try_e_;                                                   \
    } while (0)

#define TRY_OUT(x)                                                           \
    do {                                                                     \
        if ((e = (x)))                                                       \
            goto out;                                                        \
    } while (0)

#endif
