/*
 * ping — the smallest useful Gear program, like gear's demo-ping.
 *
 * handle: payload "PING" -> reply "PONG".  Anything else gets no reply
 * from the program (the runtime then sends the automatic empty reply).
 */
#include "gear.h"

GEAR_EXPORT(handle) void handle(void)
{
    char buf[4];
    if (gear_msg_size() == 4 && gear_msg_read(0, 4, buf) == 0 && memcmp(buf, "PING", 4) == 0)
        gear_reply_str("PONG");
}
