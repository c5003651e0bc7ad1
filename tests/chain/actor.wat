;; A test actor for tests/chain (compiled at test time by wat2wasm).
;; init, by the first payload byte: 'P' traps; 'S' waits 2 blocks the
;; first time (a slow init); anything else succeeds.
;; handle, by the first payload byte:
;;   'X' gr_exit with the source as inheritor
;;   'W' gr_wait (until the held gas runs out)
;;   'F' gr_wait_for(2) on the first run, then replies "woke"
;;   'M' sends "mail" to the source with the message's value
;;   else replies "hi"
;; handle_reply does nothing.
(module
  (import "env" "memory" (memory 1))
  (import "env" "gr_read" (func $read (param i32 i32 i32 i32)))
  (import "env" "gr_reply" (func $reply (param i32 i32 i32 i32)))
  (import "env" "gr_send" (func $send (param i32 i32 i32 i32 i32)))
  (import "env" "gr_source" (func $source (param i32)))
  (import "env" "gr_value" (func $value (param i32)))
  (import "env" "gr_exit" (func $exit (param i32)))
  (import "env" "gr_wait" (func $wait))
  (import "env" "gr_wait_for" (func $wait_for (param i32)))
  (export "init" (func $init))
  (export "handle" (func $handle))
  (export "handle_reply" (func $handle_reply))
  (data (i32.const 2000) "mailwokehi")
  (func $op (result i32)
    (i32.store8 (i32.const 0) (i32.const 0))
    (call $read (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 16))
    (i32.load8_u (i32.const 0)))
  (func $init (local $op i32)
    (local.set $op (call $op))
    (if (i32.eq (local.get $op) (i32.const 80)) (then unreachable))
    (if (i32.eq (local.get $op) (i32.const 83))
      (then
        (if (i32.eqz (i32.load8_u (i32.const 200)))
          (then
            (i32.store8 (i32.const 200) (i32.const 1))
            (call $wait_for (i32.const 2)))))))
  (func $handle_reply)
  (func $handle (local $op i32)
    (local.set $op (call $op))
    (if (i32.eq (local.get $op) (i32.const 88))
      (then (call $source (i32.const 1000)) (call $exit (i32.const 1000))))
    (if (i32.eq (local.get $op) (i32.const 87))
      (then (call $wait)))
    (if (i32.eq (local.get $op) (i32.const 70))
      (then
        (if (i32.eqz (i32.load8_u (i32.const 100)))
          (then
            (i32.store8 (i32.const 100) (i32.const 1))
            (call $wait_for (i32.const 2))))
        (i32.store8 (i32.const 100) (i32.const 0))
        (call $reply (i32.const 2004) (i32.const 4) (i32.const -1) (i32.const 3000))
        (return)))
    (if (i32.eq (local.get $op) (i32.const 77))
      (then
        (call $source (i32.const 1000))
        (call $value (i32.const 1032))
        (call $send (i32.const 1000) (i32.const 2000) (i32.const 4) (i32.const 0) (i32.const 3000))
        (return)))
    (call $reply (i32.const 2008) (i32.const 2) (i32.const -1) (i32.const 3000))))
