/*
 * The compiler's fused instructions (compile.c: compare-and-branch, loads
 * and stores through an i32.add, local.tee then load, multiply-add, known
 * zero locals) give exactly what the plain stack machine gives, at the
 * edges: wrapping arithmetic, an address sum that wraps before the offset,
 * a local changed between an address and its store.  The program is
 * tests/data/wasm/fusion.wat, built to $GB_TEST_WASM.
 */
#include <stdlib.h>
#include <string.h>

#include "gearbox/wasm.h"
#include "test.h"

static gb_module *mod;
static gb_store *st;
static gb_instance *inst;

static int setup(void)
{
    char path[512];
    const char *dir = getenv("GB_TEST_WASM");
    snprintf(path, sizeof path, "%s/fusion.wasm", dir ? dir : "testwasm");
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char detail[256];
    if (gb_module_load(NULL, buf, n, &mod, detail, sizeof detail) ||
        gb_store_new(NULL, &st) ||
        gb_instantiate(st, mod, NULL, 0, &inst, detail, sizeof detail))
        return -1;
    return 0;
}

static gb_err call(const char *name, const gb_val *args, gb_val *res)
{
    gb_extern ex;
    if (gb_instance_export(inst, name, strlen(name), &ex))
        return GB_NOT_FOUND;
    return gb_func_call(st, ex.u.func, args, res);
}

static uint64_t call1(const char *name, gb_val a, gb_val b, gb_val c)
{
    gb_val args[3] = {a, b, c}, r = 0xdeadbeef;
    GB_EXPECT_ERR(GB_OK, call(name, args, &r));
    return r;
}

static void test_madd(void)
{
    GB_EXPECT_U64(7 + 3 * 5, call1("madd32", 7, 3, 5));
    GB_EXPECT_U64((uint32_t)(1u + 0x80000001u * 3u), call1("madd32", 1, 0x80000001u, 3));
    GB_EXPECT_U64((uint32_t)(0xffffffffu + 0xffffffffu * 0xffffffffu),
                  call1("madd32r", 0xffffffffu, 0xffffffffu, 0xffffffffu));
    GB_EXPECT_U64(5 + 0x8000000000000001ull * 2, call1("madd64", 5, 0x8000000000000001ull, 2));
    GB_EXPECT_U64((uint32_t)((10u + 4u) + 4u * 6u), call1("madd_sum", 10, 4, 6));
}

static void test_loads_stores(void)
{
    uint8_t *m = gb_memory_data(gb_instance_memory(inst));
    uint32_t v = 0x11223344;
    memcpy(m + 12, &v, 4);
    GB_EXPECT_U64(0x11223344, call1("load_wrap", 0, 0, 0)); /* 0+8, offset 4 */
    /* p + 8 wraps to 4 (in bounds) and offset 4 reads at 8: the sum wraps
     * before the offset, as in the spec */
    v = 0x55667788;
    memcpy(m + 8, &v, 4);
    GB_EXPECT_U64(0x55667788, call1("load_wrap", 0xfffffffcu, 0, 0));
    v = 0x99aabbcc;
    memcpy(m + 0x10, &v, 4);
    gb_val args[2] = {0xfffffff0u, 0x20}, r;
    GB_EXPECT_ERR(GB_OK, call("load_sum", args, &r)); /* i32.add wraps: 0x10 */
    GB_EXPECT_U64(0x99aabbcc, r);
    memset(m, 0, 4);
    GB_EXPECT_U64(0, call1("load_sum", 0x10, 0xfffffff0u, 0)); /* wraps to 0 */
    GB_EXPECT_U64(104, call1("load_tee", 100, 0, 0));
    gb_val sargs[2] = {40, 7};
    GB_EXPECT_ERR(GB_OK, call("store_sum", sargs, NULL));
    memcpy(&v, m + 56, 4);
    GB_EXPECT_U64(21, v);
    gb_val aargs[2] = {200, 200};
    GB_EXPECT_U64(0, call("store_alias", aargs, &r));
    GB_EXPECT_U64(100, r); /* stored at the old address 200, not at 100 */
}

static void test_branches_and_zero(void)
{
    GB_EXPECT_U64(20, call1("count_below", 10, 0, 0));
    GB_EXPECT_U64(0, call1("count_below", 0, 0, 0));
    GB_EXPECT_U64(2000, call1("count_below", 5000, 0, 0)); /* the lt_s exit */
    GB_EXPECT_U64(7, call1("if_eqz", 0, 0, 0));
    GB_EXPECT_U64(9, call1("if_eqz", 5, 0, 0));
    GB_EXPECT_U64(3, call1("zero_local", 3, 0, 0));
    GB_EXPECT_U64(4, call1("zero_local", 4, 0, 0));
}

int main(void)
{
    if (setup()) {
        fprintf(stderr, "cannot load fusion.wasm\n");
        return 1;
    }
    GB_RUN(test_madd);
    GB_RUN(test_loads_stores);
    GB_RUN(test_branches_and_zero);
    gb_store_free(st);
    gb_module_free(mod);
    return gb_test_summary();
}
