/*
 * gearbox — the one error space.
 *
 * Every function in gearbox that can fail returns a gb_err: 0 (GB_OK) on
 * success, one of the codes below otherwise.  The list is written once, as
 * an X-macro, and yields the enum, gb_err_name(), gb_err_str() and
 * gb_err_is_trap().  Each row is X(name, class, message): class is TRAP for
 * a code a WebAssembly run ends with when it fails, ERROR for the rest, so
 * a code appended anywhere says itself whether it is a trap.
 *
 * Trap codes (GB_TRAP_*) are what a WebAssembly run ends with when it fails.
 * They become part of consensus once released: codes are only ever appended
 * to this list, never reordered or given new meanings.
 */
#ifndef GB_ERR_H
#define GB_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

#define GB_ERRORS(X)                                                          \
    X(OK, ERROR, "ok")                                                        \
    X(NOMEM, ERROR, "out of memory")                                          \
    X(INVAL, ERROR, "invalid argument")                                       \
    X(IO, ERROR, "input/output error")                                        \
    X(MALFORMED, ERROR, "malformed module")                                   \
    X(INVALID, ERROR, "invalid module")                                       \
    X(LIMIT, ERROR, "a configured limit was exceeded")                        \
    X(LINK, ERROR, "unknown or incompatible import")                          \
    X(NOT_FOUND, ERROR, "not found")                                          \
    X(UNSUPPORTED, ERROR, "unsupported feature")                              \
    X(TRAP_UNREACHABLE, TRAP, "unreachable executed")                         \
    X(TRAP_MEM_OOB, TRAP, "out of bounds memory access")                      \
    X(TRAP_TABLE_OOB, TRAP, "out of bounds table access")                     \
    X(TRAP_DIV_ZERO, TRAP, "integer divide by zero")                          \
    X(TRAP_INT_OVERFLOW, TRAP, "integer overflow")                            \
    X(TRAP_INVALID_CONV, TRAP, "invalid conversion to integer")               \
    X(TRAP_INDIRECT_MISMATCH, TRAP, "indirect call type mismatch")            \
    X(TRAP_UNINIT_ELEM, TRAP, "uninitialized element")                        \
    X(TRAP_STACK_EXHAUSTED, TRAP, "call stack exhausted")                     \
    X(TRAP_OUT_OF_GAS, TRAP, "out of gas")                                    \
    X(TRAP_HOST, TRAP, "host function error")                                 \
    X(TRAP_MEM_LIMIT, TRAP, "memory limit exceeded")                          \
    X(OVERFLOW, ERROR, "amount out of range (a u128 sum would overflow)")     \
    X(BUSY, ERROR, "in use by another process")                               \
    X(NOSPACE, ERROR, "disk full")                                            \
    X(STORE_FULL, ERROR, "store full (its map size is reached)")              \
    X(DECODE, ERROR, "truncated or non-canonical encoded data")               \
    X(AGAIN, ERROR, "another writer came first: nothing done, try again")

typedef enum gb_err {
#define GB_ERR_ENUM_(name, cls, str) GB_##name,
    GB_ERRORS(GB_ERR_ENUM_)
#undef GB_ERR_ENUM_
    GB_ERR_COUNT_
} gb_err;

/* "GB_TRAP_OUT_OF_GAS" -> the code's name; "unknown" for values out of range. */
const char *gb_err_name(gb_err e);
/* A short human message, e.g. "out of gas". Static storage, never NULL. */
const char *gb_err_str(gb_err e);
/* Nonzero when e is a trap: a code of class TRAP in GB_ERRORS (what a
 * WebAssembly run ends with when it fails); 0 for every other code and for
 * values out of range. */
int gb_err_is_trap(gb_err e);

#ifdef __cplusplus
}
#endif
#endif
