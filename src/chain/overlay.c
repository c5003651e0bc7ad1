/*
 * The page overlay (overlay.h).
 */
#include "chain/overlay.h"

#include <stdlib.h>
#include <string.h>

#include "state/tables.h"
#include "util/bytes.h"
#include "util/grow.h"
#include "util/mem.h"

static const gb_id zero_id;

const gb_ov_prog *gb_overlay_prog(const gb_overlay *o, gb_id pid)
{
    return gb_overlay_prog_kept(o, pid, NULL);
}

const gb_ov_prog *gb_overlay_prog_kept(const gb_overlay *o, gb_id pid,
                                       gb_ov_kept *k)
{
    if (!o)
        return NULL;
    if (k && k->p && k->gen == o->gen)
        return k->p;
    uint32_t i = gb_idmap_get(&o->map, &pid, &zero_id);
    if (i == GB_IDMAP_NONE)
        return NULL;
    if (k)
        *k = (gb_ov_kept){o->p[i], o->gen};
    return o->p[i];
}

/* The index of page in p->pg, or where it would go (*found false). */
static uint32_t bisect(const gb_ov_prog *p, uint32_t page, bool *found)
{
    uint32_t lo = 0, hi = p->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->pg[mid].page < page)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < p->n && p->pg[lo].page == page;
    return lo;
}

const gb_ov_page *gb_overlay_find(const gb_ov_prog *p, uint32_t page)
{
    if (!p)
        return NULL;
    bool found;
    uint32_t i = bisect(p, page, &found);
    return found ? &p->pg[i] : NULL;
}

gb_err gb_overlay_put(gb_overlay *o, gb_id pid, uint32_t page, uint8_t *data,
                      uint32_t len, uint8_t **old)
{
    if (len <= GB_GEAR_PAGE_SIZE && data)
        len = (uint32_t)gb_trimmed_len(data, len);
    return gb_overlay_put_kept(o, pid, page, data, len, old, NULL);
}

gb_err gb_overlay_put_kept(gb_overlay *o, gb_id pid, uint32_t page,
                           uint8_t *data, uint32_t len, uint8_t **old,
                           gb_ov_kept *k)
{
    *old = NULL;
    if (len > GB_GEAR_PAGE_SIZE || (len && !data)) {
        free(data);
        return GB_INVAL;
    }
    /* (trimmed by the caller: the bytes were written on another core,
     * and their last line is not read here) */
    if (!len) {
        free(data);
        data = NULL;
    }
    gb_ov_prog *p = k && k->p && k->gen == o->gen ? k->p : NULL;
    if (!p) {
        uint32_t pi = gb_idmap_get(&o->map, &pid, &zero_id);
        if (pi == GB_IDMAP_NONE) {
            if (!gb_grow((void **)&o->p, &o->cap, (uint64_t)o->np + 1,
                         sizeof *o->p, 64)) {
                free(data);
                return GB_NOMEM;
            }
            gb_ov_prog *np = gb_calloc(1, sizeof *np);
            gb_err e = np ? gb_idmap_put(&o->map, &pid, &zero_id, o->np)
                          : GB_NOMEM;
            if (e) {
                free(np);
                free(data);
                return e;
            }
            np->pid = pid;
            pi = o->np++;
            o->p[pi] = np;
        }
        p = o->p[pi];
        if (k)
            *k = (gb_ov_kept){p, o->gen};
    }
    bool found;
    uint32_t i = bisect(p, page, &found);
    if (found) {
        o->bytes -= p->pg[i].len;
        *old = p->pg[i].data;
    } else {
        if (!gb_grow((void **)&p->pg, &p->cap, (uint64_t)p->n + 1,
                     sizeof *p->pg, 4)) {
            free(data);
            return GB_NOMEM;
        }
        memmove(&p->pg[i + 1], &p->pg[i], (p->n - i) * sizeof *p->pg);
        p->n++;
    }
    p->pg[i] = (gb_ov_page){.page = page, .len = len, .data = data};
    o->bytes += len;
    return GB_OK;
}

static void prog_clear(gb_overlay *o, gb_ov_prog *p)
{
    for (uint32_t i = 0; i < p->n; i++) {
        o->bytes -= p->pg[i].len;
        free(p->pg[i].data);
    }
    p->n = 0;
}

void gb_overlay_drop(gb_overlay *o, gb_id pid)
{
    uint32_t pi = o ? gb_idmap_get(&o->map, &pid, &zero_id) : GB_IDMAP_NONE;
    if (pi != GB_IDMAP_NONE)
        prog_clear(o, o->p[pi]);
}

static int cmp_prog(const void *a, const void *b)
{
    const gb_ov_prog *x = *(const gb_ov_prog *const *)a,
                     *y = *(const gb_ov_prog *const *)b;
    return memcmp(x->pid.b, y->pid.b, sizeof x->pid.b);
}

static void reset(gb_overlay *o)
{
    for (uint32_t i = 0; i < o->np; i++) {
        prog_clear(o, o->p[i]);
        free(o->p[i]->pg);
        free(o->p[i]);
    }
    free(o->p);
    gb_idmap_free(&o->map);
    *o = (gb_overlay){.gen = o->gen + 1};
}

gb_err gb_overlay_flush(gb_overlay *o, gb_db_txn *txn)
{
    gb_err e = GB_OK;
    gb_ov_prog **order = o->np ? gb_malloc(o->np * sizeof *order) : NULL;
    if (o->np && !order)
        e = GB_NOMEM;
    if (!e) {
        /* in key order: a B-tree takes sorted inserts best (and the order
         * of the map never shows) */
        for (uint32_t i = 0; i < o->np; i++)
            order[i] = o->p[i];
        if (o->np > 1)
            qsort(order, o->np, sizeof *order, cmp_prog);
        for (uint32_t i = 0; i < o->np && !e; i++) {
            const gb_ov_prog *p = order[i];
            for (uint32_t k = 0; k < p->n && !e; k++)
                e = gb_db_page_put(txn, p->pid, p->pg[k].page, p->pg[k].data,
                                   p->pg[k].len);
        }
    }
    free(order);
    reset(o);
    return e;
}

void gb_overlay_free(gb_overlay *o)
{
    if (o)
        reset(o);
}
