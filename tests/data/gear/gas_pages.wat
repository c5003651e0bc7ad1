;; For tests/gear/test_gas_precalc.c (test_lazy_pages): one metered block
;; touching four 16 KiB gear pages, each the way Gear's lazy pages charge
;; differently (the test gives stack_end = 16 KiB and stored data for page
;; 1 only):
;;   page 0  written: below the stack's end, free
;;   page 1  read: a read, plus the load of its stored data
;;   page 2  written: a write
;;   page 3  read, then written: a read, then a write after read
(module
  (import "env" "memory" (memory 1))
  (export "handle" (func $handle))
  (func $handle
    i32.const 0
    i32.const 7
    i32.store
    i32.const 16384
    i32.load
    drop
    i32.const 32768
    i32.const 1
    i32.store
    i32.const 49152
    i32.const 49152
    i32.load
    i32.const 1
    i32.add
    i32.store))
