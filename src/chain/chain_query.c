/*
 * Read-only looks at stored state that the node's Vara face serves as
 * Substrate storage (chain.h, "storage reads"): a code's original bytes
 * (GearProgram.OriginalCodeStorage), a program's stored memory pages
 * (GearProgram.MemoryPages) and one waitlist entry (GearMessenger.Waitlist).
 * Each call reads the last committed block in a read snapshot of its own,
 * as the queries of chain.c do.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/chain_int.h"

gb_err gb_chain_code_original(gb_chain *c, gb_id code_id, uint8_t **out,
                              uint32_t *len)
{
    *out = NULL;
    *len = 0;
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_val v;
    if (!(e = gb_db_code_get(r, code_id, &v))) {
        uint8_t *b = malloc(v.len ? v.len : 1);
        if (!b) {
            e = GB_NOMEM;
        } else {
            memcpy(b, v.data, v.len);
            *out = b;
            *len = (uint32_t)v.len;
        }
    }
    gb_db_read_end(r);
    return e;
}

gb_err gb_chain_page_numbers(gb_chain *c, gb_id program, uint32_t **out,
                             uint32_t *n)
{
    *out = NULL;
    *n = 0;
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_cursor *cur;
    uint32_t *v = NULL, cap = 0, k = 0;
    if (!(e = gb_db_cursor_open(r, GB_TABLE_PAGES, program.b, 32, NULL, 0,
                                &cur))) {
        gb_db_val key, val;
        while (!(e = gb_db_cursor_next(cur, &key, &val))) {
            gb_id pid;
            uint32_t page;
            if ((e = gb_db_page_key_decode(key, &pid, &page)))
                break;
            if (k == cap) {
                uint32_t nc = cap ? cap * 2 : 16;
                uint32_t *p = realloc(v, nc * sizeof *v);
                if (!p) {
                    e = GB_NOMEM;
                    break;
                }
                v = p;
                cap = nc;
            }
            v[k++] = page;
        }
        gb_db_cursor_close(cur);
        if (e == GB_NOT_FOUND)
            e = GB_OK;
    }
    gb_db_read_end(r);
    if (e) {
        free(v);
        return e;
    }
    *out = v;
    *n = k;
    return GB_OK;
}

gb_err gb_chain_page_read(gb_chain *c, gb_id program, uint32_t page,
                          uint8_t out[GB_GEAR_PAGE_SIZE])
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    const uint8_t *p;
    uint32_t len;
    if (!(e = gb_db_page_get(r, program, page, &p, &len))) {
        if (len > GB_GEAR_PAGE_SIZE)
            len = GB_GEAR_PAGE_SIZE;
        memcpy(out, p, len);
        memset(out + len, 0, GB_GEAR_PAGE_SIZE - len);
    }
    gb_db_read_end(r);
    return e;
}

/* Whether the wait of w (program's message) ends with a wake-up task
 * (gr_wait_for, a gr_wait_up_to its gas covers) rather than a removal. */
static gb_err wakes_at_end(gb_db_txn *r, gb_id program,
                           const gb_db_dispatch *w, bool *out)
{
    *out = false;
    uint8_t k[4] = {(uint8_t)(w->expires_at >> 24),
                    (uint8_t)(w->expires_at >> 16),
                    (uint8_t)(w->expires_at >> 8), (uint8_t)w->expires_at};
    gb_db_cursor *cur;
    gb_err e = gb_db_cursor_open(r, GB_TABLE_TASKS, k, 4, NULL, 0, &cur);
    if (e)
        return e;
    gb_db_val key, val;
    uint64_t tag = gb_chain_wait_tag(w);
    while (!(e = gb_db_cursor_next(cur, &key, &val))) {
        gb_db_task t;
        if ((e = gb_db_task_decode(val.data, val.len, &t)))
            break;
        if ((t.kind == GB_TASK_WAKE_MESSAGE ||
             t.kind == GB_TASK_REMOVE_FROM_WAITLIST) &&
            gb_id_eq(t.a, program) && gb_id_eq(t.b, w->d.id) &&
            t.arg == tag) {
            *out = t.kind == GB_TASK_WAKE_MESSAGE;
            break;
        }
    }
    gb_db_cursor_close(cur);
    return e == GB_NOT_FOUND ? GB_OK : e;
}

gb_err gb_chain_waitlist_get(gb_chain *c, gb_id program, gb_id message,
                             gb_chain_wait_entry *out)
{
    memset(out, 0, sizeof *out);
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_dispatch w;
    if (!(e = gb_db_waitlist_get(r, program, message, &w))) {
        const gb_dispatch *d = &w.d;
        out->kind = (int)d->kind;
        out->id = d->id;
        out->source = d->source;
        out->destination = d->destination;
        out->value = d->value;
        out->is_reply = d->kind == GB_DISPATCH_REPLY;
        out->reply_to = d->reply_to;
        memcpy(out->reply_code, d->reply_code, 4);
        out->since = d->signal_code; /* the wait's start (chain_int.h) */
        out->expires_at = w.expires_at;
        e = wakes_at_end(r, program, &w, &out->wakes);
        out->payload_len = d->payload_len;
        out->payload = e ? NULL : malloc(d->payload_len ? d->payload_len : 1);
        if (!e && !out->payload)
            e = GB_NOMEM;
        else if (!e && d->payload_len)
            memcpy(out->payload, d->payload, d->payload_len);
    }
    gb_db_read_end(r);
    if (e)
        gb_chain_wait_entry_clear(out);
    return e;
}

void gb_chain_wait_entry_clear(gb_chain_wait_entry *w)
{
    if (!w)
        return;
    free(w->payload);
    memset(w, 0, sizeof *w);
}

uint64_t gb_chain_due(gb_chain *c)
{
    uint64_t n = gb_chain_waiting(c), k;
    gb_db_txn *r;
    if (gb_db_read_begin(c->db, &r))
        return n;
    gb_db_table ts[] = {GB_TABLE_QUEUE, GB_TABLE_STASH};
    for (int i = 0; i < 2; i++)
        if (!gb_db_count(r, ts[i], &k))
            n += k;
    /* the waits a wake-up task ends (a stale task, whose wait ended or
     * was replaced, names another tag or no entry) */
    gb_db_cursor *cur;
    if (!gb_db_cursor_open(r, GB_TABLE_TASKS, NULL, 0, NULL, 0, &cur)) {
        gb_db_val key, val;
        while (!gb_db_cursor_next(cur, &key, &val)) {
            gb_db_task t;
            gb_db_dispatch w;
            if (gb_db_task_decode(val.data, val.len, &t))
                break;
            if (t.kind == GB_TASK_WAKE_MESSAGE &&
                !gb_db_waitlist_get(r, t.a, t.b, &w) &&
                gb_chain_wait_tag(&w) == t.arg)
                n++;
        }
        gb_db_cursor_close(cur);
    }
    gb_db_read_end(r);
    return n;
}
