#!/usr/bin/env bash
# The node stays responsive under gas-bound work (issue #19, items 2, 3, 6):
#   - gearbox_readState of a `state` export that never returns, with gasLimit
#     2^64-1, fails with a clear error at the call time limit (100 ms: at
#     Vara's weights the loop burns the block gas limit, the cap of a read,
#     in ~0.3 s);
#   - a batch of four gas estimates of an endless message takes about one
#     time limit, not four (the request's budget), and fails clearly;
#   - while a block runs a long message, chain_getHead is answered at once;
#   - a transaction accepted just before SIGTERM is in a block after the
#     restart (the node makes a block of what waits before it stops).
# usage: node_limits.sh GEARBOX EXAMPLES_DIR
set -euo pipefail
GEARBOX=$1
EX=$2
DIR=$(mktemp -d)
. "$(dirname "$0")/node_lib.sh"

node_start --rpc-call-ms 20 --block-time 200
LOOP=$(upload_example loop)

# 1. the endless state export
t0=$(ms_now)
R=$(rpc gearbox_readState "[\"$LOOP\",\"0x\",\"18446744073709551615\"]")
dt=$(( $(ms_now) - t0 ))
grep -q 'stopped after 20 ms' <<<"$R" || fail "readState of an endless loop: $R"
[ "$dt" -lt 3000 ] || fail "readState took $dt ms"
echo "readState of an endless loop: refused after $dt ms"

# 2. a batch of four estimates of an endless message
one="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"gearbox_calculateHandleGas\",\"params\":[\"0xa8c7a3332391dc1e6683dd39b674b96441e19161fc15d5608855b6615b5b5ed2\",\"$LOOP\",\"0x676f\",0,true]}"
t0=$(ms_now)
R=$(curl -s --max-time 60 -H 'Content-Type: application/json' --data-binary "[$one,$one,$one,$one]" "http://$ADDR/")
dt=$(( $(ms_now) - t0 ))
n=$(python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(sum(1 for x in r if "error" in x))' <<<"$R")
[ "$n" = 4 ] || fail "the four estimates: $R"
grep -q 'stopped after 20 ms\|gas cap' <<<"$R" || fail "no clear reason: $R"
[ "$dt" -lt 4000 ] || fail "a batch of four estimates took $dt ms"
echo "a batch of four estimates of an endless loop: $dt ms"

# 3. a long message runs in a block; RPC answers meanwhile
H0=$(rpc chain_getHead '[]' | field result.height)
R=$(rpc dev_sendMessage "{\"from\":\"bob\",\"destination\":\"$LOOP\",\"payload\":\"0x676f\",\"gasLimit\":700000000000}")
grep -q messageId <<<"$R" || fail "send: $R"
sleep 0.3 # the block has begun
worst=0
for _ in $(seq 20); do
  # curl's own time: the request, not starting processes on a busy machine
  dt=$(curl -s -o /dev/null -w '%{time_total}' --max-time 30 -H 'Content-Type: application/json' \
         --data '{"jsonrpc":"2.0","id":1,"method":"chain_getHead","params":[]}' "http://$ADDR/")
  dt=$(python3 -c 'import sys; print(int(float(sys.argv[1])*1000))' "$dt")
  [ "$dt" -gt "$worst" ] && worst=$dt
  sleep 0.05
done
H1=$(rpc chain_getHead '[]' | field result.height)
[ "$H1" -le "$((H0 + 1))" ] || echo "(the long block ended during the probes)"
[ "$worst" -lt 1000 ] || fail "chain_getHead took $worst ms while a block ran"
echo "chain_getHead while a long block runs: at most $worst ms (heads $H0 -> $H1)"
for _ in $(seq 600); do
  [ "$(rpc chain_getHead '[]' | field result.height)" -gt "$((H0 + 1))" ] && break
  sleep 0.1
done

# 4. accepted, then SIGTERM: in a block after all
R=$(rpc dev_sendMessage "{\"from\":\"charlie\",\"destination\":\"$LOOP\",\"payload\":\"0x676f\",\"gasLimit\":1000000000}")
grep -q messageId <<<"$R" || fail "send: $R"
kill -TERM "$PID"
# (the long block may still run: a sanitizer build is slow)
for _ in $(seq 3000); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null && fail "the node did not stop on SIGTERM"
wait "$PID" || fail "the node exited with an error"
PID=
node_start --rpc-call-ms 20 --block-time 200
[ "$(rpc system_accountNonce '["charlie"]' | field result)" = 1 ] || fail "charlie's message was lost at SIGTERM"
kill -TERM "$PID"; wait "$PID" || true; PID=
echo "ok node_limits"
