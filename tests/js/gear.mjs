// An unmodified @gear-js/api (0.44.2, package.json) against a running
// `gearbox node --dev` (usage: node gear.mjs 127.0.0.1:PORT PING_WASM):
// connect, read //Alice's balance, estimate gas, upload ping.wasm signed
// by //Alice (sr25519), wait for its init, send it "PING" and get the
// reply (Gear.UserMessageSent with payload "PONG", details.to = the
// message), an upload of bad code failing in its block (ExtrinsicFailed),
// Utility.batch / batch_all of sends (a batch_all with a bad call refused
// whole, a batch interrupted at it), then a Balances transfer to //Bob
// whose fee paymentInfo tells beforehand (issue #14, step 6).
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

  // Utility.batch / batch_all of sends (gear-js's sendBatchMessages uses
  // batch_all and waits for ItemCompleted)
  const ping = (dest = programId) => api.message.send({
    destination: dest, payload: '0x50494e47',
    gasLimit: hg.min_limit.toBigInt() * 2n + 1000000000n, value: 0,
  });
  const methods = (r) => r.events.map(({ event }) => `${event.section}.${event.method}`);
  const count = (r, m) => methods(r).filter((x) => x === m).length;
  const ba = await withTimeout(send(api, api.tx.utility.batchAll([ping(), ping()]), keyring),
    30000, 'batch_all');
  check('batch_all: 2 MessageQueued', count(ba, 'gear.MessageQueued') === 2, methods(ba).join());
  check('batch_all: 2 ItemCompleted', count(ba, 'utility.ItemCompleted') === 2, methods(ba).join());
  check('batch_all: BatchCompleted', count(ba, 'utility.BatchCompleted') === 1, methods(ba).join());
  const queued = ba.events.filter(({ event }) => event.method === 'MessageQueued')
    .map(({ event }) => event.data.id.toHex());
  const pongs = [];
  const unsubPong = await api.gearEvents.subscribeToGearEvent('UserMessageSent', ({ data: { message } }) => {
    if (message.details.isSome) pongs.push(message.details.unwrap().to.toHex());
  });
  for (let i = 0; i < 50 && !queued.every((id) => pongs.includes(id)); i++) await new Promise((r) => setTimeout(r, 100));
  unsubPong();
  check('batch_all: both answered', queued.length === 2 && queued.every((id) => pongs.includes(id)));
  const nobody = '0x' + '42'.repeat(32);
  let refused = '';
  try {
    await withTimeout(send(api, api.tx.utility.batchAll([ping(), ping(nobody)]), keyring), 30000, 'bad batch_all');
  } catch (e) { refused = e.message; }
  check('batch_all with a bad call: refused whole (1010)', refused.includes('1010') &&
    refused.includes('unknown program'), refused);
  const bt = await withTimeout(send(api, api.tx.utility.batch([ping(), ping(nobody), ping()]), keyring),
    30000, 'batch');
  check('batch: stops at the bad call', count(bt, 'gear.MessageQueued') === 1 &&
    count(bt, 'utility.ItemCompleted') === 1, methods(bt).join());
  const intr = bt.events.find(({ event }) => event.method === 'BatchInterrupted');
  check('batch: BatchInterrupted at 1', intr && intr.event.data.index.toNumber() === 1 &&
    intr.event.data.error.isModule, intr ? JSON.stringify(intr.event.data.toJSON()) : methods(bt).join());

  // transfer to //Bob
  const before = (await api.balance.findOut(bob.address)).toBigInt();
  const amount = 10n ** 12n;
  const trTx = api.balance.transfer(bob.address, amount);
  // its fee, asked first (TransactionPaymentApi_query_info)
  const info = await trTx.paymentInfo(keyring);
  const fee = info.partialFee.toBigInt();
  check('paymentInfo: a fee', fee > 0n, info.toString());
  const aliceBefore = (await api.balance.findOut(keyring.address)).toBigInt();
  const tr = await withTimeout(send(api, trTx, keyring), 30000, 'transfer');
  check('Transfer event', tr.events.some(({ event }) => api.events.balances.Transfer.is(event)));
  const after = (await api.balance.findOut(bob.address)).toBigInt();
  check('bob received', after - before === amount, `${before} -> ${after}`);
  const aliceAfter = (await api.balance.findOut(keyring.address)).toBigInt();
  check('alice paid amount + the fee paymentInfo said', aliceBefore - aliceAfter === amount + fee,
    `${aliceBefore} -> ${aliceAfter}, fee ${fee}`);

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
