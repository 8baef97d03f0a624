// A namespace another container joined (`network_mode: container:<x>`): the
// kernel does not remove its veths while a process is in it, so x's teardown
// deletes them at once; with nobody in it, the kernel still removes them with
// the namespace. The joined container's process is a `sleep` of the test's own
// in the namespace. Real netns, veths and iptables rules (root).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { requireHost } from '../../host.js';
import { openStateRoot } from '../../../src/engines/embedded/state/root.js';
import { openNetContext, type NetContext } from '../../../src/engines/embedded/networks/context.js';
import { NetworkManager, type NetworkRecord } from '../../../src/engines/embedded/networks/manager.js';
import { pollUntil } from '../../../src/engines/embedded/runtime/poll.js';
import { missingForNetwork, sh } from './network-helpers.js';

const s = suite('shared network namespace');
const { ready, test } = requireHost(s, 'shared network namespace tests', missingForNetwork());

let root = '';
let mgr: NetworkManager;
let net: NetContext;
let network: NetworkRecord;
const holders: ChildProcess[] = [];
// Ids of this run's own: other runs of the suite may be on the machine at once.
const id = (n: number) => `5a${(process.pid % 0xffff).toString(16).padStart(4, '0')}${String(n).padStart(2, '0')}${'0'.repeat(56)}`;
const ns = (n: number) => `tsc-${id(n).slice(0, 12)}`;
const ips: string[] = [];

/** A process of the test's in the namespace, as a joined container's would be; resolves once it runs there. */
async function holdNetns(netns: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, 'sleep', '600'], { stdio: 'ignore' });
  holders.push(child);
  const inside = await pollUntil(() => {
    try {
      return readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'sleep';
    } catch {
      return false;
    }
  }, 5000);
  if (!inside) throw new Error(`the holder of ${netns} did not start`);
  return child;
}

function killHolders(): void {
  for (const c of holders) {
    if (!c.pid || c.exitCode !== null || c.signalCode !== null) continue;
    try { process.kill(c.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

/** A sandbox on the test's network with a published port; the host end of its veth. */
async function sandboxWithPort(n: number): Promise<string> {
  await mgr.createSandbox(id(n), { containerName: `shared-c${n}` });
  const r = await mgr.connect(id(n), network.name, { names: [`shared-c${n}`] });
  ips.push(r.ip);
  await mgr.publishPorts(id(n), r.ip, [{ containerPort: 80, protocol: 'tcp' }]);
  return net.records.sandbox(id(n))!.attachments[network.name]!.hostIf;
}

async function netnsList(): Promise<string[]> {
  return (await sh(['ip', 'netns', 'list'])).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

/** iptables lines of ours about `ip` (other tests on the machine change the chains meanwhile). */
async function rulesFor(ip: string): Promise<string[]> {
  return (await sh(['iptables-save'])).split('\n').filter((l) => l.includes(`${ip}/32`) || l.includes(`${ip}:`));
}

s.before(async () => {
  if (!ready) return;
  root = mkdtempSync(join(tmpdir(), 'tsc-sharedns-'));
  mgr = new NetworkManager(openStateRoot(root));
  net = openNetContext(openStateRoot(root));
  network = await mgr.createNetwork({ name: 'shared' });
});

s.after(async () => {
  if (!ready) return;
  killHolders();
  let first: unknown;
  await mgr?.teardownAll().catch((e) => { first ??= e; });
  if (root) rmSync(root, { recursive: true, force: true });
  if (first) throw first;
});

test('a joined namespace: the veth is deleted with the namespace\'s name, not waited for; the joined process keeps loopback only', async () => {
  const hostIf = await sandboxWithPort(1);
  const holder = await holdNetns(ns(1));
  // Container 2 joins 1's namespace, 3 joins 2 (and so 1's too).
  mgr.joinSandbox(id(2), id(1));
  mgr.joinSandbox(id(3), id(2));
  assert.equal(net.records.join(id(3)), { containerId: id(3), sandbox: id(1) });
  const result = await mgr.destroySandbox(id(1));
  assert.equal(result, { veths: 'direct' });
  assert.not.ok(existsSync(`/sys/class/net/${hostIf}`), 'the host end of the veth is gone');
  assert.not.ok((await netnsList()).includes(ns(1)), 'the netns name is gone');
  assert.is(net.records.sandbox(id(1)), undefined);
  assert.is(net.records.endpoint(id(1)), undefined);
  assert.is(net.records.ports(id(1)), undefined);
  assert.equal(await rulesFor(ips[0]!), []);
  // The namespace lives on with its process, without the container's end of the veth.
  const devices = readFileSync(`/proc/${holder.pid}/net/dev`, 'utf8').split('\n').slice(2).map((l) => l.trim().split(':')[0]).filter(Boolean);
  assert.equal(devices, ['lo']);
  killHolders();
  mgr.leaveSandbox(id(2));
  mgr.leaveSandbox(id(3));
  assert.equal(mgr.joinedIds(), []);
});

test('nothing joined: the namespace goes and the kernel removes the veth, no link deleted directly', async () => {
  const hostIf = await sandboxWithPort(4);
  // A peer with no sandbox of its own and none joined (network_mode: none, host): nothing to note.
  mgr.joinSandbox(id(5), id(9));
  assert.is(net.records.join(id(5)), undefined);
  const result = await mgr.destroySandbox(id(4));
  // `after-wait` only when the kernel was slower than the wait allows: still not a direct deletion.
  assert.ok(result?.veths === 'kernel' || result?.veths === 'after-wait', `veths went ${result?.veths}`);
  assert.not.ok(existsSync(`/sys/class/net/${hostIf}`));
  assert.not.ok((await netnsList()).includes(ns(4)));
  assert.equal(await rulesFor(ips[1]!), []);
  assert.is(await mgr.destroySandbox(id(4)), undefined, 'a second teardown finds nothing');
});

test('a damaged join note (which namespace it names is unknown): the teardown goes on and deletes the veth at once', async () => {
  const hostIf = await sandboxWithPort(8);
  const damaged = join(net.records.dir, 'joins', `${id(8)}.json`);
  writeFileSync(damaged, '{"containerId": "');
  try {
    assert.equal(await mgr.destroySandbox(id(8)), { veths: 'direct' });
  } finally {
    rmSync(damaged, { force: true });
  }
  assert.not.ok(existsSync(`/sys/class/net/${hostIf}`));
  assert.not.ok((await netnsList()).includes(ns(8)));
});

test('teardownAll leaves nothing of ours: links, netns, rules, records', async () => {
  await sandboxWithPort(6);
  await holdNetns(ns(6));
  mgr.joinSandbox(id(7), id(6));
  await mgr.teardownAll();
  killHolders();
  const alias = net.linkAlias;
  const links = (await sh(['ip', '-o', 'link'])).split('\n').filter((l) => /^\d+: tsc/.test(l) && (l.includes(alias) || l.includes(network.bridge)));
  assert.equal(links, [], 'no tsc* link');
  assert.equal((await netnsList()).filter((n) => [1, 4, 6, 8].map(ns).includes(n)), [], 'no tsc-* netns');
  for (const ip of ips) assert.equal(await rulesFor(ip), [], `no rule about ${ip}`);
  const rules = (await sh(['iptables-save'])).split('\n').filter((l) => l.includes(network.id.slice(0, 12)) || l.includes(network.bridge));
  assert.equal(rules, [], 'no rule of the network');
  for (const kind of ['sandboxes', 'endpoints', 'ports', 'joins', 'networks']) assert.equal(readdirSync(join(net.records.dir, kind)), [], `no ${kind} record`);
});

s.run();
