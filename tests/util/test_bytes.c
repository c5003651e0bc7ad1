/*
 * util/bytes.h: gb_trimmed_len (the length of stored pages) and
 * gb_zero_len (the zero bytes at the start of the engine's marks) against
 * byte-at-a-time references, for every position of the last (first)
 * nonzero byte around their wide steps' boundaries and at every alignment.
 */
#include "test.h"

#include "util/bytes.h"

static size_t ref_trimmed(const unsigned char *p, size_t n)
{
    while (n && !p[n - 1])
        n--;
    return n;
}

static size_t ref_zero(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && !p[i])
        i++;
    return i;
}

static void test_trimmed_len_matches_reference(void)
{
    static unsigned char buf[16384 + 64];
    size_t bad = 0, cases = 0;
    for (size_t off = 0; off < 17; off += 8) /* (aligned and not) */
        for (size_t n = 0; n <= 1100; n += (n < 600 ? 1 : 37)) {
            unsigned char *p = buf + off;
            /* the last nonzero byte at each position, then none */
            for (size_t last = 0; last <= n; last++) {
                memset(buf, 0, sizeof buf);
                if (last < n)
                    p[last] = (unsigned char)(1 + last % 255);
                if (last > 3)
                    p[last / 2] = 7; /* (an earlier nonzero byte too) */
                p[n] = 9; /* (past the end: never counted) */
                cases++;
                if (gb_trimmed_len(p, n) != ref_trimmed(p, n))
                    bad++;
                if (n > 300 && last + 1 < n && last > 40)
                    last += 13; /* (fewer cases for the long lengths) */
            }
        }
    GB_EXPECT_U64(0, bad);
    GB_EXPECT(cases > 100000);
    /* a whole page, one bit at its end, its start, none */
    memset(buf, 0, sizeof buf);
    GB_EXPECT_U64(0, gb_trimmed_len(buf, 16384));
    buf[16383] = 0x80;
    GB_EXPECT_U64(16384, gb_trimmed_len(buf, 16384));
    buf[16383] = 0;
    buf[0] = 1;
    GB_EXPECT_U64(1, gb_trimmed_len(buf, 16384));
    buf[4095] = 2;
    GB_EXPECT_U64(4096, gb_trimmed_len(buf, 16384));
}

static void test_zero_len_matches_reference(void)
{
    static unsigned char buf[16384 + 64];
    size_t bad = 0, cases = 0;
    for (size_t off = 0; off < 17; off += 8) /* (aligned and not) */
        for (size_t n = 0; n <= 1100; n += (n < 600 ? 1 : 37)) {
            unsigned char *p = buf + off;
            /* the first nonzero byte at each position, then none */
            for (size_t first = 0; first <= n; first++) {
                memset(buf, 0, sizeof buf);
                if (first < n)
                    p[first] = (unsigned char)(1 + first % 255);
                if (first + 4 < n)
                    p[(first + n) / 2 + 1] = 7; /* (a later one too) */
                if (off)
                    p[-1] = 9; /* (before the start: never counted) */
                p[n] = 9;      /* (past the end: never counted) */
                cases++;
                if (gb_zero_len(p, n) != ref_zero(p, n))
                    bad++;
                if (n > 300 && first + 1 < n && first > 40)
                    first += 13; /* (fewer cases for the long lengths) */
            }
        }
    GB_EXPECT_U64(0, bad);
    GB_EXPECT(cases > 100000);
    memset(buf, 0, sizeof buf);
    GB_EXPECT_U64(16384, gb_zero_len(buf, 16384));
    buf[16383] = 0x80;
    GB_EXPECT_U64(16383, gb_zero_len(buf, 16384));
    buf[256] = 1;
    GB_EXPECT_U64(256, gb_zero_len(buf, 16384));
}

int main(void)
{
    GB_RUN(test_trimmed_len_matches_reference);
    GB_RUN(test_zero_len_matches_reference);
    return gb_test_summary();
}
