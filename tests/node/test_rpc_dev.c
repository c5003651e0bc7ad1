/*
 * The dev controls' methods (src/node/rpc_dev.c, issue #21) in the
 * dispatcher without HTTP: refused without --dev (and without the node's
 * controls), listed by rpc_methods; with a gb_devctl whose node side is
 * played here (blocks made on this thread), each control's answer, its
 * errors, its log line, and what a revert does to the dispatcher's kept
 * blocks.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "chain/chain.h"
#include "node/devctl.h"
#include "node/rpc.h"

static const char *const controls[] = {
    "dev_mine",        "dev_setMining",   "dev_getMining",
    "dev_setTime",     "dev_advanceTime", "dev_setBalance",
    "dev_impersonate", "dev_stopImpersonating", "dev_snapshot",
    "dev_revert",      "dev_sendReply",   "dev_claimValue",
};
#define NCONTROLS (sizeof controls / sizeof *controls)

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

/* The node's side, played by the test. */
typedef struct fake_node {
    gb_chain *c;
    gb_rpc *r;
    gb_devctl *d;
    int logs;
    char last[256];
    int exclusive;
} fake_node;

static gb_err f_mine(void *ctx, uint32_t n, uint64_t interval_ms,
                     uint8_t (*hashes)[32], uint32_t *out_done, char *detail,
                     size_t detail_len)
{
    (void)detail;
    (void)detail_len;
    fake_node *f = ctx;
    *out_done = 0;
    for (uint32_t i = 0; i < n; i++) {
        gb_block_result b;
        uint64_t ts = gb_devctl_block_ts(f->d, 1000000,
                                         gb_chain_timestamp(f->c),
                                         interval_ms);
        gb_err e = gb_chain_produce_block_at(f->c, ts, &b);
        if (e)
            return e;
        if (hashes)
            memcpy(hashes[i], b.hash, 32);
        gb_rpc_note_block(f->r, &b);
        gb_block_result_free(&b);
        (*out_done)++;
    }
    return GB_OK;
}

static gb_err f_exclusive(void *ctx, gb_err (*fn)(void *), void *arg)
{
    fake_node *f = ctx;
    f->exclusive++;
    return fn(arg);
}

static void f_log(void *ctx, const char *line)
{
    fake_node *f = ctx;
    f->logs++;
    snprintf(f->last, sizeof f->last, "%s", line);
}

static gb_rpc *new_rpc(gb_chain *c, bool dev, gb_devctl *d)
{
    gb_rpc_cfg cfg;
    gb_rpc_cfg_default(&cfg);
    cfg.dev = dev;
    cfg.devctl = d;
    gb_rpc *r = NULL;
    if (gb_rpc_new(c, &cfg, &r))
        exit(1);
    return r;
}

/* method(params): result (new ref) or NULL with *code; *msg (may be NULL)
 * gets the error message. */
static json_t *invoke(gb_rpc *r, const char *method, const char *params,
                      int *code, char *msg, size_t msglen)
{
    char req[4096];
    snprintf(req, sizeof req,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}",
             method, params);
    char *out = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_handle(r, req, strlen(req), &out));
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    *code = 0;
    if (msg && msglen)
        msg[0] = 0;
    if (!j)
        return NULL;
    json_t *err = json_object_get(j, "error"), *res = NULL;
    if (err) {
        *code = (int)json_integer_value(json_object_get(err, "code"));
        if (msg)
            snprintf(msg, msglen, "%s",
                     json_string_value(json_object_get(err, "message")));
    } else {
        res = json_incref(json_object_get(j, "result"));
    }
    json_decref(j);
    return res;
}

static void test_refused_without_dev(void)
{
    gb_chain *c = open_chain();
    gb_rpc *r = new_rpc(c, false, NULL);
    char msg[512];
    int code;
    for (size_t i = 0; i < NCONTROLS; i++) {
        json_t *res = invoke(r, controls[i], "[]", &code, msg, sizeof msg);
        GB_EXPECT(res == NULL);
        GB_EXPECT_I64(GB_RPC_DEV_ONLY, code);
        GB_EXPECT_STR_CONTAINS(msg, "--dev");
        json_decref(res);
    }
    /* and listed */
    json_t *m = invoke(r, "rpc_methods", "[]", &code, NULL, 0);
    GB_EXPECT(m != NULL);
    char *text = m ? json_dumps(m, JSON_COMPACT) : NULL;
    for (size_t i = 0; text && i < NCONTROLS; i++) {
        char q[64];
        snprintf(q, sizeof q, "\"%s\"", controls[i]);
        GB_EXPECT_STR_CONTAINS(text, q);
    }
    free(text);
    json_decref(m);
    gb_rpc_free(r);
    /* a dev dispatcher with no node behind it refuses them too */
    r = new_rpc(c, true, NULL);
    json_t *res = invoke(r, "dev_snapshot", "[]", &code, msg, sizeof msg);
    GB_EXPECT(res == NULL);
    GB_EXPECT_I64(GB_RPC_DEV_ONLY, code);
    gb_rpc_free(r);
    gb_chain_close(c);
}

static void test_controls(void)
{
    gb_chain *c = open_chain();
    fake_node f = {.c = c};
    gb_devctl_node ops = {.ctx = &f, .mine = f_mine,
                          .exclusive = f_exclusive, .log = f_log};
    GB_EXPECT_ERR(GB_OK, gb_devctl_new(c, &ops, GB_MINING_MANUAL, 500, &f.d));
    gb_rpc *r = f.r = new_rpc(c, true, f.d);
    char msg[512];
    int code;
    json_t *res;

    /* mining */
    res = invoke(r, "dev_mine", "[3]", &code, msg, sizeof msg);
    GB_EXPECT(res != NULL);
    GB_EXPECT_I64(3, json_integer_value(json_object_get(res, "head")));
    GB_EXPECT_U64(3, json_array_size(json_object_get(res, "blocks")));
    json_t *b2 = json_array_get(json_object_get(res, "blocks"), 2);
    GB_EXPECT_I64(3, json_integer_value(json_object_get(b2, "height")));
    GB_EXPECT(json_is_string(json_object_get(b2, "substrateHash")));
    json_decref(res);
    GB_EXPECT_STR_CONTAINS(f.last, "dev_mine: 3 blocks (1 to 3)");
    GB_EXPECT_U64(3, gb_chain_height(c));
    res = invoke(r, "dev_mine", "{\"blocks\": 10001}", &code, msg, sizeof msg);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, code);
    res = invoke(r, "dev_setMining", "[\"interval\", 250]", &code, NULL, 0);
    GB_EXPECT(res && !strcmp(json_string_value(json_object_get(res, "mode")),
                             "interval"));
    GB_EXPECT_I64(250, json_integer_value(json_object_get(res, "intervalMs")));
    json_decref(res);
    uint64_t iv;
    GB_EXPECT_I64(GB_MINING_INTERVAL, gb_devctl_mining(f.d, &iv));
    GB_EXPECT_U64(250, iv);
    res = invoke(r, "dev_setMining", "[\"often\"]", &code, msg, sizeof msg);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, code);

    /* time: never back; the set time is the next block's, and later ones
     * go on from it */
    uint64_t head = gb_chain_timestamp(c);
    char p[128];
    snprintf(p, sizeof p, "[%llu]", (unsigned long long)head);
    res = invoke(r, "dev_setTime", p, &code, msg, sizeof msg);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, code);
    GB_EXPECT_STR_CONTAINS(msg, "never goes back");
    res = invoke(r, "dev_setTime", "[9000000]", &code, NULL, 0);
    GB_EXPECT_I64(9000000,
                  json_integer_value(json_object_get(res, "nextTimestamp")));
    json_decref(res);
    json_decref(invoke(r, "dev_mine", "[]", &code, NULL, 0));
    GB_EXPECT_U64(9000000, gb_chain_timestamp(c));
    res = invoke(r, "dev_advanceTime", "[60000]", &code, NULL, 0);
    GB_EXPECT(res != NULL);
    json_decref(res);
    json_decref(invoke(r, "dev_mine", "[]", &code, NULL, 0));
    GB_EXPECT_U64(9060000, gb_chain_timestamp(c)); /* the fake wall stands */
    json_decref(invoke(r, "dev_mine", "[2, 1000]", &code, NULL, 0));
    GB_EXPECT_U64(9062000, gb_chain_timestamp(c));
    res = invoke(r, "dev_advanceTime", "[-1]", &code, msg, sizeof msg);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, code);

    /* balances, with the audit */
    res = invoke(r, "dev_setBalance",
                 "[\"0x2222222222222222222222222222222222222222222222222222"
                 "222222222222\", \"5000000000000000\"]",
                 &code, msg, sizeof msg);
    GB_EXPECT(res != NULL);
    GB_EXPECT(json_is_true(json_object_get(res, "auditHolds")));
    GB_EXPECT(!strcmp(json_string_value(json_object_get(res, "previous")),
                      "0"));
    json_decref(res);
    /* an SS58 address (//Alice's) works as well as hex */
    res = invoke(r, "dev_setBalance",
                 "[\"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY\", "
                 "\"7\"]",
                 &code, msg, sizeof msg);
    GB_EXPECT(res && !strcmp(json_string_value(json_object_get(res,
                                                               "account")),
                             "0xd43593c715fdd31c61141abd04a99fd6822c8558854cc"
                             "de39a5684e7a56da27d"));
    json_decref(res);
    res = invoke(r, "dev_setBalance", "[\"bob\"]", &code, msg, sizeof msg);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, code);

    /* impersonation: a message from an account without its key */
    const char *x = "0x2222222222222222222222222222222222222222222222222222"
                    "222222222222";
    snprintf(p, sizeof p, "[\"%s\"]", x);
    char send[512];
    snprintf(send, sizeof send,
             "[\"%s\", \"0x3333333333333333333333333333333333333333333333333"
             "333333333333333\", \"0x00\", 1000000]",
             x);
    res = invoke(r, "dev_sendMessage", send, &code, msg, sizeof msg);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, code);
    GB_EXPECT_STR_CONTAINS(msg, "impersonated");
    res = invoke(r, "dev_impersonate", p, &code, NULL, 0);
    GB_EXPECT(json_is_true(res));
    json_decref(res);
    /* (to no program: the chain's refusal comes through) */
    res = invoke(r, "dev_sendMessage", send, &code, msg, sizeof msg);
    GB_EXPECT_I64(GB_RPC_TX_REFUSED, code);
    res = invoke(r, "dev_stopImpersonating", p, &code, NULL, 0);
    GB_EXPECT(json_is_true(res));
    json_decref(res);
    res = invoke(r, "dev_stopImpersonating", p, &code, NULL, 0);
    GB_EXPECT(json_is_false(res));
    json_decref(res);

    /* snapshot, more blocks, revert: the kept blocks above go */
    uint32_t h0 = gb_chain_height(c);
    res = invoke(r, "dev_snapshot", "[]", &code, NULL, 0);
    GB_EXPECT_I64(1, json_integer_value(res));
    json_decref(res);
    json_decref(invoke(r, "dev_mine", "[4]", &code, NULL, 0));
    snprintf(p, sizeof p, "[%u]", h0 + 2);
    res = invoke(r, "gearbox_getBlock", p, &code, NULL, 0);
    GB_EXPECT(res != NULL);
    json_decref(res);
    int ex = f.exclusive;
    res = invoke(r, "dev_revert", "[\"0x1\"]", &code, msg, sizeof msg);
    GB_EXPECT(res != NULL);
    GB_EXPECT_I64(h0, json_integer_value(json_object_get(res, "height")));
    json_decref(res);
    GB_EXPECT(f.exclusive > ex); /* it ran with the producer held */
    GB_EXPECT_U64(h0, gb_chain_height(c));
    res = invoke(r, "gearbox_getBlock", p, &code, NULL, 0);
    GB_EXPECT(res == NULL);
    GB_EXPECT_I64(GB_RPC_NOT_FOUND, code);
    res = invoke(r, "chain_getBlockHash", p, &code, NULL, 0);
    GB_EXPECT(json_is_null(res));
    json_decref(res);
    res = invoke(r, "dev_revert", "[1]", &code, msg, sizeof msg);
    GB_EXPECT_I64(GB_RPC_NOT_FOUND, code);
    GB_EXPECT_STR_CONTAINS(f.last, "dev_revert: 1");
    GB_EXPECT(f.logs >= 10);

    gb_rpc_free(r);
    gb_devctl_free(f.d);
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_refused_without_dev);
    GB_RUN(test_controls);
    return gb_test_summary();
}
