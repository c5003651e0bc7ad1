/*
 * The dev node's control state (devctl.h): mining mode, time offset,
 * impersonated accounts, under one mutex.  The offset is signed: the
 * wall clock may be ahead of a chain whose blocks were made in the
 * future, never the reverse (block_ts keeps every timestamp after its
 * parent's).
 */
#include "node/devctl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/grow.h"
#include "util/mem.h"

#define MAX_IMPERSONATED 1024u
#define MAX_OFFSET (1ull << 62)

struct gb_devctl {
    gb_chain *chain;
    gb_devctl_node node;
    pthread_mutex_t mu;
    gb_mining mode;
    uint64_t interval_ms;
    int64_t offset_ms;    /* added to the wall clock */
    uint64_t next_ts;     /* set by gb_devctl_set_time; 0: none */
    gb_id *imp;           /* impersonated accounts, in no order */
    uint32_t nimp, cap_imp;
};

static const char *const mining_names[] = {"auto", "interval", "manual"};

const char *gb_mining_name(gb_mining m)
{
    return (unsigned)m < 3 ? mining_names[m] : NULL;
}

bool gb_mining_parse(const char *s, gb_mining *out)
{
    for (unsigned i = 0; i < 3; i++)
        if (s && !strcmp(s, mining_names[i])) {
            *out = (gb_mining)i;
            return true;
        }
    return false;
}

uint64_t gb_devctl_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

gb_err gb_devctl_new(gb_chain *chain, const gb_devctl_node *node,
                     gb_mining mode, uint64_t interval_ms, gb_devctl **out)
{
    gb_devctl *d = gb_calloc(1, sizeof *d);
    if (!d)
        return GB_NOMEM;
    d->chain = chain;
    if (node)
        d->node = *node;
    d->mode = mode;
    d->interval_ms = interval_ms ? interval_ms : 1000;
    pthread_mutex_init(&d->mu, NULL);
    *out = d;
    return GB_OK;
}

void gb_devctl_free(gb_devctl *d)
{
    if (!d)
        return;
    pthread_mutex_destroy(&d->mu);
    free(d->imp);
    free(d);
}

const gb_devctl_node *gb_devctl_node_ops(const gb_devctl *d)
{
    return &d->node;
}

gb_chain *gb_devctl_chain(const gb_devctl *d) { return d->chain; }

gb_mining gb_devctl_mining(gb_devctl *d, uint64_t *out_interval_ms)
{
    pthread_mutex_lock(&d->mu);
    gb_mining m = d->mode;
    if (out_interval_ms)
        *out_interval_ms = d->interval_ms;
    pthread_mutex_unlock(&d->mu);
    return m;
}

void gb_devctl_set_mining(gb_devctl *d, gb_mining mode, uint64_t interval_ms)
{
    pthread_mutex_lock(&d->mu);
    d->mode = mode;
    if (interval_ms)
        d->interval_ms = interval_ms;
    pthread_mutex_unlock(&d->mu);
    if (d->node.wake)
        d->node.wake(d->node.ctx);
}

/* Under mu. */
static uint64_t next_ts(const gb_devctl *d, uint64_t wall_ms,
                        uint64_t parent_ts, uint64_t step_ms)
{
    uint64_t ts;
    if (d->next_ts)
        ts = d->next_ts;
    else if (step_ms)
        ts = parent_ts + step_ms;
    else if (d->offset_ms < 0 && (uint64_t)-d->offset_ms >= wall_ms)
        ts = 0;
    else
        ts = (uint64_t)((int64_t)wall_ms + d->offset_ms);
    return ts > parent_ts ? ts : parent_ts + 1;
}

uint64_t gb_devctl_block_ts(gb_devctl *d, uint64_t wall_ms,
                            uint64_t parent_ts, uint64_t step_ms)
{
    pthread_mutex_lock(&d->mu);
    uint64_t ts = next_ts(d, wall_ms, parent_ts, step_ms);
    bool moved = d->next_ts || step_ms;
    d->next_ts = 0;
    if (moved) /* later blocks go on from here */
        d->offset_ms = (int64_t)ts - (int64_t)wall_ms;
    pthread_mutex_unlock(&d->mu);
    return ts;
}

uint64_t gb_devctl_peek_ts(gb_devctl *d, uint64_t wall_ms,
                           uint64_t parent_ts)
{
    pthread_mutex_lock(&d->mu);
    uint64_t ts = next_ts(d, wall_ms, parent_ts, 0);
    pthread_mutex_unlock(&d->mu);
    return ts;
}

gb_err gb_devctl_set_time(gb_devctl *d, uint64_t ts)
{
    if (ts <= gb_chain_timestamp(d->chain) || ts > MAX_OFFSET)
        return GB_INVALID;
    pthread_mutex_lock(&d->mu);
    d->next_ts = ts;
    pthread_mutex_unlock(&d->mu);
    return GB_OK;
}

gb_err gb_devctl_advance(gb_devctl *d, uint64_t ms)
{
    if (ms > MAX_OFFSET)
        return GB_OVERFLOW;
    pthread_mutex_lock(&d->mu);
    gb_err e = GB_OK;
    if (d->next_ts) {
        if (d->next_ts + ms > MAX_OFFSET)
            e = GB_OVERFLOW;
        else
            d->next_ts += ms;
    } else if (d->offset_ms > (int64_t)(MAX_OFFSET - ms)) {
        e = GB_OVERFLOW;
    } else {
        d->offset_ms += (int64_t)ms;
    }
    pthread_mutex_unlock(&d->mu);
    return e;
}

static uint32_t imp_find(const gb_devctl *d, gb_id a)
{
    for (uint32_t i = 0; i < d->nimp; i++)
        if (gb_id_eq(d->imp[i], a))
            return i;
    return UINT32_MAX;
}

gb_err gb_devctl_impersonate(gb_devctl *d, gb_id account)
{
    gb_err e = GB_OK;
    pthread_mutex_lock(&d->mu);
    if (imp_find(d, account) == UINT32_MAX) {
        if (d->nimp >= MAX_IMPERSONATED)
            e = GB_LIMIT;
        else if (!gb_grow((void **)&d->imp, &d->cap_imp,
                          (uint64_t)d->nimp + 1, sizeof *d->imp, 8))
            e = GB_NOMEM;
        else
            d->imp[d->nimp++] = account;
    }
    pthread_mutex_unlock(&d->mu);
    return e;
}

bool gb_devctl_stop_impersonating(gb_devctl *d, gb_id account)
{
    pthread_mutex_lock(&d->mu);
    uint32_t i = imp_find(d, account);
    if (i != UINT32_MAX)
        d->imp[i] = d->imp[--d->nimp];
    pthread_mutex_unlock(&d->mu);
    return i != UINT32_MAX;
}

bool gb_devctl_impersonated(gb_devctl *d, gb_id account)
{
    if (!d)
        return false;
    pthread_mutex_lock(&d->mu);
    bool yes = imp_find(d, account) != UINT32_MAX;
    pthread_mutex_unlock(&d->mu);
    return yes;
}

uint32_t gb_devctl_impersonated_count(gb_devctl *d)
{
    pthread_mutex_lock(&d->mu);
    uint32_t n = d->nimp;
    pthread_mutex_unlock(&d->mu);
    return n;
}
