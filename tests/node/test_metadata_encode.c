/*
 * The runtime metadata: the prefix and version byte, the Option and Vec
 * wrappers of the runtime API calls, a refused version, and the pallet
 * names and Vara's indices found where the V14/V15 layout puts them.  The
 * full decoding is checked by polkadot.js itself (tests/js).
 */
#include <stdlib.h>

#include "test.h"

#include "node/metadata.h"
#include "util/scale.h"

static void test_prefix_and_versions(void)
{
    for (uint32_t v = 14; v <= 15; v++) {
        uint8_t *md = NULL;
        size_t n = 0;
        GB_EXPECT_ERR(GB_OK, gb_metadata_encode(v, &md, &n));
        GB_EXPECT(n > 10000);
        GB_EXPECT(memcmp(md, "meta", 4) == 0);
        GB_EXPECT_U64(v, md[4]);
        /* the same bytes every time */
        uint8_t *again = NULL;
        size_t n2 = 0;
        GB_EXPECT_ERR(GB_OK, gb_metadata_encode(v, &again, &n2));
        GB_EXPECT_U64(n, n2);
        GB_EXPECT(memcmp(md, again, n) == 0);
        /* Option<OpaqueMetadata>: Some, the length, the same bytes */
        uint8_t *opt = NULL;
        size_t on = 0;
        GB_EXPECT_ERR(GB_OK, gb_metadata_at_version(v, &opt, &on));
        gb_scale_reader r;
        gb_scale_reader_init(&r, opt, on);
        bool some = false;
        const uint8_t *inner = NULL;
        size_t inner_len = 0;
        GB_EXPECT_ERR(GB_OK, gb_scale_get_option(&r, &some));
        GB_EXPECT(some);
        GB_EXPECT_ERR(GB_OK, gb_scale_get_bytes(&r, SIZE_MAX, &inner, &inner_len));
        GB_EXPECT_U64(0, gb_scale_left(&r));
        GB_EXPECT_U64(n, inner_len);
        GB_EXPECT(inner && memcmp(inner, md, n) == 0);
        free(md);
        free(again);
        free(opt);
    }
    uint8_t *md = NULL;
    size_t n = 0;
    GB_EXPECT_ERR(GB_UNSUPPORTED, gb_metadata_encode(13, &md, &n));
    GB_EXPECT_ERR(GB_UNSUPPORTED, gb_metadata_encode(16, &md, &n));
    GB_EXPECT(md == NULL);
    /* None for versions not offered */
    GB_EXPECT_ERR(GB_OK, gb_metadata_at_version(16, &md, &n));
    GB_EXPECT_U64(1, n);
    GB_EXPECT_U64(0, md[0]);
    free(md);
    GB_EXPECT_ERR(GB_OK, gb_metadata_at_version(UINT32_MAX, &md, &n));
    GB_EXPECT_U64(1, n);
    free(md);
    /* Vec<u32> [14, 15] */
    GB_EXPECT_ERR(GB_OK, gb_metadata_versions(&md, &n));
    static const uint8_t want[] = {0x08, 14, 0, 0, 0, 15, 0, 0, 0};
    GB_EXPECT_U64(sizeof want, n);
    GB_EXPECT(memcmp(md, want, sizeof want) == 0);
    free(md);
}

/* "name" as a SCALE string followed by the bytes of what comes next. */
static bool contains(const uint8_t *hay, size_t n, const void *needle,
                     size_t len)
{
    for (size_t i = 0; i + len <= n; i++)
        if (!memcmp(hay + i, needle, len))
            return true;
    return false;
}

/* Constants as the clients read them: name, type, then the value as
 * Bytes; here the value bytes follow the name somewhere in the blob. */
static void test_constants_present(void)
{
    uint8_t *md = NULL;
    size_t n = 0;
    GB_EXPECT_ERR(GB_OK, gb_metadata_encode(14, &md, &n));
    static const uint8_t block_gas_limit[] = {0x20, 0x00, 0xcc, 0x7b, 0x9f,
                                              0xae, 0x00, 0x00, 0x00};
    static const uint8_t existential[] = {0x40, 0x00, 0x10, 0xa5, 0xd4, 0xe8};
    static const uint8_t ss58[] = {0x08, 0x89, 0x00};
    GB_EXPECT(contains(md, n, block_gas_limit, sizeof block_gas_limit));
    GB_EXPECT(contains(md, n, existential, sizeof existential));
    GB_EXPECT(contains(md, n, ss58, sizeof ss58));
    GB_EXPECT(contains(md, n, "\x40MailboxThreshold", 17));
    GB_EXPECT(contains(md, n, "\x64ProgramConstructionFailed", 26));
    free(md);
}

static void test_runtime_version(void)
{
    const gb_runtime_version *v = gb_metadata_runtime_version();
    GB_EXPECT_STR_CONTAINS(v->spec_name, "vara");
    GB_EXPECT_U64(19, v->n_apis);
    bool metadata_v2 = false;
    for (size_t i = 0; i < v->n_apis; i++)
        if (!strcmp(v->apis[i].name, "Metadata") && v->apis[i].version >= 2)
            metadata_v2 = true;
    GB_EXPECT(metadata_v2);
}

int main(void)
{
    GB_RUN(test_prefix_and_versions);
    GB_RUN(test_constants_present);
    GB_RUN(test_runtime_version);
    return gb_test_summary();
}
