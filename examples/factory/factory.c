/*
 * factory — creates programs from a code id and talks to them.
 *
 * init: payload = a 32-byte code id (e.g. of examples/ping).
 * handle:
 *   "spawn"  gr_create_program(code id, salt = child number) — replies
 *            with the new program's 32-byte id, which is recorded.
 *   "call"   sends "PING" to the last child, waits for its reply and
 *            relays it (gear_async_call: the whole async idiom in one call).
 *   "count"  replies the number of children, in decimal.
 * handle_reply: a reply to a "call" wakes the waiting message.  The
 * replies to the children's init messages also land here; they are not in
 * the async table and are ignored.
 */
#include "gear.h"

static gear_code_id_t code;
static gear_actor_id_t last_child;
static uint32_t children;

GEAR_EXPORT(init) void init(void)
{
    if (gear_msg_size() != 32 || gear_msg_read(0, 32, &code))
        gear_panic_str("factory: init payload must be a 32-byte code id");
}

GEAR_EXPORT(handle) void handle(void)
{
    char cmd[8] = {0};
    uint32_t len = gear_msg_read_into(cmd, sizeof cmd - 1);
    if (len != gear_msg_size())
        gear_panic_str("factory: unknown command");

    if (strcmp(cmd, "spawn") == 0) {
        gear_hash_with_value_t cid_value = {code, gear_u128(0)};
        uint8_t salt[4] = {(uint8_t)children, (uint8_t)(children >> 8),
                           (uint8_t)(children >> 16), (uint8_t)(children >> 24)};
        gear_error_with_two_hashes_t r;
        gr_create_program(&cid_value, salt, sizeof salt, "", 0, 0, &r);
        if (r.error_code)
            gear_panic_str("factory: gr_create_program failed");
        last_child = r.hash2; /* hash1 is the child's init message id */
        children++;
        gear_reply_bytes(&last_child, 32);
    } else if (strcmp(cmd, "call") == 0) {
        if (!children)
            gear_panic_str("factory: no child yet");
        gear_async_slot_t *s = gear_async_call(&last_child, "PING", 4);
        gear_reply_bytes(s->reply, s->reply_len);
        gear_async_release(s);
    } else if (strcmp(cmd, "count") == 0) {
        gear_reply_u64(children);
    } else {
        gear_panic_str("factory: unknown command");
    }
}

GEAR_EXPORT(handle_reply) void handle_reply(void)
{
    gear_async_on_reply();
}
