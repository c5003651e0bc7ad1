/*
 * The HTTP front of the JSON-RPC dispatcher (see http.h), on
 * libmicrohttpd driven from the caller's loop (MHD_run after select): no
 * thread here, so the dispatcher, and through it the chain, only ever runs
 * on the node's one thread.
 *
 * A POST body is gathered per connection up to the limit; a declared
 * Content-Length beyond it is refused at once, before reading the body.
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
#include <sys/select.h>

#define DEFAULT_MAX_BODY (24u * 1024 * 1024)
#define DEFAULT_MAX_CONNECTIONS 64u
#define DEFAULT_TIMEOUT_S 30u

struct gb_http {
    struct MHD_Daemon *d;
    gb_rpc *rpc;
    size_t max_body;
    uint16_t port;
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    gb_http *h = cls;
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
        b = calloc(1, sizeof *b);
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
            char *p = realloc(b->buf, cap);
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
    gb_http *h = calloc(1, sizeof *h);
    if (!h)
        return GB_NOMEM;
    h->rpc = rpc;
    h->max_body = cfg->max_body ? cfg->max_body : DEFAULT_MAX_BODY;
    h->d = MHD_start_daemon(
        MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(cfg->max_connections ? cfg->max_connections
                                        : DEFAULT_MAX_CONNECTIONS),
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

gb_err gb_http_poll(gb_http *h, uint64_t timeout_ms)
{
    fd_set rs, ws, es;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&es);
    MHD_socket maxfd = 0;
    if (MHD_get_fdset(h->d, &rs, &ws, &es, &maxfd) != MHD_YES)
        return GB_IO;
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
    MHD_run_from_select(h->d, &rs, &ws, &es);
    return GB_OK;
}

void gb_http_stop(gb_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
