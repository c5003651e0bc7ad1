/*
 * The code cache's bound (issue #19.4): adding never evicts, trimming
 * evicts the least recently used codes until the footprint fits the
 * limit, a get makes a code recent, and an evicted code is prepared again
 * on the next add.  Distinct codes are ping.wasm with a custom section
 * appended (a different code id, the same program).
 */
#include <stdlib.h>
#include <string.h>

#include "gear/code_cache.h"
#include "test.h"

static uint8_t *read_wasm(const char *name, size_t *len)
{
    char path[512];
    const char *dir = getenv("GB_TEST_WASM");
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : "testwasm", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(1 << 16);
    *len = fread(buf, 1, (1 << 16) - 8, f);
    fclose(f);
    return buf;
}

/* base + a custom section "n" holding byte i: into out (len + 5 bytes). */
static size_t variant(const uint8_t *base, size_t len, uint8_t i,
                      uint8_t *out)
{
    memcpy(out, base, len);
    const uint8_t sec[5] = {0, 3, 1, 'n', i};
    memcpy(out + len, sec, sizeof sec);
    return len + sizeof sec;
}

#define N 6

static void test_trim_lru(void)
{
    size_t len = 0;
    uint8_t *base = read_wasm("ping", &len);
    GB_EXPECT(base != NULL);
    if (!base)
        return;
    uint8_t *v[N];
    size_t vlen[N];
    for (int i = 0; i < N; i++) {
        v[i] = malloc(len + 5);
        vlen[i] = variant(base, len, (uint8_t)i, v[i]);
    }
    gb_code_cache *c;
    GB_EXPECT_ERR(GB_OK, gb_code_cache_new(NULL, &c));
    const gb_gear_code *code[N];
    char detail[256];
    for (int i = 0; i < N; i++)
        GB_EXPECT_ERR(GB_OK, gb_code_cache_add(c, v[i], vlen[i], &code[i],
                                               detail, sizeof detail));
    uint64_t one = gb_gear_code_footprint(code[0]);
    GB_EXPECT(one > len); /* the binary, decoded and compiled */
    GB_EXPECT_U64(N, gb_code_cache_count(c));
    GB_EXPECT_U64(N * one, gb_code_cache_bytes(c));
    GB_EXPECT_U64(N, gb_code_cache_prepared(c));
    /* under the default limit nothing goes */
    GB_EXPECT_U64(0, gb_code_cache_trim(c));
    /* room for 3: setting the limit evicts nothing by itself */
    gb_code_cache_set_limit(c, 3 * one);
    GB_EXPECT_U64(N, gb_code_cache_count(c));
    /* code 0 used again: the oldest are now 1, 2, 3 */
    gb_id id0 = gb_code_id(v[0], vlen[0]);
    GB_EXPECT(gb_code_cache_get(c, id0) == code[0]);
    GB_EXPECT_U64(3, gb_code_cache_trim(c));
    GB_EXPECT_U64(3, gb_code_cache_count(c));
    GB_EXPECT(gb_code_cache_bytes(c) <= 3 * one);
    GB_EXPECT(gb_code_cache_get(c, id0) == code[0]);
    for (int i = 1; i <= 3; i++)
        GB_EXPECT(!gb_code_cache_get(c, gb_code_id(v[i], vlen[i])));
    for (int i = 4; i < N; i++)
        GB_EXPECT(gb_code_cache_get(c, gb_code_id(v[i], vlen[i])) == code[i]);
    /* an evicted code comes back, prepared again */
    const gb_gear_code *again;
    GB_EXPECT_ERR(GB_OK, gb_code_cache_add(c, v[1], vlen[1], &again, detail,
                                           sizeof detail));
    GB_EXPECT(again && !memcmp(again->id, gb_code_id(v[1], vlen[1]).b, 32));
    GB_EXPECT_U64(N + 1, gb_code_cache_prepared(c));
    GB_EXPECT_U64(4, gb_code_cache_count(c)); /* over until trimmed */
    GB_EXPECT_U64(1, gb_code_cache_trim(c));
    GB_EXPECT_U64(3, gb_code_cache_count(c));
    /* a limit below one code: everything goes at the next trim */
    gb_code_cache_set_limit(c, 1);
    GB_EXPECT_U64(3, gb_code_cache_trim(c));
    GB_EXPECT_U64(0, gb_code_cache_count(c));
    GB_EXPECT_U64(0, gb_code_cache_bytes(c));
    /* remove keeps the byte count right */
    gb_code_cache_set_limit(c, 0); /* the default */
    GB_EXPECT_ERR(GB_OK, gb_code_cache_add(c, v[2], vlen[2], &again, detail,
                                           sizeof detail));
    gb_code_cache_remove(c, gb_code_id(v[2], vlen[2]));
    GB_EXPECT_U64(0, gb_code_cache_bytes(c));
    gb_code_cache_free(c);
    for (int i = 0; i < N; i++)
        free(v[i]);
    free(base);
}

int main(void)
{
    GB_RUN(test_trim_lru);
    return gb_test_summary();
}
