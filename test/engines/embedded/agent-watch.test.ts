import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DirWatcher } from '../../../src/engines/embedded/agent/watch.js';
import { makeTempRoot, removeTempRoot } from './dns-helpers.js';

const ctx: { root?: string; watcher?: DirWatcher } = {};
const s = suite('agent watch');
s.before(() => { ctx.root = makeTempRoot(); });
s.after(() => { ctx.watcher?.stop(); removeTempRoot(ctx.root); });

async function until(fn: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!fn() && Date.now() < deadline) await sleep(10);
  return fn();
}

s('directories made after the start are picked up; changes inside them are seen', async () => {
  const dir = join(ctx.root!, 'network', 'endpoints');
  let changes = 0;
  ctx.watcher = new DirWatcher({ dirs: [join(ctx.root!, 'network'), dir], onChange: () => changes++, rescanMs: 100 });
  ctx.watcher.start();
  mkdirSync(dir, { recursive: true });
  assert.ok(await until(() => changes > 0), 'the new directory is noticed');
  await sleep(150); // let the rescan start watching it
  const before = changes;
  writeFileSync(join(dir, 'x.json'), '{}');
  assert.ok(await until(() => changes > before), 'a new file is noticed');
  const again = changes;
  rmSync(join(dir, 'x.json'));
  assert.ok(await until(() => changes > again), 'a removed file is noticed');
});

s.run();
