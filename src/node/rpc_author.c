/*
 * Substrate's author_* methods (shared/GEAR-RPC.md §3): a signed v4
 * extrinsic (node/sxt.h) is decoded, its signature checked over the
 * signing payload with this node's spec and transaction versions, genesis
 * and the era's birth block, its nonce checked against the chain's, and
 * its call mapped onto chain transactions:
 *
 *   Gear (104): upload_code 0, upload_program 1, create_program 2,
 *               send_message 3, send_reply 4, claim_value 5
 *   Balances (5): transfer_allow_death 0, transfer_keep_alive 3
 *   GearVoucher (107): issue 0, call 1 (a prepaid send_message,
 *               send_reply, upload_code or decline), revoke 2, update 3,
 *               decline 4 (chain.h "vouchers": the voucher arguments the
 *               chain takes as SCALE are copied from the call)
 *   Utility (8): batch 0, batch_all 2 of the calls above (submit_batch:
 *               the calls in order; batch stops at the first the chain
 *               refuses, batch_all is checked whole first and refused
 *               whole when it can be foreseen — a refusal it cannot
 *               foresee after the first call leaves the calls before it
 *               queued, shown as Utility.BatchInterrupted)
 *
 * then submitted (gb_rpc_submit_txs) and announced to the Substrate
 * blocks (gb_sblocks_pending), so that the block that applies it carries
 * it byte for byte with its events under its phase.
 *
 * Errors as a Substrate node's: 1010 "Invalid Transaction" with the
 * reason in data (bad signature, outdated or future nonce, ancient birth
 * block, the chain's refusal — gear-js reads "1010:" as a balance too
 * low), 1002 "Verification Error" for bytes that are not an extrinsic or
 * a call this node does not take.  An upload whose code the chain refuses
 * goes into the next block as a failed extrinsic (Gear's
 * ProgramConstructionFailed), as Gear does.  The keep_alive flags and the
 * tip are accepted and ignored.
 *
 * state_call TransactionPaymentApi_query_info (gb_rpc_payment_query_info;
 * polkadot.js's paymentInfo, sails-js's transactionFee) decodes the
 * extrinsic the same way (its signature unchecked: polkadot.js signs it
 * with a fake one) and answers RuntimeDispatchInfo{weight, Normal,
 * partial_fee = the chain's fees for its transactions (gb_chain_tx_fee;
 * an upload_program's code part only when the code is new)}.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gear/ids.h"
#include "node/metadata.h"
#include "node/rpc_int.h"
#include "node/sblocks.h"
#include "node/subs.h"
#include "node/sxt.h"
#include "node/jsonv.h"
#include "util/hex.h"
#include "util/scale.h"
#include "util/ss58.h"

#define ERR_INVALID_TX 1010
#define ERR_VERIFICATION 1002
#define MAX_XT (24u << 20)
#define PALLET_UTILITY 8
#define PALLET_VOUCHER 107
/* calls in one Utility batch (Vara's batched_calls_limit is 10922) */
#define MAX_BATCH 256u

static json_t *nomem(gb_rpc_err *err)
{
    return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "out of memory");
}


/* A watched extrinsic: its hash, and once a block carried it, that
 * block's hash (finalized is sent one block later: polkadot.js drops an
 * inBlock that a finalized follows at once). */
typedef struct watch {
    uint8_t hash[32];
    bool in_block;
    uint8_t block[32];
} watch;

/* A decoded call: up to two chain transactions (an upload of a program:
 * the code part then the creation). */
typedef struct call {
    gb_tx tx[2];
    uint32_t n;
    uint8_t args[GB_CHAIN_VOUCHER_ARGS_MAX]; /* a voucher update's */
} call;

static bool get_id(gb_scale_reader *rd, gb_id *out)
{
    const uint8_t *b;
    if (gb_scale_get_raw(rd, 32, &b))
        return false;
    memcpy(out->b, b, 32);
    return true;
}

static bool get_bytes(gb_scale_reader *rd, const uint8_t **p, uint32_t *len)
{
    size_t n;
    if (gb_scale_get_bytes(rd, MAX_XT, p, &n))
        return false;
    *len = (uint32_t)n;
    return true;
}

/* gas u64 ‖ value u128 ‖ keep_alive bool */
static bool get_gas_value(gb_scale_reader *rd, gb_tx *t)
{
    bool keep;
    return !gb_scale_get_u64(rd, &t->gas_limit) &&
           !gb_scale_get_u128(rd, &t->value) && !gb_scale_get_bool(rd, &keep);
}

/* Skip a SCALE Option<BTreeSet<[u8; 32]>> (set: already inside the
 * option's Some) at rd. */
static bool skip_set(gb_scale_reader *rd)
{
    uint64_t n;
    const uint8_t *b;
    return !gb_scale_get_compact(rd, 1u << 16, &n) &&
           !gb_scale_get_raw(rd, (size_t)n * 32, &b);
}

static bool skip_opt_set(gb_scale_reader *rd)
{
    bool some;
    return !gb_scale_get_option(rd, &some) && (!some || skip_set(rd));
}

/* GearVoucher's call fn at rd (after its index). */
static bool decode_voucher(gb_scale_reader *rd, uint8_t fn, call *c,
                           char *why, size_t why_len)
{
    gb_tx *t = &c->tx[0];
    bool ok = false, b, some;
    uint32_t u;
    size_t from = rd->pos;
    switch (fn) {
    case 0: /* issue(spender, balance u128, programs, code_uploading,
               duration) */
        t->kind = GB_TX_VOUCHER_ISSUE;
        ok = get_id(rd, &t->destination) &&
             !gb_scale_get_u128(rd, &t->value);
        from = rd->pos;
        ok = ok && skip_opt_set(rd) && !gb_scale_get_bool(rd, &b) &&
             !gb_scale_get_u32(rd, &u);
        t->payload = rd->p + from;
        t->payload_len = (uint32_t)(rd->pos - from);
        break;
    case 1: { /* call(voucher_id, PrepaidCall) */
        uint8_t v;
        ok = get_id(rd, &t->voucher) && !gb_scale_get_u8(rd, &v);
        t->fee_payer = t->voucher;
        if (!ok)
            break;
        switch (v) {
        case 0:
        case 1:
            t->kind = v == 0 ? GB_TX_SEND_MESSAGE : GB_TX_SEND_REPLY;
            ok = get_id(rd, &t->destination) &&
                 get_bytes(rd, &t->payload, &t->payload_len) &&
                 get_gas_value(rd, t);
            break;
        case 2:
            t->kind = GB_TX_UPLOAD_CODE;
            ok = get_bytes(rd, &t->code, &t->code_len);
            break;
        case 3:
            t->kind = GB_TX_VOUCHER_DECLINE;
            break;
        default:
            ok = false;
        }
        break;
    }
    case 2: /* revoke(spender, voucher_id) */
        t->kind = GB_TX_VOUCHER_REVOKE;
        ok = get_id(rd, &t->destination) && get_id(rd, &t->voucher);
        break;
    case 3: { /* update(spender, voucher_id, move_ownership, balance_top_up,
                 append_programs, code_uploading, prolong_duration): the
                 arguments but the top-up (the value) into c->args */
        size_t n1, n2;
        t->kind = GB_TX_VOUCHER_UPDATE;
        ok = get_id(rd, &t->destination) && get_id(rd, &t->voucher);
        from = rd->pos;
        gb_id owner;
        ok = ok && !gb_scale_get_option(rd, &some) &&
             (!some || get_id(rd, &owner));
        n1 = rd->pos - from;
        ok = ok && !gb_scale_get_option(rd, &some) &&
             (!some || !gb_scale_get_u128(rd, &t->value));
        size_t from2 = rd->pos;
        ok = ok && !gb_scale_get_option(rd, &some) &&
             (!some || skip_opt_set(rd)) &&
             !gb_scale_get_option(rd, &some) &&
             (!some || !gb_scale_get_bool(rd, &b)) &&
             !gb_scale_get_option(rd, &some) &&
             (!some || !gb_scale_get_u32(rd, &u));
        n2 = rd->pos - from2;
        if (ok && n1 + n2 > sizeof c->args) {
            snprintf(why, why_len, "GearVoucher.update: more than 32 "
                                   "programs (MaxProgramsLimitExceeded)");
            return false;
        }
        if (ok) {
            memcpy(c->args, rd->p + from, n1);
            memcpy(c->args + n1, rd->p + from2, n2);
            t->payload = c->args;
            t->payload_len = (uint32_t)(n1 + n2);
        }
        break;
    }
    case 4: /* decline(voucher_id) */
        t->kind = GB_TX_VOUCHER_DECLINE;
        ok = get_id(rd, &t->voucher);
        break;
    default:
        snprintf(why, why_len, "GearVoucher call %u is not supported", fn);
        return false;
    }
    if (!ok)
        snprintf(why, why_len, "could not decode the call");
    return ok;
}

/* One call at rd (its pallet and call index, then its arguments; rd
 * left after it).  False with why filled. */
static bool decode_one(gb_scale_reader *rd, gb_id signer, call *c,
                       char *why, size_t why_len)
{
    uint8_t pallet, fn;
    memset(c, 0, sizeof *c);
    gb_tx *t = &c->tx[0];
    t->sender = signer;
    c->n = 1;
    bool ok = !gb_scale_get_u8(rd, &pallet) && !gb_scale_get_u8(rd, &fn);
    if (ok && pallet == PALLET_UTILITY && (fn == 0 || fn == 2)) {
        snprintf(why, why_len, "a batch inside a batch is not supported");
        return false;
    }
    if (ok && pallet == 104) {
        switch (fn) {
        case 0:
            t->kind = GB_TX_UPLOAD_CODE;
            ok = get_bytes(rd, &t->code, &t->code_len);
            break;
        case 1: {
            gb_tx *cr = &c->tx[1];
            t->kind = GB_TX_UPLOAD_CODE;
            cr->kind = GB_TX_CREATE_PROGRAM;
            cr->sender = signer;
            ok = get_bytes(rd, &t->code, &t->code_len) &&
                 get_bytes(rd, &cr->salt, &cr->salt_len) &&
                 get_bytes(rd, &cr->payload, &cr->payload_len) &&
                 get_gas_value(rd, cr);
            if (ok)
                cr->code_id = gb_code_id(t->code, t->code_len);
            c->n = 2;
            break;
        }
        case 2:
            t->kind = GB_TX_CREATE_PROGRAM;
            ok = get_id(rd, &t->code_id) &&
                 get_bytes(rd, &t->salt, &t->salt_len) &&
                 get_bytes(rd, &t->payload, &t->payload_len) &&
                 get_gas_value(rd, t);
            break;
        case 3:
        case 4:
            t->kind = fn == 3 ? GB_TX_SEND_MESSAGE : GB_TX_SEND_REPLY;
            ok = get_id(rd, &t->destination) &&
                 get_bytes(rd, &t->payload, &t->payload_len) &&
                 get_gas_value(rd, t);
            break;
        case 5:
            t->kind = GB_TX_CLAIM_VALUE;
            ok = get_id(rd, &t->destination);
            break;
        default:
            snprintf(why, why_len, "Gear call %u is not supported", fn);
            return false;
        }
    } else if (ok && pallet == PALLET_VOUCHER) {
        return decode_voucher(rd, fn, c, why, why_len);
    } else if (ok && pallet == 5 && (fn == 0 || fn == 3)) {
        uint8_t kind;
        t->kind = GB_TX_TRANSFER;
        ok = !gb_scale_get_u8(rd, &kind) && kind == 0 &&
             get_id(rd, &t->destination) &&
             !gb_scale_get_compact_u128(rd, &t->value);
    } else if (ok) {
        snprintf(why, why_len, "call %u.%u is not supported by this node",
                 pallet, fn);
        return false;
    }
    if (!ok) {
        snprintf(why, why_len, "could not decode the call");
        return false;
    }
    return true;
}

/* A decoded extrinsic call: one call, or a Utility batch of them. */
typedef struct calls {
    call *v;
    uint32_t n;
    bool batch, atomic; /* Utility.batch (atomic: batch_all) */
} calls;

static bool decode_call(const uint8_t *p, size_t len, gb_id signer,
                        calls *out, char *why, size_t why_len)
{
    gb_scale_reader rd;
    gb_scale_reader_init(&rd, p, len);
    memset(out, 0, sizeof *out);
    uint64_t n = 1;
    if (len >= 2 && p[0] == PALLET_UTILITY && (p[1] == 0 || p[1] == 2)) {
        uint8_t pallet, fn;
        out->batch = true;
        out->atomic = p[1] == 2;
        if (gb_scale_get_u8(&rd, &pallet) || gb_scale_get_u8(&rd, &fn) ||
            gb_scale_get_compact(&rd, UINT32_MAX, &n)) {
            snprintf(why, why_len, "could not decode the call");
            return false;
        }
        if (n > MAX_BATCH) {
            snprintf(why, why_len,
                     "a batch of %llu calls: this node takes at most %u",
                     (unsigned long long)n, MAX_BATCH);
            return false;
        }
    }
    out->v = calloc(n ? n : 1, sizeof *out->v);
    if (!out->v) {
        snprintf(why, why_len, "out of memory");
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        char w[200] = "";
        if (!decode_one(&rd, signer, &out->v[i], w, sizeof w)) {
            if (out->batch)
                snprintf(why, why_len, "batch call %u: %s", i, w);
            else
                snprintf(why, why_len, "%s", w);
            free(out->v);
            out->v = NULL;
            return false;
        }
        out->n++;
    }
    if (gb_scale_left(&rd)) {
        snprintf(why, why_len, "could not decode the call");
        free(out->v);
        out->v = NULL;
        return false;
    }
    return true;
}

/* The chain refused an upload for its code (a module it cannot take), not
 * for balance, gas or a duplicate: Gear's ProgramConstructionFailed. */
static bool code_refused(const call *cl, const gb_rpc_err *err)
{
    static const char *const other[] = {"balance", "already", "gas limit",
                                        "unknown", "payload", "fee"};
    if (err->code != GB_RPC_TX_REFUSED || cl->tx[0].kind != GB_TX_UPLOAD_CODE)
        return false;
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        if (strstr(err->msg, other[i]))
            return false;
    return true;
}

/* The refusal of a batch's call (err: the chain's reason) as a SCALE
 * DispatchError: Module{Gear, the pallet error closest to the reason},
 * else Other; into out (8 bytes), its length returned. */
static uint32_t dispatch_error(const gb_rpc_err *err, uint8_t out[8])
{
    static const struct {
        const char *words;
        uint8_t error; /* pallet_gear::Error */
    } map[] = {
        {"balance", 1},            /* InsufficientBalance */
        {"gas limit above", 2},    /* GasLimitTooHigh */
        {"program already", 3},    /* ProgramAlreadyExists */
        {"unknown program", 12},   /* ProgramNotFound */
        {"code already", 6},       /* CodeAlreadyExists */
        {"unknown code", 7},       /* CodeDoesntExist */
        {"mailbox", 0},            /* MessageNotFound */
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strstr(err->msg, map[i].words)) {
            uint8_t e[8] = {3, 104, map[i].error, 0, 0, 0};
            memcpy(out, e, 8);
            return 6;
        }
    out[0] = 0; /* Other */
    return 1;
}

/* What a batch_all can be refused for, checked for all its calls before
 * any is queued, so that it is refused whole: gas limits, the
 * destinations of its messages (programs on chain or created by an
 * earlier call of it), and value + gas + fees of all its calls against
 * the signer's balance.  False with err filled (1010). */
static bool batch_precheck(gb_rpc *r, gb_id signer, const calls *cs,
                           gb_rpc_err *err)
{
    gb_chain *c = gb_rpc_chain(r);
    const gb_chain_cfg *cfg = gb_chain_config(c);
    gb_u128 need = gb_u128_from(0), bal;
    bool over = false;
    const char *why = NULL;
    uint32_t at = 0;
    for (uint32_t i = 0; !why && i < cs->n; i++) {
        at = i;
        for (uint32_t j = 0; !why && j < cs->v[i].n; j++) {
            const gb_tx *t = &cs->v[i].tx[j];
            bool msg = t->kind == GB_TX_CREATE_PROGRAM ||
                       t->kind == GB_TX_SEND_MESSAGE ||
                       t->kind == GB_TX_SEND_REPLY;
            if (msg && t->gas_limit > cfg->block_gas_limit)
                why = "gas limit above the block gas limit";
            else if ((t->kind == GB_TX_CREATE_PROGRAM ||
                      t->kind == GB_TX_SEND_MESSAGE) && !t->gas_limit)
                why = "gas limit 0: a message to a program needs gas";
            if (t->kind == GB_TX_SEND_MESSAGE && !why) {
                gb_chain_prog_info pi;
                bool known = !gb_chain_program_info(c, t->destination, &pi);
                for (uint32_t k = 0; !known && k < i; k++)
                    for (uint32_t l = 0; l < cs->v[k].n; l++) {
                        const gb_tx *u = &cs->v[k].tx[l];
                        known = known ||
                                (u->kind == GB_TX_CREATE_PROGRAM &&
                                 gb_id_eq(gb_program_id_from_user(
                                              u->code_id, u->salt,
                                              u->salt_len),
                                          t->destination));
                    }
                if (!known)
                    why = "unknown program";
            }
            if (msg)
                over = over ||
                       !gb_u128_add_to(&need, gb_chain_gas_value(t->gas_limit));
            over = over || !gb_u128_add_to(&need, t->value) ||
                   !gb_u128_add_to(&need, gb_chain_tx_fee(cfg, t));
        }
    }
    if (!why && (gb_chain_balance_get(c, signer, &bal) || over ||
                 gb_u128_cmp(need, bal) > 0))
        why = "not enough balance for value, gas and the transaction fees "
              "of all the calls";
    if (!why)
        return true;
    gb_rpc_fail(err, ERR_INVALID_TX,
                "Invalid Transaction: batch_all call %u: %s (nothing was "
                "queued)",
                at, why);
    return false;
}

/* Submit a Utility batch (cs->batch) whose bytes are buf[0, len): its
 * calls in order until the chain refuses one (Substrate's batch: the
 * calls before it stay, BatchInterrupted says which); a batch_all is
 * checked whole first (batch_precheck) and refused whole when its first
 * call is.  False with err filled when nothing was accepted. */
static bool submit_batch(gb_rpc *r, gb_id signer, const calls *cs,
                         const uint8_t *buf, size_t len, gb_rpc_err *err)
{
    if (cs->atomic && !batch_precheck(r, signer, cs, err))
        return false;
    gb_id *ids = malloc((size_t)(cs->n ? cs->n : 1) * 2 * sizeof *ids);
    uint32_t *ends = malloc((cs->n ? cs->n : 1) * sizeof *ends);
    gb_sblocks_batch b = {.item_end = ends};
    uint32_t nids = 0;
    bool ok = false;
    if (!ids || !ends) {
        nomem(err);
        goto out;
    }
    for (uint32_t i = 0; i < cs->n; i++) {
        gb_id got[2], id, msg;
        uint32_t n;
        gb_rpc_err e = {0};
        if (!gb_rpc_submit_txs(r, signer, cs->v[i].tx, cs->v[i].n, got, &n,
                               &id, &msg, &e)) {
            if (i == 0 && (cs->atomic || e.code != GB_RPC_TX_REFUSED)) {
                gb_rpc_fail(err, e.code == GB_RPC_TX_REFUSED
                                     ? ERR_INVALID_TX
                                     : e.code,
                            "%s%s", e.code == GB_RPC_TX_REFUSED
                                        ? "Invalid Transaction: "
                                        : "",
                            e.msg);
                goto out;
            }
            b.interrupted = true;
            b.error_len = dispatch_error(&e, b.error);
            break;
        }
        memcpy(ids + nids, got, n * sizeof *got);
        nids += n;
        ends[b.nitems++] = nids;
    }
    if (gb_sblocks_pending_batch(gb_rpc_sblocks(r), buf, len, ids, nids,
                                 &b)) {
        nomem(err);
        goto out;
    }
    if (!nids)
        gb_rpc_nudge(r); /* nothing queued: a block must still carry it */
    ok = true;
out:
    free(ids);
    free(ends);
    return ok;
}

/* Check and submit hex extrinsic params[0]; *hash set.  NULL with err
 * filled when refused; else json true. */
static bool submit(gb_rpc *r, json_t *params, uint8_t hash[32],
                   gb_rpc_err *err)
{
    uint8_t *buf;
    size_t len;
    if (!gb_rpc_p_bytes(params, "extrinsic", 0, true, MAX_XT, &buf, &len,
                        err))
        return false;
    gb_sxt x;
    char why[256] = "";
    bool ok = false;
    if (gb_sxt_decode(buf, len, &x, why, sizeof why)) {
        gb_rpc_fail(err, ERR_VERIFICATION,
                    "Verification Error: Runtime error: Could not decode "
                    "the extrinsic: %s",
                    why);
        goto out;
    }
    memcpy(hash, x.hash, 32);
    gb_sblocks *s = gb_rpc_sblocks(r);
    const gb_runtime_version *rv = gb_metadata_runtime_version();
    uint8_t genesis[32], birth_hash[32];
    gb_sblocks_hash(s, 0, genesis);
    uint32_t best = gb_sblocks_best(s);
    /* checked as in the block on top of the best, or else the best (a
     * signer whose checkpoint is the best block itself) */
    uint64_t birth = gb_sxt_birth(&x, (uint64_t)best + 1);
    if (birth > best)
        birth = gb_sxt_birth(&x, best);
    if (x.mortal && (uint64_t)best + 1 >= birth + x.period) {
        gb_rpc_fail(err, ERR_INVALID_TX,
                    "Invalid Transaction: Transaction has an ancient birth "
                    "block");
        goto out;
    }
    if (!gb_sblocks_hash(s, (uint32_t)birth, birth_hash))
        memcpy(birth_hash, genesis, 32);
    gb_err e = gb_sxt_verify(&x, rv->spec_version, rv->transaction_version,
                             genesis, birth_hash);
    if (e == GB_NOMEM) {
        nomem(err);
        goto out;
    }
    gb_id signer;
    memcpy(signer.b, x.signer, 32);
    /* dev: an impersonated account's extrinsic needs no valid signature
     * (a fake one, as polkadot.js's signFake makes; rpc_dev.c) */
    if (e && !gb_rpc_impersonated(r, signer)) {
        gb_rpc_fail(err, ERR_INVALID_TX,
                    "Invalid Transaction: Transaction has a bad signature");
        goto out;
    }
    /* the chain's next nonce, or (a cluster replica) past what this
     * replica already read in the log */
    uint64_t want;
    gb_err ne = gb_rpc_nonce_want(r, signer, &want);
    if (ne) {
        gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "the store: %s",
                    gb_err_str(ne));
        goto out;
    }
    if (x.nonce != want) {
        gb_rpc_fail(err, ERR_INVALID_TX,
                    "Invalid Transaction: %s (nonce %llu, the account's "
                    "next is %llu)",
                    x.nonce < want ? "Transaction is outdated"
                                   : "Transaction will be valid in the "
                                     "future",
                    (unsigned long long)x.nonce,
                    (unsigned long long)want);
        goto out;
    }
    calls cs;
    if (!decode_call(x.call, x.call_len, signer, &cs, why, sizeof why)) {
        gb_rpc_fail(err, ERR_VERIFICATION,
                    "Verification Error: Runtime error: %s", why);
        goto out;
    }
    /* its chain transactions go out as parts of one signed transaction
     * (in a cluster: keyed by the extrinsic's hash, so it is taken once
     * however often and wherever it is sent, and with its signer's nonce,
     * which every replica then learns) */
    r->submit_key = hash;
    r->submit_nth = 0;
    r->submit_signer = signer;
    r->submit_nonce = x.nonce;
    if (cs.batch) {
        ok = submit_batch(r, signer, &cs, buf, len, err);
        free(cs.v);
        goto out;
    }
    call cl = cs.v[0];
    if (cl.tx[0].payload == cs.v[0].args) /* (a voucher update's) */
        cl.tx[0].payload = cl.args;
    free(cs.v);
    gb_id ids[2], id, msg;
    uint32_t nids;
    if (!gb_rpc_submit_txs(r, signer, cl.tx, cl.n, ids, &nids, &id, &msg,
                           err)) {
        if (code_refused(&cl, err)) {
            /* Gear takes such an extrinsic and fails it in its block:
             * ExtrinsicFailed Module{Gear, ProgramConstructionFailed}
             * (the nonce is not spent here: the chain saw nothing) */
            if (gb_sblocks_pending(s, buf, len, NULL, 0, true)) {
                nomem(err);
                goto out;
            }
            gb_rpc_nudge(r);
            ok = true;
            goto out;
        }
        if (err->code == GB_RPC_TX_REFUSED) {
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s", err->msg);
            gb_rpc_fail(err, ERR_INVALID_TX, "Invalid Transaction: %s", m);
        }
        goto out;
    }
    if (gb_sblocks_pending(s, buf, len, ids, nids, false)) {
        /* queued, but the block will not show it: say so */
        nomem(err);
        goto out;
    }
    ok = true;
out:
    r->submit_key = NULL;
    free(buf);
    return ok;
}

json_t *gb_rpc_m_author_submit(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    uint8_t hash[32];
    if (!submit(r, params, hash, err))
        return NULL;
    json_t *o = gb_json_hex(hash, 32);
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_author_submit_watch(gb_rpc *r, json_t *params,
                                     gb_rpc_err *err)
{
    gb_subs_session *ss = gb_rpc_session(r);
    if (!ss)
        return gb_rpc_fail(err, GB_RPC_METHOD_NOT_FOUND,
                           "subscriptions need a WebSocket connection");
    uint8_t hash[32];
    if (!submit(r, params, hash, err))
        return NULL;
    watch *w = calloc(1, sizeof *w);
    if (!w)
        return nomem(err);
    memcpy(w->hash, hash, 32);
    uint64_t id;
    gb_err e = gb_subs_add_data(ss, GB_SUB_EXTRINSIC, w, free, &id);
    if (e == GB_LIMIT)
        return gb_rpc_fail(err, GB_RPC_TOO_LARGE,
                           "too many subscriptions on this connection: "
                           "unsubscribe one first");
    if (e)
        return nomem(err);
    gb_subs_notify(ss, "author_extrinsicUpdate", id, "\"ready\"");
    json_t *o = json_integer((json_int_t)id);
    return o ? o : nomem(err);
}

json_t *gb_rpc_m_author_unwatch(gb_rpc *r, json_t *params, gb_rpc_err *err)
{
    gb_subs_session *ss = gb_rpc_session(r);
    json_t *v = gb_rpc_param(params, "subscription", 0);
    if (!json_is_integer(v) && !json_is_string(v))
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param subscription: expected the id");
    uint64_t id = json_is_integer(v)
                      ? (uint64_t)json_integer_value(v)
                      : strtoull(json_string_value(v), NULL, 0);
    bool ok = ss && !gb_subs_remove(ss, GB_SUB_EXTRINSIC, id);
    return ok ? json_true() : json_false();
}

typedef struct done {
    gb_subs_session *ss;
    uint64_t id;
} done;

typedef struct note_ctx {
    const gb_sblock *b;
    done *ended;
    size_t n, cap;
} note_ctx;

static void update(gb_subs_session *ss, uint64_t id, const char *kind,
                   const uint8_t block[32])
{
    char text[100];
    char hash[67] = "0x";
    gb_hex_encode(block, 32, hash + 2);
    snprintf(text, sizeof text, "{\"%s\":\"%s\"}", kind, hash);
    gb_subs_notify(ss, "author_extrinsicUpdate", id, text);
}

static void note_one(void *ctx, gb_subs_session *ss, uint64_t id, void *data)
{
    note_ctx *k = ctx;
    watch *w = data;
    if (w->in_block) {
        update(ss, id, "finalized", w->block);
        if (k->n == k->cap) {
            size_t cap = k->cap ? k->cap * 2 : 8;
            done *d = realloc(k->ended, cap * sizeof *d);
            if (!d)
                return; /* it stays until unwatched */
            k->ended = d;
            k->cap = cap;
        }
        k->ended[k->n++] = (done){ss, id};
        return;
    }
    for (uint32_t i = 0; i < k->b->nxt; i++)
        if (!memcmp(k->b->xt_hash[i], w->hash, 32)) {
            w->in_block = true;
            memcpy(w->block, k->b->hash, 32);
            update(ss, id, "inBlock", w->block);
            return;
        }
}

void gb_rpc_author_note_block(gb_rpc *r)
{
    gb_sblocks *s = gb_rpc_sblocks(r);
    gb_sblock tmp;
    note_ctx k = {0};
    if (gb_sblocks_get(s, gb_sblocks_best(s), &tmp, &k.b))
        return;
    gb_subs_each(gb_rpc_subs(r), GB_SUB_EXTRINSIC, note_one, &k);
    for (size_t i = 0; i < k.n; i++)
        gb_subs_remove(k.ended[i].ss, GB_SUB_EXTRINSIC, k.ended[i].id);
    free(k.ended);
    gb_sblock_clear(&tmp);
}

json_t *gb_rpc_m_account_next_index(gb_rpc *r, json_t *params,
                                    gb_rpc_err *err)
{
    json_t *v = gb_rpc_param(params, "account", 0);
    gb_id id;
    uint16_t prefix;
    size_t n;
    const char *t = json_is_string(v) ? json_string_value(v) : NULL;
    bool ok = false;
    if (t && t[0] == '0' && t[1] == 'x')
        ok = strlen(t) == 66 && !gb_hex_decode(t + 2, id.b, 32, &n) &&
             n == 32;
    else if (t)
        ok = !gb_ss58_decode(t, &prefix, id.b, NULL, 0);
    if (!ok)
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "param account: expected an SS58 address or a "
                           "32-byte account id in hex");
    /* (as submit checks it: past what a cluster replica read in the log) */
    uint64_t next;
    gb_err e = gb_rpc_nonce_told(r, id, &next);
    if (e)
        return gb_rpc_fail(err, GB_RPC_INTERNAL_ERROR, "the store: %s",
                           gb_err_str(e));
    json_t *o = json_integer((json_int_t)next);
    return o ? o : nomem(err);
}

json_t *gb_rpc_payment_query_info(gb_rpc *r, const uint8_t *data, size_t len,
                                  gb_rpc_err *err)
{
    gb_scale_reader rd;
    gb_scale_reader_init(&rd, data, len);
    uint64_t xlen;
    gb_sxt x;
    char why[256] = "";
    if (gb_scale_get_compact(&rd, MAX_XT, &xlen) ||
        gb_scale_left(&rd) != xlen + 4)
        return gb_rpc_fail(err, GB_RPC_INVALID_PARAMS,
                           "TransactionPaymentApi_query_info: expected an "
                           "extrinsic (with its length) and a u32");
    size_t whole = len - 4; /* the u32 after it: unused (the fee does
                               not depend on the length) */
    if (gb_sxt_decode(data, whole, &x, why, sizeof why))
        return gb_rpc_fail(err, ERR_VERIFICATION,
                           "Verification Error: Runtime error: Could not "
                           "decode the extrinsic: %s",
                           why);
    gb_id signer;
    memcpy(signer.b, x.signer, 32);
    calls cs;
    if (!decode_call(x.call, x.call_len, signer, &cs, why, sizeof why))
        return gb_rpc_fail(err, ERR_VERIFICATION,
                           "Verification Error: Runtime error: %s", why);
    gb_chain *c = gb_rpc_chain(r);
    const gb_chain_cfg *cfg = gb_chain_config(c);
    gb_u128 fee = gb_u128_from(0);
    for (uint32_t i = 0; i < cs.n; i++)
        for (uint32_t j = 0; j < cs.v[i].n; j++) {
            const gb_tx *t = &cs.v[i].tx[j];
            /* an upload_program pays for its code only when it is new */
            if (cs.v[i].n == 2 && j == 0 &&
                gb_chain_code_exists(c, gb_code_id(t->code, t->code_len)))
                continue;
            gb_u128_add_to(&fee, gb_chain_tx_fee(cfg, t));
        }
    free(cs.v);
    gb_scale_buf w = {0};
    gb_scale_put_compact(&w, GB_SBLOCKS_XT_REF_TIME); /* weight.ref_time */
    gb_scale_put_compact(&w, 0);                      /* weight.proof_size */
    gb_scale_put_u8(&w, 0);                           /* class Normal */
    gb_scale_put_u128(&w, fee);                       /* partial_fee */
    uint8_t *out;
    size_t n;
    if (gb_scale_buf_take(&w, &out, &n))
        return nomem(err);
    json_t *o = gb_json_hex(out, n);
    free(out);
    return o ? o : nomem(err);
}
