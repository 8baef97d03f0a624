// The config of an image made by `image import`: Docker gives none beyond the
// rootfs; we add what makes the image usable at once (PATH, and `sh` as the
// command when the root filesystem has one).
import { lstat, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { goArch, type ImageConfig } from './oci.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ImportConfigOptions {
  diffId: string;
  /** The unpacked root filesystem, to look for /bin/sh. */
  rootfs: string;
  /** Where it came from, for the history comment. */
  source: string;
  created?: Date;
}

export async function buildImportConfig(opts: ImportConfigOptions): Promise<ImageConfig> {
  const created = (opts.created ?? new Date()).toISOString();
  const hasShell = await existsInRoot(opts.rootfs, '/bin/sh');
  return {
    architecture: goArch(),
    os: 'linux',
    created,
    config: { Env: [`PATH=${DEFAULT_PATH}`], ...(hasShell && { Cmd: ['sh'] }) },
    rootfs: { type: 'layers', diff_ids: [opts.diffId] },
    history: [{ created, created_by: 'tscompose image import', comment: `Imported from ${opts.source}` }],
  };
}

/** Whether `path` exists in the tree at `root`, resolving symlinks as the container would see them (inside root). */
export async function existsInRoot(root: string, path: string): Promise<boolean> {
  const todo = path.split('/').filter(Boolean);
  const done: string[] = [];
  for (let hops = 0; todo.length > 0; ) {
    const part = todo.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const st = await lstat(join(root, ...done, part)).catch(() => undefined);
    if (!st) return false;
    if (st.isSymbolicLink()) {
      if (++hops > 40) return false;
      const target = await readlink(join(root, ...done, part));
      if (posix.isAbsolute(target)) done.length = 0;
      todo.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    done.push(part);
  }
  return true;
}
