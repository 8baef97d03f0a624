// Ctrl-C (SIGINT) and SIGTERM during `up` and `down`: what is in flight
// finishes, nothing else begins, no container is left half-made, the command
// exits 130 (as Docker Compose), and `down` then removes everything.
// The built CLI against real containers in a temporary state root.
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { readRecord } from '../../src/engines/embedded/state/containers.js';
import { isFullId } from '../../src/engines/embedded/state/ids.js';
import { listNames } from '../../src/engines/embedded/state/name-index.js';
import { openStateRoot } from '../../src/engines/embedded/state/root.js';
import { BIN, runCli, succeeded } from './cli.js';
import type { CliResult } from './cli.js';
import { downProject, openProject, type ProjectFixture } from './project-fixture.js';

const s = suite('cli interrupt');
const { ready, test } = requireHost(s, 'cli interrupt tests', missingForEngine());
let t: TestEngine | undefined;
let dir = '';
let fixture: ProjectFixture | undefined;

const service = (name: string, extra = '') => `  ${name}:\n    image: busybox\n    command: sleep 1000\n${extra}`;
// db never becomes healthy: the web services wait for it, and the cancel finds them waiting.
// Each web and side container has an anonymous volume: `down -v` leaves none behind.
const GATED = `name: intr\nservices:\n${service('db', '    stop_signal: SIGKILL\n    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s }\n')}${
  [1, 2, 3].map((n) => service(`web${n}`, '    stop_signal: SIGKILL\n    volumes: ["/data"]\n    depends_on: { db: { condition: service_healthy } }\n')).join('')}${
  [1, 2, 3, 4].map((n) => service(`side${n}`, '    stop_signal: SIGKILL\n    volumes: ["/data"]\n')).join('')}`;
// slow ignores SIGTERM (pid 1 without a handler): its stop takes its grace period.
const SLOW_DOWN = `name: intr\nservices:\n${service('slow', '    stop_grace_period: 3s\n')}${[1, 2, 3].map((n) => service(`fast${n}`, '    stop_signal: SIGKILL\n')).join('')}`;

function ok(...args: string[]): CliResult {
  return succeeded(args, runCli(['--progress', 'plain', ...args], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root } }));
}

async function projectContainers() {
  return t!.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'intr' } });
}

/**
 * Runs the CLI, sends `signal` once `ready()` holds (polled, no fixed sleep),
 * and resolves with its exit code and stderr. `twice`: sent again once the
 * CLI said it is canceling (a second Ctrl-C).
 */
async function interrupt(args: string[], signal: NodeJS.Signals, isReady: () => Promise<boolean>, twice = false): Promise<{ code: number | null; stderr: string; sentAfter: boolean }> {
  const child = spawn(process.execPath, [BIN, '--progress', 'plain', ...args], { cwd: dir, env: { ...process.env, TSCOMPOSE_ROOT: t!.root }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let done = false;
  void exited.then(() => { done = true; });
  let sentAfter = false;
  while (!done) {
    if (await isReady()) {
      sentAfter = true;
      child.kill(signal);
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  while (twice && sentAfter && !done) {
    if (stderr.includes('Canceling on')) {
      child.kill(signal);
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return { code: await exited, stderr, sentAfter };
}

/** Every record of the state root is complete (none being made or removed), and the engine inspects it. */
async function assertAllComplete(): Promise<void> {
  const root = openStateRoot(t!.root);
  for (const entry of readdirSync(root.containers).filter(isFullId)) {
    const record = readRecord(root, entry);
    assert.ok(record, `${entry}: a readable record`);
    assert.is(record!.state.phase, 'ready', `${record!.config.name}: complete`);
    const details = await t!.engine.containers.inspect(entry);
    assert.ok(details && ['created', 'running', 'exited'].includes(details.state.status), `${record!.config.name}: ${details?.state.status}`);
  }
  assert.equal(readdirSync(root.tmp), [], 'no staging or trash left in tmp/');
}

async function assertNothingLeft(): Promise<void> {
  assert.equal(await projectContainers(), []);
  assert.equal(listNames(openStateRoot(t!.root)), []);
  assert.is(await t!.engine.networks.inspect('intr_default'), undefined);
  assert.equal((await t!.engine.volumes.list()).map((v) => v.name), [], 'no anonymous volume left');
}

s.before(async () => {
  if (!ready) return;
  fixture = await openProject('tsc-intr-');
  t = fixture.t;
  dir = fixture.dir;
});

s.after(() => downProject(fixture));

test('SIGINT during up -d: exit 130, every container complete, none started after, down removes all', async () => {
  writeFileSync(join(dir, 'compose.yaml'), GATED);
  const r = await interrupt(['up', '-d'], 'SIGINT', async () => (await projectContainers()).length > 0);
  assert.ok(r.sentAfter, `up ended before any container was made:\n${r.stderr}`);
  assert.is(r.code, 130, r.stderr);
  assert.match(r.stderr, 'canceled (SIGINT): what was in progress was finished or undone, nothing else was started');
  assert.not.match(r.stderr, /internal error|\n\s+at /);
  await assertAllComplete();
  const left = await projectContainers();
  assert.ok(left.length > 0);
  assert.not.ok(left.length === 8 && left.every((c) => c.state.running), 'the cancel stopped the up before its end');
  // The web services wait for a dependency that never gets healthy: canceled, never started.
  assert.equal(left.filter((c) => c.name.includes('-web') && c.state.running).map((c) => c.name), []);
  // The next up finishes what was left, without duplicates.
  ok('up', '-d', 'db', 'side1', 'side2', 'side3', 'side4');
  assert.equal((await projectContainers()).map((c) => c.name).sort(), ['intr-db-1', 'intr-side1-1', 'intr-side2-1', 'intr-side3-1', 'intr-side4-1', ...left.filter((c) => c.name.includes('-web')).map((c) => c.name)].sort());
  ok('down', '-v', '-t', '0');
  await assertNothingLeft();
});

test('SIGTERM during up -d: exit 130 too (as Docker Compose), nothing half-made', async () => {
  writeFileSync(join(dir, 'compose.yaml'), GATED);
  const r = await interrupt(['up', '-d'], 'SIGTERM', async () => (await projectContainers()).length > 0);
  assert.ok(r.sentAfter, r.stderr);
  assert.is(r.code, 130, r.stderr);
  assert.match(r.stderr, 'canceled (SIGTERM)');
  await assertAllComplete();
  ok('down', '-v', '-t', '0');
  await assertNothingLeft();
});

test('a second SIGINT during up -d exits at once: no half-made container, and down -v leaves no volume', async () => {
  writeFileSync(join(dir, 'compose.yaml'), GATED);
  const r = await interrupt(['up', '-d'], 'SIGINT', async () => (await projectContainers()).length > 0, true);
  assert.ok(r.sentAfter, r.stderr);
  assert.is(r.code, 130, r.stderr);
  assert.not.match(r.stderr, /internal error|\n\s+at /);
  await assertAllComplete();
  ok('down', '-v', '-t', '0');
  await assertNothingLeft();
});

test('SIGINT during down: the stop in flight finishes, the network removal never begins; down again removes it', async () => {
  writeFileSync(join(dir, 'compose.yaml'), SLOW_DOWN);
  ok('up', '-d');
  const r = await interrupt(['down'], 'SIGINT', async () => (await projectContainers()).length < 4);
  assert.ok(r.sentAfter, r.stderr);
  assert.is(r.code, 130, r.stderr);
  await assertAllComplete();
  for (const c of await projectContainers()) assert.ok(['running', 'exited'].includes(c.state.status), `${c.name} ${c.state.status}`);
  assert.ok(await t!.engine.networks.inspect('intr_default'), 'the network removal, not yet begun, did not begin');
  ok('down', '-v', '-t', '0');
  await assertNothingLeft();
});

s.run();
