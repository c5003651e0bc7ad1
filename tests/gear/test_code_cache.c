/*
 * The code cache: code is prepared once per code id.
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
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static void test_prepared_once(void)
{
    gb_code_cache *c;
    GB_EXPECT_ERR(GB_OK, gb_code_cache_new(NULL, &c));
    size_t len = 0;
    uint8_t *bytes = read_wasm("ping", &len);
    GB_EXPECT(bytes != NULL);
    if (!bytes) {
        gb_code_cache_free(c);
        return;
    }
    const gb_gear_code *a, *b;
    char detail[256];
    GB_EXPECT_ERR(GB_OK, gb_code_cache_add(c, bytes, len, &a, detail, sizeof detail));
    GB_EXPECT_ERR(GB_OK, gb_code_cache_add(c, bytes, len, &b, detail, sizeof detail));
    GB_EXPECT(a == b);
    GB_EXPECT_U64(1, gb_code_cache_count(c));
    gb_id id = gb_code_id(bytes, len);
    GB_EXPECT(gb_code_cache_get(c, id) == a);
    GB_EXPECT(!memcmp(a->id, id.b, 32));
    /* rejected code is not kept */
    bytes[0] = 'x';
    const gb_gear_code *bad;
    GB_EXPECT(gb_code_cache_add(c, bytes, len, &bad, detail, sizeof detail) != GB_OK);
    GB_EXPECT(bad == NULL);
    GB_EXPECT_U64(1, gb_code_cache_count(c));
    free(bytes);
    gb_code_cache_free(c);
}

int main(void)
{
    GB_RUN(test_prepared_once);
    return gb_test_summary();
}
