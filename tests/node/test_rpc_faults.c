/*
 * The JSON-RPC dispatcher (src/node/rpc.h, in process as in test_rpc.c)
 * under injected faults (src/util/fault.h): for N = 1, 2, 3, ... the Nth
 * allocation of gearbox's own code or the Nth store call fails while one
 * request is handled.  Every outcome must be clean: gb_rpc_handle
 * returns GB_OK with a response or GB_NOMEM (its contract), never a
 * crash; a response is valid JSON (checked with faults off) and is either
 * the fault-free answer or an internal error (-32603) — never a wrong
 * answer such as "not found" or a zero balance standing in for a read that
 * failed; a transaction is either accepted (its nonce used) or not (the
 * nonce unchanged) — an internal error after acceptance says "accepted" —
 * and the chain's height and state root never move.
 * gb_rpc_note_block under faults: GB_NOMEM at worst, and the dispatcher
 * still answers.  Leaks are ASan's (make test-asan).
 *
 * jansson's allocations are not counted by default.  With GB_FAULT_JSON=1
 * they are routed through the same countdown (json_set_alloc_funcs) in a
 * third pass that checks less (no crash, no leak, a valid return, the
 * chain untouched; not the answer), because jansson itself does not
 * survive allocation failures: with Debian's 2.14 its lexer drops the
 * byte it could not append (a request for "dev_sendMessage" arrives as
 * "dev_sendMessag"), json_dumps can drop the quote after a key, and
 * json_loadb crashes (SIGSEGV) when the 12th allocation of parsing a
 * small request fails.  That is jansson's, outside what gearbox can fix
 * here: a node that really runs out of memory may answer wrongly or crash
 * in its JSON layer (issue #19's report).
 *
 * N: a sample in make test, all with GB_FAULT_ALL=1 (tests/fault_fixture.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault_fixture.h"
#include "test.h"

#include "chain/chain.h"
#include "node/keys.h"
#include "node/rpc.h"
#include "node/tx.h"
#include "util/hex.h"

static bool json_faults; /* jansson's allocations counted too */

static void *fault_json_malloc(size_t n)
{
    return json_faults && gb_fault_hit(GB_FAULT_ALLOC) ? NULL : malloc(n);
}

static gb_chain *C;
static gb_rpc *R;
static char PING[80], COUNTER[80]; /* "0x..." the programs */

static char *handle(const char *req, gb_err *e)
{
    char *out = NULL;
    *e = gb_rpc_handle(R, req, strlen(req), &out);
    return out;
}

/* The error code of a response (0: none). */
static int error_code(json_t *j)
{
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++) {
            int c = error_code(json_array_get(j, i));
            if (c)
                return c;
        }
        return 0;
    }
    return (int)json_integer_value(
        json_object_get(json_object_get(j, "error"), "code"));
}

static char *wasm_hex(const char *name)
{
    char path[1024];
    const char *dir = getenv("GB_EXAMPLES_WASM");
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    uint8_t *buf = malloc(1 << 20);
    size_t len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    char *s = malloc(2 * len + 3);
    memcpy(s, "0x", 2);
    gb_hex_encode(buf, len, s + 2);
    free(buf);
    return s;
}

static void block(void)
{
    gb_block_result b;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(C, &b));
    GB_EXPECT_ERR(GB_OK, gb_rpc_note_block(R, &b));
    gb_block_result_free(&b);
}

/* dev_uploadProgram of example name; its id into pid. */
static void upload(const char *name, char *pid_out)
{
    char *code = wasm_hex(name);
    size_t n = strlen(code) + 300;
    char *req = malloc(n);
    snprintf(req, n,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"dev_uploadProgram\","
             "\"params\":{\"from\":\"alice\",\"code\":\"%s\",\"salt\":\"0x0f\","
             "\"gasLimit\":10000000000}}",
             code);
    gb_err e;
    char *out = handle(req, &e);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    const char *pid = json_string_value(
        json_object_get(json_object_get(j, "result"), "programId"));
    GB_EXPECT(pid != NULL);
    if (!pid)
        fprintf(stderr, "upload: %s\n", out ? out : "(null)");
    snprintf(pid_out, 80, "%s", pid ? pid : "0x00");
    json_decref(j);
    free(out);
    free(req);
    free(code);
}

static void setup(void)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.threads = 1;
    char detail[256] = "";
    if (gb_chain_open(&cfg, &C, detail, sizeof detail)) {
        fprintf(stderr, "open: %s\n", detail);
        exit(1);
    }
    gb_rpc_cfg rc;
    gb_rpc_cfg_default(&rc);
    rc.dev = true;
    if (gb_rpc_new(C, &rc, &R))
        exit(1);
    upload("ping", PING);
    upload("counter", COUNTER);
    block();
    block();
    /* a reply in alice's mailbox, events in the ring */
    gb_err e;
    char send[256];
    snprintf(send, sizeof send,
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"dev_sendMessage\","
             "\"params\":[\"alice\",\"%s\",\"0x50494e47\"]}",
             PING);
    free(handle(send, &e));
    block();
    block();
}

typedef struct state {
    uint8_t root[32];
    uint32_t height;
    uint64_t nonce;
} state;

static state snap(void)
{
    state s = {.height = gb_chain_height(C),
               .nonce = gb_chain_nonce(C, gb_dev_account_id(0))};
    gb_chain_state_root(C, s.root);
    return s;
}

/* One request under every N of kinds. mutating: a transaction. */
static void sweep(const char *what, const char *req, unsigned kinds,
                  bool mutating)
{
    gb_err e;
    char *want = NULL;
    uint64_t total = FX_COUNT_CALLS(kinds, want = handle(req, &e));
    GB_EXPECT_ERR(GB_OK, e);
    json_t *wj = want ? json_loads(want, 0, NULL) : NULL;
    GB_EXPECT(wj != NULL && error_code(wj) == 0);
    json_decref(wj);
    unsigned tried = 0, refused = 0, nomem = 0;
    for (uint64_t n = 1;; n = fx_fault_next(n, total)) {
        tried++;
        state before = snap();
        gb_fault_arm(kinds, n, false);
        char *out = handle(req, &e);
        bool fired = gb_fault_fired() > 0;
        gb_fault_disarm();
        state after = snap();
        GB_EXPECT_U64(before.height, after.height);
        GB_EXPECT(!memcmp(before.root, after.root, 32));
        if (e) {
            nomem++;
            if (e != GB_NOMEM)
                GB_FAIL_("%s fault %" PRIu64 ": %s (not GB_NOMEM)", what, n,
                         gb_err_name(e));
            GB_EXPECT(out == NULL);
            if (mutating)
                GB_EXPECT(after.nonce == before.nonce ||
                          after.nonce == before.nonce + 1);
        } else {
            json_t *j = out ? json_loads(out, 0, NULL) : NULL;
            if (json_faults) {
                /* (see the top: only that nothing broke) */
                if (mutating)
                    GB_EXPECT(after.nonce == before.nonce ||
                              after.nonce == before.nonce + 1);
            } else if (!j) {
                GB_FAIL_("%s fault %" PRIu64 ": not JSON: %s", what, n,
                         out ? out : "(null)");
            } else if (error_code(j)) {
                refused++;
                if (error_code(j) != GB_RPC_INTERNAL_ERROR)
                    GB_FAIL_("%s fault %" PRIu64 ": error %d, not %d: %s",
                             what, n, error_code(j), GB_RPC_INTERNAL_ERROR,
                             out);
                const char *msg = json_string_value(json_object_get(
                    json_object_get(j, "error"), "message"));
                bool acc = msg && strstr(msg, "transaction accepted");
                if (mutating)
                    GB_EXPECT_U64(before.nonce + acc, after.nonce);
            } else if (mutating) {
                GB_EXPECT_U64(before.nonce + 1, after.nonce);
            } else if (strcmp(out, want)) {
                GB_FAIL_("%s fault %" PRIu64 ": another answer:\n  %s\n  "
                         "fault-free: %s",
                         what, n, out, want);
            }
            json_decref(j);
        }
        free(out);
        if (!fired || (gb_test_cur_failed_ && !fx_fault_all()))
            break;
    }
    printf("  %-26s %s: %5" PRIu64 " calls, %4u N, %3u internal errors, "
           "%3u GB_NOMEM\n",
           what, kinds == GB_FAULT_IO ? "io" : json_faults ? "alloc+json" :
           "alloc", total, tried, refused, nomem);
    free(want);
}

static void sweep_both(const char *what, const char *req, bool mutating)
{
    sweep(what, req, GB_FAULT_ALLOC, mutating);
    sweep(what, req, GB_FAULT_IO, mutating);
    const char *jf = getenv("GB_FAULT_JSON");
    if (jf && *jf == '1') {
        json_faults = true;
        sweep(what, req, GB_FAULT_ALLOC, mutating);
        json_faults = false;
    }
}

#define REQ(method, params)                                                    \
    "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"" method "\",\"params\":"      \
    params "}"

static void test_queries(void)
{
    char req[1024];
    sweep_both("chain_getHead", REQ("chain_getHead", "[]"), false);
    sweep_both("gear_balance", REQ("gear_balance", "[\"alice\"]"), false);
    sweep_both("system_accountNonce",
               REQ("system_accountNonce", "[\"alice\"]"), false);
    sweep_both("gear_mailbox", REQ("gear_mailbox", "[\"alice\"]"), false);
    sweep_both("gearbox_getBlock", REQ("gearbox_getBlock", "[2]"), false);
    sweep_both("chain_getEvents", REQ("chain_getEvents", "[1]"), false);
    snprintf(req, sizeof req, REQ("gear_programInfo", "[\"%s\"]"), PING);
    sweep_both("gear_programInfo", req, false);
    snprintf(req, sizeof req, REQ("gearbox_readState", "[\"%s\"]"), COUNTER);
    sweep_both("gearbox_readState", req, false);
    snprintf(req, sizeof req,
             "[" REQ("chain_getHead", "[]") "," REQ("gear_balance",
                                                     "[\"bob\"]") "]");
    sweep_both("a batch", req, false);
}

static void test_gas_estimate(void)
{
    char req[1024];
    snprintf(req, sizeof req,
             REQ("gearbox_calculateHandleGas",
                 "[\"alice\",\"%s\",\"0x50494e47\"]"),
             PING);
    sweep_both("gearbox_calculateHandleGas", req, false);
}

static void test_transactions(void)
{
    char req[1024];
    snprintf(req, sizeof req,
             REQ("dev_sendMessage", "[\"alice\",\"%s\",\"0x50494e47\"]"),
             PING);
    sweep_both("dev_sendMessage", req, true);
    /* and they all go into a block */
    block();
}

static void test_note_block(void)
{
    char req[] = REQ("chain_getHead", "[]");
    unsigned failed = 0;
    for (uint64_t n = 1;; n++) {
        gb_block_result b;
        GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(C, &b));
        json_faults = true; /* (all its allocations are jansson's) */
        gb_fault_arm(GB_FAULT_ALLOC, n, false);
        gb_err e = gb_rpc_note_block(R, &b);
        bool fired = gb_fault_fired() > 0;
        gb_fault_disarm();
        json_faults = false;
        gb_block_result_free(&b);
        if (e) {
            failed++;
            GB_EXPECT_ERR(GB_NOMEM, e);
        }
        gb_err he;
        char *out = handle(req, &he);
        GB_EXPECT_ERR(GB_OK, he);
        json_t *j = out ? json_loads(out, 0, NULL) : NULL;
        GB_EXPECT(j && !error_code(j));
        json_decref(j);
        free(out);
        if (!fired || n > 200)
            break;
    }
    printf("  note_block: %u failed cleanly\n", failed);
    GB_EXPECT(failed > 0);
}

int main(void)
{
    json_set_alloc_funcs(fault_json_malloc, free);
    setup();
    GB_RUN(test_queries);
    GB_RUN(test_gas_estimate);
    GB_RUN(test_transactions);
    GB_RUN(test_note_block);
    gb_rpc_free(R);
    gb_chain_close(C);
    return gb_test_summary();
}
