/*
 * The state root: an order-independent, incremental multiset hash over all
 * (table, key, value) entries (state/lthash.h).  Checked here: it does not
 * depend on the order of writes or on how they are split into blocks; it
 * returns to the empty root when everything is deleted; the running root
 * equals a from-scratch recomputation after thousands of random puts,
 * overwrites and deletes (some in aborted transactions); equal overwrites
 * change nothing; the deferred update costs expansions only for entries a
 * transaction changed in the end (counted with gb_lthash_expansions), and
 * fewer when the expansion cache kept the value's E from an earlier fold;
 * and golden vectors pin the construction's bytes (both reproduced
 * independently by tests/state/golden_root.py, in Python).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state/db.h"
#include "state/lthash.h"
#include "state/tables.h"
#include "util/hash.h"
#include "util/pool.h"
#include "test.h"

static uint64_t rng_state;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static gb_db *open_temp(void)
{
    gb_db *db = NULL;
    gb_db_opts o = {.flags = GB_DB_NOSYNC};
    gb_err err = gb_db_open(NULL, &o, &db, NULL, 0);
    if (err)
        fprintf(stderr, "open: %s\n", gb_err_name(err));
    return db;
}

static void hex32(const uint8_t b[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

#define EXPECT_ROOT(want, got)                                               \
    do {                                                                     \
        char w_[65], g_[65];                                                 \
        hex32(want, w_);                                                     \
        hex32(got, g_);                                                      \
        GB_EXPECT_STR_CONTAINS(g_, w_);                                      \
    } while (0)

static void check_recompute(gb_db_txn *t)
{
    uint8_t a[32], b[32];
    gb_db_state_root(t, a);
    GB_EXPECT_ERR(GB_OK, gb_db_state_root_recompute(t, b));
    EXPECT_ROOT(a, b);
}

/* One entry of the test state: table, key, value. */
typedef struct entry {
    gb_db_table t;
    uint8_t key[40];
    size_t klen;
    uint8_t val[300];
    size_t vlen;
} entry;

static const gb_db_table hashed[] = {
    GB_TABLE_CODES,    GB_TABLE_CODE_META, GB_TABLE_PROGRAMS,
    GB_TABLE_PAGES,    GB_TABLE_QUEUE,     GB_TABLE_WAITLIST,
    GB_TABLE_MAILBOX,  GB_TABLE_STASH,     GB_TABLE_TASKS,
    GB_TABLE_RESERVATIONS, GB_TABLE_ACCOUNTS, GB_TABLE_META};

static void random_entry(entry *e, int small_keys)
{
    e->t = hashed[rnd() % (sizeof hashed / sizeof *hashed)];
    e->klen = 1 + rnd() % (small_keys ? 2 : 40);
    for (size_t i = 0; i < e->klen; i++)
        e->key[i] = (uint8_t)(small_keys ? 'a' + rnd() % 4 : rnd());
    if (e->t == GB_TABLE_META)
        e->key[0] = 'm'; /* not an internal name */
    e->vlen = rnd() % 300;
    for (size_t i = 0; i < e->vlen; i++)
        e->val[i] = (uint8_t)rnd();
}

static void test_empty_root_golden(void)
{
    uint8_t root[32], want[32], zeros[GB_LTHASH_BYTES] = {0};
    gb_db_state_root_empty(root);
    gb_blake2b256(zeros, sizeof zeros, want);
    EXPECT_ROOT(want, root);
    char hex[65];
    hex32(root, hex);
    GB_EXPECT_STR_CONTAINS(
        hex, "200823e5158b3774c11b5c61850ada762f8264144a9bebec3ebac5a2adde67b8");
    gb_db *db = open_temp();
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    gb_db_state_root(t, want);
    EXPECT_ROOT(root, want);
    check_recompute(t);
    gb_db_read_end(t);
    gb_db_close(db);
}

/* A fixed small state through the typed tables: its root is consensus
 * (pages count as stored: trimmed of their trailing zeros). */
static void test_state_golden(void)
{
    gb_db *db = open_temp();
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    gb_id a, b;
    memset(a.b, 1, 32);
    memset(b.b, 2, 32);
    gb_db_account acc = {{1000, 0}, 1};
    GB_EXPECT_ERR(GB_OK, gb_db_account_put(t, a, &acc));
    GB_EXPECT_ERR(GB_OK, gb_db_code_put(t, b, (const uint8_t *)"\0asm", 4));
    static uint8_t page[GB_GEAR_PAGE_SIZE];
    page[0] = 1;
    GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, a, 5, page, GB_GEAR_PAGE_SIZE));
    gb_db_dispatch x = {0};
    x.d.kind = GB_DISPATCH_HANDLE;
    x.d.id = b;
    x.d.source = a;
    x.d.destination = b;
    x.d.payload = (const uint8_t *)"ping";
    x.d.payload_len = 4;
    x.d.gas_limit = 1000;
    GB_EXPECT_ERR(GB_OK, gb_db_queue_push(t, &x, NULL));
    uint8_t root[32];
    char hex[65];
    gb_db_state_root(t, root);
    hex32(root, hex);
    GB_EXPECT_STR_CONTAINS(hex, "3322e1aca7783595db1362bc925f291414e5f501634978f8538cf5b7213175bd");
    check_recompute(t);
    gb_db_abort(t);
    gb_db_close(db);
}

static void test_lthash_basics(void)
{
    gb_lthash h, z;
    gb_lthash_zero(&h);
    gb_lthash_zero(&z);
    uint8_t d1[32], d2[32], d3[32];
    gb_lthash_digest(1, "k", 1, "v", 1, d1);
    gb_lthash_digest(2, "k", 1, "v", 1, d2); /* another table */
    gb_lthash_digest(1, "kv", 2, NULL, 0, d3); /* key/value boundary */
    GB_EXPECT(memcmp(d1, d2, 32) != 0);
    GB_EXPECT(memcmp(d1, d3, 32) != 0);
    gb_lthash_add(&h, d1);
    gb_lthash_add(&h, d2);
    GB_EXPECT(memcmp(&h, &z, sizeof h) != 0);
    gb_lthash_sub(&h, d1);
    gb_lthash_sub(&h, d2);
    GB_EXPECT(memcmp(&h, &z, sizeof h) == 0);
    /* a multiset: adding the same entry twice is not adding it once */
    gb_lthash_add(&h, d1);
    gb_lthash once = h;
    gb_lthash_add(&h, d1);
    GB_EXPECT(memcmp(&h, &once, sizeof h) != 0);
    uint8_t enc[GB_LTHASH_BYTES];
    gb_lthash_encode(&h, enc);
    gb_lthash back;
    gb_lthash_decode(&back, enc);
    GB_EXPECT(memcmp(&back, &h, sizeof h) == 0);
    GB_EXPECT_U64(h.lane[0] & 0xff, enc[0]);
    GB_EXPECT_U64(h.lane[0] >> 8, enc[1]);
}

static void test_order_independence(void)
{
    enum { N = 600 };
    entry *es = malloc(N * sizeof *es);
    rng_state = 1;
    for (int i = 0; i < N; i++) {
        random_entry(&es[i], 0);
        es[i].key[0] = (uint8_t)i; /* distinct keys */
        es[i].key[1 % es[i].klen] ^= (uint8_t)(i >> 8);
        if (es[i].klen < 2)
            es[i].klen = 2;
        if (es[i].t == GB_TABLE_META)
            es[i].key[0] = 'm', es[i].key[1] = (uint8_t)i,
            es[i].klen = 3, es[i].key[2] = (uint8_t)(i >> 8);
    }
    /* db1: in order, one transaction */
    gb_db *d1 = open_temp(), *d2 = open_temp();
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(d1, &t));
    for (int i = 0; i < N; i++)
        GB_EXPECT_ERR(GB_OK, gb_db_put(t, es[i].t, es[i].key, es[i].klen,
                                       es[i].val, es[i].vlen));
    uint8_t r1[32], r2[32];
    gb_db_state_root(t, r1);
    check_recompute(t);
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    /* db2: shuffled, across 7 transactions, each value first written
     * wrong and then corrected, some entries deleted and put back */
    int *perm = malloc(N * sizeof *perm);
    for (int i = 0; i < N; i++)
        perm[i] = i;
    for (int i = N - 1; i > 0; i--) {
        int j = (int)(rnd() % (uint64_t)(i + 1)), x = perm[i];
        perm[i] = perm[j];
        perm[j] = x;
    }
    for (int part = 0; part < 7; part++) {
        GB_EXPECT_ERR(GB_OK, gb_db_begin(d2, &t));
        for (int i = part * N / 7; i < (part + 1) * N / 7; i++) {
            entry *e = &es[perm[i]];
            GB_EXPECT_ERR(GB_OK, gb_db_put(t, e->t, e->key, e->klen, "junk",
                                           4));
            if (i % 3 == 0)
                GB_EXPECT_ERR(GB_OK, gb_db_del(t, e->t, e->key, e->klen));
            GB_EXPECT_ERR(GB_OK, gb_db_put(t, e->t, e->key, e->klen, e->val,
                                           e->vlen));
        }
        GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    }
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(d2, &t));
    gb_db_state_root(t, r2);
    check_recompute(t);
    gb_db_read_end(t);
    EXPECT_ROOT(r1, r2);
    uint8_t empty[32];
    gb_db_state_root_empty(empty);
    GB_EXPECT(memcmp(r1, empty, 32) != 0);

    /* delete everything (in yet another order): back to the empty root */
    GB_EXPECT_ERR(GB_OK, gb_db_begin(d2, &t));
    for (int i = 0; i < N; i++)
        GB_EXPECT_ERR(GB_OK, gb_db_del(t, es[i].t, es[i].key, es[i].klen));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(d2, &t));
    gb_db_state_root(t, r2);
    EXPECT_ROOT(empty, r2);
    check_recompute(t);
    gb_db_read_end(t);
    free(perm);
    free(es);
    gb_db_close(d1);
    gb_db_close(d2);
}

static void test_equal_overwrite(void)
{
    gb_db *db = open_temp();
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_CODES, "key", 3, "value", 5));
    uint8_t a[32], b[32];
    gb_db_state_root(t, a);
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_CODES, "key", 3, "value", 5));
    gb_db_state_root(t, b);
    EXPECT_ROOT(a, b);
    /* change and change back */
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_CODES, "key", 3, "other", 5));
    gb_db_state_root(t, b);
    GB_EXPECT(memcmp(a, b, 32) != 0);
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_CODES, "key", 3, "value", 5));
    gb_db_state_root(t, b);
    EXPECT_ROOT(a, b);
    /* the same bytes in another table are another entry */
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, "key", 3, "value", 5));
    gb_db_state_root(t, b);
    GB_EXPECT(memcmp(a, b, 32) != 0);
    GB_EXPECT_ERR(GB_OK, gb_db_del(t, GB_TABLE_STASH, "key", 3));
    /* a failed delete changes nothing */
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_del(t, GB_TABLE_STASH, "key", 3));
    gb_db_state_root(t, b);
    EXPECT_ROOT(a, b);
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    /* an aborted transaction leaves the root as committed */
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_CODES, "key2", 4, "x", 1));
    gb_db_abort(t);
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    gb_db_state_root(t, b);
    EXPECT_ROOT(a, b);
    check_recompute(t);
    gb_db_read_end(t);
    gb_db_close(db);
}

/* Thousands of random puts, overwrites and deletes over a small key space
 * (so that they collide), in committed and aborted transactions, through
 * the raw and the typed functions; the running root must always equal the
 * recomputed one. */
static void test_random_ops(void)
{
    gb_db *db = open_temp();
    rng_state = 42;
    int ops = 0;
    for (int round = 0; round < 40; round++) {
        gb_db_txn *t;
        GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
        int n = 50 + (int)(rnd() % 150);
        for (int i = 0; i < n; i++, ops++) {
            entry e;
            random_entry(&e, 1);
            uint64_t r = rnd() % 10;
            if (r < 3) {
                gb_err err = gb_db_del(t, e.t, e.key, e.klen);
                GB_EXPECT(err == GB_OK || err == GB_NOT_FOUND);
            } else if (r < 8) {
                GB_EXPECT_ERR(GB_OK, gb_db_put(t, e.t, e.key, e.klen, e.val,
                                               e.vlen));
            } else if (r == 8) {
                gb_db_dispatch x = {0};
                x.d.kind = GB_DISPATCH_HANDLE;
                x.d.gas_limit = rnd();
                GB_EXPECT_ERR(GB_OK, gb_db_queue_push(t, &x, NULL));
                uint64_t seq;
                if (rnd() % 2 && gb_db_queue_first(t, &seq, NULL) == GB_OK)
                    GB_EXPECT_ERR(GB_OK, gb_db_queue_del(t, seq));
            } else {
                static uint8_t page[GB_GEAR_PAGE_SIZE];
                gb_id pid = {{0}};
                pid.b[0] = (uint8_t)(rnd() % 3);
                memset(page, (int)(rnd() % 3), sizeof page);
                GB_EXPECT_ERR(GB_OK,
                              gb_db_page_put(t, pid, (uint32_t)(rnd() % 4),
                                             page, GB_GEAR_PAGE_SIZE));
            }
        }
        if (round % 5 == 0)
            check_recompute(t);
        if (round % 4 == 3) {
            gb_db_abort(t);
        } else {
            GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
        }
        GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
        check_recompute(t);
        gb_db_read_end(t);
    }
    GB_EXPECT(ops > 4000);
    uint64_t total = 0, c;
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    for (int i = 0; i < GB_TABLE_COUNT_; i++) {
        GB_EXPECT_ERR(GB_OK, gb_db_count(t, (gb_db_table)i, &c));
        total += c;
    }
    GB_EXPECT(total > 100);
    gb_db_read_end(t);
    gb_db_close(db);
}

/* The root is folded lazily (db.c): a key created and deleted in one
 * transaction costs no expansion and leaves the root as it was; so does a
 * key changed and changed back. */
static void test_put_del_costs_nothing(void)
{
    gb_db *db = open_temp();
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_CODES, "base", 4, "v0", 2));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));

    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    uint8_t r0[32], r1[32];
    gb_db_state_root(t, r0);
    uint64_t c0 = gb_lthash_expansions();
    /* a queue entry pushed and consumed, a raw key put, overwritten and
     * deleted, the existing key deleted and put back, changed and changed
     * back */
    gb_db_dispatch x = {0};
    x.d.kind = GB_DISPATCH_HANDLE;
    x.d.gas_limit = 7;
    uint64_t seq;
    GB_EXPECT_ERR(GB_OK, gb_db_queue_push(t, &x, &seq));
    GB_EXPECT_ERR(GB_OK, gb_db_queue_del(t, seq));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, "tmp", 3, "a", 1));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, "tmp", 3, "bb", 2));
    GB_EXPECT_ERR(GB_OK, gb_db_del(t, GB_TABLE_STASH, "tmp", 3));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_del(t, GB_TABLE_STASH, "tmp", 3));
    GB_EXPECT_ERR(GB_OK, gb_db_del(t, GB_TABLE_CODES, "base", 4));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_CODES, "base", 4, "v0", 2));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_CODES, "base", 4, "v1", 2));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_CODES, "base", 4, "v0", 2));
    /* the queue sequence counter did move: that, and only that, costs */
    uint64_t qs;
    GB_EXPECT_ERR(GB_OK, gb_db_meta_get_u64(t, "queue_seq", 0, &qs));
    GB_EXPECT_U64(seq + 1, qs);
    GB_EXPECT_ERR(GB_OK, gb_db_meta_put_u64(t, "queue_seq", seq));
    if (seq == 0) /* it was absent: make it so again */
        GB_EXPECT_ERR(GB_OK, gb_db_del(t, GB_TABLE_META, "queue_seq", 9));
    GB_EXPECT_U64(c0, gb_lthash_expansions());
    gb_db_state_root(t, r1);
    GB_EXPECT_U64(c0, gb_lthash_expansions());
    EXPECT_ROOT(r0, r1);
    check_recompute(t);

    /* the record starts afresh after a fold: put now, delete after the
     * next fold, one expansion in all (the put's E is kept in the
     * expansion cache, and the delete takes it out from there) */
    c0 = gb_lthash_expansions();
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, "tmp", 3, "a", 1));
    gb_db_state_root(t, r1);
    GB_EXPECT(memcmp(r0, r1, 32) != 0);
    check_recompute(t);
    c0 = gb_lthash_expansions();
    GB_EXPECT_ERR(GB_OK, gb_db_del(t, GB_TABLE_STASH, "tmp", 3));
    GB_EXPECT_U64(c0, gb_lthash_expansions());
    gb_db_state_root(t, r1);
    GB_EXPECT_U64(c0, gb_lthash_expansions());
    EXPECT_ROOT(r0, r1);

    /* a put-and-delete at commit costs nothing either */
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, "tmp", 3, "a", 1));
    GB_EXPECT_ERR(GB_OK, gb_db_del(t, GB_TABLE_STASH, "tmp", 3));
    c0 = gb_lthash_expansions();
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_U64(c0, gb_lthash_expansions());
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    gb_db_state_root(t, r1);
    EXPECT_ROOT(r0, r1);
    check_recompute(t);
    gb_db_read_end(t);
    gb_db_close(db);
}

/* Many overwrites of one key in a block cost two expansions at most (the
 * value before the block out, the last one in), one for a new key; the root
 * is the one of the final values, as written directly into another
 * database, and an aborted transaction's record is gone. */
static void test_many_overwrites(void)
{
    gb_db *db = open_temp(), *direct = open_temp();
    gb_db_txn *t, *u;
    static uint8_t page[GB_GEAR_PAGE_SIZE];
    gb_id pid;
    memset(pid.b, 9, 32);
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_ACCOUNTS, "k", 1, "v0", 2));
    page[0] = 1;
    GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, pid, 0, page, GB_GEAR_PAGE_SIZE));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));

    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    uint64_t c0 = gb_lthash_expansions();
    char v[16];
    for (int i = 1; i <= 200; i++) {
        int n = snprintf(v, sizeof v, "v%d", i);
        GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_ACCOUNTS, "k", 1, v,
                                       (size_t)n));
        GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_ACCOUNTS, "new", 3, v,
                                       (size_t)n));
        page[1] = (uint8_t)i; /* a page written by 200 messages */
        GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, pid, 0, page, GB_GEAR_PAGE_SIZE));
    }
    GB_EXPECT_U64(c0, gb_lthash_expansions());
    uint8_t r[32], want[32];
    gb_db_state_root(t, r);
    /* one each: k's and the page's values before the block were added by
     * the first commit's fold, whose E the expansion cache kept */
    GB_EXPECT_U64(c0 + 3, gb_lthash_expansions());
    check_recompute(t);

    GB_EXPECT_ERR(GB_OK, gb_db_begin(direct, &u));
    GB_EXPECT_ERR(GB_OK, gb_db_put(u, GB_TABLE_ACCOUNTS, "k", 1, "v200", 4));
    GB_EXPECT_ERR(GB_OK, gb_db_put(u, GB_TABLE_ACCOUNTS, "new", 3, "v200",
                                   4));
    GB_EXPECT_ERR(GB_OK, gb_db_page_put(u, pid, 0, page, GB_GEAR_PAGE_SIZE));
    gb_db_state_root(u, want);
    EXPECT_ROOT(want, r);
    GB_EXPECT_ERR(GB_OK, gb_db_commit(u));

    /* more overwrites after the fold, ending where the fold was: free */
    for (int i = 0; i < 50; i++)
        GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_ACCOUNTS, "k", 1, v,
                                       (size_t)(i % 3 + 1)));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_ACCOUNTS, "k", 1, "v200", 4));
    c0 = gb_lthash_expansions();
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_U64(c0, gb_lthash_expansions());

    /* an aborted block of overwrites leaves the committed root */
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    for (int i = 0; i < 20; i++) {
        page[2] = (uint8_t)i;
        GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, pid, 0, page, GB_GEAR_PAGE_SIZE));
        GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_ACCOUNTS, "k", 1, "x", 1));
    }
    gb_db_abort(t);
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    gb_db_state_root(t, r);
    EXPECT_ROOT(want, r);
    check_recompute(t);
    gb_db_read_end(t);
    gb_db_close(db);
    gb_db_close(direct);
}

/* Random writes over a small key space with the root taken at random
 * moments (each a fold): every root equals the recomputed one, and the
 * final one equals that of the same writes with no intermediate fold. */
static void test_interleaved_folds(void)
{
    gb_db *a = open_temp(), *b = open_temp();
    rng_state = 7;
    for (int round = 0; round < 6; round++) {
        gb_db_txn *ta, *tb;
        GB_EXPECT_ERR(GB_OK, gb_db_begin(a, &ta));
        GB_EXPECT_ERR(GB_OK, gb_db_begin(b, &tb));
        for (int i = 0; i < 400; i++) {
            entry e;
            random_entry(&e, 1);
            if (rnd() % 3 == 0) {
                gb_err ea = gb_db_del(ta, e.t, e.key, e.klen);
                GB_EXPECT_ERR(ea, gb_db_del(tb, e.t, e.key, e.klen));
            } else {
                GB_EXPECT_ERR(GB_OK, gb_db_put(ta, e.t, e.key, e.klen, e.val,
                                               e.vlen));
                GB_EXPECT_ERR(GB_OK, gb_db_put(tb, e.t, e.key, e.klen, e.val,
                                               e.vlen));
            }
            if (rnd() % 25 == 0)
                check_recompute(ta);
        }
        uint8_t ra[32], rb[32];
        gb_db_state_root(ta, ra);
        gb_db_state_root(tb, rb);
        EXPECT_ROOT(ra, rb);
        check_recompute(tb);
        GB_EXPECT_ERR(GB_OK, gb_db_commit(ta));
        GB_EXPECT_ERR(GB_OK, gb_db_commit(tb));
    }
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(a, &t));
    check_recompute(t);
    gb_db_read_end(t);
    gb_db_close(a);
    gb_db_close(b);
}

/* The expansion cache (db_int.h) keeps E(d) of what folds added; a fold
 * takes a value out with it only when the slot holds that value's digest,
 * and a key's first write takes the digest of the value it replaces from
 * the slot only while the slot names the key in the state as committed.
 * Checked: a value added by an aborted transaction's fold (its E now in
 * the key's slot) is not what the next transaction takes out, nor a failed
 * commit's; one added by a committed fold is, without an expansion or a
 * digest; more keys than slots, folded alone and on a pool, keep the root
 * equal to a recomputation. */
static void test_expansion_cache(void)
{
    gb_db *db = open_temp();
    gb_db_txn *t;
    uint8_t r[32];
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, "k", 1, "v0", 2));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    /* v1 folded (its E into k's slot, named), then rolled back */
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    uint64_t g0 = gb_lthash_digests();
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, "k", 1, "v1", 2));
    GB_EXPECT_U64(g0, gb_lthash_digests()); /* (v0's digest: named) */
    uint64_t c0 = gb_lthash_expansions();
    gb_db_state_root(t, r);
    GB_EXPECT_U64(c0 + 1, gb_lthash_expansions()); /* (v0 out: kept) */
    gb_db_abort(t);
    /* v0 goes out again: the slot holds v1's E and names nothing now, so
     * v0 is digested and expanded */
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    g0 = gb_lthash_digests();
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, "k", 1, "v2", 2));
    GB_EXPECT_U64(g0 + 1, gb_lthash_digests());
    c0 = gb_lthash_expansions();
    gb_db_state_root(t, r);
    GB_EXPECT_U64(c0 + 2, gb_lthash_expansions());
    check_recompute(t);
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    /* v2 out with its kept E and digest */
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    g0 = gb_lthash_digests();
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, "k", 1, "v3", 2));
    GB_EXPECT_U64(g0, gb_lthash_digests());
    c0 = gb_lthash_expansions();
    gb_db_state_root(t, r);
    GB_EXPECT_U64(c0 + 1, gb_lthash_expansions());
    check_recompute(t);
    /* a commit that fails: v3 is not the state, v2 is */
    gb_db_inject_commit_fault(db, 1, EIO);
    GB_EXPECT(gb_db_commit(t) != GB_OK);
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    g0 = gb_lthash_digests();
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, "k", 1, "v4", 2));
    GB_EXPECT_U64(g0 + 1, gb_lthash_digests());
    /* deleted, then put back in the next block: absent in between */
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_del(t, GB_TABLE_STASH, "k", 1));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, "k", 1, "v4", 2));
    check_recompute(t);
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));

    /* 10,000 keys (more than the cache's 8,192 slots: keys share them),
     * written, overwritten, half deleted, in blocks folded on one thread,
     * then the same on a pool of three */
    gb_pool *pool = NULL;
    GB_EXPECT_ERR(GB_OK, gb_pool_new(3, &pool));
    for (int round = 0; round < 8; round++) {
        if (round == 4)
            gb_db_set_pool(db, pool);
        GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
        for (uint32_t i = 0; i < 10000; i++) {
            char key[16], val[32];
            int kn = snprintf(key, sizeof key, "x%u", i);
            int vn = snprintf(val, sizeof val, "%u/%d", i, round % 3);
            if (round % 4 == 3 && i % 2)
                (void)gb_db_del(t, GB_TABLE_STASH, key, (size_t)kn);
            else
                GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_STASH, key,
                                               (size_t)kn, val, (size_t)vn));
        }
        if (round % 2)
            check_recompute(t);
        GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
        GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
        check_recompute(t);
        gb_db_read_end(t);
    }
    gb_db_set_pool(db, NULL);
    gb_pool_free(pool);
    gb_db_close(db);
}

int main(void)
{
    GB_RUN(test_lthash_basics);
    GB_RUN(test_empty_root_golden);
    GB_RUN(test_state_golden);
    GB_RUN(test_order_independence);
    GB_RUN(test_equal_overwrite);
    GB_RUN(test_random_ops);
    GB_RUN(test_put_del_costs_nothing);
    GB_RUN(test_many_overwrites);
    GB_RUN(test_interleaved_folds);
    GB_RUN(test_expansion_cache);
    return gb_test_summary();
}
