/*
 * Merlin transcripts over STROBE-128: the hashing of sr25519.
 *
 * Substrate's sr25519 (schnorrkel) never hashes a message directly: every
 * step of signing, verifying and key derivation appends labelled byte
 * strings to a Merlin transcript and draws challenge bytes from it.  A
 * transcript is a STROBE-128 object (a Keccak-f[1600] duplex with rate
 * 166) on which Merlin defines three operations:
 *
 *   new(label)              STROBE("Merlin v1.0"), then append("dom-sep", label)
 *   append(label, m)        meta-AD(label); meta-AD(LE32(|m|), more); AD(m)
 *   challenge(label, n)     meta-AD(label); meta-AD(LE32(n), more); PRF(n)
 *
 * and a "witness" generator for secret nonces: a copy of the transcript,
 * re-keyed with secret bytes (KEY ops) and 32 random bytes, from which
 * the nonce is drawn.  Only the STROBE operations these need are here
 * (meta-AD, AD, KEY, PRF; no send/receive, no MAC, no ratchet).  The
 * byte layout follows STROBE v1.0.2 and merlin 3.x (dalek-cryptography);
 * the test vector is in tests/util/test_merlin_vectors.c.
 *
 * A transcript is a plain value: it lives where the caller puts it (no
 * heap, nothing to free), and copying it forks it, which is how the
 * witness generator and schnorrkel's signing contexts use it.  A
 * transcript that has absorbed secrets should be wiped with
 * gb_merlin_wipe when done.  Nothing here keeps global state; Keccak-f is
 * nettle's sha3_permute.
 *
 * Labels are NUL-terminated byte strings (the NUL is not absorbed; "" is
 * the empty label).  Messages and outputs are limited to 2^32 - 1 bytes,
 * as in Merlin, which encodes lengths as u32 and panics beyond; here the
 * caller checks the limit (sr25519.c refuses longer messages).
 */
#ifndef GB_UTIL_MERLIN_H
#define GB_UTIL_MERLIN_H

#include <stddef.h>
#include <stdint.h>

/* A Merlin transcript (STROBE-128 state).  Fields are private. */
typedef struct gb_merlin {
    uint8_t st_[200];   /* Keccak state, bytes = 25 little-endian lanes */
    uint8_t pos_;       /* position in the rate, 0..165 */
    uint8_t pos_begin_; /* where the current operation began */
} gb_merlin;

/* Starts a transcript for the protocol named label (Merlin's
 * Transcript::new). */
void gb_merlin_init(gb_merlin *t, const char *label);

/* Appends msg[0..len) under label (Transcript::append_message).  msg may
 * be NULL when len is 0; len must be < 2^32. */
void gb_merlin_append(gb_merlin *t, const char *label, const void *msg,
                      size_t len);

/* Draws len challenge bytes into out under label
 * (Transcript::challenge_bytes); len must be < 2^32.  The transcript
 * absorbs the draw: later challenges depend on it. */
void gb_merlin_challenge(gb_merlin *t, const char *label, void *out,
                         size_t len);

/*
 * The witness generator (TranscriptRngBuilder / TranscriptRng).  Start one
 * by copying a transcript (gb_merlin rng = *t), then:
 *   gb_merlin_rng_rekey     any number of times: mixes in secret witness
 *                           bytes under label (rekey_with_witness_bytes);
 *   gb_merlin_rng_finalize  once: mixes in 32 random bytes (finalize);
 *   gb_merlin_rng_fill      draws len bytes (fill_bytes).
 * The original transcript is unaffected.  Wipe the copy afterwards.
 */
void gb_merlin_rng_rekey(gb_merlin *rng, const char *label,
                         const void *witness, size_t len);
void gb_merlin_rng_finalize(gb_merlin *rng, const uint8_t random[32]);
void gb_merlin_rng_fill(gb_merlin *rng, void *out, size_t len);

/* Overwrites the transcript with zeros (sodium_memzero). */
void gb_merlin_wipe(gb_merlin *t);

#endif
