// Commands Docker Compose users type: stats (from cgroups), events (--json),
// scale, cp -a / -L, version --short / --format, --progress checked.
import { spawn } from 'node:child_process';
import { chownSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { requireHost } from '../host.js';
import { suite } from '../harness.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { BIN, runCli } from './cli.js';
import { downProject, upProject } from './project-fixture.js';
import type { ProjectFixture } from './project-fixture.js';
import type { CliResult } from './cli.js';

const s = suite('more commands');
const { ready, test } = requireHost(s, 'more commands', missingForEngine());
let f: ProjectFixture | undefined;
let t: TestEngine | undefined;
let dir = '';

const COMPOSE = `
name: more
services:
  web:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    mem_limit: 64m
`;

function cli(...args: string[]): CliResult {
  return f!.cli(...args);
}

s('version --short and --format json; a bad --progress is refused', () => {
  const cwd = tmpdir();
  assert.match(runCli(['version', '--short'], { cwd }).stdout, /^\d+\.\d+\.\d+\n$/);
  assert.match(runCli(['version', '--format', 'json'], { cwd }).stdout, /^\{"version":"v\d+\.\d+\.\d+"\}\n$/);
  const bad = runCli(['--progress', 'fancy', 'version'], { cwd });
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /argument 'fancy' is invalid\. Allowed choices are auto, tty, plain, json, quiet/);
});

s.before(async () => {
  if (!ready) return;
  f = await upProject('tsc-more-', { 'compose.yaml': COMPOSE });
  t = f.t;
  dir = f.dir;
});

s.after(() => downProject(f));


test('stats --no-stream: a row per running container, memory limit from the cgroup', () => {
  const r = cli('stats', '--no-stream');
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
  assert.is(lines.length, 2);
  assert.match(lines[1]!, /^[0-9a-f]{12} +more-web-1 +\d+\.\d\d% +[\d.]+(B|KiB|MiB) \/ 64MiB +\d+\.\d\d% +.* +1$/);
  const json = JSON.parse(cli('stats', '--no-stream', '--format', 'json').stdout) as Record<string, string>;
  assert.equal(Object.keys(json), ['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs']);
  assert.is(json.PIDs, '1');
  assert.is(cli('stats', '--no-stream', '--format', '{{.Name}}: {{.PIDs}}').stdout, 'more-web-1: 1\n');
});

test('scale: up to 2 and back to 1, the first container kept', async () => {
  assert.is(cli('scale', 'web=2').code, 0);
  const names = async () => (await t!.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'more' } })).map((c) => `${c.name} ${c.state.status}`).sort();
  assert.equal(await names(), ['more-web-1 running', 'more-web-2 running']);
  assert.is(cli('scale', 'web=1').code, 0);
  assert.equal(await names(), ['more-web-1 running']);
  const bad = cli('scale', 'web');
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /invalid scale specifier "web": expected SERVICE=REPLICAS/);
});

test('events --json: a restart is seen as die and start of the container', async () => {
  const child = spawn(process.execPath, [BIN, 'events', '--json'], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TSCOMPOSE_ROOT: t!.root }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  try {
    await new Promise((r) => setTimeout(r, 3000));
    assert.is(cli('restart', '-t', '0', 'web').code, 0);
    for (let i = 0; i < 100 && !/"action":"start"/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
  }
  const events = out.trim().split('\n').map((l) => JSON.parse(l) as { action: string; service: string; type: string; attributes: Record<string, string> });
  assert.equal(events.map((e) => e.action), ['die', 'start']);
  assert.is(err, '', 'nothing on stderr (a poll loop once leaked abort listeners and Node warned)');
  assert.ok(events.every((e) => e.service === 'web' && e.type === 'container' && e.attributes.name === 'more-web-1' && e.attributes.image === 'busybox'));
});

test('attach --no-stdin shows the container\'s new output, until Ctrl-C with --sig-proxy false', async () => {
  const child = spawn(process.execPath, [BIN, 'attach', '--no-stdin', '--sig-proxy', 'false', 'web'], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TSCOMPOSE_ROOT: t!.root }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    assert.is(cli('exec', '-T', 'web', 'sh', '-c', 'echo said-after-attach > /proc/1/fd/1').code, 0);
    for (let i = 0; i < 100 && !out.includes('said-after-attach'); i++) await new Promise((r) => setTimeout(r, 100));
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
  }
  assert.is(out, 'said-after-attach\n');
});

test('cp: files copied in belong to root unless -a; a symlink SRC_PATH is the link unless -L', () => {
  const host = mkdtempSync(join(tmpdir(), 'tsc-cp-'));
  try {
    writeFileSync(join(host, 'f'), 'data');
    chownSync(join(host, 'f'), 1234, 1234);
    assert.is(cli('cp', join(host, 'f'), 'web:/tmp/plain').code, 0);
    assert.is(cli('cp', '-a', join(host, 'f'), 'web:/tmp/kept').code, 0);
    assert.is(cli('exec', '-T', 'web', 'stat', '-c', '%u', '/tmp/plain', '/tmp/kept').stdout, '0\n1234\n');
    assert.is(cli('cp', 'web:/tmp/plain', join(host, 'back')).code, 0);
    assert.is(statSync(join(host, 'back')).uid, process.getuid!());
    assert.is(cli('cp', '-a', 'web:/tmp/kept', join(host, 'kept')).code, 0);
    assert.is(statSync(join(host, 'kept')).uid, 1234);
    // Inside: /bin/sh is a link to busybox.
    assert.is(cli('cp', 'web:/bin/sh', join(host, 'link')).code, 0);
    assert.ok(lstatSync(join(host, 'link')).isSymbolicLink());
    assert.is(cli('cp', '-L', 'web:/bin/sh', join(host, 'followed')).code, 0);
    assert.ok(lstatSync(join(host, 'followed')).isFile());
    assert.is(readFileSync(join(host, 'kept'), 'utf8'), 'data');
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

s.run();
