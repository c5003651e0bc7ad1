/*
 * `gearbox trace MESSAGE_ID [--node URL | --data DIR] [--json]
 *  [--flamegraph FILE.svg] [--folded FILE]`: re-run a message from the
 * stored state of its block (chain.h, "tracing a message") and print every
 * syscall with its arguments and results, the pages it touched, and where
 * its gas went: precharge, per function, per syscall, per page
 * (gear/trace.h).  With --node, the node does it (gearbox_traceMessage);
 * with --data, this process, on a stopped node's directory.  Nothing
 * changes either way.  Exit status: 0 traced, 1 failed (no such message,
 * the node or store), 2 bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "cli/cli.h"
#include "cli/cli_util.h"
#include "cli/client.h"
#include "gear/trace.h"
#include "util/hex.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gearbox trace MESSAGE_ID [--node URL | --data DIR] "
            "[--json]\n"
            "                     [--flamegraph FILE.svg] [--folded FILE]\n\n"
            "Re-run a message from the stored state of its block (the chain "
            "replayed from\nits stored inputs in a scratch copy: nothing "
            "changes) and show what it did:\nevery syscall with its "
            "arguments, results and gas, the gas per function of\nthe "
            "program (named from its name section), per syscall and per "
            "memory page.\n\n"
            "  --node URL          ask a running node (default "
            CLI_DEFAULT_NODE ")\n"
            "  --data DIR          trace in this process, from a stopped "
            "node's directory\n"
            "  --json              the trace as JSON\n"
            "  --flamegraph FILE   write an SVG flame graph of gas by call "
            "stack\n"
            "  --folded FILE       write folded stacks (flamegraph tools' "
            "input)\n");
}

static bool write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f)) {
        fprintf(stderr, "error: cannot write %s\n", path);
        if (f)
            fclose(f);
        return false;
    }
    return true;
}

/* In this process, from a data directory. */
static int trace_dir(const char *dir, gb_id id, bool json, const char *svg,
                     const char *folded)
{
    gb_chain *c = cli_open_chain_dir(dir, "use --node");
    if (!c)
        return 1;
    gb_trace *t = NULL;
    if (gb_trace_new(&id, &t)) {
        gb_chain_close(c);
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    gb_chain_trace_info info;
    gb_err e = gb_chain_trace_message(c, id, 0, t, &info);
    gb_chain_close(c);
    int rc = 0;
    if (e) {
        fprintf(stderr, "error: cannot trace the message: %s\n",
                info.why[0] ? info.why : gb_err_str(e));
        rc = 1;
    } else {
        if (json)
            gb_trace_json(t, stdout);
        else {
            printf("message ran in block%s %u%s%u, %u run%s, %llu gas "
                   "burned (the chain's events); replayed %u blocks in "
                   "%.0f ms\n\n",
                   info.first_block == info.last_block ? "" : "s",
                   info.first_block,
                   info.first_block == info.last_block ? "" : "..",
                   info.first_block == info.last_block ? 0 : info.last_block,
                   info.runs, info.runs == 1 ? "" : "s",
                   (unsigned long long)info.gas_burned, info.replayed,
                   info.ms);
            gb_trace_print(t, stdout);
        }
        FILE *o;
        if (svg) {
            if (!(o = fopen(svg, "wb")) || gb_trace_flamegraph_svg(t, o) ||
                fclose(o)) {
                fprintf(stderr, "error: cannot write %s\n", svg);
                rc = 1;
            }
        }
        if (folded) {
            if (!(o = fopen(folded, "wb")) || gb_trace_folded(t, o) ||
                fclose(o)) {
                fprintf(stderr, "error: cannot write %s\n", folded);
                rc = 1;
            }
        }
    }
    gb_trace_free(t);
    return rc;
}

int cli_trace(int argc, char **argv)
{
    const char *msg = NULL, *data = NULL, *node = NULL, *svg = NULL,
               *folded = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--data") || !strcmp(a, "--node") ||
                   !strcmp(a, "--flamegraph") || !strcmp(a, "--folded")) {
            if (!val) {
                fprintf(stderr, "error: %s needs a value\n", a);
                return 2;
            }
            *(!strcmp(a, "--data")         ? &data
              : !strcmp(a, "--node")       ? &node
              : !strcmp(a, "--flamegraph") ? &svg
                                           : &folded) = val;
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "error: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!msg) {
            msg = a;
        } else {
            fprintf(stderr, "error: one message id only ('%s')\n", a);
            return 2;
        }
    }
    gb_id id;
    size_t n = 0;
    if (!msg || gb_hex_decode(msg, id.b, 32, &n) || n != 32) {
        fprintf(stderr, "error: %s\n",
                msg ? "MESSAGE_ID must be 0x and 64 hex digits"
                    : "which message? (gearbox trace MESSAGE_ID)");
        return 2;
    }
    if (data && node) {
        fprintf(stderr, "error: --data or --node, not both\n");
        return 2;
    }
    if (data)
        return trace_dir(data, id, json, svg, folded);
    cli_copts o = {0};
    char cerr[256] = "";
    if (!cli_config_defaults(&o, cerr, sizeof cerr)) {
        fprintf(stderr, "error: %s\n", cerr);
        return 2;
    }
    if (node)
        o.node = node;
    if (!o.node)
        o.node = CLI_DEFAULT_NODE;
    int rc = 0;
    json_t *res = cli_rpc(&o, "gearbox_traceMessage",
                          json_pack("{s:s,s:b}", "messageId", msg, "svg",
                                    svg != NULL),
                          &rc);
    if (!res)
        return rc ? rc : 1;
    if (json)
        cli_print_json(json_object_get(res, "trace"));
    else {
        printf("message ran in blocks %lld..%lld, %lld run(s), %lld gas "
               "burned (the chain's events); the node replayed %lld blocks\n\n",
               (long long)json_integer_value(json_object_get(res, "firstBlock")),
               (long long)json_integer_value(json_object_get(res, "lastBlock")),
               (long long)json_integer_value(json_object_get(res, "runs")),
               (long long)json_integer_value(json_object_get(res, "gasBurned")),
               (long long)json_integer_value(
                   json_object_get(res, "replayedBlocks")));
        fputs(json_string_value(json_object_get(res, "text")), stdout);
    }
    rc = 0;
    if (svg && !write_file(svg, json_string_value(json_object_get(res, "svg"))))
        rc = 1;
    if (folded &&
        !write_file(folded, json_string_value(json_object_get(res, "folded"))))
        rc = 1;
    json_decref(res);
    return rc;
}
