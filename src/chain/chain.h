/*
 * The chain: blocks of transactions and queued messages over the durable
 * store.
 *
 * A block is produced in this order: the pending transactions (upload
 * code, create program, send message, send reply, claim value, transfer,
 * the voucher calls), then the
 * tasks due at this height (delayed messages, wake-ups, expiries), then
 * the message queue, while the block's gas allowance lasts.  Each dispatch
 * runs in the processor (src/gear/process.h); its journal is applied to the
 * block's write transaction: pages, allocations, messages to programs
 * (queued), messages and replies to users (their mailbox, and an event),
 * waits, wakes, program creation, exit.  The block commits in one LMDB
 * transaction with its header; a crash leaves the last committed block.
 *
 * Everything that reaches the state is a pure function of the previous
 * state and the block's inputs (height, timestamp, seed, transactions):
 * the same inputs give the same state root on every machine.
 *
 * Queue order: dispatches run in queue order while the allowance lasts; one
 * whose gas limit does not fit what is left is skipped, and so is every
 * later dispatch of the same (source, destination) pair in that block, so
 * the order of one sender's messages to one destination holds while other
 * programs' messages go on (no head-of-line blocking).  Handle messages to
 * a program whose init has not ended stay queued, in order, until it has;
 * when init fails they get InitializationFailure (01 02 01 00).  Messages
 * to an exited program get ProgramExited (01 02 00 00, payload = the
 * inheritor); the init message of a program that could not be created
 * (unknown code id, id taken) gets ProgramNotCreated (01 02 03 00).  A
 * program's message to an id that is not a program goes to that user's
 * mailbox (Gear: every id that is not a program is a user).
 *
 * Gas as Gear moves it, and where this differs (docs/gas.md; chain_apply.c
 * for the details): gas given with a message comes out of the sender's own
 * gas; an automatic reply carries none (a reply deposit pays for it); a
 * system reservation pays for the signal a failed message sends its
 * program.  Gas is kept in Gear's gas tree (chain/gas_tree.c): messages
 * sent without a gas limit draw on one pool with their sender.  Waiting
 * costs GB_CHAIN_WAITLIST_RENT gas per block; a message to a user with
 * at least the mailbox threshold of gas is held in the mailbox for as
 * long as that gas pays its rent (docs/gas.md), others are not stored.
 * Claiming a mailbox message sends no auto-reply.  Gas reservations are kept per program until they expire
 * (their gas then goes back to the account that paid for the message that
 * made them), are unreserved (likewise) or pay for a message; a reply
 * deposit travels with its message and becomes the gas of its reply; a
 * system reservation is held with its message and refunded when the
 * message is done, or becomes its signal's gas (chain_apply.c).  Pending transactions live in memory
 * (a mempool) and, with cfg.persist_pool, in a log beside the store
 * (pool_log.h) from which gb_chain_open pends them again; without it
 * gb_chain_close drops them.
 *
 * Threads.  One thread produces blocks (one block at a time); any others
 * may at the same time submit (gb_chain_submit*, gb_chain_nonce), query
 * (every function that reads "the last committed block", in a snapshot of
 * its own) and make read-only calls and gas estimates (gb_chain_read_state,
 * gb_chain_calculate_gas*: one at a time, on a processor of their own).  A
 * transaction submitted while a block is under way goes into the next one
 * (its ids say so).  Gas estimates hold the store's one write transaction
 * while they run, so a block waits for one to end (they are bounded by
 * cfg.call_time_ms) and one waits for a block.  gb_chain_open and
 * gb_chain_close are not concurrent with anything.
 *
 * Errors.  Every function that can fail returns a gb_err (gearbox/err.h);
 * those with a detail buffer write a NUL-terminated reason into it
 * (truncated to its length; detail may be NULL).  Besides the codes each
 * function lists, any that reads or writes the store may return the
 * store's (state/db.h): GB_IO, GB_NOSPACE (the disk is full), GB_STORE_FULL
 * (the map size is reached), GB_MALFORMED (a record that does not decode),
 * and GB_NOMEM.  A failure leaves the chain as it was before the call: a
 * block that fails is aborted whole (no partial block is ever committed;
 * its pending transactions stay pending, the head does not move); a
 * submit that fails pends nothing and reserves nothing; reads change
 * nothing.  Only gb_chain_close is left after GB_IO or GB_NOSPACE when the
 * store says it is unusable (state/db.h).
 *
 * Ownership.  Inputs (cfg, tx and its buffers, ids, paths) are borrowed
 * for the call, except cfg's strings, borrowed for the chain's life.
 * Results a function allocates (a block result's events, mailbox lists,
 * payloads, input records) are the caller's, freed with the function
 * named beside them (gb_block_result_free, gb_chain_mail_free, free).
 * Out-pointers are written only on success unless a function says
 * otherwise.
 */
#ifndef GB_CHAIN_CHAIN_H
#define GB_CHAIN_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/devkeys.h" /* GB_DEV_ACCOUNTS, gb_dev_account_id */
#include "gearbox/chain.h" /* the public face: gb_chain, gb_chain_close,
                              gb_chain_height, gb_chain_pending,
                              gb_chain_state_root (declared there once),
                              and what embedders use (chain_api.c) */
#include "gear/gas.h" /* GB_GEAR_VALUE_PER_GAS */
#include "gear/ids.h"
#include "gear/process.h"
#include "state/db.h" /* gb_block_header */
#include "util/u128.h"

/* gb_chain: gearbox/chain.h */

/* The default bound of the code cache (cfg.code_cache_bytes). */
#define GB_CHAIN_CODE_CACHE_BYTES (256ull << 20)

typedef struct gb_chain_cfg {
    const char *data_dir;      /* NULL: a temporary directory */
    uint64_t block_gas_limit;  /* gas allowance of a block */
    uint64_t block_time_ms;    /* timestamps advance by this per block */
    gb_u128 initial_balance;   /* given to each dev account at genesis */
    bool nosync;               /* commits without fsync (tests) */
    uint64_t estimate_gas_limit; /* the most gas a gas estimate's dry run
                                    may use (gb_chain_calculate_gas; it
                                    runs on the caller's thread: a node
                                    must not stall on one: bound it in
                                    time with call_time_ms); 0: the
                                    block gas limit, as Gear's estimate
                                    (which starts from BlockGasLimit);
                                    never more than it */
    unsigned threads;          /* worker threads running dispatches to
                                  different programs at once (see
                                  docs/parallel.md); 0: one per core.
                                  The state never depends on it. */
    bool persist_pool;         /* keep the pending transactions in
                                  data_dir/pool.log (gb_chain_pool_sync
                                  makes them durable) and pend them again
                                  on open; needs data_dir */
    uint64_t call_time_ms;     /* wall-clock limit of one read-only call
                                  or gas estimate (GB_LIMIT past it, the
                                  detail says so); 0: none */
    uint64_t block_budget_ms;  /* wall-clock time after which a block
                                  starts no more dispatches (what is left
                                  stays queued, as past the gas
                                  allowance; one wave at least runs);
                                  0: none.  A block's contents then depend
                                  on the machine's speed: for a node's
                                  liveness, not for tests of determinism */
    uint64_t tx_base_fee;      /* value every transaction pays (see
                                  gb_chain_tx_fee); default
                                  GB_CHAIN_TX_BASE_FEE */
    uint64_t tx_byte_fee;      /* value per byte of a transaction's code,
                                  salt and payload; default
                                  GB_CHAIN_TX_BYTE_FEE */
    uint64_t code_cache_bytes; /* the most prepared code kept in memory
                                  between blocks (gear/code_cache.h);
                                  0: GB_CHAIN_CODE_CACHE_BYTES */
    bool substrate_dev_accounts; /* a new chain's genesis also funds
                                    Substrate's dev accounts //Alice ..
                                    //Ferdie (their sr25519 public keys,
                                    util/sr25519.h) with initial_balance
                                    each, as Vara's dev chain does */
    const char *temp_parent;   /* where temporary directories are made
                                  (a NULL data_dir, gb_chain_replay's
                                  scratch store): a caller passes $TMPDIR
                                  (the library reads no environment);
                                  NULL: /tmp.  Borrowed for the chain's
                                  life. */
    uint8_t wasm_tier;         /* gb_wasm_tier programs run in; the state
                                  never depends on it (GB_TIER_INTERP
                                  forces the interpreter) */
} gb_chain_cfg;

/* cfg = the defaults: a temporary store, Vara's block gas limit, 3 s
 * blocks, 1M VARA per dev account, the default fees and code cache. */
void gb_chain_cfg_default(gb_chain_cfg *cfg);

/*
 * Opens the chain in cfg->data_dir (created when missing; NULL: a
 * temporary store under cfg->temp_parent, removed by gb_chain_close): an
 * empty store gets its genesis (the dev accounts funded), an existing one
 * continues from its head; with cfg->persist_pool the pending
 * transactions of the pool log are pended again.  cfg is copied (its
 * strings are borrowed for the chain's life).  Errors, with a detail:
 * GB_BUSY (the directory is open in another gb_chain or process: the
 * detail names its pid), GB_OVERFLOW (the dev accounts' balances sum over
 * 2^128), GB_MALFORMED (a head without its block header), GB_INVAL, and
 * the store's.  On failure nothing stays open and *out is NULL.  *out is
 * the caller's: gb_chain_close.
 */
gb_err gb_chain_open(const gb_chain_cfg *cfg, gb_chain **out, char *detail,
                     size_t detail_len);
/* gb_chain_close (gearbox/chain.h): the pending transactions not in the
 * pool log are dropped. */

/* ---- transactions --------------------------------------------------------- */

typedef enum gb_tx_kind {
    GB_TX_UPLOAD_CODE,
    GB_TX_CREATE_PROGRAM, /* from an uploaded code id */
    GB_TX_SEND_MESSAGE,
    GB_TX_SEND_REPLY,     /* to a message in the sender's mailbox */
    GB_TX_CLAIM_VALUE,    /* of a message in the sender's mailbox */
    GB_TX_TRANSFER,       /* value from the sender's account to
                             destination: a user account (created if new)
                             or a program (credited to its balance; an
                             exited program's goes on to its inheritor).
                             No gas: gas_limit must be 0. */
    /* Vara's GearVoucher pallet (see "vouchers" below) */
    GB_TX_VOUCHER_ISSUE,  /* sender = owner, destination = spender,
                             value = the voucher's balance, payload =
                             gb_chain_voucher_issue_args */
    GB_TX_VOUCHER_UPDATE, /* sender = owner, destination = spender,
                             voucher, value = the balance top-up (0:
                             none), payload = gb_chain_voucher_update_args */
    GB_TX_VOUCHER_REVOKE, /* sender = owner, destination = spender,
                             voucher */
    GB_TX_VOUCHER_DECLINE, /* sender = spender, voucher */
} gb_tx_kind;

/* A transaction as the chain sees it (signatures are checked before, in
 * the node).  Borrowed for the call. */
typedef struct gb_tx {
    gb_tx_kind kind;
    gb_id sender;
    gb_id fee_payer;       /* who pays the fee (gb_chain_tx_fee): zero =
                              the sender.  Another account only for
                              UPLOAD_CODE (the node's upload_program
                              submits its code part as the zero account,
                              paid for by the signer), or a voucher
                              (a prepaid call: below) */
    gb_id voucher;         /* the VOUCHER_* kinds: the voucher acted on.
                              A prepaid call (Vara's GearVoucher.call):
                              voucher = fee_payer = a voucher of the
                              sender's, which pays the fee and the gas
                              (SEND_MESSAGE, SEND_REPLY, UPLOAD_CODE,
                              VOUCHER_DECLINE) */
    const uint8_t *code;   /* UPLOAD_CODE */
    uint32_t code_len;
    gb_id code_id;         /* CREATE_PROGRAM */
    const uint8_t *salt;   /* CREATE_PROGRAM */
    uint32_t salt_len;
    gb_id destination;     /* SEND_MESSAGE: program; SEND_REPLY / CLAIM:
                              the mailbox message id; TRANSFER: the
                              account or program credited */
    const uint8_t *payload;
    uint32_t payload_len;
    uint64_t gas_limit;
    gb_u128 value;
} gb_tx;

/* With cfg.persist_pool: make every transaction accepted so far durable
 * (one fdatasync for all of them: call it once per request, before
 * answering).  GB_IO when the disk refuses.  Without: GB_OK. */
gb_err gb_chain_pool_sync(gb_chain *c);

/*
 * Check a transaction against the current state and queue it for the next
 * block.  *out_id: the message id it will create (the code id for
 * UPLOAD_CODE, the program id for CREATE_PROGRAM).  Errors (nothing is
 * queued): GB_INVALID with a detail (code rejected, unknown program,
 * not enough balance, no such mailbox message...).  Refused among them:
 * a payer with no balance at all ("no balance to pay the transaction
 * fee"), or too little for the fee + value + gas of this and its other
 * pending transactions; a message or program creation with gas limit 0
 * ("gas limit 0: ..."; it could not run, and would only leave an error
 * reply behind).
 */
gb_err gb_chain_submit(gb_chain *c, const gb_tx *tx, gb_id *out_id,
                       char *detail, size_t detail_len);

/*
 * gb_chain_submit giving both ids: also *out_msg_id (may be NULL), the
 * id of the message the transaction queues when its block applies it — the init
 * message for CREATE_PROGRAM, the message for SEND_MESSAGE (= *out_id),
 * the reply for SEND_REPLY (= *out_id); zero for UPLOAD_CODE, CLAIM_VALUE
 * and TRANSFER, which queue none.  For TRANSFER (and the VOUCHER_*
 * kinds) *out_id is the
 * transaction's id (gb_message_id_external of its block, sender and
 * nonce, as a message would have), the id of its GB_EV_TRANSFER event.
 */
gb_err gb_chain_submit_ids(gb_chain *c, const gb_tx *tx, gb_id *out_id,
                           gb_id *out_msg_id, char *detail,
                           size_t detail_len);

/*
 * The nonce the chain gives the next transaction from account: the number
 * of transactions from it that blocks have applied (each applied one
 * counts, also one dropped at apply time because the state changed since
 * submit — its nonce is spent) plus the number of its transactions now
 * pending (accepted by submit, not yet in a block).  Transactions refused
 * by submit do not count.  A message's id is derived from it
 * (gb_message_id_external(next height, sender, nonce, 0)).
 */
uint64_t gb_chain_nonce(gb_chain *c, gb_id account);
/* gb_chain_nonce, saying when the store could not be read (GB_IO,
 * GB_NOMEM; gb_chain_nonce then counts the pending ones only). */
gb_err gb_chain_nonce_get(gb_chain *c, gb_id account, uint64_t *out);

/* ---- transaction fees ----------------------------------------------------
 *
 * Every transaction pays a fee, so that filling the mempool, the store and
 * the code cache costs value (docs/security.md):
 *
 *   fee = cfg.tx_base_fee + cfg.tx_byte_fee * (code_len + salt_len +
 *                                              payload_len)
 *
 * paid by the payer (tx->fee_payer, or the sender) when its block applies
 * it, together with the value and gas it reserves, and burned: it is
 * counted in gb_chain_totals.fees.  Submit refuses a transaction whose
 * payer cannot pay it (with those of its pending transactions); a
 * transaction dropped at apply time (the state changed since submit) pays
 * nothing.  The defaults: 0.01 VARA a transaction (Vara's units: 1 VARA =
 * 10^12) and 10^7 a byte (1 KiB about 0.01 VARA, the largest code,
 * 512 KiB, about 5.2 VARA).  The fee is this one function: a change to
 * the fee model (weights, a multiplier) belongs in it.
 */
#define GB_CHAIN_TX_BASE_FEE 10000000000ull /* 0.01 VARA */
#define GB_CHAIN_TX_BYTE_FEE 10000000ull    /* 10^-5 VARA a byte */

/* The fee tx pays on a chain configured with cfg: exact (a u64 times a
 * sum of three u32 lengths, plus a u64, never wraps in 128 bits). */
gb_u128 gb_chain_tx_fee(const gb_chain_cfg *cfg, const gb_tx *tx);

/* The configuration c was opened with (borrowed, valid until close). */
const gb_chain_cfg *gb_chain_config(const gb_chain *c);

/* ---- blocks and events ------------------------------------------------- */

typedef enum gb_event_kind {
    GB_EV_CODE_UPLOADED,     /* id = code id */
    GB_EV_PROGRAM_CREATED,   /* id = program id */
    GB_EV_MESSAGE_QUEUED,    /* id = message id */
    GB_EV_DISPATCHED,        /* id = message id, outcome, gas */
    GB_EV_USER_MESSAGE,      /* a message or reply reached a user */
    GB_EV_PROGRAM_EXITED,
    GB_EV_INIT_FAILED,
    GB_EV_WAITED,
    GB_EV_WOKEN,
    GB_EV_TRANSFER,          /* id = the transaction's id, source = sender,
                                destination, value */
    GB_EV_MAILBOX_READ,      /* a mailbox message left the mailbox (Gear's
                                UserMessageRead): id = message id, source =
                                the user, destination = who sent it,
                                read_reason */
    GB_EV_VOUCHER_ISSUED,    /* id = voucher id, source = owner,
                                destination = spender */
    GB_EV_VOUCHER_UPDATED,   /* id, destination = spender, source = the
                                new owner (zero: unchanged) */
    GB_EV_VOUCHER_REVOKED,   /* id, destination = spender */
    GB_EV_VOUCHER_DECLINED,  /* id, destination = spender */
} gb_event_kind;

/* Why a mailbox message was read (GB_EV_MAILBOX_READ). */
typedef enum gb_read_reason {
    GB_READ_CLAIMED,  /* its value claimed */
    GB_READ_REPLIED,  /* replied to */
    GB_READ_EXPIRED,  /* its time in the mailbox ran out */
} gb_read_reason;

typedef struct gb_event {
    gb_event_kind kind;
    gb_id id;
    gb_id source, destination;
    gb_outcome outcome;     /* DISPATCHED */
    uint64_t gas_burned;    /* DISPATCHED */
    bool is_reply;          /* USER_MESSAGE */
    gb_id reply_to;         /* USER_MESSAGE replies */
    uint8_t reply_code[4];  /* USER_MESSAGE replies */
    uint8_t *payload;       /* USER_MESSAGE, MESSAGE_QUEUED (owned by the
                               block result) */
    uint32_t payload_len;
    gb_u128 value;
    gb_read_reason read_reason; /* MAILBOX_READ */
    uint32_t expires_at;    /* USER_MESSAGE: the block its mailbox hold
                               ends at; 0: not held in the mailbox */
    char *debug;            /* DISPATCHED: what gr_debug printed, or NULL */
    gb_id *sent;            /* DISPATCHED: the ids of the messages the run
                               sent, init messages of the programs it
                               created first (its reply is not listed: its
                               id is gb_message_id_reply(id)); MESSAGE_QUEUED
                               and USER_MESSAGE: NULL.  Owned by the block
                               result; NULL when nsent is 0 */
    uint32_t nsent;
    gb_dispatch_kind dispatch_kind; /* MESSAGE_QUEUED, DISPATCHED: the
                                       message's kind (MESSAGE_QUEUED
                                       replies: reply_to is set) */
} gb_event;

typedef struct gb_block_result {
    uint32_t height;
    uint64_t timestamp;
    uint8_t hash[32];
    uint8_t state_root[32];
    uint32_t dispatched;     /* messages processed */
    uint64_t gas_used;
    uint32_t queued_left;    /* still in the queue after the block */
    bool out_of_time;        /* the queue stopped at cfg.block_budget_ms */
    gb_event *events;
    uint32_t nevents;
    /* the block's transactions, in the order applied: transaction i's
     * events are events[i ? tx_ev_end[i-1] : 0, tx_ev_end[i]) and
     * tx_ids[i] is what submit returned for it; the events after
     * tx_ev_end[ntx-1] come from tasks and the queue.  Owned, freed by
     * gb_block_result_free. */
    uint32_t ntx;
    uint32_t *tx_ev_end;
    gb_id *tx_ids;
} gb_block_result;

void gb_block_result_free(gb_block_result *r);
/* Whether block b left a backlog that drains: it dispatched messages and
 * left more in the queue (its gas allowance or time budget spent), the
 * queue having grown by its transactions or shrunk since the block before
 * (queued_before: that block's queued_left).  Not a program that keeps
 * sending itself messages: its queue neither grows by transactions nor
 * shrinks.  A dev chain makes its next block at once after such a block
 * instead of a block time later (node/node.c, node/cluster.c). */
bool gb_block_drains(const gb_block_result *b, uint32_t queued_before);
/* Frees r as gb_block_result_free does, but gives its events array back
 * to c for the next block when it is the array c's last block handed out:
 * the next block writes its events into memory already mapped instead of
 * faulting fresh pages in (a block of 10^5 events has ~25 MiB of them).
 * c keeps at most one such array, until gb_chain_close.  Any thread. */
void gb_chain_result_recycle(gb_chain *c, gb_block_result *r);

/* Produce and commit the next block, its timestamp the parent's +
 * cfg.block_time_ms.  *out is zeroed first and filled on success (the
 * caller's: gb_block_result_free; also harmless after a failure).
 * Errors: GB_INVALID (a block is already under way on another thread),
 * GB_NOMEM and the store's; on any failure the block is aborted whole,
 * the head stays, the pending transactions stay pending (the next call
 * tries them again).  A program's failure is not an error: it is the
 * block's events.  Threads: one block at a time (see the top). */
gb_err gb_chain_produce_block(gb_chain *c, gb_block_result *out);

/* Produce and commit the next block with timestamp timestamp_ms (recorded
 * in its header, seen by programs as the block timestamp), which must be
 * greater than the parent's (GB_INVALID otherwise; nothing changes, the
 * pending transactions stay pending).  Later gb_chain_produce_block calls
 * continue from it. */
gb_err gb_chain_produce_block_at(gb_chain *c, uint64_t timestamp_ms,
                                 gb_block_result *out);

/* The timestamp of the last committed block (0 at genesis). */
uint64_t gb_chain_timestamp(gb_chain *c);

/* gb_chain_pending, gb_chain_height: gearbox/chain.h */

/* What will run without anyone's help (chain_query.c): transactions
 * waiting for a block, queued and delayed messages, and waits a wake-up
 * ends (gr_wait_for, a gr_wait_up_to, a delayed gr_wake); not the waits
 * only their rent ends (gr_wait: the program waits for a message) nor the
 * mailbox.  0: producing blocks changes nothing until someone acts, or a
 * hold runs out of rent. */
uint64_t gb_chain_due(gb_chain *c);

/* Transactions waiting for a block (not counting those in the block under
 * way). */
uint64_t gb_chain_waiting(gb_chain *c);

/* The balance of an account or program (0 for an unknown id, and when
 * the store cannot be read: gb_chain_balance_get tells the two apart). */
gb_u128 gb_chain_balance(gb_chain *c, gb_id id);
/* The balance, or GB_IO / GB_NOMEM (an unknown id has 0, GB_OK). */
gb_err gb_chain_balance_get(gb_chain *c, gb_id id, gb_u128 *out);

/*
 * The dev accounts: GB_DEV_ACCOUNTS users funded at genesis with
 * cfg.initial_balance each, account i being gb_dev_account_id(i)
 * (chain/devkeys.h, where the derivation is written; node/keys.h signs for
 * them and names them alice ... harry).
 */

/* ---- accounting ---------------------------------------------------------
 *
 * Gas is paid in value at a fixed rate: 1 gas = GB_CHAIN_VALUE_PER_GAS
 * units.  Sending reserves value + gas from the sender; the value and the
 * gas then travel with the message (queue, waitlist, stash, mailbox), or
 * part of it with a gas reservation, a reply deposit or a system
 * reservation the message's runs made, or in a node of the gas tree that
 * gasless messages share (chain/gas_tree.c), until
 * the gas is burned or refunded to the account that paid for it (the
 * message's origin) and the value reaches its destination or comes back.
 * Transaction fees (gb_chain_tx_fee) are burned too, counted apart.
 * So at every block:
 *   issuance == accounts + programs + held_value + held_gas + burned + fees
 */
#define GB_CHAIN_VALUE_PER_GAS GB_GEAR_VALUE_PER_GAS /* Vara's: 100 */

/* gas as value, exactly (never wraps: a u64 times the rate fits in 128
 * bits). */
static inline gb_u128 gb_chain_gas_value(uint64_t gas)
{
    return gb_u128_mul64(gas, GB_CHAIN_VALUE_PER_GAS);
}

typedef struct gb_chain_totals {
    gb_u128 issuance;   /* given at genesis */
    gb_u128 accounts;   /* balances of users */
    gb_u128 programs;   /* balances of programs */
    gb_u128 held_value; /* value carried by stored messages */
    gb_u128 held_gas;   /* gas (as value) held by stored messages (their
                           gas limits, reply deposits and system
                           reservations), by the gas tree's nodes and by
                           gas reservations */
    gb_u128 reserved_gas; /* of held_gas: in programs' gas reservations */
    gb_u128 burned;     /* gas burned so far (as value) */
    gb_u128 fees;       /* transaction fees paid so far (burned) */
} gb_chain_totals;

/* Sums the committed state (O(size of the state): for tests and audits).
 * Every sum is checked: GB_OVERFLOW when one would exceed 2^128-1 (value
 * was minted: the true total is above any issuance), *out then holding
 * the sums so far. */
gb_err gb_chain_audit(gb_chain *c, gb_chain_totals *out);

/* Whether accounts + programs + held_value + held_gas + burned + fees
 * equals the issuance, summed with checks (a sum that would wrap is not
 * conserved).
 * *out_sum (may be NULL) gets the sum, or 2^128-1 when it overflows. */
bool gb_chain_totals_conserved(const gb_chain_totals *t, gb_u128 *out_sum);

/* The code cache (gear/code_cache.h): prepared codes kept in memory,
 * trimmed to cfg.code_cache_bytes (least recently used first) after each
 * block, submit and query. */
typedef struct gb_chain_cache_stats {
    uint32_t codes;    /* prepared codes kept now */
    uint64_t bytes;    /* their estimated memory */
    uint64_t limit;    /* cfg.code_cache_bytes, or the default */
    uint64_t prepared; /* codes checked and compiled since open (misses) */
} gb_chain_cache_stats;

void gb_chain_code_cache_stats(gb_chain *c, gb_chain_cache_stats *out);

/* gb_chain_state_root: gearbox/chain.h */

/* ---- queries ------------------------------------------------------------
 *
 * All read the last committed block's state in a read snapshot; pending
 * transactions are not seen (except by gb_chain_nonce).
 */

typedef struct gb_chain_mail {
    gb_id id;              /* the message id (for SEND_REPLY / CLAIM) */
    gb_id source;          /* the program that sent it */
    uint8_t *payload;      /* a copy, owned by the list */
    uint32_t payload_len;
    gb_u128 value;
    uint32_t expires_at;   /* the height it is removed at */
    uint32_t start;        /* the height it arrived at */
    uint64_t gas;          /* the gas it holds (pays its rent) */
    bool is_reply;         /* a reply carrying value */
    gb_id reply_to;        /* is_reply: the message replied to */
    uint8_t reply_code[4]; /* is_reply */
} gb_chain_mail;

/* user's mailbox in key order (by message id bytes), as of the last
 * committed block.  *out (NULL when *n is 0) is freed with
 * gb_chain_mail_free.  Errors: GB_NOMEM and the store's (then *out is NULL
 * and *n 0).  Any thread. */
gb_err gb_chain_mailbox(gb_chain *c, gb_id user, gb_chain_mail **out,
                        uint32_t *n);
void gb_chain_mail_free(gb_chain_mail *m, uint32_t n);

typedef struct gb_chain_prog_info {
    uint32_t status;       /* gb_program_status (state/tables.h):
                              0 initializing, 1 active, 2 exited,
                              3 terminated */
    gb_id code_id;
    gb_id init_message;
    gb_id inheritor;       /* exited / terminated */
    gb_u128 balance;
    uint32_t static_pages; /* 64 KiB pages */
    uint32_t allocated_pages; /* 64 KiB pages allocated beyond them */
    uint32_t created_at;   /* height */
    uint32_t stored_pages; /* 16 KiB pages with stored content */
    uint64_t stored_bytes; /* their stored size (each trimmed of its
                              trailing zeros) */
} gb_chain_prog_info;

/* GB_NOT_FOUND when id is not a program. */
gb_err gb_chain_program_info(gb_chain *c, gb_id id,
                             gb_chain_prog_info *out);

/* Code code_id was uploaded (committed; pending uploads do not count). */
bool gb_chain_code_exists(gb_chain *c, gb_id code_id);
/* The same, or GB_IO / GB_NOMEM when the store could not say. */
gb_err gb_chain_code_lookup(gb_chain *c, gb_id code_id, bool *out);

/* What the store keeps of an uploaded code (committed ones). */
typedef struct gb_chain_code_info {
    uint32_t code_len;     /* the original module's size */
    uint32_t static_pages; /* 64 KiB pages */
    bool has_stack_end;
    uint32_t stack_end;
    uint32_t entries;      /* gb_gear_entry bits (gear/code.h) */
} gb_chain_code_info;

/* GB_NOT_FOUND when code_id was not uploaded; the store's errors. */
gb_err gb_chain_code_info_get(gb_chain *c, gb_id code_id,
                              gb_chain_code_info *out);

/*
 * Run program's `state` export with payload as a read-only query (Gear's
 * gear_readState) against the last committed block's state, with the
 * last block's context (height, timestamp, seed), as if sent by the zero
 * id with no value, at most gas_limit gas (0: the block gas limit).
 * Nothing is written: the run's journal is dropped except its reply.
 *
 * GB_OK when the export ran: out_code = the reply code (success, or the
 * error reply of a failed run, detail then says why), *out_payload the
 * reply payload (malloc'd, the caller frees; NULL when *out_len is 0).
 * Errors (out_* untouched, detail says why): GB_NOT_FOUND (not a
 * program), GB_INVALID (the program is not initialised, has exited or
 * failed init, has no `state` export, or the run tried to wait or exit).
 *
 * Threads: it uses the chain's processor and code cache, so it must not
 * run at the same time as any other call on c (block production, submit,
 * another query): the same one-thread-at-a-time rule as the whole chain.
 */
gb_err gb_chain_read_state(gb_chain *c, gb_id program, const uint8_t *payload,
                           uint32_t len, uint64_t gas_limit,
                           uint8_t out_code[4], uint8_t **out_payload,
                           uint32_t *out_len, char *detail,
                           size_t detail_len);

/* ---- gas estimation (chain_dryrun.c) -------------------------------------
 *
 * Gear's calculate_gas_info: what a message would cost, found by running
 * it against the last committed state in a write transaction that is then
 * aborted, so nothing changes (the state root stays, no nonce is used, the
 * mempool is not touched; only the code cache may keep a code it
 * prepared).  The dry block is the next height with produce()'s context
 * (timestamp = the head's + block_time_ms, the seed from the head hash).
 * The transaction is applied as a block would (charge, queue), the
 * sender's balance first topped up so that value + the block gas limit
 * are affordable (as Gear does for its estimate), then the dispatch it
 * queued runs with the block gas limit, and so do the dispatches it causes
 * in this block (messages to programs, replies, wakes), in queue order:
 * the whole tree, as Gear's estimate runs the queue.  Tasks due at the
 * next height, other pending transactions and messages already queued do
 * not run.  What is delayed (gr_send_delayed, gr_wait_for past this block)
 * is not followed.  As in Gear's calculate_gas_info, gr_gas_available is
 * forbidden in the dry runs: a run that calls it fails (BackendError).
 */
typedef struct gb_chain_gas_info {
    uint64_t min_limit;       /* Gear's: the initial gas less the least
                                 the message's gas node held after any
                                 run of the dry block (what it burned,
                                 gave, reserved, deposited, held in
                                 mailboxes, locked for the waitlist, and
                                 what gasless messages drawing on it
                                 spent), from a first dry run with the
                                 block gas limit, then recomputed by a
                                 second with that as the gas (the
                                 initial gas itself when a message of its
                                 tree with gas of its own waits with a
                                 plain gr_wait after it is done) */
    uint64_t reserved;        /* gas of the tree's messages held in a
                                 mailbox */
    uint64_t burned;          /* gas burned by all the runs of the second
                                 dry run (also those paid by gas held
                                 before, e.g. a reply deposit's: then it
                                 may exceed min_limit) */
    uint64_t may_be_returned; /* 0 (Gear never sets it) */
    bool waited;              /* the message is in the waitlist at the end
                                 of the dry block */
    uint32_t dispatches;      /* runs in the dry block (the tree's size) */
} gb_chain_gas_info;

/*
 * Estimate the gas of tx, one of
 *   GB_TX_CREATE_PROGRAM  the init (code_id, salt, payload, value); with
 *                         tx->code set, the code is uploaded in the same
 *                         dry run first (Gear's upload_program: code_id
 *                         is then ignored; a code already on chain is
 *                         fine);
 *   GB_TX_SEND_MESSAGE    a handle message to program tx->destination;
 *   GB_TX_SEND_REPLY      a reply to message tx->destination in the
 *                         sender's mailbox.
 * tx->gas_limit is ignored.  allow_other_panics: as Gear's — when false a
 * failed run of any message of the tree is an error, when true only the
 * failure of tx's own message is.
 *
 * GB_OK: *out filled.  Errors, with a detail saying why and what to do:
 * GB_NOT_FOUND (unknown program, code id or mailbox message), GB_INVALID
 * (the code is rejected — the detail is the check's —, the program exists
 * already, is not initialised yet, has exited or failed its init, the
 * payload is over 8 MiB, a kind without gas; and a failed run: the detail
 * then starts "trapped: " and gives the error reply, e.g. "trapped: error:
 * execution: userspace panic: 'no'", and *out holds what the run with the
 * estimate's gas cap used, min_limit = burned; a message that runs out of
 * gas under that cap (cfg.estimate_gas_limit) cannot be estimated: the
 * detail says so), GB_NOMEM, GB_IO and the store's other errors.  The dry
 * runs of one estimate burn at most about twelve times the cap in all.
 * Code uploaded only for the estimate does not stay in the code cache.
 *
 * Threads: as gb_chain_read_state (one call on c at a time); it holds the
 * store's write transaction while it runs.
 */
gb_err gb_chain_calculate_gas(gb_chain *c, const gb_tx *tx,
                              gb_chain_gas_info *out, char *detail,
                              size_t len);
/* gb_chain_calculate_gas is this with allow_other_panics true (see above
 * for its meaning); the same errors and threads. */
gb_err gb_chain_calculate_gas_ex(gb_chain *c, const gb_tx *tx,
                                 bool allow_other_panics,
                                 gb_chain_gas_info *out, char *detail,
                                 size_t len);

/* ---- stored blocks (chain_blocks.c) --------------------------------------
 *
 * Every committed block's header stays in the store (state/db.h), also
 * those of earlier runs of the node; events are not stored.
 */

/* The header of block height and its hash (hash may be NULL), read in a
 * snapshot.  GB_NOT_FOUND above the head. */
gb_err gb_chain_block_header(gb_chain *c, uint32_t height,
                             gb_block_header *out, uint8_t hash[32]);

/* The stored block whose hash is hash: a scan from the head down,
 * O(height) hashes of 121 bytes.  GB_NOT_FOUND when none. */
gb_err gb_chain_block_by_hash(gb_chain *c, const uint8_t hash[32],
                              gb_block_header *out);

/* ---- replaying blocks (replay.c) -----------------------------------------
 *
 * Every block stores its inputs beside its header: the transactions in
 * the order applied (with the ids and nonces they got), the timestamp, the
 * gas allowance, where the queue stopped when the block's time ran out
 * (cfg.block_budget_ms: the number of waves it ran, which does not depend
 * on the number of threads), and a digest of the block's events.  So a
 * block is a pure function of the state before it and its inputs, and the
 * whole chain of its genesis (cfg) and the inputs.
 *
 * gb_chain_replay re-executes src's stored blocks in a scratch chain (a
 * new store in a temporary directory, opened with src's configuration:
 * the same genesis) from genesis up to o->to (0: the head), and compares
 * each block from o->from (0: 1) with the stored one: its hash (so its
 * state root, gas used and dispatches) and its events.  out->bad is the
 * first block that differs (0: none) and out->why says what differs.
 * Returns GB_OK when the replay ran (whether or not a block differed);
 * GB_INVALID when it cannot run (no genesis, another genesis, a block
 * without stored inputs: out->why says), GB_IO, GB_NOMEM.
 *
 * src is only read (snapshots): a replay may run while src produces
 * blocks, and sees the head as it was when it began.  It takes the time
 * of producing every block again (without fsync).
 */
typedef struct gb_chain_replay_opts {
    uint32_t from, to;       /* 0: 1, the head */
    const char *scratch_dir; /* NULL: a new directory under src's
                                cfg.temp_parent (or /tmp), removed
                                after; else an empty directory of the
                                caller's, kept */
    unsigned threads;        /* the scratch chain's (0: src's) */
    /* Optional hooks (ctx theirs): opened once the scratch chain s is
     * open, before_block / after_block around each block replayed (r: the
     * replayed block, owned by the replay), stop: nonzero to end early. */
    void *ctx;
    void (*opened)(void *ctx, gb_chain *s);
    void (*before_block)(void *ctx, gb_chain *s, uint32_t height);
    void (*after_block)(void *ctx, gb_chain *s, uint32_t height,
                        const gb_block_result *r);
    int (*stop)(void *ctx);
} gb_chain_replay_opts;

typedef struct gb_chain_replay_report {
    uint32_t from, to;   /* the blocks compared */
    uint32_t replayed;   /* blocks re-executed */
    uint32_t bad;        /* the first block that differs; 0: none */
    char why[192];       /* what differs, or why the replay could not run */
    double ms;           /* wall-clock time of the replay */
} gb_chain_replay_report;

/* Replays src's blocks from genesis to o->to (0: the head) on a scratch
 * chain, comparing each block from o->from on with the stored one
 * (replay.c).  o may be NULL (defaults).  *out is zeroed, then filled;
 * a block that differs is not an error: out->bad says which (out->why
 * what).  Errors (out->why says): GB_INVALID (from after to, a genesis
 * record that is missing or differs), GB_NOMEM, GB_IO (the scratch
 * directory), the store's.  src is only read (other threads may use it meanwhile); the
 * scratch chain is closed and its directory removed (unless the caller's)
 * before the call returns. */
gb_err gb_chain_replay(gb_chain *src, const gb_chain_replay_opts *o,
                       gb_chain_replay_report *out);

/* ---- snapshots and forks (fork.c; files: state/snapshot.h) ---------------
 *
 * gb_chain_fork_make makes dst (new, or empty) a copy of another chain's
 * store: src is a snapshot file or a data directory (which a node may be
 * running on: the copy is of its last block), and marks it as a fork of
 * src's head.  A chain opened on dst continues from that head with every
 * balance, program and mailbox kept, and the same history (it replays from
 * genesis); gb_chain_fork_info says where it forked, with a chain id of its
 * own (BLAKE2b-256("gearbox/fork" || height u32 LE || head hash)) for the
 * node to sign and check transactions with, so a transaction signed for
 * the source chain is refused on the fork.  detail gets the reason.
 */
typedef struct gb_chain_fork {
    bool forked;           /* false: not a fork (the rest zero) */
    uint32_t height;       /* the source's head it forked at */
    uint8_t head_hash[32];
    uint8_t chain_id[32];
} gb_chain_fork;

/* Errors, with a detail: GB_INVAL (dst holds a store already),
 * GB_NOT_FOUND (no src), what copying a directory or loading a snapshot
 * returns (state/db.h, state/snapshot.h: GB_MALFORMED for a file that is
 * not a snapshot, GB_IO, GB_NOSPACE, GB_NOMEM), and the store's while the
 * fork is marked.  A failure may leave a copied but unmarked store in
 * dst (not a fork: remove it before trying again).  Not while a chain is
 * open on dst. */
gb_err gb_chain_fork_make(const char *src, const char *dst, char *detail,
                          size_t len);
/* Where c forked (out->forked false: it is not a fork).  Errors: the
 * store's.  Any thread. */
gb_err gb_chain_fork_info(gb_chain *c, gb_chain_fork *out);

/* A consistent copy of c's store as of its last block into the directory
 * dst (made when missing; must hold no store): for snapshots taken in the
 * process that has c open (state/db.h: gb_db_copy).  A chain opened on dst
 * continues from that block; transactions still pending in c are not in
 * it.  Errors, with a detail: as gb_db_copy (state/db.h).  Any thread;
 * blocks go on meanwhile. */
gb_err gb_chain_copy_store(gb_chain *c, const char *dst, char *detail,
                           size_t len);

/* ---- blocks from inputs (chain.c; a cluster's replicas, node/cluster.h) --
 *
 * A replicated chain orders blocks' inputs in a log that every replica
 * applies: one replica (the sequencer) turns its pending transactions into
 * the next block's inputs record (replay.c's format: the transactions with
 * their ids and nonces, the timestamp, and
 * the gas allowance) and puts it in the log; every replica, the sequencer
 * included, applies each record in order with gb_chain_apply_inputs, which
 * gives the same block everywhere (the same hash and state root) and drops
 * from the pending pool the transactions it applied.
 */
/* The record of the next block from (up to max_tx of) the pending
 * transactions, with timestamp ts (when not after the head's: the head's
 * + block_time_ms), malloc'ed (the caller frees *rec); *ntx (may be NULL)
 * how many it holds.  The transactions stay pending until a block applies
 * them.  Errors: GB_NOMEM (nothing written).  Any thread. */
gb_err gb_chain_next_inputs(gb_chain *c, uint32_t max_tx, uint64_t ts,
                            uint8_t **rec, size_t *len, uint32_t *ntx);
/* Produce and commit the next block from an inputs record.  GB_MALFORMED
 * for a bad record; else as gb_chain_produce_block. */
gb_err gb_chain_apply_inputs(gb_chain *c, const uint8_t *rec, size_t len,
                             gb_block_result *out);
/* Submit with the message id given (mid) instead of one derived from the
 * block's height and the sender's nonce: a replicated chain's ids, known
 * when a transaction enters the log, before its block (node/cluster.h).
 * The message a send, transfer or program creation makes gets id mid;
 * *out_id and *out_msg_id as gb_chain_tx_ids gives them.  Otherwise, the
 * errors and what a failure leaves included, as gb_chain_submit_ids. */
gb_err gb_chain_submit_as(gb_chain *c, const gb_tx *tx, const gb_id *mid,
                          gb_id *out_id, gb_id *out_msg_id, char *detail,
                          size_t detail_len);
/* The ids gb_chain_submit_as gives tx with message id mid: *id as submit's
 * out_id (the code id, the program id, the reply's id, the mailbox
 * message's id, or mid) and *msg the message's id (zero when none). */
void gb_chain_tx_ids(const gb_tx *tx, gb_id mid, gb_id *id, gb_id *msg);
/* Forget every pending transaction (a sequencer that lost its turn: the
 * next one takes them from the log again).  Not while a block is under
 * way (then nothing happens). */
void gb_chain_pending_clear(gb_chain *c);
/* The scheduling priority of the block work: the calling thread (the
 * block's) and the executor's workers, as setpriority's nice (util/pool.h
 * gb_pool_set_nice: its errors).  A replica's block work gives way to
 * its requests with it (node/cluster.h). */
gb_err gb_chain_set_nice(gb_chain *c, int nice);
/* ---- a reply computed (chain_dryrun.c) -----------------------------------
 *
 * Gear's calculate_reply_for_handle (gear_calculateReplyForHandle, what
 * sails-js queries use): tx (GB_TX_SEND_MESSAGE: sender = the origin,
 * destination, payload, value, gas_limit — capped at the block gas limit)
 * runs in a dry block as gb_chain_calculate_gas's do, with what it causes
 * in that block, and nothing is kept.  The answer is the first reply to
 * the message: its code, payload (malloc'd, the caller frees; NULL when
 * empty) and value, and the gas the dry block burned.  A failed run is an
 * answer too (its error reply).  Errors, with a detail: GB_NOT_FOUND (no
 * such program, or no reply came in the block), GB_INVALID (the program
 * cannot take messages, a payload over 8 MiB), GB_LIMIT (the node's time
 * for a call ran out), GB_NOMEM, the store's.  Threads: as
 * gb_chain_calculate_gas.
 */
typedef struct gb_chain_reply_info {
    uint8_t code[4];
    uint8_t *payload;
    uint32_t payload_len;
    gb_u128 value;
    uint64_t burned;
} gb_chain_reply_info;

gb_err gb_chain_calculate_reply(gb_chain *c, const gb_tx *tx,
                                gb_chain_reply_info *out, char *detail,
                                size_t len);

/* ---- storage reads (chain_query.c) ---------------------------------------
 *
 * What the node's Vara face serves as Substrate storage.  Each reads the
 * last committed block in a read snapshot of its own.
 */

/* The original wasm of code code_id: *out malloc'd (the caller frees),
 * *len bytes.  GB_NOT_FOUND, GB_NOMEM, the store's. */
gb_err gb_chain_code_original(gb_chain *c, gb_id code_id, uint8_t **out,
                              uint32_t *len);
/* The numbers of program's stored 16 KiB pages (GB_GEAR_PAGE_SIZE), in
 * order: *out malloc'd (NULL when *n is 0).  A page never written, or
 * written all zero, is not stored.  GB_NOMEM, the store's. */
gb_err gb_chain_page_numbers(gb_chain *c, gb_id program, uint32_t **out,
                             uint32_t *n);
/* Page page of program, whole (zero-filled past what is stored).
 * GB_NOT_FOUND when it is not stored. */
gb_err gb_chain_page_read(gb_chain *c, gb_id program, uint32_t page,
                          uint8_t out[GB_GEAR_PAGE_SIZE]);

/* A message in a program's waitlist. */
typedef struct gb_chain_wait_entry {
    int kind;              /* gb_dispatch_kind */
    gb_id id, source, destination;
    uint8_t *payload;      /* owned (free with gb_chain_wait_entry_clear) */
    uint32_t payload_len;
    gb_u128 value;
    bool is_reply;
    gb_id reply_to;        /* is_reply */
    uint8_t reply_code[4]; /* is_reply */
    uint32_t since;        /* the block its wait began in */
    uint32_t expires_at;   /* the block it leaves the waitlist at */
    bool wakes;            /* then it is woken (gr_wait_for, a
                              gr_wait_up_to its gas covers), not removed
                              with an error reply */
} gb_chain_wait_entry;

/* Message message waiting in program's waitlist.  GB_NOT_FOUND, GB_NOMEM,
 * the store's. */
gb_err gb_chain_waitlist_get(gb_chain *c, gb_id program, gb_id message,
                             gb_chain_wait_entry *out);
void gb_chain_wait_entry_clear(gb_chain_wait_entry *w);

/* ---- vouchers (voucher.c) ------------------------------------------------
 *
 * Vara's GearVoucher pallet: an owner gives a spender a voucher, an
 * account whose id is the voucher id, holding a balance that pays the
 * fees and gas of the spender's prepaid calls (messages to the programs
 * the voucher lists, or any program; replies to their mailbox messages;
 * code uploads when allowed; declining the voucher) until its expiry
 * block.  The spender stays the message's source and pays any value;
 * gas left over goes back to the voucher's account.  A voucher is kept
 * (state/tables.h: vouchers) under (spender, voucher id); ids are
 * BLAKE2b-256("voucher" ‖ n u64 LE), n counting the vouchers issued (META
 * "voucher_issued").  The calls and their checks are Gear's (Gear's error
 * names start the detail of a refusal): issue (DurationOutOfBounds,
 * MaxProgramsLimitExceeded, BalanceTransfer), update (InexistentVoucher,
 * BadOrigin, MaxProgramsLimitExceeded, CodeUploadingEnabled,
 * DurationOutOfBounds), revoke (InexistentVoucher, BadOrigin,
 * IrrevocableYet: all of the voucher's balance back to its owner, the
 * voucher kept), decline (InexistentVoucher, VoucherExpired: its expiry
 * becomes the block's), a prepaid call (InexistentVoucher,
 * VoucherExpired, InappropriateDestination, UnknownDestination,
 * CodeUploadingDisabled).  A call is checked at submit (a refusal:
 * GB_INVALID) and again when its block applies it (then dropped as any
 * transaction whose state changed).
 */
#define GB_CHAIN_VOUCHER_MIN_DURATION 20u      /* Vara's: a minute */
#define GB_CHAIN_VOUCHER_MAX_DURATION 2419200u /* Vara's: 3 * 4 weeks */

/*
 * The payload of GB_TX_VOUCHER_ISSUE: Vara's issue arguments after spender
 * and balance, SCALE: programs Option<BTreeSet<[u8; 32]>> ‖ code_uploading
 * bool ‖ duration u32.  That of GB_TX_VOUCHER_UPDATE: its arguments after
 * spender, voucher_id and balance_top_up: move_ownership Option<[u8; 32]>
 * ‖ append_programs Option<Option<BTreeSet<[u8; 32]>>> ‖ code_uploading
 * Option<bool> ‖ prolong_duration Option<u32>.  (The node copies them
 * from the extrinsic.)  Writing one: into out (room for
 * GB_CHAIN_VOUCHER_ARGS_MAX), its length returned.  programs: at most
 * GB_CHAIN_VOUCHER_MAX_PROGRAMS (more are left out), in any order (a set:
 * sorted, duplicates dropped); NULL: None (any program).  Update:
 * new_owner NULL: None; programs_set false: append_programs None;
 * code_uploading < 0: None, else Some(code_uploading != 0); prolong 0:
 * None.
 */
#define GB_CHAIN_VOUCHER_MAX_PROGRAMS 32u /* Vara's MaxProgramsAmount */
#define GB_CHAIN_VOUCHER_ARGS_MAX (33 + 2 + 5 + 32 * 64 + 2 + 5)
size_t gb_chain_voucher_issue_args(const gb_id *programs, uint32_t n,
                                   bool code_uploading, uint32_t duration,
                                   uint8_t *out);
size_t gb_chain_voucher_update_args(const gb_id *new_owner,
                                    bool programs_set, const gb_id *programs,
                                    uint32_t n, int code_uploading,
                                    uint32_t prolong, uint8_t *out);

/* A voucher, as gb_chain_voucher_get reads it. */
typedef struct gb_chain_voucher {
    gb_id owner;
    uint32_t expiry;      /* usable while the block is below it */
    bool code_uploading;
    bool any_program;     /* else programs[0, nprograms) */
    uint32_t nprograms;
    gb_id programs[GB_CHAIN_VOUCHER_MAX_PROGRAMS];
    gb_u128 balance;      /* its account's */
} gb_chain_voucher;

/* Voucher id of spender's (committed state).  GB_NOT_FOUND, the store's. */
gb_err gb_chain_voucher_get(gb_chain *c, gb_id spender, gb_id id,
                            gb_chain_voucher *out);
/* The vouchers (committed state) of spender (NULL: of everyone), in key
 * order (spender, then id), from the first after (*after_spender,
 * *after_id) (after_spender NULL: from the start), at most limit: *out
 * malloc'd (NULL when *n is 0).  GB_NOMEM, the store's. */
typedef struct gb_chain_voucher_key {
    gb_id spender, id;
} gb_chain_voucher_key;
gb_err gb_chain_voucher_list(gb_chain *c, const gb_id *spender,
                             const gb_id *after_spender,
                             const gb_id *after_id, uint32_t limit,
                             gb_chain_voucher_key **out, uint32_t *n);
/* The vouchers issued so far (META "voucher_issued"). */
uint64_t gb_chain_vouchers_issued(gb_chain *c);
/* The id of the n-th voucher issued (1, 2, ...). */
gb_id gb_chain_voucher_id(uint64_t n);

/* ---- dev controls (chain_dev.c) -----------------------------------------
 *
 * For a dev chain (the node offers them with --dev only; docs/devnode.md).
 * None may run while a block is under way (GB_BUSY, nothing done: the
 * caller holds its block producer first); gb_chain_dev_revert is not
 * concurrent with anything at all, as gb_chain_open and gb_chain_close.
 */

/*
 * Set the balance of id — a program's when id is a program, else a user
 * account's (created when new) — to amount, at once (a write of its own,
 * not in a block), and move the issuance by the difference, so
 * gb_chain_totals_conserved holds as before.  *out_old (may be NULL): the
 * balance before.  Errors: GB_BUSY, GB_OVERFLOW (the issuance would pass
 * 2^128-1), the store's.  Pending transactions already counted against
 * the old balance are checked again when their block applies them.
 */
gb_err gb_chain_dev_set_balance(gb_chain *c, gb_id id, gb_u128 amount,
                                gb_u128 *out_old, char *detail,
                                size_t detail_len);

/*
 * Snapshot the whole chain — the committed state with its block headers
 * and head, and the pending transactions — as id *out_id (1, 2, ...,
 * never reused by this gb_chain).  It costs one copy of the data file
 * (DIR/snapshot-ID.mdb, deleted by revert or close).  GB_BUSY, GB_NOMEM,
 * GB_IO, GB_NOSPACE.
 */
gb_err gb_chain_dev_snapshot(gb_chain *c, uint32_t *out_id);

/*
 * Go back to snapshot id: state, headers, head, pending transactions (and
 * pool.log) as they were when it was taken; prepared codes are dropped.
 * The snapshot and every later one are consumed (as anvil's evm_revert).
 * GB_NOT_FOUND (no such snapshot: nothing changes), GB_BUSY; GB_IO and
 * the store's errors when the store could not be reopened — the chain is
 * then unusable and must be closed.
 */
gb_err gb_chain_dev_revert(gb_chain *c, uint32_t id, char *detail,
                           size_t detail_len);

/* The snapshots kept. */
uint32_t gb_chain_dev_snapshots(gb_chain *c);

/*
 * lazy: the blocks made from now on commit without waiting for the disk
 * (a crash may undo them; the store stays whole at an earlier block);
 * !lazy: they wait again, and those made lazily are flushed now.  For the
 * empty blocks of dev_mine N (make the block that takes the pending
 * transactions first: an accepted transaction must not be undone).  A
 * chain opened with cfg.nosync is not changed.  GB_BUSY, GB_IO.
 */
gb_err gb_chain_dev_lazy_blocks(gb_chain *c, bool lazy);

/* ---- tracing a message (trace_msg.c; gear/trace.h) -----------------------
 *
 * gb_chain_trace_message re-runs message id from the stored state of its
 * block: the chain is replayed from genesis in a scratch copy (as
 * gb_chain_replay; c is only read, and nothing of c changes) with t, a
 * trace made for id (gb_trace_new), on the scratch chain's processors,
 * until the block where the message ran last (after waits and wakes).  out
 * says where it ran and what the chain's events say it burned, which the
 * trace's own sum must equal.  max_blocks (0: none) refuses a chain longer
 * than that (GB_LIMIT): the replay takes as long as the blocks did.
 * GB_NOT_FOUND when no run of id is in the chain, GB_INVALID when the
 * replay differs from the chain; out->why says; GB_NOMEM and the store's
 * otherwise.  t (the caller's, gear/trace.h) receives the runs; the chain
 * is only read (other threads may use it meanwhile).
 */
struct gb_trace;
typedef struct gb_chain_trace_info {
    uint32_t first_block, last_block; /* where it ran */
    uint32_t runs;                    /* times it ran (waits, wakes) */
    uint64_t gas_burned;              /* the chain's events' sum */
    uint32_t replayed;                /* blocks replayed */
    double ms;
    char why[192];
} gb_chain_trace_info;

gb_err gb_chain_trace_message(gb_chain *c, gb_id id, uint32_t max_blocks,
                              struct gb_trace *t, gb_chain_trace_info *out);

#endif
