/*
 * The JSON-RPC gas estimates and stored blocks (src/node/rpc.h) without
 * HTTP, with the SDK examples ($GB_EXAMPLES_WASM): gearbox_calculateHandleGas,
 * _InitUploadGas, _InitCreateGas and _ReplyGas answers and their errors
 * (unknown program, code id, mailbox message; a trap, with its panic
 * text; bad params), state untouched; gearbox_getBlock by height and hash for
 * a block no longer kept (from the store, eventsKept false) and a kept
 * one; chain_getHead's hash from a dispatcher that produced nothing.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "chain/chain.h"
#include "node/rpc.h"
#include "util/hex.h"

static gb_chain *open_chain(void)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    gb_chain *c = NULL;
    char detail[256] = "";
    if (gb_chain_open(&cfg, &c, detail, sizeof detail)) {
        fprintf(stderr, "open: %s\n", detail);
        exit(1);
    }
    return c;
}

static gb_rpc *new_rpc(gb_chain *c, uint32_t event_blocks)
{
    gb_rpc_cfg cfg;
    gb_rpc_cfg_default(&cfg);
    cfg.dev = true;
    cfg.event_blocks = event_blocks;
    gb_rpc *r = NULL;
    if (gb_rpc_new(c, &cfg, &r))
        exit(1);
    return r;
}

static void block(gb_chain *c, gb_rpc *r)
{
    gb_block_result b;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &b));
    GB_EXPECT_ERR(GB_OK, gb_rpc_note_block(r, &b));
    gb_block_result_free(&b);
}

/* method(params): the result (new reference) or NULL with *code and the
 * message in msg. */
static json_t *invoke(gb_rpc *r, const char *method, const char *params,
                      int *code, char *msg, size_t msglen)
{
    size_t n = strlen(params) + strlen(method) + 100;
    char *req = malloc(n);
    snprintf(req, n,
             "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\",\"params\":%s}",
             method, params);
    char *out = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_handle(r, req, strlen(req), &out));
    free(req);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    GB_EXPECT(j != NULL);
    *code = 0;
    if (msg && msglen)
        msg[0] = 0;
    json_t *res = NULL;
    json_t *err = j ? json_object_get(j, "error") : NULL;
    if (err) {
        *code = (int)json_integer_value(json_object_get(err, "code"));
        if (msg && msglen)
            snprintf(msg, msglen, "%s",
                     json_string_value(json_object_get(err, "message")));
    } else if (j) {
        res = json_incref(json_object_get(j, "result"));
    }
    json_decref(j);
    return res;
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
    s[0] = '0';
    s[1] = 'x';
    gb_hex_encode(buf, len, s + 2);
    free(buf);
    return s;
}

/* A params object with the code of example name put in at %s. */
static char *with_code(const char *fmt, const char *name)
{
    char *code = wasm_hex(name);
    size_t n = strlen(code) + strlen(fmt) + 1;
    char *p = malloc(n);
    snprintf(p, n, fmt, code);
    free(code);
    return p;
}

static int64_t num(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static void test_gas_methods(void)
{
    gb_chain *c = open_chain();
    gb_rpc *r = new_rpc(c, 0);
    int code;
    char msg[512];
    /* the upload estimate, before anything is on chain */
    char *p = with_code("{\"source\":\"alice\",\"code\":\"%s\"}", "ping");
    json_t *g = invoke(r, "gearbox_calculateInitUploadGas", p, &code, msg,
                       sizeof msg);
    free(p);
    GB_EXPECT_I64(0, code);
    GB_EXPECT(json_is_integer(json_object_get(g, "minLimit")));
    GB_EXPECT(json_is_integer(json_object_get(g, "burned")));
    GB_EXPECT(json_is_integer(json_object_get(g, "reserved")));
    GB_EXPECT(json_is_integer(json_object_get(g, "mayBeReturned")));
    GB_EXPECT(json_is_false(json_object_get(g, "waited")));
    json_decref(g);
    GB_EXPECT_U64(0, gb_chain_height(c));

    /* upload ping for real, then estimate a PING by position */
    p = with_code("{\"from\":\"alice\",\"code\":\"%s\",\"salt\":\"0x01\"}",
                  "ping");
    json_t *up = invoke(r, "dev_uploadProgram", p, &code, msg, sizeof msg);
    free(p);
    GB_EXPECT_I64(0, code);
    char pid[67] = "", cid[67] = "";
    snprintf(pid, sizeof pid, "%s",
             json_string_value(json_object_get(up, "programId")));
    snprintf(cid, sizeof cid, "%s",
             json_string_value(json_object_get(up, "codeId")));
    json_decref(up);
    block(c, r);
    uint8_t root0[32], root1[32];
    gb_chain_state_root(c, root0);
    char params[1024];
    snprintf(params, sizeof params, "[\"bob\",\"%s\",\"0x50494e47\",0,true]",
             pid);
    g = invoke(r, "gearbox_calculateHandleGas", params, &code, msg, sizeof msg);
    GB_EXPECT_I64(0, code);
    GB_EXPECT(num(g, "burned") > 0);
    GB_EXPECT(num(g, "minLimit") >= num(g, "burned"));
    GB_EXPECT_I64(1, num(g, "dispatches"));
    int64_t burned = num(g, "burned");
    json_decref(g);
    /* Gear's shape: GasInfo with snake_case keys; value as BE hex too */
    snprintf(params, sizeof params,
             "[\"bob\",\"%s\",\"0x50494e47\",\"0x00\",true,null]", pid);
    g = invoke(r, "gear_calculateGasForHandle", params, &code, msg,
               sizeof msg);
    GB_EXPECT_I64(0, code);
    GB_EXPECT_I64(burned, num(g, "burned"));
    GB_EXPECT(num(g, "min_limit") >= burned);
    GB_EXPECT(json_is_integer(json_object_get(g, "may_be_returned")));
    GB_EXPECT(json_is_boolean(json_object_get(g, "waited")));
    GB_EXPECT(!json_object_get(g, "dispatches"));
    json_decref(g);
    g = invoke(r, "gear_calculateHandleGas",
               "[\"bob\",\"0x0000000000000000000000000000000000000000000000"
               "000000000000000001\",\"0x\",0,true]",
               &code, msg, sizeof msg);
    GB_EXPECT_I64(8000, code);
    json_decref(g);
    gb_chain_state_root(c, root1);
    GB_EXPECT(!memcmp(root0, root1, 32));

    /* create from the code id: a fresh salt each time without one */
    snprintf(params, sizeof params,
             "{\"source\":\"bob\",\"codeId\":\"%s\",\"value\":\"0\"}", cid);
    g = invoke(r, "gearbox_calculateInitCreateGas", params, &code, msg,
               sizeof msg);
    GB_EXPECT_I64(0, code);
    json_decref(g);
    snprintf(params, sizeof params,
             "{\"source\":\"bob\",\"codeId\":\"%s\",\"salt\":\"0x01\"}", cid);
    g = invoke(r, "gearbox_calculateInitCreateGas", params, &code, msg,
               sizeof msg);
    GB_EXPECT_I64(GB_RPC_TX_REFUSED, code);
    GB_EXPECT_STR_CONTAINS(msg, "exists already");

    /* errors */
    const char *none =
        "0x4242424242424242424242424242424242424242424242424242424242424242";
    snprintf(params, sizeof params, "[\"bob\",\"%s\",\"0x\"]", none);
    g = invoke(r, "gearbox_calculateHandleGas", params, &code, msg, sizeof msg);
    GB_EXPECT(!g);
    GB_EXPECT_I64(GB_RPC_NOT_FOUND, code);
    GB_EXPECT_STR_CONTAINS(msg, "unknown program");
    g = invoke(r, "gearbox_calculateInitCreateGas", params, &code, msg,
               sizeof msg);
    GB_EXPECT_I64(GB_RPC_NOT_FOUND, code);
    GB_EXPECT_STR_CONTAINS(msg, "unknown code id");
    g = invoke(r, "gearbox_calculateReplyGas", params, &code, msg, sizeof msg);
    GB_EXPECT_I64(GB_RPC_NOT_FOUND, code);
    GB_EXPECT_STR_CONTAINS(msg, "mailbox");
    g = invoke(r, "gearbox_calculateHandleGas", "[\"bob\"]", &code, msg,
               sizeof msg);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, code);
    GB_EXPECT_STR_CONTAINS(msg, "destination");
    snprintf(params, sizeof params,
             "{\"source\":\"bob\",\"destination\":\"%s\","
             "\"allowOtherPanics\":1}", pid);
    g = invoke(r, "gearbox_calculateHandleGas", params, &code, msg, sizeof msg);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, code);
    GB_EXPECT_STR_CONTAINS(msg, "allowOtherPanics");
    g = invoke(r, "gearbox_calculateInitUploadGas",
               "{\"source\":\"alice\",\"code\":\"0x0061736d\"}", &code, msg,
               sizeof msg);
    GB_EXPECT_I64(GB_RPC_TX_REFUSED, code);
    GB_EXPECT_STR_CONTAINS(msg, "code rejected");
    /* a trap: proxy's init wants a 32-byte id */
    p = with_code("{\"source\":\"alice\",\"code\":\"%s\",\"payload\":\"0x01\"}",
                  "proxy");
    g = invoke(r, "gearbox_calculateInitUploadGas", p, &code, msg, sizeof msg);
    free(p);
    GB_EXPECT(!g);
    GB_EXPECT_I64(GB_RPC_EXEC_FAILED, code);
    GB_EXPECT_STR_CONTAINS(msg, "proxy: init payload must be");

    gb_chain_state_root(c, root1);
    GB_EXPECT(!memcmp(root0, root1, 32));
    gb_rpc_free(r);
    gb_chain_close(c);
}

/* Estimates run on the node's thread: a batch may hold a few. */
static void test_estimates_per_request(void)
{
    gb_chain *c = open_chain();
    gb_rpc *r = new_rpc(c, 0);
    char one[256], req[2048] = "[";
    for (int i = 0; i < 5; i++) {
        snprintf(one, sizeof one,
                 "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
                 "\"gearbox_calculateHandleGas\",\"params\":{\"source\":"
                 "\"alice\",\"destination\":\"0x%064d\",\"payload\":"
                 "\"0x00\"}}",
                 i ? "," : "", i, 7);
        strcat(req, one);
    }
    strcat(req, "]");
    char *out = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_handle(r, req, strlen(req), &out));
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    GB_EXPECT(json_is_array(j) && json_array_size(j) == 5);
    int limited = 0, other = 0;
    for (size_t i = 0; j && i < json_array_size(j); i++) {
        json_t *e = json_object_get(json_array_get(j, i), "error");
        int code = (int)json_integer_value(json_object_get(e, "code"));
        if (code == GB_RPC_TOO_LARGE)
            limited++;
        else if (code)
            other++;
    }
    GB_EXPECT_I64(1, limited); /* the fifth */
    GB_EXPECT_I64(4, other);   /* unknown program, each estimated */
    json_decref(j);
    gb_rpc_free(r);
    gb_chain_close(c);
}

static void test_stored_blocks(void)
{
    gb_chain *c = open_chain();
    gb_rpc *r = new_rpc(c, 2); /* keeps the last two blocks */
    for (int i = 0; i < 5; i++)
        block(c, r);
    int code;
    char msg[256];
    json_t *b1 = invoke(r, "gearbox_getBlock", "[1]", &code, msg, sizeof msg);
    GB_EXPECT_I64(0, code);
    GB_EXPECT_I64(1, num(b1, "height"));
    GB_EXPECT(json_is_false(json_object_get(b1, "eventsKept")));
    GB_EXPECT(json_is_string(json_object_get(b1, "hash")));
    GB_EXPECT(json_is_string(json_object_get(b1, "parentHash")));
    char params[256];
    snprintf(params, sizeof params, "{\"hash\":\"%s\"}",
             json_string_value(json_object_get(b1, "hash")));
    json_t *h1 = invoke(r, "gearbox_getBlock", params, &code, msg, sizeof msg);
    GB_EXPECT_I64(0, code);
    GB_EXPECT_I64(1, num(h1, "height"));
    GB_EXPECT(json_equal(b1, h1));
    json_decref(h1);
    json_t *b2 = invoke(r, "gearbox_getBlock", "[2]", &code, msg, sizeof msg);
    /* block 2's parent is block 1 */
    GB_EXPECT(!strcmp(json_string_value(json_object_get(b2, "parentHash")),
                      json_string_value(json_object_get(b1, "hash"))));
    json_decref(b1);
    json_decref(b2);
    json_t *b5 = invoke(r, "gearbox_getBlock", "[5]", &code, msg, sizeof msg);
    GB_EXPECT_I64(0, code);
    GB_EXPECT(json_is_true(json_object_get(b5, "eventsKept")));
    json_decref(b5);
    GB_EXPECT(!invoke(r, "gearbox_getBlock", "[6]", &code, msg, sizeof msg));
    GB_EXPECT_I64(GB_RPC_NOT_FOUND, code);
    GB_EXPECT_STR_CONTAINS(msg, "beyond the head");
    GB_EXPECT(!invoke(r, "gearbox_getBlock",
                      "{\"hash\":\"0x0000000000000000000000000000000000000000"
                      "000000000000000000000001\"}",
                      &code, msg, sizeof msg));
    GB_EXPECT_I64(GB_RPC_NOT_FOUND, code);

    /* a dispatcher that produced nothing (a restarted node) still knows
     * the head's hash */
    gb_rpc *fresh = new_rpc(c, 0);
    json_t *h = invoke(fresh, "chain_getHead", "[]", &code, msg, sizeof msg);
    json_t *b = invoke(fresh, "gearbox_getBlock", "[5]", &code, msg, sizeof msg);
    GB_EXPECT(json_is_string(json_object_get(h, "hash")));
    GB_EXPECT(json_equal(json_object_get(h, "hash"),
                         json_object_get(b, "hash")));
    json_decref(h);
    json_decref(b);
    gb_rpc_free(fresh);
    gb_rpc_free(r);
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_gas_methods);
    GB_RUN(test_estimates_per_request);
    GB_RUN(test_stored_blocks);
    return gb_test_summary();
}
