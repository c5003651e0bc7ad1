/*
 * Internals shared by sails.c (the type tree, the lexer and type parser,
 * the SCALE encoder and decoder) and sails_idl.c (IDL files, which use the
 * same lexer, parser and decoder).  Only src/cli/sails*.c include this.
 */
#ifndef GB_CLI_SAILS_INT_H
#define GB_CLI_SAILS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cli/sails.h"
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

typedef struct lex {
    const char *s;
    size_t pos;
    int line;
    int kind; /* 'i' identifier, 'n' number, 'a' "->", a punctuation
                 character, 0 at the end, '?' a bad character */
    char tok[128];
} lex;

typedef struct parser {
    lex lx;
    cli_types *ts;
    bool idl; /* named types allowed (references) */
    char *err;
    size_t errlen;
} parser;

typedef struct dec {
    gb_scale_reader r;
    char *err;
    size_t errlen;
} dec;

/* printf into err[0, errlen). */
void sails_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A new type of kind k owned by ts; NULL when out of memory. */
cli_type *sails_type_new(cli_types *ts, tkind k, uint32_t width);

/* The lexer: the next token into lx; whether it is the word given. */
void sails_lex_next(lex *lx);
bool sails_lex_is(const lex *lx, const char *word);

/* The parser's errors (always false): "expected what", out of memory. */
bool sails_fail(parser *p, const char *what);
/* Take a token of kind, or fail saying what was expected. */
bool sails_expect(parser *p, int kind, const char *what);
bool sails_oom(parser *p);
/* A type expression at the lexer; NULL on error (p->err says). */
cli_type *sails_parse_type(parser *p, int depth);
/* Enum variants up to the closing sep into t. */
bool sails_parse_variants(parser *p, cli_type *t, int sep, int depth);
/* The identifier at the lexer, malloc'ed (NULL: not one, or no memory). */
char *sails_take_name(parser *p);

/* The value of type t from the whole of d's input (bytes left over are an
 * error); NULL on error (d->err says). */
json_t *sails_decode_all(const cli_type *t, dec *d);

#endif
