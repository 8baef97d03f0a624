import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync, lstatSync, readlinkSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { LayerStore } from '../../../src/engines/embedded/snapshots/layers.js';
import { writeTar } from '../../fixtures/images/busybox.js';
import { missingForLayers, requiring } from '../../fixtures/images/requirements.js';

const s = suite('layers');
const test = requiring(s, missingForLayers({ overlay: true }));
let root = '';
const mounts: string[] = [];
const mtime = new Date('2023-05-06T07:08:09Z');

s.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tsc-layers-'));
});

s.after(async () => {
  for (const m of mounts.reverse()) {
    try { execFileSync('umount', [m]); } catch { /* not mounted */ }
  }
  if (root) await rm(root, { recursive: true, force: true });
});

function sha256(file: string): string {
  return `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
}

function getXattr(path: string, name: string): string | undefined {
  try {
    return execFileSync('getfattr', ['-h', '--only-values', '-n', name, path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

test('unpacks modes, owners, mtimes, symlinks, hardlinks, devices, fifos and xattrs', async () => {
  const tarFile = join(root, 'attrs.tar');
  await writeTar(tarFile, [
    { name: './', type: 'directory', mode: 0o755, mtime },
    { name: 'etc/', type: 'directory', mode: 0o750, uid: 0, gid: 42, mtime },
    { name: 'etc/shadow', type: 'file', mode: 0o640, uid: 0, gid: 42, mtime, body: Buffer.from('secret\n') },
    { name: 'usr/bin/su', type: 'file', mode: 0o4755, uid: 0, gid: 0, mtime, body: Buffer.from('#!/bin/sh\n') },
    { name: 'home/u/f', type: 'file', mode: 0o600, uid: 1000, gid: 1000, mtime, body: Buffer.from('mine'), pax: { 'SCHILY.xattr.user.note': 'héllo' } },
    { name: 'home/u/f-link', type: 'link', linkname: 'home/u/f', mtime },
    { name: 'home/u/rel', type: 'symlink', linkname: '../../etc/shadow', uid: 1000, gid: 1000, mtime },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666, mtime },
    { name: 'dev/loop9', type: 'block-device', devmajor: 7, devminor: 9, mode: 0o660, mtime },
    { name: 'run/fifo', type: 'fifo', mode: 0o644, mtime },
  ]);
  const layers = new LayerStore(join(root, 'snapshots', 'layers'));
  const info = await layers.ensure(tarFile);
  const d = info.dir;
  assert.is(info.diffId, sha256(tarFile));
  assert.is(info.size, 'secret\n'.length + '#!/bin/sh\n'.length + 4);
  const shadow = lstatSync(join(d, 'etc/shadow'));
  assert.is(shadow.mode & 0o7777, 0o640);
  assert.is(shadow.gid, 42);
  assert.is(shadow.mtime.getTime(), mtime.getTime());
  assert.is(lstatSync(join(d, 'etc')).mode & 0o7777, 0o750);
  assert.is(lstatSync(join(d, 'etc')).mtime.getTime(), mtime.getTime(), 'directory mtimes are set after their children');
  assert.is(lstatSync(join(d, 'usr/bin/su')).mode & 0o7777, 0o4755, 'set-uid bit survives chown');
  const f = lstatSync(join(d, 'home/u/f'));
  assert.is(f.uid, 1000);
  assert.is(lstatSync(join(d, 'home/u/f-link')).ino, f.ino);
  assert.is(f.nlink, 2);
  assert.is(getXattr(join(d, 'home/u/f'), 'user.note'), 'héllo');
  assert.is(readlinkSync(join(d, 'home/u/rel')), '../../etc/shadow');
  assert.is(lstatSync(join(d, 'home/u/rel')).uid, 1000);
  const dev = lstatSync(join(d, 'dev/null'));
  assert.ok(dev.isCharacterDevice());
  assert.is(dev.rdev, (1 << 8) | 3);
  assert.ok(lstatSync(join(d, 'dev/loop9')).isBlockDevice());
  assert.ok(lstatSync(join(d, 'run/fifo')).isFIFO());
  assert.equal(layers.get(info.diffId)?.dir, d);
  assert.equal(await layers.list(), [info.diffId]);
});

test('the diff ID is the digest of the uncompressed tar, gzip or not; a layer is unpacked once', async () => {
  const plain = join(root, 'plain.tar');
  await writeTar(plain, [{ name: 'hello', type: 'file', mode: 0o644, mtime, body: Buffer.from('hi\n') }]);
  const gz = join(root, 'plain.tar.gz');
  writeFileSync(gz, gzipSync(readFileSync(plain)));
  const layers = new LayerStore(join(root, 'gz-layers'));
  const a = await layers.ensure(gz, sha256(plain));
  assert.is(a.diffId, sha256(plain));
  assert.is(a.tarSize, readFileSync(plain).length);
  assert.is(readFileSync(join(a.dir, 'hello'), 'utf8'), 'hi\n');
  writeFileSync(join(a.dir, 'marker'), '');
  const b = await layers.ensure(plain, sha256(plain));
  assert.ok(existsSync(join(b.dir, 'marker')), 'an unpacked layer is reused');
});

test('a layer that does not match its diff ID is refused and leaves nothing behind', async () => {
  const plain = join(root, 'wrong.tar');
  await writeTar(plain, [{ name: 'x', type: 'file', mode: 0o644, mtime, body: Buffer.from('x') }]);
  const layers = new LayerStore(join(root, 'wrong-layers'));
  const other = `sha256:${'0'.repeat(64)}`;
  try {
    await layers.ensure(plain, other);
    assert.unreachable('should have failed');
  } catch (error) {
    assert.is((error as { code?: string }).code, 'LAYER_DIGEST_MISMATCH');
  }
  assert.equal(readdirSync(layers.root), []);
});

test('leftovers of a killed unpack are removed, live ones kept', async () => {
  const layers = new LayerStore(join(root, 'left-layers'));
  mkdirSync(join(layers.root, '.tmp-999999999-abc', 'diff'), { recursive: true });
  mkdirSync(join(layers.root, `.tmp-${process.pid}-abc`, 'diff'), { recursive: true });
  mkdirSync(join(layers.root, '.del-abc-1'), { recursive: true });
  await layers.removeLeftovers((pid) => pid === process.pid);
  assert.equal(readdirSync(layers.root), [`.tmp-${process.pid}-abc`]);
});

test('whiteouts and opaque directories hide lower files in an overlay mount', async () => {
  const lowerTar = join(root, 'lower.tar');
  const upperTar = join(root, 'upper.tar');
  await writeTar(lowerTar, [
    { name: 'keep', type: 'file', mode: 0o644, mtime, body: Buffer.from('keep') },
    { name: 'gone', type: 'file', mode: 0o644, mtime, body: Buffer.from('gone') },
    { name: 'a/x', type: 'file', mode: 0o644, mtime, body: Buffer.from('x') },
    { name: 'a/y', type: 'file', mode: 0o644, mtime, body: Buffer.from('y') },
    { name: 'opq/old', type: 'file', mode: 0o644, mtime, body: Buffer.from('old') },
    { name: 'dir-gone/z', type: 'file', mode: 0o644, mtime, body: Buffer.from('z') },
  ]);
  await writeTar(upperTar, [
    { name: '.wh.gone', type: 'file', mode: 0o644, mtime },
    { name: 'a/.wh.x', type: 'file', mode: 0o644, mtime },
    { name: 'opq/', type: 'directory', mode: 0o755, mtime },
    { name: 'opq/.wh..wh..opq', type: 'file', mode: 0o644, mtime },
    { name: 'opq/new', type: 'file', mode: 0o644, mtime, body: Buffer.from('new') },
    { name: '.wh.dir-gone', type: 'file', mode: 0o644, mtime },
  ]);
  const layers = new LayerStore(join(root, 'wh-layers'));
  const lower = await layers.ensure(lowerTar);
  const upper = await layers.ensure(upperTar);
  const wh = lstatSync(join(upper.dir, 'a/x'));
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'a whiteout is a 0/0 character device');
  assert.is(getXattr(join(upper.dir, 'opq'), 'trusted.overlay.opaque'), 'y');
  assert.not.ok(existsSync(join(upper.dir, '.wh.gone')));

  const mnt = join(root, 'mnt');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${upper.dir}:${lower.dir}`, mnt]);
  mounts.push(mnt);
  try {
    assert.is(readFileSync(join(mnt, 'keep'), 'utf8'), 'keep');
    assert.not.ok(existsSync(join(mnt, 'gone')));
    assert.not.ok(existsSync(join(mnt, 'dir-gone')));
    assert.equal(readdirSync(join(mnt, 'a')), ['y']);
    assert.equal(readdirSync(join(mnt, 'opq')), ['new']);
  } finally {
    execFileSync('umount', [mnt]);
    mounts.pop();
  }
});

test('a truncated tar fails with an error, in the middle of a file or between entries, leaving nothing', async () => {
  const tarFile = join(root, 'truncated-src.tar');
  await writeTar(tarFile, [
    { name: 'big', type: 'file', mode: 0o644, size: 100_000, body: Buffer.alloc(100_000, 1), mtime },
    { name: 'small', type: 'file', mode: 0o644, size: 3, body: Buffer.from('abc'), mtime },
  ]);
  const bytes = readFileSync(tarFile);
  const store = new LayerStore(join(root, 'truncated-layers'));
  for (const cut of [1000, 50_000, 100_352]) {
    const cutFile = join(root, `truncated-${cut}.tar`);
    writeFileSync(cutFile, bytes.subarray(0, cut));
    let message = '';
    await store.ensure(cutFile).catch((e: Error) => { message = e.message; });
    assert.match(message, 'Unexpected end of data', `cut at ${cut}`);
  }
  assert.equal(readdirSync(join(root, 'truncated-layers')), []);
});

s.run();
