// Real bridges, netns and iptables rules (root). Traffic targets only
// addresses this test made (the tscdummy0 address, our bridges) and loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { requireHost } from '../../host.js';
import { openStateRoot } from '../../../src/engines/embedded/state/root.js';
import { openNetContext } from '../../../src/engines/embedded/networks/context.js';
import { NetworkManager, type ConnectResult, type NetworkRecord } from '../../../src/engines/embedded/networks/manager.js';
import { hostRouteSubnets } from '../../../src/engines/embedded/networks/host-routes.js';
import { pickFreeSubnet } from '../../../src/engines/embedded/networks/subnet-pool.js';
import { formatCidr, formatIp, mustParseCidr, overlaps, parseIp } from '../../../src/engines/embedded/networks/ipv4.js';
import { ourFirewallLines } from '../../../src/engines/embedded/networks/firewall.js';
import { readJson } from '../../../src/util/atomic-file.js';
import { inNetns, missingForNetwork, rejects, sh } from './network-helpers.js';

const s = suite('network integration');
const { ready, test } = requireHost(s, 'network integration tests', missingForNetwork());
// Names and addresses of this run's own (other runs of this suite may be on the machine at once).
const DUMMY = `tscdum${process.pid}`.slice(0, 15);
const HOST_IP = `198.18.${(process.pid % 250) + 1}.1`;
let BLOCKED = '';

let root = '';
let mgr: NetworkManager;
const children: ChildProcess[] = [];
const servers: Server[] = [];
const id = (n: number) => `${'c0ffee'}${String(n).padStart(2, '0')}${'0'.repeat(56)}`;
const ns = (n: number) => `tsc-${id(n).slice(0, 12)}`;
let netA: NetworkRecord;
let netB: NetworkRecord;
let netI: NetworkRecord;
const ep: Record<number, ConnectResult> = {};
let expectedFirst = '';

function killChildren(): void {
  for (const c of children) {
    if (!c.pid || c.exitCode !== null || c.signalCode !== null) continue;
    try { process.kill(c.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

function startIn(netns: string, argv: string[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: 'ignore' });
  children.push(child);
  return child;
}

function tcpRequest(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const c = createConnection({ host, port });
    c.setTimeout(3000, () => { c.destroy(); reject(new Error(`timeout talking to ${host}:${port}`)); });
    c.on('data', (d) => (data += d.toString()));
    c.on('end', () => resolve(data));
    c.on('error', reject);
    c.end();
  });
}

function udpRequest(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); reject(new Error(`no UDP answer from ${host}:${port}`)); }, 3000);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(m.toString()); });
    sock.send('ping', port, host);
  });
}

async function waitFor(check: () => Promise<unknown>, what: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try { await check(); return; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: ${String(last)}`);
}

s.before(async () => {
  if (!ready) return;
  root = mkdtempSync(join(tmpdir(), 'tsc-net-'));
  mgr = new NetworkManager(openStateRoot(root));
  // A dummy interface where the kernel has the module; else a bridge without ports does the same job.
  await sh(['ip', 'link', 'add', DUMMY, 'type', 'dummy']).catch(() => sh(['ip', 'link', 'add', DUMMY, 'type', 'bridge']));
  await sh(['ip', 'addr', 'add', `${HOST_IP}/24`, 'dev', DUMMY]);
  await sh(['ip', 'link', 'set', DUMMY, 'up']);
  // The subnet the walk would take first (other tests' bridges may hold the usual ones): routed now.
  for (let attempt = 0; ; attempt++) {
    BLOCKED = formatCidr(pickFreeSubnet(await hostRouteSubnets()));
    // Another run of this suite may have routed the same one a moment ago: take the next.
    const added = await sh(['ip', 'route', 'add', BLOCKED, 'dev', DUMMY]).then(() => true, (e: Error) => (attempt < 5 && /File exists/.test(String((e as { stderr?: string }).stderr)) ? false : Promise.reject(e)));
    if (added) break;
  }
  expectedFirst = formatCidr(pickFreeSubnet(await hostRouteSubnets()));
});

s.after(async () => {
  if (!ready) return;
  killChildren();
  for (const srv of servers) srv.close();
  let first: unknown;
  await mgr?.teardownAll().catch((e) => { first ??= e; });
  await sh(['ip', 'link', 'del', DUMMY]).catch(() => undefined);
  if (root) rmSync(root, { recursive: true, force: true });
  if (first) throw first;
});

test('networks: subnet walk skips a host route; bridges, records', async () => {
  netA = await mgr.createNetwork({ name: 'neta', labels: { 'com.docker.compose.network': 'a' }, driverOpts: { 'com.docker.network.driver.mtu': '1400' }, project: 'demo' });
  assert.ok(!overlaps(mustParseCidr(netA.subnet, 's'), mustParseCidr(BLOCKED, 'b')), `${netA.subnet} overlaps the route the test added`);
  assert.is(netA.subnet, expectedFirst);
  assert.is(netA.gateway, netA.subnet.replace(/0\/\d+$/, '1'));
  assert.match(netA.bridge, /^tsc[0-9a-f]{12}$/);
  const link = JSON.parse(await sh(['ip', '-j', 'addr', 'show', 'dev', netA.bridge]))[0];
  assert.is(link.mtu, 1400);
  assert.ok(link.addr_info.some((a: { local: string }) => a.local === netA.gateway));
  const rec = readJson<Record<string, unknown>>(join(root, 'network', 'networks', 'neta.json'))!;
  for (const k of ['id', 'name', 'bridge', 'subnet', 'gateway', 'internal', 'labels', 'driverOpts', 'created']) assert.ok(k in rec, `record has ${k}`);
  netB = await mgr.createNetwork({ name: 'netb', ipam: { config: [{ subnet: '10.231.0.0/24', ipRange: '10.231.0.128/25', auxAddresses: { host1: '10.231.0.128' } }] } });
  assert.is(netB.gateway, '10.231.0.1');
  netI = await mgr.createNetwork({ name: 'neti', internal: true });
  assert.not.ok(overlaps(mustParseCidr(netI.subnet, 's'), mustParseCidr(netA.subnet, 's')));
  await rejects(() => mgr.createNetwork({ name: 'neta' }), /already exists/);
  await rejects(() => mgr.createNetwork({ name: 'nope', external: true }), /declared as external, but could not be found/);
  assert.is((await mgr.createNetwork({ name: 'neta', external: true })).id, netA.id);
  assert.ok(['iptables-nft', 'iptables-legacy'].includes(await mgr.firewallBackend()));
  // A failed step releases what it took, and never what it did not make.
  await rejects(() => mgr.createNetwork({ name: 'clash', driverOpts: { 'com.docker.network.bridge.name': DUMMY } }), /already exists on the host/);
  assert.match(await sh(['ip', '-o', 'link', 'show', DUMMY]), DUMMY);
  assert.is(mgr.getNetwork('clash'), undefined);
});

test('sandboxes: addresses, MACs, routes, endpoint records', async () => {
  for (const n of [1, 2, 3, 4]) await mgr.createSandbox(id(n), { containerName: `demo-c${n}-1` });
  ep[1] = await mgr.connect(id(1), 'neta', { names: ['c1', 'demo-c1-1'], aliases: ['one'] });
  ep[2] = await mgr.connect(id(2), 'neta', { names: ['c2'] });
  ep[3] = await mgr.connect(id(3), 'netb', { names: ['c3'] });
  ep[4] = await mgr.connect(id(4), 'neti', { names: ['c4'], ipv4Address: formatIp(mustParseCidr(netI.subnet, 'subnet').base + 9), macAddress: '02:aa:bb:cc:dd:ee', interfaceName: 'inner0' });
  assert.is(ep[1]!.ip, netA.gateway.replace(/1$/, '2'));
  assert.is(ep[2]!.ip, netA.gateway.replace(/1$/, '3'));
  assert.is(ep[3]!.ip, '10.231.0.129', 'ip_range honoured, aux address skipped');
  assert.is(ep[4]!.mac, '02:aa:bb:cc:dd:ee');
  assert.is(ep[4]!.ifname, 'inner0');
  const [a, b, c, d] = ep[1]!.ip.split('.').map(Number);
  assert.is(ep[1]!.mac, ['02', '42', ...[a, b, c, d].map((x) => x!.toString(16).padStart(2, '0'))].join(':'));
  assert.is(ep[1]!.ifname, 'eth0');
  const rec = readJson<Record<string, unknown>>(join(root, 'network', 'endpoints', `${id(1)}.json`));
  assert.equal(rec, { containerId: id(1), containerName: 'demo-c1-1', networks: { neta: { ip: ep[1]!.ip, gateway: netA.gateway, subnet: netA.subnet, mac: ep[1]!.mac, ifname: 'eth0', names: ['c1', 'demo-c1-1', 'one'] } } });
  assert.match((await inNetns(ns(1), ['ip', 'route', 'show', 'default'])).out, `default via ${netA.gateway} dev eth0`);
  assert.is((await inNetns(ns(4), ['ip', 'route', 'show', 'default'])).out.trim(), '', 'internal: no default route');
  assert.match((await inNetns(ns(1), ['ip', '-o', 'link', 'show', 'lo'])).out, /UP/);
  await rejects(() => mgr.connect(id(3), 'netb', { names: [] }), /already connected/);
  await rejects(() => mgr.connect(id(3), 'neta', { names: [], ipv4Address: ep[1]!.ip }), /already in use/);
  await rejects(() => mgr.connect(id(3), 'neta', { names: [], ipv4Address: '10.9.9.9' }), /not in the subnet/);
  await rejects(() => mgr.removeNetwork('neta'), /has active endpoints/);
});

test('traffic: same network yes, other network no, egress to the host, internal stays in', async () => {
  const ping = (from: number, to: string) => inNetns(ns(from), ['busybox', 'ping', '-c', '1', '-W', '1', to]);
  assert.is((await ping(1, ep[2]!.ip)).code, 0, 'c1 → c2 on the same network');
  assert.is.not((await ping(1, ep[3]!.ip)).code, 0, 'c1 → c3 on another network');
  assert.is.not((await ping(3, ep[1]!.ip)).code, 0, 'c3 → c1 on another network');
  let got = '';
  const server = createServer((sock) => sock.on('data', (d) => { got += d.toString(); sock.end(); }));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, HOST_IP, r));
  const port = (server.address() as { port: number }).port;
  const sent = await inNetns(ns(1), ['sh', '-c', `echo hello-host | busybox nc -w 2 ${HOST_IP} ${port}`]);
  assert.is(sent.code, 0, sent.out);
  await waitFor(async () => { if (!got.includes('hello-host')) throw new Error(`got ${JSON.stringify(got)}`); }, 'host listener');
  const internal = await inNetns(ns(4), ['sh', '-c', `echo x | busybox nc -w 2 ${HOST_IP} ${port}`]);
  assert.is.not(internal.code, 0, 'internal network reaches the host address');
  assert.is((await ping(4, netI.gateway)).code, 0, 'internal still reaches its own gateway');
});

test('published ports: TCP and UDP from 127.0.0.1, the host address, and hairpin', async () => {
  startIn(ns(2), ['busybox', 'nc', '-ll', '-p', '80', '-e', '/bin/busybox', 'echo', 'hello-tcp']);
  startIn(ns(2), [process.execPath, '-e', "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('pong-udp',r.port,r.address));s.bind(9999)"]);
  const published = await mgr.publishPorts(id(2), ep[2]!.ip, [
    { containerPort: 80, protocol: 'tcp' },
    { hostPort: '', containerPort: 9999, protocol: 'udp' },
    { hostIp: '127.0.0.1', hostPort: '', containerPort: 80, protocol: 'tcp' },
  ]);
  assert.is(published.length, 3);
  const [lo, hi] = (await sh(['cat', '/proc/sys/net/ipv4/ip_local_port_range'])).trim().split(/\s+/).map(Number);
  for (const p of published) assert.ok(Number(p.hostPort) >= lo! && Number(p.hostPort) <= hi!, `random host port ${p.hostPort} in ${lo}-${hi}`);
  const tcpAll = Number(published[0]!.hostPort);
  const udpAll = Number(published[1]!.hostPort);
  const tcpLocal = Number(published[2]!.hostPort);
  await waitFor(async () => assert.match(await tcpRequest('127.0.0.1', tcpAll), 'hello-tcp'), 'tcp via 127.0.0.1');
  assert.match(await tcpRequest(HOST_IP, tcpAll), 'hello-tcp', 'tcp via the host address');
  assert.match(await tcpRequest('127.0.0.1', tcpLocal), 'hello-tcp', 'tcp bound to 127.0.0.1');
  await rejects(() => tcpRequest(HOST_IP, tcpLocal), undefined, 'a 127.0.0.1 binding answering on another address');
  await waitFor(async () => assert.is(await udpRequest('127.0.0.1', udpAll), 'pong-udp'), 'udp via 127.0.0.1');
  assert.is(await udpRequest(HOST_IP, udpAll), 'pong-udp', 'udp via the host address');
  const hairpin = await inNetns(ns(1), ['sh', '-c', `busybox nc -w 2 ${HOST_IP} ${tcpAll} </dev/null`]);
  assert.match(hairpin.out, 'hello-tcp', 'hairpin from a container of the same network');
  const self = await inNetns(ns(2), ['sh', '-c', `busybox nc -w 2 ${HOST_IP} ${tcpAll} </dev/null`]);
  assert.match(self.out, 'hello-tcp', 'hairpin to its own published port');
  const fromB = await inNetns(ns(3), ['sh', '-c', `busybox nc -w 2 ${HOST_IP} ${tcpAll} </dev/null`]);
  assert.match(fromB.out, 'hello-tcp', 'another network reaches a published port');
});

test('port conflicts: named owner, nothing left behind', async () => {
  const blocker = createServer();
  servers.push(blocker);
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  const wanted = [{ hostPort: String(port), containerPort: 80, protocol: 'tcp' as const }];
  assert.throws(() => mgr.checkPortsFree(wanted), new RegExp(`port ${port} is already in use by [^ ]+ \\(pid ${process.pid}\\): stop it or publish another port`));
  // Only rules about this port or container: other tests on the machine change the chains meanwhile.
  const mine = async () => (await ourFirewallLines()).filter((l) => l.includes(String(port)) || l.includes(ep[3]!.ip) || l.includes(id(3).slice(0, 12)));
  const before = await mine();
  await rejects(() => mgr.publishPorts(id(3), ep[3]!.ip, wanted), /already in use/);
  assert.equal(await mine(), before, 'no rule added');
  assert.is(readJson(join(root, 'network', 'ports', `${id(3)}.json`)), undefined, 'no record written');
  const ours = Number((readJson<{ ports: Array<{ hostPort: number }> }>(join(root, 'network', 'ports', `${id(2)}.json`)))!.ports[0]!.hostPort);
  assert.throws(() => mgr.checkPortsFree([{ hostPort: String(ours), containerPort: 80, protocol: 'tcp' }]), /already in use by container demo-c2-1/);
  mgr.checkPortsFree([{ hostPort: String(ours), containerPort: 80, protocol: 'udp' }]);
});

test('disconnect, destroy, remove, teardownAll leave nothing of ours', async () => {
  await mgr.disconnect(id(1), 'neta');
  assert.equal(Object.keys(mgr.endpoints(id(1))!.networks), []);
  await mgr.destroySandbox(id(4));
  assert.not.match(await sh(['ip', 'netns', 'list']), ns(4));
  await mgr.removeNetwork('neti');
  assert.not.match(await sh(['ip', '-o', 'link']), netI.bridge);
  killChildren();
  await mgr.teardownAll();
  await sh(['ip', 'link', 'del', DUMMY]);
  // Only what this test made: other tests on the machine have tsc* links, netns and rules of their own,
  // possibly on the same subnet (each state root has its own address pool), so a subnet alone is not ours.
  const alias = openNetContext(openStateRoot(root)).linkAlias;
  const bridges = [netA, netB, netI].map((n) => n.bridge);
  const ours = (l: string) => l.includes(alias) || bridges.some((b) => l.includes(b));
  const links = (await sh(['ip', '-o', 'link'])).split('\n').filter((l) => /^\d+: tsc/.test(l) && ours(l));
  assert.equal(links, [], 'no tsc* link');
  const namespaces = [1, 2, 3, 4, 5, 6].map(ns);
  assert.equal((await sh(['ip', 'netns', 'list'])).split('\n').filter((l) => namespaces.some((n) => l.startsWith(n))), [], 'no tsc-* netns');
  const save = (await sh(['iptables-save'])).split('\n').filter((l) => /TSC|tsc:/.test(l) && (ours(l) || [netA, netB, netI].some((n) => l.includes(n.id.slice(0, 12))) || Object.values(ep).some((e) => l.includes(`${e.ip}/32`) || l.includes(`${e.ip}:`))));
  assert.equal(save, [], 'no TSC chain, jump or rule');
  assert.equal(mgr.listNetworks(), []);
  assert.ok(parseIp(HOST_IP));
});

s.run();
