/*
 * Identifier derivation (see ids.h).  Each function hashes the pieces in
 * order, like Gear's hash_of_array: the hash of the concatenation, with no
 * length prefixes, so the salts' lengths are what separates the domains.
 */
#include "gear/ids.h"

#include <string.h>

#include "util/hash.h"
#include "util/hex.h"

static const char SYSTEM_ID[GB_ID_LEN + 1] = "geargeargeargeargeargeargeargear";

static void put_u32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Starts a hash with an ASCII salt (without its NUL). */
#define SALTED_INIT_(st, salt) \
    (gb_blake2b_init(st), gb_blake2b_update((st), (salt), sizeof(salt) - 1))

static gb_id finish(gb_blake2b_state *st)
{
    gb_id id;
    gb_blake2b_final(st, id.b);
    return id;
}

gb_id gb_code_id(const void *code, size_t len)
{
    gb_id id;
    gb_blake2b256(code, len, id.b);
    return id;
}

gb_id gb_program_id_from_user(gb_id code_id, const void *salt,
                              size_t salt_len)
{
    gb_blake2b_state st;
    SALTED_INIT_(&st, "program_from_user");
    gb_blake2b_update(&st, code_id.b, GB_ID_LEN);
    gb_blake2b_update(&st, salt, salt_len);
    return finish(&st);
}

gb_id gb_program_id_from_program(gb_id creator_message_id, gb_id code_id,
                                 const void *salt, size_t salt_len)
{
    gb_blake2b_state st;
    SALTED_INIT_(&st, "program_from_wasm");
    gb_blake2b_update(&st, creator_message_id.b, GB_ID_LEN);
    gb_blake2b_update(&st, code_id.b, GB_ID_LEN);
    gb_blake2b_update(&st, salt, salt_len);
    return finish(&st);
}

gb_id gb_message_id_external(uint32_t block_number, gb_id user_id,
                             uint64_t nonce_lo, uint64_t nonce_hi)
{
    uint8_t bn[4], nonce[16];
    put_u32le(bn, block_number);
    put_u64le(nonce, nonce_lo);
    put_u64le(nonce + 8, nonce_hi);

    gb_blake2b_state st;
    SALTED_INIT_(&st, "external");
    gb_blake2b_update(&st, bn, sizeof bn);
    gb_blake2b_update(&st, user_id.b, GB_ID_LEN);
    gb_blake2b_update(&st, nonce, sizeof nonce);
    return finish(&st);
}

/* The hashes of a message's id are short (one BLAKE2b block): the input
 * is put together on the stack and hashed in one call, which costs about
 * a third less than init, updates and final. */
gb_id gb_message_id_outgoing(gb_id current_message_id, uint32_t local_nonce)
{
    uint8_t in[sizeof "outgoing" - 1 + GB_ID_LEN + 4];
    memcpy(in, "outgoing", sizeof "outgoing" - 1);
    memcpy(in + sizeof "outgoing" - 1, current_message_id.b, GB_ID_LEN);
    put_u32le(in + sizeof "outgoing" - 1 + GB_ID_LEN, local_nonce);
    gb_id id;
    gb_blake2b256(in, sizeof in, id.b);
    return id;
}

gb_id gb_message_id_reply(gb_id replied_to)
{
    uint8_t in[sizeof "reply" - 1 + GB_ID_LEN];
    memcpy(in, "reply", sizeof "reply" - 1);
    memcpy(in + sizeof "reply" - 1, replied_to.b, GB_ID_LEN);
    gb_id id;
    gb_blake2b256(in, sizeof in, id.b);
    return id;
}

gb_id gb_message_id_signal(gb_id origin)
{
    gb_blake2b_state st;
    SALTED_INIT_(&st, "signal");
    gb_blake2b_update(&st, origin.b, GB_ID_LEN);
    return finish(&st);
}

gb_id gb_reservation_id(gb_id message_id, uint64_t nonce)
{
    uint8_t n[8];
    put_u64le(n, nonce);

    gb_blake2b_state st;
    SALTED_INIT_(&st, "reservation");
    gb_blake2b_update(&st, message_id.b, GB_ID_LEN);
    gb_blake2b_update(&st, n, sizeof n);
    return finish(&st);
}

gb_id gb_actor_id_system(void)
{
    gb_id id;
    memcpy(id.b, SYSTEM_ID, GB_ID_LEN);
    return id;
}

bool gb_actor_id_is_system(gb_id id)
{
    return memcmp(id.b, SYSTEM_ID, GB_ID_LEN) == 0;
}

void gb_id_to_hex(gb_id id, char out[67])
{
    out[0] = '0';
    out[1] = 'x';
    gb_hex_encode(id.b, GB_ID_LEN, out + 2);
}

gb_err gb_id_from_hex(const char *hex, gb_id *out)
{
    gb_id id;
    size_t n = 0;
    gb_err e = gb_hex_decode(hex, id.b, GB_ID_LEN, &n);
    if (e == GB_LIMIT || (e == GB_OK && n != GB_ID_LEN))
        return GB_INVAL;
    if (e != GB_OK)
        return e;
    *out = id;
    return GB_OK;
}
