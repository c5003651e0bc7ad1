/*
 * nbody — 64-bit fixed-point arithmetic: a gravitational N-body simulation
 * of 48 bodies in Q16.16 integers, all pairs each step, with an integer
 * square root (bit by bit) and a 64-bit division per pair.
 *
 * Stresses i64 multiply, divide and shifts, and loads and stores of
 * struct fields; the float-free formulation keeps it deterministic and in
 * the integer subset that contracts use.
 */
#include "rt.h"

#define NB_N 48
#define FX 16 /* fraction bits */

BENCH_PARAM(nb_steps, 2400);

typedef struct body {
    int64_t x, y, z, vx, vy, vz, m;
} body;

static body bodies[NB_N];

static uint64_t isqrt64(uint64_t v) {
    uint64_t r = 0, bit = (uint64_t)1 << 62;
    while (bit > v) bit >>= 2;
    while (bit) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

static void init(void) {
    uint32_t s = 0xC0FFEEu;
    for (int i = 0; i < NB_N; i++) {
        body *b = &bodies[i];
        /* Positions within +-32 units, small velocities, masses 1..4. */
        b->x = (int64_t)(bench_lcg(&s) >> 10) - (1 << 21);
        b->y = (int64_t)(bench_lcg(&s) >> 10) - (1 << 21);
        b->z = (int64_t)(bench_lcg(&s) >> 10) - (1 << 21);
        b->vx = (int64_t)(bench_lcg(&s) >> 20) - (1 << 11);
        b->vy = (int64_t)(bench_lcg(&s) >> 20) - (1 << 11);
        b->vz = (int64_t)(bench_lcg(&s) >> 20) - (1 << 11);
        b->m = (int64_t)((bench_lcg(&s) >> 30) + 1) << FX;
    }
}

static void step(void) {
    const int64_t soft = (int64_t)1 << (2 * FX - 2); /* 0.25 unit^2, in Q32 */
    for (int i = 0; i < NB_N; i++) {
        body *a = &bodies[i];
        for (int j = i + 1; j < NB_N; j++) {
            body *b = &bodies[j];
            int64_t dx = b->x - a->x, dy = b->y - a->y, dz = b->z - a->z;
            /* |d|^2 in Q32 (fits: |d| < 2^23 in Q16 while bodies stay
             * within +-64 units; they are clamped below). */
            uint64_t d2 = (uint64_t)(dx * dx + dy * dy + dz * dz + soft);
            int64_t d = (int64_t)isqrt64(d2);             /* Q16 */
            int64_t d3 = (int64_t)((d2 >> FX) * (uint64_t)d >> FX); /* Q16 */
            if (d3 == 0) d3 = 1;
            /* Acceleration on a towards b: m_b * d / |d|^3, in Q16. */
            int64_t fa = (b->m << 4) / d3, fb = (a->m << 4) / d3; /* Q20 */
            a->vx += dx * fa >> 24; a->vy += dy * fa >> 24; a->vz += dz * fa >> 24;
            b->vx -= dx * fb >> 24; b->vy -= dy * fb >> 24; b->vz -= dz * fb >> 24;
        }
    }
    const int64_t lim = (int64_t)64 << FX;
    for (int i = 0; i < NB_N; i++) {
        body *b = &bodies[i];
        b->x += b->vx >> 4; b->y += b->vy >> 4; b->z += b->vz >> 4;
        /* Walls: reflect, so positions stay where the products fit. */
        if (b->x > lim || b->x < -lim) { b->vx = -b->vx; b->x = b->x > 0 ? lim : -lim; }
        if (b->y > lim || b->y < -lim) { b->vy = -b->vy; b->y = b->y > 0 ? lim : -lim; }
        if (b->z > lim || b->z < -lim) { b->vz = -b->vz; b->z = b->z > 0 ? lim : -lim; }
    }
}

BENCH_EXPORT int run(void) {
    init();
    uint32_t steps = nb_steps;
    for (uint32_t k = 0; k < steps; k++) step();
    uint64_t h = 0;
    for (int i = 0; i < NB_N; i++) {
        const body *b = &bodies[i];
        h = h * 0x100000001B3ull ^ (uint64_t)b->x ^ (uint64_t)b->vy << 1 ^ (uint64_t)b->z << 2;
    }
    return (int)((uint32_t)h ^ (uint32_t)(h >> 32));
}
