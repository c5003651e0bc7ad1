// An unmodified @gear-js/api (0.44.2, package.json) against a running
// `gearbox node --dev` (usage: node gear.mjs 127.0.0.1:PORT PING_WASM):
// connect, read //Alice's balance, estimate gas, upload ping.wasm signed
// by //Alice (sr25519), wait for its init, send it "PING" and get the
// reply (Gear.UserMessageSent with payload "PONG", details.to = the
// message), an upload of bad code failing in its block (ExtrinsicFailed),
// then a Balances transfer to //Bob (issue #14, step 6).
// Exits 0 when every check passed, 1 otherwise.
import { readFileSync } from 'node:fs';
import { GearApi, GearKeyring } from '@gear-js/api';
import { u8aToHex } from '@polkadot/util';

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

// sign and send; resolves at inBlock with the extrinsic's own events
function send(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events }) => {
      if (status.isInBlock || status.isFinalized) {
        const bad = events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
        if (bad) reject(new Error(`ExtrinsicFailed ${bad.event.data.toString()}`));
        else resolve({ events });
      }
    }).catch(reject);
  });
}

async function main() {
  const api = await withTimeout(GearApi.create({ providerAddress: `ws://${addr}` }),
    30000, 'GearApi.create');
  check('chain', (await api.chain()) === 'Development');
  const keyring = await GearKeyring.fromSuri('//Alice');
  const bob = await GearKeyring.fromSuri('//Bob');
  const alice = u8aToHex(keyring.publicKey);

  // balance
  const bal = await api.balance.findOut(keyring.address);
  check('alice balance > 0', bal.toBigInt() > 0n, bal.toString());

  // blocks: the header's client-side hash is the node's
  const head = await api.rpc.chain.getHeader();
  const hash = await api.rpc.chain.getBlockHash(head.number.toNumber());
  check('header hash', head.hash.toHex() === hash.toHex(), `${head.hash.toHex()} ${hash.toHex()}`);

  // gas for the upload
  const code = readFileSync(wasmPath);
  const gas = await api.program.calculateGas.initUpload(alice, code, '0x', 0, true);
  check('gas min_limit', gas.min_limit.toBigInt() > 0n, gas.toString());

  // upload, then its init through the events
  const { programId, extrinsic } = api.program.upload({
    code, gasLimit: gas.min_limit.toBigInt() * 2n + 1000000000n, initPayload: '0x',
  });
  const active = new Promise((resolve) => {
    const unsub = api.gearEvents.subscribeToGearEvent('ProgramChanged', ({ data: { id, change } }) => {
      if (id.toHex() === programId && change.isActive) { resolve(true); unsub.then((u) => u()); }
    });
  });
  const up = await withTimeout(send(api, extrinsic, keyring), 30000, 'upload');
  check('upload MessageQueued', up.events.some(({ event }) => event.method === 'MessageQueued'));
  check('program active', await withTimeout(active, 30000, 'ProgramChanged Active'));
  check('program exists', await api.program.exists(programId));
  const { codeId } = await api.program.codeHash(programId).then((h) => ({ codeId: h }),
    () => ({ codeId: null }));
  check('code exists', codeId !== null && await api.code.exists(codeId), String(codeId));

  // PING -> PONG
  const hg = await api.program.calculateGas.handle(alice, programId, '0x50494e47', 0, true);
  const msgTx = api.message.send({
    destination: programId, payload: '0x50494e47',
    gasLimit: hg.min_limit.toBigInt() * 2n + 1000000000n, value: 0,
  });
  let msgId = null;
  const replies = [];
  const unsubReply = await api.gearEvents.subscribeToGearEvent('UserMessageSent', ({ data: { message } }) => {
    replies.push(message);
  });
  const sent = await withTimeout(send(api, msgTx, keyring), 30000, 'send');
  const q = sent.events.find(({ event }) => event.method === 'MessageQueued');
  check('send MessageQueued', !!q);
  if (q) msgId = q.event.data.id.toHex();
  for (let i = 0; i < 100; i++) {
    if (replies.some((m) => m.details.isSome && m.details.unwrap().to.toHex() === msgId)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  unsubReply();
  const reply = replies.find((m) => m.details.isSome && m.details.unwrap().to.toHex() === msgId);
  check('reply event', !!reply, JSON.stringify(replies.map((m) => m.toHuman())));
  if (reply) {
    check('reply payload PONG', reply.payload.toHex() === '0x504f4e47', reply.payload.toHex());
    check('reply source', reply.source.toHex() === programId);
    check('reply code success', reply.details.unwrap().code.isSuccess);
  }

  // the mailbox (state_getKeysPaged over GearMessenger.Mailbox ‖ user)
  const mail = await api.mailbox.read(keyring.address);
  check('mailbox read', Array.isArray(mail), JSON.stringify(mail));

  // an upload Gear cannot take: ExtrinsicFailed Module{Gear 104, [9,0,0,0]}
  const bad = api.program.upload({ code: '0x123456', gasLimit: 1000000000n, initPayload: '0x' });
  let failedWith = '';
  try {
    await withTimeout(send(api, bad.extrinsic, keyring), 30000, 'bad upload');
  } catch (e) { failedWith = e.message; }
  check('bad upload: ExtrinsicFailed', failedWith.includes('ExtrinsicFailed') &&
    failedWith.includes('104') && failedWith.includes('0x09000000'), failedWith);

  // transfer to //Bob
  const before = (await api.balance.findOut(bob.address)).toBigInt();
  const amount = 10n ** 12n;
  const tr = await withTimeout(send(api, api.balance.transfer(bob.address, amount), keyring),
    30000, 'transfer');
  check('Transfer event', tr.events.some(({ event }) => api.events.balances.Transfer.is(event)));
  const after = (await api.balance.findOut(bob.address)).toBigInt();
  check('bob received', after - before === amount, `${before} -> ${after}`);

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
