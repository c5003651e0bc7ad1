/*
 * STROBE-128 and Merlin transcripts (see merlin.h).
 *
 * The STROBE state is 200 bytes, the Keccak-f[1600] state read as 25
 * little-endian 64-bit lanes; the rate is R = 166 bytes, leaving two bytes
 * below the capacity for STROBE's padding (run_f XORs the position where
 * the operation began, then 0x04, and 0x80 into byte R + 1).  An operation
 * begins by absorbing the previous operation's start and its flags; an
 * operation that keys or encrypts (flags C or K: KEY, PRF) first finishes
 * the block, so that its output depends on everything before it.  Merlin
 * only uses four operations, all without the transport flag T, so STROBE's
 * direction bookkeeping is not needed.
 *
 * Constant time: every branch depends on lengths and positions, never on
 * the bytes absorbed or squeezed.
 */
#include "util/merlin.h"

#include <nettle/sha3.h>
#include <sodium.h>
#include <string.h>

#define STROBE_R 166

enum { FLAG_I = 1, FLAG_A = 2, FLAG_C = 4, FLAG_T = 8, FLAG_M = 16,
       FLAG_K = 32 };

/* Keccak-f[1600] on the byte state, through nettle's lane array. */
static void keccak_f(uint8_t st[200])
{
    struct sha3_state s;
    for (int i = 0; i < 25; i++) {
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--)
            v = (v << 8) | st[8 * i + j];
        s.a[i] = v;
    }
    nettle_sha3_permute(&s);
    for (int i = 0; i < 25; i++)
        for (int j = 0; j < 8; j++)
            st[8 * i + j] = (uint8_t)(s.a[i] >> (8 * j));
    sodium_memzero(&s, sizeof s);
}

static void run_f(gb_merlin *t)
{
    t->st_[t->pos_] ^= t->pos_begin_;
    t->st_[t->pos_ + 1] ^= 0x04;
    t->st_[STROBE_R + 1] ^= 0x80;
    keccak_f(t->st_);
    t->pos_ = 0;
    t->pos_begin_ = 0;
}

static void absorb(gb_merlin *t, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        t->st_[t->pos_++] ^= p[i];
        if (t->pos_ == STROBE_R)
            run_f(t);
    }
}

static void overwrite(gb_merlin *t, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        t->st_[t->pos_++] = p[i];
        if (t->pos_ == STROBE_R)
            run_f(t);
    }
}

static void squeeze(gb_merlin *t, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = t->st_[t->pos_];
        t->st_[t->pos_++] = 0;
        if (t->pos_ == STROBE_R)
            run_f(t);
    }
}

/* Starts an operation with these flags; a continued one ("more") was
 * started by the previous call with the same flags. */
static void begin_op(gb_merlin *t, uint8_t flags, int more)
{
    if (more)
        return;
    uint8_t head[2] = { t->pos_begin_, flags };
    t->pos_begin_ = (uint8_t)(t->pos_ + 1);
    absorb(t, head, 2);
    if ((flags & (FLAG_C | FLAG_K)) && t->pos_ != 0)
        run_f(t);
}

static void meta_ad(gb_merlin *t, const void *p, size_t n, int more)
{
    begin_op(t, FLAG_M | FLAG_A, more);
    absorb(t, p, n);
}

static void le32(size_t n, uint8_t out[4])
{
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(n >> (8 * i));
}

/* meta-AD(label); meta-AD(LE32(n), more): the head of every Merlin op. */
static void label_len(gb_merlin *t, const char *label, size_t n)
{
    uint8_t len[4];
    le32(n, len);
    meta_ad(t, label, strlen(label), 0);
    meta_ad(t, len, 4, 1);
}

void gb_merlin_init(gb_merlin *t, const char *label)
{
    static const char proto[] = "Merlin v1.0";
    memset(t, 0, sizeof *t);
    t->st_[0] = 1;
    t->st_[1] = STROBE_R + 2;
    t->st_[2] = 1;
    t->st_[3] = 0;
    t->st_[4] = 1;
    t->st_[5] = 96;
    memcpy(t->st_ + 6, "STROBEv1.0.2", 12);
    keccak_f(t->st_);
    meta_ad(t, proto, sizeof proto - 1, 0);
    gb_merlin_append(t, "dom-sep", label, strlen(label));
}

void gb_merlin_append(gb_merlin *t, const char *label, const void *msg,
                      size_t len)
{
    label_len(t, label, len);
    begin_op(t, FLAG_A, 0);
    absorb(t, msg, len);
}

void gb_merlin_challenge(gb_merlin *t, const char *label, void *out,
                         size_t len)
{
    label_len(t, label, len);
    begin_op(t, FLAG_I | FLAG_A | FLAG_C, 0);
    squeeze(t, out, len);
}

void gb_merlin_rng_rekey(gb_merlin *rng, const char *label,
                         const void *witness, size_t len)
{
    label_len(rng, label, len);
    begin_op(rng, FLAG_A | FLAG_C, 0);
    overwrite(rng, witness, len);
}

void gb_merlin_rng_finalize(gb_merlin *rng, const uint8_t random[32])
{
    meta_ad(rng, "rng", 3, 0);
    begin_op(rng, FLAG_A | FLAG_C, 0);
    overwrite(rng, random, 32);
}

void gb_merlin_rng_fill(gb_merlin *rng, void *out, size_t len)
{
    uint8_t n[4];
    le32(len, n);
    meta_ad(rng, n, 4, 0);
    begin_op(rng, FLAG_I | FLAG_A | FLAG_C, 0);
    squeeze(rng, out, len);
}

void gb_merlin_wipe(gb_merlin *t)
{
    sodium_memzero(t, sizeof *t);
}
