// A damaged images/index.json rebuilt from the blob store: every manifest blob
// whose config and layer blobs are all there is an image again, and every tag
// kept in images/tags/ whose image is there names it again. A store written
// before tags were kept there has lost its tags (the images show as <none>).
import { readFile } from 'node:fs/promises';
import type { BlobStore } from './blob-store.js';
import type { ImageRecord, IndexFile } from './index-file.js';
import type { TagRecord } from './tag-records.js';
import type { LayerStore } from '../snapshots/layers.js';
import { MANIFEST_MEDIA_TYPES, type ImageConfig, type Manifest } from './oci.js';

/** Blobs above this size are layers, not manifests: not read. */
const MAX_MANIFEST = 4 * 1024 * 1024;

export interface RebuiltIndex {
  index: IndexFile;
  /** Tags named again; undefined when the store kept no tag records (they are lost). */
  tagsRestored?: number;
  /** Kept tags whose image is not in the blob store any more. */
  tagsDropped?: number;
}

/** `tags`: the kept tag records, undefined when the store has none. */
export async function rebuildIndex(blobs: BlobStore, layers: LayerStore, tags: TagRecord[] | undefined): Promise<RebuiltIndex> {
  const index: IndexFile = { version: 1, refs: {}, images: {} };
  const present = new Set(await blobs.list());
  for (const digest of present) {
    if ((await blobs.size(digest)) > MAX_MANIFEST) continue;
    const manifest = parse<Manifest>(await readFile(blobs.path(digest)));
    if (!manifest || !Array.isArray(manifest.layers) || typeof manifest.config?.digest !== 'string') continue;
    if (manifest.mediaType !== undefined && !MANIFEST_MEDIA_TYPES.includes(manifest.mediaType)) continue;
    if (!present.has(manifest.config.digest) || !manifest.layers.every((l) => present.has(l.digest))) continue;
    const config = parse<ImageConfig>(await readFile(blobs.path(manifest.config.digest)));
    const diffIds = config?.rootfs?.diff_ids;
    if (!config || !Array.isArray(diffIds) || diffIds.length !== manifest.layers.length) continue;
    const image: ImageRecord = {
      id: manifest.config.digest,
      manifest: digest,
      layers: manifest.layers.map((l, i) => ({ diffId: diffIds[i]!, blob: l.digest, mediaType: l.mediaType, blobSize: l.size })),
      created: config.created ?? new Date(0).toISOString(),
      size: diffIds.reduce((sum, d) => sum + (layers.get(d)?.size ?? 0), 0),
      repoDigests: [],
    };
    // Two manifests of one config (pulled and re-pushed): either serves.
    index.images[image.id] ??= image;
  }
  if (!tags) return { index };
  const found = tags.filter((t) => index.images[t.id]);
  for (const t of found) index.refs[t.ref] = t.id;
  return { index, tagsRestored: found.length, tagsDropped: tags.length - found.length };
}

function parse<T>(bytes: Buffer): T | undefined {
  try {
    const v = JSON.parse(bytes.toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}
