/*
 * pingpong — Savina's ping-pong (and, many times over, the independent
 * pairs workload): two programs pass a counter back and forth.
 *
 * Each hop is one dispatch: the counter goes one way as a message and
 * comes back as that message's manual reply, so no automatic replies
 * travel in between.  The counter is a u64 (8 bytes LE) and drops by one
 * per hop:
 *
 *   init             payload: the peer's 32-byte id, or empty.
 *   handle "peer"+id set the peer (36 bytes).
 *   handle N         from anyone but the peer (the kick-off): send N to the
 *                    peer, with no gas limit so that the whole kick-off
 *                    gas travels with the counter.
 *   handle N         from the peer: hops += 1; N == 0: finished += 1 (the
 *                    automatic reply goes back and is ignored); else reply
 *                    N-1.
 *   handle_reply N   hops += 1; N == 0: finished += 1; else send N-1 to
 *                    the peer.  Empty replies (automatic) are ignored.
 *   state            16 bytes: hops, finished.
 *
 * A kick-off with N costs 1 + (N+1) dispatches, plus one automatic reply
 * when N is even (the 0 then lands in the peer's handle); the two sides'
 * hops add up to N+1 and exactly one of them has finished == 1.
 */
#include "savina.h"

static gear_actor_id_t peer;
static uint64_t hops, finished;

GEAR_EXPORT(init) void init(void)
{
    uint32_t n = gear_msg_size();
    if (n == 32)
        gear_msg_read(0, 32, &peer);
    else if (n != 0)
        gear_panic_str("pingpong: init payload is the peer's id or empty");
}

GEAR_EXPORT(handle) void handle(void)
{
    uint8_t buf[36];
    uint32_t len = gear_msg_size();
    if (len > sizeof buf || gear_msg_read(0, len, buf))
        gear_panic_str("pingpong: payload is a u64 or \"peer\" + id");
    if (len == 36 && memcmp(buf, "peer", 4) == 0) {
        memcpy(&peer, buf + 4, 32);
        return;
    }
    if (len != 8)
        gear_panic_str("pingpong: payload is a u64 or \"peer\" + id");
    gear_actor_id_t src = gear_msg_source();
    if (!gear_hash_eq(&src, &peer)) { /* the kick-off */
        if (gear_send_bytes(&peer, buf, 8, 0, NULL))
            gear_panic_str("pingpong: send failed");
        return;
    }
    hops++;
    uint64_t n = sv_get_u64(buf);
    if (n == 0) {
        finished++;
        return;
    }
    sv_put_u64(buf, n - 1);
    if (gear_reply_bytes(buf, 8))
        gear_panic_str("pingpong: reply failed");
}

GEAR_EXPORT(handle_reply) void handle_reply(void)
{
    uint8_t buf[8];
    if (gear_msg_size() != 8 || gear_msg_read(0, 8, buf))
        return; /* an automatic reply */
    hops++;
    uint64_t n = sv_get_u64(buf);
    if (n == 0) {
        finished++;
        return;
    }
    sv_put_u64(buf, n - 1);
    if (gear_send_bytes(&peer, buf, 8, 0, NULL))
        gear_panic_str("pingpong: send failed");
}

GEAR_EXPORT(state) void state(void)
{
    uint64_t v[2] = {hops, finished};
    sv_reply_u64s(v, 2);
}
