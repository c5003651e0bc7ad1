/*
 * WebSocket (RFC 6455) without sockets: the frame codec, the handshake's
 * accept key, and one connection's protocol state (gb_ws) that turns the
 * bytes a transport received into whole text messages and queues the
 * bytes it should send.  The node's HTTP server (http_ws.c) drives it on the
 * upgraded sockets; the CLI's client (src/cli/ws_client.c) uses the codec
 * for its side of the connection.
 *
 * What a gb_ws accepts from a client: text messages, whole or fragmented
 * (continuation frames, control frames between them), each at most
 * cfg.max_message bytes of valid UTF-8; ping (answered with a pong
 * carrying the same payload), pong (ignored), close (answered, then the
 * connection is done).  Everything else ends the connection with a close
 * frame that says why:
 *
 *   1002 protocol error   an unmasked frame, reserved bits or opcodes, a
 *                         fragmented or long (> 125 bytes) control frame,
 *                         a continuation with nothing to continue, a new
 *                         message inside a fragmented one, a bad close
 *   1003 unsupported      a binary message (the node speaks JSON text)
 *   1007 invalid data     a text message that is not UTF-8
 *   1009 too big          a frame or message beyond cfg.max_message
 *
 * Nothing here blocks, reads a clock or allocates beyond the connection's
 * buffers (input up to one frame plus what the transport hands in, grown
 * to the frame's end and no further; a fragmented message up to
 * cfg.max_message; output up to cfg.max_out plus one message).
 */
#ifndef GB_NODE_WS_H
#define GB_NODE_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"

/* opcodes */
#define GB_WS_OP_CONT 0x0
#define GB_WS_OP_TEXT 0x1
#define GB_WS_OP_BINARY 0x2
#define GB_WS_OP_CLOSE 0x8
#define GB_WS_OP_PING 0x9
#define GB_WS_OP_PONG 0xA

/* close codes */
#define GB_WS_CLOSE_NORMAL 1000
#define GB_WS_CLOSE_GOING_AWAY 1001
#define GB_WS_CLOSE_PROTOCOL 1002
#define GB_WS_CLOSE_UNSUPPORTED 1003
#define GB_WS_CLOSE_INVALID_DATA 1007
#define GB_WS_CLOSE_POLICY 1008
#define GB_WS_CLOSE_TOO_BIG 1009
#define GB_WS_CLOSE_INTERNAL 1011
#define GB_WS_CLOSE_TRY_AGAIN 1013

/* The longest frame header: 2 bytes, an 8-byte length, a 4-byte mask. */
#define GB_WS_MAX_HEADER 14
/* The longest control frame payload. */
#define GB_WS_MAX_CONTROL 125
/* Sec-WebSocket-Accept: 28 base64 characters and a NUL. */
#define GB_WS_ACCEPT_LEN 29

/* ---- the codec ---------------------------------------------------------- */

typedef struct gb_ws_frame {
    bool fin;
    uint8_t opcode;
    bool masked;
    uint8_t mask[4];   /* masked */
    uint64_t len;      /* payload bytes */
    size_t header_len; /* bytes before the payload; 0: header incomplete */
} gb_ws_frame;

/*
 * Decode the frame header at the start of buf (n bytes there).  GB_OK:
 * either out->header_len is 0 (the header is not all there: read more)
 * or out describes the frame, whose payload is buf[header_len ..
 * header_len + len) once that many bytes have come.  Lengths in any of
 * the three forms are accepted (7-bit, 16-bit, 64-bit; a longer form than
 * needed too).  want_masked: frames must be masked (a server reading a
 * client), else they must not be (a client reading a server).
 *
 * Errors, with *out_close the close code to answer (out_close may be
 * NULL): GB_MALFORMED (1002: reserved bits set, a reserved opcode, a
 * control frame fragmented or longer than 125 bytes, a 64-bit length
 * with its top bit set, the wrong masking), GB_LIMIT (1009: a payload
 * longer than max_payload).
 */
gb_err gb_ws_frame_parse(const uint8_t *buf, size_t n, bool want_masked,
                         uint64_t max_payload, gb_ws_frame *out,
                         uint16_t *out_close);

/*
 * Write the header of a frame with len payload bytes into out, in the
 * shortest length form; masked with mask[4] when mask is not NULL (the
 * payload is masked separately, gb_ws_mask).  Returns the header's length
 * (2 to GB_WS_MAX_HEADER).
 */
size_t gb_ws_frame_header(uint8_t out[GB_WS_MAX_HEADER], bool fin,
                          uint8_t opcode, uint64_t len,
                          const uint8_t *mask);

/* XOR n bytes at p with mask, starting at mask byte 0 (masking and
 * unmasking are the same). */
void gb_ws_mask(uint8_t *p, size_t n, const uint8_t mask[4]);

/*
 * The handshake: key is the client's Sec-WebSocket-Key (key_len bytes;
 * it must be the base64 of 16 bytes); out gets the NUL-terminated
 * Sec-WebSocket-Accept, base64(SHA-1(key || the RFC's GUID)).  GB_INVAL
 * for a key that is not base64 of 16 bytes.
 */
gb_err gb_ws_accept_key(const char *key, size_t key_len,
                        char out[GB_WS_ACCEPT_LEN]);

/* n bytes at p are valid UTF-8 (no overlong forms, surrogates or code
 * points beyond U+10FFFF). */
bool gb_ws_utf8_valid(const uint8_t *p, size_t n);

/* ---- one connection (the server's side) --------------------------------- */

typedef struct gb_ws gb_ws;

typedef struct gb_ws_cfg {
    size_t max_message; /* bytes of one message (0: 1 MiB) */
    size_t max_out;     /* bytes queued to send before gb_ws_send_text
                           refuses (0: 4 MiB) */
} gb_ws_cfg;

/* What to do with one whole text message: msg (len bytes, not
 * NUL-terminated) is valid UTF-8 and borrowed for the call, which may
 * send (gb_ws_send_text on the same connection).  An error stops
 * gb_ws_recv, which returns it. */
typedef gb_err (*gb_ws_text_fn)(void *ctx, const char *msg, size_t len);

/* A new connection, open.  GB_NOMEM. */
gb_err gb_ws_new(const gb_ws_cfg *cfg, gb_ws **out);
/* NULL is a no-op. */
void gb_ws_free(gb_ws *w);

/*
 * Bytes received (data borrowed for the call): each whole text message
 * goes to on_text in order; pings are answered; a close or a violation
 * queues a close frame and makes the connection done (later bytes are
 * ignored).  Errors: GB_NOMEM, or what on_text returned (the bytes after
 * that message are then dropped).
 */
gb_err gb_ws_recv(gb_ws *w, const uint8_t *data, size_t n,
                  gb_ws_text_fn on_text, void *ctx);

/*
 * Queue a text message of n bytes (s borrowed for the call; it must be
 * UTF-8, JSON is).  GB_LIMIT when more than cfg.max_out bytes are already
 * waiting (the peer is too slow: drop it), GB_INVAL once the connection
 * is done, GB_NOMEM.
 */
gb_err gb_ws_send_text(gb_ws *w, const char *s, size_t n);
/* Queue a ping (empty payload), to see whether an idle peer is still
 * there: any bytes it sends back (its pong) show it is.  GB_INVAL once
 * closing. */
gb_err gb_ws_ping(gb_ws *w);

/* Queue a close frame with code and reason (at most 123 bytes; NULL for
 * none) unless one was queued already; the connection is then done. */
void gb_ws_close(gb_ws *w, uint16_t code, const char *reason);

/* The bytes waiting to be sent (*n of them; valid until the next call on
 * w), and how many the transport managed to send. */
const uint8_t *gb_ws_out(const gb_ws *w, size_t *n);
void gb_ws_out_done(gb_ws *w, size_t n);

/* Bytes the connection holds allocated (its three buffers), for a
 * transport that bounds what all its connections hold together. */
size_t gb_ws_held(const gb_ws *w);

/* Part of a frame or of a fragmented message has come and waits for the
 * rest (a transport may limit how long that takes). */
bool gb_ws_partial(const gb_ws *w);

/* A close frame was queued (sent by us, or answering the peer's): the
 * transport sends what is waiting, then closes the socket.  *out_code:
 * the code we queued (may be NULL). */
bool gb_ws_done(const gb_ws *w, uint16_t *out_code);

#endif
