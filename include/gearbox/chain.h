/*
 * gearbox chain — the whole chain embedded in another program: a store
 * (LMDB, in a directory), transactions, blocks.
 *
 * This is the public face of gearbox's chain (src/chain/chain.h, which
 * the node, the CLI and the test harness use): a chain opened on a
 * directory, transactions submitted by any 32-byte account, blocks
 * produced one at a time, and what reached users read from each block.
 * The dev accounts (gb_chain_dev_account) are funded at genesis.
 *
 *   gb_chain *c;
 *   gb_chain_options o = {.data_dir = "/var/lib/mychain"};
 *   gb_chain_open_with(&o, &c, NULL, 0);
 *   uint8_t alice[32], code[32], prog[32], init[32];
 *   gb_chain_dev_account(0, alice);
 *   gb_chain_upload_code(c, alice, wasm, wasm_len, code, NULL, 0);
 *   gb_chain_create_program(c, alice, code, NULL, 0, NULL, 0,
 *                           10000000000, (gb_chain_value){0}, prog, init,
 *                           NULL, 0);
 *   gb_chain_block b;
 *   gb_chain_produce(c, &b);   // b.user_msgs: the init's reply, ...
 *   gb_chain_block_free(&b);
 *   gb_chain_close(c);
 *
 * A block is a function of the state before it and its inputs (the
 * transactions, in submission order, and its timestamp): the same inputs
 * give the same blocks, state roots and results on any machine, with any
 * number of threads.
 *
 * Errors: functions that can fail return a gb_err (gearbox/err.h; GB_OK
 * = 0); those taking detail (may be NULL) write a sentence there
 * (NUL-terminated when detail_len > 0).  A refused transaction (GB_INVALID
 * with the chain's reason: code rejected, no balance for the fee, value
 * and gas, unknown program...) is not queued and changes nothing.  A
 * block that fails (GB_IO, GB_NOMEM) is not committed: the chain stays at
 * the block before, its pending transactions pending.
 *
 * Ownership: pointers passed in are borrowed for the call.  A block's
 * buffers belong to the caller until gb_chain_block_free.
 *
 * Threads: one thread produces blocks; others may submit and query at the
 * same time (each query reads the last committed block).
 *
 * This header is self-contained: it includes only gearbox/err.h and the
 * C standard headers.
 */
#ifndef GB_GEARBOX_CHAIN_H
#define GB_GEARBOX_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- opening ----------------------------------------------------------- */

typedef struct gb_chain gb_chain;

/* A 128-bit amount (balances, values), as Gear's u128. */
typedef struct gb_chain_value {
    uint64_t lo, hi;
} gb_chain_value;

/* What the embedder chooses; zero fields take the defaults. */
typedef struct gb_chain_options {
    const char *data_dir;   /* the store: created when absent, else its
                               chain continues; NULL: a temporary
                               directory, deleted by gb_chain_close */
    unsigned threads;       /* threads running a block's messages
                               (results do not depend on it); 0: one per
                               core */
    uint64_t block_time_ms; /* a block's timestamp is the parent's + this;
                               0: 3000 */
    bool nosync;            /* commit without fsync (tests: a crash may
                               lose the last blocks) */
} gb_chain_options;

/*
 * Open the chain in opts->data_dir (borrowed for the chain's life), or
 * create it there with its genesis; opts NULL: all defaults.  Errors,
 * with a detail (nothing stays open, *out is NULL): GB_BUSY (the
 * directory is open in another gb_chain or process), GB_IO (it cannot be
 * used), GB_MALFORMED (not a gearbox store, or a damaged one), GB_NOMEM.
 */
gb_err gb_chain_open_with(const gb_chain_options *opts, gb_chain **out,
                          char *detail, size_t detail_len);

/* Closes c (NULL: nothing): the pending transactions are dropped; a
 * temporary store is removed.  No other call on c may be running or
 * follow. */
void gb_chain_close(gb_chain *c);

/* Dev account i's id (32 bytes), derived from i alone: its keys are
 * public, for development.  Accounts 0 to 7 are funded at genesis with
 * 1,000,000 VARA each. */
void gb_chain_dev_account(uint32_t i, uint8_t out[32]);

/* ---- transactions ------------------------------------------------------ */

/*
 * Each checks the transaction against the last committed block and the
 * transactions pending, and queues it for the next block.  sender is the
 * account that pays (the chain checks no signature: a node does before it
 * submits).  The fee, the value and the gas (at Vara's value per gas) are
 * reserved from the sender's balance when the block applies it.
 * Errors (nothing queued): GB_INVALID with a detail; GB_NOMEM.
 */

/* Upload code (wasm, len bytes); *out_code_id: its code id. */
gb_err gb_chain_upload_code(gb_chain *c, const uint8_t sender[32],
                            const uint8_t *wasm, size_t len,
                            uint8_t out_code_id[32], char *detail,
                            size_t detail_len);

/* Create a program of uploaded code code_id with salt and an init
 * message (payload, gas_limit, value).  *out_program: the program's id;
 * *out_init (may be NULL): the init message's id. */
gb_err gb_chain_create_program(gb_chain *c, const uint8_t sender[32],
                               const uint8_t code_id[32],
                               const uint8_t *salt, size_t salt_len,
                               const uint8_t *payload, size_t payload_len,
                               uint64_t gas_limit, gb_chain_value value,
                               uint8_t out_program[32], uint8_t *out_init,
                               char *detail, size_t detail_len);

/* Send a message to program destination; *out_msg: its id. */
gb_err gb_chain_send_message(gb_chain *c, const uint8_t sender[32],
                             const uint8_t destination[32],
                             const uint8_t *payload, size_t payload_len,
                             uint64_t gas_limit, gb_chain_value value,
                             uint8_t out_msg[32], char *detail,
                             size_t detail_len);

/* ---- blocks -------------------------------------------------------------- */

/* A message (or reply) that reached a user in a block. */
typedef struct gb_chain_user_msg {
    uint8_t id[32];
    uint8_t source[32];      /* the program that sent it */
    uint8_t destination[32]; /* the user */
    uint8_t *payload;        /* payload_len bytes (owned by the block) */
    size_t payload_len;
    gb_chain_value value;
    bool is_reply;
    uint8_t reply_to[32];    /* replies: the message replied to */
    uint8_t reply_code[4];   /* replies: Gear's reply code bytes */
} gb_chain_user_msg;

/* A block produced. */
typedef struct gb_chain_block {
    uint32_t height;
    uint64_t timestamp;       /* milliseconds */
    uint8_t hash[32];
    uint8_t state_root[32];
    uint32_t transactions;    /* applied */
    uint32_t dispatched;      /* messages processed */
    uint64_t gas_used;
    uint32_t queued_left;     /* messages still queued after it */
    gb_chain_user_msg *user_msgs; /* nuser_msgs, in order (owned) */
    uint32_t nuser_msgs;
} gb_chain_block;

/*
 * Produce and commit the next block: the pending transactions, the tasks
 * due, then the queue while the block's gas lasts.  *out is filled (free
 * it with gb_chain_block_free, whatever this returns).  Errors: GB_IO,
 * GB_NOMEM — nothing committed, except for a GB_NOMEM in making *out
 * after the commit (gb_chain_height tells).
 */
gb_err gb_chain_produce(gb_chain *c, gb_chain_block *out);
/* Frees what b owns (b itself is the caller's). */
void gb_chain_block_free(gb_chain_block *b);

/* ---- queries (the last committed block) ----------------------------------- */

/* The height of the last committed block (0: genesis). */
uint32_t gb_chain_height(gb_chain *c);
/* Messages in the queue or held for later blocks (delays, waits), and
 * transactions waiting for a block: 0 when there is nothing left to do. */
uint64_t gb_chain_pending(gb_chain *c);
/* The state root of the last committed block (equal roots: equal
 * states).  GB_IO (out zeroed: no root) when the store cannot be read. */
gb_err gb_chain_state_root(gb_chain *c, uint8_t out[32]);
/* The balance of account or program id (zero: none).  GB_IO. */
gb_err gb_chain_balance_of(gb_chain *c, const uint8_t id[32],
                           gb_chain_value *out);

#ifdef __cplusplus
}
#endif

#endif
