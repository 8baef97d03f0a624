// Many processes waiting on a lock whose holder died: exactly one takes it
// over at a time, round after round (the rename-aside takeover let two in).
// Also: a name released by many processes at once for a removed container
// never takes a live claim with it.
import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireLock, sweepDeadLocks } from '../../../src/engines/embedded/state/lock.js';
import { TscError } from '../../../src/util/errors.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const lockModule = fileURLToPath(new URL('../../../src/engines/embedded/state/lock.ts', import.meta.url));
const WAITERS = 8;
const ROUNDS = 6;

const s = suite('state: lock takeover by many waiters', { dir: '', children: [] as ChildProcess[] });

s.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'tsc-takeover-'));
});

s.after((ctx) => {
  for (const child of ctx.children) if (child.exitCode === null && child.signalCode === null && child.pid) {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** A holder record of a process that has exited: its pid is gone. */
function deadHolder(): string {
  const pid = spawnSync('true').pid;
  return JSON.stringify({ pid, startTicks: 1, command: 'crashed', startedAt: new Date().toISOString(), hostname: 'x', token: 'deadbeef' + String(pid) }) + '\n';
}

async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

s('each round, one of many waiters takes over a dead holder\'s lock at a time', async (ctx) => {
  const lockPath = join(ctx.dir, 'project-demo.lock');
  const code = `
    const { acquireLock } = await import(${JSON.stringify(lockModule)});
    const fs = await import('node:fs');
    const { join } = await import('node:path');
    const { setTimeout: sleep } = await import('node:timers/promises');
    const dir = ${JSON.stringify(ctx.dir)};
    for (let r = 0; r < ${ROUNDS}; r++) {
      while (!fs.existsSync(join(dir, 'go-' + r))) await sleep(5);
      const lock = await acquireLock(${JSON.stringify(lockPath)}, { command: 'waiter' }, { pollMs: 5, timeoutMs: 120000 });
      try { fs.closeSync(fs.openSync(join(dir, 'inside'), 'wx')); }
      catch { fs.appendFileSync(join(dir, 'violations'), process.pid + ' in round ' + r + '\\n'); }
      await sleep(3);
      try { fs.unlinkSync(join(dir, 'inside')); } catch {}
      await lock.release();
      fs.writeFileSync(join(dir, 'done-' + r + '-' + process.pid), '');
    }`;
  for (let i = 0; i < WAITERS; i++) {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => writeFileSync(join(ctx.dir, `stderr-${child.pid}`), d, { flag: 'a' }));
    ctx.children.push(child);
  }
  for (let r = 0; r < ROUNDS; r++) {
    // Between rounds nobody holds it: a crashed holder's lock is all the waiters find.
    writeFileSync(lockPath, deadHolder());
    writeFileSync(join(ctx.dir, `go-${r}`), '');
    await until(`round ${r}`, () => readdirSync(ctx.dir).filter((n) => n.startsWith(`done-${r}-`)).length === WAITERS
      || ctx.children.some((c) => c.exitCode !== null && c.exitCode !== 0));
    assert.not.ok(ctx.children.some((c) => c.exitCode !== null && c.exitCode !== 0), `a waiter failed: ${readdirSync(ctx.dir).filter((n) => n.startsWith('stderr-')).map((n) => readFileSync(join(ctx.dir, n), 'utf8')).join('\n')}`);
  }
  await until('the waiters to exit', () => ctx.children.every((c) => c.exitCode !== null));
  assert.not.ok(existsSync(join(ctx.dir, 'violations')), `two holders at once: ${existsSync(join(ctx.dir, 'violations')) ? readFileSync(join(ctx.dir, 'violations'), 'utf8') : ''}`);
  assert.ok(ctx.children.every((c) => c.exitCode === 0));
  assert.not.ok(existsSync(lockPath), 'the last holder released it');
  // Nothing of the takeovers is left behind.
  assert.equal(readdirSync(ctx.dir).filter((n) => n.startsWith('.') || n.endsWith('.tmp')), []);
});

s('sweepDeadLocks removes dead holders\' locks and leftover takeover markers, never a live one', (ctx) => {
  const locks = join(ctx.dir, 'locks');
  rmSync(locks, { recursive: true, force: true });
  mkdirSync(locks, { recursive: true });
  const dead = join(locks, 'project-a.lock');
  writeFileSync(dead, deadHolder());
  const live = join(locks, 'project-b.lock');
  writeFileSync(live, JSON.stringify({ pid: process.pid, command: 'up', startedAt: '', hostname: 'x', token: 'abc' }));
  // A marker left by a remover that died, for a lock that is gone now.
  writeFileSync(join(locks, '.project-c.lock.rm.0123abcd.0'), JSON.stringify({ pid: spawnSync('true').pid, startTicks: 1 }));
  const removed = sweepDeadLocks(locks).sort();
  assert.equal(removed, [join(locks, '.project-c.lock.rm.0123abcd.0'), dead].sort());
  assert.ok(existsSync(live));
});

s('a dead holder\'s lock whose takeover a live process never finishes: the waiter gives up at its deadline', async (ctx) => {
  const lockPath = join(ctx.dir, 'stuck.lock');
  const holder = deadHolder();
  writeFileSync(lockPath, holder);
  // A takeover marker of a live process (this one) that never removes it.
  const token = (JSON.parse(holder) as { token: string }).token;
  const marker = join(ctx.dir, `.stuck.lock.rm.${token}.0`);
  writeFileSync(marker, JSON.stringify({ pid: process.pid }));
  try {
    const guard = sleep(60_000).then(() => 'still waiting after 60 s');
    const outcome: unknown = await Promise.race([acquireLock(lockPath, { command: 'waiter' }, { timeoutMs: 300, pollMs: 10 }).then(() => 'acquired', (e: unknown) => e), guard]);
    assert.instance(outcome, TscError, String(outcome));
    assert.is((outcome as TscError).code, 'LOCK_TIMEOUT');
    assert.match((outcome as TscError).message, /which is gone, and it could not be taken over/);
  } finally {
    rmSync(marker, { force: true });
  }
});


s.run();
