/*
 * The dev node's controls from the command line (docs/devnode.md): each a
 * call of one dev_* method (node/rpc.h, rpc_dev.c) on a node started with
 * --dev.
 *
 *   gearbox mine [N] [--interval MS]        dev_mine: N blocks now
 *   gearbox dev mining [auto|manual|interval MS]
 *   gearbox dev time TIMESTAMP_MS           the next block's timestamp
 *   gearbox dev advance MS                  later blocks MS further on
 *   gearbox dev balance ACCOUNT AMOUNT      set a balance
 *   gearbox dev impersonate ACCOUNT         act as ACCOUNT without its key
 *   gearbox dev unimpersonate ACCOUNT
 *   gearbox dev snapshot                    prints the snapshot's id
 *   gearbox dev revert ID
 *   gearbox dev send --as ACCOUNT PROGRAM PAYLOAD [--gas N] [--value V]
 *   gearbox dev reply --as ACCOUNT MESSAGE PAYLOAD [--gas N] [--value V]
 *   gearbox dev claim --as ACCOUNT MESSAGE
 *
 * All take --node URL and --json (client.h).  ACCOUNT: a dev account name,
 * 0x + 64 hex, an SS58 address, sr:alice ...; --as takes any account the
 * node impersonates, or a dev account name (then the node signs).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "cli/client.h"
#include "node/keys.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Take "--name VALUE" out of argv (*argc shrinks): its value, or NULL
 * when absent; *bad when the value is missing. */
static const char *take_opt(int *argc, char **argv, const char *name,
                            bool *bad)
{
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], name))
            continue;
        if (i + 1 >= *argc) {
            fprintf(stderr, "error: %s needs a value\n", name);
            *bad = true;
            return NULL;
        }
        const char *v = argv[i + 1];
        memmove(argv + i, argv + i + 2, (size_t)(*argc - i - 2) * sizeof *argv);
        *argc -= 2;
        return v;
    }
    return NULL;
}

/* Print res (--json), or line when not NULL; then free res.  0. */
static int done(const cli_copts *o, json_t *res, const char *line)
{
    if (o->json)
        cli_print_json(res);
    else if (line)
        printf("%s\n", line);
    json_decref(res);
    return 0;
}

static int usage_err(const char *what)
{
    fprintf(stderr, "error: %s (see 'gearbox dev --help')\n", what);
    return 2;
}

/* ---- gearbox mine ------------------------------------------------------ */

int cli_mine(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: gearbox mine [N] [OPTIONS]\n\n"
               "Make N blocks (default 1) on a dev node now, whatever its mining\n"
               "mode, and print their heights and hashes.\n\n"
               "options:\n"
               "  --interval MS           each block's timestamp MS after its\n"
               "                          parent's (default: the node's clock)\n"
               "  --node URL              the node (default " CLI_DEFAULT_NODE ")\n"
               "  --json                  print JSON, for scripts\n");
        return 0;
    }
    bool bad = false;
    const char *iv = take_opt(&argc, argv, "--interval", &bad);
    cli_copts o = {0};
    int rc = bad ? 2 : cli_client_parse(argc, argv, 0, 1, &o);
    if (rc)
        return rc;
    uint64_t n = 1, ms = 0;
    if (o.npos && !cli_opt_u64("N", o.pos[0], &n))
        return 2;
    if (iv && !cli_opt_u64("--interval", iv, &ms))
        return 2;
    json_t *res = cli_rpc(&o, "dev_mine",
                          json_pack("{s:I,s:I}", "blocks", (json_int_t)n,
                                    "intervalMs", (json_int_t)ms),
                          &rc);
    if (!res)
        return rc;
    if (!o.json) {
        json_t *b;
        size_t i;
        json_array_foreach(json_object_get(res, "blocks"), i, b)
            printf("%lld %s\n",
                   (long long)json_integer_value(json_object_get(b, "height")),
                   cli_str(b, "hash"));
    }
    return done(&o, res, NULL);
}

/* ---- gearbox dev ... ----------------------------------------------------- */

static int dev_mining(int argc, char **argv)
{
    cli_copts o = {0};
    int rc = cli_client_parse(argc, argv, 0, 2, &o);
    if (rc)
        return rc;
    json_t *res;
    if (!o.npos) {
        res = cli_rpc(&o, "dev_getMining", json_array(), &rc);
    } else {
        uint64_t ms = 0;
        if (o.npos == 2 && !cli_opt_u64("MS", o.pos[1], &ms))
            return 2;
        if (!strcmp(o.pos[0], "interval") && o.npos != 2)
            return usage_err("interval needs MS");
        res = cli_rpc(&o, "dev_setMining",
                      json_pack("[s,I]", o.pos[0], (json_int_t)ms), &rc);
    }
    if (!res)
        return rc;
    char line[96];
    snprintf(line, sizeof line, "%s (interval %lld ms)",
             cli_str(res, "mode"),
             (long long)json_integer_value(json_object_get(res, "intervalMs")));
    return done(&o, res, line);
}

/* The methods of one numeric argument answering {nextTimestamp}. */
static int dev_time_call(int argc, char **argv, const char *method,
                         const char *what)
{
    cli_copts o = {0};
    int rc = cli_client_parse(argc, argv, 0, 1, &o);
    if (rc)
        return rc;
    uint64_t v;
    if (o.npos != 1)
        return usage_err(what);
    if (!cli_opt_u64(what, o.pos[0], &v))
        return 2;
    json_t *res = cli_rpc(&o, method, json_pack("[I]", (json_int_t)v), &rc);
    if (!res)
        return rc;
    char line[64];
    snprintf(line, sizeof line, "next block at %lld",
             (long long)json_integer_value(
                 json_object_get(res, "nextTimestamp")));
    return done(&o, res, line);
}

static int dev_time(int argc, char **argv)
{
    return dev_time_call(argc, argv, "dev_setTime",
                         "name the next block's timestamp (ms since the "
                         "epoch)");
}

static int dev_advance(int argc, char **argv)
{
    return dev_time_call(argc, argv, "dev_advanceTime",
                         "name the milliseconds to move on");
}

static int dev_balance(int argc, char **argv)
{
    cli_copts o = {0};
    int rc = cli_client_parse(argc, argv, 0, 2, &o);
    if (rc)
        return rc;
    char id[67];
    gb_u128 amount;
    if (o.npos != 2)
        return usage_err("name the account and the amount");
    if (!cli_account_id(o.pos[0], id))
        return 2;
    if (!gb_u128_parse(o.pos[1], &amount))
        return usage_err("the amount is a decimal number");
    json_t *res = cli_rpc(&o, "dev_setBalance", json_pack("[s,s]", id, o.pos[1]),
                          &rc);
    if (!res)
        return rc;
    char line[160];
    snprintf(line, sizeof line, "%s (was %s)", cli_str(res, "balance"),
             cli_str(res, "previous"));
    return done(&o, res, line);
}

static int dev_account_call(int argc, char **argv, const char *method)
{
    cli_copts o = {0};
    int rc = cli_client_parse(argc, argv, 0, 1, &o);
    if (rc)
        return rc;
    char id[67];
    if (o.npos != 1)
        return usage_err("name the account");
    if (!cli_account_id(o.pos[0], id))
        return 2;
    json_t *res = cli_rpc(&o, method, json_pack("[s]", id), &rc);
    if (!res)
        return rc;
    return done(&o, res, json_is_true(res) ? id : "(was not impersonated)");
}

static int dev_impersonate(int argc, char **argv)
{
    return dev_account_call(argc, argv, "dev_impersonate");
}

static int dev_unimpersonate(int argc, char **argv)
{
    return dev_account_call(argc, argv, "dev_stopImpersonating");
}

static int dev_snapshot(int argc, char **argv)
{
    cli_copts o = {0};
    int rc = cli_client_parse(argc, argv, 0, 0, &o);
    if (rc)
        return rc;
    json_t *res = cli_rpc(&o, "dev_snapshot", json_array(), &rc);
    if (!res)
        return rc;
    char line[32];
    snprintf(line, sizeof line, "%lld", (long long)json_integer_value(res));
    return done(&o, res, line);
}

static int dev_revert(int argc, char **argv)
{
    cli_copts o = {0};
    int rc = cli_client_parse(argc, argv, 0, 1, &o);
    if (rc)
        return rc;
    uint64_t id;
    if (o.npos != 1)
        return usage_err("name the snapshot id");
    if (!cli_opt_u64("ID", o.pos[0], &id))
        return 2;
    json_t *res = cli_rpc(&o, "dev_revert", json_pack("[I]", (json_int_t)id),
                          &rc);
    if (!res)
        return rc;
    char line[128];
    snprintf(line, sizeof line, "head %lld %s",
             (long long)json_integer_value(json_object_get(res, "height")),
             cli_str(res, "hash"));
    return done(&o, res, line);
}

/* send, reply, claim --as ACCOUNT: npay = whether a payload follows the
 * target. */
static int dev_as_call(int argc, char **argv, const char *method, bool npay)
{
    bool bad = false;
    const char *as = take_opt(&argc, argv, "--as", &bad);
    cli_copts o = {0};
    int rc = bad ? 2
                 : cli_client_parse(argc, argv,
                                    npay ? CLI_O_GAS | CLI_O_VALUE : 0,
                                    npay ? 2 : 1, &o);
    if (rc)
        return rc;
    if (!as)
        return usage_err("--as ACCOUNT is required");
    if (o.npos != (npay ? 2 : 1))
        return usage_err(npay ? "name the target and the payload"
                              : "name the mailbox message");
    char from[67], target[67];
    /* a dev name stays a name: the node signs with its key */
    uint32_t idx;
    if (gb_dev_lookup(as, &idx))
        snprintf(from, sizeof from, "%s", as);
    else if (!cli_account_id(as, from))
        return 2;
    if (!cli_account_id(o.pos[0], target))
        return 2;
    json_t *params = json_object();
    json_object_set_new(params, "from", json_string(from));
    json_object_set_new(params, npay && !strcmp(method, "dev_sendMessage")
                                    ? "destination"
                                    : "messageId",
                        json_string(target));
    if (npay) {
        uint8_t *p;
        uint32_t plen;
        if (!cli_parse_payload("PAYLOAD", o.pos[1], &p, &plen)) {
            json_decref(params);
            return 2;
        }
        json_object_set_new(params, "payload", cli_hex_json(p, plen));
        free(p);
        json_object_set_new(params, "gasLimit", json_integer((json_int_t)o.gas));
        char v[40];
        gb_u128_to_dec(o.value, v);
        json_object_set_new(params, "value", json_string(v));
    }
    json_t *res = cli_rpc(&o, method, params, &rc);
    if (!res)
        return rc;
    const char *mid = cli_str(res, "messageId");
    return done(&o, res, *mid ? mid : "ok");
}

static int dev_send(int argc, char **argv)
{
    return dev_as_call(argc, argv, "dev_sendMessage", true);
}

static int dev_reply(int argc, char **argv)
{
    return dev_as_call(argc, argv, "dev_sendReply", true);
}

static int dev_claim(int argc, char **argv)
{
    return dev_as_call(argc, argv, "dev_claimValue", false);
}

static const cli_cmd dev_cmds[] = {
    {"mining", dev_mining, "show or set the mining mode: auto, manual, interval MS"},
    {"time", dev_time, "the next block's timestamp, ms since the epoch"},
    {"advance", dev_advance, "move later blocks' timestamps MS on"},
    {"balance", dev_balance, "set an account's or program's balance"},
    {"impersonate", dev_impersonate, "act as an account without its key"},
    {"unimpersonate", dev_unimpersonate, "stop impersonating an account"},
    {"snapshot", dev_snapshot, "snapshot the whole chain; prints its id"},
    {"revert", dev_revert, "go back to a snapshot (consumes it and later ones)"},
    {"send", dev_send, "send a message --as an impersonated account"},
    {"reply", dev_reply, "reply to a mailbox message --as an account"},
    {"claim", dev_claim, "claim a mailbox message's value --as an account"},
};

static const char dev_usage[] =
    "usage: gearbox dev COMMAND [ARGS] [--node URL] [--json]\n\n"
    "The controls of a node started with --dev (docs/devnode.md):\n"
    "  gearbox dev mining [auto|manual|interval MS]\n"
    "  gearbox dev time TIMESTAMP_MS          the next block's timestamp\n"
    "  gearbox dev advance MS                 later blocks MS further on\n"
    "  gearbox dev balance ACCOUNT AMOUNT     set a balance (user or program)\n"
    "  gearbox dev impersonate ACCOUNT        act as ACCOUNT without its key\n"
    "  gearbox dev unimpersonate ACCOUNT\n"
    "  gearbox dev snapshot                   prints the snapshot's id\n"
    "  gearbox dev revert ID                  back to it (consumes it and the\n"
    "                                         later ones)\n"
    "  gearbox dev send --as ACCOUNT PROGRAM PAYLOAD [--gas N] [--value V]\n"
    "  gearbox dev reply --as ACCOUNT MESSAGE PAYLOAD [--gas N] [--value V]\n"
    "  gearbox dev claim --as ACCOUNT MESSAGE\n"
    "and 'gearbox mine [N]'.  ACCOUNT: a dev account name, 0x + 64 hex, an\n"
    "SS58 address, sr:alice ... sr:ferdie.\n";

int cli_dev(int argc, char **argv)
{
    if (argc > 2 && cli_wants_help(argc - 1, argv + 1)) {
        printf("%s", dev_usage);
        return 0;
    }
    return cli_dispatch("gearbox dev", dev_cmds, COUNT(dev_cmds), argc - 1,
                        argv + 1);
}
