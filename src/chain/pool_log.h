/*
 * The pool log: the pending transactions in a file beside the store
 * (DIR/pool.log), so that a transaction the node has answered with its
 * hash survives kill -9 and power loss (docs/transactions.md).
 *
 * Appends are written at once and made durable in groups by
 * gb_pool_log_sync (one fdatasync for every transaction of a request, or
 * of a batch); after each block the file is rewritten with what is still
 * pending (a new file renamed over the old one, so a crash leaves one or
 * the other).  Opening reads the records back in order; a record torn by
 * a crash (short, or its checksum wrong) ends the log there.
 *
 * A record: body length u32 LE, the body, the first 16 bytes of
 * BLAKE2b-256(body).  The body: the nonce the transaction got (u64 LE),
 * then the transaction's canonical form (gb_pool_tx_fixed, then the code,
 * salt and payload bytes: what a block's input hash is taken over), then
 * the fee payer (32 bytes) when it is not the sender.
 *
 * One thread at a time (the chain calls it under its mutex).
 */
#ifndef GB_CHAIN_POOL_LOG_H
#define GB_CHAIN_POOL_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/chain_int.h" /* gb_ptx */

/* The fixed part of a transaction's canonical form: kind u8, sender,
 * code id (a program creation's; any other's: its voucher), destination (32 each), gas limit u64 LE, value u128 LE, the
 * lengths of code, salt and payload (u32 LE each). */
#define GB_POOL_TX_FIXED (1 + 32 + 32 + 32 + 8 + 16 + 12)
void gb_pool_tx_fixed(const gb_tx *tx, uint8_t out[GB_POOL_TX_FIXED]);

/* A transaction's whole record, as the pool log and a block's stored
 * inputs (replay.c) keep it: the fixed part, the code, salt and payload
 * bytes, then the fee payer (32 bytes) when it is not the sender.
 * gb_pool_tx_size: its length; gb_pool_tx_write: writes it at q (room for
 * gb_pool_tx_size bytes), returns the end; gb_pool_tx_parse: reads one of
 * exactly len bytes, out pointing into f (GB_MALFORMED when the lengths
 * do not add up). */
size_t gb_pool_tx_size(const gb_tx *tx);
uint8_t *gb_pool_tx_write(const gb_tx *tx, uint8_t *q);
gb_err gb_pool_tx_parse(const uint8_t *f, size_t len, gb_tx *out);

typedef struct gb_pool_log gb_pool_log;

/* Open (creating it) DIR/pool.log.  nosync: never fsync (tests).
 * Errors: GB_NOMEM, GB_IO (detail says which file and why). */
gb_err gb_pool_log_open(const char *dir, bool nosync, gb_pool_log **out,
                        char *detail, size_t detail_len);
void gb_pool_log_close(gb_pool_log *l); /* NULL: nothing */

/* Call each(ctx, tx, nonce) for every whole record, in order; tx points
 * into a buffer valid for the call only.  Stops at the first torn record,
 * or when each returns nonzero (that error is returned). */
gb_err gb_pool_log_read(gb_pool_log *l,
                        gb_err (*each)(void *ctx, const gb_tx *tx,
                                       uint64_t nonce),
                        void *ctx);

/* Append one record (written, not yet durable). GB_IO, GB_NOMEM. */
gb_err gb_pool_log_append(gb_pool_log *l, const gb_tx *tx, uint64_t nonce);

/* Make every record appended so far durable (nothing to do: GB_OK). */
gb_err gb_pool_log_sync(gb_pool_log *l);

/* Replace the log with these n pending transactions, durably. */
gb_err gb_pool_log_rewrite(gb_pool_log *l, const gb_ptx *p, uint32_t n);

#endif
