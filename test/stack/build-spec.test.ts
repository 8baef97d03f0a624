// Services with `build:`: their image name, their BuildSpec, what is refused,
// and the plan recreating a container whose image was built again.
import * as assert from 'uvu/assert';
import { executePlan } from '../../src/stack/execute.js';
import { observeProject } from '../../src/stack/observe.js';
import { formatPlan } from '../../src/stack/plan-format.js';
import { planUp } from '../../src/stack/plan-up.js';
import { serviceBuildSpec, serviceImageName } from '../../src/stack/build-spec.js';
import { suite } from '../harness.js';
import { FakeEngine } from './fake-engine.js';
import { loadStack } from './helpers.js';

const s = suite('build spec');

const PROJECT = `
name: demo
services:
  web:
    build:
      context: ./web
      dockerfile: Dockerfile.dev
      args: { A: "1", UNSET: null }
      target: final
      tags: [registry.local/web:dev]
      network: none
      shm_size: 64m
      additional_contexts: { base: "service:base", assets: ./assets }
      secrets: [token]
      extra_hosts: ["db.local=10.0.0.2"]
    command: sleep 1000
  base:
    build: ./base
    image: custom/base:1
secrets:
  token: { file: ./token.txt }
`;

s('image names and the build spec of a service', () => {
  const stack = loadStack(PROJECT);
  const web = stack.project.services.web!;
  assert.is(serviceImageName('demo', web), 'demo-web');
  assert.is(serviceImageName('demo', stack.project.services.base!), 'custom/base:1');
  const spec = serviceBuildSpec(stack, web, { args: { B: '2' } });
  assert.match(spec.context, /\/web$/);
  assert.is(spec.dockerfile, 'Dockerfile.dev');
  assert.equal(spec.args, { A: '1', B: '2' });
  assert.is(spec.target, 'final');
  assert.equal(spec.tags, ['demo-web', 'registry.local/web:dev']);
  assert.is(spec.network, 'none');
  assert.is(spec.shmSizeBytes, 64 * 1024 * 1024);
  assert.is(spec.additionalContexts!.base, 'docker-image://custom/base:1');
  assert.match(spec.additionalContexts!.assets!, /\/assets$/);
  assert.match(spec.secrets!.token!, /token\.txt$/);
  assert.equal(spec.extraHosts, [{ host: 'db.local', ip: '10.0.0.2' }]);
  assert.is(spec.labels!['com.docker.compose.project'], 'demo');
});

s('dockerfile_inline is the Dockerfile text', () => {
  const stack = loadStack('name: demo\nservices:\n  web:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM busybox\n        RUN true\n');
  const spec = serviceBuildSpec(stack, stack.project.services.web!);
  assert.is(spec.dockerfileInline, 'FROM busybox\nRUN true\n');
  assert.is(spec.dockerfile, undefined);
});

s('keys the embedded builder cannot honour are refused, not ignored', () => {
  const refused = (build: string, message: RegExp) => {
    const stack = loadStack(`name: demo\nservices:\n  web:\n    build:\n${build}`);
    assert.throws(() => serviceBuildSpec(stack, stack.project.services.web!), message);
  };
  refused('      context: .\n      ssh: [default]\n', /build\.ssh: SSH agent forwarding/);
  refused('      context: .\n      cache_from: [type=local,src=/x]\n', /cache_from is not supported/);
  refused('      context: https://github.com/x/y.git\n', /remote contexts/);
  refused('      context: .\n      platforms: [linux/amd64, linux/arm64]\n', /multi-platform/);
});

s('a container made from an older build of its image is recreated, and the plan says so', async () => {
  const engine = new FakeEngine();
  const stack = loadStack('name: demo\nservices:\n  web:\n    build: .\n    command: sleep 1000\n');
  const first = planUp(stack, await observeProject(engine, 'demo', stack.project), { imageIds: { web: `sha256:${'a'.repeat(64)}` } });
  await executePlan(engine, first);
  const same = planUp(stack, await observeProject(engine, 'demo', stack.project), { imageIds: { web: `sha256:${'a'.repeat(64)}` } });
  assert.is(formatPlan(same), 'Container demo-web-1  Running\n');
  const rebuilt = planUp(stack, await observeProject(engine, 'demo', stack.project), { imageIds: { web: `sha256:${'b'.repeat(64)}` } });
  assert.is(formatPlan(rebuilt), [
    'Container demo-web-1  Recreate, Start',
    `    image: sha256:${'a'.repeat(64)} → sha256:${'b'.repeat(64)}`,
    '',
  ].join('\n'));
});

s.run();
