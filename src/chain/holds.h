/*
 * Gear's holds (holds.c): what a message kept in the mailbox or the
 * waitlist locks for its rent and pays when it leaves (HoldBound and
 * charge_for_hold), and the watch a gas estimate keeps on its message's
 * gas.  On the block's thread, in its write transaction.
 */
#ifndef GB_CHAIN_HOLDS_H
#define GB_CHAIN_HOLDS_H

#include "chain/chain_int.h"
#include "chain/idmap.h"

/* The block a hold of gas at cost a block, begun at now, is expected to
 * end at: now + gas / cost - ReserveFor (saturating at the last block
 * number; HoldBound::maximum_for). */
uint32_t gb_hold_maximum_for(uint32_t now, uint64_t gas, uint64_t cost);
/* What a hold from start to expected locks up front: (expected +
 * ReserveFor - start) x cost (lock_amount). */
uint64_t gb_hold_lock(uint32_t start, uint32_t expected, uint64_t cost);
/* What it pays leaving at now: (min(now, expected + ReserveFor) - start)
 * x cost, at most prepaid (charge_for_hold). */
uint64_t gb_hold_charge(uint32_t start, uint32_t expected, uint32_t now,
                        uint64_t cost, uint64_t prepaid);

/* Mailbox message x leaves the mailbox (read, claimed, replied to or out
 * of rent): its gas pays the rent of its stay, the rest goes back to its
 * payer (Gear's read_message_requirements); its reply deposit is left to
 * the caller (the reply's).  (gb_chain_to_user, which holds it:
 * effects.h.) */
gb_err gb_chain_mailbox_release(gb_blk *b, const gb_db_dispatch *x);
/* The automatic reply (Gear's ReplyMessage::auto: empty, success code
 * Auto, from the user) to the program that sent mail x, queued: its gas
 * x's reply deposit (a root paid by x's payer), else 0 (its payer
 * `payer`) — when x is not stored (send_user_message), out of rent
 * (remove_from_mailbox) or claimed (gb_chain_mail_claimed). */
gb_err gb_chain_mail_auto_reply(gb_blk *b, const gb_db_dispatch *x,
                                gb_id payer);
/* Mail x claimed by user: the automatic reply when its sender is still
 * active (Gear's claim_value), else x's reply deposit back to its payer. */
gb_err gb_chain_mail_claimed(gb_blk *b, const gb_db_dispatch *x, gb_id user);

/* What reservation r locked up front for its rent (Gear's reserve_gas
 * note: the Reserved node holds amount + lock_amount, journal.rs:503-577):
 * from its start to its end + ReserveFor. */
uint64_t gb_chain_rsv_lock(const gb_db_reservation *r);
/* Reservation r ends now (expired, unreserved, or used by a message):
 * the rent of the blocks it was held is burned out of its lock
 * (charge_for_hold, StorageType::Reservation) and *left is the rest with
 * its amount — back to its payer, or the gas of the message sent from it
 * (Gear's consume of the Reserved node leaves it to its gasless child). */
gb_err gb_chain_rsv_end(gb_blk *b, const gb_db_reservation *r,
                        uint64_t *left);
/* Every reservation of program pid ended (it exited, or its init failed:
 * Gear's clean_inactive_program, manager/mod.rs:305-311): each pays its
 * rent so far and the rest goes back to its payer. */
gb_err gb_chain_rsv_clear(gb_blk *b, gb_id pid);

/* The block the wait journal j asks for ends at, its holder having gas
 * left after the run (the duration asked, at most what the gas pays). */
uint32_t gb_chain_wait_until(uint32_t now, const gb_journal *j, uint64_t gas);
/* Whether that wait ends with a wake-up (gr_wait_for, a gr_wait_up_to
 * whose gas covered it) rather than a removal. */
bool gb_chain_wait_wakes(const gb_journal *j);
/* The rent waiting message w locked when its wait began. */
uint64_t gb_chain_wait_lock(const gb_db_dispatch *w);

/* A gas estimate's watch on its message (Gear's calculate_gas_info,
 * runtime_api.rs:259-336): after every journal applied, what the
 * message's node holds (get_limit) — its own, or as the holder of the
 * gasless messages that draw on it. */
typedef struct gb_est_watch {
    gb_id root;        /* the estimated message */
    uint64_t low;      /* the least its node held after a journal */
    bool seen;         /* low was set */
    bool root_done;    /* the message's run ended (not waiting) */
    bool plain_wait;   /* a message of its tree that holds gas of its own
                          waited with gr_wait once the message was done
                          (Gear: min_limit = the initial gas) */
    /* Gear's "main chain" (from_main_chain: the root of a message's gas
     * node is the estimated message's): the nodes of the message's tree
     * met so far (key (node, 0)), and what the runs of its messages
     * burned (Gear sums their GasBurned notes).  Messages that are roots
     * of their own — paid by a reply deposit or a reservation, or an
     * automatic reply from a user — are not of it.  Freed by the dry run
     * (gb_idmap_free). */
    gb_idmap tree;
    uint64_t burned;
    bool oom;          /* a node could not be added: the estimate fails */
} gb_est_watch;
/* Called by apply_journal while b->est is set (chain_dryrun.c): x's
 * journal j, whose run burned `burned`, left `value` in the node hold_id
 * it draws on. */
void gb_chain_est_note(gb_blk *b, const gb_db_dispatch *x,
                       const gb_journal *j, gb_id hold_id, uint64_t value,
                       uint64_t burned);

#endif
