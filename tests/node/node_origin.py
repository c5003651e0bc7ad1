#!/usr/bin/env python3
"""Cross-origin access to `gearbox node --dev` (issue #19, item 9), on
loopback: a page on another origin must not reach the node, over HTTP or
WebSocket, nor through DNS rebinding (a name of the attacker's resolving
to 127.0.0.1: the Host header gives it away); localhost pages and clients
without an Origin (curl, scripts) are served; --rpc-cors widens the set.
usage: node_origin.py GEARBOX"""
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from nodeutil import Node, Check, ws_open, ws_send_text, ws_recv_frame

check = Check()
EVIL = "https://evil.example"
SEND = ("dev_sendMessage", {"from": "alice", "destination": "0x" + "11" * 32,
                            "payload": "0x00", "gasLimit": 1000000})


def code(body):
    return body.get("error", {}).get("code") if isinstance(body, dict) else None


node = Node(sys.argv[1])
p = node.port
# HTTP
st, body, hd = node.call(*SEND, headers={"Origin": EVIL})
check(st == 403 and code(body) == -32008,
      f"POST from {EVIL}: HTTP {st} {body}")
check("access-control-allow-origin" not in hd, "no CORS header for it")
st, body, _ = node.call("chain_getHead", headers={
    "Origin": f"http://evil.example:{p}", "Host": f"evil.example:{p}"})
check(st == 403, f"DNS rebinding (Origin and Host evil.example): HTTP {st}")
st, body, _ = node.call("chain_getHead", headers={
    "Sec-Fetch-Site": "same-origin", "Host": f"evil.example:{p}"})
check(st == 403 and code(body) == -32008,
      f"a browser's request naming evil.example in Host: HTTP {st} {body}")
st, body, _ = node.call("chain_getHead", headers={
    "Sec-Fetch-Site": "none", "Host": f"mybox:{p}"})
check(st == 200, f"the user typing http://mybox:{p} (Sec-Fetch-Site none): "
                 f"HTTP {st}")
st, body, _ = node.call("chain_getHead", headers={"Host": f"gearbox:{p}"})
check(st == 200, f"a script naming the node gearbox (no Origin): HTTP {st}")
st, body, _ = node.call("chain_getHead", headers={"Origin": "null"})
check(st == 403, f"Origin null (a file, a sandbox): HTTP {st}")
for o in ("http://localhost:3000", "https://127.0.0.1", "http://[::1]:8080",
          "http://LOCALHOST:5173"):
    st, body, hd = node.call("chain_getHead", headers={"Origin": o})
    check(st == 200 and hd.get("access-control-allow-origin") == o,
          f"POST from {o}: HTTP {st}, allow-origin "
          f"{hd.get('access-control-allow-origin')}")
for o in ("http://localhost.evil.example", "http://127.0.0.1.evil.example",
          "http://localhost:3000/x", "ftp://localhost"):
    st, body, _ = node.call("chain_getHead", headers={"Origin": o})
    check(st == 403, f"POST from {o}: HTTP {st}")
st, body, _ = node.call("chain_getHead")
check(st == 200, f"no Origin (curl, scripts): HTTP {st}")
# a preflight from a localhost page
import socket
s = socket.create_connection(("127.0.0.1", p), 5)
s.sendall(b"OPTIONS / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: "
          b"http://localhost:3000\r\nAccess-Control-Request-Method: POST\r\n"
          b"Access-Control-Request-Headers: content-type\r\n"
          b"Connection: close\r\n\r\n")
resp = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    resp += d
s.close()
check(resp.startswith(b"HTTP/1.1 204") and
      b"Access-Control-Allow-Origin: http://localhost:3000" in resp and
      b"Access-Control-Allow-Headers: Content-Type" in resp,
      "a localhost page's preflight is answered")
# WebSocket
s, st, _ = ws_open(p, origin=EVIL)
check(st == 403, f"WebSocket from {EVIL}: HTTP {st}")
s.close()
s, st, _ = ws_open(p, origin=f"http://evil.example:{p}",
                   host=f"evil.example:{p}")
check(st == 403, f"WebSocket through DNS rebinding: HTTP {st}")
s.close()
s, st, _ = ws_open(p, origin="http://localhost:3000")
ok = st == 101
if ok:
    ws_send_text(s, '{"jsonrpc":"2.0","id":7,"method":"chain_getHead"}')
    op, payload = ws_recv_frame(s)
    ok = op == 1 and b'"id":7' in payload and b"result" in payload
check(ok, f"WebSocket from http://localhost:3000: HTTP {st}, answered")
s.close()
s, st, _ = ws_open(p)
check(st == 101, f"WebSocket without Origin: HTTP {st}")
s.close()
check("WARNING" not in node.output(), "no warning on loopback")
node.stop()

# --rpc-cors: a list, then all
node = Node(sys.argv[1], "--rpc-cors", "https://app.example, http://lan:8080/")
p = node.port
for o, want in ((("https://app.example", 200), ("http://lan:8080", 200),
                 ("http://localhost:3000", 200), (EVIL, 403),
                 ("https://app.example:444", 403))):
    st, _, hd = node.call("chain_getHead", headers={"Origin": o})
    check(st == want, f"--rpc-cors list, from {o}: HTTP {st} (want {want})")
st, _, _ = node.call("chain_getHead", headers={
    "Origin": "https://app.example", "Host": f"mybox.lan:{p}"})
check(st == 200, f"a listed origin naming the node by name: HTTP {st}")
s, st, _ = ws_open(p, origin="https://app.example")
check(st == 101, f"WebSocket from a listed origin: HTTP {st}")
s.close()
node.stop()
node = Node(sys.argv[1], "--rpc-cors", "all")
st, _, hd = node.call(*SEND, headers={"Origin": EVIL})
check(st == 200 and hd.get("access-control-allow-origin") == EVIL,
      f"--rpc-cors all, from {EVIL}: HTTP {st}")
node.stop()
import subprocess
r = subprocess.run([sys.argv[1], "node", "--dev", "--rpc-cors",
                    "https://ok.example,foo"], capture_output=True, text=True,
                   timeout=10)
check(r.returncode == 2 and "'foo' is not an origin" in r.stderr,
      f"a bad --rpc-cors entry: exit {r.returncode}, {r.stderr.strip()}")
sys.exit(1 if check.failed else 0)
