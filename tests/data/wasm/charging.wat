;; The interpreter's charging forms (src/wasm/ir.h, GB_IR_GPAIRS): every
;; kind of conditional branch whose fall-through opens a metered block, and
;; direct calls, which charge the GAS after them themselves.  For
;; tests/wasm/test_jit_diff.c (test_charging_gas): run under both tiers at
;; every gas limit of a range, with gas handed out a few units at a time,
;; the counter runs out or is refilled at each of them; a store in each
;; block makes where it stopped visible in memory.
(module
  (memory 1)
  (global $k (mut i32) (i32.const 0))
  ;; one word a step, at a counter's place
  (func $mark (param $v i32)
    (i32.store (i32.shl (global.get $k) (i32.const 2)) (local.get $v))
    (global.set $k (i32.add (global.get $k) (i32.const 1))))
  (func $walk (param $n i32) (result i32) (local $i i32) (local $x i32)
    (block $out
      (loop $l
        ;; if on a comparison (its inverse fused: BR_I32_..._G), on eqz
        ;; (BR_NEZ_I32_G) and on a plain value (BR_UNLESS_G)
        (if (i32.lt_u (local.get $i) (i32.const 3))
          (then (call $mark (i32.const 10)))
          (else (call $mark (i32.const 11))))
        (if (i32.eqz (i32.and (local.get $i) (i32.const 1)))
          (then (call $mark (i32.const 20))))
        (if (i32.and (local.get $i) (i32.const 2))
          (then (call $mark (i32.const 30))))
        ;; br_if on a loaded value (BR_IF_G), on eqz (BR_EQZ_I32_G), on a
        ;; comparison with a slot (BR_I32_GE_U_G)
        (local.set $x (i32.load (i32.const 4000)))
        (br_if $out (local.get $x))
        (call $mark (i32.const 40))
        (br_if $out (i32.eqz (i32.sub (local.get $i) (i32.const 7))))
        (call $mark (i32.const 50))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (call $mark (i32.const 60))
        (br $l)))
    (local.get $i))
  ;; calls at many depths, each opening with a charge
  (func $rec (param $n i32) (result i32)
    (call $mark (local.get $n))
    (if (result i32) (local.get $n)
      (then (i32.add (call $rec (i32.sub (local.get $n) (i32.const 1)))
                     (call $rec (i32.shr_u (local.get $n) (i32.const 1)))))
      (else (i32.const 1))))
  (func (export "walk") (result i32) (call $walk (i32.const 9)))
  (func (export "rec") (result i32) (call $rec (i32.const 5)))
)
