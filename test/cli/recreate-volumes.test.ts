// A recreate keeps the old container's anonymous volumes, as Docker Compose
// does: the service's (`- /data`) and the image's VOLUMEs are mounted by name
// in the new container, with what was written in them; `up -V` makes new ones
// and leaves the old ones behind (as Compose: its recreate removes the old
// container without its volumes); `run` makes its own; `down -v` removes them.
// The built CLI against real containers in a temporary state root.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { runCli, succeeded } from './cli.js';
import { anonMounts, READ, volumeNames, WRITE } from './anon-volumes-fixture.js';
import type { CliResult } from './cli.js';
import { downProject, openProject, type ProjectFixture } from './project-fixture.js';

const s = suite('cli recreate volumes');
const { ready, test } = requireHost(s, 'cli recreate volume tests', missingForEngine());
let t: TestEngine | undefined;
let dir = '';
let fixture: ProjectFixture | undefined;

const compose = (level = 'info') => `
name: anon
services:
  app:
    build: .
    image: anon-app
    command: sleep 1000
    stop_signal: SIGKILL
    environment: { LEVEL: ${level} }
    volumes:
      - /data
`;

function cli(...args: string[]): CliResult {
  return runCli(['--progress', 'plain', ...args], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root } });
}

function ok(...args: string[]): CliResult {
  return succeeded(args, cli(...args));
}

const app = () => anonMounts(t!.engine, 'anon-app-1');
const volumes = () => volumeNames(t!.engine);

s.before(async () => {
  if (!ready) return;
  fixture = await openProject('tsc-anon-', { 'compose.yaml': compose(), Dockerfile: 'FROM busybox\nVOLUME /imgvol\n' });
  t = fixture.t;
  dir = fixture.dir;
});

s.after(() => downProject(fixture));

test('--force-recreate and a changed configuration keep the anonymous volumes and their data; down -v removes them', async () => {
  ok('up', '-d');
  const first = await app();
  assert.ok(first.data && first.imgvol && first.data !== first.imgvol, JSON.stringify(first));
  assert.equal(await volumes(), [first.data, first.imgvol].sort());
  ok(...WRITE);

  const r = ok('up', '-d', '--force-recreate');
  assert.match(r.stderr, ' Container anon-app-1  Recreated');
  const second = await app();
  assert.is.not(second.id, first.id);
  assert.equal({ data: second.data, imgvol: second.imgvol }, { data: first.data, imgvol: first.imgvol }, 'the same volumes, by name');
  assert.is(ok(...READ).stdout, 'kept\nimage\n');
  assert.equal(await volumes(), [first.data, first.imgvol].sort(), 'no new volume made, none left over');

  writeFileSync(join(dir, 'compose.yaml'), compose('debug'));
  ok('up', '-d');
  const third = await app();
  assert.is.not(third.id, second.id, 'recreated for the changed environment');
  assert.equal({ data: third.data, imgvol: third.imgvol }, { data: first.data, imgvol: first.imgvol });
  assert.is(ok(...READ).stdout, 'kept\nimage\n');

  ok('down', '-v', '-t', '0');
  assert.equal(await volumes(), [], 'down -v removes the carried-over volumes with the container');
});

test('up -V makes new anonymous volumes; the old ones are left behind, as Compose leaves them', async () => {
  writeFileSync(join(dir, 'compose.yaml'), compose());
  ok('up', '-d');
  const first = await app();
  ok(...WRITE);
  ok('up', '-d', '-V', '--force-recreate');
  const second = await app();
  assert.is.not(second.data, first.data);
  assert.is.not(second.imgvol, first.imgvol);
  assert.is(cli(...READ).code, 1, 'the data stayed in the old volumes');
  assert.equal(await volumes(), [first.data, first.imgvol, second.data, second.imgvol].sort());

  ok('down', '-v', '-t', '0');
  assert.equal(await volumes(), [first.data, first.imgvol].sort(), 'down -v removes the container\'s own; the old ones belong to no container');
  for (const name of [first.data, first.imgvol]) await t!.engine.volumes.remove(name);
});

test('-V is refused with --no-recreate, and create has no -V (as Compose)', async () => {
  const r = cli('up', '-d', '-V', '--no-recreate');
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, '--no-recreate and --renew-anon-volumes are incompatible');
  assert.is.not(cli('create', '-V').code, 0);
  const help = ok('up', '--help').stdout.replace(/\s+/g, ' ');
  assert.match(help, '-V, --renew-anon-volumes Recreate anonymous volumes instead of retrieving data from the previous containers');
});

test('run does not inherit: its container gets volumes of its own', async () => {
  writeFileSync(join(dir, 'compose.yaml'), compose());
  ok('up', '-d');
  const service = await app();
  ok(...WRITE);
  const r = cli('run', '--rm', '-T', 'app', 'sh', '-c', 'ls -A /data /imgvol');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '/data:\n\n/imgvol:\n', 'empty volumes of its own');
  assert.is(ok(...READ).stdout, 'kept\nimage\n');
  assert.equal(await volumes(), [service.data, service.imgvol].sort(), 'run --rm took its own volumes along');
  ok('down', '-v', '-t', '0');
  assert.equal(await volumes(), []);
});

s.run();
