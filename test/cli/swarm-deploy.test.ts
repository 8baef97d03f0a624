// `deploy` and `stack` on a single-node Swarm (`swarm init` on the test
// dockerd, in its own namespace): a 3-service stack with 2 replicas of one,
// secrets and configs, images from a registry of the test's own (resolved to
// digests); a changed environment updates only that service; `stack rm`
// removes everything. This kernel has no IPVS, so the ingress routing mesh
// cannot carry traffic: the front service publishes in host mode and the
// replicated one is reached by DNS round robin.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { dockerSuite, type DockerTestContext } from '../engines/docker/docker-helpers.js';
import { NAMESPACE_ADDRESS, startNamespaceRegistry } from '../engines/docker/dockerd.js';
import { runCli, type CliResult } from './cli.js';

const { s, test, ready } = dockerSuite('swarm deploy');
let registry: { address: string; stop: () => Promise<void> } | undefined;
let dir = '';
const IMAGE = '127.0.0.1:5000/tsc/busybox:1';

const compose = (greeting: string) => `
services:
  front:
    image: ${IMAGE}
    command: ["sh", "-c", "mkdir -p /www; echo front-$$GREETING > /www/index.html; exec httpd -f -p 80 -h /www"]
    environment:
      GREETING: ${greeting}
    ports:
      - { target: 80, published: 8090, mode: host }
  back:
    image: ${IMAGE}
    command: ["sh", "-c", "mkdir -p /www; hostname > /www/index.html; exec httpd -f -p 80 -h /www"]
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
      update_config: { parallelism: 1, delay: 1s }
      restart_policy: { condition: on-failure }
      labels: { tier: back }
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1/"]
      interval: 1s
  worker:
    image: ${IMAGE}
    command: ["sleep", "100000"]
    container_name: not-on-swarm
    depends_on: [back]
    secrets: [token]
    configs:
      - { source: site, target: /etc/site.txt }
secrets:
  token:
    environment: TSC_TOKEN
configs:
  site:
    file: ./site.txt
`;

function cli(t: DockerTestContext, ...args: string[]): CliResult {
  return runCli(args, { cwd: dir, env: { ...t.env, TSCOMPOSE_ENGINE: '', TSC_TOKEN: 's3cret' } });
}

function ok(t: DockerTestContext, ...args: string[]): string {
  const r = cli(t, ...args);
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface Service { ID: string; Version: { Index: number }; Spec: { Name: string; Labels: Record<string, string>; TaskTemplate: { ContainerSpec: { Image: string; Env?: string[] } } } }

async function services(t: DockerTestContext): Promise<Service[]> {
  return (await t.engine.client.json<Service[]>('GET', '/services', { query: { filters: { label: ['com.docker.stack.namespace=tscst'] } } }))
    .sort((a, b) => (a.Spec.Name < b.Spec.Name ? -1 : 1));
}

async function until(what: string, check: () => Promise<boolean> | boolean, limit = 600): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`still not ${what}`);
}

async function containerOf(t: DockerTestContext, service: string): Promise<string> {
  const list = await t.engine.containers.list({ labels: { 'com.docker.swarm.service.name': `tscst_${service}` } });
  if (!list[0]) throw new Error(`no container of ${service}`);
  return list[0].id;
}

async function execOut(t: DockerTestContext, id: string, cmd: string[]): Promise<string> {
  let text = '';
  const { Writable } = await import('node:stream');
  const sink = new Writable({ write(c, _e, cb) { text += c.toString(); cb(); } });
  await t.engine.containers.exec(id, { cmd }, { stdout: sink, stderr: sink });
  return text;
}

s.before(async () => {
  if (!ready) return;
  dir = mkdtempSync('/tmp/tsc-swarm-');
  writeFileSync(join(dir, 'compose.yaml'), compose('hello'));
  writeFileSync(join(dir, 'site.txt'), 'site-config\n');
});

s.after(async () => {
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('swarm init; the image is pushed to a registry of the test\'s own', async (t) => {
  await t.engine.client.json('POST', '/swarm/init', { body: { ListenAddr: `${NAMESPACE_ADDRESS}:2377`, AdvertiseAddr: NAMESPACE_ADDRESS } });
  registry = await startNamespaceRegistry(t.dockerd);
  await t.engine.images.tag('busybox:latest', IMAGE);
  await t.engine.images.push(IMAGE);
});

test('--dry-run prints the plan and creates nothing', async (t) => {
  const out = ok(t, '--dry-run', 'deploy', 'tscst');
  assert.is(out, [
    'Creating network tscst_default', 'Creating secret tscst_token', 'Creating config tscst_site',
    'Creating service tscst_front', 'Creating service tscst_back', 'Creating service tscst_worker', '',
  ].map((l) => (l ? `DRY-RUN MODE - ${l}` : l)).join('\n'));
  assert.equal(await services(t), []);
});

test('deploy: services, replicas, secrets and configs; unsupported keys reported as docker stack deploy does', async (t) => {
  const r = cli(t, 'deploy', 'tscst');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'Creating network tscst_default\nCreating secret tscst_token\nCreating config tscst_site\nCreating service tscst_front\nCreating service tscst_back\nCreating service tscst_worker\n');
  assert.is(r.stderr, 'Ignoring unsupported options: depends_on\n\nIgnoring deprecated options:\n\ncontainer_name: Setting the container name is not supported.\n\n');
  const list = await services(t);
  assert.equal(list.map((x) => x.Spec.Name), ['tscst_back', 'tscst_front', 'tscst_worker']);
  for (const x of list) assert.match(x.Spec.TaskTemplate.ContainerSpec.Image, /^127\.0\.0\.1:5000\/tsc\/busybox:1@sha256:[0-9a-f]{64}$/);
  assert.is(list[0]!.Spec.Labels.tier, 'back');
  await until('converged', () => {
    const rows = ok(t, 'stack', 'services', 'tscst', '--format', 'json').trim().split('\n').map((l) => JSON.parse(l) as { Name: string; Replicas: string });
    return rows.map((x) => `${x.Name} ${x.Replicas}`).join(',') === 'tscst_back 2/2,tscst_front 1/1,tscst_worker 1/1';
  });
  assert.match(ok(t, 'stack', 'services', 'tscst'), /tscst_front +replicated +1\/1 +127\.0\.0\.1:5000\/tsc\/busybox:1 +\*:8090->80\/tcp/);
  const tasks = ok(t, 'stack', 'ps', 'tscst', '--format', 'json').trim().split('\n').map((l) => JSON.parse(l) as { Name: string; DesiredState: string; CurrentState: string });
  assert.equal(tasks.map((x) => x.Name).sort(), ['tscst_back.1', 'tscst_back.2', 'tscst_front.1', 'tscst_worker.1']);
  assert.ok(tasks.every((x) => x.DesiredState === 'Running' && /^Running /.test(x.CurrentState)), JSON.stringify(tasks));
  const worker = await containerOf(t, 'worker');
  assert.is(await execOut(t, worker, ['cat', '/run/secrets/token', '/etc/site.txt']), 's3cret' + 'site-config\n');
});

test('the published port answers; both replicas of back answer by name', async (t) => {
  await until('answering', () => t.dockerd.inNamespace([process.execPath, '-e', HTTP_GET(8090)]) === 'front-hello\n');
  const front = await containerOf(t, 'front');
  const seen = new Set<string>();
  await until('both replicas seen', async () => {
    seen.add((await execOut(t, front, ['wget', '-qO-', 'http://back/'])).trim());
    return seen.size >= 2;
  }, 100);
  assert.is(seen.size, 2);
});

test('re-deploy: unchanged does nothing; a changed environment updates only that service', async (t) => {
  const before = await services(t);
  assert.is(cli(t, 'deploy', 'tscst').stdout, '');
  writeFileSync(join(dir, 'compose.yaml'), compose('changed'));
  const r = cli(t, 'deploy', 'tscst');
  assert.is(r.code, 0, r.stderr);
  const frontId = before.find((x) => x.Spec.Name === 'tscst_front')!.ID;
  assert.is(r.stdout, `Updating service tscst_front (id: ${frontId})\n`);
  const after = await services(t);
  for (const name of ['tscst_back', 'tscst_worker']) {
    assert.is(after.find((x) => x.Spec.Name === name)!.Version.Index, before.find((x) => x.Spec.Name === name)!.Version.Index, name);
  }
  assert.ok(after.find((x) => x.Spec.Name === 'tscst_front')!.Spec.TaskTemplate.ContainerSpec.Env!.includes('GREETING=changed'));
  await until('updated', () => t.dockerd.inNamespace([process.execPath, '-e', HTTP_GET(8090)]) === 'front-changed\n');
});

test('stack rm removes services, secrets, configs and networks', async (t) => {
  assert.is(ok(t, 'stack', 'rm', 'tscst'), 'Removing service tscst_back\nRemoving service tscst_front\nRemoving service tscst_worker\nRemoving secret tscst_token\nRemoving config tscst_site\nRemoving network tscst_default\n');
  const label = { filters: { label: ['com.docker.stack.namespace=tscst'] } };
  for (const kind of ['services', 'secrets', 'configs', 'networks']) {
    assert.equal(await t.engine.client.json<unknown[]>('GET', `/${kind}`, { query: label }), [], kind);
  }
  assert.equal(await t.engine.containers.list({ all: true, labels: { 'com.docker.stack.namespace': 'tscst' } }), []);
  const again = cli(t, 'stack', 'rm', 'tscst');
  assert.is(again.code, 1);
  assert.match(again.stderr, /nothing found in stack: tscst/);
});

/** A GET of 127.0.0.1:PORT printing the body, or nothing (for polling). */
function HTTP_GET(port: number): string {
  return `require('http').get('http://127.0.0.1:${port}/', { timeout: 3000 }, (r) => r.pipe(process.stdout)).on('error', () => {})`;
}

s.run();
