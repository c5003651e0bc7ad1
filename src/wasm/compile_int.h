/*
 * The compiler's internals, shared by compile.c (the instruction loop:
 * tables, bodies, functions, modules) and compile_emit.c (the machinery it
 * drives: the code buffer, metered blocks, the virtual stack, labels and
 * branches, and the emission of the instruction groups).  compile.c's
 * opening comment describes the design.  Never included outside
 * src/wasm/compile*.c.
 *
 * Every function takes the compiler's state c, returns GB_OK or the error
 * (GB_INVALID, GB_MALFORMED with a message in c->detail; GB_NOMEM) and
 * leaves c usable only for freeing on error.
 */
#ifndef GB_WASM_COMPILE_INT_H
#define GB_WASM_COMPILE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/grow.h"
#include "wasm/engine.h"
#include "wasm/reader.h"

#define NONE UINT32_MAX
#define T_UNKNOWN 0

/* Virtual stack entries: the value is in its home slot, or is a local,
 * a constant, or the i32 sum local + constant / local + local (an address,
 * usually: loads and stores take it as is). */
enum { VS_SLOT, VS_LOCAL, VS_CONST, VS_ADDR_I, VS_ADDR_L };

typedef struct vs {
    uint8_t type;
    uint8_t kind;
    uint32_t local, local2;
    uint64_t k;
} vs;

enum { C_FUNC, C_BLOCK, C_LOOP, C_IF, C_ELSE };

typedef struct ctrl {
    uint8_t kind;
    bool unreachable; /* validation: the operand stack is polymorphic */
    bool dead;        /* emission: the block is inside dead code */
    uint32_t height;
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t loop_pc;    /* C_LOOP: cell index of the loop head */
    uint32_t patch;      /* chain of cells to receive the end address */
    uint32_t else_patch; /* C_IF: the BR_UNLESS target cell */
    /* Gear's gas counter (ControlBlock): the lowest control index a branch
     * inside may leave to, and the active metered block: the instruction
     * it starts at, its GAS cell (NONE before it is emitted, or when its
     * start was dead code) and the cost so far. */
    uint32_t lfbt;
    uint32_t mb_pos, mb_cell;
    uint64_t mb_cost;
} ctrl;

typedef struct comp {
    gb_module *m;
    const gb_gas_schedule *gs;
    bool meter;
    const void *const *H;
    gb_reader r;
    const gb_func_def *def;
    uint32_t funcidx;

    uint32_t nlt;        /* params + locals */
    uint8_t *ltypes;     /* nlt */
    uint8_t *written;    /* nlt: the local may have been written (params
                            always); all 0 for declared locals at entry */
    bool seen_loop;      /* a loop was entered: code may run again */
    const gb_functype *ft;

    gb_cell *cells;
    uint32_t n, cap;
    uint32_t *relocs;
    uint32_t nrelocs, caprelocs;

    vs *st;
    uint32_t sh, scap, max_h;
    ctrl *cs;
    uint32_t ch, ccap;

    uint32_t ip; /* index of the instruction being compiled */
    /* the last conditional branch: its handler cell, its op and the cell
     * after it (a GAS emitted there makes it its charging form) */
    uint32_t cond_at, cond_end;
    gb_irop cond_op;
    uint32_t last_dst;
    uint32_t last_at; /* handler cell of the last instruction */
    gb_irop last_op;

    char *detail;
    size_t detail_len;
} comp;

/* Record a message (function index, offset, then fmt) in c->detail and
 * return code. */
gb_err gb_comp_fail(comp *c, gb_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define INVALID(...) gb_comp_fail(c, GB_INVALID, __VA_ARGS__)
#define MALFORMED(...) gb_comp_fail(c, GB_MALFORMED, __VA_ARGS__)

/* The code buffer: emit instruction o with its operand cells (the caller
 * fills c->cells[*at + 1..]; gb_comp_op_n: k of them, for BR_TABLE); emit
 * o with two operands; remember a cell
 * that holds a jump target (or, tagged 0x80000000, a function index) for
 * compile_func to turn into a pointer. */
gb_err gb_comp_reloc(comp *c, uint32_t cell);
gb_err gb_comp_op(comp *c, gb_irop o, uint32_t *at);
gb_err gb_comp_op_n(comp *c, gb_irop o, uint32_t k, uint32_t *at);
gb_err gb_comp_emit2(comp *c, gb_irop o, uint64_t a, uint64_t b);

/* Metered blocks (compile_emit.c, "gas blocks"): close the current one; a
 * branch to the labels at depths ds[0..n); the GAS of a block starting at
 * the current instruction. */
void gb_comp_mb_finalize(comp *c);
void gb_comp_mb_branch(comp *c, const uint32_t *ds, uint32_t n);
gb_err gb_comp_gas_emit(comp *c);

/* The virtual stack: pop (type want, 0 any) and push by type; give an
 * entry its home slot; where an operand can be read. */
gb_err gb_comp_pop(comp *c, uint8_t want, vs *out, uint32_t *out_h);
gb_err gb_comp_pop_types(comp *c, const uint8_t *types, uint32_t n);
gb_err gb_comp_push_types(comp *c, const uint8_t *types, uint32_t n);
gb_err gb_comp_emit_value(comp *c, const vs *e, uint32_t home, uint32_t dst);
gb_err gb_comp_materialize(comp *c, uint32_t h);
gb_err gb_comp_materialize_range(comp *c, uint32_t from, uint32_t to);
gb_err gb_comp_loc(comp *c, uint32_t h, uint32_t *out);

/* Labels, blocks and branches. */
gb_err gb_comp_target(comp *c, ctrl *f, uint32_t cell);
gb_err gb_comp_bind(comp *c, uint32_t chain);
gb_err gb_comp_emit_return(comp *c, uint32_t src);
gb_err gb_comp_emit_br(comp *c, uint32_t d, uint32_t src);
gb_err gb_comp_label_depth(comp *c, uint32_t *out);
gb_err gb_comp_block_type(comp *c, ctrl *f);
gb_err gb_comp_take_params(comp *c, ctrl *nf);
gb_err gb_comp_emit_cond_br(comp *c, uint32_t hc, bool when_true, ctrl *f,
                           uint32_t *out_cell);
gb_err gb_comp_push_ctrl(comp *c, ctrl f);

/* Instruction groups and immediates. */
gb_err gb_comp_unop(comp *c, gb_irop o, uint8_t ti, uint8_t to);
gb_err gb_comp_binop(comp *c, gb_irop o, uint8_t ti, uint8_t to);
gb_err gb_comp_memarg(comp *c, uint32_t natural, uint32_t *out_offset);
gb_err gb_comp_need_memory(comp *c);
gb_err gb_comp_zero_byte(comp *c);
gb_err gb_comp_table_idx(comp *c, uint32_t *out);
gb_err gb_comp_call_common(comp *c, const gb_functype *ft, gb_irop o,
                          uint64_t a, uint32_t *extra_loc, uint32_t idx_h);
gb_err gb_comp_local_idx(comp *c, uint32_t *out);
gb_err gb_comp_set_local(comp *c, uint32_t x, bool tee);
gb_err gb_comp_emit_three(comp *c, gb_irop o, const uint64_t *imm,
                         uint32_t nimm, const uint8_t t[3]);

/* Small helpers. */
static inline bool live(const comp *c)
{
    const ctrl *f = &c->cs[c->ch - 1];
    return !f->unreachable && !f->dead;
}

static inline gb_err need(comp *c, uint32_t k)
{
    return gb_grow((void **)&c->cells, &c->cap, (uint64_t)c->n + k,
                   sizeof *c->cells, 256) ? GB_OK : GB_NOMEM;
}

static inline uint32_t slot(const comp *c, uint32_t h) { return c->nlt + h; }

static inline void charge(comp *c, uint64_t cost)
{
    c->cs[c->ch - 1].mb_cost += cost;
}

/* A label bound now: the next cell.  Code at a label can be reached by a
 * jump, so nothing emitted after it may be fused into what came before
 * (a destination patched, a comparison turned into a branch). */

static inline uint32_t here(comp *c)
{
    c->last_dst = NONE;
    c->last_at = NONE;
    c->last_op = GB_IR_NOP;
    return c->n;
}

static inline gb_err push_entry(comp *c, vs e)
{
    if (!gb_grow((void **)&c->st, &c->scap, c->sh + 1ull, sizeof *c->st, 64))
        return GB_NOMEM;
    c->st[c->sh++] = e;
    if (c->sh > c->max_h)
        c->max_h = c->sh;
    return GB_OK;
}

static inline gb_err push(comp *c, uint8_t t)
{
    return push_entry(c, (vs){.type = t, .kind = VS_SLOT});
}

static inline bool is_num(uint8_t t)
{
    return t == GB_I32 || t == GB_I64 || t == GB_F32 || t == GB_F64;
}

static inline bool is_ref(uint8_t t)
{
    return t == GB_FUNCREF || t == GB_EXTERNREF;
}

static inline gb_err push_const(comp *c, uint8_t t, uint64_t k)
{
    return push_entry(c, (vs){.type = t, .kind = VS_CONST, .k = k});
}

static inline uint32_t label_arity(const ctrl *f)
{
    return f->kind == C_LOOP ? f->nparams : f->nresults;
}

static inline const uint8_t *label_types(const ctrl *f)
{
    return f->kind == C_LOOP ? f->params : f->results;
}

static inline gb_err set_unreachable(comp *c)
{
    ctrl *f = &c->cs[c->ch - 1];
    c->sh = f->height;
    f->unreachable = true;
    return GB_OK;
}

#endif
