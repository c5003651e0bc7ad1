/*
 * Snapshot files (snapshot.h).
 */
#include "state/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/bytes.h"
#include "util/hash.h"
#include "util/mem.h"

#define MAGIC "GEARBOX-SNAPSHOT"
#define MAGIC_LEN 16
#define HEAD_LEN (MAGIC_LEN + 4 + 4 + 32 + 32 + 8)
#define SUM_LEN 32
#define CHUNK (1u << 20)

static void set_msg(char *msg, size_t len, const char *fmt, ...)
{
    if (!msg || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

/* Remove a directory of files (a scratch copy). */
static void rm_files(const char *dir)
{
    static const char *const names[] = {"data.mdb", "lock.mdb",
                                        "gearbox.lock"};
    char f[4200];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(f, sizeof f, "%s/%s", dir, names[i]);
        unlink(f);
    }
    rmdir(dir);
}

static gb_err write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return errno == ENOSPC ? GB_NOSPACE : GB_IO;
        b += w;
        n -= (size_t)w;
    }
    return GB_OK;
}

static gb_err read_all(int fd, void *p, size_t n)
{
    uint8_t *b = p;
    while (n) {
        ssize_t r = read(fd, b, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return GB_IO;
        if (r == 0)
            return GB_MALFORMED; /* shorter than it says */
        b += r;
        n -= (size_t)r;
    }
    return GB_OK;
}

/* The head of the store in dir (opened, read, closed). */
static gb_err read_head(const char *dir, gb_snapshot_info *info, char *msg,
                        size_t msg_len)
{
    gb_db *db;
    gb_db_opts o = {.flags = GB_DB_NOSYNC};
    gb_err e = gb_db_open(dir, &o, &db, msg, msg_len);
    if (e)
        return e;
    gb_db_txn *r;
    if (!(e = gb_db_read_begin(db, &r))) {
        gb_block_header h;
        e = gb_db_head(r, &info->height, info->head_hash);
        if (!e)
            e = gb_db_block_get(r, info->height, &h);
        if (!e)
            memcpy(info->state_root, h.state_root, 32);
        gb_db_read_end(r);
    }
    gb_db_close(db);
    if (e == GB_NOT_FOUND)
        set_msg(msg, msg_len, "the store has no blocks");
    return e;
}

static void encode_head(const gb_snapshot_info *in, uint8_t h[HEAD_LEN])
{
    uint8_t *q = h;
    memcpy(q, MAGIC, MAGIC_LEN), q += MAGIC_LEN;
    gb_le_put(q, GB_SNAPSHOT_VERSION, 4), q += 4;
    gb_le_put(q, in->height, 4), q += 4;
    memcpy(q, in->head_hash, 32), q += 32;
    memcpy(q, in->state_root, 32), q += 32;
    gb_le_put(q, in->store_bytes, 8);
}

gb_err gb_snapshot_save(gb_db *db, const char *data_dir, const char *file,
                        gb_snapshot_info *out, char *msg, size_t msg_len)
{
    size_t fl = strlen(file);
    char *tmpdir = gb_malloc(fl + 32), *tmpfile = gb_malloc(fl + 32);
    int in = -1, fd = -1;
    gb_err e = GB_NOMEM;
    bool made = false;
    if (!tmpdir || !tmpfile)
        goto out;
    snprintf(tmpdir, fl + 32, "%s.copy-XXXXXX", file);
    snprintf(tmpfile, fl + 32, "%s.part", file);
    if (!mkdtemp(tmpdir)) {
        set_msg(msg, msg_len, "cannot make %s: %s", tmpdir, strerror(errno));
        e = GB_IO;
        goto out;
    }
    made = true;
    e = db ? gb_db_copy(db, tmpdir, msg, msg_len)
           : gb_db_copy_dir(data_dir, tmpdir, msg, msg_len);
    gb_snapshot_info info = {0};
    if (!e)
        e = read_head(tmpdir, &info, msg, msg_len);
    if (e)
        goto out;
    char f[4200];
    snprintf(f, sizeof f, "%s/data.mdb", tmpdir);
    struct stat st;
    in = open(f, O_RDONLY | O_CLOEXEC);
    if (in < 0 || fstat(in, &st) != 0) {
        set_msg(msg, msg_len, "cannot read the copy %s: %s", f,
                strerror(errno));
        e = GB_IO;
        goto out;
    }
    info.store_bytes = (uint64_t)st.st_size;
    fd = open(tmpfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        set_msg(msg, msg_len, "cannot write %s: %s", tmpfile,
                strerror(errno));
        e = GB_IO;
        goto out;
    }
    uint8_t head[HEAD_LEN];
    encode_head(&info, head);
    gb_blake2b_state sum;
    gb_blake2b_init(&sum);
    gb_blake2b_update(&sum, head, sizeof head);
    e = write_all(fd, head, sizeof head);
    uint8_t *buf = e ? NULL : gb_malloc(CHUNK);
    if (!e && !buf)
        e = GB_NOMEM;
    for (uint64_t left = info.store_bytes; !e && left;) {
        size_t n = left < CHUNK ? (size_t)left : CHUNK;
        if (!(e = read_all(in, buf, n))) {
            gb_blake2b_update(&sum, buf, n);
            e = write_all(fd, buf, n);
            left -= n;
        }
    }
    free(buf);
    uint8_t digest[32];
    gb_blake2b_final(&sum, digest);
    if (!e)
        e = write_all(fd, digest, SUM_LEN);
    if (!e && fsync(fd) != 0)
        e = GB_IO;
    if (close(fd) != 0 && !e)
        e = GB_IO;
    fd = -1;
    if (!e && rename(tmpfile, file) != 0) {
        set_msg(msg, msg_len, "cannot rename %s to %s: %s", tmpfile, file,
                strerror(errno));
        e = GB_IO;
    }
    if (e == GB_NOSPACE)
        set_msg(msg, msg_len, "%s: disk full", file);
    else if (e && msg && !msg[0])
        set_msg(msg, msg_len, "cannot write %s", file);
    if (e)
        unlink(tmpfile);
    else if (out)
        *out = info;
out:
    if (in >= 0)
        close(in);
    if (fd >= 0) {
        close(fd);
        unlink(tmpfile);
    }
    if (made)
        rm_files(tmpdir);
    free(tmpdir);
    free(tmpfile);
    return e;
}

/* Check file; with dst, also write its store to dst/data.mdb. */
static gb_err check_copy(const char *file, int dst, gb_snapshot_info *out,
                         char *msg, size_t msg_len)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_msg(msg, msg_len, "cannot open %s: %s", file, strerror(errno));
        return errno == ENOENT ? GB_NOT_FOUND : GB_IO;
    }
    struct stat st;
    uint8_t head[HEAD_LEN];
    gb_err e = fstat(fd, &st) ? GB_IO : read_all(fd, head, sizeof head);
    gb_snapshot_info info = {0};
    if (e == GB_MALFORMED || (!e && memcmp(head, MAGIC, MAGIC_LEN))) {
        set_msg(msg, msg_len, "%s is not a gearbox snapshot", file);
        e = GB_MALFORMED;
    } else if (!e) {
        const uint8_t *q = head + MAGIC_LEN;
        uint32_t v = (uint32_t)gb_le_get(q, 4);
        info.height = (uint32_t)gb_le_get(q + 4, 4);
        memcpy(info.head_hash, q + 8, 32);
        memcpy(info.state_root, q + 40, 32);
        info.store_bytes = gb_le_get(q + 72, 8);
        if (v != GB_SNAPSHOT_VERSION) {
            set_msg(msg, msg_len, "%s: snapshot format version %u, this "
                                  "gearbox reads version %u", file, v,
                    GB_SNAPSHOT_VERSION);
            e = GB_MALFORMED;
        } else if ((uint64_t)st.st_size !=
                   HEAD_LEN + info.store_bytes + SUM_LEN) {
            set_msg(msg, msg_len, "%s: truncated or padded (%lld bytes, the "
                                  "header says %llu)", file,
                    (long long)st.st_size,
                    (unsigned long long)(HEAD_LEN + info.store_bytes +
                                         SUM_LEN));
            e = GB_MALFORMED;
        }
    }
    uint8_t *buf = e ? NULL : gb_malloc(CHUNK);
    if (!e && !buf)
        e = GB_NOMEM;
    gb_blake2b_state sum;
    gb_blake2b_init(&sum);
    gb_blake2b_update(&sum, head, sizeof head);
    for (uint64_t left = info.store_bytes; !e && left;) {
        size_t n = left < CHUNK ? (size_t)left : CHUNK;
        if (!(e = read_all(fd, buf, n))) {
            gb_blake2b_update(&sum, buf, n);
            if (dst >= 0)
                e = write_all(dst, buf, n);
            left -= n;
        }
    }
    uint8_t want[SUM_LEN], got[32];
    if (!e && !(e = read_all(fd, want, SUM_LEN))) {
        gb_blake2b_final(&sum, got);
        if (memcmp(want, got, SUM_LEN)) {
            set_msg(msg, msg_len, "%s: checksum mismatch (the file is "
                                  "corrupted)", file);
            e = GB_MALFORMED;
        }
    }
    if (e && msg && !msg[0])
        set_msg(msg, msg_len, "%s: %s", file, gb_err_str(e));
    free(buf);
    close(fd);
    if (!e && out)
        *out = info;
    return e;
}

gb_err gb_snapshot_check(const char *file, gb_snapshot_info *out, char *msg,
                         size_t msg_len)
{
    if (msg && msg_len)
        msg[0] = 0;
    return check_copy(file, -1, out, msg, msg_len);
}

gb_err gb_snapshot_load(const char *file, const char *data_dir,
                        gb_snapshot_info *out, char *msg, size_t msg_len)
{
    if (msg && msg_len)
        msg[0] = 0;
    gb_snapshot_info info;
    gb_err e = check_copy(file, -1, &info, msg, msg_len);
    if (e)
        return e;
    if (mkdir(data_dir, 0755) != 0 && errno != EEXIST) {
        set_msg(msg, msg_len, "%s: cannot create directory: %s", data_dir,
                strerror(errno));
        return GB_IO;
    }
    char f[4200];
    snprintf(f, sizeof f, "%s/data.mdb", data_dir);
    int dst = open(f, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (dst < 0) {
        set_msg(msg, msg_len, errno == EEXIST
                                  ? "%s already holds a store: load into a "
                                    "new or empty directory"
                                  : "cannot write %s", data_dir);
        return errno == EEXIST ? GB_INVAL : GB_IO;
    }
    /* (checked twice: once before writing anything, once while copying,
     * so a file changed in between is caught too) */
    e = check_copy(file, dst, &info, msg, msg_len);
    if (!e && fsync(dst) != 0)
        e = GB_IO;
    if (close(dst) != 0 && !e)
        e = GB_IO;
    gb_snapshot_info got;
    if (!e && !(e = read_head(data_dir, &got, msg, msg_len)) &&
        (got.height != info.height ||
         memcmp(got.head_hash, info.head_hash, 32) ||
         memcmp(got.state_root, info.state_root, 32))) {
        set_msg(msg, msg_len, "%s: the store's head differs from the "
                              "snapshot's header", file);
        e = GB_MALFORMED;
    }
    if (e) {
        unlink(f);
        snprintf(f, sizeof f, "%s/lock.mdb", data_dir);
        unlink(f);
        return e;
    }
    if (out)
        *out = info;
    return GB_OK;
}
