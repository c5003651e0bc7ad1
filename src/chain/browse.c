/*
 * Looking around the chain's state (see browse.h): table counts from the
 * store, and cursors over the programs, code_meta, waitlist and mailbox
 * tables, each in a read snapshot of its own, stopping at the caller's
 * limit so that a request never walks the whole state.
 */
#include "chain/browse.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chain/chain_int.h"
#include "chain/gas_tree.h"
#include "util/grow.h"

gb_err gb_chain_stats_get(gb_chain *c, gb_chain_stats *out)
{
    memset(out, 0, sizeof *out);
    out->threads = c->nthreads;
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    static const struct {
        gb_db_table t;
        size_t off;
    } tabs[] = {
        {GB_TABLE_PROGRAMS, offsetof(gb_chain_stats, programs)},
        {GB_TABLE_CODE_META, offsetof(gb_chain_stats, codes)},
        {GB_TABLE_QUEUE, offsetof(gb_chain_stats, queue)},
        {GB_TABLE_WAITLIST, offsetof(gb_chain_stats, waitlist)},
        {GB_TABLE_MAILBOX, offsetof(gb_chain_stats, mailbox)},
        {GB_TABLE_STASH, offsetof(gb_chain_stats, stash)},
        {GB_TABLE_TASKS, offsetof(gb_chain_stats, tasks)},
        {GB_TABLE_RESERVATIONS, offsetof(gb_chain_stats, reservations)},
        {GB_TABLE_ACCOUNTS, offsetof(gb_chain_stats, accounts)},
        {GB_TABLE_BLOCKS, offsetof(gb_chain_stats, blocks)},
    };
    for (size_t i = 0; i < sizeof tabs / sizeof *tabs && !e; i++)
        e = gb_db_count(r, tabs[i].t,
                        (uint64_t *)((char *)out + tabs[i].off));
    gb_db_read_end(r);
    char path[4096];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/data.mdb", gb_db_path(c->db)) <
            (int)sizeof path &&
        !stat(path, &st))
        out->db_bytes = (uint64_t)st.st_blocks * 512u;
    return e;
}

gb_err gb_chain_list_programs(gb_chain *c, const gb_id *after, uint32_t limit,
                              gb_chain_prog_row **out, uint32_t *n)
{
    *out = NULL;
    *n = 0;
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_cursor *cur = NULL;
    gb_chain_prog_row *v = NULL;
    uint32_t k = 0, cap = 0;
    if ((e = gb_db_cursor_open(r, GB_TABLE_PROGRAMS, NULL, 0,
                               after ? after->b : NULL, after ? 32 : 0, &cur)))
        goto out;
    gb_db_val key, val;
    while (k < limit && !(e = gb_db_cursor_next(cur, &key, &val))) {
        gb_db_program p;
        if (key.len != 32) {
            e = GB_MALFORMED;
            break;
        }
        gb_id id;
        memcpy(id.b, key.data, 32);
        if ((e = gb_db_program_get(r, id, &p)) ||
            (e = gb_grow((void **)&v, &cap, (uint64_t)k + 1, sizeof *v, 16)
                     ? GB_OK
                     : GB_NOMEM))
            break;
        gb_chain_prog_row *row = &v[k++];
        memset(row, 0, sizeof *row);
        row->id = id;
        gb_chain_prog_info_from(&p, &row->info);
        gb_db_cursor *wc;
        if ((e = gb_db_cursor_open(r, GB_TABLE_WAITLIST, id.b, 32, NULL, 0,
                                   &wc)))
            break;
        gb_db_val wk, wv;
        while (!(e = gb_db_cursor_next(wc, &wk, &wv)))
            row->waiting++;
        gb_db_cursor_close(wc);
        if (e != GB_NOT_FOUND)
            break;
        e = GB_OK;
    }
    if (e == GB_NOT_FOUND)
        e = GB_OK;
out:
    gb_db_cursor_close(cur);
    gb_db_read_end(r);
    if (e) {
        free(v);
        return e;
    }
    *out = v;
    *n = k;
    return GB_OK;
}

gb_err gb_chain_list_codes(gb_chain *c, const gb_id *after, uint32_t limit,
                           gb_chain_code_row **out, uint32_t *n)
{
    *out = NULL;
    *n = 0;
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_cursor *cur = NULL;
    gb_chain_code_row *v = NULL;
    uint32_t k = 0, cap = 0;
    if ((e = gb_db_cursor_open(r, GB_TABLE_CODE_META, NULL, 0,
                               after ? after->b : NULL, after ? 32 : 0, &cur)))
        goto out;
    gb_db_val key, val;
    while (k < limit && !(e = gb_db_cursor_next(cur, &key, &val))) {
        gb_db_code_meta m;
        if (key.len != 32) {
            e = GB_MALFORMED;
            break;
        }
        gb_id id;
        memcpy(id.b, key.data, 32);
        if ((e = gb_db_code_meta_get(r, id, &m)) ||
            (e = gb_grow((void **)&v, &cap, (uint64_t)k + 1, sizeof *v, 16)
                     ? GB_OK
                     : GB_NOMEM))
            break;
        v[k++] = (gb_chain_code_row){.id = id,
                                     .code_len = m.code_len,
                                     .static_pages = m.static_pages,
                                     .uploaded_at = m.uploaded_at,
                                     .entries = m.entries};
    }
    if (e == GB_NOT_FOUND)
        e = GB_OK;
out:
    gb_db_cursor_close(cur);
    gb_db_read_end(r);
    if (e) {
        free(v);
        return e;
    }
    *out = v;
    *n = k;
    return GB_OK;
}

void gb_chain_msg_rows_free(gb_chain_msg_row *rows, uint32_t n)
{
    for (uint32_t i = 0; rows && i < n; i++)
        free(rows[i].payload);
    free(rows);
}

gb_err gb_chain_list_messages(gb_chain *c, gb_chain_place place,
                              const gb_id *owner, const gb_id *after,
                              uint32_t limit, gb_chain_msg_row **out,
                              uint32_t *n)
{
    *out = NULL;
    *n = 0;
    gb_db_table t = place == GB_PLACE_MAILBOX ? GB_TABLE_MAILBOX
                                              : GB_TABLE_WAITLIST;
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_cursor *cur = NULL;
    gb_chain_msg_row *v = NULL;
    uint32_t k = 0, cap = 0;
    const uint8_t *start = after && (!owner || gb_id_eq(*owner, *after))
                               ? after->b
                               : NULL;
    if ((e = gb_db_cursor_open(r, t, owner ? owner->b : NULL, owner ? 32 : 0,
                               start, start ? 32 : 0, &cur)))
        goto out;
    gb_db_val key, val;
    while (k < limit && !(e = gb_db_cursor_next(cur, &key, &val))) {
        gb_id own, mid;
        gb_db_dispatch x;
        if ((e = gb_db_key2_decode(key, &own, &mid)) ||
            (e = gb_db_dispatch_decode(val.data, val.len, &x)) ||
            (e = gb_grow((void **)&v, &cap, (uint64_t)k + 1, sizeof *v, 16)
                     ? GB_OK
                     : GB_NOMEM))
            break;
        uint64_t gas = x.d.gas_limit; /* (a gasless one: its pool's) */
        if ((e = gb_chain_gas_limit(r, &x, &gas)))
            break;
        gb_chain_msg_row *row = &v[k];
        *row = (gb_chain_msg_row){.owner = own,
                                  .id = mid,
                                  .source = x.d.source,
                                  .destination = x.d.destination,
                                  .kind = (int)x.d.kind,
                                  .expires_at = x.expires_at,
                                  .value = x.d.value,
                                  .gas_limit = gas,
                                  .reply_to = x.d.reply_to,
                                  .full_len = x.d.payload_len};
        memcpy(row->reply_code, x.d.reply_code, 4);
        uint32_t len = x.d.payload_len < GB_CHAIN_ROW_PAYLOAD
                           ? x.d.payload_len
                           : GB_CHAIN_ROW_PAYLOAD;
        if (len) {
            if (!(row->payload = malloc(len))) {
                e = GB_NOMEM;
                break;
            }
            memcpy(row->payload, x.d.payload, len);
            row->payload_len = len;
        }
        k++;
    }
    if (e == GB_NOT_FOUND)
        e = GB_OK;
out:
    gb_db_cursor_close(cur);
    gb_db_read_end(r);
    if (e) {
        gb_chain_msg_rows_free(v, k);
        return e;
    }
    *out = v;
    *n = k;
    return GB_OK;
}
