/*
 * The compiling tier for x86-64: integer division and remainder done
 * natively (div / idiv, with the interpreter's traps checked first), and
 * the results of comparisons kept in the flags for the br_if or select
 * that reads them next.  jit_x64.c calls these while it translates; the
 * encoders and the slot cache are jit_x64_int.h's and jit_x64_asm.c's.
 */
#include <stdbool.h>
#include <stdint.h>

#include "wasm/jit_x64_int.h"

#if defined(__x86_64__)

/* ---- division ---------------------------------------------------------- */

/* The register of `slot`, if any, holds a 32-bit result (zero above bit
 * 31). */
static void mark32(asm_ *a, uint64_t slot)
{
    int i = gb_jitx_cfind(a, slot);
    if (i >= 0)
        gb_jitx_z32(a, creg[i]);
}

/* A short forward jump (jcc rel8, or jmp rel8 with cc < 0); its
 * displacement's position, for patch8. */
static uint32_t jshort(asm_ *a, int cc)
{
    b1(a, cc < 0 ? 0xeb : (uint8_t)(0x70 + cc));
    b1(a, 0);
    return (uint32_t)a->n - 1;
}

static void patch8(asm_ *a, uint32_t at)
{
    if (at >= a->n)
        return; /* (out of memory: nothing written) */
    if (a->n - (at + 1) <= 127) {
        a->b[at] = (uint8_t)(a->n - (at + 1));
    } else { /* (never: the code jumped over is short) */
        a->fail = true;
        a->err = GB_UNSUPPORTED;
    }
}

bool gb_jitx_emit_divrem(asm_ *a, gb_irop o, const gb_cell *pc)
{
    int w, sgn, rem;
    switch (o) {
    case GB_IR_I32_DIV_S: case GB_IR_I32_DIV_S_I: w = 0; sgn = 1; rem = 0; break;
    case GB_IR_I32_DIV_U: case GB_IR_I32_DIV_U_I: w = 0; sgn = 0; rem = 0; break;
    case GB_IR_I32_REM_S: case GB_IR_I32_REM_S_I: w = 0; sgn = 1; rem = 1; break;
    case GB_IR_I32_REM_U: case GB_IR_I32_REM_U_I: w = 0; sgn = 0; rem = 1; break;
    case GB_IR_I64_DIV_S: case GB_IR_I64_DIV_S_I: w = 1; sgn = 1; rem = 0; break;
    case GB_IR_I64_DIV_U: case GB_IR_I64_DIV_U_I: w = 1; sgn = 0; rem = 0; break;
    case GB_IR_I64_REM_S: case GB_IR_I64_REM_S_I: w = 1; sgn = 1; rem = 1; break;
    case GB_IR_I64_REM_U: case GB_IR_I64_REM_U_I: w = 1; sgn = 0; rem = 1; break;
    default:
        return false;
    }
    bool imm = gb_jitx_imm_form(o);
    uint64_t mask = w ? UINT64_MAX : UINT32_MAX;
    uint64_t bv = imm ? pc[3].u & mask : 0;
    uint64_t dst = pc[1].u;
    /* an unsigned division by a power of two: a shift or a mask */
    if (imm && !sgn && bv && !(bv & (bv - 1))) {
        int k = 0;
        while (!((bv >> k) & 1))
            k++;
        int ra = gb_jitx_src(a, pc[2].u, RAX);
        if (w)
            mov64(a, RAX, ra);
        else
            mov32(a, RAX, ra);
        if (rem) {
            if (k == 0) {
                insr(a, 0, 0x31, RAX, RAX); /* x % 1 = 0 */
            } else if (bv - 1 <= 0x7fffffffu) {
                gb_jitx_aluimm(a, w, 4, RAX, (uint32_t)(bv - 1)); /* and */
            } else {
                gb_jitx_movimm(a, RCX, bv - 1);
                insr(a, w, 0x21, RCX, RAX); /* and rax, rcx */
            }
        } else if (k) {
            insr(a, w, 0xc1, 5, RAX); /* shr rax, k */
            b1(a, (uint8_t)k);
        }
        gb_jitx_set_slot(a, dst, RAX);
        if (!w)
            mark32(a, dst);
        return true;
    }
    /* b in rcx, a in rax (div and idiv take rdx:rax) */
    if (imm) {
        gb_jitx_movimm(a, RCX, bv);
    } else {
        int rb = gb_jitx_src(a, pc[3].u, RCX);
        if (w)
            mov64(a, RCX, rb);
        else
            mov32(a, RCX, rb);
    }
    int ra = gb_jitx_src(a, pc[2].u, RAX);
    if (w)
        mov64(a, RAX, ra);
    else
        mov32(a, RAX, ra);
    /* rdx emptied: its slot written back (a pinned one loaded again
     * after) */
    int64_t pinned = -1;
    if (a->rs[0] >= 0) {
        if (a->dirty[0])
            st64(a, (uint64_t)a->rs[0], RDX);
        if (a->pin[0]) {
            pinned = a->rs[0];
        } else {
            a->rs[0] = -1;
            a->dirty[0] = 0;
            a->z32[0] = 0;
        }
    }
    /* the traps, in the interpreter's order: b == 0, then INT_MIN / -1 */
    if (!imm) {
        insr(a, w, 0x85, RCX, RCX); /* test rcx, rcx */
        gb_jitx_jcc_to(a, CC_E, a->l_divz);
    } else if (bv == 0) {
        gb_jitx_jmp_to(a, a->l_divz);
    }
    uint32_t to_div = UINT32_MAX, to_end = UINT32_MAX;
    if (sgn && (!imm || bv == mask)) {
        /* b == -1: -a (overflow: INT_MIN / -1) or 0; idiv would fault */
        if (!imm) {
            gb_jitx_aluimm(a, w, 7, RCX, 0xffffffffu); /* cmp rcx, -1 */
            to_div = jshort(a, CC_NE);
        }
        if (rem) {
            insr(a, 0, 0x31, RAX, RAX); /* xor eax, eax */
        } else {
            insr(a, w, 0xf7, 3, RAX); /* neg rax */
            gb_jitx_jcc_to(a, CC_O, a->l_ovf);
        }
        if (!imm)
            to_end = jshort(a, -1);
    }
    if (to_div != UINT32_MAX || !sgn || !imm || bv != mask) {
        if (to_div != UINT32_MAX)
            patch8(a, to_div);
        if (sgn) {
            if (w)
                b1(a, 0x48);
            b1(a, 0x99); /* cqo / cdq */
        } else {
            insr(a, 0, 0x31, RDX, RDX); /* xor edx, edx */
        }
        insr(a, w, 0xf7, sgn ? 7 : 6, RCX); /* idiv / div rcx */
        if (rem)
            mov64(a, RAX, RDX);
    }
    if (to_end != UINT32_MAX)
        patch8(a, to_end);
    if (pinned >= 0)
        ld64(a, RDX, (uint64_t)pinned);
    gb_jitx_set_slot(a, dst, RAX);
    if (!w)
        mark32(a, dst);
    return true;
}

/* ---- conditions in the flags ---------------------------------------- */

static uint32_t cell_of(const asm_ *a, const gb_cell *p)
{
    return (uint32_t)(p - a->code->cells);
}

/* Whether the instruction at cell t (or after constants there) reads
 * `slot` as its condition only and the comparison's value is not needed
 * after it. */
static bool only_cond(const asm_ *a, uint32_t t, uint64_t slot)
{
    const gb_code *code = a->code;
    if (!code || !a->lo || t >= code->ncells || a->lo[t] != UINT32_MAX)
        return false;
    const gb_cell *pc = &code->cells[t];
    int oi = gb_jitx_hmap_get(a->hm, pc->h);
    while (oi == GB_IR_CONST && pc[1].u != slot) { /* (a mov: flags kept) */
        t += (uint32_t)gb_ir_operands(GB_IR_CONST, pc) + 1;
        if (t >= code->ncells || a->lo[t] != UINT32_MAX)
            return false;
        pc = &code->cells[t];
        oi = gb_jitx_hmap_get(a->hm, pc->h);
    }
    if (oi < 0)
        return false;
    gb_irop o = (gb_irop)oi;
    uint32_t after = t + (uint32_t)gb_ir_operands(o, pc) + 1;
    switch (o) {
    case GB_IR_BR_IF: case GB_IR_BR_UNLESS: case GB_IR_BR_EQZ_I32:
    case GB_IR_BR_NEZ_I32:
        return pc[1].u == slot &&
               gb_jitx_dead_at(a->live, after, slot) &&
               gb_jitx_dead_at(a->live, cell_of(a, pc[2].p), slot);
    case GB_IR_SELECT:
        return pc[4].u == slot && pc[2].u != slot && pc[3].u != slot &&
               (pc[1].u == slot || gb_jitx_dead_at(a->live, after, slot));
    default:
        return false;
    }
}

/* A comparison's result left in the flags: whatever a register held for
 * its slot is stale now, and dead (a pinned one keeps the slot, dead
 * until written). */
static void forget_stale(asm_ *a, uint64_t slot)
{
    int i = gb_jitx_cfind(a, slot);
    if (i >= 0 && !a->pin[i]) {
        a->rs[i] = -1;
        a->dirty[i] = 0;
        a->z32[i] = 0;
    }
}

bool gb_jitx_cond_result(asm_ *a, int cc, uint64_t dst)
{
    a->fl_slot = dst;
    a->fl_cc = cc;
    a->fl_at = a->next;
    if (only_cond(a, a->next, dst)) {
        forget_stale(a, dst);
        return true;
    }
    b1(a, 0x0f); /* setcc al */
    b1(a, (uint8_t)(0x90 + cc));
    b1(a, 0xc0);
    int rd = gb_jitx_dst(a, dst); /* (a store, if any, keeps the flags) */
    insr(a, 0, 0xb60f, rd >= 0 ? rd : RAX, RAX); /* movzx rd, al */
    if (rd < 0)
        st64(a, dst, RAX);
    else
        gb_jitx_z32(a, rd);
    return false;
}

bool gb_jitx_cmp_by_shift(asm_ *a, gb_irop o, const gb_cell *pc)
{
    const gb_code *code = a->code;
    if ((o != GB_IR_I32_GT_U_I && o != GB_IR_I64_GT_U_I) || !code ||
        !a->lo)
        return false;
    bool w = o == GB_IR_I64_GT_U_I;
    uint64_t c = pc[1].u, x = pc[2].u, k = w ? pc[3].u : (uint32_t)pc[3].u;
    unsigned n = (unsigned)__builtin_popcountll(k);
    /* k = 2^n - 1, 0 < n < the width (a shift by 0 sets no flags) */
    if (!k || (k & (k + 1)) || n >= (w ? 64u : 32u) || c == x)
        return false;
    uint32_t j = a->next;
    if (j >= code->ncells || a->lo[j] != UINT32_MAX)
        return false;
    const gb_cell *q = &code->cells[j];
    gb_irop sh = w ? GB_IR_I64_SHR_U_I : GB_IR_I32_SHR_U_I;
    if (gb_jitx_hmap_get(a->hm, q->h) != (int)sh || q[2].u != x ||
        q[1].u == c || (w ? q[3].u : (uint32_t)q[3].u) != n)
        return false;
    if (!only_cond(a, j + (uint32_t)gb_ir_operands(sh, q) + 1, c))
        return false;
    forget_stale(a, c);
    a->sh_slot = c;
    a->sh_at = j;
    return true;
}

void gb_jitx_shift_flags(asm_ *a, uint32_t i)
{
    if (a->sh_at != i)
        return;
    a->fl_slot = a->sh_slot;
    a->fl_cc = CC_NE;
    a->fl_at = a->next;
    a->sh_at = UINT32_MAX;
}

int gb_jitx_cond_flags(const asm_ *a, uint32_t i, uint64_t slot)
{
    if (a->fl_at != i || a->fl_slot != slot || !a->lo ||
        a->lo[i] != UINT32_MAX)
        return -1;
    return a->fl_cc;
}

#endif /* __x86_64__ */
