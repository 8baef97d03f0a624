// Networking end to end: the built CLI brings up real containers on real
// bridges in a temporary state root, with the DNS agent, NAT and published
// ports. Traffic goes only to loopback, the networks the test made and the
// host's own address. Upstream DNS is a responder of the test's own
// (network-peers.ts, in a child process).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { stopAgent } from '../../src/engines/embedded/agent/ensure.js';
import { openNetContext } from '../../src/engines/embedded/networks/context.js';
import { NetworkManager } from '../../src/engines/embedded/networks/manager.js';
import { listLinks, listNetns } from '../../src/engines/embedded/networks/commands.js';
import { ourFirewallLines } from '../../src/engines/embedded/networks/firewall.js';
import { openStateRoot } from '../../src/engines/embedded/state/root.js';
import { createEmbeddedEngine } from '../../src/engines/embedded/engine.js';
import { mountsUnder, unmount } from '../../src/engines/embedded/snapshots/mount.js';
import { cgroupDirs, cgroupsPathFor } from '../../src/engines/embedded/runtime/cgroups.js';
import { buildBusyboxRootfsTar } from '../fixtures/images/busybox.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import { missingForNetwork } from '../engines/embedded/network-helpers.js';
import { runCli, type CliResult } from './cli.js';

const s = suite('cli networking');
const { ready, test } = requireHost(s, 'cli networking tests', [...new Set([...missingForEngine(), ...missingForNetwork()])]);

let root = '';
let dir = '';
let conflictDir = '';
let peers: ChildProcess | undefined;
let hostListenerPort = 0;
let env: Record<string, string> = {};

const TCP_PORT = 28080;
const UDP_PORT = 28081;

const COMPOSE = `
name: tscnet
services:
  a:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    networks: [front]
    links: ["b:legacyb"]
  b:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo hello-from-b > /www/index.html && httpd -f -p 8080 -h /www"]
    stop_signal: SIGKILL
    hostname: bhost
    networks:
      front:
        aliases: [bee]
    ports: ["${TCP_PORT}:8080", "${UDP_PORT}:9999/udp"]
  r:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo random > /www/index.html && httpd -f -p 80 -h /www"]
    stop_signal: SIGKILL
    ports: ["80"]
  c:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    scale: 2
    networks: [front]
  other:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    networks: [back]
  sealed:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    networks: [inner]
  owndns:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    dns: [127.0.0.2]
    networks: [front]
networks:
  front: {}
  back: {}
  inner: { internal: true }
`;

function cliIn(cwd: string, args: string[]): CliResult {
  return runCli(['--progress', 'plain', ...args], { cwd, env });
}

function cli(...args: string[]): CliResult {
  const r = cliIn(dir, args);
  if (r.code !== 0) throw new Error(`tscompose ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r;
}

/** `exec` in a service container; never throws on a non-zero exit. */
function sh(service: string, script: string, index?: number): CliResult {
  return cliIn(dir, ['exec', '-T', ...(index ? ['--index', String(index)] : []), service, 'sh', '-c', script]);
}

interface InspectNet { IPAddress: string; Gateway: string; MacAddress: string; Aliases: string[] | null; DNSNames: string[] }
function inspect(service: string, index?: number): { NetworkSettings: { Networks: Record<string, InspectNet>; Ports: Record<string, unknown> } } {
  return JSON.parse(cli('inspect', ...(index ? ['--index', String(index)] : []), service).stdout)[0];
}

/** Pids of the processes called `comm` whose command line mentions `text`. */
function processesMentioning(comm: string, text: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === comm && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  }).map(Number);
}

/** Starts test/cli/network-peers.ts; resolves once it prints its ports. */
function startPeers(): Promise<{ child: ChildProcess; dnsPort: number; tcpPort: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./network-peers.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`network-peers exited ${code} before it was ready`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve({ child, ...JSON.parse(out) });
    });
  });
}

/** wget from inside a container, retried for a few seconds (the server may still be starting). */
function fetchIn(service: string, url: string): CliResult {
  return sh(service, `for i in $(seq 1 50); do timeout 2 wget -q -O - ${url} && exit 0; sleep 0.1; done; exit 1`);
}

function hostAddress(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (name === 'lo' || name.startsWith('tsc')) continue;
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  throw new Error('the host has no non-loopback IPv4 address for the published-port test');
}

async function httpGet(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return (await res.text()).trim();
}

/** Udp NoPorts of the container's namespace: counts datagrams that reached it (nothing listens there). */
function udpNoPorts(service: string): number {
  const snmp = sh(service, 'cat /proc/net/snmp').stdout.split('\n').filter((l) => l.startsWith('Udp:'));
  const [head, values] = [snmp[0]!.split(/\s+/), snmp[1]!.split(/\s+/)];
  return Number(values[head.indexOf('NoPorts')]);
}

s.before(async () => {
  if (!ready) return;
  root = mkdtempSync(join(tmpdir(), 'tsc-netcli-'));
  dir = join(root, 'project');
  conflictDir = join(root, 'conflict');
  mkdirSync(dir);
  mkdirSync(conflictDir);
  const started = await startPeers();
  peers = started.child;
  hostListenerPort = started.tcpPort;
  env = { TSCOMPOSE_ROOT: join(root, 'state'), TSCOMPOSE_DNS_UPSTREAMS: `127.0.0.1:${started.dnsPort}` };
  const tar = join(root, 'busybox.tar');
  await buildBusyboxRootfsTar(tar);
  cli('image', 'import', tar, 'busybox:latest');
  writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
  cli('up', '-d');
});

s.after(async () => {
  if (!root) return;
  const errors: unknown[] = [];
  const step = async (fn: () => unknown) => { try { await fn(); } catch (e) { errors.push(e); } };
  for (const d of [dir, conflictDir]) await step(() => cliIn(d, ['down', '-v', '-t', '0']));
  const state = join(root, 'state');
  await step(async () => {
    // Whatever down left: containers, then the network side, then the agent.
    const engine = await createEmbeddedEngine({ root: state });
    for (const c of await engine.containers.list({ all: true })) await engine.containers.remove(c.id, { force: true, volumes: true });
    await new NetworkManager(openStateRoot(state)).teardownAll();
  });
  await step(() => stopAgent(state));
  for (const m of mountsUnder(root)) await step(() => unmount(m).catch(() => unmount(m, { lazy: true })));
  if (peers?.pid) await step(() => process.kill(peers!.pid!, 'SIGTERM'));
  rmSync(root, { recursive: true, force: true });
  if (errors.length) throw errors[0];
});

test('A reaches B by service name, container name, alias, hostname and its links alias', () => {
  for (const name of ['b', 'tscnet-b-1', 'bee', 'bhost', 'legacyb']) {
    const r = fetchIn('a', `http://${name}:8080/`);
    assert.is(r.stdout.trim(), 'hello-from-b', `${name}: ${r.stderr}`);
  }
  // A links alias is the linking container's own name for B.
  assert.not.match(sh('c', 'nslookup -type=a legacyb').stdout, /Address: 1[79]/);
});

test('/etc/hosts has the container\'s own address and /etc/resolv.conf the gateway', () => {
  const b = inspect('b').NetworkSettings.Networks.tscnet_front!;
  assert.match(sh('b', 'cat /etc/hosts').stdout, `${b.IPAddress}\tbhost\n`);
  assert.match(sh('b', 'cat /etc/resolv.conf').stdout, `nameserver ${b.Gateway}\n`);
  assert.match(b.MacAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  assert.equal(b.Aliases?.includes('bee'), true);
});

test('a scaled service resolves to all its replicas', () => {
  const ips = [1, 2].map((i) => inspect('c', i).NetworkSettings.Networks.tscnet_front!.IPAddress).sort();
  const out = sh('a', 'nslookup -type=a c').stdout;
  for (const ip of ips) assert.match(out, `Address: ${ip}`);
});

test('a container on another network can neither resolve nor reach them', () => {
  const bIp = inspect('b').NetworkSettings.Networks.tscnet_front!.IPAddress;
  const lookup = sh('other', 'nslookup b');
  assert.not.match(lookup.stdout, bIp);
  const reach = sh('other', `timeout 3 wget -q -O - http://${bIp}:8080/`);
  assert.is.not(reach.code, 0);
});

test('an internal network has no egress; another reaches a listener on the host', () => {
  const host = hostAddress();
  assert.is(sh('a', `nc -w 5 ${host} ${hostListenerPort} </dev/null`).stdout.trim(), 'host-says-hi');
  assert.not.match(sh('sealed', 'ip route').stdout, /default/);
  assert.is.not(sh('sealed', `nc -w 3 ${host} ${hostListenerPort} </dev/null`).code, 0);
});

test('other names are forwarded: to the host resolvers, or to the container\'s dns servers', () => {
  assert.match(sh('a', 'nslookup -type=a www.ext.test').stdout, 'Address: 10.9.8.7');
  assert.match(sh('owndns', 'nslookup -type=a www.ext.test').stdout, 'Address: 10.9.8.6');
  // Its own names still come from our resolver.
  assert.match(sh('owndns', 'cat /etc/resolv.conf').stdout, /^nameserver 172\.|^nameserver 192\.168\./m);
  assert.match(sh('owndns', 'nslookup -type=a b').stdout, inspect('b').NetworkSettings.Networks.tscnet_front!.IPAddress);
});

test('published TCP and UDP ports answer on 127.0.0.1 and the host address', async () => {
  const host = hostAddress();
  assert.is(await httpGet(`http://127.0.0.1:${TCP_PORT}/`), 'hello-from-b');
  assert.is(await httpGet(`http://${host}:${TCP_PORT}/`), 'hello-from-b');
  const before = udpNoPorts('b');
  const sock = createSocket('udp4');
  for (const to of ['127.0.0.1', host]) await new Promise((resolve) => sock.send('ping', UDP_PORT, to, resolve));
  sock.close();
  for (let i = 0; i < 300 && udpNoPorts('b') - before < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.is(udpNoPorts('b') - before, 2, 'both datagrams reached the container');
  assert.match(cli('ps').stdout, `0.0.0.0:${TCP_PORT}->8080/tcp, 0.0.0.0:${UDP_PORT}->9999/udp`);
});

test('a random published port is reported by port, ps and inspect', async () => {
  const out = cli('port', 'r', '80').stdout.trim();
  const m = /^0\.0\.0\.0:(\d+)$/.exec(out);
  assert.ok(m, out);
  assert.is(await httpGet(`http://127.0.0.1:${m![1]}/`), 'random');
  assert.match(cli('ps', 'r').stdout, `0.0.0.0:${m![1]}->80/tcp`);
  assert.equal(inspect('r').NetworkSettings.Ports['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: m![1] }]);
});

test('a port conflict fails before anything is made, naming the port and its owner', async () => {
  writeFileSync(join(conflictDir, 'compose.yaml'), `name: tscclash\nservices:\n  x:\n    image: busybox\n    command: sleep 1000\n    ports: ["${TCP_PORT}:80"]\n`);
  const r = cliIn(conflictDir, ['up', '-d']);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, `port ${TCP_PORT} is already in use by container tscnet-b-1`);
  writeFileSync(join(conflictDir, 'compose.yaml'), `name: tscclash\nservices:\n  x:\n    image: busybox\n    command: sleep 1000\n    ports: ["${hostListenerPort}:80"]\n`);
  const r2 = cliIn(conflictDir, ['up', '-d']);
  assert.match(r2.stderr, `port ${hostListenerPort} is already in use by node (pid ${peers!.pid})`);
  assert.is(cliIn(conflictDir, ['ps', '-a', '-q']).stdout, '');
  const engine = await createEmbeddedEngine({ root: env.TSCOMPOSE_ROOT! });
  assert.equal((await engine.networks.list({ labels: { 'com.docker.compose.project': 'tscclash' } })).length, 0);
});

test('stop removes the endpoint at once (DNS forgets it); start brings it back', () => {
  cli('stop', '-t', '0', 'b');
  assert.not.match(sh('a', 'nslookup -type=a bee').stdout, /Address: 1[79]/);
  cli('start', 'b');
  assert.is(fetchIn('a', 'http://bee:8080/').stdout.trim(), 'hello-from-b');
});

test('after down nothing of ours is left: links, namespaces, firewall rules, mounts, cgroups, runc state, conmon, agent', async () => {
  const state = openStateRoot(env.TSCOMPOSE_ROOT!);
  const ids = (await (await createEmbeddedEngine({ root: state.path })).containers.list({ all: true })).map((c) => c.id);
  const containers = ids.map((id) => id.slice(0, 12));
  const networks = new NetworkManager(state).listNetworks().map((n) => n.id.slice(0, 12));
  cli('down', '-t', '0');
  // The teardown of many containers is batched (one umount, one ip per wave): each one's own parts are gone all the same.
  assert.equal(mountsUnder(state.path), []);
  assert.equal(ids.flatMap((id) => cgroupDirs(cgroupsPathFor(id))), []);
  assert.equal(ids.filter((id) => existsSync(join(state.path, 'runtime', 'runc', id))), []);
  assert.equal(processesMentioning('conmon', state.path), []);
  const alias = openNetContext(state).linkAlias;
  assert.equal((await listLinks()).filter((l) => l.ifalias === alias).map((l) => l.ifname), []);
  assert.equal((await listNetns()).filter((n) => containers.some((id) => n === `tsc-${id}`)), []);
  const lines = await ourFirewallLines();
  assert.equal(lines.filter((l) => [...containers, ...networks].some((id) => l.includes(`tsc:${id}`) || l.includes(`+${id}`))), []);
  assert.is(await stopAgent(state.path), false, 'the agent stopped with the last network');
});

s.run();
