;; Hostile behaviours, one per message byte: 'L' loops forever, 'R' recurses
;; without end, 'W' passes a wild pointer to gr_reply, 'A' allocates until
;; it fails then touches the last page, 'S' sends "hi" to the source and
;; returns (auto-reply), 'O' writes a page and stores 8 bytes straddling the
;; end of memory (a trap), 'N' does nothing.
(module
  (import "env" "memory" (memory 1))
  (import "env" "gr_read" (func $read (param i32 i32 i32 i32)))
  (import "env" "gr_reply" (func $reply (param i32 i32 i32 i32)))
  (import "env" "gr_send" (func $send (param i32 i32 i32 i32 i32)))
  (import "env" "gr_source" (func $source (param i32)))
  (import "env" "alloc" (func $alloc (param i32) (result i32)))
  (export "handle" (func $handle))
  (func $recurse (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $handle (local $op i32) (local $p i32) (local $last i32)
    (call $read (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 16))
    (local.set $op (i32.load8_u (i32.const 0)))
    (if (i32.eq (local.get $op) (i32.const 76)) ;; L
      (then (loop $l (br $l))))
    (if (i32.eq (local.get $op) (i32.const 82)) ;; R
      (then (drop (call $recurse (i32.const 0)))))
    (if (i32.eq (local.get $op) (i32.const 87)) ;; W
      (then (call $reply (i32.const 0xFFFFFF00) (i32.const 64) (i32.const -1) (i32.const 32))))
    (if (i32.eq (local.get $op) (i32.const 65)) ;; A
      (then
        (block $done
          (loop $more
            (local.set $p (call $alloc (i32.const 1)))
            (br_if $done (i32.eq (local.get $p) (i32.const -1)))
            (local.set $last (local.get $p))
            (br $more)))
        (i32.store (i32.mul (local.get $last) (i32.const 65536)) (i32.const 7))))
    (if (i32.eq (local.get $op) (i32.const 79)) ;; O
      (then
        (i32.store (i32.const 40000)
                   (i32.add (i32.load (i32.const 20000)) (i32.const 1)))
        (i64.store (i32.sub (i32.shl (memory.size) (i32.const 16))
                            (i32.const 4))
                   (i64.const -1))))
    (if (i32.eq (local.get $op) (i32.const 83)) ;; S
      (then
        (call $source (i32.const 1000))
        (i32.store16 (i32.const 2000) (i32.const 0x6968))
        (call $send (i32.const 1000) (i32.const 2000) (i32.const 2) (i32.const 0) (i32.const 3000))))))
