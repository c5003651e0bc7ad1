/*
 * `gearbox node --dev [--data DIR] [--rpc ADDR:PORT] [--block-time MS]
 * [--max-connections N] [--threads N]`: run a local node (src/node/node.h)
 * until SIGINT or SIGTERM.
 *
 * At start it prints the RPC address, the data directory and its height,
 * and in dev mode the dev accounts with their (public, well-known) seeds;
 * then one line per block that did something.  A signal finishes the
 * block under way and closes the data directory cleanly; starting again
 * on it continues from the last block.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "node/keys.h"
#include "node/node.h"
#include "util/hex.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gearbox node --dev [OPTIONS]\n\n"
            "Run a local node: blocks in an LMDB data directory, JSON-RPC over HTTP.\n"
            "Ctrl-C (SIGINT) or SIGTERM finishes the current block, makes one more for\n"
            "the transactions still waiting, and stops;\n"
            "starting again on the same directory continues the chain.\n\n"
            "options:\n"
            "  --dev                a development chain: pre-funded dev accounts\n"
            "                       (alice ... harry), dev_* RPC methods, a block as\n"
            "                       soon as a transaction waits\n"
            "  --data DIR           data directory (default ./gearbox-data)\n"
            "  --rpc ADDR:PORT      JSON-RPC address (default 127.0.0.1:9944; port 0:\n"
            "                       any free port)\n"
            "  --block-time MS      milliseconds between blocks (default 1000)\n"
            "  --max-connections N  concurrent RPC connections (default 64)\n"
            "  --threads N          threads running dispatches to different programs\n"
            "                       at once, 0 to 256 (default 0: one per core); the\n"
            "                       state never depends on it (docs/parallel.md)\n"
            "  --rpc-call-ms MS     wall-clock limit of a gas estimate or state read,\n"
            "                       and of those of one request together (default\n"
            "                       2000); a block's queue runs at most half the\n"
            "                       block time, what is left waits for the next\n"
            "  --help               this help\n");
}

static void on_block(void *ctx, const gb_block_result *b)
{
    (void)ctx;
    if (!b->nevents && !b->dispatched)
        return;
    printf("block %u: %u dispatched, %u events, gas %llu\n", b->height,
           b->dispatched, b->nevents, (unsigned long long)b->gas_used);
    fflush(stdout);
}

/* "ADDR:PORT" (or ":PORT", or "PORT") into host (static buffer) and port. */
static bool parse_rpc(const char *s, char *host, size_t hostlen,
                      uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    const char *p = colon ? colon + 1 : s;
    size_t hl = colon ? (size_t)(colon - s) : 0;
    if (hl >= hostlen)
        return false;
    if (hl) {
        memcpy(host, s, hl);
        host[hl] = 0;
    } else {
        snprintf(host, hostlen, "127.0.0.1");
    }
    char *end;
    unsigned long v = strtoul(p, &end, 10);
    if (!*p || *end || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

int cli_node(int argc, char **argv)
{
    gb_node_cfg cfg = {.data_dir = "gearbox-data", .rpc_port = 9944,
                       .block_time_ms = 1000};
    char host[64] = "127.0.0.1";
    bool dev = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--dev")) {
            dev = true;
        } else if (!strcmp(a, "--data")) {
            if (!val) {
                fprintf(stderr, "error: --data needs a directory\n");
                return 2;
            }
            cfg.data_dir = val;
            i++;
        } else if (!strcmp(a, "--rpc")) {
            if (!val || !parse_rpc(val, host, sizeof host, &cfg.rpc_port)) {
                fprintf(stderr, "error: --rpc needs ADDR:PORT, e.g. "
                                "127.0.0.1:9944\n");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--block-time")) {
            uint64_t ms;
            if (!cli_opt_u64(a, val, &ms))
                return 2;
            if (ms == 0 || ms > 3600000) {
                fprintf(stderr, "error: --block-time must be 1 to 3600000 "
                                "milliseconds\n");
                return 2;
            }
            cfg.block_time_ms = ms;
            i++;
        } else if (!strcmp(a, "--max-connections")) {
            uint64_t nconn;
            if (!cli_opt_u64(a, val, &nconn))
                return 2;
            if (nconn == 0 || nconn > 65536) {
                fprintf(stderr, "error: --max-connections must be 1 to "
                                "65536\n");
                return 2;
            }
            cfg.max_connections = (unsigned)nconn;
            i++;
        } else if (!strcmp(a, "--threads")) {
            uint64_t nt;
            if (!cli_opt_u64(a, val, &nt))
                return 2;
            if (nt > 256) {
                fprintf(stderr, "error: --threads must be 0 (one per core) "
                                "to 256\n");
                return 2;
            }
            cfg.threads = (unsigned)nt;
            i++;
        } else if (!strcmp(a, "--rpc-call-ms")) {
            uint64_t ms;
            if (!cli_opt_u64(a, val, &ms))
                return 2;
            if (ms == 0 || ms > 600000) {
                fprintf(stderr, "error: --rpc-call-ms must be 1 to 600000\n");
                return 2;
            }
            cfg.call_time_ms = ms;
            i++;
        } else {
            fprintf(stderr, "error: unknown option %s\n\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!dev) {
        fprintf(stderr, "error: only dev chains exist so far: start the node "
                        "with --dev\n");
        return 2;
    }
    cfg.dev = dev;
    cfg.rpc_host = host;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: the wait ends at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    gb_node *n = NULL;
    char detail[512] = "";
    gb_err e = gb_node_open(&cfg, &n, detail, sizeof detail);
    if (e) {
        fprintf(stderr, "error: %s\n", detail[0] ? detail : gb_err_str(e));
        return 1;
    }
    gb_chain *c = gb_node_chain(n);
    printf("gearbox node (dev chain)\n");
    printf("rpc      http://%s:%u\n", host, (unsigned)gb_node_rpc_port(n));
    printf("data     %s (height %u)\n", cfg.data_dir, gb_chain_height(c));
    printf("blocks   every %llu ms, and at once when transactions wait\n",
           (unsigned long long)cfg.block_time_ms);
    printf("dev accounts (for dev chains only: anyone can sign for them):\n");
    for (uint32_t i = 0; i < GB_DEV_ACCOUNTS; i++) {
        uint8_t seed[GB_KEY_SEED_LEN];
        char id[67], seedhex[2 * GB_KEY_SEED_LEN + 1];
        gb_dev_seed(i, seed);
        gb_hex_encode(seed, sizeof seed, seedhex);
        gb_id_to_hex(gb_dev_account_id(i), id);
        printf("  %-8s %s  seed 0x%s\n", gb_dev_name(i), id, seedhex);
    }
    fflush(stdout);

    e = gb_node_run(n, &stop_requested, on_block, NULL, detail,
                    sizeof detail);
    uint32_t height = gb_chain_height(c);
    gb_node_close(n);
    if (e) {
        fprintf(stderr, "error: %s\n", detail[0] ? detail : gb_err_str(e));
        return 1;
    }
    printf("stopped at height %u\n", height);
    return 0;
}
