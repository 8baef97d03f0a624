// The same user scenarios, through the built CLI, on each engine: the
// embedded one (a temporary state root) and Docker (a dockerd of the test's
// own, in its own network namespace). Name DNS between services, a healthcheck
// gate, a published port, logs, exec, a named volume surviving `down`, a
// restart policy. Published ports are reached on loopback: the host's for the
// embedded engine, the dockerd namespace's for Docker.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { requireHost } from '../host.js';
import { suite } from '../harness.js';
import { closeTestEngine, missingForEngine, openTestEngine, type TestEngine } from '../engines/embedded/engine-helpers.js';
import { missingForNetwork } from '../engines/embedded/network-helpers.js';
import { closeDockerTest, openDockerTest, type DockerTestContext } from '../engines/docker/docker-helpers.js';
import { missingForDockerd } from '../engines/docker/dockerd.js';
import { runCli, type CliResult } from './cli.js';

interface Backend {
  name: 'embedded' | 'docker';
  /** What the host lacks for this backend (for requireHost). */
  missing: () => string[];
  open(): Promise<{ env: Record<string, string>; port: number; get: (port: number) => string; close: () => Promise<void> }>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** GET http://127.0.0.1:PORT/ with Node (in the namespace `prefix` enters, if any); the body or why not. */
function httpGet(prefix: string[], port: number): string {
  const script = `require('http').get('http://127.0.0.1:${port}/', { timeout: 5000 }, (r) => r.pipe(process.stdout)).on('error', (e) => { console.error(e.message); process.exit(1); })`;
  const argv = [...prefix, process.execPath, '-e', script];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : `GET failed (${r.status ?? r.signal}): ${r.stderr}`;
}

const backends: Backend[] = [
  {
    name: 'embedded',
    missing: () => [...new Set([...missingForEngine(), ...missingForNetwork()])],
    async open() {
      const t: TestEngine = await openTestEngine();
      return { env: { TSCOMPOSE_ROOT: t.root, TSCOMPOSE_ENGINE: 'embedded' }, port: await freePort(), get: (port) => httpGet([], port), close: () => closeTestEngine(t) };
    },
  },
  {
    name: 'docker',
    missing: () => missingForDockerd(),
    async open() {
      const t: DockerTestContext = await openDockerTest();
      // Any port: the namespace is the test's own.
      return { env: t.env, port: 18080, get: (port) => httpGet(['ip', 'netns', 'exec', t.dockerd.netns], port), close: () => closeDockerTest(t) };
    },
  },
];

const compose = (port: number) => `
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "mkdir -p /www; cat /data/msg > /www/index.html 2>/dev/null || echo fresh > /www/index.html; echo web-started; exec httpd -f -p 80 -h /www"]
    stop_signal: SIGKILL
    ports: ["${port}:80"]
    volumes: [data:/data]
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1/"]
      interval: 1s
      timeout: 2s
      retries: 30
  client:
    image: busybox:latest
    # One try only: it starts once web is healthy, so web's name must resolve and answer.
    command: ["sh", "-c", "wget -qO- http://web/ && echo client-fetched; exec sleep 100000"]
    stop_signal: SIGKILL
    depends_on:
      web:
        condition: service_healthy
  flaky:
    image: busybox:latest
    command: ["sh", "-c", "echo run >> /state/runs; echo flaky-run; [ $$(wc -l < /state/runs) -ge 3 ] && exec sleep 100000; exit 1"]
    stop_signal: SIGKILL
    restart: on-failure
    volumes: [state:/state]
volumes:
  data:
  state:
`;

for (const backend of backends) {
  const s = suite(`engine scenarios: ${backend.name}`);
  const { ready, test } = requireHost(s, `engine scenarios (${backend.name}) tests`, backend.missing());
  let ctx: Awaited<ReturnType<Backend['open']>> | undefined;
  let dir = '';
  const cli = (...args: string[]): CliResult => runCli(['--progress', 'quiet', '-p', 'tscscn', ...args], { cwd: dir, env: ctx!.env });
  const ok = (...args: string[]): string => {
    const r = cli(...args);
    assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  s.before(async () => {
    if (!ready) return;
    ctx = await backend.open();
    dir = mkdtempSync(join(tmpdir(), 'tsc-scn-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'compose.yaml'), compose(ctx.port));
  });
  s.after(async () => {
    if (ctx) {
      cli('down', '--volumes', '-t', '0');
      await ctx.close();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('up -d: the client starts once web is healthy and reaches it by its service name', () => {
    ok('up', '-d');
    const health = JSON.parse(ok('ps', 'web', '--format', 'json').trim().split('\n')[0]!) as { Health: string; State: string };
    assert.is(health.Health, 'healthy');
    assert.is(health.State, 'running');
  });

  test('logs: each service\'s output, the client\'s fetch through name DNS', async () => {
    let logs = '';
    for (let i = 0; i < 100 && !/client-fetched/.test(logs); i++) {
      logs = ok('logs', '--no-log-prefix', 'client');
      if (!/client-fetched/.test(logs)) await sleep(100);
    }
    assert.match(logs, /^fresh\nclient-fetched\n/);
    assert.match(ok('logs', 'web'), /web-1 +\| web-started/);
  });

  test('a published port answers on loopback', () => {
    assert.is(ctx!.get(ctx!.port), 'fresh\n');
    assert.match(ok('port', 'web', '80'), new RegExp(`:${ctx!.port}\\n`));
  });

  test('exec: output and exit code pass through', () => {
    assert.is(ok('exec', '-T', 'web', 'cat', '/www/index.html'), 'fresh\n');
    const r = cli('exec', '-T', 'web', 'sh', '-c', 'echo to-err >&2; exit 7');
    assert.is(r.code, 7);
    assert.is(r.stderr, 'to-err\n');
  });

  test('restart policy: on-failure restarts until the command stays up', async () => {
    let runs = 0;
    let state = '';
    for (let i = 0; i < 300 && !(runs >= 3 && state === 'running'); i++) {
      runs = (ok('logs', '--no-log-prefix', 'flaky').match(/flaky-run/g) ?? []).length;
      state = (JSON.parse(ok('ps', '-a', 'flaky', '--format', 'json').trim().split('\n')[0] ?? '{}') as { State?: string }).State ?? '';
      if (!(runs >= 3 && state === 'running')) await sleep(100);
    }
    assert.is(state, 'running');
    assert.is(runs, 3);
  });

  test('a named volume survives down; up finds its data again', () => {
    ok('exec', '-T', 'web', 'sh', '-c', 'echo persisted > /data/msg');
    ok('down', '-t', '0');
    assert.is(ok('ps', '-a', '-q'), '');
    ok('up', '-d', 'web');
    assert.is(ok('exec', '-T', 'web', 'cat', '/www/index.html'), 'persisted\n');
    ok('down', '--volumes', '-t', '0');
    ok('up', '-d', 'web');
    assert.is(ok('exec', '-T', 'web', 'cat', '/www/index.html'), 'fresh\n');
  });

  s.run();
}
