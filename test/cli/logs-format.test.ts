import * as assert from 'uvu/assert';
import { parseLogTime, parseTail } from '../../src/cli/commands/logs.js';
import { mergeByTime } from '../../src/cli/format/log-merge.js';
import { formatLogTime, LogPrinter, useColor } from '../../src/cli/format/log-printer.js';
import { suite } from '../harness.js';

const s = suite('logs formatting');

function sink() {
  const chunks: string[] = [];
  return { write: (c: string) => chunks.push(c), text: () => chunks.join('') };
}

s('prefixes padded to the longest name + 1, stderr apart', () => {
  const out = sink();
  const err = sink();
  const p = new LogPrinter({ stdout: out, stderr: err, color: false, prefix: true, timestamps: false });
  p.register('web-1');
  p.register('worker-1');
  p.out('web-1', 'hello');
  p.err('worker-1', 'oops');
  p.out('worker-1', 'a\nb');
  assert.is(out.text(), 'web-1     | hello\nworker-1  | a\nworker-1  | b\n');
  assert.is(err.text(), 'worker-1  | oops\n');
});

s('one container: `web-1  | `', () => {
  const out = sink();
  const p = new LogPrinter({ stdout: out, stderr: out, color: false, prefix: true, timestamps: false });
  p.out('web-1', 'x');
  assert.is(out.text(), 'web-1  | x\n');
});

s('colours rotate as compose: cyan, yellow, green...', () => {
  const out = sink();
  const p = new LogPrinter({ stdout: out, stderr: out, color: true, prefix: true, timestamps: false });
  for (const n of ['a-1', 'b-1', 'c-1']) p.register(n);
  p.out('a-1', 'x');
  p.out('b-1', 'y');
  p.out('c-1', 'z');
  assert.is(out.text(), '\x1b[36ma-1  | \x1b[0mx\n\x1b[33mb-1  | \x1b[0my\n\x1b[32mc-1  | \x1b[0mz\n');
});

s('no prefix, timestamps in RFC3339NanoFixed UTC', () => {
  const out = sink();
  const p = new LogPrinter({ stdout: out, stderr: out, color: false, prefix: false, timestamps: true });
  p.out('web-1', 'x', '2024-01-02T03:04:05.123456789+02:00');
  p.out('web-1', 'y', '2024-01-02T03:04:05Z');
  assert.is(out.text(), '2024-01-02T01:04:05.123456789Z x\n2024-01-02T03:04:05.000000000Z y\n');
});

s('useColor: --no-color, --ansi, TTY', () => {
  assert.is(useColor({ ansi: 'always' }), true);
  assert.is(useColor({ ansi: 'always', noColor: true }), false);
  assert.is(useColor({ ansi: 'never', isTTY: true }), false);
  assert.is(useColor({ ansi: 'auto', isTTY: false }), false);
});

s('formatLogTime keeps nanoseconds', () => {
  assert.is(formatLogTime('2024-01-02T03:04:05.5Z'), '2024-01-02T03:04:05.500000000Z');
  assert.is(formatLogTime('2024-01-02T03:04:05.000000001-01:00'), '2024-01-02T04:04:05.000000001Z');
});

async function* source(entries: Array<[string, string]>, delayMs = 0) {
  for (const [time, line] of entries) {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    yield { time, line, stream: 'stdout' as const };
  }
}

s('mergeByTime interleaves backlogs in time order', async () => {
  const a = source([['2024-01-01T00:00:01.000000001Z', 'a1'], ['2024-01-01T00:00:03Z', 'a3']]);
  const b = source([['2024-01-01T00:00:01.000000002+00:00', 'b1'], ['2024-01-01T00:00:02Z', 'b2'], ['2024-01-01T00:00:04Z', 'b4']], 5);
  const lines: string[] = [];
  for await (const { index, entry } of mergeByTime([a, b], { idleMs: 500 })) lines.push(`${index}:${entry.line}`);
  assert.equal(lines, ['0:a1', '1:b1', '1:b2', '0:a3', '1:b4']);
});

s('mergeByTime does not wait forever on a silent source', async () => {
  // Silent for far longer than the merge should ever hold back the others.
  let lateYielded = false;
  const silent = (async function* () {
    await new Promise((r) => setTimeout(r, 20_000).unref());
    lateYielded = true;
    yield { time: '2030-01-01T00:00:00Z', line: 'late', stream: 'stdout' as const };
  })();
  const controller = new AbortController();
  const lines: string[] = [];
  for await (const { entry } of mergeByTime([source([['2024-01-01T00:00:00Z', 'now']]), silent], { idleMs: 50, signal: controller.signal })) {
    lines.push(entry.line);
    controller.abort();
  }
  assert.equal(lines, ['now']);
  assert.not.ok(lateYielded, 'a quiet source held the others back');
});

s('--since/--until and --tail parsing', () => {
  const now = Date.parse('2024-01-01T01:00:00Z');
  assert.is(parseLogTime('42m', now), '2024-01-01T00:18:00.000Z');
  assert.is(parseLogTime('1h30m', now), '2023-12-31T23:30:00.000Z');
  assert.is(parseLogTime('1704067200', now), '2024-01-01T00:00:00.000000000Z');
  assert.is(parseLogTime('2024-01-01T00:00:00.5Z', now), '2024-01-01T00:00:00.500000000Z');
  assert.is(parseLogTime('2024-01-01T00:00:00Z', now), '2024-01-01T00:00:00.000Z');
  assert.is(parseLogTime(undefined, now), undefined);
  assert.throws(() => parseLogTime('yesterday', now), /invalid time/);
  assert.is(parseTail('all'), undefined);
  assert.is(parseTail('5'), 5);
  assert.throws(() => parseTail('x'), /--tail/);
});

s.run();
