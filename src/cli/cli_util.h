/*
 * Helpers shared by the CLI's commands: reading files, parsing option
 * values with an error message, and recognising help flags.  Functions
 * that print do so to stderr, prefixed with "error: ".
 */
#ifndef GB_CLI_UTIL_H
#define GB_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"

/*
 * Read the whole file at path into a new buffer (malloc'd, owned by the
 * caller, one NUL byte past the end so text can be used as a string).
 * Returns GB_OK, GB_IO (errno says why) or GB_NOMEM.
 */
gb_err cli_read_file(const char *path, uint8_t **out_buf, size_t *out_len);

/* "--help" or "-h". */
bool cli_is_help(const char *arg);

/*
 * The value of option opt (e.g. "--gas"), as an unsigned integer (decimal
 * or 0x hex).  val may be NULL (the option was last on the line).  Prints
 * "error: <opt> needs ..." and returns false on failure.
 */
bool cli_opt_u64(const char *opt, const char *val, uint64_t *out);

/*
 * Growing arrays: CLI_PUSH(arr, n, cap, item) appends item to arr (n used,
 * cap allocated, all lvalues), growing it with realloc; false when out of
 * memory (arr is then unchanged).
 */
#define CLI_PUSH(arr, n, cap, item)                                         \
    ((n) < (cap) || cli_grow((void **)&(arr), &(cap), sizeof *(arr))        \
         ? ((arr)[(n)++] = (item), true)                                    \
         : false)

bool cli_grow(void **arr, size_t *cap, size_t elem);

/*
 * Open the chain a (stopped) node keeps in dir, for reading its history
 * (gearbox replay, gearbox trace).  NULL after printing why: dir holds no
 * chain, or a running node has it (busy_hint says what to do instead).
 */
struct gb_chain;
struct gb_chain *cli_open_chain_dir(const char *dir, const char *busy_hint);

#endif
