/*
 * The IR instructions' names and operand counts (from GB_IR_ALL, ir.h),
 * and the disassembler that prints compiled code with them.
 */
#include <stdio.h>

#include "wasm/engine.h"

static const char *const names[GB_IR_COUNT_] = {
#define GB_IR_ROW(name, nops) [GB_IR_##name] = #name,
    GB_IR_ALL
#undef GB_IR_ROW
};

const int8_t gb_ir_nops[GB_IR_COUNT_] = {
#define GB_IR_ROW(name, nops) [GB_IR_##name] = nops,
    GB_IR_ALL
#undef GB_IR_ROW
};

static const uint16_t plain_of[GB_IR_COUNT_] = {
#define GB_IR_GPAIR(plain, charging) [GB_IR_##charging] = GB_IR_##plain + 1,
    GB_IR_GPAIRS
#undef GB_IR_GPAIR
};

static const uint16_t charging_of[GB_IR_COUNT_] = {
#define GB_IR_GPAIR(plain, charging) [GB_IR_##plain] = GB_IR_##charging,
    GB_IR_GPAIRS
#undef GB_IR_GPAIR
};

#define GB_IR_GPAIR(plain, charging)                                        \
    _Static_assert(GB_IR_LEN_##plain == GB_IR_LEN_##charging,               \
                   "a charging form has its plain form's cells");
GB_IR_GPAIRS
#undef GB_IR_GPAIR

/* (plain_of holds the op + 1, so that 0 says "not a _G form") */
gb_irop gb_ir_plain(gb_irop o)
{
    return (unsigned)o < GB_IR_COUNT_ && plain_of[o] ? (gb_irop)(plain_of[o] - 1)
                                                     : o;
}

gb_irop gb_ir_charging(gb_irop o)
{
    return (unsigned)o < GB_IR_COUNT_ ? (gb_irop)charging_of[o]
                                      : GB_IR_UNREACHABLE;
}

const char *gb_ir_name(gb_irop o)
{
    return (unsigned)o < GB_IR_COUNT_ ? names[o] : "??";
}

int gb_ir_operands(gb_irop o, const gb_cell *at)
{
    int k = gb_ir_nops[o];
    /* BR_TABLE: [index][n] then n+1 pairs [target][gas] */
    return k < 0 ? 2 + 2 * ((int)at[2].u + 1) : k;
}

void gb_code_dump(const gb_code *c, FILE *out)
{
    const void *const *H = gb_interp_handlers();
    fprintf(out, "function %u: %u params, %u locals, %u results, frame %u "
                 "slots, %u cells\n", c->funcidx, c->nparams, c->nlocals,
            c->nresults, c->frame_slots, c->ncells);
    for (uint32_t i = 0; i < c->ncells;) {
        gb_irop o = 0;
        while (o < GB_IR_COUNT_ && H[o] != c->cells[i].h)
            o++;
        if (o == GB_IR_COUNT_) {
            fprintf(out, "%5u  ??\n", i);
            return;
        }
        int k = gb_ir_operands(o, &c->cells[i]);
        fprintf(out, "%5u  %-18s", i, names[o]);
        for (int j = 1; j <= k; j++) {
            const gb_cell *x = &c->cells[i + j];
            if (x->p >= (void *)c->cells && x->p < (void *)(c->cells + c->ncells))
                fprintf(out, " ->%u", (uint32_t)((const gb_cell *)x->p - c->cells));
            else
                fprintf(out, " %llu", (unsigned long long)x->u);
        }
        fputc('\n', out);
        i += (uint32_t)k + 1;
    }
}

gb_err gb_module_dump_code(const gb_module *m, uint32_t funcidx, FILE *out)
{
    if (funcidx < m->nfunc_imports || funcidx >= m->nfuncs)
        return GB_NOT_FOUND;
    gb_code_dump(m->code[funcidx - m->nfunc_imports], out);
    return GB_OK;
}
