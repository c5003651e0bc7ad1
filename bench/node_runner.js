// node_runner.js FILE.wasm — instantiate a benchmark module in V8 with no
// imports, call run() once, timing only the call, and print
//     ms=<wall ms> cpu_ms=<CPU ms> result=<checksum as unsigned 32-bit>
// (CPU time is the whole process's user + system time over the call).
// (the same line as native_main.c and bench_wasm.c print).
'use strict';
const fs = require('fs');

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node node_runner.js FILE.wasm');
    process.exit(2);
  }
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(file), {});
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = instance.exports.run();
  const t1 = process.hrtime.bigint();
  const c = process.cpuUsage(c0);
  const ms = (Number(t1 - t0) / 1e6).toFixed(3);
  const cpu = ((c.user + c.system) / 1e3).toFixed(3);
  console.log(`ms=${ms} cpu_ms=${cpu} result=${r >>> 0}`);
}

main().catch((e) => {
  console.error(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
