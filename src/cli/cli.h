/*
 * The `gearbox` command: shared declarations for src/cli/.
 *
 * Each command is a function `int fn(int argc, char **argv)` where argv[0]
 * is the command's own name ("run" for `gearbox wasm run`) and the return
 * value is the process exit status: 0 success, 1 failure, 2 bad usage,
 * 3 a message got an error reply (exec, and the node commands' --wait).
 * Every command handles `--help` itself.
 *
 * To add a command: write src/cli/<name>.c defining cli_<name>(), declare
 * it below, and add one row to a table in main.c.  CMake picks up every
 * every .c file in src/cli/ by itself.
 */
#ifndef GB_CLI_H
#define GB_CLI_H

#include <stdbool.h>
#include <stddef.h>

typedef int (*cli_fn)(int argc, char **argv);

/* One row of a command table. */
typedef struct cli_cmd {
    const char *name;
    cli_fn fn;
    const char *help; /* one line, shown in the parent's usage */
} cli_cmd;

/*
 * Run the command named argv[0] from table (n rows), passing argv as is.
 * With no argument, or "--help"/"-h"/"help", prints usage: the line
 * "usage: <prefix> <command> [ARGS...]", the table, and a hint.  An unknown
 * name prints an error and the usage to stderr and returns 2.
 */
int cli_dispatch(const char *prefix, const cli_cmd *table, size_t n,
                 int argc, char **argv);

/* The commands. */
int cli_wasm_run(int argc, char **argv);  /* wasm_run.c */
int cli_wasm_spec(int argc, char **argv); /* wasm_spec.c */
int cli_wasm_dump(int argc, char **argv); /* wasm_dump.c */
int cli_exec(int argc, char **argv);      /* exec.c */
int cli_key(int argc, char **argv);       /* key.c */
int cli_node(int argc, char **argv);      /* node.c */
int cli_upload(int argc, char **argv);    /* client.c: talk to a node */
int cli_send(int argc, char **argv);      /* client.c */
int cli_mailbox(int argc, char **argv);   /* client.c */
int cli_balance(int argc, char **argv);   /* client.c */
int cli_fund(int argc, char **argv);      /* client.c: dev nodes */
int cli_block(int argc, char **argv);     /* client.c */
int cli_create(int argc, char **argv);    /* client_msg.c */
int cli_reply(int argc, char **argv);     /* client_msg.c */
int cli_claim(int argc, char **argv);     /* client_msg.c */
int cli_state(int argc, char **argv);     /* client_msg.c */
int cli_query(int argc, char **argv);     /* client_msg.c */
int cli_gas(int argc, char **argv);       /* client_msg.c */
int cli_watch(int argc, char **argv);     /* watch.c: subscriptions */
int cli_payload_cmd(int argc, char **argv); /* payload.c: SCALE, Sails */
int cli_replay(int argc, char **argv);    /* replay.c: stored blocks */
int cli_snapshot(int argc, char **argv);  /* snapshot.c: whole stores */
int cli_trace(int argc, char **argv);     /* trace.c: a message's gas */
int cli_mine(int argc, char **argv);      /* dev.c: the dev node's controls */
int cli_dev(int argc, char **argv);       /* dev.c */

/*
 * One HTTP/1.1 POST of body to url ("http://HOST:PORT[/PATH]", a loopback
 * host only), waiting at most timeout_s seconds for each step (http_client.c).
 * On success (0): *out_status, and *out_body (malloc'd, NUL-terminated,
 * *out_len bytes; the caller frees).  On failure: 2 for a bad url, 1 when
 * the node cannot be reached or answers nonsense, with a message in err.
 */
int cli_http_post(const char *url, const char *content_type,
                  const char *body, size_t body_len, int timeout_s,
                  int *out_status, char **out_body, size_t *out_len,
                  char *err, size_t errlen);

/*
 * Connect to url ("http://" or "ws://HOST:PORT[/PATH]", a loopback host
 * only), each socket step timing out after timeout_s seconds
 * (http_client.c).  On success (0): *out_fd (the caller closes it), and
 * the url's host, port and path.  On failure: 2 for a bad url, 1 when the
 * node cannot be reached, with a message in err.
 */
int cli_http_connect(const char *url, int timeout_s, int *out_fd,
                     char *host, size_t hostlen, char *port, size_t portlen,
                     char *path, size_t pathlen, char *err, size_t errlen);

#endif
