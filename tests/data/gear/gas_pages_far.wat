;; For tests/gear/test_gas_precalc.c (test_lazy_pages_far): a memory of
;; eight 16 KiB gear pages of which the run touches three apart, so that
;; the lazy-page charges pass untouched pages around them:
;;   page 2  written: a write
;;   page 5  read: a read (no stored data)
;;   page 7  written: a write (the memory's last page)
(module
  (import "env" "memory" (memory 2))
  (export "handle" (func $handle))
  (func $handle
    i32.const 32768
    i32.const 1
    i32.store
    i32.const 81920
    i32.load
    drop
    i32.const 114688
    i32.const 1
    i32.store))
