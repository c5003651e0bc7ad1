/*
 * memops — memory copy and fill loops written in C over a 4 MiB buffer:
 * byte fill, word fill, byte copy, 32- and 64-bit word copies, and an
 * overlapping backwards move, repeated, with a running checksum.
 *
 * These are the loops a contract's own memcpy compiles to when the
 * bulk-memory instructions are not used; they stress load/store
 * throughput and the per-access bounds checks.
 */
#include "rt.h"

#define MEM_BYTES (4u << 20)

BENCH_PARAM(mem_reps, 12);

static uint64_t src64[MEM_BYTES / 8];
static uint64_t dst64[MEM_BYTES / 8];

static void fill_bytes(unsigned char *d, unsigned char v, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) d[i] = (unsigned char)(v + i);
}

static void fill_words(uint32_t *d, uint32_t v, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) d[i] = v ^ (i * 0x01000193u);
}

static void copy_bytes(unsigned char *d, const unsigned char *s, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) d[i] = s[i];
}

static void copy_words(uint32_t *d, const uint32_t *s, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) d[i] = s[i];
}

static void copy_dwords(uint64_t *d, const uint64_t *s, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) d[i] = s[i];
}

static void move_back(unsigned char *b, uint32_t shift, uint32_t n) {
    /* b[shift..shift+n) = b[0..n), overlapping, copied from the end. */
    for (uint32_t i = n; i-- > 0;) b[i + shift] = b[i];
}

static uint32_t sum_words(const uint32_t *p, uint32_t n) {
    uint32_t h = 0;
    for (uint32_t i = 0; i < n; i++) h = (h << 5 | h >> 27) ^ p[i];
    return h;
}

BENCH_EXPORT int run(void) {
    unsigned char *sb = (unsigned char *)src64, *db = (unsigned char *)dst64;
    uint32_t *sw = (uint32_t *)src64, *dw = (uint32_t *)dst64;
    uint32_t h = 0, reps = mem_reps;
    for (uint32_t r = 0; r < reps; r++) {
        fill_bytes(sb, (unsigned char)r, MEM_BYTES);
        copy_bytes(db, sb + r, MEM_BYTES - 64);
        h ^= sum_words(dw, MEM_BYTES / 4);
        fill_words(sw, 0x9E3779B9u * (r + 1), MEM_BYTES / 4);
        copy_words(dw + 1, sw, MEM_BYTES / 4 - 1);
        h ^= sum_words(dw, MEM_BYTES / 4) * 3u;
        copy_dwords(src64, dst64, MEM_BYTES / 8);
        move_back(sb, 4093, MEM_BYTES / 2);
        h ^= sum_words(sw, MEM_BYTES / 4) * 5u;
    }
    return (int)h;
}
