/*
 * JSON values as the node's RPC answers them (one copy for rpc.c, the
 * explorer's methods and its memory of recent blocks): bytes and ids as
 * "0x" hex strings, u128 amounts as decimal strings, and an object setter
 * that remembers a failure so that a builder checks once at its end.
 */
#ifndef GB_NODE_JSONV_H
#define GB_NODE_JSONV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gear/ids.h"
#include "util/u128.h"

/* "0x" and 2n hex digits; NULL when out of memory.  New reference. */
json_t *gb_json_hex(const uint8_t *p, size_t n);
/* an id as gb_json_hex of its 32 bytes */
json_t *gb_json_id(gb_id id);
/* v in decimal, as a string (JSON numbers lose precision past 2^53) */
json_t *gb_json_u128(gb_u128 v);
/* json_object_set_new(o, k, v) that sets *bad on failure, a NULL v
 * included (v is stolen either way) */
void gb_json_put(json_t *o, const char *k, json_t *v, bool *bad);

#endif
