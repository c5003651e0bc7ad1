;; A test program for the parallel executor (tests/chain/test_chain_parallel.c):
;; its memory is 16 Gear pages and it writes many of them, more than the
;; chain loads up front, so its runs take the page-protection (lazy) path
;; while small programs take the eager one.
;; handle, by the first payload byte:
;;   'X'  gr_exit with the source as inheritor
;;   'W'  the second byte n (1..15): add 1 to a u32 in each of the pages
;;        1..n and reply their sum (4 bytes, little-endian)
;;   else reply "ok"
(module
  (import "env" "memory" (memory 4))
  (import "env" "gr_read" (func $read (param i32 i32 i32 i32)))
  (import "env" "gr_reply" (func $reply (param i32 i32 i32 i32)))
  (import "env" "gr_source" (func $source (param i32)))
  (import "env" "gr_exit" (func $exit (param i32)))
  (export "handle" (func $handle))
  (data (i32.const 200) "ok")
  (func $handle (local $op i32) (local $n i32) (local $i i32) (local $sum i32)
        (local $a i32)
    (i32.store16 (i32.const 0) (i32.const 0))
    (call $read (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 16))
    (local.set $op (i32.load8_u (i32.const 0)))
    (if (i32.eq (local.get $op) (i32.const 88))
      (then (call $source (i32.const 100)) (call $exit (i32.const 100))))
    (if (i32.eq (local.get $op) (i32.const 87))
      (then
        (call $read (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 16))
        (local.set $n (i32.load8_u (i32.const 1)))
        (if (i32.gt_u (local.get $n) (i32.const 15))
          (then (local.set $n (i32.const 15))))
        (local.set $i (i32.const 1))
        (block $done
          (loop $next
            (br_if $done (i32.gt_u (local.get $i) (local.get $n)))
            (local.set $a (i32.add (i32.mul (local.get $i) (i32.const 16384))
                                   (i32.const 64)))
            (i32.store (local.get $a)
                       (i32.add (i32.load (local.get $a)) (i32.const 1)))
            (local.set $sum (i32.add (local.get $sum)
                                     (i32.load (local.get $a))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (i32.store (i32.const 32) (local.get $sum))
        (call $reply (i32.const 32) (i32.const 4) (i32.const -1) (i32.const 40))
        (return)))
    (call $reply (i32.const 200) (i32.const 2) (i32.const -1) (i32.const 40))))
