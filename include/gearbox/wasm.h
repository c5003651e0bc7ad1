/*
 * gearbox — the WebAssembly engine (public API).
 *
 * A deterministic, gas-metered interpreter for WebAssembly 2.0 (SIMD
 * excepted).  The life of a module:
 *
 *   gb_module_load()      decode, validate and compile once (thread-safe,
 *                         the result is immutable and may be shared);
 *   gb_store_new()        a world of runtime objects for one thread: the
 *                         instances, memories, tables, globals and host
 *                         functions made in it, plus the execution stacks
 *                         and the gas counter;
 *   gb_instantiate()      link a module against imports in a store;
 *   gb_func_call()        run a function; a trap is a returned gb_err.
 *
 * Ownership: a gb_module is owned by the caller of gb_module_load and must
 * outlive every instance made from it.  Everything created in a store
 * (instances, memories, tables, globals, host functions) is owned by the
 * store and freed by gb_store_free; pointers to them stay valid until then.
 *
 * Values cross the API as gb_val, a 64-bit cell: i32 in the low 32 bits
 * (upper bits ignored on input, zero on output), i64 as is, f32/f64 as their
 * IEEE-754 bit patterns (f32 in the low 32 bits), references as an opaque
 * cell where 0 is null.  An externref made by the embedder is any nonzero
 * value it chooses; a funcref is a gb_func pointer cast to gb_val.
 *
 * Determinism: nothing in a run depends on the host.  NaN results of float
 * arithmetic are canonical (0x7fc00000 / 0x7ff8000000000000), memory is
 * bounds-checked explicitly, and gas is charged per basic block before the
 * block runs from the schedule in the configuration, so running out of gas
 * traps at the same point on every machine.
 */
#ifndef GB_WASM_H
#define GB_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gearbox/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Value types, with their binary-format codes. */
typedef enum gb_valtype {
    GB_I32 = 0x7F,
    GB_I64 = 0x7E,
    GB_F32 = 0x7D,
    GB_F64 = 0x7C,
    GB_V128 = 0x7B, /* decoded so it can be rejected; never executed */
    GB_FUNCREF = 0x70,
    GB_EXTERNREF = 0x6F,
} gb_valtype;

typedef uint64_t gb_val;

/* Kinds of imports and exports, with their binary-format codes. */
typedef enum gb_externkind {
    GB_EXTERN_FUNC = 0,
    GB_EXTERN_TABLE = 1,
    GB_EXTERN_MEMORY = 2,
    GB_EXTERN_GLOBAL = 3,
} gb_externkind;

typedef struct gb_functype {
    uint32_t nparams, nresults;
    const uint8_t *params;  /* gb_valtype codes, nparams of them */
    const uint8_t *results; /* nresults of them */
} gb_functype;

typedef struct gb_limits {
    uint32_t min;
    uint32_t max;
    bool has_max;
} gb_limits;

typedef struct gb_tabletype {
    uint8_t elem; /* GB_FUNCREF or GB_EXTERNREF */
    gb_limits limits;
} gb_tabletype;

typedef struct gb_globaltype {
    uint8_t type;
    bool mut;
} gb_globaltype;

/*
 * The cost schedule: what each instruction costs, in gas units.  One table,
 * one place (src/wasm/gas_schedule.c); gb_gas_schedule_default() returns it.
 * Costs are summed per basic block and charged before the block runs.
 */
typedef struct gb_gas_schedule {
    uint32_t op[256];       /* one-byte opcodes */
    uint32_t op_fc[32];     /* 0xFC-prefixed opcodes (saturating, bulk) */
    uint32_t call;          /* extra, per call or call_indirect */
    uint32_t per_local;     /* per declared local, on function entry */
    uint32_t bulk_per_byte; /* memory.copy/fill/init, per byte */
    uint32_t table_per_elem;/* table.copy/fill/init/grow, per element */
    uint32_t grow_per_page; /* memory.grow, per 64 KiB page */
    /* Gear's instrumentation (protocol/wasm-instrument): metered blocks are
     * Gear's (compile.c), and each one with a nonzero cost T is charged
     * T + block * ceil(T / 0xFFFFFFFF) (the gas_charge calls it makes). */
    uint64_t block;              /* per gas_charge call */
    uint32_t call_defined;       /* extra per call of a defined function
                                    (the stack limiter's code around it) */
    uint32_t br_table_per_target;/* per br_table target, the default not
                                    counted */
    uint32_t call_indirect_per_param;
} gb_gas_schedule;

const gb_gas_schedule *gb_gas_schedule_default(void);

/*
 * Limits and options.  Start from gb_wasm_config_default() and change what
 * you need; every limit, when hit, is a coded error or trap, never a crash.
 */
typedef struct gb_wasm_config {
    bool metering;               /* charge gas (default true) */
    const gb_gas_schedule *schedule; /* NULL = the default schedule */
    uint32_t max_module_size;    /* bytes (GB_LIMIT at load) */
    uint32_t max_functions;      /* defined + imported */
    uint32_t max_locals;         /* params + locals, per function */
    uint32_t max_memory_pages;   /* 64 KiB pages; growth beyond fails */
    uint32_t max_table_size;     /* elements; growth beyond fails */
    uint32_t max_call_depth;     /* frames (GB_TRAP_STACK_EXHAUSTED) */
    uint32_t max_stack_slots;    /* 8-byte value cells across all frames */
    uint8_t tier;                /* gb_wasm_tier: how code runs */
    /* The compiled tier's bounds checks.  false (the default): an access
     * beyond the memory lands in guard pages — a memory reserves the
     * address space of every address a wasm32 access can form and a
     * fault there becomes the access's MEM_OOB trap — when the address
     * space can be reserved, else each access is checked by instruction;
     * true: always by instruction.  The same traps, gas and memory either
     * way (docs/engine.md, "Memory"). */
    bool jit_explicit_bounds;
} gb_wasm_config;

/* How a module's functions run.  Both tiers give the same results, traps,
 * gas and memory (docs/engine.md, "The compiled tier"). */
typedef enum gb_wasm_tier {
    GB_TIER_DEFAULT = 0,  /* compiled where this build has a compiler
                             (x86-64), else the interpreter */
    GB_TIER_INTERP = 1,   /* always the interpreter */
    GB_TIER_COMPILED = 2, /* machine code where this build has a compiler
                             (x86-64), else the interpreter */
} gb_wasm_tier;

void gb_wasm_config_default(gb_wasm_config *out_cfg);

/* ---- modules -------------------------------------------------------- */

typedef struct gb_module gb_module;

/*
 * Decode, validate and compile a binary module.  bytes are copied; the
 * caller keeps them.  On failure returns GB_MALFORMED (the binary cannot be
 * decoded), GB_INVALID (it decodes but does not validate), GB_LIMIT (it
 * exceeds cfg) or GB_NOMEM, and writes a message naming what and where into
 * detail (may be NULL; always NUL-terminated when detail_len > 0).
 */
gb_err gb_module_load(const gb_wasm_config *cfg, const uint8_t *bytes,
                      size_t len, gb_module **out_module, char *detail,
                      size_t detail_len);
void gb_module_free(gb_module *m); /* NULL is a no-op */
/* One more owner of m (thread-safe): gb_module_free then drops one owner,
 * and the last one frees it.  Returns m.  For an embedder that keeps
 * something made from a module (an instance, a table of resolved
 * imports) beyond the time its first owner guarantees. */
const gb_module *gb_module_retain(const gb_module *m);

/* About how many bytes of heap the module holds: its copy of the binary,
 * the decoded sections and the compiled code of every function.  An
 * estimate (allocator overhead is not counted), for caches that bound
 * what they keep (gear/code_cache.h); 0 for NULL. */
size_t gb_module_footprint(const gb_module *m);

/* Imports and exports of a module, by index.  Strings are borrowed from
 * the module and are not NUL-terminated; the lengths are given. */
typedef struct gb_import_desc {
    const char *module;
    uint32_t module_len;
    const char *name;
    uint32_t name_len;
    gb_externkind kind;
    gb_functype func;      /* kind FUNC */
    gb_tabletype table;    /* kind TABLE */
    gb_limits memory;      /* kind MEMORY */
    gb_globaltype global;  /* kind GLOBAL */
} gb_import_desc;

typedef struct gb_export_desc {
    const char *name;
    uint32_t name_len;
    gb_externkind kind;
    uint32_t index; /* in the module's index space of that kind */
} gb_export_desc;

uint32_t gb_module_import_count(const gb_module *m);
void gb_module_import(const gb_module *m, uint32_t i, gb_import_desc *out);
uint32_t gb_module_export_count(const gb_module *m);
void gb_module_export(const gb_module *m, uint32_t i, gb_export_desc *out);
/* The type of function funcidx (imports first). Borrowed from m. */
const gb_functype *gb_module_func_type(const gb_module *m, uint32_t funcidx);

/* Print the internal code of function funcidx (a defined function) to
 * out, one instruction a line: for looking at what the compiler made of a
 * function.  GB_NOT_FOUND for an imported or unknown index. */
gb_err gb_module_dump_code(const gb_module *m, uint32_t funcidx, FILE *out);

/* ---- stores and runtime objects ----------------------------------- */

typedef struct gb_store gb_store;
typedef struct gb_instance gb_instance;
typedef struct gb_func gb_func;
typedef struct gb_memory gb_memory;
typedef struct gb_table gb_table;
typedef struct gb_global gb_global;

/* cfg is copied.  NULL means gb_wasm_config_default(). */
gb_err gb_store_new(const gb_wasm_config *cfg, gb_store **out_store);
void gb_store_free(gb_store *s); /* frees everything made in it */

/* Free every instance, memory, table and global made in s, keeping its
 * stacks and its host functions: for an embedder that runs one short-lived
 * instance after another on the same store. Pointers to the freed objects
 * become invalid.  (An instance made with GB_INST_REUSE may be kept as the
 * store's spare: not usable as it is, only handed back by the next
 * gb_instantiate_ex of its module; gb_store_free frees it.) */
void gb_store_reset(gb_store *s);

/* Gas.  The limit applies to the calls that follow; gas used accumulates
 * across calls until the limit is set again. */
void gb_store_set_gas(gb_store *s, uint64_t limit);
uint64_t gb_store_gas_used(const gb_store *s);
uint64_t gb_store_gas_left(const gb_store *s);

/*
 * A wall-clock deadline for the calls that follow, for an embedder that
 * runs code on behalf of someone who must not hold it forever (a node's
 * read-only calls and gas estimates).  deadline_ns: CLOCK_MONOTONIC
 * nanoseconds, 0 for none (the default).  While one is set, the gas is
 * handed to the running code a slice (slice_gas; 0: a default) at a time
 * and the clock is read when a slice runs out — never on the fast path —
 * so a run that reaches the deadline ends with GB_TRAP_OUT_OF_GAS at the
 * next slice boundary, and gb_store_interrupted() then says so.  Gas used,
 * gas left and where gas truly runs out are the same with or without a
 * deadline: results of runs that finish in time do not depend on it.  Call
 * after gb_store_set_gas (which keeps the deadline and clears the
 * interrupted flag).
 */
void gb_store_set_deadline(gb_store *s, uint64_t deadline_ns,
                           uint64_t slice_gas);
/* Whether the last run was stopped by the deadline (not by its gas). */
bool gb_store_interrupted(const gb_store *s);
/* CLOCK_MONOTONIC in nanoseconds: the clock deadlines are read from. */
uint64_t gb_monotonic_ns(void);

/* After a call returned a trap: a message naming the trap and, where
 * known, the function.  Valid until the next call on s. Never NULL. */
const char *gb_store_trap_message(const gb_store *s);

/* An import or export: a kind and the object. */
typedef struct gb_extern {
    gb_externkind kind;
    union {
        gb_func *func;
        gb_table *table;
        gb_memory *memory;
        gb_global *global;
    } u;
} gb_extern;

/*
 * Instantiate m in s.  imports[i] satisfies the module's import i (in the
 * order of gb_module_import); n must equal gb_module_import_count(m).
 * Returns GB_LINK (with detail) when an import has the wrong kind or type,
 * a GB_TRAP_* when a segment does not fit or the start function traps (the
 * instance is then not returned, but, as the spec requires, table and
 * memory writes made before the failure stay), GB_NOMEM, GB_LIMIT.
 */
gb_err gb_instantiate(gb_store *s, const gb_module *m,
                      const gb_extern *imports, uint32_t n,
                      gb_instance **out_inst, char *detail, size_t detail_len);

/* gb_instantiate with options: GB_INST_NO_DATA leaves active data
 * segments unapplied (an embedder that keeps memory itself, as the Gear
 * layer does, applies them once when a program is created).
 * GB_INST_REUSE, for an embedder that instantiates one module again and
 * again on the same store (one per run, gb_store_reset between): the
 * instance holds a reference to the module (gb_module_retain), and
 * gb_store_reset keeps the first such instance as the store's spare
 * instead of freeing it; the next gb_instantiate_ex of the same module
 * with GB_INST_REUSE, the same flags and the same imports hands it back
 * with its state made again as a new instance's (globals, tables,
 * element and data segments, start function) instead of allocating and
 * linking one.  Observably the same as a new instance.  A module that
 * defines its own memory is instantiated anew (the flag is ignored). */
/* GB_INST_SAME_IMPORTS, with GB_INST_REUSE: the caller vouches that
 * imports are, entry for entry, the ones the store's spare instance of m
 * was made with (an embedder that keeps one import array per module and
 * rewrites it only for another module), so the spare is handed back
 * without comparing them; a spare made with other imports would be
 * handed back linked to those.  Not kept with the instance. */
enum {
    GB_INST_NO_DATA = 1u << 0,
    GB_INST_REUSE = 1u << 1,
    GB_INST_SAME_IMPORTS = 1u << 2,
};
gb_err gb_instantiate_ex(gb_store *s, const gb_module *m,
                         const gb_extern *imports, uint32_t n, uint32_t flags,
                         gb_instance **out_inst, char *detail,
                         size_t detail_len);

/* Look up an export by name (len bytes, not NUL-terminated).
 * GB_NOT_FOUND if absent. */
gb_err gb_instance_export(const gb_instance *inst, const char *name,
                          size_t len, gb_extern *out);
/* Export i of the instance's module, in the order of gb_module_export:
 * what gb_instance_export gives for its name, without the search (an
 * embedder that calls one export of a module run after run finds its
 * position once).  GB_NOT_FOUND when i is not below
 * gb_module_export_count. */
gb_err gb_instance_export_at(const gb_instance *inst, uint32_t i,
                             gb_extern *out);
const gb_module *gb_instance_module(const gb_instance *inst);
/* The instance's memory 0, or NULL. */
gb_memory *gb_instance_memory(const gb_instance *inst);

/* ---- functions ------------------------------------------------------ */

typedef struct gb_host_ctx gb_host_ctx;

/*
 * A host function.  args holds the parameters; write the results into
 * results (they may alias args: read all args first).  Return GB_OK, or a
 * GB_TRAP_* code to trap (use gb_host_trap to add a message).
 */
typedef gb_err (*gb_host_fn)(gb_host_ctx *ctx, void *user,
                             const gb_val *args, gb_val *results);

/* type is copied. user is borrowed and passed to fn on every call. */
gb_err gb_func_new_host(gb_store *s, const gb_functype *type, gb_host_fn fn,
                        void *user, gb_func **out_func);
const gb_functype *gb_func_type(const gb_func *f);

/*
 * Call f with args (f's nparams of them), results into results (nresults).
 * Returns GB_OK or a GB_TRAP_* (message in gb_store_trap_message).  Not
 * reentrant: a host function must not call gb_func_call on the same store.
 */
gb_err gb_func_call(gb_store *s, gb_func *f, const gb_val *args,
                    gb_val *results);

/* Inside a host function: the calling instance's memory 0 (or NULL), its
 * store, gas. gb_host_charge returns GB_TRAP_OUT_OF_GAS when there is not
 * enough gas left (and uses it all up), GB_OK otherwise. */
gb_memory *gb_host_memory(gb_host_ctx *ctx);
gb_instance *gb_host_instance(gb_host_ctx *ctx);
gb_store *gb_host_store(gb_host_ctx *ctx);
gb_err gb_host_charge(gb_host_ctx *ctx, uint64_t gas);
/* Give back gas a host function charged earlier in the same call
 * (e.g. a reservation undone): gas left grows by gas, at most back to the
 * limit. */
void gb_host_refund(gb_host_ctx *ctx, uint64_t gas);
/* Record a trap message (printf-style) and return code, for
 * `return gb_host_trap(ctx, GB_TRAP_HOST, "bad pointer %u", p);` */
gb_err gb_host_trap(gb_host_ctx *ctx, gb_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- profiling ------------------------------------------------------ */

/*
 * A profiler sees the calls of a run: which function starts and returns,
 * which host function is called with what, and the gas at each of those
 * points (and nowhere else: nothing per instruction).  Between two events
 * all the gas used was used by the function on top of the call stack (the
 * host function during a host call), so attributing each difference of
 * gas_used to that function accounts for every unit of the run exactly.
 *
 * Events, in the order they happen:
 *   GB_PROF_ENTER        a wasm function starts (the function the
 *                        embedder called, and every call inside it);
 *                        func is its index in inst's module, before its
 *                        first instruction is charged;
 *   GB_PROF_LEAVE        the innermost wasm function returns (func is
 *                        UINT32_MAX: a profiler keeps its own stack);
 *   GB_PROF_HOST_CALL    a host function is about to be called: func is
 *                        its index in inst's module (an import), or
 *                        UINT32_MAX when a call_indirect reached a host
 *                        function that is not one of inst's imports, or
 *                        gb_func_call called one itself (inst NULL);
 *                        vals holds its arguments (the type's nparams);
 *   GB_PROF_HOST_RETURN  it returned: vals holds its results (nresults;
 *                        written only when err is GB_OK), err what it
 *                        returned.
 * A run that traps ends without LEAVE events for the frames it had;
 * gb_func_call returning is the end of the run.  gas_used is
 * gb_store_gas_used() at that point.  vals and the event are valid only
 * during the callback, which must not call into the store.
 *
 * Cost when no profiler is set: one test of a store field per call,
 * return and host call (bench/run.sh measures it).
 */
typedef enum gb_prof_kind {
    GB_PROF_ENTER,
    GB_PROF_LEAVE,
    GB_PROF_HOST_CALL,
    GB_PROF_HOST_RETURN,
} gb_prof_kind;

typedef struct gb_prof_event {
    gb_prof_kind kind;
    uint32_t func;
    const gb_instance *inst; /* the instance whose code runs (the caller,
                                for host events) */
    uint64_t gas_used;
    const gb_val *vals;      /* HOST_CALL args, HOST_RETURN results */
    gb_err err;              /* HOST_RETURN */
} gb_prof_event;

typedef void (*gb_prof_fn)(void *user, const gb_prof_event *ev);

/* Set (fn non-NULL) or clear (fn NULL) the profiler of the calls that
 * follow on s.  user is borrowed and passed to fn. */
void gb_store_set_profiler(gb_store *s, gb_prof_fn fn, void *user);

/* ---- memories, tables, globals ------------------------------------ */

gb_err gb_memory_new(gb_store *s, gb_limits limits, gb_memory **out_mem);
/* gb_memory_new with flags: GB_MEM_KEEP makes a memory that gb_store_reset
 * leaves alone (only gb_store_free frees it), for an embedder that runs
 * one instance after another in the same memory. */
enum { GB_MEM_KEEP = 1u << 0 };
gb_err gb_memory_new_ex(gb_store *s, gb_limits limits, uint32_t flags,
                        gb_memory **out_mem);
/* Set the size to pages (at most the memory's maximum: GB_LIMIT), growing
 * or shrinking; a shrunk range becomes inaccessible and reads as zero when
 * grown again, and all of [0, pages) is made readable and writable (the
 * contents stay).  For reusing a memory between runs, not for programs. */
gb_err gb_memory_resize(gb_memory *mem, uint32_t pages);
/* Current size in bytes and a pointer to the data.  The pointer stays
 * valid across growth (memory is reserved up front and never moves). */
uint8_t *gb_memory_data(gb_memory *mem);
uint64_t gb_memory_size(const gb_memory *mem);
gb_limits gb_memory_limits(const gb_memory *mem); /* min = current pages */
/* Grow by delta pages; out_old_pages gets the old size.  GB_LIMIT when the
 * maximum (of the memory or the configuration) would be exceeded. */
gb_err gb_memory_grow(gb_memory *mem, uint32_t delta, uint32_t *out_old);

/*
 * Write tracking.  A memory keeps one byte per granule of
 * 2^GB_DIRTY_SHIFT bytes (512 bytes: a 32nd of a Gear page, so that an
 * embedder clears and compares little of a page a run barely wrote) over
 * its whole reserved
 * range; every write by the program (stores, memory.fill/copy/init) sets
 * the bytes of the granules it touched to 1.  Nothing clears them but the
 * embedder: gb_memory_dirty gives the array (gb_memory_size >>
 * GB_DIRTY_SHIFT granules are in use, rounded up), gb_memory_mark sets a
 * range for the embedder's own writes.  An embedder that keeps a memory
 * between runs can learn from it which granules a run wrote without
 * protecting pages.
 */
#define GB_DIRTY_SHIFT 9
uint8_t *gb_memory_dirty(gb_memory *mem);
/* Read tracking, the same way: every load by the program sets the bytes of
 * the granules it read to 1 (an embedder charging for the pages a run
 * reads, as Gear's lazy pages do; nothing clears them but the embedder). */
uint8_t *gb_memory_read_marks(gb_memory *mem);
void gb_memory_mark_read(gb_memory *mem, uint64_t offset, uint64_t len);
void gb_memory_mark(gb_memory *mem, uint64_t offset, uint64_t len);
/* The embedder changed the protection of the memory's pages (mprotect):
 * the next gb_memory_resize makes [0, pages) accessible again.  Without
 * it, resize only changes what a resize or growth changed before. */
void gb_memory_forget_access(gb_memory *mem);

gb_err gb_table_new(gb_store *s, gb_tabletype type, gb_val init,
                    gb_table **out_table);
gb_tabletype gb_table_type(const gb_table *t); /* limits.min = current size */
gb_err gb_table_get(const gb_table *t, uint32_t i, gb_val *out);

gb_err gb_global_new(gb_store *s, gb_globaltype type, gb_val init,
                     gb_global **out_global);
gb_globaltype gb_global_type(const gb_global *g);
gb_val gb_global_get(const gb_global *g);
void gb_global_set(gb_global *g, gb_val v);

#ifdef __cplusplus
}
#endif
#endif
