/*
 * Helpers shared by the CLI's commands (see cli_util.h) and the command
 * dispatcher (see cli.h).
 */
#include "cli/cli_util.h"

#include "chain/chain.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/parse.h"

gb_err cli_read_file(const char *path, uint8_t **out_buf, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return GB_IO;
    gb_err err = GB_OK;
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap + 1);
    if (!buf) {
        err = GB_NOMEM;
        goto fail;
    }
    for (;;) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len < cap) {
            if (ferror(f)) {
                err = GB_IO;
                goto fail;
            }
            break; /* end of file */
        }
        if (cap > SIZE_MAX / 4) {
            err = GB_NOMEM;
            goto fail;
        }
        uint8_t *nb = realloc(buf, cap * 2 + 1);
        if (!nb) {
            err = GB_NOMEM;
            goto fail;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    buf[len] = 0;
    *out_buf = buf;
    *out_len = len;
    return GB_OK;
fail:
    {
        int saved = errno;
        free(buf);
        fclose(f);
        errno = saved;
    }
    return err;
}

bool cli_grow(void **arr, size_t *cap, size_t elem)
{
    size_t nc = *cap ? *cap * 2 : 8;
    if (nc > SIZE_MAX / elem)
        return false;
    void *na = realloc(*arr, nc * elem);
    if (!na)
        return false;
    *arr = na;
    *cap = nc;
    return true;
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

bool cli_opt_u64(const char *opt, const char *val, uint64_t *out)
{
    if (!val) {
        fprintf(stderr, "error: %s needs a value\n", opt);
        return false;
    }
    if (gb_parse_u64(val, out) != GB_OK) {
        fprintf(stderr,
                "error: %s needs an unsigned integer (decimal or 0x hex), "
                "not '%s'\n",
                opt, val);
        return false;
    }
    return true;
}

static void print_usage(FILE *out, const char *prefix, const cli_cmd *table,
                        size_t n)
{
    fprintf(out, "usage: %s <command> [ARGS...]\n\ncommands:\n", prefix);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-10s %s\n", table[i].name, table[i].help);
    fprintf(out, "\nRun '%s <command> --help' for a command's options.\n",
            prefix);
}

int cli_dispatch(const char *prefix, const cli_cmd *table, size_t n,
                 int argc, char **argv)
{
    if (argc < 1) {
        print_usage(stderr, prefix, table, n);
        return 2;
    }
    if (cli_is_help(argv[0]) || strcmp(argv[0], "help") == 0) {
        /* "help CMD" is "CMD --help". */
        if (argc >= 2) {
            for (size_t i = 0; i < n; i++)
                if (strcmp(argv[1], table[i].name) == 0) {
                    char help[] = "--help";
                    char *sub[] = { argv[1], help, NULL };
                    return table[i].fn(2, sub);
                }
            fprintf(stderr, "error: unknown command '%s %s'\n\n", prefix,
                    argv[1]);
            print_usage(stderr, prefix, table, n);
            return 2;
        }
        print_usage(stdout, prefix, table, n);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(argv[0], table[i].name) == 0)
            return table[i].fn(argc, argv);
    if (argv[0][0] == '-')
        fprintf(stderr, "error: unknown option '%s'\n\n", argv[0]);
    else
        fprintf(stderr, "error: unknown command '%s %s'\n\n", prefix,
                argv[0]);
    print_usage(stderr, prefix, table, n);
    return 2;
}

struct gb_chain *cli_open_chain_dir(const char *dir, const char *busy_hint)
{
    char f[4200];
    struct stat st;
    snprintf(f, sizeof f, "%s/data.mdb", dir);
    if (stat(f, &st) != 0) {
        fprintf(stderr, "error: %s holds no chain (no data.mdb)\n", dir);
        return NULL;
    }
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.data_dir = dir;
    cfg.nosync = true;
    cfg.temp_parent = getenv("TMPDIR"); /* replay's scratch store */
    char detail[256] = "";
    gb_chain *c;
    gb_err e = gb_chain_open(&cfg, &c, detail, sizeof detail);
    if (e == GB_BUSY)
        fprintf(stderr, "error: %s is in use by a running node: %s\n", dir,
                busy_hint);
    else if (e)
        fprintf(stderr, "error: cannot open the chain in %s: %s\n", dir,
                detail[0] ? detail : gb_err_str(e));
    return e ? NULL : c;
}
