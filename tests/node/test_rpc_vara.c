/*
 * The Vara-shaped reads the JS tests (tests/js) use, through the JSON-RPC
 * dispatcher without HTTP, so that they are checked where Node.js is
 * missing too: gear_calculateReplyForHandle (Gear's LegacyReplyInfo
 * shape: a manual success with PONG, a panic's Error{Execution}, an
 * unknown program's 8000), gear_readStateBatch, gear_readMetahash;
 * state_getKeysPaged over programs, codes (paged with startKey), memory
 * pages and a program's waitlist; the values of OriginalCodeStorage,
 * MemoryPages and Waitlist; Gear.MessageWaited / MessageWoken in
 * System.Events; Utility.batch / batch_all extrinsics (signed here with
 * ed25519 by a dev account) and TransactionPaymentApi_query_info.
 * Programs: the SDK examples ($GB_EXAMPLES_WASM).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "node/keys.h"
#include "node/metadata.h"
#include "node/rpc.h"
#include "util/hash.h"
#include "util/hex.h"
#include "util/scale.h"

#include <sodium.h>

#define GAS 10000000000ull

/* storage prefixes: twox128(pallet) ‖ twox128(item) */
#define P_PROGRAMS "0x21e18623b1f0110bfe78526b5fa5629c82d53c47fd03d02d3fd1234743c48a59"
#define P_CODE_META "0x21e18623b1f0110bfe78526b5fa5629c9cc4aff86f7d7ef3b49a2b25dbfd759a"
#define P_ORIG_CODE "0x21e18623b1f0110bfe78526b5fa5629cd4d20c8817526c2012606e6aa04c60f6"
#define P_PAGES "0x21e18623b1f0110bfe78526b5fa5629c4ddfec7915328dd853a6479a8315bcfe"
#define P_WAITLIST "0x18a58b6d6682176908e0320ab4d5d7eaf597276cfcc205027d5028243c0d3f09"
#define K_EVENTS "0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7"

static gb_id alice(void) { return gb_dev_account_id(0); }

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
    gb_id code = fx_upload_example(c, alice(), "sails_js");
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
    snprintf(waited, sizeof waited, "6804%s000000", m + 2); /* WaitCalled */
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

    /* Snooze(2): gr_wait_for, Runtime(WaitForCalled); two blocks on, the
     * runtime wakes it: System(TimeoutHasCome) */
    uint8_t sn[32];
    uint32_t sl = put_str(sn, "Counter");
    sl += put_str(sn + sl, "Snooze");
    memcpy(sn + sl, "\x02\0\0\0", 4);
    sl += 4;
    mid = send(c, prog, sn, sl);
    hex_id(mid, m);
    block(c, r);
    ev = invoke(r, "state_getStorage", "[\"" K_EVENTS "\"]", &ec);
    snprintf(waited, sizeof waited, "6804%s000001", m + 2);
    GB_EXPECT_STR_CONTAINS(json_string_value(ev), waited);
    json_decref(ev);
    block(c, r);
    block(c, r);
    ev = invoke(r, "state_getStorage", "[\"" K_EVENTS "\"]", &ec);
    snprintf(woken, sizeof woken, "6805%s0101", m + 2);
    GB_EXPECT_STR_CONTAINS(json_string_value(ev), woken);
    json_decref(ev);
    gb_rpc_free(r);
    gb_chain_close(c);
}

/* Gear.send_message(dest, "PING", GAS, 0, keep_alive) into w. */
static void put_send(gb_scale_buf *w, gb_id dest)
{
    gb_scale_put_u8(w, 104);
    gb_scale_put_u8(w, 3);
    gb_scale_put_raw(w, dest.b, 32);
    gb_scale_put_bytes(w, (const uint8_t *)"PING", 4);
    gb_scale_put_u64(w, GAS);
    gb_scale_put_u128(w, gb_u128_from(0));
    gb_scale_put_u8(w, 1);
}

/* A Utility call (fn 0 batch, 2 batch_all) of sends to dests[0..n). */
static void put_batch(gb_scale_buf *w, uint8_t fn, const gb_id *dests,
                      uint32_t n)
{
    gb_scale_put_u8(w, 8);
    gb_scale_put_u8(w, fn);
    gb_scale_put_compact(w, n);
    for (uint32_t i = 0; i < n; i++)
        put_send(w, dests[i]);
}

/* call signed (ed25519, immortal, tip 0) by dev key 0 with nonce, as
 * "0x..." (malloc'd). */
static char *sign_xt(gb_rpc *r, const uint8_t *call, size_t clen,
                     uint64_t nonce)
{
    uint8_t pk[GB_KEY_PUBLIC_LEN], sk[GB_KEY_SECRET_LEN], genesis[32];
    gb_dev_keypair(0, pk, sk);
    int ec;
    json_t *g = invoke(r, "chain_getBlockHash", "[0]", &ec);
    size_t n;
    gb_hex_decode(json_string_value(g) + 2, genesis, 32, &n);
    json_decref(g);
    const gb_runtime_version *rv = gb_metadata_runtime_version();
    gb_scale_buf pl = {0};
    gb_scale_put_raw(&pl, call, clen);
    gb_scale_put_u8(&pl, 0); /* immortal */
    gb_scale_put_compact(&pl, nonce);
    gb_scale_put_compact(&pl, 0); /* tip */
    gb_scale_put_u8(&pl, 0);      /* metadata hash mode */
    gb_scale_put_u32(&pl, rv->spec_version);
    gb_scale_put_u32(&pl, rv->transaction_version);
    gb_scale_put_raw(&pl, genesis, 32);
    gb_scale_put_raw(&pl, genesis, 32);
    gb_scale_put_u8(&pl, 0);
    uint8_t *payload, sig[64];
    size_t plen;
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_take(&pl, &payload, &plen));
    uint8_t h[32];
    if (plen > 256) {
        gb_blake2b256(payload, plen, h);
        crypto_sign_detached(sig, NULL, h, 32, sk);
    } else {
        crypto_sign_detached(sig, NULL, payload, plen, sk);
    }
    free(payload);
    gb_scale_buf body = {0};
    gb_scale_put_u8(&body, 0x84);
    gb_scale_put_u8(&body, 0); /* MultiAddress::Id */
    gb_scale_put_raw(&body, pk, 32);
    gb_scale_put_u8(&body, 0); /* Ed25519 */
    gb_scale_put_raw(&body, sig, 64);
    gb_scale_put_u8(&body, 0);
    gb_scale_put_compact(&body, nonce);
    gb_scale_put_compact(&body, 0);
    gb_scale_put_u8(&body, 0);
    gb_scale_put_raw(&body, call, clen);
    uint8_t *b;
    size_t blen;
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_take(&body, &b, &blen));
    gb_scale_buf x = {0};
    gb_scale_put_compact(&x, blen);
    gb_scale_put_raw(&x, b, blen);
    free(b);
    uint8_t *xt;
    size_t xlen;
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_take(&x, &xt, &xlen));
    char *hex = malloc(2 * xlen + 3);
    hex[0] = '0';
    hex[1] = 'x';
    gb_hex_encode(xt, xlen, hex + 2);
    free(xt);
    return hex;
}

static json_t *submit_xt(gb_rpc *r, const char *hex, int *ec)
{
    size_t n = strlen(hex) + 8;
    char *p = malloc(n);
    snprintf(p, n, "[\"%s\"]", hex);
    json_t *v = invoke(r, "author_submitExtrinsic", p, ec);
    free(p);
    return v;
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_batches(void)
{
    gb_chain *c = fx_open_chain(NULL);
    gb_rpc_cfg cfg;
    gb_rpc_cfg_default(&cfg);
    gb_rpc *r = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(c, &cfg, &r));
    gb_id ping = fx_create_example(c, alice(), "ping", GAS);
    block(c, r);
    gb_id signer = gb_dev_account_id(0);
    GB_EXPECT(!gb_u128_is_zero(gb_chain_balance(c, signer)));
    gb_id nobody;
    memset(nobody.b, 0x42, 32);
    int ec;

    /* batch_all of two sends: both queued, ItemCompleted twice */
    gb_id two[2] = {ping, ping};
    gb_scale_buf w = {0};
    put_batch(&w, 2, two, 2);
    uint8_t *call;
    size_t clen;
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_take(&w, &call, &clen));
    uint64_t nonce = gb_chain_nonce(c, signer);
    char *xt = sign_xt(r, call, clen, nonce);
    free(call);
    /* its fee first: RuntimeDispatchInfo, partial_fee = two sends' fees */
    char *p = malloc(strlen(xt) + 100);
    sprintf(p, "[\"TransactionPaymentApi_query_info\",\"%s%08x\"]", xt, 0u);
    json_t *info = invoke(r, "state_call", p, &ec);
    free(p);
    GB_EXPECT_I64(0, ec);
    uint8_t ib[64];
    size_t in = 0;
    if (json_is_string(info))
        gb_hex_decode(json_string_value(info) + 2, ib, sizeof ib, &in);
    json_decref(info);
    gb_tx one = {.kind = GB_TX_SEND_MESSAGE, .sender = signer,
                 .destination = ping, .payload = (const uint8_t *)"PING",
                 .payload_len = 4, .gas_limit = GAS};
    gb_u128 fee = gb_chain_tx_fee(gb_chain_config(c), &one);
    gb_u128_add_to(&fee, fee);
    /* compact ref_time (4 bytes: 100,000,000), compact 0, class 0, u128 */
    GB_EXPECT_U64(4 + 1 + 1 + 16, in);
    if (in == 22) {
        uint64_t lo = 0;
        for (int i = 7; i >= 0; i--)
            lo = lo << 8 | ib[6 + i];
        GB_EXPECT_U64(fee.lo, lo);
    }
    json_t *v = submit_xt(r, xt, &ec);
    GB_EXPECT_I64(0, ec);
    json_decref(v);
    free(xt);
    GB_EXPECT_U64(nonce + 2, gb_chain_nonce(c, signer));
    block(c, r);
    json_t *ev = invoke(r, "state_getStorage", "[\"" K_EVENTS "\"]", &ec);
    const char *e = json_string_value(ev);
    GB_EXPECT_U64(2, count_of(e, "0001000000080300")); /* phase 1, ItemCompleted */
    GB_EXPECT(count_of(e, "0801") >= 1);             /* BatchCompleted */
    json_decref(ev);

    /* batch_all with a send to no program: refused whole */
    gb_id bad[2] = {ping, nobody};
    put_batch(&w, 2, bad, 2);
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_take(&w, &call, &clen));
    nonce = gb_chain_nonce(c, signer);
    xt = sign_xt(r, call, clen, nonce);
    free(call);
    v = submit_xt(r, xt, &ec);
    GB_EXPECT(v == NULL);
    GB_EXPECT_I64(1010, ec);
    free(xt);
    GB_EXPECT_U64(0, gb_chain_pending(c));
    GB_EXPECT_U64(nonce, gb_chain_nonce(c, signer));

    /* batch: the first send queued, BatchInterrupted{1, Module{104, 12}} */
    gb_id three[3] = {ping, nobody, ping};
    put_batch(&w, 0, three, 3);
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_take(&w, &call, &clen));
    xt = sign_xt(r, call, clen, nonce);
    free(call);
    v = submit_xt(r, xt, &ec);
    GB_EXPECT_I64(0, ec);
    json_decref(v);
    free(xt);
    GB_EXPECT_U64(1, gb_chain_pending(c));
    block(c, r);
    ev = invoke(r, "state_getStorage", "[\"" K_EVENTS "\"]", &ec);
    e = json_string_value(ev);
    GB_EXPECT_U64(1, count_of(e, "0001000000080300"));
    GB_EXPECT_STR_CONTAINS(e, "08000100000003680c000000");
    json_decref(ev);

    /* a batch inside a batch is not taken */
    gb_scale_put_u8(&w, 8);
    gb_scale_put_u8(&w, 0);
    gb_scale_put_compact(&w, 1);
    put_batch(&w, 0, two, 1);
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_take(&w, &call, &clen));
    xt = sign_xt(r, call, clen, gb_chain_nonce(c, signer));
    free(call);
    v = submit_xt(r, xt, &ec);
    GB_EXPECT(v == NULL);
    GB_EXPECT_I64(1002, ec);
    free(xt);
    gb_rpc_free(r);
    gb_chain_close(c);
}

/* method(params) on a and b: the same answer (text, id and all). */
static void same_answer(gb_rpc *a, gb_rpc *b, const char *method,
                        const char *params)
{
    char req[512], *x = NULL, *y = NULL;
    snprintf(req, sizeof req,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}",
             method, params);
    GB_EXPECT_ERR(GB_OK, gb_rpc_handle(a, req, strlen(req), &x));
    GB_EXPECT_ERR(GB_OK, gb_rpc_handle(b, req, strlen(req), &y));
    GB_EXPECT(x && y && !strcmp(x, y));
    if (x && y && strcmp(x, y))
        fprintf(stderr, "  %s %s:\n    %s\n    %s\n", method, params, x, y);
    free(x);
    free(y);
}

/* A block on each chain: told to now at once, taken by later. */
static void block_both(gb_chain *ca, gb_rpc *now, gb_chain *cb,
                       gb_rpc *later)
{
    gb_block_result b;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(ca, &b));
    GB_EXPECT_ERR(GB_OK, gb_rpc_note_block(now, &b));
    gb_block_result_free(&b);
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(cb, &b));
    GB_EXPECT_ERR(GB_OK, gb_rpc_note_block_take(later, &b));
    GB_EXPECT(!b.events && !b.nevents); /* (taken) */
    gb_block_result_free(&b);
}

/* Extrinsic call, signed by dev key 0 with its next nonce, submitted to
 * both dispatchers. */
static void submit_both(gb_chain *ca, gb_rpc *now, gb_rpc *later,
                        gb_scale_buf *w)
{
    uint8_t *call;
    size_t clen;
    GB_EXPECT_ERR(GB_OK, gb_scale_buf_take(w, &call, &clen));
    char *xt = sign_xt(now, call, clen, gb_chain_nonce(ca, alice()));
    free(call);
    int ea, eb;
    json_decref(submit_xt(now, xt, &ea));
    json_decref(submit_xt(later, xt, &eb));
    GB_EXPECT_I64(0, ea);
    GB_EXPECT_I64(0, eb);
    free(xt);
}

/* Blocks taken (gb_rpc_note_block_take: kept only when a request may read
 * them, and never when more than cfg.event_blocks newer ones come first)
 * against blocks kept at once, on two chains made alike: the same
 * Substrate blocks and System.Events at every height, with an extrinsic
 * in a block kept late, one in a block that went by unkept, and a refused
 * code upload (announced without transactions: its block is the next
 * one) in a block that went by unkept (gb_sblocks_pass took them off the
 * pending list as keeping the block would have). */
static void test_blocks_taken(void)
{
    gb_chain *ca = fx_open_chain(NULL), *cb = fx_open_chain(NULL);
    gb_rpc_cfg cfg;
    gb_rpc_cfg_default(&cfg);
    cfg.event_blocks = 4;
    gb_rpc *now = NULL, *later = NULL;
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(ca, &cfg, &now));
    GB_EXPECT_ERR(GB_OK, gb_rpc_new(cb, &cfg, &later));
    gb_id ping = fx_create_example(ca, alice(), "ping", GAS);
    gb_id ping_b = fx_create_example(cb, alice(), "ping", GAS);
    GB_EXPECT(!memcmp(ping.b, ping_b.b, 32));
    block_both(ca, now, cb, later);
    static const uint32_t runs[] = {2, 9, 3, 7};
    for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
        gb_scale_buf w = {0};
        if (k == 3) { /* Gear.upload_code of no wasm: refused */
            gb_scale_put_u8(&w, 104);
            gb_scale_put_u8(&w, 0);
            gb_scale_put_bytes(&w, (const uint8_t *)"nowasm", 6);
        } else {
            put_send(&w, ping);
        }
        submit_both(ca, now, later, &w);
        for (uint32_t i = 0; i < runs[k]; i++)
            block_both(ca, now, cb, later);
        for (uint32_t h = 0; h <= gb_chain_height(ca); h++) {
            char p[256];
            int ec;
            snprintf(p, sizeof p, "[%u]", h);
            json_t *ha = invoke(now, "chain_getBlockHash", p, &ec);
            same_answer(now, later, "chain_getBlockHash", p);
            snprintf(p, sizeof p, "[\"%s\"]",
                     json_is_string(ha) ? json_string_value(ha) : "");
            same_answer(now, later, "chain_getBlock", p);
            snprintf(p, sizeof p, "[\"" K_EVENTS "\", \"%s\"]",
                     json_is_string(ha) ? json_string_value(ha) : "");
            same_answer(now, later, "state_getStorage", p);
            json_decref(ha);
        }
    }
    gb_rpc_free(now);
    gb_rpc_free(later);
    gb_chain_close(ca);
    gb_chain_close(cb);
}

int main(void)
{
    GB_RUN(test_reply_and_state);
    GB_RUN(test_waitlist);
    GB_RUN(test_batches);
    GB_RUN(test_blocks_taken);
    return gb_test_summary();
}
