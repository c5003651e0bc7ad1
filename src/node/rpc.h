/*
 * The node's JSON-RPC 2.0 dispatcher, independent of any transport: a
 * request string in, a response string out.  The HTTP server (http.c)
 * and the tests both drive it through gb_rpc_handle.
 *
 * The dispatcher calls the chain directly, so like the chain it is not
 * thread-safe: every call on one gb_rpc (and on its chain) must come from
 * one thread at a time (node.c serialises them onto the block thread).
 *
 * Methods (params by name in an object, or by position in an array in the
 * order listed; ids, hashes and byte strings are "0x" hex; balances and
 * values are decimal strings, since they are 128-bit):
 *
 *   gear_submitTransaction  [tx]            a signed transaction (node/tx.h)
 *        -> {txHash, kind, nonce, codeId?, programId?, messageId?}
 *   dev_sendMessage         [from, destination, payload?, gasLimit?, value?]
 *   dev_uploadProgram       [from, code, salt?, initPayload?, gasLimit?,
 *                            value?]
 *        (dev mode only; from = a dev account name: the node signs with the
 *        dev key and the account's next nonce, then as gear_submitTransaction;
 *        or an account dev_impersonate named: submitted unsigned)
 *   dev_mine, dev_setMining, dev_getMining, dev_setTime, dev_advanceTime,
 *   dev_setBalance, dev_impersonate, dev_stopImpersonating, dev_snapshot,
 *   dev_revert, dev_sendReply, dev_claimValue: the dev node's controls
 *        (rpc_dev.c, docs/devnode.md; refused without cfg.dev and
 *        cfg.devctl)
 *   gearbox_readState          [programId, payload?, gasLimit?]
 *        -> {replyCode, replyCodeText, payload}
 *   gear_programInfo        [programId]  -> {status, codeId, ...}
 *   gear_codeInfo           [codeId]     -> {codeId, exists}
 *   gear_mailbox            [account]    -> [{id, source, payload, ...}]
 *   gear_balance            [account]    -> {balance}
 *   system_accountNonce     [account]    -> the next nonce (a number)
 *   chain_getHead           []           -> {height, hash, timestamp,
 *                                           stateRoot}
 *   gearbox_getBlock        [height] or {hash}  (chain_getBlock is
 *        Vara's name, with Substrate's shape: issue #14)
 *        -> {height, hash, timestamp, stateRoot, dispatched, gasUsed,
 *           eventsKept, ...}: a block kept in memory (the last
 *           cfg.event_blocks this run produced: queuedLeft and the event
 *           count too), or else the header in the store (parentHash; no
 *           events: eventsKept false).  By hash, a stored block costs a
 *           scan of the headers.
 *   chain_getEvents         [fromHeight, limit?]
 *        -> {events: [{height, kind, ...}], next, head, oldest, missed}
 *   gearbox_stats, gearbox_blocks, gearbox_programs, gearbox_codes,
 *   gearbox_waitlist, gearbox_mailboxes, gearbox_messages,
 *   gearbox_messageTree: what the explorer shows (rpc_explore.c,
 *        docs/rpc.md)
 *   gearbox_calculateInitUploadGas  [source, code, payload?, value?,
 *                                 allowOtherPanics?, salt?]
 *   gearbox_calculateInitCreateGas  [source, codeId, payload?, value?,
 *                                 allowOtherPanics?, salt?]
 *   gearbox_calculateHandleGas      [source, destination, payload?, value?,
 *                                 allowOtherPanics?]
 *   gearbox_calculateReplyGas       [source, messageId, payload?, value?,
 *                                 allowOtherPanics?]
 *        -> {minLimit, reserved, burned, mayBeReturned, waited,
 *           dispatches} (gb_chain_calculate_gas: nothing changes;
 *           allowOtherPanics defaults to true; without a salt, a random
 *           one)
 *
 * and on a session (a WebSocket connection, node/subs.h) only:
 *
 *   gearbox_subscribeNewHeads   []          -> a subscription id (a number);
 *        then per block: method gearbox_newHead, params {subscription,
 *        result: {height, hash, parentHash, timestamp, stateRoot,
 *        dispatched, gasUsed, queuedLeft, events}}
 *   gear_subscribeEvents      [program?, account?]  -> a subscription id;
 *        then per event concerning program and account (as source,
 *        destination or id; every event without a filter): method
 *        gear_event, params {subscription, result: the event as in
 *        chain_getEvents}
 *   gearbox_unsubscribeNewHeads [subscription]  -> true, or false when
 *   gear_unsubscribeEvents    [subscription]     the session has no such
 *                                                subscription
 *
 * An account may be given as hex or as a dev account name.
 *
 * Errors follow JSON-RPC 2.0: -32700 parse error, -32600 invalid request,
 * -32601 method not found, -32602 invalid params, -32603 internal error;
 * and the application range below, each with a message saying what was
 * wrong.  A refused transaction changes nothing and does not use its
 * nonce.
 */
#ifndef GB_NODE_RPC_H
#define GB_NODE_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "gearbox/err.h"
#include "node/subs.h"
#include "node/tx.h"

#define GB_RPC_PARSE_ERROR (-32700)
#define GB_RPC_INVALID_REQUEST (-32600)
#define GB_RPC_METHOD_NOT_FOUND (-32601)
#define GB_RPC_INVALID_PARAMS (-32602)
#define GB_RPC_INTERNAL_ERROR (-32603)
/* the application range */
#define GB_RPC_TX_INVALID (-32000)  /* malformed, wrong chain, bad signature */
#define GB_RPC_BAD_NONCE (-32001)   /* replay (below the next) or gap */
#define GB_RPC_TX_REFUSED (-32002)  /* by the chain: unknown program, too
                                       little balance, code rejected ... */
#define GB_RPC_NOT_FOUND (-32003)   /* no such program / block kept */
#define GB_RPC_TOO_LARGE (-32004)   /* a payload, code or request too big;
                                       too many subscriptions */
#define GB_RPC_DEV_ONLY (-32005)    /* a dev_* method on a non-dev node */
#define GB_RPC_STATE_FAILED (-32006) /* gearbox_readState could not run */
#define GB_RPC_EXEC_FAILED (-32007)  /* a gas estimate's message failed
                                        (the message says why) */
/* from the transport (http.c), before the dispatcher sees the request */
#define GB_RPC_FORBIDDEN (-32008)   /* an Origin or Host not allowed (403) */
#define GB_RPC_BUSY (-32009)        /* the node is at a connection or
                                       memory limit: try again (503) */
#define GB_RPC_NODE_STOPPED (-32010) /* the node is stopping after a fatal
                                        error (gb_rpc_stop: disk full...) */

typedef struct gb_rpc gb_rpc;

/* A part of a signed transaction being submitted (cfg.submit). */
typedef struct gb_rpc_signed {
    uint8_t key[32];   /* BLAKE2b-256 of the signed hash and the part's
                          index: the same bytes sent twice, the same key */
    gb_id signer;
    uint64_t nonce;
} gb_rpc_signed;

typedef struct gb_rpc_cfg {
    bool dev;                     /* dev_* methods, dev names */
    uint8_t chain_id[GB_TX_CHAIN_ID_LEN];
    gb_tx_limits tx_limits;       /* for decoding transactions */
    size_t max_request;           /* bytes of one request (0: 24 MiB, so
                                     that the largest transaction fits in
                                     hex) */
    uint32_t max_batch;           /* requests in one batch (0: 64) */
    uint32_t max_values;          /* JSON values (objects, arrays and
                                     scalars) in one request (0: 65536):
                                     counted before parsing, so that a
                                     request cannot make the parser build
                                     millions of them */
    size_t max_response;          /* bytes of one response, a batch's
                                     together (0: 32 MiB) */
    uint32_t event_blocks;        /* recent blocks kept (0: 256) */
    uint32_t max_events;          /* events per chain_getEvents (0: 1000) */
    uint64_t default_gas;         /* dev_* without gasLimit (0: 10^10) */
    uint64_t call_time_ms;        /* wall-clock budget of the heavy calls
                                     (gas estimates, gearbox_readState) of
                                     one request, a batch included: past
                                     it the rest are refused (0: none;
                                     each call is also bounded by the
                                     chain's call_time_ms) */
    /* Where accepted transactions go (NULL: the chain's pending pool,
     * gb_chain_submit_ids): a cluster's log (node/cluster.h).  Same
     * contract as gb_chain_submit_ids; sig (NULL for a transaction not
     * signed by gearbox's wire format) tells which signed transaction it
     * is part of, so that the same one sent twice (to this replica or
     * another) goes in once, and its signer's nonce. */
    gb_err (*submit)(void *ctx, const gb_tx *tx,
                     const struct gb_rpc_signed *sig, gb_id *out_id,
                     gb_id *out_msg_id, char *detail, size_t len);
    void *submit_ctx;
    /* With submit (a cluster): the nonce a signer's next transaction must
     * carry when transactions of its are on their way to a block (0: none
     * known; UINT64_MAX: not known yet, a replica still catching up with
     * the log: the nonce check then fails with GB_IO). */
    uint64_t (*nonce_floor)(void *ctx, gb_id signer);
    /* With submit (a cluster): called before a client is told a signer's
     * next nonce (system_accountNonce, system_accountNextIndex; signer
     * NULL) or a dev account's transaction is signed here (signer: its
     * account); returns once this replica has read the log as far as it
     * went when asked, so the answer counts every transaction a replica
     * had acknowledged by then (a client sending through one replica, then
     * another), or after a bounded wait: true.  False: it did not wait
     * for this signer (submit_sync then answers GB_AGAIN if another
     * replica sent one of its meanwhile; asked again for the same signer
     * in the request, it answers at once).  NULL: none. */
    bool (*nonce_settle)(void *ctx, const gb_id *signer);
    /* With submit (a cluster): called as a request's handling begins;
     * again: a second time, submit_sync having answered GB_AGAIN (the
     * request is then handled again from the start, its first answer
     * dropped; the calls that change nothing but the log are the usual
     * ones in such a request).  NULL: none. */
    void (*submit_begin)(void *ctx, bool again);
    /* With submit (a cluster): called once a request that submitted
     * something is handled, before it is answered; what submit accepted
     * may still be on its way (an asynchronous publish): it returns when
     * all of it is in the log, or fails (detail says) and the request is
     * answered with an error instead; GB_AGAIN: nothing of it went, the
     * request is handled again (submit_begin). */
    gb_err (*submit_sync)(void *ctx, char *detail, size_t len);
    /* What gearbox_chainInfo adds about the cluster (NULL: not one):
     * a JSON object (a new reference), from ctx = submit_ctx. */
    struct json_t *(*cluster_info)(void *ctx);
    struct gb_devctl *devctl;     /* dev: the node's controls
                                     (node/devctl.h, borrowed; NULL: the
                                     dev_* controls are refused) */
} gb_rpc_cfg;

/* dev = false, the "dev" chain id, the default limits. */
void gb_rpc_cfg_default(gb_rpc_cfg *cfg);

/* A dispatcher over chain (borrowed: it must outlive the dispatcher).
 * GB_NOMEM. */
gb_err gb_rpc_new(gb_chain *chain, const gb_rpc_cfg *cfg, gb_rpc **out);
void gb_rpc_free(gb_rpc *r);

/*
 * Handle one request (or a batch) of len bytes.  *out_resp: the response
 * (malloc'd NUL-terminated JSON, the caller frees), or NULL when there is
 * nothing to answer (notifications only).  Protocol errors are answered
 * in the response; the return value is GB_NOMEM only.
 *
 * Before parsing, the request is scanned: more than cfg.max_request
 * bytes or cfg.max_values JSON values is -32004, a batch of more than
 * cfg.max_batch calls -32600, none of them run.  A call whose response
 * would take the whole beyond cfg.max_response bytes is answered -32004
 * instead (it did run), and the calls after it in a batch are not run
 * (-32004 each).
 */
gb_err gb_rpc_handle(gb_rpc *r, const char *req, size_t len,
                     char **out_resp);

/*
 * gb_rpc_handle for a request that came on session (NULL: none, as over
 * HTTP, where the subscribe methods answer -32601): the subscribe and
 * unsubscribe methods act on that session's subscriptions.
 */
gb_err gb_rpc_handle_session(gb_rpc *r, gb_subs_session *session,
                             const char *req, size_t len, char **out_resp);

/* The dispatcher's subscriptions, on which a transport opens and closes
 * its sessions (gb_subs_session_open/close).  Owned by r. */
gb_subs *gb_rpc_subs(gb_rpc *r);

/* A JSON-RPC error response with a null id (for transports that refuse a
 * request before parsing it, e.g. a body too large).  malloc'd, or NULL
 * when out of memory. */
char *gb_rpc_error_response(int code, const char *message);

/*
 * Tell the dispatcher about a block just produced: its header and events
 * go into the ring that gearbox_getBlock / chain_getEvents read (the oldest
 * block leaves when the ring is full), the subscriptions get their
 * notifications (node/subs.h), and the count of transactions waiting
 * goes back to 0.  b is only read.  GB_NOMEM (the block is then not kept,
 * or some notifications were lost).
 */
gb_err gb_rpc_note_block(gb_rpc *r, const gb_block_result *b);

/*
 * gb_rpc_note_block for the node's own blocks, b taken (zeroed; the caller
 * frees nothing), the work only readers of recent blocks need left until
 * one asks: the count of transactions waiting and the metrics are done at
 * once, and so is everything when a subscription is open (its
 * notifications); otherwise the block waits, with up to cfg.event_blocks
 * newer ones, and is kept (as gb_rpc_note_block keeps it) before the next
 * request that may read or change the kept blocks (every method but a few
 * that a writer calls over and over: rpc.c, keeps_none), or
 * gb_rpc_reverted.  A block that cfg.event_blocks newer ones push out
 * first is never kept: it would have left every ring by then, so the
 * answers are the same.  A node that serves writes and no block readers
 * (a cluster's replica under load) thus skips copying every block's events
 * three times.  GB_NOMEM as gb_rpc_note_block.
 */
gb_err gb_rpc_note_block_take(gb_rpc *r, gb_block_result *b);

/* The node's counters (node/metrics.h): blocks and calls are counted as
 * they are handled.  Owned by r. */
struct gb_metrics;
struct gb_metrics *gb_rpc_metrics(gb_rpc *r);

/* Transactions accepted since the last gb_rpc_note_block. */
uint32_t gb_rpc_waiting(const gb_rpc *r);

/* The node is stopping because of reason (copied, e.g. "disk full: ..."):
 * from now on every request gets the error GB_RPC_NODE_STOPPED with that
 * message, and nothing reaches the chain. */
void gb_rpc_stop(gb_rpc *r, const char *reason);

#endif
