// The gearbox explorer: plain JavaScript, no libraries.  Pages are chosen
// by the URL's hash (#/, #/program/ID, #/message/ID, #/codes, #/mailbox,
// #/waitlist), filled from the node's JSON-RPC (POST / on the same port;
// the gearbox_* methods of docs/rpc.md), and drawn again when the node's
// WebSocket announces a new block (gearbox_subscribeNewHeads).
"use strict";

const $ = (s) => document.querySelector(s);
let rpcId = 0;

async function rpc(method, params) {
  const r = await fetch("/", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params: params || [] }),
  });
  const j = await r.json();
  if (j.error) throw new Error(method + ": " + j.error.message);
  return j.result;
}

// ---- formatting ------------------------------------------------------------

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
const short = (id) => (id ? id.slice(0, 8) + "…" + id.slice(-4) : "");
const known = new Map(); // id -> "program" | "user" names seen on this page
function name(id) {
  const k = known.get(id);
  return k ? k + " " + short(id) : short(id);
}
function idLink(id, kind) {
  if (!id) return "";
  const href = kind === "message" ? "#/message/" + id : "#/program/" + id;
  return `<a class="id" href="${href}" title="${esc(id)}">${esc(name(id))}</a>`;
}
function hexBytes(hex) {
  const h = (hex || "0x").slice(2), b = new Uint8Array(h.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(h.substr(2 * i, 2), 16);
  return b;
}
// A payload as text when it is printable UTF-8, else as hex.
function payloadText(hex, fullLen) {
  if (!hex || hex === "0x") return `<span class="muted">(empty)</span>`;
  const b = hexBytes(hex);
  let txt = null;
  try {
    txt = new TextDecoder("utf-8", { fatal: true }).decode(b);
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(txt)) txt = null;
  } catch (e) { txt = null; }
  const more = fullLen > b.length ? ` <span class="muted">(${fullLen} bytes)</span>` : "";
  return (txt !== null ? `<span class="payload">"${esc(txt)}"</span>`
                       : `<span class="mono">${esc(hex)}</span>`) + more;
}
function payloadPlain(hex) { // for the SVG: short text or hex
  if (!hex || hex === "0x") return "";
  const b = hexBytes(hex);
  try {
    const t = new TextDecoder("utf-8", { fatal: true }).decode(b);
    if (!/[\u0000-\u001f\u007f]/.test(t)) return '"' + (t.length > 22 ? t.slice(0, 21) + "…" : t) + '"';
  } catch (e) { /* hex below */ }
  return hex.length > 24 ? hex.slice(0, 23) + "…" : hex;
}
const time = (ms) => new Date(ms).toLocaleTimeString();
const num = (n) => Number(n).toLocaleString("en-US");
function outcome(o) {
  if (!o) return `<span class="muted">—</span>`;
  const cls = o === "success" || o === "skipped" ? "ok" : o === "wait" ? "warn" : "bad";
  return `<span class="${cls}">${esc(o)}</span>`;
}

// ---- pages -------------------------------------------------------------------

async function statsBar() {
  const s = await rpc("gearbox_stats");
  const items = [["height", s.height], ["programs", s.programs], ["codes", s.codes],
    ["queue", s.queue], ["waitlist", s.waitlist], ["mailboxes", s.mailbox],
    ["tx pool", s.txPool]];
  $("#stats").innerHTML = items.map(([k, v]) =>
    `<div class="stat" id="stat-${k.replace(" ", "-")}"><b>${num(v)}</b><span>${k}</span></div>`).join("");
}

async function home() {
  const [blocks, programs] = await Promise.all([rpc("gearbox_blocks", [20]), rpc("gearbox_programs", [null, 200])]);
  for (const p of programs) known.set(p.programId, "program");
  const brows = blocks.map((b) => `<tr><td class="num">${b.height}</td><td>${time(b.timestamp)}</td>
    <td class="num">${b.dispatched}</td><td class="num">${num(b.gasUsed)}</td><td class="num">${b.events}</td>
    <td class="id" title="${esc(b.hash)}">${short(b.hash)}</td></tr>`).join("");
  const prows = programs.map((p) => `<tr><td>${idLink(p.programId)}</td>
    <td class="id" title="${esc(p.codeId)}">${short(p.codeId)}</td><td>${esc(p.status)}</td>
    <td class="num">${esc(p.balance)}</td><td class="num">${p.staticPages}+${p.allocatedPages}</td>
    <td class="num">${p.waiting}</td><td class="num">${p.createdAt}</td></tr>`).join("");
  return `<div class="grid"><div>
    <h2>Recent blocks <small>(newest first)</small></h2>
    <table id="blocks"><tr><th>height</th><th>time</th><th>messages</th><th>gas</th><th>events</th><th>hash</th></tr>${brows}</table>
  </div><div>
    <h2>Programs</h2>
    <table id="programs"><tr><th>program</th><th>code</th><th>status</th><th>balance</th><th>pages</th><th>waiting</th><th>created</th></tr>
    ${prows || `<tr><td colspan="7" class="muted">no programs yet</td></tr>`}</table>
  </div></div>`;
}

async function codes() {
  const cs = await rpc("gearbox_codes", [null, 500]);
  const rows = cs.map((c) => `<tr><td class="mono">${esc(c.codeId)}</td><td class="num">${num(c.size)}</td>
    <td class="num">${c.staticPages}</td><td class="num">${c.uploadedAt}</td></tr>`).join("");
  return `<h2>Codes</h2><table id="codes"><tr><th>code id</th><th>bytes</th><th>static pages</th><th>uploaded at</th></tr>
    ${rows || `<tr><td colspan="4" class="muted">no codes yet</td></tr>`}</table>`;
}

function storedTable(rows, ownerKey, ownerTitle) {
  const body = rows.map((m) => `<tr><td>${idLink(m[ownerKey])}</td><td>${idLink(m.id, "message")}</td>
    <td>${idLink(m.source)}</td><td>${esc(m.kind)}${m.replyCodeText ? " · " + esc(m.replyCodeText) : ""}</td>
    <td>${payloadText(m.payload, m.payloadLen)}</td><td class="num">${esc(m.value)}</td>
    <td class="num">${m.expiresAt}</td></tr>`).join("");
  return `<table class="stored"><tr><th>${ownerTitle}</th><th>message</th><th>from</th><th>kind</th><th>payload</th><th>value</th><th>expires at</th></tr>
    ${body || `<tr><td colspan="7" class="muted">empty</td></tr>`}</table>`;
}

async function mailbox(account) {
  const rows = await rpc("gearbox_mailboxes", account ? [account, null, 500] : [null, null, 500]);
  return `<h2>Mailboxes ${account ? "<small>of " + esc(account) + "</small>" : "<small>(every user)</small>"}</h2>` +
    storedTable(rows, "account", "user");
}

async function waitlist() {
  const rows = await rpc("gearbox_waitlist", [null, null, 500]);
  return `<h2>Waitlist</h2>` + storedTable(rows, "program", "program");
}

function messageRows(ms) {
  return ms.map((m) => `<tr><td>${idLink(m.id, "message")}</td><td class="num">${m.height}</td>
    <td>${idLink(m.source)}</td><td>${idLink(m.destination)}</td><td>${esc(m.kind)}</td>
    <td>${m.runs ? outcome(m.outcome) : m.replyCodeText ? esc(m.replyCodeText) : "<span class='muted'>—</span>"}</td>
    <td class="num">${num(m.gasBurned)}</td>
    <td>${m.payload !== undefined ? payloadText(m.payload, m.payloadLen) : "<span class='muted'>—</span>"}</td></tr>`).join("");
}

async function program(id) {
  let info = null;
  try { info = await rpc("gear_programInfo", [id]); } catch (e) { /* a user */ }
  const [msgs, wl, mb] = await Promise.all([rpc("gearbox_messages", [id, 100]),
    info ? rpc("gearbox_waitlist", [id, null, 100]) : Promise.resolve([]),
    info ? Promise.resolve([]) : rpc("gearbox_mailboxes", [id, null, 100])]);
  if (info) known.set(id, "program");
  const head = info ? `<h2>Program <small class="mono" id="program-id">${esc(id)}</small></h2>
    <dl class="kv"><dt>status</dt><dd>${esc(info.status)}</dd><dt>code</dt><dd class="mono">${esc(info.codeId)}</dd>
    <dt>balance</dt><dd>${esc(info.balance)}</dd><dt>pages</dt><dd>${info.staticPages} static, ${info.allocatedPages} allocated, ${info.storedPages} stored (${num(info.storedBytes)} bytes)</dd>
    <dt>created at</dt><dd>block ${info.createdAt}</dd><dt>init message</dt><dd>${idLink(info.initMessage, "message")}</dd>
    <dt>waiting</dt><dd>${wl.length} message(s)</dd></dl>`
    : `<h2>Account <small class="mono" id="program-id">${esc(id)}</small></h2>`;
  const tail = info ? (wl.length ? "<h2>Waitlist</h2>" + storedTable(wl, "program", "program") : "")
                    : "<h2>Mailbox</h2>" + storedTable(mb, "account", "user");
  return head + `<h2>Recent messages and replies <small>(blocks ${msgs.oldest} and later)</small></h2>
    <table id="messages"><tr><th>message</th><th>block</th><th>from</th><th>to</th><th>kind</th><th>result</th><th>gas</th><th>payload</th></tr>
    ${messageRows(msgs.messages) || `<tr><td colspan="8" class="muted">none in the recent blocks</td></tr>`}</table>` + tail;
}

// ---- the causal tree, drawn as SVG ----------------------------------------------

const NS = "http://www.w3.org/2000/svg";
const BW = 270, BH = 74, GX = 26, GY = 46;

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

// Lay the tree out: leaves side by side, each parent centred over its
// children, one row per generation.
function layout(nodes) {
  const byId = new Map(nodes.map((n) => [n.id, { n, kids: [], x: 0, depth: 0 }]));
  let root = null;
  for (const n of nodes) {
    const me = byId.get(n.id), p = n.parent && byId.get(n.parent);
    if (p) { p.kids.push(me); me.depth = p.depth + 1; } else if (!root) root = me;
  }
  let next = 0, maxDepth = 0;
  (function place(t) {
    maxDepth = Math.max(maxDepth, t.depth);
    if (!t.kids.length) { t.x = next++; return; }
    t.kids.forEach(place);
    t.x = (t.kids[0].x + t.kids[t.kids.length - 1].x) / 2;
  })(root);
  return { items: [...byId.values()].filter((t) => t === root || t.n.parent && byId.get(t.n.parent)),
           width: next, depth: maxDepth + 1, byId };
}

function drawTree(tree, focus) {
  const L = layout(tree.nodes);
  const W = Math.max(1, L.width) * (BW + GX) + GX, H = L.depth * (BH + GY) + GY;
  const svg = svgEl("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, id: "tree-svg",
                             role: "img", "aria-label": "causal tree of message " + focus });
  const pos = (t) => [GX + t.x * (BW + GX), GY / 2 + t.depth * (BH + GY)];
  for (const t of L.items) {
    const p = t.n.parent && L.byId.get(t.n.parent);
    if (!p) continue;
    const [x1, y1] = pos(p), [x2, y2] = pos(t);
    const ax = x1 + BW / 2, ay = y1 + BH, bx = x2 + BW / 2, by = y2, my = (ay + by) / 2;
    svg.appendChild(svgEl("path", { class: "edge" + (t.n.kind === "reply" ? " reply" : ""),
      d: `M${ax},${ay} C${ax},${my} ${bx},${my} ${bx},${by}` }));
    if (t.n.height !== p.n.height) // across blocks: say which
      svg.appendChild(svgEl("text", { class: "lbl", x: (ax + bx) / 2 + 4, y: my - 2 }, "block " + t.n.height));
  }
  for (const t of L.items) {
    const n = t.n, [x, y] = pos(t);
    const cls = ["node", n.kind, n.toUser ? "user" : "", n.outcome === "failed" ? "failed" : "",
                 n.replyCode && n.replyCode.slice(2, 4) === "01" ? "failed" : "",
                 n.id === focus ? "focus" : ""].filter(Boolean).join(" ");
    const g = svgEl("g", { class: cls, "data-id": n.id, transform: `translate(${x},${y})` });
    g.appendChild(svgEl("title", {}, n.id));
    g.appendChild(svgEl("rect", { width: BW, height: BH }));
    const title = (n.kind === "reply" ? "↩ reply " : n.fromUser ? "✉ from user " : "✉ message ") + short(n.id);
    const to = "→ " + (n.toUser ? "user " : (known.get(n.destination) || "program") + " ") + short(n.destination);
    let res;
    if (n.runs) res = n.outcome + (n.runs > 1 ? " ×" + n.runs : "") + (n.waited ? " (waited)" : "") + " · " + num(n.gasBurned) + " gas";
    else if (n.replyCodeText) res = n.replyCodeText;
    else res = n.toUser ? "to mailbox" : "not run yet";
    if (n.kind === "reply" && n.runs && n.replyCodeText) res += " · " + n.replyCodeText;
    const lines = [[title, "t"], [to, ""], [res, ""], ["block " + n.height + "  " + payloadPlain(n.payload), ""]];
    lines.forEach(([s, c], i) => g.appendChild(svgEl("text", { x: 8, y: 16 + i * 15, class: c }, s)));
    g.addEventListener("click", () => { location.hash = "#/message/" + n.id; });
    svg.appendChild(g);
  }
  return svg;
}

// #/message/ID/trace opens the page with the trace run (a link to share);
// the button goes there
async function message(id, traced) {
  const tree = await rpc("gearbox_messageTree", [id, 300]);
  if (!tree.found)
    return `<h2>Message <small class="mono">${esc(id)}</small></h2>
      <p class="muted">Not in the blocks this node remembers (block ${tree.oldest} and later).</p>`;
  const me = tree.nodes.find((n) => n.id === id) || tree.nodes[0];
  const kv = `<dl class="kv" id="message-info"><dt>id</dt><dd class="mono">${esc(me.id)}</dd>
    <dt>kind</dt><dd>${esc(me.kind)}${me.fromUser ? " from a user" : ""}${me.toUser ? " to a user" : ""}</dd>
    <dt>from</dt><dd>${idLink(me.source)}</dd><dt>to</dt><dd>${idLink(me.destination)}</dd>
    <dt>block</dt><dd>${me.height}${me.lastHeight !== me.height ? " to " + me.lastHeight : ""}</dd>
    <dt>runs</dt><dd>${me.runs} ${me.runs ? outcome(me.outcome) : ""}${me.waited ? " · waited" : ""}${me.woken ? " · woken" : ""}</dd>
    <dt>gas burned</dt><dd>${num(me.gasBurned)}</dd><dt>value</dt><dd>${esc(me.value)}</dd>
    ${me.replyTo ? `<dt>reply to</dt><dd>${idLink(me.replyTo, "message")}</dd>` : ""}
    ${me.replyCodeText ? `<dt>reply code</dt><dd>${esc(me.replyCode)} · ${esc(me.replyCodeText)}</dd>` : ""}
    <dt>payload</dt><dd>${me.payload !== undefined ? payloadText(me.payload, me.payloadLen) : "<span class='muted'>not recorded (sent by a program)</span>"}</dd></dl>`;
  const replies = tree.nodes.filter((n) => n.kind === "reply" && n.toUser);
  const rep = replies.length ? `<h2>Replies to users</h2><table id="replies"><tr><th>reply</th><th>to</th><th>code</th><th>payload</th></tr>${
    replies.map((r) => `<tr><td>${idLink(r.id, "message")}</td><td>${idLink(r.destination)}</td><td>${esc(r.replyCodeText || "")}</td>
    <td>${payloadText(r.payload, r.payloadLen)}</td></tr>`).join("")}</table>` : "";
  setTimeout(() => {
    const box = $("#tree");
    if (box) box.appendChild(drawTree(tree, id));
    const b = $("#trace-run");
    if (b) b.addEventListener("click", () => {
      if (traced) traceInto(id); else location.hash = "#/message/" + id + "/trace";
    });
    if (traced) traceInto(id);
  });
  return `<h2>Message <small class="mono">${esc(id)}</small></h2>${kv}
    <h2>Causal tree <small>(${tree.nodes.length} message${tree.nodes.length === 1 ? "" : "s"}${tree.truncated ? ", cut" : ""}; which message's run sent which)</small></h2>
    <div class="legend">solid: sent by the run above · dashed green: a reply · red border: failed · click a message to open it</div>
    <div class="tree" id="tree"></div>${rep}
    <h2>Trace <small>(the message re-run from its block's stored state: syscalls, gas per function, per page)</small></h2>
    <p><button id="trace-run">trace this message</button></p><div id="trace"></div>
    <h2>All messages of the tree</h2><table id="tree-table"><tr><th>message</th><th>block</th><th>from</th><th>to</th><th>kind</th><th>result</th><th>gas</th><th>payload</th></tr>${messageRows(tree.nodes)}</table>`;
}

// ---- a message's trace (gearbox_traceMessage: gear/trace.h) -------------------

async function traceInto(id) {
  const box = $("#trace");
  box.innerHTML = "<p class='muted'>replaying the chain…</p>";
  try {
    const t = await rpc("gearbox_traceMessage", { messageId: id, svg: true });
    // the flame graph is our own SVG (gear/trace.c), made from escaped
    // names; inline in HTML, without its XML declaration
    box.innerHTML = `<p id="trace-sum">${num(t.gasBurned)} gas burned in ${t.runs} run${t.runs === 1 ? "" : "s"},
      blocks ${t.firstBlock}${t.lastBlock !== t.firstBlock ? " to " + t.lastBlock : ""} (replayed ${t.replayedBlocks} blocks)</p>
      <div class="flame" id="trace-flame">${t.svg.replace(/^<\?xml[^>]*>\s*/, "")}</div><pre class="trace" id="trace-text">${esc(t.text)}</pre>`;
  } catch (e) {
    box.innerHTML = `<p class="bad">${esc(e.message)}</p>`;
  }
}

// ---- routing and live updates ------------------------------------------------------

async function render() {
  const h = location.hash.replace(/^#\/?/, "").split("/");
  let page;
  try {
    await statsBar();
    for (const p of await rpc("gearbox_programs", [null, 200])) known.set(p.programId, "program");
    if (h[0] === "program" && h[1]) page = await program(h[1]);
    else if (h[0] === "message" && h[1]) page = await message(h[1], h[2] === "trace");
    else if (h[0] === "codes") page = await codes();
    else if (h[0] === "mailbox") page = await mailbox(h[1]);
    else if (h[0] === "waitlist") page = await waitlist();
    else page = await home();
  } catch (e) {
    page = `<p class="bad">${esc(e.message)}</p>`;
  }
  $("#view").innerHTML = page;
  document.body.dataset.rendered = String(Date.now());
}

let pending = null;
function soon() { // at most one redraw in flight, a few per second
  if (pending) return;
  pending = setTimeout(async () => { await render(); pending = null; }, 250);
}

function live() {
  let ws;
  try { ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/"); }
  catch (e) { return; }
  ws.onopen = () => {
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "gearbox_subscribeNewHeads", params: [] }));
    $("#live").className = "live on";
    $("#live").textContent = "live";
  };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.method !== "gearbox_newHead") return;
    const r = m.params.result, el = $("#stat-height b");
    if (el) el.textContent = num(r.height);
    // pages that show recent blocks change with every block; others when
    // something happened in it
    // (a trace re-runs the chain: not redone for every block)
    const h = location.hash.replace(/^#\/?/, "").split("/");
    if (h[2] === "trace") return;
    if (r.events > 0 || h[0] === "" || h[0] === "message") soon();
  };
  ws.onclose = () => {
    $("#live").className = "live off";
    $("#live").textContent = "offline";
    setTimeout(live, 2000);
  };
}

$("#search").addEventListener("submit", async (e) => {
  e.preventDefault();
  const q = $("#q").value.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(q)) return;
  let isProgram = false;
  try { await rpc("gear_programInfo", [q]); isProgram = true; } catch (err) { /* not one */ }
  if (isProgram) { location.hash = "#/program/" + q; return; }
  const t = await rpc("gearbox_messageTree", [q, 1]);
  location.hash = (t.found ? "#/message/" : "#/program/") + q;
});

window.addEventListener("hashchange", render);
render();
live();
