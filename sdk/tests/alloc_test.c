/*
 * alloc_test.c — a self-test of the SDK runtime inside wasm: a seeded
 * random mix of malloc/calloc/realloc/free with every block filled with a
 * pattern and checked before it changes, plus mem* and text helpers.
 * handle replies "ok" or panics with what broke.  The state (live blocks)
 * persists between messages, so several messages test the heap across
 * runs.  Run by examples/run (test_examples_run.c).
 */
#include "gear.h"

#define SLOTS 64

static uint8_t *blk[SLOTS];
static uint32_t len[SLOTS], seed_of[SLOTS];
static uint32_t rng = 12345;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void fill(uint32_t i)
{
    for (uint32_t k = 0; k < len[i]; k++)
        blk[i][k] = (uint8_t)(seed_of[i] + k * 7);
}

static void check(uint32_t i, uint32_t n)
{
    if ((uintptr_t)blk[i] & 7)
        gear_panic_str("misaligned block");
    for (uint32_t k = 0; k < n; k++)
        if (blk[i][k] != (uint8_t)(seed_of[i] + k * 7))
            gear_panic_str("block corrupted");
}

static uint32_t size(void)
{
    uint32_t r = next();
    switch (r & 3) {
    case 0: return r >> 28;                /* tiny, including 0 */
    case 1: return (r >> 8) & 255;
    case 2: return (r >> 8) & 4095;
    default: return (r >> 8) & 0x3FFFF;    /* up to 256 KiB: several pages */
    }
}

GEAR_EXPORT(handle) void handle(void)
{
    for (int op = 0; op < 400; op++) {
        uint32_t i = next() % SLOTS;
        if (blk[i])
            check(i, len[i]);
        switch (next() % 4) {
        case 0: /* free, maybe malloc again */
            free(blk[i]);
            blk[i] = NULL;
            len[i] = 0;
            if (next() & 1)
                break;
            /* fall through */
        case 1:
            if (!blk[i]) {
                len[i] = size();
                blk[i] = (next() & 1) ? malloc(len[i]) : calloc(1, len[i]);
                if (!blk[i])
                    gear_panic_str("out of memory");
                seed_of[i] = next();
                fill(i);
            }
            break;
        default: { /* realloc: the common prefix survives */
            uint32_t n = size();
            uint8_t *q = realloc(blk[i], n ? n : 1);
            if (!q)
                gear_panic_str("realloc failed");
            blk[i] = q;
            check(i, len[i] < n ? len[i] : n);
            len[i] = n;
            fill(i);
        }
        }
    }
    /* mem* and helpers */
    char a[40], b[40];
    memset(a, 'x', sizeof a);
    memcpy(a + 1, "hello world", 11);
    memmove(a + 3, a + 1, 11); /* overlapping, forwards */
    if (memcmp(a, "xhehello world", 14) != 0)
        gear_panic_str("memmove up");
    memmove(a + 1, a + 3, 11); /* overlapping, backwards */
    if (memcmp(a, "xhello worldld", 14) != 0)
        gear_panic_str("memmove down");
    uint64_t v;
    if (gear_u64_to_dec(18446744073709551615ull, b) != 20 || strcmp(b, "18446744073709551615") ||
        !gear_parse_u64(b, 20, &v) || v != UINT64_MAX || gear_parse_u64("18446744073709551616", 20, &v))
        gear_panic_str("decimal");
    bool o;
    gear_u128_t x = gear_u128_add((gear_u128_t){UINT64_MAX, 0}, gear_u128(1), &o);
    if (o || x.lo != 0 || x.hi != 1)
        gear_panic_str("u128 add");
    gear_u128_sub(gear_u128(1), gear_u128(2), &o);
    if (!o)
        gear_panic_str("u128 sub");
    gear_u128_add((gear_u128_t){0, UINT64_MAX}, (gear_u128_t){0, 1}, &o);
    if (!o)
        gear_panic_str("u128 overflow");
    gear_reply_str("ok");
}
