;; Read-modify-writes, z[j] += a * y[j] (a load, maybe another, a
;; multiply-add, the store back), which the compiled tier with guard
;; pages makes as `add [r14 + zp], product`, the first load left to the
;; store, when neither load marks by itself; for tests/wasm/test_jit_diff.c
;; (test_rmw; also run the three ways over the gas ladder with the other
;; test programs).  Next to the loops that run z or y off the end of
;; memory (the trap where the interpreter's is, with its marks), a y whose
;; load marks (its address read from memory: the first load then made
;; before it), and a line whose store marks, at an offset in another
;; granule.
(module
  (memory 1)
  ;; y[j] = 3 j + 1 from 1024, z[j] = 5 j + 2 from 8192, j < 2048 words;
  ;; the table at 512: 64 addresses of words, each in a granule of its
  ;; own, 1028 + 512 k
  (func $fill (local $j i32)
    (loop $l
      (i32.store offset=1024 (local.get $j)
                 (i32.add (i32.mul (local.get $j) (i32.const 3)) (i32.const 1)))
      (i32.store offset=8192 (local.get $j)
                 (i32.add (i32.mul (local.get $j) (i32.const 5)) (i32.const 2)))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 4)))
                        (i32.const 8192))))
    (local.set $j (i32.const 0))
    (loop $t
      (i32.store offset=512 (local.get $j)
                 (i32.add (i32.const 1028) (i32.mul (local.get $j) (i32.const 128))))
      (br_if $t (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 4)))
                        (i32.const 256)))))
  ;; the sum of z's n words from zb, mixed
  (func $sum (param $zb i32) (param $n i32) (result i32) (local $s i32)
    (loop $h
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31))
                             (i32.load (local.get $zb))))
      (local.set $zb (i32.add (local.get $zb) (i32.const 4)))
      (br_if $h (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))
  ;; matmul's inner loop, unrolled twice, over j < nb bytes: z at zb, y
  ;; at yb
  (func $rows (param $zb i32) (param $yb i32) (param $a i32) (param $nb i32)
    (local $j i32) (local $zp i32) (local $yp i32)
    (loop $l
      (i32.store (local.tee $zp (i32.add (local.get $zb) (local.get $j)))
                 (i32.add (i32.load (local.get $zp))
                          (i32.mul (i32.load (local.tee $yp (i32.add (local.get $yb)
                                                                     (local.get $j))))
                                   (local.get $a))))
      (i32.store (local.tee $zp (i32.add (local.get $zp) (i32.const 4)))
                 (i32.add (i32.load (local.get $zp))
                          (i32.mul (i32.load offset=4 (local.get $yp))
                                   (local.get $a))))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 8)))
                        (local.get $nb)))))
  (func (export "rows") (result i32)
    (call $fill)
    (call $rows (i32.const 8192) (i32.const 1024) (i32.const 7) (i32.const 4096))
    (call $rows (i32.const 8200) (i32.const 1024) (i32.const 0x10001) (i32.const 2048))
    (call $sum (i32.const 8192) (i32.const 1024)))
  ;; z runs off the end (y in bounds): the trap at z's first word past it
  (func (export "z_off_end") (result i32)
    (call $fill)
    (call $rows (i32.const 0xff00) (i32.const 1024) (i32.const 3) (i32.const 512))
    (i32.const 0))
  ;; y runs off the end (z in bounds), a word past the end with its
  ;; first word in bounds
  (func (export "y_off_end") (result i32)
    (call $fill)
    (call $rows (i32.const 8192) (i32.const 0xfe04) (i32.const 3) (i32.const 512))
    (i32.const 0))
  ;; the same in i64
  (func $rows64 (param $zb i32) (param $yb i32) (param $a i64) (param $nb i32)
    (local $j i32) (local $zp i32) (local $yp i32)
    (loop $l
      (i64.store (local.tee $zp (i32.add (local.get $zb) (local.get $j)))
                 (i64.add (i64.load (local.get $zp))
                          (i64.mul (i64.load (local.tee $yp (i32.add (local.get $yb)
                                                                     (local.get $j))))
                                   (local.get $a))))
      (i64.store (local.tee $zp (i32.add (local.get $zp) (i32.const 8)))
                 (i64.add (i64.load (local.get $zp))
                          (i64.mul (i64.load offset=8 (local.get $yp))
                                   (local.get $a))))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 16)))
                        (local.get $nb)))))
  (func (export "rows64") (result i32)
    (call $fill)
    (call $rows64 (i32.const 8192) (i32.const 1024) (i64.const 0x100000007)
                  (i32.const 4096))
    (call $sum (i32.const 8192) (i32.const 1024)))
  (func (export "rows64_off_end") (result i32)
    (call $fill)
    (call $rows64 (i32.const 0xff00) (i32.const 1024) (i64.const 3)
                  (i32.const 512))
    (i32.const 0))
  ;; y's address read from the table (not known at the loop's head: its
  ;; load marks by itself, so z's load is made before it), z from zb
  (func $gather (param $zb i32) (param $n i32) (param $yo i32) (local $j i32)
    (local $yp i32) (local $zp i32)
    (loop $l
      (local.set $yp (i32.load offset=512 (local.get $j)))
      (i32.store (local.tee $zp (i32.add (local.get $zb) (local.get $j)))
                 (i32.add (i32.load (local.get $zp))
                          (i32.mul (i32.load (i32.add (local.get $yp)
                                                      (local.get $yo)))
                                   (local.get $n))))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 4)))
                        (local.get $n)))))
  (func (export "gather") (result i32)
    (call $fill)
    (call $gather (i32.const 8192) (i32.const 256) (i32.const 0))
    (call $sum (i32.const 8192) (i32.const 64)))
  ;; z running off the end there: y's granules must not be marked read
  ;; past the trap (y at 40000 on: granules no export read before)
  (func (export "gather_off_end") (result i32)
    (call $fill)
    (call $gather (i32.const 0xff80) (i32.const 256) (i32.const 40000))
    (i32.const 0))
  ;; a line: z's word read before (so its read mark is made) and again by
  ;; the read-modify-write, whose store marks by itself, at an offset in
  ;; another granule (z at p + 600; the granules no export wrote before)
  (func (export "line") (result i32) (local $p i32) (local $q i32)
    (local $s i32)
    (call $fill)
    (local.set $p (i32.const 30000))
    (local.set $q (i32.const 2000))
    (local.set $s (i32.add (i32.load offset=600 (local.get $p))
                           (i32.load offset=4 (local.get $q))))
    (i32.store offset=600 (local.get $p)
               (i32.add (i32.load offset=600 (local.get $p))
                        (i32.mul (i32.load offset=4 (local.get $q))
                                 (local.get $s))))
    (i32.add (local.get $s) (i32.load offset=600 (local.get $p))))
  ;; z at zp + 4 (the _ADDIW form, its local zp read by the store only:
  ;; not made, the add at [zp + 4]) with y's address read from the table
  ;; (its load marks: z's load and zp made before it after all), j
  ;; stepping by 8 from z's constant base so that zp + 4 cannot wrap
  (func $gather4 (param $n i32) (param $yo i32) (local $j i32)
    (local $yp i32) (local $zp i32)
    (loop $l
      (local.set $yp (i32.load offset=512 (local.get $j)))
      (local.set $zp (i32.add (i32.const 8192) (local.get $j)))
      (i32.store (local.tee $zp (i32.add (local.get $zp) (i32.const 4)))
                 (i32.add (i32.load (local.get $zp))
                          (i32.mul (i32.load (i32.add (local.get $yp)
                                                      (local.get $yo)))
                                   (local.get $n))))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 8)))
                        (local.get $n)))))
  (func (export "gather4") (result i32)
    (call $fill)
    (call $gather4 (i32.const 256) (i32.const 0))
    (call $sum (i32.const 8192) (i32.const 64)))
  ;; the same with y read at zp + 1024, after zp + 4 is made: zp must be
  ;; made (the other load reads it)
  (func (export "y_reads_zp") (result i32) (local $j i32) (local $zp i32)
    (call $fill)
    (loop $l
      (local.set $zp (i32.add (i32.const 8192) (local.get $j)))
      (i32.store (local.tee $zp (i32.add (local.get $zp) (i32.const 4)))
                 (i32.add (i32.load (local.get $zp))
                          (i32.mul (i32.load offset=1024 (local.get $zp))
                                   (local.get $j))))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 8)))
                        (i32.const 512))))
    (call $sum (i32.const 8192) (i32.const 256)))
  ;; the value stored read again after the store (in $v: no add to
  ;; memory, it must be in its register or slot); a line, the granules
  ;; read before (so that neither load marks)
  (func (export "live_after") (result i32) (local $zp i32) (local $k i32)
    (local $v i32) (local $s i32) (local $q i32)
    (call $fill)
    (local.set $q (i32.const 1036))
    (local.set $s (i32.add (i32.load (i32.const 8192)) (i32.load (i32.const 1032))))
    (local.set $k (i32.add (local.get $s) (i32.const 5)))
    (local.set $zp (i32.const 8196))
    (local.set $v (i32.load (local.get $zp)))
    (local.set $v (i32.add (local.get $v)
                           (i32.mul (i32.load (local.get $q))
                                    (local.get $k))))
    (i32.store (local.get $zp) (local.get $v))
    (i32.add (local.get $v) (i32.mul (local.get $s) (i32.const 1000))))
)
