#!/usr/bin/env bash
# `make run`: the engine and Gear demo (scripts/demo.sh), then a dev node
# (`gearbox node --dev`) on ./gearbox-data with the example programs
# uploaded, running until Ctrl-C.  GEARBOX_DATA and GEARBOX_RPC change the
# data directory and the RPC address.
set -euo pipefail
build=${1:?usage: scripts/run.sh BUILD_DIR}
data=${GEARBOX_DATA:-./gearbox-data}
rpc=${GEARBOX_RPC:-127.0.0.1:9944}
gearbox="$build/gearbox"

"$(dirname "$0")/demo.sh" "$build"

printf '\n== The dev node: %s, data in %s\n\n' "$rpc" "$data"
"$gearbox" node --dev --data "$data" --rpc "$rpc" &
node=$!
trap 'kill -TERM "$node" 2>/dev/null || true; wait "$node" || true; exit 0' INT TERM
up=0
for _ in $(seq 100); do
  if curl -sf --max-time 1 "http://$rpc/health" >/dev/null; then up=1; break; fi
  kill -0 "$node" 2>/dev/null || break
  sleep 0.1
done
if [ "$up" -ne 1 ]; then
  echo "run: the node did not start on $rpc (is the port in use? set GEARBOX_RPC)" >&2
  kill -TERM "$node" 2>/dev/null || true
  exit 1
fi

call() { # method, params (JSON)
  printf '{"jsonrpc":"2.0","id":1,"method":"%s","params":%s}' "$1" "$2" |
    curl -s --max-time 10 -H 'Content-Type: application/json' --data-binary @- "http://$rpc/"
}

# Upload the examples once per data directory; their ids are kept beside it.
ids="$data/examples.ids"
if [ ! -s "$ids" ]; then
  for ex in ping counter token; do
    init=""
    [ "$ex" = token ] && init=',"initPayload":"0x31303030"' # "1000"
    code=$(od -An -v -tx1 "$build/examples/$ex.wasm" | tr -d ' \n')
    out=$(call dev_uploadProgram "{\"from\":\"alice\",\"code\":\"0x$code\",\"salt\":\"0x$(printf '%s' "$ex" | od -An -tx1 | tr -d ' \n')\",\"gasLimit\":10000000000$init}")
    id=$(grep -o '"programId":"0x[0-9a-f]*"' <<<"$out" | cut -d'"' -f4 || true)
    if [ -z "$id" ]; then
      echo "run: uploading $ex failed: $out" >&2
      continue
    fi
    echo "$ex $id" >>"$ids"
  done
fi

printf '\nExample programs on this chain (uploaded by alice):\n'
while read -r name id; do printf '  %-8s %s\n' "$name" "$id"; done <"$ids"
ping=$(awk '$1 == "ping" {print $2}' "$ids")
cat <<MSG

Talk to them over JSON-RPC, e.g. send PING to ping as bob, then read the
events of the last blocks (the reply PONG = 0x504f4e47 is a UserMessage):

  curl -s -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"dev_sendMessage","params":{"from":"bob","destination":"$ping","payload":"0x50494e47"}}' http://$rpc/
  curl -s -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"chain_getEvents","params":{"fromHeight":0}}' http://$rpc/

Or try a program on a throw-away chain: $gearbox exec $build/examples/counter.wasm --send inc
The node runs until Ctrl-C; starting it again continues the chain.
MSG
wait "$node"
