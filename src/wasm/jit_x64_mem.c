/*
 * The compiling tier for x86-64: loads and stores — the address of an
 * access, its bounds check (none with guard pages, jit_x64_rt.c; else
 * left out when an earlier access on the same straight line covered it)
 * and the read or write marks of the granules it touches, as interp.c
 * sets them, after the access.  jit_x64.c translates everything
 * else and calls these; docs/engine.md ("Memory", "Addresses") says how
 * they work.  x86-64 only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/jit_x64_int.h"

#if defined(__x86_64__)

/* (a store of a byte register relies on the REX prefix its base gives) */
_Static_assert(MEM & 8, "the memory's base is one of r8-r15");

static bool sum_fits(asm_ *a, uint64_t aslot, uint64_t b);

/* The address of an access, (uint32)(a [+ b]) + off, in a register: the
 * cache register of a (or of the local `wb`) when that is the address
 * itself, zero above bit 31 (kept unchanged until the access), else rax.
 * wb: the local that gets the 32-bit sum first (the _W forms), or -1.
 * With `disp` (an access that needs its address for nothing else: no
 * mark, no explicit check), an offset below 2^31 is left to the access's
 * displacement (*disp) instead of added in rax; the access then forms the
 * same address (a fault on it, in the guard region, is the same trap).
 * So is an immediate b when a + b cannot wrap past 2^32 (sum_fits: the
 * 64-bit a + b is the 32-bit sum), with a's register zero above bit 31:
 * matmul's `[r14 + r11 + 4]`, no `lea eax, [r11 + 4]`. */
static int ea(asm_ *a, uint64_t aslot, int bform, uint64_t b, uint64_t off,
              int64_t wb, int32_t *disp)
{
    int ra = gb_jitx_src(a, aslot, RAX);
    int rb = bform == 1 ? gb_jitx_src(a, b, RCX) : -1;
    int x;
    if (bform == 2 && wb < 0 && disp && gb_jitx_is_z32(a, ra) &&
        (uint64_t)(uint32_t)b + off <= INT32_MAX && sum_fits(a, aslot, b)) {
        *disp = (int32_t)((uint32_t)b + off);
        return ra;
    }
    if (wb >= 0) { /* the sum straight into the local's register */
        x = gb_jitx_dst(a, (uint64_t)wb);
        if (x < 0)
            x = RAX;
    } else if (bform == 0 || (bform == 2 && !(uint32_t)b)) {
        x = gb_jitx_is_z32(a, ra) ? ra : RAX;
    } else {
        x = RAX;
    }
    if (bform == 1)
        insm(a, 0, 0, 0x8d, x, ra, rb, 1, 0); /* lea x32, [ra+rb] */
    else if (bform == 2 && (uint32_t)b)
        insm(a, 0, 0, 0x8d, x, ra, -1, 1, (int32_t)(uint32_t)b);
    else if (!(x == ra && gb_jitx_is_z32(a, ra)))
        mov32(a, x, ra); /* (also zero-extends ra in place) */
    if (wb >= 0) {
        if (x == RAX)
            st64(a, (uint64_t)wb, RAX);
        else
            gb_jitx_z32(a, x);
    }
    if (disp && off <= INT32_MAX) {
        *disp = (int32_t)off;
    } else if (off) {
        if (off <= INT32_MAX) {
            insm(a, 0, 1, 0x8d, RAX, x, -1, 1, (int32_t)off);
        } else {
            gb_jitx_movimm(a, RCX, off);
            mov64(a, RAX, x);
            insr(a, 1, 0x01, RCX, RAX); /* add rax, rcx */
        }
        x = RAX;
    }
    return x;
}

/* mark the granule of the address in register r (r is shifted) in
 * `marks` */
static void mark_in(asm_ *a, int r, int marks)
{
    insr(a, 1, 0xc1, 5, r); /* shr r, 9 */
    b1(a, GB_DIRTY_SHIFT);
    insm(a, 0, 0, 0xc6, 0, marks, r, 1, 0); /* mov byte [m+r], 1 */
    b1(a, 1);
}

/* ---- the values of the line: marks an access can leave out ----
 *
 * An access needs no mark when an earlier access on the same straight line
 * (which ran, or the code would not be here) marked the same granule in
 * the same array: marks are never cleared during a run.  To prove it, the
 * value of every slot on the line is kept as roots plus a constant,
 * (r1 [+ r2] + d) mod 2^32: a root is the value a slot had when the line
 * began less its known low bits (or one computed on it), with the number
 * of its low bits known to be zero.  The known bits come from a forward
 * analysis of the function before it is translated: at every branch
 * target, for every slot, how many low bits every value reaching it there
 * has in common and what they are (the ways in met bit by bit; parameters
 * none, declared locals start at 0), iterated to a fixed point, and
 * carried along each line by the same rules.  With the
 * roots' alignment B (at most the granule), an access at (roots + d) +
 * off lies at R + c, R the B-aligned (roots + (d & -B)) mod 2^32 and c =
 * (d & (B-1)) + off: if its bytes stay in one B-block of R, they are in
 * one granule — no test for a second granule — and every later access of
 * the line inside that block (same roots, same d & -B) finds it marked. */

typedef struct gb_jitx_val {
    uint64_t r1, r2; /* 0: none; else epoch << 32 | id */
    uint32_t d;
    uint32_t epoch;  /* (a slot's entry: valid in this epoch) */
    uint8_t t1, t2;  /* trailing zero bits known of r1, r2 */
} gb_jitx_val;

/* The known low bits of the module's globals (how many, 0 to 32, and
 * what they are): an imported or mutable exported global none, the
 * others what their initialiser and every global.set of the module's
 * code have in common (collected over the module's functions until they
 * no longer change, before any is translated). */
typedef struct gb_jitx_glob {
    uint32_t n;
    uint8_t *k;
    uint32_t *v;
    bool collect, changed;
} gb_jitx_glob;

typedef struct gb_jitx_line {
    const gb_code *code;
    gb_jitx_glob *glob;
    uint32_t nslots;
    uint32_t k;       /* the slots with known bits (the others: none) */
    uint8_t *cur;     /* k: how many low bits are known here */
    uint32_t *curv;   /* k: and what they are */
    uint8_t *rows;    /* k per branch target: the same there (33: not */
    uint32_t *rowsv;  /* reached yet) */
    uint32_t *row;    /* per cell: its row, UINT32_MAX: not a target */
    uint32_t applied; /* the cell after the last one carried into cur */
    gb_jitx_val *val; /* per slot, its value on this line */
    uint32_t epoch, fresh;
    bool pre;         /* analysing: a slot's value is its bound */
    bool complete;    /* the analysis went through every instruction */
    gb_jitx_val wv;   /* the last access's base (for the _W forms) */
    struct {
        int marks;
        uint64_t r1, r2;
        uint32_t base;
        uint64_t lo, hi;   /* [lo, hi) past R: its granules are marked */
    } mk[16];
    int nmk, nextmk;
    /* The loop of one straight line whose accesses mark once per granule
     * (gb_jitx_ind_plan): its head (-1: none), its end, the epoch of its
     * line's values at the head; per slot, whether it advances by a
     * constant each time round (iok) and by how much (istep, mod 2^32);
     * the flags zeroed on the way in and those given to accesses so far.
     * ibase, ic: scratch of the plan. */
    int64_t ihead;
    uint32_t irend, iepoch;
    uint32_t *istep, *ibase, *ic;
    uint8_t *iok;
    int nflags, nind;
    /* The function's loops marked by windows ("marks by windows" below)
     * and the one whose head's accesses are being taken in (wopen: its
     * index + 1, 0: none). */
    struct gb_jitx_win *win;
    int nwin, capwin, wopen;
} gb_jitx_line;

static unsigned tz32(uint32_t v) { return v ? (unsigned)__builtin_ctz(v) : 32; }
static unsigned umin(unsigned x, unsigned y) { return x < y ? x : y; }

/* the trailing zero bits known of v's roots (32: a constant) */
static unsigned roots_tz(gb_jitx_val v)
{
    unsigned t = 32;
    if (v.r1)
        t = umin(t, v.t1);
    if (v.r2)
        t = umin(t, v.t2);
    return t;
}

static unsigned val_tz(gb_jitx_val v) { return umin(roots_tz(v), tz32(v.d)); }

static gb_jitx_val fresh(gb_jitx_line *l, unsigned t)
{
    gb_jitx_val v = {0};
    v.r1 = (uint64_t)l->epoch << 32 | 0x80000000u | (++l->fresh & 0x7fffffffu);
    v.t1 = (uint8_t)umin(t, 32);
    return v;
}

static gb_jitx_val konst(uint32_t d)
{
    gb_jitx_val v = {0};
    v.d = d;
    return v;
}

static uint32_t low(uint32_t v, unsigned n)
{
    return n >= 32 ? v : v & (((uint32_t)1 << n) - 1);
}

/* the value of slot s: on this line, or where it began (its known low
 * bits the constant, the rest an aligned root) */
static gb_jitx_val get(gb_jitx_line *l, uint64_t s)
{
    if (s >= l->nslots)
        return fresh(l, 0);
    if (!l->pre && l->val[s].epoch == l->epoch)
        return l->val[s];
    gb_jitx_val v = {0};
    v.r1 = (uint64_t)l->epoch << 32 | s; /* (slots are below 2^31) */
    if (s < l->k && l->cur[s] <= 32) {
        v.t1 = l->cur[s];
        v.d = low(l->curv[s], v.t1);
    }
    return v;
}

static gb_jitx_val add(gb_jitx_line *l, gb_jitx_val x, gb_jitx_val y)
{
    if (!x.r1) {
        y.d += x.d;
        return y;
    }
    if (!y.r1) {
        x.d += y.d;
        return x;
    }
    if (x.r2 || y.r2)
        return fresh(l, umin(val_tz(x), val_tz(y)));
    gb_jitx_val v = {0};
    bool sw = x.r1 > y.r1;
    v.r1 = sw ? y.r1 : x.r1;
    v.t1 = sw ? y.t1 : x.t1;
    v.r2 = sw ? x.r1 : y.r1;
    v.t2 = sw ? x.t1 : y.t1;
    v.d = x.d + y.d;
    return v;
}

/* the value instruction o writes to its slot pc[1] (not a load's) */
static gb_jitx_val op_value(gb_jitx_line *l, gb_irop o, const gb_cell *pc)
{
    gb_jitx_val x, y;
    /* (an immediate third operand: only the ops with three read it) */
    uint32_t k = gb_ir_nops[o] >= 3 ? (uint32_t)pc[3].u : 0;
    switch (o) {
    case GB_IR_CONST:
        return konst((uint32_t)pc[2].u);
    case GB_IR_GLOBAL_GET:
        if (!l->glob || pc[2].u >= l->glob->n || !l->glob->k[pc[2].u])
            return fresh(l, 0);
        if (l->glob->k[pc[2].u] >= 32)
            return konst(l->glob->v[pc[2].u]);
        x = fresh(l, l->glob->k[pc[2].u]);
        x.d = low(l->glob->v[pc[2].u], l->glob->k[pc[2].u]);
        return x;
    case GB_IR_COPY:
        return get(l, pc[2].u);
    case GB_IR_I32_ADD_I:
        x = get(l, pc[2].u);
        x.d += k;
        return x;
    case GB_IR_I32_SUB_I:
        x = get(l, pc[2].u);
        x.d -= k;
        return x;
    case GB_IR_I32_ADD:
        return add(l, get(l, pc[2].u), get(l, pc[3].u));
    case GB_IR_I32_SUB:
        x = get(l, pc[2].u);
        y = get(l, pc[3].u);
        if (!y.r1) {
            x.d -= y.d;
            return x;
        }
        return fresh(l, umin(val_tz(x), val_tz(y)));
    case GB_IR_I32_SHL_I:
    case GB_IR_I32_SHL:
        x = get(l, pc[2].u);
        if (o == GB_IR_I32_SHL) {
            y = get(l, pc[3].u);
            if (y.r1)
                return fresh(l, val_tz(x)); /* (a shift keeps them) */
            k = y.d;
        }
        if (!x.r1)
            return konst(x.d << (k & 31));
        return fresh(l, val_tz(x) + (k & 31));
    case GB_IR_I32_MUL_I:
    case GB_IR_I32_MUL:
        x = get(l, pc[2].u);
        y = o == GB_IR_I32_MUL ? get(l, pc[3].u) : konst(k);
        if (!x.r1 && !y.r1)
            return konst(x.d * y.d);
        return fresh(l, val_tz(x) + val_tz(y));
    case GB_IR_I32_AND_I:
    case GB_IR_I32_AND:
        x = get(l, pc[2].u);
        y = o == GB_IR_I32_AND ? get(l, pc[3].u) : konst(k);
        if (!x.r1 && !y.r1)
            return konst(x.d & y.d);
        return fresh(l, val_tz(x) > val_tz(y) ? val_tz(x) : val_tz(y));
    case GB_IR_I32_OR_I:
    case GB_IR_I32_OR:
    case GB_IR_I32_XOR_I:
    case GB_IR_I32_XOR:
        x = get(l, pc[2].u);
        y = o == GB_IR_I32_OR || o == GB_IR_I32_XOR ? get(l, pc[3].u)
                                                     : konst(k);
        return fresh(l, umin(val_tz(x), val_tz(y)));
    case GB_IR_I32_MADD: /* [dst][x][a][b] */
        x = get(l, pc[3].u);
        y = get(l, pc[4].u);
        return fresh(l, umin(val_tz(get(l, pc[2].u)),
                             val_tz(x) + val_tz(y)));
    default:
        return fresh(l, 0);
    }
}

/* Whether slot a's value on this line plus the immediate b cannot wrap
 * past 2^32: a is (roots + d) mod 2^32 with its roots multiples of 2^t,
 * so a is at most 2^32 - 2^t + (d mod 2^t), and a + b stays below 2^32
 * when (d mod 2^t) + b is below 2^t (a constant: d + b below 2^32). */
static bool sum_fits(asm_ *a, uint64_t aslot, uint64_t b)
{
    if (!a->line)
        return false;
    gb_jitx_val v = get(a->line, aslot);
    unsigned t = roots_tz(v);
    return (uint64_t)low(v.d, t) + (uint32_t)b < (uint64_t)1 << t;
}

/* The base (uint32)(a [+ b]) of a plain or fused access, a in cell k. */
static gb_jitx_val access_base(gb_jitx_line *l, const gb_cell *pc, int k,
                               int bform)
{
    gb_jitx_val v = get(l, pc[k].u);
    if (bform == 1)
        v = add(l, v, get(l, pc[k + 1].u));
    else if (bform == 2)
        v.d += (uint32_t)pc[k + 1].u;
    return v;
}

/* What instruction o (kind 0: its writes w[] known) wrote: into the
 * values of the line, or (analysing) into the bounds cur; a _W load's
 * local gets its access's base. */
static void line_write(gb_jitx_line *l, gb_irop o, const gb_cell *pc,
                       const uint64_t *w, int nw)
{
    gb_irop mb;
    int bf;
    bool wl = false, st;
    gb_jitx_val v[3];
    bool fused = gb_jitx_fused_mem(o, &mb, &bf, &wl, &st);
    for (int q = 0; q < nw && q < 3; q++) {
        if (fused && wl && q == 1)
            v[q] = l->pre ? access_base(l, pc, 2, bf) : l->wv;
        else if (fused || gb_jitx_mem_kind(o).size)
            v[q] = fresh(l, 0); /* a loaded value */
        else
            v[q] = op_value(l, o, pc);
    }
    /* (a _W load writes its local first, then the loaded value) */
    for (int q = (nw < 3 ? nw : 3) - 1; q >= 0; q--) {
        if (w[q] >= l->nslots)
            continue;
        if (l->pre) {
            if (w[q] < l->k) {
                l->cur[w[q]] = (uint8_t)roots_tz(v[q]);
                l->curv[w[q]] = low(v[q].d, roots_tz(v[q]));
            }
        } else {
            v[q].epoch = l->epoch;
            l->val[w[q]] = v[q];
        }
    }
}

/* Instruction o into the bounds cur; false when what it writes is not
 * known. */
static bool carry(gb_jitx_line *l, gb_irop o, const gb_cell *pc)
{
    uint64_t r[3], w[3];
    int nr, nw;
    bool imm, pre = l->pre;
    uint64_t lowest = UINT64_MAX; /* slots from here on: 0 */
    if (gb_jitx_slot_rw(o, pc, r, &nr, w, &nw) == 0) {
        l->pre = true;
        line_write(l, o, pc, w, nw);
        if (o == GB_IR_GLOBAL_SET && l->glob && l->glob->collect &&
            pc[1].u < l->glob->n) { /* what the global gets, met */
            gb_jitx_val x = get(l, pc[2].u);
            uint32_t g = (uint32_t)pc[1].u;
            unsigned t = umin(umin(l->glob->k[g], roots_tz(x)),
                              tz32(l->glob->v[g] ^ low(x.d, roots_tz(x))));
            if (t != l->glob->k[g]) {
                l->glob->k[g] = (uint8_t)t;
                l->glob->v[g] = low(l->glob->v[g], t);
                l->glob->changed = true;
            }
        }
        l->pre = pre;
        return true;
    }
    switch (o) {
    case GB_IR_CALL: case GB_IR_CALL_IMPORT: /* (results at the base) */
        lowest = pc[2].u;
        break;
    case GB_IR_CALL_INDIRECT:
        lowest = pc[3].u;
        break;
    case GB_IR_MEMORY_GROW: case GB_IR_TABLE_GET: case GB_IR_TABLE_SIZE:
    case GB_IR_TABLE_GROW: case GB_IR_REF_FUNC: case GB_IR_REF_IS_NULL:
        lowest = pc[1].u;
        if (lowest < l->k)
            l->cur[lowest] = 0;
        if (lowest < l->k)
            l->curv[lowest] = 0;
        return true;
    case GB_IR_UNREACHABLE: case GB_IR_JMP: case GB_IR_BR_IF:
    case GB_IR_BR_UNLESS: case GB_IR_BR_TABLE: case GB_IR_BR_EQZ_I32:
    case GB_IR_BR_NEZ_I32: case GB_IR_RETURN: case GB_IR_MEMORY_FILL:
    case GB_IR_MEMORY_COPY: case GB_IR_MEMORY_INIT: case GB_IR_DATA_DROP:
    case GB_IR_TABLE_SET: case GB_IR_TABLE_FILL: case GB_IR_TABLE_COPY:
    case GB_IR_TABLE_INIT: case GB_IR_ELEM_DROP:
        return true; /* (no slot written) */
    default:
        return gb_jitx_brcmp_cc(o, &imm) >= 0;
    }
    for (uint64_t s = lowest; s < l->k; s++)
        l->cur[s] = 0, l->curv[s] = 0;
    return true;
}

static uint64_t ntargets(gb_irop o, const gb_cell *pc)
{
    bool imm;
    if (o == GB_IR_BR_TABLE)
        return pc[2].u + 1;
    return o == GB_IR_JMP || o == GB_IR_BR_IF || o == GB_IR_BR_UNLESS ||
                   o == GB_IR_BR_EQZ_I32 || o == GB_IR_BR_NEZ_I32 ||
                   gb_jitx_brcmp_cc(o, &imm) >= 0
               ? 1 : 0;
}

static void entry_bounds(gb_jitx_line *l, const gb_code *code)
{
    for (uint32_t s = 0; s < l->k; s++) {
        l->cur[s] = s < code->nparams ? 0 : 32; /* (locals: 0) */
        l->curv[s] = 0;
    }
}

/* the known bits of row r met with cur's; whether they changed */
static bool meet(gb_jitx_line *l, uint32_t r)
{
    uint8_t *rk = l->rows + (size_t)r * l->k;
    uint32_t *rv = l->rowsv + (size_t)r * l->k;
    bool changed = false;
    for (uint32_t s = 0; s < l->k; s++) {
        unsigned n = l->cur[s];
        if (rk[s] <= 32)
            n = umin(umin(n, rk[s]), tz32(rv[s] ^ l->curv[s]));
        if (n != rk[s]) {
            rk[s] = (uint8_t)n;
            rv[s] = low(l->curv[s], n);
            changed = true;
        }
    }
    return changed;
}

static void load_row(gb_jitx_line *l, uint32_t r)
{
    memcpy(l->cur, l->rows + (size_t)r * l->k, l->k);
    memcpy(l->curv, l->rowsv + (size_t)r * l->k, l->k * sizeof *l->curv);
}

static void line_reset(asm_ *a, bool at_start)
{
    a->nchk = 0;
    gb_jitx_line *l = a->line;
    if (!l)
        return;
    l->nmk = 0;
    l->fresh = 0;
    if (!++l->epoch) { /* (never 0: the entries start there) */
        memset(l->val, 0, l->nslots * sizeof *l->val);
        l->epoch = 1;
    }
    /* at a branch target, before its instruction: the bounds there */
    if (at_start && a->code == l->code && a->pc) {
        size_t i = (size_t)(a->pc - l->code->cells);
        if (i < l->code->ncells && i >= l->applied &&
            l->row[i] != UINT32_MAX)
            load_row(l, l->row[i]);
    }
}

void gb_jitx_chk_reset(asm_ *a) { line_reset(a, true); }

void gb_jitx_globals_free(asm_ *a)
{
    if (a->glob) {
        free(a->glob->k);
        free(a->glob->v);
        free(a->glob);
        a->glob = NULL;
    }
}

void gb_jitx_globals_plan(asm_ *a, const gb_jitx_hmap *hm, const gb_module *m)
{
    gb_jitx_globals_free(a);
    uint32_t n = m->nglobals;
    if (!n)
        return;
    gb_jitx_glob *gl = gb_calloc(1, sizeof *gl);
    if (!gl)
        return;
    gl->k = gb_calloc(n, 1);
    gl->v = gb_calloc(n, sizeof *gl->v);
    if (!gl->k || !gl->v) {
        free(gl->k);
        free(gl->v);
        free(gl);
        return;
    }
    gl->n = n;
    a->glob = gl;
    for (uint32_t g = m->nglobal_imports; g < n; g++) {
        const gb_constexpr *e = &m->global_init[g - m->nglobal_imports];
        if (m->globals[g].type == GB_I32 && e->op == 0x41) {
            gl->k[g] = 32;
            gl->v[g] = (uint32_t)e->value;
        }
    }
    for (uint32_t x = 0; x < m->nexports; x++)
        if (m->exports[x].kind == GB_EXTERN_GLOBAL &&
            m->exports[x].index < n && m->globals[m->exports[x].index].mut)
            gl->k[m->exports[x].index] = 0; /* (the embedder may set it) */
    /* every function's global.set met in, until nothing changes */
    gl->collect = true;
    int round = 0;
    do {
        gl->changed = false;
        for (uint32_t f = 0; f < m->nfuncs - m->nfunc_imports; f++) {
            gb_jitx_align_plan(a, hm, m->code[f]);
            if (!a->line || !a->line->complete) { /* (a global.set may
                                                       not be met) */
                memset(gl->k, 0, n);
                gl->changed = false;
                break;
            }
        }
        gb_jitx_align_free(a);
    } while (gl->changed && ++round < 8);
    if (gl->changed)
        memset(gl->k, 0, n);
    gl->collect = false;
}

/* The recommended multi-byte no-ops, 1 to 8 bytes: nop[n - 1]. */
static const uint8_t nop[8][8] = {
    {0x90},
    {0x66, 0x90},
    {0x0f, 0x1f, 0x00},
    {0x0f, 0x1f, 0x40, 0x00},
    {0x0f, 0x1f, 0x44, 0x00, 0x00},
    {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
    {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
    {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00}};

/* Pad the code to a multiple of `to` bytes (a power of 2): a no-op, or
 * a jump over the padding when one no-op is not enough. */
void gb_jitx_align_code(asm_ *a, unsigned to)
{
    size_t k = to > 1 ? (to - (a->n & (to - 1))) & (to - 1) : 0;
    if (k > 8 && k < 130) { /* one instruction run either way: jmp over */
        b1(a, 0xeb);
        b1(a, (uint8_t)(k - 2));
        for (size_t j = 2; j < k; j++)
            b1(a, 0xcc);
        return;
    }
    while (k && !a->fail) {
        size_t q = k > 8 ? 8 : k;
        for (size_t j = 0; j < q; j++)
            b1(a, nop[q - 1][j]);
        k -= q;
    }
}

void gb_jitx_align_free(asm_ *a)
{
    gb_jitx_line *l = a->line;
    if (l) {
        free(l->cur);
        free(l->curv);
        free(l->rows);
        free(l->rowsv);
        free(l->row);
        free(l->val);
        free(l->istep);
        free(l->ibase);
        free(l->ic);
        free(l->iok);
        free(l->win);
        free(l);
        a->line = NULL;
    }
}

void gb_jitx_align_plan(asm_ *a, const gb_jitx_hmap *hm, const gb_code *code)
{
    gb_jitx_align_free(a);
    uint32_t ns = code->frame_slots, n = code->ncells;
    if (!ns || ns >= 0x80000000u || !n)
        return;
    gb_jitx_line *l = gb_calloc(1, sizeof *l);
    if (!l)
        return;
    a->line = l;
    l->code = code;
    l->glob = a->glob;
    l->nslots = ns;
    l->epoch = 1;
    l->ihead = -1;
    l->val = gb_calloc(ns, sizeof *l->val);
    l->row = gb_malloc((size_t)n * sizeof *l->row);
    if (!l->val || !l->row) {
        gb_jitx_align_free(a);
        return;
    }
    /* the branch targets, a row each */
    uint32_t nt = 0;
    for (uint32_t i = 0; i < n; i++)
        l->row[i] = UINT32_MAX;
    for (uint32_t i = 0; i < n;) {
        const gb_cell *pc = &code->cells[i];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        if (oi < 0)
            break;
        for (uint64_t j = 0; j < ntargets((gb_irop)oi, pc); j++) {
            uint32_t t = gb_jitx_target((gb_irop)oi, pc, code, (uint32_t)j);
            if (t < n && l->row[t] == UINT32_MAX)
                l->row[t] = nt++;
        }
        i += (uint32_t)gb_ir_operands((gb_irop)oi, pc) + 1;
    }
    /* bounds for the first slots only when there are many targets */
    const uint64_t budget = 1u << 20;
    l->k = nt && (uint64_t)nt * ns > budget ? (uint32_t)(budget / nt) : ns;
    l->cur = gb_malloc(l->k + 1);
    l->curv = gb_malloc((l->k + 1) * sizeof *l->curv);
    l->rows = gb_malloc((size_t)nt * l->k + 1);
    l->rowsv = gb_malloc(((size_t)nt * l->k + 1) * sizeof *l->rowsv);
    if (!l->cur || !l->curv || !l->rows || !l->rowsv) {
        gb_jitx_align_free(a);
        return;
    }
    memset(l->rows, 33, (size_t)nt * l->k);
    /* forward to a fixed point (the bounds only go down) */
    l->pre = true;
    bool changed = true, ok = true;
    for (int pass = 0; changed && ok; pass++) {
        if (pass == 64) {
            ok = false;
            break;
        }
        changed = false;
        bool reach = true;
        entry_bounds(l, code);
        for (uint32_t i = 0; i < n;) {
            const gb_cell *pc = &code->cells[i];
            int oi = gb_jitx_hmap_get(hm, pc->h);
            if (oi < 0) {
                ok = false;
                break;
            }
            gb_irop o = (gb_irop)oi;
            if (l->row[i] != UINT32_MAX) {
                if (reach && meet(l, l->row[i]))
                    changed = true;
                load_row(l, l->row[i]);
                reach = true;
            }
            if (!carry(l, o, pc)) {
                ok = false;
                break;
            }
            for (uint64_t j = 0; j < ntargets(o, pc); j++) {
                uint32_t t = gb_jitx_target(o, pc, code, (uint32_t)j);
                if (t < n && l->row[t] != UINT32_MAX && meet(l, l->row[t]))
                    changed = true;
            }
            if (o == GB_IR_JMP || o == GB_IR_BR_TABLE ||
                o == GB_IR_RETURN || o == GB_IR_UNREACHABLE)
                reach = false;
            i += (uint32_t)gb_ir_operands(o, pc) + 1;
        }
    }
    l->pre = false;
    l->complete = ok;
    if (!ok)
        l->k = 0; /* (no bounds: every root unaligned) */
    entry_bounds(l, code);
    l->applied = 0;
}

/* Whether the marks of an access of `size` bytes at (base v) + off need
 * no test for a second granule (*one) and are already set in `marks` on
 * this line (returned); recorded for the accesses after it. */
static bool marked(asm_ *a, gb_jitx_val v, uint64_t off, int size, int marks,
                   bool *one)
{
    *one = size == 1;
    gb_jitx_line *l = a->line;
    if (!l)
        return false;
    unsigned t = umin(roots_tz(v), GB_DIRTY_SHIFT);
    uint64_t bs = (uint64_t)1 << t;
    uint32_t base = v.d & ~(uint32_t)(bs - 1);
    uint64_t c = (v.d & (bs - 1)) + off, e = c + (uint64_t)size;
    if (c / bs == (e - 1) / bs)
        *one = true;
    for (int k = 0; k < l->nmk; k++)
        if (l->mk[k].marks == marks && l->mk[k].r1 == v.r1 &&
            l->mk[k].r2 == v.r2 && l->mk[k].base == base &&
            l->mk[k].lo <= c && e <= l->mk[k].hi)
            return true;
    int k = l->nmk < 16 ? l->nmk++ : (l->nextmk++ & 15);
    l->mk[k].marks = marks;
    l->mk[k].r1 = v.r1;
    l->mk[k].r2 = v.r2;
    l->mk[k].base = base;
    l->mk[k].lo = *one ? c / bs * bs : c;
    l->mk[k].hi = *one ? c / bs * bs + bs : e;
    return false;
}

/* Bounds already checked on this straight line (a->chk): whether bytes
 * up to `end` past the base (bform, a, b) are known to be in bounds. */
static bool chk_covered(const asm_ *a, int bform, uint64_t as, uint64_t b,
                        uint64_t end)
{
    for (int k = 0; k < a->nchk; k++)
        if (a->chk[k].bform == bform && a->chk[k].a == as &&
            (bform == 0 || a->chk[k].b == b))
            return end <= a->chk[k].end;
    return false;
}

void gb_jitx_chk_add(asm_ *a, int bform, uint64_t as, uint64_t b,
                    uint64_t end)
{
    for (int k = 0; k < a->nchk; k++)
        if (a->chk[k].bform == bform && a->chk[k].a == as &&
            (bform == 0 || a->chk[k].b == b)) {
            if (end > a->chk[k].end)
                a->chk[k].end = end;
            return;
        }
    if (a->nchk == (int)(sizeof a->chk / sizeof a->chk[0]))
        a->nchk--; /* (the newest one makes room) */
    a->chk[a->nchk].bform = bform;
    a->chk[a->nchk].a = as;
    a->chk[a->nchk].b = bform == 0 ? 0 : b;
    a->chk[a->nchk++].end = end;
}

/* Forget the checked bounds whose base reads a slot o writes (all of them
 * after anything but a plain instruction). */
void gb_jitx_chk_forget(asm_ *a, gb_irop o, const gb_cell *pc)
{
    uint64_t r[3], w[3];
    int nr, nw;
    int kind = gb_jitx_slot_rw(o, pc, r, &nr, w, &nw);
    gb_jitx_line *l = a->line;
    if (l) {
        if (kind == 0)
            line_write(l, o, pc, w, nw);
        if (l->code == a->code && a->pc)
            l->applied = (uint32_t)(a->pc - l->code->cells) + 1;
        if (!carry(l, o, pc))
            l->k = 0; /* (not met: the analysis knew every op) */
    }
    if (kind != 0) {
        line_reset(a, false);
        return;
    }
    for (int q = 0; q < nw; q++)
        for (int k = 0; k < a->nchk;)
            if (a->chk[k].a == w[q] ||
                (a->chk[k].bform == 1 && a->chk[k].b == w[q]))
                a->chk[k] = a->chk[--a->nchk];
            else
                k++;
}

/* The bounds check of an access of `size` bytes at register x, before
 * it: none with guard pages (an access past the end faults, and the
 * fault is its trap: jit_x64_rt.c) or when `known` (an earlier check on
 * this straight line covers it); else its last byte compared with the
 * memory size, MEM_OOB when beyond.  With `last`, rcx is left holding the
 * address of the last byte (for the marks after the access).  Returns
 * whether rcx holds it. */
static bool check(asm_ *a, int x, int size, bool known, bool last)
{
    bool cmp = !a->guard && !known;
    if (size > 1 && (cmp || last))
        insm(a, 0, 1, 0x8d, RCX, x, -1, 1, size - 1); /* lea rcx, [x+size-1] */
    else if (last)
        mov64(a, RCX, x);
    if (cmp) {
        insm(a, 0, 1, 0x3b, size > 1 ? RCX : x, CTX, -1, 1, CO(memsize));
        gb_jitx_jcc_to(a, CC_AE, a->l_oob);
    }
    return size > 1 ? cmp || last : last;
}

/* The marks of an access of `size` bytes, after it (it did not trap), rcx
 * holding the address of its last byte: the granule of the last byte in
 * `marks` (a register holding the mark array) inline; when not `one` (its
 * bytes may be in two granules) and the last byte's offset in its granule
 * is below size, the first byte's granule too, out of line
 * (gb_jitx_emit_cold_marks; at offset size - 1 the access is in one
 * granule, and the cold code marks it twice, which changes nothing). */
static void mark(asm_ *a, int size, int marks, bool one)
{
    if (!one) {
        insr(a, 0, 0xf7, 0, RCX); /* test ecx, granule & ~(size-1) */
        b4(a, (uint32_t)((1 << GB_DIRTY_SHIFT) - 1) & ~(uint32_t)(size - 1));
        b1(a, 0x0f);
        b1(a, 0x84); /* jz (to the cold marking, which comes back) */
        uint32_t at = (uint32_t)a->n;
        b4(a, 0);
        if (a->n >> 24) { /* (the offset's 24 bits: more code than that
                             is left to the interpreter) */
            a->fail = true;
            a->err = GB_UNSUPPORTED;
        }
        gb_jitx_add_fx(a, &a->cold, &a->ncold, &a->capcold, at,
                       (uint32_t)a->n << 8 | (uint32_t)size << 4 |
                           (uint32_t)marks);
    }
    mark_in(a, RCX, marks);
}

void gb_jitx_emit_cold_marks(asm_ *a)
{
    for (size_t k = 0; k < a->ncold && !a->fail; k++) {
        uint32_t t = a->cold[k].target;
        patch4(a, a->cold[k].at, (uint32_t)a->n - (a->cold[k].at + 4));
        /* rax = the first byte, rcx - (size - 1); rcx kept for the inline
         * code's mark of the last byte */
        insm(a, 0, 1, 0x8d, RAX, RCX, -1, 1, 1 - (int32_t)((t >> 4) & 15));
        mark_in(a, RAX, (int)(t & 15));
        gb_jitx_jmp_to(a, t >> 8);
    }
    a->ncold = 0;
}

/* ---- marks by windows ----
 *
 * In a loop of one straight line with no call or helper (the loops of
 * gb_jitx_ind_plan), the accesses from its head up to the first
 * instruction that may trap or leave the line otherwise (a branch, a GAS,
 * a division, anything but pure integer operations and accesses) run
 * every time round, in order, or the first of them out of bounds traps.
 * Those whose address is known as the head's values of some slots plus a
 * constant (the values of the line) form the loop's window; those of
 * them whose slots all advance by constants, by S = 1 to 256 bytes a run
 * up or down in all, need no mark of their own.  At the head, before
 * them, one compare: `cmp counter, [ctx->wlim]; jae cold` (jbe for a
 * counter going down), the counter a slot that advances by a constant c
 * each time round (mod 2^32, |c| < 2^31).  The cold code (out of line)
 * works out the accesses' addresses from the head's values.  When all of
 * them are in bounds, it marks the granules of those it marks, and takes
 * J, the least number of runs more that one of them stays in the
 * granules it is in now (up: its last byte's, (511 - last mod 512) / S;
 * down: its first byte's, (first mod 512) / S).  Then wlim = counter +
 * J c + 1 (down: - J |c| - 1), clamped so that the counter cannot wrap
 * before it gets there (every run marks when it would wrap on the next).
 * A run whose counter is on this side of wlim is one of the next J: each
 * access's bytes are in granules marked by the marking run.  When one of
 * them is out of bounds, that one will trap and the ones before it run:
 * the cold code marks those, in order, and stops there; every run marks
 * from then on.  So every access that ran has its granules marked at
 * every moment, and one that traps marks nothing, as in the interpreter;
 * wlim is set on the way into the loop so that its first run marks.  An
 * address cannot wrap past 2^32 during the next J runs: their bytes stay
 * in granules that were in bounds, below the memory's size, at most 4
 * GiB.
 *
 * Accesses of one kind (loads or stores) at the same slots' values with
 * the same offset, whose bytes are next to each other or overlap (a loop
 * unrolled, memops' byte copies: five loads of five bytes), are taken as
 * one access of their bytes, at most 512 of them (so at most two
 * granules, both marked): one bounds check and one J each, and one
 * marking run when the first of them would enter a new granule, not one
 * per access.  Their 32-bit bases are the lowest one's plus 0 to 8191
 * (their constants differ by less than 4096): when its address plus the
 * bytes' span is in bounds, below the memory's size (at most 2^32), none
 * of them wrapped past 2^32, and every one is in bounds; else the cold
 * code takes the accesses one at a time, as above. */

#define GB_JITX_NWACC 24

typedef struct gb_jitx_wacc {
    uint64_t slot[2];  /* its roots: slots' values at the head */
    uint32_t keep[2];  /* their bits kept (the known low bits cleared) */
    int nroots;
    uint32_t d;        /* added to them, mod 2^32 */
    uint32_t off;      /* then, in 64 bits */
    int size;
    int marks;         /* the marks' register of its kind */
    bool mark;         /* the window's to mark (else: its bounds only) */
    bool ind;          /* its slots all advance by constants, */
    int32_t step;      /* by this much in all */
} gb_jitx_wacc;

typedef struct gb_jitx_win {
    uint32_t head;
    bool placed;              /* its compare emitted */
    uint32_t start, len, at;  /* the compare's bytes, its jcc's rel32 */
    int64_t hrs[NCR];         /* the slot each cache register holds at
                                 the head (pinned), -1: none */
    uint64_t cslot;           /* the counter */
    int32_t cstep;
    int n, nmark;
    gb_jitx_wacc acc[GB_JITX_NWACC];
} gb_jitx_win;

/* wlim on the way in, and after an access out of bounds: every run
 * marks (no counter is below 0 or above 2^32 - 1) */
static uint32_t win_none(const gb_jitx_win *w)
{
    return w->cstep > 0 ? 0 : 0xffffffffu;
}

/* At the head of the loop [head, ...) whose slots' steps ind_plan just
 * found (l->iok, l->istep): a window for it, when a slot advances by
 * 0 < |c| < 2^31 (one in a register at the head preferred, then the
 * smallest |c|); its wlim set on the way in.  Its compare is emitted at
 * the head (gb_jitx_ind_head). */
static void win_plan(asm_ *a, gb_jitx_line *l, const gb_jitx_hmap *hm,
                     const gb_code *code, uint32_t head, uint32_t rend)
{
    l->wopen = 0;
    /* (the accesses before the window can end: with fewer than three the
     * flags cost no more a run, and less on the way in) */
    int nacc = 0;
    for (uint32_t i = head; i < rend && i < code->ncells;) {
        const gb_cell *pc = &code->cells[i];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        gb_irop mb;
        int bf;
        bool wl, st;
        if (oi < 0)
            return;
        if (gb_jitx_mem_kind((gb_irop)oi).size ||
            gb_jitx_fused_mem((gb_irop)oi, &mb, &bf, &wl, &st))
            nacc++;
        else if (!gb_jitx_pure_op((gb_irop)oi))
            break;
        i += (uint32_t)gb_ir_operands((gb_irop)oi, pc) + 1;
    }
    if (nacc < 3)
        return;
    int64_t cs = -1;
    uint32_t cmag = 0;
    for (uint32_t s = 0; s < l->nslots; s++) {
        int32_t st = (int32_t)l->istep[s];
        uint32_t mag = st < 0 ? 0u - (uint32_t)st : (uint32_t)st;
        if (!l->iok[s] || !st || mag >= 0x80000000u)
            continue;
        bool in = gb_jitx_cfind(a, s) >= 0;
        bool cin = cs >= 0 && gb_jitx_cfind(a, (uint64_t)cs) >= 0;
        /* (the smallest step: the counter wraps least often) */
        if (cs < 0 || (in && !cin) || (in == cin && mag < cmag)) {
            cs = s;
            cmag = mag;
        }
    }
    if (cs < 0)
        return;
    if (l->nwin == l->capwin) {
        int nc = l->capwin ? 2 * l->capwin : 4;
        gb_jitx_win *nw = gb_realloc(l->win, (size_t)nc * sizeof *nw);
        if (!nw)
            return;
        l->win = nw;
        l->capwin = nc;
    }
    gb_jitx_win *w = &l->win[l->nwin++];
    memset(w, 0, sizeof *w);
    w->head = head;
    for (int j = 0; j < NCR; j++)
        w->hrs[j] = a->pin[j] ? a->rs[j] : -1;
    w->cslot = (uint64_t)cs;
    w->cstep = (int32_t)l->istep[cs];
    l->wopen = l->nwin;
    insm(a, 0, 0, 0xc7, 0, CTX, -1, 1, CO(wlim)); /* mov dword [wlim], */
    b4(a, win_none(w));
}

/* the cache register holding slot s at w's head, or -1 (in the frame) */
static int win_reg(const gb_jitx_win *w, uint64_t s)
{
    for (int j = 0; j < NCR; j++)
        if (w->hrs[j] >= 0 && (uint64_t)w->hrs[j] == s)
            return j;
    return -1;
}

/* r32 = slot s's value at w's head */
static void win_src(asm_ *a, const gb_jitx_win *w, int r, uint64_t s)
{
    int j = win_reg(w, s);
    if (j >= 0)
        mov32(a, r, creg[j]);
    else
        insm(a, 0, 0, 0x8b, r, FP, -1, 1, sd(s));
}

void gb_jitx_ind_head(asm_ *a, uint32_t i)
{
    gb_jitx_line *l = a->line;
    if (!l || !l->wopen || l->win[l->wopen - 1].head != i ||
        l->win[l->wopen - 1].placed)
        return;
    gb_jitx_win *w = &l->win[l->wopen - 1];
    w->placed = true;
    w->start = (uint32_t)a->n;
    int j = win_reg(w, w->cslot), r = j >= 0 ? creg[j] : RAX;
    if (j < 0)
        win_src(a, w, RAX, w->cslot);
    insm(a, 0, 0, 0x3b, r, CTX, -1, 1, CO(wlim)); /* cmp r32, [wlim] */
    b1(a, 0x0f); /* jae / jbe (the marking, out of line) */
    b1(a, (uint8_t)(0x80 + (w->cstep > 0 ? CC_AE : CC_BE)));
    w->at = (uint32_t)a->n;
    b4(a, 0);
    w->len = (uint32_t)a->n - w->start;
}

void gb_jitx_win_close(asm_ *a)
{
    if (a->line)
        a->line->wopen = 0;
}

/* An access of `size` bytes at (base v) + off, its marks in `marks`
 * (done: already set on this line), while a window is open: 1 when it
 * is the window's to mark (it marks nothing itself), 0 when the window
 * checks its bounds only (it marks as it would have), -1 when there is
 * no window (now closed: its address is not known from the head's
 * values). */
static int win_site(asm_ *a, gb_jitx_val v, uint64_t off, int size,
                    int marks, bool done)
{
    gb_jitx_line *l = a->line;
    if (!l || !l->wopen)
        return -1;
    gb_jitx_win *w = &l->win[l->wopen - 1];
    uint64_t i = a->pc && l->code == a->code
                     ? (uint64_t)(a->pc - l->code->cells) : UINT64_MAX;
    if (!w->placed || l->epoch != l->iepoch || i < w->head ||
        i >= l->irend || l->ihead != (int64_t)w->head ||
        w->n == GB_JITX_NWACC || off > INT32_MAX) {
        l->wopen = 0;
        return -1;
    }
    gb_jitx_wacc *x = &w->acc[w->n];
    uint64_t roots[2] = {v.r1, v.r2};
    unsigned tz[2] = {v.t1, v.t2};
    uint32_t step = 0;
    x->nroots = 0;
    x->ind = true;
    for (int k = 0; k < 2; k++) {
        uint64_t r = roots[k];
        if (!r)
            continue;
        if ((uint32_t)(r >> 32) != l->iepoch || (r & 0x80000000u) ||
            (uint32_t)r >= l->nslots) {
            l->wopen = 0; /* (not a slot's value at the head) */
            return -1;
        }
        x->slot[x->nroots] = (uint32_t)r;
        x->keep[x->nroots++] =
            tz[k] >= 32 ? 0 : ~(((uint32_t)1 << tz[k]) - 1);
        if (l->iok[(uint32_t)r])
            step += l->istep[(uint32_t)r];
        else
            x->ind = false;
    }
    x->d = v.d;
    x->off = (uint32_t)off;
    x->size = size;
    x->step = (int32_t)step;
    x->marks = marks;
    x->mark = !done && x->ind && step &&
              (step <= 256 || step >= 0u - 256u);
    w->n++;
    w->nmark += x->mark;
    return x->mark ? 1 : 0;
}

/* n bytes of the recommended multi-byte no-ops at `at` (over code
 * already written) */
static void nops_at(asm_ *a, uint32_t at, uint32_t n)
{
    while (n && at + n <= a->n) {
        uint32_t q = n > 8 ? 8 : n;
        memcpy(a->b + at, nop[q - 1], q);
        at += q;
        n -= q;
    }
}

/* jcc rel32 to be patched (jcc_patch): its rel32's position */
static uint32_t jcc_fwd(asm_ *a, int cc)
{
    if (cc < 0) {
        b1(a, 0xe9);
    } else {
        b1(a, 0x0f);
        b1(a, (uint8_t)(0x80 + cc));
    }
    b4(a, 0);
    return (uint32_t)a->n - 4;
}

static void jcc_patch(asm_ *a, uint32_t at)
{
    patch4(a, at, (uint32_t)a->n - (at + 4));
}

/* rax = the address of access x's first byte at w's head (64 bits) */
static void win_addr(asm_ *a, const gb_jitx_win *w, const gb_jitx_wacc *x)
{
    if (!x->nroots)
        insr(a, 0, 0x31, RAX, RAX); /* xor eax, eax */
    for (int q = 0; q < x->nroots; q++) {
        int r = q ? RCX : RAX;
        win_src(a, w, r, x->slot[q]);
        if (x->keep[q] != 0xffffffffu)
            gb_jitx_aluimm(a, 0, 4, r, x->keep[q]); /* and r32, keep */
        if (q)
            insr(a, 0, 0x01, RCX, RAX); /* add eax, ecx */
    }
    if (x->d)
        gb_jitx_aluimm(a, 0, 0, RAX, x->d); /* add eax, d */
    if (x->off)
        insm(a, 0, 1, 0x8d, RAX, RAX, -1, 1, (int32_t)x->off);
}

/* cmp rcx, memsize; jae (to be patched) */
static uint32_t win_bound(asm_ *a)
{
    insm(a, 0, 1, 0x3b, RCX, CTX, -1, 1, CO(memsize));
    return jcc_fwd(a, CC_AE);
}

/* Accesses taken as one (see above): an access of the window (its
 * first, the one at the lowest address) and the bytes from there. */
typedef struct gb_jitx_wgrp {
    int first, base; /* (base: the one the others' d are measured from) */
    int64_t lo, hi;  /* their bytes, [lo, hi) from base's first byte */
    bool mark;       /* one of them is the window's to mark */
} gb_jitx_wgrp;

/* Whether access y can be taken with group g of window w's accesses
 * (then g grows by it). */
static bool win_join(asm_ *a, const gb_jitx_win *w, gb_jitx_wgrp *g,
                     const gb_jitx_wacc *y)
{
    const gb_jitx_wacc *b = &w->acc[g->base];
    if (y->marks != b->marks || y->off != b->off ||
        y->nroots != b->nroots || y->ind != b->ind || y->step != b->step)
        return false;
    for (int q = 0; q < b->nroots; q++)
        if (y->slot[q] != b->slot[q] || y->keep[q] != b->keep[q])
            return false;
    int64_t rel = (int32_t)(y->d - b->d);
    if (rel <= -4096 || rel >= 4096 || rel > g->hi ||
        rel + y->size < g->lo)
        return false;
    int64_t lo = rel < g->lo ? rel : g->lo;
    int64_t hi = rel + y->size > g->hi ? rel + y->size : g->hi;
    if (hi - lo > (1 << GB_DIRTY_SHIFT))
        return false;
    if (rel < g->lo)
        g->first = (int)(y - w->acc);
    g->lo = lo;
    g->hi = hi;
    g->mark = g->mark || y->mark;
    return true;
}

/* The marking of window w, out of line (see above); back to the code
 * after its compare. */
static void win_emit(asm_ *a, const gb_jitx_win *w)
{
    gb_jitx_wgrp g[GB_JITX_NWACC];
    int ng = 0;
    for (int k = 0; k < w->n; k++) {
        int q = 0;
        while (q < ng && !win_join(a, w, &g[q], &w->acc[k]))
            q++;
        if (q == ng)
            g[ng++] = (gb_jitx_wgrp){k, k, 0, w->acc[k].size,
                                     w->acc[k].mark};
    }
    uint32_t back = w->at + 4;
    jcc_patch(a, w->at);
    uint32_t precise[GB_JITX_NWACC], stop[GB_JITX_NWACC + 1];
    int nstop = 0;
    /* every group in bounds (else: the accesses one at a time) */
    for (int q = 0; q < ng; q++) {
        win_addr(a, w, &w->acc[g[q].first]);
        insm(a, 0, 1, 0x8d, RCX, RAX, -1, 1, (int32_t)(g[q].hi - g[q].lo - 1));
        precise[q] = win_bound(a);
    }
    /* the groups' marks and J */
    insm(a, 0, 0, 0xc7, 0, CTX, -1, 1, CO(wj)); /* mov dword [wj], 511 */
    b4(a, (1u << GB_DIRTY_SHIFT) - 1);
    for (int q = 0; q < ng; q++) {
        if (!g[q].mark)
            continue;
        const gb_jitx_wacc *x = &w->acc[g[q].first];
        int32_t span = (int32_t)(g[q].hi - g[q].lo);
        int marks = x->marks;
        uint32_t mag = x->step < 0 ? 0u - (uint32_t)x->step : (uint32_t)x->step;
        win_addr(a, w, x);
        insm(a, 0, 1, 0x8d, RCX, RAX, -1, 1, span - 1); /* rcx: last */
        if (span > 1)
            mark_in(a, RAX, marks);
        /* eax = J = R / S: (R * ceil(2^20 / S)) >> 20, exact for R <
         * 2048; R the bytes left in the granule (up: after the last
         * byte, down: before the first) */
        if (x->step > 0) {
            mov32(a, RAX, RCX);
            insr(a, 0, 0xf7, 2, RAX); /* not eax */
        } else {
            insm(a, 0, 0, 0x8d, RAX, RCX, -1, 1, 1 - span);
        }
        gb_jitx_aluimm(a, 0, 4, RAX, (1u << GB_DIRTY_SHIFT) - 1);
        insr(a, 0, 0x69, RAX, RAX); /* imul eax, eax, M */
        b4(a, ((1u << 20) + mag - 1) / mag);
        insr(a, 0, 0xc1, 5, RAX); /* shr eax, 20 */
        b1(a, 20);
        insm(a, 0, 0, 0x3b, RAX, CTX, -1, 1, CO(wj)); /* cmp eax, [wj] */
        b1(a, 0x73); /* jae over */
        b1(a, 5);
        insm(a, 0, 0, 0x89, RAX, CTX, -1, 1, CO(wj)); /* mov [wj], eax */
        mark_in(a, RCX, marks);
    }
    /* wlim: up, counter + J c + 1, at most 2^32 - c (the counter at or
     * above it would wrap on the next run: none); down, counter - J |c|
     * - 1, at least |c| - 1 (below |c|: none) */
    uint32_t mag = w->cstep < 0 ? 0u - (uint32_t)w->cstep : (uint32_t)w->cstep;
    uint32_t lim = w->cstep > 0 ? (uint32_t)(0x100000000ull - mag) : mag;
    win_src(a, w, RAX, w->cslot);
    gb_jitx_aluimm(a, 0, 7, RAX, lim); /* cmp eax, lim */
    stop[nstop++] = jcc_fwd(a, w->cstep > 0 ? CC_AE : CC_B);
    insm(a, 0, 0, 0x8b, RCX, CTX, -1, 1, CO(wj)); /* mov ecx, [wj] */
    insr(a, 1, 0x69, RCX, RCX); /* imul rcx, rcx, |c| */
    b4(a, mag);
    if (w->cstep > 0) {
        insm(a, 0, 1, 0x8d, RAX, RAX, RCX, 1, 1); /* lea rax, [rax+rcx+1] */
        gb_jitx_movimm(a, RCX, lim);
        insr(a, 1, 0x39, RCX, RAX);   /* cmp rax, rcx */
        insr(a, 1, 0x470f, RAX, RCX); /* cmova rax, rcx */
    } else {
        insr(a, 1, 0x29, RCX, RAX);   /* sub rax, rcx */
        insm(a, 0, 1, 0x8d, RAX, RAX, -1, 1, -1); /* lea rax, [rax-1] */
        gb_jitx_movimm(a, RCX, lim - 1);
        insr(a, 1, 0x39, RCX, RAX);   /* cmp rax, rcx (signed) */
        insr(a, 1, 0x4c0f, RAX, RCX); /* cmovl rax, rcx */
    }
    insm(a, 0, 0, 0x89, RAX, CTX, -1, 1, CO(wlim)); /* mov [wlim], eax */
    gb_jitx_jmp_to(a, back);
    /* one out of bounds: the accesses in order, marked up to it */
    for (int q = 0; q < ng; q++)
        jcc_patch(a, precise[q]);
    for (int k = 0; k < w->n; k++) {
        const gb_jitx_wacc *x = &w->acc[k];
        win_addr(a, w, x);
        insm(a, 0, 1, 0x8d, RCX, RAX, -1, 1, x->size - 1);
        stop[nstop++] = win_bound(a);
        if (x->mark) {
            if (x->size > 1)
                mark_in(a, RAX, x->marks);
            mark_in(a, RCX, x->marks);
        }
    }
    /* (or every one in bounds, where a group's address wrapped past 2^32
     * and its accesses' did not: all marked) */
    for (int k = 0; k < nstop; k++)
        jcc_patch(a, stop[k]);
    insm(a, 0, 0, 0xc7, 0, CTX, -1, 1, CO(wlim)); /* mov dword [wlim], */
    b4(a, win_none(w));
    gb_jitx_jmp_to(a, back);
}

/* The function's windows, after its code: the marking of each, or its
 * compare made no-ops when none of its accesses is its to mark. */
static void win_emit_all(asm_ *a)
{
    gb_jitx_line *l = a->line;
    if (!l)
        return;
    for (int k = 0; k < l->nwin && !a->fail; k++) {
        const gb_jitx_win *w = &l->win[k];
        if (!w->placed)
            continue;
        if (w->nmark)
            win_emit(a, w);
        else
            nops_at(a, w->start, w->len);
    }
    l->nwin = 0;
    l->wopen = 0;
}

/* ---- marks once per granule: the loops' inductions ----
 *
 * In a loop of one straight line with no call or helper, an access whose
 * address advances by a constant S, 0 < S <= 256, each time round (its
 * roots are the values at the head of slots that each advance by a
 * constant: i += 4, p = q + i) enters a new granule exactly when the low
 * bits of its address, mod the granule, are below S: it marks then, or
 * the first time it runs after the way into the loop, and every other
 * time finds its granules marked by its earlier runs.  Inline that is
 * `test [ctx->ind[k]], addr; jz cold`: the flag is 0 on the way in (so
 * the first run marks) and the mask of those low bits (511 & -P, P the
 * power of 2 at or above S) once marked.  An address that may span two
 * granules is tested at its last byte (its first byte's granule is the
 * last byte's of the run before, or marked with it by the cold code,
 * which marks both).  An address wrapping past 2^32 stays in bounds only
 * in a memory of 4 GiB: there only accesses with no offset, tested at
 * their first byte (which then lies below S, and marks), take part.
 * Every access that ran has its granules marked when it is done, as in
 * the interpreter; one that traps marks nothing. */

void gb_jitx_ind_plan(asm_ *a, const gb_jitx_hmap *hm, const gb_code *code,
                      uint32_t head, uint32_t rend)
{
    gb_jitx_line *l = a->line;
    if (!l || l->code != code)
        return;
    l->ihead = -1;
    l->wopen = 0;
    uint32_t ns = l->nslots;
    if (!l->istep) {
        l->istep = gb_malloc(ns * sizeof *l->istep);
        l->ibase = gb_malloc(ns * sizeof *l->ibase);
        l->ic = gb_malloc(ns * sizeof *l->ic);
        l->iok = gb_malloc(ns);
        if (!l->istep || !l->ibase || !l->ic || !l->iok) {
            free(l->istep); free(l->ibase); free(l->ic); free(l->iok);
            l->istep = l->ibase = l->ic = NULL;
            l->iok = NULL;
            return;
        }
    }
    /* each slot's value as (a slot's value at the head) + constant, or
     * UINT32_MAX: another; met at every branch back to the head (iok 2:
     * none seen yet) */
    for (uint32_t s = 0; s < ns; s++) {
        l->ibase[s] = s;
        l->ic[s] = 0;
        l->iok[s] = 2;
    }
    int nacc = 0;
    for (uint32_t i = head; i < rend;) {
        const gb_cell *pc = &code->cells[i];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        if (oi < 0)
            return;
        gb_irop o = (gb_irop)oi, mb;
        uint64_t r[3], w[3];
        int nr, nw, bf;
        bool wl, st;
        int kind = gb_jitx_slot_rw(o, pc, r, &nr, w, &nw);
        uint32_t nt = gb_jitx_ntargets(o, pc);
        if (kind != 0 && (nt == 0 || o == GB_IR_BR_TABLE))
            return; /* a call, a helper, a return */
        if (gb_jitx_mem_kind(o).size || gb_jitx_fused_mem(o, &mb, &bf, &wl, &st))
            nacc++;
        for (uint32_t k = 0; k < nt; k++) {
            if (gb_jitx_target(o, pc, code, k) != head)
                continue;
            for (uint32_t s = 0; s < ns; s++) {
                bool ok = l->ibase[s] == s;
                uint32_t c = ok ? l->ic[s] : 0;
                if (l->iok[s] == 2) {
                    l->iok[s] = ok;
                    l->istep[s] = c;
                } else if (l->iok[s] && (!ok || l->istep[s] != c)) {
                    l->iok[s] = 0;
                }
            }
        }
        if (kind == 0) {
            uint32_t nb = UINT32_MAX, nc = 0, k = (uint32_t)pc[3].u;
            if (o == GB_IR_COPY && pc[2].u < ns) {
                nb = l->ibase[pc[2].u];
                nc = l->ic[pc[2].u];
            } else if ((o == GB_IR_I32_ADD_I || o == GB_IR_I32_SUB_I) &&
                       pc[2].u < ns) {
                nb = l->ibase[pc[2].u];
                nc = l->ic[pc[2].u] + (o == GB_IR_I32_ADD_I ? k : -k);
            }
            for (int q = 0; q < nw; q++)
                if (w[q] < ns) {
                    l->ibase[w[q]] = nw == 1 ? nb : UINT32_MAX;
                    l->ic[w[q]] = nc;
                }
        }
        i += (uint32_t)gb_ir_operands(o, pc) + 1;
    }
    int nsteps = 0;
    for (uint32_t s = 0; s < ns; s++) {
        if (l->iok[s] == 2)
            l->iok[s] = 0;
        nsteps += l->iok[s] && l->istep[s];
    }
    if (!nsteps || !nacc)
        return;
    l->nflags = nacc < GB_JITX_NIND ? nacc : GB_JITX_NIND;
    l->nind = 0;
    l->ihead = head;
    l->irend = rend;
    l->iepoch = l->epoch;
    for (int k = 0; k < l->nflags; k += 2) { /* mov qword [ind+k], 0 */
        insm(a, 0, 1, 0xc7, 0, CTX, -1, 1, CO(ind) + 4 * k);
        b4(a, 0);
    }
    win_plan(a, l, hm, code, head, rend);
}

/* The flag of an access at (base v) + off in the loop whose accesses mark
 * once per granule (and *mask, the low bits tested), or -1 when it marks
 * every time.  one: its bytes are in one granule; on_first: the register
 * tested will hold its first byte's address (else its last byte's). */
static int ind_site(asm_ *a, gb_jitx_val v, uint64_t off, bool one,
                    bool on_first, uint32_t *mask)
{
    gb_jitx_line *l = a->line;
    if (!l || l->ihead < 0 || !a->pc || l->code != a->code ||
        l->epoch != l->iepoch || l->nind >= l->nflags)
        return -1;
    uint64_t i = (uint64_t)(a->pc - l->code->cells);
    if (i < (uint64_t)l->ihead || i >= l->irend)
        return -1;
    if (a->mem4g && (off || !one || !on_first))
        return -1;
    uint32_t step = 0;
    uint64_t roots[2] = {v.r1, v.r2};
    for (int k = 0; k < 2; k++) {
        uint64_t r = roots[k];
        if (!r)
            continue;
        if ((uint32_t)(r >> 32) != l->iepoch || (r & 0x80000000u) ||
            (uint32_t)r >= l->nslots || !l->iok[(uint32_t)r])
            return -1; /* (not a slot's value at the head) */
        step += l->istep[(uint32_t)r];
    }
    if (!step || step > 256)
        return -1;
    uint32_t p = 1;
    while (p < step)
        p <<= 1;
    *mask = (((uint32_t)1 << GB_DIRTY_SHIFT) - 1) & ~(p - 1);
    return l->nind++;
}

/* The inline test of such an access, after it (register t holding the
 * address tested: its first byte's when `one`, else rcx its last's);
 * the marking out of line (gb_jitx_emit_ind_marks). */
static void ind_mark(asm_ *a, int t, int size, int marks, bool one,
                     int flag, uint32_t mask)
{
    insm(a, 0, 0, 0x85, t, CTX, -1, 1, CO(ind) + 4 * flag); /* test */
    b1(a, 0x0f);
    b1(a, 0x84); /* jz */
    uint32_t at = (uint32_t)a->n;
    b4(a, 0);
    gb_jitx_add_fx(a, &a->icold, &a->nicold, &a->capicold, at,
                   (uint32_t)a->n);
    if (a->nicold)
        a->icold[a->nicold - 1].aux = mask | (uint32_t)flag << 10 |
                                      (uint32_t)t << 14 |
                                      (uint32_t)size << 18 |
                                      (uint32_t)marks << 23 |
                                      (uint32_t)one << 27;
}

void gb_jitx_emit_ind_marks(asm_ *a)
{
    for (size_t k = 0; k < a->nicold && !a->fail; k++) {
        uint32_t x = a->icold[k].aux;
        int t = (int)(x >> 14 & 15), size = (int)(x >> 18 & 31);
        int marks = (int)(x >> 23 & 15);
        patch4(a, a->icold[k].at, (uint32_t)a->n - (a->icold[k].at + 4));
        if (x >> 27 & 1) { /* one granule, t its first byte: rcx is free */
            if (t != RCX)
                mov64(a, RCX, t);
        } else { /* rcx the last byte, rax the first (free too) */
            insm(a, 0, 1, 0x8d, RAX, RCX, -1, 1, 1 - size);
            mark_in(a, RAX, marks);
        }
        mark_in(a, RCX, marks);
        /* mov dword [ind+flag], mask */
        insm(a, 0, 0, 0xc7, 0, CTX, -1, 1, CO(ind) + 4 * (int)(x >> 10 & 15));
        b4(a, x & 1023);
        gb_jitx_jmp_to(a, a->icold[k].target);
    }
    a->nicold = 0;
    win_emit_all(a);
}

/* the bounds of an access: checked now, or known (then recorded) */
static bool access_known(asm_ *a, int bform, uint64_t as, uint64_t b,
                         uint64_t off, int size)
{
    bool known = chk_covered(a, bform, as, b, off + (uint64_t)size);
    if (!known)
        gb_jitx_chk_add(a, bform, as, b, off + (uint64_t)size);
    return known;
}

/* The load of a read-modify-write under way, made as a plain load into
 * its slot's register (an access after it needs marks of its own). */
static void rmw_load(asm_ *a)
{
    int rt = gb_jitx_dst(a, a->rmw_t);
    insm(a, 0, a->rmw_w64, 0x8b, rt >= 0 ? rt : RAX, MEM, creg[a->rmw_x],
         1, a->rmw_disp);
    if (rt < 0)
        st64(a, a->rmw_t, RAX);
    else if (!a->rmw_w64)
        gb_jitx_z32(a, rt);
    if (a->rmw_wb != UINT64_MAX) { /* the _ADDIW form's local, a + b */
        int rw = gb_jitx_dst(a, a->rmw_wb);
        insm(a, 0, 0, 0x8d, rw >= 0 ? rw : RAX, creg[a->rmw_x], -1, 1,
             (int32_t)a->rmw_b); /* lea rw32, [a + b] */
        if (rw < 0)
            st64(a, a->rmw_wb, RAX);
        else
            gb_jitx_z32(a, rw);
    }
    a->rmw_st = UINT32_MAX;
}

/* The load at pc, its address in register x (+ disp) and in the slot
 * addr, starts the read-modify-write whose store is at cell st: when x
 * is addr's cache register, the load is left to the store (true). */
static bool rmw_start(asm_ *a, const gb_cell *pc, uint64_t addr, int x,
                      int32_t disp, int w64, uint32_t st)
{
    int k = 0;
    while (k < NCR && creg[k] != x)
        k++;
    if (k == NCR || a->rs[k] != (int64_t)addr)
        return false;
    int it = gb_jitx_cfind(a, pc[1].u);
    if (it >= 0) { /* (its old value: overwritten by the load) */
        a->rs[it] = -1;
        a->dirty[it] = 0;
        a->z32[it] = 0;
        a->kc[it] = 0;
    }
    a->rmw_st = st;
    a->rmw_x = k;
    a->rmw_disp = disp;
    a->rmw_t = pc[1].u;
    a->rmw_w64 = w64 != 0;
    return true;
}

/* bform: 0 [dst][addr][off], 1 [dst][a][b][off] (b a slot), 2 (b an
 * immediate); w: the _W forms ([local] after off) */
void gb_jitx_emit_load(asm_ *a, gb_irop base, const gb_cell *pc, int bform,
                      bool w)
{
    gb_jitx_memop m = gb_jitx_mem_kind(base);
    int x;
    bool known, one = false, done = false;
    if (a->line) { /* (before ea: the _W forms write the local there) */
        a->line->wv = access_base(a->line, pc, 2, bform);
        done = marked(a, a->line->wv, pc[bform ? 4 : 3].u, m.size, RDM,
                      &one);
        done = win_site(a, a->line->wv, pc[bform ? 4 : 3].u, m.size, RDM,
                        done) == 1 || done;
    }
    int32_t disp = 0;
    int32_t *dp = done && a->guard ? &disp : NULL;
    /* the load of a read-modify-write under way, made now when this one
     * marks (before its marks: the order of the interpreter's) */
    if (a->rmw_st != UINT32_MAX && !done)
        rmw_load(a);
    /* a read-modify-write's load (gb_jitx_rmw_plan): no access when it
     * marks nothing (no mark, no check: it cannot trap, or its window's
     * marks are made at the loop's head), nor the other load */
    uint32_t rmw = UINT32_MAX;
    int it = gb_jitx_cfind(a, pc[1].u);
    bool wfold = false;
    if (dp && a->rmw_st == UINT32_MAX && (it < 0 || !a->pin[it])) {
        uint32_t st = gb_jitx_rmw_plan(a->hm, a->code, a->live, a->lo,
                                       (uint32_t)(pc - a->code->cells),
                                       &wfold);
        rmw = st ? st : UINT32_MAX;
        /* (the _ADDIW form's local left unmade: only when ea folds b,
         * a's register zero above bit 31 and a + b not wrapping) */
        int ia = wfold ? gb_jitx_cfind(a, pc[2].u) : -1;
        wfold = ia >= 0 && gb_jitx_is_z32(a, creg[ia]) &&
                (uint64_t)(uint32_t)pc[3].u + pc[4].u <= INT32_MAX &&
                sum_fits(a, pc[2].u, pc[3].u);
    }
    if (bform == 0) {
        x = ea(a, pc[2].u, 0, 0, pc[3].u, -1, dp);
        known = access_known(a, 0, pc[2].u, 0, pc[3].u, m.size);
    } else {
        x = ea(a, pc[2].u, bform, pc[3].u, pc[4].u,
               w && !wfold ? (int64_t)pc[5].u : -1, dp);
        known = access_known(a, bform, pc[2].u, pc[3].u, pc[4].u, m.size);
    }
    if (rmw != UINT32_MAX &&
        rmw_start(a, pc, wfold || !bform ? pc[2].u : pc[5].u, x, disp, m.w,
                  rmw)) {
        a->rmw_wb = wfold ? pc[5].u : UINT64_MAX;
        a->rmw_b = (uint32_t)pc[3].u;
        return;
    }
    /* The value for the next instruction only (a multiply-add's factor):
     * into rax, which nothing touches until that reads it (not the cold
     * marks: so only when the access needs none), the slot's stale
     * register dropped; else straight into its register. */
    int ix = gb_jitx_cfind(a, pc[1].u);
    bool scratch = (done || one) && (ix < 0 || !a->pin[ix]) &&
                   gb_jitx_load_feeds_madd(a->hm, a->code, a->live, a->lo,
                                           (uint32_t)(pc - a->code->cells));
    int rd = RAX;
    if (!scratch) {
        rd = gb_jitx_dst(a, pc[1].u);
    } else if (ix >= 0) {
        a->rs[ix] = -1;
        a->dirty[ix] = 0;
    }
    /* marked once per granule in its loop: tested at the address itself
     * when the value does not go to its register (and its bytes are in
     * one granule), else at rcx, its last byte */
    uint32_t mask = 0;
    bool tx = one && x != (rd >= 0 ? rd : RAX);
    int flag = done || !a->line ? -1
               : ind_site(a, a->line->wv, pc[bform ? 4 : 3].u, one, tx,
                          &mask);
    tx = tx && flag >= 0;
    /* an address in rax that the value does not go to: its one granule
     * marked by shifting rax itself, after the access (no copy in rcx) */
    bool in_x = flag < 0 && !done && one && x == RAX && rd >= 0 && rd != RAX;
    /* (rcx: x may be rd) */
    check(a, x, m.size, known, !done && !in_x && !tx);
    insm(a, m.pfx, m.w, m.op, rd >= 0 ? rd : RAX, MEM, x, 1, disp);
    if (scratch) {
        a->sc_slot = pc[1].u;
        a->sc_at = a->next;
    } else if (rd < 0) {
        st64(a, pc[1].u, RAX); /* (before the marks: the cold code uses rax) */
    } else if (!m.w) {
        gb_jitx_z32(a, rd);
    }
    if (flag >= 0)
        ind_mark(a, tx ? x : RCX, m.size, RDM, one, flag, mask);
    else if (in_x)
        mark_in(a, RAX, RDM);
    else if (!done)
        mark(a, m.size, RDM, one);
}

/* The write marks of a store of `size` bytes at (base v) + off, after
 * it, its address in register x (rcx already its last byte: rcx_last),
 * one: its bytes in one granule. */
static void store_marks(asm_ *a, gb_jitx_val v, uint64_t off, int size,
                        bool one, int x, bool rcx_last)
{
    /* marked once per granule in its loop: tested at x itself (one
     * granule) or at rcx, its last byte */
    uint32_t mask = 0;
    int flag = a->line ? ind_site(a, v, off, one, one, &mask) : -1;
    if (flag >= 0) {
        if (!one && !rcx_last)
            check(a, x, size, true, true);
        ind_mark(a, one ? x : RCX, size, DIRTY, one, flag, mask);
        return;
    }
    if (one && x == RAX) { /* (the address, not needed after: shifted) */
        mark_in(a, RAX, DIRTY);
        return;
    }
    if (!rcx_last) /* (x is unchanged by the store) */
        check(a, x, size, true, true);
    mark(a, size, DIRTY, one);
}

/* The store of a read-modify-write (gb_jitx_rmw_plan): the product added
 * to memory at the load's address, [addr + off], then its marks. */
static void rmw_store(asm_ *a, gb_jitx_memop m, const gb_cell *pc,
                      gb_jitx_val v, bool one, bool done)
{
    int x = creg[a->rmw_x];
    (void)access_known(a, 0, pc[1].u, 0, pc[3].u, m.size);
    insm(a, 0, a->rmw_w64, 0x01, a->rmw_prod, MEM, x, 1, a->rmw_disp);
    a->rmw_st = UINT32_MAX;
    if (done)
        return;
    if (a->rmw_disp) { /* (the address with its offset, for the marks) */
        insm(a, 0, 1, 0x8d, RAX, x, -1, 1, a->rmw_disp);
        x = RAX;
    }
    store_marks(a, v, pc[3].u, m.size, one, x, false);
}

/* bform: 0 [addr][value][off], 1 [a][b][value][off], 2 b immediate */
void gb_jitx_emit_store(asm_ *a, gb_irop base, const gb_cell *pc, int bform)
{
    gb_jitx_memop m = gb_jitx_mem_kind(base);
    uint64_t val;
    int x;
    bool known, one = false, done = false;
    gb_jitx_val v = {0};
    if (a->line) {
        v = access_base(a->line, pc, 1, bform);
        done = marked(a, v, pc[bform ? 4 : 3].u, m.size, DIRTY, &one);
        done = win_site(a, v, pc[bform ? 4 : 3].u, m.size, DIRTY, done) ==
                   1 || done;
    }
    if (a->rmw_st != UINT32_MAX &&
        pc == &a->code->cells[a->rmw_st]) {
        rmw_store(a, m, pc, v, one, done);
        return;
    }
    int32_t disp = 0;
    int32_t *dp = done && a->guard ? &disp : NULL;
    if (bform == 0) {
        x = ea(a, pc[1].u, 0, 0, pc[3].u, -1, dp);
        known = access_known(a, 0, pc[1].u, 0, pc[3].u, m.size);
        val = pc[2].u;
    } else {
        x = ea(a, pc[1].u, bform, pc[2].u, pc[4].u, -1, dp);
        known = access_known(a, bform, pc[1].u, pc[2].u, pc[4].u, m.size);
        val = pc[3].u;
    }
    bool last = check(a, x, m.size, known, false);
    int rv = gb_jitx_src(a, val, RCX);
    /* (a byte from sil or dil: the base r14 always gives the instruction
     * a REX prefix, with which registers 6 and 7 are sil and dil, not dh
     * and bh) */
    insm(a, m.pfx, m.w, m.op, rv, MEM, x, 1, disp);
    if (!done)
        store_marks(a, v, pc[bform ? 4 : 3].u, m.size, one, x,
                    last && rv != RCX);
}

#endif /* __x86_64__ */
