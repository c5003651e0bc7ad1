/*
 * More commands that talk to a running node (see client.c for the first
 * ones and client.h for what they share):
 *
 *   create CODE_ID [--payload P] [--salt S] [--gas N] [--value V] [--wait]
 *   reply MESSAGE_ID PAYLOAD [--gas N] [--value V]
 *   claim MESSAGE_ID
 *   state PROGRAM [PAYLOAD] [--gas N]
 *   query PROGRAM PAYLOAD [--gas N] [--value V] (a reply computed, read-only)
 *   gas init FILE.wasm|CODE_ID [PAYLOAD] [--salt S] [--value V]
 *   gas handle PROGRAM PAYLOAD [--value V]
 *   gas reply MESSAGE_ID PAYLOAD [--value V]
 *
 * with --node, --account (the signer; for gas, the source), --json and
 * --help.  Without --gas, create and reply use the node's estimate plus a
 * quarter, as upload and send do.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "cli/client.h"
#include "gear/ids.h"
#include "node/tx.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const gas_help =
    "  --gas N                 gas limit (default: the node's estimate + 25%%,\n"
    "                          or %llu when it cannot estimate)\n";

/* An id argument (0x and 64 hex digits), named what for the error. */
static bool id_arg(const char *s, const char *what, const char *cmd,
                   gb_id *out)
{
    if (!gb_id_from_hex(s, out))
        return true;
    fprintf(stderr, "error: '%s' is not %s: give 0x and 64 hex digits (see "
                    "'gearbox %s --help')\n", s, what, cmd);
    return false;
}

/* ---- create ------------------------------------------------------------- */

static int create_body(int argc, char **argv, cli_copts *op)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox create CODE_ID [OPTIONS]\n\n"
               "Create a program from code already on the node (0x and 64 hex digits,\n"
               "as printed by 'gearbox upload'); its init runs in the next block.\n"
               "Prints the program id; with --wait, waits for the init's reply.\n\n"
               "options:\n"
               "  --payload PAYLOAD       the init payload (default empty)\n"
               "  --salt PAYLOAD          the salt of the program id (default random)\n");
        printf(gas_help, CLI_DEFAULT_GAS);
        printf("  --value V               value sent to the program (default 0)\n"
               "  --wait                  wait for the init's reply\n"
               "  --timeout S             give up waiting after S seconds (default 30)\n"
               "%s%s"
               "payloads: 0x... hex, or text.\n"
               "exit status: 0; 3 when --wait gets an error reply (reply --wait: its\n"
               "handle_reply failed); 1 when the node fails or refuses; 2 for bad usage.\n", cli_codec_help, cli_common_help);
        return 0;
    }
    cli_copts *o = op;
    int rc = cli_client_parse(argc, argv, CLI_O_GAS | CLI_O_VALUE |
                              CLI_O_PAYLOAD | CLI_O_SALT | CLI_O_WAIT |
                              CLI_O_CODEC, 1, o);
    if (rc)
        return rc;
    if (o->npos != 1) {
        fprintf(stderr, "error: give the code id: gearbox create CODE_ID (see "
                        "'gearbox create --help')\n");
        return 2;
    }
    gb_tx_body body = {.kind = GB_TXW_CREATE_PROGRAM, .value = o->value};
    if (!id_arg(o->pos[0], "a code id", "create", &body.code_id))
        return 2;
    uint8_t *payload = NULL, *salt = NULL;
    uint32_t salt_len = 0;
    char src[67], value[40];
    rc = 2;
    if (!cli_account_id(o->account, src) ||
        (o->payload && !cli_client_payload(o, "--payload", o->payload, true,
                                          &payload, &body.payload_len)))
        goto out;
    if (!cli_program_salt(o->salt, &salt, &salt_len))
        goto out;
    body.payload = payload;
    body.salt = salt;
    body.salt_len = salt_len;
    gb_u128_to_dec(o->value, value);
    bool est;
    rc = 1;
    if (cli_default_gas(o, "gearbox_calculateInitCreateGas",
                        json_pack("{s:s,s:s,s:o,s:s,s:o}", "source", src,
                                  "codeId", o->pos[0], "payload",
                                  cli_hex_json(payload, body.payload_len),
                                  "value", value, "salt",
                                  cli_hex_json(salt, salt_len)),
                        true, &body.gas_limit, &est, &rc))
        rc = cli_submit_report(o, &body, est, cli_program_head);
out:
    free(payload);
    free(salt);
    return rc;
}

int cli_create(int argc, char **argv)
{
    cli_copts o = {0};
    int rc = create_body(argc, argv, &o);
    cli_payload_free(&o.pl);
    return rc;
}

/* ---- reply, claim -------------------------------------------------------- */

static void reply_head(json_t *res)
{
    printf("reply       %s\n  tx        %s (nonce %lld)\n",
           cli_str(res, "messageId"), cli_str(res, "txHash"),
           (long long)json_integer_value(json_object_get(res, "nonce")));
}

static int reply_body(int argc, char **argv, cli_copts *op)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox reply MESSAGE_ID PAYLOAD [OPTIONS]\n\n"
               "Reply to a message in the account's mailbox (see 'gearbox mailbox'),\n"
               "taking its value; the program that sent it gets the reply in the\n"
               "next block.  Prints the reply's message id.\n\n"
               "options:\n");
        printf(gas_help, CLI_DEFAULT_GAS);
        printf("  --value V               value sent with the reply (default 0)\n"
               "  --wait                  wait until the program handled the reply\n"
               "  --timeout S             give up waiting after S seconds (default 30)\n"
               "%s%s"
               "payloads: 0x... hex, or text.\n"
               "exit status: 0; 3 when --wait gets an error reply (reply --wait: its\n"
               "handle_reply failed); 1 when the node fails or refuses; 2 for bad usage.\n", cli_codec_help, cli_common_help);
        return 0;
    }
    cli_copts *o = op;
    int rc = cli_client_parse(argc, argv, CLI_O_GAS | CLI_O_VALUE | CLI_O_WAIT |
                              CLI_O_CODEC, 2, o);
    if (rc)
        return rc;
    if (o->npos != 2) {
        fprintf(stderr, "error: give the mailbox message's id and the payload: "
                        "gearbox reply MESSAGE_ID PAYLOAD (see 'gearbox reply "
                        "--help')\n");
        return 2;
    }
    gb_tx_body body = {.kind = GB_TXW_SEND_REPLY, .value = o->value};
    if (!id_arg(o->pos[0], "a message id", "reply", &body.target))
        return 2;
    return cli_send_payload(o, &body, o->pos[0], o->pos[1],
                            "gearbox_calculateReplyGas", "messageId", false,
                            reply_head);
}

int cli_reply(int argc, char **argv)
{
    cli_copts o = {0};
    int rc = reply_body(argc, argv, &o);
    cli_payload_free(&o.pl);
    return rc;
}

static void claim_head(json_t *res)
{
    printf("claimed     %s\n  tx        %s (nonce %lld)\n",
           cli_str(res, "messageId"), cli_str(res, "txHash"),
           (long long)json_integer_value(json_object_get(res, "nonce")));
}

int cli_claim(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox claim MESSAGE_ID [OPTIONS]\n\n"
               "Take the value of a message in the account's mailbox (see 'gearbox\n"
               "mailbox') without replying; the message leaves the mailbox in the\n"
               "next block.\n\n"
               "options:\n%s", cli_common_help);
        return 0;
    }
    cli_copts o = {0};
    int rc = cli_client_parse(argc, argv, 0, 1, &o);
    if (rc)
        return rc;
    if (o.npos != 1) {
        fprintf(stderr, "error: give the mailbox message's id: gearbox claim "
                        "MESSAGE_ID (see 'gearbox claim --help')\n");
        return 2;
    }
    gb_tx_body body = {.kind = GB_TXW_CLAIM_VALUE};
    if (!id_arg(o.pos[0], "a message id", "claim", &body.target))
        return 2;
    return cli_submit_report(&o, &body, false, claim_head);
}

/* ---- state ---------------------------------------------------------------- */

static int state_body(int argc, char **argv, cli_copts *op)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox state PROGRAM [PAYLOAD] [OPTIONS]\n\n"
               "Read a program's state: run its `state` export with PAYLOAD (default\n"
               "empty) against the node's last block, changing nothing, and print the\n"
               "reply.\n\n"
               "options:\n"
               "  --gas N                 gas limit of the query (default: the block's)\n"
               "  --node URL              the node (default " CLI_DEFAULT_NODE ")\n"
               "  --json                  print JSON, for scripts\n"
               "%s"
               "payloads: 0x... hex, or text.\n", cli_codec_help);
        return 0;
    }
    cli_copts *o = op;
    int rc = cli_client_parse(argc, argv, CLI_O_GAS | CLI_O_CODEC, 2, o);
    if (rc)
        return rc;
    if (o->npos < 1) {
        fprintf(stderr, "error: give the program id: gearbox state PROGRAM "
                        "[PAYLOAD] (see 'gearbox state --help')\n");
        return 2;
    }
    gb_id pid;
    uint8_t *payload = NULL;
    uint32_t plen = 0;
    if (!id_arg(o->pos[0], "a program id", "state", &pid) ||
        (o->npos > 1 &&
         !cli_client_payload(o, "the payload", o->pos[1], false, &payload,
                             &plen)))
        return 2;
    json_t *res = cli_rpc(o, "gearbox_readState",
                          json_pack("[s,o,I]", o->pos[0],
                                    cli_hex_json(payload, plen),
                                    (json_int_t)(o->gas_set ? o->gas : 0)),
                          &rc);
    free(payload);
    if (!res)
        return rc;
    json_t *decoded = cli_payload_decode_hex(&o->pl, o->fn,
                                             cli_str(res, "payload"));
    if (o->json) {
        if (decoded)
            json_object_set(res, "reply_decoded", decoded);
        cli_print_json(res);
    } else {
        printf("state of    %s\n  reply     %s  %s\n", o->pos[0],
               cli_str(res, "replyCode"), cli_str(res, "replyCodeText"));
        cli_print_payload("payload", cli_str(res, "payload"));
        char *t = decoded ? json_dumps(decoded, JSON_COMPACT | JSON_ENCODE_ANY)
                          : NULL;
        if (t)
            printf("  decoded   %s\n", t);
        free(t);
        if (json_object_get(res, "error"))
            printf("  error     %s\n", cli_str(res, "error"));
    }
    json_decref(decoded);
    json_decref(res);
    return 0;
}

int cli_state(int argc, char **argv)
{
    cli_copts o = {0};
    int rc = state_body(argc, argv, &o);
    cli_payload_free(&o.pl);
    return rc;
}

/* ---- query ---------------------------------------------------------------- */

/* Does Gear's reply code (gear_calculateReplyForHandle's "code", as
 * node/rpc_gear.c writes it) say success? */
static bool code_is_success(json_t *code)
{
    return json_is_object(code) && json_object_get(code, "Success");
}

static int query_body(int argc, char **argv, cli_copts *op)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox query PROGRAM PAYLOAD [OPTIONS]\n\n"
               "Ask a program without changing anything: the reply PAYLOAD would get,\n"
               "run against the node's last block (gear_calculateReplyForHandle, as\n"
               "sails-js does for a Sails query); nothing is signed or sent.  With\n"
               "--idl, PAYLOAD is a call such as 'Counter/Value' and the reply is\n"
               "decoded.  Exits 3 when the reply is an error (a panic, out of gas).\n\n"
               "options:\n"
               "  --gas N                 gas limit (default: the block's)\n"
               "  --value V               value the message carries (default 0)\n"
               "%s%s"
               "payloads: 0x... hex, or text.\n",
               cli_common_help, cli_codec_help);
        return 0;
    }
    cli_copts *o = op;
    int rc = cli_client_parse(argc, argv, CLI_O_GAS | CLI_O_VALUE | CLI_O_CODEC,
                              2, o);
    if (rc)
        return rc;
    if (o->npos < 2) {
        fprintf(stderr, "error: give the program and the payload: gearbox "
                        "query PROGRAM PAYLOAD (see 'gearbox query --help')\n");
        return 2;
    }
    gb_id pid;
    char from[67];
    uint8_t *payload = NULL;
    uint32_t plen = 0;
    if (!id_arg(o->pos[0], "a program id", "query", &pid) ||
        !cli_account_id(o->account, from) ||
        !cli_client_payload(o, "the payload", o->pos[1], false, &payload,
                            &plen)) {
        free(payload);
        return 2;
    }
    if (o->fn && !o->fn->query)
        fprintf(stderr, "note: %s/%s is a command, not a query: its reply "
                        "is computed, nothing changes\n",
                o->fn->service, o->fn->name);
    char value[48];
    gb_u128_to_dec(o->value, value);
    json_t *params = json_pack("[s,s,o,s]", from, o->pos[0],
                               cli_hex_json(payload, plen), value);
    if (params && o->gas_set)
        json_array_insert_new(params, 3, json_integer((json_int_t)o->gas));
    else if (params)
        json_array_insert_new(params, 3, json_null());
    free(payload);
    json_t *res = cli_rpc(o, "gear_calculateReplyForHandle", params, &rc);
    if (!res)
        return rc;
    json_t *code = json_object_get(res, "code");
    bool ok = code_is_success(code);
    json_t *decoded =
        ok ? cli_payload_decode_hex(&o->pl, o->fn, cli_str(res, "payload"))
           : NULL;
    if (o->json) {
        if (decoded)
            json_object_set(res, "reply_decoded", decoded);
        cli_print_json(res);
    } else {
        char *c = json_dumps(code, JSON_COMPACT | JSON_ENCODE_ANY);
        printf("query of    %s\n  reply     %s\n", o->pos[0], c ? c : "?");
        free(c);
        cli_print_payload("payload", cli_str(res, "payload"));
        char *t = decoded ? json_dumps(decoded, JSON_COMPACT | JSON_ENCODE_ANY)
                          : NULL;
        if (t)
            printf("  decoded   %s\n", t);
        free(t);
    }
    json_decref(decoded);
    json_decref(res);
    return ok ? 0 : CLI_EXIT_ERROR_REPLY;
}

int cli_query(int argc, char **argv)
{
    cli_copts o = {0};
    int rc = query_body(argc, argv, &o);
    cli_payload_free(&o.pl);
    return rc;
}

/* ---- gas ------------------------------------------------------------------ */

static int gas_report(const cli_copts *o, const char *method, json_t *params)
{
    int rc = 0;
    json_t *g = cli_rpc(o, method, params, &rc);
    if (!g)
        return rc;
    if (o->json) {
        cli_print_json(g);
    } else {
        long long min = json_integer_value(json_object_get(g, "minLimit"));
        printf("min limit   %lld  (send with --gas %lld: + 25%%)\n"
               "  burned    %lld\n  reserved  %lld\n  returned  %lld  (may be)\n"
               "  waited    %s\n  runs      %lld  (the message and what it "
               "caused in one block)\n",
               min, min + min / CLI_GAS_MARGIN_DIV,
               (long long)json_integer_value(json_object_get(g, "burned")),
               (long long)json_integer_value(json_object_get(g, "reserved")),
               (long long)json_integer_value(
                   json_object_get(g, "mayBeReturned")),
               json_is_true(json_object_get(g, "waited")) ? "yes" : "no",
               (long long)json_integer_value(json_object_get(g, "dispatches")));
    }
    json_decref(g);
    return 0;
}

static void gas_usage(const char *sub)
{
    printf("usage: gearbox gas %s [OPTIONS]\n\n"
           "Estimate the gas of a message on a running node, as Gear's\n"
           "gearbox_calculate*Gas: the node runs it, and what it causes in the same\n"
           "block, against its last block and throws the result away.  Prints\n"
           "the smallest gas limit with which it runs the same way (minLimit),\n"
           "the gas burned and reserved, what may come back, and whether it\n"
           "waited.  A message that would fail is an error saying why.\n\n"
           "options:\n"
           "  --value V               value sent with it (default 0)\n",
           sub);
    if (!strncmp(sub, "init", 4))
        printf("  --salt PAYLOAD          the salt of the program id (default "
               "random)\n");
    printf("%s%s  (--account is the message's source)\n"
           "payloads: 0x... hex, or text.\n", cli_codec_help, cli_common_help);
}

static int gas_init_body(int argc, char **argv, cli_copts *op)
{
    argv[0] = (char *)"gas init";
    if (cli_wants_help(argc, argv)) {
        gas_usage("init FILE.wasm|CODE_ID [PAYLOAD]");
        return 0;
    }
    cli_copts *o = op;
    int rc = cli_client_parse(argc, argv, CLI_O_VALUE | CLI_O_SALT |
                              CLI_O_CODEC, 2, o);
    if (rc)
        return rc;
    if (o->npos < 1) {
        fprintf(stderr, "error: give a .wasm file or a code id: gearbox gas "
                        "init FILE.wasm|CODE_ID [PAYLOAD]\n");
        return 2;
    }
    char src[67], value[40];
    uint8_t *payload = NULL, *salt = NULL, *code = NULL;
    uint32_t plen = 0, slen = 0;
    size_t clen = 0;
    gb_id cid;
    bool by_id = !gb_id_from_hex(o->pos[0], &cid);
    rc = 2;
    if (!cli_account_id(o->account, src) ||
        (o->npos > 1 &&
         !cli_client_payload(o, "the payload", o->pos[1], true, &payload,
                             &plen)) ||
        (o->salt && !cli_parse_payload("--salt", o->salt, &salt, &slen)))
        goto out;
    if (!by_id && cli_read_file(o->pos[0], &code, &clen)) {
        fprintf(stderr, "error: cannot read %s: %s (give a .wasm file or a "
                        "code id, 0x and 64 hex digits)\n", o->pos[0],
                strerror(errno));
        rc = 1;
        goto out;
    }
    gb_u128_to_dec(o->value, value);
    json_t *params = json_pack("{s:s,s:o,s:s}", "source", src, "payload",
                               cli_hex_json(payload, plen), "value", value);
    if (params && by_id)
        json_object_set_new(params, "codeId", json_string(o->pos[0]));
    else if (params)
        json_object_set_new(params, "code", cli_hex_json(code, clen));
    if (params && salt)
        json_object_set_new(params, "salt", cli_hex_json(salt, slen));
    rc = gas_report(o, by_id ? "gearbox_calculateInitCreateGas"
                              : "gearbox_calculateInitUploadGas", params);
out:
    free(payload);
    free(salt);
    free(code);
    return rc;
}

/* handle (to a program) or reply (to a mailbox message) */
static int gas_msg_body(int argc, char **argv, bool reply, cli_copts *op)
{
    argv[0] = reply ? (char *)"gas reply" : (char *)"gas handle";
    if (cli_wants_help(argc, argv)) {
        gas_usage(reply ? "reply MESSAGE_ID PAYLOAD" : "handle PROGRAM PAYLOAD");
        return 0;
    }
    cli_copts *o = op;
    int rc = cli_client_parse(argc, argv, CLI_O_VALUE | CLI_O_CODEC, 2, o);
    if (rc)
        return rc;
    if (o->npos != 2) {
        fprintf(stderr, "error: give the %s and the payload: gearbox %s %s "
                        "PAYLOAD\n",
                reply ? "mailbox message's id" : "program id", argv[0],
                reply ? "MESSAGE_ID" : "PROGRAM");
        return 2;
    }
    gb_id id;
    char src[67], value[40];
    uint8_t *payload;
    uint32_t plen;
    if (!id_arg(o->pos[0], reply ? "a message id" : "a program id", argv[0],
                &id) ||
        !cli_account_id(o->account, src) ||
        !cli_client_payload(o, "the payload", o->pos[1], false, &payload,
                            &plen))
        return 2;
    gb_u128_to_dec(o->value, value);
    rc = gas_report(o, reply ? "gearbox_calculateReplyGas"
                              : "gearbox_calculateHandleGas",
                    json_pack("{s:s,s:s,s:o,s:s}", "source", src,
                              reply ? "messageId" : "destination", o->pos[0],
                              "payload", cli_hex_json(payload, plen), "value",
                              value));
    free(payload);
    return rc;
}

static int gas_init(int argc, char **argv)
{
    cli_copts o = {0};
    int rc = gas_init_body(argc, argv, &o);
    cli_payload_free(&o.pl);
    return rc;
}

static int gas_msg(int argc, char **argv, bool reply)
{
    cli_copts o = {0};
    int rc = gas_msg_body(argc, argv, reply, &o);
    cli_payload_free(&o.pl);
    return rc;
}

static int gas_handle(int argc, char **argv) { return gas_msg(argc, argv, false); }
static int gas_reply(int argc, char **argv) { return gas_msg(argc, argv, true); }

static const cli_cmd gas_cmds[] = {
    {"init", gas_init, "an init: of a .wasm file (upload) or a code id (create)"},
    {"handle", gas_handle, "a message to a program"},
    {"reply", gas_reply, "a reply to a message in the account's mailbox"},
};

int cli_gas(int argc, char **argv)
{
    return cli_dispatch("gearbox gas", gas_cmds, COUNT(gas_cmds), argc - 1,
                        argv + 1);
}
