/*
 * The HTTP front of the JSON-RPC dispatcher (see http.h), on
 * libmicrohttpd driven from the caller's loop (MHD_run after select): no
 * thread here, so the dispatcher, and through it the chain, only ever runs
 * on the node's one thread.
 *
 * A POST body is gathered per connection up to the limit; a declared
 * Content-Length beyond it is refused at once, before reading the body.
 *
 * WebSockets: libmicrohttpd answers the handshake (101, from
 * MHD_create_response_for_upgrade) and hands over the socket; from then
 * on it is ours, in a list of ws_conn polled with MHD's own fds in the
 * same select.  Each has its protocol state (ws.h) and a session of the
 * dispatcher's subscriptions (subs.h) whose sink queues onto it.
 * Reading a socket runs whole messages through the dispatcher at once;
 * what is queued (responses, notifications from gb_rpc_note_block
 * between polls) is written as the socket takes it.  Nothing blocks: a
 * connection that errs, vanishes or falls behind is marked dead and
 * dropped at the next reap, outside any iteration over the list.
 */
#include "node/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>

#include "node/subs.h"
#include "node/ws.h"
#include "util/mem.h"

#define DEFAULT_MAX_BODY (24u * 1024 * 1024)
#define DEFAULT_MAX_CONNECTIONS 64u
#define DEFAULT_TIMEOUT_S 30u
#define DEFAULT_MAX_WS_OUT (4u << 20)
/* how long a WebSocket may take to send its close frame */
#define CLOSE_LINGER_MS 2000u
/* A WebSocket silent this long gets a ping; one that then stays silent
 * WS_PONG_MS more is closed (it holds a slot of max_ws). */
#define WS_PING_MS 20000u
#define WS_PONG_MS 10000u
/* bytes read from one WebSocket per poll, so that one cannot starve the
 * others (or the block producer) */
#define READ_BUDGET (1u << 20)

typedef struct ws_conn ws_conn;

struct gb_http {
    struct MHD_Daemon *d;
    gb_rpc *rpc;
    size_t max_body;
    uint16_t port;
    ws_conn *ws_first;  /* open WebSockets, oldest first */
    unsigned nws, max_ws;
    uint32_t max_subs;
    size_t max_ws_out;
};

/* One upgraded connection. */
struct ws_conn {
    ws_conn *prev, *next;
    gb_http *h;
    MHD_socket fd;
    struct MHD_UpgradeResponseHandle *urh;
    gb_ws *ws;
    gb_subs_session *sess;
    bool dead;              /* drop at the next reap, unsent bytes and all */
    uint64_t closing_since; /* ms: when it was first seen done, 0 before */
    uint64_t last_rx;       /* ms: when the peer last sent anything */
    bool pinged;            /* a ping went since last_rx */
};

/* One request's body as it arrives. */
typedef struct req_body {
    char *buf;
    size_t len, cap;
    bool too_large;
} req_body;

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
                             const char *type, const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_rpc_error(struct MHD_Connection *conn,
                                       unsigned status, int code,
                                       const char *msg)
{
    char *s = gb_rpc_error_response(code, msg);
    if (!s)
        return MHD_NO;
    enum MHD_Result ret = reply(conn, status, "application/json", s);
    free(s);
    return ret;
}

/* ---- WebSockets --------------------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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
static void ws_flush(ws_conn *c)
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
}

/* The session's sink: a notification onto the connection. */
static gb_err ws_sink(void *ctx, const char *json, size_t len)
{
    ws_conn *c = ctx;
    if (c->dead)
        return GB_LIMIT;
    gb_err e = gb_ws_send_text(c->ws, json, len);
    if (e)
        c->dead = true; /* too slow (GB_LIMIT), closing, or no memory */
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
    e = gb_ws_send_text(c->ws, resp, strlen(resp));
    free(resp);
    return e;
}

/* Read what the socket has (up to READ_BUDGET) and handle it. */
static void ws_read(ws_conn *c)
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
        if (gb_ws_recv(c->ws, buf, (size_t)r, ws_on_text, c))
            c->dead = true; /* out of memory, or too slow to read answers */
    }
    ws_flush(c);
}

static void ws_drop(gb_http *h, ws_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        h->ws_first = c->next;
    if (c->next)
        c->next->prev = c->prev;
    h->nws--;
    gb_subs_session_close(c->sess);
    gb_ws_free(c->ws);
    MHD_upgrade_action(c->urh, MHD_UPGRADE_ACTION_CLOSE);
    free(c);
}

/* Drop the dead, and the closed whose close frame went (or took too
 * long); *out_closing: some are still sending theirs. */
static void ws_reap(gb_http *h, bool *out_closing)
{
    uint64_t now = 0;
    bool closing = false;
    for (ws_conn *c = h->ws_first, *next; c; c = next) {
        next = c->next;
        if (!c->dead && !gb_ws_done(c->ws, NULL)) {
            /* idle: a ping, then, still silent, the close */
            if (!now)
                now = now_ms();
            uint64_t idle = now - c->last_rx;
            if (idle > WS_PING_MS + WS_PONG_MS && c->pinged) {
                gb_ws_close(c->ws, GB_WS_CLOSE_GOING_AWAY,
                            "no answer to a ping");
                ws_flush(c);
            } else if (idle > WS_PING_MS && !c->pinged) {
                if (!gb_ws_ping(c->ws))
                    ws_flush(c);
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
            ws_drop(h, c);
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
}

static enum MHD_Result ws_handshake(gb_http *h, struct MHD_Connection *conn)
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
        return reply(conn, MHD_HTTP_BAD_REQUEST, "text/plain",
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
        return reply(conn, MHD_HTTP_BAD_REQUEST, "text/plain",
                     "Sec-WebSocket-Key must be the base64 of 16 bytes\n");
    if (h->nws >= h->max_ws)
        return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
                     "too many WebSocket connections; try again later\n");
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

/* ---- HTTP ----------------------------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    gb_http *h = cls;
    if (!strcmp(method, MHD_HTTP_METHOD_GET) && !strcmp(url, "/") &&
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_UPGRADE))
        return ws_handshake(h, conn);
    if (!strcmp(method, MHD_HTTP_METHOD_GET) ||
        !strcmp(method, MHD_HTTP_METHOD_HEAD)) {
        if (!strcmp(url, "/health"))
            return reply(conn, MHD_HTTP_OK, "application/json",
                         "{\"status\":\"ok\"}\n");
        return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n");
    }
    if (strcmp(method, MHD_HTTP_METHOD_POST))
        return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
                     "use POST / for JSON-RPC, GET /health\n");
    if (strcmp(url, "/"))
        return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n");

    req_body *b = *con_cls;
    if (!b) { /* the first call: headers only */
        const char *ct = MHD_lookup_connection_value(
            conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!ct || strncasecmp(ct, "application/json", 16))
            return reply(conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "text/plain",
                         "JSON-RPC wants Content-Type: application/json\n");
        const char *cl = MHD_lookup_connection_value(
            conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > h->max_body) {
            char msg[128];
            snprintf(msg, sizeof msg,
                     "request too large: %s bytes, the limit is %zu", cl,
                     h->max_body);
            return reply_rpc_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
                                   GB_RPC_TOO_LARGE, msg);
        }
        b = gb_calloc(1, sizeof *b);
        if (!b)
            return MHD_NO;
        *con_cls = b;
        return MHD_YES;
    }
    if (*upload_size) { /* more of the body */
        size_t n = *upload_size;
        *upload_size = 0;
        if (b->too_large || n > h->max_body - b->len) {
            b->too_large = true; /* keep reading, drop the bytes */
            return MHD_YES;
        }
        if (b->len + n + 1 > b->cap) {
            size_t cap = b->cap ? b->cap : 4096;
            while (cap < b->len + n + 1)
                cap *= 2;
            char *p = gb_realloc(b->buf, cap);
            if (!p)
                return MHD_NO;
            b->buf = p;
            b->cap = cap;
        }
        memcpy(b->buf + b->len, upload, n);
        b->len += n;
        return MHD_YES;
    }
    /* the whole body is here */
    if (b->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "request too large: the limit is %zu bytes",
                 h->max_body);
        return reply_rpc_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
                               GB_RPC_TOO_LARGE, msg);
    }
    char *resp = NULL;
    if (gb_rpc_handle(h->rpc, b->buf ? b->buf : "", b->len, &resp))
        return reply_rpc_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                               GB_RPC_INTERNAL_ERROR, "out of memory");
    enum MHD_Result ret;
    if (resp) {
        ret = reply(conn, MHD_HTTP_OK, "application/json", resp);
        free(resp);
    } else { /* notifications only */
        ret = reply(conn, MHD_HTTP_NO_CONTENT, "application/json", "");
    }
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn,
                         void **con_cls, enum MHD_RequestTerminationCode why)
{
    req_body *b = *con_cls;
    if (b) {
        free(b->buf);
        free(b);
        *con_cls = NULL;
    }
}

gb_err gb_http_start(const gb_http_cfg *cfg, gb_rpc *rpc, gb_http **out,
                     char *detail, size_t detail_len)
{
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons(cfg->port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        if (detail && detail_len)
            snprintf(detail, detail_len,
                     "%s is not an IPv4 address (e.g. 127.0.0.1)", host);
        return GB_INVAL;
    }
    gb_http *h = gb_calloc(1, sizeof *h);
    if (!h)
        return GB_NOMEM;
    h->rpc = rpc;
    h->max_body = cfg->max_body ? cfg->max_body : DEFAULT_MAX_BODY;
    unsigned max_conn = cfg->max_connections ? cfg->max_connections
                                             : DEFAULT_MAX_CONNECTIONS;
    h->max_ws = cfg->max_ws ? cfg->max_ws : max_conn / 2;
    if (h->max_ws > max_conn)
        h->max_ws = max_conn;
    h->max_subs = cfg->max_subscriptions;
    h->max_ws_out = cfg->max_ws_out ? cfg->max_ws_out : DEFAULT_MAX_WS_OUT;
    h->d = MHD_start_daemon(
        MHD_USE_ERROR_LOG | MHD_ALLOW_UPGRADE, 0, NULL, NULL, on_request, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_LIMIT, max_conn,
        MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)(cfg->timeout_s ? cfg->timeout_s : DEFAULT_TIMEOUT_S),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!h->d) {
        if (detail && detail_len)
            snprintf(detail, detail_len,
                     "cannot listen on %s:%u (in use, or not an address of "
                     "this machine?)",
                     host, (unsigned)cfg->port);
        free(h);
        return GB_IO;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : cfg->port;
    *out = h;
    return GB_OK;
}

uint16_t gb_http_port(const gb_http *h) { return h->port; }

unsigned gb_http_ws_count(const gb_http *h) { return h->nws; }

gb_err gb_http_poll(gb_http *h, uint64_t timeout_ms)
{
    bool closing;
    ws_reap(h, &closing);
    fd_set rs, ws, es;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&es);
    MHD_socket maxfd = 0;
    if (MHD_get_fdset(h->d, &rs, &ws, &es, &maxfd) != MHD_YES)
        return GB_IO;
    for (ws_conn *c = h->ws_first; c; c = c->next) {
        size_t pending;
        gb_ws_out(c->ws, &pending);
        if (!gb_ws_done(c->ws, NULL))
            FD_SET(c->fd, &rs);
        if (pending)
            FD_SET(c->fd, &ws);
        if (c->fd > maxfd)
            maxfd = c->fd;
    }
    if (closing && timeout_ms > 100) /* to see a linger run out */
        timeout_ms = 100;
    MHD_UNSIGNED_LONG_LONG mhd_ms;
    if (MHD_get_timeout(h->d, &mhd_ms) == MHD_YES && mhd_ms < timeout_ms)
        timeout_ms = mhd_ms;
    struct timeval tv = {.tv_sec = (time_t)(timeout_ms / 1000),
                         .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000};
    int n = select((int)maxfd + 1, &rs, &ws, &es, &tv);
    if (n < 0) {
        if (errno == EINTR)
            return GB_OK;
        return GB_IO;
    }
    /* upgraded sockets first: MHD_run may add new ones to the list */
    for (ws_conn *c = h->ws_first; c && n > 0; c = c->next) {
        if (FD_ISSET(c->fd, &ws))
            ws_flush(c);
        if (FD_ISSET(c->fd, &rs))
            ws_read(c);
    }
    MHD_run_from_select(h->d, &rs, &ws, &es);
    ws_reap(h, NULL);
    return GB_OK;
}

void gb_http_stop(gb_http *h)
{
    if (!h)
        return;
    while (h->ws_first) { /* say goodbye if the socket takes it at once */
        ws_conn *c = h->ws_first;
        gb_ws_close(c->ws, GB_WS_CLOSE_GOING_AWAY, "the node is stopping");
        ws_flush(c);
        ws_drop(h, c);
    }
    MHD_stop_daemon(h->d);
    free(h);
}
