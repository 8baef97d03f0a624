import { suite } from '../../harness.js';
import { requireHost } from '../../host.js';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerSpec } from '../../../src/engine/types.js';
import { DEFAULT_STATE_ROOT, openStateRoot, resolveStateRoot, type StateRoot } from '../../../src/engines/embedded/state/root.js';
import { beginRemove, commitRecord, createRecord, findRecord, listRecords, readRecord, removeRecord, renameRecord, resolveContainerId, updateState } from '../../../src/engines/embedded/state/containers.js';
import { generateId, shortId } from '../../../src/engines/embedded/state/ids.js';
import { claimName, lookupName } from '../../../src/engines/embedded/state/name-index.js';
import { repairRecords } from '../../../src/engines/embedded/state/repair.js';
import { writeJsonAtomic } from '../../../src/util/atomic-file.js';
import { TscError } from '../../../src/util/errors.js';

const spec = (name: string): ContainerSpec => ({ name, image: 'busybox', labels: { 'com.docker.compose.project': 'demo' }, env: {} });

/** A pid that certainly belonged to a process that is gone now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

async function made(root: StateRoot, name: string) {
  const record = await createRecord(root, { spec: spec(name) });
  await commitRecord(root, record.config.id);
  return record.config.id;
}

const r = suite('state: root');

r('resolveStateRoot: --root, then TSCOMPOSE_ROOT, then /var/lib/tscompose', () => {
  assert.is(resolveStateRoot({ flag: '/a', env: { TSCOMPOSE_ROOT: '/b' } }), '/a');
  assert.is(resolveStateRoot({ env: { TSCOMPOSE_ROOT: '/b' } }), '/b');
  assert.is(resolveStateRoot({ env: {} }), DEFAULT_STATE_ROOT);
  assert.is(resolveStateRoot({ flag: '/x/../y/', env: {} }), '/y');
});

r('openStateRoot makes the layout with safe modes, and opens it again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-root-'));
  try {
    const root = openStateRoot(join(dir, 'state'));
    for (const d of ['images', 'snapshots', 'containers', 'volumes', 'runtime', 'locks', 'tmp']) assert.ok(statSync(join(root.path, d)).isDirectory(), d);
    assert.is(statSync(root.containers).mode & 0o777, 0o700);
    assert.is(statSync(root.locks).mode & 0o777, 0o700);
    assert.is(statSync(root.volumes).mode & 0o777, 0o700, 'volumes: other host users cannot even traverse');
    assert.is(statSync(root.path).mode & 0o777, 0o700);
    writeFileSync(join(root.containers, 'keep'), '');
    const again = openStateRoot(join(dir, 'state'));
    assert.ok(existsSync(join(again.containers, 'keep')));
    assert.is(again.container('abc'), join(dir, 'state', 'containers', 'abc'));
    // A root made looser (an older version, a careless chmod) is tightened; one writable by others, or not ours, is refused.
    chmodSync(root.volumes, 0o711);
    openStateRoot(join(dir, 'state'));
    assert.is(statSync(root.volumes).mode & 0o777, 0o700);
    chmodSync(root.images, 0o777);
    assert.throws(() => openStateRoot(join(dir, 'state')), /images is writable by other users \(mode 777\)/);
    chmodSync(root.images, 0o700);
    if (process.getuid?.() === 0) {
      chownSync(root.locks, 1000, 1000);
      assert.throws(() => openStateRoot(join(dir, 'state')), /locks belongs to uid 1000, not to this user/);
      chownSync(root.locks, 0, 0);
    }
    rmSync(root.snapshots, { recursive: true });
    writeFileSync(root.snapshots, '');
    assert.throws(() => openStateRoot(join(dir, 'state')), /is not a directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

r.run();

const s = suite('state: container records', { dir: '', root: undefined as unknown as StateRoot });

s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'tsc-records-'));
  ctx.root = openStateRoot(ctx.dir);
});

s.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

s('ids are 64 hex digits, short ids 12', () => {
  const id = generateId();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.is(shortId(id), id.slice(0, 12));
});

s('create, read, update, list, remove', async ({ root }) => {
  const rec = await createRecord(root, { spec: spec('demo-web-1'), extra: { imageId: 'sha256:x' } });
  assert.is(rec.state.phase, 'creating');
  assert.equal(listRecords(root), [], 'a record being made is not listed');
  assert.is(listRecords(root, { includeCreating: true }).length, 1);
  await commitRecord(root, rec.config.id);
  const read = readRecord(root, rec.config.id)!;
  assert.is(read.config.name, 'demo-web-1');
  assert.is(read.config.extra.imageId, 'sha256:x');
  assert.is(read.state.phase, 'ready');
  assert.is(read.state.status, 'created');
  assert.is(read.state.startedAt, '0001-01-01T00:00:00Z');
  await updateState(root, rec.config.id, (st) => ({ ...st, status: 'running', running: true, pid: 42 }));
  assert.is(readRecord(root, rec.config.id)!.state.pid, 42);
  assert.is(readRecord(root, rec.config.id)!.config.spec.image, 'busybox', 'config is untouched by state updates');
  assert.equal(listRecords(root).map((x) => x.config.name), ['demo-web-1']);
  removeRecord(root, rec.config.id);
  assert.equal(listRecords(root), []);
  assert.is(lookupName(root, 'demo-web-1'), undefined);
  removeRecord(root, rec.config.id); // idempotent
  assert.equal(readdirSync(root.tmp), []);
});

s('names are unique, with Docker\'s conflict message, and free again after remove', async ({ root }) => {
  const id = await made(root, 'web');
  try {
    await createRecord(root, { spec: spec('/web') });
    assert.unreachable('name conflict expected');
  } catch (error) {
    assert.is((error as TscError).code, 'NAME_CONFLICT');
    assert.is((error as Error).message, `Conflict. The container name "/web" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`);
  }
  assert.is(listRecords(root, { includeCreating: true }).length, 1, 'the losing record is not left behind');
  removeRecord(root, id);
  await made(root, 'web');
});

s('eight creates of one name at once: exactly one wins', async ({ root }) => {
  const results = await Promise.allSettled(Array.from({ length: 8 }, () => createRecord(root, { spec: spec('same') })));
  assert.is(results.filter((x) => x.status === 'fulfilled').length, 1);
  assert.is(listRecords(root, { includeCreating: true }).length, 1);
});

s('invalid names are refused as Docker does', async ({ root }) => {
  try {
    await createRecord(root, { spec: spec('bad name') });
    assert.unreachable();
  } catch (error) {
    assert.is((error as Error).message, 'Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
  }
});

s('lookup by full id, name, /name, and unique prefix; ambiguous prefix is an error', async ({ root }) => {
  const a = await made(root, 'alpha');
  const b = await made(root, 'beta');
  assert.is(resolveContainerId(root, a), a);
  assert.is(resolveContainerId(root, 'alpha'), a);
  assert.is(resolveContainerId(root, '/beta'), b);
  assert.is(resolveContainerId(root, shortId(a)), a);
  assert.throws(() => resolveContainerId(root, 'nope'), /No such container: nope/);
  assert.is(findRecord(root, 'nope'), undefined);
  // A name that looks like a prefix of another container's id wins as a name.
  const c = await made(root, a.slice(0, 6));
  assert.is(resolveContainerId(root, a.slice(0, 6)), c);
});

s('ambiguous prefixes, with ids made to share one', async ({ root }) => {
  const id1 = 'abc' + generateId().slice(3);
  const id2 = 'abc' + generateId().slice(3);
  for (const [id, name] of [[id1, 'one'], [id2, 'two']] as const) {
    mkdirSync(root.container(id));
    writeJsonAtomic(join(root.container(id), 'config.json'), { id, name, created: new Date().toISOString(), spec: spec(name), extra: {} });
    writeJsonAtomic(join(root.container(id), 'state.json'), { phase: 'ready', status: 'created', extra: {} });
  }
  assert.throws(() => resolveContainerId(root, 'abc'), /multiple IDs found with provided prefix: abc/);
  assert.is(resolveContainerId(root, id1.slice(0, 10)), id1);
});

s('a crashed atomic write leaves a temp file that readers ignore and repair removes', async ({ root }) => {
  const id = await made(root, 'web');
  const dir = root.container(id);
  const pid = deadPid();
  // What writeFileAtomic leaves when killed between write and rename.
  writeFileSync(join(dir, `.state.json.${pid}.${Date.now()}.tmp`), '{"phase": "ready", "status": "runn');
  assert.is(readRecord(root, id)!.state.status, 'created');
  assert.is(listRecords(root).length, 1);
  const report = await repairRecords(root);
  assert.is(report.tempFilesRemoved, 1);
  assert.equal(readdirSync(dir).sort(), ['config.json', 'state.json']);
});

s('repair removes a record whose creator was killed, keeps one still being made', async ({ root }) => {
  const dead = await createRecord(root, { spec: spec('half') });
  await updateState(root, dead.config.id, (st) => ({ ...st, owner: { pid: deadPid() } }));
  const alive = await createRecord(root, { spec: spec('in-progress') });
  const ready = await made(root, 'ready');
  const report = await repairRecords(root);
  assert.equal(report.removed.map((x) => x.id), [dead.config.id]);
  assert.match(report.removed[0]!.reason, /creation was interrupted/);
  assert.not.ok(existsSync(dead.dir));
  assert.is(lookupName(root, 'half'), undefined, 'its name is free again');
  assert.ok(readRecord(root, alive.config.id), 'a live creator is left alone');
  assert.ok(readRecord(root, ready));
  await createRecord(root, { spec: spec('half') });
});

s('repair marks an interrupted removal as dead, and a record without state as damaged', async ({ root }) => {
  const removing = await made(root, 'going');
  await beginRemove(root, removing);
  await updateState(root, removing, (st) => ({ ...st, owner: { pid: deadPid() } }));
  const stateless = await made(root, 'stateless');
  rmSync(join(root.container(stateless), 'state.json'));
  assert.is(findRecord(root, 'stateless'), undefined, 'not tripped over: just not listed');
  const report = await repairRecords(root);
  assert.equal(report.markedDead.map((x) => x.id), [removing]);
  assert.equal(report.damaged.map((x) => [x.id, x.name, x.files.map((f) => f.reason)]), [[stateless, 'stateless', ['missing']]]);
  assert.is(readRecord(root, removing)!.state.status, 'dead');
  assert.is(readRecord(root, removing)!.state.phase, 'ready');
  assert.is(readRecord(root, stateless)!.state.status, 'damaged');
  assert.match(readRecord(root, stateless)!.state.error!, /state\.json is missing/);
  assert.is(listRecords(root).length, 2);
});

s('repair rebuilds a damaged config.json from the identity state.json keeps, quarantines the damaged file, keeps the name', async ({ root }) => {
  const id = await made(root, 'web');
  const dir = root.container(id);
  writeFileSync(join(dir, 'config.json'), '{"id": "' + id + '", "name": "we');
  const report = await repairRecords(root);
  assert.equal(report.removed, []);
  assert.is(report.damaged.length, 1);
  const moved = join(root.path, 'quarantine', 'containers', id, 'config.json');
  assert.equal(report.damaged[0]!.files, [{ path: join(dir, 'config.json'), movedTo: moved, reason: report.damaged[0]!.files[0]!.reason }]);
  assert.match(report.damaged[0]!.files[0]!.reason, /^invalid JSON/);
  assert.ok(existsSync(moved));
  const record = readRecord(root, id)!;
  assert.is(record.config.name, 'web');
  assert.equal(record.config.spec.labels, { 'com.docker.compose.project': 'demo' });
  assert.is(record.state.status, 'damaged');
  assert.is(lookupName(root, 'web'), id);
  // Valid JSON with fields missing is damage too; a second quarantine never overwrites the first.
  writeFileSync(join(dir, 'config.json'), '{}');
  const again = await repairRecords(root);
  assert.match(again.damaged[0]!.files[0]!.reason, /"id" is undefined/);
  assert.ok(existsSync(`${moved}.1`));
  assert.equal((await repairRecords(root)).damaged, [], 'once quarantined, nothing more to say');
  removeRecord(root, id);
  assert.is(lookupName(root, 'web'), undefined);
});

s('repair removes a damaged record without config, a dangling name, and dead staging dirs', async ({ root }) => {
  const broken = generateId();
  mkdirSync(root.container(broken));
  writeFileSync(join(root.container(broken), 'config.json'), '{"id": "trunc');
  writeJsonAtomic(join(root.container(broken), 'state.json'), { phase: 'ready', status: 'created', extra: {} });
  mkdirSync(join(root.containers, '.names'), { recursive: true });
  writeFileSync(join(root.containers, '.names', 'ghost'), generateId());
  mkdirSync(join(root.tmp, `container-${generateId()}-${deadPid()}`));
  const report = await repairRecords(root);
  assert.equal(report.removed.map((x) => x.id), [broken]);
  assert.ok(report.namesFixed.includes('ghost'));
  assert.equal(readdirSync(root.tmp), []);
  assert.equal(readdirSync(root.containers).filter((e) => e !== '.names'), []);
  // and the name can be used
  await made(root, 'ghost');
});

s('renameRecord: the new name finds the record, the old one is free, a held name is refused', async ({ root }) => {
  const id = await made(root, 'abc123def456_demo-web-1');
  const other = await made(root, 'demo-db-1');
  assert.equal(renameRecord(root, id, 'demo-web-1'), { from: 'abc123def456_demo-web-1', to: 'demo-web-1' });
  assert.is(resolveContainerId(root, 'demo-web-1'), id);
  assert.is(readRecord(root, id)!.config.spec.name, 'demo-web-1');
  assert.is(lookupName(root, 'abc123def456_demo-web-1'), undefined);
  assert.throws(() => renameRecord(root, id, 'demo-db-1'), /The container name "\/demo-db-1" is already in use by container "[0-9a-f]{64}"/);
  assert.throws(() => renameRecord(root, id, 'demo-web-1'), /same name as its current name/);
  assert.throws(() => renameRecord(root, id, 'bad name'), /Invalid container name/);
  assert.is(resolveContainerId(root, 'demo-web-1'), id, 'a refused rename changes nothing');
  assert.is(resolveContainerId(root, 'demo-db-1'), other);
  await made(root, 'abc123def456_demo-web-1');
});

s('a process that exits while making a record (a second Ctrl-C) takes that record along, and only that one', async ({ root }) => {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./record-then-exit.ts', import.meta.url)), root.path], { encoding: 'utf8' });
  assert.is(child.status, 130, child.stderr);
  const [complete, half] = child.stdout.split(' ');
  assert.is(readRecord(root, complete!)?.state.phase, 'ready');
  assert.not.ok(existsSync(root.container(half!)), 'the half-made record is gone');
  assert.is(lookupName(root, 'half-made'), undefined, 'and its name is free');
  assert.is(lookupName(root, 'complete'), complete);
});

s('repair releases what a rename killed half-way left: a claim its container does not answer to', async ({ root }) => {
  // Killed after claiming the new name, before config.json said it.
  const a = await made(root, 'old-a');
  claimName(root, 'new-a', a);
  // Killed after config.json said the new name, before the old one was released.
  const b = await made(root, 'old-b');
  claimName(root, 'new-b', b);
  const config = readRecord(root, b)!.config;
  writeJsonAtomic(join(root.container(b), 'config.json'), { ...config, name: 'new-b', spec: { ...config.spec, name: 'new-b' } });
  const locked: string[] = [];
  const report = await repairRecords(root, { withContainerLock: async (id, fn) => { locked.push(id); await fn(); } });
  assert.equal(report.namesFixed.sort(), ['new-a', 'old-b']);
  assert.equal(locked.sort(), [a, b].sort(), 'judged under the container lock');
  assert.is(lookupName(root, 'old-a'), a);
  assert.is(lookupName(root, 'new-a'), undefined);
  assert.is(lookupName(root, 'new-b'), b);
  assert.is(lookupName(root, 'old-b'), undefined);
});

const { test: asRoot } = requireHost(s, 'state mount tests', process.getuid?.() === 0 ? [] : ['root (mounting tmpfs)']);

asRoot('a record with something mounted under it is not deleted, by remove or by repair', async ({ root }) => {
  const rec = await createRecord(root, { spec: spec('mounted') });
  const target = join(rec.dir, 'rootfs');
  mkdirSync(target);
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', target]);
  try {
    writeFileSync(join(target, 'precious'), 'x');
    assert.throws(() => removeRecord(root, rec.config.id), /something is still mounted under/);
    await updateState(root, rec.config.id, (st) => ({ ...st, owner: { pid: deadPid() } }));
    const report = await repairRecords(root);
    assert.equal(report.removed, []);
    assert.equal(report.markedDead.map((x) => x.id), [rec.config.id]);
    assert.ok(existsSync(join(target, 'precious')));
  } finally {
    execFileSync('umount', [target]);
  }
  removeRecord(root, rec.config.id);
  assert.not.ok(existsSync(rec.dir));
});

s.run();
