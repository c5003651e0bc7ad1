/*
 * `gearbox exec PROGRAM.wasm [OPTIONS]`: try a program in one command.
 *
 * A fresh chain in a temporary directory.  The whole command line is read
 * and checked first — accounts, numbers, files, payloads, names — so a
 * mistake costs nothing and says why; only then does the chain start.
 * Every --code is uploaded first; then the main program is created (at
 * --init, with the --as, --value and --gas given before it, or first of
 * all with the defaults when there is no --init), then the other options
 * run in order, each message followed by blocks until nothing is left to
 * do.  Every account named by --as is funded on that chain.
 *
 * Each message — every init included — prints a row: its kind, program,
 * id, the reply code (Gear's 4 bytes and in words), the reply payload
 * (as text when printable, decoded with --idl or --scale), the gas
 * burned, what reached users' mailboxes (Sails events decoded), the panic
 * text of a failed run and its gr_debug lines.  --json prints one JSON
 * object per row, with snake_case keys like all of the CLI's own JSON.
 *
 * Exit status: 0 when every message got a success reply (or is still
 * waiting), 3 when some reply is an error, 1 for a failure of the tool or
 * the chain, 2 for bad usage.
 *
 * The command line is read into steps by exec_script.c; this file runs
 * them and prints the rows (exec_int.h holds what the two share).
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/chain.h"
#include "cli/cli.h"
#include "cli/cli_util.h"
#include "cli/client.h"
#include "cli/exec_int.h"
#include "cli/payload.h"
#include "gear/codes.h"
#include "node/keys.h"
#include "util/hex.h"

#define MAX_BLOCKS_PER_MESSAGE 1000
#define EXIT_ERROR_REPLY 3

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gearbox exec PROGRAM.wasm [OPTIONS]\n\n"
            "Run a program on a fresh, throw-away chain: upload it, run its init,\n"
            "then each message in order, producing blocks until nothing is left.\n"
            "The whole line is checked before anything runs.\n\n"
            "options (read in order, like a script):\n"
            "  --init PAYLOAD          the init payload of the program (default empty);\n"
            "                          the program is created here, with the --as,\n"
            "                          --value and --gas given before (without --init:\n"
            "                          first, by alice, with the defaults)\n"
            "  --send PAYLOAD          send a message (repeatable)\n"
            "  --reply PAYLOAD         reply to the newest message in the sender's\n"
            "                          mailbox (a program waiting for an answer)\n"
            "  --as ACCOUNT            sender of what follows: a dev account (alice ...\n"
            "                          harry), 0x + 64 hex, an SS58 address (kG... or\n"
            "                          5...), sr:alice ... sr:ferdie, or a key file; any\n"
            "                          account is funded on the throw-away chain\n"
            "  --value V               value (decimal) of the messages that follow\n"
            "  --gas N                 gas limit of the messages that follow (default\n"
            "                          10^10; Vara's prices: a simple message ~3x10^8,\n"
            "                          at most the block gas limit, 750x10^9)\n"
            "  --code [NAME=]FILE      upload code without creating a program (before\n"
            "                          the main program's init, wherever it is given)\n"
            "  --program NAME=FILE[,INIT]\n"
            "                          create another program from FILE, named NAME, with\n"
            "                          the init payload INIT\n"
            "  --to NAME               destination of the messages that follow (default:\n"
            "                          PROGRAM.wasm, named 'main')\n"
            "  --idl FILE              payloads are Sails calls of this IDL: --send\n"
            "                          'Service/Method JSON_ARGS', --init 'Ctor JSON_ARGS';\n"
            "                          replies and events are decoded\n"
            "  --scale TYPE            payloads are JSON values of a SCALE type (see\n"
            "                          'gearbox payload --help'); replies decoded with it\n"
            "  --json                  one JSON object per row\n\n"
            "payloads: 0x... hex, @NAME (the 32-byte id of a program or code named\n"
            "before, 'main' included), or text.  For example, a proxy in front of ping:\n"
            "  gearbox exec ping.wasm --program proxy=proxy.wasm,@main --to proxy --send PING\n\n"
            "A row per message, inits included: kind (code, init, handle, reply),\n"
            "program, message id, reply code and words, reply payload (text,\n"
            "reply_decoded), outcome, gas burned, mailbox, panic text, gr_debug lines.\n\n"
            "exit status: 0 every message got a success reply (or waits), 3 some\n"
            "reply is an error (or a --reply's handle_reply failed), 1 the tool or\n"
            "chain failed, 2 bad usage.\n");
}

/* ---- running ------------------------------------------------------------- */

static bool printable(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!isprint(p[i]) && p[i] != '\n' && p[i] != '\t')
            return false;
    return n > 0;
}

static json_t *hex_json(const uint8_t *p, uint32_t n)
{
    char *s = malloc(2 * (size_t)n + 3);
    if (!s)
        return NULL;
    s[0] = '0';
    s[1] = 'x';
    gb_hex_encode(p, n, s + 2);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static uint8_t *dup_bytes(const uint8_t *p, uint32_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

/* What became of one message, gathered from the blocks' events. */
typedef struct outcome {
    bool replied;
    uint8_t code[4];
    uint8_t *payload;
    uint32_t len;
    uint64_t gas;
    gb_event *mail; /* messages that reached users (copies, payload owned) */
    size_t nmail, capmail;
    char *debug;    /* gr_debug output of the message's runs, joined */
    bool dispatched;
    gb_outcome first; /* the outcome of its first run */
    bool failed;      /* some run of it failed */
} outcome;

static void outcome_free(outcome *o)
{
    free(o->payload);
    for (size_t i = 0; i < o->nmail; i++)
        free(o->mail[i].payload);
    free(o->mail);
    free(o->debug);
}

static void add_debug(outcome *o, const char *text)
{
    size_t old = o->debug ? strlen(o->debug) : 0, add = strlen(text);
    char *d = realloc(o->debug, old + add + 2);
    if (!d)
        return;
    memcpy(d + old, text, add);
    d[old + add] = 0;
    if (add && text[add - 1] != '\n') {
        d[old + add] = '\n';
        d[old + add + 1] = 0;
    }
    o->debug = d;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Produce blocks until the chain is idle, recording what concerns mid.
 * On a terminal, work past half a second shows a progress line (what
 * runs, blocks, seconds). */
static gb_err run_until_idle(exec_state *st, gb_id mid, outcome *o)
{
    double start = now_s();
    for (int b = 0; b < MAX_BLOCKS_PER_MESSAGE; b++) {
        gb_block_result r;
        gb_err e = gb_chain_produce_block(st->chain, &r);
        double took = now_s() - start;
        if (took > 0.5)
            cli_progress("%.40s: %d block%s, %.1f s", st->doing ? st->doing : "",
                         b + 1, b ? "s" : "", took);
        if (e) {
            cli_progress_done();
            return e;
        }
        for (uint32_t i = 0; i < r.nevents; i++) {
            gb_event *ev = &r.events[i];
            if (ev->kind == GB_EV_DISPATCHED && gb_id_eq(ev->id, mid)) {
                if (!o->dispatched)
                    o->first = ev->outcome;
                o->dispatched = true;
                o->failed |= ev->outcome == GB_OUTCOME_FAILED;
                o->gas += ev->gas_burned;
                if (ev->debug)
                    add_debug(o, ev->debug);
            } else if (ev->kind == GB_EV_USER_MESSAGE) {
                if (ev->is_reply && gb_id_eq(ev->reply_to, mid)) {
                    o->replied = true;
                    memcpy(o->code, ev->reply_code, 4);
                    free(o->payload);
                    o->payload = dup_bytes(ev->payload, ev->payload_len);
                    o->len = ev->payload_len;
                } else {
                    if (!ev->is_reply) { /* in the mailbox: --reply */
                        mail_ref m = {.id = ev->id, .source = ev->source,
                                      .destination = ev->destination};
                        CLI_PUSH(st->mail, st->nmail, st->capmail, m);
                    }
                    gb_event copy = *ev;
                    copy.payload = dup_bytes(ev->payload, ev->payload_len);
                    copy.debug = NULL;
                    copy.sent = NULL;
                    copy.nsent = 0;
                    if (!CLI_PUSH(o->mail, o->nmail, o->capmail, copy))
                        free(copy.payload);
                }
            }
        }
        uint32_t left = r.queued_left;
        gb_block_result_free(&r);
        if (!left && !gb_chain_pending(st->chain))
            break;
    }
    cli_progress_done();
    return GB_OK;
}

static bool zero_id(gb_id id)
{
    for (int i = 0; i < 32; i++)
        if (id.b[i])
            return false;
    return true;
}

static void print_text_payload(const uint8_t *p, uint32_t n)
{
    fputs("0x", stdout);
    for (uint32_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    if (printable(p, n)) {
        /* the text, with control characters escaped for the terminal */
        fputs("  \"", stdout);
        for (uint32_t i = 0; i < n; i++) {
            if (p[i] == '\n')
                fputs("\\n", stdout);
            else if (p[i] == '\t')
                fputs("\\t", stdout);
            else if (p[i] == '"' || p[i] == '\\')
                printf("\\%c", p[i]);
            else
                putchar(p[i]);
        }
        putchar('"');
    }
}

/* One row: what message `label` (of kind `kind`, to program `prog`
 * named `pname`) came to. */
static void report(exec_state *st, const char *kind, const char *label,
                   const char *pname, gb_id prog, gb_id mid, outcome *o,
                   const cli_idl_func *fn)
{
    char idhex[67], proghex[67];
    gb_id_to_hex(mid, idhex);
    gb_id_to_hex(prog, proghex);
    gb_reply_code rc = gb_reply_code_from_bytes(o->code);
    bool is_error = o->replied && gb_reply_code_is_error(rc);
    /* a reply gets no reply: its handle_reply failing is the error */
    if (is_error || (!strcmp(kind, "reply") && o->failed))
        st->error_reply = true;
    static const char *const outcomes[] = {"success", "skipped", "failed",
                                           "waiting", "exited"};
    /* the panic text: an execution error's reply payload */
    bool panic = is_error && o->code[1] == 0x00 && o->code[0] == 0x01 &&
                 printable(o->payload, o->len);
    json_t *decoded = o->replied && !is_error
                          ? cli_payload_decode(&st->pl, fn, o->payload, o->len)
                          : NULL;
    if (st->json) {
        json_t *j = json_object();
        json_object_set_new(j, "kind", json_string(kind));
        json_object_set_new(j, "program", json_string(proghex));
        if (pname)
            json_object_set_new(j, "name", json_string(pname));
        json_object_set_new(j, "payload", json_string(label));
        json_object_set_new(j, "message_id", json_string(idhex));
        char code[9];
        snprintf(code, sizeof code, "%02x%02x%02x%02x", o->code[0], o->code[1],
                 o->code[2], o->code[3]);
        json_object_set_new(j, "reply_code",
                            o->replied ? json_string(code) : json_null());
        json_object_set_new(j, "reply", json_string(o->replied
                                                        ? gb_reply_code_str(rc)
                                                        : "no reply"));
        json_object_set_new(j, "reply_payload",
                            o->replied ? hex_json(o->payload, o->len)
                                       : json_null());
        if (o->replied && printable(o->payload, o->len))
            json_object_set_new(j, "reply_text",
                                json_stringn((const char *)o->payload, o->len));
        if (decoded)
            json_object_set_new(j, "reply_decoded", json_incref(decoded));
        if (panic)
            json_object_set_new(j, "panic",
                                json_stringn((const char *)o->payload, o->len));
        json_object_set_new(j, "outcome", o->dispatched
                                              ? json_string(outcomes[o->first])
                                              : json_null());
        json_object_set_new(j, "gas_burned", json_integer((json_int_t)o->gas));
        json_t *mb = json_array();
        for (size_t i = 0; i < o->nmail; i++) {
            gb_event *m = &o->mail[i];
            json_t *mj = json_object();
            char h[67];
            gb_id_to_hex(m->source, h);
            json_object_set_new(mj, "source", json_string(h));
            gb_id_to_hex(m->destination, h);
            json_object_set_new(mj, "destination", json_string(h));
            json_object_set_new(mj, "message_id", json_string(
                                    (gb_id_to_hex(m->id, h), h)));
            if (m->is_reply) {
                gb_id_to_hex(m->reply_to, h);
                json_object_set_new(mj, "reply_to", json_string(h));
            }
            json_object_set_new(mj, "payload", hex_json(m->payload,
                                                        m->payload_len));
            if (printable(m->payload, m->payload_len))
                json_object_set_new(mj, "text",
                                    json_stringn((const char *)m->payload,
                                                 m->payload_len));
            char v[40];
            gb_u128_to_dec(m->value, v);
            json_object_set_new(mj, "value", json_string(v));
            json_t *ev = st->pl.idl && zero_id(m->destination)
                             ? cli_idl_decode_event(st->pl.idl, m->payload,
                                                    m->payload_len)
                             : NULL;
            if (ev)
                json_object_set_new(mj, "event", ev);
            json_array_append_new(mb, mj);
        }
        json_object_set_new(j, "mailbox", mb);
        json_t *dl = json_array();
        for (const char *p = o->debug; p && *p;) {
            const char *nl = strchr(p, '\n');
            size_t l = nl ? (size_t)(nl - p) : strlen(p);
            json_t *line = json_stringn(p, l);
            if (!line) /* not UTF-8: as hex */
                line = hex_json((const uint8_t *)p, (uint32_t)l);
            json_array_append_new(dl, line);
            p += l + (nl ? 1 : 0);
        }
        json_object_set_new(j, "debug", dl);
        char *text = json_dumps(j, JSON_COMPACT);
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(j);
        json_decref(decoded);
        fflush(stdout);
        return;
    }
    if (!strcmp(kind, "init"))
        printf("init %s %s\n", pname ? pname : "", proghex);
    else if (!strcmp(kind, "reply"))
        printf("reply %s\n", label);
    else
        printf("%s\n", label);
    printf("  message id  %s\n", idhex);
    if (o->replied) {
        printf("  reply       %02x %02x %02x %02x  %s\n", o->code[0], o->code[1],
               o->code[2], o->code[3], gb_reply_code_str(rc));
        printf("  payload     ");
        print_text_payload(o->payload, o->len);
        printf("\n");
        if (decoded) {
            char *t = json_dumps(decoded, JSON_COMPACT | JSON_ENCODE_ANY);
            if (t)
                printf("  decoded     %s\n", t);
            free(t);
        }
        if (panic)
            printf("  panic       %.*s\n", (int)o->len, (const char *)o->payload);
    } else if (!strcmp(kind, "reply")) {
        printf("  handled     %s\n", o->dispatched ? outcomes[o->first]
                                                    : "not yet");
    } else {
        printf("  reply       none (the message is waiting, or was not processed)\n");
    }
    printf("  gas burned  %llu\n", (unsigned long long)o->gas);
    for (const char *p = o->debug; p && *p;) {
        const char *nl = strchr(p, '\n');
        int l = nl ? (int)(nl - p) : (int)strlen(p);
        printf("  debug       %.*s\n", l, p);
        p += l + (nl ? 1 : 0);
    }
    for (size_t i = 0; i < o->nmail; i++) {
        gb_event *m = &o->mail[i];
        char dh[67];
        gb_id_to_hex(m->destination, dh);
        char mh[67];
        gb_id_to_hex(m->id, mh);
        printf("  mailbox     %s to %s: ", m->is_reply ? "reply" : mh, dh);
        print_text_payload(m->payload, m->payload_len);
        printf("\n");
        json_t *ev = st->pl.idl && zero_id(m->destination)
                         ? cli_idl_decode_event(st->pl.idl, m->payload,
                                                m->payload_len)
                         : NULL;
        if (ev) {
            char *t = json_dumps(ev, JSON_COMPACT);
            if (t)
                printf("  event       %s\n", t);
            free(t);
            json_decref(ev);
        }
    }
    json_decref(decoded);
    fflush(stdout);
}

static gb_err submit(exec_state *st, const gb_tx *tx, gb_id *out,
                     gb_id *out_msg)
{
    char detail[512] = "";
    gb_err e = gb_chain_submit_ids(st->chain, tx, out, out_msg, detail,
                                   sizeof detail);
    if (e)
        fprintf(stderr, "error: %s\n", detail[0] ? detail : gb_err_str(e));
    return e;
}

static const named *find_name(const exec_state *st, const char *name)
{
    for (size_t k = 0; k < st->nnames; k++)
        if (!strcmp(st->names[k].name, name))
            return &st->names[k];
    return NULL;
}

static bool add_name(exec_state *st, const char *name, gb_id id)
{
    named n = {.name = strdup(name), .id = id};
    if (!n.name || !CLI_PUSH(st->names, st->nnames, st->capnames, n)) {
        free(n.name);
        fprintf(stderr, "error: out of memory\n");
        return false;
    }
    return true;
}

/* A payload's bytes now that the names have ids (checked at parse). */
static bool make_payload(exec_state *st, const char *s, bool init,
                         uint8_t **out, uint32_t *len,
                         const cli_idl_func **fn)
{
    *fn = NULL;
    if (s && s[0] == '@') {
        const named *n = find_name(st, s + 1);
        if (!n || !(*out = dup_bytes(n->id.b, 32)))
            return false;
        *len = 32;
        return true;
    }
    char err[600];
    if (!s) {
        *out = NULL;
        *len = 0;
        return true;
    }
    if (!cli_payload_make(&st->pl, s, init, out, len, fn, err, sizeof err)) {
        fprintf(stderr, "error: %s\n", err);
        return false;
    }
    return true;
}

/* Upload code; *out = its code id.  The same code twice: once. */
static gb_err upload(exec_state *st, const uint8_t *code, size_t len,
                     gb_id *out)
{
    gb_id id = gb_code_id(code, len);
    *out = id;
    if (gb_chain_code_exists(st->chain, id))
        return GB_OK;
    gb_tx tx = {.kind = GB_TX_UPLOAD_CODE, .sender = st->sender, .code = code,
                .code_len = (uint32_t)len};
    gb_id got;
    gb_err e = submit(st, &tx, &got, NULL);
    if (e)
        return e;
    outcome o = {0};
    e = run_until_idle(st, got, &o);
    outcome_free(&o);
    if (!e && !gb_chain_code_exists(st->chain, id)) {
        fprintf(stderr, "error: the chain refused the code\n");
        return GB_INVALID;
    }
    return e;
}

/* Create program `name` from code, run its init and print its row. */
static gb_err create(exec_state *st, const char *name, const uint8_t *code,
                     size_t code_len, const char *init_text, gb_id *out)
{
    gb_id code_id;
    gb_err e = upload(st, code, code_len, &code_id);
    if (e)
        return e;
    uint8_t *init;
    uint32_t init_len;
    const cli_idl_func *fn;
    if (!make_payload(st, init_text, true, &init, &init_len, &fn))
        return GB_INVALID;
    gb_tx tx = {.kind = GB_TX_CREATE_PROGRAM, .sender = st->sender,
                .code_id = code_id, .salt = (const uint8_t *)name,
                .salt_len = (uint32_t)strlen(name), .payload = init,
                .payload_len = init_len, .gas_limit = st->gas,
                .value = st->value};
    gb_id mid;
    st->doing = name;
    e = submit(st, &tx, out, &mid);
    free(init);
    if (e)
        return e;
    if (!add_name(st, name, *out))
        return GB_NOMEM;
    outcome o = {0};
    e = run_until_idle(st, mid, &o);
    if (!e)
        report(st, "init", init_text ? init_text : "", name, *out, mid, &o, fn);
    outcome_free(&o);
    return e;
}

static gb_err send(exec_state *st, const char *text)
{
    uint8_t *payload;
    uint32_t len;
    const cli_idl_func *fn;
    if (!make_payload(st, text, false, &payload, &len, &fn))
        return GB_INVALID;
    gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = st->sender,
                .destination = st->dest, .payload = payload,
                .payload_len = len, .gas_limit = st->gas, .value = st->value};
    gb_id mid;
    st->doing = text;
    gb_err e = submit(st, &tx, &mid, NULL);
    free(payload);
    if (e)
        return e;
    outcome o = {0};
    e = run_until_idle(st, mid, &o);
    if (!e) {
        const char *pname = NULL;
        for (size_t k = 0; k < st->nnames && !pname; k++)
            if (gb_id_eq(st->names[k].id, st->dest))
                pname = st->names[k].name;
        report(st, "handle", text, pname, st->dest, mid, &o, fn);
    }
    outcome_free(&o);
    return e;
}

/* Reply to the newest message in the sender's mailbox. */
static gb_err reply(exec_state *st, const char *text)
{
    size_t k = st->nmail;
    while (k > 0 && !gb_id_eq(st->mail[k - 1].destination, st->sender))
        k--;
    if (!k) {
        char h[67];
        gb_id_to_hex(st->sender, h);
        fprintf(stderr, "error: --reply '%s': no message in the mailbox of %s "
                        "to reply to\n", text, h);
        return GB_NOT_FOUND;
    }
    mail_ref m = st->mail[k - 1];
    memmove(st->mail + k - 1, st->mail + k,
            (st->nmail - k) * sizeof *st->mail);
    st->nmail--;
    uint8_t *payload;
    uint32_t len;
    char err[600];
    cli_payload plain = {.type = st->pl.type, .scale = st->pl.scale};
    if (!cli_payload_make(&plain, text, false, &payload, &len, NULL, err,
                          sizeof err)) {
        fprintf(stderr, "error: --reply: %s\n", err);
        return GB_INVALID;
    }
    gb_tx tx = {.kind = GB_TX_SEND_REPLY, .sender = st->sender,
                .destination = m.id, .payload = payload, .payload_len = len,
                .gas_limit = st->gas, .value = st->value};
    gb_id id, mid;
    st->doing = text;
    gb_err e = submit(st, &tx, &id, &mid);
    free(payload);
    if (e)
        return e;
    outcome o = {0};
    e = run_until_idle(st, mid, &o);
    if (!e) {
        const char *pname = NULL;
        for (size_t q = 0; q < st->nnames && !pname; q++)
            if (gb_id_eq(st->names[q].id, m.source))
                pname = st->names[q].name;
        report(st, "reply", text, pname, m.source, mid, &o, NULL);
    }
    outcome_free(&o);
    return e;
}

/* Every account --as names gets value to spend, from alice, in one
 * block. */
static gb_err fund_accounts(exec_state *st, const step *s, size_t n)
{
    /* plenty for any gas price: 10^24, a millionth of alice's */
    gb_u128 amount = gb_u128_mul64(1000000000000ull, 1000000000000ull);
    gb_id alice = gb_dev_account_id(0);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i].kind != ST_AS || gb_id_eq(s[i].account, alice))
            continue;
        bool dup = false;
        for (size_t k = 0; k < i && !dup; k++)
            dup = s[k].kind == ST_AS && gb_id_eq(s[k].account, s[i].account);
        if (dup)
            continue;
        gb_tx tx = {.kind = GB_TX_TRANSFER, .sender = alice,
                    .destination = s[i].account, .value = amount};
        gb_id id;
        if (submit(st, &tx, &id, NULL))
            return GB_INVALID;
        any = true;
    }
    if (!any)
        return GB_OK;
    gb_block_result r;
    gb_err e = gb_chain_produce_block(st->chain, &r);
    if (!e)
        gb_block_result_free(&r);
    return e;
}

int cli_exec(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
    }
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "error: name the program: gearbox exec PROGRAM.wasm "
                        "[OPTIONS]\n\n");
        usage(stderr);
        return 2;
    }
    exec_state st = {.gas = 10000000000ull};
    st.sender = gb_dev_account_id(0);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            st.json = true;
        else if (i + 1 < argc && !strcmp(argv[i], "--idl"))
            st.pl.idl_path = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--scale"))
            st.pl.scale = argv[++i];
        else if (i + 1 < argc && argv[i][0] == '-')
            i++; /* an option's value, even if it looks like --json */
    }
    char err[600];
    if (!cli_payload_load(&st.pl, err, sizeof err)) {
        fprintf(stderr, "error: %s\n", err);
        cli_payload_free(&st.pl);
        return 2;
    }
    step *steps = NULL;
    size_t nsteps = 0;
    int rc = cli_exec_parse_script(argc, argv, &st, &steps, &nsteps);
    uint8_t *main_code = NULL;
    size_t main_len = 0;
    if (!rc &&
        !cli_exec_read_code("the program", argv[1], &main_code, &main_len))
        rc = 1;
    if (rc) {
        cli_payload_free(&st.pl);
        cli_exec_steps_free(steps, nsteps);
        return rc;
    }

    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.temp_parent = getenv("TMPDIR"); /* its store is a temporary one */
    cfg.substrate_dev_accounts = true;
    /* 10^30 for each dev account: any --as can be funded, at any price */
    cfg.initial_balance = gb_u128_mul64(1000000000000000ull,
                                        1000000000000000ull);
    char detail[512];
    if (gb_chain_open(&cfg, &st.chain, detail, sizeof detail)) {
        fprintf(stderr, "error: cannot start a chain: %s\n", detail);
        cli_payload_free(&st.pl);
        cli_exec_steps_free(steps, nsteps);
        free(main_code);
        return 1;
    }
    rc = 1;
    gb_id id;
    if (fund_accounts(&st, steps, nsteps))
        goto out;
    /* the codes first, so any init can create programs from them */
    for (size_t i = 0; i < nsteps; i++) {
        if (steps[i].kind != ST_CODE)
            continue;
        if (upload(&st, steps[i].code, steps[i].code_len, &id))
            goto out;
        if (steps[i].name && !add_name(&st, steps[i].name, id))
            goto out;
        char h[67];
        gb_id_to_hex(id, h);
        if (st.json) {
            json_t *j = json_pack("{s:s,s:s,s:s}", "kind", "code", "code_id", h,
                                  "file", steps[i].file);
            if (j && steps[i].name)
                json_object_set_new(j, "name", json_string(steps[i].name));
            char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
            if (t)
                printf("%s\n", t);
            free(t);
            json_decref(j);
        } else {
            printf("code %s%s%s\n  code id     %s\n", steps[i].file,
                   steps[i].name ? " as " : "",
                   steps[i].name ? steps[i].name : "", h);
        }
    }
    bool has_init = false;
    for (size_t i = 0; i < nsteps; i++)
        has_init |= steps[i].kind == ST_INIT;
    if (!has_init) {
        if (create(&st, "main", main_code, main_len, NULL, &st.dest))
            goto out;
    }
    for (size_t i = 0; i < nsteps; i++) {
        step *x = &steps[i];
        gb_err e = GB_OK;
        switch (x->kind) {
        case ST_INIT:
            e = create(&st, "main", main_code, main_len, x->payload, &st.dest);
            break;
        case ST_SEND:
            e = send(&st, x->payload);
            break;
        case ST_REPLY:
            e = reply(&st, x->payload);
            break;
        case ST_AS:
            st.sender = x->account;
            break;
        case ST_VALUE:
            st.value = x->value;
            break;
        case ST_GAS:
            st.gas = x->gas;
            break;
        case ST_CODE:
            break; /* done first */
        case ST_PROGRAM:
            e = create(&st, x->name, x->code, x->code_len, x->payload, &id);
            break;
        case ST_TO: {
            const named *n = find_name(&st, x->name);
            if (n)
                st.dest = n->id;
            else
                gb_account_parse(x->name, st.dest.b, NULL, 0);
            break;
        }
        }
        if (e)
            goto out;
    }
    rc = st.error_reply ? EXIT_ERROR_REPLY : 0;
out:
    for (size_t k = 0; k < st.nnames; k++)
        free(st.names[k].name);
    free(st.names);
    free(st.mail);
    free(main_code);
    cli_exec_steps_free(steps, nsteps);
    cli_payload_free(&st.pl);
    gb_chain_close(st.chain);
    return rc;
}
