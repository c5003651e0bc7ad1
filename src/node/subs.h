/*
 * JSON-RPC subscriptions, for transports that keep a connection open (the
 * node's WebSocket side, http_ws.c): gearbox_subscribeNewHeads and
 * gear_subscribeEvents (node/rpc.h).
 *
 * A session is one such connection.  The transport opens it with a sink
 * (how to send the connection a message) and hands it to the dispatcher
 * with every request that came on it (gb_rpc_handle_session); the
 * subscribe methods add subscriptions to it.  At each block the
 * dispatcher (gb_rpc_note_block) calls gb_subs_note_block, which sends
 * each subscription its notifications through the sink, in order:
 *
 *   {"jsonrpc":"2.0","method":"gearbox_newHead",
 *    "params":{"subscription":ID,"result":{height, hash, parentHash, ...}}}
 *   {"jsonrpc":"2.0","method":"gear_event",
 *    "params":{"subscription":ID,"result":{height, kind, id, source, ...}}}
 *
 * one chain_newHead per block, one gear_event per event of the block that
 * passes the subscription's filter.  Within a session, a block's
 * notifications come subscription by subscription, in the order they
 * were made.  Subscription ids are unique per gb_subs, from 1.
 *
 * Like the dispatcher, not thread-safe: one thread at a time.
 */
#ifndef GB_NODE_SUBS_H
#define GB_NODE_SUBS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "gearbox/err.h"

typedef struct gb_subs gb_subs;
typedef struct gb_subs_session gb_subs_session;

typedef enum gb_sub_kind {
    GB_SUB_NEW_HEADS, /* gearbox_subscribeNewHeads */
    GB_SUB_EVENTS,    /* gear_subscribeEvents */
    GB_SUB_RUNTIME_VERSION, /* state_subscribeRuntimeVersion: nothing per
                               block (the runtime never changes); its one
                               notification goes out with gb_subs_notify */
    /* Substrate's (node/sblocks.h): nothing from gb_subs_note_block; the
     * dispatcher sends theirs with gb_subs_each */
    GB_SUB_CHAIN_HEADS,     /* chain_subscribeNewHeads */
    GB_SUB_FINALIZED_HEADS, /* chain_subscribeFinalizedHeads */
    GB_SUB_STORAGE,         /* state_subscribeStorage (data: its keys) */
    GB_SUB_EXTRINSIC,       /* author_submitAndWatchExtrinsic (data: the
                               extrinsic's hash) */
} gb_sub_kind;

/* Which events a GB_SUB_EVENTS subscription gets: those whose source,
 * destination or id is the program (when has_program) and the account
 * (when has_account); every event when neither is set. */
typedef struct gb_sub_filter {
    bool has_program, has_account;
    gb_id program, account;
} gb_sub_filter;

/* How a session's transport sends one message: json (len bytes, not
 * NUL-terminated) is borrowed for the call.  An error means the message
 * was not queued; the session gets no more of this block's
 * notifications (the transport is expected to drop the connection). */
typedef gb_err (*gb_subs_sink)(void *ctx, const char *json, size_t len);

/* GB_NOMEM. */
gb_err gb_subs_new(gb_subs **out);
/* Every session must have been closed.  NULL is a no-op. */
void gb_subs_free(gb_subs *s);

/* A session with at most max_subs subscriptions (0: 16) that sends
 * through sink(ctx, ...) (ctx borrowed: it must outlive the session).
 * GB_NOMEM. */
gb_err gb_subs_session_open(gb_subs *s, uint32_t max_subs, gb_subs_sink sink,
                            void *ctx, gb_subs_session **out);
/* Its subscriptions end; the sink is not called again.  NULL is a no-op. */
void gb_subs_session_close(gb_subs_session *ss);

/* Subscribe; f (copied) only for GB_SUB_EVENTS, may be NULL.  *out_id:
 * the subscription id.  GB_LIMIT when the session has max_subs already,
 * GB_NOMEM. */
gb_err gb_subs_add(gb_subs_session *ss, gb_sub_kind kind,
                   const gb_sub_filter *f, uint64_t *out_id);

/* gb_subs_add with data (moved in: freed with free_fn, which may be
 * NULL, when the subscription ends, also on failure here). */
gb_err gb_subs_add_data(gb_subs_session *ss, gb_sub_kind kind, void *data,
                        void (*free_fn)(void *), uint64_t *out_id);

/* Call fn(ctx, session, id, data) for every subscription of that kind, in
 * session order; fn may gb_subs_notify but not add or remove. */
void gb_subs_each(gb_subs *s, gb_sub_kind kind,
                  void (*fn)(void *ctx, gb_subs_session *ss, uint64_t id,
                             void *data),
                  void *ctx);

/* Unsubscribe subscription id of that kind on this session; GB_NOT_FOUND
 * when it has none such. */
gb_err gb_subs_remove(gb_subs_session *ss, gb_sub_kind kind, uint64_t id);

/* Send subscription id of session ss one notification now:
 *   {"jsonrpc":"2.0","method":METHOD,"params":{"subscription":ID,
 *    "result":RESULT}}
 * where result is JSON text (borrowed).  GB_NOMEM; GB_IO when the sink
 * refused the message. */
gb_err gb_subs_notify(gb_subs_session *ss, const char *method, uint64_t id,
                      const char *result);

/* Subscriptions on every session. */
uint32_t gb_subs_count(const gb_subs *s);

/*
 * Notify every subscription of block b: head is its chain_newHead result
 * (an object), events the JSON of b's events, one per b->events[i] in
 * the same order (the array chain_getEvents serves).  All borrowed for
 * the call.  GB_NOMEM (the block's remaining notifications are lost);
 * a sink's errors are not returned.
 */
gb_err gb_subs_note_block(gb_subs *s, const gb_block_result *b, json_t *head,
                          json_t *events);

#endif
