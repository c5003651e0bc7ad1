/*
 * The test harness's snapshots (gearbox/testkit.h): a copy of the chain's
 * store in a directory of its own, with the harness's tables (what became
 * of each message, the programs it knows); gb_tk_restore puts a harness
 * back to one, gb_tk_fork opens a second harness on a copy of it.  The
 * state is in testkit_int.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/db.h"
#include "testkit/testkit_int.h"

/* ---- snapshots ------------------------------------------------------------ */

struct gb_tk_snap {
    char *dir;          /* the store's copy (removed by _free) */
    gb_tk_cfg cfg;
    gb_id deployer;
    uint64_t last_ts;
    uint32_t salt_counter;
    msg_rec *msgs;      /* reply payloads owned */
    size_t msg_cap;
    prog_rec *progs;
    size_t nprogs;
};

/* A new directory for a copy of a store, under the chain's temp_parent
 * or /tmp (the library reads no environment). */
static char *temp_dir(const gb_chain *c)
{
    const char *t = c ? gb_chain_config(c)->temp_parent : NULL;
    if (!t || !*t)
        t = "/tmp";
    size_t n = strlen(t) + 32;
    char *d = malloc(n);
    if (d) {
        snprintf(d, n, "%s/gb-tk-snap-XXXXXX", t);
        if (!mkdtemp(d)) {
            free(d);
            d = NULL;
        }
    }
    return d;
}

/* Copy the harness's tables from (msgs, progs) into tk-owned arrays. */
static gb_err copy_tables(const msg_rec *msgs, size_t msg_cap,
                          const prog_rec *progs, size_t nprogs,
                          msg_rec **out_msgs, prog_rec **out_progs)
{
    *out_msgs = NULL;
    *out_progs = NULL;
    msg_rec *m = msg_cap ? gb_calloc(msg_cap, sizeof *m) : NULL;
    prog_rec *p = nprogs ? gb_malloc(nprogs * sizeof *p) : NULL;
    if ((msg_cap && !m) || (nprogs && !p))
        goto nomem;
    for (size_t i = 0; i < msg_cap; i++) {
        m[i] = msgs[i];
        if (m[i].used && m[i].replied && m[i].reply.payload_len) {
            uint8_t *b = gb_malloc(m[i].reply.payload_len);
            if (!b) {
                m[i].replied = false;
                goto nomem;
            }
            memcpy(b, msgs[i].reply.payload, m[i].reply.payload_len);
            m[i].reply.payload = b;
        } else if (m[i].used && m[i].replied) {
            m[i].reply.payload = NULL;
        }
    }
    if (nprogs)
        memcpy(p, progs, nprogs * sizeof *p);
    *out_msgs = m;
    *out_progs = p;
    return GB_OK;
nomem:
    for (size_t i = 0; m && i < msg_cap; i++)
        if (m[i].used && m[i].replied)
            free((void *)m[i].reply.payload);
    free(m);
    free(p);
    return GB_NOMEM;
}

void gb_tk_snapshot_free(gb_tk_snap *snap)
{
    if (!snap)
        return;
    if (snap->dir)
        gb_db_remove(snap->dir);
    free(snap->dir);
    for (size_t i = 0; i < snap->msg_cap; i++)
        if (snap->msgs[i].used && snap->msgs[i].replied)
            free((void *)snap->msgs[i].reply.payload);
    free(snap->msgs);
    free(snap->progs);
    free(snap);
}

gb_err gb_tk_snapshot(gb_tk *tk, gb_tk_snap **out)
{
    *out = NULL;
    if (gb_chain_waiting(tk->chain)) {
        snprintf(tk->detail, sizeof tk->detail,
                 "transactions wait for a block: run a block before taking "
                 "a snapshot");
        return GB_INVALID;
    }
    gb_tk_snap *s = gb_calloc(1, sizeof *s);
    if (!s)
        return GB_NOMEM;
    gb_err e = GB_NOMEM;
    if (!(s->dir = temp_dir(tk->chain))) {
        snprintf(tk->detail, sizeof tk->detail, "cannot make a directory "
                 "for the snapshot");
        e = GB_IO;
        goto fail;
    }
    if ((e = gb_chain_copy_store(tk->chain, s->dir, tk->detail,
                                 sizeof tk->detail)) ||
        (e = copy_tables(tk->msgs, tk->msg_cap, tk->progs, tk->nprogs,
                         &s->msgs, &s->progs)))
        goto fail;
    s->msg_cap = tk->msg_cap;
    s->nprogs = tk->nprogs;
    s->cfg = tk->cfg;
    s->cfg.data_dir = NULL;
    s->deployer = tk->deployer;
    s->last_ts = tk->last_ts;
    s->salt_counter = tk->salt_counter;
    *out = s;
    return GB_OK;
fail:
    gb_tk_snapshot_free(s);
    return e;
}

/* Open tk's chain on a fresh copy of snap's store (in tk's own directory
 * when it has one, else a new temporary one) and take snap's tables. */
static gb_err load_snap(gb_tk *tk, const gb_tk_snap *snap)
{
    msg_rec *m;
    prog_rec *p;
    gb_err e = copy_tables(snap->msgs, snap->msg_cap, snap->progs,
                           snap->nprogs, &m, &p);
    if (e)
        return e;
    char *dir = NULL, *made = NULL;
    if (tk->data_dir) {
        /* the caller's directory: its store replaced by the snapshot's */
        char f[4200];
        snprintf(f, sizeof f, "%s/data.mdb", tk->data_dir);
        unlink(f);
        snprintf(f, sizeof f, "%s/lock.mdb", tk->data_dir);
        unlink(f);
        dir = tk->data_dir;
    } else if (!(dir = made = temp_dir(tk->chain))) {
        e = GB_IO;
    }
    if (!e)
        e = gb_db_copy_dir(snap->dir, dir, tk->detail, sizeof tk->detail);
    gb_chain_cfg cc;
    gb_chain_cfg_default(&cc);
    cc.data_dir = dir;
    cc.block_gas_limit = tk->cfg.block_gas_limit;
    cc.block_time_ms = tk->cfg.block_time_ms;
    cc.initial_balance = to_u128(tk->cfg.dev_balance);
    cc.nosync = true;
    if (!e)
        e = gb_chain_open(&cc, &tk->chain, tk->detail, sizeof tk->detail);
    if (e) {
        if (made)
            gb_db_remove(made);
        free(made);
        for (size_t i = 0; i < snap->msg_cap; i++)
            if (m[i].used && m[i].replied)
                free((void *)m[i].reply.payload);
        free(m);
        free(p);
        return e;
    }
    if (made) {
        if (tk->own_dir)
            gb_db_remove(tk->own_dir);
        free(tk->own_dir);
        tk->own_dir = made;
    }
    tk->msgs = m;
    tk->msg_cap = snap->msg_cap;
    tk->msg_n = 0;
    for (size_t i = 0; i < snap->msg_cap; i++)
        tk->msg_n += m[i].used;
    tk->progs = p;
    tk->nprogs = tk->capprogs = snap->nprogs;
    tk->deployer = snap->deployer;
    tk->last_ts = snap->last_ts;
    tk->salt_counter = snap->salt_counter;
    return GB_OK;
}

gb_err gb_tk_restore(gb_tk *tk, const gb_tk_snap *snap)
{
    gb_chain_close(tk->chain);
    tk->chain = NULL;
    for (size_t i = 0; i < tk->msg_cap; i++)
        if (tk->msgs[i].used && tk->msgs[i].replied)
            free((void *)tk->msgs[i].reply.payload);
    free(tk->msgs);
    tk->msgs = NULL;
    tk->msg_cap = tk->msg_n = 0;
    free(tk->progs);
    tk->progs = NULL;
    tk->nprogs = tk->capprogs = 0;
    for (size_t i = 0; i < tk->nstates; i++)
        free(tk->states[i]);
    tk->nstates = 0;
    gb_tk_events_free(tk->ev, tk->nev);
    tk->ev = NULL;
    tk->nev = tk->capev = 0;
    return load_snap(tk, snap);
}

gb_err gb_tk_fork(const gb_tk_snap *snap, gb_tk **out)
{
    *out = NULL;
    gb_tk *tk = gb_calloc(1, sizeof *tk);
    if (!tk)
        return GB_NOMEM;
    tk->cfg = snap->cfg;
    gb_err e = load_snap(tk, snap);
    if (e) {
        free(tk);
        return e;
    }
    *out = tk;
    return GB_OK;
}
