/*
 * The store's named records: META's entries by name (gb_db_meta_*), block
 * headers (their encoding and hash), the head, the inputs and history
 * records, and sealing a block (its header and the head written in the
 * block's transaction, after the root is brought up to date).  The
 * structures are in db_int.h; the raw writes and the fold in db.c.
 */
#include "state/db_int.h"

#include <string.h>

#include "util/hash.h"

static const char k_head[] = "_head";

/* ---- META -------------------------------------------------------------- */

static gb_err meta_name(const char *name, size_t *len)
{
    if (!name)
        return GB_INVAL;
    size_t n = strlen(name);
    if (!n || n > 64 || name[0] == '_')
        return GB_INVAL;
    *len = n;
    return GB_OK;
}

gb_err gb_db_meta_put(gb_db_txn *txn, const char *name, const void *val,
                      size_t len)
{
    size_t n;
    gb_err err = meta_name(name, &n);
    return err ? err : gb_db_put(txn, GB_TABLE_META, name, n, val, len);
}

gb_err gb_db_meta_get(gb_db_txn *txn, const char *name, gb_db_val *out)
{
    size_t n;
    gb_err err = meta_name(name, &n);
    return err ? err : gb_db_get(txn, GB_TABLE_META, name, n, out);
}

gb_err gb_db_meta_put_u64(gb_db_txn *txn, const char *name, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return gb_db_meta_put(txn, name, b, sizeof b);
}

gb_err gb_db_meta_get_u64(gb_db_txn *txn, const char *name, uint64_t dflt,
                          uint64_t *out)
{
    gb_db_val v;
    gb_err err = gb_db_meta_get(txn, name, &v);
    if (err == GB_NOT_FOUND) {
        *out = dflt;
        return GB_OK;
    }
    if (err)
        return err;
    if (v.len != 8)
        return GB_MALFORMED;
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | v.data[i];
    *out = x;
    return GB_OK;
}

/* ---- blocks ------------------------------------------------------------- */

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void gb_block_header_encode(const gb_block_header *h,
                            uint8_t out[GB_BLOCK_HEADER_LEN])
{
    out[0] = 1;
    put_le(out + 1, h->height, 4);
    put_le(out + 5, h->timestamp, 8);
    memcpy(out + 13, h->parent_hash, 32);
    memcpy(out + 45, h->state_root, 32);
    memcpy(out + 77, h->input_hash, 32);
    put_le(out + 109, h->gas_used, 8);
    put_le(out + 117, h->dispatches, 4);
}

gb_err gb_block_header_decode(const uint8_t *in, size_t len,
                              gb_block_header *out)
{
    if (len != GB_BLOCK_HEADER_LEN || in[0] != 1)
        return GB_MALFORMED;
    out->height = (uint32_t)get_le(in + 1, 4);
    out->timestamp = get_le(in + 5, 8);
    memcpy(out->parent_hash, in + 13, 32);
    memcpy(out->state_root, in + 45, 32);
    memcpy(out->input_hash, in + 77, 32);
    out->gas_used = get_le(in + 109, 8);
    out->dispatches = (uint32_t)get_le(in + 117, 4);
    return GB_OK;
}

void gb_block_header_hash(const gb_block_header *h, uint8_t out[32])
{
    uint8_t buf[GB_BLOCK_HEADER_LEN];
    gb_block_header_encode(h, buf);
    gb_blake2b256(buf, sizeof buf, out);
}

gb_err gb_db_head(gb_db_txn *txn, uint32_t *out_height, uint8_t out_hash[32])
{
    gb_db_val v;
    gb_err err = gb_db_get(txn, GB_TABLE_META, k_head, sizeof k_head - 1, &v);
    if (err)
        return err;
    if (v.len != 36)
        return GB_MALFORMED;
    if (out_height)
        *out_height = (uint32_t)get_le(v.data, 4);
    if (out_hash)
        memcpy(out_hash, v.data + 4, 32);
    return GB_OK;
}

static void height_key(uint32_t h, uint8_t k[4])
{
    k[0] = (uint8_t)(h >> 24);
    k[1] = (uint8_t)(h >> 16);
    k[2] = (uint8_t)(h >> 8);
    k[3] = (uint8_t)h;
}

gb_err gb_db_block_get(gb_db_txn *txn, uint32_t height, gb_block_header *out)
{
    uint8_t k[4];
    gb_db_val v;
    height_key(height, k);
    gb_err err = gb_db_get(txn, GB_TABLE_BLOCKS, k, sizeof k, &v);
    return err ? err : gb_block_header_decode(v.data, v.len, out);
}

gb_err gb_db_inputs_put(gb_db_txn *txn, uint32_t height, const void *rec,
                        size_t len)
{
    uint8_t k[4];
    if (!txn->write || txn->sealed || !rec || !len)
        return GB_INVAL;
    if (txn->failed)
        return txn->failed;
    height_key(height, k);
    return gb_db_put_raw(txn, GB_TABLE_INPUTS, k, sizeof k, rec, len, false);
}

gb_err gb_db_put_history(gb_db_txn *txn, const void *key, size_t klen,
                         const void *rec, size_t len)
{
    if (!txn->write || txn->sealed || !key || klen == 4 || !klen ||
        klen > MAX_KEY || !rec || !len)
        return GB_INVAL;
    if (txn->failed)
        return txn->failed;
    return gb_db_put_raw(txn, GB_TABLE_INPUTS, key, klen, rec, len, false);
}

gb_err gb_db_inputs_get(gb_db_txn *txn, uint32_t height, gb_db_val *out)
{
    uint8_t k[4];
    height_key(height, k);
    return gb_db_get(txn, GB_TABLE_INPUTS, k, sizeof k, out);
}

gb_err gb_db_seal_block(gb_db_txn *txn, gb_block_header *hdr,
                        uint8_t out_hash[32])
{
    if (!txn->write || txn->sealed)
        return GB_INVAL;
    if (txn->failed)
        return txn->failed;
    uint32_t head;
    uint8_t head_hash[32];
    gb_err err = gb_db_head(txn, &head, head_hash);
    if (err == GB_OK) {
        if (head == UINT32_MAX || hdr->height != head + 1 ||
            memcmp(hdr->parent_hash, head_hash, 32) != 0)
            return GB_INVAL;
    } else if (err != GB_NOT_FOUND) {
        return err;
    }
    if ((err = gb_db_rec_fold(txn)) ||
        (err = gb_db_state_root(txn, hdr->state_root)))
        return err;
    uint8_t rec[GB_BLOCK_HEADER_LEN], k[4], hv[36], hash[32];
    gb_block_header_encode(hdr, rec);
    gb_blake2b256(rec, sizeof rec, hash);
    height_key(hdr->height, k);
    if ((err = gb_db_put_raw(txn, GB_TABLE_BLOCKS, k, sizeof k, rec,
                             sizeof rec, false)))
        return err;
    put_le(hv, hdr->height, 4);
    memcpy(hv + 4, hash, 32);
    if ((err = gb_db_put_raw(txn, GB_TABLE_META, k_head, sizeof k_head - 1,
                             hv, sizeof hv, false)))
        return err;
    txn->sealed = true;
    if (out_hash)
        memcpy(out_hash, hash, 32);
    return GB_OK;
}
