/*
 * gb_chain_read_state (chain.h): a program's state read at the last
 * committed block — its `state` export run on the read-only call's
 * processor, with pages looked up as the pipeline does (pipeline.h), and
 * nothing written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/effects.h"
#include "chain/pipeline.h"
#include "util/hash.h"
#include "util/mem.h"
/* ---- the state query ----------------------------------------------------- */

static void say(char *detail, size_t len, const char *msg)
{
    if (detail && len) {
        strncpy(detail, msg, len - 1);
        detail[len - 1] = 0;
    }
}

static gb_err read_state(gb_chain *c, gb_id pid, const uint8_t *payload,
                         uint32_t len, uint64_t gas_limit,
                         uint8_t out_code[4], uint8_t **out_payload,
                         uint32_t *out_len, char *detail, size_t detail_len);

gb_err gb_chain_read_state(gb_chain *c, gb_id pid, const uint8_t *payload,
                           uint32_t len, uint64_t gas_limit,
                           uint8_t out_code[4], uint8_t **out_payload,
                           uint32_t *out_len, char *detail,
                           size_t detail_len)
{
    gb_err e = read_state(c, pid, payload, len, gas_limit, out_code,
                          out_payload, out_len, detail, detail_len);
    gb_chain_trim_codes(c); /* the run is over: its code is not in use */
    return e;
}

static gb_err read_state(gb_chain *c, gb_id pid, const uint8_t *payload,
                         uint32_t len, uint64_t gas_limit,
                         uint8_t out_code[4], uint8_t **out_payload,
                         uint32_t *out_len, char *detail, size_t detail_len)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_program p;
    uint8_t *alloc = NULL;
    gb_reservation *resv = NULL;
    uint32_t nresv = 0;
    gb_journal j;
    memset(&j, 0, sizeof j);
    e = gb_chain_prog_load(r, pid, &p, &alloc);
    if (e == GB_NOT_FOUND) {
        say(detail, detail_len, "read_state: not a program");
        goto out;
    }
    if (e)
        goto out;
    if (p.status != GB_PROGRAM_ACTIVE) {
        say(detail, detail_len,
            p.status == GB_PROGRAM_INITIALIZING
                ? "read_state: the program is not initialised yet"
            : p.status == GB_PROGRAM_EXITED
                ? "read_state: the program has exited"
                : "read_state: the program's initialisation failed");
        e = GB_INVALID;
        goto out;
    }
    const gb_gear_code *code;
    if ((e = gb_chain_code(c, r, p.code_id, &code)))
        goto out;
    if (!(code->entries & GB_GEAR_ENTRY_STATE)) {
        /* Gear: "Program doesn't have `state` export" */
        say(detail, detail_len,
            "read_state: the program has no `state` export");
        e = GB_INVALID;
        goto out;
    }
    /* the context of the last committed block (the snapshot's head) */
    gb_block_header h;
    uint32_t height;
    uint8_t head_hash[32];
    if ((e = gb_db_head(r, &height, head_hash)) ||
        (e = gb_db_block_get(r, height, &h)))
        goto out;
    gb_block_ctx bctx;
    gb_block_ctx_default(&bctx, height, h.timestamp);
    if (c->cfg.call_time_ms)
        bctx.deadline_ns = gb_monotonic_ns() + c->cfg.call_time_ms * 1000000u;
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, "gearbox/seed", 12);
    gb_blake2b_update(&st, h.parent_hash, 32);
    gb_blake2b_final(&st, bctx.random_seed);

    gb_page_src src = {.txn = r, .pid = pid};
    uint32_t hot[GB_CHAIN_HOT_PAGES], nhot = 0;
    gb_chain_hot_pages(r, pid, NULL, hot, &nhot);
    if ((e = gb_chain_load_reservations(r, pid, &resv, &nresv)))
        goto out;
    gb_program_view view = {.module = code->module,
                            .hot_pages = hot,
                            .nhot = nhot,
                            .static_pages = p.static_pages,
                            .stack_end = p.stack_end,
                            .allocations = p.allocations,
                            .alloc_pages = p.alloc_pages,
                            .page = gb_chain_page_lookup,
                            .page_user = &src,
                            .balance = p.balance,
                            .locked = bctx.existential_deposit,
                            .reservations = resv,
                            .nreservations = nresv};
    gb_dispatch d = {.kind = GB_DISPATCH_STATE,
                     .destination = pid,
                     .payload = payload,
                     .payload_len = len,
                     /* at most a block's worth (Gear's allowance) */
                     .gas_limit = gas_limit && gas_limit <
                                                   c->cfg.block_gas_limit
                                      ? gas_limit
                                      : c->cfg.block_gas_limit};
    pthread_mutex_lock(&c->call_mu);
    e = gb_process(c->call_proc, &bctx, &view, &d, &j);
    pthread_mutex_unlock(&c->call_mu);
    if (e || (e = src.err))
        goto out;
    if (j.interrupted) {
        char why[160];
        snprintf(why, sizeof why,
                 "read_state: stopped after %llu ms, the node's limit for a "
                 "read-only call (the `state` export runs too long)",
                 (unsigned long long)c->cfg.call_time_ms);
        say(detail, detail_len, why);
        e = GB_LIMIT;
        goto out;
    }
    if (j.outcome == GB_OUTCOME_WAIT || j.outcome == GB_OUTCOME_EXIT) {
        say(detail, detail_len, j.outcome == GB_OUTCOME_WAIT
                                    ? "read_state: the state query waited"
                                    : "read_state: the state query exited");
        e = GB_INVALID;
        goto out;
    }
    if (j.outcome == GB_OUTCOME_SKIPPED) {
        say(detail, detail_len,
            "read_state: the program has no `state` export");
        e = GB_INVALID;
        goto out;
    }
    uint8_t *pl = NULL;
    uint32_t pn = j.has_reply ? j.reply.payload_len : 0;
    if (pn) {
        if (!(pl = gb_malloc(pn))) {
            e = GB_NOMEM;
            goto out;
        }
        memcpy(pl, j.reply.payload, pn);
    }
    if (j.has_reply)
        memcpy(out_code, j.reply.reply_code, 4);
    else
        gb_reply_code_bytes(GB_REPLY_SUCCESS_AUTO, out_code);
    if (j.outcome == GB_OUTCOME_FAILED)
        say(detail, detail_len, j.trap_msg);
    *out_payload = pl;
    *out_len = pn;
out:
    gb_journal_free(&j);
    free(resv);
    free(alloc);
    gb_db_read_end(r);
    return e;
}
