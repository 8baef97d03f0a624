// Pull and push against a real registry (Debian's docker-registry on
// loopback), seeded offline from busybox-static; skopeo checks independently.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { ImageStore } from '../../../src/engines/embedded/images/store.js';
import { registryClient } from '../../../src/engines/embedded/registry/client.js';
import { goArch } from '../../../src/engines/embedded/images/oci.js';
import { TscError } from '../../../src/util/errors.js';
import { importBusybox } from '../../fixtures/images/busybox.js';
import { requireHost } from '../../host.js';
import { suite } from '../../harness.js';
import { commitVariant, registryMissing, startRegistry, type TestRegistry } from './registry-helpers.js';

const s = suite('registry pull and push');
const { ready, test } = requireHost(s, 'registry integration tests', registryMissing());
let reg: TestRegistry | undefined;
const roots: string[] = [];
let seed: ImageStore;

function freshStore(): ImageStore {
  const root = mkdtempSync(join(tmpdir(), 'tsc-regstore-'));
  roots.push(root);
  return new ImageStore({ root, registry: registryClient });
}

async function failure(promise: Promise<unknown>): Promise<TscError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TscError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

function skopeo(...args: string[]): string {
  return execFileSync('skopeo', args, { encoding: 'utf8' });
}

s.before(async () => {
  if (!ready) return;
  reg = await startRegistry();
  seed = freshStore();
  await importBusybox(seed, 'busybox:latest');
});

s.after(async () => {
  await reg?.stop();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});


test('push, then pull by tag and by digest; skopeo sees what we pushed', async () => {
  const ref = `${reg!.host}/tsc/busybox:1`;
  await seed.tag('busybox:latest', ref);
  const pushed = await seed.push(ref);
  const inspected = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${ref}`)) as { Digest: string; Layers: string[] };
  assert.is(inspected.Digest, pushed.digest);

  const store = freshStore();
  const events: string[] = [];
  const pulled = await store.pull(ref, { onProgress: (p) => events.push(p.status) });
  assert.ok(pulled.downloaded);
  assert.is(pulled.digest, pushed.digest);
  assert.is(pulled.id, (await seed.inspect('busybox:latest'))!.id);
  assert.ok(events.includes('Pull complete'));
  const details = await store.inspect(ref);
  assert.equal(details!.repoDigests, [`${reg!.host}/tsc/busybox@${pushed.digest}`]);
  assert.ok(await store.lastPulled(ref));

  const again = await store.pull(ref);
  assert.not.ok(again.downloaded, 'nothing changed: nothing downloaded');

  const byDigest = freshStore();
  const d = await byDigest.pull(`${reg!.host}/tsc/busybox@${pushed.digest}`);
  assert.is(d.id, pulled.id);
  assert.ok(await byDigest.inspect(`${reg!.host}/tsc/busybox@${pushed.digest}`));
  assert.equal((await byDigest.inspect(d.id))!.repoTags, [], 'a pull by digest tags nothing');
});

test('an image pushed by skopeo pulls; a second repository gets the blob by cross-repository mount', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-skopeo-'));
  try {
    await seed.save(['busybox:latest'], join(dir, 'bb.tar'));
    skopeo('copy', '--dest-tls-verify=false', `docker-archive:${join(dir, 'bb.tar')}`, `docker://${reg!.host}/skopeo/busybox:s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const store = freshStore();
  const pulled = await store.pull(`${reg!.host}/skopeo/busybox:s`);
  const mounted: string[] = [];
  await store.tag(`${reg!.host}/skopeo/busybox:s`, `${reg!.host}/mounted/busybox:m`);
  await store.push(`${reg!.host}/mounted/busybox:m`, { onProgress: (p) => { if (p.status === 'Mounted') mounted.push(p.detail ?? ''); } });
  assert.equal(mounted, ['from skopeo/busybox']);
  const other = freshStore();
  assert.is((await other.pull(`${reg!.host}/mounted/busybox:m`)).id, pulled.id);
});

test('a manifest list: the host platform by default, platform: by choice, and an error listing what it offers', async () => {
  const other = goArch() === 'arm64' ? 'amd64' : 'arm64';
  const hostRef = `${reg!.host}/multi/busybox:host`;
  const otherRef = `${reg!.host}/multi/busybox:other`;
  await seed.tag('busybox:latest', hostRef);
  await commitVariant(seed, 'busybox:latest', otherRef, { architecture: other });
  const a = await seed.push(hostRef);
  const b = await seed.push(otherRef);
  const sizeOf = async (r: string) => (await seed.pushSource(r)).manifest.length;
  const index = {
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: a.digest, size: await sizeOf(hostRef), platform: { os: 'linux', architecture: goArch() } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: b.digest, size: await sizeOf(otherRef), platform: { os: 'linux', architecture: other } },
    ],
  };
  const put = await fetch(`http://${reg!.host}/v2/multi/busybox/manifests/1`, { method: 'PUT', body: JSON.stringify(index), headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' } });
  assert.is(put.status, 201);

  const store = freshStore();
  const host = await store.pull(`${reg!.host}/multi/busybox:1`);
  assert.is((await store.inspect(host.id))!.architecture, goArch());
  const chosen = await freshStore().pull(`${reg!.host}/multi/busybox:1`, { platform: `linux/${other}` });
  assert.is.not(chosen.id, host.id);
  const error = await failure(freshStore().pull(`${reg!.host}/multi/busybox:1`, { platform: 'linux/s390x' }));
  assert.is(error.code, 'PLATFORM_NOT_FOUND');
  assert.match(error.message, `linux/${goArch()}`);
  assert.match(error.message, `linux/${other}`);
});

test('a corrupt blob is refused and nothing of it is kept', async () => {
  const ref = `${reg!.host}/corrupt/busybox:1`;
  await commitVariant(seed, 'busybox:latest', ref, { layers: [{ files: { 'etc/corrupt': randomBytes(4096) } }] });
  await seed.push(ref);
  const layer = (await seed.pushSource(ref)).blobs.at(-1)!;
  const hex = layer.digest.slice('sha256:'.length);
  const data = join(reg!.dir, 'data/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  const bytes = readFileSync(data);
  bytes[bytes.length - 100] ^= 0xff;
  writeFileSync(data, bytes);
  const store = freshStore();
  const error = await failure(store.pull(ref));
  assert.is(error.code, 'BLOB_DIGEST_MISMATCH');
  assert.not.ok(await store.blobs.has(layer.digest));
  assert.equal(readdirSync(store.blobs.tmpDir), [], 'no temporary file left');
  assert.is(await store.inspect(ref), undefined);
});

test('a dropped connection mid-layer resumes with a Range request', async () => {
  const ref = `${reg!.host}/big/busybox:1`;
  await commitVariant(seed, 'busybox:latest', ref, { layers: [{ files: { 'big.bin': randomBytes(8 * 1024 * 1024) } }] });
  const pushed = await seed.push(ref);
  // A proxy that cuts the first connection after 1 MiB from the registry, and notes Range headers.
  let cut = false;
  const ranges: string[] = [];
  const proxy = createServer((client: Socket) => {
    const upstream = connect(reg!.port, '127.0.0.1');
    let down = 0;
    client.on('data', (d: Buffer) => {
      const m = /range: (bytes=\d+-)/i.exec(d.toString('latin1'));
      if (m) ranges.push(m[1]!);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      down += d.length;
      if (!cut && down > 1024 * 1024) {
        cut = true;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as { port: number }).port;
  try {
    const store = freshStore();
    const pulled = await store.pull(`127.0.0.1:${port}/big/busybox:1`);
    assert.is(pulled.digest, pushed.digest);
    assert.ok(cut, 'the connection was cut');
    assert.is(ranges.length, 1);
    assert.match(ranges[0]!, /^bytes=[1-9]\d*-$/);
  } finally {
    proxy.close();
  }
});

test('the registry killed mid-layer: the store stays usable and the next pull completes', async () => {
  const ref = `${reg!.host}/killed/busybox:1`;
  await commitVariant(seed, 'busybox:latest', ref, { layers: [{ files: { 'big.bin': randomBytes(32 * 1024 * 1024) } }] });
  await seed.push(ref);
  const store = freshStore();
  await importBusybox(store, 'busybox:latest');
  let killed = false;
  const error = await failure(store.pull(ref, {
    onProgress: (p) => {
      if (p.status === 'Downloading' && !killed && (p.current ?? 0) < (p.total ?? 0)) {
        killed = true;
        void reg!.kill();
      }
    },
  }));
  assert.ok(killed);
  assert.is(error.code, 'REGISTRY_UNREACHABLE');
  assert.equal(readdirSync(store.blobs.tmpDir), [], 'no temporary file left');
  assert.is(await store.inspect(ref), undefined);
  assert.ok(await store.resolveImage('busybox:latest'), 'the store is usable');
  await reg!.restart();
  const pulled = await store.pull(ref);
  assert.ok(pulled.downloaded);
  assert.ok(existsSync(join((await store.resolveImage(ref)).layerDirs.at(-1)!, 'big.bin')));
});

test('a zstd layer pulls and unpacks', async () => {
  const ref = `${reg!.host}/zstd/busybox:1`;
  await commitVariant(seed, 'busybox:latest', ref, { layers: [{ files: { 'etc/zstd.txt': Buffer.from('compressed with zstd\n'.repeat(100)) }, zstd: true }] });
  await seed.push(ref);
  const store = freshStore();
  await store.pull(ref);
  const resolved = await store.resolveImage(ref);
  assert.is(readFileSync(join(resolved.layerDirs.at(-1)!, 'etc/zstd.txt'), 'utf8'), 'compressed with zstd\n'.repeat(100));
});

test('disk full: a clear error, nothing half-stored, the store still usable', async () => {
  const ref = `${reg!.host}/full/busybox:1`;
  await commitVariant(seed, 'busybox:latest', ref, { layers: [{ files: { 'big.bin': randomBytes(6 * 1024 * 1024) } }] });
  await seed.push(ref);
  const root = mkdtempSync(join(tmpdir(), 'tsc-regfull-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=5m', 'tsc-regfull', root]);
  try {
    const store = new ImageStore({ root, registry: registryClient });
    await importBusybox(store, 'busybox:latest');
    const error = await failure(store.pull(ref));
    assert.is(error.code, 'DISK_FULL');
    assert.match(error.message, 'the store is usable');
    assert.equal(readdirSync(store.blobs.tmpDir), []);
    assert.is(await store.inspect(ref), undefined);
    assert.ok(await store.resolveImage('busybox:latest'));
  } finally {
    execFileSync('umount', [root]);
    rmSync(root, { recursive: true, force: true });
  }
});

test('unknown repository and tag say so', async () => {
  const error = await failure(freshStore().pull(`${reg!.host}/nothing/here:1`));
  assert.is(error.code, 'REGISTRY_NOT_FOUND');
  assert.match(error.message, `${reg!.host}/nothing/here`);
});

s.run();
