/*
 * The store's engine room: transactions, raw entries that keep the state
 * root current, cursors, and the root itself.  The environment (opening,
 * the directory lock, copies) is in db_env.c, META's named entries and the
 * block records in db_blocks.c; the three share db_int.h.  The typed tables
 * (tables.c) are built on the raw functions here; only these files of
 * src/state/ include lmdb.h.
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
 * pays two expansions per entry it changed in the end (one when an
 * earlier fold added the recorded value and its E is still in the
 * expansion cache, db_int.h), none for an entry
 * it created and removed again, and one digest per value at first touch
 * and at the fold, whatever the number of writes in between.  The record is
 * an open-addressing hash table keyed by SipHash (random key per gb_db) of
 * the key bytes; its order never reaches L, since addition mod 2^16
 * commutes.  At commit L is written back to META (an unhashed key) in the
 * same LMDB transaction, so L on disk always matches the entries on disk.
 */
#include "state/db_int.h"
#include "util/bytes.h"

#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "util/huge.h"
#include "util/mem.h"

static const char k_lthash[] = "_lthash";

gb_err gb_db_map_err(int rc)
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
        return gb_db_map_err(rc);
    if (v.mv_size != GB_LTHASH_BYTES)
        return GB_MALFORMED;
    gb_lthash_decode(&t->lanes, v.mv_data);
    t->lanes_ok = true;
    return GB_OK;
}

static void rec_take(gb_db *db, gb_db_rec *r);
static void xc_begin(gb_db_txn *t);

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
        return gb_db_map_err(rc);
    }
    t->lanes_ok = false;
    /* (a read txn: only its state root needs them, most never ask) */
    gb_err err = write ? load_lanes(t) : GB_OK;
    if (err) {
        mdb_txn_abort(t->txn);
        free(t);
        return err;
    }
    if (write) {
        rec_take(db, &t->rec);
        gb_db_memo_begin(t);
        xc_begin(t);
    }
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

void gb_db_spare_free(gb_db *db)
{
    rec_free(&db->spare);
    free(db->xc);
    db->xc = NULL;
    db->xc_huge = false;
    pthread_mutex_destroy(&db->spare_lock);
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
    if (txn->write)
        gb_db_memo_end(txn, false);
    if (txn->write && txn->xc_folded) /* (its values are not the state) */
        gb_db_xc_forget(txn->db);
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
            return gb_db_map_err(rc);
        mdb_cursor_close(c);
    }
    return GB_OK;
}

static gb_err fail(gb_db_txn *t, int rc)
{
    gb_err e = gb_db_map_err(rc);
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
        rec_slot *s = gb_calloc_warm(cap, sizeof *s);
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

/* The expansion cache's named slots (db_int.h) name nothing any more. */
void gb_db_xc_forget(gb_db *db) { db->xc_epoch++; }

/* A write transaction's start: the names are of the last commit, unless
 * another came in between (or this id is the one of a failed commit). */
static void xc_begin(gb_db_txn *t)
{
    size_t id = mdb_txn_id(t->txn);
    if (t->db->xc_txnid != id - 1) {
        gb_db_xc_forget(t->db);
        t->db->xc_txnid = id - 1;
    }
    t->xc_folded = false;
}

/* Whether x names (tb, key) with the digest of its value now. */
static bool xc_names(const gb_db *db, const xc_slot *x, uint8_t tb,
                     const void *key, size_t klen)
{
    return x->keyed && x->key_epoch == db->xc_epoch && x->table == tb &&
           x->klen == klen && !memcmp(x->key, key, klen);
}

/* *d = the digest of the value (tb, key) has now, when the expansion
 * cache's slot for record hash h names it; false: not known. */
static bool xc_known(const gb_db *db, uint64_t h, gb_db_table tb,
                     const void *key, size_t klen, uint8_t d[32])
{
    const xc_slot *x = db->xc ? &db->xc[h & (XC_SLOTS - 1)] : NULL;
    if (!x || !xc_names(db, x, (uint8_t)tb, key, klen))
        return false;
    memcpy(d, x->d, 32);
    return true;
}

/* The fold of one recorded key whose value is now v (NULL: absent):
 * E(value then) out of acc, E(v) in, unless they are the same value.  x:
 * the key's slot of the expansion cache (db_int.h), or NULL (another key
 * of a parallel fold has it): E(value then) is taken from it when it holds
 * that digest, and E(v) is kept in it, named after the key. */
static void fold_key(const gb_db *db, gb_lthash *acc, const rec_slot *s,
                     const uint8_t *key, const MDB_val *v, xc_slot *x)
{
    uint8_t d_now[32];
    if (v)
        gb_lthash_digest(s->table, key, s->klen, v->mv_data, v->mv_size,
                         d_now);
    if (s->state == REC_PRESENT) {
        if (v && !memcmp(d_now, s->d_orig, 32))
            return;
        if (x && x->full && !memcmp(x->d, s->d_orig, 32))
            gb_lthash_sub_e(acc, x->lane);
        else
            gb_lthash_sub(acc, s->d_orig);
    }
    if (!v) {
        if (x && xc_names(db, x, s->table, key, s->klen))
            x->keyed = false; /* (the key is gone) */
        return;
    }
    if (!x) {
        gb_lthash_add(acc, d_now);
        return;
    }
    gb_lthash_expand(d_now, x->lane);
    memcpy(x->d, d_now, 32);
    x->full = true;
    x->keyed = s->klen <= XC_KEY;
    if (x->keyed) {
        x->table = s->table;
        x->klen = (uint8_t)s->klen;
        x->key_epoch = db->xc_epoch;
        memcpy(x->key, key, s->klen);
    }
    gb_lthash_add_e(acc, x->lane);
}

/* The expansion cache's slot of a recorded key (NULL: no cache). */
static xc_slot *xc_of(gb_db *db, const rec_slot *s)
{
    return db->xc ? &db->xc[s->hash & (XC_SLOTS - 1)] : NULL;
}

/* One recorded key for a parallel fold: where it is, what it was, and its
 * slot of the expansion cache (NULL: another key of the fold has it); the
 * jobs read what it is now (several threads may read the transaction at
 * once: nothing writes meanwhile). */
typedef struct fold_item {
    const uint8_t *key;
    const rec_slot *slot;
    xc_slot *x;
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
        fold_key(f->t->db, acc, s, it->key, rc ? NULL : &v, it->x);
    }
}

/* gb_db_rec_fold on the pool: the reads here, the hashing on every thread. */
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
    /* each slot of the expansion cache to one key at most: the first one
     * of the fold that has it */
    uint64_t taken[XC_SLOTS / 64] = {0};
    for (size_t i = 0; i < r->cap; i++) {
        const rec_slot *s = &r->slot[i];
        if (s->state == REC_EMPTY)
            continue;
        const uint8_t *key = r->keys + s->key_off;
        xc_slot *x = xc_of(t->db, s);
        size_t xi = (size_t)(s->hash & (XC_SLOTS - 1));
        if (x && (taken[xi / 64] >> (xi % 64) & 1)) {
            /* (its name, if it is this key's, would outlive the change;
             * the key that has the slot renames it) */
            if (xc_names(t->db, x, s->table, key, s->klen))
                x->keyed = false;
            x = NULL;
        } else {
            taken[xi / 64] |= (uint64_t)1 << (xi % 64);
        }
        f.items[f.n++] = (fold_item){.key = key, .slot = s, .x = x};
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

/* A fold of this many keys (or more) touches most of the expansion
 * cache's pages: from the first one on, the cache's untouched 2 MiB are
 * filled a huge page at a time (util/huge.h: a page fault per 2 MiB
 * instead of one or two — a read, then a write — per 4 KiB, and fewer TLB
 * misses in a cache read at random).  Below it, a fold touches few of
 * them, each cheaper on a 4 KiB page than clearing a huge one. */
#define XC_HUGE_KEYS (XC_SLOTS / 2)

/* Brings the lanes up to date with the record and empties it.  For each
 * recorded key: E(value then) out, E(value now) in, unless they are the
 * same value or both absent.  The order of the slots does not matter: the
 * lane sums commute.  On an LMDB error the transaction fails. */
gb_err gb_db_rec_fold(gb_db_txn *t)
{
    gb_db_rec *r = &t->rec;
    if (!r->n)
        return GB_OK;
    gb_db *db = t->db;
    bool big = r->n >= XC_HUGE_KEYS;
    if (!db->xc || (big && !db->xc_huge)) {
        /* (without it the fold is only slower; a big fold after small
         * ones takes a fresh one, hinted before its first touch: the
         * small ones touched 4 KiB pages all over the old one, and a
         * 2 MiB with one of them takes no huge page — what the old one
         * held only saved work) */
        xc_slot *x = gb_calloc(XC_SLOTS, sizeof *x);
        if (x) {
            if (big)
                gb_huge_hint(x, XC_SLOTS * sizeof *x);
            free(db->xc);
            db->xc = x;
            db->xc_huge = big;
        }
    }
    t->xc_folded = t->db->xc != NULL;
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
        /* (one key at a time: a slot two keys share serves each in turn) */
        fold_key(t->db, &t->lanes, s, key, rc ? NULL : &v, xc_of(t->db, s));
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
/* *out: the write transaction's cursor on table tb, opened at first use
 * (a write transaction's cursors are listed in it and close with it). */
static int write_cursor(gb_db_txn *t, gb_db_table tb, MDB_cursor **out)
{
    MDB_cursor *wc = t->wcur[tb];
    if (!wc) {
        if (t->shared)
            pthread_mutex_lock(&t->lock);
        int rc = IO(mdb_cursor_open(t->txn, t->db->dbi[tb], &wc));
        if (t->shared)
            pthread_mutex_unlock(&t->lock);
        if (rc)
            return rc;
        t->wcur[tb] = wc;
    }
    *out = wc;
    return 0;
}

gb_err gb_db_put_raw(gb_db_txn *t, gb_db_table tb, const void *key,
                     size_t klen, const void *val, size_t vlen, bool hashed)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    uint8_t d_old[32];
    uint64_t h = 0;
    gb_err merr = gb_db_memo_touch(t, tb, key, klen);
    if (merr)
        return merr;
    bool first = hashed && !rec_has(t, tb, key, klen, &h);
    if (first) {
        gb_err err = rec_reserve(&t->rec, klen);
        if (err)
            return err;
    }
    MDB_cursor *wc;
    int rc = write_cursor(t, tb, &wc);
    if (rc)
        return fail(t, rc);
    rc = IO(mdb_cursor_put(wc, &k, &v, MDB_NOOVERWRITE));
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
    if (first && !xc_known(t->db, h, tb, key, klen, d_old))
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
        err = gb_db_rec_fold(txn);
    if (!err) {
        uint8_t buf[GB_LTHASH_BYTES];
        gb_lthash_encode(&txn->lanes, buf);
        err = gb_db_put_raw(txn, GB_TABLE_META, k_lthash,
                            sizeof k_lthash - 1, buf, sizeof buf, false);
    }
    if (err) {
        gb_db_abort(txn);
        return err;
    }
    int rc;
    gb_db *db = txn->db;
    size_t id = mdb_txn_id(txn->txn);
    gb_db_memo_end(txn, true); /* (before LMDB's commit: see db_memo.c) */
    /* (before it too, while no other write transaction can begin; if it
     * fails, the next one has this id again, which forgets the names) */
    db->xc_txnid = id;
    if (db->fault_in && !--db->fault_in) { /* an injected failure: the
                                              write did not happen */
        mdb_txn_abort(txn->txn);
        rc = db->fault_rc;
    } else {
        rc = IO_COMMIT(txn->txn); /* frees the MDB_txn either way,
                                          and a write txn's cursors */
    }
    if (rc)
        gb_db_memo_failed(db, id);
    pool_free(txn);
    rec_release(txn->db, &txn->rec);
    if (txn->shared)
        pthread_mutex_destroy(&txn->lock);
    free(txn);
    if (rc == EIO && nearly_full(db->path))
        rc = ENOSPC;
    return gb_db_map_err(rc);
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
        gb_err e = gb_db_map_err(rc);
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
    return gb_db_put_raw(t, tb, key, klen, val, vlen, true);
}

gb_err gb_db_del(gb_db_txn *t, gb_db_table tb, const void *key, size_t klen)
{
    gb_err err = check_write(t, tb, key, klen);
    if (err)
        return err;
    MDB_val k = {klen, (void *)key}, old;
    uint8_t d_old[32];
    uint64_t h;
    MDB_cursor *wc;
    int rc;
    if ((err = gb_db_memo_touch(t, tb, key, klen)))
        return err;
    if ((rc = write_cursor(t, tb, &wc)))
        return fail(t, rc);
    /* one search: the cursor finds the entry (and its value, digested
     * at the first touch), then deletes where it stands */
    rc = IO(mdb_cursor_get(wc, &k, &old, MDB_SET));
    if (rc == MDB_NOTFOUND)
        return GB_NOT_FOUND;
    if (rc)
        return fail(t, rc);
    if (rec_has(t, tb, key, klen, &h)) { /* recorded: LMDB only */
        rc = IO(mdb_cursor_del(wc, 0));
        return rc ? fail(t, rc) : GB_OK;
    }
    if ((err = rec_reserve(&t->rec, klen)))
        return err;
    if (!xc_known(t->db, h, tb, key, klen, d_old))
        gb_lthash_digest((uint8_t)tb, key, klen, old.mv_data, old.mv_size,
                         d_old);
    if ((rc = IO(mdb_cursor_del(wc, 0))) != 0)
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
        return gb_db_map_err(rc);
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
            return gb_db_map_err(rc);
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
        return gb_db_map_err(rc);
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
        e = txn->failed ? txn->failed : gb_db_rec_fold(txn);
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
