/*
 * `gearbox exec PROGRAM.wasm [OPTIONS]`: try a program in one command.
 *
 * A fresh chain in a temporary directory; the program is uploaded and
 * created by a funded dev account, its init runs, then each message in the
 * order given, each followed by blocks until nothing is left to do.  The
 * options read like a script: --as, --value, --gas and --to apply to the
 * messages after them.  For every message it prints the id, the reply code
 * (Gear's 4 bytes and in words), the reply payload, the gas burned and
 * what reached users' mailboxes; --json prints one object per message.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "cli/cli.h"
#include "cli/cli_util.h"
#include "gear/codes.h"
#include "node/keys.h"
#include "util/hex.h"

#define MAX_BLOCKS_PER_MESSAGE 1000

static const char *const dev_names[] = {"alice", "bob", "charlie", "dave",
                                        "eve", "ferdie"};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gearbox exec PROGRAM.wasm [OPTIONS]\n\n"
            "Run a program on a fresh, throw-away chain: upload it, run its init,\n"
            "then each message in order, producing blocks until nothing is left.\n\n"
            "options (read in order, like a script):\n"
            "  --init PAYLOAD          the init payload of the program (default empty)\n"
            "  --send PAYLOAD          send a message (repeatable)\n"
            "  --as ACCOUNT            sender of the messages that follow: a dev account\n"
            "                          (alice, bob, charlie, dave, eve, ferdie), 0x + 64\n"
            "                          hex, an SS58 address (kG... or 5...), or one of\n"
            "                          Substrate's dev accounts sr:alice ... sr:ferdie\n"
            "  --value V               value (decimal) of the messages that follow\n"
            "  --gas N                 gas limit of the messages that follow (default\n"
            "                          10^10; Vara's prices: a simple message ~3x10^8,\n"
            "                          at most the block gas limit, 750x10^9)\n"
            "  --code [NAME=]FILE      upload code without creating a program; prints its id\n"
            "  --program NAME=FILE[,INIT]\n"
            "                          create another program from FILE, named NAME, with\n"
            "                          the init payload INIT\n"
            "  --to NAME               destination of the messages that follow (default:\n"
            "                          PROGRAM.wasm, named 'main')\n"
            "  --json                  one JSON object per message\n"
            "payloads: 0x... hex, @NAME (the 32-byte id of a program or code named\n"
            "before, 'main' included), or text.  For example, a proxy in front of ping:\n"
            "  gearbox exec ping.wasm --program proxy=proxy.wasm,@main --to proxy --send PING\n");
}

typedef struct named {
    const char *name; /* owned, except "main" */
    gb_id id;         /* a program id, or a code id for --code NAME=FILE */
} named;

typedef struct exec_state {
    gb_chain *chain;
    bool json;
    gb_id sender;
    uint64_t gas;
    gb_u128 value;
    gb_id dest;
    named *progs;
    size_t nprogs, capprogs;
} exec_state;

static bool parse_account(const char *s, gb_id *out)
{
    for (uint32_t i = 0; i < sizeof dev_names / sizeof *dev_names; i++)
        if (!strcmp(s, dev_names[i])) {
            *out = gb_chain_dev_account(i);
            return true;
        }
    /* 0x + 64 hex, an SS58 address, sr:alice ..., a key file */
    return gb_account_parse(s, out->b, NULL, 0) == GB_OK;
}

/* A payload: 0x-prefixed hex, @NAME (the id of a named program or
 * code), or the text itself.  *out malloc'd. */
static bool parse_payload(const exec_state *st, const char *s, uint8_t **out,
                          uint32_t *len)
{
    size_t n = strlen(s);
    *out = malloc(n + 33);
    if (!*out)
        return false;
    if (s[0] == '@') {
        for (size_t k = 0; k < st->nprogs; k++)
            if (!strcmp(st->progs[k].name, s + 1)) {
                memcpy(*out, st->progs[k].id.b, 32);
                *len = 32;
                return true;
            }
        free(*out);
        return false;
    }
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        size_t got;
        if (gb_hex_decode(s, *out, n, &got)) {
            free(*out);
            return false;
        }
        *len = (uint32_t)got;
        return true;
    }
    memcpy(*out, s, n);
    *len = (uint32_t)n;
    return true;
}

static void print_hex(FILE *f, const uint8_t *p, uint32_t n)
{
    fputs("0x", f);
    for (uint32_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

static bool printable(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!isprint(p[i]) && p[i] != '\n' && p[i] != '\t')
            return false;
    return n > 0;
}

static char *hex_str(const uint8_t *p, uint32_t n)
{
    char *s = malloc(2 * (size_t)n + 3);
    if (!s)
        return NULL;
    s[0] = '0';
    s[1] = 'x';
    gb_hex_encode(p, n, s + 2);
    return s;
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
    char *debug;
} outcome;

static void outcome_free(outcome *o)
{
    free(o->payload);
    for (size_t i = 0; i < o->nmail; i++)
        free(o->mail[i].payload);
    free(o->mail);
    free(o->debug);
}

static uint8_t *dup_bytes(const uint8_t *p, uint32_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

/* Produce blocks until the chain is idle, recording what concerns mid. */
static gb_err run_until_idle(exec_state *st, gb_id mid, outcome *o)
{
    for (int b = 0; b < MAX_BLOCKS_PER_MESSAGE; b++) {
        gb_block_result r;
        gb_err e = gb_chain_produce_block(st->chain, &r);
        if (e)
            return e;
        for (uint32_t i = 0; i < r.nevents; i++) {
            gb_event *ev = &r.events[i];
            if (ev->kind == GB_EV_DISPATCHED && gb_id_eq(ev->id, mid)) {
                o->gas += ev->gas_burned;
                if (ev->debug && !o->debug)
                    o->debug = strdup(ev->debug);
            } else if (ev->kind == GB_EV_USER_MESSAGE) {
                if (ev->is_reply && gb_id_eq(ev->reply_to, mid)) {
                    o->replied = true;
                    memcpy(o->code, ev->reply_code, 4);
                    free(o->payload);
                    o->payload = dup_bytes(ev->payload, ev->payload_len);
                    o->len = ev->payload_len;
                } else {
                    gb_event copy = *ev;
                    copy.payload = dup_bytes(ev->payload, ev->payload_len);
                    copy.debug = NULL;
                    CLI_PUSH(o->mail, o->nmail, o->capmail, copy);
                }
            }
        }
        uint32_t left = r.queued_left;
        gb_block_result_free(&r);
        if (!left && !gb_chain_pending(st->chain))
            return GB_OK;
    }
    return GB_OK;
}

static void report(exec_state *st, const char *what, gb_id mid, outcome *o)
{
    char idhex[67];
    gb_id_to_hex(mid, idhex);
    gb_reply_code rc = gb_reply_code_from_bytes(o->code);
    if (st->json) {
        json_t *j = json_object();
        json_object_set_new(j, "message", json_string(what));
        json_object_set_new(j, "message_id", json_string(idhex));
        char code[9];
        snprintf(code, sizeof code, "%02x%02x%02x%02x", o->code[0], o->code[1],
                 o->code[2], o->code[3]);
        json_object_set_new(j, "reply_code", o->replied ? json_string(code) : json_null());
        json_object_set_new(j, "reply", json_string(o->replied ? gb_reply_code_str(rc)
                                                               : "no reply"));
        char *ph = hex_str(o->payload, o->len);
        json_object_set_new(j, "reply_payload", json_string(ph ? ph : "0x"));
        free(ph);
        if (printable(o->payload, o->len))
            json_object_set_new(j, "reply_text",
                                json_stringn((const char *)o->payload, o->len));
        json_object_set_new(j, "gas_burned", json_integer((json_int_t)o->gas));
        json_t *mb = json_array();
        for (size_t i = 0; i < o->nmail; i++) {
            json_t *m = json_object();
            char dh[67];
            gb_id_to_hex(o->mail[i].destination, dh);
            json_object_set_new(m, "destination", json_string(dh));
            char *mp = hex_str(o->mail[i].payload, o->mail[i].payload_len);
            json_object_set_new(m, "payload", json_string(mp ? mp : "0x"));
            free(mp);
            json_array_append_new(mb, m);
        }
        json_object_set_new(j, "mailbox", mb);
        if (o->debug)
            json_object_set_new(j, "debug", json_string(o->debug));
        char *text = json_dumps(j, JSON_COMPACT);
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(j);
        return;
    }
    printf("%s\n  message id  %s\n", what, idhex);
    if (o->replied) {
        printf("  reply       %02x %02x %02x %02x  %s\n", o->code[0], o->code[1],
               o->code[2], o->code[3], gb_reply_code_str(rc));
        printf("  payload     ");
        print_hex(stdout, o->payload, o->len);
        if (printable(o->payload, o->len))
            printf("  \"%.*s\"", (int)o->len, (const char *)o->payload);
        printf("\n");
    } else {
        printf("  reply       none (the message is waiting, or was not processed)\n");
    }
    printf("  gas burned  %llu\n", (unsigned long long)o->gas);
    if (o->debug)
        printf("  debug       %s", o->debug);
    for (size_t i = 0; i < o->nmail; i++) {
        char dh[67];
        gb_id_to_hex(o->mail[i].destination, dh);
        printf("  mailbox     to %s: ", dh);
        print_hex(stdout, o->mail[i].payload, o->mail[i].payload_len);
        if (printable(o->mail[i].payload, o->mail[i].payload_len))
            printf("  \"%.*s\"", (int)o->mail[i].payload_len,
                   (const char *)o->mail[i].payload);
        printf("\n");
    }
}

static gb_err submit(exec_state *st, const gb_tx *tx, gb_id *out)
{
    char detail[512];
    gb_err e = gb_chain_submit(st->chain, tx, out, detail, sizeof detail);
    if (e)
        fprintf(stderr, "error: %s\n", detail[0] ? detail : gb_err_str(e));
    return e;
}

/* Upload code from a file; *out = its code id. */
static gb_err upload(exec_state *st, const char *path, gb_id *out)
{
    uint8_t *code;
    size_t len;
    if (cli_read_file(path, &code, &len)) {
        fprintf(stderr, "error: cannot read %s\n", path);
        return GB_IO;
    }
    /* the same code twice (a program and --code, two programs): once */
    gb_id id = gb_code_id(code, len);
    if (gb_chain_code_exists(st->chain, id)) {
        free(code);
        *out = id;
        return GB_OK;
    }
    gb_tx tx = {.kind = GB_TX_UPLOAD_CODE, .sender = st->sender, .code = code,
                .code_len = (uint32_t)len};
    gb_err e = submit(st, &tx, out);
    free(code);
    return e;
}

/* Create a program from code_id with an init payload, and run its init. */
static gb_err create(exec_state *st, const char *name, gb_id code_id,
                     const uint8_t *init, uint32_t init_len, gb_id *out)
{
    gb_tx tx = {.kind = GB_TX_CREATE_PROGRAM, .sender = st->sender,
                .code_id = code_id, .salt = (const uint8_t *)name,
                .salt_len = (uint32_t)strlen(name), .payload = init,
                .payload_len = init_len, .gas_limit = st->gas, .value = st->value};
    gb_err e = submit(st, &tx, out);
    if (e)
        return e;
    outcome o = {0};
    /* the init message's id is what the chain reports for it */
    e = run_until_idle(st, *out, &o);
    outcome_free(&o);
    named n = {.name = name, .id = *out};
    if (!e && !CLI_PUSH(st->progs, st->nprogs, st->capprogs, n))
        e = GB_NOMEM;
    return e;
}

int cli_exec(int argc, char **argv)
{
    const char *main_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
    }
    if (argc < 2 || argv[1][0] == '-') {
        usage(stderr);
        return 2;
    }
    main_path = argv[1];
    bool json = false;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--json"))
            json = true;

    exec_state st = {.gas = 10000000000ull, .json = json};
    st.sender = gb_chain_dev_account(0);
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    char detail[512];
    if (gb_chain_open(&cfg, &st.chain, detail, sizeof detail)) {
        fprintf(stderr, "error: cannot start a chain: %s\n", detail);
        return 1;
    }
    int rc = 1;
    uint8_t *init = NULL;
    uint32_t init_len = 0;
    /* the init payload may be given anywhere before the first --send */
    for (int i = 2; i + 1 < argc; i++) {
        if (!strcmp(argv[i], "--send"))
            break;
        if (!strcmp(argv[i], "--init") &&
            !parse_payload(&st, argv[i + 1], &init, &init_len)) {
            fprintf(stderr, "error: --init: bad payload '%s'\n", argv[i + 1]);
            goto out;
        }
    }
    gb_id main_code, main_id;
    if (upload(&st, main_path, &main_code) ||
        create(&st, "main", main_code, init, init_len, &main_id))
        goto out;
    st.dest = main_id;
    if (!st.json) {
        char h[67];
        gb_id_to_hex(main_id, h);
        fprintf(stderr, "program main: %s\n", h);
    }

    for (int i = 2; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(opt, "--json"))
            continue;
        if (!val) {
            fprintf(stderr, "error: %s needs a value\n", opt);
            rc = 2;
            goto out;
        }
        i++;
        if (!strcmp(opt, "--init")) {
            continue; /* handled above */
        } else if (!strcmp(opt, "--as")) {
            if (!parse_account(val, &st.sender)) {
                fprintf(stderr, "error: --as: unknown account '%s' (a dev "
                                "account name, 0x + 64 hex digits or an SS58 address)\n", val);
                rc = 2;
                goto out;
            }
        } else if (!strcmp(opt, "--value")) {
            if (!gb_u128_parse(val, &st.value)) {
                fprintf(stderr, "error: --value: '%s' is not a decimal amount\n", val);
                rc = 2;
                goto out;
            }
        } else if (!strcmp(opt, "--gas")) {
            if (!cli_opt_u64(opt, val, &st.gas)) {
                rc = 2;
                goto out;
            }
        } else if (!strcmp(opt, "--code")) {
            gb_id cid;
            const char *eq = strchr(val, '=');
            const char *file = eq ? eq + 1 : val;
            if (upload(&st, file, &cid))
                goto out;
            if (eq) {
                named n = {.name = strndup(val, (size_t)(eq - val)), .id = cid};
                if (!n.name || !CLI_PUSH(st.progs, st.nprogs, st.capprogs, n)) {
                    free((char *)n.name);
                    goto out;
                }
            }
            outcome o = {0};
            run_until_idle(&st, cid, &o);
            outcome_free(&o);
            char h[67];
            gb_id_to_hex(cid, h);
            printf(st.json ? "{\"code_id\":\"%s\",\"file\":\"%s\"}\n"
                           : "code %s: %s\n", h, file);
        } else if (!strcmp(opt, "--program")) {
            const char *eq = strchr(val, '=');
            if (!eq || eq == val) {
                fprintf(stderr, "error: --program needs NAME=FILE.wasm[,INIT]\n");
                rc = 2;
                goto out;
            }
            char *name = strndup(val, (size_t)(eq - val));
            const char *comma = strchr(eq + 1, ',');
            char *file = comma ? strndup(eq + 1, (size_t)(comma - eq - 1))
                               : strdup(eq + 1);
            uint8_t *pinit = NULL;
            uint32_t pinit_len = 0;
            if (comma && !parse_payload(&st, comma + 1, &pinit, &pinit_len)) {
                fprintf(stderr, "error: --program %s: bad init payload '%s' "
                                "(hex, @NAME of an earlier program or code, or text)\n",
                        name ? name : "", comma + 1);
                free(name);
                free(file);
                rc = 2;
                goto out;
            }
            gb_id cid, pid;
            gb_err e = name && file ? upload(&st, file, &cid) : GB_NOMEM;
            if (!e)
                e = create(&st, name, cid, pinit, pinit_len, &pid);
            free(file);
            free(pinit);
            if (e) {
                free(name);
                goto out;
            }
            /* name is kept in st.progs until exit */
        } else if (!strcmp(opt, "--to")) {
            bool found = false;
            for (size_t k = 0; k < st.nprogs && !found; k++)
                if (!strcmp(st.progs[k].name, val)) {
                    st.dest = st.progs[k].id;
                    found = true;
                }
            if (!found && !parse_account(val, &st.dest)) {
                fprintf(stderr, "error: --to: no program named '%s'\n", val);
                rc = 2;
                goto out;
            }
        } else if (!strcmp(opt, "--send")) {
            uint8_t *payload;
            uint32_t len;
            if (!parse_payload(&st, val, &payload, &len)) {
                fprintf(stderr, "error: --send: bad payload '%s'\n", val);
                rc = 2;
                goto out;
            }
            gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = st.sender,
                        .destination = st.dest, .payload = payload,
                        .payload_len = len, .gas_limit = st.gas, .value = st.value};
            gb_id mid;
            gb_err e = submit(&st, &tx, &mid);
            free(payload);
            if (e)
                goto out;
            outcome o = {0};
            e = run_until_idle(&st, mid, &o);
            if (!e)
                report(&st, val, mid, &o);
            outcome_free(&o);
            if (e) {
                fprintf(stderr, "error: producing blocks: %s\n", gb_err_str(e));
                goto out;
            }
        } else {
            fprintf(stderr, "error: unknown option '%s'\n", opt);
            usage(stderr);
            rc = 2;
            goto out;
        }
    }
    rc = 0;
out:
    for (size_t k = 0; k < st.nprogs; k++)
        if (strcmp(st.progs[k].name, "main"))
            free((char *)st.progs[k].name);
    free(st.progs);
    free(init);
    gb_chain_close(st.chain);
    return rc;
}
