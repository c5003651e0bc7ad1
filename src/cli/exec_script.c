/*
 * `gearbox exec`'s command line read into steps (exec_int.h): every
 * option in order, with its value checked now -- accounts, numbers,
 * files (read here), payloads (made once with the names known at their
 * place), names for @NAME and --to -- so that a mistake costs nothing and
 * says why before any chain starts.  --code is read first, wherever it
 * stands: its names are known everywhere.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/exec_int.h"
#include "node/keys.h"
#include "util/hex.h"

void cli_exec_steps_free(step *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        free(s[i].file);
        free(s[i].code);
    }
    free(s);
}

static bool have_name(char **known, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(known[i], name))
            return true;
    return false;
}

static void list_known(char **known, size_t n, char *out, size_t outlen)
{
    out[0] = 0;
    for (size_t i = 0; i < n && strlen(out) + 40 < outlen; i++)
        snprintf(out + strlen(out), outlen - strlen(out), "%s%s",
                 i ? ", " : "", known[i]);
}

/* Check a payload now, with the names known at its place; the bytes are
 * made again when it runs (an @NAME's id is known only then). */
static bool check_payload(const cli_payload *pl, const char *opt,
                          const char *s, bool init, char **known, size_t n)
{
    char err[600];
    if (s[0] == '@') {
        if (have_name(known, n, s + 1))
            return true;
        char list[300];
        list_known(known, n, list, sizeof list);
        fprintf(stderr, "error: %s '%s': no program or code is named '%s' "
                        "before it (named so far: %s)\n", opt, s, s + 1,
                n ? list : "none");
        return false;
    }
    uint8_t *b;
    uint32_t len;
    if (!cli_payload_make(pl, s, init, &b, &len, NULL, err, sizeof err)) {
        fprintf(stderr, "error: %s '%s': %s\n", opt, s, err);
        return false;
    }
    free(b);
    return true;
}

bool cli_exec_read_code(const char *opt, const char *file, uint8_t **code,
                        size_t *len)
{
    if (cli_read_file(file, code, len)) {
        fprintf(stderr, "error: %s: cannot read %s: %s\n", opt, file,
                strerror(errno));
        return false;
    }
    return true;
}

static bool parse_account(const char *opt, const char *s, gb_id *out)
{
    char detail[300] = "";
    if (gb_account_parse(s, out->b, detail, sizeof detail) == GB_OK)
        return true;
    fprintf(stderr, "error: %s: unknown account '%s': not a dev account "
                    "(alice ... harry, sr:alice ... sr:ferdie), 0x and 64 hex "
                    "digits, an SS58 address or a key file (%s)\n",
            opt, s, detail);
    return false;
}

/*
 * Read argv into steps, checking everything that can be checked without
 * a chain.  0, or 2 after printing the first problem.
 */
int cli_exec_parse_script(int argc, char **argv, exec_state *st, step **out,
                          size_t *nout)
{
    step *s = NULL;
    size_t n = 0, cap = 0;
    char **known = NULL; /* names defined so far, for @NAME and --to */
    size_t nknown = 0, capknown = 0;
    char *main_name = "main";
    bool main_created = false, seen_init = false;
    int rc = 2;
    /* --code runs first: its names are known everywhere */
    for (int i = 2; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--code")) {
            const char *eq = strchr(argv[i + 1], '=');
            if (eq && eq != argv[i + 1]) {
                char *nm = strndup(argv[i + 1], (size_t)(eq - argv[i + 1]));
                if (!nm || !CLI_PUSH(known, nknown, capknown, nm)) {
                    free(nm);
                    fprintf(stderr, "error: out of memory\n");
                    goto out;
                }
            }
            i++;
        }
    bool has_init = false;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--init"))
            has_init = true;
    if (!has_init) {
        if (!CLI_PUSH(known, nknown, capknown, main_name))
            goto out;
        main_created = true;
    }
    for (int i = 2; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(opt, "--json"))
            continue;
        step x = {.arg = val};
        if (!strcmp(opt, "--idl") || !strcmp(opt, "--scale")) {
            if (!val) {
                fprintf(stderr, "error: %s needs a value\n", opt);
                goto out;
            }
            i++;
            continue; /* read in cli_exec */
        }
        if (!strcmp(opt, "--init"))
            x.kind = ST_INIT;
        else if (!strcmp(opt, "--send"))
            x.kind = ST_SEND;
        else if (!strcmp(opt, "--as"))
            x.kind = ST_AS;
        else if (!strcmp(opt, "--value"))
            x.kind = ST_VALUE;
        else if (!strcmp(opt, "--gas"))
            x.kind = ST_GAS;
        else if (!strcmp(opt, "--code"))
            x.kind = ST_CODE;
        else if (!strcmp(opt, "--program"))
            x.kind = ST_PROGRAM;
        else if (!strcmp(opt, "--to"))
            x.kind = ST_TO;
        else if (!strcmp(opt, "--reply"))
            x.kind = ST_REPLY;
        else {
            fprintf(stderr, "error: unknown option '%s' (see 'gearbox exec "
                            "--help')\n", opt);
            goto out;
        }
        if (!val) {
            fprintf(stderr, "error: %s needs a value (see 'gearbox exec "
                            "--help')\n", opt);
            goto out;
        }
        i++;
        switch (x.kind) {
        case ST_INIT:
            if (seen_init) {
                fprintf(stderr, "error: --init given twice (the main program "
                                "has one init)\n");
                goto out;
            }
            seen_init = true;
            x.payload = val;
            if (!check_payload(&st->pl, "--init", val, true, known, nknown))
                goto out;
            if (!CLI_PUSH(known, nknown, capknown, main_name))
                goto out;
            main_created = true;
            break;
        case ST_SEND:
            if (!main_created) {
                fprintf(stderr, "error: --send '%s' comes before --init: the "
                                "main program is created at --init\n", val);
                goto out;
            }
            x.payload = val;
            if (!check_payload(&st->pl, "--send", val, false, known, nknown))
                goto out;
            break;
        case ST_REPLY: {
            /* a reply is bytes (or a --scale value), not a Sails call */
            cli_payload plain = {.type = st->pl.type, .scale = st->pl.scale};
            x.payload = val;
            if (!main_created) {
                fprintf(stderr, "error: --reply '%s' comes before --init: "
                                "nothing can have written yet\n", val);
                goto out;
            }
            if (!check_payload(&plain, "--reply", val, false, known, nknown))
                goto out;
            break;
        }
        case ST_AS:
            if (!parse_account("--as", val, &x.account))
                goto out;
            break;
        case ST_VALUE:
            if (!gb_u128_parse(val, &x.value)) {
                fprintf(stderr, "error: --value: '%s' is not a decimal amount "
                                "(0 to 2^128-1)\n", val);
                goto out;
            }
            break;
        case ST_GAS:
            if (!cli_opt_u64(opt, val, &x.gas))
                goto out;
            if (!x.gas) {
                fprintf(stderr, "error: --gas 0: a message needs gas to run\n");
                goto out;
            }
            break;
        case ST_CODE: {
            const char *eq = strchr(val, '=');
            if (eq == val) {
                fprintf(stderr, "error: --code '%s': the name before '=' is "
                                "empty (--code [NAME=]FILE)\n", val);
                goto out;
            }
            x.name = eq ? strndup(val, (size_t)(eq - val)) : NULL;
            x.file = strdup(eq ? eq + 1 : val);
            if ((eq && !x.name) || !x.file) {
                free(x.name);
                free(x.file);
                goto out;
            }
            if (!cli_exec_read_code("--code", x.file, &x.code, &x.code_len)) {
                free(x.name);
                free(x.file);
                rc = 1;
                goto out;
            }
            break;
        }
        case ST_PROGRAM: {
            const char *eq = strchr(val, '=');
            if (!eq || eq == val || !eq[1]) {
                fprintf(stderr, "error: --program '%s': expected "
                                "NAME=FILE.wasm[,INIT]\n", val);
                goto out;
            }
            const char *comma = strchr(eq + 1, ',');
            x.name = strndup(val, (size_t)(eq - val));
            x.file = comma ? strndup(eq + 1, (size_t)(comma - eq - 1))
                           : strdup(eq + 1);
            x.payload = comma ? comma + 1 : NULL;
            if (!x.name || !x.file) {
                free(x.name);
                free(x.file);
                goto out;
            }
            if (have_name(known, nknown, x.name)) {
                fprintf(stderr, "error: --program: the name '%s' is taken\n",
                        x.name);
                free(x.name);
                free(x.file);
                goto out;
            }
            if (!cli_exec_read_code("--program", x.file, &x.code,
                                    &x.code_len)) {
                free(x.name);
                free(x.file);
                rc = 1;
                goto out;
            }
            if (x.payload && !check_payload(&st->pl, "--program init",
                                            x.payload, true, known, nknown)) {
                free(x.name);
                free(x.file);
                free(x.code);
                goto out;
            }
            char *nm = strdup(x.name);
            if (!nm || !CLI_PUSH(known, nknown, capknown, nm)) {
                free(nm);
                goto out;
            }
            break;
        }
        case ST_TO: {
            gb_id dummy;
            char detail[64];
            if (!have_name(known, nknown, val) &&
                gb_account_parse(val, dummy.b, detail, sizeof detail)) {
                char list[300];
                list_known(known, nknown, list, sizeof list);
                fprintf(stderr, "error: --to: no program named '%s' before it "
                                "(named so far: %s), and not an account id\n",
                        val, nknown ? list : "none");
                goto out;
            }
            x.name = strdup(val);
            if (!x.name)
                goto out;
            break;
        }
        }
        if (!CLI_PUSH(s, n, cap, x)) {
            free(x.name);
            free(x.file);
            free(x.code);
            fprintf(stderr, "error: out of memory\n");
            rc = 1;
            goto out;
        }
    }
    *out = s;
    *nout = n;
    s = NULL;
    n = 0;
    rc = 0;
out:
    for (size_t k = 0; k < nknown; k++)
        if (known[k] != main_name)
            free(known[k]);
    free(known);
    cli_exec_steps_free(s, n);
    return rc;
}

