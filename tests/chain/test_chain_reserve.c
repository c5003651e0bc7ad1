/*
 * Gas reservations, reply deposits and system reservations in the chain,
 * with the script-driven program tests/data/gear/sys_ops.wat
 * ($GB_TEST_WASM/sys_ops.wasm; scripts built with
 * tests/gear/test_syscalls_util.h).  Two instances: P (reserves, sends)
 * and Q (reports the gas it runs with to alice, replies).
 *
 * After every block the audit is exact: accounts + programs + held value +
 * held gas (messages, deposits, system reservations, reservations) +
 * burned == issuance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "gear/test_syscalls_util.h"

/* what a run spends before it reports gr_gas_available: the precharge
 * (reading the program, its code and instantiating it: ~1.4e8 for
 * sys_ops), the memory pages it touches (~1.4e8 each) and the
 * instructions on the way */
#define RUN_COST 500000000ull
#define GAS 100000000000ull

static gb_chain *C;

static gb_id alice(void) { return gb_dev_account_id(0); }

/* USER_MESSAGE events of the last blocks */
typedef struct umsg {
    gb_id id, from, reply_to;
    bool is_reply;
    uint8_t payload[64];
    uint32_t len;
} umsg;
static umsg M[64];
static uint32_t NM;

static gb_chain_totals audit(void)
{
    gb_chain_totals s;
    fx_check_conservation(C);
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &s));
    GB_EXPECT(gb_u128_cmp(s.reserved_gas, s.held_gas) <= 0);
    return s;
}

static uint32_t failed_runs;

static void block(void)
{
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(C, &r));
    for (uint32_t i = 0; i < r.nevents; i++) {
        const gb_event *ev = &r.events[i];
        /* (automatic replies carry no gas, as on Vara: Q's to P fail
         * their precharge, burning nothing; they do not count here) */
        if (ev->kind == GB_EV_DISPATCHED && ev->outcome == GB_OUTCOME_FAILED &&
            !(ev->dispatch_kind == GB_DISPATCH_REPLY && !ev->gas_burned)) {
            failed_runs++;
            if (getenv("GB_CHAIN_TRACE"))
                fprintf(stderr, "  failed: burned %llu, %.*s\n",
                        (unsigned long long)ev->gas_burned,
                        (int)r.events[i].payload_len, (const char *)r.events[i].payload);
        }
        if (ev->kind != GB_EV_USER_MESSAGE || NM == 64)
            continue;
        umsg *m = &M[NM++];
        *m = (umsg){.id = ev->id, .from = ev->source, .reply_to = ev->reply_to,
                    .is_reply = ev->is_reply};
        m->len = ev->payload_len < 64 ? ev->payload_len : 64;
        if (m->len)
            memcpy(m->payload, ev->payload, m->len);
    }
    gb_block_result_free(&r);
    audit();
}

static gb_id submit(gb_tx tx)
{
    gb_id id = {{0}};
    char detail[256] = "";
    gb_err e = gb_chain_submit(C, &tx, &id, detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e)
        fprintf(stderr, "  submit: %s\n", detail);
    return id;
}

static gb_id send_script(gb_id to, const script *s)
{
    return submit((gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                          .destination = to, .payload = s->b,
                          .payload_len = s->n, .gas_limit = GAS});
}

static uint64_t u64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t balance_of(gb_id id)
{
    gb_u128 b = gb_chain_balance(C, id);
    return b.lo; /* (well below 2^64 here) */
}

/* The gas Q reported to alice from program `from` (a message, not a
 * reply, of 8 bytes); 0 when none. */
static uint64_t reported_gas(gb_id from)
{
    for (uint32_t i = 0; i < NM; i++)
        if (!M[i].is_reply && gb_id_eq(M[i].from, from) && M[i].len == 8)
            return u64le(M[i].payload);
    return 0;
}

/* A script that sends alice (a user) what gr_gas_available says. */
static void report_gas(script *s)
{
    OP(s, GB_SYS_GR_GAS_AVAILABLE, 0x4000);
    poke_hash_value(s, 0x4200, alice(), 0, 0);
    OP(s, GB_SYS_GR_SEND, 0x4200, 0x4000, 8, 0, 0x4300);
}

static gb_id create_sys(gb_id code, const char *salt)
{
    return submit((gb_tx){.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                          .code_id = code, .salt = (const uint8_t *)salt,
                          .salt_len = (uint32_t)strlen(salt),
                          .gas_limit = GAS});
}

static void test_reservations(void)
{
    char path[1024];
    const char *dir = getenv("GB_TEST_WASM");
    snprintf(path, sizeof path, "%s/sys_ops.wasm", dir ? dir : ".");
    FILE *f = fopen(path, "rb");
    if (!f) {
        GB_FAIL_("cannot open %s", path);
        return;
    }
    static uint8_t wasm[1 << 20];
    uint32_t wlen = (uint32_t)fread(wasm, 1, sizeof wasm, f);
    fclose(f);

    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_chain_open(&cfg, &C, detail, sizeof detail));
    if (!C)
        return;
    gb_id code = submit((gb_tx){.kind = GB_TX_UPLOAD_CODE, .sender = alice(),
                                .code = wasm, .code_len = wlen});
    gb_id P = create_sys(code, "P");
    gb_id Q = create_sys(code, "Q");
    block();
    GB_EXPECT_U64(0, failed_runs);

    /* 1. P reserves R1 (used later), R2 (unreserved later), R3 (expires
     * after 3 blocks), and sets aside a system reservation */
    const uint64_t R1 = 10000000000, R2 = 20000000000, R3 = 3000000000;
    script s = {0};
    OP(&s, GB_SYS_GR_RESERVE_GAS, R1, 50, 0x4000);
    OP(&s, GB_SYS_GR_RESERVE_GAS, R2, 100, 0x4040);
    OP(&s, GB_SYS_GR_RESERVE_GAS, R3, 3, 0x4080);
    OP(&s, GB_SYS_GR_SYSTEM_RESERVE_GAS, 100000000, 0x40C0);
    gb_id m1 = send_script(P, &s);
    block();
    uint32_t h1 = gb_chain_height(C);
    GB_EXPECT_U64(0, failed_runs);
    gb_chain_totals t = audit();
    /* each with its rent locked up front: 100 x (ReserveFor + duration)
     * (Gear's reserve_gas note: amount + lock_amount) */
    const uint64_t L1 = 100 * 51, L2 = 100 * 101, L3 = 100 * 4;
    GB_EXPECT_U64((R1 + R2 + R3 + L1 + L2 + L3) * GB_CHAIN_VALUE_PER_GAS,
                  t.reserved_gas.lo);
    GB_EXPECT_U64(0, t.reserved_gas.hi);
    gb_id r1 = gb_reservation_id(m1, 0), r2 = gb_reservation_id(m1, 1);

    /* 2. P sends Q a message from R1 (Q reports the gas it got) and
     * unreserves R2 */
    script q = {0};
    report_gas(&q);
    s = (script){0};
    poke(&s, 0x4400, q.b, q.n);
    uint8_t ids[80] = {0};
    memcpy(ids, r1.b, 32);
    memcpy(ids + 32, Q.b, 32);
    poke(&s, 0x4000, ids, 80);
    OP(&s, GB_SYS_GR_RESERVATION_SEND, 0x4000, 0x4400, q.n, 0, 0x4100);
    poke(&s, 0x4200, r2.b, 32);
    OP(&s, GB_SYS_GR_UNRESERVE_GAS, 0x4200, 0x4240);
    NM = 0;
    send_script(P, &s);
    block();
    GB_EXPECT_U64(0, failed_runs);
    uint64_t got = reported_gas(Q);
    if (getenv("GB_CHAIN_TRACE"))
        fprintf(stderr, "  Q ran with %llu of R1\n", (unsigned long long)got);
    /* R1 and what one block of rent left of its lock */
    GB_EXPECT(got <= R1 + L1 - 100 && got > R1 - RUN_COST);
    if (!(got <= R1 + L1 - 100 && got > R1 - RUN_COST))
        fprintf(stderr, "  Q ran with %llu, reservation %llu\n",
                (unsigned long long)got, (unsigned long long)R1);
    t = audit();
    GB_EXPECT_U64((R3 + L3) * GB_CHAIN_VALUE_PER_GAS,
                  t.reserved_gas.lo); /* R1 used, R2 unreserved */

    /* 3. R3 expires at h1 + 3: 3 blocks of rent paid out of its lock,
     * the rest back to alice, exactly */
    while (gb_chain_height(C) < h1 + 2)
        block();
    uint64_t before = balance_of(alice());
    block();
    GB_EXPECT_U64(h1 + 3, gb_chain_height(C));
    GB_EXPECT_U64(before + (R3 + L3 - 300) * GB_CHAIN_VALUE_PER_GAS,
                  balance_of(alice()));
    t = audit();
    GB_EXPECT_U64(0, t.reserved_gas.lo);

    /* 4. a reply deposit: P sends Q a message (no gas limit) with a
     * deposit D; Q replies with a script for P's handle_reply, which
     * reports the gas the reply came with: D, not a share of Q's gas */
    const uint64_t D = 7000000000;
    script pr = {0};
    report_gas(&pr);
    q = (script){0};
    poke(&q, 0x4400, pr.b, pr.n);
    OP(&q, GB_SYS_GR_REPLY, 0x4400, pr.n, NO_VALUE, 0x4100);
    s = (script){0};
    poke(&s, 0x5000, q.b, q.n);
    poke_hash_value(&s, 0x4000, Q, 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x5000, q.n, 0, 0x4100);
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x4104, D, 0x4140);
    NM = 0;
    send_script(P, &s);
    block();
    GB_EXPECT_U64(0, failed_runs);
    got = reported_gas(P);
    if (getenv("GB_CHAIN_TRACE"))
        fprintf(stderr, "  the reply ran with %llu of D\n",
                (unsigned long long)got);
    GB_EXPECT(got <= D && got > D - RUN_COST);
    if (!(got <= D && got > D - RUN_COST))
        fprintf(stderr, "  the reply ran with %llu, deposit %llu\n",
                (unsigned long long)got, (unsigned long long)D);

    /* 5. a deposit for a message to a user: kept with the mail for its
     * reply — here the automatic one when alice claims it */
    s = (script){0};
    poke_hash_value(&s, 0x4000, alice(), 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x5000, 0, 0, 0x4100);
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x4104, D, 0x4140);
    NM = 0;
    send_script(P, &s);
    block();
    GB_EXPECT_U64(0, failed_runs);
    GB_EXPECT(NM >= 1 && !M[0].is_reply); /* (then the reply to alice) */
    t = audit();
    gb_u128 held = fx_mailbox_gas(C);
    gb_u128_add_to(&held, gb_chain_gas_value(D));
    GB_EXPECT(!gb_u128_cmp(t.held_gas, held));
    submit((gb_tx){.kind = GB_TX_CLAIM_VALUE, .sender = alice(),
                   .destination = M[0].id});
    block();
    GB_EXPECT_U64(0, failed_runs);
    t = audit();
    GB_EXPECT(!gb_u128_cmp(t.held_gas, fx_mailbox_gas(C)));

    /* 6. a waiting message holds its system reservation (and its
     * deposit's reply still gets the deposit); it is refunded when the
     * message leaves the waitlist for good (E exits) */
    gb_id E = create_sys(code, "E");
    block();
    s = (script){0};
    poke_hash_value(&s, 0x4000, Q, 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x5000, 0, 0, 0x4100);
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x4104, D, 0x4140);
    OP(&s, GB_SYS_GR_SYSTEM_RESERVE_GAS, 50000000, 0x4180);
    /* (up to 100 blocks, as gstd waits: a plain gr_wait would lock the
     * rest of the gas for its rent, and the gasless send, drawing on the
     * same gas, would have none to run on) */
    OP(&s, GB_SYS_GR_WAIT_UP_TO, 100);
    send_script(E, &s);
    block();
    block();
    GB_EXPECT_U64(0, failed_runs);
    GB_EXPECT_U64(1, gb_chain_pending(C)); /* waiting */
    t = audit();
    GB_EXPECT(gb_u128_cmp(t.held_gas, gb_u128_from(50000000)) > 0);
    s = (script){0};
    poke(&s, 0x4000, alice().b, 32);
    OP(&s, GB_SYS_GR_EXIT, 0x4000);
    send_script(E, &s);
    block();
    GB_EXPECT_U64(0, failed_runs);

    /* 7. nothing is left held once everything settled (but the gas of
     * the mail held in mailboxes) */
    block();
    t = audit();
    GB_EXPECT(!gb_u128_cmp(t.held_gas, fx_mailbox_gas(C)));
    GB_EXPECT_U64(0, gb_chain_pending(C));
    gb_chain_close(C);
    C = NULL;
}

int main(void)
{
    GB_RUN(test_reservations);
    return gb_test_summary();
}
