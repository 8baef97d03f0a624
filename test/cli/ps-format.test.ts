import * as assert from 'uvu/assert';
import type { ContainerState, ContainerSummary } from '../../src/engine/types.js';
import { commandText, displayablePorts, displayPortsOf, statusText } from '../../src/cli/format/container-text.js';
import { ellipsis, goQuote, goTimeString } from '../../src/cli/format/go-text.js';
import { psJsonObject, renderPsTable } from '../../src/cli/format/ps-view.js';
import { renderTable, tabwrite } from '../../src/cli/format/tabwriter.js';
import { formatG, humanDuration, humanSize } from '../../src/cli/format/units.js';
import { suite } from '../harness.js';

const s = suite('ps formatting');
const NOW = Date.parse('2024-05-01T12:00:00Z');
const NEVER = '0001-01-01T00:00:00Z';

function state(over: Partial<ContainerState>): ContainerState {
  return { status: 'running', running: true, paused: false, restarting: false, pid: 10, exitCode: 0, startedAt: NEVER, finishedAt: NEVER, restartCount: 0, ...over };
}

s('humanDuration matches go-units', () => {
  const cases: Array<[number, string]> = [
    [0, 'Less than a second'], [999, 'Less than a second'], [1000, '1 second'], [3000, '3 seconds'], [59_999, '59 seconds'],
    [60_000, 'About a minute'], [119_000, 'About a minute'], [120_000, '2 minutes'], [59 * 60_000, '59 minutes'],
    [60 * 60_000, 'About an hour'], [89 * 60_000, 'About an hour'], [91 * 60_000, '2 hours'], [47 * 3_600_000, '47 hours'],
    [48 * 3_600_000, '2 days'], [13 * 86_400_000, '13 days'], [14 * 86_400_000, '2 weeks'], [59 * 86_400_000, '8 weeks'],
    [60 * 86_400_000, '2 months'], [729 * 86_400_000, '24 months'], [730 * 86_400_000, '2 years'],
  ];
  for (const [ms, text] of cases) assert.is(humanDuration(ms), text, `${ms}ms`);
});

s('humanSize matches go-units HumanSizeWithPrecision', () => {
  assert.is(humanSize(0), '0B');
  assert.is(humanSize(999), '999B');
  assert.is(humanSize(1000), '1kB');
  assert.is(humanSize(4_261_000), '4.26MB');
  assert.is(humanSize(1_234_567_890), '1.23GB');
  assert.is(humanSize(999_999), '1e+03kB');
  assert.is(humanSize(4_261_234, 4), '4.261MB');
  assert.is(formatG(12.5, 3), '12.5');
  assert.is(formatG(100, 3), '100');
});

s('status texts as moby State.String()', () => {
  const minuteAgo = new Date(NOW - 62_000).toISOString();
  assert.is(statusText(state({ startedAt: new Date(NOW - 3000).toISOString() }), NOW), 'Up 3 seconds');
  assert.is(statusText(state({ startedAt: minuteAgo, health: { status: 'starting', failingStreak: 0, log: [] } }), NOW), 'Up About a minute (health: starting)');
  assert.is(statusText(state({ startedAt: minuteAgo, health: { status: 'healthy', failingStreak: 0, log: [] } }), NOW), 'Up About a minute (healthy)');
  assert.is(statusText(state({ status: 'paused', paused: true, startedAt: minuteAgo }), NOW), 'Up About a minute (Paused)');
  assert.is(statusText(state({ status: 'created', running: false }), NOW), 'Created');
  assert.is(statusText(state({ status: 'exited', running: false, exitCode: 0, startedAt: minuteAgo, finishedAt: new Date(NOW - 120_000).toISOString() }), NOW), 'Exited (0) 2 minutes ago');
  assert.is(statusText(state({ status: 'exited', running: false, exitCode: 137, startedAt: minuteAgo, finishedAt: minuteAgo }), NOW), 'Exited (137) About a minute ago');
  assert.is(statusText(state({ status: 'restarting', running: true, restarting: true, exitCode: 1, finishedAt: new Date(NOW - 5000).toISOString() }), NOW), 'Restarting (1) 5 seconds ago');
  assert.is(statusText(state({ status: 'dead', running: false }), NOW), 'Dead');
});

s('command quoted and cut like docker ps', () => {
  const text = commandText(['sh', '-c', 'while true; do sleep 1; done']);
  assert.is(text, "sh -c 'while true; do sleep 1; done'");
  assert.is(goQuote(ellipsis(text, 20)), `"sh -c 'while true; …"`);
  assert.is(goQuote(ellipsis('/docker-entrypoint.sh nginx', 20)), '"/docker-entrypoint.…"');
  assert.is(goQuote('short "q"\n'), '"short \\"q\\"\\n"');
  assert.is(ellipsis('abc', 20), 'abc');
});

s('ports as DisplayablePorts', () => {
  assert.is(displayablePorts(displayPortsOf([{ containerPort: 80, hostPort: '8080', protocol: 'tcp' }])), '0.0.0.0:8080->80/tcp');
  assert.is(displayablePorts(displayPortsOf([{ containerPort: 53, protocol: 'udp' }, { containerPort: 80, protocol: 'tcp' }])), '53/udp, 80/tcp');
  assert.is(displayablePorts(displayPortsOf([
    { containerPort: 8000, hostPort: '8000', protocol: 'tcp', hostIp: '127.0.0.1' },
    { containerPort: 8001, hostPort: '8001', protocol: 'tcp', hostIp: '127.0.0.1' },
    { containerPort: 9000, hostPort: '9000', protocol: 'tcp', hostIp: '::' },
  ])), '127.0.0.1:8000-8001->8000-8001/tcp, [::]:9000->9000/tcp');
  assert.is(displayablePorts(displayPortsOf([{ containerPort: 80, hostPort: '8080', protocol: 'tcp' }, { containerPort: 443, hostPort: '8443', protocol: 'tcp' }])), '0.0.0.0:8080->80/tcp, 0.0.0.0:8443->443/tcp');
});

s('tabwriter pads like Go (minwidth, padding, trailing cell not a column)', () => {
  assert.is(tabwrite('a\tbb\tc\nlonger\tb\t\n', { minWidth: 0, padding: 2 }), 'a       bb  c\nlonger  b   \n');
  assert.is(renderTable(['NAME', 'X'], [['web', 'y']], { minWidth: 10, padding: 3 }), 'NAME      X\nweb       y\n');
  // An empty line ends a column block: the widths after it start again.
  assert.is(tabwrite('aaaaaa\tb\n\nc\td\n', { minWidth: 0, padding: 1 }), 'aaaaaa b\n\nc d\n');
  assert.is(tabwrite('é…\tx\nab\ty\n', { minWidth: 0, padding: 1 }), 'é… x\nab y\n');
});

s('goTimeString like Go time.Time.String()', () => {
  assert.is(goTimeString(new Date('2024-01-02T03:04:05.678Z'), 'UTC'), '2024-01-02 03:04:05 +0000 UTC');
  assert.match(goTimeString(new Date('2024-07-02T03:04:05Z'), 'Europe/Paris'), /^2024-07-02 05:04:05 \+0200 /);
});

function container(name: string, over: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    id: 'f'.repeat(64), name, image: 'busybox:latest', imageId: `sha256:${'a'.repeat(64)}`,
    labels: { 'com.docker.compose.project': 'demo', 'com.docker.compose.service': name.split('-')[1]!, 'com.docker.compose.container-number': '1' },
    created: new Date(NOW - 4000).toISOString(),
    state: state({ startedAt: new Date(NOW - 2000).toISOString() }),
    ports: [{ containerPort: 80, hostPort: '8080', protocol: 'tcp' }],
    command: ['sh', '-c', 'while true; do sleep 1; done'],
    ...over,
  };
}

s('ps table', () => {
  const out = renderPsTable([container('demo-web-1'), container('demo-worker-1', { ports: [], state: state({ status: 'exited', running: false, exitCode: 2, startedAt: new Date(NOW - 9000).toISOString(), finishedAt: new Date(NOW - 3000).toISOString() }) })], { now: NOW });
  assert.is(out, [
    'NAME            IMAGE            COMMAND                  SERVICE   CREATED         STATUS                     PORTS',
    `demo-web-1      busybox:latest   "sh -c 'while true; …"   web       4 seconds ago   Up 2 seconds               0.0.0.0:8080->80/tcp`,
    `demo-worker-1   busybox:latest   "sh -c 'while true; …"   worker    4 seconds ago   Exited (2) 3 seconds ago   `,
    '',
  ].join('\n'));
});

s('ps json object: compose keys, sorted, plus RestartCount', () => {
  const obj = psJsonObject(container('demo-web-1', { state: state({ startedAt: new Date(NOW - 2000).toISOString(), restartCount: 3, exitCode: 1 }) }), undefined, { now: NOW, timeZone: 'UTC' });
  assert.equal(Object.keys(obj), [...Object.keys(obj)].sort());
  for (const key of ['Command', 'CreatedAt', 'ExitCode', 'Health', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Name', 'Names', 'Networks', 'Ports', 'Project', 'Publishers', 'RunningFor', 'Service', 'Size', 'State', 'Status']) {
    assert.ok(key in obj, key);
  }
  assert.is(obj.ID, 'ffffffffffff');
  assert.is(obj.State, 'running');
  assert.is(obj.RestartCount, 3);
  assert.is(obj.ExitCode, 1);
  assert.is(obj.CreatedAt, '2024-05-01 11:59:56 +0000 UTC');
  assert.is(obj.RunningFor, '4 seconds ago');
  assert.equal(obj.Publishers, [{ URL: '0.0.0.0', TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' }]);
  assert.is(obj.Size, '0B');
});

s.run();
