// Compose's labels both ways, on a dockerd of the test's own: a project that
// Debian's docker-compose (v1, the same core labels as v2) started is listed
// and removed by `tscompose --engine docker`, and one we started is listed and
// removed by docker-compose. Names differ by tool (`p_a_1` / `p-a-1`), labels do not.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { dockerSuite, type DockerTestContext } from '../engines/docker/docker-helpers.js';
import { runCli } from './cli.js';

const { s, test, ready } = dockerSuite('docker-compose interop');
const v1Missing = spawnSync('sh', ['-c', 'command -v docker-compose']).status !== 0;
if (ready && v1Missing) {
  if (process.env.CI === 'true') throw new Error('docker-compose interop needs docker-compose (`apt-get install docker-compose`)');
  console.log('skipped: docker-compose interop needs docker-compose (`apt-get install docker-compose`)');
}

// v1 reads a file without `version` as the legacy format: it needs one (we warn that it is obsolete).
const COMPOSE = `version: "3.7"
services:
  a:
    image: busybox:latest
    command: sleep 100000
    stop_signal: SIGKILL
    networks: [back]
  b:
    image: busybox:latest
    command: sleep 100000
    stop_signal: SIGKILL
networks:
  back: {}
`;

function project(t: DockerTestContext): string {
  const dir = mkdtempSync(join(t.dockerd.dir, 'interop-'));
  writeFileSync(join(dir, 'docker-compose.yml'), COMPOSE);
  return dir;
}

function v1(t: DockerTestContext, dir: string, ...args: string[]): string {
  const r = spawnSync('docker-compose', args, { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: t.dockerd.dir, DOCKER_HOST: t.dockerd.host } });
  assert.is(r.status, 0, `docker-compose ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function names(t: DockerTestContext, label: string): Promise<string[]> {
  return (await t.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': label } })).map((c) => c.name).sort();
}

test('a docker-compose project: tscompose ps lists it, down removes its containers and networks', async (t) => {
  if (v1Missing) return;
  const dir = project(t);
  v1(t, dir, '-p', 'fromv1', 'up', '-d');
  assert.equal(await names(t, 'fromv1'), ['fromv1_a_1', 'fromv1_b_1']);
  const ps = runCli(['-p', 'fromv1', 'ps', '--format', 'json'], { cwd: dir, env: t.env });
  assert.is(ps.code, 0, ps.stderr);
  const rows = ps.stdout.trim().split('\n').map((l) => JSON.parse(l) as { Name: string; Service: string; State: string });
  assert.equal(rows.map((r) => [r.Name, r.Service, r.State]), [['fromv1_a_1', 'a', 'running'], ['fromv1_b_1', 'b', 'running']]);
  const down = runCli(['--progress', 'plain', '-p', 'fromv1', 'down', '-t', '0'], { cwd: dir, env: t.env });
  assert.is(down.code, 0, down.stderr);
  assert.equal(await names(t, 'fromv1'), []);
  assert.equal((await t.engine.networks.list({ labels: { 'com.docker.compose.project': 'fromv1' } })).map((n) => n.name), []);
});

test('a tscompose project: docker-compose ps lists it, down removes it', async (t) => {
  if (v1Missing) return;
  const dir = project(t);
  const up = runCli(['--progress', 'quiet', '-p', 'fromtsc', 'up', '-d'], { cwd: dir, env: t.env });
  assert.is(up.code, 0, up.stderr);
  const ps = v1(t, dir, '-p', 'fromtsc', 'ps', '--services');
  assert.equal(ps.trim().split('\n').sort(), ['a', 'b']);
  v1(t, dir, '-p', 'fromtsc', 'down', '-t', '0');
  assert.equal(await names(t, 'fromtsc'), []);
  assert.equal((await t.engine.networks.list({ labels: { 'com.docker.compose.project': 'fromtsc' } })).map((n) => n.name), []);
});

s.run();
