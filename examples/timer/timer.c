/*
 * timer — delayed messages to itself.
 *
 * handle, text commands:
 *   "start N"     schedule one tick N blocks from now (N >= 1), replies "ok"
 *   "start N K"   K ticks, N blocks apart
 *   "stop"        cancel the remaining ticks (one already in flight still
 *                 arrives and is counted)
 * A "start" while a tick is in flight re-arms the chain behind that tick.
 *   "get"         replies the number of ticks received, in decimal
 *   "tick"        only from the program itself: count, schedule the next
 * The tick is an ordinary message sent with gr_send's `delay`: the runtime
 * holds it and delivers it N blocks later.
 */
#include "gear.h"

static uint64_t ticks;
static uint32_t period, remaining;
static bool in_flight; /* a tick is on its way */

static void schedule(void)
{
    gear_actor_id_t self = gear_program_id();
    if (gear_send_str(&self, "tick", period, NULL))
        gear_panic_str("timer: delayed send failed");
    in_flight = true;
    remaining--;
}

GEAR_EXPORT(handle) void handle(void)
{
    uint32_t len;
    char *cmd = (char *)gear_msg_read_all(&len);

    if (strcmp(cmd, "tick") == 0) {
        gear_actor_id_t src = gear_msg_source(), self = gear_program_id();
        if (!gear_hash_eq(&src, &self))
            gear_panic_str("timer: tick from someone else");
        ticks++;
        in_flight = false;
        if (remaining)
            schedule();
    } else if (gear_starts_with(cmd, len, "start ")) {
        const char *n = cmd + 6, *k = memchr(n, ' ', len - 6);
        uint64_t p, count = 1;
        uint32_t nlen = k ? (uint32_t)(k - n) : len - 6;
        if (!gear_parse_u64(n, nlen, &p) || p == 0 || p > UINT32_MAX ||
            (k && (!gear_parse_u64(k + 1, (uint32_t)(cmd + len - k - 1), &count) || count == 0 ||
                   count > UINT32_MAX)))
            gear_panic_str("timer: start N [K], N >= 1 blocks, K >= 1 ticks");
        period = (uint32_t)p;
        remaining = (uint32_t)count;
        if (!in_flight) /* else the tick in flight goes first, then these */
            schedule();
        gear_reply_str("ok");
    } else if (strcmp(cmd, "stop") == 0) {
        remaining = 0;
        gear_reply_str("ok");
    } else if (strcmp(cmd, "get") == 0) {
        gear_reply_u64(ticks);
    } else {
        gear_panic_str("timer: unknown command (start N [K], stop, get)");
    }
    free(cmd);
}
