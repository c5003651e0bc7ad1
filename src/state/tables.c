/*
 * The typed tables: key builders and record codecs over the raw entries
 * of db.c (layouts in tables.h).  Nothing here touches LMDB directly, so
 * every write goes through gb_db_put / gb_db_del and keeps the root.
 */
#include "state/tables.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/mem.h"

/* ---- byte helpers ------------------------------------------------------- */

static void le_put(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le_get(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void be_put(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t be_get(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static void key2(gb_id a, gb_id b, uint8_t k[64])
{
    memcpy(k, a.b, 32);
    memcpy(k + 32, b.b, 32);
}

gb_err gb_db_key2_decode(gb_db_val key, gb_id *out_owner, gb_id *out_id)
{
    if (key.len != 64)
        return GB_MALFORMED;
    if (out_owner)
        memcpy(out_owner->b, key.data, 32);
    if (out_id)
        memcpy(out_id->b, key.data + 32, 32);
    return GB_OK;
}

/* ---- codes ---------------------------------------------------------------- */

gb_err gb_db_code_put(gb_db_txn *txn, gb_id code_id, const uint8_t *code,
                      size_t len)
{
    return gb_db_put(txn, GB_TABLE_CODES, code_id.b, 32, code, len);
}

gb_err gb_db_code_get(gb_db_txn *txn, gb_id code_id, gb_db_val *out)
{
    return gb_db_get(txn, GB_TABLE_CODES, code_id.b, 32, out);
}

gb_err gb_db_code_del(gb_db_txn *txn, gb_id code_id)
{
    return gb_db_del(txn, GB_TABLE_CODES, code_id.b, 32);
}

gb_err gb_db_code_meta_put(gb_db_txn *txn, gb_id code_id,
                           const gb_db_code_meta *m)
{
    uint8_t r[GB_DB_CODE_META_LEN];
    r[0] = 1;
    r[1] = m->has_stack_end ? 1 : 0;
    le_put(r + 2, m->code_len, 4);
    le_put(r + 6, m->static_pages, 4);
    le_put(r + 10, m->stack_end, 4);
    le_put(r + 14, m->entries, 4);
    le_put(r + 18, m->schedule_version, 4);
    le_put(r + 22, m->uploaded_at, 4);
    return gb_db_put(txn, GB_TABLE_CODE_META, code_id.b, 32, r, sizeof r);
}

gb_err gb_db_code_meta_get(gb_db_txn *txn, gb_id code_id,
                           gb_db_code_meta *out)
{
    gb_db_val v;
    gb_err err = gb_db_get(txn, GB_TABLE_CODE_META, code_id.b, 32, &v);
    if (err)
        return err;
    const uint8_t *r = v.data;
    if (v.len != GB_DB_CODE_META_LEN || r[0] != 1 || r[1] > 1)
        return GB_MALFORMED;
    out->has_stack_end = r[1];
    out->code_len = (uint32_t)le_get(r + 2, 4);
    out->static_pages = (uint32_t)le_get(r + 6, 4);
    out->stack_end = (uint32_t)le_get(r + 10, 4);
    out->entries = (uint32_t)le_get(r + 14, 4);
    out->schedule_version = (uint32_t)le_get(r + 18, 4);
    out->uploaded_at = (uint32_t)le_get(r + 22, 4);
    return GB_OK;
}

gb_err gb_db_code_meta_del(gb_db_txn *txn, gb_id code_id)
{
    return gb_db_del(txn, GB_TABLE_CODE_META, code_id.b, 32);
}

/* ---- programs ----------------------------------------------------------- */

static size_t bitmap_len(uint32_t bits) { return ((size_t)bits + 7) / 8; }

gb_err gb_db_program_put(gb_db_txn *txn, gb_id program_id,
                         const gb_db_program *p)
{
    if ((unsigned)p->status > GB_PROGRAM_TERMINATED)
        return GB_INVAL;
    size_t n = bitmap_len(p->alloc_pages);
    if (n && !p->allocations)
        return GB_INVAL;
    if (p->alloc_pages % 8 &&
        (p->allocations[n - 1] >> (p->alloc_pages % 8)) != 0)
        return GB_INVAL;
    size_t len = GB_DB_PROGRAM_FIXED_LEN + n;
    uint8_t stackbuf[GB_DB_PROGRAM_FIXED_LEN + 256];
    uint8_t *r = len <= sizeof stackbuf ? stackbuf : gb_malloc(len);
    if (!r)
        return GB_NOMEM;
    r[0] = 1;
    r[1] = (uint8_t)p->status;
    le_put(r + 2, p->flags, 2);
    memcpy(r + 4, p->code_id.b, 32);
    memcpy(r + 36, p->init_message.b, 32);
    memcpy(r + 68, p->inheritor.b, 32);
    gb_u128_to_le(p->balance, r + 100);
    le_put(r + 116, p->static_pages, 4);
    le_put(r + 120, p->stack_end, 4);
    le_put(r + 124, p->created_at, 4);
    le_put(r + 128, p->alloc_pages, 4);
    if (n)
        memcpy(r + GB_DB_PROGRAM_FIXED_LEN, p->allocations, n);
    gb_err err = gb_db_put(txn, GB_TABLE_PROGRAMS, program_id.b, 32, r, len);
    if (r != stackbuf)
        free(r);
    return err;
}

/* A record as the memo keeps it: decoded, its bitmap right after. */
typedef struct memo_program {
    gb_db_program p; /* (p.allocations unset) */
    uint8_t alloc[];
} memo_program;

gb_err gb_db_program_get(gb_db_txn *txn, gb_id program_id,
                         gb_db_program *out)
{
    const memo_program *m =
        gb_db_memo_find(txn, GB_TABLE_PROGRAMS, program_id.b);
    if (m) {
        *out = m->p;
        out->allocations = m->p.alloc_pages ? m->alloc : NULL;
        return GB_OK;
    }
    gb_db_val v;
    gb_err err = gb_db_get(txn, GB_TABLE_PROGRAMS, program_id.b, 32, &v);
    if (err)
        return err;
    const uint8_t *r = v.data;
    if (v.len < GB_DB_PROGRAM_FIXED_LEN || r[0] != 1 ||
        r[1] > GB_PROGRAM_TERMINATED)
        return GB_MALFORMED;
    uint32_t bits = (uint32_t)le_get(r + 128, 4);
    if (v.len - GB_DB_PROGRAM_FIXED_LEN != bitmap_len(bits))
        return GB_MALFORMED;
    out->status = (gb_program_status)r[1];
    out->flags = (uint16_t)le_get(r + 2, 2);
    memcpy(out->code_id.b, r + 4, 32);
    memcpy(out->init_message.b, r + 36, 32);
    memcpy(out->inheritor.b, r + 68, 32);
    out->balance = gb_u128_from_le(r + 100);
    out->static_pages = (uint32_t)le_get(r + 116, 4);
    out->stack_end = (uint32_t)le_get(r + 120, 4);
    out->created_at = (uint32_t)le_get(r + 124, 4);
    out->alloc_pages = bits;
    out->allocations = bits ? r + GB_DB_PROGRAM_FIXED_LEN : NULL;
    memo_program head = {.p = *out};
    head.p.allocations = NULL;
    (void)gb_db_memo_add(txn, GB_TABLE_PROGRAMS, program_id.b, &head,
                         offsetof(memo_program, alloc), out->allocations,
                         bitmap_len(bits));
    return GB_OK;
}

gb_err gb_db_program_del(gb_db_txn *txn, gb_id program_id)
{
    return gb_db_del(txn, GB_TABLE_PROGRAMS, program_id.b, 32);
}

/* ---- pages ----------------------------------------------------------------- */

void gb_db_page_key(gb_id program_id, uint32_t page, uint8_t out[36])
{
    memcpy(out, program_id.b, 32);
    be_put(out + 32, page, 4);
}

gb_err gb_db_page_key_decode(gb_db_val key, gb_id *out_program,
                             uint32_t *out_page)
{
    if (key.len != 36)
        return GB_MALFORMED;
    if (out_program)
        memcpy(out_program->b, key.data, 32);
    if (out_page)
        *out_page = (uint32_t)be_get(key.data + 32, 4);
    return GB_OK;
}

gb_err gb_db_page_put(gb_db_txn *txn, gb_id program_id, uint32_t page,
                      const uint8_t *data, uint32_t len)
{
    if (len > GB_GEAR_PAGE_SIZE || (len && !data))
        return GB_INVAL;
    uint8_t k[36];
    gb_db_page_key(program_id, page, k);
    len = (uint32_t)gb_trimmed_len(data, len);
    if (!len) {
        gb_err err = gb_db_del(txn, GB_TABLE_PAGES, k, sizeof k);
        return err == GB_NOT_FOUND ? GB_OK : err;
    }
    return gb_db_put(txn, GB_TABLE_PAGES, k, sizeof k, data, len);
}

gb_err gb_db_page_get(gb_db_txn *txn, gb_id program_id, uint32_t page,
                      const uint8_t **out, uint32_t *out_len)
{
    uint8_t k[36];
    gb_db_val v;
    gb_db_page_key(program_id, page, k);
    gb_err err = gb_db_get(txn, GB_TABLE_PAGES, k, sizeof k, &v);
    if (err)
        return err;
    if (v.len == 0 || v.len > GB_GEAR_PAGE_SIZE)
        return GB_MALFORMED;
    *out = v.data;
    *out_len = (uint32_t)v.len;
    return GB_OK;
}

gb_err gb_db_page_del(gb_db_txn *txn, gb_id program_id, uint32_t page)
{
    uint8_t k[36];
    gb_db_page_key(program_id, page, k);
    return gb_db_del(txn, GB_TABLE_PAGES, k, sizeof k);
}

gb_err gb_db_pages_clear(gb_db_txn *txn, gb_id program_id,
                         uint64_t *out_count)
{
    /* collect the page numbers, then delete: a cursor must not see its
     * table change under it */
    uint32_t *pages = NULL;
    size_t n = 0, cap = 0;
    gb_db_cursor *c;
    gb_err err = gb_db_cursor_open(txn, GB_TABLE_PAGES, program_id.b, 32,
                                   NULL, 0, &c);
    if (err)
        return err;
    gb_db_val k, v;
    while (!(err = gb_db_cursor_next(c, &k, &v))) {
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            uint32_t *np = gb_realloc(pages, ncap * sizeof *np);
            if (!np) {
                err = GB_NOMEM;
                break;
            }
            pages = np;
            cap = ncap;
        }
        if ((err = gb_db_page_key_decode(k, NULL, &pages[n])))
            break;
        n++;
    }
    gb_db_cursor_close(c);
    if (err == GB_NOT_FOUND)
        err = GB_OK;
    for (size_t i = 0; i < n && !err; i++)
        err = gb_db_page_del(txn, program_id, pages[i]);
    free(pages);
    if (!err && out_count)
        *out_count = n;
    return err;
}

/* ---- dispatches ---------------------------------------------------------- */

/* The dispatch record's optional fields (tables.h): their sizes, in
 * record order. */
enum { DF_FLAGS, DF_EXPIRES, DF_ORIGIN, DF_VALUE, DF_GAS, DF_REPLY_TO,
       DF_REPLY_CODE, DF_SIGNAL_FROM, DF_SIGNAL_CODE, DF_ONONCE, DF_RNONCE,
       DF_SYSRES, DF_DEPOSIT, DF_GAS_NODE, DF_N };
static const uint8_t df_len[DF_N] = {4, 4, 32, 16, 8, 32, 4, 32, 4, 4, 8,
                                     8, 8, 32};

/* Field i (df_len[i] bytes at p) into the record at r + *n unless zero. */
static void df_put(uint8_t *r, size_t *n, unsigned *present, int i,
                   const uint8_t *p)
{
    uint8_t any = 0;
    for (unsigned k = 0; k < df_len[i]; k++)
        any |= p[k];
    if (!any)
        return;
    *present |= 1u << i;
    memcpy(r + *n, p, df_len[i]);
    *n += df_len[i];
}

static void df_put_int(uint8_t *r, size_t *n, unsigned *present, int i,
                       uint64_t v)
{
    uint8_t b[8];
    le_put(b, v, df_len[i]);
    df_put(r, n, present, i, b);
}

gb_err gb_db_dispatch_encode(const gb_db_dispatch *x, uint8_t **out,
                             size_t *out_len)
{
    const gb_dispatch *d = &x->d;
    if ((unsigned)d->kind > GB_DISPATCH_STATE ||
        (d->payload_len && !d->payload))
        return GB_INVAL;
    uint8_t f[GB_DB_DISPATCH_FIXED_MAX];
    size_t n = GB_DB_DISPATCH_MIN_LEN;
    unsigned present = 0;
    uint8_t value[16];
    gb_u128_to_le(d->value, value);
    df_put_int(f, &n, &present, DF_FLAGS, x->flags);
    df_put_int(f, &n, &present, DF_EXPIRES, x->expires_at);
    df_put(f, &n, &present, DF_ORIGIN, x->origin.b);
    df_put(f, &n, &present, DF_VALUE, value);
    df_put_int(f, &n, &present, DF_GAS, d->gas_limit);
    df_put(f, &n, &present, DF_REPLY_TO, d->reply_to.b);
    df_put(f, &n, &present, DF_REPLY_CODE, d->reply_code);
    df_put(f, &n, &present, DF_SIGNAL_FROM, d->signal_from.b);
    df_put_int(f, &n, &present, DF_SIGNAL_CODE, d->signal_code);
    df_put_int(f, &n, &present, DF_ONONCE, d->ctx.outgoing_nonce);
    df_put_int(f, &n, &present, DF_RNONCE, d->ctx.reservation_nonce);
    df_put_int(f, &n, &present, DF_SYSRES, d->ctx.system_reservation);
    df_put_int(f, &n, &present, DF_DEPOSIT, x->reply_deposit);
    df_put(f, &n, &present, DF_GAS_NODE, x->gas_node.b);
    size_t len = n + (size_t)d->payload_len;
    uint8_t *r = gb_malloc(len);
    if (!r)
        return GB_NOMEM;
    r[0] = 2;
    r[1] = (uint8_t)d->kind;
    r[2] = d->ctx.replied ? 1 : 0;
    le_put(r + 3, present, 2);
    le_put(r + 5, d->payload_len, 4);
    memcpy(r + 9, d->id.b, 32);
    memcpy(r + 41, d->source.b, 32);
    memcpy(r + 73, d->destination.b, 32);
    memcpy(r + GB_DB_DISPATCH_MIN_LEN, f + GB_DB_DISPATCH_MIN_LEN,
           n - GB_DB_DISPATCH_MIN_LEN);
    if (d->payload_len)
        memcpy(r + n, d->payload, d->payload_len);
    *out = r;
    *out_len = len;
    return GB_OK;
}

/* Version 1 (every field at a fixed offset, payload_len at 296, the
 * payload at 300): still read, for a data directory written before. */
static gb_err dispatch_decode_v1(const uint8_t *r, size_t len,
                                 gb_db_dispatch *out)
{
    if (len < 300 || r[1] > GB_DISPATCH_STATE || r[2] > 1 || r[3] != 0 ||
        len - 300 != le_get(r + 296, 4))
        return GB_MALFORMED;
    gb_dispatch *d = &out->d;
    memset(out, 0, sizeof *out);
    d->kind = (gb_dispatch_kind)r[1];
    d->ctx.replied = r[2];
    out->flags = (uint32_t)le_get(r + 4, 4);
    out->expires_at = (uint32_t)le_get(r + 8, 4);
    memcpy(d->id.b, r + 12, 32);
    memcpy(d->source.b, r + 44, 32);
    memcpy(d->destination.b, r + 76, 32);
    memcpy(out->origin.b, r + 108, 32);
    d->value = gb_u128_from_le(r + 140);
    d->gas_limit = le_get(r + 156, 8);
    memcpy(d->reply_to.b, r + 164, 32);
    memcpy(d->reply_code, r + 196, 4);
    memcpy(d->signal_from.b, r + 200, 32);
    d->signal_code = (uint32_t)le_get(r + 232, 4);
    d->ctx.outgoing_nonce = (uint32_t)le_get(r + 236, 4);
    d->ctx.reservation_nonce = le_get(r + 240, 8);
    d->ctx.system_reservation = le_get(r + 248, 8);
    out->reply_deposit = le_get(r + 256, 8);
    memcpy(out->gas_node.b, r + 264, 32);
    d->payload_len = (uint32_t)(len - 300);
    d->payload = len > 300 ? r + 300 : NULL;
    return GB_OK;
}

gb_err gb_db_dispatch_decode(const uint8_t *r, size_t len,
                             gb_db_dispatch *out)
{
    if (len && r[0] == 1)
        return dispatch_decode_v1(r, len, out);
    if (len < GB_DB_DISPATCH_MIN_LEN || r[0] != 2 ||
        r[1] > GB_DISPATCH_STATE || r[2] > 1)
        return GB_MALFORMED;
    unsigned present = (unsigned)le_get(r + 3, 2);
    if (present >> DF_N)
        return GB_MALFORMED;
    const uint8_t *f[DF_N] = {0};
    size_t o = GB_DB_DISPATCH_MIN_LEN;
    for (int i = 0; i < DF_N; i++)
        if (present >> i & 1) {
            if (len - o < df_len[i])
                return GB_MALFORMED;
            f[i] = r + o;
            o += df_len[i];
        }
    if (len - o != le_get(r + 5, 4))
        return GB_MALFORMED;
    gb_dispatch *d = &out->d;
    memset(out, 0, sizeof *out);
    d->kind = (gb_dispatch_kind)r[1];
    d->ctx.replied = r[2];
    memcpy(d->id.b, r + 9, 32);
    memcpy(d->source.b, r + 41, 32);
    memcpy(d->destination.b, r + 73, 32);
#define DF_INT(i) (f[i] ? le_get(f[i], df_len[i]) : 0)
    out->flags = (uint32_t)DF_INT(DF_FLAGS);
    out->expires_at = (uint32_t)DF_INT(DF_EXPIRES);
    if (f[DF_ORIGIN])
        memcpy(out->origin.b, f[DF_ORIGIN], 32);
    if (f[DF_VALUE])
        d->value = gb_u128_from_le(f[DF_VALUE]);
    d->gas_limit = DF_INT(DF_GAS);
    if (f[DF_REPLY_TO])
        memcpy(d->reply_to.b, f[DF_REPLY_TO], 32);
    if (f[DF_REPLY_CODE])
        memcpy(d->reply_code, f[DF_REPLY_CODE], 4);
    if (f[DF_SIGNAL_FROM])
        memcpy(d->signal_from.b, f[DF_SIGNAL_FROM], 32);
    d->signal_code = (uint32_t)DF_INT(DF_SIGNAL_CODE);
    d->ctx.outgoing_nonce = (uint32_t)DF_INT(DF_ONONCE);
    d->ctx.reservation_nonce = DF_INT(DF_RNONCE);
    d->ctx.system_reservation = DF_INT(DF_SYSRES);
    out->reply_deposit = DF_INT(DF_DEPOSIT);
    if (f[DF_GAS_NODE])
        memcpy(out->gas_node.b, f[DF_GAS_NODE], 32);
#undef DF_INT
    d->payload_len = (uint32_t)(len - o);
    d->payload = len > o ? r + o : NULL;
    return GB_OK;
}

static gb_err dispatch_put(gb_db_txn *txn, gb_db_table t, const uint8_t *key,
                           size_t klen, const gb_db_dispatch *x)
{
    uint8_t *r;
    size_t len;
    gb_err err = gb_db_dispatch_encode(x, &r, &len);
    if (err)
        return err;
    err = gb_db_put(txn, t, key, klen, r, len);
    free(r);
    return err;
}

static gb_err dispatch_get(gb_db_txn *txn, gb_db_table t, const uint8_t *key,
                           size_t klen, gb_db_dispatch *out)
{
    gb_db_val v;
    gb_err err = gb_db_get(txn, t, key, klen, &v);
    return err ? err : gb_db_dispatch_decode(v.data, v.len, out);
}

/* queue */

gb_err gb_db_queue_push(gb_db_txn *txn, const gb_db_dispatch *x,
                        uint64_t *out_seq)
{
    uint64_t seq;
    uint8_t k[8];
    gb_err err = gb_db_meta_get_u64(txn, "queue_seq", 0, &seq);
    if (err)
        return err;
    be_put(k, seq, 8);
    if ((err = dispatch_put(txn, GB_TABLE_QUEUE, k, sizeof k, x)))
        return err;
    if ((err = gb_db_meta_put_u64(txn, "queue_seq", seq + 1)))
        return err;
    if (out_seq)
        *out_seq = seq;
    return GB_OK;
}

gb_err gb_db_queue_put_at(gb_db_txn *txn, uint64_t seq,
                          const gb_db_dispatch *x)
{
    uint8_t k[8];
    be_put(k, seq, 8);
    return dispatch_put(txn, GB_TABLE_QUEUE, k, sizeof k, x);
}

gb_err gb_db_queue_first(gb_db_txn *txn, uint64_t *out_seq,
                         gb_db_dispatch *out)
{
    gb_db_cursor *c;
    gb_db_val k, v;
    gb_err err = gb_db_cursor_open(txn, GB_TABLE_QUEUE, NULL, 0, NULL, 0, &c);
    if (err)
        return err;
    err = gb_db_cursor_next(c, &k, &v);
    if (!err && k.len != 8)
        err = GB_MALFORMED;
    if (!err) {
        gb_db_dispatch tmp;
        err = gb_db_dispatch_decode(v.data, v.len, &tmp);
        if (!err) {
            if (out_seq)
                *out_seq = be_get(k.data, 8);
            if (out)
                *out = tmp;
        }
    }
    gb_db_cursor_close(c);
    return err;
}

gb_err gb_db_queue_get(gb_db_txn *txn, uint64_t seq, gb_db_dispatch *out)
{
    uint8_t k[8];
    be_put(k, seq, 8);
    return dispatch_get(txn, GB_TABLE_QUEUE, k, sizeof k, out);
}

gb_err gb_db_queue_del(gb_db_txn *txn, uint64_t seq)
{
    uint8_t k[8];
    be_put(k, seq, 8);
    return gb_db_del(txn, GB_TABLE_QUEUE, k, sizeof k);
}

/* waitlist, mailbox, stash */

gb_err gb_db_waitlist_put(gb_db_txn *txn, gb_id program_id, gb_id message_id,
                          const gb_db_dispatch *x)
{
    uint8_t k[64];
    key2(program_id, message_id, k);
    return dispatch_put(txn, GB_TABLE_WAITLIST, k, sizeof k, x);
}

gb_err gb_db_waitlist_get(gb_db_txn *txn, gb_id program_id, gb_id message_id,
                          gb_db_dispatch *out)
{
    uint8_t k[64];
    key2(program_id, message_id, k);
    return dispatch_get(txn, GB_TABLE_WAITLIST, k, sizeof k, out);
}

gb_err gb_db_waitlist_del(gb_db_txn *txn, gb_id program_id, gb_id message_id)
{
    uint8_t k[64];
    key2(program_id, message_id, k);
    return gb_db_del(txn, GB_TABLE_WAITLIST, k, sizeof k);
}

gb_err gb_db_mailbox_put(gb_db_txn *txn, gb_id user_id, gb_id message_id,
                         const gb_db_dispatch *x)
{
    uint8_t k[64];
    key2(user_id, message_id, k);
    return dispatch_put(txn, GB_TABLE_MAILBOX, k, sizeof k, x);
}

gb_err gb_db_mailbox_get(gb_db_txn *txn, gb_id user_id, gb_id message_id,
                         gb_db_dispatch *out)
{
    uint8_t k[64];
    key2(user_id, message_id, k);
    return dispatch_get(txn, GB_TABLE_MAILBOX, k, sizeof k, out);
}

gb_err gb_db_mailbox_del(gb_db_txn *txn, gb_id user_id, gb_id message_id)
{
    uint8_t k[64];
    key2(user_id, message_id, k);
    return gb_db_del(txn, GB_TABLE_MAILBOX, k, sizeof k);
}

gb_err gb_db_stash_put(gb_db_txn *txn, gb_id message_id,
                       const gb_db_dispatch *x)
{
    return dispatch_put(txn, GB_TABLE_STASH, message_id.b, 32, x);
}

gb_err gb_db_stash_get(gb_db_txn *txn, gb_id message_id, gb_db_dispatch *out)
{
    return dispatch_get(txn, GB_TABLE_STASH, message_id.b, 32, out);
}

gb_err gb_db_stash_del(gb_db_txn *txn, gb_id message_id)
{
    return gb_db_del(txn, GB_TABLE_STASH, message_id.b, 32);
}

/* ---- tasks ------------------------------------------------------------------ */

void gb_db_task_encode(const gb_db_task *t, uint8_t out[GB_DB_TASK_LEN])
{
    out[0] = 1;
    out[1] = t->kind;
    memcpy(out + 2, t->a.b, 32);
    memcpy(out + 34, t->b.b, 32);
    le_put(out + 66, t->arg, 8);
}

gb_err gb_db_task_decode(const uint8_t *in, size_t len, gb_db_task *out)
{
    if (len != GB_DB_TASK_LEN || in[0] != 1)
        return GB_MALFORMED;
    out->kind = in[1];
    memcpy(out->a.b, in + 2, 32);
    memcpy(out->b.b, in + 34, 32);
    out->arg = le_get(in + 66, 8);
    return GB_OK;
}

static void task_key(uint32_t block, uint64_t seq, uint8_t k[12])
{
    be_put(k, block, 4);
    be_put(k + 4, seq, 8);
}

gb_err gb_db_task_add(gb_db_txn *txn, uint32_t block, const gb_db_task *t,
                      uint64_t *out_seq)
{
    uint64_t seq;
    uint8_t k[12], r[GB_DB_TASK_LEN];
    gb_err err = gb_db_meta_get_u64(txn, "task_seq", 0, &seq);
    if (err)
        return err;
    task_key(block, seq, k);
    gb_db_task_encode(t, r);
    if ((err = gb_db_put(txn, GB_TABLE_TASKS, k, sizeof k, r, sizeof r)))
        return err;
    if ((err = gb_db_meta_put_u64(txn, "task_seq", seq + 1)))
        return err;
    if (out_seq)
        *out_seq = seq;
    return GB_OK;
}

gb_err gb_db_task_first(gb_db_txn *txn, uint32_t up_to, uint32_t *out_block,
                        uint64_t *out_seq, gb_db_task *out)
{
    gb_db_cursor *c;
    gb_db_val k, v;
    gb_err err = gb_db_cursor_open(txn, GB_TABLE_TASKS, NULL, 0, NULL, 0, &c);
    if (err)
        return err;
    err = gb_db_cursor_next(c, &k, &v);
    if (!err && k.len != 12)
        err = GB_MALFORMED;
    if (!err) {
        uint32_t block = (uint32_t)be_get(k.data, 4);
        gb_db_task t;
        if (block > up_to)
            err = GB_NOT_FOUND;
        else if (!(err = gb_db_task_decode(v.data, v.len, &t))) {
            if (out_block)
                *out_block = block;
            if (out_seq)
                *out_seq = be_get(k.data + 4, 8);
            if (out)
                *out = t;
        }
    }
    gb_db_cursor_close(c);
    return err;
}

gb_err gb_db_task_get(gb_db_txn *txn, uint32_t block, uint64_t seq,
                      gb_db_task *out)
{
    uint8_t k[12];
    gb_db_val v;
    task_key(block, seq, k);
    gb_err err = gb_db_get(txn, GB_TABLE_TASKS, k, sizeof k, &v);
    return err ? err : gb_db_task_decode(v.data, v.len, out);
}

gb_err gb_db_task_del(gb_db_txn *txn, uint32_t block, uint64_t seq)
{
    uint8_t k[12];
    task_key(block, seq, k);
    return gb_db_del(txn, GB_TABLE_TASKS, k, sizeof k);
}

/* ---- reservations --------------------------------------------------------- */

gb_err gb_db_reservation_put(gb_db_txn *txn, gb_id program_id,
                             gb_id reservation_id,
                             const gb_db_reservation *res)
{
    uint8_t k[64], r[GB_DB_RESERVATION_LEN];
    key2(program_id, reservation_id, k);
    r[0] = 1;
    le_put(r + 1, res->amount, 8);
    le_put(r + 9, res->start, 4);
    le_put(r + 13, res->expires_at, 4);
    memcpy(r + 17, res->origin.b, 32);
    return gb_db_put(txn, GB_TABLE_RESERVATIONS, k, sizeof k, r, sizeof r);
}

gb_err gb_db_reservation_get(gb_db_txn *txn, gb_id program_id,
                             gb_id reservation_id, gb_db_reservation *out)
{
    uint8_t k[64];
    gb_db_val v;
    key2(program_id, reservation_id, k);
    gb_err err = gb_db_get(txn, GB_TABLE_RESERVATIONS, k, sizeof k, &v);
    if (err)
        return err;
    if (v.len != GB_DB_RESERVATION_LEN || v.data[0] != 1)
        return GB_MALFORMED;
    out->amount = le_get(v.data + 1, 8);
    out->start = (uint32_t)le_get(v.data + 9, 4);
    out->expires_at = (uint32_t)le_get(v.data + 13, 4);
    memcpy(out->origin.b, v.data + 17, 32);
    return GB_OK;
}

gb_err gb_db_reservation_del(gb_db_txn *txn, gb_id program_id,
                             gb_id reservation_id)
{
    uint8_t k[64];
    key2(program_id, reservation_id, k);
    return gb_db_del(txn, GB_TABLE_RESERVATIONS, k, sizeof k);
}

/* ---- accounts --------------------------------------------------------------- */

gb_err gb_db_account_put(gb_db_txn *txn, gb_id account_id,
                         const gb_db_account *a)
{
    if (gb_u128_is_zero(a->balance) && a->nonce == 0) {
        gb_err err = gb_db_del(txn, GB_TABLE_ACCOUNTS, account_id.b, 32);
        return err == GB_NOT_FOUND ? GB_OK : err;
    }
    uint8_t r[GB_DB_ACCOUNT_LEN];
    r[0] = 1;
    gb_u128_to_le(a->balance, r + 1);
    le_put(r + 17, a->nonce, 8);
    return gb_db_put(txn, GB_TABLE_ACCOUNTS, account_id.b, 32, r, sizeof r);
}

gb_err gb_db_account_get(gb_db_txn *txn, gb_id account_id,
                         gb_db_account *out)
{
    gb_db_val v;
    gb_err err = gb_db_get(txn, GB_TABLE_ACCOUNTS, account_id.b, 32, &v);
    if (err == GB_NOT_FOUND) {
        out->balance = gb_u128_from(0);
        out->nonce = 0;
        return err;
    }
    if (err)
        return err;
    if (v.len != GB_DB_ACCOUNT_LEN || v.data[0] != 1)
        return GB_MALFORMED;
    out->balance = gb_u128_from_le(v.data + 1);
    out->nonce = le_get(v.data + 17, 8);
    return GB_OK;
}

gb_err gb_db_account_del(gb_db_txn *txn, gb_id account_id)
{
    return gb_db_del(txn, GB_TABLE_ACCOUNTS, account_id.b, 32);
}

/* ---- vouchers --------------------------------------------------------------- */

gb_err gb_db_voucher_put(gb_db_txn *txn, gb_id spender, gb_id voucher_id,
                         const gb_db_voucher *v)
{
    uint32_t n = v->any_program ? 0 : v->nprograms;
    if (n > GB_DB_VOUCHER_MAX_PROGRAMS)
        return GB_INVAL;
    for (uint32_t i = 1; i < n; i++)
        if (memcmp(v->programs[i - 1].b, v->programs[i].b, 32) >= 0)
            return GB_INVAL;
    uint8_t r[39 + 32 * GB_DB_VOUCHER_MAX_PROGRAMS], k[64];
    r[0] = 1;
    memcpy(r + 1, v->owner.b, 32);
    le_put(r + 33, v->expiry, 4);
    r[37] = (uint8_t)((v->code_uploading ? 1 : 0) | (v->any_program ? 2 : 0));
    r[38] = (uint8_t)n;
    for (uint32_t i = 0; i < n; i++)
        memcpy(r + 39 + 32 * i, v->programs[i].b, 32);
    memcpy(k, spender.b, 32);
    memcpy(k + 32, voucher_id.b, 32);
    return gb_db_put(txn, GB_TABLE_VOUCHERS, k, sizeof k, r, 39 + 32 * n);
}

gb_err gb_db_voucher_decode(const uint8_t *in, size_t len,
                            gb_db_voucher *out)
{
    if (len < 39 || in[0] != 1 || in[37] > 3 ||
        in[38] > GB_DB_VOUCHER_MAX_PROGRAMS ||
        len != 39 + 32 * (size_t)in[38] || ((in[37] & 2) && in[38]))
        return GB_MALFORMED;
    memcpy(out->owner.b, in + 1, 32);
    out->expiry = (uint32_t)le_get(in + 33, 4);
    out->code_uploading = in[37] & 1;
    out->any_program = (in[37] & 2) != 0;
    out->nprograms = in[38];
    for (uint32_t i = 0; i < out->nprograms; i++)
        memcpy(out->programs[i].b, in + 39 + 32 * i, 32);
    return GB_OK;
}

gb_err gb_db_voucher_get(gb_db_txn *txn, gb_id spender, gb_id voucher_id,
                         gb_db_voucher *out)
{
    uint8_t k[64];
    memcpy(k, spender.b, 32);
    memcpy(k + 32, voucher_id.b, 32);
    gb_db_val v;
    gb_err err = gb_db_get(txn, GB_TABLE_VOUCHERS, k, sizeof k, &v);
    if (err)
        return err;
    return gb_db_voucher_decode(v.data, v.len, out);
}

/* ---- gas ----------------------------------------------------------------- */

gb_err gb_db_gas_node_put(gb_db_txn *txn, gb_id node_id,
                          const gb_db_gas_node *n)
{
    uint8_t r[GB_DB_GAS_NODE_LEN];
    r[0] = 1;
    r[1] = n->consumed ? 1 : 0;
    le_put(r + 2, n->value, 8);
    memcpy(r + 10, n->parent.b, 32);
    memcpy(r + 42, n->origin.b, 32);
    le_put(r + 74, n->spec_refs, 4);
    le_put(r + 78, n->unspec_refs, 4);
    return gb_db_put(txn, GB_TABLE_GAS, node_id.b, 32, r, sizeof r);
}

gb_err gb_db_gas_node_get(gb_db_txn *txn, gb_id node_id,
                          gb_db_gas_node *out)
{
    gb_db_val v;
    gb_err err = gb_db_get(txn, GB_TABLE_GAS, node_id.b, 32, &v);
    if (err)
        return err;
    if (v.len != GB_DB_GAS_NODE_LEN || v.data[0] != 1 || v.data[1] > 1)
        return GB_MALFORMED;
    out->consumed = v.data[1];
    out->value = le_get(v.data + 2, 8);
    memcpy(out->parent.b, v.data + 10, 32);
    memcpy(out->origin.b, v.data + 42, 32);
    out->spec_refs = (uint32_t)le_get(v.data + 74, 4);
    out->unspec_refs = (uint32_t)le_get(v.data + 78, 4);
    return GB_OK;
}

gb_err gb_db_gas_node_del(gb_db_txn *txn, gb_id node_id)
{
    return gb_db_del(txn, GB_TABLE_GAS, node_id.b, 32);
}
