/*
 * The block producer under injected faults (src/util/fault.h), SQLite's
 * way: for N = 1, 2, 3, ... the Nth allocation (GB_FAULT_ALLOC) or store
 * call (GB_FAULT_IO) made while gb_chain_produce_block runs fails.  Every
 * failure must be a clean error return (GB_NOMEM, GB_IO), with no partial
 * state: the height and the state root are those of before, the pending
 * transactions are still pending, and once faults stop the next block
 * succeeds with exactly the state root of a block produced without any
 * fault.  A block that succeeds although a fault fired (an allocation the
 * code can do without) must also give that root: an out-of-memory never
 * becomes something consensus sees (a trap, a failed message).  Leaks are
 * ASan's to find (make test-asan).
 *
 * The block: the SDK examples ($GB_EXAMPLES_WASM) — ping, counter, proxy
 * (async through ping), factory (a program creating a program), timer
 * (delayed messages), loop (hostile: burns its gas) — receiving messages,
 * a transfer, a code upload and a program creation, on one thread so that
 * the Nth call is the same call in every run.  Each N starts from a copy
 * of one prepared store.  Also: gb_chain_open and gb_chain_submit under
 * faults (clean errors, no leak, nothing queued by a failed submit).
 *
 * N: a sample in make test, all with GB_FAULT_ALL=1 (tests/fault_fixture.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain/chain.h"
#include "chain/chain_fixture.h"
#include "fault_fixture.h"
#include "test.h"

#define GAS 5000000000ull

typedef struct base {
    char dir[64];
    gb_id ping, counter, proxy, factory, timer, loop;
    gb_id ping_code;
} base;

static base B;

static gb_id alice(void) { return gb_dev_account_id(0); }
static gb_id bob(void) { return gb_dev_account_id(1); }

static gb_err open_dir(const char *dir, gb_chain **out)
{
    gb_chain_cfg cfg;
    gb_chain_cfg_default(&cfg);
    cfg.data_dir = dir;
    cfg.nosync = true;
    cfg.threads = 1; /* the Nth call is the same call in every run */
    char detail[256] = "";
    return gb_chain_open(&cfg, out, detail, sizeof detail);
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    closedir(d);
    rmdir(dir);
}

/* A fresh directory holding a copy of the prepared store. */
static void copy_base(char *out, size_t len)
{
    snprintf(out, len, "/tmp/gb-faults-XXXXXX");
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        exit(1);
    }
    DIR *d = opendir(B.dir);
    struct dirent *e;
    static char buf[1 << 16];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char s[512], t[512];
        snprintf(s, sizeof s, "%s/%s", B.dir, e->d_name);
        snprintf(t, sizeof t, "%s/%s", out, e->d_name);
        int in = open(s, O_RDONLY), o = open(t, O_WRONLY | O_CREAT, 0644);
        ssize_t n;
        while (in >= 0 && o >= 0 && (n = read(in, buf, sizeof buf)) > 0)
            if (write(o, buf, (size_t)n) != n)
                break;
        if (in >= 0)
            close(in);
        if (o >= 0)
            close(o);
    }
    if (d)
        closedir(d);
}

static gb_id submit_ok(gb_chain *c, gb_tx tx) { return fx_submit(c, tx); }

static gb_id send(gb_chain *c, gb_id to, const char *s, uint64_t gas,
                  uint64_t value)
{
    return submit_ok(c, (gb_tx){.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                                .destination = to,
                                .payload = (const uint8_t *)s,
                                .payload_len = (uint32_t)strlen(s),
                                .gas_limit = gas,
                                .value = gb_u128_from(value)});
}

static gb_id create(gb_chain *c, const char *name, gb_id code,
                    const void *init, uint32_t len)
{
    return submit_ok(c, (gb_tx){.kind = GB_TX_CREATE_PROGRAM,
                                .sender = alice(), .code_id = code,
                                .salt = (const uint8_t *)name,
                                .salt_len = (uint32_t)strlen(name),
                                .payload = init, .payload_len = len,
                                .gas_limit = GAS});
}

static gb_id upload(gb_chain *c, const char *name)
{
    uint32_t len;
    uint8_t *code = fx_read_example(name, &len);
    gb_id id = submit_ok(c, (gb_tx){.kind = GB_TX_UPLOAD_CODE,
                                    .sender = alice(), .code = code,
                                    .code_len = len});
    free(code);
    return id;
}

static void produce_ok(gb_chain *c)
{
    gb_block_result r;
    GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
    gb_block_result_free(&r);
}

/* The prepared store: the programs created and initialised. */
static void setup_base(void)
{
    snprintf(B.dir, sizeof B.dir, "/tmp/gb-faults-base-XXXXXX");
    if (!mkdtemp(B.dir)) {
        perror("mkdtemp");
        exit(1);
    }
    gb_chain *c;
    if (open_dir(B.dir, &c)) {
        fprintf(stderr, "cannot open a chain in %s\n", B.dir);
        exit(1);
    }
    B.ping_code = upload(c, "ping");
    gb_id counter = upload(c, "counter"), proxy = upload(c, "proxy");
    gb_id factory = upload(c, "factory"), timer = upload(c, "timer");
    gb_id loop = upload(c, "loop");
    produce_ok(c);
    B.ping = create(c, "ping", B.ping_code, "", 0);
    B.counter = create(c, "counter", counter, "", 0);
    B.factory = create(c, "factory", factory, B.ping_code.b, 32);
    B.timer = create(c, "timer", timer, "", 0);
    B.loop = create(c, "loop", loop, "", 0);
    produce_ok(c);
    B.proxy = create(c, "proxy", proxy, B.ping.b, 32);
    for (int i = 0; i < 5 && gb_chain_pending(c); i++)
        produce_ok(c);
    GB_EXPECT_U64(0, gb_chain_pending(c));
    gb_chain_close(c);
}

/* The block's transactions (all accepted). */
static void submit_block(gb_chain *c)
{
    send(c, B.ping, "PING", GAS, 0);
    send(c, B.counter, "inc", GAS, 0);
    send(c, B.counter, "add 5", GAS, 0);
    send(c, B.proxy, "PING", GAS, 0);
    send(c, B.factory, "spawn", GAS, 1000000000000ull);
    send(c, B.timer, "start 1 2", GAS, 0);
    send(c, B.loop, "go", 5000000ull, 0);
    send(c, B.ping, "PING", GAS, 12345);
    submit_ok(c, (gb_tx){.kind = GB_TX_TRANSFER, .sender = alice(),
                         .destination = bob(),
                         .value = gb_u128_from(777)});
    upload(c, "token");
    create(c, "ping2", B.ping_code, "", 0);
}

typedef struct ref {
    uint8_t root[32];       /* after the faulted block, fault-free */
    uint8_t root2[32];      /* after the block after it */
    uint32_t nevents;
    uint64_t calls[3];      /* per kind mask 1 (alloc), 2 (io) */
} ref;

static ref R;

static const char *kind_name(unsigned k)
{
    return k == GB_FAULT_ALLOC ? "alloc" : k == GB_FAULT_IO ? "io" : "both";
}

static void make_ref(void)
{
    char dir[64];
    gb_chain *c;
    for (unsigned k = 1; k <= 2; k++) {
        copy_base(dir, sizeof dir);
        GB_EXPECT_ERR(GB_OK, open_dir(dir, &c));
        submit_block(c);
        gb_block_result r;
        gb_err e;
        R.calls[k] = FX_COUNT_CALLS(k, e = gb_chain_produce_block(c, &r));
        GB_EXPECT_ERR(GB_OK, e);
        memcpy(R.root, r.state_root, 32);
        R.nevents = r.nevents;
        gb_block_result_free(&r);
        GB_EXPECT_ERR(GB_OK, gb_chain_produce_block(c, &r));
        memcpy(R.root2, r.state_root, 32);
        gb_block_result_free(&r);
        gb_chain_close(c);
        rm_dir(dir);
    }
    printf("the block: %u events, %" PRIu64 " allocations, %" PRIu64
           " store calls\n",
           R.nevents, R.calls[1], R.calls[2]);
}

/* One faulted block; false when nothing fired (N past the last call). */
static bool faulted_block(unsigned kinds, uint64_t n, bool persist,
                          unsigned *failed)
{
    char dir[64];
    gb_chain *c;
    copy_base(dir, sizeof dir);
    GB_EXPECT_ERR(GB_OK, open_dir(dir, &c));
    submit_block(c);
    uint8_t root0[32], root[32];
    gb_chain_state_root(c, root0);
    uint32_t h0 = gb_chain_height(c);

    gb_block_result r;
    gb_fault_arm(kinds, n, persist);
    gb_err e = gb_chain_produce_block(c, &r);
    bool fired = gb_fault_fired() > 0;
    gb_fault_disarm();

    if (e == GB_OK) {
        /* nothing fired, or a fault the block could do without */
        if (memcmp(r.state_root, R.root, 32))
            GB_FAIL_("%s fault %" PRIu64 "%s: the block succeeded with "
                     "another state root",
                     kind_name(kinds), n, persist ? " (persistent)" : "");
        GB_EXPECT_U64(R.nevents, r.nevents);
        gb_block_result_free(&r);
    } else {
        ++*failed;
        if (e != GB_NOMEM && e != GB_IO)
            GB_FAIL_("%s fault %" PRIu64 "%s: produce_block gave %s, not "
                     "GB_NOMEM or GB_IO",
                     kind_name(kinds), n, persist ? " (persistent)" : "",
                     gb_err_name(e));
        GB_EXPECT_U64(0, r.nevents);
        GB_EXPECT(r.events == NULL);
        /* no partial state */
        GB_EXPECT_U64(h0, gb_chain_height(c));
        gb_chain_state_root(c, root);
        if (memcmp(root, root0, 32))
            GB_FAIL_("%s fault %" PRIu64 ": the failed block changed the "
                     "state root", kind_name(kinds), n);
        /* faults over: the same block, as if nothing had happened */
        e = gb_chain_produce_block(c, &r);
        GB_EXPECT_ERR(GB_OK, e);
        if (!e && memcmp(r.state_root, R.root, 32))
            GB_FAIL_("%s fault %" PRIu64 "%s: the block after the failed "
                     "one has another state root",
                     kind_name(kinds), n, persist ? " (persistent)" : "");
        gb_block_result_free(&r);
    }
    /* and the chain goes on as the fault-free one */
    e = gb_chain_produce_block(c, &r);
    GB_EXPECT_ERR(GB_OK, e);
    if (!e && memcmp(r.state_root, R.root2, 32))
        GB_FAIL_("%s fault %" PRIu64 ": the next block's root differs",
                 kind_name(kinds), n);
    gb_block_result_free(&r);
    fx_check_conservation(c);
    gb_chain_close(c);
    rm_dir(dir);
    return fired;
}

static void sweep_block(unsigned kinds, bool persist)
{
    uint64_t total = kinds == 3 ? R.calls[1] + R.calls[2] : R.calls[kinds];
    unsigned tried = 0, failed = 0;
    for (uint64_t n = 1;; n = fx_fault_next(n, total)) {
        tried++;
        if (!faulted_block(kinds, n, persist, &failed))
            break;
        if (gb_test_cur_failed_ && !fx_fault_all())
            break; /* the first failing N is enough to report */
    }
    printf("  %s faults%s: %u N tried, %u blocks failed cleanly\n",
           kind_name(kinds), persist ? " (persistent)" : "", tried, failed);
    GB_EXPECT(tried > 1);
}

static void test_block_alloc_faults(void) { sweep_block(GB_FAULT_ALLOC, false); }
static void test_block_io_faults(void) { sweep_block(GB_FAULT_IO, false); }
static void test_block_persistent_faults(void)
{
    sweep_block(GB_FAULT_ALLOC | GB_FAULT_IO, true);
}

/* gb_chain_open (an existing store) under faults: a clean error or a
 * chain that works. */
static void test_open_faults(void)
{
    char dir[64];
    unsigned failed = 0;
    for (unsigned k = 1; k <= 2; k++) {
        uint64_t total = 0;
        for (uint64_t n = 1;; n = fx_fault_next(n, total)) {
            copy_base(dir, sizeof dir);
            gb_chain *c = NULL;
            gb_fault_arm(k, n, false);
            gb_err e = open_dir(dir, &c);
            bool fired = gb_fault_fired() > 0;
            total = gb_fault_calls();
            gb_fault_disarm();
            if (e) {
                failed++;
                GB_EXPECT(c == NULL);
                if (e != GB_NOMEM && e != GB_IO)
                    GB_FAIL_("%s fault %" PRIu64 ": open gave %s",
                             kind_name(k), n, gb_err_name(e));
                GB_EXPECT_ERR(GB_OK, open_dir(dir, &c));
            }
            if (c) {
                submit_block(c);
                produce_ok(c);
                gb_chain_close(c);
            }
            rm_dir(dir);
            if (!fired)
                break;
        }
    }
    printf("  open: %u failed cleanly\n", failed);
    GB_EXPECT(failed > 0);
}

/* gb_chain_submit under faults: a refused transaction queues nothing and
 * uses no nonce; the block of what was accepted works. */
static void test_submit_faults(void)
{
    char dir[64];
    unsigned failed = 0;
    uint32_t len;
    uint8_t *code = fx_read_example("token", &len);
    for (unsigned k = 1; k <= 2; k++) {
        uint64_t total = 0;
        for (uint64_t n = 1;; n = fx_fault_next(n, total)) {
            copy_base(dir, sizeof dir);
            gb_chain *c;
            GB_EXPECT_ERR(GB_OK, open_dir(dir, &c));
            uint64_t nonce0 = gb_chain_nonce(c, alice());
            gb_tx txs[] = {
                {.kind = GB_TX_SEND_MESSAGE, .sender = alice(),
                 .destination = B.ping, .payload = (const uint8_t *)"PING",
                 .payload_len = 4, .gas_limit = GAS},
                {.kind = GB_TX_UPLOAD_CODE, .sender = alice(), .code = code,
                 .code_len = len},
                {.kind = GB_TX_TRANSFER, .sender = alice(),
                 .destination = bob(), .value = gb_u128_from(5)},
                {.kind = GB_TX_CREATE_PROGRAM, .sender = alice(),
                 .code_id = B.ping_code, .salt = (const uint8_t *)"s",
                 .salt_len = 1, .gas_limit = GAS},
            };
            uint64_t accepted = 0;
            gb_fault_arm(k, n, false);
            for (size_t i = 0; i < sizeof txs / sizeof *txs; i++) {
                gb_id id;
                char detail[128];
                gb_err e = gb_chain_submit(c, &txs[i], &id, detail,
                                           sizeof detail);
                if (!e)
                    accepted++;
                else if (e != GB_NOMEM && e != GB_IO)
                    GB_FAIL_("%s fault %" PRIu64 ": submit %zu gave %s (%s)",
                             kind_name(k), n, i, gb_err_name(e), detail);
                else
                    failed++;
            }
            bool fired = gb_fault_fired() > 0;
            if (n == 1)
                total = gb_fault_calls(); /* (all of them still counted) */
            gb_fault_disarm();
            GB_EXPECT_U64(nonce0 + accepted, gb_chain_nonce(c, alice()));
            produce_ok(c);
            GB_EXPECT_U64(nonce0 + accepted, gb_chain_nonce(c, alice()));
            fx_check_conservation(c);
            gb_chain_close(c);
            rm_dir(dir);
            if (!fired)
                break;
        }
    }
    free(code);
    printf("  submit: %u refused cleanly\n", failed);
    GB_EXPECT(failed > 0);
}

/* GB_FAULT_ONLY=KIND:N (1 alloc, 2 io, 3 both; with GB_FAULT_TRACE=1):
 * only that faulted block, to chase one failure. */
static void test_only(void)
{
    unsigned k = 0, failed = 0;
    unsigned long long n = 0;
    if (sscanf(getenv("GB_FAULT_ONLY"), "%u:%llu", &k, &n) == 2)
        printf("fired: %d\n", faulted_block(k, n, false, &failed));
    GB_EXPECT(k && n);
}

int main(void)
{
    setup_base();
    make_ref();
    if (getenv("GB_FAULT_ONLY")) {
        GB_RUN(test_only);
        rm_dir(B.dir);
        return gb_test_summary();
    }
    GB_RUN(test_block_alloc_faults);
    GB_RUN(test_block_io_faults);
    GB_RUN(test_block_persistent_faults);
    GB_RUN(test_open_faults);
    GB_RUN(test_submit_faults);
    rm_dir(B.dir);
    return gb_test_summary();
}
