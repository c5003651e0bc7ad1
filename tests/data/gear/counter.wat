;; Keeps a u32 counter at address 70000 (gear page 4), above a 64 KiB
;; stack; each message increments it and replies with its 4 bytes; the
;; `state` export replies with it unchanged.
(module
  (import "env" "memory" (memory 2))
  (import "env" "gr_reply" (func $reply (param i32 i32 i32 i32)))
  (export "handle" (func $handle))
  (export "state" (func $state))
  (export "__gear_stack_end" (global $stack_end))
  (global $stack_end i32 (i32.const 65536))
  (func $handle
    (i32.store (i32.const 70000) (i32.add (i32.load (i32.const 70000)) (i32.const 1)))
    (call $reply (i32.const 70000) (i32.const 4) (i32.const -1) (i32.const 100)))
  ;; the read-only query: the counter, unchanged
  (func $state
    (call $reply (i32.const 70000) (i32.const 4) (i32.const -1) (i32.const 100))))
