/*
 * The chain layer's id-pair map (idmap.h).
 */
#include "chain/idmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define NONE GB_IDMAP_NONE

static uint64_t key_hash(const gb_id *a, const gb_id *b)
{
    uint64_t x, y;
    memcpy(&x, a->b, 8);
    memcpy(&y, b->b + 8, 8);
    x ^= y * 0x9e3779b97f4a7c15ull;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    return x ^ (x >> 29);
}

uint32_t gb_idmap_get(const gb_idmap *m, const gb_id *a, const gb_id *b)
{
    if (!m->cap)
        return NONE;
    for (uint64_t i = key_hash(a, b);; i++) {
        const gb_idmap_slot *s = &m->s[i & (m->cap - 1)];
        if (s->val == NONE)
            return NONE;
        if (gb_id_eq(s->a, *a) && gb_id_eq(s->b, *b))
            return s->val;
    }
}

gb_err gb_idmap_put(gb_idmap *m, const gb_id *a, const gb_id *b,
                    uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 64;
        gb_idmap_slot *ns = gb_malloc((size_t)cap * sizeof *ns);
        if (!ns)
            return GB_NOMEM;
        for (uint32_t i = 0; i < cap; i++)
            ns[i].val = NONE;
        for (uint32_t i = 0; i < m->cap; i++) {
            if (m->s[i].val == NONE)
                continue;
            uint64_t h = key_hash(&m->s[i].a, &m->s[i].b);
            while (ns[h & (cap - 1)].val != NONE)
                h++;
            ns[h & (cap - 1)] = m->s[i];
        }
        free(m->s);
        m->s = ns;
        m->cap = cap;
    }
    for (uint64_t i = key_hash(a, b);; i++) {
        gb_idmap_slot *s = &m->s[i & (m->cap - 1)];
        if (s->val == NONE) {
            *s = (gb_idmap_slot){*a, *b, val};
            m->n++;
            return GB_OK;
        }
        if (gb_id_eq(s->a, *a) && gb_id_eq(s->b, *b)) {
            s->val = val;
            return GB_OK;
        }
    }
}

void gb_idmap_free(gb_idmap *m)
{
    free(m->s);
    *m = (gb_idmap){0};
}
