/*
 * The message processor: one dispatch delivered to one program.
 *
 * gb_process() runs a dispatch (an init, handle, reply or signal message)
 * against a read-only view of a program — its prepared code, its allocated
 * pages and a way to look up its persisted memory pages — in a block
 * context, and returns a journal of everything the run produced: outcome,
 * gas burned, memory pages written, messages sent, the reply, wait/wake/
 * exit, programs to create.  It changes nothing itself; src/chain applies
 * journals to durable state.  A failed run (trap, panic, out of gas or
 * memory) leaves in its journal only the gas burned and Gear's error reply.
 *
 * Threads: a gb_processor is used by one thread at a time; use one per
 * thread to process dispatches to different programs in parallel.
 */
#ifndef GB_GEAR_PROCESS_H
#define GB_GEAR_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "gear/ids.h"
#include "gear/lazy_pages.h"
#include "gear/types.h"
#include "gearbox/processor.h"
#include "gearbox/wasm.h"
#include "util/u128.h"

/* gb_dispatch_kind, gb_msg_context and gb_dispatch: gear/types.h. */

/* The block a dispatch runs in. */
typedef struct gb_block_ctx {
    uint32_t height;
    uint64_t timestamp;     /* milliseconds */
    uint8_t random_seed[32];/* gr_random hashes subject || seed */
    uint32_t random_bn;     /* the block number gr_random reports */
    gb_u128 existential_deposit;
    uint64_t mailbox_threshold;
    uint64_t gas_per_value; /* gr_env_vars gas multiplier */
    gb_u128 value_per_gas;
    uint32_t performance_multiplier; /* percent */
    /* Not consensus: a CLOCK_MONOTONIC deadline in ns (0: none) after which
     * a run stops (gb_store_set_deadline) with journal.interrupted set.
     * Only for runs whose result is thrown away or reported, never
     * committed: read-only calls and gas estimates. */
    uint64_t deadline_ns;
    /* Not consensus either: a gas estimate's dry run, in which
     * gr_gas_available is forbidden (a BackendError trap), as in Gear's
     * calculate_gas_info (runtime_api.rs: a program's result must not
     * depend on the gas it was given while its gas is being found). */
    bool estimating;
} gb_block_ctx;

/* Vara's EXISTENTIAL_DEPOSIT, 1 VARA (vara/runtime/common constants.rs):
 * locked on every program when it is created. */
#define GB_GEAR_EXISTENTIAL_DEPOSIT 1000000000000ull

/* Fill ctx with the defaults of a dev chain (Vara's values where known). */
void gb_block_ctx_default(gb_block_ctx *ctx, uint32_t height, uint64_t ts);

/* A gas reservation of a program (Gear's GasReservationSlot): made by
 * gr_reserve_gas, kept until it expires, is unreserved or pays for a
 * message (gr_reservation_send / gr_reservation_reply). */
typedef struct gb_reservation {
    gb_id id;                  /* reservation(message id, nonce) */
    uint64_t amount;           /* gas */
    uint32_t expires_at;       /* block height */
    uint64_t lock;             /* made by the run: the rent it set aside
                                  besides amount (Ext::reserve_gas:
                                  reservation rent x (reserve_for +
                                  duration)); 0 in the view */
} gb_reservation;

/* The program as it is before the run.  Borrowed for the call. */
typedef struct gb_program_view {
    const gb_module *module;   /* prepared code */
    uint32_t static_pages;     /* 64 KiB pages of static memory */
    uint32_t stack_end;        /* bytes; memory below it is not kept */
    const uint8_t *allocations;/* bitmap over 64 KiB pages (bit p = page p
                                  allocated), alloc_pages bits long */
    uint32_t alloc_pages;
    gb_page_lookup page;       /* persisted 16 KiB pages, trailing zeros
                                  trimmed (async-signal-safe) */
    void *page_user;
    const uint32_t *hot_pages; /* optional: pages to load before the run
                                  (e.g. the persisted ones of a small
                                  program): each saves a fault; any page
                                  may be listed, results are the same */
    uint32_t nhot;
    bool hot_complete;         /* hot_pages lists every page with persisted
                                  content: the run then tracks writes with
                                  the engine's dirty granules instead of
                                  page protection (gb_lazy_begin_eager: no
                                  fault, no system call) */
    gb_u128 balance;
    gb_u128 locked;            /* the part of balance the run may not
                                  spend: the existential deposit locked on
                                  the program (Gear's reducible_balance
                                  leaves it out) */
    bool value_received;       /* the dispatch's value is in balance
                                  already (it ran before and waited): the
                                  value counter does not add it again and
                                  a failed run's error reply carries none
                                  (Gear: only a first execution brings
                                  its value, executor.rs:77-87,
                                  processing.rs:349) */
    const gb_reservation *reservations; /* its existing reservations */
    uint32_t nreservations;
} gb_program_view;

typedef enum gb_outcome {
    GB_OUTCOME_SUCCESS, /* the entry point returned (or gr_leave) */
    GB_OUTCOME_SKIPPED, /* no such export: counts as success */
    GB_OUTCOME_FAILED,  /* trap, panic, out of gas or memory */
    GB_OUTCOME_WAIT,    /* gr_wait*: the message goes to the waitlist */
    GB_OUTCOME_EXIT,    /* gr_exit */
} gb_outcome;

typedef enum gb_wait_kind { GB_WAIT, GB_WAIT_FOR, GB_WAIT_UP_TO } gb_wait_kind;

/* A message the run sent (or its reply).  Payload owned by the journal. */
typedef struct gb_out_msg {
    gb_id id;
    gb_id destination;
    uint8_t *payload;
    uint32_t payload_len;
    gb_u128 value;
    bool has_gas_limit;
    uint64_t gas_limit;
    uint32_t delay;            /* blocks */
    uint8_t reply_code[4];     /* replies only */
    bool from_reservation;     /* gr_reservation_send / _reply: the gas
                                  (gas_limit, has_gas_limit set) is the
                                  whole of that reservation's amount */
    gb_id reservation;
} gb_out_msg;

typedef struct gb_create_req {
    gb_id code_id;
    gb_id program_id;
    gb_out_msg init;           /* the init message (destination = program) */
} gb_create_req;

typedef struct gb_wake_req {
    gb_id message_id;
    uint32_t delay;
} gb_wake_req;

/* A reservation of the program that the run ended (journal.unreserved):
 * either unreserved with gr_unreserve_gas (used false: its amount goes
 * back to whoever paid it), or used by gr_reservation_send / _reply (used
 * true: its gas goes with that message). */
typedef struct gb_unreservation {
    gb_id id;
    uint64_t amount;
    bool used;
} gb_unreservation;

/* gr_reply_deposit: gas for the reply to message_id (sent in this run). */
typedef struct gb_reply_deposit {
    gb_id message_id;
    uint64_t gas;
} gb_reply_deposit;

/* A page the run changed: its new content with the trailing zeros trimmed
 * (len 0, data NULL: the page is all zero now). */
typedef struct gb_page_out {
    uint32_t page;             /* 16 KiB gear page number */
    uint32_t len;              /* <= GB_GEAR_PAGE_SIZE; the rest is zero */
    uint8_t *data;             /* len bytes, malloc'ed, owned by the journal
                                  (a consumer may take it: set it NULL) */
} gb_page_out;

/* Everything a run produced.  Free with gb_journal_free. */
typedef struct gb_journal {
    gb_outcome outcome;
    bool interrupted;          /* FAILED by blk->deadline_ns, not by the
                                  program: the result means nothing */
    gb_err trap;               /* FAILED: the engine's trap code */
    uint32_t signal_code;      /* FAILED: Gear's SignalCode (as u32) of
                                  the failure, what handle_signal gets
                                  when the message made a system
                                  reservation (gear/codes.h) */
    uint64_t gas_burned;       /* used up by the run; the gas limits it
                                  gave to messages (has_gas_limit, not
                                  from_reservation), its new reservations,
                                  reply deposits and system reservation
                                  travel with the journal and are not
                                  included */
    /* Whether the run would be the same with another gas limit L: it
     * would, when it did not run out of gas, did not read its gas
     * (gas_observed: gr_gas_available), and L >= gas_needed — the gas it
     * used (burned and given) or, when more, the most a check it passed
     * asked for (a fee checked and then not burned).  The chain runs a
     * gasless message with the gas its pool had when the run began, and
     * keeps the journal when the pool holds less by the time it is
     * applied if that is so (chain_apply.c). */
    uint64_t gas_needed;
    bool gas_observed;
    /* memory (empty when FAILED) */
    gb_page_out *pages;
    uint32_t npages;
    uint32_t pages_room;       /* entries pages has room for (>= npages):
                                  gb_journal_release_to keeps the array */
    uint8_t *allocations;      /* bitmap after the run; NULL when the
                                  run left it as it was */
    uint32_t alloc_pages;
    /* messages (empty when FAILED) */
    gb_out_msg *msgs;
    uint32_t nmsgs;
    uint32_t msgs_room;        /* entries msgs has room for (>= nmsgs) */
    bool has_reply;            /* also set for auto and error replies */
    gb_out_msg reply;          /* destination = the dispatch's source */
    gb_create_req *creates;
    uint32_t ncreates;
    gb_wake_req *wakes;
    uint32_t nwakes;
    /* gas (empty when FAILED) */
    gb_reservation *reserved;  /* reservations made by the run (expiry =
                                  block height + duration); includes those
                                  it used, not those it unreserved */
    uint32_t nreserved;
    gb_unreservation *unreserved; /* reservations the run ended: of the
                                  view (unreserved or used), or made by the
                                  run and used */
    uint32_t nunreserved;
    gb_reply_deposit *deposits;
    uint32_t ndeposits;
    uint64_t system_reserved;  /* gr_system_reserve_gas in this run (the
                                  total is ctx.system_reservation); kept
                                  when FAILED (not in gas_burned then
                                  either): it pays for the signal */
    /* control */
    gb_wait_kind wait;         /* WAIT */
    uint32_t wait_duration;    /* WAIT_FOR / WAIT_UP_TO: blocks */
    bool wait_full;            /* WAIT_UP_TO: the gas covered the whole
                                  duration (Gear's WaitUpToCalledFull: a
                                  wake-up at its end; otherwise removal) */
    uint64_t wait_reserved;    /* WAIT: gas the wait set aside for the
                                  waitlist's rent (Ext::wait*: waitlist
                                  cost x (reserve_for + 1, or + duration
                                  for wait_for and a full wait_up_to)):
                                  not in gas_burned, it stays with the
                                  message, whose hold then locks it */
    gb_id inheritor;           /* EXIT */
    gb_msg_context ctx;        /* to store with a waiting message */
    /* what gr_debug printed, lines separated by '\n' (NUL-terminated) */
    char *debug;
    uint32_t debug_len;
    /* Last, so that making a journal empty (gb_process, gb_journal_free)
     * zeroes the fields above and only the first byte of this: the bytes
     * after its NUL are unspecified. */
    char trap_msg[256];        /* FAILED: what happened, for people */
} gb_journal;

/* Frees what j owns (j itself not) and leaves j empty: every field zero,
 * trap_msg "" (as gb_process begins it); again on an empty one does
 * nothing more. */
void gb_journal_free(gb_journal *j);
/* Frees what j owns and leaves j's bytes as they were: pointers to what
 * was freed.  For a holder that knows whether j holds a journal (and
 * reads or frees it again only after gb_process filled it anew), which
 * saves making it empty (gb_job, chain/pipeline.h). */
void gb_journal_release(gb_journal *j);
/* gb_journal_release, but j's arrays of pages and messages (not what
 * their entries own) go to p, which gives them to its next runs' journals
 * instead of allocating theirs (a run's allocations are a few hundred
 * instructions of a dispatch's ten thousand); p keeps a bounded number of
 * small ones (run.h, gb_room_list) and frees the rest.  Call on the
 * thread that uses p, while p is not running; j may have been made by
 * any processor. */
void gb_journal_release_to(gb_journal *j, gb_processor *p);

/* Limits of a run. */
typedef struct gb_process_cfg {
    uint32_t max_pages;         /* 64 KiB pages a program may have: 512 */
    uint32_t max_payload;       /* bytes: 8 MiB */
    uint32_t max_outgoing;      /* messages per run: 1024 */
    uint64_t max_outgoing_bytes;/* 64 MiB */
    const struct gb_gear_costs *costs; /* NULL = Vara's,
                                   gb_gear_costs_get() */
    uint32_t max_reservations;  /* Vara's ReservationsLimit: 256 (Gear
                                   allows one more: the check is `>`) */
} gb_process_cfg;

void gb_process_cfg_default(gb_process_cfg *cfg);

/* gb_processor and gb_processor_free: gearbox/processor.h (the public
 * face: a program in memory, gb_gear_program, src/gear/program.c). */

/* cfg is copied (NULL = defaults). */
gb_err gb_processor_new(const gb_process_cfg *cfg, gb_processor **out);

/*
 * Run dispatch d on program prog in block blk; fill out (which the caller
 * then owns and frees with gb_journal_free).  Returns GB_OK whenever a
 * journal was produced — including for a failed run, whose failure is in
 * out->outcome — and an error only when the run could not be attempted
 * (GB_NOMEM, GB_INVAL).
 */
gb_err gb_process(gb_processor *p, const gb_block_ctx *blk,
                  const gb_program_view *prog, const gb_dispatch *d,
                  gb_journal *out);

/*
 * Attach a trace (gear/trace.h; borrowed, NULL detaches): the runs of
 * gb_process whose dispatch the trace targets are recorded into it.
 * Recording does not change what a run computes.  gb_process then also
 * returns GB_NOMEM when the trace could not start an execution.
 */
typedef struct gb_trace gb_trace;
void gb_processor_set_trace(gb_processor *p, gb_trace *t);

#endif
