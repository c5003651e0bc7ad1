/*
 * sort — data-dependent branches and memory traffic: quicksort
 * (median-of-three, insertion sort below 16 elements) of 1.5 Mi ints from an
 * LCG, then heapsort of a further 512 Ki, each verified and checksummed.
 *
 * Exercises compares, unpredictable branches, swaps through memory and a
 * moderate number of calls (the recursion of quicksort).
 */
#include "rt.h"

#define QS_N (3u << 19)
#define HS_N (512u << 10)

BENCH_PARAM(sort_seed, 12345u);

static int32_t qa[QS_N];
static int32_t ha[HS_N];

static void insertion(int32_t *a, int32_t n) {
    for (int32_t i = 1; i < n; i++) {
        int32_t v = a[i], j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void quicksort(int32_t *a, int32_t n) {
    while (n > 16) {
        int32_t mid = n / 2, last = n - 1;
        /* Median of three into a[mid]. */
        if (a[mid] < a[0]) { int32_t t = a[mid]; a[mid] = a[0]; a[0] = t; }
        if (a[last] < a[0]) { int32_t t = a[last]; a[last] = a[0]; a[0] = t; }
        if (a[last] < a[mid]) { int32_t t = a[last]; a[last] = a[mid]; a[mid] = t; }
        int32_t pivot = a[mid];
        int32_t i = 0, j = last;
        for (;;) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i >= j) break;
            int32_t t = a[i]; a[i] = a[j]; a[j] = t;
            i++;
            j--;
        }
        /* Recurse into the smaller side, loop on the larger. */
        int32_t left = j + 1;
        if (left < n - left) {
            quicksort(a, left);
            a += left;
            n -= left;
        } else {
            quicksort(a + left, n - left);
            n = left;
        }
    }
    insertion(a, n);
}

static void sift_down(int32_t *a, uint32_t root, uint32_t n) {
    for (;;) {
        uint32_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && a[child] < a[child + 1]) child++;
        if (a[root] >= a[child]) return;
        int32_t t = a[root]; a[root] = a[child]; a[child] = t;
        root = child;
    }
}

static void heapsort(int32_t *a, uint32_t n) {
    for (uint32_t i = n / 2; i-- > 0;) sift_down(a, i, n);
    for (uint32_t end = n - 1; end > 0; end--) {
        int32_t t = a[0]; a[0] = a[end]; a[end] = t;
        sift_down(a, 0, end);
    }
}

static uint32_t check(const int32_t *a, uint32_t n) {
    uint32_t h = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && a[i - 1] > a[i]) return 0xDEAD0000u | (i & 0xFFFF);
        h = h * 31u + (uint32_t)a[i];
    }
    return h;
}

BENCH_EXPORT int run(void) {
    uint32_t s = sort_seed;
    for (uint32_t i = 0; i < QS_N; i++) qa[i] = (int32_t)bench_lcg(&s);
    for (uint32_t i = 0; i < HS_N; i++) ha[i] = (int32_t)(bench_lcg(&s) >> 8);
    quicksort(qa, (int32_t)QS_N);
    heapsort(ha, HS_N);
    return (int)(check(qa, QS_N) ^ (check(ha, HS_N) * 7u));
}
