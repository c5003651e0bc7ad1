#!/usr/bin/env bash
# The node commands end to end against `gearbox node --dev` on loopback:
# upload ping, send PING --wait (the reply PONG), balance, mailbox, block,
# and clear errors with non-zero exits for a bad account and no node.
# usage: client_roundtrip.sh GEARBOX EXAMPLES_DIR
set -uo pipefail
gb=$1 ex=$2
DIR=$(mktemp -d)
PID=
cleanup() {
  if [ -n "$PID" ]; then kill -KILL "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null; fi
  rm -rf "$DIR"
}
trap cleanup EXIT
fail=0 pass=0
check() { # name, output, expected substring
  if grep -qF -- "$3" <<<"$2"; then pass=$((pass + 1))
  else echo "FAIL $1: expected '$3' in:"; echo "$2"; fail=$((fail + 1)); fi
}
check_rc() { # name, rc, expected: 0 or nonzero
  if { [ "$3" = 0 ] && [ "$2" -eq 0 ]; } || { [ "$3" != 0 ] && [ "$2" -ne 0 ]; }; then
    pass=$((pass + 1))
  else echo "FAIL $1: exit $2"; fail=$((fail + 1)); fi
}
die() { echo "FAIL: $*"; [ -f "$DIR/log" ] && tail -20 "$DIR/log"; exit 1; }

"$gb" node --dev --data "$DIR/data" --rpc 127.0.0.1:0 --block-time 200 > "$DIR/log" 2>&1 &
PID=$!
ADDR=
for _ in $(seq 100); do
  ADDR=$(grep -o '127\.0\.0\.1:[0-9]*' "$DIR/log" 2>/dev/null || true)
  [ -n "$ADDR" ] && break
  sleep 0.1
done
[ -n "$ADDR" ] || die "the node did not print its RPC address"
N="--node http://$ADDR"
for _ in $(seq 50); do timeout 5 "$gb" block $N >/dev/null 2>&1 && break; sleep 0.1; done

out=$(timeout 30 "$gb" upload "$ex/ping.wasm" $N --json 2>&1); rc=$?
check_rc upload $rc 0
PROG=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["programId"])' "$out" 2>/dev/null) \
  || die "upload printed no program id: $out"
out=$(timeout 30 "$gb" upload "$ex/ping.wasm" $N --account bob 2>&1); rc=$?
check_rc upload-human $rc 0
check upload-human "$out" "program     0x"

out=$(timeout 60 "$gb" send "$PROG" PING $N --wait --timeout 30 2>&1); rc=$?
check_rc send $rc 0
check send-code "$out" "0x00010000"
check send-pong "$out" '"PONG"'
out=$(timeout 60 "$gb" send "$PROG" 0x50494e47 $N --account charlie --wait --json 2>&1); rc=$?
check_rc send-json $rc 0
check send-json "$out" '"payload":"0x504f4e47"'
out=$(timeout 30 "$gb" send "$PROG" PING $N 2>&1); rc=$?
check_rc send-nowait $rc 0
check send-nowait "$out" "message     0x"

out=$(timeout 10 "$gb" balance alice $N 2>&1); rc=$?
check_rc balance $rc 0
grep -qE '^[0-9]+$' <<<"$out" && pass=$((pass + 1)) || { echo "FAIL balance not a number: $out"; fail=$((fail + 1)); }
out=$(timeout 10 "$gb" balance $N --account bob --json 2>&1)
check balance-json "$out" '"balance":"'
out=$(timeout 10 "$gb" mailbox bob $N 2>&1); rc=$?
check_rc mailbox $rc 0
check mailbox "$out" "mailbox of 0x"
out=$(timeout 10 "$gb" block $N 2>&1); rc=$?
check_rc block-head $rc 0
check block-head "$out" "head"
out=$(timeout 10 "$gb" block 1 $N --json 2>&1); rc=$?
check_rc block-1 $rc 0
check block-1 "$out" '"height":1'

# errors: what went wrong, non-zero exits
out=$(timeout 10 "$gb" balance nosuchaccount $N 2>&1); rc=$?
check_rc bad-account $rc 1
check bad-account "$out" "unknown account 'nosuchaccount'"
out=$(timeout 10 "$gb" send "$PROG" PING $N --account nosuchaccount 2>&1); rc=$?
check_rc bad-signer $rc 1
check bad-signer "$out" "unknown account 'nosuchaccount'"
out=$(timeout 10 "$gb" send 0x12 PING $N 2>&1); rc=$?
check_rc bad-program $rc 1
check bad-program "$out" "not a program id"
out=$(timeout 10 "$gb" send "$PROG" 0xzz $N 2>&1); rc=$?
check_rc bad-payload $rc 1
check bad-payload "$out" "not hex"
out=$(timeout 10 "$gb" block 999999 $N 2>&1); rc=$?
check_rc far-block $rc 1
check far-block "$out" "beyond the head"
out=$(timeout 10 "$gb" upload /nonexistent.wasm $N 2>&1); rc=$?
check_rc missing-file $rc 1
check missing-file "$out" "cannot read"

kill -TERM "$PID"; wait "$PID" 2>/dev/null; PID=
out=$(timeout 10 "$gb" balance alice $N 2>&1); rc=$?
check_rc no-node $rc 1
check no-node "$out" "cannot connect to the node"
out=$(timeout 10 "$gb" block --node http://10.1.2.3:9944 2>&1); rc=$?
check_rc not-loopback $rc 1
check not-loopback "$out" "not a loopback address"
out=$(timeout 10 "$gb" balance --frobnicate 2>&1); rc=$?
check_rc bad-option $rc 1
check bad-option "$out" "unknown option"
for c in upload send mailbox balance block; do
  out=$("$gb" $c --help 2>&1); rc=$?
  check_rc "help-$c" $rc 0
  check "help-$c" "$out" "usage: gearbox $c"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
