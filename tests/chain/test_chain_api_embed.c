/*
 * The chain's public face (gearbox/chain.h), used as an embedder would
 * (only the public header): a chain in a temporary store, a program
 * uploaded, created and sent messages by a dev account, blocks produced
 * until its reply reaches the user; refused transactions; the chain
 * reopened from its directory where it stopped.  The programs are the
 * examples ($GB_EXAMPLES_WASM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gearbox/chain.h"
#include "test.h"

#define GAS 10000000000ull

static uint8_t *read_example(const char *name, size_t *len)
{
    char path[1024];
    const char *dir = getenv("GB_EXAMPLES_WASM");
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    uint8_t *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* Blocks until the reply to msg reaches a user (at most 10); its payload
 * compared with want. */
static bool reply_of(gb_chain *c, const uint8_t msg[32], const char *want)
{
    for (int i = 0; i < 10; i++) {
        gb_chain_block b;
        if (gb_chain_produce(c, &b))
            return false;
        for (uint32_t k = 0; k < b.nuser_msgs; k++) {
            const gb_chain_user_msg *m = &b.user_msgs[k];
            if (m->is_reply && !memcmp(m->reply_to, msg, 32)) {
                bool ok = m->payload_len == strlen(want) &&
                          !memcmp(m->payload, want, m->payload_len) &&
                          m->reply_code[0] == 0;
                gb_chain_block_free(&b);
                return ok;
            }
        }
        gb_chain_block_free(&b);
    }
    return false;
}

static void test_ping(void)
{
    char dir[] = "/tmp/gb-chain-api-XXXXXX";
    GB_EXPECT(mkdtemp(dir) != NULL);
    gb_chain_options o = {.data_dir = dir, .threads = 2, .nosync = true};
    gb_chain *c;
    char detail[256];
    GB_EXPECT_ERR(GB_OK, gb_chain_open_with(&o, &c, detail, sizeof detail));
    if (!c)
        return;
    GB_EXPECT_U64(0, gb_chain_height(c));
    uint8_t alice[32], code[32], prog[32], init[32], msg[32];
    gb_chain_dev_account(0, alice);
    gb_chain_value bal;
    GB_EXPECT_ERR(GB_OK, gb_chain_balance_of(c, alice, &bal));
    GB_EXPECT(bal.lo || bal.hi); /* funded at genesis */
    size_t len;
    uint8_t *wasm = read_example("ping", &len);
    GB_EXPECT_ERR(GB_OK, gb_chain_upload_code(c, alice, wasm, len, code,
                                              detail, sizeof detail));
    free(wasm);
    GB_EXPECT_ERR(GB_OK, gb_chain_create_program(
                             c, alice, code, (const uint8_t *)"s", 1, NULL,
                             0, GAS, (gb_chain_value){0}, prog, init,
                             detail, sizeof detail));
    GB_EXPECT(gb_chain_pending(c) > 0);
    GB_EXPECT_ERR(GB_OK, gb_chain_send_message(
                             c, alice, prog, (const uint8_t *)"PING", 4, GAS,
                             (gb_chain_value){0}, msg, detail,
                             sizeof detail));
    GB_EXPECT(reply_of(c, msg, "PONG"));
    GB_EXPECT(gb_chain_height(c) >= 1);
    GB_EXPECT_U64(0, gb_chain_pending(c));
    /* an account with nothing cannot pay: refused, nothing queued */
    uint8_t nobody[32];
    memset(nobody, 0x42, 32);
    detail[0] = 0;
    GB_EXPECT_ERR(GB_INVALID, gb_chain_send_message(
                                  c, nobody, prog, (const uint8_t *)"PING",
                                  4, GAS, (gb_chain_value){0}, msg, detail,
                                  sizeof detail));
    GB_EXPECT(detail[0] != 0);
    GB_EXPECT_U64(0, gb_chain_pending(c));
    uint32_t height = gb_chain_height(c);
    uint8_t root[32], root2[32];
    GB_EXPECT_ERR(GB_OK, gb_chain_state_root(c, root));
    gb_chain_close(c);
    /* reopened: where it stopped, and the program still answers */
    GB_EXPECT_ERR(GB_OK, gb_chain_open_with(&o, &c, detail, sizeof detail));
    if (!c)
        return;
    GB_EXPECT_U64(height, gb_chain_height(c));
    GB_EXPECT_ERR(GB_OK, gb_chain_state_root(c, root2));
    GB_EXPECT(!memcmp(root, root2, 32));
    GB_EXPECT_ERR(GB_OK, gb_chain_send_message(
                             c, alice, prog, (const uint8_t *)"PING", 4, GAS,
                             (gb_chain_value){0}, msg, detail,
                             sizeof detail));
    GB_EXPECT(reply_of(c, msg, "PONG"));
    gb_chain_close(c);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    GB_EXPECT(system(cmd) == 0);
}

int main(void)
{
    GB_RUN(test_ping);
    return gb_test_summary();
}
