/*
 * The spec-suite runner proper: executes the commands of one JSON file made
 * by wast2json (see spec_run.h), through the engine's public API only.
 *
 * Modules are loaded and instantiated in one store per file and linked
 * against the "spectest" host module and against instances registered
 * under a name; actions are invoked and their results or traps compared
 * with what the file asserts, as the reference interpreter's harness does.
 * Every command counts once: passed, failed, or skipped (text-format
 * modules in assert_malformed, which wast2json cannot turn into binaries,
 * and values of types the engine does not run, such as v128).
 *
 * The engine under test may misbehave: nothing here trusts a result count,
 * a pointer or an error code beyond what the API promises, and everything
 * the runner makes is freed before it returns.
 */
#include "cli/spec_run.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli_util.h"
#include "gearbox/wasm.h"
#include "cli/parse.h"

#define GAS_UNLIMITED ((uint64_t)1 << 62) /* effectively unlimited, with room
                                            for the engine's arithmetic */

typedef struct named {
    const char *name; /* borrowed from the JSON */
    size_t len;
    gb_instance *inst;
} named;

typedef struct spectest_item {
    const char *name;
    gb_extern ext;
    bool ok; /* the engine made it */
} spectest_item;

enum { SPECTEST_N = 13 };

typedef struct runner {
    const spec_sink *sink;
    bool strict;
    int tier;      /* gb_wasm_tier of every module loaded */
    const char *dir; /* where the JSON and its modules are */
    unsigned line;   /* of the current command */
    gb_store *store;
    gb_module **mods; /* every module loaded: they outlive the store */
    size_t nmods, capmods;
    named *names; /* "$name" -> instance, later ones shadow earlier */
    size_t nnames, capnames;
    named *regs; /* registered module names -> instance */
    size_t nregs, capregs;
    gb_instance *current;
    spectest_item spectest[SPECTEST_N];
} runner;

static void emit(runner *r, char kind, const char *fmt, va_list ap)
{
    char buf[1200];
    int n = 0;
    if (kind == 'F')
        n = snprintf(buf, sizeof buf, "line %u: ", r->line);
    if (fmt)
        vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    else
        buf[n] = 0;
    for (char *p = buf; *p; p++) /* one event, one line */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (r->sink->fd < 0) {
        char ev[1300];
        snprintf(ev, sizeof ev, "%c %s", kind, buf);
        r->sink->fn(r->sink->user, ev);
        return;
    }
    char ev[1300];
    int len = snprintf(ev, sizeof ev, "%c %s\n", kind, buf);
    if (len < 0)
        return;
    if ((size_t)len >= sizeof ev) {
        len = (int)sizeof ev - 1;
        ev[len - 1] = '\n';
    }
    for (int off = 0; off < len;) {
        ssize_t w = write(r->sink->fd, ev + off, (size_t)(len - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the parent is gone; nothing to report to */
        off += (int)w;
    }
}

static void ev(runner *r, char kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ev(runner *r, char kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(r, kind, fmt, ap);
    va_end(ap);
}

#define PASS(r) ev(r, 'P', "%s", "")
#define FAIL(r, ...) ev(r, 'F', __VA_ARGS__)
#define SKIP(r, ...) ev(r, 'S', __VA_ARGS__)
#define NOTE(r, ...) ev(r, 'N', __VA_ARGS__)

/* ---- a small string builder for messages ----------------------------- */

typedef struct sbuf {
    char s[1024];
    size_t n;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->n >= sizeof b->s - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
    va_end(ap);
    if (w > 0)
        b->n += (size_t)w < sizeof b->s - b->n ? (size_t)w
                                                 : sizeof b->s - 1 - b->n;
}

/* A name as it may be printed: quoted, non-printable bytes escaped. */
static void sb_name(sbuf *b, const char *s, size_t len)
{
    sb_add(b, "\"");
    for (size_t i = 0; i < len && i < 64; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            sb_add(b, "%c", c);
        else
            sb_add(b, "\\%02x", c);
    }
    if (len > 64)
        sb_add(b, "...");
    sb_add(b, "\"");
}

/* ---- values ------------------------------------------------------------ */

enum vkind { V_EXACT, V_NAN_CANONICAL, V_NAN_ARITHMETIC, V_NONNULL };

typedef struct wval {
    uint8_t type;
    enum vkind kind;
    gb_val v;
} wval;

static const char *type_name(uint8_t t)
{
    switch (t) {
    case GB_I32: return "i32";
    case GB_I64: return "i64";
    case GB_F32: return "f32";
    case GB_F64: return "f64";
    case GB_V128: return "v128";
    case GB_FUNCREF: return "funcref";
    case GB_EXTERNREF: return "externref";
    }
    return "?";
}

static void sb_val(sbuf *b, const wval *w)
{
    const char *tn = type_name(w->type);
    if (w->kind == V_NAN_CANONICAL) {
        sb_add(b, "%s:nan:canonical", tn);
        return;
    }
    if (w->kind == V_NAN_ARITHMETIC) {
        sb_add(b, "%s:nan:arithmetic", tn);
        return;
    }
    switch (w->type) {
    case GB_I32:
        sb_add(b, "i32:%" PRId32, (int32_t)(uint32_t)w->v);
        break;
    case GB_I64:
        sb_add(b, "i64:%" PRId64, (int64_t)w->v);
        break;
    case GB_F32: {
        uint32_t bits = (uint32_t)w->v;
        float f;
        memcpy(&f, &bits, sizeof f);
        sb_add(b, "f32:%.9g (0x%08" PRIx32 ")", (double)f, bits);
        break;
    }
    case GB_F64: {
        double d;
        memcpy(&d, &w->v, sizeof d);
        sb_add(b, "f64:%.17g (0x%016" PRIx64 ")", d, w->v);
        break;
    }
    case GB_FUNCREF:
    case GB_EXTERNREF:
        if (w->kind == V_NONNULL)
            sb_add(b, "%s:non-null", tn);
        else if (w->v == 0)
            sb_add(b, "%s:null", tn);
        else if (w->type == GB_EXTERNREF)
            sb_add(b, "externref:%" PRIu64, w->v - 1);
        else
            sb_add(b, "funcref:0x%" PRIx64, w->v);
        break;
    default:
        sb_add(b, "%s:0x%" PRIx64, tn, w->v);
    }
}

enum { JV_OK, JV_SKIP, JV_BAD };

/*
 * A value of the JSON ({"type": ..., "value": ...}); as an expected result
 * (expected = true) NaN patterns and a non-null funcref are allowed.
 * Returns JV_SKIP for types the engine does not run (v128) and JV_BAD for
 * JSON the runner does not understand; why says what.
 */
static int json_val(json_t *j, bool expected, wval *out, sbuf *why)
{
    const char *ty = json_string_value(json_object_get(j, "type"));
    json_t *jv = json_object_get(j, "value");
    const char *vs = json_string_value(jv);
    memset(out, 0, sizeof *out);
    if (!ty) {
        sb_add(why, "value without a type");
        return JV_BAD;
    }
    if (strcmp(ty, "v128") == 0) {
        sb_add(why, "v128 value");
        return JV_SKIP;
    }
    if (!vs) {
        sb_add(why, "%s value is not a string", ty);
        return strcmp(ty, "i32") && strcmp(ty, "i64") && strcmp(ty, "f32") &&
                       strcmp(ty, "f64") && strcmp(ty, "funcref") &&
                       strcmp(ty, "externref")
                   ? JV_SKIP
                   : JV_BAD;
    }
    unsigned bits = 0;
    if (strcmp(ty, "i32") == 0) {
        out->type = GB_I32, bits = 32;
    } else if (strcmp(ty, "i64") == 0) {
        out->type = GB_I64, bits = 64;
    } else if (strcmp(ty, "f32") == 0) {
        out->type = GB_F32, bits = 32;
    } else if (strcmp(ty, "f64") == 0) {
        out->type = GB_F64, bits = 64;
    } else if (strcmp(ty, "funcref") == 0 || strcmp(ty, "externref") == 0) {
        out->type = ty[0] == 'f' ? GB_FUNCREF : GB_EXTERNREF;
        if (strcmp(vs, "null") == 0)
            return JV_OK;
        uint64_t n;
        if (gb_parse_u64(vs, &n) != GB_OK || n == UINT64_MAX) {
            sb_add(why, "bad %s value '%s'", ty, vs);
            return JV_BAD;
        }
        if (out->type == GB_EXTERNREF) {
            out->v = n + 1; /* (ref.extern N): our cell N+1, never 0 */
            return JV_OK;
        }
        if (expected) {
            out->kind = V_NONNULL;
            return JV_OK;
        }
        sb_add(why, "a non-null funcref argument");
        return JV_SKIP;
    } else {
        sb_add(why, "value of type %s", ty);
        return JV_SKIP;
    }
    if (expected && (out->type == GB_F32 || out->type == GB_F64)) {
        if (strcmp(vs, "nan:canonical") == 0) {
            out->kind = V_NAN_CANONICAL;
            return JV_OK;
        }
        if (strcmp(vs, "nan:arithmetic") == 0) {
            out->kind = V_NAN_ARITHMETIC;
            return JV_OK;
        }
    }
    if (gb_parse_int_bits(vs, bits, &out->v) != GB_OK) {
        sb_add(why, "bad %s value '%s'", ty, vs);
        return JV_BAD;
    }
    return JV_OK;
}

/* Does result got (of the function's declared type) match expected? */
static bool val_matches(const wval *want, uint8_t got_type, gb_val got)
{
    if (want->type != got_type)
        return false;
    switch (want->type) {
    case GB_I32:
        return (uint32_t)got == (uint32_t)want->v;
    case GB_F32: {
        uint32_t g = (uint32_t)got;
        if (want->kind == V_NAN_CANONICAL)
            return (g & 0x7fffffffu) == 0x7fc00000u;
        if (want->kind == V_NAN_ARITHMETIC)
            return (g & 0x7fc00000u) == 0x7fc00000u;
        return g == (uint32_t)want->v;
    }
    case GB_F64:
        if (want->kind == V_NAN_CANONICAL)
            return (got & 0x7fffffffffffffffu) == 0x7ff8000000000000u;
        if (want->kind == V_NAN_ARITHMETIC)
            return (got & 0x7ff8000000000000u) == 0x7ff8000000000000u;
        return got == want->v;
    case GB_FUNCREF:
        if (want->kind == V_NONNULL)
            return got != 0;
        return got == want->v;
    default:
        return got == want->v;
    }
}

/* ---- spectest: the host module every spec file may import -------------- */

static gb_err nop_fn(gb_host_ctx *ctx, void *user, const gb_val *args,
                     gb_val *results)
{
    return GB_OK;
}

static void spectest_make(runner *r)
{
    static const uint8_t t_i32[] = { GB_I32 }, t_i64[] = { GB_I64 },
                         t_f32[] = { GB_F32 }, t_f64[] = { GB_F64 },
                         t_i32_f32[] = { GB_I32, GB_F32 },
                         t_f64_f64[] = { GB_F64, GB_F64 };
    static const struct {
        const char *name;
        uint32_t n;
        const uint8_t *params;
    } funcs[] = {
        { "print", 0, NULL },           { "print_i32", 1, t_i32 },
        { "print_i64", 1, t_i64 },      { "print_f32", 1, t_f32 },
        { "print_f64", 1, t_f64 },      { "print_i32_f32", 2, t_i32_f32 },
        { "print_f64_f64", 2, t_f64_f64 },
    };
    size_t k = 0;
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++, k++) {
        gb_functype ft = { funcs[i].n, 0, funcs[i].params, NULL };
        spectest_item *it = &r->spectest[k];
        it->name = funcs[i].name;
        it->ext.kind = GB_EXTERN_FUNC;
        it->ok = gb_func_new_host(r->store, &ft, nop_fn, NULL,
                                  &it->ext.u.func) == GB_OK;
    }
    float f666 = 666.0f;
    double d666 = 666.0;
    uint32_t f666b;
    gb_val d666b;
    memcpy(&f666b, &f666, sizeof f666b);
    memcpy(&d666b, &d666, sizeof d666b);
    static const char *gnames[] = { "global_i32", "global_i64", "global_f32",
                                    "global_f64" };
    const uint8_t gtypes[] = { GB_I32, GB_I64, GB_F32, GB_F64 };
    const gb_val ginit[] = { 666, 666, f666b, d666b };
    for (size_t i = 0; i < 4; i++, k++) {
        spectest_item *it = &r->spectest[k];
        gb_globaltype gt = { gtypes[i], false };
        it->name = gnames[i];
        it->ext.kind = GB_EXTERN_GLOBAL;
        it->ok = gb_global_new(r->store, gt, ginit[i], &it->ext.u.global) ==
                 GB_OK;
    }
    spectest_item *tab = &r->spectest[k++];
    gb_tabletype tt = { GB_FUNCREF, { 10, 20, true } };
    tab->name = "table";
    tab->ext.kind = GB_EXTERN_TABLE;
    tab->ok = gb_table_new(r->store, tt, 0, &tab->ext.u.table) == GB_OK;
    spectest_item *mem = &r->spectest[k++];
    gb_limits ml = { 1, 2, true };
    mem->name = "memory";
    mem->ext.kind = GB_EXTERN_MEMORY;
    mem->ok = gb_memory_new(r->store, ml, &mem->ext.u.memory) == GB_OK;
}

/* ---- modules and instances ---------------------------------------------- */

static gb_instance *find_named(named *v, size_t n, const char *name,
                               size_t len)
{
    for (size_t i = n; i-- > 0;)
        if (v[i].len == len && memcmp(v[i].name, name, len) == 0)
            return v[i].inst;
    return NULL;
}

/* The instance an action or register names ("$M"), or the current one. */
static gb_instance *instance_for(runner *r, json_t *name_j, sbuf *why)
{
    const char *name = json_string_value(name_j);
    if (!name) {
        if (!r->current)
            sb_add(why, "no current module (the last one failed)");
        return r->current;
    }
    gb_instance *inst =
        find_named(r->names, r->nnames, name, json_string_length(name_j));
    if (!inst)
        sb_add(why, "no module named %s", name);
    return inst;
}

/* Load the module file of a command.  On failure, detail says why. */
static gb_err load_module(runner *r, const char *file, gb_module **out,
                          char *detail, size_t dlen)
{
    char path[PATH_MAX];
    uint8_t *bytes = NULL;
    size_t len = 0;
    *out = NULL;
    detail[0] = 0;
    if (!file) {
        snprintf(detail, dlen, "command has no filename");
        return GB_INVAL;
    }
    snprintf(path, sizeof path, "%s/%s", r->dir, file);
    gb_err err = cli_read_file(path, &bytes, &len);
    if (err != GB_OK) {
        snprintf(detail, dlen, "cannot read %s: %s", file,
                 err == GB_IO ? strerror(errno) : gb_err_str(err));
        return GB_IO;
    }
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    cfg.tier = (uint8_t)r->tier;
    gb_module *m = NULL;
    err = gb_module_load(&cfg, bytes, len, &m, detail, dlen);
    free(bytes);
    if (err == GB_OK && !m) {
        snprintf(detail, dlen, "gb_module_load returned no module");
        return GB_INVAL;
    }
    if (err != GB_OK) {
        gb_module_free(m);
        return err == GB_OK ? GB_INVAL : err;
    }
    if (!CLI_PUSH(r->mods, r->nmods, r->capmods, m)) {
        gb_module_free(m);
        snprintf(detail, dlen, "out of memory");
        return GB_NOMEM;
    }
    *out = m;
    return GB_OK;
}

/*
 * Resolve m's imports against registered instances and spectest, then
 * instantiate.  An import that cannot be found is GB_LINK, as the engine
 * would report a mismatched one.
 */
static gb_err instantiate(runner *r, const gb_module *m, gb_instance **out,
                          char *detail, size_t dlen)
{
    uint32_t n = gb_module_import_count(m);
    gb_extern *imps = calloc(n ? n : 1, sizeof *imps);
    *out = NULL;
    detail[0] = 0;
    if (!imps) {
        snprintf(detail, dlen, "out of memory");
        return GB_NOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        gb_import_desc d;
        memset(&d, 0, sizeof d);
        gb_module_import(m, i, &d);
        gb_instance *from =
            find_named(r->regs, r->nregs, d.module, d.module_len);
        bool found = false;
        if (from) {
            found = gb_instance_export(from, d.name, d.name_len, &imps[i]) ==
                    GB_OK;
        } else if (d.module_len == 8 && memcmp(d.module, "spectest", 8) == 0) {
            for (size_t k = 0; k < SPECTEST_N; k++) {
                spectest_item *it = &r->spectest[k];
                if (it->ok && strlen(it->name) == d.name_len &&
                    memcmp(it->name, d.name, d.name_len) == 0) {
                    imps[i] = it->ext;
                    found = true;
                }
            }
        }
        if (!found) {
            sbuf b = { .n = 0 };
            sb_add(&b, "unknown import ");
            sb_name(&b, d.module, d.module_len);
            sb_add(&b, ".");
            sb_name(&b, d.name, d.name_len);
            size_t k = b.n < dlen ? b.n : dlen - 1;
            memcpy(detail, b.s, k);
            detail[k] = 0;
            free(imps);
            return GB_LINK;
        }
    }
    gb_store_set_gas(r->store, GAS_UNLIMITED);
    gb_instance *inst = NULL;
    gb_err err = gb_instantiate(r->store, m, imps, n, &inst, detail, dlen);
    free(imps);
    if (err == GB_OK && !inst) {
        snprintf(detail, dlen, "gb_instantiate returned no instance");
        return GB_INVAL;
    }
    if (err != GB_OK && gb_err_is_trap(err))
        snprintf(detail, dlen, "%s", gb_store_trap_message(r->store));
    *out = err == GB_OK ? inst : NULL;
    return err;
}

/* ---- actions ---------------------------------------------------------- */

enum { ACT_OK, ACT_TRAP, ACT_ERROR, ACT_SKIP };

typedef struct act_out {
    gb_err err;   /* ACT_TRAP: the code */
    uint32_t n;   /* results */
    const uint8_t *types;
    gb_val *vals; /* malloc'd, n of them */
    uint8_t global_type;
    sbuf why;    /* ACT_ERROR, ACT_SKIP */
    sbuf what;   /* the action, for messages */
} act_out;

/* Run an invoke or get.  out->what describes it either way. */
static int run_action(runner *r, json_t *a, act_out *out)
{
    memset(out, 0, sizeof *out);
    const char *type = json_string_value(json_object_get(a, "type"));
    json_t *field_j = json_object_get(a, "field");
    const char *field = json_string_value(field_j);
    size_t flen = json_string_length(field_j);
    json_t *args = json_object_get(a, "args");
    size_t nargs = json_array_size(args);

    if (!type || !field) {
        sb_add(&out->what, "action");
        sb_add(&out->why, "action without type or field");
        return ACT_ERROR;
    }
    sb_add(&out->what, "%s ", type);
    sb_name(&out->what, field, flen);
    if (strcmp(type, "invoke") == 0) {
        sb_add(&out->what, "(");
        for (size_t i = 0; i < nargs; i++) {
            wval w;
            sbuf junk = { .n = 0 };
            if (i)
                sb_add(&out->what, ", ");
            if (json_val(json_array_get(args, i), false, &w, &junk) == JV_OK)
                sb_val(&out->what, &w);
            else
                sb_add(&out->what, "?");
        }
        sb_add(&out->what, ")");
    }

    gb_instance *inst = instance_for(r, json_object_get(a, "module"),
                                     &out->why);
    if (!inst)
        return ACT_ERROR;
    gb_extern ex;
    memset(&ex, 0, sizeof ex);
    if (gb_instance_export(inst, field, flen, &ex) != GB_OK) {
        sb_add(&out->why, "no such export");
        return ACT_ERROR;
    }

    if (strcmp(type, "get") == 0) {
        if (ex.kind != GB_EXTERN_GLOBAL || !ex.u.global) {
            sb_add(&out->why, "export is not a global");
            return ACT_ERROR;
        }
        out->vals = malloc(sizeof *out->vals);
        if (!out->vals) {
            sb_add(&out->why, "out of memory");
            return ACT_ERROR;
        }
        out->global_type = gb_global_type(ex.u.global).type;
        out->types = &out->global_type;
        out->vals[0] = gb_global_get(ex.u.global);
        out->n = 1;
        return ACT_OK;
    }
    if (strcmp(type, "invoke") != 0) {
        sb_add(&out->why, "unknown action type");
        return ACT_SKIP;
    }
    if (ex.kind != GB_EXTERN_FUNC || !ex.u.func) {
        sb_add(&out->why, "export is not a function");
        return ACT_ERROR;
    }
    const gb_functype *ft = gb_func_type(ex.u.func);
    if (!ft) {
        sb_add(&out->why, "gb_func_type returned NULL");
        return ACT_ERROR;
    }
    if (ft->nparams != nargs) {
        sb_add(&out->why, "function takes %u arguments, %zu given",
               ft->nparams, nargs);
        return ACT_ERROR;
    }
    gb_val *params = calloc(nargs ? nargs : 1, sizeof *params);
    out->vals = calloc(ft->nresults ? ft->nresults : 1, sizeof *out->vals);
    if (!params || !out->vals) {
        free(params);
        sb_add(&out->why, "out of memory");
        return ACT_ERROR;
    }
    for (size_t i = 0; i < nargs; i++) {
        wval w;
        int rc = json_val(json_array_get(args, i), false, &w, &out->why);
        if (rc != JV_OK) {
            free(params);
            return rc == JV_SKIP ? ACT_SKIP : ACT_ERROR;
        }
        if (w.type != ft->params[i]) {
            sb_add(&out->why, "argument %zu is %s, the function takes %s", i,
                   type_name(w.type), type_name(ft->params[i]));
            free(params);
            return ACT_ERROR;
        }
        params[i] = w.v;
    }
    gb_store_set_gas(r->store, GAS_UNLIMITED);
    out->err = gb_func_call(r->store, ex.u.func, params, out->vals);
    free(params);
    if (out->err != GB_OK) {
        if (!gb_err_is_trap(out->err)) {
            sb_add(&out->why, "call returned %s, not a trap",
                   gb_err_name(out->err));
            return ACT_ERROR;
        }
        return ACT_TRAP;
    }
    out->n = ft->nresults;
    out->types = ft->results;
    return ACT_OK;
}

static void act_free(act_out *o)
{
    free(o->vals);
    o->vals = NULL;
}

/* ---- assertions ------------------------------------------------------------ */

/* The trap codes that an assert_trap message stands for (by prefix). */
static bool trap_matches(const char *text, gb_err got)
{
    static const struct {
        const char *text;
        gb_err a, b;
    } map[] = {
        { "unreachable", GB_TRAP_UNREACHABLE, GB_TRAP_UNREACHABLE },
        { "integer divide by zero", GB_TRAP_DIV_ZERO, GB_TRAP_DIV_ZERO },
        { "integer overflow", GB_TRAP_INT_OVERFLOW, GB_TRAP_INT_OVERFLOW },
        { "invalid conversion to integer", GB_TRAP_INVALID_CONV,
          GB_TRAP_INVALID_CONV },
        { "out of bounds memory access", GB_TRAP_MEM_OOB, GB_TRAP_MEM_OOB },
        { "out of bounds table access", GB_TRAP_TABLE_OOB,
          GB_TRAP_TABLE_OOB },
        { "undefined element", GB_TRAP_TABLE_OOB, GB_TRAP_UNINIT_ELEM },
        { "uninitialized element", GB_TRAP_UNINIT_ELEM,
          GB_TRAP_UNINIT_ELEM },
        { "indirect call type mismatch", GB_TRAP_INDIRECT_MISMATCH,
          GB_TRAP_INDIRECT_MISMATCH },
        { "call stack exhausted", GB_TRAP_STACK_EXHAUSTED,
          GB_TRAP_STACK_EXHAUSTED },
    };
    if (!text)
        return true;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strncmp(text, map[i].text, strlen(map[i].text)) == 0)
            return got == map[i].a || got == map[i].b;
    return true; /* a message we do not know: any trap will do */
}

static void do_assert_return(runner *r, json_t *cmd)
{
    act_out o;
    int rc = run_action(r, json_object_get(cmd, "action"), &o);
    json_t *exp = json_object_get(cmd, "expected");
    size_t nexp = json_array_size(exp);
    if (rc == ACT_SKIP) {
        SKIP(r, "line %u: %s: %s", r->line, o.what.s, o.why.s);
        goto out;
    }
    if (rc == ACT_ERROR) {
        FAIL(r, "assert_return %s: %s", o.what.s, o.why.s);
        goto out;
    }
    if (rc == ACT_TRAP) {
        FAIL(r, "assert_return %s: trapped: %s (%s)", o.what.s,
             gb_err_str(o.err), gb_store_trap_message(r->store));
        goto out;
    }
    if (nexp != o.n) {
        FAIL(r, "assert_return %s: expected %zu results, the function has %u",
             o.what.s, nexp, o.n);
        goto out;
    }
    for (size_t i = 0; i < nexp; i++) {
        wval w;
        sbuf why = { .n = 0 };
        int jr = json_val(json_array_get(exp, i), true, &w, &why);
        if (jr != JV_OK) {
            if (jr == JV_SKIP)
                SKIP(r, "line %u: %s: %s", r->line, o.what.s, why.s);
            else
                FAIL(r, "assert_return %s: %s", o.what.s, why.s);
            goto out;
        }
        if (!val_matches(&w, o.types[i], o.vals[i])) {
            sbuf b = { .n = 0 };
            wval got = { o.types[i], V_EXACT, o.vals[i] };
            sb_add(&b, "expected ");
            sb_val(&b, &w);
            sb_add(&b, ", got ");
            sb_val(&b, &got);
            FAIL(r, "assert_return %s: result %zu: %s", o.what.s, i, b.s);
            goto out;
        }
    }
    PASS(r);
out:
    act_free(&o);
}

static void do_assert_trap(runner *r, json_t *cmd, bool exhaustion)
{
    const char *kind = exhaustion ? "assert_exhaustion" : "assert_trap";
    const char *text = json_string_value(json_object_get(cmd, "text"));
    act_out o;
    int rc = run_action(r, json_object_get(cmd, "action"), &o);
    if (rc == ACT_SKIP) {
        SKIP(r, "line %u: %s: %s", r->line, o.what.s, o.why.s);
    } else if (rc == ACT_ERROR) {
        FAIL(r, "%s %s: %s", kind, o.what.s, o.why.s);
    } else if (rc == ACT_OK) {
        FAIL(r, "%s %s: returned instead of trapping (\"%s\")", kind,
             o.what.s, text ? text : "");
    } else if (exhaustion && o.err != GB_TRAP_STACK_EXHAUSTED) {
        FAIL(r, "%s %s: expected %s, got %s (%s)", kind, o.what.s,
             gb_err_name(GB_TRAP_STACK_EXHAUSTED), gb_err_name(o.err),
             gb_store_trap_message(r->store));
    } else if (!exhaustion && !trap_matches(text, o.err)) {
        if (r->strict)
            FAIL(r, "%s %s: expected \"%s\", got %s (%s)", kind, o.what.s,
                 text, gb_err_name(o.err), gb_store_trap_message(r->store));
        else {
            NOTE(r, "line %u: %s %s: expected \"%s\", got %s", r->line, kind,
                 o.what.s, text, gb_err_name(o.err));
            PASS(r);
        }
    } else {
        PASS(r);
    }
    act_free(&o);
}

static void do_action(runner *r, json_t *cmd)
{
    act_out o;
    int rc = run_action(r, json_object_get(cmd, "action"), &o);
    if (rc == ACT_SKIP)
        SKIP(r, "line %u: %s: %s", r->line, o.what.s, o.why.s);
    else if (rc == ACT_ERROR)
        FAIL(r, "action %s: %s", o.what.s, o.why.s);
    else if (rc == ACT_TRAP)
        FAIL(r, "action %s: trapped: %s (%s)", o.what.s, gb_err_str(o.err),
             gb_store_trap_message(r->store));
    else
        PASS(r);
    act_free(&o);
}

static void do_module(runner *r, json_t *cmd)
{
    const char *file = json_string_value(json_object_get(cmd, "filename"));
    json_t *name_j = json_object_get(cmd, "name");
    char detail[512];
    gb_module *m = NULL;
    gb_instance *inst = NULL;
    r->current = NULL;
    gb_err err = load_module(r, file, &m, detail, sizeof detail);
    if (err != GB_OK) {
        FAIL(r, "module %s: load failed: %s: %s", file ? file : "?",
             gb_err_name(err), detail);
        return;
    }
    err = instantiate(r, m, &inst, detail, sizeof detail);
    if (err != GB_OK) {
        FAIL(r, "module %s: instantiation failed: %s: %s", file,
             gb_err_name(err), detail);
        return;
    }
    r->current = inst;
    if (json_string_value(name_j)) {
        named nm = { json_string_value(name_j), json_string_length(name_j),
                     inst };
        if (!CLI_PUSH(r->names, r->nnames, r->capnames, nm)) {
            FAIL(r, "module %s: out of memory", file);
            return;
        }
    }
    PASS(r);
}

static void do_register(runner *r, json_t *cmd)
{
    json_t *as_j = json_object_get(cmd, "as");
    sbuf why = { .n = 0 };
    gb_instance *inst = instance_for(r, json_object_get(cmd, "name"), &why);
    if (!json_string_value(as_j)) {
        FAIL(r, "register: no \"as\" name");
        return;
    }
    if (!inst) {
        FAIL(r, "register \"%s\": %s", json_string_value(as_j), why.s);
        return;
    }
    named reg = { json_string_value(as_j), json_string_length(as_j), inst };
    if (!CLI_PUSH(r->regs, r->nregs, r->capregs, reg)) {
        FAIL(r, "register: out of memory");
        return;
    }
    PASS(r);
}

/* assert_invalid, assert_malformed: loading must fail. */
static void do_assert_bad_module(runner *r, json_t *cmd, const char *kind)
{
    const char *file = json_string_value(json_object_get(cmd, "filename"));
    const char *mtype = json_string_value(json_object_get(cmd, "module_type"));
    const char *text = json_string_value(json_object_get(cmd, "text"));
    char detail[512];
    gb_module *m = NULL;
    if (mtype && strcmp(mtype, "binary") != 0) {
        SKIP(r, "line %u: %s: %s module", r->line, kind, mtype);
        return;
    }
    gb_err err = load_module(r, file, &m, detail, sizeof detail);
    if (err == GB_OK) {
        FAIL(r, "%s %s: loaded, expected \"%s\"", kind, file ? file : "?",
             text ? text : "");
    } else if (err == GB_IO || (err == GB_INVAL && !file)) {
        FAIL(r, "%s: %s", kind, detail);
    } else {
        bool want_malformed = strcmp(kind, "assert_malformed") == 0;
        if ((err == GB_MALFORMED) != want_malformed)
            NOTE(r, "line %u: %s %s: got %s (%s), expected \"%s\"", r->line,
                 kind, file, gb_err_name(err), detail, text ? text : "");
        PASS(r);
    }
    /* a module that loaded stays in r->mods until the end */
}

/* assert_unlinkable, assert_uninstantiable, assert_trap on a module:
 * loading must work and instantiation fail. */
static void do_assert_bad_instance(runner *r, json_t *cmd, const char *kind,
                                   bool want_trap)
{
    const char *file = json_string_value(json_object_get(cmd, "filename"));
    const char *text = json_string_value(json_object_get(cmd, "text"));
    char detail[512];
    gb_module *m = NULL;
    gb_instance *inst = NULL;
    gb_err err = load_module(r, file, &m, detail, sizeof detail);
    if (err != GB_OK) {
        FAIL(r, "%s %s: load failed: %s: %s", kind, file ? file : "?",
             gb_err_name(err), detail);
        return;
    }
    err = instantiate(r, m, &inst, detail, sizeof detail);
    if (err == GB_OK) {
        FAIL(r, "%s %s: instantiated, expected \"%s\"", kind, file,
             text ? text : "");
        return;
    }
    if (want_trap && !gb_err_is_trap(err)) {
        FAIL(r, "%s %s: expected a trap (\"%s\"), got %s: %s", kind, file,
             text ? text : "", gb_err_name(err), detail);
        return;
    }
    if (want_trap && !trap_matches(text, err)) {
        if (r->strict) {
            FAIL(r, "%s %s: expected \"%s\", got %s (%s)", kind, file, text,
                 gb_err_name(err), detail);
            return;
        }
        NOTE(r, "line %u: %s %s: expected \"%s\", got %s", r->line, kind,
             file, text, gb_err_name(err));
    }
    if (!want_trap && err != GB_LINK) {
        if (r->strict) {
            FAIL(r, "%s %s: expected GB_LINK (\"%s\"), got %s: %s", kind,
                 file, text ? text : "", gb_err_name(err), detail);
            return;
        }
        NOTE(r, "line %u: %s %s: got %s, not GB_LINK", r->line, kind, file,
             gb_err_name(err));
    }
    PASS(r);
}

static void run_command(runner *r, json_t *cmd)
{
    const char *type = json_string_value(json_object_get(cmd, "type"));
    json_t *line_j = json_object_get(cmd, "line");
    r->line = json_is_integer(line_j) ? (unsigned)json_integer_value(line_j)
                                      : 0;
    ev(r, 'L', "%u", r->line);
    if (!type) {
        FAIL(r, "command without a type");
    } else if (strcmp(type, "module") == 0) {
        do_module(r, cmd);
    } else if (strcmp(type, "register") == 0) {
        do_register(r, cmd);
    } else if (strcmp(type, "action") == 0) {
        do_action(r, cmd);
    } else if (strcmp(type, "assert_return") == 0) {
        do_assert_return(r, cmd);
    } else if (strcmp(type, "assert_trap") == 0) {
        if (json_object_get(cmd, "action"))
            do_assert_trap(r, cmd, false);
        else
            do_assert_bad_instance(r, cmd, "assert_trap", true);
    } else if (strcmp(type, "assert_exhaustion") == 0) {
        do_assert_trap(r, cmd, true);
    } else if (strcmp(type, "assert_invalid") == 0 ||
               strcmp(type, "assert_malformed") == 0) {
        do_assert_bad_module(r, cmd, type);
    } else if (strcmp(type, "assert_unlinkable") == 0) {
        do_assert_bad_instance(r, cmd, type, false);
    } else if (strcmp(type, "assert_uninstantiable") == 0) {
        do_assert_bad_instance(r, cmd, type, true);
    } else {
        SKIP(r, "line %u: unknown command %s", r->line, type);
    }
}

void spec_run_json(const spec_sink *sink, bool strict, int tier,
                   const char *json_path,
                   const char *dir)
{
    runner rr, *r = &rr;
    memset(r, 0, sizeof *r);
    r->sink = sink;
    r->strict = strict;
    r->tier = tier;
    json_error_t jerr;
    json_t *root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
    json_t *cmds = json_object_get(root, "commands");
    r->dir = dir;
    if (!json_is_array(cmds)) {
        FAIL(r, "cannot read %s: %s", json_path,
             root ? "no commands" : jerr.text);
        goto out;
    }
    gb_err err = gb_store_new(NULL, &r->store);
    if (err != GB_OK || !r->store) {
        r->store = NULL;
        FAIL(r, "gb_store_new: %s", gb_err_name(err));
        goto out;
    }
    gb_store_set_gas(r->store, GAS_UNLIMITED);
    spectest_make(r);
    for (size_t i = 0; i < json_array_size(cmds); i++)
        run_command(r, json_array_get(cmds, i));
out:
    ev(r, 'E', "%s", "");
    gb_store_free(r->store);
    r->store = NULL;
    for (size_t i = 0; i < r->nmods; i++)
        gb_module_free(r->mods[i]);
    free(r->mods);
    free(r->names);
    free(r->regs);
    json_decref(root);
}

