/*
 * Payloads from the command line (see payload.h), and `gearbox payload`:
 * encode and decode payloads with a Sails IDL or a SCALE type, without a
 * chain.
 */
#include "cli/payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "util/hex.h"

bool cli_payload_load(cli_payload *pl, char *err, size_t errlen)
{
    if (pl->idl_path && pl->scale) {
        snprintf(err, errlen, "give --idl or --scale, not both");
        return false;
    }
    if (pl->idl_path && !(pl->idl = cli_idl_load(pl->idl_path, err, errlen)))
        return false;
    if (pl->scale) {
        char inner[400];
        if (!(pl->ts = cli_types_new())) {
            snprintf(err, errlen, "out of memory");
            return false;
        }
        if (!(pl->type = cli_scale_parse(pl->ts, pl->scale, inner,
                                         sizeof inner))) {
            snprintf(err, errlen, "--scale '%s': %s", pl->scale, inner);
            return false;
        }
    }
    return true;
}

void cli_payload_free(cli_payload *pl)
{
    cli_idl_free(pl->idl);
    cli_types_free(pl->ts);
    pl->idl = NULL;
    pl->ts = NULL;
    pl->type = NULL;
}

bool cli_payload_plain(const char *s, uint8_t **out, uint32_t *len,
                       char *err, size_t errlen)
{
    size_t n = strlen(s);
    if (!(*out = malloc(n + 1))) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        size_t got, bad = 2;
        while (bad < n && strchr("0123456789abcdefABCDEF", s[bad]))
            bad++;
        if (bad < n || n % 2) {
            if (bad < n)
                snprintf(err, errlen, "'%.60s' is not hex: '%c' (at %zu) is "
                         "not a hex digit; to send the text, leave out the "
                         "0x", s, s[bad], bad);
            else
                snprintf(err, errlen, "'%.60s' is not hex: an odd number of "
                         "hex digits (%zu), a byte is two", s, n - 2);
            free(*out);
            *out = NULL;
            return false;
        }
        gb_hex_decode(s, *out, n, &got);
        *len = (uint32_t)got;
        return true;
    }
    memcpy(*out, s, n);
    *len = (uint32_t)n;
    return true;
}

bool cli_payload_make(const cli_payload *pl, const char *s, bool init,
                      uint8_t **out, uint32_t *len, const cli_idl_func **fn,
                      char *err, size_t errlen)
{
    if (fn)
        *fn = NULL;
    if (pl->idl) {
        const cli_idl_func *f;
        if (!cli_idl_encode(pl->idl, s, init, out, len, &f, err, errlen))
            return false;
        if (fn)
            *fn = f;
        return true;
    }
    if (pl->type) {
        json_error_t je;
        json_t *v = json_loads(s, JSON_DECODE_ANY, &je);
        if (!v) {
            snprintf(err, errlen, "'%.60s' is not JSON: %s", s, je.text);
            return false;
        }
        uint8_t *buf = NULL;
        size_t n = 0;
        char inner[300];
        bool ok = cli_scale_encode(pl->type, v, &buf, &n, inner, sizeof inner);
        json_decref(v);
        if (!ok) {
            snprintf(err, errlen, "as %s: %s", pl->scale, inner);
            return false;
        }
        *out = buf;
        *len = (uint32_t)n;
        return true;
    }
    return cli_payload_plain(s, out, len, err, errlen);
}

json_t *cli_payload_decode(const cli_payload *pl, const cli_idl_func *fn,
                           const uint8_t *p, uint32_t len)
{
    char err[300];
    json_t *v = NULL;
    if (pl->idl && fn)
        v = cli_idl_decode_reply(pl->idl, fn, p, len, err, sizeof err);
    else if (pl->type)
        v = cli_scale_decode(pl->type, p, len, err, sizeof err);
    else
        return NULL;
    return v ? v : json_pack("{s:s}", "error", err);
}

json_t *cli_payload_decode_hex(const cli_payload *pl, const cli_idl_func *fn,
                               const char *hex)
{
    size_t n = strlen(hex);
    uint8_t *b = malloc(n / 2 + 1);
    size_t got;
    if (!b || gb_hex_decode(hex, b, n / 2 + 1, &got)) {
        free(b);
        return NULL;
    }
    json_t *v = cli_payload_decode(pl, fn, b, (uint32_t)got);
    free(b);
    return v;
}

/* ---- gearbox payload ---------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gearbox payload encode (--idl FILE [--init] | --scale TYPE) VALUE\n"
            "       gearbox payload decode (--idl FILE --reply Service/Method |\n"
            "                               --idl FILE --event | --scale TYPE) HEX\n\n"
            "Encode a payload as a Gear program reads it, or decode one it wrote,\n"
            "without a chain.  encode prints 0x hex; decode prints JSON.\n\n"
            "  --idl FILE      a Sails IDL file (sails-rs 0.10): VALUE is a call,\n"
            "                  'Service/Method JSON_ARGS' ('Counter/Add [10]'), or with\n"
            "                  --init a constructor, 'New [42, null]'\n"
            "  --init          VALUE is a constructor call\n"
            "  --reply S/M     decode the reply to method M of service S\n"
            "  --event         decode an event (a message to the zero address)\n"
            "  --scale TYPE    a SCALE type expression: u8 ... u128, i8 ... i128, u256,\n"
            "                  bool, char, str, bytes, h256, actor_id, [T; N], vec T,\n"
            "                  opt T, result (T, E), map (K, V), (T1, T2, ...);\n"
            "                  VALUE is JSON ('[1, \"a\"]' for (u8, str))\n\n"
            "JSON: integers as numbers (decimal strings above 2^53), opt as null or\n"
            "the value, result as {\"ok\": v} / {\"err\": v}, enum variants as \"Name\" or\n"
            "{\"Name\": v}, structs as objects (unnamed fields: arrays), ids and bytes\n"
            "as 0x hex.  Exit status: 0, 1 when the value does not fit, 2 for usage.\n");
}

int cli_payload_cmd(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
    if (argc < 2 || (strcmp(argv[1], "encode") && strcmp(argv[1], "decode"))) {
        fprintf(stderr, "error: say 'encode' or 'decode' (see 'gearbox payload "
                        "--help')\n");
        return 2;
    }
    bool encode = !strcmp(argv[1], "encode"), init = false, event = false;
    const char *reply = NULL, *value = NULL;
    cli_payload pl = {0};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **sv = !strcmp(a, "--idl") ? &pl.idl_path
                        : !strcmp(a, "--scale") ? &pl.scale
                        : !strcmp(a, "--reply") ? &reply : NULL;
        if (sv) {
            if (!v) {
                fprintf(stderr, "error: %s needs a value\n", a);
                return 2;
            }
            *sv = v;
            i++;
        } else if (!strcmp(a, "--init")) {
            init = true;
        } else if (!strcmp(a, "--event")) {
            event = true;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "error: unknown option '%s' for 'gearbox payload' "
                            "(see 'gearbox payload --help')\n", a);
            return 2;
        } else if (!value) {
            value = a;
        } else {
            fprintf(stderr, "error: unexpected argument '%s' (quote the value "
                            "as one argument)\n", a);
            return 2;
        }
    }
    if (!value) {
        fprintf(stderr, "error: give the value to %s\n", argv[1]);
        return 2;
    }
    if (!pl.idl_path && !pl.scale) {
        fprintf(stderr, "error: give --idl FILE or --scale TYPE\n");
        return 2;
    }
    if (!encode && pl.idl_path && !reply && !event) {
        fprintf(stderr, "error: with --idl, decode needs --reply Service/Method "
                        "or --event\n");
        return 2;
    }
    char err[600];
    if (!cli_payload_load(&pl, err, sizeof err)) {
        fprintf(stderr, "error: %s\n", err);
        cli_payload_free(&pl);
        return 2;
    }
    int rc = 1;
    if (encode) {
        uint8_t *b;
        uint32_t n;
        if (!cli_payload_make(&pl, value, init, &b, &n, NULL, err,
                              sizeof err)) {
            fprintf(stderr, "error: %s\n", err);
        } else {
            char *hex = malloc(2 * (size_t)n + 1);
            if (hex) {
                gb_hex_encode(b, n, hex);
                printf("0x%s\n", hex);
                rc = 0;
            }
            free(hex);
            free(b);
        }
        cli_payload_free(&pl);
        return rc;
    }
    uint8_t *b = NULL;
    uint32_t n;
    err[0] = 0;
    if (!cli_payload_plain(value, &b, &n, err, sizeof err) ||
        (value[0] != '0' || (value[1] != 'x' && value[1] != 'X'))) {
        if (b && !err[0])
            snprintf(err, sizeof err, "give the payload as 0x hex");
        free(b);
        fprintf(stderr, "error: %s\n", err);
        cli_payload_free(&pl);
        return 2;
    }
    json_t *v = NULL;
    const cli_idl_func *fn = NULL;
    if (event) {
        if (!(v = cli_idl_decode_event(pl.idl, b, n)))
            snprintf(err, sizeof err, "not an event of the IDL's services");
    } else if (pl.idl) {
        if (!(fn = cli_idl_find(pl.idl, reply, false, err, sizeof err))) {
            fprintf(stderr, "error: --reply: %s\n", err);
            free(b);
            cli_payload_free(&pl);
            return 2;
        }
        if (fn) {
            err[0] = 0;
            v = cli_idl_decode_reply(pl.idl, fn, b, n, err, sizeof err);
        }
    } else {
        v = cli_scale_decode(pl.type, b, n, err, sizeof err);
    }
    free(b);
    if (v) {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(v);
        rc = 0;
    } else {
        fprintf(stderr, "error: %s\n", err);
    }
    cli_payload_free(&pl);
    return rc;
}
