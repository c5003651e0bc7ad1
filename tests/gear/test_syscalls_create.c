/*
 * gr_create_program(_wgas) through the processor: program id =
 * program_from_wasm(message id, code id, salt), init message id =
 * outgoing(message id, nonce) (GEAR-ABI.md §8), 306 for the same program
 * twice, the existential deposit taken from the value available, the
 * nonces shared with gr_send_init.  Program: tests/data/gear/sys_ops.wat.
 */
#include "test_syscalls_util.h"

#define ED 1000000000000ull

static gb_id hex_id(const char *hex)
{
    gb_id id = {{0}};
    GB_EXPECT_ERR(GB_OK, gb_id_from_hex(hex, &id));
    return id;
}

/* The GEAR-ABI.md §8 vectors: the first message of the environment is
 * M = external(1, 0xaa..., nonce 0). */
static void test_vectors(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    e.v.balance = gb_u128_from(2 * ED);
    gb_id child = hex_id("46f0c3cc76e23cf7a9c7ae134eb7b677325d0efba25543fdfd28021c276929ea");
    script s = {0};
    poke_hash_value(&s, 0x4000, child, 0, 0);
    poke(&s, 0x4100, "\0\0\0\0", 4);
    OP(&s, GB_SYS_GR_CREATE_PROGRAM, 0x4000, 0x4100, 4, 0x4200, 0, 0, 0x1000);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT(gb_id_eq(hex_id("ddcf2c88c67876c0dd01fc21f12eb715280ae93ac8b5323fab9fe5c6ee657e95"), d.id));
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    GB_EXPECT(!memcmp(mem(&j, 0x1004), hex_id("4e6350e478e1086cb25ee96a1bc4c54c7bba957f724328be4bfd90ffdb5c3faf").b, 32));
    GB_EXPECT(!memcmp(mem(&j, 0x1024), hex_id("328a92355c2a455f53d8458e76b150024fffc4eba36f05552e1975bef094b3aa").b, 32));
    GB_EXPECT_U64(0xEE, mem(&j, 0x1044)[0]); /* ErrorWithTwoHashes: 68 */
    gb_journal_free(&j);
    env_free(&e);
}

static void test_create(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    e.v.balance = gb_u128_from(5 * ED);
    gb_id code = id_of(0x77);
    script s = {0};
    poke_hash_value(&s, 0x4000, code, 0, 0);
    poke(&s, 0x4100, "s1s2", 4);
    poke(&s, 0x4200, "init", 4);
    OP(&s, GB_SYS_GR_CREATE_PROGRAM, 0x4000, 0x4100, 2, 0x4200, 4, 0, 0x1000);
    /* the same code and salt again: DuplicateInit, no nonce used */
    OP(&s, GB_SYS_GR_CREATE_PROGRAM, 0x4000, 0x4100, 2, 0x4200, 4, 0, 0x1100);
    OP(&s, GB_SYS_GR_SEND_INIT, 0x1200);
    /* with gas (no mailbox threshold for init messages) and a delay */
    OP(&s, GB_SYS_GR_CREATE_PROGRAM_WGAS, 0x4000, 0x4102, 2, 0x4200, 2, 100, 4, 0x1300);
    /* a creation's nonce is a handle of this run, not an open one */
    OP(&s, GB_SYS_GR_SEND_PUSH, 0, 0x4200, 1, 0x1400);
    OP(&s, GB_SYS_GR_VALUE_AVAILABLE, 0x1500);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    gb_id m0 = gb_message_id_outgoing(d.id, 0), m2 = gb_message_id_outgoing(d.id, 2);
    gb_id p1 = gb_program_id_from_program(d.id, code, "s1", 2);
    gb_id p2 = gb_program_id_from_program(d.id, code, "s2", 2);
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    GB_EXPECT(!memcmp(mem(&j, 0x1004), m0.b, 32));
    GB_EXPECT(!memcmp(mem(&j, 0x1024), p1.b, 32));
    EXPECT_ERR_STRUCT(&j, 0x1100, GB_EXT_DUPLICATE_INIT, NULL, 64);
    GB_EXPECT_U64(0, mem32(&j, 0x1200));
    GB_EXPECT_U64(1, mem32(&j, 0x1204)); /* nonce 1 */
    GB_EXPECT_U64(0, mem32(&j, 0x1300));
    GB_EXPECT(!memcmp(mem(&j, 0x1304), m2.b, 32));
    GB_EXPECT(!memcmp(mem(&j, 0x1324), p2.b, 32));
    GB_EXPECT_U64(GB_EXT_LATE_ACCESS, mem32(&j, 0x1400));
    /* each creation paid the existential deposit of the new program */
    GB_EXPECT_U64(3 * ED, le64(mem(&j, 0x1500)));
    GB_EXPECT_U64(2, j.ncreates);
    if (j.ncreates == 2) {
        gb_create_req *c = &j.creates[0];
        GB_EXPECT(gb_id_eq(code, c->code_id));
        GB_EXPECT(gb_id_eq(p1, c->program_id));
        GB_EXPECT(gb_id_eq(m0, c->init.id));
        GB_EXPECT(gb_id_eq(p1, c->init.destination));
        GB_EXPECT(c->init.payload_len == 4 && !memcmp(c->init.payload, "init", 4));
        GB_EXPECT(!c->init.has_gas_limit);
        GB_EXPECT_U64(0, c->init.delay);
        c = &j.creates[1];
        GB_EXPECT(gb_id_eq(p2, c->program_id));
        GB_EXPECT(gb_id_eq(m2, c->init.id));
        GB_EXPECT(c->init.has_gas_limit);
        GB_EXPECT_U64(100, c->init.gas_limit);
        GB_EXPECT_U64(4, c->init.delay);
        GB_EXPECT_U64(2, c->init.payload_len);
    }
    GB_EXPECT_U64(0, j.nmsgs);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_value(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    e.v.balance = gb_u128_from(ED + ED / 2);
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0x77), 0, 0);
    poke_hash_value(&s, 0x4040, id_of(0x78), ED / 4, 0);
    poke(&s, 0x4100, "abc", 3);
    OP(&s, GB_SYS_GR_CREATE_PROGRAM, 0x4000, 0x4100, 1, 0x4200, 0, 0, 0x1000);
    /* ED/2 left: value ED/4 + ED does not fit */
    OP(&s, GB_SYS_GR_CREATE_PROGRAM, 0x4040, 0x4101, 1, 0x4200, 0, 0, 0x1100);
    /* nor a plain creation, which needs ED */
    OP(&s, GB_SYS_GR_CREATE_PROGRAM, 0x4000, 0x4102, 1, 0x4200, 0, 0, 0x1200);
    OP(&s, GB_SYS_GR_VALUE_AVAILABLE, 0x1300);
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    EXPECT_ERR_STRUCT(&j, 0x1100, GB_EXT_NOT_ENOUGH_VALUE, NULL, 64);
    EXPECT_ERR_STRUCT(&j, 0x1200, 101, NULL, 64);
    GB_EXPECT_U64(ED / 2, le64(mem(&j, 0x1300)));
    GB_EXPECT_U64(1, j.ncreates);
    gb_journal_free(&j);

    /* gas beyond what is left, a wild code id, a salt over 8 MiB */
    e.v.balance = gb_u128_from(10 * ED);
    s.n = 0;
    poke_hash_value(&s, 0x4000, id_of(0x77), 0, 0);
    OP(&s, GB_SYS_GR_CREATE_PROGRAM_WGAS, 0x4000, 0x4100, 1, 0x4200, 0, 1ull << 50, 0, 0x1000);
    OP(&s, GB_SYS_GR_CREATE_PROGRAM, 0xFFFFFFF0u, 0x4100, 1, 0x4200, 0, 0, 0x1100);
    OP(&s, GB_SYS_GR_CREATE_PROGRAM, 0x4000, 0x4100, (8u << 20) + 1, 0x4200, 0, 0, 0x1200);
    j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, 0x1000, GB_EXT_NOT_ENOUGH_GAS, NULL, 64);
    EXPECT_ERR_STRUCT(&j, 0x1100, GB_EXT_ACCESS_OUT_OF_BOUNDS, NULL, 64);
    EXPECT_ERR_STRUCT(&j, 0x1200, GB_EXT_MAX_MESSAGE_SIZE_EXCEED, NULL, 64);
    GB_EXPECT_U64(0, j.ncreates);
    gb_journal_free(&j);
    env_free(&e);
}

/* Creations and sends share the per-run message limit. */
static void test_limit(void)
{
    gb_process_cfg cfg;
    gb_process_cfg_default(&cfg);
    cfg.max_outgoing = 2;
    sysenv e;
    GB_EXPECT(env_init(&e, &cfg));
    e.v.balance = gb_u128_from(10 * ED);
    script s = {0};
    poke_hash_value(&s, 0x4000, id_of(0x77), 0, 0);
    poke(&s, 0x4100, "abc", 3);
    OP(&s, GB_SYS_GR_SEND_INIT, 0x1000);
    OP(&s, GB_SYS_GR_CREATE_PROGRAM, 0x4000, 0x4100, 1, 0x4200, 0, 0, 0x1100);
    OP(&s, GB_SYS_GR_CREATE_PROGRAM, 0x4000, 0x4101, 1, 0x4200, 0, 0, 0x1200);
    gb_journal j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(0, mem32(&j, 0x1100));
    EXPECT_ERR_STRUCT(&j, 0x1200, GB_EXT_OUTGOING_MESSAGES_AMOUNT_LIMIT_EXCEEDED, NULL, 64);
    GB_EXPECT_U64(1, j.ncreates);
    gb_journal_free(&j);
    env_free(&e);
}

int main(void)
{
    GB_RUN(test_vectors);
    GB_RUN(test_create);
    GB_RUN(test_value);
    GB_RUN(test_limit);
    return gb_test_summary();
}
