/*
 * A block that cannot be committed (issue #19.10): with the store's
 * commit made to fail as on a full disk (gb_db_inject_commit_fault,
 * ENOSPC), gb_chain_produce_block returns GB_NOSPACE and nothing of the
 * block is visible — height, state root and balances are the last
 * commit's; reopened on the same directory the chain is there, value
 * conserved, and the same transactions submitted again give a block.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/chain_fixture.h"
#include "chain/chain_int.h"
#include "gear/codes.h"
#include "test.h"

static gb_chain *open_at(const char *dir)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.data_dir = dir;
    cfg.threads = 2;
    gb_chain *c = NULL;
    char detail[256] = "";
    gb_err e = gb_chain_open(&cfg, &c, detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e) {
        fprintf(stderr, "open: %s\n", detail);
        exit(1);
    }
    return c;
}

static void submit_some(gb_chain *c, const uint8_t *code, uint32_t len)
{
    fx_submit(c, (gb_tx){.kind = GB_TX_UPLOAD_CODE,
                         .sender = gb_dev_account_id(0), .code = code,
                         .code_len = len});
    fx_submit(c, (gb_tx){.kind = GB_TX_TRANSFER,
                         .sender = gb_dev_account_id(1),
                         .destination = gb_dev_account_id(2),
                         .value = gb_u128_from(1234)});
}

static void test_nospace_then_restart(void)
{
    char dir[] = "/tmp/gb-chain-nospc-XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    gb_chain *c = open_at(dir);
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
    gb_block_result_free(&r);
    uint32_t len;
    uint8_t *code = fx_read_example("ping", &len);
    uint8_t root[32], root2[32];
    gb_chain_state_root(c, root);
    gb_u128 b2 = gb_chain_balance(c, gb_dev_account_id(2));

    submit_some(c, code, len);
    gb_db_inject_commit_fault(c->db, 1, ENOSPC);
    GB_EXPECT_ERR(GB_NOSPACE, gb_chain_produce_block(c, &r));
    GB_EXPECT_U64(1, gb_chain_height(c));
    gb_chain_state_root(c, root2);
    GB_EXPECT(!memcmp(root, root2, 32));
    GB_EXPECT(!gb_chain_code_exists(c, gb_code_id(code, len)));
    GB_EXPECT(!gb_u128_cmp(b2, gb_chain_balance(c, gb_dev_account_id(2))));
    gb_chain_close(c);

    /* restarted: the last commit, whole */
    c = open_at(dir);
    GB_EXPECT_U64(1, gb_chain_height(c));
    gb_chain_state_root(c, root2);
    GB_EXPECT(!memcmp(root, root2, 32));
    fx_check_conservation(c);
    /* the mempool did not survive: submitted again, they make block 2 */
    submit_some(c, code, len);
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
    GB_EXPECT_U64(2, r.height);
    gb_block_result_free(&r);
    GB_EXPECT(gb_chain_code_exists(c, gb_code_id(code, len)));
    GB_EXPECT(!gb_u128_cmp(gb_u128_add(b2, gb_u128_from(1234), NULL),
                           gb_chain_balance(c, gb_dev_account_id(2))));
    fx_check_conservation(c);
    gb_chain_close(c);
    free(code);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    GB_EXPECT(system(cmd) == 0);
}

int main(void)
{
    GB_RUN(test_nospace_then_restart);
    return gb_test_summary();
}
