/*
 * The dev controls of the chain (chain_dev.c, issue #21): setting a
 * balance keeps the value audit true; a revert brings back the state root,
 * the head and the pending transactions of its snapshot, consumes it and
 * the later ones, and a few hundred rounds of snapshot, change and revert
 * leave no file behind.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "test.h"

#define GAS 5000000000ull

static gb_id dev(uint32_t i) { return gb_dev_account_id(i); }

static void block(gb_chain *c)
{
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
    gb_block_result_free(&r);
}

static gb_chain *open_chain(const char *dir)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    cfg.data_dir = dir;
    cfg.persist_pool = dir != NULL;
    return fx_open_chain(&cfg);
}

/* Files in dir whose name starts with prefix. */
static unsigned count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    unsigned n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += !strncmp(e->d_name, prefix, strlen(prefix));
    if (d)
        closedir(d);
    return n;
}

static gb_tx transfer(uint32_t from, uint32_t to, uint64_t v)
{
    return (gb_tx){.kind = GB_TX_TRANSFER, .sender = dev(from),
                   .destination = dev(to), .value = gb_u128_from(v)};
}

static void test_set_balance(void)
{
    gb_chain *c = open_chain(NULL);
    gb_chain_totals t0, t1;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &t0));
    /* a new account: minted */
    gb_id who;
    memset(who.b, 0x5a, 32);
    gb_u128 old;
    char d[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_set_balance(c, who, gb_u128_from(777),
                                                  &old, d, sizeof d));
    GB_EXPECT(gb_u128_is_zero(old));
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, who), gb_u128_from(777)));
    fx_check_conservation(c);
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &t1));
    GB_EXPECT(!gb_u128_cmp(t1.issuance,
                           gb_u128_add(t0.issuance, gb_u128_from(777), NULL)));
    /* a dev account lowered: burned by decree */
    gb_u128 b0 = gb_chain_balance(c, dev(1));
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_set_balance(c, dev(1), gb_u128_from(5),
                                                  &old, d, sizeof d));
    GB_EXPECT(!gb_u128_cmp(old, b0));
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, dev(1)), gb_u128_from(5)));
    fx_check_conservation(c);
    /* to zero: the account goes (canonical form), still conserved */
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_set_balance(c, who, gb_u128_from(0),
                                                  NULL, d, sizeof d));
    GB_EXPECT(gb_u128_is_zero(gb_chain_balance(c, who)));
    fx_check_conservation(c);
    /* a program's balance */
    gb_id pid = fx_create_example(c, dev(0), "ping", GAS);
    block(c);
    gb_chain_prog_info info;
    GB_EXPECT_ERR(GB_OK, gb_chain_program_info(c, pid, &info));
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_set_balance(
                             c, pid, gb_u128_from(123456789), NULL, d,
                             sizeof d));
    GB_EXPECT_ERR(GB_OK, gb_chain_program_info(c, pid, &info));
    GB_EXPECT(!gb_u128_cmp(info.balance, gb_u128_from(123456789)));
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, pid),
                           gb_u128_from(123456789)));
    fx_check_conservation(c);
    /* the program still runs, and the next block seals the new root */
    fx_submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = dev(0),
                         .destination = pid,
                         .payload = (const uint8_t *)"PING",
                         .payload_len = 4, .gas_limit = GAS});
    block(c);
    fx_check_conservation(c);
    uint8_t root[32];
    gb_block_header h;
    GB_EXPECT_ERR(GB_OK, gb_chain_state_root(c, root));
    GB_EXPECT_ERR(GB_OK, gb_chain_block_header(c, gb_chain_height(c), &h,
                                               NULL));
    GB_EXPECT(!memcmp(root, h.state_root, 32));
    /* past 2^128-1 in all: refused, nothing changes */
    gb_u128 max = {UINT64_MAX, UINT64_MAX};
    GB_EXPECT_ERR(GB_OVERFLOW, gb_chain_dev_set_balance(c, who, max, NULL, d,
                                                        sizeof d));
    GB_EXPECT(gb_u128_is_zero(gb_chain_balance(c, who)));
    fx_check_conservation(c);
    gb_chain_close(c);
}

static void test_snapshot_revert(void)
{
    char dir[] = "/tmp/gb-chain-dev-XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    char data[64];
    snprintf(data, sizeof data, "%s/chain", dir);
    gb_chain *c = open_chain(data);
    gb_id pid = fx_create_example(c, dev(0), "ping", GAS);
    block(c);
    block(c);
    /* one transaction pending at the snapshot */
    fx_submit(c, transfer(1, 2, 1000));
    uint8_t root0[32], hash0[32];
    gb_block_header h0;
    uint32_t height0 = gb_chain_height(c);
    GB_EXPECT_ERR(GB_OK, gb_chain_state_root(c, root0));
    GB_EXPECT_ERR(GB_OK, gb_chain_block_header(c, height0, &h0, hash0));
    gb_u128 bal2 = gb_chain_balance(c, dev(2));
    uint32_t s1;
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_snapshot(c, &s1));
    GB_EXPECT_U64(1, s1);
    GB_EXPECT_U64(1, count_files(data, "snapshot-"));

    /* changes: blocks, a balance, a program message, more pending */
    for (int i = 0; i < 5; i++)
        block(c);
    fx_submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = dev(0),
                         .destination = pid,
                         .payload = (const uint8_t *)"PING",
                         .payload_len = 4, .gas_limit = GAS});
    block(c);
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_set_balance(c, dev(3), gb_u128_from(9),
                                                  NULL, NULL, 0));
    uint32_t s2;
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_snapshot(c, &s2));
    GB_EXPECT_U64(2, s2);
    fx_submit(c, transfer(2, 3, 5));
    fx_submit(c, transfer(2, 3, 6));
    GB_EXPECT_U64(2, gb_chain_waiting(c));

    char d[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_revert(c, s1, d, sizeof d));
    uint8_t root1[32], hash1[32];
    gb_block_header h1;
    GB_EXPECT_U64(height0, gb_chain_height(c));
    GB_EXPECT_ERR(GB_OK, gb_chain_state_root(c, root1));
    GB_EXPECT(!memcmp(root0, root1, 32));
    GB_EXPECT_ERR(GB_OK, gb_chain_block_header(c, gb_chain_height(c), &h1,
                                               hash1));
    GB_EXPECT(!memcmp(hash0, hash1, 32));
    GB_EXPECT_U64(h0.timestamp, gb_chain_timestamp(c));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_block_header(c, height0 + 1, &h1,
                                                      NULL));
    /* the pending transfer is back, and only it */
    GB_EXPECT_U64(1, gb_chain_waiting(c));
    GB_EXPECT_U64(1, gb_chain_nonce(c, dev(1)));
    GB_EXPECT_U64(0, gb_chain_nonce(c, dev(2)));
    /* consumed: s1 and the later s2 */
    GB_EXPECT_U64(0, gb_chain_dev_snapshots(c));
    GB_EXPECT_U64(0, count_files(data, "snapshot-"));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_dev_revert(c, s1, d, sizeof d));
    GB_EXPECT_STR_CONTAINS(d, "no such snapshot");
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_dev_revert(c, s2, d, sizeof d));

    /* the chain goes on from there: the pending transfer applies, the
     * program answers */
    block(c);
    GB_EXPECT(!gb_u128_cmp(gb_chain_balance(c, dev(2)),
                           gb_u128_add(bal2, gb_u128_from(1000), NULL)));
    fx_submit(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = dev(0),
                         .destination = pid,
                         .payload = (const uint8_t *)"PING",
                         .payload_len = 4, .gas_limit = GAS});
    block(c);
    gb_chain_mail *m;
    uint32_t nm;
    GB_EXPECT_ERR(GB_OK, gb_chain_mailbox(c, dev(0), &m, &nm));
    gb_chain_mail_free(m, nm);
    fx_check_conservation(c);
    uint8_t rc[32];
    GB_EXPECT_ERR(GB_OK, gb_chain_state_root(c, root1));
    gb_chain_close(c);

    /* the pool log was rewritten with the restored pool, and a reopened
     * chain has what the reverted one had */
    c = open_chain(data);
    GB_EXPECT_ERR(GB_OK, gb_chain_state_root(c, rc));
    GB_EXPECT(!memcmp(root1, rc, 32));
    GB_EXPECT_U64(0, gb_chain_waiting(c));
    gb_chain_close(c);
    gb_db_remove(data);
    remove(dir);
}

/* Snapshot, change, revert, a few hundred times: the same root and head
 * each time, no file left over; the revert time is printed. */
static void test_rounds(void)
{
    char dir[] = "/tmp/gb-chain-dev-XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    char data[64];
    snprintf(data, sizeof data, "%s/chain", dir);
    gb_chain *c = open_chain(data);
    for (int i = 0; i < 50; i++) {
        fx_submit(c, transfer(1, 4, 10));
        block(c);
    }
    uint8_t root0[32], hash0[32];
    GB_EXPECT_ERR(GB_OK, gb_chain_state_root(c, root0));
    gb_block_header hh;
    GB_EXPECT_ERR(GB_OK, gb_chain_block_header(c, gb_chain_height(c), &hh,
                                               hash0));
    uint32_t height0 = gb_chain_height(c);
    int rounds = 300, bad = 0;
    double worst = 0, total = 0;
    for (int i = 0; i < rounds; i++) {
        uint32_t id;
        if (gb_chain_dev_snapshot(c, &id)) {
            bad++;
            break;
        }
        fx_submit(c, transfer(1, 4, 10 + (uint64_t)i));
        block(c);
        gb_chain_dev_set_balance(c, dev(5), gb_u128_from((uint64_t)i), NULL,
                                 NULL, 0);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        gb_err e = gb_chain_dev_revert(c, id, NULL, 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        total += ms;
        if (ms > worst)
            worst = ms;
        uint8_t root[32], hash[32];
        if (e || gb_chain_state_root(c, root) ||
            gb_chain_block_header(c, gb_chain_height(c), &hh, hash) ||
            memcmp(root, root0, 32) || memcmp(hash, hash0, 32) ||
            gb_chain_height(c) != height0 || gb_chain_waiting(c)) {
            bad++;
            break;
        }
    }
    GB_EXPECT_U64(0, bad);
    GB_EXPECT_U64(0, count_files(data, "snapshot-"));
    printf("  %d rounds: revert %.3f ms on average, %.3f ms at worst\n",
           rounds, total / rounds, worst);
    fx_check_conservation(c);
    gb_chain_close(c);
    gb_db_remove(data);
    remove(dir);
}

/* Snapshots are files beside the store: close deletes those left. */
static void test_close_deletes(void)
{
    char dir[] = "/tmp/gb-chain-dev-XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    char data[64];
    snprintf(data, sizeof data, "%s/chain", dir);
    gb_chain *c = open_chain(data);
    uint32_t a, b;
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_snapshot(c, &a));
    block(c);
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_snapshot(c, &b));
    GB_EXPECT_U64(2, count_files(data, "snapshot-"));
    /* reverting to the later one keeps the earlier */
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_revert(c, b, NULL, 0));
    GB_EXPECT_U64(1, gb_chain_dev_snapshots(c));
    GB_EXPECT_U64(1, gb_chain_height(c));
    gb_chain_close(c);
    GB_EXPECT_U64(0, count_files(data, "snapshot-"));
    gb_db_remove(data);
    remove(dir);
}

/* A balance set between blocks is an input of the next block: the chain
 * still replays from genesis (chain.h, "replaying blocks"), and a set
 * balance that the new account then spends is needed for the replay to
 * agree. */
static void test_set_balance_replays(void)
{
    gb_chain *c = open_chain(NULL);
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
    gb_block_result_free(&r);
    gb_id who, to;
    memset(who.b, 0x6b, 32);
    memset(to.b, 0x7c, 32);
    char d[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_set_balance(
                             c, who, gb_u128_from(5000000000000000ull), NULL,
                             d, sizeof d));
    GB_EXPECT_ERR(GB_OK, gb_chain_dev_set_balance(
                             c, gb_dev_account_id(1), gb_u128_from(1),
                             NULL, d, sizeof d));
    gb_tx t = {.kind = GB_TX_TRANSFER, .sender = who, .destination = to,
               .value = gb_u128_from(1000)};
    GB_EXPECT_ERR(GB_OK, gb_chain_submit(c, &t, NULL, d, sizeof d));
    for (int i = 0; i < 3; i++) {
        GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
        gb_block_result_free(&r);
    }
    GB_EXPECT_U64(1000, gb_chain_balance(c, to).lo);
    gb_chain_replay_report rep;
    GB_EXPECT_ERR(GB_OK, gb_chain_replay(c, NULL, &rep));
    GB_EXPECT_U64(0, rep.bad);
    GB_EXPECT_U64(gb_chain_height(c), rep.replayed);
    if (rep.bad)
        fprintf(stderr, "  replay: block %u: %s\n", rep.bad, rep.why);
    gb_chain_close(c);
}

int main(void)
{
    GB_RUN(test_set_balance);
    GB_RUN(test_set_balance_replays);
    GB_RUN(test_snapshot_revert);
    GB_RUN(test_rounds);
    GB_RUN(test_close_deletes);
    return gb_test_summary();
}
