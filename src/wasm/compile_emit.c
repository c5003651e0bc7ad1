/*
 * The compiler's machinery (see compile_int.h): the code buffer, Gear's
 * metered blocks, the virtual stack of lazy operands, labels and
 * branches (with compare-and-branch fusion), and the emission of the
 * instruction groups (numeric ops with their fused forms, calls, locals,
 * bulk operations).  compile.c drives it, one instruction at a time, and
 * its opening comment describes the design.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/try.h"
#include "wasm/compile_int.h"

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

static const uint8_t single_types[256] = {
    [GB_I32] = GB_I32, [GB_I64] = GB_I64, [GB_F32] = GB_F32,
    [GB_F64] = GB_F64, [GB_FUNCREF] = GB_FUNCREF,
    [GB_EXTERNREF] = GB_EXTERNREF,
};

gb_err gb_comp_fail(comp *c, gb_err code, const char *fmt, ...)
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

/* ---- code buffer ------------------------------------------------------ */

gb_err gb_comp_reloc(comp *c, uint32_t cell)
{
    if (!gb_grow((void **)&c->relocs, &c->caprelocs, c->nrelocs + 1ull,
                 sizeof *c->relocs, 64))
        return GB_NOMEM;
    c->relocs[c->nrelocs++] = cell;
    return GB_OK;
}

/* Emit an instruction: its handler and k operands (callers then fill
 * c->cells[start+1..]).  Reserves room; returns the handler's index.
 * gb_comp_op takes k from the instruction's row (ir.h). */
gb_err gb_comp_op(comp *c, gb_irop o, uint32_t *at)
{
    return gb_comp_op_n(c, o, (uint32_t)gb_ir_nops[o], at);
}

gb_err gb_comp_op_n(comp *c, gb_irop o, uint32_t k, uint32_t *at)
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

gb_err gb_comp_emit2(comp *c, gb_irop o, uint64_t a, uint64_t b)
{
    uint32_t at;
    TRY_RET(gb_comp_op(c, o, &at));
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
void gb_comp_mb_finalize(comp *c)
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
void gb_comp_mb_branch(comp *c, const uint32_t *ds, uint32_t n)
{
    gb_comp_mb_finalize(c);
    ctrl *top = &c->cs[c->ch - 1];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t idx = c->ch - 1 - ds[i];
        if (c->cs[idx].kind != C_LOOP && idx < top->lfbt)
            top->lfbt = idx;
    }
}

/* Before instruction c->ip: the GAS of a metered block starting here. */
gb_err gb_comp_gas_emit(comp *c)
{
    ctrl *f = &c->cs[c->ch - 1];
    if (!c->meter || f->mb_pos != c->ip || f->mb_cell != NONE || !live(c))
        return GB_OK;
    uint32_t at;
    TRY_RET(gb_comp_op(c, GB_IR_GAS, &at));
    c->cells[at + 1].u = 0;
    for (uint32_t i = c->ch; i-- > 0 && c->cs[i].mb_pos == c->ip;)
        c->cs[i].mb_cell = at + 1;
    /* right after a conditional branch (a br_if, an if): the branch's
     * fall-through charges this GAS itself (its _G form, ir.h) */
    if (c->cond_end == at)
        c->cells[c->cond_at].h = c->H[gb_ir_charging(c->cond_op)];
    return GB_OK;
}

/* ---- the virtual stack -------------------------------------------------- */

/* Pop one operand of type want (0 = any); out gets the entry and its
 * height. Under an unreachable frame the stack is polymorphic. */
gb_err gb_comp_pop(comp *c, uint8_t want, vs *out, uint32_t *out_h)
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
gb_err gb_comp_pop_types(comp *c, const uint8_t *types, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        TRY_RET(gb_comp_pop(c, types[i], NULL, NULL));
    return GB_OK;
}

gb_err gb_comp_push_types(comp *c, const uint8_t *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        TRY_RET(push(c, types[i]));
    return GB_OK;
}

/* Emit what puts entry e's value into slot dst; home is e's own slot. */
gb_err gb_comp_emit_value(comp *c, const vs *e, uint32_t home, uint32_t dst)
{
    uint32_t at;
    switch (e->kind) {
    case VS_SLOT:
        return home == dst ? GB_OK : gb_comp_emit2(c, GB_IR_COPY, dst, home);
    case VS_LOCAL:
        return e->local == dst ? GB_OK
                               : gb_comp_emit2(c, GB_IR_COPY, dst, e->local);
    case VS_CONST:
        return gb_comp_emit2(c, GB_IR_CONST, dst, e->k);
    default:
        TRY_RET(gb_comp_op(c, e->kind == VS_ADDR_I ? GB_IR_I32_ADD_I
                                                   : GB_IR_I32_ADD, &at));
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
gb_err gb_comp_materialize(comp *c, uint32_t h)
{
    vs *e = &c->st[h];
    TRY_RET(gb_comp_emit_value(c, e, slot(c, h), slot(c, h)));
    e->kind = VS_SLOT;
    return GB_OK;
}

gb_err gb_comp_materialize_range(comp *c, uint32_t from, uint32_t to)
{
    if (!live(c))
        return GB_OK;
    for (uint32_t h = from; h < to; h++)
        TRY_RET(gb_comp_materialize(c, h));
    return GB_OK;
}

/* Where an operand can be read: its slot (materialising a constant into
 * its home when it must be read from a slot). */
gb_err gb_comp_loc(comp *c, uint32_t h, uint32_t *out)
{
    vs *e = &c->st[h];
    if (e->kind == VS_LOCAL) {
        *out = e->local;
        return GB_OK;
    }
    if (e->kind != VS_SLOT)
        TRY_RET(gb_comp_materialize(c, h));
    *out = slot(c, h);
    return GB_OK;
}

/* ---- labels ------------------------------------------------------------- */

/* Make cell `cell` jump to the label of frame f. */
gb_err gb_comp_target(comp *c, ctrl *f, uint32_t cell)
{
    if (f->kind == C_LOOP) {
        c->cells[cell].u = f->loop_pc;
        return gb_comp_reloc(c, cell);
    }
    c->cells[cell].u = f->patch;
    f->patch = cell;
    return GB_OK;
}

/* Bind frame f's pending forward jumps to the current position. */
gb_err gb_comp_bind(comp *c, uint32_t chain)
{
    while (chain != NONE) {
        uint32_t next = (uint32_t)c->cells[chain].u;
        c->cells[chain].u = here(c);
        TRY_RET(gb_comp_reloc(c, chain));
        chain = next;
    }
    return GB_OK;
}

/* Copy the top n operands (at heights src..src+n) to heights dst.. . */
static gb_err move_values(comp *c, uint32_t src, uint32_t dst, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        TRY_RET(gb_comp_emit_value(c, &c->st[src + i], slot(c, src + i),
                       slot(c, dst + i)));
    return GB_OK;
}

/* The results (top nresults operands at height src) go to fp[0..) and the
 * function returns. */
gb_err gb_comp_emit_return(comp *c, uint32_t src)
{
    uint32_t n = c->ft->nresults;
    if (n > 1) {
        /* fp[0..n) may hold locals that lazy entries name: first give every
         * value its home (without changing the entries: this may be one of
         * several paths), then move homes down in ascending order, which is
         * safe because slot(src + i) >= i. */
        for (uint32_t i = 0; i < n; i++)
            TRY_RET(gb_comp_emit_value(c, &c->st[src + i], slot(c, src + i),
                           slot(c, src + i)));
        for (uint32_t i = 0; i < n; i++)
            if (slot(c, src + i) != i)
                TRY_RET(gb_comp_emit2(c, GB_IR_COPY, i, slot(c, src + i)));
        uint32_t at;
        return gb_comp_op(c, GB_IR_RETURN, &at);
    }
    for (uint32_t i = 0; i < n; i++) {
        vs *e = &c->st[src + i];
        if (e->kind == VS_SLOT && c->last_dst != NONE &&
            c->cells[c->last_dst].u == slot(c, src + i)) {
            /* the producer writes the result cell itself: nothing reads
             * the frame after this */
            c->cells[c->last_dst].u = i;
        } else {
            TRY_RET(gb_comp_emit_value(c, e, slot(c, src + i), i));
        }
    }
    uint32_t at;
    return gb_comp_op(c, GB_IR_RETURN, &at);
}

/* Emit an unconditional branch to frame depth d with the label's values
 * on top of the stack at height src. */
gb_err gb_comp_emit_br(comp *c, uint32_t d, uint32_t src)
{
    ctrl *f = &c->cs[c->ch - 1 - d];
    if (f->kind == C_FUNC)
        return gb_comp_emit_return(c, src);
    TRY_RET(move_values(c, src, f->height, label_arity(f)));
    uint32_t at;
    TRY_RET(gb_comp_op(c, GB_IR_JMP, &at));
    c->cells[at + 2].u = 0;
    return gb_comp_target(c, f, at + 1);
}

gb_err gb_comp_label_depth(comp *c, uint32_t *out)
{
    uint32_t d;
    if (!gb_read_u32(&c->r, &d))
        return MALFORMED("unexpected end");
    if (d >= c->ch)
        return INVALID("unknown label %u", d);
    *out = d;
    return GB_OK;
}

gb_err gb_comp_block_type(comp *c, ctrl *f)
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
gb_err gb_comp_take_params(comp *c, ctrl *nf)
{
    uint32_t before = c->sh;
    TRY_RET(gb_comp_pop_types(c, nf->params, nf->nparams));
    nf->height = c->sh;
    if (!c->cs[c->ch - 1].unreachable && c->sh + nf->nparams == before)
        c->sh = before;
    else
        TRY_RET(gb_comp_push_types(c, nf->params, nf->nparams));
    return GB_OK;
}

/* Emit a conditional branch on the i32 at height hc: to the label of
 * frame f when the value is nonzero (when_true) or zero; the target cell
 * is attached to f (or, with f == NULL, returned in *out_cell for the
 * caller to patch).  Fuses with the comparison that produced the value
 * when that was the last instruction. */
gb_err gb_comp_emit_cond_br(comp *c, uint32_t hc, bool when_true, ctrl *f,
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
        TRY_RET(gb_comp_loc(c, hc, &l1));
        TRY_RET(gb_comp_op(c, when_true ? GB_IR_BR_IF : GB_IR_BR_UNLESS, &at));
        c->cells[at + 1].u = l1;
        cell = at + 2;
    }
    c->cells[cell + 1].u = 0;
    c->cond_at = at;
    c->cond_op = fused ? fused : when_true ? GB_IR_BR_IF : GB_IR_BR_UNLESS;
    c->cond_end = c->n;
    if (f)
        return gb_comp_target(c, f, cell);
    *out_cell = cell;
    return GB_OK;
}

gb_err gb_comp_push_ctrl(comp *c, ctrl f)
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

gb_err gb_comp_unop(comp *c, gb_irop o, uint8_t ti, uint8_t to)
{
    uint32_t h, la;
    TRY_RET(gb_comp_pop(c, ti, NULL, &h));
    if (live(c)) {
        TRY_RET(gb_comp_loc(c, h, &la));
        uint32_t at;
        TRY_RET(gb_comp_op(c, o, &at));
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

gb_err gb_comp_binop(comp *c, gb_irop o, uint8_t ti, uint8_t to)
{
    uint32_t hb, ha;
    TRY_RET(gb_comp_pop(c, ti, NULL, &hb));
    TRY_RET(gb_comp_pop(c, ti, NULL, &ha));
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
        TRY_RET(gb_comp_loc(c, ha, &la));
        TRY_RET(gb_comp_op(c, (gb_irop)(o + 1), &at));
        c->cells[at + 2].u = la;
        c->cells[at + 3].u = k;
    } else {
        TRY_RET(gb_comp_loc(c, ha, &la));
        TRY_RET(gb_comp_loc(c, hb, &lb));
        TRY_RET(gb_comp_op(c, o, &at));
        c->cells[at + 2].u = la;
        c->cells[at + 3].u = lb;
    }
    c->cells[at + 1].u = slot(c, ha);
    TRY_RET(push(c, to));
    c->last_dst = at + 1;
    return GB_OK;
}

gb_err gb_comp_memarg(comp *c, uint32_t natural, uint32_t *out_offset)
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

gb_err gb_comp_need_memory(comp *c)
{
    if (c->m->nmems == 0)
        return INVALID("unknown memory 0");
    return GB_OK;
}

gb_err gb_comp_zero_byte(comp *c)
{
    uint8_t b;
    if (!gb_read_u8(&c->r, &b))
        return MALFORMED("unexpected end");
    if (b != 0)
        return MALFORMED("zero byte expected");
    return GB_OK;
}

gb_err gb_comp_table_idx(comp *c, uint32_t *out)
{
    if (!gb_read_u32(&c->r, out))
        return MALFORMED("unexpected end");
    if (*out >= c->m->ntables)
        return INVALID("unknown table %u", *out);
    return GB_OK;
}

gb_err gb_comp_call_common(comp *c, const gb_functype *ft, gb_irop o,
                          uint64_t a, uint32_t *extra_loc, uint32_t idx_h)
{
    (void)idx_h;
    uint32_t hb = c->sh; /* after pops: the first argument's height */
    if (live(c)) {
        TRY_RET(gb_comp_materialize_range(c, hb, hb + ft->nparams));
        uint32_t at;
        if (o == GB_IR_CALL_INDIRECT) {
            TRY_RET(gb_comp_op(c, o, &at));
            c->cells[at + 1].u = a >> 32;          /* table */
            c->cells[at + 2].u = a & 0xffffffffu;  /* type index */
            c->cells[at + 3].u = slot(c, hb);
            c->cells[at + 4].u = *extra_loc;
        } else {
            /* metered, every function opens with a GAS (gas_emit at its
             * first instruction): a direct call charges it (CALL_G) */
            if (o == GB_IR_CALL && c->meter)
                o = GB_IR_CALL_G;
            TRY_RET(gb_comp_op(c, o, &at));
            c->cells[at + 1].u = a;
            c->cells[at + 2].u = slot(c, hb);
        }
    }
    /* the callee's frame starts at slot(hb): make sure ours covers the
     * results too */
    return gb_comp_push_types(c, ft->results, ft->nresults);
}

gb_err gb_comp_local_idx(comp *c, uint32_t *out)
{
    if (!gb_read_u32(&c->r, out))
        return MALFORMED("unexpected end");
    if (*out >= c->nlt)
        return INVALID("unknown local %u", *out);
    return GB_OK;
}

/* local.set / local.tee x with the value at the top of the stack. */
gb_err gb_comp_set_local(comp *c, uint32_t x, bool tee)
{
    uint32_t h;
    TRY_RET(gb_comp_pop(c, c->ltypes[x], NULL, &h));
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
                    TRY_RET(gb_comp_materialize(c, i));
        TRY_RET(gb_comp_emit_value(c, e, slot(c, h), x));
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

/* Pop three operands of types t[0..2] (t[2] on top) and emit o with the
 * immediates imm[0..nimm) followed by the three operands' slots: the shape
 * of every bulk memory and table instruction. */
gb_err gb_comp_emit_three(comp *c, gb_irop o, const uint64_t *imm,
                         uint32_t nimm, const uint8_t t[3])
{
    uint32_t h, l[3], at;
    TRY_RET(gb_comp_pop(c, t[2], NULL, NULL));
    TRY_RET(gb_comp_pop(c, t[1], NULL, NULL));
    TRY_RET(gb_comp_pop(c, t[0], NULL, &h));
    if (!live(c))
        return GB_OK;
    for (uint32_t i = 0; i < 3; i++)
        TRY_RET(gb_comp_loc(c, h + i, &l[i]));
    TRY_RET(gb_comp_op(c, o, &at));
    for (uint32_t i = 0; i < nimm; i++)
        c->cells[at + 1 + i].u = imm[i];
    for (uint32_t i = 0; i < 3; i++)
        c->cells[at + 1 + nimm + i].u = l[i];
    return GB_OK;
}
