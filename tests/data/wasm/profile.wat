;; For tests/wasm/test_wasm_profiler.c: nested calls, a host import called
;; directly and through call_indirect, and endless recursion.  Function
;; indices: host 0, run 1, mid 2, leaf 3, deep 4.
(module
  (type $t (func (param i32) (result i32)))
  (import "env" "host" (func $host (type $t)))
  (table 2 funcref)
  (elem (i32.const 0) $host $leaf)
  (func $run (export "run") (param $n i32) (result i32)
    (i32.add (call $mid (local.get $n))
             (call_indirect (type $t) (local.get $n) (i32.const 0))))
  (func $mid (param i32) (result i32)
    (i32.add (call $leaf (local.get 0)) (call $host (local.get 0))))
  (func $leaf (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
  (func $deep (export "deep") (param i32) (result i32)
    (call $deep (i32.add (local.get 0) (i32.const 1)))))
