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

/* A slot's tag: the hash's upper half, never 0 (0: an empty slot). */
static uint32_t tag_of(uint64_t h)
{
    return (uint32_t)(h >> 32) | 1u;
}

uint32_t gb_idmap_get(const gb_idmap *m, const gb_id *a, const gb_id *b)
{
    if (!m->cap)
        return NONE;
    uint64_t h = key_hash(a, b);
    uint32_t t = tag_of(h), mask = m->cap - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        uint32_t g = m->tag[i];
        if (!g)
            return NONE;
        if (g == t && gb_id_eq(m->s[i].a, *a) && gb_id_eq(m->s[i].b, *b))
            return m->s[i].val;
    }
}

gb_err gb_idmap_put(gb_idmap *m, const gb_id *a, const gb_id *b,
                    uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 64;
        gb_idmap_slot *ns =
            gb_malloc((size_t)cap * (sizeof *ns + sizeof *m->tag));
        if (!ns)
            return GB_NOMEM;
        uint32_t *nt = (uint32_t *)(void *)(ns + cap);
        memset(nt, 0, (size_t)cap * sizeof *nt);
        for (uint32_t i = 0; i < m->cap; i++) {
            if (!m->tag[i])
                continue;
            uint64_t h = key_hash(&m->s[i].a, &m->s[i].b);
            uint32_t k = (uint32_t)h & (cap - 1);
            while (nt[k])
                k = (k + 1) & (cap - 1);
            ns[k] = m->s[i];
            nt[k] = m->tag[i];
        }
        free(m->s);
        m->s = ns;
        m->tag = nt;
        m->cap = cap;
    }
    uint64_t h = key_hash(a, b);
    uint32_t t = tag_of(h), mask = m->cap - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        gb_idmap_slot *s = &m->s[i];
        if (!m->tag[i]) {
            *s = (gb_idmap_slot){*a, *b, val};
            m->tag[i] = t;
            m->n++;
            return GB_OK;
        }
        if (m->tag[i] == t && gb_id_eq(s->a, *a) && gb_id_eq(s->b, *b)) {
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
