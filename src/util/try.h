/*
 * The two ways a function hands an error on, one name each:
 *
 *   TRY_RET(x)  evaluate x (a gb_err); if it failed, return it.  For a
 *               function with nothing to clean up.
 *   TRY_OUT(x)  evaluate x into the function's local `gb_err e`; if it
 *               failed, goto out (the one cleanup path, which returns e).
 *
 * A third meaning lives only in the interpreter (src/wasm/interp.c): a
 * failed call there ends the run with a trap, under its own name.
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
