/*
 * wild_pointer — hostile: hands the runtime pointers outside the program's
 * memory.  The runtime must never read or write outside the sandbox.  As
 * in Gear, a bad argument of a fallible syscall comes back as error 201
 * (AccessOutOfBounds) in the call's error struct, and the program goes on:
 * it then replies "rejected: 201".  A bad pointer to the error struct
 * itself cannot be answered that way: the run stops (BackendError).
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
    gear_error_with_hash_t e = {0};
    uint32_t code;

    if (strcmp(cmd, "send") == 0) {
        gr_send((const gear_hash_with_value_t *)WILD, "x", 1, 0, &e);
        code = e.error_code;
    } else if (strcmp(cmd, "read") == 0) {
        gear_error_code_t err = 0;
        gr_read(0, gear_msg_size(), WILD, &err);
        code = err;
    } else if (strcmp(cmd, "err") == 0) {
        gr_reply("x", 1, GEAR_NO_VALUE, (gear_error_with_hash_t *)WILD);
        code = 0;
    } else if (strcmp(cmd, "wrap") == 0) {
        gr_reply((const void *)(uintptr_t)0xFFFFFFF0u, 0x20, GEAR_NO_VALUE, &e);
        code = e.error_code;
    } else {
        gr_reply(WILD, 4096, GEAR_NO_VALUE, &e);
        code = e.error_code;
    }
    if (code == GEAR_ERR_ACCESS_OUT_OF_BOUNDS)
        gear_reply_str("rejected: 201");
    else
        gear_panic_str("wild_pointer: the runtime accepted a wild pointer");
}
