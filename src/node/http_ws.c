/*
 * The node's WebSockets (http_int.h): the handshake that libmicrohttpd
 * answers (101) and whose socket it then hands over, and the upgraded
 * connections, polled in the same select as MHD's own sockets.  Each has
 * its protocol state (ws.h) and a session of the dispatcher's
 * subscriptions (subs.h) whose sink queues onto it.  Reading a socket runs
 * whole messages through the dispatcher at once; what is queued
 * (responses, notifications) is written as the socket takes it; a silent
 * connection is pinged, then closed.  Nothing blocks: a connection that
 * errs, vanishes or falls behind is marked dead and dropped at the next
 * reap, outside any iteration over the list.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "node/http_int.h"
#include "util/mem.h"

/* how long a WebSocket may take to send its close frame */
#define CLOSE_LINGER_MS 2000u
/* A WebSocket silent this long gets a ping; one that then stays silent
 * WS_PONG_MS more is closed (it holds a slot of max_ws). */
#define WS_PING_MS 20000u
#define WS_PONG_MS 10000u
/* bytes read from one WebSocket per poll, so that one cannot starve the
 * others (or the block producer) */
#define READ_BUDGET (1u << 20)

/* ---- WebSockets --------------------------------------------------------- */

/* Count what c holds now in h->held. */
static void ws_account(ws_conn *c)
{
    size_t now = gb_ws_held(c->ws);
    c->h->held = c->h->held - c->held + now;
    c->held = now;
}

/* A comma-separated header value has token (case-insensitive). */
static bool has_token(const char *value, const char *token)
{
    size_t tl = strlen(token);
    for (const char *p = value; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *e = end;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - p) == tl && !strncasecmp(p, token, tl))
            return true;
        p = end;
    }
    return false;
}

/* Send what is waiting, as much as the socket takes now. */
void gb_http_ws_flush(ws_conn *c)
{
    size_t n;
    const uint8_t *p = gb_ws_out(c->ws, &n);
    while (n && !c->dead) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (w <= 0) {
            c->dead = true;
            return;
        }
        gb_ws_out_done(c->ws, (size_t)w);
        p = gb_ws_out(c->ws, &n);
    }
    ws_account(c);
}

/* The session's sink: a notification onto the connection. */
static gb_err ws_sink(void *ctx, const char *json, size_t len)
{
    ws_conn *c = ctx;
    if (c->dead)
        return GB_LIMIT;
    /* no room: like a reader too slow, the connection goes */
    gb_err e = over_budget(c->h, c->held, len + GB_WS_MAX_HEADER)
                   ? GB_LIMIT
                   : gb_ws_send_text(c->ws, json, len);
    if (e)
        c->dead = true; /* too slow (GB_LIMIT), closing, or no memory */
    ws_account(c);
    return e;
}

/* A whole text message: a JSON-RPC request (or batch) on this session. */
static gb_err ws_on_text(void *ctx, const char *msg, size_t len)
{
    ws_conn *c = ctx;
    char *resp = NULL;
    gb_err e = gb_rpc_handle_session(c->h->rpc, c->sess, msg, len, &resp);
    if (e)
        resp = gb_rpc_error_response(GB_RPC_INTERNAL_ERROR, "out of memory");
    if (!resp)
        return e; /* notifications only, or nothing to say */
    size_t n = strlen(resp);
    if (over_budget(c->h, c->held, n + GB_WS_MAX_HEADER)) {
        free(resp);
        resp = gb_rpc_error_response(GB_RPC_BUSY, busy_msg);
        if (!resp)
            return GB_NOMEM;
        n = strlen(resp);
    }
    e = gb_ws_send_text(c->ws, resp, n);
    free(resp);
    ws_account(c);
    return e;
}

/* No room for what came: say so (a JSON-RPC error, then close 1013). */
static void ws_refuse(ws_conn *c)
{
    char *s = gb_rpc_error_response(GB_RPC_BUSY, busy_msg);
    if (s)
        (void)gb_ws_send_text(c->ws, s, strlen(s));
    free(s);
    gb_ws_close(c->ws, GB_WS_CLOSE_TRY_AGAIN,
                "the node's memory for connections is full; try again");
    gb_http_ws_flush(c);
}

/* Read what the socket has (up to READ_BUDGET) and handle it. */
void gb_http_ws_read(ws_conn *c)
{
    uint8_t buf[65536];
    size_t total = 0;
    while (!c->dead && !gb_ws_done(c->ws, NULL) && total < READ_BUDGET) {
        ssize_t r = recv(c->fd, buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (r <= 0) { /* gone without a close frame, or an error */
            c->dead = true;
            break;
        }
        total += (size_t)r;
        c->last_rx = now_ms();
        c->pinged = false;
        /* the bytes may grow the input buffer by as much again */
        if (over_budget(c->h, c->held, 2 * (size_t)r)) {
            ws_refuse(c);
            break;
        }
        if (gb_ws_recv(c->ws, buf, (size_t)r, ws_on_text, c))
            c->dead = true; /* out of memory, or too slow to read answers */
        ws_account(c);
    }
    gb_http_ws_flush(c);
}

void gb_http_ws_drop(gb_http *h, ws_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        h->ws_first = c->next;
    if (c->next)
        c->next->prev = c->prev;
    h->nws--;
    h->held -= c->held;
    gb_subs_session_close(c->sess);
    gb_ws_free(c->ws);
    MHD_upgrade_action(c->urh, MHD_UPGRADE_ACTION_CLOSE);
    free(c);
}

/* Drop the dead, and the closed whose close frame went (or took too
 * long); *out_closing: some are still sending theirs. */
void gb_http_ws_reap(gb_http *h, bool *out_closing)
{
    uint64_t now = 0;
    bool closing = false;
    for (ws_conn *c = h->ws_first, *next; c; c = next) {
        next = c->next;
        if (!c->dead && !gb_ws_done(c->ws, NULL)) {
            if (!now)
                now = now_ms();
            /* a message begun must be in within request_ms */
            if (!gb_ws_partial(c->ws)) {
                c->partial_since = 0;
            } else if (!c->partial_since) {
                c->partial_since = now;
            } else if (now - c->partial_since > h->request_ms) {
                gb_ws_close(c->ws, GB_WS_CLOSE_POLICY,
                            "a message took too long to arrive");
                gb_http_ws_flush(c);
            }
            /* idle: a ping, then, still silent, the close */
            uint64_t idle = now - c->last_rx;
            if (idle > WS_PING_MS + WS_PONG_MS && c->pinged) {
                gb_ws_close(c->ws, GB_WS_CLOSE_GOING_AWAY,
                            "no answer to a ping");
                gb_http_ws_flush(c);
            } else if (idle > WS_PING_MS && !c->pinged) {
                if (!gb_ws_ping(c->ws))
                    gb_http_ws_flush(c);
                c->pinged = true;
            }
        }
        if (!c->dead && gb_ws_done(c->ws, NULL)) {
            size_t n;
            gb_ws_out(c->ws, &n);
            if (!now)
                now = now_ms();
            if (!c->closing_since)
                c->closing_since = now;
            if (n && now - c->closing_since < CLOSE_LINGER_MS) {
                closing = true;
                continue;
            }
            c->dead = true;
        }
        if (c->dead)
            gb_http_ws_drop(h, c);
    }
    if (out_closing)
        *out_closing = closing;
}

static void on_upgraded(void *cls, struct MHD_Connection *conn, void *con_cls,
                        const char *extra_in, size_t extra_in_size,
                        MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
    gb_http *h = cls;
    ws_conn *c = gb_calloc(1, sizeof *c);
    gb_ws_cfg wc = {.max_message = h->max_body, .max_out = h->max_ws_out};
    int fl = sock < FD_SETSIZE ? fcntl(sock, F_GETFL) : -1;
    if (!c || fl < 0 || h->nws >= h->max_ws ||
        fcntl(sock, F_SETFL, fl | O_NONBLOCK) < 0 || gb_ws_new(&wc, &c->ws) ||
        gb_subs_session_open(gb_rpc_subs(h->rpc), h->max_subs, ws_sink, c,
                             &c->sess)) {
        if (c)
            gb_ws_free(c->ws);
        free(c);
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        return;
    }
    c->h = h;
    c->fd = sock;
    c->urh = urh;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_slot *slot = ci ? ci->socket_context : NULL;
    if (slot) {
        slot->phase = PH_UPGRADED;
        slot->since = now_ms();
    }
    c->next = h->ws_first;
    if (h->ws_first)
        h->ws_first->prev = c;
    h->ws_first = c;
    h->nws++;
    c->last_rx = now_ms();
    /* bytes that came with the handshake */
    if (extra_in_size &&
        gb_ws_recv(c->ws, (const uint8_t *)extra_in, extra_in_size,
                   ws_on_text, c))
        c->dead = true;
    ws_account(c);
}

enum MHD_Result gb_http_ws_handshake(gb_http *h, struct MHD_Connection *conn)
{
    const char *upgrade = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_UPGRADE);
    const char *connection = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONNECTION);
    const char *version = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, "Sec-WebSocket-Version");
    const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                  "Sec-WebSocket-Key");
    if (!has_token(upgrade, "websocket") || !has_token(connection, "upgrade"))
        return gb_http_reply(
            h, conn, MHD_HTTP_BAD_REQUEST, "text/plain",
            "a WebSocket handshake wants Upgrade: websocket and "
            "Connection: Upgrade\n");
    if (!version || strcmp(version, "13")) {
        struct MHD_Response *r = MHD_create_response_from_buffer(
            0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, "Sec-WebSocket-Version", "13");
        enum MHD_Result ret =
            MHD_queue_response(conn, MHD_HTTP_UPGRADE_REQUIRED, r);
        MHD_destroy_response(r);
        return ret;
    }
    char accept[GB_WS_ACCEPT_LEN];
    if (!key || gb_ws_accept_key(key, strlen(key), accept))
        return gb_http_reply(
            h, conn, MHD_HTTP_BAD_REQUEST, "text/plain",
            "Sec-WebSocket-Key must be the base64 of 16 bytes\n");
    if (h->nws >= h->max_ws)
        return gb_http_reply_rpc_error(
            h, conn, MHD_HTTP_SERVICE_UNAVAILABLE, GB_RPC_BUSY,
            "too many WebSocket connections; try again "
            "later");
    struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgraded, h);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_UPGRADE, "websocket");
    MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
    enum MHD_Result ret =
        MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, r);
    MHD_destroy_response(r);
    return ret;
}

