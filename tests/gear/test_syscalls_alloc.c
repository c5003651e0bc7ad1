/*
 * alloc, free, free_range through the processor (GEAR-ABI.md §2,
 * protocol/core/src/memory.rs AllocationsContext): first fit in the heap
 * [static pages, max pages), u32::MAX when it cannot; free 0/1; the
 * inclusive free_range; page numbers >= 65536 trap.
 * Program: tests/data/gear/sys_ops.wat (1 static page).
 */
#include "test_syscalls_util.h"

#define R(i) (0x1000 + 4 * (i))

static int bit(const gb_journal *j, uint32_t pg)
{
    return pg < j->alloc_pages && (j->allocations[pg / 8] >> (pg % 8) & 1);
}

static void test_alloc_free(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL)); /* max 512 pages */
    script s = {0};
    OP(&s, GB_SYS_ALLOC, 1, R(0));         /* 1 */
    OP(&s, GB_SYS_ALLOC, 2, R(1));         /* 2, 3 */
    OP(&s, GB_SYS_FREE, 1, R(2));          /* 0 */
    OP(&s, GB_SYS_ALLOC, 1, R(3));         /* 1 again: first fit */
    OP(&s, GB_SYS_FREE, 1, R(4));          /* 0 */
    OP(&s, GB_SYS_FREE, 1, R(5));          /* 1: not allocated */
    OP(&s, GB_SYS_FREE, 0, R(6));          /* 1: static */
    OP(&s, GB_SYS_FREE, 600, R(7));        /* 1: beyond the heap */
    OP(&s, GB_SYS_FREE_RANGE, 3, 2, R(8)); /* 1: start > end */
    OP(&s, GB_SYS_FREE_RANGE, 2, 2, R(9)); /* 0: frees page 2 only */
    OP(&s, GB_SYS_ALLOC, 2, R(10));        /* 1, 2 (3 is taken) */
    OP(&s, GB_SYS_ALLOC, 2, R(11));        /* 4, 5 */
    OP(&s, GB_SYS_FREE_RANGE, 2, 4, R(12)); /* 0: inclusive, 2..=4 */
    OP(&s, GB_SYS_FREE_RANGE, 7, 9, R(13)); /* 0: not allocated is fine */
    OP(&s, GB_SYS_FREE_RANGE, 0, 1, R(14)); /* 1: static */
    OP(&s, GB_SYS_FREE_RANGE, 500, 512, R(15)); /* 1: leaves the heap */
    OP(&s, GB_SYS_ALLOC, 0, R(16));        /* heap start (legacy) */
    OP(&s, GB_SYS_ALLOC, 70000, R(17));    /* u32::MAX */
    OP(&s, GB_SYS_ALLOC, 509, R(18));      /* u32::MAX: no such run */
    OP(&s, GB_SYS_ALLOC, 506, R(19));      /* 6..=511 */
    OP(&s, GB_SYS_ALLOC, 1, R(20));        /* 2 */
    OP(&s, GB_SYS_ALLOC, 2, R(21));        /* 3, 4: the last free pages */
    OP(&s, GB_SYS_ALLOC, 1, R(22));        /* u32::MAX: full */
    OP(&s, GB_SYS_FREE, 4, R(23));         /* 0 */
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    static const uint32_t want[] = {1, 2, 0, 1, 0, 1, 1, 1, 1, 0, 1,
                                    4, 0, 0, 1, 1, 1, 0xFFFFFFFFu,
                                    0xFFFFFFFFu, 6, 2, 3, 0xFFFFFFFFu, 0};
    for (uint32_t i = 0; i < sizeof want / sizeof *want; i++)
        if (mem32(&j, R(i)) != want[i])
            GB_FAIL_("result %u: expected %u, got %u", i, want[i], mem32(&j, R(i)));
    GB_EXPECT_U64(0xEEEEEEEE, mem32(&j, R(24)));
    /* the journal's bitmap: 1..=3, 5..=511 allocated; 0, 4 not */
    GB_EXPECT(j.allocations != NULL);
    if (j.allocations) {
        GB_EXPECT(!bit(&j, 0) && bit(&j, 1) && bit(&j, 2));
        GB_EXPECT(bit(&j, 3) && !bit(&j, 4) && bit(&j, 5));
        GB_EXPECT(bit(&j, 6) && bit(&j, 511));
    }
    gb_journal_free(&j);
    env_free(&e);
}

/* Allocations the program already has count. */
static void test_existing_allocations(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    uint8_t have[64] = {0};
    have[0] = 0x0A; /* pages 1 and 3 */
    e.v.allocations = have;
    e.v.alloc_pages = 512;
    script s = {0};
    OP(&s, GB_SYS_ALLOC, 1, R(0)); /* 2 */
    OP(&s, GB_SYS_ALLOC, 2, R(1)); /* 4, 5 */
    OP(&s, GB_SYS_FREE, 3, R(2));  /* 0 */
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(2, mem32(&j, R(0)));
    GB_EXPECT_U64(4, mem32(&j, R(1)));
    GB_EXPECT_U64(0, mem32(&j, R(2)));
    GB_EXPECT(j.allocations && bit(&j, 1) && bit(&j, 2) && !bit(&j, 3) &&
              bit(&j, 4) && bit(&j, 5));
    gb_journal_free(&j);
    env_free(&e);
}

/* All memory static: no heap, even alloc(0) fails. */
static void test_no_heap(void)
{
    gb_process_cfg cfg;
    gb_process_cfg_default(&cfg);
    cfg.max_pages = 1;
    sysenv e;
    GB_EXPECT(env_init(&e, &cfg));
    script s = {0};
    OP(&s, GB_SYS_ALLOC, 0, R(0));
    OP(&s, GB_SYS_ALLOC, 1, R(1));
    OP(&s, GB_SYS_FREE, 0, R(2));
    OP(&s, GB_SYS_FREE_RANGE, 0, 0, R(3));
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(0xFFFFFFFFu, mem32(&j, R(0)));
    GB_EXPECT_U64(0xFFFFFFFFu, mem32(&j, R(1)));
    GB_EXPECT_U64(1, mem32(&j, R(2)));
    GB_EXPECT_U64(1, mem32(&j, R(3)));
    gb_journal_free(&j);
    env_free(&e);
}

/* Not a page number (WasmPage::try_from): a trap, UnreachableInstruction. */
static void test_bad_page_numbers(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    for (int i = 0; i < 3; i++) {
        script s = {0};
        if (i == 0)
            OP(&s, GB_SYS_FREE, 65536, R(0));
        else if (i == 1)
            OP(&s, GB_SYS_FREE_RANGE, 1, 65536, R(0));
        else
            OP(&s, GB_SYS_FREE_RANGE, 0xFFFFFFFFu, 2, R(0));
        gb_journal j = env_handle(&e, &s, NULL);
        GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
        GB_EXPECT_U64(GB_REPLY_EXEC_UNREACHABLE_INSTRUCTION, jcode(&j));
        gb_journal_free(&j);
    }
    /* 65535 is a page number, just not in the heap */
    script s = {0};
    OP(&s, GB_SYS_FREE, 65535, R(0));
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(1, mem32(&j, R(0)));
    gb_journal_free(&j);
    env_free(&e);
}

int main(void)
{
    GB_RUN(test_alloc_free);
    GB_RUN(test_existing_allocations);
    GB_RUN(test_no_heap);
    GB_RUN(test_bad_page_numbers);
    return gb_test_summary();
}
