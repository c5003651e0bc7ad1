/*
 * What the commands that talk to a node share (client_util.c): their
 * options, one JSON-RPC call over HTTP, accounts and payloads from the
 * command line, signing and submitting a transaction, default gas from the
 * node's estimate, waiting for a reply, and progress on a terminal.
 * Used by client.c (upload, send, mailbox, balance, block) and
 * client_msg.c (create, reply, claim, state, gas).
 *
 * Functions print their errors to stderr ("error: ..."), saying what to do,
 * and give the exit status through *rc (1 failure, 2 bad usage).  JSON
 * values returned are new references (json_decref them).
 */
#ifndef GB_CLI_CLIENT_H
#define GB_CLI_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/payload.h"
#include "node/tx.h"
#include "util/u128.h"

#define CLI_DEFAULT_NODE "http://127.0.0.1:9944"
/* the gas limit used when the node cannot estimate one */
#define CLI_DEFAULT_GAS 10000000000ull
/* an estimate's margin: minLimit + minLimit / CLI_GAS_MARGIN_DIV (25%) */
#define CLI_GAS_MARGIN_DIV 4

typedef struct cli_copts {
    const char *node, *account;
    bool json, wait, gas_set;
    bool sign_only;          /* --sign-only: print the signed transaction */
    const char *init, *salt, *payload;
    uint64_t gas;
    gb_u128 value;
    uint64_t timeout;
    const char *pos[3];
    int npos;
    cli_payload pl;          /* --idl, --scale (loaded by cli_client_parse;
                                the command frees it, cli_payload_free) */
    const cli_idl_func *fn;  /* the IDL function of the last payload made
                                by cli_client_payload, or NULL */
    const char *config;      /* the config file the defaults came from */
} cli_copts;

/* Which options a command takes (besides --node, --account, --json). */
enum {
    CLI_O_GAS = 1,     /* --gas N */
    CLI_O_VALUE = 2,   /* --value V */
    CLI_O_INIT = 4,    /* --init P (upload's init payload) */
    CLI_O_PAYLOAD = 8, /* --payload P (create's init payload) */
    CLI_O_SALT = 16,   /* --salt S */
    CLI_O_WAIT = 32,   /* --wait, --timeout S */
    CLI_O_CODEC = 64,  /* --idl FILE, --scale TYPE */
    CLI_O_SIGN = 128,  /* --sign-only */
};

/* The exit status when a reply waited for (--wait) is an error. */
#define CLI_EXIT_ERROR_REPLY 3

/* The help lines of --idl and --scale. */
extern const char *const cli_codec_help;

/* The help lines of --node, --account, --json. */
extern const char *const cli_common_help;

/* The defaults of *o: built in, then the config file, then GEARBOX_NODE
 * and GEARBOX_ACCOUNT (config.c, where the file's format is).  false
 * with err on a config file that cannot be read or parsed.  The strings
 * stay valid until cli_config_free (main, at exit). */
bool cli_config_defaults(cli_copts *o, char *err, size_t errlen);
void cli_config_free(void);

/* Parse argv[1..] into *o (defaults first): at most maxpos positional
 * arguments.  0, or 2 after printing what was wrong. */
int cli_client_parse(int argc, char **argv, unsigned allow, int maxpos,
                     cli_copts *o);
/* --help or -h anywhere on the line. */
bool cli_wants_help(int argc, char **argv);

void cli_print_json(json_t *j);
/* o[k] as a string ("" when absent). */
const char *cli_str(json_t *o, const char *k);

/* Call method with params (stolen): its result, or NULL after printing
 * the error (*rc set). */
json_t *cli_rpc(const cli_copts *o, const char *method, json_t *params,
                int *rc);
/* cli_rpc that does not print a JSON-RPC error but gives its code and
 * message (*code 0 when the node could not be asked: then the error was
 * printed). */
json_t *cli_rpc_quiet(const cli_copts *o, const char *method, json_t *params,
                      int *rc, int *code, char *msg, size_t msglen);

/* A dev account name, 0x id or key file -> "0x..." id (false after an
 * error). */
bool cli_account_id(const char *spec, char out[67]);
/* 0x hex or text -> bytes (malloc'd; false after an error naming what). */
bool cli_parse_payload(const char *what, const char *s, uint8_t **out,
                       uint32_t *len);

/* A payload given on the command line, through o's --idl (init: a
 * constructor call) or --scale, else 0x hex or text; o->fn is set to the
 * IDL function called.  false after printing why (naming what). */
bool cli_client_payload(cli_copts *o, const char *what, const char *s,
                        bool init, uint8_t **out, uint32_t *len);

/* The salt of a new program: --salt's payload when given (opt non-NULL),
 * else 8 random bytes.  false (said on stderr) on a bad payload or no
 * memory; *out is the caller's to free. */
bool cli_program_salt(const char *opt, uint8_t **out, uint32_t *len);

/* Print what an upload or create answered: program, code, init message,
 * transaction. */
void cli_program_head(json_t *res);
/* "0x..." of n bytes as a JSON string (NULL when out of memory). */
json_t *cli_hex_json(const uint8_t *p, size_t n);
/* "  label     0x...  "text"" (the text when printable). */
void cli_print_payload(const char *label, const char *hex);

/* Sign body with o->account's key at its next nonce and submit it: the
 * node's answer (txHash, messageId ...) or NULL. */
json_t *cli_submit(const cli_copts *o, gb_tx_body *body, int *rc);

/*
 * The gas limit for a message: --gas when given; else the node's estimate
 * (method with params, stolen) plus a quarter.  pending_ok: when the
 * node cannot estimate because the destination is not there yet (a
 * program or code whose transaction is still pending, a program not
 * initialised yet) fall back to CLI_DEFAULT_GAS with a note on stderr.
 * A message that would fail, or any other refusal, is an error (false).
 * *estimated tells which it was.
 */
bool cli_default_gas(const cli_copts *o, const char *method, json_t *params,
                     bool pending_ok, uint64_t *gas, bool *estimated, int *rc);

/* The chain's height now (for cli_wait_reply's from); false after an
 * error. */
bool cli_head(const cli_copts *o, uint64_t *height, int *rc);

/* Poll the node's events from height `from` for the reply to message mid
 * (o->timeout seconds at most), showing the blocks waited on a terminal.
 * The reply event, and *dispatched (mid's Dispatched event, or NULL).
 * dispatch_only: return as soon as mid is dispatched (a reply, which gets
 * no reply), its Dispatched event. */
json_t *cli_wait_reply(const cli_copts *o, uint64_t from, const char *mid,
                       bool dispatch_only, json_t **dispatched, int *rc);

/*
 * Submit body (cli_submit) and, with o->wait, wait for the reply to the
 * message it queued (the answer's messageId) from the head before.  Then
 * print: with --json the node's answer (with "gasLimit", "gasEstimated",
 * and "reply", "dispatched" when waited); else head(answer) and the
 * reply's lines.  Returns the exit status.
 */
int cli_submit_report(const cli_copts *o, gb_tx_body *body, bool estimated,
                      void (*head)(json_t *answer));

/*
 * The common end of `send` and `reply`: body (kind, target, value set)
 * gets the payload text pos_payload and a gas limit — o's, or the node's
 * estimate by method, whose params name the target target_key: pos_target
 * —, then is submitted and reported with head.  Returns the exit status.
 */
int cli_send_payload(cli_copts *o, gb_tx_body *body,
                     const char *pos_target, const char *pos_payload,
                     const char *method, const char *target_key,
                     bool pending_ok, void (*head)(json_t *answer));

/* A progress line on stderr, rewritten in place — only when stderr is a
 * terminal; cli_progress_done clears it. */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_progress_done(void);

#endif
