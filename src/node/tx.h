/*
 * Signed transactions: the one binary encoding in which users hand the node
 * an upload, a program creation, a message, a reply or a claim, and its
 * strict decoder.  docs/transactions.md is the reference for the bytes;
 * this header is the reference for the API.
 *
 * Layout, version 1 (all integers little-endian):
 *
 *   version u8 (= 1) | chain id [32] | kind u8 | sender public key [32] |
 *   nonce u64 | fields of the kind | signature [64]
 *
 * Byte strings are a u32 length followed by the bytes; ids are 32 bytes;
 * gas is u64, value u128 (16 bytes).  The fields, by kind:
 *
 *   1 UPLOAD_CODE     code
 *   2 UPLOAD_PROGRAM  code, salt, init payload, gas, value
 *   3 CREATE_PROGRAM  code id, salt, init payload, gas, value
 *   4 SEND_MESSAGE    destination, payload, gas, value
 *   5 SEND_REPLY      mailbox message id, payload, gas, value
 *   6 CLAIM_VALUE     mailbox message id
 *
 * The signature is ed25519 (libsodium crypto_sign_detached, deterministic)
 * by the sender's key over BLAKE2b-256("gearbox/tx/v1" || every byte before
 * the signature).  The transaction hash is BLAKE2b-256 of the whole
 * encoding, signature included.
 *
 * The decoder accepts exactly one encoding per content: each length is
 * checked against the bytes left and a limit, the kind and version are
 * known, nothing trails, the chain id is the caller's and the signature
 * verifies (libsodium rejects non-canonical signatures and small-order
 * keys, so a signed transaction cannot be re-encoded into another valid
 * one).  Nonces are not checked here: that needs the chain's state (see
 * docs/transactions.md, "Nonces").
 */
#ifndef GB_NODE_TX_H
#define GB_NODE_TX_H

#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "gear/ids.h"
#include "gearbox/err.h"
#include "util/u128.h"

#define GB_TX_VERSION 1u
#define GB_TX_CHAIN_ID_LEN 32
#define GB_TX_PUBLIC_KEY_LEN 32
#define GB_TX_SECRET_KEY_LEN 64 /* libsodium's: seed || public key */
#define GB_TX_SIGNATURE_LEN 64
#define GB_TX_HASH_LEN 32
/* version, chain id, kind, sender, nonce */
#define GB_TX_HEADER_LEN (1 + 32 + 1 + 32 + 8)
/* The domain separator hashed before the signed bytes (13 ASCII bytes). */
#define GB_TX_SIGNING_DOMAIN "gearbox/tx/v1"

/* The kind byte.  Values are part of the encoding: never renumbered. */
typedef enum gb_tx_wire_kind {
    GB_TXW_UPLOAD_CODE = 1,
    GB_TXW_UPLOAD_PROGRAM = 2,
    GB_TXW_CREATE_PROGRAM = 3,
    GB_TXW_SEND_MESSAGE = 4,
    GB_TXW_SEND_REPLY = 5,
    GB_TXW_CLAIM_VALUE = 6,
} gb_tx_wire_kind;

/* "send_message" etc.; "unknown" for other values. */
const char *gb_tx_wire_kind_name(gb_tx_wire_kind kind);

/*
 * The fields of a transaction, as the user wrote them.  Which fields a
 * kind carries is in the table above; the others are ignored by the
 * encoder and zero after decoding.  Pointers may be NULL when their length
 * is 0.  After gb_tx_decode_verify they point into the decoded buffer.
 */
typedef struct gb_tx_body {
    gb_tx_wire_kind kind;
    const uint8_t *code;    /* UPLOAD_CODE, UPLOAD_PROGRAM */
    uint32_t code_len;
    gb_id code_id;          /* CREATE_PROGRAM */
    const uint8_t *salt;    /* UPLOAD_PROGRAM, CREATE_PROGRAM */
    uint32_t salt_len;
    gb_id target;           /* SEND_MESSAGE: the destination program;
                               SEND_REPLY, CLAIM_VALUE: the id of the
                               message in the sender's mailbox */
    const uint8_t *payload; /* init payload for the two program kinds */
    uint32_t payload_len;
    uint64_t gas_limit;
    gb_u128 value;
} gb_tx_body;

/* Size limits the decoder enforces (GB_LIMIT beyond them). */
typedef struct gb_tx_limits {
    uint32_t max_code_len;    /* Gear's code_len limit: 524288 */
    uint32_t max_salt_len;    /* 65536 */
    uint32_t max_payload_len; /* Gear's MAX_PAYLOAD_SIZE: 8 MiB */
} gb_tx_limits;

void gb_tx_limits_default(gb_tx_limits *out);

/*
 * A verified transaction.  All pointers (body.*, txs[].code/salt/payload)
 * borrow the buffer given to gb_tx_decode_verify and stay valid as long as
 * it does; nothing here is to be freed.
 */
typedef struct gb_tx_decoded {
    uint8_t hash[GB_TX_HASH_LEN]; /* gb_tx_hash of the whole encoding */
    gb_id signer;                 /* the sender's public key = account id */
    uint64_t nonce;
    gb_tx_body body;
    /*
     * What to hand to gb_chain_submit, in order, with sender = signer.
     * One transaction, except UPLOAD_PROGRAM, which the chain does not know:
     * it becomes txs[0] = UPLOAD_CODE (the code) and txs[1] = CREATE_PROGRAM
     * (code id = gb_code_id(code), the salt, init payload, gas and value).
     * The node skips txs[0] when that code is already on chain (Gear's
     * upload_program accepts known code), and must treat the pair as one
     * transaction with one nonce: both are accepted or neither.
     */
    gb_tx txs[2];
    uint32_t ntxs;
} gb_tx_decoded;

/* What gb_tx_decode_verify hands the chain for body from sender (see
 * gb_tx_decoded.txs): txs[0, *out_n), pointing into body's buffers.  For
 * the dev node's impersonated accounts, which submit without a
 * signature. */
void gb_tx_body_to_chain(const gb_tx_body *body, gb_id sender, gb_tx txs[2],
                         uint32_t *out_n);

/*
 * Encode and sign.  chain_id: the 32-byte id of the chain the transaction
 * is for; secret_key: a libsodium ed25519 secret key (64 bytes, seed ||
 * public key: see node/keys.h), whose public half becomes the sender.
 * *out: a new buffer (malloc'd, owned by the caller) of *out_len bytes.
 *
 * Errors (with a detail): GB_INVAL (an unknown kind, or a NULL code, salt
 * or payload with a nonzero length), GB_NOMEM.  No size limit is applied
 * here: the decoder's limits are the node's to choose.
 */
gb_err gb_tx_encode(const uint8_t chain_id[GB_TX_CHAIN_ID_LEN],
                    const gb_tx_body *body, uint64_t nonce,
                    const uint8_t secret_key[GB_TX_SECRET_KEY_LEN],
                    uint8_t **out, size_t *out_len, char *detail,
                    size_t detail_len);

/*
 * Parse buf[0..len) strictly, check its chain id against chain_id and its
 * signature, and fill *out (see gb_tx_decoded for what it borrows).
 * limits may be NULL for the defaults.
 *
 * Errors, each with a detail naming what and, for the encoding, the byte
 * offset where it went wrong; *out is unspecified on error:
 *   GB_MALFORMED  not a transaction: unknown version or kind, truncated,
 *                 bytes after the signature
 *   GB_LIMIT      a code, salt or payload longer than its limit
 *   GB_INVALID    well formed, but for another chain, or the signature
 *                 does not verify under the sender's key
 */
gb_err gb_tx_decode_verify(const uint8_t chain_id[GB_TX_CHAIN_ID_LEN],
                           const uint8_t *buf, size_t len,
                           const gb_tx_limits *limits, gb_tx_decoded *out,
                           char *detail, size_t detail_len);

/*
 * gb_tx_decode_verify without the signature check, for bytes this process
 * has just made itself with gb_tx_encode and a key it holds (the dev
 * node signing for its dev accounts, node/rpc_tx.c): everything else is
 * parsed and checked as gb_tx_decode_verify does, so they are accepted
 * only as a client's would be, but the signature libsodium has just made
 * is not checked again (the check is most of a dev_sendMessage's cost).
 * Never for bytes from outside the process.
 */
gb_err gb_tx_decode_own(const uint8_t chain_id[GB_TX_CHAIN_ID_LEN],
                        const uint8_t *buf, size_t len,
                        const gb_tx_limits *limits, gb_tx_decoded *out,
                        char *detail, size_t detail_len);

/* BLAKE2b-256 of a whole encoding (what RPC replies call the
 * transaction's hash).  buf may be NULL when len is 0. */
void gb_tx_hash(const uint8_t *buf, size_t len, uint8_t out[GB_TX_HASH_LEN]);

/*
 * A chain id from a chain's name: BLAKE2b-256("gearbox/chain/" || name).
 * The dev chain is "dev".  A node may derive its id otherwise (from its
 * genesis block); the codec only ever sees 32 bytes.
 */
void gb_tx_chain_id_from_name(const char *name,
                              uint8_t out[GB_TX_CHAIN_ID_LEN]);

#endif
