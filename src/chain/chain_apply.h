/*
 * A run's journal applied to the block (chain_apply.c: gas, value,
 * pages, allocations, status, exit, creations, messages, the reply,
 * wakes, the wait; its top comment says how), and the waitlist (a
 * message leaving it: woken, or removed with an error reply).  On the
 * block's thread, in its write transaction; a failure (GB_NOMEM, GB_IO)
 * leaves the block to be aborted.  Called by the pipeline
 * (gb_chain_finish), the tasks (chain.c) and the scheduler
 * (gb_chain_alloc_bits); it calls down to effects.h, queue.h and the gas
 * tree.
 */
#ifndef GB_CHAIN_CHAIN_APPLY_H
#define GB_CHAIN_CHAIN_APPLY_H

#include "chain/chain_int.h"
#include "chain/queue.h"

/* Apply journal j of x's run: p is the program's record now;
 * prep_balance its balance when the run was prepared, view_balance the
 * balance the run was shown; h: hints (NULL: none; its sent ids are
 * taken by the DISPATCHED event); pc: the program's cache while the
 * queue runs (NULL: none).  The payloads of j's messages that stay in the
 * running queue's window are taken from j (gb_chain_queue_push_own). */
gb_err gb_chain_apply_journal(gb_blk *b, const gb_db_dispatch *x,
                              gb_db_program *p, gb_u128 prep_balance,
                              gb_u128 view_balance, gb_journal *j,
                              gb_hints *h, gb_prog_cache *pc);
/* alloc_bits of a journal: one past its highest allocated page. */
uint32_t gb_chain_alloc_bits(const gb_journal *j);
/* Page page of program pid is now data[0, len) (then zeros; len trimmed
 * of trailing zeros, as a journal's pages are): through the
 * overlay while the queue runs (*data, malloc'ed, is then taken over, and
 * *data becomes the content it replaced, or NULL, for the caller to
 * free), else to the transaction.  pc: pid's cache (NULL: none). */
gb_err gb_chain_page_put(gb_blk *b, gb_id pid, uint32_t page, uint8_t **data,
                         uint32_t len, gb_prog_cache *pc);
/* Every page of program pid goes (overlay and stored). */
gb_err gb_chain_pages_clear(gb_blk *b, gb_id pid);
/* Take message mid out of program pid's waitlist, charging its rent: to
 * the queue (wake) or with an error reply of code (removal).  guard != 0:
 * only when it is gb_chain_wait_tag() of the entry (a stale task of an
 * earlier wait of the same message otherwise).
 * Absent: GB_OK, nothing done. */
gb_err gb_chain_waitlist_leave(gb_blk *b, gb_id pid, gb_id mid,
                               uint64_t guard, bool wake, gb_reply_code code);
/* What tasks of a wait carry to recognise it: start << 32 | expires_at. */
uint64_t gb_chain_wait_tag(const gb_db_dispatch *w);

#endif
