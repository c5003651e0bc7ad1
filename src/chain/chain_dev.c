/*
 * The dev chain's controls (chain.h, "dev controls"): setting a balance,
 * and snapshots of the whole chain that a test can go back to.
 *
 * Setting a balance writes the account (or program) record in a write
 * transaction of its own, outside any block, and moves META "issuance" by
 * the difference, so the value audit (gb_chain_audit,
 * gb_chain_totals_conserved) holds as before: the value was minted or
 * burned by decree.  The state root follows (the store keeps it current at
 * every commit); the head's header keeps the root it was sealed with, and
 * the next block's header has the new one.
 *
 * Snapshots.  What a chain is: the store (one LMDB data file: state, block
 * headers, head), the pending transactions (in memory, and pool.log), and
 * what is derived from those (the head fields, the pending sums, the code
 * cache).  A snapshot is a copy of the data file (gb_db_copy_to:
 * mdb_env_copyfd2 from a read snapshot, a sequential copy of the file's
 * used pages, DIR/snapshot-ID.mdb) and a copy of the pending
 * transactions; a revert renames the copy over data.mdb and reopens the
 * environment (gb_db_restore_from), puts the pending transactions back,
 * and derives the rest again.  So a revert costs a rename and an
 * environment open, whatever the size of the chain, and a snapshot one
 * copy of the file (bench/bench_devsnap.c measures both).  The other
 * ways considered: replaying the stored inputs from genesis costs as much
 * as producing every block again (seconds for thousands of blocks); an
 * undo log of every write since the snapshot would have to follow every
 * table and the state root's lanes through every later change of the
 * store; LMDB cannot make an old read snapshot the head again.
 *
 * As in anvil and Hardhat, a revert consumes its snapshot and every later
 * one (their futures are gone): take another to go back again.  So a test
 * that snapshots and reverts in a loop keeps one file on disk, not one per
 * round.  Snapshots do not outlive the gb_chain: close deletes their
 * files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/chain_int.h"
#include "chain/chain_tx.h"
#include "chain/replay.h"
#include "chain/pool_log.h"
#include "util/grow.h"
#include "util/mem.h"

typedef struct dev_snap {
    uint32_t id;
    char *file;          /* DIR/snapshot-ID.mdb */
    gb_ptx *pending;     /* deep copies */
    uint32_t npending;
} dev_snap;

struct gb_chain_snaps {
    uint32_t next_id;    /* ids start at 1 */
    dev_snap *v;         /* in id order */
    uint32_t n, cap;
};

static void set_detail(char *detail, size_t len, const char *msg)
{
    if (detail && len)
        snprintf(detail, len, "%s", msg);
}

static void ptx_free(gb_ptx *p)
{
    free(p->code);
    free(p->salt);
    free(p->payload);
}

static void snap_free(dev_snap *s, bool remove_file)
{
    if (remove_file && s->file)
        unlink(s->file);
    free(s->file);
    for (uint32_t i = 0; i < s->npending; i++)
        ptx_free(&s->pending[i]);
    free(s->pending);
    memset(s, 0, sizeof *s);
}

void gb_chain_dev_free(gb_chain *c)
{
    if (!c->snaps)
        return;
    for (uint32_t i = 0; i < c->snaps->n; i++)
        snap_free(&c->snaps->v[i], true);
    free(c->snaps->v);
    free(c->snaps);
    c->snaps = NULL;
}

static bool dup_field(const uint8_t *src, uint32_t n, uint8_t **own,
                      const uint8_t **view)
{
    *own = NULL;
    if (!src) {
        *view = NULL;
        return true;
    }
    *own = gb_malloc(n ? n : 1);
    if (!*own)
        return false;
    if (n)
        memcpy(*own, src, n);
    *view = *own;
    return true;
}

/* A deep copy of p into *out (its pointers into its own buffers). */
static gb_err ptx_copy(const gb_ptx *p, gb_ptx *out)
{
    *out = *p;
    out->code = out->salt = out->payload = NULL;
    if (!dup_field(p->tx.code, p->tx.code_len, &out->code, &out->tx.code) ||
        !dup_field(p->tx.salt, p->tx.salt_len, &out->salt, &out->tx.salt) ||
        !dup_field(p->tx.payload, p->tx.payload_len, &out->payload,
                   &out->tx.payload)) {
        ptx_free(out);
        return GB_NOMEM;
    }
    return GB_OK;
}

static gb_err pool_copy(const gb_ptx *src, uint32_t n, gb_ptx **out)
{
    *out = NULL;
    if (!n)
        return GB_OK;
    gb_ptx *v = gb_calloc(n, sizeof *v);
    if (!v)
        return GB_NOMEM;
    for (uint32_t i = 0; i < n; i++)
        if (ptx_copy(&src[i], &v[i])) {
            for (uint32_t j = 0; j < i; j++)
                ptx_free(&v[j]);
            free(v);
            return GB_NOMEM;
        }
    *out = v;
    return GB_OK;
}

/* Take the chain for a dev operation: no block under way, and none can
 * start (produce() refuses while `producing`).  GB_BUSY when one is under
 * way.  mu is not held meanwhile: a block takes the store's write
 * transaction before mu, so holding mu while taking it could deadlock;
 * what the pending pool needs takes mu for itself. */
static gb_err take(gb_chain *c)
{
    pthread_mutex_lock(&c->mu);
    bool busy = c->producing;
    c->producing = true;
    pthread_mutex_unlock(&c->mu);
    return busy ? GB_BUSY : GB_OK;
}

static void give(gb_chain *c)
{
    pthread_mutex_lock(&c->mu);
    c->producing = false;
    pthread_mutex_unlock(&c->mu);
}

/* ---- balances ---------------------------------------------------------- */

gb_err gb_chain_dev_set_balance(gb_chain *c, gb_id id, gb_u128 amount,
                                gb_u128 *out_old, char *detail,
                                size_t detail_len)
{
    gb_err e = take(c);
    if (e) {
        set_detail(detail, detail_len, "a block is under way");
        return e;
    }
    gb_db_txn *txn = NULL;
    uint8_t *alloc = NULL;
    gb_u128 old = gb_u128_from(0);
    if ((e = gb_db_begin(c->db, &txn)))
        goto out;
    gb_db_program p;
    e = gb_db_program_get(txn, id, &p);
    if (!e) {
        old = p.balance;
        p.balance = amount;
        /* the record's allocations point into the map: copied before the
         * put, which may move the page they are on */
        uint32_t abytes = (p.alloc_pages + 7) / 8;
        if (p.allocations && abytes) {
            if (!(alloc = gb_malloc(abytes))) {
                e = GB_NOMEM;
                goto out;
            }
            memcpy(alloc, p.allocations, abytes);
            p.allocations = alloc;
        }
        e = gb_db_program_put(txn, id, &p);
    } else if (e == GB_NOT_FOUND) {
        gb_db_account a;
        e = gb_db_account_get(txn, id, &a);
        if (e && e != GB_NOT_FOUND)
            goto out;
        old = a.balance;
        a.balance = amount;
        e = gb_db_account_put(txn, id, &a);
    }
    if (e)
        goto out;
    /* issuance += amount - old, never below what is held (it cannot be:
     * issuance covers old) */
    gb_u128 issuance = gb_u128_from(0);
    gb_db_val v;
    if (!gb_db_meta_get(txn, "issuance", &v) && v.len == 16)
        issuance = gb_u128_from_le(v.data);
    if (gb_u128_cmp(amount, old) >= 0) {
        if (!gb_u128_add_to(&issuance, gb_u128_sub(amount, old))) {
            e = GB_OVERFLOW;
            set_detail(detail, detail_len,
                       "the total issuance would exceed 2^128-1");
            goto out;
        }
    } else {
        gb_u128 less = gb_u128_sub(old, amount);
        if (gb_u128_cmp(issuance, less) < 0) {
            e = GB_MALFORMED; /* the audit did not hold before */
            set_detail(detail, detail_len,
                       "the issuance is below the balance (the value "
                       "audit did not hold)");
            goto out;
        }
        issuance = gb_u128_sub(issuance, less);
    }
    uint8_t buf[16];
    gb_u128_to_le(issuance, buf);
    if ((e = gb_db_meta_put(txn, "issuance", buf, 16)))
        goto out;
    /* an input of the next block, for a replay (replay.c): the last
     * balance set for id while the head is at this height */
    uint8_t key[GB_CHAIN_DEV_KEY];
    gb_chain_dev_key(c->height, id, key);
    gb_u128_to_le(amount, buf);
    if ((e = gb_db_put_history(txn, key, sizeof key, buf, 16)))
        goto out;
    e = gb_db_commit(txn);
    txn = NULL;
out:
    if (txn)
        gb_db_abort(txn);
    free(alloc);
    give(c);
    if (!e && out_old)
        *out_old = old;
    return e;
}

/* ---- runs of blocks ------------------------------------------------------ */

gb_err gb_chain_dev_lazy_blocks(gb_chain *c, bool lazy)
{
    if (c->cfg.nosync)
        return GB_OK;
    gb_err e = take(c);
    if (e)
        return e;
    e = gb_db_set_lazy_sync(c->db, lazy);
    give(c);
    return e;
}

/* ---- snapshots --------------------------------------------------------- */

gb_err gb_chain_dev_snapshot(gb_chain *c, uint32_t *out_id)
{
    if (!c->snaps && !(c->snaps = gb_calloc(1, sizeof *c->snaps)))
        return GB_NOMEM;
    struct gb_chain_snaps *s = c->snaps;
    if (!gb_grow((void **)&s->v, &s->cap, (uint64_t)s->n + 1, sizeof *s->v,
                 4))
        return GB_NOMEM;
    gb_err e = take(c);
    if (e == GB_BUSY)
        return e; /* (producing was not ours to clear) */
    dev_snap sn = {.id = ++s->next_id};
    const char *dir = gb_db_path(c->db);
    size_t n = strlen(dir) + 40;
    if (!(sn.file = gb_malloc(n))) {
        e = GB_NOMEM;
        goto out;
    }
    snprintf(sn.file, n, "%s/snapshot-%u.mdb", dir, sn.id);
    /* no block commits while the chain is taken: the pool copied now goes
     * with the state copied below */
    pthread_mutex_lock(&c->mu);
    e = pool_copy(c->pending, c->npending, &sn.pending);
    sn.npending = e ? 0 : c->npending;
    pthread_mutex_unlock(&c->mu);
    if (e)
        goto out;
    if ((e = gb_db_copy_to(c->db, sn.file)))
        goto out;
    s->v[s->n++] = sn;
    *out_id = sn.id;
    give(c);
    return GB_OK;
out:
    give(c);
    snap_free(&sn, false);
    return e;
}

uint32_t gb_chain_dev_snapshots(gb_chain *c)
{
    return c->snaps ? c->snaps->n : 0;
}

/* The head fields from the store (as open does), set under mu. */
static gb_err load_head(gb_chain *c)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    uint32_t height = 0;
    uint8_t hash[32];
    gb_block_header h;
    if (!(e = gb_db_head(r, &height, hash)) &&
        !(e = gb_db_block_get(r, height, &h))) {
        pthread_mutex_lock(&c->mu);
        c->height = height;
        c->head_ts = h.timestamp;
        memcpy(c->head_hash, hash, 32);
        pthread_mutex_unlock(&c->mu);
    }
    gb_db_read_end(r);
    return e == GB_NOT_FOUND ? GB_MALFORMED : e;
}

gb_err gb_chain_dev_revert(gb_chain *c, uint32_t id, char *detail,
                           size_t detail_len)
{
    struct gb_chain_snaps *s = c->snaps;
    uint32_t k = 0;
    while (s && k < s->n && s->v[k].id != id)
        k++;
    if (!s || k == s->n) {
        set_detail(detail, detail_len,
                   "no such snapshot (a revert consumes its snapshot and "
                   "the later ones)");
        return GB_NOT_FOUND;
    }
    /* a fresh code cache (below), made first: past the restore nothing
     * may fail but the store itself */
    gb_code_cache *codes;
    gb_err e = gb_code_cache_new(NULL, &codes);
    if (e)
        return e;
    gb_code_cache_set_limit(codes, c->cfg.code_cache_bytes
                                       ? c->cfg.code_cache_bytes
                                       : GB_CHAIN_CODE_CACHE_BYTES);
    /* read-only calls and estimates hold the store's transactions too */
    pthread_mutex_lock(&c->call_mu);
    if ((e = take(c))) {
        pthread_mutex_unlock(&c->call_mu);
        gb_code_cache_free(codes);
        set_detail(detail, detail_len, "a block is under way");
        return e;
    }
    dev_snap *sn = &s->v[k];
    e = gb_db_restore_from(c->db, sn->file);
    if (e == GB_NOT_FOUND) {
        set_detail(detail, detail_len, "the snapshot's file is gone");
        give(c);
        pthread_mutex_unlock(&c->call_mu);
        gb_code_cache_free(codes);
        return GB_IO;
    }
    if (!e)
        e = load_head(c);
    if (e)
        set_detail(detail, detail_len,
                   "the store could not be reopened after the revert");
    /* the pending transactions of the snapshot, moved in */
    pthread_mutex_lock(&c->mu);
    for (uint32_t i = 0; i < c->npending; i++)
        ptx_free(&c->pending[i]);
    c->npending = 0;
    if (sn->npending &&
        gb_grow((void **)&c->pending, &c->cap_pending, sn->npending,
                sizeof *c->pending, 16)) {
        memcpy(c->pending, sn->pending, sn->npending * sizeof *c->pending);
        c->npending = sn->npending;
        free(sn->pending);
        sn->pending = NULL;
        sn->npending = 0;
    }
    gb_chain_pend_recount(c);
    if (c->plog)
        gb_pool_log_rewrite(c->plog, c->pending, c->npending);
    /* prepared codes of uploads that are no longer there go */
    gb_code_cache_free(c->codes);
    c->codes = codes;
    pthread_mutex_unlock(&c->mu);
    /* this snapshot (its file was renamed away) and the later ones go */
    free(sn->file);
    sn->file = NULL;
    for (uint32_t i = k; i < s->n; i++)
        snap_free(&s->v[i], true);
    s->n = k;
    give(c);
    pthread_mutex_unlock(&c->call_mu);
    return e;
}
