#!/usr/bin/env python3
"""A soak test of `gearbox node --dev` (make test-long only): mixed load on
loopback for GB_SOAK_SECONDS (default 120), then checks.

usage: soak.py GEARBOX EXAMPLES_DIR

Load, each in its own thread, every loop bounded by the deadline:
  - dev_sendMessage PING to ping from alice, bob and charlie (and "inc"
    to counter), recording each accepted message id;
  - "go" to the hostile loop program (it burns its gas) and to alloc_bomb,
    one a second each (see the note where the threads start);
  - signed transactions through the CLI (`gearbox send`, dave's key);
  - gas estimates (gearbox_calculateHandleGas) and queries (balance, mailbox,
    programInfo, readState);
  - WebSocket sessions subscribed to new heads and to all events, which
    must keep receiving notifications; one of them a slow client that
    never reads (the node must drop it, not stall);
  - slow HTTP clients that send their request a byte a second.
A prober calls chain_getHead every 100 ms and times it; an event reader
follows chain_getEvents.

Checks at the end (after the load stops and the queue drains):
  - every accepted dev_sendMessage was applied: its message was
    dispatched (a Dispatched event with its id);
  - accepted vs applied per account: each account's nonce moved by exactly
    the number of its transactions the node accepted (CLI ones included);
  - latency: chain_getHead p99 under GB_SOAK_P99_MS (default 5000: the
    serving thread is one, shared by every client and the estimates),
    none over 30 s, no failed call;
  - RSS: the node's resident memory grew by less than 96 MiB after the
    first quarter of the run (no leak under load), and stayed under 1 GiB;
  - the node is alive, produced blocks all along, and stops on SIGTERM.
Exit 0 when all hold, 1 otherwise (the reasons printed).
"""
import base64
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

GB, EX = sys.argv[1], sys.argv[2]
SECONDS = int(os.environ.get("GB_SOAK_SECONDS", "120"))
BLOCK_MS = 300
failures = []
lock = threading.Lock()


def fail(msg):
    with lock:
        failures.append(msg)
    print("FAIL", msg, flush=True)


tmp = tempfile.mkdtemp(prefix="gb-soak-")
log = open(os.path.join(tmp, "log"), "w+")
node = subprocess.Popen([GB, "node", "--dev", "--data", os.path.join(tmp, "data"),
                         "--rpc", "127.0.0.1:0", "--block-time", str(BLOCK_MS)],
                        stdout=log, stderr=subprocess.STDOUT)
ADDR = None
for _ in range(200):
    log.seek(0)
    m = re.search(r"127\.0\.0\.1:(\d+)", log.read())
    if m:
        ADDR = "127.0.0.1:" + m.group(1)
        break
    time.sleep(0.05)


def cleanup():
    if node.poll() is None:
        node.kill()
        node.wait()
    subprocess.run(["rm", "-rf", tmp])


if not ADDR:
    print("FAIL: the node did not start")
    cleanup()
    sys.exit(1)
URL = "http://" + ADDR + "/"


def rpc(method, params, timeout=30):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                       "params": params}).encode()
    req = urllib.request.Request(URL, data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def result(method, params):
    j = rpc(method, params)
    if "error" in j:
        raise RuntimeError(f"{method}: {j['error']}")
    return j["result"]


def upload(name, salt, init="0x"):
    code = "0x" + open(os.path.join(EX, name + ".wasm"), "rb").read().hex()
    return result("dev_uploadProgram", {"from": "alice", "code": code,
                                        "salt": salt, "initPayload": init,
                                        "gasLimit": 10_000_000_000})["programId"]


def wait_active(pid, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        try:
            if result("gear_programInfo", [pid])["status"] == "active":
                return True
        except RuntimeError:
            pass
        time.sleep(0.1)
    return False


def rss_kib():
    try:
        for line in open(f"/proc/{node.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


ACCOUNTS = ["alice", "bob", "charlie", "dave", "eve", "ferdie", "george", "harry"]
nonce0 = {a: result("system_accountNonce", [a]) for a in ACCOUNTS}
PING = upload("ping", "0x01")
COUNTER = upload("counter", "0x02")
LOOP = upload("loop", "0x03")
BOMB = upload("alloc_bomb", "0x04")
for p in (PING, COUNTER, LOOP, BOMB):
    if not wait_active(p):
        fail(f"program {p} not active")
# the uploads used alice's nonces: count them as accepted
accepted = {a: 0 for a in ACCOUNTS}
accepted["alice"] = result("system_accountNonce", ["alice"]) - nonce0["alice"]
accepted_ids = set()
start = time.time()
deadline = start + SECONDS
stats = {"sends": 0, "refused": 0, "cli": 0, "estimates": 0, "queries": 0,
         "heads": 0, "events_ws": 0, "slow_http": 0}


def count(k, n=1):
    with lock:
        stats[k] += n


def sender(account, dest, payload, gas, pause=0.02):
    while time.time() < deadline:
        try:
            j = rpc("dev_sendMessage", {"from": account, "destination": dest,
                                        "payload": payload, "gasLimit": gas})
        except Exception as e:  # a timeout is a failure of the node
            fail(f"dev_sendMessage from {account}: {e}")
            time.sleep(1)
            continue
        if "result" in j:
            with lock:
                accepted[account] += 1
                accepted_ids.add(j["result"]["messageId"])
            count("sends")
        else:
            count("refused")  # e.g. not enough balance: nothing changed
            time.sleep(0.2)
        time.sleep(pause)


def cli_sender():
    while time.time() < deadline:
        r = subprocess.run([GB, "send", PING, "PING", "--gas", "10000000000",
                            "--account", "dave", "--node", URL],
                           capture_output=True, text=True, timeout=60)
        if r.returncode == 0:
            with lock:
                accepted["dave"] += 1
                m = re.search(r"message\s+(0x[0-9a-f]{64})", r.stdout)
                if m:
                    accepted_ids.add(m.group(1))
            count("cli")
        else:
            fail(f"gearbox send: {r.stdout} {r.stderr}")
            time.sleep(1)
        time.sleep(0.2)


def estimator():
    while time.time() < deadline:
        try:
            j = rpc("gearbox_calculateHandleGas", ["eve", PING, "0x50494e47"])
            if "result" not in j:
                fail(f"gas estimate: {j}")
            count("estimates")
            for m, p in (("gear_balance", ["eve"]), ("gear_mailbox", ["alice"]),
                         ("gear_programInfo", [COUNTER]),
                         ("gearbox_readState", [COUNTER])):
                j = rpc(m, p)
                if "result" not in j:
                    fail(f"{m}: {j}")
                count("queries")
        except Exception as e:
            fail(f"estimates/queries: {e}")
            time.sleep(1)
        time.sleep(0.05)


latencies = []


def prober():
    while time.time() < deadline:
        t = time.time()
        try:
            rpc("chain_getHead", [], timeout=30)
            latencies.append(time.time() - t)
        except Exception as e:
            fail(f"chain_getHead: {e}")
        time.sleep(0.1)


dispatched = set()
heights = []


def event_reader(stop):
    nxt = 0
    while not stop.is_set():
        try:
            r = result("chain_getEvents", [nxt, 1000])
        except Exception as e:
            fail(f"chain_getEvents: {e}")
            time.sleep(1)
            continue
        if r.get("missed"):
            fail(f"events missed from height {nxt}")
        for e in r["events"]:
            if e["kind"] == "Dispatched":
                dispatched.add(e["id"])
        nxt = r["next"]
        heights.append((time.time(), r["head"]))
        if not r["events"]:
            time.sleep(0.2)


GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_connect(rcvbuf=None):
    host, port = ADDR.split(":")
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(20)
    s.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET / HTTP/1.1\r\nHost: {ADDR}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            raise EOFError("handshake")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n")[0] + b" ":
        raise RuntimeError(head.decode(errors="replace"))
    return s, rest


def ws_frame(s, op, p):
    k = os.urandom(4)
    n = len(p)
    h = bytes([0x80 | op]) + (bytes([0x80 | n]) if n < 126 else
                              bytes([0x80 | 126]) + struct.pack(">H", n))
    s.sendall(h + k + bytes(c ^ k[i % 4] for i, c in enumerate(p)))


def ws_send(s, obj):
    ws_frame(s, 1, json.dumps(obj).encode())


def ws_reader(s, buf):
    def need(n):
        nonlocal buf
        while len(buf) < n:
            d = s.recv(65536)
            if not d:
                raise EOFError
            buf += d
    while True:
        need(2)
        n, off = buf[1] & 0x7f, 2
        if n == 126:
            need(4); n = struct.unpack(">H", buf[2:4])[0]; off = 4
        elif n == 127:
            need(10); n = struct.unpack(">Q", buf[2:10])[0]; off = 10
        need(off + n)
        op, p = buf[0] & 0x0f, buf[off:off + n]
        buf = buf[off + n:]
        yield op, p


def ws_subscriber():
    while time.time() < deadline:
        try:
            s, rest = ws_connect()
            ws_send(s, {"jsonrpc": "2.0", "id": 1,
                        "method": "gearbox_subscribeNewHeads", "params": []})
            ws_send(s, {"jsonrpc": "2.0", "id": 2,
                        "method": "gear_subscribeEvents", "params": []})
            last = time.time()
            for op, p in ws_reader(s, rest):
                if op == 8:
                    code = struct.unpack(">H", p[:2])[0] if len(p) >= 2 else 0
                    fail(f"a reading WebSocket client was closed by the node: "
                         f"{code} {p[2:].decode(errors='replace')}")
                    break
                if op == 9:  # the node pings a quiet client: pong
                    ws_frame(s, 10, p)
                if op == 1:
                    j = json.loads(p)
                    if j.get("method") == "gearbox_newHead":
                        count("heads")
                    elif j.get("method") == "gear_event":
                        count("events_ws")
                    last = time.time()
                if time.time() > deadline:
                    break
                if time.time() - last > 20:
                    fail("no WebSocket notification for 20 s")
                    break
            s.close()
        except Exception as e:
            if time.time() < deadline:
                fail(f"WebSocket subscriber: {e!r}")
                time.sleep(1)


def ws_slow_client():
    """subscribes to everything and never reads: the node must drop it"""
    socks = []
    while time.time() < deadline:
        try:
            s, _ = ws_connect(rcvbuf=4096)
            ws_send(s, {"jsonrpc": "2.0", "id": 1,
                        "method": "gear_subscribeEvents", "params": []})
            socks.append(s)
        except Exception:
            pass
        # one at a time, a new one every 20 s (bounded)
        end = min(deadline, time.time() + 20)
        while time.time() < end:
            time.sleep(0.5)
        for s in socks:
            s.close()
        socks = []


def slow_http():
    """a request a byte a second: the node must not stall on it"""
    req = (b'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
           b'Content-Length: 58\r\n\r\n'
           b'{"jsonrpc":"2.0","id":1,"method":"chain_getHead","params":[]}')
    while time.time() < deadline:
        try:
            s = socket.create_connection(tuple([ADDR.split(":")[0],
                                                int(ADDR.split(":")[1])]), 10)
            for b in req:
                if time.time() > deadline:
                    break
                s.sendall(bytes([b]))
                time.sleep(1)
            s.close()
            count("slow_http")
        except OSError:
            time.sleep(1)  # the node may close a slow client: fine


rss = [(time.time(), rss_kib())]
stop_events = threading.Event()
threads = [threading.Thread(target=sender, args=("alice", PING, "0x50494e47", 10_000_000_000)),
           threading.Thread(target=sender, args=("bob", PING, "0x50494e47", 10_000_000_000)),
           threading.Thread(target=sender, args=("charlie", COUNTER, "0x696e63", 10_000_000_000)),
           # hostile, at a rate a block absorbs: a block full of
           # gas-burning messages (Vara's block gas limit, 7.5e11) takes
           # minutes to interpret, and everything waits for that block
           threading.Thread(target=sender, args=("ferdie", LOOP, "0x676f", 200_000_000, 1.0)),
           threading.Thread(target=sender, args=("george", BOMB, "0x", 200_000_000, 1.0)),
           threading.Thread(target=cli_sender),
           threading.Thread(target=estimator),
           threading.Thread(target=prober),
           threading.Thread(target=ws_subscriber),
           threading.Thread(target=ws_subscriber),
           threading.Thread(target=ws_slow_client),
           threading.Thread(target=slow_http),
           threading.Thread(target=slow_http)]
reader = threading.Thread(target=event_reader, args=(stop_events,))
reader.start()
for t in threads:
    t.daemon = True
    t.start()
while time.time() < deadline:
    time.sleep(2)
    rss.append((time.time(), rss_kib()))
    if node.poll() is not None:
        fail(f"the node died (status {node.returncode})")
        break
for t in threads:
    t.join(timeout=90)
    if t.is_alive():
        fail(f"a load thread did not stop: {t}")

# drain: every accepted message dispatched (at most 60 s)
end = time.time() + 60
while time.time() < end and node.poll() is None:
    with lock:
        missing = accepted_ids - dispatched
    if not missing:
        break
    time.sleep(0.5)
stop_events.set()
reader.join(timeout=30)
with lock:
    missing = accepted_ids - dispatched
if missing:
    fail(f"{len(missing)} of {len(accepted_ids)} accepted messages never "
         f"dispatched, e.g. {sorted(missing)[:3]}")
if node.poll() is None:
    for a in ACCOUNTS:
        got = result("system_accountNonce", [a]) - nonce0[a]
        if got != accepted[a]:
            fail(f"{a}: {accepted[a]} transactions accepted, nonce moved by {got}")

if latencies:
    lat = sorted(latencies)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(f"chain_getHead: {len(lat)} calls, median {lat[len(lat) // 2] * 1000:.1f} ms, "
          f"p99 {p99 * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms")
    if p99 * 1000 > int(os.environ.get("GB_SOAK_P99_MS", "5000")):
        fail(f"chain_getHead p99 {p99:.2f} s")
    if lat[-1] > 30.0:
        fail(f"chain_getHead max {lat[-1]:.2f} s")
else:
    fail("no chain_getHead latency measured")

quarter = start + SECONDS / 4
base = [k for t, k in rss if t >= quarter][:1] or [rss[0][1]]
top = max(k for _, k in rss)
last = rss[-1][1]
print(f"RSS: start {rss[0][1] // 1024} MiB, after a quarter {base[0] // 1024} MiB, "
      f"max {top // 1024} MiB, end {last // 1024} MiB")
if last - base[0] > 96 * 1024:
    fail(f"RSS grew by {(last - base[0]) // 1024} MiB after the first quarter")
if top > 1024 * 1024:
    fail(f"RSS reached {top // 1024} MiB")
if len(heights) >= 2:
    h0, h1 = heights[0][1], heights[-1][1]
    print(f"blocks: {h1 - h0} in {heights[-1][0] - heights[0][0]:.0f} s")
    if h1 - h0 < SECONDS * 1000 / BLOCK_MS / 4:
        fail(f"only {h1 - h0} blocks in {SECONDS} s")
print("load: " + ", ".join(f"{k} {v}" for k, v in stats.items()) +
      f"; accepted {sum(accepted.values())} transactions, "
      f"{len(accepted_ids)} message ids, {len(dispatched)} dispatched")
if stats["heads"] == 0 or stats["events_ws"] == 0:
    fail("the WebSocket subscribers received nothing")
if stats["sends"] == 0 or stats["cli"] == 0 or stats["estimates"] == 0:
    fail("some load never ran")

if node.poll() is None:
    node.send_signal(signal.SIGTERM)
    try:
        node.wait(timeout=30)
        if node.returncode != 0:
            fail(f"the node exited with {node.returncode} on SIGTERM")
    except subprocess.TimeoutExpired:
        fail("the node did not stop on SIGTERM")
if failures:
    log.seek(0)
    print("--- node log (tail) ---")
    print("".join(log.readlines()[-30:]))
cleanup()
print(f"soak: {SECONDS} s, {len(failures)} failures")
sys.exit(1 if failures else 0)
