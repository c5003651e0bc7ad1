/*
 * Gear identifier derivation against the vectors of GEAR-ABI.md §8:
 * gear-js's GenerateId test (program id from code id and salt "1234"), and
 * the vectors computed with Python's hashlib independently of Gear's code,
 * all starting from M = external(block 1, user 0xaa x 32, nonce 0).
 * (The code id of program-factory's child_contract.wasm is not checked:
 * the file is not in this repository.)
 */
#include "test.h"

#include "gear/ids.h"

#include "gearbox/err.h"

#define CHILD_CODE_HASH \
    "46f0c3cc76e23cf7a9c7ae134eb7b677325d0efba25543fdfd28021c276929ea"
#define M_HEX "ddcf2c88c67876c0dd01fc21f12eb715280ae93ac8b5323fab9fe5c6ee657e95"

static gb_id id_of(const char *hex)
{
    gb_id id = {{0}};
    gb_err e = gb_id_from_hex(hex, &id);
    if (e != GB_OK)
        fprintf(stderr, "bad vector %s\n", hex);
    return id;
}

#define EXPECT_ID(want_hex, got)                                            \
    do {                                                                    \
        char g_[67];                                                        \
        gb_id_to_hex((got), g_);                                            \
        GB_EXPECT_STR_CONTAINS(g_, (want_hex));                             \
    } while (0)

static gb_id message_m(void)
{
    gb_id user;
    memset(user.b, 0xaa, sizeof user.b);
    return gb_message_id_external(1, user, 0, 0);
}

static void test_external_message_id(void)
{
    EXPECT_ID(M_HEX, message_m());
    GB_EXPECT(gb_id_eq(id_of(M_HEX), message_m()));

    /* Each integer little-endian, nonce low half first (Python hashlib:
     * b"external" + (0x01020304).to_bytes(4,"little") + bytes(range(32))
     * + (hi << 64 | lo).to_bytes(16,"little")). */
    gb_id user;
    for (int i = 0; i < 32; i++)
        user.b[i] = (uint8_t)i;
    EXPECT_ID("c8dfce4c258f61effde0ccfc04d8c3223f9f2a2c06d633a9d0d2ced1143755bf",
              gb_message_id_external(0x01020304, user, 0x0123456789abcdefULL,
                                     0xfedcba9876543210ULL));
}

static void test_outgoing_message_ids(void)
{
    gb_id m = message_m();
    EXPECT_ID("4e6350e478e1086cb25ee96a1bc4c54c7bba957f724328be4bfd90ffdb5c3faf",
              gb_message_id_outgoing(m, 0));
    EXPECT_ID("46166bccef5de30a4ce918a675179d88a9fd29634340df5361dd2ef135cbc08c",
              gb_message_id_outgoing(m, 1));
    /* Python hashlib, nonce 0xdeadbeef as 4 bytes LE. */
    EXPECT_ID("de82330e334ef26b9e3b7277eb6efb491463b65f21be7fc382078e6518f6fa62",
              gb_message_id_outgoing(m, 0xdeadbeefu));
}

static void test_reply_and_signal_ids(void)
{
    gb_id m = message_m();
    EXPECT_ID("b1520268666d77be7aee4bd5ab5fc08048c78bad277582c386c1e09cbff464ce",
              gb_message_id_reply(m));
    EXPECT_ID("be1fba6998b8bc5c7d67f0e4d251f76edab5906707f8c411a66b2f2b9848839c",
              gb_message_id_signal(m));
}

static void test_program_ids(void)
{
    gb_id m = message_m();
    gb_id child = id_of(CHILD_CODE_HASH);

    /* program-factory: calculate_program_id(CHILD_CODE_HASH,
     * &0i32.to_le_bytes(), Some(msg_id)). */
    static const uint8_t salt0[4] = {0, 0, 0, 0};
    EXPECT_ID("328a92355c2a455f53d8458e76b150024fffc4eba36f05552e1975bef094b3aa",
              gb_program_id_from_program(m, child, salt0, sizeof salt0));

    EXPECT_ID("23c3f3263621aa7214e732011be07322f6187eaaba6b58e7c3fe1445d912972e",
              gb_program_id_from_user(child, "salt", 4));

    /* gear-js apis/gear/test/GenerateId.test.ts: generateProgramId(
     * demo_ping.opt.wasm, '1234'). */
    gb_id ping = id_of(
        "0x4b701fedb61456cd75df8ae6348f73aa9f529f2363f9ce76398f14aba15f01d6");
    EXPECT_ID("0x86220eab422209d36e01f443a98564d2c3149e845713e4924e15d55d3b4acd78",
              gb_program_id_from_user(ping, "1234", 4));

    /* The two rules are domain-separated. */
    GB_EXPECT(!gb_id_eq(gb_program_id_from_user(child, NULL, 0),
                        gb_program_id_from_program(m, child, NULL, 0)));
}

static void test_reservation_ids(void)
{
    gb_id m = message_m();
    EXPECT_ID("3a36a943dc0a85a5d5aa03f9a4b17155b06bc562f8aec3d6d9029c234bafade3",
              gb_reservation_id(m, 0));
    /* Python hashlib, nonce 0x0102030405060708 as 8 bytes LE. */
    EXPECT_ID("4da1dd327615c522cae1e6d385a668839e7f727a9591a0e2be82d3e7f89b2130",
              gb_reservation_id(m, 0x0102030405060708ULL));
}

static void test_code_id(void)
{
    /* CodeId is the plain hash of the bytes. */
    EXPECT_ID("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
              gb_code_id("abc", 3));
    EXPECT_ID("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
              gb_code_id(NULL, 0));
}

static void test_system_id(void)
{
    gb_id s = gb_actor_id_system();
    GB_EXPECT(memcmp(s.b, "geargeargeargeargeargeargeargear", 32) == 0);
    GB_EXPECT(gb_actor_id_is_system(s));
    GB_EXPECT(!gb_actor_id_is_system(message_m()));
    EXPECT_ID("0x6765617267656172676561726765617267656172676561726765617267656172",
              s);
}

static void test_id_hex(void)
{
    gb_id id, zero = {{0}};
    char buf[67];
    GB_EXPECT(gb_id_is_zero(zero));
    gb_id_to_hex(zero, buf);
    GB_EXPECT(strcmp(buf, "0x0000000000000000000000000000000000000000000000"
                          "000000000000000000") == 0);

    GB_EXPECT_ERR(GB_OK, gb_id_from_hex("0x" M_HEX, &id));
    GB_EXPECT(gb_id_eq(id, message_m()));
    GB_EXPECT(!gb_id_is_zero(id));

    id = zero;
    GB_EXPECT_ERR(GB_INVAL, gb_id_from_hex("0x1234", &id));
    GB_EXPECT_ERR(GB_INVAL, gb_id_from_hex(M_HEX "00", &id));
    GB_EXPECT_ERR(GB_INVAL, gb_id_from_hex(M_HEX "0", &id));
    GB_EXPECT_ERR(GB_INVAL, gb_id_from_hex(
        "zdcf2c88c67876c0dd01fc21f12eb715280ae93ac8b5323fab9fe5c6ee657e95", &id));
    GB_EXPECT(gb_id_is_zero(id));
}

int main(void)
{
    GB_RUN(test_external_message_id);
    GB_RUN(test_outgoing_message_ids);
    GB_RUN(test_reply_and_signal_ids);
    GB_RUN(test_program_ids);
    GB_RUN(test_reservation_ids);
    GB_RUN(test_code_id);
    GB_RUN(test_system_id);
    GB_RUN(test_id_hex);
    return gb_test_summary();
}
