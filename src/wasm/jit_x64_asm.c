/*
 * The compiling tier for x86-64: its assembler and slot cache — the
 * encoders of immediates, jumps and calls, the fixups of branches to IR
 * cells, the gas charge, and the cache of frame slots in the caller-saved
 * registers.  The hot encoders (bytes, ModRM/SIB, REX, loads and stores
 * of slots) are static inline in jit_x64_int.h; jit_x64.c translates the
 * IR with all of them.  x86-64 only.
 */
#include <stddef.h>
#include <stdint.h>

#include "util/mem.h"

#if defined(__x86_64__)
#include "wasm/jit_x64_int.h"

/* ---- the slot cache -------------------------------------------------- */

/* A register holds the slot it was last loaded from or stored to, and a
 * result goes to a register only (write-back): the slot is written when
 * the register is evicted, and every register newer than its slot is
 * written back (spill_all) before anything that reads the frame or leaves
 * the straight line: a branch, a call, a helper, a return, the next
 * branch target.  A trap needs nothing: its frames are dropped unread.
 *
 * Within a straight line (from a branch target to the next) slots are
 * evicted least recently used first; at a branch target the cache starts
 * empty, except in a loop made of one straight line (every branch to its
 * head comes from inside it): there its most used slots are pinned,
 * loaded into their registers on the way in (the fall-through; the
 * branches back find them there), and a branch back to the head leaves
 * them in their registers unwritten; any other way out writes them back,
 * and a call into C or a callee (which may clobber them) is followed by
 * reloading them.  Everything that writes a slot goes through set_slot;
 * calls and helpers through spill_all and clobber. */

void gb_jitx_cache_reset(asm_ *a)
{
    for (int i = 0; i < NCR; i++) {
        a->rs[i] = -1;
        a->pin[i] = 0;
        a->dirty[i] = 0;
        a->z32[i] = 0;
        a->kc[i] = 0;
    }
    a->head = -1;
    gb_jitx_chk_reset(a);
}

void gb_jitx_cache_keep_pins(asm_ *a)
{
    for (int i = 0; i < NCR; i++) {
        if (a->pin[i]) {
            a->dirty[i] = 1;
        } else {
            a->rs[i] = -1;
            a->dirty[i] = 0;
        }
        a->z32[i] = 0;
        a->kc[i] = 0;
    }
    gb_jitx_chk_reset(a);
}

int gb_jitx_cfind(const asm_ *a, uint64_t slot)
{
    for (int i = 0; i < NCR; i++)
        if (a->rs[i] >= 0 && (uint64_t)a->rs[i] == slot)
            return i;
    return -1;
}

static void touch(asm_ *a, int i)
{
    a->use[i] = ++a->tick;
    a->lock |= 1u << i;
}

static void writeback(asm_ *a, int i)
{
    if (a->dirty[i])
        st64(a, (uint64_t)a->rs[i], creg[i]);
    a->dirty[i] = 0;
}

/* Every register newer than its slot written back (keep_pinned: but the
 * pinned ones, for a branch back to the loop's head). */
void gb_jitx_spill_all(asm_ *a, bool keep_pinned)
{
    for (int i = 0; i < NCR; i++)
        if (!(keep_pinned && a->pin[i]))
            writeback(a, i);
}

/* The same, but the registers in `keep` (a mask: their slots are dead
 * where the code goes) are left unwritten and still newer than their
 * slots (the code falling through may read them). */
void gb_jitx_spill_keep(asm_ *a, bool keep_pinned, uint32_t keep)
{
    for (int i = 0; i < NCR; i++)
        if (!(keep_pinned && a->pin[i]) && !(keep & (1u << i)))
            writeback(a, i);
}

/* `slot` is not read by the instruction being translated (not even by
 * the part of it not emitted yet) and dead after it. */
static bool dead_here(const asm_ *a, uint64_t slot)
{
    uint64_t r[3], w[3];
    int nr, nw;
    if (!a->code || gb_jitx_slot_rw(a->op, a->pc, r, &nr, w, &nw) == 1)
        return false;
    for (int k = 0; k < nr; k++)
        if (r[k] == slot)
            return false;
    return gb_jitx_dead_at(a->live, a->next, slot);
}

/* a cache register to (re)use, emptied (written back): a free one, else
 * the least recently used one not pinned nor read by this instruction;
 * -1 if none */
static int cget(asm_ *a)
{
    int best = -1;
    for (int i = 0; i < NCR; i++) {
        if (a->pin[i] || (a->lock & (1u << i)))
            continue;
        if (a->rs[i] < 0)
            return i;
        if (best < 0 || a->use[i] < a->use[best])
            best = i;
    }
    /* (one whose slot is dead after this instruction needs no writing
     * back: taken first) */
    for (int i = 0; i < NCR && a->code; i++)
        if (!a->pin[i] && !(a->lock & (1u << i)) && a->dirty[i] &&
            dead_here(a, (uint64_t)a->rs[i])) {
            a->dirty[i] = 0;
            best = i;
            break;
        }
    if (best >= 0) {
        writeback(a, best);
        a->rs[best] = -1;
    }
    return best;
}

int gb_jitx_take_dead(asm_ *a, uint64_t slot, uint64_t dst)
{
    int i = gb_jitx_cfind(a, slot);
    if (i < 0 || a->pin[i] || slot == dst || gb_jitx_cfind(a, dst) >= 0 ||
        !a->code || !gb_jitx_dead_at(a->live, a->next, slot))
        return -1;
    a->rs[i] = (int64_t)dst; /* (the dead value needs no writing back) */
    a->dirty[i] = 1;
    a->z32[i] = 0;
    touch(a, i);
    return creg[i];
}

/* A register holding the 64 bits of `slot`: its cache register, or one
 * loaded now, or (none to spare) `scratch` loaded now. */
int gb_jitx_src(asm_ *a, uint64_t slot, int scratch)
{
    if (slot == a->sc_slot && a->sc_at != UINT32_MAX && a->code &&
        a->pc == &a->code->cells[a->sc_at])
        return RAX; /* (a load's value for this instruction only) */
    int i = gb_jitx_cfind(a, slot);
    if (i < 0) {
        i = cget(a);
        if (i < 0) {
            ld64(a, scratch, slot);
            return scratch;
        }
        ld64(a, creg[i], slot);
        a->rs[i] = (int64_t)slot;
        a->z32[i] = 0;
    }
    touch(a, i);
    return creg[i];
}

/* `slot` = reg: kept in the cache (written back later), or stored now
 * when no register is to spare */
void gb_jitx_set_slot(asm_ *a, uint64_t slot, int reg)
{
    int i = gb_jitx_cfind(a, slot);
    if (i < 0) {
        i = cget(a);
        if (i < 0) {
            st64(a, slot, reg);
            return;
        }
        a->rs[i] = (int64_t)slot;
    }
    mov64(a, creg[i], reg);
    a->z32[i] = 0;
    a->dirty[i] = 1;
    touch(a, i);
}

/* A cache register to receive the value of `slot` (taken as newer than
 * the slot from now on), or -1 when none is to spare (the caller stores
 * the value itself).  Called after the instruction's sources are read:
 * their registers are not taken. */
int gb_jitx_dst(asm_ *a, uint64_t slot)
{
    int i = gb_jitx_cfind(a, slot);
    if (i < 0) {
        i = cget(a);
        if (i < 0)
            return -1;
        a->rs[i] = (int64_t)slot;
    }
    a->z32[i] = 0;
    a->dirty[i] = 1;
    touch(a, i);
    return creg[i];
}

/* After a call into C or a callee (spill_all before it): the registers
 * are gone; the pinned ones are loaded again. */
void gb_jitx_clobber(asm_ *a)
{
    for (int i = 0; i < NCR; i++) {
        if (a->pin[i])
            ld64(a, creg[i], (uint64_t)a->rs[i]);
        else
            a->rs[i] = -1;
        /* (reloaded or gone: one left unwritten before a call was dead,
         * and so is its stale copy) */
        a->dirty[i] = 0;
        a->z32[i] = 0;
        a->kc[i] = 0;
    }
    gb_jitx_chk_reset(a);
}

/* At the head of a loop whose slots are pinned, entered from outside only
 * by falling through: a pinned slot already in a register stays in it,
 * the others are loaded into free ones (those whose bit in `live` is
 * clear, dead at the head, are not); every other register newer than its
 * slot is written back, but those in the mask `keep` (dead at the head). */
void gb_jitx_cache_enter_loop(asm_ *a, const uint64_t *pins, int np,
                              uint32_t live, uint32_t keep)
{
    int place[NCR];
    uint32_t kept = 0, used = 0;
    for (int k = 0; k < np; k++) {
        int j = gb_jitx_cfind(a, pins[k]);
        place[k] = j;
        if (j >= 0)
            kept |= 1u << j;
    }
    used = kept;
    for (int k = 0; k < np; k++)
        for (int j = 0; j < NCR && place[k] < 0; j++)
            if (!(used & (1u << j))) {
                place[k] = j;
                used |= 1u << j;
            }
    for (int j = 0; j < NCR; j++)
        if (!(kept & (1u << j)) && !(keep & (1u << j)))
            writeback(a, j);
    gb_jitx_cache_reset(a);
    for (int k = 0; k < np; k++) {
        int j = place[k];
        a->rs[j] = (int64_t)pins[k];
        a->pin[j] = 1;
        /* taken as newer than their slots: so they are when the branches
         * back come in */
        a->dirty[j] = 1;
        if (!(kept & (1u << j)) && (live & (1u << k)))
            ld64(a, creg[j], pins[k]);
    }
}

/* Register r (a cache register; others are ignored) holds a value whose
 * upper 32 bits are zero (a 32-bit result). */
void gb_jitx_z32(asm_ *a, int r)
{
    for (int i = 0; i < NCR; i++)
        if (creg[i] == r)
            a->z32[i] = 1;
}

/* Whether register r is a cache register known to be zero above bit 31. */
bool gb_jitx_is_z32(const asm_ *a, int r)
{
    for (int i = 0; i < NCR; i++)
        if (creg[i] == r)
            return a->z32[i] != 0;
    return false;
}

void gb_jitx_movimm(asm_ *a, int r, uint64_t v)
{
    if (v <= 0xffffffffu) { /* mov r32, imm32 (zero-extends) */
        if (r & 8)
            b1(a, 0x41);
        b1(a, (uint8_t)(0xb8 + (r & 7)));
        b4(a, (uint32_t)v);
    } else {
        b1(a, (uint8_t)(0x48 | (r & 8 ? 1 : 0)));
        b1(a, (uint8_t)(0xb8 + (r & 7)));
        b8(a, v);
    }
}

/* ALU r/m, imm32: /digit */
void gb_jitx_aluimm(asm_ *a, int w, int digit, int r, uint32_t imm)
{
    int32_t v = (int32_t)imm;
    if (v >= -128 && v <= 127) { /* the imm8 form (sign-extended) */
        insr(a, w, 0x83, digit, r);
        b1(a, (uint8_t)v);
        return;
    }
    insr(a, w, 0x81, digit, r);
    b4(a, imm);
}

void gb_jitx_call_abs(asm_ *a, const void *fn)
{
    gb_jitx_movimm(a, RAX, (uint64_t)(uintptr_t)fn);
    insr(a, 0, 0xff, 2, RAX); /* call rax */
}

/* jcc/jmp rel32 to a module label (already placed) */
void gb_jitx_jcc_to(asm_ *a, int cc, uint32_t label)
{
    b1(a, 0x0f);
    b1(a, (uint8_t)(0x80 + cc));
    b4(a, (uint32_t)(label - (a->n + 4)));
}

void gb_jitx_jmp_to(asm_ *a, uint32_t label)
{
    b1(a, 0xe9);
    b4(a, (uint32_t)(label - (a->n + 4)));
}

void gb_jitx_call_to(asm_ *a, uint32_t label)
{
    b1(a, 0xe8);
    b4(a, (uint32_t)(label - (a->n + 4)));
}

void gb_jitx_add_fx(asm_ *a, fixup **v, size_t *n, size_t *cap, uint32_t at,
                    uint32_t target)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        fixup *nv = gb_realloc(*v, nc * sizeof *nv);
        if (!nv) {
            a->fail = true;
            a->err = GB_NOMEM;
            return;
        }
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = (fixup){at, target, 0};
}

/* jcc (or jmp with cc < 0) to IR cell `target` of this function */
void gb_jitx_j_ir(asm_ *a, int cc, uint32_t target)
{
    if (cc < 0) {
        b1(a, 0xe9);
    } else {
        b1(a, 0x0f);
        b1(a, (uint8_t)(0x80 + cc));
    }
    gb_jitx_add_fx(a, &a->fx, &a->nfx, &a->capfx, (uint32_t)a->n, target);
    b4(a, 0);
}

/* Charge `gas` (a block's cost): the counter down, the refill routine
 * when it goes negative. */
void gb_jitx_charge(asm_ *a, int64_t gas)
{
    if (gas == 0)
        return;
    if (gas > 0 && gas <= INT32_MAX) {
        gb_jitx_aluimm(a, 1, 5, GAS, (uint32_t)gas); /* sub r13, imm32 */
    } else {
        gb_jitx_movimm(a, RAX, (uint64_t)gas);
        insr(a, 1, 0x29, RAX, GAS); /* sub r13, rax */
    }
    b1(a, 0x79); /* jns +5 */
    b1(a, 5);
    gb_jitx_call_to(a, a->l_refill);
}

#endif /* __x86_64__ */
