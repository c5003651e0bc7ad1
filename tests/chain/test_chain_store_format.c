/*
 * The store's format mark (chain.c, format_check): a store made before
 * Gear's gas holds (no mark) that holds waitlist, mailbox or reservation
 * entries is refused with an error naming its format and this one's; one
 * holding none of them opens and is marked; a newer format is refused.
 * The "old" stores are made by marking a new one with format 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "gear/test_syscalls_util.h"
#include "state/db.h"
#include "util/bytes.h"

static const char k_format[] = "_store_format";

static gb_id alice(void) { return gb_dev_account_id(0); }

static gb_err open_dir(const char *dir, gb_chain **c, char *detail,
                       size_t len)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.data_dir = dir;
    cfg.nosync = true;
    detail[0] = 0;
    return gb_chain_open(&cfg, c, detail, len);
}

static void block(gb_chain *c)
{
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
    gb_block_result_free(&r);
}

/* The mark set to fmt (1: a store from before the mark, which reads as
 * format 1: the history table keeps what is written, so the mark cannot
 * be taken out again through the store's calls). */
static void set_mark(const char *dir, uint32_t fmt)
{
    gb_db *db = NULL;
    gb_db_opts o = {.flags = GB_DB_NOSYNC};
    char msg[256];
    GB_EXPECT_ERR(GB_OK, gb_db_open(dir, &o, &db, msg, sizeof msg));
    if (!db)
        return;
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    uint8_t v[4];
    gb_le_put(v, fmt, 4);
    GB_EXPECT_ERR(GB_OK, gb_db_put_history(t, k_format, sizeof k_format - 1,
                                           v, 4));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    gb_db_close(db);
}

/* The mark read back (0: none; UINT32_MAX: the store would not open). */
static uint32_t get_mark(const char *dir)
{
    gb_db *db = NULL;
    gb_db_opts o = {.flags = GB_DB_NOSYNC};
    char msg[256];
    GB_EXPECT_ERR(GB_OK, gb_db_open(dir, &o, &db, msg, sizeof msg));
    if (!db)
        return UINT32_MAX;
    gb_db_txn *r;
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &r));
    gb_db_val v;
    uint32_t fmt = 0;
    if (!gb_db_get(r, GB_TABLE_INPUTS, k_format, sizeof k_format - 1, &v) &&
        v.len == 4)
        fmt = (uint32_t)gb_le_get(v.data, 4);
    gb_db_read_end(r);
    gb_db_close(db);
    return fmt;
}

static void rm_dir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void test_store_format(void)
{
    char dir[] = "/tmp/gb-chain-format-XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    char detail[512];
    gb_chain *c = NULL;
    GB_EXPECT_ERR(GB_OK, open_dir(dir, &c, detail, sizeof detail));
    if (!c)
        return;
    /* a new store is marked */
    uint32_t len;
    uint8_t *code = fx_read_wasm("GB_TEST_WASM", "sys_ops", &len);
    gb_id sys = fx_submit(c, (gb_tx){.kind = GB_TX_UPLOAD_CODE,
                                     .sender = alice(), .code = code,
                                     .code_len = len});
    free(code);
    block(c);
    gb_chain_close(c);
    c = NULL;
    GB_EXPECT_U64(2, get_mark(dir));

    /* an old store holding nothing whose meaning changed: opened, and
     * marked */
    set_mark(dir, 1);
    GB_EXPECT_ERR(GB_OK, open_dir(dir, &c, detail, sizeof detail));
    if (!c)
        return;

    /* a program waits: a waitlist entry */
    gb_id P = fx_submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                   .sender = alice(), .code_id = sys,
                                   .salt = (const uint8_t *)"P",
                                   .salt_len = 1,
                                   .gas_limit = 10000000000ull});
    block(c);
    script s = {0};
    OP(&s, GB_SYS_GR_WAIT_FOR, 50);
    fx_submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                         .destination = P, .payload = s.b,
                         .payload_len = s.n,
                         .gas_limit = 10000000000ull});
    block(c);
    GB_EXPECT_U64(1, gb_chain_pending(c));
    gb_chain_close(c);
    c = NULL;
    GB_EXPECT_U64(2, get_mark(dir));
    GB_EXPECT_ERR(GB_OK, open_dir(dir, &c, detail, sizeof detail));
    gb_chain_close(c);
    c = NULL;

    /* the same store from before the mark: refused, saying why */
    set_mark(dir, 1);
    GB_EXPECT_ERR(GB_UNSUPPORTED, open_dir(dir, &c, detail, sizeof detail));
    GB_EXPECT(c == NULL);
    GB_EXPECT_STR_CONTAINS(detail, "store format 1");
    GB_EXPECT_STR_CONTAINS(detail, "1 waitlist");
    GB_EXPECT_STR_CONTAINS(detail, "store format 2");
    GB_EXPECT_STR_CONTAINS(detail, dir);
    GB_EXPECT_U64(1, get_mark(dir)); /* left as it was */

    /* a newer one: refused */
    set_mark(dir, 3);
    GB_EXPECT_ERR(GB_UNSUPPORTED, open_dir(dir, &c, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "newer gearbox (store format 3");

    /* marked again as this format: opens */
    set_mark(dir, 2);
    GB_EXPECT_ERR(GB_OK, open_dir(dir, &c, detail, sizeof detail));
    gb_chain_close(c);
    rm_dir(dir);
}

int main(void)
{
    GB_RUN(test_store_format);
    return gb_test_summary();
}
