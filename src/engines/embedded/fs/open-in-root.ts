// Paths inside a directory a container controls (its root filesystem, a
// volume), opened one component at a time from file descriptors, as
// openat2(RESOLVE_IN_ROOT) and moby's safepath do: each step opens one name
// under the directory already open with O_NOFOLLOW, so a component swapped for
// a symlink after it was looked at cannot send the walk anywhere else.
// Symlinks met on the way are resolved by hand, inside the root (absolute
// targets restart at the root, `..` never goes above it).
//
// Node has no openat(): `/proc/self/fd/<dirfd>/<name>` is the same lookup, one
// name under the directory the descriptor holds.
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { TscError } from '../../../util/errors.js';

/** O_PATH (Linux): a descriptor that names a file without opening it (no FIFO blocks, no device opens). */
const O_PATH = 0o10000000;
const WALK = O_PATH | constants.O_NOFOLLOW | 0o2000000; // | O_CLOEXEC
const MAX_LINKS = 40;
const MAX_RETRIES = 100;

export function fdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/** An open O_PATH descriptor of a file inside a root; close it when done. */
export interface InRoot {
  fd: number;
  stat: Stats;
  close(): void;
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/**
 * Opens `path` (as the container sees it) under `root`. Symlinks, the last
 * one too unless `followLast` is false, are followed inside the root.
 * Returns undefined when a component does not exist.
 */
export function openInRoot(root: string, path: string, opts: { followLast?: boolean } = {}): InRoot | undefined {
  const followLast = opts.followLast !== false;
  const rootFd = openSync(root, O_PATH | constants.O_DIRECTORY);
  const stack = [rootFd];
  const closeAll = () => {
    for (const fd of stack.splice(0)) closeSync(fd);
  };
  try {
    let pending = split(path);
    let links = 0;
    let retries = 0;
    while (pending.length > 0) {
      const part = pending[0]!;
      if (part === '..') {
        pending.shift();
        if (stack.length > 1) closeSync(stack.pop()!);
        continue;
      }
      const last = pending.length === 1;
      const at = `${fdPath(stack[stack.length - 1]!)}/${part}`;
      let fd: number;
      try {
        fd = openSync(at, WALK);
      } catch (e) {
        if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return closeAll(), undefined;
        throw e;
      }
      const st = fstatSync(fd);
      if (st.isSymbolicLink() && (!last || followLast)) {
        closeSync(fd);
        // readlink never follows the name it reads; if the link was swapped meanwhile, whatever
        // is there now is read, and its target is resolved inside the root all the same.
        let target: string;
        try {
          target = readlinkSync(at);
        } catch (e) {
          if (errno(e) !== 'EINVAL' && errno(e) !== 'ENOENT') throw e;
          if (++retries > MAX_RETRIES) throw new TscError('PATH_UNSTABLE', `${path} keeps changing while it is opened`);
          continue;
        }
        if (++links > MAX_LINKS) throw new TscError('SYMLINK_LOOP', `too many levels of symbolic links in ${path}`);
        pending.shift();
        if (target.startsWith('/')) {
          while (stack.length > 1) closeSync(stack.pop()!);
        }
        pending = [...split(target), ...pending];
        continue;
      }
      if (!last && !st.isDirectory()) {
        closeSync(fd);
        return closeAll(), undefined;
      }
      pending.shift();
      stack.push(fd);
    }
    const fd = stack.pop()!;
    closeAll();
    return { fd, stat: fstatSync(fd), close: () => closeSync(fd) };
  } catch (error) {
    closeAll();
    throw error;
  }
}

/**
 * The content of a regular file under `root` (a container's /etc/passwd):
 * symlinks resolved inside the root, never a FIFO or device opened, at most
 * `maxBytes` read. Missing, or not a regular file, reads as undefined.
 */
export function readFileInRoot(root: string, path: string, maxBytes: number): string | undefined {
  const found = openInRoot(root, path);
  if (!found) return undefined;
  try {
    if (!found.stat.isFile()) return undefined;
    if (found.stat.size > maxBytes) {
      throw new TscError('FILE_TOO_LARGE', `${path} in the container is ${found.stat.size} bytes, more than the ${maxBytes} read from it`);
    }
    // Re-opening through the descriptor: the magic link names exactly the file checked above.
    const fd = openSync(fdPath(found.fd), constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      // Sized by the stat (a zeroed buffer of maxBytes per read cost seconds at 100 containers),
      // grown up to maxBytes + 1 if the file grew since.
      let buf = Buffer.allocUnsafe(Math.min(found.stat.size, maxBytes) + 1);
      let n = 0;
      for (;;) {
        if (n === buf.length) {
          const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
          buf.copy(bigger, 0, 0, n);
          buf = bigger;
        }
        const r = readSync(fd, buf, n, buf.length - n, null);
        if (r === 0) break;
        n += r;
        if (n > maxBytes) throw new TscError('FILE_TOO_LARGE', `${path} in the container is more than ${maxBytes} bytes`);
      }
      return buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } finally {
    found.close();
  }
}
