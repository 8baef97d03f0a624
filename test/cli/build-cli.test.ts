// `tscompose build` and `up --build` as a user runs them on the embedded
// engine: Docker's plain progress, CACHED steps, a rebuilt image recreating
// its service, a failing step named by its Dockerfile line, builder prune.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { buildBusyboxRootfsTar } from '../fixtures/images/busybox.js';
import { requireHost } from '../host.js';
import { suite } from '../harness.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import { runCli } from './cli.js';

const s = suite('build cli');
const { ready, test } = requireHost(s, 'build cli tests', missingForEngine());
let dir = '';
let root = '';
const cli = (...args: string[]) => runCli(['--root', root, ...args], { cwd: join(dir, 'app') });

s.before(async () => {
  if (!ready) return;
  dir = mkdtempSync(join(tmpdir(), 'tsc-build-cli-'));
  root = join(dir, 'root');
  mkdirSync(join(dir, 'app', 'src'), { recursive: true });
  await buildBusyboxRootfsTar(join(dir, 'busybox.tar'));
  const r = runCli(['--root', root, 'image', 'import', join(dir, 'busybox.tar'), 'busybox:latest'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  writeFileSync(join(dir, 'app', 'compose.yaml'), [
    'services:',
    '  web:',
    '    build: { context: ., args: { WHO: builder } }',
    '    command: ["sleep", "300"]',
    '    stop_grace_period: 1s',
    '    network_mode: none',
    '  worker:',
    '    build: { context: ., args: { WHO: builder } }',
    '    image: shared-build',
    '    command: ["sleep", "300"]',
    '    stop_grace_period: 1s',
    '    network_mode: none',
  ].join('\n') + '\n');
  writeFileSync(join(dir, 'app', 'Dockerfile'), 'FROM busybox\nARG WHO\nRUN echo "deps for $WHO" > /deps.txt\nCOPY src/ /srv/\nRUN ls /srv > /listing.txt\n');
  writeFileSync(join(dir, 'app', 'src', 'main.txt'), 'v1\n');
});

s.after(() => {
  if (!ready) return;
  cli('down', '--timeout', '0');
  rmSync(dir, { recursive: true, force: true });
});

test('build prints plain progress, builds a shared build once, then CACHED for every step of an unchanged rebuild', async () => {
  const first = cli('build');
  assert.is(first.code, 0, first.stderr);
  assert.match(first.stderr, /#\d+ \[web 2\/4\] RUN echo "deps for \$WHO" > \/deps.txt\n#\d+ DONE \d+\.\ds/);
  assert.match(first.stderr, / Service web {2}Built/);
  // web and worker share one build: it runs once and tags both images.
  assert.is((first.stderr.match(/\] FROM busybox/g) ?? []).length, 1, first.stderr);
  assert.match(first.stderr, / Service worker {2}Built/);
  assert.is(cli('image', 'inspect', 'shared-build').code, 0);
  const again = cli('build');
  assert.is(again.code, 0, again.stderr);
  assert.is((again.stderr.match(/#\d+ CACHED/g) ?? []).length, 3, again.stderr);
  assert.is(cli('image', 'inspect', 'app-web').code, 0);
});

test('up --build recreates the service when a copied file changed, and the dry run says why', async () => {
  const up = cli('up', '-d');
  assert.is(up.code, 0, up.stderr);
  writeFileSync(join(dir, 'app', 'src', 'extra.txt'), 'new\n');
  const rebuilt = cli('build', 'web');
  assert.is(rebuilt.code, 0, rebuilt.stderr);
  // The dependency step stays cached; only the steps after the COPY ran.
  assert.is((rebuilt.stderr.match(/#\d+ CACHED/g) ?? []).length, 1, rebuilt.stderr);
  const dry = cli('--dry-run', 'up', '-d');
  assert.is(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /image: sha256:[0-9a-f]{64} → sha256:[0-9a-f]{64}/);
  const recreate = cli('up', '-d', '--build');
  assert.is(recreate.code, 0, recreate.stderr);
  assert.match(recreate.stderr, /Recreate/);
  const listing = cli('exec', 'web', 'cat', '/listing.txt');
  assert.is(listing.stdout, 'extra.txt\nmain.txt\n');
});

test('a failing RUN exits 1 naming its Dockerfile line; builder prune empties the cache', async () => {
  writeFileSync(join(dir, 'app', 'Dockerfile.bad'), 'FROM busybox\nRUN echo about to fail && exit 7\n');
  writeFileSync(join(dir, 'app', 'bad.yaml'), 'services:\n  bad:\n    build: { context: ., dockerfile: Dockerfile.bad }\n');
  const bad = cli('-f', 'bad.yaml', 'build');
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /failed to build service "bad": Dockerfile\.bad:2: RUN echo about to fail && exit 7: process did not complete successfully: exit code: 7/);
  assert.match(bad.stderr, /> about to fail/);
  assert.is(cli('-f', 'bad.yaml', 'image', 'inspect', 'app-bad').code, 1);
  const prune = cli('builder', 'prune', '-f');
  assert.is(prune.code, 0, prune.stderr);
  assert.match(prune.stdout, /^Deleted build cache objects: [1-9]\d*\n$/);
  const after = cli('build', 'web');
  assert.is((after.stderr.match(/#\d+ CACHED/g) ?? []).length, 0, after.stderr);
});

s.run();
