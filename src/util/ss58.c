/*
 * SS58 addresses (see ss58.h): base58 with Bitcoin's alphabet over a
 * prefix, the account id and a BLAKE2b-512 checksum.
 *
 * Base58 here is the schoolbook conversion between base 256 and base 58,
 * quadratic in the length; addresses are at most 36 bytes, so that is a
 * few thousand byte operations.  Leading zero bytes are written as
 * leading '1's, and read back the same way.
 */
#include "util/ss58.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

#define RAW_MAX 36 /* two-byte prefix + account + checksum */

static void set_detail(char *detail, size_t len, const char *fmt, ...)
{
    if (!detail || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, len, fmt, ap);
    va_end(ap);
}

/* BLAKE2b-512("SS58PRE" || data[0..n)). */
static void checksum(const uint8_t *data, size_t n, uint8_t out[64])
{
    crypto_generichash_state st;
    if (sodium_init() < 0) {
        /* hashing needs no randomness */
    }
    crypto_generichash_init(&st, NULL, 0, 64);
    crypto_generichash_update(&st, (const uint8_t *)"SS58PRE", 7);
    crypto_generichash_update(&st, data, n);
    crypto_generichash_final(&st, out, 64);
}

/* base58 of in[0..n) into out (NUL-terminated); out holds 2n + 1. */
static void b58_encode(const uint8_t *in, size_t n, char *out)
{
    uint8_t digits[2 * RAW_MAX]; /* base-58 digits, least significant first */
    size_t nd = 0, zeros = 0;
    while (zeros < n && in[zeros] == 0)
        zeros++;
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = in[i];
        for (size_t j = 0; j < nd; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits[nd++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    size_t o = 0;
    for (size_t i = 0; i < zeros; i++)
        out[o++] = '1';
    while (nd)
        out[o++] = alphabet[digits[--nd]];
    out[o] = 0;
}

/* base58 text -> bytes; false on a character outside the alphabet or more
 * than max bytes. */
static bool b58_decode(const char *s, uint8_t *out, size_t max,
                       size_t *out_len, char *bad)
{
    uint8_t bytes[RAW_MAX + 1]; /* least significant first */
    size_t nb = 0, zeros = 0;
    while (s[zeros] == '1')
        zeros++;
    for (const char *p = s + zeros; *p; p++) {
        const char *at = *p ? strchr(alphabet, *p) : NULL;
        if (!at) {
            *bad = *p;
            return false;
        }
        unsigned carry = (unsigned)(at - alphabet);
        for (size_t j = 0; j < nb; j++) {
            carry += (unsigned)bytes[j] * 58;
            bytes[j] = (uint8_t)carry;
            carry >>= 8;
        }
        while (carry) {
            if (nb == sizeof bytes)
                return *bad = 0, false;
            bytes[nb++] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    if (zeros + nb > max)
        return *bad = 0, false;
    size_t o = 0;
    for (size_t i = 0; i < zeros; i++)
        out[o++] = 0;
    while (nb)
        out[o++] = bytes[--nb];
    *out_len = o;
    return true;
}

gb_err gb_ss58_encode(uint16_t prefix,
                      const uint8_t account[GB_SS58_ACCOUNT_LEN],
                      char out[GB_SS58_MAX_LEN + 1])
{
    uint8_t raw[RAW_MAX], sum[64];
    size_t n = 0;
    out[0] = 0;
    if (prefix > GB_SS58_PREFIX_MAX)
        return GB_INVAL;
    if (prefix < 64) {
        raw[n++] = (uint8_t)prefix;
    } else {
        raw[n++] = (uint8_t)(((prefix & 0xfc) >> 2) | 0x40);
        raw[n++] = (uint8_t)((prefix >> 8) | ((prefix & 3) << 6));
    }
    memcpy(raw + n, account, GB_SS58_ACCOUNT_LEN);
    n += GB_SS58_ACCOUNT_LEN;
    checksum(raw, n, sum);
    raw[n++] = sum[0];
    raw[n++] = sum[1];
    b58_encode(raw, n, out);
    return GB_OK;
}

gb_err gb_ss58_decode(const char *text, uint16_t *out_prefix,
                      uint8_t out_account[GB_SS58_ACCOUNT_LEN], char *detail,
                      size_t detail_len)
{
    uint8_t raw[RAW_MAX], sum[64];
    size_t n = 0;
    char bad = 0;
    if (!text) {
        set_detail(detail, detail_len, "no address given");
        return GB_INVAL;
    }
    if (strlen(text) > GB_SS58_MAX_LEN + 8 ||
        !b58_decode(text, raw, sizeof raw, &n, &bad)) {
        if (bad)
            set_detail(detail, detail_len,
                       "'%s' is not an SS58 address: '%c' is not a base58 "
                       "character (0, O, I and l are never used)", text, bad);
        else
            set_detail(detail, detail_len,
                       "'%s' is not an SS58 address: too long for an "
                       "account id", text);
        return GB_MALFORMED;
    }
    size_t pl;
    uint16_t prefix;
    if (n >= 1 && raw[0] < 64) {
        pl = 1;
        prefix = raw[0];
    } else if (n >= 2 && raw[0] < 128) {
        pl = 2;
        unsigned lower = ((unsigned)raw[0] << 2 | raw[1] >> 6) & 0xff;
        unsigned upper = raw[1] & 0x3f;
        prefix = (uint16_t)(lower | upper << 8);
    } else {
        set_detail(detail, detail_len,
                   "'%s' is not an SS58 account address: its prefix byte "
                   "0x%02x is reserved", text, n ? raw[0] : 0);
        return GB_MALFORMED;
    }
    if (n != pl + GB_SS58_ACCOUNT_LEN + 2) {
        set_detail(detail, detail_len,
                   "'%s' is not an SS58 account address: it holds %zu bytes "
                   "after its prefix, a 32-byte account's holds 34", text,
                   n - pl);
        return GB_MALFORMED;
    }
    checksum(raw, pl + GB_SS58_ACCOUNT_LEN, sum);
    if (sum[0] != raw[n - 2] || sum[1] != raw[n - 1]) {
        set_detail(detail, detail_len,
                   "'%s' has a bad SS58 checksum: a character is wrong or "
                   "missing (copy the address again)", text);
        return GB_INVALID;
    }
    *out_prefix = prefix;
    memcpy(out_account, raw + pl, GB_SS58_ACCOUNT_LEN);
    return GB_OK;
}
