// Containers that swap a directory for a symlink to a host directory, in a
// loop, while the host works on that path in a loop (cp, a volume subpath):
// nothing may be written to the host directory, read from it or mounted.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { engineSuite, logLines, spec } from './engine-helpers.js';

const { s, test } = engineSuite('symlink swaps against host-side work');
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

test('a volume subpath that a co-tenant keeps swapping for a symlink to the host is never mounted from the host', async (t) => {
  const host = mkdtempSync(join(tmpdir(), 'tsc-victim-'));
  try {
    writeFileSync(join(host, 'HOSTMARK'), 'host\n');
    await t.engine.volumes.create({ name: 'tsc-swap-vol' });
    const swap = `mkdir -p /v/sub && echo inside > /v/sub/mark && while :; do mv /v/sub /v/s2; ln -s ${host} /v/sub; rm /v/sub; mv /v/s2 /v/sub; done`;
    const tenant = await t.engine.containers.create(spec({ command: ['sh', '-c', swap], mounts: [{ type: 'volume', source: 'tsc-swap-vol', target: '/v' }] }));
    await t.engine.containers.start(tenant);
    // The subpath is a real directory about a quarter of the time: at least 8 rounds, and on
    // until one has mounted it (all of 60 refused would be a broken subpath, not bad luck).
    let mounted = 0;
    for (let i = 0; i < 60 && (i < 8 || mounted === 0); i++) {
      const id = await t.engine.containers.create(spec({ command: ['ls', '/mnt'], mounts: [{ type: 'volume', source: 'tsc-swap-vol', target: '/mnt', volume: { subpath: 'sub' } }] }));
      try {
        await t.engine.containers.start(id);
        await t.engine.containers.wait(id);
        const out = (await logLines(t.engine, id)).map((l) => l.line).join(' ');
        assert.not.match(out, /HOSTMARK/, `round ${i} mounted the host directory`);
        if (/mark/.test(out)) mounted++;
      } catch (error) {
        // The subpath may be missing at the moment it is opened: a refused start, not an escape.
        if (!/subpath "sub" does not exist/.test((error as Error).message)) throw error;
      } finally {
        await t.engine.containers.remove(id, { force: true });
      }
    }
    assert.ok(mounted > 0, 'some rounds mounted the subpath');
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

s.run();
