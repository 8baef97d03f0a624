// The build cache: `<root>/build/cache/<key>.json`, one record per step that
// made a layer, keyed by the step's chain key (its parent's key and its own).
// Records pin their layer against image garbage collection; `builder prune`
// and `image prune` forget them, and a record whose blob is gone is a miss.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../../../util/atomic-file.js';
import type { LayerRef } from './workspace.js';

/** Where the build cache of a state root lives (the image store pins what it holds). */
export function buildCacheDir(stateRoot: string): string {
  return join(stateRoot, 'build', 'cache');
}

export interface CacheRecord {
  /** The step's layer; absent when the step changed no file. */
  layer?: LayerRef;
  /** When the step ran: the image's `created` when it is the last step. */
  created: string;
}

export class BuildCache {
  constructor(readonly dir: string, private readonly blobPath: (digest: string) => string) {}

  get(key: string): CacheRecord | undefined {
    const record = readJson<CacheRecord>(this.file(key));
    if (!record) return undefined;
    if (record.layer && !existsSync(this.blobPath(record.layer.blob))) {
      rmSync(this.file(key), { force: true });
      return undefined;
    }
    return record;
  }

  put(key: string, record: CacheRecord): void {
    writeJsonAtomic(this.file(key), record);
  }

  /** Blobs and layers the cache holds (kept by image garbage collection). */
  pinned(): { blobs: string[]; layers: string[] } {
    const blobs: string[] = [];
    const layers: string[] = [];
    for (const name of this.names()) {
      const r = readJson<CacheRecord>(join(this.dir, name));
      if (r?.layer) {
        blobs.push(r.layer.blob);
        layers.push(r.layer.diffId);
      }
    }
    return { blobs, layers };
  }

  /** Forgets every record; returns how many there were. */
  clear(): number {
    const names = this.names();
    for (const n of names) rmSync(join(this.dir, n), { force: true });
    return names.length;
  }

  private names(): string[] {
    return existsSync(this.dir) ? readdirSync(this.dir).filter((n) => n.endsWith('.json')) : [];
  }

  private file(key: string): string {
    return join(this.dir, `${key}.json`);
  }
}
