/*
 * Substrate-shaped blocks over gearbox's blocks (node/sblocks.h): the
 * header hash chain, the extrinsics of a block, and its System.Events
 * encoded as Vara's metadata lays them out (GEAR-RPC.md §5, §6).
 *
 * Gearbox events map onto Vara's: CodeUploaded → Gear.CodeChanged{Active
 * {None}}, ProgramCreated → Gear.ProgramChanged{ProgramSet{u32::MAX}},
 * MessageQueued → Gear.MessageQueued{entry}, UserMessageSent →
 * Gear.UserMessageSent (details with the ReplyCode for replies), a
 * successful init dispatch → ProgramChanged{Active{u32::MAX}},
 * InitFailed → ProgramChanged{Terminated}, ProgramExited →
 * ProgramChanged{Inactive}, mailbox reads → Gear.UserMessageRead,
 * Transfer → Balances.Transfer, Waited → Gear.MessageWaited{origin None,
 * Runtime(WaitForCalled) when the wait ends in a wake-up (gr_wait_for; a
 * gr_wait_up_to its gas covers, Gear's WaitUpToCalledFull), else
 * Runtime(WaitCalled) (gr_wait; a gr_wait_up_to cut short, Gear's
 * WaitUpToCalled), expiration = the block it leaves the waitlist at}, Woken →
 * Gear.MessageWoken{Runtime(WakeCalled)}, or System(TimeoutHasCome) for a
 * wake-up by a due task (the events before the queue's first run); the
 * block's dispatches end Gear.run's events with one
 * Gear.MessagesDispatched.
 */
#include "node/sblocks.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/scale.h"

#define DEFAULT_KEEP 256u

/* pallet and item indices of Vara's runtime (GEAR-RPC.md §2) */
#define PALLET_SYSTEM 0
#define PALLET_TIMESTAMP 1
#define PALLET_BALANCES 5
#define PALLET_UTILITY 8
#define PALLET_GEAR 104
#define PALLET_VOUCHER 107

typedef struct pending_xt {
    uint8_t *xt;
    size_t len;
    gb_id *ids;
    uint32_t n;
    bool failed;
    bool batch;          /* a Utility batch: the fields below */
    uint32_t nitems;
    uint32_t *item_end;  /* owned */
    bool interrupted;
    uint8_t error[8];
    uint32_t error_len;
    bool carried;        /* by the block being noted (drop_carried) */
} pending_xt;

struct gb_sblocks {
    gb_chain *chain;
    uint8_t (*hashes)[32]; /* by number, 0..best */
    uint32_t nhashes, cap_hashes;
    gb_sblock *ring;
    uint32_t keep, first, count;
    pending_xt *pend;
    uint32_t npend, cap_pend;
    /* Block 0's parentHash: zero, or a fork's chain id (chain.h,
     * gb_chain_fork_info), so a fork has a genesis hash of its own and an
     * extrinsic signed for the source chain (CheckGenesis) is refused. */
    uint8_t genesis_parent[32];
};

void gb_sblock_clear(gb_sblock *b)
{
    if (!b)
        return;
    for (uint32_t i = 0; i < b->nxt; i++)
        free(b->xt[i]);
    free(b->xt);
    free(b->xt_len);
    free(b->xt_hash);
    free(b->xt_ok);
    free(b->events);
    memset(b, 0, sizeof *b);
}

gb_err gb_sblock_header(const gb_sblock *b, uint8_t **out, size_t *len)
{
    gb_scale_buf w = {0};
    gb_scale_put_raw(&w, b->parent, 32);
    gb_scale_put_compact(&w, b->number);
    gb_scale_put_raw(&w, b->state_root, 32);
    gb_scale_put_raw(&w, b->extrinsics_root, 32);
    gb_scale_put_compact(&w, 0); /* no digest items */
    return gb_scale_buf_take(&w, out, len);
}

static gb_err header_hash(const gb_sblock *b, uint8_t out[32])
{
    uint8_t *h;
    size_t n;
    gb_err e = gb_sblock_header(b, &h, &n);
    if (e)
        return e;
    gb_blake2b256(h, n, out);
    free(h);
    return GB_OK;
}

/* An unsigned v4 extrinsic with its length prefix: 0x04 ‖ call. */
static gb_err unsigned_xt(const uint8_t *call, size_t n, uint8_t **out,
                          size_t *len)
{
    gb_scale_buf w = {0};
    gb_scale_put_compact(&w, n + 1);
    gb_scale_put_u8(&w, 0x04);
    gb_scale_put_raw(&w, call, n);
    return gb_scale_buf_take(&w, out, len);
}

gb_err gb_sblocks_timestamp_xt(uint64_t ts, uint8_t **out, size_t *len)
{
    gb_scale_buf w = {0};
    gb_scale_put_u8(&w, PALLET_TIMESTAMP);
    gb_scale_put_u8(&w, 0); /* set */
    gb_scale_put_compact(&w, ts);
    uint8_t *call;
    size_t n;
    gb_err e = gb_scale_buf_take(&w, &call, &n);
    if (e)
        return e;
    e = unsigned_xt(call, n, out, len);
    free(call);
    return e;
}

static gb_err run_xt(uint8_t **out, size_t *len)
{
    static const uint8_t call[] = {PALLET_GEAR, 6, 0}; /* run(None) */
    return unsigned_xt(call, sizeof call, out, len);
}

static gb_err grow_hashes(gb_sblocks *s)
{
    if (s->nhashes < s->cap_hashes)
        return GB_OK;
    uint32_t cap = s->cap_hashes ? s->cap_hashes * 2 : 1024;
    void *p = realloc(s->hashes, (size_t)cap * 32);
    if (!p)
        return GB_NOMEM;
    s->hashes = p;
    s->cap_hashes = cap;
    return GB_OK;
}

/* The header fields of stored block number (the parent's hash known). */
static gb_err fill_header(gb_sblocks *s, uint32_t number, gb_sblock *b)
{
    gb_block_header hd;
    gb_err e = gb_chain_block_header(s->chain, number, &hd, NULL);
    if (e)
        return e;
    b->number = number;
    b->timestamp = hd.timestamp;
    if (number)
        memcpy(b->parent, s->hashes[number - 1], 32);
    else
        memcpy(b->parent, s->genesis_parent, 32);
    memcpy(b->state_root, hd.state_root, 32);
    memcpy(b->extrinsics_root, hd.input_hash, 32);
    return GB_OK;
}

gb_err gb_sblocks_new(gb_chain *c, uint32_t keep, gb_sblocks **out)
{
    gb_sblocks *s = calloc(1, sizeof *s);
    if (!s)
        return GB_NOMEM;
    s->chain = c;
    s->keep = keep ? keep : DEFAULT_KEEP;
    s->ring = calloc(s->keep, sizeof *s->ring);
    gb_err e = s->ring ? GB_OK : GB_NOMEM;
    gb_chain_fork fk;
    if (!e && !(e = gb_chain_fork_info(c, &fk)) && fk.forked)
        memcpy(s->genesis_parent, fk.chain_id, 32);
    uint32_t best = gb_chain_height(c);
    for (uint32_t n = 0; !e && n <= best; n++) {
        gb_sblock b = {0};
        if (!(e = fill_header(s, n, &b)) && !(e = grow_hashes(s)))
            e = header_hash(&b, s->hashes[s->nhashes]);
        if (!e)
            s->nhashes++;
    }
    if (e) {
        gb_sblocks_free(s);
        return e;
    }
    *out = s;
    return GB_OK;
}

void gb_sblocks_free(gb_sblocks *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->count; i++)
        gb_sblock_clear(&s->ring[(s->first + i) % s->keep]);
    for (uint32_t i = 0; i < s->npend; i++) {
        free(s->pend[i].xt);
        free(s->pend[i].ids);
        free(s->pend[i].item_end);
    }
    free(s->pend);
    free(s->ring);
    free(s->hashes);
    free(s);
}

uint32_t gb_sblocks_best(const gb_sblocks *s) { return s->nhashes - 1; }

bool gb_sblocks_hash(const gb_sblocks *s, uint32_t number, uint8_t out[32])
{
    if (number >= s->nhashes)
        return false;
    memcpy(out, s->hashes[number], 32);
    return true;
}

bool gb_sblocks_find(const gb_sblocks *s, const uint8_t hash[32],
                     uint32_t *out)
{
    for (uint32_t n = s->nhashes; n-- > 0;)
        if (!memcmp(s->hashes[n], hash, 32)) {
            *out = n;
            return true;
        }
    return false;
}

/* Room for one more extrinsic in b. */
static gb_err add_xt(gb_sblock *b, uint8_t *xt, size_t len, bool ok)
{
    uint32_t n = b->nxt + 1;
    uint8_t **x = realloc(b->xt, n * sizeof *x);
    if (x)
        b->xt = x;
    size_t *l = realloc(b->xt_len, n * sizeof *l);
    if (l)
        b->xt_len = l;
    uint8_t(*h)[32] = realloc(b->xt_hash, n * sizeof *h);
    if (h)
        b->xt_hash = h;
    bool *o = realloc(b->xt_ok, n * sizeof *o);
    if (o)
        b->xt_ok = o;
    if (!x || !l || !h || !o) {
        free(xt);
        return GB_NOMEM;
    }
    b->xt[b->nxt] = xt;
    b->xt_len[b->nxt] = len;
    gb_blake2b256(xt, len, b->xt_hash[b->nxt]);
    b->xt_ok[b->nxt] = ok;
    b->nxt++;
    return GB_OK;
}

gb_err gb_sblocks_get(gb_sblocks *s, uint32_t number, gb_sblock *tmp,
                      const gb_sblock **out)
{
    memset(tmp, 0, sizeof *tmp);
    for (uint32_t i = 0; i < s->count; i++) {
        const gb_sblock *k = &s->ring[(s->first + i) % s->keep];
        if (k->number == number) {
            *out = k;
            return GB_OK;
        }
    }
    if (number >= s->nhashes)
        return GB_NOT_FOUND;
    gb_err e = fill_header(s, number, tmp);
    memcpy(tmp->hash, s->hashes[number], 32);
    uint8_t *x;
    size_t n;
    if (!e && number) { /* the inherents; genesis has none */
        if (!(e = gb_sblocks_timestamp_xt(tmp->timestamp, &x, &n)))
            e = add_xt(tmp, x, n, true);
        if (!e && !(e = run_xt(&x, &n)))
            e = add_xt(tmp, x, n, true);
    }
    if (e) {
        gb_sblock_clear(tmp);
        return e;
    }
    *out = tmp;
    return GB_OK;
}

gb_err gb_sblocks_pending(gb_sblocks *s, const uint8_t *xt, size_t len,
                          const gb_id *ids, uint32_t n, bool failed)
{
    if (s->npend == s->cap_pend) {
        uint32_t cap = s->cap_pend ? s->cap_pend * 2 : 16;
        pending_xt *p = realloc(s->pend, cap * sizeof *p);
        if (!p)
            return GB_NOMEM;
        s->pend = p;
        s->cap_pend = cap;
    }
    pending_xt *p = &s->pend[s->npend];
    *p = (pending_xt){.len = len, .n = n, .failed = failed};
    p->item_end = NULL;
    p->xt = malloc(len ? len : 1);
    p->ids = malloc((n ? n : 1) * sizeof *p->ids);
    if (!p->xt || !p->ids) {
        free(p->xt);
        free(p->ids);
        return GB_NOMEM;
    }
    memcpy(p->xt, xt, len);
    if (n)
        memcpy(p->ids, ids, n * sizeof *ids);
    s->npend++;
    return GB_OK;
}

gb_err gb_sblocks_pending_batch(gb_sblocks *s, const uint8_t *xt, size_t len,
                                const gb_id *ids, uint32_t n,
                                const gb_sblocks_batch *batch)
{
    uint32_t *ends = malloc((batch->nitems ? batch->nitems : 1) *
                            sizeof *ends);
    if (!ends)
        return GB_NOMEM;
    gb_err e = gb_sblocks_pending(s, xt, len, ids, n, false);
    if (e) {
        free(ends);
        return e;
    }
    pending_xt *p = &s->pend[s->npend - 1];
    if (batch->nitems)
        memcpy(ends, batch->item_end, batch->nitems * sizeof *ends);
    p->batch = true;
    p->nitems = batch->nitems;
    p->item_end = ends;
    p->interrupted = batch->interrupted;
    p->error_len = batch->error_len <= sizeof p->error ? batch->error_len
                                                       : sizeof p->error;
    memcpy(p->error, batch->error, p->error_len);
    return GB_OK;
}

/* ---- System.Events ------------------------------------------------------ */

static void put_phase(gb_scale_buf *w, uint32_t xt)
{
    gb_scale_put_u8(w, 0); /* ApplyExtrinsic */
    gb_scale_put_u32(w, xt);
}

/* ExtrinsicSuccess / ExtrinsicFailed, DispatchInfo{weight, class,
 * pays_fee} (and for a failure DispatchError::Other first) */
static void put_xt_result(gb_scale_buf *w, uint32_t xt, bool ok,
                          bool inherent)
{
    put_phase(w, xt);
    gb_scale_put_u8(w, PALLET_SYSTEM);
    gb_scale_put_u8(w, ok ? 0 : 1);
    if (!ok) /* DispatchError::Module{Gear, ProgramConstructionFailed} */
    {
        gb_scale_put_u8(w, 3);
        gb_scale_put_u8(w, PALLET_GEAR);
        gb_scale_put_u32(w, 9);
    }
    gb_scale_put_compact(w, inherent ? 0 : GB_SBLOCKS_XT_REF_TIME);
    gb_scale_put_compact(w, 0);                       /* proof_size */
    gb_scale_put_u8(w, inherent ? 2 : 0);             /* Mandatory/Normal */
    gb_scale_put_u8(w, inherent ? 1 : 0);             /* pays_fee No/Yes */
    gb_scale_put_compact(w, 0);                       /* no topics */
}

void gb_sblocks_put_reply_code(gb_scale_buf *w, const uint8_t c[4])
{
    size_t n = 1;
    if (c[0] == 0)
        n = 2;
    else if (c[0] == 1)
        n = c[1] == 0 || c[1] == 2 ? 3 : 2;
    gb_scale_put_raw(w, c, n);
}

static void gear_event(gb_scale_buf *w, uint8_t variant)
{
    gb_scale_put_u8(w, PALLET_GEAR);
    gb_scale_put_u8(w, variant);
}

static void program_changed(gb_scale_buf *w, uint32_t xt, gb_id id,
                            uint8_t change, bool with_expiration)
{
    put_phase(w, xt);
    gear_event(w, 7);
    gb_scale_put_raw(w, id.b, 32);
    gb_scale_put_u8(w, change);
    if (with_expiration)
        gb_scale_put_u32(w, UINT32_MAX);
    gb_scale_put_compact(w, 0);
}

/* One gearbox event under phase xt: how many records it became.
 * from_task: the event came from a due task (a wake-up at a timeout), not
 * from a run. */
static uint32_t put_event(gb_sblocks *s, gb_scale_buf *w, uint32_t xt,
                          uint32_t height, const gb_event *ev, bool from_task)
{
    switch (ev->kind) {
    case GB_EV_WAITED: {
        /* the wait's end from the waitlist; the block itself when the
         * message left it again in this block */
        gb_chain_wait_entry we;
        uint32_t until = height;
        bool wakes = false;
        if (!gb_chain_waitlist_get(s->chain, ev->destination, ev->id, &we)) {
            until = we.expires_at;
            wakes = we.wakes;
            gb_chain_wait_entry_clear(&we);
        }
        put_phase(w, xt);
        gear_event(w, 4);
        gb_scale_put_raw(w, ev->id.b, 32);
        gb_scale_put_option(w, false); /* origin */
        gb_scale_put_u8(w, 0);         /* Runtime */
        /* WaitForCalled (woken at the end) or WaitCalled (removed) */
        gb_scale_put_u8(w, wakes ? 1 : 0);
        gb_scale_put_u32(w, until);
        break;
    }
    case GB_EV_WOKEN:
        put_phase(w, xt);
        gear_event(w, 5);
        gb_scale_put_raw(w, ev->id.b, 32);
        /* Runtime(WakeCalled) or System(TimeoutHasCome) */
        gb_scale_put_u8(w, from_task ? 1 : 0);
        gb_scale_put_u8(w, from_task ? 1 : 0);
        break;
    case GB_EV_CODE_UPLOADED:
        put_phase(w, xt);
        gear_event(w, 6);
        gb_scale_put_raw(w, ev->id.b, 32);
        gb_scale_put_u8(w, 0); /* Active */
        gb_scale_put_u8(w, 0); /* expiration None */
        break;
    case GB_EV_PROGRAM_CREATED:
        program_changed(w, xt, ev->id, 5, true); /* ProgramSet */
        return 1;
    case GB_EV_MESSAGE_QUEUED:
        put_phase(w, xt);
        gear_event(w, 0);
        gb_scale_put_raw(w, ev->id.b, 32);
        gb_scale_put_raw(w, ev->source.b, 32);
        gb_scale_put_raw(w, ev->destination.b, 32);
        if (ev->dispatch_kind == GB_DISPATCH_INIT) {
            gb_scale_put_u8(w, 0);
        } else if (ev->dispatch_kind == GB_DISPATCH_REPLY) {
            gb_scale_put_u8(w, 2);
            gb_scale_put_raw(w, ev->reply_to.b, 32);
        } else {
            gb_scale_put_u8(w, 1);
        }
        break;
    case GB_EV_USER_MESSAGE:
        put_phase(w, xt);
        gear_event(w, 1);
        gb_scale_put_raw(w, ev->id.b, 32);
        gb_scale_put_raw(w, ev->source.b, 32);
        gb_scale_put_raw(w, ev->destination.b, 32);
        gb_scale_put_bytes(w, ev->payload, ev->payload_len);
        gb_scale_put_compact_u128(w, ev->value);
        gb_scale_put_option(w, ev->is_reply);
        if (ev->is_reply) {
            gb_scale_put_raw(w, ev->reply_to.b, 32);
            gb_sblocks_put_reply_code(w, ev->reply_code);
        }
        /* the end of its mailbox hold, when it is held */
        gb_scale_put_option(w, ev->expires_at != 0);
        if (ev->expires_at)
            gb_scale_put_u32(w, ev->expires_at);
        break;
    case GB_EV_MAILBOX_READ:
        put_phase(w, xt);
        gear_event(w, 2);
        gb_scale_put_raw(w, ev->id.b, 32);
        if (ev->read_reason == GB_READ_EXPIRED) {
            gb_scale_put_u8(w, 1); /* System */
            gb_scale_put_u8(w, 0); /* OutOfRent */
        } else {
            gb_scale_put_u8(w, 0); /* Runtime */
            gb_scale_put_u8(w, ev->read_reason == GB_READ_CLAIMED ? 1 : 0);
        }
        break;
    case GB_EV_DISPATCHED:
        /* an init that ran, or had nothing to run (no init export) */
        if (ev->dispatch_kind != GB_DISPATCH_INIT ||
            ev->outcome == GB_OUTCOME_FAILED || ev->outcome == GB_OUTCOME_WAIT)
            return 0;
        program_changed(w, xt, ev->destination, 0, true); /* Active */
        return 1;
    case GB_EV_INIT_FAILED:
        program_changed(w, xt, ev->id, 3, false); /* Terminated */
        return 1;
    case GB_EV_PROGRAM_EXITED:
        program_changed(w, xt, ev->id, 1, false); /* Inactive */
        return 1;
    case GB_EV_VOUCHER_ISSUED: /* {owner, spender, voucher_id} */
        put_phase(w, xt);
        gb_scale_put_u8(w, PALLET_VOUCHER);
        gb_scale_put_u8(w, 0);
        gb_scale_put_raw(w, ev->source.b, 32);
        gb_scale_put_raw(w, ev->destination.b, 32);
        gb_scale_put_raw(w, ev->id.b, 32);
        break;
    case GB_EV_VOUCHER_REVOKED:  /* {spender, voucher_id} */
    case GB_EV_VOUCHER_UPDATED:  /* {spender, voucher_id, new_owner} */
    case GB_EV_VOUCHER_DECLINED: /* {spender, voucher_id} */
        put_phase(w, xt);
        gb_scale_put_u8(w, PALLET_VOUCHER);
        gb_scale_put_u8(w, ev->kind == GB_EV_VOUCHER_REVOKED   ? 1
                           : ev->kind == GB_EV_VOUCHER_UPDATED ? 2
                                                               : 3);
        gb_scale_put_raw(w, ev->destination.b, 32);
        gb_scale_put_raw(w, ev->id.b, 32);
        if (ev->kind == GB_EV_VOUCHER_UPDATED) {
            bool some = !gb_id_is_zero(ev->source);
            gb_scale_put_option(w, some);
            if (some)
                gb_scale_put_raw(w, ev->source.b, 32);
        }
        break;
    case GB_EV_TRANSFER:
        put_phase(w, xt);
        gb_scale_put_u8(w, PALLET_BALANCES);
        gb_scale_put_u8(w, 2); /* Transfer */
        gb_scale_put_raw(w, ev->source.b, 32);
        gb_scale_put_raw(w, ev->destination.b, 32);
        gb_scale_put_u128(w, ev->value);
        break;
    default:
        return 0;
    }
    gb_scale_put_compact(w, 0); /* no topics */
    return 1;
}

static int cmp_status(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* Gear.MessagesDispatched of the block's dispatches (phase xt). */
static gb_err put_dispatched(gb_scale_buf *w, uint32_t xt,
                             const gb_block_result *b, uint32_t from)
{
    uint32_t n = 0;
    for (uint32_t i = from; i < b->nevents; i++)
        n += b->events[i].kind == GB_EV_DISPATCHED;
    if (!n)
        return GB_OK;
    uint8_t(*st)[33] = malloc((size_t)n * 33);
    uint8_t(*ch)[32] = malloc((size_t)n * 32);
    if (!st || !ch) {
        free(st);
        free(ch);
        return GB_NOMEM;
    }
    uint32_t k = 0, nch = 0;
    for (uint32_t i = from; i < b->nevents; i++) {
        const gb_event *ev = &b->events[i];
        if (ev->kind != GB_EV_DISPATCHED)
            continue;
        memcpy(st[k], ev->id.b, 32);
        st[k][32] = ev->outcome == GB_OUTCOME_FAILED    ? 1
                    : ev->outcome == GB_OUTCOME_SKIPPED ? 2
                                                        : 0;
        k++;
        if (ev->outcome != GB_OUTCOME_SKIPPED)
            memcpy(ch[nch++], ev->destination.b, 32);
    }
    qsort(st, n, 33, cmp_status);
    qsort(ch, nch, 32, cmp_status);
    put_phase(w, xt);
    gear_event(w, 3);
    gb_scale_put_u32(w, n);
    /* a BTreeMap: keys unique (a message runs once per block) */
    gb_scale_put_compact(w, n);
    gb_scale_put_raw(w, st, (size_t)n * 33);
    uint32_t uniq = 0; /* a BTreeSet: duplicates out */
    for (uint32_t i = 0; i < nch; i++)
        if (!uniq || memcmp(ch[uniq - 1], ch[i], 32))
            memmove(ch[uniq++], ch[i], 32);
    gb_scale_put_compact(w, uniq);
    gb_scale_put_raw(w, ch, (size_t)uniq * 32);
    gb_scale_put_compact(w, 0);
    free(st);
    free(ch);
    return GB_OK;
}

/* A batch's events under phase xt (gb_sblocks_batch): how many records. */
static uint32_t put_batch(gb_sblocks *s, gb_scale_buf *w, uint32_t xt,
                          const gb_block_result *b, const pending_xt *p)
{
    uint32_t nrec = 0;
    for (uint32_t k = 0; k < p->nitems; k++) {
        for (uint32_t j = k ? p->item_end[k - 1] : 0; j < p->item_end[k];
             j++)
            for (uint32_t i = 0; i < b->ntx; i++) {
                if (!gb_id_eq(b->tx_ids[i], p->ids[j]))
                    continue;
                for (uint32_t v = i ? b->tx_ev_end[i - 1] : 0;
                     v < b->tx_ev_end[i]; v++)
                    nrec += put_event(s, w, xt, b->height, &b->events[v],
                                      false);
            }
        put_phase(w, xt);
        gb_scale_put_u8(w, PALLET_UTILITY);
        gb_scale_put_u8(w, 3); /* ItemCompleted */
        gb_scale_put_compact(w, 0);
        nrec++;
    }
    put_phase(w, xt);
    gb_scale_put_u8(w, PALLET_UTILITY);
    if (p->interrupted) {
        gb_scale_put_u8(w, 0); /* BatchInterrupted{index, error} */
        gb_scale_put_u32(w, p->nitems);
        gb_scale_put_raw(w, p->error, p->error_len);
    } else {
        gb_scale_put_u8(w, 1); /* BatchCompleted */
    }
    gb_scale_put_compact(w, 0);
    return nrec + 1;
}

/* ---- a new block --------------------------------------------------------- */

/* Which pending extrinsic owns transaction id; -1 when none. */
static int32_t owner_of(const gb_sblocks *s, gb_id id)
{
    for (uint32_t p = 0; p < s->npend; p++)
        for (uint32_t j = 0; j < s->pend[p].n; j++)
            if (!memcmp(s->pend[p].ids[j].b, id.b, 32))
                return (int32_t)p;
    return -1;
}

/* The pending extrinsics marked carried leave the list. */
static void drop_carried(gb_sblocks *s)
{
    uint32_t kept = 0;
    for (uint32_t p = 0; p < s->npend; p++) {
        if (s->pend[p].carried) {
            free(s->pend[p].xt);
            free(s->pend[p].ids);
            free(s->pend[p].item_end);
        } else {
            s->pend[kept++] = s->pend[p];
        }
    }
    s->npend = kept;
}

void gb_sblocks_pass(gb_sblocks *s, const gb_block_result *b)
{
    /* what gb_sblocks_note carries: those announced without transactions
     * and those owning one of b's */
    for (uint32_t p = 0; p < s->npend; p++)
        s->pend[p].carried = !s->pend[p].n;
    for (uint32_t i = 0; i < b->ntx; i++) {
        int32_t p = owner_of(s, b->tx_ids[i]);
        if (p >= 0)
            s->pend[p].carried = true;
    }
    drop_carried(s);
}

gb_err gb_sblocks_note(gb_sblocks *s, const gb_block_result *b)
{
    gb_err e;
    /* blocks produced while no one noted them (tests): from the store */
    while (s->nhashes < b->height) {
        gb_sblock o = {0};
        if ((e = grow_hashes(s)) || (e = fill_header(s, s->nhashes, &o)) ||
            (e = header_hash(&o, s->hashes[s->nhashes])))
            return e;
        s->nhashes++;
    }
    if (b->height != s->nhashes)
        return GB_INVALID; /* noted twice: cannot happen */
    if ((e = grow_hashes(s)))
        return e;
    gb_sblock k = {.number = b->height, .timestamp = b->timestamp};
    memcpy(k.parent, s->hashes[b->height - 1], 32);
    memcpy(k.state_root, b->state_root, 32);
    gb_block_header hd;
    if ((e = gb_chain_block_header(s->chain, b->height, &hd, NULL)))
        return e;
    memcpy(k.extrinsics_root, hd.input_hash, 32);
    if ((e = header_hash(&k, k.hash)))
        return e;
    /* the hash is known whatever happens next */
    memcpy(s->hashes[s->nhashes++], k.hash, 32);

    /* which pending extrinsics this block carries, by first transaction;
     * those announced without transactions (failed) go in too */
    uint32_t np = s->npend;
    int32_t *slot = malloc((np ? np : 1) * sizeof *slot); /* xt index */
    int32_t *tx_owner = malloc((b->ntx ? b->ntx : 1) * sizeof *tx_owner);
    gb_scale_buf w = {0};
    uint32_t nrec = 0;
    if (!slot || !tx_owner) {
        e = GB_NOMEM;
        goto out;
    }
    uint8_t *x;
    size_t xl;
    if ((e = gb_sblocks_timestamp_xt(b->timestamp, &x, &xl)) ||
        (e = add_xt(&k, x, xl, true)))
        goto out;
    for (uint32_t p = 0; p < np; p++)
        slot[p] = -1;
    for (uint32_t p = 0; p < np; p++)
        if (!s->pend[p].n) {
            slot[p] = (int32_t)k.nxt;
            uint8_t *c = malloc(s->pend[p].len);
            if (!c || (e = add_xt(&k, c, 0, !s->pend[p].failed))) {
                e = GB_NOMEM;
                goto out;
            }
            memcpy(c, s->pend[p].xt, s->pend[p].len);
            k.xt_len[k.nxt - 1] = s->pend[p].len;
            gb_blake2b256(c, s->pend[p].len, k.xt_hash[k.nxt - 1]);
        }
    for (uint32_t i = 0; i < b->ntx; i++) {
        int32_t p = owner_of(s, b->tx_ids[i]);
        tx_owner[i] = p;
        if (p < 0 || slot[p] >= 0)
            continue;
        slot[p] = (int32_t)k.nxt;
        uint8_t *c = malloc(s->pend[p].len);
        if (!c) {
            e = GB_NOMEM;
            goto out;
        }
        memcpy(c, s->pend[p].xt, s->pend[p].len);
        if ((e = add_xt(&k, c, s->pend[p].len, true)))
            goto out;
    }
    uint32_t run = k.nxt;
    if ((e = run_xt(&x, &xl)) || (e = add_xt(&k, x, xl, true)))
        goto out;

    /* the events, extrinsic by extrinsic */
    nrec++;
    put_xt_result(&w, 0, true, true);
    for (uint32_t xi = 1; xi < run; xi++) {
        uint32_t got = 0;
        int32_t bp = -1; /* the batch this extrinsic is, if one */
        for (uint32_t p = 0; p < np; p++)
            if (slot[p] == (int32_t)xi && s->pend[p].batch)
                bp = (int32_t)p;
        if (bp >= 0) {
            got = put_batch(s, &w, xi, b, &s->pend[bp]);
            nrec += got + 1;
            put_xt_result(&w, xi, k.xt_ok[xi], false);
            continue;
        }
        for (uint32_t i = 0; i < b->ntx; i++) {
            if (tx_owner[i] < 0 || slot[tx_owner[i]] != (int32_t)xi)
                continue;
            for (uint32_t j = i ? b->tx_ev_end[i - 1] : 0;
                 j < b->tx_ev_end[i]; j++)
                got += put_event(s, &w, xi, b->height, &b->events[j],
                                 false);
        }
        /* a transaction the block dropped shows no event */
        k.xt_ok[xi] = k.xt_ok[xi] && got;
        nrec += got + 1;
        put_xt_result(&w, xi, k.xt_ok[xi], false);
    }
    for (uint32_t i = 0; i < b->ntx; i++)
        if (tx_owner[i] < 0)
            for (uint32_t j = i ? b->tx_ev_end[i - 1] : 0;
                 j < b->tx_ev_end[i]; j++)
                nrec += put_event(s, &w, run, b->height, &b->events[j],
                                  false);
    /* the due tasks' events come before the queue's first run */
    uint32_t qfrom = b->ntx ? b->tx_ev_end[b->ntx - 1] : 0;
    bool tasks = true;
    for (uint32_t j = qfrom; j < b->nevents; j++) {
        tasks = tasks && b->events[j].kind != GB_EV_DISPATCHED;
        nrec += put_event(s, &w, run, b->height, &b->events[j], tasks);
    }
    size_t before = w.len;
    if ((e = put_dispatched(&w, run, b, qfrom)))
        goto out;
    nrec += w.len != before;
    nrec++;
    put_xt_result(&w, run, true, true);
    {
        uint8_t *body;
        size_t blen;
        if ((e = gb_scale_buf_take(&w, &body, &blen)))
            goto out;
        gb_scale_buf v = {0};
        gb_scale_put_compact(&v, nrec);
        gb_scale_put_raw(&v, body, blen);
        free(body);
        if ((e = gb_scale_buf_take(&v, &k.events, &k.events_len)))
            goto out;
    }

    /* the carried extrinsics leave the pending list */
    for (uint32_t p = 0; p < np; p++)
        s->pend[p].carried = slot[p] >= 0;
    drop_carried(s);

    if (s->count == s->keep) {
        gb_sblock_clear(&s->ring[s->first]);
        s->first = (s->first + 1) % s->keep;
        s->count--;
    }
    s->ring[(s->first + s->count) % s->keep] = k;
    s->count++;
    memset(&k, 0, sizeof k);
out:
    gb_scale_buf_free(&w);
    gb_sblock_clear(&k);
    free(slot);
    free(tx_owner);
    return e;
}
