#!/usr/bin/env bash
# Traces (issue #18): a dev node runs ping; `gearbox trace MSG --node`
# re-runs the PING from its block's stored state (nothing changes: the head
# and root are the same after) and shows its syscalls (gr_read, gr_reply),
# the handle function and the page it read; the trace's gas adds up to
# what the message burned in its block (the chain's events), also through
# gearbox_traceMessage's JSON; the flame graph is well-formed SVG naming the
# functions; `--data` on the stopped node's directory gives the same sum;
# an unknown message and a bad id are refused.
# usage: node_trace.sh GEARBOX EXAMPLES_DIR
set -euo pipefail
GEARBOX=$1
EX=$2
DIR=$(mktemp -d)
. "$(dirname "$0")/node_lib.sh"

node_start --block-time 100
PING=$(upload_example ping)
"$GEARBOX" send "$PING" PING --node "http://$ADDR" --gas 1000000000 --wait --json > "$DIR/s.json" 2>&1 || fail "send: $(cat "$DIR/s.json")"
MSG=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("message_id") or d["messageId"])' "$DIR/s.json")
BURNED=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("gas_burned") or d.get("gasBurned") or "")' "$DIR/s.json")
ROOT0=$(rpc chain_getHead '[]' | field result.stateRoot)
H0=$(rpc chain_getHead '[]' | field result.height)

"$GEARBOX" trace "$MSG" --node "http://$ADDR" --flamegraph "$DIR/f.svg" --folded "$DIR/f.txt" > "$DIR/t.out" || fail "trace: $(cat "$DIR/t.out")"
for w in gr_read gr_reply handle precharge "= burned" "pages:"; do
  grep -q -- "$w" "$DIR/t.out" || fail "the trace does not show '$w': $(cat "$DIR/t.out")"
done
python3 - "$DIR/f.svg" "$DIR/f.txt" <<'PY' || fail "flame graph"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag.endswith("svg"), root.tag
text = open(sys.argv[1]).read()
assert "handle" in text and "gr_reply" in text
lines = [l for l in open(sys.argv[2]).read().splitlines() if l.strip()]
assert lines and all(l.rsplit(" ", 1)[1].isdigit() for l in lines), lines[:3]
PY
rpc gearbox_traceMessage "{\"messageId\":\"$MSG\"}" > "$DIR/t.json"
python3 - "$DIR/t.json" "$BURNED" <<'PY' || fail "gearbox_traceMessage: $(head -c 400 "$DIR/t.json")"
import json, sys
r = json.load(open(sys.argv[1]))["result"]
t = r["trace"]
assert r["runs"] == 1, r["runs"]
assert t["gas_burned"] == r["gasBurned"], (t["gas_burned"], r["gasBurned"])
if sys.argv[2]:
    assert r["gasBurned"] == int(sys.argv[2]), (r["gasBurned"], sys.argv[2])
ex = t["executions"][0]
g = ex["gas"]
parts = g["precharge"] + g["instructions"] + g["syscalls"] - g["given"] + g["pages"]
assert parts == ex["gas_burned"], (parts, ex["gas_burned"], g)
names = [s["name"] for s in ex["syscalls"]]
assert "gr_reply" in names and "gr_read" in names, names
PY
# nothing changed
[ "$(rpc chain_getHead '[]' | field result.height)" -ge "$H0" ] || fail "height went back"
[ "$(rpc gearbox_getBlock "[$H0]" | field result.stateRoot)" = "$ROOT0" ] || fail "block $H0's root changed"
set +e
"$GEARBOX" trace 0x$(printf '%064d' 7) --node "http://$ADDR" > "$DIR/n.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "no message" "$DIR/n.out" || fail "unknown message: $rc $(cat "$DIR/n.out")"
"$GEARBOX" trace 0x12 --node "http://$ADDR" > "$DIR/n.out" 2>&1; rc=$?
[ $rc = 2 ] || fail "bad id: $rc"
set -e
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=
"$GEARBOX" trace "$MSG" --data "$DIR/data" --json > "$DIR/d.json" || fail "trace --data"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))["result"]["trace"]; assert a["gas_burned"]==b["gas_burned"], (a["gas_burned"], b["gas_burned"])' "$DIR/d.json" "$DIR/t.json" || fail "--data and --node differ"
echo "ok: trace of a PING (syscalls, functions, pages, gas adding up to the block's), flame graph, --data"
