/*
 * libFuzzer target: a whole module's life through the public API.
 *
 * Each input is taken as a WebAssembly binary and goes through load
 * (decode, validate, compile), instantiation against imports made to
 * measure, and a call of every exported function with zero arguments.
 * Hostile code cannot hang the fuzzer: every call runs under a small gas
 * limit, and the configuration keeps memories, tables and stacks small.
 *
 * Imports are satisfied with objects of exactly the declared type:
 * functions by a host function that returns zeros, memories, tables and
 * globals by fresh ones (tables filled with null, globals zero).  When an
 * import cannot be made (a declared size beyond the configured limits) the
 * input is done with: that is a clean refusal, not a finding.
 *
 * Besides the sanitizers, the target checks the API's promises that a
 * fuzzer can see: a call returns GB_OK or a trap code (or GB_NOMEM), a trap
 * has a message, gas used never exceeds the limit.  Everything is freed
 * before returning, so LeakSanitizer checks ownership too.
 *
 * Only include/gearbox/wasm.h is used: the fuzzer sees what an embedder
 * sees.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gearbox/wasm.h"

enum { FUZZ_GAS = 100000 };

/* Stop at once, with a reason, so libFuzzer records the input. */
#define FUZZ_CHECK(cond, ...)                                                \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_module: check failed: %s: ", #cond);       \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* A host function for any imported type: all results zero.  user carries
 * the number of results. */
static gb_err zero_host(gb_host_ctx *ctx, void *user, const gb_val *args,
                        gb_val *results)
{
    uint32_t n = (uint32_t)(uintptr_t)user;
    for (uint32_t i = 0; i < n; i++)
        results[i] = 0;
    return GB_OK;
}

static void fuzz_config(gb_wasm_config *cfg)
{
    gb_wasm_config_default(cfg);
    cfg->metering = true;
    cfg->max_memory_pages = 256;
    cfg->max_table_size = 10000;
    cfg->max_call_depth = 1000;
    cfg->max_stack_slots = 1u << 16;
    cfg->max_module_size = 1u << 20;
}

/* Make an object for every import of m in s.  Returns 0 when one cannot
 * be made (the input is then skipped). */
static int make_imports(gb_store *s, const gb_module *m, gb_extern *out,
                        uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        gb_import_desc d;
        gb_module_import(m, i, &d);
        out[i].kind = d.kind;
        gb_err e = GB_INVAL;
        switch (d.kind) {
        case GB_EXTERN_FUNC:
            e = gb_func_new_host(s, &d.func, zero_host,
                                 (void *)(uintptr_t)d.func.nresults,
                                 &out[i].u.func);
            break;
        case GB_EXTERN_TABLE:
            e = gb_table_new(s, d.table, 0, &out[i].u.table);
            break;
        case GB_EXTERN_MEMORY:
            e = gb_memory_new(s, d.memory, &out[i].u.memory);
            break;
        case GB_EXTERN_GLOBAL:
            e = gb_global_new(s, d.global, 0, &out[i].u.global);
            break;
        }
        if (e != GB_OK)
            return 0;
    }
    return 1;
}

static void check_call_result(gb_store *s, gb_err e, const char *what)
{
    FUZZ_CHECK(e == GB_OK || e == GB_NOMEM || gb_err_is_trap(e),
               "%s returned %s", what, gb_err_name(e));
    if (gb_err_is_trap(e))
        FUZZ_CHECK(gb_store_trap_message(s) != NULL, "%s: no trap message",
                   what);
    FUZZ_CHECK(gb_store_gas_used(s) <= FUZZ_GAS,
               "%s: gas used %llu > limit %u", what,
               (unsigned long long)gb_store_gas_used(s), (unsigned)FUZZ_GAS);
}

static void call_exports(gb_store *s, const gb_module *m, gb_instance *inst)
{
    uint32_t nexports = gb_module_export_count(m);
    for (uint32_t i = 0; i < nexports; i++) {
        gb_export_desc d;
        gb_module_export(m, i, &d);
        if (d.kind != GB_EXTERN_FUNC)
            continue;
        gb_extern ext;
        gb_err e = gb_instance_export(inst, d.name, d.name_len, &ext);
        FUZZ_CHECK(e == GB_OK, "export %u not found by name: %s", i,
                   gb_err_name(e));
        FUZZ_CHECK(ext.kind == GB_EXTERN_FUNC, "export %u changed kind", i);
        const gb_functype *t = gb_func_type(ext.u.func);
        gb_val *args = calloc((size_t)t->nparams + 1, sizeof *args);
        gb_val *results = calloc((size_t)t->nresults + 1, sizeof *results);
        if (args && results) {
            gb_store_set_gas(s, FUZZ_GAS);
            e = gb_func_call(s, ext.u.func, args, results);
            check_call_result(s, e, "gb_func_call");
        }
        free(args);
        free(results);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gb_wasm_config cfg;
    fuzz_config(&cfg);
    char detail[256];
    gb_module *m = NULL;
    gb_store *s = NULL;
    gb_extern *imports = NULL;
    gb_instance *inst = NULL;

    gb_err e = gb_module_load(&cfg, data, size, &m, detail, sizeof detail);
    if (e != GB_OK) {
        FUZZ_CHECK(e == GB_MALFORMED || e == GB_INVALID || e == GB_LIMIT ||
                       e == GB_NOMEM || e == GB_UNSUPPORTED,
                   "gb_module_load returned %s", gb_err_name(e));
        FUZZ_CHECK(memchr(detail, 0, sizeof detail) != NULL,
                   "detail not NUL-terminated");
        FUZZ_CHECK(m == NULL || e == GB_OK, "module returned on failure");
        return 0;
    }
    if (gb_store_new(&cfg, &s) != GB_OK)
        goto done;

    uint32_t nimports = gb_module_import_count(m);
    imports = calloc((size_t)nimports + 1, sizeof *imports);
    if (!imports || !make_imports(s, m, imports, nimports))
        goto done;

    /* The start function runs inside gb_instantiate: meter it too. */
    gb_store_set_gas(s, FUZZ_GAS);
    e = gb_instantiate(s, m, imports, nimports, &inst, detail,
                       sizeof detail);
    if (e != GB_OK) {
        FUZZ_CHECK(inst == NULL || e == GB_OK, "instance returned on failure");
        FUZZ_CHECK(e == GB_LINK || e == GB_NOMEM || e == GB_LIMIT ||
                       gb_err_is_trap(e),
                   "gb_instantiate returned %s", gb_err_name(e));
        goto done;
    }
    call_exports(s, m, inst);

done:
    free(imports);
    if (s)
        gb_store_free(s);
    gb_module_free(m);
    return 0;
}
