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
        m->op[i] = (uint16_t)o;
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

/* Whether `slot` is dead at cell t: on the straight line from t it is
 * written before anything reads it and before anything goes elsewhere
 * (or the run ends first).  false when not known. */
bool gb_jitx_dead_at(const gb_jitx_hmap *hm, const gb_code *code,
                     uint32_t t, uint64_t slot)
{
    for (int steps = 0; steps < 64 && t < code->ncells; steps++) {
        const gb_cell *pc = &code->cells[t];
        int oi = gb_jitx_hmap_get(hm, pc->h);
        if (oi < 0)
            return false;
        uint64_t r[3], w[3];
        int nr, nw;
        int kind = gb_jitx_slot_rw((gb_irop)oi, pc, r, &nr, w, &nw);
        if (kind == 2)
            return true;
        if (oi == GB_IR_JMP) { /* on at its target */
            t = (uint32_t)((const gb_cell *)pc[1].p - code->cells);
            continue;
        }
        for (int k = 0; k < nr; k++)
            if (r[k] == slot)
                return false;
        if (kind != 0)
            return false;
        for (int k = 0; k < nw; k++)
            if (w[k] == slot)
                return true;
        t += (uint32_t)gb_ir_operands((gb_irop)oi, pc) + 1;
    }
    return false;
}

/* When cell i starts a loop of one straight line — every branch to it
 * comes from [i, the next branch target) — the slots to pin there, most
 * used first, into pins[]; their count (0: none).  lo and hi: the first
 * and last instruction branching to each cell. */
int gb_jitx_plan_pins(const gb_jitx_hmap *hm, const gb_code *code,
                      uint32_t i, const uint32_t *lo, const uint32_t *hi,
                      int maxpins, uint64_t *pins, uint32_t *rend)
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
        for (int j = 0; j < k; j++) {
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
        e += (uint32_t)gb_ir_operands((gb_irop)oi, pc) + 1;
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
