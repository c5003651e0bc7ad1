;; Loop heads reached by falling into them, for tests/wasm/test_jit_diff.c
;; (test_loop_heads): a loop's metered block opens with a GAS that a branch
;; back charges from its gas cell and jumps past (compile.c), and that is
;; dispatched as an instruction only on the way in from above — which the
;; compiled tier may charge together with the GAS before it (jit_x64.c,
;; charge_block).  Each export enters its loops from a different kind of
;; instruction and stores a counter every time round, so that where the gas
;; runs out shows in memory too; run under both tiers at every gas limit
;; of a range, gas also handed out a few units at a time.
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))

  (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))

  ;; the body opens with the loop: the function's GAS, then the loop's
  (func (export "first") (local $i i32)
    (loop $l
      (i32.store (i32.const 0) (local.get $i))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (i32.const 4)))))

  ;; pure instructions before the loop (the two charges made as one)
  (func (export "after_pure") (local $i i32) (local $j i32)
    (local.set $i (i32.const 3))
    (local.set $j (i32.add (local.get $i) (i32.const 7)))
    (loop $l
      (i32.store (i32.const 4) (local.get $j))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))

  ;; a load, a store, a call, global.set before it (not pure)
  (func (export "after_load") (local $i i32)
    (local.set $i (i32.load (i32.const 0)))
    (loop $l
      (i32.store (i32.const 8) (local.get $i))
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))
  (func (export "after_store") (local $i i32)
    (local.set $i (i32.const 3))
    (i32.store (i32.const 12) (i32.const 99))
    (loop $l
      (i32.store (i32.const 12) (local.get $i))
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))
  (func (export "after_call") (local $i i32)
    (local.set $i (call $leaf (i32.const 2)))
    (loop $l
      (i32.store (i32.const 16) (local.get $i))
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))
  (func (export "after_global") (local $i i32)
    (local.set $i (i32.const 3))
    (global.set $g (i32.const 5))
    (loop $l
      (i32.store (i32.const 20) (local.get $i))
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))

  ;; one loop after another: the first's br_if falls into the second
  (func (export "loop_loop") (local $i i32) (local $j i32)
    (local.set $i (i32.const 3))
    (local.set $j (i32.const 3))
    (loop $a
      (i32.store (i32.const 24) (local.get $i))
      (br_if $a (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
    (loop $b
      (i32.store (i32.const 28) (local.get $j))
      (br_if $b (local.tee $j (i32.sub (local.get $j) (i32.const 1))))))

  ;; two loops opening at the same instruction, branched to both ways
  (func (export "nested_same_head") (local $i i32) (local $j i32)
    (local.set $i (i32.const 2))
    (loop $outer
      (loop $inner
        (i32.store (i32.const 32) (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1)))
                                (i32.const 3))))
      (local.set $j (i32.const 0))
      (br_if $outer (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))

  ;; an inner loop entered from the outer one's body each time round
  (func (export "inner_each_time") (local $i i32) (local $j i32)
    (local.set $i (i32.const 3))
    (loop $outer
      (local.set $j (local.get $i))
      (loop $inner
        (i32.store (i32.const 36) (local.get $j))
        (br_if $inner (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
      (br_if $outer (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))

  ;; after a block's end that is branched to (its own GAS first), both
  ;; ways: branched to and fallen into
  (func $after_block (param $x i32) (local $i i32)
    (local.set $i (i32.const 2))
    (block $b
      (br_if $b (local.get $x))
      (i32.store (i32.const 40) (i32.const 7)))
    (loop $l
      (i32.store (i32.const 44) (local.get $i))
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))
  (func (export "after_block") (call $after_block (i32.const 0))
                               (call $after_block (i32.const 1)))

  ;; after an if's end, and opening a then and an else arm
  (func $in_if (param $x i32) (local $i i32)
    (local.set $i (i32.const 2))
    (if (local.get $x)
      (then
        (loop $l
          (i32.store (i32.const 48) (local.get $i))
          (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))
      (else
        (loop $m
          (i32.store (i32.const 52) (local.get $i))
          (br_if $m (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))))
    (local.set $i (i32.const 2))
    (loop $n
      (i32.store (i32.const 56) (local.get $i))
      (br_if $n (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))
  (func (export "in_if") (call $in_if (i32.const 0)) (call $in_if (i32.const 1)))

  ;; right after a br_if out of a block (its charging form charges the
  ;; loop's GAS when not taken), and after a br_table's target
  (func $after_br_if (param $x i32) (local $i i32)
    (local.set $i (i32.const 2))
    (block $out
      (br_if $out (local.get $x))
      (loop $l
        (i32.store (i32.const 60) (local.get $i))
        (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))
    (block $c
      (block $a
        (br_table $a $c (local.get $x)))
      (loop $l2
        (i32.store (i32.const 64) (local.get $i))
        (br_if $l2 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (i32.const 3))))))
  (func (export "after_br_if") (call $after_br_if (i32.const 0))
                               (call $after_br_if (i32.const 1)))

  ;; a comparison and a select before it (flags), a loop without a branch
  ;; back (its head is reached only by falling in)
  (func (export "after_select") (local $i i32) (local $k i32)
    (local.set $k (i32.const 9))
    (local.set $i (select (i32.const 3) (i32.const 4)
                          (i32.gt_u (local.get $k) (i32.const 5))))
    (loop $l
      (i32.store (i32.const 68) (local.get $i))
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
    (loop $once
      (i32.store (i32.const 72) (i32.const 1))))

  ;; a loop whose first instruction is a call, and one entered by the
  ;; return of a call inside an enclosing loop
  (func (export "calls") (local $i i32) (local $j i32)
    (local.set $i (i32.const 2))
    (loop $l
      (local.set $j (call $leaf (local.get $j)))
      (i32.store (i32.const 76) (local.get $j))
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
    (local.set $i (i32.const 2))
    (loop $o
      (local.set $j (call $leaf (local.get $j)))
      (loop $in
        (i32.store (i32.const 80) (local.get $j))
        (br_if $in (i32.and (local.tee $j (i32.add (local.get $j) (i32.const 1)))
                            (i32.const 1))))
      (br_if $o (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))
)
