/*
 * The node's HTTP server (libmicrohttpd; only src/node/ includes it):
 *
 *   POST /        a JSON-RPC request (Content-Type: application/json),
 *                 answered by the dispatcher (rpc.h) with 200 and JSON
 *   GET /         with Upgrade: websocket: a WebSocket (RFC 6455, ws.h)
 *                 carrying JSON-RPC text messages both ways: requests
 *                 and their responses as over POST, plus subscriptions
 *                 and their notifications (subs.h)
 *   GET /health   200 {"status":"ok"}
 *   GET (or HEAD) any other path: cfg.get's answer (node.c: /metrics and
 *                 the explorer's pages), else 404
 *
 *   OPTIONS       a CORS preflight, from an allowed origin: 204
 *
 * Beyond cfg.max_body bytes a request gets 413 with a JSON-RPC error;
 * another content type 415; other paths 404; other methods 405.
 *
 * Limits (docs/security.md): at most cfg.max_connections at once and
 * cfg.max_per_ip from one address; beyond them, once a connection idle
 * for a request (1 s or more) has made room if one can, 503 with a
 * JSON-RPC error (GB_RPC_BUSY), never a reset.  A request's headers must
 * come within cfg.header_timeout_s of the connect (or of the previous
 * request), its response go within cfg.request_timeout_s of its headers,
 * and no connection may stay idle cfg.timeout_s; else it is closed.
 * Bodies, responses until sent and WebSocket buffers together hold at
 * most about cfg.max_buffered bytes (a connection holding at most 64 KiB
 * passes anyway); a request that would take more is refused with 503
 * (GB_RPC_BUSY), at its headers when it declares its length.  A request with an Origin must come from a localhost page or
 * one in cfg.cors, and a browser's request must name an IP address or
 * localhost in its Host unless its origin is listed; else 403
 * (GB_RPC_FORBIDDEN).
 *
 * WebSocket: the handshake wants GET / with Connection: Upgrade, Upgrade:
 * websocket, Sec-WebSocket-Version: 13 (else 426) and a
 * Sec-WebSocket-Key that is base64 of 16 bytes (else 400).  At most
 * cfg.max_ws at once (then 503), counted within max_connections, never
 * timed out while open; a message (whole or in fragments) of at most
 * cfg.max_body bytes (else close 1009) that comes whole within
 * cfg.request_timeout_s (else close 1008); no room in cfg.max_buffered:
 * a -32009 message and close 1013; at most cfg.max_subscriptions per
 * connection.  A client that lets more than cfg.max_ws_out bytes
 * pile up unread is disconnected; the node never waits for one.  A
 * close, or a violation (ws.h lists the codes), ends the connection once
 * the close frame is sent (at most 2 s later).  Stopping the server
 * closes every WebSocket with 1001.
 *
 * No thread of its own: the caller polls (gb_http_poll), so requests run
 * on the caller's thread, the one that owns the chain, and so do the
 * upgraded sockets: gb_http_poll waits on them with libmicrohttpd's.
 */
#ifndef GB_NODE_HTTP_H
#define GB_NODE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"
#include "node/rpc.h"

typedef struct gb_http gb_http;

/*
 * A GET (or HEAD) of path (the URL's path, no query), for the node's own
 * pages.  Returns the HTTP status (0: not one of its paths, 404) and sets
 * *type (a static string) and *body (malloc'd, moved to the server;
 * *len bytes).  Runs on the polling thread, like the dispatcher.
 */
typedef unsigned (*gb_http_get_fn)(void *ctx, const char *path,
                                   const char **type, char **body,
                                   size_t *len);

typedef struct gb_http_cfg {
    const char *host;         /* an IPv4 address; NULL: 127.0.0.1 */
    uint16_t port;            /* 0: any free port (see gb_http_port) */
    size_t max_body;          /* 0: 24 MiB */
    unsigned max_connections; /* 0: 64 */
    unsigned timeout_s;       /* 0: 30 */
    unsigned max_ws;          /* WebSockets at once (0: half of
                                 max_connections) */
    uint32_t max_subscriptions; /* per WebSocket (0: 16) */
    size_t max_ws_out;        /* bytes waiting to go to one WebSocket
                                 before it is dropped (0: 4 MiB) */
    unsigned max_per_ip;      /* connections from one address (0: 32) */
    unsigned header_timeout_s; /* from the connect, or the end of the
                                  previous request, to a request's
                                  headers (0: 10) */
    unsigned request_timeout_s; /* from a request's headers to its
                                   response sent, and for one WebSocket
                                   message to come whole (0: 30) */
    size_t max_buffered;      /* bytes all connections hold together:
                                 bodies, responses, WebSocket buffers
                                 (0: 64 MiB) */
    const char *cors;         /* origins allowed beside localhost ones:
                                 "all", or a comma-separated list like
                                 "https://a.example,http://b:8080"
                                 (NULL: none) */
    gb_http_get_fn get;       /* NULL: only /health */
    void *get_ctx;
} gb_http_cfg;

/* Listen; rpc is borrowed and must outlive the server.  Errors (detail
 * says why): GB_INVAL (not an IPv4 address), GB_IO (cannot bind), GB_NOMEM. */
gb_err gb_http_start(const gb_http_cfg *cfg, gb_rpc *rpc, gb_http **out,
                     char *detail, size_t detail_len);

/* The port listened on. */
uint16_t gb_http_port(const gb_http *h);

/* Serve what is ready, waiting at most timeout_ms for something to
 * happen.  A signal cuts the wait short (GB_OK).  GB_IO when the server
 * failed. */
gb_err gb_http_poll(gb_http *h, uint64_t timeout_ms);

/* WebSockets open now. */
unsigned gb_http_ws_count(const gb_http *h);

/* Connections open now (HTTP and WebSocket), and the bytes they hold
 * against cfg.max_buffered. */
unsigned gb_http_conn_count(const gb_http *h);
size_t gb_http_held(const gb_http *h);

/* Close every connection and stop listening.  NULL is a no-op. */
void gb_http_stop(gb_http *h);

#endif
