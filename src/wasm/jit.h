/*
 * The compiling tier: the internal code of a module (engine.h) translated
 * to x86-64 machine code, with exactly the interpreter's semantics — the
 * same traps at the same instruction, the same gas charged at the same
 * points, the same stack-depth limit, the same memory write and read marks.
 * See jit_x64.c for the design and docs/engine.md ("The compiled tier").
 * Internal to src/wasm/.
 *
 * On machines other than x86-64 gb_jit_compile returns GB_UNSUPPORTED and
 * every module runs in the interpreter.
 */
#ifndef GB_WASM_JIT_H
#define GB_WASM_JIT_H

#include <stdbool.h>
#include <stddef.h>

#include "wasm/engine.h"

typedef struct gb_jit gb_jit; /* a module's machine code */

/* True when this build has a compiler for the host machine. */
bool gb_jit_available(void);

/*
 * Compile every function of m (already compiled to internal code) into
 * one block of executable memory.  On success *out_jit is owned by the
 * caller (gb_module_free frees m->jit).  GB_UNSUPPORTED: no compiler for
 * this machine, or the module uses something the compiler does not handle
 * (the module then runs in the interpreter); GB_NOMEM.
 */
gb_err gb_jit_compile(const gb_module *m, gb_jit **out_jit);
void gb_jit_free(gb_jit *j); /* NULL is a no-op */
size_t gb_jit_footprint(const gb_jit *j); /* bytes of machine code */

/*
 * The address space a memory reserves so that compiled code can leave
 * its bounds checks to guard pages: every address an access can form
 * (a 32-bit address plus a 32-bit offset plus 8 bytes, rounded up to a
 * wasm page) — PROT_NONE beyond the memory's size, where a fault becomes
 * the access's MEM_OOB trap (jit_x64_rt.c); 0 when code run with cfg
 * never relies on them (no compiler for this machine, the interpreter
 * tier, cfg->jit_explicit_bounds, or the fault handler could not be
 * installed).  Installs that handler the first time.
 */
size_t gb_jit_guard_span(const gb_wasm_config *cfg);

/* Run wasm function f (f->inst->mod->jit set) as gb_interp_call does: its
 * args at s->stack[0..], results land there; s->gas_left is the counter.
 * (Code that relies on guard pages and an instance whose memory has none
 * run in the interpreter.) */
gb_err gb_jit_call(gb_store *s, gb_func *f);

#endif
