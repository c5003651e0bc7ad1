/*
 * The code cache: a sorted array of prepared codes under a mutex.  Lookups
 * are a binary search by id; preparing new code happens outside the lock,
 * so a slow compile never blocks readers (two threads preparing the same
 * new code both compile it and the second result is dropped).
 *
 * Recency is a counter: each get or add stamps the entry with the next
 * tick.  Trimming sorts the entries by their stamps (O(n log n), and only
 * when over the limit) and evicts from the oldest; it is the owner's to
 * call between uses (code_cache.h), so eviction never races a reader.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gear/code_cache.h"
#include "util/mem.h"

typedef struct entry {
    gb_gear_code *code;
    uint64_t bytes; /* gb_gear_code_footprint, at insertion */
    uint64_t used;  /* the tick of the last get or add */
} entry;

struct gb_code_cache {
    gb_gear_code_config cfg;
    pthread_mutex_t lock;
    entry *e; /* sorted by id */
    uint32_t n, cap;
    uint64_t bytes, limit, tick, prepared;
};

gb_err gb_code_cache_new(const gb_gear_code_config *cfg, gb_code_cache **out)
{
    gb_code_cache *c = gb_calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return GB_NOMEM;
    if (cfg)
        c->cfg = *cfg;
    else
        gb_gear_code_config_default(&c->cfg);
    c->limit = GB_CODE_CACHE_DEFAULT_BYTES;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return GB_OK;
}

void gb_code_cache_free(gb_code_cache *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->n; i++)
        gb_gear_code_free(c->e[i].code);
    free(c->e);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void gb_code_cache_set_limit(gb_code_cache *c, uint64_t bytes)
{
    pthread_mutex_lock(&c->lock);
    c->limit = bytes ? bytes : GB_CODE_CACHE_DEFAULT_BYTES;
    pthread_mutex_unlock(&c->lock);
}

/* Index of id, or where it would go (*found false). Under the lock. */
static uint32_t find(const gb_code_cache *c, const uint8_t id[32], bool *found)
{
    uint32_t lo = 0, hi = c->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int cmp = memcmp(c->e[mid].code->id, id, 32);
        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

const gb_gear_code *gb_code_cache_get(gb_code_cache *c, gb_id id)
{
    bool found;
    pthread_mutex_lock(&c->lock);
    uint32_t i = find(c, id.b, &found);
    const gb_gear_code *code = NULL;
    if (found) {
        code = c->e[i].code;
        c->e[i].used = ++c->tick;
    }
    pthread_mutex_unlock(&c->lock);
    return code;
}

/* Take entry i out (under the lock); its code is returned, to be freed. */
static gb_gear_code *take(gb_code_cache *c, uint32_t i)
{
    gb_gear_code *gone = c->e[i].code;
    c->bytes -= c->e[i].bytes;
    memmove(&c->e[i], &c->e[i + 1], (c->n - i - 1) * sizeof *c->e);
    c->n--;
    return gone;
}

void gb_code_cache_remove(gb_code_cache *c, gb_id id)
{
    bool found;
    gb_gear_code *gone = NULL;
    pthread_mutex_lock(&c->lock);
    uint32_t i = find(c, id.b, &found);
    if (found)
        gone = take(c, i);
    pthread_mutex_unlock(&c->lock);
    gb_gear_code_free(gone);
}

uint32_t gb_code_cache_count(gb_code_cache *c)
{
    pthread_mutex_lock(&c->lock);
    uint32_t n = c->n;
    pthread_mutex_unlock(&c->lock);
    return n;
}

uint64_t gb_code_cache_bytes(gb_code_cache *c)
{
    pthread_mutex_lock(&c->lock);
    uint64_t n = c->bytes;
    pthread_mutex_unlock(&c->lock);
    return n;
}

uint64_t gb_code_cache_prepared(gb_code_cache *c)
{
    pthread_mutex_lock(&c->lock);
    uint64_t n = c->prepared;
    pthread_mutex_unlock(&c->lock);
    return n;
}

static int by_use(const void *a, const void *b)
{
    uint64_t x = (*(entry *const *)a)->used, y = (*(entry *const *)b)->used;
    return x < y ? -1 : x > y;
}

uint32_t gb_code_cache_trim(gb_code_cache *c)
{
    pthread_mutex_lock(&c->lock);
    if (c->bytes <= c->limit) {
        pthread_mutex_unlock(&c->lock);
        return 0;
    }
    /* the oldest stamps first; mark the victims (used = 0; every live
     * entry's stamp is at least 1), then compact the sorted array */
    entry **order = malloc((size_t)c->n * sizeof *order);
    uint32_t evicted = 0;
    if (order) {
        for (uint32_t i = 0; i < c->n; i++)
            order[i] = &c->e[i];
        qsort(order, c->n, sizeof *order, by_use);
        uint64_t bytes = c->bytes;
        for (uint32_t i = 0; i < c->n && bytes > c->limit; i++) {
            bytes -= order[i]->bytes;
            order[i]->used = 0;
        }
        free(order);
    } else { /* no memory for the order: evict everything (always safe) */
        for (uint32_t i = 0; i < c->n; i++)
            c->e[i].used = 0;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        if (c->e[i].used) {
            c->e[k++] = c->e[i];
            continue;
        }
        c->bytes -= c->e[i].bytes;
        gb_gear_code_free(c->e[i].code);
        evicted++;
    }
    c->n = k;
    pthread_mutex_unlock(&c->lock);
    return evicted;
}

gb_err gb_code_cache_add(gb_code_cache *c, const uint8_t *bytes, size_t len,
                         const gb_gear_code **out, char *detail,
                         size_t detail_len)
{
    *out = NULL;
    gb_id id = gb_code_id(bytes, len);
    const gb_gear_code *have = gb_code_cache_get(c, id);
    if (have) {
        *out = have;
        return GB_OK;
    }
    gb_gear_code *code;
    gb_err e = gb_gear_code_check(&c->cfg, bytes, len, &code, detail,
                                  detail_len);
    if (e)
        return e;
    uint64_t size = gb_gear_code_footprint(code);
    pthread_mutex_lock(&c->lock);
    bool found;
    uint32_t i = find(c, code->id, &found);
    if (found) { /* another thread prepared it meanwhile */
        gb_gear_code_free(code);
        c->e[i].used = ++c->tick;
        *out = c->e[i].code;
        pthread_mutex_unlock(&c->lock);
        return GB_OK;
    }
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 16;
        entry *p = gb_realloc(c->e, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&c->lock);
            gb_gear_code_free(code);
            return GB_NOMEM;
        }
        c->e = p;
        c->cap = cap;
    }
    memmove(c->e + i + 1, c->e + i, (c->n - i) * sizeof *c->e);
    c->e[i] = (entry){.code = code, .bytes = size, .used = ++c->tick};
    c->n++;
    c->bytes += size;
    c->prepared++;
    *out = code;
    pthread_mutex_unlock(&c->lock);
    return GB_OK;
}
