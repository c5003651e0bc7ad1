/*
 * The Gear code check (src/gear/code.h), the syscall table and the
 * engine's inspection API.
 *
 * Modules are assembled here from a small description (struct prog): the
 * default is the minimal valid program — (import "env" "memory" (memory 1))
 * and one function () -> () exported as "handle" — and each test changes
 * what it needs.  Then it checks that the code is accepted with the right
 * prepared fields, or rejected with GB_INVALID and a message naming the
 * rule.
 */
#include <stdbool.h>
#include <stdlib.h>

#include <sodium.h>

#include "gear/code.h"
#include "gear/ids.h"
#include "gear/syscalls_table.h"
#include "gearbox/wasm_inspect.h"
#include "test.h"

/* ---- a tiny module assembler -------------------------------------------- */

typedef struct wb {
    uint8_t *b;
    size_t n, cap;
} wb;

static void put(wb *w, const void *p, size_t n)
{
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2 + 64;
        w->b = realloc(w->b, w->cap);
    }
    if (n)
        memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void u8(wb *w, uint8_t v) { put(w, &v, 1); }
static void uleb(wb *w, uint64_t v)
{
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        u8(w, b | (v ? 0x80 : 0));
    } while (v);
}
static void sleb(wb *w, int64_t v)
{
    for (;;) {
        uint8_t b = v & 0x7F;
        v >>= 7; /* arithmetic */
        bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
        u8(w, b | (done ? 0 : 0x80));
        if (done)
            return;
    }
}
static void str(wb *w, const char *s)
{
    uleb(w, strlen(s));
    put(w, s, strlen(s));
}
static void section(wb *m, uint8_t id, wb *s)
{
    u8(m, id);
    uleb(m, s->n);
    put(m, s->b, s->n);
    free(s->b);
    *s = (wb){0};
}

enum { MAXN = 1100 };

/* Value types in signature strings: i = i32, I = i64, f = f32, F = f64. */
static uint8_t vt(char c)
{
    return c == 'i' ? 0x7F : c == 'I' ? 0x7E : c == 'f' ? 0x7D : 0x7C;
}

typedef struct prog {
    const char *types[8]; /* "params>results", e.g. "ii>i"; ">" = () -> () */
    int ntypes;
    struct {
        const char *mod, *name;
        uint8_t kind; /* 0 func, 1 table, 2 memory, 3 global */
        uint32_t type; /* func: type index; memory: initial pages */
    } imports[8];
    int nimports;
    uint32_t funcs[8]; /* type index of each defined function */
    const char *bodies[8]; /* hex of the body's instructions without the
                              final end, NULL = empty; locals[k] */
    const char *locals[8]; /* e.g. "f" = one f32 local */
    int nfuncs;
    bool memory;           /* define a memory (1 page) */
    struct {
        uint8_t type; /* 'i', 'I', 'F' */
        bool mut;
        uint8_t op; /* 0x41 i32.const, 0x42, 0x44, 0x23 global.get */
        int64_t v;
    } globals[4];
    int nglobals;
    struct {
        const char *name;
        uint8_t kind;
        uint32_t idx;
    } exports[8];
    int nexports;
    int start; /* -1: none */
    struct {
        bool passive;
        uint8_t op; /* 0x41 or 0x23 */
        int64_t off;
        const char *bytes; /* raw */
        uint32_t len;
    } datas[MAXN];
    int ndatas;
} prog;

/* The minimal valid program. */
static void prog_min(prog *p)
{
    memset(p, 0, sizeof *p);
    p->types[0] = ">";
    p->ntypes = 1;
    p->imports[0].mod = "env";
    p->imports[0].name = "memory";
    p->imports[0].kind = 2;
    p->imports[0].type = 1;
    p->nimports = 1;
    p->funcs[0] = 0;
    p->nfuncs = 1;
    p->exports[0].name = "handle";
    p->exports[0].kind = 0;
    p->exports[0].idx = 0;
    p->nexports = 1;
    p->start = -1;
}

static int func_imports(const prog *p)
{
    int n = 0;
    for (int i = 0; i < p->nimports; i++)
        n += p->imports[i].kind == 0;
    return n;
}

/* Bytes written as hex digits, spaces ignored: "41 00 1a". */
static void hex(wb *w, const char *h)
{
    while (h && *h) {
        if (*h == ' ') {
            h++;
            continue;
        }
        unsigned v;
        sscanf(h, "%2x", &v);
        u8(w, (uint8_t)v);
        h += 2;
    }
}

static wb assemble(const prog *p)
{
    wb m = {0}, s = {0};
    put(&m, "\0asm\1\0\0\0", 8);
    if (p->ntypes) {
        uleb(&s, p->ntypes);
        for (int i = 0; i < p->ntypes; i++) {
            const char *t = p->types[i], *gt = strchr(t, '>');
            u8(&s, 0x60);
            uleb(&s, gt - t);
            for (const char *c = t; c < gt; c++)
                u8(&s, vt(*c));
            uleb(&s, strlen(gt + 1));
            for (const char *c = gt + 1; *c; c++)
                u8(&s, vt(*c));
        }
        section(&m, 1, &s);
    }
    if (p->nimports) {
        uleb(&s, p->nimports);
        for (int i = 0; i < p->nimports; i++) {
            str(&s, p->imports[i].mod);
            str(&s, p->imports[i].name);
            u8(&s, p->imports[i].kind);
            switch (p->imports[i].kind) {
            case 0: uleb(&s, p->imports[i].type); break;
            case 1: u8(&s, 0x70); u8(&s, 0); uleb(&s, 1); break;
            case 2: u8(&s, 0); uleb(&s, p->imports[i].type); break;
            case 3: u8(&s, 0x7F); u8(&s, 0); break;
            }
        }
        section(&m, 2, &s);
    }
    if (p->nfuncs) {
        uleb(&s, p->nfuncs);
        for (int i = 0; i < p->nfuncs; i++)
            uleb(&s, p->funcs[i]);
        section(&m, 3, &s);
    }
    if (p->memory) {
        hex(&s, "01 00 01");
        section(&m, 5, &s);
    }
    if (p->nglobals) {
        uleb(&s, p->nglobals);
        for (int i = 0; i < p->nglobals; i++) {
            u8(&s, vt(p->globals[i].type));
            u8(&s, p->globals[i].mut);
            u8(&s, p->globals[i].op);
            if (p->globals[i].op == 0x44)
                put(&s, "\0\0\0\0\0\0\0\0", 8);
            else if (p->globals[i].op == 0x23)
                uleb(&s, (uint64_t)p->globals[i].v);
            else
                sleb(&s, p->globals[i].v);
            u8(&s, 0x0B);
        }
        section(&m, 6, &s);
    }
    if (p->nexports) {
        uleb(&s, p->nexports);
        for (int i = 0; i < p->nexports; i++) {
            str(&s, p->exports[i].name);
            u8(&s, p->exports[i].kind);
            uint32_t idx = p->exports[i].idx;
            if (p->exports[i].kind == 0)
                idx += func_imports(p); /* idx counts defined functions */
            uleb(&s, idx);
        }
        section(&m, 7, &s);
    }
    if (p->start >= 0) {
        uleb(&s, p->start + func_imports(p));
        section(&m, 8, &s);
    }
    if (p->nfuncs) {
        uleb(&s, p->nfuncs);
        for (int i = 0; i < p->nfuncs; i++) {
            wb body = {0};
            const char *l = p->locals[i];
            uleb(&body, l ? strlen(l) : 0);
            for (; l && *l; l++) {
                uleb(&body, 1);
                u8(&body, vt(*l));
            }
            hex(&body, p->bodies[i]);
            u8(&body, 0x0B);
            uleb(&s, body.n);
            put(&s, body.b, body.n);
            free(body.b);
        }
        section(&m, 10, &s);
    }
    if (p->ndatas) {
        uleb(&s, p->ndatas);
        for (int i = 0; i < p->ndatas; i++) {
            if (p->datas[i].passive) {
                u8(&s, 1);
            } else {
                u8(&s, 0);
                u8(&s, p->datas[i].op ? p->datas[i].op : 0x41);
                if (p->datas[i].op == 0x23)
                    uleb(&s, (uint64_t)p->datas[i].off);
                else
                    sleb(&s, p->datas[i].off);
                u8(&s, 0x0B);
            }
            uleb(&s, p->datas[i].len);
            put(&s, p->datas[i].bytes, p->datas[i].len);
        }
        section(&m, 11, &s);
    }
    return m;
}

/* Check p; expect rejection with GB_INVALID and a message containing msg,
 * or acceptance when msg is NULL (the code is returned, or freed when
 * out is NULL). */
static char g_detail[512];

static gb_err run(const prog *p, const gb_gear_code_config *cfg,
                  gb_gear_code **out)
{
    wb m = assemble(p);
    gb_gear_code *c = NULL;
    gb_err e = gb_gear_code_check(cfg, m.b, m.n, &c, g_detail,
                                  sizeof g_detail);
    if (e == GB_OK && out)
        *out = c;
    else
        gb_gear_code_free(c);
    if (e != GB_OK && c)
        fprintf(stderr, "failure returned a code\n");
    free(m.b);
    return e;
}

#define EXPECT_REJECT(p, cfg, msg)                                           \
    do {                                                                     \
        GB_EXPECT_ERR(GB_INVALID, run(p, cfg, NULL));                        \
        GB_EXPECT_STR_CONTAINS(g_detail, "code rejected: ");                 \
        GB_EXPECT_STR_CONTAINS(g_detail, msg);                               \
    } while (0)

#define EXPECT_ACCEPT(p, cfg)                                                \
    do {                                                                     \
        gb_err e_ = run(p, cfg, NULL);                                       \
        GB_EXPECT_ERR(GB_OK, e_);                                            \
        if (e_)                                                              \
            fprintf(stderr, "  detail: %s\n", g_detail);                     \
    } while (0)

static void add_import(prog *p, const char *mod, const char *name,
                       uint8_t kind, uint32_t type)
{
    int i = p->nimports++;
    p->imports[i].mod = mod;
    p->imports[i].name = name;
    p->imports[i].kind = kind;
    p->imports[i].type = type;
}

static int add_type(prog *p, const char *t)
{
    p->types[p->ntypes] = t;
    return p->ntypes++;
}

static prog P; /* big (data segments): not on the stack */

/* ---- accepted code ------------------------------------------------------- */

static void test_minimal_program(void)
{
    prog_min(&P);
    wb m = assemble(&P);
    gb_gear_code *c = NULL;
    GB_EXPECT_ERR(GB_OK, gb_gear_code_check(NULL, m.b, m.n, &c, g_detail,
                                            sizeof g_detail));
    GB_EXPECT(c != NULL);
    if (c) {
        uint8_t want[32];
        crypto_generichash(want, 32, m.b, m.n, NULL, 0);
        GB_EXPECT(memcmp(want, c->id, 32) == 0);
        GB_EXPECT_U64(m.n, c->code_len);
        GB_EXPECT_U64(1, c->static_pages);
        GB_EXPECT_U64(0, c->stack_end);
        GB_EXPECT(!c->has_stack_end);
        GB_EXPECT_U64(GB_GEAR_ENTRY_HANDLE, c->entries);
        GB_EXPECT_U64(0, c->npages);
        GB_EXPECT(c->pages == NULL);
        GB_EXPECT(c->module != NULL);
        GB_EXPECT(gb_gear_code_page(c, 0) == NULL);
    }
    gb_gear_code_free(c);
    gb_gear_code_free(NULL);
    free(m.b);
}

static void test_code_id(void)
{
    static const uint8_t empty[32] = {
        0x0e, 0x57, 0x51, 0xc0, 0x26, 0xe5, 0x43, 0xb2, 0xe8, 0xab, 0x2e,
        0xb0, 0x60, 0x99, 0xda, 0xa1, 0xd1, 0xe5, 0xdf, 0x47, 0x77, 0x8f,
        0x77, 0x87, 0xfa, 0xab, 0x45, 0xcd, 0xf1, 0x2f, 0xe3, 0xa8};
    static const uint8_t abc[32] = {
        0xbd, 0xdd, 0x81, 0x3c, 0x63, 0x42, 0x39, 0x72, 0x31, 0x71, 0xef,
        0x3f, 0xee, 0x98, 0x57, 0x9b, 0x94, 0x96, 0x4e, 0x3b, 0xb1, 0xcb,
        0x3e, 0x42, 0x72, 0x62, 0xc8, 0xc0, 0x68, 0xd5, 0x23, 0x19};
    /* gb_gear_code_check sets the id gear/ids.h derives */
    GB_EXPECT(memcmp(gb_code_id(NULL, 0).b, empty, 32) == 0);
    GB_EXPECT(memcmp(gb_code_id("abc", 3).b, abc, 32) == 0);
}

/* Upstream vector: gear-tech/gear sdk/examples/program-factory/
 * child_contract.wasm (88 bytes; memory import, handle and init, a name
 * section) and its code id CHILD_CODE_HASH from src/lib.rs there
 * (GEAR-ABI.md §8). */
static void test_upstream_child_contract(void)
{
    static const uint8_t code[88] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01,
        0x60, 0x00, 0x00, 0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06,
        0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x01, 0x03, 0x03,
        0x02, 0x00, 0x00, 0x07, 0x11, 0x02, 0x06, 0x68, 0x61, 0x6e, 0x64,
        0x6c, 0x65, 0x00, 0x00, 0x04, 0x69, 0x6e, 0x69, 0x74, 0x00, 0x01,
        0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b, 0x00, 0x16,
        0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x0f, 0x02, 0x00, 0x06, 0x68,
        0x61, 0x6e, 0x64, 0x6c, 0x65, 0x01, 0x04, 0x69, 0x6e, 0x69, 0x74};
    static const uint8_t id[32] = {
        0x46, 0xf0, 0xc3, 0xcc, 0x76, 0xe2, 0x3c, 0xf7, 0xa9, 0xc7, 0xae,
        0x13, 0x4e, 0xb7, 0xb6, 0x77, 0x32, 0x5d, 0x0e, 0xfb, 0xa2, 0x55,
        0x43, 0xfd, 0xfd, 0x28, 0x02, 0x1c, 0x27, 0x69, 0x29, 0xea};
    gb_gear_code *c = NULL;
    GB_EXPECT_ERR(GB_OK, gb_gear_code_check(NULL, code, sizeof code, &c,
                                            g_detail, sizeof g_detail));
    if (c) {
        GB_EXPECT(memcmp(c->id, id, 32) == 0);
        GB_EXPECT_U64(GB_GEAR_ENTRY_INIT | GB_GEAR_ENTRY_HANDLE, c->entries);
        GB_EXPECT_U64(1, c->static_pages);
        GB_EXPECT_U64(0, c->npages);
    }
    gb_gear_code_free(c);
}

static void test_all_entries_and_syscalls(void)
{
    prog_min(&P);
    static const char *names[] = {"init", "handle", "handle_reply",
                                  "handle_signal", "state", "metahash"};
    P.nfuncs = 6;
    P.nexports = 6;
    for (int i = 0; i < 6; i++) {
        P.funcs[i] = 0;
        P.exports[i].name = names[i];
        P.exports[i].kind = 0;
        P.exports[i].idx = i;
    }
    /* a few syscalls (all 55: test_full_syscall_table) */
    int t = add_type(&P, "ii>");
    add_import(&P, "env", "gr_debug", 0, t);
    t = add_type(&P, "i>i");
    add_import(&P, "env", "alloc", 0, t);
    t = add_type(&P, "iiiIii>");
    add_import(&P, "env", "gr_send_wgas", 0, t);
    gb_gear_code *c = NULL;
    GB_EXPECT_ERR(GB_OK, run(&P, NULL, &c));
    if (!c)
        fprintf(stderr, "  detail: %s\n", g_detail);
    if (c) {
        GB_EXPECT_U64(0x3F, c->entries);
        for (unsigned b = 0; b < 6; b++)
            GB_EXPECT(strcmp(gb_gear_entry_name(1u << b), names[b]) == 0);
        GB_EXPECT(gb_gear_entry_name(1u << 6) == NULL);
    }
    gb_gear_code_free(c);

    /* init alone is enough */
    prog_min(&P);
    P.exports[0].name = "init";
    EXPECT_ACCEPT(&P, NULL);
    /* a memory export is not a function export: allowed, as in Gear */
    P.exports[1].name = "memory";
    P.exports[1].kind = 2;
    P.exports[1].idx = 0;
    P.nexports = 2;
    EXPECT_ACCEPT(&P, NULL);
    /* immutable exported global */
    P.globals[0].type = 'i';
    P.globals[0].op = 0x41;
    P.globals[0].v = 7;
    P.nglobals = 1;
    P.exports[1].name = "g";
    P.exports[1].kind = 3;
    EXPECT_ACCEPT(&P, NULL);
}

static void test_full_syscall_table(void)
{
    GB_EXPECT_U64(55, GB_SYS_COUNT);
    for (int i = 0; i < GB_SYS_COUNT; i++) {
        const gb_gear_syscall *s = gb_gear_syscall_get(i);
        GB_EXPECT(s && s->id == (gb_gear_syscall_id)i);
        GB_EXPECT(gb_gear_syscall_find(s->name, s->name_len) == s);
        GB_EXPECT_U64(strlen(s->name), s->name_len);
        /* only alloc, free, free_range return a value */
        GB_EXPECT_U64(i <= GB_SYS_FREE_RANGE ? 1 : 0, s->type.nresults);
    }
    GB_EXPECT(gb_gear_syscall_get(GB_SYS_COUNT) == NULL);
    GB_EXPECT(gb_gear_syscall_find("gr_system_break", 15) == NULL);
    GB_EXPECT(gb_gear_syscall_find("gr_reply_", 9) == NULL);
    const gb_gear_syscall *s = gb_gear_syscall_find("gr_create_program_wgas",
                                                    22);
    GB_EXPECT(s && s->id == GB_SYS_GR_CREATE_PROGRAM_WGAS);
    if (s) {
        static const uint8_t want[8] = {0x7F, 0x7F, 0x7F, 0x7F,
                                        0x7F, 0x7E, 0x7F, 0x7F};
        GB_EXPECT_U64(8, s->type.nparams);
        GB_EXPECT(memcmp(s->type.params, want, 8) == 0);
    }
    s = gb_gear_syscall_get(GB_SYS_GR_WAIT);
    GB_EXPECT(strcmp(s->name, "gr_wait") == 0 && s->type.nparams == 0);
    s = gb_gear_syscall_get(GB_SYS_GR_RESERVE_GAS);
    GB_EXPECT(s->type.nparams == 3 && s->type.params[0] == GB_I64);

    /* A program importing all 55 with the right signatures is accepted:
     * assembled here directly (prog holds few imports). */
    wb m = {0}, sec = {0};
    put(&m, "\0asm\1\0\0\0", 8);
    uleb(&sec, GB_SYS_COUNT + 1);
    for (int i = 0; i < GB_SYS_COUNT; i++) {
        const gb_functype *t = &gb_gear_syscall_get(i)->type;
        u8(&sec, 0x60);
        uleb(&sec, t->nparams);
        put(&sec, t->params, t->nparams);
        uleb(&sec, t->nresults);
        put(&sec, t->results, t->nresults);
    }
    hex(&sec, "60 00 00");
    section(&m, 1, &sec);
    uleb(&sec, GB_SYS_COUNT + 1);
    for (int i = 0; i < GB_SYS_COUNT; i++) {
        str(&sec, "env");
        str(&sec, gb_gear_syscall_get(i)->name);
        u8(&sec, 0);
        uleb(&sec, i);
    }
    str(&sec, "env");
    str(&sec, "memory");
    hex(&sec, "02 00 01");
    section(&m, 2, &sec);
    uleb(&sec, 1);
    uleb(&sec, GB_SYS_COUNT);
    section(&m, 3, &sec);
    uleb(&sec, 1);
    str(&sec, "handle");
    u8(&sec, 0);
    uleb(&sec, GB_SYS_COUNT);
    section(&m, 7, &sec);
    hex(&sec, "01 02 00 0b");
    section(&m, 10, &sec);
    gb_gear_code *c = NULL;
    gb_err e = gb_gear_code_check(NULL, m.b, m.n, &c, g_detail,
                                  sizeof g_detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e)
        fprintf(stderr, "  detail: %s\n", g_detail);
    if (c)
        GB_EXPECT_U64(GB_SYS_COUNT, gb_module_func_import_count(c->module));
    gb_gear_code_free(c);
    free(m.b);
}

/* ---- features ------------------------------------------------------------ */

static void test_reject_floats(void)
{
    /* a type nobody uses */
    prog_min(&P);
    add_type(&P, "f>");
    EXPECT_REJECT(&P, NULL, "floating-point instruction or type");
    /* an instruction: f32.const 0; drop */
    prog_min(&P);
    P.bodies[0] = "43 00000000 1a";
    EXPECT_REJECT(&P, NULL, "floating-point instruction or type");
    /* i32.const 0; f64.convert_i32_s; drop */
    P.bodies[0] = "41 00 b7 1a";
    EXPECT_REJECT(&P, NULL, "floating-point instruction or type");
    /* a local */
    prog_min(&P);
    P.locals[0] = "F";
    EXPECT_REJECT(&P, NULL, "floating-point instruction or type");
    /* a global */
    prog_min(&P);
    P.globals[0].type = 'F';
    P.globals[0].op = 0x44;
    P.nglobals = 1;
    EXPECT_REJECT(&P, NULL, "floating-point instruction or type");
    /* a block type: block (result f32) unreachable end; drop */
    prog_min(&P);
    P.bodies[0] = "02 7d 00 0b 1a";
    EXPECT_REJECT(&P, NULL, "floating-point instruction or type");
    /* integer code next to it is fine: i64.const; i32.wrap; i64.extend;
     * i32.extend8_s (sign extension is allowed) */
    P.bodies[0] = "42 05 a7 ac 1a 41 01 c0 1a";
    EXPECT_ACCEPT(&P, NULL);
    /* floats are reported before anything else (here: no memory import) */
    prog_min(&P);
    P.nimports = 0;
    P.memory = true;
    P.bodies[0] = "43 00000000 1a";
    EXPECT_REJECT(&P, NULL, "floating-point instruction or type");
}

static void test_reject_post_mvp_features(void)
{
    prog_min(&P);
    add_type(&P, ">ii");
    EXPECT_REJECT(&P, NULL, "multi-value");
    /* memory.fill: i32.const 0 x3; memory.fill 0 */
    prog_min(&P);
    P.bodies[0] = "41 00 41 00 41 00 fc 0b 00";
    EXPECT_REJECT(&P, NULL, "bulk memory");
    /* a passive data segment */
    prog_min(&P);
    P.datas[0].passive = true;
    P.datas[0].bytes = "x";
    P.datas[0].len = 1;
    P.ndatas = 1;
    EXPECT_REJECT(&P, NULL, "bulk memory");
    /* ref.null func; drop */
    prog_min(&P);
    P.bodies[0] = "d0 70 1a";
    EXPECT_REJECT(&P, NULL, "reference types");
}

/* ---- memory ---------------------------------------------------------------- */

static void test_memory_import(void)
{
    prog_min(&P);
    P.nimports = 0;
    EXPECT_REJECT(&P, NULL, "no memory import");
    P.memory = true;
    EXPECT_REJECT(&P, NULL, "no memory import");
    prog_min(&P);
    P.imports[0].name = "mem";
    EXPECT_REJECT(&P, NULL, "import 0 \"env\".\"mem\": memory must be "
                            "imported as \"env\".\"memory\"");
    prog_min(&P);
    P.imports[0].mod = "gear";
    EXPECT_REJECT(&P, NULL, "memory must be imported as");
    prog_min(&P);
    P.imports[0].type = 32769;
    EXPECT_REJECT(&P, NULL, "static memory of 32769 pages exceeds the limit "
                            "of 32768");
    P.imports[0].type = 32768;
    gb_gear_code *c = NULL;
    GB_EXPECT_ERR(GB_OK, run(&P, NULL, &c));
    if (c)
        GB_EXPECT_U64(32768, c->static_pages);
    gb_gear_code_free(c);
    P.imports[0].type = 0;
    EXPECT_ACCEPT(&P, NULL);
}

/* ---- imports ---------------------------------------------------------------- */

static void test_imports(void)
{
    prog_min(&P);
    int t = add_type(&P, "ii>");
    add_import(&P, "env", "gr_debug", 0, t);
    EXPECT_ACCEPT(&P, NULL);

    prog_min(&P);
    t = add_type(&P, "ii>");
    add_import(&P, "env", "gr_debug", 0, t);
    add_import(&P, "env", "gr_foo", 0, t);
    EXPECT_REJECT(&P, NULL, "import 2 \"gr_foo\" is not a known syscall");

    prog_min(&P);
    add_import(&P, "env", "gr_system_break", 0, 0);
    EXPECT_REJECT(&P, NULL, "import 1 \"gr_system_break\" is not a known "
                            "syscall");

    prog_min(&P);
    t = add_type(&P, "ii>");
    add_import(&P, "gear", "gr_debug", 0, t);
    EXPECT_REJECT(&P, NULL, "import 1 \"gear\".\"gr_debug\": module must be "
                            "\"env\"");

    prog_min(&P);
    t = add_type(&P, "i>");
    add_import(&P, "env", "gr_debug", 0, t);
    EXPECT_REJECT(&P, NULL, "import 1 \"gr_debug\" has the wrong signature "
                            "(expected (i32, i32) -> ())");
    prog_min(&P);
    t = add_type(&P, "i>");
    add_import(&P, "env", "alloc", 0, t);
    EXPECT_REJECT(&P, NULL, "import 1 \"alloc\" has the wrong signature "
                            "(expected (i32) -> (i32))");
    prog_min(&P);
    t = add_type(&P, "Iii>"); /* reply_deposit is (i32, i64, i32) */
    add_import(&P, "env", "gr_reply_deposit", 0, t);
    EXPECT_REJECT(&P, NULL, "expected (i32, i64, i32) -> ()");

    prog_min(&P);
    t = add_type(&P, "ii>");
    add_import(&P, "env", "gr_debug", 0, t);
    add_import(&P, "env", "gr_debug", 0, t);
    EXPECT_REJECT(&P, NULL, "import 2 \"gr_debug\" is a duplicate");

    prog_min(&P);
    add_import(&P, "env", "g", 3, 0);
    EXPECT_REJECT(&P, NULL, "import 1 \"g\": global imports are not allowed");
    prog_min(&P);
    add_import(&P, "env", "table", 1, 0);
    EXPECT_REJECT(&P, NULL, "import 1 \"table\": table imports are not "
                            "allowed");
}

/* ---- exports ---------------------------------------------------------------- */

static void test_exports(void)
{
    prog_min(&P);
    P.exports[0].name = "foo";
    EXPECT_REJECT(&P, NULL, "export \"foo\" is not allowed");

    prog_min(&P);
    P.exports[1].name = "__gear_stack_end"; /* as a function: not allowed */
    P.exports[1].idx = 0;
    P.nexports = 2;
    EXPECT_REJECT(&P, NULL, "export \"__gear_stack_end\" is not allowed");

    prog_min(&P);
    P.funcs[0] = add_type(&P, "i>");
    EXPECT_REJECT(&P, NULL, "export \"handle\" must have type () -> ()");
    P.funcs[0] = add_type(&P, ">i");
    P.bodies[0] = "41 00";
    EXPECT_REJECT(&P, NULL, "export \"handle\" must have type () -> ()");

    prog_min(&P);
    add_import(&P, "env", "gr_leave", 0, 0);
    P.exports[0].idx = (uint32_t)-1; /* function 0: the import */
    EXPECT_REJECT(&P, NULL, "export \"handle\" re-exports imported function 0");

    prog_min(&P);
    P.exports[0].name = "handle_reply";
    EXPECT_REJECT(&P, NULL, "neither \"init\" nor \"handle\" is exported");
    P.nexports = 0;
    EXPECT_REJECT(&P, NULL, "neither \"init\" nor \"handle\" is exported");

    /* names are printed safely */
    prog_min(&P);
    P.exports[0].name = "a\"b\x01";
    EXPECT_REJECT(&P, NULL, "export \"a\\x22b\\x01\" is not allowed");

    /* mutable exported global */
    prog_min(&P);
    P.globals[0].type = 'i';
    P.globals[0].mut = true;
    P.globals[0].op = 0x41;
    P.nglobals = 1;
    P.exports[1].name = "counter";
    P.exports[1].kind = 3;
    P.exports[1].idx = 0;
    P.nexports = 2;
    EXPECT_REJECT(&P, NULL, "exported global \"counter\" is mutable");

    /* start section */
    prog_min(&P);
    P.start = 0;
    EXPECT_REJECT(&P, NULL, "start section is not allowed");

    /* order: exports are checked before imports */
    prog_min(&P);
    add_import(&P, "env", "gr_nope", 0, 0);
    P.exports[0].name = "nope";
    EXPECT_REJECT(&P, NULL, "export \"nope\" is not allowed");
}

/* ---- __gear_stack_end -------------------------------------------------------- */

static void stack_end_prog(prog *p, bool mut, uint8_t type, int64_t v)
{
    prog_min(p);
    p->imports[0].type = 2; /* 2 static pages */
    p->globals[0].type = type;
    p->globals[0].mut = mut;
    p->globals[0].op = type == 'i' ? 0x41 : 0x42;
    p->globals[0].v = v;
    p->nglobals = 1;
    p->exports[1].name = "__gear_stack_end";
    p->exports[1].kind = 3;
    p->exports[1].idx = 0;
    p->nexports = 2;
}

static void test_stack_end(void)
{
    gb_gear_code *c = NULL;
    /* mutable, as gear-wasm-builder makes it: accepted */
    stack_end_prog(&P, true, 'i', 65536);
    GB_EXPECT_ERR(GB_OK, run(&P, NULL, &c));
    if (c) {
        GB_EXPECT_U64(65536, c->stack_end);
        GB_EXPECT(c->has_stack_end);
        GB_EXPECT_U64(2, c->static_pages);
    }
    gb_gear_code_free(c);
    c = NULL;
    /* at the end of static memory, and 0 */
    stack_end_prog(&P, false, 'i', 131072);
    EXPECT_ACCEPT(&P, NULL);
    stack_end_prog(&P, false, 'i', 0);
    GB_EXPECT_ERR(GB_OK, run(&P, NULL, &c));
    if (c)
        GB_EXPECT(c->has_stack_end && c->stack_end == 0);
    gb_gear_code_free(c);

    stack_end_prog(&P, false, 'i', 1000);
    EXPECT_REJECT(&P, NULL, "__gear_stack_end 0x3e8 is not a multiple of "
                            "64 KiB");
    stack_end_prog(&P, false, 'i', 3 * 65536);
    EXPECT_REJECT(&P, NULL, "__gear_stack_end 0x30000 is beyond static "
                            "memory (0x20000 bytes)");
    stack_end_prog(&P, false, 'i', -65536); /* 0xffff0000 as unsigned */
    EXPECT_REJECT(&P, NULL, "beyond static memory");
    stack_end_prog(&P, false, 'I', 65536);
    EXPECT_REJECT(&P, NULL, "__gear_stack_end is not initialised by an "
                            "i32.const");
    /* initialised from an imported global: the stack-end rule comes before
     * the import rule */
    stack_end_prog(&P, false, 'i', 0);
    add_import(&P, "env", "base", 3, 0);
    P.globals[0].op = 0x23;
    P.globals[0].v = 0;
    P.exports[1].idx = 1; /* global 1: the defined one */
    EXPECT_REJECT(&P, NULL, "not initialised by an i32.const");
    /* exported imported global */
    P.exports[1].idx = 0;
    EXPECT_REJECT(&P, NULL, "export 1 \"__gear_stack_end\" refers to "
                            "imported global 0");
}

/* ---- data segments ------------------------------------------------------------ */

static void add_data(prog *p, int64_t off, const char *bytes, uint32_t len)
{
    int i = p->ndatas++;
    p->datas[i].passive = false;
    p->datas[i].op = 0x41;
    p->datas[i].off = off;
    p->datas[i].bytes = bytes;
    p->datas[i].len = len;
}

static void test_data_segments(void)
{
    prog_min(&P);
    add_data(&P, 65534, "ab", 2); /* last byte 0xffff: inside */
    EXPECT_ACCEPT(&P, NULL);
    add_data(&P, 65535, "ab", 2);
    EXPECT_REJECT(&P, NULL, "data segment 1 [0xffff, 0x10000] ends outside "
                            "static memory (0x10000 bytes)");
    prog_min(&P);
    add_data(&P, -1, "ab", 2); /* 0xffffffff + 1 overflows */
    EXPECT_REJECT(&P, NULL, "data segment 0 at 0xffffffff: end address "
                            "overflows");
    prog_min(&P);
    add_data(&P, 70000, "", 0); /* empty: allowed anywhere above the stack */
    EXPECT_ACCEPT(&P, NULL);

    /* overlapping the stack */
    stack_end_prog(&P, true, 'i', 65536);
    add_data(&P, 65535, "a", 1);
    EXPECT_REJECT(&P, NULL, "data segment 0 at 0xffff overlaps the stack "
                            "(which ends at 0x10000)");
    P.datas[0].off = 65536;
    EXPECT_ACCEPT(&P, NULL);
    P.datas[0].len = 0; /* empty, at the stack end */
    EXPECT_ACCEPT(&P, NULL);
    P.datas[0].off = 0;
    EXPECT_REJECT(&P, NULL, "overlaps the stack");

    /* offset from an imported global: a rule of data, before imports */
    prog_min(&P);
    add_import(&P, "env", "base", 3, 0);
    add_data(&P, 0, "a", 1);
    P.datas[0].op = 0x23;
    EXPECT_REJECT(&P, NULL, "data segment 0: offset is not an i32.const");

    /* count */
    gb_gear_code_config cfg;
    gb_gear_code_config_default(&cfg);
    GB_EXPECT_U64(1024, cfg.max_data_segments);
    prog_min(&P);
    for (int i = 0; i < 1025; i++)
        add_data(&P, i, "x", 1);
    EXPECT_REJECT(&P, NULL, "1025 data segments exceed the limit of 1024");
    P.ndatas = 1024;
    EXPECT_ACCEPT(&P, NULL);
    cfg.max_data_segments = 2;
    P.ndatas = 3;
    EXPECT_REJECT(&P, &cfg, "3 data segments exceed the limit of 2");
}

static void test_initial_pages(void)
{
    prog_min(&P);
    P.imports[0].type = 2;
    /* spans gear pages 0 and 1 */
    add_data(&P, 16380, "ABCDEFGH", 8);
    /* page 4 (0x10000), zero bytes only: no page */
    add_data(&P, 65536, "\0\0\0\0", 4);
    /* page 7, written twice: the later segment wins where they overlap */
    add_data(&P, 7 * 16384 + 100, "xxxx", 4);
    add_data(&P, 7 * 16384 + 102, "yy", 2);
    /* last byte of static memory: page 7 too */
    add_data(&P, 131071, "z", 1);
    gb_gear_code *c = NULL;
    GB_EXPECT_ERR(GB_OK, run(&P, NULL, &c));
    if (!c)
        return;
    GB_EXPECT_U64(3, c->npages);
    if (c->npages == 3) {
        GB_EXPECT_U64(0, c->pages[0].index);
        GB_EXPECT_U64(1, c->pages[1].index);
        GB_EXPECT_U64(7, c->pages[2].index);
        static uint8_t want[GB_GEAR_PAGE_SIZE];
        memset(want, 0, sizeof want);
        memcpy(want + 16380, "ABCD", 4);
        GB_EXPECT(memcmp(c->pages[0].data, want, sizeof want) == 0);
        memset(want, 0, sizeof want);
        memcpy(want, "EFGH", 4);
        GB_EXPECT(memcmp(c->pages[1].data, want, sizeof want) == 0);
        memset(want, 0, sizeof want);
        memcpy(want + 100, "xxyy", 4);
        want[16383] = 'z';
        GB_EXPECT(memcmp(c->pages[2].data, want, sizeof want) == 0);
        GB_EXPECT(gb_gear_code_page(c, 7) == &c->pages[2]);
        GB_EXPECT(gb_gear_code_page(c, 0) == &c->pages[0]);
        GB_EXPECT(gb_gear_code_page(c, 4) == NULL);
        GB_EXPECT(gb_gear_code_page(c, 8) == NULL);
    }
    gb_gear_code_free(c);

    /* a segment much larger than a page: [16379, 65540], pages 0..4 */
    prog_min(&P);
    P.imports[0].type = 2;
    static char big[3 * 16384 + 10];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i % 251 + 1);
    add_data(&P, 16384 - 5, big, sizeof big);
    c = NULL;
    GB_EXPECT_ERR(GB_OK, run(&P, NULL, &c));
    if (c) {
        GB_EXPECT_U64(5, c->npages);
        for (uint32_t i = 0; i < c->npages; i++)
            GB_EXPECT_U64(i, c->pages[i].index);
        /* byte k of the segment is at address 16379 + k */
        bool ok = true;
        for (size_t k = 0; k < sizeof big; k++) {
            size_t a = 16379 + k;
            const gb_gear_page *pg = gb_gear_code_page(c, (uint32_t)(a / 16384));
            if (!pg || pg->data[a % 16384] != (uint8_t)big[k])
                ok = false;
        }
        GB_EXPECT(ok);
        GB_EXPECT_U64(0, c->pages[0].data[16378]);
        GB_EXPECT_U64(0, c->pages[4].data[5]);
    }
    gb_gear_code_free(c);
}

/* ---- type section, sizes, malformed input ------------------------------------ */

static void test_type_limits(void)
{
    static char many[140];
    prog_min(&P);
    memset(many, 'i', 129);
    many[129] = '>';
    many[130] = 0;
    add_type(&P, many);
    EXPECT_REJECT(&P, NULL, "type 1 has 129 parameters and results (limit "
                            "128)");
    memset(many, 'i', 127);
    many[127] = '>';
    many[128] = 'i';
    many[129] = 0;
    P.types[1] = many;
    EXPECT_ACCEPT(&P, NULL);

    gb_gear_code_config cfg;
    gb_gear_code_config_default(&cfg);
    cfg.max_type_section_len = 10;
    prog_min(&P);
    add_type(&P, "iiiiii>");
    add_type(&P, "iiiiii>i");
    EXPECT_REJECT(&P, &cfg, "type section of ");
    GB_EXPECT_STR_CONTAINS(g_detail, "exceeds the limit of 10");
}

static void test_size_and_malformed(void)
{
    gb_gear_code_config cfg;
    gb_gear_code_config_default(&cfg);
    cfg.max_code_len = 20;
    prog_min(&P);
    GB_EXPECT_ERR(GB_LIMIT, run(&P, &cfg, NULL));
    GB_EXPECT_STR_CONTAINS(g_detail, "code rejected: code of ");
    GB_EXPECT_STR_CONTAINS(g_detail, "exceeds the limit of 20");

    static const uint8_t junk[] = {0, 'a', 's', 'm', 2, 0, 0, 0};
    gb_gear_code *c = (gb_gear_code *)1;
    GB_EXPECT_ERR(GB_MALFORMED, gb_gear_code_check(NULL, junk, sizeof junk,
                                                   &c, g_detail,
                                                   sizeof g_detail));
    GB_EXPECT(c == NULL);
    GB_EXPECT_STR_CONTAINS(g_detail, "code rejected: ");
    /* invalid: a body that leaves a value on an empty-result function */
    prog_min(&P);
    P.bodies[0] = "41 00";
    GB_EXPECT_ERR(GB_INVALID, run(&P, NULL, NULL));
    GB_EXPECT_STR_CONTAINS(g_detail, "code rejected: ");
    /* no detail buffer */
    wb m = assemble(&P);
    GB_EXPECT_ERR(GB_INVALID, gb_gear_code_check(NULL, m.b, m.n, &c, NULL, 0));
    free(m.b);
}

/* ---- the inspection API ------------------------------------------------------ */

static void test_inspect(void)
{
    prog_min(&P);
    P.imports[0].type = 3;
    add_type(&P, "iI>i");
    P.globals[0].type = 'i';
    P.globals[0].op = 0x41;
    P.globals[0].v = -5;
    P.globals[1].type = 'I';
    P.globals[1].mut = true;
    P.globals[1].op = 0x42;
    P.globals[1].v = 1234567890123LL;
    P.nglobals = 2;
    add_data(&P, 100, "hello", 5);
    add_data(&P, 200, "", 0);
    gb_wasm_config wc;
    gb_wasm_config_default(&wc);
    wb m = assemble(&P);
    gb_module *mod = NULL;
    GB_EXPECT_ERR(GB_OK, gb_module_load(&wc, m.b, m.n, &mod, NULL, 0));
    free(m.b);
    if (!mod)
        return;
    GB_EXPECT_U64(2, gb_module_type_count(mod));
    const gb_functype *t = gb_module_type(mod, 1);
    GB_EXPECT(t && t->nparams == 2 && t->params[1] == GB_I64 &&
              t->nresults == 1);
    GB_EXPECT(gb_module_type(mod, 2) == NULL);
    GB_EXPECT_U64(1, gb_module_func_count(mod));
    GB_EXPECT_U64(0, gb_module_func_import_count(mod));

    gb_global_desc g;
    GB_EXPECT_U64(2, gb_module_global_count(mod));
    GB_EXPECT(gb_module_global(mod, 0, &g));
    GB_EXPECT(!g.imported && g.init_is_i32_const && !g.type.mut);
    GB_EXPECT_I64(-5, g.init_i32);
    GB_EXPECT(gb_module_global(mod, 1, &g));
    GB_EXPECT(!g.init_is_i32_const && g.type.mut && g.type.type == GB_I64);
    GB_EXPECT_U64(0x42, g.init_op);
    GB_EXPECT_U64(1234567890123ULL, g.init_value);
    GB_EXPECT(!gb_module_global(mod, 2, &g));

    gb_limits lim;
    bool imported = false;
    GB_EXPECT_U64(1, gb_module_memory_count(mod));
    GB_EXPECT(gb_module_memory(mod, 0, &lim, &imported));
    GB_EXPECT(imported && lim.min == 3 && !lim.has_max);
    GB_EXPECT(!gb_module_memory(mod, 1, &lim, NULL));

    gb_data_desc d;
    GB_EXPECT_U64(2, gb_module_data_count(mod));
    GB_EXPECT(gb_module_data(mod, 0, &d));
    GB_EXPECT(d.active && d.offset_is_const && d.offset == 100 &&
              d.len == 5 && memcmp(d.bytes, "hello", 5) == 0);
    GB_EXPECT(gb_module_data(mod, 1, &d));
    GB_EXPECT(d.len == 0 && d.bytes == NULL && d.offset == 200);
    GB_EXPECT(!gb_module_data(mod, 2, &d));

    GB_EXPECT(!gb_module_has_start(mod, NULL));
    GB_EXPECT_U64(0, gb_module_table_count(mod));
    GB_EXPECT_U64(0, gb_module_elem_count(mod));
    GB_EXPECT_U64(0, gb_module_features(mod));
    /* type section: count 2, "60 00 00", "60 02 7f 7e 01 7f" */
    GB_EXPECT_U64(1 + 3 + 6, gb_module_section_size(mod, 1));
    GB_EXPECT_U64(0, gb_module_section_size(mod, 12));
    gb_module_free(mod);

    /* start */
    prog_min(&P);
    P.start = 0;
    m = assemble(&P);
    GB_EXPECT_ERR(GB_OK, gb_module_load(&wc, m.b, m.n, &mod, NULL, 0));
    free(m.b);
    uint32_t f = 99;
    GB_EXPECT(mod && gb_module_has_start(mod, &f) && f == 0);
    gb_module_free(mod);
}

int main(void)
{
    GB_RUN(test_minimal_program);
    GB_RUN(test_code_id);
    GB_RUN(test_upstream_child_contract);
    GB_RUN(test_all_entries_and_syscalls);
    GB_RUN(test_full_syscall_table);
    GB_RUN(test_reject_floats);
    GB_RUN(test_reject_post_mvp_features);
    GB_RUN(test_memory_import);
    GB_RUN(test_imports);
    GB_RUN(test_exports);
    GB_RUN(test_stack_end);
    GB_RUN(test_data_segments);
    GB_RUN(test_initial_pages);
    GB_RUN(test_type_limits);
    GB_RUN(test_size_and_malformed);
    GB_RUN(test_inspect);
    return gb_test_summary();
}
