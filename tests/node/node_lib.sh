# Shared by the node's shell tests (source it): a dev node on loopback in
# a temporary directory, and JSON-RPC over curl.
#   node_start [OPTIONS...]   start `gearbox node --dev` ($GEARBOX) on a
#                             free port; sets PID and ADDR; waits for /health
#   rpc METHOD PARAMS         the response of one call
#   field KEY.PATH            a value of the JSON on stdin
#   ms_now                    monotonic milliseconds
# Needs GEARBOX and DIR set; cleans up (kills the node, removes DIR) on exit.
PID=
cleanup() {
  if [ -n "$PID" ]; then kill -KILL "$PID" 2>/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$DIR/log" ] && tail -20 "$DIR/log" >&2; exit 1; }

node_start() {
  "$GEARBOX" node --dev --data "$DIR/data" --rpc 127.0.0.1:0 "$@" \
    > "$DIR/log" 2>&1 &
  PID=$!
  ADDR=
  for _ in $(seq 100); do
    ADDR=$(grep -o '127\.0\.0\.1:[0-9]*' "$DIR/log" 2>/dev/null || true)
    [ -n "$ADDR" ] && break
    sleep 0.1
  done
  [ -n "$ADDR" ] || fail "the node did not print its RPC address"
  for _ in $(seq 50); do
    curl -sf --max-time 2 "http://$ADDR/health" >/dev/null && return 0
    sleep 0.1
  done
  fail "no /health"
}

rpc() { # method params -> the response
  curl -s --max-time 60 -H 'Content-Type: application/json' \
    --data-binary @- "http://$ADDR/" <<<"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}"
}

field() { # json key -> value (strings unquoted)
  python3 -c 'import json,sys; v=json.load(sys.stdin); ks=sys.argv[1].split(".")
for k in ks: v=v[int(k)] if isinstance(v,list) else v[k]
print(v if not isinstance(v,bool) else str(v).lower())' "$1"
}

ms_now() { echo $(( $(date +%s%N) / 1000000 )); }

upload_example() { # NAME -> the program id (once its init ran)
  local code prog
  code=$(python3 -c 'import sys; print("0x"+open(sys.argv[1],"rb").read().hex())' "$EX/$1.wasm")
  printf '{"jsonrpc":"2.0","id":1,"method":"dev_uploadProgram","params":{"from":"alice","code":"%s","gasLimit":10000000000}}' "$code" > "$DIR/up.json"
  prog=$(curl -s --max-time 10 -H 'Content-Type: application/json' --data-binary @"$DIR/up.json" "http://$ADDR/" | field result.programId) || fail "upload $1"
  for _ in $(seq 100); do
    [ "$(rpc gear_programInfo "[\"$prog\"]" | field result.status 2>/dev/null)" = active ] && { echo "$prog"; return 0; }
    sleep 0.05
  done
  fail "$1 did not become active"
}
