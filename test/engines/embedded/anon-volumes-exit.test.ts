// A process that exits while making a container (a second Ctrl-C during `up`)
// takes the half-made record along (state/containers.ts), and with it the
// anonymous volumes made for it; a volume it mounts but did not make (carried
// over from the container it replaces) and other containers' are kept.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { listNames } from '../../../src/engines/embedded/state/name-index.js';
import { openStateRoot } from '../../../src/engines/embedded/state/root.js';
import { engineSuite } from './engine-helpers.js';

const { s, test } = engineSuite('anonymous volumes at exit');

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

s.run();
