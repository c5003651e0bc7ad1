/*
 * The compiling tier for x86-64: loads and stores — the address of an
 * access, its bounds check (left out when an earlier access on the same
 * straight line covered it) and the read or write marks of the granules
 * it touches, as interp.c sets them.  jit_x64.c translates everything
 * else and calls these; docs/engine.md ("Memory", "Addresses") says how
 * they work.  x86-64 only.
 */
#include <stdbool.h>
#include <stdint.h>

#include "wasm/jit_x64_int.h"

#if defined(__x86_64__)

/* The address of an access, (uint32)(a [+ b]) + off, in a register: the
 * cache register of a (or of the local `wb`) when that is the address
 * itself, zero above bit 31 (kept unchanged until the access), else rax.
 * wb: the local that gets the 32-bit sum first (the _W forms), or -1. */
static int ea(asm_ *a, uint64_t aslot, int bform, uint64_t b, uint64_t off,
              int64_t wb)
{
    int ra = gb_jitx_src(a, aslot, RAX);
    int rb = bform == 1 ? gb_jitx_src(a, b, RCX) : -1;
    int x;
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
    if (off) {
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

/* mark the granule of rcx (rcx is shifted) in `marks` */
void gb_jitx_mark_rcx(asm_ *a, int marks)
{
    insr(a, 1, 0xc1, 5, RCX); /* shr rcx, 12 */
    b1(a, GB_DIRTY_SHIFT);
    insm(a, 0, 0, 0xc6, 0, marks, RCX, 1, 0); /* mov byte [m+rcx], 1 */
    b1(a, 1);
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
    if (gb_jitx_slot_rw(o, pc, r, &nr, w, &nw) != 0) {
        a->nchk = 0;
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

/* The bounds check for `size` bytes at register x (unless `known`: an
 * earlier check on this straight line covers them), then the marks of
 * its first and last byte in `marks` (a register holding the mark array);
 * rcx used.  The granule of the last byte is marked inline; the first
 * byte's out of line (the cold code after the function) when the last
 * byte's offset in its granule is below size: the access may span two
 * granules (at offset size - 1 it does not, and the cold code marks the
 * same granule again). */
static void check_mark(asm_ *a, int x, int size, int marks, bool known)
{
    if (size > 1) {
        insm(a, 0, 1, 0x8d, RCX, x, -1, 1, size - 1); /* lea rcx, [x+size-1] */
        if (!known) {
            insm(a, 0, 1, 0x3b, RCX, CTX, -1, 1, CO(memsize));
            gb_jitx_jcc_to(a, CC_AE, a->l_oob);
        }
        insr(a, 0, 0xf7, 0, RCX); /* test ecx, granule & ~(size-1) */
        b4(a, (uint32_t)((1 << GB_DIRTY_SHIFT) - 1) & ~(uint32_t)(size - 1));
        b1(a, 0x0f);
        b1(a, 0x84); /* jz (to the cold marking, which comes back) */
        uint32_t at = (uint32_t)a->n;
        b4(a, 0);
        if (a->n >> 24) { /* (the offset's 24 bits: more code than that is
                             left to the interpreter) */
            a->fail = true;
            a->err = GB_UNSUPPORTED;
        }
        gb_jitx_add_fx(a, &a->cold, &a->ncold, &a->capcold, at,
                       (uint32_t)a->n << 8 | (uint32_t)size << 4 |
                           (uint32_t)marks);
        if (a->ncold)
            a->cold[a->ncold - 1].aux = (uint32_t)x;
    } else {
        if (!known) {
            insm(a, 0, 1, 0x3b, x, CTX, -1, 1, CO(memsize));
            gb_jitx_jcc_to(a, CC_AE, a->l_oob);
        }
        mov64(a, RCX, x);
    }
    gb_jitx_mark_rcx(a, marks);
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

/* bform: 0 [dst][addr][off], 1 [dst][a][b][off] (b a slot), 2 (b an
 * immediate); w: the _W forms ([local] after off) */
void gb_jitx_emit_load(asm_ *a, gb_irop base, const gb_cell *pc, int bform,
                      bool w)
{
    gb_jitx_memop m = gb_jitx_mem_kind(base);
    int x;
    bool known;
    if (bform == 0) {
        x = ea(a, pc[2].u, 0, 0, pc[3].u, -1);
        known = access_known(a, 0, pc[2].u, 0, pc[3].u, m.size);
    } else {
        x = ea(a, pc[2].u, bform, pc[3].u, pc[4].u, w ? (int64_t)pc[5].u : -1);
        known = access_known(a, bform, pc[2].u, pc[3].u, pc[4].u, m.size);
    }
    check_mark(a, x, m.size, RDM, known);
    int rd = gb_jitx_dst(a, pc[1].u); /* loaded straight into its register */
    insm(a, m.pfx, m.w, m.op, rd >= 0 ? rd : RCX, MEM, x, 1, 0);
    if (rd < 0)
        st64(a, pc[1].u, RCX);
    else if (!m.w)
        gb_jitx_z32(a, rd);
}

/* bform: 0 [addr][value][off], 1 [a][b][value][off], 2 b immediate */
void gb_jitx_emit_store(asm_ *a, gb_irop base, const gb_cell *pc, int bform)
{
    gb_jitx_memop m = gb_jitx_mem_kind(base);
    uint64_t val;
    int x;
    bool known;
    if (bform == 0) {
        x = ea(a, pc[1].u, 0, 0, pc[3].u, -1);
        known = access_known(a, 0, pc[1].u, 0, pc[3].u, m.size);
        val = pc[2].u;
    } else {
        x = ea(a, pc[1].u, bform, pc[2].u, pc[4].u, -1);
        known = access_known(a, bform, pc[1].u, pc[2].u, pc[4].u, m.size);
        val = pc[3].u;
    }
    check_mark(a, x, m.size, DIRTY, known);
    int rv = gb_jitx_src(a, val, RCX);
    if (m.size == 1 && (rv == RSI || rv == RDI)) {
        mov32(a, RCX, rv); /* (sil and dil would need a REX prefix) */
        rv = RCX;
    }
    insm(a, m.pfx, m.w, m.op, rv, MEM, x, 1, 0);
}

#endif /* __x86_64__ */
