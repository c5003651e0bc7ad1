;; Memory bounds in a memory of the largest size, 65,536 pages (4 GiB),
;; for tests/wasm/test_jit_diff.c (test_bounds_4g): there an i32 address
;; wrapping past 2^32 lands in bounds again, and only the bytes of an
;; access at or past 2^32 are out of bounds (the compiled tier's guard
;; pages, or its explicit checks, against the interpreter's 64-bit
;; compare).  Every export runs interpreted and compiled both ways over a
;; ladder of gas limits, in this order on one instance, with the
;; configuration's maximum at 65,536 pages (then the compiled code is made
;; for a memory that may be 4 GiB: src/wasm/jit_x64.c, mem_may_be_4g), and
;; test_bounds_4g checks what each is made to end with.
;;
;; - ind_small*: stores stepping by 4 to the end of the first page (one
;;   page yet): the end traps, with an offset and without;
;; - grow_max, grow_more: to 65,536 pages, then one more fails;
;; - fill_top, ld*_top*, *_off_*: single accesses at the last bytes, an
;;   i32 address 0xffffffff with and without an offset, offsets near 2^32
;;   (0xffffffff, 0xfffffffc, 0x80000000: past the 32-bit displacement,
;;   0x7fffffff: within it) with small addresses, each next to the one a
;;   byte further that traps;
;; - straddle_*: stores of every width over the end write nothing, tail
;;   reads the last 16 bytes back;
;; - scan_*: loads and stores stepping a byte towards the end (a static
;;   offset, a sum of two locals, a local.tee of a sum) trap at the first
;;   access reaching past it;
;; - wrap_*: loops whose addresses wrap past 2^32 to 0 and go on in
;;   bounds (steps 1, 3, 4, 8, by a slot; bytes, i32, i64; with an offset
;;   of 4 a step of 12, which jumps over the addresses whose sum with it
;;   is past the end): the values and the read and write marks of the
;;   last granule and of granule 0; wrap_st32_odd's store straddles the
;;   end and traps;
;; - line_*: accesses on one straight line at p, p + 4, p + 8 wrapping
;;   (marks and bounds checks an earlier access may cover);
;; - sum_*: a 32-bit sum of address and constant wrapping before the
;;   offset is added;
;; - bulk_*: memory.fill and memory.copy up to the end, and one byte past.
(module
  (memory 1)
  (global $step (mut i32) (i32.const 4))

  ;; one page: stores stepping by 4 up to the end, which traps
  (func (export "ind_small") (local $a i32)
    (loop $l
      (i32.store (local.get $a) (local.get $a))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (br $l)))
  (func (export "ind_small_off") (local $a i32)
    (loop $l
      (i32.store offset=4 (local.get $a) (local.get $a))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (br $l)))

  (func (export "grow_max") (result i32)
    (memory.grow (i32.const 65535)))
  (func (export "grow_more") (result i32)
    (memory.grow (i32.const 1)))
  (func (export "size") (result i32)
    (memory.size))

  (func (export "fill_top")
    (i64.store (i32.const -16) (i64.const 0x1122334455667788))
    (i64.store (i32.const -8) (i64.const 0x8877665544332211)))
  (func (export "ld8_top") (result i32)
    (i32.load8_u (i32.const -1)))
  (func (export "ld8_top_off1") (result i32)
    (i32.load8_u offset=1 (i32.const -1)))
  (func (export "ld32_top") (result i32)
    (i32.load (i32.const -4)))
  (func (export "ld32_top3") (result i32)
    (i32.load (i32.const -3)))
  (func (export "ld64_top") (result i64)
    (i64.load (i32.const -8)))
  (func (export "ld64_top_off1") (result i64)
    (i64.load offset=1 (i32.const -8)))
  (func (export "ld8_off_max") (result i32)
    (i32.load8_u offset=0xffffffff (i32.const 0)))
  (func (export "ld16_off_max") (result i32)
    (i32.load16_u offset=0xffffffff (i32.const 0)))
  (func (export "ld8_off_max_1") (result i32)
    (i32.load8_u offset=0xffffffff (i32.const 1)))
  (func (export "ld32_off_fc") (result i32)
    (i32.load offset=0xfffffffc (i32.const 0)))
  (func (export "ld32_off_fc_1") (result i32)
    (i32.load offset=0xfffffffc (i32.const 1)))
  (func (export "ld64_off_2g") (result i64)
    (i64.load offset=0x80000000 (i32.const 0x7ffffff8)))
  (func (export "ld64_off_2g_1") (result i64)
    (i64.load offset=0x80000000 (i32.const 0x7ffffff9)))
  (func (export "ld64_off_7f") (result i64)
    (local $a i32)
    (local.set $a (i32.const 0x7ffffff9))
    (i64.load offset=0x7fffffff (local.get $a)))
  (func (export "ld64_off_7f_1") (result i64)
    (local $a i32)
    (local.set $a (i32.const 0x7ffffffa))
    (i64.load offset=0x7fffffff (local.get $a)))
  (func (export "ld8_ff_off") (result i32)
    (local $a i32)
    (local.set $a (i32.const -1))
    (i32.load8_u offset=2 (local.get $a)))
  (func (export "st8_ff_off")
    (local $a i32)
    (local.set $a (i32.const -1))
    (i32.store8 offset=1 (local.get $a) (i32.const 9)))
  (func (export "st8_top")
    (local $a i32)
    (local.set $a (i32.const -1))
    (i32.store8 (local.get $a) (i32.const 0x99)))
  (func (export "st64_off_max")
    (i64.store offset=0xfffffff8 (i32.const 0) (i64.const 0x0102030405060708)))

  (func (export "straddle_i64")
    (i64.store (i32.const -4) (i64.const -1)))
  (func (export "straddle_i64_off")
    (i64.store offset=4 (i32.const -8) (i64.const -1)))
  (func (export "straddle_i32")
    (i32.store (i32.const -2) (i32.const -1)))
  (func (export "straddle_i16")
    (i32.store16 (i32.const -1) (i32.const -1)))
  (func (export "straddle_i64_32")
    (i64.store32 offset=0xfffffffd (i32.const 0) (i64.const -1)))
  (func (export "straddle_f64")
    (f64.store offset=0x7ffffffa (i32.const 0x80000000) (f64.const -1)))
  (func (export "tail") (result i64)
    (i64.add (i64.load (i32.const -16)) (i64.load (i32.const -8))))

  (func (export "scan_ld_i64") (result i64)
    (local $a i32) (local $s i64)
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load offset=8 (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))
  (func (export "scan_ld_i32_sum") (result i64)
    (local $a i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load32_u (i32.add (local.get $a) (local.get $k)))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))
  (func (export "scan_ld_i16_tee") (result i64)
    (local $a i32) (local $b i32) (local $s i64)
    (local.set $a (i32.const -24))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load16_u offset=3 (local.tee $b (i32.add (local.get $a) (i32.const 5))))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))
  (func (export "scan_ld8_plain") (result i32)
    (local $a i32) (local $s i32)
    (local.set $a (i32.const -300))
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br_if $l (local.get $a)))
    ;; 0: past 0xffffffff, granule 0 in bounds
    (i32.add (local.get $s) (i32.load8_u offset=0xffffffff (local.get $a))))
  (func (export "scan_st_i32")
    (local $a i32)
    (local.set $a (i32.const -24))
    (loop $l
      (i32.store offset=8 (local.get $a) (local.get $a))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))
  (func (export "scan_st_i64_sum")
    (local $a i32) (local $k i32)
    (local.set $k (i32.const 8))
    (local.set $a (i32.const -24))
    (loop $l
      (i64.store (i32.add (local.get $a) (local.get $k)) (i64.extend_i32_u (local.get $a)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))
  (func (export "scan_st16_tee")
    (local $a i32) (local $b i32)
    (local.set $a (i32.const -24))
    (loop $l
      (i32.store16 offset=3 (local.tee $b (i32.add (local.get $a) (i32.const 5))) (local.get $a))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))

  ;; loops wrapping past 2^32: n accesses from a, stepping by step
  (func $wrap_st8 (param $a i32) (param $n i32)
    (loop $l
      (i32.store8 (local.get $a) (local.get $n))
      (local.set $a (i32.add (local.get $a) (i32.const 3)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "wrap_st8") (call $wrap_st8 (i32.const -1030) (i32.const 700)))
  (func (export "wrap_st32")
    (local $a i32) (local $n i32)
    (local.set $a (i32.const -256))
    (local.set $n (i32.const 200))
    (loop $l
      (i32.store (local.get $a) (local.get $n))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "wrap_st32_off")
    (local $a i32) (local $n i32)
    (local.set $a (i32.const -1200))
    (local.set $n (i32.const 200))
    (loop $l
      (i32.store offset=4 (local.get $a) (local.get $n))
      (local.set $a (i32.add (local.get $a) (i32.const 12)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "wrap_st32_odd")
    (local $a i32) (local $n i32)
    (local.set $a (i32.const -30))
    (local.set $n (i32.const 100))
    (loop $l
      (i32.store (local.get $a) (local.get $n))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "wrap_st64")
    (local $a i32) (local $n i32)
    (local.set $a (i32.const -2048))
    (local.set $n (i32.const 600))
    (loop $l
      (i64.store (local.get $a) (i64.extend_i32_u (local.get $n)))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "wrap_st_slot_step")
    (local $a i32) (local $n i32) (local $s i32)
    (local.set $s (global.get $step))
    (local.set $a (i32.const -700))
    (local.set $n (i32.const 400))
    (loop $l
      (i32.store16 (local.get $a) (local.get $n))
      (local.set $a (i32.add (local.get $a) (local.get $s)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "wrap_ld8") (result i32)
    (local $a i32) (local $n i32) (local $s i32)
    (local.set $a (i32.const -600))
    (local.set $n (i32.const 1200))
    (loop $l
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31))
                             (i32.load8_u (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))
  (func (export "wrap_ld64") (result i64)
    (local $a i32) (local $n i32) (local $s i64)
    (local.set $a (i32.const -1024))
    (local.set $n (i32.const 400))
    (loop $l
      (local.set $s (i64.add (i64.mul (local.get $s) (i64.const 31))
                             (i64.load (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))
  (func (export "wrap_ld32_off") (result i32)
    (local $a i32) (local $n i32) (local $s i32)
    (local.set $a (i32.const -1032))
    (local.set $n (i32.const 400))
    (loop $l
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31))
                             (i32.load offset=4 (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 12)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))

  ;; one straight line, p from memory (nothing known of it)
  (func (export "line_st") (param) (local $p i32)
    (i32.store (i32.const 64) (i32.const -8))
    (local.set $p (i32.load (i32.const 64)))
    (i32.store (local.get $p) (i32.const 0x01010101))
    (i32.store offset=4 (local.get $p) (i32.const 0x02020202))
    (i32.store (i32.add (local.get $p) (i32.const 8)) (i32.const 0x03030303))
    (i64.store (i32.add (local.get $p) (i32.const 12)) (i64.const 0x0404040404040404)))
  (func (export "line_ld") (result i64) (local $p i32)
    (local.set $p (i32.load (i32.const 64)))
    (i64.add
      (i64.add (i64.load (local.get $p))
               (i64.load32_u offset=4 (local.get $p)))
      (i64.add (i64.load (i32.add (local.get $p) (i32.const 8)))
               (i64.load16_u (i32.add (local.get $p) (i32.const 6))))))
  (func (export "line_ld_oob") (result i64) (local $p i32)
    (local.set $p (i32.load (i32.const 64)))
    (i64.add (i64.load (local.get $p))
             (i64.load offset=1 (local.get $p))))

  (func (export "sum_wrap") (result i32) (local $a i32)
    (local.set $a (i32.const 0xfffffff0))
    (i32.load offset=0xffffffe0 (i32.add (local.get $a) (i32.const 0x20))))
  (func (export "sum_top") (result i32) (local $a i32)
    (local.set $a (i32.const 0xfffffff0))
    (i32.load8_u (i32.add (local.get $a) (i32.const 0x0f))))
  (func (export "sum_top_oob") (result i32) (local $a i32)
    (local.set $a (i32.const 0xfffffff0))
    (i32.load16_u offset=0x0f (local.get $a)))

  (func (export "bulk_fill")
    (memory.fill (i32.const -8) (i32.const 0x5a) (i32.const 8)))
  (func (export "bulk_fill_oob")
    (memory.fill (i32.const -8) (i32.const 0x6b) (i32.const 9)))
  (func (export "bulk_copy")
    (memory.copy (i32.const -16) (i32.const 0) (i32.const 16)))
  (func (export "bulk_copy_oob")
    (memory.copy (i32.const 0) (i32.const -4) (i32.const 5)))
)
