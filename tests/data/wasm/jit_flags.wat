;; Branches and selects on a value an i32 add, sub, and, or or xor just
;; computed (the compiled tier branches on the zero flag the operation
;; left, src/wasm/jit_x64.c, emit_binop), next to values whose flags
;; must not be used (a shift by a count that is 0 mod 32 leaves them as
;; they were, an add made with lea sets none, a multiply leaves the zero
;; flag undefined), for tests/wasm/test_jit_diff.c (test_flags).
(module
  (memory 1)
  ;; a counter from -64 up by 8 to 0: the loop's exit is the add's zero
  (func (export "count_up") (result i32) (local $i i32) (local $n i32)
    (local.set $i (i32.sub (i32.load8_u (i32.const 300)) (i32.const 64)))
    (loop $l
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (local.tee $i (i32.add (local.get $i) (i32.const 8)))))
    (local.get $n))
  ;; select on a sub and on an and
  (func (export "select_sub") (result i32) (local $a i32) (local $b i32)
    (local.set $a (i32.add (i32.load8_u (i32.const 301)) (i32.const 5)))
    (local.set $b (i32.sub (local.get $a) (i32.const 5)))
    (i32.add
      (select (i32.const 10) (i32.const 20) (local.get $b))
      (select (i32.const 100) (i32.const 200)
              (i32.and (local.get $a) (i32.const 2)))))
  ;; the flags of a sub that gave 0, then a shift by 32 (flags kept as
  ;; they were) of a value that is not 0: the branch is taken
  (func (export "shift_keeps_flags") (result i32) (local $a i32)
    (local $y i32)
    (local.set $a (i32.add (i32.load8_u (i32.const 302)) (i32.const 7)))
    (block $b
      (local.set $y (i32.shl (i32.sub (local.get $a) (i32.const 7))
                             (i32.const 0)))
      (local.set $y (i32.shl (local.get $a) (i32.const 32)))
      (br_if $b (local.get $y))
      (return (i32.const 1)))
    (i32.const 2))
  ;; an add made with lea (its first operand still live) after a sub that
  ;; gave 0: the branch is taken
  (func (export "lea_sets_none") (result i32) (local $a i32) (local $z i32)
    (local $y i32)
    (local.set $a (i32.add (i32.load8_u (i32.const 303)) (i32.const 7)))
    (block $b
      (local.set $z (i32.sub (local.get $a) (i32.const 7)))
      (local.set $y (i32.add (local.get $a) (local.get $a)))
      (br_if $b (local.get $y))
      (return (i32.add (local.get $a) (local.get $z))))
    (i32.add (local.get $y) (local.get $z)))
  ;; after a sub that gave 0, a product that is not 0
  (func (export "mul_after_zero") (result i32) (local $a i32) (local $z i32)
    (local $y i32)
    (local.set $a (i32.add (i32.load8_u (i32.const 304)) (i32.const 0x10001)))
    (block $b
      (local.set $z (i32.sub (local.get $a) (i32.const 0x10001)))
      (local.set $y (i32.mul (local.get $a) (local.get $a)))
      (br_if $b (local.get $y))
      (return (local.get $z)))
    (i32.const 4))
;; v >u 2^n - 1 tested before v >>= n, a branch on it (clang's
  ;; rotated `while (v) v >>= n`): the comparison left out, the shift's
  ;; zero flag the condition; i64 and i32, by a select too.  Returns the
  ;; counts of the loops' rounds: 17, 16, 9 (17 + 16 * 32 + 9 * 1024)
  (func (export "shift_loop") (result i32) (local $v i64) (local $n i32)
    (local $c i32) (local $u i32) (local $m i32) (local $k i32)
    (local.set $v (i64.add (i64.extend_i32_u (i32.load8_u (i32.const 305)))
                           (i64.const 0x123456789)))
    (loop $l
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $c (i64.gt_u (local.get $v) (i64.const 3)))
      (local.set $v (i64.shr_u (local.get $v) (i64.const 2)))
      (br_if $l (local.get $c)))
    (local.set $u (i32.add (i32.load8_u (i32.const 305)) (i32.const 0xfedcba98)))
    (loop $l
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (local.set $c (i32.gt_u (local.get $u) (i32.const 3)))
      (local.set $u (i32.shr_u (local.get $u) (i32.const 2)))
      (br_if $l (local.get $c)))
    (local.set $u (i32.add (i32.load8_u (i32.const 305)) (i32.const 300)))
    (loop $l
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (local.set $c (i32.gt_u (local.get $u) (i32.const 1)))
      (local.set $u (i32.shr_u (local.get $u) (i32.const 1)))
      (br_if $l (select (i32.const 1) (i32.const 0) (local.get $c))))
    (i32.add (i32.add (local.get $n) (i32.mul (local.get $m) (i32.const 32)))
             (i32.mul (local.get $k) (i32.const 1024))))
  ;; the same shapes whose comparison must be made: a bound that is not
  ;; 2^n - 1 (5, shifts by 2: v reaches 5, where 5 >> 2 is not 0) and a
  ;; shift by another count (bound 3, shifts by 3: v reaches 5 > 3, where
  ;; 5 >> 3 is 0).  Returns 11 + 100 * 3
  (func (export "shift_loop_not") (result i32) (local $v i64) (local $n i32)
    (local $c i32) (local $u i32) (local $m i32)
    (local.set $v (i64.add (i64.extend_i32_u (i32.load8_u (i32.const 305)))
                           (i64.const 5242880)))
    (loop $l
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $c (i64.gt_u (local.get $v) (i64.const 5)))
      (local.set $v (i64.shr_u (local.get $v) (i64.const 2)))
      (br_if $l (local.get $c)))
    (local.set $u (i32.add (i32.load8_u (i32.const 305)) (i32.const 40)))
    (loop $l
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (local.set $c (i32.gt_u (local.get $u) (i32.const 3)))
      (local.set $u (i32.shr_u (local.get $u) (i32.const 3)))
      (br_if $l (local.get $c)))
    (i32.add (local.get $n) (i32.mul (local.get $m) (i32.const 100))))
)
