/*
 * `gearbox replay --data DIR [--from N] [--to M] [--threads N] [--json]`:
 * re-execute a stopped node's stored blocks from their inputs in a scratch
 * copy (chain.h, "replaying blocks") and report the first block whose hash
 * (state root, gas, dispatches) or events differ.
 *
 * Exit status: 0 every block compared is the same, 1 a block differs, 2
 * bad usage or the replay could not run (the data directory in use, not a
 * chain, a block without stored inputs).
 */
#include <stdio.h>
#include <string.h>

#include "chain/chain.h"
#include "cli/cli.h"
#include "cli/cli_util.h"
#include "cli/client.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gearbox replay [--data DIR] [--from N] [--to M] "
            "[--threads N] [--json]\n\n"
            "Re-execute the blocks stored in DIR (default gearbox-data) from "
            "their stored\ninputs, in a scratch copy (DIR is only read), "
            "from genesis up to M (default:\nthe head), and compare blocks "
            "N (default 1) to M with the stored ones: hash,\nstate root, gas "
            "used, dispatches and events.  The node using DIR must be\n"
            "stopped (or replay a copy of the directory).\n\n"
            "Exit status: 0 all the same, 1 a block differs, 2 the replay "
            "could not run.\n");
}

int cli_replay(int argc, char **argv)
{
    const char *data = "gearbox-data";
    uint64_t from = 0, to = 0, threads = 0;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--data")) {
            if (!val) {
                fprintf(stderr, "error: --data needs a directory\n");
                return 2;
            }
            data = val;
            i++;
        } else if (!strcmp(a, "--from") || !strcmp(a, "--to") ||
                   !strcmp(a, "--threads")) {
            uint64_t *dst = a[2] == 'f' ? &from : a[2] == 't' && a[3] == 'o'
                                                      ? &to
                                                      : &threads;
            if (!cli_opt_u64(a, val, dst))
                return 2;
            if (*dst > UINT32_MAX || (dst == &threads && *dst > 256)) {
                fprintf(stderr, "error: %s is out of range\n", a);
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "error: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (from && to && from > to) {
        fprintf(stderr, "error: --from %llu is after --to %llu\n",
                (unsigned long long)from, (unsigned long long)to);
        return 2;
    }
    gb_chain *c = cli_open_chain_dir(data, "stop it, or replay a copy of "
                                           "the directory");
    if (!c)
        return 2;
    if (to > gb_chain_height(c)) {
        fprintf(stderr, "error: --to %llu is above the head (%u)\n",
                (unsigned long long)to, gb_chain_height(c));
        gb_chain_close(c);
        return 2;
    }
    gb_chain_replay_opts o = {.from = (uint32_t)from, .to = (uint32_t)to,
                              .threads = (unsigned)threads};
    gb_chain_replay_report r;
    gb_err e = gb_chain_replay(c, &o, &r);
    gb_chain_close(c);
    int rc = e ? 2 : r.bad ? 1 : 0;
    if (json) {
        json_t *j = json_pack("{s:b,s:i,s:i,s:i,s:i,s:s,s:f}", "ok", !rc,
                              "from", (json_int_t)r.from, "to",
                              (json_int_t)r.to, "replayed",
                              (json_int_t)r.replayed, "first_bad",
                              (json_int_t)r.bad, "why", r.why, "ms", r.ms);
        cli_print_json(j);
        json_decref(j);
    } else if (e) {
        fprintf(stderr, "error: replay stopped after %u blocks: %s\n",
                r.replayed, r.why);
    } else if (r.bad) {
        printf("block %u differs: %s\n(replayed %u blocks in %.1f ms)\n",
               r.bad, r.why, r.replayed, r.ms);
    } else {
        printf("blocks %u..%u replayed from their inputs: all the same "
               "(%u blocks in %.1f ms)\n",
               r.from, r.to, r.replayed, r.ms);
    }
    return rc;
}
