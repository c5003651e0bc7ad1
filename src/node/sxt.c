/*
 * Substrate v4 signed extrinsics: decoding and signature checks
 * (node/sxt.h).  The era rules follow GEAR-RPC.md §3: mortal is two bytes
 * LE e, period = 2 << (e & 15), quantize = max(period >> 12, 1), phase =
 * (e >> 4) * quantize; immortal is one 0x00.
 */
#include "node/sxt.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/scale.h"
#include "util/sr25519.h"

#define FAIL(...)                                                           \
    do {                                                                    \
        if (detail_len)                                                     \
            snprintf(detail, detail_len, __VA_ARGS__);                      \
        return GB_DECODE;                                                   \
    } while (0)

gb_err gb_sxt_decode(const uint8_t *p, size_t len, gb_sxt *out, char *detail,
                     size_t detail_len)
{
    memset(out, 0, sizeof *out);
    gb_scale_reader r;
    gb_scale_reader_init(&r, p, len);
    uint64_t n;
    if (gb_scale_get_compact(&r, UINT32_MAX, &n) || n != gb_scale_left(&r))
        FAIL("the length prefix does not match the extrinsic's size");
    uint8_t v, addr, kind;
    const uint8_t *b;
    if (gb_scale_get_u8(&r, &v) || v != 0x84)
        FAIL("not a signed version 4 extrinsic (first byte 0x%02x)", v);
    if (gb_scale_get_u8(&r, &addr) || addr != 0)
        FAIL("only MultiAddress::Id signers are taken");
    if (gb_scale_get_raw(&r, 32, &b))
        FAIL("truncated signer");
    memcpy(out->signer, b, 32);
    if (gb_scale_get_u8(&r, &kind) || kind > 1)
        FAIL("only Ed25519 and Sr25519 signatures are taken");
    out->sig_kind = kind;
    if (gb_scale_get_raw(&r, 64, &b))
        FAIL("truncated signature");
    memcpy(out->sig, b, 64);
    size_t extra_at = len - gb_scale_left(&r);
    uint8_t e0;
    if (gb_scale_get_u8(&r, &e0))
        FAIL("truncated era");
    if (e0) {
        uint8_t e1;
        if (gb_scale_get_u8(&r, &e1))
            FAIL("truncated era");
        uint16_t e = (uint16_t)(e0 | e1 << 8);
        out->mortal = true;
        out->period = 2ull << (e & 15);
        uint64_t q = out->period >> 12 ? out->period >> 12 : 1;
        out->phase = (uint64_t)(e >> 4) * q;
        if (out->period < 4 || out->phase >= out->period)
            FAIL("invalid era");
    }
    if (gb_scale_get_compact(&r, UINT32_MAX, &out->nonce) ||
        gb_scale_get_compact_u128(&r, &out->tip) ||
        gb_scale_get_u8(&r, &out->mode))
        FAIL("truncated signed extensions");
    if (out->mode != 0)
        FAIL("CheckMetadataHash mode %u: only Disabled (0) is taken",
             out->mode);
    out->extra = p + extra_at;
    out->extra_len = len - gb_scale_left(&r) - extra_at;
    out->call = p + (len - gb_scale_left(&r));
    out->call_len = gb_scale_left(&r);
    if (out->call_len < 2)
        FAIL("no call");
    crypto_generichash(out->hash, 32, p, len, NULL, 0);
    return GB_OK;
}

uint64_t gb_sxt_birth(const gb_sxt *x, uint64_t current)
{
    if (!x->mortal)
        return 0;
    uint64_t c = current > x->phase ? current : x->phase;
    return (c - x->phase) / x->period * x->period + x->phase;
}

gb_err gb_sxt_verify(const gb_sxt *x, uint32_t spec_version,
                     uint32_t tx_version, const uint8_t genesis[32],
                     const uint8_t birth_hash[32])
{
    size_t n = x->call_len + x->extra_len + 8 + 64 + 1;
    uint8_t *m = malloc(n);
    if (!m)
        return GB_NOMEM;
    uint8_t *q = m;
    memcpy(q, x->call, x->call_len);
    q += x->call_len;
    memcpy(q, x->extra, x->extra_len);
    q += x->extra_len;
    for (int i = 0; i < 4; i++)
        *q++ = (uint8_t)(spec_version >> 8 * i);
    for (int i = 0; i < 4; i++)
        *q++ = (uint8_t)(tx_version >> 8 * i);
    memcpy(q, genesis, 32);
    q += 32;
    memcpy(q, x->mortal ? birth_hash : genesis, 32);
    q += 32;
    *q++ = 0; /* metadata hash: None */
    const uint8_t *msg = m;
    uint8_t h[32];
    if (n > 256) {
        crypto_generichash(h, 32, m, n, NULL, 0);
        msg = h;
        n = 32;
    }
    gb_err e;
    if (x->sig_kind == 1)
        e = gb_sr25519_verify(x->signer, msg, n, x->sig) ? GB_INVALID
                                                          : GB_OK;
    else
        e = crypto_sign_verify_detached(x->sig, msg, n, x->signer)
                ? GB_INVALID
                : GB_OK;
    free(m);
    return e;
}
