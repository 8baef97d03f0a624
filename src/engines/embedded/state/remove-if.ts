// Removing a file only while it still holds what the caller judged (a dead
// holder's lock, a name claimed by a removed container), when other
// processes may be judging, removing and re-creating it at the same moment.
//
// POSIX has no "unlink if unchanged". Renaming the file aside, checking it and
// linking it back when it changed leaves a moment with no file, in which a
// third process can create one: two holders. Instead the removers of one
// judged content (named by `key`: a lock's token, a name's id) take turns
// through a marker file created with O_EXCL; while a remover holds it nobody
// else may remove that content, and the file can change only by its removal,
// so check-then-unlink is safe. A marker whose remover died is passed over
// for the next generation; `sweepRemoveMarkers` clears markers once their
// content is gone.
import { randomBytes } from 'node:crypto';
import { linkSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { writeNewFile } from '../../../util/disk-reserve.js';
import { basename, dirname, join } from 'node:path';
import { isAlive, selfRef, type ProcessRef } from './process-ref.js';

export type RemoveOutcome = 'removed' | 'changed' | 'busy';

const MARKER = '.rm.';

/** Hidden (leading dot), so that listings of the directory pass over it. */
function markerPath(path: string, key: string, gen: number): string {
  return join(dirname(path), `.${basename(path)}${MARKER}${key}.${gen}`);
}

/**
 * Unlinks `path` if `stillSame()` (called with the remover's turn held) says it
 * still holds the judged content. 'busy': another live process is removing it.
 */
export function removeIfStill(path: string, key: string, stillSame: () => boolean): RemoveOutcome {
  for (let gen = 0; gen < 64; gen++) {
    const marker = markerPath(path, key, gen);
    if (!createWhole(marker, JSON.stringify(selfRef()))) {
      const other = readMarker(marker);
      if (other === 'gone') {
        gen--;
        continue;
      }
      // Markers appear whole (link): an unreadable one is damaged; passed over only once it is old.
      if (other === undefined ? !isOld(marker) : isAlive(other)) return 'busy';
      continue; // its remover died: the next generation
    }
    try {
      if (!stillSame()) return 'changed';
      try {
        unlinkSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        return 'changed';
      }
      return 'removed';
    } finally {
      unlinkSync(marker);
    }
  }
  return 'busy';
}

/** Creates `path` with `content` already in it (link of a whole temporary file); false when it exists. */
export function createWhole(path: string, content: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeNewFile(tmp, content, 0o600);
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}

function isOld(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > 5_000;
  } catch {
    return false;
  }
}

function readMarker(path: string): ProcessRef | 'gone' | undefined {
  try {
    const ref = JSON.parse(readFileSync(path, 'utf8')) as ProcessRef;
    return Number.isInteger(ref.pid) ? ref : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return undefined; // being written, or damaged
  }
}

/**
 * Removes markers left by dead removers in `dir` whose judged content is gone
 * (`stillThere(file, key)` false): nobody can remove that content any more.
 */
export function sweepRemoveMarkers(dir: string, stillThere: (file: string, key: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const at = name.indexOf(MARKER);
    if (!name.startsWith('.') || at <= 1) continue;
    const m = /^(.+)\.(\d+)$/.exec(name.slice(at + MARKER.length));
    if (!m) continue;
    const full = join(dir, name);
    const ref = readMarker(full);
    if (ref === 'gone' || (ref && isAlive(ref)) || (!ref && !isOld(full))) continue;
    if (stillThere(join(dir, name.slice(1, at)), m[1]!)) continue;
    try {
      unlinkSync(full);
      removed.push(full);
    } catch { /* gone meanwhile */ }
  }
  return removed;
}
