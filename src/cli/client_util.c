/*
 * What the node client commands share (see client.h): options, JSON-RPC
 * over cli_http_post, accounts, payloads, signing (gb_tx_encode for the
 * "dev" chain, at the nonce the node reports through
 * system_accountNonce, submitted with gear_submitTransaction), default
 * gas from the node's estimate, waiting for replies and progress lines.
 */
#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "cli/client.h"
#include "node/keys.h"
#include "node/rpc.h"
#include "gear/codes.h"
#include "gear/gas.h"
#include "util/hex.h"

#define HTTP_TIMEOUT_S 30

const char *const cli_common_help =
    "  --node URL              the node (default " CLI_DEFAULT_NODE ")\n"
    "  --account NAME|KEYFILE  a dev account (alice ... harry) or a key file\n"
    "                          (see 'gearbox key'); default alice.  Where only\n"
    "                          an account id is needed, also 0x + 64 hex, an\n"
    "                          SS58 address (kG... or 5...) or sr:alice ...\n"
    "                          sr:ferdie (Substrate's dev accounts)\n"
    "  --json                  print JSON, for scripts\n"
    "defaults come from ./gearbox.toml (or $GEARBOX_CONFIG, or\n"
    "~/.config/gearbox/gearbox.toml: node = \"URL\", account = \"NAME\",\n"
    "timeout = S), then GEARBOX_NODE and GEARBOX_ACCOUNT; see docs/cli.md\n";

const char *const cli_codec_help =
    "  --idl FILE              payloads are Sails calls of this IDL file:\n"
    "                          'Service/Method JSON_ARGS' (an init: 'Ctor\n"
    "                          JSON_ARGS'); the reply is decoded\n"
    "  --scale TYPE            payloads are JSON values of a SCALE type\n"
    "                          ('gearbox payload --help'); replies decoded too\n";

/* ---- options ------------------------------------------------------------ */

/* The option that takes a string value, or NULL. */
static const char **string_opt(const char *a, unsigned allow, cli_copts *o)
{
    if (!strcmp(a, "--node"))
        return &o->node;
    if (!strcmp(a, "--account"))
        return &o->account;
    if ((allow & CLI_O_INIT) && !strcmp(a, "--init"))
        return &o->init;
    if ((allow & CLI_O_PAYLOAD) && !strcmp(a, "--payload"))
        return &o->payload;
    if ((allow & CLI_O_SALT) && !strcmp(a, "--salt"))
        return &o->salt;
    return NULL;
}

int cli_client_parse(int argc, char **argv, unsigned allow, int maxpos,
                     cli_copts *o)
{
    char err[600];
    if (!cli_config_defaults(o, err, sizeof err)) {
        fprintf(stderr, "error: %s\n", err);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **sv;
        if (!strcmp(a, "--json")) {
            o->json = true;
        } else if ((sv = string_opt(a, allow, o))) {
            if (!v) {
                fprintf(stderr, "error: %s needs a value (see 'gearbox %s "
                                "--help')\n", a, argv[0]);
                return 2;
            }
            *sv = v;
            i++;
        } else if ((allow & CLI_O_GAS) && !strcmp(a, "--gas")) {
            if (!cli_opt_u64(a, v, &o->gas))
                return 2;
            o->gas_set = true;
            i++;
        } else if ((allow & CLI_O_VALUE) && !strcmp(a, "--value")) {
            if (!v || !gb_u128_parse(v, &o->value)) {
                fprintf(stderr, "error: --value needs a decimal amount, e.g. "
                                "--value 1000\n");
                return 2;
            }
            i++;
        } else if ((allow & CLI_O_CODEC) &&
                   (!strcmp(a, "--idl") || !strcmp(a, "--scale"))) {
            if (!v) {
                fprintf(stderr, "error: %s needs a value\n", a);
                return 2;
            }
            if (!strcmp(a, "--idl"))
                o->pl.idl_path = v;
            else
                o->pl.scale = v;
            i++;
        } else if ((allow & CLI_O_SIGN) && !strcmp(a, "--sign-only")) {
            o->sign_only = true;
        } else if ((allow & CLI_O_WAIT) && !strcmp(a, "--wait")) {
            o->wait = true;
        } else if ((allow & CLI_O_WAIT) && !strcmp(a, "--timeout")) {
            if (!cli_opt_u64(a, v, &o->timeout))
                return 2;
            i++;
        } else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
            fprintf(stderr, "error: unknown option '%s' for 'gearbox %s' (see "
                            "'gearbox %s --help')\n", a, argv[0], argv[0]);
            return 2;
        } else if (o->npos < maxpos && o->npos < 3) {
            o->pos[o->npos++] = a;
        } else {
            fprintf(stderr, "error: unexpected argument '%s' for 'gearbox %s' "
                            "(see 'gearbox %s --help')\n", a, argv[0], argv[0]);
            return 2;
        }
    }
    if (!cli_payload_load(&o->pl, err, sizeof err)) {
        fprintf(stderr, "error: %s\n", err);
        return 2;
    }
    return 0;
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i]))
            return true;
    return false;
}

void cli_print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    if (text)
        printf("%s\n", text);
    free(text);
}

const char *cli_str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* ---- JSON-RPC ----------------------------------------------------------- */

json_t *cli_rpc_quiet(const cli_copts *o, const char *method, json_t *params,
                      int *rc, int *code, char *msg, size_t msglen)
{
    *code = 0;
    if (msg && msglen)
        msg[0] = 0;
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
        const char *m = json_string_value(json_object_get(er, "message"));
        *code = (int)json_integer_value(json_object_get(er, "code"));
        if (!*code)
            *code = GB_RPC_INTERNAL_ERROR;
        snprintf(msg, msglen, "%s", m ? m : "no message");
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

json_t *cli_rpc(const cli_copts *o, const char *method, json_t *params,
                int *rc)
{
    int code;
    char msg[600];
    json_t *res = cli_rpc_quiet(o, method, params, rc, &code, msg, sizeof msg);
    if (!res && code)
        fprintf(stderr, "error: the node refused %s: %s (code %d)\n", method,
                msg, code);
    return res;
}

/* ---- accounts and payloads --------------------------------------------- */

static void bad_account(const char *spec, gb_err e, const char *detail)
{
    if (e == GB_UNSUPPORTED || e == GB_INVALID || e == GB_MALFORMED) {
        fprintf(stderr, "error: account '%s': %s\n", spec, detail);
        return;
    }
    fprintf(stderr, "error: unknown account '%s': not a dev account (alice "
                    "... harry, or Substrate's sr:alice ... sr:ferdie), an "
                    "account id (0x and 64 hex digits, or an SS58 address "
                    "kG... or 5...) or a readable key file (%s)\n",
            spec, detail);
}

bool cli_account_id(const char *spec, char out[67])
{
    uint8_t id[GB_KEY_PUBLIC_LEN];
    char detail[512] = "";
    gb_err e = gb_account_parse(spec, id, detail, sizeof detail);
    if (e != GB_OK) {
        bad_account(spec, e, detail);
        return false;
    }
    gb_id_to_hex(gb_key_account_id(id), out);
    return true;
}

bool cli_client_payload(cli_copts *o, const char *what, const char *s,
                        bool init, uint8_t **out, uint32_t *len)
{
    char err[600];
    if (!cli_payload_make(&o->pl, s, init, out, len, &o->fn, err,
                          sizeof err)) {
        fprintf(stderr, "error: %s '%s': %s\n", what, s, err);
        return false;
    }
    return true;
}

bool cli_program_salt(const char *opt, uint8_t **out, uint32_t *len)
{
    if (opt)
        return cli_parse_payload("--salt", opt, out, len);
    *len = 8;
    if (!(*out = malloc(*len))) {
        fprintf(stderr, "error: out of memory\n");
        return false;
    }
    randombytes_buf(*out, *len);
    return true;
}

void cli_program_head(json_t *res)
{
    printf("program     %s\n  code id   %s\n  init msg  %s\n  tx        "
           "%s (nonce %lld)\n",
           cli_str(res, "programId"), cli_str(res, "codeId"),
           cli_str(res, "messageId"), cli_str(res, "txHash"),
           (long long)json_integer_value(json_object_get(res, "nonce")));
}

bool cli_parse_payload(const char *what, const char *s, uint8_t **out,
                       uint32_t *len)
{
    char err[300];
    if (cli_payload_plain(s, out, len, err, sizeof err))
        return true;
    fprintf(stderr, "error: %s: %s\n", what, err);
    return false;
}

json_t *cli_hex_json(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 3);
    if (!s)
        return NULL;
    s[0] = '0';
    s[1] = 'x';
    gb_hex_encode(p, n, s + 2);
    json_t *j = json_stringn(s, 2 * n + 2);
    free(s);
    return j;
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

void cli_print_payload(const char *label, const char *hex)
{
    char *t;
    printf("  %-9s %s", label, hex);
    if (printable_hex(hex, &t))
        printf("  \"%s\"", t);
    free(t);
    printf("\n");
}

/* ---- transactions ------------------------------------------------------- */

json_t *cli_submit(const cli_copts *o, gb_tx_body *body, int *rc)
{
    uint8_t seed[GB_KEY_SEED_LEN], pk[GB_KEY_PUBLIC_LEN], sk[GB_KEY_SECRET_LEN];
    char detail[512] = "";
    gb_err ke = gb_key_resolve(o->account, seed, NULL, detail, sizeof detail);
    if (ke) {
        bad_account(o->account, ke, detail);
        *rc = 2;
        return NULL;
    }
    gb_key_from_seed(seed, pk, sk);
    sodium_memzero(seed, sizeof seed);
    char id[67];
    gb_id_to_hex(gb_key_account_id(pk), id);
    json_t *nv = cli_rpc(o, "system_accountNonce", json_pack("[s]", id), rc);
    if (!nv) {
        sodium_memzero(sk, sizeof sk);
        return NULL;
    }
    uint64_t nonce = (uint64_t)json_integer_value(nv);
    json_decref(nv);
    /* the chain id to sign for: the node's (a fork has its own); a node
     * without gearbox_chainInfo signs for "dev" */
    uint8_t chain[GB_TX_CHAIN_ID_LEN];
    gb_tx_chain_id_from_name("dev", chain);
    int irc = 0, icode = 0;
    json_t *info = cli_rpc_quiet(o, "gearbox_chainInfo", json_array(), &irc,
                                 &icode, NULL, 0);
    const char *cid = info ? json_string_value(json_object_get(info, "chainId"))
                           : NULL;
    uint8_t got[GB_TX_CHAIN_ID_LEN];
    size_t glen = 0;
    if (cid && !gb_hex_decode(cid, got, sizeof got, &glen) &&
        glen == sizeof got)
        memcpy(chain, got, sizeof got);
    json_decref(info);
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
    if (o->sign_only) { /* for gear_submitTransaction, here or elsewhere */
        puts(hex);
        free(hex);
        *rc = 0;
        return NULL;
    }
    if (len > 256 * 1024)
        cli_progress("sending %zu KiB to the node...", len / 1024);
    json_t *res = cli_rpc(o, "gear_submitTransaction", json_pack("[s]", hex),
                          rc);
    cli_progress_done();
    free(hex);
    return res;
}

bool cli_default_gas(const cli_copts *o, const char *method, json_t *params,
                     bool pending_ok, uint64_t *gas, bool *estimated, int *rc)
{
    *estimated = false;
    if (o->gas_set) {
        json_decref(params);
        *gas = o->gas;
        return true;
    }
    int code;
    char msg[600];
    cli_progress("estimating the gas...");
    json_t *g = cli_rpc_quiet(o, method, params, rc, &code, msg, sizeof msg);
    cli_progress_done();
    if (g) {
        uint64_t min = (uint64_t)json_integer_value(
            json_object_get(g, "minLimit"));
        json_decref(g);
        *gas = min + min / CLI_GAS_MARGIN_DIV;
        /* the margin never pushes it past Vara's block gas limit (a
         * reply paid by the program's reply deposit is estimated near
         * it, as Gear does, and its gas limit is not taken) */
        if (min <= GB_GEAR_BLOCK_GAS_LIMIT && *gas > GB_GEAR_BLOCK_GAS_LIMIT)
            *gas = GB_GEAR_BLOCK_GAS_LIMIT;
        if (*gas == 0)
            *gas = 1;
        *estimated = true;
        return true;
    }
    if (!code) /* the node could not be asked: printed */
        return false;
    if (code == GB_RPC_EXEC_FAILED) {
        fprintf(stderr, "error: the message would fail: %s\n  (give --gas N "
                        "to send it anyway)\n", msg);
        *rc = CLI_EXIT_ERROR_REPLY; /* as if it was sent and failed */
        return false;
    }
    if (pending_ok && (code == GB_RPC_NOT_FOUND ||
                       (code == GB_RPC_TX_REFUSED &&
                        strstr(msg, "not initialised yet")))) {
        /* a program or code whose transaction is still pending: the
         * node's checks at submit say if something is really wrong */
        fprintf(stderr, "note: cannot estimate the gas (%s); using --gas "
                        "%llu\n", msg, (unsigned long long)CLI_DEFAULT_GAS);
        *rc = 0;
        *gas = CLI_DEFAULT_GAS;
        return true;
    }
    fprintf(stderr, "error: cannot estimate the gas: %s\n  (the node refused "
                    "%s, code %d; give --gas N to send anyway)\n",
            msg, method, code);
    return false;
}

/* ---- waiting ------------------------------------------------------------ */

static bool progress_shown;

void cli_progress(const char *fmt, ...)
{
    if (!isatty(STDERR_FILENO))
        return;
    va_list ap;
    va_start(ap, fmt);
    fputc('\r', stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\033[K", stderr);
    va_end(ap);
    fflush(stderr);
    progress_shown = true;
}

void cli_progress_done(void)
{
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        progress_shown = false;
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

bool cli_head(const cli_copts *o, uint64_t *height, int *rc)
{
    json_t *h = cli_rpc(o, "chain_getHead", json_array(), rc);
    if (!h)
        return false;
    *height = (uint64_t)json_integer_value(json_object_get(h, "height"));
    json_decref(h);
    return true;
}

json_t *cli_wait_reply(const cli_copts *o, uint64_t from, const char *mid,
                       bool dispatch_only, json_t **dispatched, int *rc)
{
    double deadline = now_s() + (double)o->timeout;
    uint64_t start = from;
    *dispatched = NULL;
    for (;;) {
        json_t *r = cli_rpc(o, "chain_getEvents",
                            json_pack("[I]", (json_int_t)from), rc);
        if (!r) {
            cli_progress_done();
            return NULL;
        }
        if (json_is_true(json_object_get(r, "missed"))) {
            cli_progress_done();
            fprintf(stderr, "warning: the node no longer keeps the blocks "
                            "from %llu: the reply may have been missed\n",
                    (unsigned long long)from);
        }
        size_t i;
        json_t *ev;
        json_array_foreach(json_object_get(r, "events"), i, ev) {
            const char *kind = cli_str(ev, "kind");
            if (!strcmp(kind, "Dispatched") && !strcmp(cli_str(ev, "id"), mid) &&
                !*dispatched) {
                *dispatched = json_incref(ev);
                if (dispatch_only) {
                    json_decref(r);
                    cli_progress_done();
                    return json_incref(ev);
                }
            } else if (!strcmp(kind, "UserMessageSent") &&
                       json_is_true(json_object_get(ev, "isReply")) &&
                       !strcmp(cli_str(ev, "replyTo"), mid)) {
                json_incref(ev);
                json_decref(r);
                cli_progress_done();
                return ev;
            }
        }
        json_int_t next = json_integer_value(json_object_get(r, "next"));
        json_int_t head = json_integer_value(json_object_get(r, "head"));
        if ((uint64_t)next > from)
            from = (uint64_t)next;
        json_decref(r);
        uint64_t waited = (uint64_t)head > start ? (uint64_t)head - start : 0;
        cli_progress("waiting for the %s... %llu block%s, %.1f s",
                     dispatch_only ? "dispatch" : "reply",
                     (unsigned long long)waited, waited == 1 ? "" : "s",
                     now_s() - (deadline - (double)o->timeout));
        if (now_s() > deadline) {
            cli_progress_done();
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

/* ---- submit and report -------------------------------------------------- */

/* The reply event's code is an error (Gear's first byte 01). */
static bool reply_is_error(json_t *reply)
{
    uint8_t code[4];
    size_t got;
    const char *hex = cli_str(reply, "replyCode");
    return !gb_hex_decode(hex, code, 4, &got) && got == 4 &&
           gb_reply_code_is_error(gb_reply_code_from_bytes(code));
}

int cli_submit_report(const cli_copts *o, gb_tx_body *body, bool estimated,
                      void (*head)(json_t *answer))
{
    int rc = 0;
    uint64_t from = 0;
    json_t *reply = NULL, *disp = NULL, *decoded = NULL;
    if (o->wait && !cli_head(o, &from, &rc))
        return rc;
    json_t *res = cli_submit(o, body, &rc);
    if (!res)
        return rc;
    const char *mid = cli_str(res, "messageId");
    /* a reply gets no reply: wait for its dispatch (handle_reply) */
    bool dispatch_only = body->kind == GB_TXW_SEND_REPLY;
    if (o->wait && *mid &&
        !(reply = cli_wait_reply(o, from, mid, dispatch_only, &disp, &rc)))
        goto out;
    if (dispatch_only && reply) {
        json_decref(reply); /* the same event as disp */
        reply = NULL;
        if (!strcmp(cli_str(disp, "outcome"), "failed"))
            rc = CLI_EXIT_ERROR_REPLY;
    }
    if (reply)
        rc = reply_is_error(reply) ? CLI_EXIT_ERROR_REPLY : 0;
    else if (rc != CLI_EXIT_ERROR_REPLY)
        rc = 0;
    decoded = reply && !reply_is_error(reply)
                          ? cli_payload_decode_hex(&o->pl, o->fn,
                                                   cli_str(reply, "payload"))
                          : NULL;
    if (o->json) {
        /* the node's answer as it is; what the CLI adds in snake_case */
        json_t *j = json_deep_copy(res);
        json_object_set_new(j, "gas_limit",
                            json_integer((json_int_t)body->gas_limit));
        json_object_set_new(j, "gas_estimated", json_boolean(estimated));
        if (reply)
            json_object_set(j, "reply", reply);
        if (decoded)
            json_object_set(j, "reply_decoded", decoded);
        if (disp)
            json_object_set(j, "dispatched", disp);
        cli_print_json(j);
        json_decref(j);
        goto out;
    }
    head(res);
    if (body->kind != GB_TXW_CLAIM_VALUE)
        printf("  gas limit %llu%s\n", (unsigned long long)body->gas_limit,
               estimated ? " (the node's estimate + 25%)" : "");
    if (reply) {
        printf("  reply     %s  %s\n", cli_str(reply, "replyCode"),
               cli_str(reply, "replyCodeText"));
        cli_print_payload("payload", cli_str(reply, "payload"));
        if (decoded) {
            char *t = json_dumps(decoded, JSON_COMPACT | JSON_ENCODE_ANY);
            if (t)
                printf("  decoded   %s\n", t);
            free(t);
        }
        if (disp) {
            printf("  gas       %lld burned (%s)\n",
                   (long long)json_integer_value(
                       json_object_get(disp, "gasBurned")),
                   cli_str(disp, "outcome"));
            if (json_object_get(disp, "debug"))
                printf("  debug     %s\n", cli_str(disp, "debug"));
        }
        printf("  block     %lld\n",
               (long long)json_integer_value(json_object_get(reply, "height")));
    } else if (disp) {
        printf("  handled   %s, %lld gas burned\n", cli_str(disp, "outcome"),
               (long long)json_integer_value(json_object_get(disp,
                                                             "gasBurned")));
    }
out:
    json_decref(decoded);
    json_decref(res);
    json_decref(reply);
    json_decref(disp);
    return rc;
}

int cli_send_payload(cli_copts *o, gb_tx_body *body,
                     const char *pos_target, const char *pos_payload,
                     const char *method, const char *target_key,
                     bool pending_ok, void (*head)(json_t *answer))
{
    uint8_t *payload = NULL;
    char src[67], value[40];
    if (!cli_account_id(o->account, src) ||
        !cli_client_payload(o, "the payload", pos_payload, false,
                            &payload, &body->payload_len))
        return 2;
    body->payload = payload;
    gb_u128_to_dec(o->value, value);
    bool est;
    int rc = 1;
    if (cli_default_gas(o, method,
                        json_pack("{s:s,s:s,s:o,s:s}", "source", src,
                                  target_key, pos_target, "payload",
                                  cli_hex_json(payload, body->payload_len),
                                  "value", value),
                        pending_ok, &body->gas_limit, &est, &rc))
        rc = cli_submit_report(o, body, est, head);
    free(payload);
    return rc;
}
