/*
 * gr_size and gr_read through the processor (GEAR-ABI.md §3, §5): what
 * they write, their error codes (103, 104, 201) and the pointers that stop
 * the run (BackendError).  Programs: tests/data/gear/sys_ops.wat.
 */
#include "test_syscalls_util.h"

/* patch the u32 argument at offset off of s with v */
static void patch32(script *s, uint32_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        s->b[off + i] = (uint8_t)(v >> (8 * i));
}

static void test_size_and_read(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    OP(&s, GB_SYS_GR_SIZE, 0x1000);
    OP(&s, GB_SYS_GR_READ, 2, 5, 0x1100, 0x1004);
    /* a read that ends exactly at the payload's end, and one of 0 bytes
     * there: both fine (PayloadSlice::try_new) */
    uint32_t at1 = s.n + 1;
    OP(&s, GB_SYS_GR_READ, 0, 1, 0x1200, 0x1008);
    uint32_t at2 = s.n + 1;
    OP(&s, GB_SYS_GR_READ, 0, 0, 0x1300, 0x100C);
    patch32(&s, at1, s.n - 1);
    patch32(&s, at2, s.n);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT(j.gas_burned > 0);
    GB_EXPECT_U64(s.n, mem32(&j, 0x1000));
    GB_EXPECT_U64(s.n, mem32(&j, 0x10)); /* the prologue's gr_size */
    GB_EXPECT_U64(0, mem32(&j, 0x14));   /* and its gr_read */
    GB_EXPECT_U64(0, mem32(&j, 0x1004));
    GB_EXPECT(!memcmp(mem(&j, 0x1100), s.b + 2, 5));
    GB_EXPECT_U64(0xEE, mem(&j, 0x1105)[0]); /* not one byte more */
    GB_EXPECT_U64(0, mem32(&j, 0x1008));
    GB_EXPECT_U64(s.b[s.n - 1], mem(&j, 0x1200)[0]);
    GB_EXPECT_U64(0, mem32(&j, 0x100C));
    GB_EXPECT_U64(0xEE, mem(&j, 0x1300)[0]);
    /* the auto reply */
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, jcode(&j));
    GB_EXPECT(gb_id_eq(gb_message_id_reply(d.id), j.reply.id));
    gb_journal_free(&j);
    env_free(&e);
}

static void test_read_errors(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    /* at + len overflows u32: TooBigReadLen */
    OP(&s, GB_SYS_GR_READ, 1, 0xFFFFFFFFu, 0x1100, 0x1000);
    /* past the payload: ReadWrongRange */
    OP(&s, GB_SYS_GR_READ, 0, 0x10000, 0x1100, 0x1004);
    OP(&s, GB_SYS_GR_READ, 0x7FFFFFF0u, 1, 0x1100, 0x1008);
    uint32_t at = s.n + 1;
    OP(&s, GB_SYS_GR_READ, 0, 1, 0x1100, 0x100C); /* at = payload length */
    /* the buffer outside memory: AccessOutOfBounds, the run goes on */
    OP(&s, GB_SYS_GR_READ, 0, 4, 0xFFFF0000u, 0x1010);
    OP(&s, GB_SYS_GR_READ, 0, 4, 0xFFFE, 0x1014); /* straddles the end */
    /* 0 bytes are never checked, wherever they point */
    OP(&s, GB_SYS_GR_READ, 0, 0, 0xFFFFFFF0u, 0x1018);
    patch32(&s, at, s.n);
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(GB_EXT_TOO_BIG_READ_LEN, mem32(&j, 0x1000));
    GB_EXPECT_U64(104, mem32(&j, 0x1004));
    GB_EXPECT_U64(104, mem32(&j, 0x1008));
    GB_EXPECT_U64(104, mem32(&j, 0x100C));
    GB_EXPECT_U64(201, mem32(&j, 0x1010));
    GB_EXPECT_U64(201, mem32(&j, 0x1014));
    GB_EXPECT_U64(0, mem32(&j, 0x1018));
    GB_EXPECT(all_bytes(mem(&j, 0x1100), 0xEE, 16)); /* nothing read */
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, jcode(&j));
    gb_journal_free(&j);

    /* the error pointer itself outside memory: BackendError */
    s.n = 0;
    OP(&s, GB_SYS_GR_READ, 0, 1, 0x1100, 0xFFFFFFFEu);
    j = env_handle(&e, &s, NULL);
    EXPECT_BACKEND_ERROR(j);
    GB_EXPECT_STR_CONTAINS(j.trap_msg, "out of bounds");
    gb_journal_free(&j);

    /* gr_size is infallible: a wild pointer is BackendError */
    s.n = 0;
    OP(&s, GB_SYS_GR_SIZE, 0x10000);
    j = env_handle(&e, &s, NULL);
    EXPECT_BACKEND_ERROR(j);
    gb_journal_free(&j);
    env_free(&e);
}

/* gr_read charges per byte after its overflow check, before its range
 * check (Ext::payload_slice): a huge overflowing read is 103, not out of
 * gas; a huge in-u32 read runs out of gas. */
static void test_read_gas_order(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    OP(&s, GB_SYS_GR_READ, 2, 0xFFFFFFFFu, 0x1100, 0x1000);
    gb_dispatch d = env_msg(&e, GB_DISPATCH_HANDLE, &s, 1000000000);
    gb_journal j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(103, mem32(&j, 0x1000));
    gb_journal_free(&j);
    s.n = 0;
    OP(&s, GB_SYS_GR_READ, 0, 0x7FFFFFFFu, 0x1100, 0x1000);
    d = env_msg(&e, GB_DISPATCH_HANDLE, &s, 1000000000);
    j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
    GB_EXPECT_U64(GB_REPLY_EXEC_RAN_OUT_OF_GAS, jcode(&j));
    GB_EXPECT_U64(1000000000, j.gas_burned);
    gb_journal_free(&j);
    env_free(&e);
}

int main(void)
{
    GB_RUN(test_size_and_read);
    GB_RUN(test_read_errors);
    GB_RUN(test_read_gas_order);
    return gb_test_summary();
}
