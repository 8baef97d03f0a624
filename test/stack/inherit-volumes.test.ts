// A recreate carries the old container's anonymous volumes over (Compose's
// `inherit`), unless `up -V`: what the planner decides and what the recreate
// step makes of the old container's mounts.
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import type { ContainerDetails, ImageDetails, MountSpec } from '../../src/engine/types.js';
import { inheritAnonymousVolumes } from '../../src/stack/inherit-volumes.js';
import { observeProject } from '../../src/stack/observe.js';
import { executePlan } from '../../src/stack/execute.js';
import { planUp } from '../../src/stack/plan-up.js';
import type { Plan } from '../../src/stack/plan-types.js';
import { FakeEngine } from './fake-engine.js';
import { loadStack } from './helpers.js';

const s = suite('stack inherit volumes');

const old = (mounts: Array<[MountSpec['type'], string, string]>): ContainerDetails['mounts'] =>
  mounts.map(([type, source, target]) => ({ type, source, target, resolvedSource: `/host/${source}` }));

s('an anonymous volume of the service gets the old container\'s volume at its target; other mounts are kept as they are', () => {
  const mounts: MountSpec[] = [
    { type: 'volume', source: '', target: '/data/', readOnly: true, volume: { nocopy: true } },
    { type: 'volume', source: 'demo_named', target: '/named' },
    { type: 'tmpfs', target: '/tmp' },
    { type: 'volume', source: '', target: '/fresh' },
  ];
  const got = inheritAnonymousVolumes(mounts, old([['volume', 'aaa', '/data'], ['volume', 'demo_named', '/named'], ['tmpfs', '', '/tmp']]), []);
  assert.equal(got, [
    { type: 'volume', source: 'aaa', target: '/data/', readOnly: true, volume: { nocopy: true }, inherited: true },
    { type: 'volume', source: 'demo_named', target: '/named' },
    { type: 'tmpfs', target: '/tmp' },
    { type: 'volume', source: '', target: '/fresh' },
  ]);
});

s('an image VOLUME no mount covers gets the old volume; one the service mounts keeps the service\'s mount', () => {
  const mounts: MountSpec[] = [{ type: 'volume', source: 'demo_db', target: '/var/lib/db' }];
  const got = inheritAnonymousVolumes(mounts, old([['volume', 'bbb', '/var/lib/db'], ['volume', 'ccc', '/cache']]), ['/var/lib/db', '/cache/', '/never-mounted']);
  assert.equal(got, [
    { type: 'volume', source: 'demo_db', target: '/var/lib/db' },
    { type: 'volume', source: 'ccc', target: '/cache', inherited: true },
  ]);
});

s('binds and tmpfs of the old container are not carried over', () => {
  const mounts: MountSpec[] = [{ type: 'volume', source: '', target: '/data' }];
  const got = inheritAnonymousVolumes(mounts, old([['bind', '/srv/data', '/data'], ['tmpfs', '', '/run']]), ['/run']);
  assert.equal(got, mounts);
});

const YAML = `
name: demo
services:
  web:
    image: busybox
    command: sleep 1000
    volumes: ["/data"]
`;

function recreates(plan: Plan): boolean[] {
  return plan.steps.flatMap((st) => (st.action.op === 'container-recreate' ? [st.action.inheritVolumes] : []));
}

s('the planner: a recreate inherits unless --renew-anon-volumes; the recreate step mounts the old volume by name', async () => {
  const engine = new FakeEngine();
  const stack = loadStack(YAML);
  await executePlan(engine, planUp(stack, await observeProject(engine, 'demo', stack.project)));
  const observed = await observeProject(engine, 'demo', stack.project);
  assert.equal(recreates(planUp(stack, observed, { forceRecreate: true })), [true]);
  assert.equal(recreates(planUp(stack, observed, { forceRecreate: true, renewAnonVolumes: true })), [false]);
  assert.equal(recreates(planUp(loadStack(YAML.replace('sleep 1000', 'sleep 999')), observed, {})), [true], 'a changed configuration too');

  // The engine shows the old container's anonymous volume by name, and the image's VOLUME.
  const oldId = observed.containers[0]!.id;
  Object.assign(engine.containers, {
    inspect: async (id: string) => (id === oldId ? { mounts: old([['volume', 'anon1', '/data'], ['volume', 'anon2', '/image-vol']]) } as ContainerDetails : undefined),
  });
  Object.assign(engine, { images: { inspect: async () => ({ config: { Volumes: { '/image-vol': {} } } }) as unknown as ImageDetails } });
  await executePlan(engine, planUp(stack, observed, { forceRecreate: true }));
  const made = [...engine.containersById.values()].find((c) => c.spec.name === 'demo-web-1')!;
  assert.equal(made.spec.mounts, [
    { type: 'volume', source: 'anon1', target: '/data', inherited: true },
    { type: 'volume', source: 'anon2', target: '/image-vol', inherited: true },
  ]);

  const again = await observeProject(engine, 'demo', stack.project);
  const renewedId = again.containers[0]!.id;
  Object.assign(engine.containers, { inspect: async (id: string) => (id === renewedId ? { mounts: old([['volume', 'anon1', '/data']]) } as ContainerDetails : undefined) });
  await executePlan(engine, planUp(stack, again, { forceRecreate: true, renewAnonVolumes: true }));
  const renewed = [...engine.containersById.values()].find((c) => c.spec.name === 'demo-web-1')!;
  assert.equal(renewed.spec.mounts, [{ type: 'volume', source: '', target: '/data' }], '-V: a new anonymous volume');
});

s.run();
