// A container whose conmon died, as a user meets it: the built CLI against a
// real container. No command kills it: `ps` and `up -d` see it running, the
// same container with the same process; `system doctor` reports it; `down`
// stops it through runc and leaves no process, mount or cgroup behind. And
// conmon, in a cgroup of its own, outlives the session that started it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { closeTestEngine, missingForEngine, openTestEngine, type TestEngine } from '../engines/embedded/engine-helpers.js';
import { runtimeOf } from '../../src/engines/embedded/containers/context.js';
import { openContainerContext } from '../../src/engines/embedded/agent/open-context.js';
import { cgroupDirs, cgroupsPathFor, listHierarchies } from '../../src/engines/embedded/runtime/cgroups.js';
import { inConmonCgroup } from '../../src/engines/embedded/runtime/conmon-cgroup.js';
import { mountsUnder } from '../../src/engines/embedded/snapshots/mount.js';
import { isAlive, type ProcessRef } from '../../src/engines/embedded/state/process-ref.js';
import { BIN, runCli, type CliResult } from './cli.js';

const s = suite('cli lost monitor');
const { ready, test } = requireHost(s, 'lost conmon tests', missingForEngine());
let t: TestEngine | undefined;
let dir = '';
/** Container processes this test started, killed at the end if a failure left them. */
const started: ProcessRef[] = [];
/** Session cgroups this test made. */
const sessions: string[] = [];

function cli(...args: string[]): CliResult {
  const r = runCli(['--progress', 'plain', ...args], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root } });
  if (r.code !== 0) throw new Error(`tscompose ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r;
}

s.before(async () => {
  if (!ready) return;
  t = await openTestEngine();
  dir = mkdtempSync(join(tmpdir(), 'tsc-lostmon-'));
  writeFileSync(join(dir, 'compose.yaml'), 'name: lostmon\nservices:\n  app:\n    image: busybox\n    command: sleep 1000\n');
});

s.after(async () => {
  try {
    if (t && dir) runCli(['down', '-t', '0'], { cwd: dir, env: { TSCOMPOSE_ROOT: t.root } });
    for (const ref of started) if (isAlive(ref)) process.kill(ref.pid, 'SIGKILL');
    for (const d of [...sessions]) endSession(d);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await closeTestEngine(t);
  }
});

test('conmon killed: ps and up -d leave the container running; doctor reports it; down removes everything', async () => {
  cli('up', '-d');
  const [c] = await t!.engine.containers.list({ labels: { 'com.docker.compose.project': 'lostmon' } });
  assert.ok(c, 'the container runs');
  const { id } = c!;
  const pid = (await t!.engine.containers.inspect(id))!.state.pid;
  started.push({ pid });
  const ctr = runtimeOf(openContainerContext(t!.root), id);
  const conmon = ctr.conmonRef()!;
  // Started from the CLI (another process, in our cgroups), conmon was moved into its own.
  assert.ok(inConmonCgroup(conmon.pid), `conmon ${conmon.pid} is not in its cgroup`);

  process.kill(conmon.pid, 'SIGKILL');
  for (let i = 0; i < 100 && isAlive(conmon); i++) await new Promise((r) => setTimeout(r, 50));
  assert.not.ok(isAlive(conmon), 'conmon is gone');

  const ps = cli('ps', '--format', 'json');
  const rows = ps.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ID: string; State: string });
  assert.equal(rows.map((r) => [r.ID.slice(0, 12), r.State]), [[id.slice(0, 12), 'running']], ps.stdout);
  const up = cli('up', '-d');
  assert.is(up.stderr, ' Container lostmon-app-1  Running\n');
  const after = await t!.engine.containers.inspect('lostmon-app-1');
  assert.is(after?.id, id);
  assert.is(after?.state.status, 'running');
  assert.is(after?.state.pid, pid);
  assert.ok(isAlive({ pid }), 'its process was not killed');

  const doctor = runCli(['system', 'doctor'], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root } });
  assert.match(doctor.stdout, /warn +container monitors +container lostmon-app-1: its monitor \(conmon\) is gone; logs and exit status are no longer recorded/);
  assert.match(doctor.stdout, /container monitors: `tscompose restart` \(or `down`\) the services of lostmon-app-1/);

  cli('down', '-t', '1');
  assert.not.ok(isAlive({ pid }), 'down stopped it');
  assert.equal(await t!.engine.containers.list({ all: true, labels: { 'com.docker.compose.project': 'lostmon' } }), []);
  assert.equal(mountsUnder(join(t!.root, 'containers')), []);
  assert.equal(cgroupDirs(cgroupsPathFor(id)), []);
  assert.is(await ctr.runtime.state(id), undefined, 'runc knows it no more');
  assert.not.ok(existsSync(ctr.paths.dir));
  const clean = runCli(['system', 'doctor'], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root } });
  assert.match(clean.stdout, /ok +container monitors +every running container has its conmon/);
});

test('a session ended with all its processes (as a logout or a stopped unit does) leaves the stack running', async () => {
  runCli(['down', '-t', '0'], { cwd: dir, env: { TSCOMPOSE_ROOT: t!.root } }); // whatever a failed test before left
  // The "session": a cgroup of our own in each hierarchy (cpuset left out: a new one takes no process until filled).
  const dirs = [...new Set(listHierarchies().filter((h) => !h.controllers.includes('cpuset')).map((h) => join(h.mountPoint, `tsc-session-${process.pid}`)))];
  for (const d of dirs) mkdirSync(d);
  sessions.push(...dirs);
  const r = spawnSync('sh', ['-c', 'for d in $SESSION_DIRS; do echo $$ > "$d/cgroup.procs" || exit 9; done; exec "$NODE" "$BIN" --progress plain up -d'], {
    cwd: dir, encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TSCOMPOSE_ROOT: t!.root, SESSION_DIRS: dirs.join(' '), NODE: process.execPath, BIN },
  });
  assert.is(r.status, 0, r.stderr);
  const d = (await t!.engine.containers.inspect('lostmon-app-1'))!;
  started.push({ pid: d.state.pid });
  const conmon = runtimeOf(openContainerContext(t!.root), d.id).conmonRef()!;
  for (const dir of dirs) endSession(dir);
  assert.ok(isAlive(conmon), 'conmon outlived the session');
  assert.ok(isAlive({ pid: d.state.pid }), 'so did the container');
  const after = await t!.engine.containers.inspect('lostmon-app-1');
  assert.is(after?.state.status, 'running');
  assert.is(after?.state.pid, d.state.pid);
  assert.is(after?.state.error, undefined);
  cli('down', '-t', '0');
  assert.not.ok(isAlive(conmon));
});

/** Kills every process of a session cgroup (cgroup.kill where the kernel has it), waits for it to be empty, removes it. */
function endSession(dir: string): void {
  const procs = () => readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  if (existsSync(join(dir, 'cgroup.kill'))) writeFileSync(join(dir, 'cgroup.kill'), '1');
  else for (const pid of procs()) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200 && procs().length > 0; i++) spawnSync('sleep', ['0.05']);
  rmdirSync(dir);
  sessions.splice(sessions.indexOf(dir), 1);
}

s.run();
