/*
 * Which pages may call the node (src/node/origin.h): localhost origins in
 * their spellings, look-alikes refused, --rpc-cors lists and "all", bad
 * entries, and the Host check against DNS rebinding.
 */
#include <stdlib.h>

#include "test.h"

#include "node/origin.h"

static void test_default(void)
{
    gb_origins *o = NULL;
    GB_EXPECT_ERR(GB_OK, gb_origins_new(NULL, &o, NULL, 0));
    GB_EXPECT(!gb_origins_all(o));
    const char *yes[] = {"http://localhost", "http://localhost:3000",
                         "https://127.0.0.1", "https://127.0.0.1:8443",
                         "http://[::1]:8080", "HTTP://LocalHost:5173"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        GB_EXPECT(gb_origin_allowed(o, yes[i]));
    const char *no[] = {"null", "https://evil.example",
                        "http://localhost.evil.example",
                        "http://127.0.0.1.evil.example",
                        "http://localhost:3000/x", "http://localhost:",
                        "http://localhost:80x", "ftp://localhost",
                        "http://127.0.0.2", "http://[::2]", "localhost",
                        "http://evil.example#http://localhost", ""};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        GB_EXPECT(!gb_origin_allowed(o, no[i]));
    gb_origins_free(o);
    gb_origins_free(NULL);
}

static void test_lists(void)
{
    gb_origins *o = NULL;
    GB_EXPECT_ERR(GB_OK, gb_origins_new(" https://app.example/ ,http://lan:8080,",
                                        &o, NULL, 0));
    GB_EXPECT(gb_origin_allowed(o, "https://app.example"));
    GB_EXPECT(gb_origin_listed(o, "HTTPS://APP.EXAMPLE"));
    GB_EXPECT(gb_origin_allowed(o, "http://lan:8080"));
    GB_EXPECT(gb_origin_allowed(o, "http://localhost:1"));
    GB_EXPECT(!gb_origin_listed(o, "http://localhost:1"));
    GB_EXPECT(!gb_origin_allowed(o, "https://app.example:444"));
    GB_EXPECT(!gb_origin_allowed(o, "http://app.example"));
    gb_origins_free(o);

    GB_EXPECT_ERR(GB_OK, gb_origins_new("all", &o, NULL, 0));
    GB_EXPECT(gb_origins_all(o));
    GB_EXPECT(gb_origin_allowed(o, "https://evil.example"));
    gb_origins_free(o);

    char detail[200] = "";
    o = NULL;
    GB_EXPECT_ERR(GB_INVAL, gb_origins_new("https://a.example,app.example",
                                           &o, detail, sizeof detail));
    GB_EXPECT(o == NULL);
    GB_EXPECT_STR_CONTAINS(detail, "'app.example' is not an origin");
    GB_EXPECT_ERR(GB_INVAL, gb_origins_new("https://a.example/path", &o,
                                           NULL, 0));
    GB_EXPECT_ERR(GB_INVAL, gb_origins_new("http://", &o, NULL, 0));
}

static void test_host(void)
{
    const char *yes[] = {"127.0.0.1", "127.0.0.1:9944", "localhost:9944",
                         "LOCALHOST", "app.localhost:1", "[::1]:9944",
                         "[::1]", "10.1.2.3:80"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        GB_EXPECT(gb_origin_host_local(yes[i]));
    const char *no[] = {"evil.example:9944", "localhost.evil.example",
                        "127.0.0.1.evil.example", "[evil]:1", "[::1",
                        "gearbox", ""};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        GB_EXPECT(!gb_origin_host_local(no[i]));
}

int main(void)
{
    GB_RUN(test_default);
    GB_RUN(test_lists);
    GB_RUN(test_host);
    return gb_test_summary();
}
