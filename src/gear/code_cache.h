/*
 * Prepared code, cached per code id: a program's code is checked and
 * compiled once, when it is first uploaded or first needed, never per
 * message.  Safe to use from several threads at once.
 */
#ifndef GB_GEAR_CODE_CACHE_H
#define GB_GEAR_CODE_CACHE_H

#include "gear/code.h"
#include "gear/ids.h"

typedef struct gb_code_cache gb_code_cache;

/* cfg is copied; NULL = gb_gear_code_config_default(). */
gb_err gb_code_cache_new(const gb_gear_code_config *cfg, gb_code_cache **out);
/* Frees every prepared code; pointers handed out become invalid. */
void gb_code_cache_free(gb_code_cache *c);

/*
 * The prepared code of bytes: from the cache when its id is there,
 * otherwise checked and prepared now (gb_gear_code_check's errors and
 * detail) and kept.  *out is borrowed: valid until the cache is freed.
 */
gb_err gb_code_cache_add(gb_code_cache *c, const uint8_t *bytes, size_t len,
                         const gb_gear_code **out, char *detail,
                         size_t detail_len);

/* The prepared code with this id, or NULL.  Borrowed, as above. */
const gb_gear_code *gb_code_cache_get(gb_code_cache *c, gb_id id);

/* Forget the code with this id (absent: nothing).  Pointers to it that
 * were handed out become invalid: only for a caller that knows none is in
 * use (the chain's gas estimate, for code it checked only for itself). */
void gb_code_cache_remove(gb_code_cache *c, gb_id id);

/* How many codes are cached. */
uint32_t gb_code_cache_count(gb_code_cache *c);

#endif
