// `pull`: reference → manifest (through an index for this platform) → config
// and layers into the store → one image, tagged. Layers already in the store
// are not fetched; the others come in parallel (bounded, shared by every pull
// of the process) and are unpacked as soon as each has arrived.
import { PassThrough } from 'node:stream';
import type { ImagePullOptions, ImagePullResult, ImageTransferProgress } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import type { BlobStore } from '../images/blob-store.js';
import { isDigest } from '../images/digest.js';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, type Descriptor, type ImageConfig, type ImageIndex, type Manifest } from '../images/oci.js';
import { familiarReference, formatReference, parseReference, repositoryName } from '../images/reference.js';
import type { CommitLayer, CommitOptions } from '../images/store.js';
import type { LayerStore } from '../snapshots/layers.js';
import { downloadBlob, diskFull, type DownloadTee } from './blob-download.js';
import type { ErrorContext } from './errors.js';
import { Limiter } from './limit.js';
import { fetchManifest } from './manifest.js';
import { formatPlatform, parsePlatform, selectManifest } from './platform.js';
import { repositoryScope, sessionFor } from './session.js';

/** What a pull needs of the image store. */
export interface PullStore {
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  commitImage(config: Buffer, layers: CommitLayer[], opts?: CommitOptions): Promise<string>;
  /** The image that `repoDigest` (`repo@sha256:…`) was pulled as, with its platform. */
  findByRepoDigest(repoDigest: string): Promise<{ id: string; os: string; architecture: string } | undefined>;
  /** Points `ref` at `id` (when given) and records the time of this pull. */
  recordPull(ref: string, id?: string): Promise<void>;
}

const downloads = new Limiter(4);
const inFlight = new Map<string, Promise<void>>();

export async function pullImage(store: PullStore, refText: string, opts: ImagePullOptions = {}): Promise<ImagePullResult> {
  const ref = parseReference(refText);
  const session = sessionFor(ref.domain);
  const scopes = [repositoryScope(ref.path, 'pull')];
  const ctx: ErrorContext = { what: `pull ${familiarReference(ref)}`, repository: familiarReference({ domain: ref.domain, path: ref.path }), credentialSource: '' };
  ctx.credentialSource = await session.credentialSource();
  const want = parsePlatform(opts.platform);
  const top = await fetchManifest(session, ref.path, ref.digest ?? ref.tag!, scopes, ctx);
  const repoDigest = `${repositoryName(ref)}@${top.digest}`;
  const tagRef = ref.tag !== undefined && !ref.digest ? formatReference(ref) : undefined;

  const had = await store.findByRepoDigest(repoDigest);
  if (had && had.os === want.os && had.architecture === want.architecture) {
    await store.recordPull(tagRef ?? formatReference(ref), tagRef ? had.id : undefined);
    return { id: had.id, digest: top.digest, downloaded: false };
  }

  let manifestBytes = top.bytes;
  let mediaType = top.mediaType;
  for (let depth = 0; INDEX_MEDIA_TYPES.includes(mediaType); depth++) {
    if (depth > 2) throw new TscError('MANIFEST_INVALID', `${ctx.what}: indexes nested too deep`);
    const index = parseJson<ImageIndex>(manifestBytes, `${ctx.what}: the index`);
    const chosen = selectManifest(index.manifests ?? [], want, familiarReference(ref));
    if (!isDigest(chosen.digest)) throw new TscError('MANIFEST_INVALID', `${ctx.what}: the index names "${chosen.digest}", which is not a sha256 digest`);
    const next = await fetchManifest(session, ref.path, chosen.digest, scopes, ctx);
    manifestBytes = next.bytes;
    mediaType = next.mediaType;
  }
  if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) throw new TscError('MANIFEST_UNSUPPORTED', `${ctx.what}: the registry served a "${mediaType}", which is not an image manifest`);
  const manifest = parseJson<Manifest>(manifestBytes, `${ctx.what}: the manifest`);
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw new TscError('MANIFEST_INVALID', `${ctx.what}: the manifest has no config or layers`);

  await fetchOnce(store.blobs, manifest.config, () => downloadBlob(session, ref.path, manifest.config, store.blobs, scopes, ctx, { signal: opts.signal }));
  const configBytes = await store.blobs.read(manifest.config.digest);
  const config = parseJson<ImageConfig>(configBytes, `${ctx.what}: the image config`);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new TscError('IMAGE_INVALID', `${ctx.what}: the config lists ${diffIds.length} layers, the manifest ${manifest.layers.length}: the image is damaged`);
  }
  if (opts.platform && (config.os !== want.os || config.architecture !== want.architecture)) {
    throw new TscError('PLATFORM_NOT_FOUND', `${ctx.what}: the image is for ${config.os}/${config.architecture}, not ${formatPlatform(want)}`);
  }

  // Every layer job settles before the pull answers: no download goes on behind a failed pull
  // (those that complete stay in the store for the next attempt).
  const settled = await Promise.allSettled(manifest.layers.map((layer, i) => fetchLayer(store, layer, diffIds[i]!, (p) => opts.onProgress?.({ layer: shortDigest(layer.digest), ...p }),
    (tee) => downloadBlob(session, ref.path, layer, store.blobs, scopes, ctx, { tee, signal: opts.signal, onBytes: throttle((current, total) => opts.onProgress?.({ layer: shortDigest(layer.digest), status: 'Downloading', current, total })) }))));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;

  const id = await store.commitImage(configBytes, manifest.layers.map((l) => ({ blob: l.digest, mediaType: l.mediaType })), {
    refs: tagRef ? [tagRef] : [], repoDigests: [repoDigest], manifest: manifestBytes, pulled: [tagRef ?? formatReference(ref)],
  }).catch((error: unknown) => { throw diskFull(error, ctx); });
  return { id, digest: top.digest, downloaded: true };
}

type LayerProgress = (p: Omit<ImageTransferProgress, 'layer'>) => void;

async function fetchLayer(store: PullStore, layer: Descriptor, diffId: string, progress: LayerProgress, download: (tee?: DownloadTee) => Promise<void>): Promise<void> {
  if (store.layers.get(diffId) && (await store.blobs.has(layer.digest))) return progress({ status: 'Already exists' });
  progress({ status: 'Waiting' });
  let streamed = false;
  if (!(await store.blobs.has(layer.digest)) && !inFlight.has(layer.digest)) {
    // Unpacked as it arrives: one pass over the bytes instead of download, then read back.
    streamed = await downloads.run(async () => {
      const tee = new LayerTee();
      const unpacking = store.layers.ensureStream(tee.stream, diffId);
      unpacking.catch(() => tee.break());
      try {
        await fetchOnce(store.blobs, layer, () => download(tee));
      } catch (error) {
        tee.break();
        await unpacking.catch(() => undefined);
        throw error;
      }
      tee.end();
      progress({ status: 'Download complete' });
      progress({ status: 'Extracting' });
      return unpacking.then(() => true, () => false);
    });
  } else {
    await fetchOnce(store.blobs, layer, () => downloads.run(() => download()));
    progress({ status: 'Download complete' });
  }
  if (!streamed) {
    // A restarted download or a failed stream unpack: unpack from the verified blob, which says what is wrong if anything is.
    progress({ status: 'Extracting' });
    await store.layers.ensure(store.blobs.path(layer.digest), diffId);
  }
  progress({ status: 'Pull complete' });
}

/** A download's bytes on their way to the unpacker, with backpressure; broken, it passes nothing on. */
class LayerTee implements DownloadTee {
  readonly stream = new PassThrough({ highWaterMark: 4 << 20 });
  private broken = false;

  async write(chunk: Uint8Array): Promise<void> {
    if (this.broken || this.stream.destroyed) return;
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done).off('close', done);
          resolve();
        };
        this.stream.on('drain', done).on('close', done);
      });
    }
  }

  restart(): void {
    this.break();
  }

  /** Cut short, the stream ends (not destroyed: the unpacker sees a truncated tar and fails on its own terms). */
  break(): void {
    if (this.broken) return;
    this.broken = true;
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.end();
  }

  end(): void {
    if (!this.broken) this.stream.end();
  }
}

/** Downloads a blob unless the store has it; a blob two pulls need is fetched once. */
async function fetchOnce(blobs: BlobStore, desc: Descriptor, download: () => Promise<void>): Promise<void> {
  if (await blobs.has(desc.digest)) return;
  let job = inFlight.get(desc.digest);
  if (!job) {
    job = download().finally(() => inFlight.delete(desc.digest));
    inFlight.set(desc.digest, job);
  }
  await job;
}

function throttle(fn: (current: number, total: number) => void): (current: number, total: number) => void {
  let last = 0;
  return (current, total) => {
    const now = Date.now();
    if (current < total && now - last < 100) return;
    last = now;
    fn(current, total);
  };
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (error) {
    throw new TscError('MANIFEST_INVALID', `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
