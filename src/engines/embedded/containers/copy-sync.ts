// Watch's sync: host files written straight into a container's root (the
// root `cp` uses, copy.ts), with no process in the container, so images
// without tar or sh work. What Docker Compose's tar sync does: directories
// walked, symlinks copied as symlinks (never followed on the host), modes
// kept, owned by the container's user; a host path that is gone is deleted
// in the container. Inside the container every directory is held by file
// descriptor (pinned-dir.ts): the last element is replaced, never followed,
// and files are written under a fresh name, then renamed into place.
import { randomBytes } from 'node:crypto';
import {
  closeSync, constants, fchmodSync, fchownSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync,
  readlinkSync, readSync, renameSync, symlinkSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { join, posix } from 'node:path';
import type { FileSync } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import type { CopyRoot } from './copy.js';
import { at, openDirIn, openRootDir, removeAt } from './pinned-dir.js';

export interface Owner {
  uid: number;
  gid: number;
}

export interface SyncCounts {
  copied: number;
  deleted: number;
}

interface SyncState {
  root: CopyRoot;
  rootFd: number;
  owner: Owner;
  /** Container paths done in this sync (a path listed twice is done once, as it is now). */
  done: Set<string>;
  counts: SyncCounts;
  /** Container directories opened in this sync → their descriptors. */
  dirs: Map<string, number>;
}

/** Applies the changes in order. `root.mounts` must be empty (a running container's /proc/<pid>/root shows its mounts). */
export function syncToRoot(root: CopyRoot, changes: readonly FileSync[], owner: Owner): SyncCounts {
  if (root.readOnly) throw new TscError('READ_ONLY', `container rootfs is marked read-only: cannot sync files into ${root.name}`);
  if (root.mounts.length > 0) throw new TscError('CONTAINER_NOT_RUNNING', `cannot sync files into ${root.name}: it is not running`);
  const state: SyncState = { root, rootFd: openRootDir(root.dir), owner, done: new Set(), counts: { copied: 0, deleted: 0 }, dirs: new Map() };
  try {
    for (const change of changes) {
      const target = posix.resolve('/', change.containerPath);
      if (target === '/' || state.done.has(target)) continue;
      const stat = lstatOrUndefined(change.hostPath);
      if (stat) {
        copyTree(state, change.hostPath, stat, target);
        continue;
      }
      state.done.add(target);
      const parent = dirOf(state, posix.dirname(target), false);
      if (parent !== undefined && lstatOrUndefined(at(parent, posix.basename(target)))) {
        forgetDirs(state, target);
        removeAt(parent, posix.basename(target));
        state.counts.deleted++;
      }
    }
    return state.counts;
  } finally {
    for (const fd of state.dirs.values()) closeSync(fd);
    closeSync(state.rootFd);
  }
}

/** The descriptor of a container directory (made when `create`); undefined when it is missing and not made. */
function dirOf(state: SyncState, dir: string, create: boolean): number | undefined {
  const known = state.dirs.get(dir);
  if (known !== undefined) return known;
  try {
    const fd = openDirIn(state.rootFd, dir, { create, name: state.root.name });
    state.dirs.set(dir, fd);
    return fd;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT' || (error instanceof TscError && error.code === 'NOT_A_DIRECTORY');
    if (!create && missing) return undefined;
    throw error;
  }
}

/** Descriptors of `target` and what is under it, about to be removed or replaced. */
function forgetDirs(state: SyncState, target: string): void {
  for (const [dir, fd] of state.dirs) {
    if (dir !== target && !dir.startsWith(`${target}/`)) continue;
    closeSync(fd);
    state.dirs.delete(dir);
  }
}

function copyTree(state: SyncState, hostPath: string, stat: Stats, target: string): void {
  if (state.done.has(target)) return;
  state.done.add(target);
  const parent = dirOf(state, posix.dirname(target), true)!;
  const name = posix.basename(target);
  const { owner } = state;
  if (stat.isDirectory()) {
    makeDirAt(parent, name, stat.mode & 0o7777, owner);
    state.counts.copied++;
    for (const child of readdirSync(hostPath)) {
      const childStat = lstatOrUndefined(join(hostPath, child));
      if (childStat) copyTree(state, join(hostPath, child), childStat, posix.join(target, child));
    }
    return;
  }
  forgetDirs(state, target);
  if (stat.isSymbolicLink()) {
    replaceAt(parent, name, (tmp) => {
      symlinkSync(readlinkSync(hostPath), tmp);
      lchownSync(tmp, owner.uid, owner.gid);
    });
  } else if (stat.isFile()) {
    replaceAt(parent, name, (tmp) => writeFileFrom(hostPath, tmp, stat.mode & 0o7777, owner));
  } else {
    return; // sockets, fifos, devices: not in a tar either
  }
  state.counts.copied++;
}

function makeDirAt(parent: number, name: string, mode: number, owner: Owner): void {
  const path = at(parent, name);
  const existing = lstatOrUndefined(path);
  if (existing && !existing.isDirectory()) unlinkSync(path);
  if (!existing?.isDirectory()) mkdirSync(path, { mode });
  const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    fchmodSync(fd, mode);
    fchownSync(fd, owner.uid, owner.gid);
  } finally {
    closeSync(fd);
  }
}

/** Makes the new entry under a fresh name in the same directory, then renames it over whatever NAME is. */
function replaceAt(parent: number, name: string, make: (tmp: string) => void): void {
  const tmp = at(parent, `.tsc-sync-${randomBytes(6).toString('hex')}`);
  try {
    make(tmp);
    if (lstatOrUndefined(at(parent, name))?.isDirectory()) removeAt(parent, name);
    renameSync(tmp, at(parent, name));
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // never made
    }
    throw error;
  }
}

/** One buffer for every copy: syncs run one file at a time. */
const copyBuffer = Buffer.allocUnsafe(1 << 16);

function writeFileFrom(hostPath: string, tmp: string, mode: number, owner: Owner): void {
  const input = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const out = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      const buf = copyBuffer;
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

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
