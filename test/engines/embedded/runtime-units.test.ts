import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { parseK8sLog, parseK8sLogLine } from '../../../src/engines/embedded/runtime/k8s-log.js';
import { buildConmonArgs, launchConmon } from '../../../src/engines/embedded/runtime/conmon.js';
import { missingRuntime, openRuntime, signalOf } from '../../../src/engines/embedded/runtime/runc.js';
import { readStartTicks } from '../../../src/engines/embedded/state/process-ref.js';
import { spawn } from 'node:child_process';
import { commonDir, overlayOptions, parseMountInfo } from '../../../src/engines/embedded/snapshots/mount.js';
import { cgroupsPathFor, detectCgroupVersion } from '../../../src/engines/embedded/runtime/cgroups.js';
import { chmodSync, existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const s = suite('runtime-units');

s('parseK8sLogLine: full, partial, empty, malformed', () => {
  assert.equal(parseK8sLogLine('2024-05-01T10:00:00.123456789+02:00 stdout F hello world'), { time: '2024-05-01T10:00:00.123456789+02:00', stream: 'stdout', partial: false, text: 'hello world' });
  assert.equal(parseK8sLogLine('2024-05-01T10:00:00.1Z stderr P part '), { time: '2024-05-01T10:00:00.1Z', stream: 'stderr', partial: true, text: 'part ' });
  assert.equal(parseK8sLogLine('2024-05-01T10:00:00.1Z stdout F'), { time: '2024-05-01T10:00:00.1Z', stream: 'stdout', partial: false, text: '' });
  assert.is(parseK8sLogLine('garbage'), undefined);
});

s('parseK8sLog: joins partial records per stream', () => {
  const text = ['t1 stdout P ab', 't2 stderr F e1', 't3 stdout P cd', 't4 stdout F ef', 't5 stdout P tail', ''].join('\n');
  assert.equal(parseK8sLog(text), [
    { time: 't2', stream: 'stderr', line: 'e1' },
    { time: 't1', stream: 'stdout', line: 'abcdef' },
    { time: 't5', stream: 'stdout', line: 'tail' },
  ]);
});

s('buildConmonArgs: Podman-style argv', () => {
  const args = buildConmonArgs({
    id: 'c1', name: 'web-1', runtimePath: '/usr/sbin/runc', runtimeArgs: ['--root', '/s/runtime/runc'], bundleDir: '/b', pidFile: '/d/pidfile',
    conmonPidFile: '/d/conmon.pid', exitDir: '/s/exits', logPath: '/d/ctr.log', socketDir: '/s/sockets', tty: true,
    exitCommand: ['/usr/bin/node', '/app/exit.js', 'c1'],
  });
  const text = args.join(' ');
  assert.ok(text.startsWith('--api-version 1 -c c1 -u c1 -r /usr/sbin/runc -b /b -p /d/pidfile -n web-1 --exit-dir /s/exits --full-attach'));
  assert.ok(text.includes('-l k8s-file:/d/ctr.log'));
  assert.ok(text.includes('--conmon-pidfile /d/conmon.pid'));
  assert.ok(text.includes('--runtime-arg --root --runtime-arg /s/runtime/runc'));
  assert.ok(text.includes(' -t'));
  assert.ok(text.endsWith('--exit-command /usr/bin/node --exit-command-arg /app/exit.js --exit-command-arg c1'));
});

s('buildConmonArgs: stdin pipe (kept open unless StdinOnce), exec sessions', () => {
  const base = { id: 'c1', name: 'web-1', runtimePath: '/usr/sbin/runc', runtimeArgs: [], bundleDir: '/b', pidFile: '/d/pidfile', conmonPidFile: '/d/conmon.pid', exitDir: '/s/exits', logPath: '/d/ctr.log', socketDir: '/s/sockets' };
  const open = buildConmonArgs({ ...base, stdin: true, leaveStdinOpen: true });
  assert.ok(open.includes('-i') && open.includes('--leave-stdin-open'));
  const once = buildConmonArgs({ ...base, stdin: true, leaveStdinOpen: false });
  assert.ok(once.includes('-i') && !once.includes('--leave-stdin-open'));
  assert.ok(!buildConmonArgs({ ...base, leaveStdinOpen: true }).includes('--leave-stdin-open'));
  const exec = buildConmonArgs({ ...base, tty: true, exec: { sessionId: 's1', processSpec: '/b/process.json' } }).join(' ');
  assert.ok(exec.startsWith('--api-version 1 -c c1 -u s1 '));
  assert.ok(exec.includes('--exec --exec-process-spec /b/process.json -t'));
});

s('launchConmon: a report already in the pipe wins over a timer the busy event loop ran late', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-conmon-late-'));
  try {
    // A stand-in for conmon: reports pid 4242 on the sync pipe, then says so in a file.
    const fake = join(dir, 'conmon');
    writeFileSync(fake, `#!/bin/sh\nprintf '{"data": 4242}\\n' >&3\ntouch ${join(dir, 'reported')}\n`);
    chmodSync(fake, 0o755);
    const launched = launchConmon(fake, ['--conmon-pidfile', join(dir, 'conmon.pid')], { timeoutMs: 20 });
    // The event loop blocked (as by a hundred synchronous spawns) past the timeout, until the report is in the pipe.
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(dir, 'reported')) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    assert.ok(existsSync(join(dir, 'reported')), 'the stand-in ran');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    assert.is(await launched, 4242);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('missing runtime fails with the install hint', async () => {
  const rt = missingRuntime('runc', '/x');
  try {
    await rt.state('a');
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, 'runc not found in PATH: `apt-get install runc`');
  }
});

s('overlayOptions: absolute, then relative to a common parent when too long', () => {
  assert.equal(overlayOptions({ lowerDirs: ['/a/l2', '/a/l1'], upperDir: '/a/u', workDir: '/a/w', target: '/m' }), { data: 'lowerdir=/a/l2:/a/l1,upperdir=/a/u,workdir=/a/w' });
  const base = '/var/lib/tscompose/snapshots/' + 'x'.repeat(40);
  const lowers = Array.from({ length: 80 }, (_, i) => `${base}/${i}/fs`);
  const r = overlayOptions({ lowerDirs: lowers, upperDir: `${base}/u/fs`, workDir: `${base}/u/work`, target: '/m' });
  assert.is(r.cwd, base);
  assert.ok(r.data.startsWith('lowerdir=0/fs:1/fs:'));
  assert.ok(r.data.endsWith(',upperdir=u/fs,workdir=u/work'));
  assert.ok(r.data.length < 4096);
  assert.throws(() => overlayOptions({ lowerDirs: ['/a,b'], upperDir: '/u', workDir: '/w', target: '/m' }), /may not contain/);
  assert.is(commonDir(['/a/b/c', '/a/b/d', '/a/x']), '/a');
});

s('parseMountInfo: escaped mount points and fs types', () => {
  const m = parseMountInfo('36 35 0:30 / /tmp/with\\040space rw,relatime shared:1 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n');
  assert.equal(m, [{ mountPoint: '/tmp/with space', fsType: 'overlay', source: 'overlay', options: 'rw,lowerdir=/l,upperdir=/u,workdir=/w' }]);
});

s('cgroups: version detection and path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-cg-'));
  try {
    assert.is(detectCgroupVersion(dir), 1);
    mkdirSync(join(dir, 'v2'));
    writeFileSync(join(dir, 'v2', 'cgroup.controllers'), 'cpu memory pids\n');
    assert.is(detectCgroupVersion(join(dir, 'v2')), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.is(cgroupsPathFor('abc'), '/tscompose/abc');
});

s('signalOf: names with or without SIG, numbers, unknown ones refused', () => {
  assert.is(signalOf('KILL'), 'SIGKILL');
  assert.is(signalOf('sigterm'), 'SIGTERM');
  assert.is(signalOf('9'), 9);
  assert.is(signalOf('SIGNOPE'), undefined);
  assert.is(signalOf('0'), undefined);
});

s('kill signals the init runc recorded, and never a process that took its pid since (start time differs)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-signal-init-'));
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
  try {
    const runtime = openRuntime(dir, 'runc');
    const id = 'f'.repeat(64);
    mkdirSync(join(runtime.root, id), { recursive: true });
    const start = readStartTicks(child.pid!)!;
    // Another process's start time: runc is asked instead, and it knows no such container (our state.json is a stub).
    writeFileSync(join(runtime.root, id, 'state.json'), JSON.stringify({ init_process_pid: child.pid, init_process_start: start + 1 }));
    assert.is(await runtime.kill(id, 'KILL').then(() => 'signalled', () => 'refused'), 'refused');
    assert.is(child.exitCode, null);
    assert.is(child.signalCode, null);
    writeFileSync(join(runtime.root, id, 'state.json'), JSON.stringify({ init_process_pid: child.pid, init_process_start: start }));
    await runtime.kill(id, 'TERM');
    assert.is(await exited, 'SIGTERM');
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
