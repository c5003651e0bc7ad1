/*
 * The runtime: configuration, module loading, stores and the objects that
 * live in them (functions, memories, tables, globals, instances),
 * instantiation with linking, and calls from the embedder.
 *
 * A store owns every object made in it through a list per kind; freeing
 * the store frees them all.  Linear memory is reserved up front for its
 * maximum (bounded by the configuration) with PROT_NONE and made
 * accessible as it grows, so its address never changes and the
 * interpreter can keep the base pointer in a register across calls.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "util/bytes.h"
#include "wasm/engine.h"
#include "wasm/jit.h"
#include "util/mem.h"

#define PAGE 65536u

static void set_detail(char *detail, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_detail(char *detail, size_t len, const char *fmt, ...)
{
    if (!detail || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, len, fmt, ap);
    va_end(ap);
}

void gb_wasm_config_default(gb_wasm_config *cfg)
{
    *cfg = (gb_wasm_config){
        .metering = true,
        .schedule = NULL,
        .max_module_size = 64u << 20,
        .max_functions = 1000000,
        .max_locals = 50000,
        .max_memory_pages = 65536,
        .max_table_size = 10000000,
        .max_call_depth = 20000,
        .max_stack_slots = 1u << 21,
    };
}

/* ---- modules ------------------------------------------------------------ */

/* Whether m's tables and element segments keep what instantiation made
 * them for as long as the instance lives: no code changes them (the
 * compiler's changes_tables), no table is exported (for another instance
 * or the embedder to change), and the active segments fill the module's
 * own tables from values that do not depend on imported globals. */
static bool tables_fixed(const gb_module *m)
{
    if (m->changes_tables)
        return false;
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == GB_EXTERN_TABLE)
            return false;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const gb_elem_seg *seg = &m->elems[i];
        if (seg->mode == GB_SEG_ACTIVE &&
            (seg->table < m->ntable_imports ||
             seg->offset.op == GB_OP_GLOBAL_GET))
            return false;
        for (uint32_t k = 0; k < seg->count; k++)
            if (seg->items[k].op == GB_OP_GLOBAL_GET)
                return false;
    }
    return true;
}

gb_err gb_module_load(const gb_wasm_config *cfg, const uint8_t *bytes,
                      size_t len, gb_module **out, char *detail,
                      size_t detail_len)
{
    *out = NULL;
    if (detail && detail_len)
        detail[0] = 0;
    gb_wasm_config def;
    if (!cfg) {
        gb_wasm_config_default(&def);
        cfg = &def;
    }
    if (len > cfg->max_module_size) {
        set_detail(detail, detail_len, "module is %zu bytes, the limit is %u",
                   len, cfg->max_module_size);
        return GB_LIMIT;
    }
    gb_module *m = gb_calloc(1, sizeof *m);
    if (!m)
        return GB_NOMEM;
    m->cfg = *cfg;
    atomic_init(&m->refs, 1);
    m->bytes = gb_malloc(len ? len : 1);
    if (!m->bytes) {
        free(m);
        return GB_NOMEM;
    }
    gb_copy(m->bytes, bytes, len);
    m->len = len;
    gb_err e = gb_decode(m, detail, detail_len);
    if (!e)
        e = gb_compile_module(m, detail, detail_len);
    if (!e)
        m->tables_fixed = tables_fixed(m);
    /* the compiled tier: a module it cannot compile runs interpreted */
    if (!e && cfg->tier != GB_TIER_INTERP && gb_jit_available() &&
        gb_jit_compile(m, &m->jit) != GB_OK)
        m->jit = NULL;
    if (e) {
        gb_module_free(m);
        return e;
    }
    *out = m;
    return GB_OK;
}

const gb_module *gb_module_retain(const gb_module *m)
{
    if (m) /* (the count is the one field a shared module lets change) */
        atomic_fetch_add_explicit(&((gb_module *)m)->refs, 1,
                                  memory_order_relaxed);
    return m;
}

void gb_module_free(gb_module *m)
{
    if (!m ||
        atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
        return;
    gb_jit_free(m->jit);
    if (m->code) {
        for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++)
            gb_code_free(m->code[i]);
        free(m->code);
    }
    gb_decode_free(m);
    free(m->bytes);
    free(m);
}

size_t gb_module_footprint(const gb_module *m)
{
    if (!m)
        return 0;
    size_t n = sizeof *m + m->len;
    n += (size_t)m->ntypes * (sizeof *m->types + 8);
    n += (size_t)m->nimports * sizeof *m->imports;
    n += (size_t)m->nfuncs * (sizeof *m->func_type + 1);
    n += (size_t)m->ntables * sizeof *m->tables;
    n += (size_t)m->nglobals * (sizeof *m->globals + sizeof *m->global_init);
    n += (size_t)m->nexports * sizeof *m->exports;
    n += (size_t)m->ndatas * sizeof *m->datas;
    for (uint32_t i = 0; i < m->nelems; i++)
        n += sizeof *m->elems + (size_t)m->elems[i].count *
                                    sizeof *m->elems[i].items;
    uint32_t ndef = m->nfuncs - m->nfunc_imports;
    for (uint32_t i = 0; m->funcs && i < ndef; i++)
        n += sizeof *m->funcs + m->funcs[i].nlocals;
    for (uint32_t i = 0; m->code && i < ndef; i++)
        if (m->code[i])
            n += sizeof *m->code[i] +
                 (size_t)m->code[i]->ncells * sizeof *m->code[i]->cells +
                 sizeof *m->code;
    n += gb_jit_footprint(m->jit);
    return n;
}

uint32_t gb_module_import_count(const gb_module *m) { return m->nimports; }

void gb_module_import(const gb_module *m, uint32_t i, gb_import_desc *out)
{
    const gb_import *im = &m->imports[i];
    *out = (gb_import_desc){
        .module = im->module, .module_len = im->module_len,
        .name = im->name, .name_len = im->name_len, .kind = im->kind,
        .table = im->table, .memory = im->memory, .global = im->global,
    };
    if (im->kind == GB_EXTERN_FUNC)
        out->func = m->types[im->func_type];
}

uint32_t gb_module_export_count(const gb_module *m) { return m->nexports; }

void gb_module_export(const gb_module *m, uint32_t i, gb_export_desc *out)
{
    const gb_export *ex = &m->exports[i];
    *out = (gb_export_desc){.name = ex->name, .name_len = ex->name_len,
                            .kind = ex->kind, .index = ex->index};
}

const gb_functype *gb_module_func_type(const gb_module *m, uint32_t idx)
{
    if (idx >= m->nfuncs)
        return NULL;
    return &m->types[m->func_type[idx]];
}

/* ---- stores --------------------------------------------------------------- */

gb_err gb_store_new(const gb_wasm_config *cfg, gb_store **out)
{
    *out = NULL;
    gb_store *s = gb_calloc(1, sizeof *s);
    if (!s)
        return GB_NOMEM;
    if (cfg)
        s->cfg = *cfg;
    else
        gb_wasm_config_default(&s->cfg);
    if (s->cfg.max_call_depth < 2)
        s->cfg.max_call_depth = 2;
    if (s->cfg.max_stack_slots < 16)
        s->cfg.max_stack_slots = 16;
    s->stack = gb_calloc(s->cfg.max_stack_slots, sizeof *s->stack);
    s->frames = gb_calloc(s->cfg.max_call_depth, sizeof *s->frames);
    if (!s->stack || !s->frames) {
        gb_store_free(s);
        return GB_NOMEM;
    }
    gb_store_set_gas(s, UINT64_MAX);
    *out = s;
    return GB_OK;
}

static void instance_free(gb_instance *inst)
{
    const gb_module *m = inst->mod;
    /* its arrays, globals, tables and element values are in the same
     * allocation; a table's elements are not */
    if (inst->tables)
        for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
            if (inst->tables[i])
                free(inst->tables[i]->elems);
    bool held = inst->flags & GB_INST_REUSE;
    free(inst);
    if (held)
        gb_module_free((gb_module *)m); /* the reference it held */
}

void gb_store_reset(gb_store *s)
{
    bool kept = false;
    for (gb_instance *i = s->instances, *n; i; i = n) {
        n = i->next;
        /* the first reusable one becomes the spare (in place of the
         * last): the next run is most often of the same module */
        if ((i->flags & GB_INST_REUSE) && !s->freeing && !kept) {
            if (s->spare)
                instance_free(s->spare);
            s->spare = i;
            i->next = NULL;
            kept = true;
            continue;
        }
        instance_free(i);
    }
    if (s->freeing && s->spare) {
        instance_free(s->spare);
        s->spare = NULL;
    }
    s->instances = NULL;
    gb_memory **link = &s->mems;
    for (gb_memory *m = s->mems, *n; m; m = n) {
        n = m->next;
        if (m->keep && !s->freeing) {
            *link = m;
            link = &m->next;
            continue;
        }
        if (m->data)
            munmap(m->data, m->mapped);
        free(m->dirty);
        free(m->read);
        free(m);
    }
    *link = NULL;
    for (gb_table *t = s->tables, *n; t; t = n) {
        n = t->next;
        free(t->elems);
        free(t);
    }
    s->tables = NULL;
    for (gb_global *g = s->globals, *n; g; g = n) {
        n = g->next;
        free(g);
    }
    s->globals = NULL;
}

void gb_store_free(gb_store *s)
{
    if (!s)
        return;
    s->freeing = true;
    gb_store_reset(s);
    for (gb_func *f = s->funcs, *n; f; f = n) {
        n = f->next;
        free(f);
    }
    for (uint32_t i = 0; i < s->nsigs; i++)
        free((void *)s->sigs[i].params);
    free(s->sigs);
    free(s->sig_hint);
    free(s->stack);
    free(s->frames);
    free(s);
}

/* The gas a slice holds when the embedder names none: small enough that
 * the clock is read often (a slice of the default schedule runs for well
 * under a millisecond), large enough that reading it costs nothing. */
#define DEFAULT_GAS_SLICE 1000000

/* Put all the gas in gas_left, then hold back what is beyond one slice
 * while a deadline is set. */
static void gas_split(gb_store *s)
{
    s->gas_left += s->gas_reserve;
    s->gas_reserve = 0;
    if (s->deadline_ns && s->gas_left > s->gas_slice) {
        s->gas_reserve = s->gas_left - s->gas_slice;
        s->gas_left = s->gas_slice;
    }
}

void gb_store_set_gas(gb_store *s, uint64_t limit)
{
    s->gas_limit = limit;
    s->gas_left = limit > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)limit;
    s->gas_start = s->gas_left;
    s->gas_reserve = 0;
    s->interrupted = false;
    gas_split(s);
}

void gb_store_set_deadline(gb_store *s, uint64_t deadline_ns,
                           uint64_t slice_gas)
{
    s->deadline_ns = deadline_ns;
    s->gas_slice = !slice_gas                      ? DEFAULT_GAS_SLICE
                   : slice_gas > (uint64_t)INT64_MAX ? INT64_MAX
                                                     : (int64_t)slice_gas;
    s->interrupted = false;
    gas_split(s);
}

bool gb_store_interrupted(const gb_store *s) { return s->interrupted; }

void gb_store_set_profiler(gb_store *s, gb_prof_fn fn, void *user)
{
    s->prof = fn;
    s->prof_user = fn ? user : NULL;
}

uint64_t gb_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t gb_store_refill(gb_store *s, int64_t gas, uint64_t need)
{
    /* enough in all? (gas + reserve >= need, without overflow) */
    if (s->gas_reserve <= 0 ||
        (gas < 0 && (uint64_t)-gas > (uint64_t)s->gas_reserve) ||
        (uint64_t)(gas + s->gas_reserve) < need)
        return -1;
    if (gb_monotonic_ns() >= s->deadline_ns) {
        s->interrupted = true;
        return -1;
    }
    while (gas < 0 || (uint64_t)gas < need) {
        int64_t take =
            s->gas_reserve < s->gas_slice ? s->gas_reserve : s->gas_slice;
        s->gas_reserve -= take;
        gas += take;
    }
    return gas;
}

uint64_t gb_store_gas_used(const gb_store *s)
{
    return (uint64_t)(s->gas_start - s->gas_left - s->gas_reserve);
}

uint64_t gb_store_gas_left(const gb_store *s)
{
    return s->gas_limit - gb_store_gas_used(s);
}

const char *gb_store_trap_message(const gb_store *s)
{
    return s->trap_msg;
}

gb_err gb_trapf(gb_store *s, gb_err code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->trap_msg, sizeof s->trap_msg, fmt, ap);
    va_end(ap);
    return code;
}

static bool functype_eq(const gb_functype *a, const gb_functype *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           gb_same(a->params, b->params, a->nparams) &&
           gb_same(a->results, b->results, a->nresults);
}

uint32_t gb_store_intern(gb_store *s, const gb_functype *t, gb_err *err)
{
    *err = GB_OK;
    for (uint32_t i = 0; i < s->nsigs; i++)
        if (functype_eq(&s->sigs[i], t))
            return i;
    if (s->nsigs == s->capsigs) {
        uint32_t cap = s->capsigs ? s->capsigs * 2 : 16;
        gb_functype *p = gb_realloc(s->sigs, cap * sizeof *p);
        if (!p) {
            *err = GB_NOMEM;
            return 0;
        }
        s->sigs = p;
        s->capsigs = cap;
    }
    uint8_t *types = gb_malloc(t->nparams + t->nresults + 1);
    if (!types) {
        *err = GB_NOMEM;
        return 0;
    }
    gb_copy(types, t->params, t->nparams);
    gb_copy(types + t->nparams, t->results, t->nresults);
    s->sigs[s->nsigs] = (gb_functype){.nparams = t->nparams,
                                      .nresults = t->nresults,
                                      .params = types,
                                      .results = types + t->nparams};
    return s->nsigs++;
}

/* ---- objects ---------------------------------------------------------------- */

gb_err gb_func_new_host(gb_store *s, const gb_functype *type, gb_host_fn fn,
                        void *user, gb_func **out)
{
    *out = NULL;
    gb_err e;
    uint32_t sig = gb_store_intern(s, type, &e);
    if (e)
        return e;
    gb_func *f = gb_calloc(1, sizeof *f);
    if (!f)
        return GB_NOMEM;
    f->sig = sig;
    f->own_type = s->sigs[sig]; /* owned by the store's interned table */
    f->type = &f->own_type;
    f->host = fn;
    f->user = user;
    f->next = s->funcs;
    s->funcs = f;
    *out = f;
    return GB_OK;
}

const gb_functype *gb_func_type(const gb_func *f) { return f->type; }

static uint32_t mem_max_pages(const gb_store *s, gb_limits l)
{
    uint32_t cap = s->cfg.max_memory_pages > 65536 ? 65536
                                                   : s->cfg.max_memory_pages;
    return l.has_max && l.max < cap ? l.max : cap;
}

gb_err gb_memory_new(gb_store *s, gb_limits limits, gb_memory **out)
{
    return gb_memory_new_ex(s, limits, 0, out);
}

gb_err gb_memory_resize(gb_memory *m, uint32_t pages)
{
    if (pages > m->max)
        return GB_LIMIT;
    if (pages < m->pages) {
        uint8_t *cut = m->data + (size_t)pages * PAGE;
        size_t len = (size_t)(m->pages - pages) * PAGE;
        if (madvise(cut, len, MADV_DONTNEED) || mprotect(cut, len, PROT_NONE))
            return GB_NOMEM;
    }
    if (m->rw_pages > pages)
        m->rw_pages = pages;
    /* all of [0, pages) accessible, whatever an embedder did to it (said
     * with gb_memory_forget_access); no call when it already is: a
     * protection change costs every thread of the process a TLB flush */
    if (pages > m->rw_pages) {
        if (mprotect(m->data, (size_t)pages * PAGE, PROT_READ | PROT_WRITE))
            return GB_NOMEM;
        m->rw_pages = pages;
    }
    m->pages = pages;
    m->size = (uint64_t)pages * PAGE;
    return GB_OK;
}

gb_err gb_memory_new_ex(gb_store *s, gb_limits limits, uint32_t flags,
                        gb_memory **out)
{
    *out = NULL;
    uint32_t max = mem_max_pages(s, limits);
    if (limits.min > max)
        return GB_LIMIT;
    gb_memory *m = gb_calloc(1, sizeof *m);
    if (!m)
        return GB_NOMEM;
    m->reserved = (size_t)(max ? max : 1) * PAGE;
    /* address space for the compiled tier's guard pages when its code may
     * run here; without it (ulimit -v) compiled code that relies on them
     * is not run on this memory (gb_jit_call) */
    size_t span = gb_jit_guard_span(&s->cfg);
    void *p = MAP_FAILED;
    if (!gb_fault_hit(GB_FAULT_ALLOC)) {
        m->mapped = span > m->reserved ? span : m->reserved;
        p = mmap(NULL, m->mapped, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED && m->mapped > m->reserved) {
            m->mapped = m->reserved;
            p = mmap(NULL, m->mapped, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        }
        m->guarded = m->mapped > m->reserved;
    }
    if (p == MAP_FAILED) {
        free(m);
        return GB_NOMEM;
    }
    m->data = p;
    m->dirty = gb_calloc((m->reserved >> GB_DIRTY_SHIFT) + 1, 1);
    m->read = gb_calloc((m->reserved >> GB_DIRTY_SHIFT) + 1, 1);
    if (!m->dirty || !m->read) {
        munmap(p, m->mapped);
        free(m->dirty);
        free(m->read);
        free(m);
        return GB_NOMEM;
    }
    m->max = max;
    m->has_max = limits.has_max;
    if (limits.min &&
        mprotect(m->data, (size_t)limits.min * PAGE, PROT_READ | PROT_WRITE)) {
        munmap(m->data, m->mapped);
        free(m->dirty);
        free(m->read);
        free(m);
        return GB_NOMEM;
    }
    m->pages = limits.min;
    m->rw_pages = limits.min;
    m->size = (uint64_t)limits.min * PAGE;
    m->keep = flags & GB_MEM_KEEP;
    m->next = s->mems;
    s->mems = m;
    *out = m;
    return GB_OK;
}

uint8_t *gb_memory_data(gb_memory *m) { return m->data; }
uint8_t *gb_memory_dirty(gb_memory *m) { return m->dirty; }
uint8_t *gb_memory_read_marks(gb_memory *m) { return m->read; }
void gb_memory_forget_access(gb_memory *m) { m->rw_pages = 0; }

void gb_memory_mark(gb_memory *m, uint64_t offset, uint64_t len)
{
    if (!len || offset >= m->reserved)
        return;
    uint64_t last = offset + len - 1;
    if (last >= m->reserved)
        last = m->reserved - 1;
    for (uint64_t g = offset >> GB_DIRTY_SHIFT; g <= last >> GB_DIRTY_SHIFT;
         g++)
        m->dirty[g] = 1;
}
void gb_memory_mark_read(gb_memory *m, uint64_t offset, uint64_t len)
{
    if (!len || offset >= m->reserved)
        return;
    uint64_t last = offset + len - 1;
    if (last >= m->reserved)
        last = m->reserved - 1;
    for (uint64_t g = offset >> GB_DIRTY_SHIFT; g <= last >> GB_DIRTY_SHIFT;
         g++)
        m->read[g] = 1;
}
uint64_t gb_memory_size(const gb_memory *m) { return m->size; }

gb_limits gb_memory_limits(const gb_memory *m)
{
    return (gb_limits){.min = m->pages, .max = m->max, .has_max = m->has_max};
}

gb_err gb_memory_grow_(gb_memory *m, uint32_t delta, uint32_t *out_old)
{
    *out_old = m->pages;
    if ((uint64_t)m->pages + delta > m->max)
        return GB_LIMIT;
    uint32_t to = m->pages + delta;
    if (to > m->rw_pages) {
        if (mprotect(m->data + m->size, (size_t)delta * PAGE,
                     PROT_READ | PROT_WRITE))
            return GB_NOMEM;
        if (m->rw_pages == m->pages)
            m->rw_pages = to;
    }
    m->pages += delta;
    m->size = (uint64_t)m->pages * PAGE;
    return GB_OK;
}

gb_err gb_memory_grow(gb_memory *m, uint32_t delta, uint32_t *out_old)
{
    uint32_t old;
    gb_err e = gb_memory_grow_(m, delta, &old);
    if (out_old)
        *out_old = old;
    return e;
}

/* Fill in table t (zeroed) of type; GB_LIMIT, GB_NOMEM (t->elems NULL). */
static gb_err table_init(const gb_store *s, gb_table *t, gb_tabletype type,
                         gb_val init)
{
    uint32_t cap = s->cfg.max_table_size;
    uint32_t max = type.limits.has_max && type.limits.max < cap
                       ? type.limits.max : cap;
    if (type.limits.min > max)
        return GB_LIMIT;
    t->type = type;
    t->max = max;
    t->size = type.limits.min;
    t->elems = gb_zalloc((size_t)t->size * sizeof *t->elems);
    if (!t->elems)
        return GB_NOMEM;
    for (uint32_t i = 0; i < t->size; i++)
        t->elems[i] = init;
    return GB_OK;
}

gb_err gb_table_new(gb_store *s, gb_tabletype type, gb_val init,
                    gb_table **out)
{
    *out = NULL;
    gb_table *t = gb_calloc(1, sizeof *t);
    if (!t)
        return GB_NOMEM;
    gb_err e = table_init(s, t, type, init);
    if (e) {
        free(t);
        return e;
    }
    t->next = s->tables;
    s->tables = t;
    *out = t;
    return GB_OK;
}

gb_tabletype gb_table_type(const gb_table *t)
{
    gb_tabletype ty = t->type;
    ty.limits.min = t->size;
    return ty;
}

gb_err gb_table_get(const gb_table *t, uint32_t i, gb_val *out)
{
    if (i >= t->size)
        return GB_TRAP_TABLE_OOB;
    *out = t->elems[i];
    return GB_OK;
}

gb_err gb_table_grow_(gb_table *t, uint32_t delta, gb_val init,
                      uint32_t *out_old)
{
    *out_old = t->size;
    if ((uint64_t)t->size + delta > t->max)
        return GB_LIMIT;
    if (!delta)
        return GB_OK;
    gb_val *p = gb_realloc(t->elems, ((size_t)t->size + delta) * sizeof *p);
    if (!p)
        return GB_NOMEM;
    for (uint32_t i = 0; i < delta; i++)
        p[t->size + i] = init;
    t->elems = p;
    t->size += delta;
    return GB_OK;
}

gb_err gb_global_new(gb_store *s, gb_globaltype type, gb_val init,
                     gb_global **out)
{
    gb_global *g = gb_calloc(1, sizeof *g);
    *out = NULL;
    if (!g)
        return GB_NOMEM;
    g->type = type;
    g->val = init;
    g->next = s->globals;
    s->globals = g;
    *out = g;
    return GB_OK;
}

gb_globaltype gb_global_type(const gb_global *g) { return g->type; }
gb_val gb_global_get(const gb_global *g) { return g->val; }
void gb_global_set(gb_global *g, gb_val v) { g->val = v; }

/* ---- instantiation ---------------------------------------------------------- */

static gb_val eval_const(const gb_instance *inst, const gb_constexpr *c)
{
    switch (c->op) {
    case GB_OP_GLOBAL_GET:
        return *inst->gvals[c->value];
    case GB_OP_REF_NULL:
        return 0;
    case GB_OP_REF_FUNC:
        return (gb_val)(uintptr_t)inst->funcs[c->value];
    default:
        return c->value;
    }
}

static bool limits_match(uint32_t cur, uint32_t cur_max, bool cur_has_max,
                         gb_limits want)
{
    if (cur < want.min)
        return false;
    if (want.has_max)
        return cur_has_max && cur_max <= want.max;
    return true;
}

static gb_err link_imports(gb_store *s, const gb_module *m, gb_instance *inst,
                           const gb_extern *imports, char *detail,
                           size_t detail_len)
{
    uint32_t fi = 0, ti = 0, gi = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const gb_import *im = &m->imports[i];
        const gb_extern *ex = &imports[i];
        const char *why = NULL;
        if (ex->kind != im->kind) {
            why = "incompatible import type (wrong kind)";
        } else if (im->kind == GB_EXTERN_FUNC) {
            if (!ex->u.func || ex->u.func->sig != inst->sigs[im->func_type])
                why = "incompatible import type (function signature)";
            else
                inst->funcs[fi++] = ex->u.func;
        } else if (im->kind == GB_EXTERN_TABLE) {
            gb_table *t = ex->u.table;
            if (!t || t->type.elem != im->table.elem ||
                !limits_match(t->size, t->type.limits.max,
                              t->type.limits.has_max, im->table.limits))
                why = "incompatible import type (table)";
            else
                inst->tables[ti++] = t;
        } else if (im->kind == GB_EXTERN_MEMORY) {
            gb_memory *mem = ex->u.memory;
            uint32_t declared_max = mem ? mem->max : 0;
            if (!mem || !limits_match(mem->pages, declared_max, mem->has_max,
                                      im->memory))
                why = "incompatible import type (memory)";
            else
                inst->mem = mem;
        } else {
            gb_global *g = ex->u.global;
            if (!g || g->type.type != im->global.type ||
                g->type.mut != im->global.mut)
                why = "incompatible import type (global)";
            else {
                inst->globals[gi] = g;
                inst->gvals[gi] = &g->val;
                gi++;
            }
        }
        if (why) {
            set_detail(detail, detail_len, "import %u \"%.*s\".\"%.*s\": %s", i,
                       (int)im->module_len, im->module, (int)im->name_len,
                       im->name, why);
            return GB_LINK;
        }
    }
    (void)s;
    return GB_OK;
}

gb_err gb_instantiate(gb_store *s, const gb_module *m,
                      const gb_extern *imports, uint32_t n,
                      gb_instance **out, char *detail, size_t detail_len)
{
    return gb_instantiate_ex(s, m, imports, n, 0, out, detail, detail_len);
}

/* The part of instantiation that a reused instance repeats: globals,
 * element values and active element segments (when tables: the tables
 * are fresh or reset), active data segments (when data), the start
 * function (the imports linked). */
static gb_err init_state(gb_store *s, const gb_module *m, gb_instance *inst,
                         uint32_t flags, bool tables, bool data, char *detail,
                         size_t detail_len)
{
    gb_err e;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++)
        inst->globals[i]->val =
            eval_const(inst, &m->global_init[i - m->nglobal_imports]);
    gb_val *evbuf = inst->elem_vals[0]; /* (the segments' values, in a row) */
    for (uint32_t i = 0; tables && i < m->nelems; i++) {
        const gb_elem_seg *seg = &m->elems[i];
        inst->elem_vals[i] = evbuf;
        evbuf += seg->count + 1;
        for (uint32_t k = 0; k < seg->count; k++)
            inst->elem_vals[i][k] = eval_const(inst, &seg->items[k]);
        inst->elem_len[i] = seg->mode == GB_SEG_PASSIVE ? seg->count : 0;
    }
    for (uint32_t i = 0; tables && i < m->nelems; i++) {
        const gb_elem_seg *seg = &m->elems[i];
        if (seg->mode != GB_SEG_ACTIVE)
            continue;
        gb_table *t = inst->tables[seg->table];
        uint64_t off = (uint32_t)eval_const(inst, &seg->offset);
        if (off + seg->count > t->size) {
            set_detail(detail, detail_len,
                       "element segment %u does not fit its table", i);
            return gb_trapf(s, GB_TRAP_TABLE_OOB,
                            "out of bounds table access: element segment %u", i);
        }
        gb_copy(t->elems + off, inst->elem_vals[i], seg->count * sizeof(gb_val));
    }
    for (uint32_t i = 0; data && i < m->ndatas; i++) {
        const gb_data_seg *seg = &m->datas[i];
        if (seg->mode != GB_SEG_ACTIVE)
            continue;
        if (flags & GB_INST_NO_DATA) {
            inst->data_dropped[i] = 1;
            continue;
        }
        uint64_t off = (uint32_t)eval_const(inst, &seg->offset);
        if (off + seg->len > inst->mem->size) {
            set_detail(detail, detail_len,
                       "data segment %u does not fit memory", i);
            return gb_trapf(s, GB_TRAP_MEM_OOB,
                            "out of bounds memory access: data segment %u", i);
        }
        if (seg->len)
            memcpy(inst->mem->data + off, seg->bytes, seg->len);
        inst->data_dropped[i] = 1;
    }
    if (m->has_start) {
        e = gb_func_call(s, inst->funcs[m->start], NULL, NULL);
        if (e) {
            set_detail(detail, detail_len, "start function trapped: %s",
                       s->trap_msg);
            return e;
        }
    }
    return GB_OK;
}

/* Whether imports are what inst was linked to. */
static bool same_imports(const gb_instance *inst, const gb_extern *imports)
{
    const gb_module *m = inst->mod;
    uint32_t fi = 0, ti = 0, gi = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const gb_extern *ex = &imports[i];
        if (ex->kind != m->imports[i].kind)
            return false;
        bool same = ex->kind == GB_EXTERN_FUNC    ? ex->u.func == inst->funcs[fi++]
                    : ex->kind == GB_EXTERN_TABLE ? ex->u.table == inst->tables[ti++]
                    : ex->kind == GB_EXTERN_MEMORY ? ex->u.memory == inst->mem
                                                  : ex->u.global == inst->globals[gi++];
        if (!same)
            return false;
    }
    return true;
}

/* An instance made again from a reusable one (same module, same
 * imports): its tables back to their initial size and null and its
 * element segments undropped, unless nothing can have changed them
 * (tables_fixed); its data segments undropped, unless they were all
 * left dropped and no code drops one (data.drop); then init_state. */
static gb_err reinstantiate(gb_store *s, gb_instance *inst, uint32_t flags,
                            char *detail, size_t detail_len)
{
    const gb_module *m = inst->mod;
    bool tables = !m->tables_fixed,
         data = m->drops_data || !(flags & GB_INST_NO_DATA);
    for (uint32_t i = m->ntable_imports; tables && i < m->ntables; i++) {
        gb_table *t = inst->tables[i];
        uint32_t min = m->tables[i].limits.min;
        if (t->size != min) { /* (grown by the last run) */
            gb_val *p = gb_realloc(t->elems, (size_t)(min ? min : 1) *
                                                 sizeof *p);
            if (!p)
                return GB_NOMEM;
            t->elems = p;
            t->size = min;
        }
        memset(t->elems, 0, (size_t)min * sizeof *t->elems);
    }
    if (data)
        memset(inst->data_dropped, 0, m->ndatas);
    return init_state(s, m, inst, flags, tables, data, detail, detail_len);
}

gb_err gb_instantiate_ex(gb_store *s, const gb_module *m,
                         const gb_extern *imports, uint32_t n, uint32_t flags,
                         gb_instance **out, char *detail, size_t detail_len)
{
    *out = NULL;
    if (detail && detail_len)
        detail[0] = 0;
    s->trap_msg[0] = 0;
    if (n != m->nimports) {
        set_detail(detail, detail_len, "module has %u imports, %u given",
                   m->nimports, n);
        return GB_LINK;
    }
    if (m->nmems > m->nmem_imports)
        flags &= ~(uint32_t)GB_INST_REUSE; /* (its memory is the store's) */
    bool vouched = flags & GB_INST_SAME_IMPORTS;
    flags &= ~(uint32_t)GB_INST_SAME_IMPORTS; /* (not the instance's) */
    gb_instance *spare = s->spare;
    if ((flags & GB_INST_REUSE) && spare && spare->mod == m &&
        spare->flags == flags && (vouched || same_imports(spare, imports))) {
        /* (spare->mod is m itself: the reference it holds keeps the
         * module's address from being reused by another) */
        s->spare = NULL;
        spare->next = s->instances;
        s->instances = spare;
        gb_err e = reinstantiate(s, spare, flags, detail, detail_len);
        if (e)
            return e;
        *out = spare;
        return GB_OK;
    }
    /* the instance and its arrays in one allocation (one per run of a
     * Gear program: allocation counts) */
    uint32_t ndefs = m->nfuncs - m->nfunc_imports;
    size_t at = 0, o_inst, o_funcs, o_tables, o_globals, o_gvals, o_sigs, o_evals,
           o_elen, o_defs, o_dropped, o_gdefs, o_tdefs, o_evbuf;
    uint64_t nevals = 0;
    for (uint32_t i = 0; i < m->nelems; i++)
        nevals += (uint64_t)m->elems[i].count + 1;
#define GB_SLICE_(off, count, type)                                      \
    (at = (at + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1), \
     (off) = at, at += ((size_t)(count) + 1) * sizeof(type))
    GB_SLICE_(o_inst, 0, gb_instance); /* the instance itself, at 0 */
    (void)o_inst;
    GB_SLICE_(o_funcs, m->nfuncs, gb_func *);
    GB_SLICE_(o_tables, m->ntables, gb_table *);
    GB_SLICE_(o_globals, m->nglobals, gb_global *);
    GB_SLICE_(o_gvals, m->nglobals, gb_val *);
    GB_SLICE_(o_sigs, m->ntypes, uint32_t);
    GB_SLICE_(o_evals, m->nelems, gb_val *);
    GB_SLICE_(o_elen, m->nelems, uint32_t);
    GB_SLICE_(o_defs, ndefs, gb_func);
    GB_SLICE_(o_dropped, m->ndatas, uint8_t);
    GB_SLICE_(o_gdefs, m->nglobals - m->nglobal_imports, gb_global);
    GB_SLICE_(o_tdefs, m->ntables - m->ntable_imports, gb_table);
    GB_SLICE_(o_evbuf, nevals, gb_val);
#undef GB_SLICE_
    char *block = gb_zalloc(at);
    if (!block)
        return GB_NOMEM;
    gb_instance *inst = (gb_instance *)block;
    inst->mod = m;
    inst->flags = flags & ~(uint32_t)GB_INST_REUSE; /* (reusable once made) */
    inst->store = s;
    inst->next = s->instances;
    s->instances = inst; /* owned by the store from here on */
    inst->gs = m->cfg.metering
                   ? (m->cfg.schedule ? m->cfg.schedule : gb_gas_schedule_default())
                   : NULL;
    inst->funcs = (gb_func **)(block + o_funcs);
    inst->tables = (gb_table **)(block + o_tables);
    inst->globals = (gb_global **)(block + o_globals);
    inst->gvals = (gb_val **)(block + o_gvals);
    inst->sigs = (uint32_t *)(block + o_sigs);
    inst->elem_vals = (gb_val **)(block + o_evals);
    inst->elem_len = (uint32_t *)(block + o_elen);
    inst->data_dropped = (uint8_t *)(block + o_dropped);
    gb_func *defs = (gb_func *)(block + o_defs);
    for (uint32_t i = 0; i < ndefs; i++)
        inst->funcs[m->nfunc_imports + i] = &defs[i];

    gb_err e;
    if (m->ntypes > s->cap_hint) {
        uint32_t *h = gb_realloc(s->sig_hint, m->ntypes * sizeof *h);
        if (!h)
            return GB_NOMEM;
        for (uint32_t i = s->cap_hint; i < m->ntypes; i++)
            h[i] = UINT32_MAX;
        s->sig_hint = h;
        s->cap_hint = m->ntypes;
    }
    for (uint32_t i = 0; i < m->ntypes; i++) {
        uint32_t h = s->sig_hint[i];
        if (h < s->nsigs && functype_eq(&s->sigs[h], &m->types[i])) {
            inst->sigs[i] = h; /* (a store runs one code again and again) */
            continue;
        }
        inst->sigs[i] = gb_store_intern(s, &m->types[i], &e);
        if (e)
            return e;
        s->sig_hint[i] = inst->sigs[i];
    }
    e = link_imports(s, m, inst, imports, detail, detail_len);
    if (e)
        return e;
    for (uint32_t i = 0; i < ndefs; i++) {
        uint32_t ti = m->funcs[i].type;
        defs[i] = (gb_func){.type = &m->types[ti], .sig = inst->sigs[ti],
                            .inst = inst, .code = m->code[i]};
    }
    gb_table *tdefs = (gb_table *)(block + o_tdefs);
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        /* in the instance's allocation, not on the store's list: freed
         * with the instance (its elements: instance_free) */
        inst->tables[i] = &tdefs[i - m->ntable_imports];
        e = table_init(s, inst->tables[i], m->tables[i], 0);
        if (e) {
            set_detail(detail, detail_len, "table %u: size %u is over the limit",
                       i, m->tables[i].limits.min);
            return e;
        }
    }
    if (m->nmems > m->nmem_imports) {
        e = gb_memory_new(s, m->mems[0], &inst->mem);
        if (e) {
            set_detail(detail, detail_len, "memory of %u pages is over the limit",
                       m->mems[0].min);
            return e;
        }
    }
    gb_global *gdefs = (gb_global *)(block + o_gdefs);
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        /* (in the instance's allocation too) */
        gb_global *g = &gdefs[i - m->nglobal_imports];
        *g = (gb_global){.type = m->globals[i]};
        inst->globals[i] = g;
        inst->gvals[i] = &g->val;
    }
    if (m->nelems)
        inst->elem_vals[0] = (gb_val *)(block + o_evbuf);
    e = init_state(s, m, inst, flags, true, true, detail, detail_len);
    if (e)
        return e;
    if (flags & GB_INST_REUSE) { /* complete: it may be the next spare */
        gb_module_retain(m);
        inst->flags = flags;
    }
    *out = inst;
    return GB_OK;
}

/* The object inst exports as ex. */
static void export_of(const gb_instance *inst, const gb_export *ex,
                      gb_extern *out)
{
    out->kind = ex->kind;
    switch (ex->kind) {
    case GB_EXTERN_FUNC:
        out->u.func = inst->funcs[ex->index];
        break;
    case GB_EXTERN_TABLE:
        out->u.table = inst->tables[ex->index];
        break;
    case GB_EXTERN_MEMORY:
        out->u.memory = inst->mem;
        break;
    case GB_EXTERN_GLOBAL:
        out->u.global = inst->globals[ex->index];
        break;
    }
}

gb_err gb_instance_export(const gb_instance *inst, const char *name,
                          size_t len, gb_extern *out)
{
    const gb_module *m = inst->mod;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const gb_export *ex = &m->exports[i];
        if (ex->name_len != len || memcmp(ex->name, name, len))
            continue;
        export_of(inst, ex, out);
        return GB_OK;
    }
    return GB_NOT_FOUND;
}

gb_err gb_instance_export_at(const gb_instance *inst, uint32_t i,
                             gb_extern *out)
{
    if (i >= inst->mod->nexports)
        return GB_NOT_FOUND;
    export_of(inst, &inst->mod->exports[i], out);
    return GB_OK;
}

const gb_module *gb_instance_module(const gb_instance *inst)
{
    return inst->mod;
}

gb_memory *gb_instance_memory(const gb_instance *inst) { return inst->mem; }

/* ---- calls -------------------------------------------------------------- */

static gb_val mask(uint8_t t, gb_val v)
{
    return t == GB_I32 || t == GB_F32 ? (uint32_t)v : v;
}

gb_err gb_func_call(gb_store *s, gb_func *f, const gb_val *args,
                    gb_val *results)
{
    if (s->running)
        return gb_trapf(s, GB_INVAL, "gb_func_call is not reentrant");
    const gb_functype *ft = f->type;
    uint32_t cells = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
    if (cells > s->cfg.max_stack_slots)
        return gb_trapf(s, GB_TRAP_STACK_EXHAUSTED, "call stack exhausted");
    s->trap_msg[0] = 0;
    for (uint32_t i = 0; i < ft->nparams; i++)
        s->stack[i] = mask(ft->params[i], args[i]);
    gb_err e;
    s->running = true;
    if (f->host) {
        gb_host_ctx ctx = {.store = s, .inst = NULL};
        if (s->prof)
            gb_prof_emit(s, NULL, GB_PROF_HOST_CALL, UINT32_MAX, s->gas_left,
                         s->stack, GB_OK);
        e = f->host(&ctx, f->user, s->stack, s->stack);
        if (s->prof)
            gb_prof_emit(s, NULL, GB_PROF_HOST_RETURN, UINT32_MAX,
                         s->gas_left, s->stack, e);
    } else if (f->inst->mod->jit && !s->prof &&
               s->cfg.tier != GB_TIER_INTERP) {
        e = gb_jit_call(s, f);
    } else {
        e = gb_interp_call(s, f);
    }
    s->running = false;
    if (e) {
        if (!s->trap_msg[0])
            snprintf(s->trap_msg, sizeof s->trap_msg, "%s", gb_err_str(e));
        return e;
    }
    for (uint32_t i = 0; i < ft->nresults; i++)
        results[i] = mask(ft->results[i], s->stack[i]);
    return GB_OK;
}

/* ---- host context ------------------------------------------------------- */

gb_memory *gb_host_memory(gb_host_ctx *ctx)
{
    return ctx->inst ? ctx->inst->mem : NULL;
}

gb_instance *gb_host_instance(gb_host_ctx *ctx) { return ctx->inst; }
gb_store *gb_host_store(gb_host_ctx *ctx) { return ctx->store; }

gb_err gb_host_charge(gb_host_ctx *ctx, uint64_t gas)
{
    gb_store *s = ctx->store;
    if ((uint64_t)s->gas_left < gas && s->gas_reserve > 0) {
        /* a deadline holds gas back: take what this charge needs (a host
         * call's work is bounded, no clock read here) */
        uint64_t want = gas - (uint64_t)s->gas_left;
        int64_t take = want < (uint64_t)s->gas_reserve ? (int64_t)want
                                                       : s->gas_reserve;
        s->gas_reserve -= take;
        s->gas_left += take;
    }
    if ((uint64_t)s->gas_left < gas) {
        s->gas_left = 0;
        s->gas_reserve = 0;
        return gb_trapf(s, GB_TRAP_OUT_OF_GAS, "out of gas in host function");
    }
    s->gas_left -= (int64_t)gas;
    return GB_OK;
}

void gb_host_refund(gb_host_ctx *ctx, uint64_t gas)
{
    gb_store *s = ctx->store;
    uint64_t room = (uint64_t)(s->gas_start - s->gas_left - s->gas_reserve);
    s->gas_left += (int64_t)(gas < room ? gas : room);
}

gb_err gb_host_trap(gb_host_ctx *ctx, gb_err code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->store->trap_msg, sizeof ctx->store->trap_msg, fmt, ap);
    va_end(ap);
    return code;
}
