import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { formatGoDuration, resolveHealthcheck, testCommand } from '../../../src/engines/embedded/health/config.js';
import { HealthMonitor } from '../../../src/engines/embedded/health/monitor.js';
import { applyProbeResult, limitOutput, startingHealth, type HealthResult } from '../../../src/engines/embedded/health/record.js';

const s = suite('health units');
const at = (ms: number) => new Date(Date.parse('2024-01-01T00:00:00Z') + ms).toISOString();
const result = (startMs: number, exitCode: number, output = ''): HealthResult => ({ start: at(startMs), end: at(startMs + 10), exitCode, output });

s('test forms: CMD, CMD-SHELL, NONE', () => {
  assert.equal(testCommand(['CMD', 'test', '-f', '/x']), ['test', '-f', '/x']);
  assert.equal(testCommand(['CMD-SHELL', 'curl -f localhost || exit 1']), ['/bin/sh', '-c', 'curl -f localhost || exit 1']);
  assert.is(testCommand(['NONE']), undefined);
  assert.is(testCommand([]), undefined);
});

s('the service overrides the image field by field; Docker defaults fill the rest', () => {
  const image = { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 7 };
  assert.equal(resolveHealthcheck({ test: [], timeoutMs: 2000 }, image), {
    cmd: ['/bin/sh', '-c', 'true'], intervalMs: 5000, timeoutMs: 2000, retries: 7, startPeriodMs: 0, startIntervalMs: 5000,
  });
  assert.equal(resolveHealthcheck(undefined, image)?.intervalMs, 5000);
  assert.is(resolveHealthcheck({ test: ['NONE'] }, image), undefined);
  assert.equal(resolveHealthcheck({ test: ['CMD', 'x'] }, undefined), { cmd: ['x'], intervalMs: 30000, timeoutMs: 30000, retries: 3, startPeriodMs: 0, startIntervalMs: 5000 });
});

s('Go durations as Docker prints them', () => {
  assert.is(formatGoDuration(1000), '1s');
  assert.is(formatGoDuration(1500), '1.5s');
  assert.is(formatGoDuration(500), '500ms');
  assert.is(formatGoDuration(60_000), '1m0s');
  assert.is(formatGoDuration(90_000), '1m30s');
  assert.is(formatGoDuration(3_600_000), '1h0m0s');
});

s('starting → healthy on the first success; retries failures → unhealthy; a success resets', () => {
  const rules = { startedAt: at(0), startPeriodMs: 0, retries: 2 };
  let h = applyProbeResult(startingHealth(undefined), result(1000, 1, 'no'), rules);
  assert.is(h.status, 'starting');
  assert.is(h.failingStreak, 1);
  h = applyProbeResult(h, result(2000, 1, 'no'), rules);
  assert.is(h.status, 'unhealthy');
  h = applyProbeResult(h, result(3000, 0, 'ok'), rules);
  assert.equal([h.status, h.failingStreak], ['healthy', 0]);
  h = applyProbeResult(h, result(4000, 1), rules);
  assert.equal([h.status, h.failingStreak], ['healthy', 1]);
});

s('failures inside the start period do not count while starting', () => {
  const rules = { startedAt: at(0), startPeriodMs: 5000, retries: 1 };
  let h = applyProbeResult(startingHealth(undefined), result(1000, 1), rules);
  assert.equal([h.status, h.failingStreak], ['starting', 0]);
  h = applyProbeResult(h, result(6000, 1), rules);
  assert.equal([h.status, h.failingStreak], ['unhealthy', 1]);
});

s('keeps the last 5 results; a new run keeps the log, resets status and streak', () => {
  const rules = { startedAt: at(0), startPeriodMs: 0, retries: 3 };
  let h = startingHealth(undefined);
  for (let i = 0; i < 7; i++) h = applyProbeResult(h, result(i * 1000, 0, `run ${i}`), rules);
  assert.equal(h.log.map((l) => l.output), ['run 2', 'run 3', 'run 4', 'run 5', 'run 6']);
  const again = startingHealth({ ...h, status: 'unhealthy', failingStreak: 4 });
  assert.equal([again.status, again.failingStreak, again.log.length], ['starting', 0, 5]);
});

s('output is cut at 4 KiB with "..."', () => {
  assert.is(limitOutput('short'), 'short');
  const long = limitOutput('x'.repeat(5000));
  assert.is(long.length, 4096 + 3);
  assert.ok(long.endsWith('...'));
});

s('schedule: start interval while starting in the start period, the period end brings a probe forward', () => {
  const check = { cmd: ['x'], intervalMs: 30_000, timeoutMs: 1000, retries: 3, startPeriodMs: 60_000, startIntervalMs: 5000 };
  let status: 'starting' | 'healthy' = 'starting';
  const startedAt = at(0);
  const m = new HealthMonitor({ check, startedAt, status: () => status, probe: async () => result(0, 0), record: async () => undefined });
  const t0 = Date.parse(startedAt);
  assert.is(m.nextIntervalMs(t0 + 1000), 5000);
  status = 'healthy';
  assert.is(m.nextIntervalMs(t0 + 1000), 30_000);
  assert.is(m.nextIntervalMs(t0 + 50_000), 10_000);
  assert.is(m.nextIntervalMs(t0 + 70_000), 30_000);
});

s('monitor probes on schedule and stops when the run is over', async () => {
  const check = { cmd: ['x'], intervalMs: 20, timeoutMs: 1000, retries: 3, startPeriodMs: 0, startIntervalMs: 20 };
  let probes = 0;
  const m = new HealthMonitor({
    check, startedAt: new Date().toISOString(), status: () => 'starting',
    probe: async () => { probes++; return result(0, 0); },
    record: async () => (probes < 3 ? startingHealth(undefined) : undefined),
  });
  m.start();
  for (let i = 0; i < 100 && m.active; i++) await new Promise((r) => setTimeout(r, 20));
  await m.stop();
  assert.is(probes, 3);
  assert.is(m.active, false);
});

s.run();
