;; Programs that take the compiler's fused paths (compile.c): each export
;; computes something whose plain stack-machine meaning is known, so the
;; test can check the fused code gives the same answer, at the edges.
(module
  (memory (export "mem") 1)
  ;; x + a*b, i32 wrapping, mul result second and first
  (func (export "madd32") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.mul (local.get 1) (local.get 2))))
  (func (export "madd32r") (param i32 i32 i32) (result i32)
    (i32.add (i32.mul (local.get 1) (local.get 2)) (local.get 0)))
  (func (export "madd64") (param i64 i64 i64) (result i64)
    (i64.add (local.get 0) (i64.mul (local.get 1) (local.get 2))))
  ;; x + a*b where x is a sum of locals (must be materialised first)
  (func (export "madd_sum") (param i32 i32 i32) (result i32)
    (i32.add (i32.add (local.get 0) (local.get 1))
             (i32.mul (local.get 1) (local.get 2))))
  ;; a load through (p + k): the add wraps before the offset is applied
  (func (export "load_wrap") (param i32) (result i32)
    (i32.load offset=4 (i32.add (local.get 0) (i32.const 8))))
  (func (export "load_sum") (param i32 i32) (result i32)
    (i32.load (i32.add (local.get 0) (local.get 1))))
  ;; local.tee of a sum then a load through it; the local keeps the sum
  (func (export "load_tee") (param i32) (result i32)
    (local $p i32)
    (drop (i32.load (local.tee $p (i32.add (local.get 0) (i32.const 4)))))
    (local.get $p))
  ;; a store through (p + k), the value computed after the address
  (func (export "store_sum") (param i32 i32)
    (i32.store (i32.add (local.get 0) (i32.const 16))
               (i32.mul (local.get 1) (i32.const 3))))
  ;; the address's local changed between the address and the store
  (func (export "store_alias") (param i32 i32) (result i32)
    (i32.store (i32.add (local.get 0) (i32.const 0))
               (local.tee 0 (i32.const 100)))
    (i32.load (local.get 1)))
  ;; compare-and-branch in both directions and with constants
  (func (export "count_below") (param i32) (result i32)
    (local $i i32) (local $n i32)
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get 0)))
        (local.set $n (i32.add (local.get $n) (i32.const 2)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_s (local.get $i) (i32.const 1000)))))
    (local.get $n))
  (func (export "if_eqz") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 7)) (else (i32.const 9))))
  ;; a local set to zero before any loop: still zero on every call
  (func (export "zero_local") (param i32) (result i32)
    (local $z i32)
    (local.set $z (i32.const 0))
    (i32.add (local.get $z) (local.get 0))))
