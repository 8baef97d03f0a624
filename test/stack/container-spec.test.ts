import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { buildContainerSpec, SERVICE_CONFIG_LABEL } from '../../src/stack/container-spec.js';
import { diffServiceConfigs } from '../../src/stack/config-diff.js';
import { parseBytes, parseDurationMs } from '../../src/stack/units.js';
import { loadStack } from './helpers.js';

const s = suite('stack container spec');

const stack = loadStack(`
name: demo
services:
  db:
    image: busybox
  web:
    image: busybox
    entrypoint: ["/bin/sh", "-c"]
    command: echo hi
    environment: [A=1, B]
    labels: {team: x}
    working_dir: /w
    user: "1000"
    read_only: true
    cap_add: [NET_ADMIN]
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 100}
    cpus: 0.5
    mem_limit: 64m
    shm_size: 1g
    volumes: [data:/data, /abs:/abs:ro, {type: tmpfs, target: /t, tmpfs: {size: 1000}}]
    tmpfs: ["/tmp:size=10m,mode=1777"]
    volumes_from: [db]
    extra_hosts: ["a:1.2.3.4"]
    networks: {front: {aliases: [w]}}
    ports: ["127.0.0.1:8080:80", "9000/udp"]
    expose: ["3000-3001"]
    stop_grace_period: 1m30s
    healthcheck: {test: ["CMD", "true"], interval: 10s, retries: 3}
    restart: on-failure:3
    depends_on: {db: {condition: service_started}}
  side:
    image: busybox
    network_mode: service:db
  legacy:
    image: busybox
    links: [db, "web:www"]
volumes:
  data: {}
networks:
  front: {name: custom_front}
`);

s('maps a service to a container spec', () => {
  const spec = buildContainerSpec(stack, stack.project.services.web!, { number: 2 });
  assert.is(spec.name, 'demo-web-2');
  assert.equal(spec.entrypoint, ['/bin/sh', '-c']);
  assert.equal(spec.command, ['echo', 'hi']);
  assert.equal(spec.env, { A: '1', B: null });
  assert.equal(spec.ulimits, { nofile: { soft: 1024, hard: 2048 }, nproc: { soft: 100, hard: 100 } });
  assert.equal(spec.resources, { nanoCpus: 500_000_000, memoryBytes: 64 * 1024 ** 2 });
  assert.is(spec.shmSizeBytes, 1024 ** 3);
  assert.equal(spec.mounts, [
    { type: 'volume', source: 'demo_data', target: '/data' },
    { type: 'bind', source: '/abs', target: '/abs', readOnly: true, bind: { createHostPath: true } },
    { type: 'tmpfs', target: '/t', tmpfs: { size: 1000 } },
    { type: 'tmpfs', target: '/tmp', tmpfs: { size: 10 * 1024 ** 2, mode: 0o1777 } },
  ]);
  assert.equal(spec.volumesFrom, ['demo-db-1']);
  assert.equal(spec.extraHosts, [{ host: 'a', ip: '1.2.3.4' }]);
  assert.is(spec.networkMode, 'custom_front');
  assert.equal(spec.networks, { custom_front: { aliases: ['demo-web-2', 'web', 'w'] } });
  assert.equal(spec.ports, [
    { hostIp: '127.0.0.1', hostPort: '8080', containerPort: 80, protocol: 'tcp' },
    { hostPort: '', containerPort: 9000, protocol: 'udp' },
  ]);
  assert.equal(spec.exposedPorts, ['3000/tcp', '3001/tcp', '80/tcp', '9000/udp']);
  assert.is(spec.stopTimeoutSeconds, 90);
  assert.equal(spec.healthcheck, { test: ['CMD', 'true'], intervalMs: 10_000, retries: 3 });
  assert.equal(spec.restartPolicy, { name: 'on-failure', maximumRetryCount: 3 });
});

s('links become alias → service, answered to this container only', () => {
  const spec = buildContainerSpec(stack, stack.project.services.legacy!, { number: 1 });
  assert.equal(spec.links, { db: 'db', www: 'web' });
  assert.is(buildContainerSpec(stack, stack.project.services.db!, { number: 1 }).links, undefined);
});

s('carries Docker Compose labels, the service labels and the service config', () => {
  const spec = buildContainerSpec(stack, stack.project.services.web!, { number: 1 });
  const l = spec.labels;
  assert.is(l.team, 'x');
  assert.is(l['com.docker.compose.project'], 'demo');
  assert.is(l['com.docker.compose.service'], 'web');
  assert.is(l['com.docker.compose.container-number'], '1');
  assert.is(l['com.docker.compose.oneoff'], 'False');
  assert.is(l['com.docker.compose.depends_on'], 'db:service_started:false');
  assert.is(l['com.docker.compose.project.working_dir'], '/srv/demo');
  assert.is(l['com.docker.compose.project.config_files'], '/srv/demo/compose.yaml');
  assert.match(l['com.docker.compose.config-hash']!, /^[0-9a-f]{64}$/);
  assert.is(JSON.parse(l[SERVICE_CONFIG_LABEL]!).environment.A, '1');
});

s('network_mode service:x joins the first container of x; one-offs are named run-<slug>', () => {
  assert.is(buildContainerSpec(stack, stack.project.services.side!, { number: 1 }).networkMode, 'container:demo-db-1');
  const run = buildContainerSpec(stack, stack.project.services.db!, { number: 1, oneoff: { slug: 'abcdef0123456789' } });
  assert.is(run.name, 'demo-db-run-abcdef012345');
  assert.is(run.labels['com.docker.compose.oneoff'], 'True');
});

s('durations, sizes and config diffs', () => {
  assert.is(parseDurationMs('1m30s'), 90_000);
  assert.is(parseDurationMs('500ms'), 500);
  assert.is(parseBytes('67108864'), 67108864);
  assert.is(parseBytes('1.5k'), 1536);
  assert.throws(() => parseDurationMs('ten'), /invalid duration "ten"/);
  assert.equal(diffServiceConfigs({ image: 'a', environment: { X: '1' } }, { image: 'b', environment: { Y: '2' } }), [
    'environment.X: "1" → (none)', 'environment.Y: (none) → "2"', 'image: a → b',
  ]);
  assert.equal(diffServiceConfigs({ command: ['sleep', '1'] }, { command: ['sleep', '2'] }), ['command: [sleep "1"] → [sleep "2"]']);
});

s.run();
