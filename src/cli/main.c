/*
 * gearbox — the command-line entry point.
 *
 * A thin dispatcher: the tables below map command names to functions
 * defined one per file in src/cli/ (see cli.h for how to add one).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "cli/client.h"

#define GB_CLI_VERSION "0.1.0-dev"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const cli_cmd wasm_cmds[] = {
    { "run", cli_wasm_run, "run an exported function of a .wasm module" },
    { "spec", cli_wasm_spec, "run the WebAssembly spec test suite (.wast)" },
    { "dump", cli_wasm_dump, "print the compiled internal code of functions" },
};

static int cmd_wasm(int argc, char **argv)
{
    return cli_dispatch("gearbox wasm", wasm_cmds, COUNT(wasm_cmds), argc - 1,
                        argv + 1);
}

static int cmd_version(int argc, char **argv)
{
    if (argc > 1 && cli_is_help(argv[1])) {
        printf("usage: gearbox version\n\nPrint the version of gearbox.\n");
        return 0;
    }
    printf("gearbox %s\n", GB_CLI_VERSION);
    return 0;
}

static const cli_cmd top_cmds[] = {
    { "exec", cli_exec, "run a program on a throw-away chain: init, then messages" },
    { "key", cli_key, "account keys: new, show, dev" },
    { "node", cli_node, "run a local node: blocks, JSON-RPC over HTTP (--dev)" },
    { "upload", cli_upload, "upload a program to a running node" },
    { "send", cli_send, "send a message to a program on a running node" },
    { "mailbox", cli_mailbox, "the messages in an account's mailbox on a node" },
    { "balance", cli_balance, "an account's balance on a node" },
    { "fund", cli_fund, "give an account value on a dev node (dev_setBalance)" },
    { "block", cli_block, "the head or a recent block of a node" },
    { "create", cli_create, "create a program from uploaded code on a node" },
    { "reply", cli_reply, "reply to a message in your mailbox on a node" },
    { "claim", cli_claim, "take the value of a message in your mailbox" },
    { "state", cli_state, "read a program's state on a node" },
    { "query", cli_query, "ask a program (a Sails query) without sending" },
    { "gas", cli_gas, "estimate the gas of an init, message or reply" },
    { "watch", cli_watch, "stream a node's events or blocks as they happen" },
    { "payload", cli_payload_cmd, "encode or decode a payload with a Sails IDL or SCALE type" },
    { "replay", cli_replay, "re-execute a chain's stored blocks and compare" },
    { "trace", cli_trace, "re-run a message and show its syscalls and gas" },
    { "snapshot", cli_snapshot, "save or load a chain's whole state to a file" },
    { "mine", cli_mine, "make blocks on a dev node now (dev_mine)" },
    { "dev", cli_dev, "a dev node's controls: mining, time, balances, snapshots" },
    { "wasm", cmd_wasm, "the WebAssembly engine: run, spec, dump" },
    { "version", cmd_version, "print the version" },
};

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--version") == 0)
        return cmd_version(1, argv + 1);
    int rc = cli_dispatch("gearbox", top_cmds, COUNT(top_cmds), argc - 1,
                          argv + 1);
    cli_config_free();
    return rc;
}
