// Anonymous volumes of the embedded engine: one carried over by a recreate
// (`inherited`) is the new container's too, removed by `rm -v` only once no
// container uses it; a process that exits while making a container (a second
// Ctrl-C during `up`) takes the half-made record along (state/containers.ts),
// and with it the anonymous volumes made for it, but not one it mounts without
// having made it, nor other containers'. A process SIGKILLed there leaves the
// record, and the names of the volumes it made beside it: the next command's
// repair removes them with the record, and only anonymous ones nobody else uses.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type { ContainerSpec } from '../../../src/engine/types.js';
import { repairStateFiles } from '../../../src/engines/embedded/doctor-repair.js';
import { readRecord } from '../../../src/engines/embedded/state/containers.js';
import { isFullId } from '../../../src/engines/embedded/state/ids.js';
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

test('SIGKILL while a container is made: the repair removes its record and the anonymous volumes it made, nothing else', async (t) => {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./create-then-exit.ts', import.meta.url)), t.root, 'kill'], { encoding: 'utf8' });
  assert.is(child.signal, 'SIGKILL', child.stderr);
  const [kept, keptVolume] = child.stdout.split(' ');
  const root = openStateRoot(t.root);
  const half = readdirSync(root.containers).filter(isFullId).find((id) => id !== kept)!;
  assert.is(readRecord(root, half)?.state.phase, 'creating', 'the killed create left its record half-made');
  const list = join(root.container(half), 'made-volumes.json');
  const listed = JSON.parse(readFileSync(list, 'utf8')) as string[];
  assert.is(listed.length, 2, 'both anonymous volumes named, the second before it was made');
  const made = listed[0]!;
  assert.equal((await t.engine.volumes.list()).map((v) => v.name).sort(), [keptVolume, made].sort());
  // Whatever the list says, a volume another container uses and a named one stay.
  const named = 'f'.repeat(64);
  await t.engine.volumes.create({ name: named });
  writeFileSync(list, JSON.stringify([...listed, keptVolume, named]));

  const lines = await repairStateFiles(t.root);
  assert.ok(lines.some((l) => l.startsWith(`removed the record of container ${half.slice(0, 12)}`) && l.endsWith(`the anonymous volume(s) it had made: ${made}`)), lines.join('\n'));
  assert.equal((await t.engine.volumes.list()).map((v) => v.name).sort(), [keptVolume, named].sort());
  assert.equal(readdirSync(root.containers).filter(isFullId), [kept]);
  assert.equal(listNames(root).map((n) => n.name), ['kept']);
  assert.equal(readdirSync(root.tmp), [], 'no staging or trash left in tmp/');
  await t.engine.containers.remove(kept!, { volumes: true });
  await t.engine.volumes.remove(named);
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
