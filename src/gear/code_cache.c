/*
 * The code cache: a sorted array of prepared codes under a mutex.  Lookups
 * are a binary search by id; preparing new code happens outside the lock,
 * so a slow compile never blocks readers (two threads preparing the same
 * new code both compile it and the second result is dropped).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gear/code_cache.h"
#include "util/mem.h"

struct gb_code_cache {
    gb_gear_code_config cfg;
    pthread_mutex_t lock;
    gb_gear_code **codes; /* sorted by id */
    uint32_t n, cap;
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
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return GB_OK;
}

void gb_code_cache_free(gb_code_cache *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->n; i++)
        gb_gear_code_free(c->codes[i]);
    free(c->codes);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Index of id, or where it would go (*found false). Under the lock. */
static uint32_t find(const gb_code_cache *c, const uint8_t id[32], bool *found)
{
    uint32_t lo = 0, hi = c->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int cmp = memcmp(c->codes[mid]->id, id, 32);
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
    const gb_gear_code *code = found ? c->codes[i] : NULL;
    pthread_mutex_unlock(&c->lock);
    return code;
}

void gb_code_cache_remove(gb_code_cache *c, gb_id id)
{
    bool found;
    gb_gear_code *gone = NULL;
    pthread_mutex_lock(&c->lock);
    uint32_t i = find(c, id.b, &found);
    if (found) {
        gone = c->codes[i];
        memmove(&c->codes[i], &c->codes[i + 1],
                (c->n - i - 1) * sizeof *c->codes);
        c->n--;
    }
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
    pthread_mutex_lock(&c->lock);
    bool found;
    uint32_t i = find(c, code->id, &found);
    if (found) { /* another thread prepared it meanwhile */
        gb_gear_code_free(code);
        *out = c->codes[i];
        pthread_mutex_unlock(&c->lock);
        return GB_OK;
    }
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 16;
        gb_gear_code **p = gb_realloc(c->codes, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&c->lock);
            gb_gear_code_free(code);
            return GB_NOMEM;
        }
        c->codes = p;
        c->cap = cap;
    }
    memmove(c->codes + i + 1, c->codes + i, (c->n - i) * sizeof *c->codes);
    c->codes[i] = code;
    c->n++;
    *out = code;
    pthread_mutex_unlock(&c->lock);
    return GB_OK;
}
