/*
 * The memo (db.h, "the memo"): values decoded from one table (PROGRAMS),
 * kept by the gb_db across write transactions, so that a block's
 * dispatches do not each read and decode their program's record from
 * LMDB again.
 *
 * What it holds.  An entry is the decoded value of a key as the last
 * committed state has it; memo.txnid is the LMDB id of that commit.  Only
 * write transactions use it: a write transaction always begins on the
 * last commit (LMDB gives it id last + 1), and when its id says another
 * commit came in between (another process, a restored file) the memo is
 * emptied first.  Read transactions may read an older snapshot and never
 * look at it.
 *
 * Keeping it true.  Every write of a key of the table (gb_db_put_raw,
 * gb_db_del: the only two ways anything reaches LMDB) marks the key dirty
 * in the memo before LMDB is called, whatever the key's value was: a dirty
 * key is not served nor added for the rest of the transaction (the reader
 * goes to LMDB, which has the transaction's own writes).  At commit,
 * before LMDB commits, the dirty keys leave the memo (their next read
 * refills them) and memo.txnid becomes the transaction's id; should the
 * commit then fail, the memo is emptied (unless a newer write transaction
 * has begun, which emptied it already).  At abort the dirty marks are
 * dropped: the entries still have the committed values.  So a rolled-back
 * block leaves the memo as it was, and a value is served only if no write
 * of this transaction touched its key.
 *
 * Threads.  One lock (memo.lock) around every use: the scheduler's waves
 * read programs from several threads at once.  But while the memo is
 * frozen (gb_db_memo_freeze: a wave's preparations, when nothing writes)
 * lookups take no lock — the table does not change: a value read then is
 * kept aside, under the lock, and put in the table when it thaws, on the
 * writing thread alone.  Entries' values are
 * allocated one by one and freed only at commit, abort or the next
 * begin — never while a transaction may still hold one (a read's result
 * points into its value until the transaction ends, as an LMDB value
 * would).  The table is open addressing with linear probing and
 * backward-shift deletion; its order is never used.
 */
#include "state/db_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "util/mem.h"

#define MEMO_TABLE GB_TABLE_PROGRAMS
#define MEMO_MAX 16384u /* entries: past it, nothing is added until the
                           next commit empties the memo */

static uint64_t memo_hash(const uint8_t *key)
{
    uint64_t x;
    memcpy(&x, key, 8); /* (ids are hashes: their bytes are spread) */
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    return x ^ (x >> 29);
}

/* The slot of key, or of the empty slot where it would go. */
static uint32_t memo_slot(const gb_db_memo *m, const uint8_t *key)
{
    uint32_t mask = m->cap - 1;
    for (uint32_t i = (uint32_t)memo_hash(key) & mask;; i = (i + 1) & mask)
        if (!m->s[i].state || !memcmp(m->s[i].key, key, GB_DB_MEMO_KEY))
            return i;
}

static void memo_remove(gb_db_memo *m, uint32_t i)
{
    uint32_t mask = m->cap - 1;
    free(m->s[i].val);
    m->s[i] = (gb_db_memo_slot){0};
    m->n--;
    for (uint32_t j = (i + 1) & mask; m->s[j].state; j = (j + 1) & mask) {
        uint32_t k = (uint32_t)memo_hash(m->s[j].key) & mask;
        /* slot j may move to the hole at i if its home k is not in (i, j] */
        bool stays = i <= j ? (k > i && k <= j) : (k > i || k <= j);
        if (!stays) {
            m->s[i] = m->s[j];
            m->s[j] = (gb_db_memo_slot){0};
            i = j;
        }
    }
}

/* Drops the values kept aside while frozen. */
static void memo_later_clear(gb_db_memo *m)
{
    for (uint32_t i = 0; i < m->nlater; i++)
        free(m->later[i].val);
    m->nlater = 0;
}

static void memo_clear(gb_db_memo *m)
{
    memo_later_clear(m);
    for (uint32_t i = 0; i < m->cap; i++)
        free(m->s[i].val);
    if (m->n)
        memset(m->s, 0, (size_t)m->cap * sizeof *m->s);
    m->n = 0;
    m->ndirty = 0;
}

/* Room for one more entry (GB_NOMEM: none, m unchanged). */
static bool memo_room(gb_db_memo *m)
{
    if ((m->n + 1) * 2 <= m->cap)
        return true;
    uint32_t cap = m->cap ? m->cap * 2 : 256;
    gb_db_memo_slot *ns = gb_calloc_warm(cap, sizeof *ns), *os = m->s;
    if (!ns)
        return false;
    uint32_t ocap = m->cap;
    m->s = ns;
    m->cap = cap;
    for (uint32_t i = 0; i < ocap; i++)
        if (os[i].state)
            m->s[memo_slot(m, os[i].key)] = os[i];
    free(os);
    return true;
}

void gb_db_memo_init(gb_db *db)
{
    pthread_mutex_init(&db->memo.lock, NULL);
    db->memo.txnid = SIZE_MAX;
}

void gb_db_memo_free(gb_db *db)
{
    memo_clear(&db->memo);
    free(db->memo.s);
    free(db->memo.dirty);
    free(db->memo.later);
    pthread_mutex_destroy(&db->memo.lock);
}

void gb_db_memo_reset(gb_db *db)
{
    pthread_mutex_lock(&db->memo.lock);
    memo_clear(&db->memo);
    db->memo.txnid = SIZE_MAX;
    pthread_mutex_unlock(&db->memo.lock);
}

void gb_db_memo_begin(gb_db_txn *t)
{
    gb_db_memo *m = &t->db->memo;
    size_t id = mdb_txn_id(t->txn);
    pthread_mutex_lock(&m->lock);
    if (m->txnid != id - 1) { /* another commit came in between */
        memo_clear(m);
        m->txnid = id - 1;
    }
    m->ndirty = 0; /* (an abort cleared them; a failed commit emptied it) */
    pthread_mutex_unlock(&m->lock);
}

void gb_db_memo_end(gb_db_txn *t, bool committing)
{
    gb_db_memo *m = &t->db->memo;
    pthread_mutex_lock(&m->lock);
    m->frozen = false; /* (a transaction that ended in a frozen stretch) */
    memo_later_clear(m);
    for (uint32_t d = 0; d < m->ndirty; d++) {
        uint32_t i = memo_slot(m, m->dirty[d].key);
        if (!m->s[i].state)
            continue;
        if (committing || !m->s[i].val)
            memo_remove(m, i);
        else
            m->s[i].state = GB_DB_MEMO_VALID;
    }
    m->ndirty = 0;
    if (committing) {
        if (m->n > MEMO_MAX)
            memo_clear(m);
        m->txnid = mdb_txn_id(t->txn);
    }
    pthread_mutex_unlock(&m->lock);
}

void gb_db_memo_failed(gb_db *db, size_t txnid)
{
    pthread_mutex_lock(&db->memo.lock);
    if (db->memo.txnid == txnid) { /* (no newer write txn began since) */
        memo_clear(&db->memo);
        db->memo.txnid = SIZE_MAX;
    }
    pthread_mutex_unlock(&db->memo.lock);
}

gb_err gb_db_memo_touch(gb_db_txn *t, gb_db_table tb, const void *key,
                        size_t klen)
{
    if (tb != MEMO_TABLE)
        return GB_OK;
    gb_db_memo *m = &t->db->memo;
    if (klen != GB_DB_MEMO_KEY) { /* (not one of the memo's keys) */
        return GB_OK;
    }
    gb_err e = GB_OK;
    pthread_mutex_lock(&m->lock);
    uint32_t i = m->cap ? memo_slot(m, key) : 0;
    if (m->cap && m->s[i].state == GB_DB_MEMO_DIRTY)
        goto out; /* (marked already) */
    if (!gb_grow((void **)&m->dirty, &m->cap_dirty, (uint64_t)m->ndirty + 1,
                 sizeof *m->dirty, 16)) {
        e = GB_NOMEM;
        goto out;
    }
    if (!m->cap || !m->s[i].state) {
        if (!memo_room(m)) {
            e = GB_NOMEM;
            goto out;
        }
        i = memo_slot(m, key);
        memcpy(m->s[i].key, key, GB_DB_MEMO_KEY);
        m->n++;
    }
    m->s[i].state = GB_DB_MEMO_DIRTY;
    memcpy(m->dirty[m->ndirty++].key, key, GB_DB_MEMO_KEY);
out:
    pthread_mutex_unlock(&m->lock);
    return e;
}

const void *gb_db_memo_find(gb_db_txn *t, gb_db_table tb, const void *key)
{
    if (!t->write || tb != MEMO_TABLE)
        return NULL;
    gb_db_memo *m = &t->db->memo;
    const void *v = NULL;
    bool frozen = m->frozen;
    if (!frozen)
        pthread_mutex_lock(&m->lock);
    if (m->cap) {
        const gb_db_memo_slot *s = &m->s[memo_slot(m, key)];
        if (s->state == GB_DB_MEMO_VALID)
            v = s->val;
    }
    if (!frozen)
        pthread_mutex_unlock(&m->lock);
    return v;
}

const void *gb_db_memo_add(gb_db_txn *t, gb_db_table tb, const void *key,
                           const void *head, size_t head_len,
                           const void *tail, size_t tail_len)
{
    if (!t->write || tb != MEMO_TABLE || t->failed)
        return NULL;
    gb_db_memo *m = &t->db->memo;
    void *v = NULL;
    pthread_mutex_lock(&m->lock);
    uint32_t i = m->cap ? memo_slot(m, key) : 0;
    if (m->cap && m->s[i].state == GB_DB_MEMO_VALID) {
        v = m->s[i].val; /* (another thread read it meanwhile) */
        goto out;
    }
    if ((m->cap && m->s[i].state) || m->n >= MEMO_MAX ||
        (!m->frozen && !memo_room(m)))
        goto out; /* dirty (written in this txn), full, or no memory */
    if (m->frozen &&
        !gb_grow((void **)&m->later, &m->cap_later, (uint64_t)m->nlater + 1,
                 sizeof *m->later, 16))
        goto out;
    if (!(v = gb_malloc(head_len + tail_len ? head_len + tail_len : 1)))
        goto out;
    memcpy(v, head, head_len);
    if (tail_len)
        memcpy((uint8_t *)v + head_len, tail, tail_len);
    if (m->frozen) { /* (the table may not change: see the thaw) */
        memcpy(m->later[m->nlater].key, key, GB_DB_MEMO_KEY);
        m->later[m->nlater++].val = v;
        v = NULL;
        goto out;
    }
    i = memo_slot(m, key);
    memcpy(m->s[i].key, key, GB_DB_MEMO_KEY);
    m->s[i].state = GB_DB_MEMO_VALID;
    m->s[i].val = v;
    m->n++;
out:
    pthread_mutex_unlock(&m->lock);
    return v;
}

void gb_db_memo_freeze(gb_db_txn *t, bool on)
{
    if (!t->write)
        return;
    gb_db_memo *m = &t->db->memo;
    pthread_mutex_lock(&m->lock);
    m->frozen = on;
    /* thawing: what was read meanwhile, unless read twice, written since
     * (it cannot be, but the marks say so), or the memo is full */
    for (uint32_t k = 0; !on && k < m->nlater; k++) {
        void *v = m->later[k].val;
        uint32_t i = m->cap ? memo_slot(m, m->later[k].key) : 0;
        if ((m->cap && m->s[i].state) || m->n >= MEMO_MAX || !memo_room(m)) {
            free(v);
            continue;
        }
        i = memo_slot(m, m->later[k].key);
        memcpy(m->s[i].key, m->later[k].key, GB_DB_MEMO_KEY);
        m->s[i].state = GB_DB_MEMO_VALID;
        m->s[i].val = v;
        m->n++;
    }
    if (!on)
        m->nlater = 0;
    pthread_mutex_unlock(&m->lock);
}
