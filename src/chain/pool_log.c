/*
 * The pool log (pool_log.h): pending transactions in DIR/pool.log.
 */
#include "chain/pool_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/bytes.h"
#include "util/hash.h"
#include "util/mem.h"

#define SUM_LEN 16
#define NAME "pool.log"
/* a record's body is never larger than this (the 8 MiB payload and code
 * limits, and room to spare): a bigger length is a torn record */
#define MAX_BODY (64u << 20)

#define PUT32(q, v) gb_le_put((q), (v), 4)
#define PUT64(q, v) gb_le_put((q), (v), 8)
#define GET32(q) ((uint32_t)gb_le_get((q), 4))
#define GET64(q) gb_le_get((q), 8)

struct gb_pool_log {
    int fd;
    bool nosync;
    bool dirty;    /* appended since the last sync */
    char *path;    /* DIR/pool.log */
    char *tmp;     /* DIR/pool.log.new */
};

void gb_pool_tx_fixed(const gb_tx *tx, uint8_t out[GB_POOL_TX_FIXED])
{
    uint8_t *q = out;
    *q++ = (uint8_t)tx->kind;
    memcpy(q, tx->sender.b, 32), q += 32;
    /* the code id of a program creation, the voucher of any other */
    memcpy(q, tx->kind == GB_TX_CREATE_PROGRAM ? tx->code_id.b
                                               : tx->voucher.b, 32),
        q += 32;
    memcpy(q, tx->destination.b, 32), q += 32;
    PUT64(q, tx->gas_limit), q += 8;
    gb_u128_to_le(tx->value, q), q += 16;
    PUT32(q, tx->code ? tx->code_len : 0), q += 4;
    PUT32(q, tx->salt ? tx->salt_len : 0), q += 4;
    PUT32(q, tx->payload ? tx->payload_len : 0);
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = gb_malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

gb_err gb_pool_log_open(const char *dir, bool nosync, gb_pool_log **out,
                        char *detail, size_t detail_len)
{
    *out = NULL;
    gb_pool_log *l = gb_calloc(1, sizeof *l);
    if (!l)
        return GB_NOMEM;
    l->fd = -1;
    l->nosync = nosync;
    l->path = join(dir, NAME);
    l->tmp = join(dir, NAME ".new");
    if (!l->path || !l->tmp) {
        gb_pool_log_close(l);
        return GB_NOMEM;
    }
    l->fd = open(l->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (l->fd < 0) {
        if (detail && detail_len)
            snprintf(detail, detail_len, "cannot open %s: %s", l->path,
                     strerror(errno));
        gb_pool_log_close(l);
        return GB_IO;
    }
    *out = l;
    return GB_OK;
}

void gb_pool_log_close(gb_pool_log *l)
{
    if (!l)
        return;
    if (l->fd >= 0)
        close(l->fd);
    free(l->path);
    free(l->tmp);
    free(l);
}

size_t gb_pool_tx_size(const gb_tx *tx)
{
    return GB_POOL_TX_FIXED + (size_t)(tx->code ? tx->code_len : 0) +
           (tx->salt ? tx->salt_len : 0) +
           (tx->payload ? tx->payload_len : 0) +
           (gb_id_is_zero(tx->fee_payer) ? 0 : 32);
}

uint8_t *gb_pool_tx_write(const gb_tx *tx, uint8_t *q)
{
    uint32_t cl = tx->code ? tx->code_len : 0,
             sl = tx->salt ? tx->salt_len : 0,
             pl = tx->payload ? tx->payload_len : 0;
    gb_pool_tx_fixed(tx, q), q += GB_POOL_TX_FIXED;
    if (cl)
        memcpy(q, tx->code, cl), q += cl;
    if (sl)
        memcpy(q, tx->salt, sl), q += sl;
    if (pl)
        memcpy(q, tx->payload, pl), q += pl;
    if (!gb_id_is_zero(tx->fee_payer))
        memcpy(q, tx->fee_payer.b, 32), q += 32;
    return q;
}

gb_err gb_pool_tx_parse(const uint8_t *f, size_t len, gb_tx *out)
{
    if (len < GB_POOL_TX_FIXED)
        return GB_MALFORMED;
    gb_tx tx = {.kind = (gb_tx_kind)f[0]};
    memcpy(tx.sender.b, f + 1, 32);
    memcpy(tx.kind == GB_TX_CREATE_PROGRAM ? tx.code_id.b : tx.voucher.b,
           f + 33, 32);
    memcpy(tx.destination.b, f + 65, 32);
    tx.gas_limit = GET64(f + 97);
    tx.value = gb_u128_from_le(f + 105);
    uint32_t cl = GET32(f + 121), sl = GET32(f + 125), pl = GET32(f + 129);
    uint64_t fixed = (uint64_t)GB_POOL_TX_FIXED + cl + sl + pl;
    if (fixed != len && fixed + 32 != len)
        return GB_MALFORMED;
    const uint8_t *q = f + GB_POOL_TX_FIXED;
    tx.code = cl ? q : NULL, tx.code_len = cl, q += cl;
    tx.salt = sl ? q : NULL, tx.salt_len = sl, q += sl;
    tx.payload = pl ? q : NULL, tx.payload_len = pl, q += pl;
    if (fixed + 32 == len) /* a fee payer other than the sender */
        memcpy(tx.fee_payer.b, q, 32);
    *out = tx;
    return GB_OK;
}

/* The record of tx with nonce, malloc'ed, its length in *len. */
static uint8_t *encode(const gb_tx *tx, uint64_t nonce, size_t *len)
{
    size_t body = 8 + gb_pool_tx_size(tx);
    uint8_t *r = gb_malloc(4 + body + SUM_LEN);
    if (!r)
        return NULL;
    uint8_t *q = r;
    PUT32(q, (uint32_t)body), q += 4;
    PUT64(q, nonce), q += 8;
    q = gb_pool_tx_write(tx, q);
    uint8_t sum[32];
    gb_blake2b256(r + 4, body, sum);
    memcpy(q, sum, SUM_LEN);
    *len = 4 + body + SUM_LEN;
    return r;
}

static gb_err write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return GB_IO;
        p += w;
        n -= (size_t)w;
    }
    return GB_OK;
}

gb_err gb_pool_log_append(gb_pool_log *l, const gb_tx *tx, uint64_t nonce)
{
    size_t n;
    uint8_t *r = encode(tx, nonce, &n);
    if (!r)
        return GB_NOMEM;
    gb_err e = write_all(l->fd, r, n);
    free(r);
    if (!e)
        l->dirty = true;
    return e;
}

gb_err gb_pool_log_sync(gb_pool_log *l)
{
    if (!l->dirty)
        return GB_OK;
    if (!l->nosync && fdatasync(l->fd))
        return GB_IO;
    l->dirty = false;
    return GB_OK;
}

gb_err gb_pool_log_rewrite(gb_pool_log *l, const gb_ptx *p, uint32_t n)
{
    int fd = open(l->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return GB_IO;
    gb_err e = GB_OK;
    for (uint32_t i = 0; i < n && !e; i++) {
        size_t len;
        uint8_t *r = encode(&p[i].tx, p[i].nonce, &len);
        e = r ? write_all(fd, r, len) : GB_NOMEM;
        free(r);
    }
    if (!e && !l->nosync && fdatasync(fd))
        e = GB_IO;
    if (close(fd) && !e)
        e = GB_IO;
    if (!e && rename(l->tmp, l->path))
        e = GB_IO;
    if (e) {
        unlink(l->tmp);
        return e;
    }
    /* appends go to the new file from now on */
    int nfd = open(l->path, O_RDWR | O_APPEND | O_CLOEXEC);
    if (nfd < 0)
        return GB_IO;
    close(l->fd);
    l->fd = nfd;
    l->dirty = false;
    return GB_OK;
}

gb_err gb_pool_log_read(gb_pool_log *l,
                        gb_err (*each)(void *ctx, const gb_tx *tx,
                                       uint64_t nonce),
                        void *ctx)
{
    struct stat st;
    if (fstat(l->fd, &st))
        return GB_IO;
    size_t size = (size_t)st.st_size, at = 0;
    uint8_t *buf = gb_malloc(size ? size : 1);
    if (!buf)
        return GB_NOMEM;
    gb_err e = GB_OK;
    for (size_t got = 0; got < size;) {
        ssize_t r = pread(l->fd, buf + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            size = got; /* shorter than it said: read what is there */
            break;
        }
        got += (size_t)r;
    }
    while (!e && size - at >= 4) {
        uint32_t body = GET32(buf + at);
        if (body < 8 + GB_POOL_TX_FIXED || body > MAX_BODY ||
            size - at - 4 < (size_t)body + SUM_LEN)
            break; /* torn */
        const uint8_t *b = buf + at + 4;
        uint8_t sum[32];
        gb_blake2b256(b, body, sum);
        if (memcmp(sum, b + body, SUM_LEN))
            break;
        gb_tx tx;
        if (gb_pool_tx_parse(b + 8, body - 8, &tx))
            break;
        e = each(ctx, &tx, GET64(b));
        at += 4 + (size_t)body + SUM_LEN;
    }
    free(buf);
    return e;
}
