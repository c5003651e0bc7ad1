;; A minimal Gear program for the processor tests: replies PONG to PING,
;; panics with "bad" otherwise.  Memory: page 0 is scratch.
(module
  (import "env" "memory" (memory 1))
  (import "env" "gr_size" (func $size (param i32)))
  (import "env" "gr_read" (func $read (param i32 i32 i32 i32)))
  (import "env" "gr_reply" (func $reply (param i32 i32 i32 i32)))
  (import "env" "gr_panic" (func $panic (param i32 i32)))
  (export "handle" (func $handle))
  (func $handle
    (call $size (i32.const 100))
    (call $read (i32.const 0) (i32.load (i32.const 100)) (i32.const 200) (i32.const 104))
    (if (i32.and (i32.eq (i32.load (i32.const 100)) (i32.const 4))
                 (i32.eq (i32.load (i32.const 200)) (i32.const 0x474e4950)))
      (then
        (i32.store (i32.const 300) (i32.const 0x474e4f50))
        (call $reply (i32.const 300) (i32.const 4) (i32.const -1) (i32.const 400)))
      (else
        (i32.store (i32.const 500) (i32.const 0x646162))
        (call $panic (i32.const 500) (i32.const 3))))))
