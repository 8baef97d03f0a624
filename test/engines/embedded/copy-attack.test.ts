// `cp` against a container that swaps a directory of the copied path for a
// symlink to a host directory, in a loop, while the host copies in a loop:
// nothing may be written to the host directory, nothing read from it.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { engineSuite, spec } from './engine-helpers.js';

const { s, test } = engineSuite('cp against a swapping container');
const ROUNDS = 25;

test('copies to and from a path whose parent the container keeps swapping for a symlink to the host', async (t) => {
  const host = mkdtempSync(join(tmpdir(), 'tsc-victim-'));
  const work = mkdtempSync(join(tmpdir(), 'tsc-cp-'));
  try {
    mkdirSync(join(host, 'x'));
    writeFileSync(join(host, 'secret'), 'HOST SECRET\n');
    writeFileSync(join(work, 'pwned'), 'from the host\n');
    const swap = `mkdir -p /x/d && echo inside > /x/d/secret && while :; do mv /x/d /x/dd; ln -s ${host} /x/d; rm /x/d; mv /x/dd /x/d; done`;
    const id = await t.engine.containers.create(spec({ command: ['sh', '-c', swap] }));
    await t.engine.containers.start(id);
    for (let i = 0; i < ROUNDS; i++) {
      await t.engine.containers.copyTo(id, join(work, 'pwned'), '/x/d/').catch(() => undefined);
      const out = join(work, `out-${i}`);
      await t.engine.containers.copyFrom(id, '/x/d/secret', out).catch(() => undefined);
      if (existsSync(out)) assert.not.equal(readFileSync(out, 'utf8'), 'HOST SECRET\n', `round ${i} copied the host's file out`);
      assert.equal(readdirSync(host).sort(), ['secret', 'x'], `round ${i} wrote into the host directory`);
    }
    const state = (await t.engine.containers.inspect(id))!.state;
    assert.is(state.status, 'running', 'the container runs on after the copies (frozen only while copying)');
  } finally {
    rmSync(host, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

s.run();
