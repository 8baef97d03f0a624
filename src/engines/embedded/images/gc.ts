// What `image rm` may delete: blobs and unpacked layers that no image record uses.
import type { IndexFile } from './index-file.js';

export interface Garbage {
  blobs: string[];
  layers: string[];
}

export function findGarbage(index: IndexFile, blobs: string[], layers: string[], pinned: Garbage = { blobs: [], layers: [] }): Garbage {
  const liveBlobs = new Set<string>(pinned.blobs);
  const liveLayers = new Set<string>(pinned.layers);
  for (const image of Object.values(index.images)) {
    liveBlobs.add(image.id);
    liveBlobs.add(image.manifest);
    for (const layer of image.layers) {
      liveBlobs.add(layer.blob);
      liveLayers.add(layer.diffId);
    }
  }
  return { blobs: blobs.filter((b) => !liveBlobs.has(b)), layers: layers.filter((l) => !liveLayers.has(l)) };
}
