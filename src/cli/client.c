/*
 * The commands that talk to a running node over its JSON-RPC (node/rpc.h):
 *
 *   upload FILE.wasm [--init PAYLOAD] [--salt PAYLOAD] [--gas N] [--value V]
 *   send PROGRAM PAYLOAD [--gas N] [--value V] [--wait] [--timeout S]
 *   mailbox [ACCOUNT]
 *   balance [ACCOUNT]
 *   block [N]
 *
 * All take --node URL (default http://127.0.0.1:9944, this machine only),
 * --account NAME|KEYFILE (default alice: whose key signs, or whose mailbox
 * and balance), --json and --help.  Transactions are signed here with the
 * account's key (gb_tx_encode, for the "dev" chain) at the nonce the node
 * reports (system_accountNonce), and submitted with gear_submitTransaction.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "node/keys.h"
#include "node/tx.h"
#include "util/hex.h"
#include "util/u128.h"

#define DEFAULT_NODE "http://127.0.0.1:9944"
#define DEFAULT_GAS 10000000000ull
#define HTTP_TIMEOUT_S 30

typedef struct copts {
    const char *node, *account;
    bool json, wait;
    const char *init, *salt;
    uint64_t gas;
    gb_u128 value;
    uint64_t timeout;
    const char *pos[2];
    int npos;
} copts;

/* Which options a command takes. */
enum { O_TX = 1, O_UPLOAD = 2, O_WAIT = 4 };

static const char *const common_help =
    "  --node URL              the node (default " DEFAULT_NODE ")\n"
    "  --account NAME|KEYFILE  a dev account (alice ... harry) or a key file\n"
    "                          (see 'gearbox key'); default alice\n"
    "  --json                  print JSON, for scripts\n";

static int parse(int argc, char **argv, unsigned allow, int maxpos, copts *o)
{
    o->node = DEFAULT_NODE;
    o->account = "alice";
    o->gas = DEFAULT_GAS;
    o->timeout = 30;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) {
            o->json = true;
        } else if (!strcmp(a, "--node") || !strcmp(a, "--account") ||
                   ((allow & O_UPLOAD) &&
                    (!strcmp(a, "--init") || !strcmp(a, "--salt")))) {
            if (!v) {
                fprintf(stderr, "error: %s needs a value (see 'gearbox %s "
                                "--help')\n", a, argv[0]);
                return 2;
            }
            i++;
            if (a[2] == 'n')
                o->node = v;
            else if (a[2] == 'a')
                o->account = v;
            else if (a[2] == 'i')
                o->init = v;
            else
                o->salt = v;
        } else if ((allow & O_TX) && !strcmp(a, "--gas")) {
            if (!cli_opt_u64(a, v, &o->gas))
                return 2;
            i++;
        } else if ((allow & O_TX) && !strcmp(a, "--value")) {
            if (!v || !gb_u128_parse(v, &o->value)) {
                fprintf(stderr, "error: --value needs a decimal amount, e.g. "
                                "--value 1000\n");
                return 2;
            }
            i++;
        } else if ((allow & O_WAIT) && !strcmp(a, "--wait")) {
            o->wait = true;
        } else if ((allow & O_WAIT) && !strcmp(a, "--timeout")) {
            if (!cli_opt_u64(a, v, &o->timeout))
                return 2;
            i++;
        } else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
            fprintf(stderr, "error: unknown option '%s' for 'gearbox %s' (see "
                            "'gearbox %s --help')\n", a, argv[0], argv[0]);
            return 2;
        } else if (o->npos < maxpos) {
            o->pos[o->npos++] = a;
        } else {
            fprintf(stderr, "error: unexpected argument '%s' for 'gearbox %s' "
                            "(see 'gearbox %s --help')\n", a, argv[0], argv[0]);
            return 2;
        }
    }
    return 0;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i]))
            return true;
    return false;
}

static void print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    if (text)
        printf("%s\n", text);
    free(text);
}

/*
 * Call method with params (stolen) on the node.  The result (a new
 * reference), or NULL after printing an error; *rc gets the exit status.
 */
static json_t *rpc(const copts *o, const char *method, json_t *params,
                   int *rc)
{
    json_t *req = json_pack("{s:s,s:i,s:s,s:o}", "jsonrpc", "2.0", "id", 1,
                            "method", method, "params", params);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body) {
        fprintf(stderr, "error: out of memory\n");
        *rc = 1;
        return NULL;
    }
    int status = 0;
    char *resp = NULL, err[512] = "";
    size_t len = 0;
    int e = cli_http_post(o->node, "application/json", body, strlen(body),
                          HTTP_TIMEOUT_S, &status, &resp, &len, err,
                          sizeof err);
    free(body);
    if (e) {
        fprintf(stderr, "error: %s\n", err);
        *rc = e;
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(resp, len, 0, &je);
    if (!j || !json_is_object(j)) {
        fprintf(stderr, "error: the node at %s answered %s with HTTP %d and "
                        "no JSON-RPC response: %.200s\n",
                o->node, method, status, resp);
        free(resp);
        json_decref(j);
        *rc = 1;
        return NULL;
    }
    free(resp);
    json_t *er = json_object_get(j, "error");
    if (er) {
        fprintf(stderr, "error: the node refused %s: %s (code %lld)\n", method,
                json_string_value(json_object_get(er, "message"))
                    ? json_string_value(json_object_get(er, "message"))
                    : "no message",
                (long long)json_integer_value(json_object_get(er, "code")));
        json_decref(j);
        *rc = 1;
        return NULL;
    }
    json_t *res = json_object_get(j, "result");
    if (!res) {
        fprintf(stderr, "error: the node's answer to %s has no result\n",
                method);
        json_decref(j);
        *rc = 1;
        return NULL;
    }
    json_incref(res);
    json_decref(j);
    return res;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void bad_account(const char *spec, const char *detail)
{
    fprintf(stderr, "error: unknown account '%s': not a dev account (alice, "
                    "bob, charlie, dave, eve, ferdie, george, harry), an "
                    "account id (0x and 64 hex digits) or a readable key file "
                    "(%s)\n", spec, detail);
}

/* An account to look at: dev name, 0x id or key file -> "0x..." id. */
static bool account_id(const char *spec, char out[67])
{
    gb_id id;
    uint32_t dev;
    if (gb_dev_lookup(spec, &dev)) {
        gb_id_to_hex(gb_dev_account_id(dev), out);
        return true;
    }
    if (spec[0] == '0' && (spec[1] == 'x' || spec[1] == 'X') &&
        gb_id_from_hex(spec, &id) == GB_OK) {
        gb_id_to_hex(id, out);
        return true;
    }
    uint8_t seed[GB_KEY_SEED_LEN], pk[GB_KEY_PUBLIC_LEN], sk[GB_KEY_SECRET_LEN];
    char detail[512] = "";
    if (gb_key_resolve(spec, seed, NULL, detail, sizeof detail) != GB_OK) {
        bad_account(spec, detail);
        return false;
    }
    gb_key_from_seed(seed, pk, sk);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    gb_id_to_hex(gb_key_account_id(pk), out);
    return true;
}

/* 0x hex or text -> bytes (malloc'd). */
static bool parse_payload(const char *what, const char *s, uint8_t **out,
                          uint32_t *len)
{
    size_t n = strlen(s);
    *out = malloc(n + 1);
    if (!*out) {
        fprintf(stderr, "error: out of memory\n");
        return false;
    }
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        size_t got;
        if (gb_hex_decode(s, *out, n, &got)) {
            fprintf(stderr, "error: %s '%s' starts with 0x but is not hex: "
                            "give an even number of hex digits, or text "
                            "without the 0x\n", what, s);
            free(*out);
            *out = NULL;
            return false;
        }
        *len = (uint32_t)got;
        return true;
    }
    memcpy(*out, s, n);
    *len = (uint32_t)n;
    return true;
}

static bool printable_hex(const char *hex, char **text)
{
    *text = NULL;
    size_t n = strlen(hex);
    if (n <= 2)
        return false;
    uint8_t *b = malloc(n / 2 + 1);
    size_t got;
    if (!b || gb_hex_decode(hex, b, n / 2 + 1, &got)) {
        free(b);
        return false;
    }
    for (size_t i = 0; i < got; i++)
        if (!isprint(b[i]) && b[i] != '\n' && b[i] != '\t') {
            free(b);
            return false;
        }
    b[got] = 0;
    *text = (char *)b;
    return true;
}

/* "  payload     0x...  "text"" */
static void print_payload(const char *label, const char *hex)
{
    char *t;
    printf("  %-9s %s", label, hex);
    if (printable_hex(hex, &t))
        printf("  \"%s\"", t);
    free(t);
    printf("\n");
}

/* Sign body with the account's key at its next nonce and submit it. */
static json_t *submit(const copts *o, gb_tx_body *body, int *rc)
{
    uint8_t seed[GB_KEY_SEED_LEN], pk[GB_KEY_PUBLIC_LEN], sk[GB_KEY_SECRET_LEN];
    char detail[512] = "";
    if (gb_key_resolve(o->account, seed, NULL, detail, sizeof detail)) {
        bad_account(o->account, detail);
        *rc = 2;
        return NULL;
    }
    gb_key_from_seed(seed, pk, sk);
    sodium_memzero(seed, sizeof seed);
    char id[67];
    gb_id_to_hex(gb_key_account_id(pk), id);
    json_t *nv = rpc(o, "system_accountNonce", json_pack("[s]", id), rc);
    if (!nv) {
        sodium_memzero(sk, sizeof sk);
        return NULL;
    }
    uint64_t nonce = (uint64_t)json_integer_value(nv);
    json_decref(nv);
    uint8_t chain[GB_TX_CHAIN_ID_LEN];
    gb_tx_chain_id_from_name("dev", chain);
    uint8_t *tx = NULL;
    size_t len = 0;
    gb_err e = gb_tx_encode(chain, body, nonce, sk, &tx, &len, detail,
                            sizeof detail);
    sodium_memzero(sk, sizeof sk);
    if (e) {
        fprintf(stderr, "error: cannot sign the transaction: %s\n",
                detail[0] ? detail : gb_err_str(e));
        *rc = 1;
        return NULL;
    }
    char *hex = malloc(2 * len + 3);
    if (!hex) {
        free(tx);
        fprintf(stderr, "error: out of memory\n");
        *rc = 1;
        return NULL;
    }
    hex[0] = '0';
    hex[1] = 'x';
    gb_hex_encode(tx, len, hex + 2);
    free(tx);
    json_t *res = rpc(o, "gear_submitTransaction", json_pack("[s]", hex), rc);
    free(hex);
    return res;
}

/* ---- upload ------------------------------------------------------------ */

int cli_upload(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: gearbox upload FILE.wasm [OPTIONS]\n\n"
               "Upload a program to a running node: its code and the program, whose\n"
               "init runs in the next block.  Prints the program id.\n\n"
               "options:\n"
               "  --init PAYLOAD          the init payload (default empty)\n"
               "  --salt PAYLOAD          the salt of the program id (default random)\n"
               "  --gas N                 gas limit of the init (default %llu)\n"
               "  --value V               value sent to the program (default 0)\n"
               "%s"
               "payloads: 0x... hex, or text.\n",
               DEFAULT_GAS, common_help);
        return 0;
    }
    copts o = {0};
    int rc = parse(argc, argv, O_TX | O_UPLOAD, 1, &o);
    if (rc)
        return rc;
    if (o.npos != 1) {
        fprintf(stderr, "error: name the .wasm file to upload (see 'gearbox "
                        "upload --help')\n");
        return 2;
    }
    uint8_t *code, *init = NULL, *salt = NULL;
    uint32_t init_len = 0, salt_len = 8;
    size_t code_len;
    if (cli_read_file(o.pos[0], &code, &code_len)) {
        fprintf(stderr, "error: cannot read %s: %s\n", o.pos[0],
                strerror(errno));
        return 1;
    }
    rc = 2;
    json_t *res = NULL;
    if (o.init && !parse_payload("--init", o.init, &init, &init_len))
        goto out;
    if (o.salt) {
        if (!parse_payload("--salt", o.salt, &salt, &salt_len))
            goto out;
    } else {
        salt = malloc(salt_len);
        if (!salt)
            goto out;
        randombytes_buf(salt, salt_len);
    }
    gb_tx_body body = {.kind = GB_TXW_UPLOAD_PROGRAM, .code = code,
                       .code_len = (uint32_t)code_len, .salt = salt,
                       .salt_len = salt_len, .payload = init,
                       .payload_len = init_len, .gas_limit = o.gas,
                       .value = o.value};
    res = submit(&o, &body, &rc);
    if (!res)
        goto out;
    rc = 0;
    if (o.json) {
        print_json(res);
    } else {
        printf("program     %s\n  code id   %s\n  init msg  %s\n  tx        "
               "%s (nonce %lld)\n",
               str(res, "programId"), str(res, "codeId"),
               str(res, "messageId"), str(res, "txHash"),
               (long long)json_integer_value(json_object_get(res, "nonce")));
    }
out:
    json_decref(res);
    free(code);
    free(init);
    free(salt);
    return rc;
}

/* ---- send -------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Poll chain_getEvents from `from` for the reply to mid.  The reply event
 * (new reference) and *dispatched (the Dispatched event of mid, if seen),
 * or NULL (error printed). */
static json_t *wait_reply(const copts *o, uint64_t from, const char *mid,
                          json_t **dispatched, int *rc)
{
    double deadline = now_s() + (double)o->timeout;
    *dispatched = NULL;
    for (;;) {
        json_t *r = rpc(o, "chain_getEvents", json_pack("[I]",
                                                       (json_int_t)from), rc);
        if (!r)
            return NULL;
        if (json_is_true(json_object_get(r, "missed")))
            fprintf(stderr, "warning: the node no longer keeps the blocks "
                            "from %llu: the reply may have been missed\n",
                    (unsigned long long)from);
        size_t i;
        json_t *ev;
        json_array_foreach(json_object_get(r, "events"), i, ev) {
            const char *kind = str(ev, "kind");
            if (!strcmp(kind, "Dispatched") && !strcmp(str(ev, "id"), mid) &&
                !*dispatched) {
                *dispatched = json_incref(ev);
            } else if (!strcmp(kind, "UserMessageSent") &&
                       json_is_true(json_object_get(ev, "isReply")) &&
                       !strcmp(str(ev, "replyTo"), mid)) {
                json_incref(ev);
                json_decref(r);
                return ev;
            }
        }
        json_int_t next = json_integer_value(json_object_get(r, "next"));
        if ((uint64_t)next > from)
            from = (uint64_t)next;
        json_decref(r);
        if (now_s() > deadline) {
            fprintf(stderr, "error: no reply to %s within %llu s (the message "
                            "may be waiting; see 'gearbox mailbox', or wait "
                            "longer with --timeout S)\n",
                    mid, (unsigned long long)o->timeout);
            *rc = 1;
            return NULL;
        }
        usleep(100 * 1000);
    }
}

int cli_send(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: gearbox send PROGRAM PAYLOAD [OPTIONS]\n\n"
               "Send a message to a program (0x and 64 hex digits) on a running node.\n"
               "Prints the message id; with --wait, waits for the reply and prints its\n"
               "code and payload.\n\n"
               "options:\n"
               "  --gas N                 gas limit (default %llu)\n"
               "  --value V               value sent with the message (default 0)\n"
               "  --wait                  wait for the reply (polls the node's events)\n"
               "  --timeout S             give up waiting after S seconds (default 30)\n"
               "%s"
               "payloads: 0x... hex, or text.\n",
               DEFAULT_GAS, common_help);
        return 0;
    }
    copts o = {0};
    int rc = parse(argc, argv, O_TX | O_WAIT, 2, &o);
    if (rc)
        return rc;
    if (o.npos != 2) {
        fprintf(stderr, "error: give the program id and the payload: gearbox "
                        "send PROGRAM PAYLOAD (see 'gearbox send --help')\n");
        return 2;
    }
    gb_tx_body body = {.kind = GB_TXW_SEND_MESSAGE, .gas_limit = o.gas,
                       .value = o.value};
    if (gb_id_from_hex(o.pos[0], &body.target)) {
        fprintf(stderr, "error: '%s' is not a program id: give 0x and 64 hex "
                        "digits, as printed by 'gearbox upload'\n", o.pos[0]);
        return 2;
    }
    uint8_t *payload;
    if (!parse_payload("the payload", o.pos[1], &payload, &body.payload_len))
        return 2;
    body.payload = payload;
    uint64_t from = 0;
    json_t *res = NULL, *reply = NULL, *disp = NULL;
    if (o.wait) {
        json_t *h = rpc(&o, "chain_getHead", json_array(), &rc);
        if (!h)
            goto out;
        from = (uint64_t)json_integer_value(json_object_get(h, "height"));
        json_decref(h);
    }
    res = submit(&o, &body, &rc);
    if (!res)
        goto out;
    const char *mid = str(res, "messageId");
    if (o.wait) {
        reply = wait_reply(&o, from, mid, &disp, &rc);
        if (!reply)
            goto out;
    }
    rc = 0;
    if (o.json) {
        json_t *j = json_deep_copy(res);
        if (reply) {
            json_object_set(j, "reply", reply);
            if (disp)
                json_object_set(j, "dispatched", disp);
        }
        print_json(j);
        json_decref(j);
    } else {
        printf("message     %s\n", mid);
        if (reply) {
            const char *c = str(reply, "replyCode");
            printf("  reply     %s  %s\n", c, str(reply, "replyCodeText"));
            print_payload("payload", str(reply, "payload"));
            if (disp) {
                printf("  gas       %lld burned (%s)\n",
                       (long long)json_integer_value(
                           json_object_get(disp, "gasBurned")),
                       str(disp, "outcome"));
                if (json_object_get(disp, "debug"))
                    printf("  debug     %s\n", str(disp, "debug"));
            }
            printf("  block     %lld\n",
                   (long long)json_integer_value(
                       json_object_get(reply, "height")));
        }
    }
out:
    json_decref(res);
    json_decref(reply);
    json_decref(disp);
    free(payload);
    return rc;
}

/* ---- mailbox, balance, block ------------------------------------------- */

int cli_mailbox(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: gearbox mailbox [ACCOUNT] [OPTIONS]\n\n"
               "The messages waiting in an account's mailbox on a running node (a dev\n"
               "account name, 0x and 64 hex digits, or a key file; default --account).\n\n"
               "options:\n%s", common_help);
        return 0;
    }
    copts o = {0};
    int rc = parse(argc, argv, 0, 1, &o);
    if (rc)
        return rc;
    char id[67];
    if (!account_id(o.npos ? o.pos[0] : o.account, id))
        return 2;
    json_t *res = rpc(&o, "gear_mailbox", json_pack("[s]", id), &rc);
    if (!res)
        return rc;
    if (o.json) {
        print_json(res);
    } else {
        size_t n = json_array_size(res), i;
        json_t *m;
        printf("mailbox of %s: %zu message%s\n", id, n, n == 1 ? "" : "s");
        json_array_foreach(res, i, m) {
            printf("%s\n  from      %s\n", str(m, "id"), str(m, "source"));
            if (json_is_true(json_object_get(m, "isReply")))
                printf("  reply to  %s (code %s)\n", str(m, "replyTo"),
                       str(m, "replyCode"));
            print_payload("payload", str(m, "payload"));
            printf("  value     %s\n  expires   block %lld\n", str(m, "value"),
                   (long long)json_integer_value(
                       json_object_get(m, "expiresAt")));
        }
    }
    json_decref(res);
    return 0;
}

int cli_balance(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: gearbox balance [ACCOUNT] [OPTIONS]\n\n"
               "An account's balance on a running node (a dev account name, 0x and\n"
               "64 hex digits, or a key file; default --account).\n\n"
               "options:\n%s", common_help);
        return 0;
    }
    copts o = {0};
    int rc = parse(argc, argv, 0, 1, &o);
    if (rc)
        return rc;
    char id[67];
    if (!account_id(o.npos ? o.pos[0] : o.account, id))
        return 2;
    json_t *res = rpc(&o, "gear_balance", json_pack("[s]", id), &rc);
    if (!res)
        return rc;
    if (o.json) {
        json_object_set_new(res, "account", json_string(id));
        print_json(res);
    } else {
        printf("%s\n", str(res, "balance"));
    }
    json_decref(res);
    return 0;
}

int cli_block(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: gearbox block [N] [OPTIONS]\n\n"
               "The head of a running node's chain, or its block N (the node keeps\n"
               "the recent blocks it produced), with the block's events.\n\n"
               "options:\n"
               "  --node URL              the node (default " DEFAULT_NODE ")\n"
               "  --json                  print JSON, for scripts\n");
        return 0;
    }
    copts o = {0};
    int rc = parse(argc, argv, 0, 1, &o);
    if (rc)
        return rc;
    json_t *res;
    if (!o.npos) {
        res = rpc(&o, "chain_getHead", json_array(), &rc);
        if (!res)
            return rc;
        if (o.json) {
            print_json(res);
        } else {
            printf("head        %lld\n  hash      %s\n  time      %lld\n"
                   "  state     %s\n",
                   (long long)json_integer_value(json_object_get(res, "height")),
                   json_is_string(json_object_get(res, "hash"))
                       ? str(res, "hash") : "(not produced by this node run)",
                   (long long)json_integer_value(
                       json_object_get(res, "timestamp")),
                   str(res, "stateRoot"));
        }
        json_decref(res);
        return 0;
    }
    uint64_t h;
    if (!cli_opt_u64("the block number", o.pos[0], &h))
        return 2;
    res = rpc(&o, "chain_getBlock", json_pack("[I]", (json_int_t)h), &rc);
    if (!res)
        return rc;
    json_t *evr = rpc(&o, "chain_getEvents", json_pack("[I,i]", (json_int_t)h,
                                                       1), &rc);
    if (!evr) {
        json_decref(res);
        return rc;
    }
    json_t *evs = json_array();
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(evr, "events"), i, ev)
        if ((uint64_t)json_integer_value(json_object_get(ev, "height")) == h)
            json_array_append(evs, ev);
    json_decref(evr);
    if (o.json) {
        json_object_set(res, "events", evs);
        print_json(res);
    } else {
        printf("block       %llu\n  hash      %s\n  time      %lld\n"
               "  state     %s\n  dispatched %lld, gas used %lld, queued "
               "left %lld\n",
               (unsigned long long)h, str(res, "hash"),
               (long long)json_integer_value(json_object_get(res, "timestamp")),
               str(res, "stateRoot"),
               (long long)json_integer_value(json_object_get(res, "dispatched")),
               (long long)json_integer_value(json_object_get(res, "gasUsed")),
               (long long)json_integer_value(
                   json_object_get(res, "queuedLeft")));
        json_array_foreach(evs, i, ev) {
            printf("  event     %-15s %s", str(ev, "kind"), str(ev, "id"));
            if (json_object_get(ev, "outcome"))
                printf(" %s", str(ev, "outcome"));
            if (json_object_get(ev, "replyCode"))
                printf(" reply %s", str(ev, "replyCode"));
            printf("\n");
        }
    }
    json_decref(evs);
    json_decref(res);
    return 0;
}
