/*
 * A map from a pair of ids to a uint32_t, for the chain layer's per-block
 * bookkeeping (the scheduler's destinations, skipped pairs and known
 * programs; the page overlay's programs).  Open addressing, linear
 * probing, power-of-two size.  Only looked up by key: its order is never
 * used, so it cannot reach a result.
 *
 * Threads: gets may run on several threads at once while no put does.
 */
#ifndef GB_CHAIN_IDMAP_H
#define GB_CHAIN_IDMAP_H

#include <stdint.h>

#include "gear/ids.h"
#include "gearbox/err.h"

#define GB_IDMAP_NONE UINT32_MAX /* "absent"; not a storable value */

typedef struct gb_idmap_slot {
    gb_id a, b;
    uint32_t val; /* GB_IDMAP_NONE: empty */
} gb_idmap_slot;

/* Zero-initialise; free with gb_idmap_free. */
typedef struct gb_idmap {
    gb_idmap_slot *s;
    uint32_t cap, n;
} gb_idmap;

/* The value for (a, b), or GB_IDMAP_NONE. */
uint32_t gb_idmap_get(const gb_idmap *m, const gb_id *a, const gb_id *b);
/* Set (a, b) to val (< GB_IDMAP_NONE).  GB_NOMEM: m unchanged. */
gb_err gb_idmap_put(gb_idmap *m, const gb_id *a, const gb_id *b,
                    uint32_t val);
void gb_idmap_free(gb_idmap *m);

#endif
