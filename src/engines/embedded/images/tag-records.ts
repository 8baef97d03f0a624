// `<root>/images/tags/<sha256 of the reference>.json`: every tag kept a
// second time, apart from index.json, so that a rebuild of a damaged index
// names the images again. Changed under the store lock just before the index
// is written, one small file per tag written atomically (a removed tag's file
// is removed): when the two disagree after a crash between the writes, the
// tag records are the more recent write, and a rebuild takes them.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../../util/atomic-file.js';

export interface TagRecord {
  /** Full reference: `docker.io/library/busybox:latest`. */
  ref: string;
  /** Image ID. */
  id: string;
  /** When the tag was set (ISO 8601). */
  at: string;
}

const STAGING = '.tags-';

export class TagRecords {
  readonly dir: string;

  constructor(private readonly imagesDir: string) {
    this.dir = join(imagesDir, 'tags');
  }

  /** False for a store written before tags were kept: its tags are only in index.json. */
  kept(): boolean {
    return existsSync(this.dir);
  }

  /** Writes the directory whole from `refs` (a store's first write since tags are kept). Under the store lock. */
  seed(refs: Record<string, string>): void {
    // Under the lock: a staging directory left here is a killed seeder's.
    for (const name of readdirSync(this.imagesDir)) if (name.startsWith(STAGING)) rmSync(join(this.imagesDir, name), { recursive: true, force: true });
    const staging = join(this.imagesDir, `${STAGING}${process.pid}`);
    mkdirSync(staging, { mode: 0o700 });
    const at = new Date().toISOString();
    for (const [ref, id] of Object.entries(refs)) writeJsonAtomic(join(staging, fileName(ref)), { ref, id, at } satisfies TagRecord);
    renameSync(staging, this.dir);
  }

  /** Records the references that differ between `before` and `after` (an index update). Under the store lock. */
  update(before: Record<string, string>, after: Record<string, string>): void {
    const at = new Date().toISOString();
    for (const [ref, id] of Object.entries(after)) if (before[ref] !== id) writeJsonAtomic(this.path(ref), { ref, id, at } satisfies TagRecord);
    for (const ref of Object.keys(before)) {
      if (ref in after) continue;
      try {
        unlinkSync(this.path(ref));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }

  /** Every readable record; a damaged one (killed mid-write cannot make one: a disk error can) is passed over. */
  read(): TagRecord[] {
    const out: TagRecord[] = [];
    for (const name of readdirSync(this.dir).sort()) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      try {
        const r = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as TagRecord;
        if (typeof r.ref === 'string' && typeof r.id === 'string' && name === fileName(r.ref)) out.push(r);
      } catch { /* damaged: that tag is lost */ }
    }
    return out;
  }

  private path(ref: string): string {
    return join(this.dir, fileName(ref));
  }
}

/** References are up to 255 + 128 characters and hold `/` and `:`: named by their digest instead. */
function fileName(ref: string): string {
  return `${createHash('sha256').update(ref).digest('hex')}.json`;
}
