/*
 * Accounts and their keys.
 *
 * An account's id is the 32 bytes the chain knows it by: the public key of
 * its signing key.  Keys come in two schemes:
 *
 *   ed25519  (libsodium) what gearbox's own transactions are signed with
 *            (node/tx.h).  Made from a 32-byte seed
 *            (crypto_sign_seed_keypair); the secret key handed to the
 *            signer is libsodium's 64 bytes, seed || public key.
 *   sr25519  (util/sr25519.h) what Substrate and polkadot.js accounts use.
 *            The 32-byte seed is the mini secret (Substrate's "secret
 *            seed"); the node does not accept sr25519-signed gearbox
 *            transactions (yet), so these keys are made, shown and named,
 *            but not used to sign.
 * In both, the seed is all that is stored.
 *
 * The dev accounts are eight well-known ed25519 keys for local chains,
 * named alice, bob, charlie, dave, eve, ferdie, george and harry (indexes
 * 0 to 7).  Dev account i's seed is BLAKE2b-256("gearbox/dev/" || i as u32
 * little-endian): anyone can sign for them, so they are for dev chains
 * only.  Substrate's dev accounts (//Alice ... //Ferdie of the dev phrase,
 * sr25519) have the same names, so on a command line they are written
 * "sr:alice" ... "sr:ferdie" (case-insensitive; "sr://Alice" too); the
 * plain names stay gearbox's.
 *
 * A key file holds one seed as text, in a file of mode 0600: for ed25519
 * "0x" and 64 lowercase hex digits and a newline; for sr25519 the same
 * after "sr25519:".  Reading accepts the digits with or without "0x",
 * upper or lower case, surrounded by whitespace, and an "ed25519:" prefix;
 * it refuses a file that others can read (like ssh), saying how to fix it.
 *
 * An account given as text (gb_account_parse) is any of: a dev name, an
 * "sr:" dev name, "0x" and 64 hex digits, an SS58 address with Vara's
 * prefix 137 or Substrate's 42 (util/ss58.h), or a key file of either
 * scheme.
 *
 * Nothing here keeps state; secrets live in the caller's buffers, which
 * the caller should wipe (sodium_memzero) when done.
 */
#ifndef GB_NODE_KEYS_H
#define GB_NODE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/devkeys.h"
#include "gear/ids.h"
#include "gearbox/err.h"

#define GB_KEY_SEED_LEN 32
#define GB_KEY_PUBLIC_LEN 32
#define GB_KEY_SECRET_LEN 64

/* The signature scheme of a key.  Values are stable (JSON, files). */
typedef enum gb_key_scheme {
    GB_KEY_ED25519 = 0,
    GB_KEY_SR25519 = 1,
} gb_key_scheme;

/* "ed25519" or "sr25519"; "unknown" otherwise.  Static storage. */
const char *gb_key_scheme_name(gb_key_scheme scheme);

/* The public key (the account id) of a seed of either scheme;
 * deterministic.  GB_INVAL for an unknown scheme. */
gb_err gb_key_public(gb_key_scheme scheme, const uint8_t seed[GB_KEY_SEED_LEN],
                     uint8_t out_pk[GB_KEY_PUBLIC_LEN]);

/* A fresh random seed (libsodium's randombytes).  GB_IO if libsodium has
 * no randomness source. */
gb_err gb_key_random_seed(uint8_t out_seed[GB_KEY_SEED_LEN]);

/* The keypair of a seed; deterministic. */
void gb_key_from_seed(const uint8_t seed[GB_KEY_SEED_LEN],
                      uint8_t out_pk[GB_KEY_PUBLIC_LEN],
                      uint8_t out_sk[GB_KEY_SECRET_LEN]);

/* The account id of a public key (the same 32 bytes). */
gb_id gb_key_account_id(const uint8_t pk[GB_KEY_PUBLIC_LEN]);

/* Dev account i's seed, keypair and account id: gb_dev_seed,
 * gb_dev_keypair, gb_dev_account_id (chain/devkeys.h; any i works, only
 * 0 .. GB_DEV_ACCOUNTS - 1 have names). */

/* "alice" for 0 ... "harry" for 7; NULL beyond.  Static storage. */
const char *gb_dev_name(uint32_t index);
/* The index of a dev name (case-insensitive; "//alice" as in Substrate's
 * tools is accepted too); false if it is not one. */
bool gb_dev_lookup(const char *name, uint32_t *out_index);

/* The index (0 = alice ... 5 = ferdie) of a Substrate dev account written
 * "sr:NAME" or "sr://Name" (case-insensitive); false if spec is not one.
 * Its seed and keys: gb_sr25519_dev_keypair (util/sr25519.h). */
bool gb_sr_dev_lookup(const char *spec, uint32_t *out_index);

/*
 * Write an ed25519 seed to a new key file at path, mode 0600
 * (gb_key_file_write_scheme with GB_KEY_ED25519).  An existing file is
 * replaced only when overwrite is true.  The parent directory must exist.
 * Errors (with a detail that says what to do): GB_IO (cannot create or
 * write; an existing file without overwrite).
 */
gb_err gb_key_file_write(const char *path,
                         const uint8_t seed[GB_KEY_SEED_LEN], bool overwrite,
                         char *detail, size_t detail_len);

/* Write a seed of either scheme to a new key file at path, mode 0600, in
 * the scheme's form (above).  Errors: as gb_key_file_write; GB_INVAL for
 * an unknown scheme. */
gb_err gb_key_file_write_scheme(const char *path, gb_key_scheme scheme,
                                const uint8_t seed[GB_KEY_SEED_LEN],
                                bool overwrite, char *detail,
                                size_t detail_len);

/*
 * Read the seed and scheme of the key file at path.  Errors: GB_IO (cannot
 * open or read), GB_MALFORMED (not 64 hex digits, with an optional
 * "ed25519:" or "sr25519:" before them), GB_INVALID (the file can be read
 * by group or others).  *out_scheme and *out_seed are written only on
 * success.
 */
gb_err gb_key_file_read_scheme(const char *path, gb_key_scheme *out_scheme,
                               uint8_t out_seed[GB_KEY_SEED_LEN],
                               char *detail, size_t detail_len);

/*
 * Read the seed of an ed25519 key file at path: gb_key_file_read_scheme's
 * errors, and GB_UNSUPPORTED (the file holds an sr25519 key, which cannot
 * sign gearbox transactions).
 */
gb_err gb_key_file_read(const char *path, uint8_t out_seed[GB_KEY_SEED_LEN],
                        char *detail, size_t detail_len);

/*
 * A signing key given on a command line or in a config: a dev name, an
 * "sr:" dev name, else the path of a key file of either scheme.  Writes
 * the scheme and seed; *out_dev_index gets the dev index (gearbox's, or
 * Substrate's for "sr:") or UINT32_MAX for a file (out_dev_index may be
 * NULL).  Errors: those of gb_key_file_read_scheme.
 */
gb_err gb_key_resolve_scheme(const char *spec, gb_key_scheme *out_scheme,
                             uint8_t out_seed[GB_KEY_SEED_LEN],
                             uint32_t *out_dev_index, char *detail,
                             size_t detail_len);

/*
 * gb_key_resolve_scheme for a key that must sign gearbox transactions:
 * ed25519 only.  Errors: those of gb_key_file_read (GB_UNSUPPORTED, with
 * a detail, for an sr25519 key or an "sr:" dev name).
 */
gb_err gb_key_resolve(const char *spec, uint8_t out_seed[GB_KEY_SEED_LEN],
                      uint32_t *out_dev_index, char *detail,
                      size_t detail_len);

/*
 * The account id named by spec, in the forms listed at the top (dev name,
 * "sr:" dev name, 0x + 64 hex digits, SS58 with prefix 137 or 42, key
 * file).  Errors, with a detail: GB_INVAL (spec NULL or empty),
 * GB_INVALID (an SS58 address with a bad checksum), GB_UNSUPPORTED (an
 * SS58 address of another network), and those of gb_key_file_read_scheme
 * when spec is taken for a key file.  *out_id is written only on success.
 */
gb_err gb_account_parse(const char *spec, uint8_t out_id[GB_KEY_PUBLIC_LEN],
                        char *detail, size_t detail_len);

#endif
