;; A program whose init creates a program, waits for the reply of the new
;; program's init, and creates a second one when woken (Gear's value
;; counter across wait and wake: tests/chain/test_chain_gas.c).
;;
;; init payload (96 bytes): two HashWithValue (code id, u128 value): the
;; first child's at 0, the second's at 48.
;; init, first run:  remember its message id, create child 1 (salt "a")
;;                   with a reply deposit of 10^10 gas for its init's
;;                   automatic reply, gr_wait_up_to(100) (as gstd waits: a
;;                   plain gr_wait would lock the rest of the gas, and the
;;                   child's init, drawing on it, would have none).
;; handle_reply:     gr_wake the init message.
;; init, woken run:  create child 2 (salt "b").
;; A create that fails panics with its 4-byte error code as the payload.
(module
  (import "env" "memory" (memory 1))
  (import "env" "gr_create_program" (func $create (param i32 i32 i32 i32 i32 i32 i32)))
  (import "env" "gr_reply_deposit" (func $deposit (param i32 i64 i32)))
  (import "env" "gr_wait_up_to" (func $wait (param i32)))
  (import "env" "gr_wake" (func $wake (param i32 i32 i32)))
  (import "env" "gr_message_id" (func $message_id (param i32)))
  (import "env" "gr_read" (func $read (param i32 i32 i32 i32)))
  (import "env" "gr_panic" (func $panic (param i32 i32)))
  (export "init" (func $init))
  (export "handle_reply" (func $reply))
  (data (i32.const 0x500) "ab")
  (func $init
    (if (i32.eqz (i32.load (i32.const 0x100)))
      (then
        (i32.store (i32.const 0x100) (i32.const 1))
        (call $message_id (i32.const 0x120))
        (call $read (i32.const 0) (i32.const 96) (i32.const 0x300) (i32.const 0x3f0))
        (if (i32.load (i32.const 0x3f0)) (then (unreachable)))
        (call $create (i32.const 0x300) (i32.const 0x500) (i32.const 1)
                      (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0x600))
        (if (i32.load (i32.const 0x600))
          (then (call $panic (i32.const 0x600) (i32.const 4))))
        (call $deposit (i32.const 0x604) (i64.const 10000000000) (i32.const 0x680))
        (if (i32.load (i32.const 0x680))
          (then (call $panic (i32.const 0x680) (i32.const 4))))
        (call $wait (i32.const 100))))
    (call $create (i32.const 0x330) (i32.const 0x501) (i32.const 1)
                  (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0x700))
    (if (i32.load (i32.const 0x700))
      (then (call $panic (i32.const 0x700) (i32.const 4)))))
  (func $reply
    (call $wake (i32.const 0x120) (i32.const 0) (i32.const 0x6a0))))
