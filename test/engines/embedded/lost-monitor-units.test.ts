// The lost-conmon report of `system doctor` over a state root made here (no
// container runs: a record says running, its conmon record names a pid that
// is gone, its process is this test's), and /proc/<pid>/cgroup parsing.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { checkContainerMonitors } from '../../../src/engines/embedded/doctor-monitors.js';
import { CONMON_CGROUP } from '../../../src/engines/embedded/runtime/cgroups.js';
import { parseProcCgroup } from '../../../src/engines/embedded/runtime/conmon-cgroup.js';
import { runtimePaths } from '../../../src/engines/embedded/runtime/container-runtime.js';
import { writeJsonAtomic } from '../../../src/util/atomic-file.js';
import { commitRecord, createRecord, updateState } from '../../../src/engines/embedded/state/containers.js';
import { openStateRoot } from '../../../src/engines/embedded/state/root.js';
import { selfRef } from '../../../src/engines/embedded/state/process-ref.js';

const s = suite('lost-monitor units');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tsc-lostmon-units-'));
  dirs.push(d);
  return d;
};
s.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Above any pid_max: never a live process. */
const GONE_PID = 2 ** 22 + 17;

async function runningRecord(rootDir: string, name: string, conmonPid: number): Promise<string> {
  const root = openStateRoot(rootDir);
  const { config } = await createRecord(root, { spec: { name, image: 'busybox', labels: {}, env: {} } });
  await commitRecord(root, config.id);
  await updateState(root, config.id, (st) => ({ ...st, status: 'running', running: true, pid: process.pid }));
  const paths = runtimePaths(rootDir, config.id);
  mkdirSync(paths.dir, { recursive: true });
  writeJsonAtomic(paths.conmonRecord, conmonPid === process.pid ? selfRef() : { pid: conmonPid });
  return config.id;
}

s('a state root that does not exist: nothing to report, and nothing made', () => {
  const missing = join(tempDir(), 'absent');
  const check = checkContainerMonitors(missing);
  assert.equal(check, { name: 'container monitors', ok: true, detail: 'no containers' });
  assert.not.ok(existsSync(missing));
});

s('a running container whose conmon is gone is reported with the fix; an exited one is not', async () => {
  const root = tempDir();
  await runningRecord(root, 'web-1', GONE_PID);
  const ended = await runningRecord(root, 'job-1', GONE_PID);
  mkdirSync(runtimePaths(root, ended).exitDir, { recursive: true });
  writeJsonAtomic(runtimePaths(root, ended).exitFile, 0);
  const check = checkContainerMonitors(root);
  assert.is(check.ok, false);
  assert.is(check.optional, true, 'a warning: the machine can still run the engine');
  assert.is(check.detail, `container web-1: its monitor (conmon) is gone; logs and exit status are no longer recorded (pid ${process.pid} still runs)`);
  assert.match(check.fix ?? '', /`tscompose restart` \(or `down`\) the services of web-1/);
});

s('a live conmon outside its cgroup is reported (this test process stands for it)', async () => {
  const root = tempDir();
  await runningRecord(root, 'api-1', process.pid);
  const check = checkContainerMonitors(root);
  assert.is(check.ok, false);
  assert.match(check.detail, new RegExp(`container api-1: its conmon \\(pid ${process.pid}\\) is not in the cgroup ${CONMON_CGROUP}`));
});

s('parseProcCgroup: v1 controllers, a named hierarchy and the unified one', () => {
  const map = parseProcCgroup('9:name=systemd:/tscompose/conmon\n4:memory:/process_api/abc\n2:cpu,cpuacct:/\n0::/tscompose/conmon\n');
  assert.equal([...map.entries()], [['name=systemd', '/tscompose/conmon'], ['memory', '/process_api/abc'], ['cpu,cpuacct', '/'], ['0', '/tscompose/conmon']]);
  assert.equal([...parseProcCgroup('0::/user.slice/session-3.scope\n').entries()], [['0', '/user.slice/session-3.scope']]);
});

s.run();
