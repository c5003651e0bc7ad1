/*
 * `gearbox node --dev [--data DIR] [--rpc ADDR:PORT] [--block-time MS]
 * [--max-connections N] [--threads N] [--code-cache MIB] [--rpc-cors ORIGINS]
 * [--rpc-* limits]`: run a local node (src/node/node.h) until SIGINT or
 * SIGTERM.  The RPC limits are listed in docs/security.md.
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
#include "gear/codes.h"
#include "node/keys.h"
#include "node/devctl.h"
#include "node/node.h"
#include "node/origin.h"
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
            "  --mining MODE        auto (a block as soon as a transaction waits,\n"
            "                       and every block time: the default), interval MS\n"
            "                       (a block every MS), or manual (blocks only on\n"
            "                       dev_mine / gearbox mine); docs/devnode.md\n"
            "  --max-connections N  concurrent RPC connections (default 128)\n"
            "  --threads N          threads running dispatches to different programs\n"
            "                       at once, 0 to 256 (default 0: one per core); the\n"
            "                       state never depends on it (docs/parallel.md)\n"
            "  --interp             run programs in the interpreter (default: compiled\n"
            "                       to machine code on x86-64; the state is the same)\n"
            "  --rpc-call-ms MS     wall-clock limit of a gas estimate or state read,\n"
            "                       and of those of one request together (default\n"
            "                       2000); a block's queue runs at most half the\n"
            "                       block time, what is left waits for the next\n"
            "  --code-cache MIB     prepared (compiled) code kept in memory, in MiB,\n"
            "                       1 to 1048576 (default 256); the least recently\n"
            "                       used code beyond it is dropped between blocks and\n"
            "                       compiled again when next needed\n"
            "  --rpc-cors ORIGINS   browser pages allowed beside localhost ones:\n"
            "                       'all', or a comma-separated list of origins\n"
            "                       (https://app.example,http://host:8080)\n"
            "  --log-level LEVEL    error, warn, info (default: a line per block that\n"
            "                       did something, and each failed dispatch with\n"
            "                       its reply code and panic text) or debug (also\n"
            "                       what programs print with gr_debug, with the\n"
            "                       program id)\n"
            "  --fork SRC           start a new dev chain (in a new --data directory)\n"
            "                       from the state at the head of SRC: a snapshot\n"
            "                       file or another chain's data directory (docs/\n"
            "                       replay.md); it gets a chain id of its own\n"
            "  --cluster URLS       be one replica of a chain kept on NATS JetStream\n"
            "                       (nats://HOST:PORT[,...]; docs/cluster.md)\n"
            "  --cluster-name NAME  the chain's name there (default dev)\n"
            "  --replica NAME       this replica's name (default host-pid)\n"
            "  --cluster-copies N   JetStream copies of the log, 1 or 3 (default 1)\n"
            "  --block-nice N       a replica's block work N steps of nice (0 to 19)\n"
            "                       below its requests (default 10; 0: as them)\n"
            "  --help               this help\n\n"
            "RPC limits (docs/security.md; a request beyond them is refused with a\n"
            "JSON-RPC error):\n"
            "  --rpc-max-connections-per-ip N  connections from one address (32)\n"
            "  --rpc-header-timeout S       seconds for a request's headers to come (10)\n"
            "  --rpc-request-timeout S      seconds from headers to response sent, and\n"
            "                               for a WebSocket message to come whole (30)\n"
            "  --rpc-max-request-size MIB   one request or WebSocket message (24)\n"
            "  --rpc-max-response-size MIB  one response, a batch's together (32)\n"
            "  --rpc-max-buffered MIB       all connections' bodies, responses and\n"
            "                               WebSocket buffers together (64)\n"
            "  --rpc-max-batch-request-len N  calls in one batch (64)\n"
            "  --rpc-max-json-values N      JSON values in one request (65536)\n");
}

/* --log-level: what the node prints as blocks go by. */
enum { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
static const char *const log_levels[] = {"error", "warn", "info", "debug"};

/* The reply to message id in block b (its code and payload), if any. */
static const gb_event *reply_of(const gb_block_result *b, gb_id id)
{
    for (uint32_t i = 0; i < b->nevents; i++) {
        const gb_event *ev = &b->events[i];
        if (ev->kind == GB_EV_USER_MESSAGE && ev->is_reply &&
            gb_id_eq(ev->reply_to, id))
            return ev;
    }
    return NULL;
}

/* Text for a log line: printable bytes as they are, others as \xNN. */
static void log_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && i < 512; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
            putchar(p[i]);
        else
            printf("\\x%02x", p[i]);
    }
}

static void on_block(void *ctx, const gb_block_result *b)
{
    int level = *(const int *)ctx;
    if (level < LOG_INFO || (!b->nevents && !b->dispatched))
        return;
    printf("block %u: %u dispatched, %u events, gas %llu\n", b->height,
           b->dispatched, b->nevents, (unsigned long long)b->gas_used);
    for (uint32_t i = 0; i < b->nevents; i++) {
        const gb_event *ev = &b->events[i];
        if (ev->kind != GB_EV_DISPATCHED)
            continue;
        char mid[67], prog[67];
        gb_id_to_hex(ev->id, mid);
        gb_id_to_hex(ev->destination, prog);
        if (ev->outcome == GB_OUTCOME_FAILED) {
            const gb_event *r = reply_of(b, ev->id);
            printf("info: dispatch failed: message %s to program %s", mid,
                   prog);
            if (r) {
                gb_reply_code rc = gb_reply_code_from_bytes(r->reply_code);
                printf(": reply %02x%02x%02x%02x %s", r->reply_code[0],
                       r->reply_code[1], r->reply_code[2], r->reply_code[3],
                       gb_reply_code_str(rc));
                if (r->payload_len) {
                    printf(": ");
                    log_text(r->payload, r->payload_len);
                }
            }
            printf(" (gas %llu)\n", (unsigned long long)ev->gas_burned);
        }
        if (level >= LOG_DEBUG && ev->debug) {
            for (const char *p = ev->debug; *p;) {
                const char *nl = strchr(p, '\n');
                size_t l = nl ? (size_t)(nl - p) : strlen(p);
                printf("debug: gr_debug %s: ", prog);
                log_text((const uint8_t *)p, l);
                printf("\n");
                p += l + (nl ? 1 : 0);
            }
        }
    }
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

/* A numeric option: val within [min, max], times unit, into *out. */
static bool num_opt(const char *opt, const char *val, uint64_t min,
                    uint64_t max, uint64_t unit, uint64_t *out)
{
    uint64_t v;
    if (!cli_opt_u64(opt, val, &v))
        return false;
    if (v < min || v > max) {
        fprintf(stderr, "error: %s must be %llu to %llu\n", opt,
                (unsigned long long)min, (unsigned long long)max);
        return false;
    }
    *out = v * unit;
    return true;
}

/* The front door's numeric limits (docs/security.md), in the order of
 * the switch in cli_node. */
static const struct {
    const char *name;
    uint64_t min, max, unit;
} limits[] = {
    {"--rpc-max-connections-per-ip", 1, 65536, 1},
    {"--rpc-header-timeout", 1, 3600, 1},
    {"--rpc-request-timeout", 1, 3600, 1},
    {"--rpc-max-request-size", 1, 1024, 1u << 20},
    {"--rpc-max-response-size", 1, 4096, 1u << 20},
    {"--rpc-max-buffered", 1, 65536, 1u << 20},
    {"--rpc-max-batch-request-len", 1, 100000, 1},
    {"--rpc-max-json-values", 16, 100000000, 1},
};

/* The index of option a in limits, or -1. */
static int limit_opt(const char *a)
{
    for (size_t k = 0; k < sizeof limits / sizeof *limits; k++)
        if (!strcmp(a, limits[k].name))
            return (int)k;
    return -1;
}

/* 127.0.0.0/8: only this machine can connect. */
static bool is_loopback(const char *host)
{
    return !strncmp(host, "127.", 4);
}

int cli_node(int argc, char **argv)
{
    gb_node_cfg cfg = {.data_dir = "gearbox-data", .rpc_port = 9944,
                       .block_time_ms = 1000};
    char host[64] = "127.0.0.1";
    bool dev = false;
    int log_level = LOG_INFO;
    const char *fork_src = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int k;
        if (cli_is_help(a)) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--dev")) {
            dev = true;
        } else if (!strcmp(a, "--interp")) {
            cfg.wasm_tier = GB_TIER_INTERP; /* programs interpreted */
        } else if (!strcmp(a, "--cluster") || !strcmp(a, "--cluster-name") ||
                   !strcmp(a, "--replica")) {
            if (!val) {
                fprintf(stderr, "error: %s needs a value\n", a);
                return 2;
            }
            if (!strcmp(a, "--cluster"))
                cfg.cluster_urls = val;
            else if (!strcmp(a, "--cluster-name"))
                cfg.cluster_name = val;
            else
                cfg.cluster_replica = val;
            i++;
        } else if (!strcmp(a, "--cluster-copies")) {
            uint64_t v;
            if (!cli_opt_u64(a, val, &v))
                return 2;
            if (v != 1 && v != 3) {
                fprintf(stderr, "error: --cluster-copies must be 1 or 3\n");
                return 2;
            }
            cfg.cluster_replicas = (unsigned)v;
            i++;
        } else if (!strcmp(a, "--block-nice")) {
            uint64_t v;
            if (!cli_opt_u64(a, val, &v))
                return 2;
            if (v > 19) {
                fprintf(stderr, "error: --block-nice must be 0 to 19\n");
                return 2;
            }
            cfg.block_nice = v ? (int)v : -1;
            i++;
        } else if (!strcmp(a, "--fork")) {
            if (!val) {
                fprintf(stderr, "error: --fork needs a snapshot file or a "
                                "data directory\n");
                return 2;
            }
            fork_src = val;
            i++;
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
        } else if (!strcmp(a, "--mining")) {
            gb_mining m;
            if (!val || !gb_mining_parse(val, &m)) {
                fprintf(stderr, "error: --mining needs auto, interval MS or "
                                "manual\n");
                return 2;
            }
            i++;
            cfg.mining = (int)m;
            if (m == GB_MINING_INTERVAL) {
                uint64_t ms;
                const char *v2 = i + 1 < argc ? argv[i + 1] : NULL;
                if (!cli_opt_u64("--mining interval", v2, &ms))
                    return 2;
                if (ms == 0 || ms > 3600000) {
                    fprintf(stderr, "error: --mining interval must be 1 to "
                                    "3600000 milliseconds\n");
                    return 2;
                }
                cfg.mining_interval_ms = ms;
                i++;
            }
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
        } else if (!strcmp(a, "--rpc-cors")) {
            if (!val || !*val) {
                fprintf(stderr, "error: --rpc-cors needs 'all' or a "
                                "comma-separated list of origins\n");
                return 2;
            }
            cfg.cors = val;
            i++;
        } else if ((k = limit_opt(a)) >= 0) {
            uint64_t v;
            if (!num_opt(a, val, limits[k].min, limits[k].max,
                         limits[k].unit, &v))
                return 2;
            switch (k) {
            case 0: cfg.max_per_ip = (unsigned)v; break;
            case 1: cfg.header_timeout_s = (unsigned)v; break;
            case 2: cfg.request_timeout_s = (unsigned)v; break;
            case 3: cfg.max_body = (size_t)v; break;
            case 4: cfg.max_response = (size_t)v; break;
            case 5: cfg.max_buffered = (size_t)v; break;
            case 6: cfg.max_batch = (uint32_t)v; break;
            default: cfg.max_values = (uint32_t)v; break;
            }
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
        } else if (!strcmp(a, "--log-level")) {
            int lv = -1;
            for (int l = 0; val && l <= LOG_DEBUG; l++)
                if (!strcmp(val, log_levels[l]))
                    lv = l;
            if (lv < 0) {
                fprintf(stderr, "error: --log-level must be error, warn, info "
                                "or debug\n");
                return 2;
            }
            log_level = lv;
            i++;
        } else if (!strcmp(a, "--code-cache")) {
            uint64_t mib;
            if (!cli_opt_u64(a, val, &mib))
                return 2;
            if (mib == 0 || mib > 1048576) {
                fprintf(stderr, "error: --code-cache must be 1 to 1048576 "
                                "MiB\n");
                return 2;
            }
            cfg.code_cache_bytes = mib << 20;
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
    if (cfg.cors) { /* an error now, before the data directory is touched */
        gb_origins *o = NULL;
        char why[256] = "";
        gb_err oe = gb_origins_new(cfg.cors, &o, why, sizeof why);
        gb_origins_free(o);
        if (oe) {
            fprintf(stderr, "error: %s\n", why[0] ? why : gb_err_str(oe));
            return 2;
        }
    }
    if (!is_loopback(host))
        fprintf(stderr,
                "\n"
                "WARNING: this dev node listens on %s, beyond loopback.\n"
                "WARNING: anyone who can reach that address can call the "
                "dev_* methods,\n"
                "WARNING: which sign with the dev accounts (their seeds are "
                "public): spend\n"
                "WARNING: alice's funds, upload programs.  Use --rpc "
                "127.0.0.1:PORT unless you\n"
                "WARNING: mean it.\n\n",
                host);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: the wait ends at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    gb_node *n = NULL;
    char detail[512] = "";
    if (fork_src) {
        gb_err fe = gb_chain_fork_make(fork_src, cfg.data_dir, detail,
                                       sizeof detail);
        if (fe) {
            fprintf(stderr, "error: --fork: %s\n",
                    detail[0] ? detail : gb_err_str(fe));
            return 1;
        }
    }
    gb_err e = gb_node_open(&cfg, &n, detail, sizeof detail);
    if (e) {
        fprintf(stderr, "error: %s\n", detail[0] ? detail : gb_err_str(e));
        return 1;
    }
    gb_chain *c = gb_node_chain(n);
    printf("gearbox node (dev chain)\n");
    printf("rpc      http://%s:%u\n", host, (unsigned)gb_node_rpc_port(n));
    printf("data     %s (height %u)\n", cfg.data_dir, gb_chain_height(c));
    if (cfg.cluster_urls)
        printf("cluster  replica of '%s' on %s\n",
               cfg.cluster_name ? cfg.cluster_name : "dev", cfg.cluster_urls);
    gb_chain_fork fk;
    if (!gb_chain_fork_info(c, &fk) && fk.forked)
        printf("fork     of a chain at its block %u (a chain id of its own)\n",
               fk.height);
    if (cfg.mining == GB_MINING_MANUAL)
        printf("blocks   only when mined (--mining manual: dev_mine, "
               "gearbox mine)\n");
    else if (cfg.mining == GB_MINING_INTERVAL)
        printf("blocks   every %llu ms (--mining interval)\n",
               (unsigned long long)cfg.mining_interval_ms);
    else
        printf("blocks   every %llu ms, and at once when transactions wait "
               "or a backlog drains\n",
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

    e = gb_node_run(n, &stop_requested, on_block, &log_level, detail,
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
