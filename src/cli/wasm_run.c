/*
 * `gearbox wasm run FILE.wasm FUNC [ARGS...]`: load a module, instantiate
 * it, call one exported function and print its results, one per line.
 *
 * Arguments are parsed by the function's parameter types, as wasmtime and
 * wasm3 do: integers in decimal or 0x hex, negative allowed (i32 accepts
 * -2^31 .. 2^32-1); floats as decimal or hex floats, "nan", "inf", "-inf".
 *
 * Imports are satisfied by a tiny host environment so that a program
 * compiled from C, which imports nothing or a few things, still runs: every
 * function import does nothing and returns zeros, and every memory, table
 * or global import gets a fresh object of the declared type (zeroed).  Each
 * such stand-in is noted on stderr.
 *
 * Gas used goes to stderr, as does the time of the calls with
 * --invoke-count (the only use of the clock: the engine never reads one).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "gear/gas.h"
#include "gear/syscalls_table.h"
#include "gearbox/wasm.h"
#include "cli/parse.h"

static const char usage[] =
    "usage: gearbox wasm run FILE.wasm FUNC [ARGS...] [OPTIONS]\n"
    "\n"
    "Load FILE.wasm, call its exported function FUNC with ARGS and print\n"
    "each result on its own line; gas used goes to stderr.\n"
    "\n"
    "ARGS are parsed by FUNC's parameter types: i32/i64 in decimal or 0x\n"
    "hex (negative allowed), f32/f64 as decimal or hex floats, nan, inf,\n"
    "-inf.  Imports are stubbed: functions do nothing and return zeros;\n"
    "memories, tables and globals are created empty to match.\n"
    "\n"
    "options:\n"
    "  --gas N            gas limit (default: unlimited)\n"
    "  --no-meter         load the module without gas metering\n"
    "  --jit              run compiled to machine code (x86-64)\n"
    "  --interp           run in the interpreter\n"
    "  --schedule S       gas costs: vara (Vara's weights and Gear's metered\n"
    "                     blocks, as the chain charges), flat (gearbox's\n"
    "                     own: 1 per simple instruction) or auto (default:\n"
    "                     vara for a Gear program, one importing a gr_*\n"
    "                     syscall or alloc/free, else flat)\n"
    "  --invoke-count K   call FUNC K times, print the last results and\n"
    "                     the time of the calls on stderr\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit status: 0 ok, 1 load error or trap, 2 bad usage\n";

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

static const char *kind_name(gb_externkind k)
{
    switch (k) {
    case GB_EXTERN_FUNC: return "func";
    case GB_EXTERN_TABLE: return "table";
    case GB_EXTERN_MEMORY: return "memory";
    case GB_EXTERN_GLOBAL: return "global";
    }
    return "?";
}

static void print_signature(FILE *out, const char *name,
                            const gb_functype *ft)
{
    fprintf(out, "%s(", name);
    for (uint32_t i = 0; i < ft->nparams; i++)
        fprintf(out, "%s%s", i ? ", " : "", type_name(ft->params[i]));
    fprintf(out, ")");
    if (ft->nresults) {
        fprintf(out, " -> ");
        for (uint32_t i = 0; i < ft->nresults; i++)
            fprintf(out, "%s%s", i ? ", " : "", type_name(ft->results[i]));
    }
}

/* Parse one argument by type; false (with a message) if it does not fit. */
static bool parse_arg(uint8_t type, const char *s, gb_val *out)
{
    gb_err err = GB_INVAL;
    switch (type) {
    case GB_I32:
        err = gb_parse_int_bits(s, 32, out);
        break;
    case GB_I64:
        err = gb_parse_int_bits(s, 64, out);
        break;
    case GB_F32: {
        uint32_t b;
        err = gb_parse_f32_bits(s, &b);
        if (err == GB_OK)
            *out = b;
        break;
    }
    case GB_F64:
        err = gb_parse_f64_bits(s, out);
        break;
    case GB_FUNCREF:
    case GB_EXTERNREF:
        /* Only null can be written on a command line; a nonzero externref
         * is an opaque host value the module can pass around. */
        if (strcmp(s, "null") == 0) {
            *out = 0;
            err = GB_OK;
        } else if (type == GB_EXTERNREF) {
            err = gb_parse_u64(s, out);
        }
        break;
    }
    if (err != GB_OK) {
        fprintf(stderr, "error: '%s' is not a valid %s\n", s,
                type_name(type));
        return false;
    }
    return true;
}

static void print_result(uint8_t type, gb_val v)
{
    switch (type) {
    case GB_I32:
        printf("%" PRId32 "\n", (int32_t)(uint32_t)v);
        break;
    case GB_I64:
        printf("%" PRId64 "\n", (int64_t)v);
        break;
    case GB_F32: {
        uint32_t b = (uint32_t)v;
        float f;
        memcpy(&f, &b, sizeof f);
        printf("%.9g\n", (double)f);
        break;
    }
    case GB_F64: {
        double d;
        memcpy(&d, &v, sizeof d);
        printf("%.17g\n", d);
        break;
    }
    case GB_FUNCREF:
    case GB_EXTERNREF:
        if (v == 0)
            printf("null\n");
        else
            printf("%s:0x%" PRIx64 "\n", type_name(type), v);
        break;
    default:
        printf("0x%016" PRIx64 " (%s)\n", v, type_name(type));
        break;
    }
}

/* The stand-in for every function import: no effect, results zero.
 * user carries the number of results. */
static gb_err stub_fn(gb_host_ctx *ctx, void *user, const gb_val *args,
                      gb_val *results)
{
    size_t nresults = (size_t)(uintptr_t)user;
    for (size_t i = 0; i < nresults; i++)
        results[i] = 0;
    return GB_OK;
}

/*
 * Make a stand-in for every import of m.  Returns false (with a message
 * naming the import) when one cannot be made.
 */
static bool make_imports(gb_store *s, const gb_module *m, gb_extern *imports,
                         uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        gb_import_desc d;
        memset(&d, 0, sizeof d);
        gb_module_import(m, i, &d);
        gb_err err = GB_UNSUPPORTED;
        imports[i].kind = d.kind;
        switch (d.kind) {
        case GB_EXTERN_FUNC:
            err = gb_func_new_host(s, &d.func, stub_fn,
                                   (void *)(uintptr_t)d.func.nresults,
                                   &imports[i].u.func);
            break;
        case GB_EXTERN_MEMORY:
            err = gb_memory_new(s, d.memory, &imports[i].u.memory);
            break;
        case GB_EXTERN_TABLE:
            err = gb_table_new(s, d.table, 0, &imports[i].u.table);
            break;
        case GB_EXTERN_GLOBAL:
            if (d.global.type != GB_V128)
                err = gb_global_new(s, d.global, 0, &imports[i].u.global);
            break;
        }
        if (err != GB_OK) {
            fprintf(stderr,
                    "%serror: cannot satisfy import \"%.*s\".\"%.*s\" (%s): "
                    "%s\n",
                    i ? "\n" : "", (int)d.module_len, d.module,
                    (int)d.name_len, d.name, kind_name(d.kind),
                    gb_err_str(err));
            return false;
        }
        fprintf(stderr, "%s \"%.*s\".\"%.*s\" (%s)",
                i ? "," : "note: stub imports (functions return zeros):",
                (int)d.module_len, d.module, (int)d.name_len, d.name,
                kind_name(d.kind));
    }
    if (n)
        fprintf(stderr, "\n");
    return true;
}

static void list_exported_funcs(const gb_module *m)
{
    uint32_t n = gb_module_export_count(m), shown = 0;
    for (uint32_t i = 0; i < n; i++) {
        gb_export_desc e;
        gb_module_export(m, i, &e);
        if (e.kind != GB_EXTERN_FUNC)
            continue;
        const gb_functype *ft = gb_module_func_type(m, e.index);
        fprintf(stderr, "%s  ", shown ? "" : "exported functions:\n");
        if (ft) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)e.name_len, e.name);
            print_signature(stderr, name, ft);
        }
        fprintf(stderr, "\n");
        shown++;
    }
    if (!shown)
        fprintf(stderr, "the module exports no functions\n");
}

/* A Gear program: it imports a Gear syscall from "env". */
static bool is_gear(const gb_module *m)
{
    for (uint32_t i = 0; i < gb_module_import_count(m); i++) {
        gb_import_desc im;
        gb_module_import(m, i, &im);
        if (im.kind == GB_EXTERN_FUNC && im.module_len == 3 &&
            !memcmp(im.module, "env", 3) &&
            gb_gear_syscall_find(im.name, im.name_len))
            return true;
    }
    return false;
}

int cli_wasm_run(int argc, char **argv)
{
    const char *path = NULL, *fname = NULL;
    const char **args = calloc((size_t)argc + 1, sizeof *args);
    int nargs = 0;
    uint64_t gas = UINT64_MAX, count = 1;
    bool meter = true, opts_done = false;
    const char *sched = "auto";
    int status = 1;
    uint8_t *bytes = NULL;
    size_t len = 0;
    gb_module *m = NULL;
    gb_store *s = NULL;
    gb_extern *imports = NULL;
    gb_val *params = NULL, *results = NULL;
    char detail[512] = "";
    uint8_t tier = GB_TIER_DEFAULT;

    if (!args) {
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts_done || a[0] != '-' || (a[1] != '-' && a[1] != 'h')) {
            /* positional; "-5" and "-inf" are arguments, not options */
            if (!path)
                path = a;
            else if (!fname)
                fname = a;
            else
                args[nargs++] = a;
        } else if (strcmp(a, "--") == 0) {
            opts_done = true;
        } else if (cli_is_help(a)) {
            fputs(usage, stdout);
            status = 0;
            goto out;
        } else if (strcmp(a, "--gas") == 0) {
            if (!cli_opt_u64(a, i + 1 < argc ? argv[++i] : NULL, &gas))
                goto usage_error;
        } else if (strncmp(a, "--gas=", 6) == 0) {
            if (!cli_opt_u64("--gas", a + 6, &gas))
                goto usage_error;
        } else if (strcmp(a, "--invoke-count") == 0) {
            if (!cli_opt_u64(a, i + 1 < argc ? argv[++i] : NULL, &count))
                goto usage_error;
        } else if (strncmp(a, "--invoke-count=", 15) == 0) {
            if (!cli_opt_u64("--invoke-count", a + 15, &count))
                goto usage_error;
        } else if (strcmp(a, "--schedule") == 0 ||
                   strncmp(a, "--schedule=", 11) == 0) {
            sched = a[10] == '=' ? a + 11 : i + 1 < argc ? argv[++i] : "";
            if (strcmp(sched, "auto") && strcmp(sched, "vara") &&
                strcmp(sched, "flat")) {
                fprintf(stderr, "error: --schedule is auto, vara or flat\n");
                goto usage_error;
            }
        } else if (strcmp(a, "--no-meter") == 0) {
            meter = false;
        } else if (strcmp(a, "--interp") == 0) {
            tier = GB_TIER_INTERP;
        } else if (strcmp(a, "--jit") == 0) {
            tier = GB_TIER_COMPILED;
        } else {
            fprintf(stderr, "error: unknown option '%s'\n", a);
            goto usage_error;
        }
    }
    if (!path || !fname) {
        fprintf(stderr, "error: need FILE.wasm and FUNC\n");
        goto usage_error;
    }
    if (count == 0) {
        fprintf(stderr, "error: --invoke-count must be at least 1\n");
        goto usage_error;
    }

    gb_err err = cli_read_file(path, &bytes, &len);
    if (err != GB_OK) {
        fprintf(stderr, "error: cannot read %s: %s\n", path,
                err == GB_IO ? strerror(errno) : gb_err_str(err));
        goto out;
    }
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    cfg.metering = meter;
    cfg.tier = tier;
    err = gb_module_load(&cfg, bytes, len, &m, detail, sizeof detail);
    if (err == GB_OK && meter &&
        (!strcmp(sched, "vara") || (!strcmp(sched, "auto") && is_gear(m)))) {
        /* again, metered as the chain meters Gear programs */
        gb_module_free(m);
        m = NULL;
        cfg.schedule = &gb_gear_costs_get()->engine;
        err = gb_module_load(&cfg, bytes, len, &m, detail, sizeof detail);
    }
    if (err != GB_OK) {
        fprintf(stderr, "error: %s\n", detail[0] ? detail : gb_err_str(err));
        goto out;
    }
    err = gb_store_new(&cfg, &s);
    if (err != GB_OK) {
        fprintf(stderr, "error: cannot create a store: %s\n",
                gb_err_str(err));
        goto out;
    }

    uint32_t nimports = gb_module_import_count(m);
    imports = calloc(nimports ? nimports : 1, sizeof *imports);
    if (!imports) {
        fprintf(stderr, "error: out of memory\n");
        goto out;
    }
    if (!make_imports(s, m, imports, nimports))
        goto out;
    gb_store_set_gas(s, gas); /* for the start function */
    gb_instance *inst = NULL;
    detail[0] = 0;
    err = gb_instantiate(s, m, imports, nimports, &inst, detail,
                         sizeof detail);
    if (err != GB_OK) {
        if (gb_err_is_trap(err))
            fprintf(stderr, "trap: %s (%s)\n", gb_err_str(err),
                    gb_store_trap_message(s));
        else
            fprintf(stderr, "error: instantiation failed: %s\n",
                    detail[0] ? detail : gb_err_str(err));
        goto out;
    }

    gb_extern ex;
    if (gb_instance_export(inst, fname, strlen(fname), &ex) != GB_OK ||
        ex.kind != GB_EXTERN_FUNC) {
        fprintf(stderr, "error: the module exports no function '%s'\n",
                fname);
        list_exported_funcs(m);
        goto out;
    }
    const gb_functype *ft = gb_func_type(ex.u.func);
    if (!ft) {
        fprintf(stderr, "error: '%s' has no type\n", fname);
        goto out;
    }
    if ((uint32_t)nargs != ft->nparams) {
        fprintf(stderr, "error: %s takes %u argument%s, %d given: ", fname,
                ft->nparams, ft->nparams == 1 ? "" : "s", nargs);
        print_signature(stderr, fname, ft);
        fprintf(stderr, "\n");
        status = 2;
        goto out;
    }
    params = calloc(ft->nparams ? ft->nparams : 1, sizeof *params);
    results = calloc(ft->nresults ? ft->nresults : 1, sizeof *results);
    if (!params || !results) {
        fprintf(stderr, "error: out of memory\n");
        goto out;
    }
    for (uint32_t i = 0; i < ft->nparams; i++)
        if (!parse_arg(ft->params[i], args[i], &params[i])) {
            status = 2;
            goto out;
        }

    gb_store_set_gas(s, gas);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t k = 0; k < count && err == GB_OK; k++)
        err = gb_func_call(s, ex.u.func, params, results);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    if (err != GB_OK) {
        fprintf(stderr, "trap: %s (%s)\n", gb_err_str(err),
                gb_store_trap_message(s));
    } else {
        for (uint32_t i = 0; i < ft->nresults; i++)
            print_result(ft->results[i], results[i]);
        status = 0;
    }
    fflush(stdout);
    fprintf(stderr, "gas used: %" PRIu64 "\n", gb_store_gas_used(s));
    if (count > 1) {
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        fprintf(stderr, "time: %.3f ms\n", ms);
    }
    goto out;

usage_error:
    fprintf(stderr, "run 'gearbox wasm run --help' for usage\n");
    status = 2;
out:
    gb_store_free(s);
    gb_module_free(m);
    free(bytes);
    free(imports);
    free(params);
    free(results);
    free(args);
    return status;
}
