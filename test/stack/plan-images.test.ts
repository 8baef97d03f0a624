import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { checkPullPolicyFlag, planImages, planPulls, refreshInterval } from '../../src/stack/plan-images.js';
import type { LocalImage, PlanImagesOptions } from '../../src/stack/plan-images.js';
import { TscError } from '../../src/util/errors.js';
import { loadStack } from './helpers.js';

const s = suite('plan images');

const project = loadStack(`
name: demo
services:
  plain: { image: redis:7 }
  always: { image: web:1, pull_policy: always }
  never: { image: never:1, pull_policy: never }
  daily: { image: daily:1, pull_policy: daily }
  every: { image: every:1, pull_policy: every_12h }
  built: { build: . }
  both: { image: app:1, build: . }
  buildpolicy: { image: app:2, build: ., pull_policy: build }
`).project;
const services = Object.values(project.services);
const NOW = Date.parse('2026-01-10T12:00:00Z');

function plan(opts: Partial<PlanImagesOptions> = {}): string[] {
  return planImages(services, { project: 'demo', local: {}, now: NOW, ...opts }).map((d) => `${d.service} ${d.image} ${d.action}${d.buildOnPullFailure ? '+build' : ''} (${d.reason})`);
}

s('missing images are pulled; buildable ones build when the pull fails; build-only ones build', () => {
  assert.equal(plan(), [
    'plain redis:7 pull (missing)',
    'always web:1 pull (pull_policy always)',
    'never never:1 none (missing, and pull_policy never forbids pulling)',
    'daily daily:1 pull (missing)',
    'every every:1 pull (missing)',
    'built demo-built build (no image: built from build:)',
    'both app:1 pull+build (missing)',
    'buildpolicy app:2 build (pull_policy build)',
  ]);
});

s('present images: always pulls, refresh policies look at the last pull', () => {
  const local: Record<string, LocalImage> = Object.fromEntries(['redis:7', 'web:1', 'never:1', 'app:1', 'app:2', 'demo-built'].map((i) => [i, { present: true }]));
  local['daily:1'] = { present: true, lastPulled: '2026-01-09T11:00:00Z' };
  local['every:1'] = { present: true, lastPulled: '2026-01-10T06:00:00Z' };
  assert.equal(plan({ local }), [
    'plain redis:7 none (present)',
    'always web:1 pull (pull_policy always)',
    'never never:1 none (present (pull_policy never))',
    'daily daily:1 pull (pull_policy daily: last pulled 2026-01-09T11:00:00Z)',
    'every every:1 none (pull_policy every_12h: pulled 2026-01-10T06:00:00Z)',
    'built demo-built none (built image present)',
    'both app:1 none (present)',
    'buildpolicy app:2 build (pull_policy build)',
  ]);
});

s('--pull replaces every pull_policy (Compose), --build makes buildable services build', () => {
  const local = { 'web:1': { present: true }, 'redis:7': { present: true } };
  const never = plan({ policy: 'never', local });
  assert.ok(never.includes('always web:1 none (present (pull_policy never))'));
  const always = plan({ policy: 'always', local });
  assert.ok(always.includes('plain redis:7 pull (pull_policy always)'));
  assert.ok(plan({ build: true }).includes('both app:1 build (pull_policy build)'));
});

s('pull command: pulls whatever the refresh policy, skips never/build/present-missing', () => {
  const local = { 'redis:7': { present: true } };
  const pulls = planPulls(services, { project: 'demo', local, policy: undefined }).map((d) => `${d.service} ${d.action} ${d.reason}`);
  assert.equal(pulls, [
    'plain pull pull', 'always pull pull_policy always', 'never none Skipped', 'daily pull pull_policy daily', 'every pull pull_policy every_12h',
    'built none Skipped - No image to be pulled', 'both pull pull', 'buildpolicy none Skipped',
  ]);
  const missing = planPulls(services, { project: 'demo', local, policy: 'missing' });
  assert.is(missing[0]!.reason, 'Skipped - Image is already present locally');
});

s('intervals and flags', () => {
  assert.is(refreshInterval('every_1w2d3h'), ((7 + 2) * 24 + 3) * 3_600_000);
  assert.is(refreshInterval('weekly'), 7 * 86_400_000);
  assert.is(checkPullPolicyFlag('if_not_present'), 'missing');
  assert.throws(() => checkPullPolicyFlag('sometimes'), (e: unknown) => e instanceof TscError && /invalid --pull option "sometimes"/.test(e.message));
});

s.run();
