/*
 * Internals of the JSON-RPC dispatcher shared by its files (rpc.c: the
 * dispatcher, its state, the params; rpc_tx.c: transactions; rpc_query.c:
 * state queries; rpc_blocks.c: the recent blocks; rpc_gas.c: the gas
 * estimates; the other rpc_*.c below).  Not for other layers, nor for
 * other files of src/node/.
 *
 * A method is `json_t *fn(gb_rpc *r, json_t *params, gb_rpc_err *err)`:
 * its result (a new reference), or NULL with err filled.  The param
 * helpers read params[name] from an object or params[idx] from an array
 * (a JSON null counts as absent), and on a bad value fill err (-32602, or
 * -32004 for bytes over max) and return false.  Bytes come back malloc'd
 * (the caller frees; NULL when empty).
 */
#ifndef GB_NODE_RPC_INT_H
#define GB_NODE_RPC_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/devkeys.h"
#include "node/rpc.h"

/* A method's failure: a JSON-RPC code and a message. */
typedef struct gb_rpc_err {
    int code;
    char msg[512];
} gb_rpc_err;

/* A block the dispatcher keeps (rpc_blocks.c): its header's facts and
 * its events, copied; their JSON is built when first asked for. */
typedef struct kept_block {
    uint32_t height;
    uint64_t timestamp;
    uint8_t hash[32];
    uint8_t state_root[32];
    uint32_t dispatched;
    uint64_t gas_used;
    uint32_t queued_left;
    gb_event *ev;   /* nev of them (payload and debug owned; sent NULL) */
    uint32_t nev;
    json_t *events; /* array, each event with its "height"; NULL until
                       kept_events builds it */
} kept_block;
/* Free what k owns (rpc_blocks.c). */
void gb_rpc_kept_free(kept_block *k);

/* The dispatcher's state, made by gb_rpc_new (rpc.c).  Its fields are
 * used by the files split out of the dispatcher (rpc.c, rpc_tx.c,
 * rpc_query.c, rpc_blocks.c); the other rpc_*.c go through the accessors
 * below. */
struct gb_rpc {
    gb_chain *chain;
    gb_rpc_cfg cfg;
    kept_block *ring; /* cfg.event_blocks slots */
    uint32_t first, count;
    /* blocks taken (gb_rpc_note_block_take) and not yet kept: the oldest
     * at later[later_first]; cfg.event_blocks slots, owned */
    gb_block_result *later;
    uint32_t later_first, nlater;
    uint32_t waiting;
    gb_subs *subs;
    struct gb_sblocks *sblocks;
    gb_subs_session *session; /* of the request being handled, or NULL */
    const uint8_t *submit_key; /* the signed transaction being submitted
                                  (cfg.submit's key), or NULL */
    uint32_t submit_nth;       /* its transactions submitted so far */
    gb_id submit_signer;
    uint64_t submit_nonce;
    uint32_t estimates;       /* gas estimates in the request so far */
    bool settled;             /* cfg.nonce_settle waited in this request */
    uint64_t req_start_ns;    /* when the request began (its time budget) */
    char stopped[256];        /* gb_rpc_stop's reason, "" while serving */
    struct gb_metrics *metrics; /* counters (node/metrics.h) */
    struct gb_explore *explore; /* recent blocks for the explorer */
    /* the dev accounts' secret keys (rpc_tx.c), derived on first use: bit
     * i of dev_have says dev_sk[i] is there; wiped by gb_rpc_free */
    uint8_t dev_sk[GB_DEV_ACCOUNTS][GB_DEVKEY_SECRET_LEN];
    uint32_t dev_have;
};

/* Keep the blocks taken and not kept yet (gb_rpc_note_block_take), before
 * anything reads or changes the kept blocks: the ring, the explorer's,
 * the Substrate blocks and their pending extrinsics.  GB_NOMEM (some
 * were then not kept, as gb_rpc_note_block says). */
gb_err gb_rpc_keep_later(gb_rpc *r);

/* Wipe the dev accounts' keys (gb_rpc_free). */
void gb_rpc_dev_keys_wipe(gb_rpc *r);

gb_chain *gb_rpc_chain(gb_rpc *r);
/* The Substrate-shaped blocks (node/sblocks.h). */
struct gb_sblocks *gb_rpc_sblocks(gb_rpc *r);
/* The session of the request being handled (NULL over HTTP). */
gb_subs_session *gb_rpc_session(gb_rpc *r);
/* The name of method i of the dispatcher's table; NULL past the end. */
const char *gb_rpc_method_name(size_t i);

/* Gas estimates and state reads run programs while the request waits: a
 * request (batch included) may ask for GB_RPC_MAX_ESTIMATES of them, within
 * cfg.call_time_ms of wall-clock time; false (err filled) past that. */
#define GB_RPC_MAX_ESTIMATES 4u
bool gb_rpc_estimate_allowed(gb_rpc *r, gb_rpc_err *err);
/* The configuration with its defaults filled in.  Borrowed from r. */
const gb_rpc_cfg *gb_rpc_config(const gb_rpc *r);

/* Fill err; returns NULL (for `return gb_rpc_fail(...)`). */
json_t *gb_rpc_fail(gb_rpc_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* err: out of memory (-32603); NULL. */
json_t *gb_rpc_nomem(gb_rpc_err *err);
/* The store could not answer (GB_IO, GB_NOMEM): an internal error, never
 * an answer ("not found", a zero balance) standing in for the read. */
json_t *gb_rpc_store_fail(gb_rpc_err *err, const char *what, gb_err e);

json_t *gb_rpc_param(json_t *params, const char *name, size_t idx);
bool gb_rpc_p_id(json_t *params, const char *name, size_t idx, gb_id *out,
                 gb_rpc_err *err);
/* hex or a dev account name */
bool gb_rpc_p_account(json_t *params, const char *name, size_t idx,
                      gb_id *out, gb_rpc_err *err);
bool gb_rpc_p_bytes(json_t *params, const char *name, size_t idx,
                    bool required, size_t max, uint8_t **out, size_t *len,
                    gb_rpc_err *err);
bool gb_rpc_p_u128(json_t *params, const char *name, size_t idx,
                   gb_u128 *out, gb_rpc_err *err);
/* a non-negative integer (or a decimal string); absent: dflt */
bool gb_rpc_p_u64(json_t *params, const char *name, size_t idx,
                  uint64_t dflt, uint64_t *out, gb_rpc_err *err);

/* Submit the chain transactions of one signed transaction from signer:
 * txs[0] (n = 1), or for an upload of a program its code part and its
 * creation (n = 2: the code part goes as the zero account with the signer
 * paying, and only when the code is not on chain yet; what could make the
 * creation fail is checked first).  out_ids[0..*out_n): the ids submit
 * gave what was queued; *out_id, *out_msg: the last one's
 * (gb_chain_submit_ids).
 * False with err filled (GB_RPC_TX_REFUSED: the chain's reason) when
 * refused: nothing is queued then. */
bool gb_rpc_submit_txs(gb_rpc *r, gb_id signer, const gb_tx *txs, uint32_t n,
                       gb_id out_ids[2], uint32_t *out_n, gb_id *out_id,
                       gb_id *out_msg, gb_rpc_err *err);

/* rpc_tx.c: the nonce the signer's next transaction must carry: the
 * chain's (its pending ones counted), or past what a cluster replica
 * sent on.  Store errors. */
gb_err gb_rpc_nonce_want(gb_rpc *r, gb_id signer, uint64_t *out);
/* The nonce told to a client asking for it: gb_rpc_nonce_want once a
 * cluster replica has read the log as far as it went (cfg.nonce_settle,
 * once a request: what another replica sent before the request came is
 * counted). */
gb_err gb_rpc_nonce_told(gb_rpc *r, gb_id signer, uint64_t *out);
/* The nonce a transaction signed here for a dev account carries: as
 * gb_rpc_nonce_told, but a replica may skip the wait for one signer of a
 * request (cfg.nonce_settle with signer); without either, the transaction
 * could carry a nonce another replica had just used, be accepted, and be
 * dropped by the sequencer as a replay. */
gb_err gb_rpc_nonce_sign(gb_rpc *r, gb_id signer, uint64_t *out);
/* rpc_tx.c: gear_submitTransaction, dev_sendMessage, dev_uploadProgram */
json_t *gb_rpc_m_submit(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_dev_send(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_dev_upload(gb_rpc *r, json_t *params, gb_rpc_err *err);
/* rpc_query.c: gearbox_readState, gear_readState, gear_programInfo,
 * gear_codeInfo, gear_mailbox, gear_balance, system_accountNonce */
json_t *gb_rpc_m_read_state(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_gear_read_state(gb_rpc *r, json_t *params,
                                 gb_rpc_err *err);
json_t *gb_rpc_m_program_info(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_code_info(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_mailbox(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_balance(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_nonce(gb_rpc *r, json_t *params, gb_rpc_err *err);
/* rpc_blocks.c: chain_getHead, gearbox_getBlock, chain_getEvents */
json_t *gb_rpc_m_head(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_block(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_events(gb_rpc *r, json_t *params, gb_rpc_err *err);

/* Ask for a block soon (dev mode), as an accepted transaction does. */
void gb_rpc_nudge(gb_rpc *r);

/* rpc_gas.c: gearbox_calculateInitUploadGas, gearbox_calculateInitCreateGas,
 * gearbox_calculateHandleGas, gearbox_calculateReplyGas (rpc.h) */
json_t *gb_rpc_m_gas_upload(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_gas_create(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_gas_handle(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_gas_reply(gb_rpc *r, json_t *params, gb_rpc_err *err);
/* the same in Gear's shapes: gear_calculateGasFor{Upload,Create,Handle,
 * Reply} and their old names gear_calculate{InitUpload,...}Gas */
json_t *gb_rpc_m_gear_gas_upload(gb_rpc *r, json_t *params,
                                 gb_rpc_err *err);
json_t *gb_rpc_m_gear_gas_create(gb_rpc *r, json_t *params,
                                 gb_rpc_err *err);
json_t *gb_rpc_m_gear_gas_handle(gb_rpc *r, json_t *params,
                                 gb_rpc_err *err);
json_t *gb_rpc_m_gear_gas_reply(gb_rpc *r, json_t *params, gb_rpc_err *err);
/* rpc_gear.c: gear_calculateReplyForHandle, gear_readStateBatch,
 * gear_readMetahash */
json_t *gb_rpc_m_gear_reply_for_handle(gb_rpc *r, json_t *params,
                                       gb_rpc_err *err);
json_t *gb_rpc_m_gear_read_state_batch(gb_rpc *r, json_t *params,
                                       gb_rpc_err *err);
json_t *gb_rpc_m_gear_read_metahash(gb_rpc *r, json_t *params,
                                    gb_rpc_err *err);
/* Gear's error for a failed runtime call */
#define GB_RPC_GEAR_RUNTIME_ERROR 8000

/* rpc_substrate.c: the Substrate-shaped methods of the node's Vara face
 * (metadata, runtime version, system_*, rpc_methods;
 * docs/rpc.md) */
json_t *gb_rpc_m_state_get_metadata(gb_rpc *r, json_t *params,
                                    gb_rpc_err *err);
json_t *gb_rpc_m_state_call(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_state_runtime_version(gb_rpc *r, json_t *params,
                                       gb_rpc_err *err);
json_t *gb_rpc_m_state_sub_runtime_version(gb_rpc *r, json_t *params,
                                           gb_rpc_err *err);
json_t *gb_rpc_m_state_unsub_runtime_version(gb_rpc *r, json_t *params,
                                             gb_rpc_err *err);
json_t *gb_rpc_m_system_chain(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_system_name(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_system_version(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_system_properties(gb_rpc *r, json_t *params,
                                   gb_rpc_err *err);
json_t *gb_rpc_m_system_health(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_rpc_methods(gb_rpc *r, json_t *params, gb_rpc_err *err);

/* rpc_chain.c: Substrate's chain_* methods */
json_t *gb_rpc_m_chain_block_hash(gb_rpc *r, json_t *params,
                                  gb_rpc_err *err);
/* rpc_explore.c: the explorer's methods (gearbox_stats, gearbox_blocks,
 * gearbox_programs, ...; docs/rpc.md).  The method called name, and its
 * name from the static table in *out_name; NULL when there is none. */
typedef json_t *(*gb_rpc_method_fn)(gb_rpc *r, json_t *params,
                                    gb_rpc_err *err);
gb_rpc_method_fn gb_rpc_explore_method(const char *name,
                                       const char **out_name);
/* What the node remembers of recent blocks (node/explore.h).  Owned by r. */
struct gb_explore;
struct gb_explore *gb_rpc_explore(gb_rpc *r);
json_t *gb_rpc_m_chain_finalized_head(gb_rpc *r, json_t *params,
                                      gb_rpc_err *err);
json_t *gb_rpc_m_chain_header(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_chain_block(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_chain_sub_heads(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_chain_unsub_heads(gb_rpc *r, json_t *params,
                                   gb_rpc_err *err);
json_t *gb_rpc_m_chain_sub_finalized(gb_rpc *r, json_t *params,
                                     gb_rpc_err *err);
json_t *gb_rpc_m_chain_unsub_finalized(gb_rpc *r, json_t *params,
                                       gb_rpc_err *err);
/* rpc_storage.c: Substrate's storage reads */
json_t *gb_rpc_m_state_get_storage(gb_rpc *r, json_t *params,
                                   gb_rpc_err *err);
json_t *gb_rpc_m_state_query_storage_at(gb_rpc *r, json_t *params,
                                        gb_rpc_err *err);
json_t *gb_rpc_m_state_sub_storage(gb_rpc *r, json_t *params,
                                   gb_rpc_err *err);
json_t *gb_rpc_m_state_unsub_storage(gb_rpc *r, json_t *params,
                                     gb_rpc_err *err);
json_t *gb_rpc_m_state_keys_paged(gb_rpc *r, json_t *params,
                                  gb_rpc_err *err);
/* After a block: state_storage notifications of the changed keys. */
void gb_rpc_storage_note_block(gb_rpc *r);

/* rpc_author.c: author_submitExtrinsic, author_submitAndWatchExtrinsic,
 * author_unwatchExtrinsic, system_accountNextIndex */
json_t *gb_rpc_m_author_submit(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_author_submit_watch(gb_rpc *r, json_t *params,
                                     gb_rpc_err *err);
json_t *gb_rpc_m_author_unwatch(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_account_next_index(gb_rpc *r, json_t *params,
                                    gb_rpc_err *err);
/* state_call TransactionPaymentApi_query_info: data = the extrinsic (its
 * length first) ‖ u32 length; the SCALE RuntimeDispatchInfo in hex. */
json_t *gb_rpc_payment_query_info(gb_rpc *r, const uint8_t *data, size_t len,
                                  gb_rpc_err *err);
/* After a block: inBlock and finalized for the watched extrinsics it
 * carries (their subscriptions then end). */
void gb_rpc_author_note_block(gb_rpc *r);

/* After a block: the Substrate block made, the heads subscriptions
 * notified. */
gb_err gb_rpc_chain_note_block(gb_rpc *r, const gb_block_result *b);

/* rpc_history.c: the chain's identity and history */
json_t *gb_rpc_m_chain_info(gb_rpc *r, json_t *params, gb_rpc_err *err);
json_t *gb_rpc_m_trace_message(gb_rpc *r, json_t *params, gb_rpc_err *err);
/* rpc_dev.c: the dev node's controls (dev_mine, dev_setTime, ...;
 * docs/devnode.md).  The method called name, and its name from the
 * static table in *out_name; NULL when there is none. */
gb_rpc_method_fn gb_rpc_dev_method(const char *name, const char **out_name);
/* The name of dev method i; NULL past the end. */
const char *gb_rpc_dev_method_name(size_t i);
/* account is impersonated on this dev node: its transactions need no
 * valid signature. */
bool gb_rpc_impersonated(gb_rpc *r, gb_id account);
/* Submit body from an impersonated account, unsigned (err filled, and
 * NULL, when from is not impersonated or the chain refuses). */
json_t *gb_rpc_dev_submit_as(gb_rpc *r, gb_id from, const gb_tx_body *body,
                             gb_rpc_err *err);
/* rpc_tx.c: submit body from params' "from" (param 0): a dev account
 * name, signed with its key; or an impersonated account
 * (gb_rpc_dev_submit_as). */
json_t *gb_rpc_dev_submit(gb_rpc *r, json_t *params, gb_tx_body *body,
                          gb_rpc_err *err);
/* rpc_blocks.c: the chain was reverted (dev_revert): the kept blocks
 * above the head go, the Substrate blocks and the explorer's memory are
 * rebuilt from the store, and the head subscriptions hear of the new
 * head. */
void gb_rpc_reverted(gb_rpc *r);
/* rpc_chain.c: chain_newHead and chain_finalizedHead notifications of
 * the best block, to every subscription of them. */
void gb_rpc_chain_notify_best(gb_rpc *r);

#endif
