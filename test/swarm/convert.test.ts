// A loaded project as Swarm specs: names, labels, mode and replicas,
// placement, resources, restart and update policies, ports, mounts, networks,
// secrets and configs; keys Swarm cannot apply are reported, not dropped silently.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { loadProject } from '../../src/compose/load.js';
import { convertProject } from '../../src/swarm/convert.js';

const s = suite('swarm convert');

function convert(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-swarmconv-'));
  try {
    writeFileSync(join(dir, 'compose.yaml'), yaml);
    const { project } = loadProject({ workingDir: dir, osEnv: {}, projectName: 'st' });
    return convertProject(project!, 'st');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

s('a service: names and namespace labels, mode, placement, resources, policies, endpoint', () => {
  const st = convert(`
services:
  web:
    image: nginx:1
    entrypoint: [/bin/sh, -c]
    command: [run]
    environment: { B: "2", A: "1" }
    labels: { c: d }
    ports:
      - "8080:80"
      - { target: 443, published: 8443, mode: host, protocol: tcp }
    healthcheck: { test: [CMD, "true"], interval: 2s, retries: 3 }
    stop_grace_period: 5s
    restart: always
    volumes: [data:/data, /srv:/srv:ro]
    deploy:
      replicas: 3
      labels: { a: b }
      placement:
        constraints: [node.role==manager]
        preferences: [{ spread: node.labels.zone }]
        max_replicas_per_node: 2
      resources:
        limits: { cpus: "0.5", memory: 64M, pids: 10 }
        reservations: { memory: 32M }
      update_config: { parallelism: 2, delay: 10s, order: start-first, failure_action: rollback }
      rollback_config: { parallelism: 1 }
volumes:
  data: {}
`);
  const web = st.services[0]!;
  assert.is(web.name, 'st_web');
  const spec = web.spec as Record<string, any>;
  assert.equal(spec.Labels, { a: 'b', 'com.docker.stack.namespace': 'st', 'com.docker.stack.image': 'nginx:1' });
  const c = spec.TaskTemplate.ContainerSpec;
  assert.equal([c.Command, c.Args, c.Env], [['/bin/sh', '-c'], ['run'], ['A=1', 'B=2']]);
  assert.equal(c.Labels, { c: 'd', 'com.docker.stack.namespace': 'st' });
  assert.equal(c.Healthcheck, { Test: ['CMD', 'true'], Interval: 2e9, Retries: 3 });
  assert.is(c.StopGracePeriod, 5e9);
  assert.equal(c.Mounts, [
    { Type: 'volume', Source: 'st_data', Target: '/data', VolumeOptions: { Labels: { 'com.docker.stack.namespace': 'st' } } },
    { Type: 'bind', Source: '/srv', Target: '/srv', ReadOnly: true },
  ]);
  assert.equal(spec.Mode, { Replicated: { Replicas: 3 } });
  assert.equal(spec.TaskTemplate.Placement, { Constraints: ['node.role==manager'], Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }], MaxReplicas: 2 });
  assert.equal(spec.TaskTemplate.Resources, { Limits: { NanoCPUs: 5e8, MemoryBytes: 64 * 1024 * 1024, Pids: 10 }, Reservations: { MemoryBytes: 32 * 1024 * 1024 } });
  assert.equal(spec.TaskTemplate.RestartPolicy, { Condition: 'any' });
  assert.equal(spec.UpdateConfig, { Parallelism: 2, Delay: 10e9, FailureAction: 'rollback', Order: 'start-first' });
  assert.equal(spec.RollbackConfig, { Parallelism: 1 });
  assert.equal(spec.EndpointSpec.Ports, [
    { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' },
    { Protocol: 'tcp', TargetPort: 443, PublishedPort: 8443, PublishMode: 'host' },
  ]);
  assert.equal(spec.TaskTemplate.Networks, [{ Target: 'st_default', Aliases: ['web'] }]);
  assert.equal(st.networks.map((n) => [n.name, (n.spec as Record<string, unknown>).Driver]), [['st_default', 'overlay']]);
});

s('global mode, dnsrr, restart_policy; secrets and configs with their targets; unused ones left out', () => {
  const st = convert(`
services:
  agent:
    image: a
    deploy: { mode: global, endpoint_mode: dnsrr, restart_policy: { condition: on-failure, delay: 1s, max_attempts: 3 } }
    secrets: [tok, { source: other, target: renamed, mode: 0400 }]
    configs: [cfg]
secrets:
  tok: { file: ./tok.txt }
  other: { external: true, name: shared_other }
  unused: { file: ./x }
configs:
  cfg: { environment: CFG }
`);
  const a = st.services[0]!;
  const spec = a.spec as Record<string, any>;
  assert.equal(spec.Mode, { Global: {} });
  assert.is(spec.EndpointSpec.Mode, 'dnsrr');
  assert.equal(spec.TaskTemplate.RestartPolicy, { Condition: 'on-failure', Delay: 1e9, MaxAttempts: 3 });
  assert.equal(a.secrets, [
    { key: 'tok', file: { Name: '/run/secrets/tok', UID: '0', GID: '0', Mode: 0o444 } },
    { key: 'other', file: { Name: 'renamed', UID: '0', GID: '0', Mode: 0o400 } },
  ]);
  assert.equal(a.configs, [{ key: 'cfg', file: { Name: '/cfg', UID: '0', GID: '0', Mode: 0o444 } }]);
  assert.equal(st.files.map((f) => [f.kind, f.name, f.external]), [['secret', 'st_tok', false], ['secret', 'shared_other', true], ['config', 'st_cfg', false]]);
});

s('what Swarm cannot do: reported (unsupported, deprecated) or refused with the reason', () => {
  const st = convert(`
services:
  a:
    image: a
    build: .
    privileged: true
    container_name: xx
    expose: ["80"]
    depends_on: [b]
  b:
    image: b
`);
  assert.equal(st.unsupported, ['build', 'depends_on', 'privileged']);
  assert.equal(Object.keys(st.deprecated).sort(), ['container_name', 'expose']);
  assert.throws(() => convert('services:\n  a:\n    build: .\n'), /service "a": an image is required/);
  assert.throws(() => convert('services:\n  a:\n    image: a\n    deploy: { endpoint_mode: dnsrr }\n    ports: ["80:80"]\n'), /dnsrr cannot publish ports through the ingress routing mesh/);
  assert.throws(() => convert('services:\n  a:\n    image: a\n    ports: ["8000-8001:80"]\n'), /range/);
});

s.run();
