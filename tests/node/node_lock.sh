#!/usr/bin/env bash
# One node per data directory, and a port in use (issue #19.7), on
# loopback: a second `gearbox node` on a directory a running node holds
# exits at once with one line naming the directory and the holder, before
# printing keys or binding a port; a node whose port is taken says so in
# one line and leaves no data directory behind; once the first node stops,
# the directory opens again and the chain continues.
# usage: node_lock.sh GEARBOX
set -euo pipefail
GEARBOX=$1
DIR=$(mktemp -d)
PID=
cleanup() {
  if [ -n "$PID" ]; then kill -KILL "$PID" 2>/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$DIR"/*.log; do echo "--- $f" >&2; cat "$f" >&2; done; exit 1; }

start() { # log -> sets PID, ADDR
  "$GEARBOX" node --dev --data "$DIR/data" --rpc 127.0.0.1:0 --block-time 200 \
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
height() {
  curl -s --max-time 5 -H 'Content-Type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"chain_getHead","params":[]}' \
    "http://$ADDR/" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["height"])'
}

start a.log
sleep 0.5
H0=$(height)

# a second node on the same directory: refused at once, nothing printed
# but the error, no port bound
rc=0
timeout 10 "$GEARBOX" node --dev --data "$DIR/data" --rpc 127.0.0.1:0 \
  > "$DIR/b.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "second node: exit $rc, expected 1"
grep -q "data directory in use by another gearbox process (pid $PID)" "$DIR/b.log" \
  || fail "second node: no clear message"
grep -q "$DIR/data" "$DIR/b.log" || fail "second node: the directory not named"
[ "$(wc -l < "$DIR/b.log")" = 1 ] || fail "second node: more than one line"
grep -q 'dev accounts\|rpc ' "$DIR/b.log" && fail "second node printed keys or an address"
kill -0 "$PID" || fail "the first node died"

# a port in use: one line, no data directory created
PORT=${ADDR##*:}
rc=0
timeout 10 "$GEARBOX" node --dev --data "$DIR/fresh" --rpc "127.0.0.1:$PORT" \
  > "$DIR/c.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "port in use: exit $rc, expected 1"
grep -q "cannot listen on 127.0.0.1:$PORT" "$DIR/c.log" || fail "port in use: no clear message"
[ "$(wc -l < "$DIR/c.log")" = 1 ] || fail "port in use: more than one line"
[ ! -e "$DIR/fresh" ] || fail "port in use: $DIR/fresh was left behind"
# ... and an existing directory is kept
mkdir "$DIR/kept"
timeout 10 "$GEARBOX" node --dev --data "$DIR/kept" --rpc "127.0.0.1:$PORT" \
  > "$DIR/d.log" 2>&1 && fail "port in use: started"
[ -d "$DIR/kept" ] || fail "an existing directory was removed"

# the first node still produces blocks
sleep 0.6
H1=$(height)
[ "$H1" -gt "$H0" ] || fail "no blocks after the refusals ($H0 -> $H1)"

# stopped, the directory opens again and the chain goes on
kill -TERM "$PID"
wait "$PID" || fail "the first node did not stop cleanly"
PID=
start e.log
sleep 0.5
H2=$(height)
[ "$H2" -ge "$H1" ] || fail "restart: height $H2 below $H1"
kill -TERM "$PID"
wait "$PID"
PID=
echo "ok node_lock"
