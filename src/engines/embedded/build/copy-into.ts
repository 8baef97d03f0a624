// Writing COPY/ADD sources into a step's root filesystem (an overlay mount of
// the stage's layers). Every destination parent is resolved inside that root
// (symlinks as the container sees them, never out to the host); the entry
// itself is replaced without following it.
import { constants } from 'node:fs';
import { chmod, copyFile, lchown, lstat, lutimes, mkdir, rm, symlink, utimes } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { TscError } from '../../../util/errors.js';
import { resolveInRoot } from '../volumes/scoped-path.js';
import type { SourceEntry } from './source-tree.js';

export interface CopyOwner {
  uid: number;
  gid: number;
}

export interface CopyOptions {
  /** --chown; undefined keeps 0:0 for context files (Docker's rule) or the source's owner (ADD of a tar, COPY --from). */
  owner?: CopyOwner;
  keepOwner: boolean;
  /** --chmod, as a number. */
  mode?: number;
}

/** The host path for container path `path`: its parent resolved in the root, the last component kept. */
export function hostPathFor(rootfs: string, path: string): string {
  const abs = posix.resolve('/', path);
  if (abs === '/') return rootfs;
  return join(resolveInRoot(rootfs, posix.dirname(abs)), posix.basename(abs));
}

/** `mkdir -p` inside the root; new directories get `owner` (root by default) and mode 0755. */
export async function makeDirs(rootfs: string, path: string, owner?: CopyOwner): Promise<void> {
  let current = '/';
  for (const part of posix.resolve('/', path).split('/').filter(Boolean)) {
    current = posix.join(current, part);
    const host = resolveInRoot(rootfs, current);
    const st = await lstat(host).catch(() => undefined);
    if (st?.isDirectory()) continue;
    if (st) throw new TscError('BUILD_COPY_FAILED', `cannot create directory ${current}: a file is in the way`);
    await mkdir(host, { mode: 0o755 });
    await chmod(host, 0o755);
    if (owner) await lchown(host, owner.uid, owner.gid);
  }
}

export async function isDirIn(rootfs: string, path: string): Promise<boolean> {
  return (await lstat(resolveInRoot(rootfs, path)).catch(() => undefined))?.isDirectory() === true;
}

/** Copies `entries` (a walk of one source) to `dest` (a container path: the source's new name). */
export async function copyEntries(rootfs: string, entries: SourceEntry[], dest: string, opts: CopyOptions): Promise<void> {
  const dirTimes: Array<[string, Date]> = [];
  for (const e of entries) {
    const target = e.rel ? posix.join(dest, e.rel) : dest;
    const host = e.rel || target !== '/' ? hostPathFor(rootfs, target) : rootfs;
    const st = e.st;
    const owner = opts.owner ?? (opts.keepOwner ? { uid: st.uid, gid: st.gid } : { uid: 0, gid: 0 });
    const mode = opts.mode ?? (st.mode & 0o7777);
    const existing = await lstat(host).catch(() => undefined);
    if (st.isDirectory()) {
      if (existing && !existing.isDirectory()) await rm(host, { force: true });
      if (!existing?.isDirectory()) await mkdir(host, { mode: 0o755 });
      await lchown(host, owner.uid, owner.gid);
      await chmod(host, mode);
      dirTimes.push([host, st.mtime]);
      continue;
    }
    if (existing?.isDirectory()) throw new TscError('BUILD_COPY_FAILED', `cannot copy to ${target}: it is a directory in the image`);
    if (existing) await rm(host, { force: true });
    if (st.isSymbolicLink()) {
      await symlink(e.link!, host);
      await lchown(host, owner.uid, owner.gid);
      await lutimes(host, st.mtime, st.mtime);
    } else if (st.isFile()) {
      // COPYFILE_EXCL: created new, never through a symlink put there meanwhile.
      await copyFile(e.host, host, constants.COPYFILE_EXCL);
      await lchown(host, owner.uid, owner.gid);
      await chmod(host, mode);
      await utimes(host, st.mtime, st.mtime);
    }
    // Sockets, devices and FIFOs in a context are not copied (as BuildKit).
  }
  for (const [path, mtime] of dirTimes.reverse()) await utimes(path, mtime, mtime);
}
