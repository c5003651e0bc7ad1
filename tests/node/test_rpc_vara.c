/*
 * The Vara-shaped reads the JS tests (tests/js) use, through the JSON-RPC
 * dispatcher without HTTP, so that they are checked where Node.js is
 * missing too: gear_calculateReplyForHandle (Gear's LegacyReplyInfo
 * shape: a manual success with PONG, a panic's Error{Execution}, an
 * unknown program's 8000), gear_readStateBatch, gear_readMetahash;
 * state_getKeysPaged over programs, codes (paged with startKey), memory
 * pages and a program's waitlist; the values of OriginalCodeStorage,
 * MemoryPages and Waitlist; Gear.MessageWaited / MessageWoken in
 * System.Events.  Programs: the SDK examples ($GB_EXAMPLES_WASM).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "node/rpc.h"
#include "util/hex.h"

#define GAS 10000000000ull

/* storage prefixes: twox128(pallet) ‖ twox128(item) */
#define P_PROGRAMS "0x21e18623b1f0110bfe78526b5fa5629c82d53c47fd03d02d3fd1234743c48a59"
#define P_CODE_META "0x21e18623b1f0110bfe78526b5fa5629c9cc4aff86f7d7ef3b49a2b25dbfd759a"
#define P_ORIG_CODE "0x21e18623b1f0110bfe78526b5fa5629cd4d20c8817526c2012606e6aa04c60f6"
#define P_PAGES "0x21e18623b1f0110bfe78526b5fa5629c4ddfec7915328dd853a6479a8315bcfe"
#define P_WAITLIST "0x18a58b6d6682176908e0320ab4d5d7eaf597276cfcc205027d5028243c0d3f09"
#define K_EVENTS "0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7"

static gb_id alice(void) { return gb_chain_dev_account(0); }

/* Produce a block and tell the dispatcher. */
static void block(gb_chain *c, gb_rpc *r)
{
    gb_block_result b;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &b));
    GB_EXPECT_ERR(GB_OK, gb_rpc_note_block(r, &b));
    gb_block_result_free(&b);
}

/* method(params): the result (new ref) or NULL with *code the error's. */
static json_t *invoke(gb_rpc *r, const char *method, const char *params,
                      int *code)
{
    size_t n = strlen(params) + strlen(method) + 100;
    char *req = malloc(n);
    snprintf(req, n,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}",
             method, params);
    char *out = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_handle(r, req, strlen(req), &out));
    free(req);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    *code = 0;
    json_t *res = NULL;
    json_t *err = json_object_get(j, "error");
    if (err)
        *code = (int)json_integer_value(json_object_get(err, "code"));
    else
        res = json_incref(json_object_get(j, "result"));
    json_decref(j);
    return res;
}

static void hex_id(gb_id id, char out[67])
{
    out[0] = '0';
    out[1] = 'x';
    gb_hex_encode(id.b, 32, out + 2);
}

/* A SCALE string (short form) at out; its length. */
static uint32_t put_str(uint8_t *out, const char *s)
{
    uint32_t n = (uint32_t)strlen(s);
    out[0] = (uint8_t)(n << 2);
    memcpy(out + 1, s, n);
    return n + 1;
}

static gb_id send(gb_chain *c, gb_id to, const void *p, uint32_t len)
{
    return fx_submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                                .destination = to, .payload = p,
                                .payload_len = len, .gas_limit = GAS});
}

static bool array_has(json_t *a, const char *s)
{
    for (size_t i = 0; i < json_array_size(a); i++)
        if (!strcmp(json_string_value(json_array_get(a, i)), s))
            return true;
    return false;
}

static void test_reply_and_state(void)
{
    gb_chain *c = fx_open_chain(NULL);
    gb_rpc_cfg cfg;
    gb_rpc_cfg_default(&cfg);
    gb_rpc *r = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(c, &cfg, &r));
    gb_id ping = fx_create_example(c, alice(), "ping", GAS);
    gb_id counter = fx_create_example(c, alice(), "counter", GAS);
    block(c, r);
    send(c, counter, "add 41", 6);
    block(c, r);
    char p[300], a[67], pi[67], ci[67];
    hex_id(alice(), a);
    hex_id(ping, pi);
    hex_id(counter, ci);
    int code;

    snprintf(p, sizeof p, "[\"%s\",\"%s\",\"0x50494e47\",750000000000,0,null]",
             a, pi);
    json_t *v = invoke(r, "gear_calculateReplyForHandle", p, &code);
    GB_EXPECT_I64(0, code);
    GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(v, "payload")),
                           "0x504f4e47");
    GB_EXPECT_I64(0, json_integer_value(json_object_get(v, "value")));
    GB_EXPECT_STR_CONTAINS(json_string_value(json_object_get(
                               json_object_get(v, "code"), "Success")),
                           "Manual");
    json_decref(v);
    snprintf(p, sizeof p, "[\"%s\",\"%s\",\"0x6e6f7065\",750000000000,0]", a,
             ci);
    v = invoke(r, "gear_calculateReplyForHandle", p, &code);
    json_t *err = json_object_get(json_object_get(v, "code"), "Error");
    GB_EXPECT_STR_CONTAINS(
        json_string_value(json_object_get(err, "Execution")),
        "UserspacePanic");
    json_decref(v);
    snprintf(p, sizeof p, "[\"%s\",\"0x%064d\",\"0x\",1000000000,0]", a, 0);
    v = invoke(r, "gear_calculateReplyForHandle", p, &code);
    GB_EXPECT(v == NULL);
    GB_EXPECT_I64(8000, code);

    /* counter's state export: "41" */
    snprintf(p, sizeof p, "[[[\"%s\",\"0x\"],[\"%s\",\"0x\"]],null]", ci, ci);
    v = invoke(r, "gear_readStateBatch", p, &code);
    GB_EXPECT_U64(2, json_array_size(v));
    GB_EXPECT_STR_CONTAINS(json_string_value(json_array_get(v, 1)), "0x3431");
    json_decref(v);
    snprintf(p, sizeof p, "[[[\"%s\",\"0x\"]]]", pi); /* no state export */
    v = invoke(r, "gear_readStateBatch", p, &code);
    GB_EXPECT(v == NULL);
    GB_EXPECT_I64(8000, code);
    snprintf(p, sizeof p, "[\"0x%064d\"]", 0);
    v = invoke(r, "gear_readMetahash", p, &code);
    GB_EXPECT_I64(8000, code);
    json_decref(v);

    /* key lists: programs (paged), codes, counter's pages */
    v = invoke(r, "state_getKeysPaged", "[\"" P_PROGRAMS "\",1000]", &code);
    GB_EXPECT_U64(2, json_array_size(v));
    char key[200];
    snprintf(key, sizeof key, "%s%s", P_PROGRAMS, ci + 2);
    GB_EXPECT(array_has(v, key));
    const char *first = json_string_value(json_array_get(v, 0));
    char second[200];
    snprintf(second, sizeof second, "%s",
             json_string_value(json_array_get(v, 1)));
    snprintf(p, sizeof p, "[\"" P_PROGRAMS "\",1,\"%s\"]", first);
    json_t *page = invoke(r, "state_getKeysPaged", p, &code);
    GB_EXPECT_U64(1, json_array_size(page));
    GB_EXPECT_STR_CONTAINS(json_string_value(json_array_get(page, 0)),
                           second);
    json_decref(page);
    json_decref(v);
    v = invoke(r, "state_getKeysPaged", "[\"" P_CODE_META "\",1000]", &code);
    GB_EXPECT_U64(2, json_array_size(v));
    json_decref(v);
    uint32_t len;
    uint8_t *wasm = fx_read_example("counter", &len);
    gb_id cid = gb_code_id(wasm, len);
    char cidh[67];
    hex_id(cid, cidh);
    snprintf(p, sizeof p, "[\"%s%s\"]", P_ORIG_CODE, cidh + 2);
    v = invoke(r, "state_getStorage", p, &code);
    /* Bytes: a compact length (2 or 4 bytes here) then the wasm */
    size_t hl = json_string_length(v);
    GB_EXPECT(hl == 2 + 2 * (len + 2) || hl == 2 + 2 * (len + 4));
    char *whex = malloc(2 * len + 1);
    gb_hex_encode(wasm, len, whex);
    GB_EXPECT(json_is_string(v) &&
              !strcmp(json_string_value(v) + hl - 2 * len, whex));
    free(whex);
    free(wasm);
    json_decref(v);
    snprintf(p, sizeof p, "[\"%s%s\",1000]", P_PAGES, ci + 2);
    v = invoke(r, "state_getKeysPaged", p, &code);
    GB_EXPECT(json_array_size(v) > 0);
    snprintf(p, sizeof p, "[\"%s\"]", json_string_value(json_array_get(v, 0)));
    json_t *pg = invoke(r, "state_getStorage", p, &code);
    GB_EXPECT_U64(2 + 2 * 16384, json_string_length(pg));
    json_decref(pg);
    json_decref(v);
    gb_rpc_free(r);
    gb_chain_close(c);
}

static void test_waitlist(void)
{
    gb_chain *c = fx_open_chain(NULL);
    gb_rpc_cfg cfg;
    gb_rpc_cfg_default(&cfg);
    gb_rpc *r = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(c, &cfg, &r));
    uint8_t ctor[8];
    uint32_t clen = put_str(ctor, "New");
    gb_id code = fx_upload_example(c, alice(), "sails_counter");
    gb_id prog = fx_submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                      .sender = alice(), .code_id = code,
                                      .salt = (const uint8_t *)"w",
                                      .salt_len = 1, .payload = ctor,
                                      .payload_len = clen, .gas_limit = GAS});
    block(c, r);
    uint8_t hold[32], rel[32];
    uint32_t hl = put_str(hold, "Counter");
    hl += put_str(hold + hl, "Hold");
    uint32_t rl = put_str(rel, "Counter");
    rl += put_str(rel + rl, "Release");
    gb_id mid = send(c, prog, hold, hl);
    block(c, r);
    char p[400], pid[67], m[67];
    hex_id(prog, pid);
    hex_id(mid, m);
    int ec;
    json_t *ev = invoke(r, "state_getStorage", "[\"" K_EVENTS "\"]", &ec);
    char waited[80];
    snprintf(waited, sizeof waited, "6804%s", m + 2); /* Gear.MessageWaited */
    GB_EXPECT_STR_CONTAINS(json_string_value(ev), waited);
    json_decref(ev);
    snprintf(p, sizeof p, "[\"%s%s\",1000]", P_WAITLIST, pid + 2);
    json_t *v = invoke(r, "state_getKeysPaged", p, &ec);
    GB_EXPECT_U64(1, json_array_size(v));
    char key[300];
    snprintf(key, sizeof key, "%s%s%s", P_WAITLIST, pid + 2, m + 2);
    GB_EXPECT(array_has(v, key));
    json_decref(v);
    snprintf(p, sizeof p, "[\"%s\"]", key);
    v = invoke(r, "state_getStorage", p, &ec);
    /* kind Handle 01, then the message id */
    char head[80];
    snprintf(head, sizeof head, "0x01%s", m + 2);
    GB_EXPECT(json_is_string(v) &&
              !strncmp(json_string_value(v), head, strlen(head)));
    json_decref(v);

    send(c, prog, rel, rl);
    block(c, r);
    ev = invoke(r, "state_getStorage", "[\"" K_EVENTS "\"]", &ec);
    char woken[80];
    snprintf(woken, sizeof woken, "6805%s0000", m + 2); /* Runtime(WakeCalled) */
    GB_EXPECT_STR_CONTAINS(json_string_value(ev), woken);
    json_decref(ev);
    snprintf(p, sizeof p, "[\"%s%s\",1000]", P_WAITLIST, pid + 2);
    v = invoke(r, "state_getKeysPaged", p, &ec);
    GB_EXPECT_U64(0, json_array_size(v));
    json_decref(v);
    snprintf(p, sizeof p, "[\"%s\"]", key);
    v = invoke(r, "state_getStorage", p, &ec);
    GB_EXPECT(json_is_null(v));
    json_decref(v);
    gb_rpc_free(r);
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_reply_and_state);
    GB_RUN(test_waitlist);
    return gb_test_summary();
}
