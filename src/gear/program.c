/*
 * A program in memory (gearbox/processor.h, the processor's public face):
 * checked code, persisted pages, allocations, balance and status, kept
 * here as the chain keeps them in its store, and one message at a time
 * delivered to it with gb_process.
 *
 * What a run's journal does to the program is what the chain's journal
 * application (src/chain/chain_apply.c) does to a program's own record
 * and pages, and nothing else: pages written (trailing zeros trimmed, an
 * all-zero page dropped), the allocation bitmap replaced, the message's
 * value credited and the value sent debited, the status moved on by an
 * init or gr_exit.  Messages, reservations, wakes and creations are only
 * reported.
 */
#include <stdlib.h>
#include <string.h>

#include "gear/code.h"
#include "gear/process.h"
#include "util/mem.h"
#include "util/u128.h"

typedef enum status { NEW, ACTIVE, INIT_FAILED, EXITED } status;

struct gb_gear_program {
    gb_gear_code *code;
    gb_id id;
    status st;
    gb_u128 balance;
    uint8_t *alloc; /* bitmap, alloc_pages bits (NULL: none allocated) */
    uint32_t alloc_pages;
    gb_page_out *pages; /* persisted pages, by page number */
    uint32_t npages, cap_pages;
};

gb_err gb_processor_new_default(gb_processor **out)
{
    return gb_processor_new(NULL, out);
}

/* The page lookup of a run (gb_program_view.page). */
static const uint8_t *lookup(void *user, uint32_t page, uint32_t *len)
{
    const gb_gear_program *p = user;
    uint32_t lo = 0, hi = p->npages;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->pages[mid].page < page)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == p->npages || p->pages[lo].page != page)
        return NULL;
    *len = p->pages[lo].len;
    return p->pages[lo].data;
}

/* Page page is now data[0, len) (taken over; len 0: all zero, dropped). */
static gb_err page_set(gb_gear_program *p, uint32_t page, uint8_t *data,
                       uint32_t len)
{
    uint32_t lo = 0, hi = p->npages;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->pages[mid].page < page)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool found = lo < p->npages && p->pages[lo].page == page;
    if (!len) {
        free(data);
        if (found) {
            free(p->pages[lo].data);
            memmove(&p->pages[lo], &p->pages[lo + 1],
                    (p->npages - lo - 1) * sizeof *p->pages);
            p->npages--;
        }
        return GB_OK;
    }
    if (found) {
        free(p->pages[lo].data);
        p->pages[lo] = (gb_page_out){.page = page, .len = len, .data = data};
        return GB_OK;
    }
    if (p->npages == p->cap_pages) {
        uint32_t cap = p->cap_pages ? p->cap_pages * 2 : 8;
        gb_page_out *n = gb_realloc(p->pages, cap * sizeof *n);
        if (!n) {
            free(data);
            return GB_NOMEM;
        }
        p->pages = n;
        p->cap_pages = cap;
    }
    memmove(&p->pages[lo + 1], &p->pages[lo],
            (p->npages - lo) * sizeof *p->pages);
    p->pages[lo] = (gb_page_out){.page = page, .len = len, .data = data};
    p->npages++;
    return GB_OK;
}

gb_err gb_gear_program_new(const uint8_t *wasm, size_t len,
                           const uint8_t *id, gb_gear_program **out,
                           char *detail, size_t detail_len)
{
    *out = NULL;
    gb_gear_program *p = gb_calloc(1, sizeof *p);
    if (!p)
        return GB_NOMEM;
    gb_err e = gb_gear_code_check(NULL, wasm, len, &p->code, detail,
                                  detail_len);
    if (e) {
        free(p);
        return e;
    }
    if (id)
        memcpy(p->id.b, id, 32);
    p->balance = gb_u128_from(GB_GEAR_EXISTENTIAL_DEPOSIT);
    /* the data segments, as a chain stores them when it creates one */
    for (uint32_t i = 0; !e && i < p->code->npages; i++) {
        const gb_gear_page *g = &p->code->pages[i];
        uint32_t n = GB_GEAR_PAGE_SIZE;
        while (n && !g->data[n - 1])
            n--;
        uint8_t *d = n ? gb_malloc(n) : NULL;
        if (n && !d) {
            e = GB_NOMEM;
            break;
        }
        if (n)
            memcpy(d, g->data, n);
        e = page_set(p, g->index, d, n);
    }
    if (e) {
        gb_gear_program_free(p);
        return e;
    }
    *out = p;
    return GB_OK;
}

void gb_gear_program_free(gb_gear_program *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->npages; i++)
        free(p->pages[i].data);
    free(p->pages);
    free(p->alloc);
    gb_gear_code_free(p->code);
    free(p);
}

const uint8_t *gb_gear_program_code_id(const gb_gear_program *p)
{
    return p->code->id;
}

gb_gear_value gb_gear_program_balance(const gb_gear_program *p)
{
    return (gb_gear_value){p->balance.lo, p->balance.hi};
}

uint32_t gb_gear_program_pages(const gb_gear_program *p)
{
    return p->npages;
}

static gb_u128 u128_of(gb_gear_value v) { return (gb_u128){v.lo, v.hi}; }
static gb_gear_value value_of(gb_u128 v) { return (gb_gear_value){v.lo, v.hi}; }

/* The value the journal sends out of the program. */
static gb_u128 value_sent(const gb_journal *j)
{
    gb_u128 sum = gb_u128_from(0);
    for (uint32_t i = 0; i < j->nmsgs; i++)
        gb_u128_add_to(&sum, j->msgs[i].value);
    for (uint32_t i = 0; i < j->ncreates; i++) {
        gb_u128_add_to(&sum, j->creates[i].init.value);
        gb_u128_add_to(&sum, gb_u128_from(GB_GEAR_EXISTENTIAL_DEPOSIT));
    }
    if (j->has_reply)
        gb_u128_add_to(&sum, j->reply.value);
    return sum;
}

/* The run's report, the buffers taken from j. */
static gb_err report(gb_journal *j, gb_gear_result *out)
{
    static const gb_gear_outcome outcome[] = {
        [GB_OUTCOME_SUCCESS] = GB_GEAR_SUCCESS,
        [GB_OUTCOME_SKIPPED] = GB_GEAR_SKIPPED,
        [GB_OUTCOME_FAILED] = GB_GEAR_FAILED,
        [GB_OUTCOME_WAIT] = GB_GEAR_WAIT,
        [GB_OUTCOME_EXIT] = GB_GEAR_EXIT,
    };
    out->outcome = outcome[j->outcome];
    out->gas_burned = j->gas_burned;
    if (j->outcome == GB_OUTCOME_FAILED)
        memcpy(out->failure, j->trap_msg, sizeof out->failure);
    out->failure[sizeof out->failure - 1] = 0;
    if (j->has_reply) {
        out->has_reply = true;
        memcpy(out->reply_code, j->reply.reply_code, 4);
        out->reply_payload = j->reply.payload;
        out->reply_len = j->reply.payload_len;
        j->reply.payload = NULL;
        out->reply_value = value_of(j->reply.value);
    }
    if (j->debug && j->debug_len) {
        out->debug = j->debug;
        j->debug = NULL;
    }
    if (j->nmsgs) {
        out->sent = gb_calloc(j->nmsgs, sizeof *out->sent);
        if (!out->sent)
            return GB_NOMEM;
        for (uint32_t i = 0; i < j->nmsgs; i++) {
            gb_out_msg *m = &j->msgs[i];
            gb_gear_sent *s = &out->sent[i];
            memcpy(s->id, m->id.b, 32);
            memcpy(s->destination, m->destination.b, 32);
            s->payload = m->payload;
            s->payload_len = m->payload_len;
            m->payload = NULL;
            s->value = value_of(m->value);
            s->has_gas_limit = m->has_gas_limit;
            s->gas_limit = m->gas_limit;
            s->delay = m->delay;
        }
        out->nsent = j->nmsgs;
    }
    return GB_OK;
}

/* What the run left applied to p (a run that did not fail). */
static gb_err keep(gb_gear_program *p, const gb_gear_msg *m, gb_journal *j)
{
    gb_err e = GB_OK;
    for (uint32_t i = 0; !e && i < j->npages; i++) {
        e = page_set(p, j->pages[i].page, j->pages[i].data, j->pages[i].len);
        j->pages[i].data = NULL;
    }
    if (!e && j->allocations) {
        free(p->alloc);
        p->alloc = j->allocations;
        p->alloc_pages = j->alloc_pages;
        j->allocations = NULL;
    }
    /* (the processor refuses a run that spends more than it has) */
    gb_u128_add_to(&p->balance, u128_of(m->value));
    p->balance = gb_u128_sub(p->balance, value_sent(j));
    if (j->outcome == GB_OUTCOME_EXIT) {
        p->st = EXITED;
        p->balance = gb_u128_from(0);
    } else if (m->kind == GB_GEAR_MSG_INIT && j->outcome != GB_OUTCOME_WAIT) {
        p->st = ACTIVE;
    }
    return e;
}

gb_err gb_gear_program_run(gb_gear_program *p, gb_processor *proc,
                           const gb_gear_msg *m, gb_gear_result *out)
{
    memset(out, 0, sizeof *out);
    if (m->kind == GB_GEAR_MSG_INIT ? p->st != NEW : p->st != ACTIVE)
        return GB_INVALID;
    if (m->payload_len > UINT32_MAX)
        return GB_INVALID;
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, m->height ? m->height : 1, m->timestamp_ms);
    memcpy(blk.random_seed, m->random_seed, 32);
    gb_program_view view = {.module = p->code->module,
                            .static_pages = p->code->static_pages,
                            .stack_end = p->code->stack_end,
                            .allocations = p->alloc,
                            .alloc_pages = p->alloc_pages,
                            .page = lookup,
                            .page_user = p,
                            .balance = p->balance,
                            .locked = blk.existential_deposit};
    gb_dispatch d = {.kind = m->kind == GB_GEAR_MSG_INIT ? GB_DISPATCH_INIT
                             : m->kind == GB_GEAR_MSG_REPLY ? GB_DISPATCH_REPLY
                                                            : GB_DISPATCH_HANDLE,
                     .destination = p->id,
                     .payload = m->payload,
                     .payload_len = (uint32_t)m->payload_len,
                     .value = u128_of(m->value),
                     .gas_limit = m->gas_limit};
    memcpy(d.id.b, m->id, 32);
    memcpy(d.source.b, m->source, 32);
    if (m->kind == GB_GEAR_MSG_REPLY) {
        memcpy(d.reply_to.b, m->reply_to, 32);
        memcpy(d.reply_code, m->reply_code, 4);
    }
    gb_journal j;
    gb_err e = gb_process(proc, &blk, &view, &d, &j);
    if (e)
        return e;
    if (j.outcome == GB_OUTCOME_FAILED) {
        if (m->kind == GB_GEAR_MSG_INIT)
            p->st = INIT_FAILED;
    } else {
        e = keep(p, m, &j);
    }
    if (!e)
        e = report(&j, out);
    gb_journal_free(&j);
    return e;
}

void gb_gear_result_free(gb_gear_result *r)
{
    free(r->reply_payload);
    free(r->debug);
    for (uint32_t i = 0; i < r->nsent; i++)
        free(r->sent[i].payload);
    free(r->sent);
    memset(r, 0, sizeof *r);
}
