/*
 * Accounts and their keys.
 *
 * An account is an ed25519 keypair (libsodium); its id, the 32 bytes that
 * the chain knows it by, is the public key.  Every key is made from a
 * 32-byte seed (crypto_sign_seed_keypair), and the seed is all that is
 * stored: the secret key handed to the signer is libsodium's 64 bytes,
 * seed || public key.
 *
 * The dev accounts are eight well-known keys for local chains, named
 * alice, bob, charlie, dave, eve, ferdie, george and harry (indexes 0 to
 * 7).  Dev account i's seed is BLAKE2b-256("gearbox/dev/" || i as u32
 * little-endian): anyone can sign for them, so they are for dev chains
 * only.
 *
 * A key file holds one seed as text: "0x" and 64 lowercase hex digits and
 * a newline, in a file of mode 0600.  Reading accepts the digits with or
 * without "0x", upper or lower case, surrounded by whitespace; it refuses a
 * file that others can read (like ssh), saying how to fix it.
 *
 * Nothing here keeps state; secrets live in the caller's buffers, which
 * the caller should wipe (sodium_memzero) when done.
 */
#ifndef GB_NODE_KEYS_H
#define GB_NODE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gear/ids.h"
#include "gearbox/err.h"

#define GB_KEY_SEED_LEN 32
#define GB_KEY_PUBLIC_LEN 32
#define GB_KEY_SECRET_LEN 64
#define GB_DEV_ACCOUNTS 8

/* A fresh random seed (libsodium's randombytes).  GB_IO if libsodium has
 * no randomness source. */
gb_err gb_key_random_seed(uint8_t out_seed[GB_KEY_SEED_LEN]);

/* The keypair of a seed; deterministic. */
void gb_key_from_seed(const uint8_t seed[GB_KEY_SEED_LEN],
                      uint8_t out_pk[GB_KEY_PUBLIC_LEN],
                      uint8_t out_sk[GB_KEY_SECRET_LEN]);

/* The account id of a public key (the same 32 bytes). */
gb_id gb_key_account_id(const uint8_t pk[GB_KEY_PUBLIC_LEN]);

/* Dev account i's seed and keypair (any i works; only 0..7 have names). */
void gb_dev_seed(uint32_t index, uint8_t out_seed[GB_KEY_SEED_LEN]);
void gb_dev_keypair(uint32_t index, uint8_t out_pk[GB_KEY_PUBLIC_LEN],
                    uint8_t out_sk[GB_KEY_SECRET_LEN]);
gb_id gb_dev_account_id(uint32_t index);

/* "alice" for 0 ... "harry" for 7; NULL beyond.  Static storage. */
const char *gb_dev_name(uint32_t index);
/* The index of a dev name (case-insensitive; "//alice" as in Substrate's
 * tools is accepted too); false if it is not one. */
bool gb_dev_lookup(const char *name, uint32_t *out_index);

/*
 * Write seed to a new key file at path, mode 0600.  An existing file is
 * replaced only when overwrite is true.  The parent directory must exist.
 * Errors (with a detail that says what to do): GB_IO (cannot create or
 * write; an existing file without overwrite).
 */
gb_err gb_key_file_write(const char *path,
                         const uint8_t seed[GB_KEY_SEED_LEN], bool overwrite,
                         char *detail, size_t detail_len);

/*
 * Read the seed of the key file at path.  Errors: GB_IO (cannot open or
 * read), GB_MALFORMED (not 64 hex digits), GB_INVALID (the file can be
 * read by group or others).  *out_seed is written only on success.
 */
gb_err gb_key_file_read(const char *path, uint8_t out_seed[GB_KEY_SEED_LEN],
                        char *detail, size_t detail_len);

/*
 * An account given on a command line or in a config: a dev name, else the
 * path of a key file.  Writes the seed; *out_dev_index gets the dev index
 * or UINT32_MAX for a file (out_dev_index may be NULL).  Errors: those of
 * gb_key_file_read.
 */
gb_err gb_key_resolve(const char *spec, uint8_t out_seed[GB_KEY_SEED_LEN],
                      uint32_t *out_dev_index, char *detail,
                      size_t detail_len);

#endif
