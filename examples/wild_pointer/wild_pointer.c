/*
 * wild_pointer — hostile: hands the runtime pointers outside the program's
 * memory.  Every case must end in a clean trap (the run fails, the sender
 * gets an error reply), never a read or write outside the sandbox.
 *
 * handle, by payload:
 *   "send"    gr_send with the destination (HashWithValue) out of bounds
 *   "read"    gr_read into a buffer out of bounds
 *   "err"     gr_reply with a valid payload but the error struct out of bounds
 *   "wrap"    gr_reply with a payload that wraps around the 4 GiB address space
 *   anything else: gr_reply with the payload out of bounds
 * Addresses at 0xFFFF0000 and up are beyond any wasm32 memory Gear allows
 * (at most 2 GiB).
 */
#include "gear.h"

#define WILD ((void *)(uintptr_t)0xFFFF0000u)

GEAR_EXPORT(handle) void handle(void)
{
    char cmd[8] = {0};
    gear_msg_read_into(cmd, sizeof cmd - 1);
    gear_error_with_hash_t e;

    if (strcmp(cmd, "send") == 0) {
        gr_send((const gear_hash_with_value_t *)WILD, "x", 1, 0, &e);
    } else if (strcmp(cmd, "read") == 0) {
        gear_error_code_t err;
        gr_read(0, gear_msg_size(), WILD, &err);
    } else if (strcmp(cmd, "err") == 0) {
        gr_reply("x", 1, GEAR_NO_VALUE, (gear_error_with_hash_t *)WILD);
    } else if (strcmp(cmd, "wrap") == 0) {
        gr_reply((const void *)(uintptr_t)0xFFFFFFF0u, 0x20, GEAR_NO_VALUE, &e);
    } else {
        gr_reply(WILD, 4096, GEAR_NO_VALUE, &e);
    }
    gear_panic_str("wild_pointer: the runtime accepted a wild pointer");
}
