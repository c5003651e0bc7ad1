/*
 * Internals of the test harness (gearbox/testkit.h) shared by its two
 * files: testkit.c (the harness: transactions, blocks and the events it
 * keeps, queries) and testkit_snap.c (snapshots, restore, fork).  Not for
 * other layers.
 *
 * It holds the harness's state (gb_tk, its message and program tables)
 * and the small conversions and helpers both files use (static inline).
 * What the harness keeps and why: the top of testkit.c.
 */
#ifndef GB_TESTKIT_TESTKIT_INT_H
#define GB_TESTKIT_TESTKIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gearbox/testkit.h"
#include "chain/chain.h"
#include "util/mem.h"
#include "util/u128.h"

/* What became of one message. */
typedef struct msg_rec {
    bool used;
    gb_id key;
    bool ran;
    uint64_t gas;
    bool replied;
    gb_tk_reply reply; /* payload owned (malloc'd) when replied */
} msg_rec;

typedef struct prog_rec {
    gb_id id;
    gb_id init_message;
    bool has_init;     /* init_message known (created through the harness) */
    bool by_user;      /* created through gb_tk_create_program */
} prog_rec;

struct gb_tk {
    gb_tk_cfg cfg;
    char *data_dir;    /* owned copy of cfg.data_dir */
    gb_chain *chain;
    char detail[512];
    gb_id deployer;
    uint64_t last_ts;
    uint32_t salt_counter;
    /* message table */
    msg_rec *msgs;
    size_t msg_cap, msg_n;
    /* payloads of state query replies (borrowed out until gb_tk_free) */
    uint8_t **states;
    size_t nstates, capstates;
    /* programs */
    prog_rec *progs;
    size_t nprogs, capprogs;
    /* events not yet taken */
    gb_tk_event *ev;
    size_t nev, capev;
    char *own_dir;     /* a directory this system made (a restore or a
                          fork) and removes in gb_tk_free */
};

static inline gb_id to_id(gb_tk_id x)
{
    gb_id r;
    memcpy(r.b, x.b, 32);
    return r;
}

static inline gb_tk_id from_id(gb_id x)
{
    gb_tk_id r;
    memcpy(r.b, x.b, 32);
    return r;
}

static inline gb_u128 to_u128(gb_tk_u128 v) { return (gb_u128){v.lo, v.hi}; }
static inline gb_tk_u128 from_u128(gb_u128 v) { return (gb_tk_u128){v.lo, v.hi}; }

static inline uint32_t code_u32(const uint8_t b[4])
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static inline gb_err fail(gb_tk *tk, gb_err e, const char *fmt, const char *arg)
{
    snprintf(tk->detail, sizeof tk->detail, fmt, arg ? arg : "");
    return e;
}

static inline void clear_detail(gb_tk *tk) { tk->detail[0] = 0; }

/* detail = "<what>: <detail>", cut to fit. */
static inline void prefix_detail(gb_tk *tk, const char *what)
{
    char d[sizeof tk->detail + 256];
    snprintf(d, sizeof d, "%s: %s", what, tk->detail);
    memcpy(tk->detail, d, sizeof tk->detail - 1);
    tk->detail[sizeof tk->detail - 1] = 0;
}

static inline uint8_t *dup_bytes(const void *p, size_t n)
{
    uint8_t *d = gb_malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

/* Grow *v (elements of size sz) to hold one more. */
static inline bool grow(void **v, size_t n, size_t *cap, size_t sz)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = gb_realloc(*v, c * sz);
    if (!p)
        return false;
    *v = p;
    *cap = c;
    return true;
}

#endif
