// Docker's volume "copy-up": the first time an empty volume is mounted over a
// directory of the image, that directory's content (and its owner and mode)
// is copied into the volume.
import { chmodSync, chownSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  // device nodes and xattrs; -T copies the directory itself.
  // A running container may share the volume: the copy is made in a private
  // directory beside it and renamed in, so that nothing it swaps in the volume
  // meanwhile (a symlink where a directory will go) is written through.
  const staging = mkdtempSync(join(dirname(volumeDir), '.copy-up-'));
  try {
    if (statSync(staging).dev !== statSync(volumeDir).dev) {
      // A volume on its own filesystem (type/device options): no rename across; never write through a link.
      await execFile(['cp', '-a', '-T', '--remove-destination', '--', source, volumeDir]);
      return true;
    }
    await execFile(['cp', '-a', '-T', '--', source, staging]);
    // rename(2) replaces a symlink at the name and never follows it; a directory made there meanwhile fails it.
    for (const name of readdirSync(staging)) renameSync(join(staging, name), join(volumeDir, name));
    const st = statSync(staging);
    chownSync(volumeDir, st.uid, st.gid);
    chmodSync(volumeDir, st.mode & 0o7777);
    return true;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
