// The embedded engine's containers with real runc/conmon: lifecycle, isolation,
// mounts, volumes, limits. Needs root, runc, conmon, overlayfs and busybox.
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TscError } from '../../../src/util/errors.js';
import { isMounted } from '../../../src/engines/embedded/snapshots/mount.js';
import { readCgroupFile, detectCgroupVersion, cgroupsPathFor } from '../../../src/engines/embedded/runtime/cgroups.js';
import { collector, engineSuite, logLines, rejects, runToEnd, spec } from './engine-helpers.js';

const { s, test } = engineSuite('engine');

test('create, start, list, inspect, stop, remove', async ({ engine, root }) => {
  const c = engine.containers;
  const id = await c.create(spec({ name: 'life', labels: { 'com.docker.compose.project': 'p1', tier: 'web' }, command: ['sleep', '300'] }));
  assert.match(id, /^[0-9a-f]{64}$/);
  let details = await c.inspect('life');
  assert.is(details?.state.status, 'created');
  assert.is(details?.path, 'sleep');
  assert.equal(details?.args, ['300']);
  assert.is((await c.list()).length, 0, 'created is not running');
  assert.is((await c.list({ all: true, labels: { 'com.docker.compose.project': 'p1' } })).length, 1);
  await c.start(id);
  await c.start(id); // already running: nothing to do
  details = await c.inspect(id.slice(0, 12));
  assert.is(details?.state.status, 'running');
  assert.ok(details!.state.pid > 0);
  assert.ok(isMounted(join(root, 'containers', id, 'rootfs')));
  assert.equal((await c.list({ labels: { tier: undefined } })).map((x) => x.name), ['life']);
  assert.equal(await c.list({ labels: { tier: 'db' } }), []);
  assert.equal((await c.list({ names: ['/life'] })).map((x) => x.id), [id]);
  await rejects(c.remove(id), (e: Error) => /cannot remove container "\/life": container is running: stop the container before removing or force remove/.test(e.message));
  await rejects(c.create(spec({ name: 'life' })), (e: Error) => /Conflict\. The container name "\/life" is already in use/.test(e.message));
  // sleep as PID 1 ignores SIGTERM: stop escalates to SIGKILL after the timeout.
  await c.stop(id, { timeoutSeconds: 1 });
  details = await c.inspect(id);
  assert.is(details?.state.status, 'exited');
  assert.is(details?.state.exitCode, 137);
  assert.not.ok(isMounted(join(root, 'containers', id, 'rootfs')));
  await c.stop(id); // stopped: nothing to do
  await c.remove(id);
  assert.is(await c.inspect(id), undefined);
  assert.not.ok(existsSync(join(root, 'containers', id)));
});

test('a missing image is refused with Docker\'s message; nothing is left', async ({ engine }) => {
  await rejects(engine.containers.create(spec({ name: 'noimg', image: 'nope:1' })), (e: Error) => e instanceof TscError && /No such image: nope:1/.test(e.message));
  assert.is(await engine.containers.inspect('noimg'), undefined);
});

test('own pid, uts, ipc and mount namespaces; /etc/hosts and hostname', async ({ engine }) => {
  const { code, out } = await runToEnd(engine, {
    hostname: 'box1', extraHosts: [{ host: 'db.local', ip: '10.1.2.3' }],
    command: ['sh', '-c', 'ps -o pid,args; hostname; cat /etc/hosts; readlink /proc/self/ns/ipc; grep " / " /proc/mounts; exit 3'],
  });
  assert.is(code, 3);
  assert.match(out, /^\s*1 sh -c/m);
  const pids = out.split('\n').filter((l) => /^\s*\d+\s/.test(l));
  assert.ok(pids.length <= 3, out);
  assert.match(out, /^box1$/m);
  assert.match(out, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(out, /^::1\tlocalhost ip6-localhost ip6-loopback$/m);
  assert.match(out, /^10\.1\.2\.3\tdb\.local$/m);
  assert.match(out, /\tbox1$/m);
  assert.match(out, /^ipc:\[\d+\]$/m);
  assert.not.match(out, readlinkSync('/proc/self/ns/ipc'), 'own ipc namespace');
  assert.match(out, /^overlay \/ overlay/m);
});

test('overlay writes stay in the container; the image layers are untouched', async ({ engine, root }) => {
  const { id, code } = await runToEnd(engine, { command: ['sh', '-c', 'echo new > /newfile && echo changed > /etc/passwd'] });
  assert.is(code, 0);
  const upper = join(root, 'containers', id, 'upper');
  assert.is(readFileSync(join(upper, 'newfile'), 'utf8'), 'new\n');
  const { out } = await runToEnd(engine, { command: ['sh', '-c', 'cat /etc/passwd; ls /newfile 2>&1'] });
  assert.match(out, /^root:x:0:0/m);
  assert.match(out, /No such file/);
  // A restart sees its own earlier writes.
  await engine.containers.start(id);
  assert.is(await engine.containers.wait(id), 0);
});

test('binds: read-only refuses writes, a missing host path is made, or refused without createHostPath', async ({ engine, root }) => {
  const hostDir = join(root, 'host-ro');
  mkdirSync(hostDir);
  writeFileSync(join(hostDir, 'f'), 'orig');
  const made = join(root, 'made', 'deep');
  const { code, out } = await runToEnd(engine, {
    mounts: [
      { type: 'bind', source: hostDir, target: '/ro', readOnly: true },
      { type: 'bind', source: made, target: '/made' },
    ],
    command: ['sh', '-c', 'echo x > /ro/f; echo ro=$?; echo hi > /made/g; cat /ro/f'],
  });
  assert.is(code, 0);
  assert.match(out, /Read-only file system/);
  assert.match(out, /^ro=1$/m);
  assert.is(readFileSync(join(hostDir, 'f'), 'utf8'), 'orig');
  assert.is(readFileSync(join(made, 'g'), 'utf8'), 'hi\n');
  // create_host_path: false and no host path: refused at create (as Docker's Mounts API), with nothing left…
  const absent = spec({ mounts: [{ type: 'bind', source: join(root, 'absent'), target: '/x', bind: { createHostPath: false } }], command: ['true'] });
  const before = (await engine.containers.list({ all: true })).length;
  await rejects(engine.containers.create(absent), (e: Error) => /invalid mount config for type "bind": bind source path does not exist: .*\/absent/.test(e.message));
  assert.is((await engine.containers.list({ all: true })).length, before);
  // …and at start, when the path went away after create.
  mkdirSync(join(root, 'absent'));
  const id = await engine.containers.create(absent);
  rmSync(join(root, 'absent'), { recursive: true });
  await rejects(engine.containers.start(id), (e: Error) => /invalid mount config for type "bind": bind source path does not exist: .*\/absent/.test(e.message));
  const after = await engine.containers.inspect(id);
  assert.is(after?.state.status, 'created');
  assert.ok(after?.state.error);
  assert.not.ok(isMounted(join(root, 'containers', id, 'rootfs')));
});

test('named volume: filled from the image on first use, kept across remove and recreate', async ({ engine }) => {
  const mounts = [{ type: 'volume' as const, source: 'tsc-etc', target: '/etc' }];
  const first = await runToEnd(engine, { mounts, command: ['sh', '-c', 'ls /etc; echo kept > /etc/mine'] });
  assert.is(first.code, 0);
  assert.match(first.out, /^passwd$/m);
  const vol = await engine.volumes.inspect('tsc-etc');
  assert.ok(vol, 'created on first use');
  assert.ok(existsSync(join(vol!.mountpoint, 'passwd')));
  await rejects(engine.volumes.remove('tsc-etc'), /in use/);
  await engine.containers.remove(first.id, { volumes: true });
  assert.ok(await engine.volumes.inspect('tsc-etc'), 'a named volume outlives rm -v');
  const second = await runToEnd(engine, { mounts, command: ['cat', '/etc/mine'] });
  assert.is(second.out, 'kept');
  const details = await engine.containers.inspect(second.id);
  assert.is(details?.mounts[0]?.resolvedSource, vol!.mountpoint);
  await engine.containers.remove(second.id);
  await engine.volumes.remove('tsc-etc');
});

test('anonymous volumes are made at create and removed with volumes: true', async ({ engine }) => {
  const before = (await engine.volumes.list()).length;
  const id = await engine.containers.create(spec({ mounts: [{ type: 'volume', target: '/data' }], command: ['sh', '-c', 'echo x > /data/x'] }));
  const details = await engine.containers.inspect(id);
  const name = details!.mounts[0]!.source!;
  assert.match(name, /^[0-9a-f]{64}$/);
  assert.ok((await engine.volumes.inspect(name))?.labels['com.docker.volume.anonymous'] !== undefined);
  await engine.containers.start(id);
  assert.is(await engine.containers.wait(id), 0);
  await engine.containers.remove(id, { volumes: true });
  assert.is(await engine.volumes.inspect(name), undefined);
  assert.is((await engine.volumes.list()).length, before);
});

test('tmpfs with size and mode; memory and pids limits in the cgroup', async ({ engine }) => {
  const mem = 32 * 1024 * 1024;
  const id = await engine.containers.create(spec({
    mounts: [{ type: 'tmpfs', target: '/scratch', tmpfs: { size: 2 * 1024 * 1024, mode: 0o1777 } }],
    resources: { memoryBytes: mem, memorySwapBytes: mem, pidsLimit: 10 },
    command: ['sh', '-c', 'grep " /scratch " /proc/mounts; stat -c %a /scratch; while true; do sleep 1; done'],
  }));
  await engine.containers.start(id);
  const cg = cgroupsPathFor(id);
  assert.is(readCgroupFile(cg, 'memory', detectCgroupVersion() === 1 ? 'memory.limit_in_bytes' : 'memory.max'), String(mem));
  assert.is(readCgroupFile(cg, 'pids', 'pids.max'), '10');
  const err = collector();
  await engine.containers.exec(id, { cmd: ['sh', '-c', 'i=0; while [ $i -lt 30 ]; do sleep 2 >/dev/null 2>&1 & i=$((i+1)); done; wait'] }, { stdout: collector().stream, stderr: err.stream });
  assert.match(err.text(), /fork|Resource temporarily unavailable/i);
  await engine.containers.stop(id, { timeoutSeconds: 0 });
  const out = (await logLines(engine, id)).map((l) => l.line).join('\n');
  assert.match(out, / \/scratch tmpfs .*size=2048k/);
  assert.match(out, /nosuid,nodev,noexec/);
  assert.match(out, /^1777$/m);
});

test('networks are recorded: create, inspect, list by label, remove', async ({ engine }) => {
  const n = await engine.networks.create({ name: 'tsc-net', labels: { 'com.docker.compose.project': 'p1' }, internal: true, ipam: { config: [{ subnet: '172.30.0.0/16', gateway: '172.30.0.1' }] } });
  assert.is(n.driver, 'bridge');
  assert.equal(n.subnets, [{ subnet: '172.30.0.0/16', gateway: '172.30.0.1' }]);
  assert.is((await engine.networks.inspect('tsc-net'))?.id, n.id);
  assert.is((await engine.networks.inspect(n.id.slice(0, 12)))?.name, 'tsc-net');
  assert.equal((await engine.networks.list({ labels: { 'com.docker.compose.project': 'p1' } })).map((x) => x.name), ['tsc-net']);
  await rejects(engine.networks.create({ name: 'tsc-net' }), /already exists/);
  await rejects(engine.networks.create({ name: 'host' }), /pre-defined/);
  await engine.networks.remove('tsc-net');
  assert.is(await engine.networks.inspect('tsc-net'), undefined);
});

s.run();
