// `<root>/images/index.json`: which references name which image, and what
// each image is made of. Written atomically; changed only under the store lock.
import { dirname, join } from 'node:path';
import { writeJsonAtomic } from '../../../util/atomic-file.js';
import { isJsonObject, quarantine, readStateJson } from '../state/damaged-file.js';
import { TscError } from '../../../util/errors.js';
import { acquireLock } from '../state/lock.js';
import { TagRecords } from './tag-records.js';

export interface LayerRecord {
  /** `sha256:` digest of the uncompressed tar (the config's diff_ids entry). */
  diffId: string;
  /** The blob as stored (maybe gzip). */
  blob: string;
  mediaType: string;
  /** Bytes of the blob. */
  blobSize: number;
}

export interface ImageRecord {
  /** Image ID: `sha256:` digest of the config JSON. */
  id: string;
  /** Digest of the manifest blob kept for the image. */
  manifest: string;
  layers: LayerRecord[];
  /** From the config (ISO 8601), or when the image was added. */
  created: string;
  /** Sum of the regular files of all layers. */
  size: number;
  /** `name@sha256:...` of manifests pulled from or pushed to registries. */
  repoDigests: string[];
}

export interface IndexFile {
  version: 1;
  /** Full reference (`docker.io/library/busybox:latest`) → image ID. */
  refs: Record<string, string>;
  images: Record<string, ImageRecord>;
  /** Full reference → when it was last pulled (ISO 8601), for pull_policy daily/weekly/every_. */
  pulled?: Record<string, string>;
}

export const INDEX_FIX = 'run `tscompose system doctor --repair` to rebuild it from the image blobs and the tags kept in images/tags/';

function isIndex(v: unknown): boolean {
  return isJsonObject(v) && isJsonObject(v.refs) && isJsonObject(v.images) && Object.values(v.images).every((i) => isJsonObject(i) && typeof i.id === 'string' && Array.isArray(i.layers));
}

export class ImageIndexFile {
  readonly file: string;
  /** The second copy of `refs`, for a rebuild. */
  readonly tags: TagRecords;
  private readonly lockFile: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(imagesDir: string) {
    this.file = join(imagesDir, 'index.json');
    this.lockFile = join(imagesDir, 'store.lock');
    this.tags = new TagRecords(imagesDir);
  }

  read(): IndexFile {
    return readStateJson<IndexFile>(this.file, isIndex, INDEX_FIX) ?? { version: 1, refs: {}, images: {} };
  }

  /**
   * A damaged index moved to the quarantine and replaced by `rebuild()`'s
   * (under the store lock, the tag records made to match it); undefined when the index is sound.
   */
  async repair<R extends { index: IndexFile }>(rebuild: () => Promise<R>): Promise<(R & { movedTo: string }) | undefined> {
    const lock = await acquireLock(this.lockFile, { command: 'repair the image index' }, { timeoutMs: 30 * 60_000 });
    try {
      try {
        this.read();
        return undefined;
      } catch (error) {
        if (!(error instanceof TscError && error.code === 'STATE_DAMAGED')) throw error;
      }
      const rebuilt = await rebuild();
      const movedTo = quarantine(dirname(dirname(this.file)), this.file);
      const recorded = this.tags.kept() ? Object.fromEntries(this.tags.read().map((r) => [r.ref, r.id])) : {};
      this.keepTags(recorded, rebuilt.index.refs);
      writeJsonAtomic(this.file, rebuilt.index);
      return { ...rebuilt, movedTo };
    } finally {
      await lock.release();
    }
  }

  /**
   * Runs `fn` holding the store lock (one writer at a time, in this process
   * and across processes); `fn` may change the index it is given, which is
   * then written back.
   */
  update<T>(operation: string, fn: (index: IndexFile) => Promise<T> | T): Promise<T> {
    const run = async () => {
      const lock = await acquireLock(this.lockFile, { command: operation }, { timeoutMs: 30 * 60_000 });
      try {
        const index = this.read();
        const before = JSON.stringify(index);
        const refs = { ...index.refs };
        const result = await fn(index);
        const changed = JSON.stringify(index) !== before;
        if (changed || !this.tags.kept()) this.keepTags(refs, index.refs);
        if (changed) writeJsonAtomic(this.file, index);
        return result;
      } finally {
        await lock.release();
      }
    };
    const job = this.queue.then(run, run);
    this.queue = job.catch(() => undefined);
    return job;
  }

  /** The tag records made to say `after` (written before the index: see tag-records.ts). */
  private keepTags(before: Record<string, string>, after: Record<string, string>): void {
    if (!this.tags.kept()) this.tags.seed(after);
    else this.tags.update(before, after);
  }
}
