/*
 * The runtime metadata (metadata.h), generated from two declarative
 * tables: the types (a portable type registry in the shape of scale-info)
 * and the pallets (storage, calls, events, constants, errors), plus the
 * signed extensions.  Everything the clients check is written once in
 * them; the generator only walks the tables and writes SCALE.  The type
 * table is in metadata_types.c, what the two files share (the type names,
 * the rows' structures) in metadata_int.h; the pallets, the extensions,
 * the runtime APIs and the generator are here.
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
#include "node/metadata_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"
#include "util/scale.h"

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
        const md_type *t = &gb_md_types[id];
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
