/*
 * ask — a program that asks its sender a question and waits for the
 * answer (the user replies from the mailbox: `gearbox exec --reply`,
 * `gearbox reply`).
 *
 * handle: sends "what is your name?" to the message's source and waits
 * (gear_async_call); when the user's reply comes, replies "hello, NAME".
 * handle_reply: wakes the waiting message; a reply "panic" makes it panic
 * (to see a failed handle_reply).
 */
#include "gear.h"

GEAR_EXPORT(handle) void handle(void)
{
    gear_actor_id_t who = gear_msg_source();
    gear_async_slot_t *s = gear_async_call(&who, "what is your name?", 18);
    char out[80] = "hello, ";
    uint32_t n = 7;
    for (uint32_t i = 0; i < s->reply_len && n < sizeof out; i++)
        out[n++] = (char)s->reply[i];
    gear_async_release(s);
    gear_reply_bytes(out, n);
}

GEAR_EXPORT(handle_reply) void handle_reply(void)
{
    char buf[6] = {0};
    if (gear_msg_size() == 5 && gear_msg_read(0, 5, buf) == 0 &&
        memcmp(buf, "panic", 5) == 0)
        gear_panic_str("ask: told to panic");
    gear_async_on_reply();
}
