/*
 * savina.h — what the Savina benchmark programs (the .c files here, run by
 * bench/bench_savina.c) share: little-endian integer helpers and the gas
 * they hand to the messages they send.
 *
 * Gas, in short (src/chain/chain_apply.c has the whole story): what a run
 * leaves of its gas limit is shared equally by the messages it sent without
 * a gas limit, its reply to a program (the automatic one too) unless the
 * message it handles carries a reply deposit, and the message itself when
 * it waits.  A token passed on and on (ring, producer re-triggering itself)
 * must therefore be the only taker, or it halves at every hop: so these
 * programs send side messages with an explicit gas limit (SV_GAS) and put
 * a reply deposit (SV_DEPOSIT) on the token, which then pays for the
 * automatic reply that comes back for it.
 */
#ifndef SAVINA_H
#define SAVINA_H

#include "gear.h"

/* Gas limit of one side message (a request to a worker, a child's init, a
 * message to the counter): at Vara's prices a run of these programs burns
 * about 1-4 x 10^8 (the precharge ~10^8, a send's or reply's fee 2 x 10^8),
 * so this is ample and small beside the kick-offs' 4 x 10^15. */
#define SV_GAS 1000000000ull
/* Reply deposit on a token message: pays for the automatic reply (its
 * precharge, ~10^8, when the program has no handle_reply). */
#define SV_DEPOSIT 300000000ull

static inline uint64_t sv_get_u64(const uint8_t *p)
{
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | p[i];
    return n;
}

static inline void sv_put_u64(uint8_t *p, uint64_t n)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(n >> (8 * i));
}

static inline uint32_t sv_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline void sv_put_u32(uint8_t *p, uint32_t n)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(n >> (8 * i));
}

/* Send len bytes to dest with all the gas the run leaves (no gas limit)
 * and a reply deposit that pays for the reply that comes back. */
static inline void sv_send_token(const gear_actor_id_t *dest, const void *data,
                                 uint32_t len)
{
    gear_message_id_t mid;
    if (gear_send_bytes(dest, data, len, 0, &mid))
        gear_panic_str("savina: send failed");
    gear_error_code_t err = 0;
    gr_reply_deposit(&mid, SV_DEPOSIT, &err);
    if (err)
        gear_panic_str("savina: reply deposit failed");
}

/* Reply to a `state` query with n u64s. */
static inline void sv_reply_u64s(const uint64_t *v, uint32_t n)
{
    uint8_t buf[64];
    if (n > 8)
        gear_panic_str("savina: too many state fields");
    for (uint32_t i = 0; i < n; i++)
        sv_put_u64(buf + 8 * i, v[i]);
    if (gear_reply_bytes(buf, 8 * n))
        gear_panic_str("savina: state reply failed");
}

#endif
