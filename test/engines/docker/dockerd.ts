// A dockerd of the tests' own: its own containerd, data root, exec root,
// socket and pidfile, inside a network namespace of its own so that its
// iptables rules (bridge NAT, Swarm's ingress) never touch the host's.
// The namespace's only link is a veth pair with both ends inside it, with a documentation
// address (192.0.2.1, TEST-NET-1): nothing it sends can leave it.
// Stopped by pid, its directories and namespace removed, even on failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mountsUnder, unmount } from '../../../src/engines/embedded/snapshots/mount.js';

export const NAMESPACE_ADDRESS = '192.0.2.1';

export interface TestDockerd {
  dir: string;
  /** `unix:///…/docker.sock` */
  host: string;
  socket: string;
  netns: string;
  dockerdPid: number;
  containerdPid: number;
  /** Runs argv inside the namespace (for traffic to published ports); throws on failure. */
  inNamespace(argv: string[], opts?: { input?: string }): string;
}

export function missingForDockerd(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const [bin, pkg] of [['dockerd', 'docker.io'], ['containerd', 'containerd'], ['runc', 'runc'], ['ip', 'iproute2'], ['busybox', 'busybox-static']]) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) missing.push(`${bin} (\`apt-get install ${pkg}\`)`);
  }
  return missing;
}

function run(argv: string[], input?: string): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status ?? r.signal}\n${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, child: ChildProcess, logFile: string, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await ok())) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${limitMs / 1000}s:\n${tail(logFile)}`);
    await sleep(100);
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

function pingSocket(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:http').then(({ request }) => {
      const req = request({ socketPath: socket, path: '/_ping', timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => { req.destroy(); resolve(false); });
      req.end();
    }, () => resolve(false));
  });
}

export async function startTestDockerd(): Promise<TestDockerd> {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-dockerd-'));
  const netns = `tscdk${process.pid % 100000}${Math.floor(Math.random() * 1000)}`;
  const state: Partial<TestDockerd> & { dir: string; netns: string; children: ChildProcess[] } = { dir, netns, children: [] };
  try {
    run(['ip', 'netns', 'add', netns]);
    run(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
    // A veth pair with both ends inside (the kernel has no dummy driver here).
    run(['ip', '-n', netns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
    run(['ip', '-n', netns, 'link', 'set', 'eth1', 'up']);
    run(['ip', '-n', netns, 'addr', 'add', `${NAMESPACE_ADDRESS}/24`, 'dev', 'eth0']);
    run(['ip', '-n', netns, 'link', 'set', 'eth0', 'up']);

    const containerdSock = join(dir, 'containerd.sock');
    writeFileSync(join(dir, 'containerd.toml'), [
      'version = 2',
      `root = "${join(dir, 'containerd-root')}"`,
      `state = "${join(dir, 'containerd-state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]', `  address = "${containerdSock}"`,
      '[ttrpc]', `  address = "${containerdSock}.ttrpc"`,
      '[debug]', '  address = ""',
      '[metrics]', '  address = ""',
      '',
    ].join('\n'));
    const containerdLog = join(dir, 'containerd.log');
    const containerd = spawnLogged(['nsenter', `--net=/run/netns/${netns}`, 'containerd', '--config', join(dir, 'containerd.toml')], containerdLog);
    state.children.push(containerd);
    state.containerdPid = containerd.pid;
    await waitFor('containerd', () => existsSync(containerdSock), containerd, containerdLog);

    const socket = join(dir, 'docker.sock');
    writeFileSync(join(dir, 'daemon.json'), '{}\n');
    mkdirSync(join(dir, 'data'));
    const dockerdLog = join(dir, 'dockerd.log');
    const dockerd = spawnLogged([
      // nsenter, not `ip netns exec`: that remounts /sys, hiding the cgroup mounts dockerd needs.
      'nsenter', `--net=/run/netns/${netns}`, 'dockerd',
      '--config-file', join(dir, 'daemon.json'),
      '--data-root', join(dir, 'data'),
      '--exec-root', join(dir, 'exec'),
      '--pidfile', join(dir, 'dockerd.pid'),
      '--containerd', containerdSock,
      '--containerd-namespace', 'tscmoby',
      '--containerd-plugins-namespace', 'tscplugins',
      '-H', `unix://${socket}`,
      '--storage-driver', 'overlay2',
    ], dockerdLog);
    state.children.push(dockerd);
    state.dockerdPid = dockerd.pid;
    await waitFor('dockerd', () => pingSocket(socket), dockerd, dockerdLog);
    return {
      dir, netns, socket, host: `unix://${socket}`, dockerdPid: dockerd.pid!, containerdPid: containerd.pid!,
      inNamespace: (argv, opts) => run(['ip', 'netns', 'exec', netns, ...argv], opts?.input),
      [CHILDREN]: state.children,
    } as TestDockerd;
  } catch (error) {
    await cleanup(state);
    throw error;
  }
}

const CHILDREN = Symbol('children');

function spawnLogged(argv: string[], logFile: string): ChildProcess & { pid: number } {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, fd] });
    child.on('error', () => { /* reported through exitCode by waitFor */ });
    return child as ChildProcess & { pid: number };
  } finally {
    closeSync(fd);
  }
}

async function stopChild(child: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
    await exited;
  }
}

/** Shims our containerd started (found by its socket in their command line). */
function shimPids(containerdSock: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.includes('containerd-shim') && argv.includes(containerdSock)) out.push(Number(name));
    } catch { /* gone */ }
  }
  return out;
}

async function cleanup(state: { dir: string; netns: string; children: ChildProcess[] }): Promise<void> {
  const [containerd, dockerd] = state.children;
  await stopChild(dockerd, 20_000);
  await stopChild(containerd, 10_000);
  for (const pid of shimPids(join(state.dir, 'containerd.sock'))) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const m of mountsUnder(state.dir)) await unmount(m).catch(() => unmount(m, { lazy: true })).catch(() => undefined);
  spawnSync('ip', ['netns', 'del', state.netns]);
  rmSync(state.dir, { recursive: true, force: true, maxRetries: 3 });
}

export async function stopTestDockerd(d: TestDockerd | undefined): Promise<void> {
  if (!d) return;
  await cleanup({ dir: d.dir, netns: d.netns, children: (d as unknown as Record<symbol, ChildProcess[]>)[CHILDREN] ?? [] });
}

/** Debian's docker-registry on 127.0.0.1:5000 inside the dockerd's namespace (an insecure registry to dockerd, as all of 127/8 is). */
export async function startNamespaceRegistry(d: TestDockerd): Promise<{ address: string; stop: () => Promise<void> }> {
  const dir = join(d.dir, 'registry');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:5000\n`);
  const log = join(dir, 'registry.log');
  const child = spawnLogged(['nsenter', `--net=/run/netns/${d.netns}`, 'docker-registry', 'serve', join(dir, 'config.yml')], log);
  const stop = () => stopChild(child, 5_000);
  try {
    await waitFor('docker-registry', () => spawnSync('nsenter', [`--net=/run/netns/${d.netns}`, process.execPath, '-e',
      "require('http').get('http://127.0.0.1:5000/v2/', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]).status === 0, child, log, 20_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address: '127.0.0.1:5000', stop };
}

/** A veth pair between two test dockerds' namespaces, with TEST-NET-2 addresses (198.51.100.0/24): the link of a two-node Swarm. */
export function linkDockerds(a: TestDockerd, b: TestDockerd): { a: string; b: string } {
  run(['ip', '-n', a.netns, 'link', 'add', 'eth2', 'type', 'veth', 'peer', 'name', 'eth2', 'netns', b.netns]);
  const addresses = { a: '198.51.100.1', b: '198.51.100.2' };
  for (const [d, address] of [[a, addresses.a], [b, addresses.b]] as const) {
    run(['ip', '-n', d.netns, 'addr', 'add', `${address}/24`, 'dev', 'eth2']);
    run(['ip', '-n', d.netns, 'link', 'set', 'eth2', 'up']);
  }
  return addresses;
}
