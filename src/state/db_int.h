/*
 * Internals of the store shared by its files, not for other layers nor for
 * other files of src/state/ (tables.c goes through db.h):
 *
 *   db.c         transactions, the write record and its fold into the
 *                root's lanes, commit, raw entries, cursors, the state root
 *   db_env.c     the environment: open, close, remove, the directory lock,
 *                copies, lazy sync, restore
 *   db_blocks.c  META's named entries, block headers, the head, the
 *                inputs and history records, sealing a block
 *   db_memo.c    the memo: decoded program records kept across write
 *                transactions (how it stays true: the top of db_memo.c)
 *
 * It holds the structures behind db.h's opaque types (gb_db, gb_db_txn,
 * gb_db_cursor), the fault-injection wrappers of LMDB calls, and the three
 * functions one file defines for the others.  The root's bookkeeping (the
 * record, the lanes) is explained at the top of db.c.
 */
#ifndef GB_STATE_DB_INT_H
#define GB_STATE_DB_INT_H

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "state/db.h"
#include "state/lthash.h"
#include "util/fault.h"
#include "util/pool.h"

#define MAX_KEY 511 /* LMDB's default mdb_env_get_maxkeysize */
#define CURSOR_POOL 8 /* cursors kept per table of a shared txn */

/* The fault-injection hook (util/fault.h) in front of each LMDB call that
 * can fail: when it fires the call is not made and EIO comes back, as from
 * a failing disk (gb_db_map_err: GB_IO).  A commit that fails has freed its
 * transaction, so the injected one aborts it. */
#define IO(call) (gb_fault_hit(GB_FAULT_IO) ? EIO : (call))
#define IO_COMMIT(txn)                                                         \
    (gb_fault_hit(GB_FAULT_IO) ? (mdb_txn_abort(txn), EIO)                     \
                               : mdb_txn_commit(txn))

/* One touched key in the write record (see the top of db.c). */
enum { REC_EMPTY = 0, REC_ABSENT, REC_PRESENT };

/* A write transaction's record, once emptied, is kept for the next one
 * (gb_db.spare) when it has at most this many slots: a block's record
 * then starts at the size the last one reached instead of growing from
 * 256 slots again, each growth a fresh calloc (page faults) and a rehash;
 * larger ones are freed (a sparse record's fold scans every slot). */
#define REC_KEEP_SLOTS (1u << 13)

typedef struct rec_slot {
    uint64_t hash;
    uint32_t key_off; /* into gb_db_rec.keys */
    uint16_t klen;
    uint8_t table;
    uint8_t state;    /* REC_*: the value the key had at first touch */
    uint8_t d_orig[32]; /* its digest, when REC_PRESENT */
} rec_slot;

typedef struct gb_db_rec {
    rec_slot *slot; /* cap slots, cap a power of two (or 0), at most half full */
    size_t cap, n;
    uint8_t *keys;  /* the keys' bytes, back to back */
    size_t keys_len, keys_cap;
} gb_db_rec;

/* The expansion cache (db.c, gb_db_rec_fold): E(d) of the digests the
 * folds added, so that a later fold taking the same value out again (the
 * key's next change, a block or more later) subtracts the kept lanes
 * instead of expanding d a second time — half of what a changed key costs
 * the root.  E depends on d alone, so a slot is right whatever happened
 * since it was filled (aborted or failed transactions, other commits, a
 * restore): a fold uses it only when its digest is the one it takes out.
 * A key's slot is picked by its record hash, so the next fold of the key
 * looks where the last one stored; two keys that share a slot take turns.
 * XC_SLOTS slots of 2 KiB (17 MiB of address space, allocated at the
 * first fold, touched as used: a block of 2,000 changed keys had a
 * quarter of them miss with 4,096 slots because of shared slots, half as
 * many with 8,192);
 * only folds use them, and they run inside a write transaction, of which
 * LMDB lets one be open at a time.
 *
 * A slot also names the key whose fold filled it, so that the key's next
 * first write takes d as the digest of the value it replaces instead of
 * hashing that value again.  That holds while the slot's key_epoch is the
 * gb_db's xc_epoch: every write of a hashed key goes through the record
 * and a fold, whose slot then names the key with its new digest or no key;
 * a write transaction whose folds filled slots and that does not commit
 * moves the epoch on (its values are not the state), and so does one that
 * begins after a commit the cache did not see (xc_txnid: another LMDB id
 * came in between, a failed commit, a restore). */
#define XC_SLOTS (1u << 13)
#define XC_KEY 40 /* longer keys are not named (a page's key is 36 bytes) */

typedef struct xc_slot {
    uint16_t lane[GB_LTHASH_LANES]; /* E(d) */
    uint8_t d[32];
    bool full;
    bool keyed;         /* d is key's value's, in epoch key_epoch */
    uint8_t table, klen;
    uint32_t key_epoch;
    uint8_t key[XC_KEY];
} xc_slot;

/* The memo (db_memo.c): an entry per key of the PROGRAMS table read in a
 * write transaction, with its decoded value as the last commit has it
 * (VALID), or marked written in the current write transaction (DIRTY:
 * not served; val, if any, is still the committed value). */
#define GB_DB_MEMO_KEY 32
enum { GB_DB_MEMO_EMPTY = 0, GB_DB_MEMO_VALID, GB_DB_MEMO_DIRTY };

typedef struct gb_db_memo_slot {
    uint8_t key[GB_DB_MEMO_KEY];
    uint8_t state; /* GB_DB_MEMO_* */
    void *val;     /* malloc'ed; NULL for a DIRTY key not read before */
} gb_db_memo_slot;

typedef struct gb_db_memo {
    pthread_mutex_t lock; /* around every use, but lookups while frozen */
    gb_db_memo_slot *s;   /* cap slots (a power of two, or 0), <= half full */
    uint32_t cap, n;
    struct { uint8_t key[GB_DB_MEMO_KEY]; } *dirty; /* the write txn's */
    uint32_t ndirty, cap_dirty;
    size_t txnid; /* the commit the entries are of (SIZE_MAX: none) */
    /* gb_db_memo_freeze: while set, nothing changes the table (lookups
     * take no lock); what is read meanwhile waits in later (under the
     * lock) until the thawing puts it in */
    bool frozen;
    struct { uint8_t key[GB_DB_MEMO_KEY]; void *val; } *later;
    uint32_t nlater, cap_later;
} gb_db_memo;

struct gb_db {
    MDB_env *env;
    MDB_dbi dbi[GB_TABLE_COUNT_];
    char *path;
    bool temp;
    uint8_t rec_key[crypto_shorthash_KEYBYTES]; /* the record's hash key */
    gb_pool *pool; /* gb_db_set_pool, borrowed */
    int lock_fd;   /* DIR/gearbox.lock, flock'ed exclusively while open */
    /* gb_db_inject_commit_fault: the commit that fails, counted down (0:
     * none), and the code it fails with */
    uint32_t fault_in;
    int fault_rc;
    /* the record kept between write transactions (REC_KEEP_SLOTS), empty:
     * slots all REC_EMPTY, n and keys_len 0; under spare_lock */
    gb_db_rec spare;
    pthread_mutex_t spare_lock;
    gb_db_memo memo;
    xc_slot *xc; /* the expansion cache: XC_SLOTS, or NULL (none yet) */
    bool xc_huge; /* xc has the huge-page hint (gb_db_rec_fold) */
    uint32_t xc_epoch; /* its named slots of another epoch name nothing */
    size_t xc_txnid;   /* the LMDB id of the last commit it saw */
};


struct gb_db_txn {
    gb_db *db;
    MDB_txn *txn;
    bool write;
    bool sealed;
    bool shared;     /* gb_db_share_reads: cursors open/close under lock */
    pthread_mutex_t lock;
    /* shared: cursors kept open per table and reused, so that opening one
     * on several threads takes no lock (see gb_db_cursor_open) */
    struct gb_db_cursor *_Atomic pool[GB_TABLE_COUNT_][CURSOR_POOL];
    MDB_cursor *wcur[GB_TABLE_COUNT_]; /* write txn: gb_db_put_raw's, per table
                                          (closed with the txn) */
    atomic_bool busy[GB_TABLE_COUNT_][CURSOR_POOL];
    gb_err failed; /* sticky: the first failed write */
    gb_lthash lanes; /* up to date but for the record */
    bool lanes_ok;   /* lanes loaded (a read txn loads them when asked) */
    gb_db_rec rec;   /* write txn: keys written since the last fold */
    bool xc_folded;  /* write txn: a fold of it named slots (db.c) */
};

struct gb_db_cursor {
    MDB_cursor *c;
    gb_db_txn *t;
    int slot;   /* in t->pool[table] (closing frees the slot), or -1 */
    gb_db_table table;
    bool started, done;
    size_t plen, slen;
    uint8_t prefix[MAX_KEY];
    uint8_t start[MAX_KEY];
};

/* LMDB's return code as a gb_err (MDB_NOTFOUND: GB_NOT_FOUND, a full map:
 * GB_STORE_FULL, a full disk: GB_NOSPACE, ...; anything unknown: GB_IO).
 * db.c; used by all three files. */
gb_err gb_db_map_err(int rc);

/* Put without gb_db_put's checks (the caller's: a writable transaction,
 * not failed, a valid key); hashed: the key counts in the root and is
 * recorded, else not (the block records, META's internal keys).  db.c;
 * db_blocks.c writes the block records with it. */
gb_err gb_db_put_raw(gb_db_txn *t, gb_db_table tb, const void *key,
                     size_t klen, const void *val, size_t vlen, bool hashed);

/* Folds the write record into the lanes and empties it (how: db.c), so
 * that the lanes give the root; on an LMDB error the transaction fails.
 * db.c (commit, the root); db_blocks.c (sealing). */
gb_err gb_db_rec_fold(gb_db_txn *t);

/* The expansion cache's named slots name nothing any more (db.c; a
 * restore). */
void gb_db_xc_forget(gb_db *db);

/* Frees db's spare record and expansion cache (db.c; gb_db_close). */
void gb_db_spare_free(gb_db *db);

/* The memo's bookkeeping (db_memo.c), called by db.c and db_env.c:
 * init / free with the gb_db; reset when the environment is (re)opened
 * (gb_db_restore_from); begin when a write txn has begun; end when it
 * ends — committing: just before LMDB commits it, else at abort;
 * failed: LMDB's commit of txnid failed; touch before each put or delete
 * of a write txn (GB_NOMEM: the write must not happen). */
void gb_db_memo_init(gb_db *db);
void gb_db_memo_free(gb_db *db);
void gb_db_memo_reset(gb_db *db);
void gb_db_memo_begin(gb_db_txn *t);
void gb_db_memo_end(gb_db_txn *t, bool committing);
void gb_db_memo_failed(gb_db *db, size_t txnid);
gb_err gb_db_memo_touch(gb_db_txn *t, gb_db_table tb, const void *key,
                        size_t klen);

#endif
