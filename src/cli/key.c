/*
 * `gearbox key new|show|dev`: account keys (src/node/keys.h).
 *
 *   key new [--out FILE] [--force]   a fresh random key, saved to FILE
 *                                    (default ~/.gearbox/key, mode 0600)
 *   key show [FILE|DEVNAME]          the account id of a key file or a dev
 *                                    account (default ~/.gearbox/key)
 *   key dev                          the eight dev accounts
 *
 * Human output by default, one JSON object (or array) with --json.  The
 * seed of a key file is never printed; the seeds of dev accounts are
 * public and are.
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

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gearbox key <command> [OPTIONS]\n\n"
            "Account keys: an account is an ed25519 key, its id the public key.\n\n"
            "commands:\n"
            "  new [--out FILE] [--force]   make a new random key and save it\n"
            "                               (default ~/.gearbox/key, mode 0600)\n"
            "  show [FILE|DEVNAME]          print the account id of a key file or a\n"
            "                               dev account (default ~/.gearbox/key)\n"
            "  dev                          list the dev accounts (alice ... harry)\n\n"
            "options:\n"
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

/* Options shared by the subcommands: --json, --help; the rest is theirs. */
typedef struct key_opts {
    bool json, force;
    const char *out;
    const char *arg; /* the one positional argument, if any */
} key_opts;

static int parse_opts(int argc, char **argv, bool allow_out, bool allow_arg,
                      key_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            o->json = true;
        } else if (allow_out && !strcmp(a, "--force")) {
            o->force = true;
        } else if (allow_out && !strcmp(a, "--out")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: --out needs a file name\n");
                return 2;
            }
            o->out = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "error: unknown option '%s' for 'gearbox key %s' "
                            "(see 'gearbox key --help')\n", a, argv[0]);
            return 2;
        } else if (allow_arg && !o->arg) {
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
        printf("usage: gearbox key new [--out FILE] [--force] [--json]\n\n"
               "Make a new random ed25519 key and save its seed to FILE (default\n"
               "~/.gearbox/key, created with mode 0600).  An existing file is kept\n"
               "unless --force is given.  Prints the account id.\n");
        return 0;
    }
    key_opts o = {0};
    int rc = parse_opts(argc, argv, true, false, &o);
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
    uint8_t seed[GB_KEY_SEED_LEN], pk[GB_KEY_PUBLIC_LEN], sk[GB_KEY_SECRET_LEN];
    if (gb_key_random_seed(seed) != GB_OK) {
        fprintf(stderr, "error: no source of randomness to make a key (is "
                        "/dev/urandom available?)\n");
        return 1;
    }
    char detail[512] = "";
    gb_err e = gb_key_file_write(path, seed, o.force, detail, sizeof detail);
    gb_key_from_seed(seed, pk, sk);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    if (e) {
        fprintf(stderr, "error: %s\n", detail);
        return 1;
    }
    char id[67];
    hex0x(pk, sizeof pk, id);
    if (o.json) {
        json_t *j = json_object();
        json_object_set_new(j, "account", json_string(id));
        json_object_set_new(j, "file", json_string(path));
        print_json(j);
    } else {
        printf("account  %s\nsaved    %s (keep it private: it signs for this "
               "account)\n", id, path);
    }
    return 0;
}

static void show_dev_json(json_t *j, uint32_t i)
{
    uint8_t seed[GB_KEY_SEED_LEN];
    char id[67], sh[67];
    gb_dev_seed(i, seed);
    gb_id_to_hex(gb_dev_account_id(i), id);
    hex0x(seed, sizeof seed, sh);
    json_object_set_new(j, "name", json_string(gb_dev_name(i)));
    json_object_set_new(j, "index", json_integer(i));
    json_object_set_new(j, "account", json_string(id));
    json_object_set_new(j, "seed", json_string(sh));
}

static int key_show(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: gearbox key show [FILE|DEVNAME] [--json]\n\n"
               "Print the account id of a key file (default ~/.gearbox/key) or\n"
               "of a dev account (alice, bob, charlie, dave, eve, ferdie, george,\n"
               "harry; their seeds are public and are printed too).\n");
        return 0;
    }
    key_opts o = {0};
    int rc = parse_opts(argc, argv, false, true, &o);
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
    uint8_t seed[GB_KEY_SEED_LEN], pk[GB_KEY_PUBLIC_LEN], sk[GB_KEY_SECRET_LEN];
    uint32_t dev;
    char detail[512] = "";
    if (gb_key_resolve(spec, seed, &dev, detail, sizeof detail) != GB_OK) {
        fprintf(stderr, "error: %s\n", detail);
        return 1;
    }
    gb_key_from_seed(seed, pk, sk);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    char id[67];
    hex0x(pk, sizeof pk, id);
    if (dev != UINT32_MAX) {
        if (o.json) {
            json_t *j = json_object();
            show_dev_json(j, dev);
            print_json(j);
        } else {
            uint8_t ds[GB_KEY_SEED_LEN];
            char sh[67];
            gb_dev_seed(dev, ds);
            hex0x(ds, sizeof ds, sh);
            printf("account  %s\nname     %s (dev account %u: for dev chains "
                   "only, its seed is public)\nseed     %s\n",
                   id, gb_dev_name(dev), dev, sh);
        }
    } else if (o.json) {
        json_t *j = json_object();
        json_object_set_new(j, "account", json_string(id));
        json_object_set_new(j, "file", json_string(spec));
        print_json(j);
    } else {
        printf("account  %s\nfile     %s\n", id, spec);
    }
    return 0;
}

static int key_dev(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: gearbox key dev [--json]\n\n"
               "List the dev accounts, funded at genesis on dev chains: name,\n"
               "account id and seed (public: anyone can sign for them).\n");
        return 0;
    }
    key_opts o = {0};
    int rc = parse_opts(argc, argv, false, false, &o);
    if (rc)
        return rc;
    json_t *arr = o.json ? json_array() : NULL;
    for (uint32_t i = 0; i < GB_DEV_ACCOUNTS; i++) {
        if (arr) {
            json_t *j = json_object();
            show_dev_json(j, i);
            json_array_append_new(arr, j);
        } else {
            char id[67];
            gb_id_to_hex(gb_dev_account_id(i), id);
            printf("%-8s %s\n", gb_dev_name(i), id);
        }
    }
    if (arr)
        print_json(arr);
    return 0;
}

static const cli_cmd key_cmds[] = {
    { "new", key_new, "make a new random key and save it" },
    { "show", key_show, "the account id of a key file or a dev account" },
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
