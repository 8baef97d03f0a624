import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStateRoot, type StateRoot } from '../../../src/engines/embedded/state/root.js';
import { acquireGlobalLock, acquireProjectLock, readLockHolder, withGlobalLock } from '../../../src/engines/embedded/state/lock.js';
import { TscError } from '../../../src/util/errors.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const lockModule = fileURLToPath(new URL('../../../src/engines/embedded/state/lock.ts', import.meta.url));
const rootModule = fileURLToPath(new URL('../../../src/engines/embedded/state/root.ts', import.meta.url));

/** A child that takes the project lock, says HELD, and releases it on a line "release" on stdin. */
function lockHolder(rootPath: string, project: string, command: string): ChildProcess & { lines: string[]; waitFor(re: RegExp, ms?: number): Promise<string> } {
  const code = `
    const { acquireProjectLock } = await import(${JSON.stringify(lockModule)});
    const { openStateRoot } = await import(${JSON.stringify(rootModule)});
    const root = openStateRoot(${JSON.stringify(rootPath)});
    const lock = await acquireProjectLock(root, ${JSON.stringify(project)}, ${JSON.stringify(command)}, { pollMs: 20, timeoutMs: 20000, onWait: (m) => console.log('WAIT ' + m) });
    console.log('HELD ' + process.pid);
    process.stdin.setEncoding('utf8');
    for await (const chunk of process.stdin) {
      if (chunk.includes('release')) { await lock.release(); console.log('RELEASED'); process.exit(0); }
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    lines.push(...d.split('\n').filter(Boolean));
    waiters.splice(0).forEach((w) => w());
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const waitFor = (re: RegExp, ms = 15000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child ${child.pid} did not print ${re} within ${ms} ms; printed ${JSON.stringify(lines)}; stderr: ${stderr}`)), ms);
      const check = () => {
        const hit = lines.find((l) => re.test(l));
        if (hit) { clearTimeout(timer); resolve(hit); }
        else if (child.exitCode !== null) { clearTimeout(timer); reject(new Error(`child exited ${child.exitCode}: ${stderr}`)); }
        else waiters.push(check);
      };
      check();
    });
  return Object.assign(child, { lines, waitFor });
}

const s = suite('state: locks', { dir: '', root: undefined as unknown as StateRoot, children: [] as ChildProcess[] });

s.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'tsc-lock-'));
  ctx.root = openStateRoot(join(ctx.dir, 'root'));
});

s.after((ctx) => {
  for (const child of ctx.children) if (child.exitCode === null && child.signalCode === null && child.pid) {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  rmSync(ctx.dir, { recursive: true, force: true });
});

s('a second command waits, is told who holds the lock, and gets it on release', async (ctx) => {
  const a = lockHolder(ctx.root.path, 'demo', 'up');
  ctx.children.push(a);
  const held = await a.waitFor(/^HELD/);
  assert.is(held, `HELD ${a.pid}`);
  const b = lockHolder(ctx.root.path, 'demo', 'down');
  ctx.children.push(b);
  const wait = await b.waitFor(/^WAIT/);
  assert.is(wait, `WAIT waiting for "up" (pid ${a.pid}) to finish on project "demo"`);
  assert.not.ok(b.lines.some((l) => l.startsWith('HELD')), 'the second must not hold the lock yet');
  a.stdin!.write('release\n');
  await a.waitFor(/^RELEASED/);
  assert.is(await b.waitFor(/^HELD/), `HELD ${b.pid}`);
  b.stdin!.write('release\n');
  await b.waitFor(/^RELEASED/);
  assert.not.ok(existsSync(ctx.root.lockFile('project-demo')));
});

s('other projects are not blocked', async (ctx) => {
  const a = lockHolder(ctx.root.path, 'one', 'up');
  ctx.children.push(a);
  await a.waitFor(/^HELD/);
  const lock = await acquireProjectLock(ctx.root, 'two', 'up', { timeoutMs: 1000 });
  await lock.release();
  a.stdin!.write('release\n');
  await a.waitFor(/^RELEASED/);
});

s('a lock whose holder was killed with SIGKILL is taken over', async (ctx) => {
  const a = lockHolder(ctx.root.path, 'stale', 'up');
  ctx.children.push(a);
  await a.waitFor(/^HELD/);
  assert.is(readLockHolder(ctx.root.lockFile('project-stale'))?.pid, a.pid);
  const exited = new Promise((resolve) => a.once('exit', resolve));
  process.kill(a.pid!, 'SIGKILL');
  await exited;
  const messages: string[] = [];
  const lock = await acquireProjectLock(ctx.root, 'stale', 'up', { timeoutMs: 2000, onWait: (m) => messages.push(m) });
  assert.equal(messages, [], 'a dead holder is not waited for');
  assert.is(readLockHolder(lock.path)?.pid, process.pid);
  await lock.release();
});

s('waiting gives up after the timeout with a clear error', async (ctx) => {
  const a = lockHolder(ctx.root.path, 'busy', 'up');
  ctx.children.push(a);
  await a.waitFor(/^HELD/);
  try {
    await acquireProjectLock(ctx.root, 'busy', 'down', { timeoutMs: 300, pollMs: 20 });
    assert.unreachable('should time out');
  } catch (error) {
    assert.instance(error, TscError);
    assert.is((error as TscError).code, 'LOCK_TIMEOUT');
    assert.match((error as Error).message, `project "busy" is busy: "up" (pid ${a.pid})`);
    assert.match((error as Error).message, `kill ${a.pid}`);
  }
  a.stdin!.write('release\n');
  await a.waitFor(/^RELEASED/);
});

s('a recycled pid (same pid, other start time) is not a live holder', async (ctx) => {
  const path = ctx.root.lockFile('project-recycled');
  writeFileSync(path, JSON.stringify({ pid: process.pid, startTicks: 1, command: 'up', project: 'recycled', startedAt: new Date().toISOString(), hostname: 'x', token: 'old' }));
  const lock = await acquireProjectLock(ctx.root, 'recycled', 'up', { timeoutMs: 500 });
  assert.is(readLockHolder(path)?.token, lock.holder.token);
  await lock.release();
});

s('in one process, two users of the global lock take turns', async (ctx) => {
  const order: string[] = [];
  const first = await acquireGlobalLock(ctx.root, 'image store', { pollMs: 5 });
  const second = withGlobalLock(ctx.root, 'ip allocation', () => order.push('second'), { pollMs: 5 });
  await new Promise((r) => setTimeout(r, 50));
  order.push('first');
  await first.release();
  await second;
  assert.equal(order, ['first', 'second']);
  assert.equal(readdirSync(ctx.root.locks), [], 'no lock or temporary file is left');
});

s('project names are checked', async (ctx) => {
  try {
    await acquireProjectLock(ctx.root, '../x', 'up');
    assert.unreachable('should reject');
  } catch (error) {
    assert.match((error as Error).message, /invalid project name "..\/x"/);
  }
});

s.run();
