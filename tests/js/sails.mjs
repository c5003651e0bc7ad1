// An unmodified sails-js (0.5.1, with sails-js-parser, package.json) and
// @gear-js/api against a running `gearbox node --dev` (usage: node
// sails.mjs 127.0.0.1:PORT SAILS_COUNTER_WASM), with the C
// program examples/sails_js, which speaks Sails' encoding:
//   - the constructor New() uploaded through sails-js signed by //Alice,
//     its reply read back (response());
//   - a query (Counter.Value: gear_calculateReplyForHandle) before and
//     after a command (Counter.Add: signed send, reply decoded);
//   - a second program from the code id (sails-js fromCodeId:
//     create_program), with a count of its own;
//   - gear_readState / gear_readStateBatch of its state export,
//     gear_readMetahash of an unknown program;
//   - a failing call's reply code through api.message.calculateReply;
//   - the waitlist: Counter.Hold waits (Gear.MessageWaited, an entry in
//     GearMessenger.Waitlist read with api.waitlist.read), Counter.Release
//     wakes it (Gear.MessageWoken) and Hold's reply comes;
//   - the mailbox: Counter.Notify sends //Alice a message with value
//     (api.mailbox.read), claimed (gear.claim_value: UserMessageRead
//     MessageClaimed, the balance grows, the mailbox empty), and a second
//     one replied to (send_reply: UserMessageRead MessageReplied);
//   - the key lists: api.program.allUploadedPrograms and api.code.all
//     (state_getKeysPaged), GearProgram.OriginalCodeStorage (the code
//     bytes back), GearProgram.MemoryPages (api.programStorage
//     .getProgramPages), api.program.codeHash;
// Exits 0 when every check passed, 1 otherwise.
import { readFileSync } from 'node:fs';
import { GearApi, GearKeyring, generateCodeHash } from '@gear-js/api';
import { Sails } from 'sails-js';
import { SailsIdlParser } from 'sails-js-parser';
import { u8aToHex, stringToU8a, compactAddLength, u8aConcat } from '@polkadot/util';

const IDL = `
constructor {
  New : ();
};
service Counter {
  Add : (value: u32) -> u32;
  Hold : () -> u32;
  Release : () -> bool;
  Notify : () -> u32;
  Snooze : (blocks: u32) -> u32;
  query Value : () -> u32;
};
`;

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
const str = (s) => compactAddLength(stringToU8a(s));

async function main() {
  const api = await withTimeout(GearApi.create({ providerAddress: `ws://${addr}` }),
    30000, 'GearApi.create');
  const alice = await GearKeyring.fromSuri('//Alice');
  const parser = await SailsIdlParser.new();
  const sails = new Sails(parser);
  sails.parseIdl(IDL);
  sails.setApi(api);
  check('idl: Counter service', !!sails.services.Counter &&
    Object.keys(sails.services.Counter.queries).includes('Value'));

  // every Gear event the test sees, for the waitlist checks
  const gearEvents = [];
  const unsubEvents = await api.query.system.events((records) => {
    for (const { event } of records) if (event.section === 'gear') gearEvents.push(event);
  });

  // upload through the constructor
  const code = readFileSync(wasmPath);
  const ctor = sails.ctors.New.fromCode(code).withAccount(alice);
  await ctor.calculateGas(false, 10);
  check('ctor gas estimated', ctor.gasInfo.min_limit.toBigInt() > 0n, String(ctor.gasInfo));
  // sails-js 0.5.1's calculateGas sets no gas limit on uploadProgram
  // (no argument position for it): give it as the estimate says
  ctor.withGas(ctor.gasInfo.min_limit.toBigInt() * 2n);
  const up = await withTimeout(ctor.signAndSend(), 30000, 'ctor signAndSend');
  const programId = sails.programId;
  check('ctor program id', /^0x[0-9a-f]{64}$/.test(programId || ''), programId);
  const ctorReply = await withTimeout(up.response(true), 30000, 'ctor response');
  check('ctor reply is the route', ctorReply === u8aToHex(str('New')), ctorReply);
  sails.setProgramId(programId);

  // query, command, query
  const Counter = sails.services.Counter;
  const v0 = await withTimeout(Counter.queries.Value().call(), 30000, 'query Value');
  check('query Value = 0', Number(v0) === 0, String(v0));
  const add = Counter.functions.Add(7).withAccount(alice);
  await add.calculateGas();
  check('Add gas estimated', add.gasInfo.min_limit.toBigInt() > 0n);
  const addFee = await add.transactionFee();
  check('Add transactionFee', typeof addFee === 'bigint' && addFee > 0n, String(addFee));
  const addRes = await withTimeout(add.signAndSend(), 30000, 'Add signAndSend');
  check('Add msgId', /^0x[0-9a-f]{64}$/.test(addRes.msgId || ''), String(addRes.msgId));
  const added = await withTimeout(addRes.response(), 30000, 'Add response');
  check('Add reply decoded = 7', Number(added) === 7, String(added));
  const v1 = await Counter.queries.Value().withAddress(alice.address).call();
  check('query Value = 7 after Add', Number(v1) === 7, String(v1));
  // a query changes nothing
  const v2 = await Counter.queries.Value().call();
  check('query again = 7', Number(v2) === 7, String(v2));

  // a second program from the code on chain (create_program,
  // gear_calculateGasForCreate), with its own state
  const codeIdOnChain = generateCodeHash(code);
  const sails2 = new Sails(parser);
  sails2.parseIdl(IDL);
  sails2.setApi(api);
  const ctor2 = sails2.ctors.New.fromCodeId(codeIdOnChain).withAccount(alice);
  await ctor2.calculateGas(false, 10);
  check('create gas estimated', ctor2.gasInfo.min_limit.toBigInt() > 0n);
  const up2 = await withTimeout(ctor2.signAndSend(), 30000, 'create signAndSend');
  check('create: init replied', (await withTimeout(up2.response(true), 30000, 'create response')) ===
    u8aToHex(str('New')));
  check('create: another program', sails2.programId !== programId && await api.program.exists(sails2.programId));
  sails2.setProgramId(sails2.programId);
  check('create: its own count', Number(await sails2.services.Counter.queries.Value().call()) === 0);

  // the program's state export: gear_readState, gear_readStateBatch
  const st = await api.rpc.gear.readState(programId, '0x', null);
  check('gear_readState = 7', st.toHex() === '0x07000000', st.toHex());
  const sb = await api.rpc.gear.readStateBatch([[programId, '0x'], [programId, '0x']], null);
  check('gear_readStateBatch', sb.length === 2 && sb.every((b) => b.toHex() === '0x07000000'),
    JSON.stringify(sb.toJSON()));
  let mh = '';
  try { await api.rpc.gear.readMetahash('0x' + '11'.repeat(32), null); } catch (e) { mh = e.message; }
  check('gear_readMetahash unknown program', mh.includes('8000') && mh.includes('Program not found'), mh);

  // a failing call: an error reply code, Gear's shape
  const bad = await api.message.calculateReply({
    origin: u8aToHex(alice.publicKey), destination: programId,
    payload: u8aConcat(str('Counter'), str('Nope')), gasLimit: api.blockGasLimit.toBigInt(),
    value: 0,
  });
  check('calculateReply error code', bad.code.isError &&
    bad.code.asError.isExecution && bad.code.asError.asExecution.isUserspacePanic,
    JSON.stringify(bad.toJSON()));
  check('calculateReply error payload', new TextDecoder().decode(bad.payload.toU8a(true))
    .includes('unknown method'), bad.payload.toHex());
  let threw = '';
  try {
    await api.message.calculateReply({
      origin: u8aToHex(alice.publicKey), destination: '0x' + '11'.repeat(32),
      payload: '0x', gasLimit: 1000000000n, value: 0,
    });
  } catch (e) { threw = e.message; }
  check('calculateReply unknown program: 8000', threw.includes('8000'), threw);

  // the waitlist: Hold waits, Release wakes it
  const hold = Counter.functions.Hold().withAccount(alice).withGas(50000000000n);
  const holdRes = await withTimeout(hold.signAndSend(), 30000, 'Hold signAndSend');
  const holdId = holdRes.msgId;
  for (let i = 0; i < 50 && !gearEvents.some((e) => e.method === 'MessageWaited'); i++) await sleep(100);
  const waited = gearEvents.find((e) => e.method === 'MessageWaited');
  check('MessageWaited event', waited && waited.data.id.toHex() === holdId,
    waited ? JSON.stringify(waited.toHuman()) : 'none');
  if (waited) {
    check('MessageWaited reason Runtime(WaitCalled)', waited.data.reason.isRuntime &&
      waited.data.reason.asRuntime.isWaitCalled, JSON.stringify(waited.data.reason.toJSON()));
    check('MessageWaited expiration', waited.data.expiration.toNumber() > 0);
  }
  const wl = await api.waitlist.read(programId);
  check('waitlist has the held message', Array.isArray(wl) && wl.length === 1 &&
    wl[0][0].message.id.toHex() === holdId, JSON.stringify(wl.map((x) => x && x.toJSON())));
  if (wl.length === 1) {
    const [dispatch, interval] = wl[0];
    check('waitlist entry kind Handle', dispatch.kind.isHandle);
    check('waitlist entry payload', dispatch.message.payload.toHex() ===
      u8aToHex(u8aConcat(str('Counter'), str('Hold'))), dispatch.message.payload.toHex());
    check('waitlist entry source', dispatch.message.source.toHex() === u8aToHex(alice.publicKey));
    check('waitlist interval', interval.finish.toNumber() > interval.start.toNumber(),
      JSON.stringify(interval.toJSON()));
  }
  const one = await api.waitlist.read(programId, holdId);
  check('waitlist read by id', one && one[0].message.id.toHex() === holdId);
  const rel = Counter.functions.Release().withAccount(alice);
  await rel.calculateGas(true, 10);
  const relRes = await withTimeout(rel.signAndSend(), 30000, 'Release signAndSend');
  check('Release replied true', (await withTimeout(relRes.response(), 30000, 'Release response')) === true);
  // (Hold's response() cannot be used: gear-js's getReplyEvent looks in
  // the send's own block only, and this reply comes blocks later)
  let heldReply;
  for (let i = 0; i < 50 && !heldReply; i++) {
    heldReply = gearEvents.find((e) => e.method === 'UserMessageSent' &&
      e.data.message.details.isSome && e.data.message.details.unwrap().to.toHex() === holdId);
    if (!heldReply) await sleep(100);
  }
  check('Hold reply after the wake = 7', heldReply &&
    Number(Counter.functions.Hold.decodeResult(heldReply.data.message.payload)) === 7,
    heldReply ? heldReply.data.message.payload.toHex() : 'none');
  const woken = gearEvents.find((e) => e.method === 'MessageWoken');
  check('MessageWoken event', woken && woken.data.id.toHex() === holdId &&
    woken.data.reason.isRuntime, woken ? JSON.stringify(woken.toHuman()) : 'none');
  check('waitlist empty after the wake', (await api.waitlist.read(programId)).length === 0);
  const dispatched = gearEvents.filter((e) => e.method === 'MessagesDispatched');
  check('MessagesDispatched events', dispatched.length > 0 &&
    dispatched.some((e) => e.data.statuses.size > 0));

  // the mailbox: a message with value, claimed
  const gift = 5n * 10n ** 12n;
  const notify = Counter.functions.Notify().withAccount(alice).withValue(gift);
  await notify.calculateGas(true, 10);
  const nRes = await withTimeout(notify.signAndSend(), 30000, 'Notify signAndSend');
  check('Notify reply = 7', Number(await withTimeout(nRes.response(), 30000, 'Notify response')) === 7);
  // (api.mailbox.read decodes the value as a plain u128 — gear-js's own
  // UserStoredMessage type — where Vara's storage, and the metadata, have
  // a Compact<u128>: its ids and payload are right, its value and
  // interval are not, on a Vara node too; the metadata-typed query reads
  // the value)
  const mail = await api.mailbox.read(alice.address);
  const ours = mail.find(([m]) => m.source.toHex() === programId);
  check('mailbox: the Notified message', ours &&
    ours[0].payload.toHex().startsWith(u8aToHex(u8aConcat(str('Counter'), str('Notified')))),
    JSON.stringify(mail.map((x) => x.toJSON())));
  if (ours) {
    const mid = ours[0].id.toHex();
    const entry = await api.query.gearMessenger.mailbox(alice.address, mid);
    check('mailbox: the value, by the metadata', entry.isSome &&
      entry.unwrap()[0].value.toBigInt() === gift, JSON.stringify(entry.toJSON()));
    check('mailbox: the interval', entry.isSome &&
      entry.unwrap()[1].finish.toNumber() > entry.unwrap()[1].start.toNumber());
    const before = (await api.balance.findOut(alice.address)).toBigInt();
    const claimed = await new Promise((resolve, reject) => {
      api.claimValueFromMailbox.submit(mid).signAndSend(alice, ({ status, events }) => {
        if (status.isInBlock) resolve(events);
      }).catch(reject);
    });
    const read = claimed.find(({ event }) => event.method === 'UserMessageRead');
    check('claim: UserMessageRead MessageClaimed', read && read.event.data.id.toHex() === mid &&
      read.event.data.reason.isRuntime && read.event.data.reason.asRuntime.isMessageClaimed,
      claimed.map(({ event }) => event.method).join());
    const after = (await api.balance.findOut(alice.address)).toBigInt();
    check('claim: the value reached //Alice', after > before && after - before <= gift,
      `${before} -> ${after}`);
    const left = await api.mailbox.read(alice.address);
    check('claim: the message left the mailbox', !left.some(([m]) => m.id.toHex() === mid));
  }

  // a reply to a mailbox message (gear_calculateGasForReply, send_reply:
  // UserMessageRead MessageReplied, the value to //Alice as well)
  const n2 = Counter.functions.Notify().withAccount(alice).withValue(gift);
  await n2.calculateGas(true, 10);
  await withTimeout(n2.signAndSend(), 30000, 'Notify 2');
  const mail2 = await api.mailbox.read(alice.address);
  const second = mail2.find(([m]) => m.source.toHex() === programId);
  check('mailbox: a second Notified message', !!second);
  if (second) {
    const mid = second[0].id.toHex();
    const rg = await api.program.calculateGas.reply(u8aToHex(alice.publicKey), mid, '0x', 0, true);
    check('reply gas estimated', rg.min_limit.toBigInt() > 0n, rg.toString());
    const replyTx = await api.message.sendReply({ replyToId: mid, payload: '0x', gasLimit: rg.min_limit.toBigInt() * 2n, value: 0 });
    const replied = await new Promise((resolve, reject) => {
      replyTx.signAndSend(alice, ({ status, events }) => {
        if (status.isInBlock) resolve(events);
      }).catch(reject);
    });
    const rd = replied.find(({ event }) => event.method === 'UserMessageRead');
    check('reply: UserMessageRead MessageReplied', rd && rd.event.data.id.toHex() === mid &&
      rd.event.data.reason.asRuntime.isMessageReplied, replied.map(({ event }) => event.method).join());
    check('reply: MessageQueued Reply', replied.some(({ event }) => event.method === 'MessageQueued' &&
      event.data.entry.isReply && event.data.entry.asReply.toHex() === mid));
    check('reply: the message left the mailbox',
      !(await api.mailbox.read(alice.address)).some(([m]) => m.id.toHex() === mid));
  }

  // key lists and code storage
  const programs = await api.program.allUploadedPrograms();
  check('allUploadedPrograms has the program', programs.includes(programId), JSON.stringify(programs));
  const codeId = generateCodeHash(code);
  const codes = await api.code.all();
  check('code.all has the code', codes.includes(codeId), JSON.stringify(codes));
  check('program.codeHash', (await api.program.codeHash(programId)) === codeId);
  const orig = await api.query.gearProgram.originalCodeStorage(codeId);
  check('OriginalCodeStorage = the wasm', orig.isSome && orig.unwrap().toHex() === u8aToHex(code));
  const two = await api.program.allUploadedPrograms(1);
  check('allUploadedPrograms(1) pages', two.length === 1);
  const prog = await api.programStorage.getProgram(programId);
  const pages = await api.programStorage.getProgramPages(programId, prog);
  const pageNums = Object.keys(pages).map(Number);
  check('MemoryPages: some pages', pageNums.length > 0, JSON.stringify(pageNums));
  // (gear-js hands out each page as the raw storage bytes with their
  // SCALE length prefix)
  check('MemoryPages: 16 KiB each', pageNums.every((p) => pages[p].length >= 16384),
    JSON.stringify(pageNums.map((p) => pages[p].length)));
  if (pageNums.length) {
    const page = await api.query.gearProgram.memoryPages(programId, prog.memoryInfix, pageNums[0]);
    const bytes = (page.isSome ? page.unwrap() : page).toU8a();
    check('MemoryPages: a page decodes as 16 KiB', bytes.length === 16384, String(bytes.length));
    check('MemoryPages: a page holds data', bytes.some((x) => x !== 0));
  }

  unsubEvents();
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
