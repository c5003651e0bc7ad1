/*
 * The sending syscalls through the processor: gr_send(_wgas),
 * gr_send_input(_wgas), gr_send_init / gr_send_push(_input) /
 * gr_send_commit(_wgas): message ids = outgoing(message id, nonce), the
 * handles, limits and errors (GEAR-ABI.md §4, §5, §8), nonces across
 * gr_wait.  Program: tests/data/gear/sys_ops.wat.
 */
#include "test_syscalls_util.h"

#define ED 1000000000000ull

static void patch32(script *s, uint32_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        s->b[off + i] = (uint8_t)(v >> (8 * i));
}

static void test_send(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0xcc), 0, 0);
    poke(&s, 0x4100, "hi", 2);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x4100, 2, 0, 0x1000);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    gb_id mid = gb_message_id_outgoing(d.id, 0);
    EXPECT_ERR_STRUCT(&j, 0x1000, 0, mid.b, 32);
    GB_EXPECT_U64(0xEE, mem(&j, 0x1024)[0]);
    GB_EXPECT_U64(1, j.nmsgs);
    if (j.nmsgs) {
        GB_EXPECT(gb_id_eq(mid, j.msgs[0].id));
        GB_EXPECT(gb_id_eq(id_of(0xcc), j.msgs[0].destination));
        GB_EXPECT_U64(2, j.msgs[0].payload_len);
        GB_EXPECT(!memcmp(j.msgs[0].payload, "hi", 2));
        GB_EXPECT(gb_u128_is_zero(j.msgs[0].value));
        GB_EXPECT(!j.msgs[0].has_gas_limit);
        GB_EXPECT_U64(0, j.msgs[0].delay);
    }
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, jcode(&j));
    gb_journal_free(&j);
    env_free(&e);
}

static void test_handles(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0xcc), 0, 0);
    poke(&s, 0x4100, "xy", 2);
    OP(&s, GB_SYS_GR_SEND_INIT, 0x1000);
    OP(&s, GB_SYS_GR_SEND_INIT, 0x1008);
    OP(&s, GB_SYS_GR_SEND_INIT, 0x1010);
    OP(&s, GB_SYS_GR_SEND_PUSH, 1, 0x4100, 2, 0x1020);
    OP(&s, GB_SYS_GR_SEND_PUSH, 1, 0x4100, 1, 0x1024);
    OP(&s, GB_SYS_GR_SEND_PUSH_INPUT, 2, 0, 3, 0x1028);
    OP(&s, GB_SYS_GR_SEND_COMMIT, 2, 0x4000, 0, 0x1030);
    OP(&s, GB_SYS_GR_SEND_COMMIT_WGAS, 1, 0x4000, 3000, 3, 0x1060);
    /* an unknown handle, a committed one */
    OP(&s, GB_SYS_GR_SEND_PUSH, 7, 0x4100, 1, 0x10A0);
    OP(&s, GB_SYS_GR_SEND_PUSH, 1, 0x4100, 1, 0x10A4);
    OP(&s, GB_SYS_GR_SEND_COMMIT, 1, 0x4000, 0, 0x10B0);
    OP(&s, GB_SYS_GR_SEND_COMMIT, 9, 0x4000, 0, 0x10E0);
    OP(&s, GB_SYS_GR_SEND_PUSH_INPUT, 1, 0, 1, 0x1110);
    OP(&s, GB_SYS_GR_SEND_PUSH_INPUT, 8, 0, 1, 0x1114);
    uint32_t at = s.n + 5;
    OP(&s, GB_SYS_GR_SEND_PUSH_INPUT, 0, 0, 1, 0x1118); /* offset = size */
    OP(&s, GB_SYS_GR_SEND_PUSH_INPUT, 0, 1, 0xFFFFFFFFu, 0x111C);
    patch32(&s, at, s.n);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    for (uint32_t h = 0; h < 3; h++) { /* ErrorWithHandle: 0, handle */
        GB_EXPECT_U64(0, mem32(&j, 0x1000 + 8 * h));
        GB_EXPECT_U64(h, mem32(&j, 0x1004 + 8 * h));
    }
    GB_EXPECT_U64(0, mem32(&j, 0x1020));
    GB_EXPECT_U64(0, mem32(&j, 0x1024));
    GB_EXPECT_U64(0, mem32(&j, 0x1028));
    gb_id m2 = gb_message_id_outgoing(d.id, 2), m1 = gb_message_id_outgoing(d.id, 1);
    EXPECT_ERR_STRUCT(&j, 0x1030, 0, m2.b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1060, 0, m1.b, 32);
    GB_EXPECT_U64(GB_EXT_OUT_OF_BOUNDS, mem32(&j, 0x10A0));
    GB_EXPECT_U64(GB_EXT_LATE_ACCESS, mem32(&j, 0x10A4));
    EXPECT_ERR_STRUCT(&j, 0x10B0, 304, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x10E0, 305, NULL, 32);
    GB_EXPECT_U64(304, mem32(&j, 0x1110));
    GB_EXPECT_U64(305, mem32(&j, 0x1114));
    GB_EXPECT_U64(312, mem32(&j, 0x1118));
    GB_EXPECT_U64(313, mem32(&j, 0x111C));
    /* handle 0 was never committed: two messages, in commit order */
    GB_EXPECT_U64(2, j.nmsgs);
    if (j.nmsgs == 2) {
        GB_EXPECT(gb_id_eq(m2, j.msgs[0].id));
        GB_EXPECT_U64(3, j.msgs[0].payload_len);
        GB_EXPECT(!memcmp(j.msgs[0].payload, s.b, 3));
        GB_EXPECT(gb_id_eq(m1, j.msgs[1].id));
        GB_EXPECT_U64(3, j.msgs[1].payload_len);
        GB_EXPECT(!memcmp(j.msgs[1].payload, "xyx", 3));
        GB_EXPECT(j.msgs[1].has_gas_limit);
        GB_EXPECT_U64(3000, j.msgs[1].gas_limit);
        GB_EXPECT_U64(3, j.msgs[1].delay);
    }
    gb_journal_free(&j);
    env_free(&e);
}

static void test_value_gas_delay(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    e.v.balance = gb_u128_from(3 * ED);
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0xcc), ED, 0);
    poke_hash_value(&s, 0x4040, id_of(0xcc), 1, 0); /* below ED: fine */
    poke_hash_value(&s, 0x4080, id_of(0xcc), 10 * ED, 0);
    poke(&s, 0x4100, "v", 1);
    OP(&s, GB_SYS_GR_SEND_WGAS, 0x4000, 0x4100, 1, 5000, 2, 0x1000);   /* n0 */
    OP(&s, GB_SYS_GR_SEND_WGAS, 0x4040, 0x4100, 1, 100, 0, 0x1040);    /* n1: 308 */
    OP(&s, GB_SYS_GR_SEND_WGAS, 0x4040, 0x4100, 1, 0, 0, 0x1080);      /* n2 */
    OP(&s, GB_SYS_GR_SEND_WGAS, 0x4040, 0x4100, 1, 1ull << 50, 0, 0x10C0); /* n3: 100 */
    OP(&s, GB_SYS_GR_SEND, 0x4040, 0x4100, 1, 0, 0x1100);              /* n4 */
    OP(&s, GB_SYS_GR_SEND, 0x4080, 0x4100, 1, 0, 0x1140);              /* n5: 101 */
    /* a failed gr_send used its nonce and left its handle open */
    OP(&s, GB_SYS_GR_SEND_COMMIT, 1, 0x4040, 0, 0x1180);
    OP(&s, GB_SYS_GR_VALUE_AVAILABLE, 0x1200);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, 0x1000, 0, gb_message_id_outgoing(d.id, 0).b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, GB_EXT_INSUFFICIENT_GAS_LIMIT, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1080, 0, gb_message_id_outgoing(d.id, 2).b, 32);
    EXPECT_ERR_STRUCT(&j, 0x10C0, GB_EXT_NOT_ENOUGH_GAS, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1100, 0, gb_message_id_outgoing(d.id, 4).b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1140, GB_EXT_NOT_ENOUGH_VALUE, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1180, 0, gb_message_id_outgoing(d.id, 1).b, 32);
    GB_EXPECT_U64(2 * ED - 3, le64(mem(&j, 0x1200)));
    GB_EXPECT_U64(4, j.nmsgs);
    if (j.nmsgs == 4) {
        GB_EXPECT_U64(ED, j.msgs[0].value.lo);
        GB_EXPECT(j.msgs[0].has_gas_limit);
        GB_EXPECT_U64(5000, j.msgs[0].gas_limit);
        GB_EXPECT_U64(2, j.msgs[0].delay);
        GB_EXPECT(j.msgs[1].has_gas_limit); /* a zero gas limit is allowed */
        GB_EXPECT_U64(0, j.msgs[1].gas_limit);
        GB_EXPECT_U64(1, j.msgs[2].value.lo);
        GB_EXPECT(!j.msgs[2].has_gas_limit);
        GB_EXPECT_U64(0, j.msgs[3].payload_len); /* the reused handle */
    }
    GB_EXPECT(j.gas_burned > 5000);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_send_input(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0xcc), 0, 0);
    OP(&s, GB_SYS_GR_SEND_INPUT, 0x4000, 1, 3, 0, 0x1000);
    uint32_t at = s.n + 5;
    OP(&s, GB_SYS_GR_SEND_INPUT, 0x4000, 0, 1, 0, 0x1040); /* offset = size */
    OP(&s, GB_SYS_GR_SEND_INPUT, 0x4000, 2, 0x10000, 0, 0x1080);
    OP(&s, GB_SYS_GR_SEND_INPUT_WGAS, 0x4000, 0, 2, 4000, 1, 0x10C0);
    patch32(&s, at, s.n);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, 0x1000, 0, gb_message_id_outgoing(d.id, 0).b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, 312, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1080, 313, NULL, 32);
    /* the failed ones used nonces 1 and 2 (send_init comes first) */
    EXPECT_ERR_STRUCT(&j, 0x10C0, 0, gb_message_id_outgoing(d.id, 3).b, 32);
    GB_EXPECT_U64(2, j.nmsgs);
    if (j.nmsgs == 2) {
        GB_EXPECT_U64(3, j.msgs[0].payload_len);
        GB_EXPECT(!memcmp(j.msgs[0].payload, s.b + 1, 3));
        GB_EXPECT(!memcmp(j.msgs[1].payload, s.b, 2));
        GB_EXPECT_U64(4000, j.msgs[1].gas_limit);
        GB_EXPECT_U64(1, j.msgs[1].delay);
    }
    gb_journal_free(&j);
    env_free(&e);
}

static void test_errors(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0xcc), 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0xFFFF0000u, 0x4100, 1, 0, 0x1000); /* 201 */
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0xFFFFFFF0u, 0x20, 0, 0x1040); /* 201 */
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0, (8u << 20) + 1, 0, 0x1080); /* 300 */
    OP(&s, GB_SYS_GR_SEND_COMMIT, 0, 0xFFF0, 0, 0x10C0);        /* 201 */
    OP(&s, GB_SYS_GR_WAKE, 0xFFFFFFF0u, 0, 0x1100);             /* 201 */
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, 0x1000, GB_EXT_ACCESS_OUT_OF_BOUNDS, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, 201, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1080, GB_EXT_MAX_MESSAGE_SIZE_EXCEED, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x10C0, 201, NULL, 32);
    GB_EXPECT_U64(201, mem32(&j, 0x1100));
    GB_EXPECT_U64(0, j.nmsgs);
    gb_journal_free(&j);

    /* to ActorId::SYSTEM: forbidden, BackendError */
    s.n = 0;
    gb_id sys = gb_actor_id_system();
    poke_hash_value(&s, 0x4000, sys, 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x4100, 1, 0, 0x1000);
    j = env_handle(&e, &s, NULL);
    EXPECT_BACKEND_ERROR(j);
    gb_journal_free(&j);
    env_free(&e);
}

/* Limits, made small: messages per run (shared with creations), bytes
 * per run, message size. */
static void test_limits(void)
{
    gb_process_cfg cfg;
    gb_process_cfg_default(&cfg);
    cfg.max_outgoing = 3;
    cfg.max_outgoing_bytes = 10;
    cfg.max_payload = 8;
    sysenv e;
    GB_EXPECT(env_init(&e, &cfg));
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0xcc), 0, 0);
    poke(&s, 0x4100, "0123456789", 10);
    OP(&s, GB_SYS_GR_SEND_INIT, 0x1000);
    OP(&s, GB_SYS_GR_SEND_INIT, 0x1008);
    OP(&s, GB_SYS_GR_SEND_PUSH, 0, 0x4100, 6, 0x1020);
    OP(&s, GB_SYS_GR_SEND_PUSH, 1, 0x4100, 6, 0x1024); /* 12 > 10: 311 */
    OP(&s, GB_SYS_GR_SEND_PUSH, 0, 0x4100, 3, 0x1028); /* 9 > 8: 300 */
    OP(&s, GB_SYS_GR_SEND_PUSH, 1, 0x4100, 4, 0x102C); /* 10: fine */
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x4100, 1, 0, 0x1040); /* 311 */
    OP(&s, GB_SYS_GR_SEND_INIT, 0x1080);                 /* 301 */
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(0, mem32(&j, 0x1020));
    GB_EXPECT_U64(GB_EXT_OUTGOING_MESSAGES_BYTES_LIMIT_EXCEEDED, mem32(&j, 0x1024));
    GB_EXPECT_U64(GB_EXT_MAX_MESSAGE_SIZE_EXCEED, mem32(&j, 0x1028));
    GB_EXPECT_U64(0, mem32(&j, 0x102C));
    EXPECT_ERR_STRUCT(&j, 0x1040, 311, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1080, GB_EXT_OUTGOING_MESSAGES_AMOUNT_LIMIT_EXCEEDED, NULL, 4);
    gb_journal_free(&j);
    env_free(&e);
}

/* The nonce lives in the message's context: after gr_wait the next send
 * continues from it; handles of the earlier run are gone (305). */
static void test_nonce_across_wait(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0xcc), 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x4100, 1, 0, 0x1000);
    OP(&s, GB_SYS_GR_SEND_INIT, 0x1040);
    OP0(&s, GB_SYS_GR_WAIT);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_WAIT, j.outcome);
    GB_EXPECT(!j.has_reply);
    GB_EXPECT_U64(1, j.nmsgs); /* the effects of a waiting run stand */
    GB_EXPECT_U64(2, j.ctx.outgoing_nonce);
    gb_msg_context ctx = j.ctx;
    gb_journal_free(&j);

    script s2 = {0};
    poke_hash_value(&s2, 0x4000, id_of(0xcc), 0, 0);
    OP(&s2, GB_SYS_GR_SEND_PUSH, 1, 0x4100, 1, 0x1000);
    OP(&s2, GB_SYS_GR_SEND, 0x4000, 0x4100, 1, 0, 0x1040);
    d.payload = s2.b;
    d.payload_len = s2.n;
    d.ctx = ctx;
    j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(GB_EXT_OUT_OF_BOUNDS, mem32(&j, 0x1000));
    EXPECT_ERR_STRUCT(&j, 0x1040, 0, gb_message_id_outgoing(d.id, 2).b, 32);
    GB_EXPECT_U64(3, j.ctx.outgoing_nonce);
    gb_journal_free(&j);
    env_free(&e);
}

/* A script sending n messages "m0", "m1", ... to 0xcc, writing the pages
 * of a memory grown by grow wasm pages besides. */
static script sends_script(uint32_t n, uint32_t grow)
{
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0xcc), 0, 0);
    if (grow)
        OP(&s, GB_SYS_ALLOC, grow, 0x1200);
    for (uint32_t g = 0; g < grow * 4; g++) /* (gear pages 4, 5, ...) */
        poke(&s, 0x10000 + g * GB_GEAR_PAGE_SIZE, "p", 1);
    for (uint32_t i = 0; i < n; i++) {
        char m[2] = {'m', (char)('0' + i)};
        poke(&s, 0x4100 + 2 * i, m, 2);
        OP(&s, GB_SYS_GR_SEND, 0x4000, 0x4100 + 2 * i, 2, 0, 0x1000 + 40 * i);
    }
    return s;
}

/* The n messages of the run of dispatch d (sends_script) are in j. */
static void expect_sends(const gb_journal *j, const gb_dispatch *d,
                         uint32_t n)
{
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j->outcome);
    GB_EXPECT_U64(n, j->nmsgs);
    GB_EXPECT(j->msgs_room >= j->nmsgs && j->pages_room >= j->npages);
    for (uint32_t i = 0; i < n && i < j->nmsgs; i++) {
        char m[2] = {'m', (char)('0' + i)};
        GB_EXPECT(gb_id_eq(gb_message_id_outgoing(d->id, i), j->msgs[i].id));
        GB_EXPECT_U64(2, j->msgs[i].payload_len);
        GB_EXPECT(!memcmp(j->msgs[i].payload, m, 2));
    }
}

/* Journals released to the processor (gb_journal_release_to): their
 * arrays of pages and messages serve its next runs when they have room
 * enough, and a run that needs more gets (or grows) its own. */
static void test_journal_arrays_kept(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    gb_dispatch d;
    script s = sends_script(3, 1); /* 3 messages, 4 + 2 pages at least */
    gb_journal j = env_handle(&e, &s, &d);
    expect_sends(&j, &d, 3);
    GB_EXPECT(j.npages > 4);
    uint32_t msgs_room = j.msgs_room, pages_room = j.pages_room;
    GB_EXPECT_U64(4, msgs_room); /* (room for two, doubled) */
    gb_journal_release_to(&j, e.p);
    s = sends_script(1, 0);
    j = env_handle(&e, &s, &d); /* (the arrays of the run before) */
    expect_sends(&j, &d, 1);
    GB_EXPECT_U64(msgs_room, j.msgs_room);
    GB_EXPECT_U64(pages_room, j.pages_room);
    gb_journal_release_to(&j, e.p);
    s = sends_script(6, 2); /* more of both than that room (8 + 2 pages) */
    j = env_handle(&e, &s, &d);
    expect_sends(&j, &d, 6);
    GB_EXPECT(j.npages > pages_room);
    gb_journal other = j;
    s = sends_script(1, 0);
    j = env_handle(&e, &s, &d); /* (none kept: its own) */
    expect_sends(&j, &d, 1);
    GB_EXPECT_U64(2, j.msgs_room);
    /* more than one kept: the next runs take them, the last released
     * first */
    gb_journal_release_to(&other, e.p); /* (room for 8) */
    gb_journal_release_to(&j, e.p);     /* (room for 2) */
    gb_journal a = env_handle(&e, &s, &d);
    expect_sends(&a, &d, 1);
    GB_EXPECT_U64(2, a.msgs_room);
    gb_journal b = env_handle(&e, &s, &d);
    expect_sends(&b, &d, 1);
    GB_EXPECT_U64(8, b.msgs_room);
    gb_journal_release_to(&a, e.p);
    gb_journal_release_to(&b, e.p);
    /* an array grown past what the processor keeps is freed: the next
     * run that needs more than the kept ones have gets its own */
    s = sends_script(20, 0);
    j = env_handle(&e, &s, &d);
    expect_sends(&j, &d, 20);
    GB_EXPECT_U64(32, j.msgs_room);
    gb_journal_release_to(&j, e.p);
    s = sends_script(9, 0);
    j = env_handle(&e, &s, &d);
    expect_sends(&j, &d, 9);
    GB_EXPECT_U64(16, j.msgs_room); /* (8 kept, grown) */
    gb_journal_release_to(&j, e.p);
    env_free(&e); /* (frees what the processor keeps) */
}

int main(void)
{
    GB_RUN(test_send);
    GB_RUN(test_handles);
    GB_RUN(test_value_gas_delay);
    GB_RUN(test_send_input);
    GB_RUN(test_errors);
    GB_RUN(test_limits);
    GB_RUN(test_nonce_across_wait);
    GB_RUN(test_journal_arrays_kept);
    return gb_test_summary();
}
