/*
 * The memo (state/db.h): program records decoded once and kept across
 * write transactions.  What a block writes is seen by the next one; what a
 * rolled-back block or a failed commit wrote is not; a record deleted or
 * rewritten (an exited program) is not served from it; a raw put of the
 * table counts as a write; a restored store forgets it; reads from two
 * threads of a shared transaction see the same record, also while the memo
 * is frozen (gb_db_memo_freeze: served without the lock, what was not in
 * it added only when it thaws).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/db.h"
#include "gear/ids.h"
#include "state/tables.h"
#include "test.h"
#include "db_fixture.h"

static gb_id pid_of(uint8_t tag)
{
    gb_id id;
    memset(id.b, tag, sizeof id.b);
    id.b[0] ^= 0x5a;
    return id;
}

static const uint8_t bits3[1] = {0x05}; /* 3 pages: 0 and 2 allocated */

static gb_db_program prog(uint64_t balance, gb_program_status st)
{
    return (gb_db_program){.status = st,
                           .flags = 3,
                           .code_id = pid_of(0xc0),
                           .init_message = pid_of(0x1e),
                           .balance = {balance, 0},
                           .static_pages = 2,
                           .stack_end = 1,
                           .created_at = 7,
                           .alloc_pages = 3,
                           .allocations = bits3};
}

/* One write transaction that puts p as id's record and commits. */
static void put_commit(gb_db *db, gb_id id, gb_db_program p)
{
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_program_put(t, id, &p));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
}

/* id's balance as a new write transaction reads it (twice: the first
 * read fills the memo, the second is served by it — both must agree);
 * UINT64_MAX: no record.  *memo: whether the memo then holds it. */
static uint64_t balance_in_new_txn(gb_db *db, gb_id id, bool *memo)
{
    gb_db_txn *t;
    uint64_t got = UINT64_MAX;
    *memo = false;
    if (gb_db_begin(db, &t))
        return got - 1;
    for (int k = 0; k < 2; k++) {
        gb_db_program p;
        gb_err e = gb_db_program_get(t, id, &p);
        uint64_t b = e == GB_NOT_FOUND ? UINT64_MAX
                     : e                ? UINT64_MAX - 1
                                        : p.balance.lo;
        if (!e) { /* the whole record comes back, bitmap included */
            GB_EXPECT_U64(3, p.alloc_pages);
            GB_EXPECT(p.allocations && p.allocations[0] == 0x05);
            GB_EXPECT_U64(7, p.created_at);
            GB_EXPECT(gb_id_eq(p.code_id, pid_of(0xc0)));
        }
        if (k == 0)
            got = b;
        else
            GB_EXPECT_U64(got, b);
    }
    *memo = gb_db_memo_find(t, GB_TABLE_PROGRAMS, id.b) != NULL;
    gb_db_abort(t);
    return got;
}

static void test_next_block_sees_the_write(void)
{
    gb_db *db = db_open_temp();
    GB_EXPECT(db != NULL);
    if (!db)
        return;
    gb_id a = pid_of(1);
    bool memo;
    put_commit(db, a, prog(10, GB_PROGRAM_ACTIVE));
    GB_EXPECT_U64(10, balance_in_new_txn(db, a, &memo));
    GB_EXPECT(memo);
    /* a block that changes it, reading it before and after its write */
    gb_db_txn *t;
    gb_db_program p;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_program_get(t, a, &p));
    GB_EXPECT_U64(10, p.balance.lo);
    gb_db_program q = prog(11, GB_PROGRAM_ACTIVE);
    GB_EXPECT_ERR(GB_OK, gb_db_program_put(t, a, &q));
    GB_EXPECT(gb_db_memo_find(t, GB_TABLE_PROGRAMS, a.b) == NULL);
    GB_EXPECT_ERR(GB_OK, gb_db_program_get(t, a, &p));
    GB_EXPECT_U64(11, p.balance.lo); /* its own write, not the memo's */
    GB_EXPECT(gb_db_memo_find(t, GB_TABLE_PROGRAMS, a.b) == NULL);
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_U64(11, balance_in_new_txn(db, a, &memo));
    GB_EXPECT(memo);
    /* the record rewritten as exited: the next block sees the status */
    put_commit(db, a, prog(11, GB_PROGRAM_EXITED));
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_program_get(t, a, &p));
    GB_EXPECT_U64(GB_PROGRAM_EXITED, p.status);
    gb_db_abort(t);
    gb_db_close(db);
}

static void test_rollback_is_not_seen(void)
{
    gb_db *db = db_open_temp();
    GB_EXPECT(db != NULL);
    if (!db)
        return;
    gb_id a = pid_of(2), b = pid_of(3);
    bool memo;
    put_commit(db, a, prog(20, GB_PROGRAM_ACTIVE));
    GB_EXPECT_U64(20, balance_in_new_txn(db, a, &memo)); /* (in the memo) */
    GB_EXPECT(memo);
    /* a block that writes a, creates b and then fails: aborted */
    gb_db_txn *t;
    gb_db_program p;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    gb_db_program q = prog(21, GB_PROGRAM_TERMINATED);
    GB_EXPECT_ERR(GB_OK, gb_db_program_put(t, a, &q));
    GB_EXPECT_ERR(GB_OK, gb_db_program_put(t, b, &q));
    GB_EXPECT_ERR(GB_OK, gb_db_program_get(t, b, &p));
    GB_EXPECT_U64(21, p.balance.lo);
    gb_db_abort(t);
    GB_EXPECT_U64(20, balance_in_new_txn(db, a, &memo));
    GB_EXPECT(memo); /* (the committed value was kept through the abort) */
    GB_EXPECT_U64(UINT64_MAX, balance_in_new_txn(db, b, &memo));
    GB_EXPECT(!memo);
    /* a commit that fails (as on a full disk): nothing of it is seen */
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_program_put(t, a, &q));
    gb_db_inject_commit_fault(db, 1, ENOSPC);
    GB_EXPECT_ERR(GB_NOSPACE, gb_db_commit(t));
    GB_EXPECT_U64(20, balance_in_new_txn(db, a, &memo));
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_program_get(t, a, &p));
    GB_EXPECT_U64(GB_PROGRAM_ACTIVE, p.status);
    gb_db_abort(t);
    gb_db_close(db);
}

static void test_delete_and_raw_put(void)
{
    gb_db *db = db_open_temp();
    GB_EXPECT(db != NULL);
    if (!db)
        return;
    gb_id a = pid_of(4);
    bool memo;
    put_commit(db, a, prog(40, GB_PROGRAM_ACTIVE));
    GB_EXPECT_U64(40, balance_in_new_txn(db, a, &memo));
    gb_db_txn *t;
    gb_db_program p;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_program_get(t, a, &p));
    GB_EXPECT_ERR(GB_OK, gb_db_program_del(t, a));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_program_get(t, a, &p));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_U64(UINT64_MAX, balance_in_new_txn(db, a, &memo));
    GB_EXPECT(!memo);
    /* a record put through the raw entries (as a tool would): copied
     * from another program's, it is a's record from then on */
    gb_id b = pid_of(5);
    put_commit(db, b, prog(50, GB_PROGRAM_ACTIVE));
    put_commit(db, a, prog(41, GB_PROGRAM_ACTIVE));
    GB_EXPECT_U64(41, balance_in_new_txn(db, a, &memo));
    GB_EXPECT(memo);
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    gb_db_val v;
    GB_EXPECT_ERR(GB_OK, gb_db_get(t, GB_TABLE_PROGRAMS, b.b, 32, &v));
    uint8_t copy[512];
    GB_EXPECT(v.len <= sizeof copy);
    memcpy(copy, v.data, v.len);
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_PROGRAMS, a.b, 32, copy,
                                   v.len));
    GB_EXPECT_ERR(GB_OK, gb_db_program_get(t, a, &p));
    GB_EXPECT_U64(50, p.balance.lo);
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_U64(50, balance_in_new_txn(db, a, &memo));
    /* read transactions never use it (they may read an older state) */
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_program_get(t, a, &p));
    GB_EXPECT_U64(50, p.balance.lo);
    GB_EXPECT(gb_db_memo_find(t, GB_TABLE_PROGRAMS, a.b) == NULL);
    gb_db_read_end(t);
    gb_db_close(db);
}

static void test_restore_forgets(void)
{
    gb_db *db = db_open_temp();
    GB_EXPECT(db != NULL);
    if (!db)
        return;
    char file[] = "/tmp/gb-test-memo-XXXXXX";
    int fd = mkstemp(file);
    GB_EXPECT(fd >= 0);
    if (fd < 0) {
        gb_db_close(db);
        return;
    }
    close(fd);
    unlink(file);
    gb_id a = pid_of(6);
    bool memo;
    put_commit(db, a, prog(60, GB_PROGRAM_ACTIVE));
    GB_EXPECT_ERR(GB_OK, gb_db_copy_to(db, file));
    put_commit(db, a, prog(61, GB_PROGRAM_ACTIVE));
    GB_EXPECT_U64(61, balance_in_new_txn(db, a, &memo));
    GB_EXPECT(memo);
    GB_EXPECT_ERR(GB_OK, gb_db_restore_from(db, file));
    GB_EXPECT_U64(60, balance_in_new_txn(db, a, &memo));
    unlink(file);
    gb_db_close(db);
}

/* Two threads reading the same records in a shared write transaction. */
typedef struct {
    gb_db_txn *t;
    uint32_t bad;
} reader;

static void *read_many(void *arg)
{
    reader *r = arg;
    for (int i = 0; i < 2000; i++) {
        gb_db_program p;
        gb_id id = pid_of((uint8_t)(10 + i % 16));
        if (gb_db_program_get(r->t, id, &p) ||
            p.balance.lo != 100u + (uint64_t)(i % 16) || !p.allocations ||
            p.allocations[0] != 0x05)
            r->bad++;
    }
    return NULL;
}

static void test_shared_reads(void)
{
    gb_db *db = db_open_temp();
    GB_EXPECT(db != NULL);
    if (!db)
        return;
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    for (int k = 0; k < 16; k++) {
        gb_db_program p = prog(100u + (uint64_t)k, GB_PROGRAM_ACTIVE);
        GB_EXPECT_ERR(GB_OK, gb_db_program_put(t, pid_of((uint8_t)(10 + k)), &p));
    }
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_share_reads(t));
    reader r[2] = {{t, 0}, {t, 0}};
    pthread_t th;
    GB_EXPECT(pthread_create(&th, NULL, read_many, &r[0]) == 0);
    read_many(&r[1]);
    pthread_join(th, NULL);
    GB_EXPECT_U64(0, r[0].bad + r[1].bad);
    GB_EXPECT(gb_db_memo_find(t, GB_TABLE_PROGRAMS, pid_of(10).b) != NULL);
    gb_db_abort(t);
    gb_db_close(db);
}

/* Frozen: two threads read 16 records, 8 of them in the memo before;
 * the other 8 are read from LMDB, and added only when the memo thaws; a
 * transaction that ends frozen adds nothing. */
static void test_frozen_reads(void)
{
    gb_db *db = db_open_temp();
    GB_EXPECT(db != NULL);
    if (!db)
        return;
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    for (int k = 0; k < 16; k++) {
        gb_db_program p = prog(100u + (uint64_t)k, GB_PROGRAM_ACTIVE);
        GB_EXPECT_ERR(GB_OK, gb_db_program_put(t, pid_of((uint8_t)(10 + k)), &p));
    }
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    for (int round = 0; round < 2; round++) {
        GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
        for (int k = 0; k < 8; k++) { /* (in the memo before: half) */
            gb_db_program p;
            GB_EXPECT_ERR(GB_OK, gb_db_program_get(t, pid_of((uint8_t)(10 + k)), &p));
        }
        GB_EXPECT_ERR(GB_OK, gb_db_share_reads(t));
        gb_db_memo_freeze(t, true);
        reader r[2] = {{t, 0}, {t, 0}};
        pthread_t th;
        GB_EXPECT(pthread_create(&th, NULL, read_many, &r[0]) == 0);
        read_many(&r[1]);
        pthread_join(th, NULL);
        GB_EXPECT_U64(0, r[0].bad + r[1].bad);
        GB_EXPECT(gb_db_memo_find(t, GB_TABLE_PROGRAMS, pid_of(10).b) != NULL);
        GB_EXPECT(gb_db_memo_find(t, GB_TABLE_PROGRAMS, pid_of(20).b) == NULL);
        if (round == 0) { /* ends frozen: nothing kept aside stays */
            gb_db_abort(t);
            continue;
        }
        gb_db_memo_freeze(t, false);
        for (int k = 0; k < 16; k++) {
            const gb_db_program *m =
                gb_db_memo_find(t, GB_TABLE_PROGRAMS, pid_of((uint8_t)(10 + k)).b);
            GB_EXPECT(m != NULL);
            if (m)
                GB_EXPECT_U64(100u + (uint64_t)k, m->balance.lo);
        }
        /* a write after the thaw: not served, as any */
        gb_db_program q = prog(7, GB_PROGRAM_ACTIVE);
        GB_EXPECT_ERR(GB_OK, gb_db_program_put(t, pid_of(20), &q));
        GB_EXPECT(gb_db_memo_find(t, GB_TABLE_PROGRAMS, pid_of(20).b) == NULL);
        gb_db_abort(t);
    }
    /* after the abort, the thawed entries are the committed values */
    bool memo;
    GB_EXPECT_U64(110, balance_in_new_txn(db, pid_of(20), &memo));
    GB_EXPECT(memo);
    gb_db_close(db);
}

int main(void)
{
    GB_RUN(test_next_block_sees_the_write);
    GB_RUN(test_rollback_is_not_seen);
    GB_RUN(test_delete_and_raw_put);
    GB_RUN(test_restore_forgets);
    GB_RUN(test_shared_reads);
    GB_RUN(test_frozen_reads);
    return gb_test_summary();
}
