/*
 * Helpers the chain tests share (header-only, for tests/chain/test_*.c):
 * reading a built program, submitting a transaction that must be
 * accepted, checking that value is conserved.
 */
#ifndef GB_TESTS_CHAIN_FIXTURE_H
#define GB_TESTS_CHAIN_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/devkeys.h"
#include "test.h"

/* Open a chain with cfg (NULL: the defaults without fsync, in a temporary
 * directory); exits when it cannot. */
static inline gb_chain *fx_open_chain(const gb_chain_cfg *cfg)
{
    gb_chain_cfg d;
    if (!cfg) {
        gb_chain_cfg_default(&d);
        d.nosync = true;
        cfg = &d;
    }
    gb_chain *c = NULL;
    char detail[256] = "";
    gb_err e = gb_chain_open(cfg, &c, detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e) {
        fprintf(stderr, "open: %s\n", detail);
        exit(1);
    }
    return c;
}

/* $<dir_env>/<name>.wasm (malloc'ed; exits when missing). */
static inline uint8_t *fx_read_wasm(const char *dir_env, const char *name,
                                    uint32_t *len)
{
    char path[1024];
    const char *dir = getenv(dir_env);
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    uint8_t *buf = malloc(1 << 20);
    *len = (uint32_t)fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* An example program ($GB_EXAMPLES_WASM). */
static inline uint8_t *fx_read_example(const char *name, uint32_t *len)
{
    return fx_read_wasm("GB_EXAMPLES_WASM", name, len);
}

/* The test actor tests/chain/actor.wat, through wat2wasm (malloc'ed;
 * exits when that fails). */
static inline uint8_t *fx_actor_wasm(uint32_t *len)
{
    const char *data = getenv("GB_TEST_DATA");
    char cmd[1024], out[] = "/tmp/gb-chain-actor-XXXXXX";
    int fd = mkstemp(out);
    if (fd < 0) {
        perror("mkstemp");
        exit(1);
    }
    fclose(fdopen(fd, "rb")); /* only the unique name is wanted */
    snprintf(cmd, sizeof cmd, "wat2wasm '%s/../chain/actor.wat' -o '%s'",
             data ? data : "tests/data", out);
    if (system(cmd) != 0) {
        fprintf(stderr, "wat2wasm failed: %s\n", cmd);
        exit(1);
    }
    FILE *f = fopen(out, "rb");
    uint8_t *buf = malloc(1 << 16);
    *len = f ? (uint32_t)fread(buf, 1, 1 << 16, f) : 0;
    if (f)
        fclose(f);
    remove(out);
    return buf;
}

/* Submit tx, expecting it accepted; the id submit gave. */
static inline gb_id fx_submit(gb_chain *c, gb_tx tx)
{
    gb_id id = {{0}};
    char detail[256] = "";
    gb_err e = gb_chain_submit(c, &tx, &id, detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e)
        fprintf(stderr, "  submit: %s\n", detail);
    return id;
}

/* Upload example name as sender (already there: fine); its code id. */
static inline gb_id fx_upload_example(gb_chain *c, gb_id sender,
                                      const char *name)
{
    uint32_t len;
    uint8_t *code = fx_read_example(name, &len);
    gb_id id = gb_code_id(code, len);
    gb_tx tx = {.kind = GB_TX_UPLOAD_CODE, .sender = sender, .code = code,
                .code_len = len};
    gb_chain_submit(c, &tx, NULL, NULL, 0);
    free(code);
    return id;
}

/* Create a program of example name (salt: the name) with gas for its
 * init; no block produced. */
static inline gb_id fx_create_example(gb_chain *c, gb_id sender,
                                      const char *name, uint64_t gas)
{
    gb_id code = fx_upload_example(c, sender, name);
    return fx_submit(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                .sender = sender, .code_id = code,
                                .salt = (const uint8_t *)name,
                                .salt_len = (uint32_t)strlen(name),
                                .gas_limit = gas});
}

/* The fee (gb_chain_tx_fee) of a transaction carrying payload_len bytes
 * of payload and nothing else on chain c. */
static inline gb_u128 fx_fee(gb_chain *c, uint32_t payload_len)
{
    gb_tx tx = {.payload = (const uint8_t *)"", .payload_len = payload_len};
    return gb_chain_tx_fee(gb_chain_config(c), &tx);
}

/* The gas (as value) the dev accounts' mailboxes hold: a message to a
 * user with the mailbox threshold of gas or more is held with it. */
static inline gb_u128 fx_mailbox_gas(gb_chain *c)
{
    gb_u128 sum = gb_u128_from(0);
    for (uint32_t u = 0; u < GB_DEV_ACCOUNTS; u++) {
        gb_chain_mail *m;
        uint32_t n;
        GB_EXPECT_ERR(GB_OK,
                      gb_chain_mailbox(c, gb_dev_account_id(u), &m, &n));
        for (uint32_t i = 0; i < n; i++)
            gb_u128_add_to(&sum, gb_chain_gas_value(m[i].gas));
        gb_chain_mail_free(m, n);
    }
    return sum;
}

/* Balances + held value and gas + burned + fees == issuance. */
static inline void fx_check_conservation(gb_chain *c)
{
    gb_chain_totals s;
    gb_u128 sum;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(c, &s));
    if (!gb_chain_totals_conserved(&s, &sum)) {
        char a[40], b[40];
        gb_u128_to_dec(sum, a);
        gb_u128_to_dec(s.issuance, b);
        GB_FAIL_("value not conserved at height %u: sum %s, issuance %s",
                 gb_chain_height(c), a, b);
    }
}

#endif
