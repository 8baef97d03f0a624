// Tells when files under some directories change: fs.watch for speed, and a
// periodic rescan (a fingerprint of names, sizes, mtimes and inodes) because
// fs.watch misses things: directories made after we started, replaced
// directories, some file systems.
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

export interface DirWatcherOptions {
  dirs: string[];
  /** Extra files whose change counts (e.g. /etc/resolv.conf). */
  files?: string[];
  onChange: () => void;
  /** Also called on every rescan tick, changed or not. */
  onTick?: () => void;
  debounceMs?: number;
  rescanMs?: number;
}

interface Watched {
  watcher: FSWatcher;
  ino: number;
}

export class DirWatcher {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private last = '';

  constructor(private readonly opts: DirWatcherOptions) {}

  start(): void {
    this.last = this.fingerprint();
    this.rewatch();
    this.timer = setInterval(() => this.tick(), this.opts.rescanMs ?? 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    for (const w of this.watched.values()) w.watcher.close();
    this.watched.clear();
  }

  private tick(): void {
    this.rewatch();
    const now = this.fingerprint();
    if (now !== this.last) {
      this.last = now;
      this.opts.onChange();
    }
    this.opts.onTick?.();
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.last = this.fingerprint();
      this.opts.onChange();
    }, this.opts.debounceMs ?? 20);
  }

  /** Watches each directory that exists, again when it was replaced. */
  private rewatch(): void {
    for (const dir of this.opts.dirs) {
      const ino = inode(dir);
      const current = this.watched.get(dir);
      if (current && current.ino === ino) continue;
      current?.watcher.close();
      this.watched.delete(dir);
      if (ino === undefined) continue;
      try {
        const watcher = watch(dir, { persistent: false }, () => this.schedule());
        watcher.on('error', () => {
          watcher.close();
          if (this.watched.get(dir)?.watcher === watcher) this.watched.delete(dir);
        });
        this.watched.set(dir, { watcher, ino });
      } catch {
        /* gone again: the next tick tries */
      }
    }
  }

  /** Names, inodes, sizes and mtimes of what it watches: equal strings, nothing changed (atomic writes make new inodes). */
  fingerprint(): string {
    const parts: string[] = [];
    for (const dir of this.opts.dirs) {
      let names: string[] = [];
      try {
        names = readdirSync(dir).sort();
      } catch { /* missing */ }
      parts.push(`${dir}:${inode(dir) ?? '-'}`);
      for (const name of names) parts.push(`${name}:${stamp(join(dir, name))}`);
    }
    for (const file of this.opts.files ?? []) parts.push(`${file}:${stamp(file)}`);
    return parts.join('\n');
  }
}

function inode(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? st.ino : undefined;
  } catch {
    return undefined;
  }
}

function stamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}/${st.size}/${st.mtimeMs}`;
  } catch {
    return '-';
  }
}
