// `tscompose image ...` as a user runs it: import, ls, save, rm, load, inspect
// on a temporary state root, with a busybox image made offline.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { buildBusyboxRootfsTar } from '../fixtures/images/busybox.js';
import { missingForLayers, requiring } from '../fixtures/images/requirements.js';
import { suite } from '../harness.js';
import { runCli } from './cli.js';

const s = suite('image cli');
const test = requiring(s, missingForLayers({ overlay: true }));
let dir = '';
let root = '';
let tar = '';
const cli = (...args: string[]) => runCli(['--root', root, ...args], { cwd: dir });

s.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsc-image-cli-'));
  root = join(dir, 'root');
  tar = join(dir, 'rootfs.tar');
  if (missingForLayers({ overlay: true }).length === 0) await buildBusyboxRootfsTar(tar);
});

s.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('import prints the image ID; ls lists it', async () => {
  const imported = cli('image', 'import', tar, 'busybox:latest');
  assert.is(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const id = imported.stdout.trim().slice(7, 19);
  const ls = cli('image', 'ls');
  assert.is(ls.code, 0, ls.stderr);
  const [header, row] = ls.stdout.split('\n');
  assert.match(header!, /^REPOSITORY   TAG       IMAGE ID       CREATED +SIZE$/);
  assert.match(row!, new RegExp(`^busybox      latest    ${id}   [A-Za-z0-9 ]+ ago +\\d+(\\.\\d+)?MB$`));
  assert.is(cli('image', 'ls', '-q').stdout, `${id}\n`);
  const json = JSON.parse(cli('image', 'ls', '--format', 'json').stdout.trim()) as Record<string, string>;
  assert.is(json.Repository, 'busybox');
  assert.is(json.Tag, 'latest');
  assert.is(json.ID, id);
});

test('inspect in docker shape; unknown image exits 1', async () => {
  const r = cli('image', 'inspect', 'busybox');
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith('[\n    {\n        "Id": "sha256:'));
  const [img] = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  assert.equal(img!.RepoTags, ['busybox:latest']);
  assert.is((img!.RootFS as { Type: string }).Type, 'layers');
  const missing = cli('image', 'inspect', 'nope:1');
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /No such image: nope:1/);
});

test('save, rm, load round trip', async () => {
  const archive = join(dir, 'busybox.tar');
  const saved = cli('image', 'save', '-o', archive, 'busybox:latest');
  assert.is(saved.code, 0, saved.stderr);
  assert.ok(statSync(archive).size > 100_000);
  const rm = cli('image', 'rm', 'busybox:latest');
  assert.is(rm.code, 0, rm.stderr);
  assert.match(rm.stdout, /^Untagged: busybox:latest\nDeleted: sha256:[0-9a-f]{64}\n$/);
  assert.is(cli('image', 'ls', '-q').stdout, '');
  const again = cli('image', 'rm', 'busybox:latest');
  assert.is(again.code, 1);
  assert.match(again.stderr, /No such image: busybox:latest/);
  const loaded = cli('image', 'load', '-i', archive);
  assert.is(loaded.code, 0, loaded.stderr);
  assert.is(loaded.stdout, 'Loaded image: busybox:latest\n');
  assert.match(cli('image', 'ls').stdout, /\nbusybox +latest /);
});

s.run();
