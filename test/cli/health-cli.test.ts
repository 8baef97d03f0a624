// Healthchecks end to end: the built CLI against real containers in a
// temporary state root; the agent (started by the CLI) runs the probes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import type { ContainerDetails } from '../../src/engine/types.js';
import { stopAgent } from '../../src/engines/embedded/agent/ensure.js';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { closeTestEngine, collector, missingForEngine, openTestEngine } from '../engines/embedded/engine-helpers.js';
import type { TestEngine } from '../engines/embedded/engine-helpers.js';
import { BIN, runCli } from './cli.js';
import type { CliResult } from './cli.js';

const s = suite('cli health');
const { ready, test } = requireHost(s, 'cli health tests', missingForEngine());
let t: TestEngine | undefined;
let dir = '';

const svc = (extra: string) => `    image: busybox\n    command: sleep 1000\n    stop_signal: SIGKILL\n${extra}`;
const compose = `
name: hc
services:
  db:
${svc(`    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      timeout: 1s
      retries: 60
`)}
  web:
${svc(`    depends_on:
      db:
        condition: service_healthy
    post_start:
      - command: sh -c 'echo "$$GREETING" > /tmp/post-started'
        environment:
          GREETING: hello from post_start
`)}
  bad:
${svc(`    healthcheck:
      test: ["CMD-SHELL", "echo not ready yet; exit 1"]
      interval: 1s
      retries: 2
`)}
  hang:
${svc(`    healthcheck:
      test: ["CMD", "sleep", "100"]
      interval: 1s
      timeout: 1s
      retries: 1
`)}
  init:
    image: busybox
    command: sh -c 'sleep 1; exit 0'
  app:
${svc(`    depends_on:
      init:
        condition: service_completed_successfully
`)}
  failinit:
    image: busybox
    command: sh -c 'exit 3'
  app2:
${svc(`    depends_on:
      failinit:
        condition: service_completed_successfully
`)}
  hookfail:
${svc(`    post_start:
      - command: sh -c 'echo hook says no; exit 4'
`)}
`;

const env = () => ({ TSCOMPOSE_ROOT: t!.root });

function cli(...args: string[]): CliResult {
  return runCli(['--progress', 'plain', ...args], { cwd: dir, env: env() });
}

function cliAsync(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, '--progress', 'plain', ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

async function inspect(name: string): Promise<ContainerDetails> {
  const c = await t!.engine.containers.inspect(name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}

async function exec(name: string, cmd: string[]): Promise<{ code: number; out: string }> {
  const out = collector();
  const code = await t!.engine.containers.exec(name, { cmd }, { stdout: out.stream, stderr: out.stream });
  return { code, out: out.text() };
}

s.before(async () => {
  if (!ready) return;
  t = await openTestEngine();
  dir = mkdtempSync(join(tmpdir(), 'tsc-health-'));
  writeFileSync(join(dir, 'compose.yaml'), compose);
});

s.after(async () => {
  try {
    if (t && dir) runCli(['down', '-t', '0'], { cwd: dir, env: env() });
    if (t) await stopAgent(t.root);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await closeTestEngine(t);
  }
});


test('service_healthy gates the dependent until the dependency is healthy; post_start runs', async () => {
  const up = cliAsync('up', '-d', 'web');
  let db: ContainerDetails | undefined;
  for (let i = 0; i < 100 && db?.state.health?.status !== 'starting'; i++) {
    await sleep(100);
    db = await t!.engine.containers.inspect('hc-db-1');
  }
  assert.is(db?.state.health?.status, 'starting', 'db starts as health: starting');
  await sleep(2000);
  assert.is((await t!.engine.containers.inspect('hc-web-1'))?.state.status, 'created', 'web waits');
  assert.is((await exec('hc-db-1', ['touch', '/tmp/ready'])).code, 0);
  const r = await up;
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, ' Container hc-db-1  Waiting');
  assert.match(r.stderr, ' Container hc-db-1  Healthy');
  assert.ok(r.stderr.indexOf('hc-db-1  Healthy') < r.stderr.indexOf('hc-web-1  Started'), r.stderr);
  db = await inspect('hc-db-1');
  const web = await inspect('hc-web-1');
  assert.is(db.state.health?.status, 'healthy');
  const firstSuccess = db.state.health!.log.find((l) => l.exitCode === 0)!;
  assert.ok(firstSuccess, JSON.stringify(db.state.health));
  assert.ok(Date.parse(web.state.startedAt) >= Date.parse(firstSuccess.end), `web started ${web.state.startedAt}, db healthy at ${firstSuccess.end}`);
  assert.equal(await exec('hc-web-1', ['cat', '/tmp/post-started']), { code: 0, out: 'hello from post_start\n' });
});

test('ps and inspect show the health', async () => {
  const ps = cli('ps', '--format', 'json', 'db');
  assert.is(ps.code, 0, ps.stderr);
  assert.is(JSON.parse(ps.stdout.trim().split('\n')[0]!).Health, 'healthy');
  assert.match(cli('ps', 'db').stdout, /Up .* \(healthy\)/);
  const inspected = JSON.parse(cli('inspect', 'db').stdout) as Array<{ State: { Health: { Status: string; FailingStreak: number; Log: Array<{ ExitCode: number }> } } }>;
  const health = inspected[0]!.State.Health;
  assert.is(health.Status, 'healthy');
  assert.is(health.FailingStreak, 0);
  assert.ok(health.Log.length >= 1 && health.Log.length <= 5);
});

test('an unhealthy service fails up --wait with its healthcheck output', async () => {
  const r = cli('up', '-d', '--wait', 'bad');
  assert.is.not(r.code, 0);
  assert.match(r.stderr, 'container hc-bad-1 is unhealthy');
  assert.match(r.stderr, 'not ready yet');
  assert.is((await inspect('hc-bad-1')).state.health?.status, 'unhealthy');
});

test('up --wait returns once healthy; --wait-timeout gives up with the reason', async () => {
  const ok = cli('up', '-d', '--wait', 'db');
  assert.is(ok.code, 0, ok.stderr);
  writeFileSync(join(dir, 'compose.yaml'), compose.replace('test: ["CMD", "test", "-f", "/tmp/ready"]', 'test: ["CMD", "test", "-f", "/tmp/never"]'));
  try {
    const r = cli('up', '-d', '--wait', '--wait-timeout', '3', 'db');
    assert.is.not(r.code, 0);
    assert.match(r.stderr, 'application not healthy after 3s');
    assert.match(r.stderr, 'hc-db-1 (health: starting)');
  } finally {
    writeFileSync(join(dir, 'compose.yaml'), compose);
  }
});

test('a probe that hangs is killed at its timeout and counts as a failure', async () => {
  assert.is(cli('up', '-d', 'hang').code, 0);
  let c = await inspect('hc-hang-1');
  for (let i = 0; i < 150 && c.state.health?.status !== 'unhealthy'; i++) {
    await sleep(100);
    c = await inspect('hc-hang-1');
  }
  assert.is(c.state.health?.status, 'unhealthy');
  const entry = c.state.health!.log[0]!;
  assert.is(entry.exitCode, -1);
  assert.match(entry.output, 'Health check exceeded timeout (1s)');
  assert.ok(Date.parse(entry.end) - Date.parse(entry.start) < 10_000, 'killed, not waited for');
});

test('service_completed_successfully: waits for exit 0; a non-zero exit fails the dependent', async () => {
  const r = cli('up', '-d', 'app');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, ' Container hc-init-1  Exited');
  const init = await inspect('hc-init-1');
  const app = await inspect('hc-app-1');
  assert.is(init.state.exitCode, 0);
  assert.ok(Date.parse(app.state.startedAt) >= Date.parse(init.state.finishedAt) - 1000, `${app.state.startedAt} vs ${init.state.finishedAt}`);
  const bad = cli('up', '-d', 'app2');
  assert.is.not(bad.code, 0);
  assert.match(bad.stderr, 'service "failinit" didn\'t complete successfully: exit 3');
  assert.is((await inspect('hc-app2-1')).state.status, 'created');
});

test('a failing post_start fails the start', async () => {
  const r = cli('up', '-d', 'hookfail');
  assert.is.not(r.code, 0);
  assert.match(r.stderr, 'hookfail hook exited with status 4');
  assert.match(r.stderr, 'hook says no');
  assert.not.match(r.stderr, 'hc-hookfail-1  Started');
});

s.run();
