// Docker's volume "copy-up": the first time an empty volume is mounted over a
// directory of the image, that directory's content (and its owner and mode)
// is copied into the volume.
import { readdirSync, statSync } from 'node:fs';
import { execFile } from '../../../util/exec.js';
import { resolveInRoot } from './scoped-path.js';

export interface CopyUpOptions {
  /** `volume.nocopy` in Compose: never copy. */
  nocopy?: boolean;
}

/**
 * Copies `<rootfs>/<subpath>` into `volumeDir` when the volume is empty and
 * that path is a directory in the image; returns whether it copied.
 * Symlinks in the image are resolved inside the rootfs, never on the host.
 */
export async function copyUp(rootfs: string, subpath: string, volumeDir: string, opts: CopyUpOptions = {}): Promise<boolean> {
  if (opts.nocopy) return false;
  const source = resolveInRoot(rootfs, subpath);
  try {
    if (!statSync(source).isDirectory()) return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
  if (readdirSync(volumeDir).length > 0) return false;
  // cp -a keeps modes, owners, times, symlinks (not followed), hard links,
  // device nodes and xattrs; -T copies the directory itself onto volumeDir.
  await execFile(['cp', '-a', '-T', '--', source, volumeDir]);
  return true;
}
