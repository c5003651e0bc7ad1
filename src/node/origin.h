/*
 * Which web pages may call the node (docs/security.md), without sockets:
 * the HTTP server (http.c) asks these on each request's headers.
 *
 * An origin is "scheme://host[:port]", as a browser sends it in Origin.
 * Allowed always: http or https with the host localhost, 127.0.0.1 or
 * [::1] (case-insensitive), any port.  Besides them, a set (parsed from
 * the node's --rpc-cors) lists exact origins, or is "all".  Anything else
 * is refused, "null" (a file, a sandboxed frame) included.
 *
 * Against DNS rebinding, a browser's request must name the node by an IP
 * address or localhost in its Host header (gb_origin_host_local); a page
 * on an attacker's name that resolves to 127.0.0.1 sends that name.
 */
#ifndef GB_NODE_ORIGIN_H
#define GB_NODE_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "gearbox/err.h"

typedef struct gb_origins gb_origins;

/*
 * The set from cors (borrowed for the call): NULL or "" for none beyond
 * localhost, "all", or a comma-separated list of origins (spaces around
 * an entry and a trailing '/' are dropped).  Errors: GB_INVAL (detail says
 * which entry is not "http(s)://host[:port]"), GB_NOMEM.
 */
gb_err gb_origins_new(const char *cors, gb_origins **out, char *detail,
                      size_t detail_len);
/* NULL is a no-op. */
void gb_origins_free(gb_origins *o);

/* The set is "all". */
bool gb_origins_all(const gb_origins *o);

/* A page on origin may call: a localhost one, a listed one, or any with
 * "all". */
bool gb_origin_allowed(const gb_origins *o, const char *origin);

/* origin is one the set lists (exactly, case-insensitive). */
bool gb_origin_listed(const gb_origins *o, const char *origin);

/* A Host header value ("host[:port]", "[v6][:port]") names an IPv4 or
 * IPv6 address, localhost or a name under .localhost. */
bool gb_origin_host_local(const char *host);

#endif
