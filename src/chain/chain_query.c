/*
 * The chain's read-only queries (chain.h, "queries"): pending and
 * waiting counts, height, balances, the state root, the audit of the
 * totals, a user's mailbox, a program's and a code's records; and the
 * looks at stored state that the node's Vara face serves as Substrate
 * storage (chain.h, "storage reads"): a code's original bytes
 * (GearProgram.OriginalCodeStorage), a program's stored memory pages
 * (GearProgram.MemoryPages) and one waitlist entry (GearMessenger.Waitlist).
 * Each call reads the last committed block in a read snapshot of its own
 * (the counts: under the chain's mutex).
 */
#include <stdlib.h>
#include <string.h>

#include "chain/chain_apply.h"
#include "chain/chain_tx.h"
#include "chain/holds.h"
#include "util/mem.h"

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

/* ---- queries ---------------------------------------------------------------- */

/* The number of pending transactions not yet in a block under way. */
static uint64_t waiting(gb_chain *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t n = c->npending - c->ntaken;
    pthread_mutex_unlock(&c->mu);
    return n;
}

uint64_t gb_chain_waiting(gb_chain *c) { return waiting(c); }

uint64_t gb_chain_pending(gb_chain *c)
{
    gb_db_txn *r;
    uint64_t n = waiting(c), k;
    if (gb_db_read_begin(c->db, &r))
        return n;
    gb_db_table ts[] = {GB_TABLE_QUEUE, GB_TABLE_WAITLIST, GB_TABLE_STASH};
    for (int i = 0; i < 3; i++)
        if (!gb_db_count(r, ts[i], &k))
            n += k;
    gb_db_read_end(r);
    return n;
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

uint32_t gb_chain_height(gb_chain *c) { return c->height; }

gb_err gb_chain_set_nice(gb_chain *c, int nice)
{
    gb_err e = gb_pool_nice_self(nice);
    return e ? e : gb_pool_set_nice(c->pool, nice);
}

gb_err gb_chain_balance_get(gb_chain *c, gb_id id, gb_u128 *out)
{
    *out = gb_u128_from(0);
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_program p;
    gb_db_account a;
    if (!(e = gb_db_program_get(r, id, &p)))
        *out = p.balance;
    else if (e == GB_NOT_FOUND && !(e = gb_db_account_get(r, id, &a)))
        *out = a.balance;
    gb_db_read_end(r);
    return e == GB_NOT_FOUND ? GB_OK : e;
}

gb_u128 gb_chain_balance(gb_chain *c, gb_id id)
{
    gb_u128 v;
    return gb_chain_balance_get(c, id, &v) ? gb_u128_from(0) : v;
}

gb_err gb_chain_state_root(gb_chain *c, uint8_t out[32])
{
    gb_db_txn *r;
    memset(out, 0, 32);
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    e = gb_db_state_root(r, out);
    gb_db_read_end(r);
    return e;
}

static gb_err sum_dispatches(gb_db_txn *r, gb_db_table t, gb_chain_totals *o)
{
    gb_db_cursor *cur;
    gb_err e = gb_db_cursor_open(r, t, NULL, 0, NULL, 0, &cur);
    if (e)
        return e;
    gb_db_val k, v;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_db_dispatch x;
        if ((e = gb_db_dispatch_decode(v.data, v.len, &x)))
            break;
        if (!(x.flags & GB_CHAIN_F_VALUE_CREDITED) &&
            !gb_u128_add_to(&o->held_value, x.d.value)) {
            e = GB_OVERFLOW;
            break;
        }
        uint64_t lock = t == GB_TABLE_WAITLIST ? gb_chain_wait_lock(&x) : 0;
        if (!gb_u128_add_to(&o->held_gas, gb_chain_gas_value(x.d.gas_limit)) ||
            !gb_u128_add_to(&o->held_gas, gb_chain_gas_value(lock)) ||
            !gb_u128_add_to(&o->held_gas, gb_chain_gas_value(x.reply_deposit)) ||
            !gb_u128_add_to(&o->held_gas,
                            gb_chain_gas_value(x.d.ctx.system_reservation))) {
            e = GB_OVERFLOW;
            break;
        }
    }
    gb_db_cursor_close(cur);
    return e == GB_NOT_FOUND ? GB_OK : e;
}

gb_err gb_chain_audit(gb_chain *c, gb_chain_totals *o)
{
    memset(o, 0, sizeof *o);
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_val v;
    if (!gb_db_meta_get(r, "issuance", &v) && v.len == 16)
        o->issuance = gb_u128_from_le(v.data);
    if (!gb_db_meta_get(r, "burned", &v) && v.len == 16)
        o->burned = gb_u128_from_le(v.data);
    if (!gb_db_meta_get(r, "fees", &v) && v.len == 16)
        o->fees = gb_u128_from_le(v.data);
    gb_db_cursor *cur;
    gb_db_val k;
    if ((e = gb_db_cursor_open(r, GB_TABLE_ACCOUNTS, NULL, 0, NULL, 0, &cur)))
        goto out;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id id;
        gb_db_account a;
        memcpy(id.b, k.data, 32);
        if ((e = gb_db_account_get(r, id, &a)))
            break;
        if (!gb_u128_add_to(&o->accounts, a.balance)) {
            e = GB_OVERFLOW;
            break;
        }
    }
    gb_db_cursor_close(cur);
    if (e != GB_NOT_FOUND)
        goto out;
    if ((e = gb_db_cursor_open(r, GB_TABLE_PROGRAMS, NULL, 0, NULL, 0, &cur)))
        goto out;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id id;
        gb_db_program p;
        memcpy(id.b, k.data, 32);
        if ((e = gb_db_program_get(r, id, &p)))
            break;
        if (!gb_u128_add_to(&o->programs, p.balance)) {
            e = GB_OVERFLOW;
            break;
        }
    }
    gb_db_cursor_close(cur);
    if (e != GB_NOT_FOUND)
        goto out;
    e = GB_OK;
    gb_db_table ts[] = {GB_TABLE_QUEUE, GB_TABLE_WAITLIST, GB_TABLE_MAILBOX,
                        GB_TABLE_STASH};
    for (int i = 0; !e && i < 4; i++)
        e = sum_dispatches(r, ts[i], o);
    if (e)
        goto out;
    /* the gas tree's nodes (chain/gas_tree.c) */
    if ((e = gb_db_cursor_open(r, GB_TABLE_GAS, NULL, 0, NULL, 0, &cur)))
        goto out;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id nid;
        gb_db_gas_node gn;
        if (k.len != 32) {
            e = GB_MALFORMED;
            break;
        }
        memcpy(nid.b, k.data, 32);
        if ((e = gb_db_gas_node_get(r, nid, &gn)))
            break;
        if (!gb_u128_add_to(&o->held_gas, gb_chain_gas_value(gn.value))) {
            e = GB_OVERFLOW;
            break;
        }
    }
    gb_db_cursor_close(cur);
    if (e != GB_NOT_FOUND)
        goto out;
    e = GB_OK;
    if ((e = gb_db_cursor_open(r, GB_TABLE_RESERVATIONS, NULL, 0, NULL, 0,
                               &cur)))
        goto out;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id pid, rid;
        gb_db_reservation rv;
        if ((e = gb_db_key2_decode(k, &pid, &rid)) ||
            (e = gb_db_reservation_get(r, pid, rid, &rv)))
            break;
        gb_u128 g = gb_chain_gas_value(rv.amount + gb_chain_rsv_lock(&rv));
        if (!gb_u128_add_to(&o->reserved_gas, g) ||
            !gb_u128_add_to(&o->held_gas, g)) {
            e = GB_OVERFLOW;
            break;
        }
    }
    gb_db_cursor_close(cur);
    if (e == GB_NOT_FOUND)
        e = GB_OK;
out:
    gb_db_read_end(r);
    return e;
}

bool gb_chain_totals_conserved(const gb_chain_totals *t, gb_u128 *out_sum)
{
    gb_u128 sum = t->accounts;
    bool ok = gb_u128_add_to(&sum, t->programs) &&
              gb_u128_add_to(&sum, t->held_value) &&
              gb_u128_add_to(&sum, t->held_gas) &&
              gb_u128_add_to(&sum, t->burned) &&
              gb_u128_add_to(&sum, t->fees);
    if (out_sum)
        *out_sum = ok ? sum : (gb_u128){UINT64_MAX, UINT64_MAX};
    return ok && gb_u128_cmp(sum, t->issuance) == 0;
}

/* ---- more queries ------------------------------------------------------- */

void gb_chain_mail_free(gb_chain_mail *m, uint32_t n)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < n; i++)
        free(m[i].payload);
    free(m);
}

gb_err gb_chain_mailbox(gb_chain *c, gb_id user, gb_chain_mail **out,
                        uint32_t *n)
{
    *out = NULL;
    *n = 0;
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_cursor *cur;
    if ((e = gb_db_cursor_open(r, GB_TABLE_MAILBOX, user.b, 32, NULL, 0,
                               &cur))) {
        gb_db_read_end(r);
        return e;
    }
    gb_chain_mail *v = NULL;
    uint32_t k = 0, cap = 0;
    gb_db_val key, val;
    while (!(e = gb_db_cursor_next(cur, &key, &val))) {
        gb_id owner, mid;
        gb_db_dispatch x;
        if ((e = gb_db_key2_decode(key, &owner, &mid)) ||
            (e = gb_db_dispatch_decode(val.data, val.len, &x)))
            break;
        if (k == cap) {
            cap = cap ? cap * 2 : 8;
            gb_chain_mail *nv = gb_realloc(v, cap * sizeof *nv);
            if (!nv) {
                e = GB_NOMEM;
                break;
            }
            v = nv;
        }
        gb_chain_mail m = {.id = mid, .source = x.d.source,
                           .payload_len = x.d.payload_len,
                           .value = x.d.value, .expires_at = x.expires_at,
                           .start = x.d.signal_code, .gas = x.d.gas_limit,
                           .is_reply = x.d.kind == GB_DISPATCH_REPLY,
                           .reply_to = x.d.reply_to};
        memcpy(m.reply_code, x.d.reply_code, 4);
        if (!(m.payload = gb_chain_dup_bytes(x.d.payload, x.d.payload_len))) {
            e = GB_NOMEM;
            break;
        }
        v[k++] = m;
    }
    gb_db_cursor_close(cur);
    gb_db_read_end(r);
    if (e != GB_NOT_FOUND) {
        gb_chain_mail_free(v, k);
        return e;
    }
    if (!k) {
        free(v);
        v = NULL;
    }
    *out = v;
    *n = k;
    return GB_OK;
}

void gb_chain_prog_info_from(const gb_db_program *p, gb_chain_prog_info *out)
{
    uint32_t alloc = 0; /* allocated pages beyond the static ones */
    for (uint32_t pg = 0; p->allocations && pg < p->alloc_pages; pg++)
        if (pg >= p->static_pages &&
            (p->allocations[pg / 8] & (1u << (pg % 8))))
            alloc++;
    *out = (gb_chain_prog_info){.status = (uint32_t)p->status,
                                .code_id = p->code_id,
                                .init_message = p->init_message,
                                .inheritor = p->inheritor,
                                .balance = p->balance,
                                .static_pages = p->static_pages,
                                .allocated_pages = alloc,
                                .created_at = p->created_at};
}

gb_err gb_chain_program_info(gb_chain *c, gb_id id,
                             gb_chain_prog_info *out)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_program p;
    if (!(e = gb_db_program_get(r, id, &p))) {
        gb_chain_prog_info_from(&p, out);
        gb_db_cursor *cur;
        if (!(e = gb_db_cursor_open(r, GB_TABLE_PAGES, id.b, 32, NULL, 0,
                                    &cur))) {
            gb_db_val k, v;
            while (!(e = gb_db_cursor_next(cur, &k, &v))) {
                out->stored_pages++;
                out->stored_bytes += v.len;
            }
            gb_db_cursor_close(cur);
            if (e == GB_NOT_FOUND)
                e = GB_OK;
        }
    }
    gb_db_read_end(r);
    return e;
}

gb_err gb_chain_code_lookup(gb_chain *c, gb_id code_id, bool *out)
{
    *out = false;
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_val v;
    e = gb_db_code_get(r, code_id, &v);
    gb_db_read_end(r);
    *out = e == GB_OK;
    return e == GB_NOT_FOUND ? GB_OK : e;
}

gb_err gb_chain_code_info_get(gb_chain *c, gb_id code_id,
                              gb_chain_code_info *out)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_code_meta m;
    e = gb_db_code_meta_get(r, code_id, &m);
    gb_db_read_end(r);
    if (e)
        return e;
    *out = (gb_chain_code_info){.code_len = m.code_len,
                                .static_pages = m.static_pages,
                                .has_stack_end = m.has_stack_end,
                                .stack_end = m.stack_end,
                                .entries = m.entries};
    return GB_OK;
}

bool gb_chain_code_exists(gb_chain *c, gb_id code_id)
{
    bool yes;
    return !gb_chain_code_lookup(c, code_id, &yes) && yes;
}
