/*
 * The commands that talk to a running node over its JSON-RPC (node/rpc.h):
 *
 *   upload FILE.wasm [--init PAYLOAD] [--salt PAYLOAD] [--gas N] [--value V]
 *          [--wait] [--timeout S]
 *   send PROGRAM PAYLOAD [--gas N] [--value V] [--wait] [--timeout S]
 *   mailbox [ACCOUNT]
 *   balance [ACCOUNT]
 *   block [N]
 *
 * All take --node URL (default http://127.0.0.1:9944, this machine only),
 * --account NAME|KEYFILE (default alice: whose key signs, or whose mailbox
 * and balance), --json and --help.  Transactions are signed here with the
 * account's key (gb_tx_encode, for the "dev" chain) at the nonce the node
 * reports (system_accountNonce), and submitted with gear_submitTransaction
 * (client_util.c).  Without --gas, the gas limit is the node's estimate
 * plus a quarter (cli_default_gas).  The other node commands are in
 * client_msg.c.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "cli/client.h"
#include "node/tx.h"
#include "util/u128.h"

/* ---- upload ------------------------------------------------------------ */

static int upload_body(int argc, char **argv, cli_copts *op)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox upload FILE.wasm [OPTIONS]\n\n"
               "Upload a program to a running node: its code and the program, whose\n"
               "init runs in the next block.  Prints the program id; with --wait, waits\n"
               "for the init's reply.\n\n"
               "options:\n"
               "  --init PAYLOAD          the init payload (default empty)\n"
               "  --salt PAYLOAD          the salt of the program id (default random)\n"
               "  --gas N                 gas limit of the init (default: the node's\n"
               "                          estimate + 25%%, or %llu when it cannot\n"
               "                          estimate)\n"
               "  --value V               value sent to the program (default 0)\n"
               "  --wait                  wait for the init's reply\n"
               "  --timeout S             give up waiting after S seconds (default 30)\n"
               "%s%s"
               "payloads: 0x... hex, or text.\n"
               "exit status: 0; 3 when --wait gets an error reply; 1 when the node\n"
               "fails or refuses; 2 for bad usage.\n",
               CLI_DEFAULT_GAS, cli_codec_help, cli_common_help);
        return 0;
    }
    cli_copts *o = op;
    int rc = cli_client_parse(argc, argv, CLI_O_GAS | CLI_O_VALUE | CLI_O_INIT |
                              CLI_O_SALT | CLI_O_WAIT | CLI_O_CODEC, 1, o);
    if (rc)
        return rc;
    if (o->npos != 1) {
        fprintf(stderr, "error: name the .wasm file to upload (see 'gearbox "
                        "upload --help')\n");
        return 2;
    }
    uint8_t *code, *init = NULL, *salt = NULL;
    uint32_t init_len = 0, salt_len = 0;
    size_t code_len;
    char src[67];
    if (cli_read_file(o->pos[0], &code, &code_len)) {
        fprintf(stderr, "error: cannot read %s: %s\n", o->pos[0],
                strerror(errno));
        return 1;
    }
    rc = 2;
    if (o->init && !cli_client_payload(o, "--init", o->init, true, &init,
                                       &init_len))
        goto out;
    if (!cli_program_salt(o->salt, &salt, &salt_len))
        goto out;
    if (!cli_account_id(o->account, src))
        goto out;
    gb_tx_body body = {.kind = GB_TXW_UPLOAD_PROGRAM, .code = code,
                       .code_len = (uint32_t)code_len, .salt = salt,
                       .salt_len = salt_len, .payload = init,
                       .payload_len = init_len, .value = o->value};
    char value[40];
    gb_u128_to_dec(o->value, value);
    bool est;
    rc = 1;
    if (!cli_default_gas(o, "gearbox_calculateInitUploadGas",
                         json_pack("{s:s,s:o,s:o,s:s,s:o}", "source", src,
                                   "code", cli_hex_json(code, code_len),
                                   "payload", cli_hex_json(init, init_len),
                                   "value", value, "salt",
                                   cli_hex_json(salt, salt_len)),
                         true, &body.gas_limit, &est, &rc))
        goto out;
    rc = cli_submit_report(o, &body, est, cli_program_head);
out:
    free(code);
    free(init);
    free(salt);
    return rc;
}

int cli_upload(int argc, char **argv)
{
    cli_copts o = {0};
    int rc = upload_body(argc, argv, &o);
    cli_payload_free(&o.pl);
    return rc;
}

/* ---- send -------------------------------------------------------------- */

static void message_head(json_t *res)
{
    printf("message     %s\n", cli_str(res, "messageId"));
}

static int send_body(int argc, char **argv, cli_copts *op)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox send PROGRAM PAYLOAD [OPTIONS]\n\n"
               "Send a message to a program (0x and 64 hex digits) on a running node.\n"
               "Prints the message id; with --wait, waits for the reply and prints its\n"
               "code and payload.\n\n"
               "options:\n"
               "  --gas N                 gas limit (default: the node's estimate + 25%%,\n"
               "                          or %llu when it cannot estimate)\n"
               "  --value V               value sent with the message (default 0)\n"
               "  --wait                  wait for the reply (polls the node's events)\n"
               "  --timeout S             give up waiting after S seconds (default 30)\n"
               "  --sign-only             print the signed transaction (0x...) instead of\n"
               "                          sending it, for gear_submitTransaction later or\n"
               "                          on another node of the chain (its nonce is the\n"
               "                          account's next on this node)\n"
               "%s%s"
               "payloads: 0x... hex, or text.\n"
               "exit status: 0; 3 when --wait gets an error reply; 1 when the node\n"
               "fails or refuses; 2 for bad usage.\n",
               CLI_DEFAULT_GAS, cli_codec_help, cli_common_help);
        return 0;
    }
    cli_copts *o = op;
    int rc = cli_client_parse(argc, argv, CLI_O_GAS | CLI_O_VALUE | CLI_O_WAIT |
                              CLI_O_CODEC | CLI_O_SIGN, 2, o);
    if (rc)
        return rc;
    if (o->sign_only && o->wait) {
        fprintf(stderr, "error: --sign-only sends nothing: there is no reply "
                        "to --wait for\n");
        return 2;
    }
    if (o->npos != 2) {
        fprintf(stderr, "error: give the program id and the payload: gearbox "
                        "send PROGRAM PAYLOAD (see 'gearbox send --help')\n");
        return 2;
    }
    gb_tx_body body = {.kind = GB_TXW_SEND_MESSAGE, .value = o->value};
    if (gb_id_from_hex(o->pos[0], &body.target)) {
        fprintf(stderr, "error: '%s' is not a program id: give 0x and 64 hex "
                        "digits, as printed by 'gearbox upload'\n", o->pos[0]);
        return 2;
    }
    return cli_send_payload(o, &body, o->pos[0], o->pos[1],
                            "gearbox_calculateHandleGas", "destination", true,
                            message_head);
}

int cli_send(int argc, char **argv)
{
    cli_copts o = {0};
    int rc = send_body(argc, argv, &o);
    cli_payload_free(&o.pl);
    return rc;
}

/* ---- mailbox, balance, block ------------------------------------------- */

int cli_mailbox(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox mailbox [ACCOUNT] [OPTIONS]\n\n"
               "The messages waiting in an account's mailbox on a running node (a dev\n"
               "account name, 0x and 64 hex digits, or a key file; default --account).\n\n"
               "options:\n%s", cli_common_help);
        return 0;
    }
    cli_copts o = {0};
    int rc = cli_client_parse(argc, argv, 0, 1, &o);
    if (rc)
        return rc;
    char id[67];
    if (!cli_account_id(o.npos ? o.pos[0] : o.account, id))
        return 2;
    json_t *res = cli_rpc(&o, "gear_mailbox", json_pack("[s]", id), &rc);
    if (!res)
        return rc;
    if (o.json) {
        cli_print_json(res);
    } else {
        size_t n = json_array_size(res), i;
        json_t *m;
        printf("mailbox of %s: %zu message%s\n", id, n, n == 1 ? "" : "s");
        json_array_foreach(res, i, m) {
            printf("%s\n  from      %s\n", cli_str(m, "id"), cli_str(m, "source"));
            if (json_is_true(json_object_get(m, "isReply")))
                printf("  reply to  %s (code %s)\n", cli_str(m, "replyTo"),
                       cli_str(m, "replyCode"));
            cli_print_payload("payload", cli_str(m, "payload"));
            printf("  value     %s\n  expires   block %lld\n", cli_str(m, "value"),
                   (long long)json_integer_value(
                       json_object_get(m, "expiresAt")));
        }
    }
    json_decref(res);
    return 0;
}

int cli_balance(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox balance [ACCOUNT] [OPTIONS]\n\n"
               "An account's balance on a running node (a dev account name, 0x and\n"
               "64 hex digits, or a key file; default --account).\n\n"
               "options:\n%s", cli_common_help);
        return 0;
    }
    cli_copts o = {0};
    int rc = cli_client_parse(argc, argv, 0, 1, &o);
    if (rc)
        return rc;
    char id[67];
    if (!cli_account_id(o.npos ? o.pos[0] : o.account, id))
        return 2;
    json_t *res = cli_rpc(&o, "gear_balance", json_pack("[s]", id), &rc);
    if (!res)
        return rc;
    if (o.json) {
        json_object_set_new(res, "account", json_string(id));
        cli_print_json(res);
    } else {
        printf("%s\n", cli_str(res, "balance"));
    }
    json_decref(res);
    return 0;
}

int cli_block(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox block [N] [OPTIONS]\n\n"
               "The head of a running node's chain, or its block N with the block's\n"
               "events (events only for the recent blocks the node keeps; older blocks\n"
               "come from its store, without them).\n\n"
               "options:\n"
               "  --node URL              the node (default " CLI_DEFAULT_NODE ")\n"
               "  --json                  print JSON, for scripts\n");
        return 0;
    }
    cli_copts o = {0};
    int rc = cli_client_parse(argc, argv, 0, 1, &o);
    if (rc)
        return rc;
    json_t *res;
    if (!o.npos) {
        res = cli_rpc(&o, "chain_getHead", json_array(), &rc);
        if (!res)
            return rc;
        if (o.json) {
            cli_print_json(res);
        } else {
            printf("head        %lld\n  hash      %s\n  time      %lld\n"
                   "  state     %s\n",
                   (long long)json_integer_value(json_object_get(res, "height")),
                   json_is_string(json_object_get(res, "hash"))
                       ? cli_str(res, "hash") : "(unknown)",
                   (long long)json_integer_value(
                       json_object_get(res, "timestamp")),
                   cli_str(res, "stateRoot"));
        }
        json_decref(res);
        return 0;
    }
    uint64_t h;
    if (!cli_opt_u64("the block number", o.pos[0], &h))
        return 2;
    res = cli_rpc(&o, "gearbox_getBlock", json_pack("[I]", (json_int_t)h), &rc);
    if (!res)
        return rc;
    bool kept = !json_is_false(json_object_get(res, "eventsKept"));
    json_t *evs = json_array();
    size_t i;
    json_t *ev;
    if (kept) {
        json_t *evr = cli_rpc(&o, "chain_getEvents",
                              json_pack("[I,i]", (json_int_t)h, 1), &rc);
        if (!evr) {
            json_decref(evs);
            json_decref(res);
            return rc;
        }
        json_array_foreach(json_object_get(evr, "events"), i, ev)
            if ((uint64_t)json_integer_value(json_object_get(ev, "height")) == h)
                json_array_append(evs, ev);
        json_decref(evr);
    }
    if (o.json) {
        if (kept)
            json_object_set(res, "events", evs);
        cli_print_json(res);
    } else {
        printf("block       %llu\n  hash      %s\n  time      %lld\n"
               "  state     %s\n  dispatched %lld, gas used %lld",
               (unsigned long long)h, cli_str(res, "hash"),
               (long long)json_integer_value(json_object_get(res, "timestamp")),
               cli_str(res, "stateRoot"),
               (long long)json_integer_value(json_object_get(res, "dispatched")),
               (long long)json_integer_value(json_object_get(res, "gasUsed")));
        if (kept)
            printf(", queued left %lld\n",
                   (long long)json_integer_value(
                       json_object_get(res, "queuedLeft")));
        else
            printf("\n  events    not kept (an older block, from the node's "
                   "store)\n");
        json_array_foreach(evs, i, ev) {
            printf("  event     %-15s %s", cli_str(ev, "kind"), cli_str(ev, "id"));
            if (json_object_get(ev, "outcome"))
                printf(" %s", cli_str(ev, "outcome"));
            if (json_object_get(ev, "replyCode"))
                printf(" reply %s", cli_str(ev, "replyCode"));
            printf("\n");
        }
    }
    json_decref(evs);
    json_decref(res);
    return 0;
}

/* ---- fund ----------------------------------------------------------------- */

int cli_fund(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox fund ACCOUNT AMOUNT [OPTIONS]\n\n"
               "Give an account AMOUNT more value on a dev node (gearbox node --dev),\n"
               "so a fresh key can pay for its messages: the node's dev_setBalance\n"
               "sets its balance to what it has plus AMOUNT (decimal; 1 VARA is\n"
               "10^12).  ACCOUNT: a dev account name, 0x and 64 hex digits, an SS58\n"
               "address or a key file.  Prints the new balance.\n\n"
               "options:\n%s", cli_common_help);
        return 0;
    }
    cli_copts o = {0};
    int rc = cli_client_parse(argc, argv, 0, 2, &o);
    if (rc)
        return rc;
    gb_u128 amount, have, sum;
    char id[67];
    if (o.npos != 2) {
        fprintf(stderr, "error: give the account and the amount: gearbox fund "
                        "ACCOUNT AMOUNT\n");
        return 2;
    }
    if (!cli_account_id(o.pos[0], id))
        return 2;
    if (!gb_u128_parse(o.pos[1], &amount)) {
        fprintf(stderr, "error: '%s' is not a decimal amount (0 to 2^128-1)\n",
                o.pos[1]);
        return 2;
    }
    json_t *res = cli_rpc(&o, "gear_balance", json_pack("[s]", id), &rc);
    if (!res)
        return rc;
    bool ok = gb_u128_parse(cli_str(res, "balance"), &have);
    json_decref(res);
    if (!ok) {
        fprintf(stderr, "error: the node's balance of %s is not a number\n", id);
        return 1;
    }
    sum = have;
    if (!gb_u128_add_to(&sum, amount)) {
        fprintf(stderr, "error: the balance would exceed 2^128-1\n");
        return 2;
    }
    char total[40];
    gb_u128_to_dec(sum, total);
    int code;
    char msg[600];
    res = cli_rpc_quiet(&o, "dev_setBalance", json_pack("[s,s]", id, total),
                        &rc, &code, msg, sizeof msg);
    if (!res) {
        if (code == -32601) /* method not found */
            fprintf(stderr, "error: the node at %s has no dev_setBalance: fund "
                            "works on a dev node (gearbox node --dev)\n",
                    o.node);
        else if (code)
            fprintf(stderr, "error: the node refused dev_setBalance: %s (code "
                            "%d)\n", msg, code);
        return rc;
    }
    json_decref(res);
    if (o.json) {
        json_t *j = json_pack("{s:s,s:s,s:s}", "account", id, "added",
                              o.pos[1], "balance", total);
        cli_print_json(j);
        json_decref(j);
    } else {
        printf("%s\n  balance   %s\n", id, total);
    }
    return 0;
}
