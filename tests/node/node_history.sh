#!/usr/bin/env bash
# Stored inputs, snapshots and forks (issue #16) end to end with the CLI:
# a dev node gets ping and messages; `gearbox snapshot save` copies it
# while it runs; `gearbox replay` refuses the running node's directory
# with a clear line, then (node stopped) replays every block and finds
# them equal; a snapshot loads into a new directory (not into a used one;
# corrupted and truncated files are refused), replays the same, and a node
# on it continues from its head; `gearbox node --dev --fork` starts a chain
# with the source's programs and balances and a chain id of its own, which
# the CLI signs for.
# usage: node_history.sh GEARBOX EXAMPLES_DIR
set -euo pipefail
GEARBOX=$1
EX=$2
DIR=$(mktemp -d)
. "$(dirname "$0")/node_lib.sh"

node_start --block-time 100
PING=$(upload_example ping)
for i in 1 2 3; do
  "$GEARBOX" send "$PING" PING --node "http://$ADDR" --gas 1000000000 --wait \
    > "$DIR/send.out" 2>&1 || fail "send $i: $(cat "$DIR/send.out")"
  grep -q PONG "$DIR/send.out" || fail "no PONG: $(cat "$DIR/send.out")"
done
BAL=$(rpc gear_balance '["alice"]' | field result)

# a snapshot while the node runs; replay refuses the running node's dir
"$GEARBOX" snapshot save "$DIR/data" "$DIR/s1.snap" > "$DIR/save.out" \
  || fail "snapshot save: $(cat "$DIR/save.out")"
grep -q "head #" "$DIR/save.out" || fail "save printed no head"
set +e
"$GEARBOX" replay --data "$DIR/data" > "$DIR/rp.out" 2>&1
rc=$?
set -e
[ $rc = 2 ] || fail "replay of a running node's directory: exit $rc"
grep -q "in use by a running node" "$DIR/rp.out" || fail "replay: $(cat "$DIR/rp.out")"

kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=
"$GEARBOX" replay --data "$DIR/data" > "$DIR/rp.out" 2>&1 \
  || fail "replay: $(cat "$DIR/rp.out")"
grep -q "all the same" "$DIR/rp.out" || fail "replay: $(cat "$DIR/rp.out")"
"$GEARBOX" replay --data "$DIR/data" --json --from 2 --to 4 | python3 -c '
import json,sys; r=json.load(sys.stdin)
assert r["ok"] and r["first_bad"]==0 and r["replayed"]==4 and r["from"]==2, r'
set +e
"$GEARBOX" replay --data "$DIR/data" --from 5 --to 3 > /dev/null 2>&1; [ $? = 2 ] || fail "--from after --to accepted"
"$GEARBOX" replay --data "$DIR/nothing-here" > "$DIR/rp.out" 2>&1; rc=$?
set -e
[ $rc = 2 ] || fail "replay of a missing directory: exit $rc"

# load: round trip, refusals
"$GEARBOX" snapshot load "$DIR/s1.snap" "$DIR/copy" > /dev/null || fail "load"
"$GEARBOX" replay --data "$DIR/copy" > "$DIR/rp.out" 2>&1 || fail "replay of the loaded copy: $(cat "$DIR/rp.out")"
set +e
"$GEARBOX" snapshot load "$DIR/s1.snap" "$DIR/copy" > "$DIR/l.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "already holds" "$DIR/l.out" || fail "load into a used directory: $rc $(cat "$DIR/l.out")"
cp "$DIR/s1.snap" "$DIR/bad.snap"
printf 'X' | dd of="$DIR/bad.snap" bs=1 seek=4000 conv=notrunc 2>/dev/null
"$GEARBOX" snapshot load "$DIR/bad.snap" "$DIR/bad" > "$DIR/l.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "checksum" "$DIR/l.out" || fail "corrupted snapshot: $rc $(cat "$DIR/l.out")"
[ ! -e "$DIR/bad/data.mdb" ] || fail "a corrupted snapshot left a store"
head -c 3000 "$DIR/s1.snap" > "$DIR/short.snap"
"$GEARBOX" snapshot info "$DIR/short.snap" > "$DIR/l.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "truncated" "$DIR/l.out" || fail "truncated snapshot: $rc $(cat "$DIR/l.out")"
"$GEARBOX" snapshot info /etc/hostname > "$DIR/l.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "not a gearbox snapshot" "$DIR/l.out" || fail "not a snapshot: $rc"
set -e

# a node on the loaded copy continues from the snapshot's head
H=$(sed -n 's/.*head #\([0-9]*\).*/\1/p' "$DIR/save.out")
"$GEARBOX" node --dev --data "$DIR/copy" --rpc 127.0.0.1:0 --block-time 100 > "$DIR/log" 2>&1 &
PID=$!
for _ in $(seq 100); do ADDR=$(grep -o '127\.0\.0\.1:[0-9]*' "$DIR/log" || true); [ -n "$ADDR" ] && break; sleep 0.1; done
grep -q "height $H)" "$DIR/log" || fail "the loaded node did not start at $H: $(head -3 "$DIR/log")"
"$GEARBOX" send "$PING" PING --node "http://$ADDR" --gas 1000000000 --wait > "$DIR/send.out" 2>&1 \
  || fail "send on the loaded copy: $(cat "$DIR/send.out")"
grep -q PONG "$DIR/send.out" || fail "no PONG on the loaded copy"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=

# a fork of the original directory: same programs and balances, its own id
"$GEARBOX" node --dev --fork "$DIR/data" --data "$DIR/fork" --rpc 127.0.0.1:0 --block-time 100 > "$DIR/log" 2>&1 &
PID=$!
for _ in $(seq 100); do ADDR=$(grep -o '127\.0\.0\.1:[0-9]*' "$DIR/log" || true); [ -n "$ADDR" ] && break; sleep 0.1; done
grep -q "^fork" "$DIR/log" || fail "no fork line: $(head -5 "$DIR/log")"
for _ in $(seq 50); do curl -sf --max-time 2 "http://$ADDR/health" >/dev/null && break; sleep 0.1; done
FGEN=$(rpc chain_getBlockHash '[0]' | field result)
FPARENT=$(rpc chain_getHeader "[\"$FGEN\"]" | field result.parentHash)
[ "$(rpc gear_balance '["alice"]' | field result)" = "$BAL" ] || fail "the fork lost alice's balance"
CID=$(rpc gearbox_chainInfo '[]' | field result.chainId)
[ "$(rpc gearbox_chainInfo '[]' | field result.fork.height)" -ge 1 ] || fail "no fork height"
"$GEARBOX" send "$PING" PING --node "http://$ADDR" --gas 1000000000 --wait > "$DIR/send.out" 2>&1 \
  || fail "send on the fork: $(cat "$DIR/send.out")"
grep -q PONG "$DIR/send.out" || fail "no PONG on the fork"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=
node_start
[ "$(rpc gearbox_chainInfo '[]' | field result.chainId)" != "$CID" ] || fail "the fork has the source's chain id"
# and a Substrate genesis hash of its own (block 0's parent is its chain id)
SGEN=$(rpc chain_getBlockHash '[0]' | field result)
case "$SGEN" in 0x????????????????????????????????????????????????????????????????) ;; *) fail "no genesis hash: $SGEN";; esac
[ "$FGEN" != "$SGEN" ] || fail "the fork has the source's genesis hash $SGEN"
[ "$FPARENT" = "$CID" ] || fail "the fork's genesis parent $FPARENT is not its chain id $CID"
[ "$(rpc gearbox_chainInfo '[]' | field result.fork)" = "None" ] || fail "a plain chain says it is a fork"
set +e
"$GEARBOX" node --dev --fork "$DIR/s1.snap" --data "$DIR/copy" --rpc 127.0.0.1:0 > "$DIR/f.out" 2>&1; rc=$?
set -e
[ $rc != 0 ] && grep -q "already holds a chain" "$DIR/f.out" || fail "fork into a used directory: $rc $(cat "$DIR/f.out")"
echo "ok: replay, snapshots (save while running, load, refusals), fork"
