/*
 * The pipeline of one dispatch (pipeline.h): prepare (read the program:
 * record, code, reservations, hot pages — or find it unavailable), run
 * (the processor, reading pages through gb_page_src), finish (the
 * journal applied: chain_apply.c, or the unavailable program's reply).
 * gb_chain_execute does the three at once, for dispatches that run off
 * the scheduler (tasks, dry runs).  The scheduler (sched.c) calls these
 * for each wave; they reach the running queue only through queue.h,
 * never sched.c, so the dependency is one-way: sched -> pipeline ->
 * journal -> effects.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_apply.h"
#include "chain/effects.h"
#include "chain/gas_tree.h"
#include "chain/pipeline.h"
#include "util/mem.h"

/* ---- running a dispatch ----------------------------------------------- */

/* Page page of s's program as the transaction has it (NULL: none, or
 * the lookup failed: then s->err). */
static const uint8_t *stored_page(gb_page_src *s, uint32_t page,
                                  uint32_t *len)
{
    const uint8_t *data;
    gb_err e = gb_db_page_get(s->txn, s->pid, page, &data, len);
    if (e && e != GB_NOT_FOUND && !s->err)
        s->err = e; /* (seen by the caller after the run: no zero page
                       may stand in for one the store could not read) */
    return e ? NULL : data;
}

/* Called from the lazy-pages fault handler of the thread running the
 * dispatch: only reads the transaction (LMDB's mdb_get allocates nothing;
 * several threads may do it at once, see gb_db_share_reads), and nothing
 * writes to it while runs are under way, so the pointer stays valid. */
const uint8_t *gb_chain_page_lookup(void *user, uint32_t page, uint32_t *len)
{
    gb_page_src *s = user;
    if (s->resolved) {
        for (uint32_t k = 0; k < s->n; k++)
            if (s->page[k] == page) {
                *len = s->len[k];
                return s->data[k];
            }
        return NULL; /* (every persisted page is listed) */
    }
    const gb_ov_page *o = gb_overlay_find(s->ov, page);
    if (o) {
        *len = o->len;
        return o->data; /* NULL: written all zero */
    }
    return stored_page(s, page, len);
}

/* Whether x's destination cannot take it (Gear's unavailable-program
 * cases), and with which reply code. */
static bool unavailable(const gb_db_dispatch *x, bool found,
                        const gb_db_program *p, gb_reply_code *code)
{
    if (!found || (x->d.kind == GB_DISPATCH_INIT &&
                   !gb_id_eq(p->init_message, x->d.id)))
        *code = GB_REPLY_UNAVAILABLE_PROGRAM_NOT_CREATED;
    else if (p->status == GB_PROGRAM_TERMINATED)
        *code = GB_REPLY_UNAVAILABLE_INITIALIZATION_FAILURE;
    else if (p->status == GB_PROGRAM_EXITED)
        *code = GB_REPLY_UNAVAILABLE_PROGRAM_EXITED;
    else
        return false;
    return true;
}

/* An unavailable destination: the error reply (init and handle) or the
 * dispatch dropped (replies, signals). */
static gb_err refuse(gb_blk *b, const gb_db_dispatch *x,
                     const gb_db_program *p, gb_reply_code code)
{
    if (x->d.kind != GB_DISPATCH_INIT && x->d.kind != GB_DISPATCH_HANDLE)
        return gb_chain_drop(b, x);
    uint8_t buf[32];
    uint32_t len = 0;
    if (code == GB_REPLY_UNAVAILABLE_PROGRAM_EXITED) {
        memcpy(buf, p->inheritor.b, 32);
        len = 32;
    }
    return gb_chain_error_reply(b, x, code, buf, len);
}

/* The program's persisted pages — stored, as the overlay ov (may be NULL)
 * has them now — when it has at most GB_CHAIN_HOT_PAGES of them (true: *n
 * is all of them); none otherwise (then every page loads on first
 * touch). */
bool gb_chain_hot_pages(gb_db_txn *txn, gb_id pid, const gb_ov_prog *ov,
                        uint32_t *out, uint32_t *n)
{
    gb_db_cursor *cur;
    *n = 0;
    if (gb_db_cursor_open(txn, GB_TABLE_PAGES, pid.b, 32, NULL, 0, &cur))
        return false;
    gb_db_val key, val;
    bool all = true;
    gb_err e;
    while ((e = gb_db_cursor_next(cur, &key, &val)) == GB_OK) {
        gb_id owner;
        uint32_t page;
        if (*n == GB_CHAIN_HOT_PAGES ||
            gb_db_page_key_decode(key, &owner, &page)) {
            all = false;
            break;
        }
        const gb_ov_page *o = gb_overlay_find(ov, page);
        if (!o || o->len) /* (written all zero: not persisted any more) */
            out[(*n)++] = page;
    }
    gb_db_cursor_close(cur);
    all = all && e == GB_NOT_FOUND;
    /* the overlay's pages the table does not have yet */
    for (uint32_t i = 0; all && ov && i < ov->n; i++) {
        const gb_ov_page *o = &ov->pg[i];
        const uint8_t *data;
        uint32_t len;
        if (!o->len || gb_db_page_get(txn, pid, o->page, &data, &len) == GB_OK)
            continue; /* (listed above already, or gone) */
        if (*n == GB_CHAIN_HOT_PAGES)
            all = false;
        else
            out[(*n)++] = o->page;
    }
    if (!all)
        *n = 0;
    return all;
}

/* The program's reservations, for the view (*out malloc'ed). */
gb_err gb_chain_load_reservations(gb_db_txn *txn, gb_id pid,
                                  gb_reservation **out, uint32_t *n)
{
    uint32_t cap = 0;
    *out = NULL;
    *n = 0;
    gb_db_cursor *cur;
    gb_err e = gb_db_cursor_open(txn, GB_TABLE_RESERVATIONS, pid.b, 32, NULL,
                                 0, &cur);
    if (e)
        return e;
    gb_db_val k, v;
    while (!(e = gb_db_cursor_next(cur, &k, &v))) {
        gb_id owner, rid;
        gb_db_reservation r;
        if ((e = gb_db_key2_decode(k, &owner, &rid)) ||
            (e = gb_db_reservation_get(txn, pid, rid, &r)))
            break;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            gb_reservation *nn = gb_realloc(*out, cap * sizeof *nn);
            if (!nn) {
                e = GB_NOMEM;
                break;
            }
            *out = nn;
        }
        (*out)[(*n)++] = (gb_reservation){.id = rid, .amount = r.amount,
                                          .expires_at = r.expires_at};
    }
    gb_db_cursor_close(cur);
    return e == GB_NOT_FOUND ? GB_OK : e;
}

/* src's pages (every persisted one: hot, n of them) looked up now, those
 * from the table copied (an LMDB pointer is not promised to stay put
 * while the block's thread writes), so that the run reads nothing shared
 * (sched.c then applies journals while later runs go on). */
static gb_err resolve_pages(gb_page_src *s, const uint32_t *hot, uint32_t n)
{
    const uint8_t *from_db[GB_CHAIN_HOT_PAGES];
    size_t copy_len = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t len = 0;
        const gb_ov_page *o = gb_overlay_find(s->ov, hot[k]);
        const uint8_t *d = o ? o->data : stored_page(s, hot[k], &len);
        if (o)
            len = o->len;
        from_db[k] = o ? NULL : d;
        s->page[k] = hot[k];
        s->len[k] = d ? len : 0;
        s->data[k] = d;
        if (from_db[k])
            copy_len += len;
    }
    if (s->err)
        return s->err;
    s->copy = copy_len <= sizeof s->small ? s->small : gb_malloc(copy_len);
    if (!s->copy)
        return GB_NOMEM;
    size_t at = 0;
    for (uint32_t k = 0; k < n; k++)
        if (from_db[k]) {
            memcpy(s->copy + at, from_db[k], s->len[k]);
            s->data[k] = s->copy + at;
            at += s->len[k];
        }
    s->n = n;
    s->resolved = true;
    return GB_OK;
}

void gb_job_free(gb_job *r) { gb_job_free_for(r, NULL); }

void gb_job_free_for(gb_job *r, gb_processor *proc)
{
    if (r->ran && proc) /* (not made empty: read again only once refilled) */
        gb_journal_release_to(&r->j, proc);
    else if (r->ran)
        gb_journal_release(&r->j);
    if (r->src.copy != r->src.small)
        free(r->src.copy);
    if (r->resv)
        free(r->resv);
    if (r->alloc && r->alloc != r->alloc_small) /* (mostly none: free(NULL)
                                                  is a call, ~40 steps) */
        free(r->alloc);
    gb_chain_held_free(&r->h); /* (its payload NULL) */
    if (r->hints.sent) /* (mostly taken by the event: free(NULL) is a
                          call) */
        free(r->hints.sent);
    /* zero from the record on (the rest: gb_job's end); h is written whole
     * by whoever takes the job next (a wave's take_run, rerun) */
    _Static_assert(offsetof(gb_job, h) == 0 &&
                       offsetof(gb_job, p) >= sizeof(gb_held),
                   "the dispatch comes first");
    memset(&r->p, 0, offsetof(gb_job, j) - offsetof(gb_job, p));
    r->src.copy = NULL;
}

gb_err gb_chain_prepare(gb_blk *b, gb_job *r)
{
    const gb_db_dispatch *x = &r->h.x;
    gb_id pid = x->d.destination;
    r->runs = false;
    r->err = GB_OK;
    r->credits = b->program_credits;
    gb_prog_cache *pc = gb_chain_prog_cache(b, r->di);
    if (pc && pc->has_from && gb_id_eq(pc->from, x->d.source)) {
        r->src_di = pc->from_di; /* (a destination stays one, a program */
        r->src_prog = true;      /*  one, for the rest of the block) */
    } else {
        gb_chain_lookup(b, x->d.source, &r->src_di, &r->src_prog);
        if (pc && r->src_prog && r->src_di != GB_IDMAP_NONE) {
            pc->has_from = true;
            pc->from = x->d.source;
            pc->from_di = r->src_di;
        }
    }
    gb_err e = gb_db_program_get(b->txn, pid, &r->p);
    if (e && e != GB_NOT_FOUND)
        return e;
    if (!e && r->p.allocations) { /* a copy: the record may be rewritten */
        size_t n = (r->p.alloc_pages + 7) / 8;
        r->alloc = n <= sizeof r->alloc_small ? r->alloc_small : gb_malloc(n);
        if (!r->alloc)
            return GB_NOMEM;
        memcpy(r->alloc, r->p.allocations, n);
        r->p.allocations = r->alloc;
    }
    if (unavailable(x, e == GB_OK, &r->p, &r->refusal))
        return GB_OK;
    r->runs = true;
    if (pc && pc->code && gb_id_eq(pc->code_id, r->p.code_id)) {
        r->code = pc->code;
    } else {
        if ((e = gb_chain_code(b->c, b->txn, r->p.code_id, &r->code)))
            return e;
        if (pc) {
            pc->code = r->code;
            pc->code_id = r->p.code_id;
        }
    }
    r->bal = r->p.balance;
    /* (field by field: its 256-byte buffer needs no zeroing) */
    r->src.txn = b->txn;
    r->src.pid = pid;
    r->src.ov = gb_overlay_prog_kept(b->ov, pid, pc ? &pc->ov : NULL);
    r->src.resolved = false;
    r->src.n = 0;
    r->src.copy = NULL;
    r->src.err = GB_OK;
    /* a small program's persisted pages are loaded up front: a fault each
     * saved (bounded, so the cost never grows with memory size) */
    if (pc && pc->pages_ok) {
        r->nhot = pc->npages;
        memcpy(r->hot, pc->pages, r->nhot * sizeof *r->hot);
        r->hot_complete = true;
    } else {
        r->hot_complete =
            gb_chain_hot_pages(b->txn, pid, r->src.ov, r->hot, &r->nhot);
        if (pc && r->hot_complete) {
            pc->pages_ok = true;
            pc->npages = r->nhot;
            memcpy(pc->pages, r->hot, r->nhot * sizeof *r->hot);
        }
    }
    if (r->hot_complete && (e = resolve_pages(&r->src, r->hot, r->nhot)))
        return e;
    if (pc && pc->no_resv)
        return GB_OK;
    e = gb_chain_load_reservations(b->txn, pid, &r->resv, &r->nresv);
    if (!e && pc)
        pc->no_resv = r->nresv == 0;
    return e;
}

void gb_chain_run(gb_job *r, gb_processor *proc, const gb_block_ctx *bctx)
{
    if (!r->runs)
        return;
    gb_program_view view = {.module = r->code->module,
                            .hot_pages = r->hot,
                            .nhot = r->nhot,
                            .hot_complete = r->hot_complete,
                            .static_pages = r->p.static_pages,
                            .stack_end = r->p.stack_end,
                            .allocations = r->p.allocations,
                            .alloc_pages = r->p.alloc_pages,
                            .page = gb_chain_page_lookup,
                            .page_user = &r->src,
                            .balance = r->bal,
                            .locked = bctx->existential_deposit,
                            .value_received = (r->h.x.flags &
                                               GB_CHAIN_F_VALUE_CREDITED) != 0,
                            .reservations = r->resv,
                            .nreservations = r->nresv};
    gb_dispatch d = r->h.x.d;
    d.signal_code = d.kind == GB_DISPATCH_SIGNAL ? d.signal_code : 0;
    r->err = gb_process(proc, bctx, &view, &d, &r->j);
    r->ran = !r->err;
    if (!r->err && r->src.err) { /* a page the run read could not be */
        gb_journal_release(&r->j);
        r->ran = false;
        r->err = r->src.err;
    }
}

/* What is known of to for the journal of r: from the hints the run's
 * thread found, the dispatch's source (looked up when prepared), or the
 * program's last destination; else looked up now and remembered as that. */
static void hint_for(gb_blk *b, const gb_job *r, gb_prog_cache *pc, gb_id to,
                     uint32_t *di, bool *prog)
{
    if (*di != GB_IDMAP_NONE && *prog)
        return;
    if (gb_id_eq(to, r->h.x.d.source)) {
        *di = r->src_di;
        *prog = r->src_prog;
    } else if (pc && pc->has_last && gb_id_eq(to, pc->last_to)) {
        *di = pc->last_di;
        *prog = pc->last_prog;
    } else {
        gb_chain_lookup(b, to, di, prog);
        if (pc) {
            pc->has_last = true;
            pc->last_to = to;
            pc->last_di = *di;
            pc->last_prog = *prog;
        }
    }
}

/* Fill in the hints the run's thread could not look up (the maps change
 * while journals are applied during the runs). */
static void complete_hints(gb_blk *b, gb_job *r)
{
    gb_hints *h = &r->hints;
    if (!h->valid || !b->sched)
        return;
    gb_prog_cache *pc = gb_chain_prog_cache(b, r->di);
    const gb_journal *j = &r->j;
    for (uint32_t i = 0; i < j->nmsgs && i < GB_HINT_MSGS; i++)
        hint_for(b, r, pc, j->msgs[i].destination, &h->dest[i],
                 &h->program[i]);
    if (j->has_reply)
        hint_for(b, r, pc, j->reply.destination, &h->reply_dest,
                 &h->reply_program);
}

/* Whether run r's journal is what a run with gas limit L would give
 * (process.h, gas_needed). */
static bool journal_stands(const gb_journal *j, uint64_t L)
{
    return !j->gas_observed && L >= j->gas_needed &&
           !(j->outcome == GB_OUTCOME_FAILED && j->trap == GB_TRAP_OUT_OF_GAS);
}

/* Run r again, now, on this thread, with gas limit L (its pool changed
 * since it ran, in a way its journal depends on). */
static gb_err rerun(gb_blk *b, gb_job *r, uint64_t L)
{
    gb_held h = r->h;
    uint32_t di = r->di;
    r->h = (gb_held){0};
    gb_job_free(r);
    r->h = h;
    r->di = di;
    r->h.x.d.gas_limit = L;
    gb_err e = gb_chain_prepare(b, r);
    if (e)
        return e;
    gb_chain_run(r, b->proc ? b->proc : b->c->procs[0], &b->bctx);
    if (r->err)
        return r->err;
    return r->ran && r->j.interrupted ? GB_LIMIT : GB_OK;
}

gb_err gb_chain_finish(gb_blk *b, gb_job *r)
{
    if (r->err)
        return r->err;
    /* A gasless message ran with its pool's gas as it was when the run
     * began.  Journals of the same wave applied before this one may have
     * drawn on the pool since (or given it gas back): the message gets
     * the pool as it is now, as if the runs had come one after the other
     * — the journal stands when it does not depend on the difference,
     * else the message runs again. */
    if (r->runs &&
        (r->h.x.flags & (GB_CHAIN_F_GASLESS | GB_CHAIN_F_POOLED)) &&
        !gb_chain_gas_same(b, r->gas_t)) { /* (unwritten: the same gas) */
        uint64_t L;
        gb_err e = gb_chain_gas_limit_b(b, &r->h.x, &L);
        if (e)
            return e;
        if (L != r->h.x.d.gas_limit) {
            if (journal_stands(&r->j, L))
                r->h.x.d.gas_limit = L;
            else if ((e = rerun(b, r, L)))
                return e;
        }
    }
    if (!r->runs)
        return refuse(b, &r->h.x, &r->p, r->refusal);
    gb_chain_gas_look_first(b, r->gas_t); /* (the journal's holder) */
    /* the record now: others' journals of the same wave may have credited
     * the program (an exit naming it inheritor) since it was prepared;
     * nothing else of it changes but through its own dispatches.  No
     * program was credited since: the prepared record is the record. */
    complete_hints(b, r);
    if (b->program_credits == r->credits) /* (r->p is not read after) */
        return gb_chain_apply_journal(b, &r->h.x, &r->p, r->p.balance,
                                      r->bal, &r->j,
                                      r->hints.valid ? &r->hints : NULL,
                                      gb_chain_prog_cache(b, r->di));
    gb_db_program now;
    uint8_t *alloc;
    gb_err e = gb_chain_prog_load(b->txn, r->h.x.d.destination, &now, &alloc);
    if (e)
        return e;
    e = gb_chain_apply_journal(b, &r->h.x, &now, r->p.balance, r->bal,
                               &r->j, r->hints.valid ? &r->hints : NULL,
                               gb_chain_prog_cache(b, r->di));
    free(alloc);
    return e;
}

gb_err gb_chain_execute(gb_blk *b, const gb_held *h)
{
    gb_job r;
    memset(&r, 0, sizeof r);
    r.di = GB_IDMAP_NONE;
    gb_err e = gb_chain_held_copy(&h->x, &r.h);
    if (!e)
        e = gb_chain_gas_limit_b(b, &r.h.x, &r.h.x.d.gas_limit);
    if (!e)
        e = gb_chain_prepare(b, &r);
    if (!e) {
        gb_chain_run(&r, b->proc ? b->proc : b->c->procs[0], &b->bctx);
        e = r.ran && r.j.interrupted ? GB_LIMIT : gb_chain_finish(b, &r);
    }
    gb_job_free(&r);
    return e;
}
