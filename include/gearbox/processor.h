/*
 * gearbox processor — Gear's message processor without a chain: one
 * message delivered to one program held in memory.
 *
 * A gb_gear_program is a program as a chain would store it — its checked
 * and prepared code, its persisted memory pages, its allocations, its
 * balance and whether its init ran — kept in memory by this library.
 * gb_gear_program_run delivers one message to it with a gb_processor (the
 * engine and Gear's syscalls, src/gear/process.h) and reports what the
 * run produced: the outcome, the gas burned, the reply, the messages sent,
 * what gr_debug printed.  The program's memory and balance then become
 * what the run left; nothing else happens — the messages it sent go
 * nowhere, a message that waits is not kept, programs it creates are not
 * created: routing, queues, the waitlist and blocks are the chain's
 * (gearbox/chain.h).  So it is a test bench for one program: feed it
 * messages, look at its replies.
 *
 *   gb_processor *proc;
 *   gb_gear_program *prog;
 *   gb_processor_new_default(&proc);
 *   gb_gear_program_new(wasm, wasm_len, NULL, &prog, NULL, 0);
 *   gb_gear_msg m = {.kind = GB_GEAR_MSG_INIT, .gas_limit = 10000000000};
 *   gb_gear_result r;
 *   gb_gear_program_run(prog, proc, &m, &r);   // r.outcome, r.reply_*
 *   gb_gear_result_free(&r);
 *   gb_gear_program_free(prog);
 *   gb_processor_free(proc);
 *
 * Determinism: a run is a function of the program, the message and the
 * block fields of the message (height, timestamp, random seed): the same
 * inputs give the same result and the same memory on any machine, with
 * any number of processors, as on a gearbox chain.
 *
 * Errors: functions that can fail return a gb_err (gearbox/err.h; GB_OK
 * = 0); those taking detail (may be NULL) write a sentence there
 * (NUL-terminated when detail_len > 0).  A run that traps, panics or runs
 * out of gas is not an error: it is a result (GB_GEAR_FAILED, with Gear's
 * error reply).
 *
 * Ownership: pointers passed in are borrowed for the call.  A result's
 * buffers belong to the caller until gb_gear_result_free.
 *
 * Threads: a gb_processor and a gb_gear_program are each used by one
 * thread at a time; different programs may run at the same time on
 * different processors.
 *
 * This header is self-contained: it includes only gearbox/err.h and the
 * C standard headers.
 */
#ifndef GB_GEARBOX_PROCESSOR_H
#define GB_GEARBOX_PROCESSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the processor ------------------------------------------------------- */

/* The engine and Gear's syscalls with their limits (Vara's gas schedule
 * and limits).  Reusable for any number of runs and programs. */
typedef struct gb_processor gb_processor;

/* A processor with Vara's schedule and limits.  Errors: GB_NOMEM. */
gb_err gb_processor_new_default(gb_processor **out);
/* NULL is a no-op. */
void gb_processor_free(gb_processor *p);

/* ---- a program in memory ----------------------------------------------- */

typedef struct gb_gear_program gb_gear_program;

/* A 128-bit amount (balances, values), as Gear's u128. */
typedef struct gb_gear_value {
    uint64_t lo, hi;
} gb_gear_value;

/*
 * Check and prepare code wasm (len bytes, copied) as Gear does on upload
 * (gearbox/wasm.h limits, the Gear exports and imports), and make a
 * program of it that has not run its init yet: its memory the code's
 * data segments, its balance the existential deposit a chain locks on a
 * new program (1 VARA).  id (32 bytes; NULL: all zero) is the program's
 * id, what gr_program_id reports.
 * Errors: GB_MALFORMED, GB_INVALID, GB_LIMIT (the code is refused as
 * Gear refuses it: detail says why), GB_NOMEM.
 */
gb_err gb_gear_program_new(const uint8_t *wasm, size_t len,
                           const uint8_t *id, gb_gear_program **out,
                           char *detail, size_t detail_len);
/* NULL is a no-op. */
void gb_gear_program_free(gb_gear_program *p);

/* The code id (32 bytes: blake2b-256 of the original code), borrowed
 * from p. */
const uint8_t *gb_gear_program_code_id(const gb_gear_program *p);
/* The balance (the existential deposit included). */
gb_gear_value gb_gear_program_balance(const gb_gear_program *p);
/* Memory pages (16 KiB) with persisted content. */
uint32_t gb_gear_program_pages(const gb_gear_program *p);

/* ---- a run ----------------------------------------------------------------- */

typedef enum gb_gear_msg_kind {
    GB_GEAR_MSG_INIT,   /* the init message: first, and once */
    GB_GEAR_MSG_HANDLE, /* a message (after a successful init) */
    GB_GEAR_MSG_REPLY,  /* a reply to a message the program sent */
} gb_gear_msg_kind;

/* A message and the block it is delivered in.  Zero fields are valid. */
typedef struct gb_gear_msg {
    gb_gear_msg_kind kind;
    uint8_t id[32];            /* the message's id (gr_message_id) */
    uint8_t source[32];        /* its sender (gr_source) */
    const uint8_t *payload;    /* borrowed; payload_len bytes */
    size_t payload_len;
    gb_gear_value value;       /* credited to the program when the run
                                  does not fail */
    uint64_t gas_limit;        /* Vara-sized: a run's precharge alone is
                                  ~50,000,000 */
    uint8_t reply_to[32];      /* REPLY: the message replied to */
    uint8_t reply_code[4];     /* REPLY: Gear's reply code bytes */
    uint32_t height;           /* the block (0: 1) */
    uint64_t timestamp_ms;     /* the block's time */
    uint8_t random_seed[32];   /* what gr_random hashes with its subject */
} gb_gear_msg;

typedef enum gb_gear_outcome {
    GB_GEAR_SUCCESS, /* the entry point returned (or gr_leave) */
    GB_GEAR_SKIPPED, /* the program has no such export: a success */
    GB_GEAR_FAILED,  /* trap, panic, out of gas or memory: nothing of
                        the run stays but the gas it burned; the reply
                        is Gear's error reply */
    GB_GEAR_WAIT,    /* gr_wait*: on a chain it would wait (its memory
                        stays; it is not kept here) */
    GB_GEAR_EXIT,    /* gr_exit: the program takes no more messages */
} gb_gear_outcome;

/* A message the run sent. */
typedef struct gb_gear_sent {
    uint8_t id[32];
    uint8_t destination[32];
    uint8_t *payload; /* payload_len bytes (owned by the result) */
    size_t payload_len;
    gb_gear_value value;
    bool has_gas_limit; /* sent with an explicit gas limit */
    uint64_t gas_limit;
    uint32_t delay;     /* blocks */
} gb_gear_sent;

/* What a run produced. */
typedef struct gb_gear_result {
    gb_gear_outcome outcome;
    uint64_t gas_burned;
    char failure[256];         /* FAILED: what happened, for people */
    bool has_reply;            /* manual, automatic or error reply */
    uint8_t reply_code[4];     /* Gear's reply code bytes */
    uint8_t *reply_payload;    /* reply_len bytes (owned) */
    size_t reply_len;
    gb_gear_value reply_value;
    gb_gear_sent *sent;        /* nsent messages (owned), in order */
    uint32_t nsent;
    char *debug;               /* gr_debug's lines, '\n'-separated,
                                  NUL-terminated (owned; NULL: none) */
} gb_gear_result;

/*
 * Deliver m to p on processor proc and fill *out (free it with
 * gb_gear_result_free, whatever this returns).  When the run does not
 * fail, p's memory, allocations and balance become what it left (the
 * message's value received, the value it sent out; after gr_exit the
 * balance is zero: a chain gives it to the inheritor).  An init that
 * ends marks p initialized, one that fails marks it failed; one that
 * waits leaves it uninitialized.
 * Errors: GB_INVALID (nothing ran, p unchanged) — an init once the
 * init ran, a message before a successful init, anything after gr_exit;
 * GB_NOMEM (the run's changes may be partly in p: free it).
 */
gb_err gb_gear_program_run(gb_gear_program *p, gb_processor *proc,
                           const gb_gear_msg *m, gb_gear_result *out);

/* Frees what r owns (r itself is the caller's); zero fields are fine. */
void gb_gear_result_free(gb_gear_result *r);

#ifdef __cplusplus
}
#endif

#endif
