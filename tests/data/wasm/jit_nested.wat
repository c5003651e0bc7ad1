;; Loops of several straight lines with loops of one line nested in them,
;; whose slots the compiled tier pins in two turns (docs/engine.md,
;; "Registers": the outer loop's carried values through it all, the inner
;; loop's own in the registers left), for tests/wasm/test_jit_diff.c
;; (test_nested; also run over the gas ladder with the other test
;; programs).  Every export returns a sum of what it computed and wrote.
(module
  (memory 1 2)
  (func $id (param i32) (result i32) (local.get 0))
  ;; a sieve: the outer loop skips composites (a branch to its latch), and
  ;; marks multiples in an inner loop of one line; count and i carried
  (func (export "sieve") (result i32) (local $i i32) (local $j i32)
        (local $n i32) (local $count i32)
    (local.set $n (i32.const 3000))
    (local.set $i (i32.const 2))
    (loop $outer
      (block $next
        (br_if $next (i32.load8_u offset=1000 (local.get $i)))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (br_if $next (i32.ge_u (i32.mul (local.get $i) (local.get $i))
                               (local.get $n)))
        (local.set $j (i32.mul (local.get $i) (local.get $i)))
        (loop $inner
          (i32.store8 offset=1000 (local.get $j) (i32.const 1))
          (br_if $inner (i32.lt_u (local.tee $j (i32.add (local.get $j)
                                                         (local.get $i)))
                                  (local.get $n)))))
      (br_if $outer (i32.lt_u (local.tee $i (i32.add (local.get $i)
                                                     (i32.const 1)))
                              (local.get $n))))
    (i32.add (i32.mul (local.get $count) (i32.const 1000))
             (i32.load8_u offset=1000 (i32.const 2999))))
  ;; the inner loop adds to the outer loop's sum (pinned by the outer
  ;; loop, written in the inner one), leaves by a branch and by falling
  ;; through, and its counter is read after it; a call in the outer loop
  ;; after the inner one (the pinned registers loaded again)
  (func (export "carried") (result i32) (local $r i32) (local $k i32)
        (local $sum i32) (local $last i32)
    (loop $rows
      (local.set $k (i32.const 0))
      (block $out
        (loop $cols
          (local.set $sum (i32.add (local.get $sum)
                                   (i32.mul (local.get $k) (local.get $r))))
          (br_if $out (i32.eq (local.get $k) (i32.const 13)))
          (br_if $cols (i32.lt_u (local.tee $k (i32.add (local.get $k)
                                                        (i32.const 1)))
                                 (local.get $r)))))
      (local.set $last (i32.add (local.get $last)
                                (call $id (local.get $k))))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r)
                                                    (i32.const 1)))
                             (i32.const 40))))
    (i32.add (local.get $sum) (i32.mul (local.get $last) (i32.const 7))))
  ;; an inner loop of three accesses a run (its marks by a window: docs/
  ;; engine.md, "Marks by windows"), stride 4, in rows 700 bytes apart,
  ;; the outer loop skipping every third row
  (func (export "rows") (result i32) (local $r i32) (local $b i32)
        (local $j i32) (local $s i32)
    (loop $rows
      (block $skip
        (br_if $skip (i32.eqz (i32.rem_u (local.get $r) (i32.const 3))))
        (local.set $b (i32.add (i32.const 8000)
                               (i32.mul (local.get $r) (i32.const 700))))
        (local.set $j (i32.const 0))
        (loop $cols
          (i32.store offset=4 (i32.add (local.get $b) (local.get $j))
                     (i32.add (i32.load (i32.add (local.get $b)
                                                 (local.get $j)))
                              (local.get $j)))
          (local.set $s (i32.add (local.get $s)
                                 (i32.load offset=4
                                           (i32.add (local.get $b)
                                                    (local.get $j)))))
          (br_if $cols (i32.ne (local.tee $j (i32.add (local.get $j)
                                                      (i32.const 4)))
                               (i32.const 600)))))
      (br_if $rows (i32.ne (local.tee $r (i32.add (local.get $r)
                                                  (i32.const 1)))
                           (i32.const 20))))
    (i32.add (local.get $s) (i32.load offset=400 (i32.const 8700))))
  ;; the inner loop runs off the end of memory in the outer loop's fourth
  ;; run: the trap with the outer loop's values in their registers
  (func (export "off_end") (result i32) (local $r i32) (local $p i32)
        (local $s i32)
    (loop $rows
      (local.set $p (i32.add (i32.const 64000)
                             (i32.mul (local.get $r) (i32.const 400))))
      (block $skip
        (br_if $skip (i32.eq (local.get $r) (i32.const 2)))
        (loop $cols
          (i32.store (local.get $p) (local.get $s))
          (local.set $s (i32.add (local.get $s) (local.get $r)))
          (br_if $cols (i32.lt_u (local.tee $p (i32.add (local.get $p)
                                                        (i32.const 4)))
                                 (i32.add (i32.const 64400)
                                          (i32.mul (local.get $r)
                                                   (i32.const 400)))))))
      (br_if $rows (i32.ne (local.tee $r (i32.add (local.get $r)
                                                  (i32.const 1)))
                           (i32.const 10))))
    (local.get $s))
)
