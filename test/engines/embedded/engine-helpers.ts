// Shared by the engine*.test.ts suites: a temporary state root with the
// busybox image, a spec builder, and cleanup that always runs.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { ContainerSpec, Engine } from '../../../src/engine/types.js';
import { createEmbeddedEngine } from '../../../src/engines/embedded/engine.js';
import { findInPath } from '../../../src/util/find-in-path.js';
import { mountsUnder, unmount } from '../../../src/engines/embedded/snapshots/mount.js';
import { importBusybox } from '../../fixtures/images/busybox.js';
import { stopAgent } from '../../../src/engines/embedded/agent/ensure.js';
import { isAlive } from '../../../src/engines/embedded/state/process-ref.js';
import { suite } from '../../harness.js';
import { requireHost } from '../../host.js';

export function missingForEngine(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  if (!findInPath('runc')) missing.push('runc (`apt-get install runc`)');
  if (!findInPath('conmon')) missing.push('conmon (`apt-get install conmon`)');
  if (!existsSync('/bin/busybox')) missing.push('busybox (`apt-get install busybox-static`)');
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) missing.push('overlayfs (`modprobe overlay`)');
  return missing;
}

export interface TestEngine {
  root: string;
  engine: Engine;
}

export async function openTestEngine(): Promise<TestEngine> {
  const root = mkdtempSync(join(tmpdir(), 'tsc-engine-'));
  const engine = await createEmbeddedEngine({ root });
  await importBusybox(engine.images, 'busybox:latest');
  return { root, engine };
}

/** Force-removes every container, unmounts what is left under the root, removes it; throws the first error after doing all. */
export async function closeTestEngine(t: TestEngine | undefined): Promise<void> {
  if (!t) return;
  const errors: unknown[] = [];
  for (const c of await t.engine.containers.list({ all: true }).catch((e) => (errors.push(e), []))) {
    await t.engine.containers.remove(c.id, { force: true, volumes: true }).catch((e) => errors.push(e));
  }
  // Networks are host objects (bridges, rules): removing the root would leave them behind.
  for (const n of await t.engine.networks.list().catch((e) => (errors.push(e), []))) {
    await t.engine.networks.remove(n.name).catch((e) => errors.push(e));
  }
  for (const m of mountsUnder(t.root)) await unmount(m).catch(() => unmount(m, { lazy: true })).catch((e) => errors.push(e));
  // Healthchecks, restart policies and networks start the agent: stop it before its root goes.
  await stopAgent(t.root).catch((e) => errors.push(e));
  rmSync(t.root, { recursive: true, force: true });
  if (errors.length) throw errors[0];
}

let counter = 0;
export function spec(partial: Partial<ContainerSpec> = {}): ContainerSpec {
  return { name: `tsct-${process.pid}-${++counter}`, image: 'busybox', labels: {}, env: {}, ...partial };
}

export function collector() {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += chunk.toString(); cb(); } });
  return { stream, text: () => text };
}

export async function logLines(engine: Engine, id: string): Promise<Array<{ stream: string; line: string }>> {
  const out: Array<{ stream: string; line: string }> = [];
  for await (const e of engine.containers.logs(id)) out.push({ stream: e.stream, line: e.line });
  return out;
}

export async function runToEnd(engine: Engine, partial: Partial<ContainerSpec>): Promise<{ id: string; code: number; out: string }> {
  const id = await engine.containers.create(spec(partial));
  await engine.containers.start(id);
  const code = await engine.containers.wait(id);
  const out = (await logLines(engine, id)).map((l) => l.line).join('\n');
  return { id, code, out };
}

/** uvu has no async throws: the promise must reject with an error whose message matches. */
export async function rejects(promise: Promise<unknown>, expected: RegExp | ((e: Error) => boolean)): Promise<void> {
  let error: Error | undefined;
  try {
    await promise;
  } catch (e) {
    error = e as Error;
  }
  if (!error) throw new Error(`expected a rejection matching ${String(expected)}, but it resolved`);
  const ok = expected instanceof RegExp ? expected.test(error.message) : expected(error);
  if (!ok) throw new Error(`rejection did not match ${String(expected)}: ${error.message}`);
}

/** Live agent processes serving `root`, found by their command line in /proc. */
export function agentPidsOf(root: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const i = argv.indexOf('--root');
      if (i > 0 && argv[i + 1] === root && argv.some((a) => a.includes('agent/main')) && isAlive({ pid: Number(name) })) out.push(Number(name));
    } catch { /* gone */ }
  }
  return out;
}

/**
 * A suite over one test engine: opened before the tests, closed after; its
 * tests run only when the host can run containers (skipped or failed, with the reason, otherwise).
 */
export function engineSuite(name: string) {
  const s = suite(name);
  let t: TestEngine | undefined;
  const gate = requireHost(s, `${name} tests`, missingForEngine());
  s.before(async () => {
    if (gate.ready) t = await openTestEngine();
  });
  s.after(async () => {
    await closeTestEngine(t);
  });
  const test = (title: string, fn: (t: TestEngine) => Promise<void>) => gate.test(title, async () => fn(t!));
  return { s, test };
}

/** Runs `cmd` in a running container; its exit code and its stdout and stderr together. */
export async function execOutput(engine: Engine, container: string, cmd: string[]): Promise<{ code: number; out: string }> {
  const out = collector();
  const code = await engine.containers.exec(container, { cmd }, { stdout: out.stream, stderr: out.stream });
  return { code, out: out.text() };
}
