// The text of `events` and `stats` as Docker Compose and the docker CLI print it.
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import type { ContainerStatsSample, ContainerSummary } from '../../src/engine/types.js';
import { diffContainers, formatEvent, formatEventJson } from '../../src/cli/format/container-events.js';
import { bytesSize, renderStats, statsRow } from '../../src/cli/format/stats-view.js';

const s = suite('events and stats format');

function summary(id: string, state: Partial<ContainerSummary['state']>): ContainerSummary {
  return {
    id, name: `p-web-1`, image: 'busybox', imageId: 'sha256:x', created: '', ports: [], command: [],
    labels: { 'com.docker.compose.service': 'web', 'com.docker.compose.project': 'p', 'io.tscompose.service-config': '{"image":"busybox"}', team: 'a' },
    state: { status: 'running', running: true, paused: false, restarting: false, pid: 1, exitCode: 0, startedAt: 't1', finishedAt: '', restartCount: 0, ...state },
  };
}

s('events: create/start, die with its exit code, a restart, pause, destroy', () => {
  const time = new Date(2024, 0, 2, 3, 4, 5, 6);
  const a = summary('abc', {});
  const actions = (before: ContainerSummary[], after: ContainerSummary[]) =>
    diffContainers(new Map(before.map((c) => [c.id, c])), new Map(after.map((c) => [c.id, c])), time).map((e) => e.action);
  assert.equal(actions([], [a]), ['create', 'start']);
  assert.equal(actions([a], [summary('abc', { running: false, status: 'exited', exitCode: 3 })]), ['die']);
  assert.equal(actions([a], [summary('abc', { startedAt: 't2' })]), ['die', 'start']);
  assert.equal(actions([a], [summary('abc', { paused: true })]), ['pause']);
  assert.equal(actions([a], []), ['destroy']);
  const [die] = diffContainers(new Map([['abc', a]]), new Map([['abc', summary('abc', { running: false, exitCode: 3 })]]), time);
  assert.is(formatEvent(die!), '2024-01-02 03:04:05.006000 container die abc (exitCode=3, image=busybox, name=p-web-1, team=a)\n');
  assert.equal(JSON.parse(formatEventJson(die!)), { action: 'die', attributes: { image: 'busybox', name: 'p-web-1', team: 'a', exitCode: '3' }, id: 'abc', service: 'web', time: time.toISOString(), type: 'container' });
});

s('stats: CPU % from two readings, memory in binary units, I/O in decimal ones', () => {
  const at = (cpu: number, system: number): ContainerStatsSample => ({
    read: 0, cpuNanos: cpu, systemNanos: system, onlineCpus: 2, memoryUsage: 1536 * 1024, memoryLimit: 64 * 1024 * 1024,
    pids: 3, netRx: 1234, netTx: 0, blockRead: 2_000_000, blockWrite: 0,
  });
  const row = statsRow('0123456789abcdef', 'p-web-1', at(0, 0), at(25e6, 100e6));
  assert.equal(row, {
    ID: '0123456789ab', Container: 'p-web-1', Name: 'p-web-1', CPUPerc: '50.00%', MemUsage: '1.5MiB / 64MiB', MemPerc: '2.34%',
    NetIO: '1.23kB / 0B', BlockIO: '2MB / 0B', PIDs: '3',
  });
  assert.is(bytesSize(1023), '1023B');
  assert.is(renderStats([row], '{{.Name}}\t{{.CPUPerc}}'), 'p-web-1\t50.00%\n');
  assert.is(renderStats([row], 'table {{.Name}}\t{{.PIDs}}'), 'NAME      PIDS\np-web-1   3\n');
  assert.throws(() => renderStats([row], '{{.Nope}}'), /can't evaluate field Nope/);
});

s.run();
