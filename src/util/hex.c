/*
 * Hex encoding and decoding (see hex.h).  Not constant-time: nothing secret
 * passes through here, only ids and payloads.
 */
#include "util/hex.h"

#include <string.h>

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void gb_hex_encode(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

gb_err gb_hex_decode(const char *hex, uint8_t *out, size_t max,
                     size_t *out_len)
{
    if (!hex)
        return GB_INVAL;
    if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        hex += 2;

    size_t ndigits = strlen(hex);
    if (ndigits % 2 != 0)
        return GB_INVAL;
    size_t n = ndigits / 2;
    /* Bad characters are reported before a short buffer, so that the answer
     * does not depend on max for text that is not hex at all. */
    for (size_t i = 0; i < ndigits; i++)
        if (digit_value(hex[i]) < 0)
            return GB_INVAL;
    if (n > max)
        return GB_LIMIT;

    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(digit_value(hex[2 * i]) << 4 |
                           digit_value(hex[2 * i + 1]));
    if (out_len)
        *out_len = n;
    return GB_OK;
}
