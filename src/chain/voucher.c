/*
 * Vouchers: Vara's GearVoucher pallet (chain.h, "vouchers").
 *
 * Here: the arguments of issue and update (SCALE, as the extrinsic has
 * them), Gear's checks of the four voucher transactions and of a prepaid
 * call's voucher (gb_chain_voucher_check: at submit and again at apply),
 * their effects (gb_chain_voucher_apply), and the queries.  chain.c
 * charges them: a voucher transaction's fee (and an issue's balance, an
 * update's top-up) from its sender, a prepaid call's fee and gas from the
 * voucher's account, its value from the sender; the dispatch of a prepaid
 * message has the voucher as its origin, so the gas it leaves comes back
 * to the voucher.
 *
 * Gear's semantics kept (vara/pallets/gear-voucher/src/{lib,internal}.rs):
 * a voucher issued in block h for duration d expires at h + d + 1 and is
 * usable while the block is below that; duration (and an update's
 * resulting duration) within [MinDuration, MaxDuration]; at most
 * MaxProgramsAmount programs; revoke only by the owner and only once
 * expired, moving the whole balance back and keeping the voucher (no
 * event when the balance is zero); decline sets the expiry to the
 * current block; an update that changes nothing is no event.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/chain_int.h"
#include "chain/effects.h"
#include "chain/voucher.h"
#include "util/hash.h"
#include "util/scale.h"

#define META_ISSUED "voucher_issued"
#define MAXP GB_DB_VOUCHER_MAX_PROGRAMS

_Static_assert(GB_CHAIN_VOUCHER_MAX_PROGRAMS == GB_DB_VOUCHER_MAX_PROGRAMS,
               "one limit");

gb_id gb_chain_voucher_id(uint64_t n)
{
    uint8_t b[7 + 8];
    memcpy(b, "voucher", 7);
    for (int i = 0; i < 8; i++)
        b[7 + i] = (uint8_t)(n >> (8 * i));
    gb_id id;
    gb_blake2b256(b, sizeof b, id.b);
    return id;
}

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* sort ids[0, n) and drop duplicates: the new count */
static uint32_t set_of(gb_id *ids, uint32_t n)
{
    if (n < 2)
        return n;
    qsort(ids, n, sizeof *ids, cmp_id);
    uint32_t k = 1;
    for (uint32_t i = 1; i < n; i++)
        if (!gb_id_eq(ids[i], ids[k - 1]))
            ids[k++] = ids[i];
    return k;
}

/* BTreeSet<[u8; 32]> of n <= MAXP ids at q: the end */
static uint8_t *put_set(uint8_t *q, const gb_id *programs, uint32_t n)
{
    gb_id s[MAXP];
    if (n > MAXP)
        n = MAXP;
    memcpy(s, programs, n * sizeof *s);
    n = set_of(s, n);
    *q++ = (uint8_t)(n << 2); /* compact, n < 64 */
    memcpy(q, s, n * sizeof *s);
    return q + n * 32;
}

size_t gb_chain_voucher_issue_args(const gb_id *programs, uint32_t n,
                                   bool code_uploading, uint32_t duration,
                                   uint8_t *out)
{
    uint8_t *q = out;
    *q++ = programs != NULL;
    if (programs)
        q = put_set(q, programs, n);
    *q++ = code_uploading;
    for (int i = 0; i < 4; i++)
        *q++ = (uint8_t)(duration >> (8 * i));
    return (size_t)(q - out);
}

size_t gb_chain_voucher_update_args(const gb_id *new_owner,
                                    bool programs_set, const gb_id *programs,
                                    uint32_t n, int code_uploading,
                                    uint32_t prolong, uint8_t *out)
{
    uint8_t *q = out;
    *q++ = new_owner != NULL;
    if (new_owner) {
        memcpy(q, new_owner->b, 32);
        q += 32;
    }
    *q++ = programs_set;
    if (programs_set) {
        *q++ = programs != NULL;
        if (programs)
            q = put_set(q, programs, n);
    }
    *q++ = code_uploading >= 0;
    if (code_uploading >= 0)
        *q++ = code_uploading != 0;
    *q++ = prolong != 0;
    for (int i = 0; prolong && i < 4; i++)
        *q++ = (uint8_t)(prolong >> (8 * i));
    return (size_t)(q - out);
}

/* ---- decoding the arguments ----------------------------------------------- */

/* A BTreeSet<[u8; 32]> at rd into s (sorted, deduplicated); false when
 * malformed or over MAXP (*over set for the latter). */
static bool get_set(gb_scale_reader *rd, gb_id *s, uint32_t *n, bool *over)
{
    uint64_t len;
    const uint8_t *p;
    if (gb_scale_get_compact(rd, UINT32_MAX, &len))
        return false;
    if (len > MAXP) {
        *over = true;
        return false;
    }
    if (gb_scale_get_raw(rd, (size_t)len * 32, &p))
        return false;
    memcpy(s, p, (size_t)len * 32);
    *n = set_of(s, (uint32_t)len);
    return true;
}

typedef struct vargs {
    /* issue */
    bool any;
    uint32_t n;
    gb_id programs[MAXP];
    bool code_uploading;
    uint32_t duration;
    /* update */
    bool has_owner, has_append, has_code, has_prolong;
    gb_id owner;
    uint32_t prolong;
} vargs;

/* The payload of an issue or an update: NULL, or why it is malformed. */
static const char *decode_args(const gb_tx *tx, vargs *a)
{
    gb_scale_reader rd;
    gb_scale_reader_init(&rd, tx->payload, tx->payload ? tx->payload_len : 0);
    memset(a, 0, sizeof *a);
    bool some, over = false, ok;
    const uint8_t *p;
    if (tx->kind == GB_TX_VOUCHER_ISSUE) {
        ok = !gb_scale_get_option(&rd, &some) &&
             (!some || get_set(&rd, a->programs, &a->n, &over)) &&
             !gb_scale_get_bool(&rd, &a->code_uploading) &&
             !gb_scale_get_u32(&rd, &a->duration);
        a->any = !some;
    } else {
        ok = !gb_scale_get_option(&rd, &a->has_owner) &&
             (!a->has_owner || !gb_scale_get_raw(&rd, 32, &p));
        if (ok && a->has_owner)
            memcpy(a->owner.b, p, 32);
        ok = ok && !gb_scale_get_option(&rd, &a->has_append);
        if (ok && a->has_append) {
            ok = !gb_scale_get_option(&rd, &some) &&
                 (!some || get_set(&rd, a->programs, &a->n, &over));
            a->any = !some;
        }
        ok = ok && !gb_scale_get_option(&rd, &a->has_code) &&
             (!a->has_code || !gb_scale_get_bool(&rd, &a->code_uploading)) &&
             !gb_scale_get_option(&rd, &a->has_prolong) &&
             (!a->has_prolong || !gb_scale_get_u32(&rd, &a->prolong));
    }
    if (over)
        return "MaxProgramsLimitExceeded: more than 32 programs";
    if (!ok || gb_scale_left(&rd))
        return "malformed voucher arguments";
    return NULL;
}

/* ---- Gear's checks ------------------------------------------------------- */

static bool lists(const gb_db_voucher *v, gb_id program)
{
    if (v->any_program)
        return true;
    return bsearch(&program, v->programs, v->nprograms, sizeof(gb_id),
                   cmp_id) != NULL;
}

static bool found(gb_err e, gb_err *le)
{
    if (e && e != GB_NOT_FOUND)
        *le = e;
    return !e;
}

/* What an update makes of voucher v at height: *v changed, *changed
 * whether anything changed (the balance top-up aside); NULL or why not. */
static const char *update(const vargs *a, uint32_t height, gb_db_voucher *v,
                          bool *changed)
{
    *changed = false;
    if (a->has_owner && !gb_id_eq(a->owner, v->owner)) {
        v->owner = a->owner;
        *changed = true;
    }
    if (a->has_append && a->any) {
        *changed |= !v->any_program;
        v->any_program = true;
        v->nprograms = 0;
    } else if (a->has_append && !v->any_program) {
        gb_id s[2 * MAXP];
        memcpy(s, v->programs, v->nprograms * sizeof *s);
        memcpy(s + v->nprograms, a->programs, a->n * sizeof *s);
        uint32_t n = set_of(s, v->nprograms + a->n);
        if (n > MAXP)
            return "MaxProgramsLimitExceeded: more than 32 programs";
        *changed |= n != v->nprograms;
        memcpy(v->programs, s, n * sizeof *s);
        v->nprograms = n;
    }
    if (a->has_code && a->code_uploading != v->code_uploading) {
        if (!a->code_uploading)
            return "CodeUploadingEnabled: code uploading cannot be taken "
                   "back from a voucher";
        v->code_uploading = true;
        *changed = true;
    }
    if (a->has_prolong && a->prolong) {
        uint64_t expiry, duration;
        if (v->expiry >= height) { /* still valid: from its expiry */
            expiry = (uint64_t)v->expiry + a->prolong;
            duration = (uint64_t)(v->expiry - height) + a->prolong;
        } else {
            expiry = (uint64_t)height + a->prolong + 1;
            duration = a->prolong;
        }
        if (duration < GB_CHAIN_VOUCHER_MIN_DURATION ||
            duration > GB_CHAIN_VOUCHER_MAX_DURATION)
            return "DurationOutOfBounds: the voucher's validity would be "
                   "outside [20, 2419200] blocks";
        v->expiry = expiry > UINT32_MAX ? UINT32_MAX : (uint32_t)expiry;
        *changed = true;
    }
    return NULL;
}

const char *gb_chain_voucher_check(gb_db_txn *txn, const gb_tx *tx,
                                   uint32_t height, gb_err *le)
{
    gb_db_voucher v;
    vargs a;
    const char *why;
    bool changed;
    switch (tx->kind) {
    case GB_TX_VOUCHER_ISSUE:
        if ((why = decode_args(tx, &a)))
            return why;
        if (a.duration < GB_CHAIN_VOUCHER_MIN_DURATION ||
            a.duration > GB_CHAIN_VOUCHER_MAX_DURATION)
            return "DurationOutOfBounds: a voucher's duration is 20 to "
                   "2419200 blocks";
        return NULL;
    case GB_TX_VOUCHER_UPDATE:
        if ((why = decode_args(tx, &a)))
            return why;
        /* fall through */
    case GB_TX_VOUCHER_REVOKE:
        if (!found(gb_db_voucher_get(txn, tx->destination, tx->voucher, &v),
                   le))
            return *le ? NULL : "InexistentVoucher: no such voucher of "
                                "this spender";
        if (!gb_id_eq(v.owner, tx->sender))
            return "BadOrigin: only the voucher's owner may do this";
        if (tx->kind == GB_TX_VOUCHER_UPDATE)
            return update(&a, height, &v, &changed);
        if (height < v.expiry)
            return "IrrevocableYet: the voucher has not expired";
        return NULL;
    default:
        break;
    }
    /* decline, or a prepaid call: a voucher of the sender's, active */
    if (!found(gb_db_voucher_get(txn, tx->sender, tx->voucher, &v), le))
        return *le ? NULL : "InexistentVoucher: the sender has no such "
                            "voucher";
    if (height >= v.expiry)
        return "VoucherExpired: the voucher has expired";
    if (tx->kind == GB_TX_UPLOAD_CODE && !v.code_uploading)
        return "CodeUploadingDisabled: the voucher does not pay for code "
               "uploads";
    if (tx->kind == GB_TX_SEND_MESSAGE && !lists(&v, tx->destination))
        return "InappropriateDestination: the voucher does not list this "
               "program";
    if (tx->kind == GB_TX_SEND_REPLY && !v.any_program) {
        gb_db_dispatch mb;
        if (!found(gb_db_mailbox_get(txn, tx->sender, tx->destination, &mb),
                   le))
            return *le ? NULL : "UnknownDestination: no such message in "
                                "the sender's mailbox";
        if (!lists(&v, mb.d.source))
            return "InappropriateDestination: the voucher does not list "
                   "the program replied to";
    }
    return NULL;
}

/* ---- applying ------------------------------------------------------------ */

gb_err gb_chain_voucher_apply(gb_blk *b, const gb_ptx *p)
{
    const gb_tx *tx = &p->tx;
    gb_db_txn *txn = b->txn;
    gb_db_voucher v;
    vargs a;
    bool changed;
    gb_err e;
    gb_event ev = {.id = tx->voucher, .destination = tx->destination};
    switch (tx->kind) {
    case GB_TX_VOUCHER_ISSUE: {
        uint64_t n;
        if (decode_args(tx, &a)) /* checked before */
            return GB_OK;
        if ((e = gb_db_meta_get_u64(txn, META_ISSUED, 0, &n)) ||
            (e = gb_db_meta_put_u64(txn, META_ISSUED, n + 1)))
            return e;
        gb_id id = gb_chain_voucher_id(n + 1);
        uint64_t expiry = (uint64_t)b->height + a.duration + 1;
        v = (gb_db_voucher){.owner = tx->sender,
                            .expiry = expiry > UINT32_MAX ? UINT32_MAX
                                                          : (uint32_t)expiry,
                            .code_uploading = a.code_uploading,
                            .any_program = a.any, .nprograms = a.n};
        memcpy(v.programs, a.programs, a.n * sizeof *a.programs);
        if ((e = gb_db_voucher_put(txn, tx->destination, id, &v)) ||
            (e = gb_chain_account_add(b, id, tx->value)))
            return e;
        ev.kind = GB_EV_VOUCHER_ISSUED;
        ev.id = id;
        ev.source = tx->sender;
        ev.value = tx->value;
        break;
    }
    case GB_TX_VOUCHER_UPDATE:
        if (decode_args(tx, &a) ||
            (e = gb_db_voucher_get(txn, tx->destination, tx->voucher, &v)))
            return GB_OK; /* checked before */
        {
            gb_id old_owner = v.owner;
            if (update(&a, b->height, &v, &changed))
                return GB_OK;
            if ((e = gb_chain_account_add(b, tx->voucher, tx->value)))
                return e;
            if (!changed && gb_u128_is_zero(tx->value))
                return GB_OK; /* Gear's no-op: no event */
            if ((e = gb_db_voucher_put(txn, tx->destination, tx->voucher,
                                       &v)))
                return e;
            if (!gb_id_eq(old_owner, v.owner))
                ev.source = v.owner;
        }
        ev.kind = GB_EV_VOUCHER_UPDATED;
        ev.value = tx->value;
        break;
    case GB_TX_VOUCHER_REVOKE: {
        gb_db_account acc;
        if ((e = gb_db_voucher_get(txn, tx->destination, tx->voucher, &v)))
            return e == GB_NOT_FOUND ? GB_OK : e;
        if ((e = gb_db_account_get(txn, tx->voucher, &acc)) &&
            e != GB_NOT_FOUND)
            return e;
        if (gb_u128_is_zero(acc.balance))
            return GB_OK; /* Gear: a no-op, no event */
        gb_u128 all = acc.balance;
        acc.balance = gb_u128_from(0);
        if ((e = gb_db_account_put(txn, tx->voucher, &acc)) ||
            (e = gb_chain_account_add(b, v.owner, all)))
            return e;
        ev.kind = GB_EV_VOUCHER_REVOKED;
        ev.value = all;
        break;
    }
    case GB_TX_VOUCHER_DECLINE:
        if ((e = gb_db_voucher_get(txn, tx->sender, tx->voucher, &v)))
            return e == GB_NOT_FOUND ? GB_OK : e;
        v.expiry = b->height;
        if ((e = gb_db_voucher_put(txn, tx->sender, tx->voucher, &v)))
            return e;
        ev.kind = GB_EV_VOUCHER_DECLINED;
        ev.destination = tx->sender;
        break;
    default:
        return GB_OK;
    }
    return gb_chain_event(b, ev, NULL, 0, NULL);
}

/* ---- queries ------------------------------------------------------------- */

gb_err gb_chain_voucher_get(gb_chain *c, gb_id spender, gb_id id,
                            gb_chain_voucher *out)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_voucher v;
    gb_db_account acc;
    if (!(e = gb_db_voucher_get(r, spender, id, &v))) {
        e = gb_db_account_get(r, id, &acc);
        if (e == GB_NOT_FOUND)
            e = GB_OK;
    }
    gb_db_read_end(r);
    if (e)
        return e;
    memset(out, 0, sizeof *out);
    out->owner = v.owner;
    out->expiry = v.expiry;
    out->code_uploading = v.code_uploading;
    out->any_program = v.any_program;
    out->nprograms = v.nprograms;
    memcpy(out->programs, v.programs, v.nprograms * sizeof *v.programs);
    out->balance = acc.balance;
    return GB_OK;
}

gb_err gb_chain_voucher_list(gb_chain *c, const gb_id *spender,
                             const gb_id *after_spender,
                             const gb_id *after_id, uint32_t limit,
                             gb_chain_voucher_key **out, uint32_t *n)
{
    *out = NULL;
    *n = 0;
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    uint8_t start[64];
    if (after_spender) {
        memcpy(start, after_spender->b, 32);
        memcpy(start + 32, after_id->b, 32);
    }
    /* a start before the prefix: from the prefix */
    bool from = after_spender &&
                (!spender || !memcmp(start, spender->b, 32));
    gb_db_cursor *cur;
    if ((e = gb_db_cursor_open(r, GB_TABLE_VOUCHERS,
                               spender ? spender->b : NULL, spender ? 32 : 0,
                               from ? start : NULL, from ? 64 : 0, &cur))) {
        gb_db_read_end(r);
        return e;
    }
    gb_chain_voucher_key *v = NULL;
    uint32_t cap = 0;
    gb_db_val k, val;
    while (*n < limit && !(e = gb_db_cursor_next(cur, &k, &val))) {
        if (k.len != 64 || (from && !memcmp(k.data, start, 64)))
            continue;
        if (*n == cap) {
            uint32_t nc = cap ? cap * 2 : 16;
            gb_chain_voucher_key *p = realloc(v, nc * sizeof *p);
            if (!p) {
                e = GB_NOMEM;
                break;
            }
            v = p;
            cap = nc;
        }
        memcpy(v[*n].spender.b, k.data, 32);
        memcpy(v[*n].id.b, k.data + 32, 32);
        (*n)++;
    }
    gb_db_cursor_close(cur);
    gb_db_read_end(r);
    if (e == GB_NOT_FOUND)
        e = GB_OK;
    if (e) {
        free(v);
        *n = 0;
        return e;
    }
    *out = v;
    return GB_OK;
}

uint64_t gb_chain_vouchers_issued(gb_chain *c)
{
    gb_db_txn *r;
    uint64_t n = 0;
    if (gb_db_read_begin(c->db, &r))
        return 0;
    gb_db_meta_get_u64(r, META_ISSUED, 0, &n);
    gb_db_read_end(r);
    return n;
}
