import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { decideRestart, nextDelay, startsAtBoot } from '../../../src/engines/embedded/restart/policy.js';
import { endsContainer } from '../../../src/engines/embedded/containers/user-stop.js';
import { serviceRestartPolicy } from '../../../src/stack/spec-runtime.js';
import type { ServiceConfig } from '../../../src/compose/model.js';

const s = suite('restart-policy');
const exit = (o: Partial<Parameters<typeof decideRestart>[1]> = {}) => ({ exitCode: 1, stoppedByUser: false, restartCount: 0, ranMs: 50, previousDelayMs: 0, ...o });

s('backoff: 100 ms, doubled up to 1 min, reset after a 10 s run', () => {
  const seq: number[] = [];
  let d = 0;
  for (let i = 0; i < 12; i++) seq.push((d = nextDelay(d, 500)));
  assert.equal(seq.slice(0, 5), [100, 200, 400, 800, 1600]);
  assert.is(seq[11], 60_000);
  assert.is(nextDelay(60_000, 10_000), 100);
  assert.is(nextDelay(800, 9_999), 1600);
});

s('policies decide as Docker does', () => {
  assert.equal(decideRestart(undefined, exit()), { restart: false });
  assert.equal(decideRestart({ name: 'no' }, exit()), { restart: false });
  assert.equal(decideRestart({ name: 'always' }, exit({ exitCode: 0 })), { restart: true, delayMs: 100 });
  assert.equal(decideRestart({ name: 'always' }, exit({ stoppedByUser: true })), { restart: false });
  assert.equal(decideRestart({ name: 'unless-stopped' }, exit({ stoppedByUser: true })), { restart: false });
  assert.equal(decideRestart({ name: 'unless-stopped' }, exit({ previousDelayMs: 400 })), { restart: true, delayMs: 800 });
  assert.equal(decideRestart({ name: 'on-failure' }, exit({ exitCode: 0 })), { restart: false });
  assert.equal(decideRestart({ name: 'on-failure' }, exit({ restartCount: 50 })), { restart: true, delayMs: 100 });
  assert.equal(decideRestart({ name: 'on-failure', maximumRetryCount: 2 }, exit({ restartCount: 1 })), { restart: true, delayMs: 100 });
  assert.equal(decideRestart({ name: 'on-failure', maximumRetryCount: 2 }, exit({ restartCount: 2 })), { restart: false });
});

s('boot starts always, unless-stopped unless stopped by the user, never a container never started', () => {
  const f = (o: Partial<Parameters<typeof startsAtBoot>[1]> = {}) => ({ exitCode: 137, stoppedByUser: false, neverStarted: false, ...o });
  assert.ok(startsAtBoot({ name: 'always' }, f()));
  assert.ok(startsAtBoot({ name: 'always' }, f({ stoppedByUser: true })));
  assert.not.ok(startsAtBoot({ name: 'always' }, f({ neverStarted: true })));
  assert.ok(startsAtBoot({ name: 'unless-stopped' }, f()));
  assert.not.ok(startsAtBoot({ name: 'unless-stopped' }, f({ stoppedByUser: true })));
  assert.not.ok(startsAtBoot({ name: 'no' }, f()));
  assert.not.ok(startsAtBoot(undefined, f()));
  assert.not.ok(startsAtBoot({ name: 'on-failure' }, f()));
});

s('kill ends the container (no restart) for SIGKILL and the stop signal only', () => {
  assert.ok(endsContainer('SIGKILL', undefined));
  assert.ok(endsContainer('9', undefined));
  assert.ok(endsContainer('TERM', undefined));
  assert.ok(endsContainer('15', 'SIGTERM'));
  assert.ok(endsContainer('SIGQUIT', 'QUIT'));
  assert.not.ok(endsContainer('SIGHUP', undefined));
  assert.not.ok(endsContainer('SIGTERM', 'SIGQUIT'));
});

s('Compose mapping: deploy.restart_policy overrides restart, conditions mapped', () => {
  const svc = (o: object) => ({ name: 'web', ...o }) as unknown as ServiceConfig;
  assert.equal(serviceRestartPolicy(svc({ restart: 'on-failure:3' })), { name: 'on-failure', maximumRetryCount: 3 });
  assert.equal(serviceRestartPolicy(svc({ restart: 'unless-stopped' })), { name: 'unless-stopped' });
  assert.equal(serviceRestartPolicy(svc({})), undefined);
  assert.equal(serviceRestartPolicy(svc({ restart: 'always', deploy: { restart_policy: { condition: 'on-failure', max_attempts: 2 } } })), { name: 'on-failure', maximumRetryCount: 2 });
  assert.equal(serviceRestartPolicy(svc({ deploy: { restart_policy: { condition: 'any', delay: '5s' } } })), { name: 'always' });
  assert.equal(serviceRestartPolicy(svc({ deploy: { restart_policy: { condition: 'none' } } })), { name: 'no' });
  assert.throws(() => serviceRestartPolicy(svc({ restart: 'sometimes' })), /invalid restart policy "sometimes"/);
});

s.run();
