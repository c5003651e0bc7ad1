/*
 * gearbox testkit — a whole chain in-process, for testing programs in C.
 *
 * In the spirit of Gear's gtest and ICP's PocketIC: create a system, upload
 * programs, send messages as users, produce blocks one at a time (or until
 * nothing is left to do, or up to a height), then look at what happened:
 * the reply to any message a user sent, users' mailboxes, balances, the gas
 * a message burned, and every event of every block.
 *
 *   gb_tk *tk;
 *   gb_tk_new(NULL, &tk, NULL, 0);
 *   gb_tk_id ping, m;
 *   gb_tk_upload_program(tk, "ping.wasm", NULL, 0, &ping);
 *   gb_tk_send_str(tk, gb_tk_dev_account(0), ping, "PING", &m);
 *   gb_tk_run_until_idle(tk, 100, NULL);
 *   gb_tk_reply r = gb_tk_reply_of(tk, m);   // r.found, r.code, "PONG"
 *   gb_tk_free(tk);
 *
 * The system is a real chain (src/chain) over a real store in a temporary
 * directory (or one you name), deleted by gb_tk_free.  Nothing here is
 * simulated: blocks are produced, committed and hashed exactly as a node
 * does, so what passes here runs the same on a node.
 *
 * Errors: every function that can fail returns a gb_err (gearbox/err.h;
 * GB_OK = 0) and leaves a sentence saying why in gb_tk_detail().  Nothing
 * is queued or changed by a call that fails.
 *
 * Ownership: pointers passed in are borrowed for the call (the system
 * copies what it keeps).  Pointers handed out are either borrowed from the
 * system (said so, valid until gb_tk_free) or copies the caller frees with
 * the function named beside them.
 *
 * Threads: a gb_tk is used by one thread at a time; several systems in one
 * process are independent.
 *
 * This header is self-contained: it includes only gearbox/err.h and the C
 * standard headers.
 */
#ifndef GB_TESTKIT_H
#define GB_TESTKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- small types ---------------------------------------------------------- */

/* An actor (user or program), message or code id: 32 bytes. */
typedef struct gb_tk_id {
    uint8_t b[32];
} gb_tk_id;

/* A 128-bit amount (balances, values), as Gear's u128. */
typedef struct gb_tk_u128 {
    uint64_t lo, hi;
} gb_tk_u128;

static inline gb_tk_u128 gb_tk_u128_from(uint64_t v)
{
    gb_tk_u128 r = {v, 0};
    return r;
}

bool gb_tk_id_eq(gb_tk_id a, gb_tk_id b);
/* "0x" + 64 lowercase hex digits into out. */
void gb_tk_id_to_hex(gb_tk_id id, char out[67]);
/* 64 hex digits, "0x" optional; GB_INVAL otherwise. */
gb_err gb_tk_id_from_hex(const char *hex, gb_tk_id *out);
/* The code id of wasm bytes (BLAKE2b-256), as upload computes it. */
gb_tk_id gb_tk_code_id(const void *code, size_t len);

/*
 * Reply codes: Gear's 4 reply-code bytes read as a little-endian u32, so
 * GB_TK_REPLY_SUCCESS_MANUAL is the bytes 00 01 00 00.  The common ones;
 * gb_tk_reply_code_str() names any.
 */
#define GB_TK_REPLY_SUCCESS_AUTO 0x000000u
#define GB_TK_REPLY_SUCCESS_MANUAL 0x000100u
#define GB_TK_REPLY_RAN_OUT_OF_GAS 0x000001u
#define GB_TK_REPLY_MEMORY_OVERFLOW 0x010001u
#define GB_TK_REPLY_BACKEND_ERROR 0x020001u
#define GB_TK_REPLY_USERSPACE_PANIC 0x030001u
#define GB_TK_REPLY_UNREACHABLE 0x040001u
#define GB_TK_REPLY_STACK_LIMIT_EXCEEDED 0x050001u
#define GB_TK_REPLY_PROGRAM_EXITED 0x000201u
#define GB_TK_REPLY_INITIALIZATION_FAILURE 0x010201u
#define GB_TK_REPLY_PROGRAM_NOT_CREATED 0x030201u
#define GB_TK_REPLY_REMOVED_FROM_WAITLIST 0x000301u

/* "success (manual)", "error: execution: userspace panic", ...; never
 * NULL (static storage). */
const char *gb_tk_reply_code_str(uint32_t code);
/* The first byte is 0: a success. */
static inline bool gb_tk_reply_code_is_success(uint32_t code)
{
    return (code & 0xff) == 0;
}

/* ---- the system ---------------------------------------------------------- */

typedef struct gb_tk gb_tk;

typedef struct gb_tk_cfg {
    const char *data_dir;     /* NULL: a fresh temporary directory, deleted
                                 by gb_tk_free; else the chain in that
                                 directory (created, or reopened as left) */
    uint64_t block_gas_limit; /* gas allowance of a block (Vara's) */
    uint64_t block_time_ms;   /* a block's timestamp is its parent's +
                                 block_time_ms (unless set: see Time) */
    gb_tk_u128 dev_balance;   /* each dev account's balance at genesis */
    uint64_t default_gas;     /* gas limit of the _str / upload_program
                                 conveniences */
} gb_tk_cfg;

void gb_tk_cfg_default(gb_tk_cfg *cfg);

/*
 * Create a system: a chain at height 0 whose dev accounts are funded.
 * cfg NULL: defaults; cfg is copied (data_dir too).  On failure *out is
 * NULL and detail (optional) says why.
 */
gb_err gb_tk_new(const gb_tk_cfg *cfg, gb_tk **out, char *detail,
                 size_t detail_len);
/* Closes the chain, deletes a temporary directory, frees everything the
 * system handed out as borrowed.  NULL is a no-op. */
void gb_tk_free(gb_tk *tk);

/* Why the last call that failed failed ("" if none yet).  Borrowed: valid
 * until the next call on tk. */
const char *gb_tk_detail(const gb_tk *tk);

/*
 * The dev accounts: GB_TK_DEV_ACCOUNTS fixed users, the same in every
 * system, each funded at genesis with cfg.dev_balance.  Account 0 is the
 * default deployer (see gb_tk_set_deployer).  Account GB_TK_BANK_ACCOUNT
 * pays for gb_tk_fund: leave it to the harness.
 */
#define GB_TK_DEV_ACCOUNTS 8
#define GB_TK_BANK_ACCOUNT 7
gb_tk_id gb_tk_dev_account(uint32_t index);

/* The account that uploads code and creates programs (default: dev
 * account 0); it pays their gas and value. */
void gb_tk_set_deployer(gb_tk *tk, gb_tk_id account);

/*
 * Give amount to any account (new or not) or program (its balance), taken
 * from the bank account by a value transfer transaction.  Unlike the
 * other calls this one produces a block, so the value is there when it
 * returns; whatever else is pending runs in that block too, its events
 * recorded as usual.  Errors: GB_INVAL (the system actor), GB_INVALID (the
 * bank cannot pay).
 */
gb_err gb_tk_fund(gb_tk *tk, gb_tk_id account, gb_tk_u128 amount);

/* ---- transactions --------------------------------------------------------
 *
 * Each is checked against the state at once (an error says why) and
 * queued for the next block; nothing runs until a block is produced.
 */

/*
 * Upload wasm code; *out_code_id = its code id.  Uploading code that is
 * already there (or pending) is not an error: the same id comes back.
 * Errors: GB_INVALID with Gear's reason (floats, no memory import, unknown
 * import...), GB_IO (file).
 */
gb_err gb_tk_upload_code(gb_tk *tk, const uint8_t *code, size_t len,
                         gb_tk_id *out_code_id);
gb_err gb_tk_upload_code_file(gb_tk *tk, const char *path,
                              gb_tk_id *out_code_id);

/*
 * Create a program from uploaded code (pending uploads count), with its
 * init message: salt (may be NULL if salt_len is 0) makes the program id,
 * init_payload its init input, gas_limit and value what the init message
 * carries (paid by the deployer).  *out_program_id = the program id; its
 * init message's id, for gb_tk_reply_of, is gb_tk_init_message(tk, pid).
 * Errors: GB_INVALID (unknown code, id taken, not enough balance).
 */
gb_err gb_tk_create_program(gb_tk *tk, gb_tk_id code_id, const void *salt,
                            size_t salt_len, const void *init_payload,
                            size_t init_len, uint64_t gas_limit,
                            gb_tk_u128 value, gb_tk_id *out_program_id);

/* Upload a .wasm file and create a program from it with a salt unique in
 * this system (so one file may be instantiated many times), cfg
 * default_gas and no value.  The init runs in the next block. */
gb_err gb_tk_upload_program(gb_tk *tk, const char *path,
                            const void *init_payload, size_t init_len,
                            gb_tk_id *out_program_id);

/* The id of the init message of a program created through this system
 * (known from creation on, before its block; zero id if unknown). */
gb_tk_id gb_tk_init_message(const gb_tk *tk, gb_tk_id program_id);

/*
 * Send a message from user `from` (who pays value + gas) to program `to`.
 * *out_message_id (may be NULL) = the message id, for gb_tk_reply_of and
 * gb_tk_gas_burned.  Errors: GB_INVALID (unknown program, gas limit above
 * the block's, not enough balance).
 */
gb_err gb_tk_send(gb_tk *tk, gb_tk_id from, gb_tk_id to, const void *payload,
                  size_t len, uint64_t gas_limit, gb_tk_u128 value,
                  gb_tk_id *out_message_id);
/* gb_tk_send of a text (strlen bytes, no NUL), cfg default_gas, no value. */
gb_err gb_tk_send_str(gb_tk *tk, gb_tk_id from, gb_tk_id to,
                      const char *text, gb_tk_id *out_message_id);

/*
 * Reply, as user `from`, to message mail_id in from's mailbox; the
 * message leaves the mailbox and its value goes to from.
 * *out_message_id (may be NULL) = the reply's message id.  Errors:
 * GB_INVALID (no such message in from's mailbox, not enough balance).
 */
gb_err gb_tk_send_reply(gb_tk *tk, gb_tk_id from, gb_tk_id mail_id,
                        const void *payload, size_t len, uint64_t gas_limit,
                        gb_tk_u128 value, gb_tk_id *out_message_id);
/* Take the value of message mail_id out of from's mailbox (the message
 * leaves the mailbox; no reply is sent).  Errors: GB_INVALID. */
gb_err gb_tk_claim_value(gb_tk *tk, gb_tk_id from, gb_tk_id mail_id);

/* ---- blocks and time ----------------------------------------------------- */

typedef struct gb_tk_block {
    uint32_t height;
    uint64_t timestamp;     /* ms */
    uint32_t dispatched;    /* messages processed in the block */
    uint64_t gas_used;
    uint32_t queued_left;   /* still in the queue after it */
    uint8_t state_root[32];
} gb_tk_block;

/* Produce and commit one block; record its events.  out may be NULL. */
gb_err gb_tk_run_next_block(gb_tk *tk, gb_tk_block *out);

/*
 * Produce blocks until nothing is pending (queue, delayed messages,
 * waitlist, pending transactions), at most max_blocks of them.
 * *out_blocks (may be NULL) = how many were produced.  GB_LIMIT if work
 * was still pending after max_blocks (a message waiting for ever, say).
 */
gb_err gb_tk_run_until_idle(gb_tk *tk, uint32_t max_blocks,
                            uint32_t *out_blocks);

/* Produce blocks until the chain is at height (nothing if it is there or
 * past it). */
gb_err gb_tk_run_to_height(gb_tk *tk, uint32_t height);

/*
 * Time.  A block's timestamp is its parent's + cfg.block_time_ms, unless
 * given: every block is produced at a timestamp later than its parent's.
 *   gb_tk_run_to_timestamp: ordinary blocks until the last block's
 *     timestamp is >= ts_ms (GB_UNSUPPORTED when block_time_ms is 0 and
 *     ts_ms is ahead);
 *   gb_tk_advance_time: ordinary blocks while they stay short of the last
 *     block's timestamp + ms, then one block at exactly that (ms 0: no
 *     block);
 *   gb_tk_set_timestamp: one block at exactly ts_ms, a jump without the
 *     blocks in between (block heights, which delays and waits count,
 *     advance by one); GB_INVALID unless ts_ms is later than the last
 *     block's timestamp.  (Before the chain took explicit timestamps this
 *     ran ordinary blocks to ts_ms and refused other values with
 *     GB_UNSUPPORTED.)
 */
gb_err gb_tk_run_to_timestamp(gb_tk *tk, uint64_t ts_ms);
gb_err gb_tk_advance_time(gb_tk *tk, uint64_t ms);
gb_err gb_tk_set_timestamp(gb_tk *tk, uint64_t ts_ms);

uint32_t gb_tk_height(const gb_tk *tk);
/* The last block's timestamp (0 at genesis). */
uint64_t gb_tk_timestamp(const gb_tk *tk);
/* Messages still pending (see gb_tk_run_until_idle). */
uint64_t gb_tk_pending(gb_tk *tk);

/* ---- what happened ------------------------------------------------------- */

/*
 * The reply to message_id, if one reached a user (the harness keeps every
 * reply to a user that it has seen, by the message replied to).  found is
 * false while there is none (not processed yet, waiting, or the message
 * was sent by a program and its reply went to that program).
 */
typedef struct gb_tk_reply {
    bool found;
    gb_tk_id id;            /* the reply's own message id */
    gb_tk_id source;        /* the program that replied */
    gb_tk_id destination;   /* the user */
    uint32_t code;          /* GB_TK_REPLY_*: bytes as little-endian u32 */
    uint8_t code_bytes[4];
    const uint8_t *payload; /* borrowed: valid until gb_tk_free */
    size_t payload_len;
    gb_tk_u128 value;
    uint32_t height;        /* the block it came in */
} gb_tk_reply;

gb_tk_reply gb_tk_reply_of(const gb_tk *tk, gb_tk_id message_id);

/* The reply's payload equals text (strlen bytes). */
bool gb_tk_reply_is(const gb_tk_reply *r, uint32_t code, const char *text);

/* A message in a user's mailbox. */
typedef struct gb_tk_mail {
    gb_tk_id id;
    gb_tk_id source;
    gb_tk_id destination;
    uint8_t *payload;       /* owned by the list */
    size_t payload_len;
    gb_tk_u128 value;
    bool is_reply;          /* a reply carrying value */
    uint32_t reply_code;
    uint32_t height;        /* the block it arrived in */
} gb_tk_mail;

/*
 * user's mailbox as of the last block (the chain's own, gb_chain_mailbox):
 * a reply or claim takes a message out when its block runs.  Oldest first
 * (by the block it arrived in, then by id).  *out: a copy the caller frees
 * with gb_tk_mail_free (NULL when *out_n is 0).
 */
gb_err gb_tk_mailbox(gb_tk *tk, gb_tk_id user, gb_tk_mail **out,
                     size_t *out_n);
void gb_tk_mail_free(gb_tk_mail *mail, size_t n);

/* The balance of a user or program. */
gb_tk_u128 gb_tk_balance(gb_tk *tk, gb_tk_id id);

/* The fee every transaction pays from its sender's balance when its block
 * applies it (burned; docs/security.md): a base fee plus a fee per byte,
 * here of a transaction carrying bytes bytes of code, salt and payload
 * together. */
gb_tk_u128 gb_tk_tx_fee(gb_tk *tk, uint32_t bytes);

/* What one gas costs in value (Vara's GasMultiplier): a message reserves
 * value + gas_limit * GB_TK_VALUE_PER_GAS from its sender, and the gas
 * it did not burn comes back at the same rate. */
#define GB_TK_VALUE_PER_GAS 100u

/* Gas burned by all runs of message_id (more than one if it waited and
 * was woken).  GB_NOT_FOUND if it has not run. */
gb_err gb_tk_gas_burned(const gb_tk *tk, gb_tk_id message_id,
                        uint64_t *out_gas);

/*
 * Run program's `state` export with payload as a read-only query against
 * the last block's state and give its reply (Gear's gear_readState):
 * nothing changes (no block, no gas paid, the state root stays).  *out:
 * found, source = program, the reply code (an error code when the run
 * failed, gb_tk_detail then saying why), payload (borrowed: valid until
 * gb_tk_free), height = the chain's height; id and destination zero.
 * Errors (*out zeroed): GB_NOT_FOUND (not a program), GB_INVALID (not
 * initialised, exited, init failed, or no `state` export).
 */
gb_err gb_tk_read_state(gb_tk *tk, gb_tk_id program, const void *payload,
                        size_t len, gb_tk_reply *out);

/* ---- events ----------------------------------------------------------- */

typedef enum gb_tk_event_kind {
    GB_TK_EV_CODE_UPLOADED,   /* id = code id */
    GB_TK_EV_PROGRAM_CREATED, /* id = program id, source = creator */
    GB_TK_EV_MESSAGE_QUEUED,  /* id = message id (user transactions) */
    GB_TK_EV_DISPATCHED,      /* id = message id; outcome, gas_burned */
    GB_TK_EV_USER_MESSAGE,    /* a message or reply reached a user */
    GB_TK_EV_PROGRAM_EXITED,
    GB_TK_EV_INIT_FAILED,
    GB_TK_EV_WAITED,
    GB_TK_EV_WOKEN,
    GB_TK_EV_TRANSFER,        /* id = the transfer's id, source, destination,
                                 value */
    GB_TK_EV_MAILBOX_READ,    /* a mailbox message left the mailbox: id =
                                 message id, source = the user, destination =
                                 its sender; outcome holds the reason
                                 (0 claimed, 1 replied, 2 expired) */
} gb_tk_event_kind;

typedef enum gb_tk_outcome {
    GB_TK_OUTCOME_SUCCESS,
    GB_TK_OUTCOME_SKIPPED,  /* no such export: counts as success */
    GB_TK_OUTCOME_FAILED,   /* trap, panic, out of gas or memory */
    GB_TK_OUTCOME_WAIT,
    GB_TK_OUTCOME_EXIT,
} gb_tk_outcome;

typedef struct gb_tk_event {
    gb_tk_event_kind kind;
    uint32_t height;        /* the block */
    gb_tk_id id;
    gb_tk_id source, destination;
    gb_tk_outcome outcome;  /* DISPATCHED */
    uint64_t gas_burned;    /* DISPATCHED */
    bool is_reply;          /* USER_MESSAGE */
    gb_tk_id reply_to;      /* USER_MESSAGE replies */
    uint32_t reply_code;    /* USER_MESSAGE replies */
    uint8_t *payload;       /* USER_MESSAGE; owned by the array */
    size_t payload_len;
    gb_tk_u128 value;
    char *debug;            /* DISPATCHED: what gr_debug printed, or NULL;
                               owned by the array */
} gb_tk_event;

/*
 * The events of the blocks produced since the last call (or since the
 * system was created), in order.  *out: moved to the caller, who frees it
 * with gb_tk_events_free (NULL when *out_n is 0).
 */
gb_err gb_tk_take_events(gb_tk *tk, gb_tk_event **out, size_t *out_n);
void gb_tk_events_free(gb_tk_event *ev, size_t n);

/* ---- snapshots ------------------------------------------------------------
 *
 * Branch a test from a prepared state: gb_tk_snapshot copies the system
 * (the chain's whole store as of its last block, and what the harness
 * knows of messages, replies and programs) into a snapshot that lives
 * until gb_tk_snapshot_free; gb_tk_restore puts tk back to it (any number
 * of times; events not yet taken are dropped); gb_tk_fork makes a new,
 * independent system from it (freed with gb_tk_free; its chain in a new
 * temporary directory).  A snapshot is taken between blocks: with
 * transactions waiting for a block it is refused (GB_INVALID; run a block
 * first).  The copy is LMDB's compacted copy of the store, on disk beside
 * the chain's (no fsync): its cost grows with the state, not the history
 * of messages.
 */
typedef struct gb_tk_snap gb_tk_snap;

gb_err gb_tk_snapshot(gb_tk *tk, gb_tk_snap **out);
gb_err gb_tk_restore(gb_tk *tk, const gb_tk_snap *snap);
gb_err gb_tk_fork(const gb_tk_snap *snap, gb_tk **out);
void gb_tk_snapshot_free(gb_tk_snap *snap);

#ifdef __cplusplus
}
#endif
#endif
