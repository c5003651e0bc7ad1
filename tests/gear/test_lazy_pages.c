/*
 * Lazy pages (src/gear/lazy_pages.h): pages load on first touch, only
 * changed pages are reported, growth, the stack, faults from the
 * interpreter and from libc, threads, reuse, faults that are not ours
 * still crashing, and the compiled tier's guard-page handler
 * (src/wasm/jit_x64_rt.c) installed before and after ours.  Ends by printing (not asserting) what begin + end cost
 * for a large and a small memory.
 *
 * Memories here are counted in 64 KiB wasm pages when made (4 gear pages
 * each) and in 16 KiB gear pages everywhere else.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "gear/lazy_pages.h"
#include "gearbox/wasm.h"
#include "test.h"

#define GP GB_GEAR_PAGE_SIZE

/* A sanitizer's own SIGSEGV handler (ours chains to it) reports a crash
 * and exits nonzero instead of dying of the signal. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

/* ---- persisted pages and the lookup --------------------------------- */

/* A program's stored pages, prepared before the run, so the lookup only
 * reads (async-signal-safe). */
typedef struct stored {
    uint32_t n;
    uint32_t page[16];
    uint8_t *data[16];
    uint32_t calls; /* lookups made: only the session's thread writes it */
} stored;

static uint8_t pattern(uint32_t page, uint32_t i, uint32_t seed)
{
    return (uint8_t)(page * 31u + i * 7u + seed * 13u + 1u);
}

static void stored_add(stored *st, uint32_t page, uint32_t seed)
{
    uint8_t *d = malloc(GP);
    for (uint32_t i = 0; i < GP; i++)
        d[i] = pattern(page, i, seed);
    st->page[st->n] = page;
    st->data[st->n] = d;
    st->n++;
}

static void stored_free(stored *st)
{
    for (uint32_t i = 0; i < st->n; i++)
        free(st->data[i]);
    memset(st, 0, sizeof *st);
}

static const uint8_t *lookup(void *user, uint32_t page, uint32_t *len)
{
    stored *st = user;
    st->calls++;
    *len = GP; /* stored whole: zeros at the end are allowed */
    for (uint32_t i = 0; i < st->n; i++)
        if (st->page[i] == page)
            return st->data[i];
    return NULL;
}

/* A store and a memory of wasm_pages (max max_pages). */
typedef struct fixture {
    gb_store *s;
    gb_memory *mem;
    uint8_t *data;
} fixture;

static int fx_new(fixture *fx, uint32_t wasm_pages, uint32_t max_pages)
{
    memset(fx, 0, sizeof *fx);
    if (gb_store_new(NULL, &fx->s) != GB_OK)
        return 0;
    gb_limits l = {.min = wasm_pages, .max = max_pages, .has_max = true};
    if (gb_memory_new(fx->s, l, &fx->mem) != GB_OK)
        return 0;
    fx->data = gb_memory_data(fx->mem);
    return 1;
}

static void fx_free(fixture *fx)
{
    gb_store_free(fx->s);
    memset(fx, 0, sizeof *fx);
}

static int page_equals_stored(const uint8_t *p, uint32_t page, uint32_t seed)
{
    for (uint32_t i = 0; i < GP; i++)
        if (p[i] != pattern(page, i, seed))
            return 0;
    return 1;
}

/* ---- tests ---------------------------------------------------------- */

static void test_reads_see_persisted_content(void)
{
    fixture fx;
    stored st = {0};
    GB_EXPECT(fx_new(&fx, 4, 4)); /* 16 gear pages */
    stored_add(&st, 3, 0);
    stored_add(&st, 9, 0);
    gb_lazy *lz = NULL;
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 2, lookup, &st, &lz));
    GB_EXPECT_U64(0, gb_lazy_touched(lz));
    GB_EXPECT_U64(0, st.calls);

    volatile uint8_t *m = fx.data;
    GB_EXPECT_U64(pattern(3, 100, 0), m[3 * GP + 100]);
    GB_EXPECT_U64(1, gb_lazy_touched(lz));
    GB_EXPECT(page_equals_stored(fx.data + 3 * GP, 3, 0));
    GB_EXPECT_U64(1, gb_lazy_touched(lz)); /* the same page: no new load */
    GB_EXPECT_U64(pattern(9, GP - 1, 0), m[9 * GP + GP - 1]);
    GB_EXPECT_U64(0, m[4 * GP + 5]);       /* not stored: zero */
    GB_EXPECT_U64(3, gb_lazy_touched(lz)); /* 3, 9, 4; the other 10 not */

    const gb_page_write *w = NULL;
    uint32_t n = 99;
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT_U64(0, n); /* only read */
    gb_lazy_free(lz);
    stored_free(&st);
    fx_free(&fx);
}

static void test_only_changed_pages_reported(void)
{
    fixture fx;
    stored st = {0};
    GB_EXPECT(fx_new(&fx, 4, 4));
    stored_add(&st, 3, 0);
    stored_add(&st, 5, 0);
    gb_lazy *lz = NULL;
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 1, lookup, &st, &lz));
    volatile uint8_t *m = fx.data;

    /* page 3: written, then written back: unchanged */
    uint8_t was = m[3 * GP + 7];
    m[3 * GP + 7] = (uint8_t)(was + 1);
    m[3 * GP + 7] = was;
    /* page 5: stored, changed */
    m[5 * GP + 8] ^= 0xFF;
    /* page 7: a zero page, written nonzero: reported */
    m[7 * GP + GP - 1] = 42;
    /* page 8: a zero page, written zero: not reported */
    m[8 * GP] = 0;
    /* page 12: written through libc (memset) */
    memset(fx.data + 12 * GP + 100, 0xAB, 10);
    GB_EXPECT_U64(5, gb_lazy_touched(lz));

    const gb_page_write *w = NULL;
    uint32_t n = 0;
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT_U64(3, n);
    if (n == 3) {
        GB_EXPECT_U64(5, w[0].page);
        GB_EXPECT_U64(7, w[1].page);
        GB_EXPECT_U64(12, w[2].page);
        GB_EXPECT(w[0].data == fx.data + 5 * GP);
        GB_EXPECT_U64((uint8_t)~pattern(5, 8, 0), w[0].data[8]);
        GB_EXPECT_U64(42, w[1].data[GP - 1]);
        GB_EXPECT_U64(0xAB, w[2].data[109]);
    }
    /* A second call gives the same answer. */
    const gb_page_write *w2 = NULL;
    uint32_t n2 = 0;
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w2, &n2));
    GB_EXPECT_U64(n, n2);
    GB_EXPECT(w == w2);
    gb_lazy_free(lz);
    stored_free(&st);
    fx_free(&fx);
}

static void test_straddling_access_loads_both_pages(void)
{
    fixture fx;
    stored st = {0};
    GB_EXPECT(fx_new(&fx, 2, 2));
    gb_lazy *lz = NULL;
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 0, lookup, &st, &lz));
    uint64_t v = 0x1122334455667788u;
    /* an 8-byte store across the border of pages 2 and 3 */
    memcpy(fx.data + 3 * GP - 4, &v, sizeof v);
    GB_EXPECT_U64(2, gb_lazy_touched(lz));
    const gb_page_write *w = NULL;
    uint32_t n = 0;
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT_U64(2, n);
    if (n == 2) {
        GB_EXPECT_U64(2, w[0].page);
        GB_EXPECT_U64(3, w[1].page);
    }
    gb_lazy_free(lz);
    fx_free(&fx);
}

static void test_growth_reported(void)
{
    fixture fx;
    stored st = {0};
    GB_EXPECT(fx_new(&fx, 1, 4)); /* 4 gear pages, room for 16 */
    stored_add(&st, 2, 0);
    gb_lazy *lz = NULL;
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 1, lookup, &st, &lz));
    volatile uint8_t *m = fx.data;
    m[2 * GP] = 1;
    uint32_t old = 0;
    GB_EXPECT_ERR(GB_OK, gb_memory_grow(fx.mem, 2, &old));
    GB_EXPECT_U64(1, old);
    m[6 * GP + 10] = 9;   /* a new page: reported */
    m[4 * GP + 10] = 0;   /* a new page, still zero: not reported */
    m[11 * GP + GP - 1] = 3; /* the last new page */
    GB_EXPECT_U64(1, gb_lazy_touched(lz)); /* new pages need no load */
    const gb_page_write *w = NULL;
    uint32_t n = 0;
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT_U64(3, n);
    if (n == 3) {
        GB_EXPECT_U64(2, w[0].page);
        GB_EXPECT_U64(6, w[1].page);
        GB_EXPECT_U64(11, w[2].page);
        GB_EXPECT_U64(9, w[1].data[10]);
    }
    gb_lazy_free(lz);
    stored_free(&st);
    fx_free(&fx);
}

static void test_stack_not_tracked(void)
{
    fixture fx;
    stored st = {0};
    GB_EXPECT(fx_new(&fx, 2, 2));
    stored_add(&st, 1, 0); /* stored data for a stack page: never used */
    gb_lazy *lz = NULL;
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 3, lookup, &st, &lz));
    volatile uint8_t *m = fx.data;
    GB_EXPECT_U64(0, m[1 * GP + 5]); /* fresh zero, not loaded */
    m[0] = 1;
    m[1 * GP + 5] = 2;
    m[3 * GP - 1] = 3;
    GB_EXPECT_U64(0, gb_lazy_touched(lz));
    GB_EXPECT_U64(0, st.calls);
    m[3 * GP] = 4; /* first tracked page */
    GB_EXPECT_U64(1, gb_lazy_touched(lz));
    const gb_page_write *w = NULL;
    uint32_t n = 0;
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT_U64(1, n);
    if (n == 1)
        GB_EXPECT_U64(3, w[0].page);
    gb_lazy_free(lz);

    /* A stack past the end of memory tracks nothing; growth above it is
     * still reported, growth inside it is not. */
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 10, lookup, &st, &lz));
    uint32_t old;
    GB_EXPECT_ERR(GB_OK, gb_memory_grow(fx.mem, 0, &old));
    gb_lazy_free(lz);
    stored_free(&st);
    fx_free(&fx);

    GB_EXPECT(fx_new(&fx, 1, 4));
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 6, lookup, &st, &lz));
    GB_EXPECT_ERR(GB_OK, gb_memory_grow(fx.mem, 1, &old));
    m = fx.data;
    m[5 * GP] = 1; /* grown, but stack */
    m[7 * GP] = 1; /* grown, above the stack */
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT_U64(1, n);
    if (n == 1)
        GB_EXPECT_U64(7, w[0].page);
    gb_lazy_free(lz);
    fx_free(&fx);
}

static void test_touch_loads_ahead(void)
{
    fixture fx;
    stored st = {0};
    GB_EXPECT(fx_new(&fx, 2, 2));
    stored_add(&st, 4, 0);
    gb_lazy *lz = NULL;
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 1, lookup, &st, &lz));
    /* pages 0 (stack) .. 5 */
    GB_EXPECT_ERR(GB_OK, gb_lazy_touch(lz, 100, 5 * GP));
    GB_EXPECT_U64(5, gb_lazy_touched(lz));
    GB_EXPECT(page_equals_stored(fx.data + 4 * GP, 4, 0));
    GB_EXPECT_ERR(GB_OK, gb_lazy_touch(lz, 4 * GP, 1)); /* already loaded */
    GB_EXPECT_ERR(GB_OK, gb_lazy_touch(lz, 0, 0));
    GB_EXPECT_U64(5, gb_lazy_touched(lz));
    GB_EXPECT_ERR(GB_INVAL, gb_lazy_touch(lz, 8 * GP - 1, 2));
    GB_EXPECT_ERR(GB_INVAL, gb_lazy_touch(lz, UINT64_MAX, 2));
    GB_EXPECT_ERR(GB_OK, gb_lazy_touch(lz, 8 * GP - 1, 1));
    GB_EXPECT_U64(6, gb_lazy_touched(lz));
    const gb_page_write *w = NULL;
    uint32_t n = 0;
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT_U64(0, n);
    GB_EXPECT_ERR(GB_INVAL, gb_lazy_touch(lz, 0, 1)); /* ended */
    gb_lazy_free(lz);
    stored_free(&st);
    fx_free(&fx);
}

static void test_reuse_and_errors(void)
{
    fixture fx;
    stored a = {0}, b = {0};
    GB_EXPECT(fx_new(&fx, 1, 1));
    stored_add(&a, 2, 1);
    stored_add(&b, 2, 2);
    stored_add(&b, 3, 2);

    gb_lazy *lz = NULL, *lz2 = NULL;
    GB_EXPECT_ERR(GB_INVAL, gb_lazy_begin(NULL, 0, lookup, &a, &lz));
    GB_EXPECT_ERR(GB_INVAL, gb_lazy_begin(fx.mem, 0, NULL, &a, &lz));
    GB_EXPECT_ERR(GB_INVAL, gb_lazy_begin(fx.mem, 0, lookup, &a, NULL));
    GB_EXPECT_ERR(GB_INVAL, gb_lazy_end(NULL, NULL, NULL));
    GB_EXPECT_U64(0, gb_lazy_touched(NULL));
    gb_lazy_free(NULL);

    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 1, lookup, &a, &lz));
    /* one session per thread */
    GB_EXPECT_ERR(GB_INVAL, gb_lazy_begin(fx.mem, 1, lookup, &b, &lz2));
    GB_EXPECT(lz2 == NULL);
    volatile uint8_t *m = fx.data;
    m[0] = 7;             /* stack */
    m[2 * GP] ^= 1;       /* a's page 2 */
    m[3 * GP + 1] = 5;    /* zero page 3 */
    gb_lazy_free(lz);     /* no end: a failed run */

    /* The same memory, another program: nothing of the last run shows. */
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 1, lookup, &b, &lz));
    GB_EXPECT_U64(0, m[0]); /* the stack starts zero again */
    GB_EXPECT(page_equals_stored(fx.data + 2 * GP, 2, 2));
    GB_EXPECT(page_equals_stored(fx.data + 3 * GP, 3, 2));
    const gb_page_write *w = NULL;
    uint32_t n = 0;
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT_U64(0, n);
    gb_lazy_free(lz);

    /* And a program with no stored pages sees zeros where b had data. */
    stored none = {0};
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 1, lookup, &none, &lz));
    GB_EXPECT_U64(0, m[2 * GP + 3]);
    GB_EXPECT_U64(0, m[3 * GP + 3]);
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT_U64(0, n);
    gb_lazy_free(lz);

    stored_free(&a);
    stored_free(&b);
    fx_free(&fx);
}

/* ---- through the interpreter ---------------------------------------- */

#define WASM_HEADER 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00

/* (import "env" "memory" (memory 1))
 * (func (export "load") (param i32) (result i32) local.get 0 i32.load)
 * (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
 * (func (export "fill") (param i32 i32 i32)
 *   local.get 0 local.get 1 local.get 2 memory.fill)
 * (func (export "copy") (param i32 i32 i32)
 *   local.get 0 local.get 1 local.get 2 memory.copy) */
static const uint8_t wasm_mem_ops[] = {
    WASM_HEADER,
    0x01, 0x11, 0x03,                         /* type section, 3 types */
    0x60, 0x01, 0x7F, 0x01, 0x7F,             /*   0: (i32) -> i32 */
    0x60, 0x02, 0x7F, 0x7F, 0x00,             /*   1: (i32 i32) */
    0x60, 0x03, 0x7F, 0x7F, 0x7F, 0x00,       /*   2: (i32 i32 i32) */
    0x02, 0x0F, 0x01,                         /* import section, 1 import */
    0x03, 'e', 'n', 'v',                      /*   "env" */
    0x06, 'm', 'e', 'm', 'o', 'r', 'y',       /*   "memory" */
    0x02, 0x00, 0x01,                         /*   memory, min 1, no max */
    0x03, 0x05, 0x04, 0x00, 0x01, 0x02, 0x02, /* function section */
    0x07, 0x1E, 0x04,                         /* export section, 4 */
    0x04, 'l', 'o', 'a', 'd', 0x00, 0x00,
    0x05, 's', 't', 'o', 'r', 'e', 0x00, 0x01,
    0x04, 'f', 'i', 'l', 'l', 0x00, 0x02,
    0x04, 'c', 'o', 'p', 'y', 0x00, 0x03,
    0x0A, 0x2C, 0x04,                         /* code section, 4 bodies */
    0x07, 0x00,                               /*   load: size 7 */
    0x20, 0x00, 0x28, 0x02, 0x00, 0x0B,       /*     i32.load align=4 */
    0x09, 0x00,                               /*   store: size 9 */
    0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0B,
    0x0B, 0x00,                               /*   fill: size 11 */
    0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xFC, 0x0B, 0x00, 0x0B,
    0x0C, 0x00,                               /*   copy: size 12 */
    0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xFC, 0x0A, 0x00, 0x00, 0x0B,
};

static gb_func *export_func(gb_instance *inst, const char *name)
{
    gb_extern ext;
    if (gb_instance_export(inst, name, strlen(name), &ext) != GB_OK ||
        ext.kind != GB_EXTERN_FUNC)
        return NULL;
    return ext.u.func;
}

static void test_faults_from_the_interpreter(void)
{
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    char detail[256] = "";
    gb_module *mod = NULL;
    gb_err e = gb_module_load(&cfg, wasm_mem_ops, sizeof wasm_mem_ops, &mod,
                              detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e != GB_OK) {
        fprintf(stderr, "  load: %s\n", detail);
        return;
    }
    fixture fx;
    GB_EXPECT(fx_new(&fx, 2, 2)); /* 8 gear pages */
    gb_extern imp = {.kind = GB_EXTERN_MEMORY, .u.memory = fx.mem};
    gb_instance *inst = NULL;
    e = gb_instantiate(fx.s, mod, &imp, 1, &inst, detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e != GB_OK) {
        fprintf(stderr, "  instantiate: %s\n", detail);
        gb_module_free(mod);
        fx_free(&fx);
        return;
    }
    gb_func *load = export_func(inst, "load"), *store = export_func(inst, "store");
    gb_func *fill = export_func(inst, "fill"), *copy = export_func(inst, "copy");
    GB_EXPECT(load && store && fill && copy);

    stored st = {0};
    stored_add(&st, 2, 0);
    stored_add(&st, 3, 0);
    gb_lazy *lz = NULL;
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 1, lookup, &st, &lz));

    gb_val args[3], res[1];
    /* a load from a stored page */
    args[0] = 2 * GP + 40;
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, load, args, res));
    uint32_t want;
    memcpy(&want, st.data[0] + 40, 4);
    GB_EXPECT_U64(want, (uint32_t)res[0]);
    GB_EXPECT_U64(1, gb_lazy_touched(lz));
    /* an unaligned load across pages 3 and 4 */
    args[0] = 4 * GP - 2;
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, load, args, res));
    want = (uint32_t)pattern(3, GP - 2, 0) |
           (uint32_t)pattern(3, GP - 1, 0) << 8;
    GB_EXPECT_U64(want, (uint32_t)res[0]);
    GB_EXPECT_U64(3, gb_lazy_touched(lz));
    /* a store to a zero page */
    args[0] = 5 * GP + 8;
    args[1] = 0xDEADBEEF;
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, store, args, res));
    /* memory.fill (libc memset) across pages 6 and 7 */
    args[0] = 7 * GP - 10;
    args[1] = 0x5A;
    args[2] = 20;
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, fill, args, res));
    /* memory.copy (libc memmove) from page 2 into page 1 */
    args[0] = 1 * GP;
    args[1] = 2 * GP;
    args[2] = 64;
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, copy, args, res));
    /* out of bounds still traps, with no fault */
    args[0] = 8 * GP;
    GB_EXPECT_ERR(GB_TRAP_MEM_OOB, gb_func_call(fx.s, load, args, res));
    GB_EXPECT_U64(7, gb_lazy_touched(lz)); /* 1..7 */

    const gb_page_write *w = NULL;
    uint32_t n = 0;
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT_U64(4, n);
    if (n == 4) {
        GB_EXPECT_U64(1, w[0].page);
        GB_EXPECT_U64(5, w[1].page);
        GB_EXPECT_U64(6, w[2].page);
        GB_EXPECT_U64(7, w[3].page);
        GB_EXPECT(memcmp(w[0].data, st.data[0], 64) == 0);
        GB_EXPECT_U64(0xEF, w[1].data[8]);
        GB_EXPECT_U64(0x5A, w[2].data[GP - 1]);
        GB_EXPECT_U64(0x5A, w[3].data[9]);
        GB_EXPECT_U64(0, w[3].data[10]);
    }
    gb_lazy_free(lz);
    stored_free(&st);
    fx_free(&fx);
    gb_module_free(mod);
}

/* ---- with the compiled tier's guard pages -------------------------- */

/* Code run with (tier, explicit bounds) on a memory of 2 wasm pages (8
 * gear pages, all tracked, page 7 stored) under lazy pages: a load from a
 * page not loaded yet; a load and stores straddling the end while page 7
 * is not loaded (lazy pages loads it, then the access traps: with guard
 * pages, at the fault past the end); the stores wrote nothing; accesses
 * past the end.  Nothing changed, so nothing is reported. */
static void guard_lazy_runs(uint8_t tier, bool explicit_bounds)
{
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    cfg.tier = tier;
    cfg.jit_explicit_bounds = explicit_bounds;
    gb_module *mod = NULL;
    gb_store *s = NULL;
    gb_memory *mem = NULL;
    gb_instance *inst = NULL;
    gb_limits l = {.min = 2, .max = 2, .has_max = true};
    GB_EXPECT_ERR(GB_OK, gb_module_load(&cfg, wasm_mem_ops,
                                        sizeof wasm_mem_ops, &mod, NULL, 0));
    GB_EXPECT_ERR(GB_OK, gb_store_new(&cfg, &s));
    if (!mod || !s || gb_memory_new(s, l, &mem) != GB_OK) {
        GB_FAIL_("set-up");
        goto out;
    }
    gb_extern imp = {.kind = GB_EXTERN_MEMORY, .u.memory = mem};
    GB_EXPECT_ERR(GB_OK, gb_instantiate(s, mod, &imp, 1, &inst, NULL, 0));
    gb_func *load = inst ? export_func(inst, "load") : NULL;
    gb_func *store = inst ? export_func(inst, "store") : NULL;
    if (!load || !store) {
        GB_FAIL_("instantiate");
        goto out;
    }
    stored st = {0};
    stored_add(&st, 7, 3);
    gb_lazy *lz = NULL;
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(mem, 0, lookup, &st, &lz));
    gb_val args[2], res[1];
    args[0] = 2 * GP + 40;
    GB_EXPECT_ERR(GB_OK, gb_func_call(s, load, args, res));
    GB_EXPECT_U64(0, res[0]);
    args[0] = 8 * GP - 2;
    GB_EXPECT_ERR(GB_TRAP_MEM_OOB, gb_func_call(s, load, args, res));
    args[0] = 8 * GP - 1;
    args[1] = 0xDEADBEEF;
    GB_EXPECT_ERR(GB_TRAP_MEM_OOB, gb_func_call(s, store, args, res));
    args[0] = 8 * GP - 3;
    GB_EXPECT_ERR(GB_TRAP_MEM_OOB, gb_func_call(s, store, args, res));
    args[0] = 8 * GP - 4;
    GB_EXPECT_ERR(GB_OK, gb_func_call(s, load, args, res));
    uint32_t want = 0;
    for (uint32_t i = 0; i < 4; i++)
        want |= (uint32_t)pattern(7, GP - 4 + i, 3) << (8 * i);
    GB_EXPECT_U64(want, (uint32_t)res[0]);
    args[0] = 8 * GP;
    GB_EXPECT_ERR(GB_TRAP_MEM_OOB, gb_func_call(s, load, args, res));
    args[0] = 0xfffffffc;
    GB_EXPECT_ERR(GB_TRAP_MEM_OOB, gb_func_call(s, store, args, res));
    const gb_page_write *w = NULL;
    uint32_t n = 99;
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT_U64(0, n);
    gb_lazy_free(lz);
    stored_free(&st);
out:
    if (s)
        gb_store_free(s);
    gb_module_free(mod);
}

/* The action SIGSEGV has now (to see which handler went on top). */
static void (*segv_action(void))(int, siginfo_t *, void *)
{
    struct sigaction sa;
    sigaction(SIGSEGV, NULL, &sa);
    return sa.sa_sigaction;
}

/* The two handlers stack in either order, each handing on the faults
 * that are not its own.  Here the compiled tier's first, lazy pages' on
 * top (it sees every fault first), in a child: run first in main, so
 * that neither is installed yet when it forks. */
static void test_guard_handler_below_lazy(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        void (*a0)(int, siginfo_t *, void *) = segv_action();
        gb_wasm_config cfg;
        gb_wasm_config_default(&cfg);
        gb_store *s = NULL;
        gb_memory *mem = NULL;
        gb_limits l = {.min = 1, .max = 1, .has_max = true};
        /* a memory for compiled code installs the guard handler */
        GB_EXPECT_ERR(GB_OK, gb_store_new(&cfg, &s));
        GB_EXPECT_ERR(GB_OK, gb_memory_new(s, l, &mem));
        gb_store_free(s);
        void (*a1)(int, siginfo_t *, void *) = segv_action();
        guard_lazy_runs(GB_TIER_COMPILED, false);
        GB_EXPECT(segv_action() != a1); /* lazy pages' on top */
#if defined(__x86_64__)
        GB_EXPECT(a1 != a0);
#else
        (void)a0;
#endif
        guard_lazy_runs(GB_TIER_COMPILED, true);
        guard_lazy_runs(GB_TIER_INTERP, false);
        _exit(gb_test_cur_failed_ ? 1 : 0);
    }
    int status = 0;
    GB_EXPECT(pid > 0 && waitpid(pid, &status, 0) == pid);
    GB_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Lazy pages' handler first, the compiled tier's on top (it sees every
 * fault first and must leave those on pages not loaded yet to lazy
 * pages): run second in main, the first handler installed in this
 * process. */
static void test_guard_handler_above_lazy(void)
{
    void (*a0)(int, siginfo_t *, void *) = segv_action();
    /* lazy pages' handler: a session on the memory of an interpreting
     * store (which needs no guard pages) */
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    cfg.tier = GB_TIER_INTERP;
    gb_store *s = NULL;
    gb_memory *mem = NULL;
    gb_lazy *lz = NULL;
    stored st = {0};
    gb_limits l = {.min = 1, .max = 1, .has_max = true};
    GB_EXPECT_ERR(GB_OK, gb_store_new(&cfg, &s));
    GB_EXPECT_ERR(GB_OK, gb_memory_new(s, l, &mem));
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(mem, 0, lookup, &st, &lz));
    gb_lazy_free(lz);
    gb_store_free(s);
    void (*a1)(int, siginfo_t *, void *) = segv_action();
    GB_EXPECT(a1 != a0);
    guard_lazy_runs(GB_TIER_COMPILED, false);
#if defined(__x86_64__)
    GB_EXPECT(segv_action() != a1); /* the guard handler on top */
#endif
    guard_lazy_runs(GB_TIER_COMPILED, true);
    guard_lazy_runs(GB_TIER_INTERP, false);
}

/* ---- threads ------------------------------------------------------- */

static pthread_barrier_t start_line;

/* One thread's runs: its own memory, its own stored pages, its own
 * sessions, at the same time as the other thread's.  Returns the number
 * of things that went wrong (the test macros are not thread-safe). */
static void *thread_runs(void *arg)
{
    uintptr_t seed = (uintptr_t)arg, bad = 0;
    fixture fx;
    stored st = {0};
    if (!fx_new(&fx, 4, 4))
        return (void *)(uintptr_t)1000;
    for (uint32_t p = 2; p < 16; p += 3)
        stored_add(&st, p, (uint32_t)seed);
    pthread_barrier_wait(&start_line);
    for (uint32_t run = 0; run < 200; run++) {
        gb_lazy *lz = NULL;
        if (gb_lazy_begin(fx.mem, 1, lookup, &st, &lz) != GB_OK)
            return (void *)(uintptr_t)2000;
        volatile uint8_t *m = fx.data;
        for (uint32_t i = 0; i < st.n; i++) {
            uint32_t p = st.page[i], off = (run * 97u) % GP;
            bad += m[p * GP + off] != pattern(p, off, (uint32_t)seed);
        }
        uint32_t target = 1 + run % 15;
        m[target * GP + run] ^= 0x80;
        const gb_page_write *w = NULL;
        uint32_t n = 0;
        bad += gb_lazy_end(lz, &w, &n) != GB_OK;
        bad += n != 1 || w[0].page != target;
        bad += gb_lazy_touched(lz) != st.n + (target % 3 != 2);
        gb_lazy_free(lz);
    }
    stored_free(&st);
    fx_free(&fx);
    return (void *)bad;
}

static void test_two_threads_at_once(void)
{
    pthread_t t[2];
    GB_EXPECT_U64(0, pthread_barrier_init(&start_line, NULL, 2));
    for (uintptr_t i = 0; i < 2; i++)
        GB_EXPECT_U64(0, pthread_create(&t[i], NULL, thread_runs,
                                        (void *)(i + 1)));
    for (int i = 0; i < 2; i++) {
        void *bad = (void *)1;
        GB_EXPECT_U64(0, pthread_join(t[i], &bad));
        GB_EXPECT_U64(0, (uintptr_t)bad);
    }
    pthread_barrier_destroy(&start_line);
}

/* ---- faults that are not ours still crash --------------------------- */

/* Run fn in a forked child; 1 if the child died of the fault.  Without a
 * sanitizer that is death by SIGSEGV; under ASan or TSan, whose handler
 * we chain to, it is the sanitizer's report and a nonzero exit. */
static int child_crashes(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            dup2(fd, STDERR_FILENO); /* the crash report is expected */
        fn();
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return 0;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
        return 1;
    if (UNDER_SANITIZER && WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return 1;
    fprintf(stderr, "  child status 0x%x\n", status);
    return 0;
}

static void crash_no_session(void)
{
    volatile uint8_t *p = mmap(NULL, 4096, PROT_NONE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        _exit(0);
    (void)p[10];
}

static void crash_outside_range(void)
{
    fixture fx;
    stored st = {0};
    gb_lazy *lz = NULL;
    if (!fx_new(&fx, 1, 2) ||
        gb_lazy_begin(fx.mem, 0, lookup, &st, &lz) != GB_OK)
        _exit(0);
    volatile uint8_t *m = fx.data;
    (void)m[GP]; /* tracked: fine */
    (void)m[4 * GP + 1]; /* past the size: the engine's reserve */
}

static void crash_after_end(void)
{
    fixture fx;
    stored st = {0};
    gb_lazy *lz = NULL;
    const gb_page_write *w;
    uint32_t n;
    if (!fx_new(&fx, 1, 1) ||
        gb_lazy_begin(fx.mem, 0, lookup, &st, &lz) != GB_OK ||
        gb_lazy_end(lz, &w, &n) != GB_OK)
        _exit(0);
    volatile uint8_t *m = fx.data;
    (void)m[GP];
}

static void *read_byte(void *p)
{
    (void)*(volatile uint8_t *)p;
    return NULL;
}

static void crash_other_thread(void)
{
    fixture fx;
    stored st = {0};
    gb_lazy *lz = NULL;
    if (!fx_new(&fx, 1, 1) ||
        gb_lazy_begin(fx.mem, 0, lookup, &st, &lz) != GB_OK)
        _exit(0);
    pthread_t t;
    if (pthread_create(&t, NULL, read_byte, fx.data + GP) == 0)
        pthread_join(t, NULL);
}

static void test_foreign_faults_crash(void)
{
    /* make sure the handler is installed before forking */
    fixture fx;
    stored st = {0};
    gb_lazy *lz = NULL;
    GB_EXPECT(fx_new(&fx, 1, 1));
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 0, lookup, &st, &lz));
    gb_lazy_free(lz);
    fx_free(&fx);

    GB_EXPECT(child_crashes(crash_no_session));
    GB_EXPECT(child_crashes(crash_outside_range));
    GB_EXPECT(child_crashes(crash_after_end));
    GB_EXPECT(child_crashes(crash_other_thread));
}

/* ---- cost: printed, not asserted ------------------------------------ */

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Average microseconds, over runs on one memory of wasm_pages with one
 * page touched, of: begin + end (the fault excluded), the one fault (load
 * of a stored page), free; and begin + fault + end of the first run.
 * populate: write every page first, without a session, as a memory that
 * held a big program would have. */
typedef struct cost {
    double be, fault, free, first;
} cost;

static cost time_runs(uint32_t wasm_pages, int populate, int runs)
{
    cost c = {-1, -1, -1, -1};
    fixture fx;
    stored st = {0};
    if (!fx_new(&fx, wasm_pages, wasm_pages))
        return c;
    stored_add(&st, 2, 0);
    if (populate)
        memset(fx.data, 1, (size_t)wasm_pages * 65536);
    double be = 0, fa = 0, fr = 0;
    for (int r = 0; r < runs; r++) {
        gb_lazy *lz = NULL;
        const gb_page_write *w;
        uint32_t n;
        double t0 = now_us();
        if (gb_lazy_begin(fx.mem, 1, lookup, &st, &lz) != GB_OK)
            break;
        double t1 = now_us();
        fx.data[2 * GP + r] ^= 1;
        double t2 = now_us();
        gb_lazy_end(lz, &w, &n);
        double t3 = now_us();
        gb_lazy_free(lz);
        double t4 = now_us();
        if (r == 0) {
            c.first = t3 - t0;
        } else {
            be += (t1 - t0) + (t3 - t2);
            fa += t2 - t1;
            fr += t4 - t3;
        }
    }
    c.be = be / (runs - 1);
    c.fault = fa / (runs - 1);
    c.free = fr / (runs - 1);
    stored_free(&st);
    fx_free(&fx);
    return c;
}

static void test_cost_independent_of_size(void)
{
    static const struct {
        uint32_t wasm_pages;
        int populate;
        const char *what;
    } cases[] = {
        {1, 0, "4-page memory (1 wasm page)"},
        {500, 0, "2000-page memory (500 wasm pages)"},
        {500, 1, "2000-page memory, all pages populated first"},
    };
    printf("  one page touched per run; mean of 499 runs after the first:\n"
           "  %-44s %9s %9s %9s %11s\n", "", "begin+end", "fault",
           "free", "first run");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cost c = time_runs(cases[i].wasm_pages, cases[i].populate, 500);
        printf("  %-44s %6.2f us %6.2f us %6.2f us %8.1f us\n",
               cases[i].what, c.be, c.fault, c.free, c.first);
        GB_EXPECT(c.be >= 0);
    }
}

/* Eager sessions one after another on kept storage (the processor's way):
 * the second begins on the first's storage, sees its own pages and
 * reports only its own writes. */
static void test_eager_kept_storage(void)
{
    fixture fx;
    stored st = {0};
    GB_EXPECT(fx_new(&fx, 4, 4));
    stored_add(&st, 3, 0);
    stored_add(&st, 5, 0);
    uint32_t hot[2] = {3, 5};
    gb_lazy *spare = NULL, *lz = NULL;
    const gb_page_write *w = NULL;
    uint32_t n = 0;
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin_eager_kept(&spare, fx.mem, 1, lookup,
                                                  &st, hot, 2, &lz));
    GB_EXPECT(lz && !spare);
    GB_EXPECT(page_equals_stored(fx.data + 3 * GP, 3, 0));
    fx.data[5 * GP + 8] ^= 0xFF;
    gb_memory_mark(fx.mem, 5 * GP + 8, 1);
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT(n == 1 && w[0].page == 5);
    gb_lazy *first = lz;
    gb_lazy_free_keep(lz, &spare);
    GB_EXPECT(spare == first);
    GB_EXPECT_U64(0, fx.data[3 * GP + 100]); /* cleared for the next */
    GB_EXPECT_U64(0, fx.data[5 * GP + 8]);

    lz = NULL;
    GB_EXPECT_ERR(GB_OK, gb_lazy_begin_eager_kept(&spare, fx.mem, 1, lookup,
                                                  &st, hot, 2, &lz));
    GB_EXPECT(lz == first && !spare);
    GB_EXPECT(page_equals_stored(fx.data + 5 * GP, 5, 0));
    fx.data[7 * GP] = 42;
    gb_memory_mark(fx.mem, 7 * GP, 1);
    n = 0;
    GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
    GB_EXPECT(n == 1 && w[0].page == 7); /* not the first session's */
    gb_lazy_free_keep(lz, &spare);
    free(spare);
    stored_free(&st);
    fx_free(&fx);
}

/* Whether the memory's dirty marks are all clear up to its size. */
static int marks_clear(gb_memory *mem)
{
    const uint8_t *d = gb_memory_dirty(mem);
    uint64_t n = gb_memory_size(mem) >> GB_DIRTY_SHIFT;
    for (uint64_t g = 0; g < n; g++)
        if (d[g])
            return 0;
    return 1;
}

/* Every session, protected or eager, ended or not, leaves the memory's
 * dirty marks clear: the next eager session (and the processor's page
 * charges) takes a set mark for a write of its own run. */
static void test_sessions_leave_marks_clear(void)
{
    fixture fx;
    stored st = {0};
    GB_EXPECT(fx_new(&fx, 4, 4));
    stored_add(&st, 6, 0);
    uint32_t hot[1] = {6};
    gb_lazy *lz = NULL, *spare = NULL;
    const gb_page_write *w = NULL;
    uint32_t n = 0;
    for (int ended = 0; ended < 2; ended++) {
        GB_EXPECT_ERR(GB_OK, gb_lazy_begin(fx.mem, 1, lookup, &st, &lz));
        fx.data[6 * GP + 8] ^= 0xFF; /* (a fault loads it first) */
        gb_memory_mark(fx.mem, 6 * GP + 8, 1);
        fx.data[100] = 1; /* the stack */
        gb_memory_mark(fx.mem, 100, 1);
        GB_EXPECT(!marks_clear(fx.mem));
        if (ended)
            GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
        gb_lazy_free(lz);
        GB_EXPECT(marks_clear(fx.mem));
        /* (as the processor does: untouched pages accessible again) */
        GB_EXPECT_ERR(GB_OK, gb_memory_resize(fx.mem, 4));

        GB_EXPECT_ERR(GB_OK, gb_lazy_begin_eager_kept(&spare, fx.mem, 1,
                                                      lookup, &st, hot, 1,
                                                      &lz));
        fx.data[9 * GP + 600] = 7;
        gb_memory_mark(fx.mem, 9 * GP + 600, 1);
        fx.data[200] = 1;
        gb_memory_mark(fx.mem, 200, 1);
        n = 0;
        if (ended) {
            GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
            GB_EXPECT(n == 1 && w[0].page == 9); /* its own write only */
        }
        gb_lazy_free_keep(lz, &spare);
        GB_EXPECT(marks_clear(fx.mem));
        GB_EXPECT_U64(0, fx.data[9 * GP + 600]);
    }
    free(spare);
    stored_free(&st);
    fx_free(&fx);
}

/* Bytes [off, off + n) of the memory set to v and marked written. */
static void write_marked(fixture *fx, uint64_t off, uint64_t n, uint8_t v)
{
    memset(fx->data + off, v, n);
    gb_memory_mark(fx->mem, off, n);
}

/* Whether the memory's first n bytes are all zero. */
static int all_zero(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* An eager session's end and clearing read the marks 64 (two pages) at
 * a time: runs of written granules across pages and across those words,
 * a page's last granule, the memory's last, a page written back to what
 * it was, the stack — the pages written and their lengths as written,
 * and all of it zero and clear after. */
static void test_eager_marks_by_words(void)
{
    fixture fx;
    stored st = {0};
    GB_EXPECT(fx_new(&fx, 4, 4)); /* 16 gear pages, 8 words of marks */
    stored_add(&st, 12, 0);
    uint32_t hot[1] = {12};
    gb_lazy *lz = NULL, *spare = NULL;
    const gb_page_write *w = NULL;
    uint32_t n = 0;
    const uint32_t G = 1u << GB_DIRTY_SHIFT;
    for (int round = 0; round < 2; round++) {
        GB_EXPECT_ERR(GB_OK, gb_lazy_begin_eager_kept(&spare, fx.mem, 1,
                                                      lookup, &st, hot, 1,
                                                      &lz));
        write_marked(&fx, 100, 8, 3);                 /* the stack */
        write_marked(&fx, 60 * G, 11 * G, 0x5A); /* pages 1, 2; words 0, 1 */
        write_marked(&fx, 4 * GP - 1, 1, 9);    /* page 3's last byte */
        write_marked(&fx, 8 * GP, 1, 1);
        write_marked(&fx, 8 * GP, 1, 0);        /* page 8: as it was */
        write_marked(&fx, 13 * GP - 1, 1, 0xEE); /* stored page 12 */
        write_marked(&fx, 15 * GP + 31 * G, G, 4); /* the memory's last */
        GB_EXPECT_ERR(GB_OK, gb_lazy_end(lz, &w, &n));
        uint32_t want_page[5] = {1, 2, 3, 12, 15};
        uint32_t want_len[5] = {GP, 7 * G, GP, GP, GP};
        GB_EXPECT_U64(5, n);
        for (uint32_t i = 0; i < n && i < 5; i++) {
            GB_EXPECT_U64(want_page[i], w[i].page);
            GB_EXPECT_U64(want_len[i], w[i].len);
        }
        gb_lazy_free_keep(lz, &spare);
        GB_EXPECT(marks_clear(fx.mem));
        GB_EXPECT(all_zero(fx.data, 16 * (uint64_t)GP));
    }
    free(spare);
    stored_free(&st);
    fx_free(&fx);
}

int main(void)
{
    GB_RUN(test_guard_handler_below_lazy); /* these two first */
    GB_RUN(test_guard_handler_above_lazy);
    GB_RUN(test_eager_kept_storage);
    GB_RUN(test_sessions_leave_marks_clear);
    GB_RUN(test_eager_marks_by_words);
    GB_RUN(test_reads_see_persisted_content);
    GB_RUN(test_only_changed_pages_reported);
    GB_RUN(test_straddling_access_loads_both_pages);
    GB_RUN(test_growth_reported);
    GB_RUN(test_stack_not_tracked);
    GB_RUN(test_touch_loads_ahead);
    GB_RUN(test_reuse_and_errors);
    GB_RUN(test_faults_from_the_interpreter);
    GB_RUN(test_two_threads_at_once);
    GB_RUN(test_foreign_faults_crash);
    GB_RUN(test_cost_independent_of_size);
    return gb_test_summary();
}
