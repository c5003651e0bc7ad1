/*
 * The test harness (include/gearbox/testkit.h): a chain (src/chain) plus
 * what a test wants to ask afterwards, gathered from the events of every
 * block it produces.
 *
 * The chain reports what happened to a message only as events of the
 * block that did it, so the harness keeps:
 *   - a table from message id to what became of it: the gas its runs
 *     burned (DISPATCHED) and the reply that reached a user (USER_MESSAGE
 *     replies, filed under reply_to) — open addressing on the id's first
 *     8 bytes, which are uniformly distributed (ids are BLAKE2b hashes);
 *   - every event, copied, until the caller takes them;
 *   - the programs it knows (created by users through it, with their init
 *     message ids from gb_chain_submit_ids, or by programs).
 * The rest it asks the chain: mailboxes (gb_chain_mailbox), balances, the
 * state query (gb_chain_read_state).  Time jumps are blocks with an
 * explicit timestamp (gb_chain_produce_block_at); funding is a value
 * transfer (GB_TX_TRANSFER) from the bank dev account.
 *
 * Snapshots, restore and fork are in testkit_snap.c; the state the two
 * share in testkit_int.h.
 */
#include "gearbox/testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/chain.h"
#include "gear/codes.h"
#include "gear/ids.h"
#include "util/u128.h"
#include "util/mem.h"
#include "testkit/testkit_int.h"

/* The public reply-code values are the gear/codes.h enum values. */
_Static_assert(GB_TK_REPLY_SUCCESS_AUTO == GB_REPLY_SUCCESS_AUTO, "code");
_Static_assert(GB_TK_REPLY_SUCCESS_MANUAL == GB_REPLY_SUCCESS_MANUAL, "code");
_Static_assert(GB_TK_REPLY_RAN_OUT_OF_GAS == GB_REPLY_EXEC_RAN_OUT_OF_GAS, "code");
_Static_assert(GB_TK_VALUE_PER_GAS == GB_CHAIN_VALUE_PER_GAS, "value/gas");
_Static_assert(GB_TK_REPLY_MEMORY_OVERFLOW == GB_REPLY_EXEC_MEMORY_OVERFLOW, "code");
_Static_assert(GB_TK_REPLY_BACKEND_ERROR == GB_REPLY_EXEC_BACKEND_ERROR, "code");
_Static_assert(GB_TK_REPLY_USERSPACE_PANIC == GB_REPLY_EXEC_USERSPACE_PANIC, "code");
_Static_assert(GB_TK_REPLY_UNREACHABLE == GB_REPLY_EXEC_UNREACHABLE_INSTRUCTION, "code");
_Static_assert(GB_TK_REPLY_STACK_LIMIT_EXCEEDED == GB_REPLY_EXEC_STACK_LIMIT_EXCEEDED, "code");
_Static_assert(GB_TK_REPLY_PROGRAM_EXITED == GB_REPLY_UNAVAILABLE_PROGRAM_EXITED, "code");
_Static_assert(GB_TK_REPLY_INITIALIZATION_FAILURE ==
                   GB_REPLY_UNAVAILABLE_INITIALIZATION_FAILURE, "code");
_Static_assert(GB_TK_REPLY_PROGRAM_NOT_CREATED ==
                   GB_REPLY_UNAVAILABLE_PROGRAM_NOT_CREATED, "code");
_Static_assert(GB_TK_REPLY_REMOVED_FROM_WAITLIST == GB_REPLY_REMOVED_FROM_WAITLIST,
               "code");
_Static_assert(sizeof(gb_tk_id) == sizeof(gb_id), "id layout");
_Static_assert((int)GB_TK_EV_WOKEN == (int)GB_EV_WOKEN, "event kinds");
_Static_assert((int)GB_TK_EV_TRANSFER == (int)GB_EV_TRANSFER, "event kinds");
_Static_assert((int)GB_TK_EV_MAILBOX_READ == (int)GB_EV_MAILBOX_READ,
               "event kinds");
_Static_assert((int)GB_TK_OUTCOME_EXIT == (int)GB_OUTCOME_EXIT, "outcomes");
_Static_assert(GB_TK_DEV_ACCOUNTS == GB_DEV_ACCOUNTS, "dev accounts");

/* ---- small public helpers ----------------------------------------------- */

bool gb_tk_id_eq(gb_tk_id a, gb_tk_id b) { return !memcmp(a.b, b.b, 32); }

void gb_tk_id_to_hex(gb_tk_id id, char out[67]) { gb_id_to_hex(to_id(id), out); }

gb_err gb_tk_id_from_hex(const char *hex, gb_tk_id *out)
{
    gb_id id;
    gb_err e = gb_id_from_hex(hex, &id);
    if (!e)
        *out = from_id(id);
    return e;
}

gb_tk_id gb_tk_code_id(const void *code, size_t len)
{
    return from_id(gb_code_id(code, len));
}

const char *gb_tk_reply_code_str(uint32_t code)
{
    uint8_t b[4] = {(uint8_t)code, (uint8_t)(code >> 8), (uint8_t)(code >> 16),
                    (uint8_t)(code >> 24)};
    return gb_reply_code_str(gb_reply_code_from_bytes(b));
}

gb_tk_id gb_tk_dev_account(uint32_t index)
{
    return from_id(gb_dev_account_id(index));
}

const char *gb_tk_detail(const gb_tk *tk) { return tk ? tk->detail : ""; }

/* ---- the message table -------------------------------------------------- */

static size_t slot_of(const msg_rec *t, size_t cap, gb_id id)
{
    uint64_t h;
    memcpy(&h, id.b, 8);
    size_t i = (size_t)h & (cap - 1);
    while (t[i].used && !gb_id_eq(t[i].key, id))
        i = (i + 1) & (cap - 1);
    return i;
}

static const msg_rec *msg_find(const gb_tk *tk, gb_id id)
{
    if (!tk->msg_cap)
        return NULL;
    const msg_rec *r = &tk->msgs[slot_of(tk->msgs, tk->msg_cap, id)];
    return r->used ? r : NULL;
}

/* The record of id, created if absent; NULL when out of memory. */
static msg_rec *msg_get(gb_tk *tk, gb_id id)
{
    if ((tk->msg_n + 1) * 2 > tk->msg_cap) { /* load at most 1/2 */
        size_t cap = tk->msg_cap ? tk->msg_cap * 2 : 256;
        msg_rec *t = gb_calloc(cap, sizeof *t);
        if (!t)
            return NULL;
        for (size_t i = 0; i < tk->msg_cap; i++)
            if (tk->msgs[i].used)
                t[slot_of(t, cap, tk->msgs[i].key)] = tk->msgs[i];
        free(tk->msgs);
        tk->msgs = t;
        tk->msg_cap = cap;
    }
    msg_rec *r = &tk->msgs[slot_of(tk->msgs, tk->msg_cap, id)];
    if (!r->used) {
        memset(r, 0, sizeof *r);
        r->used = true;
        r->key = id;
        tk->msg_n++;
    }
    return r;
}

/* ---- programs ------------------------------------------------------------ */

static prog_rec *prog_find(const gb_tk *tk, gb_id id)
{
    for (size_t i = 0; i < tk->nprogs; i++)
        if (gb_id_eq(tk->progs[i].id, id))
            return &tk->progs[i];
    return NULL;
}

static gb_err prog_add(gb_tk *tk, gb_id id, bool by_user)
{
    prog_rec *p = prog_find(tk, id);
    if (p) {
        p->by_user |= by_user;
        return GB_OK;
    }
    if (!grow((void **)&tk->progs, tk->nprogs, &tk->capprogs, sizeof *tk->progs))
        return GB_NOMEM;
    tk->progs[tk->nprogs++] = (prog_rec){.id = id, .by_user = by_user};
    return GB_OK;
}

gb_tk_id gb_tk_init_message(const gb_tk *tk, gb_tk_id program_id)
{
    const prog_rec *p = prog_find(tk, to_id(program_id));
    gb_tk_id z = {{0}};
    return p && p->has_init ? from_id(p->init_message) : z;
}

/* ---- opening and closing --------------------------------------------------- */

void gb_tk_cfg_default(gb_tk_cfg *cfg)
{
    gb_chain_cfg c;
    gb_chain_cfg_default(&c);
    *cfg = (gb_tk_cfg){.data_dir = NULL,
                       .block_gas_limit = c.block_gas_limit,
                       .block_time_ms = c.block_time_ms,
                       .dev_balance = from_u128(c.initial_balance),
                       .default_gas = 10000000000ull};
}

gb_err gb_tk_new(const gb_tk_cfg *cfg, gb_tk **out, char *detail,
                 size_t detail_len)
{
    *out = NULL;
    gb_tk *tk = gb_calloc(1, sizeof *tk);
    if (!tk)
        return GB_NOMEM;
    if (cfg)
        tk->cfg = *cfg;
    else
        gb_tk_cfg_default(&tk->cfg);
    if (tk->cfg.data_dir) {
        tk->data_dir = gb_strdup(tk->cfg.data_dir);
        if (!tk->data_dir) {
            free(tk);
            return GB_NOMEM;
        }
        tk->cfg.data_dir = tk->data_dir;
    }
    gb_chain_cfg cc;
    gb_chain_cfg_default(&cc);
    cc.data_dir = tk->data_dir;
    cc.block_gas_limit = tk->cfg.block_gas_limit;
    cc.block_time_ms = tk->cfg.block_time_ms;
    cc.initial_balance = to_u128(tk->cfg.dev_balance);
    cc.nosync = true; /* a test: no fsync per block */
    gb_err e = gb_chain_open(&cc, &tk->chain, detail, detail_len);
    if (e) {
        free(tk->data_dir);
        free(tk);
        return e;
    }
    tk->deployer = gb_dev_account_id(0);
    tk->last_ts = gb_chain_timestamp(tk->chain);
    *out = tk;
    return GB_OK;
}

void gb_tk_free(gb_tk *tk)
{
    if (!tk)
        return;
    gb_chain_close(tk->chain);
    for (size_t i = 0; i < tk->msg_cap; i++)
        if (tk->msgs[i].used && tk->msgs[i].replied)
            free((void *)tk->msgs[i].reply.payload);
    free(tk->msgs);
    for (size_t i = 0; i < tk->nstates; i++)
        free(tk->states[i]);
    free(tk->states);
    free(tk->progs);
    gb_tk_events_free(tk->ev, tk->nev);
    if (tk->own_dir)
        gb_db_remove(tk->own_dir);
    free(tk->own_dir);
    free(tk->data_dir);
    free(tk);
}

void gb_tk_set_deployer(gb_tk *tk, gb_tk_id account)
{
    tk->deployer = to_id(account);
}

/* ---- transactions ------------------------------------------------------------ */

static gb_err submit2(gb_tk *tk, const gb_tx *tx, gb_id *out, gb_id *out_msg)
{
    char why[400] = "";
    gb_err e = gb_chain_submit_ids(tk->chain, tx, out, out_msg, why, sizeof why);
    if (e)
        snprintf(tk->detail, sizeof tk->detail, "%s",
                 why[0] ? why : gb_err_str(e));
    return e;
}

static gb_err submit(gb_tk *tk, const gb_tx *tx, gb_id *out)
{
    return submit2(tk, tx, out, NULL);
}

gb_err gb_tk_upload_code(gb_tk *tk, const uint8_t *code, size_t len,
                         gb_tk_id *out_code_id)
{
    clear_detail(tk);
    if (!code && len)
        return fail(tk, GB_INVAL, "upload: no code bytes", NULL);
    if (len > UINT32_MAX)
        return fail(tk, GB_INVALID, "upload: code too large", NULL);
    gb_tx tx = {.kind = GB_TX_UPLOAD_CODE, .sender = tk->deployer,
                .code = code, .code_len = (uint32_t)len};
    gb_id id = gb_code_id(code, len);
    gb_err e = submit(tk, &tx, &id);
    if (e == GB_INVALID && strstr(tk->detail, "already uploaded")) {
        clear_detail(tk); /* the same code: the same id */
        e = GB_OK;
    }
    if (!e && out_code_id)
        *out_code_id = from_id(id);
    return e;
}

static gb_err read_file(gb_tk *tk, const char *path, uint8_t **out,
                        size_t *out_len)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(tk, GB_IO, "cannot open %s", path);
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = gb_malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        uint8_t *n = gb_realloc(buf, cap * 2);
        if (!n) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = n;
        cap *= 2;
    }
    bool err = ferror(f);
    fclose(f);
    if (!buf)
        return fail(tk, GB_NOMEM, "out of memory reading %s", path);
    if (err) {
        free(buf);
        return fail(tk, GB_IO, "cannot read %s", path);
    }
    *out = buf;
    *out_len = len;
    return GB_OK;
}

gb_err gb_tk_upload_code_file(gb_tk *tk, const char *path,
                              gb_tk_id *out_code_id)
{
    clear_detail(tk);
    uint8_t *code;
    size_t len;
    gb_err e = read_file(tk, path, &code, &len);
    if (e)
        return e;
    e = gb_tk_upload_code(tk, code, len, out_code_id);
    free(code);
    if (e) /* say which file */
        prefix_detail(tk, path);
    return e;
}

static gb_err create_from(gb_tk *tk, gb_id sender, gb_tk_id code_id,
                          const void *salt, size_t salt_len,
                          const void *init, size_t init_len,
                          uint64_t gas_limit, gb_tk_u128 value,
                          gb_tk_id *out_program_id)
{
    clear_detail(tk);
    if ((!salt && salt_len) || (!init && init_len))
        return fail(tk, GB_INVAL, "create: NULL salt or payload with a length", NULL);
    if (salt_len > UINT32_MAX || init_len > UINT32_MAX)
        return fail(tk, GB_INVALID, "create: salt or payload too large", NULL);
    gb_tx tx = {.kind = GB_TX_CREATE_PROGRAM, .sender = sender,
                .code_id = to_id(code_id), .salt = salt,
                .salt_len = (uint32_t)salt_len, .payload = init,
                .payload_len = (uint32_t)init_len, .gas_limit = gas_limit,
                .value = to_u128(value)};
    gb_id pid, init_mid;
    gb_err e = submit2(tk, &tx, &pid, &init_mid);
    if (!e)
        e = prog_add(tk, pid, true);
    if (!e) {
        prog_rec *p = prog_find(tk, pid);
        p->init_message = init_mid;
        p->has_init = true;
    }
    if (!e && out_program_id)
        *out_program_id = from_id(pid);
    return e;
}

gb_err gb_tk_create_program(gb_tk *tk, gb_tk_id code_id, const void *salt,
                            size_t salt_len, const void *init_payload,
                            size_t init_len, uint64_t gas_limit,
                            gb_tk_u128 value, gb_tk_id *out_program_id)
{
    return create_from(tk, tk->deployer, code_id, salt, salt_len, init_payload,
                       init_len, gas_limit, value, out_program_id);
}

gb_err gb_tk_upload_program(gb_tk *tk, const char *path,
                            const void *init_payload, size_t init_len,
                            gb_tk_id *out_program_id)
{
    gb_tk_id code;
    gb_err e = gb_tk_upload_code_file(tk, path, &code);
    if (e)
        return e;
    char salt[48];
    /* the height too: unique across systems on one data directory */
    int n = snprintf(salt, sizeof salt, "gearbox/testkit/%u/%u",
                     gb_chain_height(tk->chain), tk->salt_counter++);
    return gb_tk_create_program(tk, code, salt, (size_t)n, init_payload,
                                init_len, tk->cfg.default_gas,
                                gb_tk_u128_from(0), out_program_id);
}

gb_err gb_tk_send(gb_tk *tk, gb_tk_id from, gb_tk_id to, const void *payload,
                  size_t len, uint64_t gas_limit, gb_tk_u128 value,
                  gb_tk_id *out_message_id)
{
    clear_detail(tk);
    if (!payload && len)
        return fail(tk, GB_INVAL, "send: NULL payload with a length", NULL);
    if (len > UINT32_MAX)
        return fail(tk, GB_INVALID, "send: payload too large", NULL);
    gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = to_id(from),
                .destination = to_id(to), .payload = payload,
                .payload_len = (uint32_t)len, .gas_limit = gas_limit,
                .value = to_u128(value)};
    gb_id mid;
    gb_err e = submit(tk, &tx, &mid);
    if (!e && out_message_id)
        *out_message_id = from_id(mid);
    return e;
}

gb_err gb_tk_send_str(gb_tk *tk, gb_tk_id from, gb_tk_id to, const char *text,
                      gb_tk_id *out_message_id)
{
    return gb_tk_send(tk, from, to, text, text ? strlen(text) : 0,
                      tk->cfg.default_gas, gb_tk_u128_from(0), out_message_id);
}

gb_err gb_tk_send_reply(gb_tk *tk, gb_tk_id from, gb_tk_id mail_id,
                        const void *payload, size_t len, uint64_t gas_limit,
                        gb_tk_u128 value, gb_tk_id *out_message_id)
{
    clear_detail(tk);
    if (!payload && len)
        return fail(tk, GB_INVAL, "reply: NULL payload with a length", NULL);
    if (len > UINT32_MAX)
        return fail(tk, GB_INVALID, "reply: payload too large", NULL);
    gb_tx tx = {.kind = GB_TX_SEND_REPLY, .sender = to_id(from),
                .destination = to_id(mail_id), .payload = payload,
                .payload_len = (uint32_t)len, .gas_limit = gas_limit,
                .value = to_u128(value)};
    gb_id mid;
    gb_err e = submit(tk, &tx, &mid);
    if (!e && out_message_id)
        *out_message_id = from_id(mid);
    return e;
}

gb_err gb_tk_claim_value(gb_tk *tk, gb_tk_id from, gb_tk_id mail_id)
{
    clear_detail(tk);
    gb_tx tx = {.kind = GB_TX_CLAIM_VALUE, .sender = to_id(from),
                .destination = to_id(mail_id)};
    return submit(tk, &tx, NULL);
}

/* ---- blocks ------------------------------------------------------------------ */

static gb_err record_event(gb_tk *tk, uint32_t height, const gb_event *ev)
{
    if (!grow((void **)&tk->ev, tk->nev, &tk->capev, sizeof *tk->ev))
        return GB_NOMEM;
    gb_tk_event t = {.kind = (gb_tk_event_kind)ev->kind,
                     .height = height,
                     .id = from_id(ev->id),
                     .source = from_id(ev->source),
                     .destination = from_id(ev->destination),
                     .outcome = ev->kind == GB_EV_MAILBOX_READ
                                    ? (gb_tk_outcome)ev->read_reason
                                    : (gb_tk_outcome)ev->outcome,
                     .gas_burned = ev->gas_burned,
                     .is_reply = ev->is_reply,
                     .reply_to = from_id(ev->reply_to),
                     .reply_code = code_u32(ev->reply_code),
                     .payload_len = ev->payload_len,
                     .value = from_u128(ev->value)};
    if (ev->payload_len && !(t.payload = dup_bytes(ev->payload, ev->payload_len)))
        return GB_NOMEM;
    if (ev->debug && !(t.debug = gb_strdup(ev->debug))) {
        free(t.payload);
        return GB_NOMEM;
    }
    tk->ev[tk->nev++] = t;
    return GB_OK;
}

/* File what one event tells about messages and programs. */
static gb_err note_event(gb_tk *tk, uint32_t height, const gb_event *ev)
{
    switch (ev->kind) {
    case GB_EV_DISPATCHED: {
        msg_rec *r = msg_get(tk, ev->id);
        if (!r)
            return GB_NOMEM;
        r->ran = true;
        r->gas += ev->gas_burned;
        return GB_OK;
    }
    case GB_EV_PROGRAM_CREATED:
        return prog_add(tk, ev->id, false);
    case GB_EV_USER_MESSAGE:
        break;
    default:
        return GB_OK;
    }
    if (ev->is_reply) {
        msg_rec *r = msg_get(tk, ev->reply_to);
        if (!r)
            return GB_NOMEM;
        uint8_t *p = dup_bytes(ev->payload, ev->payload_len);
        if (!p)
            return GB_NOMEM;
        if (r->replied)
            free((void *)r->reply.payload);
        r->replied = true;
        r->reply = (gb_tk_reply){.found = true,
                                 .id = from_id(ev->id),
                                 .source = from_id(ev->source),
                                 .destination = from_id(ev->destination),
                                 .code = code_u32(ev->reply_code),
                                 .payload = p,
                                 .payload_len = ev->payload_len,
                                 .value = from_u128(ev->value),
                                 .height = height};
        memcpy(r->reply.code_bytes, ev->reply_code, 4);
    }
    return GB_OK;
}

/* One block: at timestamp ts, or (at_ts false) the parent's +
 * block_time_ms. */
static gb_err next_block(gb_tk *tk, bool at_ts, uint64_t ts, gb_tk_block *out)
{
    clear_detail(tk);
    gb_block_result r;
    gb_err e = at_ts ? gb_chain_produce_block_at(tk->chain, ts, &r)
                     : gb_chain_produce_block(tk->chain, &r);
    if (e)
        return fail(tk, e, "producing a block: %s", gb_err_str(e));
    for (uint32_t i = 0; !e && i < r.nevents; i++) {
        e = note_event(tk, r.height, &r.events[i]);
        if (!e)
            e = record_event(tk, r.height, &r.events[i]);
    }
    tk->last_ts = r.timestamp;
    if (out) {
        *out = (gb_tk_block){.height = r.height, .timestamp = r.timestamp,
                             .dispatched = r.dispatched, .gas_used = r.gas_used,
                             .queued_left = r.queued_left};
        memcpy(out->state_root, r.state_root, 32);
    }
    gb_chain_result_recycle(tk->chain, &r);
    if (e) /* the block is committed; what the harness knows is partial */
        return fail(tk, e, "recording the block's events: %s", gb_err_str(e));
    return GB_OK;
}

gb_err gb_tk_run_next_block(gb_tk *tk, gb_tk_block *out)
{
    return next_block(tk, false, 0, out);
}

uint64_t gb_tk_pending(gb_tk *tk) { return gb_chain_pending(tk->chain); }

gb_err gb_tk_run_until_idle(gb_tk *tk, uint32_t max_blocks,
                            uint32_t *out_blocks)
{
    clear_detail(tk);
    uint32_t n = 0;
    gb_err e = GB_OK;
    while (gb_chain_pending(tk->chain)) {
        if (n == max_blocks) {
            snprintf(tk->detail, sizeof tk->detail,
                     "still %llu message(s) pending after %u block(s) "
                     "(waiting, delayed or queued)",
                     (unsigned long long)gb_chain_pending(tk->chain), n);
            e = GB_LIMIT;
            break;
        }
        if ((e = gb_tk_run_next_block(tk, NULL)))
            break;
        n++;
    }
    if (out_blocks)
        *out_blocks = n;
    return e;
}

gb_err gb_tk_run_to_height(gb_tk *tk, uint32_t height)
{
    clear_detail(tk);
    while (gb_chain_height(tk->chain) < height) {
        gb_err e = gb_tk_run_next_block(tk, NULL);
        if (e)
            return e;
    }
    return GB_OK;
}

uint32_t gb_tk_height(const gb_tk *tk) { return gb_chain_height(tk->chain); }

uint64_t gb_tk_timestamp(const gb_tk *tk) { return tk->last_ts; }

gb_err gb_tk_run_to_timestamp(gb_tk *tk, uint64_t ts_ms)
{
    clear_detail(tk);
    if (ts_ms <= tk->last_ts)
        return GB_OK;
    if (!tk->cfg.block_time_ms)
        return fail(tk, GB_UNSUPPORTED,
                    "time does not move: block_time_ms is 0", NULL);
    while (tk->last_ts < ts_ms) {
        gb_err e = gb_tk_run_next_block(tk, NULL);
        if (e)
            return e;
    }
    return GB_OK;
}

gb_err gb_tk_advance_time(gb_tk *tk, uint64_t ms)
{
    clear_detail(tk);
    if (!ms)
        return GB_OK;
    if (ms > UINT64_MAX - tk->last_ts)
        return fail(tk, GB_LIMIT, "advance_time: the timestamp overflows%s",
                    NULL);
    uint64_t to = tk->last_ts + ms, bt = tk->cfg.block_time_ms;
    /* ordinary blocks while they stay below the target, then one at it */
    while (bt && to - tk->last_ts > bt) {
        gb_err e = gb_tk_run_next_block(tk, NULL);
        if (e)
            return e;
    }
    return next_block(tk, true, to, NULL);
}

gb_err gb_tk_set_timestamp(gb_tk *tk, uint64_t ts_ms)
{
    clear_detail(tk);
    if (ts_ms <= tk->last_ts)
        return fail(tk, GB_INVALID,
                    "set_timestamp: a block's timestamp must be later than "
                    "the last block's%s", NULL);
    return next_block(tk, true, ts_ms, NULL);
}

/* ---- funding ------------------------------------------------------------------ */

gb_err gb_tk_fund(gb_tk *tk, gb_tk_id account, gb_tk_u128 amount)
{
    clear_detail(tk);
    gb_id who = to_id(account);
    if (gb_actor_id_is_system(who))
        return fail(tk, GB_INVAL, "fund: the system actor has no balance", NULL);
    if (!amount.lo && !amount.hi)
        return GB_OK;
    gb_tx tx = {.kind = GB_TX_TRANSFER,
                .sender = gb_dev_account_id(GB_TK_BANK_ACCOUNT),
                .destination = who, .value = to_u128(amount)};
    gb_err e = submit(tk, &tx, NULL);
    if (e) {
        prefix_detail(tk, "fund: the bank (dev account 7)");
        return e;
    }
    return gb_tk_run_next_block(tk, NULL);
}

/* ---- queries ------------------------------------------------------------------- */

gb_tk_reply gb_tk_reply_of(const gb_tk *tk, gb_tk_id message_id)
{
    const msg_rec *r = msg_find(tk, to_id(message_id));
    gb_tk_reply none = {.found = false};
    return r && r->replied ? r->reply : none;
}

bool gb_tk_reply_is(const gb_tk_reply *r, uint32_t code, const char *text)
{
    if (!r->found || r->code != code)
        return false;
    if (!text)
        return true;
    size_t n = strlen(text);
    return r->payload_len == n && (!n || !memcmp(r->payload, text, n));
}

static int mail_cmp(const void *a, const void *b)
{
    const gb_tk_mail *x = a, *y = b;
    if (x->height != y->height)
        return x->height < y->height ? -1 : 1;
    return memcmp(x->id.b, y->id.b, 32);
}

gb_err gb_tk_mailbox(gb_tk *tk, gb_tk_id user, gb_tk_mail **out, size_t *out_n)
{
    clear_detail(tk);
    *out = NULL;
    *out_n = 0;
    gb_chain_mail *m;
    uint32_t n;
    gb_err e = gb_chain_mailbox(tk->chain, to_id(user), &m, &n);
    if (e)
        return fail(tk, e, "mailbox: %s", gb_err_str(e));
    if (!n)
        return GB_OK;
    gb_tk_mail *v = gb_calloc(n, sizeof *v);
    if (!v) {
        gb_chain_mail_free(m, n);
        return fail(tk, GB_NOMEM, "out of memory", NULL);
    }
    for (uint32_t i = 0; i < n; i++) {
        v[i] = (gb_tk_mail){.id = from_id(m[i].id),
                            .source = from_id(m[i].source),
                            .destination = user,
                            .payload = m[i].payload, /* moved */
                            .payload_len = m[i].payload_len,
                            .value = from_u128(m[i].value),
                            .is_reply = m[i].is_reply,
                            .reply_code = m[i].is_reply
                                              ? code_u32(m[i].reply_code)
                                              : 0,
                            .height = m[i].start};
        m[i].payload = NULL;
    }
    gb_chain_mail_free(m, n);
    qsort(v, n, sizeof *v, mail_cmp);
    *out = v;
    *out_n = n;
    return GB_OK;
}

void gb_tk_mail_free(gb_tk_mail *mail, size_t n)
{
    if (!mail)
        return;
    for (size_t i = 0; i < n; i++)
        free(mail[i].payload);
    free(mail);
}

gb_tk_u128 gb_tk_balance(gb_tk *tk, gb_tk_id id)
{
    return from_u128(gb_chain_balance(tk->chain, to_id(id)));
}

gb_tk_u128 gb_tk_tx_fee(gb_tk *tk, uint32_t bytes)
{
    gb_tx tx = {.payload = (const uint8_t *)"", .payload_len = bytes};
    return from_u128(gb_chain_tx_fee(gb_chain_config(tk->chain), &tx));
}

gb_err gb_tk_gas_burned(const gb_tk *tk, gb_tk_id message_id, uint64_t *out_gas)
{
    const msg_rec *r = msg_find(tk, to_id(message_id));
    if (!r || !r->ran)
        return GB_NOT_FOUND;
    *out_gas = r->gas;
    return GB_OK;
}

gb_err gb_tk_read_state(gb_tk *tk, gb_tk_id program, const void *payload,
                        size_t len, gb_tk_reply *out)
{
    clear_detail(tk);
    memset(out, 0, sizeof *out);
    if (!payload && len)
        return fail(tk, GB_INVAL, "read_state: NULL payload with a length",
                    NULL);
    if (len > UINT32_MAX)
        return fail(tk, GB_INVALID, "read_state: payload too large", NULL);
    if (!grow((void **)&tk->states, tk->nstates, &tk->capstates,
              sizeof *tk->states))
        return fail(tk, GB_NOMEM, "out of memory", NULL);
    uint8_t code[4], *pl = NULL;
    uint32_t n = 0;
    char why[300] = "";
    gb_err e = gb_chain_read_state(tk->chain, to_id(program), payload,
                                   (uint32_t)len, tk->cfg.block_gas_limit,
                                   code, &pl, &n, why, sizeof why);
    if (e)
        return fail(tk, e, "%s", why[0] ? why : gb_err_str(e));
    if (why[0]) /* a failed run: its error reply, and why */
        snprintf(tk->detail, sizeof tk->detail, "read_state: %s", why);
    if (pl)
        tk->states[tk->nstates++] = pl;
    *out = (gb_tk_reply){.found = true,
                         .source = program,
                         .code = code_u32(code),
                         .payload = pl,
                         .payload_len = n,
                         .height = gb_chain_height(tk->chain)};
    memcpy(out->code_bytes, code, 4);
    return GB_OK;
}

gb_err gb_tk_take_events(gb_tk *tk, gb_tk_event **out, size_t *out_n)
{
    clear_detail(tk);
    *out = tk->nev ? tk->ev : NULL;
    *out_n = tk->nev;
    if (!tk->nev)
        free(tk->ev);
    tk->ev = NULL;
    tk->nev = tk->capev = 0;
    return GB_OK;
}

void gb_tk_events_free(gb_tk_event *ev, size_t n)
{
    if (!ev)
        return;
    for (size_t i = 0; i < n; i++) {
        free(ev[i].payload);
        free(ev[i].debug);
    }
    free(ev);
}

