/*
 * `gearbox wasm dump FILE.wasm [FUNC]`: print the engine's internal code
 * for one function (by export name or index) or for all of them.  A tool
 * for working on the compiler and for seeing what a program costs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "gearbox/wasm.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gearbox wasm dump FILE.wasm [FUNC] [--no-meter]\n\n"
            "Print the internal (compiled) code of FUNC — an exported name or a\n"
            "function index — or of every defined function.\n");
}

int cli_wasm_dump(int argc, char **argv)
{
    const char *path = NULL, *func = NULL;
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--no-meter") == 0) {
            cfg.metering = false;
        } else if (!path) {
            path = argv[i];
        } else if (!func) {
            func = argv[i];
        } else {
            fprintf(stderr, "error: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    uint8_t *buf;
    size_t len;
    if (cli_read_file(path, &buf, &len)) {
        fprintf(stderr, "error: cannot read %s\n", path);
        return 1;
    }
    gb_module *m;
    char detail[512];
    gb_err e = gb_module_load(&cfg, buf, len, &m, detail, sizeof detail);
    free(buf);
    if (e) {
        fprintf(stderr, "error: %s: %s\n", gb_err_str(e), detail);
        return 1;
    }
    int rc = 0;
    uint32_t nimports = 0, nfuncs = 0;
    for (uint32_t i = 0; i < gb_module_import_count(m); i++) {
        gb_import_desc d;
        gb_module_import(m, i, &d);
        nimports += d.kind == GB_EXTERN_FUNC;
    }
    while (gb_module_func_type(m, nfuncs))
        nfuncs++;
    if (!func) {
        for (uint32_t f = nimports; f < nfuncs; f++)
            gb_module_dump_code(m, f, stdout);
    } else {
        char *end;
        unsigned long idx = strtoul(func, &end, 10);
        bool found = *func && !*end;
        for (uint32_t i = 0; !found && i < gb_module_export_count(m); i++) {
            gb_export_desc d;
            gb_module_export(m, i, &d);
            if (d.kind == GB_EXTERN_FUNC && d.name_len == strlen(func) &&
                !memcmp(d.name, func, d.name_len)) {
                idx = d.index;
                found = true;
            }
        }
        if (!found || gb_module_dump_code(m, (uint32_t)idx, stdout)) {
            fprintf(stderr, "error: no defined function '%s' in %s\n", func, path);
            rc = 1;
        }
    }
    gb_module_free(m);
    return rc;
}
