// The state-changing commands end to end: the built CLI against real
// containers in a temporary state root with an offline busybox image.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { closeTestEngine, missingForEngine, openTestEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { BIN, runCli } from './cli.js';
import type { CliResult } from './cli.js';

const s = suite('cli lifecycle');
const { ready, test } = requireHost(s, 'cli lifecycle tests', missingForEngine());
let t: TestEngine | undefined;
let dir = '';

const compose = (opts: { level?: string; extra?: string } = {}) => `
name: life
services:
  db:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    volumes: [data:/data]
  web:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    environment: { LOG_LEVEL: ${opts.level ?? 'info'} }
    depends_on: [db]
${opts.extra ?? ''}
volumes:
  data: {}
`;

function cli(...args: string[]): CliResult {
  const r = runCli(['--progress', 'plain', ...args], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root } });
  if (r.code !== 0) throw new Error(`tscompose ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r;
}

async function names(): Promise<string[]> {
  const list = await t!.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'life' } });
  return list.map((c) => `${c.name} ${c.state.status}`).sort();
}

s.before(async () => {
  if (!ready) return;
  t = await openTestEngine();
  dir = mkdtempSync(join(tmpdir(), 'tsc-life-'));
  writeFileSync(join(dir, 'compose.yaml'), compose());
});

s.after(async () => {
  try {
    if (t && dir) runCli(['down', '--volumes', '-t', '0'], { cwd: dir, env: { TSCOMPOSE_ROOT: t.root } });
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await closeTestEngine(t);
  }
});


test('--dry-run prints the plan and changes nothing', async () => {
  const r = cli('--dry-run', 'up', '-d');
  assert.is(r.stdout, 'Network life_default  Create\nVolume life_data  Create\nContainer life-db-1  Create, Start\nContainer life-web-1  Create, Start\n');
  assert.equal(await names(), []);
  assert.is(await t!.engine.volumes.inspect('life_data'), undefined);
});

test('up -d starts the stack; a second up -d starts nothing', async () => {
  const first = cli('up', '-d');
  assert.match(first.stderr, ' Container life-web-1  Started');
  assert.equal(await names(), ['life-db-1 running', 'life-web-1 running']);
  const second = cli('up', '-d');
  assert.is(second.stderr, ' Container life-db-1  Running\n Container life-web-1  Running\n');
});

test('changing an env var recreates only that service', async () => {
  writeFileSync(join(dir, 'compose.yaml'), compose({ level: 'warn' }));
  const plan = cli('--dry-run', 'up', '-d');
  assert.is(plan.stdout, 'Container life-db-1  Running\nContainer life-web-1  Recreate, Start\n    environment.LOG_LEVEL: info → warn\n');
  const r = cli('up', '-d');
  assert.match(r.stderr, ' Container life-web-1  Recreated');
  assert.match(r.stderr, ' Container life-db-1  Running');
  assert.not.match(r.stderr, 'life-db-1  Recreate');
});

test('--scale up and down', async () => {
  cli('up', '-d', '--scale', 'web=3');
  assert.equal(await names(), ['life-db-1 running', 'life-web-1 running', 'life-web-2 running', 'life-web-3 running']);
  cli('up', '-d', '--scale', 'web=1');
  assert.equal(await names(), ['life-db-1 running', 'life-web-1 running']);
});

test('a container outlives a SIGKILLed up; the next up converges without duplicates', async () => {
  writeFileSync(join(dir, 'compose.yaml'), compose({ level: 'warn', extra: [1, 2, 3, 4].map((n) => `  extra${n}:\n    image: busybox\n    command: sleep 1000\n    stop_signal: SIGKILL\n`).join('') }));
  const child = spawn(process.execPath, [BIN, '--progress', 'plain', 'up', '-d'], { cwd: dir, env: { ...process.env, TSCOMPOSE_ROOT: t!.root }, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve) => {
    child.stderr!.on('data', (d: Buffer) => { if (d.toString().includes('Started')) { child.kill('SIGKILL'); resolve(); } });
    child.on('exit', () => resolve());
  });
  await new Promise((r) => child.on('exit', r).once('close', r));
  const survivors = (await names()).filter((n) => n.endsWith('running'));
  assert.ok(survivors.length >= 1, 'a started container keeps running');
  cli('up', '-d');
  assert.equal(await names(), ['life-db-1 running', 'life-extra1-1 running', 'life-extra2-1 running', 'life-extra3-1 running', 'life-extra4-1 running', 'life-web-1 running']);
});

test('run: one-off container, output and exit code passed through, --rm removes it', async () => {
  const r = runCli(['run', '--rm', 'web', 'sh', '-c', 'echo level=$LOG_LEVEL; exit 3'], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root } });
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, 'level=warn\n');
  const oneoffs = await t!.engine.containers.list({ all: true, labels: { 'com.docker.compose.oneoff': 'True' } });
  assert.is(oneoffs.length, 0);
});

test('down keeps volumes; down -v removes them', async () => {
  cli('down', '-t', '0');
  assert.equal(await names(), []);
  assert.ok(await t!.engine.volumes.inspect('life_data'), 'volume kept');
  assert.is(await t!.engine.networks.inspect('life_default'), undefined);
  cli('up', '-d');
  // down works with only the project name and no Compose file
  const r = runCli(['--progress', 'plain', '-p', 'life', 'down', '--volumes', '-t', '0'], { cwd: tmpdir(), env: { TSCOMPOSE_ROOT: t!.root } });
  assert.is(r.code, 0, r.stderr);
  assert.equal(await names(), []);
  assert.is(await t!.engine.volumes.inspect('life_data'), undefined);
});

s.run();
