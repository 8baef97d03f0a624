// Paths of tar entries, kept inside the directory they are unpacked into. Every
// parent component is lstat'ed: a symlink on the way is refused, never followed,
// so `ln -s /etc x` followed by `x/passwd` cannot write to the host.
import { lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TscError } from '../../../util/errors.js';

export class UnsafeEntryError extends TscError {
  constructor(entry: string, why: string) {
    super('LAYER_UNSAFE', `refusing layer entry "${entry}": ${why}; the image may be malicious or damaged`);
  }
}

/** The components of a tar entry name, relative to the target: a leading `/` or `./` is dropped, `..` is refused. */
export function entryComponents(name: string): string[] {
  if (name.includes('\0')) throw new UnsafeEntryError(name, 'the name contains a NUL byte');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeEntryError(name, 'the path goes up with ".."');
  return parts;
}

/**
 * Resolves the parents of entries inside `root` without following symlinks.
 * Directories it has seen are remembered; `forget` must be told when a path is
 * removed or replaced so that the memory stays true.
 */
export class ScopedDirs {
  private readonly known = new Set<string>(['']);
  constructor(readonly root: string) {}

  /** The absolute directory that holds `parts[parts.length-1]`, creating missing parents (mode 0755). */
  async parentOf(entry: string, parts: string[], create = true): Promise<string> {
    let rel = '';
    for (const part of parts.slice(0, -1)) {
      rel = rel ? `${rel}/${part}` : part;
      if (this.known.has(rel)) continue;
      const full = join(this.root, rel);
      const st = await lstat(full).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      });
      if (!st) {
        if (!create) throw new UnsafeEntryError(entry, `"${rel}" does not exist in the layer`);
        await mkdir(full, { mode: 0o755 });
      } else if (st.isSymbolicLink()) {
        throw new UnsafeEntryError(entry, `"${rel}" is a symlink and extraction never goes through symlinks`);
      } else if (!st.isDirectory()) {
        throw new UnsafeEntryError(entry, `"${rel}" is not a directory`);
      }
      this.known.add(rel);
    }
    return parts.length > 1 ? join(this.root, rel) : this.root;
  }

  /** Removes whatever is at `parts` (not following symlinks) unless it is a directory and `keepDir` is set. */
  async clear(parts: string[], keepDir: boolean): Promise<void> {
    const rel = parts.join('/');
    const full = join(this.root, rel);
    const st = await lstat(full).catch(() => undefined);
    if (!st || (keepDir && st.isDirectory())) return;
    await rm(full, { recursive: true, force: true });
    this.forget(rel);
  }

  /** Whether `parts` is still a directory reached through directories only (no symlink anywhere on the way). */
  async isDirInside(parts: string[]): Promise<boolean> {
    let full = this.root;
    for (const part of parts) {
      full = join(full, part);
      const st = await lstat(full).catch(() => undefined);
      if (!st || !st.isDirectory()) return false;
    }
    return true;
  }

  markDir(parts: string[]): void {
    this.known.add(parts.join('/'));
  }

  forget(rel: string): void {
    for (const k of this.known) if (k === rel || k.startsWith(`${rel}/`)) this.known.delete(k);
  }
}
