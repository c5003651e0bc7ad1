/*
 * A minimal blocking WebSocket client (RFC 6455) for the CLI: one
 * connection to a node on this machine, JSON-RPC text messages both
 * ways.  The handshake is checked (101 and the right
 * Sec-WebSocket-Accept); frames are sent masked with a fresh random key
 * each; pings are answered while waiting; the framing is node/ws.h's
 * codec.  Errors are returned with a message for the user in err; the
 * functions never print.
 */
#ifndef GB_CLI_WS_CLIENT_H
#define GB_CLI_WS_CLIENT_H

#include <stddef.h>

typedef struct cli_ws cli_ws;

/*
 * Connect to url ("http://" or "ws://HOST:PORT[/PATH]", loopback only)
 * and upgrade to a WebSocket, each step timing out after timeout_s.
 * 0: *out is open (close it with cli_ws_close).  2: a bad url; 1: the
 * node cannot be reached or refused the upgrade (err says which).
 */
int cli_ws_open(const char *url, int timeout_s, cli_ws **out, char *err,
                size_t errlen);

/* Send one text message of n bytes.  0, or 1 with err. */
int cli_ws_send(cli_ws *c, const char *text, size_t n, char *err,
                size_t errlen);

/*
 * Wait for the next text message, at most timeout_ms (< 0: no limit),
 * answering pings meanwhile.  0: *out (malloc'd, NUL-terminated, *out_len
 * bytes; the caller frees).  1 with err: timed out, the node closed the
 * connection (err gives its code and reason) or broke the protocol.
 */
int cli_ws_recv(cli_ws *c, int timeout_ms, char **out, size_t *out_len,
                char *err, size_t errlen);

/* Say goodbye (close 1000, without waiting for the answer) and free c.
 * NULL is a no-op. */
void cli_ws_close(cli_ws *c);

#endif
