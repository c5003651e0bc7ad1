/*
 * The environment syscalls through the processor: ids, value, block,
 * gr_env_vars (v1, 52 bytes packed), gr_random, gr_gas_available,
 * gr_debug (UTF-8 or BackendError).  Program: tests/data/gear/sys_ops.wat.
 */
#include "test_syscalls_util.h"
#include "util/hash.h"

static void test_ids(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    OP(&s, GB_SYS_GR_MESSAGE_ID, 0x1000);
    OP(&s, GB_SYS_GR_PROGRAM_ID, 0x1020);
    OP(&s, GB_SYS_GR_SOURCE, 0x1040);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT(!memcmp(mem(&j, 0x1000), d.id.b, 32));
    GB_EXPECT(!memcmp(mem(&j, 0x1020), d.destination.b, 32));
    GB_EXPECT(!memcmp(mem(&j, 0x1040), d.source.b, 32));
    GB_EXPECT_U64(0xEE, mem(&j, 0x1060)[0]);
    gb_journal_free(&j);

    /* an infallible syscall's wild pointer: BackendError */
    s.n = 0;
    OP(&s, GB_SYS_GR_MESSAGE_ID, 0xFFF0);
    j = env_handle(&e, &s, NULL);
    EXPECT_BACKEND_ERROR(j);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_value(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    const uint64_t ed = 1000000000000ull;
    e.v.balance = gb_u128_from(3 * ed);
    script s = {0};
    OP(&s, GB_SYS_GR_VALUE, 0x1000);
    OP(&s, GB_SYS_GR_VALUE_AVAILABLE, 0x1010);
    poke_hash_value(&s, 0x4000, id_of(0xcc), ed, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x4100, 0, 0, 0x1100);
    OP(&s, GB_SYS_GR_VALUE_AVAILABLE, 0x1020);
    gb_dispatch d = env_msg(&e, GB_DISPATCH_HANDLE, &s, ENV_GAS);
    d.value = (gb_u128){.lo = 5000, .hi = 1};
    gb_journal j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(5000, le64(mem(&j, 0x1000)));
    GB_EXPECT_U64(1, le64(mem(&j, 0x1008)));
    /* balance + the message's value */
    GB_EXPECT_U64(3 * ed + 5000, le64(mem(&j, 0x1010)));
    GB_EXPECT_U64(1, le64(mem(&j, 0x1018)));
    GB_EXPECT_U64(0, mem32(&j, 0x1100));
    /* less what was sent */
    GB_EXPECT_U64(2 * ed + 5000, le64(mem(&j, 0x1020)));
    GB_EXPECT_U64(1, le64(mem(&j, 0x1028)));
    GB_EXPECT_U64(0xEE, mem(&j, 0x1030)[0]);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_block(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    e.blk.height = 0x01020304;
    e.blk.timestamp = 0x1122334455667788ull;
    script s = {0};
    OP(&s, GB_SYS_GR_BLOCK_HEIGHT, 0x1000);
    OP(&s, GB_SYS_GR_BLOCK_TIMESTAMP, 0x1004);
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(0x01020304, mem32(&j, 0x1000));
    GB_EXPECT_U64(0x1122334455667788ull, le64(mem(&j, 0x1004)));
    GB_EXPECT_U64(0xEE, mem(&j, 0x100C)[0]);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_env_vars(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    e.blk.performance_multiplier = 0xA1A2A3A4;
    e.blk.existential_deposit = (gb_u128){.lo = 0xB1B2B3B4B5B6B7B8ull,
                                          .hi = 0xC1C2C3C4C5C6C7C8ull};
    e.blk.mailbox_threshold = 0xD1D2D3D4D5D6D7D8ull;
    e.blk.gas_per_value = 0xE1E2E3E4E5E6E7E8ull;
    e.blk.value_per_gas = (gb_u128){.lo = 0xF1F2F3F4F5F6F7F8ull,
                                    .hi = 0x9192939495969798ull};
    script s = {0};
    OP(&s, GB_SYS_GR_ENV_VARS, 1, 0x1001); /* packed: any alignment */
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    const uint8_t *p = mem(&j, 0x1001);
    GB_EXPECT_U64(0xEE, p[-1]);
    GB_EXPECT_U64(0xA1A2A3A4, le32(p));
    GB_EXPECT_U64(0xB1B2B3B4B5B6B7B8ull, le64(p + 4));
    GB_EXPECT_U64(0xC1C2C3C4C5C6C7C8ull, le64(p + 12));
    GB_EXPECT_U64(0xD1D2D3D4D5D6D7D8ull, le64(p + 20));
    GB_EXPECT_U64(0xE1E2E3E4E5E6E7E8ull, le64(p + 28));
    GB_EXPECT_U64(0xF1F2F3F4F5F6F7F8ull, le64(p + 36));
    GB_EXPECT_U64(0x9192939495969798ull, le64(p + 44));
    GB_EXPECT_U64(0xEE, p[52]); /* 52 bytes, not one more */
    gb_journal_free(&j);

    /* only version 1 exists: others are UnsupportedEnvVarsVersion */
    for (uint32_t v = 0; v < 3; v += 2) {
        s.n = 0;
        OP(&s, GB_SYS_GR_ENV_VARS, v, 0x1000);
        j = env_handle(&e, &s, NULL);
        EXPECT_BACKEND_ERROR(j);
        GB_EXPECT_STR_CONTAINS(j.trap_msg, "version");
        gb_journal_free(&j);
    }
    env_free(&e);
}

static void test_random(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    for (int i = 0; i < 32; i++)
        e.blk.random_seed[i] = (uint8_t)(i * 7);
    e.blk.random_bn = 0x0A0B0C0D;
    uint8_t subject[32];
    memset(subject, 0x42, 32);
    script s = {0};
    poke(&s, 0x4000, subject, 32);
    OP(&s, GB_SYS_GR_RANDOM, 0x4000, 0x1000);
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    uint8_t cat[64], want[32];
    memcpy(cat, subject, 32);
    memcpy(cat + 32, e.blk.random_seed, 32);
    gb_blake2b256(cat, 64, want);
    GB_EXPECT_U64(0x0A0B0C0D, mem32(&j, 0x1000));
    GB_EXPECT(!memcmp(mem(&j, 0x1004), want, 32));
    GB_EXPECT_U64(0xEE, mem(&j, 0x1024)[0]);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_gas_available(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x1000);
    burn(&s, 1000);
    OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x1008);
    gb_dispatch d = env_msg(&e, GB_DISPATCH_HANDLE, &s, 1000000000);
    gb_journal j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    uint64_t g1 = le64(mem(&j, 0x1000)), g2 = le64(mem(&j, 0x1008));
    GB_EXPECT(g1 < 1000000000 && g1 > 0);
    GB_EXPECT(g2 + 1000 < g1); /* the loop cost something */
    GB_EXPECT(j.gas_burned > 1000000000 - g2);
    GB_EXPECT(j.gas_burned <= 1000000000);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_debug(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke(&s, 0x4000, "hello", 5);
    poke(&s, 0x4010, "w\xc3\xb6rld \xf0\x9f\x98\x80", 11);
    OP(&s, GB_SYS_GR_DEBUG, 0x4000, 5);
    OP(&s, GB_SYS_GR_DEBUG, 0x4010, 11);
    OP(&s, GB_SYS_GR_DEBUG, 0xFFFFFFF0u, 0); /* empty: never checked */
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(19, j.debug_len);
    GB_EXPECT(j.debug && !strcmp(j.debug, "hello\nw\xc3\xb6rld \xf0\x9f\x98\x80\n\n"));
    gb_journal_free(&j);

    /* not UTF-8 (a stray byte, an overlong NUL, a surrogate, a cut
     * sequence): InvalidDebugString, BackendError 01 00 02 00 */
    static const char *bad[] = {"ok\xff", "\xc0\x80", "\xed\xa0\x80", "\xe2\x82"};
    for (int i = 0; i < 4; i++) {
        s.n = 0;
        poke(&s, 0x4000, "fine", 4);
        OP(&s, GB_SYS_GR_DEBUG, 0x4000, 4);
        poke(&s, 0x4010, bad[i], (uint32_t)strlen(bad[i]));
        OP(&s, GB_SYS_GR_DEBUG, 0x4010, (uint32_t)strlen(bad[i]));
        j = env_handle(&e, &s, NULL);
        EXPECT_BACKEND_ERROR(j);
        static const uint8_t be[4] = {1, 0, 2, 0};
        GB_EXPECT(!memcmp(j.reply.reply_code, be, 4));
        GB_EXPECT_U64(0, j.reply.payload_len);
        GB_EXPECT_STR_CONTAINS(j.trap_msg, "UTF-8");
        gb_journal_free(&j);
    }
    /* a wild pointer */
    s.n = 0;
    OP(&s, GB_SYS_GR_DEBUG, 0xFFFF0000u, 4);
    j = env_handle(&e, &s, NULL);
    EXPECT_BACKEND_ERROR(j);
    gb_journal_free(&j);
    env_free(&e);
}

/* In handle_signal the environment is there, gr_source is not. */
static void test_signal_env(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    OP(&s, GB_SYS_GR_MESSAGE_ID, 0x1000);
    OP(&s, GB_SYS_GR_BLOCK_HEIGHT, 0x1020);
    gb_dispatch d = env_msg(&e, GB_DISPATCH_SIGNAL, &s, ENV_GAS);
    gb_journal j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT(!j.has_reply);
    GB_EXPECT(!memcmp(mem(&j, 0x1000), d.id.b, 32));
    GB_EXPECT_U64(7, mem32(&j, 0x1020));
    gb_journal_free(&j);
    OP(&s, GB_SYS_GR_SOURCE, 0x1040);
    d = env_msg(&e, GB_DISPATCH_SIGNAL, &s, ENV_GAS);
    j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
    GB_EXPECT(!j.has_reply); /* no error reply to a signal */
    GB_EXPECT_U64(0, j.npages);
    GB_EXPECT_STR_CONTAINS(j.trap_msg, "forbidden");
    gb_journal_free(&j);
    env_free(&e);
}

int main(void)
{
    GB_RUN(test_ids);
    GB_RUN(test_value);
    GB_RUN(test_block);
    GB_RUN(test_env_vars);
    GB_RUN(test_random);
    GB_RUN(test_gas_available);
    GB_RUN(test_debug);
    GB_RUN(test_signal_env);
    return gb_test_summary();
}
