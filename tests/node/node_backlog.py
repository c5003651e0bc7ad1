#!/usr/bin/env python3
"""A backlog left by a block's gas allowance, on `gearbox node --dev`
(auto mining) with a block time of 3 s: the next block comes at once, not
a block time later (chain.h gb_block_drains; node/node.c).  Six sends of
almost the whole allowance each: one is dispatched a block and the rest
wait in the queue.
usage: node_backlog.py GEARBOX EXAMPLES_DIR"""
import os, re, subprocess, sys, time

sys.path.insert(0, os.path.dirname(__file__))
from nodeutil import Node, Check, post, counter

check = Check()
gearbox, ex = sys.argv[1], sys.argv[2]
node = Node(gearbox, "--block-time", "3000")
port = node.port
try:
    def call(method, params):
        return post(port, {"jsonrpc": "2.0", "id": 1, "method": method,
                           "params": params})["result"]

    up = subprocess.run([gearbox, "upload", os.path.join(ex, "counter.wasm"),
                         "--node", f"http://127.0.0.1:{port}", "--wait"],
                        capture_output=True, text=True, timeout=60)
    ids = re.findall(r"0x[0-9a-f]{64}", up.stdout)
    if up.returncode or not ids:
        raise SystemExit(f"FAIL: upload counter: {up.stdout}{up.stderr}")
    ctr = ids[0]
    h0 = call("chain_getHead", [])["height"]
    t0 = time.monotonic()
    res = post(port, [{"jsonrpc": "2.0", "id": i, "method": "dev_sendMessage",
                       "params": {"from": "eve", "destination": ctr,
                                  "payload": "0x696e63",
                                  "gasLimit": 749_500_000_000}}
                      for i in range(6)])
    bad = [r["error"]["message"] for r in res if "error" in r]
    check(not bad, f"the six sends accepted: {bad}")
    while counter(port, ctr) < 6 and time.monotonic() - t0 < 12:
        time.sleep(0.05)
    took = time.monotonic() - t0
    check(counter(port, ctr) == 6,
          f"six incs counted within 12 s (a block time is 3 s): "
          f"{counter(port, ctr)}")
    head = call("chain_getHead", [])["height"]
    blocks = [call("gearbox_getBlock", [n]) for n in range(h0 + 1, head + 1)]
    left = [(b["dispatched"], b["queuedLeft"]) for b in blocks]
    gaps = [b["timestamp"] - a["timestamp"] for a, b in zip(blocks, blocks[1:])
            if a["dispatched"] and a["queuedLeft"]]
    check(len(gaps) >= 4,
          f"blocks leaving messages in the queue, one a block: {left}")
    check(gaps and max(gaps) < 1500,
          f"each next block at once, not 3 s later: gaps {gaps} ms")
    print(f"six incs in {took:.2f} s, {len(blocks)} blocks "
          f"(dispatched, left): {left}")
finally:
    node.stop()
sys.exit(1 if check.failed else 0)
