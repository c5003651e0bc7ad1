/*
 * Validation and compilation of function bodies, in one pass.
 *
 * The validator is the spec's algorithm (an operand-type stack and a
 * control stack, with the polymorphic stack after unconditional
 * branches).  While it checks each instruction it emits the internal code
 * described in ir.h, so every body is decoded exactly once.  This file is
 * the instruction loop (one case per opcode, by its opcodes.h name) and
 * the per-function and per-module driver; compile_emit.c holds the
 * machinery it drives (compile_int.h): the code buffer, the metered
 * blocks, the virtual stack, labels and the instruction groups.
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
 * A GAS reached by falling through a conditional branch, or opening a
 * function called directly, is charged by that branch or call (their _G
 * forms, ir.h): the GAS stays in the code, undispatched on those paths.
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
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/mem.h"
#include "util/try.h"
#include "wasm/compile_int.h"

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
#define SA_(name)                                                           \
    [GB_IR_##name] = {.add = GB_IR_##name##_ADD, .addi = GB_IR_##name##_ADDI},
    GB_IR_STADD(SA_)
#undef SA_
};

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
    /* (what a reused instance must make again: runtime.c) */
    if (sub == GB_OP_TABLE_INIT || sub == GB_OP_ELEM_DROP ||
        sub == GB_OP_TABLE_COPY || sub == GB_OP_TABLE_GROW ||
        sub == GB_OP_TABLE_FILL)
        c->m->changes_tables = true;
    if (sub == GB_OP_DATA_DROP)
        c->m->drops_data = true;
    gb_module *m = c->m;
    uint32_t at, h, l1, l2;
    if (sub < 32 && fc_unops[sub].ir)
        return gb_comp_unop(c, fc_unops[sub].ir, fc_unops[sub].in,
                            fc_unops[sub].out);
    switch (sub) {
    case GB_OP_MEMORY_INIT: {
        uint32_t seg;
        if (!gb_read_u32(&c->r, &seg))
            return MALFORMED("unexpected end");
        TRY_RET(gb_comp_zero_byte(c));
        TRY_RET(gb_comp_need_memory(c));
        if (!m->has_datacount)
            return MALFORMED("data count section required");
        if (seg >= m->ndatas)
            return INVALID("unknown data segment %u", seg);
        uint64_t imm = seg;
        return gb_comp_emit_three(c, GB_IR_MEMORY_INIT, &imm, 1, three_i32);
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
        TRY_RET(gb_comp_op(c, GB_IR_DATA_DROP, &at));
        c->cells[at + 1].u = seg;
        return GB_OK;
    }
    case GB_OP_MEMORY_COPY:
    case GB_OP_MEMORY_FILL: {
        TRY_RET(gb_comp_zero_byte(c));
        if (sub == GB_OP_MEMORY_COPY)
            TRY_RET(gb_comp_zero_byte(c));
        TRY_RET(gb_comp_need_memory(c));
        return gb_comp_emit_three(c,
                                  sub == GB_OP_MEMORY_COPY ? GB_IR_MEMORY_COPY
                                                           : GB_IR_MEMORY_FILL,
                                  NULL, 0, three_i32);
    }
    case GB_OP_TABLE_INIT: {
        uint32_t seg, t;
        if (!gb_read_u32(&c->r, &seg))
            return MALFORMED("unexpected end");
        TRY_RET(gb_comp_table_idx(c, &t));
        if (seg >= m->nelems)
            return INVALID("unknown elem segment %u", seg);
        if (m->elems[seg].type != m->tables[t].elem)
            return INVALID("type mismatch: element segment and table");
        uint64_t imm[2] = {t, seg};
        return gb_comp_emit_three(c, GB_IR_TABLE_INIT, imm, 2, three_i32);
    }
    case GB_OP_ELEM_DROP: {
        uint32_t seg;
        if (!gb_read_u32(&c->r, &seg))
            return MALFORMED("unexpected end");
        if (seg >= m->nelems)
            return INVALID("unknown elem segment %u", seg);
        if (!live(c))
            return GB_OK;
        TRY_RET(gb_comp_op(c, GB_IR_ELEM_DROP, &at));
        c->cells[at + 1].u = seg;
        return GB_OK;
    }
    case GB_OP_TABLE_COPY: {
        uint32_t td, ts;
        TRY_RET(gb_comp_table_idx(c, &td));
        TRY_RET(gb_comp_table_idx(c, &ts));
        if (m->tables[td].elem != m->tables[ts].elem)
            return INVALID("type mismatch: table.copy between types");
        uint64_t imm[2] = {td, ts};
        return gb_comp_emit_three(c, GB_IR_TABLE_COPY, imm, 2, three_i32);
    }
    case GB_OP_TABLE_GROW: {
        uint32_t t;
        TRY_RET(gb_comp_table_idx(c, &t));
        TRY_RET(gb_comp_pop(c, GB_I32, NULL, NULL));
        TRY_RET(gb_comp_pop(c, m->tables[t].elem, NULL, &h));
        if (!live(c))
            return push(c, GB_I32);
        TRY_RET(gb_comp_loc(c, h, &l1));
        TRY_RET(gb_comp_loc(c, h + 1, &l2));
        TRY_RET(gb_comp_op(c, GB_IR_TABLE_GROW, &at));
        c->cells[at + 1].u = slot(c, h);
        c->cells[at + 2].u = t;
        c->cells[at + 3].u = l1;
        c->cells[at + 4].u = l2;
        return push(c, GB_I32);
    }
    case GB_OP_TABLE_SIZE: {
        uint32_t t;
        TRY_RET(gb_comp_table_idx(c, &t));
        if (live(c))
            TRY_RET(gb_comp_emit2(c, GB_IR_TABLE_SIZE, slot(c, c->sh), t));
        return push(c, GB_I32);
    }
    case GB_OP_TABLE_FILL: {
        uint32_t t;
        TRY_RET(gb_comp_table_idx(c, &t));
        const uint8_t types[3] = {GB_I32, m->tables[t].elem, GB_I32};
        uint64_t imm = t;
        return gb_comp_emit_three(c, GB_IR_TABLE_FILL, &imm, 1, types);
    }
    default:
        return MALFORMED("illegal opcode 0xfc %u", sub);
    }
}

static gb_err compile_body(comp *c)
{
    gb_module *m = c->m;
    const gb_gas_schedule *gs = c->gs;
    TRY_RET(gb_comp_push_ctrl(c, (ctrl){.kind = C_FUNC, .height = 0,
                            .nresults = c->ft->nresults,
                            .results = c->ft->results, .patch = NONE,
                            .else_patch = NONE}));
    charge(c, (uint64_t)gs->per_local * c->def->nlocals);

    for (c->ip = 0; c->ch > 0; c->ip++) {
        uint8_t b;
        TRY_RET(gb_comp_gas_emit(c));
        if (!gb_read_u8(&c->r, &b))
            return MALFORMED("unexpected end of function body");
        charge(c, gs->op[b]);
        if (gb_op_info(b)->features & GB_FEATURE_FLOATS)
            m->uses_floats = true;
        uint32_t at, h, x, l1, l2;
        ctrl *f;
        if (unops[b].ir) {
            TRY_RET(gb_comp_unop(c, unops[b].ir, unops[b].in, unops[b].out));
            continue;
        }
        if (binops[b].ir) {
            TRY_RET(gb_comp_binop(c, binops[b].ir, binops[b].in,
                                  binops[b].out));
            continue;
        }
        if (loads[b].ir) {
            uint32_t off;
            TRY_RET(gb_comp_memarg(c, loads[b].align, &off));
            TRY_RET(gb_comp_pop(c, GB_I32, NULL, &h));
            if (live(c)) {
                gb_irop lo = loads[b].ir;
                vs *e = &c->st[h];
                bool after_add = c->last_dst != NONE &&
                                 c->last_dst == c->last_at + 1 &&
                                 (c->last_op == GB_IR_I32_ADD ||
                                  c->last_op == GB_IR_I32_ADD_I);
                if (e->kind == VS_ADDR_I || e->kind == VS_ADDR_L) {
                    TRY_RET(gb_comp_op(c, e->kind == VS_ADDR_I
                                              ? ld_fused[lo].addi
                                              : ld_fused[lo].add, &at));
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
                    TRY_RET(gb_comp_loc(c, h, &l1));
                    TRY_RET(gb_comp_op(c, lo, &at));
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
            TRY_RET(gb_comp_memarg(c, stores[b].align, &off));
            TRY_RET(gb_comp_pop(c, stores[b].type, NULL, NULL));
            TRY_RET(gb_comp_pop(c, GB_I32, NULL, &h));
            if (live(c)) {
                vs *e = &c->st[h];
                if (e->kind == VS_ADDR_I || e->kind == VS_ADDR_L) {
                    gb_irop so = stores[b].ir;
                    TRY_RET(gb_comp_loc(c, h + 1, &l2));
                    TRY_RET(gb_comp_op(c, e->kind == VS_ADDR_I
                                              ? st_fused[so].addi
                                              : st_fused[so].add, &at));
                    c->cells[at + 1].u = e->local;
                    c->cells[at + 2].u =
                        e->kind == VS_ADDR_I ? e->k : e->local2;
                    c->cells[at + 3].u = l2;
                    c->cells[at + 4].u = off;
                } else {
                    TRY_RET(gb_comp_loc(c, h, &l1));
                    TRY_RET(gb_comp_loc(c, h + 1, &l2));
                    TRY_RET(gb_comp_op(c, stores[b].ir, &at));
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
                TRY_RET(gb_comp_op(c, GB_IR_UNREACHABLE, &at));
            TRY_RET(set_unreachable(c));
            break;
        case GB_OP_NOP:
            break;
        case GB_OP_BLOCK:
        case GB_OP_LOOP: {
            if (b == GB_OP_LOOP)
                c->seen_loop = true;
            ctrl nf = {.kind = b == GB_OP_BLOCK ? C_BLOCK : C_LOOP,
                       .patch = NONE, .else_patch = NONE};
            TRY_RET(gb_comp_block_type(c, &nf));
            TRY_RET(gb_comp_take_params(c, &nf));
            TRY_RET(gb_comp_materialize_range(c, 0, c->sh));
            bool was_live = live(c);
            nf.dead = !was_live;
            if (nf.kind == C_LOOP && was_live)
                nf.loop_pc = here(c); /* the GAS of the loop's block comes
                                         next (gas_emit) */
            TRY_RET(gb_comp_push_ctrl(c, nf));
            break;
        }
        case GB_OP_IF: {
            ctrl nf = {.kind = C_IF, .patch = NONE, .else_patch = NONE};
            TRY_RET(gb_comp_block_type(c, &nf));
            uint32_t hc;
            TRY_RET(gb_comp_pop(c, GB_I32, NULL, &hc));
            TRY_RET(gb_comp_take_params(c, &nf));
            bool was_live = live(c);
            nf.dead = !was_live;
            if (was_live) {
                if (c->st[hc].kind == VS_CONST)
                    TRY_RET(gb_comp_loc(c, hc, &l1));
                /* materialising the params must not come between the
                 * comparison and the branch, and need not: the
                 * comparison's result is above them */
                uint32_t keep_dst = c->last_dst, keep_at = c->last_at;
                gb_irop keep_op = c->last_op;
                uint32_t n_before = c->n;
                TRY_RET(gb_comp_materialize_range(c, 0, c->sh));
                if (c->n == n_before) {
                    c->last_dst = keep_dst;
                    c->last_at = keep_at;
                    c->last_op = keep_op;
                }
                TRY_RET(gb_comp_emit_cond_br(c, hc, false, NULL,
                                             &nf.else_patch));
            }
            TRY_RET(gb_comp_push_ctrl(c, nf));
            break;
        }
        case GB_OP_ELSE: {
            f = &c->cs[c->ch - 1];
            if (f->kind != C_IF)
                return MALFORMED("else without if");
            TRY_RET(gb_comp_pop_types(c, f->results, f->nresults));
            if (c->sh != f->height)
                return INVALID("type mismatch: values remaining at else");
            if (live(c)) {
                TRY_RET(gb_comp_materialize_range(c, c->sh,
                                                  c->sh + f->nresults));
                TRY_RET(gb_comp_op(c, GB_IR_JMP, &at));
                c->cells[at + 2].u = 0;
                TRY_RET(gb_comp_target(c, f, at + 1));
            }
            gb_comp_mb_finalize(c);
            f->kind = C_ELSE;
            f->unreachable = false;
            if (f->else_patch != NONE) {
                c->cells[f->else_patch].u = here(c);
                TRY_RET(gb_comp_reloc(c, f->else_patch));
                f->else_patch = NONE;
            }
            c->sh = f->height;
            TRY_RET(gb_comp_push_types(c, f->params, f->nparams));
            break;
        }
        case GB_OP_END: {
            f = &c->cs[c->ch - 1];
            TRY_RET(gb_comp_pop_types(c, f->results, f->nresults));
            if (c->sh != f->height)
                return INVALID("type mismatch: values remaining at end");
            if (f->kind == C_IF) {
                if (f->nparams != f->nresults ||
                    !gb_same(f->params, f->results, f->nparams))
                    return INVALID("type mismatch: if without else");
            }
            if (f->kind == C_FUNC) {
                if (live(c))
                    TRY_RET(gb_comp_emit_return(c, c->sh));
                gb_comp_mb_finalize(c);
                c->ch--;
                break;
            }
            if (live(c))
                TRY_RET(gb_comp_materialize_range(c, c->sh,
                                                  c->sh + f->nresults));
            /* finalize_control_block: the block's metered block closes;
             * the parent's does too when a branch may leave beyond it */
            gb_comp_mb_finalize(c);
            ctrl done = c->cs[c->ch - 1];
            c->ch--;
            ctrl *parent = &c->cs[c->ch - 1];
            if (done.lfbt < parent->lfbt)
                parent->lfbt = done.lfbt;
            if (done.lfbt < c->ch)
                gb_comp_mb_finalize(c);
            if (done.else_patch != NONE) {
                c->cells[done.else_patch].u = here(c);
                TRY_RET(gb_comp_reloc(c, done.else_patch));
            }
            TRY_RET(gb_comp_bind(c, done.patch));
            c->sh = done.height;
            TRY_RET(gb_comp_push_types(c, done.results, done.nresults));
            break;
        }
        case GB_OP_BR: {
            uint32_t d;
            TRY_RET(gb_comp_label_depth(c, &d));
            f = &c->cs[c->ch - 1 - d];
            uint32_t n = label_arity(f);
            TRY_RET(gb_comp_pop_types(c, label_types(f), n));
            if (live(c))
                TRY_RET(gb_comp_emit_br(c, d, c->sh));
            gb_comp_mb_branch(c, &d, 1);
            TRY_RET(set_unreachable(c));
            break;
        }
        case GB_OP_BR_IF: {
            uint32_t d, hc;
            TRY_RET(gb_comp_label_depth(c, &d));
            TRY_RET(gb_comp_pop(c, GB_I32, NULL, &hc));
            f = &c->cs[c->ch - 1 - d];
            uint32_t n = label_arity(f);
            TRY_RET(gb_comp_pop_types(c, label_types(f), n));
            uint32_t src = c->sh;
            if (live(c)) {
                bool in_place = f->kind != C_FUNC;
                for (uint32_t i = 0; in_place && i < n; i++)
                    in_place = c->st[src + i].kind == VS_SLOT &&
                               src + i == f->height + i;
                if (in_place) {
                    TRY_RET(gb_comp_emit_cond_br(c, hc, true, f, NULL));
                } else {
                    uint32_t skip;
                    TRY_RET(gb_comp_emit_cond_br(c, hc, false, NULL, &skip));
                    TRY_RET(gb_comp_emit_br(c, d, src));
                    c->cells[skip].u = c->n;
                    TRY_RET(gb_comp_reloc(c, skip));
                }
                c->sh = src + n; /* the values stay, as they were */
            } else {
                TRY_RET(gb_comp_push_types(c, label_types(f), n));
            }
            gb_comp_mb_branch(c, &d, 1);
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
                e = gb_comp_label_depth(c, &ds[i]);
            uint32_t hc = 0;
            if (!e)
                e = gb_comp_pop(c, GB_I32, NULL, &hc);
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
                e = gb_comp_pop_types(c, label_types(f), n);
                c->sh = base; /* re-check against each label */
                if (!e && c->cs[c->ch - 1].unreachable) {
                    /* polymorphic: nothing to restore */
                }
            }
            if (!e) {
                const ctrl *fd = &c->cs[c->ch - 1 - ds[cnt]];
                TRY_RET(gb_comp_pop_types(c, label_types(fd), n));
            }
            if (!e && live(c)) {
                uint32_t src = c->sh;
                e = gb_comp_loc(c, hc, &l1);
                if (!e)
                    e = gb_comp_op_n(c, GB_IR_BR_TABLE, 2 + 2 * (cnt + 1), &at);
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
                        e = gb_comp_target(c, f, at + 3 + 2 * i);
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
                    e = gb_comp_reloc(c, at + 3 + 2 * i);
                    if (!e)
                        e = gb_comp_emit_br(c, ds[i], src);
                }
            }
            if (!e) {
                charge(c, (uint64_t)gs->br_table_per_target * cnt);
                gb_comp_mb_branch(c, ds, cnt + 1);
            }
            free(ds);
            TRY_RET(e);
            TRY_RET(set_unreachable(c));
            break;
        }
        case GB_OP_RETURN:
            TRY_RET(gb_comp_pop_types(c, c->ft->results, c->ft->nresults));
            if (live(c))
                TRY_RET(gb_comp_emit_return(c, c->sh));
            {
                uint32_t d0 = c->ch - 1; /* to the function's block */
                gb_comp_mb_branch(c, &d0, 1);
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
            TRY_RET(gb_comp_pop_types(c, ft->params, ft->nparams));
            if (x < m->nfunc_imports)
                TRY_RET(gb_comp_call_common(c, ft, GB_IR_CALL_IMPORT, x, NULL,
                                            0));
            else {
                uint32_t before = c->n;
                TRY_RET(gb_comp_call_common(c, ft, GB_IR_CALL, x, NULL, 0));
                if (c->n != before) /* mark: function index to pointer */
                    TRY_RET(gb_comp_reloc(c, (c->n - 2) | 0x80000000u));
            }
            break;
        }
        case GB_OP_CALL_INDIRECT: {
            uint32_t ti, t;
            if (!gb_read_u32(&c->r, &ti))
                return MALFORMED("unexpected end");
            TRY_RET(gb_comp_table_idx(c, &t));
            if (ti >= m->ntypes)
                return INVALID("unknown type %u", ti);
            if (m->tables[t].elem != GB_FUNCREF)
                return INVALID("type mismatch: call_indirect on non-funcref table");
            charge(c, gs->call);
            const gb_functype *ft = &m->types[ti];
            charge(c, (uint64_t)gs->call_indirect_per_param * ft->nparams);
            uint32_t hi;
            TRY_RET(gb_comp_pop(c, GB_I32, NULL, &hi));
            TRY_RET(gb_comp_pop_types(c, ft->params, ft->nparams));
            uint32_t li = 0;
            if (live(c)) {
                /* the index sits above the arguments; read it from there */
                TRY_RET(gb_comp_loc(c, hi, &li));
            }
            TRY_RET(gb_comp_call_common(c, ft, GB_IR_CALL_INDIRECT,
                            ((uint64_t)t << 32) | ti, &li, hi));
            break;
        }
        case GB_OP_DROP:
            TRY_RET(gb_comp_pop(c, 0, NULL, NULL));
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
                if (!is_num(t) && !is_ref(t))
                    return MALFORMED("bad value type");
            }
            uint32_t hc, h2, h1;
            vs e1, e2;
            TRY_RET(gb_comp_pop(c, GB_I32, NULL, &hc));
            TRY_RET(gb_comp_pop(c, t, &e2, &h2));
            TRY_RET(gb_comp_pop(c, t, &e1, &h1));
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
                TRY_RET(gb_comp_loc(c, h1, &l1));
                TRY_RET(gb_comp_loc(c, h2, &l2));
                TRY_RET(gb_comp_loc(c, hc, &l3));
                TRY_RET(gb_comp_op(c, GB_IR_SELECT, &at));
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
            TRY_RET(gb_comp_local_idx(c, &x));
            TRY_RET(push_entry(c, (vs){.type = c->ltypes[x], .kind = VS_LOCAL,
                                   .local = x}));
            if (!live(c))
                c->st[c->sh - 1].kind = VS_SLOT;
            break;
        case GB_OP_LOCAL_SET:
        case GB_OP_LOCAL_TEE:
            TRY_RET(gb_comp_local_idx(c, &x));
            TRY_RET(gb_comp_set_local(c, x, b == GB_OP_LOCAL_TEE));
            break;
        case GB_OP_GLOBAL_GET:
            if (!gb_read_u32(&c->r, &x))
                return MALFORMED("unexpected end");
            if (x >= m->nglobals)
                return INVALID("unknown global %u", x);
            if (live(c)) {
                TRY_RET(gb_comp_emit2(c, GB_IR_GLOBAL_GET, slot(c, c->sh), x));
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
            TRY_RET(gb_comp_pop(c, m->globals[x].type, NULL, &h));
            if (live(c)) {
                TRY_RET(gb_comp_loc(c, h, &l1));
                TRY_RET(gb_comp_emit2(c, GB_IR_GLOBAL_SET, x, l1));
            }
            break;
        case GB_OP_TABLE_GET: {
            uint32_t t;
            TRY_RET(gb_comp_table_idx(c, &t));
            TRY_RET(gb_comp_pop(c, GB_I32, NULL, &h));
            if (live(c)) {
                TRY_RET(gb_comp_loc(c, h, &l1));
                TRY_RET(gb_comp_op(c, GB_IR_TABLE_GET, &at));
                c->cells[at + 1].u = slot(c, h);
                c->cells[at + 2].u = t;
                c->cells[at + 3].u = l1;
            }
            TRY_RET(push(c, m->tables[t].elem));
            break;
        }
        case GB_OP_TABLE_SET: {
            uint32_t t;
            m->changes_tables = true; /* (compile_fc's others) */
            TRY_RET(gb_comp_table_idx(c, &t));
            TRY_RET(gb_comp_pop(c, m->tables[t].elem, NULL, NULL));
            TRY_RET(gb_comp_pop(c, GB_I32, NULL, &h));
            if (live(c)) {
                TRY_RET(gb_comp_loc(c, h, &l1));
                TRY_RET(gb_comp_loc(c, h + 1, &l2));
                TRY_RET(gb_comp_op(c, GB_IR_TABLE_SET, &at));
                c->cells[at + 1].u = t;
                c->cells[at + 2].u = l1;
                c->cells[at + 3].u = l2;
            }
            break;
        }
        case GB_OP_MEMORY_SIZE:
            TRY_RET(gb_comp_zero_byte(c));
            TRY_RET(gb_comp_need_memory(c));
            if (live(c)) {
                TRY_RET(gb_comp_op(c, GB_IR_MEMORY_SIZE, &at));
                c->cells[at + 1].u = slot(c, c->sh);
            }
            TRY_RET(push(c, GB_I32));
            break;
        case GB_OP_MEMORY_GROW:
            TRY_RET(gb_comp_zero_byte(c));
            TRY_RET(gb_comp_need_memory(c));
            TRY_RET(gb_comp_pop(c, GB_I32, NULL, &h));
            if (live(c)) {
                TRY_RET(gb_comp_loc(c, h, &l1));
                TRY_RET(gb_comp_emit2(c, GB_IR_MEMORY_GROW, slot(c, h), l1));
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
            TRY_RET(gb_comp_pop(c, 0, &e, &h));
            if (e.type && !is_ref(e.type))
                return INVALID("type mismatch: ref.is_null needs a reference");
            if (live(c)) {
                TRY_RET(gb_comp_loc(c, h, &l1));
                TRY_RET(gb_comp_emit2(c, GB_IR_REF_IS_NULL, slot(c, h), l1));
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
                TRY_RET(gb_comp_emit2(c, GB_IR_REF_FUNC, slot(c, c->sh), x));
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
        return gb_comp_fail(c, GB_LIMIT, "too many locals (%llu)",
                            (unsigned long long)nlt);
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
    c->cond_end = NONE;
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
    /* CALL_G charges the GAS a metered callee opens with (gas_emit at its
     * first instruction, whatever that block costs) */
    assert(!c->meter || (c->n > 0 && cells[0].h == c->H[GB_IR_GAS]));
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
