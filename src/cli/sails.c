/*
 * SCALE types with a JSON form (see sails.h); Sails IDL files are read in
 * sails_idl.c, with the lexer and parser here (sails_int.h).
 *
 * One small lexer serves both the --scale type expressions and IDL files;
 * one recursive parser turns type syntax into a tree of cli_type (named
 * IDL types are references resolved after the whole file is read); one
 * encoder and one decoder walk that tree against JSON values.  Integers
 * of every width go through the same little-endian byte arithmetic
 * (at most 256 bits), so u256 and i128 need no special cases.
 */
#include "cli/sails.h"
#include "cli/sails_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "util/hex.h"
#include "util/scale.h"


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

cli_type *sails_type_new(cli_types *ts, tkind k, uint32_t width)
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

void sails_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- lexer -------------------------------------------------------------- */


void sails_lex_next(lex *lx)
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

bool sails_lex_is(const lex *lx, const char *word)
{
    return lx->kind == 'i' && !strcmp(lx->tok, word);
}


bool sails_fail(parser *p, const char *what)
{
    if (p->idl)
        sails_seterr(p->err, p->errlen, "line %d: expected %s, found '%s'",
               p->lx.line, what, p->lx.tok);
    else
        sails_seterr(p->err, p->errlen, "expected %s, found '%s'", what, p->lx.tok);
    return false;
}

bool sails_expect(parser *p, int kind, const char *what)
{
    if (p->lx.kind != kind)
        return sails_fail(p, what);
    sails_lex_next(&p->lx);
    return true;
}

bool sails_oom(parser *p)
{
    sails_seterr(p->err, p->errlen, "out of memory");
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

/* "(" T "," T ")" into t's items. */
static bool parse_pair(parser *p, cli_type *t, int depth)
{
    if (!sails_expect(p, '(', "'('"))
        return false;
    cli_type *a = sails_parse_type(p, depth + 1);
    if (!a || !sails_expect(p, ',', "','"))
        return false;
    cli_type *b = sails_parse_type(p, depth + 1);
    if (!b || !sails_expect(p, ')', "')'"))
        return false;
    return type_add(t, a, NULL) && type_add(t, b, NULL) ? true : sails_oom(p);
}

char *sails_take_name(parser *p)
{
    char *n = strdup(p->lx.tok);
    if (n)
        sails_lex_next(&p->lx);
    return n;
}

/* "{" fields "}": name: T or T, separated by ','. */
static bool parse_struct(parser *p, cli_type *t, int depth)
{
    if (!sails_expect(p, '{', "'{'"))
        return false;
    int named = -1;
    while (p->lx.kind != '}') {
        char *name = NULL;
        lex save = p->lx;
        if (p->lx.kind == 'i') {
            sails_lex_next(&p->lx);
            if (p->lx.kind == ':') {
                name = strdup(save.tok);
                if (!name)
                    return sails_oom(p);
                sails_lex_next(&p->lx);
            } else {
                p->lx = save;
            }
        }
        if (named >= 0 && named != (name != NULL)) {
            free(name);
            sails_seterr(p->err, p->errlen, "line %d: a struct with named and "
                   "unnamed fields", p->lx.line);
            return false;
        }
        named = name != NULL;
        cli_type *f = sails_parse_type(p, depth + 1);
        if (!f) {
            free(name);
            return false;
        }
        if (!type_add(t, f, name)) {
            free(name);
            return sails_oom(p);
        }
        if (p->lx.kind == ',')
            sails_lex_next(&p->lx);
        else if (p->lx.kind != '}')
            return sails_fail(p, "',' or '}'");
    }
    sails_lex_next(&p->lx);
    return true;
}

/* Variants: Name or Name: T, separated by sep, up to '}'. */
bool sails_parse_variants(parser *p, cli_type *t, int sep, int depth)
{
    if (!sails_expect(p, '{', "'{'"))
        return false;
    while (p->lx.kind != '}') {
        if (p->lx.kind != 'i')
            return sails_fail(p, "a variant name");
        char *name = sails_take_name(p);
        if (!name)
            return sails_oom(p);
        cli_type *v = NULL;
        if (p->lx.kind == ':') {
            sails_lex_next(&p->lx);
            if (!(v = sails_parse_type(p, depth + 1))) {
                free(name);
                return false;
            }
        }
        if (t->n >= 256) {
            free(name);
            sails_seterr(p->err, p->errlen, "an enum of more than 256 variants");
            return false;
        }
        if (!type_add(t, v, name)) {
            free(name);
            return sails_oom(p);
        }
        if (p->lx.kind == sep)
            sails_lex_next(&p->lx);
        else if (p->lx.kind != '}')
            return sails_fail(p, sep == ';' ? "';' or '}'" : "',' or '}'");
    }
    sails_lex_next(&p->lx);
    return true;
}

cli_type *sails_parse_type(parser *p, int depth)
{
    if (depth > MAX_DEPTH) {
        sails_seterr(p->err, p->errlen, "types nested too deep");
        return NULL;
    }
    lex *lx = &p->lx;
    cli_type *t;
    if (lx->kind == '[') {
        sails_lex_next(lx);
        cli_type *item = sails_parse_type(p, depth + 1);
        if (!item)
            return NULL;
        if (lx->kind != ',' && lx->kind != ';')
            return sails_fail(p, "';' and the length"), NULL;
        sails_lex_next(lx);
        char *end;
        errno = 0;
        unsigned long n = strtoul(lx->tok, &end, 10);
        if (lx->kind != 'n' || *end || errno || n > (1u << 20))
            return sails_fail(p, "an array length (0 to 1048576)"), NULL;
        sails_lex_next(lx);
        if (!sails_expect(p, ']', "']'"))
            return NULL;
        if (!(t = sails_type_new(p->ts, K_ARRAY, (uint32_t)n)) ||
            !type_add(t, item, NULL))
            return sails_oom(p), NULL;
        return t;
    }
    if (lx->kind == '(') {
        sails_lex_next(lx);
        if (!(t = sails_type_new(p->ts, K_TUPLE, 0)))
            return sails_oom(p), NULL;
        while (lx->kind != ')') {
            cli_type *item = sails_parse_type(p, depth + 1);
            if (!item)
                return NULL;
            if (!type_add(t, item, NULL))
                return sails_oom(p), NULL;
            if (lx->kind == ',')
                sails_lex_next(lx);
            else if (lx->kind != ')')
                return sails_fail(p, "',' or ')'"), NULL;
        }
        sails_lex_next(lx);
        if (t->n == 0)
            t->kind = K_NULL;
        else if (t->n == 1)
            return t->items[0];
        return t;
    }
    if (lx->kind != 'i')
        return sails_fail(p, "a type"), NULL;
    for (size_t i = 0; i < sizeof prims / sizeof *prims; i++)
        if (!strcmp(lx->tok, prims[i].name)) {
            sails_lex_next(lx);
            if (!(t = sails_type_new(p->ts, prims[i].kind, prims[i].width)))
                return sails_oom(p), NULL;
            return t;
        }
    if (sails_lex_is(lx, "bytes")) {
        sails_lex_next(lx);
        cli_type *u8 = sails_type_new(p->ts, K_UINT, 1);
        if (!u8 || !(t = sails_type_new(p->ts, K_VEC, 0)) || !type_add(t, u8, NULL))
            return sails_oom(p), NULL;
        return t;
    }
    if (sails_lex_is(lx, "vec") || sails_lex_is(lx, "opt")) {
        tkind k = sails_lex_is(lx, "vec") ? K_VEC : K_OPT;
        sails_lex_next(lx);
        cli_type *item = sails_parse_type(p, depth + 1);
        if (!item)
            return NULL;
        if (!(t = sails_type_new(p->ts, k, 0)) || !type_add(t, item, NULL))
            return sails_oom(p), NULL;
        return t;
    }
    if (sails_lex_is(lx, "result") || sails_lex_is(lx, "map")) {
        tkind k = sails_lex_is(lx, "result") ? K_RESULT : K_MAP;
        sails_lex_next(lx);
        if (!(t = sails_type_new(p->ts, k, 0)))
            return sails_oom(p), NULL;
        return parse_pair(p, t, depth) ? t : NULL;
    }
    if (sails_lex_is(lx, "struct")) {
        sails_lex_next(lx);
        if (!(t = sails_type_new(p->ts, K_STRUCT, 0)))
            return sails_oom(p), NULL;
        return parse_struct(p, t, depth) ? t : NULL;
    }
    if (sails_lex_is(lx, "enum")) {
        sails_lex_next(lx);
        if (!(t = sails_type_new(p->ts, K_ENUM, 0)))
            return sails_oom(p), NULL;
        return sails_parse_variants(p, t, ',', depth) ? t : NULL;
    }
    if (!p->idl) {
        sails_seterr(p->err, p->errlen, "unknown type '%s' (u8 ... u128, i8 ... "
               "i128, u256, bool, char, str, bytes, h256, actor_id, [T; N], "
               "vec T, opt T, result (T, E), map (K, V), (T1, T2, ...))",
               lx->tok);
        return NULL;
    }
    if (!(t = sails_type_new(p->ts, K_REF, 0)) || !(t->ref = strdup(lx->tok)))
        return sails_oom(p), NULL;
    sails_lex_next(lx);
    return t;
}

cli_type *cli_scale_parse(cli_types *ts, const char *expr, char *err,
                          size_t errlen)
{
    parser p = {.lx = {.s = expr, .line = 1}, .ts = ts, .err = err,
                .errlen = errlen};
    sails_lex_next(&p.lx);
    cli_type *t = sails_parse_type(&p, 0);
    if (t && p.lx.kind != 0) {
        sails_fail(&p, "the end of the type");
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
        sails_seterr(err, errlen, "expected an integer (a number, or a decimal "
               "string), found %s", json_is_real(v) ? "a fraction" :
               json_is_null(v) ? "null" : "another JSON value");
        return false;
    }
    const char *names[] = {[K_UINT] = "u", [K_INT] = "i", [K_NAT] = "nat"};
    unsigned bits = t->width * 8;
    if (!dec_parse(text, mag, &neg)) {
        sails_seterr(err, errlen, "'%s' is not a decimal integer", text);
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
        sails_seterr(err, errlen, "%s does not fit %s%u%s", text, names[t->kind],
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
        sails_seterr(e->err, e->errlen, "out of memory");
        return false;
    }
    if (gb_hex_decode(s, b, sl / 2 + 1, &got)) {
        free(b);
        sails_seterr(e->err, e->errlen, "'%.80s' is not hex: 0x and an even number "
               "of hex digits", s);
        return false;
    }
    if (n >= 0 && got != (size_t)n) {
        free(b);
        sails_seterr(e->err, e->errlen, "'%.80s' has %zu bytes, expected %ld", s,
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
            sails_seterr(e->err, e->errlen, "item %zu: %s", i, tail);
            (void)l;
            return false;
        }
    }
    return true;
}

static bool enc_value(enc *e, const cli_type *t, json_t *v, int depth)
{
    if (depth > MAX_DEPTH) {
        sails_seterr(e->err, e->errlen, "value nested too deep");
        return false;
    }
    uint8_t ib[32];
    switch (t->kind) {
    case K_REF:
        return enc_value(e, t->to, v, depth + 1);
    case K_BOOL:
        if (!json_is_boolean(v)) {
            sails_seterr(e->err, e->errlen, "expected true or false");
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
            sails_seterr(e->err, e->errlen, "expected a string of one character");
            return false;
        }
        gb_scale_put_u32(&e->b, cp);
        return true;
    }
    case K_STR:
        if (!json_is_string(v)) {
            sails_seterr(e->err, e->errlen, "expected a string");
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
            sails_seterr(e->err, e->errlen, "expected 0x and %u hex digits",
                   t->width * 2);
            return false;
        }
        return enc_hex(e, json_string_value(v), t->width);
    case K_NULL:
        if (!json_is_null(v)) {
            sails_seterr(e->err, e->errlen, "expected null");
            return false;
        }
        return true;
    case K_VEC:
    case K_ARRAY: {
        long n = t->kind == K_ARRAY ? (long)t->width : -1;
        if (json_is_string(v) && u8_item(t))
            return enc_hex(e, json_string_value(v), n);
        if (!json_is_array(v)) {
            sails_seterr(e->err, e->errlen, "expected an array%s",
                   u8_item(t) ? " or 0x hex" : "");
            return false;
        }
        if (n >= 0 && json_array_size(v) != (size_t)n) {
            sails_seterr(e->err, e->errlen, "expected %ld items, found %zu", n,
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
            sails_seterr(e->err, e->errlen, "expected {\"ok\": value} or "
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
            sails_seterr(e->err, e->errlen, "expected an array of [key, value] "
                   "pairs");
            return false;
        }
        gb_scale_put_compact(&e->b, json_array_size(v));
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (json_array_size(x) != 2) {
                sails_seterr(e->err, e->errlen, "expected [key, value] pairs");
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
                sails_seterr(e->err, e->errlen, "expected an object with the "
                       "fields %s%s", t->names[0], t->n > 1 ? ", ..." : "");
                return false;
            }
            for (size_t i = 0; i < t->n; i++) {
                json_t *x = json_object_get(v, t->names[i]);
                if (!x) {
                    sails_seterr(e->err, e->errlen, "field '%s' missing",
                           t->names[i]);
                    return false;
                }
                if (!enc_value(e, t->items[i], x, depth + 1)) {
                    char tail[300];
                    snprintf(tail, sizeof tail, "%s", e->err);
                    sails_seterr(e->err, e->errlen, "field '%s': %s", t->names[i],
                           tail);
                    return false;
                }
            }
            if (json_object_size(v) != t->n) {
                sails_seterr(e->err, e->errlen, "fields other than the %zu of the "
                       "struct", t->n);
                return false;
            }
            return true;
        }
        if (t->n == 1 && !json_is_array(v))
            return enc_value(e, t->items[0], v, depth + 1);
        if (!json_is_array(v) || json_array_size(v) != t->n) {
            sails_seterr(e->err, e->errlen, "expected an array of %zu items", t->n);
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
                    sails_seterr(e->err, e->errlen, "variant %s has no value", name);
                    return false;
                }
                return true;
            }
            if (!val) {
                sails_seterr(e->err, e->errlen, "variant %s needs a value: "
                       "{\"%s\": ...}", name, name);
                return false;
            }
            return enc_value(e, t->items[i], val, depth + 1);
        }
        char list[200] = "";
        for (size_t i = 0; i < t->n && strlen(list) < 150; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     i ? ", " : "", t->names[i]);
        sails_seterr(e->err, e->errlen, "expected a variant (%s)%s%s%s", list,
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
        sails_seterr(err, errlen, "out of memory");
        return false;
    }
    free(*buf);
    *buf = out;
    *len = n;
    return true;
}

/* ---- decode ------------------------------------------------------------- */


static json_t *short_input(dec *d, const char *what)
{
    sails_seterr(d->err, d->errlen, "the payload ends inside %s (at byte %zu)",
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
        sails_seterr(d->err, d->errlen, "value nested too deep");
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
            sails_seterr(d->err, d->errlen, "byte %zu: %u is not a bool",
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
            sails_seterr(d->err, d->errlen, "%u is not a character", cp);
        return j;
    }
    case K_STR: {
        if (gb_scale_get_compact(&d->r, gb_scale_left(&d->r), &n) ||
            gb_scale_get_raw(&d->r, (size_t)n, &raw))
            return short_input(d, "a string");
        json_t *j = json_stringn((const char *)raw, (size_t)n);
        if (!j)
            sails_seterr(d->err, d->errlen, "a string that is not UTF-8");
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
            sails_seterr(d->err, d->errlen, "byte %zu: %u is not an option tag",
                   d->r.pos - 1, b);
            return NULL;
        }
        return b ? dec_value(d, t->items[0], depth + 1) : json_null();
    case K_RESULT: {
        if (gb_scale_get_u8(&d->r, &b))
            return short_input(d, "a result");
        if (b > 1) {
            sails_seterr(d->err, d->errlen, "byte %zu: %u is not a result tag",
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
            sails_seterr(d->err, d->errlen, "byte %zu: variant %u of an enum of "
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

json_t *sails_decode_all(const cli_type *t, dec *d)
{
    json_t *v = dec_value(d, t, 0);
    if (v && gb_scale_left(&d->r)) {
        sails_seterr(d->err, d->errlen, "%zu bytes left over after the value",
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
    return sails_decode_all(t, &d);
}
