/*
 * The explorer's JSON-RPC methods (gearbox_*, docs/rpc.md): lists of the
 * chain's programs, codes, waitlist and mailboxes (chain/browse.h, read
 * from the last committed block, bounded by a limit and paged by the last
 * id), and what the node remembers of recent blocks (node/explore.h):
 * blocks, the messages of a program or user, a message's causal tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/browse.h"
#include "gear/codes.h"
#include "node/jsonv.h"
#include "node/explore.h"
#include "node/rpc_int.h"
#include "util/hex.h"

#define MAX_LIMIT 1000u

static json_t *nomem(gb_rpc_err *err)
{
    return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
}





/* A limit in 1..MAX_LIMIT (dflt when absent). */
static bool p_limit(json_t *params, const char *name, size_t idx,
                    uint32_t dflt, uint32_t *out, gb_rpc_err *err)
{
    json_t *v = gb_rpc_param(params, name, idx);
    *out = dflt;
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > MAX_LIMIT) {
        gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                    "param %s: expected an integer from 1 to %u", name,
                    MAX_LIMIT);
        return false;
    }
    *out = (uint32_t)json_integer_value(v);
    return true;
}

/* An optional id (or, with account, a dev account name too). */
static bool p_opt_id(json_t *params, const char *name, size_t idx,
                     bool account, gb_id *out, bool *has, gb_rpc_err *err)
{
    *has = gb_rpc_param(params, name, idx) != NULL;
    if (!*has)
        return true;
    return account ? gb_rpc_p_account(params, name, idx, out, err)
                   : gb_rpc_p_id(params, name, idx, out, err);
}

static json_t *store_fail(gb_rpc_err *err, gb_err e, const char *what)
{
    if (e == GB_NOMEM)
        return nomem(err);
    return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "%s: %s", what,
                       gb_err_str(e));
}

static const char *status_name(uint32_t s)
{
    static const char *const names[] = {"initializing", "active", "exited",
                                        "terminated"};
    return s < 4 ? names[s] : "unknown";
}

/* ---- methods ---------------------------------------------------------------- */

static json_t *m_stats(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_chain *c = gb_rpc_chain(r);
    gb_chain_stats st;
    gb_err e = gb_chain_stats_get(c, &st);
    if (e)
        return store_fail(err, e, "stats");
    json_t *o = json_object();
    bool bad = !o;
    if (bad)
        return nomem(err);
    gb_json_put(o, "height", json_integer(gb_chain_height(c)), &bad);
    gb_json_put(o, "timestamp", json_integer((json_int_t)gb_chain_timestamp(c)),
        &bad);
    gb_json_put(o, "programs", json_integer((json_int_t)st.programs), &bad);
    gb_json_put(o, "codes", json_integer((json_int_t)st.codes), &bad);
    gb_json_put(o, "queue", json_integer((json_int_t)st.queue), &bad);
    gb_json_put(o, "waitlist", json_integer((json_int_t)st.waitlist), &bad);
    gb_json_put(o, "mailbox", json_integer((json_int_t)st.mailbox), &bad);
    gb_json_put(o, "stash", json_integer((json_int_t)st.stash), &bad);
    gb_json_put(o, "txPool", json_integer((json_int_t)gb_chain_waiting(c)), &bad);
    gb_json_put(o, "oldestKept",
        json_integer(gb_explore_oldest(gb_rpc_explore(r))), &bad);
    if (bad) {
        json_decref(o);
        return nomem(err);
    }
    return o;
}

static json_t *m_blocks(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    uint32_t limit;
    if (!p_limit(params, "limit", 0, 20, &limit, err))
        return NULL;
    json_t *a = gb_explore_blocks(gb_rpc_explore(r), limit);
    return a ? a : nomem(err);
}

static json_t *m_programs(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_id after;
    bool has_after;
    uint32_t limit;
    if (!p_opt_id(params, "after", 0, false, &after, &has_after, err) ||
        !p_limit(params, "limit", 1, 100, &limit, err))
        return NULL;
    gb_chain_prog_row *rows;
    uint32_t n;
    gb_err e = gb_chain_list_programs(gb_rpc_chain(r),
                                      has_after ? &after : NULL, limit, &rows,
                                      &n);
    if (e)
        return store_fail(err, e, "programs");
    json_t *a = json_array();
    bool bad = !a;
    for (uint32_t i = 0; i < n && !bad; i++) {
        const gb_chain_prog_row *p = &rows[i];
        json_t *o = json_object();
        if (!o || json_array_append_new(a, o)) {
            bad = true;
            break;
        }
        gb_json_put(o, "programId", gb_json_id(p->id), &bad);
        gb_json_put(o, "status", json_string(status_name(p->info.status)), &bad);
        gb_json_put(o, "codeId", gb_json_id(p->info.code_id), &bad);
        gb_json_put(o, "balance", gb_json_u128(p->info.balance), &bad);
        gb_json_put(o, "staticPages", json_integer(p->info.static_pages), &bad);
        gb_json_put(o, "allocatedPages", json_integer(p->info.allocated_pages),
            &bad);
        gb_json_put(o, "createdAt", json_integer(p->info.created_at), &bad);
        gb_json_put(o, "waiting", json_integer(p->waiting), &bad);
    }
    free(rows);
    if (bad) {
        json_decref(a);
        return nomem(err);
    }
    return a;
}

static json_t *m_codes(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_id after;
    bool has_after;
    uint32_t limit;
    if (!p_opt_id(params, "after", 0, false, &after, &has_after, err) ||
        !p_limit(params, "limit", 1, 100, &limit, err))
        return NULL;
    gb_chain_code_row *rows;
    uint32_t n;
    gb_err e = gb_chain_list_codes(gb_rpc_chain(r), has_after ? &after : NULL,
                                   limit, &rows, &n);
    if (e)
        return store_fail(err, e, "codes");
    json_t *a = json_array();
    bool bad = !a;
    for (uint32_t i = 0; i < n && !bad; i++) {
        json_t *o = json_object();
        if (!o || json_array_append_new(a, o)) {
            bad = true;
            break;
        }
        gb_json_put(o, "codeId", gb_json_id(rows[i].id), &bad);
        gb_json_put(o, "size", json_integer(rows[i].code_len), &bad);
        gb_json_put(o, "staticPages", json_integer(rows[i].static_pages), &bad);
        gb_json_put(o, "uploadedAt", json_integer(rows[i].uploaded_at), &bad);
    }
    free(rows);
    if (bad) {
        json_decref(a);
        return nomem(err);
    }
    return a;
}

static json_t *stored_messages(gb_rpc *r, json_t *params, gb_chain_place pl,
                               gb_rpc_err *err)
{
    bool acct = pl == GB_PLACE_MAILBOX;
    const char *oname = acct ? "account" : "program";
    gb_id owner, after;
    bool has_owner, has_after;
    uint32_t limit;
    if (!p_opt_id(params, oname, 0, acct, &owner, &has_owner, err) ||
        !p_opt_id(params, "after", 1, false, &after, &has_after, err) ||
        !p_limit(params, "limit", 2, 100, &limit, err))
        return NULL;
    gb_chain_msg_row *rows;
    uint32_t n;
    gb_err e = gb_chain_list_messages(
        gb_rpc_chain(r), pl, has_owner ? &owner : NULL,
        has_after ? &after : NULL, limit, &rows, &n);
    if (e)
        return store_fail(err, e, acct ? "mailboxes" : "waitlist");
    json_t *a = json_array();
    bool bad = !a;
    for (uint32_t i = 0; i < n && !bad; i++) {
        const gb_chain_msg_row *m = &rows[i];
        json_t *o = json_object();
        if (!o || json_array_append_new(a, o)) {
            bad = true;
            break;
        }
        gb_json_put(o, oname, gb_json_id(m->owner), &bad);
        gb_json_put(o, "id", gb_json_id(m->id), &bad);
        gb_json_put(o, "source", gb_json_id(m->source), &bad);
        gb_json_put(o, "destination", gb_json_id(m->destination), &bad);
        bool reply = m->kind == GB_DISPATCH_REPLY;
        gb_json_put(o, "kind",
            json_string(m->kind == GB_DISPATCH_INIT ? "init"
                        : reply                     ? "reply"
                        : m->kind == GB_DISPATCH_SIGNAL ? "signal"
                                                        : "handle"),
            &bad);
        gb_json_put(o, "expiresAt", json_integer(m->expires_at), &bad);
        gb_json_put(o, "value", gb_json_u128(m->value), &bad);
        gb_json_put(o, "gasLimit", json_integer((json_int_t)m->gas_limit), &bad);
        if (reply) {
            gb_json_put(o, "replyTo", gb_json_id(m->reply_to), &bad);
            gb_json_put(o, "replyCode", gb_json_hex(m->reply_code, 4), &bad);
            gb_json_put(o, "replyCodeText",
                json_string(gb_reply_code_str(
                    gb_reply_code_from_bytes(m->reply_code))),
                &bad);
        }
        gb_json_put(o, "payload", gb_json_hex(m->payload, m->payload_len), &bad);
        gb_json_put(o, "payloadLen", json_integer(m->full_len), &bad);
    }
    gb_chain_msg_rows_free(rows, n);
    if (bad) {
        json_decref(a);
        return nomem(err);
    }
    return a;
}

static json_t *m_waitlist(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return stored_messages(r, params, GB_PLACE_WAITLIST, err);
}

static json_t *m_mailboxes(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    return stored_messages(r, params, GB_PLACE_MAILBOX, err);
}

static json_t *m_messages(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_id id;
    uint32_t limit;
    if (!gb_rpc_p_account(params, "id", 0, &id, err) ||
        !p_limit(params, "limit", 1, 50, &limit, err))
        return NULL;
    json_t *o = gb_explore_messages_of(gb_rpc_explore(r), id, limit);
    return o ? o : nomem(err);
}

static json_t *m_tree(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_id id;
    uint32_t max;
    if (!gb_rpc_p_id(params, "messageId", 0, &id, err) ||
        !p_limit(params, "maxNodes", 1, 500, &max, err))
        return NULL;
    json_t *o = gb_explore_tree(gb_rpc_explore(r), id, max);
    return o ? o : nomem(err);
}

static const struct {
    const char *name;
    gb_rpc_method_fn fn;
} methods[] = {
    {"gearbox_stats", m_stats},
    {"gearbox_blocks", m_blocks},
    {"gearbox_programs", m_programs},
    {"gearbox_codes", m_codes},
    {"gearbox_waitlist", m_waitlist},
    {"gearbox_mailboxes", m_mailboxes},
    {"gearbox_messages", m_messages},
    {"gearbox_messageTree", m_tree},
};

gb_rpc_method_fn gb_rpc_explore_method(const char *name,
                                       const char **out_name)
{
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (!strcmp(methods[i].name, name)) {
            *out_name = methods[i].name;
            return methods[i].fn;
        }
    return NULL;
}
