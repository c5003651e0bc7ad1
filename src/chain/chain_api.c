/*
 * The chain's public face (gearbox/chain.h): what an embedder calls, in
 * public types (ids as 32 bytes, amounts as gb_chain_value), turned into
 * the chain's own calls (chain/chain.h: gb_chain_open, gb_chain_submit,
 * gb_chain_produce_block ...).  Nothing is decided here: each function
 * converts, calls one function of chain.h and converts back.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "util/mem.h"

static gb_id id_of(const uint8_t b[32])
{
    gb_id id;
    memcpy(id.b, b, 32);
    return id;
}

static gb_u128 u128_of(gb_chain_value v) { return (gb_u128){v.lo, v.hi}; }

gb_err gb_chain_open_with(const gb_chain_options *opts, gb_chain **out,
                          char *detail, size_t detail_len)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    if (opts) {
        cfg.data_dir = opts->data_dir;
        cfg.threads = opts->threads;
        if (opts->block_time_ms)
            cfg.block_time_ms = opts->block_time_ms;
        cfg.nosync = opts->nosync;
    }
    return gb_chain_open(&cfg, out, detail, detail_len);
}

void gb_chain_dev_account(uint32_t i, uint8_t out[32])
{
    gb_id id = gb_dev_account_id(i);
    memcpy(out, id.b, 32);
}

/* tx submitted; *out_id (and *out_msg) its ids as 32 bytes. */
static gb_err submit(gb_chain *c, const gb_tx *tx, uint8_t *out_id,
                     uint8_t *out_msg, char *detail, size_t detail_len)
{
    gb_id id, msg;
    gb_err e = gb_chain_submit_ids(c, tx, &id, &msg, detail, detail_len);
    if (e)
        return e;
    if (out_id)
        memcpy(out_id, id.b, 32);
    if (out_msg)
        memcpy(out_msg, msg.b, 32);
    return GB_OK;
}

gb_err gb_chain_upload_code(gb_chain *c, const uint8_t sender[32],
                            const uint8_t *wasm, size_t len,
                            uint8_t out_code_id[32], char *detail,
                            size_t detail_len)
{
    if (len > UINT32_MAX)
        return GB_INVALID;
    gb_tx tx = {.kind = GB_TX_UPLOAD_CODE, .sender = id_of(sender),
                .code = wasm, .code_len = (uint32_t)len};
    return submit(c, &tx, out_code_id, NULL, detail, detail_len);
}

gb_err gb_chain_create_program(gb_chain *c, const uint8_t sender[32],
                               const uint8_t code_id[32],
                               const uint8_t *salt, size_t salt_len,
                               const uint8_t *payload, size_t payload_len,
                               uint64_t gas_limit, gb_chain_value value,
                               uint8_t out_program[32], uint8_t *out_init,
                               char *detail, size_t detail_len)
{
    if (salt_len > UINT32_MAX || payload_len > UINT32_MAX)
        return GB_INVALID;
    gb_tx tx = {.kind = GB_TX_CREATE_PROGRAM, .sender = id_of(sender),
                .code_id = id_of(code_id),
                .salt = salt, .salt_len = (uint32_t)salt_len,
                .payload = payload, .payload_len = (uint32_t)payload_len,
                .gas_limit = gas_limit, .value = u128_of(value)};
    return submit(c, &tx, out_program, out_init, detail, detail_len);
}

gb_err gb_chain_send_message(gb_chain *c, const uint8_t sender[32],
                             const uint8_t destination[32],
                             const uint8_t *payload, size_t payload_len,
                             uint64_t gas_limit, gb_chain_value value,
                             uint8_t out_msg[32], char *detail,
                             size_t detail_len)
{
    if (payload_len > UINT32_MAX)
        return GB_INVALID;
    gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = id_of(sender),
                .destination = id_of(destination),
                .payload = payload, .payload_len = (uint32_t)payload_len,
                .gas_limit = gas_limit, .value = u128_of(value)};
    return submit(c, &tx, out_msg, NULL, detail, detail_len);
}

gb_err gb_chain_produce(gb_chain *c, gb_chain_block *out)
{
    memset(out, 0, sizeof *out);
    gb_block_result r;
    gb_err e = gb_chain_produce_block(c, &r);
    if (e) {
        gb_block_result_free(&r);
        return e;
    }
    out->height = r.height;
    out->timestamp = r.timestamp;
    memcpy(out->hash, r.hash, 32);
    memcpy(out->state_root, r.state_root, 32);
    out->transactions = r.ntx;
    out->dispatched = r.dispatched;
    out->gas_used = r.gas_used;
    out->queued_left = r.queued_left;
    uint32_t n = 0;
    for (uint32_t i = 0; i < r.nevents; i++)
        n += r.events[i].kind == GB_EV_USER_MESSAGE;
    if (n && !(out->user_msgs = gb_calloc(n, sizeof *out->user_msgs)))
        e = GB_NOMEM;
    for (uint32_t i = 0; !e && i < r.nevents; i++) {
        gb_event *ev = &r.events[i];
        if (ev->kind != GB_EV_USER_MESSAGE)
            continue;
        gb_chain_user_msg *m = &out->user_msgs[out->nuser_msgs++];
        memcpy(m->id, ev->id.b, 32);
        memcpy(m->source, ev->source.b, 32);
        memcpy(m->destination, ev->destination.b, 32);
        m->payload = ev->payload; /* taken over */
        m->payload_len = ev->payload_len;
        ev->payload = NULL;
        m->value = (gb_chain_value){ev->value.lo, ev->value.hi};
        m->is_reply = ev->is_reply;
        memcpy(m->reply_to, ev->reply_to.b, 32);
        memcpy(m->reply_code, ev->reply_code, 4);
    }
    gb_chain_result_recycle(c, &r);
    return e;
}

void gb_chain_block_free(gb_chain_block *b)
{
    for (uint32_t i = 0; i < b->nuser_msgs; i++)
        free(b->user_msgs[i].payload);
    free(b->user_msgs);
    memset(b, 0, sizeof *b);
}

gb_err gb_chain_balance_of(gb_chain *c, const uint8_t id[32],
                           gb_chain_value *out)
{
    gb_u128 v = gb_u128_from(0);
    gb_err e = gb_chain_balance_get(c, id_of(id), &v);
    *out = (gb_chain_value){v.lo, v.hi};
    return e;
}
