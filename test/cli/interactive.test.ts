// Input to containers, as Docker Compose users type it: `run` with piped
// stdin, `run` at a terminal (a TTY, its size, the exit code), `attach` to a
// stdin_open + tty service and the detach keys (ctrl-p ctrl-q).
import { spawn } from 'node:child_process';
import * as assert from 'uvu/assert';
import { requireHost } from '../host.js';
import { suite } from '../harness.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import { BIN, runCli } from './cli.js';
import { downProject, upProject } from './project-fixture.js';
import type { ProjectFixture } from './project-fixture.js';
import { drivePty } from './pty-drive.js';

const s = suite('interactive');
const { ready, test } = requireHost(s, 'interactive commands', missingForEngine());
let f: ProjectFixture | undefined;

const COMPOSE = `
name: interactive
services:
  app:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
  shell:
    image: busybox
    command: sh
    stdin_open: true
    tty: true
    stop_signal: SIGKILL
`;

s.before(async () => {
  if (ready) f = await upProject('tsc-interactive-', { 'compose.yaml': COMPOSE });
});

s.after(async () => {
  await downProject(f);
});

function ptyEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TERM: 'xterm', TSCOMPOSE_ROOT: f!.t.root };
}

test('run -T: piped input reaches the command, its end ends the input, the exit code comes back', () => {
  const run = (input: string, ...args: string[]) => runCli(['--progress', 'quiet', 'run', '--rm', '-T', ...args], { cwd: f!.dir, env: { TSCOMPOSE_ROOT: f!.t.root }, input });
  const r = run('a\nb\n', 'app', 'sh', '-c', 'cat; exit 3');
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, 'a\nb\n');
  const split = run('x\n', 'app', 'sh', '-c', 'read v; echo "out $v"; echo "err $v" >&2');
  assert.is(split.code, 0, split.stderr);
  assert.is(split.stdout, 'out x\n');
  assert.is(split.stderr, 'err x\n');
  // Without -i's input: the command reads an empty input.
  const closed = run('never read\n', '--no-interactive', 'app', 'sh', '-c', 'cat; echo done');
  assert.is(closed.stdout, 'done\n', closed.stderr);
});

test('run: Ctrl-C goes to the container (sig-proxy); a second one gives up with 130 and --rm removes it', async () => {
  const start = (script: string) => {
    const child = spawn(process.execPath, [BIN, '--progress', 'quiet', 'run', '--rm', '-T', 'app', 'sh', '-c', script], { cwd: f!.dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TSCOMPOSE_ROOT: f!.t.root }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
    const until = async (text: string) => {
      for (let i = 0; i < 300 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(out.includes(text), out);
    };
    return { child, exited, until, out: () => out };
  };
  const trapped = start('trap "echo got-int; exit 4" INT; echo ready; while true; do sleep 0.1; done');
  await trapped.until('ready');
  trapped.child.kill('SIGINT');
  assert.is(await trapped.exited, 4);
  assert.is(trapped.out(), 'ready\ngot-int\n');
  // A PID 1 without a handler ignores SIGINT.
  const deaf = start('echo ready; sleep 1000');
  await deaf.until('ready');
  deaf.child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 500));
  deaf.child.kill('SIGINT');
  assert.is(await deaf.exited, 130);
  const left = await f!.t.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'interactive', 'com.docker.compose.oneoff': 'True' } });
  assert.equal(left.map((c) => c.name), []);
});

test('run at a terminal: a TTY of our size, typed commands, the shell\'s exit code', async () => {
  const r = await drivePty([process.execPath, BIN, '--progress', 'quiet', 'run', '--rm', 'app', 'sh'], {
    cwd: f!.dir, env: ptyEnv(), rows: 33, columns: 101,
    steps: [
      { waitFor: '# ', type: 'echo $((6*7))\r' },
      { waitFor: '42', type: 'stty size; tty\r' },
      { waitFor: '/dev/pts/', type: 'exit 5\r' },
    ],
  });
  assert.is(r.code, 5, r.out);
  // The container's TTY writes \r\n; our terminal (Node's raw mode keeps ONLCR) may add a \r.
  assert.match(r.out, /\n42\r+\n/);
  assert.match(r.out, /\n33 101\r+\n\/dev\/pts\/\d+\r+\n/);
});

test('attach to a stdin_open + tty service: typed input runs, the detach keys leave it running', async () => {
  const r = await drivePty([process.execPath, BIN, '--progress', 'quiet', 'attach', 'shell'], {
    cwd: f!.dir, env: ptyEnv(),
    steps: [
      { waitFor: '', type: 'echo attached-$((40+2))\r' },
      { waitFor: 'attached-42', type: '\x10\x11' },
    ],
  });
  assert.is(r.code, 0, r.out);
  const ps = f!.cli('ps', '--format', 'json', 'shell');
  assert.match(ps.stdout, /"State":"running"/);
  assert.match(f!.cli('logs', 'shell').stdout, /attached-42/);
});

test('exec -d -t: the detached command has a TTY (held by conmon); without -t it has none', async () => {
  assert.is(f!.cli('exec', '-d', '-t', 'app', 'sh', '-c', 'tty > /tmp/with-t').code, 0);
  assert.is(f!.cli('exec', '-d', 'app', 'sh', '-c', 'tty > /tmp/without-t').code, 0);
  const read = (file: string) => f!.cli('exec', '-T', 'app', 'cat', file).stdout;
  for (let i = 0; i < 50 && (!read('/tmp/with-t') || !read('/tmp/without-t')); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(read('/tmp/with-t'), /^\/dev\/pts\/\d+\n$/);
  assert.is(read('/tmp/without-t'), 'not a tty\n');
});

test('attach: bad detach keys are refused clearly', () => {
  const r = f!.cli('attach', '--detach-keys', 'ctrl-pp', 'shell');
  assert.is(r.code, 1);
  assert.match(r.stderr, /invalid detach keys "ctrl-pp"/);
});

s.run();
