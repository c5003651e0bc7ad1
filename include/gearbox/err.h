/*
 * gearbox — the one error space.
 *
 * Every function in gearbox that can fail returns a gb_err: 0 (GB_OK) on
 * success, one of the codes below otherwise.  The list is written once, as
 * an X-macro, and yields the enum, gb_err_name() and gb_err_str().
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
    X(OK, "ok")                                                               \
    X(NOMEM, "out of memory")                                                 \
    X(INVAL, "invalid argument")                                              \
    X(IO, "input/output error")                                               \
    X(MALFORMED, "malformed module")                                          \
    X(INVALID, "invalid module")                                              \
    X(LIMIT, "a configured limit was exceeded")                               \
    X(LINK, "unknown or incompatible import")                                 \
    X(NOT_FOUND, "not found")                                                 \
    X(UNSUPPORTED, "unsupported feature")                                     \
    X(TRAP_UNREACHABLE, "unreachable executed")                               \
    X(TRAP_MEM_OOB, "out of bounds memory access")                            \
    X(TRAP_TABLE_OOB, "out of bounds table access")                           \
    X(TRAP_DIV_ZERO, "integer divide by zero")                                \
    X(TRAP_INT_OVERFLOW, "integer overflow")                                  \
    X(TRAP_INVALID_CONV, "invalid conversion to integer")                     \
    X(TRAP_INDIRECT_MISMATCH, "indirect call type mismatch")                  \
    X(TRAP_UNINIT_ELEM, "uninitialized element")                              \
    X(TRAP_STACK_EXHAUSTED, "call stack exhausted")                           \
    X(TRAP_OUT_OF_GAS, "out of gas")                                          \
    X(TRAP_HOST, "host function error")                                       \
    X(TRAP_MEM_LIMIT, "memory limit exceeded")                                \
    X(OVERFLOW, "amount out of range (a u128 sum would overflow)")            \
    X(BUSY, "in use by another process")                                      \
    X(NOSPACE, "disk full")                                                   \
    X(STORE_FULL, "store full (its map size is reached)")                     \
    X(DECODE, "truncated or non-canonical encoded data")

typedef enum gb_err {
#define GB_ERR_ENUM_(name, str) GB_##name,
    GB_ERRORS(GB_ERR_ENUM_)
#undef GB_ERR_ENUM_
    GB_ERR_COUNT_
} gb_err;

/* "GB_TRAP_OUT_OF_GAS" -> the code's name; "unknown" for values out of range. */
const char *gb_err_name(gb_err e);
/* A short human message, e.g. "out of gas". Static storage, never NULL. */
const char *gb_err_str(gb_err e);
/* Nonzero when e is one of the GB_TRAP_* codes (GB_TRAP_UNREACHABLE to
 * GB_TRAP_MEM_LIMIT; codes appended after them are not traps). */
int gb_err_is_trap(gb_err e);

#ifdef __cplusplus
}
#endif
#endif
