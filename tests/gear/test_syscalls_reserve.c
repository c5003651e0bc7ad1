/*
 * Gas reservations and reply deposits through the processor:
 * gr_reserve_gas, gr_unreserve_gas, gr_system_reserve_gas,
 * gr_reservation_send(_commit), gr_reservation_reply(_commit),
 * gr_reply_deposit.  Ids per GEAR-ABI.md §8 (reservation(message id,
 * nonce)), error codes per §5 (100, 101, 108, 201, 302, 305, 309, 310,
 * 399, 500-504), the journal's reservation lists and gas accounting.
 * Semantics: gear-tech/gear protocol/processor/src/ext.rs,
 * protocol/core/src/reservation.rs, protocol/core/src/message/context.rs.
 * Program: tests/data/gear/sys_ops.wat.
 *
 * Trick: gr_reserve_gas (or gr_send) writing its ErrorWithHash at
 * 0x4FFC puts the id at 0x5000, where a TwoHashesWithValue /
 * HashWithValue / id argument can then use it.
 */
#include "test_syscalls_util.h"

#define ED 1000000000000ull
#define RID 0x5000u      /* a reservation id written by gr_reserve_gas */
#define RID_ERR 0x4FFCu

static uint64_t le64_at(const gb_journal *j, uint32_t addr)
{
    return le64(mem(j, addr));
}

/* Reserve gas with the id landing at RID. */
static void reserve_at_rid(script *s, uint64_t gas, uint32_t duration)
{
    OP(s, GB_SYS_GR_RESERVE_GAS, gas, duration, RID_ERR);
}

/* A dispatch whose id is known before its script is finished: build the
 * script into s after this, then call run_built. */
static gb_dispatch pre_msg(sysenv *e, gb_dispatch_kind kind, script *s)
{
    return env_msg(e, kind, s, ENV_GAS);
}

/* Gas an empty script burns (the prelude of sys_ops fills 8 KiB): the
 * runs below burn little more than this, as reserved gas, deposits and
 * gas given to messages are not burned. */
static uint64_t base_burn(sysenv *e)
{
    script s = {0};
    gb_journal j = env_handle(e, &s, NULL);
    uint64_t b = j.gas_burned;
    gb_journal_free(&j);
    return b;
}

/* What a run burns beyond base_burn: nfees fees of 200M (reservation,
 * sending, waking: 2 DB writes each) and less than BURN_SLACK more for the
 * syscalls' own weights and the script's instructions (a few million
 * each) and the memory pages it touches beyond base_burn's (~1.4e8 each).  Gas reserved, deposited or given to a message is not burned: a
 * same script with other amounts burns the same (test_reserve). */
#define FEE 200000000ull
#define BURN_SLACK 450000000ull
#define EXPECT_BURNED_BELOW(e, j, nfees)                                    \
    do {                                                                    \
        uint64_t b0_ = base_burn(e) + (nfees) * FEE;                        \
        GB_EXPECT((j).gas_burned >= b0_ && (j).gas_burned < b0_ + BURN_SLACK); \
        if (!((j).gas_burned >= b0_ && (j).gas_burned < b0_ + BURN_SLACK))  \
            fprintf(stderr, "     burned %llu, base + fees %llu\n",         \
                    (unsigned long long)(j).gas_burned,                     \
                    (unsigned long long)b0_);                               \
    } while (0)

static gb_journal run_built(sysenv *e, gb_dispatch *d, const script *s)
{
    d->payload = s->b;
    d->payload_len = s->n;
    return env_run(e, d);
}

static void test_reserve(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0x1000);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 6000, 1, 0x1040);
    /* the errors, in Gear's order; none takes a nonce */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 2000, 0, 0x1080);      /* 502 first */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 2999, 5, 0x10C0);      /* 504 */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 3000, 5, 0x1100);      /* threshold ok */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 2 * ENV_GAS, 5, 0x1140); /* 100 */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 4000, 0xFFFFFFFFu, 0x1180);
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    gb_id r0 = gb_reservation_id(d.id, 0), r1 = gb_reservation_id(d.id, 1);
    gb_id r2 = gb_reservation_id(d.id, 2), r3 = gb_reservation_id(d.id, 3);
    EXPECT_ERR_STRUCT(&j, 0x1000, 0, r0.b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, 0, r1.b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1080, 502, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x10C0, 504, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1100, 0, r2.b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1140, 100, NULL, 32);
    /* its rent, 100 x (ReserveFor + 2^32 - 1 saturating), is more than
     * the message has (Ext::reserve_gas: cost_for_reservation) */
    EXPECT_ERR_STRUCT(&j, 0x1180, 100, NULL, 32);
    GB_EXPECT_U64(0xEE, mem(&j, 0x1024)[0]);
    GB_EXPECT_U64(3, j.nreserved);
    if (j.nreserved == 3) {
        GB_EXPECT(gb_id_eq(r0, j.reserved[0].id));
        GB_EXPECT_U64(5000, j.reserved[0].amount);
        GB_EXPECT_U64(7 + 10, j.reserved[0].expires_at);
        /* the rent set aside: 100 a block for ReserveFor (1) + duration */
        GB_EXPECT_U64(100 * (1 + 10), j.reserved[0].lock);
        GB_EXPECT(gb_id_eq(r1, j.reserved[1].id));
        GB_EXPECT_U64(6000, j.reserved[1].amount);
        GB_EXPECT_U64(7 + 1, j.reserved[1].expires_at);
        GB_EXPECT_U64(100 * (1 + 1), j.reserved[1].lock);
        GB_EXPECT_U64(3000, j.reserved[2].amount);
        GB_EXPECT_U64(100 * (1 + 5), j.reserved[2].lock);
    }
    (void)r3;
    GB_EXPECT_U64(0, j.nunreserved);
    GB_EXPECT_U64(3, j.ctx.reservation_nonce);
    /* the reserved gas leaves with the journal: not burned */
    EXPECT_BURNED_BELOW(&e, j, 3);
    uint64_t burned = j.gas_burned;
    gb_journal_free(&j);

    /* the same script with other amounts burns the same */
    s.n = 0;
    OP(&s, GB_SYS_GR_RESERVE_GAS, 50000, 10, 0x1000);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 60000, 1, 0x1040);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 2000, 0, 0x1080);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 2999, 5, 0x10C0);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 30000, 5, 0x1100);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 2 * ENV_GAS, 5, 0x1140);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 40000, 0xFFFFFFFFu, 0x1180);
    j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(burned, j.gas_burned);
    gb_journal_free(&j);

    /* with gas for it, the longest reservation: its end saturates at the
     * last block number, its rent's blocks at 2^32 - 1 */
    s.n = 0;
    OP(&s, GB_SYS_GR_RESERVE_GAS, 4000, 0xFFFFFFFFu, 0x1180);
    gb_dispatch big = env_msg(&e, GB_DISPATCH_HANDLE, &s, 500000000000ull);
    j = env_run(&e, &big);
    EXPECT_ERR_STRUCT(&j, 0x1180, 0, gb_reservation_id(big.id, 0).b, 32);
    GB_EXPECT_U64(1, j.nreserved);
    if (j.nreserved == 1) {
        GB_EXPECT_U64(0xFFFFFFFFu, j.reserved[0].expires_at);
        GB_EXPECT_U64(100 * 0xFFFFFFFFull, j.reserved[0].lock);
    }
    gb_journal_free(&j);

    /* the rent is exactly 100 a block more: gr_gas_available drops by
     * 100,000 more for 1,000 more blocks */
    uint64_t drop[2];
    for (int k = 0; k < 2; k++) {
        s.n = 0;
        OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x1000);
        OP(&s, GB_SYS_GR_RESERVE_GAS, 70000, k ? 1003 : 3, 0x1040);
        OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x1008);
        j = env_handle(&e, &s, NULL);
        drop[k] = le64_at(&j, 0x1000) - le64_at(&j, 0x1008);
        gb_journal_free(&j);
    }
    GB_EXPECT_U64(100000, drop[1] - drop[0]);

    /* gr_gas_available drops by the amount (and the syscall) */
    s.n = 0;
    OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x1000);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 70000, 3, 0x1040);
    OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x1008);
    j = env_handle(&e, &s, NULL);
    uint64_t g0 = le64_at(&j, 0x1000), g1 = le64_at(&j, 0x1008);
    /* the amount, its rent (100 x (1 + 3)), the fee and the syscalls
     * (gr_gas_available 959,492, gr_reserve_gas 1,918,172) */
    GB_EXPECT(g0 - g1 >= 70400 + FEE && g0 - g1 < 70400 + FEE + 5000000);
    gb_journal_free(&j);

    /* a failed run keeps no reservation */
    s.n = 0;
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0x1000);
    s.b[s.n++] = OP_UNREACHABLE;
    j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_FAILED, j.outcome);
    GB_EXPECT_U64(0, j.nreserved);
    gb_journal_free(&j);

    /* the error pointer out of memory: BackendError */
    s.n = 0;
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0xFFFFFFF0u);
    j = env_handle(&e, &s, NULL);
    EXPECT_BACKEND_ERROR(j);
    gb_journal_free(&j);
    env_free(&e);
}

/* ReservationsLimitReached: Gear counts Exists and Created (used too, not
 * Removed) and fails when the count is already > max. */
static void test_limit(void)
{
    gb_process_cfg cfg;
    gb_process_cfg_default(&cfg);
    GB_EXPECT_U64(256, cfg.max_reservations);
    cfg.max_reservations = 2;
    sysenv e;
    GB_EXPECT(env_init(&e, &cfg));
    script s = {0};
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0x1000);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0x1040);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0x1080);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0x10C0); /* 501 */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 0, 0x1100);  /* 502 before 501 */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 10, 1, 0x1140);    /* 504 before 501 */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 2 * ENV_GAS, 1, 0x1180); /* 100 before 501 */
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    GB_EXPECT_U64(0, mem32(&j, 0x1040));
    GB_EXPECT_U64(0, mem32(&j, 0x1080));
    EXPECT_ERR_STRUCT(&j, 0x10C0, 501, NULL, 32);
    GB_EXPECT_U64(502, mem32(&j, 0x1100));
    GB_EXPECT_U64(504, mem32(&j, 0x1140));
    GB_EXPECT_U64(100, mem32(&j, 0x1180));
    GB_EXPECT_U64(3, j.nreserved);
    GB_EXPECT_U64(3, j.ctx.reservation_nonce);
    gb_journal_free(&j);

    /* the view's reservations count; unreserving one frees a place, and
     * one made here and unreserved does not count */
    gb_reservation view[2] = {
        {.id = gb_reservation_id(id_of(0x11), 0), .amount = 7000, .expires_at = 20},
        {.id = gb_reservation_id(id_of(0x11), 1), .amount = 8000, .expires_at = 30},
    };
    e.v.reservations = view;
    e.v.nreservations = 2;
    s.n = 0;
    poke(&s, 0x4000, view[0].id.b, 32);
    reserve_at_rid(&s, 5000, 5);                      /* 2 > 2? no: ok */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0x1000);  /* 3 > 2: 501 */
    OP(&s, GB_SYS_GR_UNRESERVE_GAS, RID, 0x1040);     /* made here */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0x1080);  /* ok */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0x10C0);  /* 501 */
    OP(&s, GB_SYS_GR_UNRESERVE_GAS, 0x4000, 0x1100);  /* the view's */
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0x1140);  /* ok */
    j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(0, mem32(&j, RID_ERR));
    GB_EXPECT_U64(501, mem32(&j, 0x1000));
    GB_EXPECT_U64(0, mem32(&j, 0x1040));
    EXPECT_ERR_STRUCT(&j, 0x1080, 0, gb_reservation_id(d.id, 1).b, 32);
    GB_EXPECT_U64(501, mem32(&j, 0x10C0));
    GB_EXPECT_U64(0, mem32(&j, 0x1100));
    EXPECT_ERR_STRUCT(&j, 0x1140, 0, gb_reservation_id(d.id, 2).b, 32);
    GB_EXPECT_U64(2, j.nreserved);
    GB_EXPECT_U64(1, j.nunreserved);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_unreserve(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    /* made in this run: its gas comes back to the run */
    script s = {0};
    OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x1100);
    reserve_at_rid(&s, 50000000, 10);
    OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x1108);
    OP(&s, GB_SYS_GR_UNRESERVE_GAS, RID, 0x1000);
    OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x1110);
    OP(&s, GB_SYS_GR_UNRESERVE_GAS, RID, 0x1010);        /* 500 */
    OP(&s, GB_SYS_GR_UNRESERVE_GAS, 0x4000, 0x1020);     /* unknown: 500 */
    OP(&s, GB_SYS_GR_UNRESERVE_GAS, 0xFFFFFFF0u, 0x1030);/* 201 */
    gb_dispatch d;
    gb_journal j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    /* ErrorWithGas, packed: code u32, gas u64 at +4 */
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    GB_EXPECT_U64(50000000, le64_at(&j, 0x1004));
    GB_EXPECT_U64(0xEE, mem(&j, 0x100C)[0]);
    EXPECT_ERR_STRUCT(&j, 0x1010, 500, NULL, 8);
    EXPECT_ERR_STRUCT(&j, 0x1020, 500, NULL, 8);
    EXPECT_ERR_STRUCT(&j, 0x1030, 201, NULL, 8);
    uint64_t g0 = le64_at(&j, 0x1100), g1 = le64_at(&j, 0x1108);
    uint64_t g2 = le64_at(&j, 0x1110);
    GB_EXPECT(g0 - g1 >= 50000000 + FEE);
    GB_EXPECT(g2 > g1 && g0 - g2 < FEE + 10000000); /* the fee stays burned */
    GB_EXPECT_U64(0, j.nreserved);
    GB_EXPECT_U64(0, j.nunreserved);
    GB_EXPECT_U64(1, j.ctx.reservation_nonce); /* the nonce stays used */
    EXPECT_BURNED_BELOW(&e, j, 1);
    gb_journal_free(&j);

    /* from an earlier run (the view): leaves in the journal, the run's
     * gas does not grow; unreserving twice is 500 (Removed) */
    gb_reservation view[2] = {
        {.id = gb_reservation_id(id_of(0x11), 0), .amount = 7000, .expires_at = 20},
        {.id = gb_reservation_id(id_of(0x11), 1), .amount = 8000, .expires_at = 30},
    };
    e.v.reservations = view;
    e.v.nreservations = 2;
    s.n = 0;
    poke(&s, 0x4000, view[1].id.b, 32);
    OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x1100);
    OP(&s, GB_SYS_GR_UNRESERVE_GAS, 0x4000, 0x1000);
    OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x1108);
    OP(&s, GB_SYS_GR_UNRESERVE_GAS, 0x4000, 0x1010);
    j = env_handle(&e, &s, NULL);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    GB_EXPECT_U64(8000, le64_at(&j, 0x1004));
    EXPECT_ERR_STRUCT(&j, 0x1010, 500, NULL, 8);
    GB_EXPECT(le64_at(&j, 0x1108) < le64_at(&j, 0x1100));
    GB_EXPECT_U64(1, j.nunreserved);
    if (j.nunreserved) {
        GB_EXPECT(gb_id_eq(view[1].id, j.unreserved[0].id));
        GB_EXPECT_U64(8000, j.unreserved[0].amount);
        GB_EXPECT(!j.unreserved[0].used);
    }
    GB_EXPECT_U64(0, j.nreserved);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_reservation_send(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    e.v.balance = gb_u128_from(1000);
    script s = {0};
    gb_dispatch d = pre_msg(&e, GB_DISPATCH_HANDLE, &s);
    gb_id r0 = gb_reservation_id(d.id, 0);
    poke(&s, 0x4100, "hi", 2);
    reserve_at_rid(&s, 5000, 10);
    poke_hash_value(&s, RID + 32, id_of(0xcc), 2000, 0); /* dest, value */
    OP(&s, GB_SYS_GR_RESERVATION_SEND, RID, 0x4100, 2, 0, 0x1000); /* 101 */
    poke_value(&s, RID + 64, 300);
    OP(&s, GB_SYS_GR_RESERVATION_SEND, RID, 0x4100, 2, 0, 0x1040); /* ok */
    OP(&s, GB_SYS_GR_RESERVATION_SEND, RID, 0x4100, 2, 0, 0x1080); /* used */
    OP(&s, GB_SYS_GR_UNRESERVE_GAS, RID, 0x10C0);                  /* used */
    OP(&s, GB_SYS_GR_RESERVATION_SEND, 0xFFFFFFF0u, 0x4100, 2, 0, 0x1100);
    OP(&s, GB_SYS_GR_RESERVATION_SEND, RID, 0xFFFFFFF0u, 2, 0, 0x1140);
    gb_journal j = run_built(&e, &d, &s);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, RID_ERR, 0, r0.b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1000, 101, NULL, 32);
    gb_id m1 = gb_message_id_outgoing(d.id, 1); /* nonce 0: the failed one */
    EXPECT_ERR_STRUCT(&j, 0x1040, 0, m1.b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1080, 500, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x10C0, 500, NULL, 8);
    EXPECT_ERR_STRUCT(&j, 0x1100, 201, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1140, 201, NULL, 32);
    GB_EXPECT_U64(1, j.nmsgs);
    if (j.nmsgs) {
        gb_out_msg *m = &j.msgs[0];
        GB_EXPECT(gb_id_eq(m1, m->id));
        GB_EXPECT(gb_id_eq(id_of(0xcc), m->destination));
        GB_EXPECT_U64(2, m->payload_len);
        GB_EXPECT(!memcmp(m->payload, "hi", 2));
        GB_EXPECT(!gb_u128_cmp(gb_u128_from(300), m->value));
        GB_EXPECT(m->has_gas_limit);
        GB_EXPECT_U64(5000, m->gas_limit);
        GB_EXPECT(m->from_reservation);
        GB_EXPECT(gb_id_eq(r0, m->reservation));
    }
    /* made here and used: listed as made, and as used */
    GB_EXPECT_U64(1, j.nreserved);
    GB_EXPECT_U64(1, j.nunreserved);
    if (j.nunreserved) {
        GB_EXPECT(gb_id_eq(r0, j.unreserved[0].id));
        GB_EXPECT(j.unreserved[0].used);
        GB_EXPECT_U64(5000, j.unreserved[0].amount);
    }
    /* the reserved gas is counted once: it is not burned */
    EXPECT_BURNED_BELOW(&e, j, 2);
    GB_EXPECT_U64(3, j.ctx.outgoing_nonce); /* 201s take no nonce */
    gb_journal_free(&j);

    /* from the view: with a delay the reservation must cover the mailbox
     * threshold (399), unknown ones fail 500 before anything else */
    gb_reservation view[2] = {
        {.id = gb_reservation_id(id_of(0x11), 0), .amount = 2000, .expires_at = 20},
        {.id = gb_reservation_id(id_of(0x11), 1), .amount = 9000, .expires_at = 30},
    };
    e.v.reservations = view;
    e.v.nreservations = 2;
    uint8_t tv[80] = {0};
    s.n = 0;
    memcpy(tv, view[0].id.b, 32);
    memcpy(tv + 32, id_of(0xcc).b, 32);
    poke(&s, 0x4000, tv, 80);
    memcpy(tv, id_of(0x77).b, 32);
    tv[64] = 0xFF, tv[65] = 0xFF; /* unknown, and too much value */
    poke(&s, 0x4080, tv, 80);
    memcpy(tv, view[1].id.b, 32);
    poke(&s, 0x4180, tv, 80); /* too much value */
    OP(&s, GB_SYS_GR_RESERVATION_SEND, 0x4000, 0, 0, 5, 0x1000); /* 399 */
    OP(&s, GB_SYS_GR_RESERVATION_SEND, 0x4080, 0, 0, 5, 0x1040); /* 500 */
    OP(&s, GB_SYS_GR_RESERVATION_SEND, 0x4080, 0, 0, 0, 0x1080); /* 101 */
    OP(&s, GB_SYS_GR_RESERVATION_SEND, 0x4180, 0, 0, 5, 0x10C0); /* 101 */
    OP(&s, GB_SYS_GR_RESERVATION_SEND, 0x4000, 0, 0, 0, 0x1100); /* ok */
    gb_dispatch d2;
    j = env_handle(&e, &s, &d2);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, 0x1000, 399, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, 500, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1080, 101, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x10C0, 101, NULL, 32);
    gb_id m4 = gb_message_id_outgoing(d2.id, 4);
    EXPECT_ERR_STRUCT(&j, 0x1100, 0, m4.b, 32);
    GB_EXPECT_U64(1, j.nmsgs);
    if (j.nmsgs) {
        GB_EXPECT_U64(2000, j.msgs[0].gas_limit);
        GB_EXPECT(j.msgs[0].from_reservation);
        GB_EXPECT(gb_id_eq(view[0].id, j.msgs[0].reservation));
    }
    GB_EXPECT_U64(0, j.nreserved);
    GB_EXPECT_U64(1, j.nunreserved);
    if (j.nunreserved) {
        GB_EXPECT(gb_id_eq(view[0].id, j.unreserved[0].id));
        GB_EXPECT(j.unreserved[0].used);
        GB_EXPECT_U64(2000, j.unreserved[0].amount);
    }
    gb_journal_free(&j);

    /* gr_reservation_send_commit: a handle of this run; the reservation
     * is checked before the handle (500 over 305), a bad handle leaves the
     * reservation unused */
    s.n = 0;
    memcpy(tv, view[1].id.b, 32);
    memset(tv + 64, 0, 16);
    poke(&s, 0x4000, tv, 80);
    poke(&s, 0x4100, "ab", 2);
    OP(&s, GB_SYS_GR_SEND_INIT, 0x1200);
    OP(&s, GB_SYS_GR_SEND_PUSH, 0, 0x4100, 2, 0x1208);
    OP(&s, GB_SYS_GR_RESERVATION_SEND_COMMIT, 7, 0x4000, 0, 0x1000); /* 305 */
    OP(&s, GB_SYS_GR_RESERVATION_SEND_COMMIT, 7, 0x4080, 0, 0x1040); /* 500 */
    OP(&s, GB_SYS_GR_RESERVATION_SEND_COMMIT, 0, 0x4000, 3, 0x1080); /* ok */
    OP(&s, GB_SYS_GR_RESERVATION_SEND_COMMIT, 0, 0x4000, 0, 0x10C0); /* 500 */
    OP(&s, GB_SYS_GR_RESERVATION_SEND_COMMIT, 0, 0xFFFFFFF0u, 0, 0x1100);
    j = env_handle(&e, &s, &d2);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, 0x1000, 305, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, 500, NULL, 32);
    gb_id m0 = gb_message_id_outgoing(d2.id, 0);
    EXPECT_ERR_STRUCT(&j, 0x1080, 0, m0.b, 32);
    EXPECT_ERR_STRUCT(&j, 0x10C0, 500, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1100, 201, NULL, 32);
    GB_EXPECT_U64(1, j.nmsgs);
    if (j.nmsgs) {
        GB_EXPECT_U64(2, j.msgs[0].payload_len);
        GB_EXPECT(!memcmp(j.msgs[0].payload, "ab", 2));
        GB_EXPECT_U64(9000, j.msgs[0].gas_limit);
        GB_EXPECT_U64(3, j.msgs[0].delay);
        GB_EXPECT(j.msgs[0].from_reservation);
    }
    GB_EXPECT_U64(1, j.nunreserved);
    gb_journal_free(&j);
    env_free(&e);
}

static void test_reservation_reply(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    e.v.balance = gb_u128_from(1000);
    gb_reservation view[2] = {
        {.id = gb_reservation_id(id_of(0x11), 0), .amount = 7000, .expires_at = 20},
        {.id = gb_reservation_id(id_of(0x11), 1), .amount = 8000, .expires_at = 30},
    };
    e.v.reservations = view;
    e.v.nreservations = 2;
    script s = {0};
    gb_dispatch d = pre_msg(&e, GB_DISPATCH_HANDLE, &s);
    gb_id r0 = gb_reservation_id(d.id, 0);
    poke(&s, 0x4100, "hi", 2);
    poke(&s, 0x4110, "ab", 2);
    reserve_at_rid(&s, 6000, 10);
    poke_value(&s, RID + 32, 5000); /* HashWithValue: too much value */
    poke_hash_value(&s, 0x4000, id_of(0x77), 0, 0);   /* unknown */
    poke_hash_value(&s, 0x4040, view[0].id, 0, 0);
    OP(&s, GB_SYS_GR_REPLY_PUSH, 0x4110, 2, 0x1300);
    OP(&s, GB_SYS_GR_RESERVATION_REPLY, RID, 0x4100, 2, 0x1000);    /* 101 */
    OP(&s, GB_SYS_GR_RESERVATION_REPLY, 0x4000, 0x4100, 2, 0x1040); /* 500 */
    poke_value(&s, RID + 32, 400);
    OP(&s, GB_SYS_GR_RESERVATION_REPLY, RID, 0x4100, 2, 0x1080);    /* ok */
    OP(&s, GB_SYS_GR_RESERVATION_REPLY_COMMIT, 0x4040, 0x10C0);     /* 302 */
    OP(&s, GB_SYS_GR_RESERVATION_REPLY_COMMIT, RID, 0x1100);        /* 500 */
    OP(&s, GB_SYS_GR_RESERVATION_REPLY, 0xFFFFFFF0u, 0x4100, 2, 0x1140);
    gb_journal j = run_built(&e, &d, &s);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, RID_ERR, 0, r0.b, 32);
    EXPECT_ERR_STRUCT(&j, 0x1000, 101, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, 500, NULL, 32);
    gb_id rid = gb_message_id_reply(d.id);
    EXPECT_ERR_STRUCT(&j, 0x1080, 0, rid.b, 32);
    EXPECT_ERR_STRUCT(&j, 0x10C0, 302, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1100, 500, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1140, 201, NULL, 32);
    GB_EXPECT(j.has_reply);
    GB_EXPECT(gb_id_eq(rid, j.reply.id));
    GB_EXPECT_U64(4, j.reply.payload_len);
    GB_EXPECT(!memcmp(j.reply.payload, "abhi", 4));
    GB_EXPECT(!gb_u128_cmp(gb_u128_from(400), j.reply.value));
    GB_EXPECT(j.reply.has_gas_limit);
    GB_EXPECT_U64(6000, j.reply.gas_limit);
    GB_EXPECT(j.reply.from_reservation);
    GB_EXPECT(gb_id_eq(r0, j.reply.reservation));
    GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL, jcode(&j));
    GB_EXPECT_U64(1, j.nreserved);
    GB_EXPECT_U64(1, j.nunreserved);
    EXPECT_BURNED_BELOW(&e, j, 2);
    gb_journal_free(&j);

    /* gr_reservation_reply_commit sends the pushed bytes, from a view
     * reservation */
    s.n = 0;
    poke(&s, 0x4110, "xyz", 3);
    poke_hash_value(&s, 0x4040, view[1].id, 0, 0);
    OP(&s, GB_SYS_GR_REPLY_PUSH, 0x4110, 3, 0x1300);
    OP(&s, GB_SYS_GR_RESERVATION_REPLY_COMMIT, 0x4040, 0x1000);
    j = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, 0x1000, 0, gb_message_id_reply(d.id).b, 32);
    GB_EXPECT_U64(3, j.reply.payload_len);
    GB_EXPECT_U64(8000, j.reply.gas_limit);
    GB_EXPECT(j.reply.from_reservation);
    GB_EXPECT(gb_id_eq(view[1].id, j.reply.reservation));
    GB_EXPECT_U64(0, j.nreserved);
    GB_EXPECT_U64(1, j.nunreserved);
    if (j.nunreserved)
        GB_EXPECT(j.unreserved[0].used);
    gb_journal_free(&j);

    /* in handle_reply: the reservation first (500), then 108; the
     * reservation stays unused */
    s.n = 0;
    poke_hash_value(&s, 0x4000, id_of(0x77), 0, 0);
    poke_hash_value(&s, 0x4040, view[1].id, 0, 0);
    OP(&s, GB_SYS_GR_RESERVATION_REPLY_COMMIT, 0x4000, 0x1000);
    OP(&s, GB_SYS_GR_RESERVATION_REPLY_COMMIT, 0x4040, 0x1040);
    d = env_msg(&e, GB_DISPATCH_REPLY, &s, ENV_GAS);
    j = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    EXPECT_ERR_STRUCT(&j, 0x1000, 500, NULL, 32);
    EXPECT_ERR_STRUCT(&j, 0x1040, 108, NULL, 32);
    GB_EXPECT_U64(0, j.nunreserved);
    GB_EXPECT(!j.has_reply);
    gb_journal_free(&j);
    env_free(&e);
}

/* The reservation nonce and the system reservation live in the message's
 * context: a resumed message goes on from them. */
static void test_across_wait(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    script s = {0};
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 10, 0x1000);
    OP(&s, GB_SYS_GR_SYSTEM_RESERVE_GAS, 1000, 0x1040);
    OP(&s, GB_SYS_GR_SYSTEM_RESERVE_GAS, 0, 0x1044);          /* 503 */
    OP(&s, GB_SYS_GR_SYSTEM_RESERVE_GAS, 2 * ENV_GAS, 0x1048);  /* 100 */
    OP(&s, GB_SYS_GR_SYSTEM_RESERVE_GAS, 234, 0x104C);
    OP0(&s, GB_SYS_GR_WAIT);
    gb_dispatch d;
    gb_journal j1 = env_handle(&e, &s, &d);
    GB_EXPECT_U64(GB_OUTCOME_WAIT, j1.outcome);
    gb_id r0 = gb_reservation_id(d.id, 0);
    EXPECT_ERR_STRUCT(&j1, 0x1000, 0, r0.b, 32);
    GB_EXPECT_U64(0, mem32(&j1, 0x1040));
    GB_EXPECT_U64(503, mem32(&j1, 0x1044));
    GB_EXPECT_U64(100, mem32(&j1, 0x1048));
    GB_EXPECT_U64(0, mem32(&j1, 0x104C));
    GB_EXPECT_U64(1, j1.nreserved);
    GB_EXPECT_U64(1, j1.ctx.reservation_nonce);
    GB_EXPECT_U64(1234, j1.system_reserved);
    GB_EXPECT_U64(1234, j1.ctx.system_reservation);
    EXPECT_BURNED_BELOW(&e, j1, 2); /* neither is burned */

    /* resumed: the same message id, the context, the program now has the
     * reservation of the first run */
    gb_reservation view[1];
    if (j1.nreserved)
        view[0] = j1.reserved[0];
    e.v.reservations = view;
    e.v.nreservations = 1;
    s.n = 0;
    poke(&s, 0x4000, r0.b, 32);
    OP(&s, GB_SYS_GR_RESERVE_GAS, 6000, 10, 0x1000);
    OP(&s, GB_SYS_GR_UNRESERVE_GAS, 0x4000, 0x1040);
    OP(&s, GB_SYS_GR_SYSTEM_RESERVE_GAS, 500, 0x1060);
    d.ctx = j1.ctx;
    d.payload_len = s.n;
    gb_journal j2 = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j2.outcome);
    EXPECT_ERR_STRUCT(&j2, 0x1000, 0, gb_reservation_id(d.id, 1).b, 32);
    GB_EXPECT_U64(0, mem32(&j2, 0x1040));
    GB_EXPECT_U64(5000, le64_at(&j2, 0x1044));
    GB_EXPECT_U64(2, j2.ctx.reservation_nonce);
    GB_EXPECT_U64(500, j2.system_reserved);
    GB_EXPECT_U64(1734, j2.ctx.system_reservation);
    GB_EXPECT_U64(1, j2.nunreserved);
    if (j2.nunreserved) {
        GB_EXPECT(gb_id_eq(r0, j2.unreserved[0].id));
        GB_EXPECT(!j2.unreserved[0].used);
    }
    gb_journal_free(&j1);
    gb_journal_free(&j2);

    /* forbidden in handle_signal */
    s.n = 0;
    OP(&s, GB_SYS_GR_SYSTEM_RESERVE_GAS, 1000, 0x1040);
    d = env_msg(&e, GB_DISPATCH_SIGNAL, &s, ENV_GAS);
    j1 = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_FAILED, j1.outcome);
    GB_EXPECT_STR_CONTAINS(j1.trap_msg, "forbidden");
    gb_journal_free(&j1);
    /* gr_reserve_gas is not: it works there */
    s.n = 0;
    OP(&s, GB_SYS_GR_RESERVE_GAS, 5000, 1, 0x1000);
    d = env_msg(&e, GB_DISPATCH_SIGNAL, &s, ENV_GAS);
    j1 = env_run(&e, &d);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j1.outcome);
    GB_EXPECT_U64(1, j1.nreserved);
    gb_journal_free(&j1);
    env_free(&e);
}

static void test_reply_deposit(void)
{
    sysenv e;
    GB_EXPECT(env_init(&e, NULL));
    e.v.balance = gb_u128_from(2 * ED);
    script s = {0};
    gb_dispatch d = pre_msg(&e, GB_DISPATCH_HANDLE, &s);
    uint8_t cid[48] = {0};
    memset(cid, 0x33, 32);
    poke(&s, 0x4200, cid, 48);
    poke_hash_value(&s, 0x4000, id_of(0xcc), 0, 0);
    poke(&s, 0x4100, d.id.b, 32); /* the message being handled */
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0, 0, 0, RID_ERR);      /* mid at RID */
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, RID, 2 * ENV_GAS, 0x1000); /* 100 */
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, RID, 10000, 0x1004);     /* ok */
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, RID, 5000, 0x1008);      /* 309 */
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, RID, 2 * ENV_GAS, 0x100C); /* 100 first */
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x4100, 1000, 0x1010);   /* 310 */
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0xFFFFFFF0u, 1000, 0x1014); /* 201 */
    /* a program's init message counts; the reply does not */
    OP(&s, GB_SYS_GR_CREATE_PROGRAM, 0x4200, 0, 0, 0, 0, 0, 0x5FFC);
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x6000, 0, 0x1018);      /* ok, 0 gas */
    OP(&s, GB_SYS_GR_REPLY, 0, 0, NO_VALUE, 0x6FFC);
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x7000, 1000, 0x101C);   /* 310 */
    gb_journal j = run_built(&e, &d, &s);
    GB_EXPECT_U64(GB_OUTCOME_SUCCESS, j.outcome);
    gb_id mid = gb_message_id_outgoing(d.id, 0);
    GB_EXPECT(!memcmp(mem(&j, RID), mid.b, 32));
    GB_EXPECT_U64(100, mem32(&j, 0x1000));
    GB_EXPECT_U64(0, mem32(&j, 0x1004));
    GB_EXPECT_U64(309, mem32(&j, 0x1008));
    GB_EXPECT_U64(100, mem32(&j, 0x100C));
    GB_EXPECT_U64(310, mem32(&j, 0x1010));
    GB_EXPECT_U64(201, mem32(&j, 0x1014));
    GB_EXPECT_U64(0, mem32(&j, 0x5FFC));
    GB_EXPECT_U64(0, mem32(&j, 0x1018));
    GB_EXPECT_U64(0, mem32(&j, 0x6FFC));
    GB_EXPECT_U64(310, mem32(&j, 0x101C));
    GB_EXPECT_U64(2, j.ndeposits);
    if (j.ndeposits == 2) {
        GB_EXPECT(gb_id_eq(mid, j.deposits[0].message_id));
        GB_EXPECT_U64(10000, j.deposits[0].gas);
        GB_EXPECT(gb_id_eq(gb_message_id_outgoing(d.id, 1),
                           j.deposits[1].message_id));
        GB_EXPECT_U64(0, j.deposits[1].gas);
    }
    EXPECT_BURNED_BELOW(&e, j, 3); /* the deposit is not burned */
    gb_journal_free(&j);

    /* a message sent from a reservation can get a deposit too */
    s.n = 0;
    d = pre_msg(&e, GB_DISPATCH_HANDLE, &s);
    reserve_at_rid(&s, 5000, 10);
    poke_hash_value(&s, RID + 32, id_of(0xcc), 0, 0);
    OP(&s, GB_SYS_GR_RESERVATION_SEND, RID, 0, 0, 0, 0x4FBC); /* mid 0x4FC0 */
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x4FC0, 3000, 0x1000);
    j = run_built(&e, &d, &s);
    GB_EXPECT_U64(0, mem32(&j, 0x4FBC));
    GB_EXPECT_U64(0, mem32(&j, 0x1000));
    GB_EXPECT_U64(1, j.ndeposits);
    gb_journal_free(&j);
    env_free(&e);
}

int main(void)
{
    GB_RUN(test_reserve);
    GB_RUN(test_limit);
    GB_RUN(test_unreserve);
    GB_RUN(test_reservation_send);
    GB_RUN(test_reservation_reply);
    GB_RUN(test_across_wait);
    GB_RUN(test_reply_deposit);
    return gb_test_summary();
}
