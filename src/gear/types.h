/*
 * Gear's plain types: what the layers above the processor (state, chain,
 * node) share with it without depending on the WebAssembly engine.
 *
 *   gb_id          an ActorId, MessageId, CodeId or ReservationId
 *                  (32 bytes; derived by gear/ids.h)
 *   page sizes     Gear's 16 KiB page and the 64 KiB wasm page
 *   gb_dispatch    a message as delivered and as stored in the queue,
 *                  the waitlist and the stash (state/tables.h)
 *
 * This header includes nothing from gearbox but util/u128.h: it is the
 * only Gear header src/state includes.  Functions on these types live in
 * their modules (gear/ids.h, gear/process.h).
 */
#ifndef GB_GEAR_TYPES_H
#define GB_GEAR_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "util/u128.h"

/* ---- ids ----------------------------------------------------------------- */

#define GB_ID_LEN 32

/* An ActorId, MessageId, CodeId or ReservationId: 32 plain bytes, as in
 * Gear's gprimitives; the names of parameters say which kind is meant.
 * Passed and returned by value. */
typedef struct gb_id {
    uint8_t b[GB_ID_LEN];
} gb_id;

/* ---- pages (protocol/core/src/pages.rs) --------------------------------- */

#define GB_WASM_PAGE_SIZE 65536u /* a WebAssembly memory page */
#define GB_GEAR_PAGE_SIZE 16384u /* the unit Gear stores and charges for */
#define GB_GEAR_PAGES_PER_WASM_PAGE (GB_WASM_PAGE_SIZE / GB_GEAR_PAGE_SIZE)

/* ---- dispatches ------------------------------------------------------------ */

typedef enum gb_dispatch_kind {
    GB_DISPATCH_INIT,
    GB_DISPATCH_HANDLE,
    GB_DISPATCH_REPLY,
    GB_DISPATCH_SIGNAL,
    GB_DISPATCH_STATE, /* a read-only query: runs the `state` export; the
                          caller keeps only its reply (gear_readState) */
} gb_dispatch_kind;

/* State a message keeps across gr_wait and wake-ups (Gear's ContextStore). */
typedef struct gb_msg_context {
    uint32_t outgoing_nonce; /* next send handle / create nonce */
    bool replied;            /* a reply was already sent */
    uint64_t reservation_nonce; /* next gr_reserve_gas nonce: the
                                   reservation id is reservation(message
                                   id, nonce) (Gear's GasReserver) */
    uint64_t system_reservation; /* gas gr_system_reserve_gas set aside
                                    for handle_signal, all runs so far */
} gb_msg_context;

/* The message being delivered (gb_process: borrowed for the call) or
 * stored (state/tables.h: its payload borrowed from the store). */
typedef struct gb_dispatch {
    gb_dispatch_kind kind;
    gb_id id;
    gb_id source;
    gb_id destination;
    const uint8_t *payload;
    uint32_t payload_len;
    gb_u128 value;
    uint64_t gas_limit;
    gb_id reply_to;            /* REPLY: the message replied to */
    uint8_t reply_code[4];     /* REPLY */
    gb_id signal_from;         /* SIGNAL */
    uint32_t signal_code;      /* SIGNAL */
    gb_msg_context ctx;        /* zero for a first delivery */
} gb_dispatch;

#endif
