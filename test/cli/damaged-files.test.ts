// Damaged state files other than container records, as a user meets them: a
// clear error naming the file and the fix, and `system doctor --repair`
// putting it right (image index rebuilt from the blobs, network records
// moved aside, leftover locks and temporary files removed).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { hexOf } from '../../src/engines/embedded/snapshots/layers.js';
import { closeTestEngine, missingForEngine, openTestEngine, type TestEngine } from '../engines/embedded/engine-helpers.js';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { runCli } from './cli.js';
import { downProject, upProject, type ProjectFixture } from './project-fixture.js';

const s = suite('damaged state files (cli)');
const gate = requireHost(s, 'damaged state file integration tests', missingForEngine());
const COMPOSE = 'services:\n  web:\n    image: busybox\n    command: ["sleep", "3600"]\n';
const BLAME = /internal error|SyntaxError|\n\s+at /;

/** A pid that certainly belonged to a process that is gone now. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

gate.test('a damaged image index: doctor --repair rebuilds it from the blobs with its tags; a removed tag stays removed', async () => {
  let t: TestEngine | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tsc-damaged-files-'));
  const env = { COMPOSE_PROJECT_NAME: `tscdmgt${process.pid}` };
  const cli = (...args: string[]) => runCli(['--progress', 'quiet', ...args], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root, ...env } });
  try {
    t = await openTestEngine();
    // A loopback registry nobody listens on: a pull, which must not happen, fails at once.
    const tagged = '127.0.0.1:9/tscdmg/web:1';
    const removed = '127.0.0.1:9/tscdmg/removed:1';
    for (const ref of [tagged, removed]) assert.is(cli('image', 'tag', 'busybox', ref).code, 0);
    assert.is(cli('image', 'rm', removed).code, 0);
    const index = join(t.root, 'images', 'index.json');
    writeFileSync(index, '{"refs": {"garbage');

    const images = cli('image', 'ls');
    assert.is(images.code, 1, images.stdout + images.stderr);
    assert.ok(images.stderr.includes(`${index} is damaged (invalid JSON`), images.stderr);
    assert.ok(images.stderr.includes('system doctor --repair'), images.stderr);

    const repair = cli('system', 'doctor', '--repair');
    assert.ok(repair.stdout.includes(`rebuilt ${index} from the image blobs: 1 image(s), restored 2 tag(s); the damaged file is at`), repair.stdout + repair.stderr);
    const ls = cli('image', 'ls', '--format', 'json');
    assert.is(ls.code, 0, ls.stderr);
    const tags = ls.stdout.trim().split('\n').map((l) => JSON.parse(l) as { Repository: string; Tag: string }).map((r) => `${r.Repository}:${r.Tag}`);
    assert.equal(tags.sort(), ['127.0.0.1:9/tscdmg/web:1', 'busybox:latest']);

    writeFileSync(join(dir, 'compose.yaml'), COMPOSE.replace('image: busybox', `image: ${tagged}`));
    const up = cli('up', '-d');
    assert.is(up.code, 0, up.stdout + up.stderr);
    const ps = cli('ps', '--format', '{{.Image}} {{.State}}');
    assert.is(ps.stdout.trim(), `${tagged} running`, ps.stdout + ps.stderr);
    assert.is(cli('down').code, 0);
  } finally {
    if (t) cli('down');
    await closeTestEngine(t);
    rmSync(dir, { recursive: true, force: true });
  }
});

gate.test('a damaged image index of a store that kept no copy of its tags: rebuilt untagged, saying so; a missing layer blob is named too', async () => {
  let t: TestEngine | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tsc-damaged-files-'));
  try {
    t = await openTestEngine();
    const cli = (...args: string[]) => runCli(['--progress', 'quiet', ...args], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root, COMPOSE_PROJECT_NAME: `tscdmgf${process.pid}` } });
    const image = (await t.engine.images.inspect('busybox'))!;
    const index = join(t.root, 'images', 'index.json');
    // As a store written before tags were kept in images/tags/.
    rmSync(join(t.root, 'images', 'tags'), { recursive: true });
    writeFileSync(index, readFileSync(index, 'utf8').slice(0, 30));

    const images = cli('image', 'ls');
    assert.is(images.code, 1, images.stdout + images.stderr);
    assert.ok(images.stderr.includes(`${index} is damaged (invalid JSON`), images.stderr);
    assert.ok(images.stderr.includes('system doctor --repair'), images.stderr);
    assert.not.match(images.stderr, BLAME);

    const repair = cli('system', 'doctor', '--repair');
    assert.ok(repair.stdout.includes(`rebuilt ${index} from the image blobs: 1 image(s), untagged: this store kept no copy of its tags, they are lost (tag the images again: \`image tag ID NAME\`)`), repair.stdout + repair.stderr);
    assert.is(readFileSync(join(t.root, 'quarantine', 'images', 'index.json'), 'utf8').length, 30);
    assert.is(cli('image', 'inspect', image.id).code, 0);
    assert.is(cli('image', 'tag', image.id, 'busybox:latest').code, 0);
    assert.is(cli('system', 'doctor', '--repair').stdout.split('\n')[1], ' nothing to repair');

    // A layer neither unpacked nor in the blob store.
    const layer = (await t.engine.images.inspect('busybox'))!;
    const record = JSON.parse(readFileSync(index, 'utf8')) as { images: Record<string, { layers: Array<{ diffId: string; blob: string }> }> };
    const { diffId, blob } = record.images[layer.id]!.layers[0]!;
    rmSync(join(t.root, 'images', 'blobs', 'sha256', hexOf(blob)));
    rmSync(join(t.root, 'snapshots', 'layers', hexOf(diffId)), { recursive: true });
    writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
    const up = cli('up', '-d');
    assert.is(up.code, 1, up.stdout + up.stderr);
    assert.ok(up.stderr.includes(`its blob ${join(t.root, 'images', 'blobs', 'sha256', hexOf(blob))} is missing; remove the image`), up.stderr);
    assert.not.match(up.stderr, BLAME);
    cli('down');
  } finally {
    await closeTestEngine(t);
    rmSync(dir, { recursive: true, force: true });
  }
});

gate.test('a damaged network record: named with its fix; doctor --repair moves it aside and removes dead locks and temp files', async () => {
  let f: ProjectFixture | undefined;
  let record = '';
  let original = '';
  try {
    f = await upProject('tsc-damaged-files-', { 'compose.yaml': COMPOSE }, { COMPOSE_PROJECT_NAME: `tscdmgn${process.pid}` });
    record = join(f.t.root, 'network', 'networks', `tscdmgn${process.pid}_default.json`);
    original = readFileSync(record, 'utf8');
    writeFileSync(record, original.slice(0, 25));

    const ps = f.cli('ps');
    assert.is(ps.code, 1);
    assert.ok(ps.stderr.includes(`${record} is damaged (invalid JSON`), ps.stderr);
    assert.ok(ps.stderr.includes('system doctor --repair'), ps.stderr);
    assert.not.match(ps.stderr, BLAME);

    const pid = deadPid();
    const leftovers = [
      join(f.t.root, 'images', `.index.json.${pid}.${Date.now()}.tmp`),
      join(f.t.root, 'network', 'endpoints', `.x.json.${pid}.${Date.now()}.tmp`),
    ];
    for (const file of leftovers) writeFileSync(file, '{"half');
    const lock = join(f.t.root, 'locks', 'project-gone.lock');
    writeFileSync(lock, JSON.stringify({ pid, command: 'up', project: 'gone', startedAt: new Date().toISOString(), hostname: 'h', token: 'ab12' }));

    const repair = f.cli('system', 'doctor', '--repair');
    const moved = join(f.t.root, 'quarantine', 'network', 'networks', `tscdmgn${process.pid}_default.json`);
    assert.ok(repair.stdout.includes(`moved the damaged ${record} to ${moved}`), repair.stdout + repair.stderr);
    assert.ok(repair.stdout.includes('removed 1 lock file(s) of processes that are gone'), repair.stdout);
    assert.match(repair.stdout, /removed [2-9]\d* temporary file\(s\)/);
    for (const file of [...leftovers, lock]) assert.not.ok(existsSync(file), file);
    assert.ok(existsSync(moved));
    const after = f.cli('ps');
    assert.is(after.code, 0, after.stderr);
    assert.match(after.stdout, /web-1 /);
  } finally {
    // Put the record back, so that down removes the bridge and rules it names.
    if (record && original) writeFileSync(record, original);
    await downProject(f);
  }
});

s.run();
