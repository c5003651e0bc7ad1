/*
 * Vouchers (voucher.c, Gear's pallet-gear-voucher): the checks of a
 * voucher transaction or a prepaid call, and a VOUCHER_* transaction
 * applied.  Called by the transactions (chain_tx.c).
 */
#ifndef GB_CHAIN_VOUCHER_H
#define GB_CHAIN_VOUCHER_H

#include "chain/chain_int.h"

/* voucher.c: Gear's checks of tx — a VOUCHER_* kind, or a prepaid call's
 * voucher — against txn's state, for the block at height: NULL when they
 * pass, else why (Gear's error name first).  A lookup that failed (not
 * an answer) sets *le and returns NULL. */
const char *gb_chain_voucher_check(gb_db_txn *txn, const gb_tx *tx,
                                   uint32_t height, gb_err *le);

/* voucher.c: apply a VOUCHER_* transaction p (checked, its fee and value
 * taken) to the block: the voucher stored, value moved, its event. */
gb_err gb_chain_voucher_apply(gb_blk *b, const gb_ptx *p);

#endif
