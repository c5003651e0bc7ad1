/*
 * The state root's accumulator: an incremental, order-independent hash of
 * a multiset of (table, key, value) entries, in the manner of LtHash
 * (Bellare–Micciancio's "AdHash" over a lattice, as used by Facebook's
 * LtHash16 and Solana's accounts hash).
 *
 * Construction (consensus: every byte here is fixed, little-endian, and
 * independent of the machine):
 *
 *   d(t, k, v) = BLAKE2b-256( "gearbox.state.v1" (16 ASCII bytes)
 *                           ‖ t (1 byte, the table id of state/db.h)
 *                           ‖ len(k) (u32 little-endian) ‖ k ‖ v )
 *   E(t, k, v) = ChaCha20 keystream (the original 64-bit-nonce variant,
 *                key = d, nonce = 8 zero bytes, counter from 0), first
 *                GB_LTHASH_BYTES = 2048 bytes, read as GB_LTHASH_LANES =
 *                1024 unsigned 16-bit lanes, each little-endian
 *   L          = Σ E(entry) over every entry in the state, lane by lane,
 *                modulo 2^16
 *   root       = BLAKE2b-256(L as 2048 bytes, lanes little-endian)
 *
 * Inserting an entry adds E(entry) to L; deleting it subtracts E(entry);
 * overwriting subtracts the old entry and adds the new.  Addition mod 2^16
 * commutes, so L (and the root) depends only on the set of entries present,
 * not on the order in which they were written, and updating it costs one
 * hash of the entry plus 2 KiB of keystream, whatever the size of the
 * state.  The empty state has L = 0.  The length prefix on the key makes
 * (k, v) unambiguous; ChaCha20 keyed by a BLAKE2b digest serves as the
 * extendable-output function (BLAKE2b alone gives at most 64 bytes per call,
 * and 32 calls per entry cost five times as much).  With 1024 16-bit lanes
 * this is LtHash16's parameter set, which its authors estimate at well over
 * 128 bits of collision resistance.
 */
#ifndef GB_STATE_LTHASH_H
#define GB_STATE_LTHASH_H

#include <stddef.h>
#include <stdint.h>

#define GB_LTHASH_LANES 1024
#define GB_LTHASH_BYTES (2 * GB_LTHASH_LANES)

/* The lane vector L.  Lanes are kept in host order in memory and encoded
 * little-endian by gb_lthash_encode. */
typedef struct gb_lthash {
    uint16_t lane[GB_LTHASH_LANES];
} gb_lthash;

/* L = 0 (the empty state). */
void gb_lthash_zero(gb_lthash *h);

/* The 32-byte digest d(table, key, value) above.  key / value may be NULL
 * when their length is 0. */
void gb_lthash_digest(uint8_t table, const void *key, size_t key_len,
                      const void *value, size_t value_len, uint8_t out[32]);

/* L += E(d) / L -= E(d) for an entry with digest d. */
void gb_lthash_add(gb_lthash *h, const uint8_t digest[32]);
void gb_lthash_sub(gb_lthash *h, const uint8_t digest[32]);
/* e = E(d), for a caller that keeps it (E depends on d alone), and L += e /
 * L -= e with such a kept E(d): the same sums as gb_lthash_add / _sub
 * without expanding d again. */
void gb_lthash_expand(const uint8_t digest[32], uint16_t e[GB_LTHASH_LANES]);
void gb_lthash_add_e(gb_lthash *restrict h,
                     const uint16_t e[restrict GB_LTHASH_LANES]);
void gb_lthash_sub_e(gb_lthash *restrict h,
                     const uint16_t e[restrict GB_LTHASH_LANES]);
/* h += o, lane by lane (sums of entries combine: for folding in parts). */
void gb_lthash_merge(gb_lthash *h, const gb_lthash *o);

/* How many times this thread has expanded a digest into E(d) (each
 * gb_lthash_add / gb_lthash_sub / gb_lthash_expand is one): the cost the state root pays,
 * for tests and benchmarks.  Starts at 0; never reset. */
uint64_t gb_lthash_expansions(void);

/* How many digests d(t, k, v) this thread has made (gb_lthash_digest
 * calls), for tests.  Starts at 0; never reset. */
uint64_t gb_lthash_digests(void);

/* L as 2048 bytes, lanes little-endian; and back. */
void gb_lthash_encode(const gb_lthash *h, uint8_t out[GB_LTHASH_BYTES]);
void gb_lthash_decode(gb_lthash *h, const uint8_t in[GB_LTHASH_BYTES]);

/* root = BLAKE2b-256 of the encoded L. */
void gb_lthash_root(const gb_lthash *h, uint8_t out[32]);

#endif
