/*
 * The JSON-RPC dispatcher without HTTP (src/node/rpc.h), on a chain in a
 * temporary directory with the SDK examples ($GB_EXAMPLES_WASM): every
 * method, every error code, a signed transaction accepted and the same one
 * replayed (rejected, nothing changed), bad signatures, another chain's
 * transaction, nonce gaps, unknown programs, too little balance, oversized
 * payloads and requests.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "chain/chain.h"
#include "node/keys.h"
#include "node/rpc.h"
#include "node/rpc_int.h"
#include "node/sblocks.h"
#include "node/tx.h"
#include "util/hash.h"
#include "util/hex.h"

static gb_chain *open_chain(void)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    gb_chain *c = NULL;
    char detail[256] = "";
    gb_err e = gb_chain_open(&cfg, &c, detail, sizeof detail);
    if (e) {
        fprintf(stderr, "open: %s\n", detail);
        exit(1);
    }
    return c;
}

static gb_rpc *new_rpc(gb_chain *c, bool dev)
{
    gb_rpc_cfg cfg;
    gb_rpc_cfg_default(&cfg);
    cfg.dev = dev;
    gb_rpc *r = NULL;
    if (gb_rpc_new(c, &cfg, &r))
        exit(1);
    return r;
}

/* Produce a block and tell the dispatcher. */
static void block(gb_chain *c, gb_rpc *r)
{
    gb_block_result b;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &b));
    GB_EXPECT_ERR(GB_OK, gb_rpc_note_block(r, &b));
    gb_block_result_free(&b);
}

/* The parsed response to req (NULL for none). */
static json_t *call(gb_rpc *r, const char *req)
{
    char *out = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_handle(r, req, strlen(req), &out));
    if (!out)
        return NULL;
    json_t *j = json_loads(out, 0, NULL);
    GB_EXPECT(j != NULL);
    free(out);
    return j;
}

/* A call with method and params (JSON text); returns result (new ref) or
 * NULL, with the error code in *code (0 on success). */
static json_t *invoke(gb_rpc *r, const char *method, const char *params,
                      int *code)
{
    size_t n = strlen(params) + strlen(method) + 100;
    char *req = malloc(n);
    snprintf(req, n,
             "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\",\"params\":%s}",
             method, params);
    json_t *j = call(r, req);
    free(req);
    *code = 0;
    json_t *res = NULL;
    if (!j)
        return NULL;
    GB_EXPECT_I64(7, json_integer_value(json_object_get(j, "id")));
    json_t *err = json_object_get(j, "error");
    if (err) {
        *code = (int)json_integer_value(json_object_get(err, "code"));
        const char *msg = json_string_value(json_object_get(err, "message"));
        GB_EXPECT(msg && *msg);
        if (getenv("GB_TEST_VERBOSE"))
            fprintf(stderr, "  %s: %d %s\n", method, *code, msg);
    } else {
        res = json_incref(json_object_get(j, "result"));
    }
    json_decref(j);
    return res;
}

static int error_of(json_t *j)
{
    return (int)json_integer_value(
        json_object_get(json_object_get(j, "error"), "code"));
}

static char *hex0x(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 3);
    s[0] = '0';
    s[1] = 'x';
    gb_hex_encode(p, n, s + 2);
    return s;
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
    char *s = hex0x(buf, len);
    free(buf);
    return s;
}

/* dev_uploadProgram of example name from alice; the program id (a new
 * string) or NULL. */
static char *upload(gb_rpc *r, const char *name, const char *salt)
{
    char *code = wasm_hex(name);
    size_t n = strlen(code) + 200;
    char *params = malloc(n);
    snprintf(params, n,
             "{\"from\":\"alice\",\"code\":\"%s\",\"salt\":\"%s\","
             "\"gasLimit\":10000000000}",
             code, salt);
    int ec;
    json_t *res = invoke(r, "dev_uploadProgram", params, &ec);
    free(params);
    free(code);
    char *pid = res ? strdup(json_string_value(json_object_get(res, "programId")))
                    : NULL;
    json_decref(res);
    return pid;
}

/* Sign a SEND_MESSAGE from dev account `who` with nonce, to dest. */
static char *signed_send(const char *chain, uint32_t who, uint64_t nonce,
                         gb_id dest, const char *payload, gb_u128 value)
{
    uint8_t cid[32], pk[32], sk[64];
    gb_tx_chain_id_from_name(chain, cid);
    gb_dev_keypair(who, pk, sk);
    gb_tx_body b = {.kind = GB_TXW_SEND_MESSAGE, .target = dest,
                    .payload = (const uint8_t *)payload,
                    .payload_len = (uint32_t)strlen(payload),
                    .gas_limit = 10000000000ull, .value = value};
    uint8_t *buf;
    size_t len;
    GB_EXPECT_ERR(GB_OK, gb_tx_encode(cid, &b, nonce, sk, &buf, &len, NULL, 0));
    char *s = hex0x(buf, len);
    free(buf);
    return s;
}

static json_t *submit_hex(gb_rpc *r, const char *hex, int *code)
{
    size_t n = strlen(hex) + 32;
    char *params = malloc(n);
    snprintf(params, n, "[\"%s\"]", hex);
    json_t *res = invoke(r, "gear_submitTransaction", params, code);
    free(params);
    return res;
}

/* ---- tests ------------------------------------------------------------ */

static void test_protocol_errors(void)
{
    gb_chain *c = open_chain();
    gb_rpc *r = new_rpc(c, true);
    json_t *j;

    j = call(r, "{\"jsonrpc\":\"2.0\",\"method\":");
    GB_EXPECT_I64(GB_RPC_PARSE_ERROR, error_of(j));
    GB_EXPECT(json_is_null(json_object_get(j, "id")));
    json_decref(j);

    j = call(r, "42");
    GB_EXPECT_I64(GB_RPC_INVALID_REQUEST, error_of(j));
    json_decref(j);
    j = call(r, "{\"method\":\"chain_getHead\",\"id\":1}"); /* no jsonrpc */
    GB_EXPECT_I64(GB_RPC_INVALID_REQUEST, error_of(j));
    GB_EXPECT_I64(1, json_integer_value(json_object_get(j, "id")));
    json_decref(j);
    j = call(r, "{\"jsonrpc\":\"2.0\",\"method\":\"chain_getHead\","
                "\"params\":5,\"id\":1}");
    GB_EXPECT_I64(GB_RPC_INVALID_REQUEST, error_of(j));
    json_decref(j);
    j = call(r, "[]");
    GB_EXPECT_I64(GB_RPC_INVALID_REQUEST, error_of(j));
    json_decref(j);

    j = call(r, "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":\"x\"}");
    GB_EXPECT_I64(GB_RPC_METHOD_NOT_FOUND, error_of(j));
    GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(j, "id")), "x");
    json_decref(j);

    int ec;
    GB_EXPECT(!invoke(r, "gear_balance", "[\"0x12\"]", &ec));
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, ec);
    GB_EXPECT(!invoke(r, "gear_balance", "{}", &ec));
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, ec);
    GB_EXPECT(!invoke(r, "chain_getEvents", "[-1]", &ec));
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, ec);

    /* a notification: no answer; a batch: one answer per request */
    GB_EXPECT(call(r, "{\"jsonrpc\":\"2.0\",\"method\":\"chain_getHead\"}") ==
              NULL);
    j = call(r, "[{\"jsonrpc\":\"2.0\",\"method\":\"chain_getHead\",\"id\":1},"
                "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":2},"
                "{\"jsonrpc\":\"2.0\",\"method\":\"chain_getHead\"}]");
    GB_EXPECT(json_is_array(j));
    GB_EXPECT_U64(2, json_array_size(j));
    GB_EXPECT(json_object_get(json_array_get(j, 0), "result") != NULL);
    GB_EXPECT_I64(GB_RPC_METHOD_NOT_FOUND, error_of(json_array_get(j, 1)));
    json_decref(j);

    /* too large a request */
    gb_rpc_cfg cfg;
    gb_rpc_cfg_default(&cfg);
    cfg.max_request = 64;
    gb_rpc *small;
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(c, &cfg, &small));
    j = call(small, "{\"jsonrpc\":\"2.0\",\"method\":\"chain_getHead\","
                    "\"params\":[],\"id\":1234567890123}");
    GB_EXPECT_I64(GB_RPC_TOO_LARGE, error_of(j));
    json_decref(j);
    gb_rpc_free(small);

    /* counted before parsing: a batch too long, too many values (inside
     * strings, brackets and commas do not count) */
    gb_rpc_cfg_default(&cfg);
    cfg.max_batch = 3;
    cfg.max_values = 40;
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(c, &cfg, &small));
    j = call(small, "[{},{},{},{}]");
    GB_EXPECT_I64(GB_RPC_INVALID_REQUEST, error_of(j));
    GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(
                               json_object_get(j, "error"), "message")),
                           "a batch of 4, the limit is 3");
    json_decref(j);
    j = call(small, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\","
                    "\"params\":[[[[],[],[],[],[],[],[],[],[],[],[],[],[],[],"
                    "[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],"
                    "[],[],[],[],[],[]]]]}");
    GB_EXPECT_I64(GB_RPC_TOO_LARGE, error_of(j));
    json_decref(j);
    j = call(small, "[{\"jsonrpc\":\"2.0\",\"id\":\"[,,,,,,,,,,,,,,,,,,,,,,,,"
                    ",,,,,,,,,,,,,,,,,,,,,,,{{{{\\\"\",\"method\":\"chain_getHead\"}]");
    GB_EXPECT(json_is_array(j));
    GB_EXPECT(json_object_get(json_array_get(j, 0), "result") != NULL);
    json_decref(j);
    gb_rpc_free(small);

    /* a response beyond max_response: -32004 in its place, and the calls
     * after it in the batch not run */
    gb_rpc_cfg_default(&cfg);
    cfg.max_response = 300;
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(c, &cfg, &small));
    j = call(small, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"chain_getHead\"},"
                    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"chain_getHead\"},"
                    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"chain_getHead\"}]");
    GB_EXPECT(json_is_array(j));
    GB_EXPECT_U64(3, json_array_size(j));
    GB_EXPECT(json_object_get(json_array_get(j, 0), "result") != NULL);
    GB_EXPECT_I64(GB_RPC_TOO_LARGE, error_of(json_array_get(j, 1)));
    GB_EXPECT_I64(2, json_integer_value(
                         json_object_get(json_array_get(j, 1), "id")));
    GB_EXPECT_I64(GB_RPC_TOO_LARGE, error_of(json_array_get(j, 2)));
    GB_EXPECT_STR_CONTAINS(
        json_string_value(json_object_get(
            json_object_get(json_array_get(j, 2), "error"), "message")),
        "not run");
    json_decref(j);
    gb_rpc_free(small);

    /* dev methods need --dev */
    gb_rpc *prod = new_rpc(c, false);
    GB_EXPECT(!invoke(prod, "dev_sendMessage",
                      "[\"alice\",\"0x0000000000000000000000000000000000000000"
                      "000000000000000000000000\"]",
                      &ec));
    GB_EXPECT_I64(GB_RPC_DEV_ONLY, ec);
    gb_rpc_free(prod);

    gb_rpc_free(r);
    gb_chain_close(c);
}

static bool has_pong(json_t *events, const char *mid)
{
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        const char *k = json_string_value(json_object_get(e, "kind"));
        const char *p = json_string_value(json_object_get(e, "payload"));
        const char *to = json_string_value(json_object_get(e, "replyTo"));
        if (k && !strcmp(k, "UserMessageSent") && p &&
            !strcmp(p, "0x504f4e47") && to && !strcmp(to, mid))
            return true;
    }
    return false;
}

static void test_dev_flow(void)
{
    gb_chain *c = open_chain();
    gb_rpc *r = new_rpc(c, true);
    int ec;

    char *pid = upload(r, "ping", "0x01");
    GB_EXPECT(pid != NULL);
    GB_EXPECT(gb_rpc_waiting(r) == 1);
    GB_EXPECT_U64(1, gb_rpc_waiting(r));
    /* the same program again: refused, nothing queued */
    char *again = upload(r, "ping", "0x01");
    GB_EXPECT(again == NULL);
    GB_EXPECT_U64(1, gb_rpc_waiting(r));
    block(c, r);
    GB_EXPECT_U64(0, gb_rpc_waiting(r));

    char params[512];
    snprintf(params, sizeof params,
             "{\"from\":\"bob\",\"destination\":\"%s\",\"payload\":"
             "\"0x50494e47\",\"gasLimit\":10000000000}",
             pid ? pid : "");
    json_t *res = invoke(r, "dev_sendMessage", params, &ec);
    GB_EXPECT_I64(0, ec);
    char mid[80] = "";
    if (res)
        snprintf(mid, sizeof mid, "%s",
                 json_string_value(json_object_get(res, "messageId")));
    GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(res, "kind")),
                           "send_message");
    json_decref(res);
    block(c, r);

    res = invoke(r, "chain_getEvents", "{\"fromHeight\":2}", &ec);
    GB_EXPECT_I64(0, ec);
    GB_EXPECT(has_pong(json_object_get(res, "events"), mid));
    GB_EXPECT_I64(3, json_integer_value(json_object_get(res, "next")));
    GB_EXPECT(!json_is_true(json_object_get(res, "missed")));
    json_decref(res);
    res = invoke(r, "chain_getEvents", "[1, 1]", &ec); /* whole blocks */
    GB_EXPECT_I64(2, json_integer_value(json_object_get(res, "next")));
    json_decref(res);
    res = invoke(r, "chain_getEvents", "[3]", &ec);
    GB_EXPECT_U64(0, json_array_size(json_object_get(res, "events")));
    GB_EXPECT_I64(3, json_integer_value(json_object_get(res, "next")));
    json_decref(res);

    /* queries */
    snprintf(params, sizeof params, "[\"%s\"]", pid ? pid : "");
    res = invoke(r, "gear_programInfo", params, &ec);
    GB_EXPECT_I64(0, ec);
    GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(res, "status")),
                           "active");
    char code_id[80] = "";
    if (res)
        snprintf(code_id, sizeof code_id, "%s",
                 json_string_value(json_object_get(res, "codeId")));
    json_decref(res);
    snprintf(params, sizeof params, "{\"codeId\":\"%s\"}", code_id);
    res = invoke(r, "gear_codeInfo", params, &ec);
    GB_EXPECT(json_is_true(json_object_get(res, "exists")));
    json_decref(res);
    res = invoke(r, "gear_codeInfo",
                 "[\"0x1111111111111111111111111111111111111111111111111111111"
                 "111111111\"]",
                 &ec);
    GB_EXPECT(json_is_false(json_object_get(res, "exists")));
    json_decref(res);
    GB_EXPECT(!invoke(r, "gear_programInfo",
                      "[\"0x11111111111111111111111111111111111111111111111111"
                      "11111111111111\"]",
                      &ec));
    GB_EXPECT_I64(GB_RPC_NOT_FOUND, ec);

    res = invoke(r, "system_accountNonce", "[\"bob\"]", &ec);
    GB_EXPECT_I64(1, json_integer_value(res));
    json_decref(res);
    res = invoke(r, "system_accountNonce", "[\"alice\"]", &ec);
    GB_EXPECT_I64(1, json_integer_value(res)); /* upload_program: one nonce */
    json_decref(res);
    char id[67];
    gb_id_to_hex(gb_dev_account_id(2), id);
    snprintf(params, sizeof params, "{\"account\":\"%s\"}", id);
    res = invoke(r, "gear_balance", params, &ec);
    GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(res, "balance")),
                           "1000000000000000000");
    json_decref(res);
    res = invoke(r, "gear_mailbox", "[\"bob\"]", &ec);
    GB_EXPECT_I64(0, ec);
    GB_EXPECT(json_is_array(res));
    json_decref(res);

    res = invoke(r, "chain_getHead", "[]", &ec);
    GB_EXPECT_I64(2, json_integer_value(json_object_get(res, "height")));
    const char *hash = json_string_value(json_object_get(res, "hash"));
    GB_EXPECT(hash && strlen(hash) == 66);
    snprintf(params, sizeof params, "{\"hash\":\"%s\"}", hash ? hash : "");
    json_decref(res);
    res = invoke(r, "gearbox_getBlock", params, &ec);
    GB_EXPECT_I64(2, json_integer_value(json_object_get(res, "height")));
    json_decref(res);
    res = invoke(r, "gearbox_getBlock", "[1]", &ec);
    GB_EXPECT_I64(1, json_integer_value(json_object_get(res, "height")));
    json_decref(res);
    GB_EXPECT(!invoke(r, "gearbox_getBlock", "[99]", &ec));
    GB_EXPECT_I64(GB_RPC_NOT_FOUND, ec);

    /* an oversized payload */
    size_t big = 8u * 1024 * 1024 + 1;
    char *huge = malloc(2 * big + 256);
    int n = snprintf(huge, 256, "[\"alice\",\"%s\",\"0x", pid ? pid : "");
    memset(huge + n, '0', 2 * big);
    strcpy(huge + n + 2 * big, "\"]");
    GB_EXPECT(!invoke(r, "dev_sendMessage", huge, &ec));
    GB_EXPECT_I64(GB_RPC_TOO_LARGE, ec);
    free(huge);
    GB_EXPECT_U64(0, gb_rpc_waiting(r));

    free(pid);
    gb_rpc_free(r);
    gb_chain_close(c);
}

static void test_read_state(void)
{
    gb_chain *c = open_chain();
    gb_rpc *r = new_rpc(c, true);
    int ec;
    char *pid = upload(r, "counter", "0x");
    block(c, r);
    char params[512];
    snprintf(params, sizeof params,
             "[\"charlie\",\"%s\",\"0x696e63\"]", pid ? pid : ""); /* inc */
    json_decref(invoke(r, "dev_sendMessage", params, &ec));
    GB_EXPECT_I64(0, ec);
    block(c, r);
    snprintf(params, sizeof params, "{\"programId\":\"%s\"}", pid ? pid : "");
    json_t *res = invoke(r, "gearbox_readState", params, &ec);
    GB_EXPECT_I64(0, ec);
    GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(res, "payload")),
                           "0x31"); /* "1" */
    GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(res, "replyCode")),
                           "0x00");
    json_decref(res);
    GB_EXPECT(!invoke(r, "gearbox_readState",
                      "[\"0x1111111111111111111111111111111111111111111111111"
                      "111111111111111\"]",
                      &ec));
    GB_EXPECT_I64(GB_RPC_NOT_FOUND, ec);
    free(pid);
    gb_rpc_free(r);
    gb_chain_close(c);
}

static void test_signed_transactions(void)
{
    gb_chain *c = open_chain();
    gb_rpc *r = new_rpc(c, false); /* signed transactions need no --dev */
    int ec;
    gb_rpc *dev = new_rpc(c, true);
    char *pid_hex = upload(dev, "ping", "0x");
    gb_rpc_free(dev);
    block(c, r);
    gb_id pid;
    GB_EXPECT_ERR(GB_OK, gb_id_from_hex(pid_hex ? pid_hex : "", &pid));
    gb_id dave = gb_dev_account_id(3);
    gb_u128 v0 = gb_u128_from(0);

    /* accepted */
    char *tx = signed_send("dev", 3, 0, pid, "PING", v0);
    json_t *res = submit_hex(r, tx, &ec);
    GB_EXPECT_I64(0, ec);
    GB_EXPECT(json_string_value(json_object_get(res, "txHash")) != NULL);
    GB_EXPECT(json_string_value(json_object_get(res, "messageId")) != NULL);
    json_decref(res);
    GB_EXPECT_U64(1, gb_chain_nonce(c, dave));
    GB_EXPECT_U64(1, gb_rpc_waiting(r));

    /* the same again: a replay, refused, nothing changes */
    GB_EXPECT(!submit_hex(r, tx, &ec));
    GB_EXPECT_I64(GB_RPC_BAD_NONCE, ec);
    GB_EXPECT_U64(1, gb_chain_nonce(c, dave));
    GB_EXPECT_U64(1, gb_rpc_waiting(r));
    block(c, r);
    res = invoke(r, "gearbox_getBlock", "[2]", &ec);
    GB_EXPECT_I64(1, json_integer_value(json_object_get(res, "dispatched")));
    json_decref(res);
    /* ... and after its block too */
    uint8_t root[32], root2[32];
    gb_chain_state_root(c, root);
    GB_EXPECT(!submit_hex(r, tx, &ec));
    GB_EXPECT_I64(GB_RPC_BAD_NONCE, ec);
    free(tx);

    /* a gap */
    tx = signed_send("dev", 3, 5, pid, "PING", v0);
    GB_EXPECT(!submit_hex(r, tx, &ec));
    GB_EXPECT_I64(GB_RPC_BAD_NONCE, ec);
    free(tx);

    /* a bad signature: the last byte changed */
    tx = signed_send("dev", 3, 1, pid, "PING", v0);
    size_t tl = strlen(tx);
    tx[tl - 1] = tx[tl - 1] == '0' ? '1' : '0';
    GB_EXPECT(!submit_hex(r, tx, &ec));
    GB_EXPECT_I64(GB_RPC_TX_INVALID, ec);
    /* a changed body (payload byte): the signature no longer verifies */
    tx[tl - 1] = tx[tl - 1] == '0' ? '1' : '0';
    free(tx);

    /* another chain's */
    tx = signed_send("other", 3, 1, pid, "PING", v0);
    GB_EXPECT(!submit_hex(r, tx, &ec));
    GB_EXPECT_I64(GB_RPC_TX_INVALID, ec);
    free(tx);

    /* not a transaction at all */
    GB_EXPECT(!submit_hex(r, "0x0102", &ec));
    GB_EXPECT_I64(GB_RPC_TX_INVALID, ec);
    GB_EXPECT(!submit_hex(r, "0xzz", &ec));
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, ec);

    /* an unknown program */
    gb_id nowhere;
    memset(&nowhere, 0x42, sizeof nowhere);
    tx = signed_send("dev", 3, 1, nowhere, "PING", v0);
    GB_EXPECT(!submit_hex(r, tx, &ec));
    GB_EXPECT_I64(GB_RPC_TX_REFUSED, ec);
    free(tx);

    /* too little balance */
    tx = signed_send("dev", 3, 1, pid, "PING",
                     (gb_u128){.hi = 1, .lo = 0});
    GB_EXPECT(!submit_hex(r, tx, &ec));
    GB_EXPECT_I64(GB_RPC_TX_REFUSED, ec);
    free(tx);

    /* an oversized payload (a node with a small payload limit) */
    gb_rpc_cfg cfg;
    gb_rpc_cfg_default(&cfg);
    cfg.tx_limits.max_payload_len = 3;
    gb_rpc *small;
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(c, &cfg, &small));
    tx = signed_send("dev", 3, 1, pid, "PING", v0);
    GB_EXPECT(!submit_hex(small, tx, &ec));
    GB_EXPECT_I64(GB_RPC_TOO_LARGE, ec);
    gb_rpc_free(small);

    /* nothing changed through all the refusals */
    GB_EXPECT_U64(1, gb_chain_nonce(c, dave));
    GB_EXPECT_U64(0, gb_rpc_waiting(r));
    gb_chain_state_root(c, root2);
    GB_EXPECT(!memcmp(root, root2, 32));

    /* and the next nonce still works */
    res = submit_hex(r, tx, &ec);
    GB_EXPECT_I64(0, ec);
    json_decref(res);
    GB_EXPECT_U64(2, gb_chain_nonce(c, dave));
    free(tx);

    free(pid_hex);
    gb_rpc_free(r);
    gb_chain_close(c);
}

static void test_error_response(void)
{
    char *s = gb_rpc_error_response(GB_RPC_TOO_LARGE, "too big");
    GB_EXPECT_STR_CONTAINS(s, "-32004");
    GB_EXPECT_STR_CONTAINS(s, "\"id\":null");
    free(s);
}

/* The Substrate-shaped methods (rpc_substrate.c): identity, runtime
 * version with blake2_64 API ids, the metadata calls, rpc_methods,
 * chain_getBlockHash; subscribing needs a session. */
static void test_substrate_methods(void)
{
    gb_chain *c = open_chain();
    gb_rpc *r = new_rpc(c, true);
    int code;
    json_t *v = invoke(r, "system_chain", "[]", &code);
    GB_EXPECT_STR_CONTAINS(json_string_value(v), "Development");
    json_decref(v);
    v = invoke(r, "system_name", "[]", &code);
    GB_EXPECT_STR_CONTAINS(json_string_value(v), "Gear Node");
    json_decref(v);
    v = invoke(r, "system_properties", "[]", &code);
    GB_EXPECT_I64(137, json_integer_value(json_object_get(v, "ss58Format")));
    GB_EXPECT_I64(12, json_integer_value(json_object_get(v, "tokenDecimals")));
    json_decref(v);

    v = invoke(r, "state_getRuntimeVersion", "[]", &code);
    GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(v, "specName")),
                           "vara");
    char *apis = json_dumps(json_object_get(v, "apis"), JSON_COMPACT);
    /* blake2_64 ids of GEAR-RPC.md §2 */
    GB_EXPECT_STR_CONTAINS(apis, "[\"0x37e397fc7c91f5e4\",2]"); /* Metadata */
    GB_EXPECT_STR_CONTAINS(apis, "[\"0xdf6acb689907609b\",5]"); /* Core */
    GB_EXPECT_STR_CONTAINS(apis, "[\"0xff8dc88037f26223\",2]"); /* GearApi */
    free(apis);
    json_decref(v);

    v = invoke(r, "state_call", "[\"Metadata_metadata_versions\",\"0x\"]",
               &code);
    GB_EXPECT_STR_CONTAINS(json_string_value(v), "0x080e0000000f000000");
    json_decref(v);
    v = invoke(r, "state_call",
               "[\"Metadata_metadata_at_version\",\"0x0f000000\"]", &code);
    GB_EXPECT(json_string_length(v) > 20000);
    GB_EXPECT(!strncmp(json_string_value(v), "0x01", 4));
    GB_EXPECT(strstr(json_string_value(v), "6d6574610f") != NULL);
    json_decref(v);
    v = invoke(r, "state_call",
               "[\"Metadata_metadata_at_version\",\"0x10000000\"]", &code);
    GB_EXPECT_STR_CONTAINS(json_string_value(v), "0x00");
    json_decref(v);
    v = invoke(r, "state_call", "[\"Metadata_metadata_at_version\",\"0x0f\"]",
               &code);
    GB_EXPECT(v == NULL);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, code);
    v = invoke(r, "state_call", "[\"Nope_nothing\",\"0x\"]", &code);
    GB_EXPECT(v == NULL);
    GB_EXPECT_I64(4003, code);
    v = invoke(r, "state_getMetadata", "[]", &code);
    GB_EXPECT(!strncmp(json_string_value(v), "0x6d6574610e", 12));
    json_decref(v);

    v = invoke(r, "rpc_methods", "[]", &code);
    char *names = json_dumps(json_object_get(v, "methods"), JSON_COMPACT);
    GB_EXPECT_STR_CONTAINS(names, "\"state_getMetadata\"");
    GB_EXPECT_STR_CONTAINS(names, "\"state_subscribeRuntimeVersion\"");
    GB_EXPECT_STR_CONTAINS(names, "\"gear_submitTransaction\"");
    free(names);
    json_decref(v);

    /* the header hash rule, GEAR-RPC.md §1's vector */
    gb_sblock sb = {.number = 5};
    memset(sb.state_root, 0x11, 32);
    memset(sb.extrinsics_root, 0x22, 32);
    uint8_t *enc, hh[32];
    size_t enc_len;
    GB_EXPECT_ERR(GB_OK, gb_sblock_header(&sb, &enc, &enc_len));
    gb_blake2b256(enc, enc_len, hh);
    free(enc);
    char hx[65];
    gb_hex_encode(hh, 32, hx);
    GB_EXPECT_STR_CONTAINS(
        hx, "c208ad10d83f8941eff10a90d8bde04c12d72e25b4f67652b9d6fab12021f8eb");

    /* before any block: only the genesis; a produced block has its hash */
    v = invoke(r, "chain_getBlockHash", "[5]", &code);
    GB_EXPECT(json_is_null(v));
    json_decref(v);
    block(c, r);
    v = invoke(r, "chain_getBlockHash", "[1]", &code);
    GB_EXPECT(json_is_string(v) && json_string_length(v) == 66);
    char *h1 = strdup(json_string_value(v));
    json_decref(v);
    v = invoke(r, "chain_getBlockHash", "[]", &code);
    GB_EXPECT(json_is_string(v) && !strcmp(json_string_value(v), h1));
    json_decref(v);
    v = invoke(r, "chain_getFinalizedHead", "[]", &code);
    GB_EXPECT(json_is_string(v) && !strcmp(json_string_value(v), h1));
    json_decref(v);
    v = invoke(r, "chain_getBlockHash", "[0]", &code);
    char *h0 = strdup(json_string_value(v));
    json_decref(v);

    /* the header rebuilt and hashed as polkadot.js does gives the hash */
    char params[80];
    snprintf(params, sizeof params, "[\"%s\"]", h1);
    v = invoke(r, "chain_getHeader", params, &code);
    GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(v, "number")),
                           "0x1");
    GB_EXPECT_STR_CONTAINS(
        json_string_value(json_object_get(v, "parentHash")), h0);
    size_t n;
    memset(&sb, 0, sizeof sb);
    sb.number = 1;
    gb_hex_decode(json_string_value(json_object_get(v, "parentHash")) + 2,
                  sb.parent, 32, &n);
    gb_hex_decode(json_string_value(json_object_get(v, "stateRoot")) + 2,
                  sb.state_root, 32, &n);
    gb_hex_decode(json_string_value(json_object_get(v, "extrinsicsRoot")) + 2,
                  sb.extrinsics_root, 32, &n);
    json_decref(v);
    GB_EXPECT_ERR(GB_OK, gb_sblock_header(&sb, &enc, &enc_len));
    gb_blake2b256(enc, enc_len, hh);
    free(enc);
    gb_hex_encode(hh, 32, hx);
    GB_EXPECT_STR_CONTAINS(h1, hx);

    /* the block: Timestamp.set(now), then Gear.run(None) */
    v = invoke(r, "chain_getBlock", params, &code);
    json_t *xts = json_object_get(json_object_get(v, "block"), "extrinsics");
    GB_EXPECT_U64(2, json_array_size(xts));
    const char *ts_xt = json_string_value(json_array_get(xts, 0));
    GB_EXPECT(ts_xt && strstr(ts_xt, "040100") == ts_xt + 4); /* v4, 1.0 */
    GB_EXPECT_STR_CONTAINS(json_string_value(json_array_get(xts, 1)),
                           "0x1004680600");
    GB_EXPECT(json_is_null(json_object_get(v, "justifications")));
    json_decref(v);
    v = invoke(r, "chain_getHeader",
               "[\"0x0000000000000000000000000000000000000000000000000000"
               "000000000000\"]",
               &code);
    GB_EXPECT(json_is_null(v));
    json_decref(v);
    free(h0);
    free(h1);

    /* storage: System.Account of dev 0, System.Number, unknown keys */
    gb_id acc = gb_dev_account_id(0);
    uint8_t key[80];
    gb_hex_decode("26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e88"
                  "86371da9",
                  key, 32, &n);
    crypto_generichash(key + 32, 16, acc.b, 32, NULL, 0);
    memcpy(key + 48, acc.b, 32);
    char khex[161], kp[400];
    gb_hex_encode(key, 80, khex);
    snprintf(kp, sizeof kp, "[\"0x%s\"]", khex);
    v = invoke(r, "state_getStorage", kp, &code);
    /* 80 bytes: nonce 0, consumers 0, providers 1, sufficients 0, free */
    GB_EXPECT(json_is_string(v) && json_string_length(v) == 162);
    GB_EXPECT(!strncmp(json_string_value(v), "0x000000000000000001000000", 26));
    json_decref(v);
    snprintf(kp, sizeof kp,
             "[[\"0x%s\",\"0x26aa394eea5630e07c48ae0c9558cef702a5c1b19ab7a04f5"
             "36c519aca4983ac\",\"0x00\"]]",
             khex);
    v = invoke(r, "state_queryStorageAt", kp, &code);
    json_t *chg = json_object_get(json_array_get(v, 0), "changes");
    GB_EXPECT_U64(3, json_array_size(chg));
    GB_EXPECT_STR_CONTAINS(
        json_string_value(json_array_get(json_array_get(chg, 1), 1)),
        "0x01000000"); /* System.Number = 1 */
    GB_EXPECT(json_is_null(json_array_get(json_array_get(chg, 2), 1)));
    json_decref(v);
    /* System.Events of block 1: Timestamp.set's and Gear.run's success */
    v = invoke(r, "state_getStorage",
               "[\"0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc84618"
               "51072c9d7\"]",
               &code);
    GB_EXPECT(json_is_string(v) && !strncmp(json_string_value(v), "0x08", 4));
    json_decref(v);

    /* over HTTP (no session) there is nothing to subscribe on */
    v = invoke(r, "state_subscribeRuntimeVersion", "[]", &code);
    GB_EXPECT(v == NULL);
    GB_EXPECT_I64(GB_RPC_METHOD_NOT_FOUND, code);
    gb_rpc_free(r);
    gb_chain_close(c);
}

/* dev_sendMessage signs with the dev accounts' keys, derived once per
 * dispatcher and kept: every transaction it makes, the first and the later
 * ones (the kept key), is byte for byte the one a client signing with a
 * freshly derived key (gb_dev_keypair) makes: the same txHash, so the same
 * signature and ids; and one the client signed goes in between. */
static void test_dev_keys_kept(void)
{
    gb_chain *c = open_chain();
    gb_rpc *r = new_rpc(c, true);
    int ec;
    char *pid = upload(r, "ping", "0x02");
    GB_EXPECT(pid != NULL);
    block(c, r);
    gb_id dest;
    GB_EXPECT_ERR(GB_OK, gb_id_from_hex(pid ? pid : "", &dest));
    static const char *const who[] = {"bob", "charlie", "bob", "bob",
                                      "charlie"};
    uint64_t nonce[GB_DEV_ACCOUNTS] = {0};
    for (size_t i = 0; i < sizeof who / sizeof who[0]; i++) {
        uint32_t idx = 0;
        GB_EXPECT(gb_dev_lookup(who[i], &idx));
        if (i == 3) { /* bob's next signed by the client */
            char *hex = signed_send("dev", idx, nonce[idx]++, dest, "PING",
                                    gb_u128_from(0));
            json_decref(submit_hex(r, hex, &ec));
            GB_EXPECT_I64(0, ec);
            free(hex);
        }
        char params[512];
        snprintf(params, sizeof params,
                 "{\"from\":\"%s\",\"destination\":\"%s\",\"payload\":"
                 "\"0x50494e47\",\"gasLimit\":10000000000}",
                 who[i], pid ? pid : "");
        json_t *res = invoke(r, "dev_sendMessage", params, &ec);
        GB_EXPECT_I64(0, ec);
        GB_EXPECT_I64((json_int_t)nonce[idx],
                      json_integer_value(json_object_get(res, "nonce")));
        char *hex = signed_send("dev", idx, nonce[idx]++, dest, "PING",
                                gb_u128_from(0));
        size_t n = strlen(hex) / 2 - 1;
        uint8_t *raw = malloc(n);
        size_t got_n = 0;
        GB_EXPECT_ERR(GB_OK, gb_hex_decode(hex + 2, raw, n, &got_n));
        GB_EXPECT_U64(n, got_n);
        uint8_t h[32];
        gb_tx_hash(raw, n, h);
        char *want = hex0x(h, 32);
        const char *got = json_string_value(json_object_get(res, "txHash"));
        GB_EXPECT_STR_CONTAINS(got ? got : "", want);
        free(want);
        free(raw);
        free(hex);
        json_decref(res);
    }
    block(c, r);
    free(pid);
    gb_rpc_free(r);
    gb_chain_close(c);
}

/* The response to method(params) as text (its id included): NULL out of
 * memory. */
static char *answer(gb_rpc *r, const char *method, const char *params)
{
    char req[512], *out = NULL;
    snprintf(req, sizeof req,
             "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\",\"params\":%s}",
             method, params);
    GB_EXPECT_ERR(GB_OK, gb_rpc_handle(r, req, strlen(req), &out));
    return out;
}

/* a and b answer method(params) alike (and with something). */
static void same_answer(gb_rpc *a, gb_rpc *b, const char *method,
                        const char *params)
{
    char *x = answer(a, method, params), *y = answer(b, method, params);
    GB_EXPECT(x && y && !strcmp(x, y));
    if (x && y && strcmp(x, y))
        fprintf(stderr, "  %s %s:\n    %s\n    %s\n", method, params, x, y);
    free(x);
    free(y);
}

/* Every block a dispatcher may still keep, as a and b serve it. */
static void same_blocks(gb_chain *c, gb_rpc *a, gb_rpc *b)
{
    for (uint32_t h = 1; h <= gb_chain_height(c); h++) {
        char p[256];
        snprintf(p, sizeof p, "[%u]", h);
        same_answer(a, b, "gearbox_getBlock", p);
        snprintf(p, sizeof p, "[%u, %u]", h, h);
        same_answer(a, b, "chain_getEvents", p);
        snprintf(p, sizeof p, "[%u]", h);
        char *hash = answer(a, "chain_getBlockHash", p);
        json_t *j = hash ? json_loads(hash, 0, NULL) : NULL;
        const char *hx = json_string_value(json_object_get(j, "result"));
        GB_EXPECT(hx && strlen(hx) == 66);
        snprintf(p, sizeof p, "[\"%s\"]", hx ? hx : "");
        same_answer(a, b, "chain_getBlock", p);
        /* System.Events at that block */
        snprintf(p, sizeof p,
                 "[\"0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc84"
                 "61851072c9d7\", \"%s\"]",
                 hx ? hx : "");
        same_answer(a, b, "state_getStorage", p);
        json_decref(j);
        free(hash);
    }
    same_answer(a, b, "gearbox_blocks", "{\"limit\":20}");
    same_answer(a, b, "chain_getEvents", "[1]");
}

/* Blocks taken (gb_rpc_note_block_take) are kept only when a request may
 * read them, and some never (more than cfg.event_blocks newer ones came
 * first): the answers are those of a dispatcher that kept every block at
 * once (gb_rpc_note_block) — blocks, events, Substrate blocks, System.Events,
 * the explorer's rows — and sends in between (methods that keep nothing)
 * do not make them kept. */
static void test_blocks_taken(void)
{
    gb_chain *c = open_chain();
    gb_rpc_cfg cfg;
    gb_rpc_cfg_default(&cfg);
    cfg.dev = true;
    cfg.event_blocks = 4;
    gb_rpc *now = NULL, *later = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(c, &cfg, &now));
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(c, &cfg, &later));
    char *pid = upload(later, "ping", "0x07");
    GB_EXPECT(pid != NULL);
    /* blocks between reads: fewer than event_blocks, then more */
    static const uint32_t runs[] = {1, 3, 9, 4, 5};
    for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
        GB_EXPECT(later->nlater == 0); /* same_blocks read them: kept */
        for (uint32_t i = 0; i < runs[k]; i++) {
            for (uint32_t m = 0; m <= i % 3; m++) {
                char p[256];
                snprintf(p, sizeof p,
                         "{\"from\":\"bob\",\"destination\":\"%s\","
                         "\"payload\":\"0x50494e47\",\"gasLimit\":"
                         "10000000000}",
                         pid ? pid : "");
                free(answer(later, "dev_sendMessage", p));
            }
            gb_block_result b;
            GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &b));
            GB_EXPECT_ERR(GB_OK, gb_rpc_note_block(now, &b));
            GB_EXPECT_ERR(GB_OK, gb_rpc_note_block_take(later, &b));
            GB_EXPECT(b.events == NULL && b.nevents == 0); /* taken */
            gb_block_result_free(&b);
            /* deferred, dev_sendMessage keeping none of them; the oldest
             * pushed out once more come than the ring holds */
            uint32_t deferred = i + 1 < cfg.event_blocks ? i + 1
                                                         : cfg.event_blocks;
            GB_EXPECT(later->nlater == deferred);
            GB_EXPECT(now->nlater == 0);
        }
        same_blocks(c, now, later);
    }
    free(pid);
    gb_rpc_free(now);
    gb_rpc_free(later);
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_substrate_methods);
    GB_RUN(test_protocol_errors);
    GB_RUN(test_dev_flow);
    GB_RUN(test_dev_keys_kept);
    GB_RUN(test_read_state);
    GB_RUN(test_signed_transactions);
    GB_RUN(test_error_response);
    GB_RUN(test_blocks_taken);
    return gb_test_summary();
}
