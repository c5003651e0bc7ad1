/*
 * The engine's public API (include/gearbox/wasm.h), end to end: load,
 * instantiate, call, traps, gas, limits.
 *
 * The modules are assembled by hand, as byte arrays with the text form of
 * each piece in a comment, so these tests depend on nothing but the engine.
 * Section layout, for reading them: id, size (LEB128), contents; a vector
 * is a count followed by its items.  Section ids: 1 type, 2 import,
 * 3 function, 5 memory, 6 global, 7 export, 10 code.  A code entry is its
 * size, then local declarations, then the instructions ending in 0x0B.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gearbox/wasm.h"
#include "test.h"

#define WASM_HEADER 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00

/* ---- modules ---------------------------------------------------------- */

/* (func (export "add") (param i32 i32) (result i32)
 *   local.get 0  local.get 1  i32.add) */
static const uint8_t wasm_add[] = {
    WASM_HEADER,
    0x01, 0x07, 0x01,                   /* type section, 1 type */
    0x60, 0x02, 0x7F, 0x7F, 0x01, 0x7F, /*   (func (param i32 i32) (result i32)) */
    0x03, 0x02, 0x01, 0x00,             /* function section: func 0 has type 0 */
    0x07, 0x07, 0x01,                   /* export section, 1 export */
    0x03, 'a', 'd', 'd', 0x00, 0x00,    /*   "add" func 0 */
    0x0A, 0x09, 0x01,                   /* code section, 1 body */
    0x07, 0x00,                         /*   size 7, no locals */
    0x20, 0x00,                         /*   local.get 0 */
    0x20, 0x01,                         /*   local.get 1 */
    0x6A,                               /*   i32.add */
    0x0B,                               /*   end */
};

/* (memory (export "mem") 1)
 * (func (export "store") (param i32 i32)
 *   local.get 0  local.get 1  i32.store) */
static const uint8_t wasm_store[] = {
    WASM_HEADER,
    0x01, 0x06, 0x01,                   /* type section, 1 type */
    0x60, 0x02, 0x7F, 0x7F, 0x00,       /*   (func (param i32 i32)) */
    0x03, 0x02, 0x01, 0x00,             /* function section: func 0 type 0 */
    0x05, 0x03, 0x01, 0x00, 0x01,       /* memory section: (memory 1) */
    0x07, 0x0F, 0x02,                   /* export section, 2 exports */
    0x03, 'm', 'e', 'm', 0x02, 0x00,    /*   "mem" memory 0 */
    0x05, 's', 't', 'o', 'r', 'e', 0x00, 0x00, /* "store" func 0 */
    0x0A, 0x0B, 0x01,                   /* code section, 1 body */
    0x09, 0x00,                         /*   size 9, no locals */
    0x20, 0x00,                         /*   local.get 0 */
    0x20, 0x01,                         /*   local.get 1 */
    0x36, 0x02, 0x00,                   /*   i32.store align=4 offset=0 */
    0x0B,                               /*   end */
};

/* (import "env" "double" (func (param i32) (result i32)))
 * (func (export "f") (param i32) (result i32)
 *   local.get 0  call 0  i32.const 1  i32.add) */
static const uint8_t wasm_host[] = {
    WASM_HEADER,
    0x01, 0x06, 0x01,                   /* type section, 1 type */
    0x60, 0x01, 0x7F, 0x01, 0x7F,       /*   (func (param i32) (result i32)) */
    0x02, 0x0E, 0x01,                   /* import section, 1 import */
    0x03, 'e', 'n', 'v',                /*   "env" */
    0x06, 'd', 'o', 'u', 'b', 'l', 'e', /*   "double" */
    0x00, 0x00,                         /*   func, type 0 */
    0x03, 0x02, 0x01, 0x00,             /* function section: func 1 type 0 */
    0x07, 0x05, 0x01,                   /* export section, 1 export */
    0x01, 'f', 0x00, 0x01,              /*   "f" func 1 */
    0x0A, 0x0B, 0x01,                   /* code section, 1 body */
    0x09, 0x00,                         /*   size 9, no locals */
    0x20, 0x00,                         /*   local.get 0 */
    0x10, 0x00,                         /*   call 0 (the import) */
    0x41, 0x01,                         /*   i32.const 1 */
    0x6A,                               /*   i32.add */
    0x0B,                               /*   end */
};

/* (func (export "f") unreachable) */
static const uint8_t wasm_unreachable[] = {
    WASM_HEADER,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, /* type section: (func) */
    0x03, 0x02, 0x01, 0x00,             /* function section: func 0 type 0 */
    0x07, 0x05, 0x01,                   /* export section, 1 export */
    0x01, 'f', 0x00, 0x00,              /*   "f" func 0 */
    0x0A, 0x05, 0x01,                   /* code section, 1 body */
    0x03, 0x00,                         /*   size 3, no locals */
    0x00,                               /*   unreachable */
    0x0B,                               /*   end */
};

/* (global $count (export "count") (mut i32) (i32.const 0))
 * (func (export "spin")
 *   (loop  global.get 0  i32.const 1  i32.add  global.set 0  br 0)) */
static const uint8_t wasm_spin[] = {
    WASM_HEADER,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, /* type section: (func) */
    0x03, 0x02, 0x01, 0x00,             /* function section: func 0 type 0 */
    0x06, 0x06, 0x01,                   /* global section, 1 global */
    0x7F, 0x01, 0x41, 0x00, 0x0B,       /*   (mut i32) (i32.const 0) */
    0x07, 0x10, 0x02,                   /* export section, 2 exports */
    0x04, 's', 'p', 'i', 'n', 0x00, 0x00,      /* "spin" func 0 */
    0x05, 'c', 'o', 'u', 'n', 't', 0x03, 0x00, /* "count" global 0 */
    0x0A, 0x10, 0x01,                   /* code section, 1 body */
    0x0E, 0x00,                         /*   size 14, no locals */
    0x03, 0x40,                         /*   loop (empty block type) */
    0x23, 0x00,                         /*     global.get 0 */
    0x41, 0x01,                         /*     i32.const 1 */
    0x6A,                               /*     i32.add */
    0x24, 0x00,                         /*     global.set 0 */
    0x0C, 0x00,                         /*     br 0 */
    0x0B,                               /*   end (loop) */
    0x0B,                               /*   end */
};

/* (func (export "f") call 0) — recursion without end */
static const uint8_t wasm_recurse[] = {
    WASM_HEADER,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, /* type section: (func) */
    0x03, 0x02, 0x01, 0x00,             /* function section: func 0 type 0 */
    0x07, 0x05, 0x01,                   /* export section, 1 export */
    0x01, 'f', 0x00, 0x00,              /*   "f" func 0 */
    0x0A, 0x06, 0x01,                   /* code section, 1 body */
    0x04, 0x00,                         /*   size 4, no locals */
    0x10, 0x00,                         /*   call 0 */
    0x0B,                               /*   end */
};

/* (func (export "f") (local i64 x 1000) call 0) — recursion with big
 * frames, so the value stack fills before the call depth limit */
static const uint8_t wasm_recurse_locals[] = {
    WASM_HEADER,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, /* type section: (func) */
    0x03, 0x02, 0x01, 0x00,             /* function section: func 0 type 0 */
    0x07, 0x05, 0x01,                   /* export section, 1 export */
    0x01, 'f', 0x00, 0x00,              /*   "f" func 0 */
    0x0A, 0x09, 0x01,                   /* code section, 1 body */
    0x07,                               /*   size 7 */
    0x01, 0xE8, 0x07, 0x7E,             /*   1 declaration: 1000 x i64 */
    0x10, 0x00,                         /*   call 0 */
    0x0B,                               /*   end */
};

/* wasm_add with the magic's last byte changed: "\0asn" */
static const uint8_t wasm_bad_magic[] = {
    0x00, 0x61, 0x73, 0x6E, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
};

/* (func (result i32) i32.add) — i32.add with nothing on the stack */
static const uint8_t wasm_bad_type[] = {
    WASM_HEADER,
    0x01, 0x05, 0x01,                   /* type section, 1 type */
    0x60, 0x00, 0x01, 0x7F,             /*   (func (result i32)) */
    0x03, 0x02, 0x01, 0x00,             /* function section: func 0 type 0 */
    0x0A, 0x05, 0x01,                   /* code section, 1 body */
    0x03, 0x00,                         /*   size 3, no locals */
    0x6A,                               /*   i32.add: operands missing */
    0x0B,                               /*   end */
};

/* (memory 1)  (no maximum: only the configuration limits it)
 * (func (export "grow") (param i32) (result i32)
 *   local.get 0  memory.grow) */
static const uint8_t wasm_grow[] = {
    WASM_HEADER,
    0x01, 0x06, 0x01,                   /* type section, 1 type */
    0x60, 0x01, 0x7F, 0x01, 0x7F,       /*   (func (param i32) (result i32)) */
    0x03, 0x02, 0x01, 0x00,             /* function section: func 0 type 0 */
    0x05, 0x03, 0x01, 0x00, 0x01,       /* memory section: (memory 1) */
    0x07, 0x08, 0x01,                   /* export section, 1 export */
    0x04, 'g', 'r', 'o', 'w', 0x00, 0x00, /* "grow" func 0 */
    0x0A, 0x08, 0x01,                   /* code section, 1 body */
    0x06, 0x00,                         /*   size 6, no locals */
    0x20, 0x00,                         /*   local.get 0 */
    0x40, 0x00,                         /*   memory.grow 0 */
    0x0B,                               /*   end */
};

/* (func (export "f") (result i32) i32.const 1  i32.const 2  i32.add) */
static const uint8_t wasm_const_add[] = {
    WASM_HEADER,
    0x01, 0x05, 0x01,                   /* type section, 1 type */
    0x60, 0x00, 0x01, 0x7F,             /*   (func (result i32)) */
    0x03, 0x02, 0x01, 0x00,             /* function section: func 0 type 0 */
    0x07, 0x05, 0x01,                   /* export section, 1 export */
    0x01, 'f', 0x00, 0x00,              /*   "f" func 0 */
    0x0A, 0x09, 0x01,                   /* code section, 1 body */
    0x07, 0x00,                         /*   size 7, no locals */
    0x41, 0x01,                         /*   i32.const 1 */
    0x41, 0x02,                         /*   i32.const 2 */
    0x6A,                               /*   i32.add */
    0x0B,                               /*   end */
};

/* (func $f (export "f") (result i32) call $g)
 * (func $g (export "g") (result i32) (local i32 i32)
 *   i32.const 1  i32.const 2  i32.add) */
static const uint8_t wasm_call_locals[] = {
    WASM_HEADER,
    0x01, 0x05, 0x01,                   /* type section, 1 type */
    0x60, 0x00, 0x01, 0x7F,             /*   (func (result i32)) */
    0x03, 0x03, 0x02, 0x00, 0x00,       /* function section: 2 funcs, type 0 */
    0x07, 0x09, 0x02,                   /* export section, 2 exports */
    0x01, 'f', 0x00, 0x00,              /*   "f" func 0 */
    0x01, 'g', 0x00, 0x01,              /*   "g" func 1 */
    0x0A, 0x10, 0x02,                   /* code section, 2 bodies */
    0x04, 0x00,                         /*   $f: size 4, no locals */
    0x10, 0x01,                         /*   call 1 */
    0x0B,                               /*   end */
    0x09, 0x01, 0x02, 0x7F,             /*   $g: size 9, 2 locals of i32 */
    0x41, 0x01,                         /*   i32.const 1 */
    0x41, 0x02,                         /*   i32.const 2 */
    0x6A,                               /*   i32.add */
    0x0B,                               /*   end */
};

/* GB_INST_REUSE: an instance with every kind of state a run can change
 * (wat2wasm of the text below; too long to assemble by hand):
 * (module
 *   (import "env" "mem" (memory 1))
 *   (import "env" "h" (func $h (result i32)))
 *   (table 2 funcref)
 *   (global $g (mut i32) (i32.const 7))
 *   (elem (i32.const 0) $one)
 *   (elem $p func $two)
 *   (data $d "hi")
 *   (type $r (func (result i32)))
 *   (func $one (result i32) i32.const 1)
 *   (func $two (result i32) i32.const 2)
 *   (func (export "mutate")
 *     i32.const 99 global.set $g
 *     ref.null func i32.const 5 table.grow 0 drop
 *     i32.const 0 ref.null func table.set 0
 *     elem.drop $p
 *     data.drop $d)
 *   (func (export "g") (result i32) global.get $g)
 *   (func (export "size") (result i32) table.size 0)
 *   (func (export "t0") (result i32) i32.const 0 call_indirect (type $r))
 *   (func (export "init") (result i32)
 *     i32.const 1 i32.const 0 i32.const 1 table.init $p
 *     i32.const 1 call_indirect (type $r))
 *   (func (export "dinit") (result i32)
 *     i32.const 0 i32.const 0 i32.const 2 memory.init $d
 *     i32.const 0 i32.load8_u)
 *   (func (export "host") (result i32) call $h)) */
static const uint8_t wasm_reuse[] = {
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60,
    0x00, 0x01, 0x7F, 0x60, 0x00, 0x00, 0x02, 0x14, 0x02, 0x03, 0x65, 0x6E,
    0x76, 0x03, 0x6D, 0x65, 0x6D, 0x02, 0x00, 0x01, 0x03, 0x65, 0x6E, 0x76,
    0x01, 0x68, 0x00, 0x00, 0x03, 0x0A, 0x09, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x06, 0x06,
    0x01, 0x7F, 0x01, 0x41, 0x07, 0x0B, 0x07, 0x30, 0x07, 0x06, 0x6D, 0x75,
    0x74, 0x61, 0x74, 0x65, 0x00, 0x03, 0x01, 0x67, 0x00, 0x04, 0x04, 0x73,
    0x69, 0x7A, 0x65, 0x00, 0x05, 0x02, 0x74, 0x30, 0x00, 0x06, 0x04, 0x69,
    0x6E, 0x69, 0x74, 0x00, 0x07, 0x05, 0x64, 0x69, 0x6E, 0x69, 0x74, 0x00,
    0x08, 0x04, 0x68, 0x6F, 0x73, 0x74, 0x00, 0x09, 0x09, 0x0B, 0x02, 0x00,
    0x41, 0x00, 0x0B, 0x01, 0x01, 0x01, 0x00, 0x01, 0x02, 0x0C, 0x01, 0x01,
    0x0A, 0x63, 0x09, 0x04, 0x00, 0x41, 0x01, 0x0B, 0x04, 0x00, 0x41, 0x02,
    0x0B, 0x1B, 0x00, 0x41, 0xE3, 0x00, 0x24, 0x00, 0xD0, 0x70, 0x41, 0x05,
    0xFC, 0x0F, 0x00, 0x1A, 0x41, 0x00, 0xD0, 0x70, 0x26, 0x00, 0xFC, 0x0D,
    0x01, 0xFC, 0x09, 0x00, 0x0B, 0x04, 0x00, 0x23, 0x00, 0x0B, 0x05, 0x00,
    0xFC, 0x10, 0x00, 0x0B, 0x07, 0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x0B,
    0x11, 0x00, 0x41, 0x01, 0x41, 0x00, 0x41, 0x01, 0xFC, 0x0C, 0x01, 0x00,
    0x41, 0x01, 0x11, 0x00, 0x00, 0x0B, 0x11, 0x00, 0x41, 0x00, 0x41, 0x00,
    0x41, 0x02, 0xFC, 0x08, 0x00, 0x00, 0x41, 0x00, 0x2D, 0x00, 0x00, 0x0B,
    0x04, 0x00, 0x10, 0x00, 0x0B, 0x0B, 0x05, 0x01, 0x01, 0x02, 0x68, 0x69,
};

/* GB_INST_REUSE for a module whose code changes none of its tables
 * (wat2wasm of):
 * (module
 *   (import "env" "mem" (memory 1))
 *   (table (export "t") 2 funcref)
 *   (global $g (mut i32) (i32.const 7))
 *   (elem (i32.const 0) $one $two)
 *   (data $d "hi")
 *   (type $r (func (result i32)))
 *   (func $one (result i32) i32.const 1)
 *   (func $two (result i32) i32.const 2)
 *   (func (export "setg") i32.const 99 global.set $g)
 *   (func (export "g") (result i32) global.get $g)
 *   (func (export "t0") (result i32) i32.const 0 call_indirect (type $r))
 *   (func (export "t1") (result i32) i32.const 1 call_indirect (type $r))
 *   (func (export "dinit") (result i32)
 *     i32.const 0 i32.const 0 i32.const 2 memory.init $d
 *     i32.const 1 i32.load8_u)) */
static const uint8_t wasm_fixed[] = {
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60,
    0x00, 0x01, 0x7F, 0x60, 0x00, 0x00, 0x02, 0x0C, 0x01, 0x03, 0x65, 0x6E,
    0x76, 0x03, 0x6D, 0x65, 0x6D, 0x02, 0x00, 0x01, 0x03, 0x08, 0x07, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02,
    0x06, 0x06, 0x01, 0x7F, 0x01, 0x41, 0x07, 0x0B, 0x07, 0x22, 0x06, 0x01,
    0x74, 0x01, 0x00, 0x04, 0x73, 0x65, 0x74, 0x67, 0x00, 0x02, 0x01, 0x67,
    0x00, 0x03, 0x02, 0x74, 0x30, 0x00, 0x04, 0x02, 0x74, 0x31, 0x00, 0x05,
    0x05, 0x64, 0x69, 0x6E, 0x69, 0x74, 0x00, 0x06, 0x09, 0x08, 0x01, 0x00,
    0x41, 0x00, 0x0B, 0x02, 0x00, 0x01, 0x0C, 0x01, 0x01, 0x0A, 0x3A, 0x07,
    0x04, 0x00, 0x41, 0x01, 0x0B, 0x04, 0x00, 0x41, 0x02, 0x0B, 0x07, 0x00,
    0x41, 0xE3, 0x00, 0x24, 0x00, 0x0B, 0x04, 0x00, 0x23, 0x00, 0x0B, 0x07,
    0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x0B, 0x07, 0x00, 0x41, 0x01, 0x11,
    0x00, 0x00, 0x0B, 0x11, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x02, 0xFC,
    0x08, 0x00, 0x00, 0x41, 0x01, 0x2D, 0x00, 0x00, 0x0B, 0x0B, 0x05, 0x01,
    0x01, 0x02, 0x68, 0x69,
};

/* wasm_fixed without the table's export. */
static const uint8_t wasm_fixed_own[] = {
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60,
    0x00, 0x01, 0x7F, 0x60, 0x00, 0x00, 0x02, 0x0C, 0x01, 0x03, 0x65, 0x6E,
    0x76, 0x03, 0x6D, 0x65, 0x6D, 0x02, 0x00, 0x01, 0x03, 0x08, 0x07, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02,
    0x06, 0x06, 0x01, 0x7F, 0x01, 0x41, 0x07, 0x0B, 0x07, 0x1E, 0x05, 0x04,
    0x73, 0x65, 0x74, 0x67, 0x00, 0x02, 0x01, 0x67, 0x00, 0x03, 0x02, 0x74,
    0x30, 0x00, 0x04, 0x02, 0x74, 0x31, 0x00, 0x05, 0x05, 0x64, 0x69, 0x6E,
    0x69, 0x74, 0x00, 0x06, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0B, 0x02,
    0x00, 0x01, 0x0C, 0x01, 0x01, 0x0A, 0x3A, 0x07, 0x04, 0x00, 0x41, 0x01,
    0x0B, 0x04, 0x00, 0x41, 0x02, 0x0B, 0x07, 0x00, 0x41, 0xE3, 0x00, 0x24,
    0x00, 0x0B, 0x04, 0x00, 0x23, 0x00, 0x0B, 0x07, 0x00, 0x41, 0x00, 0x11,
    0x00, 0x00, 0x0B, 0x07, 0x00, 0x41, 0x01, 0x11, 0x00, 0x00, 0x0B, 0x11,
    0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x02, 0xFC, 0x08, 0x00, 0x00, 0x41,
    0x01, 0x2D, 0x00, 0x00, 0x0B, 0x0B, 0x05, 0x01, 0x01, 0x02, 0x68, 0x69,
};

/* Another instance that changes wasm_fixed's exported table:
 * (module
 *   (import "env" "t" (table 2 funcref))
 *   (func (export "clear") i32.const 0 ref.null func table.set 0)) */
static const uint8_t wasm_clear[] = {
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
    0x00, 0x00, 0x02, 0x0B, 0x01, 0x03, 0x65, 0x6E, 0x76, 0x01, 0x74, 0x01,
    0x70, 0x00, 0x02, 0x03, 0x02, 0x01, 0x00, 0x07, 0x09, 0x01, 0x05, 0x63,
    0x6C, 0x65, 0x61, 0x72, 0x00, 0x00, 0x0A, 0x0A, 0x01, 0x08, 0x00, 0x41,
    0x00, 0xD0, 0x70, 0x26, 0x00, 0x0B,
};

/* ---- helpers ---------------------------------------------------------- */

/* Arguments or results for a function that has none.  (Not NULL: the API
 * does not promise to accept NULL for an empty array.) */
static gb_val none[1];

/* A loaded module, a store and an instance, freed together. */
typedef struct fixture {
    gb_module *m;
    gb_store *s;
    gb_instance *inst;
} fixture;

/* Load bytes with cfg (NULL: defaults), make a store, instantiate with
 * imports.  Returns 0 (after reporting) on any failure. */
static int setup(fixture *fx, const gb_wasm_config *cfg, const uint8_t *bytes,
                 size_t len, const gb_extern *imports, uint32_t nimports)
{
    gb_wasm_config def;
    char detail[256] = "";
    memset(fx, 0, sizeof *fx);
    if (!cfg) {
        gb_wasm_config_default(&def);
        cfg = &def;
    }
    gb_err e = gb_module_load(cfg, bytes, len, &fx->m, detail, sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e != GB_OK) {
        fprintf(stderr, "  load: %s\n", detail);
        return 0;
    }
    e = gb_store_new(cfg, &fx->s);
    GB_EXPECT_ERR(GB_OK, e);
    if (e != GB_OK)
        return 0;
    e = gb_instantiate(fx->s, fx->m, imports, nimports, &fx->inst, detail,
                       sizeof detail);
    GB_EXPECT_ERR(GB_OK, e);
    if (e != GB_OK) {
        fprintf(stderr, "  instantiate: %s\n", detail);
        return 0;
    }
    return 1;
}

static void teardown(fixture *fx)
{
    if (fx->s)
        gb_store_free(fx->s);
    gb_module_free(fx->m);
    memset(fx, 0, sizeof *fx);
}

/* The exported function name, or NULL (reported). */
static gb_func *export_func(const fixture *fx, const char *name)
{
    gb_extern ext;
    gb_err e = gb_instance_export(fx->inst, name, strlen(name), &ext);
    GB_EXPECT_ERR(GB_OK, e);
    if (e != GB_OK)
        return NULL;
    GB_EXPECT_U64(GB_EXTERN_FUNC, ext.kind);
    return ext.kind == GB_EXTERN_FUNC ? ext.u.func : NULL;
}

static gb_global *export_global(const fixture *fx, const char *name)
{
    gb_extern ext;
    gb_err e = gb_instance_export(fx->inst, name, strlen(name), &ext);
    GB_EXPECT_ERR(GB_OK, e);
    if (e != GB_OK)
        return NULL;
    GB_EXPECT_U64(GB_EXTERN_GLOBAL, ext.kind);
    return ext.kind == GB_EXTERN_GLOBAL ? ext.u.global : NULL;
}

/* Load must fail with want; the detail message must say something. */
static void expect_load_fails(const uint8_t *bytes, size_t len, gb_err want)
{
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    gb_module *m = NULL;
    char detail[256];
    memset(detail, 'x', sizeof detail);
    gb_err e = gb_module_load(&cfg, bytes, len, &m, detail, sizeof detail);
    GB_EXPECT_ERR(want, e);
    GB_EXPECT(m == NULL);
    GB_EXPECT(memchr(detail, 0, sizeof detail) != NULL);
    GB_EXPECT(detail[0] != '\0');
    if (e == GB_OK)
        gb_module_free(m);
}

/* ---- tests ------------------------------------------------------------ */

static void test_add_returns_sum(void)
{
    fixture fx;
    if (!setup(&fx, NULL, wasm_add, sizeof wasm_add, NULL, 0))
        goto out;
    gb_func *add = export_func(&fx, "add");
    if (!add)
        goto out;
    const gb_functype *t = gb_func_type(add);
    GB_EXPECT_U64(2, t->nparams);
    GB_EXPECT_U64(1, t->nresults);

    gb_val args[2] = {40, 2}, res[1] = {0};
    gb_store_set_gas(fx.s, 1000000);
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, add, args, res));
    GB_EXPECT_U64(42, res[0]);

    /* i32 wraps, and the upper 32 bits of the result are zero */
    args[0] = 0xFFFFFFFFu;
    args[1] = 2;
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, add, args, res));
    GB_EXPECT_U64(1, res[0]);

    /* unknown export */
    gb_extern ext;
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_instance_export(fx.inst, "sub", 3, &ext));
out:
    teardown(&fx);
}

static void test_memory_store_visible(void)
{
    fixture fx;
    if (!setup(&fx, NULL, wasm_store, sizeof wasm_store, NULL, 0))
        goto out;
    gb_func *store = export_func(&fx, "store");
    gb_extern ext;
    GB_EXPECT_ERR(GB_OK, gb_instance_export(fx.inst, "mem", 3, &ext));
    GB_EXPECT_U64(GB_EXTERN_MEMORY, ext.kind);
    if (!store || ext.kind != GB_EXTERN_MEMORY)
        goto out;
    gb_memory *mem = ext.u.memory;
    GB_EXPECT(mem == gb_instance_memory(fx.inst));
    GB_EXPECT_U64(65536, gb_memory_size(mem));

    gb_val args[2] = {100, 0xDEADBEEFu};
    gb_store_set_gas(fx.s, 1000000);
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, store, args, none));
    const uint8_t *d = gb_memory_data(mem);
    /* little-endian */
    GB_EXPECT_U64(0xEF, d[100]);
    GB_EXPECT_U64(0xBE, d[101]);
    GB_EXPECT_U64(0xAD, d[102]);
    GB_EXPECT_U64(0xDE, d[103]);
    GB_EXPECT_U64(0, d[99]);
    GB_EXPECT_U64(0, d[104]);

    /* the last 4 bytes are in bounds, one further is not */
    args[0] = 65532;
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, store, args, none));
    GB_EXPECT_U64(0xDE, d[65535]);
    args[0] = 65533;
    GB_EXPECT_ERR(GB_TRAP_MEM_OOB, gb_func_call(fx.s, store, args, none));
out:
    teardown(&fx);
}

typedef struct host_log {
    int calls;
    gb_val arg;
    bool had_store;
} host_log;

static gb_err host_double(gb_host_ctx *ctx, void *user, const gb_val *args,
                          gb_val *results)
{
    host_log *log = user;
    uint32_t x = (uint32_t)args[0]; /* read args before writing results */
    log->calls++;
    log->arg = x;
    log->had_store = gb_host_store(ctx) != NULL;
    results[0] = (uint32_t)(x * 2);
    return GB_OK;
}

static void test_host_import_called(void)
{
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    gb_store *s = NULL;
    gb_module *m = NULL;
    host_log log = {0};
    char detail[256] = "";

    GB_EXPECT_ERR(GB_OK, gb_module_load(&cfg, wasm_host, sizeof wasm_host,
                                        &m, detail, sizeof detail));
    if (!m) {
        fprintf(stderr, "  load: %s\n", detail);
        return;
    }
    GB_EXPECT_U64(1, gb_module_import_count(m));
    gb_import_desc d;
    gb_module_import(m, 0, &d);
    GB_EXPECT_U64(GB_EXTERN_FUNC, d.kind);
    GB_EXPECT(d.module_len == 3 && memcmp(d.module, "env", 3) == 0);
    GB_EXPECT(d.name_len == 6 && memcmp(d.name, "double", 6) == 0);
    GB_EXPECT_U64(1, d.func.nparams);
    GB_EXPECT_U64(1, d.func.nresults);

    GB_EXPECT_ERR(GB_OK, gb_store_new(&cfg, &s));
    if (!s)
        goto out;
    gb_extern imp = {.kind = GB_EXTERN_FUNC};
    GB_EXPECT_ERR(GB_OK,
                  gb_func_new_host(s, &d.func, host_double, &log, &imp.u.func));
    gb_instance *inst = NULL;
    GB_EXPECT_ERR(GB_OK,
                  gb_instantiate(s, m, &imp, 1, &inst, detail, sizeof detail));
    if (!inst) {
        fprintf(stderr, "  instantiate: %s\n", detail);
        goto out;
    }
    gb_extern ext;
    GB_EXPECT_ERR(GB_OK, gb_instance_export(inst, "f", 1, &ext));
    gb_val arg = 20, res = 0;
    gb_store_set_gas(s, 1000000);
    GB_EXPECT_ERR(GB_OK, gb_func_call(s, ext.u.func, &arg, &res));
    GB_EXPECT_U64(1, log.calls);
    GB_EXPECT_U64(20, log.arg);
    GB_EXPECT(log.had_store);
    GB_EXPECT_U64(41, res); /* 20 * 2 by the host, + 1 by the module */
out:
    if (s)
        gb_store_free(s);
    gb_module_free(m);
}

static void test_trap_unreachable(void)
{
    fixture fx;
    if (!setup(&fx, NULL, wasm_unreachable, sizeof wasm_unreachable, NULL, 0))
        goto out;
    gb_func *f = export_func(&fx, "f");
    if (!f)
        goto out;
    gb_store_set_gas(fx.s, 1000000);
    GB_EXPECT_ERR(GB_TRAP_UNREACHABLE, gb_func_call(fx.s, f, none, none));
    const char *msg = gb_store_trap_message(fx.s);
    GB_EXPECT(msg != NULL);
    GB_EXPECT_STR_CONTAINS(msg, "unreachable");
    /* the store is usable after a trap */
    GB_EXPECT_ERR(GB_TRAP_UNREACHABLE, gb_func_call(fx.s, f, none, none));
out:
    teardown(&fx);
}

static void test_gas_infinite_loop(void)
{
    fixture fx;
    if (!setup(&fx, NULL, wasm_spin, sizeof wasm_spin, NULL, 0))
        goto out;
    gb_func *spin = export_func(&fx, "spin");
    gb_global *count = export_global(&fx, "count");
    if (!spin || !count)
        goto out;
    gb_store_set_gas(fx.s, 10000);
    GB_EXPECT_ERR(GB_TRAP_OUT_OF_GAS, gb_func_call(fx.s, spin, none, none));
    GB_EXPECT_U64(10000, gb_store_gas_used(fx.s));
    GB_EXPECT_U64(0, gb_store_gas_left(fx.s));
    GB_EXPECT_STR_CONTAINS(gb_store_trap_message(fx.s), "gas");
    GB_EXPECT(gb_global_get(count) > 0);
out:
    teardown(&fx);
}

/* Run spin in a fresh store with the given limit; report gas used and the
 * loop counter. */
static void spin_once(uint64_t limit, uint64_t *out_used, uint64_t *out_count)
{
    fixture fx;
    *out_used = *out_count = UINT64_MAX;
    if (!setup(&fx, NULL, wasm_spin, sizeof wasm_spin, NULL, 0))
        goto out;
    gb_func *spin = export_func(&fx, "spin");
    gb_global *count = export_global(&fx, "count");
    if (!spin || !count)
        goto out;
    gb_store_set_gas(fx.s, limit);
    GB_EXPECT_ERR(GB_TRAP_OUT_OF_GAS, gb_func_call(fx.s, spin, none, none));
    *out_used = gb_store_gas_used(fx.s);
    *out_count = (uint32_t)gb_global_get(count);
out:
    teardown(&fx);
}

static void test_gas_deterministic_stop(void)
{
    /* 12345: a limit that is unlikely to be a multiple of the loop's cost */
    uint64_t used1, count1, used2, count2;
    spin_once(12345, &used1, &count1);
    spin_once(12345, &used2, &count2);
    GB_EXPECT_U64(used1, used2);
    GB_EXPECT_U64(count1, count2);
    GB_EXPECT_U64(12345, used1);
    GB_EXPECT(count1 > 0 && count1 != UINT64_MAX);

    /* more gas, more iterations */
    uint64_t used3, count3;
    spin_once(24690, &used3, &count3);
    GB_EXPECT(count3 > count1);
}

/* spin_once with a deadline far away and a tiny slice: the gas is handed
 * out hundreds of times, and where it runs out does not move. */
static void test_deadline_same_gas(void)
{
    fixture fx;
    if (!setup(&fx, NULL, wasm_spin, sizeof wasm_spin, NULL, 0))
        goto out;
    gb_func *spin = export_func(&fx, "spin");
    gb_global *count = export_global(&fx, "count");
    if (!spin || !count)
        goto out;
    uint64_t used0, count0;
    spin_once(123457, &used0, &count0);
    gb_store_set_gas(fx.s, 123457);
    gb_store_set_deadline(fx.s, gb_monotonic_ns() + 60000000000ull, 100);
    GB_EXPECT_U64(123457, gb_store_gas_left(fx.s));
    GB_EXPECT_ERR(GB_TRAP_OUT_OF_GAS, gb_func_call(fx.s, spin, none, none));
    GB_EXPECT(!gb_store_interrupted(fx.s));
    GB_EXPECT_U64(used0, gb_store_gas_used(fx.s));
    GB_EXPECT_U64(0, gb_store_gas_left(fx.s));
    GB_EXPECT_U64(count0, (uint32_t)gb_global_get(count));
out:
    teardown(&fx);
}

/* An endless loop with all the gas there is stops at the deadline. */
static void test_deadline_stops_endless_loop(void)
{
    fixture fx;
    if (!setup(&fx, NULL, wasm_spin, sizeof wasm_spin, NULL, 0))
        goto out;
    gb_func *spin = export_func(&fx, "spin");
    if (!spin)
        goto out;
    gb_store_set_gas(fx.s, UINT64_MAX);
    uint64_t t0 = gb_monotonic_ns();
    gb_store_set_deadline(fx.s, t0 + 50000000ull, 0); /* 50 ms */
    GB_EXPECT_ERR(GB_TRAP_OUT_OF_GAS, gb_func_call(fx.s, spin, none, none));
    uint64_t took = gb_monotonic_ns() - t0;
    GB_EXPECT(gb_store_interrupted(fx.s));
    GB_EXPECT(took >= 50000000ull && took < 2000000000ull);
    GB_EXPECT(gb_store_gas_used(fx.s) > 0);
    /* a new limit clears the flag; no deadline: as before */
    gb_store_set_deadline(fx.s, 0, 0);
    gb_store_set_gas(fx.s, 1000);
    GB_EXPECT(!gb_store_interrupted(fx.s));
    GB_EXPECT_ERR(GB_TRAP_OUT_OF_GAS, gb_func_call(fx.s, spin, none, none));
    GB_EXPECT(!gb_store_interrupted(fx.s));
    GB_EXPECT_U64(1000, gb_store_gas_used(fx.s));
out:
    teardown(&fx);
}

static void test_deep_recursion_traps(void)
{
    fixture fx;
    if (!setup(&fx, NULL, wasm_recurse, sizeof wasm_recurse, NULL, 0))
        goto out;
    gb_func *f = export_func(&fx, "f");
    if (!f)
        goto out;
    gb_store_set_gas(fx.s, UINT64_C(1) << 40);
    GB_EXPECT_ERR(GB_TRAP_STACK_EXHAUSTED, gb_func_call(fx.s, f, none, none));
    GB_EXPECT(gb_store_trap_message(fx.s) != NULL);
    /* and again: the stacks were unwound */
    GB_EXPECT_ERR(GB_TRAP_STACK_EXHAUSTED, gb_func_call(fx.s, f, none, none));
out:
    teardown(&fx);
}

static void test_deep_recursion_value_stack(void)
{
    /* the call depth allows far more frames than the value stack holds */
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    cfg.max_call_depth = 100000;
    cfg.max_stack_slots = 1u << 16;
    if (cfg.max_locals < 2000)
        cfg.max_locals = 2000;
    fixture fx;
    if (!setup(&fx, &cfg, wasm_recurse_locals, sizeof wasm_recurse_locals,
               NULL, 0))
        goto out;
    gb_func *f = export_func(&fx, "f");
    if (!f)
        goto out;
    gb_store_set_gas(fx.s, UINT64_C(1) << 40);
    GB_EXPECT_ERR(GB_TRAP_STACK_EXHAUSTED, gb_func_call(fx.s, f, none, none));
out:
    teardown(&fx);
}

static void test_bad_magic_malformed(void)
{
    expect_load_fails(wasm_bad_magic, sizeof wasm_bad_magic, GB_MALFORMED);
    expect_load_fails(wasm_add, 4, GB_MALFORMED);                /* cut short */
    expect_load_fails(wasm_add, sizeof wasm_add - 1, GB_MALFORMED);
}

static void test_type_error_invalid(void)
{
    expect_load_fails(wasm_bad_type, sizeof wasm_bad_type, GB_INVALID);
}

static void test_memory_grow_limit(void)
{
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    cfg.max_memory_pages = 4;
    fixture fx;
    if (!setup(&fx, &cfg, wasm_grow, sizeof wasm_grow, NULL, 0))
        goto out;
    gb_func *grow = export_func(&fx, "grow");
    if (!grow)
        goto out;
    gb_memory *mem = gb_instance_memory(fx.inst);
    gb_store_set_gas(fx.s, 10000000);
    gb_val arg, res;

    arg = 10; /* 1 + 10 > 4 */
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, grow, &arg, &res));
    GB_EXPECT_U64(0xFFFFFFFFu, res);
    GB_EXPECT_U64(65536, gb_memory_size(mem));

    arg = 2; /* 1 -> 3 */
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, grow, &arg, &res));
    GB_EXPECT_U64(1, res);
    arg = 1; /* 3 -> 4: exactly the limit */
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, grow, &arg, &res));
    GB_EXPECT_U64(3, res);
    arg = 1; /* 4 -> 5: over */
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, grow, &arg, &res));
    GB_EXPECT_U64(0xFFFFFFFFu, res);
    arg = 0; /* growing by 0 returns the size */
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, grow, &arg, &res));
    GB_EXPECT_U64(4, res);
    GB_EXPECT_U64(4 * 65536, gb_memory_size(mem));

    /* the API agrees */
    uint32_t old = 0;
    GB_EXPECT_ERR(GB_LIMIT, gb_memory_grow(mem, 1, &old));
    GB_EXPECT_U64(4 * 65536, gb_memory_size(mem));
out:
    teardown(&fx);
}

static void test_metering_off(void)
{
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    cfg.metering = false;
    fixture fx;
    if (!setup(&fx, &cfg, wasm_add, sizeof wasm_add, NULL, 0))
        goto out;
    gb_func *add = export_func(&fx, "add");
    if (!add)
        goto out;
    gb_store_set_gas(fx.s, 1000);
    gb_val args[2] = {1, 2}, res[1];
    for (int i = 0; i < 10; i++)
        GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, add, args, res));
    GB_EXPECT_U64(3, res[0]);
    GB_EXPECT_U64(0, gb_store_gas_used(fx.s));
out:
    teardown(&fx);
}

static void test_gas_exact(void)
{
    /* One basic block: i32.const, i32.const, i32.add, end.  No locals, and
     * the host's call into the function is not charged a `call`. */
    const gb_gas_schedule *g = gb_gas_schedule_default();
    uint64_t want = (uint64_t)g->op[0x41] * 2 + g->op[0x6A] + g->op[0x0B];

    fixture fx;
    if (!setup(&fx, NULL, wasm_const_add, sizeof wasm_const_add, NULL, 0))
        goto out;
    gb_func *f = export_func(&fx, "f");
    if (!f)
        goto out;
    gb_val res = 0;
    gb_store_set_gas(fx.s, 1000000);
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, f, none, &res));
    GB_EXPECT_U64(3, res);
    GB_EXPECT_U64(want, gb_store_gas_used(fx.s));
    GB_EXPECT_U64(1000000 - want, gb_store_gas_left(fx.s));

    /* gas used accumulates across calls until the limit is set again */
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, f, none, &res));
    GB_EXPECT_U64(2 * want, gb_store_gas_used(fx.s));
    gb_store_set_gas(fx.s, 1000000);
    GB_EXPECT_U64(0, gb_store_gas_used(fx.s));

    /* exactly enough gas runs; one unit less does not */
    gb_store_set_gas(fx.s, want);
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, f, none, &res));
    if (want > 0) {
        gb_store_set_gas(fx.s, want - 1);
        GB_EXPECT_ERR(GB_TRAP_OUT_OF_GAS, gb_func_call(fx.s, f, none, &res));
        GB_EXPECT_U64(want - 1, gb_store_gas_used(fx.s));
    }
out:
    teardown(&fx);
}

static void test_gas_exact_call_and_locals(void)
{
    /* $g: its block as above plus per_local for each of its 2 locals;
     * $f: call (the opcode's cost plus schedule->call) and end, plus $g. */
    const gb_gas_schedule *g = gb_gas_schedule_default();
    uint64_t want_g = (uint64_t)g->op[0x41] * 2 + g->op[0x6A] + g->op[0x0B] +
                      2 * (uint64_t)g->per_local;
    uint64_t want_f = (uint64_t)g->op[0x10] + g->call + g->op[0x0B] + want_g;

    fixture fx;
    if (!setup(&fx, NULL, wasm_call_locals, sizeof wasm_call_locals, NULL, 0))
        goto out;
    gb_func *ff = export_func(&fx, "f"), *fg = export_func(&fx, "g");
    if (!ff || !fg)
        goto out;
    gb_val res = 0;
    gb_store_set_gas(fx.s, 1000000);
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, fg, none, &res));
    GB_EXPECT_U64(3, res);
    GB_EXPECT_U64(want_g, gb_store_gas_used(fx.s));
    gb_store_set_gas(fx.s, 1000000);
    GB_EXPECT_ERR(GB_OK, gb_func_call(fx.s, ff, none, &res));
    GB_EXPECT_U64(3, res);
    GB_EXPECT_U64(want_f, gb_store_gas_used(fx.s));
out:
    teardown(&fx);
}

static gb_err host_seven(gb_host_ctx *ctx, void *user, const gb_val *args,
                         gb_val *results)
{
    (void)ctx;
    (void)args;
    results[0] = (uint32_t)(uintptr_t)user;
    return GB_OK;
}

/* Call export name of inst: its i32 result, or -1 when it traps. */
static int64_t call_i32(gb_store *s, gb_instance *inst, const char *name)
{
    gb_extern ext;
    if (gb_instance_export(inst, name, strlen(name), &ext) != GB_OK)
        return -2;
    gb_val res = 0;
    gb_store_set_gas(s, 1000000);
    return gb_func_call(s, ext.u.func, none, &res) == GB_OK ? (int64_t)(uint32_t)res
                                                            : -1;
}

/* The state a new instance of wasm_reuse has. */
static void expect_fresh(gb_store *s, gb_instance *inst)
{
    GB_EXPECT_U64(7, call_i32(s, inst, "g"));
    GB_EXPECT_U64(2, call_i32(s, inst, "size"));
    GB_EXPECT_U64(1, call_i32(s, inst, "t0"));
    GB_EXPECT_U64(2, call_i32(s, inst, "init"));
    GB_EXPECT_U64('h', call_i32(s, inst, "dinit"));
}

/* An instance made with GB_INST_REUSE comes back from the store's spare
 * after a reset, for the same module and imports, with the state of a new
 * one (globals, table size and elements, dropped segments); other imports
 * get a new instance; the spare keeps its module alive. */
static void instance_reuse(gb_wasm_tier tier, uint32_t flags)
{
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    cfg.tier = tier;
    gb_module *m = NULL;
    gb_store *s = NULL;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_module_load(&cfg, wasm_reuse, sizeof wasm_reuse,
                                        &m, detail, sizeof detail));
    if (!m) {
        fprintf(stderr, "  load: %s\n", detail);
        return;
    }
    GB_EXPECT_ERR(GB_OK, gb_store_new(&cfg, &s));
    gb_functype ft = {.nresults = 1, .results = (const uint8_t[]){GB_I32}};
    gb_func *h7 = NULL, *h8 = NULL;
    gb_memory *mem = NULL;
    GB_EXPECT_ERR(GB_OK, gb_func_new_host(s, &ft, host_seven, (void *)7, &h7));
    GB_EXPECT_ERR(GB_OK, gb_func_new_host(s, &ft, host_seven, (void *)8, &h8));
    GB_EXPECT_ERR(GB_OK, gb_memory_new_ex(s, (gb_limits){.min = 1}, GB_MEM_KEEP,
                                          &mem));
    if (!h7 || !h8 || !mem)
        goto out;
    gb_extern imp[2] = {{.kind = GB_EXTERN_MEMORY, .u.memory = mem},
                        {.kind = GB_EXTERN_FUNC, .u.func = h7}};
    uint32_t fl = GB_INST_REUSE | flags;
    gb_instance *a = NULL, *b = NULL, *c = NULL;
    GB_EXPECT_ERR(GB_OK, gb_instantiate_ex(s, m, imp, 2, fl, &a, detail,
                                           sizeof detail));
    if (!a)
        goto out;
    expect_fresh(s, a);
    GB_EXPECT_U64(7, call_i32(s, a, "host"));
    GB_EXPECT_U64(0, call_i32(s, a, "mutate"));
    GB_EXPECT_U64(99, call_i32(s, a, "g"));
    GB_EXPECT_U64(7, call_i32(s, a, "size"));
    GB_EXPECT(call_i32(s, a, "t0") == -1);   /* table[0] is null now */
    GB_EXPECT(call_i32(s, a, "init") == -1); /* elem dropped */
    GB_EXPECT(call_i32(s, a, "dinit") == -1); /* data dropped */

    /* the caller's reference goes; the spare's keeps the module */
    const gb_module *mine = gb_module_retain(m);
    gb_module_free(m);
    gb_store_reset(s);
    memset(gb_memory_data(mem), 0, 4);
    GB_EXPECT_ERR(GB_OK, gb_instantiate_ex(s, mine, imp, 2, fl, &b, detail,
                                           sizeof detail));
    GB_EXPECT(b == a); /* the spare, made again */
    if (b)
        expect_fresh(s, b);

    /* other imports: a new instance, its own host function */
    gb_store_reset(s);
    imp[1].u.func = h8;
    GB_EXPECT_ERR(GB_OK, gb_instantiate_ex(s, mine, imp, 2, fl, &c, detail,
                                           sizeof detail));
    GB_EXPECT(c && c != a);
    if (c) {
        expect_fresh(s, c);
        GB_EXPECT_U64(8, call_i32(s, c, "host"));
    }

    /* imports vouched for: the spare without comparing them (linked to
     * the ones it was made with); the flag is not kept with it */
    gb_store_reset(s);
    imp[1].u.func = h7;
    gb_instance *d = NULL, *e = NULL;
    GB_EXPECT_ERR(GB_OK, gb_instantiate_ex(s, mine, imp, 2,
                                           fl | GB_INST_SAME_IMPORTS, &d,
                                           detail, sizeof detail));
    GB_EXPECT(d && d == c);
    if (d) {
        expect_fresh(s, d);
        GB_EXPECT_U64(8, call_i32(s, d, "host"));
    }
    gb_store_reset(s);
    imp[1].u.func = h8;
    GB_EXPECT_ERR(GB_OK, gb_instantiate_ex(s, mine, imp, 2, fl, &e, detail,
                                           sizeof detail));
    GB_EXPECT(e && e == c);
    m = (gb_module *)mine;
out:
    gb_store_free(s); /* frees the spare and its reference */
    gb_module_free(m);
}

/* gb_instance_export_at: each export by its position as by its name;
 * none past the last. */
static void test_export_at(void)
{
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    gb_module *m = NULL;
    gb_store *s = NULL;
    gb_instance *inst = NULL;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_OK, gb_module_load(&cfg, wasm_reuse, sizeof wasm_reuse,
                                        &m, detail, sizeof detail));
    GB_EXPECT_ERR(GB_OK, gb_store_new(&cfg, &s));
    gb_functype ft = {.nresults = 1, .results = (const uint8_t[]){GB_I32}};
    gb_func *h = NULL;
    gb_memory *mem = NULL;
    if (!m || !s ||
        gb_func_new_host(s, &ft, host_seven, (void *)7, &h) != GB_OK ||
        gb_memory_new(s, (gb_limits){.min = 1}, &mem) != GB_OK)
        goto out;
    gb_extern imp[2] = {{.kind = GB_EXTERN_MEMORY, .u.memory = mem},
                        {.kind = GB_EXTERN_FUNC, .u.func = h}};
    GB_EXPECT_ERR(GB_OK, gb_instantiate(s, m, imp, 2, &inst, detail,
                                        sizeof detail));
    if (!inst)
        goto out;
    uint32_t n = gb_module_export_count(m);
    GB_EXPECT(n == 7);
    for (uint32_t i = 0; i < n; i++) {
        gb_export_desc ex;
        gb_module_export(m, i, &ex);
        gb_extern by_name = {0}, by_pos = {0};
        GB_EXPECT_ERR(GB_OK, gb_instance_export(inst, ex.name, ex.name_len,
                                                &by_name));
        GB_EXPECT_ERR(GB_OK, gb_instance_export_at(inst, i, &by_pos));
        GB_EXPECT(by_pos.kind == by_name.kind &&
                  by_pos.u.func == by_name.u.func && by_pos.u.func);
    }
    gb_extern none_ = {0};
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_instance_export_at(inst, n, &none_));
out:
    gb_store_free(s);
    gb_module_free(m);
}

/* The state wasm_fixed's new instance has. */
static void expect_fixed_fresh(gb_store *s, gb_instance *inst)
{
    GB_EXPECT_U64(7, call_i32(s, inst, "g"));
    GB_EXPECT_U64(1, call_i32(s, inst, "t0"));
    GB_EXPECT_U64(2, call_i32(s, inst, "t1"));
    GB_EXPECT_U64('i', call_i32(s, inst, "dinit")); /* (passive: again) */
}

/* A reused instance of a module whose code changes no table (wasm_fixed,
 * or wasm_fixed_own when not exported) has its globals made again and
 * its passive data usable; an exported table, changed by another
 * instance, is made again too. */
static void instance_reuse_fixed(gb_wasm_tier tier, bool exported)
{
    gb_wasm_config cfg;
    gb_wasm_config_default(&cfg);
    cfg.tier = tier;
    gb_module *m = NULL, *mc = NULL;
    gb_store *s = NULL;
    gb_memory *mem = NULL;
    char detail[256] = "";
    GB_EXPECT_ERR(GB_OK, exported
                             ? gb_module_load(&cfg, wasm_fixed,
                                              sizeof wasm_fixed, &m, detail,
                                              sizeof detail)
                             : gb_module_load(&cfg, wasm_fixed_own,
                                              sizeof wasm_fixed_own, &m,
                                              detail, sizeof detail));
    GB_EXPECT_ERR(GB_OK, gb_module_load(&cfg, wasm_clear, sizeof wasm_clear,
                                        &mc, detail, sizeof detail));
    GB_EXPECT_ERR(GB_OK, gb_store_new(&cfg, &s));
    if (!m || !mc || !s ||
        gb_memory_new_ex(s, (gb_limits){.min = 1}, GB_MEM_KEEP, &mem) != GB_OK)
        goto out;
    gb_extern imp = {.kind = GB_EXTERN_MEMORY, .u.memory = mem};
    const uint32_t fl = GB_INST_REUSE | GB_INST_NO_DATA;
    gb_instance *a = NULL, *b = NULL, *c = NULL;
    GB_EXPECT_ERR(GB_OK, gb_instantiate_ex(s, m, &imp, 1, fl, &a, detail,
                                           sizeof detail));
    if (!a)
        goto out;
    expect_fixed_fresh(s, a);
    GB_EXPECT_U64(0, call_i32(s, a, "setg"));
    GB_EXPECT_U64(99, call_i32(s, a, "g"));
    gb_store_reset(s);
    GB_EXPECT_ERR(GB_OK, gb_instantiate_ex(s, m, &imp, 1, fl, &b, detail,
                                           sizeof detail));
    GB_EXPECT(b == a);
    if (!b)
        goto out;
    expect_fixed_fresh(s, b);
    if (!exported)
        goto out;

    /* another instance empties the exported table's first entry */
    gb_extern t;
    GB_EXPECT_ERR(GB_OK, gb_instance_export(b, "t", 1, &t));
    GB_EXPECT_ERR(GB_OK, gb_instantiate(s, mc, &t, 1, &c, detail,
                                        sizeof detail));
    if (c)
        GB_EXPECT_U64(0, call_i32(s, c, "clear"));
    GB_EXPECT(call_i32(s, b, "t0") == -1);
    gb_store_reset(s);
    b = NULL;
    GB_EXPECT_ERR(GB_OK, gb_instantiate_ex(s, m, &imp, 1, fl, &b, detail,
                                           sizeof detail));
    GB_EXPECT(b == a);
    if (b)
        expect_fixed_fresh(s, b);
out:
    gb_store_free(s);
    gb_module_free(m);
    gb_module_free(mc);
}

static void test_instance_reuse(void)
{
    for (uint32_t flags = 0; flags <= GB_INST_NO_DATA; flags += GB_INST_NO_DATA) {
        instance_reuse(GB_TIER_INTERP, flags);
        instance_reuse(GB_TIER_COMPILED, flags);
    }
    for (int exported = 0; exported < 2; exported++) {
        instance_reuse_fixed(GB_TIER_INTERP, exported);
        instance_reuse_fixed(GB_TIER_COMPILED, exported);
    }
}

int main(void)
{
    GB_RUN(test_add_returns_sum);
    GB_RUN(test_memory_store_visible);
    GB_RUN(test_host_import_called);
    GB_RUN(test_trap_unreachable);
    GB_RUN(test_gas_infinite_loop);
    GB_RUN(test_gas_deterministic_stop);
    GB_RUN(test_deadline_same_gas);
    GB_RUN(test_deadline_stops_endless_loop);
    GB_RUN(test_deep_recursion_traps);
    GB_RUN(test_deep_recursion_value_stack);
    GB_RUN(test_bad_magic_malformed);
    GB_RUN(test_type_error_invalid);
    GB_RUN(test_memory_grow_limit);
    GB_RUN(test_metering_off);
    GB_RUN(test_gas_exact);
    GB_RUN(test_gas_exact_call_and_locals);
    GB_RUN(test_instance_reuse);
    GB_RUN(test_export_at);
    return gb_test_summary();
}
