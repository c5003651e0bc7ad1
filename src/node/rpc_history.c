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
#include <string.h>

#include "chain/chain.h"
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
