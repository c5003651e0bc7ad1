/*
 * The binary decoder: WebAssembly 2.0 module bytes -> struct gb_module.
 *
 * One pass over the sections, in the order the spec fixes (custom sections
 * anywhere).  Each section is read through a gb_reader bounded by the
 * section's declared size, so nothing ever reads past the section or the
 * buffer, and a section whose content does not end exactly at its declared
 * end is malformed.  Alongside decoding, everything outside function bodies
 * is validated here (index bounds, limits, constant expressions and their
 * types, export names, the start function, element and data segments), so
 * compile.c only has to validate instructions.
 *
 * Error categories follow the spec test suite: GB_MALFORMED for what the
 * binary grammar rejects (assert_malformed), GB_INVALID for what validation
 * rejects (assert_invalid), GB_LIMIT for what exceeds m->cfg.  Every count
 * read from the binary is checked against the bytes that remain before
 * anything is allocated from it, so a tiny file cannot ask for a huge
 * allocation.
 *
 * Index spaces are built lazily: the import section only records imports;
 * the function/table/memory/global arrays are allocated when their own
 * section is reached, or, if a module has none, as soon as a later section
 * (or the end) shows it will not come.
 *
 * On failure the module holds whatever was allocated so far, with every
 * array consistent with its count, so gb_decode_free releases it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"
#include "wasm/opcodes.h"
#include "wasm/reader.h"
#include "util/mem.h"

enum {
    SEC_CUSTOM = 0,
    SEC_TYPE = 1,
    SEC_IMPORT = 2,
    SEC_FUNCTION = 3,
    SEC_TABLE = 4,
    SEC_MEMORY = 5,
    SEC_GLOBAL = 6,
    SEC_EXPORT = 7,
    SEC_START = 8,
    SEC_ELEMENT = 9,
    SEC_CODE = 10,
    SEC_DATA = 11,
    SEC_DATACOUNT = 12,
};

/* The position of each section id in the spec's order (datacount sits
 * between element and code). */
static const uint8_t sec_rank[13] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12,
                                      10 };
static const char *const sec_name[13] = {
    "custom", "type",  "import", "function", "table", "memory",    "global",
    "export", "start", "element", "code",    "data",  "data count",
};

#define MAX_PAGES 65536u /* 4 GiB of 64 KiB pages */

typedef struct dec {
    gb_module *m;
    char *detail;
    size_t detail_len;
    char what[48]; /* "section 3 (function)", for messages */
    /* index spaces built (see the header comment) */
    bool funcs_built, tables_built, mems_built, globals_built;
    bool has_code_sec;
    uint32_t datacount;
} dec;

static gb_err fail(dec *d, gb_err e, const uint8_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Write "<what> at offset 0x..: <reason>" into detail and return e. */
static gb_err fail(dec *d, gb_err e, const uint8_t *at, const char *fmt, ...)
{
    if (d->detail && d->detail_len) {
        size_t off = at ? (size_t)(at - d->m->bytes) : 0;
        int n = snprintf(d->detail, d->detail_len, "%s at offset 0x%zx: ",
                         d->what, off);
        if (n >= 0 && (size_t)n < d->detail_len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(d->detail + n, d->detail_len - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return e;
}

#define MALFORMED(at, ...) fail(d, GB_MALFORMED, (at), __VA_ARGS__)
#define INVALID(at, ...) fail(d, GB_INVALID, (at), __VA_ARGS__)

/* ---- primitive reads, with messages -------------------------------- */

static gb_err rd_u8(dec *d, gb_reader *r, uint8_t *out)
{
    if (!gb_read_u8(r, out)) {
        *out = 0; /* keeps callers' flow analysis simple */
        return MALFORMED(r->p, "unexpected end");
    }
    return GB_OK;
}

static gb_err rd_u32(dec *d, gb_reader *r, uint32_t *out)
{
    const uint8_t *at = r->p;
    if (!gb_read_u32(r, out)) {
        *out = 0;
        if (r->p >= r->end && (r->p == at || (r->p[-1] & 0x80)))
            return MALFORMED(at, "unexpected end");
        return MALFORMED(at, "integer representation too long or integer "
                             "too large");
    }
    return GB_OK;
}

/* A vector length: each element takes at least min_size bytes, so a count
 * larger than what is left cannot be right (checked before allocating). */
static gb_err rd_count(dec *d, gb_reader *r, size_t min_size, uint32_t *out)
{
    const uint8_t *at = r->p;
    gb_err e = rd_u32(d, r, out);
    if (e)
        return e;
    if ((uint64_t)*out * min_size > gb_reader_left(r))
        return MALFORMED(at, "length out of bounds: %u entries in %zu bytes",
                         *out, gb_reader_left(r));
    return GB_OK;
}

/* Spec 5.2.4: UTF-8, no overlong forms, no surrogates, at most U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false; /* continuation byte or 0xF8.. */
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static gb_err rd_name(dec *d, gb_reader *r, const char **out,
                      uint32_t *out_len)
{
    const uint8_t *at = r->p, *s;
    uint32_t n;
    gb_err e = rd_u32(d, r, &n);
    if (e)
        return e;
    if (!gb_read_bytes(r, n, &s))
        return MALFORMED(at, "unexpected end (name of %u bytes)", n);
    if (!utf8_valid(s, n))
        return MALFORMED(at, "malformed UTF-8 encoding");
    *out = (const char *)s;
    *out_len = n;
    return GB_OK;
}

static bool is_reftype(uint8_t t) { return t == GB_FUNCREF || t == GB_EXTERNREF; }

static gb_err rd_valtype(dec *d, gb_reader *r, uint8_t *out)
{
    const uint8_t *at = r->p;
    gb_err e = rd_u8(d, r, out);
    if (e)
        return e;
    switch (*out) {
    case GB_I32: case GB_I64: case GB_F32: case GB_F64:
    case GB_FUNCREF: case GB_EXTERNREF:
        return GB_OK;
    case GB_V128:
        return INVALID(at, "v128 (SIMD) is not supported");
    default:
        return MALFORMED(at, "malformed value type 0x%02x", *out);
    }
}

static gb_err rd_reftype(dec *d, gb_reader *r, uint8_t *out)
{
    const uint8_t *at = r->p;
    gb_err e = rd_u8(d, r, out);
    if (e)
        return e;
    if (!is_reftype(*out))
        return MALFORMED(at, "malformed reference type 0x%02x", *out);
    return GB_OK;
}

/* limits; max_pages != 0 bounds both ends (memories). */
static gb_err rd_limits(dec *d, gb_reader *r, uint32_t max_pages,
                        gb_limits *out)
{
    const uint8_t *at = r->p;
    uint8_t flag;
    gb_err e = rd_u8(d, r, &flag);
    if (e)
        return e;
    if (flag > 1)
        return MALFORMED(at, "integer too large (limits flag 0x%02x)", flag);
    out->has_max = flag == 1;
    out->max = 0;
    if ((e = rd_u32(d, r, &out->min)))
        return e;
    if (out->has_max && (e = rd_u32(d, r, &out->max)))
        return e;
    if (max_pages && (out->min > max_pages ||
                      (out->has_max && out->max > max_pages)))
        return INVALID(at, "memory size must be at most 65536 pages (4GiB)");
    if (out->has_max && out->min > out->max)
        return INVALID(at, "size minimum must not be greater than maximum");
    return GB_OK;
}

static gb_err rd_tabletype(dec *d, gb_reader *r, gb_tabletype *out)
{
    gb_err e = rd_reftype(d, r, &out->elem);
    if (e)
        return e;
    return rd_limits(d, r, 0, &out->limits);
}

static gb_err rd_globaltype(dec *d, gb_reader *r, gb_globaltype *out)
{
    const uint8_t *at;
    uint8_t mut;
    gb_err e = rd_valtype(d, r, &out->type);
    if (e)
        return e;
    at = r->p;
    if ((e = rd_u8(d, r, &mut)))
        return e;
    if (mut > 1)
        return MALFORMED(at, "malformed mutability 0x%02x", mut);
    out->mut = mut == 1;
    return GB_OK;
}

/*
 * A constant expression of type `want`: one instruction, then end.  The
 * globals visible to global.get are the imported ones (spec 3.4.10: C'),
 * and they must be immutable.  ref.func marks the function declared.
 */
static gb_err rd_constexpr(dec *d, gb_reader *r, uint8_t want,
                           gb_constexpr *out)
{
    gb_module *m = d->m;
    const uint8_t *at = r->p, *imm;
    uint8_t op, type, endb;
    gb_err e = rd_u8(d, r, &op);
    if (e)
        return e;
    out->op = op;
    out->value = 0;
    imm = r->p;
    switch (op) {
    case GB_OP_I32_CONST: {
        int32_t v;
        if (!gb_read_s32(r, &v))
            return MALFORMED(imm, "malformed i32.const immediate");
        out->value = (uint32_t)v;
        type = GB_I32;
        break;
    }
    case GB_OP_I64_CONST: {
        int64_t v;
        if (!gb_read_s64(r, &v))
            return MALFORMED(imm, "malformed i64.const immediate");
        out->value = (uint64_t)v;
        type = GB_I64;
        break;
    }
    case GB_OP_F32_CONST: {
        uint32_t v;
        if (!gb_read_u32_fixed(r, &v))
            return MALFORMED(imm, "unexpected end");
        out->value = v;
        type = GB_F32;
        break;
    }
    case GB_OP_F64_CONST: {
        uint64_t v;
        if (!gb_read_u64_fixed(r, &v))
            return MALFORMED(imm, "unexpected end");
        out->value = v;
        type = GB_F64;
        break;
    }
    case GB_OP_GLOBAL_GET: {
        uint32_t g;
        if ((e = rd_u32(d, r, &g)))
            return e;
        if (g >= m->nglobal_imports)
            return INVALID(imm, "unknown global %u", g);
        if (m->globals[g].mut)
            return INVALID(at, "constant expression required (global %u "
                               "is mutable)", g);
        out->value = g;
        type = m->globals[g].type;
        break;
    }
    case GB_OP_REF_NULL:
        if ((e = rd_reftype(d, r, &type)))
            return e;
        out->value = type;
        break;
    case GB_OP_REF_FUNC: {
        uint32_t f;
        if ((e = rd_u32(d, r, &f)))
            return e;
        if (f >= m->nfuncs)
            return INVALID(imm, "unknown function %u", f);
        m->func_declared[f] = 1;
        out->value = f;
        type = GB_FUNCREF;
        break;
    }
    case GB_OP_END:
        return INVALID(at, "type mismatch: empty constant expression");
    default:
        return INVALID(at, "constant expression required (opcode 0x%02x)",
                       op);
    }
    at = r->p;
    if ((e = rd_u8(d, r, &endb)))
        return e;
    if (endb != GB_OP_END)
        return INVALID(at, "constant expression required (more than one "
                           "instruction)");
    if (type != want)
        return INVALID(imm - 1, "type mismatch: constant expression has "
                                "type 0x%02x, expected 0x%02x", type, want);
    return GB_OK;
}

/* ---- index spaces --------------------------------------------------- */

static uint32_t count_imports(const gb_module *m, gb_externkind k)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->nimports; i++)
        n += m->imports[i].kind == k;
    return n;
}

static gb_err build_funcs(dec *d, uint32_t ndefs, const uint8_t *at)
{
    gb_module *m = d->m;
    uint32_t ni = count_imports(m, GB_EXTERN_FUNC);
    uint64_t total = (uint64_t)ni + ndefs;
    d->funcs_built = true;
    if (total > m->cfg.max_functions)
        return fail(d, GB_LIMIT, at, "%" PRIu64 " functions exceed the "
                    "limit of %u", total, m->cfg.max_functions);
    m->func_type = gb_calloc(total ? total : 1, sizeof *m->func_type);
    m->funcs = gb_calloc(ndefs ? ndefs : 1, sizeof *m->funcs);
    m->func_declared = gb_calloc(total ? total : 1, 1);
    if (!m->func_type || !m->funcs || !m->func_declared)
        return fail(d, GB_NOMEM, at, "out of memory");
    m->nfunc_imports = ni;
    m->nfuncs = (uint32_t)total;
    for (uint32_t i = 0, k = 0; i < m->nimports; i++)
        if (m->imports[i].kind == GB_EXTERN_FUNC)
            m->func_type[k++] = m->imports[i].func_type;
    return GB_OK;
}

static gb_err build_tables(dec *d, uint32_t ndefs, const uint8_t *at)
{
    gb_module *m = d->m;
    uint32_t ni = count_imports(m, GB_EXTERN_TABLE);
    uint64_t total = (uint64_t)ni + ndefs;
    d->tables_built = true;
    if (total > UINT32_MAX)
        return fail(d, GB_LIMIT, at, "too many tables");
    m->tables = gb_calloc(total ? total : 1, sizeof *m->tables);
    if (!m->tables)
        return fail(d, GB_NOMEM, at, "out of memory");
    m->ntable_imports = ni;
    m->ntables = (uint32_t)total;
    for (uint32_t i = 0, k = 0; i < m->nimports; i++)
        if (m->imports[i].kind == GB_EXTERN_TABLE)
            m->tables[k++] = m->imports[i].table;
    return GB_OK;
}

static gb_err build_mems(dec *d, uint32_t ndefs, const uint8_t *at)
{
    gb_module *m = d->m;
    uint32_t ni = count_imports(m, GB_EXTERN_MEMORY);
    uint64_t total = (uint64_t)ni + ndefs;
    d->mems_built = true;
    if (total > 1)
        return INVALID(at, "multiple memories");
    m->mems = gb_calloc(1, sizeof *m->mems);
    if (!m->mems)
        return fail(d, GB_NOMEM, at, "out of memory");
    m->nmem_imports = ni;
    m->nmems = (uint32_t)total;
    for (uint32_t i = 0, k = 0; i < m->nimports; i++)
        if (m->imports[i].kind == GB_EXTERN_MEMORY)
            m->mems[k++] = m->imports[i].memory;
    return GB_OK;
}

static gb_err build_globals(dec *d, uint32_t ndefs, const uint8_t *at)
{
    gb_module *m = d->m;
    uint32_t ni = count_imports(m, GB_EXTERN_GLOBAL);
    uint64_t total = (uint64_t)ni + ndefs;
    d->globals_built = true;
    if (total > UINT32_MAX)
        return fail(d, GB_LIMIT, at, "too many globals");
    m->globals = gb_calloc(total ? total : 1, sizeof *m->globals);
    m->global_init = gb_calloc(ndefs ? ndefs : 1, sizeof *m->global_init);
    if (!m->globals || !m->global_init)
        return fail(d, GB_NOMEM, at, "out of memory");
    m->nglobal_imports = ni;
    m->nglobals = (uint32_t)total;
    for (uint32_t i = 0, k = 0; i < m->nimports; i++)
        if (m->imports[i].kind == GB_EXTERN_GLOBAL)
            m->globals[k++] = m->imports[i].global;
    return GB_OK;
}

/* Build, from imports alone, the spaces whose section can no longer come
 * now that a section of rank `rank` (or the end) has been reached. */
static gb_err complete_spaces(dec *d, unsigned rank, const uint8_t *at)
{
    gb_err e = GB_OK;
    if (rank > sec_rank[SEC_FUNCTION] && !d->funcs_built)
        e = build_funcs(d, 0, at);
    if (!e && rank > sec_rank[SEC_TABLE] && !d->tables_built)
        e = build_tables(d, 0, at);
    if (!e && rank > sec_rank[SEC_MEMORY] && !d->mems_built)
        e = build_mems(d, 0, at);
    if (!e && rank > sec_rank[SEC_GLOBAL] && !d->globals_built)
        e = build_globals(d, 0, at);
    return e;
}

/* ---- sections ------------------------------------------------------- */

static gb_err sec_type(dec *d, gb_reader *r)
{
    gb_module *m = d->m;
    uint32_t n;
    gb_err e = rd_count(d, r, 3, &n);
    if (e)
        return e;
    m->types = gb_calloc(n ? n : 1, sizeof *m->types);
    if (!m->types)
        return fail(d, GB_NOMEM, r->p, "out of memory");
    m->ntypes = n;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *at = r->p, *params, *results;
        uint8_t form, t;
        uint32_t np, nr;
        if ((e = rd_u8(d, r, &form)))
            return e;
        if (form != 0x60)
            return MALFORMED(at, "type %u: integer representation too long "
                                 "(expected functype 0x60, got 0x%02x)",
                             i, form);
        if ((e = rd_count(d, r, 1, &np)))
            return e;
        params = r->p;
        for (uint32_t k = 0; k < np; k++)
            if ((e = rd_valtype(d, r, &t)))
                return e;
        if ((e = rd_count(d, r, 1, &nr)))
            return e;
        results = r->p;
        for (uint32_t k = 0; k < nr; k++)
            if ((e = rd_valtype(d, r, &t)))
                return e;
        uint8_t *block = gb_malloc((size_t)np + nr + 1);
        if (!block)
            return fail(d, GB_NOMEM, at, "out of memory");
        memcpy(block, params, np);
        memcpy(block + np, results, nr);
        m->types[i].params = block;
        m->types[i].results = block + np;
        m->types[i].nparams = np;
        m->types[i].nresults = nr;
    }
    return GB_OK;
}

static gb_err sec_import(dec *d, gb_reader *r)
{
    gb_module *m = d->m;
    uint32_t n;
    gb_err e = rd_count(d, r, 4, &n);
    if (e)
        return e;
    m->imports = gb_calloc(n ? n : 1, sizeof *m->imports);
    if (!m->imports)
        return fail(d, GB_NOMEM, r->p, "out of memory");
    m->nimports = n;
    for (uint32_t i = 0; i < n; i++) {
        gb_import *im = &m->imports[i];
        const uint8_t *at;
        uint8_t kind;
        if ((e = rd_name(d, r, &im->module, &im->module_len)) ||
            (e = rd_name(d, r, &im->name, &im->name_len)))
            return e;
        at = r->p;
        if ((e = rd_u8(d, r, &kind)))
            return e;
        im->kind = (gb_externkind)kind;
        switch (kind) {
        case GB_EXTERN_FUNC:
            at = r->p;
            if ((e = rd_u32(d, r, &im->func_type)))
                return e;
            if (im->func_type >= m->ntypes)
                return INVALID(at, "import %u: unknown type %u", i,
                               im->func_type);
            break;
        case GB_EXTERN_TABLE:
            if ((e = rd_tabletype(d, r, &im->table)))
                return e;
            break;
        case GB_EXTERN_MEMORY:
            if ((e = rd_limits(d, r, MAX_PAGES, &im->memory)))
                return e;
            break;
        case GB_EXTERN_GLOBAL:
            if ((e = rd_globaltype(d, r, &im->global)))
                return e;
            break;
        default:
            return MALFORMED(at, "import %u: malformed import kind 0x%02x",
                             i, kind);
        }
    }
    /* Check the memory count early, so the message points here. */
    if (count_imports(m, GB_EXTERN_MEMORY) > 1)
        return INVALID(r->p, "multiple memories");
    return GB_OK;
}

static gb_err sec_function(dec *d, gb_reader *r)
{
    gb_module *m = d->m;
    const uint8_t *at = r->p;
    uint32_t n;
    gb_err e = rd_count(d, r, 1, &n);
    if (e)
        return e;
    if ((e = build_funcs(d, n, at)))
        return e;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        at = r->p;
        if ((e = rd_u32(d, r, &t)))
            return e;
        if (t >= m->ntypes)
            return INVALID(at, "function %u: unknown type %u",
                           m->nfunc_imports + i, t);
        m->funcs[i].type = t;
        m->func_type[m->nfunc_imports + i] = t;
    }
    return GB_OK;
}

static gb_err sec_table(dec *d, gb_reader *r)
{
    gb_module *m = d->m;
    const uint8_t *at = r->p;
    uint32_t n;
    gb_err e = rd_count(d, r, 3, &n);
    if (e)
        return e;
    if ((e = build_tables(d, n, at)))
        return e;
    for (uint32_t i = 0; i < n; i++)
        if ((e = rd_tabletype(d, r, &m->tables[m->ntable_imports + i])))
            return e;
    return GB_OK;
}

static gb_err sec_memory(dec *d, gb_reader *r)
{
    gb_module *m = d->m;
    const uint8_t *at = r->p;
    uint32_t n;
    gb_err e = rd_count(d, r, 2, &n);
    if (e)
        return e;
    if ((e = build_mems(d, n, at)))
        return e;
    for (uint32_t i = 0; i < n; i++)
        if ((e = rd_limits(d, r, MAX_PAGES, &m->mems[m->nmem_imports + i])))
            return e;
    return GB_OK;
}

static gb_err sec_global(dec *d, gb_reader *r)
{
    gb_module *m = d->m;
    const uint8_t *at = r->p;
    uint32_t n;
    gb_err e = rd_count(d, r, 3, &n);
    if (e)
        return e;
    if ((e = build_globals(d, n, at)))
        return e;
    for (uint32_t i = 0; i < n; i++) {
        gb_globaltype *g = &m->globals[m->nglobal_imports + i];
        if ((e = rd_globaltype(d, r, g)) ||
            (e = rd_constexpr(d, r, g->type, &m->global_init[i])))
            return e;
    }
    return GB_OK;
}

static int cmp_export_name(const void *a, const void *b)
{
    const gb_export *x = *(const gb_export *const *)a;
    const gb_export *y = *(const gb_export *const *)b;
    uint32_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = n ? memcmp(x->name, y->name, n) : 0;
    if (c)
        return c;
    return (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

static gb_err sec_export(dec *d, gb_reader *r)
{
    gb_module *m = d->m;
    uint32_t n;
    gb_err e = rd_count(d, r, 3, &n);
    if (e)
        return e;
    m->exports = gb_calloc(n ? n : 1, sizeof *m->exports);
    if (!m->exports)
        return fail(d, GB_NOMEM, r->p, "out of memory");
    m->nexports = n;
    for (uint32_t i = 0; i < n; i++) {
        gb_export *ex = &m->exports[i];
        const uint8_t *at;
        uint8_t kind;
        uint32_t bound = 0;
        const char *space = "";
        if ((e = rd_name(d, r, &ex->name, &ex->name_len)))
            return e;
        at = r->p;
        if ((e = rd_u8(d, r, &kind)))
            return e;
        ex->kind = (gb_externkind)kind;
        switch (kind) {
        case GB_EXTERN_FUNC: bound = m->nfuncs; space = "function"; break;
        case GB_EXTERN_TABLE: bound = m->ntables; space = "table"; break;
        case GB_EXTERN_MEMORY: bound = m->nmems; space = "memory"; break;
        case GB_EXTERN_GLOBAL: bound = m->nglobals; space = "global"; break;
        default:
            return MALFORMED(at, "export %u: malformed export kind 0x%02x",
                             i, kind);
        }
        at = r->p;
        if ((e = rd_u32(d, r, &ex->index)))
            return e;
        if (ex->index >= bound)
            return INVALID(at, "export %u: unknown %s %u", i, space,
                           ex->index);
        if (kind == GB_EXTERN_FUNC)
            m->func_declared[ex->index] = 1;
    }
    if (n > 1) {
        const gb_export **sorted = gb_malloc(n * sizeof *sorted);
        if (!sorted)
            return fail(d, GB_NOMEM, r->p, "out of memory");
        for (uint32_t i = 0; i < n; i++)
            sorted[i] = &m->exports[i];
        qsort(sorted, n, sizeof *sorted, cmp_export_name);
        for (uint32_t i = 1; i < n; i++) {
            if (cmp_export_name(&sorted[i - 1], &sorted[i]) == 0) {
                const gb_export *dup = sorted[i];
                free(sorted);
                return INVALID((const uint8_t *)dup->name,
                               "duplicate export name \"%.*s\"",
                               (int)(dup->name_len > 64 ? 64 : dup->name_len),
                               dup->name);
            }
        }
        free(sorted);
    }
    return GB_OK;
}

static gb_err sec_start(dec *d, gb_reader *r)
{
    gb_module *m = d->m;
    const uint8_t *at = r->p;
    uint32_t f;
    gb_err e = rd_u32(d, r, &f);
    if (e)
        return e;
    if (f >= m->nfuncs)
        return INVALID(at, "unknown function %u", f);
    const gb_functype *t = &m->types[m->func_type[f]];
    if (t->nparams || t->nresults)
        return INVALID(at, "start function %u must have type [] -> []", f);
    m->has_start = true;
    m->start = f;
    return GB_OK;
}

static gb_err sec_element(dec *d, gb_reader *r)
{
    gb_module *m = d->m;
    uint32_t n;
    gb_err e = rd_count(d, r, 3, &n);
    if (e)
        return e;
    m->elems = gb_calloc(n ? n : 1, sizeof *m->elems);
    if (!m->elems)
        return fail(d, GB_NOMEM, r->p, "out of memory");
    m->nelems = n;
    for (uint32_t i = 0; i < n; i++) {
        gb_elem_seg *s = &m->elems[i];
        const uint8_t *at = r->p, *tat;
        uint32_t flags, cnt;
        if ((e = rd_u32(d, r, &flags)))
            return e;
        if (flags > 7)
            return MALFORMED(at, "element %u: malformed elements segment "
                                 "kind %u", i, flags);
        /* bit 0: passive or declarative; bit 1: explicit table index
         * (active) or declarative (otherwise); bit 2: expressions. */
        bool exprs = flags & 4;
        s->type = GB_FUNCREF;
        s->table = 0;
        if (flags & 1)
            s->mode = flags & 2 ? GB_SEG_DECLARATIVE : GB_SEG_PASSIVE;
        else
            s->mode = GB_SEG_ACTIVE;
        tat = r->p;
        if (s->mode == GB_SEG_ACTIVE) {
            if ((flags & 2) && (e = rd_u32(d, r, &s->table)))
                return e;
            if ((e = rd_constexpr(d, r, GB_I32, &s->offset)))
                return e;
        }
        if (flags & 3) { /* an elemkind or reftype byte follows */
            const uint8_t *kat = r->p;
            uint8_t k;
            if ((e = rd_u8(d, r, &k)))
                return e;
            if (exprs) {
                if (!is_reftype(k))
                    return MALFORMED(kat, "element %u: malformed reference "
                                          "type 0x%02x", i, k);
                s->type = k;
            } else if (k != 0x00) {
                return MALFORMED(kat, "element %u: malformed element kind "
                                      "0x%02x", i, k);
            }
        }
        if (s->mode == GB_SEG_ACTIVE) {
            if (s->table >= m->ntables)
                return INVALID(tat, "element %u: unknown table %u", i,
                               s->table);
            if (m->tables[s->table].elem != s->type)
                return INVALID(tat, "element %u: type mismatch: segment of "
                                    "0x%02x for table of 0x%02x", i,
                               s->type, m->tables[s->table].elem);
        }
        if ((e = rd_count(d, r, exprs ? 2 : 1, &cnt)))
            return e;
        s->items = gb_calloc(cnt ? cnt : 1, sizeof *s->items);
        if (!s->items)
            return fail(d, GB_NOMEM, r->p, "out of memory");
        s->count = cnt;
        for (uint32_t k = 0; k < cnt; k++) {
            if (exprs) {
                if ((e = rd_constexpr(d, r, s->type, &s->items[k])))
                    return e;
                continue;
            }
            uint32_t f;
            at = r->p;
            if ((e = rd_u32(d, r, &f)))
                return e;
            if (f >= m->nfuncs)
                return INVALID(at, "element %u: unknown function %u", i, f);
            m->func_declared[f] = 1;
            s->items[k].op = GB_OP_REF_FUNC;
            s->items[k].value = f;
        }
    }
    return GB_OK;
}

static gb_err sec_datacount(dec *d, gb_reader *r)
{
    gb_err e = rd_u32(d, r, &d->datacount);
    if (e)
        return e;
    d->m->has_datacount = true;
    return GB_OK;
}

static gb_err sec_code(dec *d, gb_reader *r)
{
    gb_module *m = d->m;
    const uint8_t *at = r->p;
    uint32_t n;
    gb_err e = rd_count(d, r, 1, &n);
    if (e)
        return e;
    d->has_code_sec = true;
    if (n != m->nfuncs - m->nfunc_imports)
        return MALFORMED(at, "function and code section have inconsistent "
                             "lengths (%u functions, %u bodies)",
                         m->nfuncs - m->nfunc_imports, n);
    for (uint32_t i = 0; i < n; i++) {
        gb_func_def *fd = &m->funcs[i];
        uint32_t fidx = m->nfunc_imports + i, size, ndecl;
        const uint8_t *body;
        at = r->p;
        if ((e = rd_u32(d, r, &size)))
            return e;
        if (!gb_read_bytes(r, size, &body))
            return MALFORMED(at, "function %u: unexpected end (body of %u "
                                 "bytes)", fidx, size);
        gb_reader b = gb_reader_make(body, size);
        /* Pass 1: count the locals, before allocating anything. */
        if ((e = rd_count(d, &b, 2, &ndecl)))
            return e;
        const uint8_t *decls = b.p;
        uint64_t total = 0;
        uint64_t nparams = m->types[fd->type].nparams;
        for (uint32_t k = 0; k < ndecl; k++) {
            uint32_t c;
            uint8_t t;
            at = b.p;
            if ((e = rd_u32(d, &b, &c)))
                return e;
            total += c;
            if (total > UINT32_MAX)
                return MALFORMED(at, "function %u: too many locals", fidx);
            if (nparams + total > m->cfg.max_locals)
                return fail(d, GB_LIMIT, at, "function %u: too many locals "
                            "(%" PRIu64 " with parameters, limit %u)", fidx,
                            nparams + total, m->cfg.max_locals);
            if ((e = rd_valtype(d, &b, &t)))
                return e;
        }
        /* Pass 2: expand them. */
        fd->locals = gb_malloc(total ? total : 1);
        if (!fd->locals)
            return fail(d, GB_NOMEM, decls, "out of memory");
        fd->nlocals = (uint32_t)total;
        gb_reader b2 = gb_reader_make(decls, (size_t)(b.p - decls));
        uint32_t pos = 0;
        for (uint32_t k = 0; k < ndecl; k++) {
            uint32_t c = 0;
            uint8_t t = 0;
            gb_read_u32(&b2, &c);
            gb_read_u8(&b2, &t);
            memset(fd->locals + pos, t, c);
            pos += c;
        }
        if (gb_reader_eof(&b) || b.end[-1] != GB_OP_END)
            return MALFORMED(b.end, "function %u: END opcode expected", fidx);
        fd->expr = b.p;
        fd->expr_len = (uint32_t)gb_reader_left(&b);
        fd->expr_offset = (uint32_t)(b.p - m->bytes);
    }
    return GB_OK;
}

static gb_err sec_data(dec *d, gb_reader *r)
{
    gb_module *m = d->m;
    const uint8_t *at = r->p;
    uint32_t n;
    gb_err e = rd_count(d, r, 2, &n);
    if (e)
        return e;
    if (m->has_datacount && n != d->datacount)
        return MALFORMED(at, "data count and data section have inconsistent "
                             "lengths (%u and %u)", d->datacount, n);
    m->datas = gb_calloc(n ? n : 1, sizeof *m->datas);
    if (!m->datas)
        return fail(d, GB_NOMEM, r->p, "out of memory");
    m->ndatas = n;
    for (uint32_t i = 0; i < n; i++) {
        gb_data_seg *s = &m->datas[i];
        uint32_t flags, len;
        at = r->p;
        if ((e = rd_u32(d, r, &flags)))
            return e;
        if (flags > 2)
            return MALFORMED(at, "data %u: malformed data segment kind %u",
                             i, flags);
        s->mode = flags == 1 ? GB_SEG_PASSIVE : GB_SEG_ACTIVE;
        s->memory = 0;
        if (flags != 1) {
            const uint8_t *mat = r->p;
            if (flags == 2 && (e = rd_u32(d, r, &s->memory)))
                return e;
            if (s->memory >= m->nmems)
                return INVALID(mat, "data %u: unknown memory %u", i,
                               s->memory);
            if ((e = rd_constexpr(d, r, GB_I32, &s->offset)))
                return e;
        }
        at = r->p;
        if ((e = rd_u32(d, r, &len)))
            return e;
        if (!gb_read_bytes(r, len, &s->bytes))
            return MALFORMED(at, "data %u: unexpected end (%u bytes)", i,
                             len);
        s->len = len;
    }
    return GB_OK;
}

static gb_err sec_custom(dec *d, gb_reader *r)
{
    const char *name;
    uint32_t len;
    gb_err e = rd_name(d, r, &name, &len);
    if (e)
        return e;
    r->p = r->end; /* the contents are not interpreted */
    return GB_OK;
}

typedef gb_err (*sec_fn)(dec *d, gb_reader *r);
static const sec_fn sec_fns[13] = {
    sec_custom, sec_type,  sec_import,  sec_function, sec_table,
    sec_memory, sec_global, sec_export, sec_start,    sec_element,
    sec_code,   sec_data,  sec_datacount,
};

/* ---- the module ----------------------------------------------------- */

gb_err gb_decode(gb_module *m, char *detail, size_t detail_len)
{
    dec d0 = { .m = m, .detail = detail, .detail_len = detail_len };
    dec *d = &d0;
    gb_reader r = gb_reader_make(m->bytes, m->len);
    unsigned last_rank = 0;
    uint32_t word;
    gb_err e;

    if (detail && detail_len)
        detail[0] = '\0';
    snprintf(d->what, sizeof d->what, "module header");
    if (m->len > m->cfg.max_module_size)
        return fail(d, GB_LIMIT, NULL, "module of %zu bytes exceeds the "
                    "limit of %u", m->len, m->cfg.max_module_size);
    if (!gb_read_u32_fixed(&r, &word) || word != 0x6D736100)
        return MALFORMED(m->bytes, "magic header not detected");
    if (!gb_read_u32_fixed(&r, &word))
        return MALFORMED(r.p, "unexpected end");
    if (word != 1)
        return MALFORMED(r.p - 4, "unknown binary version 0x%x", word);

    while (!gb_reader_eof(&r)) {
        const uint8_t *start = r.p;
        uint8_t id;
        uint32_t size;
        const uint8_t *body;

        gb_read_u8(&r, &id);
        if (id > SEC_DATACOUNT) {
            snprintf(d->what, sizeof d->what, "section %u", id);
            return MALFORMED(start, "malformed section id");
        }
        snprintf(d->what, sizeof d->what, "section %u (%s)", id,
                 sec_name[id]);
        if ((e = rd_u32(d, &r, &size)))
            return e;
        if (!gb_read_bytes(&r, size, &body))
            return MALFORMED(start, "unexpected end: section size %u, %zu "
                                    "bytes left", size, gb_reader_left(&r));
        if (id != SEC_CUSTOM) {
            unsigned rank = sec_rank[id];
            if (rank <= last_rank)
                return MALFORMED(start, rank == last_rank ?
                                 "duplicate section" :
                                 "unexpected content after last section "
                                 "(section out of order)");
            last_rank = rank;
            if ((e = complete_spaces(d, rank, start)))
                return e;
        }
        m->section_bytes[id] += size;
        gb_reader s = gb_reader_make(body, size);
        if ((e = sec_fns[id](d, &s)))
            return e;
        if (s.p != s.end)
            return MALFORMED(s.p, "section size mismatch");
    }

    snprintf(d->what, sizeof d->what, "module end");
    if ((e = complete_spaces(d, 99, r.p)))
        return e;
    if (!d->has_code_sec && m->nfuncs != m->nfunc_imports)
        return MALFORMED(r.p, "function and code section have inconsistent "
                              "lengths (%u functions, no code section)",
                         m->nfuncs - m->nfunc_imports);
    if (m->has_datacount && m->ndatas != d->datacount && !m->datas)
        return MALFORMED(r.p, "data count and data section have "
                              "inconsistent lengths (%u and no data "
                              "section)", d->datacount);
    return GB_OK;
}

void gb_decode_free(gb_module *m)
{
    if (m->types)
        for (uint32_t i = 0; i < m->ntypes; i++)
            free((void *)m->types[i].params);
    free(m->types);
    m->types = NULL;
    free(m->imports);
    m->imports = NULL;
    free(m->func_type);
    m->func_type = NULL;
    if (m->funcs)
        for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++)
            free(m->funcs[i].locals);
    free(m->funcs);
    m->funcs = NULL;
    free(m->func_declared);
    m->func_declared = NULL;
    free(m->tables);
    m->tables = NULL;
    free(m->mems);
    m->mems = NULL;
    free(m->globals);
    m->globals = NULL;
    free(m->global_init);
    m->global_init = NULL;
    free(m->exports);
    m->exports = NULL;
    if (m->elems)
        for (uint32_t i = 0; i < m->nelems; i++)
            free(m->elems[i].items);
    free(m->elems);
    m->elems = NULL;
    free(m->datas);
    m->datas = NULL;
}
