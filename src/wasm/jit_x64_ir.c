/*
 * The compiling tier for x86-64: what the translator (jit_x64.c) knows of
 * the IR instructions — which IR instruction a handler address is, which
 * ones it does natively and how (the x86 opcode of an access or an
 * integer operator, the condition of a comparison, the parts of a fused
 * access), which frame slots each reads and writes, and the loops whose
 * slots it keeps in registers (the "slot cache" of jit_x64_asm.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/jit_x64_int.h"

#if defined(__x86_64__)


gb_jitx_memop gb_jitx_mem_kind(gb_irop o)
{
    switch (o) {
    case GB_IR_LD32: return (gb_jitx_memop){0x8b, 0, 0, 4};
    case GB_IR_LD64: return (gb_jitx_memop){0x8b, 1, 0, 8};
    case GB_IR_LD8S_32: return (gb_jitx_memop){0xbe0f, 0, 0, 1};
    case GB_IR_LD8S_64: return (gb_jitx_memop){0xbe0f, 1, 0, 1};
    case GB_IR_LD8U: return (gb_jitx_memop){0xb60f, 0, 0, 1};
    case GB_IR_LD16S_32: return (gb_jitx_memop){0xbf0f, 0, 0, 2};
    case GB_IR_LD16S_64: return (gb_jitx_memop){0xbf0f, 1, 0, 2};
    case GB_IR_LD16U: return (gb_jitx_memop){0xb70f, 0, 0, 2};
    case GB_IR_LD32S_64: return (gb_jitx_memop){0x63, 1, 0, 4};
    case GB_IR_ST8: return (gb_jitx_memop){0x88, 0, 0, 1};
    case GB_IR_ST16: return (gb_jitx_memop){0x89, 0, 0x66, 2};
    case GB_IR_ST32: return (gb_jitx_memop){0x89, 0, 0, 4};
    case GB_IR_ST64: return (gb_jitx_memop){0x89, 1, 0, 8};
    default: return (gb_jitx_memop){0, 0, 0, 0};
    }
}


bool gb_jitx_native_binop(gb_irop o, gb_jitx_natop *n)
{
    switch (o) {
#define A_(name, w_, op_) case GB_IR_##name: case GB_IR_##name##_I: *n = (gb_jitx_natop){w_, op_, -1, -1}; return true;
#define SH_(name, w_, d_) case GB_IR_##name: case GB_IR_##name##_I: *n = (gb_jitx_natop){w_, 0xd3, d_, -1}; return true;
#define C_(name, w_, cc_) case GB_IR_##name: case GB_IR_##name##_I: *n = (gb_jitx_natop){w_, 0x39, -1, cc_}; return true;
    A_(I32_ADD, 0, 0x01) A_(I32_SUB, 0, 0x29) A_(I32_AND, 0, 0x21)
    A_(I32_OR, 0, 0x09) A_(I32_XOR, 0, 0x31) A_(I32_MUL, 0, 0xaf0f)
    A_(I64_ADD, 1, 0x01) A_(I64_SUB, 1, 0x29) A_(I64_AND, 1, 0x21)
    A_(I64_OR, 1, 0x09) A_(I64_XOR, 1, 0x31) A_(I64_MUL, 1, 0xaf0f)
    SH_(I32_SHL, 0, 4) SH_(I32_SHR_U, 0, 5) SH_(I32_SHR_S, 0, 7)
    SH_(I32_ROTL, 0, 0) SH_(I32_ROTR, 0, 1)
    SH_(I64_SHL, 1, 4) SH_(I64_SHR_U, 1, 5) SH_(I64_SHR_S, 1, 7)
    SH_(I64_ROTL, 1, 0) SH_(I64_ROTR, 1, 1)
    C_(I32_EQ, 0, CC_E) C_(I32_NE, 0, CC_NE) C_(I32_LT_S, 0, CC_L)
    C_(I32_LT_U, 0, CC_B) C_(I32_GT_S, 0, CC_G) C_(I32_GT_U, 0, CC_A)
    C_(I32_LE_S, 0, CC_LE) C_(I32_LE_U, 0, CC_BE) C_(I32_GE_S, 0, CC_GE)
    C_(I32_GE_U, 0, CC_AE)
    C_(I64_EQ, 1, CC_E) C_(I64_NE, 1, CC_NE) C_(I64_LT_S, 1, CC_L)
    C_(I64_LT_U, 1, CC_B) C_(I64_GT_S, 1, CC_G) C_(I64_GT_U, 1, CC_A)
    C_(I64_LE_S, 1, CC_LE) C_(I64_LE_U, 1, CC_BE) C_(I64_GE_S, 1, CC_GE)
    C_(I64_GE_U, 1, CC_AE)
#undef A_
#undef SH_
#undef C_
    default:
        return false;
    }
}

bool gb_jitx_pure_op(gb_irop o)
{
    gb_jitx_natop nat;
    switch (o) {
    case GB_IR_NOP: case GB_IR_CONST: case GB_IR_COPY: case GB_IR_SELECT:
    case GB_IR_I32_MADD: case GB_IR_I64_MADD: case GB_IR_I32_EQZ:
    case GB_IR_I64_EQZ: case GB_IR_I32_WRAP_I64: case GB_IR_I64_EXTEND_I32_U:
    case GB_IR_I64_EXTEND_I32_S: case GB_IR_I64_EXTEND32_S:
    case GB_IR_I32_EXTEND8_S: case GB_IR_I32_EXTEND16_S:
    case GB_IR_I64_EXTEND8_S: case GB_IR_I64_EXTEND16_S:
        return true;
    default:
        return gb_jitx_native_binop(o, &nat);
    }
}

bool gb_jitx_imm_form(gb_irop o)
{
    switch (o) {
#define B_(opc, name, ti, to, expr) case GB_IR_##name##_I: return true;
        GB_BINOPS(B_)
#undef B_
    default:
        return false;
    }
}

int gb_jitx_brcmp_cc(gb_irop o, bool *imm)
{
    *imm = false;
    switch (o) {
#define C_(name, cond, inv)                                                 \
    case GB_IR_BR_##name##_I: *imm = true; /* fall through */               \
    case GB_IR_BR_##name: { gb_jitx_natop n; gb_jitx_native_binop(GB_IR_##name, &n); return n.cc; }
        GB_IR_BRCMP(C_)
#undef C_
    default:
        return -1;
    }
}

/* the load/store base op and form of a fused access, or false */
bool gb_jitx_fused_mem(gb_irop o, gb_irop *base, int *bform, bool *w,
                      bool *store)
{
    switch (o) {
#define LA_(name)                                                           \
    case GB_IR_##name##_ADD: *base = GB_IR_##name; *bform = 1; *w = false; *store = false; return true; \
    case GB_IR_##name##_ADDI: *base = GB_IR_##name; *bform = 2; *w = false; *store = false; return true; \
    case GB_IR_##name##_ADDW: *base = GB_IR_##name; *bform = 1; *w = true; *store = false; return true; \
    case GB_IR_##name##_ADDIW: *base = GB_IR_##name; *bform = 2; *w = true; *store = false; return true;
        GB_IR_LDADD(LA_)
#undef LA_
#define SA_(name)                                                           \
    case GB_IR_##name##_ADD: *base = GB_IR_##name; *bform = 1; *w = false; *store = true; return true; \
    case GB_IR_##name##_ADDI: *base = GB_IR_##name; *bform = 2; *w = false; *store = true; return true;
        GB_IR_STADD(SA_)
#undef SA_
    default:
        return false;
    }
}

/* ---- handler address -> IR op ---------------------------------------- */


static size_t hslot(const void *h)
{
    uintptr_t x = (uintptr_t)h;
    x ^= x >> 17;
    x *= 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 54); /* 10 bits */
}

bool gb_jitx_hmap_build(gb_jitx_hmap *m)
{
    const void *const *H = gb_interp_handlers();
    memset(m, 0, sizeof *m);
    for (int o = 0; o < GB_IR_COUNT_; o++) {
        size_t i = hslot(H[o]);
        while (m->h[i]) {
            if (m->h[i] == H[o])
                return false; /* two ops, one handler: ambiguous */
            i = (i + 1) & 1023;
        }
        m->h[i] = H[o];
        /* a charging form (ir.h) is its plain form here: the GAS it
         * charges stays in the code, compiled as any other */
        m->op[i] = (uint16_t)gb_ir_plain((gb_irop)o);
    }
    return true;
}

int gb_jitx_hmap_get(const gb_jitx_hmap *m, const void *h)
{
    for (size_t i = hslot(h); m->h[i]; i = (i + 1) & 1023)
        if (m->h[i] == h)
            return m->op[i];
    return -1;
}

/* ---- loops: the slots pinned ----------------------------------------- */

/* The frame slots instruction o reads or writes, into s[] (at most 5);
 * only the instructions translated natively, 0 for the others. */
static int slot_ops(gb_irop o, const gb_cell *pc, uint64_t *s)
{
    gb_jitx_natop nat;
    gb_irop mb;
    int bf, n = 0;
    bool w, st, imm;
    switch (o) {
    case GB_IR_BR_IF: case GB_IR_BR_UNLESS: case GB_IR_BR_EQZ_I32:
    case GB_IR_BR_NEZ_I32: case GB_IR_BR_TABLE: case GB_IR_CONST:
    case GB_IR_GLOBAL_GET: case GB_IR_MEMORY_SIZE:
        s[0] = pc[1].u;
        return 1;
    case GB_IR_GLOBAL_SET:
        s[0] = pc[2].u;
        return 1;
    case GB_IR_SELECT: case GB_IR_I32_MADD: case GB_IR_I64_MADD:
        for (int k = 0; k < 4; k++)
            s[k] = pc[1 + k].u;
        return 4;
    case GB_IR_COPY:
    case GB_IR_LD32: case GB_IR_LD64: case GB_IR_LD8S_32:
    case GB_IR_LD8S_64: case GB_IR_LD8U: case GB_IR_LD16S_32:
    case GB_IR_LD16S_64: case GB_IR_LD16U: case GB_IR_LD32S_64:
    case GB_IR_ST8: case GB_IR_ST16: case GB_IR_ST32: case GB_IR_ST64:
        s[0] = pc[1].u;
        s[1] = pc[2].u;
        return 2;
    default:
        break;
    }
    if (gb_jitx_brcmp_cc(o, &imm) >= 0) {
        s[n++] = pc[1].u;
        if (!imm)
            s[n++] = pc[2].u;
    } else if (gb_jitx_fused_mem(o, &mb, &bf, &w, &st)) {
        /* loads [dst][a][b][off]([local]), stores [a][b][value][off] */
        s[n++] = pc[1].u;
        if (!st)
            s[n++] = pc[2].u;
        if (bf == 1)
            s[n++] = pc[st ? 2 : 3].u;
        if (st)
            s[n++] = pc[3].u;
        if (w)
            s[n++] = pc[5].u;
    } else if (gb_jitx_native_binop(o, &nat)) {
        s[n++] = pc[1].u;
        s[n++] = pc[2].u;
        if (!gb_jitx_imm_form(o))
            s[n++] = pc[3].u;
    } else if (gb_ir_nops[o] == 2 && o > GB_IR_I64_MADD) {
        s[n++] = pc[1].u; /* a unary op (a helper's too: harmless) */
        s[n++] = pc[2].u;
    }
    return n;
}

/* What instruction o (at pc) reads and writes of the frame: its slots
 * read into r[] (*nr) and written into w[] (*nw), each at most 3; the
 * reads come first.  Returns 0 when it falls through to the next
 * instruction and nothing else reads the frame, 1 when it may go
 * elsewhere or read other slots (a branch, a call, a return, a table or
 * memory helper: its reads are given for branches only), 2 when it
 * ends the run (unreachable). */
int gb_jitx_slot_rw(gb_irop o, const gb_cell *pc, uint64_t *r, int *nr,
                    uint64_t *w, int *nw)
{
    gb_irop mb;
    int bf;
    bool wl, st, imm;
    *nr = *nw = 0;
    switch (o) {
    case GB_IR_UNREACHABLE:
        return 2;
    case GB_IR_NOP: case GB_IR_GAS:
        return 0;
    case GB_IR_BR_IF: case GB_IR_BR_UNLESS: case GB_IR_BR_EQZ_I32:
    case GB_IR_BR_NEZ_I32: case GB_IR_BR_TABLE:
        r[(*nr)++] = pc[1].u;
        return 1;
    case GB_IR_CONST: case GB_IR_GLOBAL_GET: case GB_IR_MEMORY_SIZE:
        w[(*nw)++] = pc[1].u;
        return 0;
    case GB_IR_GLOBAL_SET:
        r[(*nr)++] = pc[2].u;
        return 0;
    case GB_IR_SELECT: case GB_IR_I32_MADD: case GB_IR_I64_MADD:
        for (int k = 0; k < 3; k++)
            r[(*nr)++] = pc[2 + k].u;
        w[(*nw)++] = pc[1].u;
        return 0;
    case GB_IR_COPY:
    case GB_IR_LD32: case GB_IR_LD64: case GB_IR_LD8S_32:
    case GB_IR_LD8S_64: case GB_IR_LD8U: case GB_IR_LD16S_32:
    case GB_IR_LD16S_64: case GB_IR_LD16U: case GB_IR_LD32S_64:
        r[(*nr)++] = pc[2].u;
        w[(*nw)++] = pc[1].u;
        return 0;
    case GB_IR_ST8: case GB_IR_ST16: case GB_IR_ST32: case GB_IR_ST64:
        r[(*nr)++] = pc[1].u;
        r[(*nr)++] = pc[2].u;
        return 0;
    default:
        break;
    }
    if (gb_jitx_brcmp_cc(o, &imm) >= 0) {
        r[(*nr)++] = pc[1].u;
        if (!imm)
            r[(*nr)++] = pc[2].u;
        return 1;
    }
    if (gb_jitx_fused_mem(o, &mb, &bf, &wl, &st)) {
        /* loads [dst][a][b][off]([local]), stores [a][b][value][off] */
        int k = st ? 1 : 2;
        r[(*nr)++] = pc[k].u;
        if (bf == 1)
            r[(*nr)++] = pc[k + 1].u;
        if (st) {
            r[(*nr)++] = pc[3].u;
        } else {
            w[(*nw)++] = pc[1].u;
            if (wl)
                w[(*nw)++] = pc[5].u;
        }
        return 0;
    }
    if (o > GB_IR_I64_MADD && (gb_ir_nops[o] == 2 || gb_ir_nops[o] == 3)) {
        /* a numeric op of opcodes.h: [dst][a]([b]), native or a helper's */
        r[(*nr)++] = pc[2].u;
        if (gb_ir_nops[o] == 3 && !gb_jitx_imm_form(o))
            r[(*nr)++] = pc[3].u;
        w[(*nw)++] = pc[1].u;
        return 0;
    }
    return 1;
}

/* ---- liveness ------------------------------------------------------- */

uint32_t gb_jitx_ntargets(gb_irop o, const gb_cell *pc)
{
    bool imm;
    if (o == GB_IR_BR_TABLE)
        return (uint32_t)pc[2].u + 1;
    return o == GB_IR_JMP || o == GB_IR_BR_IF || o == GB_IR_BR_UNLESS ||
           o == GB_IR_BR_EQZ_I32 || o == GB_IR_BR_NEZ_I32 ||
           gb_jitx_brcmp_cc(o, &imm) >= 0;
}

uint32_t gb_jitx_target(gb_irop o, const gb_cell *pc, const gb_code *code,
                        uint32_t k)
{
    bool imm;
    int c = o == GB_IR_JMP ? 1
            : o == GB_IR_BR_TABLE ? 3 + 2 * (int)k
            : gb_jitx_brcmp_cc(o, &imm) >= 0 ? 3 : 2;
    return (uint32_t)((const gb_cell *)pc[c].p - code->cells);
}

/* The liveness of one function's slots: its code cut into blocks (a
 * block starts at cell 0, at every branch target and after every
 * instruction that does not just fall through: slot_rw's kind 1 and 2),
 * and for each block the slots live at its end (read on some way from
 * there before they are written).  A query walks from its cell to the
 * end of the cell's block.  out NULL: too big to keep (a query then
 * knows only what its block says). */
struct gb_jitx_live {
    const gb_jitx_hmap *hm;
    const gb_code *code;
    uint32_t nslots, words, nblocks;
    uint32_t *blk;   /* ncells: the block of each cell (UINT32_MAX: not an
                        instruction's first cell) */
    uint32_t *start; /* nblocks + 1: each block's first cell */
    uint64_t *out;   /* nblocks * words: live at the end */
};

/* What the last instruction of a block reads (beyond slot_rw's list):
 * a call its arguments, a return the results, *all: every slot (a helper
 * or a call through an import or a table, which may read any: taken as
 * reading all of them); and what a call writes ([*wlo, *whi): its
 * results). */
static void end_rw(gb_irop o, const gb_cell *pc, const gb_code *code,
                   uint64_t *rlo, uint64_t *rhi, uint64_t *wlo, uint64_t *whi,
                   bool *all)
{
    *rlo = *rhi = *wlo = *whi = 0;
    *all = false;
    if (o == GB_IR_CALL) {
        const gb_code *callee = pc[1].p;
        *rlo = *wlo = pc[2].u;
        *rhi = pc[2].u + callee->nparams;
        *whi = pc[2].u + callee->nresults;
    } else if (o == GB_IR_RETURN) {
        *rhi = code->nresults;
    } else if (o != GB_IR_UNREACHABLE && !gb_jitx_ntargets(o, pc)) {
        *all = true;
    }
}

static bool bit(const uint64_t *v, uint64_t s) { return v[s >> 6] >> (s & 63) & 1; }

/* Instruction o at pc into a block's use (read before written in the
 * block) and def (written) sets. */
static void use_def(const gb_jitx_live *lv, gb_irop o, const gb_cell *pc,
                    uint64_t *use, uint64_t *def)
{
    uint64_t r[3], w[3], rlo, rhi, wlo, whi;
    int nr, nw;
    bool all = false;
    int kind = gb_jitx_slot_rw(o, pc, r, &nr, w, &nw);
    if (kind == 2)
        return;
    for (int q = 0; q < nr; q++)
        if (r[q] < lv->nslots && !bit(def, r[q]))
            use[r[q] >> 6] |= 1ull << (r[q] & 63);
    for (int q = 0; q < nw; q++)
        if (w[q] < lv->nslots)
            def[w[q] >> 6] |= 1ull << (w[q] & 63);
    if (kind != 1)
        return;
    end_rw(o, pc, lv->code, &rlo, &rhi, &wlo, &whi, &all);
    if (all) {
        for (uint32_t x = 0; x < lv->words; x++)
            use[x] |= ~def[x];
        return;
    }
    for (uint64_t s = rlo; s < rhi && s < lv->nslots; s++)
        if (!bit(def, s))
            use[s >> 6] |= 1ull << (s & 63);
    for (uint64_t s = wlo; s < whi && s < lv->nslots; s++)
        def[s >> 6] |= 1ull << (s & 63);
}

/* (the cell after instruction e, and its op) */
static uint32_t next_cell(const gb_jitx_live *lv, uint32_t e, gb_irop *o)
{
    const gb_cell *pc = &lv->code->cells[e];
    *o = (gb_irop)gb_jitx_hmap_get(lv->hm, pc->h);
    return e + (uint32_t)gb_ir_operands(*o, pc) + 1;
}

gb_jitx_live *gb_jitx_live_new(const gb_jitx_hmap *hm, const gb_code *code)
{
    gb_jitx_live *lv = gb_calloc(1, sizeof *lv);
    uint32_t n = code->ncells;
    if (!lv)
        return NULL;
    lv->hm = hm;
    lv->code = code;
    lv->nslots = code->frame_slots;
    lv->words = (uint32_t)(((uint64_t)lv->nslots + 63) / 64);
    lv->blk = gb_malloc((n ? n : 1) * sizeof *lv->blk);
    uint8_t *lead = gb_calloc(n + 1, 1);
    if (!lv->blk || !lead) {
        free(lead);
        gb_jitx_live_free(lv);
        return NULL;
    }
    /* the blocks' first cells */
    lead[0] = 1;
    for (uint32_t e = 0; e < n;) {
        gb_irop o;
        int oi = gb_jitx_hmap_get(hm, code->cells[e].h);
        if (oi < 0) { /* (the translator reports it) */
            free(lead);
            lv->nblocks = 0;
            return lv;
        }
        uint32_t nx = next_cell(lv, e, &o);
        uint64_t r[3], w[3];
        int nr, nw;
        if (gb_jitx_slot_rw(o, &code->cells[e], r, &nr, w, &nw) != 0)
            lead[nx < n ? nx : n] = 1;
        for (uint32_t k = 0; k < gb_jitx_ntargets(o, &code->cells[e]); k++) {
            uint32_t t = gb_jitx_target(o, &code->cells[e], code, k);
            if (t < n)
                lead[t] = 1;
        }
        e = nx;
    }
    uint32_t nb = 0;
    for (uint32_t e = 0; e < n; e++)
        nb += lead[e];
    lv->start = gb_malloc((nb + 1) * sizeof *lv->start);
    if (!lv->start) {
        free(lead);
        gb_jitx_live_free(lv);
        return NULL;
    }
    for (uint32_t e = 0, b = 0; e < n; e++) {
        if (lead[e])
            lv->start[b++] = e;
        lv->blk[e] = UINT32_MAX;
    }
    lv->start[nb] = n;
    lv->nblocks = nb;
    for (uint32_t b = 0; b < nb; b++) {
        gb_irop o;
        for (uint32_t e = lv->start[b]; e < lv->start[b + 1];
             e = next_cell(lv, e, &o))
            lv->blk[e] = b;
    }
    free(lead);
    /* The sets: kept only up to 16 MiB of them (a bigger function's
     * queries know what their block says) */
    size_t sz = (size_t)nb * lv->words;
    uint64_t *use = NULL, *def = NULL;
    if (sz && sz <= ((size_t)16 << 20) / 24) {
        lv->out = gb_calloc(sz, sizeof *lv->out);
        use = gb_calloc(sz, sizeof *use);
        def = gb_calloc(sz, sizeof *def);
    }
    if (!lv->out || !use || !def) {
        free(lv->out);
        free(use);
        free(def);
        lv->out = NULL;
        return lv;
    }
    uint32_t W = lv->words;
    for (uint32_t b = 0; b < nb; b++) {
        gb_irop o;
        for (uint32_t e = lv->start[b], nx; e < lv->start[b + 1]; e = nx) {
            nx = next_cell(lv, e, &o);
            use_def(lv, o, &code->cells[e], use + (size_t)b * W,
                    def + (size_t)b * W);
        }
    }
    /* out(b) = the union of in(s) over its successors s, in(s) = use(s) |
     * (out(s) & ~def(s)); backwards until nothing changes */
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t b = nb; b-- > 0;) {
            uint32_t last = lv->start[b], e = last;
            gb_irop o = GB_IR_NOP;
            while (e < lv->start[b + 1]) {
                last = e;
                e = next_cell(lv, e, &o);
            }
            const gb_cell *pc = &code->cells[last];
            uint64_t r[3], w[3];
            int nr, nw;
            int kind = gb_jitx_slot_rw(o, pc, r, &nr, w, &nw);
            uint32_t nt = gb_jitx_ntargets(o, pc);
            /* (falls through: to the next block, or off the end: all
             * live, as nothing is known there) */
            bool fall = kind != 2 && o != GB_IR_JMP && o != GB_IR_BR_TABLE &&
                        o != GB_IR_RETURN;
            uint64_t *ob = lv->out + (size_t)b * W;
            for (uint32_t k = 0; k <= nt; k++) {
                uint32_t s;
                if (k < nt)
                    s = gb_jitx_target(o, pc, code, k);
                else if (fall)
                    s = lv->start[b + 1];
                else
                    break;
                if (s >= n) {
                    for (uint32_t x = 0; x < W; x++) {
                        changed |= ob[x] != ~0ull;
                        ob[x] = ~0ull;
                    }
                    continue;
                }
                uint32_t sb = lv->blk[s];
                const uint64_t *us = use + (size_t)sb * W,
                               *ds = def + (size_t)sb * W,
                               *os = lv->out + (size_t)sb * W;
                for (uint32_t x = 0; x < W; x++) {
                    uint64_t v = ob[x] | us[x] | (os[x] & ~ds[x]);
                    changed |= v != ob[x];
                    ob[x] = v;
                }
            }
        }
    }
    free(use);
    free(def);
    return lv;
}

void gb_jitx_live_free(gb_jitx_live *lv)
{
    if (!lv)
        return;
    free(lv->blk);
    free(lv->start);
    free(lv->out);
    free(lv);
}

/* Whether `slot` is dead at cell t: on every way from t it is written
 * before anything reads it (or the run ends first).  false when not
 * known (the block's end more than 256 instructions on, or its sets not
 * kept). */
bool gb_jitx_dead_at(const gb_jitx_live *lv, uint32_t t, uint64_t slot)
{
    if (!lv)
        return false;
    const gb_code *code = lv->code;
    if (t >= code->ncells || slot >= lv->nslots || !lv->nblocks ||
        lv->blk[t] == UINT32_MAX)
        return false;
    uint32_t b = lv->blk[t];
    /* (at most 256 instructions on: a query per register and instruction
     * stays linear in a long block) */
    for (uint32_t e = t, steps = 0; e < lv->start[b + 1]; steps++) {
        if (steps == 256)
            return false;
        const gb_cell *pc = &code->cells[e];
        gb_irop o = (gb_irop)gb_jitx_hmap_get(lv->hm, pc->h);
        uint64_t r[3], w[3], rlo, rhi, wlo, whi;
        int nr, nw;
        bool all;
        int kind = gb_jitx_slot_rw(o, pc, r, &nr, w, &nw);
        if (kind == 2)
            return true;
        for (int k = 0; k < nr; k++)
            if (r[k] == slot)
                return false;
        for (int k = 0; k < nw; k++)
            if (w[k] == slot)
                return true;
        if (kind == 1) {
            end_rw(o, pc, code, &rlo, &rhi, &wlo, &whi, &all);
            if (all || (slot >= rlo && slot < rhi))
                return false;
            if (slot >= wlo && slot < whi)
                return true;
        }
        e += (uint32_t)gb_ir_operands(o, pc) + 1;
    }
    return lv->out && !bit(lv->out + (size_t)b * lv->words, slot);
}

/* A plain or fused load's value slot (*dst), the slot holding its
 * address (*addr: a plain load's, a _W form's local; UINT64_MAX for a
 * fused form without one), its offset and base op; false: not a load. */
static bool load_parts(gb_irop o, const gb_cell *pc, gb_irop *base,
                       uint64_t *dst, uint64_t *addr, uint64_t *off)
{
    int bf;
    bool wl, st;
    if (gb_jitx_fused_mem(o, base, &bf, &wl, &st)) {
        if (st)
            return false;
        *dst = pc[1].u;
        *addr = wl ? pc[5].u : UINT64_MAX;
        *off = pc[4].u;
        return true;
    }
    if (!gb_jitx_mem_kind(o).size || o == GB_IR_ST8 || o == GB_IR_ST16 ||
        o == GB_IR_ST32 || o == GB_IR_ST64)
        return false;
    *base = o;
    *dst = pc[1].u;
    *addr = pc[2].u;
    *off = pc[3].u;
    return true;
}

/* (jit_x64_int.h) */
bool gb_jitx_load_feeds_madd(const gb_jitx_hmap *hm, const gb_code *code,
                             const gb_jitx_live *lv, const uint32_t *lo,
                             uint32_t i)
{
    const gb_cell *pc = &code->cells[i];
    int oi = gb_jitx_hmap_get(hm, pc->h);
    if (oi < 0)
        return false;
    gb_irop o = (gb_irop)oi, mb;
    uint64_t d, addr, off;
    if (!load_parts(o, pc, &mb, &d, &addr, &off))
        return false;
    uint64_t r[3], w[3];
    int nr, nw;
    gb_jitx_slot_rw(o, pc, r, &nr, w, &nw);
    for (int k = 0; k < nr; k++)
        if (r[k] == d)
            return false; /* (its address reads it) */
    if (nw > 1 && w[1] == d)
        return false; /* (the local of a _W form is it too) */
    uint32_t t = i + (uint32_t)gb_ir_operands(o, pc) + 1;
    if (t >= code->ncells || lo[t] != UINT32_MAX)
        return false;
    const gb_cell *q = &code->cells[t];
    int qi = gb_jitx_hmap_get(hm, q->h);
    if ((qi != GB_IR_I32_MADD && qi != GB_IR_I64_MADD) || q[3].u != d ||
        q[1].u == d || q[2].u == d || q[4].u == d)
        return false;
    return gb_jitx_dead_at(lv, t + (uint32_t)gb_ir_operands((gb_irop)qi, q) + 1,
                           d);
}

bool gb_jitx_loop_calls(const gb_jitx_hmap *hm, const gb_code *code,
                        uint32_t i, uint32_t last)
{
    for (uint32_t e = i; e <= last && e < code->ncells;) {
        const gb_cell *pc = &code->cells[e];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        if (oi < 0)
            return true; /* (not known: as if it called) */
        if (oi == GB_IR_CALL || oi == GB_IR_CALL_IMPORT ||
            oi == GB_IR_CALL_INDIRECT)
            return true;
        e += (uint32_t)gb_ir_operands((gb_irop)oi, pc) + 1;
    }
    return false;
}

uint32_t gb_jitx_rmw_plan(const gb_jitx_hmap *hm, const gb_code *code,
                          const gb_jitx_live *lv, const uint32_t *lo,
                          uint32_t i, bool *wfold)
{
    const gb_cell *pc = &code->cells[i];
    int oi = gb_jitx_hmap_get(hm, pc->h);
    gb_irop base, b2;
    uint64_t t, p, off, u, p2, off2;
    if (oi < 0 || !load_parts((gb_irop)oi, pc, &base, &t, &p, &off) ||
        p == UINT64_MAX || p == t ||
        (base != GB_IR_LD32 && base != GB_IR_LD64))
        return 0;
    /* (an _ADDIW form: its local p = a + b read by nothing but the store,
     * a kept until then and not t) */
    gb_irop fb;
    int fbf;
    bool fw, fst;
    *wfold = gb_jitx_fused_mem((gb_irop)oi, &fb, &fbf, &fw, &fst) &&
             fbf == 2 && fw && pc[2].u != t;
    bool w64 = base == GB_IR_LD64;
    uint32_t e = i + (uint32_t)gb_ir_operands((gb_irop)oi, pc) + 1;
    /* (the next instructions, none a branch target) */
    for (int k = 0; k < 3 && e < code->ncells && lo[e] == UINT32_MAX; k++) {
        const gb_cell *q = &code->cells[e];
        int qi = gb_jitx_hmap_get(hm, q->h);
        if (qi < 0)
            return 0;
        uint32_t next = e + (uint32_t)gb_ir_operands((gb_irop)qi, q) + 1;
        if (k == 0 && load_parts((gb_irop)qi, q, &b2, &u, &p2, &off2)) {
            /* the other load: reads neither t nor writes it or p */
            uint64_t r[3], w[3];
            int nr, nw;
            gb_jitx_slot_rw((gb_irop)qi, q, r, &nr, w, &nw);
            for (int x = 0; x < nr; x++) {
                if (r[x] == t)
                    return 0;
                if (r[x] == p)
                    *wfold = false;
            }
            for (int x = 0; x < nw; x++) {
                if (w[x] == t || w[x] == p)
                    return 0;
                if (w[x] == pc[2].u)
                    *wfold = false;
            }
            e = next;
            continue;
        }
        if (k < 2 && qi == (w64 ? GB_IR_I64_MADD : GB_IR_I32_MADD)) {
            if (q[1].u != t || q[2].u != t || q[3].u == t || q[4].u == t)
                return 0;
            if (q[3].u == p || q[4].u == p)
                *wfold = false;
            e = next;
            k = 1; /* (the store comes next) */
            continue;
        }
        if (k == 2 && qi == (w64 ? GB_IR_ST64 : GB_IR_ST32) &&
            q[1].u == p && q[2].u == t && q[3].u == off &&
            gb_jitx_dead_at(lv, next, t)) {
            *wfold = *wfold && gb_jitx_dead_at(lv, next, p);
            return e;
        }
        return 0;
    }
    return 0;
}

int gb_jitx_plan_pins(const gb_jitx_hmap *hm, const gb_code *code,
                      const gb_jitx_live *lv, uint32_t i, const uint32_t *lo,
                      const uint32_t *hi, int maxpins, uint64_t *pins,
                      uint32_t *rend)
{
    enum { MAXS = 64 };
    uint64_t slot[MAXS];
    uint32_t cnt[MAXS];
    /* live in: its first use in the loop may be a read (the loop needs its
     * value from before or from the last iteration); pinned first */
    bool live[MAXS];
    int ns = 0;
    if (lo[i] < i)
        return 0;
    uint32_t e = i;
    /* (a load's value the next multiply-add takes in rax: no pin for it
     * at either; sc_at the multiply-add) */
    uint64_t sc = 0;
    uint32_t sc_at = UINT32_MAX;
    /* (the value a read-modify-write adds to memory, from its load to its
     * store at rmw_at: no pin for it) */
    uint64_t rmw = 0;
    uint32_t rmw_at = UINT32_MAX;
    do {
        const gb_cell *pc = &code->cells[e];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        if (oi < 0)
            return 0;
        uint64_t s[5], r[3], w[3];
        int nr, nw;
        /* (the slots of the loop only: none after its last branch back) */
        int k = e <= hi[i] ? slot_ops((gb_irop)oi, pc, s) : 0;
        int kind = gb_jitx_slot_rw((gb_irop)oi, pc, r, &nr, w, &nw);
        uint32_t next = e + (uint32_t)gb_ir_operands((gb_irop)oi, pc) + 1;
        bool skip = e == sc_at;
        if (!skip && gb_jitx_load_feeds_madd(hm, code, lv, lo, e)) {
            skip = true;
            sc = pc[1].u;
            sc_at = next;
        }
        bool wf;
        uint32_t st = rmw_at == UINT32_MAX || e > rmw_at
                          ? gb_jitx_rmw_plan(hm, code, lv, lo, e, &wf)
                          : 0;
        if (st) {
            rmw = pc[1].u;
            rmw_at = st;
        }
        for (int j = 0; j < k; j++) {
            if ((skip && s[j] == sc) ||
                (rmw_at != UINT32_MAX && e <= rmw_at && s[j] == rmw))
                continue;
            int x = 0;
            while (x < ns && slot[x] != s[j])
                x++;
            if (x == ns) {
                if (ns == MAXS)
                    continue;
                slot[ns] = s[j];
                cnt[ns] = 0;
                /* written first by an instruction whose reads are known
                 * (and not among them): not live in */
                bool wfirst = kind != 1;
                for (int q = 0; q < nr; q++)
                    wfirst = wfirst && r[q] != s[j];
                bool written = false;
                for (int q = 0; q < nw; q++)
                    written = written || w[q] == s[j];
                live[ns++] = !(wfirst && written);
            }
            cnt[x]++;
        }
        e = next;
    } while (e < code->ncells && lo[e] == UINT32_MAX);
    if (hi[i] >= e)
        return 0;
    *rend = hi[i] + (uint32_t)gb_ir_operands(
                        (gb_irop)gb_jitx_hmap_get(hm, code->cells[hi[i]].h),
                        &code->cells[hi[i]]) + 1;
    /* all of them when they fit; the most used when one or two are left
     * out (those go through the frame); else the most used, two registers
     * left for the others */
    int np = ns <= maxpins ? ns : ns <= maxpins + 2 ? maxpins : maxpins - 2;
    for (int k = 0; k < np; k++) {
        int best = k;
        for (int x = k + 1; x < ns; x++)
            if (live[x] > live[best] ||
                (live[x] == live[best] && cnt[x] > cnt[best]))
                best = x;
        uint64_t ts = slot[k];
        uint32_t tc = cnt[k];
        bool tl = live[k];
        slot[k] = slot[best];
        cnt[k] = cnt[best];
        live[k] = live[best];
        slot[best] = ts;
        cnt[best] = tc;
        live[best] = tl;
        pins[k] = slot[k];
    }
    return np;
}

bool gb_jitx_loop_const(const gb_jitx_hmap *hm, const gb_code *code,
                        uint32_t i, uint32_t rend, uint64_t slot,
                        uint64_t *c)
{
    bool found = false;
    for (uint32_t e = i; e < rend && e < code->ncells;) {
        const gb_cell *pc = &code->cells[e];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        if (oi < 0)
            return false;
        gb_irop o = (gb_irop)oi, mb;
        gb_jitx_natop nat;
        int bf;
        bool w, st;
        /* (nothing that writes a pinned register but its slot's value,
         * nor reloads it: no call, helper, multiply-add or division) */
        if (!(o == GB_IR_GAS || o == GB_IR_NOP || o == GB_IR_CONST ||
              o == GB_IR_COPY || gb_jitx_ntargets(o, pc) ||
              gb_jitx_mem_kind(o).size ||
              gb_jitx_fused_mem(o, &mb, &bf, &w, &st) ||
              gb_jitx_native_binop(o, &nat)) ||
            o == GB_IR_BR_TABLE)
            return false;
        uint64_t r[3], wr[3];
        int nr, nw;
        gb_jitx_slot_rw(o, pc, r, &nr, wr, &nw);
        for (int k = 0; k < nw; k++) {
            if (wr[k] != slot)
                continue;
            if (o != GB_IR_CONST || (found && pc[2].u != *c))
                return false;
            *c = pc[2].u;
            found = true;
        }
        e += (uint32_t)gb_ir_operands(o, pc) + 1;
    }
    return found;
}

/* When cell i starts a loop of several straight lines — every branch to
 * it, and every branch to a cell inside it, comes from inside it: from
 * [i, *rend), *rend the end of the last branch to i — with no loop
 * nested in it, the slots to pin there, into pins[] (their count; 0:
 * none): the slots most often read by a straight line of the loop before
 * it writes them (values carried from one line to another), all of them
 * when they fit. */
int gb_jitx_plan_region(const gb_jitx_hmap *hm, const gb_code *code,
                        uint32_t i, const uint32_t *lo, const uint32_t *hi,
                        int maxpins, uint64_t *pins, uint32_t *rend)
{
    enum { MAXS = 64, MAXW = 32 };
    uint64_t slot[MAXS], wr[MAXW];
    uint32_t blk[MAXS], cnt[MAXS];
    int ns = 0, nwr = 0;
    if (lo[i] == UINT32_MAX || lo[i] < i)
        return 0;
    int lop = gb_jitx_hmap_get(hm, code->cells[hi[i]].h);
    if (lop < 0)
        return 0;
    uint32_t end =
        hi[i] + (uint32_t)gb_ir_operands((gb_irop)lop, &code->cells[hi[i]]) + 1;
    for (uint32_t e = i; e < end;) {
        if (e > i && lo[e] != UINT32_MAX) {
            if (lo[e] < i || hi[e] >= end || hi[e] >= e)
                return 0; /* entered from outside, or a nested loop */
            nwr = 0;      /* a new straight line */
        }
        const gb_cell *pc = &code->cells[e];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        if (oi < 0)
            return 0;
        uint64_t s[5], r[8], w[3];
        int nr, nw;
        int kind = gb_jitx_slot_rw((gb_irop)oi, pc, r, &nr, w, &nw);
        if (kind == 1) { /* (reads not all known: all its slots, as reads) */
            int k = slot_ops((gb_irop)oi, pc, s);
            for (int j = 0; j < k && nr < 8; j++)
                r[nr++] = s[j];
            nw = 0;
        }
        for (int j = 0; j < nr + nw; j++) {
            uint64_t v = j < nr ? r[j] : w[j - nr];
            int x = 0;
            while (x < ns && slot[x] != v)
                x++;
            if (x == ns) {
                if (ns == MAXS)
                    continue;
                slot[ns] = v;
                blk[ns] = cnt[ns] = 0;
                ns++;
            }
            cnt[x]++;
            bool seen = false;
            for (int q = 0; q < nwr; q++)
                seen = seen || wr[q] == v;
            if (j < nr && !seen)
                blk[x]++;
            else if (j >= nr && !seen && nwr < MAXW)
                wr[nwr++] = v;
        }
        e += (uint32_t)gb_ir_operands((gb_irop)oi, pc) + 1;
    }
    int cand = 0;
    for (int x = 0; x < ns; x++)
        cand += blk[x] > 0 || ns <= maxpins;
    int np = cand < maxpins - 3 || ns <= maxpins ? cand : maxpins - 3;
    for (int k = 0; k < np; k++) {
        int best = k;
        for (int x = k + 1; x < ns; x++)
            if (blk[x] > blk[best] ||
                (blk[x] == blk[best] && cnt[x] > cnt[best]))
                best = x;
        uint64_t ts = slot[k];
        uint32_t tb = blk[k], tc = cnt[k];
        slot[k] = slot[best];
        blk[k] = blk[best];
        cnt[k] = cnt[best];
        slot[best] = ts;
        blk[best] = tb;
        cnt[best] = tc;
        pins[k] = slot[k];
    }
    if (np > 0)
        *rend = end;
    return np;
}

#endif /* __x86_64__ */
