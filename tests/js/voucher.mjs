// Vouchers (Vara's GearVoucher) from an unmodified @gear-js/api (0.44.2)
// against a running `gearbox node --dev` (usage: node voucher.mjs
// 127.0.0.1:PORT PING_WASM): //Alice uploads ping.wasm and issues a
// voucher (api.voucher.issue, VoucherIssued with the id gear-js
// predicted) to an account with no balance at all, which reads it back
// (exists, getAllForAccount, getDetails, getAllIssuedByAccount) and sends
// PING through api.voucher.call(id, {SendMessage}) — the message runs
// (PONG), the user still has nothing, the voucher's account paid — then
// update (top-up, prolong: VoucherUpdated), decline through a prepaid
// call (VoucherDeclined) and revoke (VoucherRevoked, the balance back).
// Exits 0 when every check passed, 1 otherwise.
import { readFileSync } from 'node:fs';
import { GearApi, GearKeyring, decodeAddress } from '@gear-js/api';
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

// sign and send; resolves at inBlock with the extrinsic's own events and
// the block's hash
function send(api, tx, signer) {
  return withTimeout(new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events }) => {
      if (status.isInBlock) {
        const bad = events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
        if (bad) reject(new Error(`ExtrinsicFailed ${bad.event.data.toString()}`));
        else resolve({ events, block: status.asInBlock.toHex() });
      }
    }).catch(reject);
  }), 30000, 'send');
}
const find = (r, method) => r.events.find(({ event }) => event.method === method)?.event;

async function main() {
  const api = await withTimeout(GearApi.create({ providerAddress: `ws://${addr}` }),
    30000, 'GearApi.create');
  const alice = await GearKeyring.fromSuri('//Alice');
  const user = await GearKeyring.fromSuri('//VoucherUser'); // never funded
  const aliceHex = u8aToHex(alice.publicKey);
  const userHex = u8aToHex(user.publicKey);
  check('user has nothing', (await api.balance.findOut(user.address)).toBigInt() === 0n);
  check('constants', api.voucher.minDuration === 20 && api.voucher.maxDuration === 2419200 &&
    api.voucher.maxProgramsAmount === 32,
  `${api.voucher.minDuration} ${api.voucher.maxDuration} ${api.voucher.maxProgramsAmount}`);

  // the program
  const code = readFileSync(wasmPath);
  const { programId, extrinsic } = api.program.upload({ code, gasLimit: 10_000_000_000n, initPayload: '0x' });
  const active = new Promise((resolve) => {
    const unsub = api.gearEvents.subscribeToGearEvent('ProgramChanged', ({ data: { id, change } }) => {
      if (id.toHex() === programId && change.isActive) { resolve(true); unsub.then((u) => u()); }
    });
  });
  await send(api, extrinsic, alice);
  check('program active', await withTimeout(active, 30000, 'ProgramChanged Active'));

  // issue: 100 VARA, for this program, code uploading allowed
  const amount = 100n * 10n ** 12n;
  const duration = api.voucher.minDuration;
  const { extrinsic: issueTx, voucherId } = await api.voucher.issue(userHex, amount, duration, [programId], true);
  const issued = await send(api, issueTx, alice);
  const ev = find(issued, 'VoucherIssued');
  check('VoucherIssued', !!ev);
  if (ev) {
    check('VoucherIssued: the id gear-js predicted', ev.data.voucherId.toHex() === voucherId,
      `${ev.data.voucherId.toHex()} ${voucherId}`);
    check('VoucherIssued: spender', ev.data.spender.toHex() === userHex);
    check('VoucherIssued: owner', ev.data.owner.toHex() === aliceHex);
    check('VoucherIssued: 3 fields', Object.keys(ev.data.toJSON()).length === 3);
  }
  const expiry = (await api.blocks.getBlockNumber(issued.block)).toNumber() + duration + 1;
  check('voucher balance', (await api.balance.findOut(voucherId)).toBigInt() === amount);

  // reading it
  check('exists', await api.voucher.exists(user.address, programId));
  const all = await api.voucher.getAllForAccount(user.address);
  check('getAllForAccount: one', Object.keys(all).length === 1, JSON.stringify(all));
  const d = all[voucherId];
  check('getAllForAccount: details', d && d.owner === decodeAddress(alice.address) &&
    d.programs?.length === 1 && d.programs[0] === programId && d.expiry === expiry &&
    d.codeUploading === true, `${JSON.stringify(d)} expiry ${expiry}`);
  const det = await api.voucher.getDetails(user.address, voucherId);
  check('getDetails', det && det.expiry === expiry && det.programs?.[0] === programId, JSON.stringify(det));
  const byAlice = await api.voucher.getAllIssuedByAccount(alice.address);
  check('getAllIssuedByAccount', byAlice.length === 1 && byAlice[0] === voucherId, JSON.stringify(byAlice));
  const q = await api.query.gearVoucher.vouchers(userHex, voucherId);
  check('query.gearVoucher.vouchers', q.isSome && q.unwrap().owner.toHex() === aliceHex);

  // PING through the voucher, from an account with nothing
  const replies = [];
  const unsub = await api.gearEvents.subscribeToGearEvent('UserMessageSent', ({ data: { message } }) => {
    replies.push(message);
  });
  const msgTx = api.message.send({
    destination: programId, payload: '0x50494e47', gasLimit: 5_000_000_000n, value: 0, account: userHex,
  });
  const called = await send(api, api.voucher.call(voucherId, { SendMessage: msgTx }), user);
  const queued = find(called, 'MessageQueued');
  check('call: MessageQueued', !!queued);
  check('call: the user is the source', queued && queued.data.source.toHex() === userHex);
  const mid = queued && queued.data.id.toHex();
  for (let i = 0; i < 100 && !replies.some((m) => m.details.isSome && m.details.unwrap().to.toHex() === mid); i++)
    await new Promise((r) => setTimeout(r, 100));
  unsub();
  const reply = replies.find((m) => m.details.isSome && m.details.unwrap().to.toHex() === mid);
  check('call: PONG', reply && reply.payload.toHex() === '0x504f4e47' &&
    reply.destination.toHex() === userHex);
  check('call: the user still has nothing', (await api.balance.findOut(user.address)).toBigInt() === 0n);
  const left = (await api.balance.findOut(voucherId)).toBigInt();
  check('call: the voucher paid fee and gas', left < amount && left > amount - 5_000_000_000n * 100n - 10n ** 12n,
    `${left}`);

  // a program the voucher does not list: refused
  let refused = '';
  try {
    await send(api, api.voucher.call(voucherId, { SendMessage: api.message.send({
      destination: '0x' + '42'.repeat(32), payload: '0x', gasLimit: 1_000_000_000n, value: 0,
    }) }), user);
  } catch (e) { refused = e.message; }
  check('call: other program refused', refused.includes('InappropriateDestination'), refused);

  // update: top up, prolong
  const upd = await send(api, api.voucher.update(user.address, voucherId,
    { balanceTopUp: 10n ** 12n, prolongDuration: 10 }), alice);
  const uev = find(upd, 'VoucherUpdated');
  check('VoucherUpdated', uev && uev.data.voucherId.toHex() === voucherId && uev.data.newOwner.isNone);
  check('update: topped up', (await api.balance.findOut(voucherId)).toBigInt() === left + 10n ** 12n);
  check('update: prolonged', (await api.voucher.getDetails(user.address, voucherId)).expiry === expiry + 10);

  // decline, paid by the voucher; then revoke
  const dec = await send(api, api.voucher.call(voucherId, { DeclineVoucher: null }), user);
  const dev = find(dec, 'VoucherDeclined');
  check('VoucherDeclined', dev && dev.data.voucherId.toHex() === voucherId &&
    dev.data.spender.toHex() === userHex && Object.keys(dev.data.toJSON()).length === 2);
  const before = (await api.balance.findOut(alice.address)).toBigInt();
  const rest = (await api.balance.findOut(voucherId)).toBigInt();
  const rev = await send(api, api.voucher.revoke(user.address, voucherId), alice);
  check('VoucherRevoked', !!find(rev, 'VoucherRevoked'));
  check('revoke: voucher emptied', (await api.balance.findOut(voucherId)).toBigInt() === 0n);
  const after = (await api.balance.findOut(alice.address)).toBigInt();
  check('revoke: balance back to the owner (less the fee)', after > before && after <= before + rest,
    `${before} + ${rest} -> ${after}`);

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
