/*
 * JSON values as the node's RPC answers them (jsonv.h).
 */
#include "node/jsonv.h"

#include <stdlib.h>

#include "util/hex.h"
#include "util/mem.h"

json_t *gb_json_hex(const uint8_t *p, size_t n)
{
    char *s = gb_malloc(2 * n + 3);
    if (!s)
        return NULL;
    s[0] = '0';
    s[1] = 'x';
    gb_hex_encode(p, n, s + 2);
    json_t *j = json_stringn(s, 2 * n + 2);
    free(s);
    return j;
}

json_t *gb_json_id(gb_id id) { return gb_json_hex(id.b, GB_ID_LEN); }

json_t *gb_json_u128(gb_u128 v)
{
    char s[40];
    gb_u128_to_dec(v, s);
    return json_string(s);
}

void gb_json_put(json_t *o, const char *k, json_t *v, bool *bad)
{
    if (!v || json_object_set_new(o, k, v))
        *bad = true;
}
