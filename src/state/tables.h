/*
 * The typed tables of the store (keys: see state/db.h).
 *
 * One put / get / del per table, each encoding its record in a fixed,
 * versioned binary layout (documented with each record below: byte
 * offsets, integers little-endian, ids as 32 raw bytes).  The first byte
 * of every record is its layout version, 1 today; a decoder refuses any
 * other (GB_MALFORMED), so a later layout can be introduced by bumping it.
 * Every put and delete goes through gb_db_put / gb_db_del and so keeps the
 * state root current; the record bytes are what the root commits to, so
 * these layouts are consensus.
 *
 * Getters fill a struct whose pointers (payload, allocations, page and
 * code bytes) are borrowed from the map: valid until the transaction ends,
 * or in a write transaction until its next put or delete.  Setters borrow
 * their arguments for the call only.  A get of a missing entry returns
 * GB_NOT_FOUND and leaves *out untouched; so does a del of a missing one.
 */
#ifndef GB_STATE_TABLES_H
#define GB_STATE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gear/types.h" /* the only Gear header state includes */
#include "state/db.h"
#include "util/u128.h"

/* Entries in table t as txn sees them. */
gb_err gb_db_count(gb_db_txn *txn, gb_db_table t, uint64_t *out);

/* ---- codes: code id -> original wasm bytes ------------------------------ */

gb_err gb_db_code_put(gb_db_txn *txn, gb_id code_id, const uint8_t *code,
                      size_t len);
gb_err gb_db_code_get(gb_db_txn *txn, gb_id code_id, gb_db_val *out);
gb_err gb_db_code_del(gb_db_txn *txn, gb_id code_id);

/* ---- code_meta: code id -> what preparing the code found ---------------
 *
 * With the original bytes this is all that is needed to prepare the code
 * again (after a restart, or when schedule_version changes: re-check and
 * recompile the original bytes with the current schedule).
 *
 *   off size
 *     0    1  version = 1
 *     1    1  flags: bit 0 = __gear_stack_end was exported
 *     2    4  code_len u32 (original bytes)
 *     6    4  static_pages u32 (64 KiB pages)
 *    10    4  stack_end u32 (bytes)
 *    14    4  entries u32 (gb_gear_entry bits)
 *    18    4  schedule_version u32 (the gas schedule / rules it was
 *             prepared under; the chain defines the numbering)
 *    22    4  uploaded_at u32 (block height)
 *    26       total
 */
#define GB_DB_CODE_META_LEN 26

typedef struct gb_db_code_meta {
    bool has_stack_end;
    uint32_t code_len;
    uint32_t static_pages;
    uint32_t stack_end;
    uint32_t entries;
    uint32_t schedule_version;
    uint32_t uploaded_at;
} gb_db_code_meta;

gb_err gb_db_code_meta_put(gb_db_txn *txn, gb_id code_id,
                           const gb_db_code_meta *m);
gb_err gb_db_code_meta_get(gb_db_txn *txn, gb_id code_id,
                           gb_db_code_meta *out);
gb_err gb_db_code_meta_del(gb_db_txn *txn, gb_id code_id);

/* ---- programs: program id -> program record -----------------------------
 *
 *   off size
 *     0    1  version = 1
 *     1    1  status (gb_program_status)
 *     2    2  flags u16 (GB_PROGRAM_F_*)
 *     4   32  code id
 *    36   32  init message id (INITIALIZING; kept afterwards)
 *    68   32  inheritor (EXITED: gr_exit's inheritor; TERMINATED: who
 *             got the balance, or zero)
 *   100   16  balance u128
 *   116    4  static_pages u32 (64 KiB pages)
 *   120    4  stack_end u32 (bytes)
 *   124    4  created_at u32 (block height)
 *   128    4  alloc_pages u32: length of the bitmap in bits (64 KiB pages)
 *   132    n  allocation bitmap, n = ceil(alloc_pages / 8) bytes: page p is
 *             allocated when byte p/8 has bit (p%8) set — the layout of
 *             gb_program_view.allocations.  Bits past alloc_pages are 0.
 */
#define GB_DB_PROGRAM_FIXED_LEN 132

typedef enum gb_program_status {
    GB_PROGRAM_INITIALIZING = 0, /* init message queued or running */
    GB_PROGRAM_ACTIVE = 1,
    GB_PROGRAM_EXITED = 2,       /* gr_exit */
    GB_PROGRAM_TERMINATED = 3,   /* init failed */
} gb_program_status;

enum {
    /* Messages sent to the program while it initializes wait in the
     * waitlist for init to end (Gear's waiting_init list). */
    GB_PROGRAM_F_WAITING_INIT = 1u << 0,
};

typedef struct gb_db_program {
    gb_program_status status;
    uint16_t flags;
    gb_id code_id;
    gb_id init_message;
    gb_id inheritor;
    gb_u128 balance;
    uint32_t static_pages;
    uint32_t stack_end;
    uint32_t created_at;
    uint32_t alloc_pages;
    const uint8_t *allocations; /* ceil(alloc_pages/8) bytes; may be NULL
                                   when alloc_pages is 0 */
} gb_db_program;

/* GB_INVAL for an unknown status or stray bits past alloc_pages. */
gb_err gb_db_program_put(gb_db_txn *txn, gb_id program_id,
                         const gb_db_program *p);
gb_err gb_db_program_get(gb_db_txn *txn, gb_id program_id,
                         gb_db_program *out);
gb_err gb_db_program_del(gb_db_txn *txn, gb_id program_id);

/* ---- pages: (program id, page u32 BE) -> up to 16384 bytes --------------
 *
 * Canonical form: a page is stored with its trailing zeros trimmed (1 to
 * 16384 bytes, the last one nonzero: the rest of the page is zero), and a
 * page that is all zero is not stored.  gb_db_page_put trims what it is
 * given and deletes the entry for an all-zero page, so the root never
 * depends on whether zeros were written.  A page of a small program is
 * mostly zeros: trimmed, it costs a few hundred bytes to store, hash and
 * load instead of 16 KiB.
 */

/* data: len bytes (len <= 16384; the rest of the page is zero; data may be
 * NULL when len is 0).  GB_INVAL for len > 16384. */
gb_err gb_db_page_put(gb_db_txn *txn, gb_id program_id, uint32_t page,
                      const uint8_t *data, uint32_t len);
/* *out = the page's stored bytes in the map (zero-copy), *out_len their
 * count (1..16384; the rest of the page is zero); GB_NOT_FOUND for a page
 * never stored (= all zero).  For the processor's lazy-page lookup
 * (gear/lazy_pages.h, called in a signal handler): resolve the program's
 * pages before the run — a pages cursor with the program id as prefix, in
 * a read snapshot, gives each page's pointer in page order — and bisect
 * that array in the handler; the pointers stay valid until the snapshot
 * ends.  LMDB calls themselves are not promised async-signal-safe. */
gb_err gb_db_page_get(gb_db_txn *txn, gb_id program_id, uint32_t page,
                      const uint8_t **out, uint32_t *out_len);
gb_err gb_db_page_del(gb_db_txn *txn, gb_id program_id, uint32_t page);
/* Deletes every page of the program; *out_count (may be NULL) = how many. */
gb_err gb_db_pages_clear(gb_db_txn *txn, gb_id program_id,
                         uint64_t *out_count);
/* Key of a page entry; gb_db_page_key_decode reads a pages cursor's key
 * (GB_MALFORMED unless 36 bytes). */
void gb_db_page_key(gb_id program_id, uint32_t page, uint8_t out[36]);
gb_err gb_db_page_key_decode(gb_db_val key, gb_id *out_program,
                             uint32_t *out_page);

/* ---- dispatch record: queue, waitlist, mailbox, stash --------------------
 *
 *   off size
 *     0    1  version = 2
 *     1    1  kind (gb_dispatch_kind)
 *     2    1  ctx.replied (0 or 1)
 *     3    2  present u16: bit i set when optional field i follows (a
 *             field is left out exactly when it is zero, so a record has
 *             one encoding; bits 14 and 15 are 0)
 *     5    4  payload_len u32
 *     9   32  id
 *    41   32  source
 *    73   32  destination
 *   105       the optional fields present, in this order:
 *              i  size
 *              0    4  flags u32 (the chain's)
 *              1    4  expires_at u32: waitlist and mailbox: the block
 *                      the entry expires at; stash: the block it is due;
 *                      queue: 0
 *              2   32  origin (the chain's: e.g. the external account
 *                      paying gas)
 *              3   16  value u128
 *              4    8  gas_limit u64
 *              5   32  reply_to
 *              6    4  reply_code
 *              7   32  signal_from
 *              8    4  signal_code u32
 *              9    4  ctx.outgoing_nonce u32
 *             10    8  ctx.reservation_nonce u64
 *             11    8  ctx.system_reservation u64
 *             12    8  reply_deposit u64 (the chain's: gas kept for the
 *                      reply to this message, gr_reply_deposit)
 *             13   32  gas_node (the chain's: the node of the gas tree
 *                      the message draws on, or its own node's parent;
 *                      chain_apply.c)
 *             then the payload (payload_len bytes: the rest of the
 *             record).
 * (Version 1 had every field at a fixed offset, 300 bytes before the
 * payload; a queued message of a ping-pong takes about half that now.
 * Records of version 1 are still read; only version 2 is written.)
 */
#define GB_DB_DISPATCH_MIN_LEN 105   /* no optional field, no payload */
#define GB_DB_DISPATCH_FIXED_MAX 301 /* every optional field */

typedef struct gb_db_dispatch {
    gb_dispatch d;       /* d.payload borrowed (see the top of this file) */
    uint32_t expires_at;
    uint32_t flags;
    gb_id origin;
    uint64_t reply_deposit;
    gb_id gas_node;
} gb_db_dispatch;

/* Record bytes of x: *out malloc'ed (the caller frees), *out_len set.
 * GB_NOMEM; GB_INVAL for an unknown kind. */
gb_err gb_db_dispatch_encode(const gb_db_dispatch *x, uint8_t **out,
                             size_t *out_len);
/* Borrowing decode; GB_MALFORMED for a bad record. */
gb_err gb_db_dispatch_decode(const uint8_t *in, size_t len,
                             gb_db_dispatch *out);

/* queue: sequence u64 BE -> dispatch.  Push appends at the next sequence
 * (META "queue_seq", starting at 0) and writes it to *out_seq (may be
 * NULL).  First gives the lowest sequence (GB_NOT_FOUND when empty). */
gb_err gb_db_queue_push(gb_db_txn *txn, const gb_db_dispatch *x,
                        uint64_t *out_seq);
gb_err gb_db_queue_first(gb_db_txn *txn, uint64_t *out_seq,
                         gb_db_dispatch *out);
gb_err gb_db_queue_get(gb_db_txn *txn, uint64_t seq, gb_db_dispatch *out);
gb_err gb_db_queue_del(gb_db_txn *txn, uint64_t seq);
/* Store x at sequence seq, leaving META "queue_seq" alone: for a caller
 * that hands out sequence numbers itself (the block's queue, which keeps
 * the messages it makes and consumes in memory and writes back what is
 * left), and writes "queue_seq" when it is done. */
gb_err gb_db_queue_put_at(gb_db_txn *txn, uint64_t seq,
                          const gb_db_dispatch *x);

/* waitlist: (program id, message id) -> dispatch, expires_at set. */
gb_err gb_db_waitlist_put(gb_db_txn *txn, gb_id program_id, gb_id message_id,
                          const gb_db_dispatch *x);
gb_err gb_db_waitlist_get(gb_db_txn *txn, gb_id program_id, gb_id message_id,
                          gb_db_dispatch *out);
gb_err gb_db_waitlist_del(gb_db_txn *txn, gb_id program_id,
                          gb_id message_id);

/* mailbox: (user id, message id) -> the message, expires_at set; its
 * gas_limit is the gas held for it. */
gb_err gb_db_mailbox_put(gb_db_txn *txn, gb_id user_id, gb_id message_id,
                         const gb_db_dispatch *x);
gb_err gb_db_mailbox_get(gb_db_txn *txn, gb_id user_id, gb_id message_id,
                         gb_db_dispatch *out);
gb_err gb_db_mailbox_del(gb_db_txn *txn, gb_id user_id, gb_id message_id);

/* stash (delayed dispatches): message id -> dispatch, expires_at = the
 * block it is due; a GB_TASK_SEND_DISPATCH task at that block sends it. */
gb_err gb_db_stash_put(gb_db_txn *txn, gb_id message_id,
                       const gb_db_dispatch *x);
gb_err gb_db_stash_get(gb_db_txn *txn, gb_id message_id,
                       gb_db_dispatch *out);
gb_err gb_db_stash_del(gb_db_txn *txn, gb_id message_id);

/* For cursors over waitlist / mailbox / reservations (prefix = the 32-byte
 * owner id): the key's two ids (GB_MALFORMED unless 64 bytes). */
gb_err gb_db_key2_decode(gb_db_val key, gb_id *out_owner, gb_id *out_id);

/* ---- tasks: (block u32 BE, sequence u64 BE) -> task ---------------------
 *
 *   off size
 *     0    1  version = 1
 *     1    1  kind (gb_task_kind; unknown kinds are stored as given)
 *     2   32  a
 *    34   32  b
 *    66    8  arg u64
 *    74       total
 */
#define GB_DB_TASK_LEN 74

/* Gear's ScheduledTask, as the chain is expected to use them. */
typedef enum gb_task_kind {
    GB_TASK_REMOVE_FROM_MAILBOX = 1,  /* a = user, b = message */
    GB_TASK_REMOVE_FROM_WAITLIST = 2, /* a = program, b = message */
    GB_TASK_WAKE_MESSAGE = 3,         /* a = program, b = message */
    GB_TASK_SEND_DISPATCH = 4,        /* b = message in the stash */
    GB_TASK_SEND_USER_MESSAGE = 5,    /* b = message in the stash,
                                         arg = 1: to the mailbox */
    GB_TASK_REMOVE_RESERVATION = 6,   /* a = program, b = reservation */
} gb_task_kind;

typedef struct gb_db_task {
    uint8_t kind;
    gb_id a, b;
    uint64_t arg;
} gb_db_task;

void gb_db_task_encode(const gb_db_task *t, uint8_t out[GB_DB_TASK_LEN]);
gb_err gb_db_task_decode(const uint8_t *in, size_t len, gb_db_task *out);

/* Schedules t at block; the sequence (META "task_seq") orders tasks of one
 * block by insertion; *out_seq may be NULL. */
gb_err gb_db_task_add(gb_db_txn *txn, uint32_t block, const gb_db_task *t,
                      uint64_t *out_seq);
/* The first task (lowest block, then sequence) whose block <= up_to;
 * GB_NOT_FOUND when none.  Any out pointer may be NULL. */
gb_err gb_db_task_first(gb_db_txn *txn, uint32_t up_to, uint32_t *out_block,
                        uint64_t *out_seq, gb_db_task *out);
gb_err gb_db_task_get(gb_db_txn *txn, uint32_t block, uint64_t seq,
                      gb_db_task *out);
gb_err gb_db_task_del(gb_db_txn *txn, uint32_t block, uint64_t seq);

/* ---- reservations: (program id, reservation id) -> reservation ----------
 *
 *   off size
 *     0    1  version = 1
 *     1    8  amount u64 (gas)
 *     9    4  start u32 (block reserved at)
 *    13    4  expires_at u32 (block)
 *    17   32  origin (the chain's: the account that paid for the gas)
 *    49       total
 */
#define GB_DB_RESERVATION_LEN 49

typedef struct gb_db_reservation {
    uint64_t amount;
    uint32_t start;
    uint32_t expires_at;
    gb_id origin;
} gb_db_reservation;

gb_err gb_db_reservation_put(gb_db_txn *txn, gb_id program_id,
                             gb_id reservation_id,
                             const gb_db_reservation *r);
gb_err gb_db_reservation_get(gb_db_txn *txn, gb_id program_id,
                             gb_id reservation_id, gb_db_reservation *out);
gb_err gb_db_reservation_del(gb_db_txn *txn, gb_id program_id,
                             gb_id reservation_id);

/* ---- accounts: account id -> balance and nonce ---------------------------
 *
 *   off size
 *     0    1  version = 1
 *     1   16  balance u128
 *    17    8  nonce u64 (next transaction nonce)
 *    25       total
 */
#define GB_DB_ACCOUNT_LEN 25

typedef struct gb_db_account {
    gb_u128 balance;
    uint64_t nonce;
} gb_db_account;

/* An account with zero balance and nonce is not stored (canonical form):
 * putting one deletes the entry. */
gb_err gb_db_account_put(gb_db_txn *txn, gb_id account_id,
                         const gb_db_account *a);
/* A missing account reads as zero balance and nonce, with GB_NOT_FOUND. */
gb_err gb_db_account_get(gb_db_txn *txn, gb_id account_id,
                         gb_db_account *out);
gb_err gb_db_account_del(gb_db_txn *txn, gb_id account_id);

/* ---- vouchers: (spender, voucher id) -> voucher (Vara's GearVoucher) -----
 *
 *   off size
 *     0    1  version = 1
 *     1   32  owner
 *    33    4  expiry u32 (the block from which it can no longer be used)
 *    37    1  flags: bit 0 = code uploading allowed, bit 1 = any program
 *               (no program list)
 *    38    1  n: programs listed (at most GB_DB_VOUCHER_MAX_PROGRAMS; 0
 *               with bit 1)
 *    39 32*n  the program ids, in ascending byte order, each once
 *
 * The voucher's balance is not here: it is the account whose id is the
 * voucher id (accounts table).
 */
#define GB_DB_VOUCHER_MAX_PROGRAMS 32u /* Vara's MaxProgramsAmount */

typedef struct gb_db_voucher {
    gb_id owner;
    uint32_t expiry;
    bool code_uploading;
    bool any_program;
    uint32_t nprograms;
    gb_id programs[GB_DB_VOUCHER_MAX_PROGRAMS]; /* ascending */
} gb_db_voucher;

/* GB_INVAL when the program list is too long or not ascending. */
gb_err gb_db_voucher_put(gb_db_txn *txn, gb_id spender, gb_id voucher_id,
                         const gb_db_voucher *v);
gb_err gb_db_voucher_get(gb_db_txn *txn, gb_id spender, gb_id voucher_id,
                         gb_db_voucher *out);
/* Decode a record read from the table (a cursor's value). */
gb_err gb_db_voucher_decode(const uint8_t *in, size_t len,
                            gb_db_voucher *out);
/* ---- gas: node id -> a node of the chain's gas tree ----------------------
 *
 * (chain_apply.c says what the chain keeps here.)
 *
 *   off size
 *     0    1  version = 1
 *     1    1  flags: bit 0 = consumed
 *     2    8  value u64 (gas)
 *    10   32  parent (zero: a root)
 *    42   32  origin (the account that paid for the root)
 *    74    4  spec_refs u32 (children holding gas of their own)
 *    78    4  unspec_refs u32 (gasless children drawing on this one)
 *    82       total
 */
#define GB_DB_GAS_NODE_LEN 82

typedef struct gb_db_gas_node {
    bool consumed;
    uint64_t value;
    gb_id parent;
    gb_id origin;
    uint32_t spec_refs, unspec_refs;
} gb_db_gas_node;

gb_err gb_db_gas_node_put(gb_db_txn *txn, gb_id node_id,
                          const gb_db_gas_node *n);
gb_err gb_db_gas_node_get(gb_db_txn *txn, gb_id node_id,
                          gb_db_gas_node *out);
gb_err gb_db_gas_node_del(gb_db_txn *txn, gb_id node_id);

#endif
