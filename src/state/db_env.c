/*
 * The store's environment: opening a data directory (or a temporary one),
 * the lock that keeps a second process out, closing and removing it,
 * compacted copies, dev snapshots (copy to a file, restore from one) and
 * lazy sync.  The structures are in db_int.h; transactions and the root
 * in db.c.
 */
#include "state/db_int.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"

static const char *const table_names[GB_TABLE_COUNT_] = {
#define GB_DB_TABLE_NAME_(name, id, str) [id] = str,
    GB_DB_TABLES(GB_DB_TABLE_NAME_)
#undef GB_DB_TABLE_NAME_
};

const char *gb_db_table_name(gb_db_table t)
{
    return (unsigned)t < GB_TABLE_COUNT_ ? table_names[t] : NULL;
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
    gb_db_memo_init(db);
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
    err = gb_db_map_err(rc);
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
    gb_db_memo_free(db);
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
    gb_db_spare_free(db);
    gb_db_memo_free(db);
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
        return gb_db_map_err(rc) == GB_NOSPACE ? GB_NOSPACE : GB_IO;
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
        gb_err e = gb_db_map_err(rc);
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
    return gb_db_map_err(rc);
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
    gb_db_memo_reset(db); /* (another state: nothing of it is known) */
    gb_db_xc_forget(db);
    /* rename is atomic: data.mdb is the old state or the copy, whole */
    gb_err e = rename(file, data) == 0 ? GB_OK : GB_IO;
    free(data);
    int rc = open_env(db, info.me_mapsize, flags & (MDB_NOTLS | MDB_NOSYNC));
    if (rc) {
        gb_err oe = gb_db_map_err(rc);
        return oe == GB_NOT_FOUND || oe == GB_INVAL ? GB_IO : oe;
    }
    return e;
}
