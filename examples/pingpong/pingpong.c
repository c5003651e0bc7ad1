/*
 * pingpong — two programs pass a counter back and forth through the
 * message queue, for the chain benchmark (bench/bench_chain.c) and the
 * crash test (tests/chain/test_chain_crash.c).  Kept tiny, so that what a
 * benchmark measures is the chain and the engine, not this program.
 *
 * The counter is a u64, 8 bytes little-endian.  Each hop decrements it:
 *
 *   init:            payload = the peer's 32-byte program id, or empty
 *                    (set it later with "peer").
 *   handle "peer"+id (36 bytes): set the peer.
 *   handle N from someone else than the peer (a user kicks it off):
 *                    send N to the peer.
 *   handle N from the peer: N > 0: reply N-1 (a manual reply, so no
 *                    automatic one); N == 0: the exchange is over,
 *                    `finished` += 1 (the runtime's automatic empty reply
 *                    goes back and is ignored).
 *   handle_reply N (8 bytes) from the peer: N > 0: send N-1 to the peer;
 *                    N == 0: over, `finished` += 1.  Other replies (the
 *                    automatic empty ones) are ignored.
 *   state:           replies `finished` in decimal.
 *
 * So a kick-off with N costs N+1 ping-pong dispatches (messages and
 * replies alternate: N, N-1, ..., 0), plus the kick-off and one final
 * automatic reply.  Messages sent without a gas limit get the gas left
 * over from the run that sent them, so the kick-off's gas limit pays for
 * the whole exchange.
 */
#include "gear.h"

static gear_actor_id_t peer;
static uint64_t finished;

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | p[i];
    return n;
}

static void put_u64(uint8_t *p, uint64_t n)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(n >> (8 * i));
}

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
    uint64_t n = get_u64(buf);
    gear_actor_id_t src = gear_msg_source();
    if (!gear_hash_eq(&src, &peer)) { /* a kick-off */
        if (gear_send_bytes(&peer, buf, 8, 0, NULL))
            gear_panic_str("pingpong: send failed");
        return;
    }
    if (n == 0) {
        finished++;
        return;
    }
    put_u64(buf, n - 1);
    if (gear_reply_bytes(buf, 8))
        gear_panic_str("pingpong: reply failed");
}

GEAR_EXPORT(handle_reply) void handle_reply(void)
{
    uint8_t buf[8];
    if (gear_msg_size() != 8 || gear_msg_read(0, 8, buf))
        return; /* an automatic reply */
    uint64_t n = get_u64(buf);
    if (n == 0) {
        finished++;
        return;
    }
    put_u64(buf, n - 1);
    if (gear_send_bytes(&peer, buf, 8, 0, NULL))
        gear_panic_str("pingpong: send failed");
}

GEAR_EXPORT(state) void state(void)
{
    gear_reply_u64(finished);
}
