/*
 * Gas and value as Gear moves them, through the chain: gas given with a
 * message comes out of the sender's own gas (NotEnoughGas when it has not
 * that much), automatic replies carry no gas but a reply deposit, unused
 * gas goes back to the user who paid for the message's tree, and a
 * program's value counter survives a wait (create_program after a wake).
 *
 * Programs: tests/data/gear/sys_ops.wat (a syscall interpreter, scripts
 * built with tests/gear/test_syscalls_util.h) and
 * tests/data/gear/create_wait.wat.  After every block the audit is exact
 * (accounts + programs + held value and gas + burned + fees == issuance).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "chain/chain_int.h" /* the store: the gas table's entries */
#include "gear/test_syscalls_util.h"

#define GAS 100000000000ull
#define ED GB_GEAR_EXISTENTIAL_DEPOSIT

static gb_chain *C;
static gb_id SYS; /* sys_ops' code id */

static gb_id alice(void) { return gb_dev_account_id(0); }
static gb_id bob(void) { return gb_dev_account_id(1); }

/* What the last blocks did (since the last reset). */
typedef struct seen {
    uint32_t failed, failed_replies, ok_replies;
    uint64_t burned;        /* gas burned by every run */
    uint64_t replies_burned; /* of it, by runs of replies */
    uint8_t mail[8][64];    /* payloads of messages (not replies) to users */
    uint32_t mail_len[8], nmail;
    bool init_failed;
    uint8_t reply[64];      /* the last reply to a user */
    uint32_t reply_len;
    uint8_t reply_code[4];
    uint32_t expired;       /* mailbox messages removed out of rent */
    uint32_t held;          /* messages to users held in the mailbox */
    gb_id mail_id[8];       /* the ids of mail[] */
    /* replies from alice to programs that ran: the automatic ones
     * (gasless), or hers */
    uint32_t user_replies_ok, user_replies_failed;
    uint64_t user_reply_burned;
    gb_id user_reply_id, user_reply_to;
} seen;
static seen S;

static void block(void)
{
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(C, &r));
    for (uint32_t i = 0; i < r.nevents; i++) {
        const gb_event *ev = &r.events[i];
        if (ev->kind == GB_EV_DISPATCHED) {
            S.burned += ev->gas_burned;
            bool reply = ev->dispatch_kind == GB_DISPATCH_REPLY;
            if (reply)
                S.replies_burned += ev->gas_burned;
            if (ev->outcome == GB_OUTCOME_FAILED)
                reply ? S.failed_replies++ : S.failed++;
            else if (reply)
                S.ok_replies++;
            if (reply && gb_id_eq(ev->source, alice())) {
                ev->outcome == GB_OUTCOME_FAILED ? S.user_replies_failed++
                                                 : S.user_replies_ok++;
                S.user_reply_burned += ev->gas_burned;
                S.user_reply_id = ev->id;
                S.user_reply_to = ev->destination;
            }
        }
        if (ev->kind == GB_EV_INIT_FAILED)
            S.init_failed = true;
        if (ev->kind == GB_EV_MAILBOX_READ &&
            ev->read_reason == GB_READ_EXPIRED)
            S.expired++;
        if (ev->kind == GB_EV_USER_MESSAGE && ev->expires_at)
            S.held++;
        if (ev->kind == GB_EV_USER_MESSAGE && !ev->is_reply && S.nmail < 8) {
            uint32_t n = ev->payload_len < 64 ? ev->payload_len : 64;
            if (n)
                memcpy(S.mail[S.nmail], ev->payload, n);
            S.mail_id[S.nmail] = ev->id;
            S.mail_len[S.nmail++] = n;
        }
        if (ev->kind == GB_EV_USER_MESSAGE && ev->is_reply) {
            S.reply_len = ev->payload_len < 64 ? ev->payload_len : 64;
            if (S.reply_len)
                memcpy(S.reply, ev->payload, S.reply_len);
            memcpy(S.reply_code, ev->reply_code, 4);
        }
    }
    gb_block_result_free(&r);
    fx_check_conservation(C);
}

/* Blocks until nothing is queued or held. */
static void settle(void)
{
    for (int i = 0; i < 20 && (gb_chain_pending(C) || i == 0); i++)
        block();
    GB_EXPECT_U64(0, gb_chain_pending(C));
}

static void open_chain(void)
{
    C = fx_open_chain(NULL);
    uint32_t len;
    uint8_t *code = fx_read_wasm("GB_TEST_WASM", "sys_ops", &len);
    SYS = fx_submit(C, (gb_tx){.kind = GB_TX_UPLOAD_CODE, .sender = alice(),
                               .code = code, .code_len = len});
    free(code);
}

static gb_id create_sys(const char *salt)
{
    return fx_submit(C, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                .sender = alice(), .code_id = SYS,
                                .salt = (const uint8_t *)salt,
                                .salt_len = (uint32_t)strlen(salt),
                                .gas_limit = GAS});
}

static gb_id send_script(gb_id from, gb_id to, const script *s,
                         uint64_t gas)
{
    return fx_submit(C, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = from,
                                .destination = to, .payload = s->b,
                                .payload_len = s->n, .gas_limit = gas});
}

static uint32_t u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* gr_send_wgas with more gas than the message has left: NotEnoughGas
 * (100), which the program sees as an error (it goes on: here it mails
 * the code to alice); with gas it has, the send works (0). */
static void test_wgas_not_enough_gas(void)
{
    open_chain();
    gb_id P = create_sys("P"), Q = create_sys("Q");
    settle();
    memset(&S, 0, sizeof S);
    script s = {0};
    poke_hash_value(&s, 0x4000, Q, 0, 0);
    /* more than the whole message's gas */
    OP(&s, GB_SYS_GR_SEND_WGAS, 0x4000, 0x5000, 0, 2 * GAS, 0, 0x4100);
    /* a part of it */
    OP(&s, GB_SYS_GR_SEND_WGAS, 0x4000, 0x5000, 0, GAS / 10, 0, 0x4140);
    poke_hash_value(&s, 0x4200, alice(), 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4200, 0x4100, 4, 0, 0x4300);
    OP(&s, GB_SYS_GR_SEND, 0x4200, 0x4140, 4, 0, 0x4300);
    send_script(alice(), P, &s, GAS);
    settle();
    GB_EXPECT_U64(0, S.failed);
    GB_EXPECT_U64(2, S.nmail);
    GB_EXPECT_U64(GB_EXT_NOT_ENOUGH_GAS, u32le(S.mail[0]));
    GB_EXPECT_U64(100, u32le(S.mail[0])); /* Gear's code */
    GB_EXPECT_U64(0, u32le(S.mail[1]));
    gb_chain_close(C);
}

/* An automatic reply carries no gas (Gear's ReplyPacket::auto): to a
 * program it fails its precharge, burning nothing; with a reply deposit
 * it runs on the deposit. */
static void test_auto_reply_gas(void)
{
    open_chain();
    gb_id P = create_sys("P"), Q = create_sys("Q");
    settle();
    /* P sends Q an empty script: Q's run ends without replying */
    memset(&S, 0, sizeof S);
    script s = {0};
    poke_hash_value(&s, 0x4000, Q, 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x5000, 0, 0, 0x4100);
    send_script(alice(), P, &s, GAS);
    settle();
    GB_EXPECT_U64(0, S.failed);
    GB_EXPECT_U64(1, S.failed_replies); /* Q's auto reply to P */
    GB_EXPECT_U64(0, S.ok_replies);
    /* the same with a deposit for the reply */
    memset(&S, 0, sizeof S);
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x4104, 3000000000ull, 0x4140);
    send_script(alice(), P, &s, GAS);
    settle();
    GB_EXPECT_U64(0, S.failed);
    GB_EXPECT_U64(0, S.failed_replies);
    GB_EXPECT_U64(1, S.ok_replies);
    gb_chain_close(C);
}

/* What a tree of messages did not burn comes back to the user who paid
 * for its root: bob's balance drops by exactly the gas burned by every run
 * of the tree (at GB_CHAIN_VALUE_PER_GAS) and the transaction's fee, also
 * when the gas went on with messages between programs and a reply
 * deposit. */
static void test_refund_to_payer(void)
{
    open_chain();
    gb_id P = create_sys("P"), Q = create_sys("Q");
    settle();
    script q = {0}; /* Q: a gasless message to R... to P itself, empty */
    poke_hash_value(&q, 0x4000, P, 0, 0);
    OP(&q, GB_SYS_GR_SEND, 0x4000, 0x5000, 0, 0, 0x4100);
    script s = {0};
    poke(&s, 0x6000, q.b, q.n);
    poke_hash_value(&s, 0x4000, Q, 0, 0);
    OP(&s, GB_SYS_GR_SEND_WGAS, 0x4000, 0x6000, q.n, GAS / 4, 0, 0x4100);
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x4104, 2000000000ull, 0x4140);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x5000, 0, 0, 0x4100);
    gb_u128 before = gb_chain_balance(C, bob());
    memset(&S, 0, sizeof S);
    send_script(bob(), P, &s, GAS);
    settle();
    GB_EXPECT_U64(0, S.failed);
    GB_EXPECT(S.burned > 0);
    gb_u128 after = gb_chain_balance(C, bob());
    gb_u128 paid = gb_u128_sub(before, after);
    gb_u128 want = gb_chain_gas_value(S.burned);
    gb_u128_add_to(&want, fx_fee(C, s.n));
    char a[40], b[40];
    gb_u128_to_dec(paid, a);
    gb_u128_to_dec(want, b);
    GB_EXPECT(strcmp(a, b) == 0);
    if (strcmp(a, b))
        fprintf(stderr, "  bob paid %s, burned + fee %s\n", a, b);
    gb_chain_totals t;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t));
    GB_EXPECT(!gb_u128_cmp(t.held_gas, fx_mailbox_gas(C)));
    gb_chain_close(C);
}

/* create_wait's init: create child 1 with value + ED, wait for its init's
 * reply, create child 2 when woken.  Gear's value counter: the balance
 * less the locked ED, plus the init's value on its first run only — so
 * value v1 + v2 + 2 ED sent with the init is exactly enough, and one
 * less makes the second create fail with NotEnoughValue (101). */
static void create_wait(int short_by)
{
    open_chain();
    uint32_t len;
    uint8_t *code = fx_read_wasm("GB_TEST_WASM", "create_wait", &len);
    gb_id cw = fx_submit(C, (gb_tx){.kind = GB_TX_UPLOAD_CODE,
                                    .sender = alice(), .code = code,
                                    .code_len = len});
    free(code);
    block();
    const uint64_t v1 = 5, v2 = 7;
    uint8_t init[96] = {0};
    memcpy(init, SYS.b, 32);
    init[32] = (uint8_t)v1;
    memcpy(init + 48, SYS.b, 32);
    init[80] = (uint8_t)v2;
    gb_u128 value = gb_u128_from(v1 + v2 + 2 * ED - (uint64_t)short_by);
    gb_id mid = {{0}};
    char detail[256] = "";
    gb_tx tx = {.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                .code_id = cw, .salt = (const uint8_t *)"cw", .salt_len = 2,
                .payload = init, .payload_len = 96, .gas_limit = GAS,
                .value = value};
    gb_id P = {{0}};
    GB_EXPECT_ERR(GB_OK, gb_chain_submit_ids(C, &tx, &P, &mid, detail,
                                             sizeof detail));
    memset(&S, 0, sizeof S);
    settle();
    gb_id c1 = gb_program_id_from_program(mid, SYS, "a", 1);
    gb_id c2 = gb_program_id_from_program(mid, SYS, "b", 1);
    gb_chain_prog_info pi;
    GB_EXPECT_ERR(GB_OK, gb_chain_program_info(C, c1, &pi));
    GB_EXPECT(!gb_u128_cmp(pi.balance, gb_u128_from(ED + v1)));
    if (!short_by) {
        GB_EXPECT(!S.init_failed);
        GB_EXPECT_U64(0, S.failed);
        GB_EXPECT_ERR(GB_OK, gb_chain_program_info(C, c2, &pi));
        GB_EXPECT(!gb_u128_cmp(pi.balance, gb_u128_from(ED + v2)));
        GB_EXPECT_ERR(GB_OK, gb_chain_program_info(C, P, &pi));
        GB_EXPECT_U64(1, pi.status); /* active */
        GB_EXPECT(!gb_u128_cmp(pi.balance, gb_u128_from(ED)));
    } else {
        GB_EXPECT(S.init_failed);
        GB_EXPECT_ERR(GB_NOT_FOUND, gb_chain_program_info(C, c2, &pi));
        /* the panic payload: the create's error code */
        GB_EXPECT_U64(4, S.reply_len);
        GB_EXPECT_U64(GB_EXT_NOT_ENOUGH_VALUE, u32le(S.reply));
    }
    gb_chain_close(C);
}

/* A handle that made a system reservation and then fails sends its
 * program a signal, paid from that reservation, with Gear's code:
 * UserspacePanic 100, RanOutOfGas 101, UnreachableInstruction 104.  One
 * that succeeds, or fails without a reservation, sends none. */
static void test_signals(void)
{
    open_chain();
    uint32_t len;
    uint8_t *code = fx_read_wasm("GB_TEST_WASM", "signals", &len);
    gb_id sc = fx_submit(C, (gb_tx){.kind = GB_TX_UPLOAD_CODE,
                                    .sender = alice(), .code = code,
                                    .code_len = len});
    free(code);
    gb_id carol = gb_dev_account_id(2);
    gb_id P = fx_submit(C, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                   .sender = alice(), .code_id = sc,
                                   .payload = carol.b, .payload_len = 32,
                                   .gas_limit = GAS});
    settle();
    static const struct {
        char op;
        uint64_t gas;
        uint32_t signal; /* 0: none */
    } cases[] = {{'p', GAS, 100}, {'u', GAS, 104},
                 {'g', 20000000000ull, 101}, {'o', GAS, 0}, {'n', GAS, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(&S, 0, sizeof S);
        gb_id m = fx_submit(C, (gb_tx){.kind = GB_TX_SEND_MESSAGE,
                                       .sender = bob(), .destination = P,
                                       .payload = (const uint8_t *)
                                                      &cases[i].op,
                                       .payload_len = 1,
                                       .gas_limit = cases[i].gas});
        settle();
        if (!cases[i].signal) {
            GB_EXPECT_U64(0, S.nmail);
            continue;
        }
        GB_EXPECT_U64(1, S.nmail);
        GB_EXPECT_U64(40, S.mail_len[0]);
        GB_EXPECT_U64(cases[i].signal, u32le(S.mail[0]));
        GB_EXPECT_U64(0, u32le(S.mail[0] + 4));
        GB_EXPECT(!memcmp(S.mail[0] + 8, m.b, 32)); /* signal_from */
    }
    gb_chain_totals t;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t));
    GB_EXPECT(!gb_u128_cmp(t.held_gas, fx_mailbox_gas(C)));
    gb_chain_close(C);
}

/* Gear's estimate forbids gr_gas_available: a message whose run calls it
 * cannot be estimated (its result would depend on the gas being sought);
 * one that does not can.  In a block it works. */
static void test_estimate_forbids_gas_available(void)
{
    open_chain();
    gb_id P = create_sys("P");
    settle();
    script s = {0};
    OP(&s, GB_SYS_GR_GAS_AVAILABLE, 0x4000);
    gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                .destination = P, .payload = s.b, .payload_len = s.n};
    gb_chain_gas_info info;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_INVALID,
                  gb_chain_calculate_gas(C, &tx, &info, detail,
                                         sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "trapped");
    GB_EXPECT_STR_CONTAINS(detail, "backend");
    script ok = {0};
    OP(&ok, GB_SYS_GR_BLOCK_HEIGHT, 0x4000);
    tx.payload = ok.b;
    tx.payload_len = ok.n;
    GB_EXPECT_ERR(GB_OK, gb_chain_calculate_gas(C, &tx, &info, detail,
                                                sizeof detail));
    GB_EXPECT(info.min_limit > 0 && info.burned > 0);
    memset(&S, 0, sizeof S);
    send_script(alice(), P, &s, GAS);
    settle();
    GB_EXPECT_U64(0, S.failed);
    gb_chain_close(C);
}


/* An estimate of script s sent to P by alice (GB_OK expected). */
static gb_chain_gas_info estimate_script(gb_id P, const script *s)
{
    gb_tx tx = {.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                .destination = P, .payload = s->b, .payload_len = s->n};
    gb_chain_gas_info info;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_chain_calculate_gas(C, &tx, &info, detail,
                                                sizeof detail));
    if (detail[0])
        fprintf(stderr, "  estimate: %s\n", detail);
    return info;
}

/* Gear's estimate (get_handle_gas_spent: two passes; calculate_gas_info:
 * min_limit = the initial gas less the least the message's node held
 * after a journal note; reserved: 0, as Gear's always is (a message
 * put in a mailbox is a Cut node, not of the main chain: chain_dryrun.c);
 * may_be_returned 0; waited = in the waitlist at the end):
 *   a run that only burns         min_limit = burned
 *   + gr_send_wgas(alice, 10^4)   + 10,000 (held)
 *   + a gasless send to alice     + 3,000 (the threshold)
 *   gr_wait_for(50)               + 5,100 (51 blocks locked), waited
 *   gr_wait()                     the most a hold locks: to the last block
 *                                 number, (2^32 - 1 - h) x 100
 * and each min_limit is enough: sent with it, the message runs so. */
static void test_estimate_two_pass(void)
{
    open_chain();
    gb_id P = create_sys("P");
    settle();
    const uint64_t G = gb_chain_config(C)->block_gas_limit;
    script s = {0};
    OP(&s, GB_SYS_GR_BLOCK_HEIGHT, 0x4000);
    gb_chain_gas_info g = estimate_script(P, &s);
    GB_EXPECT(g.burned > 0);
    GB_EXPECT_U64(g.burned, g.min_limit);
    GB_EXPECT_U64(0, g.reserved);
    GB_EXPECT_U64(0, g.may_be_returned);
    GB_EXPECT(!g.waited);

    s = (script){0};
    poke_hash_value(&s, 0x4200, alice(), 0, 0);
    OP(&s, GB_SYS_GR_SEND_WGAS, 0x4200, 0x5000, 2, 10000, 0, 0x4300);
    g = estimate_script(P, &s);
    GB_EXPECT_U64(g.burned + 10000, g.min_limit);
    GB_EXPECT_U64(0, g.reserved);

    s = (script){0};
    poke_hash_value(&s, 0x4200, alice(), 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4200, 0x5000, 2, 0, 0x4300);
    g = estimate_script(P, &s);
    GB_EXPECT_U64(g.burned + 3000, g.min_limit);
    GB_EXPECT_U64(0, g.reserved);
    memset(&S, 0, sizeof S);
    send_script(alice(), P, &s, g.min_limit);
    block();
    GB_EXPECT_U64(0, S.failed);
    GB_EXPECT_U64(1, S.held); /* the threshold was there to hold it */

    s = (script){0};
    OP(&s, GB_SYS_GR_WAIT_FOR, 50);
    g = estimate_script(P, &s);
    GB_EXPECT_U64(g.burned + 51 * 100, g.min_limit);
    GB_EXPECT(g.waited);
    memset(&S, 0, sizeof S);
    gb_id m = send_script(alice(), P, &s, g.min_limit);
    block();
    GB_EXPECT_U64(0, S.failed);
    gb_chain_wait_entry w;
    GB_EXPECT_ERR(GB_OK, gb_chain_waitlist_get(C, P, m, &w));
    GB_EXPECT(w.wakes);
    GB_EXPECT_U64(gb_chain_height(C) + 50, w.expires_at);
    gb_chain_wait_entry_clear(&w);

    s = (script){0};
    OP0(&s, GB_SYS_GR_WAIT);
    g = estimate_script(P, &s);
    GB_EXPECT(g.waited);
    /* the lock is what the gas pays for, but a hold ends at the last
     * block number at most (u32, saturated as Gear's HoldBound): with G
     * that is (2^32 - 1 - h) x 100 of it, h the dry block; the second
     * pass, with burned + that, locks it all */
    GB_EXPECT_U64(g.burned +
                      (uint64_t)(UINT32_MAX - (gb_chain_height(C) + 1)) * 100,
                  g.min_limit);
    GB_EXPECT(g.min_limit < G);
    gb_chain_close(C);
}

/* The gas a run of a burn(n) script to P burns (a calibration). */
static uint64_t burn_cost(gb_id P, uint32_t n)
{
    script s = {0};
    burn(&s, n);
    memset(&S, 0, sizeof S);
    send_script(alice(), P, &s, GAS);
    settle();
    return S.burned;
}

/* A script that mails gr_gas_available's answer (u64) to alice. */
static void mail_gas_available(script *s)
{
    OP(s, GB_SYS_GR_GAS_AVAILABLE, 0x4400);
    poke_hash_value(s, 0x4200, alice(), 0, 0);
    OP(s, GB_SYS_GR_SEND, 0x4200, 0x4400, 8, 0, 0x4300);
}

static uint64_t u64le(const uint8_t *p)
{
    return (uint64_t)u32le(p) | (uint64_t)u32le(p + 4) << 32;
}

/* bob paid what the tree burned, the transaction's fee (payload of
 * payload_len bytes) and the gas held with the mail to alice (the
 * threshold, 3000), and the audit sees that hold. */
static void expect_paid_with_mail_hold(gb_u128 before, uint32_t payload_len)
{
    gb_u128 paid = gb_u128_sub(before, gb_chain_balance(C, bob()));
    gb_u128 want = gb_chain_gas_value(S.burned);
    gb_u128_add_to(&want, fx_fee(C, payload_len));
    GB_EXPECT(!gb_u128_cmp(fx_mailbox_gas(C), gb_chain_gas_value(3000)));
    gb_u128_add_to(&want, fx_mailbox_gas(C));
    GB_EXPECT(!gb_u128_cmp(paid, want));
    gb_chain_totals t;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t));
    GB_EXPECT(!gb_u128_cmp(t.held_gas, fx_mailbox_gas(C)));
}

/* Gasless messages share their holder's gas, first come, first served
 * (Gear's UnspecifiedLocal nodes): P sends Q1 and then Q2 a gasless
 * message; Q1 burns about 70% of what P left, and Q2 still runs on the
 * rest (with an equal split Q1 would have had half, and run out of gas).
 * Q2 reads its gas: it sees the pool as Q1 left it — Q1 and Q2 run in one
 * wave, so Q2 first ran on the whole pool and runs again.  The payer, bob,
 * pays exactly what was burned (and the fee); no gas is left held. */
static void test_gasless_share_pool(void)
{
    open_chain();
    gb_id P = create_sys("P"), Q1 = create_sys("Q1"), Q2 = create_sys("Q2");
    settle();
    uint64_t b0 = burn_cost(Q1, 0), b1 = burn_cost(Q1, 20000);
    GB_EXPECT(b1 > b0);
    double per = (double)(b1 - b0) / 20000;
    const uint64_t G = 10000000000ull; /* bob's message to P */
    /* P's own run (its sends' payloads aside) burns well under 10^9 */
    uint32_t n = (uint32_t)((double)(G - 1000000000ull) * 0.7 / per);
    script q1 = {0}, q2 = {0}, s = {0};
    burn(&q1, n);
    mail_gas_available(&q2);
    poke(&s, 0x6000, q1.b, q1.n);
    poke(&s, 0x7000, q2.b, q2.n);
    poke_hash_value(&s, 0x4000, Q1, 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x6000, q1.n, 0, 0x4100);
    poke_hash_value(&s, 0x4000, Q2, 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x7000, q2.n, 0, 0x4100);
    gb_u128 before = gb_chain_balance(C, bob());
    memset(&S, 0, sizeof S);
    send_script(bob(), P, &s, G);
    settle();
    GB_EXPECT_U64(0, S.failed);
    GB_EXPECT_U64(1, S.nmail);
    uint64_t seen = u64le(S.mail[0]);
    uint64_t q1_burn = b0 + (uint64_t)(per * n);
    GB_EXPECT(seen > 0);
    GB_EXPECT(seen < G - q1_burn); /* after Q1, not beside it */
    GB_EXPECT(q1_burn > G / 2);
    expect_paid_with_mail_hold(before, s.n);
    gb_chain_close(C);
}

/* What a child with gas of its own leaves goes to the nearest ancestor
 * still in use (Gear's catch_value / find_ancestor_patron): P gives R
 * 3 x 10^9 with gr_send_wgas and sends Q2 a gasless message.  R burns
 * little; when it is done, what it left joins P's pool — still in use,
 * as Q2 draws on it — so Q2 sees more gas than P left besides R's part.
 * Once the tree is done every unburned gas is back with bob. */
static void test_leftover_to_ancestor(void)
{
    open_chain();
    gb_id P = create_sys("P"), R = create_sys("R"), Q2 = create_sys("Q2");
    settle();
    const uint64_t G = 10000000000ull, X = 3000000000ull;
    script q2 = {0}, s = {0};
    mail_gas_available(&q2);
    poke(&s, 0x7000, q2.b, q2.n);
    poke_hash_value(&s, 0x4000, R, 0, 0);
    OP(&s, GB_SYS_GR_SEND_WGAS, 0x4000, 0x5000, 0, X, 0, 0x4100);
    poke_hash_value(&s, 0x4000, Q2, 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x7000, q2.n, 0, 0x4100);
    gb_u128 before = gb_chain_balance(C, bob());
    memset(&S, 0, sizeof S);
    send_script(bob(), P, &s, G);
    settle();
    GB_EXPECT_U64(0, S.failed);
    GB_EXPECT_U64(1, S.nmail);
    GB_EXPECT(u64le(S.mail[0]) > G - X); /* R's leftover is in the pool */
    expect_paid_with_mail_hold(before, s.n);
    gb_chain_close(C);
}

/* Gear's mailbox (send_user_message): P, paid by bob, mails alice
 * gasless (the threshold, 3000, is taken from P's pool and held: 30
 * blocks of rent less ReserveFor), with gr_send_wgas 0 (below the
 * threshold: not stored, only the event) and with 10,000 gas (99
 * blocks).  After 29 blocks the first leaves out of rent (2,900 burned,
 * 100 back to bob); a claim of the second pays the rent of its stay and
 * gives bob the rest. */
static void test_mailbox_hold(void)
{
    open_chain();
    gb_id P = create_sys("P");
    settle();
    script s = {0};
    poke_hash_value(&s, 0x4200, alice(), 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4200, 0x5000, 1, 0, 0x4300);
    OP(&s, GB_SYS_GR_SEND_WGAS, 0x4200, 0x5000, 2, 0, 0, 0x4300);
    OP(&s, GB_SYS_GR_SEND_WGAS, 0x4200, 0x5000, 3, 10000, 0, 0x4300);
    memset(&S, 0, sizeof S);
    send_script(bob(), P, &s, GAS);
    block();
    uint32_t h = gb_chain_height(C);
    GB_EXPECT_U64(3, S.nmail);
    GB_EXPECT_U64(2, S.held);
    gb_chain_mail *m;
    uint32_t n;
    GB_EXPECT_ERR(GB_OK, gb_chain_mailbox(C, alice(), &m, &n));
    GB_EXPECT_U64(2, n);
    uint64_t gas_sum = 0;
    gb_id second = {{0}};
    for (uint32_t i = 0; i < n; i++) {
        gas_sum += m[i].gas;
        GB_EXPECT_U64(h, m[i].start);
        GB_EXPECT_U64(m[i].gas == 3000 ? h + 29 : h + 99, m[i].expires_at);
        if (m[i].gas == 10000)
            second = m[i].id;
    }
    gb_chain_mail_free(m, n);
    GB_EXPECT_U64(13000, gas_sum);
    /* 29 more blocks: the 3000 one expires at h + 29 */
    gb_u128 bob0 = gb_chain_balance(C, bob());
    gb_chain_totals t0;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t0));
    for (int i = 0; i < 29; i++)
        block();
    GB_EXPECT_U64(1, S.expired);
    GB_EXPECT_ERR(GB_OK, gb_chain_mailbox(C, alice(), &m, &n));
    GB_EXPECT_U64(1, n);
    gb_chain_mail_free(m, n);
    gb_chain_totals t1;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t1));
    GB_EXPECT(!gb_u128_cmp(gb_u128_sub(t1.burned, t0.burned),
                           gb_chain_gas_value(2900)));
    GB_EXPECT(!gb_u128_cmp(gb_u128_sub(gb_chain_balance(C, bob()), bob0),
                           gb_chain_gas_value(100)));
    /* alice claims the other at h + 30: 30 blocks of rent */
    fx_submit(C, (gb_tx){.kind = GB_TX_CLAIM_VALUE, .sender = alice(),
                         .destination = second});
    block();
    GB_EXPECT_U64(h + 30, gb_chain_height(C));
    GB_EXPECT(!gb_u128_cmp(gb_u128_sub(gb_chain_balance(C, bob()), bob0),
                           gb_chain_gas_value(100 + 10000 - 3000)));
    gb_chain_totals t;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t));
    GB_EXPECT(gb_u128_is_zero(t.held_gas));
    gb_chain_close(C);
}

/* The audit's burned, as gas (the test's sums fit 64 bits). */
static uint64_t burned_gas(void)
{
    gb_chain_totals t;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t));
    GB_EXPECT_U64(0, t.burned.hi);
    return t.burned.lo / GB_GEAR_VALUE_PER_GAS;
}

/* Gear's waitlist locks (wait_dispatch, charge_for_hold; Ext::wait*): P,
 * paid by bob, sends Q a gasless message (Q mails alice what
 * gr_gas_available says, drawing on P's gas) and waits.
 * - gr_wait_for(50): 51 blocks of rent (5,100) locked, the entry ends at
 *   h + 50 with a wake-up; Q runs on the rest of P's gas; woken at h + 50,
 *   P pays exactly 50 x 100 of rent.
 * - gr_wait(): the lock is all the gas pays for (the gas left, rounded
 *   down to 100s): Q, drawing on the same gas, fails its precharge
 *   (RanOutOfGas); the entry ends at h + V / 100 - ReserveFor with a
 *   removal. */
static void test_wait_locks(void)
{
    open_chain();
    gb_id P = create_sys("P"), Q = create_sys("Q");
    settle();
    script q = {0};
    mail_gas_available(&q);
    script s = {0};
    poke_hash_value(&s, 0x4000, Q, 0, 0);
    poke(&s, 0x5000, q.b, q.n);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x5000, q.n, 0, 0x4100);
    OP(&s, GB_SYS_GR_WAIT_FOR, 50);
    memset(&S, 0, sizeof S);
    gb_id m = send_script(bob(), P, &s, GAS);
    block();
    uint32_t h = gb_chain_height(C);
    GB_EXPECT_U64(0, S.failed);
    GB_EXPECT_U64(1, S.nmail); /* Q ran */
    gb_chain_wait_entry w;
    GB_EXPECT_ERR(GB_OK, gb_chain_waitlist_get(C, P, m, &w));
    GB_EXPECT_U64(h, w.since);
    GB_EXPECT_U64(h + 50, w.expires_at);
    GB_EXPECT(w.wakes);
    gb_chain_wait_entry_clear(&w);
    while (gb_chain_height(C) < h + 49)
        block();
    uint64_t b0 = burned_gas();
    memset(&S, 0, sizeof S);
    block(); /* h + 50: P woken, runs again (and waits again) */
    GB_EXPECT_U64(h + 50, gb_chain_height(C));
    GB_EXPECT_U64(50 * 100, burned_gas() - b0 - S.burned);
    gb_chain_close(C);

    open_chain();
    P = create_sys("P");
    Q = create_sys("Q");
    settle();
    s = (script){0};
    poke_hash_value(&s, 0x4000, Q, 0, 0);
    poke(&s, 0x5000, q.b, q.n);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x5000, q.n, 0, 0x4100);
    OP0(&s, GB_SYS_GR_WAIT);
    memset(&S, 0, sizeof S);
    m = send_script(bob(), P, &s, GAS);
    block();
    h = gb_chain_height(C);
    GB_EXPECT_U64(1, S.failed); /* Q: nothing left to run on */
    GB_EXPECT_U64(0, S.nmail);
    /* the end: what P's run left (GAS less what it burned: Q, failing
     * its first precharge step, burned nothing) pays (GAS - burned) / 100
     * blocks, the last ReserveFor of them past the end */
    GB_EXPECT_ERR(GB_OK, gb_chain_waitlist_get(C, P, m, &w));
    GB_EXPECT(!w.wakes);
    GB_EXPECT_U64(h + (GAS - S.burned) / 100 - 1, w.expires_at);
    gb_chain_wait_entry_clear(&w);
    gb_chain_close(C);
}

/* Running short: gr_wait_for(d) needs (d + ReserveFor) x 100 left (Gear's
 * unrecoverable NotEnoughGas: the BackendError reply); gr_wait_up_to(d)
 * with less waits all the same, for what the gas pays, and is removed at
 * its end (Gear's WaitUpToCalled) rather than woken. */
static void test_wait_short(void)
{
    open_chain();
    gb_id P = create_sys("P");
    settle();
    script s = {0};
    OP(&s, GB_SYS_GR_WAIT_FOR, 0xFFFFFFFFu); /* 4.3 x 10^11 of rent */
    memset(&S, 0, sizeof S);
    send_script(bob(), P, &s, GAS);
    block();
    GB_EXPECT_U64(1, S.failed);
    GB_EXPECT_U64(GB_REPLY_EXEC_BACKEND_ERROR,
                  gb_reply_code_from_bytes(S.reply_code));
    s = (script){0};
    OP(&s, GB_SYS_GR_WAIT_UP_TO, 0xFFFFFFFFu);
    memset(&S, 0, sizeof S);
    gb_id m = send_script(bob(), P, &s, GAS);
    block();
    uint32_t h = gb_chain_height(C);
    GB_EXPECT_U64(0, S.failed);
    gb_chain_wait_entry w;
    GB_EXPECT_ERR(GB_OK, gb_chain_waitlist_get(C, P, m, &w));
    GB_EXPECT(!w.wakes);
    /* the gas left after the run pays (GAS - burned) / 100 blocks, the
     * last ReserveFor of them past the end */
    GB_EXPECT_U64(h + (GAS - S.burned) / 100 - 1, w.expires_at);
    gb_chain_wait_entry_clear(&w);
    gb_chain_close(C);
}

/* Entries in the committed GAS table. */
static uint32_t gas_nodes(void)
{
    gb_db_txn *r;
    gb_db_cursor *cur;
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(C->db, &r));
    GB_EXPECT_ERR(GB_OK,
                  gb_db_cursor_open(r, GB_TABLE_GAS, NULL, 0, NULL, 0, &cur));
    uint32_t n = 0;
    gb_db_val k, v;
    while (gb_db_cursor_next(cur, &k, &v) == GB_OK)
        n++;
    gb_db_cursor_close(cur);
    gb_db_read_end(r);
    return n;
}

/* Six pingpong pairs (examples/pingpong: every hop a gasless message or
 * manual reply, all drawing on the kick-off's gas) passing a counter of
 * HOPS, kicked off by bob with gas G each, in blocks of block_gas (0: the
 * default); *blocks: how many blocks the exchanges took, *paid: what bob
 * paid for them (fees and burned gas).  Returns the gas burned. */
#define PP_PAIRS 6
#define PP_HOPS 12
#define PP_SETUP 5000000000ull
static uint64_t pingpong_pairs(uint64_t block_gas, uint64_t G,
                               uint32_t *blocks, gb_u128 *paid)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.nosync = true;
    if (block_gas)
        cfg.block_gas_limit = block_gas;
    C = fx_open_chain(&cfg);
    gb_id code = fx_upload_example(C, alice(), "pingpong");
    gb_id a[PP_PAIRS];
    for (uint32_t i = 0; i < PP_PAIRS; i++) {
        char sa[8], sb[8];
        snprintf(sa, sizeof sa, "a%u", i);
        snprintf(sb, sizeof sb, "b%u", i);
        a[i] = fx_submit(C, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                    .sender = alice(), .code_id = code,
                                    .salt = (const uint8_t *)sa,
                                    .salt_len = (uint32_t)strlen(sa),
                                    .gas_limit = PP_SETUP});
        gb_id b = fx_submit(C, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                       .sender = alice(), .code_id = code,
                                       .salt = (const uint8_t *)sb,
                                       .salt_len = (uint32_t)strlen(sb),
                                       .payload = a[i].b, .payload_len = 32,
                                       .gas_limit = PP_SETUP});
        uint8_t peer[36];
        memcpy(peer, "peer", 4);
        memcpy(peer + 4, b.b, 32);
        fx_submit(C, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                             .destination = a[i], .payload = peer,
                             .payload_len = 36, .gas_limit = PP_SETUP});
    }
    settle();
    GB_EXPECT_U64(0, gas_nodes());
    memset(&S, 0, sizeof S);
    gb_u128 before = gb_chain_balance(C, bob());
    uint8_t n[8] = {PP_HOPS};
    for (uint32_t i = 0; i < PP_PAIRS; i++)
        fx_submit(C, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = bob(),
                             .destination = a[i], .payload = n,
                             .payload_len = 8, .gas_limit = G});
    *blocks = 0;
    while (gb_chain_pending(C) && *blocks < 1000) {
        block(); /* (the audit, after each) */
        ++*blocks;
        /* each pool went with the one message that draws on it */
        GB_EXPECT_U64(0, gas_nodes());
    }
    GB_EXPECT_U64(0, gb_chain_pending(C));
    *paid = gb_u128_sub(before, gb_chain_balance(C, bob()));
    /* (the last automatic reply fails its precharge: it has no gas) */
    GB_EXPECT_U64(PP_PAIRS, S.failed_replies);
    GB_EXPECT_U64(0, S.failed);
    uint64_t burned = S.burned;
    gb_chain_close(C);
    return burned;
}

/* The same exchanges in one block and spread over many (the block's gas
 * a few hops, so that a pool is written back with its message between
 * blocks): the same gas burned, the same paid by bob; the audit holds
 * after every block and the GAS table stays empty (gas_tree.h,
 * gb_chain_gas_pass_on). */
static void test_pool_passed_on(void)
{
    const uint64_t G = 20000000000ull; /* ~60 hops at ~3 x 10^8 */
    uint32_t one, many;
    gb_u128 paid1, paid2;
    uint64_t burned1 = pingpong_pairs(0, G, &one, &paid1);
    uint64_t burned2 = pingpong_pairs(G + G / 50, G, &many, &paid2);
    GB_EXPECT_U64(1, one);
    GB_EXPECT(many >= 5);
    GB_EXPECT(burned1 > (uint64_t)PP_PAIRS * PP_HOPS * 100000000ull);
    GB_EXPECT_U64(burned1, burned2);
    GB_EXPECT(gb_u128_cmp(paid1, paid2) == 0);
}

/* P, paid by bob, mails alice — gasless (held: the threshold, 3000) or
 * with gr_send_wgas 0 (not stored) — with a reply deposit of `deposit`
 * for it (0: none).  One block. */
static gb_id mail_alice(gb_id P, bool held, uint64_t deposit)
{
    script s = {0};
    poke_hash_value(&s, 0x4200, alice(), 0, 0);
    if (held)
        OP(&s, GB_SYS_GR_SEND, 0x4200, 0x5000, 1, 0, 0x4300);
    else
        OP(&s, GB_SYS_GR_SEND_WGAS, 0x4200, 0x5000, 2, 0, 0, 0x4300);
    if (deposit)
        OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x4304, deposit, 0x4340);
    memset(&S, 0, sizeof S);
    send_script(bob(), P, &s, GAS);
    block();
    GB_EXPECT_U64(0, S.failed);
    GB_EXPECT_U64(1, S.nmail);
    GB_EXPECT_U64(held ? 1 : 0, S.held);
    return S.mail_id[0];
}

/* The automatic reply alice "sent" for mail: one, to P, with Gear's id
 * (reply(mail)), ok (it had a deposit) or failed (none: 0 gas, its
 * precharge fails, nothing burned). */
static void expect_auto_reply(gb_id P, gb_id mail, bool ok)
{
    GB_EXPECT_U64(ok ? 1 : 0, S.user_replies_ok);
    GB_EXPECT_U64(ok ? 0 : 1, S.user_replies_failed);
    GB_EXPECT(gb_id_eq(gb_message_id_reply(mail), S.user_reply_id));
    GB_EXPECT(gb_id_eq(P, S.user_reply_to));
    if (!ok)
        GB_EXPECT_U64(0, S.user_reply_burned);
}

/* Gear's automatic replies to a program for its messages to users
 * (ReplyMessage::auto: empty, code Success(Auto), from the user, gas 0
 * or the program's reply deposit for the message):
 * - not stored (send_user_message, internal.rs:1085-1108): at once;
 * - claimed (claim_value, lib.rs:1574-1606);
 * - out of rent (remove_from_mailbox, manager/task.rs:55-93);
 * - a user's reply is the reply (send_reply_impl): it runs on the
 *   deposit, and the user's gas limit is not taken (lib.rs:1935-1946).
 * Whatever the deposit did not burn goes back to bob, its payer. */
static void test_mail_auto_replies(void)
{
    open_chain();
    gb_id P = create_sys("P");
    settle();
    const uint64_t D = 2000000000ull;
    gb_u128 fee = fx_fee(C, 0);

    /* not stored, no deposit: a 0-gas reply, failing its precharge */
    gb_id mail = mail_alice(P, false, 0);
    settle();
    expect_auto_reply(P, mail, false);

    /* not stored, a deposit: the reply runs on it */
    gb_u128 bob0 = gb_chain_balance(C, bob());
    mail = mail_alice(P, false, D);
    uint32_t nscript = 0;
    {
        script s = {0};
        poke_hash_value(&s, 0x4200, alice(), 0, 0);
        OP(&s, GB_SYS_GR_SEND_WGAS, 0x4200, 0x5000, 2, 0, 0, 0x4300);
        OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x4304, D, 0x4340);
        nscript = s.n;
    }
    settle(); /* (S counts on) */
    uint64_t burned = S.burned;
    expect_auto_reply(P, mail, true);
    GB_EXPECT(S.user_reply_burned > 0 && S.user_reply_burned < D);
    gb_u128 want = gb_chain_gas_value(burned);
    gb_u128_add_to(&want, fx_fee(C, nscript));
    GB_EXPECT(!gb_u128_cmp(gb_u128_sub(bob0, gb_chain_balance(C, bob())),
                           want));
    gb_chain_totals t;
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t));
    GB_EXPECT(gb_u128_is_zero(t.held_gas));

    /* held, with a deposit: nothing until alice claims it; the deposit
     * waits with the mail */
    mail = mail_alice(P, true, D);
    settle();
    GB_EXPECT_U64(0, S.user_replies_ok + S.user_replies_failed);
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t));
    GB_EXPECT(!gb_u128_cmp(t.held_gas, gb_chain_gas_value(3000 + D)));
    memset(&S, 0, sizeof S);
    fx_submit(C, (gb_tx){.kind = GB_TX_CLAIM_VALUE, .sender = alice(),
                         .destination = mail});
    settle();
    expect_auto_reply(P, mail, true);
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t));
    GB_EXPECT(gb_u128_is_zero(t.held_gas));

    /* held, no deposit, out of rent after 29 blocks: a 0-gas reply */
    mail = mail_alice(P, true, 0);
    uint32_t h = gb_chain_height(C);
    memset(&S, 0, sizeof S);
    while (gb_chain_height(C) < h + 28)
        block();
    GB_EXPECT_U64(0, S.user_replies_ok + S.user_replies_failed);
    block(); /* h + 29 */
    GB_EXPECT_U64(1, S.expired);
    settle();
    expect_auto_reply(P, mail, false);

    /* held, a deposit, out of rent: the reply runs on the deposit */
    mail = mail_alice(P, true, D);
    h = gb_chain_height(C);
    memset(&S, 0, sizeof S);
    while (gb_chain_height(C) < h + 29)
        block();
    settle();
    GB_EXPECT_U64(1, S.expired);
    expect_auto_reply(P, mail, true);

    /* held, a deposit, alice replies with a gas limit of 5 x 10^9: her
     * reply runs on the deposit and she pays only the fee */
    mail = mail_alice(P, true, D);
    gb_u128 alice0 = gb_chain_balance(C, alice());
    memset(&S, 0, sizeof S);
    gb_id r = fx_submit(C, (gb_tx){.kind = GB_TX_SEND_REPLY,
                                   .sender = alice(), .destination = mail,
                                   .gas_limit = 5000000000ull});
    settle();
    GB_EXPECT_U64(1, S.user_replies_ok);
    GB_EXPECT(gb_id_eq(r, S.user_reply_id));
    GB_EXPECT(gb_id_eq(gb_message_id_reply(mail), r));
    GB_EXPECT(S.user_reply_burned > 0 && S.user_reply_burned < D);
    GB_EXPECT(!gb_u128_cmp(gb_u128_sub(alice0, gb_chain_balance(C, alice())),
                           fee));
    GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t));
    GB_EXPECT(gb_u128_is_zero(t.held_gas));
    gb_chain_close(C);
}

/* Gear's reservation rent (Ext::reserve_gas: amount + 100 x (ReserveFor
 * + duration) taken from the run; the reserve_gas note: the Reserved
 * node holds both, the rent locked; charge_for_hold when it ends): P,
 * paid by bob, reserves R for 10 blocks — 1,100 of rent locked with it.
 * - it expires at h + 10: 10 blocks of rent (1,000) burned, R + 100 back
 *   to bob;
 * - unreserved by P 3 blocks later: 300 burned, R + 800 back;
 * - used 2 blocks later for a message to Q: 200 burned, the message
 *   runs on R + 900 (Q mails what gr_gas_available says);
 * - P exits 4 blocks later: 400 burned, the rest back (Gear's
 *   clean_inactive_program removes the program's reservations). */
static void test_reservation_rent(void)
{
    open_chain();
    gb_id P = create_sys("P"), Q = create_sys("Q");
    settle();
    const uint64_t R = 1000000000ull;
    script s = {0};
    OP(&s, GB_SYS_GR_RESERVE_GAS, R, 10, 0x4100);
    for (int k = 0; k < 4; k++) {
        memset(&S, 0, sizeof S);
        gb_id m = send_script(bob(), P, &s, GAS);
        block();
        uint32_t h = gb_chain_height(C);
        GB_EXPECT_U64(0, S.failed);
        gb_chain_totals t;
        GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t));
        GB_EXPECT(!gb_u128_cmp(t.reserved_gas, gb_chain_gas_value(R + 1100)));
        gb_id rid = gb_reservation_id(m, 0);
        uint32_t after = k == 0 ? 10 : k == 1 ? 3 : k == 2 ? 2 : 4;
        while (gb_chain_height(C) < h + after - 1)
            block();
        uint64_t b0 = burned_gas();
        gb_u128 bob0 = gb_chain_balance(C, bob());
        memset(&S, 0, sizeof S);
        script u = {0}, q = {0};
        if (k == 1) {
            poke(&u, 0x4200, rid.b, 32);
            OP(&u, GB_SYS_GR_UNRESERVE_GAS, 0x4200, 0x4240);
        } else if (k == 2) {
            mail_gas_available(&q);
            uint8_t ids[80] = {0};
            memcpy(ids, rid.b, 32);
            memcpy(ids + 32, Q.b, 32);
            poke(&u, 0x4400, q.b, q.n);
            poke(&u, 0x4000, ids, 80);
            OP(&u, GB_SYS_GR_RESERVATION_SEND, 0x4000, 0x4400, q.n, 0,
               0x4200);
        } else if (k == 3) {
            poke(&u, 0x4200, alice().b, 32);
            OP(&u, GB_SYS_GR_EXIT, 0x4200);
        }
        if (k)
            send_script(bob(), P, &u, GAS);
        block();
        GB_EXPECT_U64(h + after, gb_chain_height(C));
        GB_EXPECT_U64(0, S.failed);
        GB_EXPECT_ERR(GB_OK, gb_chain_audit(C, &t));
        GB_EXPECT(gb_u128_is_zero(t.reserved_gas));
        /* the rent of the blocks it was held, and nothing else beyond
         * what the runs burned (the runs' own gas goes back to bob) */
        GB_EXPECT_U64(100ull * after, burned_gas() - b0 - S.burned);
        if (k == 0)
            GB_EXPECT(!gb_u128_cmp(
                gb_u128_sub(gb_chain_balance(C, bob()), bob0),
                gb_chain_gas_value(R + 100)));
        if (k == 2) {
            settle();
            GB_EXPECT_U64(1, S.nmail);
            uint64_t seen = u64le(S.mail[0]);
            /* R + 900 less Q's run before gr_gas_available */
            GB_EXPECT(seen > R + 900 - 500000000ull && seen <= R + 900);
            GB_EXPECT(seen > R - 500000000ull + 900);
        }
    }
    gb_chain_close(C);
}

/* Gear's estimate sums what the messages of the main chain burned
 * (runtime_api.rs:371-380: GasBurned of messages whose gas node's root is
 * the estimated message's): P sends Q a gasless message (of the chain)
 * with a reply deposit; Q replies, and the reply, paid by the deposit, is
 * a root of its own (create_deposit): its run is not in burned.  Sent
 * for real, the three runs burn the estimate's burned + the reply's. */
static void test_estimate_burned(void)
{
    open_chain();
    gb_id P = create_sys("P"), Q = create_sys("Q");
    settle();
    script q = {0}, s = {0};
    OP(&q, GB_SYS_GR_REPLY, 0x5000, 0, NO_VALUE, 0x4100);
    poke(&s, 0x6000, q.b, q.n);
    poke_hash_value(&s, 0x4000, Q, 0, 0);
    OP(&s, GB_SYS_GR_SEND, 0x4000, 0x6000, q.n, 0, 0x4100);
    OP(&s, GB_SYS_GR_REPLY_DEPOSIT, 0x4104, 2000000000ull, 0x4140);
    gb_chain_gas_info g = estimate_script(P, &s);
    memset(&S, 0, sizeof S);
    send_script(alice(), P, &s, GAS);
    settle();
    GB_EXPECT_U64(0, S.failed + S.failed_replies);
    GB_EXPECT_U64(1, S.ok_replies); /* Q's reply to P */
    GB_EXPECT(S.replies_burned > 0);
    GB_EXPECT_U64(S.burned - S.replies_burned, g.burned);
    gb_chain_close(C);
}

static void test_value_across_wait(void) { create_wait(0); }
static void test_value_across_wait_short(void) { create_wait(1); }

int main(void)
{
    GB_RUN(test_wgas_not_enough_gas);
    GB_RUN(test_auto_reply_gas);
    GB_RUN(test_refund_to_payer);
    GB_RUN(test_value_across_wait);
    GB_RUN(test_value_across_wait_short);
    GB_RUN(test_signals);
    GB_RUN(test_estimate_forbids_gas_available);
    GB_RUN(test_estimate_two_pass);
    GB_RUN(test_gasless_share_pool);
    GB_RUN(test_leftover_to_ancestor);
    GB_RUN(test_mailbox_hold);
    GB_RUN(test_wait_locks);
    GB_RUN(test_wait_short);
    GB_RUN(test_pool_passed_on);
    GB_RUN(test_mail_auto_replies);
    GB_RUN(test_reservation_rent);
    GB_RUN(test_estimate_burned);
    return gb_test_summary();
}
