// The anonymous volumes a create is making, named in its record's folder before
// any is made: a command killed before the record is complete leaves them
// named there, and the repair that removes the half-made record removes them
// too (state/repair). Volumes the container only mounts (named ones, those
// carried over from the container it replaces) are never listed.
import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../../util/atomic-file.js';
import { isFullId } from './ids.js';

const FILE = 'made-volumes.json';

/** Written once, before the first of `names` is made. */
export function writeMadeVolumes(recordDir: string, names: readonly string[]): void {
  writeJsonAtomic(join(recordDir, FILE), names);
}

/** The names listed; none when there is no list (or it cannot be read: the volumes are left for `volume prune`). */
export function readMadeVolumes(recordDir: string): string[] {
  try {
    const names: unknown = JSON.parse(readFileSync(join(recordDir, FILE), 'utf8'));
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string' && isFullId(n)) : [];
  } catch {
    return [];
  }
}

/** Once the record is complete, its config lists the volumes. */
export function clearMadeVolumes(recordDir: string): void {
  try {
    unlinkSync(join(recordDir, FILE));
  } catch { /* none made */ }
}
