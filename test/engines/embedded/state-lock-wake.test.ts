// Waiters of one process take the lock as soon as it is released in that
// process, in the order they came, without waiting out their poll interval.
import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireGlobalLock, withGlobalLock } from '../../../src/engines/embedded/state/lock.js';
import { openStateRoot, type StateRoot } from '../../../src/engines/embedded/state/root.js';

const s = suite('state-lock-wake');
let dir = '';
let root: StateRoot;

s.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsc-lockwake-'));
  root = openStateRoot(join(dir, 'root'));
});
s.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

s('a release wakes the oldest waiter of this process at once, in order', async () => {
  const first = await acquireGlobalLock(root, 'first');
  const order: string[] = [];
  const started = Date.now();
  const waiters = ['a', 'b', 'c'].map((name) => withGlobalLock(root, name, async () => {
    order.push(name);
    await new Promise((r) => setTimeout(r, 5));
  }, { pollMs: 60_000 }));
  await new Promise((r) => setTimeout(r, 20));
  await first.release();
  await Promise.all(waiters);
  assert.equal(order, ['a', 'b', 'c']);
  // A poll of a minute: had they waited for it, they would have finished long after this bound.
  assert.ok(Date.now() - started < 50_000, `waiters slept out their poll (${Date.now() - started} ms)`);
});

s('an aborted waiter still fails with an abort error, and leaves no waiter behind', async () => {
  const held = await acquireGlobalLock(root, 'held');
  const ctl = new AbortController();
  const waiting = acquireGlobalLock(root, 'aborted', { pollMs: 10_000, signal: ctl.signal });
  setTimeout(() => ctl.abort(), 20);
  try {
    await waiting;
    assert.unreachable('acquired a held lock');
  } catch (error) {
    assert.is((error as Error).name, 'AbortError');
  }
  await held.release();
  const again = await acquireGlobalLock(root, 'again', { timeoutMs: 1_000 });
  await again.release();
});

s.run();
