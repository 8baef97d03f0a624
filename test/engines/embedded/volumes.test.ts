import { suite } from '../../harness.js';
import { requireHost } from '../../host.js';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chownSync, chmodSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateRoot, type StateRoot } from '../../../src/engines/embedded/state/root.js';
import { ANONYMOUS_LABEL, LocalVolumeStore } from '../../../src/engines/embedded/volumes/store.js';
import { isMounted, mountArgv, unescapeMountPath } from '../../../src/engines/embedded/volumes/local-options.js';
import { resolveInRoot } from '../../../src/engines/embedded/volumes/scoped-path.js';
import { TscError } from '../../../src/util/errors.js';

const isRoot = process.getuid?.() === 0;

async function rejects(promise: Promise<unknown>, expected: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.match((error as Error).message, expected);
    return;
  }
  assert.unreachable(`expected a rejection matching ${expected}`);
}

interface Ctx { dir: string; root: StateRoot; inUse: Map<string, string[]>; store: LocalVolumeStore }
const s = suite<Ctx>('volumes', { dir: '', root: undefined as unknown as StateRoot, inUse: new Map(), store: undefined as unknown as LocalVolumeStore });

const { test: asRoot } = requireHost(s, 'volume mount tests', isRoot ? [] : ['root (mounting tmpfs and bind volumes)']);

s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'tsc-volumes-'));
  ctx.root = openStateRoot(join(ctx.dir, 'root'));
  ctx.inUse = new Map();
  ctx.store = new LocalVolumeStore(ctx.root, { isInUse: (name) => ctx.inUse.get(name) ?? [] });
});

s.after.each((ctx) => {
  // Unmount whatever a test left mounted under the temporary root, deepest first.
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m).map(unescapeMountPath);
  for (const m of mounts.filter((m) => m.startsWith(ctx.dir + '/')).reverse()) {
    try { execFileSync('umount', ['-l', m]); } catch { /* best effort */ }
  }
  rmSync(ctx.dir, { recursive: true, force: true });
});

s('create makes _data and volume.json; create again returns the same volume', async ({ store, root }) => {
  const v = await store.create({ name: 'demo_data', labels: { 'com.docker.compose.project': 'demo', 'com.docker.compose.volume': 'data' } });
  assert.is(v.name, 'demo_data');
  assert.is(v.driver, 'local');
  assert.is(v.mountpoint, join(root.volumes, 'demo_data', '_data'));
  assert.ok(statSync(v.mountpoint).isDirectory());
  assert.ok(existsSync(join(root.volumes, 'demo_data', 'volume.json')));
  assert.match(v.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  writeFileSync(join(v.mountpoint, 'keep'), 'x');
  const again = await store.create({ name: 'demo_data', labels: { other: '1' } });
  assert.equal(again, v, 'idempotent: the existing volume, unchanged');
  assert.ok(existsSync(join(v.mountpoint, 'keep')));
  assert.equal(await store.inspect('demo_data'), v);
  assert.is(await store.inspect('missing'), undefined);
  assert.equal(readdirSync(root.tmp), []);
});

s('names follow Docker\'s rule', async ({ store }) => {
  for (const bad of ['a', '-x', 'has space', '../x', 'a/b']) {
    try {
      await store.create({ name: bad });
      assert.unreachable(bad);
    } catch (error) {
      assert.is((error as TscError).code, 'INVALID_NAME', bad);
      assert.match((error as Error).message, 'includes invalid characters for a local volume name');
    }
  }
  await store.create({ name: 'a.b-c_d' });
});

s('only the local driver, with Docker\'s option rules', async ({ store }) => {
  await rejects(store.create({ name: 'x1', driver: 'nfs-plugin' }), /driver "nfs-plugin" is not supported/);
  await rejects(store.create({ name: 'x2', driverOpts: { foo: 'bar' } }), /invalid option: "foo"/);
  await rejects(store.create({ name: 'x3', driverOpts: { type: 'tmpfs' } }), /missing required option: "device"/);
  await rejects(store.create({ name: 'x4', driverOpts: { o: 'size=1m', device: 'tmpfs' } }), /missing required option: "type"/);
  await rejects(store.create({ name: 'x5', driverOpts: { size: '1g' } }), /quota size requested but no quota support/);
  assert.equal(await store.list(), []);
});

s('list filters by labels (undefined value: any)', async ({ store }) => {
  await store.create({ name: 'a_one', labels: { 'com.docker.compose.project': 'a' } });
  await store.create({ name: 'b_one', labels: { 'com.docker.compose.project': 'b', x: '1' } });
  await store.create({ name: 'plain' });
  assert.equal((await store.list()).map((v) => v.name), ['a_one', 'b_one', 'plain']);
  assert.equal((await store.list({ labels: { 'com.docker.compose.project': 'b' } })).map((v) => v.name), ['b_one']);
  assert.equal((await store.list({ labels: { 'com.docker.compose.project': undefined } })).map((v) => v.name), ['a_one', 'b_one']);
  assert.equal((await store.list({ labels: { x: '2' } })), []);
});

s('remove refuses a volume in use (even with force), and force ignores a missing one', async ({ store, inUse, root }) => {
  await store.create({ name: 'busy' });
  inUse.set('busy', ['c0ffee', 'beef']);
  await rejects(store.remove('busy'), /remove busy: volume is in use - \[c0ffee, beef\]/);
  await rejects(store.remove('busy', { force: true }), /volume is in use/);
  inUse.delete('busy');
  await store.remove('busy');
  assert.not.ok(existsSync(join(root.volumes, 'busy')));
  await rejects(store.remove('busy'), /No such volume: busy/);
  await store.remove('busy', { force: true });
  assert.equal(readdirSync(root.tmp), []);
});

s('anonymous volumes get a 64-hex name and Docker\'s anonymous label', async ({ store }) => {
  const v = await store.create({ name: '', labels: { 'com.docker.compose.project': 'demo' } });
  assert.match(v.name, /^[0-9a-f]{64}$/);
  assert.is(v.labels[ANONYMOUS_LABEL], '');
  assert.ok(store.isAnonymous(v));
  assert.not.ok(store.isAnonymous(await store.create({ name: 'named' })));
});

s('a leftover without volume.json is not listed', async ({ store, root }) => {
  mkdirSync(join(root.volumes, 'halfmade', '_data'), { recursive: true });
  assert.equal(await store.list(), []);
  assert.is(await store.inspect('halfmade'), undefined);
});

s('resolveInRoot keeps symlinks inside the root', ({ dir }) => {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'srv/real'), { recursive: true });
  symlinkSync('/srv/real', join(rootfs, 'abs'));
  symlinkSync('../../../../..', join(rootfs, 'srv/up'));
  symlinkSync('/etc', join(rootfs, 'etc-link'));
  assert.is(resolveInRoot(rootfs, '/abs'), join(rootfs, 'srv/real'));
  assert.is(resolveInRoot(rootfs, '/srv/up/srv/real'), join(rootfs, 'srv/real'));
  assert.is(resolveInRoot(rootfs, '/etc-link/passwd'), join(rootfs, 'etc/passwd'), 'not the host /etc');
  assert.is(resolveInRoot(rootfs, '/../../x'), join(rootfs, 'x'));
  symlinkSync('loop', join(rootfs, 'loop'));
  assert.throws(() => resolveInRoot(rootfs, '/loop'), /too many levels of symbolic links/);
});

s('populateFromImage copies an image directory into an empty volume, keeping modes, owners, links', async ({ store, dir }) => {
  const rootfs = join(dir, 'rootfs');
  const data = join(rootfs, 'var/lib/app');
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(data, 'sub/file'), 'hello');
  chmodSync(join(data, 'sub/file'), 0o640);
  symlinkSync('/etc/passwd', join(data, 'link'));
  linkSync(join(data, 'sub/file'), join(data, 'hard'));
  chmodSync(data, 0o750);
  if (isRoot) {
    chownSync(data, 1000, 1001);
    chownSync(join(data, 'sub/file'), 33, 33);
  }
  symlinkSync('/var/lib/app', join(rootfs, 'applink'));
  const v = await store.create({ name: 'appdata' });
  assert.is(await store.populateFromImage('appdata', rootfs, '/applink'), true, 'through an in-image symlink');
  const m = v.mountpoint;
  assert.is(readFileSync(join(m, 'sub/file'), 'utf8'), 'hello');
  assert.is(statSync(join(m, 'sub/file')).mode & 0o777, 0o640);
  assert.is(readlinkSync(join(m, 'link')), '/etc/passwd', 'symlinks copied as links, not followed');
  assert.ok(lstatSync(join(m, 'link')).isSymbolicLink());
  assert.is(statSync(join(m, 'hard')).ino, statSync(join(m, 'sub/file')).ino, 'hard links kept');
  assert.is(statSync(m).mode & 0o777, 0o750, 'the volume root takes the image directory\'s mode');
  if (isRoot) {
    assert.is(statSync(m).uid, 1000);
    assert.is(statSync(m).gid, 1001);
    assert.is(statSync(join(m, 'sub/file')).uid, 33);
  }
  // Not empty any more: a second container does not copy again.
  writeFileSync(join(data, 'later'), 'x');
  assert.is(await store.populateFromImage('appdata', rootfs, '/var/lib/app'), false);
  assert.not.ok(existsSync(join(m, 'later')));
});

s('populateFromImage: nocopy, missing path, a file, and unknown volume', async ({ store, dir }) => {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'data'), { recursive: true });
  writeFileSync(join(rootfs, 'data/x'), 'x');
  writeFileSync(join(rootfs, 'file'), 'x');
  const v = await store.create({ name: 'vol' });
  assert.is(await store.populateFromImage('vol', rootfs, '/data', { nocopy: true }), false);
  assert.is(await store.populateFromImage('vol', rootfs, '/nothing/here'), false);
  assert.is(await store.populateFromImage('vol', rootfs, '/file'), false);
  assert.equal(readdirSync(v.mountpoint), []);
  await rejects(store.populateFromImage('missing', rootfs, '/data'), /No such volume: missing/);
});

s('mountArgv: tmpfs, bind and nfs-like options', () => {
  assert.equal(mountArgv({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }, '/t'), ['mount', '-t', 'tmpfs', '-o', 'size=1m', '--', 'tmpfs', '/t']);
  assert.equal(mountArgv({ type: 'none', device: '/src', o: 'bind' }, '/t'), ['mount', '-t', 'none', '-o', 'bind', '--', '/src', '/t']);
  assert.equal(mountArgv({ type: 'nfs', device: ':/export', o: 'addr=127.0.0.1,rw' }, '/t'), ['mount', '-t', 'nfs', '-o', 'addr=127.0.0.1,rw', '--', ':/export', '/t']);
  assert.ok(isMounted('/a b', '36 35 98:0 / /a\\040b rw - ext4 /dev/x rw\n'));
  assert.not.ok(isMounted('/a', '36 35 98:0 / /a\\040b rw - ext4 /dev/x rw\n'));
});

asRoot('tmpfs and bind local volumes are mounted on use and unmounted on remove', async ({ store, dir }) => {
  const t = await store.create({ name: 'scratch', driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,mode=1777' } });
  assert.is(await store.mount('scratch'), t.mountpoint);
  assert.ok(isMounted(t.mountpoint));
  await store.mount('scratch'); // idempotent
  assert.is(statSync(t.mountpoint).mode & 0o7777, 0o1777);
  const host = join(dir, 'host');
  mkdirSync(host);
  writeFileSync(join(host, 'from-host'), 'h');
  const b = await store.create({ name: 'hostdir', driverOpts: { type: 'none', device: host, o: 'bind' } });
  await store.mount('hostdir');
  assert.is(readFileSync(join(b.mountpoint, 'from-host'), 'utf8'), 'h');
  await store.remove('scratch');
  await store.remove('hostdir');
  assert.not.ok(isMounted(t.mountpoint));
  assert.ok(existsSync(join(host, 'from-host')), 'removing a bind volume leaves the host directory alone');
  const bad = await store.create({ name: 'badbind', driverOpts: { type: 'none', device: join(dir, 'nope'), o: 'bind' } });
  await rejects(store.mount(bad.name), /volume "badbind": cannot mount/);
});

s.run();
