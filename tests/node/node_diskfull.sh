#!/usr/bin/env bash
# A full disk (issue #19.10), on loopback: a node whose data directory is
# on a small tmpfs (mounted here: skipped, exit 77, where mounting is not
# allowed) is fed code uploads until a block cannot be committed.  It
# says "disk full" with the data directory and the height it stays at,
# answers the requests that reach it meanwhile with that error, and exits
# 1 without a crash; with room again (the tmpfs grown), it starts on the
# same directory at that height, with the store intact, and goes on.
# usage: node_diskfull.sh GEARBOX EXAMPLES_DIR
set -euo pipefail
GEARBOX=$1
EX=$2
DIR=$(mktemp -d)
MNT=$DIR/mnt
PID=
mkdir "$MNT"
cleanup() {
  if [ -n "$PID" ]; then kill -KILL "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  umount "$MNT" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=1m gearbox-test "$MNT" 2>/dev/null; then
  echo "skipped: cannot mount a tmpfs here"
  exit 77
fi
fail() { echo "FAIL: $*" >&2; for f in "$DIR"/*.log; do echo "--- $f" >&2; tail -5 "$f" >&2; done; exit 1; }

start() { # log
  "$GEARBOX" node --dev --data "$MNT/data" --rpc 127.0.0.1:0 --block-time 200 \
    > "$DIR/$1" 2>&1 &
  PID=$!
  ADDR=
  for _ in $(seq 100); do
    ADDR=$(grep -o '127\.0\.0\.1:[0-9]*' "$DIR/$1" 2>/dev/null || true)
    [ -n "$ADDR" ] && break
    sleep 0.1
  done
  [ -n "$ADDR" ] || fail "the node did not print its RPC address"
}
rpcf() { # file with the request -> response
  curl -s --max-time 10 -H 'Content-Type: application/json' \
    --data-binary @"$1" "http://$ADDR/" || true
}
height() {
  echo '{"jsonrpc":"2.0","id":1,"method":"chain_getHead","params":[]}' > "$DIR/h.json"
  rpcf "$DIR/h.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["height"])'
}
# upload requests up1.json ... up40.json, up999.json: ping.wasm with a
# 100 KiB custom section (a new code each), by alice
python3 - "$EX/ping.wasm" "$DIR" <<'PY'
import sys, json
b = open(sys.argv[1], 'rb').read()
def leb(x):
    o = bytearray()
    while True:
        c = x & 0x7f; x >>= 7
        o.append(c | 0x80 if x else c)
        if not x: return bytes(o)
for i in list(range(1, 41)) + [999]:
    body = leb(1) + b'n' + str(i).encode() + bytes([7]) * (100 * 1024)
    code = b + b'\x00' + leb(len(body)) + body
    with open("%s/up%d.json" % (sys.argv[2], i), "w") as f:
        json.dump({"jsonrpc": "2.0", "id": 1, "method": "dev_uploadProgram",
                   "params": {"from": "alice", "code": "0x" + code.hex(),
                              "salt": "0x%08x" % i, "gasLimit": 1000000000}}, f)
PY

start a.log
stopped=0
for i in $(seq 1 40); do
  R=$(rpcf "$DIR/up$i.json")
  if grep -q 'node stopped: block [0-9]*: disk full' <<<"$R"; then stopped=1; fi
  kill -0 "$PID" 2>/dev/null || break
done
rc=0
wait "$PID" || rc=$?
PID=
[ "$rc" = 1 ] || fail "the node exited with $rc, expected 1"
grep -q "error: block [0-9]*: disk full: no space left for the data directory $MNT/data; the chain stays at height [0-9]*" "$DIR/a.log" \
  || fail "no clear disk-full message"
[ "$stopped" = 1 ] || fail "no request was answered with the disk-full error"
H=$(sed -n 's/.*the chain stays at height \([0-9]*\).*/\1/p' "$DIR/a.log")

# room again: the chain is where it said, and it goes on
mount -o remount,size=64m "$MNT"
start b.log
grep -q "(height $H)" "$DIR/b.log" || fail "restart not at height $H"
R=$(rpcf "$DIR/up999.json")
grep -q programId <<<"$R" || fail "upload after the restart: $R"
for _ in $(seq 50); do
  [ "$(height)" -gt "$H" ] && break
  sleep 0.1
done
[ "$(height)" -gt "$H" ] || fail "no block after the restart"
kill -TERM "$PID"
wait "$PID" || fail "the restarted node did not stop cleanly"
PID=
echo "ok node_diskfull (full at height $((H + 1)))"
