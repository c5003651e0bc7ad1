// gearbox's runtime metadata as polkadot.js sees it, against a running
// `gearbox node --dev` (usage: node metadata.mjs 127.0.0.1:PORT):
//  1. the raw answers of state_getMetadata (V14) and state_call
//     Metadata_metadata_versions / Metadata_metadata_at_version(15)
//     decode with @polkadot/types (TypeRegistry + Metadata);
//  2. ApiPromise.create over WebSocket becomes ready, and through it:
//     pallet, call and event indices, call argument types, constants,
//     storage keys and hashers, and events decoded from SCALE, as
//     @gear-js/api 0.44 relies on them (shared/GEAR-RPC.md §1, §2, §5, §6).
// Exits 0 when every check passed, 1 otherwise.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Metadata, TypeRegistry } from '@polkadot/types';

const addr = process.argv[2];
let failed = 0, passed = 0;
function check(name, got, want) {
  const g = typeof got === 'string' ? got : JSON.stringify(got);
  const w = typeof want === 'string' ? want : JSON.stringify(want);
  if (g === w) { passed++; return; }
  failed++;
  console.log(`FAIL ${name}: expected ${w}, got ${g}`);
}

async function rpc(method, params) {
  const res = await fetch(`http://${addr}/`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const j = await res.json();
  if (j.error) throw new Error(`${method}: ${j.error.code} ${j.error.message}`);
  return j.result;
}

// Vara's pallet indices (GEAR-RPC.md §2)
const PALLETS = {
  System: 0, Timestamp: 1, Babe: 3, Balances: 5, TransactionPayment: 6,
  Utility: 8, GearProgram: 100, GearMessenger: 101, GearScheduler: 102,
  GearGas: 103, Gear: 104, GearVoucher: 107, GearBank: 108,
};

function checkRaw(label, hex, version) {
  const registry = new TypeRegistry();
  const md = new Metadata(registry, hex);
  registry.setMetadata(md);
  check(`${label} version`, md.version, version);
  const got = {};
  for (const p of md.asLatest.pallets) got[p.name.toString()] = p.index.toNumber();
  check(`${label} pallets`, got, PALLETS);
  check(`${label} extrinsic version`, Array.from(md.asLatest.extrinsic.versions), [4]);
  return registry;
}

async function rawChecks() {
  const v14 = await rpc('state_getMetadata', []);
  check('state_getMetadata magic', v14.slice(0, 12), '0x6d6574610e');
  checkRaw('V14', v14, 14);
  check('metadata_versions', await rpc('state_call', ['Metadata_metadata_versions', '0x']),
    '0x080e0000000f000000');
  const opt = await rpc('state_call', ['Metadata_metadata_at_version', '0x0f000000']);
  const reg = new TypeRegistry();
  const inner = reg.createType('Option<Bytes>', new Uint8Array(Buffer.from(opt.slice(2), 'hex')));
  check('at_version(15) is Some', inner.isSome, true);
  checkRaw('V15', inner.unwrap().toU8a(true), 15);
  check('at_version(16) is None',
    await rpc('state_call', ['Metadata_metadata_at_version', '0x10000000']), '0x00');
}

function callInfo(api, section, method) {
  const fn = api.tx[section][method];
  return {
    index: Array.from(fn.callIndex),
    args: fn.meta.args.map((a) => `${a.name}:${a.type}`),
  };
}

async function apiChecks() {
  const provider = new WsProvider(`ws://${addr}`, false);
  await provider.connect();
  const api = await Promise.race([
    ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true }),
    new Promise((_, rej) => setTimeout(() => rej(new Error('ApiPromise.create: not ready in 30 s')), 30000)),
  ]);
  check('chain', (await api.rpc.system.chain()).toString(), 'Development');
  check('name', (await api.rpc.system.name()).toString(), 'Gear Node');
  check('specName', api.runtimeVersion.specName.toString(), 'vara');
  check('ss58', api.registry.chainSS58, 137);
  check('decimals', api.registry.chainDecimals, [12]);

  // calls: indices and argument types
  check('gear.uploadCode', callInfo(api, 'gear', 'uploadCode'),
    { index: [104, 0], args: ['code:Bytes'] });
  check('gear.uploadProgram', callInfo(api, 'gear', 'uploadProgram'),
    { index: [104, 1], args: ['code:Bytes', 'salt:Bytes', 'initPayload:Bytes', 'gasLimit:u64', 'value:u128', 'keepAlive:bool'] });
  check('gear.createProgram', callInfo(api, 'gear', 'createProgram'),
    { index: [104, 2], args: ['codeId:GprimitivesCodeId', 'salt:Bytes', 'initPayload:Bytes', 'gasLimit:u64', 'value:u128', 'keepAlive:bool'] });
  check('gear.sendMessage', callInfo(api, 'gear', 'sendMessage'),
    { index: [104, 3], args: ['destination:GprimitivesActorId', 'payload:Bytes', 'gasLimit:u64', 'value:u128', 'keepAlive:bool'] });
  check('gear.sendReply', callInfo(api, 'gear', 'sendReply'),
    { index: [104, 4], args: ['replyToId:GprimitivesMessageId', 'payload:Bytes', 'gasLimit:u64', 'value:u128', 'keepAlive:bool'] });
  check('gear.claimValue', callInfo(api, 'gear', 'claimValue'),
    { index: [104, 5], args: ['messageId:GprimitivesMessageId'] });
  check('gear.run', callInfo(api, 'gear', 'run'), { index: [104, 6], args: ['maxGas:Option<u64>'] });
  check('balances.transferAllowDeath', callInfo(api, 'balances', 'transferAllowDeath'),
    { index: [5, 0], args: ['dest:MultiAddress', 'value:Compact<u128>'] });
  check('balances.forceTransfer', callInfo(api, 'balances', 'forceTransfer'),
    { index: [5, 2], args: ['source:MultiAddress', 'dest:MultiAddress', 'value:Compact<u128>'] });
  check('balances.transferKeepAlive', callInfo(api, 'balances', 'transferKeepAlive'),
    { index: [5, 3], args: ['dest:MultiAddress', 'value:Compact<u128>'] });
  check('timestamp.set', callInfo(api, 'timestamp', 'set'), { index: [1, 0], args: ['now:Compact<u64>'] });
  check('utility.batch', callInfo(api, 'utility', 'batch').index, [8, 0]);
  check('utility.batchAll', callInfo(api, 'utility', 'batchAll').index, [8, 2]);
  // a whole call, encoded (GEAR-RPC.md §3's transfer: 0503 00 <bob> 419c)
  const bob = '0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48';
  check('transferKeepAlive bytes', api.tx.balances.transferKeepAlive(bob, 10000).method.toHex(),
    '0x050300' + bob.slice(2) + '419c');
  const batch = api.tx.utility.batch([api.tx.gear.claimValue('0x' + '11'.repeat(32))]);
  check('batch bytes', batch.method.toHex(), '0x080004' + '6805' + '11'.repeat(32));

  // constants gear-js reads
  check('ExistentialDeposit', api.consts.balances.existentialDeposit.toString(), '1000000000000');
  check('BlockGasLimit', api.consts.gearGas.blockGasLimit.toString(), '750000000000');
  check('MailboxThreshold', api.consts.gear.mailboxThreshold.toString(), '3000');
  check('WaitlistCost', api.consts.gearScheduler.waitlistCost.toString(), '100');
  check('GasMultiplier', api.consts.gearBank.gasMultiplier.toJSON(), { valuePerGas: 100 });
  check('BlockHashCount', api.consts.system.blockHashCount.toString(), '2400');
  check('SS58Prefix', api.consts.system.ss58Prefix.toString(), '137');
  check('ExpectedBlockTime', api.consts.babe.expectedBlockTime.toString(), '3000');

  // storage keys (GEAR-RPC.md §5) and hashers
  const alice = '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d';
  const accKey = api.query.system.account.key(alice);
  check('System.Account key prefix', accKey.slice(0, 66),
    '0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9');
  check('System.Account key (Blake2_128Concat)', accKey.length, 2 + 2 * (32 + 16 + 32));
  check('System.Account key ends with the account', accKey.slice(-64), alice.slice(2));
  check('System.Events key', api.query.system.events.key(),
    '0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7');
  check('Balances.TotalIssuance key', api.query.balances.totalIssuance.key(),
    '0xc2261276cc9d1f8598ea4b6a74b15c2f57c875e4cff74148e4628f264b974c80');
  const hashers = (q) => {
    const t = q.creator.meta.type;
    return t.isMap ? t.asMap.hashers.map((h) => h.toString()) : 'Plain';
  };
  check('ProgramStorage hashers', hashers(api.query.gearProgram.programStorage), ['Identity']);
  check('CodeMetadataStorage hashers', hashers(api.query.gearProgram.codeMetadataStorage), ['Identity']);
  check('OriginalCodeStorage hashers', hashers(api.query.gearProgram.originalCodeStorage), ['Identity']);
  check('MemoryPages hashers', hashers(api.query.gearProgram.memoryPages), ['Identity', 'Identity', 'Identity']);
  check('Mailbox hashers', hashers(api.query.gearMessenger.mailbox), ['Identity', 'Identity']);
  check('Waitlist hashers', hashers(api.query.gearMessenger.waitlist), ['Identity', 'Identity']);
  const prog = '0x' + '22'.repeat(32);
  check('ProgramStorage key', api.query.gearProgram.programStorage.key(prog),
    '0x21e18623b1f0110bfe78526b5fa5629c82d53c47fd03d02d3fd1234743c48a59' + '22'.repeat(32));
  // an AccountInfo decodes from its 80 bytes
  const info = api.registry.createType('FrameSystemAccountInfo',
    '0x' + '05000000' + '00'.repeat(12) + '00e40b54020000000000000000000000' + '00'.repeat(48));
  check('AccountInfo', [info.nonce.toNumber(), info.data.free.toString()], [5, '10000000000']);

  // events decoded from SCALE: System.Events as GEAR-RPC.md §5 and §6 lay
  // them out
  const u128 = (n) => { const b = Buffer.alloc(16); b.writeBigUInt64LE(BigInt(n)); return b.toString('hex'); };
  const id = (b) => b.repeat(32);
  const success = '0000' + '0400' + '00' + '00';     // ExtrinsicSuccess, weight {1, 0}, Normal, Yes
  const records = [
    '02' + success + '00',                                       // Initialization
    '0001000000' + '0502' + alice.slice(2) + bob.slice(2) + u128(10000) + '00', // Balances.Transfer
    '0001000000' + '0600' + alice.slice(2) + u128(7) + u128(0) + '00',          // TransactionFeePaid
    '0001000000' + '6800' + id('aa') + alice.slice(2) + id('bb') + '00' + '00', // MessageQueued Init
    '0002000000' + '6801' + id('cc') + id('bb') + alice.slice(2) + '0c010203' + '00' + '01' + id('aa') + '0001' + '00' + '00', // UserMessageSent, reply Success(Manual)
    '0002000000' + '6807' + id('bb') + '0000000000' + '00',     // ProgramChanged Active{0}
    '0002000000' + '6803' + '01000000' + '04' + id('aa') + '00' + '04' + id('bb') + '00', // MessagesDispatched
    '0001000000' + '0001' + '03680900000000' + '0400' + '00' + '00' + '00', // ExtrinsicFailed Module{104,[9,0,0,0]}
  ];
  const evs = api.registry.createType('Vec<FrameSystemEventRecord>', '0x20' + records.join(''));
  check('events', evs.map((r) => `${r.event.section}.${r.event.method}`), [
    'system.ExtrinsicSuccess', 'balances.Transfer', 'transactionPayment.TransactionFeePaid',
    'gear.MessageQueued', 'gear.UserMessageSent', 'gear.ProgramChanged',
    'gear.MessagesDispatched', 'system.ExtrinsicFailed']);
  check('Transfer amount', evs[1].event.data[2].toString(), '10000');
  const sent = evs[4].event.data[0];
  check('UserMessageSent payload', sent.payload.toHex(), '0x010203');
  check('UserMessageSent reply code', sent.details.unwrap().code.toJSON(), { success: 'Manual' });
  check('ProgramChanged', evs[5].event.data[1].toJSON(), { active: { expiration: 0 } });
  const de = evs[7].event.data[0];
  const err = api.registry.findMetaError(de.asModule);
  check('ExtrinsicFailed error', `${err.section}.${err.name}`, 'gear.ProgramConstructionFailed');
  check('ExtrinsicFailed module', de.asModule.toJSON(), { index: 104, error: '0x09000000' });

  await api.disconnect();
}

try {
  await rawChecks();
  await apiChecks();
} catch (e) {
  failed++;
  console.log('FAIL', e.stack || e.message);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
