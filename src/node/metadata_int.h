/*
 * Internals of the runtime metadata (metadata.h) shared by its two files:
 * metadata_types.c holds the type table (gb_md_types), metadata.c the
 * pallet table, the signed extensions, the runtime APIs and the generator
 * that walks them and writes SCALE.  Not for other files of src/node/.
 *
 * It holds what both tables are written in: the type names (T_*; a
 * type's id in the registry is its enum value minus one, T_NONE_ is "no
 * type"), the kinds of type, the table rows' structures and the list
 * macros.  How the tables become metadata: the top of metadata.c.
 */
#ifndef GB_NODE_METADATA_INT_H
#define GB_NODE_METADATA_INT_H

#include <stddef.h>
#include <stdint.h>

/* The tables leave out what is zero (a variant's fields when it has none,
 * a type's parameters), as designated initializers allow: -Wextra's
 * complaint about it would bury real warnings.  (Here, for the two files
 * that hold tables and include this header.) */
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

/* The type registry's rows, indexed by T_* (metadata_types.c); read by
 * the generator (metadata.c). */
extern const md_type gb_md_types[T_COUNT_];

#endif
