/*
 * Differential runs of one module under both tiers (the interpreter and
 * the compiled tier, src/wasm/jit.h), shared by tests/wasm/test_jit_diff.c
 * and fuzz/fuzz_jit.c.
 *
 * jd_run_ex loads the module with the given tier, makes every import to
 * measure (host functions returning zeros, fresh memories, tables and
 * globals, as fuzz/fuzz_module.c does), instantiates it under a gas limit
 * and calls every exported function with zero arguments under the same
 * limit.  It records what an embedder can see: the load and instantiation
 * errors, each call's error, trap message, gas left and results, and a
 * hash of the memory's bytes, size and write and read marks, and of the
 * globals.  jd_compare says where two records differ.
 *
 * jd_diff runs a module three ways — interpreted, compiled with its
 * memory bounds left to guard pages, compiled with every access checked
 * by instruction (gb_wasm_config.jit_explicit_bounds) — and compares.
 * Memories are bounded by JD_PAGES pages, or by the largest size
 * (65,536 pages, 4 GiB) with jd_diff_pages.
 *
 * A memory of more than JD_HASH_ALL bytes (only jd_diff_pages allows one)
 * is hashed in part: its first and last 64 KiB and every granule with a
 * write mark (a store elsewhere that marks nothing shows as marks that
 * differ between the tiers, or not at all when neither marks it), its
 * marks by their nonzero words.
 *
 * Only the public API, plus module.h to tell whether the compiled tier
 * took the module (m->jit) and engine.h whether its memory has guard
 * pages.
 */
#ifndef GB_TESTS_WASM_JIT_DIFF_H
#define GB_TESTS_WASM_JIT_DIFF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gearbox/wasm.h"
#include "wasm/engine.h"
#include "wasm/module.h"

enum { JD_MAX_CALLS = 64, JD_MAX_RESULTS = 8 };

/* a memory's bound, in pages, unless jd_diff_pages says otherwise */
enum { JD_PAGES = 256 };

/* the largest memory hashed byte by byte */
#define JD_HASH_ALL ((uint64_t)64 << 20)

typedef struct jd_call {
    gb_err err;
    uint64_t gas_left;
    gb_val results[JD_MAX_RESULTS];
    char msg[128];
} jd_call;

/* How jd_run_ex runs a module: interpreted; compiled (its bounds left to
 * guard pages where the address space can be reserved); compiled with
 * explicit bounds checks.  (The first two are gb_wasm_tier's values, so
 * GB_TIER_INTERP and GB_TIER_COMPILED may be passed as well.) */
enum { JD_INTERP = GB_TIER_INTERP, JD_COMPILED = GB_TIER_COMPILED,
       JD_EXPLICIT = 3 };

typedef struct jd_record {
    gb_err load_err, inst_err;
    bool compiled; /* the compiled tier took the module */
    bool has_mem;  /* the instance has a memory */
    bool guarded;  /* and it has guard pages */
    uint64_t inst_gas_left;
    uint32_t ncalls;
    jd_call calls[JD_MAX_CALLS];
    uint64_t mem_size;
    uint64_t mem_hash, dirty_hash, read_hash, global_hash;
} jd_record;

static gb_err jd_zero_host(gb_host_ctx *ctx, void *user, const gb_val *args,
                           gb_val *results)
{
    (void)ctx;
    (void)args;
    uint32_t n = (uint32_t)(uintptr_t)user;
    for (uint32_t i = 0; i < n; i++)
        results[i] = 0;
    return GB_OK;
}

static uint64_t jd_hash(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* The nonzero 8-byte words of p[0..n) with their offsets (marks are
 * mostly zero: a memory of 4 GiB has 8 MiB of each). */
static uint64_t jd_hash_sparse(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w = 0;
        memcpy(&w, p + i, n - i < 8 ? n - i : 8);
        if (w) {
            h = jd_hash(h, (const uint8_t *)&i, sizeof i);
            h = jd_hash(h, (const uint8_t *)&w, sizeof w);
        }
    }
    return h;
}

/* Memory bytes: all of them, or for a memory above JD_HASH_ALL its first
 * and last 64 KiB and the granules marked written (with their index). */
static uint64_t jd_hash_mem(const uint8_t *data, uint64_t size,
                            const uint8_t *dirty)
{
    if (size <= JD_HASH_ALL)
        return jd_hash(0, data, (size_t)size);
    const size_t edge = 65536, g = (size_t)1 << GB_DIRTY_SHIFT;
    uint64_t h = jd_hash(0, data, edge);
    h = jd_hash(h, data + size - edge, edge);
    for (size_t k = 0; k < (size_t)(size >> GB_DIRTY_SHIFT); k++)
        if (dirty[k]) {
            h = jd_hash(h, (const uint8_t *)&k, sizeof k);
            h = jd_hash(h, data + k * g, g);
        }
    return h;
}

static void jd_config(gb_wasm_config *cfg, uint8_t way, uint32_t pages)
{
    gb_wasm_config_default(cfg);
    cfg->tier = way == JD_INTERP ? GB_TIER_INTERP : GB_TIER_COMPILED;
    cfg->jit_explicit_bounds = way == JD_EXPLICIT;
    cfg->max_memory_pages = pages;
    cfg->max_table_size = 10000;
    cfg->max_call_depth = 1000;
    cfg->max_stack_slots = 1u << 16;
    cfg->max_module_size = 1u << 20;
}

/* One run, with gas handed out `slice` at a time (gb_store_set_deadline
 * with a deadline never reached; 0: no deadline), so that the counter
 * runs out and is refilled from the held-back gas at many points, and
 * memories bounded by `pages`. */
static void jd_run_ex(const uint8_t *bytes, size_t len, uint8_t way,
                      uint64_t gas, uint64_t slice, uint32_t pages,
                      jd_record *r)
{
    memset(r, 0, sizeof *r);
    gb_wasm_config cfg;
    jd_config(&cfg, way, pages);
    gb_module *m = NULL;
    gb_store *s = NULL;
    gb_extern *imports = NULL;
    gb_instance *inst = NULL;
    r->load_err = gb_module_load(&cfg, bytes, len, &m, NULL, 0);
    if (r->load_err)
        return;
    r->compiled = m->jit != NULL;
    if (gb_store_new(&cfg, &s) != GB_OK)
        goto done;
    uint32_t nimports = gb_module_import_count(m);
    imports = calloc((size_t)nimports + 1, sizeof *imports);
    if (!imports)
        goto done;
    for (uint32_t i = 0; i < nimports; i++) {
        gb_import_desc d;
        gb_module_import(m, i, &d);
        imports[i].kind = d.kind;
        gb_err e = GB_INVAL;
        switch (d.kind) {
        case GB_EXTERN_FUNC:
            e = gb_func_new_host(s, &d.func, jd_zero_host,
                                 (void *)(uintptr_t)d.func.nresults,
                                 &imports[i].u.func);
            break;
        case GB_EXTERN_TABLE:
            e = gb_table_new(s, d.table, 0, &imports[i].u.table);
            break;
        case GB_EXTERN_MEMORY:
            e = gb_memory_new(s, d.memory, &imports[i].u.memory);
            break;
        case GB_EXTERN_GLOBAL:
            e = gb_global_new(s, d.global, 0, &imports[i].u.global);
            break;
        }
        if (e != GB_OK) {
            r->inst_err = e;
            goto done;
        }
    }
    gb_store_set_gas(s, gas);
    if (slice)
        gb_store_set_deadline(s, UINT64_MAX, slice);
    r->inst_err = gb_instantiate(s, m, imports, nimports, &inst, NULL, 0);
    r->inst_gas_left = gb_store_gas_left(s);
    if (r->inst_err)
        goto done;
    uint32_t nexports = gb_module_export_count(m);
    for (uint32_t i = 0; i < nexports && r->ncalls < JD_MAX_CALLS; i++) {
        gb_export_desc d;
        gb_module_export(m, i, &d);
        gb_extern ext;
        if (gb_instance_export(inst, d.name, d.name_len, &ext) != GB_OK)
            continue;
        if (ext.kind == GB_EXTERN_GLOBAL) {
            gb_val v = gb_global_get(ext.u.global);
            r->global_hash = jd_hash(r->global_hash ^ i, (const uint8_t *)&v,
                                     sizeof v);
            continue;
        }
        if (ext.kind != GB_EXTERN_FUNC)
            continue;
        const gb_functype *t = gb_func_type(ext.u.func);
        gb_val args[64] = {0};
        gb_val results[64] = {0};
        if (t->nparams > 64 || t->nresults > 64)
            continue;
        jd_call *c = &r->calls[r->ncalls++];
        gb_store_set_gas(s, gas);
        if (slice)
            gb_store_set_deadline(s, UINT64_MAX, slice);
        c->err = gb_func_call(s, ext.u.func, args, results);
        c->gas_left = gb_store_gas_left(s);
        if (c->err)
            snprintf(c->msg, sizeof c->msg, "%s", gb_store_trap_message(s));
        for (uint32_t k = 0; k < t->nresults && k < JD_MAX_RESULTS; k++)
            c->results[k] = results[k];
    }
    gb_memory *mem = gb_instance_memory(inst);
    if (mem) {
        uint64_t size = gb_memory_size(mem);
        r->has_mem = true;
        r->guarded = mem->guarded;
        size_t nmarks = (size_t)(size >> GB_DIRTY_SHIFT) + 1;
        r->mem_size = size;
        r->mem_hash = jd_hash_mem(gb_memory_data(mem), size,
                                  gb_memory_dirty(mem));
        if (size <= JD_HASH_ALL) {
            r->dirty_hash = jd_hash(0, gb_memory_dirty(mem), nmarks);
            r->read_hash = jd_hash(0, gb_memory_read_marks(mem), nmarks);
        } else {
            r->dirty_hash = jd_hash_sparse(0, gb_memory_dirty(mem), nmarks);
            r->read_hash =
                jd_hash_sparse(0, gb_memory_read_marks(mem), nmarks);
        }
    }
done:
    free(imports);
    if (s)
        gb_store_free(s);
    gb_module_free(m);
}

static void jd_run_sliced(const uint8_t *bytes, size_t len, uint8_t way,
                          uint64_t gas, uint64_t slice, jd_record *r)
{
    jd_run_ex(bytes, len, way, gas, slice, JD_PAGES, r);
}

/* NULL when a and b agree, else what differs (a static buffer). */
static const char *jd_compare(const jd_record *a, const jd_record *b)
{
    static char why[256];
#define JD_DIFF(cond, ...)                                                  \
    do {                                                                    \
        if (cond) {                                                         \
            snprintf(why, sizeof why, __VA_ARGS__);                         \
            return why;                                                     \
        }                                                                   \
    } while (0)
    JD_DIFF(a->load_err != b->load_err, "load: %s vs %s",
            gb_err_name(a->load_err), gb_err_name(b->load_err));
    JD_DIFF(a->inst_err != b->inst_err, "instantiate: %s vs %s",
            gb_err_name(a->inst_err), gb_err_name(b->inst_err));
    JD_DIFF(a->inst_gas_left != b->inst_gas_left,
            "gas left after instantiation: %llu vs %llu",
            (unsigned long long)a->inst_gas_left,
            (unsigned long long)b->inst_gas_left);
    JD_DIFF(a->ncalls != b->ncalls, "calls: %u vs %u", a->ncalls, b->ncalls);
    for (uint32_t i = 0; i < a->ncalls; i++) {
        const jd_call *x = &a->calls[i], *y = &b->calls[i];
        JD_DIFF(x->err != y->err, "call %u: %s vs %s", i, gb_err_name(x->err),
                gb_err_name(y->err));
        JD_DIFF(x->gas_left != y->gas_left, "call %u: gas left %llu vs %llu",
                i, (unsigned long long)x->gas_left,
                (unsigned long long)y->gas_left);
        JD_DIFF(strcmp(x->msg, y->msg), "call %u: trap \"%s\" vs \"%s\"", i,
                x->msg, y->msg);
        for (uint32_t k = 0; k < JD_MAX_RESULTS; k++)
            JD_DIFF(x->results[k] != y->results[k],
                    "call %u: result %u 0x%llx vs 0x%llx", i, k,
                    (unsigned long long)x->results[k],
                    (unsigned long long)y->results[k]);
    }
    JD_DIFF(a->mem_size != b->mem_size, "memory size %llu vs %llu",
            (unsigned long long)a->mem_size, (unsigned long long)b->mem_size);
    JD_DIFF(a->mem_hash != b->mem_hash, "memory bytes differ");
    JD_DIFF(a->dirty_hash != b->dirty_hash, "write marks differ");
    JD_DIFF(a->read_hash != b->read_hash, "read marks differ");
    JD_DIFF(a->global_hash != b->global_hash, "exported globals differ");
#undef JD_DIFF
    return NULL;
}

/* Whether a memory for compiled code must have guard pages here: on
 * x86-64, unless $GB_JIT_NO_GUARDS says the test runs where their address
 * space cannot be reserved (ulimit -v; then it must have none). */
static bool jd_want_guards(void)
{
#if defined(__x86_64__)
    return !getenv("GB_JIT_NO_GUARDS");
#else
    return false;
#endif
}

/* The module run the three ways at one gas limit, its memory bounded by
 * `pages`: NULL when they agree, else which way differs from the
 * interpreter and how (a static buffer).  *a gets the interpreter's
 * record, *b the one compiled with guard pages (a memory of its instance
 * has them as jd_want_guards says). */
static const char *jd_diff_pages(const uint8_t *bytes, size_t len,
                                 uint64_t gas, uint32_t pages, jd_record *a,
                                 jd_record *b)
{
    static char why[320];
    jd_run_ex(bytes, len, JD_INTERP, gas, 0, pages, a);
    jd_run_ex(bytes, len, JD_EXPLICIT, gas, 0, pages, b);
    const char *d = jd_compare(a, b);
    if (!d && b->guarded)
        d = "a memory with guard pages for explicit bounds checks";
    if (d) {
        snprintf(why, sizeof why, "explicit bounds: %s", d);
        return why;
    }
    jd_run_ex(bytes, len, JD_COMPILED, gas, 0, pages, b);
    d = jd_compare(a, b);
    if (!d && b->compiled && b->has_mem && b->guarded != jd_want_guards())
        d = b->guarded ? "guard pages where none can be reserved"
                       : "no guard pages for the compiled tier";
    if (d) {
        snprintf(why, sizeof why, "guard pages: %s", d);
        return why;
    }
    return NULL;
}

static const char *jd_diff(const uint8_t *bytes, size_t len, uint64_t gas,
                           jd_record *a, jd_record *b)
{
    return jd_diff_pages(bytes, len, gas, JD_PAGES, a, b);
}

#endif
