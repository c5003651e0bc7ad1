/*
 * producer — the sender of the counting workload: it sends M messages to
 * the counter (bench/savina/counter.c), K per run, each carrying its
 * sequence number 0..M-1 (u64 LE), an explicit gas limit and a reply
 * deposit (SV_DEPOSIT: the automatic reply carries no gas of its own).  A run may
 * send at most 1,024 messages, so between batches the producer sends
 * itself "more" with all its gas and a reply deposit (savina.h).
 *
 *   init            payload: the counter's 32-byte id.
 *   handle M,K      (8 bytes: u32 M, u32 K LE) the kick-off.
 *   handle "more"   from itself: the next batch.
 *   handle_reply    the counter's automatic replies: acks += 1 (those to
 *                   "more", from itself, are not counted).
 *   state           16 bytes: sent, acks.
 *
 * Dispatches: 1 + M (counter) + M (automatic replies back) + 2 * (batches
 * - 1) ("more" and its automatic reply).
 */
#include "savina.h"

static gear_actor_id_t counter;
static uint32_t total, batch;
static uint64_t sent, acks;

GEAR_EXPORT(init) void init(void)
{
    if (gear_msg_size() != 32 || gear_msg_read(0, 32, &counter))
        gear_panic_str("producer: init payload is the counter's id");
}

static void send_batch(void)
{
    uint64_t end = sent + batch;
    if (end > total)
        end = total;
    for (; sent < end; sent++) {
        uint8_t seq[8];
        sv_put_u64(seq, sent);
        gear_message_id_t mid;
        gear_error_code_t err;
        if (gear_send_bytes_wgas(&counter, seq, 8, SV_GAS, 0, &mid))
            gear_panic_str("producer: send failed");
        /* the counter's automatic reply carries no gas of its own: a
         * deposit pays for it (as Gear's) */
        gr_reply_deposit(&mid, SV_DEPOSIT, &err);
        if (err)
            gear_panic_str("producer: reply deposit failed");
    }
    if (sent < total) {
        gear_actor_id_t me = gear_program_id();
        sv_send_token(&me, "more", 4);
    }
}

GEAR_EXPORT(handle) void handle(void)
{
    uint8_t buf[8];
    uint32_t len = gear_msg_size();
    if (len > sizeof buf || gear_msg_read(0, len, buf))
        gear_panic_str("producer: payload is M,K or \"more\"");
    gear_actor_id_t src = gear_msg_source(), me = gear_program_id();
    if (len == 4 && memcmp(buf, "more", 4) == 0 && gear_hash_eq(&src, &me)) {
        send_batch();
        return;
    }
    if (len != 8)
        gear_panic_str("producer: payload is M,K or \"more\"");
    total = sv_get_u32(buf);
    batch = sv_get_u32(buf + 4);
    if (batch == 0 || batch > 1000)
        gear_panic_str("producer: batch must be 1..1000");
    sent = acks = 0;
    send_batch();
}

GEAR_EXPORT(handle_reply) void handle_reply(void)
{
    gear_actor_id_t src = gear_msg_source();
    if (gear_hash_eq(&src, &counter))
        acks++;
}

GEAR_EXPORT(state) void state(void)
{
    uint64_t v[2] = {sent, acks};
    sv_reply_u64s(v, 2);
}
