/*
 * Large arrays (util/mem.h gb_calloc_warm, util/huge.h): gb_calloc_warm
 * hands back zeroed memory (also a block just freed dirty), refuses a
 * size that overflows, and — where the allocator reuses a freed block, as
 * jemalloc does — does so without faulting its pages in again, as a
 * plain malloc would not (that the compiler keeps it from becoming a
 * calloc is seen in the object code, not here: jemalloc's calloc of this
 * block faults no more in this test than it does); gb_huge_alloc rounds
 * up to whole huge pages, aligned; both hints reach the kernel (Linux:
 * the mapping's "hg" flag in /proc/self/smaps).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "test.h"
#include "util/huge.h"
#include "util/mem.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif

#define BIG ((size_t)4 << 20)

static long minor_faults(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_minflt;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* A block of BIG bytes made dirty and freed, then one asked for again:
 * *faults its allocation and zeroing took. */
static uint8_t *again(bool warm, long *faults)
{
    uint8_t *d = malloc(BIG);
    if (!d)
        return NULL;
    memset(d, 0xab, BIG);
    free(d);
    long f0 = minor_faults();
    uint8_t *p = warm ? gb_calloc_warm(BIG / 64, 64) : malloc(BIG);
    if (p && !warm)
        memset(p, 0xcd, BIG);
    *faults = minor_faults() - f0;
    return p;
}

static void test_calloc_warm(void)
{
    GB_EXPECT(gb_calloc_warm(SIZE_MAX / 2, 4) == NULL);
    long faults = 0, plain = 0;
    for (int round = 0; round < 3; round++) { /* (jemalloc reuses from
                                                  the second on) */
        uint8_t *p = again(true, &faults);
        GB_EXPECT(p != NULL);
        GB_EXPECT(p && all_zero(p, BIG));
        free(p);
        free(again(false, &plain));
    }
#if !defined(SANITIZED)
    /* where a plain malloc gets a freed block's pages back, so does
     * gb_calloc_warm (a calloc there took ~BIG / 4 KiB = 1,024 faults) */
    if (plain < 64)
        GB_EXPECT(faults < 64);
    else
        GB_SKIP_TEST("the allocator did not reuse the freed block");
#else
    (void)faults;
#endif
}

/* Whether the mapping holding address a has VmFlags "hg" (MADV_HUGEPAGE);
 * -1: not known here (no /proc/self/smaps, or a is in none). */
static int hinted(const void *a)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    int in = 0, r = -1;
    uintptr_t x = (uintptr_t)a;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') &&
            line[0] != 'V') {
            in = x >= lo && x < hi;
            continue;
        }
        if (in && !strncmp(line, "VmFlags:", 8)) {
            r = strstr(line, " hg") != NULL;
            break;
        }
    }
    fclose(f);
    return r;
}

static void test_huge_alloc(void)
{
    size_t n = 1;
    uint8_t *p = gb_huge_alloc(&n);
    if (!p) {
        GB_SKIP_TEST("no aligned allocation with the hint here");
        return;
    }
    GB_EXPECT_U64(GB_HUGE_PAGE, n);
    GB_EXPECT_U64(0, (uintptr_t)p % GB_HUGE_PAGE);
    memset(p, 1, n);
    free(p);
    n = 3 * GB_HUGE_PAGE + 1;
    p = gb_huge_alloc(&n);
    GB_EXPECT(p != NULL);
    GB_EXPECT_U64(4 * GB_HUGE_PAGE, n);
    GB_EXPECT_U64(0, (uintptr_t)p % GB_HUGE_PAGE);
    int h = hinted(p + GB_HUGE_PAGE);
    if (h >= 0)
        GB_EXPECT(h == 1);
    free(p);
}

static void test_huge_hint(void)
{
    size_t n = 4 * GB_HUGE_PAGE;
    uint8_t *p = malloc(n);
    GB_EXPECT(p != NULL);
    gb_huge_hint(p, n);
    /* the aligned 2 MiB inside the block: at least two whole ones */
    uint8_t *in = (uint8_t *)(((uintptr_t)p + GB_HUGE_PAGE - 1) &
                              ~(uintptr_t)(GB_HUGE_PAGE - 1));
    int h = hinted(in + GB_HUGE_PAGE / 2);
    if (h < 0)
        GB_SKIP_TEST("no /proc/self/smaps");
    else
        GB_EXPECT(h == 1);
    free(p);
}

int main(void)
{
    GB_RUN(test_calloc_warm);
#if defined(__linux__)
    GB_RUN(test_huge_hint); /* (first: the other's hinted blocks, freed,
                               may come back to its malloc) */
    GB_RUN(test_huge_alloc);
#endif
    return gb_test_summary();
}
