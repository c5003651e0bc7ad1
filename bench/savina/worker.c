/*
 * worker — a fan-out worker (bench/savina/fanout.c): replies x*x + 1 to a
 * request x (u64 LE), and counts the requests it served.
 *
 *   handle x   reply x*x+1 (8 bytes LE); served += 1.
 *   state      8 bytes: served.
 */
#include "savina.h"

static uint64_t served;

GEAR_EXPORT(handle) void handle(void)
{
    uint8_t buf[8];
    if (gear_msg_size() != 8 || gear_msg_read(0, 8, buf))
        gear_panic_str("worker: payload is a u64");
    uint64_t x = sv_get_u64(buf);
    sv_put_u64(buf, x * x + 1);
    served++;
    if (gear_reply_bytes(buf, 8))
        gear_panic_str("worker: reply failed");
}

GEAR_EXPORT(state) void state(void)
{
    sv_reply_u64s(&served, 1);
}
