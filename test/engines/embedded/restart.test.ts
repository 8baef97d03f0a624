// Restart policies with real containers, no tscompose process in the
// foreground: conmon's exit hook wakes (or starts) the agent, whose restart
// service restarts with Docker's backoff; `system boot` after a simulated reboot.
import { suite } from '../../harness.js';
import { requireHost } from '../../host.js';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerDetails, ContainerSpec } from '../../../src/engine/types.js';
import { stopAgent } from '../../../src/engines/embedded/agent/ensure.js';
import { agentPaths } from '../../../src/engines/embedded/agent/paths.js';
import { readAgentPid } from '../../../src/engines/embedded/agent/pidfile.js';
import { runtimeOf } from '../../../src/engines/embedded/containers/context.js';
import { LOST_MONITOR_EXIT } from '../../../src/engines/embedded/containers/lost-monitor.js';
import { containerLayout } from '../../../src/engines/embedded/containers/layout.js';
import { openContainerContext } from '../../../src/engines/embedded/agent/open-context.js';
import { ensureDnsAgent } from '../../../src/engines/embedded/agent/dns-agent.js';
import { bootStateRoot } from '../../../src/engines/embedded/boot.js';
import { performRestart } from '../../../src/engines/embedded/agent/restart-perform.js';
import { exitPending } from '../../../src/engines/embedded/agent/restart-on-exit.js';
import { readRestartRecord, type RestartRecord } from '../../../src/engines/embedded/restart/records.js';
import { restartExtra } from '../../../src/engines/embedded/restart/restart-state.js';
import { mountsUnder, unmount } from '../../../src/engines/embedded/snapshots/mount.js';
import { readRecord } from '../../../src/engines/embedded/state/containers.js';
import { isAlive } from '../../../src/engines/embedded/state/process-ref.js';
import { openStateRoot } from '../../../src/engines/embedded/state/root.js';
import { agentPidsOf, closeTestEngine, logLines, missingForEngine, openTestEngine, spec, type TestEngine } from './engine-helpers.js';

const s = suite('restart');
let t: TestEngine | undefined;
const { ready, test } = requireHost(s, 'restart tests', missingForEngine());
const agentPids = new Set<number>();
const scratch: string[] = [];

s.before(async () => {
  if (ready) t = await openTestEngine();
});

s.after(async () => {
  const root = t?.root;
  try {
    if (t) noteAgent();
    await closeTestEngine(t);
  } finally {
    // Agents of this root: the ones seen, and any an exit hook started meanwhile.
    for (const pid of [...agentPids, ...(root ? agentPidsOf(root) : [])]) if (isAlive({ pid })) process.kill(pid, 'SIGKILL');
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  }
});


function noteAgent(): number | undefined {
  const pid = t ? readAgentPid(agentPaths(t.root).pidFile)?.pid : undefined;
  if (pid) agentPids.add(pid);
  return pid;
}

async function until<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${String(JSON.stringify(v, null, 1)).slice(0, 600)}`);
    await sleep(50);
  }
}

const inspect = async (id: string) => (await t!.engine.containers.inspect(id))!;
/** The record as the agent left it: exited, and its exit decided on (no restart coming). */
const settled = (id: string) => {
  const r = readRecord(openStateRoot(t!.root), id)!;
  return r.state.status === 'exited' && restartExtra(r.state).decided === r.state.finishedAt ? r.state : undefined;
};
const running = (d: ContainerDetails) => d.state.status === 'running' && d.state.pid > 0;

async function startWith(partial: Partial<ContainerSpec>): Promise<string> {
  const id = await t!.engine.containers.create(spec(partial));
  await t!.engine.containers.start(id);
  return id;
}

test('on-failure:2 restarts twice, then stays exited with its code and a count of 2', async () => {
  const id = await startWith({ command: ['sh', '-c', 'echo run; exit 3'], restartPolicy: { name: 'on-failure', maximumRetryCount: 2 } });
  const state = await until('on-failure to give up', () => settled(id), (v) => v !== undefined && v.restartCount === 2);
  noteAgent();
  assert.is(state!.exitCode, 3);
  const d = await inspect(id);
  assert.is(d.state.restartCount, 2);
  assert.is(d.state.exitCode, 3);
  assert.not.ok(d.state.restarting);
  // Every run's output is kept.
  assert.is((await logLines(t!.engine, id)).filter((l) => l.line === 'run').length, 3);
});

test('always: back after its pid 1 is SIGKILLed from the host, with growing delays', async () => {
  const id = await startWith({ command: ['sh', '-c', 'echo up; exec sleep 1000'], restartPolicy: { name: 'always' } });
  const delays: number[] = [];
  let d = await until('running', () => inspect(id), running);
  for (let i = 0; i < 4; i++) {
    const before = d.state.startedAt;
    process.kill(d.state.pid, 'SIGKILL');
    d = await until(`restart ${i + 1}`, () => inspect(id), (x) => running(x) && x.state.startedAt !== before);
    assert.is(d.state.restartCount, i + 1);
    // What the agent decided for this exit (not a wall-clock gap, which load stretches).
    const state = readRecord(openStateRoot(t!.root), id)!.state;
    delays.push(restartExtra(state).delayMs);
    assert.is(restartExtra(state).decided, d.state.finishedAt, 'the restart answers the exit just seen');
    // Causality only: the restart cannot come before its backoff is over (load can only make it later).
    assert.ok(Date.parse(d.state.startedAt) >= Date.parse(d.state.finishedAt) + delays[i]! - 20,
      `restart ${i + 1} started at ${d.state.startedAt}, before the ${delays[i]} ms backoff after ${d.state.finishedAt}`);
  }
  noteAgent();
  assert.equal(delays, [100, 200, 400, 800]);
  assert.is(d.state.exitCode, 0);
  await t!.engine.containers.remove(id, { force: true });
});

test('unless-stopped and always stay down after stop; kill cancels a policy too', async () => {
  const a = await startWith({ command: ['sleep', '1000'], restartPolicy: { name: 'unless-stopped' } });
  const b = await startWith({ command: ['sleep', '1000'], restartPolicy: { name: 'always' } });
  const c = await startWith({ command: ['sleep', '1000'], restartPolicy: { name: 'always' } });
  await t!.engine.containers.stop(a, { timeoutSeconds: 1 });
  await t!.engine.containers.stop(b, { timeoutSeconds: 1 });
  await t!.engine.containers.kill(c);
  for (const id of [a, b, c]) await until('the agent to decide', () => settled(id), (v) => v !== undefined);
  await sleep(1000);
  for (const id of [a, b, c]) {
    const d = await inspect(id);
    assert.is(d.state.status, 'exited');
    assert.is(d.state.restartCount, 0);
  }
  noteAgent();
  for (const id of [a, b, c]) await t!.engine.containers.remove(id, { force: true });
});

test('restarts happen with the agent killed: the exit hook brings it back', async () => {
  const id = await startWith({ command: ['sleep', '1000'], restartPolicy: { name: 'always' } });
  await ensureDnsAgent(t!.root);
  const first = noteAgent()!;
  process.kill(first, 'SIGKILL');
  await until('the agent to die', () => isAlive({ pid: first }), (alive) => !alive);
  const d = await until('running', () => inspect(id), running);
  // The container outlives the agent.
  assert.ok(isAlive({ pid: d.state.pid }));
  process.kill(d.state.pid, 'SIGKILL');
  const after = await until('the restart', () => inspect(id), (x) => running(x) && x.state.startedAt !== d.state.startedAt);
  assert.is(after.state.restartCount, 1);
  const second = noteAgent();
  assert.ok(second && second !== first && isAlive({ pid: second }), 'a new agent runs');
  await t!.engine.containers.remove(id, { force: true });
});

/** Processes whose command line names the container: its conmon, runc, or a pending exit hook. */
function processesOf(id: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(id)) out.push(Number(name));
    } catch { /* gone */ }
  }
  return out;
}

test('agent killed in the middle of a backoff: restarted once when it is back', async () => {
  const data = mkdtempSync(join(tmpdir(), 'tsc-restart-data-'));
  scratch.push(data);
  // Fails until /data/stay exists; each failure doubles the backoff (100 ms, 200 ms, … 6.4 s).
  const script = 'n=$(cat /data/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/n; echo run $n; [ -e /data/stay ] && exec sleep 1000; exit 1';
  const id = await startWith({ command: ['sh', '-c', script], restartPolicy: { name: 'always' }, mounts: [{ type: 'bind', source: data, target: '/data' }] });
  const root = openStateRoot(t!.root);
  // The premise, decided by the engine and not by timing: the agent is dead while a restart is
  // recorded and not yet done, and nothing else (no conmon, no exit hook) is left to start another
  // agent. A loaded machine may miss a short backoff: then try the next, longer one.
  let rec: RestartRecord | undefined;
  for (let attempt = 0; !rec; attempt++) {
    assert.ok(attempt < 8, 'never caught the agent in a backoff');
    const seen = await until('a backoff with no exit hook pending', () => ({ r: readRecord(root, id)!.state, rec: readRestartRecord(t!.root, id), procs: processesOf(id) }),
      (v) => v.r.status === 'restarting' && v.rec?.exitedAt === v.r.finishedAt && v.procs.length === 0, 60_000);
    const pid = noteAgent()!;
    if (isAlive({ pid })) process.kill(pid, 'SIGKILL');
    await until('the agent to die', () => isAlive({ pid }), (alive) => !alive);
    const now = readRecord(root, id)!.state;
    if (now.status === 'restarting' && readRestartRecord(t!.root, id)?.exitedAt === seen.rec!.exitedAt && agentPidsOf(t!.root).length === 0) rec = seen.rec;
    else await ensureDnsAgent(t!.root);
  }
  const runs = readFileSync(join(data, 'n'), 'utf8').trim();
  // Past the due time with no agent: nothing restarts it, and it shows as restarting.
  await sleep(Math.max(0, Date.parse(rec.dueAt) - Date.now()) + 500);
  assert.is((await inspect(id)).state.status, 'restarting');
  assert.ok((await inspect(id)).state.restarting);
  assert.is(readFileSync(join(data, 'n'), 'utf8').trim(), runs);

  writeFileSync(join(data, 'stay'), '');
  await ensureDnsAgent(t!.root);
  noteAgent();
  const d = await until('the restart', () => inspect(id), running);
  assert.is(d.state.restartCount, rec.attempt);
  // The stale record (the same exit) does nothing now: exactly once.
  assert.is(await performRestart(openContainerContext(t!.root), rec), 'stale');
  await sleep(1500);
  const last = String(Number(runs) + 1);
  assert.is(readFileSync(join(data, 'n'), 'utf8').trim(), last);
  const again = await inspect(id);
  assert.is(again.state.startedAt, d.state.startedAt);
  assert.is((await logLines(t!.engine, id)).filter((l) => l.line === `run ${last}`).length, 1);
  await t!.engine.containers.remove(id, { force: true });
});

test('conmon killed: the container runs on; when its process ends, the agent finalizes it (no exit status) and on-failure restarts it', async () => {
  const id = await startWith({ command: ['sleep', '1000'], restartPolicy: { name: 'on-failure' } });
  const ctx = openContainerContext(t!.root);
  const before = await until('running', () => inspect(id), running);
  const conmon = runtimeOf(ctx, id).conmonRef()!;
  process.kill(conmon.pid, 'SIGKILL');
  await until('conmon to die', () => isAlive(conmon), (alive) => !alive);
  const adopted = await inspect(id);
  assert.is(adopted.state.status, 'running');
  assert.is(adopted.state.pid, before.state.pid);
  // Nothing for the agent's scan to do while the process runs (a /proc read tells).
  assert.not.ok(exitPending(ctx, readRecord(ctx.root, id)!));
  process.kill(before.state.pid, 'SIGKILL');
  // Read without syncing: the agent, not this test, must notice the end.
  const state = await until('the agent to restart it', () => readRecord(ctx.root, id)!.state, (st) => st.status === 'running' && st.restartCount === 1 && st.pid !== before.state.pid);
  noteAgent();
  assert.ok(isAlive(runtimeOf(ctx, id).conmonRef()!), 'the new run has its conmon');
  assert.is(state.error, undefined);
  await t!.engine.containers.remove(id, { force: true });
});

test('system boot after a simulated reboot starts always and unless-stopped (unless stopped by the user)', async () => {
  const policies = { always: { name: 'always' }, unless: { name: 'unless-stopped' }, none: { name: 'no' } } as const;
  const always = await startWith({ command: ['sleep', '1000'], restartPolicy: policies.always });
  const unless = await startWith({ command: ['sleep', '1000'], restartPolicy: policies.unless });
  const stopped = await startWith({ command: ['sleep', '1000'], restartPolicy: policies.unless });
  const plain = await startWith({ command: ['sleep', '1000'], restartPolicy: policies.none });
  const never = await t!.engine.containers.create(spec({ command: ['sleep', '1000'], restartPolicy: policies.always }));
  await t!.engine.containers.stop(stopped, { timeoutSeconds: 1 });
  await until('the agent to decide', () => settled(stopped), (v) => v !== undefined);

  // The reboot: no agent, no conmon, no runc state, no mounts.
  noteAgent();
  await stopAgent(t!.root);
  const ctx = openContainerContext(t!.root);
  for (const id of [always, unless, plain]) {
    const ctr = runtimeOf(ctx, id);
    const conmon = ctr.conmonRef()!;
    process.kill(conmon.pid, 'SIGKILL');
    await until('conmon to die', () => isAlive(conmon), (alive) => !alive);
    await ctr.runtime.kill(id, 'SIGKILL').catch(() => undefined);
    await sleep(100);
    await ctr.runtime.delete(id, { force: true });
    for (const m of mountsUnder(containerLayout(openStateRoot(t!.root).container(id)).dir).reverse()) await unmount(m);
  }

  const result = await bootStateRoot({ root: t!.root });
  const nameOf = (id: string) => readRecord(ctx.root, id)!.config.name;
  // Earlier tests' containers are exited on-failure ones (not started) or removed.
  assert.equal(result.started.sort(), [always, unless].map(nameOf).sort());
  assert.equal(result.failed, []);
  for (const id of [always, unless]) assert.ok(running(await inspect(id)), 'started at boot');
  assert.is((await inspect(stopped)).state.status, 'exited');
  assert.is((await inspect(plain)).state.status, 'exited');
  // Its conmon died before its process: the exit status is lost.
  assert.is((await inspect(plain)).state.exitCode, LOST_MONITOR_EXIT);
  assert.is((await inspect(never)).state.status, 'created');

  // Idempotent: nothing more to start.
  const second = await bootStateRoot({ root: t!.root });
  assert.equal(second.started, []);
  noteAgent();
});

s.run();
