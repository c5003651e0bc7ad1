/*
 * Origins and hosts (see origin.h): string checks only.  The listed
 * origins are kept as given (trimmed); they are few, so a lookup is a
 * linear scan.
 */
#define _GNU_SOURCE /* strndup with -std=c11 */
#include "node/origin.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct gb_origins {
    bool all;
    char **list;
    size_t n;
};

/* The host of "host[:port]" or "[v6][:port]" (n bytes at s), lower case,
 * into out (with the brackets of a v6 address).  false: too long. */
static bool host_of(const char *s, size_t n, char *out, size_t outlen)
{
    size_t hl;
    if (n && s[0] == '[') {
        const char *e = memchr(s, ']', n);
        hl = e ? (size_t)(e - s) + 1 : n;
    } else {
        const char *e = memchr(s, ':', n);
        hl = e ? (size_t)(e - s) : n;
    }
    if (hl >= outlen)
        return false;
    for (size_t i = 0; i < hl; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    out[hl] = 0;
    return true;
}

gb_err gb_origins_new(const char *cors, gb_origins **out, char *detail,
                      size_t detail_len)
{
    gb_origins *o = calloc(1, sizeof *o);
    if (!o)
        return GB_NOMEM;
    gb_err e = GB_OK;
    if (cors && !strcmp(cors, "all")) {
        o->all = true;
        cors = NULL;
    }
    for (const char *p = cors; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *next = end ? end + 1 : p + n;
        while (n && (*p == ' ' || *p == '\t'))
            p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '/'))
            n--;
        if (n) {
            size_t skip = !strncasecmp(p, "http://", 7)    ? 7
                          : !strncasecmp(p, "https://", 8) ? 8
                                                           : 0;
            if (!skip || n <= skip || memchr(p + skip, '/', n - skip)) {
                if (detail && detail_len)
                    snprintf(detail, detail_len,
                             "--rpc-cors: '%.*s' is not an origin like "
                             "https://example.com or http://localhost:3000",
                             (int)n, p);
                e = GB_INVAL;
                goto fail;
            }
            char **l = realloc(o->list, (o->n + 1) * sizeof *l);
            if (!l) {
                e = GB_NOMEM;
                goto fail;
            }
            o->list = l;
            if (!(l[o->n] = strndup(p, n))) {
                e = GB_NOMEM;
                goto fail;
            }
            o->n++;
        }
        p = next;
    }
    *out = o;
    return GB_OK;
fail:
    gb_origins_free(o);
    return e;
}

void gb_origins_free(gb_origins *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++)
        free(o->list[i]);
    free(o->list);
    free(o);
}

bool gb_origins_all(const gb_origins *o) { return o->all; }

bool gb_origin_listed(const gb_origins *o, const char *origin)
{
    size_t ol = strlen(origin);
    for (size_t i = 0; i < o->n; i++)
        if (strlen(o->list[i]) == ol && !strncasecmp(o->list[i], origin, ol))
            return true;
    return false;
}

bool gb_origin_allowed(const gb_origins *o, const char *origin)
{
    if (o->all || gb_origin_listed(o, origin))
        return true;
    const char *rest;
    if (!strncasecmp(origin, "http://", 7))
        rest = origin + 7;
    else if (!strncasecmp(origin, "https://", 8))
        rest = origin + 8;
    else
        return false; /* "null", other schemes */
    char host[256];
    if (!host_of(rest, strlen(rest), host, sizeof host))
        return false;
    const char *port = rest + strlen(host);
    if (*port && (*port != ':' || !port[1] ||
                  strspn(port + 1, "0123456789") != strlen(port + 1)))
        return false;
    return !strcmp(host, "localhost") || !strcmp(host, "127.0.0.1") ||
           !strcmp(host, "[::1]");
}

bool gb_origin_host_local(const char *hosthdr)
{
    char host[256];
    if (!host_of(hosthdr, strlen(hosthdr), host, sizeof host))
        return false;
    size_t n = strlen(host);
    struct in_addr a4;
    struct in6_addr a6;
    char v6[64];
    if (host[0] == '[' && n >= 3 && n - 2 < sizeof v6 && host[n - 1] == ']') {
        memcpy(v6, host + 1, n - 2);
        v6[n - 2] = 0;
        return inet_pton(AF_INET6, v6, &a6) == 1;
    }
    return inet_pton(AF_INET, host, &a4) == 1 || !strcmp(host, "localhost") ||
           (n > 10 && !strcmp(host + n - 10, ".localhost"));
}
