/*
 * The chain's gas tree: Gear's gas provider (vara/common/src/gas_provider,
 * internal.rs at the commit docs/gas.md names), kept in the GAS table and
 * in dispatch records.
 *
 * A message to a program holds gas in one of three ways:
 *
 *   its own, in its record   gas_limit is its gas, gas_node its parent
 *            (zero: a root — a user's message, a reply paid by a deposit,
 *            a message sent from a reservation).  A node without
 *            children needs no more than that.
 *   its own, pooled          (GB_CHAIN_F_POOLED) it has children: its
 *            node is in the GAS table under its id, gas_limit 0.
 *   gasless                  (GB_CHAIN_F_GASLESS, Gear's UnspecifiedLocal)
 *            it draws on node gas_node, its holder, gas_limit 0: its run
 *            gets the holder's whole value as its limit, and spends from
 *            it; so gasless messages of one holder share one pool, first
 *            come, first served (Gear's get_limit / spend through
 *            node_with_value).
 *
 * A node of the GAS table: value, parent, origin (who paid for the root),
 * consumed, spec_refs (children with gas of their own), unspec_refs
 * (gasless children).  It is a patron while it is not consumed or has
 * gasless children (node.rs is_patron).  When a node is consumed and is
 * no patron, its value moves to the nearest patron ancestor, or, with
 * none, back to the origin (catch_value, find_ancestor_patron); a
 * consumed node without children goes, and its parent may then go too
 * (try_remove_consumed_ancestors).  gb_chain_gas_settle does all of that.
 */
#include <string.h>

#include "chain/chain_int.h"
#include "chain/effects.h"
#include "chain/gas_tree.h"
#include "chain/queue.h"

#include <stdlib.h>

#include "util/grow.h"
#include "util/mem.h"

static bool patron(const gb_db_gas_node *n)
{
    return !n->consumed || n->unspec_refs;
}

/* ---- the block's cache of nodes ------------------------------------------ */

typedef struct gc_ent {
    gb_id id;
    gb_db_gas_node n;
    bool present; /* false: absent (deleted, or not in the table) */
    bool dirty;   /* differs from the table */
    bool in_table; /* in the table when first read */
    uint32_t ver;  /* writes in the block (gb_gas_ticket) */
} gc_ent;

typedef struct gb_gas_cache {
    gb_idmap map; /* (id, 0) -> index in e */
    gc_ent *e;
    uint32_t n, cap;
    uint32_t last; /* the entry cache_ent found last, looked at first (the
                      messages of a block draw on few nodes, in a row) */
} gb_gas_cache;

static const gb_id zero_id;

gb_err gb_chain_gas_cache_begin(gb_blk *b)
{
    b->gas = gb_calloc(1, sizeof *b->gas);
    return b->gas ? GB_OK : GB_NOMEM;
}

void gb_chain_gas_cache_end(gb_blk *b)
{
    if (!b->gas)
        return;
    gb_idmap_free(&b->gas->map);
    free(b->gas->e);
    free(b->gas);
    b->gas = NULL;
}

/* (the table's state depends only on the entries, never on the order
 * they are written in) */
gb_err gb_chain_gas_cache_flush(gb_blk *b)
{
    gb_gas_cache *c = b->gas;
    gb_err e = GB_OK;
    for (uint32_t i = 0; c && !e && i < c->n; i++) {
        gc_ent *x = &c->e[i];
        if (!x->dirty)
            continue;
        if (!x->present && !x->in_table) {
            /* made and gone within the block: nothing to write */
        } else if (x->present) {
            e = gb_db_gas_node_put(b->txn, x->id, &x->n);
        } else {
            e = gb_db_gas_node_del(b->txn, x->id);
            if (e == GB_NOT_FOUND) /* (gone already: as wanted) */
                e = GB_OK;
        }
        x->dirty = false;
        x->in_table = x->present;
    }
    return e;
}

/* id's entry in the cache, read from the table on first use. */
static gb_err cache_ent(gb_blk *b, gb_id id, gc_ent **out)
{
    gb_gas_cache *c = b->gas;
    uint32_t i = c->last;
    if (i < c->n && gb_id_eq(c->e[i].id, id)) {
        *out = &c->e[i];
        return GB_OK;
    }
    i = gb_idmap_get(&c->map, &id, &zero_id);
    if (i == GB_IDMAP_NONE) {
        if (!gb_grow((void **)&c->e, &c->cap, (uint64_t)c->n + 1,
                     sizeof *c->e, 64))
            return GB_NOMEM;
        gc_ent x = {.id = id};
        gb_err e = gb_db_gas_node_get(b->txn, id, &x.n);
        if (e && e != GB_NOT_FOUND)
            return e;
        x.present = x.in_table = !e;
        i = c->n;
        if ((e = gb_idmap_put(&c->map, &id, &zero_id, i)))
            return e;
        c->e[c->n++] = x;
    }
    c->last = i;
    *out = &c->e[i];
    return GB_OK;
}

static gb_err node_get(gb_blk *b, gb_id id, gb_db_gas_node *out)
{
    if (!b->gas)
        return gb_db_gas_node_get(b->txn, id, out);
    gc_ent *x;
    gb_err e = cache_ent(b, id, &x);
    if (e)
        return e;
    if (!x->present)
        return GB_NOT_FOUND;
    *out = x->n;
    return GB_OK;
}

static gb_err node_put(gb_blk *b, gb_id id, const gb_db_gas_node *n)
{
    if (!b->gas)
        return gb_db_gas_node_put(b->txn, id, n);
    gc_ent *x;
    gb_err e = cache_ent(b, id, &x);
    if (!e) {
        x->n = *n;
        x->present = x->dirty = true;
        x->ver++;
    }
    return e;
}

static gb_err node_del(gb_blk *b, gb_id id)
{
    if (!b->gas)
        return gb_db_gas_node_del(b->txn, id);
    gc_ent *x;
    gb_err e = cache_ent(b, id, &x);
    if (!e) {
        x->present = false;
        x->dirty = true;
        x->ver++;
    }
    return e;
}

gb_err gb_chain_gas_put(gb_blk *b, const gb_gnode *h)
{
    return node_put(b, h->id, &h->n);
}

gb_err gb_chain_gas_pass_on(gb_blk *b, gb_db_dispatch *x)
{
    gb_gas_cache *c = b->gas;
    if (!c || b->est || !(x->flags & GB_CHAIN_F_GASLESS))
        return GB_OK;
    /* (a holder of a message made in this block was read or made in it:
     * it is in the cache if anywhere) */
    uint32_t i = gb_idmap_get(&c->map, &x->gas_node, &zero_id);
    if (i == GB_IDMAP_NONE)
        return GB_OK;
    gc_ent *h = &c->e[i];
    if (!h->present || !h->n.consumed || h->n.unspec_refs != 1 ||
        h->n.spec_refs || !gb_id_eq(h->n.origin, x->origin))
        return GB_OK;
    /* x was the holder's one child: it holds the gas now, under the
     * holder's parent (whose spec_refs counted the holder) */
    x->flags &= ~(uint32_t)GB_CHAIN_F_GASLESS;
    x->d.gas_limit = h->n.value;
    x->gas_node = h->n.parent;
    h->present = false;
    h->dirty = true;
    h->ver++;
    return GB_OK;
}

/* ---- the tree ------------------------------------------------------------ */

static gb_err load(gb_blk *b, gb_id id, gb_gnode *out)
{
    out->id = id;
    out->stored = true;
    gb_err e = node_get(b, id, &out->n);
    return e == GB_NOT_FOUND ? GB_MALFORMED : e; /* (a lost node) */
}

gb_err gb_chain_gas_limit_b(gb_blk *b, const gb_db_dispatch *x,
                            uint64_t *out)
{
    if (!(x->flags & (GB_CHAIN_F_GASLESS | GB_CHAIN_F_POOLED))) {
        *out = x->d.gas_limit;
        return GB_OK;
    }
    gb_gnode h;
    gb_err e = load(b, x->flags & GB_CHAIN_F_GASLESS ? x->gas_node : x->d.id,
                    &h);
    if (!e)
        *out = h.n.value;
    return e;
}

gb_err gb_chain_gas_limit_t(gb_blk *b, const gb_db_dispatch *x,
                            uint64_t *out, gb_gas_ticket *t)
{
    *t = (gb_gas_ticket){0, 0};
    if (!(x->flags & (GB_CHAIN_F_GASLESS | GB_CHAIN_F_POOLED)) || !b->gas)
        return gb_chain_gas_limit_b(b, x, out);
    gc_ent *en;
    gb_err e = cache_ent(
        b, x->flags & GB_CHAIN_F_GASLESS ? x->gas_node : x->d.id, &en);
    if (e)
        return e;
    if (!en->present)
        return GB_MALFORMED; /* (a lost node, as load says) */
    *out = en->n.value;
    *t = (gb_gas_ticket){(uint32_t)(en - b->gas->e) + 1, en->ver};
    return GB_OK;
}

bool gb_chain_gas_same(const gb_blk *b, gb_gas_ticket t)
{
    return t.ent && b->gas && t.ent <= b->gas->n &&
           b->gas->e[t.ent - 1].ver == t.ver;
}

void gb_chain_gas_look_first(gb_blk *b, gb_gas_ticket t)
{
    if (t.ent && b->gas && t.ent <= b->gas->n)
        b->gas->last = t.ent - 1;
}

gb_err gb_chain_gas_limit(gb_db_txn *txn, const gb_db_dispatch *x,
                          uint64_t *out)
{
    if (!(x->flags & (GB_CHAIN_F_GASLESS | GB_CHAIN_F_POOLED))) {
        *out = x->d.gas_limit;
        return GB_OK;
    }
    gb_db_gas_node n;
    gb_err e = gb_db_gas_node_get(
        txn, x->flags & GB_CHAIN_F_GASLESS ? x->gas_node : x->d.id, &n);
    if (e)
        return e == GB_NOT_FOUND ? GB_MALFORMED : e;
    *out = n.value;
    return GB_OK;
}

gb_err gb_chain_gas_holder(gb_blk *b, const gb_db_dispatch *x,
                           gb_gnode *out)
{
    if (x->flags & GB_CHAIN_F_GASLESS)
        return load(b, x->gas_node, out);
    if (x->flags & GB_CHAIN_F_POOLED)
        return load(b, x->d.id, out);
    *out = (gb_gnode){.id = x->d.id,
                      .n = {.value = x->d.gas_limit, .parent = x->gas_node,
                            .origin = x->origin}};
    return GB_OK;
}

/* The nearest patron on the way up from id (zero: none); *found false
 * when there is none. */
static gb_err find_patron(gb_blk *b, gb_id id, gb_gnode *out, bool *found)
{
    *found = false;
    while (!gb_id_is_zero(id)) {
        gb_err e = load(b, id, out);
        if (e)
            return e;
        if (patron(&out->n)) {
            *found = true;
            return GB_OK;
        }
        id = out->n.parent;
    }
    return GB_OK;
}

gb_err gb_chain_gas_settle(gb_blk *b, gb_gnode *h)
{
    gb_err e;
    for (;;) {
        if (patron(&h->n))
            return node_put(b, h->id, &h->n);
        if (h->n.value) { /* catch_value */
            gb_gnode p;
            bool found;
            if ((e = find_patron(b, h->n.parent, &p, &found)))
                return e;
            if (found) {
                if (p.n.value > UINT64_MAX - h->n.value)
                    return GB_OVERFLOW;
                p.n.value += h->n.value;
                e = node_put(b, p.id, &p.n);
            } else {
                e = gb_chain_refund_gas(b, h->n.origin, h->n.value);
            }
            if (e)
                return e;
            h->n.value = 0;
        }
        if (h->n.spec_refs) /* kept as the way up for its children */
            return node_put(b, h->id, &h->n);
        if (h->stored && (e = node_del(b, h->id)))
            return e;
        if (gb_id_is_zero(h->n.parent))
            return GB_OK;
        if ((e = load(b, h->n.parent, h)))
            return e;
        if (!h->n.spec_refs)
            return GB_MALFORMED;
        h->n.spec_refs--;
    }
}

gb_err gb_chain_gas_done(gb_blk *b, const gb_db_dispatch *x, gb_gnode *h)
{
    if (x->flags & GB_CHAIN_F_GASLESS) {
        if (!h->n.unspec_refs)
            return GB_MALFORMED;
        h->n.unspec_refs--;
    } else {
        h->n.consumed = true;
    }
    return gb_chain_gas_settle(b, h);
}
