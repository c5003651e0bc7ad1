/*
 * The reply syscalls through the processor: gr_reply, gr_reply_wgas,
 * gr_reply_push, gr_reply_push_input, gr_reply_commit(_wgas),
 * gr_reply_input(_wgas), and the context ones gr_reply_to, gr_reply_code,
 * gr_signal_from, gr_signal_code, in init, handle, handle_reply and
 * handle_signal (GEAR-ABI.md §4-§7).  Program: tests/data/gear/sys_ops.wat.
 */
#include "test_syscalls_util.h"

static void patch32(script *s, uint32_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        s->b[off + i] = (uint8_t)(v >> (8 * i));
}

static void test_reply(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke(&s, 0x4000, "hello", 5);
    OP(&s, GB_SYS_GR_REPLY, 0x4000, 5, NO_VALUE, 0x1000);
    /* a second reply, a push or a commit after it */
    OP(&s, GB_SYS_GR_REPLY, 0x4000, 5, NO_VALUE, 0x1040);
    OP(&s, GB_SYS_GR_REPLY_PUSH, 0x4000, 1, 0x1080);
    OP(&s, GB_SYS_GR_REPLY_COMMIT, NO_VALUE, 0x1090);
    OP(&s, GB_SYS_GR_REPLY_WGAS, 0x4000, 1, 5000, NO_VALUE, 0x10D0);
    /* reply_input is reply_push_input + commit: the push fails first */
    OP(&s, GB_SYS_GR_REPLY_INPUT, 0, 1, NO_VALUE, 0x1110);
    OP(&s, GB_SYS_GR_REPLY_PUSH_INPUT, 0, 1, 0x1150);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT(j.has_reply);
    static const uint8_t manual[4] = {0, 1, 0, 0};
    GB_EXPECT(!memcmp(j.reply.reply_code, manual, 4));
    GB_EXPECT_U64(5, j.reply.payload_len);
    GB_EXPECT(j.reply.payload && !memcmp(j.reply.payload, "hello", 5));
    gb_id rid = gb_message_id_reply(d.id);
    GB_EXPECT(gb_id_eq(rid, j.reply.id));
    GB_EXPECT(gb_id_eq(d.source, j.reply.destination));
    GB_EXPECT(gb_u128_is_zero(j.reply.value));
    GB_EXPECT(!j.reply.has_gas_limit);
    EXPECT_ERR_STRUCT(&j, 0x1000, 0, rid.b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, GB_EXT_DUPLICATE_REPLY, NULL, 32);
    GB_EXPECT_U64(GB_EXT_LATE_ACCESS, mem32(&j, 0x1080));
    GB_EXPECT_U64(0xEE, mem(&j, 0x1084)[0]); /* ErrorCode: 4 bytes only */
    EXPECT_ERR_STRUCT(&j, 0x1090, 302, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x10D0, 302, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1110, GB_EXT_LATE_ACCESS, NULL, 32);
    GB_EXPECT_U64(304, mem32(&j, 0x1150));
    GB_EXPECT_U64(0xEE, mem(&j, 0x1134)[0]); /* ErrorWithHash: 36 bytes */
    gb_journal_free(&j);
    env_free(&e);
}

static void test_push_commit_input(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke(&s, 0x4000, "ab", 2);
    OP(&s, GB_SYS_GR_REPLY_PUSH, 0x4000, 2, 0x1000);
    OP(&s, GB_SYS_GR_REPLY_PUSH_INPUT, 1, 3, 0x1004);
    OP(&s, GB_SYS_GR_REPLY_PUSH, 0xFFFFFFFFu, 0, 0x1008); /* empty */
    OP(&s, GB_SYS_GR_REPLY_COMMIT, NO_VALUE, 0x1010);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    GB_EXPECT_U64(0, mem32(&j, 0x1004));
    GB_EXPECT_U64(0, mem32(&j, 0x1008));
    EXPECT_ERR_STRUCT(&j, 0x1010, 0, gb_message_id_reply(d.id).b, 32);
    GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL, jcode(&j));
    GB_EXPECT_U64(5, j.reply.payload_len);
    GB_EXPECT(j.reply.payload && !memcmp(j.reply.payload, "ab", 2) &&
              !memcmp(j.reply.payload + 2, s.b + 1, 3));
    gb_journal_free(&j);

    /* gr_reply_input: a slice of the incoming payload */
    s.n = 0;
    OP(&s, GB_SYS_GR_REPLY_INPUT, 1, 4, NO_VALUE, 0x1000);
    j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL, jcode(&j));
    EXPECT_ERR_STRUCT(&j, 0x1000, 0, gb_message_id_reply(d.id).b, 32);
    GB_EXPECT_U64(4, j.reply.payload_len);
    GB_EXPECT(j.reply.payload && !memcmp(j.reply.payload, s.b + 1, 4));
    gb_journal_free(&j);

    /* gr_reply_input_wgas and the whole payload */
    s.n = 0;
    uint32_t at = s.n + 1 + 4;
    OP(&s, GB_SYS_GR_REPLY_INPUT_WGAS, 0, 0, 4000, NO_VALUE, 0x1000);
    patch32(&s, at, s.n);
    j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    GB_EXPECT_U64(s.n, j.reply.payload_len);
    GB_EXPECT(j.reply.payload && !memcmp(j.reply.payload, s.b, s.n));
    GB_EXPECT(j.reply.has_gas_limit);
    GB_EXPECT_U64(4000, j.reply.gas_limit);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_input_errors(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    uint32_t at1 = s.n + 1;
    OP(&s, GB_SYS_GR_REPLY_PUSH_INPUT, 0, 1, 0x1000); /* offset = size */
    OP(&s, GB_SYS_GR_REPLY_PUSH_INPUT, 1, 0x10000, 0x1004);
    OP(&s, GB_SYS_GR_REPLY_PUSH_INPUT, 0xFFFFFFFFu, 0xFFFFFFFFu, 0x1008);
    uint32_t at2 = s.n + 1;
    OP(&s, GB_SYS_GR_REPLY_INPUT, 0, 0, NO_VALUE, 0x1010);
    OP(&s, GB_SYS_GR_REPLY_INPUT, 2, 0xFFFFFFFFu, NO_VALUE, 0x1040);
    patch32(&s, at1, s.n);
    patch32(&s, at2, s.n);
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(GB_EXT_OUT_OF_BOUNDS_INPUT_SLICE_OFFSET, mem32(&j, 0x1000));
    GB_EXPECT_U64(GB_EXT_OUT_OF_BOUNDS_INPUT_SLICE_LENGTH, mem32(&j, 0x1004));
    GB_EXPECT_U64(312, mem32(&j, 0x1008));
    EXPECT_ERR_STRUCT(&j, 0x1010, 312, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, 313, NULL, 32);
    /* nothing was replied: the auto reply */
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, jcode(&j));
    GB_EXPECT_U64(0, j.reply.payload_len);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_value_and_gas(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke_value(&s, 0x4000, 6000);
    poke_value(&s, 0x4010, 1);
    /* more than balance (0) + message value (5000): NotEnoughValue */
    OP(&s, GB_SYS_GR_REPLY, 0x4100, 0, 0x4000, 0x1000);
    /* gas beyond what is left: NotEnoughGas */
    OP(&s, GB_SYS_GR_REPLY_COMMIT_WGAS, 1ull << 40, NO_VALUE, 0x1040);
    /* a value below the existential deposit is fine (Gear >= 1.5: no
     * InsufficientValue any more); a reply's gas limit has no mailbox
     * threshold */
    OP(&s, GB_SYS_GR_REPLY_COMMIT_WGAS, 100, 0x4010, 0x1080);
    OP(&s, GB_SYS_GR_VALUE_AVAILABLE, 0x1100);
    gb_dispatch d = env_msg(&e, GB_DISPATCH_HANDLE, &s, ENV_GAS);
    d.value = gb_u128_from(5000);
    gb_journal j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, 0x1000, GB_EXT_NOT_ENOUGH_VALUE, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, GB_EXT_NOT_ENOUGH_GAS, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1080, 0, gb_message_id_reply(d.id).b, 32);
    GB_EXPECT_U64(4999, le64(mem(&j, 0x1100)));
    GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL, jcode(&j));
    GB_EXPECT_U64(1, j.reply.value.lo);
    GB_EXPECT(j.reply.has_gas_limit);
    GB_EXPECT_U64(100, j.reply.gas_limit);
    GB_EXPECT_U64(0, j.reply.payload_len);
    gb_journal_free(&j);

    /* gr_reply_wgas: the gas goes with the reply */
    s.n = 0;
    poke(&s, 0x4000, "g", 1);
    OP(&s, GB_SYS_GR_REPLY_WGAS, 0x4000, 1, ENV_GAS / 2, NO_VALUE, 0x1000);
    d = env_msg(&e, GB_DISPATCH_HANDLE, &s, ENV_GAS);
    j = env_run(&e, &d);
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    GB_EXPECT(j.reply.has_gas_limit);
    GB_EXPECT_U64(ENV_GAS / 2, j.reply.gas_limit);
    /* the gas travels with the reply: not burned by this run */
    GB_EXPECT(j.gas_burned > 0 && j.gas_burned < ENV_GAS / 2);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_wild_pointers(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    /* a payload, a wrapping payload, a value outside memory: 201 in the
     * error struct, the run goes on */
    OP(&s, GB_SYS_GR_REPLY, 0xFFFF0000u, 16, NO_VALUE, 0x1000);
    OP(&s, GB_SYS_GR_REPLY, 0xFFFFFFF0u, 0x20, NO_VALUE, 0x1040);
    OP(&s, GB_SYS_GR_REPLY, 0x4000, 1, 0xFFF8, 0x1080);
    OP(&s, GB_SYS_GR_REPLY_PUSH, 0x10000, 1, 0x10C0);
    /* a payload over 8 MiB is not even read: MaxMessageSizeExceed */
    OP(&s, GB_SYS_GR_REPLY, 0xFFFF0000u, (8u << 20) + 1, NO_VALUE, 0x1100);
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, 0x1000, GB_EXT_ACCESS_OUT_OF_BOUNDS, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, 201, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1080, 201, NULL, 32);
    GB_EXPECT_U64(201, mem32(&j, 0x10C0));
    EXPECT_ERR_STRUCT(&j, 0x1100, GB_EXT_MAX_MESSAGE_SIZE_EXCEED, NULL, 32);
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, jcode(&j));
    gb_journal_free(&j);

    /* the error struct outside memory: BackendError, nothing kept */
    s.n = 0;
    OP(&s, GB_SYS_GR_REPLY, 0x4000, 1, NO_VALUE, 0xFFFFFFF0u);
    j = env_handle(&e, &s, NULL);
    EXPECT_BACKEND_ERROR(j);
    gb_journal_free(&j);
    env_free(&e);
}

/* init replies like handle; without a reply it gets the auto one. */
static void test_init(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke(&s, 0x4000, "ok", 2);
    OP(&s, GB_SYS_GR_REPLY, 0x4000, 2, NO_VALUE, 0x1000);
    gb_dispatch d = env_msg(&e, GB_DISPATCH_INIT, &s, ENV_GAS);
    gb_journal j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL, jcode(&j));
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    gb_journal_free(&j);
    s.n = 0;
    OP(&s, GB_SYS_GR_SIZE, 0x1000);
    d = env_msg(&e, GB_DISPATCH_INIT, &s, ENV_GAS);
    j = env_run(&e, &d);
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, jcode(&j));
    GB_EXPECT(gb_id_eq(gb_message_id_reply(d.id), j.reply.id));
    gb_journal_free(&j);
    env_free(&e);
}

/* Outside handle_reply/handle_signal the context syscalls fail. */
static void test_context_in_handle(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    OP(&s, GB_SYS_GR_REPLY_TO, 0x1000);
    OP(&s, GB_SYS_GR_REPLY_CODE, 0x1040);
    OP(&s, GB_SYS_GR_SIGNAL_FROM, 0x1080);
    OP(&s, GB_SYS_GR_SIGNAL_CODE, 0x10C0);
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, 0x1000, GB_EXT_NO_REPLY_CONTEXT, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, 105, NULL, 4);
    GB_EXPECT_U64(0xEE, mem(&j, 0x1048)[0]); /* ErrorWithReplyCode: 8 */
    EXPECT_ERR_STRUCT(&j, 0x1080, GB_EXT_NO_SIGNAL_CONTEXT, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x10C0, 106, NULL, 4);
    GB_EXPECT_U64(0xEE, mem(&j, 0x10C8)[0]);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_handle_reply(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke(&s, 0x4000, "x", 1);
    OP(&s, GB_SYS_GR_REPLY, 0x4000, 1, NO_VALUE, 0x1000);
    OP(&s, GB_SYS_GR_REPLY_PUSH, 0x4000, 1, 0x1040);
    OP(&s, GB_SYS_GR_REPLY_COMMIT, NO_VALUE, 0x1050);
    OP(&s, GB_SYS_GR_REPLY_INPUT, 0, 1, NO_VALUE, 0x1090);
    OP(&s, GB_SYS_GR_REPLY_PUSH_INPUT, 0, 1, 0x10D0);
    OP(&s, GB_SYS_GR_REPLY_WGAS, 0x4000, 1, 0, NO_VALUE, 0x10E0);
    OP(&s, GB_SYS_GR_REPLY_TO, 0x1200);
    OP(&s, GB_SYS_GR_REPLY_CODE, 0x1240);
    OP(&s, GB_SYS_GR_SIGNAL_FROM, 0x1280);
    OP(&s, GB_SYS_GR_SIGNAL_CODE, 0x12C0);
    gb_dispatch d = env_msg(&e, GB_DISPATCH_REPLY, &s, ENV_GAS);
    d.reply_to = id_of(0x5a);
    static const uint8_t code[4] = {1, 0, 3, 0};
    memcpy(d.reply_code, code, 4);
    gb_journal j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT(!j.has_reply); /* never a reply to a reply */
    EXPECT_ERR_STRUCT(&j, 0x1000, GB_EXT_INCORRECT_ENTRY_FOR_REPLY, NULL, 32);
    GB_EXPECT_U64(108, mem32(&j, 0x1040));
    EXPECT_ERR_STRUCT(&j, 0x1050, 108, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1090, 108, NULL, 32);
    GB_EXPECT_U64(108, mem32(&j, 0x10D0));
    EXPECT_ERR_STRUCT(&j, 0x10E0, 108, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1200, 0, d.reply_to.b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1240, 0, code, 4);
    EXPECT_ERR_STRUCT(&j, 0x1280, 106, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x12C0, 106, NULL, 4);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_handle_signal(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke(&s, 0x4000, "x", 1);
    OP(&s, GB_SYS_GR_SIGNAL_FROM, 0x1000);
    OP(&s, GB_SYS_GR_SIGNAL_CODE, 0x1040);
    OP(&s, GB_SYS_GR_REPLY_TO, 0x1080);
    OP(&s, GB_SYS_GR_REPLY_CODE, 0x10C0);
    /* not in DispatchKind::forbids: they fail, the run goes on */
    OP(&s, GB_SYS_GR_REPLY_PUSH_INPUT, 0, 1, 0x1100);
    OP(&s, GB_SYS_GR_REPLY_WGAS, 0x4000, 1, 0, NO_VALUE, 0x1110);
    uint32_t at = s.n + 1;
    OP(&s, GB_SYS_GR_REPLY_PUSH_INPUT, 0, 1, 0x1104);
    patch32(&s, at, s.n);
    gb_dispatch d = env_msg(&e, GB_DISPATCH_SIGNAL, &s, ENV_GAS);
    d.signal_from = id_of(0x6b);
    d.signal_code = GB_SIGNAL_RAN_OUT_OF_GAS;
    gb_journal j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT(!j.has_reply);
    EXPECT_ERR_STRUCT(&j, 0x1000, 0, d.signal_from.b, 32);
    GB_EXPECT_U64(0, mem32(&j, 0x1040));
    GB_EXPECT_U64(101, mem32(&j, 0x1044));
    EXPECT_ERR_STRUCT(&j, 0x1080, 105, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x10C0, 105, NULL, 4);
    GB_EXPECT_U64(108, mem32(&j, 0x1100));
    GB_EXPECT_U64(312, mem32(&j, 0x1104));
    EXPECT_ERR_STRUCT(&j, 0x1110, 108, NULL, 32);
    gb_journal_free(&j);

    /* forbidden in handle_signal: BackendError (no error reply) */
    static const gb_gear_syscall_id forbidden[] = {
        GB_SYS_GR_SOURCE, GB_SYS_GR_REPLY, GB_SYS_GR_REPLY_PUSH,
        GB_SYS_GR_REPLY_COMMIT, GB_SYS_GR_REPLY_COMMIT_WGAS,
        GB_SYS_GR_REPLY_INPUT, GB_SYS_GR_REPLY_INPUT_WGAS,
        GB_SYS_GR_RESERVATION_REPLY, GB_SYS_GR_RESERVATION_REPLY_COMMIT,
        GB_SYS_GR_SYSTEM_RESERVE_GAS};
    for (size_t i = 0; i < sizeof forbidden / sizeof *forbidden; i++) {
        s.n = 0;
        const gb_gear_syscall *sc = gb_gear_syscall_get(forbidden[i]);
        uint64_t args[8] = {0x4000, 0, NO_VALUE, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000};
        if (forbidden[i] == GB_SYS_GR_REPLY_COMMIT_WGAS)
            args[0] = 0, args[1] = NO_VALUE, args[2] = 0x1000;
        op_(&s, forbidden[i], args, sc->type.nparams);
        d = env_msg(&e, GB_DISPATCH_SIGNAL, &s, ENV_GAS);
        j = env_run(&e, &d);
        GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
        GB_EXPECT(!j.has_reply);
        GB_EXPECT_U64(0, j.npages);
        if (!strstr(j.trap_msg, "forbidden") && !strstr(j.trap_msg, "not supported"))
            GB_FAIL_("%s in handle_signal: %s", sc->name, j.trap_msg);
        gb_journal_free(&j);
    }
    env_free(&e);
}

int main(void)
{
    GB_RUN(test_reply);
    GB_RUN(test_push_commit_input);
    GB_RUN(test_input_errors);
    GB_RUN(test_value_and_gas);
    GB_RUN(test_wild_pointers);
    GB_RUN(test_init);
    GB_RUN(test_context_in_handle);
    GB_RUN(test_handle_reply);
    GB_RUN(test_handle_signal);
    return gb_test_summary();
}
