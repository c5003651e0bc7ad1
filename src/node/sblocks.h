/*
 * The chain as a Substrate client sees it (shared/GEAR-RPC.md §1, §3, §5,
 * §6): for every block a Substrate header
 *
 *   parentHash ‖ Compact<u32> number ‖ stateRoot ‖ extrinsicsRoot ‖
 *   Vec<DigestItem> (empty)
 *
 * whose hash is blake2_256 of that SCALE encoding (what polkadot.js
 * computes client-side), the block's extrinsics byte for byte (the
 * Timestamp.set inherent first, then the submitted extrinsics, then the
 * terminal Gear.run inherent) and its System.Events (SCALE).
 *
 * stateRoot is the gearbox block's state root and extrinsicsRoot its
 * input hash (the hash of its transactions), so every header, and so every
 * hash, follows from the stored gearbox headers alone: a restart walks
 * them once (gb_sblocks_new) and answers for old blocks as before.  What
 * is not stored — the submitted extrinsics' bytes and the events — is kept
 * for the last `keep` blocks only; an older block is served with its two
 * inherents and no events.
 *
 * Submitted extrinsics (author_submitExtrinsic) are announced with
 * gb_sblocks_pending before their chain transactions can reach a block;
 * the block that applies a transaction of theirs carries them, in the
 * order of their first transaction, with the events of their
 * transactions under phase ApplyExtrinsic(index).  Events of transactions
 * that came another way (gearbox's own methods) and of the queue go under
 * Gear.run's phase.
 *
 * One thread at a time (the dispatcher's).
 */
#ifndef GB_NODE_SBLOCKS_H
#define GB_NODE_SBLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "gearbox/err.h"

typedef struct gb_sblocks gb_sblocks;

/* The weight (ref_time) every submitted extrinsic's DispatchInfo shows;
 * proof_size 0. */
#define GB_SBLOCKS_XT_REF_TIME 100000000u

/* A kept block: all borrowed from the gb_sblocks, valid until the next
 * gb_sblocks_note. */
typedef struct gb_sblock {
    uint32_t number;
    uint64_t timestamp;
    uint8_t hash[32];
    uint8_t parent[32];
    uint8_t state_root[32];
    uint8_t extrinsics_root[32];
    uint32_t nxt;
    uint8_t **xt;      /* each with its compact length prefix */
    size_t *xt_len;
    uint8_t (*xt_hash)[32]; /* blake2_256 of xt[i] */
    bool *xt_ok;       /* ExtrinsicSuccess (true) or ExtrinsicFailed */
    uint8_t *events;   /* SCALE Vec<EventRecord>; NULL: not kept */
    size_t events_len;
} gb_sblock;

/* Walk c's stored headers to the head.  keep: blocks kept whole (0: 256).
 * GB_NOMEM, or the store's errors. */
gb_err gb_sblocks_new(gb_chain *c, uint32_t keep, gb_sblocks **out);
void gb_sblocks_free(gb_sblocks *s);

/* The best (= finalized) number. */
uint32_t gb_sblocks_best(const gb_sblocks *s);
/* The hash of block number; false when there is none. */
bool gb_sblocks_hash(const gb_sblocks *s, uint32_t number, uint8_t out[32]);
/* The number of the block whose hash is hash; false when none. */
bool gb_sblocks_find(const gb_sblocks *s, const uint8_t hash[32],
                     uint32_t *out);

/* Block number, kept or rebuilt from the store into *tmp (free it with
 * gb_sblock_clear; a kept one is returned without copying, and *out then
 * points into s).  GB_NOT_FOUND, GB_NOMEM. */
gb_err gb_sblocks_get(gb_sblocks *s, uint32_t number, gb_sblock *tmp,
                      const gb_sblock **out);
void gb_sblock_clear(gb_sblock *b);

/* The SCALE header of b: out (malloc'd) and its length. */
gb_err gb_sblock_header(const gb_sblock *b, uint8_t **out, size_t *len);

/* Announce a submitted extrinsic (bytes with their length prefix,
 * copied) whose chain transactions got ids[0..n) from submit (n may be 0:
 * it goes in the next block, failed).  GB_NOMEM. */
gb_err gb_sblocks_pending(gb_sblocks *s, const uint8_t *xt, size_t len,
                          const gb_id *ids, uint32_t n, bool failed);

/* A Utility.batch / batch_all extrinsic's items (rpc_author.c): the
 * queued items k < nitems own ids[k ? item_end[k-1] : 0, item_end[k]) of
 * the ids given to gb_sblocks_pending_batch; interrupted: the item
 * nitems was refused (Utility.BatchInterrupted{nitems, error}, error the
 * SCALE DispatchError). */
typedef struct gb_sblocks_batch {
    uint32_t nitems;
    const uint32_t *item_end;
    bool interrupted;
    uint8_t error[8];
    uint32_t error_len;
} gb_sblocks_batch;

/* gb_sblocks_pending for a batch: its block shows, under its phase, each
 * item's events then Utility.ItemCompleted, then BatchCompleted or
 * BatchInterrupted, then ExtrinsicSuccess (n may be 0: nothing was
 * queued; it goes in the next block).  GB_NOMEM. */
gb_err gb_sblocks_pending_batch(gb_sblocks *s, const uint8_t *xt, size_t len,
                                const gb_id *ids, uint32_t n,
                                const gb_sblocks_batch *batch);

/* Make the Substrate block of gearbox block b (the next one).  GB_NOMEM
 * (the block is then not kept: it is rebuilt from the store on demand). */
gb_err gb_sblocks_note(gb_sblocks *s, const gb_block_result *b);

/* Block b (the next one) goes by without being kept, as one that newer
 * blocks push out of the ring before anyone reads it (rpc.h,
 * gb_rpc_note_block_take): the pending extrinsics it carries leave the
 * list as gb_sblocks_note takes them; its hash is made from the store by
 * the next gb_sblocks_note, as for a block no one noted. */
void gb_sblocks_pass(gb_sblocks *s, const gb_block_result *b);

/* Gear's ReplyCode (SCALE) from gearbox's 4 bytes: as many bytes as the
 * variant has (GEAR-RPC.md §6), appended to w. */
struct gb_scale_buf;
void gb_sblocks_put_reply_code(struct gb_scale_buf *w, const uint8_t c[4]);

/* The extrinsic body of the inherents, for tests: Timestamp.set(ts). */
gb_err gb_sblocks_timestamp_xt(uint64_t ts, uint8_t **out, size_t *len);

#endif
