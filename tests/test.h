/*
 * A tiny test framework: typed assertions that say what was expected and
 * what came, a test list in main, and a summary line.  Each test file is
 * its own executable registered with CTest (see CMakeLists.txt).
 *
 *   static void test_foo(void) { GB_EXPECT_U64(2, 1 + 1); }
 *   int main(void) { GB_RUN(test_foo); return gb_test_summary(); }
 *
 * The tests are tested too: a test function that made no check fails
 * ("made no check": it proved nothing), and so does a binary that ran no
 * test at all (gb_test_summary).  A test that has nothing to check in some
 * set-up (a tool missing) says so with GB_SKIP_TEST("why"), which counts as
 * its check.
 */
#ifndef GB_TEST_H
#define GB_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int gb_test_failed_, gb_test_checks_, gb_test_cur_failed_;
static int gb_tests_passed_, gb_tests_failed_;

#define GB_FAIL_(...)                                                       \
    do {                                                                    \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                     \
        fprintf(stderr, __VA_ARGS__);                                       \
        fputc('\n', stderr);                                                \
        gb_test_cur_failed_ = 1;                                            \
    } while (0)

#define GB_EXPECT(cond)                                                     \
    do {                                                                    \
        gb_test_checks_++;                                                  \
        if (!(cond))                                                        \
            GB_FAIL_("expected %s", #cond);                                 \
    } while (0)

#define GB_EXPECT_U64(want, got)                                            \
    do {                                                                    \
        uint64_t w_ = (uint64_t)(want), g_ = (uint64_t)(got);               \
        gb_test_checks_++;                                                  \
        if (w_ != g_)                                                       \
            GB_FAIL_("%s: expected %" PRIu64 " (0x%" PRIx64 "), got %"      \
                     PRIu64 " (0x%" PRIx64 ")", #got, w_, w_, g_, g_);      \
    } while (0)

#define GB_EXPECT_I64(want, got)                                            \
    do {                                                                    \
        int64_t w_ = (int64_t)(want), g_ = (int64_t)(got);                  \
        gb_test_checks_++;                                                  \
        if (w_ != g_)                                                       \
            GB_FAIL_("%s: expected %" PRId64 ", got %" PRId64, #got, w_,    \
                     g_);                                                   \
    } while (0)

#define GB_EXPECT_ERR(want, got)                                            \
    do {                                                                    \
        gb_err w_ = (want), g_ = (got);                                     \
        gb_test_checks_++;                                                  \
        if (w_ != g_)                                                       \
            GB_FAIL_("%s: expected %s, got %s", #got, gb_err_name(w_),      \
                     gb_err_name(g_));                                      \
    } while (0)

#define GB_EXPECT_STR_CONTAINS(hay, needle)                                 \
    do {                                                                    \
        const char *h_ = (hay), *n_ = (needle);                             \
        gb_test_checks_++;                                                  \
        if (!h_ || !strstr(h_, n_))                                         \
            GB_FAIL_("%s: expected to contain \"%s\", got \"%s\"", #hay,    \
                     n_, h_ ? h_ : "(null)");                               \
    } while (0)

/* Inside a test: nothing to check here (say why); not a failure. */
#define GB_SKIP_TEST(why)                                                   \
    do {                                                                    \
        gb_test_checks_++;                                                  \
        printf("skip %s: %s\n", __func__, (why));                           \
    } while (0)

#define GB_RUN(fn)                                                          \
    do {                                                                    \
        int checks0_ = gb_test_checks_;                                     \
        gb_test_cur_failed_ = 0;                                            \
        fn();                                                               \
        if (gb_test_checks_ == checks0_ && !gb_test_cur_failed_) {          \
            fprintf(stderr, "%s: made no check\n", #fn);                    \
            gb_test_cur_failed_ = 1;                                        \
        }                                                                   \
        if (gb_test_cur_failed_) {                                          \
            gb_tests_failed_++;                                             \
            fprintf(stderr, "FAIL %s\n", #fn);                              \
        } else {                                                            \
            gb_tests_passed_++;                                             \
            printf("ok   %s\n", #fn);                                       \
        }                                                                   \
    } while (0)

static inline int gb_test_summary(void)
{
    printf("%d passed, %d failed, %d checks\n", gb_tests_passed_,
           gb_tests_failed_, gb_test_checks_);
    (void)gb_test_failed_;
    if (gb_tests_passed_ + gb_tests_failed_ == 0) {
        fprintf(stderr, "no test ran\n");
        return 1;
    }
    return gb_tests_failed_ ? 1 : 0;
}

#endif
