;; Loops whose accesses mark their granules once per granule (an address
;; advancing by a constant each time round: the compiled tier tests the
;; address's low bits and marks only when it enters a new granule or runs
;; first after the way in), next to loops where that must not be done,
;; for tests/wasm/test_jit_diff.c (test_induction; also run over the gas
;; ladder with the other test programs).  The memory has a maximum below
;; 4 GiB, so every form takes part: offsets, accesses spanning two
;; granules (tested at their last byte).  Every export returns a sum of
;; what it wrote; the read and write marks are compared between the tiers
;; after each.
(module
  (memory 1 2)
  ;; the bytes [p, p + n) summed, a byte at a time (itself a loop of
  ;; stride 1 whose loads mark once per granule)
  (func $sum (param $p i32) (param $n i32) (result i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31))
                             (i32.load8_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))
  ;; i32 at 300 + i, i += 4 to 2048: starts in the middle of a granule
  ;; (the first time round must mark it), then one mark per granule;
  ;; a load and a store of the same address, and a load of another array
  (func (export "stride4") (result i32) (local $i i32)
    (loop $l
      (i32.store offset=300 (local.get $i)
                 (i32.add (i32.load offset=300 (local.get $i))
                          (i32.add (i32.load offset=5000 (local.get $i))
                                   (local.get $i))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4)))
                        (i32.const 2048))))
    (call $sum (i32.const 300) (i32.const 2048)))
  ;; stride 3 (tested as 4), i32 at 10001 + 3 k + 5: bytes that span two
  ;; granules now and then (both marked, the first by the cold code)
  (func (export "stride3") (result i32) (local $p i32) (local $k i32)
    (local.set $p (i32.const 10001))
    (loop $l
      (i32.store offset=5 (local.get $p)
                 (i32.xor (i32.load offset=5 (local.get $p)) (local.get $k)))
      (local.set $p (i32.add (local.get $p) (i32.const 3)))
      (br_if $l (i32.ne (local.tee $k (i32.add (local.get $k) (i32.const 1)))
                        (i32.const 700))))
    (call $sum (i32.const 10001) (i32.const 2110)))
;; stride 3 from 8190 + 1 (offset): the first access spans granules 15
  ;; and 16 (the cold code marks both; later ones find the first marked by
  ;; the one before)
  (func (export "span_first") (result i32) (local $p i32)
    (local.set $p (i32.const 8190))
    (loop $l
      (i32.store offset=1 (local.get $p)
                 (i32.add (i32.load offset=1 (local.get $p)) (local.get $p)))
      (br_if $l (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 3)))
                          (i32.const 8260))))
    (call $sum (i32.const 8191) (i32.const 74)))
  ;; i64 at 20000 + 508 + 8 k (spanning granules every time it crosses),
  ;; the pointer a copy of the counter's
  (func (export "stride8_i64") (result i32) (local $p i32) (local $q i32)
    (local.set $q (i32.const 20000))
    (loop $l
      (local.set $p (local.get $q))
      (i64.store offset=508 (local.get $p)
                 (i64.add (i64.load offset=508 (local.get $p))
                          (i64.extend_i32_u (local.get $p))))
      (local.set $q (i32.add (local.get $p) (i32.const 8)))
      (br_if $l (i32.lt_u (local.get $q) (i32.const 22000))))
    (call $sum (i32.const 20508) (i32.const 2000)))
  ;; bytes at stride 256 (the longest step taken) and 257 (marked every
  ;; time), each starting mid-granule
  (func (export "stride256") (result i32) (local $i i32) (local $p i32)
    (local $q i32)
    (loop $l
      (i32.store8 offset=30000 (local.get $p) (local.get $i))
      (i32.store8 offset=40011 (local.get $q) (local.get $i))
      (local.set $p (i32.add (local.get $p) (i32.const 256)))
      (local.set $q (i32.add (local.get $q) (i32.const 257)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                        (i32.const 24))))
    (i32.add (call $sum (i32.const 30000) (i32.const 6000))
             (call $sum (i32.const 40011) (i32.const 6000))))
  ;; two branches back to the head with different steps (4 and 16): the
  ;; accesses before the first are marked every time
  (func (export "two_backs") (result i32) (local $i i32)
    (loop $l
      (i32.store offset=50000 (local.get $i) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $l (i32.and (local.get $i) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 12)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 4000))))
    (call $sum (i32.const 50000) (i32.const 4000)))
  ;; a row loop around a column loop: the column loop entered again at
  ;; rows 700 bytes apart (each first time round mid-granule, in a granule
  ;; no earlier row touched); a step down (-4: marked every time) and a
  ;; step that is not constant (doubling)
  (func (export "rows") (result i32) (local $r i32) (local $j i32)
    (local $b i32)
    (loop $rows
      (local.set $b (i32.add (i32.const 55000)
                             (i32.mul (local.get $r) (i32.const 700))))
      (local.set $j (i32.const 0))
      (loop $cols
        (i32.store (i32.add (local.get $b) (local.get $j))
                   (i32.add (local.get $r) (local.get $j)))
        (br_if $cols (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 4)))
                             (i32.const 64))))
      (br_if $rows (i32.ne (local.tee $r (i32.add (local.get $r) (i32.const 1)))
                           (i32.const 12))))
    (local.set $j (i32.const 2000))
    (loop $down
      (i32.store16 offset=63000 (local.get $j) (local.get $j))
      (br_if $down (local.tee $j (i32.sub (local.get $j) (i32.const 4)))))
    (local.set $j (i32.const 1))
    (loop $dbl
      (i32.store8 offset=20000 (local.get $j) (local.get $j))
      (br_if $dbl (i32.lt_u (local.tee $j (i32.shl (local.get $j) (i32.const 1)))
                            (i32.const 40000))))
    (i32.add (call $sum (i32.const 55000) (i32.const 8500))
             (call $sum (i32.const 63000) (i32.const 2002))))
  ;; stores at stride 4 running off the end of memory (one page): the trap
  ;; comes at the access past the end, the granules before it all marked
  (func (export "off_end") (result i32) (local $p i32)
    (local.set $p (i32.const 64300))
    (loop $l
      (i32.store (local.get $p) (local.get $p))
      (br_if $l (local.tee $p (i32.add (local.get $p) (i32.const 4)))))
    (i32.const 0))
  ;; the exports below use the second page, fresh (the first grows the
  ;; memory to it).  A loop whose counter (the slot with the smallest step,
  ;; 3 against the address's 4) wraps past 2^32 while its address goes on:
  ;; the marking runs of docs/engine.md's "marks by windows" must not take
  ;; the runs after the wrap for ones that stay in a marked granule
  (func (export "wrap_up") (result i32) (local $c i32) (local $p i32)
    (drop (memory.grow (i32.const 1)))
    (local.set $c (i32.const 0xfffffe00))
    (local.set $p (i32.const 70000))
    (loop $l
      (i32.store (local.get $p) (local.get $c))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $c (i32.add (local.get $c) (i32.const 3)))
                        (i32.const 0x508))))
    (call $sum (i32.const 70000) (i32.const 2400)))
  ;; the same with the counter going down past 0
  (func (export "wrap_down") (result i32) (local $c i32) (local $p i32)
    (local.set $c (i32.const 0x200))
    (local.set $p (i32.const 73000))
    (loop $l
      (i32.store (local.get $p) (local.get $c))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $c (i32.sub (local.get $c) (i32.const 3)))
                        (i32.const 0xfffffaf8))))
    (call $sum (i32.const 73000) (i32.const 2400)))
  ;; five byte stores taken as one and a load, stride 5, running off the
  ;; end of memory: the third store of the last run traps, and the load
  ;; after it (at 128000, a granule no earlier run read) must not have
  ;; marked its granule
  (func (export "group_off_end") (result i32) (local $q i32) (local $s i32)
    (local.set $q (i32.const 130075))
    (loop $l
      (i32.store8 (local.get $q) (local.get $s))
      (i32.store8 (i32.add (local.get $q) (i32.const 1)) (local.get $s))
      (i32.store8 (i32.add (local.get $q) (i32.const 2)) (local.get $s))
      (i32.store8 (i32.add (local.get $q) (i32.const 3)) (local.get $s))
      (i32.store8 (i32.add (local.get $q) (i32.const 4)) (local.get $s))
      (local.set $s (i32.add (local.get $s)
                             (i32.load8_u (i32.sub (local.get $q)
                                                   (i32.const 3070)))))
      (br_if $l (local.tee $q (i32.add (local.get $q) (i32.const 5)))))
    (local.get $s))
)
