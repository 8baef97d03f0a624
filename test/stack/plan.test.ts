import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { executePlan } from '../../src/stack/execute.js';
import { observeProject } from '../../src/stack/observe.js';
import { planDown } from '../../src/stack/plan-down.js';
import { formatPlan } from '../../src/stack/plan-format.js';
import { planUp } from '../../src/stack/plan-up.js';
import type { UpPlanOptions } from '../../src/stack/plan-up.js';
import type { StackProject } from '../../src/stack/stack-project.js';
import { FakeEngine } from './fake-engine.js';
import { CanceledError } from '../../src/util/errors.js';
import { loadStack } from './helpers.js';

const s = suite('stack plan');

const DEMO = (level = 'info', extra = '') => `
name: demo
services:
  db:
    image: busybox
    command: sleep 1000
    volumes: [data:/data]
  web:
    image: busybox
    command: sleep 1000
    environment: { LOG_LEVEL: ${level} }
    ports: ["8080:80"]
    depends_on: [db]
${extra}
volumes:
  data: {}
`;

async function up(engine: FakeEngine, stack: StackProject, opts: UpPlanOptions = {}): Promise<string> {
  const plan = planUp(stack, await observeProject(engine, stack.project.name, stack.project), opts);
  await executePlan(engine, plan);
  return formatPlan(plan);
}

s('fresh up creates networks, volumes and containers, dependencies first', async () => {
  const engine = new FakeEngine();
  const text = await up(engine, loadStack(DEMO()));
  assert.is(text, [
    'Network demo_default  Create',
    'Volume demo_data  Create',
    'Container demo-db-1  Create, Start',
    'Container demo-web-1  Create, Start',
    '',
  ].join('\n'));
  assert.ok(engine.calls.indexOf('start demo-db-1') < engine.calls.indexOf('create demo-web-1'));
});

s('a second up with no change plans nothing but Running', async () => {
  const engine = new FakeEngine();
  const stack = loadStack(DEMO());
  await up(engine, stack);
  engine.calls.length = 0;
  assert.is(await up(engine, stack), 'Container demo-db-1  Running\nContainer demo-web-1  Running\n');
  assert.equal(engine.calls, []);
});

s('a changed env var recreates only that service, and says why', async () => {
  const engine = new FakeEngine();
  await up(engine, loadStack(DEMO('info')));
  assert.is(await up(engine, loadStack(DEMO('warn'))), [
    'Container demo-db-1  Running',
    'Container demo-web-1  Recreate, Start',
    '    environment.LOG_LEVEL: info → warn',
    '',
  ].join('\n'));
});

s('a changed port says which', async () => {
  const engine = new FakeEngine();
  const stack = loadStack(DEMO());
  await up(engine, stack);
  const changed = loadStack(DEMO().replace('8080:80', '8081:80'));
  const plan = planUp(changed, await observeProject(engine, 'demo', changed.project));
  assert.match(formatPlan(plan), '    ports[0].published: "8080" → "8081"\n');
});

s('stopped containers are started', async () => {
  const engine = new FakeEngine();
  const stack = loadStack(DEMO());
  await up(engine, stack);
  for (const c of engine.containersById.values()) c.status = 'exited';
  assert.is(await up(engine, stack), 'Container demo-db-1  Start\nContainer demo-web-1  Start\n');
});

s('scale up then down: new numbers, highest removed first', async () => {
  const engine = new FakeEngine();
  const stack = loadStack(DEMO());
  await up(engine, stack);
  assert.is(await up(engine, stack, { scale: { web: 3 } }), [
    'Container demo-db-1  Running',
    'Container demo-web-1  Running',
    'Container demo-web-2  Create, Start',
    'Container demo-web-3  Create, Start',
    '',
  ].join('\n'));
  assert.is(await up(engine, stack, { scale: { web: 1 } }), [
    'Container demo-db-1  Running',
    'Container demo-web-3  Stop, Remove (scale down)',
    'Container demo-web-2  Stop, Remove (scale down)',
    'Container demo-web-1  Running',
    '',
  ].join('\n'));
});

s('deploy.replicas sets the count', async () => {
  const stack = loadStack('name: r\nservices:\n  w:\n    image: busybox\n    deploy: {replicas: 2}\n');
  const plan = planUp(stack, await observeProject(new FakeEngine(), 'r', stack.project));
  assert.is(formatPlan(plan), 'Network r_default  Create\nContainer r-w-1  Create, Start\nContainer r-w-2  Create, Start\n');
});

s('orphans: a warning, removed with --remove-orphans', async () => {
  const engine = new FakeEngine();
  await up(engine, loadStack(DEMO('info', '  old:\n    image: busybox\n')));
  const stack = loadStack(DEMO());
  const plan = planUp(stack, await observeProject(engine, 'demo', stack.project));
  assert.equal(plan.warnings, ['Found orphan containers ([demo-old-1]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.']);
  assert.is(await up(engine, stack, { removeOrphans: true }), [
    'Container demo-old-1  Stop, Remove (orphan)',
    'Container demo-db-1  Running',
    'Container demo-web-1  Running',
    '',
  ].join('\n'));
});

s('--no-deps leaves dependencies out; without it they come first', async () => {
  const stack = loadStack(DEMO());
  const observed = await observeProject(new FakeEngine(), 'demo', stack.project);
  assert.is(formatPlan(planUp(stack, observed, { services: ['web'], noDeps: true })),
    'Network demo_default  Create\nVolume demo_data  Create\nContainer demo-web-1  Create, Start\n');
  assert.match(formatPlan(planUp(stack, observed, { services: ['web'] })), 'Container demo-db-1  Create, Start\nContainer demo-web-1');
});

s('--force-recreate recreates the named services only; --no-recreate never', async () => {
  const engine = new FakeEngine();
  const stack = loadStack(DEMO());
  await up(engine, stack);
  const observed = await observeProject(engine, 'demo', stack.project);
  assert.is(formatPlan(planUp(stack, observed, { services: ['web'], forceRecreate: true })),
    'Container demo-db-1  Running\nContainer demo-web-1  Recreate, Start\n    --force-recreate\n');
  const changed = loadStack(DEMO('warn'));
  assert.is(formatPlan(planUp(changed, observed, { noRecreate: true })), 'Container demo-db-1  Running\nContainer demo-web-1  Running\n');
});

s('--no-start creates without starting', async () => {
  const stack = loadStack(DEMO());
  const plan = planUp(stack, await observeProject(new FakeEngine(), 'demo', stack.project), { noStart: true });
  assert.match(formatPlan(plan), 'Container demo-db-1  Create\nContainer demo-web-1  Create\n');
});

s('an external network that is missing is an error', async () => {
  const stack = loadStack('name: x\nservices:\n  a:\n    image: busybox\n    networks: [ext]\nnetworks:\n  ext: {external: true, name: outside}\n');
  const observed = await observeProject(new FakeEngine(), 'x', stack.project);
  assert.throws(() => planUp(stack, observed), /network outside declared as external, but could not be found/);
});

const SHARED = (project: string) => `name: ${project}\nservices:\n  a:\n    image: busybox\n    volumes: [data:/data]\n    networks: [net]\nnetworks:\n  net: {name: shared_net}\nvolumes:\n  data: {name: shared_data}\n`;

s('a network and a volume of another project are used with Docker Compose\'s warnings, not created again', async () => {
  const engine = new FakeEngine();
  await up(engine, loadStack(SHARED('first')));
  const stack = loadStack(SHARED('second'));
  const plan = planUp(stack, await observeProject(engine, 'second', stack.project));
  assert.equal(plan.warnings, [
    'a network with name shared_net exists but was not created for project "second".\nSet `external: true` to use an existing network',
    'volume "shared_data" already exists but was created for project "first" (expected "second"). Use `external: true` to use an existing volume',
  ]);
  assert.not.match(formatPlan(plan), /Network|Volume/);
});

s('a network and a volume made outside Compose: "not created by compose"', async () => {
  const engine = new FakeEngine();
  await engine.networks.create({ name: 'shared_net', labels: { 'com.docker.compose.network': 'net' } });
  await engine.volumes.create({ name: 'shared_data', labels: {} });
  const stack = loadStack(SHARED('second'));
  const plan = planUp(stack, await observeProject(engine, 'second', stack.project));
  assert.equal(plan.warnings, [
    'a network with name shared_net exists but was not created by compose.\nSet `external: true` to use an existing network',
    'volume "shared_data" already exists but was not created by Docker Compose. Use `external: true` to use an existing volume',
  ]);
});

s('down: dependents first, networks after, volumes only with -v', async () => {
  const engine = new FakeEngine();
  const stack = loadStack(DEMO());
  await up(engine, stack);
  const observed = await observeProject(engine, 'demo', stack.project);
  assert.is(formatPlan(planDown(stack, observed)), [
    'Container demo-web-1  Stop, Remove',
    'Container demo-db-1  Stop, Remove',
    'Network demo_default  Remove',
    '',
  ].join('\n'));
  const withVolumes = planDown(stack, observed, { volumes: true });
  assert.match(formatPlan(withVolumes), 'Network demo_default  Remove\nVolume demo_data  Remove\n');
  await executePlan(engine, withVolumes);
  assert.ok(engine.calls.indexOf('remove demo-web-1') < engine.calls.indexOf('stop demo-db-1'));
  assert.is(engine.containersById.size + engine.networkMap.size + engine.volumeMap.size, 0);
});

s('down without a Compose file uses the labels', async () => {
  const engine = new FakeEngine();
  await up(engine, loadStack(DEMO()));
  const plan = planDown(undefined, await observeProject(engine, 'demo'), { volumes: true });
  assert.is(formatPlan(plan), [
    'Container demo-web-1  Stop, Remove',
    'Container demo-db-1  Stop, Remove',
    'Network demo_default  Remove',
    'Volume demo_data  Remove',
    '',
  ].join('\n'));
});

/** The engine's containers as `name number` lines, and the id of the one named. */
async function containers(engine: FakeEngine): Promise<string[]> {
  return (await engine.containers.list({ all: true })).map((c) => `${c.name} ${c.labels['com.docker.compose.container-number']} ${c.state.status}`).sort();
}
const idOf = async (engine: FakeEngine, name: string) => (await engine.containers.list({ all: true, names: [name] }))[0]?.id;

s('recreate makes the new container under <old id[:12]>_<name> first, then stops and removes the old one, then renames', async () => {
  const engine = new FakeEngine();
  const stack = loadStack(DEMO());
  await up(engine, stack);
  const old = (await idOf(engine, 'demo-web-1'))!;
  engine.calls.length = 0;
  await up(engine, stack, { services: ['web'], forceRecreate: true });
  const temp = `${old.slice(0, 12)}_demo-web-1`;
  assert.equal(engine.calls.filter((c) => c.includes('demo-web-1')), [
    `create ${temp}`, 'stop demo-web-1', 'remove demo-web-1', `rename ${temp} demo-web-1`, 'start demo-web-1',
  ]);
  const now = (await engine.containers.list({ all: true, names: ['demo-web-1'] }))[0]!;
  assert.is.not(now.id, old);
  assert.is(now.labels['com.docker.compose.replace'], old);
  assert.equal(await containers(engine), ['demo-db-1 1 running', 'demo-web-1 1 running']);
});

s('a recreate whose new container cannot be made leaves the old one untouched and says so', async () => {
  const engine = new FakeEngine();
  await up(engine, loadStack(DEMO('info')));
  const old = (await idOf(engine, 'demo-web-1'))!;
  engine.failures.add(`create ${old.slice(0, 12)}_demo-web-1`);
  engine.calls.length = 0;
  const error = await up(engine, loadStack(DEMO('warn'))).then(() => undefined, (e: Error) => e);
  assert.is(error?.message, `demo-web-1 was not recreated (the old container is kept): create ${old.slice(0, 12)}_demo-web-1 failed`);
  assert.equal(engine.calls, [`create ${old.slice(0, 12)}_demo-web-1`]);
  assert.is(await idOf(engine, 'demo-web-1'), old);
  assert.equal(await containers(engine), ['demo-db-1 1 running', 'demo-web-1 1 running']);
});

s('a failed stop of the old container removes the new one again', async () => {
  const engine = new FakeEngine();
  await up(engine, loadStack(DEMO('info')));
  const old = (await idOf(engine, 'demo-web-1'))!;
  engine.failures.add('stop demo-web-1');
  const error = await up(engine, loadStack(DEMO('warn'))).then(() => undefined, (e: Error) => e);
  assert.is(error?.message, 'stop demo-web-1 failed');
  assert.ok(engine.calls.includes(`remove ${old.slice(0, 12)}_demo-web-1`));
  assert.is(await idOf(engine, 'demo-web-1'), old);
  assert.equal(await containers(engine), ['demo-db-1 1 running', 'demo-web-1 1 running']);
});

s('a container_name held by a container of another project: nothing is made, the old container is kept', async () => {
  const engine = new FakeEngine();
  await up(engine, loadStack(DEMO()));
  const foreign = await engine.containers.create({ name: 'taken', image: 'busybox', labels: {}, env: {} });
  const old = (await idOf(engine, 'demo-web-1'))!;
  engine.calls.length = 0;
  const error = await up(engine, loadStack(DEMO().replace('    depends_on: [db]', '    depends_on: [db]\n    container_name: taken'))).then(() => undefined, (e: Error) => e);
  assert.is(error?.message, `demo-web-1 was not recreated (the old container is kept): the name "taken" is in use by container ${foreign.slice(0, 12)}; remove or rename that container`);
  assert.equal(engine.calls, []);
  assert.is(await idOf(engine, 'demo-web-1'), old);
});

s('a container left under its temporary name by an interrupted recreate is recreated under its own name', async () => {
  const engine = new FakeEngine();
  const stack = loadStack(DEMO());
  await up(engine, stack);
  const old = (await idOf(engine, 'demo-web-1'))!;
  await engine.containers.rename(old, `${'ab12'.repeat(3)}_demo-web-1`);
  const plan = planUp(stack, await observeProject(engine, 'demo', stack.project));
  assert.is(formatPlan(plan), `Container demo-db-1  Running\nContainer ${'ab12'.repeat(3)}_demo-web-1  Recreate, Start\n    name: ${'ab12'.repeat(3)}_demo-web-1 → demo-web-1 (a recreate was interrupted)\n`);
  await executePlan(engine, plan);
  assert.equal(await containers(engine), ['demo-db-1 1 running', 'demo-web-1 1 running']);
});

s('cancel: the step in flight finishes (its container is made, not started), no other step begins, the reason is thrown', async () => {
  const engine = new FakeEngine();
  const stack = loadStack(DEMO('info', '  other:\n    image: busybox\n'));
  const plan = planUp(stack, await observeProject(engine, 'demo', stack.project));
  const cancel = new AbortController();
  engine.onCall = (call) => { if (call === 'create demo-db-1') cancel.abort(new CanceledError('SIGINT')); };
  const events: string[] = [];
  const error = await executePlan(engine, plan, { signal: cancel.signal, onEvent: (e) => events.push(`${e.name} ${e.status}`) }).then(() => undefined, (e: Error) => e);
  assert.instance(error, CanceledError);
  assert.is((error as CanceledError).exitCode, 130);
  assert.ok(engine.calls.includes('create demo-db-1'));
  assert.equal(engine.calls.filter((c) => /^(start|create demo-web|create demo-other)/.test(c)), [], 'nothing started, nothing else created');
  assert.ok(events.includes('demo-db-1 Created'));
  assert.not.ok(events.some((e) => e.endsWith(' Error')), 'a cancel is no error of a step');
  assert.equal(await containers(engine), ['demo-db-1 1 created']);
});

s('cancel during a recreate, once the new container is made: it is removed again and the old one kept', async () => {
  const engine = new FakeEngine();
  await up(engine, loadStack(DEMO('info')));
  const old = (await idOf(engine, 'demo-web-1'))!;
  const cancel = new AbortController();
  engine.onCall = (call) => { if (call.startsWith('create ')) cancel.abort(new CanceledError('SIGTERM')); };
  const stack = loadStack(DEMO('warn'));
  const plan = planUp(stack, await observeProject(engine, 'demo', stack.project));
  const error = await executePlan(engine, plan, { signal: cancel.signal }).then(() => undefined, (e: Error) => e);
  assert.instance(error, CanceledError);
  assert.ok(engine.calls.includes(`remove ${old.slice(0, 12)}_demo-web-1`));
  assert.not.ok(engine.calls.includes('stop demo-web-1'));
  assert.is(await idOf(engine, 'demo-web-1'), old);
  assert.equal(await containers(engine), ['demo-db-1 1 running', 'demo-web-1 1 running']);
});

s('a failure skips dependents, lets independent work finish, reports the first error', async () => {
  const engine = new FakeEngine();
  engine.failures.add('start demo-db-1');
  const stack = loadStack(DEMO('info', '  other:\n    image: busybox\n'));
  const plan = planUp(stack, await observeProject(engine, 'demo', stack.project));
  const events: string[] = [];
  const error = await executePlan(engine, plan, { onEvent: (e) => events.push(`${e.name} ${e.status}`) }).then(() => undefined, (e: Error) => e);
  assert.match(String(error), /start demo-db-1 failed/);
  assert.ok(events.includes('demo-db-1 Error'));
  assert.ok(events.includes('demo-other-1 Started'));
  assert.not.ok(engine.calls.includes('create demo-web-1'));
});

s.run();
