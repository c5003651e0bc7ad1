#!/usr/bin/env bash
# `gearbox exec` end to end on the example programs: the replies, their
# codes and the JSON keys people script against.
# usage: exec_examples.sh GEARBOX EXAMPLES_DIR
set -u
gb=$1 ex=$2
fail=0 pass=0
check() { # name, output, expected substring
  if grep -qF -- "$3" <<<"$2"; then pass=$((pass + 1))
  else echo "FAIL $1: expected '$3' in:"; echo "$2"; fail=$((fail + 1)); fi
}
out=$("$gb" exec "$ex/ping.wasm" --send PING --json 2>&1)
check ping-json "$out" '"reply_code":"00010000"'
check ping-payload "$out" '"reply_payload":"0x504f4e47"'
for key in message_id gas_burned mailbox; do check "ping-key-$key" "$out" "\"$key\""; done
out=$("$gb" exec "$ex/counter.wasm" --send inc --send "add 5" --send get 2>&1)
check counter "$out" '"6"'
out=$("$gb" exec "$ex/token.wasm" --init 1000 --send balance \
      --send "transfer 0x1111111111111111111111111111111111111111111111111111111111111111 2000" 2>&1)
check token-balance "$out" '"1000"'
check token-error "$out" '01 00 03 00'
check token-panic "$out" '"insufficient balance"'
out=$("$gb" exec "$ex/loop.wasm" --gas 1000000000 --send go 2>&1)
check loop "$out" 'ran out of gas'
out=$("$gb" exec "$ex/ping.wasm" --program proxy="$ex/proxy.wasm",@main --to proxy --send PING 2>&1)
check proxy "$out" '"PONG"'
out=$("$gb" exec "$ex/ping.wasm" --code child="$ex/ping.wasm" --value 10000000000000 \
      --program factory="$ex/factory.wasm",@child --value 0 --to factory --send spawn --send call 2>&1)
check factory "$out" '"PONG"'
out=$("$gb" exec "$ex/timer.wasm" --send "start 3 2" --send get 2>&1)
check timer "$out" '"2"'
for h in loop recurse alloc_bomb; do
  out=$("$gb" exec "$ex/$h.wasm" --gas 10000000000 --send go 2>&1)
  check "hostile-$h" "$out" 'error: execution'
done
out=$("$gb" exec "$ex/wild_pointer.wasm" --send go --send err 2>&1)
check wild-201 "$out" '"rejected: 201"'
check wild-err "$out" 'backend error'
out=$("$gb" exec "$ex/ping.wasm" --program p2=/nonexistent.wasm 2>&1); rc=$?
[ $rc -ne 0 ] && pass=$((pass + 1)) || { echo "FAIL bad --program exit 0"; fail=$((fail + 1)); }
out=$("$gb" exec "$ex/ping.wasm" --as bob --send PING --as 0xzz 2>&1); rc=$?
check bad-account "$out" "unknown account"
[ $rc -eq 2 ] && pass=$((pass + 1)) || { echo "FAIL bad-account exit $rc"; fail=$((fail + 1)); }
out=$("$gb" exec /nonexistent.wasm 2>&1); rc=$?
check missing-file "$out" "cannot read"
[ $rc -ne 0 ] && pass=$((pass + 1)) || { echo "FAIL missing-file exit 0"; fail=$((fail + 1)); }
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
