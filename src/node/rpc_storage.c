/*
 * Substrate's storage reads over the chain (shared/GEAR-RPC.md §5):
 * state_getStorage, state_queryStorageAt, state_subscribeStorage (with
 * state_storage notifications after each block, of the keys whose value
 * changed: polkadot.js takes account nonces from them) and
 * state_getKeysPaged.
 *
 * The node holds no Substrate trie: a key is recognised by its prefix
 * (twox128(pallet) ‖ twox128(item), constants below) and its value made
 * from the chain's state as Vara's runtime would encode it:
 *
 *   System.Account ‖ blake2_128(id) ‖ id   AccountInfo{nonce = the chain's
 *        next nonce, consumers 0, providers 1, sufficients 0, data{free =
 *        the balance, reserved 0, frozen 0, flags = the new-logic bit}}
 *        (null for an account with neither balance nor nonce)
 *   System.Events      the block's event records (node/sblocks.h), at a
 *                      kept block (`at`); null for an older one
 *   System.Number      u32 best number (or `at`'s)
 *   Timestamp.Now      u64 the block's timestamp
 *   Balances.TotalIssuance  u128 (gb_chain_audit)
 *   GearProgram.ProgramStorage ‖ program id  Program::Active{...} /
 *        Exited(inheritor) / Terminated(inheritor)
 *   GearProgram.CodeMetadataStorage ‖ code id  {original_code_len,
 *        exports, static_pages, stack_end, Instrumented{1, code_len}}
 *        (api.code.exists)
 *   GearProgram.OriginalCodeStorage ‖ code id  the uploaded wasm (Bytes)
 *   GearProgram.MemoryPages ‖ program id ‖ infix u32 LE (0) ‖ page u32 LE
 *        the stored 16 KiB page (api.programStorage.getProgramPages)
 *   GearMessenger.Mailbox ‖ user ‖ message id  (UserStoredMessage{id,
 *        source, destination, payload, value Compact}, Interval{start,
 *        finish})
 *   GearMessenger.Waitlist ‖ program id ‖ message id  (StoredDispatch{kind,
 *        StoredMessage, context None}, Interval{the wait's start, the
 *        block it leaves the waitlist at})
 *   GearVoucher.Issued   u64 vouchers issued (null before the first)
 *   GearVoucher.Vouchers ‖ spender ‖ voucher id  VoucherInfo{owner,
 *        programs Option<BTreeSet>, code_uploading, expiry}
 *
 * Values other than System.Events, System.Number and Timestamp.Now are
 * the last block's whatever `at` says.  Other keys read as null.
 * state_getKeysPaged lists, in key order, what gear-js pages through:
 * one user's mailbox (prefix Mailbox ‖ user), the waitlist (one
 * program's, or all), the programs (ProgramStorage: allUploadedPrograms),
 * the codes (CodeMetadataStorage, OriginalCodeStorage: api.code.all),
 * one program's memory pages and the vouchers (one spender's, or all); [] for other prefixes (the store is not
 * walked by Substrate key).
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "chain/browse.h"
#include "node/rpc_int.h"
#include "node/sblocks.h"
#include "node/subs.h"
#include "node/jsonv.h"
#include "util/hex.h"
#include "util/scale.h"

#define MAX_KEYS 1000u
#define MAX_KEY_LEN 256u

typedef struct prefix {
    const char *hex; /* 32 bytes: twox128(pallet) ‖ twox128(item) */
    uint8_t b[32];
} prefix;

enum {
    K_ACCOUNT,
    K_EVENTS,
    K_NUMBER,
    K_NOW,
    K_ISSUANCE,
    K_PROGRAM,
    K_MAILBOX,
    K_CODE_META,
    K_ORIG_CODE,
    K_PAGES,
    K_WAITLIST,
    K_ISSUED,
    K_VOUCHERS,
    K_COUNT
};

static prefix prefixes[K_COUNT] = {
    [K_ACCOUNT] = {"26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9", {0}},
    [K_EVENTS] = {"26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7", {0}},
    [K_NUMBER] = {"26aa394eea5630e07c48ae0c9558cef702a5c1b19ab7a04f536c519aca4983ac", {0}},
    [K_NOW] = {"f0c365c3cf59d671eb72da0e7a4113c49f1f0515f462cdcf84e0f1d6045dfcbb", {0}},
    [K_ISSUANCE] = {"c2261276cc9d1f8598ea4b6a74b15c2f57c875e4cff74148e4628f264b974c80", {0}},
    [K_PROGRAM] = {"21e18623b1f0110bfe78526b5fa5629c82d53c47fd03d02d3fd1234743c48a59", {0}},
    [K_CODE_META] = {"21e18623b1f0110bfe78526b5fa5629c9cc4aff86f7d7ef3b49a2b25dbfd759a", {0}},
    [K_MAILBOX] = {"18a58b6d6682176908e0320ab4d5d7eafade8a86028f74937a49e1a9f91f61cc", {0}},
    [K_ORIG_CODE] = {"21e18623b1f0110bfe78526b5fa5629cd4d20c8817526c2012606e6aa04c60f6", {0}},
    [K_PAGES] = {"21e18623b1f0110bfe78526b5fa5629c4ddfec7915328dd853a6479a8315bcfe", {0}},
    [K_WAITLIST] = {"18a58b6d6682176908e0320ab4d5d7eaf597276cfcc205027d5028243c0d3f09", {0}},
    [K_ISSUED] = {"5e38fffe33fb515ebc31c6d3f470a67bed937736b9ddad8338981c62dfe7060b", {0}},
    [K_VOUCHERS] = {"5e38fffe33fb515ebc31c6d3f470a67b5037466161af2201334914a1746a4b4c", {0}},
};

static const prefix *pfx(int k)
{
    prefix *p = &prefixes[k];
    size_t n;
    if (!p->b[0] && !p->b[1]) /* decoded once (constants: no race that
                                 matters, the same bytes either way) */
        gb_hex_decode(p->hex, p->b, 32, &n);
    return p;
}

static json_t *nomem(gb_rpc_err *err)
{
    return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
}


/* "0x.." into bytes (malloc'd); false when not hex or too long. */
static bool parse_hex(json_t *v, size_t max, uint8_t **out, size_t *len)
{
    const char *t = json_is_string(v) ? json_string_value(v) : NULL;
    if (!t)
        return false;
    if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
        t += 2;
    size_t n = strlen(t);
    if (n % 2 || n / 2 > max)
        return false;
    uint8_t *b = malloc(n / 2 + 1);
    if (!b || gb_hex_decode(t, b, n / 2, len)) {
        free(b);
        return false;
    }
    *out = b;
    return true;
}

static uint32_t get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* GearMessenger.Waitlist's value: (StoredDispatch{kind, StoredMessage{id,
 * source, destination, payload, value Compact, details}, context None},
 * Interval{start, finish}). */
static void put_waiting(gb_scale_buf *w, const gb_chain_wait_entry *wt)
{
    /* DispatchKind: Init 0, Handle 1, Reply 2, Signal 3 */
    gb_scale_put_u8(w, wt->kind == GB_DISPATCH_INIT    ? 0
                       : wt->kind == GB_DISPATCH_REPLY ? 2
                       : wt->kind == GB_DISPATCH_SIGNAL ? 3
                                                        : 1);
    gb_scale_put_raw(w, wt->id.b, 32);
    gb_scale_put_raw(w, wt->source.b, 32);
    gb_scale_put_raw(w, wt->destination.b, 32);
    gb_scale_put_bytes(w, wt->payload, wt->payload_len);
    gb_scale_put_compact_u128(w, wt->value);
    gb_scale_put_option(w, wt->is_reply);
    if (wt->is_reply) {
        gb_scale_put_u8(w, 0); /* MessageDetails::Reply */
        gb_scale_put_raw(w, wt->reply_to.b, 32);
        gb_sblocks_put_reply_code(w, wt->reply_code);
    }
    gb_scale_put_option(w, false); /* context */
    gb_scale_put_u32(w, wt->since);
    gb_scale_put_u32(w, wt->expires_at);
}

/* The value of key at block number `at`: *out (malloc'd) or NULL for
 * none.  GB_NOMEM. */
static gb_err value_of(gb_rpc *r, const uint8_t *key, size_t len,
                       uint32_t at, uint8_t **out, size_t *out_len)
{
    gb_chain *c = gb_rpc_chain(r);
    gb_sblocks *s = gb_rpc_sblocks(r);
    gb_scale_buf w = {0};
    *out = NULL;
    *out_len = 0;
    if (len < 32)
        return GB_OK;
    if (!memcmp(key, pfx(K_ACCOUNT)->b, 32) && len == 32 + 16 + 32) {
        gb_id id;
        memcpy(id.b, key + 48, 32);
        uint8_t h[16];
        crypto_generichash(h, 16, id.b, 32, NULL, 0);
        if (memcmp(h, key + 32, 16))
            return GB_OK;
        gb_u128 bal = gb_chain_balance(c, id);
        uint64_t nonce = gb_chain_nonce(c, id);
        if (!nonce && gb_u128_is_zero(bal))
            return GB_OK;
        gb_scale_put_u32(&w, (uint32_t)nonce);
        gb_scale_put_u32(&w, 0); /* consumers */
        gb_scale_put_u32(&w, 1); /* providers */
        gb_scale_put_u32(&w, 0); /* sufficients */
        gb_scale_put_u128(&w, bal);
        gb_scale_put_u128(&w, gb_u128_from(0));
        gb_scale_put_u128(&w, gb_u128_from(0));
        uint8_t flags[16] = {0};
        flags[15] = 0x80; /* IS_NEW_LOGIC */
        gb_scale_put_raw(&w, flags, 16);
    } else if (len == 32 && !memcmp(key, pfx(K_EVENTS)->b, 32)) {
        gb_sblock tmp;
        const gb_sblock *b;
        gb_err e = gb_sblocks_get(s, at, &tmp, &b);
        if (e == GB_NOT_FOUND)
            return GB_OK;
        if (e)
            return e;
        if (b->events)
            gb_scale_put_raw(&w, b->events, b->events_len);
        else
            gb_scale_put_compact(&w, 0);
        gb_sblock_clear(&tmp);
    } else if (len == 32 && !memcmp(key, pfx(K_NUMBER)->b, 32)) {
        gb_scale_put_u32(&w, at);
    } else if (len == 32 && !memcmp(key, pfx(K_NOW)->b, 32)) {
        gb_block_header hd;
        if (gb_chain_block_header(c, at, &hd, NULL))
            return GB_OK;
        gb_scale_put_u64(&w, hd.timestamp);
    } else if (len == 32 && !memcmp(key, pfx(K_ISSUANCE)->b, 32)) {
        gb_chain_totals t;
        if (gb_chain_audit(c, &t))
            return GB_OK;
        gb_scale_put_u128(&w, t.issuance);
    } else if (len == 64 && !memcmp(key, pfx(K_PROGRAM)->b, 32)) {
        gb_id id;
        memcpy(id.b, key + 32, 32);
        gb_chain_prog_info pi;
        if (gb_chain_program_info(c, id, &pi))
            return GB_OK;
        if (pi.status <= 1) {
            gb_scale_put_u8(&w, 0);                     /* Active */
            gb_scale_put_u32(&w, pi.allocated_pages);   /* allocations */
            gb_scale_put_u32(&w, 0);                    /* memory_infix */
            gb_scale_put_compact(&w, 0);                /* reservations */
            gb_scale_put_raw(&w, pi.code_id.b, 32);
            if (pi.status == 0) {
                gb_scale_put_u8(&w, 0); /* Uninitialized{message_id} */
                gb_scale_put_raw(&w, pi.init_message.b, 32);
            } else {
                gb_scale_put_u8(&w, 1); /* Initialized */
            }
            gb_scale_put_u32(&w, UINT32_MAX); /* expiration_block */
        } else {
            gb_scale_put_u8(&w, pi.status == 2 ? 1 : 2);
            gb_scale_put_raw(&w, pi.inheritor.b, 32);
        }
    } else if (len == 64 && !memcmp(key, pfx(K_CODE_META)->b, 32)) {
        gb_id id;
        memcpy(id.b, key + 32, 32);
        gb_chain_code_info ci;
        if (gb_chain_code_info_get(c, id, &ci))
            return GB_OK;
        gb_scale_put_u32(&w, ci.code_len);
        uint8_t ex[4];
        uint32_t nex = 0; /* DispatchKind: Init 0, Handle 1, Reply 2,
                             Signal 3 */
        for (uint32_t k = 0; k < 4; k++)
            if (ci.entries & (1u << k))
                ex[nex++] = (uint8_t)k;
        gb_scale_put_compact(&w, nex);
        gb_scale_put_raw(&w, ex, nex);
        gb_scale_put_u32(&w, ci.static_pages);
        gb_scale_put_option(&w, ci.has_stack_end);
        if (ci.has_stack_end)
            gb_scale_put_u32(&w, ci.stack_end);
        gb_scale_put_u8(&w, 1); /* Instrumented */
        gb_scale_put_u32(&w, 1); /* version */
        gb_scale_put_u32(&w, ci.code_len);
    } else if (len == 96 && !memcmp(key, pfx(K_MAILBOX)->b, 32)) {
        gb_id user;
        memcpy(user.b, key + 32, 32);
        gb_chain_mail *m;
        uint32_t n;
        gb_err e = gb_chain_mailbox(c, user, &m, &n);
        if (e == GB_NOMEM)
            return e;
        for (uint32_t i = 0; !e && i < n; i++) {
            if (memcmp(m[i].id.b, key + 64, 32))
                continue;
            gb_scale_put_raw(&w, m[i].id.b, 32);
            gb_scale_put_raw(&w, m[i].source.b, 32);
            gb_scale_put_raw(&w, user.b, 32);
            gb_scale_put_bytes(&w, m[i].payload, m[i].payload_len);
            gb_scale_put_compact_u128(&w, m[i].value);
            gb_scale_put_u32(&w, m[i].start);
            gb_scale_put_u32(&w, m[i].expires_at);
        }
        if (!e)
            gb_chain_mail_free(m, n);
        if (!w.len && !w.oom)
            return GB_OK;
    } else if (len == 64 && !memcmp(key, pfx(K_ORIG_CODE)->b, 32)) {
        gb_id id;
        memcpy(id.b, key + 32, 32);
        uint8_t *code;
        uint32_t n;
        gb_err e = gb_chain_code_original(c, id, &code, &n);
        if (e == GB_NOMEM)
            return e;
        if (e)
            return GB_OK;
        gb_scale_put_bytes(&w, code, n);
        free(code);
    } else if (len == 72 && !memcmp(key, pfx(K_PAGES)->b, 32)) {
        /* program id ‖ memory infix u32 LE (always 0 here) ‖ page u32 LE */
        gb_id id;
        memcpy(id.b, key + 32, 32);
        uint32_t infix = get_u32le(key + 64), page = get_u32le(key + 68);
        uint8_t *buf = malloc(GB_GEAR_PAGE_SIZE);
        if (!buf)
            return GB_NOMEM;
        gb_err e = infix ? GB_NOT_FOUND
                         : gb_chain_page_read(c, id, page, buf);
        if (!e)
            gb_scale_put_raw(&w, buf, GB_GEAR_PAGE_SIZE);
        free(buf);
        if (e == GB_NOMEM)
            return e;
        if (e)
            return GB_OK;
    } else if (len == 96 && !memcmp(key, pfx(K_WAITLIST)->b, 32)) {
        gb_id pid, mid;
        memcpy(pid.b, key + 32, 32);
        memcpy(mid.b, key + 64, 32);
        gb_chain_wait_entry wt;
        gb_err e = gb_chain_waitlist_get(c, pid, mid, &wt);
        if (e == GB_NOMEM)
            return e;
        if (e)
            return GB_OK;
        put_waiting(&w, &wt);
        gb_chain_wait_entry_clear(&wt);
    } else if (len == 32 && !memcmp(key, pfx(K_ISSUED)->b, 32)) {
        uint64_t n = gb_chain_vouchers_issued(c);
        if (!n)
            return GB_OK;
        gb_scale_put_u64(&w, n);
    } else if (len == 96 && !memcmp(key, pfx(K_VOUCHERS)->b, 32)) {
        gb_id spender, id;
        memcpy(spender.b, key + 32, 32);
        memcpy(id.b, key + 64, 32);
        gb_chain_voucher v;
        gb_err e = gb_chain_voucher_get(c, spender, id, &v);
        if (e == GB_NOMEM)
            return e;
        if (e)
            return GB_OK;
        gb_scale_put_raw(&w, v.owner.b, 32);
        gb_scale_put_option(&w, !v.any_program);
        if (!v.any_program) {
            gb_scale_put_compact(&w, v.nprograms);
            for (uint32_t i = 0; i < v.nprograms; i++)
                gb_scale_put_raw(&w, v.programs[i].b, 32);
        }
        gb_scale_put_bool(&w, v.code_uploading);
        gb_scale_put_u32(&w, v.expiry);
    } else {
        return GB_OK;
    }
    return gb_scale_buf_take(&w, out, out_len);
}

static json_t *value_json(gb_rpc *r, const uint8_t *key, size_t len,
                          uint32_t at, bool *bad)
{
    uint8_t *v;
    size_t n;
    if (value_of(r, key, len, at, &v, &n)) {
        *bad = true;
        return NULL;
    }
    if (!v)
        return json_null();
    json_t *o = gb_json_hex(v, n);
    free(v);
    if (!o)
        *bad = true;
    return o;
}

/* The block an `at` param (index idx) names: the best when absent. */
static bool at_param(gb_rpc *r, json_t *params, size_t idx, uint32_t *out,
                     gb_rpc_err *err)
{
    gb_sblocks *s = gb_rpc_sblocks(r);
    json_t *v = gb_rpc_param(params, "at", idx);
    *out = gb_sblocks_best(s);
    if (!v)
        return true;
    uint8_t *h = NULL;
    size_t n = 0;
    if (!parse_hex(v, 32, &h, &n) || n != 32) {
        free(h);
        gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                    "param at: expected a 32-byte block hash");
        return false;
    }
    bool found = gb_sblocks_find(s, h, out);
    free(h);
    if (!found) {
        /* what Substrate says for a block it does not know */
        gb_rpc_fail(err, 4003, "Client error: UnknownBlock: header not found");
        return false;
    }
    return true;
}

json_t *gb_rpc_m_state_get_storage(gb_rpc *r, json_t *params,
                                   gb_rpc_err *err)
{
    uint8_t *key;
    size_t len;
    if (!parse_hex(gb_rpc_param(params, "key", 0), MAX_KEY_LEN, &key, &len))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param key: expected a storage key in hex");
    uint32_t at;
    if (!at_param(r, params, 1, &at, err)) {
        free(key);
        return NULL;
    }
    bool bad = false;
    json_t *o = value_json(r, key, len, at, &bad);
    free(key);
    return bad ? nomem(err) : o;
}

/* params[0] as an array of keys: *keys (each malloc'd) and *n. */
static bool key_list(json_t *params, uint8_t ***keys, size_t **lens,
                     size_t *n, gb_rpc_err *err)
{
    json_t *a = gb_rpc_param(params, "keys", 0);
    if (!json_is_array(a) || json_array_size(a) > MAX_KEYS) {
        gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                    "param keys: expected an array of at most %u storage "
                    "keys",
                    MAX_KEYS);
        return false;
    }
    size_t k = json_array_size(a);
    *keys = calloc(k ? k : 1, sizeof **keys);
    *lens = calloc(k ? k : 1, sizeof **lens);
    if (!*keys || !*lens) {
        free(*keys);
        free(*lens);
        nomem(err);
        return false;
    }
    for (size_t i = 0; i < k; i++)
        if (!parse_hex(json_array_get(a, i), MAX_KEY_LEN, &(*keys)[i],
                       &(*lens)[i])) {
            for (size_t j = 0; j < i; j++)
                free((*keys)[j]);
            free(*keys);
            free(*lens);
            gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                        "param keys[%zu]: expected a storage key in hex", i);
            return false;
        }
    *n = k;
    return true;
}

static void free_keys(uint8_t **keys, size_t *lens, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    free(lens);
}

/* {"block": hash of at, "changes": [[key, value], ...]}; with last (may
 * be NULL), only the keys whose value differs from last[i] (updated). */
static json_t *change_set(gb_rpc *r, uint8_t **keys, size_t *lens, size_t n,
                          uint32_t at, char **last, bool *any)
{
    uint8_t h[32];
    gb_sblocks_hash(gb_rpc_sblocks(r), at, h);
    json_t *ch = json_array();
    bool bad = !ch;
    *any = false;
    for (size_t i = 0; !bad && i < n; i++) {
        json_t *v = value_json(r, keys[i], lens[i], at, &bad);
        if (bad)
            break;
        if (last) {
            const char *t = json_is_string(v) ? json_string_value(v) : NULL;
            bool same = (!t && !last[i]) ||
                        (t && last[i] && !strcmp(t, last[i]));
            /* System.Events changes every block even when equal */
            if (same && !(lens[i] == 32 &&
                          !memcmp(keys[i], pfx(K_EVENTS)->b, 32))) {
                json_decref(v);
                continue;
            }
            free(last[i]);
            last[i] = t ? strdup(t) : NULL;
        }
        *any = true;
        json_t *pair = json_pack("[o,o]", gb_json_hex(keys[i], lens[i]), v);
        bad = !pair || json_array_append_new(ch, pair);
    }
    json_t *o = bad ? NULL
                    : json_pack("{s:o,s:o}", "block", gb_json_hex(h, 32),
                                "changes", ch);
    if (bad)
        json_decref(ch);
    return o;
}

json_t *gb_rpc_m_state_query_storage_at(gb_rpc *r, json_t *params,
                                        gb_rpc_err *err)
{
    uint8_t **keys;
    size_t *lens, n;
    if (!key_list(params, &keys, &lens, &n, err))
        return NULL;
    uint32_t at;
    if (!at_param(r, params, 1, &at, err)) {
        free_keys(keys, lens, n);
        return NULL;
    }
    bool any;
    json_t *set = change_set(r, keys, lens, n, at, NULL, &any);
    free_keys(keys, lens, n);
    json_t *o = set ? json_pack("[o]", set) : NULL;
    return o ? o : nomem(err);
}

/* A storage subscription's keys and their last values sent. */
typedef struct watch {
    uint8_t **keys;
    size_t *lens, n;
    char **last;
} watch;

static void watch_free(void *p)
{
    watch *w = p;
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->last[i]);
    free(w->last);
    free_keys(w->keys, w->lens, w->n);
    free(w);
}

static void send_changes(gb_rpc *r, gb_subs_session *ss, uint64_t id,
                         watch *w, bool all)
{
    bool any;
    uint32_t best = gb_sblocks_best(gb_rpc_sblocks(r));
    if (all)
        for (size_t i = 0; i < w->n; i++) {
            free(w->last[i]);
            w->last[i] = NULL;
        }
    json_t *set = change_set(r, w->keys, w->lens, w->n, best, w->last, &any);
    if (set && (any || all)) {
        char *text = json_dumps(set, JSON_COMPACT);
        if (text)
            gb_subs_notify(ss, "state_storage", id, text);
        free(text);
    }
    json_decref(set);
}

json_t *gb_rpc_m_state_sub_storage(gb_rpc *r, json_t *params,
                                   gb_rpc_err *err)
{
    gb_subs_session *ss = gb_rpc_session(r);
    if (!ss)
        return gb_rpc_fail(err, GB_RPC_METHOD_NOT_FOUND,
                           "subscriptions need a WebSocket connection");
    watch *w = calloc(1, sizeof *w);
    if (!w)
        return nomem(err);
    if (!gb_rpc_param(params, "keys", 0)) { /* every key: none known */
        w->keys = calloc(1, sizeof *w->keys);
        w->lens = calloc(1, sizeof *w->lens);
    } else if (!key_list(params, &w->keys, &w->lens, &w->n, err)) {
        free(w);
        return NULL;
    }
    w->last = calloc(w->n ? w->n : 1, sizeof *w->last);
    if (!w->keys || !w->lens || !w->last) {
        watch_free(w);
        return nomem(err);
    }
    uint64_t id;
    gb_err e = gb_subs_add_data(ss, GB_SUB_STORAGE, w, watch_free, &id);
    if (e == GB_LIMIT)
        return gb_rpc_fail(err, GB_RPC_TOO_LARGE,
                           "too many subscriptions on this connection: "
                           "unsubscribe one first");
    if (e)
        return nomem(err);
    send_changes(r, ss, id, w, true);
    json_t *o = json_integer((json_int_t)id);
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_state_unsub_storage(gb_rpc *r, json_t *params,
                                     gb_rpc_err *err)
{
    gb_subs_session *ss = gb_rpc_session(r);
    json_t *v = gb_rpc_param(params, "subscription", 0);
    if (!json_is_integer(v) && !json_is_string(v))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param subscription: expected the id");
    uint64_t id = json_is_integer(v)
                      ? (uint64_t)json_integer_value(v)
                      : strtoull(json_string_value(v), NULL, 0);
    bool ok = ss && !gb_subs_remove(ss, GB_SUB_STORAGE, id);
    return ok ? json_true() : json_false();
}

/* A storage key listed by state_getKeysPaged. */
typedef struct skey {
    uint8_t len;
    uint8_t b[104];
} skey;

typedef struct keyset {
    skey *v;
    size_t n, cap;
    bool oom;
} keyset;

static skey *keys_add(keyset *ks, const uint8_t *prefix32)
{
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 64;
        skey *p = realloc(ks->v, cap * sizeof *p);
        if (!p) {
            ks->oom = true;
            return NULL;
        }
        ks->v = p;
        ks->cap = cap;
    }
    skey *k = &ks->v[ks->n++];
    memcpy(k->b, prefix32, 32);
    k->len = 32;
    return k;
}

static void key_put(skey *k, const void *p, size_t n)
{
    memcpy(k->b + k->len, p, n);
    k->len = (uint8_t)(k->len + n);
}

static int skey_cmp(const void *a, const void *b)
{
    const skey *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->b, y->b, n);
    return c ? c : (int)x->len - (int)y->len;
}

/* The first id of a listing that starts after start (a key under the
 * same 32-byte prefix): the id in start, or none (from the beginning). */
static const gb_id *start_id(const uint8_t *start, size_t slen,
                             const uint8_t *prefix32, gb_id *buf)
{
    if (!start || slen < 64 || memcmp(start, prefix32, 32))
        return NULL;
    memcpy(buf->b, start + 32, 32);
    return buf;
}

/* The keys under the storage item whose prefix pre starts with, that
 * state_getKeysPaged could answer with (a superset: filtered and ordered
 * by the caller); at most about want of the programs and codes after
 * start. */
static void collect_keys(gb_rpc *r, const uint8_t *pre, size_t plen,
                         const uint8_t *start, size_t slen, size_t want,
                         keyset *ks)
{
    gb_chain *c = gb_rpc_chain(r);
    gb_id after_buf;
    if (plen < 32)
        return;
    if (!memcmp(pre, pfx(K_MAILBOX)->b, 32) && plen >= 64) {
        /* one user's mailbox: Mailbox ‖ user ‖ message id */
        gb_id user;
        memcpy(user.b, pre + 32, 32);
        gb_chain_mail *m = NULL;
        uint32_t n = 0;
        if (gb_chain_mailbox(c, user, &m, &n) == GB_NOMEM)
            ks->oom = true;
        for (uint32_t i = 0; i < n; i++) {
            skey *k = keys_add(ks, pre);
            if (!k)
                break;
            key_put(k, user.b, 32);
            key_put(k, m[i].id.b, 32);
        }
        gb_chain_mail_free(m, n);
    } else if (!memcmp(pre, pfx(K_PROGRAM)->b, 32)) {
        /* ProgramStorage ‖ program id */
        gb_chain_prog_row *rows = NULL;
        uint32_t n = 0;
        const gb_id *after = start_id(start, slen, pre, &after_buf);
        if (gb_chain_list_programs(c, after, (uint32_t)want + 1, &rows,
                                   &n) == GB_NOMEM)
            ks->oom = true;
        for (uint32_t i = 0; i < n; i++) {
            skey *k = keys_add(ks, pre);
            if (!k)
                break;
            key_put(k, rows[i].id.b, 32);
        }
        free(rows);
    } else if (!memcmp(pre, pfx(K_CODE_META)->b, 32) ||
               !memcmp(pre, pfx(K_ORIG_CODE)->b, 32)) {
        /* CodeMetadataStorage / OriginalCodeStorage ‖ code id */
        gb_chain_code_row *rows = NULL;
        uint32_t n = 0;
        const gb_id *after = start_id(start, slen, pre, &after_buf);
        if (gb_chain_list_codes(c, after, (uint32_t)want + 1, &rows, &n) ==
            GB_NOMEM)
            ks->oom = true;
        for (uint32_t i = 0; i < n; i++) {
            skey *k = keys_add(ks, pre);
            if (!k)
                break;
            key_put(k, rows[i].id.b, 32);
        }
        free(rows);
    } else if (!memcmp(pre, pfx(K_WAITLIST)->b, 32)) {
        /* Waitlist ‖ program id ‖ message id (one program's, or all) */
        gb_id owner;
        if (plen >= 64)
            memcpy(owner.b, pre + 32, 32);
        gb_chain_msg_row *rows = NULL;
        uint32_t n = 0;
        if (gb_chain_list_messages(c, GB_PLACE_WAITLIST,
                                   plen >= 64 ? &owner : NULL, NULL,
                                   MAX_KEYS * 16, &rows, &n) == GB_NOMEM)
            ks->oom = true;
        for (uint32_t i = 0; i < n; i++) {
            skey *k = keys_add(ks, pre);
            if (!k)
                break;
            key_put(k, rows[i].owner.b, 32);
            key_put(k, rows[i].id.b, 32);
        }
        gb_chain_msg_rows_free(rows, n);
    } else if (!memcmp(pre, pfx(K_PAGES)->b, 32) && plen >= 64) {
        /* MemoryPages ‖ program id ‖ infix u32 LE (0) ‖ page u32 LE */
        gb_id pid;
        memcpy(pid.b, pre + 32, 32);
        uint32_t *pages = NULL, n = 0;
        if (gb_chain_page_numbers(c, pid, &pages, &n) == GB_NOMEM)
            ks->oom = true;
        for (uint32_t i = 0; i < n; i++) {
            skey *k = keys_add(ks, pre);
            if (!k)
                break;
            uint8_t tail[8] = {0, 0, 0, 0, (uint8_t)pages[i],
                               (uint8_t)(pages[i] >> 8),
                               (uint8_t)(pages[i] >> 16),
                               (uint8_t)(pages[i] >> 24)};
            key_put(k, pid.b, 32);
            key_put(k, tail, 8);
        }
        free(pages);
    } else if (!memcmp(pre, pfx(K_VOUCHERS)->b, 32)) {
        /* Vouchers ‖ spender ‖ voucher id (one spender's, or all) */
        gb_id spender, as, ai;
        if (plen >= 64)
            memcpy(spender.b, pre + 32, 32);
        bool after = start && slen >= 96 &&
                     !memcmp(start, pfx(K_VOUCHERS)->b, 32);
        if (after) {
            memcpy(as.b, start + 32, 32);
            memcpy(ai.b, start + 64, 32);
        }
        gb_chain_voucher_key *rows = NULL;
        uint32_t n = 0;
        if (gb_chain_voucher_list(c, plen >= 64 ? &spender : NULL,
                                  after ? &as : NULL, after ? &ai : NULL,
                                  (uint32_t)want + 1, &rows,
                                  &n) == GB_NOMEM)
            ks->oom = true;
        for (uint32_t i = 0; i < n; i++) {
            skey *k = keys_add(ks, pre);
            if (!k)
                break;
            key_put(k, rows[i].spender.b, 32);
            key_put(k, rows[i].id.b, 32);
        }
        free(rows);
    }
}

json_t *gb_rpc_m_state_keys_paged(gb_rpc *r, json_t *params,
                                  gb_rpc_err *err)
{
    uint8_t *pre = NULL, *start = NULL;
    size_t plen = 0, slen = 0;
    json_t *cv = gb_rpc_param(params, "count", 1);
    if (!parse_hex(gb_rpc_param(params, "prefix", 0), MAX_KEY_LEN, &pre,
                   &plen) ||
        (cv && (!json_is_integer(cv) || json_integer_value(cv) < 0)))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "expected [prefix, count, startKey?, at?]");
    size_t count = cv ? (size_t)json_integer_value(cv) : MAX_KEYS;
    if (count > MAX_KEYS)
        count = MAX_KEYS; /* Substrate's limit too */
    json_t *sv = gb_rpc_param(params, "startKey", 2);
    if (sv && !parse_hex(sv, MAX_KEY_LEN, &start, &slen)) {
        free(pre);
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param startKey: expected a storage key in hex");
    }
    keyset ks = {0};
    collect_keys(r, pre, plen, start, slen, count, &ks);
    if (ks.n)
        qsort(ks.v, ks.n, sizeof *ks.v, skey_cmp);
    json_t *o = json_array();
    bool bad = !o || ks.oom;
    for (size_t i = 0; !bad && i < ks.n && json_array_size(o) < count;
         i++) {
        const skey *k = &ks.v[i];
        if (k->len < plen || memcmp(k->b, pre, plen))
            continue;
        if (start) { /* strictly after startKey */
            size_t n = slen < k->len ? slen : k->len;
            int c = memcmp(k->b, start, n);
            if (c < 0 || (c == 0 && k->len <= slen))
                continue;
        }
        bad = json_array_append_new(o, gb_json_hex(k->b, k->len));
    }
    free(ks.v);
    free(pre);
    free(start);
    if (bad) {
        json_decref(o);
        return nomem(err);
    }
    return o;
}

static void storage_note(void *ctx, gb_subs_session *ss, uint64_t id,
                         void *data)
{
    send_changes(ctx, ss, id, data, false);
}

void gb_rpc_storage_note_block(gb_rpc *r)
{
    gb_subs_each(gb_rpc_subs(r), GB_SUB_STORAGE, storage_note, r);
}
