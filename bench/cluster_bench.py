#!/usr/bin/env python3
"""Cluster benchmark (make bench; issue #16): three replicas on a
three-server NATS JetStream cluster (log in three copies) against one node
alone, on loopback.

  - throughput: N "inc" messages to the counter example, sent as JSON-RPC
    batches of 64 dev_sendMessage (alice, bob and charlie, one replica each;
    alone: all to the one node), timed from the first send until the
    counter's state reads N; twice, with the same clients for both: one
    client sending one batch at a time (alice's, bob's, charlie's in turn),
    then three clients at once (alice, bob, charlie, each its batches one
    at a time: what three replicas are for, serving several clients);
    the node alone is measured before and after the replicas (the machine
    may be shared: the two show how much its load moved); each of these
    GB_BENCH_CLUSTER_ROUNDS times (default 3; a run takes a second or
    two, so one run is noisy), the median taken.  N is
    GB_BENCH_CLUSTER_N, 15,000 by default: a run of 3,000 (the default up
    to the ninth round) took a few tenths of a second, as long as a few
    blocks, and hid the throughput behind the last block's latency (the
    cluster's backlog at block time was found with 15,000);
  - takeover: the sequencer is killed (-9); the time until another replica
    says it is the sequencer;
  - catch-up: a replica started on an empty directory; the time until it
    reaches the head, in blocks/s (the chain then holds the throughput
    run's full blocks and SMALL blocks of one message each, sent one by
    one).

The three nats-servers run with GOMAXPROCS=1 (GB_BENCH_NATS_PROCS): three
servers sharing the machine's cores, each as one given a core of its own.
Everything printed is measured on this run.  Skipped without nats-server.
usage: cluster_bench.py GEARBOX EXAMPLES_DIR
"""
import json, os, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request

GEARBOX, EX = sys.argv[1], sys.argv[2]
N = int(os.environ.get("GB_BENCH_CLUSTER_N", "15000"))
ROUNDS = int(os.environ.get("GB_BENCH_CLUSTER_ROUNDS", "3"))
SMALL = int(os.environ.get("GB_BENCH_CLUSTER_SMALL", "200"))
PERF = os.environ.get("GB_BENCH_PERF")
NATS_PROCS = os.environ.get("GB_BENCH_NATS_PROCS", "1")
if not shutil.which("nats-server"):
    print("cluster bench: skipped (no nats-server)")
    sys.exit(0)
tmp = tempfile.mkdtemp(prefix="gb-cluster-bench-")
procs = []
refused = []

def free_ports(n):
    ss = [socket.socket() for _ in range(n)]
    for s in ss:
        s.bind(("127.0.0.1", 0))
    ps = [s.getsockname()[1] for s in ss]
    for s in ss:
        s.close()
    return ps

def rpc(port, method, params, timeout=30):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", body, {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=timeout))

def batch(port, calls):
    body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p}
                       for i, (m, p) in enumerate(calls)]).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", body, {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=60))

def start_node(i, port, extra):
    log = open(f"{tmp}/node{i}.log", "w")
    p = subprocess.Popen([GEARBOX, "node", "--dev", "--data", f"{tmp}/d{i}", "--rpc",
                          f"127.0.0.1:{port}", "--block-time", "200"] + extra,
                         stdout=log, stderr=subprocess.STDOUT)
    procs.append(p)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            return p
        except Exception:
            if p.poll() is not None:
                return None
            time.sleep(0.05)
    return None

def upload(port, name, salt="0x"):
    code = "0x" + open(f"{EX}/{name}.wasm", "rb").read().hex()
    r = rpc(port, "dev_uploadProgram", {"from": "alice", "code": code, "salt": salt, "gasLimit": 10**10})
    pid = r["result"]["programId"]
    for _ in range(400):
        st = rpc(port, "gear_programInfo", [pid]).get("result") or {}
        if st.get("status") == "active":
            return pid
        time.sleep(0.05)
    raise SystemExit(f"{name} did not become active")

def count(port, ctr):
    r = rpc(port, "gearbox_readState", [ctr]).get("result") or {}
    p = r.get("payload", "0x")
    try:
        return int(bytes.fromhex(p[2:]).decode() or "0")
    except ValueError:
        return -1

def cpu(ps):
    """CPU seconds (user + system) the processes ps used so far."""
    t = 0
    for p in ps:
        with open(f"/proc/{p.pid}/stat") as f:
            v = f.read().rsplit(")", 1)[1].split()
        t += int(v[11]) + int(v[12])
    return t / os.sysconf("SC_CLK_TCK")

def cpu_each(ps):
    return {p.pid: cpu([p]) for p in ps}

def switches(p):
    """How many times the threads of p gave up a core so far (voluntary
    and not: on this VM each costs tens of microseconds of CPU)."""
    n = 0
    for t in os.listdir(f"/proc/{p.pid}/task"):
        try:
            with open(f"/proc/{p.pid}/task/{t}/status") as f:
                n += sum(int(l.split()[1]) for l in f if l.startswith(("voluntary_ctxt", "nonvoluntary_ctxt")))
        except OSError:
            pass  # (a thread gone)
    return n

def name_of(p):
    if p.args[0] == GEARBOX:
        return "replica " + p.args[p.args.index("--replica") + 1] if "--replica" in p.args else "node"
    return "nats-server " + p.args[-1].rsplit("/", 1)[-1].split(".")[0]

def send_all(ports, ctr, clients):
    """N "inc"s as batches of 64 dev_sendMessage.  clients 1: one batch
    at a time, alice, bob and charlie in turn (to ports[0], [1], [2] in
    turn); clients 3: alice, bob and charlie each a client of its own
    sending its third one batch at a time, all three at once (to ports[0],
    [1], [2]; the node alone: all to its one port).  Batches partly
    refused (the log away) are sent again."""
    users = ["alice", "bob", "charlie"]
    lock = threading.Lock()

    def one(port, who, n):
        res = batch(port, [("dev_sendMessage", {"from": who, "destination": ctr,
                                                "payload": "0x696e63", "gasLimit": 10**9})] * n)
        if isinstance(res, dict):  # one error for the whole request (the
            res = [res] * n        # log did not confirm it): none counted
        ok = sum(1 for x in res if "error" not in x)
        if ok < n:  # refused (the log away): again
            errs = [x["error"]["message"] for x in res if "error" in x]
            with lock:
                refused.append(errs[0])
            time.sleep(0.05)
        return ok

    if clients == 1:
        sent = 0
        while sent < N:
            for k, port in enumerate(ports):
                n = min(64, N - sent)
                if n <= 0:
                    break
                who = users[k % 3] if len(ports) > 1 else users[(sent // 64) % 3]
                sent += one(port, who, n)
        return

    def client(k):
        port = ports[k % len(ports)]
        left = N // 3 + (1 if k < N % 3 else 0)
        while left > 0:
            left -= one(port, users[k], min(64, left))

    ts = [threading.Thread(target=client, args=(k,)) for k in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()

salts = iter(range(1, 1 << 16))

def throughput(ports, ps, clients):
    """ROUNDS runs of one_run: the median msgs/s, the counters."""
    runs = [one_run(ports, ps, clients) for _ in range(ROUNDS)]
    rates = sorted(r for r, _ in runs)
    if ROUNDS > 1:
        print(f"  {len(ports)} node(s), {clients} client(s), {ROUNDS} runs: " +
              ", ".join(f"{r:,.0f}" for r, _ in runs) + f" msgs/s, median {rates[len(rates) // 2]:,.0f}")
    return rates[len(rates) // 2], [c for _, c in runs]

def one_run(ports, ps, clients):
    ctr = upload(ports[0], "counter", f"0x{next(salts):04x}")
    each0 = cpu_each(ps)
    perfs = []
    if PERF:  # GB_BENCH_PERF=DIR: perf record each process
        for p in ps:
            perfs.append(subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "999", "--call-graph",
                                           "dwarf,16384" if p.args[0] == GEARBOX else "fp", "-p", str(p.pid),
                                           "-o", f"{PERF}/{name_of(p).replace(' ', '_')}_{clients}c.data"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.5)
    h0 = rpc(ports[0], "chain_getHead", [])["result"]["height"]
    sw0 = {p.pid: switches(p) for p in ps}
    c0 = cpu(ps)
    g0 = cpu([p for p in ps if p.args[0] == GEARBOX])
    t0 = time.monotonic()
    k0 = time.process_time()
    del refused[:]
    send_all(ports, ctr, clients)
    t_sent = time.monotonic() - t0
    if refused:
        print(f"  ({len(refused)} batches partly refused, e.g. {refused[0]})")
    while count(ports[0], ctr) < N:
        time.sleep(0.02)
        if time.monotonic() - t0 > 300:
            raise SystemExit("counter did not reach N")
    t_all = time.monotonic() - t0
    client = time.process_time() - k0
    used = cpu(ps) - c0
    by_nodes = cpu([p for p in ps if p.args[0] == GEARBOX]) - g0
    blocks = rpc(ports[0], "chain_getHead", [])["result"]["height"] - h0
    for q in perfs:
        q.send_signal(signal.SIGINT)
    for q in perfs:
        q.wait()
    each = cpu_each(ps)
    sw = {p.pid: switches(p) - sw0[p.pid] for p in ps}
    print("  context switches by process: " + ", ".join(f"{name_of(p)} {sw[p.pid]:,}" for p in ps))
    if len(ports) > 1:
        seqname = rpc(ports[0], "gearbox_chainInfo", [])["result"]["cluster"]["sequencerName"]
        print("  CPU-s by process: " + ", ".join(
            f"{name_of(p)}{' (sequencer)' if name_of(p) == 'replica ' + seqname else ''} "
            f"{each[p.pid] - each0[p.pid]:.2f}" for p in ps))
    print(f"  {len(ports)} node(s), {clients} client(s): sent in {t_sent:.2f} s, counter at {N} after {t_all:.2f} s "
          f"= {N / t_all:,.0f} msgs/s, in {blocks} blocks; {used:.2f} CPU-s used by "
          f"{'the node' if len(ports) == 1 else f'the replicas ({by_nodes:.2f}) and nats-servers'} "
          f"({100 * used / t_all:.0f}% of one core); the client {client:.2f} CPU-s")
    return N / t_all, ctr

try:
    # one node alone
    p1 = free_ports(1)
    start_node("alone", p1[0], []) or sys.exit("node alone did not start")
    alone = [throughput(p1, procs[-1:], c)[0] for c in (1, 3)]
    procs.pop().kill()
    # three nats-servers, three replicas
    cp, rp, hp = free_ports(3), free_ports(3), free_ports(4)
    urls = ",".join(f"nats://127.0.0.1:{p}" for p in cp)
    for i in range(3):
        routes = ", ".join(f"nats-route://127.0.0.1:{rp[j]}" for j in range(3) if j != i)
        with open(f"{tmp}/n{i}.conf", "w") as f:
            f.write(f'server_name: n{i}\nlisten: 127.0.0.1:{cp[i]}\njetstream {{ store_dir: "{tmp}/js{i}" }}\n'
                    f'cluster {{ name: gbb, listen: 127.0.0.1:{rp[i]}, routes: [{routes}] }}\n')
        # (three servers on one machine: each runs Go code on one OS
        # thread at a time, GOMAXPROCS=1, as a server given a core of its
        # own; by default each would run as many as the machine has cores
        # and the three would spin for the same cores)
        procs.append(subprocess.Popen(["nats-server", "-c", f"{tmp}/n{i}.conf"],
                                      env=dict(os.environ, GOMAXPROCS=NATS_PROCS),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    clus = lambda i: ["--cluster", urls, "--cluster-name", "bench", "--cluster-copies", "3", "--replica", f"r{i}"]
    reps = {}
    for _ in range(60):
        reps[0] = start_node(0, hp[0], clus(0))
        if reps[0]:
            break
        time.sleep(0.5)
    reps[1] = start_node(1, hp[1], clus(1))
    reps[2] = start_node(2, hp[2], clus(2))
    live = [p for p in procs if p.poll() is None]
    time.sleep(1)
    e0 = cpu_each(live)
    time.sleep(2)
    e1 = cpu_each(live)
    print(f"  (nats-servers with GOMAXPROCS={NATS_PROCS}; replicas' block work 10 steps of nice below their requests)")
    print("  idle, CPU-s per second by process: " +
          ", ".join(f"{name_of(p)} {(e1[p.pid] - e0[p.pid]) / 2:.3f}" for p in live))
    three, ctrs1 = throughput(hp[:3], live, 1)
    three3, ctrs3 = throughput(hp[:3], live, 3)
    cl = [rpc(p, "gearbox_chainInfo", [])["result"]["cluster"] for p in hp[:3]]
    print("  requests whose dev sends took their nonces without asking the log, by replica: " +
          ", ".join(str(c["unsettledRequests"]) for c in cl) + "; of them handled again: " +
          ", ".join(str(c["handledAgain"]) for c in cl))
    ctr = ctrs3[-1]
    # blocks of one message each, for the catch-up below
    for k in range(SMALL):
        rpc(hp[k % 3], "dev_sendMessage", {"from": ["alice", "bob", "charlie"][k % 3], "destination": ctr,
                                           "payload": "0x696e63", "gasLimit": 10**9})
        time.sleep(0.03)
    # the node alone again, now (the nats-servers idle beside it)
    p2 = free_ports(1)
    start_node("alone2", p2[0], []) or sys.exit("node alone did not start")
    alone2 = [throughput(p2, procs[-1:], c)[0] for c in (1, 3)]
    procs.pop().kill()
    for k, (c, t) in enumerate(((1, three), (3, three3))):
        ref = (alone[k] + alone2[k]) / 2
        print(f"cluster, {c} client(s): {N} messages, median of {ROUNDS} runs; one node alone {alone[k]:,.0f} msgs/s before, "
              f"{alone2[k]:,.0f} after; three replicas (3-server JetStream, log in 3 copies) {t:,.0f} msgs/s "
              f"= {100 * t / ref:.0f}% of the node alone (target >= 80%)")
    info = lambda i: rpc(hp[i], "gearbox_chainInfo", [])["result"]["cluster"]
    seq = info(0)["sequencerName"]
    k = int(seq[1:])
    other = (k + 1) % 3
    t0 = time.monotonic()
    reps[k].send_signal(signal.SIGKILL)
    while info(other)["sequencerName"] == seq or not any(info(i)["sequencer"] for i in range(3) if i != k):
        time.sleep(0.01)
        if time.monotonic() - t0 > 30:
            raise SystemExit("no takeover")
    print(f"  takeover: the sequencer killed, another took over after {1000 * (time.monotonic() - t0):.0f} ms "
          f"(target < 5000 ms)")
    head = rpc(hp[other], "chain_getHead", [])["result"]["height"]
    msgs = sum(count(hp[other], c) for c in ctrs1 + ctrs3)  # (every run's)
    t0 = time.monotonic()
    start_node(3, hp[3], clus(3)) or sys.exit("catch-up replica did not start")
    t_up = time.monotonic() - t0
    while rpc(hp[3], "chain_getHead", [])["result"]["height"] < head:
        time.sleep(0.01)
    dt = time.monotonic() - t0
    print(f"  catch-up: a new replica replayed {head} blocks ({msgs} messages) from the log in {dt:.2f} s "
          f"= {head / dt:,.0f} blocks/s, {msgs / dt:,.0f} msgs/s (its start, up to serving RPC, {t_up:.2f} s of it)")
finally:
    for p in procs:
        try:
            p.kill()
        except Exception:
            pass
    shutil.rmtree(tmp, ignore_errors=True)
