;; For the trace tests (tests/gear/test_trace_gas.c): nested calls and
;; syscalls of every gas part.  handle -> parse (gr_size, gr_read), then
;; work -> leaf three times, gr_debug, gr_send_wgas (gas given),
;; gr_reserve_gas + gr_unreserve_gas (given, then given back),
;; gr_system_reserve_gas (given; a failed run keeps it), alloc (memory
;; growth); a payload starting with 'F' then traps, after the gas was
;; given; else handle replies with the payload.  No name section:
;; functions are func[N] (imports 0-8, handle 9, parse 10, work 11, leaf 12).
(module
  (import "env" "memory" (memory 2))
  (import "env" "gr_size" (func $size (param i32)))
  (import "env" "gr_read" (func $read (param i32 i32 i32 i32)))
  (import "env" "gr_debug" (func $debug (param i32 i32)))
  (import "env" "gr_send_wgas" (func $send_wgas (param i32 i32 i32 i64 i32 i32)))
  (import "env" "gr_reserve_gas" (func $reserve (param i64 i32 i32)))
  (import "env" "gr_unreserve_gas" (func $unreserve (param i32 i32)))
  (import "env" "gr_system_reserve_gas" (func $sysres (param i64 i32)))
  (import "env" "alloc" (func $alloc (param i32) (result i32)))
  (import "env" "gr_reply" (func $reply (param i32 i32 i32 i32)))
  (export "handle" (func $handle))
  (func $handle
    (call $parse)
    (call $work)
    (call $reply (i32.const 0x200) (i32.load (i32.const 0x100)) (i32.const -1)
                 (i32.const 0x300)))
  (func $parse
    (call $size (i32.const 0x100))
    (call $read (i32.const 0) (i32.load (i32.const 0x100)) (i32.const 0x200)
                (i32.const 0x104)))
  (func $work (local $i i32)
    (loop $l
      (call $leaf (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    (call $debug (i32.const 0x200) (i32.load (i32.const 0x100)))
    ;; the destination: 32 bytes of 0x11 at 0x400, value 0 after it
    (i64.store (i32.const 0x400) (i64.const 0x1111111111111111))
    (i64.store (i32.const 0x408) (i64.const 0x1111111111111111))
    (i64.store (i32.const 0x410) (i64.const 0x1111111111111111))
    (i64.store (i32.const 0x418) (i64.const 0x1111111111111111))
    (call $send_wgas (i32.const 0x400) (i32.const 0x200)
                     (i32.load (i32.const 0x100)) (i64.const 1000000)
                     (i32.const 0) (i32.const 0x500))
    (call $reserve (i64.const 500000) (i32.const 10) (i32.const 0x600))
    (call $unreserve (i32.const 0x604) (i32.const 0x700))
    (call $sysres (i64.const 700000) (i32.const 0x900))
    (drop (call $alloc (i32.const 1)))
    (if (i32.eq (i32.load8_u (i32.const 0x200)) (i32.const 0x46))
      (then unreachable)))
  (func $leaf (param $x i32)
    (i32.store (i32.add (i32.const 0x800) (i32.shl (local.get $x) (i32.const 2)))
               (local.get $x))))
