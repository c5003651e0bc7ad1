/*
 * Gear identifiers: how code, program (actor), message and reservation ids
 * are derived.  Exactly as gear-tech/gear protocol/core/src/ids.rs
 * (GEAR-ABI.md §8): each id is BLAKE2b-256 of a domain-separating ASCII
 * salt followed by its inputs, integers in little-endian.  These bytes are
 * consensus: a program that computes an id in wasm and the node that
 * assigns it must agree.
 *
 *   CodeId                  H(code)
 *   ActorId, from user      H("program_from_user" | code_id | salt)
 *   ActorId, from program   H("program_from_wasm" | message_id | code_id | salt)
 *   MessageId, external     H("external" | block u32 | user_id | nonce u128)
 *   MessageId, outgoing     H("outgoing" | message_id | local_nonce u32)
 *   MessageId, reply        H("reply" | replied_to)
 *   MessageId, signal       H("signal" | origin)
 *   ReservationId           H("reservation" | message_id | nonce u64)
 *   ActorId::SYSTEM         the 32 ASCII bytes "geargear...gear"
 *
 * One type, gb_id (gear/types.h), serves all four kinds of id, as in
 * Gear's gprimitives (all are 32 plain bytes); the names of parameters say
 * which kind is meant.  Ids are passed and returned by value.  None of these functions can fail.
 */
#ifndef GB_GEAR_IDS_H
#define GB_GEAR_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gear/types.h" /* gb_id */
#include "gearbox/err.h"

/* CodeId of the original (uninstrumented) wasm bytes; code may be NULL
 * when len is 0. */
gb_id gb_code_id(const void *code, size_t len);

/* ActorId of a program uploaded or created by a user extrinsic
 * (ActorId::generate_from_user).  salt may be NULL when salt_len is 0. */
gb_id gb_program_id_from_user(gb_id code_id, const void *salt,
                              size_t salt_len);

/* ActorId of a program created by a program (gr_create_program*;
 * ActorId::generate_from_program).  creator_message_id is the id of the
 * message being executed when the syscall is made. */
gb_id gb_program_id_from_program(gb_id creator_message_id, gb_id code_id,
                                 const void *salt, size_t salt_len);

/* MessageId of a message sent by a user (MessageId::generate_from_user).
 * Gear's nonce is a u128; here it is nonce_hi * 2^64 + nonce_lo, hashed as
 * 16 bytes little-endian (nonce_lo first).  Vara passes its messenger's
 * "sent" counter, so nonce_hi is 0 in practice. */
gb_id gb_message_id_external(uint32_t block_number, gb_id user_id,
                             uint64_t nonce_lo, uint64_t nonce_hi);

/* MessageId of the message a program sends (gr_send*, and the init message
 * of gr_create_program*): local_nonce counts from 0 per executing message
 * (MessageId::generate_outgoing). */
gb_id gb_message_id_outgoing(gb_id current_message_id, uint32_t local_nonce);

/* MessageId of the reply (manual, auto or error) to replied_to. */
gb_id gb_message_id_reply(gb_id replied_to);

/* MessageId of the signal caused by message origin. */
gb_id gb_message_id_signal(gb_id origin);

/* ReservationId of the nonce-th reservation made while executing
 * message_id (ReservationId::generate). */
gb_id gb_reservation_id(gb_id message_id, uint64_t nonce);

/* ActorId::SYSTEM, b"geargeargeargeargeargeargeargear": no message may be
 * sent to it. */
gb_id gb_actor_id_system(void);
bool gb_actor_id_is_system(gb_id id);

/* (inline: the chain compares ids for every message) */
static inline bool gb_id_eq(gb_id a, gb_id b)
{
    return memcmp(a.b, b.b, GB_ID_LEN) == 0;
}

static inline bool gb_id_is_zero(gb_id id)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < GB_ID_LEN; i++)
        acc |= id.b[i];
    return acc == 0;
}

/* "0x" and 64 lowercase hex digits into out (67 chars with the NUL). */
void gb_id_to_hex(gb_id id, char out[67]);
/* Parses exactly 32 bytes of hex, "0x" optional.  GB_INVAL if the text is
 * not hex or is not 64 digits long; *out is written only on success. */
gb_err gb_id_from_hex(const char *hex, gb_id *out);

#endif
