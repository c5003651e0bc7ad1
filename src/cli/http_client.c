/*
 * A minimal blocking HTTP/1.1 client for the CLI's node commands: one POST
 * per connection ("Connection: close"), to a node on this machine only
 * (loopback addresses), the body read by Content-Length, chunked encoding
 * or to the end of the connection.  See cli_http_post in cli.h; the
 * connection step (cli_http_connect) is shared with the WebSocket client
 * (ws_client.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli/cli.h"

#define MAX_RESPONSE (64u << 20)

/* "http://HOST[:PORT][/PATH]" (or ws://) -> host, port, path. */
static bool parse_url(const char *url, char *host, size_t hostlen,
                      char *port, size_t portlen, char *path, size_t pathlen)
{
    const char *p = url;
    if (!strncasecmp(p, "http://", 7))
        p += 7;
    else if (!strncasecmp(p, "ws://", 5))
        p += 5;
    else if (strstr(p, "://"))
        return false;
    const char *slash = strchr(p, '/');
    size_t hp = slash ? (size_t)(slash - p) : strlen(p);
    snprintf(path, pathlen, "%s", slash ? slash : "/");
    if (hp == 0)
        return false;
    const char *h = p, *colon;
    size_t hl;
    if (*p == '[') { /* [::1]:port */
        const char *close = memchr(p, ']', hp);
        if (!close)
            return false;
        h = p + 1;
        hl = (size_t)(close - h);
        colon = close + 1 < p + hp && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', hp);
        hl = colon ? (size_t)(colon - p) : hp;
    }
    if (hl == 0 || hl >= hostlen)
        return false;
    memcpy(host, h, hl);
    host[hl] = 0;
    if (colon) {
        size_t pl = hp - (size_t)(colon + 1 - p);
        if (pl == 0 || pl >= portlen)
            return false;
        memcpy(port, colon + 1, pl);
        port[pl] = 0;
        for (size_t i = 0; i < pl; i++)
            if (port[i] < '0' || port[i] > '9')
                return false;
    } else {
        snprintf(port, portlen, "80");
    }
    return true;
}

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        return IN6_IS_ADDR_LOOPBACK(&s->sin6_addr);
    }
    return false;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Undo chunked transfer encoding in place; false if malformed. */
static bool dechunk(char *body, size_t len, size_t *out_len)
{
    size_t r = 0, w = 0;
    for (;;) {
        char *end;
        if (r >= len)
            return false;
        unsigned long n = strtoul(body + r, &end, 16);
        char *nl = memchr(body + r, '\n', len - r);
        if (!nl || end == body + r)
            return false;
        r = (size_t)(nl - body) + 1;
        if (n == 0)
            break;
        if (n > len - r)
            return false;
        memmove(body + w, body + r, n);
        w += n;
        r += n;
        if (r < len && body[r] == '\r')
            r++;
        if (r < len && body[r] == '\n')
            r++;
    }
    body[w] = 0;
    *out_len = w;
    return true;
}

int cli_http_connect(const char *url, int timeout_s, int *out_fd,
                     char *host, size_t hostlen, char *port, size_t portlen,
                     char *path, size_t pathlen, char *err, size_t errlen)
{
    *out_fd = -1;
    if (!strncasecmp(url, "https://", 8) || !strncasecmp(url, "wss://", 6)) {
        snprintf(err, errlen, "'%s': https is not supported (gearbox has no "
                 "TLS): reach the node over an ssh tunnel or a local proxy, "
                 "as http://127.0.0.1:PORT", url);
        return 2;
    }
    /* a node elsewhere only when asked for (GEARBOX_REMOTE=1, or remote =
     * true in gearbox.toml): dev nodes sign with well-known keys */
    const char *allow = getenv("GEARBOX_REMOTE");
    bool remote_ok = allow && !strcmp(allow, "1");
    if (!parse_url(url, host, hostlen, port, portlen, path, pathlen)) {
        snprintf(err, errlen, "'%s' is not a node address: give "
                 "http://HOST:PORT, e.g. http://127.0.0.1:9944", url);
        return 2;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai) {
        snprintf(err, errlen, "cannot resolve '%s': %s", host,
                 gai_strerror(gai));
        return 1;
    }
    int fd = -1, last_errno = 0;
    bool remote = false;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        if (!is_loopback(a->ai_addr) && !remote_ok) {
            remote = true;
            continue;
        }
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
                    a->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        struct timeval tv = {.tv_sec = timeout_s};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        last_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        if (remote && !last_errno)
            snprintf(err, errlen, "%s is not a loopback address: the node "
                     "commands talk to a node on this machine (127.0.0.1) "
                     "unless GEARBOX_REMOTE=1 (or remote = true in "
                     "gearbox.toml) allows a remote one over plain HTTP",
                     host);
        else
            snprintf(err, errlen, "cannot connect to the node at %s: %s (is "
                     "'gearbox node --dev' running there? give its address "
                     "with --node URL)", url,
                     strerror(last_errno ? last_errno : ECONNREFUSED));
        return 1;
    }
    *out_fd = fd;
    return 0;
}

int cli_http_post(const char *url, const char *content_type,
                  const char *body, size_t body_len, int timeout_s,
                  int *out_status, char **out_body, size_t *out_len,
                  char *err, size_t errlen)
{
    char host[256], port[16], path[1024];
    *out_body = NULL;
    int fd, rc = cli_http_connect(url, timeout_s, &fd, host, sizeof host, port,
                                  sizeof port, path, sizeof path, err, errlen);
    if (rc)
        return rc;
    char head[1600];
    int hn = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: %s\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      path, host, port, content_type, body_len);
    if (!send_all(fd, head, (size_t)hn) || !send_all(fd, body, body_len)) {
        snprintf(err, errlen, "cannot send to the node at %s: %s", url,
                 strerror(errno));
        close(fd);
        return 1;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        close(fd);
        return 1;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_RESPONSE) {
                snprintf(err, errlen, "the node's answer is larger than "
                         "%u MiB", MAX_RESPONSE >> 20);
                free(buf);
                close(fd);
                return 1;
            }
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                snprintf(err, errlen, "out of memory");
                free(buf);
                close(fd);
                return 1;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = recv(fd, buf + n, cap - n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "no answer from the node at %s: %s", url,
                     errno == EAGAIN || errno == EWOULDBLOCK
                         ? "timed out"
                         : strerror(errno));
            free(buf);
            close(fd);
            return 1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    int status = 0;
    char *eoh = strstr(buf, "\r\n\r\n");
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1 || !eoh) {
        snprintf(err, errlen, "the server at %s did not answer HTTP (is it a "
                 "gearbox node?)", url);
        free(buf);
        return 1;
    }
    *eoh = 0;
    char *b = eoh + 4;
    size_t blen = n - (size_t)(b - buf);
    bool chunked = false;
    long clen = -1;
    for (char *line = strstr(buf, "\r\n"); line; line = strstr(line, "\r\n")) {
        line += 2;
        if (!strncasecmp(line, "Content-Length:", 15))
            clen = strtol(line + 15, NULL, 10);
        else if (!strncasecmp(line, "Transfer-Encoding:", 18) &&
                 strstr(line, "chunked"))
            chunked = true;
    }
    if (chunked) {
        if (!dechunk(b, blen, &blen)) {
            snprintf(err, errlen, "the node's answer was cut short");
            free(buf);
            return 1;
        }
    } else if (clen >= 0) {
        if ((size_t)clen > blen) {
            snprintf(err, errlen, "the node's answer was cut short (%zu of "
                     "%ld bytes)", blen, clen);
            free(buf);
            return 1;
        }
        blen = (size_t)clen;
    }
    memmove(buf, b, blen);
    buf[blen] = 0;
    *out_status = status;
    *out_body = buf;
    *out_len = blen;
    return 0;
}
