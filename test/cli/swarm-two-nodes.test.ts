// A two-node Swarm on one machine: a second test dockerd in its own
// namespace, linked to the first by a veth pair, joins as a worker; a stack's
// service is spread across both nodes and its replicas answer each other over
// the overlay network.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { requireHost } from '../host.js';
import { suite } from '../harness.js';
import { closeDockerTest, openDockerTest, type DockerTestContext } from '../engines/docker/docker-helpers.js';
import { linkDockerds, missingForDockerd } from '../engines/docker/dockerd.js';
import { runCli } from './cli.js';

const s = suite('swarm on two nodes');
const { ready, test } = requireHost(s, 'swarm on two nodes tests', missingForDockerd());
let manager: DockerTestContext | undefined;
let worker: DockerTestContext | undefined;
let dir = '';

const COMPOSE = `
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "mkdir -p /www; hostname > /www/index.html; exec httpd -f -p 80 -h /www"]
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
      placement:
        max_replicas_per_node: 1
  probe:
    image: busybox:latest
    command: ["sleep", "100000"]
    deploy:
      placement:
        constraints: [node.role==manager]
`;

async function until(what: string, check: () => Promise<boolean>, limit = 600): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`still not ${what}`);
}

s.before(async () => {
  if (!ready) return;
  [manager, worker] = await Promise.all([openDockerTest(), openDockerTest()]);
  dir = mkdtempSync(join(manager.dockerd.dir, 'stack-'));
  writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
});

s.after(async () => {
  await Promise.all([closeDockerTest(worker), closeDockerTest(manager)]);
});

test('the second node joins as a worker; a service spreads across both and its replicas reach each other', async () => {
  if (!ready) return;
  const m = manager!;
  const w = worker!;
  const addr = linkDockerds(m.dockerd, w.dockerd);
  await m.engine.client.json('POST', '/swarm/init', { body: { ListenAddr: `${addr.a}:2377`, AdvertiseAddr: addr.a } });
  const swarm = await m.engine.client.json<{ JoinTokens: { Worker: string } }>('GET', '/swarm');
  await w.engine.client.json('POST', '/swarm/join', { body: { ListenAddr: `${addr.b}:2377`, AdvertiseAddr: addr.b, RemoteAddrs: [`${addr.a}:2377`], JoinToken: swarm.JoinTokens.Worker } });
  await until('two ready nodes', async () => {
    const nodes = await m.engine.client.json<Array<{ Status: { State: string } }>>('GET', '/nodes');
    return nodes.length === 2 && nodes.every((n) => n.Status.State === 'ready');
  });

  const r = runCli(['deploy', '--resolve-image', 'never', 'tsc2n'], { cwd: dir, env: { ...m.env, TSCOMPOSE_ENGINE: '' } });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'Creating network tsc2n_default\nCreating service tsc2n_web\nCreating service tsc2n_probe\n');

  interface Task { NodeID: string; ServiceID: string; Status: { State: string } }
  const web = (await m.engine.client.json<Array<{ ID: string; Spec: { Name: string } }>>('GET', '/services')).find((x) => x.Spec.Name === 'tsc2n_web')!;
  let nodes: string[] = [];
  await until('both web tasks running', async () => {
    const tasks = await m.engine.client.json<Task[]>('GET', '/tasks', { query: { filters: { service: [web.ID], 'desired-state': ['running'] } } });
    nodes = tasks.filter((t) => t.Status.State === 'running').map((t) => t.NodeID);
    return nodes.length === 2;
  });
  assert.is(new Set(nodes).size, 2, 'one replica on each node');
  assert.is((await w.engine.containers.list({ labels: { 'com.docker.swarm.service.name': 'tsc2n_web' } })).length, 1);

  let probe = '';
  await until('the probe running', async () => {
    probe = (await m.engine.containers.list({ labels: { 'com.docker.swarm.service.name': 'tsc2n_probe' } }))[0]?.id ?? '';
    return probe !== '';
  });
  const seen = new Set<string>();
  await until('both replicas answering over the overlay', async () => {
    let text = '';
    const sink = new Writable({ write(c, _e, cb) { text += c.toString(); cb(); } });
    await m.engine.containers.exec(probe, { cmd: ['sh', '-c', 'for ip in $(nslookup tasks.web 2>/dev/null | sed -n "s/^Address: //p"); do wget -qO- http://$ip/; done'] }, { stdout: sink, stderr: sink });
    for (const line of text.split('\n').filter(Boolean)) seen.add(line);
    return seen.size >= 2;
  }, 150);
  assert.is(seen.size, 2);

  const rm = runCli(['stack', 'rm', 'tsc2n'], { cwd: dir, env: { ...m.env, TSCOMPOSE_ENGINE: '' } });
  assert.is(rm.code, 0, rm.stderr);
});

s.run();
