/*
 * The SDK example programs, run message by message through the gear
 * processor (src/gear/process.h) on a toy chain kept in this file: a queue
 * with delays counted in blocks, a waitlist, user mailboxes, program
 * creation, wake-ups.  It exercises the SDK's runtime (allocator, helpers,
 * the async table) and the examples' documented behaviour.  Not a model of
 * the real chain: no value, no gas accounting, no rent; every message gets
 * the same gas limit.
 *
 * The .wasm files come from $GB_EXAMPLES_WASM (BUILD_DIR/examples).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gear/code.h"
#include "gear/codes.h"
#include "gear/process.h"
#include "test.h"

#define GAS 20000000000ull /* per message: Vara-sized (a run ~10^8-10^9) */

/* ---- the toy chain --------------------------------------------------- */

typedef struct page_rec {
    uint32_t page;
    uint8_t *data;
} page_rec;

typedef struct program {
    gb_id id;
    gb_gear_code *code;
    page_rec *pages;
    uint32_t npages;
    uint8_t *alloc;
    uint32_t alloc_pages;
} program;

typedef struct qmsg {
    gb_dispatch d; /* payload owned */
    uint32_t due;  /* block */
} qmsg;

typedef struct mail {  /* a message or reply that reached a user */
    gb_id id, to, reply_to; /* reply_to zero for plain messages */
    bool is_reply;
    uint8_t code[4];
    uint8_t *payload;
    uint32_t len;
} mail;

typedef struct chain {
    gb_processor *p;
    uint32_t height;
    uint64_t nonce;
    program progs[16];
    uint32_t nprogs;
    gb_gear_code *codes[16];
    uint32_t ncodes;
    qmsg queue[256], wait[64];
    uint32_t nqueue, nwait;
    mail mailbox[256];
    uint32_t nmail;
    uint32_t failed; /* runs that failed */
    char last_trap[256];
    uint64_t gas; /* every message's gas limit: GAS unless a test says */
} chain;

static gb_id user_a, user_b;

static program *find_prog(chain *c, gb_id id)
{
    for (uint32_t i = 0; i < c->nprogs; i++)
        if (gb_id_eq(c->progs[i].id, id))
            return &c->progs[i];
    return NULL;
}

static const uint8_t *lookup(void *user, uint32_t page, uint32_t *len)
{
    program *pr = user;
    *len = GB_GEAR_PAGE_SIZE; /* kept whole here */
    for (uint32_t i = 0; i < pr->npages; i++)
        if (pr->pages[i].page == page)
            return pr->pages[i].data;
    const gb_gear_page *gp = gb_gear_code_page(pr->code, page);
    return gp ? gp->data : NULL;
}

static void keep_pages(program *pr, const gb_journal *j)
{
    for (uint32_t i = 0; i < j->npages; i++) {
        page_rec *slot = NULL;
        for (uint32_t k = 0; k < pr->npages; k++)
            if (pr->pages[k].page == j->pages[i].page)
                slot = &pr->pages[k];
        if (!slot) {
            pr->pages = realloc(pr->pages, (pr->npages + 1) * sizeof *pr->pages);
            slot = &pr->pages[pr->npages++];
            slot->page = j->pages[i].page;
            slot->data = malloc(GB_GEAR_PAGE_SIZE);
        }
        /* the journal has the page trimmed of its trailing zeros */
        memset(slot->data, 0, GB_GEAR_PAGE_SIZE);
        if (j->pages[i].len)
            memcpy(slot->data, j->pages[i].data, j->pages[i].len);
    }
    if (j->allocations) {
        uint32_t bytes = (j->alloc_pages + 7) / 8;
        free(pr->alloc);
        pr->alloc = malloc(bytes ? bytes : 1);
        memcpy(pr->alloc, j->allocations, bytes);
        pr->alloc_pages = j->alloc_pages;
    }
}

static uint8_t *dup(const void *p, uint32_t n)
{
    uint8_t *q = malloc(n ? n : 1);
    if (n)
        memcpy(q, p, n);
    return q;
}

static void enqueue(chain *c, gb_dispatch d, const void *payload, uint32_t len, uint32_t delay)
{
    if (c->nqueue == 256) {
        fprintf(stderr, "toy chain: queue full\n");
        abort();
    }
    d.payload = dup(payload, len);
    d.payload_len = len;
    d.gas_limit = c->gas;
    c->queue[c->nqueue++] = (qmsg){d, c->height + delay};
}

/* A message or reply from `from` to `to` (program: queued; user: mail). */
static void route(chain *c, gb_id from, const gb_out_msg *m, gb_dispatch_kind kind,
                  gb_id reply_to)
{
    bool is_reply = kind == GB_DISPATCH_REPLY;
    if (find_prog(c, m->destination)) {
        gb_dispatch d = {.kind = kind,
                         .id = m->id, .source = from, .destination = m->destination};
        if (is_reply) {
            d.reply_to = reply_to;
            memcpy(d.reply_code, m->reply_code, 4);
        }
        enqueue(c, d, m->payload, m->payload_len, m->delay);
    } else {
        mail *ml = &c->mailbox[c->nmail++ % 256];
        *ml = (mail){.id = m->id, .to = m->destination, .reply_to = reply_to,
                     .is_reply = is_reply, .payload = dup(m->payload, m->payload_len),
                     .len = m->payload_len};
        memcpy(ml->code, m->reply_code, 4);
    }
}

static program *add_program(chain *c, gb_id id, gb_id code_id)
{
    for (uint32_t i = 0; i < c->ncodes; i++) {
        if (!memcmp(c->codes[i]->id, code_id.b, 32)) {
            program *pr = &c->progs[c->nprogs++];
            *pr = (program){.id = id, .code = c->codes[i]};
            return pr;
        }
    }
    return NULL;
}

static void apply(chain *c, const qmsg *q, const gb_journal *j)
{
    program *pr = find_prog(c, q->d.destination);
    if (j->outcome == GB_OUTCOME_FAILED) {
        c->failed++;
        snprintf(c->last_trap, sizeof c->last_trap, "%s", j->trap_msg);
    } else {
        keep_pages(pr, j);
    }
    for (uint32_t i = 0; i < j->nmsgs; i++)
        route(c, pr->id, &j->msgs[i], GB_DISPATCH_HANDLE, (gb_id){{0}});
    for (uint32_t i = 0; i < j->ncreates; i++) {
        const gb_create_req *cr = &j->creates[i];
        if (add_program(c, cr->program_id, cr->code_id))
            route(c, pr->id, &cr->init, GB_DISPATCH_INIT, (gb_id){{0}});
    }
    if (j->has_reply)
        route(c, pr->id, &j->reply, GB_DISPATCH_REPLY, q->d.id);
    for (uint32_t i = 0; i < j->nwakes; i++) {
        for (uint32_t k = 0; k < c->nwait; k++) {
            if (gb_id_eq(c->wait[k].d.id, j->wakes[i].message_id)) {
                qmsg w = c->wait[k];
                w.due = c->height + j->wakes[i].delay;
                c->queue[c->nqueue++] = w;
                c->wait[k] = c->wait[--c->nwait];
                break;
            }
        }
    }
}

/* Run one dispatch; returns false when nothing is due in this block. */
static bool step(chain *c)
{
    uint32_t k = 0;
    while (k < c->nqueue && c->queue[k].due > c->height)
        k++;
    if (k == c->nqueue)
        return false;
    qmsg q = c->queue[k];
    memmove(&c->queue[k], &c->queue[k + 1], (c->nqueue - k - 1) * sizeof *c->queue);
    c->nqueue--;

    program *pr = find_prog(c, q.d.destination);
    gb_program_view v = {.module = pr->code->module, .static_pages = pr->code->static_pages,
                         .stack_end = pr->code->stack_end, .allocations = pr->alloc,
                         .alloc_pages = pr->alloc_pages, .page = lookup, .page_user = pr,
                         /* the toy chain keeps no balances: every program
                          * has 10 existential deposits, enough for the
                          * factory to pay for its children (as Gear's
                          * program-factory test funds it) */
                         .balance = gb_u128_from(10 * 1000000000000ull)};
    gb_block_ctx blk;
    gb_block_ctx_default(&blk, c->height, 6000ull * c->height);
    gb_journal j;
    GB_EXPECT_ERR(GB_OK, gb_process(c->p, &blk, &v, &q.d, &j));
    apply(c, &q, &j);
    if (j.outcome == GB_OUTCOME_WAIT) {
        q.d.ctx = j.ctx;
        c->wait[c->nwait++] = q; /* keeps the payload */
    } else {
        free((void *)q.d.payload);
    }
    gb_journal_free(&j);
    return true;
}

/* Run blocks until the queue is empty (waiting messages may remain). */
static void run(chain *c, uint32_t max_blocks)
{
    for (uint32_t b = 0; b < max_blocks && c->nqueue; b++) {
        while (step(c))
            ;
        if (c->nqueue)
            c->height++;
    }
}

static gb_id send(chain *c, gb_id from, gb_id to, const void *payload, uint32_t len)
{
    gb_dispatch d = {.kind = GB_DISPATCH_HANDLE, .source = from, .destination = to};
    d.id = gb_message_id_external(c->height, from, c->nonce++, 0);
    enqueue(c, d, payload, len, 0);
    return d.id;
}

static gb_id send_str(chain *c, gb_id from, gb_id to, const char *s)
{
    return send(c, from, to, s, (uint32_t)strlen(s));
}

static gb_gear_code *upload(chain *c, const char *name)
{
    char path[1024];
    const char *dir = getenv("GB_EXAMPLES_WASM");
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    gb_gear_code *code = NULL;
    char detail[256] = "";
    gb_err e = gb_gear_code_check(NULL, buf, n, &code, detail, sizeof detail);
    if (e) {
        fprintf(stderr, "code check %s: %s\n", name, detail);
        return NULL;
    }
    c->codes[c->ncodes++] = code;
    return code;
}

/* Upload NAME and create a program from it with init payload. */
static gb_id create(chain *c, const char *name, const void *init, uint32_t len)
{
    gb_gear_code *code = upload(c, name);
    if (!code) {
        GB_EXPECT(code != NULL);
        exit(1);
    }
    gb_id cid;
    memcpy(cid.b, code->id, 32);
    gb_id pid = gb_program_id_from_user(cid, name, strlen(name));
    add_program(c, pid, cid);
    gb_dispatch d = {.kind = GB_DISPATCH_INIT, .source = user_a, .destination = pid};
    d.id = gb_message_id_external(c->height, user_a, c->nonce++, 0);
    enqueue(c, d, init, len, 0);
    run(c, 5);
    return pid;
}

/* The reply to message mid in the users' mailboxes. */
static const mail *reply_of(chain *c, gb_id mid)
{
    for (uint32_t i = 0; i < c->nmail && i < 256; i++)
        if (c->mailbox[i].is_reply && gb_id_eq(c->mailbox[i].reply_to, mid))
            return &c->mailbox[i];
    return NULL;
}

static bool reply_is(chain *c, gb_id mid, gb_reply_code want, const char *payload)
{
    const mail *m = reply_of(c, mid);
    if (!m) {
        fprintf(stderr, "  no reply (last trap: %s)\n", c->last_trap);
        return false;
    }
    gb_reply_code got = gb_reply_code_from_bytes(m->code);
    bool ok = got == want && m->len == strlen(payload) && !memcmp(m->payload, payload, m->len);
    if (!ok)
        fprintf(stderr, "  reply code %02x%02x%02x%02x payload '%.*s' (want '%s'; last trap: %s)\n",
                m->code[0], m->code[1], m->code[2], m->code[3], (int)m->len,
                (const char *)m->payload, payload, c->last_trap);
    return ok;
}

/* Send and run; check the reply. */
#define EXPECT_REPLY(c, to, msg, code, payload)                                \
    do {                                                                       \
        gb_id mid_ = send_str(c, user_a, to, msg);                             \
        run(c, 50);                                                            \
        GB_EXPECT(reply_is(c, mid_, code, payload));                           \
    } while (0)

static void chain_init(chain *c)
{
    memset(c, 0, sizeof *c);
    c->height = 1;
    c->gas = GAS;
    GB_EXPECT_ERR(GB_OK, gb_processor_new(NULL, &c->p));
}

static void chain_free(chain *c)
{
    for (uint32_t i = 0; i < c->nprogs; i++) {
        for (uint32_t k = 0; k < c->progs[i].npages; k++)
            free(c->progs[i].pages[k].data);
        free(c->progs[i].pages);
        free(c->progs[i].alloc);
    }
    for (uint32_t i = 0; i < c->ncodes; i++)
        gb_gear_code_free(c->codes[i]);
    for (uint32_t i = 0; i < c->nmail && i < 256; i++)
        free(c->mailbox[i].payload);
    for (uint32_t i = 0; i < c->nqueue; i++)
        free((void *)c->queue[i].d.payload);
    for (uint32_t i = 0; i < c->nwait; i++)
        free((void *)c->wait[i].d.payload);
    gb_processor_free(c->p);
}

/* ---- the examples ---------------------------------------------------- */

static void test_ping(void)
{
    chain c;
    chain_init(&c);
    gb_id ping = create(&c, "ping", "", 0);
    EXPECT_REPLY(&c, ping, "PING", GB_REPLY_SUCCESS_MANUAL, "PONG");
    EXPECT_REPLY(&c, ping, "PONG", GB_REPLY_SUCCESS_AUTO, "");
    chain_free(&c);
}

static void test_counter(void)
{
    chain c;
    chain_init(&c);
    gb_id ctr = create(&c, "counter", "", 0);
    EXPECT_REPLY(&c, ctr, "inc", GB_REPLY_SUCCESS_MANUAL, "1");
    EXPECT_REPLY(&c, ctr, "add 41", GB_REPLY_SUCCESS_MANUAL, "42");
    EXPECT_REPLY(&c, ctr, "bogus", GB_REPLY_EXEC_USERSPACE_PANIC,
                 "counter: unknown command (inc, add N, get)");
    EXPECT_REPLY(&c, ctr, "add x", GB_REPLY_EXEC_USERSPACE_PANIC,
                 "counter: add wants a decimal number");
    EXPECT_REPLY(&c, ctr, "get", GB_REPLY_SUCCESS_MANUAL, "42");
    /* many messages: the allocator's heap persists and is reused */
    for (int i = 0; i < 200; i++)
        send_str(&c, user_a, ctr, "inc");
    run(&c, 50);
    EXPECT_REPLY(&c, ctr, "get", GB_REPLY_SUCCESS_MANUAL, "242");
    chain_free(&c);
}

static void test_token(void)
{
    chain c;
    chain_init(&c);
    gb_id tok = create(&c, "token", "1000", 4);
    char cmd[200], hex_b[67];
    gb_id_to_hex(user_b, hex_b);
    EXPECT_REPLY(&c, tok, "balance", GB_REPLY_SUCCESS_MANUAL, "1000");
    snprintf(cmd, sizeof cmd, "transfer %s 300", hex_b);
    EXPECT_REPLY(&c, tok, cmd, GB_REPLY_SUCCESS_MANUAL, "ok");
    snprintf(cmd, sizeof cmd, "balance %s", hex_b + 2);
    EXPECT_REPLY(&c, tok, cmd, GB_REPLY_SUCCESS_MANUAL, "300");
    EXPECT_REPLY(&c, tok, "balance", GB_REPLY_SUCCESS_MANUAL, "700");
    snprintf(cmd, sizeof cmd, "transfer %s 701", hex_b);
    EXPECT_REPLY(&c, tok, cmd, GB_REPLY_EXEC_USERSPACE_PANIC, "insufficient balance");
    EXPECT_REPLY(&c, tok, "mint 5", GB_REPLY_SUCCESS_MANUAL, "ok");
    EXPECT_REPLY(&c, tok, "balance", GB_REPLY_SUCCESS_MANUAL, "705");
    snprintf(cmd, sizeof cmd, "balance %s", "0x" "11111111111111111111111111111111"
                                            "11111111111111111111111111111111");
    EXPECT_REPLY(&c, tok, cmd, GB_REPLY_EXEC_USERSPACE_PANIC, "unknown account");
    EXPECT_REPLY(&c, tok, "fly", GB_REPLY_EXEC_USERSPACE_PANIC, "bad command");

    /* user B: not the owner; a sender without an account */
    gb_id m = send_str(&c, user_b, tok, "mint 5");
    run(&c, 10);
    GB_EXPECT(reply_is(&c, m, GB_REPLY_EXEC_USERSPACE_PANIC, "not the owner"));
    gb_id nobody;
    memset(nobody.b, 0xcc, 32);
    m = send_str(&c, nobody, tok, "transfer 0x" "22222222222222222222222222222222"
                                  "22222222222222222222222222222222 1");
    run(&c, 10);
    GB_EXPECT(reply_is(&c, m, GB_REPLY_EXEC_USERSPACE_PANIC, "unknown account"));
    /* 20 more accounts: the array grows with realloc and survives */
    for (int i = 0; i < 20; i++) {
        gb_id to;
        memset(to.b, 0x30 + i, 32);
        char hex[67];
        gb_id_to_hex(to, hex);
        snprintf(cmd, sizeof cmd, "transfer %s 1", hex);
        send_str(&c, user_a, tok, cmd);
    }
    run(&c, 10);
    EXPECT_REPLY(&c, tok, "balance", GB_REPLY_SUCCESS_MANUAL, "685");
    snprintf(cmd, sizeof cmd, "balance %s", hex_b);
    EXPECT_REPLY(&c, tok, cmd, GB_REPLY_SUCCESS_MANUAL, "300");
    chain_free(&c);
}

static void test_proxy(void)
{
    chain c;
    chain_init(&c);
    gb_id ping = create(&c, "ping", "", 0);
    gb_id proxy = create(&c, "proxy", ping.b, 32);
    EXPECT_REPLY(&c, proxy, "PING", GB_REPLY_SUCCESS_MANUAL, "PONG");
    GB_EXPECT_U64(0, c.nwait);
    /* several requests in flight at once */
    gb_id m[5];
    for (int i = 0; i < 5; i++)
        m[i] = send_str(&c, user_a, proxy, "PING");
    run(&c, 50);
    for (int i = 0; i < 5; i++)
        GB_EXPECT(reply_is(&c, m[i], GB_REPLY_SUCCESS_MANUAL, "PONG"));
    EXPECT_REPLY(&c, proxy, "other", GB_REPLY_SUCCESS_MANUAL, ""); /* ping's auto reply */
    GB_EXPECT_U64(0, c.nwait);
    chain_free(&c);
}

static void test_factory(void)
{
    chain c;
    chain_init(&c);
    gb_gear_code *ping_code = upload(&c, "ping");
    GB_EXPECT(ping_code != NULL);
    if (!ping_code)
        return;
    gb_id fac = create(&c, "factory", ping_code->id, 32);
    gb_id m = send_str(&c, user_a, fac, "spawn");
    run(&c, 20);
    const mail *r = reply_of(&c, m);
    GB_EXPECT(r && r->len == 32);
    GB_EXPECT_U64(2, c.nprogs); /* factory + child */
    if (r && r->len == 32 && c.nprogs == 2) {
        GB_EXPECT(!memcmp(r->payload, c.progs[1].id.b, 32));
        gb_id cid;
        memcpy(cid.b, ping_code->id, 32);
        uint8_t salt[4] = {0};
        gb_id want = gb_program_id_from_program(m, cid, salt, 4);
        GB_EXPECT(gb_id_eq(want, c.progs[1].id));
    }
    EXPECT_REPLY(&c, fac, "call", GB_REPLY_SUCCESS_MANUAL, "PONG");
    m = send_str(&c, user_a, fac, "spawn");
    run(&c, 20);
    GB_EXPECT_U64(3, c.nprogs);
    EXPECT_REPLY(&c, fac, "count", GB_REPLY_SUCCESS_MANUAL, "2");
    EXPECT_REPLY(&c, fac, "call", GB_REPLY_SUCCESS_MANUAL, "PONG");
    GB_EXPECT_U64(0, c.nwait);
    chain_free(&c);
}

static void test_timer(void)
{
    chain c;
    chain_init(&c);
    gb_id t = create(&c, "timer", "", 0);
    uint32_t h0 = c.height;
    EXPECT_REPLY(&c, t, "start 3 2", GB_REPLY_SUCCESS_MANUAL, "ok");
    GB_EXPECT(c.height >= h0 + 6); /* two ticks, 3 blocks apart */
    EXPECT_REPLY(&c, t, "get", GB_REPLY_SUCCESS_MANUAL, "2");
    /* a tick from someone else is refused */
    EXPECT_REPLY(&c, t, "tick", GB_REPLY_EXEC_USERSPACE_PANIC, "timer: tick from someone else");
    EXPECT_REPLY(&c, t, "get", GB_REPLY_SUCCESS_MANUAL, "2");
    chain_free(&c);
}

static void test_hostile(void)
{
    chain c;
    chain_init(&c);
    static const char *names[] = {"loop", "recurse", "alloc_bomb", "wild_pointer"};
    static const char *go[] = {"go", "go", "go", "err"};
    for (int i = 0; i < 4; i++) {
        gb_id pid = create(&c, names[i], "", 0);
        uint32_t failed = c.failed;
        gb_id m = send_str(&c, user_a, pid, go[i]);
        run(&c, 5);
        const mail *r = reply_of(&c, m);
        GB_EXPECT(r != NULL);
        GB_EXPECT_U64(failed + 1, c.failed);
        if (r)
            fprintf(stderr, "  %s: reply %02x%02x%02x%02x, %s\n", names[i], r->code[0],
                    r->code[1], r->code[2], r->code[3], c.last_trap);
        GB_EXPECT(r && r->code[0] == 1); /* an error reply */
    }
    /* every way wild_pointer has of being wild: a bad argument of a
     * fallible syscall is error 201 (AccessOutOfBounds) in its error struct
     * and the program carries on; a bad error-struct pointer stops the run
     * with BackendError — as in Gear */
    gb_id wp = c.progs[3].id;
    static const char *cases[] = {"send", "read", "wrap", "payload"};
    for (int i = 0; i < 4; i++) {
        gb_id m = send_str(&c, user_a, wp, cases[i]);
        run(&c, 5);
        const mail *r = reply_of(&c, m);
        GB_EXPECT(reply_is(&c, m, GB_REPLY_SUCCESS_MANUAL, "rejected: 201"));
        if (r && r->len)
            fprintf(stderr, "  wild_pointer %s: '%.*s'\n", cases[i], (int)r->len,
                    (const char *)r->payload);
    }
    uint32_t failed = c.failed;
    gb_id m = send_str(&c, user_a, wp, "err");
    run(&c, 5);
    GB_EXPECT_U64(failed + 1, c.failed);
    GB_EXPECT(reply_is(&c, m, GB_REPLY_EXEC_BACKEND_ERROR, ""));
    chain_free(&c);
}

/* The SDK runtime's self-test (sdk/tests/alloc_test.c), over several runs:
 * the heap persists between them. */
static void test_sdk_runtime(void)
{
    chain c;
    chain_init(&c);
    /* 400 heap operations a run, filling and checking up to 256 KiB byte
     * by byte: ~10^12 at Vara's weights, beyond a block's 750e9 (a stress
     * test of the runtime, not a program one would deploy); the toy chain
     * has no block limit */
    c.gas = 10000000000000ull;
    gb_id t = create(&c, "sdk_alloc_test", "", 0);
    for (int i = 0; i < 8; i++)
        EXPECT_REPLY(&c, t, "go", GB_REPLY_SUCCESS_MANUAL, "ok");
    chain_free(&c);
}

int main(void)
{
    memset(user_a.b, 0xaa, 32);
    memset(user_b.b, 0xbb, 32);
    GB_RUN(test_ping);
    GB_RUN(test_counter);
    GB_RUN(test_token);
    GB_RUN(test_proxy);
    GB_RUN(test_factory);
    GB_RUN(test_timer);
    GB_RUN(test_hostile);
    GB_RUN(test_sdk_runtime);
    return gb_test_summary();
}
