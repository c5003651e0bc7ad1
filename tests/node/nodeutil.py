"""Helpers for the node's socket-level tests (tests/node/node_*.py): start
`gearbox node --dev` on a free loopback port, call it, read its peak RSS,
open raw HTTP and WebSocket connections.  Loopback only; every wait is
bounded."""
import base64, json, os, re, shutil, signal, socket, struct, subprocess, sys
import tempfile, time, urllib.request


def post(port, body, timeout=60):
    """POST one JSON-RPC request (or a batch, a list) to 127.0.0.1:port;
    the parsed answer."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/",
                                 json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=timeout))


def counter(port, program):
    """The counter example's value, read with gearbox_readState."""
    r = post(port, {"jsonrpc": "2.0", "id": 1, "method": "gearbox_readState",
                    "params": [program]})
    return int(bytes.fromhex(r["result"]["payload"][2:]).decode() or "0")


def wait_counter(port, program, want, what="", seconds=30):
    """Wait until the counter example reads want (exit when it does not
    within seconds, saying what it read; what: the sends it counts)."""
    for _ in range(int(seconds * 10)):
        got = counter(port, program)
        if got == want:
            return
        time.sleep(0.1)
    raise SystemExit(f"counter {got}{what}, expected {want}")


class Node:
    def __init__(self, gearbox, *extra):
        self.dir = tempfile.mkdtemp()
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.proc = subprocess.Popen(
            [gearbox, "node", "--dev", "--data", os.path.join(self.dir, "data"),
             "--rpc", "127.0.0.1:0", "--block-time", "500", *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self.port = None
        for _ in range(100):
            m = re.search(r"127\.0\.0\.1:(\d+)", self.output())
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if not self.port:
            self.stop()
            raise SystemExit("FAIL: the node did not start:\n" + self.output())
        for _ in range(50):
            try:
                if self.call("chain_getHead")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit("FAIL: the node does not answer")

    def output(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def vmhwm_kib(self):
        """The node's peak resident set (VmHWM), in KiB."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def vmrss_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def call(self, method, params=None, src="127.0.0.1", timeout=5,
             headers=None):
        """One JSON-RPC call over a fresh HTTP connection from address src:
        (status, parsed body or raw text, response headers)."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                           "params": params or []}).encode()
        return self.post(body, src, timeout, headers)

    def post(self, body, src="127.0.0.1", timeout=5, headers=None):
        s = connect(self.port, src, timeout)
        try:
            hdrs = {"Host": f"127.0.0.1:{self.port}",
                    "Content-Type": "application/json",
                    "Content-Length": str(len(body)),
                    "Connection": "close"}
            hdrs.update(headers or {})
            head = "POST / HTTP/1.1\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in hdrs.items() if v is not None)
            try:
                s.sendall(head.encode() + b"\r\n" + body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused at its headers: the answer is still there
            return read_response(s)
        finally:
            s.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Nats:
    """A NATS client on 127.0.0.1:port in the text protocol, enough for
    the cluster tests: requests to JetStream's API and publishes, each
    waiting for its answer (JSON).  Each request has an inbox of its own,
    so an answer that comes after its request timed out is skipped."""

    def __init__(self, port, timeout=10):
        self.port = port
        self.timeout = timeout
        self.n = 0
        self.connect()

    def connect(self):
        """(Again: a socket file that timed out reads no more.)"""
        self.s = socket.create_connection(("127.0.0.1", self.port),
                                          timeout=self.timeout)
        self.f = self.s.makefile("rb")
        self.f.readline()  # INFO
        self.s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\n'
                       b"SUB _INBOX.gbtest.* 1\r\n")

    def request(self, subject, data=b"", timeout=None):
        """Publish data (bytes, or an object sent as JSON) on subject with
        a reply inbox; the answer, parsed.  TimeoutError when none comes
        within timeout seconds (JetStream does not answer a stream's
        requests while it elects the stream's leader)."""
        if not isinstance(data, bytes):
            data = json.dumps(data).encode()
        self.n += 1
        inbox = f"_INBOX.gbtest.{self.n}"
        self.s.settimeout(timeout or self.timeout)
        self.s.sendall(b"PUB %s %s %d\r\n%s\r\n"
                       % (subject.encode(), inbox.encode(), len(data), data))
        while True:
            line = self.f.readline().decode()
            if not line:
                raise SystemExit("FAIL: the NATS server closed the connection")
            if line.startswith("PING"):
                self.s.sendall(b"PONG\r\n")
            elif line.startswith("MSG"):
                n = int(line.split()[-1])
                body = self.f.read(n + 2)[:n]
                if line.split()[1] == inbox:  # (else a late answer)
                    return json.loads(body)
            elif line.startswith("-ERR"):
                raise SystemExit("FAIL: NATS: " + line)

    def stream_msg(self, stream, subject=False, **which):
        """A stream's message (which: seq=N or last_by_subj=SUBJECT): its
        data (subject: its subject and its data), or exit when it has
        none."""
        m = self.request(f"$JS.API.STREAM.MSG.GET.{stream}", which)
        if "message" not in m:
            raise SystemExit(f"FAIL: {stream} {which}: {m}")
        data = base64.b64decode(m["message"]["data"])
        return (m["message"]["subject"], data) if subject else data

    def stream_leader(self, stream):
        """The name of the server that leads stream ("" in an election,
        or when it does not answer within a second)."""
        try:
            info = self.request(f"$JS.API.STREAM.INFO.{stream}", timeout=1)
        except (TimeoutError, socket.timeout):
            self.s.close()
            self.connect()
            return ""
        return info.get("cluster", {}).get("leader", "")


def connect(port, src="127.0.0.1", timeout=5):
    """A TCP connection to 127.0.0.1:port from the loopback address src
    (all of 127/8 is loopback on Linux)."""
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_response(s):
    """Read one HTTP response until the peer closes or Content-Length is
    in: (status, JSON body or text, headers dict with lower-case keys)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        raise ConnectionError("no HTTP response: %r" % data[:100])
    status = int(lines[0].split()[1])
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    n = int(hdrs.get("content-length", "-1"))
    while n < 0 or len(body) < n:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        body += chunk
    try:
        return status, json.loads(body), hdrs
    except ValueError:
        return status, body.decode("latin-1"), hdrs


def ws_open(port, src="127.0.0.1", timeout=5, origin=None, host=None):
    """A WebSocket handshake: (socket, status, headers); the socket is
    upgraded when status is 101."""
    s = connect(port, src, timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    req = (f"GET / HTTP/1.1\r\nHost: {host or '127.0.0.1:%d' % port}\r\n"
           f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n")
    if origin:
        req += f"Origin: {origin}\r\n"
    s.sendall(req.encode() + b"\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1]) if head and head[0].startswith("HTTP/") else 0
    hdrs = {}
    for l in head[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return s, status, hdrs


def ws_frame_header(opcode, length, fin=True, mask=b"\0\0\0\0"):
    b0 = (0x80 if fin else 0) | opcode
    if length < 126:
        h = struct.pack("!BB", b0, 0x80 | length)
    elif length < 65536:
        h = struct.pack("!BBH", b0, 0x80 | 126, length)
    else:
        h = struct.pack("!BBQ", b0, 0x80 | 127, length)
    return h + mask


def ws_send_text(s, text):
    data = text.encode()
    s.sendall(ws_frame_header(1, len(data)) + data)  # zero mask


def ws_recv_frame(s):
    """(opcode, payload) of the next frame from the server."""
    def need(n):
        b = b""
        while len(b) < n:
            c = s.recv(n - len(b))
            if not c:
                raise ConnectionError("closed")
            b += c
        return b
    b0, b1 = need(2)
    n = b1 & 0x7f
    if n == 126:
        n = struct.unpack("!H", need(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", need(8))[0]
    return b0 & 0x0f, need(n)


class Check:
    def __init__(self):
        self.failed = 0

    def __call__(self, cond, what):
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if not cond:
            self.failed += 1
        return cond
