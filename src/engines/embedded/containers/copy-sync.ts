// Watch's sync: host files written straight into a container's root (the
// same CopyRoot and in-root resolution as `cp`, copy.ts), with no process in
// the container, so images without tar or sh work. What Docker Compose's tar
// sync does: directories walked, symlinks copied as symlinks (never followed
// on the host), modes kept, owned by the container's user; a host path that
// is gone is deleted in the container. Inside the container only the parent
// directory is resolved (in the root): the last element is replaced, never
// followed, and files are written through a new file descriptor opened with
// O_EXCL|O_NOFOLLOW, then renamed into place.
import { randomBytes } from 'node:crypto';
import {
  closeSync, constants, fchmodSync, fchownSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync,
  readFileSync, readlinkSync, readSync, renameSync, rmSync, symlinkSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { join, posix } from 'node:path';
import type { FileSync } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import { hostPathIn, type CopyRoot } from './copy.js';

export interface Owner {
  uid: number;
  gid: number;
}

export interface SyncCounts {
  copied: number;
  deleted: number;
}

/** Applies the changes in order; a path listed twice is done once (its state now). */
export function syncToRoot(root: CopyRoot, changes: readonly FileSync[], owner: Owner): SyncCounts {
  if (root.readOnly) throw new TscError('READ_ONLY', `container rootfs is marked read-only: cannot sync files into ${root.name}`);
  const counts: SyncCounts = { copied: 0, deleted: 0 };
  const done = new Set<string>();
  const dirs = new Map<string, string>();
  for (const change of changes) {
    const target = posix.resolve('/', change.containerPath);
    if (done.has(target)) continue;
    const stat = lstatOrUndefined(change.hostPath);
    if (!stat) {
      done.add(target);
      if (removeIn(root, target)) counts.deleted++;
      continue;
    }
    copyTree(root, change.hostPath, stat, target, owner, { done, counts, dirs });
  }
  return counts;
}

interface SyncState {
  done: Set<string>;
  counts: SyncCounts;
  /** Container directories already resolved (and made) in this sync → host paths. */
  dirs: Map<string, string>;
}

function copyTree(root: CopyRoot, hostPath: string, stat: Stats, target: string, owner: Owner, state: SyncState): void {
  const { done, counts, dirs } = state;
  if (done.has(target)) return;
  done.add(target);
  const parentDir = posix.dirname(target);
  let parent = dirs.get(parentDir);
  if (parent === undefined) dirs.set(parentDir, (parent = ensureDir(root, parentDir)));
  const dest = join(parent, posix.basename(target));
  if (stat.isDirectory()) {
    makeDir(dest, stat.mode & 0o7777, owner);
    dirs.set(target, dest);
    counts.copied++;
    for (const name of readdirSync(hostPath)) {
      const child = join(hostPath, name);
      const childStat = lstatOrUndefined(child);
      if (childStat) copyTree(root, child, childStat, posix.join(target, name), owner, state);
    }
    return;
  }
  if (stat.isSymbolicLink()) {
    replaceWith(dest, (tmp) => {
      symlinkSync(readlinkSync(hostPath), tmp);
      lchownSync(tmp, owner.uid, owner.gid);
    });
  } else if (stat.isFile()) {
    replaceWith(dest, (tmp) => writeFileFrom(hostPath, tmp, stat.mode & 0o7777, owner));
  } else {
    return; // sockets, fifos, devices: not in a tar either
  }
  counts.copied++;
}

/** Directories made only to hold a synced path belong to root, as Docker's archive extraction makes them. */
const IMPLICIT_OWNER: Owner = { uid: 0, gid: 0 };

/** The host path of the container directory `dir`, made (root's, 0755) where missing. */
function ensureDir(root: CopyRoot, dir: string): string {
  const host = hostPathIn(root, dir);
  // The root itself may be /proc/<pid>/root, a link by lstat's account.
  if (dir === '/') return host;
  const stat = lstatOrUndefined(host);
  if (stat?.isDirectory()) return host;
  if (stat) throw new TscError('NOT_A_DIRECTORY', `cannot sync into ${root.name}:${dir}: not a directory`);
  const parent = ensureDir(root, posix.dirname(dir));
  const made = join(parent, posix.basename(dir));
  makeDir(made, 0o755, IMPLICIT_OWNER);
  return made;
}

function makeDir(path: string, mode: number, owner: Owner): void {
  const existing = lstatOrUndefined(path);
  if (existing && !existing.isDirectory()) rmSync(path, { recursive: true, force: true });
  if (!existing?.isDirectory()) mkdirSync(path, { mode });
  // Opened without following, so a link put there meanwhile is refused rather than changed.
  const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    fchmodSync(fd, mode);
    fchownSync(fd, owner.uid, owner.gid);
  } finally {
    closeSync(fd);
  }
}

/** Builds the new entry under a fresh name beside `dest`, then renames it over whatever `dest` is. */
function replaceWith(dest: string, make: (tmp: string) => void): void {
  const tmp = join(dest, '..', `.tsc-sync-${randomBytes(6).toString('hex')}`);
  try {
    make(tmp);
    const existing = lstatOrUndefined(dest);
    if (existing?.isDirectory()) rmSync(dest, { recursive: true, force: true });
    renameSync(tmp, dest);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // never made
    }
    throw error;
  }
}

function writeFileFrom(hostPath: string, tmp: string, mode: number, owner: Owner): void {
  const input = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const out = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      const buf = Buffer.allocUnsafe(1 << 16);
      for (;;) {
        const n = readSync(input, buf, 0, buf.length, null);
        if (n === 0) break;
        for (let off = 0; off < n;) off += writeSync(out, buf, off, n - off);
      }
      fchownSync(out, owner.uid, owner.gid);
      fchmodSync(out, mode);
    } finally {
      closeSync(out);
    }
  } finally {
    closeSync(input);
  }
}

/** Removes the container path (a link itself, not what it points to); whether something was there. */
function removeIn(root: CopyRoot, target: string): boolean {
  if (target === '/') return false;
  const parent = hostPathIn(root, posix.dirname(target));
  const dest = join(parent, posix.basename(target));
  if (!lstatOrUndefined(dest)) return false;
  rmSync(dest, { recursive: true, force: true });
  return true;
}

/** A text file of the container (e.g. /etc/passwd), resolved in its root; '' when missing. */
export function readInRoot(root: CopyRoot, path: string): string {
  let fd: number;
  try {
    fd = openSync(hostPathIn(root, path), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return '';
  }
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
