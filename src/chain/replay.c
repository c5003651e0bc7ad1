/*
 * Replaying blocks (chain.h, "replaying blocks").
 *
 * A block is a function of the state before it and its inputs: the
 * transactions in the order applied (with the ids and nonces submit gave
 * them), the timestamp, the gas allowance, and where the queue stopped
 * when the block's time ran out (the number of waves; the waves do not
 * depend on the number of threads, sched.c).  The producer stores these
 * inputs under the block's height (state/db.h, table "inputs", outside the
 * state root), with a digest of the block's events.  A replay opens a
 * scratch chain with the same configuration, which makes the same genesis,
 * feeds it each stored block's inputs in turn and compares what comes out
 * (the block's hash, hence its state root, gas and dispatches, and the
 * events' digest) with what is stored.
 *
 * The record of a block's inputs (integers little-endian):
 *   u8 version (1), u64 timestamp, u64 gas allowance, u32 waves,
 *   32 bytes events digest, u32 transactions, then per transaction:
 *   u32 length, the id (32 bytes), the nonce (u64), flags (u8; bit 0:
 *   the message id follows, gb_chain_submit_as), [the message id (32)],
 *   the transaction (pool_log.h: gb_pool_tx_write).
 */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/chain_int.h"
#include "chain/replay.h"
#include "chain/pool_log.h"
#include "util/bytes.h"
#include "util/hash.h"
#include "util/mem.h"

#define INPUTS_VERSION 2 /* 1: without the flags and mid */
#define HEAD_LEN (1 + 8 + 8 + 4 + 32 + 4)
#define TX_HEAD (4 + 32 + 8 + 1)

uint8_t *gb_blk_inputs_encode(const gb_blk_inputs *in, size_t *len)
{
    size_t n = HEAD_LEN;
    for (uint32_t i = 0; i < in->ntx; i++)
        n += TX_HEAD + (in->tx[i].has_mid ? 32 : 0) +
             gb_pool_tx_size(&in->tx[i].tx);
    uint8_t *r = gb_malloc(n), *q = r;
    if (!r)
        return NULL;
    *q++ = INPUTS_VERSION;
    gb_le_put(q, in->timestamp, 8), q += 8;
    gb_le_put(q, in->gas_limit, 8), q += 8;
    gb_le_put(q, in->waves, 4), q += 4;
    memcpy(q, in->events, 32), q += 32;
    gb_le_put(q, in->ntx, 4), q += 4;
    for (uint32_t i = 0; i < in->ntx; i++) {
        const gb_ptx *p = &in->tx[i];
        gb_le_put(q, TX_HEAD - 4 + (p->has_mid ? 32 : 0) +
                         gb_pool_tx_size(&p->tx), 4), q += 4;
        memcpy(q, p->id.b, 32), q += 32;
        gb_le_put(q, p->nonce, 8), q += 8;
        *q++ = p->has_mid ? 1 : 0;
        if (p->has_mid)
            memcpy(q, p->mid.b, 32), q += 32;
        q = gb_pool_tx_write(&p->tx, q);
    }
    *len = n;
    return r;
}

gb_err gb_blk_inputs_decode(const uint8_t *rec, size_t len,
                            gb_blk_inputs *in)
{
    memset(in, 0, sizeof *in);
    if (len < HEAD_LEN || (rec[0] != INPUTS_VERSION && rec[0] != 1))
        return GB_MALFORMED;
    unsigned fl = rec[0] == 1 ? 0 : 1; /* the flags byte */
    const uint8_t *q = rec + 1, *end = rec + len;
    in->timestamp = gb_le_get(q, 8), q += 8;
    in->gas_limit = gb_le_get(q, 8), q += 8;
    in->waves = (uint32_t)gb_le_get(q, 4), q += 4;
    memcpy(in->events, q, 32), q += 32;
    uint32_t n = (uint32_t)gb_le_get(q, 4);
    q += 4;
    if (n > (size_t)(end - q) / TX_HEAD)
        return GB_MALFORMED;
    if (!(in->tx = gb_calloc(n ? n : 1, sizeof *in->tx)))
        return GB_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
        if ((size_t)(end - q) < 4)
            goto bad;
        uint32_t tl = (uint32_t)gb_le_get(q, 4);
        q += 4;
        if (tl < 40 + fl || tl > (size_t)(end - q))
            goto bad;
        gb_ptx *p = &in->tx[i];
        memcpy(p->id.b, q, 32);
        p->nonce = gb_le_get(q + 32, 8);
        size_t at = 40 + fl;
        if (fl && (q[40] & 1)) {
            if (tl < at + 32)
                goto bad;
            p->has_mid = true;
            memcpy(p->mid.b, q + at, 32);
            at += 32;
        }
        if (gb_pool_tx_parse(q + at, tl - at, &p->tx))
            goto bad;
        q += tl;
    }
    if (q != end)
        goto bad;
    in->ntx = n;
    return GB_OK;
bad:
    free(in->tx);
    in->tx = NULL;
    return GB_MALFORMED;
}

#define GENESIS_VERSION 0x81 /* not an inputs version */

void gb_chain_genesis_encode(const gb_chain_cfg *cfg,
                             uint8_t out[GB_CHAIN_GENESIS_REC])
{
    out[0] = GENESIS_VERSION;
    gb_u128_to_le(cfg->initial_balance, out + 1);
    out[17] = cfg->substrate_dev_accounts ? 1 : 0;
}

gb_err gb_chain_genesis_apply(const uint8_t *rec, size_t len,
                              gb_chain_cfg *cfg)
{
    if (len != GB_CHAIN_GENESIS_REC || rec[0] != GENESIS_VERSION)
        return GB_MALFORMED;
    cfg->initial_balance = gb_u128_from_le(rec + 1);
    cfg->substrate_dev_accounts = rec[17] != 0;
    return GB_OK;
}

/* ---- the events' digest --------------------------------------------------- */

/* An event's field at f + *n when not zero (bit i of *mask set). */
static inline void ev_put(uint8_t *f, size_t *n, unsigned *mask, int i,
                          const void *p, size_t len)
{
    memcpy(f + *n, p, len);
    *mask |= 1u << i;
    *n += len;
}

/* Whether the 32 bytes at p are all zero (four words at a glance). */
static inline bool id_zero(const uint8_t *p)
{
    uint64_t w[4];
    memcpy(w, p, sizeof w);
    return !(w[0] | w[1] | w[2] | w[3]);
}

static inline void ev_id(uint8_t *f, size_t *n, unsigned *mask, int i,
                         const gb_id *id)
{
    if (!id_zero(id->b))
        ev_put(f, n, mask, i, id->b, 32);
}

static inline void ev_uint(uint8_t *f, size_t *n, unsigned *mask, int i,
                           uint64_t v, int len)
{
    if (v) {
        gb_le_put(f + *n, v, len);
        *mask |= 1u << i;
        *n += (size_t)len;
    }
}

void gb_chain_events_digest_begin(gb_blake2b_state *st)
{
    gb_blake2b_init(st);
    gb_blake2b_update(st, "gearbox/events/2", 16);
}

void gb_chain_events_digest_end(gb_blake2b_state *st, uint8_t out[32])
{
    gb_blake2b_final(st, out);
}

void gb_chain_events_digest(const gb_event *ev, uint32_t n, uint8_t out[32])
{
    gb_blake2b_state st;
    gb_chain_events_digest_begin(&st);
    gb_chain_events_digest_add(&st, ev, n);
    gb_chain_events_digest_end(&st, out);
}

/* The largest fixed part of an event's bytes. */
#define EV_FIXED (1 + 2 + 32 * 4 + 1 + 8 + 1 + 4 + 16 + 1 + 1 + 4 * 3)

void gb_chain_events_digest_add(gb_blake2b_state *st, const gb_event *ev,
                                uint32_t n)
{
    /* each event: its kind, a mask of the fixed fields that are not zero
     * (bit i: the i-th below), those fields, then its variable parts —
     * fewer bytes to hash than every field at a fixed place (a block may
     * have 10^5 events).  The bytes of consecutive events are gathered in
     * buf and fed to the hash a few kilobytes at a time (one call per
     * event cost about as much as the encoding); a variable part that
     * does not fit goes to the hash directly, after what buf holds. */
    uint8_t buf[4096];
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        const gb_event *e = &ev[i];
        uint32_t pl = e->payload ? e->payload_len : 0,
                 dl = e->debug ? (uint32_t)strlen(e->debug) : 0;
        if (k > sizeof buf - EV_FIXED) {
            gb_blake2b_update(st, buf, k);
            k = 0;
        }
        uint8_t *f = buf + k;
        size_t m = 3;
        unsigned mask = 0;
        ev_id(f, &m, &mask, 0, &e->id);
        ev_id(f, &m, &mask, 1, &e->source);
        ev_id(f, &m, &mask, 2, &e->destination);
        ev_id(f, &m, &mask, 3, &e->reply_to);
        ev_uint(f, &m, &mask, 4, (uint8_t)e->outcome, 1);
        ev_uint(f, &m, &mask, 5, e->gas_burned, 8);
        ev_uint(f, &m, &mask, 6, e->is_reply, 1);
        if (e->reply_code[0] | e->reply_code[1] | e->reply_code[2] |
            e->reply_code[3])
            ev_put(f, &m, &mask, 7, e->reply_code, 4);
        if (!gb_u128_is_zero(e->value)) {
            gb_u128_to_le(e->value, f + m);
            mask |= 1u << 8;
            m += 16;
        }
        ev_uint(f, &m, &mask, 9, (uint8_t)e->read_reason, 1);
        ev_uint(f, &m, &mask, 10, (uint8_t)e->dispatch_kind, 1);
        ev_uint(f, &m, &mask, 11, pl, 4);
        ev_uint(f, &m, &mask, 12, dl, 4);
        ev_uint(f, &m, &mask, 13, e->nsent, 4);
        f[0] = (uint8_t)e->kind;
        f[1] = (uint8_t)mask;
        f[2] = (uint8_t)(mask >> 8);
        k += m;
        const void *part[3] = {e->payload, e->debug, e->sent};
        size_t plen[3] = {pl, dl, (size_t)e->nsent * 32};
        for (int v = 0; v < 3; v++) {
            if (!plen[v])
                continue;
            if (plen[v] <= sizeof buf - k) {
                memcpy(buf + k, part[v], plen[v]);
                k += plen[v];
                continue;
            }
            gb_blake2b_update(st, buf, k);
            k = 0;
            if (plen[v] < sizeof buf / 2) {
                memcpy(buf, part[v], plen[v]);
                k = plen[v];
            } else {
                gb_blake2b_update(st, part[v], plen[v]);
            }
        }
    }
    if (k)
        gb_blake2b_update(st, buf, k);
}

/* ---- the replay ----------------------------------------------------------- */

/* Remove the scratch directory: the store's files, then itself (it holds
 * no subdirectories). */
static void rm_scratch(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *en;
        char path[4200];
        while ((en = readdir(d)))
            if (strcmp(en->d_name, ".") && strcmp(en->d_name, "..")) {
                snprintf(path, sizeof path, "%s/%s", dir, en->d_name);
                unlink(path);
            }
        closedir(d);
    }
    rmdir(dir);
}

static void hex(const uint8_t *b, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[64] = 0;
}

/* What differs between the stored block (hd, its inputs sin) and the
 * replayed one (r, its inputs rin); "" when nothing. */
static void compare(const gb_block_header *hd, const uint8_t *hash,
                    const gb_blk_inputs *sin, const gb_block_result *r,
                    const uint8_t *revents, char *why, size_t n)
{
    char a[65], b[65];
    why[0] = 0;
    if (memcmp(hd->state_root, r->state_root, 32)) {
        hex(hd->state_root, a), hex(r->state_root, b);
        snprintf(why, n, "state root: stored 0x%s, replayed 0x%s", a, b);
    } else if (hd->gas_used != r->gas_used) {
        snprintf(why, n, "gas used: stored %llu, replayed %llu",
                 (unsigned long long)hd->gas_used,
                 (unsigned long long)r->gas_used);
    } else if (hd->dispatches != r->dispatched) {
        snprintf(why, n, "dispatches: stored %u, replayed %u",
                 hd->dispatches, r->dispatched);
    } else if (memcmp(sin->events, revents, 32)) {
        snprintf(why, n, "events: the replayed block's events differ "
                         "(%u events)", r->nevents);
    } else if (memcmp(hash, r->hash, 32)) {
        hex(hash, a), hex(r->hash, b);
        snprintf(why, n, "block hash: stored 0x%s, replayed 0x%s", a, b);
    }
}

/* The genesis of the scratch chain must be the stored one's. */
static gb_err check_genesis(gb_chain *src, gb_chain *s, char *why, size_t n)
{
    gb_block_header a, b;
    gb_err e = gb_chain_block_header(src, 0, &a, NULL);
    if (e == GB_NOT_FOUND) {
        snprintf(why, n, "the store has no genesis block: cannot replay");
        return GB_INVALID;
    }
    if (!e)
        e = gb_chain_block_header(s, 0, &b, NULL);
    if (!e && memcmp(a.state_root, b.state_root, 32)) {
        snprintf(why, n, "genesis: the replaying chain's configuration "
                         "gives another state (dev accounts, balances)");
        return GB_INVALID;
    }
    return e;
}

void gb_chain_dev_key(uint32_t height, gb_id id,
                      uint8_t out[GB_CHAIN_DEV_KEY])
{
    memcpy(out, "dev", 3);
    out[3] = (uint8_t)(height >> 24);
    out[4] = (uint8_t)(height >> 16);
    out[5] = (uint8_t)(height >> 8);
    out[6] = (uint8_t)height;
    memcpy(out + 7, id.b, 32);
}

/* The dev balance sets made while src's head was at height h-1, again in
 * s (the inputs of block h that are not transactions). */
static gb_err dev_inputs(gb_db_txn *r, gb_chain *s, uint32_t h)
{
    uint8_t prefix[GB_CHAIN_DEV_KEY];
    gb_chain_dev_key(h - 1, (gb_id){{0}}, prefix);
    gb_db_cursor *cur;
    gb_err e = gb_db_cursor_open(r, GB_TABLE_INPUTS, prefix, 7, NULL, 0,
                                 &cur);
    gb_db_val k, v;
    while (!e && !(e = gb_db_cursor_next(cur, &k, &v))) {
        if (k.len != GB_CHAIN_DEV_KEY || v.len != 16)
            continue;
        gb_id id;
        memcpy(id.b, (const uint8_t *)k.data + 7, 32);
        e = gb_chain_dev_set_balance(s, id, gb_u128_from_le(v.data), NULL,
                                     NULL, 0);
    }
    gb_db_cursor_close(cur);
    return e == GB_NOT_FOUND ? GB_OK : e;
}

/* Replay block h of src into s; *why set when it differs. */
static gb_err replay_one(gb_chain *src, gb_chain *s, uint32_t h,
                         const gb_chain_replay_opts *o, char *why, size_t n)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(src->db, &r);
    if (e)
        return e;
    gb_block_header hd;
    gb_db_val v;
    gb_blk_inputs in = {0};
    gb_block_result res = {0};
    if ((e = gb_db_block_get(r, h, &hd)))
        goto out;
    if ((e = gb_db_inputs_get(r, h, &v))) {
        if (e == GB_NOT_FOUND) {
            snprintf(why, n, "block %u has no stored inputs (made by an "
                             "older gearbox): cannot replay it", h);
            e = GB_INVALID;
        }
        goto out;
    }
    if ((e = gb_blk_inputs_decode(v.data, v.len, &in))) {
        snprintf(why, n, "block %u: its stored inputs are malformed", h);
        e = GB_INVALID;
        goto out;
    }
    if ((e = dev_inputs(r, s, h))) {
        snprintf(why, n, "block %u: its dev balance inputs failed (%s)", h,
                 gb_err_str(e));
        goto out;
    }
    if (o && o->before_block)
        o->before_block(o->ctx, s, h);
    if ((e = gb_chain_produce_inputs(s, &in, &res))) {
        snprintf(why, n, "block %u: replaying it failed (%s)", h,
                 gb_err_str(e));
        goto out;
    }
    /* the replayed block's events digest, as its producer stored it */
    uint8_t revents[32];
    gb_chain_events_digest(res.events, res.nevents, revents);
    uint8_t hash[32];
    gb_block_header_hash(&hd, hash);
    compare(&hd, hash, &in, &res, revents, why, n);
    if (o && o->after_block)
        o->after_block(o->ctx, s, h, &res);
out:
    gb_db_read_end(r);
    free(in.tx);
    gb_block_result_free(&res);
    return e;
}

gb_err gb_chain_replay(gb_chain *src, const gb_chain_replay_opts *o,
                       gb_chain_replay_report *out)
{
    memset(out, 0, sizeof *out);
    uint32_t to = o && o->to ? o->to : gb_chain_height(src);
    uint32_t from = o && o->from ? o->from : 1;
    if (to > gb_chain_height(src))
        to = gb_chain_height(src);
    out->from = from;
    out->to = to;
    if (from > to && to) {
        snprintf(out->why, sizeof out->why, "--from %u is after --to %u",
                 from, to);
        return GB_INVALID;
    }
    char tmpl[] = "/tmp/gearbox-replay-XXXXXX";
    const char *dir = o && o->scratch_dir ? o->scratch_dir : NULL;
    bool made = false;
    if (!dir) {
        const char *t = gb_chain_config(src)->temp_parent;
        if (t && *t && strlen(t) < 4000) {
            char *p = gb_malloc(strlen(t) + 32);
            if (!p)
                return GB_NOMEM;
            sprintf(p, "%s/gearbox-replay-XXXXXX", t);
            if (mkdtemp(p))
                dir = p, made = true;
            else
                free(p);
        }
        if (!dir) {
            if (!mkdtemp(tmpl)) {
                snprintf(out->why, sizeof out->why,
                         "cannot make a scratch directory: %s",
                         strerror(errno));
                return GB_IO;
            }
            dir = tmpl;
        }
    }
    gb_chain_cfg cfg = src->cfg;
    /* the genesis's own configuration, when stored */
    gb_db_txn *rt;
    gb_err e = gb_db_read_begin(src->db, &rt);
    if (!e) {
        gb_db_val g;
        if (!gb_db_inputs_get(rt, 0, &g))
            gb_chain_genesis_apply(g.data, g.len, &cfg);
        gb_db_read_end(rt);
    }
    cfg.data_dir = dir;
    cfg.nosync = true;
    cfg.persist_pool = false;
    cfg.block_budget_ms = 0;
    if (o && o->threads)
        cfg.threads = o->threads;
    gb_chain *s = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!e)
        e = gb_chain_open(&cfg, &s, out->why, sizeof out->why);
    if (!e)
        e = check_genesis(src, s, out->why, sizeof out->why);
    if (!e && o && o->opened)
        o->opened(o->ctx, s);
    for (uint32_t h = 1; !e && h <= to; h++) {
        char why[sizeof out->why];
        if ((e = replay_one(src, s, h, o, why, sizeof why))) {
            snprintf(out->why, sizeof out->why, "%s", why);
            break;
        }
        out->replayed++;
        if (why[0] && h >= from) {
            out->bad = h;
            snprintf(out->why, sizeof out->why, "%s", why);
            break;
        }
        if (o && o->stop && o->stop(o->ctx))
            break;
    }
    if (e && !out->why[0])
        snprintf(out->why, sizeof out->why, "%s", gb_err_str(e));
    gb_chain_close(s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
              (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (!(o && o->scratch_dir))
        rm_scratch(dir);
    if (made)
        free((void *)dir);
    return e;
}
