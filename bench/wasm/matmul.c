/*
 * matmul — nested loops over 2-D arrays: a chain of six products of
 * 256x256 uint32 matrices (wrapping arithmetic, so overflow is defined),
 * with the inner loop in i-k-j order so it streams rows.
 *
 * Stresses address arithmetic, i32 multiply-add and loop overhead; the
 * native build has vectorisation turned off so that it is scalar code
 * like the wasm32 build.
 */
#include "rt.h"

#define MM_N 256

BENCH_PARAM(mm_seed, 7u);

static uint32_t A[MM_N][MM_N], B[MM_N][MM_N], C[MM_N][MM_N], D[MM_N][MM_N];

static void mul(uint32_t (*x)[MM_N], uint32_t (*y)[MM_N], uint32_t (*z)[MM_N]) {
    for (int i = 0; i < MM_N; i++) {
        for (int j = 0; j < MM_N; j++) z[i][j] = 0;
        for (int k = 0; k < MM_N; k++) {
            uint32_t a = x[i][k];
            for (int j = 0; j < MM_N; j++) z[i][j] += a * y[k][j];
        }
    }
}

BENCH_EXPORT int run(void) {
    uint32_t s = mm_seed;
    for (int i = 0; i < MM_N; i++)
        for (int j = 0; j < MM_N; j++) {
            A[i][j] = bench_lcg(&s) >> 24;
            B[i][j] = bench_lcg(&s) >> 24;
        }
    mul(A, B, C); /* C = AB */
    for (int r = 0; r < 2; r++) {
        mul(C, A, D); /* D = CA */
        mul(D, B, C); /* C = DB */
    }
    mul(C, A, D); /* six products in all; the result is in D */
    uint32_t h = 0;
    for (int i = 0; i < MM_N; i++)
        for (int j = 0; j < MM_N; j++) h = h * 31u + D[i][j];
    return (int)h;
}
