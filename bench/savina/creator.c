/*
 * creator — Savina-style actor creation: one program creates N children
 * (bench/savina/child.c) and counts the reply each child's init sends
 * back.
 *
 * A run may send at most 1,024 messages, program creations included, so
 * the children are created in batches of K per run; between batches the
 * creator sends itself "more" (with all its gas and a reply deposit for
 * the automatic reply that comes back, savina.h).  Each new program needs
 * the existential deposit from the creator's balance: the kick-off
 * carries N times it as value.
 *
 *   init            payload: the children's 32-byte code id.
 *   handle N,K      (8 bytes: u32 N, u32 K LE) the kick-off: create the
 *                   first batch.
 *   handle "more"   from itself: create the next batch.
 *   handle_reply    a child's reply (4 bytes: its index i, the init
 *                   payload it was given): replies += 1, sum += i.  The
 *                   automatic replies to "more" are ignored.
 *   state           24 bytes: created, replies, sum.
 *
 * Dispatches: 1 + 2 * (batches - 1) ("more" and its automatic reply)
 *             + N (children's inits) + N (their replies).
 */
#include "savina.h"

static gear_code_id_t child_code;
static uint32_t total, batch;
static uint64_t created, replies, sum;

GEAR_EXPORT(init) void init(void)
{
    if (gear_msg_size() != 32 || gear_msg_read(0, 32, &child_code))
        gear_panic_str("creator: init payload is the child code id");
}

static void create_batch(void)
{
    uint32_t end = (uint32_t)created + batch;
    if (end > total)
        end = total;
    gear_hash_with_value_t cid = {child_code, gear_u128(0)};
    for (uint32_t i = (uint32_t)created; i < end; i++) {
        uint8_t idx[4];
        sv_put_u32(idx, i);
        gear_error_with_two_hashes_t r;
        /* salt = the index: the program id also depends on this message's
         * id, so kick-offs never collide */
        gr_create_program_wgas(&cid, idx, 4, idx, 4, SV_GAS, 0, &r);
        if (r.error_code)
            gear_panic_str("creator: gr_create_program failed");
    }
    created = end;
    if (created < total) {
        gear_actor_id_t me = gear_program_id();
        sv_send_token(&me, "more", 4);
    }
}

GEAR_EXPORT(handle) void handle(void)
{
    uint8_t buf[8];
    uint32_t len = gear_msg_size();
    if (len > sizeof buf || gear_msg_read(0, len, buf))
        gear_panic_str("creator: payload is N,K or \"more\"");
    gear_actor_id_t src = gear_msg_source(), me = gear_program_id();
    if (len == 4 && memcmp(buf, "more", 4) == 0 && gear_hash_eq(&src, &me)) {
        create_batch();
        return;
    }
    if (len != 8)
        gear_panic_str("creator: payload is N,K or \"more\"");
    total = sv_get_u32(buf);
    batch = sv_get_u32(buf + 4);
    if (batch == 0 || batch > 1000)
        gear_panic_str("creator: batch must be 1..1000");
    created = replies = sum = 0;
    create_batch();
}

GEAR_EXPORT(handle_reply) void handle_reply(void)
{
    uint8_t idx[4];
    if (gear_msg_size() != 4 || gear_msg_read(0, 4, idx))
        return; /* the automatic reply to "more" */
    replies++;
    sum += sv_get_u32(idx);
}

GEAR_EXPORT(state) void state(void)
{
    uint64_t v[3] = {created, replies, sum};
    sv_reply_u64s(v, 3);
}
