// What a container can reach through the host (root; real bridges, netns and
// iptables): the host's loopback services stay out of reach despite
// route_localnet; enable_icc=false separates a network's containers; the
// administrator's TSC-USER chain comes first; the options are checked.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { NetworkManager, type ConnectResult, type NetworkRecord } from '../../../src/engines/embedded/networks/manager.js';
import { recordedHostSysctls } from '../../../src/engines/embedded/networks/host-sysctls.js';
import { openStateRoot } from '../../../src/engines/embedded/state/root.js';
import { requireHost } from '../../host.js';
import { suite } from '../../harness.js';
import { inNetns, missingForNetwork, rejects, sh } from './network-helpers.js';

const s = suite('network scope');
const { ready, test } = requireHost(s, 'network scope tests', missingForNetwork());
let root = '';
let mgr: NetworkManager;
let server: Server | undefined;
let net: NetworkRecord;
const ep: Record<number, ConnectResult> = {};
const id = (n: number) => `5c0fe${String(n).padStart(3, '0')}${'0'.repeat(56)}`;
const ns = (n: number) => `tsc-${id(n).slice(0, 12)}`;

s.before(async () => {
  if (!ready) return;
  root = mkdtempSync(join(tmpdir(), 'tsc-netscope-'));
  mgr = new NetworkManager(openStateRoot(root));
});

s.after(async () => {
  if (!ready) return;
  server?.close();
  let first: unknown;
  await mgr?.teardownAll().catch((e) => { first ??= e; });
  if (root) rmSync(root, { recursive: true, force: true });
  if (first) throw first;
});

test('driver options: unknown ones and bad values are refused, nothing made', async () => {
  if (!ready) return;
  await rejects(() => mgr.createNetwork({ name: 'bad1', driverOpts: { 'com.docker.network.bridge.gateway_mode_ipv4': 'routed' } }), /driver option "com.docker.network.bridge.gateway_mode_ipv4" is not supported/);
  await rejects(() => mgr.createNetwork({ name: 'bad2', driverOpts: { 'com.docker.network.bridge.enable_icc': 'maybe' } }), /enable_icc must be true or false/);
  await rejects(() => mgr.createNetwork({ name: 'bad3', driverOpts: { 'com.docker.network.bridge.host_binding_ipv4': 'localhost' } }), /must be an IPv4 address/);
  assert.equal(mgr.listNetworks().map((n) => n.name), []);
});

test('enable_icc=false: containers of the network do not reach each other; ip_forward recorded', async () => {
  if (!ready) return;
  net = await mgr.createNetwork({ name: 'scope', driverOpts: { 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.bridge.host_binding_ipv4': '127.0.0.1' } });
  for (const n of [1, 2]) {
    await mgr.createSandbox(id(n), { containerName: `scope-${n}` });
    ep[n] = await mgr.connect(id(n), 'scope', { names: [`c${n}`] });
  }
  const ping = await inNetns(ns(1), ['busybox', 'ping', '-c', '1', '-W', '1', ep[2]!.ip]);
  assert.is.not(ping.code, 0, 'c1 reached c2 with enable_icc=false');
  assert.is((await inNetns(ns(1), ['busybox', 'ping', '-c', '1', '-W', '1', net.gateway])).code, 0, 'the gateway is still reachable');
  const recorded = recordedHostSysctls(join(root, 'network'));
  for (const key of Object.keys(recorded)) assert.ok(['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables'].includes(key), key);
  const ports = await mgr.publishPorts(id(1), ep[1]!.ip, [{ containerPort: 80, protocol: 'tcp' }]);
  assert.is(ports[0]!.hostIp, '127.0.0.1', 'host_binding_ipv4 is the default host address of published ports');
});

test('route_localnet: a container sending to 127.0.0.1 through the gateway does not reach host loopback services', async () => {
  if (!ready) return;
  let got = '';
  server = createServer((sock) => sock.on('data', (d) => { got += d.toString(); sock.end('hello from the host\n'); }));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  // The CVE-2020-8558 attack: route 127.0.0.0/8 out of the container's eth0 to the host's bridge.
  const attack = [
    'ip addr flush dev lo',
    `ip route add 127.0.0.0/8 via ${net.gateway} dev eth0`,
    'sysctl -q -w net.ipv4.conf.eth0.route_localnet=1',
    `echo secret-request | busybox nc -w 2 127.0.0.1 ${port}`,
  ].join(' && ');
  const r = await inNetns(ns(1), ['sh', '-c', attack]);
  assert.not.match(r.out, /hello from the host/);
  assert.is(got, '', 'the host service received the container\'s request');
});

test('TSC-USER is evaluated first in FORWARD, and an administrator\'s rules in it survive our teardown', async () => {
  if (!ready) return;
  const forward = (await sh(['iptables', '-S', 'FORWARD'])).split('\n').filter((l) => l.startsWith('-A FORWARD'));
  assert.is(forward[0], '-A FORWARD -j TSC-USER');
  const adminRule = ['-s', '198.51.100.7/32', '-j', 'DROP'];
  await sh(['iptables', '-A', 'TSC-USER', ...adminRule]);
  try {
    await mgr.teardownAll();
    assert.match(await sh(['iptables', '-S', 'TSC-USER']), /-A TSC-USER -s 198.51.100.7\/32 -j DROP/);
  } finally {
    await sh(['iptables', '-D', 'TSC-USER', ...adminRule]).catch(() => undefined);
    // Empty again: our teardown takes the chain away (unless another root still has rules).
    await mgr.teardownAll();
  }
});

s.run();
