import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, linkSync, writeFileSync, chownSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { ImageStore } from '../../../src/engines/embedded/images/store.js';
import { goArch } from '../../../src/engines/embedded/images/oci.js';
import { TagRecords } from '../../../src/engines/embedded/images/tag-records.js';
import { buildBusyboxRootfsTar, importBusybox, writeTar } from '../../fixtures/images/busybox.js';
import { missingForLayers, requiring } from '../../fixtures/images/requirements.js';

const s = suite('images');
const test = requiring(s, missingForLayers());
let root = '';
let work = '';
const inUse = new Set<string>();
let store: ImageStore;

// Two layers shared by the archives below: busybox (gzip) and an app layer that deletes vi.
let busyboxTar = '';
let appTar = '';
const digestOf = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const hex = (digest: string) => digest.slice('sha256:'.length);

s.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tsc-images-'));
  work = join(root, 'work');
  mkdirSync(work);
  store = new ImageStore({ root: join(root, 'state'), isInUse: (id) => inUse.has(id) });
  busyboxTar = join(work, 'busybox.tar');
  await buildBusyboxRootfsTar(busyboxTar);
  appTar = join(work, 'app.tar');
  await writeTar(appTar, [
    { name: 'app/', type: 'directory', mode: 0o755 },
    { name: 'app/hello.txt', type: 'file', mode: 0o644, body: Buffer.from('hello\n') },
    { name: 'bin/.wh.vi', type: 'file', mode: 0o644 },
  ]);
});

s.after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

function appConfig(created: string): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: goArch(),
    os: 'linux',
    created,
    config: { Env: ['PATH=/bin', 'APP=1'], Cmd: ['cat', '/app/hello.txt'], WorkingDir: '/app', Labels: { a: 'b' } },
    rootfs: { type: 'layers', diff_ids: [digestOf(readFileSync(busyboxTar)), digestOf(readFileSync(appTar))] },
    history: [{ created, created_by: 'test' }],
  }));
}

test('imports a busybox root filesystem with a usable config', async () => {
  const id = await importBusybox(store);
  const image = await store.inspect('busybox');
  assert.ok(image);
  assert.is(image!.id, id);
  assert.equal(image!.repoTags, ['busybox:latest']);
  assert.is(image!.architecture, goArch());
  assert.is(image!.os, 'linux');
  assert.equal(image!.config.Cmd, ['sh']);
  assert.ok(image!.config.Env?.[0]?.startsWith('PATH=/usr/local/sbin:'));
  const resolved = await store.resolveImage('docker.io/library/busybox:latest');
  assert.is(resolved.layerDirs.length, 1);
  const dir = resolved.layerDirs[0]!;
  assert.is(lstatSync(join(dir, 'bin/busybox')).mode & 0o111, 0o111);
  assert.ok(lstatSync(join(dir, 'bin/sh')).isSymbolicLink());
  assert.is(lstatSync(join(dir, 'tmp')).mode & 0o7777, 0o1777);
  assert.is((await store.inspect(hex(id).slice(0, 12)))?.id, id, 'a short ID finds the image');
});

test('imports a directory, keeping owners and hardlinks', async () => {
  const src = join(work, 'rootfs-dir');
  mkdirSync(join(src, 'bin'), { recursive: true });
  writeFileSync(join(src, 'bin/tool'), '#!/bin/tool\n', { mode: 0o750 });
  chownSync(join(src, 'bin/tool'), 1000, 1001);
  linkSync(join(src, 'bin/tool'), join(src, 'bin/tool2'));
  symlinkSync('tool', join(src, 'bin/sh'));
  const id = await store.importRootfs(src, 'dirimg:1');
  const image = await store.resolveImage('dirimg:1');
  assert.is(image.id, id);
  assert.equal(image.config.Cmd, ['sh']);
  const dir = image.layerDirs[0]!;
  const tool = lstatSync(join(dir, 'bin/tool'));
  assert.equal([tool.uid, tool.gid, tool.mode & 0o7777], [1000, 1001, 0o750]);
  assert.is(lstatSync(join(dir, 'bin/tool2')).ino, tool.ino);
});

test('an imported tree without /bin/sh gets no command', async () => {
  const src = join(work, 'no-shell');
  mkdirSync(join(src, 'data'), { recursive: true });
  writeFileSync(join(src, 'data/x'), 'x');
  await store.importRootfs(src, 'noshell');
  const image = await store.inspect('noshell:latest');
  assert.is(image!.config.Cmd, undefined);
  await store.remove('noshell');
});

test('loads a docker-archive with gzip layers and symlinked duplicates', async () => {
  const config = appConfig('2024-02-03T04:05:06Z');
  const id = digestOf(config);
  const busyboxGz = gzipSync(readFileSync(busyboxTar));
  const untaggedConfig = appConfig('2024-02-03T04:05:07Z');
  const file = join(work, 'docker-archive.tar');
  await writeTar(file, [
    { name: 'l1/', type: 'directory' },
    { name: 'l1/layer.tar', type: 'file', body: busyboxGz },
    { name: 'l2/layer.tar', type: 'file', body: readFileSync(appTar) },
    { name: 'dup/layer.tar', type: 'symlink', linkname: '../l2/layer.tar' },
    { name: `${hex(id)}.json`, type: 'file', body: config },
    { name: 'other.json', type: 'file', body: untaggedConfig },
    { name: 'manifest.json', type: 'file', body: Buffer.from(JSON.stringify([
      { Config: `${hex(id)}.json`, RepoTags: ['test/app:1', 'localhost:5000/app:latest'], Layers: ['l1/layer.tar', 'l2/layer.tar'] },
      { Config: 'other.json', RepoTags: null, Layers: ['l1/layer.tar', 'dup/layer.tar'] },
    ])) },
  ]);
  const loaded = await store.load(file);
  assert.equal(loaded, ['test/app:1', 'localhost:5000/app:latest', digestOf(untaggedConfig)]);
  const image = await store.resolveImage('test/app:1');
  assert.is(image.id, id);
  assert.equal(image.config.Cmd, ['cat', '/app/hello.txt']);
  // Sorted by full name, as Docker's reference store does (docker.io/test/app < localhost:5000/app).
  assert.equal(image.details.repoTags, ['test/app:1', 'localhost:5000/app:latest']);
  assert.is(image.layerDirs.length, 2);
  assert.ok(existsSync(join(image.layerDirs[0]!, 'bin/vi')));
  assert.is(readFileSync(join(image.layerDirs[1]!, 'app/hello.txt'), 'utf8'), 'hello\n');
  assert.ok(lstatSync(join(image.layerDirs[1]!, 'bin/vi')).isCharacterDevice(), 'the whiteout is an overlay whiteout');
  // Layers are unpacked once and shared with the imported busybox image.
  const busyboxLayer = (await store.resolveImage('busybox')).layerDirs[0];
  assert.is(image.layerDirs[0], busyboxLayer);
  assert.is((await store.inspect(digestOf(untaggedConfig)))?.repoTags.length, 0);
  assert.equal(readdirSync(join(root, 'state/images/tmp')), [], 'no temporary files are left');
});

test('loads an OCI image layout, choosing this platform from an index', async () => {
  const config = appConfig('2024-03-01T00:00:00Z');
  const busyboxGz = gzipSync(readFileSync(busyboxTar));
  const app = readFileSync(appTar);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(busyboxGz), size: busyboxGz.length },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(app), size: app.length },
    ],
  }));
  const otherArch = goArch() === 'amd64' ? 'arm64' : 'amd64';
  const nested = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'e'.repeat(64)}`, size: 10, platform: { os: 'linux', architecture: otherArch } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(manifest), size: manifest.length, platform: { os: 'linux', architecture: goArch() } },
    ],
  }));
  const blob = (data: Buffer) => ({ name: `blobs/sha256/${hex(digestOf(data))}`, type: 'file' as const, body: data });
  const file = join(work, 'oci.tar');
  await writeTar(file, [
    { name: 'oci-layout', type: 'file', body: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    blob(config), blob(busyboxGz), blob(app), blob(manifest), blob(nested),
    { name: 'index.json', type: 'file', body: Buffer.from(JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { mediaType: 'application/vnd.oci.image.index.v1+json', digest: digestOf(nested), size: nested.length, annotations: { 'io.containerd.image.name': 'docker.io/oci/app:2', 'org.opencontainers.image.ref.name': '2' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'ghcr.io/oci/app:3' } },
      ],
    })) },
  ]);
  assert.equal(await store.load(file), ['oci/app:2', 'ghcr.io/oci/app:3']);
  const image = await store.resolveImage('oci/app:2');
  assert.is(image.id, digestOf(config));
  assert.is((await store.inspect('ghcr.io/oci/app:3'))?.id, image.id);
  assert.is(readFileSync(join(image.layerDirs[1]!, 'app/hello.txt'), 'utf8'), 'hello\n');
  await store.remove('ghcr.io/oci/app:3');
  await store.remove('oci/app:2');
});

test('save then load gives back the same images and tags', async () => {
  const file = join(work, 'saved.tar');
  const before = await store.list();
  const untagged = before.find((i) => i.repoTags.length === 0)!;
  await store.save(['busybox', 'test/app:1', 'localhost:5000/app', untagged.id, 'dirimg:1'], file);
  const names = await tarNames(file);
  for (const n of ['oci-layout', 'index.json', 'manifest.json']) assert.ok(names.includes(n), `the archive has ${n}`);
  const manifestJson = JSON.parse((await tarFile(file, 'manifest.json')).toString()) as Array<{ RepoTags: string[] }>;
  assert.equal(manifestJson.map((m) => m.RepoTags), [['busybox:latest'], ['test/app:1', 'localhost:5000/app:latest'], [], ['dirimg:1']]);

  for (const image of before) await store.remove(image.id, { force: true });
  assert.equal(await store.list(), []);
  assert.equal(readdirSync(join(root, 'state/images/blobs/sha256')), [], 'removing every image deletes every blob');
  assert.equal(readdirSync(join(root, 'state/snapshots/layers')), [], 'and every layer');

  const loaded = await store.load(file);
  assert.equal(loaded, ['busybox:latest', 'test/app:1', 'localhost:5000/app:latest', untagged.id, 'dirimg:1']);
  const after = await store.list();
  const key = (list: typeof before) => list.map((i) => `${i.id} ${i.repoTags.join(',')} ${i.size}`).sort();
  assert.equal(key(after), key(before));
  const app = await store.resolveImage('test/app:1');
  assert.is(readFileSync(join(app.layerDirs[1]!, 'app/hello.txt'), 'utf8'), 'hello\n');
});

test('tag and remove behave like docker tag and docker rmi', async () => {
  const id = (await store.inspect('busybox'))!.id;
  await store.tag('busybox', 'mine/bb:1');
  await store.tag(id, 'localhost:5000/bb');
  assert.equal((await store.inspect('mine/bb:1'))!.repoTags, ['busybox:latest', 'mine/bb:1', 'localhost:5000/bb:latest']);
  assert.equal(await store.remove('mine/bb:1'), ['Untagged: mine/bb:1']);
  await assertFails(store.remove(id), 'IMAGE_IN_USE', /referenced in multiple repositories/);
  await assertFails(store.remove('nope:1'), 'IMAGE_NOT_FOUND', /No such image: nope:1/);
  await assertFails(store.tag('busybox', `x@sha256:${'a'.repeat(64)}`), 'IMAGE_REFERENCE_INVALID', /digest/);

  inUse.add(id);
  assert.equal(await store.remove('localhost:5000/bb'), ['Untagged: localhost:5000/bb:latest']);
  await assertFails(store.remove('busybox'), 'IMAGE_IN_USE', /must force/);
  assert.equal(await store.remove('busybox', { force: true }), ['Untagged: busybox:latest']);
  const kept = await store.resolveImage(id);
  assert.ok(existsSync(kept.layerDirs[0]!), 'an image in use keeps its layers');
  inUse.delete(id);
  assert.equal(await store.remove(id), [`Deleted: ${id}`]);
  assert.is(await store.inspect(id), undefined);
  assert.ok(existsSync(kept.layerDirs[0]!), 'a layer another image uses stays');
});

test('tags are kept apart from the index (a moved tag names its latest image, a removed one is gone) and a rebuild restores them', async () => {
  const state = join(root, 'tags-state');
  const first = new ImageStore({ root: state });
  const a = await importBusybox(first, 'tsc/a:1');
  const tree = join(work, 'tiny');
  mkdirSync(tree);
  writeFileSync(join(tree, 'f'), 'x');
  const b = await first.importRootfs(tree, 'tsc/b:1');
  await first.tag('tsc/a:1', 'tsc/moved:1');
  await first.tag('tsc/b:1', 'tsc/moved:1');
  await first.tag('tsc/a:1', 'tsc/gone:1');
  await first.remove('tsc/gone:1');
  const kept = () => new TagRecords(join(state, 'images')).read().map((r) => `${r.ref} ${r.id}`).sort();
  const expected = [`docker.io/tsc/a:1 ${a}`, `docker.io/tsc/b:1 ${b}`, `docker.io/tsc/moved:1 ${b}`];
  assert.equal(kept(), expected);

  // A store written before tags were kept apart gets them on its first use.
  rmSync(join(state, 'images', 'tags'), { recursive: true });
  await new ImageStore({ root: state }).list();
  assert.equal(kept(), expected);

  writeFileSync(join(state, 'images', 'index.json'), '{"refs":');
  const repaired = await new ImageStore({ root: state }).repairIndex();
  assert.equal([repaired?.images, repaired?.tagsRestored, repaired?.tagsDropped], [2, 3, 0]);
  const after = new ImageStore({ root: state });
  assert.is((await after.inspect('tsc/moved:1'))?.id, b);
  assert.is((await after.inspect('tsc/a:1'))?.id, a);
  assert.is(await after.inspect('tsc/gone:1'), undefined);
});

test('a layer that does not match its config is refused, leaving nothing behind', async () => {
  const config = Buffer.from(JSON.stringify({ architecture: goArch(), os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'1'.repeat(64)}`] } }));
  const file = join(work, 'damaged.tar');
  await writeTar(file, [
    { name: 'layer.tar', type: 'file', body: readFileSync(appTar) },
    { name: 'config.json', type: 'file', body: config },
    { name: 'manifest.json', type: 'file', body: Buffer.from(JSON.stringify([{ Config: 'config.json', RepoTags: ['damaged:1'], Layers: ['layer.tar'] }])) },
  ]);
  const layersBefore = readdirSync(join(root, 'state/snapshots/layers')).sort();
  await assertFails(store.load(file), 'LAYER_DIGEST_MISMATCH', /damaged/);
  assert.is(await store.inspect('damaged:1'), undefined);
  assert.equal(readdirSync(join(root, 'state/snapshots/layers')).sort(), layersBefore);
  assert.equal(readdirSync(join(root, 'state/images/tmp')), []);
  await assertFails(store.load(join(work, 'missing.tar')), 'FILE_NOT_FOUND', /no such file/);
  await assertFails(store.load(appTar), 'ARCHIVE_INVALID', /neither a docker-archive/);
});

async function assertFails(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  try {
    await p;
  } catch (error) {
    assert.is((error as { code?: string }).code, code, (error as Error).message);
    assert.match((error as Error).message, message);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

async function tarEntries(file: string, fn: (name: string, body: Buffer) => void): Promise<void> {
  const extract = tar.extract();
  const { createReadStream } = await import('node:fs');
  createReadStream(file).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    fn(entry.header.name, Buffer.concat(chunks));
  }
}

async function tarNames(file: string): Promise<string[]> {
  const names: string[] = [];
  await tarEntries(file, (n) => names.push(n));
  return names;
}

async function tarFile(file: string, name: string): Promise<Buffer> {
  let found: Buffer | undefined;
  await tarEntries(file, (n, b) => { if (n === name) found = b; });
  if (!found) throw new Error(`${name} not in ${file}`);
  return found;
}

s.run();
