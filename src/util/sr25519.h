/*
 * sr25519: Schnorr signatures on Ristretto255, as Substrate's accounts use.
 *
 * This is schnorrkel's scheme (w3f/schnorrkel) in the configuration
 * Substrate and polkadot.js use, written from the algorithm over
 * libsodium's ristretto255 group and scalar arithmetic, with the Merlin
 * transcripts of util/merlin.h:
 *
 *   keys        a 32-byte "mini secret" (what Substrate calls the secret
 *               seed) is expanded as schnorrkel's ExpandEd25519 mode:
 *               h = SHA-512(mini); key = clamp(h[0..32]) / 8 (a scalar,
 *               little-endian); nonce = h[32..64].  The 64-byte secret key
 *               is key || nonce (schnorrkel's SecretKey::to_bytes); the
 *               public key is the compressed Ristretto point key * B, and
 *               is the account id.
 *   signing     Substrate signs with the context "substrate":
 *               T = Merlin("SigningContext"); T.append("", "substrate");
 *               T.append("sign-bytes", msg); T.append("proto-name",
 *               "Schnorr-sig"); T.append("sign:pk", pk); the nonce r comes
 *               from a copy of T re-keyed with the key's nonce ("signing")
 *               and 32 random bytes; R = r * B; T.append("sign:R", R);
 *               k = T.challenge("sign:c", 64) mod l; s = k * key + r.
 *               The signature is R || s with bit 7 of its last byte set
 *               (schnorrkel's marker).  Randomness is mixed in, so two
 *               signatures of one message differ; both verify.
 *   verifying   schnorrkel's verify_simple("substrate", msg): marked, s
 *               canonical (< l), pk a canonical Ristretto encoding, and
 *               s * B - k * A == R as bytes.
 *   derivation  a hard junction "//name" (Substrate's derive_hard_junction):
 *               T = Merlin("SchnorrRistrettoHDKD"); T.append("sign-bytes",
 *               ""); T.append("chain-code", cc); T.append("secret-key",
 *               key); the child's mini secret = T.challenge("HDKD-hard",
 *               32).  The chain code cc is the junction SCALE-encoded (a
 *               decimal that fits a u64: 8 bytes LE; otherwise a string:
 *               compact length || UTF-8), zero-padded to 32 bytes, or its
 *               BLAKE2b-256 when longer than 32 bytes.  Soft junctions
 *               ("/name") are not supported.
 *   dev phrase  Substrate's dev accounts are //Alice ... //Ferdie of
 *               DEV_PHRASE "bottom drive obey lake curtain smoke basket
 *               hold race lonely fit walk": its BIP39 entropy, through
 *               substrate-bip39's rule mini = PBKDF2-HMAC-SHA512(entropy,
 *               "mnemonic" || password, 2048 rounds)[0..32] (password "").
 *               No word list is shipped: the phrase's entropy is a
 *               constant in sr25519.c, with its derivation.
 *
 * Secrets (mini secrets, secret keys, nonces) pass through libsodium's
 * constant-time scalar and group operations only; buffers holding them
 * are wiped before return.  The caller owns every buffer and should wipe
 * its own secrets (sodium_memzero).  Nothing here keeps state; libsodium
 * is initialised on first use (sodium_init is idempotent).
 *
 * Errors are gb_err (gearbox/err.h): GB_OK, GB_INVAL (an argument the
 * function cannot use), GB_MALFORMED (bytes that are not an encoding of
 * the expected kind), GB_INVALID (a well-formed signature that does not
 * verify), GB_UNSUPPORTED, GB_LIMIT, GB_IO (no randomness source).
 */
#ifndef GB_UTIL_SR25519_H
#define GB_UTIL_SR25519_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"

#define GB_SR25519_MINI_LEN 32   /* mini secret (Substrate's secret seed) */
#define GB_SR25519_SECRET_LEN 64 /* key scalar || nonce */
#define GB_SR25519_PUBLIC_LEN 32 /* compressed Ristretto point */
#define GB_SR25519_SIG_LEN 64    /* R || s, marked */
#define GB_SR25519_CHAIN_CODE_LEN 32
#define GB_SR25519_DEV_ACCOUNTS 6 /* alice ... ferdie */

/* ---- keys ---------------------------------------------------------------- */

/* The keypair of a mini secret (ExpandEd25519); deterministic, cannot
 * fail.  out_sk receives a secret: wipe it when done. */
void gb_sr25519_keypair_from_mini(const uint8_t mini[GB_SR25519_MINI_LEN],
                                  uint8_t out_pk[GB_SR25519_PUBLIC_LEN],
                                  uint8_t out_sk[GB_SR25519_SECRET_LEN]);

/* The public key of a 64-byte secret key.  GB_INVAL if its scalar is not
 * canonical (>= l) or is zero; *out_pk is then unchanged. */
gb_err gb_sr25519_public_from_secret(const uint8_t sk[GB_SR25519_SECRET_LEN],
                                     uint8_t out_pk[GB_SR25519_PUBLIC_LEN]);

/* ---- signatures ------------------------------------------------------- */

/*
 * Signs msg[0..len) (msg may be NULL when len is 0) with the context
 * "substrate", as Substrate's sr25519::Pair::sign.  pk must be sk's public
 * key (it is hashed into the challenge; a wrong one gives a signature that
 * does not verify).  32 bytes of randomness come from libsodium's
 * randombytes.  Errors: GB_IO (no randomness source), GB_INVAL (sk's
 * scalar is not canonical), GB_LIMIT (len >= 2^32).  *out_sig is written
 * only on success.
 */
gb_err gb_sr25519_sign(const uint8_t sk[GB_SR25519_SECRET_LEN],
                       const uint8_t pk[GB_SR25519_PUBLIC_LEN],
                       const void *msg, size_t len,
                       uint8_t out_sig[GB_SR25519_SIG_LEN]);

/* gb_sr25519_sign with the 32 random bytes given (for tests and for
 * callers with their own generator); deterministic.  Same errors but
 * GB_IO. */
gb_err gb_sr25519_sign_with(const uint8_t sk[GB_SR25519_SECRET_LEN],
                            const uint8_t pk[GB_SR25519_PUBLIC_LEN],
                            const void *msg, size_t len,
                            const uint8_t random[32],
                            uint8_t out_sig[GB_SR25519_SIG_LEN]);

/*
 * Verifies sig over msg[0..len) by pk with the context "substrate"
 * (schnorrkel's verify_simple, Substrate's sr25519::Pair::verify).
 * Returns GB_OK if it is valid.  Errors: GB_MALFORMED (sig lacks
 * schnorrkel's marker bit, its s is not canonical, or pk is not a
 * canonical non-identity Ristretto point), GB_INVALID (it does not
 * verify), GB_LIMIT (len >= 2^32).  Nothing here is secret; the time
 * taken does not matter.
 */
gb_err gb_sr25519_verify(const uint8_t pk[GB_SR25519_PUBLIC_LEN],
                         const void *msg, size_t len,
                         const uint8_t sig[GB_SR25519_SIG_LEN]);

/* ---- derivation -------------------------------------------------------- */

/*
 * The chain code of one junction's text j[0..len) (without its slashes),
 * as Substrate's DeriveJunction: all decimal digits with a value that
 * fits a u64 -> its 8 bytes LE; otherwise SCALE(string); padded with
 * zeros to 32 bytes, or BLAKE2b-256 of the encoding when longer.  Errors:
 * GB_INVAL (len 0), GB_LIMIT (len >= 2^30).
 */
gb_err gb_sr25519_chain_code(const char *j, size_t len,
                             uint8_t out_cc[GB_SR25519_CHAIN_CODE_LEN]);

/* The mini secret of the hard junction cc under the secret key sk
 * (Substrate's derive_hard_junction); expand it with
 * gb_sr25519_keypair_from_mini.  Cannot fail.  out_mini is a secret. */
void gb_sr25519_derive_hard(const uint8_t sk[GB_SR25519_SECRET_LEN],
                            const uint8_t cc[GB_SR25519_CHAIN_CODE_LEN],
                            uint8_t out_mini[GB_SR25519_MINI_LEN]);

/*
 * Follows a derivation path of hard junctions ("//Alice", "//a//0", or ""
 * for none) from a mini secret and writes the final mini secret (mini and
 * out_mini may be the same buffer).  Errors: GB_UNSUPPORTED (a soft
 * junction "/x", or a password "///x"), GB_INVAL (path not made of
 * "//" + non-empty junctions, or NULL), GB_LIMIT (a junction too long).
 * *out_mini is written only on success.
 */
gb_err gb_sr25519_derive_path(const uint8_t mini[GB_SR25519_MINI_LEN],
                              const char *path,
                              uint8_t out_mini[GB_SR25519_MINI_LEN]);

/*
 * The mini secret of BIP39 entropy (16 to 32 bytes, a multiple of 4) and
 * an optional password (NULL or "" for none), substrate-bip39's
 * mini_secret_from_entropy.  Errors: GB_INVAL (entropy length), GB_NOMEM.
 */
gb_err gb_sr25519_mini_from_entropy(const uint8_t *entropy, size_t len,
                                    const char *password,
                                    uint8_t out_mini[GB_SR25519_MINI_LEN]);

/* ---- Substrate's dev accounts ----------------------------------------- */

/* DEV_PHRASE's mini secret (the root of the dev accounts). */
void gb_sr25519_dev_root(uint8_t out_mini[GB_SR25519_MINI_LEN]);

/* "alice" for 0 ... "ferdie" for 5; NULL beyond.  Static storage. */
const char *gb_sr25519_dev_name(uint32_t index);

/* The index of a dev account's name, case-insensitive, with or without a
 * leading "//" ("alice", "Alice", "//Alice"); false if it is not one. */
bool gb_sr25519_dev_lookup(const char *name, uint32_t *out_index);

/*
 * Dev account index's keys: DEV_PHRASE then "//Alice" (capitalised as
 * Substrate's Keyring does) ... "//Ferdie".  Any out pointer may be NULL.
 * The mini secret and secret key are public knowledge: dev chains only.
 * Errors: GB_NOT_FOUND (index >= GB_SR25519_DEV_ACCOUNTS); nothing is
 * written then.
 */
gb_err gb_sr25519_dev_keypair(uint32_t index,
                              uint8_t out_mini[GB_SR25519_MINI_LEN],
                              uint8_t out_pk[GB_SR25519_PUBLIC_LEN],
                              uint8_t out_sk[GB_SR25519_SECRET_LEN]);

#endif
