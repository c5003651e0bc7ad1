/*
 * Internals of the node's HTTP front shared by its two files: http.c (the
 * listening socket, the connections' slots and limits, HTTP requests,
 * the poll) and http_ws.c (WebSockets: the handshake, then reading,
 * writing, pinging and closing the upgraded sockets).  Not for other
 * files of src/node/.
 *
 * It holds the front's state (gb_http), a connection's slot, a request's
 * body, an upgraded connection (ws_conn), the memory budget's check
 * (over_budget, static inline), and the functions one file defines for
 * the other.  How connections, memory and origins are handled: the top of
 * http.c.
 */
#ifndef GB_NODE_HTTP_INT_H
#define GB_NODE_HTTP_INT_H

#include <microhttpd.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "node/http.h"
#include "node/origin.h"
#include "node/subs.h"
#include "node/ws.h"

/* refused connections: how many linger at once, and how long */
#define MAX_REFUSED 64u
#define REFUSED_LINGER_MS 1000u
/* what one connection may hold beyond a full budget (see over_budget) */
#define SMALL_ALLOWANCE (64u << 10)

typedef struct ws_conn ws_conn;

/* One connection handed to MHD, from the accept to MHD's close. */
typedef enum { PH_WAIT, PH_REQUEST, PH_UPGRADED } conn_phase;

typedef struct conn_slot {
    struct conn_slot *prev, *next;
    struct in_addr ip;
    int fd;
    conn_phase phase;
    uint64_t since; /* ms: when the phase began */
    bool cut;       /* shut down; MHD closes it at its next run */
} conn_slot;

/* A refused connection, its answer sent, lingering until the peer closes
 * or REFUSED_LINGER_MS pass. */
typedef struct refused_conn {
    int fd;
    uint64_t until;
} refused_conn;

struct gb_http {
    struct MHD_Daemon *d;
    gb_rpc *rpc;
    size_t max_body;
    uint16_t port;
    int lfd;            /* the listening socket */
    ws_conn *ws_first;  /* open WebSockets, oldest first */
    unsigned nws, max_ws;
    uint32_t max_subs;
    size_t max_ws_out;
    conn_slot *slots;   /* every connection MHD has */
    conn_slot *adding;  /* the one MHD_add_connection is taking */
    unsigned nlive;     /* slots not cut */
    unsigned max_conn, max_per_ip;
    uint64_t header_ms, request_ms;
    size_t held, max_buffered; /* bytes the connections hold */
    refused_conn refused[MAX_REFUSED];
    unsigned nrefused;
    gb_origins *origins; /* who may call, besides non-browsers */
    gb_http_get_fn get;  /* the node's own pages (http.h) */
    void *get_ctx;
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
    size_t held;            /* gb_ws_held, as counted in h->held */
    uint64_t partial_since; /* ms: since when part of a message waits */
};

/* One request's body as it arrives, and what the request holds of the
 * budget (h->held): the body (reserved, or its buffer) and the response
 * until it is sent. */
typedef struct req_body {
    char *buf;
    size_t len, cap;
    size_t reserved;  /* body bytes counted in h->held */
    size_t resp_held; /* response bytes counted in h->held */
    bool too_large;
    bool busy;        /* beyond the budget: dropped, answered 503 */
} req_body;

static inline uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The budget has no room for n more bytes on a connection that holds
 * `has` already.  Up to SMALL_ALLOWANCE a connection is let through
 * anyway (still counted), so that small calls go on while large ones
 * fill the budget: the excess is at most that much per connection. */
static inline bool over_budget(const gb_http *h, size_t has, size_t n)
{
    if (has <= SMALL_ALLOWANCE && n <= SMALL_ALLOWANCE - has)
        return false;
    return n > h->max_buffered || h->held > h->max_buffered - n;
}

/* The answer to a call the full budget turns away (503, or GB_RPC_BUSY on a
 * WebSocket). */
static const char busy_msg[] =
    "the node holds as much for its connections as it may (see "
    "--rpc-max-buffered); try again later";

/* ---- defined in one file for the other -------------------------------- */

/* http.c: queue a copy of body with status (and the CORS headers of an
 * allowed origin); a JSON-RPC error response with status. */
enum MHD_Result gb_http_reply(gb_http *h, struct MHD_Connection *conn,
                              unsigned status, const char *type,
                              const char *body);
enum MHD_Result gb_http_reply_rpc_error(gb_http *h,
                                        struct MHD_Connection *conn,
                                        unsigned status, int code,
                                        const char *msg);

/* http_ws.c: the WebSocket handshake of a request (101, or an error
 * reply); send what waits on c; read what c's socket has (whole messages
 * run through the dispatcher); unlink and free c; drop the dead
 * connections and ping or close the silent ones (*out_closing: some are
 * still closing). */
enum MHD_Result gb_http_ws_handshake(gb_http *h, struct MHD_Connection *conn);
void gb_http_ws_flush(ws_conn *c);
void gb_http_ws_read(ws_conn *c);
void gb_http_ws_drop(gb_http *h, ws_conn *c);
void gb_http_ws_reap(gb_http *h, bool *out_closing);

#endif
