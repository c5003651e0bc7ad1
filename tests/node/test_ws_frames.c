/*
 * The WebSocket codec and connection state (src/node/ws.h) without
 * sockets: headers in the three length forms (125, 126, 65536), masking,
 * the RFC's handshake example, UTF-8, and a connection fed frames whole,
 * byte by byte and in fragments: text delivered, pings answered, and each
 * violation closed with its code (unmasked, reserved bits and opcodes,
 * binary, oversize frame and message, bad continuation, long or
 * fragmented control frames, bad UTF-8, bad close frames), the output
 * cap, and nothing after the close.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "node/ws.h"

/* ---- the codec ---------------------------------------------------------- */

static void test_header_forms(void)
{
    static const struct {
        uint64_t len;
        size_t hl;
    } cases[] = {{0, 2},       {125, 2},        {126, 4},
                 {65535, 4},   {65536, 10},     {(1ull << 32) + 5, 10}};
    uint8_t mask[4] = {1, 2, 3, 4};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        for (int m = 0; m < 2; m++) {
            uint8_t h[GB_WS_MAX_HEADER];
            size_t hl = gb_ws_frame_header(h, true, GB_WS_OP_TEXT,
                                           cases[i].len, m ? mask : NULL);
            GB_EXPECT_U64(cases[i].hl + (m ? 4 : 0), hl);
            gb_ws_frame f;
            uint16_t code = 0;
            GB_EXPECT_ERR(GB_OK, gb_ws_frame_parse(h, hl, m, UINT64_MAX >> 1,
                                                   &f, &code));
            GB_EXPECT_U64(hl, f.header_len);
            GB_EXPECT_U64(cases[i].len, f.len);
            GB_EXPECT(f.fin);
            GB_EXPECT_U64(GB_WS_OP_TEXT, f.opcode);
            GB_EXPECT(f.masked == (bool)m);
            if (m)
                GB_EXPECT(!memcmp(f.mask, mask, 4));
            /* every shorter prefix: incomplete, not an error */
            for (size_t k = 0; k < hl; k++) {
                GB_EXPECT_ERR(GB_OK, gb_ws_frame_parse(h, k, m, UINT64_MAX >> 1,
                                                       &f, &code));
                GB_EXPECT_U64(0, f.header_len);
            }
        }
    }
    /* the exact bytes of the 126 and 65536 forms */
    uint8_t h[GB_WS_MAX_HEADER];
    gb_ws_frame_header(h, true, GB_WS_OP_TEXT, 126, NULL);
    GB_EXPECT_U64(0x81, h[0]);
    GB_EXPECT_U64(126, h[1]);
    GB_EXPECT_U64(0, h[2]);
    GB_EXPECT_U64(126, h[3]);
    gb_ws_frame_header(h, false, GB_WS_OP_CONT, 65536, NULL);
    GB_EXPECT_U64(0x00, h[0]);
    GB_EXPECT_U64(127, h[1]);
    static const uint8_t len64[8] = {0, 0, 0, 0, 0, 1, 0, 0};
    GB_EXPECT(!memcmp(h + 2, len64, 8));
    /* a longer length form than needed is accepted */
    uint8_t lax[] = {0x81, 0xfe, 0x00, 0x05, 0, 0, 0, 0};
    gb_ws_frame f;
    GB_EXPECT_ERR(GB_OK, gb_ws_frame_parse(lax, sizeof lax, true, 100, &f,
                                           NULL));
    GB_EXPECT_U64(5, f.len);
    GB_EXPECT_U64(8, f.header_len);
}

static void test_parse_errors(void)
{
    gb_ws_frame f;
    uint16_t code;
    /* unmasked from a client; masked from a server */
    uint8_t unmasked[] = {0x81, 0x05};
    code = 0;
    GB_EXPECT_ERR(GB_MALFORMED, gb_ws_frame_parse(unmasked, 2, true, 100, &f,
                                                  &code));
    GB_EXPECT_U64(GB_WS_CLOSE_PROTOCOL, code);
    uint8_t masked[] = {0x81, 0x85, 1, 2, 3, 4};
    GB_EXPECT_ERR(GB_MALFORMED, gb_ws_frame_parse(masked, 6, false, 100, &f,
                                                  &code));
    /* reserved bits */
    uint8_t rsv[] = {0xc1, 0x80, 0, 0, 0, 0};
    GB_EXPECT_ERR(GB_MALFORMED, gb_ws_frame_parse(rsv, 6, true, 100, &f,
                                                  &code));
    /* reserved opcodes: 3-7 and 0xB-0xF */
    static const uint8_t bad_ops[] = {3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf};
    for (size_t i = 0; i < sizeof bad_ops; i++) {
        uint8_t b[] = {(uint8_t)(0x80 | bad_ops[i]), 0x80, 0, 0, 0, 0};
        code = 0;
        GB_EXPECT_ERR(GB_MALFORMED, gb_ws_frame_parse(b, 6, true, 100, &f,
                                                      &code));
        GB_EXPECT_U64(GB_WS_CLOSE_PROTOCOL, code);
    }
    /* control frames: fragmented, or longer than 125 */
    uint8_t frag_ping[] = {0x09, 0x80, 0, 0, 0, 0};
    GB_EXPECT_ERR(GB_MALFORMED, gb_ws_frame_parse(frag_ping, 6, true, 1000,
                                                  &f, &code));
    uint8_t long_ping[] = {0x89, 0xfe, 0x00, 0x7e};
    GB_EXPECT_ERR(GB_MALFORMED, gb_ws_frame_parse(long_ping, 4, true, 1000,
                                                  &f, &code));
    /* a 64-bit length with its top bit set */
    uint8_t top[] = {0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1};
    GB_EXPECT_ERR(GB_MALFORMED, gb_ws_frame_parse(top, 10, true, UINT64_MAX,
                                                  &f, &code));
    /* oversize: refused from the header alone, in every form */
    uint8_t h[GB_WS_MAX_HEADER], mask[4] = {0};
    uint64_t lens[] = {101, 65536, 1ull << 40};
    for (size_t i = 0; i < 3; i++) {
        size_t hl = gb_ws_frame_header(h, true, GB_WS_OP_TEXT, lens[i], mask);
        code = 0;
        GB_EXPECT_ERR(GB_LIMIT, gb_ws_frame_parse(h, hl, true, 100, &f,
                                                  &code));
        GB_EXPECT_U64(GB_WS_CLOSE_TOO_BIG, code);
    }
    /* exactly the limit is fine */
    size_t hl = gb_ws_frame_header(h, true, GB_WS_OP_TEXT, 100, mask);
    GB_EXPECT_ERR(GB_OK, gb_ws_frame_parse(h, hl, true, 100, &f, NULL));
}

static void test_mask(void)
{
    uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    uint8_t p[] = "Hello";
    gb_ws_mask(p, 5, mask);
    /* RFC 6455 5.7: a masked "Hello" */
    static const uint8_t want[] = {0x7f, 0x9f, 0x4d, 0x51, 0x58};
    GB_EXPECT(!memcmp(p, want, 5));
    gb_ws_mask(p, 5, mask);
    GB_EXPECT(!memcmp(p, "Hello", 5));
}

static void test_accept_key(void)
{
    char out[GB_WS_ACCEPT_LEN];
    /* RFC 6455 1.3 */
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
    GB_EXPECT_ERR(GB_OK, gb_ws_accept_key(key, strlen(key), out));
    GB_EXPECT(!strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    const char *bad[] = {"", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=!",
                         "dGhlIHNhbXBsZSBub25j*Q==", "dGhlIHNhbXBsZQ==",
                         "dGhlIHNhbXBsZSBub25jZSBzYW1wbGU="};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        GB_EXPECT_ERR(GB_INVAL, gb_ws_accept_key(bad[i], strlen(bad[i]), out));
}

static void test_utf8(void)
{
    GB_EXPECT(gb_ws_utf8_valid((const uint8_t *)"", 0));
    GB_EXPECT(gb_ws_utf8_valid((const uint8_t *)"caf\xc3\xa9 \xe2\x82\xac "
                                                "\xf0\x9f\x98\x80", 14));
    static const char *const bad[] = {"\x80", "\xc3", "\xc0\xaf",
                                      "\xe0\x80\xaf", "\xed\xa0\x80",
                                      "\xf4\x90\x80\x80", "\xff"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        GB_EXPECT(!gb_ws_utf8_valid((const uint8_t *)bad[i], strlen(bad[i])));
}

/* ---- a connection ------------------------------------------------------- */

typedef struct got {
    char msgs[8][256];
    size_t lens[8];
    int n;
    bool reply; /* answer each message with "re:" + it */
    gb_ws *w;
} got;

static gb_err on_text(void *ctx, const char *msg, size_t len)
{
    got *g = ctx;
    if (g->n < 8 && len < 256) {
        memcpy(g->msgs[g->n], msg, len);
        g->msgs[g->n][len] = 0;
        g->lens[g->n] = len;
    }
    g->n++;
    if (g->reply) {
        char b[300];
        int k = snprintf(b, sizeof b, "re:%.*s", (int)len, msg);
        return gb_ws_send_text(g->w, b, (size_t)k);
    }
    return GB_OK;
}

/* A client frame (masked) of op with payload p[n], appended at out. */
static size_t client_frame(uint8_t *out, bool fin, uint8_t op, const void *p,
                           size_t n)
{
    uint8_t mask[4] = {0xa1, 0xb2, 0xc3, 0xd4};
    size_t hl = gb_ws_frame_header(out, fin, op, n, mask);
    memcpy(out + hl, p, n);
    gb_ws_mask(out + hl, n, mask);
    return hl + n;
}

static gb_ws *new_ws(size_t max_message, size_t max_out)
{
    gb_ws_cfg cfg = {.max_message = max_message, .max_out = max_out};
    gb_ws *w = NULL;
    GB_EXPECT_ERR(GB_OK, gb_ws_new(&cfg, &w));
    return w;
}

/* The one server frame waiting in w: its opcode and payload. */
static void expect_out_frame(gb_ws *w, uint8_t op, const void *payload,
                             size_t n)
{
    size_t avail;
    const uint8_t *o = gb_ws_out(w, &avail);
    gb_ws_frame f;
    GB_EXPECT_ERR(GB_OK, gb_ws_frame_parse(o, avail, false, 1u << 30, &f,
                                           NULL));
    GB_EXPECT(f.header_len > 0);
    GB_EXPECT_U64(op, f.opcode);
    GB_EXPECT(f.fin);
    GB_EXPECT_U64(n, f.len);
    GB_EXPECT_U64(avail, f.header_len + f.len);
    if (f.header_len && f.len == n && avail == f.header_len + n)
        GB_EXPECT(!memcmp(o + f.header_len, payload, n));
    gb_ws_out_done(w, avail);
}

/* The close code in the close frame waiting in w. */
static uint16_t out_close_code(gb_ws *w)
{
    size_t avail;
    const uint8_t *o = gb_ws_out(w, &avail);
    gb_ws_frame f;
    if (gb_ws_frame_parse(o, avail, false, 1u << 30, &f, NULL) ||
        !f.header_len || f.opcode != GB_WS_OP_CLOSE || f.len < 2)
        return 0;
    uint16_t c = (uint16_t)(o[f.header_len] << 8 | o[f.header_len + 1]);
    gb_ws_out_done(w, avail);
    return c;
}

static void test_conn_text_and_ping(void)
{
    gb_ws *w = new_ws(0, 0);
    got g = {.reply = true, .w = w};
    uint8_t buf[512];
    size_t n = client_frame(buf, true, GB_WS_OP_TEXT, "{\"a\":1}", 7);
    n += client_frame(buf + n, true, GB_WS_OP_PING, "hb", 2);
    /* byte by byte: nothing until each frame is whole */
    for (size_t i = 0; i < n; i++)
        GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, buf + i, 1, on_text, &g));
    GB_EXPECT_I64(1, g.n);
    GB_EXPECT(!strcmp(g.msgs[0], "{\"a\":1}"));
    size_t avail;
    const uint8_t *o = gb_ws_out(w, &avail);
    gb_ws_frame f;
    GB_EXPECT_ERR(GB_OK, gb_ws_frame_parse(o, avail, false, 1000, &f, NULL));
    GB_EXPECT_U64(GB_WS_OP_TEXT, f.opcode);
    GB_EXPECT_U64(10, f.len);
    GB_EXPECT(!memcmp(o + f.header_len, "re:{\"a\":1}", 10));
    gb_ws_out_done(w, f.header_len + f.len);
    expect_out_frame(w, GB_WS_OP_PONG, "hb", 2);
    /* a pong is ignored; several frames in one go */
    n = client_frame(buf, true, GB_WS_OP_PONG, "x", 1);
    n += client_frame(buf + n, true, GB_WS_OP_TEXT, "one", 3);
    n += client_frame(buf + n, true, GB_WS_OP_TEXT, "", 0);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, buf, n, on_text, &g));
    GB_EXPECT_I64(3, g.n);
    GB_EXPECT(!strcmp(g.msgs[1], "one"));
    GB_EXPECT_U64(0, g.lens[2]);
    o = gb_ws_out(w, &avail);
    gb_ws_out_done(w, avail);
    /* a 126-form and a 65536-form text frame */
    gb_ws_free(w);
    w = new_ws(1u << 20, 0);
    g = (got){.w = w};
    size_t big = 65536;
    uint8_t *payload = malloc(big), *frame = malloc(big + GB_WS_MAX_HEADER);
    memset(payload, 'x', big);
    n = client_frame(frame, true, GB_WS_OP_TEXT, payload, 126);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, frame, n, on_text, &g));
    n = client_frame(frame, true, GB_WS_OP_TEXT, payload, big);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, frame, n - 1, on_text, &g));
    GB_EXPECT_I64(1, g.n);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, frame + n - 1, 1, on_text, &g));
    GB_EXPECT_I64(2, g.n);
    GB_EXPECT(!gb_ws_done(w, NULL));
    free(payload);
    free(frame);
    gb_ws_free(w);
}

static void test_conn_fragments(void)
{
    gb_ws *w = new_ws(10, 0);
    got g = {0};
    uint8_t buf[256];
    size_t n = client_frame(buf, false, GB_WS_OP_TEXT, "ab", 2);
    n += client_frame(buf + n, true, GB_WS_OP_PING, "p", 1); /* in between */
    n += client_frame(buf + n, false, GB_WS_OP_CONT, "cd", 2);
    n += client_frame(buf + n, true, GB_WS_OP_CONT, "ef", 2);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, buf, n, on_text, &g));
    GB_EXPECT_I64(1, g.n);
    GB_EXPECT(!strcmp(g.msgs[0], "abcdef"));
    expect_out_frame(w, GB_WS_OP_PONG, "p", 1);
    /* a UTF-8 character split across fragments is fine */
    n = client_frame(buf, false, GB_WS_OP_TEXT, "\xc3", 1);
    n += client_frame(buf + n, true, GB_WS_OP_CONT, "\xa9", 1);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, buf, n, on_text, &g));
    GB_EXPECT_I64(2, g.n);
    /* fragments adding up beyond the message limit: 1009 */
    n = client_frame(buf, false, GB_WS_OP_TEXT, "123456", 6);
    n += client_frame(buf + n, true, GB_WS_OP_CONT, "7890x", 5);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, buf, n, on_text, &g));
    GB_EXPECT_I64(2, g.n);
    uint16_t code = 0;
    GB_EXPECT(gb_ws_done(w, &code));
    GB_EXPECT_U64(GB_WS_CLOSE_TOO_BIG, code);
    GB_EXPECT_U64(GB_WS_CLOSE_TOO_BIG, out_close_code(w));
    gb_ws_free(w);
}

/* Feed one client frame to a new connection; the close code it gets. */
static uint16_t violation(bool fin, uint8_t op, const void *p, size_t n,
                          const uint8_t *raw, size_t raw_len)
{
    gb_ws *w = new_ws(100, 0);
    got g = {0};
    uint8_t buf[512];
    if (!raw) {
        raw_len = client_frame(buf, fin, op, p, n);
        raw = buf;
    }
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, raw, raw_len, on_text, &g));
    GB_EXPECT_I64(0, g.n);
    uint16_t code = 0;
    GB_EXPECT(gb_ws_done(w, &code));
    uint16_t sent = out_close_code(w);
    GB_EXPECT_U64(code, sent);
    /* nothing more is read or sent after the close */
    uint8_t more[64];
    size_t m = client_frame(more, true, GB_WS_OP_TEXT, "late", 4);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, more, m, on_text, &g));
    GB_EXPECT_I64(0, g.n);
    size_t avail;
    gb_ws_out(w, &avail);
    GB_EXPECT_U64(0, avail);
    GB_EXPECT_ERR(GB_INVAL, gb_ws_send_text(w, "x", 1));
    gb_ws_free(w);
    return code;
}

/* A continuation that would overflow the message is refused from its
 * header alone: its payload is never waited for nor kept. */
static void test_continuation_room(void)
{
    gb_ws *w = new_ws(100, 0);
    got g = {0};
    uint8_t buf[512];
    char part[60];
    memset(part, 'a', sizeof part);
    size_t n = client_frame(buf, false, GB_WS_OP_TEXT, part, sizeof part);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, buf, n, on_text, &g));
    GB_EXPECT(!gb_ws_done(w, NULL));
    uint8_t mask[4] = {1, 2, 3, 4};
    size_t hl = gb_ws_frame_header(buf, true, GB_WS_OP_CONT, 60, mask);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, buf, hl, on_text, &g)); /* header */
    uint16_t code = 0;
    GB_EXPECT(gb_ws_done(w, &code));
    GB_EXPECT_U64(GB_WS_CLOSE_TOO_BIG, code);
    GB_EXPECT_I64(0, g.n);
    gb_ws_free(w);
}

/* A large frame arriving in pieces: the input grows to the frame's end,
 * not to twice it; gb_ws_partial says part of it waits. */
static void test_held_bounded(void)
{
    size_t len = 3u << 20; /* 3 MiB: doubling would reach 4 */
    gb_ws *w = new_ws(4u << 20, 0);
    got g = {0};
    uint8_t *buf = calloc(1, len + GB_WS_MAX_HEADER);
    uint8_t mask[4] = {0, 0, 0, 0};
    size_t hl = gb_ws_frame_header(buf, true, GB_WS_OP_TEXT, len, mask);
    memset(buf + hl, 'a', len);
    GB_EXPECT(!gb_ws_partial(w));
    size_t sent = 0, total = hl + len, step = 65536;
    while (total - sent > 1) {
        size_t n = total - sent - 1 < step ? total - sent - 1 : step;
        GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, buf + sent, n, on_text, &g));
        sent += n;
    }
    GB_EXPECT(gb_ws_partial(w));
    GB_EXPECT(gb_ws_held(w) <= total);
    GB_EXPECT(gb_ws_held(w) >= total - 1);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, buf + sent, 1, on_text, &g));
    GB_EXPECT_I64(1, g.n);
    GB_EXPECT(!gb_ws_partial(w));
    GB_EXPECT(gb_ws_held(w) < (256u << 10)); /* given back */
    free(buf);
    gb_ws_free(w);
}

/* The node's keep-alive: a ping frame, unmasked, empty; none once done. */
static void test_ping_out(void)
{
    gb_ws *w = new_ws(100, 0);
    GB_EXPECT_ERR(GB_OK, gb_ws_ping(w));
    size_t n;
    const uint8_t *p = gb_ws_out(w, &n);
    GB_EXPECT_U64(2, n);
    GB_EXPECT(p && p[0] == (0x80 | GB_WS_OP_PING) && p[1] == 0);
    gb_ws_out_done(w, n);
    gb_ws_close(w, GB_WS_CLOSE_GOING_AWAY, "bye");
    GB_EXPECT_ERR(GB_INVAL, gb_ws_ping(w));
    gb_ws_free(w);
}

static void test_conn_violations(void)
{
    uint8_t unmasked[] = {0x81, 0x02, 'h', 'i'};
    GB_EXPECT_U64(GB_WS_CLOSE_PROTOCOL,
                  violation(0, 0, NULL, 0, unmasked, sizeof unmasked));
    uint8_t reserved_op[] = {0x83, 0x80, 0, 0, 0, 0};
    GB_EXPECT_U64(GB_WS_CLOSE_PROTOCOL,
                  violation(0, 0, NULL, 0, reserved_op, sizeof reserved_op));
    GB_EXPECT_U64(GB_WS_CLOSE_UNSUPPORTED,
                  violation(true, GB_WS_OP_BINARY, "\x01\x02", 2, NULL, 0));
    GB_EXPECT_U64(GB_WS_CLOSE_INVALID_DATA,
                  violation(true, GB_WS_OP_TEXT, "\xff\xfe", 2, NULL, 0));
    GB_EXPECT_U64(GB_WS_CLOSE_PROTOCOL,
                  violation(true, GB_WS_OP_CONT, "x", 1, NULL, 0));
    char big[101];
    memset(big, 'a', sizeof big);
    GB_EXPECT_U64(GB_WS_CLOSE_TOO_BIG,
                  violation(true, GB_WS_OP_TEXT, big, sizeof big, NULL, 0));
    uint8_t huge[GB_WS_MAX_HEADER], mask[4] = {0};
    size_t hl = gb_ws_frame_header(huge, true, GB_WS_OP_TEXT, 1ull << 40,
                                   mask);
    GB_EXPECT_U64(GB_WS_CLOSE_TOO_BIG, violation(0, 0, NULL, 0, huge, hl));
    GB_EXPECT_U64(GB_WS_CLOSE_PROTOCOL,
                  violation(false, GB_WS_OP_PING, "x", 1, NULL, 0));
    /* close frames: 1 byte, a reserved code, bad UTF-8 reason */
    GB_EXPECT_U64(GB_WS_CLOSE_PROTOCOL,
                  violation(true, GB_WS_OP_CLOSE, "\x03", 1, NULL, 0));
    GB_EXPECT_U64(GB_WS_CLOSE_PROTOCOL,
                  violation(true, GB_WS_OP_CLOSE, "\x03\xed", 2, NULL, 0));
    GB_EXPECT_U64(GB_WS_CLOSE_PROTOCOL,
                  violation(true, GB_WS_OP_CLOSE, "\x03\xe8\xff", 3, NULL, 0));
    /* a good close is echoed */
    GB_EXPECT_U64(GB_WS_CLOSE_GOING_AWAY,
                  violation(true, GB_WS_OP_CLOSE, "\x03\xe9" "bye", 5, NULL,
                            0));
    /* a new text frame inside a fragmented message */
    gb_ws *w = new_ws(100, 0);
    got g = {0};
    uint8_t buf[64];
    size_t n = client_frame(buf, false, GB_WS_OP_TEXT, "a", 1);
    n += client_frame(buf + n, true, GB_WS_OP_TEXT, "b", 1);
    GB_EXPECT_ERR(GB_OK, gb_ws_recv(w, buf, n, on_text, &g));
    GB_EXPECT_U64(GB_WS_CLOSE_PROTOCOL, out_close_code(w));
    gb_ws_free(w);
}

static void test_conn_out_cap(void)
{
    gb_ws *w = new_ws(0, 100);
    char msg[60];
    memset(msg, 'm', sizeof msg);
    GB_EXPECT_ERR(GB_OK, gb_ws_send_text(w, msg, sizeof msg));
    GB_EXPECT_ERR(GB_OK, gb_ws_send_text(w, msg, sizeof msg)); /* 124 > 100 */
    GB_EXPECT_ERR(GB_LIMIT, gb_ws_send_text(w, msg, sizeof msg));
    /* a ping flood while not reading is refused likewise */
    got g = {0};
    uint8_t ping[16];
    size_t n = client_frame(ping, true, GB_WS_OP_PING, "x", 1);
    GB_EXPECT_ERR(GB_LIMIT, gb_ws_recv(w, ping, n, on_text, &g));
    /* sent in part, then all: room again */
    size_t avail;
    gb_ws_out(w, &avail);
    GB_EXPECT_U64(124, avail);
    gb_ws_out_done(w, 100);
    gb_ws_out(w, &avail);
    GB_EXPECT_U64(24, avail);
    GB_EXPECT_ERR(GB_OK, gb_ws_send_text(w, msg, sizeof msg));
    gb_ws_out(w, &avail);
    gb_ws_out_done(w, avail);
    gb_ws_out(w, &avail);
    GB_EXPECT_U64(0, avail);
    GB_EXPECT_ERR(GB_OK, gb_ws_send_text(w, msg, sizeof msg));
    /* our own close */
    gb_ws_close(w, GB_WS_CLOSE_GOING_AWAY, "stopping");
    gb_ws_close(w, GB_WS_CLOSE_NORMAL, NULL); /* once only */
    gb_ws_out(w, &avail);
    gb_ws_out_done(w, 62);
    GB_EXPECT_U64(GB_WS_CLOSE_GOING_AWAY, out_close_code(w));
    gb_ws_out(w, &avail);
    GB_EXPECT_U64(0, avail);
    gb_ws_free(w);
    gb_ws_free(NULL);
}

int main(void)
{
    GB_RUN(test_header_forms);
    GB_RUN(test_parse_errors);
    GB_RUN(test_mask);
    GB_RUN(test_accept_key);
    GB_RUN(test_utf8);
    GB_RUN(test_conn_text_and_ping);
    GB_RUN(test_conn_fragments);
    GB_RUN(test_conn_violations);
    GB_RUN(test_continuation_room);
    GB_RUN(test_ping_out);
    GB_RUN(test_conn_out_cap);
    GB_RUN(test_held_bounded);
    return gb_test_summary();
}
