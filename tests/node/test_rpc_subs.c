/*
 * Subscriptions through the dispatcher (node/rpc.h, node/subs.h) without
 * a socket: a session whose sink collects notifications, on a chain in a
 * temporary directory with the ping example ($GB_EXAMPLES_WASM).  New
 * heads with their parent hashes; events filtered by program and by
 * account (PING from bob: queued, dispatched, PONG back); unsubscribe;
 * the per-session limit; a failing sink; the methods refused without a
 * session (HTTP); two sessions kept apart.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "chain/chain.h"
#include "node/rpc.h"
#include "node/subs.h"
#include "util/hex.h"

typedef struct sink {
    json_t *got; /* array of notifications */
    bool fail;
} sink;

static gb_err collect(void *ctx, const char *json, size_t len)
{
    sink *s = ctx;
    if (s->fail)
        return GB_LIMIT;
    json_error_t je;
    json_t *j = json_loadb(json, len, 0, &je);
    GB_EXPECT(j != NULL);
    if (j)
        json_array_append_new(s->got, j);
    return GB_OK;
}

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

static void block(gb_chain *c, gb_rpc *r)
{
    gb_block_result b;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &b));
    GB_EXPECT_ERR(GB_OK, gb_rpc_note_block(r, &b));
    gb_block_result_free(&b);
}

/* method(params) on session ss (NULL: as over HTTP): the result (new
 * reference) or NULL with the error code in *code. */
static json_t *invoke(gb_rpc *r, gb_subs_session *ss, const char *method,
                      const char *params, int *code)
{
    size_t n = strlen(params) + strlen(method) + 100;
    char *req = malloc(n);
    snprintf(req, n,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}",
             method, params);
    char *out = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_handle_session(r, ss, req, strlen(req), &out));
    free(req);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    *code = 0;
    json_t *err = json_object_get(j, "error");
    json_t *res = NULL;
    if (err)
        *code = (int)json_integer_value(json_object_get(err, "code"));
    else
        res = json_incref(json_object_get(j, "result"));
    json_decref(j);
    return res;
}

static uint64_t sub_id(gb_rpc *r, gb_subs_session *ss, const char *method,
                       const char *params)
{
    int ec;
    json_t *res = invoke(r, ss, method, params, &ec);
    GB_EXPECT_I64(0, ec);
    GB_EXPECT(json_is_integer(res));
    uint64_t id = (uint64_t)json_integer_value(res);
    json_decref(res);
    return id;
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

/* The notifications in s->got for subscription id, by method. */
static size_t count_for(sink *s, const char *method, uint64_t id)
{
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(s->got, i, v) {
        json_t *p = json_object_get(v, "params");
        if (!strcmp(json_string_value(json_object_get(v, "method")), method) &&
            (uint64_t)json_integer_value(json_object_get(p, "subscription")) ==
                id)
            n++;
    }
    return n;
}

static void test_subscriptions(void)
{
    gb_chain *c = open_chain();
    gb_rpc_cfg cfg;
    gb_rpc_cfg_default(&cfg);
    cfg.dev = true;
    gb_rpc *r = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(c, &cfg, &r));
    sink a = {.got = json_array()}, b = {.got = json_array()};
    gb_subs_session *sa = NULL, *sb = NULL;
    GB_EXPECT_ERR(GB_OK, gb_subs_session_open(gb_rpc_subs(r), 4, collect, &a,
                                              &sa));
    GB_EXPECT_ERR(GB_OK, gb_subs_session_open(gb_rpc_subs(r), 4, collect, &b,
                                              &sb));
    int ec;

    /* over HTTP (no session): refused, saying why */
    json_t *res = invoke(r, NULL, "gearbox_subscribeNewHeads", "[]", &ec);
    GB_EXPECT_I64(GB_RPC_METHOD_NOT_FOUND, ec);
    GB_EXPECT(res == NULL);
    res = invoke(r, NULL, "gear_unsubscribeEvents", "[1]", &ec);
    GB_EXPECT(json_is_false(res));
    json_decref(res);

    uint64_t heads = sub_id(r, sa, "gearbox_subscribeNewHeads", "[]");
    uint64_t all = sub_id(r, sa, "gear_subscribeEvents", "[]");
    uint64_t bob = sub_id(r, sb, "gear_subscribeEvents",
                          "{\"account\":\"bob\"}");
    GB_EXPECT(heads != all && all != bob);
    GB_EXPECT_U64(3, gb_subs_count(gb_rpc_subs(r)));
    /* bad filters */
    res = invoke(r, sb, "gear_subscribeEvents", "{\"program\":\"0x12\"}", &ec);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, ec);
    res = invoke(r, sb, "gear_subscribeEvents", "{\"account\":\"nobody\"}",
                 &ec);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, ec);

    /* upload ping: heads and every event to a, nothing to bob's filter */
    char *code = wasm_hex("ping");
    size_t n = strlen(code) + 200;
    char *params = malloc(n);
    snprintf(params, n, "{\"from\":\"alice\",\"code\":\"%s\",\"salt\":\"0x01\"}",
             code);
    res = invoke(r, sa, "dev_uploadProgram", params, &ec);
    GB_EXPECT_I64(0, ec);
    char pid[80] = "";
    snprintf(pid, sizeof pid, "%s",
             json_string_value(json_object_get(res, "programId")));
    json_decref(res);
    free(params);
    free(code);
    block(c, r);
    block(c, r);
    GB_EXPECT_U64(2, count_for(&a, "gearbox_newHead", heads));
    GB_EXPECT(count_for(&a, "gear_event", all) >= 3);
    GB_EXPECT_U64(0, json_array_size(b.got));
    /* the second head's parent is the first's hash */
    json_t *h1 = json_object_get(json_object_get(json_array_get(a.got, 0),
                                                 "params"), "result");
    size_t i;
    json_t *v, *h2 = NULL;
    json_array_foreach(a.got, i, v) {
        if (i && !strcmp(json_string_value(json_object_get(v, "method")),
                         "gearbox_newHead"))
            h2 = json_object_get(json_object_get(v, "params"), "result");
    }
    GB_EXPECT(h2 != NULL);
    /* the first block's parent (genesis) was not produced here: its hash
     * comes from the stored header */
    GB_EXPECT(json_is_string(json_object_get(h1, "parentHash")));
    GB_EXPECT_I64(json_integer_value(json_object_get(h1, "height")) + 1,
                  json_integer_value(json_object_get(h2, "height")));
    GB_EXPECT(json_equal(json_object_get(h1, "hash"),
                         json_object_get(h2, "parentHash")));
    GB_EXPECT(json_object_get(h2, "stateRoot") &&
              json_object_get(h2, "gasUsed") &&
              json_object_get(h2, "dispatched") &&
              json_object_get(h2, "timestamp"));

    /* bob PINGs: his filter gets exactly queued, dispatched, PONG */
    uint64_t prog = sub_id(r, sb, "gear_subscribeEvents", "[]");
    GB_EXPECT_ERR(GB_OK, gb_subs_remove(sb, GB_SUB_EVENTS, prog));
    char filt[200];
    snprintf(filt, sizeof filt, "{\"program\":\"%s\"}", pid);
    prog = sub_id(r, sb, "gear_subscribeEvents", filt);
    json_array_clear(a.got);
    char send[300];
    snprintf(send, sizeof send,
             "{\"from\":\"bob\",\"destination\":\"%s\",\"payload\":"
             "\"0x50494e47\"}", pid);
    res = invoke(r, sb, "dev_sendMessage", send, &ec);
    GB_EXPECT_I64(0, ec);
    json_decref(res);
    block(c, r);
    GB_EXPECT_U64(3, count_for(&b, "gear_event", bob));
    GB_EXPECT_U64(3, count_for(&b, "gear_event", prog));
    static const char *const kinds[] = {"MessageQueued", "Dispatched",
                                        "UserMessageSent"};
    size_t k = 0;
    json_array_foreach(b.got, i, v) {
        json_t *p = json_object_get(v, "params");
        if ((uint64_t)json_integer_value(json_object_get(p, "subscription")) !=
            bob)
            continue;
        json_t *ev = json_object_get(p, "result");
        GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(ev, "kind")),
                               kinds[k < 3 ? k : 2]);
        if (k == 2)
            GB_EXPECT_STR_CONTAINS(
                json_string_value(json_object_get(ev, "payload")),
                "0x504f4e47");
        GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(v, "jsonrpc")),
                               "2.0");
        k++;
    }
    GB_EXPECT_U64(1, count_for(&a, "gearbox_newHead", heads));

    /* unsubscribe: true once, then false; the wrong kind: false */
    char ids[40];
    snprintf(ids, sizeof ids, "[%llu]", (unsigned long long)heads);
    res = invoke(r, sa, "gear_unsubscribeEvents", ids, &ec);
    GB_EXPECT(json_is_false(res));
    json_decref(res);
    res = invoke(r, sb, "gearbox_unsubscribeNewHeads", ids, &ec);
    GB_EXPECT(json_is_false(res)); /* another session's */
    json_decref(res);
    res = invoke(r, sa, "gearbox_unsubscribeNewHeads", ids, &ec);
    GB_EXPECT(json_is_true(res));
    json_decref(res);
    res = invoke(r, sa, "gearbox_unsubscribeNewHeads", ids, &ec);
    GB_EXPECT(json_is_false(res));
    json_decref(res);
    res = invoke(r, sa, "gearbox_unsubscribeNewHeads", "[]", &ec);
    GB_EXPECT_I64(GB_RPC_INVALID_PARAMS, ec);
    json_array_clear(a.got);
    block(c, r);
    GB_EXPECT_U64(0, count_for(&a, "gearbox_newHead", heads));

    /* the limit: 4 per session */
    for (int j = 0; j < 3; j++)
        sub_id(r, sa, "gearbox_subscribeNewHeads", "[]");
    res = invoke(r, sa, "gearbox_subscribeNewHeads", "[]", &ec);
    GB_EXPECT_I64(GB_RPC_TOO_LARGE, ec);

    /* a failing sink: that session only misses out */
    a.fail = true;
    json_array_clear(b.got);
    block(c, r);
    GB_EXPECT_U64(0, json_array_size(a.got));
    a.fail = false;
    gb_subs_session_close(sa);
    GB_EXPECT_U64(2, gb_subs_count(gb_rpc_subs(r)));
    block(c, r);
    GB_EXPECT_U64(0, json_array_size(a.got));
    gb_subs_session_close(sb);
    GB_EXPECT_U64(0, gb_subs_count(gb_rpc_subs(r)));
    gb_subs_session_close(NULL);
    json_decref(a.got);
    json_decref(b.got);
    gb_rpc_free(r);
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_subscriptions);
    return gb_test_summary();
}
