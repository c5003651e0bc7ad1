/*
 * fanout — the coordinator of the fan-out/fan-in workload (Savina's
 * scatter-gather): it sends one request to each of its workers
 * (bench/savina/worker.c), waits, and gathers their replies as they come
 * back, for a number of rounds, then tells whoever kicked it off the
 * total.
 *
 * Each round runs as its own message, "round" sent by the coordinator to
 * itself: a message may send at most 1,024 messages over all its runs
 * (the count survives gr_wait and wake-ups), so one message cannot run
 * every round.  With W workers:
 *
 *   init            payload: the workers' ids, 32 bytes each (W <= 1,000).
 *   handle R        (4 bytes LE, R >= 1 rounds) the kick-off: remember the
 *                   sender, send "round" to itself (all the gas the run
 *                   leaves, and a reply deposit for its automatic reply,
 *                   savina.h).
 *   handle "round"  from itself, first run: send x = r*W + i to worker i
 *                   with an explicit gas limit and gr_wait(): the message
 *                   waits holding the gas it has left.  The round's last
 *                   reply wakes it and handle runs again from the start
 *                   (same message id): the round is gathered; send the
 *                   next "round", or after round R-1 send 16 bytes
 *                   (gathered, sum) to whoever kicked it off.
 *   handle_reply    a worker's reply (8 bytes: x*x+1): gathered += 1,
 *                   sum += it; the round's last one wakes the waiting
 *                   message.  The automatic replies to "round" (empty,
 *                   from itself) are ignored; anything else is counted in
 *                   `strays`.
 *   state           32 bytes: gathered, sum, rounds done, strays.
 *
 * Dispatches: 1 (kick-off) + R * (1 "round" + W requests + W replies + 1
 * wake-up + 1 automatic reply to "round").
 */
#include "savina.h"

static gear_actor_id_t *workers;
static uint32_t nworkers;

static gear_actor_id_t client;   /* who kicked it off */
static bool running;
static gear_message_id_t waiting; /* the "round" message of this round */
static uint32_t rounds, cur_round; /* rounds asked for, the current one */
static uint32_t pending;           /* replies still to come this round */
static uint64_t gathered, sum, strays, rounds_done;

GEAR_EXPORT(init) void init(void)
{
    uint32_t len = gear_msg_size();
    if (len == 0 || len % 32 || len / 32 > 1000)
        gear_panic_str("fanout: init payload is 1..1000 workers' ids");
    nworkers = len / 32;
    workers = gear_xmalloc(len);
    gear_msg_read(0, len, workers);
}

static void next_round(void)
{
    gear_actor_id_t me = gear_program_id();
    sv_send_token(&me, "round", 5);
}

GEAR_EXPORT(handle) void handle(void)
{
    uint8_t buf[8];
    uint32_t len = gear_msg_size();
    if (len > sizeof buf || gear_msg_read(0, len, buf))
        gear_panic_str("fanout: payload is a u32 round count or \"round\"");
    gear_actor_id_t src = gear_msg_source(), me = gear_program_id();
    gear_message_id_t mid = gear_msg_id();

    if (len == 4) { /* the kick-off */
        if (running)
            gear_panic_str("fanout: busy with another kick-off");
        rounds = sv_get_u32(buf);
        if (rounds == 0)
            gear_panic_str("fanout: zero rounds");
        running = true;
        client = src;
        cur_round = 0;
        next_round();
        return;
    }
    if (len != 5 || memcmp(buf, "round", 5) || !gear_hash_eq(&src, &me) ||
        !running)
        gear_panic_str("fanout: unexpected message");

    if (!gear_hash_eq(&mid, &waiting)) { /* a new round: scatter */
        for (uint32_t i = 0; i < nworkers; i++) {
            uint8_t x[8];
            sv_put_u64(x, (uint64_t)cur_round * nworkers + i);
            if (gear_send_bytes_wgas(&workers[i], x, 8, SV_GAS, 0, NULL))
                gear_panic_str("fanout: send failed");
        }
        waiting = mid;
        pending = nworkers;
        gr_wait();
    }
    if (pending)
        gr_wait(); /* woken early: go on waiting */
    /* gathered */
    rounds_done++;
    if (++cur_round < rounds) {
        next_round();
        return;
    }
    running = false;
    uint8_t out[16];
    sv_put_u64(out, gathered);
    sv_put_u64(out + 8, sum);
    if (gear_send_bytes(&client, out, 16, 0, NULL))
        gear_panic_str("fanout: send failed");
}

GEAR_EXPORT(handle_reply) void handle_reply(void)
{
    uint8_t buf[8];
    uint32_t err = 0;
    gear_actor_id_t src = gear_msg_source(), me = gear_program_id();
    uint32_t len = gear_msg_size();
    if (len == 0 && gear_hash_eq(&src, &me))
        return; /* the automatic reply to "round" */
    if (!running || pending == 0 || len != 8 ||
        !gear_reply_code_is_success(gear_reply_code(&err)) ||
        gear_msg_read(0, 8, buf)) {
        strays++;
        return;
    }
    gathered++;
    sum += sv_get_u64(buf);
    if (--pending == 0) {
        gear_error_code_t e = 0;
        gr_wake(&waiting, 0, &e);
        if (e)
            gear_panic_str("fanout: wake failed");
    }
}

GEAR_EXPORT(state) void state(void)
{
    uint64_t v[4] = {gathered, sum, rounds_done, strays};
    sv_reply_u64s(v, 4);
}
