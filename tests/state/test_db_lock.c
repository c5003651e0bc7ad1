/*
 * One process per data directory (issue #19.7), and full disks (issue
 * #19.10): gb_db_open locks DIR/gearbox.lock, a second open — in this
 * process or a child — fails at once with GB_BUSY and a message naming
 * the directory and the holder's pid, the lock goes with gb_db_close (and
 * with the process: a stale file locks nothing); gb_db_remove deletes a
 * closed directory and refuses an open one; a commit that fails with
 * ENOSPC is GB_NOSPACE (MDB_MAP_FULL: GB_STORE_FULL), writes nothing, and
 * the reopened store is the last commit's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state/db.h"
#include "state/tables.h"
#include "test.h"

static gb_id id_of(uint8_t a)
{
    gb_id id = {{0}};
    id.b[0] = a;
    return id;
}

static void test_lock(void)
{
    char dir[] = "/tmp/gb-state-lock-XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    char sub[64];
    snprintf(sub, sizeof sub, "%s/data", dir);
    gb_db_opts o = {.flags = GB_DB_NOSYNC};
    gb_db *a = NULL, *b = NULL;
    char msg[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_db_open(sub, &o, &a, msg, sizeof msg));
    /* another gb_db in this process */
    GB_EXPECT_ERR(GB_BUSY, gb_db_open(sub, &o, &b, msg, sizeof msg));
    GB_EXPECT(b == NULL);
    GB_EXPECT_STR_CONTAINS(msg, "in use by another gearbox process");
    GB_EXPECT_STR_CONTAINS(msg, sub);
    char pid[32];
    snprintf(pid, sizeof pid, "(pid %ld)", (long)getpid());
    GB_EXPECT_STR_CONTAINS(msg, pid);
    /* another process */
    pid_t child = fork();
    if (child == 0) {
        gb_db *c = NULL;
        _exit(gb_db_open(sub, &o, &c, NULL, 0) == GB_BUSY ? 0 : 1);
    }
    int st = -1;
    waitpid(child, &st, 0);
    GB_EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    GB_EXPECT_ERR(GB_BUSY, gb_db_remove(sub));
    gb_db_close(a);
    /* closed: it opens again, and a stale lock file does not matter */
    struct stat sb;
    char lockf[96];
    snprintf(lockf, sizeof lockf, "%s/gearbox.lock", sub);
    GB_EXPECT(stat(lockf, &sb) == 0);
    GB_EXPECT_ERR(GB_OK, gb_db_open(sub, &o, &a, msg, sizeof msg));
    gb_db_close(a);
    GB_EXPECT_ERR(GB_OK, gb_db_remove(sub));
    GB_EXPECT(stat(sub, &sb) != 0);
    rmdir(dir);
}

static void put_commit(gb_db *db, uint8_t who, uint64_t nonce, gb_err want)
{
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    gb_db_account acct = {.balance = gb_u128_from(100), .nonce = nonce};
    GB_EXPECT_ERR(GB_OK, gb_db_account_put(t, id_of(who), &acct));
    GB_EXPECT_ERR(want, gb_db_commit(t));
}

static void test_commit_faults(void)
{
    char dir[] = "/tmp/gb-state-nospc-XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    gb_db *db = NULL;
    GB_EXPECT_ERR(GB_OK, gb_db_open(dir, NULL, &db, NULL, 0));
    put_commit(db, 1, 1, GB_OK);
    uint8_t root[32], root2[32];
    gb_db_txn *r;
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &r));
    gb_db_state_root(r, root);
    gb_db_read_end(r);
    gb_db_inject_commit_fault(db, 2, ENOSPC); /* the second from now */
    put_commit(db, 2, 1, GB_OK);
    put_commit(db, 3, 1, GB_NOSPACE);
    gb_db_inject_commit_fault(db, 1, -30792); /* MDB_MAP_FULL */
    put_commit(db, 4, 1, GB_STORE_FULL);
    GB_EXPECT(strcmp(gb_err_str(GB_NOSPACE), "disk full") == 0);
    gb_db_close(db);
    /* reopened: accounts 1 and 2, not 3 or 4 */
    GB_EXPECT_ERR(GB_OK, gb_db_open(dir, NULL, &db, NULL, 0));
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &r));
    gb_db_account acct;
    GB_EXPECT_ERR(GB_OK, gb_db_account_get(r, id_of(1), &acct));
    GB_EXPECT_ERR(GB_OK, gb_db_account_get(r, id_of(2), &acct));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_account_get(r, id_of(3), &acct));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_account_get(r, id_of(4), &acct));
    gb_db_state_root(r, root2);
    uint8_t again[32];
    GB_EXPECT_ERR(GB_OK, gb_db_state_root_recompute(r, again));
    GB_EXPECT(!memcmp(root2, again, 32)); /* the root matches the entries */
    GB_EXPECT(memcmp(root, root2, 32) != 0);
    gb_db_read_end(r);
    put_commit(db, 3, 1, GB_OK); /* and it goes on */
    gb_db_close(db);
    GB_EXPECT_ERR(GB_OK, gb_db_remove(dir));
}

int main(void)
{
    GB_RUN(test_lock);
    GB_RUN(test_commit_faults);
    return gb_test_summary();
}
