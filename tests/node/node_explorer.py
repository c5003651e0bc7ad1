#!/usr/bin/env python3
"""The node's web explorer in a real browser (issue #18): a dev node on
loopback gets ping and proxy (build/examples), bob sends PING to proxy
(proxy asks ping, waits, is woken by ping's PONG and replies PONG), and
headless Chromium opens the explorer's pages and shows: the programs and
codes on the home and codes pages, proxy's page with its messages (PING
in, PONG out, as text), the message's page with its causal tree drawn as
SVG (a node per message of the tree: bob's PING, proxy's request to ping,
ping's reply, proxy's PONG), and the mailbox of a user.  Screenshots go to
OUT_DIR.  Without Chromium the test is skipped (exit 77), never passed.
usage: node_explorer.py GEARBOX EXAMPLES_DIR OUT_DIR"""
import json, os, re, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(__file__))
from nodeutil import Node, Check

browser = os.environ.get("CHROMIUM") or next(
    (b for b in ("chromium", "chromium-browser", "google-chrome")
     if shutil.which(b)), None)
if not browser:
    print("skip: no Chromium (apt-get install chromium; scripts/deps.sh)")
    sys.exit(77)

gearbox, ex, out = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
check = Check()
profile = tempfile.mkdtemp()


def chromium(url, *args):
    """Run headless Chromium on url; its stdout."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu",
           "--no-first-run", "--disable-extensions", "--hide-scrollbars",
           f"--user-data-dir={profile}", "--window-size=1400,1000",
           "--virtual-time-budget=5000", *args, url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    return r.stdout


def page(node, route, shot):
    url = f"http://127.0.0.1:{node.port}/{route}"
    dom = chromium(url, "--dump-dom")
    chromium(url, f"--screenshot={os.path.join(out, shot)}")
    check(os.path.getsize(os.path.join(out, shot)) > 10000,
          f"screenshot {shot}")
    return dom


def rpc(node, method, params):
    st, body, _ = node.call(method, params, timeout=30)
    if "result" not in body:
        raise SystemExit(f"FAIL: {method}: {body}")
    return body["result"]


def upload(node, name, init="0x"):
    code = "0x" + open(os.path.join(ex, name + ".wasm"), "rb").read().hex()
    r = rpc(node, "dev_uploadProgram", {"from": "alice", "code": code,
                                        "initPayload": init,
                                        "gasLimit": 10 ** 10})
    for _ in range(100):
        st, body, _ = node.call("gear_programInfo", [r["programId"]])
        if body.get("result", {}).get("status") == "active":
            return r["programId"], r["codeId"]
        time.sleep(0.1)
    raise SystemExit(f"FAIL: {name} did not become active")


def text_in(dom, what):
    return what in dom


node = Node(gearbox)
try:
    ping, ping_code = upload(node, "ping")
    proxy, proxy_code = upload(node, "proxy", ping)
    mid = rpc(node, "dev_sendMessage", ["bob", proxy, "0x50494e47"])[
        "messageId"]
    tree = None
    for _ in range(100):
        tree = rpc(node, "gearbox_messageTree", [mid])
        if any(n.get("toUser") and n["kind"] == "reply"
               for n in tree["nodes"]):
            break
        time.sleep(0.1)
    ids = [n["id"] for n in tree["nodes"]]
    check(len(ids) == 4, f"the tree has 4 messages over RPC: {len(ids)}")
    home = page(node, "", "explorer-home.png")
    check('id="programs"' in home, "home: the programs table")
    check(ping in home and proxy in home,
          "home: both program ids are shown")
    check('id="blocks"' in home and re.search(r"<td class=\"num\">\d+</td>",
                                              home),
          "home: recent blocks")
    check('class="live on"' in home, "home: live over the WebSocket")

    codes = page(node, "#/codes", "explorer-codes.png")
    check(ping_code in codes and proxy_code in codes,
          "codes: both code ids")

    prog = page(node, f"#/program/{proxy}", "explorer-program.png")
    check(f'id="program-id">{proxy}<' in prog, "program: its id")
    check('"PING"' in prog and '"PONG"' in prog,
          "program: PING in and PONG out, as text")
    check(mid in prog, "program: bob's message is listed")

    msg = page(node, f"#/message/{mid}", "explorer-message.png")
    check('id="tree-svg"' in msg, "message: the causal tree is drawn (SVG)")
    drawn = re.findall(r'<g class="node[^"]*" data-id="(0x[0-9a-f]{64})"',
                       msg)
    check(sorted(drawn) == sorted(ids),
          f"message: every message of the tree is a node ({len(drawn)})")
    check(re.search(r'<g class="node[^"]*focus[^"]*" data-id="' + mid, msg),
          "message: the message itself is marked")
    check(msg.count('class="edge') == 3, "message: 3 edges (4 nodes)")
    check('id="replies"' in msg and '"PONG"' in msg and
          "success (manual)" in msg,
          "message: the reply PONG with its reply code")
    check("4,233 gas" in msg or re.search(r"\d[\d,]* gas", msg),
          "message: gas on the nodes")

    # the trace button leads to #/message/ID/trace, which replays the
    # chain and shows the sum, the flame graph and the syscalls
    check(f'id="trace-run"' in msg, "message: the trace button")
    tr = page(node, f"#/message/{mid}/trace", "explorer-trace.png")
    m = re.search(r'id="trace-sum">([\d,]+) gas burned in (\d+) run', tr)
    t = rpc(node, "gearbox_traceMessage", {"messageId": mid})
    check(m is not None and int(m.group(1).replace(",", "")) ==
          t["gasBurned"] and int(m.group(2)) == t["runs"],
          f"trace: the page's gas and runs equal the RPC's "
          f"({m and m.group(0)}; {t['gasBurned']}, {t['runs']} runs)")
    check(re.search(r'id="trace-flame"><svg', tr) is not None,
          "trace: the flame graph (SVG)")
    check("gr_" in tr.split('id="trace-text"')[-1],
          "trace: the syscall list names gr_ calls")

    mb = page(node, "#/mailbox", "explorer-mailbox.png")
    check('class="stored"' in mb, "mailbox: the mailboxes table")
    wl = page(node, "#/waitlist", "explorer-waitlist.png")
    check('class="stored"' in wl, "waitlist: the waitlist table")
    check(node.alive(), "the node is alive")
finally:
    node.stop()
    shutil.rmtree(profile, ignore_errors=True)
print(f"{'FAIL' if check.failed else 'ok'}: node_explorer "
      f"(screenshots in {out})")
sys.exit(1 if check.failed else 0)
