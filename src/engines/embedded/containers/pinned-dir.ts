// Directories of a container's root held by file descriptor, so that a path
// the container controls cannot send a host-side write elsewhere: each
// element is opened with O_NOFOLLOW under the descriptor of its parent
// (through /proc/self/fd/N/NAME, Node's stand-in for openat), and symlinks are
// resolved by hand inside the root, as the container would see them. A
// directory swapped for a link meanwhile fails the open instead of being
// followed; `/proc/<pid>/root` links with absolute targets never reach the host.
import { closeSync, constants, fchownSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, rmdirSync, unlinkSync } from 'node:fs';
import { TscError } from '../../../util/errors.js';

const MAX_LINKS = 255;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** `NAME` inside the directory held by `fd` (opening it never follows a link at NAME when O_NOFOLLOW is given). */
export function at(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

export function openRootDir(dir: string): number {
  return openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
}

/**
 * The directory `path` (absolute in the container) under the root held by
 * `rootFd`, symlinks resolved inside the root; missing directories are made
 * (0755, root's) when `create` is set. The caller closes the returned fd.
 */
export function openDirIn(rootFd: number, path: string, opts: { create?: boolean; name: string }): number {
  const held: number[] = [];
  const current = () => held[held.length - 1] ?? rootFd;
  let pending = split(path);
  let links = 0;
  try {
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '..') {
        if (held.length > 0) closeSync(held.pop()!);
        continue;
      }
      const opened = openChildDir(current(), part, opts.create === true);
      if (typeof opened === 'number') {
        held.push(opened);
        continue;
      }
      if (++links > MAX_LINKS) throw new TscError('SYMLINK_LOOP', `too many levels of symbolic links in ${opts.name}:${path}`);
      if (opened.link.startsWith('/')) while (held.length > 0) closeSync(held.pop()!);
      pending = [...split(opened.link), ...pending];
    }
    return held.pop() ?? openSync(at(rootFd), constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') throw new TscError('NOT_A_DIRECTORY', `${opts.name}:${path}: not a directory`);
    throw error;
  } finally {
    for (const fd of held) closeSync(fd);
  }
}

/** The child directory's fd, or the target of the link that is there. */
function openChildDir(parent: number, name: string, create: boolean): number | { link: string } {
  const path = at(parent, name);
  try {
    return openSync(path, DIR_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && create) {
      mkdirSync(path, 0o755);
      const fd = openSync(path, DIR_FLAGS);
      fchownSync(fd, 0, 0);
      return fd;
    }
    if (code !== 'ELOOP' && code !== 'ENOTDIR') throw error;
    if (!lstatSync(path).isSymbolicLink()) throw error;
    return { link: readlinkSync(path) };
  }
}

/** Removes NAME in the directory held by `dirFd`, a tree walked by descriptor, a link itself (never what it points to). */
export function removeAt(dirFd: number, name: string): void {
  const path = at(dirFd, name);
  let fd: number | undefined;
  try {
    fd = openSync(path, DIR_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'ELOOP' && code !== 'ENOTDIR') throw error;
  }
  if (fd === undefined) {
    unlinkSync(path);
    return;
  }
  try {
    for (const child of readdirSync(at(fd))) removeAt(fd, child);
  } finally {
    closeSync(fd);
  }
  rmdirSync(path);
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}
