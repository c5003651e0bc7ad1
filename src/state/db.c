/*
 * The store's engine room: the LMDB environment, transactions, raw
 * entries that keep the state root current, cursors, and block headers.
 * The typed tables (tables.c) are built on the raw functions here; this is
 * the one file that includes lmdb.h besides tables.c (which needs only
 * db.h).
 *
 * The root.  A transaction carries the LtHash lane vector L (lthash.h),
 * loaded from META "_lthash" when it begins, and a write transaction a
 * record of the hashed keys it has written since L was last brought up to
 * date: per (table, key), the digest of the value the key had then, or
 * "absent".  The first put or delete of a key captures that (gb_db_put
 * first tries an insert — success means the key was absent; when the key
 * exists LMDB hands back the old value, which is digested before the
 * overwrite because the overwrite may move it); later writes of the key
 * only change LMDB.  A put of a value byte-equal to the stored one changes
 * nothing at all.  When the root is needed (gb_db_state_root on a write
 * transaction, gb_db_seal_block, gb_db_commit) the record is folded into L:
 * for each key whose value now differs from the recorded one, E(recorded)
 * is subtracted and E(now) added; then the record is emptied.  So a block
 * pays two expansions per entry it changed in the end, none for an entry
 * it created and removed again, and one digest per value at first touch
 * and at the fold, whatever the number of writes in between.  The record is
 * an open-addressing hash table keyed by SipHash (random key per gb_db) of
 * the key bytes; its order never reaches L, since addition mod 2^16
 * commutes.  At commit L is written back to META (an unhashed key) in the
 * same LMDB transaction, so L on disk always matches the entries on disk.
 */
#include "state/db.h"
#include "util/pool.h"
#include "util/bytes.h"

#include <dirent.h>
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sodium.h>

#include "state/lthash.h"
#include "state/tables.h"
#include "util/fault.h"
#include "util/hash.h"
#include "util/mem.h"

#define MAX_KEY 511 /* LMDB's default mdb_env_get_maxkeysize */
#define CURSOR_POOL 8 /* cursors kept per table of a shared txn */

/* The fault-injection hook (util/fault.h) in front of each LMDB call that
 * can fail: when it fires the call is not made and EIO comes back, as from
 * a failing disk (map_err: GB_IO).  A commit that fails has freed its
 * transaction, so the injected one aborts it. */
#define IO(call) (gb_fault_hit(GB_FAULT_IO) ? EIO : (call))
#define IO_COMMIT(txn)                                                         \
    (gb_fault_hit(GB_FAULT_IO) ? (mdb_txn_abort(txn), EIO)                     \
                               : mdb_txn_commit(txn))

static const char k_lthash[] = "_lthash";
static const char k_head[] = "_head";

/* One touched key in the write record (see the top of the file). */
enum { REC_EMPTY = 0, REC_ABSENT, REC_PRESENT };

/* A write transaction's record, once emptied, is kept for the next one
 * (gb_db.spare) when it has at most this many slots: a block's record
 * then starts at the size the last one reached instead of growing from
 * 256 slots again, each growth a fresh calloc (page faults) and a rehash. */
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
};

static void rec_free(gb_db_rec *r);
static void rec_take(gb_db *db, gb_db_rec *r);


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
    MDB_cursor *wcur[GB_TABLE_COUNT_]; /* write txn: put_raw's, per table
                                          (closed with the txn) */
    atomic_bool busy[GB_TABLE_COUNT_][CURSOR_POOL];
    gb_err failed; /* sticky: the first failed write */
    gb_lthash lanes; /* up to date but for the record */
    bool lanes_ok;   /* lanes loaded (a read txn loads them when asked) */
    gb_db_rec rec;   /* write txn: keys written since the last fold */
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

static const char *const table_names[GB_TABLE_COUNT_] = {
#define GB_DB_TABLE_NAME_(name, id, str) [id] = str,
    GB_DB_TABLES(GB_DB_TABLE_NAME_)
#undef GB_DB_TABLE_NAME_
};

const char *gb_db_table_name(gb_db_table t)
{
    return (unsigned)t < GB_TABLE_COUNT_ ? table_names[t] : NULL;
}

static gb_err map_err(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return GB_OK;
    case MDB_NOTFOUND:
        return GB_NOT_FOUND;
    case MDB_MAP_FULL:
        return GB_STORE_FULL;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        return GB_NOSPACE;
    case MDB_TXN_FULL:
    case MDB_CURSOR_FULL:
    case MDB_DBS_FULL:
    case MDB_READERS_FULL:
    case MDB_PAGE_FULL:
        return GB_LIMIT;
    case ENOMEM:
        return GB_NOMEM;
    case MDB_BAD_VALSIZE:
    case EINVAL:
        return GB_INVAL;
    default:
        return GB_IO;
    }
}

static void set_msg(char *msg, size_t len, const char *fmt, ...)
{
    if (!msg || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

/* ---- opening --------------------------------------------------------- */

/* Remove a data directory this process made, and the files in it (the
 * store's and those the layers above keep beside it, e.g. the chain's
 * pool.log): only ever called for a directory gearbox created. */
static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            size_t n = strlen(path) + strlen(de->d_name) + 2;
            char *f = gb_malloc(n);
            if (!f)
                break;
            snprintf(f, n, "%s/%s", path, de->d_name);
            unlink(f);
            free(f);
        }
        closedir(d);
    }
    rmdir(path);
}

static char *make_temp_dir(unsigned flags, const char *parent)
{
    const char *base = NULL;
    struct stat st;
    if ((flags & GB_DB_IN_MEMORY) && stat("/dev/shm", &st) == 0 &&
        S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
        base = "/dev/shm";
    if (!base)
        base = parent;
    if (!base || !*base)
        base = "/tmp";
    size_t n = strlen(base) + sizeof "/gearbox-db-XXXXXX";
    char *p = gb_malloc(n);
    if (!p)
        return NULL;
    snprintf(p, n, "%s/gearbox-db-XXXXXX", base);
    if (!mkdtemp(p)) {
        free(p);
        return NULL;
    }
    return p;
}

/* Take DIR/gearbox.lock (flock, exclusive, not waiting): one process per
 * data directory.  LMDB itself lets several processes share an
 * environment, but two gearbox processes each producing blocks on one
 * chain would fork it.  The lock goes when the descriptor closes
 * (gb_db_close, or the process dying: a stale file locks nothing).  The
 * file holds the owner's pid, for the message. */
static gb_err lock_dir(gb_db *db, char *msg, size_t msg_len)
{
    size_t n = strlen(db->path) + sizeof "/gearbox.lock";
    char *f = malloc(n);
    if (!f) {
        set_msg(msg, msg_len, "out of memory");
        return GB_NOMEM;
    }
    snprintf(f, n, "%s/gearbox.lock", db->path);
    db->lock_fd = open(f, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int oerr = errno;
    free(f);
    if (db->lock_fd < 0) {
        set_msg(msg, msg_len, "%s: cannot create gearbox.lock: %s", db->path,
                strerror(oerr));
        return oerr == ENOSPC ? GB_NOSPACE : GB_IO;
    }
    if (flock(db->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char pid[24] = "";
        ssize_t k = pread(db->lock_fd, pid, sizeof pid - 1, 0);
        pid[k > 0 ? k : 0] = 0;
        pid[strcspn(pid, "\n")] = 0;
        if (err == EWOULDBLOCK) {
            set_msg(msg, msg_len,
                    "%s: data directory in use by another gearbox process%s%s"
                    "%s (only one may open it: stop that one, or use "
                    "another directory)",
                    db->path, pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
            return GB_BUSY;
        }
        set_msg(msg, msg_len, "%s: cannot lock gearbox.lock: %s", db->path,
                strerror(err));
        return GB_IO;
    }
    char pid[24];
    int k = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(db->lock_fd, 0) == 0 &&
        pwrite(db->lock_fd, pid, (size_t)k, 0) != k) {
        /* the pid is only for messages: a full disk does not stop us */
    }
    return GB_OK;
}

/* Open db's environment on db->path (map_size bytes, LMDB flags) and its
 * tables, created when missing: 0, or LMDB's code (db->env then closed or
 * NULL).  gb_db_open and gb_db_restore_from. */
static int open_env(gb_db *db, size_t map_size, unsigned flags)
{
    MDB_txn *txn = NULL;
    int rc;
    if ((rc = IO(mdb_env_create(&db->env))) != 0)
        return rc;
    if ((rc = mdb_env_set_maxdbs(db->env, GB_TABLE_COUNT_)) != 0 ||
        (rc = mdb_env_set_mapsize(db->env, map_size)) != 0 ||
        (rc = IO(mdb_env_open(db->env, db->path, flags, 0644))) != 0)
        goto fail;
    /* free the reader slots of processes that died holding a snapshot */
    int dead;
    mdb_reader_check(db->env, &dead);
    if ((rc = IO(mdb_txn_begin(db->env, NULL, 0, &txn))) != 0)
        goto fail;
    for (int t = 0; t < GB_TABLE_COUNT_; t++)
        if ((rc = IO(mdb_dbi_open(txn, table_names[t], MDB_CREATE,
                                  &db->dbi[t]))) != 0)
            goto fail;
    rc = IO_COMMIT(txn);
    txn = NULL;
    if (rc == 0)
        return 0;
fail:
    if (txn)
        mdb_txn_abort(txn);
    mdb_env_close(db->env);
    db->env = NULL;
    return rc;
}

gb_err gb_db_open(const char *path, const gb_db_opts *opts, gb_db **out,
                  char *msg, size_t msg_len)
{
    gb_db_opts o = opts ? *opts : (gb_db_opts){0};
    gb_err err = GB_IO;
    int rc;
    MDB_txn *txn = NULL;
    gb_db *db = gb_calloc(1, sizeof *db);
    if (!db) {
        set_msg(msg, msg_len, "out of memory");
        return GB_NOMEM;
    }
    pthread_mutex_init(&db->spare_lock, NULL);
    db->lock_fd = -1;
    if (!path) {
        db->temp = true;
        if (o.flags & GB_DB_IN_MEMORY)
            o.flags |= GB_DB_NOSYNC;
        db->path = make_temp_dir(o.flags, o.temp_parent);
        if (!db->path) {
            set_msg(msg, msg_len, "cannot create a temporary directory: %s",
                    strerror(errno));
            goto fail;
        }
    } else {
        db->path = gb_strdup(path);
        if (!db->path) {
            err = GB_NOMEM;
            set_msg(msg, msg_len, "out of memory");
            goto fail;
        }
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            set_msg(msg, msg_len, "%s: cannot create directory: %s", path,
                    strerror(errno));
            goto fail;
        }
    }
    if ((err = lock_dir(db, msg, msg_len)))
        goto fail;
    err = GB_IO;
    if (!o.map_size)
        o.map_size = sizeof(size_t) >= 8 ? (uint64_t)64 << 30
                                         : (uint64_t)1 << 30;
    if (o.map_size > SIZE_MAX) {
        err = GB_INVAL;
        set_msg(msg, msg_len, "map size too large for this machine");
        goto fail;
    }
    if (sodium_init() >= 0) {
        randombytes_buf(db->rec_key, sizeof db->rec_key);
    } else { /* no randomness source: any key works, a fixed one too */
        uintptr_t a = (uintptr_t)db;
        memcpy(db->rec_key, &a, sizeof a < sizeof db->rec_key
                                    ? sizeof a : sizeof db->rec_key);
    }
    unsigned flags = MDB_NOTLS;
    if (o.flags & GB_DB_NOSYNC)
        flags |= MDB_NOSYNC;
    if ((rc = open_env(db, (size_t)o.map_size, flags)) != 0)
        goto lmdb_fail;
    *out = db;
    return GB_OK;

lmdb_fail:
    err = map_err(rc);
    if (err == GB_NOT_FOUND || err == GB_INVAL)
        err = GB_IO;
    set_msg(msg, msg_len, "%s: lmdb: %s", db->path, mdb_strerror(rc));
fail:
    if (txn)
        mdb_txn_abort(txn);
    if (db->env)
        mdb_env_close(db->env);
    if (db->temp && db->path)
        remove_dir(db->path);
    if (db->lock_fd >= 0)
        close(db->lock_fd);
    pthread_mutex_destroy(&db->spare_lock);
    free(db->path);
    free(db);
    return err;
}

void gb_db_close(gb_db *db)
{
    if (!db)
        return;
    mdb_env_close(db->env);
    if (db->temp)
        remove_dir(db->path);
    if (db->lock_fd >= 0)
        close(db->lock_fd); /* the lock goes last */
    rec_free(&db->spare);
    pthread_mutex_destroy(&db->spare_lock);
    free(db->path);
    free(db);
}

gb_err gb_db_remove(const char *path)
{
    size_t n = strlen(path) + sizeof "/gearbox.lock";
    char *f = malloc(n);
    if (!f)
        return GB_NOMEM;
    snprintf(f, n, "%s/gearbox.lock", path);
    int fd = open(f, O_RDWR | O_CLOEXEC);
    free(f);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return GB_BUSY;
    }
    remove_dir(path);
    if (fd >= 0)
        close(fd);
    return GB_OK;
}

/* mdb_env_copy2 with compaction (only the pages in use, free pages
 * dropped) into the empty directory dst, made when missing. */
static gb_err copy_env(MDB_env *env, const char *dst, char *msg,
                       size_t msg_len)
{
    if (mkdir(dst, 0755) != 0 && errno != EEXIST) {
        set_msg(msg, msg_len, "%s: cannot create directory: %s", dst,
                strerror(errno));
        return GB_IO;
    }
    int rc = mdb_env_copy2(env, dst, MDB_CP_COMPACT);
    if (rc) {
        set_msg(msg, msg_len, "copying the store to %s: %s", dst,
                mdb_strerror(rc));
        return map_err(rc) == GB_NOSPACE ? GB_NOSPACE : GB_IO;
    }
    return GB_OK;
}

gb_err gb_db_copy(gb_db *db, const char *dst, char *msg, size_t msg_len)
{
    return copy_env(db->env, dst, msg, msg_len);
}

gb_err gb_db_copy_dir(const char *src, const char *dst, char *msg,
                      size_t msg_len)
{
    char f[4096];
    struct stat st;
    snprintf(f, sizeof f, "%s/data.mdb", src);
    if (stat(f, &st) != 0) {
        set_msg(msg, msg_len, "%s: not a gearbox data directory (no "
                              "data.mdb)", src);
        return GB_NOT_FOUND;
    }
    MDB_env *env;
    int rc = mdb_env_create(&env);
    if (!rc)
        rc = mdb_env_set_maxdbs(env, GB_TABLE_COUNT_);
    if (!rc)
        rc = mdb_env_set_mapsize(env, (size_t)st.st_size > ((size_t)1 << 30)
                                          ? (size_t)st.st_size
                                          : (size_t)1 << 30);
    /* read-only, beside a node that may have it open (LMDB's lock file
     * orders the two processes' readers and writer) */
    if (!rc)
        rc = mdb_env_open(env, src, MDB_RDONLY | MDB_NOTLS, 0644);
    if (rc) {
        set_msg(msg, msg_len, "%s: lmdb: %s", src, mdb_strerror(rc));
        mdb_env_close(env);
        return GB_IO;
    }
    gb_err e = copy_env(env, dst, msg, msg_len);
    mdb_env_close(env);
    return e;
}

void gb_db_inject_commit_fault(gb_db *db, uint32_t nth, int rc)
{
    db->fault_in = nth;
    db->fault_rc = rc;
}

const char *gb_db_path(const gb_db *db) { return db->path; }

/* ---- transactions ------------------------------------------------------ */

static gb_err load_lanes(gb_db_txn *t)
{
    MDB_val k = {sizeof k_lthash - 1, (void *)k_lthash}, v;
    int rc = IO(mdb_get(t->txn, t->db->dbi[GB_TABLE_META], &k, &v));
    if (rc == MDB_NOTFOUND) {
        gb_lthash_zero(&t->lanes);
        t->lanes_ok = true;
        return GB_OK;
    }
    if (rc)
        return map_err(rc);
    if (v.mv_size != GB_LTHASH_BYTES)
        return GB_MALFORMED;
    gb_lthash_decode(&t->lanes, v.mv_data);
    t->lanes_ok = true;
    return GB_OK;
}

static gb_err txn_begin(gb_db *db, bool write, gb_db_txn **out)
{
    gb_db_txn *t = gb_malloc(sizeof *t);
    if (!t)
        return GB_NOMEM;
    memset(&t->rec, 0, sizeof t->rec);
    t->db = db;
    t->write = write;
    t->sealed = false;
    t->shared = false;
    memset(t->pool, 0, sizeof t->pool);
    memset(t->wcur, 0, sizeof t->wcur);
    memset(t->busy, 0, sizeof t->busy);
    t->failed = GB_OK;
    int rc = IO(mdb_txn_begin(db->env, NULL, write ? 0 : MDB_RDONLY, &t->txn));
    if (rc == MDB_MAP_RESIZED) {
        /* another process grew the map: adopt its size and retry */
        mdb_env_set_mapsize(db->env, 0);
        rc = IO(mdb_txn_begin(db->env, NULL, write ? 0 : MDB_RDONLY, &t->txn));
    }
    if (rc) {
        free(t);
        return map_err(rc);
    }
    t->lanes_ok = false;
    /* (a read txn: only its state root needs them, most never ask) */
    gb_err err = write ? load_lanes(t) : GB_OK;
    if (err) {
        mdb_txn_abort(t->txn);
        free(t);
        return err;
    }
    if (write)
        rec_take(db, &t->rec);
    *out = t;
    return GB_OK;
}

gb_err gb_db_begin(gb_db *db, gb_db_txn **out)
{
    return txn_begin(db, true, out);
}

gb_err gb_db_read_begin(gb_db *db, gb_db_txn **out)
{
    return txn_begin(db, false, out);
}

static void rec_free(gb_db_rec *r)
{
    free(r->slot);
    free(r->keys);
    memset(r, 0, sizeof *r);
}

/* A write transaction's record at its end: emptied and kept as the
 * gb_db's spare when it is not too large (the larger of two is kept),
 * else freed. */
static void rec_release(gb_db *db, gb_db_rec *r)
{
    if (r->cap && r->cap <= REC_KEEP_SLOTS) {
        if (r->n)
            memset(r->slot, 0, r->cap * sizeof *r->slot);
        r->n = 0;
        r->keys_len = 0;
        pthread_mutex_lock(&db->spare_lock);
        if (r->cap > db->spare.cap) {
            gb_db_rec t = db->spare;
            db->spare = *r;
            *r = t;
        }
        pthread_mutex_unlock(&db->spare_lock);
    }
    rec_free(r);
}

/* A write transaction's record at its start: the spare, if any. */
static void rec_take(gb_db *db, gb_db_rec *r)
{
    pthread_mutex_lock(&db->spare_lock);
    *r = db->spare;
    memset(&db->spare, 0, sizeof db->spare);
    pthread_mutex_unlock(&db->spare_lock);
}

/* The pooled cursors' wrappers (their MDB cursors go with the txn). */
static void pool_free(gb_db_txn *txn)
{
    if (!txn->shared) /* (only gb_db_share_reads's txns pool cursors) */
        return;
    for (int i = 0; i < GB_TABLE_COUNT_; i++)
        for (int k = 0; k < CURSOR_POOL; k++) {
            void *c = atomic_load_explicit(&txn->pool[i][k],
                                           memory_order_relaxed);
            if (!c)
                break; /* (slots fill in order) */
            free(c);
        }
}

void gb_db_abort(gb_db_txn *txn)
{
    if (!txn)
        return;
    if (!txn->write) /* (a read txn's cursors are not closed with it) */
        for (int i = 0; i < GB_TABLE_COUNT_; i++)
            for (int k = 0; k < CURSOR_POOL; k++) {
                struct gb_db_cursor *c = atomic_load_explicit(
                    &txn->pool[i][k], memory_order_relaxed);
                if (c)
                    mdb_cursor_close(c->c);
            }
    pool_free(txn);
    mdb_txn_abort(txn->txn);
    rec_release(txn->db, &txn->rec);
    if (txn->shared)
        pthread_mutex_destroy(&txn->lock);
    free(txn);
}

void gb_db_read_end(gb_db_txn *txn) { gb_db_abort(txn); }

bool gb_db_txn_writable(const gb_db_txn *txn) { return txn->write; }

gb_err gb_db_share_reads(gb_db_txn *txn)
{
    if (!txn->shared) {
        pthread_mutex_init(&txn->lock, NULL);
        txn->shared = true;
    }
    for (int i = 0; i < GB_TABLE_COUNT_; i++) {
        MDB_cursor *c;
        int rc = IO(mdb_cursor_open(txn->txn, txn->db->dbi[i], &c));
        if (rc)
            return map_err(rc);
        mdb_cursor_close(c);
    }
    return GB_OK;
}

static gb_err fail(gb_db_txn *t, int rc)
{
    gb_err e = map_err(rc);
    if (e == GB_OK || e == GB_NOT_FOUND)
        e = GB_IO;
    if (!t->failed)
        t->failed = e;
    return e;
}

/* ---- the write record ---------------------------------------------------- */

static uint64_t rec_hash(const gb_db_txn *t, gb_db_table tb, const void *key,
                         size_t klen)
{
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key, klen, t->db->rec_key);
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | h[i];
    return x ^ (uint64_t)tb * 0x9e3779b97f4a7c15ull;
}

/* The slot of (tb, key): the one holding it, or the empty one where it
 * would go.  r->cap must be > 0. */
static rec_slot *rec_find(gb_db_rec *r, uint64_t h, gb_db_table tb,
                          const void *key, size_t klen)
{
    size_t mask = r->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        rec_slot *s = &r->slot[i];
        if (s->state == REC_EMPTY ||
            (s->hash == h && s->table == (uint8_t)tb && s->klen == klen &&
             !memcmp(r->keys + s->key_off, key, klen)))
            return s;
    }
}

static bool rec_has(gb_db_txn *t, gb_db_table tb, const void *key,
                    size_t klen, uint64_t *h)
{
    *h = rec_hash(t, tb, key, klen);
    return t->rec.n && rec_find(&t->rec, *h, tb, key, klen)->state;
}

/* Room for one more key of klen bytes: made before the LMDB write, so that
 * recording the key after it cannot fail. */
static gb_err rec_reserve(gb_db_rec *r, size_t klen)
{
    if (r->keys_len + klen > UINT32_MAX)
        return GB_LIMIT;
    if (r->keys_len + klen > r->keys_cap) {
        size_t cap = r->keys_cap ? r->keys_cap : 4096;
        while (cap < r->keys_len + klen)
            cap *= 2;
        uint8_t *k = gb_realloc(r->keys, cap);
        if (!k)
            return GB_NOMEM;
        r->keys = k;
        r->keys_cap = cap;
    }
    if (2 * (r->n + 1) > r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        rec_slot *s = gb_calloc(cap, sizeof *s);
        if (!s)
            return GB_NOMEM;
        for (size_t i = 0; i < r->cap; i++) {
            const rec_slot *o = &r->slot[i];
            if (o->state == REC_EMPTY)
                continue;
            size_t j = (size_t)o->hash & (cap - 1);
            while (s[j].state != REC_EMPTY)
                j = (j + 1) & (cap - 1);
            s[j] = *o;
        }
        free(r->slot);
        r->slot = s;
        r->cap = cap;
    }
    return GB_OK;
}

/* Records (tb, key), not yet recorded, with its value before the first
 * write (d_orig NULL: absent).  rec_reserve came first. */
static void rec_add(gb_db_rec *r, uint64_t h, gb_db_table tb,
                    const void *key, size_t klen, const uint8_t *d_orig)
{
    rec_slot *s = rec_find(r, h, tb, key, klen);
    s->hash = h;
    s->key_off = (uint32_t)r->keys_len;
    s->klen = (uint16_t)klen;
    s->table = (uint8_t)tb;
    s->state = d_orig ? REC_PRESENT : REC_ABSENT;
    if (d_orig)
        memcpy(s->d_orig, d_orig, 32);
    memcpy(r->keys + r->keys_len, key, klen);
    r->keys_len += klen;
    r->n++;
}

void gb_db_set_pool(gb_db *db, gb_pool *pool) { db->pool = pool; }

/* One recorded key for a parallel fold: where it is and what it was; the
 * jobs read what it is now (several threads may read the transaction at
 * once: nothing writes meanwhile). */
typedef struct fold_item {
    const uint8_t *key;
    const rec_slot *slot;
} fold_item;

typedef struct fold_ctx {
    gb_db_txn *t;
    fold_item *items;
    uint32_t n, chunk;
    gb_lthash *acc; /* one per thread */
    _Atomic int rc; /* the first LMDB error of a read, else 0 */
} fold_ctx;

static void fold_job(void *p, uint32_t job, unsigned worker)
{
    fold_ctx *f = p;
    gb_lthash *acc = &f->acc[worker];
    uint32_t lo = job * f->chunk, hi = lo + f->chunk < f->n ? lo + f->chunk
                                                             : f->n;
    for (uint32_t i = lo; i < hi; i++) {
        const fold_item *it = &f->items[i];
        const rec_slot *s = it->slot;
        MDB_val k = {s->klen, (void *)it->key}, v;
        int rc = IO(mdb_get(f->t->txn, f->t->db->dbi[s->table], &k, &v));
        if (rc && rc != MDB_NOTFOUND) {
            int none = 0;
            atomic_compare_exchange_strong(&f->rc, &none, rc);
            return;
        }
        bool now = rc == 0;
        uint8_t d_now[32];
        if (now)
            gb_lthash_digest(s->table, it->key, s->klen, v.mv_data,
                             v.mv_size, d_now);
        if (s->state == REC_PRESENT) {
            if (now && !memcmp(d_now, s->d_orig, 32))
                continue;
            gb_lthash_sub(acc, s->d_orig);
        }
        if (now)
            gb_lthash_add(acc, d_now);
    }
}

/* rec_fold on the pool: the reads here, the hashing on every thread. */
static gb_err rec_fold_parallel(gb_db_txn *t)
{
    gb_db_rec *r = &t->rec;
    gb_pool *pool = t->db->pool;
    unsigned nt = gb_pool_threads(pool);
    fold_ctx f = {.t = t, .items = gb_malloc(r->n * sizeof *f.items),
                  .acc = gb_calloc(nt, sizeof *f.acc)};
    gb_err err = gb_db_share_reads(t); /* (the jobs read) */
    if (!err && (!f.items || !f.acc))
        err = GB_NOMEM;
    if (err)
        goto out;
    for (size_t i = 0; i < r->cap; i++) {
        const rec_slot *s = &r->slot[i];
        if (s->state == REC_EMPTY)
            continue;
        f.items[f.n++] = (fold_item){.key = r->keys + s->key_off, .slot = s};
    }
    uint32_t jobs = 8 * nt;
    f.chunk = (f.n + jobs - 1) / jobs;
    jobs = (f.n + f.chunk - 1) / f.chunk;
    if ((err = gb_pool_start(pool, jobs, fold_job, &f)))
        goto out;
    gb_pool_finish(pool);
    if (atomic_load(&f.rc)) {
        err = fail(t, atomic_load(&f.rc));
        goto out;
    }
    for (unsigned w = 0; w < nt; w++)
        gb_lthash_merge(&t->lanes, &f.acc[w]);
    memset(r->slot, 0, r->cap * sizeof *r->slot);
    r->n = 0;
    r->keys_len = 0;
out:
    free(f.items);
    free(f.acc);
    return err;
}

/* Brings the lanes up to date with the record and empties it.  For each
 * recorded key: E(value then) out, E(value now) in, unless they are the
 * same value or both absent.  The order of the slots does not matter: the
 * lane sums commute.  On an LMDB error the transaction fails. */
static gb_err rec_fold(gb_db_txn *t)
{
    gb_db_rec *r = &t->rec;
    if (!r->n)
        return GB_OK;
    if (t->db->pool && gb_pool_threads(t->db->pool) > 1 && r->n >= 256)
        return rec_fold_parallel(t);
    gb_err err = GB_OK;
    for (size_t i = 0; i < r->cap && !err; i++) {
        rec_slot *s = &r->slot[i];
        if (s->state == REC_EMPTY)
            continue;
        const uint8_t *key = r->keys + s->key_off;
        MDB_val k = {s->klen, (void *)key}, v;
        int rc = IO(mdb_get(t->txn, t->db->dbi[s->table], &k, &v));
        if (rc && rc != MDB_NOTFOUND) {
            err = fail(t, rc);
            break;
        }
        uint8_t d_now[32];
        if (rc == 0)
            gb_lthash_digest(s->table, key, s->klen, v.mv_data, v.mv_size,
                             d_now);
        if (s->state == REC_PRESENT) {
            if (rc == 0 && !memcmp(d_now, s->d_orig, 32))
                continue;
            gb_lthash_sub(&t->lanes, s->d_orig);
        }
        if (rc == 0)
            gb_lthash_add(&t->lanes, d_now);
    }
    if (r->cap)
        memset(r->slot, 0, r->cap * sizeof *r->slot);
    r->n = 0;
    r->keys_len = 0;
    return err;
}

/* Put without the checks of gb_db_put; hashed: record the key.
 *
 * The first attempt is an insert (MDB_NOOVERWRITE) through the txn's
 * write cursor for the table: for a new key that is the whole job, one
 * B-tree descent.  For an existing key LMDB refuses, hands back the stored
 * value and leaves the cursor on it: the value is compared and, at the
 * key's first write in the record, digested before the overwrite in place
 * (MDB_CURRENT: no second descent; it may move the value). */
static gb_err put_raw(gb_db_txn *t, gb_db_table tb, const void *key,
                      size_t klen, const void *val, size_t vlen, bool hashed)
{
    MDB_dbi dbi = t->db->dbi[tb];
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    uint8_t d_old[32];
    uint64_t h = 0;
    bool first = hashed && !rec_has(t, tb, key, klen, &h);
    if (first) {
        gb_err err = rec_reserve(&t->rec, klen);
        if (err)
            return err;
    }
    MDB_cursor *wc = t->wcur[tb];
    if (!wc) { /* (a write transaction's cursors are listed in it) */
        if (t->shared)
            pthread_mutex_lock(&t->lock);
        int rc = IO(mdb_cursor_open(t->txn, dbi, &wc));
        if (t->shared)
            pthread_mutex_unlock(&t->lock);
        if (rc)
            return fail(t, rc);
        t->wcur[tb] = wc;
    }
    int rc = IO(mdb_cursor_put(wc, &k, &v, MDB_NOOVERWRITE));
    if (rc == 0) {
        if (first)
            rec_add(&t->rec, h, tb, key, klen, NULL);
        return GB_OK;
    }
    if (rc != MDB_KEYEXIST)
        return fail(t, rc);
    /* v now points at the stored value, and the cursor at its entry */
    if (v.mv_size == vlen && (vlen == 0 || !memcmp(v.mv_data, val, vlen)))
        return GB_OK;
    if (first)
        gb_lthash_digest((uint8_t)tb, key, klen, v.mv_data, v.mv_size, d_old);
    v.mv_size = vlen;
    v.mv_data = (void *)val;
    if ((rc = IO(mdb_cursor_put(wc, &k, &v, MDB_CURRENT))) != 0)
        return fail(t, rc);
    if (first)
        rec_add(&t->rec, h, tb, key, klen, d_old);
    return GB_OK;
}

/* LMDB reports a short write — what a filesystem that runs out of room
 * in the middle of one gives — as EIO, not ENOSPC.  A commit that fails
 * with EIO while the filesystem of path has less than this left is
 * taken for a full disk. */
#define FULL_BELOW (1u << 20)

static bool nearly_full(const char *path)
{
    struct statvfs st;
    return statvfs(path, &st) == 0 &&
           (uint64_t)st.f_bavail * st.f_frsize < FULL_BELOW;
}

gb_err gb_db_commit(gb_db_txn *txn)
{
    gb_err err = txn->failed;
    if (!txn->write) {
        gb_db_abort(txn);
        return GB_INVAL;
    }
    if (!err)
        err = rec_fold(txn);
    if (!err) {
        uint8_t buf[GB_LTHASH_BYTES];
        gb_lthash_encode(&txn->lanes, buf);
        err = put_raw(txn, GB_TABLE_META, k_lthash, sizeof k_lthash - 1, buf,
                      sizeof buf, false);
    }
    if (err) {
        gb_db_abort(txn);
        return err;
    }
    int rc;
    gb_db *db = txn->db;
    if (db->fault_in && !--db->fault_in) { /* an injected failure: the
                                              write did not happen */
        mdb_txn_abort(txn->txn);
        rc = db->fault_rc;
    } else {
        rc = IO_COMMIT(txn->txn); /* frees the MDB_txn either way,
                                          and a write txn's cursors */
    }
    pool_free(txn);
    rec_release(txn->db, &txn->rec);
    if (txn->shared)
        pthread_mutex_destroy(&txn->lock);
    free(txn);
    if (rc == EIO && nearly_full(db->path))
        rc = ENOSPC;
    return map_err(rc);
}

/* ---- raw entries -------------------------------------------------------- */

static bool is_internal(gb_db_table t, const void *key, size_t klen)
{
    return t == GB_TABLE_BLOCKS || t == GB_TABLE_INPUTS ||
           (t == GB_TABLE_META && klen > 0 && *(const char *)key == '_');
}

static gb_err check_write(gb_db_txn *t, gb_db_table tb, const void *key,
                          size_t klen)
{
    if (!t->write || (unsigned)tb >= GB_TABLE_COUNT_ || !klen ||
        klen > MAX_KEY || !key)
        return GB_INVAL;
    if (t->failed)
        return t->failed;
    if (t->sealed || is_internal(tb, key, klen))
        return GB_INVAL;
    return GB_OK;
}

gb_err gb_db_get(gb_db_txn *t, gb_db_table tb, const void *key, size_t klen,
                 gb_db_val *out)
{
    if ((unsigned)tb >= GB_TABLE_COUNT_ || !klen || klen > MAX_KEY || !key)
        return GB_INVAL;
    if (t->failed)
        return t->failed;
    MDB_val k = {klen, (void *)key}, v;
    int rc = IO(mdb_get(t->txn, t->db->dbi[tb], &k, &v));
    if (rc) {
        gb_err e = map_err(rc);
        return e ? e : GB_IO; /* never GB_OK with *out unset */
    }
    out->data = v.mv_data;
    out->len = v.mv_size;
    return GB_OK;
}

gb_err gb_db_put(gb_db_txn *t, gb_db_table tb, const void *key, size_t klen,
                 const void *val, size_t vlen)
{
    gb_err err = check_write(t, tb, key, klen);
    if (err)
        return err;
    if (vlen && !val)
        return GB_INVAL;
    return put_raw(t, tb, key, klen, val, vlen, true);
}

gb_err gb_db_del(gb_db_txn *t, gb_db_table tb, const void *key, size_t klen)
{
    gb_err err = check_write(t, tb, key, klen);
    if (err)
        return err;
    MDB_dbi dbi = t->db->dbi[tb];
    MDB_val k = {klen, (void *)key}, old;
    uint8_t d_old[32];
    uint64_t h;
    int rc;
    if (rec_has(t, tb, key, klen, &h)) { /* recorded: LMDB only */
        rc = IO(mdb_del(t->txn, dbi, &k, NULL));
        if (rc == MDB_NOTFOUND)
            return GB_NOT_FOUND;
        return rc ? fail(t, rc) : GB_OK;
    }
    rc = IO(mdb_get(t->txn, dbi, &k, &old));
    if (rc == MDB_NOTFOUND)
        return GB_NOT_FOUND;
    if (rc)
        return fail(t, rc);
    if ((err = rec_reserve(&t->rec, klen)))
        return err;
    gb_lthash_digest((uint8_t)tb, key, klen, old.mv_data, old.mv_size, d_old);
    if ((rc = IO(mdb_del(t->txn, dbi, &k, NULL))) != 0)
        return fail(t, rc);
    rec_add(&t->rec, h, tb, key, klen, d_old);
    return GB_OK;
}

gb_err gb_db_count(gb_db_txn *t, gb_db_table tb, uint64_t *out)
{
    if ((unsigned)tb >= GB_TABLE_COUNT_)
        return GB_INVAL;
    MDB_stat st;
    int rc = IO(mdb_stat(t->txn, t->db->dbi[tb], &st));
    if (rc)
        return map_err(rc);
    *out = st.ms_entries;
    return GB_OK;
}

/* ---- cursors ----------------------------------------------------------- */

/* A pooled cursor of table tb not in use, now taken; NULL: none. */
static gb_db_cursor *pool_take(gb_db_txn *t, gb_db_table tb)
{
    for (int k = 0; k < CURSOR_POOL; k++) {
        gb_db_cursor *c =
            atomic_load_explicit(&t->pool[tb][k], memory_order_acquire);
        if (!c)
            return NULL; /* (slots fill in order) */
        if (!atomic_load_explicit(&t->busy[tb][k], memory_order_relaxed) &&
            !atomic_exchange_explicit(&t->busy[tb][k], true,
                                      memory_order_acquire)) {
            c->started = c->done = false;
            return c;
        }
    }
    return NULL;
}

gb_err gb_db_cursor_open(gb_db_txn *t, gb_db_table tb, const void *prefix,
                         size_t plen, const void *start, size_t slen,
                         gb_db_cursor **out)
{
    if ((unsigned)tb >= GB_TABLE_COUNT_ || plen > MAX_KEY ||
        slen > MAX_KEY || (plen && !prefix) || (slen && !start))
        return GB_INVAL;
    if (slen && (slen < plen || !gb_same(start, prefix, plen)))
        return GB_INVAL;
    gb_db_cursor *c = t->shared ? pool_take(t, tb) : NULL;
    if (!c) {
        if (!(c = gb_calloc(1, sizeof *c)))
            return GB_NOMEM;
        c->t = t;
        c->slot = -1;
        c->table = tb;
        /* a write transaction's cursors are kept in a list in it */
        if (t->shared)
            pthread_mutex_lock(&t->lock);
        int rc = IO(mdb_cursor_open(t->txn, t->db->dbi[tb], &c->c));
        /* shared: kept in a free slot of the pool for the next ones */
        for (int k = 0; t->shared && !rc && k < CURSOR_POOL; k++)
            if (!atomic_load_explicit(&t->pool[tb][k],
                                      memory_order_relaxed)) {
                c->slot = k;
                atomic_store_explicit(&t->busy[tb][k], true,
                                      memory_order_relaxed);
                atomic_store_explicit(&t->pool[tb][k], c,
                                      memory_order_release);
                break;
            }
        if (t->shared)
            pthread_mutex_unlock(&t->lock);
        if (rc) {
            free(c);
            return map_err(rc);
        }
    }
    c->plen = plen;
    c->slen = slen;
    if (plen)
        memcpy(c->prefix, prefix, plen);
    if (slen)
        memcpy(c->start, start, slen);
    *out = c;
    return GB_OK;
}

gb_err gb_db_cursor_next(gb_db_cursor *c, gb_db_val *key, gb_db_val *val)
{
    if (c->done)
        return GB_NOT_FOUND;
    MDB_val k, v;
    int rc;
    if (!c->started) {
        c->started = true;
        if (c->slen || c->plen) {
            k.mv_size = c->slen ? c->slen : c->plen;
            k.mv_data = c->slen ? c->start : c->prefix;
            rc = IO(mdb_cursor_get(c->c, &k, &v, MDB_SET_RANGE));
        } else {
            rc = IO(mdb_cursor_get(c->c, &k, &v, MDB_FIRST));
        }
    } else {
        rc = IO(mdb_cursor_get(c->c, &k, &v, MDB_NEXT));
    }
    if (rc == 0 && (k.mv_size < c->plen ||
                    memcmp(k.mv_data, c->prefix, c->plen) != 0))
        rc = MDB_NOTFOUND;
    if (rc) {
        c->done = true;
        return map_err(rc);
    }
    key->data = k.mv_data;
    key->len = k.mv_size;
    val->data = v.mv_data;
    val->len = v.mv_size;
    return GB_OK;
}

void gb_db_cursor_close(gb_db_cursor *c)
{
    if (!c)
        return;
    if (c->slot >= 0) { /* back to the pool, open */
        atomic_store_explicit(&c->t->busy[c->table][c->slot], false,
                              memory_order_release);
        return;
    }
    if (c->t->shared)
        pthread_mutex_lock(&c->t->lock);
    mdb_cursor_close(c->c);
    if (c->t->shared)
        pthread_mutex_unlock(&c->t->lock);
    free(c);
}

/* ---- the state root ------------------------------------------------------ */

gb_err gb_db_state_root(gb_db_txn *txn, uint8_t out[32])
{
    gb_err e = GB_OK;
    if (txn->write)
        e = txn->failed ? txn->failed : rec_fold(txn);
    if (!e && !txn->lanes_ok)
        e = load_lanes(txn);
    if (e) {
        memset(out, 0, 32); /* (no root to give) */
        return e;
    }
    gb_lthash_root(&txn->lanes, out);
    return GB_OK;
}

void gb_db_state_root_empty(uint8_t out[32])
{
    gb_lthash h;
    gb_lthash_zero(&h);
    gb_lthash_root(&h, out);
}

gb_err gb_db_state_root_recompute(gb_db_txn *txn, uint8_t out[32])
{
    gb_lthash *h = gb_malloc(sizeof *h);
    if (!h)
        return GB_NOMEM;
    gb_lthash_zero(h);
    gb_err err = GB_OK;
    for (int tb = 0; tb < GB_TABLE_COUNT_ && !err; tb++) {
        if (tb == GB_TABLE_BLOCKS || tb == GB_TABLE_INPUTS)
            continue;
        gb_db_cursor *c;
        if ((err = gb_db_cursor_open(txn, tb, NULL, 0, NULL, 0, &c)))
            break;
        gb_db_val k, v;
        while (!(err = gb_db_cursor_next(c, &k, &v))) {
            if (is_internal(tb, k.data, k.len))
                continue;
            uint8_t d[32];
            gb_lthash_digest((uint8_t)tb, k.data, k.len, v.data, v.len, d);
            gb_lthash_add(h, d);
        }
        if (err == GB_NOT_FOUND)
            err = GB_OK;
        gb_db_cursor_close(c);
    }
    if (!err)
        gb_lthash_root(h, out);
    free(h);
    return err;
}

/* ---- META -------------------------------------------------------------- */

static gb_err meta_name(const char *name, size_t *len)
{
    if (!name)
        return GB_INVAL;
    size_t n = strlen(name);
    if (!n || n > 64 || name[0] == '_')
        return GB_INVAL;
    *len = n;
    return GB_OK;
}

gb_err gb_db_meta_put(gb_db_txn *txn, const char *name, const void *val,
                      size_t len)
{
    size_t n;
    gb_err err = meta_name(name, &n);
    return err ? err : gb_db_put(txn, GB_TABLE_META, name, n, val, len);
}

gb_err gb_db_meta_get(gb_db_txn *txn, const char *name, gb_db_val *out)
{
    size_t n;
    gb_err err = meta_name(name, &n);
    return err ? err : gb_db_get(txn, GB_TABLE_META, name, n, out);
}

gb_err gb_db_meta_put_u64(gb_db_txn *txn, const char *name, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return gb_db_meta_put(txn, name, b, sizeof b);
}

gb_err gb_db_meta_get_u64(gb_db_txn *txn, const char *name, uint64_t dflt,
                          uint64_t *out)
{
    gb_db_val v;
    gb_err err = gb_db_meta_get(txn, name, &v);
    if (err == GB_NOT_FOUND) {
        *out = dflt;
        return GB_OK;
    }
    if (err)
        return err;
    if (v.len != 8)
        return GB_MALFORMED;
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | v.data[i];
    *out = x;
    return GB_OK;
}

/* ---- blocks ------------------------------------------------------------- */

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void gb_block_header_encode(const gb_block_header *h,
                            uint8_t out[GB_BLOCK_HEADER_LEN])
{
    out[0] = 1;
    put_le(out + 1, h->height, 4);
    put_le(out + 5, h->timestamp, 8);
    memcpy(out + 13, h->parent_hash, 32);
    memcpy(out + 45, h->state_root, 32);
    memcpy(out + 77, h->input_hash, 32);
    put_le(out + 109, h->gas_used, 8);
    put_le(out + 117, h->dispatches, 4);
}

gb_err gb_block_header_decode(const uint8_t *in, size_t len,
                              gb_block_header *out)
{
    if (len != GB_BLOCK_HEADER_LEN || in[0] != 1)
        return GB_MALFORMED;
    out->height = (uint32_t)get_le(in + 1, 4);
    out->timestamp = get_le(in + 5, 8);
    memcpy(out->parent_hash, in + 13, 32);
    memcpy(out->state_root, in + 45, 32);
    memcpy(out->input_hash, in + 77, 32);
    out->gas_used = get_le(in + 109, 8);
    out->dispatches = (uint32_t)get_le(in + 117, 4);
    return GB_OK;
}

void gb_block_header_hash(const gb_block_header *h, uint8_t out[32])
{
    uint8_t buf[GB_BLOCK_HEADER_LEN];
    gb_block_header_encode(h, buf);
    gb_blake2b256(buf, sizeof buf, out);
}

gb_err gb_db_head(gb_db_txn *txn, uint32_t *out_height, uint8_t out_hash[32])
{
    gb_db_val v;
    gb_err err = gb_db_get(txn, GB_TABLE_META, k_head, sizeof k_head - 1, &v);
    if (err)
        return err;
    if (v.len != 36)
        return GB_MALFORMED;
    if (out_height)
        *out_height = (uint32_t)get_le(v.data, 4);
    if (out_hash)
        memcpy(out_hash, v.data + 4, 32);
    return GB_OK;
}

static void height_key(uint32_t h, uint8_t k[4])
{
    k[0] = (uint8_t)(h >> 24);
    k[1] = (uint8_t)(h >> 16);
    k[2] = (uint8_t)(h >> 8);
    k[3] = (uint8_t)h;
}

gb_err gb_db_block_get(gb_db_txn *txn, uint32_t height, gb_block_header *out)
{
    uint8_t k[4];
    gb_db_val v;
    height_key(height, k);
    gb_err err = gb_db_get(txn, GB_TABLE_BLOCKS, k, sizeof k, &v);
    return err ? err : gb_block_header_decode(v.data, v.len, out);
}

gb_err gb_db_inputs_put(gb_db_txn *txn, uint32_t height, const void *rec,
                        size_t len)
{
    uint8_t k[4];
    if (!txn->write || txn->sealed || !rec || !len)
        return GB_INVAL;
    if (txn->failed)
        return txn->failed;
    height_key(height, k);
    return put_raw(txn, GB_TABLE_INPUTS, k, sizeof k, rec, len, false);
}

gb_err gb_db_put_history(gb_db_txn *txn, const void *key, size_t klen,
                         const void *rec, size_t len)
{
    if (!txn->write || txn->sealed || !key || klen == 4 || !klen ||
        klen > MAX_KEY || !rec || !len)
        return GB_INVAL;
    if (txn->failed)
        return txn->failed;
    return put_raw(txn, GB_TABLE_INPUTS, key, klen, rec, len, false);
}

gb_err gb_db_inputs_get(gb_db_txn *txn, uint32_t height, gb_db_val *out)
{
    uint8_t k[4];
    height_key(height, k);
    return gb_db_get(txn, GB_TABLE_INPUTS, k, sizeof k, out);
}

gb_err gb_db_seal_block(gb_db_txn *txn, gb_block_header *hdr,
                        uint8_t out_hash[32])
{
    if (!txn->write || txn->sealed)
        return GB_INVAL;
    if (txn->failed)
        return txn->failed;
    uint32_t head;
    uint8_t head_hash[32];
    gb_err err = gb_db_head(txn, &head, head_hash);
    if (err == GB_OK) {
        if (head == UINT32_MAX || hdr->height != head + 1 ||
            memcmp(hdr->parent_hash, head_hash, 32) != 0)
            return GB_INVAL;
    } else if (err != GB_NOT_FOUND) {
        return err;
    }
    if ((err = rec_fold(txn)) ||
        (err = gb_db_state_root(txn, hdr->state_root)))
        return err;
    uint8_t rec[GB_BLOCK_HEADER_LEN], k[4], hv[36], hash[32];
    gb_block_header_encode(hdr, rec);
    gb_blake2b256(rec, sizeof rec, hash);
    height_key(hdr->height, k);
    if ((err = put_raw(txn, GB_TABLE_BLOCKS, k, sizeof k, rec, sizeof rec,
                       false)))
        return err;
    put_le(hv, hdr->height, 4);
    memcpy(hv + 4, hash, 32);
    if ((err = put_raw(txn, GB_TABLE_META, k_head, sizeof k_head - 1, hv,
                       sizeof hv, false)))
        return err;
    txn->sealed = true;
    if (out_hash)
        memcpy(out_hash, hash, 32);
    return GB_OK;
}

/* ---- copies (dev snapshots) -------------------------------------------- */

gb_err gb_db_copy_to(gb_db *db, const char *file)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == ENOSPC ? GB_NOSPACE : GB_IO;
    /* not compacted: the pages are copied as they lie, which is a
     * sequential copy of the used part of the file (MDB_CP_COMPACT walks
     * every tree instead, and costs more than the file it saves) */
    int rc = IO(mdb_env_copyfd2(db->env, fd, 0));
    if (close(fd) != 0 && !rc)
        rc = EIO;
    if (rc) {
        unlink(file);
        gb_err e = map_err(rc);
        return e == GB_NOT_FOUND || e == GB_INVAL ? GB_IO : e;
    }
    return GB_OK;
}

gb_err gb_db_set_lazy_sync(gb_db *db, bool lazy)
{
    if (lazy)
        return mdb_env_set_flags(db->env, MDB_NOSYNC, 1) ? GB_IO : GB_OK;
    unsigned flags = 0;
    if (mdb_env_get_flags(db->env, &flags) || !(flags & MDB_NOSYNC))
        return GB_OK; /* not lazy */
    int rc = mdb_env_set_flags(db->env, MDB_NOSYNC, 0);
    if (!rc)
        rc = IO(mdb_env_sync(db->env, 1));
    return map_err(rc);
}

gb_err gb_db_restore_from(gb_db *db, const char *file)
{
    MDB_envinfo info;
    unsigned flags = 0;
    if (mdb_env_info(db->env, &info) || mdb_env_get_flags(db->env, &flags))
        return GB_IO;
    struct stat st;
    if (stat(file, &st) != 0)
        return errno == ENOENT ? GB_NOT_FOUND : GB_IO;
    size_t n = strlen(db->path) + sizeof "/data.mdb";
    char *data = malloc(n);
    if (!data)
        return GB_NOMEM;
    snprintf(data, n, "%s/data.mdb", db->path);
    mdb_env_close(db->env);
    db->env = NULL;
    /* rename is atomic: data.mdb is the old state or the copy, whole */
    gb_err e = rename(file, data) == 0 ? GB_OK : GB_IO;
    free(data);
    int rc = open_env(db, info.me_mapsize, flags & (MDB_NOTLS | MDB_NOSYNC));
    if (rc) {
        gb_err oe = map_err(rc);
        return oe == GB_NOT_FOUND || oe == GB_INVAL ? GB_IO : oe;
    }
    return e;
}
