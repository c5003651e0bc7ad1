/*
 * gearbox — looking inside a loaded module.
 *
 * gearbox/wasm.h gives what instantiating a module needs (imports,
 * exports, function types).  An embedder that judges modules before
 * accepting them — the Gear layer's code check is the first — needs a
 * little more: the globals and their initial values, the data segments,
 * the type section, the start function, and which WebAssembly features the
 * module uses beyond the 1.0 core.  This header gives that, read-only.
 *
 * Everything here is borrowed from the module: pointers and strings stay
 * valid until gb_module_free(m) and must not be freed or written.  Every
 * function is a constant-time read of the decoded module, except
 * gb_module_features, which scans it once per call.
 * Indices out of range are reported (false / NULL / 0), never undefined.
 */
#ifndef GB_WASM_INSPECT_H
#define GB_WASM_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gearbox/wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- types ------------------------------------------------------------ */

/* Number of entries in the type section. */
uint32_t gb_module_type_count(const gb_module *m);
/* Type typeidx, or NULL when typeidx >= gb_module_type_count(m). */
const gb_functype *gb_module_type(const gb_module *m, uint32_t typeidx);

/* Functions: all of them (imports first) and how many are imported. */
uint32_t gb_module_func_count(const gb_module *m);
uint32_t gb_module_func_import_count(const gb_module *m);

/* ---- globals ---------------------------------------------------------- */

typedef struct gb_global_desc {
    gb_globaltype type;  /* value type and mutability */
    bool imported;       /* an import (no initialiser in this module) */
    bool init_is_i32_const; /* defined, initialiser is a single i32.const */
    int32_t init_i32;    /* that constant when init_is_i32_const, else 0 */
    uint8_t init_op;     /* defined: the initialiser's opcode (0x41 i32.const,
                            0x42 i64.const, 0x43 f32.const, 0x44 f64.const,
                            0x23 global.get, 0xD0 ref.null, 0xD2 ref.func);
                            0 for an import */
    uint64_t init_value; /* defined: its immediate (constant bits, global or
                            function index, or reference type) */
} gb_global_desc;

/* Number of globals, imports first. */
uint32_t gb_module_global_count(const gb_module *m);
/* Global globalidx (in the global index space, as gb_export_desc.index for
 * an exported global).  false when out of range (out untouched). */
bool gb_module_global(const gb_module *m, uint32_t globalidx,
                      gb_global_desc *out);

/* ---- memories ----------------------------------------------------------- */

/* Number of memories (imported + defined; 0 or 1 in practice). */
uint32_t gb_module_memory_count(const gb_module *m);
/* Memory memidx: its limits (in 64 KiB pages) and whether it is imported.
 * false when out of range.  out_imported may be NULL. */
bool gb_module_memory(const gb_module *m, uint32_t memidx, gb_limits *out,
                      bool *out_imported);

/* ---- data segments -------------------------------------------------------- */

typedef struct gb_data_desc {
    bool active;          /* false: passive (bulk memory) */
    uint32_t memory;      /* active: memory index */
    bool offset_is_const; /* active: offset is an i32.const (not global.get) */
    uint32_t offset;      /* the constant, as unsigned, when offset_is_const */
    const uint8_t *bytes; /* len bytes, borrowed from m; NULL when len 0 */
    uint32_t len;
} gb_data_desc;

uint32_t gb_module_data_count(const gb_module *m);
/* Segment i, in section order.  false when out of range. */
bool gb_module_data(const gb_module *m, uint32_t i, gb_data_desc *out);

/* ---- the rest ------------------------------------------------------------ */

/* Whether the module has a start section (and which function it names). */
bool gb_module_has_start(const gb_module *m, uint32_t *out_funcidx);

uint32_t gb_module_table_count(const gb_module *m); /* imported + defined */
uint32_t gb_module_elem_count(const gb_module *m);

/*
 * Features beyond WebAssembly 1.0 (plus floats, which are 1.0 but which
 * some embedders forbid) that the module uses, as a bit set.  Sign
 * extension (0xC0..0xC4) and mutable globals are not reported.
 *
 *   FLOATS     an f32/f64 anywhere: a function type, a global, a local, a
 *              block type, a select type, or an instruction that takes,
 *              makes or stores a float (including the saturating
 *              float-to-int conversions 0xFC 0..7)
 *   MULTI_VALUE a function type with more than one result, or a block
 *              with a type-index block type
 *   BULK_MEMORY passive or declarative segments, a data count section,
 *              memory.init/copy/fill, data.drop, table.init/copy, elem.drop
 *   REF_TYPES  funcref/externref values (types, globals, locals, select t,
 *              ref.*), table.get/set/grow/size/fill, more than one table,
 *              call_indirect on a table other than 0, element segments of
 *              externref or with expression items
 *
 * The body scan reads instructions the engine has already validated.
 */
enum {
    GB_FEATURE_FLOATS = 1u << 0,
    GB_FEATURE_MULTI_VALUE = 1u << 1,
    GB_FEATURE_BULK_MEMORY = 1u << 2,
    GB_FEATURE_REF_TYPES = 1u << 3,
};
uint32_t gb_module_features(const gb_module *m);

/* The total payload size in bytes of the module's sections with this id
 * (1 = type, 10 = code, 11 = data, 0 = all custom sections, ...), 0 when
 * there is none.  Read from the module's copy of the binary. */
uint64_t gb_module_section_size(const gb_module *m, uint8_t id);

/* The function names of the module's "name" custom section (subsection
 * 1), where it has one: fn(user, funcidx, name, len) for each entry, in
 * the section's order (name: len bytes borrowed from m, not
 * NUL-terminated, not checked to be UTF-8).  A malformed name section
 * ends the walk there (names are a debugging aid, not validated at load).
 * Returns how many names fn was given. */
typedef void (*gb_func_name_fn)(void *user, uint32_t funcidx,
                                const char *name, uint32_t len);
uint32_t gb_module_func_names(const gb_module *m, gb_func_name_fn fn,
                              void *user);

#ifdef __cplusplus
}
#endif
#endif
