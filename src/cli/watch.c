/*
 * `gearbox watch [--node URL] [--program ID] [--account ID] [--blocks]
 * [--json] [--count N] [--idl FILE]`: stream what a running node's blocks do, over a
 * WebSocket to the node's RPC port (ws_client.h): gear_subscribeEvents
 * with the filters, and with --blocks also gearbox_subscribeNewHeads
 * (node/rpc.h lists both).  One line per notification, human or JSON;
 * "watching ..." goes to stderr once the node has accepted the
 * subscriptions, so a script can wait for it before acting.  With --idl,
 * messages to the zero address (how a Sails program emits its events)
 * are decoded as the IDL's events.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "cli/client.h"
#include "cli/sails.h"
#include "util/hex.h"
#include "cli/ws_client.h"

#define DEFAULT_NODE "http://127.0.0.1:9944"
#define CONNECT_TIMEOUT_S 10
#define ANSWER_TIMEOUT_MS 10000

typedef struct wopts {
    const char *node, *program, *account, *idl_path;
    cli_idl *idl; /* --idl's, loaded by parse; freed by cli_watch */
    bool blocks, json;
    uint64_t count; /* 0: no limit */
} wopts;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gearbox watch [OPTIONS]\n\n"
            "Stream what a running node's blocks do, as they happen: its "
            "events\n"
            "(CodeUploaded, ProgramCreated, MessageQueued, Dispatched,\n"
            "UserMessageSent, ...), one line each, until Ctrl-C or --count.\n"
            "Uses a WebSocket to the node's RPC port (gear_subscribeEvents,\n"
            "gearbox_subscribeNewHeads).\n\n"
            "options:\n"
            "  --node URL      the node (default " DEFAULT_NODE ")\n"
            "  --program ID    only events concerning this program (as "
            "source,\n"
            "                  destination or id)\n"
            "  --account ID    only events concerning this account: a dev "
            "name\n"
            "                  (alice ... harry), 0x and 64 hex digits, or a "
            "key file\n"
            "  --blocks        also a line per block (height, hash, "
            "dispatches, gas)\n"
            "  --json          one JSON object per line: the notification's "
            "result\n"
            "                  with \"type\": \"event\" or \"block\"\n"
            "  --count N       exit after N lines\n"
            "  --idl FILE      decode Sails events (messages to the zero "
            "address)\n"
            "                  with this IDL: \"event\": {service, event, "
            "data}\n"
            "  --help          this help\n");
}

static int parse(int argc, char **argv, wopts *o)
{
    /* the node from gearbox.toml or GEARBOX_NODE, as the other commands */
    cli_copts defaults = {0};
    char err[600];
    if (!cli_config_defaults(&defaults, err, sizeof err)) {
        fprintf(stderr, "error: %s\n", err);
        return 2;
    }
    o->node = defaults.node;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) {
            o->json = true;
        } else if (!strcmp(a, "--blocks")) {
            o->blocks = true;
        } else if (!strcmp(a, "--count")) {
            if (!cli_opt_u64(a, v, &o->count))
                return 2;
            if (!o->count) {
                fprintf(stderr, "error: --count needs a number above 0\n");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--node") || !strcmp(a, "--program") ||
                   !strcmp(a, "--account") || !strcmp(a, "--idl")) {
            if (!v) {
                fprintf(stderr, "error: %s needs a value (see 'gearbox watch "
                                "--help')\n", a);
                return 2;
            }
            i++;
            if (a[2] == 'n')
                o->node = v;
            else if (a[2] == 'p')
                o->program = v;
            else if (a[2] == 'i')
                o->idl_path = v;
            else
                o->account = v;
        } else {
            fprintf(stderr, "error: %s '%s' for 'gearbox watch' (see "
                            "'gearbox watch --help')\n",
                    a[0] == '-' ? "unknown option" : "unexpected argument",
                    a);
            return 2;
        }
    }
    if (o->idl_path && !(o->idl = cli_idl_load(o->idl_path, err, sizeof err))) {
        fprintf(stderr, "error: %s\n", err);
        return 2;
    }
    return 0;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* "0x07df2c..92a7" for an id */
static const char *short_id(const char *hex, char out[16])
{
    size_t n = strlen(hex);
    if (n <= 14)
        return hex;
    snprintf(out, 16, "%.8s..%s", hex, hex + n - 4);
    return out;
}

static bool is_zero_id(const char *hex)
{
    if (strncmp(hex, "0x", 2))
        return false;
    for (const char *p = hex + 2; *p; p++)
        if (*p != '0')
            return false;
    return true;
}

/* The payload as text when it is printable: "PONG". */
static void print_text(const char *hex)
{
    size_t n = strlen(hex);
    if (n <= 2 || n % 2 || n > 2 + 2 * 64)
        return;
    char text[65];
    size_t k = 0;
    for (size_t i = 2; i + 1 < n; i += 2) {
        unsigned v;
        if (sscanf(hex + i, "%2x", &v) != 1 || !isprint((int)v))
            return;
        text[k++] = (char)v;
    }
    text[k] = 0;
    printf(" \"%s\"", text);
}

/* The Sails event a UserMessageSent to the zero address carries, decoded
 * with the IDL: a new reference, or NULL (not an event of the IDL). */
static json_t *sails_event(const cli_idl *idl, json_t *ev)
{
    if (!idl || strcmp(str(ev, "kind"), "UserMessageSent") ||
        !is_zero_id(str(ev, "destination")))
        return NULL;
    const char *hex = str(ev, "payload");
    size_t max = strlen(hex) / 2, n = 0;
    uint8_t *p = malloc(max ? max : 1);
    json_t *r = p && !gb_hex_decode(hex, p, max, &n)
                    ? cli_idl_decode_event(idl, p, n)
                    : NULL;
    free(p);
    return r;
}

static void print_event(json_t *ev, const cli_idl *idl)
{
    char a[16], b[16], c[16];
    const char *kind = str(ev, "kind");
    printf("#%-6lld %-16s %s", (long long)json_integer_value(
                                   json_object_get(ev, "height")),
           kind, short_id(str(ev, "id"), a));
    const char *src = str(ev, "source"), *dst = str(ev, "destination");
    if (!is_zero_id(src) || !is_zero_id(dst))
        printf("  %s -> %s", short_id(src, b), short_id(dst, c));
    if (!strcmp(kind, "Dispatched")) {
        printf("  %s, gas %lld", str(ev, "outcome"),
               (long long)json_integer_value(json_object_get(ev, "gasBurned")));
        if (*str(ev, "debug"))
            printf("  debug: %s", str(ev, "debug"));
    } else if (!strcmp(kind, "UserMessageSent")) {
        if (json_is_true(json_object_get(ev, "isReply")))
            printf("  reply to %s: %s %s", short_id(str(ev, "replyTo"), a),
                   str(ev, "replyCode"), str(ev, "replyCodeText"));
        const char *payload = str(ev, "payload");
        printf("  payload %s", strlen(payload) > 2 ? payload : "(empty)");
        print_text(payload);
        json_t *se = sails_event(idl, ev);
        char *t = se ? json_dumps(json_object_get(se, "data"),
                                  JSON_COMPACT | JSON_ENCODE_ANY)
                     : NULL;
        if (se)
            printf("  event %s/%s %s", str(se, "service"), str(se, "event"),
                   t ? t : "null");
        free(t);
        json_decref(se);
    }
    const char *value = str(ev, "value");
    if (*value && strcmp(value, "0"))
        printf("  value %s", value);
    printf("\n");
}

static void print_block(json_t *h)
{
    char a[16];
    printf("block %lld  %s  %lld dispatched, gas %lld, %lld events\n",
           (long long)json_integer_value(json_object_get(h, "height")),
           short_id(str(h, "hash"), a),
           (long long)json_integer_value(json_object_get(h, "dispatched")),
           (long long)json_integer_value(json_object_get(h, "gasUsed")),
           (long long)json_integer_value(json_object_get(h, "events")));
}

/* Send one request; false after printing why. */
static bool request(cli_ws *ws, int id, const char *method, json_t *params)
{
    json_t *req = json_pack("{s:s,s:i,s:s,s:o}", "jsonrpc", "2.0", "id", id,
                            "method", method, "params", params);
    char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    char err[512] = "";
    bool ok = text && !cli_ws_send(ws, text, strlen(text), err, sizeof err);
    if (!ok)
        fprintf(stderr, "error: %s\n", text ? err : "out of memory");
    free(text);
    return ok;
}

int cli_watch(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
    wopts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;

    char acct[67];
    char err[768] = "";
    cli_ws *ws = NULL;
    json_t *filter = NULL;
    if (o.account && !cli_account_id(o.account, acct)) {
        rc = 1;
        goto out;
    }
    rc = cli_ws_open(o.node, CONNECT_TIMEOUT_S, &ws, err, sizeof err);
    if (rc) {
        fprintf(stderr, "error: %s\n", err);
        if (strstr(err, "HTTP 404"))
            fprintf(stderr, "(a node without WebSocket subscriptions? "
                            "'gearbox block' still works over HTTP)\n");
        goto out;
    }
    /* id 1: events, id 2: heads, subscribed first so that a block's line
     * comes before its events (the node keeps that order) */
    filter = json_object();
    if (o.program)
        json_object_set_new(filter, "program", json_string(o.program));
    if (o.account)
        json_object_set_new(filter, "account", json_string(acct));
    rc = 1;
    if (o.blocks && !request(ws, 2, "gearbox_subscribeNewHeads", json_array())) {
        json_decref(filter);
        goto out;
    }
    if (!request(ws, 1, "gear_subscribeEvents", filter))
        goto out;

    json_int_t sub_events = -1, sub_heads = -1;
    int answers = o.blocks ? 2 : 1;
    uint64_t shown = 0;
    for (;;) {
        char *msg = NULL;
        size_t len = 0;
        if (cli_ws_recv(ws, answers ? ANSWER_TIMEOUT_MS : -1, &msg, &len, err,
                        sizeof err)) {
            fprintf(stderr, "error: %s\n", err);
            goto out;
        }
        json_t *j = json_loadb(msg, len, 0, NULL);
        free(msg);
        if (!json_is_object(j)) {
            json_decref(j);
            fprintf(stderr, "error: the node at %s sent something that is "
                            "not a JSON-RPC message\n", o.node);
            goto out;
        }
        json_t *id = json_object_get(j, "id");
        if (json_is_integer(id)) { /* an answer to a subscribe */
            json_t *er = json_object_get(j, "error");
            json_t *res = json_object_get(j, "result");
            if (er || !json_is_integer(res)) {
                fprintf(stderr, "error: the node refused %s: %s\n",
                        json_integer_value(id) == 1 ? "gear_subscribeEvents"
                                                    : "gearbox_subscribeNewHeads",
                        er ? str(er, "message") : "no subscription id");
                json_decref(j);
                goto out;
            }
            if (json_integer_value(id) == 1)
                sub_events = json_integer_value(res);
            else
                sub_heads = json_integer_value(res);
            if (--answers == 0) {
                fprintf(stderr, "watching %s: events%s%s%s%s%s (Ctrl-C to "
                                "stop)\n", o.node,
                        o.program ? " of program " : "",
                        o.program ? o.program : "",
                        o.account ? " of account " : "",
                        o.account ? o.account : "",
                        o.blocks ? ", and blocks" : "");
                fflush(stderr);
            }
            json_decref(j);
            continue;
        }
        json_t *params = json_object_get(j, "params");
        json_t *sub = json_object_get(params, "subscription");
        json_t *res = json_object_get(params, "result");
        bool is_event = json_is_integer(sub) &&
                        json_integer_value(sub) == sub_events;
        bool is_head = json_is_integer(sub) &&
                       json_integer_value(sub) == sub_heads;
        if (!json_is_object(res) || (!is_event && !is_head)) {
            json_decref(j);
            continue; /* not ours */
        }
        if (o.json) {
            json_t *line = json_deep_copy(res);
            json_object_set_new(line, "type",
                                json_string(is_event ? "event" : "block"));
            json_t *se = is_event ? sails_event(o.idl, res) : NULL;
            if (se)
                json_object_set_new(line, "event", se);
            char *text = json_dumps(line, JSON_COMPACT);
            if (text)
                printf("%s\n", text);
            free(text);
            json_decref(line);
        } else if (is_event) {
            print_event(res, o.idl);
        } else {
            print_block(res);
        }
        fflush(stdout);
        json_decref(j);
        if (o.count && ++shown == o.count) {
            rc = 0;
            goto out;
        }
    }
out:
    cli_ws_close(ws);
    cli_idl_free(o.idl);
    return rc;
}
