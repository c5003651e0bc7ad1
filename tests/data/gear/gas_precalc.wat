;; For tests/gear/test_gas_precalc.c: a handle whose gas the test sums by
;; hand from Vara's schedule.  It never touches memory (no lazy-page
;; charge): a countdown loop of 5 rounds, then gr_debug of 0 bytes (its
;; base weight only, the pointer never read).
;;
;; Gear's metered blocks (wasm-instrument, determine_metered_blocks):
;;   B0, the function's own: i32.const, local.set, loop, and after the
;;       loop's end i32.const, i32.const, call (an import: no stack guard)
;;   B1, the loop's body, once a round: local.get, i32.const, i32.sub,
;;       local.tee, br_if
(module
  (import "env" "memory" (memory 1))
  (import "env" "gr_debug" (func $debug (param i32 i32)))
  (export "handle" (func $handle))
  (func $handle (local $i i32)
    i32.const 5
    local.set $i
    (loop $round
      local.get $i
      i32.const 1
      i32.sub
      local.tee $i
      br_if $round)
    i32.const 0
    i32.const 0
    call $debug))
