/*
 * Read-only views of a decoded module (include/gearbox/wasm_inspect.h).
 *
 * Most of this is copying fields of struct gb_module (module.h) into the
 * public descriptors.  The one piece of real work is gb_module_features,
 * which walks every function body once to find instructions of post-1.0
 * features and float instructions.  The bodies have been validated by the
 * compiler when the module loaded, so the walk only needs to know each
 * opcode's immediates; a malformed read (which cannot happen for a loaded
 * module) ends the walk of that body.
 */
#include "gearbox/wasm_inspect.h"

#include <string.h>

#include "wasm/module.h"
#include "wasm/opcodes.h"
#include "wasm/reader.h"

/* ---- types, functions ------------------------------------------------- */

uint32_t gb_module_type_count(const gb_module *m) { return m->ntypes; }

const gb_functype *gb_module_type(const gb_module *m, uint32_t typeidx)
{
    return typeidx < m->ntypes ? &m->types[typeidx] : NULL;
}

uint32_t gb_module_func_count(const gb_module *m) { return m->nfuncs; }

uint32_t gb_module_func_import_count(const gb_module *m)
{
    return m->nfunc_imports;
}

/* ---- globals ------------------------------------------------------------ */

uint32_t gb_module_global_count(const gb_module *m) { return m->nglobals; }

bool gb_module_global(const gb_module *m, uint32_t g, gb_global_desc *out)
{
    if (g >= m->nglobals)
        return false;
    *out = (gb_global_desc){.type = m->globals[g]};
    if (g < m->nglobal_imports) {
        out->imported = true;
        return true;
    }
    const gb_constexpr *init = &m->global_init[g - m->nglobal_imports];
    out->init_op = init->op;
    out->init_value = init->value;
    if (init->op == GB_OP_I32_CONST) {
        out->init_is_i32_const = true;
        out->init_i32 = (int32_t)(uint32_t)init->value;
    }
    return true;
}

/* ---- memories, data --------------------------------------------------- */

uint32_t gb_module_memory_count(const gb_module *m) { return m->nmems; }

bool gb_module_memory(const gb_module *m, uint32_t i, gb_limits *out,
                      bool *out_imported)
{
    if (i >= m->nmems)
        return false;
    *out = m->mems[i];
    if (out_imported)
        *out_imported = i < m->nmem_imports;
    return true;
}

uint32_t gb_module_data_count(const gb_module *m) { return m->ndatas; }

bool gb_module_data(const gb_module *m, uint32_t i, gb_data_desc *out)
{
    if (i >= m->ndatas)
        return false;
    const gb_data_seg *d = &m->datas[i];
    *out = (gb_data_desc){
        .active = d->mode == GB_SEG_ACTIVE,
        .memory = d->memory,
        .bytes = d->len ? d->bytes : NULL,
        .len = d->len,
    };
    if (out->active && d->offset.op == GB_OP_I32_CONST) {
        out->offset_is_const = true;
        out->offset = (uint32_t)d->offset.value;
    }
    return true;
}

/* ---- the rest ------------------------------------------------------------ */

bool gb_module_has_start(const gb_module *m, uint32_t *out_funcidx)
{
    if (m->has_start && out_funcidx)
        *out_funcidx = m->start;
    return m->has_start;
}

uint32_t gb_module_table_count(const gb_module *m) { return m->ntables; }
uint32_t gb_module_elem_count(const gb_module *m) { return m->nelems; }

/* ---- features ------------------------------------------------------------ */

static bool is_float(uint8_t t) { return t == GB_F32 || t == GB_F64; }
static bool is_ref(uint8_t t) { return t == GB_FUNCREF || t == GB_EXTERNREF; }

static uint32_t valtype_features(uint8_t t)
{
    return is_float(t) ? GB_FEATURE_FLOATS
                       : is_ref(t) ? GB_FEATURE_REF_TYPES : 0;
}

/* The features used by one function body's instructions: each opcode's
 * own (opcodes.h, gb_op_info), and those its immediates name (a block
 * type, select's types, call_indirect's table). */
static uint32_t body_features(const gb_module *m, const gb_func_def *def)
{
    uint32_t f = 0;
    gb_reader r = gb_reader_make(def->expr, def->expr_len);
    uint8_t b, t;
    uint32_t x, n;
    int32_t i32;
    int64_t i64;
    const uint8_t *skip;
#define NEED(ok)                                                             \
    do {                                                                     \
        if (!(ok))                                                           \
            return f;                                                        \
    } while (0)
    while (gb_read_u8(&r, &b)) {
        const gb_opinfo *op = gb_op_info(b);
        if (op->imm == GB_IMM_SUBOP) {
            NEED(gb_read_u32(&r, &n));
            op = gb_op_fc_info(n);
        }
        f |= op->features;
        switch ((gb_imm)op->imm) {
        case GB_IMM_BLOCKTYPE:
            NEED(gb_reader_left(&r) > 0);
            t = *r.p;
            if (t == 0x40) { /* empty */
                r.p++;
            } else if (valtype_features(t) || t == GB_I32 || t == GB_I64 ||
                       t == GB_V128) {
                r.p++;
                f |= valtype_features(t);
            } else {
                NEED(gb_read_s33(&r, &i64));
                f |= GB_FEATURE_MULTI_VALUE;
                if (i64 >= 0 && (uint64_t)i64 < m->ntypes) {
                    const gb_functype *ft = &m->types[i64];
                    for (uint32_t k = 0; k < ft->nparams; k++)
                        f |= valtype_features(ft->params[k]);
                    for (uint32_t k = 0; k < ft->nresults; k++)
                        f |= valtype_features(ft->results[k]);
                }
            }
            break;
        case GB_IMM_LABEL:
        case GB_IMM_FUNC:
        case GB_IMM_LOCAL:
        case GB_IMM_GLOBAL:
        case GB_IMM_TABLE:
        case GB_IMM_ELEM:
        case GB_IMM_DATA:
            NEED(gb_read_u32(&r, &x));
            break;
        case GB_IMM_LABELS:
            NEED(gb_read_u32(&r, &n));
            for (uint64_t k = 0; k <= n; k++)
                NEED(gb_read_u32(&r, &x));
            break;
        case GB_IMM_TYPE_TABLE:
            NEED(gb_read_u32(&r, &x) && gb_read_u32(&r, &n));
            if (n != 0)
                f |= GB_FEATURE_REF_TYPES;
            break;
        case GB_IMM_TYPES:
            NEED(gb_read_u32(&r, &n));
            for (uint32_t k = 0; k < n; k++) {
                NEED(gb_read_u8(&r, &t));
                f |= valtype_features(t);
            }
            break;
        case GB_IMM_TABLE2:
        case GB_IMM_ELEM_TABLE:
        case GB_IMM_MEMARG:
            NEED(gb_read_u32(&r, &x) && gb_read_u32(&r, &n));
            break;
        case GB_IMM_DATA_MEM:
            NEED(gb_read_u32(&r, &x) && gb_read_u8(&r, &t));
            break;
        case GB_IMM_MEM:
        case GB_IMM_REFTYPE:
            NEED(gb_read_u8(&r, &t));
            break;
        case GB_IMM_MEM2:
            NEED(gb_read_u8(&r, &t) && gb_read_u8(&r, &t));
            break;
        case GB_IMM_I32:
            NEED(gb_read_s32(&r, &i32));
            break;
        case GB_IMM_I64:
            NEED(gb_read_s64(&r, &i64));
            break;
        case GB_IMM_F32:
            NEED(gb_read_bytes(&r, 4, &skip));
            break;
        case GB_IMM_F64:
            NEED(gb_read_bytes(&r, 8, &skip));
            break;
        case GB_IMM_NONE:
        case GB_IMM_SUBOP: /* (replaced by the sub-opcode's row above) */
            break;
        }
    }
#undef NEED
    return f;
}

uint32_t gb_module_features(const gb_module *m)
{
    uint32_t f = m->uses_floats ? GB_FEATURE_FLOATS : 0;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        const gb_functype *ft = &m->types[i];
        if (ft->nresults > 1)
            f |= GB_FEATURE_MULTI_VALUE;
        for (uint32_t k = 0; k < ft->nparams; k++)
            f |= valtype_features(ft->params[k]);
        for (uint32_t k = 0; k < ft->nresults; k++)
            f |= valtype_features(ft->results[k]);
    }
    for (uint32_t i = 0; i < m->nglobals; i++)
        f |= valtype_features(m->globals[i].type);
    if (m->ntables > 1)
        f |= GB_FEATURE_REF_TYPES;
    for (uint32_t i = 0; i < m->ntables; i++)
        if (m->tables[i].elem != GB_FUNCREF)
            f |= GB_FEATURE_REF_TYPES;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const gb_elem_seg *e = &m->elems[i];
        if (e->mode != GB_SEG_ACTIVE)
            f |= GB_FEATURE_BULK_MEMORY;
        if (e->type != GB_FUNCREF || (e->mode == GB_SEG_ACTIVE && e->table))
            f |= GB_FEATURE_REF_TYPES;
        for (uint32_t k = 0; k < e->count; k++)
            if (e->items[k].op != GB_OP_REF_FUNC) /* ref.null, global.get items */
                f |= GB_FEATURE_REF_TYPES;
    }
    if (m->has_datacount)
        f |= GB_FEATURE_BULK_MEMORY;
    for (uint32_t i = 0; i < m->ndatas; i++)
        if (m->datas[i].mode != GB_SEG_ACTIVE)
            f |= GB_FEATURE_BULK_MEMORY;
    uint32_t ndefs = m->nfuncs - m->nfunc_imports;
    for (uint32_t i = 0; i < ndefs; i++) {
        const gb_func_def *def = &m->funcs[i];
        for (uint32_t k = 0; k < def->nlocals; k++)
            f |= valtype_features(def->locals[k]);
        f |= body_features(m, def);
    }
    return f;
}

uint64_t gb_module_section_size(const gb_module *m, uint8_t id)
{
    return id < sizeof m->section_bytes / sizeof m->section_bytes[0]
               ? m->section_bytes[id]
               : 0;
}

/* The name section's function names: a custom section (id 0) named
 * "name", whose subsections are id, size, payload; subsection 1 is a
 * vector of (funcidx, name). */
uint32_t gb_module_func_names(const gb_module *m, gb_func_name_fn fn,
                              void *user)
{
    uint32_t count = 0;
    if (m->len < 8)
        return 0;
    gb_reader r = gb_reader_make(m->bytes + 8, m->len - 8);
    uint8_t sid;
    uint32_t size, n;
    const uint8_t *payload, *name;
    while (gb_read_u8(&r, &sid) && gb_read_u32(&r, &size) &&
           gb_read_bytes(&r, size, &payload)) {
        if (sid != 0)
            continue;
        gb_reader c = gb_reader_make(payload, size);
        if (!gb_read_u32(&c, &n) || !gb_read_bytes(&c, n, &name) ||
            n != 4 || memcmp(name, "name", 4))
            continue;
        uint8_t sub;
        uint32_t sub_size;
        const uint8_t *sub_payload;
        while (gb_read_u8(&c, &sub) && gb_read_u32(&c, &sub_size) &&
               gb_read_bytes(&c, sub_size, &sub_payload)) {
            if (sub != 1)
                continue;
            gb_reader f = gb_reader_make(sub_payload, sub_size);
            uint32_t nnames, idx, len;
            if (!gb_read_u32(&f, &nnames))
                break;
            for (uint32_t i = 0; i < nnames; i++) {
                if (!gb_read_u32(&f, &idx) || !gb_read_u32(&f, &len) ||
                    !gb_read_bytes(&f, len, &name))
                    break;
                fn(user, idx, (const char *)name, len);
                count++;
            }
        }
    }
    return count;
}
