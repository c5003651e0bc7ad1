/*
 * The signed transaction codec (see tx.h and docs/transactions.md).
 *
 * Encoding is done in two passes over one description of the fields (a
 * writer that only counts, then one that writes), so the size computation
 * and the bytes cannot disagree.  Decoding is a cursor over the buffer
 * that never reads past its end: every read checks the bytes left first,
 * and every length is checked against its limit and what is left before
 * anything is done with it.  The signature is checked last, once the whole
 * encoding is known to be well formed and for this chain, so that the
 * detail says the most precise thing that is wrong.
 */
#include "node/tx.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/hash.h"
#include "util/mem.h"

_Static_assert(crypto_sign_BYTES == GB_TX_SIGNATURE_LEN, "signature size");
_Static_assert(crypto_sign_PUBLICKEYBYTES == GB_TX_PUBLIC_KEY_LEN,
               "public key size");
_Static_assert(crypto_sign_SECRETKEYBYTES == GB_TX_SECRET_KEY_LEN,
               "secret key size");

static void set_detail(char *detail, size_t len, const char *fmt, ...)
{
    if (!detail || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, len, fmt, ap);
    va_end(ap);
}

static void ensure_sodium(void)
{
    /* Idempotent and thread-safe; a failure only means no randomness
     * source, which signing and verifying do not use. */
    if (sodium_init() < 0) {
        /* no randomness source: not needed here */
    }
}

const char *gb_tx_wire_kind_name(gb_tx_wire_kind kind)
{
    switch (kind) {
    case GB_TXW_UPLOAD_CODE: return "upload_code";
    case GB_TXW_UPLOAD_PROGRAM: return "upload_program";
    case GB_TXW_CREATE_PROGRAM: return "create_program";
    case GB_TXW_SEND_MESSAGE: return "send_message";
    case GB_TXW_SEND_REPLY: return "send_reply";
    case GB_TXW_CLAIM_VALUE: return "claim_value";
    }
    return "unknown";
}

static bool kind_known(unsigned k)
{
    return k >= GB_TXW_UPLOAD_CODE && k <= GB_TXW_CLAIM_VALUE;
}

void gb_tx_limits_default(gb_tx_limits *out)
{
    out->max_code_len = 524288;
    out->max_salt_len = 65536;
    out->max_payload_len = 8u << 20;
}

void gb_tx_hash(const uint8_t *buf, size_t len, uint8_t out[GB_TX_HASH_LEN])
{
    gb_blake2b256(buf, len, out);
}

void gb_tx_chain_id_from_name(const char *name,
                              uint8_t out[GB_TX_CHAIN_ID_LEN])
{
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, "gearbox/chain/", 14);
    gb_blake2b_update(&st, name, strlen(name));
    gb_blake2b_final(&st, out);
}

/* The digest the signature covers. */
static void signing_digest(const uint8_t *signed_bytes, size_t len,
                           uint8_t out[32])
{
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, GB_TX_SIGNING_DOMAIN,
                      sizeof GB_TX_SIGNING_DOMAIN - 1);
    gb_blake2b_update(&st, signed_bytes, len);
    gb_blake2b_final(&st, out);
}

/* ---- encoding ------------------------------------------------------------ */

/* A writer: with buf NULL it only counts. */
typedef struct wr {
    uint8_t *buf;
    size_t pos;
} wr;

static void put(wr *w, const void *p, size_t n)
{
    if (w->buf)
        gb_copy(w->buf + w->pos, p, n);
    w->pos += n;
}

static void put_u8(wr *w, uint8_t v) { put(w, &v, 1); }

static void put_u32(wr *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                    (uint8_t)(v >> 24)};
    put(w, b, 4);
}

static void put_u64(wr *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, 8);
}

static void put_bytes(wr *w, const uint8_t *p, uint32_t n)
{
    put_u32(w, n);
    put(w, p, n);
}

static void put_u128(wr *w, gb_u128 v)
{
    uint8_t b[16];
    gb_u128_to_le(v, b);
    put(w, b, 16);
}

/* Everything before the signature. */
static void write_unsigned(wr *w, const uint8_t chain_id[32],
                           const gb_tx_body *b, const uint8_t pk[32],
                           uint64_t nonce)
{
    put_u8(w, GB_TX_VERSION);
    put(w, chain_id, 32);
    put_u8(w, (uint8_t)b->kind);
    put(w, pk, 32);
    put_u64(w, nonce);
    switch (b->kind) {
    case GB_TXW_UPLOAD_CODE:
        put_bytes(w, b->code, b->code_len);
        break;
    case GB_TXW_UPLOAD_PROGRAM:
        put_bytes(w, b->code, b->code_len);
        put_bytes(w, b->salt, b->salt_len);
        put_bytes(w, b->payload, b->payload_len);
        put_u64(w, b->gas_limit);
        put_u128(w, b->value);
        break;
    case GB_TXW_CREATE_PROGRAM:
        put(w, b->code_id.b, 32);
        put_bytes(w, b->salt, b->salt_len);
        put_bytes(w, b->payload, b->payload_len);
        put_u64(w, b->gas_limit);
        put_u128(w, b->value);
        break;
    case GB_TXW_SEND_MESSAGE:
    case GB_TXW_SEND_REPLY:
        put(w, b->target.b, 32);
        put_bytes(w, b->payload, b->payload_len);
        put_u64(w, b->gas_limit);
        put_u128(w, b->value);
        break;
    case GB_TXW_CLAIM_VALUE:
        put(w, b->target.b, 32);
        break;
    }
}

gb_err gb_tx_encode(const uint8_t chain_id[GB_TX_CHAIN_ID_LEN],
                    const gb_tx_body *body, uint64_t nonce,
                    const uint8_t secret_key[GB_TX_SECRET_KEY_LEN],
                    uint8_t **out, size_t *out_len, char *detail,
                    size_t detail_len)
{
    if (!kind_known((unsigned)body->kind)) {
        set_detail(detail, detail_len, "unknown transaction kind %d",
                   (int)body->kind);
        return GB_INVAL;
    }
    if ((!body->code && body->code_len) || (!body->salt && body->salt_len) ||
        (!body->payload && body->payload_len)) {
        set_detail(detail, detail_len,
                   "a NULL code, salt or payload with a nonzero length");
        return GB_INVAL;
    }
    ensure_sodium();
    uint8_t pk[32];
    /* libsodium's secret key is seed || public key */
    crypto_sign_ed25519_sk_to_pk(pk, secret_key);

    wr w = {NULL, 0};
    write_unsigned(&w, chain_id, body, pk, nonce);
    size_t unsigned_len = w.pos, total = unsigned_len + GB_TX_SIGNATURE_LEN;
    uint8_t *buf = gb_malloc(total);
    if (!buf) {
        set_detail(detail, detail_len, "out of memory (%zu bytes)", total);
        return GB_NOMEM;
    }
    w = (wr){buf, 0};
    write_unsigned(&w, chain_id, body, pk, nonce);

    uint8_t digest[32];
    signing_digest(buf, unsigned_len, digest);
    crypto_sign_detached(buf + unsigned_len, NULL, digest, sizeof digest,
                         secret_key);
    *out = buf;
    *out_len = total;
    return GB_OK;
}

/* ---- decoding ------------------------------------------------------------ */

/* A cursor over the encoding; the signature's 64 bytes are not part of
 * what it reads (end = len - 64). */
typedef struct rd {
    const uint8_t *buf;
    size_t pos, end;
    char *detail;
    size_t detail_len;
} rd;

static gb_err need(rd *r, size_t n, const char *what)
{
    if (r->end - r->pos >= n)
        return GB_OK;
    set_detail(r->detail, r->detail_len,
               "malformed transaction: truncated at byte %zu: %s needs %zu "
               "bytes, %zu left before the signature",
               r->pos, what, n, r->end - r->pos);
    return GB_MALFORMED;
}

static gb_err get_u8(rd *r, const char *what, uint8_t *v)
{
    gb_err e = need(r, 1, what);
    if (!e)
        *v = r->buf[r->pos++];
    return e;
}

static gb_err get_u64(rd *r, const char *what, uint64_t *v)
{
    gb_err e = need(r, 8, what);
    if (e)
        return e;
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | r->buf[r->pos + (size_t)i];
    r->pos += 8;
    *v = x;
    return GB_OK;
}

static gb_err get_u128(rd *r, const char *what, gb_u128 *v)
{
    gb_err e = need(r, 16, what);
    if (!e) {
        *v = gb_u128_from_le(r->buf + r->pos);
        r->pos += 16;
    }
    return e;
}

static gb_err get_id(rd *r, const char *what, gb_id *v)
{
    gb_err e = need(r, 32, what);
    if (!e) {
        memcpy(v->b, r->buf + r->pos, 32);
        r->pos += 32;
    }
    return e;
}

/* A u32 length, checked against max, then that many bytes. */
static gb_err get_bytes(rd *r, const char *what, uint32_t max,
                        const uint8_t **p, uint32_t *n)
{
    size_t at = r->pos;
    gb_err e = need(r, 4, what);
    if (e)
        return e;
    const uint8_t *b = r->buf + r->pos;
    uint32_t len = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
                   (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    if (len > max) {
        set_detail(r->detail, r->detail_len,
                   "transaction too big: the %s at byte %zu is %u bytes, "
                   "over the limit of %u",
                   what, at, len, max);
        return GB_LIMIT;
    }
    r->pos += 4;
    if ((e = need(r, len, what)))
        return e;
    *p = len ? r->buf + r->pos : NULL;
    *n = len;
    r->pos += len;
    return GB_OK;
}

static gb_err parse_body(rd *r, const gb_tx_limits *lim, gb_tx_body *b)
{
    gb_err e = GB_OK;
    switch (b->kind) {
    case GB_TXW_UPLOAD_CODE:
        e = get_bytes(r, "code", lim->max_code_len, &b->code, &b->code_len);
        break;
    case GB_TXW_UPLOAD_PROGRAM:
    case GB_TXW_CREATE_PROGRAM:
        if (b->kind == GB_TXW_UPLOAD_PROGRAM)
            e = get_bytes(r, "code", lim->max_code_len, &b->code,
                          &b->code_len);
        else
            e = get_id(r, "code id", &b->code_id);
        if (!e)
            e = get_bytes(r, "salt", lim->max_salt_len, &b->salt,
                          &b->salt_len);
        if (!e)
            e = get_bytes(r, "init payload", lim->max_payload_len,
                          &b->payload, &b->payload_len);
        if (!e)
            e = get_u64(r, "gas limit", &b->gas_limit);
        if (!e)
            e = get_u128(r, "value", &b->value);
        break;
    case GB_TXW_SEND_MESSAGE:
    case GB_TXW_SEND_REPLY:
        e = get_id(r, b->kind == GB_TXW_SEND_MESSAGE ? "destination"
                                                     : "mailbox message id",
                   &b->target);
        if (!e)
            e = get_bytes(r, "payload", lim->max_payload_len, &b->payload,
                          &b->payload_len);
        if (!e)
            e = get_u64(r, "gas limit", &b->gas_limit);
        if (!e)
            e = get_u128(r, "value", &b->value);
        break;
    case GB_TXW_CLAIM_VALUE:
        e = get_id(r, "mailbox message id", &b->target);
        break;
    }
    return e;
}

/* The chain's view of the body; sender = signer. */
static void to_chain(gb_tx_decoded *d)
{
    gb_tx_body_to_chain(&d->body, d->signer, d->txs, &d->ntxs);
}

void gb_tx_body_to_chain(const gb_tx_body *b, gb_id sender, gb_tx txs[2],
                         uint32_t *out_n)
{
    gb_tx *t = &txs[0];
    memset(txs, 0, 2 * sizeof *txs);
    *out_n = 1;
    t->sender = sender;
    switch (b->kind) {
    case GB_TXW_UPLOAD_CODE:
        t->kind = GB_TX_UPLOAD_CODE;
        t->code = b->code;
        t->code_len = b->code_len;
        return;
    case GB_TXW_UPLOAD_PROGRAM:
        t->kind = GB_TX_UPLOAD_CODE;
        t->code = b->code;
        t->code_len = b->code_len;
        t = &txs[1];
        *out_n = 2;
        t->sender = sender;
        t->kind = GB_TX_CREATE_PROGRAM;
        t->code_id = gb_code_id(b->code, b->code_len);
        break;
    case GB_TXW_CREATE_PROGRAM:
        t->kind = GB_TX_CREATE_PROGRAM;
        t->code_id = b->code_id;
        break;
    case GB_TXW_SEND_MESSAGE:
        t->kind = GB_TX_SEND_MESSAGE;
        break;
    case GB_TXW_SEND_REPLY:
        t->kind = GB_TX_SEND_REPLY;
        break;
    case GB_TXW_CLAIM_VALUE:
        t->kind = GB_TX_CLAIM_VALUE;
        t->destination = b->target;
        return;
    }
    /* the kinds with salt/payload/gas/value */
    t->salt = b->salt;
    t->salt_len = b->salt_len;
    t->destination = b->target;
    t->payload = b->payload;
    t->payload_len = b->payload_len;
    t->gas_limit = b->gas_limit;
    t->value = b->value;
}

/* gb_tx_decode_verify; the signature checked only when verify. */
static gb_err decode(const uint8_t chain_id[GB_TX_CHAIN_ID_LEN],
                     const uint8_t *buf, size_t len,
                     const gb_tx_limits *limits, gb_tx_decoded *out,
                     bool verify, char *detail, size_t detail_len)
{
    gb_tx_limits deflim;
    if (!limits) {
        gb_tx_limits_default(&deflim);
        limits = &deflim;
    }
    if (detail && detail_len)
        detail[0] = 0;
    if (!buf || len < GB_TX_HEADER_LEN + GB_TX_SIGNATURE_LEN) {
        set_detail(detail, detail_len,
                   "malformed transaction: %zu bytes, shorter than the "
                   "smallest transaction (%d: header and signature)",
                   buf ? len : 0, GB_TX_HEADER_LEN + GB_TX_SIGNATURE_LEN);
        return GB_MALFORMED;
    }
    memset(out, 0, sizeof *out);
    rd r = {buf, 0, len - GB_TX_SIGNATURE_LEN, detail, detail_len};
    gb_err e;
    uint8_t version, kind;
    if ((e = get_u8(&r, "version", &version)))
        return e;
    if (version != GB_TX_VERSION) {
        set_detail(detail, detail_len,
                   "malformed transaction: version %u at byte 0 is not "
                   "supported (this node reads version %u)",
                   version, GB_TX_VERSION);
        return GB_MALFORMED;
    }
    size_t chain_at = r.pos;
    r.pos += GB_TX_CHAIN_ID_LEN; /* compared once the whole is parsed */
    if ((e = get_u8(&r, "kind", &kind)))
        return e;
    if (!kind_known(kind)) {
        set_detail(detail, detail_len,
                   "malformed transaction: unknown kind %u at byte %zu "
                   "(known: 1 to 6)",
                   kind, r.pos - 1);
        return GB_MALFORMED;
    }
    out->body.kind = (gb_tx_wire_kind)kind;
    if ((e = get_id(&r, "sender", &out->signer)) ||
        (e = get_u64(&r, "nonce", &out->nonce)) ||
        (e = parse_body(&r, limits, &out->body)))
        return e;
    if (r.pos != r.end) {
        set_detail(detail, detail_len,
                   "malformed transaction: %zu unexpected bytes at byte %zu, "
                   "after the %s fields and before the signature",
                   r.end - r.pos, r.pos, gb_tx_wire_kind_name(out->body.kind));
        return GB_MALFORMED;
    }
    if (sodium_memcmp(buf + chain_at, chain_id, GB_TX_CHAIN_ID_LEN) != 0) {
        char want[65], got[65];
        for (int i = 0; i < 32; i++) {
            snprintf(want + 2 * i, 3, "%02x", chain_id[i]);
            snprintf(got + 2 * i, 3, "%02x", buf[chain_at + (size_t)i]);
        }
        set_detail(detail, detail_len,
                   "transaction for another chain: its chain id (byte 1) is "
                   "0x%s, this chain's is 0x%s",
                   got, want);
        return GB_INVALID;
    }
    uint8_t digest[32];
    if (verify)
        ensure_sodium(), signing_digest(buf, r.end, digest);
    if (verify && crypto_sign_verify_detached(buf + r.end, digest,
                                              sizeof digest,
                                              out->signer.b) != 0) {
        char who[67];
        gb_id_to_hex(out->signer, who);
        set_detail(detail, detail_len,
                   "bad signature: the signature at byte %zu does not verify "
                   "under the sender's key %s",
                   r.end, who);
        return GB_INVALID;
    }
    gb_tx_hash(buf, len, out->hash);
    to_chain(out);
    return GB_OK;
}

gb_err gb_tx_decode_verify(const uint8_t chain_id[GB_TX_CHAIN_ID_LEN],
                           const uint8_t *buf, size_t len,
                           const gb_tx_limits *limits, gb_tx_decoded *out,
                           char *detail, size_t detail_len)
{
    return decode(chain_id, buf, len, limits, out, true, detail, detail_len);
}

gb_err gb_tx_decode_own(const uint8_t chain_id[GB_TX_CHAIN_ID_LEN],
                        const uint8_t *buf, size_t len,
                        const gb_tx_limits *limits, gb_tx_decoded *out,
                        char *detail, size_t detail_len)
{
    return decode(chain_id, buf, len, limits, out, false, detail, detail_len);
}
