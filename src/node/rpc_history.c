/*
 * JSON-RPC methods about the chain's identity and history (chain.h,
 * "replaying blocks", "snapshots and forks"):
 *
 *   gearbox_chainInfo -> {"chainId": "0x..", "fork": null |
 *       {"height": N, "head": "0x.."}, "cluster": null | {...}}: the id
 *       transactions are signed for (node/tx.h) — a fork's own — where
 *       the chain forked, and the replica's view of its cluster
 *       (node/cluster.h: name, sequencer, holder, diverged, ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "gear/trace.h"
#include "node/jsonv.h"
#include "node/rpc_int.h"

json_t *gb_rpc_m_chain_info(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    (void)params;
    gb_chain_fork fk;
    gb_err e = gb_chain_fork_info(gb_rpc_chain(r), &fk);
    if (e)
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "fork record: %s",
                           gb_err_str(e));
    json_t *o = json_object(), *f = fk.forked ? json_object() : json_null();
    bool bad = !o || !f;
    gb_json_put(o, "chainId", gb_json_hex(gb_rpc_config(r)->chain_id, 32),
                &bad);
    if (fk.forked) {
        gb_json_put(f, "height", json_integer(fk.height), &bad);
        gb_json_put(f, "head", gb_json_hex(fk.head_hash, 32), &bad);
    }
    gb_json_put(o, "fork", f, &bad);
    const gb_rpc_cfg *cfg = gb_rpc_config(r);
    gb_json_put(o, "cluster",
                cfg->cluster_info ? cfg->cluster_info(cfg->submit_ctx)
                                  : json_null(),
                &bad);
    if (bad) {
        json_decref(o);
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
    }
    return o;
}

/*
 *   gearbox_traceMessage {messageId, svg?: bool} -> {"firstBlock": N,
 *       "lastBlock": N, "runs": N, "gasBurned": N (the chain's events),
 *       "replayedBlocks": N, "ms": F, "trace": {...gb_trace_json},
 *       "text": "...gb_trace_print", "folded": "...", "svg": "..." (with
 *       svg)}: the message re-run from the stored state of its block
 *       (chain.h, "tracing a message"); nothing changes.  Refused for a
 *       chain longer than GB_RPC_TRACE_MAX_BLOCKS (the replay takes as
 *       long as its blocks did).
 */
#define GB_RPC_TRACE_MAX_BLOCKS 20000u

/* What write(t, f) writes, as a malloc'd string (NULL: failed). */
static char *written(const gb_trace *t, gb_err (*write)(const gb_trace *,
                                                          FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    gb_err e = write(t, f);
    if (fclose(f) || e) {
        free(buf);
        return NULL;
    }
    return buf;
}

json_t *gb_rpc_m_trace_message(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_id id;
    if (!gb_rpc_p_id(params, "messageId", 0, &id, err))
        return NULL;
    json_t *sv = gb_rpc_param(params, "svg", 1);
    bool svg = sv && json_is_true(sv);
    gb_trace *t = NULL;
    if (gb_trace_new(&id, &t))
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
    gb_chain_trace_info info;
    gb_err e = gb_chain_trace_message(gb_rpc_chain(r), id,
                                      GB_RPC_TRACE_MAX_BLOCKS, t, &info);
    if (e) {
        gb_trace_free(t);
        return gb_rpc_fail(err,
                           e == GB_NOT_FOUND ? GB_RPC_NOT_FOUND
                           : e == GB_LIMIT || e == GB_INVALID
                               ? GB_RPC_INVALID_PARAMS
                               : GB_RPC_INTERNAL_ERROR,
                           "cannot trace the message: %s",
                           info.why[0] ? info.why : gb_err_str(e));
    }
    char *js = written(t, gb_trace_json), *text = written(t, gb_trace_print),
         *folded = written(t, gb_trace_folded),
         *svgs = svg ? written(t, gb_trace_flamegraph_svg) : NULL;
    gb_trace_free(t);
    json_t *tj = js ? json_loads(js, 0, NULL) : NULL;
    json_t *o = json_object();
    bool bad = !o || !tj || !text || !folded || (svg && !svgs);
    gb_json_put(o, "firstBlock", json_integer(info.first_block), &bad);
    gb_json_put(o, "lastBlock", json_integer(info.last_block), &bad);
    gb_json_put(o, "runs", json_integer(info.runs), &bad);
    gb_json_put(o, "gasBurned", json_integer((json_int_t)info.gas_burned),
                &bad);
    gb_json_put(o, "replayedBlocks", json_integer(info.replayed), &bad);
    gb_json_put(o, "ms", json_real(info.ms), &bad);
    gb_json_put(o, "trace", tj, &bad);
    gb_json_put(o, "text", json_string(text ? text : ""), &bad);
    gb_json_put(o, "folded", json_string(folded ? folded : ""), &bad);
    if (svg)
        gb_json_put(o, "svg", json_string(svgs ? svgs : ""), &bad);
    free(js);
    free(text);
    free(folded);
    free(svgs);
    if (bad) {
        json_decref(o);
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
    }
    return o;
}
