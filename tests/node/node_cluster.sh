#!/usr/bin/env bash
# Replicas on NATS JetStream (issue #16), on loopback: three nats-servers
# in one JetStream cluster, three `gearbox node --dev --cluster` replicas
# keeping the log in three copies.  Programs and messages go in through
# different replicas; every replica has the same block hash at every
# height; the sequencer is killed (-9) while "inc"s stream in, another
# replica takes over and the counter ends at exactly the number sent
# (nothing accepted lost, nothing applied twice); one NATS server is
# killed and traffic goes on; a replica restarted from a snapshot of its
# directory catches up.  Skipped (77) without nats-server.
# usage: node_cluster.sh GEARBOX EXAMPLES_DIR
set -euo pipefail
GEARBOX=$1
EX=$2
command -v nats-server >/dev/null || { echo "skip: no nats-server"; exit 77; }
DIR=$(mktemp -d)
PIDS=()
NPIDS=()
cleanup() {
  for p in "${PIDS[@]}" "${NPIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT
# the Python parts below share tests/node/nodeutil.py
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"
fail() { echo "FAIL: $*" >&2; for f in "$DIR"/*.log; do echo "--- $f" >&2; tail -15 "$f" >&2; done; exit 1; }

ports=($(python3 -c '
import socket
ss=[socket.socket() for _ in range(9)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'))
CP=(${ports[0]} ${ports[1]} ${ports[2]})   # clients
RP=(${ports[3]} ${ports[4]} ${ports[5]})   # routes
HP=(${ports[6]} ${ports[7]} ${ports[8]})   # replicas' RPC
URLS="nats://127.0.0.1:${CP[0]},nats://127.0.0.1:${CP[1]},nats://127.0.0.1:${CP[2]}"
for i in 0 1 2; do
  routes=""
  for j in 0 1 2; do [ $i = $j ] || routes="$routes nats-route://127.0.0.1:${RP[$j]}"; done
  cat > "$DIR/n$i.conf" <<CONF
server_name: n$i
listen: 127.0.0.1:${CP[$i]}
jetstream { store_dir: "$DIR/js$i" }
cluster { name: gbtest, listen: 127.0.0.1:${RP[$i]}, routes: [$(echo $routes | sed 's/ /, /g')] }
CONF
  nats-server -c "$DIR/n$i.conf" > "$DIR/nats$i.log" 2>&1 &
  NPIDS[$i]=$!
done

rpc() { # port method params
  curl -s --max-time 10 -H 'Content-Type: application/json' \
    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}" "http://127.0.0.1:$1/"
}
field() {
  python3 -c 'import json,sys; v=json.load(sys.stdin); ks=sys.argv[1].split(".")
for k in ks: v=v[int(k)] if isinstance(v,list) else v[k]
print(v if not isinstance(v,bool) else str(v).lower())' "$1"
}
start_replica() { # i [extra...]
  local i=$1; shift
  "$GEARBOX" node --dev --data "$DIR/r$i" --rpc 127.0.0.1:${HP[$i]} --block-time 300 \
    --cluster "$URLS" --cluster-name gbt --cluster-copies 3 --replica "r$i" "$@" \
    > "$DIR/replica$i.log" 2>&1 &
  PIDS[$i]=$!
  for _ in $(seq 100); do
    curl -sf --max-time 1 "http://127.0.0.1:${HP[$i]}/health" >/dev/null && return 0
    kill -0 "${PIDS[$i]}" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
# the JetStream cluster needs a few seconds to elect its leaders
ok=
for _ in $(seq 40); do
  if start_replica 0; then ok=1; break; fi
  sleep 0.5
done
[ -n "$ok" ] || fail "replica 0 did not start on the JetStream cluster"
start_replica 1 --block-nice 5 || fail "replica 1"
start_replica 2 || fail "replica 2"
# a replica's block work (its block thread and the executor's workers)
# runs 10 steps of nice (--block-nice: 5 on replica 1) below its request
# and NATS threads (the process's)
python3 - ${PIDS[0]} ${PIDS[1]} <<'PY' || fail "the block work's priority"
import os, sys, time
def nice(path):
    with open(path) as f:
        return int(f.read().rsplit(")", 1)[1].split()[16])
def nices(pid):
    return sorted(nice(f"/proc/{pid}/task/{t}/stat") for t in os.listdir(f"/proc/{pid}/task"))
block = 2 if os.cpu_count() > 1 else 1  # (the block thread, a worker or more)
for pid, step in zip(sys.argv[1:], (10, 5)):
    base = nice(f"/proc/{pid}/stat")  # (its main thread's)
    want = min(base + step, 19)
    for _ in range(50):
        ns = nices(pid)
        if ns.count(want) >= block:
            break
        time.sleep(0.1)
    if ns.count(want) < block or base not in ns or set(ns) - {base, want}:
        sys.exit(f"replica pid {pid}: its threads' nices {ns}, expected {block} or more at {want}, the rest {base}")
PY
# each replica publishes its transactions through a connection to the TX
# stream's leader (told by the name in the INFO line each server sends
# first): the three name the same server, at its own port
lead=$(sed -n 's/^cluster: transactions published through nats:\/\/127\.0\.0\.1:\([0-9]*\), the leader of GB_gbt_TX (n\([0-2]\))$/\2 \1/p' \
  "$DIR"/replica[012].log | sort -u)
[ "$(echo "$lead" | wc -l)" = 1 ] && [ "$(grep -c '^cluster: transactions published through' "$DIR"/replica[012].log | grep -c ':1$')" = 3 ] ||
  fail "the replicas do not all publish through the TX stream's leader: $lead"
read -r ln lp <<< "$lead"
[ "$lp" = "${CP[$ln]}" ] || fail "the leader n$ln is at port ${CP[$ln]}, not $lp"
# the leader moves (JetStream asked to step it down, until n2 leads):
# every replica follows it (JetStream's leader-elected advisory; the
# stream asked every few seconds besides), its next publishes going
# through a connection to the new leader (checked below, after each
# replica's sends; and again once n2 is killed)
NL=$(python3 - ${CP[0]} "n$ln" <<'PY'
import sys, time
from nodeutil import Nats
nc, lead = Nats(int(sys.argv[1])), sys.argv[2]
# (moved at least once, and on to n2, the server killed below: each
# step-down elects one of the other two, so as many tries as it takes
# within reason; ten once ended on n0)
for _ in range(40):
    r = nc.request("$JS.API.STREAM.LEADER.STEPDOWN.GB_gbt_TX")
    if not r.get("success"):
        sys.exit(f"step down: {r}")
    old = lead
    for _ in range(150):
        lead = nc.stream_leader("GB_gbt_TX")
        if lead and lead != old:
            break
        time.sleep(0.1)
    else:
        sys.exit("no new leader")
    if lead == "n2":
        break
print(lead[1:])
PY
) || fail "moving the TX stream's leader away from n$ln"

height() { rpc ${HP[$1]} chain_getHead '[]' | field result.height; }
seqname() { rpc ${HP[$1]} gearbox_chainInfo '[]' | field result.cluster.sequencerName; }

# programs and messages through different replicas
"$GEARBOX" upload "$EX/ping.wasm" --node "http://127.0.0.1:${HP[0]}" --wait > "$DIR/up.out" 2>&1 || fail "upload ping: $(cat "$DIR/up.out")"
PING=$(grep -o '0x[0-9a-f]\{64\}' "$DIR/up.out" | head -1)
"$GEARBOX" upload "$EX/counter.wasm" --node "http://127.0.0.1:${HP[1]}" --wait > "$DIR/up2.out" 2>&1 || fail "upload counter: $(cat "$DIR/up2.out")"
CTR=$(grep -o '0x[0-9a-f]\{64\}' "$DIR/up2.out" | head -1)
for i in 0 1 2; do
  "$GEARBOX" send "$PING" PING --node "http://127.0.0.1:${HP[$i]}" --gas 1000000000 --wait > "$DIR/s.out" 2>&1 || fail "send via $i: $(cat "$DIR/s.out")"
  grep -q PONG "$DIR/s.out" || fail "no PONG via replica $i"
done
for i in 0 1 2; do
  want="cluster: transactions published through nats://127.0.0.1:${CP[$NL]}, the leader of GB_gbt_TX (n$NL)"
  [ "$(grep '^cluster: transactions published through' "$DIR/replica$i.log" | tail -1)" = "$want" ] ||
    fail "replica $i does not publish through the TX stream's new leader n$NL"
done

# a batch of dev_sendMessage through one replica: every one accepted, with
# consecutive nonces (each signed past what the replica already sent to
# the log, which its chain has not applied yet), answered once the log
# acknowledged them, and all counted
python3 - ${HP[1]} "$CTR" <<'PY' || fail "a batch of sends"
import json, sys, time, urllib.request
port, ctr = sys.argv[1], sys.argv[2]
from nodeutil import post, counter, wait_counter
def call(body):
    return post(port, body)
def state():
    return counter(port, ctr)
before = state()
for rnd in range(2):
    res = call([{"jsonrpc": "2.0", "id": i, "method": "dev_sendMessage",
                 "params": {"from": "dave", "destination": ctr, "payload": "0x696e63",
                            "gasLimit": 10**9}} for i in range(20)])
    bad = [r["error"]["message"] for r in res if "error" in r]
    if bad:
        sys.exit(f"round {rnd}: {len(bad)} of 20 refused: {bad[0]}")
    nonces = [r["result"]["nonce"] for r in sorted(res, key=lambda r: r["id"])]
    if nonces != list(range(nonces[0], nonces[0] + 20)):
        sys.exit(f"round {rnd}: nonces {nonces}")
    if len({r["result"]["messageId"] for r in res}) != 20:
        sys.exit(f"round {rnd}: message ids repeat")
wait_counter(port, ctr, before + 40)
PY

# the sequencer applies the blocks it publishes from its own bytes (once
# JetStream acknowledged them), the others from the log: the same block
# at every height on all three, the sequencer's included.  Each keeps
# its blocks for RPC only when asked (rpc.h, gb_rpc_note_block_take: the
# sends above asked nothing): the same blocks with their events, the same
# Substrate blocks, on all three
python3 - ${HP[0]} ${HP[1]} ${HP[2]} <<'PY' || fail "the sequencer's blocks differ from the log's"
import json, sys, time
from nodeutil import post
ports = sys.argv[1:]
def call(port, method, params):
    return post(port, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params})["result"]
# (blocks keep coming at block time: those up to the highest head seen
# first, once every replica has them)
top = max(call(p, "chain_getHead", [])["height"] for p in ports)
for _ in range(300):
    hs = [call(p, "chain_getHead", [])["height"] for p in ports]
    if min(hs) >= top:
        break
    time.sleep(0.1)
else:
    sys.exit(f"heights {hs}, not all at {top} yet")
events = 0
for n in range(1, top + 1):
    got = [(b.get("hash"), b.get("stateRoot")) for b in
           (call(p, "gearbox_getBlock", [n]) for p in ports)]
    if len(set(got)) != 1 or not got[0][0]:
        sys.exit(f"block {n}: {got}")
    for m, ps in (("gearbox_getBlock", [n]), ("chain_getEvents", [n, n])):
        got = [call(p, m, ps) for p in ports]
        for g in got:  # (each replica's own head: blocks keep coming)
            g.pop("head", None), g.pop("next", None)
        got = [json.dumps(g, sort_keys=True) for g in got]
        if len(set(got)) != 1:
            sys.exit(f"{m} {ps}: {got}")
    evs = call(ports[0], "chain_getEvents", [n, n])["events"]
    events += len(evs)
    h = call(ports[0], "chain_getBlockHash", [n])
    got = [json.dumps(call(p, "chain_getBlock", [h]), sort_keys=True) for p in ports]
    if len(set(got)) != 1 or "extrinsics" not in got[0]:
        sys.exit(f"chain_getBlock {n}: {got}")
if events < 40:
    sys.exit(f"only {events} events kept in {top} blocks")
PY

# the log holds them compressed (node/cluster.c, LZ4): the last TX
# message, the second batch of 20, is one compressed batch (flags 8), and
# the last block message with transactions, which holds at least those
# 20, a compressed block ("GBB2"; the blocks after it, cut at block time
# with none, are too small to gain from it); the counter above shows
# every replica read them
python3 - ${CP[0]} <<'PY' || fail "the log's messages are not compressed"
import sys
from nodeutil import Nats
nc = Nats(int(sys.argv[1]))
tx = nc.stream_msg("GB_gbt_TX", seq=nc.request("$JS.API.STREAM.INFO.GB_gbt_TX")["state"]["last_seq"])
if tx[0] != 8 or int.from_bytes(tx[1:5], "little") < 20 * 200 or len(tx) * 3 > int.from_bytes(tx[1:5], "little"):
    sys.exit(f"TX: flags {tx[0]}, {len(tx)} bytes for {int.from_bytes(tx[1:5], 'little')}")
seq = nc.request("$JS.API.STREAM.INFO.GB_gbt_BLK")["state"]["last_seq"]
# (a block's head, uncompressed: magic, height, root, last TX taken, the
# count of its transactions at 48)
while seq > 0:
    blk = nc.stream_msg("GB_gbt_BLK", seq=seq)
    if int.from_bytes(blk[48:52], "little"):
        break
    seq -= 1
if blk[:4] != b"GBB2" or int.from_bytes(blk[48:52], "little") < 20:
    sys.exit(f"BLK {seq}: {blk[:4]}, {int.from_bytes(blk[48:52], 'little')} transactions")
print(f"compressed: the batch of 20 {len(tx)} bytes for {int.from_bytes(tx[1:5], 'little')}, the block {len(blk)}")
PY

# a block whose gas allowance leaves messages in the queue: with --dev
# the sequencer cuts the next at once, not a block time (300 ms) later.
# Sends of almost the whole allowance each: one is dispatched a block,
# the rest wait in the queue (chain.h gb_block_drains); a counter of
# its own (the one above counts the tests' incs)
"$GEARBOX" upload "$EX/counter.wasm" --node "http://127.0.0.1:${HP[1]}" --wait > "$DIR/up3.out" 2>&1 || fail "upload counter: $(cat "$DIR/up3.out")"
CTR2=$(grep -o '0x[0-9a-f]\{64\}' "$DIR/up3.out" | head -1)
python3 - ${HP[1]} "$CTR2" <<'PY' || fail "a queue left by a block's gas allowance"
import sys
port, ctr = sys.argv[1], sys.argv[2]
from nodeutil import post, counter, wait_counter
def call(method, params):
    return post(port, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params})["result"]
before = counter(port, ctr)
h0 = call("chain_getHead", [])["height"]
res = post(port, [{"jsonrpc": "2.0", "id": i, "method": "dev_sendMessage",
                   "params": {"from": "eve", "destination": ctr, "payload": "0x696e63",
                              "gasLimit": 749_500_000_000}} for i in range(6)])
bad = [r["error"]["message"] for r in res if "error" in r]
if bad:
    sys.exit(f"{len(bad)} of 6 refused: {bad[0]}")
wait_counter(port, ctr, before + 6)
head = call("chain_getHead", [])["height"]
blocks = [call("gearbox_getBlock", [n]) for n in range(h0 + 1, head + 1)]
gaps = [b["timestamp"] - a["timestamp"] for a, b in zip(blocks, blocks[1:])
        if a["dispatched"] and a["queuedLeft"]]
if len(gaps) < 4:
    sys.exit(f"{len(gaps)} blocks left messages in the queue, not 5: "
             f"{[(b['dispatched'], b['queuedLeft']) for b in blocks]}")
if max(gaps) >= 250:
    sys.exit(f"the blocks after those that left messages came {gaps} ms later")
PY

# one signer through the three replicas in turn: a replica asked the
# signer's next nonce right after another accepted its last transaction
# answers past it (it reads the log as far as it went first), and every
# send is counted
python3 - "$CTR" ${HP[0]} ${HP[1]} ${HP[2]} <<'PY' || fail "one signer through every replica"
import sys, time
ctr, ports = sys.argv[1], sys.argv[2:]
from nodeutil import post, counter, wait_counter
def call(port, method, params):
    r = post(port, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    if "error" in r:
        sys.exit(f"{method} on {port}: {r['error']['message']}")
    return r["result"]
before = counter(ports[0], ctr)
N = 30
for k in range(N):
    sent = call(ports[k % 3], "dev_sendMessage",
                {"from": "ferdie", "destination": ctr, "payload": "0x696e63",
                 "gasLimit": 10**9})["nonce"]
    told = call(ports[(k + 1) % 3], "system_accountNonce", ["ferdie"])
    if told != sent + 1:
        sys.exit(f"send {k}: nonce {sent} accepted through {ports[k % 3]}, "
                 f"{ports[(k + 1) % 3]} then told {told}")
wait_counter(ports[0], ctr, before + N)
PY

# one dev account's dev_sendMessage through the three replicas in turn,
# nothing asked between: each replica signs past the nonce the last one
# used (it reads the log as far as it went first, once a request), so
# every send accepted is counted (signed with the nonce another replica
# had just used, 13 of 30 were accepted and then dropped by the
# sequencer as replays)
python3 - "$CTR" ${HP[0]} ${HP[1]} ${HP[2]} <<'PY' || fail "one dev account's sends through every replica"
import sys, time
ctr, ports = sys.argv[1], sys.argv[2:]
from nodeutil import post, counter, wait_counter
before = counter(ports[0], ctr)
N, nonces = 30, []
for k in range(N):
    r = post(ports[k % 3], {"jsonrpc": "2.0", "id": 1, "method": "dev_sendMessage",
                            "params": {"from": "george", "destination": ctr,
                                       "payload": "0x696e63", "gasLimit": 10**9}})
    if "error" in r:
        sys.exit(f"send {k} through {ports[k % 3]}: {r['error']['message']}")
    nonces.append(r["result"]["nonce"])
if nonces != list(range(nonces[0], nonces[0] + N)):
    sys.exit(f"nonces {nonces}")
wait_counter(ports[0], ctr, before + N, f" after {N} accepted sends")
# (how often a replica signed without asking the log, and how often that
# lost the race to another replica's send and was handled again)
cl = [post(p, {"jsonrpc": "2.0", "id": 1, "method": "gearbox_chainInfo",
               "params": []})["result"]["cluster"] for p in ports]
print("unsettled", [c["unsettledRequests"] for c in cl], "again",
      [c["handledAgain"] for c in cl])
PY

# one request of two dev accounts' sends, alice's, bob's, alice's: one TX
# message per signer, each on its signer's subject (alice's two first,
# then bob's), all three counted
python3 - "$CTR" ${HP[1]} ${CP[0]} <<'PY' || fail "one request of two signers"
import sys
ctr, port, nport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from nodeutil import post, counter, wait_counter, Nats
before = counter(port, ctr)
send = lambda who: {"jsonrpc": "2.0", "id": who, "method": "dev_sendMessage",
                    "params": {"from": who, "destination": ctr,
                               "payload": "0x696e63", "gasLimit": 10**9}}
r = post(port, [send("alice"), send("bob"), send("alice")])
if not isinstance(r, list) or any("error" in x for x in r):
    sys.exit(f"refused: {r}")
wait_counter(port, ctr, before + 3, " after one request of two signers")
nc = Nats(nport)
last = nc.request("$JS.API.STREAM.INFO.GB_gbt_TX")["state"]["last_seq"]
subj = [nc.stream_msg("GB_gbt_TX", subject=True, seq=q)[0] for q in (last - 1, last)]
who = {x["id"]: x["result"]["sender"] for x in r}
want = [f"gb.gbt.tx.{who['alice']}", f"gb.gbt.tx.{who['bob']}"]
if subj != want:
    sys.exit(f"subjects {subj}, expected {want}")
PY

# one signed transaction sent to all three replicas at once, twice: taken
# once (the replicas drop a key seen before; a replica that already read
# it refuses it by its nonce); those that accept it answer the same ids
TXHEX=$("$GEARBOX" send "$CTR" inc --node "http://127.0.0.1:${HP[0]}" --account eve --gas 1000000000 --sign-only) \
  || fail "send --sign-only: $TXHEX"
python3 - "$CTR" "$TXHEX" ${HP[0]} ${HP[1]} ${HP[2]} <<'PY' || fail "the same signed transaction through three replicas"
import json, sys, time, threading, urllib.request
ctr, tx, ports = sys.argv[1], sys.argv[2], sys.argv[3:]
from nodeutil import post as call, counter
def state():
    return counter(ports[0], ctr)
before = state()
res = []
def submit(port):
    res.append(call(port, {"jsonrpc": "2.0", "id": 1, "method": "gear_submitTransaction", "params": [tx]}))
for rnd in range(2):
    ts = [threading.Thread(target=submit, args=(p,)) for p in ports]
    for t in ts: t.start()
    for t in ts: t.join()
ok = [r["result"] for r in res if "result" in r]
if not ok:
    sys.exit(f"none accepted: {res}")
if len({r["messageId"] for r in ok}) != 1:
    sys.exit(f"different ids: {ok}")
for r in res:
    if "error" in r and "nonce" not in r["error"]["message"]:
        sys.exit(f"refused for another reason than its nonce: {r}")
deadline = time.time() + 30
while time.time() < deadline and state() < before + 1:
    time.sleep(0.1)
time.sleep(1.5)  # (a second copy would land in a later block)
if state() != before + 1:
    sys.exit(f"counter {state()}, expected {before + 1} ({len(ok)} of 6 accepted)")
print(f"same signed transaction: {len(ok)} of 6 submissions accepted, counted once")
PY

# blocks come at block time with no transaction waiting, as on the node
# alone: the timer example's three ticks (messages it sends itself one
# block apart, held by the chain) all arrive with nothing else sent (a
# sequencer that cut blocks only for transactions left each tick
# waiting for the next one)
"$GEARBOX" upload "$EX/timer.wasm" --node "http://127.0.0.1:${HP[2]}" --wait > "$DIR/up3.out" 2>&1 || fail "upload timer: $(cat "$DIR/up3.out")"
TMR=$(grep -o '0x[0-9a-f]\{64\}' "$DIR/up3.out" | head -1)
"$GEARBOX" send "$TMR" "start 1 3" --node "http://127.0.0.1:${HP[0]}" --gas 10000000000 --wait > "$DIR/t.out" 2>&1 || fail "start the timer: $(cat "$DIR/t.out")"
python3 - "$TMR" ${HP[0]} ${HP[1]} ${HP[2]} <<'PY' || fail "ticks with no transaction"
import sys, time
from nodeutil import post
tmr, ports = sys.argv[1], sys.argv[2:]
alice = "0xa8c7a3332391dc1e6683dd39b674b96441e19161fc15d5608855b6615b5b5ed2"
def ticks(port):  # "get", dry-run: no transaction
    r = post(port, {"jsonrpc": "2.0", "id": 1, "method": "gear_calculateReplyForHandle",
                    "params": [alice, tmr, "0x" + b"get".hex(), 10**10, 0]})
    return bytes.fromhex(r["result"]["payload"][2:]).decode()
for _ in range(100):  # (block time 300 ms: the ticks within ~1.5 s)
    got = [ticks(p) for p in ports]
    if got == ["3"] * 3:
        break
    time.sleep(0.1)
else:
    sys.exit(f"ticks on the three replicas {got} after 10 s, expected 3 each")
PY

# the sequencer dies while "inc"s come in through the other replicas
SEQ=$(seqname 0)
K=${SEQ#r}
[ "$(seqname 1)" = "$SEQ" ] || fail "replicas disagree on the sequencer"
N=104 # (the batches, the one signer's 30, the dev account's 30, the request of two signers' 3 and the one sent to all three above)
for round in 1 2 3 4 5 6; do
  for i in 0 1 2; do
    [ $i = "$K" ] && [ $round -gt 2 ] && continue
    "$GEARBOX" send "$CTR" inc --node "http://127.0.0.1:${HP[$i]}" --gas 1000000000 > /dev/null 2>&1 && N=$((N+1))
  done
  if [ $round = 2 ]; then kill -KILL "${PIDS[$K]}"; T0=$(date +%s%N); fi
done
O=$(( (K + 1) % 3 ))
for _ in $(seq 300); do
  s=$(seqname $O); [ -n "$s" ] && [ "$s" != "$SEQ" ] && break; sleep 0.1
done
TAKE=$(( ($(date +%s%N) - T0) / 1000000 ))
[ "$(seqname $O)" != "$SEQ" ] || fail "no new sequencer"
# every accepted inc counted once
got=
for _ in $(seq 200); do
  "$GEARBOX" send "$CTR" get --node "http://127.0.0.1:${HP[$O]}" --gas 1000000000 --wait > "$DIR/g.out" 2>&1 || true
  got=$(sed -n 's/.*payload.*"\([0-9]*\)".*/\1/p' "$DIR/g.out" | head -1)
  [ "$got" = "$N" ] && break
  sleep 0.3
done
[ "$got" = "$N" ] || fail "counter $got after $N incs"

# one NATS server dies: traffic goes on
kill -KILL "${NPIDS[2]}"
sent=
for _ in 1 2 3 4 5; do
  "$GEARBOX" send "$PING" PING --node "http://127.0.0.1:${HP[$O]}" --gas 1000000000 --wait > "$DIR/s.out" 2>&1 && { sent=1; break; }
  sleep 2
done
[ -n "$sent" ] || fail "send after a NATS server died: $(cat "$DIR/s.out")"
grep -q PONG "$DIR/s.out" || fail "no PONG after a NATS server died"
# n2 led the TX stream: the replica follows the leader elected after it
NL2=$(python3 - ${CP[0]} <<'PY'
import sys, time
from nodeutil import Nats
nc = Nats(int(sys.argv[1]))
for _ in range(20):
    lead = nc.stream_leader("GB_gbt_TX")
    if lead:
        break
    time.sleep(0.5)
print(lead)
PY
)
[ "$NL" = 2 ] && [ -n "$NL2" ] && [ "$NL2" != n2 ] || fail "n2 led TX ($NL), then $NL2"
want="cluster: transactions published through nats://127.0.0.1:${CP[${NL2#n}]}, the leader of GB_gbt_TX ($NL2)"
for _ in $(seq 10); do
  [ "$(grep '^cluster: transactions published through' "$DIR/replica$O.log" | tail -1)" = "$want" ] && break
  sleep 1
  "$GEARBOX" send "$PING" PING --node "http://127.0.0.1:${HP[$O]}" --gas 1000000000 > /dev/null 2>&1 || true
done
[ "$(grep '^cluster: transactions published through' "$DIR/replica$O.log" | tail -1)" = "$want" ] ||
  fail "replica $O does not publish through $NL2, the TX stream's leader after n2"

# the dead replica comes back from a snapshot of another's directory
"$GEARBOX" snapshot save "$DIR/r$O" "$DIR/r.snap" > /dev/null || fail "snapshot save"
rm -rf "$DIR/r$K"
"$GEARBOX" snapshot load "$DIR/r.snap" "$DIR/r$K" > /dev/null || fail "snapshot load"
ok=
for _ in 1 2 3 4 5; do start_replica "$K" && { ok=1; break; }; sleep 1; done
[ -n "$ok" ] || fail "restarting replica $K from a snapshot"
H=$(height $O)
for _ in $(seq 300); do [ "$(height $K)" -ge "$H" ] && break; sleep 0.1; done
[ "$(height $K)" -ge "$H" ] || fail "replica $K did not catch up ($(height $K) < $H)"

# the same block at every height on the live replicas
L=$(( (O + 1) % 3 ))
sleep 1
H=$(height $O)
# (one process for every height: the machine may be loaded)
python3 - "$H" ${HP[$O]} ${HP[$K]} ${HP[$L]} <<'PY' || fail "replicas differ"
import json, sys, urllib.request
h, ports = int(sys.argv[1]), sys.argv[2:]
def block(port, n):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "gearbox_getBlock", "params": [n]}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", body, {"Content-Type": "application/json"})
    r = json.load(urllib.request.urlopen(req, timeout=30)).get("result") or {}
    return r.get("hash"), r.get("stateRoot")
import time
for _ in range(300):  # (blocks keep coming: every replica at h first)
    if all(block(p, h)[0] for p in ports):
        break
    time.sleep(0.1)
for n in range(1, h + 1):
    want = block(ports[0], n)
    for p in ports[1:]:
        got = block(p, n)
        if got != want or not want[0]:
            sys.exit(f"block {n}: port {ports[0]} has {want}, port {p} {got}")
PY
# deduplication after a takeover: a signed transaction in a block, and the
# same transaction in the log again after it (as a replica that had not
# read the first copy would publish it).  Every replica is stopped, so
# the new sequencer starts with nothing read; it takes the log from the
# last block on and must still drop the copy (it reads the keys of the
# messages before what it takes first).
TX2=$("$GEARBOX" send "$CTR" inc --node "http://127.0.0.1:${HP[$O]}" --account eve --gas 1000000000 --sign-only) \
  || fail "send --sign-only: $TX2"
NATSPORT=${CP[0]}
python3 - "$CTR" "$TX2" ${HP[$O]} <<'PY' > "$DIR/dup.seq" || fail "a signed transaction before the takeover"
import json, sys, time, urllib.request
ctr, tx, port = sys.argv[1:]
from nodeutil import post, counter, wait_counter
def call(body):
    return post(port, body)
def state():
    return counter(port, ctr)
before = state()
r = call({"jsonrpc": "2.0", "id": 1, "method": "gear_submitTransaction", "params": [tx]})
if "result" not in r:
    sys.exit(f"refused: {r}")
wait_counter(port, ctr, before + 1)
info = call({"jsonrpc": "2.0", "id": 1, "method": "gearbox_chainInfo", "params": []})
print(before + 1, info["result"]["cluster"]["txTaken"])
PY
read CNT TXSEQ < "$DIR/dup.seq"
for i in 0 1 2; do kill -KILL "${PIDS[$i]}" 2>/dev/null || true; done
sleep 2.5 # (the lease expires: the next replica up takes it at once)
# the copy: TX message TXSEQ published again, as it is, on its subject
# (its signer's; NATS's text protocol; the servers left: 0 and 1)
python3 - "$NATSPORT" "$TXSEQ" <<'PY' || fail "copying TX message $TXSEQ"
import sys
from nodeutil import Nats
port, seq = int(sys.argv[1]), int(sys.argv[2])
nc = Nats(port)
subj, data = nc.stream_msg("GB_gbt_TX", subject=True, seq=seq)
ack = nc.request(subj, data)
if "seq" not in ack:
    sys.exit(f"publish: {ack}")
print(f"TX message {seq} copied as {ack['seq']}")
PY
start_replica "$O" || fail "restarting replica $O"
for _ in $(seq 100); do [ "$(seqname $O)" = "r$O" ] && break; sleep 0.1; done
[ "$(seqname $O)" = "r$O" ] || fail "replica $O did not take over"
# sent again through the RPC: refused (its nonce is used) or dropped
rpc ${HP[$O]} gear_submitTransaction "[\"$TX2\"]" > "$DIR/dup.out"
# one more inc after the copy: once it is counted, the copy has been
# taken or dropped
"$GEARBOX" send "$CTR" inc --node "http://127.0.0.1:${HP[$O]}" --gas 1000000000 > "$DIR/s.out" 2>&1 || fail "send after the takeover: $(cat "$DIR/s.out")"
CNT=$((CNT + 1))
got=
for _ in $(seq 100); do
  got=$(rpc ${HP[$O]} gearbox_readState "[\"$CTR\"]" | python3 -c 'import json,sys; print(int(bytes.fromhex(json.load(sys.stdin)["result"]["payload"][2:]).decode() or "0"))')
  [ "$got" -ge "$CNT" ] && break
  sleep 0.1
done
sleep 1 # (a copy taken would be in a block by now)
got=$(rpc ${HP[$O]} gearbox_readState "[\"$CTR\"]" | python3 -c 'import json,sys; print(int(bytes.fromhex(json.load(sys.stdin)["result"]["payload"][2:]).decode() or "0"))')
[ "$got" = "$CNT" ] || fail "counter $got after the takeover, expected $CNT: a transaction already in the log was applied twice (resent: $(cat "$DIR/dup.out"))"
# restarted replicas keep for RPC what they apply from then on, as the
# others do (taken, kept when asked): the last block with a dispatch, the inc's, with the
# same events on the new sequencer and on a replica started after it
# (which applies it from the log while catching up)
start_replica "$L" || fail "restarting replica $L"
H=$(height $O)
for _ in $(seq 300); do [ "$(height $L)" -ge "$H" ] && break; sleep 0.1; done
python3 - "$H" ${HP[$O]} ${HP[$L]} <<'PY' || fail "a restarted replica's kept blocks differ"
import json, sys
from nodeutil import post
h, ports = int(sys.argv[1]), sys.argv[2:]
def call(port, method, params):
    return post(port, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params})["result"]
# (the inc's block: the last with a dispatch, blocks with none after it)
top = h
while h > top - 50 and not any(e["kind"] == "Dispatched" for e in
                               call(ports[0], "chain_getEvents", [h, h])["events"]):
    h -= 1
for m, ps in (("gearbox_getBlock", [h]), ("chain_getEvents", [h, h])):
    got = [call(p, m, ps) for p in ports]
    # "oldest", the first height a node's ring holds, depends on when that
    # node started: the two restarted at different heights
    for g in got:  # (and each one's head: blocks keep coming)
        g.pop("oldest", None), g.pop("head", None), g.pop("next", None)
    if got[0] != got[1] or got[0].get("eventsKept") is False:
        sys.exit(f"{m} {ps}: {got}")
evs = call(ports[0], "chain_getEvents", [h, h])["events"]
if not any(e["kind"] == "Dispatched" for e in evs):
    sys.exit(f"block {h}: no Dispatched event kept: {evs}")
PY
echo "ok: 3 replicas on a 3-server JetStream cluster, $H blocks equal; $N incs counted once across a sequencer kill (new sequencer after ${TAKE} ms); a NATS server killed; a replica restored from a snapshot caught up; a signed transaction in the log again counted once after a takeover; blocks kept for RPC alike on all, restarted ones included"
