// Anonymous volumes of the embedded engine: one carried over by a recreate
// (`inherited`) is the new container's too, removed by `rm -v` only once no
// container uses it; a process that exits while making a container (a second
// Ctrl-C during `up`) takes the half-made record along (state/containers.ts),
// and with it the anonymous volumes made for it, but not one it mounts without
// having made it, nor other containers'.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type { ContainerSpec } from '../../../src/engine/types.js';
import { listNames } from '../../../src/engines/embedded/state/name-index.js';
import { openStateRoot } from '../../../src/engines/embedded/state/root.js';
import { engineSuite } from './engine-helpers.js';

const { s, test } = engineSuite('anonymous volumes');

test('a second Ctrl-C while a container is made: its record and the anonymous volumes it made go, nothing else', async (t) => {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./create-then-exit.ts', import.meta.url)), t.root], { encoding: 'utf8' });
  assert.is(child.status, 130, child.stderr);
  const [kept, keptVolume] = child.stdout.split(' ');
  assert.equal((await t.engine.containers.list({ all: true })).map((c) => c.id), [kept]);
  assert.equal((await t.engine.volumes.list()).map((v) => v.name), [keptVolume], 'the carried-over volume stays, the one made for the half-made container is gone');
  const root = openStateRoot(t.root);
  assert.equal(listNames(root).map((n) => n.name), ['kept']);
  assert.equal(readdirSync(root.tmp), [], 'no staging or trash left in tmp/');
  await t.engine.containers.remove(kept!, { volumes: true });
  assert.equal(await t.engine.volumes.list(), []);
});

const spec = (name: string, mounts: ContainerSpec['mounts']): ContainerSpec => ({ name, image: 'busybox', labels: {}, env: {}, mounts });

test('a carried-over anonymous volume stays while either container uses it; rm -v of the last one removes it', async (t) => {
  const old = await t.engine.containers.create(spec('old', [{ type: 'volume', target: '/d' }]));
  const volume = (await t.engine.containers.inspect(old))!.mounts[0]!.source!;
  const inherit = (name: string) => t.engine.containers.create(spec(name, [{ type: 'volume', source: volume, target: '/d', inherited: true }]));
  // A recreate undone: the new container goes with its volumes, the old one keeps its own.
  await t.engine.containers.remove(await inherit('undone'), { force: true, volumes: true });
  assert.equal((await t.engine.volumes.list()).map((v) => v.name), [volume]);
  // A recreate done: the old one goes without its volumes; the new one's rm -v takes it.
  const recreated = await inherit('recreated');
  await t.engine.containers.remove(old, { force: true });
  assert.equal((await t.engine.volumes.list()).map((v) => v.name), [volume]);
  await t.engine.containers.remove(recreated, { volumes: true });
  assert.equal(await t.engine.volumes.list(), []);
});

test('a named volume marked inherited is not the container\'s to remove', async (t) => {
  await t.engine.volumes.create({ name: 'named1' });
  const c = await t.engine.containers.create(spec('named-user', [{ type: 'volume', source: 'named1', target: '/d', inherited: true }]));
  await t.engine.containers.remove(c, { volumes: true });
  assert.equal((await t.engine.volumes.list()).map((v) => v.name), ['named1']);
  await t.engine.volumes.remove('named1');
});

s.run();
