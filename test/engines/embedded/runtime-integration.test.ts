// Real containers: a busybox rootfs built here (no image store), overlay
// mounts, conmon + runc. Needs root, runc, conmon, overlayfs and busybox.
import { suite } from '../../harness.js';
import { requireHost } from '../../host.js';
import * as assert from 'uvu/assert';
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import type { ContainerSpec } from '../../../src/engine/types.js';
import { buildOciSpec, type ResolvedMount } from '../../../src/engines/embedded/runtime/oci-spec.js';
import { ContainerRuntime } from '../../../src/engines/embedded/runtime/container-runtime.js';
import { readHostRlimits } from '../../../src/engines/embedded/runtime/rlimits.js';
import { CONMON_CGROUP, detectCgroupVersion, readCgroupFile, cgroupDirs } from '../../../src/engines/embedded/runtime/cgroups.js';
import { findInPath } from '../../../src/util/find-in-path.js';
import { cleanupLeftovers } from '../../../src/engines/embedded/runtime/cleanup.js';
import { cgroupsOf, inConmonCgroup } from '../../../src/engines/embedded/runtime/conmon-cgroup.js';
import { isAlive } from '../../../src/engines/embedded/state/process-ref.js';
import { parseK8sLog } from '../../../src/engines/embedded/runtime/k8s-log.js';
import { isMounted, mountOverlay, mountsUnder, unmount } from '../../../src/engines/embedded/snapshots/mount.js';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

function missingRequirements(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  if (!findInPath('runc')) missing.push('runc (`apt-get install runc`)');
  if (!findInPath('conmon')) missing.push('conmon (`apt-get install conmon`)');
  if (!existsSync('/bin/busybox')) missing.push('busybox (`apt-get install busybox-static`)');
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) missing.push('overlayfs');
  return missing;
}

const missing = missingRequirements();
const s = suite('runtime-integration');
const { test } = requireHost(s, 'runtime integration tests', missing);
let root = '';
let lower = '';
const created: Array<{ ctr: ContainerRuntime; rootfs: string }> = [];

function buildBusyboxRootfs(dir: string): void {
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'ro', 'scratch', 'root']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  for (const applet of execFileSync('/bin/busybox', ['--list']).toString().trim().split('\n')) {
    if (applet && applet !== 'busybox') symlinkSync('busybox', join(dir, 'bin', applet));
  }
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
}

let counter = 0;

interface Made {
  ctr: ContainerRuntime;
  bundle: string;
  rootfs: string;
  id: string;
}

/** Mounts an overlay rootfs over the busybox lower dir and builds the bundle; `start` unless told not to. */
async function makeContainer(spec: Partial<ContainerSpec>, opts: { mounts?: ResolvedMount[]; start?: boolean } = {}): Promise<Made> {
  const id = `tsct${process.pid}x${++counter}`;
  const dir = join(root, 'c', id);
  const rootfs = join(dir, 'rootfs');
  for (const d of ['upper', 'work', 'rootfs', 'bundle']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost\n');
  writeFileSync(join(dir, 'hostname'), `${spec.hostname ?? id}\n`);
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  await mountOverlay({ lowerDirs: [lower], upperDir: join(dir, 'upper'), workDir: join(dir, 'work'), target: rootfs });
  const ctr = new ContainerRuntime({ stateRoot: root, id, name: id });
  created.push({ ctr, rootfs });
  const oci = buildOciSpec({
    id,
    spec: { name: id, image: 'busybox', labels: {}, env: {}, ...spec },
    image: { Cmd: ['sh'] },
    rootfs,
    hostsFile: join(dir, 'hosts'),
    hostnameFile: join(dir, 'hostname'),
    resolvConfFile: join(dir, 'resolv.conf'),
    resolvedMounts: opts.mounts ?? [],
    cgroupsPath: ctr.cgroupsPath,
    hostRlimits: readHostRlimits(),
    cgroupVersion: detectCgroupVersion(),
  });
  const bundle = join(dir, 'bundle');
  await ctr.create(bundle, oci);
  if (opts.start !== false) await ctr.start();
  return { ctr, bundle, rootfs, id };
}

function logOf(ctr: ContainerRuntime) {
  return parseK8sLog(readFileSync(ctr.paths.logPath, 'utf8'));
}

function collector() {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += chunk.toString(); cb(); } });
  return { stream, text: () => text };
}

s.before(() => {
  if (missing.length) return;
  root = mkdtempSync(join(tmpdir(), 'tsc-runtime-'));
  lower = join(root, 'busybox');
  buildBusyboxRootfs(lower);
});

s.after(async () => {
  if (!root) return;
  const errors: unknown[] = [];
  for (const { ctr, rootfs } of created.reverse()) {
    await ctr.delete({ force: true }).catch((e) => errors.push(e));
    await unmount(rootfs).catch(() => unmount(rootfs, { lazy: true })).catch((e) => errors.push(e));
  }
  for (const m of mountsUnder(root)) await unmount(m, { lazy: true }).catch((e) => errors.push(e));
  rmSync(root, { recursive: true, force: true });
  if (errors.length) throw errors[0];
});

test('own pid namespace, own hostname, logs with streams and timestamps, exit code', async () => {
  const { ctr } = await makeContainer({ hostname: 'box1', command: ['sh', '-c', 'echo to-out; echo to-err >&2; ps -o pid,args; hostname; exit 3'] });
  assert.is(await ctr.wait(15_000), 3);
  const state = await ctr.state();
  assert.is(state.status, 'exited');
  assert.is(state.exitCode, 3);
  const log = logOf(ctr);
  assert.ok(log.some((e) => e.stream === 'stdout' && e.line === 'to-out'));
  assert.ok(log.some((e) => e.stream === 'stderr' && e.line === 'to-err'));
  assert.not.ok(log.some((e) => e.stream === 'stdout' && e.line === 'to-err'));
  for (const e of log) assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d)$/);
  const pid1 = log.find((e) => /^\s*1\s/.test(e.line));
  assert.ok(pid1, 'ps shows a PID 1');
  assert.match(pid1!.line, /sh -c echo to-out/);
  assert.ok(log.filter((e) => /^\s*\d+\s/.test(e.line)).length <= 3, 'only the container\'s own processes');
  assert.ok(log.some((e) => e.line === 'box1'));
});

test('keeps running after the creating process exits; stop escalates to SIGKILL', async () => {
  const { ctr, bundle, id } = await makeContainer({ command: ['sleep', '300'] }, { start: false });
  // Recreate it from a child process instead: delete the first, keep its bundle and rootfs.
  await ctr.delete({ force: true });
  const spec = readFileSync(join(bundle, 'config.json'), 'utf8');
  const script = join(root, `child-${id}.mts`);
  writeFileSync(script, `
    import { ContainerRuntime } from ${JSON.stringify(join(repoRoot, 'src/engines/embedded/runtime/container-runtime.ts'))};
    const ctr = new ContainerRuntime({ stateRoot: ${JSON.stringify(root)}, id: ${JSON.stringify(id)} });
    await ctr.create(${JSON.stringify(bundle)}, JSON.parse(${JSON.stringify(spec)}));
    await ctr.start();
    console.log('started');
  `);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((res) => {
    const t = setTimeout(() => { child.kill('SIGKILL'); res(null); }, 30_000);
    child.on('exit', (c) => { clearTimeout(t); res(c); });
  });
  assert.is(code, 0, `child exited by itself: ${out}`);
  const state = await ctr.state();
  assert.is(state.status, 'running');
  assert.ok(state.conmonAlive);
  assert.ok(state.pid > 0);
  // sleep as PID 1 ignores SIGTERM: stop waits 1 s, then kills.
  const t0 = Date.now();
  assert.is(await ctr.stop(1), 137);
  assert.ok(Date.now() - t0 >= 900);
  assert.is((await ctr.state()).status, 'exited');
});

test('exec: exit codes and output pass through; ps lists the processes', async () => {
  const { ctr, bundle } = await makeContainer({ command: ['sleep', '300'] });
  assert.is(await ctr.exec(bundle, { cmd: ['sh', '-c', 'exit 7'] }), 7);
  const out = collector();
  assert.is(await ctr.exec(bundle, { cmd: ['sh', '-c', 'echo hi-$(id -u)'], user: 'nobody' }, { stdout: out.stream }), 0);
  assert.is(out.text().trim(), 'hi-65534');
  assert.is(await ctr.exec(bundle, { cmd: ['/no/such'] }) !== 0, true);
  assert.ok((await ctr.ps()).length >= 1);
  assert.is(await ctr.stop(5, 'SIGKILL'), 137);
});

test('memory and pids limits are set in the cgroup and enforced', async () => {
  const mem = 32 * 1024 * 1024;
  // A shell as PID 1 reaps the exec's orphans (zombies count against pids.max).
  const { ctr, bundle } = await makeContainer({ command: ['sh', '-c', 'while true; do sleep 1; done'], resources: { memoryBytes: mem, memorySwapBytes: mem, pidsLimit: 10 } });
  if (detectCgroupVersion() === 1) {
    assert.is(readCgroupFile(ctr.cgroupsPath, 'memory', 'memory.limit_in_bytes'), String(mem));
  } else {
    assert.is(readCgroupFile(ctr.cgroupsPath, 'memory', 'memory.max'), String(mem));
  }
  assert.is(readCgroupFile(ctr.cgroupsPath, 'pids', 'pids.max'), '10');
  const err = collector();
  const out = collector();
  await ctr.exec(bundle, { cmd: ['sh', '-c', 'i=0; while [ $i -lt 30 ]; do sleep 2 >/dev/null 2>&1 & i=$((i+1)); done; wait'] }, { stdout: out.stream, stderr: err.stream });
  assert.match(err.text(), /fork|Resource temporarily unavailable/i);
  assert.ok(Number(readCgroupFile(ctr.cgroupsPath, 'pids', 'pids.current')) <= 10);
  for (let i = 0; i < 100 && Number(readCgroupFile(ctr.cgroupsPath, 'pids', 'pids.current')) > 3; i++) await new Promise((r) => setTimeout(r, 100));
  // Over the memory limit the kernel's OOM killer ends the allocating process.
  const oomOut = collector();
  const code = await ctr.exec(bundle, { cmd: ['sh', '-c', 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo ${#x}'] }, { stdout: oomOut.stream, stderr: oomOut.stream });
  assert.is.not(code, 0, oomOut.text());
  const oomKills = detectCgroupVersion() === 1
    ? /oom_kill (\d+)/.exec(readCgroupFile(ctr.cgroupsPath, 'memory', 'memory.oom_control') ?? '')?.[1]
    : /oom_kill (\d+)/.exec(readCgroupFile(ctr.cgroupsPath, 'memory', 'memory.events') ?? '')?.[1];
  assert.ok(Number(oomKills) >= 1, `oom_kill count: ${oomKills}`);
  await ctr.stop(1);
});

test('overlay writes stay in the upper dir; read-only bind refuses writes; tmpfs has the asked size', async () => {
  const hostDir = join(root, 'host-ro');
  mkdirSync(hostDir);
  writeFileSync(join(hostDir, 'f'), 'orig');
  const { ctr, rootfs } = await makeContainer({
    command: ['sh', '-c', 'echo new > /newfile; echo changed > /etc/passwd; echo x > /ro/f; echo ro=$?; grep " /scratch " /proc/mounts; cat /ro/f'],
  }, {
    mounts: [
      { target: '/ro', source: hostDir, type: 'bind', options: ['ro', 'rprivate'] },
      { target: '/scratch', source: '', type: 'tmpfs', options: ['nosuid', 'nodev', 'size=2097152'] },
    ],
  });
  assert.is(await ctr.wait(15_000), 0);
  const upper = join(rootfs, '..', 'upper');
  assert.is(readFileSync(join(upper, 'newfile'), 'utf8'), 'new\n');
  assert.not.ok(existsSync(join(lower, 'newfile')));
  assert.match(readFileSync(join(lower, 'etc/passwd'), 'utf8'), /^root:/);
  assert.is(readFileSync(join(upper, 'etc/passwd'), 'utf8'), 'changed\n');
  assert.is(readFileSync(join(hostDir, 'f'), 'utf8'), 'orig');
  const log = logOf(ctr);
  assert.ok(log.some((e) => e.stream === 'stderr' && /Read-only file system/.test(e.line)));
  assert.ok(log.some((e) => e.line === 'ro=1' || /^ro=[1-9]/.test(e.line)));
  assert.ok(log.some((e) => / \/scratch tmpfs .*size=2048k/.test(e.line)), JSON.stringify(log));
  assert.ok(isMounted(rootfs));
});

async function killConmon(ctr: ContainerRuntime): Promise<void> {
  const ref = ctr.conmonRef()!;
  process.kill(ref.pid, 'SIGKILL');
  for (let i = 0; i < 100 && isAlive(ref); i++) await new Promise((r) => setTimeout(r, 50));
  assert.not.ok(isAlive(ref), 'conmon is gone');
}

test('cleanupLeftovers: a container whose conmon died is left running; once its process ends, it is deleted', async () => {
  const { ctr, rootfs } = await makeContainer({ command: ['sleep', '300'] });
  const pid = (await ctr.state()).pid;
  await killConmon(ctr);
  const report = await cleanupLeftovers(root);
  assert.equal(report.unmonitored, [ctr.id], JSON.stringify(report));
  // (Containers of the tests before, which ended, are deleted.)
  assert.not.ok(report.deleted.includes(ctr.id));
  const state = await ctr.state();
  assert.is(state.status, 'running');
  assert.is(state.pid, pid);
  assert.not.ok(state.conmonAlive);
  assert.ok(isMounted(rootfs));

  // Stopped through runc alone: wait() watches the process, and learns no exit code.
  await ctr.runtime.kill(ctr.id, 'SIGKILL');
  assert.is(await ctr.wait(15_000), undefined);
  assert.is((await ctr.runtime.state(ctr.id))?.status, 'stopped');
  const after = await cleanupLeftovers(root);
  assert.ok(after.deleted.includes(ctr.id), JSON.stringify(after));
  assert.equal(after.unmonitored, []);
  assert.ok(after.unmounted.includes(rootfs));
  assert.is(ctr.exitCode(), undefined, 'no exit code is made up');
  assert.equal(cgroupDirs(ctr.cgroupsPath), []);
});

test('conmon runs in its own cgroup (/tscompose/conmon) in every hierarchy, not in ours', async () => {
  const { ctr } = await makeContainer({ command: ['sleep', '300'] });
  const conmon = ctr.conmonRef()!;
  const cgroups = cgroupsOf(conmon.pid);
  const ours = cgroupsOf(process.pid);
  assert.ok(cgroups.size > 0);
  assert.equal([...cgroups.keys()].sort(), [...ours.keys()].sort(), 'one line per hierarchy, as ours');
  for (const [hierarchy, path] of cgroups) assert.is(path, CONMON_CGROUP, `${hierarchy}: ${path}`);
  assert.ok(inConmonCgroup(conmon.pid));
  // The container itself is in its own cgroup, below the same parent.
  for (const path of cgroupsOf((await ctr.state()).pid).values()) assert.is(path, ctr.cgroupsPath);
  await ctr.delete({ force: true });
  assert.not.ok(isAlive(conmon));
});

s.run();
