;; Calls, divisions and conditions as the compiled tier translates them
;; (src/wasm/jit_x64.c, jit_x64_num.c), for tests/wasm/test_jit_diff.c:
;; every export runs under both tiers over a ladder of gas limits (out of
;; gas inside callees at many depths), and test_calls_divs checks what
;; each export is made to end with.  The differential test runs with a
;; depth limit of 1000 and 65536 value-stack slots (tests/wasm/jit_diff.h).
(module
  (type $rec_t (func (param i32 i64) (result i64)))
  (import "env" "host" (func $host (param i32) (result i32)))
  (memory 1)
  (table 4 funcref)
  (elem (i32.const 0) $rec $rec_ind $leaf)
  (global $g (mut i64) (i64.const 0))

  ;; values in registers across a call; memory written on the way down
  ;; (up to n = 5000: the depth limit first)
  (func $rec (type $rec_t) (param $n i32) (param $acc i64) (result i64)
    (local $x i64) (local $y i64)
    (local.set $x (i64.add (i64.mul (local.get $acc) (i64.const 3))
                           (i64.extend_i32_u (local.get $n))))
    (local.set $y (i64.xor (local.get $x)
                           (i64.shl (local.get $x) (i64.const 7))))
    (i64.store (i32.and (i32.shl (local.get $n) (i32.const 3))
                        (i32.const 0xfff8))
               (local.get $y))
    (if (i32.eqz (local.get $n)) (then (return (local.get $y))))
    (i64.add (call $rec (i32.sub (local.get $n) (i32.const 1))
                        (i64.add (local.get $x) (local.get $y)))
             (i64.sub (local.get $x) (local.get $y))))

  ;; the same through the table, with a host call at every level
  (func $rec_ind (type $rec_t) (param $n i32) (param $acc i64) (result i64)
    (local $x i64)
    (local.set $x (i64.add (local.get $acc)
                           (i64.extend_i32_u
                             (call $host (local.get $n)))))
    (global.set $g (i64.add (global.get $g) (local.get $x)))
    (if (i32.eqz (local.get $n)) (then (return (local.get $x))))
    (i64.mul
      (call_indirect (type $rec_t)
        (i32.sub (local.get $n) (i32.const 1))
        (i64.add (local.get $x) (i64.const 1))
        (i32.const 1))
      (i64.const 3)))

  (func $leaf (type $rec_t) (param $n i32) (param $acc i64) (result i64)
    (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n))))

  ;; a big frame: the value stack (65536 slots) runs out before the depth
  (func $big (param $n i32) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local.set 1 (i64.extend_i32_u (local.get $n)))
    (local.set 160 (i64.mul (local.get 1) (local.get 1)))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 7))))
    (i32.add (call $big (i32.sub (local.get $n) (i32.const 1)))
             (i32.wrap_i64 (local.get 160))))

  ;; depth: the export at depth 0, $chain(k) k frames more; 1000 frames
  ;; in all fit, 1001 do not
  (func $chain (param $k i32) (result i32)
    (if (i32.eqz (local.get $k)) (then (return (i32.const 1))))
    (i32.add (call $chain (i32.sub (local.get $k) (i32.const 1)))
             (i32.const 1)))

  (func (export "rec_500") (result i64)
    (call $rec (i32.const 500) (i64.const 1)))
  (func (export "rec_deep") (result i64)
    (call $rec (i32.const 5000) (i64.const 1)))
  (func (export "ind_300") (result i64)
    (call_indirect (type $rec_t) (i32.const 300) (i64.const 5) (i32.const 1)))
  (func (export "ind_deep") (result i64)
    (call_indirect (type $rec_t) (i32.const 3000) (i64.const 5) (i32.const 1)))
  (func (export "big_deep") (result i32)
    (call $big (i32.const 900)))
  (func (export "depth_999") (result i32)
    (call $chain (i32.const 998)))
  (func (export "depth_1000") (result i32)
    (call $chain (i32.const 999)))

  ;; divisions, native in the compiled tier: every kind, with registers
  ;; pinned through the loop (rdx among them), ending in INT_MIN / -1
  (func (export "div_loop") (result i64)
    (local $i i32) (local $a i64) (local $b i32) (local $s i64)
    (local $t i64) (local $u i32)
    (local.set $a (i64.const 0x7fffffffffff1234))
    (local.set $b (i32.const 0x7ffff123))
    (loop $l
      (local.set $t (i64.div_s (local.get $a)
                               (i64.sub (i64.extend_i32_u (local.get $i))
                                        (i64.const 27))))
      (local.set $u (i32.rem_s (local.get $b) (i32.sub (i32.const 25)
                                                       (local.get $i))))
      (local.set $s (i64.add (local.get $s)
        (i64.add (i64.add (local.get $t) (i64.extend_i32_s (local.get $u)))
          (i64.add
            (i64.rem_u (local.get $a) (i64.extend_i32_u (local.get $b)))
            (i64.extend_i32_u
              (i32.add (i32.div_u (local.get $b)
                                  (i32.add (local.get $i) (i32.const 1)))
                       (i32.rem_u (local.get $b) (i32.const 1000))))))))
      (local.set $a (i64.xor (local.get $a) (local.get $s)))
      (local.set $b (i32.sub (local.get $b) (i32.const 977)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 20))))
    ;; then: i32 INT_MIN % -1 is 0, i32 INT_MIN / -1 traps
    (local.set $u (i32.sub (local.get $u)
                           (i32.add (local.get $u) (i32.const 1))))
    (local.set $s (i64.add (local.get $s)
      (i64.extend_i32_s (i32.rem_s (i32.const 0x80000000) (local.get $u)))))
    (global.set $g (local.get $s))
    (i64.add (local.get $s)
             (i64.extend_i32_s (i32.div_s (i32.const 0x80000000)
                                          (local.get $u)))))
  (func (export "div_zero") (result i64)
    (local $i i64) (local $s i64)
    (loop $l
      (local.set $s (i64.add (local.get $s)
                             (i64.div_u (i64.const 1000000)
                                        (i64.sub (i64.const 5)
                                                 (local.get $i)))))
      (i64.store (i32.wrap_i64 (i64.shl (local.get $i) (i64.const 3)))
                 (local.get $s))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $l))
    (local.get $s))
  (func (export "div_min64") (result i64)
    (local $m i64)
    (local.set $m (i64.const 0x8000000000000000))
    ;; INT_MIN % -1 = 0, INT_MIN / 1, then INT_MIN / -1 traps
    (i64.add
      (i64.add (i64.rem_s (local.get $m) (i64.const -1))
               (i64.div_s (local.get $m) (i64.const 1)))
      (i64.div_s (local.get $m)
                 (i64.sub (i64.const 0) (i64.const 1)))))
  ;; divisions by constants: powers of two (2^31, 2^63 too), -1, others
  (func (export "div_const") (result i64)
    (local $x i64) (local $y i32) (local $s i64) (local $i i32)
    (local.set $x (i64.const -1234567890123))
    (local.set $y (i32.const -987654321))
    (loop $l
      (local.set $s (i64.add (local.get $s)
        (i64.add
          (i64.add (i64.div_u (local.get $x) (i64.const 8))
                   (i64.rem_u (local.get $x) (i64.const 0x8000000000000000)))
          (i64.add (i64.div_s (local.get $x) (i64.const -1))
                   (i64.rem_s (local.get $x) (i64.const -1))))))
      (local.set $s (i64.add (local.get $s)
        (i64.extend_i32_u
          (i32.add
            (i32.add (i32.div_u (local.get $y) (i32.const 0x80000000))
                     (i32.rem_u (local.get $y) (i32.const 0x80000000)))
            (i32.add (i32.div_s (local.get $y) (i32.const -7))
                     (i32.add (i32.rem_u (local.get $y) (i32.const 1))
                              (i32.div_u (local.get $y) (i32.const 1))))))))
      (local.set $x (i64.add (local.get $x) (i64.const 999999937)))
      (local.set $y (i32.add (local.get $y) (i32.const 123456789)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 50))))
    (local.get $s))
  (func (export "div_const_zero") (result i32)
    (i32.rem_u (i32.const 5) (i32.const 0)))

  ;; comparisons read by br_if and select next (i64: not fused by the
  ;; compiler), the result also used later or not
  (func (export "conds") (result i64)
    (local $i i64) (local $s i64) (local $c i32) (local $v i64)
    (loop $l
      (local.set $v (i64.mul (local.get $i) (i64.const 0x9e3779b97f4a7c15)))
      (local.set $s (i64.add (local.get $s)
        (select (local.get $v) (i64.const 3)
                (i64.lt_u (local.get $v) (local.get $s)))))
      (if (i64.gt_s (local.get $v) (local.get $s))
        (then (local.set $s (i64.sub (local.get $s) (i64.const 1)))))
      (local.set $c (i64.le_u (local.get $v) (i64.const 0x7000000000000000)))
      (local.set $s (i64.add (local.get $s)
        (select (i64.const 5) (local.get $i) (local.get $c))))
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $c))))
      (local.set $s (i64.xor (local.get $s)
        (select (local.get $i) (local.get $v) (i64.eqz (local.get $i)))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.ne (local.get $i) (i64.const 300))))
    (local.get $s))
)
