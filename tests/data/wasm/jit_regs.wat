;; Registers the compiled tier hands out in ways of its own, next to
;; values that must not be given them, for tests/wasm/test_jit_diff.c
;; (test_regs; also run the three ways over the gas ladder with the other
;; test programs).
(module
  (memory 1)
  ;; y[j] = 3 j + 1 at 1024, z[j] = 5 j + 2 at 2048, j < 16
  (func $fill (local $j i32)
    (loop $l
      (i32.store offset=1024 (i32.shl (local.get $j) (i32.const 2))
                 (i32.add (i32.mul (local.get $j) (i32.const 3)) (i32.const 1)))
      (i32.store offset=2048 (i32.shl (local.get $j) (i32.const 2))
                 (i32.add (i32.mul (local.get $j) (i32.const 5)) (i32.const 2)))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 1)))
                        (i32.const 16)))))
  ;; z[j] += a * y[j], the loop unrolled twice as clang does matmul's:
  ;; eight values live in the loop, more than the cache registers; each
  ;; y[j] is loaded straight into the multiply-add (the scratch rax), so
  ;; the others all get registers.  Returns the sum of z.
  (func (export "madd_rows") (result i32) (local $j i32) (local $a i32)
    (local $zp i32) (local $yp i32) (local $zb i32) (local $yb i32)
    (local $s i32)
    (call $fill)
    (local.set $a (i32.load8_u (i32.const 7)))
    (local.set $a (i32.add (local.get $a) (i32.const 7)))
    (local.set $zb (i32.const 2048))
    (local.set $yb (i32.const 1024))
    (loop $l
      (i32.store (local.tee $zp (i32.add (local.get $zb) (local.get $j)))
                 (i32.add (i32.load (local.get $zp))
                          (i32.mul (i32.load (local.tee $yp (i32.add (local.get $yb)
                                                                     (local.get $j))))
                                   (local.get $a))))
      (i32.store offset=4 (local.get $zp)
                 (i32.add (i32.load offset=4 (local.get $zp))
                          (i32.mul (i32.load offset=4 (local.get $yp))
                                   (local.get $a))))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 8)))
                        (i32.const 64))))
    (local.set $j (i32.const 0))
    (loop $h
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31))
                             (i32.load offset=2048 (local.get $j))))
      (br_if $h (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 4)))
                        (i32.const 64))))
    (local.get $s))
  ;; a load read by a multiply-add and again after it: it must be in its
  ;; slot's register (or slot), not only in rax; on a straight line (no
  ;; pins), then in a loop
  (func (export "madd_live") (result i32) (local $j i32) (local $v i32)
    (local $s i32) (local $t i32)
    (call $fill)
    (local.set $j (i32.load8_u (i32.const 5)))
    (local.set $j (i32.shl (i32.add (local.get $j) (i32.const 3))
                           (i32.const 2)))
    (local.set $s (i32.mul (i32.load offset=1024 (local.get $j))
                           (local.get $j)))
    (local.set $v (i32.load offset=1028 (local.get $j)))
    (local.set $s (i32.add (local.get $s)
                           (i32.mul (local.get $v) (local.get $j))))
    (local.set $t (i32.add (local.get $v) (local.get $s)))
    (local.set $j (i32.const 0))
    (loop $l
      (local.set $v (i32.load offset=1024 (local.get $j)))
      (local.set $s (i32.add (local.get $s)
                             (i32.mul (local.get $v) (local.get $j))))
      (local.set $t (i32.xor (local.get $t) (local.get $v)))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 4)))
                        (i32.const 64))))
    (i32.add (i32.mul (local.get $s) (i32.const 1000)) (local.get $t)))
  ;; loads whose bytes may span two granules (the address read from
  ;; memory, its alignment unknown): the second granule's mark, out of
  ;; line, uses rax, so these go to their registers; 510 spans 512
  (func (export "madd_span") (result i32) (local $p i32) (local $s i32)
    (local $k i32) (local $m i32)
    (i32.store (i32.const 508) (i32.const 0x01020304))
    (i32.store (i32.const 512) (i32.const 0x05060708))
    (i32.store (i32.const 40) (i32.const 510))
    (local.set $p (i32.load (i32.const 40)))
    (loop $l
      (local.set $m (i32.add (local.get $k) (i32.const 3)))
      (local.set $s (i32.add (local.get $s)
                             (i32.mul (i32.load (local.get $p))
                                      (local.get $m))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $l (i32.ne (local.tee $k (i32.add (local.get $k) (i32.const 1)))
                        (i32.const 4))))
    (local.get $s))
  ;; the same with i64: y loaded as i64 pairs into the multiply-add
  (func (export "madd_rows64") (result i32) (local $j i32) (local $a i64)
    (local $s i64)
    (call $fill)
    (local.set $a (i64.extend_i32_u (i32.load8_u (i32.const 9))))
    (local.set $a (i64.add (local.get $a) (i64.const 0x100000003)))
    (loop $l
      (local.set $s (i64.add (local.get $s)
                             (i64.mul (i64.load offset=1024 (local.get $j))
                                      (local.get $a))))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 8)))
                        (i32.const 64))))
    (i32.wrap_i64 (i64.xor (local.get $s) (i64.shr_u (local.get $s) (i64.const 32)))))
  ;; loads and stores marking their granule by shifting the address in
  ;; rax (a sum) in place, next to a load whose value goes to rax: eight
  ;; slots in a loop of one straight line, seven pinned, the least used
  ;; (t, loaded at i + 2000) through rax and the frame, so its mark must
  ;; be made from the address, not from the value (40000: another granule)
  (func (export "mark_in_rax") (result i32) (local $i i32) (local $a i32)
    (local $b i32) (local $c i32) (local $d i32) (local $e i32)
    (local $f i32) (local $t i32)
    (loop $w
      (i32.store offset=2000 (local.get $i) (i32.const 40000))
      (br_if $w (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4)))
                        (i32.const 64))))
    (local.set $i (i32.const 0))
    (loop $l
      (local.set $a (i32.add (local.get $a) (local.get $i)))
      (local.set $b (i32.xor (local.get $b) (local.get $a)))
      (local.set $c (i32.add (local.get $c) (local.get $b)))
      (local.set $d (i32.sub (local.get $d) (local.get $c)))
      (local.set $e (i32.add (local.get $e) (local.get $d)))
      (local.set $f (i32.xor (local.get $f) (local.get $e)))
      (local.set $t (i32.load (i32.add (local.get $i) (i32.const 2000))))
      (local.set $a (i32.add (local.get $a) (local.get $t)))
      (local.set $b (i32.add (local.get $b) (local.get $f)))
      (local.set $c (i32.add (local.get $c) (local.get $d)))
      (local.set $e (i32.add (local.get $e) (local.get $b)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4)))
                        (i32.const 64))))
    (i32.add (i32.add (local.get $a) (local.get $b))
             (i32.add (local.get $c) (i32.add (local.get $e) (local.get $f)))))
)
