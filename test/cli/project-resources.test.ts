// Networks and volumes as Docker Compose manages them: `run` creates them on
// a project that is not up; a changed configuration is detected by its
// config-hash label and reported with the advice; a same-named resource made
// by someone else is reported, not silently taken over.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { requireHost } from '../host.js';
import { suite } from '../harness.js';
import { closeTestEngine, missingForEngine, openTestEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { runCli } from './cli.js';
import type { CliResult } from './cli.js';

const s = suite('project resources');
const { ready, test } = requireHost(s, 'project resources', missingForEngine());
let t: TestEngine | undefined;
let dir = '';

const compose = (internal: boolean) => `
name: res
services:
  app:
    image: busybox
    command: sh -c "test -t 1 && echo tty || echo no-tty; ls -d /data"
    stop_signal: SIGKILL
    tty: true
    volumes: [data:/data]
    networks: [back]
networks:
  back:
    internal: ${internal}
volumes:
  data: {}
`;

function cli(...args: string[]): CliResult {
  return runCli(['--progress', 'quiet', ...args], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root } });
}

s.before(async () => {
  if (!ready) return;
  t = await openTestEngine();
  dir = mkdtempSync(join(tmpdir(), 'tsc-res-'));
  writeFileSync(join(dir, 'compose.yaml'), compose(false));
});

s.after(async () => {
  try {
    if (t && dir) cli('down', '--volumes', '-t', '0');
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (t) for (const n of await t.engine.networks.list()) if (n.name.startsWith('res_') || n.name === 'other_back') await t.engine.networks.remove(n.name).catch(() => undefined);
    await closeTestEngine(t);
  }
});


test('run on a project that is not up creates its networks and volumes first; -T gives no tty', async () => {
  const r = cli('run', '--rm', '-T', 'app');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'no-tty\n/data\n');
  assert.ok(await t!.engine.networks.inspect('res_back'), 'network created');
  assert.ok(await t!.engine.volumes.inspect('res_data'), 'volume created');
  assert.equal(await t!.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'res' } }), [], 'nothing left behind by --rm');
});

test('networks and volumes carry a config hash; a changed network is reported with the advice', async () => {
  const net = await t!.engine.networks.inspect('res_back');
  assert.match(net!.labels['com.docker.compose.config-hash'] ?? '', /^[0-9a-f]{64}$/);
  assert.match((await t!.engine.volumes.inspect('res_data'))!.labels['com.docker.compose.config-hash'] ?? '', /^[0-9a-f]{64}$/);
  writeFileSync(join(dir, 'compose.yaml'), compose(true));
  try {
    const r = cli('up', '-d');
    assert.is(r.code, 1);
    assert.match(r.stderr, /network res_back exists but its configuration has changed in the compose file: run `tscompose down` to remove it \(its containers too\), then `tscompose up` to create it again/);
  } finally {
    writeFileSync(join(dir, 'compose.yaml'), compose(false));
  }
});

test('a same-named network made by another project is reported, not taken over', async () => {
  const sub = mkdtempSync(join(tmpdir(), 'tsc-res2-'));
  try {
    await t!.engine.networks.create({ name: 'other_back', labels: {} });
    writeFileSync(join(sub, 'compose.yaml'), 'name: other\nservices:\n  app:\n    image: busybox\n    networks: [back]\nnetworks:\n  back: {}\n');
    const r = runCli(['--progress', 'quiet', 'up', '-d'], { cwd: sub, env: { TSCOMPOSE_ROOT: t!.root } });
    assert.is(r.code, 1);
    assert.match(r.stderr, /a network with name other_back exists but was not created by compose\.\nSet `external: true` to use an existing network/);
    assert.match(r.stderr, /network other_back was found but has incorrect label com\.docker\.compose\.network set to "" \(expected: "back"\)/);
    assert.equal(await t!.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'other' } }), []);
  } finally {
    rmSync(sub, { recursive: true, force: true });
  }
});

s.run();
