// The embedded engine's image store: content-addressed blobs, an index of
// references and images, and layers unpacked once into the snapshot store.
// Image IDs are the digest of the config JSON, as in Docker.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ImageDetails, ImagePullOptions, ImagePullResult, ImagePushOptions, ImagePushResult, ImageService, ImageSummary } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import { fileCompression, openDecompressed } from '../snapshots/decompress.js';
import { LayerStore } from '../snapshots/layers.js';
import { readArchiveImages } from './archive-images.js';
import { BlobStore } from './blob-store.js';
import { sha256Digest } from './digest.js';
import { findGarbage } from './gc.js';
import { buildImportConfig } from './import-config.js';
import { rebuildIndex } from './rebuild-index.js';
import { ImageIndexFile, type ImageRecord, type IndexFile, type LayerRecord } from './index-file.js';
import { familiarRefsOf, findImage, refsOf } from './lookup.js';
import { MEDIA, isGzipLayer, type ImageConfig, type Manifest } from './oci.js';
import { familiarize, formatReference, parseReference } from './reference.js';
import type { SaveImage } from './save-archive.js';
import { compareStrings } from '../../../util/compare.js';

export interface ImageStoreOptions {
  /** The state root (e.g. /var/lib/tscompose); the store uses `images/` and `snapshots/layers/` in it. */
  root: string;
  /** Whether a container uses the image: such an image is untagged by `remove`, never deleted. */
  isInUse?: (imageId: string) => boolean | Promise<boolean>;
  /** Blobs and layers kept though no image uses them (the build cache's). */
  pinned?: () => { blobs: string[]; layers: string[] };
  /** Pull and push: given by the engine (registry/ sits above images/ and imports it, never the other way). */
  registry?: RegistryClient;
}

/** The registry client as the store calls it (registry/client.ts). */
export interface RegistryClient {
  pull(store: ImageStore, ref: string, opts: ImagePullOptions): Promise<ImagePullResult>;
  push(store: ImageStore, ref: string, opts: ImagePushOptions): Promise<ImagePushResult>;
}

/** What the runtime needs to make a container's root filesystem. */
export interface ResolvedImage {
  id: string;
  details: ImageDetails;
  config: ImageDetails['config'];
  /** Unpacked layer directories, lowest first (overlayfs' lowerdir lists them the other way round). */
  layerDirs: string[];
}

/** What `repairIndex` did. */
export interface IndexRepair {
  path: string;
  /** Where the damaged index went. */
  movedTo: string;
  images: number;
  /** Tags named again; undefined when the store kept no copy of its tags: they are lost. */
  tagsRestored?: number;
  /** Kept tags of images no longer in the store. */
  tagsDropped?: number;
}

/** A layer blob already in the blob store, for `commitImage`. */
export interface CommitLayer {
  blob: string;
  mediaType: string;
}

export interface CommitOptions {
  /** Full references to point at the image. */
  refs?: string[];
  repoDigests?: string[];
  /** The manifest as a registry served it (kept byte for byte); else one is written. */
  manifest?: Buffer;
  /** References just pulled: their pull time is recorded. */
  pulled?: string[];
}

/** An image as a registry push needs it: its manifest as kept, and the blobs it names. */
export interface PushSource {
  id: string;
  manifest: Buffer;
  mediaType: string;
  blobs: Array<{ digest: string; size: number; path: string }>;
  repoDigests: string[];
}

export class ImageStore implements ImageService {
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  private readonly index: ImageIndexFile;
  private readonly isInUse: (imageId: string) => boolean | Promise<boolean>;
  private readonly pinned: () => { blobs: string[]; layers: string[] };
  private readonly registry: RegistryClient | undefined;
  private ready: Promise<void> | undefined;

  constructor(opts: ImageStoreOptions) {
    const root = resolve(opts.root);
    this.blobs = new BlobStore(join(root, 'images'));
    this.layers = new LayerStore(join(root, 'snapshots', 'layers'));
    this.index = new ImageIndexFile(join(root, 'images'));
    this.isInUse = opts.isInUse ?? (() => false);
    this.pinned = opts.pinned ?? (() => ({ blobs: [], layers: [] }));
    this.registry = opts.registry;
  }

  async inspect(ref: string): Promise<ImageDetails | undefined> {
    await this.init();
    const index = this.index.read();
    const found = findImage(index, ref);
    return found && this.details(index, found.image);
  }

  async list(): Promise<ImageSummary[]> {
    await this.init();
    const index = this.index.read();
    return Object.values(index.images)
      .sort((a, b) => compareStrings(b.created, a.created) || compareStrings(a.id, b.id))
      .map((image) => this.summary(index, image));
  }

  async resolveImage(ref: string): Promise<ResolvedImage> {
    await this.init();
    const index = this.index.read();
    const found = findImage(index, ref);
    if (!found) throw notFound(ref);
    const layerDirs: string[] = [];
    for (const layer of found.image.layers) {
      // A layer directory that went missing (killed removal, manual cleanup) is unpacked again.
      let info = this.layers.get(layer.diffId);
      if (!info && !(await this.blobs.has(layer.blob))) {
        throw new TscError('BLOB_MISSING', `image ${ref} is damaged: its layer ${layer.diffId} is not unpacked and its blob ${this.blobs.path(layer.blob)} is missing; remove the image (\`image rm -f ${ref}\`) and pull or load it again`);
      }
      info ??= await this.layers.ensure(this.blobs.path(layer.blob), layer.diffId);
      layerDirs.push(info.dir);
    }
    const details = await this.details(index, found.image);
    return { id: found.image.id, details, config: details.config, layerDirs };
  }

  /** An image's layers as stored (blob, media type, diff ID), lowest first, for builds FROM it. */
  async imageLayers(ref: string): Promise<{ id: string; layers: LayerRecord[]; details: ImageDetails; history: NonNullable<ImageConfig['history']> }> {
    await this.init();
    const index = this.index.read();
    const found = findImage(index, ref);
    if (!found) throw notFound(ref);
    const config = parseConfig(await this.blobs.read(found.image.id), found.image.id);
    return { id: found.image.id, layers: found.image.layers, details: await this.details(index, found.image), history: config.history ?? [] };
  }

  async tag(source: string, target: string): Promise<void> {
    await this.init();
    const to = parseReference(target);
    if (to.digest) throw new TscError('IMAGE_REFERENCE_INVALID', `cannot tag as "${target}": a tag cannot contain a digest`);
    await this.index.update('image tag', (index) => {
      const found = findImage(index, source);
      if (!found) throw notFound(source);
      index.refs[formatReference(to)] = found.image.id;
    });
  }

  async remove(ref: string, opts: { force?: boolean } = {}): Promise<string[]> {
    await this.init();
    const out = await this.index.update('image rm', async (index) => {
      const found = findImage(index, ref);
      if (!found) throw notFound(ref);
      const { id } = found.image;
      const short = id.slice('sha256:'.length, 'sha256:'.length + 12);
      const refs = refsOf(index, id);
      const untag = (r: string) => {
        delete index.refs[r];
        if (index.pulled) delete index.pulled[r];
        return `Untagged: ${familiarize(r)}`;
      };
      if (found.ref && refs.length > 1) return [untag(found.ref)];
      if (!found.ref && refs.length > 1 && !opts.force) {
        throw conflict(`unable to delete ${short} (must be forced) - image is referenced in multiple repositories`);
      }
      const inUse = await this.isInUse(id);
      if (inUse && !opts.force) {
        throw conflict(found.ref
          ? `unable to remove repository reference "${ref}" (must force) - a container is using its referenced image ${short}`
          : `unable to delete ${short} (must be forced) - image is being used by a container`);
      }
      const lines = (found.ref ? [found.ref] : refs).map(untag);
      // A container's root filesystem needs the layers: a forced removal only untags.
      if (inUse) return lines;
      delete index.images[id];
      return [...lines, `Deleted: ${id}`];
    });
    if (out.some((line) => line.startsWith('Deleted: '))) await this.collectGarbage();
    return out;
  }

  async load(file: string): Promise<string[]> {
    await this.init();
    await requireFile(file);
    return this.orDiscardBlobs(() => this.index.update('image load', async (index) => {
      const tmp = this.blobs.tempPath('load');
      await mkdir(tmp, { mode: 0o700 });
      try {
        // tar-stream, here and in save and import: loaded by those commands only.
        const { ArchiveFiles } = await import('./archive-files.js');
        const archive = await ArchiveFiles.read(file, tmp);
        const loaded: string[] = [];
        for (const image of await readArchiveImages(archive)) {
          const layers: CommitLayer[] = [];
          for (const { file: f, mediaType } of image.layers) {
            if (!(await this.blobs.has(f.digest))) await this.blobs.adopt(f.path, f.digest);
            layers.push({ blob: f.digest, mediaType });
          }
          const config = await readFileBytes(image.config.path);
          const id = await this.commitLocked(index, config, layers, { refs: image.refs });
          loaded.push(...(image.refs.length ? image.refs.map(familiarize) : [id]));
        }
        return loaded;
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    }));
  }

  async save(refs: string[], file: string): Promise<void> {
    await this.init();
    const index = this.index.read();
    const byId = new Map<string, SaveImage>();
    for (const ref of refs) {
      const found = findImage(index, ref);
      if (!found) throw notFound(ref);
      let entry = byId.get(found.image.id);
      if (!entry) {
        entry = await this.saveEntry(found.image);
        byId.set(found.image.id, entry);
      }
      if (found.ref && !entry.refs.includes(found.ref)) entry.refs.push(found.ref);
    }
    const { writeImageArchive } = await import('./save-archive.js');
    await writeImageArchive([...byId.values()], resolve(file));
  }

  async importRootfs(source: string, ref: string): Promise<string> {
    await this.init();
    const refs = ref ? [formatReference(parseReference(ref))] : [];
    const st = await requireFile(source, true);
    return this.orDiscardBlobs(() => this.index.update('image import', async (index) => {
      let blob: string;
      if (st.isDirectory()) {
        const tmp = this.blobs.tempPath('import.tar');
        try {
          const { packDirectory } = await import('../snapshots/pack-dir.js');
          await pipeline(packDirectory(source), createWriteStream(tmp, { mode: 0o600 }));
          blob = (await this.blobs.adopt(tmp)).digest;
        } finally {
          await rm(tmp, { force: true });
        }
      } else {
        blob = (await this.blobs.writeStream(createReadStream(source))).digest;
      }
      const layer = await this.layers.ensure(this.blobs.path(blob));
      const config = await buildImportConfig({ diffId: layer.diffId, rootfs: layer.dir, source });
      const compression = await fileCompression(this.blobs.path(blob));
      const mediaType = compression === 'gzip' ? MEDIA.ociLayerGzip : compression === 'zstd' ? MEDIA.ociLayerZstd : MEDIA.ociLayer;
      return this.commitLocked(index, Buffer.from(JSON.stringify(config)), [{ blob, mediaType }], { refs });
    }));
  }

  /**
   * Runs `fn`; when it fails (a full disk, a damaged archive), removes the
   * blobs it added that no image uses: nothing is left behind but what was there.
   */
  private async orDiscardBlobs<T>(fn: () => Promise<T>): Promise<T> {
    const added = new Set<string>();
    try {
      return await this.blobs.recording(added, fn);
    } catch (error) {
      if (added.size) {
        await this.index.update('discard blobs', async (index) => {
          for (const digest of findGarbage(index, [...added], [], this.pinned()).blobs) await this.blobs.remove(digest);
        }).catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * Adds an image whose layer blobs are in the blob store (for pull and build):
   * unpacks its layers, checks them against the config's diff IDs, records it.
   */
  async commitImage(config: Buffer, layers: CommitLayer[], opts: CommitOptions = {}): Promise<string> {
    await this.init();
    return this.index.update('image commit', (index) => this.commitLocked(index, config, layers, opts));
  }

  private async commitLocked(index: IndexFile, configBytes: Buffer, layers: CommitLayer[], opts: CommitOptions): Promise<string> {
    const { digest: id, size: configSize } = await this.blobs.writeBytes(configBytes);
    const config = parseConfig(configBytes, id);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== layers.length) {
      throw new TscError('IMAGE_INVALID', `image ${id} lists ${diffIds.length} layers in its config but comes with ${layers.length}: the image is damaged`);
    }
    const records: LayerRecord[] = [];
    let size = 0;
    for (const [i, layer] of layers.entries()) {
      const info = await this.layers.ensure(this.blobs.path(layer.blob), diffIds[i]);
      size += info.size;
      records.push({ diffId: diffIds[i]!, blob: layer.blob, mediaType: layer.mediaType, blobSize: await this.blobs.size(layer.blob) });
    }
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: id, size: configSize },
      layers: records.map((r) => ({ mediaType: r.mediaType, digest: r.blob, size: r.blobSize })),
    };
    const manifestDigest = (await this.blobs.writeBytes(opts.manifest ?? Buffer.from(JSON.stringify(manifest)))).digest;
    const previous = index.images[id];
    const record: ImageRecord = {
      id,
      manifest: manifestDigest,
      layers: records,
      created: config.created ?? previous?.created ?? new Date().toISOString(),
      size,
      repoDigests: [...new Set([...(previous?.repoDigests ?? []), ...(opts.repoDigests ?? [])])],
    };
    index.images[id] = record;
    for (const ref of opts.refs ?? []) index.refs[ref] = id;
    if (opts.pulled?.length) index.pulled = { ...index.pulled, ...Object.fromEntries(opts.pulled.map((r) => [r, new Date().toISOString()])) };
    return id;
  }

  async pull(ref: string, opts: ImagePullOptions = {}): Promise<ImagePullResult> {
    return this.registryClient('pull').pull(this, ref, opts);
  }

  async push(ref: string, opts: ImagePushOptions = {}): Promise<ImagePushResult> {
    return this.registryClient('push').push(this, ref, opts);
  }

  private registryClient(operation: string): RegistryClient {
    if (!this.registry) throw new TscError('ENGINE_UNSUPPORTED', `this image store was opened without a registry client: cannot ${operation} images`);
    return this.registry;
  }

  async lastPulled(ref: string): Promise<string | undefined> {
    await this.init();
    return this.index.read().pulled?.[formatReference(parseReference(ref))];
  }

  async findByRepoDigest(repoDigest: string): Promise<{ id: string; os: string; architecture: string } | undefined> {
    await this.init();
    const index = this.index.read();
    const image = Object.values(index.images).find((img) => img.repoDigests.includes(repoDigest));
    if (!image || !(await this.blobs.has(image.id))) return undefined;
    const config = parseConfig(await this.blobs.read(image.id), image.id);
    return { id: image.id, os: config.os, architecture: config.architecture };
  }

  async recordPull(ref: string, id?: string): Promise<void> {
    await this.init();
    await this.index.update('image pull', (index) => {
      if (id && index.images[id]) index.refs[ref] = id;
      index.pulled = { ...index.pulled, [ref]: new Date().toISOString() };
    });
  }

  async pushSource(ref: string): Promise<PushSource> {
    await this.init();
    const index = this.index.read();
    const found = findImage(index, ref);
    if (!found) throw new TscError('IMAGE_NOT_FOUND', `An image does not exist locally with the tag: ${familiarize(formatReference(parseReference(ref)))}`);
    const image = found.image;
    const manifest = await this.blobs.read(image.manifest);
    const parsed = JSON.parse(manifest.toString('utf8')) as Manifest;
    const blobs = [parsed.config, ...parsed.layers].map((d) => ({ digest: d.digest, size: d.size, path: this.blobs.path(d.digest) }));
    return { id: image.id, manifest, mediaType: parsed.mediaType ?? MEDIA.ociManifest, blobs, repoDigests: image.repoDigests };
  }

  async addRepoDigest(id: string, repoDigest: string): Promise<void> {
    await this.index.update('image push', (index) => {
      const image = index.images[id];
      if (image && !image.repoDigests.includes(repoDigest)) image.repoDigests.push(repoDigest);
    });
  }

  /**
   * Runs `fn` holding the store lock, so that no garbage collection runs
   * meanwhile: a build stores a layer and pins it (its cache record) in one go.
   */
  async withStoreLock<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    await this.init();
    return this.index.update(operation, () => fn());
  }

  /** A damaged index.json quarantined and rebuilt from the blobs and the kept tags (`system doctor --repair`); undefined when it is sound. */
  async repairIndex(): Promise<IndexRepair | undefined> {
    await this.init();
    const tags = this.index.tags;
    const done = await this.index.repair(() => rebuildIndex(this.blobs, this.layers, tags.kept() ? tags.read() : undefined));
    return done && {
      path: this.index.file,
      movedTo: done.movedTo,
      images: Object.keys(done.index.images).length,
      tagsRestored: done.tagsRestored,
      tagsDropped: done.tagsDropped,
    };
  }

  /** Removes blobs and unpacked layers that no image (and no pin) uses. */
  async collectGarbage(): Promise<void> {
    await this.init();
    await this.index.update('image gc', async (index) => {
      const pinned = this.pinned();
      const garbage = findGarbage(index, await this.blobs.list(), await this.layers.list(), pinned);
      for (const blob of garbage.blobs) await this.blobs.remove(blob);
      for (const layer of garbage.layers) await this.layers.remove(layer);
    });
  }

  private async saveEntry(image: ImageRecord): Promise<SaveImage> {
    const layers = [];
    for (const layer of image.layers) {
      const path = this.blobs.path(layer.blob);
      const tarSize = isGzipLayer(layer.mediaType) || layer.blob !== layer.diffId
        ? this.layers.get(layer.diffId)?.tarSize ?? (await countBytes(path))
        : layer.blobSize;
      layers.push({ diffId: layer.diffId, tarSize, open: () => openDecompressed(path) });
    }
    return { id: image.id, configPath: this.blobs.path(image.id), configSize: await this.blobs.size(image.id), layers, refs: [] };
  }

  private summary(index: IndexFile, image: ImageRecord): ImageSummary {
    return {
      id: image.id,
      repoTags: familiarRefsOf(index, image.id),
      repoDigests: image.repoDigests.map(familiarize),
      created: image.created,
      size: image.size,
    };
  }

  private async details(index: IndexFile, image: ImageRecord): Promise<ImageDetails> {
    const config = parseConfig(await this.blobs.read(image.id), image.id);
    return {
      ...this.summary(index, image),
      architecture: config.architecture,
      os: config.os,
      config: config.config ?? {},
      rootfs: { type: 'layers', diff_ids: config.rootfs.diff_ids },
    };
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await this.blobs.init();
      await mkdir(this.layers.root, { recursive: true, mode: 0o700 });
      await this.blobs.removeLeftovers(isPidAlive);
      await this.layers.removeLeftovers(isPidAlive);
      // A store written before tags were kept apart: kept from now on (a damaged index waits for the repair).
      if (!this.index.tags.kept()) await this.index.update('keep tags', () => undefined).catch(() => undefined);
    })();
    return this.ready;
  }
}

function parseConfig(bytes: Buffer, id: string): ImageConfig {
  let config: ImageConfig;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch (error) {
    throw new TscError('IMAGE_INVALID', `the config of image ${id} is not valid JSON: ${(error as Error).message}`);
  }
  if (!config || config.rootfs?.type !== 'layers' || !Array.isArray(config.rootfs.diff_ids)) {
    throw new TscError('IMAGE_INVALID', `the config of image ${id} has no rootfs.diff_ids: it is not an image config`);
  }
  return config;
}

function notFound(ref: string): TscError {
  return new TscError('IMAGE_NOT_FOUND', `No such image: ${ref} (pull it with \`tscompose image pull ${ref}\`, or load it from a file with \`tscompose image load -i FILE\`)`);
}

function conflict(message: string): TscError {
  return new TscError('IMAGE_IN_USE', `conflict: ${message}`);
}

async function requireFile(path: string, allowDir = false) {
  const st = await stat(path).catch(() => undefined);
  if (!st || (!st.isFile() && !(allowDir && st.isDirectory()))) {
    throw new TscError('FILE_NOT_FOUND', `${path}: no such ${allowDir ? 'file or directory' : 'file'}`);
  }
  return st;
}

async function readFileBytes(path: string): Promise<Buffer> {
  return readFile(path);
}

async function countBytes(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of await openDecompressed(file)) n += (chunk as Buffer).length;
  return n;
}

export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export { sha256Digest };
