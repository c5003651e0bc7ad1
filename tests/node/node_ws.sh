#!/usr/bin/env bash
# WebSocket subscriptions end to end against `gearbox node --dev`, on
# loopback: `gearbox watch` (events by account, by program, blocks) sees
# bob's PING to ping queued, dispatched and answered with PONG; raw
# WebSocket checks in python3 (handshakes refused: no key, bad key, wrong
# version, no Upgrade; requests, batches, fragments and ping over the
# socket; subscribing over HTTP refused; the subscription and connection
# limits; unsubscribe; unmasked, oversized and binary frames closed with
# 1002 / 1009 / 1003; a client that does not read is dropped); the node
# keeps producing blocks through all of it, and SIGTERM closes open
# WebSockets with 1001.
# usage: node_ws.sh GEARBOX EXAMPLES_DIR
set -uo pipefail
gb=$1 ex=$2
if ! command -v python3 >/dev/null 2>&1; then
  echo "skip: python3 not found (needed for the raw WebSocket checks)"
  exit 77
fi
DIR=$(mktemp -d)
PID=
cleanup() {
  if [ -n "$PID" ]; then kill -KILL "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null; fi
  for j in $(jobs -p); do kill "$j" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { # name, output, expected substring
  if grep -qF -- "$3" <<<"$2"; then ok; else bad "$1: expected '$3' in:"; echo "$2"; fi
}
die() { echo "FAIL: $*"; [ -f "$DIR/log" ] && tail -20 "$DIR/log"; exit 1; }

"$gb" node --dev --data "$DIR/data" --rpc 127.0.0.1:0 --block-time 200 > "$DIR/log" 2>&1 &
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

rpc() { # method params -> the response (over HTTP)
  curl -s --max-time 10 -H 'Content-Type: application/json' \
    --data-binary @- "http://$ADDR/" <<<"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}"
}
height() {
  rpc chain_getHead '[]' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["height"])'
}
wait_watching() { # stderr file of a watch
  for _ in $(seq 100); do grep -q '^watching' "$1" 2>/dev/null && return 0; sleep 0.1; done
  cat "$1"; return 1
}

# ---- gearbox watch -----------------------------------------------------
timeout 60 "$gb" watch $N --account bob --json --count 3 > "$DIR/w_bob" 2> "$DIR/w_bob.err" &
W_BOB=$!
timeout 60 "$gb" watch $N --account harry --blocks --count 2 > "$DIR/w_blocks" 2> "$DIR/w_blocks.err" &
W_BLOCKS=$!
wait_watching "$DIR/w_bob.err" || die "watch --account bob did not start"
wait_watching "$DIR/w_blocks.err" || die "watch --blocks did not start"

out=$(timeout 30 "$gb" upload "$ex/ping.wasm" $N --json 2>&1) || die "upload: $out"
PROG=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["programId"])' "$out") \
  || die "upload printed no program id: $out"
for _ in $(seq 100); do
  rpc gear_programInfo "[\"$PROG\"]" | grep -q '"active"' && break
  sleep 0.1
done
timeout 60 "$gb" watch $N --program "$PROG" --count 3 > "$DIR/w_prog" 2> "$DIR/w_prog.err" &
W_PROG=$!
wait_watching "$DIR/w_prog.err" || die "watch --program did not start"

out=$(timeout 60 "$gb" send "$PROG" PING $N --account bob --wait --json 2>&1) || die "send: $out"
MID=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["messageId"])' "$out") \
  || die "send printed no message id: $out"

wait "$W_BOB"; rc=$?
[ $rc -eq 0 ] && ok || bad "watch --account bob exited $rc: $(cat "$DIR/w_bob.err")"
wait "$W_PROG"; rc=$?
[ $rc -eq 0 ] && ok || bad "watch --program exited $rc: $(cat "$DIR/w_prog.err")"
wait "$W_BLOCKS"; rc=$?
[ $rc -eq 0 ] && ok || bad "watch --blocks exited $rc: $(cat "$DIR/w_blocks.err")"

# bob's three events of the round trip, as JSON lines, in order
if python3 - "$DIR/w_bob" "$MID" "$PROG" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
mid, prog = sys.argv[2], sys.argv[3]
assert len(lines) == 3, lines
q, d, u = lines
assert all(l["type"] == "event" for l in lines), lines
assert q["kind"] == "MessageQueued" and q["id"] == mid and q["destination"] == prog, q
assert d["kind"] == "Dispatched" and d["id"] == mid and d["outcome"] == "success", d
assert u["kind"] == "UserMessageSent" and u["replyTo"] == mid and u["source"] == prog, u
assert u["payload"] == "0x504f4e47" and u["destination"] == q["source"], u
assert q["height"] <= d["height"] <= u["height"]
EOF
then ok; else bad "watch --account bob --json: $(cat "$DIR/w_bob")"; fi
w=$(cat "$DIR/w_prog")
check watch-human "$w" "MessageQueued"
check watch-human "$w" "Dispatched"
check watch-human "$w" "success"
check watch-human "$w" '"PONG"'
[ "$(wc -l < "$DIR/w_prog")" -eq 3 ] && ok || bad "watch --program --count 3 printed: $w"
w=$(cat "$DIR/w_blocks")
[ "$(grep -c '^block [0-9]*  0x' <<<"$w")" -eq 2 ] && ok || bad "watch --blocks: $w"

# ---- raw WebSocket -----------------------------------------------------
H0=$(height)
if python3 - "$ADDR" <<'EOF'
import base64, hashlib, json, os, socket, struct, sys, time
addr = sys.argv[1]
host, port = addr.split(":")
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

def handshake(key="auto", version="13", upgrade="websocket", rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect((host, int(port)))
    if key == "auto":
        key = base64.b64encode(os.urandom(16)).decode()
    h = f"GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: {upgrade}\r\nConnection: keep-alive, Upgrade\r\n"
    if key is not None:
        h += f"Sec-WebSocket-Key: {key}\r\n"
    h += f"Sec-WebSocket-Version: {version}\r\n\r\n"
    s.sendall(h.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = int(head.split()[1]) if head else 0
    return s, status, head.decode(errors="replace"), rest, key

def frame(op, payload, fin=True, mask=True):
    n = len(payload)
    m = 0x80 if mask else 0
    h = bytes([(0x80 if fin else 0) | op])
    if n < 126: h += bytes([m | n])
    elif n < 65536: h += bytes([m | 126]) + struct.pack(">H", n)
    else: h += bytes([m | 127]) + struct.pack(">Q", n)
    if not mask:
        return h + payload
    k = os.urandom(4)
    return h + k + bytes(c ^ k[i % 4] for i, c in enumerate(payload))

class Conn:
    def __init__(self, **kw):
        self.s, self.status, self.head, self.buf, self.key = handshake(**kw)
    def need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
    def read(self):
        self.need(2)
        b0, b1 = self.buf[0], self.buf[1]
        assert not (b1 & 0x80), "a masked frame from the server"
        n, off = b1 & 0x7f, 2
        if n == 126: self.need(4); n = struct.unpack(">H", self.buf[2:4])[0]; off = 4
        elif n == 127: self.need(10); n = struct.unpack(">Q", self.buf[2:10])[0]; off = 10
        self.need(off + n)
        p = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return b0 & 0x0f, p
    def send(self, op, payload, **kw):
        self.s.sendall(frame(op, payload, **kw))
    def call(self, method, params, id=1):
        self.send(1, json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).encode())
        while True:
            op, p = self.read()
            if op == 1:
                j = json.loads(p)
                if j.get("id") == id:
                    return j
    def closed_with(self):
        """read until a close frame; its code; then the socket must end"""
        while True:
            op, p = self.read()
            if op == 8:
                break
        code = struct.unpack(">H", p[:2])[0]
        self.s.settimeout(5)
        try:
            while self.s.recv(4096):
                pass
        except ConnectionResetError:
            pass
        return code

failures = []
def expect(cond, what):
    if not cond:
        failures.append(what)
        print("  not so:", what, file=sys.stderr)

# refused handshakes
for kw, want, what in [({"key": None}, 400, "no key"),
                       ({"key": "c2hvcnQ="}, 400, "a key of 5 bytes"),
                       ({"key": "!!!!!!!!!!!!!!!!!!!!!!=="}, 400, "a key not base64"),
                       ({"version": "8"}, 426, "version 8"),
                       ({"upgrade": "h2c"}, 400, "Upgrade: h2c")]:
    c = Conn(**kw)
    expect(c.status == want, f"handshake with {what}: HTTP {c.status}, expected {want}")
    if want == 426:
        expect("Sec-WebSocket-Version: 13" in c.head, "426 without Sec-WebSocket-Version: 13")
    c.s.close()

# a good one
c = Conn()
acc = base64.b64encode(hashlib.sha1((c.key + GUID).encode()).digest()).decode()
expect(c.status == 101, f"handshake: HTTP {c.status}")
expect(f"Sec-WebSocket-Accept: {acc}" in c.head, "Sec-WebSocket-Accept")
r = c.call("chain_getHead", [])
expect(r["result"]["height"] >= 1, f"chain_getHead over WS: {r}")
# a batch, a request in three fragments with a ping between, a ping
c.send(1, b'[{"jsonrpc":"2.0","id":"a","method":"chain_getHead"},{"jsonrpc":"2.0","id":"b","method":"gear_balance","params":["alice"]}]')
op, p = c.read()
b = json.loads(p)
expect(op == 1 and isinstance(b, list) and {x["id"] for x in b} == {"a", "b"}, f"batch: {p[:200]}")
req = b'{"jsonrpc":"2.0","id":9,"method":"system_accountNonce","params":["bob"]}'
c.send(1, req[:10], fin=False)
c.send(9, b"mid")
c.send(0, req[10:30], fin=False)
c.send(0, req[30:])
got = [c.read(), c.read()]
expect(got[0] == (10, b"mid"), f"pong between fragments: {got[0]}")
expect(got[1][0] == 1 and json.loads(got[1][1]).get("result") == 1, f"fragmented request: {got[1]}")
c.send(9, b"x" * 125)
expect(c.read() == (10, b"x" * 125), "pong with the ping's payload")
r = c.call("no_such_method", [])
expect(r["error"]["code"] == -32601, f"unknown method over WS: {r}")
# subscriptions: limit 16, unsubscribe
ids = [c.call("gearbox_subscribeNewHeads", [], id=100 + i).get("result") for i in range(16)]
expect(all(isinstance(i, int) for i in ids) and len(set(ids)) == 16, f"16 subscriptions: {ids}")
r = c.call("gear_subscribeEvents", {"program": "0x" + "00" * 32}, id=200)
expect(r.get("error", {}).get("code") == -32004, f"the 17th subscription: {r}")
r = c.call("gearbox_unsubscribeNewHeads", [ids[0]], id=201)
expect(r.get("result") is True, f"unsubscribe: {r}")
r = c.call("gearbox_unsubscribeNewHeads", [ids[0]], id=202)
expect(r.get("result") is False, f"unsubscribe again: {r}")
r = c.call("gear_subscribeEvents", {"account": "nobody"}, id=203)
expect(r.get("error", {}).get("code") == -32602, f"a bad filter: {r}")
r = c.call("gear_subscribeEvents", {"account": "bob"}, id=204)
expect(isinstance(r.get("result"), int), f"the 16th again after unsubscribing: {r}")
# notifications arrive (15 head subscriptions)
seen = set()
deadline = time.time() + 10
while len(seen) < 15 and time.time() < deadline:
    op, p = c.read()
    j = json.loads(p)
    if j.get("method") == "gearbox_newHead":
        seen.add(j["params"]["subscription"])
        res = j["params"]["result"]
        expect(all(k in res for k in ("height", "hash", "parentHash", "stateRoot", "timestamp", "gasUsed", "dispatched")), f"head fields: {res}")
expect(seen == set(ids[1:]), f"heads for every subscription: {sorted(seen)}")
c.send(8, struct.pack(">H", 1000) + b"bye")
expect(c.closed_with() == 1000, "a normal close is echoed")

# violations: unmasked, oversized, binary, reserved opcode
c = Conn(); c.send(1, b'{"jsonrpc":"2.0","id":1,"method":"chain_getHead"}', mask=False)
expect(c.closed_with() == 1002, "an unmasked frame: 1002")
c = Conn(); c.s.sendall(bytes([0x81, 0xff]) + struct.pack(">Q", 1 << 40) + os.urandom(4))
expect(c.closed_with() == 1009, "a 1 TiB frame: 1009")
c = Conn(); c.send(1, b"[" * 100, fin=False)
c.s.sendall(bytes([0x80, 0xff]) + struct.pack(">Q", 30 << 20) + os.urandom(4))
expect(c.closed_with() == 1009, "a continuation frame past the limit: 1009")
c = Conn(); c.send(2, b"\x00\x01")
expect(c.closed_with() == 1003, "a binary frame: 1003")
c = Conn(); c.send(5, b"")
expect(c.closed_with() == 1002, "a reserved opcode: 1002")
c = Conn(); c.send(1, b'"\xff"')
expect(c.closed_with() == 1007, "text that is not UTF-8: 1007")

# a client that sends and never reads is dropped, the node goes on
c = Conn(rcvbuf=4096)
req = frame(1, b'{"jsonrpc":"2.0","id":1,"method":"chain_getEvents","params":[0]}')
dropped = False
try:
    for _ in range(20):
        c.s.sendall(req * 500)
        time.sleep(0.05)
except (BrokenPipeError, ConnectionResetError, socket.timeout):
    dropped = True
if not dropped:
    c.s.settimeout(10)
    try:
        total = 0
        while True:
            d = c.s.recv(1 << 20)
            if not d:
                break
            total += len(d)
        # everything answered would be 10000 responses of several KB
        dropped = total < 10000 * 1000
    except ConnectionResetError:
        dropped = True
expect(dropped, "a client that does not read was not dropped")

# the connection limit: half of 64
conns = [Conn() for _ in range(32)]
expect(all(x.status == 101 for x in conns), "32 WebSockets: " + str([x.status for x in conns]))
extra = Conn()
expect(extra.status == 503, f"the 33rd WebSocket: HTTP {extra.status}")
for x in conns + [extra]:
    x.s.close()
time.sleep(0.3)
again = Conn()
expect(again.status == 101, f"a WebSocket after the others closed: HTTP {again.status}")
again.s.close()
sys.exit(1 if failures else 0)
EOF
then ok; else bad "raw WebSocket checks"; fi

# subscribing over HTTP is refused, saying why
R=$(rpc gearbox_subscribeNewHeads '[]')
check subscribe-over-http "$R" '"code":-32601'
check subscribe-over-http "$R" "WebSocket"

# the node keeps producing blocks
sleep 0.6
H1=$(height)
[ "$H1" -gt "$H0" ] && ok || bad "no new blocks after the WebSocket checks ($H0 -> $H1)"
kill -0 "$PID" 2>/dev/null && ok || bad "the node died"

# SIGTERM closes an open WebSocket with 1001
python3 - "$ADDR" > "$DIR/goaway" 2>&1 <<'EOF' &
import base64, os, socket, struct, sys
host, port = sys.argv[1].split(":")
s = socket.create_connection((host, int(port)), timeout=20)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
buf = buf.partition(b"\r\n\r\n")[2]
print("ready", flush=True)
while True:
    while len(buf) < 2:
        d = s.recv(4096)
        if not d:
            print("eof without close"); sys.exit(1)
        buf += d
    n = buf[1] & 0x7f
    while len(buf) < 2 + n:
        buf += s.recv(4096)
    if buf[0] & 0x0f == 8:
        print("close", struct.unpack(">H", buf[2:4])[0]); sys.exit(0)
    buf = buf[2 + n:]
EOF
GA=$!
for _ in $(seq 50); do grep -q ready "$DIR/goaway" && break; sleep 0.1; done
kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
[ $rc -eq 0 ] && ok || bad "the node exited $rc on SIGTERM"
wait "$GA"
check sigterm-close "$(cat "$DIR/goaway")" "close 1001"

# errors of the CLI
out=$(timeout 10 "$gb" watch $N --count 1 2>&1); rc=$?
[ $rc -eq 1 ] && ok || bad "watch without a node exited $rc"
check watch-no-node "$out" "cannot connect to the node"
out=$(timeout 10 "$gb" watch --account nosuchaccount 2>&1); rc=$?
[ $rc -eq 1 ] && ok || bad "watch --account nosuchaccount exited $rc"
check watch-bad-account "$out" "unknown account 'nosuchaccount'"
out=$(timeout 10 "$gb" watch --count 0 2>&1); rc=$?
[ $rc -eq 2 ] && ok || bad "watch --count 0 exited $rc"
out=$(timeout 10 "$gb" watch --frobnicate 2>&1); rc=$?
[ $rc -eq 2 ] && ok || bad "watch --frobnicate exited $rc"
check watch-bad-option "$out" "unknown option"
out=$("$gb" watch --help 2>&1); rc=$?
[ $rc -eq 0 ] && ok || bad "watch --help exited $rc"
check watch-help "$out" "usage: gearbox watch"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
