/*
 * Internals shared by the processor (process.c) and the syscalls
 * (syscalls*.c): the state of one run.  Never included outside src/gear/.
 */
#ifndef GB_GEAR_RUN_H
#define GB_GEAR_RUN_H

#include "gear/gas.h"
#include "gear/process.h"
#include "gear/syscalls_table.h"
#include "util/mem.h"

/* Why a syscall stopped the run (the engine sees GB_TRAP_HOST). */
typedef enum gb_stop {
    GB_STOP_NONE,
    GB_STOP_EXIT,     /* gr_exit */
    GB_STOP_LEAVE,    /* gr_leave: success */
    GB_STOP_WAIT,     /* gr_wait* */
    GB_STOP_PANIC,    /* gr_panic: UserspacePanic, payload kept */
    GB_STOP_OOM,      /* gr_oom_panic, allocation failures: MemoryOverflow */
    GB_STOP_BACKEND,  /* forbidden or misused syscall: BackendError */
    GB_STOP_TRAP,     /* a wild pointer and the like: UnreachableInstruction */
} gb_stop;

/* A message being built with gr_send_init / gr_send_push. */
typedef struct gb_send_buf {
    bool open;
    uint8_t *buf;
    uint32_t len, cap;
} gb_send_buf;

typedef struct gb_run {
    gb_processor *p;
    const gb_process_cfg *cfg;
    const gb_block_ctx *blk;
    const gb_program_view *prog;
    const gb_dispatch *d;
    gb_journal *j;
    gb_memory *mem;
    uint8_t *mem_data;        /* gb_memory_data(mem): it never moves */
    gb_msg_context ctx;
    uint8_t *alloc;           /* allocation bitmap, cfg->max_pages bits */
    bool alloc_set;           /* a syscall changed a bit of it (else it is
                                 the view's as the run began) */
    uint32_t heap_start;      /* = static pages */
    gb_send_buf *sends;       /* by handle */
    uint32_t nsends, capsends;
    uint8_t *reply_buf;       /* gr_reply_push */
    uint32_t reply_len, reply_cap;
    uint32_t out_count;       /* messages and creations this run */
    uint64_t out_bytes;
    gb_u128 value_sent;
    uint32_t caps_creates, caps_wakes; /* (the messages': j->msgs_room) */
    uint32_t caps_reserved, caps_unreserved, caps_deposits;
    const gb_gear_costs *costs;
    gb_gear_syscall_id sc;    /* the syscall running: its costs */
    gb_stop stop;
    uint8_t *panic;           /* GB_STOP_PANIC payload */
    uint32_t panic_len;
    uint64_t need;            /* the most gas a passed check asked for
                                 beyond what was used then (fee_check):
                                 used at the check + the fee */
    bool observed;            /* gr_gas_available told the gas left */
    /* last: a run begins with the fields above zero and this "" (the
     * rest of it is not written until a syscall says why it stopped) */
    char why[200];            /* GB_STOP_BACKEND / TRAP detail */
} gb_run;

/* Arrays kept for the journals of a processor's next runs, of one kind
 * (pages or messages): a list through the arrays themselves, each
 * beginning with a gb_room_node while it is kept.  More than one: a
 * wave's runs on a thread release the arrays of the wave before's, one
 * before each run, and the runs that need them may be a wave apart (in
 * Savina's pairs one wave sends, the next replies). */
typedef struct gb_room_node {
    struct gb_room_node *next;
    uint32_t room; /* the array's entries */
} gb_room_node;

typedef struct gb_room_list {
    gb_room_node *head;
    uint32_t n;
} gb_room_list;

/* At most this many arrays in a list, of at most GB_ROOM_KEPT_MAX entries
 * each (a grown array is freed): what a list holds is bounded, and no
 * more than a wave of runs had anyway. */
enum { GB_ROOM_KEPT = 1024, GB_ROOM_KEPT_MAX = 16 };

struct gb_processor {
    gb_process_cfg cfg;
    gb_store *store;
    gb_memory *mem;             /* reused by every run (GB_MEM_KEEP) */
    gb_func *sys[GB_SYS_COUNT]; /* one host function per syscall */
    gb_run *run;                /* the run in progress */
    /* scratch kept between runs (a run allocates as little as it can) */
    uint8_t *alloc_scratch;     /* max_pages/8 + 1 bytes: the bitmap */
    gb_send_buf *sends;         /* cap_sends entries, all zero between
                                   runs: a run's r->sends to start with */
    uint32_t cap_sends;
    gb_room_list spare_pages;   /* arrays of journals released to the
                                   processor (gb_journal_release_to): the
                                   next journals', when they have room
                                   enough (gb_journal_room) */
    gb_room_list spare_msgs;
    gb_lazy *lz_spare;          /* the last eager session's storage
                                   (gb_lazy_free_keep), or NULL */
    gb_extern *imports;         /* cap_imports entries: a run's imports */
    uint8_t *import_sys;        /* cap_imports entries: the syscall id
                                   import i was linked to in the last run
                                   (GB_SYS_COUNT: none), tried first in
                                   the next (its name is compared) */
    uint32_t cap_imports;
    const gb_module *linked;    /* the module imports[] and the gas below are
                                   for (a reference of ours: the address
                                   cannot be another module's while we
                                   hold it), or NULL */
    uint64_t code_gas;          /* its precharge for the instrumented code
                                   and for the instantiation (from its
                                   section sizes and cfg.costs, which the */
    uint64_t inst_gas;          /* processor keeps): process.c, precharge */
    uint32_t entry_at[GB_DISPATCH_STATE + 1]; /* linked's export of each
                                   dispatch kind's entry point, by its
                                   position (gb_instance_export_at), or
                                   UINT32_MAX: none */
    uint64_t marks_hi;          /* granules of the memory's read marks
                                   that may be set: cleared before the
                                   next run (the lazy-page charges) */
    gb_trace *trace;            /* gb_processor_set_trace, or NULL */
    gb_trace *rec;              /* = trace while it records this run */
};

/* syscalls.c: make the host functions of every syscall in p->store. */
gb_err gb_syscalls_register(gb_processor *p);

/* An array of at least n entries of size bytes for a journal of the
 * processor's run: the first of the kept ones (*kept, released by
 * gb_journal_release_to) when it has room enough — it leaves the list —
 * else a new one of at least min entries; its room in *room.  NULL when
 * out of memory.  (Inline: a call would cost what the reuse saves.) */
static inline void *gb_journal_room(gb_room_list *kept, uint32_t n,
                                    uint32_t min, size_t size,
                                    uint32_t *room)
{
    gb_room_node *a = kept->head;
    if (a && a->room >= n) {
        kept->head = a->next;
        kept->n--;
        *room = a->room;
        return a;
    }
    uint32_t m = n > min ? n : min;
    void *b = gb_malloc((size_t)m * size);
    *room = b ? m : 0;
    return b;
}

#endif
