// `image save`: one tar that is both a docker-archive (manifest.json) and an
// OCI image layout (oci-layout, index.json, blobs/sha256), as `docker save`
// writes since Docker 25. Layers are written uncompressed, so each layer
// blob's digest is its diff ID, which `docker load` of any version expects.
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { sha256Digest } from './digest.js';
import { ANNOTATION, MEDIA, type Descriptor, type ImageIndex, type Manifest } from './oci.js';
import { familiarize, parseReference } from './reference.js';

export interface SaveImage {
  id: string;
  configPath: string;
  configSize: number;
  layers: Array<{ diffId: string; tarSize: number; open: () => Promise<Readable> }>;
  /** Full references to record for the image (may be empty). */
  refs: string[];
}

type HeaderArg = Partial<tar.Header> & { name: string };

const EPOCH = new Date(0);

export async function writeImageArchive(images: SaveImage[], file: string): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const pack = tar.pack();
  const writing = pipeline(pack, createWriteStream(tmp, { mode: 0o644 }));
  try {
    await addAll(pack, images);
    pack.finalize();
    await writing;
    await rename(tmp, file);
  } catch (error) {
    pack.destroy();
    await writing.catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

async function addAll(pack: tar.Pack, images: SaveImage[]): Promise<void> {
  const written = new Set<string>();
  await entry(pack, { name: 'blobs/', type: 'directory', mode: 0o755 });
  await entry(pack, { name: 'blobs/sha256/', type: 'directory', mode: 0o755 });
  const indexEntries: Descriptor[] = [];
  const dockerManifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  for (const image of images) {
    const layerDescs: Descriptor[] = [];
    for (const layer of image.layers) {
      const desc = { mediaType: MEDIA.ociLayer, digest: layer.diffId, size: layer.tarSize };
      layerDescs.push(desc);
      if (written.has(layer.diffId)) continue;
      written.add(layer.diffId);
      await streamEntry(pack, blobPath(layer.diffId), layer.tarSize, await layer.open());
    }
    if (!written.has(image.id)) {
      written.add(image.id);
      await streamEntry(pack, blobPath(image.id), image.configSize, createReadStream(image.configPath));
    }
    const manifest: Manifest = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: image.id, size: image.configSize }, layers: layerDescs };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const manifestDigest = sha256Digest(manifestBytes);
    if (!written.has(manifestDigest)) {
      written.add(manifestDigest);
      await entry(pack, { name: blobPath(manifestDigest), mode: 0o644 }, manifestBytes);
    }
    const desc = { mediaType: MEDIA.ociManifest, digest: manifestDigest, size: manifestBytes.length };
    if (image.refs.length === 0) indexEntries.push(desc);
    for (const ref of image.refs) {
      const tag = parseReference(ref).tag;
      indexEntries.push({ ...desc, annotations: { [ANNOTATION.containerdName]: ref, ...(tag && { [ANNOTATION.refName]: tag }) } });
    }
    dockerManifest.push({ Config: blobPath(image.id), RepoTags: image.refs.map(familiarize), Layers: layerDescs.map((l) => blobPath(l.digest)) });
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: indexEntries };
  await entry(pack, { name: 'index.json', mode: 0o644 }, Buffer.from(JSON.stringify(index) + '\n'));
  await entry(pack, { name: 'manifest.json', mode: 0o644 }, Buffer.from(JSON.stringify(dockerManifest) + '\n'));
  await entry(pack, { name: 'oci-layout', mode: 0o644 }, Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }) + '\n'));
}

function blobPath(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

function entry(pack: tar.Pack, header: HeaderArg, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const h = { mtime: EPOCH, ...header };
    const cb = (e?: Error | null) => (e ? reject(e) : resolve());
    if (body) pack.entry(h, body, cb);
    else pack.entry(h, cb);
  });
}

function streamEntry(pack: tar.Pack, name: string, size: number, body: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry({ name, size, mode: 0o644, mtime: EPOCH }, (e) => (e ? reject(e) : resolve()));
    pipeline(body, sink).catch(reject);
  });
}
