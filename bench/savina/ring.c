/*
 * ring — Savina's thread ring: actors in a circle pass a token that
 * counts down; the actor that receives 0 stops it.
 *
 *   init       payload: the next actor's 32-byte id.
 *   handle N   (8 bytes LE) hops += 1; N == 0: finished += 1; else send
 *              N-1 to the next actor, with all the gas the run leaves and
 *              a reply deposit (savina.h) that pays for the automatic
 *              reply the next actor sends back.
 *   state      16 bytes: hops, finished.
 *
 * No handle_reply: the automatic replies are dispatched and skipped.  A
 * kick-off with H gives H+1 token dispatches and H automatic replies; the
 * actors' hops add up to H+1 and the actor H mod ring-size (counting the
 * kicked one as 0) has finished == 1.
 */
#include "savina.h"

static gear_actor_id_t next;
static uint64_t hops, finished;

GEAR_EXPORT(init) void init(void)
{
    if (gear_msg_size() != 32 || gear_msg_read(0, 32, &next))
        gear_panic_str("ring: init payload is the next actor's id");
}

GEAR_EXPORT(handle) void handle(void)
{
    uint8_t buf[8];
    if (gear_msg_size() != 8 || gear_msg_read(0, 8, buf))
        gear_panic_str("ring: payload is a u64");
    hops++;
    uint64_t n = sv_get_u64(buf);
    if (n == 0) {
        finished++;
        return;
    }
    sv_put_u64(buf, n - 1);
    sv_send_token(&next, buf, 8);
}

GEAR_EXPORT(state) void state(void)
{
    uint64_t v[2] = {hops, finished};
    sv_reply_u64s(v, 2);
}
