/*
 * `gearbox key new|show|dev`: account keys (src/node/keys.h).
 *
 *   key new [--sr25519] [--out FILE] [--force]
 *                                    a fresh random key (ed25519 unless
 *                                    --sr25519), saved to FILE (default
 *                                    ~/.gearbox/key, mode 0600)
 *   key show [FILE|NAME|ACCOUNT]     a key file's or dev account's account
 *                                    id, or an account id (0x hex or SS58)
 *                                    converted (default ~/.gearbox/key)
 *   key dev [--sr25519]              gearbox's eight dev accounts, or
 *                                    Substrate's six (sr:alice ...)
 *
 * Every account is shown as hex and as SS58 under Vara's prefix 137 and
 * Substrate's 42.  Human output by default, one JSON object (or array)
 * with --json.  The seed of a key file is never printed; the seeds of dev
 * accounts are public and are.
 */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "node/keys.h"
#include "util/hex.h"
#include "util/sr25519.h"
#include "util/ss58.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gearbox key <command> [OPTIONS]\n\n"
            "Account keys.  An account's id is its public key: ed25519 for the keys\n"
            "that sign gearbox transactions, sr25519 for Substrate / polkadot.js\n"
            "accounts.  Accounts are shown as hex and as SS58 addresses (Vara's\n"
            "prefix 137, kG...; Substrate's 42, 5...).\n\n"
            "commands:\n"
            "  new [--sr25519] [--out FILE] [--force]\n"
            "                               make a new random key and save it\n"
            "                               (default ~/.gearbox/key, mode 0600)\n"
            "  show [FILE|NAME|ACCOUNT]     print the account of a key file, a dev\n"
            "                               account (alice, or sr:alice for Substrate's)\n"
            "                               or an account id in hex or SS58\n"
            "                               (default ~/.gearbox/key)\n"
            "  dev [--sr25519]              list the dev accounts: gearbox's (alice ...\n"
            "                               harry, ed25519), or with --sr25519\n"
            "                               Substrate's //Alice ... //Ferdie (sr:alice ...)\n\n"
            "options:\n"
            "  --sr25519                    an sr25519 key (Substrate's scheme)\n"
            "  --json                       print JSON, for scripts\n"
            "  --help                       this help\n");
}

/* ~/.gearbox/key into buf; false if HOME is not set. */
static bool default_path(char *buf, size_t len, char *dir, size_t dirlen)
{
    const char *home = getenv("HOME");
    if (!home || !*home)
        return false;
    snprintf(dir, dirlen, "%s/.gearbox", home);
    snprintf(buf, len, "%s/.gearbox/key", home);
    return true;
}

static void hex0x(const uint8_t *p, size_t n, char *out) /* 2n + 3 */
{
    out[0] = '0';
    out[1] = 'x';
    gb_hex_encode(p, n, out + 2);
}

static void print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(j);
}

/* An account's three spellings: hex, SS58 137, SS58 42. */
typedef struct spelled {
    char hex[67];
    char vara[GB_SS58_MAX_LEN + 1];
    char substrate[GB_SS58_MAX_LEN + 1];
} spelled;

static void spell(const uint8_t id[GB_KEY_PUBLIC_LEN], spelled *out)
{
    hex0x(id, GB_KEY_PUBLIC_LEN, out->hex);
    gb_ss58_encode(GB_SS58_VARA, id, out->vara);
    gb_ss58_encode(GB_SS58_SUBSTRATE, id, out->substrate);
}

static void json_account(json_t *j, const spelled *a)
{
    json_object_set_new(j, "account", json_string(a->hex));
    json_object_set_new(j, "ss58", json_string(a->vara));
    json_object_set_new(j, "ss58_42", json_string(a->substrate));
}

static void print_account(const spelled *a)
{
    printf("account  %s\nss58     %s (Vara, 137)\n         %s (Substrate, "
           "42)\n", a->hex, a->vara, a->substrate);
}

/* Options shared by the subcommands: --json, --help; the rest is theirs. */
typedef struct key_opts {
    bool json, force, sr25519;
    const char *out;
    const char *arg; /* the one positional argument, if any */
} key_opts;

enum { ALLOW_OUT = 1, ALLOW_ARG = 2, ALLOW_SR = 4 };

static int parse_opts(int argc, char **argv, unsigned allow, key_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            o->json = true;
        } else if ((allow & ALLOW_SR) && !strcmp(a, "--sr25519")) {
            o->sr25519 = true;
        } else if ((allow & ALLOW_OUT) && !strcmp(a, "--force")) {
            o->force = true;
        } else if ((allow & ALLOW_OUT) && !strcmp(a, "--out")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: --out needs a file name\n");
                return 2;
            }
            o->out = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "error: unknown option '%s' for 'gearbox key %s' "
                            "(see 'gearbox key --help')\n", a, argv[0]);
            return 2;
        } else if ((allow & ALLOW_ARG) && !o->arg) {
            o->arg = a;
        } else {
            fprintf(stderr, "error: unexpected argument '%s' for 'gearbox key "
                            "%s' (see 'gearbox key --help')\n", a, argv[0]);
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

static int key_new(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: gearbox key new [--sr25519] [--out FILE] [--force] [--json]\n\n"
               "Make a new random key and save its seed to FILE (default\n"
               "~/.gearbox/key, created with mode 0600).  An existing file is kept\n"
               "unless --force is given.  Prints the account id, in hex and SS58.\n\n"
               "The key is ed25519, which signs gearbox transactions, unless\n"
               "--sr25519 is given: then it is a Substrate / polkadot.js key (its\n"
               "seed is Substrate's \"secret seed\", a 32-byte mini secret), saved\n"
               "as 'sr25519:0x...'.  The node does not take sr25519-signed gearbox\n"
               "transactions yet.\n");
        return 0;
    }
    key_opts o = {0};
    int rc = parse_opts(argc, argv, ALLOW_OUT | ALLOW_SR, &o);
    if (rc)
        return rc;
    char path[4096], dir[4096];
    if (o.out) {
        snprintf(path, sizeof path, "%s", o.out);
    } else {
        if (!default_path(path, sizeof path, dir, sizeof dir)) {
            fprintf(stderr, "error: HOME is not set, so there is no default key "
                            "file: give one with --out FILE\n");
            return 2;
        }
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "error: cannot create %s: %s (give another file "
                            "with --out FILE)\n", dir, strerror(errno));
            return 1;
        }
    }
    gb_key_scheme scheme = o.sr25519 ? GB_KEY_SR25519 : GB_KEY_ED25519;
    uint8_t seed[GB_KEY_SEED_LEN], pk[GB_KEY_PUBLIC_LEN];
    if (gb_key_random_seed(seed) != GB_OK) {
        fprintf(stderr, "error: no source of randomness to make a key (is "
                        "/dev/urandom available?)\n");
        return 1;
    }
    char detail[512] = "";
    gb_err e = gb_key_file_write_scheme(path, scheme, seed, o.force, detail,
                                        sizeof detail);
    if (!e)
        e = gb_key_public(scheme, seed, pk);
    sodium_memzero(seed, sizeof seed);
    if (e) {
        fprintf(stderr, "error: %s\n", detail);
        return 1;
    }
    spelled a;
    spell(pk, &a);
    if (o.json) {
        json_t *j = json_object();
        json_object_set_new(j, "scheme",
                            json_string(gb_key_scheme_name(scheme)));
        json_account(j, &a);
        json_object_set_new(j, "file", json_string(path));
        print_json(j);
    } else {
        print_account(&a);
        printf("scheme   %s\nsaved    %s (keep it private: it signs for this "
               "account)\n", gb_key_scheme_name(scheme), path);
    }
    return 0;
}

/* A dev account of either scheme: its name, seed and account. */
static void dev_account(gb_key_scheme scheme, uint32_t i, const char **name,
                        uint8_t seed[GB_KEY_SEED_LEN],
                        uint8_t pk[GB_KEY_PUBLIC_LEN])
{
    if (scheme == GB_KEY_SR25519) {
        *name = gb_sr25519_dev_name(i);
        (void)gb_sr25519_dev_keypair(i, seed, pk, NULL);
    } else {
        *name = gb_dev_name(i);
        gb_dev_seed(i, seed);
        (void)gb_key_public(GB_KEY_ED25519, seed, pk);
    }
}

static void dev_json(json_t *j, gb_key_scheme scheme, uint32_t i)
{
    const char *name;
    uint8_t seed[GB_KEY_SEED_LEN], pk[GB_KEY_PUBLIC_LEN];
    char sh[67], nm[16];
    spelled a;
    dev_account(scheme, i, &name, seed, pk);
    spell(pk, &a);
    hex0x(seed, sizeof seed, sh);
    snprintf(nm, sizeof nm, "%s%s", scheme == GB_KEY_SR25519 ? "sr:" : "",
             name);
    json_object_set_new(j, "name", json_string(nm));
    json_object_set_new(j, "index", json_integer(i));
    json_object_set_new(j, "scheme", json_string(gb_key_scheme_name(scheme)));
    json_account(j, &a);
    json_object_set_new(j, "seed", json_string(sh));
}

static int key_show(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: gearbox key show [FILE|NAME|ACCOUNT] [--json]\n\n"
               "Print an account as hex and SS58 (Vara's prefix 137 and Substrate's\n"
               "42).  The argument is a key file (default ~/.gearbox/key), a dev\n"
               "account (alice, bob, charlie, dave, eve, ferdie, george, harry; or\n"
               "Substrate's sr:alice ... sr:ferdie; their seeds are public and are\n"
               "printed too), or an account id (0x and 64 hex digits, or an SS58\n"
               "address kG... or 5...) to convert.\n");
        return 0;
    }
    key_opts o = {0};
    int rc = parse_opts(argc, argv, ALLOW_ARG, &o);
    if (rc)
        return rc;
    char path[4096], dir[4096];
    const char *spec = o.arg;
    if (!spec) {
        if (!default_path(path, sizeof path, dir, sizeof dir)) {
            fprintf(stderr, "error: HOME is not set, so there is no default key "
                            "file: name a key file or a dev account\n");
            return 2;
        }
        spec = path;
    }
    uint8_t seed[GB_KEY_SEED_LEN], pk[GB_KEY_PUBLIC_LEN];
    uint32_t dev;
    gb_key_scheme scheme;
    char detail[512] = "";
    gb_err e = gb_key_resolve_scheme(spec, &scheme, seed, &dev, detail,
                                     sizeof detail);
    if (e == GB_OK) {
        e = gb_key_public(scheme, seed, pk);
        sodium_memzero(seed, sizeof seed);
        if (dev != UINT32_MAX) {
            if (o.json) {
                json_t *j = json_object();
                dev_json(j, scheme, dev);
                print_json(j);
            } else {
                const char *name;
                char sh[67];
                spelled a;
                dev_account(scheme, dev, &name, seed, pk);
                spell(pk, &a);
                hex0x(seed, sizeof seed, sh);
                print_account(&a);
                if (scheme == GB_KEY_SR25519)
                    printf("name     sr:%s (Substrate's dev account //%c%s, "
                           "sr25519: for dev chains only, its seed is "
                           "public)\n", name, name[0] - 'a' + 'A', name + 1);
                else
                    printf("name     %s (dev account %u, ed25519: for dev "
                           "chains only, its seed is public)\n", name, dev);
                printf("seed     %s\n", sh);
            }
            return 0;
        }
        spelled a;
        spell(pk, &a);
        if (o.json) {
            json_t *j = json_object();
            json_object_set_new(j, "scheme",
                                json_string(gb_key_scheme_name(scheme)));
            json_account(j, &a);
            json_object_set_new(j, "file", json_string(spec));
            print_json(j);
        } else {
            print_account(&a);
            printf("scheme   %s\nfile     %s\n", gb_key_scheme_name(scheme),
                   spec);
        }
        return 0;
    }
    /* not a key: perhaps an account id to convert */
    char detail2[512] = "";
    gb_err e2 = gb_account_parse(spec, pk, detail2, sizeof detail2);
    if (e2 == GB_OK) {
        spelled a;
        spell(pk, &a);
        if (o.json) {
            json_t *j = json_object();
            json_account(j, &a);
            print_json(j);
        } else {
            print_account(&a);
        }
        return 0;
    }
    /* an address's own error (checksum, network), else the key's */
    fprintf(stderr, "error: %s\n", e2 != GB_IO && detail2[0] ? detail2 : detail);
    return 1;
}

static int key_dev(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: gearbox key dev [--sr25519] [--json]\n\n"
               "List the dev accounts: name, account id (hex, then SS58 with Vara's\n"
               "prefix 137 and Substrate's 42) and, with --json, the seed (public:\n"
               "anyone can sign for them).  By default gearbox's ed25519 accounts,\n"
               "funded at genesis on dev chains; with --sr25519, Substrate's\n"
               "//Alice ... //Ferdie of the dev phrase (named sr:alice ... on the\n"
               "command line), the accounts polkadot.js's dev keyring uses.\n");
        return 0;
    }
    key_opts o = {0};
    int rc = parse_opts(argc, argv, ALLOW_SR, &o);
    if (rc)
        return rc;
    gb_key_scheme scheme = o.sr25519 ? GB_KEY_SR25519 : GB_KEY_ED25519;
    uint32_t n = o.sr25519 ? GB_SR25519_DEV_ACCOUNTS : GB_DEV_ACCOUNTS;
    json_t *arr = o.json ? json_array() : NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (arr) {
            json_t *j = json_object();
            dev_json(j, scheme, i);
            json_array_append_new(arr, j);
        } else {
            const char *name;
            uint8_t seed[GB_KEY_SEED_LEN], pk[GB_KEY_PUBLIC_LEN];
            char nm[16];
            spelled a;
            dev_account(scheme, i, &name, seed, pk);
            spell(pk, &a);
            snprintf(nm, sizeof nm, "%s%s", o.sr25519 ? "sr:" : "", name);
            printf("%-10s %s %s %s\n", nm, a.hex, a.vara, a.substrate);
        }
    }
    if (arr)
        print_json(arr);
    return 0;
}

static const cli_cmd key_cmds[] = {
    { "new", key_new, "make a new random key and save it" },
    { "show", key_show, "an account (key file, dev account, hex or SS58)" },
    { "dev", key_dev, "list the dev accounts" },
};

int cli_key(int argc, char **argv)
{
    if (argc >= 2 && cli_is_help(argv[1])) {
        usage(stdout);
        return 0;
    }
    return cli_dispatch("gearbox key", key_cmds, COUNT(key_cmds), argc - 1,
                        argv + 1);
}
