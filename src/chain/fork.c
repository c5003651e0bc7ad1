/*
 * Forks (chain.h, "snapshots and forks"): a new chain's directory made
 * from another chain's state at its head, marked with where it came from.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "chain/chain_int.h"
#include "state/snapshot.h"
#include "util/bytes.h"
#include "util/hash.h"

/* The mark, in the inputs table (history, outside the state root) under
 * a key no height has: the source's head height (u32 LE) and hash. */
static const char k_fork[] = "_fork";

gb_err gb_chain_fork_make(const char *src, const char *dst, char *detail,
                          size_t len)
{
    struct stat st;
    char f[4200];
    snprintf(f, sizeof f, "%s/data.mdb", dst);
    if (stat(f, &st) == 0) {
        snprintf(detail, len, "%s already holds a chain: a fork needs a new "
                              "or empty data directory", dst);
        return GB_INVAL;
    }
    if (stat(src, &st) != 0) {
        snprintf(detail, len, "%s: %s", src, strerror(errno));
        return GB_NOT_FOUND;
    }
    gb_err e = S_ISDIR(st.st_mode)
                   ? gb_db_copy_dir(src, dst, detail, len)
                   : gb_snapshot_load(src, dst, NULL, detail, len);
    if (e)
        return e;
    gb_db *db;
    gb_db_opts o = {.flags = GB_DB_NOSYNC};
    if ((e = gb_db_open(dst, &o, &db, detail, len)))
        return e;
    gb_db_txn *t;
    if (!(e = gb_db_begin(db, &t))) {
        uint8_t rec[36];
        uint32_t h;
        if (!(e = gb_db_head(t, &h, rec + 4))) {
            gb_le_put(rec, h, 4);
            e = gb_db_put_history(t, k_fork, sizeof k_fork - 1, rec,
                                  sizeof rec);
        }
        e = e ? (gb_db_abort(t), e) : gb_db_commit(t);
    }
    gb_db_close(db);
    if (e)
        snprintf(detail, len, "%s: cannot mark the fork: %s", dst,
                 gb_err_str(e));
    return e;
}

gb_err gb_chain_fork_info(gb_chain *c, gb_chain_fork *out)
{
    memset(out, 0, sizeof *out);
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    gb_db_val v;
    e = gb_db_get(r, GB_TABLE_INPUTS, k_fork, sizeof k_fork - 1, &v);
    if (!e && v.len == 36) {
        out->forked = true;
        out->height = (uint32_t)gb_le_get(v.data, 4);
        memcpy(out->head_hash, (const uint8_t *)v.data + 4, 32);
        gb_blake2b_state st;
        gb_blake2b_init(&st);
        gb_blake2b_update(&st, "gearbox/fork", 12);
        gb_blake2b_update(&st, v.data, 36);
        gb_blake2b_final(&st, out->chain_id);
    }
    gb_db_read_end(r);
    return e == GB_NOT_FOUND ? GB_OK : e;
}

gb_err gb_chain_copy_store(gb_chain *c, const char *dst, char *detail,
                           size_t len)
{
    return gb_db_copy(c->db, dst, detail, len);
}
