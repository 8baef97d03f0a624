// `cp` into and out of a container. A running container is reached through
// /proc/<pid>/root (its mounts included) and is frozen for the copy (the
// caller pauses it); a stopped one through its overlay rootfs, mounted for the
// copy, with volume and bind targets mapped to their host directories.
// Container paths are opened inside the container's root one component at a
// time (open-in-root.ts), and `cp` gets the opened directory or file as its
// fd 3: a symlink the container swaps in cannot send the copy to the host.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, posix } from 'node:path';
import type { CopyOptions } from '../../../engine/types.js';
import { execFile } from '../../../util/exec.js';
import { TscError } from '../../../util/errors.js';
import { openInRoot, type InRoot } from '../fs/open-in-root.js';
import type { EffectiveMount } from './layout.js';

export interface CopyRoot {
  /** Host directory that is the container's `/`. */
  dir: string;
  /** Mounts to map by hand (stopped container); empty when `dir` shows them already. */
  mounts: Array<EffectiveMount & { hostDir: string }>;
  readOnly: boolean;
  /** Container name, for messages. */
  name: string;
}

/** `cp`'s view of the descriptor passed as its fd 3. */
const CHILD_FD = '/proc/self/fd/3';

/** Opens `containerPath` inside the root (or inside the mount that holds it); undefined when missing. */
export function openPathIn(root: CopyRoot, containerPath: string): InRoot | undefined {
  const path = posix.resolve('/', containerPath);
  const mount = root.mounts
    .filter((m) => path === m.target || path.startsWith(m.target === '/' ? '/' : `${m.target}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (mount) return openInRoot(mount.hostDir, posix.relative(mount.target, path));
  return openInRoot(root.dir, path);
}

function kind(path: string): 'dir' | 'other' | undefined {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'other';
  } catch {
    try {
      lstatSync(path);
      return 'other';
    } catch {
      return undefined;
    }
  }
}

/** Docker's rule: into an existing directory as its base name, else to that path (whose parent must exist). */
function destination(source: string, dest: string, destShown: string): string {
  if (kind(dest) === 'dir') return `${dest}/${basename(source)}`;
  if (kind(dirname(dest)) !== 'dir') throw new TscError('NO_SUCH_PATH', `no such directory: ${dirname(destShown)}`);
  return dest;
}

export async function copyToRoot(root: CopyRoot, hostPath: string, containerPath: string, opts: CopyOptions = {}): Promise<void> {
  if (root.readOnly) throw new TscError('READ_ONLY', `container rootfs is marked read-only: cannot copy to ${root.name}:${containerPath}`);
  if (!kind(hostPath)) throw new TscError('NO_SUCH_PATH', `no such file or directory: ${hostPath}`);
  const contentsOnly = /\/\.$/.test(hostPath);
  const path = posix.resolve('/', containerPath);
  // The directory to write in, opened, and the name to give the copy there.
  let dir = openPathIn(root, path);
  let name: string;
  if (dir?.stat.isDirectory()) {
    name = contentsOnly ? '' : basename(hostPath);
  } else {
    dir?.close();
    dir = openPathIn(root, posix.dirname(path));
    if (!dir?.stat.isDirectory()) {
      dir?.close();
      throw new TscError('NO_SUCH_PATH', `no such directory: ${posix.dirname(containerPath)}`);
    }
    name = posix.basename(path);
  }
  try {
    // --remove-destination: a file or symlink in the way is replaced, never written through.
    const target = name ? `${CHILD_FD}/${name}` : `${CHILD_FD}/.`;
    const source = hostPath.replace(/\/\.$/, '');
    await execFile(['cp', '-a', ...(opts.followLink ? ['-H'] : []), '-T', '--remove-destination', '--', source, target], { extraFds: [dir.fd] });
    // Without -a, what is copied in belongs to the container's root (Docker's default).
    if (!opts.archive) {
      const copied = contentsOnly ? readdirSync(source).map((n) => `${CHILD_FD}/${n}`) : [target];
      if (copied.length > 0) await execFile(['chown', '-R', '-h', '0:0', '--', ...copied], { extraFds: [dir.fd] });
    }
  } finally {
    dir.close();
  }
}

export async function copyFromRoot(root: CopyRoot, containerPath: string, hostPath: string, opts: CopyOptions = {}): Promise<void> {
  const path = posix.resolve('/', containerPath);
  // Docker copies a symlink SRC_PATH as the link unless -L: then its directory is opened and the link named in it.
  const asLink = !opts.followLink && path !== '/' && !/\/\.$/.test(containerPath);
  const opened = openPathIn(root, asLink ? posix.dirname(path) : containerPath);
  const found = opened && (!asLink || lstatExists(`/proc/self/fd/${opened.fd}/${posix.basename(path)}`));
  if (!opened || !found) {
    opened?.close();
    throw new TscError('NO_SUCH_PATH', `Could not find the file ${containerPath} in container ${root.name}`);
  }
  try {
    const target = /\/\.$/.test(containerPath) ? hostPath : destination(containerPath, hostPath, hostPath);
    // -H: fd 3 itself is followed (it is the opened source); nothing below it is.
    const source = asLink ? ['--', `${CHILD_FD}/${posix.basename(path)}`] : ['-H', '--', CHILD_FD];
    await execFile(['cp', '-a', '-T', ...source, target], { extraFds: [opened.fd] });
    // Without -a, what is copied out belongs to whoever runs the command.
    if (!opts.archive) await execFile(['chown', '-R', '-h', `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`, '--', target]);
  } finally {
    opened.close();
  }
}

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
