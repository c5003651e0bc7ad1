/*
 * The Gear code check and prepared code (see code.h for the rules, their
 * order and their sources).
 *
 * The engine does the heavy part: decoding, validating and compiling the
 * module once.  What is left here reads the loaded module through
 * gearbox/wasm.h and gearbox/wasm_inspect.h, applies Gear's rules one after
 * the other, stopping at the first that fails, and then computes what a
 * program made from this code starts with: its initial memory pages.
 */
#include "gear/code.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gear/gas.h"
#include "gear/ids.h"
#include "gear/syscalls_table.h"
#include "gearbox/wasm_inspect.h"
#include "util/mem.h"

void gb_gear_code_config_default(gb_gear_code_config *cfg)
{
    *cfg = (gb_gear_code_config){
        .schedule = NULL,
        .max_code_len = 524288,
        .max_static_pages = GB_GEAR_MAX_WASM_PAGES,
        .max_data_segments = 1024,
        .max_type_params = 128,
        .max_type_section_len = 20480,
        .max_locals = 1024 + 128,
    };
}

static const char *const entry_names[] = {
    "init", "handle", "handle_reply", "handle_signal", "state", "metahash",
};
enum { NENTRIES = sizeof entry_names / sizeof entry_names[0] };

const char *gb_gear_entry_name(gb_gear_entry e)
{
    for (unsigned i = 0; i < NENTRIES; i++)
        if ((uint32_t)e == 1u << i)
            return entry_names[i];
    return NULL;
}

/* ---- messages ------------------------------------------------------------ */

/* Write "code rejected: <fmt>" into detail; return code. */
static gb_err reject(char *detail, size_t detail_len, gb_err code,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static gb_err reject(char *detail, size_t detail_len, gb_err code,
                     const char *fmt, ...)
{
    if (detail && detail_len) {
        int n = snprintf(detail, detail_len, "code rejected: ");
        if (n >= 0 && (size_t)n < detail_len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(detail + n, detail_len - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}

/* A name from the module, printable: at most 64 bytes, bytes outside
 * printable ASCII (and quotes, backslashes) as \xNN.  out must hold 64*4+4. */
enum { NAME_BUF = 64 * 4 + 4 };
static const char *name_str(char out[NAME_BUF], const char *s, uint32_t len)
{
    size_t o = 0;
    uint32_t n = len > 64 ? 64 : len;
    for (uint32_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
    }
    if (len > n)
        out[o++] = '.', out[o++] = '.', out[o++] = '.';
    out[o] = 0;
    return out;
}

static bool name_is(const char *s, uint32_t len, const char *want)
{
    size_t n = strlen(want);
    return len == n && memcmp(s, want, n) == 0;
}

static void type_str(char *out, size_t size, const gb_functype *t)
{
    size_t o = 0;
#define PUT(...)                                                             \
    do {                                                                     \
        int k_ = snprintf(out + o, o < size ? size - o : 0, __VA_ARGS__);    \
        if (k_ > 0)                                                          \
            o += (size_t)k_;                                                 \
    } while (0)
    PUT("(");
    for (uint32_t i = 0; i < t->nparams; i++)
        PUT("%s%s", i ? ", " : "", t->params[i] == GB_I64 ? "i64" : "i32");
    PUT(") -> (");
    for (uint32_t i = 0; i < t->nresults; i++)
        PUT("%s%s", i ? ", " : "", t->results[i] == GB_I64 ? "i64" : "i32");
    PUT(")");
#undef PUT
}

/* ---- initial memory ------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

const gb_gear_page *gb_gear_code_page(const gb_gear_code *c, uint32_t index)
{
    uint32_t lo = 0, hi = c->npages;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->pages[mid].index < index)
            lo = mid + 1;
        else if (c->pages[mid].index > index)
            hi = mid;
        else
            return &c->pages[mid];
    }
    return NULL;
}

static bool page_is_zero(const uint8_t *p)
{
    for (size_t i = 0; i < GB_GEAR_PAGE_SIZE; i++)
        if (p[i])
            return false;
    return true;
}

/* Apply the active data segments (already checked: constant offsets, inside
 * static memory) to zeroed memory, keeping only the pages they touch and
 * then only those not all zero. */
static gb_err build_pages(gb_gear_code *c)
{
    const gb_module *m = c->module;
    uint32_t nd = gb_module_data_count(m);
    gb_data_desc d;
    size_t n = 0;
    for (uint32_t i = 0; i < nd; i++) {
        gb_module_data(m, i, &d);
        if (d.active && d.len)
            n += (size_t)((d.offset + (uint64_t)d.len - 1) / GB_GEAR_PAGE_SIZE -
                          d.offset / GB_GEAR_PAGE_SIZE + 1);
    }
    if (n == 0)
        return GB_OK;
    uint32_t *idx = gb_malloc(n * sizeof *idx);
    if (!idx)
        return GB_NOMEM;
    size_t k = 0;
    for (uint32_t i = 0; i < nd; i++) {
        gb_module_data(m, i, &d);
        if (!d.active || !d.len)
            continue;
        uint32_t first = d.offset / GB_GEAR_PAGE_SIZE;
        uint32_t last = (uint32_t)((d.offset + (uint64_t)d.len - 1) /
                                   GB_GEAR_PAGE_SIZE);
        for (uint64_t p = first; p <= last; p++)
            idx[k++] = (uint32_t)p;
    }
    qsort(idx, n, sizeof *idx, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || idx[u - 1] != idx[i])
            idx[u++] = idx[i];
    c->pages = gb_calloc(u, sizeof *c->pages);
    if (!c->pages) {
        free(idx);
        return GB_NOMEM;
    }
    c->npages = (uint32_t)u;
    for (size_t i = 0; i < u; i++)
        c->pages[i].index = idx[i];
    free(idx);

    for (uint32_t i = 0; i < nd; i++) {
        gb_module_data(m, i, &d);
        if (!d.active || !d.len)
            continue;
        uint64_t at = d.offset, end = d.offset + (uint64_t)d.len;
        while (at < end) {
            uint32_t pi = (uint32_t)(at / GB_GEAR_PAGE_SIZE);
            uint32_t in = (uint32_t)(at % GB_GEAR_PAGE_SIZE);
            uint64_t chunk = GB_GEAR_PAGE_SIZE - in;
            if (chunk > end - at)
                chunk = end - at;
            gb_gear_page *pg = (gb_gear_page *)gb_gear_code_page(c, pi);
            memcpy(pg->data + in, d.bytes + (at - d.offset), (size_t)chunk);
            at += chunk;
        }
    }

    u = 0;
    for (uint32_t i = 0; i < c->npages; i++) {
        if (page_is_zero(c->pages[i].data))
            continue;
        if (u != i)
            c->pages[u] = c->pages[i];
        u++;
    }
    c->npages = (uint32_t)u;
    if (u == 0) {
        free(c->pages);
        c->pages = NULL;
    }
    /* A shrink that fails keeps the larger block, which is still right. */
    else {
        gb_gear_page *shrunk = gb_realloc(c->pages, u * sizeof *c->pages);
        if (shrunk)
            c->pages = shrunk;
    }
    return GB_OK;
}

/* ---- the rules ------------------------------------------------------------ */

/* What the checks pass along. */
typedef struct check {
    const gb_gear_code_config *cfg;
    const gb_module *m;
    char *detail;
    size_t detail_len;
    uint64_t static_bytes;
    uint32_t stack_end;
    bool has_stack_end;
    uint32_t stack_end_export; /* export index, when has_stack_end */
    uint32_t entries;
} check;

#define REJECT(...) reject(k->detail, k->detail_len, GB_INVALID, __VA_ARGS__)

/* 0. Features: WebAssembly 1.0 + sign extension, no floats. */
static gb_err check_features(check *k)
{
    uint32_t f = gb_module_features(k->m);
    if (f & GB_FEATURE_FLOATS)
        return REJECT("floating-point instruction or type");
    if (f & GB_FEATURE_MULTI_VALUE)
        return REJECT("uses multi-value (not supported by Gear)");
    if (f & GB_FEATURE_BULK_MEMORY)
        return REJECT("uses bulk memory (not supported by Gear)");
    if (f & GB_FEATURE_REF_TYPES)
        return REJECT("uses reference types (not supported by Gear)");
    return GB_OK;
}

/* 1. Static pages: the first memory import, which must be env.memory. */
static gb_err check_static_pages(check *k)
{
    const gb_module *m = k->m;
    uint32_t n = gb_module_import_count(m);
    gb_import_desc im;
    char a[NAME_BUF], b[NAME_BUF];
    for (uint32_t i = 0; i < n; i++) {
        gb_module_import(m, i, &im);
        if (im.kind != GB_EXTERN_MEMORY)
            continue;
        if (!name_is(im.module, im.module_len, "env") ||
            !name_is(im.name, im.name_len, "memory"))
            return REJECT("import %" PRIu32 " \"%s\".\"%s\": memory must be "
                          "imported as \"env\".\"memory\"", i,
                          name_str(a, im.module, im.module_len),
                          name_str(b, im.name, im.name_len));
        if (im.memory.min > k->cfg->max_static_pages)
            return REJECT("static memory of %" PRIu32 " pages exceeds the "
                          "limit of %" PRIu32, im.memory.min,
                          k->cfg->max_static_pages);
        k->static_bytes = (uint64_t)im.memory.min * GB_WASM_PAGE_SIZE;
        return GB_OK;
    }
    return REJECT("no memory import (\"env\".\"memory\")");
}

/* 2. __gear_stack_end. */
static gb_err check_stack_end(check *k)
{
    const gb_module *m = k->m;
    uint32_t n = gb_module_export_count(m);
    gb_export_desc ex;
    gb_global_desc g;
    for (uint32_t i = 0; i < n; i++) {
        gb_module_export(m, i, &ex);
        if (ex.kind != GB_EXTERN_GLOBAL ||
            !name_is(ex.name, ex.name_len, GB_GEAR_STACK_END_EXPORT))
            continue;
        if (!gb_module_global(m, ex.index, &g) || g.imported)
            return REJECT("export %" PRIu32 " \"" GB_GEAR_STACK_END_EXPORT
                          "\" refers to imported global %" PRIu32, i,
                          ex.index);
        if (!g.init_is_i32_const)
            return REJECT(GB_GEAR_STACK_END_EXPORT " is not initialised by "
                          "an i32.const");
        uint32_t v = (uint32_t)g.init_i32;
        if (v % GB_WASM_PAGE_SIZE)
            return REJECT(GB_GEAR_STACK_END_EXPORT " 0x%" PRIx32 " is not a "
                          "multiple of 64 KiB", v);
        if (v > k->static_bytes)
            return REJECT(GB_GEAR_STACK_END_EXPORT " 0x%" PRIx32 " is beyond "
                          "static memory (0x%" PRIx64 " bytes)", v,
                          k->static_bytes);
        k->stack_end = v;
        k->has_stack_end = true;
        k->stack_end_export = i;
        return GB_OK;
    }
    return GB_OK;
}

/* 3. Data segments. */
static gb_err check_data(check *k)
{
    const gb_module *m = k->m;
    uint32_t n = gb_module_data_count(m);
    gb_data_desc d;
    if (n > k->cfg->max_data_segments)
        return REJECT("%" PRIu32 " data segments exceed the limit of %" PRIu32,
                      n, k->cfg->max_data_segments);
    for (uint32_t i = 0; i < n; i++) {
        gb_module_data(m, i, &d);
        if (!d.active || !d.offset_is_const)
            return REJECT("data segment %" PRIu32 ": offset is not an "
                          "i32.const", i);
        if (k->has_stack_end && d.offset < k->stack_end)
            return REJECT("data segment %" PRIu32 " at 0x%" PRIx32 " overlaps "
                          "the stack (which ends at 0x%" PRIx32 ")", i,
                          d.offset, k->stack_end);
        if (d.len == 0)
            continue; /* strange, but allowed */
        uint64_t last = (uint64_t)d.offset + d.len - 1;
        if (last > UINT32_MAX)
            return REJECT("data segment %" PRIu32 " at 0x%" PRIx32 ": end "
                          "address overflows", i, d.offset);
        if (last >= k->static_bytes)
            return REJECT("data segment %" PRIu32 " [0x%" PRIx32 ", 0x%" PRIx64
                          "] ends outside static memory (0x%" PRIx64 " bytes)",
                          i, d.offset, last, k->static_bytes);
    }
    return GB_OK;
}

/* 4. Exported globals (other than __gear_stack_end). */
static gb_err check_global_exports(check *k)
{
    const gb_module *m = k->m;
    uint32_t n = gb_module_export_count(m);
    gb_export_desc ex;
    gb_global_desc g;
    char a[NAME_BUF];
    for (uint32_t i = 0; i < n; i++) {
        gb_module_export(m, i, &ex);
        if (ex.kind != GB_EXTERN_GLOBAL ||
            (k->has_stack_end && i == k->stack_end_export))
            continue;
        if (!gb_module_global(m, ex.index, &g) || g.imported)
            return REJECT("export %" PRIu32 " \"%s\" refers to imported "
                          "global %" PRIu32, i,
                          name_str(a, ex.name, ex.name_len), ex.index);
        if (g.type.mut)
            return REJECT("exported global \"%s\" is mutable",
                          name_str(a, ex.name, ex.name_len));
    }
    return GB_OK;
}

/* 5. No start section. */
static gb_err check_start(check *k)
{
    if (gb_module_has_start(k->m, NULL))
        return REJECT("start section is not allowed");
    return GB_OK;
}

/* 6. Exported functions. */
static gb_err check_exports(check *k)
{
    const gb_module *m = k->m;
    uint32_t n = gb_module_export_count(m);
    uint32_t nimp = gb_module_func_import_count(m);
    gb_export_desc ex;
    char a[NAME_BUF];
    for (uint32_t i = 0; i < n; i++) {
        gb_module_export(m, i, &ex);
        if (ex.kind != GB_EXTERN_FUNC)
            continue;
        const char *nm = name_str(a, ex.name, ex.name_len);
        if (ex.index < nimp)
            return REJECT("export \"%s\" re-exports imported function "
                          "%" PRIu32, nm, ex.index);
        unsigned e = 0;
        while (e < NENTRIES && !name_is(ex.name, ex.name_len, entry_names[e]))
            e++;
        if (e == NENTRIES)
            return REJECT("export \"%s\" is not allowed", nm);
        const gb_functype *t = gb_module_func_type(m, ex.index);
        if (t->nparams || t->nresults)
            return REJECT("export \"%s\" must have type () -> ()", nm);
        k->entries |= 1u << e;
    }
    if (!(k->entries & (GB_GEAR_ENTRY_INIT | GB_GEAR_ENTRY_HANDLE)))
        return REJECT("neither \"init\" nor \"handle\" is exported");
    return GB_OK;
}

/* 7. Imports. */
static gb_err check_imports(check *k)
{
    const gb_module *m = k->m;
    uint32_t n = gb_module_import_count(m);
    gb_import_desc im;
    bool seen[GB_SYS_COUNT] = {false};
    char a[NAME_BUF], b[NAME_BUF];
    for (uint32_t i = 0; i < n; i++) {
        gb_module_import(m, i, &im);
        const char *nm = name_str(b, im.name, im.name_len);
        if (im.kind == GB_EXTERN_GLOBAL || im.kind == GB_EXTERN_TABLE)
            return REJECT("import %" PRIu32 " \"%s\": %s imports are not "
                          "allowed", i, nm,
                          im.kind == GB_EXTERN_GLOBAL ? "global" : "table");
        if (im.kind != GB_EXTERN_FUNC)
            continue; /* the memory, checked first */
        if (!name_is(im.module, im.module_len, "env"))
            return REJECT("import %" PRIu32 " \"%s\".\"%s\": module must be "
                          "\"env\"", i, name_str(a, im.module, im.module_len),
                          nm);
        const gb_gear_syscall *s = gb_gear_syscall_find(im.name, im.name_len);
        if (!s)
            return REJECT("import %" PRIu32 " \"%s\" is not a known syscall",
                          i, nm);
        if (seen[s->id])
            return REJECT("import %" PRIu32 " \"%s\" is a duplicate", i, nm);
        seen[s->id] = true;
        if (!gb_gear_syscall_type_eq(s, &im.func)) {
            char want[160];
            type_str(want, sizeof want, &s->type);
            return REJECT("import %" PRIu32 " \"%s\" has the wrong signature "
                          "(expected %s)", i, nm, want);
        }
    }
    return GB_OK;
}

/* 8. Type section limits. */
static gb_err check_types(check *k)
{
    const gb_module *m = k->m;
    uint32_t n = gb_module_type_count(m);
    for (uint32_t i = 0; i < n; i++) {
        const gb_functype *t = gb_module_type(m, i);
        uint64_t c = (uint64_t)t->nparams + t->nresults;
        if (c > k->cfg->max_type_params)
            return REJECT("type %" PRIu32 " has %" PRIu64 " parameters and "
                          "results (limit %" PRIu32 ")", i, c,
                          k->cfg->max_type_params);
    }
    uint64_t len = gb_module_section_size(m, 1);
    if (len > k->cfg->max_type_section_len)
        return REJECT("type section of %" PRIu64 " bytes exceeds the limit of "
                      "%" PRIu32, len, k->cfg->max_type_section_len);
    return GB_OK;
}

#undef REJECT

gb_err gb_gear_code_check(const gb_gear_code_config *cfg,
                          const uint8_t *bytes, size_t len,
                          gb_gear_code **out_code, char *detail,
                          size_t detail_len)
{
    gb_gear_code_config defcfg;
    if (!cfg) {
        gb_gear_code_config_default(&defcfg);
        cfg = &defcfg;
    }
    *out_code = NULL;
    if (detail && detail_len)
        detail[0] = 0;
    if (len > cfg->max_code_len)
        return reject(detail, detail_len, GB_LIMIT,
                      "code of %zu bytes exceeds the limit of %" PRIu32, len,
                      cfg->max_code_len);

    gb_wasm_config wc;
    gb_wasm_config_default(&wc);
    wc.metering = true;
    wc.schedule =
        cfg->schedule ? cfg->schedule : &gb_gear_costs_get()->engine;
    wc.max_module_size = cfg->max_code_len;
    wc.max_locals = cfg->max_locals;
    wc.max_memory_pages = cfg->max_static_pages;
    wc.tier = cfg->tier;

    gb_gear_code *c = gb_calloc(1, sizeof *c);
    if (!c)
        return GB_NOMEM;
    char msg[256];
    gb_err e = gb_module_load(&wc, bytes, len, &c->module, msg, sizeof msg);
    if (e) {
        if (e != GB_NOMEM)
            reject(detail, detail_len, e, "%s", msg);
        goto fail;
    }

    check k = {.cfg = cfg, .m = c->module, .detail = detail,
               .detail_len = detail_len};
    if ((e = check_features(&k)) || (e = check_static_pages(&k)) ||
        (e = check_stack_end(&k)) || (e = check_data(&k)) ||
        (e = check_global_exports(&k)) || (e = check_start(&k)) ||
        (e = check_exports(&k)) || (e = check_imports(&k)) ||
        (e = check_types(&k)))
        goto fail;

    gb_id id = gb_code_id(bytes, len); /* gear/ids.h */
    memcpy(c->id, id.b, sizeof c->id);
    c->code_len = len;
    c->static_pages = (uint32_t)(k.static_bytes / GB_WASM_PAGE_SIZE);
    c->stack_end = k.stack_end;
    c->has_stack_end = k.has_stack_end;
    c->entries = k.entries;
    if ((e = build_pages(c)))
        goto fail;
    *out_code = c;
    return GB_OK;

fail:
    gb_gear_code_free(c);
    return e;
}

void gb_gear_code_free(gb_gear_code *c)
{
    if (!c)
        return;
    gb_module_free(c->module);
    free(c->pages);
    free(c);
}

size_t gb_gear_code_footprint(const gb_gear_code *c)
{
    if (!c)
        return 0;
    return sizeof *c + gb_module_footprint(c->module) +
           (size_t)c->npages * sizeof *c->pages;
}
