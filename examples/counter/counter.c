/*
 * counter — persistent state in a C global.
 *
 * handle, text commands:
 *   "inc"     count += 1
 *   "add N"   count += N (N decimal)
 *   "get"     nothing changes
 * each replies with the count in decimal.  Anything else panics (the
 * sender gets an error reply with the panic text).
 * state: replies the count in decimal.
 *
 * `count` lives in .bss, i.e. in the program's memory, which Gear keeps
 * between messages.
 */
#include "gear.h"

static uint64_t count;

GEAR_EXPORT(handle) void handle(void)
{
    uint32_t len;
    char *cmd = (char *)gear_msg_read_all(&len);

    if (strcmp(cmd, "inc") == 0) {
        count++;
    } else if (gear_starts_with(cmd, len, "add ")) {
        uint64_t n;
        if (!gear_parse_u64(cmd + 4, len - 4, &n))
            gear_panic_str("counter: add wants a decimal number");
        if (count + n < count)
            gear_panic_str("counter: overflow");
        count += n;
    } else if (strcmp(cmd, "get") != 0) {
        gear_panic_str("counter: unknown command (inc, add N, get)");
    }
    free(cmd);
    gear_reply_u64(count);
}

GEAR_EXPORT(state) void state(void)
{
    gear_reply_u64(count);
}
