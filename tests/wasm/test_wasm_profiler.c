/*
 * The engine's profiler (gb_store_set_profiler, wasm.h): the events of a
 * run in order, with the function indices, host arguments and results,
 * and gas that only grows and ends at gb_store_gas_used; a run with a
 * profiler computes and charges what it does without one, traps
 * included (endless recursion).  tests/data/wasm/profile.wat.
 */
#include <stdlib.h>
#include <string.h>

#include "gearbox/wasm.h"
#include "test.h"

typedef struct rec {
    gb_prof_event ev[64];
    gb_val vals[64];
    uint32_t n;
    uint64_t total; /* all events, even beyond ev[] */
} rec;

static void on_event(void *user, const gb_prof_event *ev)
{
    rec *r = user;
    r->total++;
    if (r->n < 64) {
        r->vals[r->n] = ev->vals ? ev->vals[0] : 0;
        r->ev[r->n++] = *ev;
    }
}

static gb_err host(gb_host_ctx *ctx, void *user, const gb_val *args,
                   gb_val *results)
{
    gb_err e = gb_host_charge(ctx, 100);
    if (e)
        return e;
    results[0] = (uint32_t)args[0] + 1;
    return GB_OK;
}

typedef struct env {
    gb_module *m;
    gb_store *s;
    gb_instance *inst;
    gb_func *run, *deep;
} env;

static bool setup(env *v)
{
    memset(v, 0, sizeof *v);
    char path[512];
    const char *dir = getenv("GB_TEST_WASM");
    snprintf(path, sizeof path, "%s/profile.wasm", dir ? dir : "testwasm");
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return false;
    }
    uint8_t buf[4096];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char detail[256];
    if (gb_module_load(NULL, buf, len, &v->m, detail, sizeof detail) ||
        gb_store_new(NULL, &v->s))
        return false;
    static const uint8_t i32[] = {GB_I32};
    gb_functype t = {.nparams = 1, .nresults = 1, .params = i32,
                     .results = i32};
    gb_extern im = {.kind = GB_EXTERN_FUNC};
    gb_extern ex;
    if (gb_func_new_host(v->s, &t, host, NULL, &im.u.func) ||
        gb_instantiate(v->s, v->m, &im, 1, &v->inst, detail, sizeof detail) ||
        gb_instance_export(v->inst, "run", 3, &ex))
        return false;
    v->run = ex.u.func;
    if (gb_instance_export(v->inst, "deep", 4, &ex))
        return false;
    v->deep = ex.u.func;
    return true;
}

static void teardown(env *v)
{
    gb_store_free(v->s);
    gb_module_free(v->m);
}

static void test_events(void)
{
    env v;
    GB_EXPECT(setup(&v));
    if (!v.run) {
        teardown(&v);
        return;
    }
    gb_val arg = 5, res0 = 0, res1 = 0;
    gb_store_set_gas(v.s, 1000000);
    GB_EXPECT_ERR(GB_OK, gb_func_call(v.s, v.run, &arg, &res0));
    uint64_t gas0 = gb_store_gas_used(v.s);
    GB_EXPECT_U64(5 * 3 + 6 + 6, res0);

    rec r = {0};
    gb_store_set_profiler(v.s, on_event, &r);
    gb_store_set_gas(v.s, 1000000);
    GB_EXPECT_ERR(GB_OK, gb_func_call(v.s, v.run, &arg, &res1));
    GB_EXPECT_U64(res0, res1);
    GB_EXPECT_U64(gas0, gb_store_gas_used(v.s));

    /* run > mid > leaf, host; host (call_indirect) */
    static const struct { gb_prof_kind k; uint32_t func; gb_val val; } want[] = {
        {GB_PROF_ENTER, 1, 0},        {GB_PROF_ENTER, 2, 0},
        {GB_PROF_ENTER, 3, 0},        {GB_PROF_LEAVE, UINT32_MAX, 0},
        {GB_PROF_HOST_CALL, 0, 5},    {GB_PROF_HOST_RETURN, 0, 6},
        {GB_PROF_LEAVE, UINT32_MAX, 0}, {GB_PROF_HOST_CALL, 0, 5},
        {GB_PROF_HOST_RETURN, 0, 6},  {GB_PROF_LEAVE, UINT32_MAX, 0},
    };
    GB_EXPECT_U64(sizeof want / sizeof want[0], r.n);
    uint64_t last = 0;
    for (uint32_t i = 0; i < r.n && i < sizeof want / sizeof want[0]; i++) {
        GB_EXPECT_U64(want[i].k, r.ev[i].kind);
        GB_EXPECT_U64(want[i].func, r.ev[i].func);
        if (want[i].k == GB_PROF_HOST_CALL || want[i].k == GB_PROF_HOST_RETURN)
            GB_EXPECT_U64(want[i].val, (uint32_t)r.vals[i]);
        if (want[i].k == GB_PROF_HOST_RETURN) {
            GB_EXPECT_ERR(GB_OK, r.ev[i].err);
            /* the host's own charge is between its two events */
            GB_EXPECT_U64(100, r.ev[i].gas_used - r.ev[i - 1].gas_used);
        }
        GB_EXPECT(r.ev[i].inst == v.inst);
        GB_EXPECT(r.ev[i].gas_used >= last);
        last = r.ev[i].gas_used;
    }
    GB_EXPECT(r.n && r.ev[0].gas_used == 0); /* before run's first block */
    GB_EXPECT_U64(gas0, last);                /* the last event: the end */

    /* off again: no events, the same gas */
    gb_store_set_profiler(v.s, NULL, NULL);
    uint64_t n = r.total;
    gb_store_set_gas(v.s, 1000000);
    GB_EXPECT_ERR(GB_OK, gb_func_call(v.s, v.run, &arg, &res1));
    GB_EXPECT_U64(n, r.total);
    GB_EXPECT_U64(gas0, gb_store_gas_used(v.s));
    teardown(&v);
}

/* Endless recursion: the same trap, at the same gas, with and without. */
static void test_recursion_trap(void)
{
    env v;
    GB_EXPECT(setup(&v));
    if (!v.deep) {
        teardown(&v);
        return;
    }
    gb_val arg = 0, res;
    gb_store_set_gas(v.s, UINT64_MAX);
    GB_EXPECT_ERR(GB_TRAP_STACK_EXHAUSTED, gb_func_call(v.s, v.deep, &arg, &res));
    uint64_t gas0 = gb_store_gas_used(v.s);
    rec r = {0};
    gb_store_set_profiler(v.s, on_event, &r);
    gb_store_set_gas(v.s, UINT64_MAX);
    GB_EXPECT_ERR(GB_TRAP_STACK_EXHAUSTED, gb_func_call(v.s, v.deep, &arg, &res));
    GB_EXPECT_U64(gas0, gb_store_gas_used(v.s));
    /* one ENTER per frame the default depth limit allows, no LEAVE */
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    GB_EXPECT_U64(cfg.max_call_depth, r.total);
    for (uint32_t i = 0; i < r.n; i++)
        GB_EXPECT_U64(GB_PROF_ENTER, r.ev[i].kind);
    /* and out of gas in the middle: the same with and without */
    gb_store_set_profiler(v.s, NULL, NULL);
    gb_store_set_gas(v.s, gas0 / 3);
    GB_EXPECT_ERR(GB_TRAP_OUT_OF_GAS, gb_func_call(v.s, v.deep, &arg, &res));
    gb_store_set_profiler(v.s, on_event, &r);
    gb_store_set_gas(v.s, gas0 / 3);
    GB_EXPECT_ERR(GB_TRAP_OUT_OF_GAS, gb_func_call(v.s, v.deep, &arg, &res));
    GB_EXPECT_U64(gas0 / 3, gb_store_gas_used(v.s));
    teardown(&v);
}

int main(void)
{
    GB_RUN(test_events);
    GB_RUN(test_recursion_trap);
    return gb_test_summary();
}
