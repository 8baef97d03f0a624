// A state root removed while its containers exit (a test's cleanup, a removed
// install): conmon's exit hook must end at once, make nothing again, and start
// no agent; conmon runs it from `/`, a directory that cannot vanish with the root.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { ensureAgent } from '../../../src/engines/embedded/agent/ensure.js';
import { openContainerContext } from '../../../src/engines/embedded/agent/open-context.js';
import { runtimeOf } from '../../../src/engines/embedded/containers/context.js';
import { exitHookCommand } from '../../../src/engines/embedded/restart/exit-command.js';
import { mountsUnder, unmount } from '../../../src/engines/embedded/snapshots/mount.js';
import { isAlive } from '../../../src/engines/embedded/state/process-ref.js';
import { openStateRoot } from '../../../src/engines/embedded/state/root.js';
import { TscError } from '../../../src/util/errors.js';
import { suite } from '../../harness.js';
import { requireHost } from '../../host.js';
import { agentPidsOf, closeTestEngine, missingForEngine, openTestEngine, spec, type TestEngine } from './engine-helpers.js';

const s = suite('exit hook of a removed state root');
const gate = requireHost(s, 'exit hook integration tests', missingForEngine());
const FAKE_ID = 'e'.repeat(64);

/** Exit hooks of `root` alive now, found by their command line. */
function exitHooksOf(root: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv[0] === process.execPath && argv.includes(root) && argv.some((a) => a.includes('agent/exit-hook'))) out.push(Number(name));
    } catch { /* gone */ }
  }
  return out;
}

/** Waits for every pid of `pids()` to be gone; the ones still alive at the deadline (generous: a loaded machine). */
async function stillAliveAfter(pids: () => number[], ms = 90_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = pids().filter((pid) => isAlive({ pid }));
    if (!alive.length || Date.now() > deadline) return alive;
    await sleep(50);
  }
}

function describe(pid: number): string {
  try {
    return `${pid} (${readFileSync(`/proc/${pid}/wchan`, 'utf8')}, cwd ${readlinkSync(`/proc/${pid}/cwd`)})`;
  } catch {
    return String(pid);
  }
}

/** The container's cgroup directories: runc cannot remove them once its state went with the root. */
function cgroupDirsOf(pid: number): string[] {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:[^:]*:\/\S+/.test(l));
  const rel = line?.split(':')[2];
  if (!rel) return [];
  return ['', ...readdirSync('/sys/fs/cgroup')].map((c) => join('/sys/fs/cgroup', c, rel)).filter((d) => existsSync(d));
}

gate.test('a container killed after its root was removed: its exit hook ends, makes nothing again and starts no agent', async () => {
  let t: TestEngine | undefined = await openTestEngine();
  const root = t.root;
  const killLater: number[] = [];
  let cgroups: string[] = [];
  try {
    const id = await t.engine.containers.create(spec({ command: ['sleep', '3600'], restartPolicy: { name: 'always' } }));
    await t.engine.containers.start(id);
    const pid = (await t.engine.containers.inspect(id))!.state.pid;
    const conmon = runtimeOf(openContainerContext(openStateRoot(root)), id).conmonRef()!;
    killLater.push(conmon.pid, pid);
    cgroups = cgroupDirsOf(pid);
    // What the hook inherits: not a directory of the root.
    assert.is(readlinkSync(`/proc/${conmon.pid}/cwd`), '/');

    for (const m of mountsUnder(root).reverse()) await unmount(m).catch(() => unmount(m, { lazy: true }));
    for (const agent of agentPidsOf(root)) process.kill(agent, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
    t = undefined;
    const hooks = new Set<number>();
    const watch = setInterval(() => exitHooksOf(root).forEach((h) => hooks.add(h)), 10);
    process.kill(pid, 'SIGKILL');
    const alive = await stillAliveAfter(() => [conmon.pid, ...exitHooksOf(root), ...hooks]).finally(() => clearInterval(watch));
    killLater.push(...hooks);
    assert.equal(alive.map(describe), [], 'conmon and its exit hook are gone');
    assert.not.ok(existsSync(root), `${root} was made again: ${existsSync(root) ? readdirSync(root).join(', ') : ''}`);
    assert.equal(agentPidsOf(root), [], 'no agent serves the removed root');
  } finally {
    for (const p of [...killLater, ...agentPidsOf(root)]) if (isAlive({ pid: p })) process.kill(p, 'SIGKILL');
    await closeTestEngine(t);
    rmSync(root, { recursive: true, force: true });
    for (const dir of cgroups.reverse()) {
      try { rmdirSync(dir); } catch { /* gone, or runc removed it */ }
    }
  }
});

s('the exit hook, run as conmon runs it, on a root that is gone: exits 0 at once and makes nothing', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'tsc-hook-gone-'));
  const root = join(parent, 'root');
  try {
    const [cmd, ...args] = exitHookCommand(root, FAKE_ID, { name: 'always' })!;
    const child = spawn(cmd!, args, { cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const code = await Promise.race([exited, sleep(90_000).then(() => 'still running after 90 s' as const)]);
    if (code === 'still running after 90 s') child.kill('SIGKILL');
    assert.is(code, 0, stderr);
    assert.is(stderr, '');
    assert.not.ok(existsSync(root), `the hook made ${root} again`);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

s('an agent is not started for a root that is gone, and its directory is not made again', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'tsc-agent-gone-'));
  const root = join(parent, 'root');
  try {
    let error: unknown;
    await ensureAgent(root).catch((e: unknown) => (error = e));
    assert.instance(error, TscError);
    assert.is((error as TscError).code, 'STATE_ROOT_GONE');
    assert.not.ok(existsSync(root));
    assert.equal(agentPidsOf(root), []);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

s.run();
