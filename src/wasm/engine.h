/*
 * Engine internals shared by the compiler (compile.c), the interpreter
 * (interp.c) and the runtime (runtime.c).  Never included outside
 * src/wasm/.
 *
 * The internal code form (cells, the IR instructions) is in ir.h; see
 * interp.c for the loop and compile.c for how the stack machine maps onto
 * slots.
 */
#ifndef GB_WASM_ENGINE_H
#define GB_WASM_ENGINE_H

#include <stdio.h>

#include "wasm/ir.h"
#include "wasm/module.h"

/* A compiled function. */
struct gb_code {
    gb_cell *cells;
    uint32_t ncells;
    uint32_t funcidx;
    uint32_t nparams, nresults;
    uint32_t nlocals;     /* declared locals, zeroed on entry */
    uint32_t frame_slots; /* params + locals + max operand height */
};

/* ---- runtime objects ---------------------------------------------- */

struct gb_func {
    const gb_functype *type;
    uint32_t sig;         /* interned type id in the store */
    gb_instance *inst;    /* NULL for host functions */
    const gb_code *code;  /* wasm functions */
    gb_host_fn host;
    void *user;
    gb_functype own_type; /* host functions: a copy of the type */
    gb_func *next;
};

struct gb_memory {
    uint8_t *data;    /* reserved for max pages up front; never moves */
    uint64_t size;    /* bytes */
    uint32_t pages, max;
    bool has_max;
    size_t reserved;  /* bytes of max pages (the marks cover them) */
    size_t mapped;    /* bytes of address space reserved at data: reserved,
                         or gb_jit_guard_span when guarded */
    bool guarded;     /* mapped covers every address a compiled access can
                         form (the compiled tier's guard pages) */
    bool keep;        /* GB_MEM_KEEP: survives gb_store_reset */
    uint8_t *dirty;   /* a byte per 2^GB_DIRTY_SHIFT granule of reserved */
    uint8_t *read;    /* the same, set by the program's loads */
    uint32_t rw_pages;/* [0, rw_pages) known readable and writable */
    gb_memory *next;
};

struct gb_table {
    gb_tabletype type;
    gb_val *elems;
    uint32_t size, max; /* max: effective (type and config) */
    gb_table *next;
};

struct gb_global {
    gb_globaltype type;
    gb_val val;
    gb_global *next;
};

struct gb_instance {
    const gb_module *mod;
    gb_store *store;
    gb_func **funcs;     /* nfuncs */
    gb_table **tables;   /* ntables */
    gb_memory *mem;      /* NULL when the module has no memory */
    const gb_gas_schedule *gs; /* NULL when metering is off */
    gb_global **globals; /* nglobals */
    gb_val **gvals;      /* &globals[i]->val, for the interpreter */
    uint32_t *sigs;      /* interned id of each module type */
    gb_val **elem_vals;  /* evaluated element segments */
    uint32_t *elem_len;  /* 0 once dropped */
    uint8_t *data_dropped;
    uint32_t flags;      /* gb_instantiate_ex's; with GB_INST_REUSE the
                            instance holds a reference to mod
                            (gb_module_retain) and may outlive a reset as
                            the store's spare */
    gb_instance *next;
};

typedef struct gb_frame {
    gb_cell *pc;
    uint64_t *fp;
    gb_instance *inst;
    gb_cell *ret;      /* with a profiler: the return pc (pc is the
                          interpreter's trampoline, see interp.c) */
} gb_frame;

struct gb_host_ctx {
    gb_store *store;
    gb_instance *inst;
};

struct gb_store {
    gb_wasm_config cfg;
    uint64_t *stack;       /* cfg.max_stack_slots cells */
    gb_frame *frames;      /* cfg.max_call_depth */
    int64_t gas_left;
    int64_t gas_start;     /* gas_left when the limit was set */
    uint64_t gas_limit;
    /* a deadline (gb_store_set_deadline): the gas beyond gas_left held
     * back, handed out slice at a time by gb_store_refill */
    int64_t gas_reserve;
    int64_t gas_slice;
    uint64_t deadline_ns;
    bool interrupted;
    bool running;
    bool freeing;          /* gb_store_free: reset frees kept memories too */
    char trap_msg[256];
    gb_functype *sigs;     /* interned function types */
    uint32_t nsigs, capsigs;
    uint32_t *sig_hint;    /* cap_hint entries: the interned id module
                              type i had in the last instantiation, tried
                              first in the next (compared in full) */
    uint32_t cap_hint;
    gb_func *funcs;
    gb_memory *mems;
    gb_table *tables;
    gb_global *globals;
    gb_instance *instances;
    gb_instance *spare;    /* GB_INST_REUSE: the instance the last reset
                              kept, handed back to the next instantiation
                              of its module with the same imports */
    gb_prof_fn prof;       /* gb_store_set_profiler: NULL when off */
    void *prof_user;
};

/* compile.c: validate and compile every function body of m into m->code;
 * each instruction's handler address is taken from the interpreter's table
 * (gb_interp_handlers(), fetched by the compiler itself).  On failure
 * (GB_INVALID, GB_MALFORMED, GB_LIMIT, GB_NOMEM) a message goes into
 * detail[0, detail_len) when detail is not NULL. */
gb_err gb_compile_module(gb_module *m, char *detail, size_t detail_len);
void gb_code_free(gb_code *c);

/* runtime.c: the interpreter's slow path when gas (its local counter)
 * is below need (gas may be negative: a block's cost already taken).
 * Hands out held-back gas (a deadline is set) unless the deadline has
 * passed.  Returns the new counter, >= need, or -1 when the gas is truly
 * gone or the deadline passed (s->interrupted). */
int64_t gb_store_refill(gb_store *s, int64_t gas, uint64_t need);

/* interp.c */
const void *const *gb_interp_handlers(void);
/* Emit a profiler event (s->prof set; gas: the interpreter's counter). */
void gb_prof_emit(gb_store *s, const gb_instance *inst, gb_prof_kind kind,
                  uint32_t func, int64_t gas, const gb_val *vals, gb_err err);
/* Run wasm function f; its args are at s->stack[0..], results land there. */
gb_err gb_interp_call(gb_store *s, gb_func *f);

/* runtime.c */
uint32_t gb_store_intern(gb_store *s, const gb_functype *t, gb_err *err);
gb_err gb_trapf(gb_store *s, gb_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Table and memory operations shared by the interpreter and instantiation;
 * each returns GB_OK or the trap. */
gb_err gb_table_grow_(gb_table *t, uint32_t delta, gb_val init,
                      uint32_t *out_old);
gb_err gb_memory_grow_(gb_memory *m, uint32_t delta, uint32_t *out_old);

#endif
