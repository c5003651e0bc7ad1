/*
 * libFuzzer target: the signed-transaction decoder (src/node/tx.h) on
 * arbitrary bytes.  It must never crash, read out of bounds or leak, and
 * whatever it accepts must re-hash to the hash it reported.
 */
#include <stdlib.h>
#include <string.h>

#include "node/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t chain[GB_TX_CHAIN_ID_LEN];
    static int ready;
    if (!ready) {
        gb_tx_chain_id_from_name("dev", chain);
        ready = 1;
    }
    gb_tx_decoded d;
    char detail[256];
    gb_tx_limits lim;
    gb_tx_limits_default(&lim);
    lim.max_code_len = 4096; /* keep inputs small */
    gb_err e = gb_tx_decode_verify(chain, data, size, &lim, &d, detail,
                                   sizeof detail);
    if (e == GB_OK) {
        uint8_t h[GB_TX_HASH_LEN];
        gb_tx_hash(data, size, h);
        if (memcmp(h, d.hash, sizeof h) || d.ntxs < 1 || d.ntxs > 2)
            abort();
    } else if (e != GB_MALFORMED && e != GB_INVALID && e != GB_LIMIT) {
        abort();
    } else if (!memchr(detail, 0, sizeof detail)) {
        abort();
    }
    return 0;
}
