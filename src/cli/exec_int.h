/*
 * Internals of `gearbox exec` shared by its two files: exec_script.c
 * reads the command line into steps and checks them before any chain
 * exists; exec.c runs them on a fresh chain and prints a row per message.
 * Not for the other commands.
 *
 * It holds the steps (one per option, in order), the names given to
 * programs and codes, and the state of a run (exec_state), and the three
 * functions exec_script.c defines for exec.c.
 */
#ifndef GB_CLI_EXEC_INT_H
#define GB_CLI_EXEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "cli/payload.h"

typedef enum step_kind {
    ST_INIT, ST_SEND, ST_AS, ST_VALUE, ST_GAS, ST_CODE, ST_PROGRAM, ST_TO,
    ST_REPLY,
} step_kind;

typedef struct step {
    step_kind kind;
    const char *arg;    /* the option's value as given */
    char *name;         /* ST_CODE (may be NULL), ST_PROGRAM, ST_TO */
    char *file;         /* ST_CODE, ST_PROGRAM */
    const char *payload; /* ST_INIT, ST_SEND, ST_REPLY, ST_PROGRAM's init
                            (NULL) */
    uint8_t *code;      /* ST_CODE, ST_PROGRAM: the file read */
    size_t code_len;
    gb_id account;      /* ST_AS */
    gb_u128 value;      /* ST_VALUE */
    uint64_t gas;       /* ST_GAS */
} step;

typedef struct named {
    char *name; /* owned */
    gb_id id;   /* a program id, or a code id for --code NAME=FILE */
} named;

/* A message that reached a user's mailbox, not yet replied to. */
typedef struct mail_ref {
    gb_id id, source, destination;
} mail_ref;

typedef struct exec_state {
    gb_chain *chain;
    bool json;
    cli_payload pl;
    gb_id sender;
    uint64_t gas;
    gb_u128 value;
    gb_id dest;
    named *names;
    size_t nnames, capnames;
    mail_ref *mail; /* users' mailboxes, oldest first, for --reply */
    size_t nmail, capmail;
    bool error_reply; /* some reply was an error: exit 3 */
    const char *doing; /* what runs now, for the progress line */
} exec_state;

/* Free n steps and the array (s may be NULL). */
void cli_exec_steps_free(step *s, size_t n);
/* Read file (the code of option opt) into *code (malloc'd); false after
 * printing why it cannot. */
bool cli_exec_read_code(const char *opt, const char *file, uint8_t **code,
                        size_t *len);
/* Read argv into steps (*out, malloc'd: cli_exec_steps_free), checking
 * everything that can be checked without a chain: 0, or 2 after printing
 * the first problem.  st gives the payload settings (--idl, --scale). */
int cli_exec_parse_script(int argc, char **argv, exec_state *st, step **out,
                          size_t *nout);

#endif
