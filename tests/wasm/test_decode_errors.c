/*
 * Unit tests for the binary decoder (src/wasm/decode.c) and the LEB128
 * reader (src/wasm/reader.h): hand-written modules, one defect each, and
 * the error category and message the decoder must answer with.  Run under
 * ASan + UBSan: every failing decode must leave nothing behind after
 * gb_decode_free.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "wasm/module.h"
#include "wasm/reader.h"

/* ---- building modules ------------------------------------------------ */

typedef struct buf {
    uint8_t b[4096];
    size_t n;
} buf;

static void put(buf *m, const uint8_t *p, size_t n)
{
    if (m->n + n > sizeof m->b)
        abort();
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

static void put_uleb(buf *m, uint32_t v)
{
    do {
        uint8_t c = v & 0x7F;
        v >>= 7;
        if (v)
            c |= 0x80;
        put(m, &c, 1);
    } while (v);
}

static buf header(void)
{
    buf m = { .n = 0 };
    put(&m, (const uint8_t[]){ 0x00, 0x61, 0x73, 0x6D, 1, 0, 0, 0 }, 8);
    return m;
}

static void section(buf *m, uint8_t id, const uint8_t *body, size_t n)
{
    put(m, &id, 1);
    put_uleb(m, (uint32_t)n);
    put(m, body, n);
}

/* SEC(&m, id, bytes...): append a section with its size computed. */
#define SEC(m, id, ...)                                                     \
    do {                                                                    \
        const uint8_t b_[] = { __VA_ARGS__ };                               \
        section((m), (id), b_, sizeof b_);                                  \
    } while (0)

/* RAW(&m, bytes...): append bytes as they are. */
#define RAW(m, ...)                                                         \
    do {                                                                    \
        const uint8_t b_[] = { __VA_ARGS__ };                               \
        put((m), b_, sizeof b_);                                            \
    } while (0)

/* Type section with one type [] -> []; function section with one func;
 * code section with one empty body. */
#define T_VOID 0x01, 0x60, 0x00, 0x00
#define F_ONE 0x01, 0x00
#define C_ONE_EMPTY 0x01, 0x02, 0x00, 0x0B

/* ---- decoding -------------------------------------------------------- */

static void config(gb_wasm_config *c)
{
    memset(c, 0, sizeof *c);
    c->metering = true;
    c->max_module_size = 64u << 20;
    c->max_functions = 100000;
    c->max_locals = 50000;
    c->max_memory_pages = 65536;
    c->max_table_size = 10000000;
    c->max_call_depth = 10000;
    c->max_stack_slots = 1u << 20;
}

static gb_module *new_module(const uint8_t *bytes, size_t n)
{
    gb_module *m = calloc(1, sizeof *m);
    m->bytes = malloc(n ? n : 1);
    memcpy(m->bytes, bytes, n);
    m->len = n;
    config(&m->cfg);
    return m;
}

static void free_module(gb_module *m)
{
    gb_decode_free(m);
    free(m->bytes);
    free(m);
}

static char detail[256];

/* Decode and free; the error code, the message in `detail`. */
static gb_err run(const buf *b)
{
    gb_module *m = new_module(b->b, b->n);
    gb_err e = gb_decode(m, detail, sizeof detail);
    free_module(m);
    return e;
}

/* ---- the reader ------------------------------------------------------ */

#define READS(fn, T, ok, want, ...)                                         \
    do {                                                                    \
        const uint8_t b_[] = { __VA_ARGS__ };                               \
        gb_reader r_ = gb_reader_make(b_, sizeof b_);                       \
        T v_ = 0;                                                           \
        bool got_ = fn(&r_, &v_);                                           \
        GB_EXPECT_U64((ok), got_);                                          \
        if ((ok) && got_) {                                                 \
            GB_EXPECT_U64((uint64_t)(T)(want), (uint64_t)v_);                  \
            GB_EXPECT_U64(sizeof b_, (size_t)(r_.p - b_));                  \
        }                                                                   \
    } while (0)

static void test_reader_u32(void)
{
    READS(gb_read_u32, uint32_t, 1, 0, 0x00);
    READS(gb_read_u32, uint32_t, 1, 624485, 0xE5, 0x8E, 0x26);
    READS(gb_read_u32, uint32_t, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x00);
    READS(gb_read_u32, uint32_t, 1, UINT32_MAX, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
    READS(gb_read_u32, uint32_t, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F);
    READS(gb_read_u32, uint32_t, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    READS(gb_read_u32, uint32_t, 0, 0, 0x80, 0x80); /* truncated */
    gb_reader r = gb_reader_make(NULL, 0);
    uint32_t v;
    GB_EXPECT(!gb_read_u32(&r, &v));
}

static void test_reader_signed(void)
{
    READS(gb_read_s32, int32_t, 1, -1, 0x7F);
    READS(gb_read_s32, int32_t, 1, 63, 0x3F);
    READS(gb_read_s32, int32_t, 1, -64, 0x40);
    READS(gb_read_s32, int32_t, 1, INT32_MIN, 0x80, 0x80, 0x80,
          0x80, 0x78);
    READS(gb_read_s32, int32_t, 1, INT32_MAX, 0xFF, 0xFF, 0xFF, 0xFF, 0x07);
    READS(gb_read_s32, int32_t, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
    READS(gb_read_s32, int32_t, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x70);
    READS(gb_read_s32, int32_t, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    READS(gb_read_s33, int64_t, 1, -64, 0x40);
    READS(gb_read_s33, int64_t, 1, UINT32_MAX, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
    READS(gb_read_s33, int64_t, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F);
    READS(gb_read_s64, int64_t, 1, INT64_MIN, 0x80, 0x80, 0x80,
          0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F);
    READS(gb_read_s64, int64_t, 1, INT64_MAX, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
          0xFF, 0xFF, 0xFF, 0xFF, 0x00);
    READS(gb_read_s64, int64_t, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
          0xFF, 0xFF, 0xFF, 0x01);
    READS(gb_read_s64, int64_t, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
          0x80, 0x80, 0x80, 0x80, 0x00);
    READS(gb_read_u32_fixed, uint32_t, 1, 0x3F800000, 0x00, 0x00, 0x80, 0x3F);
    READS(gb_read_u32_fixed, uint32_t, 0, 0, 0x00, 0x00, 0x80);
    READS(gb_read_u64_fixed, uint64_t, 1, 0x0102030405060708ull, 8, 7, 6, 5,
          4, 3, 2, 1);
    READS(gb_read_u64_fixed, uint64_t, 0, 0, 8, 7, 6, 5, 4, 3, 2);
}

/* ---- valid modules --------------------------------------------------- */

static void test_minimal_module(void)
{
    buf m = header();
    GB_EXPECT_ERR(GB_OK, run(&m));
    GB_EXPECT_U64(0, strlen(detail));
}

static void test_free_zeroed_is_noop(void)
{
    gb_module m;
    memset(&m, 0, sizeof m);
    gb_decode_free(&m);
    gb_decode_free(&m);
    GB_EXPECT(m.types == NULL);
}

/* Every section once, imports of every kind, a custom section. */
static buf rich_module(void)
{
    buf m = header();
    SEC(&m, 0, 0x01, 'x', 0xAA, 0xBB);
    SEC(&m, 1, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7F, 0x01, 0x7E);
    SEC(&m, 2, 0x04,
        0x01, 'm', 0x01, 'f', 0x00, 0x01,
        0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x00,
        0x01, 'm', 0x01, 't', 0x01, 0x70, 0x01, 0x01, 0x0A,
        0x01, 'm', 0x03, 'm', 'e', 'm', 0x02, 0x00, 0x01);
    SEC(&m, 3, 0x02, 0x00, 0x01);
    SEC(&m, 4, 0x01, 0x6F, 0x00, 0x00);
    SEC(&m, 6, 0x02, 0x7F, 0x01, 0x23, 0x00, 0x0B,
        0x70, 0x00, 0xD2, 0x02, 0x0B);
    SEC(&m, 7, 0x02, 0x03, 'r', 'u', 'n', 0x00, 0x01,
        0x03, 't', 'a', 'b', 0x01, 0x01);
    SEC(&m, 8, 0x01);
    SEC(&m, 9, 0x01, 0x00, 0x41, 0x00, 0x0B, 0x01, 0x02);
    SEC(&m, 12, 0x01);
    SEC(&m, 0, 0x02, 'h', 'i');
    SEC(&m, 10, 0x02, 0x04, 0x01, 0x02, 0x7E, 0x0B,
        0x04, 0x00, 0x42, 0x07, 0x0B);
    SEC(&m, 11, 0x01, 0x00, 0x41, 0x10, 0x0B, 0x02, 'h', 'i');
    return m;
}

static void test_rich_module(void)
{
    buf b = rich_module();
    gb_module *m = new_module(b.b, b.n);
    GB_EXPECT_ERR(GB_OK, gb_decode(m, detail, sizeof detail));
    GB_EXPECT_U64(2, m->ntypes);
    GB_EXPECT_U64(1, m->types[1].nparams);
    GB_EXPECT_U64(GB_I32, m->types[1].params[0]);
    GB_EXPECT_U64(GB_I64, m->types[1].results[0]);
    GB_EXPECT_U64(4, m->nimports);
    GB_EXPECT_U64(1, m->imports[2].name_len);
    GB_EXPECT_U64(3, m->imports[3].name_len);
    GB_EXPECT_U64(10, m->imports[2].table.limits.max);
    GB_EXPECT_U64(3, m->nfuncs);
    GB_EXPECT_U64(1, m->nfunc_imports);
    GB_EXPECT_U64(1, m->func_type[0]);
    GB_EXPECT_U64(0, m->func_type[1]);
    GB_EXPECT_U64(1, m->func_type[2]);
    GB_EXPECT_U64(2, m->funcs[0].nlocals);
    GB_EXPECT_U64(GB_I64, m->funcs[0].locals[1]);
    GB_EXPECT_U64(1, m->funcs[0].expr_len);
    GB_EXPECT_U64(3, m->funcs[1].expr_len);
    GB_EXPECT_U64(0x42, m->funcs[1].expr[0]);
    GB_EXPECT_U64(0x42, m->bytes[m->funcs[1].expr_offset]);
    GB_EXPECT_U64(2, m->ntables);
    GB_EXPECT_U64(1, m->ntable_imports);
    GB_EXPECT_U64(GB_FUNCREF, m->tables[0].elem);
    GB_EXPECT_U64(GB_EXTERNREF, m->tables[1].elem);
    GB_EXPECT_U64(1, m->nmems);
    GB_EXPECT_U64(1, m->nmem_imports);
    GB_EXPECT_U64(1, m->mems[0].min);
    GB_EXPECT_U64(3, m->nglobals);
    GB_EXPECT_U64(1, m->nglobal_imports);
    GB_EXPECT(m->globals[1].mut);
    GB_EXPECT_U64(0x23, m->global_init[0].op);
    GB_EXPECT_U64(0xD2, m->global_init[1].op);
    GB_EXPECT_U64(2, m->global_init[1].value);
    GB_EXPECT_U64(2, m->nexports);
    GB_EXPECT(m->has_start);
    GB_EXPECT_U64(1, m->start);
    GB_EXPECT_U64(1, m->nelems);
    GB_EXPECT_U64(GB_SEG_ACTIVE, m->elems[0].mode);
    GB_EXPECT_U64(0xD2, m->elems[0].items[0].op);
    GB_EXPECT_U64(2, m->elems[0].items[0].value);
    GB_EXPECT(m->has_datacount);
    GB_EXPECT_U64(1, m->ndatas);
    GB_EXPECT_U64(16, m->datas[0].offset.value);
    GB_EXPECT_U64(2, m->datas[0].len);
    GB_EXPECT_U64('h', m->datas[0].bytes[0]);
    GB_EXPECT_U64(0, m->func_declared[0]);
    GB_EXPECT_U64(1, m->func_declared[1]); /* exported */
    GB_EXPECT_U64(1, m->func_declared[2]); /* elem + global */
    GB_EXPECT(m->code == NULL);
    free_module(m);
}

/* Every prefix of a valid module decodes or fails cleanly (ASan checks
 * that nothing is read out of bounds or leaked); most must fail. */
static void test_every_prefix(void)
{
    buf full = rich_module();
    int ok = 0;
    for (size_t n = 0; n < full.n; n++) {
        buf p = full;
        p.n = n;
        gb_err e = run(&p);
        if (e == GB_OK)
            ok++;
        else
            GB_EXPECT(e == GB_MALFORMED || e == GB_INVALID);
        if (n < 8)
            GB_EXPECT_ERR(GB_MALFORMED, e);
    }
    /* the prefixes ending after the header, the custom, type and import
     * sections form valid modules; no other does */
    GB_EXPECT_U64(4, ok);
}

/* ---- the header and section framing --------------------------------- */

static void test_bad_magic(void)
{
    buf m = { .n = 0 };
    RAW(&m, 0x00, 0x61, 0x73, 0x6E, 1, 0, 0, 0);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "magic header not detected");
    m.n = 0;
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
}

static void test_bad_version(void)
{
    buf m = { .n = 0 };
    RAW(&m, 0x00, 0x61, 0x73, 0x6D, 2, 0, 0, 0);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "unknown binary version");
    m.n = 6;
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
}

static void test_truncated_section(void)
{
    buf m = header();
    RAW(&m, 0x01, 0x09, 0x01, 0x60, 0x00); /* 9 bytes promised, 3 given */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "section 1 (type)");
    GB_EXPECT_STR_CONTAINS(detail, "unexpected end");
    /* section size itself truncated */
    m = header();
    RAW(&m, 0x01, 0x80);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
}

static void test_section_size_mismatch(void)
{
    /* content ends before the declared size */
    buf m = header();
    SEC(&m, 1, T_VOID, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "section size mismatch");
    GB_EXPECT_STR_CONTAINS(detail, "section 1 (type) at offset 0xe");
    /* content runs past the declared size */
    m = header();
    RAW(&m, 0x01, 0x03, 0x01, 0x60, 0x00, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    /* in the code section, as in the house example */
    m = header();
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 10, C_ONE_EMPTY, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "section 10 (code) at offset 0x");
    GB_EXPECT_STR_CONTAINS(detail, ": section size mismatch");
}

static void test_overlong_leb(void)
{
    buf m = header();
    SEC(&m, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00); /* 6-byte count */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "integer representation too long");
    m = header();
    SEC(&m, 1, 0x80, 0x80, 0x80, 0x80, 0x70); /* unused bits set */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    /* a padded but legal 5-byte count is fine */
    m = header();
    SEC(&m, 1, 0x80, 0x80, 0x80, 0x80, 0x00);
    GB_EXPECT_ERR(GB_OK, run(&m));
    /* i32.const immediate with a bad sign extension */
    m = header();
    SEC(&m, 6, 0x01, 0x7F, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0B);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
}

static void test_unknown_section_id(void)
{
    buf m = header();
    SEC(&m, 13, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "malformed section id");
    m = header();
    SEC(&m, 0x7F, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
}

static void test_duplicate_section(void)
{
    buf m = header();
    SEC(&m, 1, T_VOID);
    SEC(&m, 1, T_VOID);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "duplicate section");
    /* custom sections may repeat anywhere */
    m = header();
    SEC(&m, 0, 0x01, 'a');
    SEC(&m, 1, T_VOID);
    SEC(&m, 0, 0x01, 'a');
    SEC(&m, 0, 0x00);
    GB_EXPECT_ERR(GB_OK, run(&m));
}

static void test_out_of_order_sections(void)
{
    buf m = header();
    SEC(&m, 3, 0x00);
    SEC(&m, 1, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "out of order");
    /* data count goes before code, not after */
    m = header();
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 10, C_ONE_EMPTY);
    SEC(&m, 12, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header();
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 12, 0x00);
    SEC(&m, 10, C_ONE_EMPTY);
    GB_EXPECT_ERR(GB_OK, run(&m));
}

static void test_custom_section(void)
{
    buf m = header();
    SEC(&m, 0, 0x02, 0xC3, 0xA9, 0xFF, 0xFF); /* "é" + payload */
    GB_EXPECT_ERR(GB_OK, run(&m));
    m = header();
    RAW(&m, 0x00, 0x00); /* empty: no name */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header();
    SEC(&m, 0, 0x05, 'a'); /* name longer than the section */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
}

/* ---- names ----------------------------------------------------------- */

static void expect_bad_name(const uint8_t *s, size_t n)
{
    buf m = header();
    uint8_t body[16];
    body[0] = (uint8_t)n;
    memcpy(body + 1, s, n);
    section(&m, 0, body, n + 1);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "malformed UTF-8 encoding");
}

static void test_invalid_utf8_name(void)
{
    expect_bad_name((const uint8_t[]){ 0xC0, 0x80 }, 2);       /* overlong */
    expect_bad_name((const uint8_t[]){ 0xE0, 0x80, 0xAF }, 3); /* overlong */
    expect_bad_name((const uint8_t[]){ 0xF0, 0x80, 0x80, 0xAF }, 4);
    expect_bad_name((const uint8_t[]){ 0xED, 0xA0, 0x80 }, 3); /* D800 */
    expect_bad_name((const uint8_t[]){ 0xED, 0xBF, 0xBF }, 3); /* DFFF */
    expect_bad_name((const uint8_t[]){ 0xF4, 0x90, 0x80, 0x80 }, 4);
    expect_bad_name((const uint8_t[]){ 0xE0, 0xA0 }, 2);       /* truncated */
    expect_bad_name((const uint8_t[]){ 0x80 }, 1);             /* lone cont */
    expect_bad_name((const uint8_t[]){ 0xFF }, 1);
    expect_bad_name((const uint8_t[]){ 'a', 0xC3, 'b' }, 3);

    /* the edges that are valid */
    buf m = header();
    SEC(&m, 0, 0x0A, 0xEF, 0xBF, 0xBF, 0xF4, 0x8F, 0xBF, 0xBF, 0xED, 0x9F,
        0xBF);
    GB_EXPECT_ERR(GB_OK, run(&m));

    /* in an import name */
    m = header();
    SEC(&m, 1, T_VOID);
    SEC(&m, 2, 0x01, 0x01, 'm', 0x02, 0xC0, 0x80, 0x00, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "section 2 (import)");
}

/* ---- types and imports ----------------------------------------------- */

static void test_types(void)
{
    buf m = header();
    SEC(&m, 1, 0x01, 0x61, 0x00, 0x00); /* not a functype */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header();
    SEC(&m, 1, 0x01, 0x60, 0x01, 0x40, 0x00); /* bad valtype */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header();
    SEC(&m, 1, 0x01, 0x60, 0x01, 0x7B, 0x00); /* v128 */
    GB_EXPECT(run(&m) != GB_OK);
    m = header();
    SEC(&m, 1, 0x01, 0x60, 0x00, 0x02, 0x7F, 0x7E); /* multi-value */
    GB_EXPECT_ERR(GB_OK, run(&m));
}

static void test_imports(void)
{
    buf m = header();
    SEC(&m, 2, 0x01, 0x00, 0x00, 0x04, 0x00); /* kind 4 */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "malformed import kind");
    m = header();
    SEC(&m, 2, 0x01, 0x00, 0x00, 0x00, 0x00); /* func of unknown type */
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "unknown type");
    m = header();
    SEC(&m, 2, 0x01, 0x00, 0x00, 0x01, 0x7F, 0x00, 0x00); /* table of i32 */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header();
    SEC(&m, 2, 0x01, 0x00, 0x00, 0x03, 0x7F, 0x02); /* mutability 2 */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "malformed mutability");
}

static void test_limits(void)
{
    buf m = header();
    SEC(&m, 5, 0x01, 0x02, 0x00); /* flags 2 */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header();
    SEC(&m, 5, 0x01, 0x00, 0x81, 0x80, 0x04); /* 65537 pages */
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "memory size must be at most 65536 pages");
    m = header();
    SEC(&m, 5, 0x01, 0x01, 0x00, 0x81, 0x80, 0x04);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    m = header();
    SEC(&m, 5, 0x01, 0x01, 0x00, 0x80, 0x80, 0x04); /* max 65536: fine */
    GB_EXPECT_ERR(GB_OK, run(&m));
    m = header();
    SEC(&m, 5, 0x01, 0x01, 0x02, 0x01);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail,
                           "size minimum must not be greater than maximum");
    m = header();
    SEC(&m, 4, 0x01, 0x70, 0x01, 0x02, 0x01);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    m = header(); /* tables have no page bound */
    SEC(&m, 4, 0x01, 0x70, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
    GB_EXPECT_ERR(GB_OK, run(&m));
}

static void test_two_memories(void)
{
    buf m = header();
    SEC(&m, 5, 0x02, 0x00, 0x00, 0x00, 0x00);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "multiple memories");
    m = header();
    SEC(&m, 2, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00);
    SEC(&m, 5, 0x01, 0x00, 0x00);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "multiple memories");
    m = header();
    SEC(&m, 2, 0x02, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
        0x00);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    /* tables: any number */
    m = header();
    SEC(&m, 4, 0x03, 0x70, 0x00, 0x00, 0x6F, 0x00, 0x00, 0x70, 0x00, 0x01);
    GB_EXPECT_ERR(GB_OK, run(&m));
}

/* ---- functions and code ---------------------------------------------- */

static void test_function_code_mismatch(void)
{
    buf m = header();
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, 0x02, 0x00, 0x00);
    SEC(&m, 10, C_ONE_EMPTY);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "function and code section have "
                                   "inconsistent lengths");
    m = header(); /* function section, no code section */
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "inconsistent lengths");
    m = header(); /* code section, no function section */
    SEC(&m, 1, T_VOID);
    SEC(&m, 10, C_ONE_EMPTY);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header(); /* both empty is fine */
    SEC(&m, 3, 0x00);
    SEC(&m, 10, 0x00);
    GB_EXPECT_ERR(GB_OK, run(&m));
    m = header(); /* unknown type index */
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, 0x01, 0x01);
    SEC(&m, 10, C_ONE_EMPTY);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
}

static void test_too_many_locals(void)
{
    /* 2^32 - 1 locals: must fail without allocating them */
    buf m = header();
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 10, 0x01, 0x08, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x0B);
    gb_err e = run(&m);
    GB_EXPECT(e == GB_LIMIT || e == GB_MALFORMED);
    GB_EXPECT_STR_CONTAINS(detail, "too many locals");

    /* two runs that overflow 32 bits, with no configured limit in the way */
    m = header();
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 10, 0x01, 0x0E, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F,
        0x02, 0x7E, 0x0B, 0x00, 0x00, 0x00, 0x00);
    gb_module *mod = new_module(m.b, m.n);
    mod->cfg.max_locals = UINT32_MAX;
    GB_EXPECT_ERR(GB_MALFORMED, gb_decode(mod, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "too many locals");
    free_module(mod);

    /* params count against the limit too */
    m = header();
    SEC(&m, 1, 0x01, 0x60, 0x02, 0x7F, 0x7F, 0x00);
    SEC(&m, 3, F_ONE);
    SEC(&m, 10, 0x01, 0x04, 0x01, 0x03, 0x7F, 0x0B);
    mod = new_module(m.b, m.n);
    mod->cfg.max_locals = 4;
    GB_EXPECT_ERR(GB_LIMIT, gb_decode(mod, detail, sizeof detail));
    free_module(mod);
    mod = new_module(m.b, m.n);
    mod->cfg.max_locals = 5;
    GB_EXPECT_ERR(GB_OK, gb_decode(mod, detail, sizeof detail));
    GB_EXPECT_U64(3, mod->funcs[0].nlocals);
    free_module(mod);
}

static void test_body_framing(void)
{
    buf m = header(); /* no end opcode */
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 10, 0x01, 0x02, 0x00, 0x01);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "END opcode expected");
    m = header(); /* empty body */
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 10, 0x01, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header(); /* body size beyond the section */
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 10, 0x01, 0x05, 0x00, 0x0B);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header(); /* bad local type */
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 10, 0x01, 0x04, 0x01, 0x01, 0x40, 0x0B);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
}

static void test_limits_from_config(void)
{
    buf m = header();
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, 0x03, 0x00, 0x00, 0x00);
    SEC(&m, 10, 0x03, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B);
    gb_module *mod = new_module(m.b, m.n);
    mod->cfg.max_functions = 2;
    GB_EXPECT_ERR(GB_LIMIT, gb_decode(mod, detail, sizeof detail));
    free_module(mod);
    mod = new_module(m.b, m.n);
    mod->cfg.max_module_size = (uint32_t)m.n - 1;
    GB_EXPECT_ERR(GB_LIMIT, gb_decode(mod, detail, sizeof detail));
    free_module(mod);
    mod = new_module(m.b, m.n);
    mod->cfg.max_module_size = (uint32_t)m.n;
    GB_EXPECT_ERR(GB_OK, gb_decode(mod, detail, sizeof detail));
    free_module(mod);
}

static void test_huge_counts(void)
{
    /* 2^32-1 entries in a few bytes, in every vector-bearing section */
    static const uint8_t ids[] = { 1, 2, 3, 4, 5, 6, 7, 9, 10, 11 };
    for (size_t i = 0; i < sizeof ids; i++) {
        buf m = header();
        SEC(&m, ids[i], 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00);
        GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    }
    buf m = header(); /* a params vector */
    SEC(&m, 1, 0x01, 0x60, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header(); /* element items */
    SEC(&m, 4, 0x01, 0x70, 0x00, 0x00);
    SEC(&m, 9, 0x01, 0x00, 0x41, 0x00, 0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header(); /* a data segment length */
    SEC(&m, 11, 0x01, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
}

/* ---- constant expressions, globals ----------------------------------- */

static void test_bad_const_expr(void)
{
    buf m = header(); /* nop */
    SEC(&m, 6, 0x01, 0x7F, 0x00, 0x01, 0x0B);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "constant expression required");
    m = header(); /* two instructions */
    SEC(&m, 6, 0x01, 0x7F, 0x00, 0x41, 0x00, 0x41, 0x00, 0x0B);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    m = header(); /* i32.ctz (i32.const 0) */
    SEC(&m, 6, 0x01, 0x7F, 0x00, 0x41, 0x00, 0x68, 0x0B);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    m = header(); /* empty */
    SEC(&m, 6, 0x01, 0x7F, 0x00, 0x0B);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "type mismatch");
    m = header(); /* f32.const for an i32 global */
    SEC(&m, 6, 0x01, 0x7F, 0x00, 0x43, 0x00, 0x00, 0x00, 0x00, 0x0B);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "type mismatch");
    m = header(); /* ref.null extern for a funcref global */
    SEC(&m, 6, 0x01, 0x70, 0x00, 0xD0, 0x6F, 0x0B);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    m = header(); /* ref.null of a non-reference type */
    SEC(&m, 6, 0x01, 0x70, 0x00, 0xD0, 0x7F, 0x0B);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header(); /* global.get of a defined global */
    SEC(&m, 6, 0x02, 0x7F, 0x00, 0x41, 0x00, 0x0B, 0x7F, 0x00, 0x23, 0x00,
        0x0B);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "unknown global");
    m = header(); /* global.get of a mutable import */
    SEC(&m, 2, 0x01, 0x00, 0x00, 0x03, 0x7F, 0x01);
    SEC(&m, 6, 0x01, 0x7F, 0x00, 0x23, 0x00, 0x0B);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "constant expression required");
    m = header(); /* ref.func out of range */
    SEC(&m, 6, 0x01, 0x70, 0x00, 0xD2, 0x00, 0x0B);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    m = header(); /* truncated f64.const */
    SEC(&m, 6, 0x01, 0x7C, 0x00, 0x44, 0x00, 0x00, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header(); /* all the good forms */
    SEC(&m, 6, 0x05,
        0x7E, 0x00, 0x42, 0x7F, 0x0B,
        0x7D, 0x00, 0x43, 0x00, 0x00, 0x80, 0x3F, 0x0B,
        0x7C, 0x01, 0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x0B,
        0x6F, 0x00, 0xD0, 0x6F, 0x0B,
        0x70, 0x01, 0xD0, 0x70, 0x0B);
    gb_module *mod = new_module(m.b, m.n);
    GB_EXPECT_ERR(GB_OK, gb_decode(mod, detail, sizeof detail));
    GB_EXPECT_U64(UINT64_MAX, mod->global_init[0].value);
    GB_EXPECT_U64(0x3F800000, mod->global_init[1].value);
    GB_EXPECT_U64(0x3FF0000000000000ull, mod->global_init[2].value);
    GB_EXPECT_U64(GB_EXTERNREF, mod->global_init[3].value);
    GB_EXPECT(mod->globals[4].mut);
    free_module(mod);
}

/* ---- exports, start -------------------------------------------------- */

static void test_duplicate_export(void)
{
    buf m = header();
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 5, 0x01, 0x00, 0x00);
    SEC(&m, 7, 0x03, 0x01, 'a', 0x00, 0x00, 0x02, 'a', 'b', 0x02, 0x00,
        0x01, 'a', 0x02, 0x00);
    SEC(&m, 10, C_ONE_EMPTY);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "duplicate export name \"a\"");
    m = header(); /* a prefix is not a duplicate */
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 7, 0x03, 0x01, 'a', 0x00, 0x00, 0x02, 'a', 'b', 0x00, 0x00,
        0x00, 0x00, 0x00);
    SEC(&m, 10, C_ONE_EMPTY);
    GB_EXPECT_ERR(GB_OK, run(&m));
}

static void test_export_index(void)
{
    buf m = header();
    SEC(&m, 7, 0x01, 0x01, 'a', 0x00, 0x00); /* no functions */
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "unknown function");
    m = header();
    SEC(&m, 7, 0x01, 0x01, 'a', 0x02, 0x00); /* no memory */
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    m = header();
    SEC(&m, 7, 0x01, 0x01, 'a', 0x04, 0x00); /* kind 4 */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
}

static void test_start(void)
{
    buf m = header();
    SEC(&m, 1, 0x01, 0x60, 0x01, 0x7F, 0x00);
    SEC(&m, 3, F_ONE);
    SEC(&m, 8, 0x00);
    SEC(&m, 10, C_ONE_EMPTY);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "start function");
    m = header();
    SEC(&m, 8, 0x00);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "unknown function");
}

/* ---- element segments ------------------------------------------------ */

static buf elem_prelude(void)
{
    buf m = header();
    SEC(&m, 1, T_VOID);
    SEC(&m, 3, F_ONE);
    SEC(&m, 4, 0x03, 0x70, 0x00, 0x04, 0x70, 0x00, 0x04, 0x6F, 0x00, 0x04);
    return m;
}

static void test_elem_all_forms(void)
{
    buf m = elem_prelude();
    SEC(&m, 9, 0x09,
        0x00, 0x41, 0x01, 0x0B, 0x01, 0x00,             /* 0: active t0 */
        0x01, 0x00, 0x01, 0x00,                         /* 1: passive */
        0x02, 0x01, 0x41, 0x02, 0x0B, 0x00, 0x01, 0x00, /* 2: active t1 */
        0x03, 0x00, 0x01, 0x00,                         /* 3: declarative */
        0x04, 0x41, 0x00, 0x0B, 0x02, 0xD2, 0x00, 0x0B, 0xD0, 0x70,
        0x0B,                                           /* 4: exprs t0 */
        0x05, 0x70, 0x01, 0xD0, 0x70, 0x0B,             /* 5: passive */
        0x06, 0x02, 0x41, 0x00, 0x0B, 0x6F, 0x01, 0xD0, 0x6F,
        0x0B,                                           /* 6: active t2 */
        0x07, 0x70, 0x01, 0xD2, 0x00, 0x0B,             /* 7: declarative */
        0x05, 0x6F, 0x00);                              /* 5, empty */
    SEC(&m, 10, C_ONE_EMPTY);
    gb_module *mod = new_module(m.b, m.n);
    GB_EXPECT_ERR(GB_OK, gb_decode(mod, detail, sizeof detail));
    GB_EXPECT_U64(9, mod->nelems);
    static const uint8_t mode[9] = {
        GB_SEG_ACTIVE, GB_SEG_PASSIVE, GB_SEG_ACTIVE, GB_SEG_DECLARATIVE,
        GB_SEG_ACTIVE, GB_SEG_PASSIVE, GB_SEG_ACTIVE, GB_SEG_DECLARATIVE,
        GB_SEG_PASSIVE,
    };
    static const uint8_t type[9] = {
        GB_FUNCREF, GB_FUNCREF, GB_FUNCREF, GB_FUNCREF, GB_FUNCREF,
        GB_FUNCREF, GB_EXTERNREF, GB_FUNCREF, GB_EXTERNREF,
    };
    static const uint32_t count[9] = { 1, 1, 1, 1, 2, 1, 1, 1, 0 };
    for (int i = 0; i < 9; i++) {
        GB_EXPECT_U64(mode[i], mod->elems[i].mode);
        GB_EXPECT_U64(type[i], mod->elems[i].type);
        GB_EXPECT_U64(count[i], mod->elems[i].count);
    }
    GB_EXPECT_U64(0, mod->elems[0].table);
    GB_EXPECT_U64(1, mod->elems[0].offset.value);
    GB_EXPECT_U64(1, mod->elems[2].table);
    GB_EXPECT_U64(2, mod->elems[2].offset.value);
    GB_EXPECT_U64(2, mod->elems[6].table);
    for (int i = 0; i < 4; i++) {
        GB_EXPECT_U64(0xD2, mod->elems[i].items[0].op);
        GB_EXPECT_U64(0, mod->elems[i].items[0].value);
    }
    GB_EXPECT_U64(0xD2, mod->elems[4].items[0].op);
    GB_EXPECT_U64(0xD0, mod->elems[4].items[1].op);
    GB_EXPECT_U64(GB_FUNCREF, mod->elems[4].items[1].value);
    GB_EXPECT_U64(1, mod->func_declared[0]);
    free_module(mod);
}

static void test_elem_errors(void)
{
    buf m = elem_prelude();
    SEC(&m, 9, 0x01, 0x08, 0x00); /* flags 8 */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = elem_prelude();
    SEC(&m, 9, 0x01, 0x01, 0x01, 0x00); /* elemkind 1 */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = elem_prelude();
    SEC(&m, 9, 0x01, 0x05, 0x7F, 0x00); /* reftype i32 */
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = elem_prelude();
    SEC(&m, 9, 0x01, 0x04, 0x41, 0x00, 0x0B, 0x01, 0xD0, 0x6F, 0x0B);
    GB_EXPECT_ERR(GB_INVALID, run(&m)); /* externref item in funcref seg */
    GB_EXPECT_STR_CONTAINS(detail, "type mismatch");
    m = elem_prelude();
    SEC(&m, 9, 0x01, 0x02, 0x02, 0x41, 0x00, 0x0B, 0x00, 0x00);
    GB_EXPECT_ERR(GB_INVALID, run(&m)); /* funcref seg into externref t2 */
    GB_EXPECT_STR_CONTAINS(detail, "type mismatch");
    m = elem_prelude();
    SEC(&m, 9, 0x01, 0x02, 0x03, 0x41, 0x00, 0x0B, 0x00, 0x00);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "unknown table");
    m = elem_prelude();
    SEC(&m, 9, 0x01, 0x00, 0x42, 0x00, 0x0B, 0x00); /* i64 offset */
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    m = elem_prelude();
    SEC(&m, 9, 0x01, 0x01, 0x00, 0x01, 0x05); /* unknown function */
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "unknown function");
    m = header(); /* active with no table at all */
    SEC(&m, 9, 0x01, 0x00, 0x41, 0x00, 0x0B, 0x00);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
}

/* ---- data segments --------------------------------------------------- */

static void test_data_segments(void)
{
    buf m = header();
    SEC(&m, 5, 0x01, 0x00, 0x01);
    SEC(&m, 11, 0x03,
        0x00, 0x41, 0x00, 0x0B, 0x01, 'a',
        0x01, 0x02, 'b', 'c',
        0x02, 0x00, 0x41, 0x04, 0x0B, 0x00);
    gb_module *mod = new_module(m.b, m.n);
    GB_EXPECT_ERR(GB_OK, gb_decode(mod, detail, sizeof detail));
    GB_EXPECT_U64(3, mod->ndatas);
    GB_EXPECT_U64(GB_SEG_ACTIVE, mod->datas[0].mode);
    GB_EXPECT_U64(GB_SEG_PASSIVE, mod->datas[1].mode);
    GB_EXPECT_U64(2, mod->datas[1].len);
    GB_EXPECT_U64(4, mod->datas[2].offset.value);
    GB_EXPECT(!mod->has_datacount);
    free_module(mod);

    m = header(); /* no memory */
    SEC(&m, 11, 0x01, 0x00, 0x41, 0x00, 0x0B, 0x00);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "unknown memory");
    m = header(); /* memory 1 */
    SEC(&m, 5, 0x01, 0x00, 0x01);
    SEC(&m, 11, 0x01, 0x02, 0x01, 0x41, 0x00, 0x0B, 0x00);
    GB_EXPECT_ERR(GB_INVALID, run(&m));
    m = header(); /* flags 3 */
    SEC(&m, 11, 0x01, 0x03, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    m = header(); /* passive needs no memory */
    SEC(&m, 11, 0x01, 0x01, 0x00);
    GB_EXPECT_ERR(GB_OK, run(&m));
}

static void test_datacount_mismatch(void)
{
    buf m = header();
    SEC(&m, 12, 0x02);
    SEC(&m, 11, 0x01, 0x01, 0x00);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "data count and data section have "
                                   "inconsistent lengths");
    m = header(); /* data count without a data section */
    SEC(&m, 12, 0x01);
    GB_EXPECT_ERR(GB_MALFORMED, run(&m));
    GB_EXPECT_STR_CONTAINS(detail, "inconsistent lengths");
    m = header();
    SEC(&m, 12, 0x00);
    GB_EXPECT_ERR(GB_OK, run(&m));
    m = header();
    SEC(&m, 12, 0x01);
    SEC(&m, 11, 0x01, 0x01, 0x00);
    gb_module *mod = new_module(m.b, m.n);
    GB_EXPECT_ERR(GB_OK, gb_decode(mod, detail, sizeof detail));
    GB_EXPECT(mod->has_datacount);
    free_module(mod);
}

/* ---- messages -------------------------------------------------------- */

static void test_detail_buffer(void)
{
    buf m = header();
    SEC(&m, 13, 0x00);
    gb_module *mod = new_module(m.b, m.n);
    char small[8];
    GB_EXPECT_ERR(GB_MALFORMED, gb_decode(mod, small, sizeof small));
    GB_EXPECT_U64(7, strlen(small));
    free_module(mod);
    mod = new_module(m.b, m.n);
    GB_EXPECT_ERR(GB_MALFORMED, gb_decode(mod, NULL, 0));
    free_module(mod);
    mod = new_module(m.b, m.n);
    GB_EXPECT_ERR(GB_MALFORMED, gb_decode(mod, detail, sizeof detail));
    GB_EXPECT_STR_CONTAINS(detail, "at offset 0x8");
    free_module(mod);
}

int main(void)
{
    GB_RUN(test_reader_u32);
    GB_RUN(test_reader_signed);
    GB_RUN(test_minimal_module);
    GB_RUN(test_free_zeroed_is_noop);
    GB_RUN(test_rich_module);
    GB_RUN(test_every_prefix);
    GB_RUN(test_bad_magic);
    GB_RUN(test_bad_version);
    GB_RUN(test_truncated_section);
    GB_RUN(test_section_size_mismatch);
    GB_RUN(test_overlong_leb);
    GB_RUN(test_unknown_section_id);
    GB_RUN(test_duplicate_section);
    GB_RUN(test_out_of_order_sections);
    GB_RUN(test_custom_section);
    GB_RUN(test_invalid_utf8_name);
    GB_RUN(test_types);
    GB_RUN(test_imports);
    GB_RUN(test_limits);
    GB_RUN(test_two_memories);
    GB_RUN(test_function_code_mismatch);
    GB_RUN(test_too_many_locals);
    GB_RUN(test_body_framing);
    GB_RUN(test_limits_from_config);
    GB_RUN(test_huge_counts);
    GB_RUN(test_bad_const_expr);
    GB_RUN(test_duplicate_export);
    GB_RUN(test_export_index);
    GB_RUN(test_start);
    GB_RUN(test_elem_all_forms);
    GB_RUN(test_elem_errors);
    GB_RUN(test_data_segments);
    GB_RUN(test_datacount_mismatch);
    GB_RUN(test_detail_buffer);
    return gb_test_summary();
}
