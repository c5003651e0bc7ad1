// The dev node's controls from an unmodified @gear-js/api (issue #21;
// usage: node devnode.mjs 127.0.0.1:PORT TIMER_WASM): manual mining with
// dev_mine, snapshot and revert, time travel, and a delayed message
// (examples/timer: "start N" sends itself a tick N blocks later, "get"
// replies the ticks counted, in decimal) delivered once enough blocks are
// mined; then an impersonated account, with no key, sending a message
// with a fake signature (polkadot.js's signFake).
// Exits 0 when every check passed, 1 otherwise.
import { readFileSync } from 'node:fs';
import { GearApi, GearKeyring } from '@gear-js/api';
import { stringToHex, hexToString } from '@polkadot/util';
import { encodeAddress } from '@polkadot/util-crypto';

const [addr, wasmPath] = process.argv.slice(2);
let failed = 0, passed = 0;
function check(name, ok, detail = '') {
  if (ok) { passed++; return; }
  failed++;
  console.log(`FAIL ${name} ${detail}`);
}
function withTimeout(p, ms, what) {
  return Promise.race([p, new Promise((_, rej) =>
    setTimeout(() => rej(new Error(`timeout: ${what}`)), ms))]);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let api;
const dev = (method, params = []) => api.provider.send(method, params);
const mine = (n = 1) => dev('dev_mine', [n]);
const height = async () => (await api.rpc.chain.getHeader()).number.toNumber();

// Submit (signed, or already signed when signer is null) and mine one
// block once the node has it; resolves with the extrinsic's events.
function sendMined(tx, signer) {
  return new Promise((resolve, reject) => {
    let mined = false;
    const cb = ({ status, events }) => {
      if (status.isReady && !mined) {
        mined = true;
        mine(1).catch(reject);
      }
      if (status.isInBlock) {
        const bad = events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
        if (bad) reject(new Error(`ExtrinsicFailed ${bad.event.data.toString()}`));
        else resolve(events);
      }
    };
    (signer ? tx.signAndSend(signer, cb) : tx.send(cb)).catch(reject);
  });
}

// Send text to the program and wait for its reply's payload (text).
async function ask(program, text, signer, gasLimit) {
  const replies = [];
  const unsub = await api.gearEvents.subscribeToGearEvent('UserMessageSent',
    ({ data: { message } }) => replies.push(message));
  const tx = api.message.send({ destination: program, payload: stringToHex(text), gasLimit, value: 0 });
  const events = await withTimeout(sendMined(tx, signer), 30000, `send ${text}`);
  const q = events.find(({ event }) => event.method === 'MessageQueued');
  const id = q ? q.event.data.id.toHex() : null;
  let reply;
  for (let i = 0; i < 50 && !reply; i++) {
    reply = replies.find((m) => m.details.isSome && m.details.unwrap().to.toHex() === id);
    if (!reply) await sleep(100);
  }
  unsub();
  return reply ? hexToString(reply.payload.toHex()) : null;
}

async function main() {
  api = await withTimeout(GearApi.create({ providerAddress: `ws://${addr}` }), 30000, 'GearApi.create');
  const alice = await GearKeyring.fromSuri('//Alice');

  // manual mining: no block comes by itself, dev_mine makes exactly N
  const mode = await dev('dev_setMining', ['manual']);
  check('manual mode', mode.mode === 'manual', JSON.stringify(mode));
  const h0 = await height();
  await sleep(1500);
  check('no block in manual mode', (await height()) === h0);
  const mined = await mine(3);
  check('dev_mine 3', mined.head === h0 + 3 && mined.blocks.length === 3, JSON.stringify(mined));
  const h3 = await api.rpc.chain.getBlockHash(h0 + 3);
  check('dev_mine returns the Substrate hash', h3.toHex() === mined.blocks[2].substrateHash,
    `${h3.toHex()} ${mined.blocks[2].substrateHash}`);

  // the timer program, uploaded by //Alice in a mined block
  const code = readFileSync(wasmPath);
  const gasLimit = 20_000_000_000n;
  const { programId, extrinsic } = api.program.upload({ code, gasLimit, initPayload: '0x' });
  await withTimeout(sendMined(extrinsic, alice), 30000, 'upload');
  check('program exists', await api.program.exists(programId));
  check('no ticks yet', (await ask(programId, 'get', alice, gasLimit)) === '0');

  // snapshot; then a delayed message, and time travel
  const snap = await dev('dev_snapshot');
  const headSnap = await api.rpc.chain.getHeader();
  check('start 3', (await ask(programId, 'start 3', alice, gasLimit)) === 'ok');
  await mine(1);
  check('no tick after 2 blocks', (await ask(programId, 'get', alice, gasLimit)) === '0');
  await mine(2);
  check('the tick after the delay', (await ask(programId, 'get', alice, gasLimit)) === '1');

  const before = (await api.query.timestamp.now()).toBigInt();
  await dev('dev_advanceTime', [86_400_000]);
  await mine(1);
  const after = (await api.query.timestamp.now()).toBigInt();
  check('advanceTime: a day later', after - before >= 86_400_000n, `${before} -> ${after}`);

  // revert: the head, the state root and the program's state as at the
  // snapshot; subscribers of new heads hear of it
  const heads = [];
  const unsubHeads = await api.rpc.chain.subscribeNewHeads((h) => heads.push(h));
  await sleep(200);
  const rv = await dev('dev_revert', [snap]);
  check('revert height', rv.height === headSnap.number.toNumber(), JSON.stringify(rv));
  const headNow = await api.rpc.chain.getHeader();
  check('revert: head hash', headNow.hash.toHex() === headSnap.hash.toHex());
  check('revert: state root', headNow.stateRoot.toHex() === headSnap.stateRoot.toHex());
  for (let i = 0; i < 20 && !heads.some((h) => h.hash.toHex() === headSnap.hash.toHex()); i++)
    await sleep(100);
  check('subscriber told of the reverted head', heads.some((h) => h.hash.toHex() === headSnap.hash.toHex()),
    JSON.stringify(heads.map((h) => h.number.toNumber())));
  unsubHeads();
  check('ticks back to 0', (await ask(programId, 'get', alice, gasLimit)) === '0');

  // an account nobody holds the key of, impersonated: a fake signature
  const who = encodeAddress(new Uint8Array(32).fill(0x77), 42); // no key
  const set = await dev('dev_setBalance', [who, '1000000000000000']);
  check('setBalance audit', set.auditHolds === true, JSON.stringify(set));
  const fake = () => {
    const tx = api.message.send({ destination: programId, payload: stringToHex('get'), gasLimit, value: 0 });
    return api.rpc.system.accountNextIndex(who).then((nonce) => tx.signFake(who, {
      nonce, blockHash: api.genesisHash, genesisHash: api.genesisHash,
      runtimeVersion: api.runtimeVersion,
    }));
  };
  let refused = '';
  try {
    await api.rpc.author.submitExtrinsic(await fake());
  } catch (e) { refused = e.message; }
  check('fake signature refused before impersonation', refused.includes('bad signature'), refused);
  await dev('dev_impersonate', [who]);
  const events = await withTimeout(sendMined(await fake(), null), 30000, 'impersonated send');
  check('impersonated send queued', events.some(({ event }) => event.method === 'MessageQueued'));
  const acct = (await api.query.system.account(who)).data.free.toBigInt();
  check('the impersonated account paid', acct < 1000000000000000n, String(acct));
  await dev('dev_stopImpersonating', [who]);

  await dev('dev_setMining', ['auto']);
  await api.disconnect();
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`FAIL ${e.stack || e}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
