/*
 * Syscalls that end or shape the run, through the processor: gr_wait,
 * gr_wait_for, gr_wait_up_to, gr_wake, gr_exit, gr_leave, gr_panic,
 * gr_oom_panic.  (Gas reservations and reply deposits:
 * test_syscalls_reserve.c.)
 * Program: tests/data/gear/sys_ops.wat.
 */
#include <stddef.h>

#include "test_syscalls_util.h"

static void test_waits(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    struct {
        gb_gear_syscall_id id;
        uint32_t arg;
        gb_wait_kind kind;
    } ok[] = {{GB_SYS_GR_WAIT, 0, GB_WAIT},
              {GB_SYS_GR_WAIT_FOR, 5, GB_WAIT_FOR},
              {GB_SYS_GR_WAIT_UP_TO, 7, GB_WAIT_UP_TO}};
    for (int i = 0; i < 3; i++) {
        script s = {0};
        OP(&s, GB_SYS_GR_SIZE, 0x1000);
        if (ok[i].id == GB_SYS_GR_WAIT)
            OP0(&s, GB_SYS_GR_WAIT);
        else
            OP(&s, ok[i].id, ok[i].arg);
        OP(&s, GB_SYS_GR_SIZE, 0x1004); /* never reached */
        gb_journal j = env_handle(&e, &s, NULL);
        GB_EXPECT_U64(GB_OUTCOME_WAIT, j.outcome);
        GB_EXPECT(!j.has_reply);
        GB_EXPECT_U64(ok[i].kind, j.wait);
        GB_EXPECT_U64(ok[i].arg, j.wait_duration);
        GB_EXPECT_U64(s.n, mem32(&j, 0x1000)); /* memory is kept */
        GB_EXPECT_U64(0xEEEEEEEE, mem32(&j, 0x1004));
        gb_journal_free(&j);
    }
    /* zero durations, and any wait after a reply: BackendError */
    for (int i = 0; i < 4; i++) {
        script s = {0};
        if (i == 0)
            OP(&s, GB_SYS_GR_WAIT_FOR, 0);
        else if (i == 1)
            OP(&s, GB_SYS_GR_WAIT_UP_TO, 0);
        else {
            OP(&s, GB_SYS_GR_REPLY, 0x4000, 1, NO_VALUE, 0x1000);
            if (i == 2)
                OP0(&s, GB_SYS_GR_WAIT);
            else
                OP(&s, GB_SYS_GR_WAIT_FOR, 3);
        }
        gb_journal j = env_handle(&e, &s, NULL);
        EXPECT_BACKEND_ERROR(j);
        GB_EXPECT_U64(0, j.reply.payload_len); /* the manual reply is gone */
        GB_EXPECT_STR_CONTAINS(j.trap_msg, i < 2 ? "zero" : "after reply");
        gb_journal_free(&j);
    }
    env_free(&e);
}

static void test_wake(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke(&s, 0x4000, id_of(0x31).b, 32);
    poke(&s, 0x4020, id_of(0x32).b, 32);
    OP(&s, GB_SYS_GR_WAKE, 0x4000, 3, 0x1000);
    OP(&s, GB_SYS_GR_WAKE, 0x4000, 0, 0x1004);
    OP(&s, GB_SYS_GR_WAKE, 0x4020, 0, 0x1008);
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    GB_EXPECT_U64(GB_EXT_DUPLICATE_WAKING, mem32(&j, 0x1004));
    GB_EXPECT_U64(0, mem32(&j, 0x1008));
    GB_EXPECT_U64(0xEE, mem(&j, 0x100C)[0]);
    GB_EXPECT_U64(2, j.nwakes);
    if (j.nwakes == 2) {
        GB_EXPECT(gb_id_eq(id_of(0x31), j.wakes[0].message_id));
        GB_EXPECT_U64(3, j.wakes[0].delay);
        GB_EXPECT(gb_id_eq(id_of(0x32), j.wakes[1].message_id));
        GB_EXPECT_U64(0, j.wakes[1].delay);
    }
    gb_journal_free(&j);
    env_free(&e);
}

static void test_exit_leave(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0xcc), 0, 0);
    poke(&s, 0x4100, id_of(0xdd).b, 32);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x4100, 1, 0, 0x1000);
    OP(&s, GB_SYS_GR_EXIT, 0x4100);
    OP(&s, GB_SYS_GR_SIZE, 0x1040); /* never reached */
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_EXIT, j.outcome);
    GB_EXPECT(gb_id_eq(id_of(0xdd), j.inheritor));
    GB_EXPECT_U64(1, j.nmsgs); /* what it sent stands */
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, jcode(&j));
    GB_EXPECT(gb_id_eq(gb_message_id_reply(d.id), j.reply.id));
    GB_EXPECT_U64(0xEEEEEEEE, mem32(&j, 0x1040));
    gb_journal_free(&j);

    s.n = 0;
    OP(&s, GB_SYS_GR_EXIT, 0xFFFFFFF0u);
    j = env_handle(&e, &s, NULL);
    EXPECT_BACKEND_ERROR(j);
    gb_journal_free(&j);

    /* gr_leave: a success, auto reply unless one was sent */
    s.n = 0;
    OP0(&s, GB_SYS_GR_LEAVE);
    OP(&s, GB_SYS_GR_SIZE, 0x1040);
    j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, jcode(&j));
    GB_EXPECT_U64(0xEEEEEEEE, mem32(&j, 0x1040));
    gb_journal_free(&j);
    s.n = 0;
    poke(&s, 0x4000, "bye", 3);
    OP(&s, GB_SYS_GR_REPLY, 0x4000, 3, NO_VALUE, 0x1000);
    OP0(&s, GB_SYS_GR_LEAVE);
    j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL, jcode(&j));
    GB_EXPECT(j.reply.payload_len == 3 && !memcmp(j.reply.payload, "bye", 3));
    gb_journal_free(&j);
    env_free(&e);
}

static void test_panics(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0xcc), 0, 0);
    poke(&s, 0x4100, "oops", 4);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x4100, 1, 0, 0x1000);
    OP(&s, GB_SYS_GR_PANIC, 0x4100, 4);
    gb_dispatch d = env_msg(&e, GB_DISPATCH_HANDLE, &s, ENV_GAS);
    d.value = gb_u128_from(777);
    gb_journal j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
    static const uint8_t panic[4] = {1, 0, 3, 0};
    GB_EXPECT(!memcmp(j.reply.reply_code, panic, 4));
    GB_EXPECT(j.reply.payload_len == 4 && !memcmp(j.reply.payload, "oops", 4));
    GB_EXPECT_U64(777, j.reply.value.lo); /* the value goes back */
    GB_EXPECT(gb_id_eq(gb_message_id_reply(d.id), j.reply.id));
    GB_EXPECT_U64(0, j.nmsgs); /* a failed run's sends are discarded */
    GB_EXPECT_U64(0, j.npages);
    GB_EXPECT(j.gas_burned > 0);
    gb_journal_free(&j);

    /* a panic with a wild pointer: BackendError */
    s.n = 0;
    OP(&s, GB_SYS_GR_PANIC, 0xFFFFFF00u, 0x200);
    j = env_handle(&e, &s, NULL);
    EXPECT_BACKEND_ERROR(j);
    gb_journal_free(&j);

    /* gr_oom_panic: MemoryOverflow 01 00 01 00 */
    s.n = 0;
    OP0(&s, GB_SYS_GR_OOM_PANIC);
    j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
    static const uint8_t oom[4] = {1, 0, 1, 0};
    GB_EXPECT(!memcmp(j.reply.reply_code, oom, 4));
    GB_EXPECT_U64(0, j.reply.payload_len);
    gb_journal_free(&j);

    /* a wasm trap: UnreachableInstruction; out of gas: RanOutOfGas */
    s.n = 0;
    s.b[s.n++] = OP_UNREACHABLE;
    j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_REPLY_EXEC_UNREACHABLE_INSTRUCTION, jcode(&j));
    gb_journal_free(&j);
    s.n = 0;
    burn(&s, 100000000);
    d = env_msg(&e, GB_DISPATCH_HANDLE, &s, 1000000000);
    j = env_run(&e, &d);
    GB_EXPECT_U64(GB_REPLY_EXEC_RAN_OUT_OF_GAS, jcode(&j));
    GB_EXPECT_U64(1000000000, j.gas_burned);
    gb_journal_free(&j);
    env_free(&e);
}

/* Whether every byte of j before trap_msg is zero and trap_msg is "":
 * an empty journal (process.h). */
static int journal_empty(const gb_journal *j)
{
    const uint8_t *b = (const uint8_t *)j;
    for (size_t i = 0; i < offsetof(gb_journal, trap_msg); i++)
        if (b[i])
            return 0;
    return j->trap_msg[0] == 0;
}

/* A journal reused: gb_process fills whatever it is given from scratch,
 * and gb_journal_free leaves it empty; nothing of a run carries over
 * (the journal is made empty without zeroing all of trap_msg). */
static void test_journal_reused(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script fail = {0}, ok = {0};
    OP(&fail, GB_SYS_GR_WAIT_FOR, 0); /* BackendError, with a message */
    OP(&ok, GB_SYS_GR_SIZE, 0x1000);
    gb_dispatch df = env_msg(&e, GB_DISPATCH_HANDLE, &fail, ENV_GAS);
    gb_dispatch dk = env_msg(&e, GB_DISPATCH_HANDLE, &ok, ENV_GAS);
    gb_journal j;
    memset(&j, 0xA5, sizeof j); /* not a journal at all */
    GB_EXPECT_ERR(GB_OK, gb_process(e.p, &e.blk, &e.v, &df, &j));
    EXPECT_BACKEND_ERROR(j);
    GB_EXPECT(j.trap_msg[0] != 0);
    GB_EXPECT(!j.pages && !j.msgs && !j.allocations && !j.debug);
    gb_journal_free(&j);
    GB_EXPECT(journal_empty(&j));
    gb_journal_free(&j); /* (again: nothing) */
    GB_EXPECT(journal_empty(&j));
    GB_EXPECT_ERR(GB_OK, gb_process(e.p, &e.blk, &e.v, &dk, &j));
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(0, (uint8_t)j.trap_msg[0]);
    GB_EXPECT_U64(0, j.trap);
    GB_EXPECT(j.npages >= 1); /* (0x1000 written) */
    GB_EXPECT(!j.allocations && !j.nmsgs && !j.ncreates && !j.nwakes);
    gb_journal_free(&j);
    memset(&j, 0xA5, sizeof j);
    GB_EXPECT_ERR(GB_OK, gb_process(e.p, &e.blk, &e.v, &dk, &j));
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(0, (uint8_t)j.trap_msg[0]);
    GB_EXPECT(!j.allocations && !j.nmsgs && !j.debug && !j.nreserved);
    gb_journal_free(&j);
    env_free(&e);
}

int main(void)
{
    GB_RUN(test_waits);
    GB_RUN(test_wake);
    GB_RUN(test_exit_leave);
    GB_RUN(test_panics);
    GB_RUN(test_journal_reused);
    return gb_test_summary();
}
