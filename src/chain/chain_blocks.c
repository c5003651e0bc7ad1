/*
 * Stored block headers (chain.h, "stored blocks"): the store keeps the
 * header of every committed block under its height (state/db.h), so the
 * node can answer for blocks it no longer keeps in memory, including those
 * of its earlier runs.  Each call reads one snapshot.
 */
#include <string.h>

#include "chain/chain_int.h"

gb_err gb_chain_block_header(gb_chain *c, uint32_t height,
                             gb_block_header *out, uint8_t hash[32])
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    e = gb_db_block_get(r, height, out);
    gb_db_read_end(r);
    if (!e && hash)
        gb_block_header_hash(out, hash);
    return e;
}

gb_err gb_chain_block_by_hash(gb_chain *c, const uint8_t hash[32],
                              gb_block_header *out)
{
    gb_db_txn *r;
    gb_err e = gb_db_read_begin(c->db, &r);
    if (e)
        return e;
    uint32_t head;
    e = gb_db_head(r, &head, NULL);
    /* from the head down: the blocks asked for are mostly recent ones */
    for (uint64_t h = head + 1ull; !e && h-- > 0;) {
        gb_block_header hd;
        uint8_t got[32];
        if ((e = gb_db_block_get(r, (uint32_t)h, &hd)) == GB_NOT_FOUND) {
            e = GB_OK; /* a gap (a store that began above 0) */
            continue;
        }
        if (e)
            break;
        gb_block_header_hash(&hd, got);
        if (!memcmp(got, hash, 32)) {
            *out = hd;
            gb_db_read_end(r);
            return GB_OK;
        }
    }
    gb_db_read_end(r);
    return e ? e : GB_NOT_FOUND;
}
