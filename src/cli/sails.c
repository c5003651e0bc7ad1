/*
 * SCALE types with a JSON form, and Sails IDL files (see sails.h).
 *
 * One small lexer serves both the --scale type expressions and IDL files;
 * one recursive parser turns type syntax into a tree of cli_type (named
 * IDL types are references resolved after the whole file is read); one
 * encoder and one decoder walk that tree against JSON values.  Integers
 * of every width go through the same little-endian byte arithmetic
 * (at most 256 bits), so u256 and i128 need no special cases.
 */
#include "cli/sails.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "util/hex.h"
#include "util/scale.h"

#define MAX_DEPTH 64

typedef enum tkind {
    K_BOOL, K_CHAR, K_STR, K_UINT, K_INT, K_NAT, K_HASH, K_NULL,
    K_VEC, K_ARRAY, K_OPT, K_RESULT, K_MAP, K_TUPLE, K_STRUCT, K_ENUM, K_REF,
} tkind;

struct cli_type {
    tkind kind;
    uint32_t width;    /* bytes of an integer or hash; an array's length */
    size_t n;          /* items */
    cli_type **items;  /* element(s); an enum's variant types (NULL: unit) */
    char **names;      /* struct field names (NULL: unnamed), variants */
    char *ref;         /* K_REF: the named type */
    const cli_type *to; /* K_REF: resolved */
};

struct cli_types {
    cli_type **all;
    size_t n, cap;
};

cli_types *cli_types_new(void)
{
    return calloc(1, sizeof(cli_types));
}

static void type_free(cli_type *t)
{
    for (size_t i = 0; t->names && i < t->n; i++)
        free(t->names[i]);
    free(t->names);
    free(t->items);
    free(t->ref);
    free(t);
}

void cli_types_free(cli_types *ts)
{
    if (!ts)
        return;
    for (size_t i = 0; i < ts->n; i++)
        type_free(ts->all[i]);
    free(ts->all);
    free(ts);
}

static cli_type *type_new(cli_types *ts, tkind k, uint32_t width)
{
    cli_type *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (!CLI_PUSH(ts->all, ts->n, ts->cap, t)) {
        free(t);
        return NULL;
    }
    t->kind = k;
    t->width = width;
    return t;
}

static bool type_add(cli_type *t, cli_type *item, char *name)
{
    cli_type **ni = realloc(t->items, (t->n + 1) * sizeof *ni);
    if (!ni)
        return false;
    t->items = ni;
    char **nn = realloc(t->names, (t->n + 1) * sizeof *nn);
    if (!nn)
        return false;
    t->names = nn;
    t->items[t->n] = item;
    t->names[t->n] = name;
    t->n++;
    return true;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- lexer -------------------------------------------------------------- */

typedef struct lex {
    const char *s;
    size_t pos;
    int line;
    int kind; /* 'i' identifier, 'n' number, 'a' "->", a punctuation
                 character, 0 at the end, '?' a bad character */
    char tok[128];
} lex;

static void lex_next(lex *lx)
{
    const char *s = lx->s;
    for (;;) {
        while (s[lx->pos] == ' ' || s[lx->pos] == '\t' || s[lx->pos] == '\r' ||
               s[lx->pos] == '\n') {
            if (s[lx->pos] == '\n')
                lx->line++;
            lx->pos++;
        }
        if (s[lx->pos] == '/' && s[lx->pos + 1] == '/') {
            while (s[lx->pos] && s[lx->pos] != '\n')
                lx->pos++;
            continue;
        }
        break;
    }
    char c = s[lx->pos];
    size_t n = 0;
    if (!c) {
        lx->kind = 0;
        snprintf(lx->tok, sizeof lx->tok, "the end");
        return;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
        (c >= '0' && c <= '9')) {
        bool num = c >= '0' && c <= '9';
        while ((c = s[lx->pos]) && ((c >= 'a' && c <= 'z') ||
                                    (c >= 'A' && c <= 'Z') || c == '_' ||
                                    (c >= '0' && c <= '9'))) {
            if (n + 1 < sizeof lx->tok)
                lx->tok[n++] = c;
            lx->pos++;
        }
        lx->tok[n] = 0;
        lx->kind = num ? 'n' : 'i';
        return;
    }
    if (c == '-' && s[lx->pos + 1] == '>') {
        lx->pos += 2;
        lx->kind = 'a';
        snprintf(lx->tok, sizeof lx->tok, "->");
        return;
    }
    lx->pos++;
    lx->tok[0] = c;
    lx->tok[1] = 0;
    lx->kind = strchr("=(){}[];:,<>/", c) ? c : '?';
}

static bool lex_is(const lex *lx, const char *word)
{
    return lx->kind == 'i' && !strcmp(lx->tok, word);
}

typedef struct parser {
    lex lx;
    cli_types *ts;
    bool idl; /* named types allowed (references) */
    char *err;
    size_t errlen;
} parser;

static bool fail(parser *p, const char *what)
{
    if (p->idl)
        seterr(p->err, p->errlen, "line %d: expected %s, found '%s'",
               p->lx.line, what, p->lx.tok);
    else
        seterr(p->err, p->errlen, "expected %s, found '%s'", what, p->lx.tok);
    return false;
}

static bool expect(parser *p, int kind, const char *what)
{
    if (p->lx.kind != kind)
        return fail(p, what);
    lex_next(&p->lx);
    return true;
}

static bool oom(parser *p)
{
    seterr(p->err, p->errlen, "out of memory");
    return false;
}

/* ---- types -------------------------------------------------------------- */

static const struct {
    const char *name;
    tkind kind;
    uint32_t width;
} prims[] = {
    {"bool", K_BOOL, 1},    {"char", K_CHAR, 4},    {"str", K_STR, 0},
    {"String", K_STR, 0},   {"u8", K_UINT, 1},      {"u16", K_UINT, 2},
    {"u32", K_UINT, 4},     {"u64", K_UINT, 8},     {"u128", K_UINT, 16},
    {"u256", K_UINT, 32},   {"i8", K_INT, 1},       {"i16", K_INT, 2},
    {"i32", K_INT, 4},      {"i64", K_INT, 8},      {"i128", K_INT, 16},
    {"nat8", K_NAT, 1},     {"nat16", K_NAT, 2},    {"nat32", K_NAT, 4},
    {"nat64", K_NAT, 8},    {"nat128", K_NAT, 16},  {"nat256", K_NAT, 32},
    {"h160", K_HASH, 20},   {"h256", K_HASH, 32},   {"actor_id", K_HASH, 32},
    {"code_id", K_HASH, 32}, {"message_id", K_HASH, 32},
    {"null", K_NULL, 0},
};

static cli_type *parse_type(parser *p, int depth);

/* "(" T "," T ")" into t's items. */
static bool parse_pair(parser *p, cli_type *t, int depth)
{
    if (!expect(p, '(', "'('"))
        return false;
    cli_type *a = parse_type(p, depth + 1);
    if (!a || !expect(p, ',', "','"))
        return false;
    cli_type *b = parse_type(p, depth + 1);
    if (!b || !expect(p, ')', "')'"))
        return false;
    return type_add(t, a, NULL) && type_add(t, b, NULL) ? true : oom(p);
}

static char *take_name(parser *p)
{
    char *n = strdup(p->lx.tok);
    if (n)
        lex_next(&p->lx);
    return n;
}

/* "{" fields "}": name: T or T, separated by ','. */
static bool parse_struct(parser *p, cli_type *t, int depth)
{
    if (!expect(p, '{', "'{'"))
        return false;
    int named = -1;
    while (p->lx.kind != '}') {
        char *name = NULL;
        lex save = p->lx;
        if (p->lx.kind == 'i') {
            lex_next(&p->lx);
            if (p->lx.kind == ':') {
                name = strdup(save.tok);
                if (!name)
                    return oom(p);
                lex_next(&p->lx);
            } else {
                p->lx = save;
            }
        }
        if (named >= 0 && named != (name != NULL)) {
            free(name);
            seterr(p->err, p->errlen, "line %d: a struct with named and "
                   "unnamed fields", p->lx.line);
            return false;
        }
        named = name != NULL;
        cli_type *f = parse_type(p, depth + 1);
        if (!f) {
            free(name);
            return false;
        }
        if (!type_add(t, f, name)) {
            free(name);
            return oom(p);
        }
        if (p->lx.kind == ',')
            lex_next(&p->lx);
        else if (p->lx.kind != '}')
            return fail(p, "',' or '}'");
    }
    lex_next(&p->lx);
    return true;
}

/* Variants: Name or Name: T, separated by sep, up to '}'. */
static bool parse_variants(parser *p, cli_type *t, int sep, int depth)
{
    if (!expect(p, '{', "'{'"))
        return false;
    while (p->lx.kind != '}') {
        if (p->lx.kind != 'i')
            return fail(p, "a variant name");
        char *name = take_name(p);
        if (!name)
            return oom(p);
        cli_type *v = NULL;
        if (p->lx.kind == ':') {
            lex_next(&p->lx);
            if (!(v = parse_type(p, depth + 1))) {
                free(name);
                return false;
            }
        }
        if (t->n >= 256) {
            free(name);
            seterr(p->err, p->errlen, "an enum of more than 256 variants");
            return false;
        }
        if (!type_add(t, v, name)) {
            free(name);
            return oom(p);
        }
        if (p->lx.kind == sep)
            lex_next(&p->lx);
        else if (p->lx.kind != '}')
            return fail(p, sep == ';' ? "';' or '}'" : "',' or '}'");
    }
    lex_next(&p->lx);
    return true;
}

static cli_type *parse_type(parser *p, int depth)
{
    if (depth > MAX_DEPTH) {
        seterr(p->err, p->errlen, "types nested too deep");
        return NULL;
    }
    lex *lx = &p->lx;
    cli_type *t;
    if (lx->kind == '[') {
        lex_next(lx);
        cli_type *item = parse_type(p, depth + 1);
        if (!item)
            return NULL;
        if (lx->kind != ',' && lx->kind != ';')
            return fail(p, "';' and the length"), NULL;
        lex_next(lx);
        char *end;
        errno = 0;
        unsigned long n = strtoul(lx->tok, &end, 10);
        if (lx->kind != 'n' || *end || errno || n > (1u << 20))
            return fail(p, "an array length (0 to 1048576)"), NULL;
        lex_next(lx);
        if (!expect(p, ']', "']'"))
            return NULL;
        if (!(t = type_new(p->ts, K_ARRAY, (uint32_t)n)) ||
            !type_add(t, item, NULL))
            return oom(p), NULL;
        return t;
    }
    if (lx->kind == '(') {
        lex_next(lx);
        if (!(t = type_new(p->ts, K_TUPLE, 0)))
            return oom(p), NULL;
        while (lx->kind != ')') {
            cli_type *item = parse_type(p, depth + 1);
            if (!item)
                return NULL;
            if (!type_add(t, item, NULL))
                return oom(p), NULL;
            if (lx->kind == ',')
                lex_next(lx);
            else if (lx->kind != ')')
                return fail(p, "',' or ')'"), NULL;
        }
        lex_next(lx);
        if (t->n == 0)
            t->kind = K_NULL;
        else if (t->n == 1)
            return t->items[0];
        return t;
    }
    if (lx->kind != 'i')
        return fail(p, "a type"), NULL;
    for (size_t i = 0; i < sizeof prims / sizeof *prims; i++)
        if (!strcmp(lx->tok, prims[i].name)) {
            lex_next(lx);
            if (!(t = type_new(p->ts, prims[i].kind, prims[i].width)))
                return oom(p), NULL;
            return t;
        }
    if (lex_is(lx, "bytes")) {
        lex_next(lx);
        cli_type *u8 = type_new(p->ts, K_UINT, 1);
        if (!u8 || !(t = type_new(p->ts, K_VEC, 0)) || !type_add(t, u8, NULL))
            return oom(p), NULL;
        return t;
    }
    if (lex_is(lx, "vec") || lex_is(lx, "opt")) {
        tkind k = lex_is(lx, "vec") ? K_VEC : K_OPT;
        lex_next(lx);
        cli_type *item = parse_type(p, depth + 1);
        if (!item)
            return NULL;
        if (!(t = type_new(p->ts, k, 0)) || !type_add(t, item, NULL))
            return oom(p), NULL;
        return t;
    }
    if (lex_is(lx, "result") || lex_is(lx, "map")) {
        tkind k = lex_is(lx, "result") ? K_RESULT : K_MAP;
        lex_next(lx);
        if (!(t = type_new(p->ts, k, 0)))
            return oom(p), NULL;
        return parse_pair(p, t, depth) ? t : NULL;
    }
    if (lex_is(lx, "struct")) {
        lex_next(lx);
        if (!(t = type_new(p->ts, K_STRUCT, 0)))
            return oom(p), NULL;
        return parse_struct(p, t, depth) ? t : NULL;
    }
    if (lex_is(lx, "enum")) {
        lex_next(lx);
        if (!(t = type_new(p->ts, K_ENUM, 0)))
            return oom(p), NULL;
        return parse_variants(p, t, ',', depth) ? t : NULL;
    }
    if (!p->idl) {
        seterr(p->err, p->errlen, "unknown type '%s' (u8 ... u128, i8 ... "
               "i128, u256, bool, char, str, bytes, h256, actor_id, [T; N], "
               "vec T, opt T, result (T, E), map (K, V), (T1, T2, ...))",
               lx->tok);
        return NULL;
    }
    if (!(t = type_new(p->ts, K_REF, 0)) || !(t->ref = strdup(lx->tok)))
        return oom(p), NULL;
    lex_next(lx);
    return t;
}

cli_type *cli_scale_parse(cli_types *ts, const char *expr, char *err,
                          size_t errlen)
{
    parser p = {.lx = {.s = expr, .line = 1}, .ts = ts, .err = err,
                .errlen = errlen};
    lex_next(&p.lx);
    cli_type *t = parse_type(&p, 0);
    if (t && p.lx.kind != 0) {
        fail(&p, "the end of the type");
        return NULL;
    }
    return t;
}

/* ---- integers: little-endian bytes, at most 256 bits -------------------- */

#define IMAX 33 /* 256 bits and a byte to see overflow */

/* Decimal digits (an optional '-') into a magnitude; false on bad text
 * or more than 264 bits. */
static bool dec_parse(const char *s, uint8_t mag[IMAX], bool *neg)
{
    memset(mag, 0, IMAX);
    *neg = false;
    if (*s == '-') {
        *neg = true;
        s++;
    }
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned carry = (unsigned)(*s - '0');
        for (int i = 0; i < IMAX; i++) {
            unsigned v = mag[i] * 10u + carry;
            mag[i] = (uint8_t)v;
            carry = v >> 8;
        }
        if (carry)
            return false;
    }
    return true;
}

static bool mag_zero(const uint8_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (m[i])
            return false;
    return true;
}

static void negate(uint8_t *b, size_t n)
{
    unsigned carry = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned v = (uint8_t)~b[i] + carry;
        b[i] = (uint8_t)v;
        carry = v >> 8;
    }
}

/* A magnitude of n bytes in decimal (with '-' when neg). */
static void dec_format(const uint8_t *mag, size_t n, bool neg, char *out)
{
    uint8_t m[IMAX];
    memcpy(m, mag, n);
    char digits[90];
    size_t nd = 0;
    do {
        unsigned rem = 0;
        for (size_t i = n; i-- > 0;) {
            unsigned v = rem << 8 | m[i];
            m[i] = (uint8_t)(v / 10);
            rem = v % 10;
        }
        digits[nd++] = (char)('0' + rem);
    } while (!mag_zero(m, n));
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    while (nd)
        out[k++] = digits[--nd];
    out[k] = 0;
}

static bool enc_int(const cli_type *t, json_t *v, uint8_t out[32], char *err,
                    size_t errlen)
{
    uint8_t mag[IMAX];
    bool neg;
    char buf[40];
    const char *text;
    if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        text = buf;
    } else if (json_is_string(v)) {
        text = json_string_value(v);
    } else {
        seterr(err, errlen, "expected an integer (a number, or a decimal "
               "string), found %s", json_is_real(v) ? "a fraction" :
               json_is_null(v) ? "null" : "another JSON value");
        return false;
    }
    const char *names[] = {[K_UINT] = "u", [K_INT] = "i", [K_NAT] = "nat"};
    unsigned bits = t->width * 8;
    if (!dec_parse(text, mag, &neg)) {
        seterr(err, errlen, "'%s' is not a decimal integer", text);
        return false;
    }
    bool zero = mag_zero(mag, IMAX);
    bool fits;
    if (t->kind == K_INT) {
        /* |v| < 2^(bits-1), or == for a negative v */
        uint8_t lim[IMAX] = {0};
        lim[(bits - 1) / 8] = (uint8_t)(1u << ((bits - 1) % 8));
        int cmp = 0;
        for (int i = IMAX; i-- > 0 && !cmp;)
            cmp = mag[i] < lim[i] ? -1 : mag[i] > lim[i];
        fits = cmp < 0 || (cmp == 0 && neg);
    } else {
        fits = (!neg || zero) && mag_zero(mag + t->width, IMAX - t->width);
    }
    if (!fits || (t->kind == K_NAT && zero)) {
        seterr(err, errlen, "%s does not fit %s%u%s", text, names[t->kind],
               bits, t->kind == K_NAT ? " (1 and up)" : "");
        return false;
    }
    memcpy(out, mag, t->width);
    if (neg && !zero)
        negate(out, t->width);
    return true;
}

static json_t *dec_int(const cli_type *t, const uint8_t *p)
{
    uint8_t m[IMAX] = {0};
    memcpy(m, p, t->width);
    bool neg = t->kind == K_INT && (p[t->width - 1] & 0x80);
    if (neg)
        negate(m, t->width);
    /* below 2^53: a JSON number */
    if (mag_zero(m + 7, IMAX - 7) && m[6] < 0x20) {
        int64_t v = 0;
        for (int i = 6; i >= 0; i--)
            v = v << 8 | m[i];
        return json_integer(neg ? -v : v);
    }
    char s[90];
    dec_format(m, t->width, neg, s);
    return json_string(s);
}

/* ---- encode ------------------------------------------------------------- */

typedef struct enc {
    gb_scale_buf b;
    char *err;
    size_t errlen;
} enc;

static bool enc_value(enc *e, const cli_type *t, json_t *v, int depth);

static bool u8_item(const cli_type *t)
{
    return t->items[0]->kind == K_UINT && t->items[0]->width == 1;
}

/* "0x..." as bytes: n < 0 any length (with a compact prefix), else
 * exactly n bytes. */
static bool enc_hex(enc *e, const char *s, long n)
{
    size_t sl = strlen(s);
    uint8_t *b = malloc(sl / 2 + 1);
    size_t got;
    if (!b) {
        seterr(e->err, e->errlen, "out of memory");
        return false;
    }
    if (gb_hex_decode(s, b, sl / 2 + 1, &got)) {
        free(b);
        seterr(e->err, e->errlen, "'%.80s' is not hex: 0x and an even number "
               "of hex digits", s);
        return false;
    }
    if (n >= 0 && got != (size_t)n) {
        free(b);
        seterr(e->err, e->errlen, "'%.80s' has %zu bytes, expected %ld", s,
               got, n);
        return false;
    }
    if (n < 0)
        gb_scale_put_compact(&e->b, got);
    gb_scale_put_raw(&e->b, b, got);
    free(b);
    return true;
}

static bool enc_items(enc *e, const cli_type *item, json_t *arr, int depth)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
        if (!enc_value(e, item, x, depth + 1)) {
            size_t l = strlen(e->err);
            char tail[300];
            snprintf(tail, sizeof tail, "%s", e->err);
            seterr(e->err, e->errlen, "item %zu: %s", i, tail);
            (void)l;
            return false;
        }
    }
    return true;
}

static bool enc_value(enc *e, const cli_type *t, json_t *v, int depth)
{
    if (depth > MAX_DEPTH) {
        seterr(e->err, e->errlen, "value nested too deep");
        return false;
    }
    uint8_t ib[32];
    switch (t->kind) {
    case K_REF:
        return enc_value(e, t->to, v, depth + 1);
    case K_BOOL:
        if (!json_is_boolean(v)) {
            seterr(e->err, e->errlen, "expected true or false");
            return false;
        }
        gb_scale_put_bool(&e->b, json_is_true(v));
        return true;
    case K_CHAR: {
        const unsigned char *s = (const unsigned char *)json_string_value(v);
        uint32_t cp = 0;
        size_t n = s ? strlen((const char *)s) : 0;
        if (n == 1)
            cp = s[0];
        else if (n == 2 && (s[0] & 0xe0) == 0xc0)
            cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
        else if (n == 3 && (s[0] & 0xf0) == 0xe0)
            cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
                 (s[2] & 0x3f);
        else if (n == 4 && (s[0] & 0xf8) == 0xf0)
            cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
                 (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
        else {
            seterr(e->err, e->errlen, "expected a string of one character");
            return false;
        }
        gb_scale_put_u32(&e->b, cp);
        return true;
    }
    case K_STR:
        if (!json_is_string(v)) {
            seterr(e->err, e->errlen, "expected a string");
            return false;
        }
        gb_scale_put_compact(&e->b, json_string_length(v));
        gb_scale_put_raw(&e->b, json_string_value(v), json_string_length(v));
        return true;
    case K_UINT:
    case K_INT:
    case K_NAT:
        if (!enc_int(t, v, ib, e->err, e->errlen))
            return false;
        gb_scale_put_raw(&e->b, ib, t->width);
        return true;
    case K_HASH:
        if (!json_is_string(v)) {
            seterr(e->err, e->errlen, "expected 0x and %u hex digits",
                   t->width * 2);
            return false;
        }
        return enc_hex(e, json_string_value(v), t->width);
    case K_NULL:
        if (!json_is_null(v)) {
            seterr(e->err, e->errlen, "expected null");
            return false;
        }
        return true;
    case K_VEC:
    case K_ARRAY: {
        long n = t->kind == K_ARRAY ? (long)t->width : -1;
        if (json_is_string(v) && u8_item(t))
            return enc_hex(e, json_string_value(v), n);
        if (!json_is_array(v)) {
            seterr(e->err, e->errlen, "expected an array%s",
                   u8_item(t) ? " or 0x hex" : "");
            return false;
        }
        if (n >= 0 && json_array_size(v) != (size_t)n) {
            seterr(e->err, e->errlen, "expected %ld items, found %zu", n,
                   json_array_size(v));
            return false;
        }
        if (n < 0)
            gb_scale_put_compact(&e->b, json_array_size(v));
        return enc_items(e, t->items[0], v, depth);
    }
    case K_OPT:
        gb_scale_put_option(&e->b, !json_is_null(v));
        return json_is_null(v) || enc_value(e, t->items[0], v, depth + 1);
    case K_RESULT: {
        json_t *ok = json_object_get(v, "ok"), *er = json_object_get(v, "err");
        if (!ok)
            ok = json_object_get(v, "Ok");
        if (!er)
            er = json_object_get(v, "Err");
        if (!json_is_object(v) || json_object_size(v) != 1 || (!ok && !er)) {
            seterr(e->err, e->errlen, "expected {\"ok\": value} or "
                   "{\"err\": value}");
            return false;
        }
        gb_scale_put_u8(&e->b, ok ? 0 : 1);
        return enc_value(e, t->items[ok ? 0 : 1], ok ? ok : er, depth + 1);
    }
    case K_MAP: {
        if (json_is_object(v)) {
            gb_scale_put_compact(&e->b, json_object_size(v));
            const char *k;
            json_t *x;
            json_object_foreach(v, k, x) {
                json_t *kj = json_string(k);
                bool ok = enc_value(e, t->items[0], kj, depth + 1) &&
                          enc_value(e, t->items[1], x, depth + 1);
                json_decref(kj);
                if (!ok)
                    return false;
            }
            return true;
        }
        if (!json_is_array(v)) {
            seterr(e->err, e->errlen, "expected an array of [key, value] "
                   "pairs");
            return false;
        }
        gb_scale_put_compact(&e->b, json_array_size(v));
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (json_array_size(x) != 2) {
                seterr(e->err, e->errlen, "expected [key, value] pairs");
                return false;
            }
            if (!enc_value(e, t->items[0], json_array_get(x, 0), depth + 1) ||
                !enc_value(e, t->items[1], json_array_get(x, 1), depth + 1))
                return false;
        }
        return true;
    }
    case K_TUPLE:
    case K_STRUCT: {
        bool named = t->kind == K_STRUCT && t->n && t->names[0];
        if (named) {
            if (!json_is_object(v)) {
                seterr(e->err, e->errlen, "expected an object with the "
                       "fields %s%s", t->names[0], t->n > 1 ? ", ..." : "");
                return false;
            }
            for (size_t i = 0; i < t->n; i++) {
                json_t *x = json_object_get(v, t->names[i]);
                if (!x) {
                    seterr(e->err, e->errlen, "field '%s' missing",
                           t->names[i]);
                    return false;
                }
                if (!enc_value(e, t->items[i], x, depth + 1)) {
                    char tail[300];
                    snprintf(tail, sizeof tail, "%s", e->err);
                    seterr(e->err, e->errlen, "field '%s': %s", t->names[i],
                           tail);
                    return false;
                }
            }
            if (json_object_size(v) != t->n) {
                seterr(e->err, e->errlen, "fields other than the %zu of the "
                       "struct", t->n);
                return false;
            }
            return true;
        }
        if (t->n == 1 && !json_is_array(v))
            return enc_value(e, t->items[0], v, depth + 1);
        if (!json_is_array(v) || json_array_size(v) != t->n) {
            seterr(e->err, e->errlen, "expected an array of %zu items", t->n);
            return false;
        }
        for (size_t i = 0; i < t->n; i++)
            if (!enc_value(e, t->items[i], json_array_get(v, i), depth + 1))
                return false;
        return true;
    }
    case K_ENUM: {
        const char *name = json_string_value(v);
        json_t *val = NULL;
        if (!name && json_is_object(v) && json_object_size(v) == 1) {
            void *it = json_object_iter(v);
            name = json_object_iter_key(it);
            val = json_object_iter_value(it);
        }
        for (size_t i = 0; name && i < t->n; i++) {
            if (strcmp(name, t->names[i]))
                continue;
            gb_scale_put_u8(&e->b, (uint8_t)i);
            if (!t->items[i]) {
                if (val && !json_is_null(val)) {
                    seterr(e->err, e->errlen, "variant %s has no value", name);
                    return false;
                }
                return true;
            }
            if (!val) {
                seterr(e->err, e->errlen, "variant %s needs a value: "
                       "{\"%s\": ...}", name, name);
                return false;
            }
            return enc_value(e, t->items[i], val, depth + 1);
        }
        char list[200] = "";
        for (size_t i = 0; i < t->n && strlen(list) < 150; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     i ? ", " : "", t->names[i]);
        seterr(e->err, e->errlen, "expected a variant (%s)%s%s%s", list,
               name ? ", not '" : "", name ? name : "", name ? "'" : "");
        return false;
    }
    }
    return false;
}

bool cli_scale_encode(const cli_type *t, json_t *v, uint8_t **buf,
                      size_t *len, char *err, size_t errlen)
{
    enc e = {.err = err, .errlen = errlen};
    gb_scale_buf_init(&e.b);
    if (*buf && *len)
        gb_scale_put_raw(&e.b, *buf, *len);
    if (!enc_value(&e, t, v, 0)) {
        gb_scale_buf_free(&e.b);
        return false;
    }
    uint8_t *out;
    size_t n;
    if (gb_scale_buf_take(&e.b, &out, &n)) {
        seterr(err, errlen, "out of memory");
        return false;
    }
    free(*buf);
    *buf = out;
    *len = n;
    return true;
}

/* ---- decode ------------------------------------------------------------- */

typedef struct dec {
    gb_scale_reader r;
    char *err;
    size_t errlen;
} dec;

static json_t *short_input(dec *d, const char *what)
{
    seterr(d->err, d->errlen, "the payload ends inside %s (at byte %zu)",
           what, d->r.pos);
    return NULL;
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 3);
    if (!s)
        return NULL;
    s[0] = '0';
    s[1] = 'x';
    gb_hex_encode(p, n, s + 2);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *dec_value(dec *d, const cli_type *t, int depth)
{
    if (depth > MAX_DEPTH) {
        seterr(d->err, d->errlen, "value nested too deep");
        return NULL;
    }
    const uint8_t *raw;
    uint64_t n;
    uint8_t b;
    switch (t->kind) {
    case K_REF:
        return dec_value(d, t->to, depth + 1);
    case K_BOOL:
        if (gb_scale_get_u8(&d->r, &b))
            return short_input(d, "a bool");
        if (b > 1) {
            seterr(d->err, d->errlen, "byte %zu: %u is not a bool",
                   d->r.pos - 1, b);
            return NULL;
        }
        return json_boolean(b);
    case K_CHAR: {
        uint32_t cp;
        if (gb_scale_get_u32(&d->r, &cp))
            return short_input(d, "a char");
        char s[5] = {0};
        if (cp < 0x80) {
            s[0] = (char)cp;
        } else if (cp < 0x800) {
            s[0] = (char)(0xc0 | cp >> 6);
            s[1] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            s[0] = (char)(0xe0 | cp >> 12);
            s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
            s[2] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x110000) {
            s[0] = (char)(0xf0 | cp >> 18);
            s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
            s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
            s[3] = (char)(0x80 | (cp & 0x3f));
        }
        json_t *j = json_string(s);
        if (!j)
            seterr(d->err, d->errlen, "%u is not a character", cp);
        return j;
    }
    case K_STR: {
        if (gb_scale_get_compact(&d->r, gb_scale_left(&d->r), &n) ||
            gb_scale_get_raw(&d->r, (size_t)n, &raw))
            return short_input(d, "a string");
        json_t *j = json_stringn((const char *)raw, (size_t)n);
        if (!j)
            seterr(d->err, d->errlen, "a string that is not UTF-8");
        return j;
    }
    case K_UINT:
    case K_INT:
    case K_NAT:
        if (gb_scale_get_raw(&d->r, t->width, &raw))
            return short_input(d, "an integer");
        return dec_int(t, raw);
    case K_HASH:
        if (gb_scale_get_raw(&d->r, t->width, &raw))
            return short_input(d, "an id");
        return hex_json(raw, t->width);
    case K_NULL:
        return json_null();
    case K_VEC:
    case K_ARRAY: {
        if (t->kind == K_ARRAY)
            n = t->width;
        else if (gb_scale_get_compact(&d->r, gb_scale_left(&d->r), &n))
            return short_input(d, "a vector's length");
        if (u8_item(t)) {
            if (gb_scale_get_raw(&d->r, (size_t)n, &raw))
                return short_input(d, "bytes");
            return hex_json(raw, (size_t)n);
        }
        json_t *a = json_array();
        for (uint64_t i = 0; a && i < n; i++) {
            json_t *x = dec_value(d, t->items[0], depth + 1);
            if (!x) {
                json_decref(a);
                return NULL;
            }
            json_array_append_new(a, x);
        }
        return a;
    }
    case K_OPT:
        if (gb_scale_get_u8(&d->r, &b))
            return short_input(d, "an option");
        if (b > 1) {
            seterr(d->err, d->errlen, "byte %zu: %u is not an option tag",
                   d->r.pos - 1, b);
            return NULL;
        }
        return b ? dec_value(d, t->items[0], depth + 1) : json_null();
    case K_RESULT: {
        if (gb_scale_get_u8(&d->r, &b))
            return short_input(d, "a result");
        if (b > 1) {
            seterr(d->err, d->errlen, "byte %zu: %u is not a result tag",
                   d->r.pos - 1, b);
            return NULL;
        }
        json_t *x = dec_value(d, t->items[b], depth + 1);
        return x ? json_pack("{s:o}", b ? "err" : "ok", x) : NULL;
    }
    case K_MAP: {
        if (gb_scale_get_compact(&d->r, gb_scale_left(&d->r), &n))
            return short_input(d, "a map's length");
        json_t *a = json_array();
        for (uint64_t i = 0; a && i < n; i++) {
            json_t *k = dec_value(d, t->items[0], depth + 1);
            json_t *x = k ? dec_value(d, t->items[1], depth + 1) : NULL;
            if (!x) {
                json_decref(k);
                json_decref(a);
                return NULL;
            }
            json_array_append_new(a, json_pack("[o,o]", k, x));
        }
        return a;
    }
    case K_TUPLE:
    case K_STRUCT: {
        bool named = t->kind == K_STRUCT && t->n && t->names[0];
        json_t *o = named ? json_object() : json_array();
        for (size_t i = 0; o && i < t->n; i++) {
            json_t *x = dec_value(d, t->items[i], depth + 1);
            if (!x) {
                json_decref(o);
                return NULL;
            }
            if (named)
                json_object_set_new(o, t->names[i], x);
            else
                json_array_append_new(o, x);
        }
        return o;
    }
    case K_ENUM:
        if (gb_scale_get_u8(&d->r, &b))
            return short_input(d, "an enum");
        if (b >= t->n) {
            seterr(d->err, d->errlen, "byte %zu: variant %u of an enum of "
                   "%zu", d->r.pos - 1, b, t->n);
            return NULL;
        }
        if (!t->items[b])
            return json_string(t->names[b]);
        json_t *x = dec_value(d, t->items[b], depth + 1);
        return x ? json_pack("{s:o}", t->names[b], x) : NULL;
    }
    return NULL;
}

static json_t *decode_all(const cli_type *t, dec *d)
{
    json_t *v = dec_value(d, t, 0);
    if (v && gb_scale_left(&d->r)) {
        seterr(d->err, d->errlen, "%zu bytes left over after the value",
               gb_scale_left(&d->r));
        json_decref(v);
        return NULL;
    }
    return v;
}

json_t *cli_scale_decode(const cli_type *t, const uint8_t *p, size_t len,
                         char *err, size_t errlen)
{
    dec d = {.err = err, .errlen = errlen};
    gb_scale_reader_init(&d.r, p, len);
    return decode_all(t, &d);
}

/* ---- IDL ---------------------------------------------------------------- */

typedef struct named_type {
    char *name;
    cli_type *t;
} named_type;

typedef struct service {
    char *name;
    cli_idl_func *funcs;
    size_t nfuncs, capfuncs;
    cli_type *events; /* an enum of the events */
} service;

struct cli_idl {
    cli_types *ts;
    named_type *types;
    size_t ntypes, captypes;
    cli_idl_func *ctors;
    size_t nctors, capctors;
    service *services;
    size_t nservices, capservices;
};

static void func_free(cli_idl_func *f)
{
    free(f->service);
    free(f->name);
    for (size_t i = 0; i < f->nparams; i++)
        free(f->pnames[i]);
    free(f->pnames);
    free(f->ptypes);
}

void cli_idl_free(cli_idl *idl)
{
    if (!idl)
        return;
    for (size_t i = 0; i < idl->ntypes; i++)
        free(idl->types[i].name);
    free(idl->types);
    for (size_t i = 0; i < idl->nctors; i++)
        func_free(&idl->ctors[i]);
    free(idl->ctors);
    for (size_t i = 0; i < idl->nservices; i++) {
        for (size_t k = 0; k < idl->services[i].nfuncs; k++)
            func_free(&idl->services[i].funcs[k]);
        free(idl->services[i].funcs);
        free(idl->services[i].name);
    }
    free(idl->services);
    cli_types_free(idl->ts);
    free(idl);
}

/* "Name : (p: T, ...)" [-> T] into f. */
static bool parse_func(parser *p, cli_idl_func *f, bool ctor)
{
    if (p->lx.kind != 'i')
        return fail(p, ctor ? "a constructor name" : "a method name");
    if (!(f->name = take_name(p)))
        return oom(p);
    if (!expect(p, ':', "':'") || !expect(p, '(', "'('"))
        return false;
    while (p->lx.kind != ')') {
        if (p->lx.kind != 'i')
            return fail(p, "a parameter name");
        char *pn = take_name(p);
        if (!pn)
            return oom(p);
        char **np = realloc(f->pnames, (f->nparams + 1) * sizeof *np);
        if (np)
            f->pnames = np;
        cli_type **nt = realloc(f->ptypes, (f->nparams + 1) * sizeof *nt);
        if (nt)
            f->ptypes = nt;
        if (!np || !nt) {
            free(pn);
            return oom(p);
        }
        f->pnames[f->nparams] = pn;
        f->ptypes[f->nparams] = NULL;
        f->nparams++;
        if (!expect(p, ':', "':'"))
            return false;
        if (!(f->ptypes[f->nparams - 1] = parse_type(p, 0)))
            return false;
        if (p->lx.kind == ',')
            lex_next(&p->lx);
        else if (p->lx.kind != ')')
            return fail(p, "',' or ')'");
    }
    lex_next(&p->lx);
    if (ctor)
        return true;
    if (!expect(p, 'a', "'->' and the result type"))
        return false;
    return (f->out = parse_type(p, 0)) != NULL;
}

static bool parse_service(parser *p, cli_idl *idl)
{
    service s = {0};
    if (p->lx.kind == 'i') {
        if (!(s.name = take_name(p)))
            return oom(p);
    } else if (!(s.name = strdup(""))) {
        return oom(p);
    }
    if (!CLI_PUSH(idl->services, idl->nservices, idl->capservices, s)) {
        free(s.name);
        return oom(p);
    }
    service *sv = &idl->services[idl->nservices - 1];
    if (!expect(p, '{', "'{'"))
        return false;
    while (p->lx.kind != '}') {
        if (lex_is(&p->lx, "events")) {
            lex save = p->lx;
            lex_next(&p->lx);
            if (p->lx.kind == '{') {
                if (!(sv->events = type_new(p->ts, K_ENUM, 0)))
                    return oom(p);
                if (!parse_variants(p, sv->events, ';', 0))
                    return false;
                if (p->lx.kind == ';')
                    lex_next(&p->lx);
                continue;
            }
            p->lx = save;
        }
        cli_idl_func f = {0};
        if (lex_is(&p->lx, "query")) {
            lex save = p->lx;
            lex_next(&p->lx);
            if (p->lx.kind == 'i')
                f.query = true;
            else
                p->lx = save;
        }
        if (!(f.service = strdup(sv->name)) ||
            !CLI_PUSH(sv->funcs, sv->nfuncs, sv->capfuncs, f)) {
            free(f.service);
            return oom(p);
        }
        if (!parse_func(p, &sv->funcs[sv->nfuncs - 1], false) ||
            !expect(p, ';', "';'"))
            return false;
    }
    lex_next(&p->lx);
    return true;
}

static bool resolve(cli_idl *idl, char *err, size_t errlen)
{
    for (size_t i = 0; i < idl->ts->n; i++) {
        cli_type *t = idl->ts->all[i];
        if (t->kind != K_REF)
            continue;
        for (size_t k = 0; k < idl->ntypes && !t->to; k++)
            if (!strcmp(idl->types[k].name, t->ref))
                t->to = idl->types[k].t;
        if (!t->to) {
            seterr(err, errlen, "unknown type '%s' (not a built-in type nor "
                   "defined with 'type %s = ...')", t->ref, t->ref);
            return false;
        }
    }
    /* a chain of references that never reaches a definition */
    for (size_t i = 0; i < idl->ts->n; i++) {
        const cli_type *t = idl->ts->all[i];
        int hops = 0;
        while (t->kind == K_REF && hops++ < 1000)
            t = t->to;
        if (t->kind == K_REF) {
            seterr(err, errlen, "type '%s' is defined only by itself",
                   idl->ts->all[i]->ref);
            return false;
        }
    }
    return true;
}

cli_idl *cli_idl_parse(const char *text, char *err, size_t errlen)
{
    cli_idl *idl = calloc(1, sizeof *idl);
    if (!idl || !(idl->ts = cli_types_new())) {
        free(idl);
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    parser p = {.lx = {.s = text, .line = 1}, .ts = idl->ts, .idl = true,
                .err = err, .errlen = errlen};
    lex_next(&p.lx);
    while (p.lx.kind) {
        if (lex_is(&p.lx, "type")) {
            lex_next(&p.lx);
            if (p.lx.kind != 'i') {
                fail(&p, "a type name");
                goto fail;
            }
            named_type nt = {.name = take_name(&p)};
            if (!nt.name || !CLI_PUSH(idl->types, idl->ntypes, idl->captypes,
                                      nt)) {
                free(nt.name);
                oom(&p);
                goto fail;
            }
            if (p.lx.kind == '<') {
                fail(&p, "'=' (generic types are not supported)");
                goto fail;
            }
            if (!expect(&p, '=', "'='") ||
                !(idl->types[idl->ntypes - 1].t = parse_type(&p, 0)))
                goto fail;
        } else if (lex_is(&p.lx, "constructor")) {
            lex_next(&p.lx);
            if (!expect(&p, '{', "'{'"))
                goto fail;
            while (p.lx.kind != '}') {
                cli_idl_func f = {0};
                if (!CLI_PUSH(idl->ctors, idl->nctors, idl->capctors, f)) {
                    oom(&p);
                    goto fail;
                }
                if (!parse_func(&p, &idl->ctors[idl->nctors - 1], true) ||
                    !expect(&p, ';', "';'"))
                    goto fail;
            }
            lex_next(&p.lx);
        } else if (lex_is(&p.lx, "service")) {
            lex_next(&p.lx);
            if (!parse_service(&p, idl))
                goto fail;
        } else {
            fail(&p, "'type', 'constructor' or 'service'");
            goto fail;
        }
        if (p.lx.kind == ';')
            lex_next(&p.lx);
    }
    if (!resolve(idl, err, errlen))
        goto fail;
    return idl;
fail:
    cli_idl_free(idl);
    return NULL;
}

cli_idl *cli_idl_load(const char *path, char *err, size_t errlen)
{
    uint8_t *text;
    size_t len;
    if (cli_read_file(path, &text, &len)) {
        seterr(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    if (strlen((char *)text) != len) {
        free(text);
        seterr(err, errlen, "%s: a NUL byte in an IDL file", path);
        return NULL;
    }
    char inner[400];
    cli_idl *idl = cli_idl_parse((char *)text, inner, sizeof inner);
    free(text);
    if (!idl)
        seterr(err, errlen, "%s: %s", path, inner);
    return idl;
}

static void list_names(char *out, size_t outlen, const cli_idl_func *fs,
                       size_t n)
{
    out[0] = 0;
    for (size_t i = 0; i < n && strlen(out) + 40 < outlen; i++)
        snprintf(out + strlen(out), outlen - strlen(out), "%s%s",
                 i ? ", " : "", fs[i].name);
    if (!n)
        snprintf(out, outlen, "none");
}

const cli_idl_func *cli_idl_find(const cli_idl *idl, const char *route_in,
                                 bool ctor, char *err, size_t errlen)
{
    char route[200];
    const cli_idl_func *f = NULL;
    char list[300];
    snprintf(route, sizeof route, "%s", route_in);
    if (ctor) {
        for (size_t i = 0; i < idl->nctors && !f; i++)
            if (!strcmp(idl->ctors[i].name, route))
                f = &idl->ctors[i];
        if (!f) {
            list_names(list, sizeof list, idl->ctors, idl->nctors);
            seterr(err, errlen, "no constructor '%s' in the IDL (its "
                   "constructors: %s)", route, list);
        }
        return f;
    }
    char *slash = strchr(route, '/');
    if (!slash) {
        seterr(err, errlen, "'%s': expected Service/Method", route);
        return NULL;
    }
    *slash = 0;
    const service *sv = NULL;
    for (size_t i = 0; i < idl->nservices && !sv; i++)
        if (!strcmp(idl->services[i].name, route))
            sv = &idl->services[i];
    if (!sv) {
        list[0] = 0;
        for (size_t i = 0; i < idl->nservices && strlen(list) < 250; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list),
                     "%s%s", i ? ", " : "", idl->services[i].name);
        seterr(err, errlen, "no service '%s' in the IDL (its services: "
               "%s)", route, idl->nservices ? list : "none");
        return NULL;
    }
    for (size_t i = 0; i < sv->nfuncs && !f; i++)
        if (!strcmp(sv->funcs[i].name, slash + 1))
            f = &sv->funcs[i];
    if (!f) {
        list_names(list, sizeof list, sv->funcs, sv->nfuncs);
        seterr(err, errlen, "service %s has no method '%s' (its methods: "
               "%s)", route, slash + 1, list);
    }
    return f;
}

bool cli_idl_encode(const cli_idl *idl, const char *call, bool ctor,
                    uint8_t **out, uint32_t *len, const cli_idl_func **fn,
                    char *err, size_t errlen)
{
    size_t rl = strcspn(call, " \t\n");
    const char *args = call + rl;
    char route[200];
    if (rl == 0 || rl >= sizeof route) {
        seterr(err, errlen, "expected %s and the arguments as JSON",
               ctor ? "a constructor name" : "Service/Method");
        return false;
    }
    memcpy(route, call, rl);
    route[rl] = 0;
    const cli_idl_func *f = cli_idl_find(idl, route, ctor, err, errlen);
    if (!f)
        return false;
    while (*args == ' ' || *args == '\t' || *args == '\n')
        args++;
    json_t *a;
    if (!*args) {
        a = json_array();
    } else {
        json_error_t je;
        a = json_loads(args, JSON_DECODE_ANY, &je);
        if (!a) {
            seterr(err, errlen, "the arguments of %s are not JSON: %s "
                   "(column %d)", f->name, je.text, je.column);
            return false;
        }
        if (!json_is_array(a) || (f->nparams == 1 && json_array_size(a) != 1 &&
                                  json_array_size(a) != 0)) {
            json_t *w = json_array();
            json_array_append_new(w, a);
            a = w;
        }
    }
    if (json_array_size(a) != f->nparams) {
        seterr(err, errlen, "%s takes %zu argument%s, given %zu", f->name,
               f->nparams, f->nparams == 1 ? "" : "s", json_array_size(a));
        json_decref(a);
        return false;
    }
    gb_scale_buf b;
    gb_scale_buf_init(&b);
    if (!ctor) {
        gb_scale_put_compact(&b, strlen(f->service));
        gb_scale_put_raw(&b, f->service, strlen(f->service));
    }
    gb_scale_put_compact(&b, strlen(f->name));
    gb_scale_put_raw(&b, f->name, strlen(f->name));
    uint8_t *buf;
    size_t n;
    if (gb_scale_buf_take(&b, &buf, &n)) {
        json_decref(a);
        seterr(err, errlen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < f->nparams; i++) {
        char inner[300];
        if (!cli_scale_encode(f->ptypes[i], json_array_get(a, i), &buf, &n,
                              inner, sizeof inner)) {
            seterr(err, errlen, "argument %s of %s: %s", f->pnames[i],
                   f->name, inner);
            free(buf);
            json_decref(a);
            return false;
        }
    }
    json_decref(a);
    if (n > UINT32_MAX) {
        free(buf);
        seterr(err, errlen, "payload too large");
        return false;
    }
    *out = buf;
    *len = (uint32_t)n;
    *fn = f;
    return true;
}

/* The SCALE string s at the reader, or false. */
static bool read_str_eq(gb_scale_reader *r, const char *s)
{
    uint64_t n;
    const uint8_t *raw;
    return !gb_scale_get_compact(r, gb_scale_left(r), &n) &&
           n == strlen(s) && !gb_scale_get_raw(r, (size_t)n, &raw) &&
           !memcmp(raw, s, (size_t)n);
}

json_t *cli_idl_decode_reply(const cli_idl *idl, const cli_idl_func *fn,
                             const uint8_t *p, size_t len, char *err,
                             size_t errlen)
{
    (void)idl;
    dec d = {.err = err, .errlen = errlen};
    gb_scale_reader_init(&d.r, p, len);
    if (!fn->service) { /* a constructor: its route, or nothing */
        if (len == 0 || (read_str_eq(&d.r, fn->name) && !gb_scale_left(&d.r)))
            return json_null();
        seterr(err, errlen, "not the reply of constructor %s", fn->name);
        return NULL;
    }
    if (!read_str_eq(&d.r, fn->service) || !read_str_eq(&d.r, fn->name)) {
        seterr(err, errlen, "the reply does not start with the route %s/%s",
               fn->service, fn->name);
        return NULL;
    }
    return decode_all(fn->out, &d);
}

json_t *cli_idl_decode_event(const cli_idl *idl, const uint8_t *p,
                             size_t len)
{
    for (size_t i = 0; i < idl->nservices; i++) {
        const service *sv = &idl->services[i];
        if (!sv->events)
            continue;
        for (size_t k = 0; k < sv->events->n; k++) {
            char err[200];
            dec d = {.err = err, .errlen = sizeof err};
            gb_scale_reader_init(&d.r, p, len);
            if (!read_str_eq(&d.r, sv->name) ||
                !read_str_eq(&d.r, sv->events->names[k]))
                continue;
            const cli_type *t = sv->events->items[k];
            json_t *v = t ? decode_all(t, &d) : json_null();
            if (!t && gb_scale_left(&d.r))
                v = NULL;
            if (!v)
                continue;
            return json_pack("{s:s,s:s,s:o}", "service", sv->name, "event",
                             sv->events->names[k], "data", v);
        }
    }
    return NULL;
}
