/*
 * Durability of the store: what is committed survives closing and
 * reopening (same head, same root); what is aborted leaves nothing;
 * snapshots see the last committed block while a block is being written;
 * and a writer killed with SIGKILL at a random moment, several times over,
 * leaves the last committed block whole — its header's root equals a
 * recomputation over the entries — with the height never going back.
 * Also measures (and prints, not asserts) batched puts and synced commits
 * per second on this machine.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state/db.h"
#include "state/tables.h"
#include "test.h"

static uint64_t rng_state = 7;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A data directory of our own (not the temp mode: we reopen it). */
static char *make_dir(void)
{
    const char *base = getenv("TMPDIR");
    char *p = malloc(512);
    snprintf(p, 512, "%s/gb-state-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(p)) {
        perror("mkdtemp");
        exit(2);
    }
    return p;
}

static void remove_dir(char *p)
{
    char f[600];
    snprintf(f, sizeof f, "%s/data.mdb", p);
    unlink(f);
    snprintf(f, sizeof f, "%s/lock.mdb", p);
    unlink(f);
    rmdir(p);
    free(p);
}

static gb_db *open_at(const char *dir, unsigned flags)
{
    gb_db *db = NULL;
    char msg[256];
    gb_db_opts o = {.flags = flags};
    if (gb_db_open(dir, &o, &db, msg, sizeof msg)) {
        fprintf(stderr, "open %s: %s\n", dir, msg);
        exit(2);
    }
    return db;
}

/* One block's worth of random work, then the seal: accounts, queue
 * traffic, a page, a task.  Returns the sealed height. */
static gb_err write_block(gb_db_txn *t, uint32_t *out_height)
{
    gb_err err;
    uint32_t head = 0;
    uint8_t head_hash[32] = {0};
    bool first = gb_db_head(t, &head, head_hash) == GB_NOT_FOUND;
    for (int i = 0; i < 20; i++) {
        gb_id id = {{0}};
        id.b[0] = (uint8_t)(rnd() % 64);
        gb_db_account a = {{rnd(), 0}, rnd() % 1000};
        if ((err = gb_db_account_put(t, id, &a)))
            return err;
    }
    uint8_t payload[64];
    for (int i = 0; i < 5; i++) {
        gb_db_dispatch x = {0};
        x.d.kind = GB_DISPATCH_HANDLE;
        x.d.gas_limit = rnd();
        x.d.payload = payload;
        x.d.payload_len = (uint32_t)(rnd() % sizeof payload);
        memset(payload, (int)rnd(), sizeof payload);
        if ((err = gb_db_queue_push(t, &x, NULL)))
            return err;
    }
    for (int i = 0; i < 3; i++) {
        uint64_t seq;
        if (gb_db_queue_first(t, &seq, NULL) == GB_OK &&
            (err = gb_db_queue_del(t, seq)))
            return err;
    }
    static uint8_t page[GB_GEAR_PAGE_SIZE];
    memset(page, (int)(rnd() | 1), sizeof page);
    gb_id pid = {{9}};
    if ((err = gb_db_page_put(t, pid, (uint32_t)(rnd() % 16), page, GB_GEAR_PAGE_SIZE)))
        return err;
    gb_db_task tk = {.kind = GB_TASK_WAKE_MESSAGE, .arg = rnd()};
    if ((err = gb_db_task_add(t, (uint32_t)(rnd() % 100), &tk, NULL)))
        return err;
    gb_block_header h = {0};
    h.height = first ? 0 : head + 1;
    h.timestamp = (uint64_t)h.height * 1000;
    memcpy(h.parent_hash, head_hash, 32);
    if ((err = gb_db_seal_block(t, &h, NULL)))
        return err;
    *out_height = h.height;
    return GB_OK;
}

/* Checks the head block against the state: its root is the running root
 * and a recomputation, and its parent is the block before it. */
static void check_head_whole(gb_db *db, uint32_t *out_head)
{
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    uint32_t head;
    uint8_t hash[32], running[32], scratch[32], h2[32];
    gb_block_header h, prev;
    GB_EXPECT_ERR(GB_OK, gb_db_head(t, &head, hash));
    GB_EXPECT_ERR(GB_OK, gb_db_block_get(t, head, &h));
    gb_block_header_hash(&h, h2);
    GB_EXPECT(!memcmp(hash, h2, 32));
    gb_db_state_root(t, running);
    GB_EXPECT_ERR(GB_OK, gb_db_state_root_recompute(t, scratch));
    GB_EXPECT(!memcmp(h.state_root, running, 32));
    GB_EXPECT(!memcmp(h.state_root, scratch, 32));
    if (head > 0) {
        GB_EXPECT_ERR(GB_OK, gb_db_block_get(t, head - 1, &prev));
        gb_block_header_hash(&prev, h2);
        GB_EXPECT(!memcmp(h.parent_hash, h2, 32));
    }
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_block_get(t, head + 1, &prev));
    gb_db_read_end(t);
    *out_head = head;
}

static void test_reopen(void)
{
    char *dir = make_dir();
    gb_db *db = open_at(dir, 0);
    uint8_t root[32], hash[32], r2[32], h2[32];
    uint32_t height = 0, head = 0;
    for (int b = 0; b < 3; b++) {
        gb_db_txn *t;
        GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
        GB_EXPECT_ERR(GB_OK, write_block(t, &height));
        gb_db_state_root(t, root);
        GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    }
    GB_EXPECT_U64(2, height);
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_head(t, NULL, hash));
    gb_db_read_end(t);
    gb_db_close(db);

    db = open_at(dir, 0);
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_head(t, &head, h2));
    GB_EXPECT_U64(2, head);
    GB_EXPECT(!memcmp(hash, h2, 32));
    gb_db_state_root(t, r2);
    GB_EXPECT(!memcmp(root, r2, 32));
    gb_db_read_end(t);
    check_head_whole(db, &head);
    /* and the chain goes on from there: the root continues incrementally */
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, write_block(t, &height));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_U64(3, height);
    check_head_whole(db, &head);
    gb_db_close(db);
    remove_dir(dir);
}

static void test_abort_leaves_nothing(void)
{
    char *dir = make_dir();
    gb_db *db = open_at(dir, 0);
    gb_db_txn *t;
    uint32_t height;
    uint8_t root[32], r2[32];
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, write_block(t, &height));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    gb_db_state_root(t, root);
    gb_db_read_end(t);

    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_code_put(t, (gb_id){{5}}, (const uint8_t *)"x",
                                        1));
    GB_EXPECT_ERR(GB_OK, write_block(t, &height));
    gb_db_abort(t);
    gb_db_close(db);

    db = open_at(dir, 0);
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    uint32_t head = 99;
    GB_EXPECT_ERR(GB_OK, gb_db_head(t, &head, NULL));
    GB_EXPECT_U64(0, head);
    gb_db_val v;
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_code_get(t, (gb_id){{5}}, &v));
    gb_db_state_root(t, r2);
    GB_EXPECT(!memcmp(root, r2, 32));
    gb_db_read_end(t);
    check_head_whole(db, &head);
    gb_db_close(db);
    remove_dir(dir);
}

typedef struct reader_arg {
    gb_db *db;
    uint32_t head;
    uint8_t root[32];
    gb_err err;
} reader_arg;

static void *reader(void *p)
{
    reader_arg *a = p;
    gb_db_txn *t;
    a->err = gb_db_read_begin(a->db, &t);
    if (a->err)
        return NULL;
    a->err = gb_db_head(t, &a->head, NULL);
    gb_db_state_root(t, a->root);
    gb_db_read_end(t);
    return NULL;
}

static void test_snapshots(void)
{
    gb_db *db;
    gb_db_opts o = {.flags = GB_DB_NOSYNC};
    GB_EXPECT_ERR(GB_OK, gb_db_open(NULL, &o, &db, NULL, 0));
    gb_db_txn *w, *r;
    uint32_t height, head;
    uint8_t root0[32], rw[32];
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &w));
    GB_EXPECT_ERR(GB_OK, write_block(w, &height));
    gb_db_state_root(w, root0);
    GB_EXPECT_ERR(GB_OK, gb_db_commit(w));

    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &r)); /* sees block 0 */
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &w));
    GB_EXPECT_ERR(GB_OK, write_block(w, &height));
    gb_db_state_root(w, rw);
    /* another thread, during the write: the last committed block */
    reader_arg a = {.db = db};
    pthread_t th;
    GB_EXPECT(pthread_create(&th, NULL, reader, &a) == 0);
    pthread_join(th, NULL);
    GB_EXPECT_ERR(GB_OK, a.err);
    GB_EXPECT_U64(0, a.head);
    GB_EXPECT(!memcmp(a.root, root0, 32));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(w));
    /* the old snapshot still sees block 0; a new one sees block 1 */
    GB_EXPECT_ERR(GB_OK, gb_db_head(r, &head, NULL));
    GB_EXPECT_U64(0, head);
    gb_db_read_end(r);
    GB_EXPECT(pthread_create(&th, NULL, reader, &a) == 0);
    pthread_join(th, NULL);
    GB_EXPECT_U64(1, a.head);
    GB_EXPECT(!memcmp(a.root, rw, 32));
    gb_db_close(db);
}

/* The child: commit blocks as fast as it can, reporting each committed
 * height on the pipe, until killed. */
static void crash_child(const char *dir, int fd, uint64_t seed)
{
    rng_state = seed;
    gb_db *db = open_at(dir, 0);
    for (;;) {
        gb_db_txn *t;
        uint32_t h;
        if (gb_db_begin(db, &t) || write_block(t, &h) || gb_db_commit(t))
            _exit(3);
        if (write(fd, &h, sizeof h) != sizeof h)
            _exit(4);
    }
}

static void test_crash_kill9(void)
{
    char *dir = make_dir();
    uint32_t prev_head = 0;
    bool have_prev = false;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int round = 0; round < 6; round++) {
        int fds[2];
        GB_EXPECT(pipe(fds) == 0);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            crash_child(dir, fds[1], (uint64_t)round * 1000 + 1);
        }
        close(fds[1]);
        /* wait for the first commit, then kill at a random moment */
        uint32_t h, last = 0;
        bool any = read(fds[0], &h, sizeof h) == sizeof h;
        if (any)
            last = h;
        usleep(1000 + (useconds_t)(rand() % 60000));
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        GB_EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        while (read(fds[0], &h, sizeof h) == sizeof h)
            last = h;
        close(fds[0]);
        GB_EXPECT(any);

        gb_db *db = open_at(dir, 0);
        uint32_t head = 0;
        check_head_whole(db, &head);
        /* everything the child saw committed is there (it may have
         * committed one more block before it could report it) */
        GB_EXPECT(head >= last && head <= last + 1);
        if (have_prev)
            GB_EXPECT(head >= prev_head);
        printf("     round %d: killed after block %u, head %u\n", round,
               (unsigned)last, (unsigned)head);
        prev_head = head;
        have_prev = true;
        gb_db_close(db);
    }
    remove_dir(dir);
}

static void test_measure(void)
{
    char *dir = make_dir();
    gb_db *db = open_at(dir, 0);
    gb_db_txn *t;
    enum { NPUT = 200000, NPAGE = 5000, NCOMMIT = 300 };
    uint8_t key[32], val[100];
    memset(val, 0x5a, sizeof val);

    double t0 = now_s();
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    for (uint32_t i = 0; i < NPUT; i++) {
        uint64_t r = rnd();
        memcpy(key, &r, 8);
        memcpy(key + 8, &i, 4);
        memset(key + 12, 0, 20);
        memcpy(val, &i, 4);
        GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_CODES, key, 32, val,
                                       sizeof val));
    }
    double t1 = now_s();
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    double t2 = now_s();
    printf("     batched puts (32 B key, 100 B value, root kept): %.0f/s "
           "(+ commit %.1f ms)\n", NPUT / (t1 - t0), (t2 - t1) * 1e3);

    static uint8_t page[GB_GEAR_PAGE_SIZE];
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    t0 = now_s();
    for (uint32_t i = 0; i < NPAGE; i++) {
        memset(page, (int)(i | 1), sizeof page);
        GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, (gb_id){{1}}, i % 2000, page, GB_GEAR_PAGE_SIZE));
    }
    t1 = now_s();
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    printf("     batched page puts (16 KiB, new and overwritten): %.0f/s\n",
           NPAGE / (t1 - t0));

    t0 = now_s();
    for (uint32_t i = 0; i < NCOMMIT; i++) {
        GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
        GB_EXPECT_ERR(GB_OK, gb_db_meta_put_u64(t, "counter", i));
        GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    }
    t1 = now_s();
    printf("     synced commits (one small put each): %.0f/s (%.3f ms)\n",
           NCOMMIT / (t1 - t0), (t1 - t0) * 1e3 / NCOMMIT);

    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    uint8_t root[32];
    t0 = now_s();
    GB_EXPECT_ERR(GB_OK, gb_db_state_root_recompute(t, root));
    t1 = now_s();
    uint64_t n;
    gb_db_count(t, GB_TABLE_CODES, &n);
    printf("     full recomputation of the root over %llu entries: %.0f ms\n",
           (unsigned long long)n, (t1 - t0) * 1e3);
    gb_db_read_end(t);
    gb_db_close(db);
    remove_dir(dir);
}

int main(void)
{
    GB_RUN(test_reopen);
    GB_RUN(test_abort_leaves_nothing);
    GB_RUN(test_snapshots);
    GB_RUN(test_crash_kill9);
    GB_RUN(test_measure);
    return gb_test_summary();
}
