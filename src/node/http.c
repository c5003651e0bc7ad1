/*
 * The HTTP front of the JSON-RPC dispatcher (see http.h), on
 * libmicrohttpd driven from the caller's loop (MHD_run after select): no
 * thread here, so the dispatcher, and through it the chain, only ever runs
 * on the node's one thread.
 *
 * The front door.  The listening socket is ours, not libmicrohttpd's:
 * each poll accepts what waits and decides before MHD sees it.  A
 * connection from an address that has max_per_ip already, or one that
 * finds every slot taken, gets a 503 with a JSON-RPC error (written at
 * once; the socket then lingers a second, its input read and dropped, so
 * that the client reads the answer rather than a reset).  Before that, a
 * full table makes room: the connection that has waited longest (at least
 * EVICT_MIN_MS) for a request's headers is closed.  Every connection
 * has a slot (conn_slot) that records its address and phase: waiting for
 * a request's headers (at most header_ms, from the accept or the end of
 * the previous request), in a request (headers to response sent, at most
 * request_ms), or upgraded to a WebSocket.  A slot past its time is cut
 * with shutdown(2): MHD then sees the socket end and closes it as usual.
 *
 * Memory.  What connections hold between polls is counted in h->held
 * against max_buffered: request bodies (a declared Content-Length is
 * reserved whole at the headers, so a body that would not fit is refused
 * at once with 503, before any of it is read), responses until sent, and
 * the buffers of every WebSocket.  A connection holding no more than
 * SMALL_ALLOWANCE passes even when the budget is full, so that large
 * requests filling it do not stop small calls.  A request beyond max_body
 * gets 413.  The dispatcher bounds what parsing and answering one request
 * takes (rpc.h); being one thread, it handles one request at a time.
 *
 * Origins (origin.h).  A request with an Origin header (a browser's) must
 * come from an allowed page; a browser's request (Origin, or
 * Sec-Fetch-Site other than "none") must name an IP address or localhost
 * in its Host, unless its origin is listed.  Else 403.  Allowed origins get
 * Access-Control-Allow-Origin, and OPTIONS preflights are answered.
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
#define _GNU_SOURCE /* accept4 with -std=c11 */
#include "node/http_int.h"


#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "node/origin.h"
#include "node/subs.h"
#include "node/ws.h"
#include "util/mem.h"

#define DEFAULT_MAX_BODY (24u * 1024 * 1024)
#define DEFAULT_MAX_CONNECTIONS 128u
#define DEFAULT_MAX_PER_IP 32u
#define DEFAULT_TIMEOUT_S 30u
#define DEFAULT_HEADER_TIMEOUT_S 10u
#define DEFAULT_REQUEST_TIMEOUT_S 30u
#define DEFAULT_MAX_BUFFERED (64u * 1024 * 1024)
/* a connection waiting this long for a request may be closed to make room */
#define EVICT_MIN_MS 1000u
/* connections accepted per poll */
#define ACCEPT_BATCH 64
#define DEFAULT_MAX_WS_OUT (4u << 20)

/* ---- replies ------------------------------------------------------------ */

/* Queue body (len bytes; moved: freed by MHD once sent) with status. */
static enum MHD_Result reply_owned(gb_http *h, struct MHD_Connection *conn,
                                   unsigned status, const char *type,
                                   char *body, size_t len)
{
    if (!len) { /* MHD may not free an empty buffer: give it none */
        free(body);
        body = NULL;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body ? body : (void *)"",
        body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    const char *origin =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    if (origin && gb_origin_allowed(h->origins, origin)) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(r, "Vary", "Origin");
    }
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(r, "Retry-After", "1");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result gb_http_reply(gb_http *h, struct MHD_Connection *conn,
                              unsigned status, const char *type,
                              const char *body)
{
    char *copy = strdup(body);
    if (!copy)
        return MHD_NO;
    return reply_owned(h, conn, status, type, copy, strlen(copy));
}

enum MHD_Result gb_http_reply_rpc_error(gb_http *h, struct MHD_Connection *conn,
                                        unsigned status, int code,
                                        const char *msg)
{
    char *s = gb_rpc_error_response(code, msg);
    if (!s)
        return MHD_NO;
    return reply_owned(h, conn, status, "application/json", s, strlen(s));
}

/* ---- HTTP ----------------------------------------------------------------- */

static conn_slot *slot_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* The Origin and Host checks: true (and the 403 queued in *out) when
 * refused.  Only a browser's request has its Host checked (one with an
 * Origin or a Sec-Fetch-Site header; a browser sends one or the other on
 * every request), and not when its origin is listed in cfg.cors: other
 * clients may name the node as they like (a container's service name). */
static bool refuse_origin(gb_http *h, struct MHD_Connection *conn,
                          enum MHD_Result *out)
{
    const char *origin =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_HOST);
    /* Sec-Fetch-Site "none": the user typed the address; no page asked */
    const char *site =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
    bool browser = origin || (site && strcasecmp(site, "none"));
    char msg[400];
    if (origin && !gb_origin_allowed(h->origins, origin))
        snprintf(msg, sizeof msg,
                 "origin %.200s is not allowed (the node allows localhost "
                 "pages; start it with --rpc-cors to allow others)",
                 origin);
    else if (browser && host && !gb_origins_all(h->origins) &&
             !(origin && gb_origin_listed(h->origins, origin)) &&
             !gb_origin_host_local(host))
        snprintf(msg, sizeof msg,
                 "host %.200s is not allowed from a browser (use an IP "
                 "address or localhost, or list the page's origin with "
                 "--rpc-cors)",
                 host);
    else
        return false;
    *out = gb_http_reply_rpc_error(h, conn, MHD_HTTP_FORBIDDEN,
                                   GB_RPC_FORBIDDEN, msg);
    return true;
}

/* A CORS preflight from an allowed origin. */
static enum MHD_Result preflight(struct MHD_Connection *conn)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    const char *origin =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    if (origin) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(r, "Vary", "Origin");
    }
    MHD_add_response_header(r, "Access-Control-Allow-Methods",
                            "POST, GET, OPTIONS");
    MHD_add_response_header(r, "Access-Control-Allow-Headers",
                            "Content-Type");
    MHD_add_response_header(r, "Access-Control-Max-Age", "600");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_busy(gb_http *h, struct MHD_Connection *conn)
{
    return gb_http_reply_rpc_error(h, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                                   GB_RPC_BUSY, busy_msg);
}

/* A page of the node's own (cfg.get): /metrics, the explorer. */
static enum MHD_Result reply_page(gb_http *h, struct MHD_Connection *conn,
                                  const char *url)
{
    const char *type = "text/plain";
    char *body = NULL;
    size_t len = 0;
    unsigned status = h->get(h->get_ctx, url, &type, &body, &len);
    if (!status) {
        free(body);
        return gb_http_reply(h, conn, MHD_HTTP_NOT_FOUND, "text/plain",
                             "not found\n");
    }
    if (!len) { /* MHD may not free an empty buffer: give it none */
        free(body);
        body = NULL;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body ? body : (void *)"",
        body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    /* the explorer's pages load only their own scripts and talk only to
     * this node; no other page may frame them */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; connect-src 'self'; "
                            "img-src 'self' data:; frame-ancestors 'none'");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Give back what b holds of the budget. */
static void body_release(gb_http *h, req_body *b)
{
    h->held -= b->reserved + b->resp_held;
    b->reserved = b->resp_held = 0;
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    gb_http *h = cls;
    req_body *b = *con_cls;
    if (!b) { /* the first call: the headers are in */
        conn_slot *slot = slot_of(conn);
        if (slot && slot->phase == PH_WAIT) {
            slot->phase = PH_REQUEST;
            slot->since = now_ms();
        }
        enum MHD_Result refused;
        if (refuse_origin(h, conn, &refused))
            return refused;
    }
    if (!strcmp(method, MHD_HTTP_METHOD_OPTIONS))
        return preflight(conn);
    if (!strcmp(method, MHD_HTTP_METHOD_GET) && !strcmp(url, "/") &&
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_UPGRADE))
        return gb_http_ws_handshake(h, conn);
    if (!strcmp(method, MHD_HTTP_METHOD_GET) ||
        !strcmp(method, MHD_HTTP_METHOD_HEAD)) {
        if (!strcmp(url, "/health"))
            return gb_http_reply(h, conn, MHD_HTTP_OK, "application/json",
                                 "{\"status\":\"ok\"}\n");
        if (h->get)
            return reply_page(h, conn, url);
        return gb_http_reply(h, conn, MHD_HTTP_NOT_FOUND, "text/plain",
                             "not found\n");
    }
    if (strcmp(method, MHD_HTTP_METHOD_POST))
        return gb_http_reply(h, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
                             "use POST / for JSON-RPC, GET /health\n");
    if (strcmp(url, "/"))
        return gb_http_reply(h, conn, MHD_HTTP_NOT_FOUND, "text/plain",
                             "not found\n");

    if (!b) { /* the first call: headers only */
        const char *ct = MHD_lookup_connection_value(
            conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!ct || strncasecmp(ct, "application/json", 16))
            return gb_http_reply(
                h, conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "text/plain",
                "JSON-RPC wants Content-Type: application/json\n");
        const char *cl = MHD_lookup_connection_value(
            conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
        if (declared > h->max_body) {
            char msg[128];
            snprintf(msg, sizeof msg,
                     "request too large: %s bytes, the limit is %zu", cl,
                     h->max_body);
            return gb_http_reply_rpc_error(h, conn, MHD_HTTP_CONTENT_TOO_LARGE,
                                           GB_RPC_TOO_LARGE, msg);
        }
        /* the whole declared body is reserved now, or refused now */
        if (over_budget(h, 0, (size_t)declared + 1))
            return reply_busy(h, conn);
        b = gb_calloc(1, sizeof *b);
        if (!b)
            return MHD_NO;
        if (cl) {
            b->reserved = (size_t)declared + 1;
            h->held += b->reserved;
        }
        *con_cls = b;
        return MHD_YES;
    }
    if (*upload_size) { /* more of the body */
        size_t n = *upload_size;
        *upload_size = 0;
        if (b->too_large || b->busy || n > h->max_body - b->len) {
            b->too_large = !b->busy; /* keep reading, drop the bytes */
            body_release(h, b);     /* and let others have the room */
            return MHD_YES;
        }
        if (b->len + n + 1 > b->cap) {
            size_t cap = b->cap ? b->cap : 4096;
            while (cap < b->len + n + 1)
                cap *= 2;
            if (b->reserved && cap > b->reserved && b->len + n + 1 <= b->reserved)
                cap = b->reserved; /* the declared length, no more */
            if (cap > b->reserved) { /* beyond what was reserved */
                if (over_budget(h, b->reserved, cap - b->reserved)) {
                    b->busy = true; /* drop the bytes, answer 503 */
                    body_release(h, b);
                    return MHD_YES;
                }
                h->held += cap - b->reserved;
                b->reserved = cap;
            }
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
    if (b->busy) {
        body_release(h, b);
        return reply_busy(h, conn);
    }
    if (b->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "request too large: the limit is %zu bytes",
                 h->max_body);
        body_release(h, b);
        return gb_http_reply_rpc_error(h, conn, MHD_HTTP_CONTENT_TOO_LARGE,
                                       GB_RPC_TOO_LARGE, msg);
    }
    char *resp = NULL;
    gb_err e = gb_rpc_handle(h->rpc, b->buf ? b->buf : "", b->len, &resp);
    body_release(h, b); /* the body is done with; the response counts */
    if (e)
        return gb_http_reply_rpc_error(h, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                       GB_RPC_INTERNAL_ERROR, "out of memory");
    if (!resp) /* notifications only */
        return gb_http_reply(h, conn, MHD_HTTP_NO_CONTENT, "application/json",
                             "");
    size_t n = strlen(resp);
    if (over_budget(h, 0, n)) {
        free(resp);
        return reply_busy(h, conn);
    }
    b->resp_held = n;
    h->held += n;
    return reply_owned(h, conn, MHD_HTTP_OK, "application/json", resp, n);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
                         void **con_cls, enum MHD_RequestTerminationCode why)
{
    gb_http *h = cls;
    (void)why;
    req_body *b = *con_cls;
    if (b) {
        body_release(h, b);
        free(b);
        *con_cls = NULL;
    }
    conn_slot *slot = slot_of(conn);
    if (slot && slot->phase == PH_REQUEST) { /* the next request's wait */
        slot->phase = PH_WAIT;
        slot->since = now_ms();
    }
}

/* ---- connections ---------------------------------------------------------- */

/* MHD took a connection (the one being added) or closed one. */
static void on_connection(void *cls, struct MHD_Connection *conn,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    gb_http *h = cls;
    (void)conn;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_slot *s = h->adding;
        h->adding = NULL;
        *socket_context = s;
        if (!s)
            return;
        s->next = h->slots;
        if (h->slots)
            h->slots->prev = s;
        h->slots = s;
        h->nlive++;
        return;
    }
    conn_slot *s = *socket_context;
    if (!s)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else
        h->slots = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (!s->cut)
        h->nlive--;
    free(s);
    *socket_context = NULL;
}

/* End a connection MHD has: it sees the socket end at its next run. */
static void slot_cut(gb_http *h, conn_slot *s)
{
    if (s->cut)
        return;
    shutdown(s->fd, SHUT_RDWR);
    s->cut = true;
    h->nlive--;
}

/* Cut the connections past their time; the ms until the next one is due
 * (UINT64_MAX: none). */
static uint64_t slots_expire(gb_http *h, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (conn_slot *s = h->slots; s; s = s->next) {
        if (s->cut || s->phase == PH_UPGRADED)
            continue;
        uint64_t limit = s->phase == PH_WAIT ? h->header_ms : h->request_ms;
        uint64_t age = now - s->since;
        if (age >= limit)
            slot_cut(h, s);
        else if (limit - age < next)
            next = limit - age;
    }
    return next;
}

/* Make room: cut the connection that has waited longest (at least
 * EVICT_MIN_MS) for a request's headers.  false: none has. */
static bool slots_evict(gb_http *h, uint64_t now)
{
    conn_slot *oldest = NULL;
    for (conn_slot *s = h->slots; s; s = s->next)
        if (!s->cut && s->phase == PH_WAIT && now - s->since >= EVICT_MIN_MS &&
            (!oldest || s->since < oldest->since))
            oldest = s;
    if (!oldest)
        return false;
    slot_cut(h, oldest);
    return true;
}

static unsigned slots_from(const gb_http *h, struct in_addr ip)
{
    unsigned n = 0;
    for (const conn_slot *s = h->slots; s; s = s->next)
        n += !s->cut && s->ip.s_addr == ip.s_addr;
    return n;
}

/* Answer a connection MHD will never see with 503 and a JSON-RPC error,
 * then let it linger (its input read and dropped) so that the peer reads
 * the answer rather than a reset. */
static void refuse(gb_http *h, int fd, const char *why, uint64_t now)
{
    char *json = gb_rpc_error_response(GB_RPC_BUSY, why);
    char buf[1024];
    int n = json ? snprintf(buf, sizeof buf,
                            "HTTP/1.1 503 Service Unavailable\r\n"
                            "Content-Type: application/json\r\n"
                            "Content-Length: %zu\r\n"
                            "Retry-After: 1\r\n"
                            "Connection: close\r\n\r\n%s",
                            strlen(json), json)
                 : 0;
    free(json);
    if (n > 0 && (size_t)n < sizeof buf)
        (void)send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
    shutdown(fd, SHUT_WR);
    if (h->nrefused < MAX_REFUSED) {
        h->refused[h->nrefused++] =
            (refused_conn){.fd = fd, .until = now + REFUSED_LINGER_MS};
    } else {
        close(fd);
    }
}

/* Read and drop what refused connections send; close those done. */
static void refused_drain(gb_http *h, fd_set *rs, uint64_t now)
{
    for (unsigned i = 0; i < h->nrefused;) {
        refused_conn *r = &h->refused[i];
        bool done = now >= r->until;
        if (!done && rs && FD_ISSET(r->fd, rs)) {
            char buf[16384];
            ssize_t got = recv(r->fd, buf, sizeof buf, MSG_DONTWAIT);
            done = got == 0 ||
                   (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                    errno != EINTR);
        }
        if (done) {
            close(r->fd);
            *r = h->refused[--h->nrefused];
        } else {
            i++;
        }
    }
}

/* Accept what waits: to MHD, or refused. */
static void accept_new(gb_http *h, uint64_t now)
{
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_in a;
        socklen_t al = sizeof a;
        int fd = accept4(h->lfd, (struct sockaddr *)&a, &al,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; /* none waits, or out of descriptors: later */
        }
        if (fd >= FD_SETSIZE) {
            close(fd);
            continue;
        }
        char why[160];
        if (slots_from(h, a.sin_addr) >= h->max_per_ip) {
            snprintf(why, sizeof why,
                     "too many connections from your address (the limit "
                     "is %u); try again later",
                     h->max_per_ip);
            refuse(h, fd, why, now);
            continue;
        }
        if (h->nlive >= h->max_conn && !slots_evict(h, now)) {
            snprintf(why, sizeof why,
                     "the node has all the connections it takes (%u); try "
                     "again later",
                     h->max_conn);
            refuse(h, fd, why, now);
            continue;
        }
        conn_slot *s = calloc(1, sizeof *s);
        if (!s) {
            close(fd);
            continue;
        }
        s->ip = a.sin_addr;
        s->fd = fd;
        s->phase = PH_WAIT;
        s->since = now;
        h->adding = s;
        /* MHD closes the socket if it fails */
        (void)MHD_add_connection(h->d, fd, (struct sockaddr *)&a, al);
        if (h->adding) { /* not taken */
            h->adding = NULL;
            free(s);
        }
    }
}

static int listen_on(const struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd >= FD_SETSIZE ||
        bind(fd, (const struct sockaddr *)addr, sizeof *addr) < 0 ||
        listen(fd, 128) < 0) {
        int err = fd >= FD_SETSIZE ? EMFILE : errno;
        close(fd);
        errno = err; /* for the caller's message */
        return -1;
    }
    return fd;
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
    h->lfd = -1;
    h->rpc = rpc;
    h->get = cfg->get;
    h->get_ctx = cfg->get_ctx;
    h->max_body = cfg->max_body ? cfg->max_body : DEFAULT_MAX_BODY;
    h->max_conn = cfg->max_connections ? cfg->max_connections
                                       : DEFAULT_MAX_CONNECTIONS;
    h->max_per_ip = cfg->max_per_ip ? cfg->max_per_ip : DEFAULT_MAX_PER_IP;
    h->max_ws = cfg->max_ws ? cfg->max_ws : h->max_conn / 2;
    if (h->max_ws > h->max_conn)
        h->max_ws = h->max_conn;
    if (!h->max_ws)
        h->max_ws = 1;
    h->max_subs = cfg->max_subscriptions;
    h->max_ws_out = cfg->max_ws_out ? cfg->max_ws_out : DEFAULT_MAX_WS_OUT;
    h->header_ms = 1000ull * (cfg->header_timeout_s ? cfg->header_timeout_s
                                                    : DEFAULT_HEADER_TIMEOUT_S);
    h->request_ms =
        1000ull * (cfg->request_timeout_s ? cfg->request_timeout_s
                                          : DEFAULT_REQUEST_TIMEOUT_S);
    h->max_buffered =
        cfg->max_buffered ? cfg->max_buffered : DEFAULT_MAX_BUFFERED;
    gb_err e = gb_origins_new(cfg->cors, &h->origins, detail, detail_len);
    if (e)
        goto fail;
    h->lfd = listen_on(&addr);
    if (h->lfd < 0) {
        int err = errno;
        if (detail && detail_len)
            snprintf(detail, detail_len, "cannot listen on %s:%u (%s)", host,
                     (unsigned)cfg->port,
                     err == EADDRINUSE ? "address already in use"
                     : err == EADDRNOTAVAIL
                         ? "not an address of this machine"
                         : strerror(err));
        e = GB_IO;
        goto fail;
    }
    /* MHD's own limit only backs ours up: cut connections count in it
     * until its next run closes them */
    h->d = MHD_start_daemon(
        MHD_USE_ERROR_LOG | MHD_ALLOW_UPGRADE | MHD_USE_NO_LISTEN_SOCKET, 0,
        NULL, NULL, on_request, h, MHD_OPTION_CONNECTION_LIMIT,
        2 * h->max_conn + ACCEPT_BATCH, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)(cfg->timeout_s ? cfg->timeout_s : DEFAULT_TIMEOUT_S),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, h, MHD_OPTION_END);
    if (!h->d) {
        if (detail && detail_len)
            snprintf(detail, detail_len, "cannot start the HTTP server");
        e = GB_IO;
        goto fail;
    }
    struct sockaddr_in bound;
    socklen_t bl = sizeof bound;
    h->port = getsockname(h->lfd, (struct sockaddr *)&bound, &bl) == 0
                  ? ntohs(bound.sin_port)
                  : cfg->port;
    *out = h;
    return GB_OK;
fail:
    gb_http_stop(h);
    return e;
}

uint16_t gb_http_port(const gb_http *h) { return h->port; }

unsigned gb_http_ws_count(const gb_http *h) { return h->nws; }

unsigned gb_http_conn_count(const gb_http *h) { return h->nlive; }

size_t gb_http_held(const gb_http *h) { return h->held; }

gb_err gb_http_poll(gb_http *h, uint64_t timeout_ms)
{
    bool closing;
    gb_http_ws_reap(h, &closing);
    uint64_t due = slots_expire(h, now_ms());
    if (due < timeout_ms)
        timeout_ms = due;
    fd_set rs, ws, es;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&es);
    MHD_socket maxfd = 0;
    if (MHD_get_fdset(h->d, &rs, &ws, &es, &maxfd) != MHD_YES)
        return GB_IO;
    FD_SET(h->lfd, &rs);
    if (h->lfd > maxfd)
        maxfd = h->lfd;
    for (unsigned i = 0; i < h->nrefused; i++) {
        FD_SET(h->refused[i].fd, &rs);
        if (h->refused[i].fd > maxfd)
            maxfd = h->refused[i].fd;
    }
    if (h->nrefused && timeout_ms > 100) /* to see a linger run out */
        timeout_ms = 100;
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
    uint64_t now = now_ms();
    refused_drain(h, n > 0 ? &rs : NULL, now);
    /* upgraded sockets first: MHD_run may add new ones to the list */
    for (ws_conn *c = h->ws_first; c && n > 0; c = c->next) {
        if (FD_ISSET(c->fd, &ws))
            gb_http_ws_flush(c);
        if (FD_ISSET(c->fd, &rs))
            gb_http_ws_read(c);
    }
    MHD_run_from_select(h->d, &rs, &ws, &es);
    if (n > 0 && FD_ISSET(h->lfd, &rs)) {
        accept_new(h, now);
        MHD_run(h->d); /* read what the new ones sent with their connect */
    }
    gb_http_ws_reap(h, NULL);
    return GB_OK;
}

void gb_http_stop(gb_http *h)
{
    if (!h)
        return;
    while (h->ws_first) { /* say goodbye if the socket takes it at once */
        ws_conn *c = h->ws_first;
        gb_ws_close(c->ws, GB_WS_CLOSE_GOING_AWAY, "the node is stopping");
        gb_http_ws_flush(c);
        gb_http_ws_drop(h, c);
    }
    if (h->d)
        MHD_stop_daemon(h->d);
    while (h->nrefused)
        close(h->refused[--h->nrefused].fd);
    if (h->lfd >= 0)
        close(h->lfd);
    gb_origins_free(h->origins);
    free(h);
}
