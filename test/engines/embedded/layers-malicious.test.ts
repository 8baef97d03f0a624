// Crafted tars that try to write outside the layer directory. Each must be
// refused or contained, and leave everything outside the target untouched.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { LayerStore } from '../../../src/engines/embedded/snapshots/layers.js';
import { writeTar } from '../../fixtures/images/busybox.js';
import { missingForLayers, requiring } from '../../fixtures/images/requirements.js';

const s = suite('layers: malicious tars');
const test = requiring(s, missingForLayers());
let root = '';
let outside = '';
let layers: LayerStore;
const mtime = new Date('2023-01-01T00:00:00Z');
const passwd = () => {
  const st = statSync('/etc/passwd');
  return { hash: createHash('sha256').update(readFileSync('/etc/passwd')).digest('hex'), nlink: st.nlink, mtime: st.mtimeMs };
};
let passwdBefore: ReturnType<typeof passwd>;

s.before(async () => {
  // <root>/snapshots/layers/<layer>/diff is the target: "../../.." from it is <root>.
  root = await mkdtemp(join(tmpdir(), 'tsc-evil-'));
  outside = join(root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'sentinel'), 'untouched');
  layers = new LayerStore(join(root, 'snapshots', 'layers'));
  passwdBefore = passwd();
});

s.after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

type Entry = Parameters<typeof writeTar>[1][number];

async function unpack(name: string, entries: Entry[]): Promise<{ error?: Error & { code?: string }; dir?: string }> {
  const file = join(root, `${name}.tar`);
  await writeTar(file, entries);
  try {
    return { dir: (await layers.ensure(file)).dir };
  } catch (error) {
    return { error: error as Error };
  }
}

function assertHostUntouched(): void {
  assert.equal(readdirSync(outside).sort(), ['sentinel']);
  assert.is(readFileSync(join(outside, 'sentinel'), 'utf8'), 'untouched');
  assert.equal(readdirSync(root).filter((n) => n !== 'outside' && n !== 'snapshots' && !n.endsWith('.tar')), []);
  assert.equal(passwd(), passwdBefore);
  assert.not.ok(existsSync('/abs/evil'));
  assert.not.ok(existsSync('/evil'));
  // No half layer is left under a real name or as a temporary directory.
  for (const name of readdirSync(layers.root)) assert.ok(/^[0-9a-f]{64}$/.test(name), `leftover ${name}`);
}

function assertRefused(result: { error?: Error & { code?: string } }): void {
  assert.ok(result.error, 'the tar should be refused');
  assert.is(result.error!.code, 'LAYER_UNSAFE', result.error!.message);
}

test('`../evil` and deeper climbs are refused', async () => {
  for (const name of ['../evil', '../../../evil', 'a/../../../../evil', './../outside/sentinel']) {
    assertRefused(await unpack('dotdot', [{ name, type: 'file', mode: 0o644, mtime, body: Buffer.from('evil') }]));
    assertHostUntouched();
  }
});

test('absolute paths are contained in the target', async () => {
  const { dir, error } = await unpack('abs', [{ name: '/abs/evil', type: 'file', mode: 0o644, mtime, body: Buffer.from('evil') }]);
  assert.not.ok(error);
  assert.is(readFileSync(join(dir!, 'abs/evil'), 'utf8'), 'evil');
  assertHostUntouched();
});

test('writing through a symlink to the host (ln -s /etc x; x/passwd) is refused', async () => {
  assertRefused(await unpack('symlink-abs', [
    { name: 'x', type: 'symlink', linkname: '/etc', mtime },
    { name: 'x/passwd', type: 'file', mode: 0o644, mtime, body: Buffer.from('root::0:0::/:/bin/sh\n') },
  ]));
  assertHostUntouched();
});

test('writing through a relative symlink that climbs out is refused', async () => {
  assertRefused(await unpack('symlink-rel', [
    { name: 'x', type: 'symlink', linkname: '../../../../outside', mtime },
    { name: 'x/evil', type: 'file', mode: 0o644, mtime, body: Buffer.from('evil') },
  ]));
  assertRefused(await unpack('symlink-dir', [
    { name: 'x', type: 'symlink', linkname: `${outside}`, mtime },
    { name: 'x/sub/', type: 'directory', mode: 0o755, mtime },
  ]));
  assertHostUntouched();
});

test('a file entry replaces a symlink instead of writing to its target', async () => {
  const { dir, error } = await unpack('replace-symlink', [
    { name: 'x', type: 'symlink', linkname: join(outside, 'sentinel'), mtime },
    { name: 'x', type: 'file', mode: 0o644, mtime, body: Buffer.from('mine') },
  ]);
  assert.not.ok(error);
  assert.ok(lstatSync(join(dir!, 'x')).isFile());
  assertHostUntouched();
});

test('a directory replaced by a symlink: its time is not set through the symlink on the host', async () => {
  const before = statSync(join(outside, 'sentinel')).mtimeMs;
  mkdirSync(join(outside, 'sub'));
  const subBefore = statSync(join(outside, 'sub')).mtimeMs;
  const old = new Date('2001-01-01T00:00:00Z');
  try {
    const { dir, error } = await unpack('dir-then-symlink', [
      { name: 'a/', type: 'directory', mode: 0o755, mtime: old },
      { name: 'b/', type: 'directory', mode: 0o755, mtime: old },
      { name: 'b/sub/', type: 'directory', mode: 0o755, mtime: old },
      { name: 'a', type: 'symlink', linkname: join(outside, 'sentinel'), mtime },
      { name: 'b', type: 'symlink', linkname: outside, mtime },
    ]);
    assert.not.ok(error);
    assert.ok(lstatSync(join(dir!, 'a')).isSymbolicLink());
    assert.is(statSync(join(outside, 'sentinel')).mtimeMs, before, 'the host file behind `a` keeps its time');
    assert.is(statSync(join(outside, 'sub')).mtimeMs, subBefore, 'the host directory behind `b/sub` keeps its time');
  } finally {
    rmdirSync(join(outside, 'sub'));
  }
  assertHostUntouched();
});

test('hardlinks to files outside the layer are refused', async () => {
  assertRefused(await unpack('hardlink-abs', [{ name: 'p', type: 'link', linkname: '/etc/passwd', mtime }]));
  assertRefused(await unpack('hardlink-rel', [{ name: 'p', type: 'link', linkname: '../../../../outside/sentinel', mtime }]));
  assertRefused(await unpack('hardlink-via-symlink', [
    { name: 'x', type: 'symlink', linkname: outside, mtime },
    { name: 'p', type: 'link', linkname: 'x/sentinel', mtime },
  ]));
  assertHostUntouched();
});

test('whiteouts that name `..` or go through symlinks are refused', async () => {
  assertRefused(await unpack('wh-dotdot', [{ name: '../.wh.x', type: 'file', mode: 0o644, mtime }]));
  assertRefused(await unpack('wh-name-dotdot', [{ name: '.wh..', type: 'file', mode: 0o644, mtime }]));
  assertRefused(await unpack('wh-sub-dotdot', [{ name: 'sub/.wh..', type: 'file', mode: 0o644, mtime }]));
  assertRefused(await unpack('wh-symlink', [
    { name: 'x', type: 'symlink', linkname: outside, mtime },
    { name: 'x/.wh.sentinel', type: 'file', mode: 0o644, mtime },
  ]));
  assertRefused(await unpack('opq-symlink', [
    { name: 'x', type: 'symlink', linkname: outside, mtime },
    { name: 'x/.wh..wh..opq', type: 'file', mode: 0o644, mtime },
  ]));
  assertHostUntouched();
});

test('overlay attributes cannot be smuggled in as xattrs', async () => {
  const { dir, error } = await unpack('xattr-overlay', [
    { name: 'd/', type: 'directory', mode: 0o755, mtime, pax: { 'SCHILY.xattr.trusted.overlay.redirect': '/etc' } },
  ]);
  assert.not.ok(error);
  assert.ok(lstatSync(join(dir!, 'd')).isDirectory());
  const attrs = execFileSync('getfattr', ['-d', '-m', '-', join(dir!, 'd')], { encoding: 'utf8' });
  assert.not.match(attrs, 'overlay');
  assertHostUntouched();
});

s.run();
