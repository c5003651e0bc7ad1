/*
 * Prepared code, cached per code id: a program's code is checked and
 * compiled once, when it is first uploaded or first needed, not per
 * message.  Safe to use from several threads at once.
 *
 * The cache is bounded by bytes (an estimate of the memory each prepared
 * code holds: gb_gear_code_footprint).  Adding never evicts — a pointer
 * handed out stays valid however full the cache gets — so the owner
 * trims it (gb_code_cache_trim) at a moment it knows no pointer is in use
 * (the chain: between blocks, after a submit, after a query), and the
 * least recently used codes go until what is left fits the limit.  A code
 * evicted is prepared again from its original bytes the next time it is
 * needed (the chain keeps those in the store), at the cost of one check
 * and compile.
 */
#ifndef GB_GEAR_CODE_CACHE_H
#define GB_GEAR_CODE_CACHE_H

#include <stdint.h>

#include "gear/code.h"
#include "gear/ids.h"

typedef struct gb_code_cache gb_code_cache;

/* The limit of a new cache (gb_code_cache_set_limit): 256 MiB. */
#define GB_CODE_CACHE_DEFAULT_BYTES (256ull << 20)

/* cfg is copied; NULL = gb_gear_code_config_default().  The limit starts
 * at GB_CODE_CACHE_DEFAULT_BYTES. */
gb_err gb_code_cache_new(const gb_gear_code_config *cfg, gb_code_cache **out);
/* Frees every prepared code; pointers handed out become invalid. */
void gb_code_cache_free(gb_code_cache *c);

/* The most bytes gb_code_cache_trim leaves (0: the default).  Nothing is
 * evicted now. */
void gb_code_cache_set_limit(gb_code_cache *c, uint64_t bytes);

/*
 * The prepared code of bytes: from the cache when its id is there,
 * otherwise checked and prepared now (gb_gear_code_check's errors and
 * detail) and kept.  Either way the code becomes the most recently used.
 * *out is borrowed: valid until the cache is freed, or the code is
 * evicted (gb_code_cache_trim) or removed.
 */
gb_err gb_code_cache_add(gb_code_cache *c, const uint8_t *bytes, size_t len,
                         const gb_gear_code **out, char *detail,
                         size_t detail_len);

/* The prepared code with this id (now the most recently used), or NULL.
 * Borrowed, as above. */
const gb_gear_code *gb_code_cache_get(gb_code_cache *c, gb_id id);

/* Forget the code with this id (absent: nothing).  Pointers to it that
 * were handed out become invalid: only for a caller that knows none is in
 * use (the chain's gas estimate, for code it checked only for itself). */
void gb_code_cache_remove(gb_code_cache *c, gb_id id);

/* Evict the least recently used codes until the cached bytes are at most
 * the limit (a single code larger than the limit goes too).  Every pointer
 * to an evicted code becomes invalid: call it only when none is in use.
 * Returns how many codes were evicted. */
uint32_t gb_code_cache_trim(gb_code_cache *c);

/* How many codes are cached. */
uint32_t gb_code_cache_count(gb_code_cache *c);

/* Their footprint in bytes (the sum of gb_gear_code_footprint). */
uint64_t gb_code_cache_bytes(gb_code_cache *c);

/* Codes prepared (checked and compiled) by this cache so far: a miss that
 * had to prepare, counted once per preparation kept. */
uint64_t gb_code_cache_prepared(gb_code_cache *c);

#endif
