/*
 * Snapshot files: a whole store (state/db.h) in one file, to copy a chain,
 * restore it, or start another chain from it (a fork).
 *
 * A snapshot is taken from a consistent copy (gb_db_copy / gb_db_copy_dir:
 * the last committed block, also while a node runs) and holds every table,
 * the blocks' headers and stored inputs included, so the chain it restores
 * continues from the snapshot's head and still replays from genesis.
 *
 * The file (integers little-endian):
 *   magic "GEARBOX-SNAPSHOT" (16 bytes), format version u32 (1),
 *   head height u32, head block hash (32), head state root (32),
 *   length of the store u64, the store (LMDB's compacted data file),
 *   BLAKE2b-256 of everything before it (32).
 * Loading checks the magic, the version, the length and the checksum
 * before it writes anything, and refuses a directory that already holds a
 * store; then it opens the store and checks its head against the header.
 *
 * Errors: GB_MALFORMED (not a snapshot, another version, truncated, a
 * checksum or head mismatch: msg says which), GB_INVAL (the directory
 * holds a store), GB_NOT_FOUND (no such file or store), GB_IO, GB_NOSPACE,
 * GB_NOMEM.  msg (may be NULL) gets a NUL-terminated reason.
 */
#ifndef GB_STATE_SNAPSHOT_H
#define GB_STATE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "state/db.h"

#define GB_SNAPSHOT_VERSION 1u

typedef struct gb_snapshot_info {
    uint32_t height;          /* the head's */
    uint8_t head_hash[32];
    uint8_t state_root[32];
    uint64_t store_bytes;     /* the store's length in the file */
} gb_snapshot_info;

/* Write a snapshot of a store to file (replaced atomically: written to a
 * temporary file beside it, then renamed).  db: an open store of this
 * process (data_dir ignored); NULL: the store in data_dir, which may be
 * open in another process.  out may be NULL. */
gb_err gb_snapshot_save(gb_db *db, const char *data_dir, const char *file,
                        gb_snapshot_info *out, char *msg, size_t msg_len);

/* Check file and write its store into data_dir (made when missing; must
 * not hold a store).  out may be NULL. */
gb_err gb_snapshot_load(const char *file, const char *data_dir,
                        gb_snapshot_info *out, char *msg, size_t msg_len);

/* Check file only (as load does, writing nothing). */
gb_err gb_snapshot_check(const char *file, gb_snapshot_info *out, char *msg,
                         size_t msg_len);

#endif
