/*
 * What the node's Vara face reads (chain.h, "a reply computed" and
 * "storage reads"), with the SDK example programs ($GB_EXAMPLES_WASM):
 * gb_chain_calculate_reply — ping's PONG with a manual-success code, a
 * panic's error reply with its text, nothing changed by it, the errors —;
 * gb_chain_code_original (the uploaded bytes back); gb_chain_page_numbers
 * and gb_chain_page_read (counter's count in its memory); and
 * gb_chain_waitlist_get (sails_js's Hold waiting, gone once
 * Release woke it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "gear/codes.h"
#include "test.h"

#define GAS 5000000000ull

static gb_id alice(void) { return gb_dev_account_id(0); }

static void blocks(gb_chain *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        gb_block_result r;
        GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
        gb_block_result_free(&r);
    }
}

static bool contains(const uint8_t *p, uint32_t n, const char *s)
{
    size_t k = strlen(s);
    for (uint32_t i = 0; i + k <= n; i++)
        if (!memcmp(p + i, s, k))
            return true;
    return false;
}

static gb_tx handle_tx(gb_id to, const void *p, uint32_t len, uint64_t gas)
{
    return (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                   .destination = to, .payload = p, .payload_len = len,
                   .gas_limit = gas};
}

static void test_reply(void)
{
    gb_chain *c = fx_open_chain(NULL);
    gb_id ping = fx_create_example(c, alice(), "ping", GAS);
    gb_id counter = fx_create_example(c, alice(), "counter", GAS);
    blocks(c, 1);
    uint8_t root0[32], root1[32];
    gb_chain_state_root(c, root0);
    uint64_t nonce0 = gb_chain_nonce(c, alice());

    gb_chain_reply_info ri;
    char det[256] = "";
    gb_tx tx = handle_tx(ping, "PING", 4, GAS);
    GB_EXPECT_ERR(GB_OK, gb_chain_calculate_reply(c, &tx, &ri, det,
                                                  sizeof det));
    GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL, gb_reply_code_from_bytes(ri.code));
    GB_EXPECT(ri.payload_len == 4 && !memcmp(ri.payload, "PONG", 4));
    GB_EXPECT(ri.burned > 0);
    free(ri.payload);

    /* the zero origin (sails-js's default) and a gas limit past the
     * block's (capped) */
    tx.sender = (gb_id){{0}};
    tx.gas_limit = UINT64_MAX;
    GB_EXPECT_ERR(GB_OK, gb_chain_calculate_reply(c, &tx, &ri, det,
                                                  sizeof det));
    GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL, gb_reply_code_from_bytes(ri.code));
    free(ri.payload);

    /* a panic is an answer: its error reply, the text as payload */
    tx = handle_tx(counter, "nope", 4, GAS);
    GB_EXPECT_ERR(GB_OK, gb_chain_calculate_reply(c, &tx, &ri, det,
                                                  sizeof det));
    GB_EXPECT_U64(GB_REPLY_EXEC_USERSPACE_PANIC,
                  gb_reply_code_from_bytes(ri.code));
    GB_EXPECT(ri.payload_len > 0 &&
              contains(ri.payload, ri.payload_len, "unknown command"));
    free(ri.payload);

    /* too little gas: out of gas, an answer too */
    tx = handle_tx(ping, "PING", 4, 1000);
    GB_EXPECT_ERR(GB_OK, gb_chain_calculate_reply(c, &tx, &ri, det,
                                                  sizeof det));
    GB_EXPECT_U64(GB_REPLY_EXEC_RAN_OUT_OF_GAS,
                  gb_reply_code_from_bytes(ri.code));
    free(ri.payload);

    /* nothing changed */
    gb_chain_state_root(c, root1);
    GB_EXPECT(!memcmp(root0, root1, 32));
    GB_EXPECT_U64(nonce0, gb_chain_nonce(c, alice()));
    GB_EXPECT_U64(0, gb_chain_pending(c));

    /* errors */
    gb_id nobody;
    memset(nobody.b, 0x42, 32);
    tx = handle_tx(nobody, "PING", 4, GAS);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_calculate_reply(c, &tx, &ri, det,
                                                         sizeof det));
    GB_EXPECT_STR_CONTAINS(det, "unknown program");
    tx.kind = GB_TX_TRANSFER;
    GB_EXPECT_ERR(GB_INVALID, gb_chain_calculate_reply(c, &tx, &ri, det,
                                                       sizeof det));
    gb_chain_close(c);
}

static void test_code_and_pages(void)
{
    gb_chain *c = fx_open_chain(NULL);
    gb_id counter = fx_create_example(c, alice(), "counter", GAS);
    blocks(c, 1);
    uint32_t len;
    uint8_t *wasm = fx_read_example("counter", &len);
    uint8_t *got;
    uint32_t glen;
    GB_EXPECT_ERR(GB_OK, gb_chain_code_original(c, gb_code_id(wasm, len),
                                                &got, &glen));
    GB_EXPECT(glen == len && !memcmp(got, wasm, len));
    free(got);
    free(wasm);
    gb_id nobody;
    memset(nobody.b, 0x42, 32);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_code_original(c, nobody, &got,
                                                       &glen));

    /* count = 41 lives in counter's memory */
    fx_submit(c, handle_tx(counter, "add 41", 6, GAS));
    blocks(c, 1);
    uint32_t *pages, n;
    GB_EXPECT_ERR(GB_OK, gb_chain_page_numbers(c, counter, &pages, &n));
    GB_EXPECT(n > 0);
    bool found = false;
    uint8_t *buf = malloc(GB_GEAR_PAGE_SIZE);
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            GB_EXPECT(pages[i] > pages[i - 1]);
        GB_EXPECT_ERR(GB_OK, gb_chain_page_read(c, counter, pages[i], buf));
        for (uint32_t b = 0; b + 8 <= GB_GEAR_PAGE_SIZE; b += 8) {
            uint64_t v;
            memcpy(&v, buf + b, 8);
            found = found || v == 41;
        }
    }
    GB_EXPECT(found);
    free(buf);
    free(pages);
    GB_EXPECT_ERR(GB_OK, gb_chain_page_numbers(c, nobody, &pages, &n));
    GB_EXPECT_U64(0, n);
    gb_chain_close(c);
}

/* A SCALE string: compact length (short form) then the bytes. */
static uint32_t put_str(uint8_t *out, const char *s)
{
    uint32_t n = (uint32_t)strlen(s);
    out[0] = (uint8_t)(n << 2);
    memcpy(out + 1, s, n);
    return n + 1;
}

static void test_waitlist(void)
{
    gb_chain *c = fx_open_chain(NULL);
    uint8_t ctor[8];
    uint32_t clen = put_str(ctor, "New");
    gb_id code = fx_upload_example(c, alice(), "sails_js");
    gb_id prog = fx_submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                      .sender = alice(), .code_id = code,
                                      .salt = (const uint8_t *)"s",
                                      .salt_len = 1, .payload = ctor,
                                      .payload_len = clen, .gas_limit = GAS});
    blocks(c, 1);
    uint8_t hold[32], rel[32];
    uint32_t hl = put_str(hold, "Counter");
    hl += put_str(hold + hl, "Hold");
    uint32_t rl = put_str(rel, "Counter");
    rl += put_str(rel + rl, "Release");
    gb_id mid = fx_submit(c, handle_tx(prog, hold, hl, GAS));
    blocks(c, 1);
    uint32_t height = gb_chain_height(c);
    gb_chain_wait_entry w;
    GB_EXPECT_ERR(GB_OK, gb_chain_waitlist_get(c, prog, mid, &w));
    GB_EXPECT(gb_id_eq(w.id, mid));
    GB_EXPECT(gb_id_eq(w.source, alice()));
    GB_EXPECT(gb_id_eq(w.destination, prog));
    GB_EXPECT_U64(GB_DISPATCH_HANDLE, (uint64_t)w.kind);
    GB_EXPECT(w.payload_len == hl && !memcmp(w.payload, hold, hl));
    GB_EXPECT_U64(height, w.since);
    GB_EXPECT(w.expires_at > w.since);
    GB_EXPECT(!w.is_reply);
    GB_EXPECT(!w.wakes); /* gr_wait: removed at the end */
    gb_chain_wait_entry_clear(&w);
    gb_chain_wait_entry_clear(NULL);

    fx_submit(c, handle_tx(prog, rel, rl, GAS));
    blocks(c, 2);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_waitlist_get(c, prog, mid, &w));

    /* gr_wait_for(3): woken at the end */
    uint8_t sn[32];
    uint32_t sl = put_str(sn, "Counter");
    sl += put_str(sn + sl, "Snooze");
    memcpy(sn + sl, "\x03\0\0\0", 4);
    sl += 4;
    mid = fx_submit(c, handle_tx(prog, sn, sl, GAS));
    blocks(c, 1);
    GB_EXPECT_ERR(GB_OK, gb_chain_waitlist_get(c, prog, mid, &w));
    GB_EXPECT(w.wakes);
    GB_EXPECT_U64(w.since + 3, w.expires_at);
    gb_chain_wait_entry_clear(&w);
    blocks(c, 3);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_waitlist_get(c, prog, mid, &w));
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_reply);
    GB_RUN(test_code_and_pages);
    GB_RUN(test_waitlist);
    return gb_test_summary();
}
