// Builds and pulls done by the test dockerd through the Docker backend: the
// context tar honours .dockerignore; a pull comes from a registry of the
// test's own inside the dockerd's namespace.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { rejects } from '../embedded/engine-helpers.js';
import { dockerSuite } from './docker-helpers.js';
import { startNamespaceRegistry } from './dockerd.js';

const { s, test } = dockerSuite('docker build and pull');

async function output(t: Parameters<Parameters<typeof test>[1]>[0], image: string, cmd: string[]): Promise<string> {
  const id = await t.engine.containers.create({ name: `tscb-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, image, labels: {}, env: {}, command: cmd });
  await t.engine.containers.start(id);
  await t.engine.containers.wait(id);
  let text = '';
  for await (const e of t.engine.containers.logs(id)) text += `${e.line}\n`;
  await t.engine.containers.remove(id);
  return text;
}

// First: images built later have busybox as their parent, which would keep it in the daemon.
test('push to and pull from a registry: digests, layers reported, then up to date', async (t) => {
  const registry = await startNamespaceRegistry(t.dockerd);
  try {
    const ref = `${registry.address}/tsc/busybox:v1`;
    await t.engine.images.tag('busybox:latest', ref);
    const pushed = await t.engine.images.push(ref);
    assert.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);
    assert.is(pushed.tag, 'v1');
    const before = (await t.engine.images.inspect('busybox:latest'))?.id;
    // Gone from the daemon entirely (both names), so that the pull downloads.
    await t.engine.images.remove(ref);
    await t.engine.images.remove('busybox:latest');
    assert.is(await t.engine.images.inspect('busybox:latest'), undefined);
    const layers: string[] = [];
    const pulled = await t.engine.images.pull(ref, { onProgress: (p) => layers.push(p.status) });
    assert.ok(pulled.downloaded);
    assert.is(pulled.digest, pushed.digest);
    assert.is(pulled.id, before);
    await t.engine.images.tag(ref, 'busybox:latest');
    assert.ok(layers.includes('Pull complete') || layers.includes('Already exists'), layers.join(','));
    const again = await t.engine.images.pull(ref);
    assert.is(again.downloaded, false);
    await rejects(t.engine.images.pull(`${registry.address}/tsc/missing:v1`), /not found|manifest unknown/);
  } finally {
    await registry.stop();
  }
});

test('build: .dockerignore leaves files out (with ! exceptions), args, labels, tags; steps reported; a rebuild is cached', async (t) => {
  const ctx = mkdtempSync(join(t.dockerd.dir, 'ctx-'));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox:latest\nARG GREETING=none\nCOPY . /ctx/\nRUN echo "$GREETING" > /greeting\n');
  writeFileSync(join(ctx, '.dockerignore'), '# secrets stay home\nsecret.txt\n*.log\n!keep.log\nnode_modules\n**/*.tmp\n');
  for (const f of ['app.txt', 'secret.txt', 'debug.log', 'keep.log']) writeFileSync(join(ctx, f), f);
  mkdirSync(join(ctx, 'node_modules', 'x'), { recursive: true });
  writeFileSync(join(ctx, 'node_modules', 'x', 'index.js'), '');
  mkdirSync(join(ctx, 'sub'));
  writeFileSync(join(ctx, 'sub', 'a.tmp'), '');
  writeFileSync(join(ctx, 'sub', 'b.txt'), '');
  const events: string[] = [];
  const r = await t.engine.builder.build({ context: ctx, tags: ['tsc/built:v1'], args: { GREETING: 'hi' }, labels: { 'org.test': 'yes' } }, (e) => {
    if (e.type === 'step') events.push(`${e.step}/${e.total} ${e.text}`);
  });
  assert.ok(r.imageId.startsWith('sha256:'));
  // The classic builder adds the labels as a last step.
  assert.equal(events, ['1/5 FROM busybox:latest', '2/5 ARG GREETING=none', '3/5 COPY . /ctx/', '4/5 RUN echo "$GREETING" > /greeting', '5/5 LABEL org.test=yes']);
  const files = await output(t, 'tsc/built:v1', ['sh', '-c', 'cd /ctx && find . -type f | sort; cat /greeting']);
  assert.is(files, './.dockerignore\n./Dockerfile\n./app.txt\n./keep.log\n./sub/b.txt\nhi\n');
  assert.is((await t.engine.images.inspect('tsc/built:v1'))?.config.Labels?.['org.test'], 'yes');
  const again = await t.engine.builder.build({ context: ctx, tags: ['tsc/built:v1'], args: { GREETING: 'hi' }, labels: { 'org.test': 'yes' } });
  assert.is(again.imageId, r.imageId);
  assert.ok(again.cached >= 2, `cached ${again.cached}`);
});

test('build: an inline Dockerfile; a failing step is an error with the daemon\'s message; BuildKit-only keys refused', async (t) => {
  const ctx = mkdtempSync(join(t.dockerd.dir, 'ctx-'));
  const out: string[] = [];
  const r = await t.engine.builder.build({ context: ctx, dockerfileInline: 'FROM busybox:latest\nRUN echo inline-ran\n', tags: ['tsc/inline:v1'] }, (e) => {
    if (e.type === 'output') out.push(e.line);
  });
  assert.ok(r.imageId);
  assert.ok(out.includes('inline-ran'), out.join('\n'));
  await rejects(t.engine.builder.build({ context: ctx, dockerfileInline: 'FROM busybox:latest\nRUN exit 3\n', tags: ['tsc/bad:v1'] }), /returned a non-zero code: 3/);
  await rejects(t.engine.builder.build({ context: ctx, tags: ['x'], secrets: { s: '/etc/hostname' } }), /build.secrets needs BuildKit/);
});

s.run();
