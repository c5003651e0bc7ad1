/*
 * The processor's public face (gearbox/processor.h): a program held in
 * memory, messages delivered one at a time — replies, memory kept between
 * runs, value, the status an init and gr_exit leave, refused calls.  Only
 * the public header is used, as an embedder would.  The programs are
 * the examples ($GB_EXAMPLES_WASM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gearbox/processor.h"
#include "test.h"

#define GAS 10000000000ull

static uint8_t *read_example(const char *name, size_t *len)
{
    char path[1024];
    const char *dir = getenv("GB_EXAMPLES_WASM");
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    uint8_t *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static gb_gear_program *load(const char *name)
{
    size_t len;
    uint8_t *wasm = read_example(name, &len);
    uint8_t id[32];
    memset(id, 0x77, 32);
    gb_gear_program *p = NULL;
    char detail[256];
    GB_EXPECT_ERR(GB_OK, gb_gear_program_new(wasm, len, id, &p, detail,
                                             sizeof detail));
    free(wasm);
    return p;
}

static gb_err deliver(gb_gear_program *p, gb_processor *proc,
                      gb_gear_msg_kind kind, const char *payload,
                      uint8_t nonce, gb_gear_result *r)
{
    gb_gear_msg m = {.kind = kind,
                     .payload = (const uint8_t *)payload,
                     .payload_len = payload ? strlen(payload) : 0,
                     .gas_limit = GAS,
                     .height = 1 + nonce};
    memset(m.id, nonce, 32);
    memset(m.source, 0xaa, 32);
    return gb_gear_program_run(p, proc, &m, r);
}

static bool reply_is(const gb_gear_result *r, const char *want)
{
    return r->has_reply && r->reply_len == strlen(want) &&
           !memcmp(r->reply_payload, want, r->reply_len);
}

static void test_ping(void)
{
    gb_processor *proc;
    GB_EXPECT_ERR(GB_OK, gb_processor_new_default(&proc));
    gb_gear_program *p = load("ping");
    if (!p) {
        gb_processor_free(proc);
        return;
    }
    gb_gear_result r;
    /* a message before the init: refused, nothing ran */
    GB_EXPECT_ERR(GB_INVALID, deliver(p, proc, GB_GEAR_MSG_HANDLE, "PING",
                                      1, &r));
    GB_EXPECT(!r.has_reply);
    GB_EXPECT_ERR(GB_OK, deliver(p, proc, GB_GEAR_MSG_INIT, NULL, 1, &r));
    GB_EXPECT(r.outcome == GB_GEAR_SUCCESS || r.outcome == GB_GEAR_SKIPPED);
    gb_gear_result_free(&r);
    /* a second init: refused */
    GB_EXPECT_ERR(GB_INVALID, deliver(p, proc, GB_GEAR_MSG_INIT, NULL, 2,
                                      &r));
    GB_EXPECT_ERR(GB_OK, deliver(p, proc, GB_GEAR_MSG_HANDLE, "PING", 3,
                                 &r));
    GB_EXPECT_U64(GB_GEAR_SUCCESS, r.outcome);
    GB_EXPECT(reply_is(&r, "PONG"));
    GB_EXPECT(r.gas_burned > 0 && r.gas_burned < GAS);
    GB_EXPECT_U64(0, r.reply_code[0]); /* Success */
    gb_gear_result_free(&r);
    gb_gear_program_free(p);
    gb_processor_free(proc);
}

/* counter keeps its count in memory: it survives from run to run, and a
 * failed run (a panic) leaves it as it was. */
static void test_memory_kept(void)
{
    gb_processor *proc;
    GB_EXPECT_ERR(GB_OK, gb_processor_new_default(&proc));
    gb_gear_program *p = load("counter");
    if (!p) {
        gb_processor_free(proc);
        return;
    }
    gb_gear_result r;
    GB_EXPECT_ERR(GB_OK, deliver(p, proc, GB_GEAR_MSG_INIT, NULL, 1, &r));
    gb_gear_result_free(&r);
    GB_EXPECT_ERR(GB_OK, deliver(p, proc, GB_GEAR_MSG_HANDLE, "add 40", 2,
                                 &r));
    GB_EXPECT(reply_is(&r, "40"));
    gb_gear_result_free(&r);
    GB_EXPECT(gb_gear_program_pages(p) > 0);
    GB_EXPECT_ERR(GB_OK, deliver(p, proc, GB_GEAR_MSG_HANDLE, "bogus", 3,
                                 &r));
    GB_EXPECT_U64(GB_GEAR_FAILED, r.outcome);
    GB_EXPECT(r.has_reply && r.reply_code[0] == 1); /* Error */
    GB_EXPECT(r.failure[0] != 0);
    gb_gear_result_free(&r);
    GB_EXPECT_ERR(GB_OK, deliver(p, proc, GB_GEAR_MSG_HANDLE, "inc", 4, &r));
    GB_EXPECT(reply_is(&r, "41"));
    gb_gear_result_free(&r);
    /* the same runs on a fresh program give the same result */
    gb_gear_program *q = load("counter");
    GB_EXPECT_ERR(GB_OK, deliver(q, proc, GB_GEAR_MSG_INIT, NULL, 1, &r));
    gb_gear_result_free(&r);
    GB_EXPECT_ERR(GB_OK, deliver(q, proc, GB_GEAR_MSG_HANDLE, "add 41", 2,
                                 &r));
    GB_EXPECT(reply_is(&r, "41"));
    GB_EXPECT_U64(gb_gear_program_pages(p), gb_gear_program_pages(q));
    gb_gear_result_free(&r);
    gb_gear_program_free(q);
    gb_gear_program_free(p);
    gb_processor_free(proc);
}

/* The message's value is the program's after a run that does not fail. */
static void test_value(void)
{
    gb_processor *proc;
    GB_EXPECT_ERR(GB_OK, gb_processor_new_default(&proc));
    gb_gear_program *p = load("ping");
    if (!p) {
        gb_processor_free(proc);
        return;
    }
    gb_gear_value before = gb_gear_program_balance(p);
    GB_EXPECT_U64(1000000000000ull, before.lo); /* the existential deposit */
    gb_gear_result r;
    GB_EXPECT_ERR(GB_OK, deliver(p, proc, GB_GEAR_MSG_INIT, NULL, 1, &r));
    gb_gear_result_free(&r);
    gb_gear_msg m = {.kind = GB_GEAR_MSG_HANDLE,
                     .payload = (const uint8_t *)"PING",
                     .payload_len = 4,
                     .gas_limit = GAS,
                     .value = {.lo = 5000}};
    memset(m.id, 9, 32);
    GB_EXPECT_ERR(GB_OK, gb_gear_program_run(p, proc, &m, &r));
    GB_EXPECT(reply_is(&r, "PONG"));
    gb_gear_result_free(&r);
    GB_EXPECT_U64(before.lo + 5000, gb_gear_program_balance(p).lo);
    gb_gear_program_free(p);
    gb_processor_free(proc);
}

/* Code Gear refuses is refused with a reason. */
static void test_bad_code(void)
{
    static const uint8_t junk[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0xff};
    gb_gear_program *p = (gb_gear_program *)1;
    char detail[256] = "";
    gb_err e = gb_gear_program_new(junk, sizeof junk, NULL, &p, detail,
                                   sizeof detail);
    GB_EXPECT(e != GB_OK);
    GB_EXPECT(p == NULL);
    GB_EXPECT(detail[0] != 0);
}

int main(void)
{
    GB_RUN(test_ping);
    GB_RUN(test_memory_kept);
    GB_RUN(test_value);
    GB_RUN(test_bad_code);
    return gb_test_summary();
}
