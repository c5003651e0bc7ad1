;; Accesses at a sum plus a constant, (uint32)(q + c), for
;; tests/wasm/test_jit_diff.c (test_fold; also run the three ways over the
;; gas ladder with the other test programs).  With guard pages the
;; compiled tier leaves c to the access's displacement, [r14 + q + c],
;; when q's known low bits show q + c cannot wrap past 2^32 (and q's
;; register is zero above bit 31: a sum just made, as matmul's): here
;; q = b + p, p stepping by 16 from 0, so c below 16 folds and c of 16 or
;; more must not (q = 0xfffffff0: q + 16 wraps to 0, in bounds, where
;; [r14 + q + 16] would fault).  Each loop has three accesses or more,
;; so that a window marks them and they make no marks themselves.
(module
  (memory 1)
  (func $fill (local $j i32)
    (loop $l
      (i32.store (local.get $j)
                 (i32.add (i32.mul (local.get $j) (i32.const 0x9e3779b1))
                          (i32.const 7)))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 4)))
                        (i32.const 1024)))))
  ;; q from 0xfffffff0: q + 16, 20, 24 wrap to the memory's first bytes
  ;; (in bounds: none may fold), q + 4, 8, 12 do not (folded, past the
  ;; end in the first run: they trap)
  (func (export "wrap_in") (result i32) (local $p i32) (local $q i32)
    (local $s i32) (local $b i32)
    (call $fill)
    (local.set $b (i32.const 0xfffffff0))
    (loop $l
      (local.set $q (i32.add (local.get $b) (local.get $p)))
      (local.set $s (i32.add (local.get $s)
                             (i32.load (i32.add (local.get $q) (i32.const 16)))))
      (local.set $s (i32.xor (local.get $s)
                             (i32.load (i32.add (local.get $q) (i32.const 20)))))
      (i32.store (i32.add (local.get $q) (i32.const 24))
                 (i32.add (local.get $s)
                          (i32.load (i32.add (local.get $q) (i32.const 28)))))
      (br_if $l (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 16)))
                        (i32.const 64))))
    (i32.add (local.get $s) (i32.load (i32.const 24))))
  (func (export "wrap_oob") (result i32) (local $p i32) (local $q i32)
    (local $s i32) (local $b i32)
    (call $fill)
    (local.set $b (i32.const 0xfffffff0))
    (loop $l
      (local.set $q (i32.add (local.get $b) (local.get $p)))
      (local.set $s (i32.add (local.get $s)
                             (i32.load (i32.add (local.get $q) (i32.const 16)))))
      (local.set $s (i32.xor (local.get $s)
                             (i32.load (i32.add (local.get $q) (i32.const 12)))))
      (i32.store (i32.add (local.get $q) (i32.const 24))
                 (i32.add (local.get $s)
                          (i32.load (i32.add (local.get $q) (i32.const 28)))))
      (br_if $l (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 16)))
                        (i32.const 64))))
    (local.get $s))
  ;; q from 0x100: q + 4, 8, 12 fold, in bounds
  (func (export "fold_in") (result i32) (local $p i32) (local $q i32)
    (local $s i32) (local $b i32)
    (call $fill)
    (local.set $b (i32.const 0x100))
    (loop $l
      (local.set $q (i32.add (local.get $b) (local.get $p)))
      (local.set $s (i32.add (local.get $s)
                             (i32.load (i32.add (local.get $q) (i32.const 4)))))
      (local.set $s (i32.xor (local.get $s)
                             (i32.load (i32.add (local.get $q) (i32.const 8)))))
      (i32.store (i32.add (local.get $q) (i32.const 12))
                 (i32.add (local.get $s)
                          (i32.load (i32.add (local.get $q) (i32.const 4)))))
      (br_if $l (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 16)))
                        (i32.const 0x100))))
    (i32.add (local.get $s) (i32.load (i32.const 0x1fc))))
  ;; q from 0xff00 to the memory's end: 0xfff0 + 12 the last i32 in
  ;; bounds, then a run past it (folded accesses trapping)
  (func (export "fold_end") (result i32) (local $p i32) (local $q i32)
    (local $s i32) (local $b i32)
    (local.set $b (i32.const 0xff00))
    (loop $l
      (local.set $q (i32.add (local.get $b) (local.get $p)))
      (local.set $s (i32.add (local.get $s)
                             (i32.load (i32.add (local.get $q) (i32.const 4)))))
      (local.set $s (i32.xor (local.get $s)
                             (i32.load (i32.add (local.get $q) (i32.const 8)))))
      (i32.store (i32.add (local.get $q) (i32.const 12))
                 (i32.add (local.get $s) (i32.const 1)))
      (br_if $l (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 16)))
                        (i32.const 0x110))))
    (local.get $s))
)
