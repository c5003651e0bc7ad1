/*
 * Snapshots in the test harness (gb_tk_snapshot, gb_tk_restore, gb_tk_fork):
 * a counter prepared to 42, snapshotted; the test goes on (43, 44), restores
 * (42 again, twice in a row), forks (the fork and the original move apart
 * and neither sees the other's messages); the harness's knowledge of
 * replies survives a restore; a snapshot with transactions waiting is
 * refused; a named data directory restores in place.
 *
 * Only the public header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gearbox/testkit.h"
#include "test.h"

#define ALICE gb_tk_dev_account(0)

static const char *wasm(const char *name)
{
    static char path[1024];
    const char *dir = getenv("GB_EXAMPLES_WASM");
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : ".", name);
    return path;
}

/* Send text to p, run until idle, return the reply's payload as a
 * number (-1 when no success reply). */
static long ask(gb_tk *tk, gb_tk_id p, const char *text)
{
    gb_tk_id m;
    GB_EXPECT_ERR(GB_OK, gb_tk_send_str(tk, ALICE, p, text, &m));
    GB_EXPECT_ERR(GB_OK, gb_tk_run_until_idle(tk, 50, NULL));
    gb_tk_reply r = gb_tk_reply_of(tk, m);
    if (!r.found || !gb_tk_reply_code_is_success(r.code))
        return -1;
    char buf[32];
    size_t n = r.payload_len < sizeof buf - 1 ? r.payload_len : sizeof buf - 1;
    memcpy(buf, r.payload, n);
    buf[n] = 0;
    return strtol(buf, NULL, 10);
}

static void scenario(const char *dir)
{
    gb_tk_cfg cfg;
    gb_tk_cfg_default(&cfg);
    cfg.data_dir = dir;
    gb_tk *tk = NULL;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_tk_new(&cfg, &tk, detail, sizeof detail));
    if (!tk)
        return;
    gb_tk_id ctr;
    GB_EXPECT_ERR(GB_OK, gb_tk_upload_program(tk, wasm("counter"), NULL, 0,
                                              &ctr));
    GB_EXPECT_U64(42, (uint64_t)ask(tk, ctr, "add 42"));
    gb_tk_id before;
    GB_EXPECT_ERR(GB_OK, gb_tk_send_str(tk, ALICE, ctr, "get", &before));
    /* waiting transactions: refused */
    gb_tk_snap *snap = NULL;
    GB_EXPECT_ERR(GB_INVALID, gb_tk_snapshot(tk, &snap));
    GB_EXPECT_STR_CONTAINS(gb_tk_detail(tk), "block");
    GB_EXPECT_ERR(GB_OK, gb_tk_run_until_idle(tk, 50, NULL));
    uint32_t h = gb_tk_height(tk);
    gb_tk_u128 bal = gb_tk_balance(tk, ALICE);
    GB_EXPECT_ERR(GB_OK, gb_tk_snapshot(tk, &snap));
    if (!snap) {
        gb_tk_free(tk);
        return;
    }
    GB_EXPECT_U64(43, (uint64_t)ask(tk, ctr, "inc"));
    GB_EXPECT_U64(44, (uint64_t)ask(tk, ctr, "inc"));
    for (int round = 0; round < 2; round++) {
        GB_EXPECT_ERR(GB_OK, gb_tk_restore(tk, snap));
        GB_EXPECT_U64(h, gb_tk_height(tk));
        gb_tk_u128 b = gb_tk_balance(tk, ALICE);
        GB_EXPECT(!memcmp(&b, &bal, sizeof b));
        /* what the harness knew at the snapshot: the reply to "get" */
        gb_tk_reply r = gb_tk_reply_of(tk, before);
        GB_EXPECT(gb_tk_reply_is(&r, GB_TK_REPLY_SUCCESS_MANUAL, "42"));
        GB_EXPECT_U64(43, (uint64_t)ask(tk, ctr, "inc"));
    }
    gb_tk *f = NULL;
    GB_EXPECT_ERR(GB_OK, gb_tk_fork(snap, &f));
    if (f) {
        GB_EXPECT_U64(h, gb_tk_height(f));
        GB_EXPECT_U64(52, (uint64_t)ask(f, ctr, "add 10"));
        GB_EXPECT_U64(44, (uint64_t)ask(tk, ctr, "inc"));  /* apart */
        GB_EXPECT_U64(53, (uint64_t)ask(f, ctr, "inc"));
        gb_tk_free(f);
    }
    gb_tk_snapshot_free(snap);
    GB_EXPECT_U64(45, (uint64_t)ask(tk, ctr, "inc"));
    gb_tk_free(tk);
}

static void test_snapshot_temp(void) { scenario(NULL); }

static void test_snapshot_named_dir(void)
{
    char dir[] = "/tmp/gb-tk-snapdir-XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    scenario(dir);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    GB_EXPECT(system(cmd) == 0);
}

int main(void)
{
    GB_RUN(test_snapshot_temp);
    GB_RUN(test_snapshot_named_dir);
    return gb_test_summary();
}
