/*
 * proxy — forwards every request to a target program and answers with the
 * target's reply: Gear's async request/response, written out by hand with
 * the gear_async_* table (see "Async" in gear.h and docs/sdk.md).
 *
 * init: payload = the target's 32-byte program id.
 * handle, first run:   send the payload to the target, remember the
 *                      request in an async slot, wait (gear_async_wait:
 *                      gr_wait_up_to, as gstd does).
 * handle_reply:        store the target's reply in the slot and gr_wake()
 *                      the waiting message (gear_async_on_reply).
 * handle, woken run:   find the slot by our message id, reply to the
 *                      original sender with the target's payload.
 * If the target failed (error reply code), the proxy replies
 * "proxy: target failed".
 */
#include "gear.h"

static gear_actor_id_t target;

GEAR_EXPORT(init) void init(void)
{
    if (gear_msg_size() != 32 || gear_msg_read(0, 32, &target))
        gear_panic_str("proxy: init payload must be the 32-byte target id");
}

GEAR_EXPORT(handle) void handle(void)
{
    gear_message_id_t me = gear_msg_id();
    gear_async_slot_t *s = gear_async_find_origin(&me);

    if (!s) { /* first run of this message: ask the target, then wait */
        uint32_t len;
        uint8_t *req = gear_msg_read_all(&len);
        gear_message_id_t sent;
        if (gear_send_bytes(&target, req, len, 0, &sent))
            gear_panic_str("proxy: send failed");
        free(req);
        if (!gear_async_begin(&sent))
            gear_panic_str("proxy: too many requests in flight");
        gear_async_wait(); /* the run ends here; memory (the slot) is kept */
    }

    if (s->state != GEAR_ASYNC_DONE) /* woken, but the reply is not here yet */
        gear_async_wait();

    /* woken after handle_reply stored the reply: finish the request */
    if (gear_reply_code_is_success(s->reply_code))
        gear_reply_bytes(s->reply, s->reply_len);
    else
        gear_reply_str("proxy: target failed");
    gear_async_release(s);
}

GEAR_EXPORT(handle_reply) void handle_reply(void)
{
    gear_async_on_reply(); /* replies to anything else are ignored */
}
