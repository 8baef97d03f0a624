// A directory opened by descriptor, made a mount point the OCI runtime can
// bind from (moby's safepath): the runtime mounts in a mount namespace of its
// own, where our descriptor's mount is not, so the directory is first bound
// from the descriptor onto a private path of ours. `mount --no-canonicalize`
// hands /proc/self/fd/3 to mount(2) as it is: the kernel binds exactly the
// directory the descriptor holds, whatever its path has become since.
import { mkdirSync, rmdirSync } from 'node:fs';
import { execFile } from '../../../util/exec.js';
import { unmount } from '../snapshots/mount.js';
import type { InRoot } from './open-in-root.js';

export interface PinnedMount {
  /** The private mount point to give the runtime as the source. */
  path: string;
  release(): Promise<void>;
}

export async function pinDirectory(dir: InRoot, at: string): Promise<PinnedMount> {
  mkdirSync(at, { recursive: true, mode: 0o700 });
  try {
    await execFile(['mount', '--no-canonicalize', '--bind', '/proc/self/fd/3', at], { extraFds: [dir.fd] });
  } catch (error) {
    rmdirSync(at);
    throw error;
  }
  return {
    path: at,
    release: async () => {
      await unmount(at, { lazy: true });
      rmdirSync(at);
    },
  };
}
