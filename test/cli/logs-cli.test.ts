// logs and exec against real containers: ordering across containers, stderr kept
// apart, exit codes passed through, -e/-w/-u.
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { closeStack, composeSpec, openStack, PROJECT, run, type Stack } from './ps-fixture.js';

const s = suite('logs and exec (cli)');
const gate = requireHost(s, 'logs cli integration tests', missingForEngine());
const ready = gate.ready;
let stack: Stack | undefined;

s.before(async () => {
  if (!ready) return;
  stack = await openStack();
  // a and b write in turns (a1 b1 a2 b2 a3). Each line waits for a go file (/s/N) that this test makes
  // only once the previous line is in its log: the order is the one decided here, whatever the load.
  const turns = join(stack.root, 'turns');
  mkdirSync(turns);
  const mounts = [{ type: 'bind' as const, source: turns, target: '/s' }];
  const go = (n: number) => `until [ -e /s/${n} ]; do sleep 0.05; done`;
  const a = await run(stack, composeSpec('a', 1, { mounts, command: ['sh', '-c', `echo a1; ${go(1)}; echo a2 >&2; ${go(3)}; echo a3`] }));
  const b = await run(stack, composeSpec('b', 1, { mounts, command: ['sh', '-c', `${go(0)}; echo b1; ${go(2)}; echo b2; while true; do sleep 1; done`] }));
  const order: Array<[string, string]> = [[a, 'a1'], [b, 'b1'], [a, 'a2'], [b, 'b2']];
  for (const [n, [id, line]] of order.entries()) {
    await untilLogged(stack, id, line);
    writeFileSync(join(turns, String(n)), '');
  }
  await stack.engine.containers.wait(a);
});

async function untilLogged(st: Stack, id: string, line: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    for await (const e of st.engine.containers.logs(id)) if (e.line === line) return;
    if (Date.now() > deadline) throw new Error(`${line} never reached the log of ${id}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

s.after(async () => {
  await closeStack(stack);
});

const test = (name: string, fn: (st: Stack) => Promise<void> | void) => gate.test(name, async () => {
  await fn(stack!);
});

test('logs: merged in time order with padded prefixes; stderr to stderr', ({ cli }) => {
  const r = cli('logs', '--no-color');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'a-1  | a1\nb-1  | b1\nb-1  | b2\na-1  | a3\n');
  assert.is(r.stderr, 'a-1  | a2\n');
  const times = cli('logs', '-t', '--no-log-prefix').stdout.trimEnd().split('\n').map((l) => l.split(' ')[0]!);
  assert.equal(times, [...times].sort());
});

test('logs: one service, --no-log-prefix, --tail, -t', ({ cli }) => {
  assert.is(cli('logs', '--no-log-prefix', 'a').stdout, 'a1\na3\n');
  assert.is(cli('logs', '--tail', '1', 'b').stdout, 'b-1  | b2\n');
  assert.match(cli('logs', '-t', 'b').stdout, /^b-1  \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z b1\n/);
  assert.is(cli('--ansi', 'always', 'logs', 'a').stdout.split('\n')[0], '\x1b[36ma-1  | \x1b[0ma1');
  const bad = cli('logs', 'zzz');
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /no such service: zzz/);
});

test('logs -f / --follow ends when the containers stop', ({ cli }) => {
  // Global flags come before the command name, so `-f` after it is logs' own --follow.
  for (const flag of ['-f', '--follow']) {
    const r = cli('logs', flag, 'a');
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, 'a-1  | a1\na-1  | a3\n');
  }
});

test('exec: output, exit code passed through', ({ cli }) => {
  const ok = cli('exec', '-T', 'b', 'sh', '-c', 'echo out; echo err >&2');
  assert.is(ok.code, 0, ok.stderr);
  assert.is(ok.stdout, 'out\n');
  assert.is(ok.stderr, 'err\n');
  assert.is(cli('exec', '-T', 'b', 'sh', '-c', 'exit 7').code, 7);
  // Docker exits 126 here; the embedded engine's exec says 255 for now.
  assert.is.not(cli('exec', '-T', 'b', 'no-such-binary').code, 0);
});

test('exec: -e, -w, -u', ({ cli }) => {
  assert.is(cli('exec', '-T', '-e', 'FOO=bar', 'b', 'sh', '-c', 'echo $FOO').stdout, 'bar\n');
  assert.is(cli('exec', '-T', '-w', '/tmp', 'b', 'pwd').stdout, '/tmp\n');
  assert.is(cli('exec', '-T', '-u', 'nobody', 'b', 'id', '-u').stdout, '65534\n');
  assert.is(cli('exec', '-T', 'b', 'ls', '-d', '/etc').stdout, '/etc\n');
});

test('exec: stopped or unknown service', ({ cli }) => {
  const stopped = cli('exec', '-T', 'a', 'true');
  assert.is(stopped.code, 1);
  assert.match(stopped.stderr, /service "a" is not running/);
  const idx = cli('exec', '-T', '--index', '2', 'b', 'true');
  assert.is(idx.code, 1);
  assert.match(idx.stderr, /service "b" is not running container #2/);
  void PROJECT;
});

s.run();
