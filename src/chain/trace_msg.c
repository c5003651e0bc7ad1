/*
 * Tracing a message (chain.h, "tracing a message"): the chain replayed
 * from its stored inputs in a scratch copy (replay.c), with a trace
 * (gear/trace.h) on every processor of the scratch chain, until the block
 * where the message last ran.
 */
#include <string.h>

#include "chain/chain_int.h"
#include "gear/trace.h"

typedef struct tracing {
    gb_id id;
    gb_trace *t;
    uint32_t first, last;   /* blocks where it ran (0: not yet) */
    bool done;              /* it ran and does not wait any more */
    gb_chain_trace_info *info;
} tracing;

static void set_all(gb_chain *s, gb_trace *t)
{
    for (unsigned i = 0; i < s->nthreads; i++)
        gb_processor_set_trace(s->procs[i], t);
    if (s->call_proc)
        gb_processor_set_trace(s->call_proc, t);
}

static void opened(void *ctx, gb_chain *s)
{
    tracing *tr = ctx;
    set_all(s, tr->t);
}

static void after_block(void *ctx, gb_chain *s, uint32_t height,
                        const gb_block_result *r)
{
    (void)s;
    tracing *tr = ctx;
    for (uint32_t i = 0; i < r->nevents; i++) {
        const gb_event *e = &r->events[i];
        if (e->kind == GB_EV_DISPATCHED && gb_id_eq(e->id, tr->id)) {
            if (!tr->first)
                tr->first = height;
            tr->last = height;
            tr->info->gas_burned += e->gas_burned;
            tr->info->runs++;
            tr->done = e->outcome != GB_OUTCOME_WAIT;
        }
    }
}

static int stop(void *ctx)
{
    const tracing *tr = ctx;
    return tr->done;
}

gb_err gb_chain_trace_message(gb_chain *c, gb_id id, uint32_t max_blocks,
                              gb_trace *t, gb_chain_trace_info *out)
{
    memset(out, 0, sizeof *out);
    uint32_t h = gb_chain_height(c);
    if (max_blocks && h > max_blocks) {
        snprintf(out->why, sizeof out->why,
                 "the chain has %u blocks: tracing replays them all, more "
                 "than the %u allowed", h, max_blocks);
        return GB_LIMIT;
    }
    tracing tr = {.id = id, .t = t, .info = out};
    gb_chain_replay_opts o = {.threads = 1, .ctx = &tr, .opened = opened,
                              .after_block = after_block, .stop = stop};
    gb_chain_replay_report rep;
    gb_err e = gb_chain_replay(c, &o, &rep);
    out->first_block = tr.first;
    out->last_block = tr.last;
    out->replayed = rep.replayed;
    out->ms = rep.ms;
    if (e) {
        snprintf(out->why, sizeof out->why, "%s", rep.why);
        return e;
    }
    if (rep.bad) {
        snprintf(out->why, sizeof out->why,
                 "the replay differs from the chain at block %u: %.120s",
                 rep.bad, rep.why);
        return GB_INVALID;
    }
    if (!tr.first) {
        snprintf(out->why, sizeof out->why,
                 "no message with that id ran in blocks 1..%u", rep.replayed);
        return GB_NOT_FOUND;
    }
    return GB_OK;
}
