/*
 * The CLI's WebSocket client (see ws_client.h): the connection from
 * cli_http_connect, the upgrade request by hand, then frames through
 * node/ws.h's codec (the same one the node parses with, checked here the
 * other way round: a server's frames are unmasked).  Reads wait in
 * poll(), so a timeout never leaves a frame half read.
 */
#include "cli/ws_client.h"

#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "node/ws.h"

/* the largest message the client takes from a node */
#define MAX_MESSAGE (64u << 20)
#define MAX_RESPONSE_HEAD 8192

struct cli_ws {
    int fd;
    char url[512];
    uint8_t *in; /* received, not yet a whole frame */
    size_t in_len, in_cap;
    uint8_t *msg; /* a fragmented message so far */
    size_t msg_len, msg_cap;
    bool in_message;
    bool upgraded; /* the handshake succeeded: say goodbye in frames */
};

static bool send_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        b += w;
        n -= (size_t)w;
    }
    return true;
}

static bool append(uint8_t **buf, size_t *len, size_t *cap, const void *p,
                   size_t n)
{
    if (n > *cap - *len) {
        size_t c = *cap ? *cap : 65536;
        while (c - *len < n)
            c *= 2;
        uint8_t *q = realloc(*buf, c);
        if (!q)
            return false;
        *buf = q;
        *cap = c;
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    return true;
}

/* One masked frame. */
static bool send_frame(cli_ws *c, uint8_t op, const void *p, size_t n)
{
    uint8_t mask[4], h[GB_WS_MAX_HEADER];
    randombytes_buf(mask, sizeof mask);
    size_t hl = gb_ws_frame_header(h, true, op, n, mask);
    uint8_t *b = malloc(hl + n + 1);
    if (!b)
        return false;
    memcpy(b, h, hl);
    if (n)
        memcpy(b + hl, p, n);
    gb_ws_mask(b + hl, n, mask);
    bool ok = send_all(c->fd, b, hl + n);
    free(b);
    return ok;
}

/* The value of header name in the response head (NUL-terminated, lines
 * ending in \r\n), copied into out; false when absent. */
static bool header_value(const char *head, const char *name, char *out,
                         size_t outlen)
{
    size_t nl = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l; l = strstr(l, "\r\n")) {
        l += 2;
        if (strncasecmp(l, name, nl) || l[nl] != ':')
            continue;
        const char *v = l + nl + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        const char *end = strstr(v, "\r\n");
        size_t n = end ? (size_t)(end - v) : strlen(v);
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            n--;
        if (n >= outlen)
            n = outlen - 1;
        memcpy(out, v, n);
        out[n] = 0;
        return true;
    }
    return false;
}

int cli_ws_open(const char *url, int timeout_s, cli_ws **out, char *err,
                size_t errlen)
{
    *out = NULL;
    char host[256], port[16], path[1024];
    int fd, rc = cli_http_connect(url, timeout_s, &fd, host, sizeof host, port,
                                  sizeof port, path, sizeof path, err, errlen);
    if (rc)
        return rc;
    cli_ws *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        close(fd);
        return 1;
    }
    c->fd = fd;
    snprintf(c->url, sizeof c->url, "%s", url);

    uint8_t nonce[16];
    char key[sodium_base64_ENCODED_LEN(16, sodium_base64_VARIANT_ORIGINAL)];
    char want[GB_WS_ACCEPT_LEN];
    randombytes_buf(nonce, sizeof nonce);
    sodium_bin2base64(key, sizeof key, nonce, sizeof nonce,
                      sodium_base64_VARIANT_ORIGINAL);
    gb_ws_accept_key(key, strlen(key), want);
    char req[1600];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     path, host, port, key);
    if (!send_all(fd, req, (size_t)n)) {
        snprintf(err, errlen, "cannot send to the node at %s: %s", url,
                 strerror(errno));
        goto fail;
    }
    char head[MAX_RESPONSE_HEAD + 1];
    size_t hn = 0;
    char *eoh = NULL;
    while (!eoh) {
        if (hn == MAX_RESPONSE_HEAD) {
            snprintf(err, errlen, "the server at %s did not answer the "
                     "WebSocket upgrade (is it a gearbox node?)", url);
            goto fail;
        }
        ssize_t r = recv(fd, head + hn, MAX_RESPONSE_HEAD - hn, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, errlen, "no answer to the WebSocket upgrade from "
                     "%s: %s", url,
                     r == 0 ? "the connection closed"
                     : errno == EAGAIN || errno == EWOULDBLOCK
                         ? "timed out"
                         : strerror(errno));
            goto fail;
        }
        hn += (size_t)r;
        head[hn] = 0;
        eoh = strstr(head, "\r\n\r\n");
    }
    size_t head_len = (size_t)(eoh + 4 - head);
    int status = 0;
    if (sscanf(head, "HTTP/1.%*d %d", &status) != 1) {
        snprintf(err, errlen, "the server at %s did not answer HTTP (is it "
                 "a gearbox node?)", url);
        goto fail;
    }
    if (status != 101) {
        *eoh = 0;
        char *body = eoh + 4;
        size_t bl = hn - head_len;
        while (bl && (body[bl - 1] == '\n' || body[bl - 1] == '\r'))
            bl--;
        snprintf(err, errlen, "the node at %s refused the WebSocket upgrade: "
                 "HTTP %d%s%.*s", url, status, bl ? ": " : "",
                 (int)(bl > 200 ? 200 : bl), body);
        goto fail;
    }
    *eoh = 0;
    char got[128];
    if (!header_value(head, "Sec-WebSocket-Accept", got, sizeof got) ||
        strcmp(got, want)) {
        snprintf(err, errlen, "the server at %s answered the WebSocket "
                 "upgrade with a wrong Sec-WebSocket-Accept", url);
        goto fail;
    }
    if (hn > head_len &&
        !append(&c->in, &c->in_len, &c->in_cap, head + head_len,
                hn - head_len)) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    /* from now on reads wait in poll() */
    struct timeval none = {0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    c->upgraded = true;
    *out = c;
    return 0;
fail:
    cli_ws_close(c);
    return 1;
}

int cli_ws_send(cli_ws *c, const char *text, size_t n, char *err,
                size_t errlen)
{
    if (send_frame(c, GB_WS_OP_TEXT, text, n))
        return 0;
    snprintf(err, errlen, "cannot send to the node at %s: %s", c->url,
             errno ? strerror(errno) : "out of memory");
    return 1;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Read more into c->in, waiting until deadline (0: forever). */
static int fill(cli_ws *c, uint64_t deadline, char *err, size_t errlen)
{
    for (;;) {
        int wait = -1;
        if (deadline) {
            uint64_t now = now_ms();
            if (now >= deadline) {
                snprintf(err, errlen, "timed out waiting for the node at %s",
                         c->url);
                return 1;
            }
            wait = (int)(deadline - now);
        }
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int k = poll(&p, 1, wait);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            snprintf(err, errlen, "poll: %s", strerror(errno));
            return 1;
        }
        if (k == 0)
            continue; /* the deadline check above ends it */
        uint8_t buf[65536];
        ssize_t r = recv(c->fd, buf, sizeof buf, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0) {
            snprintf(err, errlen, "the node at %s closed the connection%s%s",
                     c->url, r < 0 ? ": " : " (did it stop?)",
                     r < 0 ? strerror(errno) : "");
            return 1;
        }
        if (!append(&c->in, &c->in_len, &c->in_cap, buf, (size_t)r)) {
            snprintf(err, errlen, "out of memory");
            return 1;
        }
        return 0;
    }
}

int cli_ws_recv(cli_ws *c, int timeout_ms, char **out, size_t *out_len,
                char *err, size_t errlen)
{
    *out = NULL;
    uint64_t deadline = timeout_ms >= 0 ? now_ms() + (uint64_t)timeout_ms : 0;
    for (;;) {
        gb_ws_frame f;
        uint16_t code = 0;
        if (gb_ws_frame_parse(c->in, c->in_len, false, MAX_MESSAGE, &f,
                              &code)) {
            snprintf(err, errlen, "the node at %s sent a bad WebSocket frame "
                     "(%s)", c->url,
                     code == GB_WS_CLOSE_TOO_BIG ? "too big" : "malformed");
            return 1;
        }
        if (!f.header_len || c->in_len - f.header_len < f.len) {
            if (fill(c, deadline, err, errlen))
                return 1;
            continue;
        }
        uint8_t *p = c->in + f.header_len;
        size_t n = (size_t)f.len, used = f.header_len + n;
        int rc = -1; /* -1: go on reading */
        switch (f.opcode) {
        case GB_WS_OP_PING:
            send_frame(c, GB_WS_OP_PONG, p, n);
            break;
        case GB_WS_OP_PONG:
            break;
        case GB_WS_OP_CLOSE: {
            unsigned cc = n >= 2 ? (unsigned)(p[0] << 8 | p[1]) : 1005;
            snprintf(err, errlen, "the node at %s closed the connection: "
                     "code %u%s%.*s", c->url, cc, n > 2 ? " (" : "",
                     n > 2 ? (int)(n - 2) : 0, (const char *)p + 2);
            if (n > 2)
                snprintf(err + strlen(err), errlen - strlen(err), ")");
            rc = 1;
            break;
        }
        case GB_WS_OP_TEXT:
        case GB_WS_OP_CONT:
            if ((f.opcode == GB_WS_OP_TEXT) == c->in_message ||
                n > MAX_MESSAGE - c->msg_len) {
                snprintf(err, errlen, "the node at %s sent a bad WebSocket "
                         "message", c->url);
                rc = 1;
                break;
            }
            if (!append(&c->msg, &c->msg_len, &c->msg_cap, p, n)) {
                snprintf(err, errlen, "out of memory");
                rc = 1;
                break;
            }
            c->in_message = !f.fin;
            if (f.fin) {
                char *m = malloc(c->msg_len + 1);
                if (!m) {
                    snprintf(err, errlen, "out of memory");
                    rc = 1;
                    break;
                }
                memcpy(m, c->msg, c->msg_len);
                m[c->msg_len] = 0;
                *out = m;
                *out_len = c->msg_len;
                c->msg_len = 0;
                rc = 0;
            }
            break;
        default:
            snprintf(err, errlen, "the node at %s sent a binary WebSocket "
                     "message", c->url);
            rc = 1;
        }
        memmove(c->in, c->in + used, c->in_len - used);
        c->in_len -= used;
        if (rc >= 0)
            return rc;
    }
}

void cli_ws_close(cli_ws *c)
{
    if (!c)
        return;
    if (c->upgraded) {
        static const uint8_t bye[2] = {GB_WS_CLOSE_NORMAL >> 8,
                                       GB_WS_CLOSE_NORMAL & 0xff};
        send_frame(c, GB_WS_OP_CLOSE, bye, 2);
    }
    close(c->fd);
    free(c->in);
    free(c->msg);
    free(c);
}
