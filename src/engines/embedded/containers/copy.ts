// `cp` into and out of a container. A running container is reached through
// /proc/<pid>/root (its mounts included); a stopped one through its overlay
// rootfs, mounted for the copy, with volume and bind targets mapped to their
// host directories. Paths are resolved inside the container's root: symlinks
// are followed as the container would see them, never out to the host.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, posix } from 'node:path';
import type { CopyOptions } from '../../../engine/types.js';
import { execFile } from '../../../util/exec.js';
import { TscError } from '../../../util/errors.js';
import { resolveInRoot } from '../volumes/scoped-path.js';
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

/** The host path of `containerPath`, resolved inside the root (or inside the mount that holds it). */
export function hostPathIn(root: CopyRoot, containerPath: string): string {
  const path = posix.resolve('/', containerPath);
  const mount = root.mounts
    .filter((m) => path === m.target || path.startsWith(m.target === '/' ? '/' : `${m.target}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (mount) return resolveInRoot(mount.hostDir, posix.relative(mount.target, path));
  return resolveInRoot(root.dir, path);
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
  const dest = hostPathIn(root, containerPath);
  const target = contentsOnly ? dest : destination(hostPath, dest, containerPath);
  await execFile(['cp', '-a', ...(opts.followLink ? ['-H'] : []), '-T', '--', hostPath.replace(/\/\.$/, ''), target]);
  // Without -a, what is copied in belongs to the container's root (Docker's default).
  if (!opts.archive) {
    const copied = contentsOnly ? readdirSync(hostPath.replace(/\/\.$/, '')).map((n) => `${target}/${n}`) : [target];
    if (copied.length > 0) await execFile(['chown', '-R', '-h', '0:0', '--', ...copied]);
  }
}

export async function copyFromRoot(root: CopyRoot, containerPath: string, hostPath: string, opts: CopyOptions = {}): Promise<void> {
  const source = opts.followLink ? hostPathIn(root, containerPath) : linkPathIn(root, containerPath);
  if (!kind(source)) throw new TscError('NO_SUCH_PATH', `Could not find the file ${containerPath} in container ${root.name}`);
  const target = /\/\.$/.test(containerPath) ? hostPath : destination(containerPath, hostPath, hostPath);
  await execFile(['cp', '-a', '-T', '--', source, target]);
  // Without -a, what is copied out belongs to whoever runs the command.
  if (!opts.archive) await execFile(['chown', '-R', '-h', `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`, '--', target]);
}

/** Like hostPathIn, but a symlink SRC_PATH stays the link (Docker copies the link unless -L). */
function linkPathIn(root: CopyRoot, containerPath: string): string {
  const path = posix.resolve('/', containerPath);
  const name = posix.basename(path);
  if (path === '/' || /\/\.$/.test(containerPath)) return hostPathIn(root, containerPath);
  return `${hostPathIn(root, posix.dirname(path))}/${name}`;
}
