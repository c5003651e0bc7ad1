/*
 * The chain's map from id pairs to numbers (chain/idmap.h): round trips
 * through growth, pairs that differ only in order or in one byte, updates,
 * the "absent" answer, and an empty map.
 */
#include "test.h"

#include <string.h>

#include "chain/idmap.h"

static gb_id id_of(uint32_t n, uint8_t tag)
{
    gb_id id;
    memset(id.b, tag, sizeof id.b);
    id.b[0] = (uint8_t)n;
    id.b[1] = (uint8_t)(n >> 8);
    id.b[2] = (uint8_t)(n >> 16);
    return id;
}

static void test_empty(void)
{
    gb_idmap m = {0};
    gb_id a = id_of(1, 0xaa);
    GB_EXPECT_U64(GB_IDMAP_NONE, gb_idmap_get(&m, &a, &a));
    gb_idmap_free(&m);
    gb_idmap_free(&m); /* a freed map is an empty one */
    GB_EXPECT_U64(GB_IDMAP_NONE, gb_idmap_get(&m, &a, &a));
}

/* 5000 pairs (the table grows many times): each reads back its value;
 * pairs never put read as absent. */
static void test_round_trip_through_growth(void)
{
    enum { N = 5000 };
    gb_idmap m = {0};
    for (uint32_t i = 0; i < N; i++) {
        gb_id a = id_of(i, 0x11), b = id_of(i * 7, 0x22);
        GB_EXPECT_ERR(GB_OK, gb_idmap_put(&m, &a, &b, i * 3));
    }
    GB_EXPECT_U64(N, m.n);
    GB_EXPECT(m.cap >= N && (m.cap & (m.cap - 1)) == 0); /* a power of 2 */
    int bad = 0;
    for (uint32_t i = 0; i < N; i++) {
        gb_id a = id_of(i, 0x11), b = id_of(i * 7, 0x22);
        bad += gb_idmap_get(&m, &a, &b) != i * 3;
        gb_id c = id_of(i * 7 + 1, 0x22); /* never put */
        bad += gb_idmap_get(&m, &a, &c) != GB_IDMAP_NONE;
    }
    GB_EXPECT_I64(0, bad);
    gb_idmap_free(&m);
}

/* (a, b) and (b, a) are different keys; one byte makes a different id;
 * a second put replaces the value without adding an entry. */
static void test_pairs_are_ordered_and_exact(void)
{
    gb_idmap m = {0};
    gb_id a = id_of(5, 0x01), b = id_of(6, 0x01);
    GB_EXPECT_ERR(GB_OK, gb_idmap_put(&m, &a, &b, 10));
    GB_EXPECT_U64(10, gb_idmap_get(&m, &a, &b));
    GB_EXPECT_U64(GB_IDMAP_NONE, gb_idmap_get(&m, &b, &a));
    GB_EXPECT_ERR(GB_OK, gb_idmap_put(&m, &b, &a, 20));
    GB_EXPECT_U64(10, gb_idmap_get(&m, &a, &b));
    GB_EXPECT_U64(20, gb_idmap_get(&m, &b, &a));

    gb_id a2 = a;
    a2.b[31] ^= 1;
    GB_EXPECT_U64(GB_IDMAP_NONE, gb_idmap_get(&m, &a2, &b));

    GB_EXPECT_ERR(GB_OK, gb_idmap_put(&m, &a, &b, 0)); /* 0 is a value */
    GB_EXPECT_U64(0, gb_idmap_get(&m, &a, &b));
    GB_EXPECT_U64(2, m.n);

    /* the zero id is an ordinary key (the overlay uses (pid, 0)) */
    gb_id z = {{0}};
    GB_EXPECT_U64(GB_IDMAP_NONE, gb_idmap_get(&m, &z, &z));
    GB_EXPECT_ERR(GB_OK, gb_idmap_put(&m, &z, &z, 7));
    GB_EXPECT_U64(7, gb_idmap_get(&m, &z, &z));
    gb_idmap_free(&m);
}

int main(void)
{
    GB_RUN(test_empty);
    GB_RUN(test_round_trip_through_growth);
    GB_RUN(test_pairs_are_ordered_and_exact);
    return gb_test_summary();
}
