// Resolves a path inside a root filesystem the way the container would see it:
// symlinks are followed, but absolute targets and '..' stay inside the root
// (what moby's FollowSymlinkInScope does). The host's files are never reached.
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TscError } from '../../../util/errors.js';

const MAX_LINKS = 255;

/** The host path of `path` (absolute in the container) under `root`; components that do not exist are kept as they are. */
export function resolveInRoot(root: string, path: string): string {
  const resolved: string[] = [];
  let pending = split(path);
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    let isLink = false;
    try {
      isLink = lstatSync(host).isSymbolicLink();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    }
    if (!isLink) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new TscError('SYMLINK_LOOP', `too many levels of symbolic links in ${path}`);
    const target = readlinkSync(host);
    if (target.startsWith('/')) resolved.length = 0;
    pending = [...split(target), ...pending];
  }
  return join(root, ...resolved);
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}
