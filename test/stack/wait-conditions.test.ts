import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import type { ContainerDetails, ContainerState, Engine } from '../../src/engine/types.js';
import { executePlan } from '../../src/stack/execute.js';
import type { ProgressEvent } from '../../src/stack/events.js';
import { observeProject } from '../../src/stack/observe.js';
import { planUp } from '../../src/stack/plan-up.js';
import type { PlanStep } from '../../src/stack/plan-types.js';
import { createWaitCondition, waitForServices } from '../../src/stack/wait-conditions.js';
import { FakeEngine } from './fake-engine.js';
import { loadStack } from './helpers.js';

const s = suite('wait conditions');

/** Containers whose state a test script changes over time. */
function scriptedEngine(states: Record<string, Partial<ContainerState>>): Engine {
  const details = (name: string): ContainerDetails => ({
    id: name, name, image: 'busybox', imageId: '', created: '', ports: [], command: [], path: '', args: [], mounts: [], spec: { name, image: 'busybox', labels: {}, env: {} },
    labels: { 'com.docker.compose.project': 'demo', 'com.docker.compose.service': name.split('-')[1]!, 'com.docker.compose.oneoff': 'False' },
    state: { status: 'running', running: true, paused: false, restarting: false, pid: 1, exitCode: 0, startedAt: '2024-01-01T00:00:00Z', finishedAt: '0001-01-01T00:00:00Z', restartCount: 0, ...states[name] },
  });
  return {
    containers: {
      list: async (f: { labels?: Record<string, string | undefined> } = {}) => Object.keys(states).map(details)
        .filter((c) => Object.entries(f.labels ?? {}).every(([k, v]) => c.labels[k] === v)),
      inspect: async (id: string) => (states[id] ? details(id) : undefined),
    },
  } as unknown as Engine;
}

const step = { id: 'Container:demo-web-1', kind: 'Container', name: 'demo-web-1', service: 'web', action: { op: 'container-running', container: { id: 'x', name: 'demo-web-1' } }, after: [] } as PlanStep;
const log = (status: 'healthy' | 'unhealthy' | 'starting', output = '') => ({ status, failingStreak: 0, log: [{ start: '', end: '', exitCode: status === 'healthy' ? 0 : 1, output }] });

s('service_healthy: Waiting, then Healthy once the dependency is healthy', async () => {
  const states: Record<string, Partial<ContainerState>> = { 'demo-db-1': { health: log('starting') } };
  const events: ProgressEvent[] = [];
  const wait = createWaitCondition({ engine: scriptedEngine(states), project: 'demo', onEvent: (e) => events.push(e), pollMs: 10 });
  setTimeout(() => { states['demo-db-1']!.health = log('healthy'); }, 50);
  await wait(step, { service: 'db', condition: 'service_healthy', required: true });
  assert.equal(events.map((e) => `${e.name} ${e.status}`), ['demo-db-1 Waiting', 'demo-db-1 Healthy']);
});

s('service_healthy: an unhealthy dependency fails with its last healthcheck output', async () => {
  const wait = createWaitCondition({ engine: scriptedEngine({ 'demo-db-1': { health: log('unhealthy', 'connection refused') } }), project: 'demo', pollMs: 10 });
  const error = await wait(step, { service: 'db', condition: 'service_healthy', required: true }).then(() => undefined, (e: Error) => e);
  assert.match(error?.message ?? '', 'dependency failed to start: container demo-db-1 is unhealthy\nconnection refused');
});

s('required: false only warns about a failed or missing dependency', async () => {
  const warnings: string[] = [];
  const wait = createWaitCondition({ engine: scriptedEngine({ 'demo-db-1': { health: log('unhealthy') } }), project: 'demo', pollMs: 10, warn: (m) => warnings.push(m) });
  await wait(step, { service: 'db', condition: 'service_healthy', required: false });
  await wait(step, { service: 'cache', condition: 'service_healthy', required: false });
  assert.is(warnings.length, 2);
  assert.match(warnings[0]!, 'optional dependency "db" failed to start');
  assert.is(warnings[1], 'web is missing dependency cache');
  const strict = await wait(step, { service: 'cache', condition: 'service_healthy', required: true }).then(() => undefined, (e: Error) => e.message);
  assert.is(strict, 'web is missing dependency cache');
});

s('service_completed_successfully: exit 0 passes, non-zero fails as Compose says', async () => {
  const states: Record<string, Partial<ContainerState>> = { 'demo-init-1': {} };
  const events: string[] = [];
  const wait = createWaitCondition({ engine: scriptedEngine(states), project: 'demo', pollMs: 10, onEvent: (e) => events.push(e.status) });
  setTimeout(() => Object.assign(states['demo-init-1']!, { status: 'exited', running: false, exitCode: 0 }), 30);
  await wait(step, { service: 'init', condition: 'service_completed_successfully', required: true });
  assert.equal(events, ['Waiting', 'Exited']);
  Object.assign(states['demo-init-1']!, { exitCode: 1 });
  const error = await wait(step, { service: 'init', condition: 'service_completed_successfully', required: true }).then(() => undefined, (e: Error) => e.message);
  assert.is(error, 'service "init" didn\'t complete successfully: exit 1');
});

s('--wait: one-shot services that exited 0 count; the timeout names what it waited for', async () => {
  const engine = scriptedEngine({ 'demo-job-1': { status: 'exited', running: false, exitCode: 0 }, 'demo-web-1': {}, 'demo-db-1': { health: log('starting') } });
  await waitForServices({ engine, project: 'demo', pollMs: 10, services: [{ service: 'job', condition: 'running_or_healthy' }, { service: 'web', condition: 'running_or_healthy' }] });
  const error = await waitForServices({ engine, project: 'demo', pollMs: 10, timeoutSeconds: 1, services: [{ service: 'db', condition: 'running_or_healthy' }] }).then(() => undefined, (e: Error) => e.message);
  assert.is(error, 'application not healthy after 1s: timeout waiting for demo-db-1 (health: starting)');
});

s('depends_on restart: true restarts a running dependent when up recreates its dependency', async () => {
  const yaml = (v: string) => `
name: demo
services:
  db: { image: busybox, environment: { V: "${v}" } }
  web:
    image: busybox
    depends_on: { db: { condition: service_started, restart: true } }
  other:
    image: busybox
    depends_on: [db]
`;
  const engine = new FakeEngine();
  const first = loadStack(yaml('1'));
  await executePlan(engine, planUp(first, await observeProject(engine, 'demo', first.project)));
  engine.calls.length = 0;
  const changed = loadStack(yaml('2'));
  await executePlan(engine, planUp(changed, await observeProject(engine, 'demo', changed.project)));
  assert.ok(engine.calls.includes('stop demo-web-1') && engine.calls.includes('start demo-web-1'), engine.calls.join(', '));
  assert.not.ok(engine.calls.includes('stop demo-other-1'), engine.calls.join(', '));
});

s.run();
