;; What the compiled tier's liveness of frame slots (src/wasm/jit_x64_ir.c,
;; gb_jitx_live_new) leaves out, next to what it must not, for
;; tests/wasm/test_jit_diff.c (test_liveness): every export runs under
;; both tiers over a ladder of gas limits, one after another on the same
;; value stack (so a frame finds the slots a call before left), and each
;; ends with the value test_liveness expects.
(module
  (memory 1)
  (table 1 funcref)
  (elem (i32.const 0) $leaf)
  (type $leaf_t (func (param i32) (result i32)))

  (func $leaf (param $p i32) (result i32)
    (i32.add (local.get $p) (i32.const 1)))

  ;; $t is dead at the call (never read): its register (the third taken:
  ;; rdi) is left unwritten there, and nothing of it may be written after
  ;; the call either, when the two registers before it are taken again and
  ;; the return writes back: the slot below this frame is the caller's x ^ 0x55
  (func $mid (param $p i32) (result i32) (local $a i32) (local $t i32)
    (local.set $a (i32.mul (local.get $p) (i32.const 5)))
    (local.set $t (i32.mul (local.get $p) (i32.const 3)))
    (i32.add (call $leaf (local.get $p)) (local.get $a)))
  (func (export "dead_at_call") (result i32) (local $x i32)
    (local.set $x (i32.add (i32.load8_u (i32.const 203)) (i32.const 1000)))
    (i32.add (i32.xor (local.get $x) (i32.const 0x55))
             (call $mid (i32.const 5))))

  ;; a local read before it is written on one way from the entry is
  ;; zeroed, one written first on every way is not: $fill leaves 77 .. 80
  ;; in the slots $maybe's locals take next
  (func $fill (param $n i32) (result i32) (local i32 i32 i32 i32)
    (local.set 1 (i32.const 77))
    (local.set 2 (i32.const 78))
    (local.set 3 (i32.const 79))
    (local.set 4 (i32.const 80))
    (i32.add (i32.add (local.get 1) (local.get 2))
             (i32.add (local.get 3) (local.get 4))))
  (func $maybe (param $c i32) (result i32) (local $a i32) (local $b i32)
    (if (local.get $c) (then (local.set $a (i32.const 5))))
    (local.set $b (i32.mul (local.get $c) (i32.const 9)))
    (i32.add (local.get $a) (i32.add (local.get $b) (i32.const 9))))
  (func (export "zero_live_locals") (result i32)
    (drop (call $fill (i32.const 1)))
    (call $maybe (i32.const 0)))

  ;; $t is read after the loop, past an if: live at the loop's exit
  (func (export "loop_exit") (result i32) (local $i i32) (local $s i32)
    (local $t i32)
    (loop $l
      (local.set $t (i32.mul (local.get $i) (i32.const 7)))
      (local.set $s (i32.add (local.get $s) (local.get $t)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))
    (if (i32.and (local.get $s) (i32.const 1))
      (then (local.set $s (i32.add (local.get $s) (i32.const 100)))))
    (i32.add (local.get $s) (local.get $t)))

  ;; a helper (memory.fill) reads $v from the frame after a join: $v is
  ;; live at the join, so the jump over the else writes it back
  (func (export "helper_after_join") (result i32) (local $v i32)
    (local $c i32) (local $w i32)
    (local.set $c (i32.load8_u (i32.const 200)))
    (local.set $v (i32.add (local.get $c) (i32.const 0x5a)))
    (if (local.get $c)
      (then (local.set $w (i32.const 3)))
      (else (local.set $w (i32.const 4))))
    (memory.fill (i32.const 16) (local.get $v) (local.get $w))
    (i32.add (i32.load (i32.const 16)) (local.get $w)))

  ;; the same through a call_indirect (a helper's call): $v live
  (func (export "indirect_after_join") (result i32) (local $v i32)
    (local $c i32)
    (local.set $c (i32.load8_u (i32.const 201)))
    (local.set $v (i32.add (local.get $c) (i32.const 41)))
    (if (local.get $c)
      (then (local.set $c (i32.const 3)))
      (else (local.set $c (i32.const 4))))
    (i32.add (local.get $c)
             (call_indirect (type $leaf_t) (local.get $v) (i32.const 0))))

  ;; a br_table whose targets read different values: $v live at one (the
  ;; default, the last of its targets), so the add before it may not take
  ;; $v's register for $w
  (func (export "table_live") (result i32) (local $v i32) (local $k i32)
    (local $w i32)
    (local.set $k (i32.add (i32.load8_u (i32.const 202)) (i32.const 2)))
    (local.set $v (i32.add (local.get $k) (i32.const 1234)))
    (local.set $w (i32.add (local.get $v) (i32.const 1)))
    (block $a
      (block $b
        (block $c
          (br_table $b $c $a (local.get $k)))
        (return (local.get $w)))
      (return (i32.const 2)))
    (local.get $v))

  ;; a fused multiply-add whose pinned operand $y dies there (rewritten
  ;; before the branch back): the product goes into $y's register; in the
  ;; next one $y is read after it, and its register is kept
  (func (export "madd_pinned") (result i32) (local $i i32) (local $y i32)
    (local $s i32) (local $u i32)
    (local.set $y (i32.const 3))
    (loop $l
      (local.set $u (i32.add (local.get $u)
                             (i32.mul (local.get $y) (local.get $i))))
      (local.set $s (i32.add (local.get $s)
                             (i32.mul (local.get $y) (local.get $i))))
      (local.set $y (i32.add (local.get $i) (i32.const 7)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 20))))
    (i32.add (i32.add (local.get $s) (local.get $y))
             (i32.mul (local.get $u) (i32.const 3))))

  ;; a loop of one line whose only value for $one is the constant 1: its
  ;; register is given it on the way in (dead at the head), the constant
  ;; in the loop emits nothing; read after the loop too
  (func (export "loop_const") (result i32) (local $i i32) (local $one i32)
    (local $s i32)
    (loop $l
      (local.set $one (i32.const 1))
      (i32.store8 offset=400 (local.get $i) (local.get $one))
      (local.set $s (i32.add (local.get $s) (local.get $one)))
      (local.set $i (i32.add (local.get $i) (i32.const 3)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 30))))
    ;; (after the loop its register is written like any other)
    (local.set $one (i32.const 5))
    (local.set $s (i32.add (local.get $s) (local.get $one)))
    (local.set $one (i32.const 1))
    (local.set $s (i32.add (local.get $s) (local.get $one)))
    (i32.add (i32.add (local.get $s) (local.get $one))
             (i32.load offset=400 (i32.const 3))))
  ;; $t is read before the constant on the first way round (2 then 5,
  ;; live at the head: not given on the way in); $u gets two constants
  (func (export "loop_const_live") (result i32) (local $i i32)
    (local $t i32) (local $u i32) (local $s i32)
    (local.set $t (i32.add (i32.load8_u (i32.const 205)) (i32.const 2)))
    (loop $l
      (local.set $s (i32.add (local.get $s) (local.get $t)))
      (local.set $t (i32.const 5))
      (local.set $u (i32.const 7))
      (local.set $s (i32.add (local.get $s) (local.get $u)))
      (local.set $u (i32.const 100))
      (local.set $s (i32.add (local.get $s) (local.get $u)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 4))))
    (local.get $s))

  ;; results: only slot 0 is read after a return; a second result too
  (func $two (param $p i32) (result i32 i32) (local $t i32)
    (local.set $t (i32.mul (local.get $p) (i32.const 11)))
    (i32.add (local.get $t) (i32.const 1))
    (i32.sub (local.get $t) (i32.const 1)))
  (func (export "two_results") (result i32)
    (call $two (i32.const 4))
    (i32.sub))
)
