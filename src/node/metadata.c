/*
 * The runtime metadata (metadata.h), generated from two declarative
 * tables: the types (a portable type registry in the shape of scale-info)
 * and the pallets (storage, calls, events, constants, errors), plus the
 * signed extensions.  Everything the clients check is written once here;
 * the generator only walks the tables and writes SCALE.
 *
 * Types are named by an enum (T_*); a type's id in the registry is its
 * enum value minus one (T_NONE_, 0, means "no type": a pallet without
 * calls, a type parameter without a type).  Every declared type goes into
 * the registry, in enum order, whether or not anything refers to it.
 *
 * Three types are not written out in the table but derived: the era
 * (Immortal and Mortal1..Mortal255, each with a u8: 256 variants), and the
 * runtime's outer enums RuntimeCall, RuntimeEvent and RuntimeError, whose
 * variants are the pallets that have calls, events or errors, at the
 * pallet's index, each carrying the pallet's own enum.
 *
 * Layouts and indices follow the Vara runtime (gear-tech/gear v1.9 to
 * v2.0: the same for everything below) and polkadot-sdk stable2409, which
 * it uses; type paths are the Rust paths, because polkadot.js names types
 * after them and recognises a few (Option, Result, BTreeMap, BTreeSet,
 * MultiAddress, MultiSignature, UncheckedExtrinsic, EventRecord, Era) by
 * path and type parameters.  Only what the clients use is described: the
 * pallets' other items are left out, never given other indices.
 *
 * The metadata layout (frame-metadata):
 *   RuntimeMetadataPrefixed = u32 0x6174656d ("meta") ‖ u8 version ‖ body
 *   V14 body = types ‖ Vec<PalletV14> ‖ ExtrinsicV14 ‖ runtime type
 *   V15 body = types ‖ Vec<PalletV15> ‖ ExtrinsicV15 ‖ runtime type ‖
 *              Vec<RuntimeApi> ‖ OuterEnums ‖ CustomMetadata
 *   types = Vec<{Compact id, Type}>, Type = path Vec<String> ‖
 *     params Vec<{String, Option<Compact ty>}> ‖ TypeDef ‖ docs
 *   TypeDef = Composite 0 (Vec<Field>) | Variant 1 (Vec<Variant>) |
 *     Sequence 2 (ty) | Array 3 (u32 len, ty) | Tuple 4 (Vec<ty>) |
 *     Primitive 5 (u8) | Compact 6 (ty)
 *   Field = Option<String> name ‖ ty ‖ Option<String> type name ‖ docs
 *   Variant = String name ‖ Vec<Field> ‖ u8 index ‖ docs
 *   PalletV14 = name ‖ Option<{prefix, Vec<Entry>}> ‖ Option<calls ty> ‖
 *     Option<event ty> ‖ Vec<{name, ty, Bytes value, docs}> ‖
 *     Option<error ty> ‖ u8 index            (V15: ‖ docs)
 *   Entry = name ‖ u8 modifier (Optional 0, Default 1) ‖
 *     (Plain 0 ty | Map 1 Vec<u8 hasher> key value) ‖ Bytes default ‖ docs
 *   ExtrinsicV14 = ty ‖ u8 version ‖ Vec<{identifier, ty, additional ty}>
 *   ExtrinsicV15 = u8 version ‖ address ty ‖ call ty ‖ signature ty ‖
 *     extra ty ‖ the same signed extensions
 *   RuntimeApi = name ‖ Vec<{name, Vec<{name, ty}> inputs, output ty,
 *     docs}> ‖ docs;  OuterEnums = call ty ‖ event ty ‖ error ty;
 *   CustomMetadata = BTreeMap<String, {ty, Bytes}> (empty here)
 * where docs are Vec<String> (always empty: 0x00) and ty is Compact<u32>.
 */
#include "node/metadata.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"
#include "util/scale.h"

/* ---- the type table ---------------------------------------------------- */

/* The tables leave out what is zero (a variant's fields when it has none,
 * a type's parameters), as designated initializers allow: -Wextra's
 * complaint about it would bury real warnings. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

enum {
    T_NONE_ = 0,
    /* primitives and plain shapes */
    T_BOOL, T_U8, T_U16, T_U32, T_U64, T_U128, T_STR,
    T_UNIT, T_A4, T_A8, T_A20, T_A32, T_A64, T_A65, T_U64X2048,
    T_BYTES, T_VEC_U32, T_CU32, T_CU64, T_CU128, T_CUNIT,
    T_OPT_U32, T_OPT_U64, T_OPT_A32,
    T_ACCOUNT, T_H256, T_VEC_H256,
    /* gprimitives */
    T_ACTOR, T_MSG, T_CODE, T_RESV, T_VEC_ACTOR, T_SET_ACTOR,
    /* System */
    T_ACCOUNT_INFO, T_ACCOUNT_DATA, T_EXTRA_FLAGS,
    T_EVENT_RECORD, T_VEC_EVENT_RECORD, T_PHASE,
    T_SYS_CALL, T_SYS_EVENT, T_SYS_ERROR,
    T_DISPATCH_INFO, T_WEIGHT, T_DISPATCH_CLASS, T_PAYS,
    T_DISPATCH_ERROR, T_MODULE_ERROR, T_TOKEN_ERROR, T_ARITH_ERROR,
    T_TRANSACTIONAL_ERROR, T_RESULT_DISPATCH,
    /* Timestamp */
    T_TS_CALL,
    /* Balances, TransactionPayment */
    T_MULTIADDRESS, T_BAL_CALL, T_BAL_EVENT, T_BAL_ERROR, T_BAL_STATUS,
    T_ADJUST_DIRECTION, T_VEC_ACCOUNT, T_TP_EVENT, T_FIXED_U128,
    /* Utility */
    T_UTIL_CALL, T_UTIL_EVENT, T_UTIL_ERROR, T_VEC_CALL,
    /* Gear */
    T_GEAR_CALL, T_GEAR_EVENT, T_GEAR_ERROR, T_NONZERO_U32,
    T_MESSAGE_ENTRY, T_USER_MESSAGE, T_PAYLOAD, T_OPT_REPLY_DETAILS,
    T_REPLY_DETAILS, T_REPLY_CODE, T_SUCCESS_REASON, T_ERROR_REASON,
    T_EXEC_ERROR, T_UNAVAILABLE_ERROR,
    T_READ_REASON, T_READ_RUNTIME, T_READ_SYSTEM,
    T_STATUS_MAP, T_VEC_STATUS, T_STATUS_PAIR, T_DISPATCH_STATUS,
    T_OPT_GAS_NODE, T_GAS_NODE,
    T_WAITED_REASON, T_WAITED_RUNTIME, T_WAITED_SYSTEM,
    T_WOKEN_REASON, T_WOKEN_RUNTIME, T_WOKEN_SYSTEM,
    T_CODE_CHANGE, T_PROGRAM_CHANGE,
    /* GearProgram */
    T_PROGRAM, T_ACTIVE_PROGRAM, T_MEMORY_INFIX, T_RESV_MAP, T_VEC_RESV,
    T_RESV_PAIR, T_RESV_SLOT, T_PROGRAM_STATE, T_CODE_METADATA,
    T_SET_KIND, T_VEC_KIND, T_DISPATCH_KIND, T_PAGES_AMOUNT, T_PAGE,
    T_OPT_PAGE, T_INSTRUMENTATION, T_PAGE_KEY, T_PAGE_BUF, T_GP_ERROR,
    /* GearMessenger */
    T_MAILBOX_KEY, T_MAILBOX_VALUE, T_USER_STORED, T_INTERVAL,
    T_WAITLIST_KEY, T_WAITLIST_VALUE, T_STORED_DISPATCH, T_STORED_MESSAGE,
    T_OPT_MSG_DETAILS, T_MSG_DETAILS, T_SIGNAL_DETAILS, T_SIGNAL_CODE,
    T_OPT_CONTEXT, T_CONTEXT, T_RESV_NONCE, T_GM_ERROR,
    /* GearVoucher */
    T_VOUCHER_ID, T_VOUCHER_INFO, T_VOUCHER_KEY, T_PREPAID_CALL,
    T_OPT_SET_ACTOR, T_OPT_OPT_SET_ACTOR, T_OPT_ACCOUNT, T_OPT_U128,
    T_OPT_BOOL, T_PALLET_ID, T_GV_CALL, T_GV_EVENT, T_GV_ERROR,
    /* GearScheduler, GearGas, GearBank */
    T_GS_ERROR, T_GG_ERROR, T_GAS_MULTIPLIER, T_BANK_ACCOUNT, T_GB_ERROR,
    /* the runtime */
    T_RUNTIME_CALL, T_RUNTIME_EVENT, T_RUNTIME_ERROR, T_RUNTIME,
    /* the extrinsic */
    T_ERA, T_MULTISIG, T_UNCHECKED_EXTRINSIC, T_EXTRA,
    T_X_STAKING_BLACKLIST, T_X_NON_ZERO_SENDER, T_X_SPEC_VERSION,
    T_X_TX_VERSION, T_X_GENESIS, T_X_MORTALITY, T_X_NONCE, T_X_WEIGHT,
    T_X_PAYMENT, T_X_CHARGE, T_X_METADATA_HASH, T_X_MODE,
    /* runtime APIs (V15) */
    T_OPAQUE_METADATA, T_OPT_OPAQUE_METADATA, T_RUNTIME_DISPATCH_INFO,
    T_COUNT_
};

enum { K_PRIM, K_COMPOSITE, K_VARIANT, K_SEQ, K_ARRAY, K_TUPLE, K_COMPACT,
       K_ERA, K_OUTER };
/* scale-info's primitive indices */
enum { P_BOOL = 0, P_STR = 2, P_U8 = 3, P_U16, P_U32, P_U64, P_U128 };
/* which outer enum a K_OUTER type is */
enum { O_CALL, O_EVENT, O_ERROR };

typedef struct md_field {
    const char *name; /* NULL: unnamed */
    uint16_t ty;
} md_field;

typedef struct md_variant {
    const char *name;
    uint8_t index;
    uint8_t nf;
    const md_field *f;
} md_variant;

typedef struct md_param {
    const char *name;
    uint16_t ty; /* T_NONE_: a parameter without a type */
} md_param;

typedef struct md_type {
    uint8_t kind;
    uint8_t sub;   /* K_PRIM: the primitive; K_OUTER: O_* */
    uint16_t elem; /* K_SEQ, K_ARRAY, K_COMPACT: the element */
    uint32_t len;  /* K_ARRAY */
    const char *path; /* "a::b::C", or NULL */
    uint8_t np;
    const md_param *p;
    uint16_t n; /* fields (K_COMPOSITE), variants, tuple members */
    const md_field *f;
    const md_variant *v;
    const uint16_t *t;
} md_type;

#define COUNT_(T, ...) (sizeof((const T[]){__VA_ARGS__}) / sizeof(T))
#define LIST_(T, ...) ((const T[]){__VA_ARGS__})
/* fields of a composite */
#define F(...) .n = COUNT_(md_field, __VA_ARGS__), .f = LIST_(md_field, __VA_ARGS__)
/* variants of an enum */
#define V(...) .n = COUNT_(md_variant, __VA_ARGS__), .v = LIST_(md_variant, __VA_ARGS__)
/* fields of one variant */
#define VF(...) COUNT_(md_field, __VA_ARGS__), LIST_(md_field, __VA_ARGS__)
/* type parameters */
#define P(...) .np = COUNT_(md_param, __VA_ARGS__), .p = LIST_(md_param, __VA_ARGS__)

#define PRIM(x) {.kind = K_PRIM, .sub = (x)}
#define SEQ(e) {.kind = K_SEQ, .elem = (e)}
#define ARRAY(l, e) {.kind = K_ARRAY, .len = (l), .elem = (e)}
#define COMPACT(e) {.kind = K_COMPACT, .elem = (e)}
#define TUPLE(...)                                                          \
    {.kind = K_TUPLE, .n = COUNT_(uint16_t, __VA_ARGS__),                   \
     .t = LIST_(uint16_t, __VA_ARGS__)}
#define UNIT_TUPLE {.kind = K_TUPLE}
#define STRUCT(path_, ...) {.kind = K_COMPOSITE, .path = (path_), __VA_ARGS__}
#define ENUM(path_, ...) {.kind = K_VARIANT, .path = (path_), __VA_ARGS__}
/* a composite of one unnamed field (newtypes, ids) */
#define NEWTYPE(path_, ty_) STRUCT(path_, F({NULL, ty_}))
#define OPTION(ty_)                                                         \
    ENUM("Option", P({"T", ty_}), V({"None", 0}, {"Some", 1, VF({NULL, ty_})}))
#define BTREEMAP(k, v, vec)                                                 \
    STRUCT("BTreeMap", P({"K", k}, {"V", v}), F({NULL, vec}))
#define BTREESET(t, vec) STRUCT("BTreeSet", P({"T", t}), F({NULL, vec}))
/* gear_common::event::Reason<R, S> */
#define REASON(r, s)                                                        \
    ENUM("gear_common::event::Reason", P({"R", r}, {"S", s}),               \
         V({"Runtime", 0, VF({NULL, r})}, {"System", 1, VF({NULL, s})}))
/* an AccountId32-and-amount event variant of Balances */
#define WHO_AMOUNT(name_, i)                                                \
    {name_, i, VF({"who", T_ACCOUNT}, {"amount", T_U128})}

static const md_type types[T_COUNT_] = {
    [T_BOOL] = PRIM(P_BOOL),
    [T_U8] = PRIM(P_U8),
    [T_U16] = PRIM(P_U16),
    [T_U32] = PRIM(P_U32),
    [T_U64] = PRIM(P_U64),
    [T_U128] = PRIM(P_U128),
    [T_STR] = PRIM(P_STR),
    [T_UNIT] = UNIT_TUPLE,
    [T_A4] = ARRAY(4, T_U8),
    [T_A8] = ARRAY(8, T_U8),
    [T_A20] = ARRAY(20, T_U8),
    [T_A32] = ARRAY(32, T_U8),
    [T_A64] = ARRAY(64, T_U8),
    [T_A65] = ARRAY(65, T_U8),
    [T_U64X2048] = ARRAY(2048, T_U64),
    [T_BYTES] = SEQ(T_U8),
    [T_VEC_U32] = SEQ(T_U32),
    [T_CU32] = COMPACT(T_U32),
    [T_CU64] = COMPACT(T_U64),
    [T_CU128] = COMPACT(T_U128),
    [T_CUNIT] = COMPACT(T_UNIT),
    [T_OPT_U32] = OPTION(T_U32),
    [T_OPT_U64] = OPTION(T_U64),
    [T_OPT_A32] = OPTION(T_A32),
    [T_ACCOUNT] = NEWTYPE("sp_core::crypto::AccountId32", T_A32),
    [T_H256] = NEWTYPE("primitive_types::H256", T_A32),
    [T_VEC_H256] = SEQ(T_H256),

    [T_ACTOR] = NEWTYPE("gprimitives::ActorId", T_A32),
    [T_MSG] = NEWTYPE("gprimitives::MessageId", T_A32),
    [T_CODE] = NEWTYPE("gprimitives::CodeId", T_A32),
    [T_RESV] = NEWTYPE("gprimitives::ReservationId", T_A32),
    [T_VEC_ACTOR] = SEQ(T_ACTOR),
    [T_SET_ACTOR] = BTREESET(T_ACTOR, T_VEC_ACTOR),

    /* ---- System ---- */
    [T_ACCOUNT_INFO] = STRUCT("frame_system::AccountInfo",
        P({"Nonce", T_U32}, {"AccountData", T_ACCOUNT_DATA}),
        F({"nonce", T_U32}, {"consumers", T_U32}, {"providers", T_U32},
          {"sufficients", T_U32}, {"data", T_ACCOUNT_DATA})),
    [T_ACCOUNT_DATA] = STRUCT("pallet_balances::types::AccountData",
        P({"Balance", T_U128}),
        F({"free", T_U128}, {"reserved", T_U128}, {"frozen", T_U128},
          {"flags", T_EXTRA_FLAGS})),
    [T_EXTRA_FLAGS] = NEWTYPE("pallet_balances::types::ExtraFlags", T_U128),
    [T_EVENT_RECORD] = STRUCT("frame_system::EventRecord",
        P({"E", T_RUNTIME_EVENT}, {"T", T_H256}),
        F({"phase", T_PHASE}, {"event", T_RUNTIME_EVENT},
          {"topics", T_VEC_H256})),
    [T_VEC_EVENT_RECORD] = SEQ(T_EVENT_RECORD),
    [T_PHASE] = ENUM("frame_system::Phase",
        V({"ApplyExtrinsic", 0, VF({NULL, T_U32})}, {"Finalization", 1},
          {"Initialization", 2})),
    [T_SYS_CALL] = ENUM("frame_system::pallet::Call",
        V({"remark", 0, VF({"remark", T_BYTES})},
          {"remark_with_event", 7, VF({"remark", T_BYTES})})),
    [T_SYS_EVENT] = ENUM("frame_system::pallet::Event",
        V({"ExtrinsicSuccess", 0, VF({"dispatch_info", T_DISPATCH_INFO})},
          {"ExtrinsicFailed", 1,
           VF({"dispatch_error", T_DISPATCH_ERROR},
              {"dispatch_info", T_DISPATCH_INFO})},
          {"CodeUpdated", 2},
          {"NewAccount", 3, VF({"account", T_ACCOUNT})},
          {"KilledAccount", 4, VF({"account", T_ACCOUNT})},
          {"Remarked", 5, VF({"sender", T_ACCOUNT}, {"hash", T_H256})},
          {"UpgradeAuthorized", 6,
           VF({"code_hash", T_H256}, {"check_version", T_BOOL})})),
    [T_SYS_ERROR] = ENUM("frame_system::pallet::Error",
        V({"InvalidSpecName", 0}, {"SpecVersionNeedsToIncrease", 1},
          {"FailedToExtractRuntimeVersion", 2}, {"NonDefaultComposite", 3},
          {"NonZeroRefCount", 4}, {"CallFiltered", 5},
          {"MultiBlockMigrationsOngoing", 6}, {"NothingAuthorized", 7},
          {"Unauthorized", 8})),
    [T_DISPATCH_INFO] = STRUCT("frame_support::dispatch::DispatchInfo",
        F({"weight", T_WEIGHT}, {"class", T_DISPATCH_CLASS},
          {"pays_fee", T_PAYS})),
    [T_WEIGHT] = STRUCT("sp_weights::weight_v2::Weight",
        F({"ref_time", T_CU64}, {"proof_size", T_CU64})),
    [T_DISPATCH_CLASS] = ENUM("frame_support::dispatch::DispatchClass",
        V({"Normal", 0}, {"Operational", 1}, {"Mandatory", 2})),
    [T_PAYS] = ENUM("frame_support::dispatch::Pays", V({"Yes", 0}, {"No", 1})),
    [T_DISPATCH_ERROR] = ENUM("sp_runtime::DispatchError",
        V({"Other", 0}, {"CannotLookup", 1}, {"BadOrigin", 2},
          {"Module", 3, VF({NULL, T_MODULE_ERROR})},
          {"ConsumerRemaining", 4}, {"NoProviders", 5},
          {"TooManyConsumers", 6}, {"Token", 7, VF({NULL, T_TOKEN_ERROR})},
          {"Arithmetic", 8, VF({NULL, T_ARITH_ERROR})},
          {"Transactional", 9, VF({NULL, T_TRANSACTIONAL_ERROR})},
          {"Exhausted", 10}, {"Corruption", 11}, {"Unavailable", 12},
          {"RootNotAllowed", 13})),
    [T_MODULE_ERROR] = STRUCT("sp_runtime::ModuleError",
        F({"index", T_U8}, {"error", T_A4})),
    [T_TOKEN_ERROR] = ENUM("sp_runtime::TokenError",
        V({"FundsUnavailable", 0}, {"OnlyProvider", 1}, {"BelowMinimum", 2},
          {"CannotCreate", 3}, {"UnknownAsset", 4}, {"Frozen", 5},
          {"Unsupported", 6}, {"CannotCreateHold", 7}, {"NotExpendable", 8},
          {"Blocked", 9})),
    [T_ARITH_ERROR] = ENUM("sp_arithmetic::ArithmeticError",
        V({"Underflow", 0}, {"Overflow", 1}, {"DivisionByZero", 2})),
    [T_TRANSACTIONAL_ERROR] = ENUM("sp_runtime::TransactionalError",
        V({"LimitReached", 0}, {"NoLayer", 1})),
    [T_RESULT_DISPATCH] = ENUM("Result",
        P({"T", T_UNIT}, {"E", T_DISPATCH_ERROR}),
        V({"Ok", 0, VF({NULL, T_UNIT})},
          {"Err", 1, VF({NULL, T_DISPATCH_ERROR})})),

    /* ---- Timestamp ---- */
    [T_TS_CALL] = ENUM("pallet_timestamp::pallet::Call",
        V({"set", 0, VF({"now", T_CU64})})),

    /* ---- Balances, TransactionPayment ---- */
    [T_MULTIADDRESS] = ENUM("sp_runtime::multiaddress::MultiAddress",
        P({"AccountId", T_ACCOUNT}, {"AccountIndex", T_UNIT}),
        V({"Id", 0, VF({NULL, T_ACCOUNT})}, {"Index", 1, VF({NULL, T_CUNIT})},
          {"Raw", 2, VF({NULL, T_BYTES})}, {"Address32", 3, VF({NULL, T_A32})},
          {"Address20", 4, VF({NULL, T_A20})})),
    [T_BAL_CALL] = ENUM("pallet_balances::pallet::Call",
        V({"transfer_allow_death", 0,
           VF({"dest", T_MULTIADDRESS}, {"value", T_CU128})},
          {"force_transfer", 2,
           VF({"source", T_MULTIADDRESS}, {"dest", T_MULTIADDRESS},
              {"value", T_CU128})},
          {"transfer_keep_alive", 3,
           VF({"dest", T_MULTIADDRESS}, {"value", T_CU128})},
          {"transfer_all", 4,
           VF({"dest", T_MULTIADDRESS}, {"keep_alive", T_BOOL})},
          {"force_unreserve", 5,
           VF({"who", T_MULTIADDRESS}, {"amount", T_U128})},
          {"upgrade_accounts", 6, VF({"who", T_VEC_ACCOUNT})},
          {"force_set_balance", 8,
           VF({"who", T_MULTIADDRESS}, {"new_free", T_CU128})},
          {"force_adjust_total_issuance", 9,
           VF({"direction", T_ADJUST_DIRECTION}, {"delta", T_CU128})},
          {"burn", 10, VF({"value", T_CU128}, {"keep_alive", T_BOOL})})),
    [T_BAL_EVENT] = ENUM("pallet_balances::pallet::Event",
        V({"Endowed", 0, VF({"account", T_ACCOUNT}, {"free_balance", T_U128})},
          {"DustLost", 1, VF({"account", T_ACCOUNT}, {"amount", T_U128})},
          {"Transfer", 2,
           VF({"from", T_ACCOUNT}, {"to", T_ACCOUNT}, {"amount", T_U128})},
          {"BalanceSet", 3, VF({"who", T_ACCOUNT}, {"free", T_U128})},
          WHO_AMOUNT("Reserved", 4), WHO_AMOUNT("Unreserved", 5),
          {"ReserveRepatriated", 6,
           VF({"from", T_ACCOUNT}, {"to", T_ACCOUNT}, {"amount", T_U128},
              {"destination_status", T_BAL_STATUS})},
          WHO_AMOUNT("Deposit", 7), WHO_AMOUNT("Withdraw", 8),
          WHO_AMOUNT("Slashed", 9), WHO_AMOUNT("Minted", 10),
          WHO_AMOUNT("Burned", 11), WHO_AMOUNT("Suspended", 12),
          WHO_AMOUNT("Restored", 13), {"Upgraded", 14, VF({"who", T_ACCOUNT})},
          {"Issued", 15, VF({"amount", T_U128})},
          {"Rescinded", 16, VF({"amount", T_U128})},
          WHO_AMOUNT("Locked", 17), WHO_AMOUNT("Unlocked", 18),
          WHO_AMOUNT("Frozen", 19), WHO_AMOUNT("Thawed", 20),
          {"TotalIssuanceForced", 21, VF({"old", T_U128}, {"new", T_U128})})),
    [T_BAL_ERROR] = ENUM("pallet_balances::pallet::Error",
        V({"VestingBalance", 0}, {"LiquidityRestrictions", 1},
          {"InsufficientBalance", 2}, {"ExistentialDeposit", 3},
          {"Expendability", 4}, {"ExistingVestingSchedule", 5},
          {"DeadAccount", 6}, {"TooManyReserves", 7}, {"TooManyHolds", 8},
          {"TooManyFreezes", 9}, {"IssuanceDeactivated", 10},
          {"DeltaZero", 11})),
    [T_BAL_STATUS] = ENUM("frame_support::traits::tokens::misc::BalanceStatus",
        V({"Free", 0}, {"Reserved", 1})),
    [T_ADJUST_DIRECTION] = ENUM("pallet_balances::types::AdjustmentDirection",
        V({"Increase", 0}, {"Decrease", 1})),
    [T_VEC_ACCOUNT] = SEQ(T_ACCOUNT),
    [T_TP_EVENT] = ENUM("pallet_transaction_payment::pallet::Event",
        V({"TransactionFeePaid", 0,
           VF({"who", T_ACCOUNT}, {"actual_fee", T_U128}, {"tip", T_U128})})),
    [T_FIXED_U128] = NEWTYPE("sp_arithmetic::fixed_point::FixedU128", T_U128),

    /* ---- Utility ---- */
    [T_UTIL_CALL] = ENUM("pallet_utility::pallet::Call",
        V({"batch", 0, VF({"calls", T_VEC_CALL})},
          {"as_derivative", 1, VF({"index", T_U16}, {"call", T_RUNTIME_CALL})},
          {"batch_all", 2, VF({"calls", T_VEC_CALL})},
          {"force_batch", 4, VF({"calls", T_VEC_CALL})},
          {"with_weight", 5,
           VF({"call", T_RUNTIME_CALL}, {"weight", T_WEIGHT})})),
    [T_UTIL_EVENT] = ENUM("pallet_utility::pallet::Event",
        V({"BatchInterrupted", 0,
           VF({"index", T_U32}, {"error", T_DISPATCH_ERROR})},
          {"BatchCompleted", 1}, {"BatchCompletedWithErrors", 2},
          {"ItemCompleted", 3},
          {"ItemFailed", 4, VF({"error", T_DISPATCH_ERROR})},
          {"DispatchedAs", 5, VF({"result", T_RESULT_DISPATCH})})),
    [T_UTIL_ERROR] = ENUM("pallet_utility::pallet::Error",
        V({"TooManyCalls", 0})),
    [T_VEC_CALL] = SEQ(T_RUNTIME_CALL),

    /* ---- Gear ---- */
    [T_GEAR_CALL] = ENUM("pallet_gear::pallet::Call",
        V({"upload_code", 0, VF({"code", T_BYTES})},
          {"upload_program", 1,
           VF({"code", T_BYTES}, {"salt", T_BYTES}, {"init_payload", T_BYTES},
              {"gas_limit", T_U64}, {"value", T_U128},
              {"keep_alive", T_BOOL})},
          {"create_program", 2,
           VF({"code_id", T_CODE}, {"salt", T_BYTES},
              {"init_payload", T_BYTES}, {"gas_limit", T_U64},
              {"value", T_U128}, {"keep_alive", T_BOOL})},
          {"send_message", 3,
           VF({"destination", T_ACTOR}, {"payload", T_BYTES},
              {"gas_limit", T_U64}, {"value", T_U128},
              {"keep_alive", T_BOOL})},
          {"send_reply", 4,
           VF({"reply_to_id", T_MSG}, {"payload", T_BYTES},
              {"gas_limit", T_U64}, {"value", T_U128},
              {"keep_alive", T_BOOL})},
          {"claim_value", 5, VF({"message_id", T_MSG})},
          {"run", 6, VF({"max_gas", T_OPT_U64})},
          {"set_execute_inherent", 7, VF({"value", T_BOOL})},
          {"claim_value_to_inheritor", 8,
           VF({"program_id", T_ACTOR}, {"depth", T_NONZERO_U32})})),
    [T_GEAR_EVENT] = ENUM("pallet_gear::pallet::Event",
        V({"MessageQueued", 0,
           VF({"id", T_MSG}, {"source", T_ACCOUNT}, {"destination", T_ACTOR},
              {"entry", T_MESSAGE_ENTRY})},
          {"UserMessageSent", 1,
           VF({"message", T_USER_MESSAGE}, {"expiration", T_OPT_U32})},
          {"UserMessageRead", 2, VF({"id", T_MSG}, {"reason", T_READ_REASON})},
          {"MessagesDispatched", 3,
           VF({"total", T_U32}, {"statuses", T_STATUS_MAP},
              {"state_changes", T_SET_ACTOR})},
          {"MessageWaited", 4,
           VF({"id", T_MSG}, {"origin", T_OPT_GAS_NODE},
              {"reason", T_WAITED_REASON}, {"expiration", T_U32})},
          {"MessageWoken", 5, VF({"id", T_MSG}, {"reason", T_WOKEN_REASON})},
          {"CodeChanged", 6, VF({"id", T_CODE}, {"change", T_CODE_CHANGE})},
          {"ProgramChanged", 7,
           VF({"id", T_ACTOR}, {"change", T_PROGRAM_CHANGE})},
          {"QueueNotProcessed", 8})),
    [T_GEAR_ERROR] = ENUM("pallet_gear::pallet::Error",
        V({"MessageNotFound", 0}, {"InsufficientBalance", 1},
          {"GasLimitTooHigh", 2}, {"ProgramAlreadyExists", 3},
          {"InactiveProgram", 4}, {"NoMessageTree", 5},
          {"CodeAlreadyExists", 6}, {"CodeDoesntExist", 7},
          {"CodeTooLarge", 8}, {"ProgramConstructionFailed", 9},
          {"MessageQueueProcessingDisabled", 10},
          {"ResumePeriodLessThanMinimal", 11}, {"ProgramNotFound", 12},
          {"GearRunAlreadyInBlock", 13}, {"ProgramRentDisabled", 14},
          {"ActiveProgram", 15})),
    [T_NONZERO_U32] = NEWTYPE("NonZeroU32", T_U32),
    [T_MESSAGE_ENTRY] = ENUM("gear_common::event::MessageEntry",
        V({"Init", 0}, {"Handle", 1}, {"Reply", 2, VF({NULL, T_MSG})},
          {"Signal", 3})),
    [T_USER_MESSAGE] = STRUCT("gear_core::message::user::UserMessage",
        F({"id", T_MSG}, {"source", T_ACTOR}, {"destination", T_ACTOR},
          {"payload", T_PAYLOAD}, {"value", T_CU128},
          {"details", T_OPT_REPLY_DETAILS})),
    [T_PAYLOAD] = STRUCT("gear_core::limited::vec::LimitedVec",
        P({"T", T_U8}), F({NULL, T_BYTES})),
    [T_OPT_REPLY_DETAILS] = OPTION(T_REPLY_DETAILS),
    [T_REPLY_DETAILS] = STRUCT("gear_core::message::common::ReplyDetails",
        F({"to", T_MSG}, {"code", T_REPLY_CODE})),
    /* the 4-byte reply code of GEAR-RPC.md §6 / GEAR-ABI.md, as an enum */
    [T_REPLY_CODE] = ENUM("gear_core_errors::simple::ReplyCode",
        V({"Success", 0, VF({NULL, T_SUCCESS_REASON})},
          {"Error", 1, VF({NULL, T_ERROR_REASON})}, {"Unsupported", 255})),
    [T_SUCCESS_REASON] = ENUM("gear_core_errors::simple::SuccessReplyReason",
        V({"Auto", 0}, {"Manual", 1}, {"Unsupported", 255})),
    [T_ERROR_REASON] = ENUM("gear_core_errors::simple::ErrorReplyReason",
        V({"Execution", 0, VF({NULL, T_EXEC_ERROR})},
          {"UnavailableActor", 2, VF({NULL, T_UNAVAILABLE_ERROR})},
          {"RemovedFromWaitlist", 3}, {"Unsupported", 255})),
    [T_EXEC_ERROR] = ENUM("gear_core_errors::simple::SimpleExecutionError",
        V({"RanOutOfGas", 0}, {"MemoryOverflow", 1}, {"BackendError", 2},
          {"UserspacePanic", 3}, {"UnreachableInstruction", 4},
          {"StackLimitExceeded", 5}, {"Unsupported", 255})),
    [T_UNAVAILABLE_ERROR] =
        ENUM("gear_core_errors::simple::SimpleUnavailableActorError",
             V({"ProgramExited", 0}, {"InitializationFailure", 1},
               {"Uninitialized", 2}, {"ProgramNotCreated", 3},
               {"ReinstrumentationFailure", 4}, {"Unsupported", 255})),
    [T_READ_REASON] = REASON(T_READ_RUNTIME, T_READ_SYSTEM),
    [T_READ_RUNTIME] = ENUM("gear_common::event::UserMessageReadRuntimeReason",
        V({"MessageReplied", 0}, {"MessageClaimed", 1})),
    [T_READ_SYSTEM] = ENUM("gear_common::event::UserMessageReadSystemReason",
        V({"OutOfRent", 0})),
    [T_STATUS_MAP] = BTREEMAP(T_MSG, T_DISPATCH_STATUS, T_VEC_STATUS),
    [T_VEC_STATUS] = SEQ(T_STATUS_PAIR),
    [T_STATUS_PAIR] = TUPLE(T_MSG, T_DISPATCH_STATUS),
    [T_DISPATCH_STATUS] = ENUM("gear_common::event::DispatchStatus",
        V({"Success", 0}, {"Failed", 1}, {"NotExecuted", 2})),
    [T_OPT_GAS_NODE] = OPTION(T_GAS_NODE),
    [T_GAS_NODE] = ENUM("gear_common::gas_provider::node::GasNodeId",
        P({"T", T_MSG}, {"U", T_RESV}),
        V({"Node", 0, VF({NULL, T_MSG})},
          {"Reservation", 1, VF({NULL, T_RESV})})),
    [T_WAITED_REASON] = REASON(T_WAITED_RUNTIME, T_WAITED_SYSTEM),
    [T_WAITED_RUNTIME] = ENUM("gear_common::event::MessageWaitedRuntimeReason",
        V({"WaitCalled", 0}, {"WaitForCalled", 1}, {"WaitUpToCalled", 2},
          {"WaitUpToCalledFull", 3})),
    /* an enum without variants */
    [T_WAITED_SYSTEM] = ENUM("gear_common::event::MessageWaitedSystemReason"),
    [T_WOKEN_REASON] = REASON(T_WOKEN_RUNTIME, T_WOKEN_SYSTEM),
    [T_WOKEN_RUNTIME] = ENUM("gear_common::event::MessageWokenRuntimeReason",
        V({"WakeCalled", 0})),
    [T_WOKEN_SYSTEM] = ENUM("gear_common::event::MessageWokenSystemReason",
        V({"ProgramGotInitialized", 0}, {"TimeoutHasCome", 1},
          {"OutOfRent", 2})),
    [T_CODE_CHANGE] = ENUM("gear_common::event::CodeChangeKind",
        P({"BlockNumber", T_U32}),
        V({"Active", 0, VF({"expiration", T_OPT_U32})}, {"Inactive", 1},
          {"Reinstrumented", 2})),
    [T_PROGRAM_CHANGE] = ENUM("gear_common::event::ProgramChangeKind",
        P({"BlockNumber", T_U32}),
        V({"Active", 0, VF({"expiration", T_U32})}, {"Inactive", 1},
          {"Paused", 2}, {"Terminated", 3},
          {"ExpirationChanged", 4, VF({"expiration", T_U32})},
          {"ProgramSet", 5, VF({"expiration", T_U32})})),

    /* ---- GearProgram ---- */
    [T_PROGRAM] = ENUM("gear_core::program::Program", P({"BlockNumber", T_U32}),
        V({"Active", 0, VF({NULL, T_ACTIVE_PROGRAM})},
          {"Exited", 1, VF({NULL, T_ACTOR})},
          {"Terminated", 2, VF({NULL, T_ACTOR})})),
    [T_ACTIVE_PROGRAM] = STRUCT("gear_core::program::ActiveProgram",
        P({"BlockNumber", T_U32}),
        F({"allocations_tree_len", T_U32}, {"memory_infix", T_MEMORY_INFIX},
          {"gas_reservation_map", T_RESV_MAP}, {"code_id", T_CODE},
          {"state", T_PROGRAM_STATE}, {"expiration_block", T_U32})),
    [T_MEMORY_INFIX] = NEWTYPE("gear_core::program::MemoryInfix", T_U32),
    [T_RESV_MAP] = BTREEMAP(T_RESV, T_RESV_SLOT, T_VEC_RESV),
    [T_VEC_RESV] = SEQ(T_RESV_PAIR),
    [T_RESV_PAIR] = TUPLE(T_RESV, T_RESV_SLOT),
    [T_RESV_SLOT] = STRUCT("gear_core::reservation::GasReservationSlot",
        F({"amount", T_U64}, {"start", T_U32}, {"finish", T_U32})),
    [T_PROGRAM_STATE] = ENUM("gear_core::program::ProgramState",
        V({"Uninitialized", 0, VF({"message_id", T_MSG})},
          {"Initialized", 1})),
    [T_CODE_METADATA] = STRUCT("gear_core::code::metadata::CodeMetadata",
        F({"original_code_len", T_U32}, {"exports", T_SET_KIND},
          {"static_pages", T_PAGES_AMOUNT}, {"stack_end", T_OPT_PAGE},
          {"instrumentation_status", T_INSTRUMENTATION})),
    [T_SET_KIND] = BTREESET(T_DISPATCH_KIND, T_VEC_KIND),
    [T_VEC_KIND] = SEQ(T_DISPATCH_KIND),
    [T_DISPATCH_KIND] = ENUM("gear_core::message::DispatchKind",
        V({"Init", 0}, {"Handle", 1}, {"Reply", 2}, {"Signal", 3})),
    [T_PAGES_AMOUNT] = NEWTYPE("gear_core::pages::PagesAmount", T_U32),
    [T_PAGE] = NEWTYPE("gear_core::pages::Page", T_U32),
    [T_OPT_PAGE] = OPTION(T_PAGE),
    [T_INSTRUMENTATION] =
        ENUM("gear_core::code::metadata::InstrumentationStatus",
             V({"NotInstrumented", 0},
               {"Instrumented", 1, VF({"version", T_U32}, {"code_len", T_U32})},
               {"InstrumentationFailed", 2, VF({"version", T_U32})})),
    [T_PAGE_KEY] = TUPLE(T_ACTOR, T_MEMORY_INFIX, T_PAGE),
    [T_PAGE_BUF] = NEWTYPE("gear_core::memory::PageBuf", T_U64X2048),
    [T_GP_ERROR] = ENUM("pallet_gear_program::pallet::Error",
        V({"DuplicateItem", 0}, {"ProgramNotFound", 1},
          {"NotActiveProgram", 2}, {"CannotFindDataForPage", 3},
          {"ProgramCodeNotFound", 4})),

    /* ---- GearMessenger ---- */
    [T_MAILBOX_KEY] = TUPLE(T_ACCOUNT, T_MSG),
    [T_MAILBOX_VALUE] = TUPLE(T_USER_STORED, T_INTERVAL),
    [T_USER_STORED] = STRUCT("gear_core::message::user::UserStoredMessage",
        F({"id", T_MSG}, {"source", T_ACTOR}, {"destination", T_ACTOR},
          {"payload", T_PAYLOAD}, {"value", T_CU128})),
    [T_INTERVAL] = STRUCT("gear_common::storage::primitives::Interval",
        P({"T", T_U32}), F({"start", T_U32}, {"finish", T_U32})),
    [T_WAITLIST_KEY] = TUPLE(T_ACTOR, T_MSG),
    [T_WAITLIST_VALUE] = TUPLE(T_STORED_DISPATCH, T_INTERVAL),
    [T_STORED_DISPATCH] = STRUCT("gear_core::message::stored::StoredDispatch",
        F({"kind", T_DISPATCH_KIND}, {"message", T_STORED_MESSAGE},
          {"context", T_OPT_CONTEXT})),
    [T_STORED_MESSAGE] = STRUCT("gear_core::message::stored::StoredMessage",
        F({"id", T_MSG}, {"source", T_ACTOR}, {"destination", T_ACTOR},
          {"payload", T_PAYLOAD}, {"value", T_CU128},
          {"details", T_OPT_MSG_DETAILS})),
    [T_OPT_MSG_DETAILS] = OPTION(T_MSG_DETAILS),
    [T_MSG_DETAILS] = ENUM("gear_core::message::common::MessageDetails",
        V({"Reply", 0, VF({NULL, T_REPLY_DETAILS})},
          {"Signal", 1, VF({NULL, T_SIGNAL_DETAILS})})),
    [T_SIGNAL_DETAILS] = STRUCT("gear_core::message::common::SignalDetails",
        F({"to", T_MSG}, {"code", T_SIGNAL_CODE})),
    [T_SIGNAL_CODE] = ENUM("gear_core_errors::simple::SignalCode",
        V({"Execution", 0, VF({NULL, T_EXEC_ERROR})},
          {"RemovedFromWaitlist", 1})),
    [T_OPT_CONTEXT] = OPTION(T_CONTEXT),
    [T_CONTEXT] = STRUCT("gear_core::message::context::ContextStore",
        F({"initialized", T_SET_ACTOR}, {"reservation_nonce", T_RESV_NONCE},
          {"system_reservation", T_OPT_U64}, {"local_nonce", T_U32})),
    [T_RESV_NONCE] = NEWTYPE("gear_core::reservation::ReservationNonce", T_U64),
    [T_GM_ERROR] = ENUM("pallet_gear_messenger::pallet::Error",
        V({"QueueDuplicateKey", 0}, {"QueueElementNotFound", 1},
          {"QueueHeadShouldBeSet", 2}, {"QueueHeadShouldNotBeSet", 3},
          {"QueueTailHasNextKey", 4}, {"QueueTailParentNotFound", 5},
          {"QueueTailShouldBeSet", 6}, {"QueueTailShouldNotBeSet", 7},
          {"MailboxDuplicateKey", 8}, {"MailboxElementNotFound", 9},
          {"WaitlistDuplicateKey", 10}, {"WaitlistElementNotFound", 11})),

    /* ---- GearVoucher (vara/pallets/gear-voucher) ---- */
    [T_VOUCHER_ID] = NEWTYPE("pallet_gear_voucher::internal::VoucherId",
                             T_A32),
    [T_VOUCHER_INFO] = STRUCT("pallet_gear_voucher::internal::VoucherInfo",
        P({"AccountId", T_ACCOUNT}, {"BlockNumber", T_U32}),
        F({"owner", T_ACCOUNT}, {"programs", T_OPT_SET_ACTOR},
          {"code_uploading", T_BOOL}, {"expiry", T_U32})),
    [T_VOUCHER_KEY] = TUPLE(T_ACCOUNT, T_VOUCHER_ID),
    [T_PREPAID_CALL] = ENUM("pallet_gear_voucher::internal::PrepaidCall",
        P({"Balance", T_U128}),
        V({"SendMessage", 0,
           VF({"destination", T_ACTOR}, {"payload", T_BYTES},
              {"gas_limit", T_U64}, {"value", T_U128},
              {"keep_alive", T_BOOL})},
          {"SendReply", 1,
           VF({"reply_to_id", T_MSG}, {"payload", T_BYTES},
              {"gas_limit", T_U64}, {"value", T_U128},
              {"keep_alive", T_BOOL})},
          {"UploadCode", 2, VF({"code", T_BYTES})},
          {"DeclineVoucher", 3})),
    [T_OPT_SET_ACTOR] = OPTION(T_SET_ACTOR),
    [T_OPT_OPT_SET_ACTOR] = OPTION(T_OPT_SET_ACTOR),
    [T_OPT_ACCOUNT] = OPTION(T_ACCOUNT),
    [T_OPT_U128] = OPTION(T_U128),
    [T_OPT_BOOL] = OPTION(T_BOOL),
    [T_PALLET_ID] = NEWTYPE("frame_support::PalletId", T_A8),
    [T_GV_CALL] = ENUM("pallet_gear_voucher::pallet::Call",
        V({"issue", 0,
           VF({"spender", T_ACCOUNT}, {"balance", T_U128},
              {"programs", T_OPT_SET_ACTOR}, {"code_uploading", T_BOOL},
              {"duration", T_U32})},
          {"call", 1,
           VF({"voucher_id", T_VOUCHER_ID}, {"call", T_PREPAID_CALL})},
          {"revoke", 2,
           VF({"spender", T_ACCOUNT}, {"voucher_id", T_VOUCHER_ID})},
          {"update", 3,
           VF({"spender", T_ACCOUNT}, {"voucher_id", T_VOUCHER_ID},
              {"move_ownership", T_OPT_ACCOUNT},
              {"balance_top_up", T_OPT_U128},
              {"append_programs", T_OPT_OPT_SET_ACTOR},
              {"code_uploading", T_OPT_BOOL},
              {"prolong_duration", T_OPT_U32})},
          {"decline", 4, VF({"voucher_id", T_VOUCHER_ID})})),
    [T_GV_EVENT] = ENUM("pallet_gear_voucher::pallet::Event",
        V({"VoucherIssued", 0,
           VF({"owner", T_ACCOUNT}, {"spender", T_ACCOUNT},
              {"voucher_id", T_VOUCHER_ID})},
          {"VoucherRevoked", 1,
           VF({"spender", T_ACCOUNT}, {"voucher_id", T_VOUCHER_ID})},
          {"VoucherUpdated", 2,
           VF({"spender", T_ACCOUNT}, {"voucher_id", T_VOUCHER_ID},
              {"new_owner", T_OPT_ACCOUNT})},
          {"VoucherDeclined", 3,
           VF({"spender", T_ACCOUNT}, {"voucher_id", T_VOUCHER_ID})})),
    [T_GV_ERROR] = ENUM("pallet_gear_voucher::pallet::Error",
        V({"BadOrigin", 0}, {"BalanceTransfer", 1},
          {"InappropriateDestination", 2}, {"InexistentVoucher", 3},
          {"IrrevocableYet", 4}, {"MaxProgramsLimitExceeded", 5},
          {"UnknownDestination", 6}, {"VoucherExpired", 7},
          {"DurationOutOfBounds", 8}, {"CodeUploadingEnabled", 9},
          {"CodeUploadingDisabled", 10})),

    /* ---- GearScheduler, GearGas, GearBank ---- */
    [T_GS_ERROR] = ENUM("pallet_gear_scheduler::pallet::Error",
        V({"DuplicateTask", 0}, {"TaskNotFound", 1})),
    [T_GG_ERROR] = ENUM("pallet_gear_gas::pallet::Error",
        V({"Forbidden", 0}, {"NodeAlreadyExists", 1},
          {"InsufficientBalance", 2}, {"NodeNotFound", 3},
          {"NodeWasConsumed", 4}, {"ParentIsLost", 5},
          {"ParentHasNoChildren", 6}, {"UnexpectedConsumeOutput", 7},
          {"UnexpectedNodeType", 8}, {"ValueIsNotCaught", 9},
          {"ValueIsBlocked", 10}, {"ValueIsNotBlocked", 11},
          {"ConsumedWithLock", 12}, {"ConsumedWithSystemReservation", 13},
          {"TotalValueIsOverflowed", 14}, {"TotalValueIsUnderflowed", 15})),
    [T_GAS_MULTIPLIER] = ENUM("gear_common::GasMultiplier",
        P({"Balance", T_U128}, {"Gas", T_U64}),
        V({"ValuePerGas", 0, VF({NULL, T_U128})},
          {"GasPerValue", 1, VF({NULL, T_U64})})),
    [T_BANK_ACCOUNT] = STRUCT("pallet_gear_bank::pallet::BankAccount",
        P({"Balance", T_U128}), F({"gas", T_U128}, {"value", T_U128})),
    [T_GB_ERROR] = ENUM("pallet_gear_bank::pallet::Error",
        V({"InsufficientBalance", 0}, {"InsufficientGasBalance", 1},
          {"InsufficientValueBalance", 2}, {"InsufficientBankBalance", 3},
          {"InsufficientDeposit", 4}, {"Overflow", 5})),

    /* ---- the runtime: outer enums derived from the pallet table ---- */
    [T_RUNTIME_CALL] = {.kind = K_OUTER, .sub = O_CALL,
                        .path = "vara_runtime::RuntimeCall"},
    [T_RUNTIME_EVENT] = {.kind = K_OUTER, .sub = O_EVENT,
                         .path = "vara_runtime::RuntimeEvent"},
    [T_RUNTIME_ERROR] = {.kind = K_OUTER, .sub = O_ERROR,
                         .path = "vara_runtime::RuntimeError"},
    [T_RUNTIME] = STRUCT("vara_runtime::Runtime"),

    /* ---- the extrinsic ---- */
    [T_ERA] = {.kind = K_ERA, .path = "sp_runtime::generic::era::Era"},
    [T_MULTISIG] = ENUM("sp_runtime::MultiSignature",
        V({"Ed25519", 0, VF({NULL, T_A64})}, {"Sr25519", 1, VF({NULL, T_A64})},
          {"Ecdsa", 2, VF({NULL, T_A65})})),
    /* V14 names the extrinsic type; its parameters tell polkadot.js the
     * address, call, signature and extra types.  Encoded, an extrinsic is
     * opaque bytes. */
    [T_UNCHECKED_EXTRINSIC] =
        STRUCT("sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic",
               P({"Address", T_MULTIADDRESS}, {"Call", T_RUNTIME_CALL},
                 {"Signature", T_MULTISIG}, {"Extra", T_EXTRA}),
               F({NULL, T_BYTES})),
    [T_EXTRA] = TUPLE(T_X_STAKING_BLACKLIST, T_X_NON_ZERO_SENDER,
                      T_X_SPEC_VERSION, T_X_TX_VERSION, T_X_GENESIS,
                      T_X_MORTALITY, T_X_NONCE, T_X_WEIGHT, T_X_PAYMENT,
                      T_X_METADATA_HASH),
    [T_X_STAKING_BLACKLIST] =
        STRUCT("pallet_gear_staking_rewards::extension::StakingBlackList"),
    [T_X_NON_ZERO_SENDER] = STRUCT(
        "frame_system::extensions::check_non_zero_sender::CheckNonZeroSender"),
    [T_X_SPEC_VERSION] = STRUCT(
        "frame_system::extensions::check_spec_version::CheckSpecVersion"),
    [T_X_TX_VERSION] =
        STRUCT("frame_system::extensions::check_tx_version::CheckTxVersion"),
    [T_X_GENESIS] =
        STRUCT("frame_system::extensions::check_genesis::CheckGenesis"),
    [T_X_MORTALITY] =
        NEWTYPE("frame_system::extensions::check_mortality::CheckMortality",
                T_ERA),
    [T_X_NONCE] = NEWTYPE("vara_runtime::CustomCheckNonce", T_CU32),
    [T_X_WEIGHT] =
        STRUCT("frame_system::extensions::check_weight::CheckWeight"),
    [T_X_PAYMENT] = NEWTYPE("pallet_gear_payment::CustomChargeTransactionPayment",
                            T_X_CHARGE),
    [T_X_CHARGE] = NEWTYPE("pallet_transaction_payment::ChargeTransactionPayment",
                           T_CU128),
    [T_X_METADATA_HASH] =
        STRUCT("frame_metadata_hash_extension::CheckMetadataHash",
               F({"mode", T_X_MODE})),
    [T_X_MODE] = ENUM("frame_metadata_hash_extension::Mode",
                      V({"Disabled", 0}, {"Enabled", 1})),

    /* ---- runtime APIs ---- */
    [T_OPAQUE_METADATA] = NEWTYPE("sp_core::OpaqueMetadata", T_BYTES),
    [T_OPT_OPAQUE_METADATA] = OPTION(T_OPAQUE_METADATA),
    [T_RUNTIME_DISPATCH_INFO] =
        STRUCT("pallet_transaction_payment::types::RuntimeDispatchInfo",
               P({"Balance", T_U128}, {"Weight", T_WEIGHT}),
               F({"weight", T_WEIGHT}, {"class", T_DISPATCH_CLASS},
                 {"partial_fee", T_U128})),
};

/* ---- the pallet table -------------------------------------------------- */

/* frame-metadata's StorageHasher */
enum { H_BLAKE2_128 = 0, H_BLAKE2_256, H_BLAKE2_128_CONCAT, H_TWOX_128,
       H_TWOX_256, H_TWOX_64_CONCAT, H_IDENTITY };

typedef struct md_entry {
    const char *name;
    uint8_t is_default; /* modifier: Default (1) or Optional (0) */
    uint8_t nh;         /* hashers: 0 for a plain value */
    uint8_t h[3];
    uint16_t key, value;
    const char *dflt; /* hex of the default value ("00" for Optional) */
} md_entry;

typedef struct md_const {
    const char *name;
    uint16_t ty;
    const char *value; /* hex, SCALE */
} md_const;

typedef struct md_pallet {
    const char *name;
    uint8_t index;
    uint16_t calls, event, error; /* T_NONE_: none */
    uint8_t ns, nc;
    const md_entry *s;
    const md_const *c;
} md_pallet;

#define STORAGE(...) .ns = COUNT_(md_entry, __VA_ARGS__), .s = LIST_(md_entry, __VA_ARGS__)
#define CONSTS(...) .nc = COUNT_(md_const, __VA_ARGS__), .c = LIST_(md_const, __VA_ARGS__)
#define PLAIN(name_, dflt_is, ty_, dflt_) {name_, dflt_is, 0, {0}, 0, ty_, dflt_}
#define MAP1(name_, dflt_is, h_, key_, ty_, dflt_)                          \
    {name_, dflt_is, 1, {h_}, key_, ty_, dflt_}
#define ZEROS32 "0000000000000000000000000000000000000000000000000000000000000000"
#define ZEROS16 "00000000000000000000000000000000"

static const md_pallet pallets[] = {
    {"System", 0, T_SYS_CALL, T_SYS_EVENT, T_SYS_ERROR,
     STORAGE(
         /* AccountInfo's default: all zero but ExtraFlags' top bit (the
          * "new logic" flag of pallet_balances) */
         MAP1("Account", 1, H_BLAKE2_128_CONCAT, T_ACCOUNT, T_ACCOUNT_INFO,
              ZEROS32 ZEROS32 "00000000000000000000000000000080"),
         PLAIN("ExtrinsicCount", 0, T_U32, "00"),
         MAP1("BlockHash", 1, H_TWOX_64_CONCAT, T_U32, T_H256, ZEROS32),
         PLAIN("Number", 1, T_U32, "00000000"),
         PLAIN("ParentHash", 1, T_H256, ZEROS32),
         PLAIN("Events", 1, T_VEC_EVENT_RECORD, "00"),
         PLAIN("EventCount", 1, T_U32, "00000000")),
     CONSTS({"BlockHashCount", T_U32, "60090000"},  /* 2400 */
            {"SS58Prefix", T_U16, "8900"})},         /* 137 */
    {"Timestamp", 1, T_TS_CALL, T_NONE_, T_NONE_,
     STORAGE(PLAIN("Now", 1, T_U64, "0000000000000000"),
             PLAIN("DidUpdate", 1, T_BOOL, "00")),
     CONSTS({"MinimumPeriod", T_U64, "dc05000000000000"})}, /* 1500 ms */
    {"Babe", 3, T_NONE_, T_NONE_, T_NONE_,
     CONSTS({"EpochDuration", T_U64, "6009000000000000"},     /* 2400 */
            {"ExpectedBlockTime", T_U64, "b80b000000000000"}, /* 3000 ms */
            {"MaxAuthorities", T_U32, "a0860100"})},          /* 100000 */
    {"Balances", 5, T_BAL_CALL, T_BAL_EVENT, T_BAL_ERROR,
     STORAGE(PLAIN("TotalIssuance", 1, T_U128, ZEROS16),
             PLAIN("InactiveIssuance", 1, T_U128, ZEROS16)),
     /* 10^12 = 0xe8d4a51000 */
     CONSTS({"ExistentialDeposit", T_U128, "0010a5d4e80000000000000000000000"},
            {"MaxLocks", T_U32, "32000000"},
            {"MaxReserves", T_U32, "32000000"},
            {"MaxFreezes", T_U32, "01000000"})},
    {"TransactionPayment", 6, T_NONE_, T_TP_EVENT, T_NONE_,
     /* 1.0 as FixedU128: 10^18 */
     STORAGE(PLAIN("NextFeeMultiplier", 1, T_FIXED_U128,
                   "000064a7b3b6e00d0000000000000000")),
     CONSTS({"OperationalFeeMultiplier", T_U8, "05"})},
    {"Utility", 8, T_UTIL_CALL, T_UTIL_EVENT, T_UTIL_ERROR,
     CONSTS({"batched_calls_limit", T_U32, "aa2a0000"})}, /* 10922 */
    {"GearProgram", 100, T_NONE_, T_NONE_, T_GP_ERROR,
     STORAGE(MAP1("OriginalCodeStorage", 0, H_IDENTITY, T_CODE, T_BYTES, "00"),
             MAP1("CodeMetadataStorage", 0, H_IDENTITY, T_CODE,
                  T_CODE_METADATA, "00"),
             MAP1("ProgramStorage", 0, H_IDENTITY, T_ACTOR, T_PROGRAM, "00"),
             {"MemoryPages", 0, 3, {H_IDENTITY, H_IDENTITY, H_IDENTITY},
              T_PAGE_KEY, T_PAGE_BUF, "00"})},
    {"GearMessenger", 101, T_NONE_, T_NONE_, T_GM_ERROR,
     STORAGE(PLAIN("CounterForDispatches", 1, T_U32, "00000000"),
             PLAIN("Head", 0, T_MSG, "00"),
             {"Mailbox", 0, 2, {H_IDENTITY, H_IDENTITY}, T_MAILBOX_KEY,
              T_MAILBOX_VALUE, "00"},
             PLAIN("Tail", 0, T_MSG, "00"),
             {"Waitlist", 0, 2, {H_IDENTITY, H_IDENTITY}, T_WAITLIST_KEY,
              T_WAITLIST_VALUE, "00"})},
    {"GearScheduler", 102, T_NONE_, T_NONE_, T_GS_ERROR,
     CONSTS({"ReserveThreshold", T_U32, "01000000"},
            {"WaitlistCost", T_U64, "6400000000000000"}, /* 100 */
            {"MailboxCost", T_U64, "6400000000000000"},
            {"ReservationCost", T_U64, "6400000000000000"},
            {"DispatchHoldCost", T_U64, "6400000000000000"})},
    {"GearGas", 103, T_NONE_, T_NONE_, T_GG_ERROR,
     /* 750,000,000,000 = 0xae9f7bcc00 */
     STORAGE(PLAIN("TotalIssuance", 0, T_U64, "00"),
             PLAIN("Allowance", 1, T_U64, "00cc7b9fae000000")),
     CONSTS({"BlockGasLimit", T_U64, "00cc7b9fae000000"})},
    {"Gear", 104, T_GEAR_CALL, T_GEAR_EVENT, T_GEAR_ERROR,
     STORAGE(PLAIN("ExecuteInherent", 1, T_BOOL, "01"),
             PLAIN("BlockNumber", 1, T_U32, "00000000")),
     CONSTS({"OutgoingLimit", T_U32, "00040000"},      /* 1024 */
            {"OutgoingBytesLimit", T_U32, "00000004"}, /* 64 MiB */
            {"MailboxThreshold", T_U64, "b80b000000000000"}, /* 3000 */
            {"ReservationsLimit", T_U64, "0001000000000000"})}, /* 256 */
    {"GearVoucher", 107, T_GV_CALL, T_GV_EVENT, T_GV_ERROR,
     STORAGE(PLAIN("Issued", 0, T_U64, "00"),
             {"Vouchers", 0, 2, {H_IDENTITY, H_IDENTITY}, T_VOUCHER_KEY,
              T_VOUCHER_INFO, "00"}),
     CONSTS({"PalletId", T_PALLET_ID, "70792f766f756368"}, /* py/vouch */
            {"MaxProgramsAmount", T_U8, "20"},            /* 32 */
            {"MinDuration", T_U32, "14000000"},           /* 20 */
            {"MaxDuration", T_U32, "00ea2400"})},         /* 2419200 */
    {"GearBank", 108, T_NONE_, T_NONE_, T_GB_ERROR,
     STORAGE(MAP1("Bank", 0, H_IDENTITY, T_ACCOUNT, T_BANK_ACCOUNT, "00"),
             PLAIN("UnusedValue", 1, T_U128, ZEROS16)),
     /* ValuePerGas(100) */
     CONSTS({"GasMultiplier", T_GAS_MULTIPLIER,
             "0064000000000000000000000000000000"})},
};
#define N_PALLETS (sizeof pallets / sizeof *pallets)

/* The signed extensions, in Vara's order (its SignedExtra): what each adds
 * to the extrinsic (ty) and to the signed payload only (additional). */
static const struct {
    const char *identifier;
    uint16_t ty, additional;
} extensions[] = {
    {"StakingBlackList", T_X_STAKING_BLACKLIST, T_UNIT},
    {"CheckNonZeroSender", T_X_NON_ZERO_SENDER, T_UNIT},
    {"CheckSpecVersion", T_X_SPEC_VERSION, T_U32},
    {"CheckTxVersion", T_X_TX_VERSION, T_U32},
    {"CheckGenesis", T_X_GENESIS, T_H256},
    {"CheckMortality", T_X_MORTALITY, T_H256},
    {"CheckNonce", T_X_NONCE, T_UNIT},
    {"CheckWeight", T_X_WEIGHT, T_UNIT},
    {"ChargeTransactionPayment", T_X_PAYMENT, T_UNIT},
    {"CheckMetadataHash", T_X_METADATA_HASH, T_OPT_A32},
};

/* Runtime APIs described in V15 (the methods gearbox answers through
 * state_call). */
typedef struct md_api_method {
    const char *name;
    uint8_t ni;
    const md_field *inputs;
    uint16_t output;
} md_api_method;

static const struct {
    const char *name;
    uint8_t nm;
    const md_api_method *m;
} apis[] = {
    {"Metadata", 3,
     LIST_(md_api_method, {"metadata", 0, NULL, T_OPAQUE_METADATA},
           {"metadata_at_version", 1, LIST_(md_field, {"version", T_U32}),
            T_OPT_OPAQUE_METADATA},
           {"metadata_versions", 0, NULL, T_VEC_U32})},
    {"AccountNonceApi", 1,
     LIST_(md_api_method, {"account_nonce", 1,
                           LIST_(md_field, {"account", T_ACCOUNT}), T_U32})},
    /* paymentInfo (rpc_author.c: gb_rpc_payment_query_info) */
    {"TransactionPaymentApi", 1,
     LIST_(md_api_method,
           {"query_info", 2,
            LIST_(md_field, {"uxt", T_UNCHECKED_EXTRINSIC}, {"len", T_U32}),
            T_RUNTIME_DISPATCH_INFO})},
};

/* Vara's runtime APIs and versions (GEAR-RPC.md §2), for
 * state_getRuntimeVersion. */
static const gb_runtime_api runtime_apis[] = {
    {"BabeApi", 2},
    {"AuthorityDiscoveryApi", 1},
    {"TransactionPaymentCallApi", 3},
    {"NominationPoolsApi", 1},
    {"StakingApi", 1},
    {"GearStakingRewardsApi", 1},
    {"GearBuiltinApi", 1},
    {"GearEthBridgeApi", 1},
    {"GenesisBuilder", 1},
    {"Core", 5},
    {"Metadata", 2},
    {"BlockBuilder", 6},
    {"TaggedTransactionQueue", 3},
    {"OffchainWorkerApi", 2},
    {"SessionKeys", 1},
    {"GrandpaApi", 3},
    {"AccountNonceApi", 1},
    {"TransactionPaymentApi", 4},
    {"GearApi", 2},
};

static const gb_runtime_version runtime_version = {
    .spec_name = "vara",
    .impl_name = "gearbox",
    .authoring_version = 1,
    /* Vara 1.9.9's, which @gear-js/api 0.44 was released against: above
     * 1200 (the gear_calculateGasFor* names) and 1900 (CodeMetadataStorage) */
    .spec_version = 1990,
    .impl_version = 1,
    .transaction_version = 1,
    .state_version = 1,
    .apis = runtime_apis,
    .n_apis = sizeof runtime_apis / sizeof *runtime_apis,
};

const gb_runtime_version *gb_metadata_runtime_version(void)
{
    return &runtime_version;
}

/* ---- the generator ----------------------------------------------------- */

/* a type's id in the registry */
static void put_ty(gb_scale_buf *b, uint16_t t)
{
    gb_scale_put_compact(b, (uint64_t)t - 1);
}

static void put_no_docs(gb_scale_buf *b) { gb_scale_put_compact(b, 0); }

static void put_path(gb_scale_buf *b, const char *path)
{
    if (!path) {
        gb_scale_put_compact(b, 0);
        return;
    }
    size_t n = 1;
    for (const char *s = path; (s = strstr(s, "::")); s += 2)
        n++;
    gb_scale_put_compact(b, n);
    for (const char *s = path;;) {
        const char *e = strstr(s, "::");
        size_t len = e ? (size_t)(e - s) : strlen(s);
        gb_scale_put_bytes(b, s, len);
        if (!e)
            break;
        s = e + 2;
    }
}

static void put_fields(gb_scale_buf *b, size_t n, const md_field *f)
{
    gb_scale_put_compact(b, n);
    for (size_t i = 0; i < n; i++) {
        gb_scale_put_option(b, f[i].name != NULL);
        if (f[i].name)
            gb_scale_put_str(b, f[i].name);
        put_ty(b, f[i].ty);
        gb_scale_put_option(b, false); /* type name */
        put_no_docs(b);
    }
}

static void put_variant_head(gb_scale_buf *b, const char *name)
{
    gb_scale_put_str(b, name);
}

static void put_variant_tail(gb_scale_buf *b, uint8_t index)
{
    gb_scale_put_u8(b, index);
    put_no_docs(b);
}

/* The pallet's type for an outer enum (T_NONE_ if it has none). */
static uint16_t pallet_part(const md_pallet *p, uint8_t which)
{
    return which == O_CALL ? p->calls : which == O_EVENT ? p->event : p->error;
}

static void put_type_def(gb_scale_buf *b, const md_type *t)
{
    switch (t->kind) {
    case K_PRIM:
        gb_scale_put_u8(b, 5);
        gb_scale_put_u8(b, t->sub);
        break;
    case K_COMPOSITE:
        gb_scale_put_u8(b, 0);
        put_fields(b, t->n, t->f);
        break;
    case K_VARIANT:
        gb_scale_put_u8(b, 1);
        gb_scale_put_compact(b, t->n);
        for (size_t i = 0; i < t->n; i++) {
            put_variant_head(b, t->v[i].name);
            put_fields(b, t->v[i].nf, t->v[i].f);
            put_variant_tail(b, t->v[i].index);
        }
        break;
    case K_SEQ:
        gb_scale_put_u8(b, 2);
        put_ty(b, t->elem);
        break;
    case K_ARRAY:
        gb_scale_put_u8(b, 3);
        gb_scale_put_u32(b, t->len);
        put_ty(b, t->elem);
        break;
    case K_TUPLE:
        gb_scale_put_u8(b, 4);
        gb_scale_put_compact(b, t->n);
        for (size_t i = 0; i < t->n; i++)
            put_ty(b, t->t[i]);
        break;
    case K_COMPACT:
        gb_scale_put_u8(b, 6);
        put_ty(b, t->elem);
        break;
    case K_ERA: {
        /* Immortal, then MortalN (N = 1..255) carrying the second byte */
        gb_scale_put_u8(b, 1);
        gb_scale_put_compact(b, 256);
        put_variant_head(b, "Immortal");
        put_fields(b, 0, NULL);
        put_variant_tail(b, 0);
        static const md_field byte[] = {{NULL, T_U8}};
        for (unsigned i = 1; i < 256; i++) {
            char name[16];
            snprintf(name, sizeof name, "Mortal%u", i);
            put_variant_head(b, name);
            put_fields(b, 1, byte);
            put_variant_tail(b, (uint8_t)i);
        }
        break;
    }
    case K_OUTER: {
        size_t n = 0;
        for (size_t i = 0; i < N_PALLETS; i++)
            n += pallet_part(&pallets[i], t->sub) != T_NONE_;
        gb_scale_put_u8(b, 1);
        gb_scale_put_compact(b, n);
        for (size_t i = 0; i < N_PALLETS; i++) {
            md_field f = {NULL, pallet_part(&pallets[i], t->sub)};
            if (f.ty == T_NONE_)
                continue;
            put_variant_head(b, pallets[i].name);
            put_fields(b, 1, &f);
            put_variant_tail(b, pallets[i].index);
        }
        break;
    }
    }
}

static void put_registry(gb_scale_buf *b)
{
    gb_scale_put_compact(b, T_COUNT_ - 1);
    for (uint16_t id = 1; id < T_COUNT_; id++) {
        const md_type *t = &types[id];
        put_ty(b, id);
        put_path(b, t->path);
        gb_scale_put_compact(b, t->np);
        for (size_t i = 0; i < t->np; i++) {
            gb_scale_put_str(b, t->p[i].name);
            gb_scale_put_option(b, t->p[i].ty != T_NONE_);
            if (t->p[i].ty != T_NONE_)
                put_ty(b, t->p[i].ty);
        }
        put_type_def(b, t);
        put_no_docs(b);
    }
}

/* hex from the tables, as Bytes (the tables are checked by the tests: a
 * bad string is a programming error, written as empty bytes) */
static void put_hex_bytes(gb_scale_buf *b, const char *hex)
{
    uint8_t v[128];
    size_t n = 0;
    if (gb_hex_decode(hex, v, sizeof v, &n))
        n = 0;
    gb_scale_put_bytes(b, v, n);
}

static void put_optional_ty(gb_scale_buf *b, uint16_t t)
{
    gb_scale_put_option(b, t != T_NONE_);
    if (t != T_NONE_)
        put_ty(b, t);
}

static void put_pallet(gb_scale_buf *b, const md_pallet *p, uint32_t version)
{
    gb_scale_put_str(b, p->name);
    gb_scale_put_option(b, p->ns != 0);
    if (p->ns) {
        gb_scale_put_str(b, p->name); /* the storage prefix */
        gb_scale_put_compact(b, p->ns);
        for (size_t i = 0; i < p->ns; i++) {
            const md_entry *e = &p->s[i];
            gb_scale_put_str(b, e->name);
            gb_scale_put_u8(b, e->is_default);
            if (!e->nh) {
                gb_scale_put_u8(b, 0);
                put_ty(b, e->value);
            } else {
                gb_scale_put_u8(b, 1);
                gb_scale_put_compact(b, e->nh);
                for (size_t h = 0; h < e->nh; h++)
                    gb_scale_put_u8(b, e->h[h]);
                put_ty(b, e->key);
                put_ty(b, e->value);
            }
            put_hex_bytes(b, e->dflt);
            put_no_docs(b);
        }
    }
    put_optional_ty(b, p->calls);
    put_optional_ty(b, p->event);
    gb_scale_put_compact(b, p->nc);
    for (size_t i = 0; i < p->nc; i++) {
        gb_scale_put_str(b, p->c[i].name);
        put_ty(b, p->c[i].ty);
        put_hex_bytes(b, p->c[i].value);
        put_no_docs(b);
    }
    put_optional_ty(b, p->error);
    gb_scale_put_u8(b, p->index);
    if (version >= 15)
        put_no_docs(b);
}

static void put_extensions(gb_scale_buf *b)
{
    size_t n = sizeof extensions / sizeof *extensions;
    gb_scale_put_compact(b, n);
    for (size_t i = 0; i < n; i++) {
        gb_scale_put_str(b, extensions[i].identifier);
        put_ty(b, extensions[i].ty);
        put_ty(b, extensions[i].additional);
    }
}

static void put_apis(gb_scale_buf *b)
{
    size_t n = sizeof apis / sizeof *apis;
    gb_scale_put_compact(b, n);
    for (size_t i = 0; i < n; i++) {
        gb_scale_put_str(b, apis[i].name);
        gb_scale_put_compact(b, apis[i].nm);
        for (size_t j = 0; j < apis[i].nm; j++) {
            const md_api_method *m = &apis[i].m[j];
            gb_scale_put_str(b, m->name);
            gb_scale_put_compact(b, m->ni);
            for (size_t k = 0; k < m->ni; k++) {
                gb_scale_put_str(b, m->inputs[k].name);
                put_ty(b, m->inputs[k].ty);
            }
            put_ty(b, m->output);
            put_no_docs(b);
        }
        put_no_docs(b);
    }
}

static void put_metadata(gb_scale_buf *b, uint32_t version)
{
    gb_scale_put_raw(b, "meta", 4);
    gb_scale_put_u8(b, (uint8_t)version);
    put_registry(b);
    gb_scale_put_compact(b, N_PALLETS);
    for (size_t i = 0; i < N_PALLETS; i++)
        put_pallet(b, &pallets[i], version);
    if (version == 14) {
        put_ty(b, T_UNCHECKED_EXTRINSIC);
        gb_scale_put_u8(b, 4);
        put_extensions(b);
        put_ty(b, T_RUNTIME);
    } else {
        gb_scale_put_u8(b, 4);
        put_ty(b, T_MULTIADDRESS);
        put_ty(b, T_RUNTIME_CALL);
        put_ty(b, T_MULTISIG);
        put_ty(b, T_EXTRA);
        put_extensions(b);
        put_ty(b, T_RUNTIME);
        put_apis(b);
        put_ty(b, T_RUNTIME_CALL);
        put_ty(b, T_RUNTIME_EVENT);
        put_ty(b, T_RUNTIME_ERROR);
        gb_scale_put_compact(b, 0); /* no custom values */
    }
}

static bool offered(uint32_t version)
{
    return version >= GB_METADATA_VERSION_MIN &&
           version <= GB_METADATA_VERSION_MAX;
}

gb_err gb_metadata_encode(uint32_t version, uint8_t **out, size_t *out_len)
{
    if (!offered(version))
        return GB_UNSUPPORTED;
    gb_scale_buf b;
    gb_scale_buf_init(&b);
    put_metadata(&b, version);
    return gb_scale_buf_take(&b, out, out_len);
}

gb_err gb_metadata_at_version(uint32_t version, uint8_t **out,
                              size_t *out_len)
{
    gb_scale_buf b;
    gb_scale_buf_init(&b);
    if (!offered(version)) {
        gb_scale_put_option(&b, false);
        return gb_scale_buf_take(&b, out, out_len);
    }
    uint8_t *md;
    size_t len;
    gb_err e = gb_metadata_encode(version, &md, &len);
    if (e)
        return e;
    gb_scale_put_option(&b, true);
    gb_scale_put_bytes(&b, md, len);
    free(md);
    return gb_scale_buf_take(&b, out, out_len);
}

gb_err gb_metadata_versions(uint8_t **out, size_t *out_len)
{
    gb_scale_buf b;
    gb_scale_buf_init(&b);
    gb_scale_put_compact(&b, GB_METADATA_VERSION_MAX -
                                 GB_METADATA_VERSION_MIN + 1);
    for (uint32_t v = GB_METADATA_VERSION_MIN; v <= GB_METADATA_VERSION_MAX;
         v++)
        gb_scale_put_u32(&b, v);
    return gb_scale_buf_take(&b, out, out_len);
}
