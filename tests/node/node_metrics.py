#!/usr/bin/env python3
"""GET /metrics of `gearbox node --dev` (issue #18), on loopback: every
line of the exposition parses (HELP and TYPE before each family's
samples, names and labels well formed, values numbers), the families the
node promises are there, histograms are consistent, and the counters
move with traffic: blocks, runs by outcome (success after a message to
ping), gas, RPC calls by method and status (a bad method counted as
"unknown" with -32601), programs, codes.
usage: node_metrics.py GEARBOX EXAMPLES_DIR"""
import json, os, re, sys, time, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from nodeutil import Node, Check

check = Check()
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"^({NAME})(\{{(?:{LABEL})(?:,{LABEL})*\}})? (\S+)$")
PROMISED = ["gearbox_blocks_total", "gearbox_block_height",
            "gearbox_block_production_seconds",
            "gearbox_messages_dispatched_total", "gearbox_gas_burned_total",
            "gearbox_events_total", "gearbox_rpc_requests_total",
            "gearbox_queue_length", "gearbox_waitlist_size",
            "gearbox_mailbox_size", "gearbox_stash_size", "gearbox_tasks",
            "gearbox_programs", "gearbox_codes", "gearbox_accounts",
            "gearbox_lmdb_bytes", "gearbox_threads", "gearbox_threads_busy",
            "gearbox_tx_pool_size", "gearbox_websocket_clients",
            "gearbox_http_connections"]


def scrape(node):
    with urllib.request.urlopen(f"http://127.0.0.1:{node.port}/metrics",
                                timeout=10) as r:
        ctype = r.headers.get("Content-Type", "")
        text = r.read().decode()
    check(ctype.startswith("text/plain") and "version=0.0.4" in ctype,
          f"Content-Type {ctype}")
    return parse(text)


def parse(text):
    """{(name, frozenset(labels)): value}, checking every line."""
    fams, samples, bad = {}, {}, []
    check(text.endswith("\n"), "the exposition ends with a newline")
    for line in text.splitlines():
        m = re.match(rf"^# (HELP|TYPE) ({NAME}) (.+)$", line)
        if m:
            kind, name, rest = m.groups()
            fam = fams.setdefault(name, {})
            if kind in fam:
                bad.append("two " + kind + ": " + line)
            if kind == "TYPE" and rest not in ("counter", "gauge",
                                               "histogram", "summary",
                                               "untyped"):
                bad.append("type " + line)
            fam[kind] = rest
            continue
        m = SAMPLE.match(line)
        if not m:
            bad.append("unparsed: " + line)
            continue
        name, labels, value = m.groups()
        try:
            v = float(value)
        except ValueError:
            bad.append("value: " + line)
            continue
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        fam = fams.get(name) or fams.get(base)
        if not fam or "HELP" not in fam or "TYPE" not in fam:
            bad.append("no HELP/TYPE before " + line)
        if fam and fam.get("TYPE") == "counter" and v < 0:
            bad.append("negative counter " + line)
        lab = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"',
                                   labels or ""))
        if (name, lab) in samples:
            bad.append("duplicate " + line)
        samples[(name, lab)] = v
    check(not bad, "every line parses: " + "; ".join(bad[:5]))
    for p in PROMISED:
        check(p in fams, f"family {p} is exposed")
    return samples


def val(s, name, **labels):
    return s.get((name, frozenset(labels.items())))


def histogram_ok(s, name):
    buckets = sorted(((float("inf") if dict(l)["le"] == "+Inf"
                       else float(dict(l)["le"])), v)
                     for (n, l), v in s.items() if n == name + "_bucket")
    counts = [v for _, v in buckets]
    return (buckets and buckets[-1][0] == float("inf") and
            counts == sorted(counts) and
            counts[-1] == val(s, name + "_count"))


node = Node(sys.argv[1])
try:
    ex = sys.argv[2]
    time.sleep(1.2)  # a block or two (500 ms each)
    a = scrape(node)
    check((val(a, "gearbox_blocks_total") or 0) > 0,
          f"blocks produced: {val(a, 'gearbox_blocks_total')}")
    check(histogram_ok(a, "gearbox_block_production_seconds"),
          "block time histogram: buckets rise to +Inf == count")
    check(val(a, "gearbox_threads") >= 1, "threads >= 1")
    check(val(a, "gearbox_lmdb_bytes") > 0, "the store has a size")

    code = "0x" + open(os.path.join(ex, "ping.wasm"), "rb").read().hex()
    st, body, _ = node.call("dev_uploadProgram",
                            {"from": "alice", "code": code,
                             "gasLimit": 10 ** 10})
    prog = body["result"]["programId"]
    for _ in range(100):
        st, body, _ = node.call("gear_programInfo", [prog])
        if body.get("result", {}).get("status") == "active":
            break
        time.sleep(0.1)
    b = scrape(node)
    st, body, _ = node.call("dev_sendMessage", ["bob", prog, "0x50494e47"])
    check("result" in body, "PING sent")
    node.call("no_suchMethod")
    for _ in range(100):
        c = scrape(node)
        if (val(c, "gearbox_messages_dispatched_total", outcome="success")
                > val(b, "gearbox_messages_dispatched_total",
                      outcome="success")):
            break
        time.sleep(0.1)
    check(val(c, "gearbox_messages_dispatched_total", outcome="success") >
          val(b, "gearbox_messages_dispatched_total", outcome="success"),
          "dispatched{outcome=success} rose after the PING")
    check(val(c, "gearbox_gas_burned_total") >
          val(a, "gearbox_gas_burned_total"), "gas burned rose")
    check(val(c, "gearbox_blocks_total") > val(a, "gearbox_blocks_total"),
          "blocks rose")
    check(val(c, "gearbox_programs") == 1 and val(c, "gearbox_codes") == 1,
          "one program, one code")
    check((val(c, "gearbox_rpc_requests_total", method="dev_sendMessage",
               status="ok") or 0) == 1, "dev_sendMessage counted once, ok")
    check((val(c, "gearbox_rpc_requests_total", method="unknown",
               status="-32601") or 0) == 1,
          "an unknown method counted as unknown, -32601")
    check((val(c, "gearbox_rpc_requests_total", method="gear_programInfo",
               status="ok") or 0) >= 1, "gear_programInfo counted")
    check(val(c, "gearbox_tx_pool_size") == 0, "the pool is empty again")
    check(val(c, "gearbox_mailbox_size") == 0,
          "a reply without value leaves no mail")
    check(node.alive(), "the node is alive")
finally:
    node.stop()
print(f"{'FAIL' if check.failed else 'ok'}: node_metrics")
sys.exit(1 if check.failed else 0)
