;; Two charges the compiled tier makes as one (src/wasm/jit_x64.c,
;; charge_block: a GAS instruction, pure instructions, another GAS on the
;; same straight line), for tests/wasm/test_jit_diff.c (test_merged_gas):
;; run under both tiers at every gas limit of a range and with gas handed
;; out a few units at a time, the counter runs out or is refilled at each
;; of the two, in calls at many depths.
(module
  ;; the rest of the block after the br_if (its charge), a constant, the
  ;; loop's first charge: as clang lays out fib's loop of calls
  (func $f (param $n i32) (result i32) (local $acc i32)
    (block $base
      (br_if $base (i32.lt_u (local.get $n) (i32.const 2)))
      (local.set $acc (i32.const 1))
      (loop $l
        (local.set $acc
          (i32.add (local.get $acc)
                   (call $f (i32.sub (local.get $n) (i32.const 1)))))
        (local.set $n (i32.sub (local.get $n) (i32.const 2)))
        (br_if $l (i32.gt_u (local.get $n) (i32.const 1))))
      (return (i32.add (local.get $acc) (local.get $n))))
    (local.get $n))
  (func (export "f9") (result i32) (call $f (i32.const 9)))
)
