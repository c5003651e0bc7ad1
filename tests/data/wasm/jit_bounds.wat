;; Memory bounds as the compiled tier leaves them to guard pages (or checks
;; them by instruction: gb_wasm_config.jit_explicit_bounds), for
;; tests/wasm/test_jit_diff.c: every export runs interpreted and compiled
;; both ways over a ladder of gas limits, in this order on one instance,
;; and test_bounds checks what each is made to end with.
;;
;; - ld_*, st_*: every load and store, scanning up to the end of memory a
;;   byte at a time (at a + 8: a static offset, a sum of two locals, a
;;   local.tee of a sum and an offset) until the access that reaches past
;;   the end traps;
;; - fill_tail, straddle_*, tail, tail2: accesses of every width that
;;   straddle the end trap without writing anything (tail reads back what
;;   fill_tail wrote);
;; - off_*, addr_*: offsets and addresses near 4 GiB, up to the largest
;;   address a wasm32 access can form (0xffffffff + 0xffffffff + 7);
;;   wrap_add: a 32-bit sum that wraps before the offset is added (in
;;   bounds);
;; - grow_*: after memory.grow (by one page, past the maximum: fails, to
;;   the maximum) the new end, and ld_after_grow scans it.
(module
  (memory 1 3)
  (data (i32.const 0x20) "\2a\00\00\00")
  (data (i32.const 65504) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  (data (i32.const 65520) "\f1\f2\f3\f4\f5\f6\f7\f8\f9\fa\fb\fc\fd\fe\ff\80")

  (func (export "ld_i32") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (i32.load offset=8 (local.get $a)))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_i64") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load (i32.add (local.get $a) (local.get $k)))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_i32_8u") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (i32.load8_u offset=3 (local.tee $b (i32.add (local.get $a) (i32.const 5)))))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_i32_8s") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_s (i32.load8_s offset=8 (local.get $a)))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_i32_16u") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (i32.load16_u (i32.add (local.get $a) (local.get $k))))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_i32_16s") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_s (i32.load16_s offset=3 (local.tee $b (i32.add (local.get $a) (i32.const 5)))))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_i64_8u") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load8_u offset=8 (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_i64_8s") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load8_s (i32.add (local.get $a) (local.get $k)))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_i64_16u") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load16_u offset=3 (local.tee $b (i32.add (local.get $a) (i32.const 5))))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_i64_16s") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load16_s offset=8 (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_i64_32u") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load32_u (i32.add (local.get $a) (local.get $k)))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_i64_32s") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load32_s offset=3 (local.tee $b (i32.add (local.get $a) (i32.const 5))))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_f32") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (i32.reinterpret_f32 (f32.load offset=8 (local.get $a))))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "ld_f64") (result i64)
    (local $a i32) (local $b i32) (local $k i32) (local $s i64)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.reinterpret_f64 (f64.load (i32.add (local.get $a) (local.get $k))))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))

  (func (export "st_i32")
    (local $a i32) (local $b i32) (local $k i32)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (i32.store offset=8 (local.get $a) (local.get $a))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))

  (func (export "st_i64")
    (local $a i32) (local $b i32) (local $k i32)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (i64.store (i32.add (local.get $a) (local.get $k)) (i64.mul (i64.extend_i32_u (local.get $a)) (i64.const 0x0101010101010101)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))

  (func (export "st_i32_8")
    (local $a i32) (local $b i32) (local $k i32)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (i32.store8 offset=3 (local.tee $b (i32.add (local.get $a) (i32.const 5))) (local.get $a))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))

  (func (export "st_i32_16")
    (local $a i32) (local $b i32) (local $k i32)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (i32.store16 offset=8 (local.get $a) (local.get $a))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))

  (func (export "st_i64_8")
    (local $a i32) (local $b i32) (local $k i32)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (i64.store8 (i32.add (local.get $a) (local.get $k)) (i64.extend_i32_u (local.get $a)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))

  (func (export "st_i64_16")
    (local $a i32) (local $b i32) (local $k i32)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (i64.store16 offset=3 (local.tee $b (i32.add (local.get $a) (i32.const 5))) (i64.extend_i32_u (local.get $a)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))

  (func (export "st_i64_32")
    (local $a i32) (local $b i32) (local $k i32)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (i64.store32 offset=8 (local.get $a) (i64.extend_i32_u (local.get $a)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))

  (func (export "st_f32")
    (local $a i32) (local $b i32) (local $k i32)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (f32.store (i32.add (local.get $a) (local.get $k)) (f32.convert_i32_u (local.get $a)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))

  (func (export "st_f64")
    (local $a i32) (local $b i32) (local $k i32)
    (local.set $k (i32.const 8))
    (local.set $a (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 24)))
    (loop $l
      (f64.store offset=3 (local.tee $b (i32.add (local.get $a) (i32.const 5))) (f64.convert_i32_u (local.get $a)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l)))


  (func $end (result i32) (i32.shl (memory.size) (i32.const 16)))

  (func (export "fill_tail")
    (i64.store (i32.sub (call $end) (i32.const 16)) (i64.const 0x1122334455667788))
    (i64.store (i32.sub (call $end) (i32.const 8)) (i64.const 0x8877665544332211)))

  (func (export "straddle_i64_4")
    (i64.store (i32.sub (call $end) (i32.const 4)) (i64.const -1)))
  (func (export "straddle_i64_1")
    (i64.store (i32.sub (call $end) (i32.const 1)) (i64.const -1)))
  (func (export "straddle_i64_7")
    (i64.store offset=1 (i32.sub (call $end) (i32.const 8)) (i64.const -1)))
  (func (export "straddle_i32_2")
    (i32.store (i32.sub (call $end) (i32.const 2)) (i32.const -1)))
  (func (export "straddle_i32_3")
    (i32.store offset=2 (i32.sub (call $end) (i32.const 5)) (i32.const -1)))
  (func (export "straddle_i16_1")
    (i32.store16 (i32.sub (call $end) (i32.const 1)) (i32.const -1)))
  (func (export "straddle_i64_32")
    (i64.store32 (i32.sub (call $end) (i32.const 3)) (i64.const -1)))
  (func (export "straddle_f64")
    (f64.store (i32.sub (call $end) (i32.const 5)) (f64.const -1)))
  (func (export "straddle_f32")
    (f32.store (i32.sub (call $end) (i32.const 1)) (f32.const -1)))
  (func (export "straddle_ld_i64") (result i64)
    (i64.load (i32.sub (call $end) (i32.const 6))))
  (func (export "tail") (result i64)
    (i64.load (i32.sub (call $end) (i32.const 8))))
  (func (export "tail2") (result i64)
    (i64.load (i32.sub (call $end) (i32.const 16))))

  (func (export "off_max_ld") (result i64)
    (i64.load offset=0xffffffff (i32.const -1)))
  (func (export "off_max_st")
    (i64.store offset=0xffffffff (i32.const -1) (i64.const 1)))
  (func (export "off_max_ld8") (result i32)
    (i32.load8_u offset=0xffffffff (i32.const -1)))
  (func (export "off_max_st16")
    (i32.store16 offset=0xffffffff (i32.const 0x7fffffff) (i32.const 1)))
  (func (export "off_4g") (result i32)
    (i32.load offset=0xfffffffc (i32.const 4)))
  (func (export "off_2g") (result i32)
    (i32.load offset=0x80000000 (i32.const 0)))
  (func (export "addr_top") (result i32)
    (i32.load (i32.const -4)))
  (func (export "addr_top_st16")
    (i32.store16 (i32.const -1) (i32.const 7)))
  (func (export "wrap_add") (result i32)
    (local $a i32)
    (local.set $a (i32.const 0xfffffff0))
    (i32.load offset=16 (i32.add (local.get $a) (i32.const 0x20))))
  (func (export "wrap_add_oob") (result i32)
    (local $a i32) (local $b i32)
    (local.set $a (i32.const 0x10))
    (i32.load offset=0xfffffff0 (i32.add (local.get $a) (local.get $b))))

  ;; 1 -> 2 pages: the old end is readable, the new end traps
  (func (export "grow_one") (result i64)
    (local $s i64)
    (drop (memory.grow (i32.const 1)))
    (local.set $s (i64.load (i32.const 65536)))
    (i64.store (i32.sub (call $end) (i32.const 8)) (i64.const 5))
    (local.set $s (i64.add (local.get $s)
                  (i64.load (i32.sub (call $end) (i32.const 8)))))
    (i64.store (i32.sub (call $end) (i32.const 4)) (local.get $s))
    (local.get $s))
  ;; past the maximum: -1, and the end is where it was
  (func (export "grow_fail") (result i32)
    (if (i32.ne (memory.grow (i32.const 5)) (i32.const -1))
      (then (unreachable)))
    (i32.load (call $end)))
  ;; 2 -> 3 pages (the maximum): the last byte written, one more traps
  (func (export "grow_max") (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.store8 (i32.sub (call $end) (i32.const 1)) (i32.const 9))
    (i32.load (i32.sub (call $end) (i32.const 2))))
  (func (export "ld_after_grow") (result i64)
    (local $a i32) (local $s i64)
    (local.set $a (i32.sub (call $end) (i32.const 24)))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load offset=8 (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $l))
    (local.get $s))
)
