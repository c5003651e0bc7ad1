;; A memory of no pages, for tests/wasm/test_jit_diff.c (test_bounds):
;; every access traps (in the compiled tier, at the first byte of the
;; guard region) until it grows; then its last bytes, and one past them.
(module
  (memory 0 2)
  (func (export "ld0") (result i32) (i32.load8_u (i32.const 0)))
  (func (export "st0") (i64.store (i32.const 0) (i64.const 1)))
  (func (export "grow") (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 65532) (i32.const 7))
    (i32.load (i32.const 65532)))
  (func (export "ld_end") (result i64) (i64.load (i32.const 65532))))
