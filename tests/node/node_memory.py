#!/usr/bin/env python3
"""Memory amplification against `gearbox node --dev` (issue #19, item 8),
on loopback: the node's peak RSS (VmHWM) must stay under 256 MiB through

  1. one 24 MiB batch of empty objects, [{},{},...] (the JSON parser used
     to build millions of values: 1.85 GB);
  2. 60 connections each sending 23 MiB of a request body and never the
     last byte (2.0 GB); five sending 20 MiB bodies of undeclared length;
  3. 32 WebSockets each sending 23 MiB of one frame and never its last
     byte (770 MB);

each refused with a clear JSON-RPC error (HTTP) or a close frame
(WebSocket), while a new client is still served and the node survives.
usage: node_memory.py GEARBOX"""
import selectors, socket, sys, threading, time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from nodeutil import (Node, Check, connect, read_response, ws_open,
                      ws_frame_header)

# 256 MiB; more under a sanitizer (CMakeLists.txt sets it)
LIMIT_KIB = int(__import__("os").environ.get("GB_TEST_RSS_LIMIT_MIB", "256")) * 1024
MIB = 1 << 20
check = Check()
node = None


def flood(socks, prefix, total, seconds):
    """Send each socket prefix(i) then total bytes, all at once without
    blocking, until sent, refused or seconds pass; returns how many bytes
    went in all and how many sockets the node cut off."""
    chunk = memoryview(b"{}," * (MIB // 3))
    sel = selectors.DefaultSelector()
    state = {}
    for i, s in enumerate(socks):
        s.setblocking(False)
        state[s] = [memoryview(prefix(i)), total]
        sel.register(s, selectors.EVENT_WRITE)
    sent = cut = 0
    end = time.monotonic() + seconds
    while state and time.monotonic() < end:
        for key, _ in sel.select(0.2):
            s = key.fileobj
            pre, left = state[s]
            try:
                if len(pre):
                    n = s.send(pre)
                    state[s][0] = pre[n:]
                else:
                    n = s.send(chunk[:min(len(chunk), left)])
                    state[s][1] = left - n
                sent += n
            except (BrokenPipeError, ConnectionResetError, OSError):
                cut += 1
                sel.unregister(s)
                del state[s]
                continue
            if not len(state[s][0]) and state[s][1] == 0:
                sel.unregister(s)
                del state[s]
    sel.close()
    return sent, cut


def served(what):
    st, body, _ = node.call("chain_getHead", src="127.0.0.1", timeout=10)
    check(st == 200 and isinstance(body, dict) and "result" in body,
          f"a new client is served {what} (HTTP {st})")


def peak(what):
    kib = node.vmhwm_kib()
    print(f"     VmHWM after {what}: {kib // 1024} MiB", flush=True)
    return kib


def fresh(*extra):
    """Each attack on a node of its own, so that each peak is its own."""
    global node
    if node:
        node.stop()
    node = Node(sys.argv[1], *extra)
    print(f"     VmHWM at start: {node.vmhwm_kib() // 1024} MiB")


# 1. one batch of millions of empty objects
fresh()
body = b"[" + b"{}," * ((24 * MIB - 100) // 3) + b"{}]"
t = time.monotonic()
st, resp, _ = node.post(body, timeout=60)
err = resp.get("error", {}) if isinstance(resp, dict) else {}
check(err.get("code") in (-32600, -32004),
      f"a {len(body) // MIB} MiB batch of {{}} is refused: HTTP {st} "
      f"{str(resp)[:150]} ({time.monotonic() - t:.1f} s)")
p1 = peak("the batch")
served("after the batch")

# 2. 60 unfinished request bodies of 23 MiB, from four addresses; the
# memory for connections is 46 MiB here, so that two fill it exactly
fresh("--rpc-max-buffered", "46")
socks = [connect(node.port, f"127.0.0.{2 + i % 4}", 10) for i in range(60)]
def http_head(i):
    return (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{node.port}\r\n"
            f"Content-Type: application/json\r\n"
            f"Content-Length: {23 * MIB - 1}\r\n\r\n").encode()
t = time.monotonic()
sent, cut = flood(socks, http_head, 23 * MIB - 2, 25)
print(f"     bodies: {sent // MIB} MiB sent, {cut} of 60 cut off "
      f"({time.monotonic() - t:.1f} s)")
served("while 60 bodies hang (small calls pass a full budget)")
st, body, _ = node.post(b"[" + b" " * MIB + b"]", timeout=10)
check(st == 503 and isinstance(body, dict) and
      body.get("error", {}).get("code") == -32009,
      f"a 1 MiB request meanwhile: HTTP {st} {str(body)[:100]}")
p2 = peak("60 unfinished bodies")
refused = 0
for s in socks:  # what did the refused ones hear?
    try:
        s.setblocking(True)
        s.settimeout(0.2)
        if b"-32" in s.recv(4096):
            refused += 1
    except OSError:
        pass
    s.close()
print(f"     {refused} of 60 got a JSON-RPC error")

# 2b. bodies of undeclared length (chunked), 20 MiB each, five at once:
# the budget grows as they come; those refused give their room back
fresh()
chunked = []
def send_chunked(i):
    s = connect(node.port, f"127.0.0.{2 + i}", 30)
    piece = b"[" + b"0," * (MIB // 2 - 1) + b"0"
    try:
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                  b"application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(20):
            s.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        st, body, _ = read_response(s)
        chunked.append((st, body.get("error", {}).get("code")
                        if isinstance(body, dict) else body))
    except OSError as e:
        chunked.append(("error", str(e)))
    s.close()
threads = [threading.Thread(target=send_chunked, args=(i,)) for i in range(5)]
for t in threads:
    t.start()
for t in threads:
    t.join(60)
print(f"     chunked bodies: {sorted(chunked, key=str)}")
check(len(chunked) == 5 and all(c in ((200, -32600), (503, -32009))
                                for c in chunked) and (200, -32600) in chunked,
      "chunked bodies: each parsed (-32600, a batch too long) or refused "
      "with 503 -32009")
p2b = peak("5 chunked bodies")

# 3. 32 WebSockets, each 23 MiB into one frame
fresh()
wss = []
for i in range(32):
    s, status, _ = ws_open(node.port, f"127.0.0.{6 + i % 4}", 10)
    if status == 101:
        wss.append(s)
    else:
        s.close()
check(len(wss) == 32, f"32 WebSockets open ({len(wss)})")
frame = ws_frame_header(1, 23 * MIB)
t = time.monotonic()
sent, cut = flood(wss, lambda i: frame, 23 * MIB - 1, 25)
print(f"     frames: {sent // MIB} MiB sent, {cut} of {len(wss)} cut off "
      f"({time.monotonic() - t:.1f} s)")
served("while 32 frames hang")
p3 = peak("32 unfinished frames")
for s in wss:
    s.close()

time.sleep(0.3)
served("after it all")
check(node.alive(), "the node is still running")
worst = max(p1, p2, p2b, p3)
check(worst < LIMIT_KIB,
      f"peak RSS {worst // 1024} MiB < {LIMIT_KIB // 1024} MiB")
node.stop()
sys.exit(1 if check.failed else 0)
