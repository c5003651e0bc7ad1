;; Signals (tests/chain/test_chain_gas.c): a handle that sets aside a
;; system reservation and then fails in the way its payload says; its
;; handle_signal mails the signal to the user named at init.
;;
;; init payload:   the user to report to (32 bytes).
;; handle payload: one byte — 'p' panic, 'u' unreachable, 'g' loop until
;;                 the gas runs out, 'o' succeed; each after
;;                 gr_system_reserve_gas(10^10); 'n' panic without one.
;; handle_signal:  gr_send(user, signal code u32 | signal_from's error
;;                 code u32 | signal_from's message id).
(module
  (import "env" "memory" (memory 1))
  (import "env" "gr_read" (func $read (param i32 i32 i32 i32)))
  (import "env" "gr_system_reserve_gas" (func $sysres (param i64 i32)))
  (import "env" "gr_panic" (func $panic (param i32 i32)))
  (import "env" "gr_signal_code" (func $signal_code (param i32)))
  (import "env" "gr_signal_from" (func $signal_from (param i32)))
  (import "env" "gr_send" (func $send (param i32 i32 i32 i32 i32)))
  (export "init" (func $init))
  (export "handle" (func $handle))
  (export "handle_signal" (func $signal))
  (func $init
    (call $read (i32.const 0) (i32.const 32) (i32.const 0x100) (i32.const 0x140)))
  (func $handle (local $op i32)
    (call $read (i32.const 0) (i32.const 1) (i32.const 0x200) (i32.const 0x240))
    (local.set $op (i32.load8_u (i32.const 0x200)))
    (if (i32.ne (local.get $op) (i32.const 0x6e))
      (then (call $sysres (i64.const 10000000000) (i32.const 0x250))))
    (if (i32.eq (local.get $op) (i32.const 0x75)) (then (unreachable)))
    (if (i32.eq (local.get $op) (i32.const 0x67)) (then (loop $l (br $l))))
    (if (i32.eq (local.get $op) (i32.const 0x6f)) (then (return)))
    (call $panic (i32.const 0x200) (i32.const 1)))
  (func $signal
    (call $signal_code (i32.const 0x300))
    (call $signal_from (i32.const 0x308))
    (call $send (i32.const 0x100) (i32.const 0x304) (i32.const 40)
                (i32.const 0) (i32.const 0x400))))
