/*
 * The spec-suite runner: executes the commands of one JSON file written by
 * wast2json, reporting each as an event.  Used by `gearbox wasm spec`
 * (wasm_spec.c), which runs it in a child process so that a crash or hang
 * in the engine costs one file, not the whole run.
 *
 * Events are one line of text each (no newline inside):
 *   "L <line>"  a command, at that line of the .wast, starts
 *   "P"         it passed
 *   "F <text>"  it failed; text starts with "line <n>: " and says what
 *   "S <text>"  it was skipped, and why
 *   "N <text>"  a note (a passing assertion with a different error or trap
 *               code than the message suggests), for --verbose
 *   "E"         the file is done
 * Every command gives exactly one of P, F or S after its L.
 */
#ifndef GB_CLI_SPEC_RUN_H
#define GB_CLI_SPEC_RUN_H

#include <stdbool.h>

/* Where events go: written, newline-terminated, to fd when fd >= 0;
 * otherwise passed to fn (without the newline). */
typedef struct spec_sink {
    int fd;
    void (*fn)(void *user, const char *event);
    void *user;
} spec_sink;

/*
 * Run every command of the JSON file json_path; the modules it names are
 * read from dir.  strict: an assert_trap must end with the trap its message
 * names, an assert_unlinkable with GB_LINK.  tier: gb_wasm_tier, how the
 * modules run.  Uses one store, the default configuration (gas metering
 * on) and an effectively unlimited gas limit.
 */
void spec_run_json(const spec_sink *sink, bool strict, int tier,
                   const char *json_path, const char *dir);

#endif
