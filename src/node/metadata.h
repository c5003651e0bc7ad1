/*
 * The runtime metadata of the node's Vara face: what a Substrate client
 * (polkadot.js, @gear-js/api) downloads at connect time to learn the
 * chain's types, pallets, calls, events, errors, storage items, constants
 * and transaction format.  It lives in src/node/ because it is part of the
 * node's Vara-shaped interface (DESIGN.md, layer node/): the chain itself
 * neither reads nor needs it.
 *
 * gearbox does not run a Substrate runtime, so the metadata is generated
 * from a declarative description in metadata.c (static tables of types
 * and pallets) whose indices and byte layouts follow the Vara runtime
 * (gear-tech/gear, vara/runtime/vara and vara/pallets; the facts are
 * gathered in shared/GEAR-RPC.md §2, §3 and §6).  It covers what the
 * clients use: System, Timestamp, Babe (constants), Balances,
 * TransactionPayment, Utility, GearProgram, GearMessenger, GearScheduler,
 * GearGas, Gear and GearBank, with Vara's pallet, call, event and error
 * indices; the extrinsic format (version 4, MultiAddress, MultiSignature,
 * Vara's signed extensions in order).  Docs fields are empty.
 *
 * The output is SCALE (util/scale.h), RuntimeMetadataPrefixed: the magic
 * "meta" (6d 65 74 61), the version byte, then RuntimeMetadataV14 or V15
 * as frame-metadata defines them.
 *
 * Nothing here keeps state: each call builds its bytes anew from the
 * constant tables (a few tens of KiB, well under a millisecond).
 */
#ifndef GB_NODE_METADATA_H
#define GB_NODE_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "gearbox/err.h"

/* The metadata versions offered, ascending (Metadata_metadata_versions):
 * 14 and 15. */
#define GB_METADATA_VERSION_MIN 14u
#define GB_METADATA_VERSION_MAX 15u

/*
 * RuntimeMetadataPrefixed of the given version (14 or 15): *out malloc'd
 * (the caller frees), *out_len its length.
 * Errors: GB_UNSUPPORTED for another version (nothing written); GB_NOMEM.
 */
gb_err gb_metadata_encode(uint32_t version, uint8_t **out, size_t *out_len);

/*
 * What the runtime API call Metadata_metadata_at_version returns: SCALE
 * Option<OpaqueMetadata>, i.e. 0x01 ‖ compact(len) ‖ the metadata of
 * gb_metadata_encode, or the single byte 0x00 (None) for a version not
 * offered.  *out malloc'd (the caller frees).  Errors: GB_NOMEM.
 */
gb_err gb_metadata_at_version(uint32_t version, uint8_t **out,
                              size_t *out_len);

/*
 * What Metadata_metadata_versions returns: SCALE Vec<u32> of the versions
 * offered ([14, 15]).  *out malloc'd (the caller frees).  Errors: GB_NOMEM.
 */
gb_err gb_metadata_versions(uint8_t **out, size_t *out_len);

/* A runtime API the node claims, with its version: the `apis` list of
 * state_getRuntimeVersion, where each name is sent as blake2_64(name). */
typedef struct gb_runtime_api {
    const char *name;
    uint32_t version;
} gb_runtime_api;

/* The runtime version (state_getRuntimeVersion), Vara's apart from the
 * names. */
typedef struct gb_runtime_version {
    const char *spec_name;      /* "vara" */
    const char *impl_name;      /* "gearbox" */
    uint32_t authoring_version;
    uint32_t spec_version;      /* Vara's spec version it follows */
    uint32_t impl_version;
    uint32_t transaction_version;
    uint8_t state_version;
    const gb_runtime_api *apis; /* in Vara's order */
    size_t n_apis;
} gb_runtime_version;

/* The node's runtime version: constant data (static storage, never
 * NULL). */
const gb_runtime_version *gb_metadata_runtime_version(void);

#endif
