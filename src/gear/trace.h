/*
 * Traces: what one message's runs did and where their gas went.
 *
 * A gb_trace is attached to a processor (gb_processor_set_trace,
 * process.h).  Each run of gb_process whose dispatch it targets is then
 * recorded as one execution — a message may run more than once (after
 * gr_wait and a wake-up), so a trace holds a list of them:
 *
 *   - the dispatch (message id, program id, kind, gas limit), the outcome
 *     and the journal's gas_burned;
 *   - the precharge, step by step (Gear's precharge.rs, process.c);
 *   - every wasm function that ran: calls, the gas of its own instructions
 *     (self) and with everything it called, syscalls included (total),
 *     named from the module's "name" section, else func[N];
 *   - every syscall in order: name, calling function, arguments, results,
 *     the error code it wrote (fallible calls), whether it ended the run
 *     (gr_wait, gr_exit, a panic, running out of gas), and its gas split
 *     into base, per byte, fee (sending, waiting, waking, reservation),
 *     memory (alloc's growth, free_range's pages), given (gas that leaves
 *     with the journal: a message's gas limit, a reservation, a reply
 *     deposit, the system reservation; negative when a reservation the
 *     run made is undone) and
 *     other (what a charge that ran out of gas took);
 *   - the memory pages touched, with their kind and cost (process.c's
 *     lazy-page charges);
 *   - the call tree with gas per node, for flame graphs.
 *
 * The gas adds up exactly, by construction: the engine reports the gas
 * used at every call, return and host call (gb_store_set_profiler,
 * wasm.h), so each unit the engine counted belongs to one function or one
 * syscall, and for every execution
 *
 *   precharge + instructions + syscalls - given + pages = gas_burned
 *
 * where syscalls is the sum of the syscalls' gas and given the gas they
 * gave away — for a failed run only its system reservation, which the
 * journal keeps for the signal (the rest a failed run gave is burned).
 * gb_trace_check tests exactly that against the journal.
 *
 * Recording changes nothing the run computes: traced and untraced runs
 * give the same journal (tests/gear/test_trace_gas.c): a trace only
 * receives what its hooks hand it, and its own failures (out of memory)
 * mark it incomplete instead of failing the run.  Without a trace the
 * hooks cost a test of a pointer (process.c, syscalls*.c) and nothing in
 * the engine's calls and returns (interp.c).
 *
 * Ownership: a trace is made by gb_trace_new and freed by gb_trace_free;
 * it must outlive the processor's use of it (set NULL first, or free the
 * processor).  Everything gb_trace_exec_get and friends return is
 * borrowed from the trace and valid until gb_trace_free.  One trace is
 * used by one thread at a time.  A trace with a target may be attached to
 * every processor of a parallel block (chain/): gb_trace_wants only reads
 * it, and only the processor running the target message records (the
 * runs of one message never overlap); one without a target may not.
 *
 * Output: gb_trace_print (for people), gb_trace_json (for tools: the
 * shape is described at the function), gb_trace_folded (folded stacks,
 * one line per call path: `run 1;handle;parse;gr_read 12345`, the input
 * of flamegraph tools) and gb_trace_flamegraph_svg (an SVG flame graph of
 * gas by call stack, drawn here).  All write to a FILE* the caller owns
 * (open_memstream gives a string, for an RPC answer: json_loads it);
 * they return GB_IO when writing fails, GB_NOMEM when memory runs out.
 */
#ifndef GB_GEAR_TRACE_H
#define GB_GEAR_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gear/ids.h"
#include "gear/process.h"

typedef struct gb_trace gb_trace;

/* target: only dispatches with this message id are recorded (copied);
 * NULL: every run of the processor.  GB_OK or GB_NOMEM. */
gb_err gb_trace_new(const gb_id *target, gb_trace **out_trace);
void gb_trace_free(gb_trace *t); /* NULL is a no-op */

/* ---- what a trace holds (read-only views) ------------------------------ */

/* Where a syscall's gas went (gb_trace_syscall.part). */
typedef enum gb_trace_part {
    GB_TRACE_BASE,     /* the syscall's weight */
    GB_TRACE_PER_BYTE, /* its per-byte weight times the bytes */
    GB_TRACE_FEE,      /* sending, waiting, waking, reservation fees */
    GB_TRACE_MEMORY,   /* alloc's memory growth, free_range per page */
    GB_TRACE_GIVEN,    /* leaves with the journal (not burned) */
    GB_TRACE_OTHER,    /* the rest: a charge that ran out of gas */
    GB_TRACE_PART_COUNT
} gb_trace_part;

/* "base", "per_byte", "fee", "memory", "given", "other" */
const char *gb_trace_part_name(gb_trace_part part);

typedef struct gb_trace_step {
    const char *name; /* static: "program data", "code metadata", ... */
    uint64_t gas;
} gb_trace_step;

typedef struct gb_trace_func {
    uint32_t index;   /* in the module's function index space */
    const char *name; /* from the name section, or "func[N]"; printable
                         ASCII (other bytes become '?') */
    uint64_t calls;
    uint64_t self;    /* gas of its own instructions */
    uint64_t total;   /* with its callees and their syscalls (net of
                         gas given); a recursive function is counted
                         once, at its outermost call */
} gb_trace_func;

#define GB_TRACE_MAX_ARGS 8

typedef struct gb_trace_syscall {
    const char *name;      /* static: "gr_read" ("?" for a host
                              function that is not a syscall) */
    uint32_t caller;       /* the calling function's index */
    const char *caller_name; /* its name, as in gb_trace_func */
    uint32_t nargs, nresults;
    uint64_t args[GB_TRACE_MAX_ARGS]; /* i32 zero-extended, i64 as is */
    uint64_t results[1];   /* alloc, free, free_range: the result, when
                              trap is GB_OK */
    bool has_code;         /* it wrote an error code (fallible calls) */
    uint32_t code;         /* that code: 0 ok, else Gear's error code */
    gb_err trap;           /* GB_OK, or what ended the run here */
    const char *stop;      /* trap set: "wait", "exit", "leave", "panic",
                              "out of memory", "backend error",
                              "trap", or "out of gas"; else NULL */
    int64_t gas;           /* the gas it used (negative when it gave
                              back more than it cost) */
    int64_t part[GB_TRACE_PART_COUNT]; /* sums to gas */
} gb_trace_syscall;

typedef enum gb_trace_page_kind {
    GB_TRACE_PAGE_READ,
    GB_TRACE_PAGE_WRITE,
    GB_TRACE_PAGE_WRITE_AFTER_READ,
} gb_trace_page_kind;

const char *gb_trace_page_kind_name(gb_trace_page_kind k); /* "read", ... */

typedef struct gb_trace_page {
    uint32_t page;         /* 16 KiB gear page */
    gb_trace_page_kind kind;
    bool load;             /* it had stored data (load_page_data) */
    uint64_t gas;          /* all it cost, the load included */
    uint64_t load_gas;     /* the load's part of gas */
} gb_trace_page;

typedef struct gb_trace_exec {
    gb_id message, program;
    gb_dispatch_kind kind;
    uint64_t gas_limit;
    bool done;             /* gb_process returned a journal (else it
                              failed: GB_NOMEM and the like) */
    gb_outcome outcome;    /* done: the journal's */
    uint64_t gas_burned;   /* done: the journal's */
    char trap_msg[256];    /* the journal's, "" on success */
    /* the parts, which add up to gas_burned (gb_trace_check) */
    uint64_t precharge;    /* sum of steps[] */
    uint64_t instructions; /* sum of funcs[].self */
    int64_t syscalls;      /* sum of the syscalls' gas */
    int64_t given;         /* sum of their GIVEN parts; when FAILED,
                              the journal's system_reserved */
    uint64_t pages;        /* what the pages cost: sum of pages[].gas, or
                              less when the run ran out of gas for them
                              (pages_short) */
    bool pages_short;
    int64_t part[GB_TRACE_PART_COUNT]; /* the syscalls' parts, summed */
    const gb_trace_step *steps;
    uint32_t nsteps;
    const gb_trace_func *funcs; /* the wasm functions that ran, largest
                                   total first (syscalls: in sys[]) */
    uint32_t nfuncs;
    const gb_trace_syscall *sys; /* in the order they were called */
    uint32_t nsys;
    uint64_t sys_dropped;  /* calls beyond GB_TRACE_MAX_SYSCALLS, not
                              listed (their gas is in the sums) */
    const gb_trace_page *page_list;
    uint32_t npages;
    bool incomplete;       /* recording ran out of memory: the lists and
                              sums are partial */
} gb_trace_exec;

#define GB_TRACE_MAX_SYSCALLS 100000 /* listed per execution */

uint32_t gb_trace_exec_count(const gb_trace *t);
/* Execution i (0 = the first run), or NULL when i is out of range. */
const gb_trace_exec *gb_trace_exec_get(const gb_trace *t, uint32_t i);
/* The gas burned by all executions. */
uint64_t gb_trace_gas_burned(const gb_trace *t);

/* Whether every finished execution's parts add up to its journal's
 * gas_burned and its call tree to its instructions and syscalls; on a
 * mismatch writes which and by how much into detail (may be NULL). */
bool gb_trace_check(const gb_trace *t, char *detail, size_t detail_len);

/* ---- output ------------------------------------------------------------ */

/* For people: per execution the summary of the gas, the precharge, the
 * syscalls in order, the functions by total gas and the pages. */
gb_err gb_trace_print(const gb_trace *t, FILE *out);

/*
 * JSON, one object:
 *   {"gas_burned": N, "executions": [{
 *      "message": "0x..", "program": "0x..", "kind": "handle",
 *      "gas_limit": N, "outcome": "success", "gas_burned": N,
 *      "trap": "..." (failed runs), "incomplete": false,
 *      "gas": {"precharge": N, "instructions": N, "syscalls": N,
 *              "given": N, "pages": N, "pages_short": false,
 *              "syscall_parts": {"base": N, "per_byte": N, "fee": N,
 *                                "memory": N, "given": N, "other": N}},
 *      "precharge": [{"step": "program data", "gas": N}, ...],
 *      "functions": [{"index": N, "name": "..", "calls": N, "self": N,
 *                     "total": N}, ...]     (by total gas, largest first)
 *      "syscalls": [{"name": "gr_read", "caller": "..", "args": [..],
 *                    "results": [..], "code": N (fallible calls),
 *                    "stop": ".." (if it ended the run), "gas": N,
 *                    "base": N, "per_byte": N, "fee": N, "memory": N,
 *                    "given": N, "other": N}, ...],
 *      "syscalls_dropped": N,
 *      "pages": [{"page": N, "kind": "read", "load": false, "gas": N}],
 *      "stacks": [{"stack": "handle;parse;gr_read", "gas": N}, ...]}]}
 * Gas figures are integers (exact in a double below 2^53).
 */
gb_err gb_trace_json(const gb_trace *t, FILE *out);

/* Folded stacks: "run 1 (handle);handle;parse;gr_read 12345\n" per call
 * path with nonzero gas, plus "run 1 (handle);precharge;program data N"
 * and "run 1 (handle);memory pages;write N" lines; the numbers add up
 * to gb_trace_gas_burned. */
gb_err gb_trace_folded(const gb_trace *t, FILE *out);

/* An SVG flame graph of the same stacks: one rectangle per call path,
 * as wide as its gas, callees stacked above callers, each with a tooltip
 * (<title>: path, gas, share) and a label when it fits. */
gb_err gb_trace_flamegraph_svg(const gb_trace *t, FILE *out);

/* ---- hooks (process.c and syscalls*.c only) ----------------------------- */

/* Whether t records dispatch d. */
bool gb_trace_wants(const gb_trace *t, const gb_dispatch *d);
/* A run of d on prog by p starts: a new execution.  GB_NOMEM. */
gb_err gb_trace_begin(gb_trace *t, gb_processor *p,
                      const gb_program_view *prog, const gb_dispatch *d);
/* The program is about to run on s (its gas set): the profiler goes on. */
void gb_trace_attach(gb_trace *t, gb_store *s);
/* A precharge step was charged (name: static). */
void gb_trace_note_step(gb_trace *t, const char *name, uint64_t gas);
/* The syscall running charged gas for part (GIVEN may be negative: a
 * refund); what it used beyond the parts it noted is OTHER. */
void gb_trace_note_charge(gb_trace *t, gb_trace_part part, int64_t gas);
/* A fallible syscall wrote error code code. */
void gb_trace_note_code(gb_trace *t, uint32_t code);
/* A page was charged (process.c's page_charges): its access and, when it
 * had stored data, its load. */
void gb_trace_note_page(gb_trace *t, uint32_t page, gb_trace_page_kind kind,
                   uint64_t access_gas, uint64_t load_gas);
/* The run had too little gas for its pages: they cost gas (all it had). */
void gb_trace_note_pages_short(gb_trace *t, uint64_t gas);
/* The run ended: the store's gas used (gb_store_gas_used) and, when e is
 * GB_OK, the journal; clears s's profiler. */
void gb_trace_end(gb_trace *t, gb_store *s, gb_err e, const gb_journal *j);

#endif
