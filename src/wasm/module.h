/*
 * The decoded module: what src/wasm/decode.c produces from the binary and
 * src/wasm/compile.c turns into executable code.  Internal to src/wasm/.
 *
 * Index spaces (functions, tables, memories, globals) hold the imports
 * first, then the definitions, as in the spec.  All arrays are owned by the
 * module and freed by gb_module_free.  Byte ranges (names, function bodies,
 * data bytes) point into m->bytes, the module's own copy of the binary.
 */
#ifndef GB_WASM_MODULE_H
#define GB_WASM_MODULE_H

#include <stdatomic.h>

#include "gearbox/wasm.h"

/* A constant expression (WebAssembly 2.0 allows exactly one instruction
 * before `end`). */
typedef struct gb_constexpr {
    uint8_t op;     /* 0x41 i32.const, 0x42 i64.const, 0x43 f32.const,
                       0x44 f64.const, 0x23 global.get, 0xD0 ref.null,
                       0xD2 ref.func */
    uint64_t value; /* const bits; global or function index; for ref.null
                       the reference type code */
} gb_constexpr;

typedef struct gb_import {
    const char *module, *name; /* into m->bytes, not NUL-terminated */
    uint32_t module_len, name_len;
    gb_externkind kind;
    uint32_t func_type;        /* FUNC: type index */
    gb_tabletype table;        /* TABLE */
    gb_limits memory;          /* MEMORY */
    gb_globaltype global;      /* GLOBAL */
} gb_import;

typedef struct gb_export {
    const char *name;
    uint32_t name_len;
    gb_externkind kind;
    uint32_t index;
} gb_export;

enum { GB_SEG_PASSIVE = 0, GB_SEG_ACTIVE = 1, GB_SEG_DECLARATIVE = 2 };

typedef struct gb_elem_seg {
    uint8_t mode;        /* GB_SEG_* */
    uint8_t type;        /* GB_FUNCREF or GB_EXTERNREF */
    uint32_t table;      /* ACTIVE: table index */
    gb_constexpr offset; /* ACTIVE: i32 offset */
    uint32_t count;
    gb_constexpr *items; /* count of them: ref.func i, ref.null t, or
                            global.get g */
} gb_elem_seg;

typedef struct gb_data_seg {
    uint8_t mode;        /* GB_SEG_PASSIVE or GB_SEG_ACTIVE */
    uint32_t memory;     /* ACTIVE: memory index */
    gb_constexpr offset; /* ACTIVE: i32 offset */
    const uint8_t *bytes;/* into m->bytes */
    uint32_t len;
} gb_data_seg;

typedef struct gb_code gb_code; /* compiled function, see compile.h */

typedef struct gb_func_def {
    uint32_t type;         /* type index */
    uint32_t nlocals;      /* declared locals, params excluded */
    uint8_t *locals;       /* nlocals value types, expanded; owned */
    const uint8_t *expr;   /* the body's instructions, ending in 0x0B */
    uint32_t expr_len;
    uint32_t expr_offset;  /* offset of expr in the binary, for messages */
} gb_func_def;

struct gb_module {
    gb_wasm_config cfg;    /* the configuration it was loaded with */
    uint8_t *bytes;        /* owned copy of the binary */
    size_t len;

    gb_functype *types;    /* params/results arrays owned (one block each) */
    uint32_t ntypes;

    gb_import *imports;
    uint32_t nimports;

    /* function index space: imports then definitions */
    uint32_t nfuncs, nfunc_imports;
    uint32_t *func_type;   /* nfuncs: type index of each function */
    gb_func_def *funcs;    /* nfuncs - nfunc_imports definitions */

    uint32_t ntables, ntable_imports;
    gb_tabletype *tables;  /* ntables, imports first */

    uint32_t nmems, nmem_imports;
    gb_limits *mems;       /* nmems (0 or 1), imports first */

    uint32_t nglobals, nglobal_imports;
    gb_globaltype *globals;    /* nglobals, imports first */
    gb_constexpr *global_init; /* nglobals - nglobal_imports */

    gb_export *exports;
    uint32_t nexports;

    bool has_start;
    uint32_t start;

    gb_elem_seg *elems;
    uint32_t nelems;

    gb_data_seg *datas;
    uint32_t ndatas;
    bool has_datacount;    /* a data count section was present */
    uint64_t section_bytes[13]; /* payload bytes per section id (0 =
                                   custom ... 12 = data count), summed
                                   while decoding: Gear's precharge reads
                                   them for every message */

    /* C.refs of the spec: functions that ref.func may name in code (those
     * named in element segments, exports, and global initialisers outside
     * function bodies). nfuncs flags, 1 = declared. */
    uint8_t *func_declared;

    gb_code **code;        /* nfuncs - nfunc_imports, set by the compiler */
    struct gb_jit *jit;    /* the compiled tier's machine code (jit.h), NULL
                              when the module runs in the interpreter */
    bool uses_floats;      /* set by the compiler: a body has a float
                              instruction or local (Gear rejects those) */
    bool changes_tables;   /* set by the compiler: a body has table.set,
                              table.grow, .fill, .copy, .init or elem.drop */
    bool drops_data;       /* set by the compiler: a body has data.drop */
    bool tables_fixed;     /* set at load (runtime.c, tables_fixed): the
                              tables and element segments hold what
                              instantiation made them until the instance
                              goes, so a reused one keeps them as they are */
    _Atomic uint32_t refs; /* owners: 1 at load, + gb_module_retain; the
                              only field that changes after load */
};

/*
 * Decode the binary (already copied into m->bytes/m->len, m->cfg set) into
 * the fields above and validate everything outside function bodies: section
 * order and sizes, LEB128 encodings, UTF-8 names, index bounds, limits,
 * constant expressions and their types, unique export names, the start
 * function's type, the data count.  Function bodies are checked for
 * framing only (locals declarations, ending in 0x0B); compile.c validates
 * their instructions.
 * Returns GB_OK, GB_MALFORMED, GB_INVALID, GB_LIMIT or GB_NOMEM with a
 * message in detail ("section 3 at offset 0x1f: ...").
 */
gb_err gb_decode(gb_module *m, char *detail, size_t detail_len);

/* Free what gb_decode allocated (not m itself, not m->bytes, not code). */
void gb_decode_free(gb_module *m);

#endif
