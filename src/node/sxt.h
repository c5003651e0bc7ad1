/*
 * Substrate extrinsics, version 4 signed, as polkadot.js builds them for
 * Vara (shared/GEAR-RPC.md §3):
 *
 *   compact(len) ‖ 0x84 ‖ MultiAddress::Id 0x00 ‖ signer[32] ‖
 *   MultiSignature (0x00 Ed25519 | 0x01 Sr25519) ‖ sig[64] ‖ era ‖
 *   Compact<u32> nonce ‖ Compact<u128> tip ‖ u8 CheckMetadataHash mode ‖
 *   call
 *
 * The signature covers call ‖ era ‖ nonce ‖ tip ‖ mode ‖ specVersion u32
 * ‖ transactionVersion u32 ‖ genesis hash ‖ the era's birth block hash
 * (genesis when immortal) ‖ 0x00 (no metadata hash), or its blake2_256
 * when that is longer than 256 bytes.  So a wrong spec version, genesis
 * or birth block shows as a bad signature, as in Substrate.
 *
 * Pure functions: nothing is kept; the caller's buffers are borrowed.
 */
#ifndef GB_NODE_SXT_H
#define GB_NODE_SXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"
#include "util/u128.h"

typedef struct gb_sxt {
    uint8_t hash[32];     /* blake2_256 of all the bytes (prefix too) */
    uint8_t signer[32];
    uint8_t sig_kind;     /* 0 ed25519, 1 sr25519 */
    uint8_t sig[64];
    bool mortal;
    uint64_t period, phase;
    const uint8_t *extra; /* era ‖ nonce ‖ tip ‖ mode, as signed */
    size_t extra_len;
    uint64_t nonce;
    gb_u128 tip;
    uint8_t mode;
    const uint8_t *call;  /* into the caller's bytes */
    size_t call_len;
} gb_sxt;

/* Decode p[0, len) (with its length prefix).  GB_DECODE with a detail:
 * not a whole v4 signed extrinsic, or a form this node does not take
 * (another address kind, an ECDSA signature, CheckMetadataHash enabled). */
gb_err gb_sxt_decode(const uint8_t *p, size_t len, gb_sxt *out, char *detail,
                     size_t detail_len);

/* The number of the era's birth block for an extrinsic checked at block
 * `current` (Substrate's Era::birth); 0 when immortal. */
uint64_t gb_sxt_birth(const gb_sxt *x, uint64_t current);

/* Check x's signature against the signing payload with these chain
 * values.  GB_OK, GB_INVALID (does not verify), GB_NOMEM. */
gb_err gb_sxt_verify(const gb_sxt *x, uint32_t spec_version,
                     uint32_t tx_version, const uint8_t genesis[32],
                     const uint8_t birth_hash[32]);

#endif
