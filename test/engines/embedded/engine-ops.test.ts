// The embedded engine's container operations with real containers: logs
// (follow, restarts), wait, exec, pause, top, cp, surviving the caller, repair.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openContainerContext } from '../../../src/engines/embedded/agent/open-context.js';
import { repairStateRoot } from '../../../src/engines/embedded/engine.js';
import { runtimeOf, withContainerLock } from '../../../src/engines/embedded/containers/context.js';
import { LOST_MONITOR_EXIT } from '../../../src/engines/embedded/containers/lost-monitor.js';
import { isMounted, mountOverlay } from '../../../src/engines/embedded/snapshots/mount.js';
import { collector, engineSuite, logLines, rejects, spec } from './engine-helpers.js';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const { s, test } = engineSuite('engine-ops');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('logs keep stdout and stderr apart, tail and since, and every run of a restarted container', async ({ engine }) => {
  const id = await engine.containers.create(spec({ command: ['sh', '-c', 'echo out-$$; echo err >&2'] }));
  await engine.containers.start(id);
  assert.is(await engine.containers.wait(id), 0);
  await engine.containers.start(id);
  assert.is(await engine.containers.wait(id), 0);
  const lines = await logLines(engine, id);
  assert.equal(lines.filter((l) => l.stream === 'stderr').map((l) => l.line), ['err', 'err']);
  assert.equal(lines.filter((l) => l.stream === 'stdout').map((l) => l.line), ['out-1', 'out-1']);
  const tail: string[] = [];
  for await (const e of engine.containers.logs(id, { tail: 1 })) tail.push(e.line);
  assert.is(tail.length, 1);
  const future: string[] = [];
  for await (const e of engine.containers.logs(id, { since: new Date(Date.now() + 60_000).toISOString() })) future.push(e.line);
  assert.equal(future, []);
  const recent: string[] = [];
  for await (const e of engine.containers.logs(id, { since: '10m' })) recent.push(e.line);
  assert.is(recent.length, 4);
});

test('logs follow: new lines as they come, ends when the container stops', async ({ engine }) => {
  // line2 waits for /go, which this test makes only after following has delivered line1.
  const id = await engine.containers.create(spec({ command: ['sh', '-c', 'echo line1; until [ -e /go ]; do sleep 0.05; done; echo line2; echo line3'] }));
  await engine.containers.start(id);
  const seen: string[] = [];
  for await (const e of engine.containers.logs(id, { follow: true })) {
    seen.push(e.line);
    if (e.line === 'line1') assert.is(await engine.containers.exec(id, { cmd: ['touch', '/go'] }, { stdout: collector().stream, stderr: collector().stream }), 0);
  }
  assert.equal(seen, ['line1', 'line2', 'line3']);
  assert.is((await engine.containers.inspect(id))?.state.status, 'exited');
});

test('logs follow stops on abort', async ({ engine }) => {
  const id = await engine.containers.create(spec({ command: ['sh', '-c', 'echo first; sleep 300'] }));
  await engine.containers.start(id);
  const ac = new AbortController();
  const seen: string[] = [];
  for await (const e of engine.containers.logs(id, { follow: true, signal: ac.signal })) {
    seen.push(e.line);
    // Aborted while following a container that says nothing more.
    setTimeout(() => ac.abort(), 200);
  }
  assert.equal(seen, ['first']);
  await engine.containers.remove(id, { force: true });
});

test('wait returns the exit code; exec passes exit codes, output, user, env, workdir, tty and detach', async ({ engine }) => {
  const id = await engine.containers.create(spec({ command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done'] }));
  const waited = engine.containers.wait(id);
  await engine.containers.start(id);
  const c = engine.containers;
  assert.is(await c.exec(id, { cmd: ['sh', '-c', 'exit 7'] }, { stdout: collector().stream, stderr: collector().stream }), 7);
  const out = collector();
  assert.is(await c.exec(id, { cmd: ['sh', '-c', 'echo $(id -u) $FOO $(pwd)'], user: 'nobody', env: { FOO: 'bar' }, workingDir: '/tmp' }, { stdout: out.stream, stderr: out.stream }), 0);
  assert.is(out.text().trim(), '65534 bar /tmp');
  const tty = collector();
  assert.is(await c.exec(id, { cmd: ['sh', '-c', 'test -t 1 && echo is-a-tty'], tty: true }, { stdout: tty.stream, stderr: tty.stream }), 0);
  assert.match(tty.text(), /is-a-tty/);
  const quiet = () => ({ stdout: collector().stream, stderr: collector().stream });
  assert.is(await c.exec(id, { cmd: ['sh', '-c', 'sleep 0.3; touch /tmp/detached'], detach: true }, quiet()), 0);
  let done = 1;
  for (let i = 0; i < 600 && done !== 0; i++) {
    done = await c.exec(id, { cmd: ['test', '-f', '/tmp/detached'] }, quiet());
    if (done !== 0) await sleep(100);
  }
  assert.is(done, 0, 'the detached process ran on');
  assert.not.ok(await c.exec(id, { cmd: ['/no/such'] }, { stdout: collector().stream, stderr: collector().stream }) === 0);
  await c.stop(id);
  assert.is(await waited, 0);
  await rejects(c.exec(id, { cmd: ['true'] }, { stdout: collector().stream, stderr: collector().stream }), /is not running/);
});

test('pause and unpause; top lists the processes in ps -ef columns', async ({ engine }) => {
  const id = await engine.containers.create(spec({ command: ['sh', '-c', 'while true; do sleep 1; done'] }));
  await engine.containers.start(id);
  const top = await engine.containers.top(id);
  assert.equal(top.titles, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  assert.ok(top.processes.some((p) => p[0] === 'root' && /while true/.test(p[7]!)), JSON.stringify(top));
  await engine.containers.pause(id);
  assert.is((await engine.containers.inspect(id))?.state.status, 'paused');
  await rejects(engine.containers.start(id), /cannot start a paused container/);
  await engine.containers.unpause(id);
  const d = await engine.containers.inspect(id);
  assert.is(d?.state.status, 'running');
  assert.is(d?.state.paused, false);
  await engine.containers.kill(id);
  assert.is((await engine.containers.inspect(id))?.state.exitCode, 137);
});

test('copyTo and copyFrom, running and stopped, never out through a symlink', async ({ engine, root }) => {
  const host = join(root, 'cp');
  mkdirSync(host);
  writeFileSync(join(host, 'in.txt'), 'to the container');
  const vol = [{ type: 'volume' as const, source: 'tsc-cp', target: '/vol' }];
  const id = await engine.containers.create(spec({ mounts: vol, command: ['sh', '-c', 'echo made > /made.txt; ln -s /etc /escape; while true; do sleep 1; done'] }));
  await engine.containers.start(id);
  for (let i = 0; i < 600 && await engine.containers.exec(id, { cmd: ['test', '-L', '/escape'] }, { stdout: collector().stream, stderr: collector().stream }) !== 0; i++) await sleep(100);
  await engine.containers.copyTo(id, join(host, 'in.txt'), '/tmp');
  await engine.containers.copyTo(id, join(host, 'in.txt'), '/vol/renamed.txt');
  await engine.containers.copyFrom(id, '/made.txt', host);
  assert.is(readFileSync(join(host, 'made.txt'), 'utf8'), 'made\n');
  const out = collector();
  await engine.containers.exec(id, { cmd: ['cat', '/tmp/in.txt', '/vol/renamed.txt'] }, { stdout: out.stream, stderr: out.stream });
  assert.is(out.text(), 'to the containerto the container');
  // /escape -> /etc is the container's /etc, not the host's.
  await engine.containers.copyFrom(id, '/escape/passwd', join(host, 'passwd'));
  assert.is(readFileSync(join(host, 'passwd'), 'utf8'), readFileSync(join(host, 'passwd'), 'utf8'));
  assert.not.match(readFileSync(join(host, 'passwd'), 'utf8'), /^daemon:/m);
  await engine.containers.stop(id, { timeoutSeconds: 0 });
  await engine.containers.copyTo(id, join(host, 'in.txt'), '/stopped.txt');
  await engine.containers.copyFrom(id, '/vol/renamed.txt', join(host, 'from-volume.txt'));
  assert.is(readFileSync(join(host, 'from-volume.txt'), 'utf8'), 'to the container');
  await engine.containers.copyFrom(id, '/stopped.txt', join(host, 'back.txt'));
  assert.is(readFileSync(join(host, 'back.txt'), 'utf8'), 'to the container');
  assert.not.ok(isMounted(join(root, 'containers', id, 'rootfs')), 'the rootfs mounted for the copy is unmounted');
  await rejects(engine.containers.copyFrom(id, '/nope', host), /Could not find the file \/nope/);
  await engine.containers.remove(id);
  await engine.volumes.remove('tsc-cp');
});

test('a container keeps running after the process that started it is SIGKILLed', async ({ engine, root }) => {
  const script = join(root, 'starter.mts');
  writeFileSync(script, `
    import { createEmbeddedEngine } from ${JSON.stringify(join(repoRoot, 'src/engines/embedded/engine.ts'))};
    const engine = await createEmbeddedEngine({ root: ${JSON.stringify(root)} });
    const id = await engine.containers.create({ name: 'survivor', image: 'busybox', labels: {}, env: {}, command: ['sleep', '300'] });
    await engine.containers.start(id);
    console.log(id);
    process.kill(process.pid, 'SIGKILL');
  `);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const signal = await new Promise<string | null>((res) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); res('timeout'); }, 60_000);
    child.on('exit', (_c, sig) => { clearTimeout(timer); res(sig); });
  });
  assert.is(signal, 'SIGKILL', out);
  const d = await engine.containers.inspect('survivor');
  assert.is(d?.state.status, 'running', out);
  assert.ok(existsSync(`/proc/${d!.state.pid}`));
  await engine.containers.remove('survivor', { force: true });
});

test('repair after a crash: conmon killed (its container left running, then stopped through runc), a rootfs left mounted', async ({ engine, root }) => {
  const ctx = openContainerContext(root);
  const id = await engine.containers.create(spec({ command: ['sleep', '300'] }));
  await engine.containers.start(id);
  const ref = runtimeOf(ctx, id).conmonRef()!;
  process.kill(ref.pid, 'SIGKILL');
  for (let i = 0; i < 50 && existsSync(`/proc/${ref.pid}`); i++) await sleep(50);
  // A stopped container whose rootfs a killed `cp` left mounted.
  const other = await engine.containers.create(spec({ command: ['true'] }));
  const dir = join(root, 'containers', other);
  const image = await ctx.images.resolveImage('busybox');
  await mountOverlay({ lowerDirs: [...image.layerDirs].reverse(), upperDir: join(dir, 'upper'), workDir: join(dir, 'work'), target: join(dir, 'rootfs') });
  const pid = (await engine.containers.inspect(id))!.state.pid;
  const report = await repairStateRoot(ctx);
  // Its process still runs: left running (lost-monitor.ts), noted, and stopped by `stop` through runc.
  assert.ok(report.runtime.unmonitored.includes(id), JSON.stringify(report));
  assert.not.ok(report.runtime.deleted.includes(id), JSON.stringify(report));
  assert.ok(report.unmounted.includes(join(dir, 'rootfs')), JSON.stringify(report));
  const d = await engine.containers.inspect(id);
  assert.is(d?.state.status, 'running');
  assert.is(d?.state.pid, pid);
  assert.match(d?.state.error ?? '', /monitor \(conmon\) is gone/);
  assert.ok(isMounted(join(root, 'containers', id, 'rootfs')));
  await engine.containers.stop(id, { timeoutSeconds: 1 });
  const stopped = await engine.containers.inspect(id);
  assert.is(stopped?.state.status, 'exited');
  assert.is(stopped?.state.exitCode, LOST_MONITOR_EXIT);
  assert.match(stopped?.state.error ?? '', /exit status could not be retrieved/);
  const left = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  assert.not.ok(left && !/^\d+ \(.*\) Z /.test(left), `process ${pid} still runs: ${left}`);
  assert.not.ok(isMounted(join(root, 'containers', id, 'rootfs')));
  await engine.containers.start(id);
  assert.is((await engine.containers.inspect(id))?.state.status, 'running', 'it starts again after repair');
  await engine.containers.remove(id, { force: true });
  await engine.containers.remove(other);
});

test('repair leaves alone the rootfs of a container another command is starting (its lock held)', async ({ engine, root }) => {
  const ctx = openContainerContext(root);
  const id = await engine.containers.create(spec({ command: ['true'] }));
  const dir = join(root, 'containers', id);
  const rootfs = join(dir, 'rootfs');
  const image = await ctx.images.resolveImage('busybox');
  let settled = false;
  let repair: Promise<unknown> | undefined;
  // As startContainer does: the lock held, the rootfs mounted, the record still "created".
  await withContainerLock(ctx, id, 'test start', async () => {
    await mountOverlay({ lowerDirs: [...image.layerDirs].reverse(), upperDir: join(dir, 'upper'), workDir: join(dir, 'work'), target: rootfs });
    repair = repairStateRoot(ctx).finally(() => (settled = true));
    await sleep(500);
    assert.ok(isMounted(rootfs), 'repair unmounted the rootfs of a container being started');
    assert.ok(existsSync(join(rootfs, 'bin', 'sleep')));
    assert.not.ok(settled, 'repair did not wait for the container\'s lock');
  });
  // Released without a run: now it is a leftover, and repair unmounts it.
  const report = await repair as Awaited<ReturnType<typeof repairStateRoot>>;
  assert.ok(report.unmounted.includes(rootfs), JSON.stringify(report));
  assert.not.ok(isMounted(rootfs));
  await engine.containers.remove(id);
});

s.run();
