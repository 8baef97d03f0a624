// A network whose kernel objects a killed command (or a reboot) left missing
// is put back by the next command's start-up repair: the bridge, its state,
// its address, its firewall rules; containers then join it as usual.
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { openContainerContext } from '../../../src/engines/embedded/agent/open-context.js';
import { repairStateRoot } from '../../../src/engines/embedded/engine.js';
import { addRulesStepwise, deleteTagged, ourFirewallLines } from '../../../src/engines/embedded/networks/firewall.js';
import { findNetworkDamage } from '../../../src/engines/embedded/networks/repair-networks.js';
import { bridgeNet, openNetContext } from '../../../src/engines/embedded/networks/context.js';
import { networkRules } from '../../../src/engines/embedded/networks/network-rules.js';
import { openStateRoot } from '../../../src/engines/embedded/state/root.js';
import { suite } from '../../harness.js';
import { requireHost } from '../../host.js';
import { closeTestEngine, missingForEngine, openTestEngine, spec, type TestEngine } from './engine-helpers.js';
import { missingForNetwork } from './network-helpers.js';

const s = suite('network repair');
const { ready, test } = requireHost(s, 'network repair tests', [...new Set([...missingForEngine(), ...missingForNetwork()])]);
let t: TestEngine | undefined;

s.before(async () => {
  if (ready) t = await openTestEngine();
});
s.after(async () => {
  try {
    for (const n of (await t?.engine.networks.list()) ?? []) await t!.engine.networks.remove(n.id).catch(() => undefined);
  } finally {
    await closeTestEngine(t);
  }
});

const ipJson = (...args: string[]) => JSON.parse(execFileSync('ip', ['-j', ...args], { encoding: 'utf8' })) as Array<{ flags: string[]; addr_info: Array<{ local: string }> }>;
const damage = () => findNetworkDamage(openNetContext(openStateRoot(t!.root)));

test('bridge down, address and rules gone (killed before its rules): all back, and a container joins', async () => {
  const net = await t!.engine.networks.create({ name: 'tscrepair1', labels: {} });
  const record = openNetContext(openStateRoot(t!.root)).records.network('tscrepair1')!;
  assert.equal(await damage(), []);
  await deleteTagged(record.id.slice(0, 12));
  execFileSync('ip', ['addr', 'flush', 'dev', record.bridge]);
  execFileSync('ip', ['link', 'set', 'dev', record.bridge, 'down']);
  assert.equal(await damage(), [{ network: 'tscrepair1', problems: [`bridge ${record.bridge} down`, `gateway address ${record.gateway}/${record.subnet.split('/')[1]} missing`, 'firewall rules missing'] }]);

  const report = await repairStateRoot(openContainerContext(t!.root));
  assert.equal(report.networks.map((n) => n.network), ['tscrepair1']);
  assert.equal(await damage(), []);
  const link = ipJson('addr', 'show', 'dev', record.bridge)[0]!;
  assert.ok(link.flags.includes('UP'));
  assert.ok(link.addr_info.some((a) => a.local === net.subnets[0]!.gateway));
  // Once each, not twice.
  const mine = (await ourFirewallLines()).filter((l) => l.includes(`tsc:${record.id.slice(0, 12)}`));
  assert.is(new Set(mine).size, mine.length, mine.join('\n'));

  const id = await t!.engine.containers.create(spec({ command: ['sleep', '1000'], networks: { tscrepair1: {} }, networkMode: 'tscrepair1' }));
  await t!.engine.containers.start(id);
  assert.is((await t!.engine.containers.inspect(id))?.state.status, 'running');
  await t!.engine.containers.remove(id, { force: true });
});

test('record written, bridge never made (killed in between): the bridge is made and the network works', async () => {
  await t!.engine.networks.create({ name: 'tscrepair2', labels: {} });
  const record = openNetContext(openStateRoot(t!.root)).records.network('tscrepair2')!;
  execFileSync('ip', ['link', 'del', 'dev', record.bridge]);
  await deleteTagged(record.id.slice(0, 12));
  assert.equal(await damage(), [{ network: 'tscrepair2', problems: [`bridge ${record.bridge} missing`] }]);
  await repairStateRoot(openContainerContext(t!.root));
  assert.equal(await damage(), []);
  const id = await t!.engine.containers.create(spec({ command: ['sleep', '1000'], networks: { tscrepair2: {} }, networkMode: 'tscrepair2' }));
  await t!.engine.containers.start(id);
  assert.is((await t!.engine.containers.inspect(id))?.state.status, 'running');
  await t!.engine.containers.remove(id, { force: true });
});

test('a restore that committed its filter table and not its nat table (another root removed the nat chains meanwhile): the step-by-step retry adds each rule once', async () => {
  await t!.engine.networks.create({ name: 'tscrepair3', labels: {} });
  const record = openNetContext(openStateRoot(t!.root)).records.network('tscrepair3')!;
  const tag = `tsc:${record.id.slice(0, 12)}`;
  const mine = async () => (await ourFirewallLines()).filter((l) => l.includes(tag));
  const all = await mine();
  // What the half-applied restore left: the filter rules in, the nat rules not.
  for (const line of all.filter((l) => l.startsWith('-A TSC-POSTROUTING '))) {
    execFileSync('iptables', ['-w', '5', '-t', 'nat', '-D', ...line.slice(3).split(' ').map((a) => a.replace(/^"(.*)"$/, '$1'))]);
  }
  assert.ok((await mine()).length < all.length, 'the nat rules are gone');
  await addRulesStepwise(networkRules(bridgeNet(record)));
  const after = await mine();
  assert.equal([...after].sort(), [...all].sort(), after.join('\n'));
  assert.equal(await damage(), []);
});

test('a note of a joined namespace whose container is gone (killed mid-removal): dropped; a running sharer\'s stays, and goes with its stop', async () => {
  await t!.engine.networks.create({ name: 'tscrepair4', labels: {} });
  const donor = await t!.engine.containers.create(spec({ command: ['sleep', '1000'], stopSignal: 'SIGKILL', networks: { tscrepair4: {} }, networkMode: 'tscrepair4' }));
  await t!.engine.containers.start(donor);
  const sharer = await t!.engine.containers.create(spec({ command: ['sleep', '1000'], stopSignal: 'SIGKILL', networkMode: `container:${donor}` }));
  await t!.engine.containers.start(sharer);
  const records = openNetContext(openStateRoot(t!.root)).records;
  const gone = 'f'.repeat(64);
  records.saveJoin({ containerId: gone, sandbox: donor });
  assert.equal(records.join(sharer), { containerId: sharer, sandbox: donor });

  await repairStateRoot(openContainerContext(t!.root));
  assert.is(records.join(gone), undefined);
  assert.equal(records.join(sharer), { containerId: sharer, sandbox: donor });
  await t!.engine.containers.stop(sharer, { timeoutSeconds: 0 });
  assert.is(records.join(sharer), undefined);
  for (const id of [sharer, donor]) await t!.engine.containers.remove(id, { force: true });
});

s.run();
