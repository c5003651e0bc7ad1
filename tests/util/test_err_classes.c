/*
 * The error space: every code has a name and a message, and the class
 * written in its row of GB_ERRORS decides gb_err_is_trap (not its position
 * in the list, so a code appended later cannot turn into a trap).
 */
#include "test.h"

#include <string.h>

#include "gearbox/err.h"

static void test_traps_are_the_trap_rows(void)
{
    int traps = 0;
    for (int e = 0; e < GB_ERR_COUNT_; e++) {
        const char *name = gb_err_name((gb_err)e);
        int named_trap = strncmp(name, "GB_TRAP_", 8) == 0;
        GB_EXPECT_I64(named_trap, gb_err_is_trap((gb_err)e));
        traps += named_trap;
    }
    GB_EXPECT_I64(12, traps);
    GB_EXPECT(gb_err_is_trap(GB_TRAP_UNREACHABLE));
    GB_EXPECT(gb_err_is_trap(GB_TRAP_MEM_LIMIT));
    GB_EXPECT(!gb_err_is_trap(GB_OK));
    GB_EXPECT(!gb_err_is_trap(GB_UNSUPPORTED));
    GB_EXPECT(!gb_err_is_trap(GB_OVERFLOW));
    GB_EXPECT(!gb_err_is_trap(GB_DECODE));
}

static void test_out_of_range(void)
{
    GB_EXPECT(!gb_err_is_trap(GB_ERR_COUNT_));
    GB_EXPECT(!gb_err_is_trap((gb_err)-1));
    GB_EXPECT(!strcmp(gb_err_name(GB_ERR_COUNT_), "unknown"));
    GB_EXPECT(!strcmp(gb_err_str((gb_err)1000), "unknown error"));
}

static void test_names_and_messages(void)
{
    GB_EXPECT(!strcmp(gb_err_name(GB_TRAP_OUT_OF_GAS), "GB_TRAP_OUT_OF_GAS"));
    GB_EXPECT(!strcmp(gb_err_str(GB_TRAP_OUT_OF_GAS), "out of gas"));
    for (int e = 0; e < GB_ERR_COUNT_; e++)
        GB_EXPECT(gb_err_str((gb_err)e)[0] != '\0');
}

int main(void)
{
    GB_RUN(test_traps_are_the_trap_rows);
    GB_RUN(test_out_of_range);
    GB_RUN(test_names_and_messages);
    return gb_test_summary();
}
