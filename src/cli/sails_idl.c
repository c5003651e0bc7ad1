/*
 * Sails IDL files (see sails.h): a file parsed with the lexer and type
 * parser of sails.c into named types, constructors and services; calls
 * encoded with their route, replies and events decoded by it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/sails.h"
#include "cli/sails_int.h"

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
        return sails_fail(p, ctor ? "a constructor name" : "a method name");
    if (!(f->name = sails_take_name(p)))
        return sails_oom(p);
    if (!sails_expect(p, ':', "':'") || !sails_expect(p, '(', "'('"))
        return false;
    while (p->lx.kind != ')') {
        if (p->lx.kind != 'i')
            return sails_fail(p, "a parameter name");
        char *pn = sails_take_name(p);
        if (!pn)
            return sails_oom(p);
        char **np = realloc(f->pnames, (f->nparams + 1) * sizeof *np);
        if (np)
            f->pnames = np;
        cli_type **nt = realloc(f->ptypes, (f->nparams + 1) * sizeof *nt);
        if (nt)
            f->ptypes = nt;
        if (!np || !nt) {
            free(pn);
            return sails_oom(p);
        }
        f->pnames[f->nparams] = pn;
        f->ptypes[f->nparams] = NULL;
        f->nparams++;
        if (!sails_expect(p, ':', "':'"))
            return false;
        if (!(f->ptypes[f->nparams - 1] = sails_parse_type(p, 0)))
            return false;
        if (p->lx.kind == ',')
            sails_lex_next(&p->lx);
        else if (p->lx.kind != ')')
            return sails_fail(p, "',' or ')'");
    }
    sails_lex_next(&p->lx);
    if (ctor)
        return true;
    if (!sails_expect(p, 'a', "'->' and the result type"))
        return false;
    return (f->out = sails_parse_type(p, 0)) != NULL;
}

static bool parse_service(parser *p, cli_idl *idl)
{
    service s = {0};
    if (p->lx.kind == 'i') {
        if (!(s.name = sails_take_name(p)))
            return sails_oom(p);
    } else if (!(s.name = strdup(""))) {
        return sails_oom(p);
    }
    if (!CLI_PUSH(idl->services, idl->nservices, idl->capservices, s)) {
        free(s.name);
        return sails_oom(p);
    }
    service *sv = &idl->services[idl->nservices - 1];
    if (!sails_expect(p, '{', "'{'"))
        return false;
    while (p->lx.kind != '}') {
        if (sails_lex_is(&p->lx, "events")) {
            lex save = p->lx;
            sails_lex_next(&p->lx);
            if (p->lx.kind == '{') {
                if (!(sv->events = sails_type_new(p->ts, K_ENUM, 0)))
                    return sails_oom(p);
                if (!sails_parse_variants(p, sv->events, ';', 0))
                    return false;
                if (p->lx.kind == ';')
                    sails_lex_next(&p->lx);
                continue;
            }
            p->lx = save;
        }
        cli_idl_func f = {0};
        if (sails_lex_is(&p->lx, "query")) {
            lex save = p->lx;
            sails_lex_next(&p->lx);
            if (p->lx.kind == 'i')
                f.query = true;
            else
                p->lx = save;
        }
        if (!(f.service = strdup(sv->name)) ||
            !CLI_PUSH(sv->funcs, sv->nfuncs, sv->capfuncs, f)) {
            free(f.service);
            return sails_oom(p);
        }
        if (!parse_func(p, &sv->funcs[sv->nfuncs - 1], false) ||
            !sails_expect(p, ';', "';'"))
            return false;
    }
    sails_lex_next(&p->lx);
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
            sails_seterr(err, errlen, "unknown type '%s' (not a built-in type nor "
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
            sails_seterr(err, errlen, "type '%s' is defined only by itself",
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
        sails_seterr(err, errlen, "out of memory");
        return NULL;
    }
    parser p = {.lx = {.s = text, .line = 1}, .ts = idl->ts, .idl = true,
                .err = err, .errlen = errlen};
    sails_lex_next(&p.lx);
    while (p.lx.kind) {
        if (sails_lex_is(&p.lx, "type")) {
            sails_lex_next(&p.lx);
            if (p.lx.kind != 'i') {
                sails_fail(&p, "a type name");
                goto fail;
            }
            named_type nt = {.name = sails_take_name(&p)};
            if (!nt.name || !CLI_PUSH(idl->types, idl->ntypes, idl->captypes,
                                      nt)) {
                free(nt.name);
                sails_oom(&p);
                goto fail;
            }
            if (p.lx.kind == '<') {
                sails_fail(&p, "'=' (generic types are not supported)");
                goto fail;
            }
            if (!sails_expect(&p, '=', "'='") ||
                !(idl->types[idl->ntypes - 1].t = sails_parse_type(&p, 0)))
                goto fail;
        } else if (sails_lex_is(&p.lx, "constructor")) {
            sails_lex_next(&p.lx);
            if (!sails_expect(&p, '{', "'{'"))
                goto fail;
            while (p.lx.kind != '}') {
                cli_idl_func f = {0};
                if (!CLI_PUSH(idl->ctors, idl->nctors, idl->capctors, f)) {
                    sails_oom(&p);
                    goto fail;
                }
                if (!parse_func(&p, &idl->ctors[idl->nctors - 1], true) ||
                    !sails_expect(&p, ';', "';'"))
                    goto fail;
            }
            sails_lex_next(&p.lx);
        } else if (sails_lex_is(&p.lx, "service")) {
            sails_lex_next(&p.lx);
            if (!parse_service(&p, idl))
                goto fail;
        } else {
            sails_fail(&p, "'type', 'constructor' or 'service'");
            goto fail;
        }
        if (p.lx.kind == ';')
            sails_lex_next(&p.lx);
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
        sails_seterr(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    if (strlen((char *)text) != len) {
        free(text);
        sails_seterr(err, errlen, "%s: a NUL byte in an IDL file", path);
        return NULL;
    }
    char inner[400];
    cli_idl *idl = cli_idl_parse((char *)text, inner, sizeof inner);
    free(text);
    if (!idl)
        sails_seterr(err, errlen, "%s: %s", path, inner);
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
            sails_seterr(err, errlen, "no constructor '%s' in the IDL (its "
                   "constructors: %s)", route, list);
        }
        return f;
    }
    char *slash = strchr(route, '/');
    if (!slash) {
        sails_seterr(err, errlen, "'%s': expected Service/Method", route);
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
        sails_seterr(err, errlen, "no service '%s' in the IDL (its services: "
               "%s)", route, idl->nservices ? list : "none");
        return NULL;
    }
    for (size_t i = 0; i < sv->nfuncs && !f; i++)
        if (!strcmp(sv->funcs[i].name, slash + 1))
            f = &sv->funcs[i];
    if (!f) {
        list_names(list, sizeof list, sv->funcs, sv->nfuncs);
        sails_seterr(err, errlen, "service %s has no method '%s' (its methods: "
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
        sails_seterr(err, errlen, "expected %s and the arguments as JSON",
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
            sails_seterr(err, errlen, "the arguments of %s are not JSON: %s "
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
        sails_seterr(err, errlen, "%s takes %zu argument%s, given %zu", f->name,
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
        sails_seterr(err, errlen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < f->nparams; i++) {
        char inner[300];
        if (!cli_scale_encode(f->ptypes[i], json_array_get(a, i), &buf, &n,
                              inner, sizeof inner)) {
            sails_seterr(err, errlen, "argument %s of %s: %s", f->pnames[i],
                   f->name, inner);
            free(buf);
            json_decref(a);
            return false;
        }
    }
    json_decref(a);
    if (n > UINT32_MAX) {
        free(buf);
        sails_seterr(err, errlen, "payload too large");
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
        sails_seterr(err, errlen, "not the reply of constructor %s", fn->name);
        return NULL;
    }
    if (!read_str_eq(&d.r, fn->service) || !read_str_eq(&d.r, fn->name)) {
        sails_seterr(err, errlen, "the reply does not start with the route %s/%s",
               fn->service, fn->name);
        return NULL;
    }
    return sails_decode_all(fn->out, &d);
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
            json_t *v = t ? sails_decode_all(t, &d) : json_null();
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
