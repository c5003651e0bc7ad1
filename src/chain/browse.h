/*
 * Looking around the chain's state, for the node's explorer and metrics
 * (node/explore.h, node/metrics.h): how many entries each table holds,
 * and bounded lists of programs, codes and stored messages (waitlist,
 * mailboxes, queue).  Like the queries of chain.h, each call reads the
 * last committed block in a read snapshot of its own: it may run while a
 * block is produced, and never sees that block's writes.
 *
 * Lists come in key order (ids as bytes), from the first key >= *after
 * when after is given (so a caller pages with the last id it got), at
 * most limit rows.  Rows are malloc'd arrays the caller frees with the
 * matching _free (NULL with *n == 0 when empty).  Errors: GB_NOMEM, and
 * the store's (GB_IO, GB_MALFORMED).
 */
#ifndef GB_CHAIN_BROWSE_H
#define GB_CHAIN_BROWSE_H

#include <stdint.h>

#include "chain/chain.h"

/* Entries of the store's tables, and the store's size. */
typedef struct gb_chain_stats {
    uint64_t programs, codes, queue, waitlist, mailbox, stash, tasks,
        reservations, accounts, blocks;
    uint64_t db_bytes;   /* the data file's size on disk (0 when unknown) */
    unsigned threads;    /* threads that run dispatches (docs/parallel.md) */
} gb_chain_stats;

gb_err gb_chain_stats_get(gb_chain *c, gb_chain_stats *out);

typedef struct gb_chain_prog_row {
    gb_id id;
    gb_chain_prog_info info; /* stored_pages / stored_bytes: 0 (not read) */
    uint32_t waiting;        /* its messages in the waitlist */
} gb_chain_prog_row;

gb_err gb_chain_list_programs(gb_chain *c, const gb_id *after, uint32_t limit,
                              gb_chain_prog_row **out, uint32_t *n);

typedef struct gb_chain_code_row {
    gb_id id;
    uint32_t code_len;     /* bytes of the original wasm */
    uint32_t static_pages;
    uint32_t uploaded_at;  /* height */
    uint32_t entries;      /* gb_gear_entry bits (init, handle, ...) */
} gb_chain_code_row;

gb_err gb_chain_list_codes(gb_chain *c, const gb_id *after, uint32_t limit,
                           gb_chain_code_row **out, uint32_t *n);

/* Where a stored message is. */
typedef enum gb_chain_place {
    GB_PLACE_WAITLIST, /* owner = the program it waits in */
    GB_PLACE_MAILBOX,  /* owner = the user it waits for */
} gb_chain_place;

typedef struct gb_chain_msg_row {
    gb_id owner;
    gb_id id, source, destination;
    int kind;              /* gb_dispatch_kind */
    uint32_t expires_at;
    gb_u128 value;
    uint64_t gas_limit;
    gb_id reply_to;        /* replies */
    uint8_t reply_code[4]; /* replies */
    uint8_t *payload;      /* its first GB_CHAIN_ROW_PAYLOAD bytes, owned */
    uint32_t payload_len;  /* of the copy */
    uint32_t full_len;     /* of the payload */
} gb_chain_msg_row;

#define GB_CHAIN_ROW_PAYLOAD 256u

/* The waitlist or the mailboxes; owner (may be NULL: everyone's) keeps to
 * one program's or user's.  after (may be NULL) is an owner id: the list
 * starts at that owner's entries. */
gb_err gb_chain_list_messages(gb_chain *c, gb_chain_place place,
                              const gb_id *owner, const gb_id *after,
                              uint32_t limit, gb_chain_msg_row **out,
                              uint32_t *n);
void gb_chain_msg_rows_free(gb_chain_msg_row *rows, uint32_t n);

#endif
