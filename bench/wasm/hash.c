/*
 * hash — 32- and 64-bit integer arithmetic over a large buffer.
 *
 * Fills 24 MiB with xorshift64 output, then runs three hashes over it:
 * table-driven CRC-32 (byte loads, table lookups, shifts, xor), FNV-1a
 * (a multiply per byte) and an xxHash64-style 4-lane hash (64-bit loads,
 * 64-bit multiplies and rotates).  Each is a long straight loop, so this
 * is close to a measure of raw arithmetic dispatch.
 */
#include "rt.h"

#define HASH_BYTES (24u << 20)

BENCH_PARAM(hash_seed, 0x2545F491u);

static uint64_t data64[HASH_BYTES / 8];
static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const unsigned char *p, uint32_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static uint32_t fnv1a(const unsigned char *p, uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull

static inline uint64_t rotl64(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t xx_round(uint64_t acc, uint64_t in) {
    acc += in * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static uint64_t xx64(const uint64_t *p, uint32_t nwords, uint64_t seed) {
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    for (uint32_t i = 0; i + 4 <= nwords; i += 4) {
        v1 = xx_round(v1, p[i]);
        v2 = xx_round(v2, p[i + 1]);
        v3 = xx_round(v3, p[i + 2]);
        v4 = xx_round(v4, p[i + 3]);
    }
    uint64_t h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    h += (uint64_t)nwords * 8;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h + P4;
}

BENCH_EXPORT int run(void) {
    uint64_t s = 0x9E3779B97F4A7C15ull ^ hash_seed;
    for (uint32_t i = 0; i < HASH_BYTES / 8; i++) data64[i] = bench_xorshift64(&s);
    crc_init();
    const unsigned char *bytes = (const unsigned char *)data64;
    uint32_t c = crc32(bytes, HASH_BYTES / 2);
    uint32_t f = fnv1a(bytes + HASH_BYTES / 2, HASH_BYTES / 2);
    uint64_t x = xx64(data64, HASH_BYTES / 8, hash_seed);
    return (int)(c ^ (f * 3u) ^ (uint32_t)x ^ (uint32_t)(x >> 32));
}
