#!/usr/bin/env bash
# The dev node's controls end to end (issue #21, docs/devnode.md), through
# JSON-RPC and the CLI, on a node started with --mining manual:
#   - manual mining: no block without dev_mine / `gearbox mine`, exact
#     heights, a transaction waits for the next mined block; switching to
#     interval mining and back at run time;
#   - time: dev_setTime / dev_advanceTime set the next block's timestamp,
#     never backwards; mined blocks with --interval;
#   - a delayed message (the timer example) delivered only once enough
#     blocks were mined; a gr_wait_for timeout (the test actor's 'F');
#   - dev_setBalance on a user and a program, the value audit holding;
#   - an impersonated account (no key) sending value to the actor, which
#     mails it back, and claiming it with `gearbox dev claim --as`;
#   - snapshot, changes, revert: the same head hash and state root, the
#     pending transaction back, a subscriber told of the new head; then a
#     few hundred rounds with no growth of the data directory or memory;
#   - rpc_methods lists the controls; the log names each control used.
# usage: node_dev.sh GEARBOX EXAMPLES_DIR TEST_DATA_DIR
set -euo pipefail
GEARBOX=$1
EX=$2
DATA=$3
DIR=$(mktemp -d)
source "$(dirname "${BASH_SOURCE[0]}")/node_lib.sh"
# many small JSON reads: the system's python starts faster than a shim
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
python3() { "$PY" "$@"; }

WATCH=
trap 'if [ -n "$WATCH" ]; then kill "$WATCH" 2>/dev/null || true; fi; cleanup' EXIT

node_start --mining manual
NODE="--node http://$ADDR"
ok() { grep -q '"result"' || fail "$1"; }
head_h() { rpc chain_getHead '[]' | field result.height; }
mine() { rpc dev_mine "[${1:-1}]" | field result.head; }
hexs() { printf '0x%s' "$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')"; }
events_from() { rpc chain_getEvents "[$1, 1000]"; }

# ---- manual mining ---------------------------------------------------------
[ "$(head_h)" = 0 ] || fail "a block came without mining"
sleep 1.2
[ "$(head_h)" = 0 ] || fail "a block came without mining (after 1.2 s)"
[ "$(mine 1)" = 1 ] || fail "dev_mine 1 did not make block 1"
out=$("$GEARBOX" mine 3 $NODE)
[ "$(echo "$out" | wc -l)" = 3 ] || fail "gearbox mine 3 printed: $out"
echo "$out" | tail -1 | grep -q '^4 0x[0-9a-f]\{64\}$' || fail "gearbox mine: $out"
[ "$(head_h)" = 4 ] || fail "height after 4 mined blocks"
r=$(rpc dev_mine '[2]')
[ "$(echo "$r" | field result.blocks.1.height)" = 6 ] || fail "dev_mine 2: $r"
[ "$(echo "$r" | field result.blocks.1.hash)" = "$(rpc chain_getHead '[]' | field result.hash)" ] \
  || fail "dev_mine's hash is not the head's"
echo "$r" | field result.blocks.0.substrateHash | grep -q '^0x' || fail "no substrateHash: $r"
rpc dev_mine '[0]' | grep -q -- '-32602' || fail "dev_mine 0 accepted"

# a transaction waits for the mined block
TIMER=$(python3 -c 'import sys; print("0x"+open(sys.argv[1],"rb").read().hex())' "$EX/timer.wasm")
printf '{"jsonrpc":"2.0","id":1,"method":"dev_uploadProgram","params":{"from":"alice","code":"%s","gasLimit":10000000000}}' "$TIMER" > "$DIR/up.json"
TPROG=$(curl -s -H 'Content-Type: application/json' --data-binary @"$DIR/up.json" "http://$ADDR/" | field result.programId)
sleep 0.5
[ "$(head_h)" = 6 ] || fail "a transaction made a block in manual mode"
rpc gear_programInfo "[\"$TPROG\"]" | grep -q '"error"' || fail "the program exists before its block"
[ "$(mine)" = 7 ] || fail "mine after upload"
[ "$(rpc gear_programInfo "[\"$TPROG\"]" | field result.status)" = active ] || fail "timer not active"

# switching modes at run time: interval, then manual again
"$GEARBOX" dev mining interval 100 $NODE | grep -q '^interval (interval 100 ms)' || fail "dev mining interval"
for _ in $(seq 50); do [ "$(head_h)" -ge 9 ] && break; sleep 0.1; done
[ "$(head_h)" -ge 9 ] || fail "interval mining made no blocks"
rpc dev_setMining '["manual"]' | ok "setMining manual"
sleep 0.3
H=$(head_h)
sleep 0.5
[ "$(head_h)" = "$H" ] || fail "blocks after switching back to manual"
rpc dev_setMining '["sometimes"]' | grep -q -- '-32602' || fail "a bad mode accepted"
[ "$(rpc dev_getMining '[]' | field result.mode)" = manual ] || fail "dev_getMining"

# ---- time ------------------------------------------------------------------
TS=$(rpc chain_getHead '[]' | field result.timestamp)
rpc dev_setTime "[$TS]" | grep -q 'never goes back' || fail "dev_setTime to the head's time accepted"
rpc dev_advanceTime '[-5]' | grep -q 'never goes back' || fail "a negative advance accepted"
T1=$((TS + 86400000))
[ "$(rpc dev_setTime "[$T1]" | field result.nextTimestamp)" = "$T1" ] || fail "dev_setTime"
mine >/dev/null
[ "$(rpc chain_getHead '[]' | field result.timestamp)" = "$T1" ] || fail "the block's timestamp is not the time set"
rpc dev_advanceTime '[3600000]' | ok "dev_advanceTime"
mine >/dev/null
T2=$(rpc chain_getHead '[]' | field result.timestamp)
[ "$T2" -ge $((T1 + 3600000)) ] || fail "advanceTime: $T2 < $T1 + 1 h"
"$GEARBOX" mine 2 --interval 60000 $NODE >/dev/null
[ "$(rpc chain_getHead '[]' | field result.timestamp)" = $((T2 + 120000)) ] || fail "mine --interval"

# ---- a delayed message -------------------------------------------------------
rpc dev_sendMessage "[\"alice\", \"$TPROG\", \"$(hexs 'start 5')\"]" | ok "start 5"
H=$(mine)            # the handle runs in block H and sends the tick 5 blocks on
ticks() {
  events_from "$H" | python3 -c 'import json,sys; p=sys.argv[1]
ev=json.load(sys.stdin)["result"]["events"]
print(sum(1 for e in ev if e["kind"]=="Dispatched" and e["source"]==p and e["destination"]==p and e["outcome"]=="success"))' "$TPROG"
}
mine 3 >/dev/null
[ "$(ticks)" = 0 ] || fail "the delayed tick came early"
mine 3 >/dev/null
[ "$(ticks)" = 1 ] || fail "the delayed tick did not come after 6 blocks"

# ---- the test actor: wait_for and the mailbox ---------------------------------
wat2wasm "$DATA/../chain/actor.wat" -o "$DIR/actor.wasm"
ACODE=$(python3 -c 'import sys; print("0x"+open(sys.argv[1],"rb").read().hex())' "$DIR/actor.wasm")
printf '{"jsonrpc":"2.0","id":1,"method":"dev_uploadProgram","params":{"from":"alice","code":"%s","gasLimit":10000000000}}' "$ACODE" > "$DIR/up.json"
APROG=$(curl -s -H 'Content-Type: application/json' --data-binary @"$DIR/up.json" "http://$ADDR/" | field result.programId)
mine >/dev/null
[ "$(rpc gear_programInfo "[\"$APROG\"]" | field result.status)" = active ] || fail "actor not active"
rpc dev_sendMessage "[\"bob\", \"$APROG\", \"$(hexs F)\"]" | ok "F"
H=$(mine)
woke() {
  events_from "$H" | python3 -c 'import json,sys
ev=json.load(sys.stdin)["result"]["events"]
print(sum(1 for e in ev if e["kind"]=="UserMessageSent" and e.get("payload")=="0x776f6b65"))'
}
[ "$(woke)" = 0 ] || fail "woke before its wait_for ran out"
mine 3 >/dev/null
[ "$(woke)" = 1 ] || fail "no \"woke\" after the wait_for(2) timeout"

# ---- balances ------------------------------------------------------------------
X=0x1111111111111111111111111111111111111111111111111111111111111111
r=$(rpc dev_setBalance "[\"$X\", \"100000000000000000\"]")
[ "$(echo "$r" | field result.auditHolds)" = true ] || fail "audit after setBalance: $r"
[ "$(rpc gear_balance "[\"$X\"]" | field result.balance)" = 100000000000000000 ] || fail "balance of X"
r=$("$GEARBOX" dev balance "$APROG" 777 $NODE --json)
[ "$(echo "$r" | field auditHolds)" = true ] || fail "audit after a program's balance: $r"
[ "$(rpc gear_programInfo "[\"$APROG\"]" | field result.balance)" = 777 ] || fail "program balance"
r=$(rpc dev_setBalance '["charlie", "1"]')
[ "$(echo "$r" | field result.auditHolds)" = true ] || fail "audit after lowering: $r"

# ---- impersonation ---------------------------------------------------------------
V=10000000000000
rpc dev_sendMessage "[\"$X\", \"$APROG\", \"$(hexs M)\", 10000000000, \"$V\"]" \
  | grep -q 'nor impersonated' || fail "a message from X without impersonation"
"$GEARBOX" dev impersonate "$X" $NODE >/dev/null
"$GEARBOX" dev send --as "$X" "$APROG" M --gas 10000000000 --value $V $NODE >/dev/null \
  || fail "dev send --as X"
mine >/dev/null
MID=$(rpc gear_mailbox "[\"$X\"]" | field result.0.id)
[ "$(rpc gear_mailbox "[\"$X\"]" | field result.0.value)" = $V ] || fail "X's mail has not the value"
B0=$(rpc gear_balance "[\"$X\"]" | field result.balance)
"$GEARBOX" dev claim --as "$X" "$MID" $NODE >/dev/null || fail "dev claim --as X"
mine >/dev/null
[ "$(rpc gear_mailbox "[\"$X\"]" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["result"]))')" = 0 ] \
  || fail "the claimed mail is still there"
B1=$(rpc gear_balance "[\"$X\"]" | field result.balance)
python3 -c 'import sys; b0,b1,v=map(int,sys.argv[1:]); sys.exit(0 if b0 < b1 <= b0 + v else 1)' "$B0" "$B1" "$V" \
  || fail "claim: balance $B0 -> $B1"
[ "$(rpc dev_stopImpersonating "[\"$X\"]" | field result)" = true ] || fail "stopImpersonating"
rpc dev_claimValue "[\"$X\", \"$MID\"]" | grep -q 'nor impersonated' || fail "X still impersonated"

# ---- snapshot and revert --------------------------------------------------------------
"$GEARBOX" watch --blocks $NODE > "$DIR/watch" 2> "$DIR/watch.err" &
WATCH=$!
for _ in $(seq 50); do grep -q watching "$DIR/watch.err" 2>/dev/null && break; sleep 0.1; done
rpc dev_sendMessage "[\"alice\", \"$TPROG\", \"$(hexs get)\"]" | ok "pending get"
SNAP=$("$GEARBOX" dev snapshot $NODE)
HEAD0=$(rpc chain_getHead '[]')
H0=$(echo "$HEAD0" | field result.height)
NONCE0=$(rpc system_accountNonce '["alice"]' | field result)
mine 5 >/dev/null
rpc dev_setBalance '["dave", "42"]' | ok "setBalance after snapshot"
rpc dev_sendMessage "[\"alice\", \"$TPROG\", \"$(hexs 'start 1')\"]" | ok "pending start"
"$GEARBOX" dev revert "$SNAP" $NODE | grep -q "^head $H0 " || fail "gearbox dev revert"
HEAD1=$(rpc chain_getHead '[]')
[ "$(echo "$HEAD1" | field result.hash)" = "$(echo "$HEAD0" | field result.hash)" ] || fail "head hash after revert"
[ "$(echo "$HEAD1" | field result.stateRoot)" = "$(echo "$HEAD0" | field result.stateRoot)" ] || fail "state root after revert"
[ "$(rpc system_accountNonce '["alice"]' | field result)" = "$NONCE0" ] || fail "the pending pool after revert"
[ "$(rpc gear_balance '["dave"]' | field result.balance)" != 42 ] || fail "dave's balance after revert"
rpc dev_revert "[$SNAP]" | grep -q -- '-32003' || fail "a consumed snapshot reverted again"
# (the watcher began after block H0 was made: only the revert tells it)
HH=$(echo "$HEAD0" | field result.hash | cut -c1-8)
for _ in $(seq 50); do grep -q "^block $H0 *$HH" "$DIR/watch" && break; sleep 0.1; done
grep -q "^block $H0 *$HH" "$DIR/watch" || {
  cat "$DIR/watch" >&2; fail "the subscriber was not told of the reverted head"; }
kill "$WATCH" 2>/dev/null || true
WATCH=
# the pending message is applied by the next block
H=$(mine)
[ "$H" = $((H0 + 1)) ] || fail "height after revert and mine"

# rounds: snapshot, change, revert; nothing grows
python3 - "$ADDR" "$DIR/data" "$PID" <<'EOF' || fail "snapshot/revert rounds"
import json, os, sys, time, urllib.request
addr, data, pid = sys.argv[1], sys.argv[2], sys.argv[3]
def call(m, p):
    req = urllib.request.Request(f"http://{addr}/", json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": m, "params": p}).encode(),
        {"Content-Type": "application/json"})
    r = json.load(urllib.request.urlopen(req, timeout=30))
    if "error" in r:
        raise SystemExit(f"{m}: {r['error']}")
    return r["result"]
def disk():
    return sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data))
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
head0 = call("chain_getHead", [])
times, d_mid, r_mid = [], 0, 0
N = 300
for i in range(N):
    sid = call("dev_snapshot", [])
    call("dev_mine", [2])
    call("dev_setBalance", ["eve", str(1000 + i)])
    t = time.monotonic()
    call("dev_revert", [sid])
    times.append((time.monotonic() - t) * 1000)
    h = call("chain_getHead", [])
    if h["hash"] != head0["hash"] or h["stateRoot"] != head0["stateRoot"]:
        raise SystemExit(f"round {i}: head {h} != {head0}")
    if i == 50:
        d_mid, r_mid = disk(), rss()
d_end, r_end = disk(), rss()
snaps = [f for f in os.listdir(data) if f.startswith("snapshot-")]
times.sort()
print(f"  {N} rounds: revert (RPC round trip) median {times[N//2]:.1f} ms, "
      f"worst {times[-1]:.1f} ms; data dir {d_mid} -> {d_end} bytes; "
      f"RSS {r_mid} -> {r_end} KiB")
if snaps:
    raise SystemExit(f"snapshot files left: {snaps}")
if d_end > d_mid * 1.1 + (1 << 20):
    raise SystemExit(f"the data directory grew: {d_mid} -> {d_end}")
if r_end > r_mid + int(os.environ.get("GB_TEST_RSS_GROWTH_MIB", "16")) * 1024:
    raise SystemExit(f"the node's memory grew: {r_mid} -> {r_end} KiB")
EOF

# ---- listed, logged --------------------------------------------------------------
M=$(rpc rpc_methods '[]')
for m in dev_mine dev_setMining dev_setTime dev_advanceTime dev_setBalance \
         dev_impersonate dev_snapshot dev_revert dev_sendReply dev_claimValue; do
  echo "$M" | grep -q "\"$m\"" || fail "rpc_methods lacks $m"
done
for w in dev_mine dev_setMining dev_setTime dev_advanceTime dev_setBalance \
         dev_impersonate dev_stopImpersonating dev_snapshot dev_revert; do
  grep -q "^dev: $w" "$DIR/log" || fail "the log does not mention $w"
done
grep -q "as $X (impersonated)" "$DIR/log" || fail "the impersonated send is not logged"
kill -TERM "$PID"
wait "$PID" 2>/dev/null || true
PID=
echo "node_dev: ok"
