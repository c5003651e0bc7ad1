/*
 * Gear code: what is checked when code is uploaded, and the prepared code
 * that runs later.
 *
 * gb_gear_code_check() takes the bytes a user uploads, loads them with the
 * engine (decode, validate, compile with gas metering) and applies the
 * rules Gear applies in Code::try_new (gear-tech/gear
 * protocol/core/src/code/{mod,utils}.rs; ../shared/GEAR-ABI.md §1), in
 * Gear's order:
 *
 *   0. the engine accepts the module (Gear: wasmparser validation), and it
 *      uses no feature beyond WebAssembly 1.0 + sign extension, and no
 *      floats (GEAR_SUPPORTED_FEATURES)
 *   1. static pages: a memory imported as env.memory, initial <= 32768
 *   2. __gear_stack_end: if exported as a global, its initialiser is an
 *      i32.const, a multiple of 64 KiB, at most the static memory; the
 *      export is then left out of the checks below (it may be mutable)
 *   3. data segments: at most max_data_segments; each offset an i32.const,
 *      >= the stack end, its last byte inside static memory
 *   4. exported globals: defined here (not imports), immutable
 *   5. no start section
 *   6. exported functions: named init, handle, handle_reply, handle_signal,
 *      state or metahash, not an imported function, of type () -> (); init
 *      or handle present
 *   7. imports: from module "env"; functions are known syscalls
 *      (syscalls_table.h) with exactly their signature, each imported once;
 *      no global or table imports
 *   8. type section: params + results <= max_type_params per type, section
 *      size <= max_type_section_len bytes
 *
 * Differences from Gear, each stricter or equal:
 * - Gear does not check an import's module name at upload; its backend
 *   links everything under "env", so any other module fails later, at
 *   instantiation.  We reject it at upload.
 * - The memory import must be named env.memory (Gear takes the first
 *   memory import whatever its name, and fails later when linking).
 * - Gear applies code_len and type_section_len to the *instrumented*
 *   code; we have no instrumented code (metering is in the engine), so
 *   they apply to the original bytes.
 * - Non-function exports other than globals (a memory or table export)
 *   are allowed, as in Gear: its check_exports looks at functions only.
 *
 * Every rejection returns GB_INVALID with a message beginning "code
 * rejected: " that names the rule, e.g.
 *   code rejected: import 3 "gr_foo" is not a known syscall
 *   code rejected: export "foo" is not allowed
 *   code rejected: floating-point instruction or type
 * A module the engine cannot load is also a rejection; the engine's own
 * code is kept (GB_MALFORMED, GB_INVALID or GB_LIMIT) and its message
 * follows "code rejected: ".  GB_NOMEM is the only failure that says
 * nothing about the code.
 */
#ifndef GB_GEAR_CODE_H
#define GB_GEAR_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gear/types.h" /* page sizes */
#include "gearbox/wasm.h"

#define GB_GEAR_MAX_WASM_PAGES 32768u /* MAX_WASM_PAGES_AMOUNT, 2 GiB */
#define GB_GEAR_STACK_END_EXPORT "__gear_stack_end"

/* Limits of the check.  gb_gear_code_config_default() gives Gear's
 * defaults (protocol/core/src/gas_metering/schedule.rs, Limits). */
typedef struct gb_gear_code_config {
    const gb_gas_schedule *schedule; /* for the engine; NULL = Vara's
                                        (gb_gear_costs_get()->engine) */
    uint32_t max_code_len;        /* original bytes (Gear: code_len 524288) */
    uint32_t max_static_pages;    /* 32768 */
    uint32_t max_data_segments;   /* data_segments_amount 1024 */
    uint32_t max_type_params;     /* params + results per type: 128 */
    uint32_t max_type_section_len;/* bytes: 20480 */
    uint32_t max_locals;          /* declared locals + params per function,
                                     for the engine: locals 1024 + params 128 */
    uint8_t tier;                 /* gb_wasm_tier the engine runs it in */
} gb_gear_code_config;

void gb_gear_code_config_default(gb_gear_code_config *out_cfg);

/* The entry points a program may export, as bits of gb_gear_code.entries.
 * The first four are dispatched by messages; state and metahash are only
 * run read-only by queries. */
typedef enum gb_gear_entry {
    GB_GEAR_ENTRY_INIT = 1u << 0,
    GB_GEAR_ENTRY_HANDLE = 1u << 1,
    GB_GEAR_ENTRY_HANDLE_REPLY = 1u << 2,
    GB_GEAR_ENTRY_HANDLE_SIGNAL = 1u << 3,
    GB_GEAR_ENTRY_STATE = 1u << 4,
    GB_GEAR_ENTRY_METAHASH = 1u << 5,
} gb_gear_entry;

/* "init", "handle", ... for one bit; NULL for anything else. */
const char *gb_gear_entry_name(gb_gear_entry e);

/* One 16 KiB gear page of initial memory. */
typedef struct gb_gear_page {
    uint32_t index;                  /* page number: byte address / 16384 */
    uint8_t data[GB_GEAR_PAGE_SIZE];
} gb_gear_page;

/*
 * Prepared code: checked, compiled, with its initial memory.  Owned by the
 * caller of gb_gear_code_check and freed with gb_gear_code_free; every
 * field is owned by it and read-only (the module may be shared between
 * threads, as any gb_module).
 */
typedef struct gb_gear_code {
    uint8_t id[32];          /* code id: blake2b-256 of the original bytes */
    gb_module *module;       /* compiled with metering on */
    size_t code_len;         /* length of the original bytes */
    uint32_t static_pages;   /* env.memory's initial, in 64 KiB pages */
    uint32_t stack_end;      /* bytes; 0 when __gear_stack_end is absent */
    bool has_stack_end;      /* __gear_stack_end was exported */
    uint32_t entries;        /* gb_gear_entry bits of the exports present */
    /*
     * Initial memory: the active data segments applied, in order, to
     * static memory that starts zeroed, as the gear pages that are not
     * all zero after that, sorted by index.  A page absent here is zero.
     * The processor instantiates with GB_INST_NO_DATA and supplies this
     * memory itself when a program is created.
     */
    uint32_t npages;
    gb_gear_page *pages;
} gb_gear_code;

/*
 * Check and prepare code.  bytes (len of them) are borrowed and copied by
 * the engine.  cfg NULL = gb_gear_code_config_default().
 * Returns GB_OK and *out_code (the caller frees it), or an error as
 * described at the top of this file, with a message in detail (may be
 * NULL; NUL-terminated when detail_len > 0); *out_code is then NULL.
 */
gb_err gb_gear_code_check(const gb_gear_code_config *cfg,
                          const uint8_t *bytes, size_t len,
                          gb_gear_code **out_code, char *detail,
                          size_t detail_len);

void gb_gear_code_free(gb_gear_code *c); /* NULL is a no-op */

/* About how many bytes of memory c holds: the module
 * (gb_module_footprint) and the initial pages.  0 for NULL. */
size_t gb_gear_code_footprint(const gb_gear_code *c);

/* The page with this index, or NULL when it is zero (binary search). */
const gb_gear_page *gb_gear_code_page(const gb_gear_code *c, uint32_t index);

#endif
