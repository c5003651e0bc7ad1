/*
 * counter — the receiver of the counting workload (Savina's "counting
 * actor"): counts the messages it gets, adds up their sequence numbers
 * (u64 LE) and checks that they arrive in order (one sender's messages to
 * one destination keep their order, src/chain/chain.h).
 *
 *   handle seq  count += 1, sum += seq; seq != the previous one + 1 (or 0
 *               for the first): disorder += 1.
 *   state       24 bytes: count, sum, disorder.
 */
#include "savina.h"

static uint64_t count, sum, disorder, expect;

GEAR_EXPORT(handle) void handle(void)
{
    uint8_t buf[8];
    if (gear_msg_size() != 8 || gear_msg_read(0, 8, buf))
        gear_panic_str("counter: payload is a u64");
    uint64_t seq = sv_get_u64(buf);
    disorder += seq != expect;
    expect = seq + 1;
    count++;
    sum += seq;
}

GEAR_EXPORT(state) void state(void)
{
    uint64_t v[3] = {count, sum, disorder};
    sv_reply_u64s(v, 3);
}
