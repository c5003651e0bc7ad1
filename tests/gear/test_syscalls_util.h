/*
 * Shared by the tests/gear/test_syscalls_*.c files: a processor running
 * tests/data/gear/sys_ops.wat, a syscall interpreter whose message payload
 * is a script (see the .wat's header), and helpers to build scripts and to
 * read what a run wrote into memory (the journal's pages).
 *
 * Memory of sys_ops: 0x1000..0x3000 starts as 0xEE bytes (results go
 * there), 0x4000.. is free for poked inputs, the script sits at 0x8000.
 * Each run starts from fresh (zero) memory: no pages are persisted.
 */
#ifndef GB_TEST_SYSCALLS_UTIL_H
#define GB_TEST_SYSCALLS_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "gear/codes.h"
#include "gear/gas.h"
#include "gear/process.h"
#include "gear/syscalls_table.h"
#include "test.h"

#define OP_POKE 55
#define OP_BURN 56
#define OP_UNREACHABLE 57
#define NO_VALUE 0xFFFFFFFFu /* the value-pointer sentinel */

typedef struct script {
    uint8_t b[8192];
    uint32_t n;
} script;

static inline void put_le(script *s, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        s->b[s->n++] = (uint8_t)(v >> (8 * i));
}

/* Append a call of syscall id with args (one per wasm param, plus the
 * result address for alloc/free/free_range). */
static inline void op_(script *s, gb_gear_syscall_id id, const uint64_t *args,
                size_t nargs)
{
    const gb_gear_syscall *sc = gb_gear_syscall_get(id);
    size_t want = sc->type.nparams + sc->type.nresults;
    if (want != nargs) {
        fprintf(stderr, "script: %s takes %zu args, got %zu\n", sc->name, want,
                nargs);
        abort();
    }
    s->b[s->n++] = (uint8_t)id;
    for (size_t i = 0; i < nargs; i++)
        put_le(s, args[i], i < sc->type.nparams && sc->type.params[i] == GB_I64 ? 8 : 4);
}

#define OP(s, id, ...)                                                      \
    op_((s), (id), (const uint64_t[]){__VA_ARGS__},                         \
        sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))
#define OP0(s, id) op_((s), (id), NULL, 0)

static inline void poke(script *s, uint32_t addr, const void *data, uint32_t n)
{
    s->b[s->n++] = OP_POKE;
    put_le(s, addr, 4);
    put_le(s, n, 4);
    memcpy(s->b + s->n, data, n);
    s->n += n;
}

/* A HashWithValue (id, u128 value with value_hi:value_lo) at addr. */
static inline void poke_hash_value(script *s, uint32_t addr, gb_id id, uint64_t lo,
                            uint64_t hi)
{
    uint8_t b[48];
    memcpy(b, id.b, 32);
    for (int i = 0; i < 8; i++) {
        b[32 + i] = (uint8_t)(lo >> (8 * i));
        b[40 + i] = (uint8_t)(hi >> (8 * i));
    }
    poke(s, addr, b, 48);
}

static inline void poke_value(script *s, uint32_t addr, uint64_t lo)
{
    uint8_t b[16] = {0};
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(lo >> (8 * i));
    poke(s, addr, b, 16);
}

static inline void burn(script *s, uint32_t n)
{
    s->b[s->n++] = OP_BURN;
    put_le(s, n, 4);
}

static inline gb_id id_of(uint8_t byte)
{
    gb_id id;
    memset(id.b, byte, 32);
    return id;
}

typedef struct sysenv {
    gb_processor *p;
    gb_module *m;
    gb_block_ctx blk;
    gb_program_view v;
    uint32_t nonce;
} sysenv;

static inline gb_module *load_wasm(const char *name)
{
    char path[512];
    const char *dir = getenv("GB_TEST_WASM");
    snprintf(path, sizeof path, "%s/%s.wasm", dir ? dir : "testwasm", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    gb_module *m = NULL;
    char detail[256];
    gb_wasm_config wc; /* metered with Vara's weights, as code checks do */
    gb_wasm_config_default(&wc);
    wc.schedule = &gb_gear_costs_get()->engine;
    if (gb_module_load(&wc, buf, n, &m, detail, sizeof detail))
        fprintf(stderr, "load %s: %s\n", name, detail);
    return m;
}

static inline const uint8_t *no_pages(void *user, uint32_t page,
                                      uint32_t *len)
{
    (void)user, (void)page, (void)len;
    return NULL;
}

/* cfg NULL = defaults.  Block 7 at 6000 ms; balance 0. */
static inline int env_init(sysenv *e, const gb_process_cfg *cfg)
{
    memset(e, 0, sizeof *e);
    e->m = load_wasm("sys_ops");
    if (!e->m || gb_processor_new(cfg, &e->p))
        return 0;
    gb_block_ctx_default(&e->blk, 7, 6000);
    e->v = (gb_program_view){.module = e->m, .static_pages = 1,
                             .page = no_pages};
    return 1;
}

static inline void env_free(sysenv *e)
{
    gb_processor_free(e->p);
    gb_module_free(e->m);
}

/* A dispatch of kind carrying script s (borrowed), from 0xaa..., to
 * 0xbb..., with a fresh external message id. */
static inline gb_dispatch env_msg(sysenv *e, gb_dispatch_kind kind, const script *s,
                           uint64_t gas)
{
    gb_dispatch d = {.kind = kind, .payload = s->b, .payload_len = s->n,
                     .gas_limit = gas};
    d.source = id_of(0xaa);
    d.destination = id_of(0xbb);
    d.id = gb_message_id_external(1, d.source, e->nonce++, 0);
    return d;
}

static inline gb_journal env_run(sysenv *e, const gb_dispatch *d)
{
    gb_journal j;
    gb_err err = gb_process(e->p, &e->blk, &e->v, d, &j);
    if (err) {
        fprintf(stderr, "gb_process: %s\n", gb_err_name(err));
        memset(&j, 0, sizeof j);
        j.outcome = GB_OUTCOME_FAILED;
    }
    return j;
}

/* Plenty of gas at Vara's prices: the precharge alone is ~50M, a send's
 * fee 200M. */
#define ENV_GAS 10000000000ull

/* Run script s as a handle message with plenty of gas. */
static inline gb_journal env_handle(sysenv *e, const script *s, gb_dispatch *out)
{
    gb_dispatch d = env_msg(e, GB_DISPATCH_HANDLE, s, ENV_GAS);
    if (out)
        *out = d;
    return env_run(e, &d);
}

/* What the run left at addr, through the journal's changed pages; a
 * static zero page when the page was not written. */
static inline const uint8_t *mem(const gb_journal *j, uint32_t addr)
{
    static const uint8_t zero[GB_GEAR_PAGE_SIZE];
    static uint8_t full[4][GB_GEAR_PAGE_SIZE]; /* a few at once */
    static unsigned next;
    for (uint32_t i = 0; i < j->npages; i++)
        if (j->pages[i].page == addr / GB_GEAR_PAGE_SIZE) {
            /* the journal keeps the page trimmed: give it back whole */
            uint8_t *f = full[next++ % 4];
            memset(f, 0, GB_GEAR_PAGE_SIZE);
            if (j->pages[i].len)
                memcpy(f, j->pages[i].data, j->pages[i].len);
            return f + addr % GB_GEAR_PAGE_SIZE;
        }
    return zero;
}

static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static inline uint32_t mem32(const gb_journal *j, uint32_t addr)
{
    return le32(mem(j, addr));
}

static inline int all_bytes(const uint8_t *p, uint8_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static inline gb_reply_code jcode(const gb_journal *j)
{
    return gb_reply_code_from_bytes(j->reply.reply_code);
}

/* An error struct at addr: code, then n body bytes equal to body (or all
 * zero when body is NULL). */
#define EXPECT_ERR_STRUCT(j, addr, code, body, n)                           \
    do {                                                                    \
        GB_EXPECT_U64((code), mem32((j), (addr)));                          \
        const void *b_ = (body);                                            \
        if (b_)                                                             \
            GB_EXPECT(!memcmp(mem((j), (addr) + 4), b_, (n)));              \
        else                                                                \
            GB_EXPECT(all_bytes(mem((j), (addr) + 4), 0, (n)));             \
    } while (0)

#define EXPECT_BACKEND_ERROR(j)                                             \
    do {                                                                    \
        GB_EXPECT_U64(GB_OUTCOME_FAILED, (j).outcome);                      \
        GB_EXPECT((j).has_reply);                                           \
        GB_EXPECT_U64(GB_REPLY_EXEC_BACKEND_ERROR, jcode(&(j)));            \
        GB_EXPECT_U64(0, (j).nmsgs);                                        \
        GB_EXPECT_U64(0, (j).npages);                                       \
    } while (0)

#endif
