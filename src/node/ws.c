/*
 * WebSocket framing (see ws.h).  The codec is a few pure functions; a
 * connection (gb_ws) is two byte buffers and a little state:
 *
 *   in    what came and was not yet a whole frame; whole frames are
 *         unmasked in place and handled at once, so it holds at most one
 *         frame (<= max_message) plus what the transport handed in;
 *   msg   the fragments of a text message sent in pieces;
 *   out   frames waiting for the transport, from out_off on.
 *
 * SHA-1 and base64 for the handshake come from nettle.
 */
#include "node/ws.h"

#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define DEFAULT_MAX_MESSAGE (1u << 20)
#define DEFAULT_MAX_OUT (4u << 20)

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* ---- the codec ---------------------------------------------------------- */

static gb_err bad(uint16_t *out_close, uint16_t code, gb_err e)
{
    if (out_close)
        *out_close = code;
    return e;
}

gb_err gb_ws_frame_parse(const uint8_t *buf, size_t n, bool want_masked,
                         uint64_t max_payload, gb_ws_frame *out,
                         uint16_t *out_close)
{
    memset(out, 0, sizeof *out);
    if (n < 2)
        return GB_OK;
    uint8_t b0 = buf[0], b1 = buf[1];
    bool fin = b0 & 0x80;
    uint8_t op = b0 & 0x0f;
    if (b0 & 0x70) /* RSV1-3: no extension was negotiated */
        return bad(out_close, GB_WS_CLOSE_PROTOCOL, GB_MALFORMED);
    bool control = op & 0x8;
    if ((op > GB_WS_OP_BINARY && !control) || op > GB_WS_OP_PONG)
        return bad(out_close, GB_WS_CLOSE_PROTOCOL, GB_MALFORMED);
    bool masked = b1 & 0x80;
    if (masked != want_masked)
        return bad(out_close, GB_WS_CLOSE_PROTOCOL, GB_MALFORMED);
    uint64_t len = b1 & 0x7f;
    size_t hl = 2;
    if (control && (!fin || len > GB_WS_MAX_CONTROL))
        return bad(out_close, GB_WS_CLOSE_PROTOCOL, GB_MALFORMED);
    if (len == 126) {
        if (n < 4)
            return GB_OK;
        len = (uint64_t)buf[2] << 8 | buf[3];
        hl = 4;
    } else if (len == 127) {
        if (n < 10)
            return GB_OK;
        if (buf[2] & 0x80)
            return bad(out_close, GB_WS_CLOSE_PROTOCOL, GB_MALFORMED);
        len = 0;
        for (int i = 2; i < 10; i++)
            len = len << 8 | buf[i];
        hl = 10;
    }
    if (len > max_payload)
        return bad(out_close, GB_WS_CLOSE_TOO_BIG, GB_LIMIT);
    if (masked) {
        if (n < hl + 4)
            return GB_OK;
        memcpy(out->mask, buf + hl, 4);
        hl += 4;
    }
    out->fin = fin;
    out->opcode = op;
    out->masked = masked;
    out->len = len;
    out->header_len = hl;
    return GB_OK;
}

size_t gb_ws_frame_header(uint8_t out[GB_WS_MAX_HEADER], bool fin,
                          uint8_t opcode, uint64_t len, const uint8_t *mask)
{
    size_t hl = 2;
    out[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
    uint8_t m = mask ? 0x80 : 0;
    if (len < 126) {
        out[1] = (uint8_t)(m | len);
    } else if (len <= 0xffff) {
        out[1] = m | 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        hl = 4;
    } else {
        out[1] = m | 127;
        for (int i = 0; i < 8; i++)
            out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
        hl = 10;
    }
    if (mask) {
        memcpy(out + hl, mask, 4);
        hl += 4;
    }
    return hl;
}

void gb_ws_mask(uint8_t *p, size_t n, const uint8_t mask[4])
{
    for (size_t i = 0; i < n; i++)
        p[i] ^= mask[i & 3];
}

static bool b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/';
}

gb_err gb_ws_accept_key(const char *key, size_t key_len,
                        char out[GB_WS_ACCEPT_LEN])
{
    /* 16 bytes in base64: 22 characters and "==" */
    if (key_len != 24 || key[22] != '=' || key[23] != '=')
        return GB_INVAL;
    for (size_t i = 0; i < 22; i++)
        if (!b64_char(key[i]))
            return GB_INVAL;
    struct base64_decode_ctx dc;
    uint8_t raw[BASE64_DECODE_LENGTH(24)];
    size_t raw_len = sizeof raw;
    base64_decode_init(&dc);
    if (!base64_decode_update(&dc, &raw_len, raw, key_len, key) ||
        !base64_decode_final(&dc) || raw_len != 16)
        return GB_INVAL;

    struct sha1_ctx sc;
    uint8_t digest[SHA1_DIGEST_SIZE];
    sha1_init(&sc);
    sha1_update(&sc, key_len, (const uint8_t *)key);
    sha1_update(&sc, sizeof ws_guid - 1, (const uint8_t *)ws_guid);
    sha1_digest(&sc, sizeof digest, digest);
    base64_encode_raw(out, sizeof digest, digest);
    out[GB_WS_ACCEPT_LEN - 1] = 0;
    return GB_OK;
}

bool gb_ws_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t more;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            more = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            more = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            more = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i <= more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += more + 1;
    }
    return true;
}

/* ---- one connection ----------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

struct gb_ws {
    gb_ws_cfg cfg;
    buf in, msg, out;
    size_t out_off;      /* out.p[out_off .. out.len) waits */
    bool in_message;     /* a fragmented text message is under way */
    bool done;           /* a close frame is queued */
    size_t in_want;      /* bytes of in that the frame under way needs */
    uint16_t close_code; /* the one we queued */
};

/* Append n bytes; growing, the capacity doubles but stops at want (when
 * want is enough: the end of the frame under way), so that a frame of
 * nearly max_message bytes does not hold nearly twice that. */
static gb_err buf_append_upto(buf *b, const void *p, size_t n, size_t want)
{
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n) {
            if (cap > SIZE_MAX / 2)
                return GB_NOMEM;
            cap *= 2;
        }
        if (want >= b->len + n && want < cap)
            cap = want;
        uint8_t *q = gb_realloc(b->p, cap);
        if (!q)
            return GB_NOMEM;
        b->p = q;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return GB_OK;
}

static gb_err buf_append(buf *b, const void *p, size_t n)
{
    return buf_append_upto(b, p, n, 0);
}

gb_err gb_ws_new(const gb_ws_cfg *cfg, gb_ws **out)
{
    gb_ws *w = gb_calloc(1, sizeof *w);
    if (!w)
        return GB_NOMEM;
    if (cfg)
        w->cfg = *cfg;
    if (!w->cfg.max_message)
        w->cfg.max_message = DEFAULT_MAX_MESSAGE;
    if (!w->cfg.max_out)
        w->cfg.max_out = DEFAULT_MAX_OUT;
    *out = w;
    return GB_OK;
}

void gb_ws_free(gb_ws *w)
{
    if (!w)
        return;
    free(w->in.p);
    free(w->msg.p);
    free(w->out.p);
    free(w);
}

static size_t out_waiting(const gb_ws *w) { return w->out.len - w->out_off; }

/* One unmasked frame onto out. */
static gb_err queue_frame(gb_ws *w, uint8_t op, const void *p, size_t n)
{
    if (w->out_off) {
        /* what was sent goes: the buffer holds only what waits, however
         * long a slow reader stays a little behind */
        memmove(w->out.p, w->out.p + w->out_off, w->out.len - w->out_off);
        w->out.len -= w->out_off;
        w->out_off = 0;
    }
    uint8_t h[GB_WS_MAX_HEADER];
    size_t hl = gb_ws_frame_header(h, true, op, n, NULL);
    size_t old = w->out.len;
    gb_err e = buf_append(&w->out, h, hl);
    if (!e)
        e = buf_append(&w->out, p, n);
    if (e)
        w->out.len = old;
    return e;
}

gb_err gb_ws_send_text(gb_ws *w, const char *s, size_t n)
{
    if (w->done)
        return GB_INVAL;
    if (out_waiting(w) > w->cfg.max_out)
        return GB_LIMIT;
    return queue_frame(w, GB_WS_OP_TEXT, s, n);
}

gb_err gb_ws_ping(gb_ws *w)
{
    if (w->done)
        return GB_INVAL;
    return queue_frame(w, GB_WS_OP_PING, "", 0);
}

void gb_ws_close(gb_ws *w, uint16_t code, const char *reason)
{
    if (w->done)
        return;
    uint8_t p[GB_WS_MAX_CONTROL];
    size_t n = 0;
    if (code) {
        p[0] = (uint8_t)(code >> 8);
        p[1] = (uint8_t)code;
        n = 2;
        if (reason) {
            size_t r = strlen(reason);
            if (r > GB_WS_MAX_CONTROL - 2)
                r = GB_WS_MAX_CONTROL - 2;
            memcpy(p + 2, reason, r);
            n += r;
        }
    }
    /* out of memory: nothing can be said, but the connection ends */
    (void)queue_frame(w, GB_WS_OP_CLOSE, p, n);
    w->done = true;
    w->close_code = code;
    w->in_message = false;
    w->msg.len = 0;
}

const uint8_t *gb_ws_out(const gb_ws *w, size_t *n)
{
    *n = out_waiting(w);
    return w->out.p ? w->out.p + w->out_off : NULL;
}

void gb_ws_out_done(gb_ws *w, size_t n)
{
    if (n > out_waiting(w))
        n = out_waiting(w);
    w->out_off += n;
    if (w->out_off == w->out.len) {
        w->out_off = w->out.len = 0;
        /* a large response is gone: do not keep its memory */
        if (w->out.cap > (256u << 10)) {
            free(w->out.p);
            w->out.p = NULL;
            w->out.cap = 0;
        }
    }
}

bool gb_ws_done(const gb_ws *w, uint16_t *out_code)
{
    if (out_code)
        *out_code = w->close_code;
    return w->done;
}

/* A close code a peer may send (RFC 6455 7.4). */
static bool close_code_ok(uint16_t c)
{
    if (c >= 3000 && c <= 4999)
        return true;
    return c >= 1000 && c <= 1014 && c != 1004 && c != 1005 && c != 1006;
}

static void on_close_frame(gb_ws *w, const uint8_t *p, size_t n)
{
    if (n == 0) {
        gb_ws_close(w, 0, NULL);
        return;
    }
    uint16_t code = (uint16_t)(p[0] << 8 | (n > 1 ? p[1] : 0));
    if (n == 1 || !close_code_ok(code) || !gb_ws_utf8_valid(p + 2, n - 2)) {
        gb_ws_close(w, GB_WS_CLOSE_PROTOCOL, "bad close frame");
        return;
    }
    gb_ws_close(w, code, NULL); /* echo the code, as RFC 6455 suggests */
}

static gb_err deliver(gb_ws *w, const uint8_t *p, size_t n,
                      gb_ws_text_fn on_text, void *ctx)
{
    if (!gb_ws_utf8_valid(p, n)) {
        gb_ws_close(w, GB_WS_CLOSE_INVALID_DATA, "text is not UTF-8");
        return GB_OK;
    }
    return on_text(ctx, (const char *)p, n);
}

/* One whole frame, unmasked; its payload p (n bytes) lives in w->in. */
static gb_err on_frame(gb_ws *w, const gb_ws_frame *f, const uint8_t *p,
                       size_t n, gb_ws_text_fn on_text, void *ctx)
{
    switch (f->opcode) {
    case GB_WS_OP_CLOSE:
        on_close_frame(w, p, n);
        return GB_OK;
    case GB_WS_OP_PING:
        if (out_waiting(w) > w->cfg.max_out)
            return GB_LIMIT; /* pings faster than it reads pongs */
        return queue_frame(w, GB_WS_OP_PONG, p, n);
    case GB_WS_OP_PONG:
        return GB_OK;
    case GB_WS_OP_BINARY:
        gb_ws_close(w, GB_WS_CLOSE_UNSUPPORTED,
                    "binary messages are not supported: send JSON text");
        return GB_OK;
    case GB_WS_OP_TEXT:
        if (w->in_message) {
            gb_ws_close(w, GB_WS_CLOSE_PROTOCOL,
                        "a new message inside a fragmented one");
            return GB_OK;
        }
        if (f->fin)
            return deliver(w, p, n, on_text, ctx);
        w->in_message = true;
        w->msg.len = 0;
        return buf_append(&w->msg, p, n);
    default: /* GB_WS_OP_CONT */
        if (!w->in_message) {
            gb_ws_close(w, GB_WS_CLOSE_PROTOCOL,
                        "a continuation with nothing to continue");
            return GB_OK;
        }
        if (n > w->cfg.max_message - w->msg.len) {
            gb_ws_close(w, GB_WS_CLOSE_TOO_BIG, "message too big");
            return GB_OK;
        }
        gb_err e = buf_append(&w->msg, p, n);
        if (e || !f->fin)
            return e;
        w->in_message = false;
        e = deliver(w, w->msg.p, w->msg.len, on_text, ctx);
        w->msg.len = 0;
        if (w->msg.cap > (256u << 10)) {
            free(w->msg.p);
            w->msg.p = NULL;
            w->msg.cap = 0;
        }
        return e;
    }
}

gb_err gb_ws_recv(gb_ws *w, const uint8_t *data, size_t n,
                  gb_ws_text_fn on_text, void *ctx)
{
    if (w->done)
        return GB_OK;
    gb_err e = buf_append_upto(&w->in, data, n, w->in_want);
    if (e)
        return e;
    size_t pos = 0;
    while (!w->done) {
        gb_ws_frame f;
        uint16_t code = 0;
        e = gb_ws_frame_parse(w->in.p + pos, w->in.len - pos, true,
                              w->cfg.max_message, &f, &code);
        if (e) {
            gb_ws_close(w, code,
                        e == GB_LIMIT ? "frame too big"
                                      : "protocol error");
            e = GB_OK;
            break;
        }
        if (f.header_len && f.opcode == GB_WS_OP_CONT &&
            w->in_message && f.len > w->cfg.max_message - w->msg.len) {
            /* refused from its header: its payload is never kept */
            gb_ws_close(w, GB_WS_CLOSE_TOO_BIG, "message too big");
            break;
        }
        if (!f.header_len || w->in.len - pos - f.header_len < f.len) {
            /* the rest is still on its way; once the header is in, the
             * buffer grows to the frame's end and no further */
            w->in_want = f.header_len ? f.header_len + (size_t)f.len : 0;
            break;
        }
        w->in_want = 0;
        uint8_t *p = w->in.p + pos + f.header_len;
        size_t plen = (size_t)f.len;
        gb_ws_mask(p, plen, f.mask);
        pos += f.header_len + plen;
        if ((e = on_frame(w, &f, p, plen, on_text, ctx)))
            break;
    }
    if (e || w->done) {
        w->in.len = 0;
    } else if (pos) {
        memmove(w->in.p, w->in.p + pos, w->in.len - pos);
        w->in.len -= pos;
    }
    if (e || w->done)
        w->in_want = 0;
    if (w->in.len == 0 && w->in.cap > (256u << 10)) {
        free(w->in.p);
        w->in.p = NULL;
        w->in.cap = 0;
    }
    return e;
}

size_t gb_ws_held(const gb_ws *w)
{
    return w->in.cap + w->msg.cap + w->out.cap;
}

bool gb_ws_partial(const gb_ws *w)
{
    return !w->done && (w->in.len || w->in_message);
}
