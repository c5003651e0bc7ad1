#!/usr/bin/env bash
# `gearbox payload`: Sails IDL calls and SCALE values encoded to the bytes
# Sails and parity-scale-codec write (vectors worked out by hand from the
# SCALE rules), and decoded back to the same JSON (issue #15).
# usage: payload_codec.sh GEARBOX IDL_FILE
set -u
gb=$1 I=$2
fail=0 pass=0
eq() { # name, got, expected
  if [ "$2" = "$3" ]; then pass=$((pass + 1))
  else echo "FAIL $1: got '$2', expected '$3'"; fail=$((fail + 1)); fi
}
check() { # name, output, expected substring
  if grep -qF -- "$3" <<<"$2"; then pass=$((pass + 1))
  else echo "FAIL $1: expected '$3' in:"; echo "$2"; fail=$((fail + 1)); fi
}
check_rc() { # name, rc, expected
  if [ "$2" -eq "$3" ]; then pass=$((pass + 1))
  else echo "FAIL $1: exit $2, expected $3"; fail=$((fail + 1)); fi
}
# the route: "Counter" (7 bytes: compact 0x1c), "Add" (0x0c), then u32 10
eq add "$("$gb" payload encode --idl "$I" 'Counter/Add [10]')" 0x1c436f756e7465720c4164640a000000
# a single argument may be bare; no arguments may be left out
eq add-bare "$("$gb" payload encode --idl "$I" 'Counter/Add 10')" 0x1c436f756e7465720c4164640a000000
eq query "$("$gb" payload encode --idl "$I" 'Counter/Value')" 0x1c436f756e7465721456616c7565
# constructors: the name alone, then the arguments (opt: 00 / 01 + value)
eq ctor-none "$("$gb" payload encode --idl "$I" --init 'New [42, null]')" 0x0c4e65772a00000000
eq ctor-some "$("$gb" payload encode --idl "$I" --init 'New [42, "hi"]')" 0x0c4e65772a00000001086869

# round trips: encode a call, decode it as the method's reply (the route,
# then a value of the same shape) and get the arguments back
rt() { # name, method, args JSON (the result type equals the args' struct)
  local hex got
  hex=$("$gb" payload encode --idl "$I" "$2 $3") || { echo "FAIL $1: encode"; fail=$((fail + 1)); return; }
  got=$("$gb" payload decode --idl "$I" --reply "$2" "$hex")
  eq "$1" "$got" "$3"
}
rt echo-small Counter/Echo '["0x01020304",[["a",1],["b",2]],[true,"é"],-1]'
rt echo-big Counter/Echo '["0xffffffff",[],[false,"z"],"-170141183460469231731687303715884105728"]'
rt echo-2p53 Counter/Echo '["0x00000000",[["x","9007199254740993"]],[true,"中"],"170141183460469231731687303715884105727"]'
# enums, structs, u256 and vectors of structs
hex=$("$gb" payload encode --idl "$I" 'Counter/SetMode [{"Jump": {"to": {"x": -1, "y": 2}, "big": "115792089237316195423570985008687907853269984665640564039457584007913129639935"}}, [{"x": 1, "y": 2}]]')
eq setmode "$hex" 0x1c436f756e7465721c5365744d6f646502ffffffff02000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff040100000002000000
eq setmode-unit "$("$gb" payload encode --idl "$I" 'Counter/SetMode ["Idle", []]')" 0x1c436f756e7465721c5365744d6f64650000
# results and events
eq sub-err "$("$gb" payload decode --idl "$I" --reply Counter/Sub 0x1c436f756e7465720c537562012862656c6f77207a65726f)" '{"err":"below zero"}'
eq sub-ok "$("$gb" payload decode --idl "$I" --reply Counter/Sub 0x1c436f756e7465720c5375620007000000)" '{"ok":7}'
eq owner "$("$gb" payload decode --idl "$I" --reply Counter/Owner 0x1c436f756e746572144f776e6572$(printf 'ab%.0s' $(seq 32)))" "\"0x$(printf 'ab%.0s' $(seq 32))\""
eq event "$("$gb" payload decode --idl "$I" --event 0x1c436f756e74657214416464656402000000)" '{"service":"Counter","event":"Added","data":2}'
eq event-unit "$("$gb" payload decode --idl "$I" --event 0x1c436f756e746572145265736574)" '{"service":"Counter","event":"Reset","data":null}'

# SCALE type expressions
eq u16 "$("$gb" payload encode --scale u16 513)" 0x0102
eq i8 "$("$gb" payload encode --scale i8 -128)" 0x80
eq tuple "$("$gb" payload encode --scale '(bool, str, opt u8)' '[true, "ab", 5]')" 0x010861620105
eq vec-compact "$("$gb" payload encode --scale 'vec u8' "[$(seq -s, 1 64)]" | cut -c1-8)" 0x010101
eq array "$("$gb" payload encode --scale '[u16; 2]' '[1, 2]')" 0x01000200
eq bytes "$("$gb" payload encode --scale bytes '"0xdead"')" 0x08dead
eq u128-max "$("$gb" payload decode --scale u128 0xffffffffffffffffffffffffffffffff)" '"340282366920938463463374607431768211455"'
eq i64-neg "$("$gb" payload decode --scale i64 0xfeffffffffffffff)" -2
eq result "$("$gb" payload decode --scale 'result (u8, str)' 0x0007)" '{"ok":7}'
eq nested "$("$gb" payload decode --scale 'vec (u8, opt bool)' 0x080100020101)" '[[1,null],[2,true]]'

# errors: one line, saying why; exit 1 for a value, 2 for usage
out=$("$gb" payload encode --scale u8 256 2>&1); rc=$?
check_rc u8-range-rc $rc 1
check u8-range "$out" "256 does not fit u8"
out=$("$gb" payload encode --scale 'vec q8' '[]' 2>&1); rc=$?
check_rc bad-type-rc $rc 2
check bad-type "$out" "unknown type 'q8'"
out=$("$gb" payload decode --scale '(u8, bool)' 0x0102 2>&1)
check bad-bool "$out" "2 is not a bool"
out=$("$gb" payload decode --scale u32 0x0102 2>&1)
check short "$out" "ends inside an integer"
out=$("$gb" payload decode --scale u8 0x0102 2>&1)
check left-over "$out" "1 bytes left over"
out=$("$gb" payload encode --idl "$I" 'Counter/Mul [1]' 2>&1)
check no-method "$out" "service Counter has no method 'Mul' (its methods: Add, Sub, SetMode, Echo, Value, Owner)"
out=$("$gb" payload encode --idl "$I" 'Count/Add [1]' 2>&1)
check no-service "$out" "no service 'Count' in the IDL (its services: Counter)"
out=$("$gb" payload encode --idl "$I" 'Counter/SetMode ["Fly", []]' 2>&1)
check no-variant "$out" "expected a variant (Idle, Step, Jump), not 'Fly'"
out=$("$gb" payload encode --idl "$I" 'Counter/SetMode [{"Step": 1}, [{"x": 1}]]' 2>&1)
check no-field "$out" "field 'y' missing"
printf 'service S {\n  Do : (a: Missing) -> null;\n};\n' > "${TMPDIR:-/tmp}/gb_bad_$$.idl"
out=$("$gb" payload encode --idl "${TMPDIR:-/tmp}/gb_bad_$$.idl" 'S/Do [1]' 2>&1); rc=$?
check_rc bad-idl-rc $rc 2
check bad-idl "$out" "unknown type 'Missing'"
printf 'service S {\n  Do : (a: u8) null;\n};\n' > "${TMPDIR:-/tmp}/gb_bad_$$.idl"
out=$("$gb" payload encode --idl "${TMPDIR:-/tmp}/gb_bad_$$.idl" 'S/Do [1]' 2>&1)
check bad-idl-line "$out" "line 2: expected '->' and the result type, found 'null'"
rm -f "${TMPDIR:-/tmp}/gb_bad_$$.idl"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
