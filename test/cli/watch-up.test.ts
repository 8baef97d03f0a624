// `tscompose up --watch`: container output and sync events on one stdout,
// initial_sync, a failed rebuild leaving the old container, a rebuild recreating it
// running, and a watched directory removed and made again.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { requireHost } from '../host.js';
import { suite } from '../harness.js';
import { collector, missingForEngine, openTestEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { runCli } from './cli.js';
import { endWatchSuite, startCli, type CliProcess } from './watch-process.js';

const s = suite('cli up --watch');
const { ready, test } = requireHost(s, 'cli up --watch', missingForEngine());
let t: TestEngine | undefined;
let dir = '';
let w: CliProcess | undefined;
const stdout = () => w!.stdout();
const stderr = () => w!.stderr();
const until = (what: string, check: () => boolean | Promise<boolean>) => w!.until(what, check);

const env = () => ({ TSCOMPOSE_ROOT: t!.root });

const compose = (version = '1') => `name: wu
services:
  web:
    build: { context: . }
    command: ["sh", "-c", "echo web is up; sleep 100000"]
    stop_signal: SIGKILL
    environment: { VERSION: "${version}" }
    develop:
      watch:
        - path: ./src
          target: /app
          action: sync
          initial_sync: true
        - path: ./Dockerfile
          action: rebuild
`;


async function web() {
  const [c] = await t!.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'wu', 'com.docker.compose.service': 'web' } });
  return c;
}

async function cat(path: string): Promise<string> {
  const c = await web();
  if (!c?.state.running) return '';
  const out = collector();
  await t!.engine.containers.exec(c.id, { cmd: ['cat', path] }, { stdout: out.stream, stderr: collector().stream });
  return out.text();
}

/** Whether `path` is absent from the running web container (false when it is not running). */
async function absent(path: string): Promise<boolean> {
  const c = await web();
  if (!c?.state.running) return false;
  return (await t!.engine.containers.exec(c.id, { cmd: ['test', '!', '-e', path] }, { stdout: collector().stream, stderr: collector().stream })) === 0;
}

s.before(async () => {
  if (!ready) return;
  t = await openTestEngine();
  dir = mkdtempSync(join(tmpdir(), 'tsc-watch-up-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'early.txt'), 'there before\n');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\n');
  writeFileSync(join(dir, 'compose.yaml'), compose());
  w = startCli(['--progress', 'plain', 'up', '--watch'], { cwd: dir, env: env() });
  await until('watch to start', () => stdout().includes('Watch enabled'));
});

s.after(() => endWatchSuite(w, t, dir));


test('initial_sync copies what is there before watching', async () => {
  assert.is(await cat('/app/early.txt'), 'there before\n');
});

test('container output and sync events share stdout, marked with the service and count', async () => {
  await until('the container output', () => stdout().includes('web is up'));
  writeFileSync(join(dir, 'src', 'b.txt'), 'b\n');
  await until('the sync', async () => (await cat('/app/b.txt')) === 'b\n');
  assert.match(stdout(), /web-1 +\| web is up/);
  assert.match(stdout(), /⦿ Syncing service "web" after 1 changes were detected \(1 copied, 0 deleted in \d+ms\)/);
});

test('a rebuild that fails is reported, the old container keeps running, watching goes on', async () => {
  const before = (await web())!.id;
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN exit 3\n');
  await until('the build failure', () => stdout().includes('Build failed.'));
  assert.match(stdout(), '⦿ Rebuilding service(s) ["web"] after changes were detected...');
  assert.match(stdout(), 'exit code: 3');
  const after = (await web())!;
  assert.is(after.id, before);
  assert.ok(after.state.running);
  writeFileSync(join(dir, 'src', 'after-build.txt'), 'still watching\n');
  await until('a later sync', async () => (await cat('/app/after-build.txt')) === 'still watching\n');
});

test('a rebuild builds the image and recreates the service from it', async () => {
  const before = (await web())!.id;
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo rebuilt > /built\n');
  await until('the new container', async () => {
    const c = await web();
    return !!c && c.id !== before && c.state.running;
  });
  assert.is(await cat('/built'), 'rebuilt\n');
  assert.match(stdout(), 'successfully built');
  await until('initial_sync in the new container', async () => (await cat('/app/b.txt')) === 'b\n');
  assert.is(await cat('/app/early.txt'), 'there before\n');
});

test('the watched directory removed and made again is still watched', async () => {
  const src = join(dir, 'src');
  assert.is(await cat('/app/b.txt'), 'b\n', 'b.txt is there before the removal');
  rmSync(src, { recursive: true });
  await until('the removal', () => absent('/app/b.txt'));
  mkdirSync(src);
  writeFileSync(join(src, 'again.txt'), 'again\n');
  await until('the new file', async () => (await cat('/app/again.txt')) === 'again\n');
  writeFileSync(join(src, 'again.txt'), 'edited\n');
  await until('the edit', async () => (await cat('/app/again.txt')) === 'edited\n');
});

test('the watched directory removed and made again at once is still watched, what is gone is deleted', async () => {
  const src = join(dir, 'src');
  rmSync(src, { recursive: true });
  mkdirSync(src);
  writeFileSync(join(src, 'once.txt'), 'once\n');
  await until('the new file', async () => (await cat('/app/once.txt')) === 'once\n');
  await until('the removed file deleted', () => absent('/app/again.txt'));
  writeFileSync(join(src, 'once.txt'), 'edited\n');
  await until('the edit', async () => (await cat('/app/once.txt')) === 'edited\n');
});

test('a Compose edit recreates the service: its output is followed, initial_sync fills the new container', async () => {
  const before = (await web())!.id;
  const started = stdout().split('web is up').length;
  writeFileSync(join(dir, 'compose.yaml'), compose('2'));
  await until('the new container', async () => {
    const c = await web();
    return !!c && c.id !== before && c.state.running;
  });
  await until('the synced files in it', async () => (await cat('/app/once.txt')) === 'edited\n');
  await until('its output', () => stdout().split('web is up').length === started + 1);
  assert.match(stdout(), 'environment.VERSION: "1" → "2"');
});

test('watch and up --watch refuse, before starting anything, when no service has develop.watch', async () => {
  const other = mkdtempSync(join(tmpdir(), 'tsc-watch-none-'));
  try {
    writeFileSync(join(other, 'compose.yaml'), 'name: wnone\nservices:\n  a:\n    image: busybox\n    command: sleep 1000\n');
    for (const args of [['watch'], ['up', '--watch']]) {
      const r = runCli(args, { cwd: other, env: env() });
      assert.is(r.code, 1, r.stderr);
      assert.match(r.stderr, 'none of the selected services is configured for watch');
    }
    assert.is((await t!.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'wnone' } })).length, 0);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test('Ctrl-C stops the attached stack as up does', async () => {
  assert.is(await w!.interrupt(), 130);
  assert.match(stderr(), 'Gracefully stopping...');
  assert.is((await web())!.state.running, false);
});

s.run();
