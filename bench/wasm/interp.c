/*
 * interp — an interpreter inside the interpreter: a small register VM with
 * a switch-dispatched loop, running a Collatz program (total stopping
 * steps of 1..N) in 64-bit registers.
 *
 * The dispatch switch compiles to br_table, and every VM instruction is a
 * few loads from the code array plus an indirect branch, so this measures
 * what smart-contract interpreters (and parsers, state machines) spend
 * most of their time on.
 */
#include "rt.h"

BENCH_PARAM(interp_n, 100000);

enum { OP_LOADI, OP_ADD, OP_MUL, OP_ANDI, OP_SHRI, OP_JMP, OP_JZ, OP_JEQ,
       OP_JLE, OP_HALT };

typedef struct insn {
    uint8_t op, a, b, c; /* registers */
    int32_t imm;         /* immediate or jump target */
} insn;

static uint64_t vm_run(const insn *code, uint64_t *reg) {
    uint32_t pc = 0;
    for (;;) {
        const insn *i = &code[pc++];
        switch (i->op) {
        case OP_LOADI: reg[i->a] = (uint64_t)(int64_t)i->imm; break;
        case OP_ADD: reg[i->a] = reg[i->b] + reg[i->c]; break;
        case OP_MUL: reg[i->a] = reg[i->b] * reg[i->c]; break;
        case OP_ANDI: reg[i->a] = reg[i->b] & (uint64_t)i->imm; break;
        case OP_SHRI: reg[i->a] = reg[i->b] >> (i->imm & 63); break;
        case OP_JMP: pc = (uint32_t)i->imm; break;
        case OP_JZ: if (reg[i->a] == 0) pc = (uint32_t)i->imm; break;
        case OP_JEQ: if (reg[i->a] == reg[i->b]) pc = (uint32_t)i->imm; break;
        case OP_JLE: if (reg[i->a] <= reg[i->b]) pc = (uint32_t)i->imm; break;
        case OP_HALT: return reg[i->a];
        default: return 0xBAD;
        }
    }
}

/* r0 n, r1 limit, r2 total steps, r3 x, r4 one, r5 three, r6 scratch,
 * r7 largest x seen (folded into the result, so a 64-bit slip shows). */
#define I(op, a, b, c, imm) {op, a, b, c, imm}
static const insn program[] = {
    /*  0 */ I(OP_LOADI, 0, 0, 0, 1),
    /*  1 */ I(OP_LOADI, 2, 0, 0, 0),
    /*  2 */ I(OP_LOADI, 4, 0, 0, 1),
    /*  3 */ I(OP_LOADI, 5, 0, 0, 3),
    /*  4 */ I(OP_LOADI, 7, 0, 0, 0),
    /*  5 outer */ I(OP_ANDI, 3, 0, 0, -1),  /* x = n */
    /*  6 inner */ I(OP_JEQ, 3, 4, 0, 17),   /* x == 1: next n */
    /*  7 */ I(OP_ANDI, 6, 3, 0, 1),
    /*  8 */ I(OP_JZ, 6, 0, 0, 14),          /* even */
    /*  9 */ I(OP_MUL, 3, 3, 5, 0),          /* x = 3x + 1 */
    /* 10 */ I(OP_ADD, 3, 3, 4, 0),
    /* 11 */ I(OP_ADD, 2, 2, 4, 0),
    /* 12 */ I(OP_JLE, 3, 7, 0, 6),          /* not a new maximum */
    /* 13 */ I(OP_ANDI, 7, 3, 0, -1),        /* max = x; x is even: */
    /* 14 even */ I(OP_SHRI, 3, 3, 0, 1),   /* x = x / 2 */
    /* 15 */ I(OP_ADD, 2, 2, 4, 0),
    /* 16 */ I(OP_JMP, 0, 0, 0, 6),
    /* 17 next */ I(OP_ADD, 0, 0, 4, 0),
    /* 18 */ I(OP_JLE, 0, 1, 0, 5),
    /* 19 */ I(OP_ADD, 2, 2, 7, 0),
    /* 20 */ I(OP_HALT, 2, 0, 0, 0),
};

BENCH_EXPORT int run(void) {
    uint64_t reg[8] = {0};
    reg[1] = interp_n;
    uint64_t r = vm_run(program, reg);
    return (int)((uint32_t)r ^ (uint32_t)(r >> 32));
}
