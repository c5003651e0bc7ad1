/*
 * The store: gearbox's chain state in an LMDB environment.
 *
 * A gb_db is one data directory (data.mdb + lock.mdb) holding named LMDB
 * databases, one per table (below).  All change happens in a write
 * transaction, and one block is one write transaction: the block producer
 * begins it (gb_db_begin), applies the block's work through the typed
 * tables of state/tables.h, seals the block (gb_db_seal_block: the header
 * with its state root goes into the same transaction) and commits
 * (gb_db_commit: durable when it returns, by LMDB's default full sync).
 * LMDB is copy-on-write with a double-buffered meta page, so a crash at any
 * moment — kill -9, power loss — leaves the database as of the last
 * completed commit: the last committed block is whole, nothing of a later
 * one is visible.
 *
 * Readers.  gb_db_read_begin opens a read-only snapshot of the last
 * committed state.  Any number of snapshots may be open at once, in any
 * threads (the environment uses MDB_NOTLS: a snapshot is not tied to the
 * thread that opened it, though it must be used by one thread at a time),
 * alongside the one writer, which they never block and which never blocks
 * them.  A long-lived snapshot keeps old pages from being reused, so end
 * them promptly.
 *
 * Values read (gb_db_val, and every pointer a typed getter returns) point
 * straight into LMDB's read-only memory map: no copy.  They stay valid
 * until the transaction ends — and in a write transaction only until the
 * next put or delete in it (LMDB may move a page it modifies).  Never write
 * through them.
 *
 * The state root.  A running LtHash of all entries of the hashed tables
 * (every table but BLOCKS and the internal keys of META; state/lthash.h)
 * is kept in META and committed with each block, so a restart continues
 * where the last commit left off.  A write transaction brings it up to date
 * lazily: puts and deletes only remember, per key, the value it had before
 * the key's first write, and the root is updated when it is needed
 * (gb_db_state_root, gb_db_seal_block, gb_db_commit) for the keys whose
 * value differs from the remembered one.  So the root costs O(entries the
 * block changed in the end) — an entry created and deleted within the
 * block, or overwritten many times, costs no more than its net effect —
 * plus a little memory per key written in the block.  The root depends only
 * on the set of (table, key, value) entries, never on the order they were
 * written or on the machine; gb_db_state_root_recompute rebuilds it from
 * scratch, for tests and audits.
 *
 * Tables (the id is hashed into the root: never renumber):
 *
 *   id name        key                                  value (tables.h)
 *    0 meta        ASCII name                           per name, below
 *    1 codes       code id (32)                         original wasm bytes
 *    2 code_meta   code id (32)                         gb_db_code_meta record
 *    3 programs    program id (32)                      gb_db_program record
 *    4 pages       program id (32) ‖ page u32 BE        16384 bytes
 *    5 queue       sequence u64 BE                      gb_db_dispatch record
 *    6 waitlist    program id (32) ‖ message id (32)    gb_db_dispatch record
 *    7 mailbox     user id (32) ‖ message id (32)       gb_db_dispatch record
 *    8 stash       message id (32)                      gb_db_dispatch record
 *                  (delayed dispatches, due at expires_at)
 *    9 tasks       block u32 BE ‖ sequence u64 BE       gb_db_task record
 *   10 reservations program id (32) ‖ reservation id(32) gb_db_reservation
 *   11 accounts    account id (32)                      gb_db_account record
 *   12 blocks      height u32 BE                        gb_block_header record
 *   13 inputs      (a block's inputs: chain/replay.c; not hashed)
 *   14 vouchers    spender (32) ‖ voucher id (32)       gb_db_voucher record
 *   15 gas         node id (32)                         gb_db_gas_node record
 *
 * Integers in keys are big-endian so that LMDB's byte order is numeric
 * order: the queue iterates in sequence order, tasks by block then
 * sequence, pages by page number.  Integers in values are little-endian.
 *
 * META holds, by name:
 *   "_lthash"    the 2048-byte lane vector (internal, not hashed)
 *   "_head"      height u32 LE ‖ block hash (32) of the last sealed block
 *                (internal, not hashed)
 *   "queue_seq"  u64 LE: the next queue sequence number (hashed)
 *   "task_seq"   u64 LE: the next task sequence number (hashed)
 *   any other name not starting with '_': the caller's own values through
 *                gb_db_meta_put / gb_db_meta_put_u64 (hashed).
 *
 * Errors.  LMDB's codes map into gb_err: a missing entry is GB_NOT_FOUND,
 * a full map (the map size reached: MDB_MAP_FULL) GB_STORE_FULL, a full
 * disk (ENOSPC, EDQUOT; and a commit's EIO — LMDB's word for a short
 * write — when the filesystem has under 1 MiB left) GB_NOSPACE, a
 * transaction too large GB_LIMIT,
 * ENOMEM GB_NOMEM, a malformed record GB_MALFORMED, anything else GB_IO.
 * A failed commit leaves the store as of the last commit (LMDB writes the
 * meta page last), so a restart after freeing space is consistent.  After a failed put
 * or delete the write transaction is unusable: every later call on it
 * fails with the same code, and gb_db_commit aborts it and returns it.
 *
 * Threads.  A gb_db may be shared by threads.  A transaction is used by one
 * thread at a time.  At most one write transaction is open at a time per
 * database (gb_db_begin waits for the current one to end; do not call it
 * twice in one thread without ending the first).  One gb_db per data
 * directory: gb_db_open takes an exclusive lock (flock) on
 * DIR/gearbox.lock for as long as the gb_db is open, and a second open —
 * from another process, or another gb_db in this one — fails with
 * GB_BUSY.
 */
#ifndef GB_STATE_DB_H
#define GB_STATE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"

#define GB_DB_TABLES(X)                                                       \
    X(META, 0, "meta")                                                        \
    X(CODES, 1, "codes")                                                      \
    X(CODE_META, 2, "code_meta")                                              \
    X(PROGRAMS, 3, "programs")                                                \
    X(PAGES, 4, "pages")                                                      \
    X(QUEUE, 5, "queue")                                                      \
    X(WAITLIST, 6, "waitlist")                                                \
    X(MAILBOX, 7, "mailbox")                                                  \
    X(STASH, 8, "stash")                                                      \
    X(TASKS, 9, "tasks")                                                      \
    X(RESERVATIONS, 10, "reservations")                                       \
    X(ACCOUNTS, 11, "accounts")                                               \
    X(BLOCKS, 12, "blocks")                                                   \
    X(INPUTS, 13, "inputs")                                                   \
    X(VOUCHERS, 14, "vouchers")                                               \
    X(GAS, 15, "gas")

typedef enum gb_db_table {
#define GB_DB_TABLE_ENUM_(name, id, str) GB_TABLE_##name = id,
    GB_DB_TABLES(GB_DB_TABLE_ENUM_)
#undef GB_DB_TABLE_ENUM_
    GB_TABLE_COUNT_
} gb_db_table;

/* "queue", ...; NULL for an unknown table. */
const char *gb_db_table_name(gb_db_table t);

typedef struct gb_db gb_db;         /* opaque: one open data directory */
typedef struct gb_db_txn gb_db_txn; /* opaque: a write txn or a snapshot */
typedef struct gb_db_cursor gb_db_cursor;

/* Bytes inside the map (see "Values read" above).  Borrowed. */
typedef struct gb_db_val {
    const uint8_t *data;
    size_t len;
} gb_db_val;

/* ---- opening ------------------------------------------------------- */

enum {
    /* Commits do not fsync: a crash of the machine (not of the process)
     * may lose recent blocks, or leave the file needing to be discarded.
     * For tests and the in-process harness. */
    GB_DB_NOSYNC = 1u << 0,
    /* With a NULL path: put the temporary directory in /dev/shm when it
     * exists (implies GB_DB_NOSYNC). */
    GB_DB_IN_MEMORY = 1u << 1,
};

typedef struct gb_db_opts {
    /* Largest size the data file may reach, in bytes.  0 = 64 GiB on
     * 64-bit machines, 1 GiB on 32-bit.  The file is sparse: it grows with
     * the data, not with this number; only address space is reserved.
     * Reopening with a larger value grows the limit. */
    uint64_t map_size;
    unsigned flags; /* GB_DB_* */
    /* With a NULL path: the directory in which the temporary directory is
     * made (a caller passes $TMPDIR here: library code reads no
     * environment); NULL or "": /tmp.  Borrowed for the call. */
    const char *temp_parent;
} gb_db_opts;

/*
 * Opens the data directory path, creating it (mode 0755) and the tables
 * if needed, and locks it (DIR/gearbox.lock, above).  path NULL: a fresh
 * temporary directory (mkdtemp under opts->temp_parent, /tmp when unset;
 * /dev/shm with GB_DB_IN_MEMORY), deleted with its files by gb_db_close.  opts may
 * be NULL (defaults).  On failure returns GB_BUSY (the directory is open
 * elsewhere: the message names the holder's pid), GB_NOSPACE, GB_IO,
 * GB_NOMEM or GB_INVAL and, when msg is not NULL, writes a NUL-terminated
 * reason (naming the path and LMDB's message) into msg[0..msg_len).  *out
 * is owned by the caller: gb_db_close.
 */
gb_err gb_db_open(const char *path, const gb_db_opts *opts, gb_db **out,
                  char *msg, size_t msg_len);

/* Closes the environment (every transaction must have ended) and, for a
 * temporary database, deletes its directory; then releases the lock.
 * NULL is a no-op. */
void gb_db_close(gb_db *db);

/* Deletes a closed data directory: every file in it (data.mdb, lock.mdb,
 * gearbox.lock, and what the layers above keep beside them) and the
 * directory itself (for a caller that created it and then failed to
 * start: never call it on a directory someone else made).  GB_BUSY, deleting
 * nothing, when a gb_db has it open. */
gb_err gb_db_remove(const char *path);

/*
 * Consistent copies (snapshots): the store as of its last commit, written
 * compacted to DIR/data.mdb in the directory dst (made when missing; it
 * must not hold a store).  gb_db_copy copies an open store (a block may be
 * under way: the copy is of the last commit); gb_db_copy_dir one that
 * another process (a running node) or nobody has open, by path, read-only
 * and without taking its lock (in this process, use gb_db_copy on the
 * open gb_db instead: LMDB forbids opening an environment twice in one
 * process).  GB_NOT_FOUND (src holds no store), GB_IO, GB_NOSPACE.
 */
gb_err gb_db_copy(gb_db *db, const char *dst, char *msg, size_t msg_len);
gb_err gb_db_copy_dir(const char *src, const char *dst, char *msg,
                      size_t msg_len);

/* For tests (crash and disk-full simulation): the nth commit from now
 * (1: the next) fails as if LMDB's commit had returned rc (e.g. ENOSPC,
 * MDB_MAP_FULL = -30792): the transaction is aborted, nothing of it is
 * written, and gb_db_commit returns what rc maps to.  nth 0: none. */
void gb_db_inject_commit_fault(gb_db *db, uint32_t nth, int rc);

/* Threads for the state-root update (borrowed; NULL: none): when a block
 * changed many keys, their digests and expansions are computed on pool's
 * threads, each into its own lane sum, and the sums added up (they
 * commute: the root is the same).  The pool must not be running a batch
 * when a root is taken or a block sealed or committed. */
struct gb_pool;
void gb_db_set_pool(gb_db *db, struct gb_pool *pool);

/* The data directory.  Valid until gb_db_close. */
const char *gb_db_path(const gb_db *db);

/*
 * Copies (the dev node's snapshots, chain_dev.c).
 *
 * gb_db_copy_to writes a consistent copy of the last committed state — a
 * data.mdb of its own — to file (created or truncated; mode 0644), from a
 * read snapshot: a block may commit meanwhile.  Not synced to disk.
 * GB_IO, GB_NOSPACE (the partial file is removed).
 *
 * gb_db_restore_from makes file (a gb_db_copy_to of this database) the
 * state: the environment is closed, file renamed over DIR/data.mdb (so
 * file is gone afterwards) and the environment opened again with the
 * same map size and flags.  No transaction may be open on db, in any
 * thread, and none may begin meanwhile.  GB_NOT_FOUND (no such file,
 * nothing changed), GB_IO; should the reopening fail the gb_db is
 * unusable (every call fails) and only gb_db_close is left.
 */
gb_err gb_db_copy_to(gb_db *db, const char *file);

/* lazy: later commits do not wait for the disk (LMDB's MDB_NOSYNC: a crash
 * may undo them, the store stays whole); !lazy: commits wait again, and
 * what was committed lazily is flushed now (GB_IO, GB_NOSPACE).  For a run
 * of blocks that nobody waits on (the dev node's dev_mine N); a database
 * opened with GB_DB_NOSYNC stays so.  Not while a commit runs. */
gb_err gb_db_set_lazy_sync(gb_db *db, bool lazy);
gb_err gb_db_restore_from(gb_db *db, const char *file);

/* ---- transactions ---------------------------------------------------- */

/*
 * Begins the write transaction (a block), seeing the last committed state.
 * Waits while another thread or process holds the write transaction.
 * *out is ended by exactly one of gb_db_commit or gb_db_abort.
 */
gb_err gb_db_begin(gb_db *db, gb_db_txn **out);

/*
 * Commits everything written in txn, with the state-root lanes, and frees
 * txn whatever the result.  When it returns GB_OK the data is on disk
 * (unless GB_DB_NOSYNC).  On error nothing of txn was committed.
 */
gb_err gb_db_commit(gb_db_txn *txn);

/* Discards txn (write or read) and frees it.  NULL is a no-op. */
void gb_db_abort(gb_db_txn *txn);

/* A read-only snapshot of the last committed state; end with
 * gb_db_read_end (= gb_db_abort). */
gb_err gb_db_read_begin(gb_db *db, gb_db_txn **out);
void gb_db_read_end(gb_db_txn *txn);

bool gb_db_txn_writable(const gb_db_txn *txn);

/* Readies a write transaction for reads — gb_db_get, the typed getters
 * built on it, and cursors — from several threads at once, while no
 * thread writes in it.  LMDB brings a table up to date lazily at its first
 * use in a transaction, which is a write: this does it now for every
 * table; and a write transaction keeps its open cursors in a list: from
 * now on a closed cursor stays open in a pool of the transaction (up to 8
 * per table) for the next gb_db_cursor_open on any thread, which takes it
 * without a lock; only opening a new one takes the transaction's lock.
 * The pooled cursors close with the transaction. */
gb_err gb_db_share_reads(gb_db_txn *txn);

/* ---- the state root ---------------------------------------------------- */

/* The root of the state as txn sees it, including its own uncommitted
 * writes.  One BLAKE2b of 2 KiB, plus, in a write transaction, the update
 * for the keys written since the root was last taken (see "The state root"
 * above).  If that update hits an LMDB error the transaction fails (every
 * later call, gb_db_commit included, returns the error) and out is
 * meaningless.  A read transaction reads the sums on its first call
 * (beginning one does not).  Errors (out all zeros: no root): the
 * write transaction's failure, GB_IO / GB_NOMEM reading the sums,
 * GB_MALFORMED for a broken META entry. */
gb_err gb_db_state_root(gb_db_txn *txn, uint8_t out[32]);

/* The same root computed from scratch by reading every hashed entry.
 * O(size of the state): for tests and audits. */
gb_err gb_db_state_root_recompute(gb_db_txn *txn, uint8_t out[32]);

/* The root of the empty state (BLAKE2b-256 of 2048 zero bytes). */
void gb_db_state_root_empty(uint8_t out[32]);

/* ---- raw entries --------------------------------------------------------
 *
 * The typed functions of state/tables.h are built on these; use those.
 * These are for META values of the caller's own and for tools.  Keys are
 * 1..511 bytes.  gb_db_put / gb_db_del update the state root (except for
 * BLOCKS and META names starting with '_', which they refuse: GB_INVAL).
 * A put of a value equal to the stored one changes nothing.  The value
 * put must not point into the map itself (copy a value read in the same
 * write transaction before putting it back elsewhere).
 */

/* GB_NOT_FOUND when absent (*out untouched). */
gb_err gb_db_get(gb_db_txn *txn, gb_db_table t, const void *key,
                 size_t key_len, gb_db_val *out);
gb_err gb_db_put(gb_db_txn *txn, gb_db_table t, const void *key,
                 size_t key_len, const void *val, size_t val_len);
/* GB_NOT_FOUND when absent (the transaction stays usable). */
gb_err gb_db_del(gb_db_txn *txn, gb_db_table t, const void *key,
                 size_t key_len);

/*
 * A cursor over the entries of table t whose key starts with prefix
 * (prefix_len 0: all), in key order.  Optional start: the first entry
 * visited is the first with key >= start (start must itself begin with
 * prefix, or be NULL).  Close before the transaction ends.  Do not put or
 * delete in table t while a cursor on it is open: collect keys, close,
 * then delete (or use the typed *_first / *_clear helpers).
 */
gb_err gb_db_cursor_open(gb_db_txn *txn, gb_db_table t, const void *prefix,
                         size_t prefix_len, const void *start,
                         size_t start_len, gb_db_cursor **out);
/* The next entry; GB_NOT_FOUND past the last.  key and val are borrowed
 * as any read value. */
gb_err gb_db_cursor_next(gb_db_cursor *c, gb_db_val *key, gb_db_val *val);
void gb_db_cursor_close(gb_db_cursor *c); /* NULL is a no-op */

/* ---- the memo: decoded values kept across write transactions ------------
 *
 * For the typed getters of state/tables.h (only PROGRAMS: a block's
 * dispatches read their program's record again and again).  The gb_db
 * keeps, per 32-byte key of the table, a value the getter decoded from
 * the last committed state.  Only write transactions use it; a key put or
 * deleted in the transaction is neither served nor added until the
 * transaction ends; a commit drops the keys it wrote, an abort nothing.
 * Any thread of a shared transaction may call these.  How it stays true
 * (crashes, failed commits, other writers): src/state/db_memo.c.
 */

/* The value kept for key of table t (32 bytes), or NULL: read the table.
 * The value stays valid and unchanged until txn ends. */
const void *gb_db_memo_find(gb_db_txn *txn, gb_db_table t, const void *key);
/* Keeps head and tail (copied, back to back) as key's value — the value
 * the caller just decoded from what gb_db_get returned for key in txn —
 * and returns the kept copy (valid until txn ends), or NULL: not kept
 * (not a write transaction, another table, the key written in txn, the
 * memo full, out of memory). */
const void *gb_db_memo_add(gb_db_txn *txn, gb_db_table t, const void *key,
                           const void *head, size_t head_len,
                           const void *tail, size_t tail_len);

/* Freezes (on) or thaws the memo of txn (a write transaction) for a
 * stretch where several threads read txn and none writes it (a wave's
 * preparations): meanwhile gb_db_memo_find takes no lock — so no cache
 * line moves between the readers' cores — and gb_db_memo_add keeps what
 * it is given aside (returning NULL), to be added when the memo thaws.
 * Called by the thread that writes txn, on either side of the stretch:
 * before the readers start, and after every one of them is done (the
 * caller orders both with the readers, e.g. by a release store and an
 * acquire load).  Thawing can only fail to add (no memory): not an error. */
void gb_db_memo_freeze(gb_db_txn *txn, bool on);

/* ---- META: the caller's named values (hashed) ------------------------- */

/* name: 1..64 ASCII bytes, not starting with '_' (GB_INVAL otherwise). */
gb_err gb_db_meta_put(gb_db_txn *txn, const char *name, const void *val,
                      size_t len);
gb_err gb_db_meta_get(gb_db_txn *txn, const char *name, gb_db_val *out);
gb_err gb_db_meta_put_u64(gb_db_txn *txn, const char *name, uint64_t v);
/* *out = the value, or dflt when absent (GB_OK either way);
 * GB_MALFORMED when the stored value is not 8 bytes. */
gb_err gb_db_meta_get_u64(gb_db_txn *txn, const char *name, uint64_t dflt,
                          uint64_t *out);

/* ---- blocks -------------------------------------------------------------
 *
 * Header record (the value in BLOCKS; its BLAKE2b-256 is the block hash):
 *
 *   off size
 *     0    1  version = 1
 *     1    4  height u32 LE
 *     5    8  timestamp u64 LE (milliseconds)
 *    13   32  parent hash (zero for the first block)
 *    45   32  state root after the block
 *    77   32  input hash (what the producer chose: e.g. BLAKE2b of the
 *             block's ordered inputs, so a replay can be checked)
 *   109    8  gas used u64 LE
 *   117    4  dispatches processed u32 LE
 *   121       total
 */

#define GB_BLOCK_HEADER_LEN 121

typedef struct gb_block_header {
    uint32_t height;
    uint64_t timestamp;
    uint8_t parent_hash[32];
    uint8_t state_root[32];
    uint8_t input_hash[32];
    uint64_t gas_used;
    uint32_t dispatches;
} gb_block_header;

void gb_block_header_encode(const gb_block_header *h,
                            uint8_t out[GB_BLOCK_HEADER_LEN]);
/* GB_MALFORMED when len or version is wrong. */
gb_err gb_block_header_decode(const uint8_t *in, size_t len,
                              gb_block_header *out);
/* BLAKE2b-256 of the encoded header. */
void gb_block_header_hash(const gb_block_header *h, uint8_t out[32]);

/*
 * Ends the block in txn: sets hdr->state_root to the current root, stores
 * the header under hdr->height and makes it the head; writes the block's
 * hash to out_hash (may be NULL).  Then call gb_db_commit.  The block must
 * extend the head: hdr->height == head height + 1 and hdr->parent_hash ==
 * head hash (GB_INVAL otherwise); with no head yet (a new database) any
 * height and parent are accepted.  At most one seal per transaction.
 * Writes after the seal are refused (GB_INVAL): the root must be the
 * committed state's.
 */
gb_err gb_db_seal_block(gb_db_txn *txn, gb_block_header *hdr,
                        uint8_t out_hash[32]);

/* The last sealed block as txn sees it: GB_NOT_FOUND before the first.
 * Either out pointer may be NULL. */
gb_err gb_db_head(gb_db_txn *txn, uint32_t *out_height, uint8_t out_hash[32]);

/* The header stored for height; GB_NOT_FOUND when none. */
gb_err gb_db_block_get(gb_db_txn *txn, uint32_t height, gb_block_header *out);

/*
 * A block's inputs (chain.h, "replaying blocks"): an opaque record the
 * chain writes under the block's height in the same transaction as the
 * block, and reads back to replay it.  Like the headers, the inputs are
 * history, not state: they are outside the state root.  The value read is
 * valid until the transaction ends.
 */
gb_err gb_db_inputs_put(gb_db_txn *txn, uint32_t height, const void *rec,
                        size_t len);
gb_err gb_db_inputs_get(gb_db_txn *txn, uint32_t height, gb_db_val *out);
/* Another history record in the same table, under a key of the caller's
 * that is not 4 bytes long (a height's key is): e.g. a fork's mark
 * (chain/fork.c).  Read back with gb_db_get(txn, GB_TABLE_INPUTS, ...). */
gb_err gb_db_put_history(gb_db_txn *txn, const void *key, size_t klen,
                         const void *rec, size_t len);

#endif
