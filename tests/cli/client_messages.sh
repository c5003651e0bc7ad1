#!/usr/bin/env bash
# The node commands for programs and mailboxes end to end against
# `gearbox node --dev` on loopback: gas (init from a file and a code id,
# handle, reply; a trap reported with its reason; an unknown program),
# upload and send with the estimated gas, create from a code id --wait,
# reply to and claim mailbox messages (proxy forwarding to bob), state
# (counter), each command's --help and clear errors with non-zero exits.
# usage: client_messages.sh GEARBOX EXAMPLES_DIR
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
check_rc() { # name, rc, expected exit status
  if [ "$2" -eq "$3" ]; then pass=$((pass + 1))
  else echo "FAIL $1: exit $2, expected $3"; fail=$((fail + 1)); fi
}
die() { echo "FAIL: $*"; [ -f "$DIR/log" ] && tail -20 "$DIR/log"; exit 1; }
jget() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(str(v).lower() if isinstance(v,bool) else v)' "$1" "$2" 2>/dev/null; }

# blocks of 1 s: a gasless message to a user is held 29 blocks (Vara's
# mailbox threshold, 3000 gas, at 100 a block, less ReserveFor), which the
# mailbox steps below must not outlast
"$gb" node --dev --data "$DIR/data" --rpc 127.0.0.1:0 --block-time 1000 > "$DIR/log" 2>&1 &
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
BOB=$("$gb" key show bob --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["account"])' 2>/dev/null) \
  || BOB=$("$gb" key dev | grep -o '0x[0-9a-f]\{64\}' | sed -n 2p)
[ -n "$BOB" ] || die "no id for bob"

# gas before anything is uploaded: from the file
out=$(timeout 30 "$gb" gas init "$ex/counter.wasm" $N 2>&1); rc=$?
check_rc gas-init-file $rc 0
check gas-init-file "$out" "min limit"
out=$(timeout 30 "$gb" gas init "$ex/proxy.wasm" 0x01 $N 2>&1); rc=$?
check_rc gas-trap $rc 1
check gas-trap "$out" "userspace panic"
check gas-trap "$out" "proxy: init payload must be the 32-byte target id"

# upload with the estimated gas, then estimate and send a handle
out=$(timeout 30 "$gb" upload "$ex/ping.wasm" $N --wait --json 2>&1); rc=$?
check_rc upload-estimated $rc 0
check upload-estimated "$out" '"gas_estimated":true'
PING=$(jget "$out" programId) || die "upload printed no program id: $out"
CODE=$(jget "$out" codeId)
out=$(timeout 30 "$gb" gas handle "$PING" PING $N --json 2>&1); rc=$?
check_rc gas-handle $rc 0
MIN=$(jget "$out" minLimit)
BURNED=$(jget "$out" burned)
[ -n "$MIN" ] && [ "$MIN" -ge "$BURNED" ] && [ "$BURNED" -gt 0 ] && pass=$((pass + 1)) \
  || { echo "FAIL gas-handle numbers: $out"; fail=$((fail + 1)); }
out=$(timeout 60 "$gb" send "$PING" PING $N --gas "$MIN" --wait 2>&1); rc=$?
check_rc send-min-limit $rc 0
check send-min-limit "$out" '"PONG"'
out=$(timeout 60 "$gb" send "$PING" PING $N --wait 2>&1); rc=$?
check_rc send-estimated $rc 0
check send-estimated "$out" "(the node's estimate + 25%)"
check send-estimated "$out" '"PONG"'
out=$(timeout 30 "$gb" gas init "$CODE" $N 2>&1); rc=$?
check_rc gas-init-id $rc 0
out=$(timeout 30 "$gb" gas handle 0x4242424242424242424242424242424242424242424242424242424242424242 x $N 2>&1); rc=$?
check_rc gas-unknown $rc 1
check gas-unknown "$out" "unknown program"

# create from the code id: a proxy forwarding to bob
out=$(timeout 30 "$gb" upload "$ex/proxy.wasm" --init "$BOB" $N --json 2>&1); rc=$?
check_rc upload-proxy $rc 0
PCODE=$(jget "$out" codeId)
out=$(timeout 60 "$gb" create "$PCODE" --payload "$BOB" --salt two $N --wait --json 2>&1); rc=$?
check_rc create $rc 0
check create "$out" '"replyCode":"0x00000000"'
PX=$(jget "$out" programId)
out=$(timeout 30 "$gb" create "$PCODE" --payload "$BOB" --salt two $N 2>&1); rc=$?
check_rc create-again $rc 1
check create-again "$out" "exists already"
out=$(timeout 30 "$gb" gas handle "$PX" hello $N 2>&1); rc=$?
check_rc gas-waits $rc 0
check gas-waits "$out" "waited    yes"

# bob's mailbox: reply to one message, claim another
mail() { timeout 10 "$gb" mailbox bob $N --json 2>/dev/null; }
count() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null <<<"$(mail)"; }
out=$(timeout 30 "$gb" send "$PX" hello $N --value 2000000000000 2>&1); rc=$?
check_rc send-proxy $rc 0
for _ in $(seq 50); do [ "$(count)" = 1 ] && break; sleep 0.1; done
M1=$(jget "$(mail)" 0.id) || die "no message in bob's mailbox"
out=$(timeout 30 "$gb" gas reply "$M1" yes $N --account bob 2>&1); rc=$?
check_rc gas-reply $rc 0
check gas-reply "$out" "min limit"
out=$(timeout 30 "$gb" reply "$M1" yes $N --account bob 2>&1); rc=$?
check_rc reply $rc 0
check reply "$out" "reply       0x"
for _ in $(seq 50); do [ "$(count)" = 0 ] && break; sleep 0.1; done
check_rc reply-mailbox-empty "$(count)" 0
out=$(timeout 30 "$gb" send "$PX" again $N --value 3000000000000 2>&1); rc=$?
check_rc send-proxy-2 $rc 0
for _ in $(seq 50); do [ "$(count)" = 1 ] && break; sleep 0.1; done
M2=$(jget "$(mail)" 0.id) || die "no second message in bob's mailbox"
out=$(timeout 30 "$gb" claim "$M2" $N --account bob 2>&1); rc=$?
check_rc claim $rc 0
check claim "$out" "claimed     $M2"
for _ in $(seq 50); do [ "$(count)" = 0 ] && break; sleep 0.1; done
check_rc claim-mailbox-empty "$(count)" 0
out=$(timeout 30 "$gb" claim "$M2" $N --account bob 2>&1); rc=$?
check_rc claim-again $rc 1
check claim-again "$out" "no such message"
out=$(timeout 30 "$gb" reply "$M2" x $N --account bob 2>&1); rc=$?
check_rc reply-gone $rc 1
check reply-gone "$out" "mailbox"

# state
out=$(timeout 30 "$gb" upload "$ex/counter.wasm" $N --wait --json 2>&1); rc=$?
check_rc upload-counter $rc 0
CT=$(jget "$out" programId)
out=$(timeout 60 "$gb" send "$CT" "add 5" $N --wait 2>&1); rc=$?
check_rc send-add $rc 0
out=$(timeout 30 "$gb" state "$CT" $N 2>&1); rc=$?
check_rc state $rc 0
check state "$out" '"5"'
out=$(timeout 30 "$gb" state "$CT" $N --json 2>&1); rc=$?
check state-json "$out" '"payload":"0x35"'
out=$(timeout 30 "$gb" state "$PING" $N 2>&1); rc=$?
check_rc state-none $rc 1
check state-none "$out" "no \`state\` export"

# usage errors and help
out=$(timeout 10 "$gb" create 0x12 $N 2>&1); rc=$?
check_rc create-bad-id $rc 2
check create-bad-id "$out" "not a code id"
out=$(timeout 10 "$gb" reply "$M2" $N 2>&1); rc=$?
check_rc reply-no-payload $rc 2
out=$(timeout 10 "$gb" gas frob $N 2>&1); rc=$?
check_rc gas-unknown-sub $rc 2
for c in create reply claim state gas "gas init" "gas handle" "gas reply"; do
  out=$("$gb" $c --help 2>&1); rc=$?
  check_rc "help-$c" $rc 0
  check "help-$c" "$out" "usage: gearbox $c"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
