/*
 * A block's effects outside any program's run (effects.c): held copies of
 * dispatch records, the block's events, balances credited and debited,
 * gas burned and fees paid, and messages routed — to a user (event,
 * mailbox), to a program (the queue: queue.h), or back as an error
 * reply; and prepared code (gb_chain_code).  All on the block's thread, in its write transaction; a failure
 * (GB_NOMEM, GB_IO) leaves the block to be aborted.  Called by the
 * journal (chain_apply.c), the pipeline, the transactions (chain_tx.c),
 * the tasks (chain.c), vouchers, the gas tree, the scheduler and the dry
 * runs; the state query uses gb_chain_prog_load.
 */
#ifndef GB_CHAIN_EFFECTS_H
#define GB_CHAIN_EFFECTS_H

#include "chain/chain_int.h"
#include "chain/gas_tree.h"

/* src copied into *out with its payload owned (GB_NOMEM: nothing held);
 * gb_chain_held_free frees the payload.  Any thread. */
gb_err gb_chain_held_copy(const gb_db_dispatch *src, gb_held *out);
/* The same, but taking src's payload instead of copying it when the
 * caller owns it: own (NULL: copy) is where the caller keeps that buffer
 * (malloc'd); when *own is src->d.payload and it is not empty, *out takes
 * it and *own becomes NULL (a journal's payload queued within the block:
 * no allocation and copy on the block's thread, no free of the journal's
 * copy). */
gb_err gb_chain_held_take(const gb_db_dispatch *src, uint8_t **own,
                          gb_held *out);
void gb_chain_held_free(gb_held *h);
/* Event ev appended to the block's, with copies of payload[0, len) and
 * debug (NULL or "": none); ev's own buffers are ignored.  GB_NOMEM:
 * nothing appended. */
gb_err gb_chain_event(gb_blk *b, gb_event ev, const void *payload,
                      uint32_t len, const char *debug);
/* The DISPATCHED event of x, appended as gb_chain_event would (id,
 * source, destination and kind from x; a copy of debug): *out is it, in
 * b->ev until the next event, for its sent ids.  GB_NOMEM: nothing
 * appended. */
gb_err gb_chain_event_dispatched(gb_blk *b, const gb_db_dispatch *x,
                                 gb_outcome outcome, uint64_t burned,
                                 const char *debug, gb_event **out);
/* v credited to id: a program's balance (an exited one's goes on to its
 * inheritor), else an account's.  GB_OVERFLOW: the sum would wrap (value
 * from nowhere: the block fails). */
gb_err gb_chain_credit(gb_blk *b, gb_id id, gb_u128 v);
/* v added to account id's balance (GB_OVERFLOW as above). */
gb_err gb_chain_account_add(gb_blk *b, gb_id id, gb_u128 v);
/* gas burned: its value added to META "burned" — summed in b while the
 * queue runs, written by gb_chain_burn_flush at its end. */
gb_err gb_chain_burn(gb_blk *b, uint64_t gas);
gb_err gb_chain_burn_flush(gb_blk *b);
/* A transaction fee, paid (already taken from the payer): burned, added
 * to META "fees" (gb_chain_totals.fees). */
gb_err gb_chain_pay_fee(gb_blk *b, gb_u128 fee);
/* gas's value back to account origin. */
gb_err gb_chain_refund_gas(gb_blk *b, gb_id origin, uint64_t gas);
/* A message or reply reaching a user: held in the mailbox (with a task
 * for its end, and its reply deposit) when it is a message with at least
 * the mailbox threshold of gas, else its value to the user at once, its
 * gas back and, for a message, the sender's automatic reply queued (paid
 * by its reply deposit); an event either way (holds.c, Gear's
 * send_user_message). */
gb_err gb_chain_to_user(gb_blk *b, const gb_db_dispatch *x);
/* x's error reply (gasless, drawing on x's holder, or paid by x's reply
 * deposit), then x is done (gb_chain_gas_done). */
gb_err gb_chain_error_reply(gb_blk *b, const gb_db_dispatch *x,
                            gb_reply_code code, const uint8_t *payload,
                            uint32_t len);
/* x's error reply (Gear's system reply: gasless, drawing on x's holder h,
 * unless a reply deposit pays for it); x's system reservation goes back.
 * x itself is not consumed here (the waitlist's removals:
 * chain_apply.c). */
gb_err gb_chain_error_reply_h(gb_blk *b, const gb_db_dispatch *x,
                              gb_gnode *h, gb_reply_code code,
                              const uint8_t *payload, uint32_t len);
/* A dispatch that cannot reach its destination, and may not be replied
 * to (a reply or signal): its value goes back, its gas to the payer. */
gb_err gb_chain_drop(gb_blk *b, const gb_db_dispatch *x);
/* A dispatch for a program (to_program: the queue, dest_hint its
 * scheduler index when known) or a user (gb_chain_to_user), now or after
 * delay blocks (the stash and a task).  own: NULL, or where the caller
 * keeps y's payload (malloc'd): the queue may take it (gb_chain_held_take),
 * leaving *own NULL. */
gb_err gb_chain_route(gb_blk *b, gb_db_dispatch *y, bool to_program,
                      uint32_t delay, uint32_t dest_hint, uint8_t **own);
/* The ids of what a run sent (its creations' init messages, then its
 * messages), malloc'ed in *out (NULL when none), their count in *n.  Any
 * thread. */
gb_err gb_chain_sent_ids(const gb_journal *j, gb_id **out, uint32_t *n);
/* The same on its DISPATCHED event ev (ev->sent: none yet). */
gb_err gb_chain_note_sent(gb_event *ev, const gb_journal *j);
/* A program record with its allocation bitmap copied (*alloc owned). */
gb_err gb_chain_prog_load(gb_db_txn *txn, gb_id pid, gb_db_program *p,
                          uint8_t **alloc);
/* Whether id is a program (exited and failed ones included: a record is
 * never removed, so a yes is remembered while the queue runs). */
gb_err gb_chain_is_program(gb_blk *b, gb_id id, bool *out);
/* The gas a stored dispatch holds besides its gas limit: its reply
 * deposit and its system reservation. */
uint64_t gb_chain_extra_gas(const gb_db_dispatch *x);

/* Code code_id prepared: from the chain's code cache, else prepared from
 * the original stored in txn and cached (*out belongs to the cache; kept
 * while a block, call or estimate is under way: gb_chain_trim_codes).
 * GB_NOT_FOUND: no such code; GB_IO, GB_NOMEM, preparation's errors. */
gb_err gb_chain_code(gb_chain *c, gb_db_txn *txn, gb_id code_id,
                     const gb_gear_code **out);

#endif
