// `tscompose watch` end to end: the built CLI watching a project of real
// busybox containers; files written on the host, checked in the containers.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { requireHost } from '../host.js';
import { suite } from '../harness.js';
import { collector, missingForEngine, openTestEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { endWatchSuite, startCli, type CliProcess } from './watch-process.js';

const s = suite('cli watch');
const { ready, test } = requireHost(s, 'cli watch', missingForEngine());
let t: TestEngine | undefined;
let dir = '';
let outside = '';
let w: CliProcess | undefined;
const stdout = () => w!.stdout();
const stderr = () => w!.stderr();
const until = (what: string, check: () => boolean | Promise<boolean>) => w!.until(what, check);

const compose = (level = 'one', broken = false) => `name: wt
services:
  web:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    environment: { LEVEL: one }
    develop:
      watch:
        - path: ./src
          target: /app
          action: sync
          ignore: ["*.tmp"]
        - path: ./conf
          target: /etc/app
          action: sync+restart
        - path: ./hook
          target: /hooked
          action: sync+exec
          exec:
            command: ["sh", "-c", "cat /hooked/* > /tmp/hook-ran"]
  nobody:
    image: busybox
    user: nobody
    command: sleep 1000
    stop_signal: SIGKILL
    develop:
      watch:
        - { path: ./src, target: /srv/app, action: sync, include: ["*.html"] }
  other:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    ${broken ? 'restart: sometimes' : `environment: { LEVEL: ${level} }`}
`;

const env = () => ({ TSCOMPOSE_ROOT: t!.root, TSCOMPOSE_WATCH_QUIET_MS: '1000' });


async function containerOf(service: string) {
  const [c] = await t!.engine.containers.list({ labels: { 'com.docker.compose.project': 'wt', 'com.docker.compose.service': service } });
  return c;
}

async function sh(service: string, script: string): Promise<{ code: number; out: string }> {
  const c = await containerOf(service);
  if (!c) return { code: -1, out: '' };
  const out = collector();
  // As root: the checks look at what the sync made, whoever the container runs as.
  const code = await t!.engine.containers.exec(c.id, { cmd: ['sh', '-c', script], user: '0' }, { stdout: out.stream, stderr: out.stream });
  return { code, out: out.text() };
}

const syncLines = () => stdout().split('\n').filter((l) => l.includes('Syncing service "web"'));

s.before(async () => {
  if (!ready) return;
  t = await openTestEngine();
  dir = mkdtempSync(join(tmpdir(), 'tsc-watch-'));
  outside = mkdtempSync(join(tmpdir(), 'tsc-watch-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'host secret\n');
  for (const d of ['src', 'conf', 'hook']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'compose.yaml'), compose());
  w = startCli(['--progress', 'plain', 'watch'], { cwd: dir, env: env() });
  await until('watch to start', () => stdout().includes('Watch enabled'));
});

s.after(() => endWatchSuite(w, t, dir, [outside]));


test('a saved file appears in the container, an ignored one does not, owned as the container user with its mode', async () => {
  writeFileSync(join(dir, 'src', 'scratch.tmp'), 'ignored\n');
  writeFileSync(join(dir, 'src', 'index.html'), '<p>one</p>\n', { mode: 0o640 });
  await until('index.html in the container', async () => (await sh('web', 'cat /app/index.html')).out === '<p>one</p>\n');
  assert.is((await sh('web', 'stat -c "%a %u" /app/index.html')).out, '640 0\n');
  assert.is((await sh('web', 'test -e /app/scratch.tmp')).code, 1, 'the ignored file is not synced');
  await until('index.html in the nobody container', async () => (await sh('nobody', 'cat /srv/app/index.html')).out === '<p>one</p>\n');
  assert.is((await sh('nobody', 'stat -c "%a %u:%g" /srv/app/index.html /srv/app')).out, '640 65534:65534\n755 0:0\n', 'the container user\'s; a directory made to hold it is root\'s');
  assert.is((await sh('nobody', 'test -e /srv/app/scratch.tmp')).code, 1, 'include takes only *.html');
  writeFileSync(join(dir, 'src', 'index.html'), '<p>two</p>\n');
  await until('the new content', async () => (await sh('web', 'cat /app/index.html')).out === '<p>two</p>\n');
});

test('a deleted file and a removed directory are deleted in the container', async () => {
  mkdirSync(join(dir, 'src', 'sub', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'src', 'sub', 'deep', 'x.txt'), 'x\n');
  writeFileSync(join(dir, 'src', 'gone.txt'), 'bye\n');
  await until('the new directory and file', async () => (await sh('web', 'cat /app/sub/deep/x.txt /app/gone.txt')).out === 'x\nbye\n');
  unlinkSync(join(dir, 'src', 'gone.txt'));
  rmSync(join(dir, 'src', 'sub'), { recursive: true });
  await until('the deletions', async () => (await sh('web', 'test -e /app/gone.txt || test -e /app/sub || echo clean')).out === 'clean\n');
});

test('a burst of 500 writes arrives as one batch and every file is right', async () => {
  const before = syncLines().length;
  for (let i = 0; i < 500; i++) writeFileSync(join(dir, 'src', `f${i}.txt`), `content ${i}\n`);
  const changes = () => syncLines().slice(before).reduce((n, l) => n + Number(/after (\d+) changes/.exec(l)?.[1] ?? 0), 0);
  await until('every write to be synced', () => changes() >= 500);
  const batches = syncLines().slice(before);
  assert.is(batches.length, 1, batches.join('\n'));
  assert.match(batches[0]!, 'after 500 changes were detected');
  const r = await sh('web', 'for i in $(seq 0 499); do [ "$(cat /app/f$i.txt)" = "content $i" ] || echo "bad $i"; done; echo checked');
  assert.is(r.out, 'checked\n');
});

test('a symlink pointing outside the watched tree is copied as a link, never followed', async () => {
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'src', 'link'));
  symlinkSync(outside, join(dir, 'src', 'linkdir'));
  await until('the links', async () => (await sh('web', 'readlink /app/link; readlink /app/linkdir')).out === `${join(outside, 'secret.txt')}\n${outside}\n`);
  assert.is((await sh('web', 'cat /app/link /app/linkdir/secret.txt 2>/dev/null')).out, '', 'no host content in the container');
});

test('a symlink made in the container does not redirect a sync to the host', async () => {
  const marker = mkdtempSync(join(tmpdir(), 'tsc-watch-marker-'));
  try {
    assert.is((await sh('web', `ln -s ${marker} /app/esc`)).code, 0);
    mkdirSync(join(dir, 'src', 'esc'));
    writeFileSync(join(dir, 'src', 'esc', 'f.txt'), 'synced\n');
    await until('the file', async () => (await sh('web', 'cat /app/esc/f.txt 2>/dev/null || true')).out === 'synced\n');
    assert.not.ok(existsSync(join(marker, 'f.txt')), 'nothing written on the host');
  } finally {
    rmSync(marker, { recursive: true, force: true });
  }
});

test('sync+restart syncs then restarts the service', async () => {
  const before = (await t!.engine.containers.inspect((await containerOf('web'))!.id))!.state.startedAt;
  writeFileSync(join(dir, 'conf', 'app.conf'), 'level=2\n');
  await until('the restart', () => stdout().includes('service(s) ["web"] restarted'));
  const after = await t!.engine.containers.inspect((await containerOf('web'))!.id);
  assert.is(after!.state.status, 'running');
  assert.is.not(after!.state.startedAt, before);
  assert.is((await sh('web', 'cat /etc/app/app.conf')).out, 'level=2\n');
});

test('sync+exec runs its hook after the sync', async () => {
  writeFileSync(join(dir, 'hook', 'h.txt'), 'hook input\n');
  await until('the hook', async () => (await sh('web', 'cat /tmp/hook-ran 2>/dev/null || true')).out === 'hook input\n');
});

test('a Compose edit changing one service\'s environment recreates that service only', async () => {
  const web = (await containerOf('web'))!.id;
  const other = (await containerOf('other'))!.id;
  writeFileSync(join(dir, 'compose.yaml'), compose('two'));
  await until('other to be recreated', async () => {
    const c = await containerOf('other');
    return !!c && c.id !== other && c.state.running;
  });
  assert.is((await containerOf('web'))!.id, web, 'web is left alone');
  assert.match(stdout(), 'Container wt-other-1  Recreate');
  assert.is((await sh('other', 'echo $LEVEL')).out, 'two\n');
});

test('a broken Compose edit changes nothing and reports the line', async () => {
  const ids = [(await containerOf('web'))!.id, (await containerOf('other'))!.id];
  writeFileSync(join(dir, 'compose.yaml'), compose('three', true));
  await until('the error', () => stderr().includes('compose.yaml:34:'));
  await until('the stack left as it is', () => stdout().includes('the stack is left as it is'));
  assert.match(stderr(), /compose\.yaml:34:\d+: services\.other\.restart/);
  assert.equal([(await containerOf('web'))!.id, (await containerOf('other'))!.id], ids);
  assert.is((await sh('other', 'echo $LEVEL')).out, 'two\n');
  assert.is(w!.child.exitCode, null, 'still watching');
});

test('Ctrl-C stops watching and leaves the stack running', async () => {
  assert.is(await w!.interrupt(), 130);
  assert.ok((await containerOf('web'))?.state.running);
  assert.ok((await containerOf('other'))?.state.running);
});

s.run();
