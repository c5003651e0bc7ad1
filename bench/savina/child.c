/*
 * child — created by bench/savina/creator.c: its init replies once, with
 * the 4-byte index it was given as init payload.
 */
#include "savina.h"

static uint32_t index_;

GEAR_EXPORT(init) void init(void)
{
    uint8_t idx[4];
    if (gear_msg_size() != 4 || gear_msg_read(0, 4, idx))
        gear_panic_str("child: init payload is a u32 index");
    index_ = sv_get_u32(idx);
    if (gear_reply_bytes(idx, 4))
        gear_panic_str("child: reply failed");
}

GEAR_EXPORT(state) void state(void)
{
    uint64_t v = index_;
    sv_reply_u64s(&v, 1);
}
