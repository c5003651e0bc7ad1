/*
 * Validation and compilation of function bodies, in one pass.
 *
 * The validator is the spec's algorithm (an operand-type stack and a
 * control stack, with the polymorphic stack after unconditional
 * branches).  While it checks each instruction it emits the internal code
 * described in engine.h, so every body is decoded exactly once.
 *
 * From stack machine to slots.  Every operand-stack height h has a fixed
 * home, slot(h) = nlocals + h, in the function's frame, so the compiler
 * knows at each instruction which slots hold its operands.  On top of that
 * the compiler keeps a *virtual* stack: an entry may say "the value is in
 * slot(h)" (SLOT), "the value is local x" (LOCAL, from local.get, not yet
 * copied) or "the value is the constant k" (CONST).  Consumers read LOCAL
 * entries straight from the local's slot and CONST entries as immediates
 * (the _I variants of binary operators), so `local.get a; local.get b;
 * i32.add` becomes one instruction.  A lazy entry is copied to its home
 * ("materialised") only where a home is needed: before the local it names
 * is written, at block boundaries, and for call arguments.  And when an
 * instruction's result is immediately stored by local.set/tee, its
 * destination is patched to the local itself.  An i32.add of a local and a
 * constant or two locals stays lazy too (ADDR entries), so that a load or
 * store through it is one fused instruction.
 *
 * Gas.  The body is cut into metered blocks at every label (loop heads,
 * block ends that are branched to, else) and after each `if`; each starts
 * with a GAS instruction whose immediate is the sum of the schedule's
 * costs of the block's instructions, filled in when the block is closed.
 * A br_if does not cut: a taken br_if pays for the rest of its block, which
 * saves a GAS dispatch per loop iteration.  So gas is charged before a
 * block runs and running out happens at the same place on every machine.
 *
 * Compare-and-branch: an i32 comparison (or eqz) whose result goes
 * straight into br_if or if is rewritten in place into one fused
 * instruction (engine.h, GB_IR_BRCMP).
 *
 * What each trick bought, measured with `make bench` (metered geomean of
 * the eight workloads vs native clang -O2, this project's 2-core VM; runs
 * vary by a few percent):
 *   slot code with lazy locals and constants, direct threading   13.9x
 *   + fused compare-and-branch, br_if not cutting metered blocks  11.7x
 *   + loads fused with the i32.add of their address               11.2x
 *   + lazy address sums (ADDR entries), fused stores, _W loads    10.2x
 *   + taken branches charge the block they enter (no GAS dispatch
 *     at loop heads)                                               9.95x
 *   + known-zero locals, results written in place on return       9.8x
 *   + fused multiply-add, handlers aligned to 32 bytes (CMake)    9.5x
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/grow.h"
#include "wasm/engine.h"
#include "wasm/reader.h"
#include "util/mem.h"
#include "util/try.h"

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
    uint32_t last_dst;
    uint32_t last_at; /* handler cell of the last instruction */
    gb_irop last_op;

    char *detail;
    size_t detail_len;
} comp;

/* The opcode groups of opcodes.h by opcode: the IR op (0 for an opcode
 * outside the group) and the types, or the access. */
typedef struct numop {
    gb_irop ir;
    uint8_t in, out;
} numop;

typedef struct memop {
    gb_irop ir;
    uint8_t type, align;
} memop;

#define NUM_(opc, name, ti, to, expr) [opc] = {GB_IR_##name, GB_##ti, GB_##to},
#define MEM_(opc, name, ir, t, bytes, al) [opc] = {GB_IR_##ir, GB_##t, al},
static const numop unops[256] = {GB_UNOPS(NUM_)};
static const numop binops[256] = {GB_BINOPS(NUM_)};
static const numop fc_unops[32] = {GB_FC_UNOPS(NUM_)};
static const memop loads[256] = {GB_LOADS(MEM_)};
static const memop stores[256] = {GB_STORES(MEM_)};
#undef NUM_
#undef MEM_

/* For each i32 compare IR op (and its _I form): the fused branch taken
 * when the comparison holds, and the one taken when it fails. */
static const gb_irop br_true[GB_IR_COUNT_] = {
#define BR_(name, cond, inv)                                                \
    [GB_IR_##name] = GB_IR_BR_##name, [GB_IR_##name##_I] = GB_IR_BR_##name##_I,
    GB_IR_BRCMP(BR_)
#undef BR_
    [GB_IR_I32_EQZ] = GB_IR_BR_EQZ_I32,
};
static const gb_irop br_false[GB_IR_COUNT_] = {
#define BR_(name, cond, inv)                                                \
    [GB_IR_##name] = GB_IR_BR_##inv, [GB_IR_##name##_I] = GB_IR_BR_##inv##_I,
    GB_IR_BRCMP(BR_)
#undef BR_
    [GB_IR_I32_EQZ] = GB_IR_BR_NEZ_I32,
};

/* For each plain load or store: its fused forms with an i32.add address
 * (slot + slot, slot + immediate; a load's also writing the sum). */
typedef struct fused {
    gb_irop add, addi, addw, addiw;
} fused;

static const fused ld_fused[GB_IR_COUNT_] = {
#define LA_(name)                                                           \
    [GB_IR_##name] = {GB_IR_##name##_ADD, GB_IR_##name##_ADDI,              \
                      GB_IR_##name##_ADDW, GB_IR_##name##_ADDIW},
    GB_IR_LDADD(LA_)
#undef LA_
};
static const fused st_fused[GB_IR_COUNT_] = {
#define SA_(name) [GB_IR_##name] = {GB_IR_##name##_ADD, GB_IR_##name##_ADDI},
    GB_IR_STADD(SA_)
#undef SA_
};

static const uint8_t single_types[256] = {
    [GB_I32] = GB_I32, [GB_I64] = GB_I64, [GB_F32] = GB_F32,
    [GB_F64] = GB_F64, [GB_FUNCREF] = GB_FUNCREF,
    [GB_EXTERNREF] = GB_EXTERNREF,
};

static gb_err fail(comp *c, gb_err code, const char *fmt, ...)
{
    if (c->detail && c->detail_len) {
        size_t off = (size_t)(c->r.p - c->m->bytes);
        int k = snprintf(c->detail, c->detail_len, "function %u at offset 0x%zx: ",
                         c->funcidx, off);
        if (k >= 0 && (size_t)k < c->detail_len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(c->detail + k, c->detail_len - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}

#define INVALID(...) fail(c, GB_INVALID, __VA_ARGS__)
#define MALFORMED(...) fail(c, GB_MALFORMED, __VA_ARGS__)

/* ---- code buffer ------------------------------------------------------ */

static bool live(const comp *c)
{
    const ctrl *f = &c->cs[c->ch - 1];
    return !f->unreachable && !f->dead;
}

static gb_err need(comp *c, uint32_t k)
{
    return gb_grow((void **)&c->cells, &c->cap, (uint64_t)c->n + k,
                   sizeof *c->cells, 256) ? GB_OK : GB_NOMEM;
}

static gb_err reloc(comp *c, uint32_t cell)
{
    if (!gb_grow((void **)&c->relocs, &c->caprelocs, c->nrelocs + 1ull,
                 sizeof *c->relocs, 64))
        return GB_NOMEM;
    c->relocs[c->nrelocs++] = cell;
    return GB_OK;
}

/* Emit an instruction: its handler and k operands (callers then fill
 * c->cells[start+1..]).  Reserves room; returns the handler's index. */
static gb_err op(comp *c, gb_irop o, uint32_t k, uint32_t *at)
{
    TRY_RET(need(c, k + 1));
    *at = c->n;
    c->cells[c->n].h = c->H[o];
    c->n += k + 1;
    c->last_dst = NONE;
    c->last_at = *at;
    c->last_op = o;
    return GB_OK;
}

static gb_err emit2(comp *c, gb_irop o, uint64_t a, uint64_t b)
{
    uint32_t at;
    TRY_RET(op(c, o, 2, &at));
    c->cells[at + 1].u = a;
    c->cells[at + 2].u = b;
    return GB_OK;
}

/* ---- gas blocks ---------------------------------------------------------
 *
 * The metered blocks are Gear's, so that a run charges what Gear's
 * instrumented code charges (protocol/wasm-instrument/src/gas_metering,
 * determine_metered_blocks): a metered block starts at the function's
 * first instruction, after a loop or if, after an else, after a branch
 * (br, br_if, br_table, return), and after the end of a block a branch
 * inside it may leave beyond it; a nested block's block shares its
 * parent's.  Each ctrl entry holds its active metered block; when a block
 * closes, its cost (plus Gear's gas_charge call, gs->block, per call) is
 * written into the GAS cell emitted at its start.  A block whose start is
 * the same instruction as its parent's adds its cost to the parent's.
 * Gear inserts no gas_charge for a block of cost 0: its GAS here charges 0.
 */

static uint64_t block_charge(const comp *c, uint64_t cost)
{
    const uint64_t max = 0xFFFFFFFFu; /* gas_charge takes a u32 */
    return cost ? cost + c->gs->block * ((cost + max - 1) / max) : 0;
}

static void mb_begin(comp *c, ctrl *f, uint32_t pos)
{
    f->mb_pos = pos;
    f->mb_cell = NONE;
    f->mb_cost = 0;
}

/* finalize_metered_block: close the top entry's metered block; a new one
 * starts at the next instruction. */
static void mb_finalize(comp *c)
{
    ctrl *f = &c->cs[c->ch - 1];
    uint32_t pos = f->mb_pos, cell = f->mb_cell;
    uint64_t cost = f->mb_cost;
    mb_begin(c, f, c->ip + 1);
    if (c->ch > 1 && c->cs[c->ch - 2].mb_pos == pos) {
        c->cs[c->ch - 2].mb_cost += cost;
        return;
    }
    if (cell != NONE && c->meter)
        c->cells[cell].u = block_charge(c, cost);
}

/* branch(): to the control entries at depths ds[0..n) */
static void mb_branch(comp *c, const uint32_t *ds, uint32_t n)
{
    mb_finalize(c);
    ctrl *top = &c->cs[c->ch - 1];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t idx = c->ch - 1 - ds[i];
        if (c->cs[idx].kind != C_LOOP && idx < top->lfbt)
            top->lfbt = idx;
    }
}

/* Before instruction c->ip: the GAS of a metered block starting here. */
static gb_err gas_emit(comp *c)
{
    ctrl *f = &c->cs[c->ch - 1];
    if (!c->meter || f->mb_pos != c->ip || f->mb_cell != NONE || !live(c))
        return GB_OK;
    uint32_t at;
    TRY_RET(op(c, GB_IR_GAS, 1, &at));
    c->cells[at + 1].u = 0;
    for (uint32_t i = c->ch; i-- > 0 && c->cs[i].mb_pos == c->ip;)
        c->cs[i].mb_cell = at + 1;
    return GB_OK;
}

/* A label bound now: the next cell.  Code at a label can be reached by a
 * jump, so nothing emitted after it may be fused into what came before
 * (a destination patched, a comparison turned into a branch). */
static uint32_t here(comp *c)
{
    c->last_dst = NONE;
    c->last_at = NONE;
    c->last_op = GB_IR_NOP;
    return c->n;
}

static void charge(comp *c, uint64_t cost)
{
    c->cs[c->ch - 1].mb_cost += cost;
}

/* ---- the virtual stack -------------------------------------------------- */

static uint32_t slot(const comp *c, uint32_t h) { return c->nlt + h; }

static gb_err push_entry(comp *c, vs e)
{
    if (!gb_grow((void **)&c->st, &c->scap, c->sh + 1ull, sizeof *c->st, 64))
        return GB_NOMEM;
    c->st[c->sh++] = e;
    if (c->sh > c->max_h)
        c->max_h = c->sh;
    return GB_OK;
}

static gb_err push(comp *c, uint8_t t)
{
    return push_entry(c, (vs){.type = t, .kind = VS_SLOT});
}

static bool is_num(uint8_t t)
{
    return t == GB_I32 || t == GB_I64 || t == GB_F32 || t == GB_F64;
}

static bool is_ref(uint8_t t) { return t == GB_FUNCREF || t == GB_EXTERNREF; }

/* Pop one operand of type want (0 = any); out gets the entry and its
 * height. Under an unreachable frame the stack is polymorphic. */
static gb_err pop(comp *c, uint8_t want, vs *out, uint32_t *out_h)
{
    ctrl *f = &c->cs[c->ch - 1];
    if (c->sh == f->height) {
        if (!f->unreachable)
            return INVALID("type mismatch: operand stack empty");
        if (out)
            *out = (vs){.type = T_UNKNOWN, .kind = VS_SLOT};
        if (out_h)
            *out_h = c->sh;
        return GB_OK;
    }
    vs e = c->st[--c->sh];
    if (want && e.type != want && e.type != T_UNKNOWN)
        return INVALID("type mismatch: expected 0x%02x, found 0x%02x", want,
                       e.type);
    if (out)
        *out = e;
    if (out_h)
        *out_h = c->sh;
    return GB_OK;
}

/* Pop n operands of the given types (last first); they stay readable at
 * c->st[c->sh .. c->sh+n) when the frame is live. */
static gb_err pop_types(comp *c, const uint8_t *types, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        TRY_RET(pop(c, types[i], NULL, NULL));
    return GB_OK;
}

static gb_err push_types(comp *c, const uint8_t *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        TRY_RET(push(c, types[i]));
    return GB_OK;
}

/* Emit what puts entry e's value into slot dst; home is e's own slot. */
static gb_err emit_value(comp *c, const vs *e, uint32_t home, uint32_t dst)
{
    uint32_t at;
    switch (e->kind) {
    case VS_SLOT:
        return home == dst ? GB_OK : emit2(c, GB_IR_COPY, dst, home);
    case VS_LOCAL:
        return e->local == dst ? GB_OK : emit2(c, GB_IR_COPY, dst, e->local);
    case VS_CONST:
        return emit2(c, GB_IR_CONST, dst, e->k);
    default:
        TRY_RET(op(c, e->kind == VS_ADDR_I ? GB_IR_I32_ADD_I : GB_IR_I32_ADD, 3,
               &at));
        c->cells[at + 1].u = dst;
        c->cells[at + 2].u = e->local;
        c->cells[at + 3].u = e->kind == VS_ADDR_I ? e->k : e->local2;
        c->last_dst = at + 1;
        return GB_OK;
    }
}

/* Does entry e read local x? */
static bool reads_local(const vs *e, uint32_t x)
{
    return ((e->kind == VS_LOCAL || e->kind == VS_ADDR_I ||
             e->kind == VS_ADDR_L) && e->local == x) ||
           (e->kind == VS_ADDR_L && e->local2 == x);
}

/* Copy the entry at height h to its home slot. */
static gb_err materialize(comp *c, uint32_t h)
{
    vs *e = &c->st[h];
    TRY_RET(emit_value(c, e, slot(c, h), slot(c, h)));
    e->kind = VS_SLOT;
    return GB_OK;
}

static gb_err materialize_range(comp *c, uint32_t from, uint32_t to)
{
    if (!live(c))
        return GB_OK;
    for (uint32_t h = from; h < to; h++)
        TRY_RET(materialize(c, h));
    return GB_OK;
}

/* Where an operand can be read: its slot (materialising a constant into
 * its home when it must be read from a slot). */
static gb_err loc(comp *c, uint32_t h, uint32_t *out)
{
    vs *e = &c->st[h];
    if (e->kind == VS_LOCAL) {
        *out = e->local;
        return GB_OK;
    }
    if (e->kind != VS_SLOT)
        TRY_RET(materialize(c, h));
    *out = slot(c, h);
    return GB_OK;
}

/* ---- labels ------------------------------------------------------------- */

static uint32_t label_arity(const ctrl *f)
{
    return f->kind == C_LOOP ? f->nparams : f->nresults;
}

static const uint8_t *label_types(const ctrl *f)
{
    return f->kind == C_LOOP ? f->params : f->results;
}

/* Make cell `cell` jump to the label of frame f. */
static gb_err target(comp *c, ctrl *f, uint32_t cell)
{
    if (f->kind == C_LOOP) {
        c->cells[cell].u = f->loop_pc;
        return reloc(c, cell);
    }
    c->cells[cell].u = f->patch;
    f->patch = cell;
    return GB_OK;
}

/* Bind frame f's pending forward jumps to the current position. */
static gb_err bind(comp *c, uint32_t chain)
{
    while (chain != NONE) {
        uint32_t next = (uint32_t)c->cells[chain].u;
        c->cells[chain].u = here(c);
        TRY_RET(reloc(c, chain));
        chain = next;
    }
    return GB_OK;
}

/* Copy the top n operands (at heights src..src+n) to heights dst.. . */
static gb_err move_values(comp *c, uint32_t src, uint32_t dst, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        TRY_RET(emit_value(c, &c->st[src + i], slot(c, src + i),
                       slot(c, dst + i)));
    return GB_OK;
}

/* The results (top nresults operands at height src) go to fp[0..) and the
 * function returns. */
static gb_err emit_return(comp *c, uint32_t src)
{
    uint32_t n = c->ft->nresults;
    if (n > 1) {
        /* fp[0..n) may hold locals that lazy entries name: first give every
         * value its home (without changing the entries: this may be one of
         * several paths), then move homes down in ascending order, which is
         * safe because slot(src + i) >= i. */
        for (uint32_t i = 0; i < n; i++)
            TRY_RET(emit_value(c, &c->st[src + i], slot(c, src + i),
                           slot(c, src + i)));
        for (uint32_t i = 0; i < n; i++)
            if (slot(c, src + i) != i)
                TRY_RET(emit2(c, GB_IR_COPY, i, slot(c, src + i)));
        uint32_t at;
        return op(c, GB_IR_RETURN, 0, &at);
    }
    for (uint32_t i = 0; i < n; i++) {
        vs *e = &c->st[src + i];
        if (e->kind == VS_SLOT && c->last_dst != NONE &&
            c->cells[c->last_dst].u == slot(c, src + i)) {
            /* the producer writes the result cell itself: nothing reads
             * the frame after this */
            c->cells[c->last_dst].u = i;
        } else {
            TRY_RET(emit_value(c, e, slot(c, src + i), i));
        }
    }
    uint32_t at;
    return op(c, GB_IR_RETURN, 0, &at);
}

/* Emit an unconditional branch to frame depth d with the label's values
 * on top of the stack at height src. */
static gb_err emit_br(comp *c, uint32_t d, uint32_t src)
{
    ctrl *f = &c->cs[c->ch - 1 - d];
    if (f->kind == C_FUNC)
        return emit_return(c, src);
    TRY_RET(move_values(c, src, f->height, label_arity(f)));
    uint32_t at;
    TRY_RET(op(c, GB_IR_JMP, 2, &at));
    c->cells[at + 2].u = 0;
    return target(c, f, at + 1);
}

static gb_err set_unreachable(comp *c)
{
    ctrl *f = &c->cs[c->ch - 1];
    c->sh = f->height;
    f->unreachable = true;
    return GB_OK;
}

static gb_err label_depth(comp *c, uint32_t *out)
{
    uint32_t d;
    if (!gb_read_u32(&c->r, &d))
        return MALFORMED("unexpected end");
    if (d >= c->ch)
        return INVALID("unknown label %u", d);
    *out = d;
    return GB_OK;
}

static gb_err block_type(comp *c, ctrl *f)
{
    int64_t bt;
    if (!gb_read_s33(&c->r, &bt))
        return MALFORMED("bad block type");
    f->nparams = f->nresults = 0;
    f->params = f->results = NULL;
    if (bt == -64)
        return GB_OK;
    if (bt < 0) {
        uint8_t t = (uint8_t)(bt & 0x7F);
        if (!single_types[t])
            return MALFORMED("bad block type");
        f->nresults = 1;
        f->results = &single_types[t];
        return GB_OK;
    }
    if ((uint64_t)bt >= c->m->ntypes)
        return INVALID("unknown type %lld", (long long)bt);
    const gb_functype *t = &c->m->types[bt];
    f->nparams = t->nparams;
    f->params = t->params;
    f->nresults = t->nresults;
    f->results = t->results;
    return GB_OK;
}

/* Check a block's parameters on the stack and set its height; the entries
 * themselves stay as they are (they may still be lazy). */
static gb_err take_params(comp *c, ctrl *nf)
{
    uint32_t before = c->sh;
    TRY_RET(pop_types(c, nf->params, nf->nparams));
    nf->height = c->sh;
    if (!c->cs[c->ch - 1].unreachable && c->sh + nf->nparams == before)
        c->sh = before;
    else
        TRY_RET(push_types(c, nf->params, nf->nparams));
    return GB_OK;
}

/* Emit a conditional branch on the i32 at height hc: to the label of
 * frame f when the value is nonzero (when_true) or zero; the target cell
 * is attached to f (or, with f == NULL, returned in *out_cell for the
 * caller to patch).  Fuses with the comparison that produced the value
 * when that was the last instruction. */
static gb_err emit_cond_br(comp *c, uint32_t hc, bool when_true, ctrl *f,
                           uint32_t *out_cell)
{
    uint32_t at, cell, l1;
    vs *e = &c->st[hc];
    gb_irop fused = e->kind == VS_SLOT && c->last_dst == c->last_at + 1 &&
                            c->cells[c->last_dst].u == slot(c, hc)
                        ? (when_true ? br_true : br_false)[c->last_op]
                        : 0;
    if (fused) {
        at = c->last_at;
        TRY_RET(need(c, 1)); /* room for the gas cell after the target */
        c->n++;
        c->cells[at].h = c->H[fused];
        if (c->last_op == GB_IR_I32_EQZ) {
            c->cells[at + 1] = c->cells[at + 2]; /* [a][target] */
            cell = at + 2;
        } else {
            c->cells[at + 1] = c->cells[at + 2]; /* [a][b][target] */
            c->cells[at + 2] = c->cells[at + 3];
            cell = at + 3;
        }
        c->last_dst = NONE;
        c->last_at = NONE;
    } else {
        TRY_RET(loc(c, hc, &l1));
        TRY_RET(op(c, when_true ? GB_IR_BR_IF : GB_IR_BR_UNLESS, 3, &at));
        c->cells[at + 1].u = l1;
        cell = at + 2;
    }
    c->cells[cell + 1].u = 0;
    if (f)
        return target(c, f, cell);
    *out_cell = cell;
    return GB_OK;
}

static gb_err push_ctrl(comp *c, ctrl f)
{
    if (!gb_grow((void **)&c->cs, &c->ccap, c->ch + 1ull, sizeof *c->cs, 16))
        return GB_NOMEM;
    /* begin_control_block: a block's metered block is its parent's (same
     * start), a loop's or an if's starts after it, a function's at 0 */
    f.lfbt = c->ch;
    if (f.kind == C_FUNC) {
        mb_begin(c, &f, 0);
    } else if (f.kind == C_BLOCK) {
        const ctrl *p = &c->cs[c->ch - 1];
        f.mb_pos = p->mb_pos;
        f.mb_cell = p->mb_cell;
        f.mb_cost = 0;
    } else {
        mb_begin(c, &f, c->ip + 1);
    }
    c->cs[c->ch++] = f;
    return GB_OK;
}

/* ---- instruction groups ------------------------------------------------- */

static gb_err unop(comp *c, gb_irop o, uint8_t ti, uint8_t to)
{
    uint32_t h, la;
    TRY_RET(pop(c, ti, NULL, &h));
    if (live(c)) {
        TRY_RET(loc(c, h, &la));
        uint32_t at;
        TRY_RET(op(c, o, 2, &at));
        c->cells[at + 1].u = slot(c, h);
        c->cells[at + 2].u = la;
        c->last_dst = at + 1;
        uint32_t keep = c->last_dst;
        TRY_RET(push(c, to));
        c->last_dst = keep;
        return GB_OK;
    }
    return push(c, to);
}

static gb_err binop(comp *c, gb_irop o, uint8_t ti, uint8_t to)
{
    uint32_t hb, ha;
    TRY_RET(pop(c, ti, NULL, &hb));
    TRY_RET(pop(c, ti, NULL, &ha));
    if (!live(c))
        return push(c, to);
    uint32_t at, la, lb;
    vs *ea = &c->st[ha], *eb = &c->st[hb];
    if (o == GB_IR_I32_ADD && (ea->kind == VS_LOCAL || eb->kind == VS_LOCAL) &&
        (ea->kind == VS_LOCAL || ea->kind == VS_CONST) &&
        (eb->kind == VS_LOCAL || eb->kind == VS_CONST)) {
        vs sum = {.type = GB_I32};
        if (ea->kind == VS_LOCAL && eb->kind == VS_LOCAL)
            sum = (vs){.type = GB_I32, .kind = VS_ADDR_L, .local = ea->local,
                       .local2 = eb->local};
        else if (ea->kind == VS_LOCAL)
            sum = (vs){.type = GB_I32, .kind = VS_ADDR_I, .local = ea->local,
                       .k = (uint32_t)eb->k};
        else
            sum = (vs){.type = GB_I32, .kind = VS_ADDR_I, .local = eb->local,
                       .k = (uint32_t)ea->k};
        return push_entry(c, sum);
    }
    /* x + a*b where the multiply was the last instruction and its result
     * feeds only this add: one fused instruction */
    gb_irop mul = o == GB_IR_I32_ADD ? GB_IR_I32_MUL
                  : o == GB_IR_I64_ADD ? GB_IR_I64_MUL : GB_IR_UNREACHABLE;
    if (mul != GB_IR_UNREACHABLE && c->last_op == mul &&
        c->last_dst == c->last_at + 1) {
        uint32_t t = (uint32_t)c->cells[c->last_dst].u, hx = NONE;
        if (eb->kind == VS_SLOT && t == slot(c, hb) &&
            (ea->kind == VS_SLOT || ea->kind == VS_LOCAL))
            hx = ha;
        else if (ea->kind == VS_SLOT && t == slot(c, ha) && eb->kind == VS_LOCAL)
            hx = hb;
        if (hx != NONE) {
            uint32_t lx = c->st[hx].kind == VS_LOCAL ? c->st[hx].local
                                                    : slot(c, hx);
            at = c->last_at;
            TRY_RET(need(c, 1));
            c->n++;
            c->cells[at].h = c->H[o == GB_IR_I32_ADD ? GB_IR_I32_MADD
                                                     : GB_IR_I64_MADD];
            c->cells[at + 4] = c->cells[at + 3];
            c->cells[at + 3] = c->cells[at + 2];
            c->cells[at + 2].u = lx;
            c->cells[at + 1].u = slot(c, ha);
            c->last_op = GB_IR_NOP;
            TRY_RET(push(c, to));
            c->last_dst = at + 1;
            return GB_OK;
        }
    }
    if (c->st[hb].kind == VS_CONST) {
        uint64_t k = c->st[hb].k;
        TRY_RET(loc(c, ha, &la));
        TRY_RET(op(c, (gb_irop)(o + 1), 3, &at));
        c->cells[at + 2].u = la;
        c->cells[at + 3].u = k;
    } else {
        TRY_RET(loc(c, ha, &la));
        TRY_RET(loc(c, hb, &lb));
        TRY_RET(op(c, o, 3, &at));
        c->cells[at + 2].u = la;
        c->cells[at + 3].u = lb;
    }
    c->cells[at + 1].u = slot(c, ha);
    TRY_RET(push(c, to));
    c->last_dst = at + 1;
    return GB_OK;
}

static gb_err memarg(comp *c, uint32_t natural, uint32_t *out_offset)
{
    uint32_t align, offset;
    if (!gb_read_u32(&c->r, &align) || !gb_read_u32(&c->r, &offset))
        return MALFORMED("bad memory immediate");
    if (c->m->nmems == 0)
        return INVALID("unknown memory 0");
    if (align > natural)
        return INVALID("alignment must not be larger than natural");
    *out_offset = offset;
    return GB_OK;
}

static gb_err need_memory(comp *c)
{
    if (c->m->nmems == 0)
        return INVALID("unknown memory 0");
    return GB_OK;
}

static gb_err zero_byte(comp *c)
{
    uint8_t b;
    if (!gb_read_u8(&c->r, &b))
        return MALFORMED("unexpected end");
    if (b != 0)
        return MALFORMED("zero byte expected");
    return GB_OK;
}

static gb_err table_idx(comp *c, uint32_t *out)
{
    if (!gb_read_u32(&c->r, out))
        return MALFORMED("unexpected end");
    if (*out >= c->m->ntables)
        return INVALID("unknown table %u", *out);
    return GB_OK;
}

static gb_err call_common(comp *c, const gb_functype *ft, gb_irop o,
                          uint64_t a, uint32_t *extra_loc, uint32_t idx_h)
{
    (void)idx_h;
    uint32_t hb = c->sh; /* after pops: the first argument's height */
    if (live(c)) {
        TRY_RET(materialize_range(c, hb, hb + ft->nparams));
        uint32_t at;
        if (o == GB_IR_CALL_INDIRECT) {
            TRY_RET(op(c, o, 4, &at));
            c->cells[at + 1].u = a >> 32;          /* table */
            c->cells[at + 2].u = a & 0xffffffffu;  /* type index */
            c->cells[at + 3].u = slot(c, hb);
            c->cells[at + 4].u = *extra_loc;
        } else {
            TRY_RET(op(c, o, 2, &at));
            c->cells[at + 1].u = a;
            c->cells[at + 2].u = slot(c, hb);
        }
    }
    /* the callee's frame starts at slot(hb): make sure ours covers the
     * results too */
    return push_types(c, ft->results, ft->nresults);
}

/* Add to the list of cells that the loader turns from function index into
 * gb_code pointer: reuse relocs with a tag bit. */

static gb_err local_idx(comp *c, uint32_t *out)
{
    if (!gb_read_u32(&c->r, out))
        return MALFORMED("unexpected end");
    if (*out >= c->nlt)
        return INVALID("unknown local %u", *out);
    return GB_OK;
}

/* local.set / local.tee x with the value at the top of the stack. */
static gb_err set_local(comp *c, uint32_t x, bool tee)
{
    uint32_t h;
    TRY_RET(pop(c, c->ltypes[x], NULL, &h));
    if (!live(c))
        return tee ? push(c, c->ltypes[x]) : GB_OK;
    bool aliased = false;
    for (uint32_t i = 0; i < h; i++)
        if (reads_local(&c->st[i], x))
            aliased = true;
    vs *e = &c->st[h];
    bool known_zero = !c->written[x] && !c->seen_loop;
    c->written[x] = 1;
    if (known_zero && e->kind == VS_CONST && e->k == 0) {
        /* locals start at zero, and before any loop the code seen so far
         * is all that can have run: nothing wrote x yet */
    } else if (!aliased && e->kind == VS_SLOT && c->last_dst != NONE &&
               c->cells[c->last_dst].u == slot(c, h)) {
        c->cells[c->last_dst].u = x; /* the producer writes the local */
    } else {
        if (aliased)
            for (uint32_t i = 0; i < h; i++)
                if (reads_local(&c->st[i], x))
                    TRY_RET(materialize(c, i));
        TRY_RET(emit_value(c, e, slot(c, h), x));
    }
    /* keep last_dst only for a sum just written to x: a load through
     * x may fuse with it (the _W forms) */
    if (!(c->last_dst != NONE && c->cells[c->last_dst].u == x &&
          (c->last_op == GB_IR_I32_ADD || c->last_op == GB_IR_I32_ADD_I)))
        c->last_dst = NONE;
    if (tee)
        return push_entry(c, (vs){.type = c->ltypes[x], .kind = VS_LOCAL,
                                  .local = x});
    return GB_OK;
}

static gb_err push_const(comp *c, uint8_t t, uint64_t k)
{
    return push_entry(c, (vs){.type = t, .kind = VS_CONST, .k = k});
}

/* Pop three operands of types t[0..2] (t[2] on top) and emit o with the
 * immediates imm[0..nimm) followed by the three operands' slots: the shape
 * of every bulk memory and table instruction. */
static gb_err emit_three(comp *c, gb_irop o, const uint64_t *imm,
                         uint32_t nimm, const uint8_t t[3])
{
    uint32_t h, l[3], at;
    TRY_RET(pop(c, t[2], NULL, NULL));
    TRY_RET(pop(c, t[1], NULL, NULL));
    TRY_RET(pop(c, t[0], NULL, &h));
    if (!live(c))
        return GB_OK;
    for (uint32_t i = 0; i < 3; i++)
        TRY_RET(loc(c, h + i, &l[i]));
    TRY_RET(op(c, o, nimm + 3, &at));
    for (uint32_t i = 0; i < nimm; i++)
        c->cells[at + 1 + i].u = imm[i];
    for (uint32_t i = 0; i < 3; i++)
        c->cells[at + 1 + nimm + i].u = l[i];
    return GB_OK;
}

static const uint8_t three_i32[3] = {GB_I32, GB_I32, GB_I32};

/* ---- the body ----------------------------------------------------------- */

static gb_err compile_fc(comp *c)
{
    uint32_t sub;
    if (!gb_read_u32(&c->r, &sub))
        return MALFORMED("unexpected end");
    if (sub < 32)
        charge(c, c->gs->op_fc[sub]);
    if (gb_op_fc_info(sub)->features & GB_FEATURE_FLOATS)
        c->m->uses_floats = true;
    gb_module *m = c->m;
    uint32_t at, h, l1, l2;
    if (sub < 32 && fc_unops[sub].ir)
        return unop(c, fc_unops[sub].ir, fc_unops[sub].in, fc_unops[sub].out);
    switch (sub) {
    case GB_OP_MEMORY_INIT: {
        uint32_t seg;
        if (!gb_read_u32(&c->r, &seg))
            return MALFORMED("unexpected end");
        TRY_RET(zero_byte(c));
        TRY_RET(need_memory(c));
        if (!m->has_datacount)
            return MALFORMED("data count section required");
        if (seg >= m->ndatas)
            return INVALID("unknown data segment %u", seg);
        uint64_t imm = seg;
        return emit_three(c, GB_IR_MEMORY_INIT, &imm, 1, three_i32);
    }
    case GB_OP_DATA_DROP: {
        uint32_t seg;
        if (!gb_read_u32(&c->r, &seg))
            return MALFORMED("unexpected end");
        if (!m->has_datacount)
            return MALFORMED("data count section required");
        if (seg >= m->ndatas)
            return INVALID("unknown data segment %u", seg);
        if (!live(c))
            return GB_OK;
        TRY_RET(op(c, GB_IR_DATA_DROP, 1, &at));
        c->cells[at + 1].u = seg;
        return GB_OK;
    }
    case GB_OP_MEMORY_COPY:
    case GB_OP_MEMORY_FILL: {
        TRY_RET(zero_byte(c));
        if (sub == GB_OP_MEMORY_COPY)
            TRY_RET(zero_byte(c));
        TRY_RET(need_memory(c));
        return emit_three(c, sub == GB_OP_MEMORY_COPY ? GB_IR_MEMORY_COPY
                                                      : GB_IR_MEMORY_FILL,
                          NULL, 0, three_i32);
    }
    case GB_OP_TABLE_INIT: {
        uint32_t seg, t;
        if (!gb_read_u32(&c->r, &seg))
            return MALFORMED("unexpected end");
        TRY_RET(table_idx(c, &t));
        if (seg >= m->nelems)
            return INVALID("unknown elem segment %u", seg);
        if (m->elems[seg].type != m->tables[t].elem)
            return INVALID("type mismatch: element segment and table");
        uint64_t imm[2] = {t, seg};
        return emit_three(c, GB_IR_TABLE_INIT, imm, 2, three_i32);
    }
    case GB_OP_ELEM_DROP: {
        uint32_t seg;
        if (!gb_read_u32(&c->r, &seg))
            return MALFORMED("unexpected end");
        if (seg >= m->nelems)
            return INVALID("unknown elem segment %u", seg);
        if (!live(c))
            return GB_OK;
        TRY_RET(op(c, GB_IR_ELEM_DROP, 1, &at));
        c->cells[at + 1].u = seg;
        return GB_OK;
    }
    case GB_OP_TABLE_COPY: {
        uint32_t td, ts;
        TRY_RET(table_idx(c, &td));
        TRY_RET(table_idx(c, &ts));
        if (m->tables[td].elem != m->tables[ts].elem)
            return INVALID("type mismatch: table.copy between types");
        uint64_t imm[2] = {td, ts};
        return emit_three(c, GB_IR_TABLE_COPY, imm, 2, three_i32);
    }
    case GB_OP_TABLE_GROW: {
        uint32_t t;
        TRY_RET(table_idx(c, &t));
        TRY_RET(pop(c, GB_I32, NULL, NULL));
        TRY_RET(pop(c, m->tables[t].elem, NULL, &h));
        if (!live(c))
            return push(c, GB_I32);
        TRY_RET(loc(c, h, &l1));
        TRY_RET(loc(c, h + 1, &l2));
        TRY_RET(op(c, GB_IR_TABLE_GROW, 4, &at));
        c->cells[at + 1].u = slot(c, h);
        c->cells[at + 2].u = t;
        c->cells[at + 3].u = l1;
        c->cells[at + 4].u = l2;
        return push(c, GB_I32);
    }
    case GB_OP_TABLE_SIZE: {
        uint32_t t;
        TRY_RET(table_idx(c, &t));
        if (live(c))
            TRY_RET(emit2(c, GB_IR_TABLE_SIZE, slot(c, c->sh), t));
        return push(c, GB_I32);
    }
    case GB_OP_TABLE_FILL: {
        uint32_t t;
        TRY_RET(table_idx(c, &t));
        const uint8_t types[3] = {GB_I32, m->tables[t].elem, GB_I32};
        uint64_t imm = t;
        return emit_three(c, GB_IR_TABLE_FILL, &imm, 1, types);
    }
    default:
        return MALFORMED("illegal opcode 0xfc %u", sub);
    }
}

static gb_err compile_body(comp *c)
{
    gb_module *m = c->m;
    const gb_gas_schedule *gs = c->gs;
    TRY_RET(push_ctrl(c, (ctrl){.kind = C_FUNC, .height = 0,
                            .nresults = c->ft->nresults,
                            .results = c->ft->results, .patch = NONE,
                            .else_patch = NONE}));
    charge(c, (uint64_t)gs->per_local * c->def->nlocals);

    for (c->ip = 0; c->ch > 0; c->ip++) {
        uint8_t b;
        TRY_RET(gas_emit(c));
        if (!gb_read_u8(&c->r, &b))
            return MALFORMED("unexpected end of function body");
        charge(c, gs->op[b]);
        if (gb_op_info(b)->features & GB_FEATURE_FLOATS)
            m->uses_floats = true;
        uint32_t at, h, x, l1, l2;
        ctrl *f;
        if (unops[b].ir) {
            TRY_RET(unop(c, unops[b].ir, unops[b].in, unops[b].out));
            continue;
        }
        if (binops[b].ir) {
            TRY_RET(binop(c, binops[b].ir, binops[b].in, binops[b].out));
            continue;
        }
        if (loads[b].ir) {
            uint32_t off;
            TRY_RET(memarg(c, loads[b].align, &off));
            TRY_RET(pop(c, GB_I32, NULL, &h));
            if (live(c)) {
                gb_irop lo = loads[b].ir;
                vs *e = &c->st[h];
                bool after_add = c->last_dst != NONE &&
                                 c->last_dst == c->last_at + 1 &&
                                 (c->last_op == GB_IR_I32_ADD ||
                                  c->last_op == GB_IR_I32_ADD_I);
                if (e->kind == VS_ADDR_I || e->kind == VS_ADDR_L) {
                    TRY_RET(op(c, e->kind == VS_ADDR_I ? ld_fused[lo].addi
                                                     : ld_fused[lo].add,
                           4, &at));
                    c->cells[at + 1].u = slot(c, h);
                    c->cells[at + 2].u = e->local;
                    c->cells[at + 3].u =
                        e->kind == VS_ADDR_I ? e->k : e->local2;
                    c->cells[at + 4].u = off;
                } else if (e->kind == VS_LOCAL && after_add &&
                           c->cells[c->last_dst].u == e->local) {
                    /* `local.tee x` of a sum, then a load through x */
                    at = c->last_at;
                    TRY_RET(need(c, 2));
                    c->cells[at].h = c->H[c->last_op == GB_IR_I32_ADD
                                              ? ld_fused[lo].addw
                                              : ld_fused[lo].addiw];
                    c->cells[at + 1].u = slot(c, h);
                    c->cells[at + 4].u = off;
                    c->cells[at + 5].u = e->local;
                    c->n += 2;
                    c->last_op = GB_IR_NOP;
                } else if (c->st[h].kind == VS_SLOT && c->last_dst != NONE &&
                    c->last_dst == c->last_at + 1 &&
                    c->cells[c->last_dst].u == slot(c, h) &&
                    (c->last_op == GB_IR_I32_ADD ||
                     c->last_op == GB_IR_I32_ADD_I)) {
                    /* fuse: the add's [dst][a][b] become the load's */
                    at = c->last_at;
                    TRY_RET(need(c, 1));
                    c->cells[at].h = c->H[c->last_op == GB_IR_I32_ADD
                                              ? ld_fused[lo].add
                                              : ld_fused[lo].addi];
                    c->cells[at + 4].u = off;
                    c->n++;
                    c->last_op = GB_IR_NOP;
                } else {
                    TRY_RET(loc(c, h, &l1));
                    TRY_RET(op(c, lo, 3, &at));
                    c->cells[at + 1].u = slot(c, h);
                    c->cells[at + 2].u = l1;
                    c->cells[at + 3].u = off;
                }
                TRY_RET(push(c, loads[b].type));
                c->last_dst = at + 1;
            } else
                TRY_RET(push(c, loads[b].type));
            continue;
        }
        if (stores[b].ir) {
            uint32_t off;
            TRY_RET(memarg(c, stores[b].align, &off));
            TRY_RET(pop(c, stores[b].type, NULL, NULL));
            TRY_RET(pop(c, GB_I32, NULL, &h));
            if (live(c)) {
                vs *e = &c->st[h];
                if (e->kind == VS_ADDR_I || e->kind == VS_ADDR_L) {
                    gb_irop so = stores[b].ir;
                    TRY_RET(loc(c, h + 1, &l2));
                    TRY_RET(op(c, e->kind == VS_ADDR_I ? st_fused[so].addi
                                                     : st_fused[so].add,
                           4, &at));
                    c->cells[at + 1].u = e->local;
                    c->cells[at + 2].u =
                        e->kind == VS_ADDR_I ? e->k : e->local2;
                    c->cells[at + 3].u = l2;
                    c->cells[at + 4].u = off;
                } else {
                    TRY_RET(loc(c, h, &l1));
                    TRY_RET(loc(c, h + 1, &l2));
                    TRY_RET(op(c, stores[b].ir, 3, &at));
                    c->cells[at + 1].u = l1;
                    c->cells[at + 2].u = l2;
                    c->cells[at + 3].u = off;
                }
            }
            continue;
        }
        switch (b) {
        case GB_OP_UNREACHABLE:
            if (live(c))
                TRY_RET(op(c, GB_IR_UNREACHABLE, 0, &at));
            TRY_RET(set_unreachable(c));
            break;
        case GB_OP_NOP:
            break;
        case GB_OP_BLOCK:
        case GB_OP_LOOP: {
            if (b == GB_OP_LOOP)
                c->seen_loop = true;
            ctrl nf = {.kind = b == GB_OP_BLOCK ? C_BLOCK : C_LOOP, .patch = NONE,
                       .else_patch = NONE};
            TRY_RET(block_type(c, &nf));
            TRY_RET(take_params(c, &nf));
            TRY_RET(materialize_range(c, 0, c->sh));
            bool was_live = live(c);
            nf.dead = !was_live;
            if (nf.kind == C_LOOP && was_live)
                nf.loop_pc = here(c); /* the GAS of the loop's block comes
                                         next (gas_emit) */
            TRY_RET(push_ctrl(c, nf));
            break;
        }
        case GB_OP_IF: {
            ctrl nf = {.kind = C_IF, .patch = NONE, .else_patch = NONE};
            TRY_RET(block_type(c, &nf));
            uint32_t hc;
            TRY_RET(pop(c, GB_I32, NULL, &hc));
            TRY_RET(take_params(c, &nf));
            bool was_live = live(c);
            nf.dead = !was_live;
            if (was_live) {
                if (c->st[hc].kind == VS_CONST)
                    TRY_RET(loc(c, hc, &l1));
                /* materialising the params must not come between the
                 * comparison and the branch, and need not: the
                 * comparison's result is above them */
                uint32_t keep_dst = c->last_dst, keep_at = c->last_at;
                gb_irop keep_op = c->last_op;
                uint32_t n_before = c->n;
                TRY_RET(materialize_range(c, 0, c->sh));
                if (c->n == n_before) {
                    c->last_dst = keep_dst;
                    c->last_at = keep_at;
                    c->last_op = keep_op;
                }
                TRY_RET(emit_cond_br(c, hc, false, NULL, &nf.else_patch));
            }
            TRY_RET(push_ctrl(c, nf));
            break;
        }
        case GB_OP_ELSE: {
            f = &c->cs[c->ch - 1];
            if (f->kind != C_IF)
                return MALFORMED("else without if");
            TRY_RET(pop_types(c, f->results, f->nresults));
            if (c->sh != f->height)
                return INVALID("type mismatch: values remaining at else");
            if (live(c)) {
                TRY_RET(materialize_range(c, c->sh, c->sh + f->nresults));
                TRY_RET(op(c, GB_IR_JMP, 2, &at));
                c->cells[at + 2].u = 0;
                TRY_RET(target(c, f, at + 1));
            }
            mb_finalize(c);
            f->kind = C_ELSE;
            f->unreachable = false;
            if (f->else_patch != NONE) {
                c->cells[f->else_patch].u = here(c);
                TRY_RET(reloc(c, f->else_patch));
                f->else_patch = NONE;
            }
            c->sh = f->height;
            TRY_RET(push_types(c, f->params, f->nparams));
            break;
        }
        case GB_OP_END: {
            f = &c->cs[c->ch - 1];
            TRY_RET(pop_types(c, f->results, f->nresults));
            if (c->sh != f->height)
                return INVALID("type mismatch: values remaining at end");
            if (f->kind == C_IF) {
                if (f->nparams != f->nresults ||
                    !gb_same(f->params, f->results, f->nparams))
                    return INVALID("type mismatch: if without else");
            }
            if (f->kind == C_FUNC) {
                if (live(c))
                    TRY_RET(emit_return(c, c->sh));
                mb_finalize(c);
                c->ch--;
                break;
            }
            if (live(c))
                TRY_RET(materialize_range(c, c->sh, c->sh + f->nresults));
            /* finalize_control_block: the block's metered block closes;
             * the parent's does too when a branch may leave beyond it */
            mb_finalize(c);
            ctrl done = c->cs[c->ch - 1];
            c->ch--;
            ctrl *parent = &c->cs[c->ch - 1];
            if (done.lfbt < parent->lfbt)
                parent->lfbt = done.lfbt;
            if (done.lfbt < c->ch)
                mb_finalize(c);
            if (done.else_patch != NONE) {
                c->cells[done.else_patch].u = here(c);
                TRY_RET(reloc(c, done.else_patch));
            }
            TRY_RET(bind(c, done.patch));
            c->sh = done.height;
            TRY_RET(push_types(c, done.results, done.nresults));
            break;
        }
        case GB_OP_BR: {
            uint32_t d;
            TRY_RET(label_depth(c, &d));
            f = &c->cs[c->ch - 1 - d];
            uint32_t n = label_arity(f);
            TRY_RET(pop_types(c, label_types(f), n));
            if (live(c))
                TRY_RET(emit_br(c, d, c->sh));
            mb_branch(c, &d, 1);
            TRY_RET(set_unreachable(c));
            break;
        }
        case GB_OP_BR_IF: {
            uint32_t d, hc;
            TRY_RET(label_depth(c, &d));
            TRY_RET(pop(c, GB_I32, NULL, &hc));
            f = &c->cs[c->ch - 1 - d];
            uint32_t n = label_arity(f);
            TRY_RET(pop_types(c, label_types(f), n));
            uint32_t src = c->sh;
            if (live(c)) {
                bool in_place = f->kind != C_FUNC;
                for (uint32_t i = 0; in_place && i < n; i++)
                    in_place = c->st[src + i].kind == VS_SLOT &&
                               src + i == f->height + i;
                if (in_place) {
                    TRY_RET(emit_cond_br(c, hc, true, f, NULL));
                } else {
                    uint32_t skip;
                    TRY_RET(emit_cond_br(c, hc, false, NULL, &skip));
                    TRY_RET(emit_br(c, d, src));
                    c->cells[skip].u = c->n;
                    TRY_RET(reloc(c, skip));
                }
                c->sh = src + n; /* the values stay, as they were */
            } else {
                TRY_RET(push_types(c, label_types(f), n));
            }
            mb_branch(c, &d, 1);
            break;
        }
        case GB_OP_BR_TABLE: {
            uint32_t cnt;
            if (!gb_read_u32(&c->r, &cnt))
                return MALFORMED("unexpected end");
            if (cnt > gb_reader_left(&c->r))
                return MALFORMED("br_table too long");
            uint32_t *ds = gb_malloc((cnt + 1) * sizeof *ds);
            if (!ds)
                return GB_NOMEM;
            gb_err e = GB_OK;
            for (uint32_t i = 0; i <= cnt && !e; i++)
                e = label_depth(c, &ds[i]);
            uint32_t hc = 0;
            if (!e)
                e = pop(c, GB_I32, NULL, &hc);
            if (e) {
                free(ds);
                return e;
            }
            uint32_t n = label_arity(&c->cs[c->ch - 1 - ds[cnt]]);
            uint32_t base = c->sh;
            for (uint32_t i = 0; i <= cnt && !e; i++) {
                f = &c->cs[c->ch - 1 - ds[i]];
                if (label_arity(f) != n) {
                    e = INVALID("type mismatch: br_table arity");
                    break;
                }
                e = pop_types(c, label_types(f), n);
                c->sh = base; /* re-check against each label */
                if (!e && c->cs[c->ch - 1].unreachable) {
                    /* polymorphic: nothing to restore */
                }
            }
            if (!e) {
                TRY_RET(pop_types(c, label_types(&c->cs[c->ch - 1 - ds[cnt]]), n));
            }
            if (!e && live(c)) {
                uint32_t src = c->sh;
                e = loc(c, hc, &l1);
                if (!e)
                    e = op(c, GB_IR_BR_TABLE, 2 + 2 * (cnt + 1), &at);
                if (!e) {
                    c->cells[at + 1].u = l1;
                    c->cells[at + 2].u = cnt;
                    for (uint32_t i = 0; i <= cnt; i++)
                        c->cells[at + 4 + 2 * i].u = 0;
                }
                for (uint32_t i = 0; i <= cnt && !e; i++) {
                    f = &c->cs[c->ch - 1 - ds[i]];
                    bool in_place = f->kind != C_FUNC;
                    for (uint32_t j = 0; in_place && j < n; j++)
                        in_place = c->st[src + j].kind == VS_SLOT &&
                                   src + j == f->height + j;
                    if (in_place)
                        e = target(c, f, at + 3 + 2 * i);
                }
                /* move-and-jump sequences for the targets whose values must move */
                for (uint32_t i = 0; i <= cnt && !e; i++) {
                    f = &c->cs[c->ch - 1 - ds[i]];
                    bool in_place = f->kind != C_FUNC;
                    for (uint32_t j = 0; in_place && j < n; j++)
                        in_place = c->st[src + j].kind == VS_SLOT &&
                                   src + j == f->height + j;
                    if (in_place)
                        continue;
                    c->cells[at + 3 + 2 * i].u = c->n;
                    e = reloc(c, at + 3 + 2 * i);
                    if (!e)
                        e = emit_br(c, ds[i], src);
                }
            }
            if (!e) {
                charge(c, (uint64_t)gs->br_table_per_target * cnt);
                mb_branch(c, ds, cnt + 1);
            }
            free(ds);
            TRY_RET(e);
            TRY_RET(set_unreachable(c));
            break;
        }
        case GB_OP_RETURN:
            TRY_RET(pop_types(c, c->ft->results, c->ft->nresults));
            if (live(c))
                TRY_RET(emit_return(c, c->sh));
            {
                uint32_t d0 = c->ch - 1; /* to the function's block */
                mb_branch(c, &d0, 1);
            }
            TRY_RET(set_unreachable(c));
            break;
        case GB_OP_CALL: {
            if (!gb_read_u32(&c->r, &x))
                return MALFORMED("unexpected end");
            if (x >= m->nfuncs)
                return INVALID("unknown function %u", x);
            charge(c, gs->call);
            if (x >= m->nfunc_imports)
                charge(c, gs->call_defined);
            const gb_functype *ft = &m->types[m->func_type[x]];
            TRY_RET(pop_types(c, ft->params, ft->nparams));
            if (x < m->nfunc_imports)
                TRY_RET(call_common(c, ft, GB_IR_CALL_IMPORT, x, NULL, 0));
            else {
                uint32_t before = c->n;
                TRY_RET(call_common(c, ft, GB_IR_CALL, x, NULL, 0));
                if (c->n != before) /* mark: function index to pointer */
                    TRY_RET(reloc(c, (c->n - 2) | 0x80000000u));
            }
            break;
        }
        case GB_OP_CALL_INDIRECT: {
            uint32_t ti, t;
            if (!gb_read_u32(&c->r, &ti))
                return MALFORMED("unexpected end");
            TRY_RET(table_idx(c, &t));
            if (ti >= m->ntypes)
                return INVALID("unknown type %u", ti);
            if (m->tables[t].elem != GB_FUNCREF)
                return INVALID("type mismatch: call_indirect on non-funcref table");
            charge(c, gs->call);
            const gb_functype *ft = &m->types[ti];
            charge(c, (uint64_t)gs->call_indirect_per_param * ft->nparams);
            uint32_t hi;
            TRY_RET(pop(c, GB_I32, NULL, &hi));
            TRY_RET(pop_types(c, ft->params, ft->nparams));
            uint32_t li = 0;
            if (live(c)) {
                /* the index sits above the arguments; read it from there */
                TRY_RET(loc(c, hi, &li));
            }
            TRY_RET(call_common(c, ft, GB_IR_CALL_INDIRECT,
                            ((uint64_t)t << 32) | ti, &li, hi));
            break;
        }
        case GB_OP_DROP:
            TRY_RET(pop(c, 0, NULL, NULL));
            break;
        case GB_OP_SELECT:
        case GB_OP_SELECT_T: {
            uint8_t t = 0;
            if (b == GB_OP_SELECT_T) {
                uint32_t cnt;
                if (!gb_read_u32(&c->r, &cnt) || !gb_read_u8(&c->r, &t))
                    return MALFORMED("unexpected end");
                if (cnt != 1)
                    return INVALID("invalid result arity");
                if (!single_types[t])
                    return MALFORMED("bad value type");
            }
            uint32_t hc, h2, h1;
            vs e1, e2;
            TRY_RET(pop(c, GB_I32, NULL, &hc));
            TRY_RET(pop(c, t, &e2, &h2));
            TRY_RET(pop(c, t, &e1, &h1));
            if (!t) {
                if ((e1.type && !is_num(e1.type)) ||
                    (e2.type && !is_num(e2.type)))
                    return INVALID("type mismatch: select needs numbers");
                if (e1.type && e2.type && e1.type != e2.type)
                    return INVALID("type mismatch in select");
                t = e1.type ? e1.type : e2.type;
            }
            if (live(c)) {
                uint32_t l3;
                TRY_RET(loc(c, h1, &l1));
                TRY_RET(loc(c, h2, &l2));
                TRY_RET(loc(c, hc, &l3));
                TRY_RET(op(c, GB_IR_SELECT, 4, &at));
                c->cells[at + 1].u = slot(c, h1);
                c->cells[at + 2].u = l1;
                c->cells[at + 3].u = l2;
                c->cells[at + 4].u = l3;
                TRY_RET(push(c, t));
                c->last_dst = at + 1;
            } else
                TRY_RET(push(c, t));
            break;
        }
        case GB_OP_LOCAL_GET:
            TRY_RET(local_idx(c, &x));
            TRY_RET(push_entry(c, (vs){.type = c->ltypes[x], .kind = VS_LOCAL,
                                   .local = x}));
            if (!live(c))
                c->st[c->sh - 1].kind = VS_SLOT;
            break;
        case GB_OP_LOCAL_SET:
        case GB_OP_LOCAL_TEE:
            TRY_RET(local_idx(c, &x));
            TRY_RET(set_local(c, x, b == GB_OP_LOCAL_TEE));
            break;
        case GB_OP_GLOBAL_GET:
            if (!gb_read_u32(&c->r, &x))
                return MALFORMED("unexpected end");
            if (x >= m->nglobals)
                return INVALID("unknown global %u", x);
            if (live(c)) {
                TRY_RET(emit2(c, GB_IR_GLOBAL_GET, slot(c, c->sh), x));
                at = c->n - 3;
                TRY_RET(push(c, m->globals[x].type));
                c->last_dst = at + 1;
            } else
                TRY_RET(push(c, m->globals[x].type));
            break;
        case GB_OP_GLOBAL_SET:
            if (!gb_read_u32(&c->r, &x))
                return MALFORMED("unexpected end");
            if (x >= m->nglobals)
                return INVALID("unknown global %u", x);
            if (!m->globals[x].mut)
                return INVALID("global is immutable");
            TRY_RET(pop(c, m->globals[x].type, NULL, &h));
            if (live(c)) {
                TRY_RET(loc(c, h, &l1));
                TRY_RET(emit2(c, GB_IR_GLOBAL_SET, x, l1));
            }
            break;
        case GB_OP_TABLE_GET: {
            uint32_t t;
            TRY_RET(table_idx(c, &t));
            TRY_RET(pop(c, GB_I32, NULL, &h));
            if (live(c)) {
                TRY_RET(loc(c, h, &l1));
                TRY_RET(op(c, GB_IR_TABLE_GET, 3, &at));
                c->cells[at + 1].u = slot(c, h);
                c->cells[at + 2].u = t;
                c->cells[at + 3].u = l1;
            }
            TRY_RET(push(c, m->tables[t].elem));
            break;
        }
        case GB_OP_TABLE_SET: {
            uint32_t t;
            TRY_RET(table_idx(c, &t));
            TRY_RET(pop(c, m->tables[t].elem, NULL, NULL));
            TRY_RET(pop(c, GB_I32, NULL, &h));
            if (live(c)) {
                TRY_RET(loc(c, h, &l1));
                TRY_RET(loc(c, h + 1, &l2));
                TRY_RET(op(c, GB_IR_TABLE_SET, 3, &at));
                c->cells[at + 1].u = t;
                c->cells[at + 2].u = l1;
                c->cells[at + 3].u = l2;
            }
            break;
        }
        case GB_OP_MEMORY_SIZE:
            TRY_RET(zero_byte(c));
            TRY_RET(need_memory(c));
            if (live(c)) {
                TRY_RET(op(c, GB_IR_MEMORY_SIZE, 1, &at));
                c->cells[at + 1].u = slot(c, c->sh);
            }
            TRY_RET(push(c, GB_I32));
            break;
        case GB_OP_MEMORY_GROW:
            TRY_RET(zero_byte(c));
            TRY_RET(need_memory(c));
            TRY_RET(pop(c, GB_I32, NULL, &h));
            if (live(c)) {
                TRY_RET(loc(c, h, &l1));
                TRY_RET(emit2(c, GB_IR_MEMORY_GROW, slot(c, h), l1));
            }
            TRY_RET(push(c, GB_I32));
            break;
        case GB_OP_I32_CONST:{
            int32_t v;
            if (!gb_read_s32(&c->r, &v))
                return MALFORMED("bad i32 constant");
            TRY_RET(push_const(c, GB_I32, (uint32_t)v));
            break;
        }
        case GB_OP_I64_CONST:{
            int64_t v;
            if (!gb_read_s64(&c->r, &v))
                return MALFORMED("bad i64 constant");
            TRY_RET(push_const(c, GB_I64, (uint64_t)v));
            break;
        }
        case GB_OP_F32_CONST:{
            uint32_t v;
            if (!gb_read_u32_fixed(&c->r, &v))
                return MALFORMED("unexpected end");
            TRY_RET(push_const(c, GB_F32, v));
            break;
        }
        case GB_OP_F64_CONST:{
            uint64_t v;
            if (!gb_read_u64_fixed(&c->r, &v))
                return MALFORMED("unexpected end");
            TRY_RET(push_const(c, GB_F64, v));
            break;
        }
        case GB_OP_REF_NULL: {
            uint8_t t;
            if (!gb_read_u8(&c->r, &t))
                return MALFORMED("unexpected end");
            if (!is_ref(t))
                return MALFORMED("malformed reference type");
            TRY_RET(push_const(c, t, 0));
            break;
        }
        case GB_OP_REF_IS_NULL: {
            vs e;
            TRY_RET(pop(c, 0, &e, &h));
            if (e.type && !is_ref(e.type))
                return INVALID("type mismatch: ref.is_null needs a reference");
            if (live(c)) {
                TRY_RET(loc(c, h, &l1));
                TRY_RET(emit2(c, GB_IR_REF_IS_NULL, slot(c, h), l1));
                at = c->n - 3;
                TRY_RET(push(c, GB_I32));
                c->last_dst = at + 1;
            } else
                TRY_RET(push(c, GB_I32));
            break;
        }
        case GB_OP_REF_FUNC:
            if (!gb_read_u32(&c->r, &x))
                return MALFORMED("unexpected end");
            if (x >= m->nfuncs)
                return INVALID("unknown function %u", x);
            if (!m->func_declared || !m->func_declared[x])
                return INVALID("undeclared function reference %u", x);
            if (live(c))
                TRY_RET(emit2(c, GB_IR_REF_FUNC, slot(c, c->sh), x));
            TRY_RET(push(c, GB_FUNCREF));
            break;
        case GB_OP_PREFIX_FC:
            TRY_RET(compile_fc(c));
            break;
        default:
            return MALFORMED("illegal opcode 0x%02x", b);
        }
    }
    if (!gb_reader_eof(&c->r))
        return MALFORMED("operators remaining after end of function");
    return GB_OK;
}

static gb_err compile_func(comp *c, uint32_t i, gb_code *code)
{
    gb_module *m = c->m;
    const gb_func_def *def = &m->funcs[i];
    c->def = def;
    c->funcidx = m->nfunc_imports + i;
    c->ft = &m->types[def->type];
    uint64_t nlt = (uint64_t)c->ft->nparams + def->nlocals;
    if (nlt > m->cfg.max_locals)
        return fail(c, GB_LIMIT, "too many locals (%llu)", (unsigned long long)nlt);
    c->nlt = (uint32_t)nlt;
    c->ltypes = gb_malloc(2 * nlt + 1);
    if (!c->ltypes)
        return GB_NOMEM;
    c->written = c->ltypes + nlt;
    memset(c->written, 0, nlt);
    memset(c->written, 1, c->ft->nparams);
    c->seen_loop = false;
    gb_copy(c->ltypes, c->ft->params, c->ft->nparams);
    gb_copy(c->ltypes + c->ft->nparams, def->locals, def->nlocals);
    for (uint32_t k = 0; k < nlt; k++)
        if (c->ltypes[k] == GB_F32 || c->ltypes[k] == GB_F64)
            m->uses_floats = true;
    c->r = gb_reader_make(def->expr, def->expr_len);
    c->n = 0;
    c->nrelocs = 0;
    c->sh = c->max_h = 0;
    c->ch = 0;
    c->last_dst = NONE;
    gb_err e = compile_body(c);
    free(c->ltypes);
    c->ltypes = NULL;
    if (e)
        return e;
    gb_cell *cells = gb_malloc((c->n ? c->n : 1) * sizeof *cells);
    if (!cells)
        return GB_NOMEM;
    gb_copy(cells, c->cells, c->n * sizeof *cells);
    for (uint32_t k = 0; k < c->nrelocs; k++) {
        uint32_t r = c->relocs[k];
        if (r & 0x80000000u) {
            r &= 0x7fffffffu;
            uint64_t fi = cells[r].u;
            cells[r].p = m->code[fi - m->nfunc_imports];
        } else {
            /* A branch whose target opens a metered block charges that
             * block itself and jumps past its GAS: one dispatch less per
             * loop iteration.  The gas cell follows every target cell. */
            uint64_t t = cells[r].u;
            if (c->meter && t < c->n && cells[t].h == c->H[GB_IR_GAS]) {
                cells[r + 1].u = cells[t + 1].u;
                t += 2;
            }
            cells[r].p = &cells[t];
        }
    }
    code->cells = cells;
    code->ncells = c->n;
    code->funcidx = c->funcidx;
    code->nparams = c->ft->nparams;
    code->nresults = c->ft->nresults;
    code->nlocals = def->nlocals;
    code->frame_slots = c->nlt + c->max_h + 1;
    return GB_OK;
}

gb_err gb_compile_module(gb_module *m, char *detail, size_t detail_len)
{
    uint32_t ndefs = m->nfuncs - m->nfunc_imports;
    m->code = gb_calloc(ndefs ? ndefs : 1, sizeof *m->code);
    if (!m->code)
        return GB_NOMEM;
    for (uint32_t i = 0; i < ndefs; i++) {
        m->code[i] = gb_calloc(1, sizeof(gb_code));
        if (!m->code[i])
            return GB_NOMEM;
    }
    comp c = {.m = m, .meter = m->cfg.metering, .H = gb_interp_handlers(),
              .detail = detail, .detail_len = detail_len};
    c.gs = m->cfg.schedule ? m->cfg.schedule : gb_gas_schedule_default();
    gb_err e = GB_OK;
    for (uint32_t i = 0; i < ndefs && !e; i++)
        e = compile_func(&c, i, m->code[i]);
    free(c.cells);
    free(c.relocs);
    free(c.st);
    free(c.cs);
    free(c.ltypes);
    return e;
}

void gb_code_free(gb_code *c)
{
    if (!c)
        return;
    free(c->cells);
    free(c);
}
